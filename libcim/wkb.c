/* wkb.c: a bounds-checked walk over ISO WKB. Every reader hands geometry to
 * ingest as WKB, so one walker serves the coordinate checks, the
 * reprojection and the blob encoder. */
#include "wkb_int.h"

#include <math.h>
#include <string.h>

#include "error_int.h"

#define WKB_MAX_DEPTH 32

typedef struct walker {
    uint8_t *base;
    size_t len, pos;
    cim_wkb_coords_fn fn;
    void *payload;
    cim_wkb_info *info;
} walker;

static int fail(const char *what, size_t pos)
{
    return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "bad WKB geometry at byte %zu: %s", pos, what);
}

static int read_u32(walker *w, uint32_t *v)
{
    if (w->len - w->pos < 4)
        return fail("truncated", w->pos);
    memcpy(v, w->base + w->pos, 4);
    w->pos += 4;
    return 0;
}

/* Decodes an ISO type code into base type and Z flag; M is refused because
 * readers drop measures before ingest. */
static int split_type(uint32_t code, uint32_t *base, int *has_z, size_t pos)
{
    uint32_t dim = code / 1000;
    *base = code % 1000;
    if (*base < 1 || *base > 7)
        return fail("unsupported geometry type", pos);
    if (dim == 0)
        *has_z = 0;
    else if (dim == 1)
        *has_z = 1;
    else
        return fail("measured (M) coordinates are not supported", pos);
    return 0;
}

static int coords(walker *w, uint32_t n, int stride)
{
    size_t bytes = (size_t)n * (size_t)stride * 8;
    if (n > (w->len - w->pos) / ((size_t)stride * 8))
        return fail("truncated coordinates", w->pos);
    uint8_t *p = w->base + w->pos;
    if (w->info) {
        cim_wkb_info *info = w->info;
        for (uint32_t i = 0; i < n; i++) {
            double xy[3];
            memcpy(xy, p + (size_t)i * stride * 8, (size_t)stride * 8);
            for (int k = 0; k < stride; k++)
                if (!isfinite(xy[k]))
                    info->nonfinite = 1;
            if (info->points == 0) {
                info->mbr[0] = info->mbr[2] = xy[0];
                info->mbr[1] = info->mbr[3] = xy[1];
            } else {
                if (xy[0] < info->mbr[0]) info->mbr[0] = xy[0];
                if (xy[0] > info->mbr[2]) info->mbr[2] = xy[0];
                if (xy[1] < info->mbr[1]) info->mbr[1] = xy[1];
                if (xy[1] > info->mbr[3]) info->mbr[3] = xy[1];
            }
            info->points++;
        }
    }
    if (w->fn && n > 0) {
        int rc = w->fn(p, n, stride, w->payload);
        if (rc)
            return rc;
    }
    w->pos += bytes;
    return 0;
}

static int geometry(walker *w, int depth, uint32_t *out_type, int *out_z)
{
    if (depth > WKB_MAX_DEPTH)
        return fail("collections nested too deeply", w->pos);
    if (w->pos >= w->len)
        return fail("truncated", w->pos);
    if (w->base[w->pos] != 1)
        return fail("big-endian WKB is not produced by cim's readers", w->pos);
    w->pos++;
    uint32_t code = 0, base = 0, n = 0;
    int has_z = 0, rc;
    size_t at = w->pos;
    if ((rc = read_u32(w, &code)) || (rc = split_type(code, &base, &has_z, at)))
        return rc;
    int stride = has_z ? 3 : 2;
    if (out_type)
        *out_type = base;
    if (out_z)
        *out_z = has_z;
    switch (base) {
    case CIM_WKB_POINT:
        return coords(w, 1, stride);
    case CIM_WKB_LINESTRING:
        if ((rc = read_u32(w, &n)))
            return rc;
        return coords(w, n, stride);
    case CIM_WKB_POLYGON:
        if ((rc = read_u32(w, &n)))
            return rc;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t np = 0;
            if ((rc = read_u32(w, &np)) || (rc = coords(w, np, stride)))
                return rc;
        }
        return 0;
    default: {
        if ((rc = read_u32(w, &n)))
            return rc;
        if (n > w->len - w->pos)
            return fail("part count larger than the geometry", w->pos);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t part = 0;
            int part_z = 0;
            size_t part_at = w->pos;
            if ((rc = geometry(w, depth + 1, &part, &part_z)))
                return rc;
            if (part_z != has_z)
                return fail("parts mix 2D and 3D coordinates", part_at);
            if (base != CIM_WKB_COLLECTION && part != base - 3)
                return fail("a multi-geometry holds a part of another type", part_at);
        }
        return 0;
    }
    }
}

int cim_wkb_scan(const uint8_t *wkb, size_t len, cim_wkb_info *info)
{
    memset(info, 0, sizeof *info);
    walker w = {(uint8_t *)wkb, len, 0, NULL, NULL, info};
    int rc = geometry(&w, 0, &info->type, &info->has_z);
    if (!rc && w.pos != len)
        rc = fail("trailing bytes", w.pos);
    return rc;
}

int cim_wkb_walk(uint8_t *wkb, size_t len, cim_wkb_coords_fn fn, void *payload)
{
    walker w = {wkb, len, 0, fn, payload, NULL};
    return geometry(&w, 0, NULL, NULL);
}

const char *cim_wkb_type_name(uint32_t t)
{
    static const char *const names[] = {"GEOMETRY",   "POINT",           "LINESTRING",   "POLYGON",
                                        "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
    return t <= 7 ? names[t] : "GEOMETRY";
}

int cim_splite_class(uint32_t iso_type, int has_z)
{
    return (int)iso_type + (has_z ? 1000 : 0);
}
