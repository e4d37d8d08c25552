/* wkb_reproject.c: WKB into the store CRS, in place. */
#include "wkb_reproject_int.h"

#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "wkb_int.h"

static int swap_coords(uint8_t *p, uint32_t n, int stride, void *payload)
{
    (void)payload;
    for (uint32_t i = 0; i < n; i++) {
        double xy[2];
        uint8_t *q = p + (size_t)i * (size_t)stride * 8;
        memcpy(xy, q, 16);
        double t = xy[0];
        xy[0] = xy[1];
        xy[1] = t;
        memcpy(q, xy, 16);
    }
    return 0;
}

/* Copies the run out to aligned memory, reprojects, copies back. */
static int transform_coords(uint8_t *p, uint32_t n, int stride, void *payload)
{
    cim_wkb_reprojector *r = payload;
    size_t need = (size_t)n * (size_t)stride;
    if (need > r->cap) {
        double *d = realloc(r->tmp, need * sizeof *d);
        if (!d)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        r->tmp = d;
        r->cap = need;
    }
    memcpy(r->tmp, p, need * 8);
    int rc = cim_transform_points(r->t, r->tmp, n, (size_t)stride, NULL);
    if (rc)
        return rc;
    memcpy(p, r->tmp, need * 8);
    return 0;
}

int cim_wkb_reproject(cim_wkb_reprojector *r, uint8_t *wkb, size_t len)
{
    if (r->swap)
        cim_wkb_walk(wkb, len, swap_coords, NULL);
    if (cim_transform_is_identity(r->t))
        return CIM_OK;
    return cim_wkb_walk(wkb, len, transform_coords, r);
}

void cim_wkb_reprojector_clear(cim_wkb_reprojector *r)
{
    free(r->tmp);
    r->tmp = NULL;
    r->cap = 0;
}
