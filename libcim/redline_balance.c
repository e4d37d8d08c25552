/* redline_balance.c: IBL-05 area balance (占补平衡) of the block lines after
 * adjustment against those before: per tier, the union of each side, the
 * area added (after minus before) and removed (before minus after), and the
 * added land that lies on protected (ecological, farmland) polygons. */
#include "redline_int.h"

#include <stdlib.h>

#include "geos_io_int.h"

/* The union of the lines of one level (0: all), or NULL for none; *rc is
 * set on failure. */
static GEOSGeometry *union_of(cim_geos_io *io, const rl_line *l, size_t n, const uint8_t *blobs, int level,
                              int *rc)
{
    GEOSGeometry **parts = calloc(n + 1, sizeof *parts);
    size_t m = 0;
    *rc = parts ? CIM_OK : cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t i = 0; !*rc && i < n; i++) {
        if (level && l[i].level != level)
            continue;
        if (!(parts[m] = cim_geos_from_blob(io, blobs + l[i].blob_off, l[i].blob_len)))
            *rc = cim_error_prefix("feature fid %lld: ", (long long)l[i].fid);
        else
            m++;
    }
    GEOSGeometry *u = NULL;
    if (!*rc && m) {
        GEOSGeometry *coll = GEOSGeom_createCollection_r(io->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)m);
        m = 0; /* owned by the collection now */
        u = coll ? GEOSUnaryUnion_r(io->h, coll) : NULL;
        if (!u)
            *rc = cim_error_prefix("union: ");
        if (coll)
            GEOSGeom_destroy_r(io->h, coll);
    }
    for (size_t i = 0; parts && i < m; i++)
        GEOSGeom_destroy_r(io->h, parts[i]);
    free(parts);
    return u;
}

static double area_of(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    double a = 0;
    if (g && !GEOSArea_r(h, g, &a))
        a = 0;
    return a;
}

/* area(a - b), with NULL for empty; the difference itself into *out when out. */
static int difference(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b, double *area,
                      GEOSGeometry **out)
{
    *area = 0;
    if (out)
        *out = NULL;
    if (!a)
        return CIM_OK;
    GEOSGeometry *d = b ? GEOSDifference_r(h, a, b) : GEOSGeom_clone_r(h, a);
    if (!d)
        return cim_error_prefix("difference: ");
    *area = area_of(h, d);
    if (out)
        *out = d;
    else
        GEOSGeom_destroy_r(h, d);
    return CIM_OK;
}

int rl_balance_compute(rl_balance *b, const rl_line *after, size_t nafter, const uint8_t *after_blobs,
                       const rl_line *before, size_t nbefore, const uint8_t *before_blobs, const rl_line *prot,
                       size_t nprot, const uint8_t *prot_blobs)
{
    GEOSContextHandle_t h = cim_geos_context_new();
    cim_geos_io io;
    cim_geos_io_init(&io, h);
    int rc = CIM_OK;
    GEOSGeometry *p = nprot ? union_of(&io, prot, nprot, prot_blobs, 0, &rc) : NULL;
    GEOSGeometry *all = rc ? NULL : union_of(&io, after, nafter, after_blobs, 0, &rc);
    b->after_total = area_of(h, all);
    for (int k = 0; !rc && k < 2; k++) {
        GEOSGeometry *ua = union_of(&io, after, nafter, after_blobs, k + 1, &rc);
        GEOSGeometry *ub = rc ? NULL : union_of(&io, before, nbefore, before_blobs, k + 1, &rc);
        GEOSGeometry *added = NULL;
        b->after[k] = area_of(h, ua);
        b->before[k] = area_of(h, ub);
        if (!rc)
            rc = difference(h, ua, ub, &b->added[k], &added);
        if (!rc)
            rc = difference(h, ub, ua, &b->removed[k], NULL);
        b->added_protected[k] = 0;
        if (!rc && added && p) {
            GEOSGeometry *x = GEOSIntersection_r(h, added, p);
            if (!x)
                rc = cim_error_prefix("added land x protected land: ");
            b->added_protected[k] = area_of(h, x);
            if (x)
                GEOSGeom_destroy_r(h, x);
        }
        if (added)
            GEOSGeom_destroy_r(h, added);
        if (ua)
            GEOSGeom_destroy_r(h, ua);
        if (ub)
            GEOSGeom_destroy_r(h, ub);
    }
    if (all)
        GEOSGeom_destroy_r(h, all);
    if (p)
        GEOSGeom_destroy_r(h, p);
    cim_geos_io_clear(&io);
    GEOS_finish_r(h);
    return rc;
}
