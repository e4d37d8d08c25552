/* tiles3d_tile.c: one leaf of the 3D tileset as a GLB.
 *
 * The leaf's frame is east/north/up at the centre of its buildings' box (on
 * the ellipsoid). Each footprint point goes to longitude/latitude (PROJ,
 * store CRS -> EPSG:4326, one transform per thread), then to ECEF at the
 * building's base and top heights, then into the frame; the float32
 * positions are these local metres, so they keep millimetres where ECEF
 * floats would keep half-metres. The frame -> ECEF matrix is the tile's
 * transform, written into the node for tileset.json. The region is taken
 * from the points' longitudes/latitudes and heights, widened by the float
 * rounding, so it contains what the GLB draws. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs_int.h"
#include "error_int.h"
#include "tiles3d_int.h"

#define DEG (0.017453292519943296)
/* float32 rounding of local metres over a few km, as an angle and a height */
#define PAD_RAD 2e-9
#define PAD_M 0.01

void t3_ecef(double lon, double lat, double h, double out[3])
{
    const double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f);
    double sl = sin(lat * DEG), cl = cos(lat * DEG);
    double n = a / sqrt(1 - e2 * sl * sl);
    out[0] = (n + h) * cl * cos(lon * DEG);
    out[1] = (n + h) * cl * sin(lon * DEG);
    out[2] = (n * (1 - e2) + h) * sl;
}

typedef struct frame {
    double o[3];          /* origin, ECEF */
    double e[3], n[3], u[3];
} frame;

static void frame_at(frame *f, double lon, double lat)
{
    double sl = sin(lon * DEG), cl = cos(lon * DEG), sp = sin(lat * DEG), cp = cos(lat * DEG);
    t3_ecef(lon, lat, 0, f->o);
    f->e[0] = -sl, f->e[1] = cl, f->e[2] = 0;
    f->n[0] = -sp * cl, f->n[1] = -sp * sl, f->n[2] = cp;
    f->u[0] = cp * cl, f->u[1] = cp * sl, f->u[2] = sp;
}

static void to_local(const frame *f, double lon, double lat, double h, double *out)
{
    double p[3];
    t3_ecef(lon, lat, h, p);
    double d[3] = {p[0] - f->o[0], p[1] - f->o[1], p[2] - f->o[2]};
    out[0] = f->e[0] * d[0] + f->e[1] * d[1] + f->e[2] * d[2];
    out[1] = f->n[0] * d[0] + f->n[1] * d[1] + f->n[2] * d[2];
    out[2] = f->u[0] * d[0] + f->u[1] * d[1] + f->u[2] * d[2];
}

typedef struct worker {
    cim_transform *t;
    gltf_mesh mesh;
    gltf_table table;
    cim_bytes glb;
    double *ll, *bot, *top; /* per point of a footprint: lon/lat, local bottom, local top */
    size_t cap;
    char *path;
    size_t path_cap;
} worker;

void t3_tile_fini(void *state, void *payload)
{
    (void)payload;
    worker *w = state;
    if (!w)
        return;
    cim_transform_free(w->t);
    gltf_mesh_clear(&w->mesh);
    gltf_table_clear(&w->table);
    cim_bytes_free(&w->glb);
    free(w->ll);
    free(w->bot);
    free(w->top);
    free(w->path);
    free(w);
}

void *t3_tile_init(void *payload)
{
    const t3_job *j = payload;
    worker *w = calloc(1, sizeof *w);
    if (!w) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    gltf_mesh_init(&w->mesh);
    char src[32];
    snprintf(src, sizeof src, "EPSG:%d", j->srid);
    if (cim_transform_new(&w->t, src, NULL, 4326)) {
        t3_tile_fini(w, payload);
        return NULL;
    }
    if (gltf_table_init(&w->table, j->cols->names, j->cols->type, j->cols->n)) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        t3_tile_fini(w, payload);
        return NULL;
    }
    return w;
}

static int grow(worker *w, size_t n)
{
    if (n <= w->cap)
        return 0;
    double *a = realloc(w->ll, 2 * n * sizeof *a);
    if (a)
        w->ll = a;
    double *b = realloc(w->bot, 3 * n * sizeof *b);
    if (b)
        w->bot = b;
    double *c = realloc(w->top, 3 * n * sizeof *c);
    if (c)
        w->top = c;
    if (!a || !b || !c)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    w->cap = n;
    return 0;
}

/* The building's attributes as one row of the table. */
static int put_row(gltf_table *t, const tl_layer *l, const tl_feature *f, const t3_columns *cols)
{
    for (size_t c = 0; c < cols->n; c++) {
        const tl_attr *a = NULL;
        for (uint32_t k = 0; k < f->nattr; k++)
            if (l->attrs[f->attr_off + k].key == cols->key[c])
                a = &l->attrs[f->attr_off + k];
        int rc;
        char num[32];
        if (!a) {
            rc = gltf_table_put_null(t, c);
        } else if (a->type == MVT_STRING) {
            rc = gltf_table_put_str(t, c, l->strings + a->v.s.off, a->v.s.len);
        } else {
            double v = a->type == MVT_DOUBLE ? a->v.d : a->type == MVT_UINT ? (double)a->v.u : (double)a->v.i;
            if (cols->type[c] == GLTF_PROP_STRING) {
                int n = a->type == MVT_DOUBLE ? snprintf(num, sizeof num, "%.17g", v)
                        : a->type == MVT_UINT ? snprintf(num, sizeof num, "%llu", (unsigned long long)a->v.u)
                                              : snprintf(num, sizeof num, "%lld", (long long)a->v.i);
                rc = gltf_table_put_str(t, c, num, (size_t)n);
            } else {
                rc = gltf_table_put_num(t, c, v);
            }
        }
        if (rc)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    gltf_table_end_row(t);
    return 0;
}

/* One building into the mesh (every polygon of it); 1 when nothing drawn. */
static int draw(worker *w, const t3_job *j, const t3_bldg *b, const frame *fr, double *region)
{
    const tl_layer *l = j->layer;
    const tl_feature *f = &l->f[b->feat];
    if (f->type != MVT_POLYGON)
        return 1;
    int rc = grow(w, f->ncoords);
    if (rc)
        return rc;
    memcpy(w->ll, l->coords + f->coord_off, 2 * f->ncoords * sizeof *w->ll);
    size_t bad = 0;
    if ((rc = cim_transform_points(w->t, w->ll, f->ncoords, 2, &bad)))
        return cim_error_prefix("feature %llu, point %zu", (unsigned long long)l->f[b->feat].id, bad);
    for (uint32_t k = 0; k < f->ncoords; k++) {
        double lon = w->ll[2 * k], lat = w->ll[2 * k + 1];
        to_local(fr, lon, lat, b->base, w->bot + 3 * k);
        to_local(fr, lon, lat, b->top, w->top + 3 * k);
        region[0] = fmin(region[0], lon * DEG);
        region[1] = fmin(region[1], lat * DEG);
        region[2] = fmax(region[2], lon * DEG);
        region[3] = fmax(region[3], lat * DEG);
    }
    const uint32_t *sh = l->shapes + f->shape_off;
    const double *xy = l->coords + f->coord_off;
    uint32_t np = *sh++, fid = w->table.count, off = 0;
    int drawn = 0;
    for (uint32_t p = 0; p < np; p++) {
        uint32_t nr = *sh, npts = 0;
        for (uint32_t r = 0; r < nr; r++)
            npts += sh[1 + r];
        int a = gltf_mesh_add_prism(&w->mesh, xy + 2 * off, sh + 1, nr, w->bot + 3 * off, w->top + 3 * off, fid);
        if (a < 0)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        drawn |= a == 0;
        sh += 1 + nr;
        off += npts;
    }
    if (!drawn)
        return 1;
    region[4] = fmin(region[4], b->base);
    region[5] = fmax(region[5], b->top);
    return put_row(&w->table, l, f, j->cols);
}

int t3_tile_run(size_t task, void *state, void *payload)
{
    worker *w = state;
    const t3_job *j = payload;
    t3_node *n = &j->tree->nodes[j->tree->leaves[task]];
    gltf_mesh_reset(&w->mesh);
    gltf_table_reset(&w->table);
    /* the frame's origin: the centre of the leaf's buildings' centres */
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (uint32_t k = 0; k < n->count; k++) {
        const t3_bldg *b = &j->bldg[n->first + k];
        x0 = fmin(x0, b->cx), y0 = fmin(y0, b->cy), x1 = fmax(x1, b->cx), y1 = fmax(y1, b->cy);
    }
    double c[2] = {(x0 + x1) / 2, (y0 + y1) / 2};
    int rc = cim_transform_points(w->t, c, 1, 2, NULL);
    if (rc)
        return rc;
    frame fr;
    frame_at(&fr, c[0], c[1]);
    double region[6] = {INFINITY, INFINITY, -INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (uint32_t k = 0; k < n->count; k++) {
        const t3_bldg *b = &j->bldg[n->first + k];
        int d = draw(w, j, b, &fr, region);
        if (d < 0)
            return d;
        if (d == 1)
            n->empty++;
        else
            n->drawn++;
    }
    n->triangles = (int64_t)(w->mesh.nidx / 3);
    if (!n->drawn)
        return 0; /* nothing to draw: no content, no region */
    n->region[0] = region[0] - PAD_RAD;
    n->region[1] = region[1] - PAD_RAD;
    n->region[2] = region[2] + PAD_RAD;
    n->region[3] = region[3] + PAD_RAD;
    n->region[4] = region[4] - PAD_M;
    n->region[5] = region[5] + PAD_M;
    n->has_region = 1;
    memcpy(n->transform, (double[16]){fr.e[0], fr.e[1], fr.e[2], 0, fr.n[0], fr.n[1], fr.n[2], 0, fr.u[0], fr.u[1],
                                      fr.u[2], 0, fr.o[0], fr.o[1], fr.o[2], 1},
           sizeof n->transform);
    n->content = (int32_t)task;
    if (gltf_write_glb(&w->glb, &w->mesh, &w->table, j->class_name))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    size_t need = strlen(j->dir) + 32;
    if (need > w->path_cap) {
        char *p = realloc(w->path, need);
        if (!p)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        w->path = p;
        w->path_cap = need;
    }
    snprintf(w->path, need, "%s/t/%d.glb", j->dir, (int)n->content);
    n->bytes = (int64_t)w->glb.len;
    return t3_out_write(w->path, w->glb.data, w->glb.len);
}
