/* tiles_block.c: a block of a group of zooms' tiles, the tiles under one
 * tile of the group's first zoom. Its features are read once from the store
 * through the layers' spatial indexes and each is copied into the tiles its
 * box (plus the buffer) meets, in fid order, so that memory follows the
 * block and not the layer. A tile whose copies grow far past its limits
 * gives up half its features' bytes there and then, the features its
 * rendering would drop first under them (the smallest; points from the
 * densest parts), counted as dropped: what a tile holds depends on its own
 * features only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "tiles_int.h"

static int oom(void)
{
    return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
}

static void tile_free(tl_btile *t, size_t nlayers)
{
    for (size_t i = 0; t->layers && i < nlayers; i++)
        tl_layer_clear(&t->layers[i]);
    free(t->layers);
    t->layers = NULL;
}

/* Layers sharing the schema's names, empty. */
static tl_layer *new_layers(const tl_layer *schema, size_t nlayers)
{
    tl_layer *l = calloc(nlayers, sizeof *l);
    for (size_t i = 0; l && i < nlayers; i++) {
        l[i].name = schema[i].name;
        l[i].keys = schema[i].keys;
        l[i].key_kind = schema[i].key_kind;
        l[i].nkeys = schema[i].nkeys;
        l[i].borrowed = 1;
    }
    return l;
}

/* Drops features of t, in the limits' order, until it holds half its
 * features' bytes. */
static int evict(tl_block *b, tl_btile *t)
{
    size_t n = 0;
    for (size_t li = 0; li < b->nlayers; li++)
        n += t->layers[li].nf;
    tl_ref *refs = malloc(2 * (n ? n : 1) * sizeof *refs);
    tl_layer *kept = new_layers(b->schema, b->nlayers);
    uint8_t **keep = calloc(b->nlayers, sizeof *keep);
    int rc = !refs || !kept || !keep ? oom() : 0;
    for (size_t li = 0, k = 0; li < b->nlayers && !rc; li++) {
        if (!(keep[li] = calloc(t->layers[li].nf + 1, 1)))
            rc = oom();
        for (size_t fi = 0; fi < t->layers[li].nf && !rc; fi++)
            refs[k++] = (tl_ref){(uint32_t)li, (uint32_t)fi};
    }
    if (!rc) {
        tl_renderer view = {.layers = t->layers, .nlayers = b->nlayers, .lim = b->lim};
        tl_frame fr;
        tl_frame_at(&fr, b->lim, t->z, t->x, t->y);
        if (tl_drop_order(&view, &fr, refs, n, refs + n))
            rc = oom();
    }
    size_t total = 0, bytes = 0, i = 0;
    for (size_t k = 0; k < n && !rc; k++)
        total += tl_feature_bytes(&t->layers[refs[k].layer], refs[k].feat);
    for (; i < n && !rc; i++) {
        size_t fb = tl_feature_bytes(&t->layers[refs[i].layer], refs[i].feat);
        if (bytes + fb > total / 2 && i > 0)
            break;
        bytes += fb;
        keep[refs[i].layer][refs[i].feat] = 1;
    }
    for (; i < n && !rc; i++) {
        int point = t->layers[refs[i].layer].f[refs[i].feat].type == MVT_POINT;
        t->points_dropped += point;
        t->dropped += !point;
    }
    for (size_t li = 0; li < b->nlayers && !rc; li++)
        for (size_t fi = 0; fi < t->layers[li].nf && !rc; fi++)
            if (keep[li][fi] && tl_layer_append(&kept[li], &t->layers[li], fi))
                rc = oom();
    if (!rc) {
        tile_free(t, b->nlayers);
        t->layers = kept;
        kept = NULL;
        b->bytes -= t->bytes;
        t->bytes = 0;
        for (size_t li = 0; li < b->nlayers; li++)
            t->bytes += tl_layer_bytes(&t->layers[li]);
        b->bytes += t->bytes;
    }
    for (size_t li = 0; keep && li < b->nlayers; li++)
        free(keep[li]);
    free(keep);
    if (kept) {
        for (size_t li = 0; li < b->nlayers; li++)
            tl_layer_clear(&kept[li]);
        free(kept);
    }
    free(refs);
    return rc;
}

/* Non-zero when t holds far more than its limits let it keep: some 32
 * bytes of source per byte of a full tile (parcels take about 20), or twice
 * the features. It depends on the tile alone, so a tile holds the same
 * features whatever else its block holds (a patch builds only some). */
static int far_over(const tl_block *b, const tl_btile *t)
{
    size_t n = 0;
    for (size_t li = 0; li < b->nlayers; li++)
        n += t->layers[li].nf;
    return (double)t->bytes > 32.0 * (double)b->lim->max_bytes || (double)n > 2.0 * (double)b->lim->max_features;
}

/* A chunk of the layer being read into the tiles each feature meets. */
static int distribute(const tl_layer *chunk, void *payload)
{
    tl_block *b = payload;
    const tl_grid *g = b->lim->grid;
    for (size_t fi = 0; fi < chunk->nf; fi++) {
        const tl_feature *f = &chunk->f[fi];
        if (!f->ncoords)
            continue;
        for (int zi = 0; zi < b->nzoom; zi++) {
            const tl_bzoom *bz = &b->zoom[zi];
            double x0 = fmax(floor((f->box[0] - bz->pad - g->x0) / bz->size), bz->x0),
                   x1 = fmin(floor((f->box[2] + bz->pad - g->x0) / bz->size), bz->x0 + bz->w - 1.0),
                   y0 = fmax(floor((g->y0 - f->box[3] - bz->pad) / bz->size), bz->y0),
                   y1 = fmin(floor((g->y0 - f->box[1] + bz->pad) / bz->size), bz->y0 + bz->h - 1.0);
            for (double y = y0; y <= y1; y++)
                for (double x = x0; x <= x1; x++) {
                    size_t slot = bz->first + (size_t)(y - bz->y0) * bz->w + (size_t)(x - bz->x0);
                    tl_btile *t = &b->t[slot];
                    if (!b->want[slot])
                        continue;
                    if (!t->layers && !(t->layers = new_layers(b->schema, b->nlayers)))
                        return oom();
                    tl_layer *l = &t->layers[b->layer];
                    size_t before = tl_layer_bytes(l);
                    if (tl_layer_append(l, chunk, fi))
                        return oom();
                    t->bytes += tl_layer_bytes(l) - before;
                    b->bytes += tl_layer_bytes(l) - before;
                    int rc = far_over(b, t) ? evict(b, t) : 0;
                    if (rc)
                        return rc;
                }
        }
    }
    return 0;
}

int tl_block_fill(tl_block *b, tl_reader *const *readers, const tl_layer *schema, size_t nlayers,
                  const tl_limits *lim, int zlo, int zhi, uint32_t bx, uint32_t by, const tl_tiles *const *touched)
{
    const tl_grid *g = lim->grid;
    memset(b, 0, sizeof *b);
    b->schema = schema;
    b->nlayers = nlayers;
    b->lim = lim;
    b->nzoom = zhi - zlo + 1;
    for (int zi = 0; zi < b->nzoom; zi++) {
        tl_bzoom *bz = &b->zoom[zi];
        int z = zlo + zi;
        uint32_t span = 1u << zi, cols = g->cols0 << z, rows = 1u << z;
        bz->z = z;
        bz->x0 = bx * span;
        bz->y0 = by * span;
        bz->w = bz->x0 + span > cols ? cols - bz->x0 : span;
        bz->h = bz->y0 + span > rows ? rows - bz->y0 : span;
        bz->size = g->size0 / (double)(1u << z);
        bz->pad = lim->buffer * bz->size / TL_EXTENT;
        bz->first = b->nslots;
        b->nslots += (size_t)bz->w * bz->h;
    }
    if (!(b->t = calloc(b->nslots, sizeof *b->t)) || !(b->want = calloc(b->nslots, 1)))
        return oom();
    for (int zi = 0; zi < b->nzoom; zi++) {
        const tl_bzoom *bz = &b->zoom[zi];
        for (uint32_t y = 0; y < bz->h; y++)
            for (uint32_t x = 0; x < bz->w; x++) {
                size_t slot = bz->first + (size_t)y * bz->w + x;
                tl_btile *t = &b->t[slot];
                t->z = bz->z;
                t->x = bz->x0 + x;
                t->y = bz->y0 + y;
                t->tid = tl_tile_id(g, bz->z, t->x, t->y);
                b->want[slot] = !touched || tl_since_has(touched[zi], t->tid);
            }
    }
    /* the first zoom's buffer is the widest */
    const tl_bzoom *bz = &b->zoom[0];
    double box[4] = {g->x0 + bz->x0 * bz->size - bz->pad, g->y0 - (bz->y0 + bz->h) * bz->size - bz->pad,
                     g->x0 + (bz->x0 + bz->w) * bz->size + bz->pad, g->y0 - bz->y0 * bz->size + bz->pad};
    int rc = 0;
    for (b->layer = 0; b->layer < nlayers && !rc; b->layer++)
        rc = tl_reader_each(readers[b->layer], box, distribute, b);
    return rc;
}

static int by_zoom_tid(const void *a, const void *b)
{
    const tl_btile *x = *(tl_btile *const *)a, *y = *(tl_btile *const *)b;
    if (x->z != y->z)
        return x->z < y->z ? -1 : 1;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

size_t tl_block_tiles(tl_block *b, tl_btile **out)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nslots; i++)
        if (b->t[i].layers)
            out[n++] = &b->t[i];
    if (n > 1)
        qsort(out, n, sizeof *out, by_zoom_tid);
    return n;
}

void tl_block_clear(tl_block *b)
{
    for (size_t i = 0; b->t && i < b->nslots; i++)
        tile_free(&b->t[i], b->nlayers);
    free(b->t);
    free(b->want);
    memset(b, 0, sizeof *b);
}
