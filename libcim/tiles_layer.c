/* tiles_layer.c: the tile builder's features in a few arenas per layer
 * (coordinates, shapes, attributes, strings; 16 bytes a vertex): a store
 * row's WKB and columns into them, boxes and sizes once the coordinates are
 * in the grid CRS, and copies of features from one layer to another (a
 * block's chunk into its tiles). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sql_int.h"
#include "tiles_int.h"
#include "wkb_int.h"

#define GROW(arr, n, cap, add)                                                     \
    do {                                                                           \
        if ((n) + (add) > (cap)) {                                                 \
            size_t c_ = (cap) ? (cap) : 1024;                                      \
            while (c_ < (n) + (add))                                               \
                c_ *= 2;                                                           \
            void *p_ = realloc((arr), c_ * sizeof *(arr));                         \
            if (!p_)                                                               \
                return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory"); \
            (arr) = p_;                                                            \
            (cap) = c_;                                                            \
        }                                                                          \
    } while (0)

void tl_layer_clear(tl_layer *l)
{
    if (!l->borrowed) {
        free(l->name);
        for (size_t i = 0; i < l->nkeys; i++)
            free(l->keys[i]);
        free(l->keys);
        free(l->key_kind);
    }
    free(l->f);
    free(l->coords);
    free(l->shapes);
    free(l->attrs);
    free(l->strings);
    memset(l, 0, sizeof *l);
}

/* --- WKB (ISO, little-endian) into the arenas --- */

typedef struct wkb_cur {
    const uint8_t *p, *end;
} wkb_cur;

static int rd_u32(wkb_cur *c, uint32_t *v)
{
    if (c->end - c->p < 4)
        return -1;
    memcpy(v, c->p, 4);
    c->p += 4;
    return 0;
}

static int push_shape(tl_layer *l, uint32_t v)
{
    GROW(l->shapes, l->nshapes, l->shapes_cap, 1);
    l->shapes[l->nshapes++] = v;
    return 0;
}

/* n points of stride doubles at c->p into the coords arena (x, y only). */
static int push_points(tl_layer *l, wkb_cur *c, uint32_t n, int stride)
{
    if ((size_t)(c->end - c->p) / (8u * (size_t)stride) < n)
        return -1;
    GROW(l->coords, l->ncoords, l->coords_cap, 2 * (size_t)n);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(&l->coords[l->ncoords], c->p, 16);
        l->ncoords += 2;
        c->p += 8 * stride;
    }
    return 0;
}

static int header(wkb_cur *c, uint32_t *base, int *stride)
{
    uint32_t t;
    if (c->p >= c->end || *c->p != 1 || (c->p++, rd_u32(c, &t)))
        return -1;
    *base = t % 1000;
    uint32_t dims = t / 1000;
    *stride = dims == 0 ? 2 : dims == 3 ? 4 : 3;
    return 0;
}

static int ring_set(tl_layer *l, wkb_cur *c, int stride, uint32_t *count)
{
    uint32_t nr;
    if (rd_u32(c, &nr))
        return -1;
    if (push_shape(l, nr))
        return CIM_EINTERNAL;
    for (uint32_t r = 0; r < nr; r++) {
        uint32_t n;
        if (rd_u32(c, &n) || push_shape(l, n) || push_points(l, c, n, stride))
            return -1;
        *count += n;
    }
    return 0;
}

/* One geometry: returns its mvt type (1..3), or -1 when broken or unsupported. */
static int parse(tl_layer *l, const uint8_t *wkb, size_t len, uint32_t *ncoords)
{
    wkb_cur c = {wkb, wkb + len};
    uint32_t base, n;
    int stride;
    *ncoords = 0;
    if (header(&c, &base, &stride))
        return -1;
    switch (base) {
    case CIM_WKB_POINT:
        if (push_shape(l, 1) || push_points(l, &c, 1, stride))
            return -1;
        *ncoords = 1;
        return MVT_POINT;
    case CIM_WKB_LINESTRING:
        if (rd_u32(&c, &n) || push_shape(l, 1) || push_shape(l, n) || push_points(l, &c, n, stride))
            return -1;
        *ncoords = n;
        return MVT_LINESTRING;
    case CIM_WKB_POLYGON:
        if (push_shape(l, 1) || ring_set(l, &c, stride, ncoords))
            return -1;
        return MVT_POLYGON;
    case CIM_WKB_MULTIPOINT:
    case CIM_WKB_MULTILINESTRING:
    case CIM_WKB_MULTIPOLYGON: {
        uint32_t parts;
        if (rd_u32(&c, &parts))
            return -1;
        if (push_shape(l, parts))
            return -1;
        for (uint32_t i = 0; i < parts; i++) {
            uint32_t pb;
            int ps;
            if (header(&c, &pb, &ps) || pb != base - 3)
                return -1;
            if (base == CIM_WKB_MULTIPOINT) {
                if (push_points(l, &c, 1, ps))
                    return -1;
                ++*ncoords;
            } else if (base == CIM_WKB_MULTILINESTRING) {
                if (rd_u32(&c, &n) || push_shape(l, n) || push_points(l, &c, n, ps))
                    return -1;
                *ncoords += n;
            } else if (ring_set(l, &c, ps, ncoords)) {
                return -1;
            }
        }
        /* a multipoint's shape is its point count alone */
        if (base == CIM_WKB_MULTIPOINT)
            return MVT_POINT;
        return base == CIM_WKB_MULTILINESTRING ? MVT_LINESTRING : MVT_POLYGON;
    }
    default: return -1;
    }
}

static double ring_area(const double *xy, uint32_t n)
{
    double a = 0;
    for (uint32_t i = 0; i + 1 < n; i++)
        a += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
    return fabs(a) / 2;
}

/* Box and size of every feature, once coordinates are in the grid CRS. */
void tl_layer_measure(tl_layer *l)
{
    l->box[0] = l->box[1] = INFINITY;
    l->box[2] = l->box[3] = -INFINITY;
    for (size_t i = 0; i < l->nf; i++) {
        tl_feature *f = &l->f[i];
        const double *xy = l->coords + f->coord_off;
        f->box[0] = f->box[1] = INFINITY;
        f->box[2] = f->box[3] = -INFINITY;
        for (uint32_t k = 0; k < f->ncoords; k++) {
            double x = xy[2 * k], y = xy[2 * k + 1];
            f->box[0] = fmin(f->box[0], x);
            f->box[1] = fmin(f->box[1], y);
            f->box[2] = fmax(f->box[2], x);
            f->box[3] = fmax(f->box[3], y);
        }
        f->size = 0;
        const uint32_t *sh = l->shapes + f->shape_off;
        if (f->type == MVT_POLYGON) {
            uint32_t np = *sh++;
            for (uint32_t p = 0; p < np; p++) {
                uint32_t nr = *sh++;
                for (uint32_t r = 0; r < nr; r++) {
                    uint32_t n = *sh++;
                    double a = ring_area(xy, n);
                    f->size += r == 0 ? a : -a;
                    xy += 2 * n;
                }
            }
        } else if (f->type == MVT_LINESTRING) {
            for (uint32_t k = 0; k + 1 < f->ncoords; k++)
                f->size += hypot(xy[2 * k + 2] - xy[2 * k], xy[2 * k + 3] - xy[2 * k + 1]);
        }
        for (int k = 0; k < 2; k++) {
            l->box[k] = fmin(l->box[k], f->box[k]);
            l->box[k + 2] = fmax(l->box[k + 2], f->box[k + 2]);
        }
    }
}

/* One row of the layer (fid, geom, then the wanted columns) into the arenas. */
int tl_layer_read_row(tl_layer *l, cim_sql *q, size_t ncols, cim_buf *wkb)
{
    int64_t fid = cim_sql_int64(q, 0);
    if (cim_splite_blob_to_wkb(wkb, cim_sql_blob(q, 1), (size_t)cim_sql_bytes(q, 1)))
        return cim_error_prefix("feature %lld", (long long)fid);
    GROW(l->f, l->nf, l->f_cap, 1);
    tl_feature *f = &l->f[l->nf];
    memset(f, 0, sizeof *f);
    f->id = (uint64_t)fid;
    f->coord_off = l->ncoords;
    f->shape_off = l->nshapes;
    f->attr_off = l->nattrs;
    uint32_t nc = 0;
    int type = parse(l, wkb->data, wkb->len, &nc);
    if (type < 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "feature %lld: a geometry the tiles cannot carry (broken, or a collection)",
                             (long long)fid);
    f->type = (uint8_t)type;
    f->ncoords = nc;
    for (size_t i = 0; i < ncols; i++) {
        int col = (int)i + 2, ct = cim_sql_type(q, col);
        if (ct == CIM_SQL_NULL || ct == CIM_SQL_BLOB)
            continue;
        GROW(l->attrs, l->nattrs, l->attrs_cap, 1);
        tl_attr *a = &l->attrs[l->nattrs];
        memset(a, 0, sizeof *a);
        a->key = (uint32_t)i;
        if (ct == CIM_SQL_INTEGER) {
            int64_t v = cim_sql_int64(q, col);
            if (l->key_kind[i] == 2) {
                a->type = MVT_BOOL;
                a->v.i = v != 0;
            } else if (v >= 0) {
                a->type = MVT_UINT;
                a->v.u = (uint64_t)v;
            } else {
                a->type = MVT_SINT;
                a->v.i = v;
            }
        } else if (ct == CIM_SQL_FLOAT) {
            a->type = MVT_DOUBLE;
            a->v.d = cim_sql_double(q, col);
        } else {
            const char *t = cim_sql_text(q, col);
            size_t n = (size_t)cim_sql_bytes(q, col);
            GROW(l->strings, l->nstrings, l->strings_cap, n + 1);
            memcpy(l->strings + l->nstrings, t, n);
            a->type = MVT_STRING;
            a->v.s.off = (uint32_t)l->nstrings;
            a->v.s.len = (uint32_t)n;
            l->nstrings += n;
        }
        l->nattrs++;
        f->nattr++;
    }
    l->nf++;
    return 0;
}

/* --- copies of features between layers --- */

void tl_layer_reset(tl_layer *l)
{
    l->nf = l->ncoords = l->nshapes = l->nattrs = l->nstrings = 0;
}

size_t tl_layer_bytes(const tl_layer *l)
{
    return l->f_cap * sizeof *l->f + l->coords_cap * sizeof *l->coords + l->shapes_cap * sizeof *l->shapes +
           l->attrs_cap * sizeof *l->attrs + l->strings_cap;
}

size_t tl_feature_bytes(const tl_layer *l, size_t fi)
{
    const tl_feature *f = &l->f[fi];
    size_t shapes = (fi + 1 < l->nf ? l->f[fi + 1].shape_off : l->nshapes) - f->shape_off, strings = 0;
    for (uint32_t i = 0; i < f->nattr; i++)
        if (l->attrs[f->attr_off + i].type == MVT_STRING)
            strings += l->attrs[f->attr_off + i].v.s.len;
    return sizeof *f + 16 * (size_t)f->ncoords + 4 * shapes + f->nattr * sizeof(tl_attr) + strings;
}

int tl_layer_append(tl_layer *dst, const tl_layer *src, size_t fi)
{
    const tl_feature *f = &src->f[fi];
    size_t nshapes = (fi + 1 < src->nf ? src->f[fi + 1].shape_off : src->nshapes) - f->shape_off;
    GROW(dst->f, dst->nf, dst->f_cap, 1);
    GROW(dst->coords, dst->ncoords, dst->coords_cap, 2 * (size_t)f->ncoords);
    GROW(dst->shapes, dst->nshapes, dst->shapes_cap, nshapes);
    GROW(dst->attrs, dst->nattrs, dst->attrs_cap, f->nattr);
    tl_feature *g = &dst->f[dst->nf++];
    *g = *f;
    g->coord_off = dst->ncoords;
    g->shape_off = dst->nshapes;
    g->attr_off = dst->nattrs;
    memcpy(dst->coords + dst->ncoords, src->coords + f->coord_off, 2 * (size_t)f->ncoords * sizeof *dst->coords);
    dst->ncoords += 2 * (size_t)f->ncoords;
    memcpy(dst->shapes + dst->nshapes, src->shapes + f->shape_off, nshapes * sizeof *dst->shapes);
    dst->nshapes += nshapes;
    for (uint32_t i = 0; i < f->nattr; i++) {
        tl_attr a = src->attrs[f->attr_off + i];
        if (a.type == MVT_STRING) {
            GROW(dst->strings, dst->nstrings, dst->strings_cap, (size_t)a.v.s.len + 1);
            memcpy(dst->strings + dst->nstrings, src->strings + a.v.s.off, a.v.s.len);
            a.v.s.off = (uint32_t)dst->nstrings;
            dst->nstrings += a.v.s.len;
        }
        dst->attrs[dst->nattrs++] = a;
    }
    for (int k = 0; k < 2; k++) {
        dst->box[k] = dst->nf == 1 ? f->box[k] : fmin(dst->box[k], f->box[k]);
        dst->box[k + 2] = dst->nf == 1 ? f->box[k + 2] : fmax(dst->box[k + 2], f->box[k + 2]);
    }
    return 0;
}
