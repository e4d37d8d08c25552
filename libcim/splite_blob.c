/* splite_blob.c: ISO WKB -> SpatiaLite geometry blob. Writing the blob here
 * (instead of GeomFromWKB() in SQL) keeps the SQL per row to a plain INSERT
 * with bound values, and lets ingest promote types and fill Z in one pass.
 * Format: 0x00, byte order, SRID, MBR, 0x7C, class, body, 0xFE; collection
 * parts are 0x69, class, body (SpatiaLite's gaiaFromSpatiaLiteBlobWkb). */
#include "wkb_int.h"

#include <string.h>

#include "error_int.h"

#define BLOB_START 0x00
#define BLOB_LITTLE 0x01
#define BLOB_MBR_END 0x7C
#define BLOB_ENTITY 0x69
#define BLOB_END 0xFE

typedef struct encoder {
    const uint8_t *wkb;
    size_t pos;
    cim_buf *out;
    int z_fill;
} encoder;

static void put_u32(cim_buf *b, uint32_t v)
{
    cim_buf_put(b, &v, 4);
}

static uint32_t get_u32(encoder *e)
{
    uint32_t v;
    memcpy(&v, e->wkb + e->pos, 4);
    e->pos += 4;
    return v;
}

/* Copies n coordinates, adding z = 0 when the layer is 3D and the input 2D. */
static void put_coords(encoder *e, uint32_t n, int in_z)
{
    size_t in_stride = in_z ? 24 : 16;
    if (in_z || !e->z_fill) {
        cim_buf_put(e->out, e->wkb + e->pos, (size_t)n * in_stride);
    } else {
        static const double zero = 0.0;
        for (uint32_t i = 0; i < n; i++) {
            cim_buf_put(e->out, e->wkb + e->pos + (size_t)i * 16, 16);
            cim_buf_put(e->out, &zero, 8);
        }
    }
    e->pos += (size_t)n * in_stride;
}

/* Writes the body of a simple geometry (point, line, polygon) whose header
 * has been read. */
static void put_simple_body(encoder *e, uint32_t base, int in_z)
{
    if (base == CIM_WKB_POINT) {
        put_coords(e, 1, in_z);
    } else if (base == CIM_WKB_LINESTRING) {
        uint32_t n = get_u32(e);
        put_u32(e->out, n);
        put_coords(e, n, in_z);
    } else {
        uint32_t rings = get_u32(e);
        put_u32(e->out, rings);
        for (uint32_t r = 0; r < rings; r++) {
            uint32_t n = get_u32(e);
            put_u32(e->out, n);
            put_coords(e, n, in_z);
        }
    }
}

/* Reads one WKB geometry and writes its simple parts as entities,
 * flattening nested collections (SpatiaLite has no nesting). */
static void put_entities(encoder *e, int out_z, uint32_t *count)
{
    e->pos++; /* byte order: checked by cim_wkb_scan */
    uint32_t code = get_u32(e), base = code % 1000;
    int in_z = code / 1000 == 1;
    if (base <= CIM_WKB_POLYGON) {
        uint8_t marker = BLOB_ENTITY;
        cim_buf_put(e->out, &marker, 1);
        put_u32(e->out, (uint32_t)cim_splite_class(base, out_z));
        put_simple_body(e, base, in_z);
        (*count)++;
        return;
    }
    uint32_t n = get_u32(e);
    for (uint32_t i = 0; i < n; i++)
        put_entities(e, out_z, count);
}

int cim_splite_blob(cim_buf *out, const uint8_t *wkb, size_t len, const cim_wkb_info *info, int srid,
                    int promote, int z_fill)
{
    int out_z = info->has_z || z_fill;
    /* Worst case: every 2D coordinate gains a z, plus headers. */
    size_t need = 64 + len + (z_fill && !info->has_z ? info->points * 8 : 0) + len / 4;
    out->len = 0;
    if (cim_buf_reserve(out, need))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory encoding a geometry");
    encoder e = {wkb, 0, out, z_fill && !info->has_z};
    uint8_t head[2] = {BLOB_START, BLOB_LITTLE};
    cim_buf_put(out, head, 2);
    int32_t s = srid;
    cim_buf_put(out, &s, 4);
    cim_buf_put(out, info->mbr, 32);
    uint8_t mbr_end = BLOB_MBR_END;
    cim_buf_put(out, &mbr_end, 1);

    uint32_t base = info->type;
    if (base <= CIM_WKB_POLYGON && promote) {
        put_u32(out, (uint32_t)cim_splite_class(base + 3, out_z));
        put_u32(out, 1);
        uint32_t count = 0;
        put_entities(&e, out_z, &count);
    } else if (base <= CIM_WKB_POLYGON) {
        put_u32(out, (uint32_t)cim_splite_class(base, out_z));
        e.pos = 5;
        put_simple_body(&e, base, info->has_z);
    } else {
        put_u32(out, (uint32_t)cim_splite_class(base, out_z));
        size_t count_at = out->len;
        put_u32(out, 0);
        e.pos = 5;
        uint32_t n = get_u32(&e), count = 0;
        for (uint32_t i = 0; i < n; i++)
            put_entities(&e, out_z, &count);
        memcpy(out->data + count_at, &count, 4);
    }
    uint8_t end = BLOB_END;
    cim_buf_put(out, &end, 1);
    return CIM_OK;
}

/* ---- blob -> WKB ---- */

/* Little-endian blobs only: SpatiaLite writes the host's order, and every
 * machine cim runs on is little-endian. */
typedef struct decoder {
    const uint8_t *p;
    size_t len, pos;
    cim_buf *out;
} decoder;

static int need(decoder *d, size_t n)
{
    return d->len - d->pos >= n ? 0 : cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "truncated geometry blob");
}

static uint32_t read_u32(decoder *d)
{
    uint32_t v;
    memcpy(&v, d->p + d->pos, 4);
    d->pos += 4;
    return v;
}

static int copy_doubles(decoder *d, size_t n)
{
    if (n > (d->len - d->pos) / 8)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "truncated geometry blob");
    if (cim_buf_reserve(d->out, n * 8))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_buf_put(d->out, d->p + d->pos, n * 8);
    d->pos += n * 8;
    return 0;
}

static int put_header(decoder *d, uint32_t iso_code)
{
    if (cim_buf_reserve(d->out, 9))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    uint8_t order = 1;
    cim_buf_put(d->out, &order, 1);
    put_u32(d->out, iso_code);
    return 0;
}

static int copy_count(decoder *d, uint32_t *n)
{
    int rc = need(d, 4);
    if (rc)
        return rc;
    *n = read_u32(d);
    if (cim_buf_reserve(d->out, 4))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    put_u32(d->out, *n);
    return 0;
}

/* A simple geometry's body; class is SpatiaLite's (1..3, +1000 for Z). */
static int simple_body(decoder *d, uint32_t cls)
{
    uint32_t base = cls % 1000, dims = cls / 1000 == 1 ? 3 : 2, n = 0;
    if (cls / 1000 > 1)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "measured geometry blobs are not used by cim");
    if (base == CIM_WKB_POINT)
        return copy_doubles(d, dims);
    int rc = copy_count(d, &n);
    if (rc)
        return rc;
    if (base == CIM_WKB_LINESTRING)
        return copy_doubles(d, (size_t)n * dims);
    for (uint32_t r = 0; r < n && !rc; r++) {
        uint32_t np = 0;
        rc = copy_count(d, &np);
        if (!rc)
            rc = copy_doubles(d, (size_t)np * dims);
    }
    return rc;
}

int cim_splite_blob_to_wkb(cim_buf *out, const uint8_t *blob, size_t len)
{
    out->len = 0;
    if (len > 0 && blob[0] == 1) /* a PostGIS store's EWKB */
        return cim_ewkb_to_wkb(out, blob, len);
    if (len < 44 || blob[0] != BLOB_START || blob[1] != BLOB_LITTLE || blob[38] != BLOB_MBR_END ||
        blob[len - 1] != BLOB_END)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "not a little-endian SpatiaLite geometry blob");
    decoder d = {blob, len - 1, 39, out};
    uint32_t cls = read_u32(&d), base = cls % 1000;
    if (base < 1 || base > 7 || cls / 1000 > 1)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "geometry blob class %u is not supported", cls);
    int rc = put_header(&d, cls);
    if (rc || base <= CIM_WKB_POLYGON)
        return rc ? rc : simple_body(&d, cls);
    uint32_t n = 0;
    if ((rc = copy_count(&d, &n)))
        return rc;
    for (uint32_t i = 0; i < n && !rc; i++) {
        if ((rc = need(&d, 5)))
            break;
        if (d.p[d.pos++] != BLOB_ENTITY)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "geometry blob: bad part marker");
        uint32_t part = read_u32(&d);
        if (part % 1000 < 1 || part % 1000 > 3)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "geometry blob: bad part class %u", part);
        if (!(rc = put_header(&d, part)))
            rc = simple_body(&d, part);
    }
    if (!rc && d.pos != d.len)
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "geometry blob: trailing bytes");
    return rc;
}

/* One polygon body at d: rings, each handed to fn. */
static int polygon_rings(decoder *d, int stride, cim_splite_ring_fn fn, void *payload)
{
    if (need(d, 4))
        return -1;
    uint32_t nr = read_u32(d);
    for (uint32_t r = 0; r < nr; r++) {
        if (need(d, 4))
            return -1;
        uint32_t np = read_u32(d);
        size_t bytes = (size_t)np * (size_t)stride * 8;
        if (np > d->len || need(d, bytes))
            return -1;
        int rc = fn(d->p + d->pos, np, stride, r > 0, payload);
        if (rc)
            return rc;
        d->pos += bytes;
    }
    return 0;
}

int cim_splite_blob_rings(const uint8_t *blob, size_t len, cim_splite_ring_fn fn, void *payload)
{
    if (len > 0 && blob[0] == 1)
        return cim_ewkb_rings(blob, len, fn, payload);
    if (len < 44 || blob[0] != BLOB_START || blob[1] != BLOB_LITTLE || blob[38] != BLOB_MBR_END ||
        blob[len - 1] != BLOB_END)
        return -1;
    decoder d = {blob, len - 1, 39, NULL};
    uint32_t cls = read_u32(&d), base = cls % 1000;
    if (cls / 1000 > 1 || (base != CIM_WKB_POLYGON && base != CIM_WKB_MULTIPOLYGON))
        return -1;
    int stride = cls / 1000 == 1 ? 3 : 2;
    if (base == CIM_WKB_POLYGON) {
        int rc = polygon_rings(&d, stride, fn, payload);
        return rc ? rc : d.pos == d.len ? 0 : -1;
    }
    if (need(&d, 4))
        return -1;
    uint32_t n = read_u32(&d);
    for (uint32_t i = 0; i < n; i++) {
        if (need(&d, 5) || d.p[d.pos++] != BLOB_ENTITY || read_u32(&d) != (uint32_t)(stride == 3 ? 1003 : 3))
            return -1;
        int rc = polygon_rings(&d, stride, fn, payload);
        if (rc)
            return rc;
    }
    return d.pos == d.len ? 0 : -1;
}
