/* ewkb.c: PostGIS's extended WKB, the form a geometry column of a PostGIS
 * store is read and written in (sql_pg.c sends and receives it in binary).
 * EWKB differs from ISO WKB only in its type word: flags instead of +1000
 * for Z (0x80000000), M (0x40000000), and 0x20000000 when a 4-byte SRID
 * follows the type (top level only). cim reads and writes little-endian
 * XY and XYZ, as PostGIS sends them on this machine class. */
#include "wkb_int.h"

#include <string.h>

#include "error_int.h"

#define EWKB_Z 0x80000000u
#define EWKB_M 0x40000000u
#define EWKB_SRID 0x20000000u
#define MAX_DEPTH 8

typedef struct walker {
    const uint8_t *p;
    size_t len, pos;
    cim_buf *out;          /* converted bytes, or NULL when only walking */
    cim_splite_ring_fn fn; /* polygon rings, when walking */
    void *payload;
    int to_ewkb;           /* ISO -> EWKB (else EWKB -> ISO) */
    int srid;              /* to_ewkb: written at the top level */
} walker;

static int truncated(void)
{
    return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "truncated geometry (EWKB)");
}

static int put(walker *w, const void *v, size_t n)
{
    if (!w->out)
        return 0;
    if (cim_buf_reserve(w->out, n))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_buf_put(w->out, v, n);
    return 0;
}

static int get_u32(walker *w, uint32_t *v)
{
    if (w->len - w->pos < 4)
        return truncated();
    memcpy(v, w->p + w->pos, 4);
    w->pos += 4;
    return 0;
}

static int count(walker *w, uint32_t *n)
{
    int rc = get_u32(w, n);
    return rc ? rc : put(w, n, 4);
}

static int coords(walker *w, uint32_t n, int dims)
{
    size_t bytes = (size_t)n * (size_t)dims * 8;
    if (n > w->len || w->len - w->pos < bytes)
        return truncated();
    int rc = put(w, w->p + w->pos, bytes);
    w->pos += bytes;
    return rc;
}

static int geometry(walker *w, int depth);

static int body(walker *w, uint32_t base, int dims, int depth)
{
    uint32_t n = 0;
    int rc;
    if (base == CIM_WKB_POINT)
        return coords(w, 1, dims);
    if ((rc = count(w, &n)))
        return rc;
    if (base == CIM_WKB_LINESTRING)
        return coords(w, n, dims);
    if (base == CIM_WKB_POLYGON) {
        for (uint32_t r = 0; r < n; r++) {
            uint32_t np = 0;
            if ((rc = count(w, &np)))
                return rc;
            size_t at = w->pos;
            if ((rc = coords(w, np, dims)))
                return rc;
            if (w->fn && (rc = w->fn(w->p + at, np, dims, r > 0, w->payload)))
                return rc;
        }
        return 0;
    }
    for (uint32_t i = 0; i < n; i++)
        if ((rc = geometry(w, depth + 1)))
            return rc;
    return 0;
}

static int geometry(walker *w, int depth)
{
    if (depth > MAX_DEPTH)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "geometry nested too deeply");
    if (w->len - w->pos < 5)
        return truncated();
    if (w->p[w->pos] != 1)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "big-endian geometry (EWKB) is not read by cim");
    w->pos++;
    uint32_t type = 0;
    get_u32(w, &type);
    uint32_t base, out_type;
    int z;
    if (w->to_ewkb) {
        base = type % 1000;
        z = type / 1000 == 1;
        if (type / 1000 > 1)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "measured geometries are not used by cim");
        out_type = base | (z ? EWKB_Z : 0) | (depth == 0 && w->srid > 0 ? EWKB_SRID : 0);
    } else {
        if (type & EWKB_M)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "measured geometries are not used by cim");
        base = type & 0x0fffffffu;
        z = (type & EWKB_Z) != 0;
        if (type & EWKB_SRID) {
            uint32_t srid;
            int rc = get_u32(w, &srid);
            if (rc)
                return rc;
        }
        out_type = base + (z ? 1000 : 0);
    }
    if (base < CIM_WKB_POINT || base > CIM_WKB_COLLECTION)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "geometry type %u is not supported", base);
    uint8_t order = 1;
    int rc = put(w, &order, 1);
    if (!rc)
        rc = put(w, &out_type, 4);
    if (!rc && w->to_ewkb && depth == 0 && w->srid > 0) {
        uint32_t srid = (uint32_t)w->srid;
        rc = put(w, &srid, 4);
    }
    return rc ? rc : body(w, base, z ? 3 : 2, depth);
}

static int run(walker *w)
{
    int rc = geometry(w, 0);
    if (!rc && w->pos != w->len)
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "geometry (EWKB): trailing bytes");
    return rc;
}

int cim_ewkb_to_wkb(cim_buf *out, const uint8_t *ewkb, size_t len)
{
    out->len = 0;
    walker w = {.p = ewkb, .len = len, .out = out};
    return run(&w);
}

int cim_wkb_to_ewkb(cim_buf *out, const uint8_t *wkb, size_t len, int srid)
{
    out->len = 0;
    walker w = {.p = wkb, .len = len, .out = out, .to_ewkb = 1, .srid = srid};
    return run(&w);
}

int cim_ewkb_rings(const uint8_t *ewkb, size_t len, cim_splite_ring_fn fn, void *payload)
{
    if (len < 9)
        return -1;
    uint32_t type;
    memcpy(&type, ewkb + 1, 4);
    uint32_t base = type & 0x0fffffffu;
    if (ewkb[0] != 1 || (type & EWKB_M) || (base != CIM_WKB_POLYGON && base != CIM_WKB_MULTIPOLYGON))
        return -1;
    walker w = {.p = ewkb, .len = len, .fn = fn, .payload = payload};
    int rc = geometry(&w, 0);
    if (rc)
        return rc;
    return w.pos == w.len ? 0 : -1;
}
