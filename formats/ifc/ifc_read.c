/* ifc_read.c: an IFC file into buildings: units, relationships, per storey
 * the plan of its elements, the outlines unioned and closed, then everything
 * moved onto the map by the georeference. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_int.h"

int ifc_fail(ifc_ctx *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return code;
}

/* Puts "what #id: " in front of the current message. */
static int ifc_prefix(ifc_ctx *c, int code, const char *what, uint64_t id)
{
    char tmp[sizeof c->err];
    memcpy(tmp, c->err, sizeof tmp);
    return ifc_fail(c, code, "%s #%llu: %.400s", what, (unsigned long long)id, tmp);
}

int ifc_get(ifc_ctx *c, uint64_t id, step_entity *e)
{
    if (step_get(c->f, c->a, id, e))
        return ifc_fail(c, IFC_EFORMAT, "%s", step_error(c->f));
    return IFC_OK;
}

int ifc_is(const ifc_ctx *c, uint64_t id, const char *type)
{
    const char *t = step_type_of(c->f, id);
    return t && !strcmp(t, type);
}

/* ---- multimap ---- */

void ifc_multimap_add(ifc_multimap *m, uint64_t key, uint64_t val)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        ifc_pair *np = realloc(m->p, cap * sizeof *np);
        if (!np)
            return;
        m->p = np;
        m->cap = cap;
    }
    m->p[m->n++] = (ifc_pair){key, val};
}

static int pair_cmp(const void *a, const void *b)
{
    const ifc_pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->val < y->val ? -1 : x->val > y->val;
}

void ifc_multimap_sort(ifc_multimap *m)
{
    if (m->n)
        qsort(m->p, m->n, sizeof *m->p, pair_cmp);
}

size_t ifc_multimap_get(const ifc_multimap *m, uint64_t key, size_t *first)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->p[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = lo;
    while (k < m->n && m->p[k].key == key)
        k++;
    *first = lo;
    return k - lo;
}

/* ---- relationships ---- */

/* One relationship kind: from attribute one_idx (one object) to the list at many_idx. */
static int read_rel(ifc_ctx *c, const char *type, size_t one_idx, size_t many_idx, ifc_multimap *m,
                    const char *only_one_type)
{
    uint64_t *ids = NULL;
    size_t n = step_ids_of_type(c->f, type, &ids);
    int rc = IFC_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        step_entity e;
        if ((rc = ifc_get(c, ids[i], &e)))
            break;
        uint64_t one = step_ref(step_arg(&e, one_idx));
        const step_value *many = step_arg(&e, many_idx);
        if (!one || many->kind != STEP_LIST) {
            rc = ifc_fail(c, IFC_EFORMAT, "#%llu: %s without its related objects", (unsigned long long)ids[i], type);
            break;
        }
        if (!step_type_of(c->f, one)) {
            rc = ifc_fail(c, IFC_EFORMAT, "#%llu: %s refers to #%llu, which is not defined", (unsigned long long)ids[i],
                          type, (unsigned long long)one);
            break;
        }
        if (only_one_type && !ifc_is(c, one, only_one_type))
            continue;
        for (size_t k = 0; k < many->n; k++) {
            uint64_t v = step_ref(&many->items[k]);
            if (!v || !step_type_of(c->f, v)) {
                rc = ifc_fail(c, IFC_EFORMAT, "#%llu: %s refers to #%llu, which is not defined",
                              (unsigned long long)ids[i], type, (unsigned long long)v);
                break;
            }
            if (m == &c->qsets)
                ifc_multimap_add(m, v, one); /* object -> quantity set */
            else
                ifc_multimap_add(m, one, v);
        }
        step_arena_reset(c->a);
    }
    free(ids);
    ifc_multimap_sort(m);
    return rc;
}

/* ---- element kinds ---- */

static int starts(const char *t, const char *p) { return t && !strncmp(t, p, strlen(p)); }
static int is_slab(const char *t)
{
    return t && (!strcmp(t, "IFCSLAB") || !strcmp(t, "IFCSLABSTANDARDCASE") || !strcmp(t, "IFCSLABELEMENTEDCASE"));
}
static int is_wall(const char *t)
{
    return t && (!strcmp(t, "IFCWALL") || !strcmp(t, "IFCWALLSTANDARDCASE") || !strcmp(t, "IFCWALLELEMENTEDCASE"));
}
/* Elements whose bodies make the building's outline: the structure and the
 * envelope, not furniture, doors or openings. */
static int is_outline_element(const char *t)
{
    return is_slab(t) || is_wall(t) || starts(t, "IFCCOLUMN") || !strcmp(t, "IFCBUILDINGELEMENTPROXY") ||
           starts(t, "IFCCURTAINWALL") || !strcmp(t, "IFCROOF") || starts(t, "IFCPLATE") || starts(t, "IFCMEMBER");
}

/* ---- geometry helpers ---- */

typedef struct outline_opts {
    double gap, min_hole;
} outline_opts;

/* The union of polys, closed by gap and with holes under min_hole filled.
 * NULL when there is nothing. */
static GEOSGeometry *close_outline(ifc_ctx *c, GEOSGeometry **polys, size_t n, const outline_opts *o)
{
    GEOSContextHandle_t g = c->g;
    if (!n)
        return NULL;
    GEOSGeometry **copy = malloc(n * sizeof *copy);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < n; i++)
        copy[i] = GEOSGeom_clone_r(g, polys[i]);
    GEOSGeometry *coll = GEOSGeom_createCollection_r(g, GEOS_GEOMETRYCOLLECTION, copy, (unsigned)n);
    free(copy);
    if (!coll)
        return NULL;
    GEOSGeometry *u = GEOSUnaryUnion_r(g, coll);
    GEOSGeom_destroy_r(g, coll);
    if (!u)
        return NULL;
    if (o->gap > 0) {
        GEOSBufferParams *bp = GEOSBufferParams_create_r(g);
        GEOSBufferParams_setJoinStyle_r(g, bp, GEOSBUF_JOIN_MITRE);
        GEOSBufferParams_setMitreLimit_r(g, bp, 2.0);
        GEOSBufferParams_setQuadrantSegments_r(g, bp, 2);
        GEOSGeometry *out = GEOSBufferWithParams_r(g, u, bp, o->gap);
        GEOSGeometry *in = out ? GEOSBufferWithParams_r(g, out, bp, -o->gap) : NULL;
        GEOSBufferParams_destroy_r(g, bp);
        if (out)
            GEOSGeom_destroy_r(g, out);
        if (in && !GEOSisEmpty_r(g, in)) {
            GEOSGeom_destroy_r(g, u);
            u = in;
        } else if (in) {
            GEOSGeom_destroy_r(g, in);
        }
    }
    /* Rebuild each polygon without its small holes (shafts); keep courtyards. */
    int np = GEOSGetNumGeometries_r(g, u);
    GEOSGeometry **parts = calloc((size_t)(np > 0 ? np : 1), sizeof *parts);
    int k = 0;
    for (int i = 0; parts && i < np; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(g, u, i);
        if (GEOSGeomTypeId_r(g, p) != GEOS_POLYGON)
            continue;
        int nh = GEOSGetNumInteriorRings_r(g, p);
        GEOSGeometry *shell = GEOSGeom_clone_r(g, GEOSGetExteriorRing_r(g, p));
        GEOSGeometry **holes = calloc((size_t)(nh > 0 ? nh : 1), sizeof *holes);
        unsigned kept = 0;
        for (int h = 0; holes && h < nh; h++) {
            const GEOSGeometry *ring = GEOSGetInteriorRingN_r(g, p, h);
            GEOSGeometry *rc = GEOSGeom_clone_r(g, ring);
            GEOSGeometry *hp = GEOSGeom_createPolygon_r(g, rc, NULL, 0);
            double a = 0;
            if (hp)
                GEOSArea_r(g, hp, &a);
            if (hp)
                GEOSGeom_destroy_r(g, hp);
            if (a >= o->min_hole)
                holes[kept++] = GEOSGeom_clone_r(g, ring);
        }
        parts[k] = GEOSGeom_createPolygon_r(g, shell, holes, kept);
        if (parts[k])
            k++;
        free(holes);
    }
    GEOSGeom_destroy_r(g, u);
    GEOSGeometry *mp = parts ? GEOSGeom_createCollection_r(g, GEOS_MULTIPOLYGON, parts, (unsigned)k) : NULL;
    free(parts);
    return mp;
}

static int georef_xy(double *x, double *y, void *userdata)
{
    const ifc_georef *gr = userdata;
    double px = *x, py = *y;
    *x = gr->e0 + gr->scale * (gr->cos_t * px - gr->sin_t * py);
    *y = gr->n0 + gr->scale * (gr->sin_t * px + gr->cos_t * py);
    return 1;
}

/* WKB (2D, little-endian) of mp moved onto the map. */
static unsigned char *map_wkb(ifc_ctx *c, const GEOSGeometry *mp, const ifc_georef *gr, size_t *len)
{
    GEOSGeometry *t = GEOSGeom_transformXY_r(c->g, mp, georef_xy, (void *)gr);
    if (!t)
        return NULL;
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(c->g);
    GEOSWKBWriter_setOutputDimension_r(c->g, w, 2);
    GEOSWKBWriter_setByteOrder_r(c->g, w, GEOS_WKB_NDR);
    unsigned char *geos_mem = GEOSWKBWriter_write_r(c->g, w, t, len);
    GEOSWKBWriter_destroy_r(c->g, w);
    GEOSGeom_destroy_r(c->g, t);
    if (!geos_mem)
        return NULL;
    unsigned char *out = malloc(*len);
    if (out)
        memcpy(out, geos_mem, *len);
    GEOSFree_r(c->g, geos_mem);
    return out;
}

static char *text_attr(const step_entity *e, size_t i)
{
    const char *s = step_text(step_arg(e, i));
    return s ? strdup(s) : NULL;
}

/* ---- storeys ---- */

typedef struct storey_work {
    ifc_plan plan;
} storey_work;

/* The element's plan, with its parts (IfcRelAggregates) recursively. */
static int element_plan(ifc_ctx *c, uint64_t el, ifc_plan *plan, ifc_storey *st, ifc_building *b, int depth)
{
    if (depth > 8)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcRelAggregates nest too deeply (a reference cycle)",
                        (unsigned long long)el);
    const char *t = step_type_of(c->f, el);
    if (st) {
        st->slabs += (size_t)is_slab(t);
        st->walls += (size_t)is_wall(t);
        st->elements++;
    }
    int rc = IFC_OK;
    if (is_outline_element(t)) {
        step_entity e;
        if ((rc = ifc_get(c, el, &e)))
            return rc;
        uint64_t pl = step_ref(step_arg(&e, 5));
        if (!pl) {
            b->elements_skipped++; /* no placement: where it stands is unknown */
        } else {
            ifc_mat world;
            if ((rc = ifc_object_placement(c, pl, &world)))
                return ifc_prefix(c, rc, t, el);
            int before = plan->used;
            if ((rc = ifc_product_plan(c, el, &world, plan)))
                return ifc_prefix(c, rc, t, el);
            if (plan->used > before)
                b->elements_used++;
            else if (step_ref(step_arg(&e, 6)))
                b->elements_skipped++;
        }
        step_arena_reset(c->a);
    }
    size_t first, n = ifc_multimap_get(&c->parts, el, &first);
    for (size_t i = 0; i < n && !rc; i++)
        rc = element_plan(c, c->parts.p[first + i].val, plan, st, b, depth + 1);
    return rc;
}

static int storey_cmp(const void *a, const void *b)
{
    double x = ((const ifc_storey *)a)->elevation_m, y = ((const ifc_storey *)b)->elevation_m;
    return x < y ? -1 : x > y;
}

/* Sum of an area quantity by name over objects; count of objects that have it. */
static int area_quantity(ifc_ctx *c, const uint64_t *objs, size_t n, const char *qname, double *sum)
{
    int have = 0;
    *sum = 0;
    for (size_t i = 0; i < n; i++) {
        size_t first, nq = ifc_multimap_get(&c->qsets, objs[i], &first);
        int found = 0;
        for (size_t q = 0; q < nq && !found; q++) {
            step_entity eq;
            if (ifc_get(c, c->qsets.p[first + q].val, &eq))
                return -1;
            const step_value *l = step_arg(&eq, 5);
            for (size_t k = 0; l->kind == STEP_LIST && k < l->n && !found; k++) {
                step_entity qa;
                uint64_t qid = step_ref(&l->items[k]);
                if (!qid || !ifc_is(c, qid, "IFCQUANTITYAREA") || ifc_get(c, qid, &qa))
                    continue;
                const char *nm = step_text(step_arg(&qa, 0));
                double v;
                if (nm && !strcmp(nm, qname) && !step_number(step_arg(&qa, 3), &v) && isfinite(v)) {
                    *sum += v * c->area_factor;
                    found = 1;
                }
            }
        }
        have += found;
    }
    return have;
}

static void storey_area(ifc_ctx *c, uint64_t storey, ifc_storey *st, const GEOSGeometry *outline)
{
    static const char *const names[] = {"GrossFloorArea", "NetFloorArea", "GSA BIM Area"};
    double v;
    for (size_t k = 0; k < 3; k++) {
        if (area_quantity(c, &storey, 1, names[k], &v) > 0) {
            st->floor_area_m2 = v;
            char buf[160];
            snprintf(buf, sizeof buf, "IfcElementQuantity %s of the storey", names[k]);
            st->area_source = strdup(buf);
            return;
        }
    }
    /* Spaces of the storey: aggregated and contained. */
    uint64_t *sp = NULL;
    size_t nsp = 0, first, n;
    const ifc_multimap *maps[2] = {&c->parts, &c->contained};
    for (int m = 0; m < 2; m++) {
        n = ifc_multimap_get(maps[m], storey, &first);
        for (size_t i = 0; i < n; i++) {
            uint64_t id = maps[m]->p[first + i].val;
            if (!ifc_is(c, id, "IFCSPACE"))
                continue;
            uint64_t *ns = realloc(sp, (nsp + 1) * sizeof *ns);
            if (!ns)
                break;
            sp = ns;
            sp[nsp++] = id;
        }
    }
    st->spaces = nsp;
    for (size_t k = 0; k < 3 && nsp; k++) {
        int have = area_quantity(c, sp, nsp, names[k], &v);
        if (have > 0) {
            st->floor_area_m2 = v;
            char buf[160];
            snprintf(buf, sizeof buf, "IfcElementQuantity %s of %d of %zu spaces", names[k], have, nsp);
            st->area_source = strdup(buf);
            free(sp);
            step_arena_reset(c->a);
            return;
        }
    }
    free(sp);
    step_arena_reset(c->a);
    if (outline && GEOSArea_r(c->g, outline, &v)) {
        st->floor_area_m2 = v;
        st->area_source = strdup("outline");
    } else {
        st->floor_area_m2 = NAN;
        st->area_source = strdup("none");
    }
}

static int read_building(ifc_ctx *c, uint64_t bid, const ifc_georef *gr, const outline_opts *oo, ifc_building *b)
{
    step_entity e;
    int rc = ifc_get(c, bid, &e);
    if (rc)
        return rc;
    b->id = bid;
    b->guid = text_attr(&e, 0);
    b->name = text_attr(&e, 2);
    step_arena_reset(c->a);
    size_t first, n = ifc_multimap_get(&c->parts, bid, &first);
    uint64_t *sids = malloc((n ? n : 1) * sizeof *sids);
    size_t ns = 0;
    for (size_t i = 0; sids && i < n; i++)
        if (ifc_is(c, c->parts.p[first + i].val, "IFCBUILDINGSTOREY"))
            sids[ns++] = c->parts.p[first + i].val;
    b->storeys = calloc(ns ? ns : 1, sizeof *b->storeys);
    ifc_plan *plans = calloc(ns + 1, sizeof *plans);
    if (!sids || !b->storeys || !plans) {
        free(sids);
        free(plans);
        return ifc_fail(c, IFC_EFORMAT, "out of memory");
    }
    b->nstoreys = ns;
    for (size_t i = 0; i <= ns; i++)
        plans[i].zmin = INFINITY, plans[i].zmax = -INFINITY;
    for (size_t s = 0; s < ns && !rc; s++) {
        ifc_storey *st = &b->storeys[s];
        st->id = sids[s];
        if ((rc = ifc_get(c, sids[s], &e)))
            break;
        st->guid = text_attr(&e, 0);
        st->name = text_attr(&e, 2);
        uint64_t pl = step_ref(step_arg(&e, 5));
        double elev;
        int has_elev = !step_number(step_arg(&e, 9), &elev);
        if (pl) {
            ifc_mat w;
            if ((rc = ifc_object_placement(c, pl, &w))) {
                rc = ifc_prefix(c, rc, "IFCBUILDINGSTOREY", sids[s]);
                break;
            }
            st->elevation_m = w.m[11];
            st->elevation_source = "placement";
        } else if (has_elev) {
            st->elevation_m = elev * c->mpu;
            st->elevation_source = "Elevation attribute";
        } else {
            st->elevation_m = NAN;
            st->elevation_source = "none";
        }
        step_arena_reset(c->a);
        size_t f2, ne = ifc_multimap_get(&c->contained, sids[s], &f2);
        for (size_t i = 0; i < ne && !rc; i++)
            rc = element_plan(c, c->contained.p[f2 + i].val, &plans[s], st, b, 0);
    }
    /* Elements placed in the building itself (no storey). */
    size_t fb, nb = ifc_multimap_get(&c->contained, bid, &fb);
    for (size_t i = 0; i < nb && !rc; i++)
        rc = element_plan(c, c->contained.p[fb + i].val, &plans[ns], NULL, b, 0);
    free(sids);

    double zmin = INFINITY, zmax = -INFINITY;
    size_t total = 0;
    for (size_t s = 0; s <= ns; s++) {
        total += plans[s].n;
        if (plans[s].zmin < zmin)
            zmin = plans[s].zmin;
        if (plans[s].zmax > zmax)
            zmax = plans[s].zmax;
    }
    GEOSGeometry **all = rc ? NULL : malloc((total ? total : 1) * sizeof *all);
    size_t na = 0;
    for (size_t s = 0; all && s < ns && !rc; s++) {
        ifc_storey *st = &b->storeys[s];
        GEOSGeometry *ol = close_outline(c, plans[s].polys, plans[s].n, oo);
        if (ol && !GEOSisEmpty_r(c->g, ol))
            st->outline_wkb = map_wkb(c, ol, gr, &st->outline_len);
        storey_area(c, st->id, st, ol);
        if (ol)
            GEOSGeom_destroy_r(c->g, ol);
        for (size_t i = 0; i < plans[s].n; i++)
            all[na++] = plans[s].polys[i];
    }
    for (size_t i = 0; all && i < plans[ns].n; i++)
        all[na++] = plans[ns].polys[i];
    if (all) {
        GEOSGeometry *fp = close_outline(c, all, na, oo);
        if (fp && !GEOSisEmpty_r(c->g, fp)) {
            b->footprint_wkb = map_wkb(c, fp, gr, &b->footprint_len);
            double x0, y0, x1, y1;
            if (GEOSGeom_getXMin_r(c->g, fp, &x0) && GEOSGeom_getYMin_r(c->g, fp, &y0) &&
                GEOSGeom_getXMax_r(c->g, fp, &x1) && GEOSGeom_getYMax_r(c->g, fp, &y1)) {
                b->local_bbox[0] = x0, b->local_bbox[1] = y0, b->local_bbox[2] = x1, b->local_bbox[3] = y1;
            }
        }
        if (fp)
            GEOSGeom_destroy_r(c->g, fp);
    }
    free(all);
    for (size_t s = 0; s <= ns; s++)
        ifc_plan_clear(c, &plans[s]);
    int items = 0, skipped_items = 0;
    (void)items;
    (void)skipped_items;
    free(plans);
    if (rc)
        return rc;

    /* Storeys by elevation; heights between them. */
    qsort(b->storeys, ns, sizeof *b->storeys, storey_cmp);
    b->zmin_m = isfinite(zmin) ? zmin : NAN;
    b->zmax_m = isfinite(zmax) ? zmax : NAN;
    double base = NAN;
    for (size_t s = 0; s < ns; s++)
        if (isfinite(b->storeys[s].elevation_m) && b->storeys[s].elevation_m >= -0.01) {
            base = b->storeys[s].elevation_m;
            break;
        }
    if (isnan(base) && ns)
        base = b->storeys[0].elevation_m;
    if (isnan(base))
        base = b->zmin_m;
    for (size_t s = 0; s < ns; s++) {
        ifc_storey *st = &b->storeys[s];
        if (s + 1 < ns)
            st->height_m = b->storeys[s + 1].elevation_m - st->elevation_m;
        else
            st->height_m = isfinite(b->zmax_m) && b->zmax_m > st->elevation_m ? b->zmax_m - st->elevation_m : NAN;
        if (st->elevation_m >= base - 0.01)
            b->storeys_above++;
        else
            b->storeys_below++;
    }
    b->height_m = isfinite(b->zmax_m) && isfinite(base) ? b->zmax_m - base : NAN;
    char m[320];
    snprintf(m, sizeof m,
             "union of the plan projections of %zu elements' bodies (%zu storeys), gaps under %.3g m closed, holes "
             "under %.3g m2 filled; %zu elements without usable geometry or placement skipped",
             b->elements_used, ns, oo->gap * 2, oo->min_hole, b->elements_skipped);
    b->footprint_method = strdup(b->footprint_wkb ? m : "none: no element has a body this reader handles");
    return IFC_OK;
}

void ifc_model_free(ifc_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nbuildings; i++) {
        ifc_building *b = &m->buildings[i];
        for (size_t s = 0; s < b->nstoreys; s++) {
            free(b->storeys[s].guid);
            free(b->storeys[s].name);
            free(b->storeys[s].area_source);
            free(b->storeys[s].outline_wkb);
        }
        free(b->storeys);
        free(b->guid);
        free(b->name);
        free(b->footprint_wkb);
        free(b->footprint_method);
    }
    free(m->buildings);
    free(m->unit_source);
    free(m->crs);
    free(m->georef_method);
    free(m);
}

static void geos_quiet(const char *fmt, ...) { (void)fmt; }

int ifc_read(ifc_model **out, const char *path, const ifc_options *opts, char *err, size_t errlen)
{
    ifc_options defaults = IFC_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    ifc_ctx c;
    memset(&c, 0, sizeof c);
    char serr[512];
    if (step_open(&c.f, path, serr, sizeof serr)) {
        int io = c.f == NULL;
        snprintf(err, errlen, "%s", serr);
        step_close(c.f);
        return io ? IFC_EIO : IFC_EFORMAT;
    }
    ifc_model *m = calloc(1, sizeof *m);
    c.a = step_arena_new();
    c.g = GEOS_init_r();
    GEOSContext_setNoticeHandler_r(c.g, geos_quiet);
    GEOSContext_setErrorHandler_r(c.g, geos_quiet);
    snprintf(m->schema, sizeof m->schema, "%s", step_schema(c.f));
    int rc = IFC_OK;
    if (!m || !c.a)
        rc = ifc_fail(&c, IFC_EFORMAT, "out of memory");
    if (!rc && strncmp(m->schema, "IFC", 3))
        rc = ifc_fail(&c, IFC_EFORMAT, "FILE_SCHEMA is '%s', not an IFC schema", m->schema);
    if (!rc)
        rc = ifc_read_units(&c, &m->unit_source);
    m->metres_per_unit = c.mpu;
    ifc_georef gr;
    memset(&gr, 0, sizeof gr);
    if (!rc)
        rc = ifc_find_georef(&c, opts, &gr);
    if (!rc)
        rc = read_rel(&c, "IFCRELAGGREGATES", 4, 5, &c.parts, NULL);
    if (!rc)
        rc = read_rel(&c, "IFCRELCONTAINEDINSPATIALSTRUCTURE", 5, 4, &c.contained, NULL);
    if (!rc)
        rc = read_rel(&c, "IFCRELDEFINESBYPROPERTIES", 5, 4, &c.qsets, "IFCELEMENTQUANTITY");
    uint64_t *bids = NULL;
    size_t nb = rc ? 0 : step_ids_of_type(c.f, "IFCBUILDING", &bids);
    if (!rc && !nb)
        rc = ifc_fail(&c, IFC_EFORMAT, "no IfcBuilding in the file");
    if (!rc) {
        m->buildings = calloc(nb, sizeof *m->buildings);
        outline_opts oo = {opts->gap_m > 0 ? opts->gap_m : 0, opts->min_hole_m2 > 0 ? opts->min_hole_m2 : 0};
        for (size_t i = 0; i < nb && !rc; i++) {
            m->nbuildings = i + 1;
            rc = read_building(&c, bids[i], &gr, &oo, &m->buildings[i]);
        }
    }
    free(bids);
    m->crs = gr.crs;
    m->georef_method = gr.method;
    m->georef_quality = gr.quality;
    if (rc)
        snprintf(err, errlen, "%s", c.err);
    free(c.parts.p);
    free(c.contained.p);
    free(c.qsets.p);
    ifc_place_cache_free(c.places);
    step_arena_free(c.a);
    GEOS_finish_r(c.g);
    step_close(c.f);
    if (rc) {
        ifc_model_free(m);
        return rc;
    }
    *out = m;
    return IFC_OK;
}
