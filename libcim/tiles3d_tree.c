/* tiles3d_tree.c: the quadtree of a 3D tileset and its tileset.json.
 *
 * The root is the square around the buildings' centres; a node with more
 * buildings than the limit splits into its four quadrants (empty ones are
 * left out) down to MAX_DEPTH, where identical centres stop the split.
 * Inner nodes have no content: they only group their children, so refine
 * is ADD and their geometricError is their side in metres (what is missing
 * when nothing below is drawn), halving with depth; leaves have 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "error_int.h"
#include "json_int.h"
#include "tiles3d_int.h"

#define MAX_DEPTH 24

static int new_node(t3_tree *tr, double x0, double y0, double size, int depth, uint32_t first, uint32_t count)
{
    if (tr->nnodes == tr->cap) {
        size_t cap = tr->cap ? 2 * tr->cap : 64;
        t3_node *p = realloc(tr->nodes, cap * sizeof *p);
        if (!p)
            return -1;
        tr->nodes = p;
        tr->cap = cap;
    }
    t3_node *n = &tr->nodes[tr->nnodes];
    memset(n, 0, sizeof *n);
    n->x0 = x0;
    n->y0 = y0;
    n->size = size;
    n->depth = depth;
    n->first = first;
    n->count = count;
    n->content = -1;
    for (int k = 0; k < 4; k++)
        n->child[k] = -1;
    return (int)tr->nnodes++;
}

static int quadrant(const t3_node *n, const t3_bldg *b)
{
    double h = n->size / 2;
    return (b->cx >= n->x0 + h) + 2 * (b->cy >= n->y0 + h);
}

/* Splits node i, depth first so that leaves come out in tree order. */
static int split(t3_tree *tr, size_t i, t3_bldg *bldg, t3_bldg *tmp, size_t max)
{
    t3_node n = tr->nodes[i];
    if (n.count <= max || n.depth >= MAX_DEPTH) {
        tr->nodes[i].leaf = 1;
        tr->leaves[tr->nleaves++] = (uint32_t)i;
        return 0;
    }
    uint32_t cnt[4] = {0}, at[4];
    for (uint32_t k = 0; k < n.count; k++)
        cnt[quadrant(&n, &bldg[n.first + k])]++;
    at[0] = 0;
    for (int q = 1; q < 4; q++)
        at[q] = at[q - 1] + cnt[q - 1];
    for (uint32_t k = 0; k < n.count; k++) {
        const t3_bldg *b = &bldg[n.first + k];
        tmp[at[quadrant(&n, b)]++] = *b;
    }
    memcpy(bldg + n.first, tmp, n.count * sizeof *tmp);
    double h = n.size / 2;
    uint32_t first = n.first;
    for (int q = 0; q < 4; q++) {
        if (!cnt[q])
            continue;
        int c = new_node(tr, n.x0 + (q & 1) * h, n.y0 + (q >> 1) * h, h, n.depth + 1, first, cnt[q]);
        if (c < 0)
            return -1;
        tr->nodes[i].child[q] = c;
        if (split(tr, (size_t)c, bldg, tmp, max))
            return -1;
        first += cnt[q];
    }
    return 0;
}

int t3_tree_build(t3_tree *tr, t3_bldg *bldg, size_t n, size_t max_per_tile)
{
    memset(tr, 0, sizeof *tr);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        x0 = fmin(x0, bldg[i].cx);
        y0 = fmin(y0, bldg[i].cy);
        x1 = fmax(x1, bldg[i].cx);
        y1 = fmax(y1, bldg[i].cy);
    }
    if (!n)
        x0 = y0 = x1 = y1 = 0;
    /* a little over the extent so the largest centre falls inside */
    double size = fmax(fmax(x1 - x0, y1 - y0), 1.0) * (1 + 1e-9) + 1e-6;
    t3_bldg *tmp = n ? malloc(n * sizeof *tmp) : NULL;
    tr->leaves = malloc((n + 1) * sizeof *tr->leaves);
    int rc = (n && !tmp) || !tr->leaves || new_node(tr, x0, y0, size, 0, 0, (uint32_t)n) < 0 ||
             split(tr, 0, bldg, tmp, max_per_tile ? max_per_tile : 1);
    free(tmp);
    return rc ? cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory") : 0;
}

void t3_tree_clear(t3_tree *tr)
{
    free(tr->nodes);
    free(tr->leaves);
    memset(tr, 0, sizeof *tr);
}

/* An inner node's region: the union of its children's. */
static void gather(t3_tree *tr, size_t i)
{
    t3_node *n = &tr->nodes[i];
    if (n->leaf)
        return;
    for (int q = 0; q < 4; q++) {
        if (n->child[q] < 0)
            continue;
        gather(tr, (size_t)n->child[q]);
        const t3_node *c = &tr->nodes[n->child[q]];
        if (!c->has_region)
            continue;
        if (!n->has_region) {
            memcpy(n->region, c->region, sizeof n->region);
            n->has_region = 1;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            n->region[k] = fmin(n->region[k], c->region[k]);
            n->region[k + 2] = fmax(n->region[k + 2], c->region[k + 2]);
        }
        n->region[4] = fmin(n->region[4], c->region[4]);
        n->region[5] = fmax(n->region[5], c->region[5]);
    }
}

static void put_tile(cim_buf *b, const t3_tree *tr, size_t i)
{
    const t3_node *n = &tr->nodes[i];
    char s[512];
    snprintf(s, sizeof s, "{\"boundingVolume\":{\"region\":[%.17g,%.17g,%.17g,%.17g,%.17g,%.17g]},\"geometricError\":%.17g",
             n->region[0], n->region[1], n->region[2], n->region[3], n->region[4], n->region[5],
             n->leaf ? 0.0 : n->size);
    cim_json_raw(b, s);
    if (n->leaf) {
        if (n->content >= 0) {
            cim_json_raw(b, ",\"transform\":[");
            for (int k = 0; k < 16; k++) {
                snprintf(s, sizeof s, "%s%.17g", k ? "," : "", n->transform[k]);
                cim_json_raw(b, s);
            }
            snprintf(s, sizeof s, "],\"content\":{\"uri\":\"t/%d.glb\"}", (int)n->content);
            cim_json_raw(b, s);
        }
        cim_json_raw(b, "}");
        return;
    }
    cim_json_raw(b, ",\"refine\":\"ADD\",\"children\":[");
    int first = 1;
    for (int q = 0; q < 4; q++) {
        const t3_node *c = n->child[q] >= 0 ? &tr->nodes[n->child[q]] : NULL;
        if (!c || !c->has_region)
            continue; /* nothing was drawn below */
        if (!first)
            cim_json_raw(b, ",");
        first = 0;
        put_tile(b, tr, (size_t)n->child[q]);
    }
    cim_json_raw(b, "]}");
}

int t3_tileset_write(t3_tree *tr, const char *dir, int64_t *bytes)
{
    gather(tr, 0);
    const t3_node *root = &tr->nodes[0];
    cim_buf b = {0};
    char s[256];
    snprintf(s, sizeof s,
             "{\"asset\":{\"version\":\"1.1\",\"generator\":\"cim tiles3d\"},\"geometricError\":%.17g,\"root\":",
             fmax(root->size, 1.0));
    cim_json_raw(&b, s);
    if (root->has_region)
        put_tile(&b, tr, 0);
    else /* no building drawn: an empty root over nothing */
        cim_json_raw(&b, "{\"boundingVolume\":{\"region\":[0,0,0,0,0,0]},\"geometricError\":0}");
    cim_json_raw(&b, "}\n");
    const char *text = cim_json_text(&b);
    size_t n = strlen(dir) + 32;
    char *path = malloc(n);
    int rc;
    if (!text || !path) {
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    } else {
        snprintf(path, n, "%s/tileset.json", dir);
        rc = t3_out_write(path, text, strlen(text));
        *bytes = (int64_t)strlen(text);
    }
    free(path);
    cim_buf_free(&b);
    return rc;
}
