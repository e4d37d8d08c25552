/* report_landuse.c: area of each land-use class per polygon of a `by`
 * layer (district, street), computed here from the store's geometry: an
 * STRtree over the land-use polygons gives the candidates of each `by`
 * polygon; a prepared `contains` takes whole polygons without an
 * intersection (most parcels lie wholly inside one district), the rest are
 * intersected. Areas are planar, in the store's projected CRS (metres; a
 * store is always created in a projected CRS, EPSG:4547 by default). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geos_io_int.h"
#include "report_int.h"

typedef struct lu_feature {
    GEOSGeometry *g;
    size_t cls;          /* index into classes; nclasses = the NULL class */
    size_t idx;          /* own index (the STRtree item) */
    int64_t fid;
} lu_feature;

typedef struct lu_ctx {
    cim_store *s;
    const cim_report_options *o;
    const char *field;   /* NULL: no class field */
    const char *by_name; /* NULL: fid names the polygon */
    GEOSContextHandle_t h;
    cim_geos_io io;
    lu_feature *f;
    size_t nf;
    char **classes;      /* sorted distinct non-NULL classes */
    size_t ncls;         /* + 1 for NULL */
    GEOSSTRtree *tree;
    size_t *cand;
    size_t ncand, capcand;
} lu_ctx;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Industrial land (DOMAIN.md): M0 新型产业用地 and M1 普通工业用地; a mixed
 * code "M1+W1" counts by its first (dominant) code. */
static int industrial(const char *cls)
{
    if (!cls)
        return 0;
    size_t n = strcspn(cls, "+");
    return n == 2 && (!strncasecmp(cls, "M0", 2) || !strncasecmp(cls, "M1", 2));
}

static int polygon_layer(const cim_layer_info *li, const char *what)
{
    const char *gt = li->geometry_type;
    if (!gt || (strncmp(gt, "POLYGON", 7) && strncmp(gt, "MULTIPOLYGON", 12)))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s layer '%s' has %s geometry; polygons are needed",
                             what, li->name, gt ? gt : "no");
    return CIM_OK;
}

/* Marks the land-use features whose index box meets the box of a --by
 * polygon (both layers' R*Trees), so the others are never decoded: a few
 * districts of a city-wide layer touch a small part of it. Leaves mark NULL
 * (read everything) without usable indexes. */
static int mark_candidates(lu_ctx *c, unsigned char **mark, int64_t *maxfid)
{
    int pg = cim_store_is_pg(c->s);
    char lidx[200], bidx[200];
    snprintf(lidx, sizeof lidx, "idx_%s_geom", c->o->layer);
    snprintf(bidx, sizeof bidx, "idx_%s_geom", c->o->by);
    *mark = NULL;
    /* PostGIS: the GiST index is the table itself (every geometry in it) */
    if (!pg && (!cim_store_table_exists(c->s, lidx) || !cim_store_table_exists(c->s, bidx)))
        return CIM_OK;
    char *sql = pg ? sqlite3_mprintf("SELECT max(fid), 0, 0 FROM \"%w\"", c->o->layer)
                   : sqlite3_mprintf("SELECT max(fid), (SELECT count(*) FROM \"%w\" WHERE geom IS NOT NULL), "
                                     "(SELECT count(*) FROM \"%w\") FROM \"%w\"",
                                     c->o->by, bidx, c->o->layer);
    cim_sql *st = NULL;
    int rc = sql ? cim_sql_prepare(c->s, &st, sql) : CIM_EINTERNAL;
    sqlite3_free(sql);
    if (rc)
        return pg ? cim_error_prefix("%s", c->o->layer) : CIM_OK;
    int ok = cim_sql_step(st) == CIM_SQL_ROW;
    *maxfid = ok ? cim_sql_int64(st, 0) : 0;
    /* every --by polygon must be in its index, or a district would miss parcels */
    ok = ok && cim_sql_int64(st, 1) == cim_sql_int64(st, 2);
    cim_sql_finalize(st);
    if (!ok || *maxfid <= 0 || *maxfid > 200000000)
        return CIM_OK;
    sql = pg ? sqlite3_mprintf("SELECT DISTINCT l.fid FROM \"%w\" b, \"%w\" l WHERE l.geom && b.geom", c->o->by,
                               c->o->layer)
             : sqlite3_mprintf("SELECT DISTINCT l.pkid FROM \"%w\" b, \"%w\" l WHERE l.xmax >= b.xmin AND "
                               "l.xmin <= b.xmax AND l.ymax >= b.ymin AND l.ymin <= b.ymax",
                               bidx, lidx);
    rc = sql ? cim_sql_prepare(c->s, &st, sql) : CIM_EINTERNAL;
    sqlite3_free(sql);
    if (rc)
        return pg ? cim_error_prefix("%s", c->o->layer) : CIM_OK; /* not R*Trees of the expected shape: read everything */
    unsigned char *m = calloc((size_t)*maxfid + 1, 1);
    if (!m) {
        cim_sql_finalize(st);
        return rp_oom();
    }
    int step;
    while ((step = cim_sql_step(st)) == CIM_SQL_ROW) {
        int64_t id = cim_sql_int64(st, 0);
        if (id >= 0 && id <= *maxfid)
            m[id] = 1;
    }
    cim_sql_finalize(st);
    if (step != CIM_SQL_DONE) {
        free(m);
        return cim_error_prefix("%s", lidx);
    }
    *mark = m;
    return CIM_OK;
}

static int read_features(lu_ctx *c)
{
    unsigned char *mark = NULL;
    int64_t maxfid = 0;
    int mrc = mark_candidates(c, &mark, &maxfid);
    if (mrc)
        return mrc;
    char *sql = c->field ? sqlite3_mprintf("SELECT fid, \"%w\", geom FROM \"%w\" WHERE geom IS NOT NULL ORDER BY fid",
                                           c->field, c->o->layer)
                         : sqlite3_mprintf("SELECT fid, NULL, geom FROM \"%w\" WHERE geom IS NOT NULL ORDER BY fid",
                                           c->o->layer);
    cim_sql *st = NULL;
    int rc = sql ? cim_sql_prepare(c->s, &st, sql) : rp_oom();
    sqlite3_free(sql);
    if (rc) {
        free(mark);
        return cim_error_prefix("%s", c->o->layer);
    }
    size_t cap = 0;
    char **raw = NULL; /* class text per feature, until indexed */
    rc = CIM_OK;
    int step = CIM_SQL_DONE;
    while (!rc && (step = cim_sql_step(st)) == CIM_SQL_ROW) {
        int64_t fid = cim_sql_int64(st, 0);
        if (mark && (fid < 0 || fid > maxfid || !mark[fid]))
            continue;
        if (c->nf == cap) {
            cap = cap ? 2 * cap : 1024;
            lu_feature *f = realloc(c->f, cap * sizeof *f);
            char **r = realloc(raw, cap * sizeof *r);
            if (f)
                c->f = f;
            if (r)
                raw = r;
            if (!f || !r) {
                rc = rp_oom();
                break;
            }
        }
        GEOSGeometry *g = cim_geos_from_blob(&c->io, cim_sql_blob(st, 2), (size_t)cim_sql_bytes(st, 2));
        if (!g) {
            rc = cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "layer '%s', feature %lld: unreadable geometry",
                               c->o->layer, (long long)fid);
            break;
        }
        const char *k = cim_sql_type(st, 1) == CIM_SQL_NULL ? NULL : cim_sql_text(st, 1);
        raw[c->nf] = k ? strdup(k) : NULL;
        c->f[c->nf] = (lu_feature){g, 0, c->nf, fid};
        c->nf++;
        if (k && !raw[c->nf - 1])
            rc = rp_oom();
    }
    if (!rc && step < 0)
        rc = cim_error_prefix("%s", c->o->layer);
    cim_sql_finalize(st);
    free(mark);
    /* distinct classes, sorted */
    if (!rc && c->nf) {
        c->classes = malloc(c->nf * sizeof *c->classes);
        if (!c->classes)
            rc = rp_oom();
        for (size_t i = 0; !rc && i < c->nf; i++)
            if (raw[i])
                c->classes[c->ncls++] = raw[i];
        if (!rc && c->ncls) {
            qsort(c->classes, c->ncls, sizeof *c->classes, cmp_str);
            size_t u = 0;
            for (size_t i = 0; i < c->ncls; i++)
                if (!u || strcmp(c->classes[i], c->classes[u - 1]))
                    c->classes[u++] = c->classes[i];
            c->ncls = u;
        }
        for (size_t i = 0; !rc && i < c->nf; i++) {
            char **hit = raw[i] ? bsearch(&raw[i], c->classes, c->ncls, sizeof *c->classes, cmp_str) : NULL;
            c->f[i].cls = hit ? (size_t)(hit - c->classes) : c->ncls;
        }
        /* the class strings now live once, in classes[] */
        for (size_t i = 0; !rc && i < c->ncls; i++)
            c->classes[i] = strdup(c->classes[i]);
    }
    for (size_t i = 0; i < c->nf; i++)
        free(raw ? raw[i] : NULL);
    free(raw);
    for (size_t i = 0; !rc && i < c->ncls; i++)
        if (!c->classes[i])
            rc = rp_oom();
    if (rc)
        return rc;
    c->tree = GEOSSTRtree_create_r(c->h, 10);
    for (size_t i = 0; i < c->nf; i++)
        GEOSSTRtree_insert_r(c->h, c->tree, c->f[i].g, &c->f[i].idx);
    return CIM_OK;
}

static void collect(void *item, void *payload)
{
    lu_ctx *c = payload;
    if (c->ncand == c->capcand) {
        size_t cap = c->capcand ? 2 * c->capcand : 256;
        size_t *n = realloc(c->cand, cap * sizeof *n);
        if (!n)
            return; /* checked by the caller: ncand stops growing */
        c->cand = n;
        c->capcand = cap;
    }
    c->cand[c->ncand++] = *(size_t *)item;
}

/* area(f ∩ p) for a candidate; -1 when GEOS fails even on repaired input. */
static double overlap(lu_ctx *c, const GEOSPreparedGeometry *pp, const GEOSGeometry *p, const GEOSGeometry *f)
{
    double a = 0;
    if (GEOSPreparedContainsProperly_r(c->h, pp, f) == 1 || GEOSPreparedContains_r(c->h, pp, f) == 1)
        return GEOSArea_r(c->h, f, &a) ? a : -1;
    if (GEOSPreparedIntersects_r(c->h, pp, f) != 1)
        return 0;
    GEOSGeometry *x = GEOSIntersection_r(c->h, p, f);
    if (!x) {
        /* invalid input (a self-intersection): the repaired shapes */
        GEOSGeometry *fv = GEOSMakeValid_r(c->h, f), *pv = GEOSMakeValid_r(c->h, p);
        x = fv && pv ? GEOSIntersection_r(c->h, pv, fv) : NULL;
        if (fv)
            GEOSGeom_destroy_r(c->h, fv);
        if (pv)
            GEOSGeom_destroy_r(c->h, pv);
    }
    if (!x)
        return -1;
    int ok = GEOSArea_r(c->h, x, &a);
    GEOSGeom_destroy_r(c->h, x);
    return ok ? a : -1;
}

static const char *const row_cols[] = {"by_fid", "by_name", "class", "industrial", "features",
                                       "area_m2", "area_ha", "area_mu", "share"};
static const unsigned char row_num[] = {1, 0, 0, 1, 1, 1, 1, 1, 1};
static const char *const poly_cols[] = {"by_fid", "by_name", "polygon_m2", "covered_m2", "covered_share",
                                        "features", "industrial_m2", "industrial_share"};
static const unsigned char poly_num[] = {1, 0, 1, 1, 1, 1, 1, 1};
static const char *const class_cols[] = {"class", "industrial", "features", "area_m2", "area_ha", "area_mu", "share"};
static const unsigned char class_num[] = {0, 1, 1, 1, 1, 1, 1};

/* m2, ha, mu cells of an area */
static void area_cells(char m2[48], char ha[48], char mu[48], double a)
{
    rp_fixed(m2, a, RP_M2_DECIMALS);
    rp_fixed(ha, a / 10000.0, RP_HA_DECIMALS);
    rp_fixed(mu, a / RP_M2_PER_MU, RP_MU_DECIMALS);
}

/* A row of class k: [by_fid, by_name,] class, industrial, features, m², ha,
 * 亩, share of whole. poly NULL: the per-class table (no polygon columns). */
static int class_row(const lu_ctx *c, rp_table *t, const char *const poly[2], size_t k, double area, int64_t count,
                     double whole)
{
    const char *cls = k < c->ncls ? c->classes[k] : NULL;
    char m2[48], ha[48], mu[48], sh[48], n[32];
    area_cells(m2, ha, mu, area);
    rp_fixed(sh, whole > 0 ? area / whole : NAN, RP_SHARE_DECIMALS);
    snprintf(n, sizeof n, "%lld", (long long)count);
    const char *cells[9] = {poly ? poly[0] : NULL, poly ? poly[1] : NULL, cls,
                            c->field ? (industrial(cls) ? "1" : "0") : NULL, n, m2, ha, mu, sh};
    return rp_row_add(t, poly ? cells : cells + 2);
}

static int report_polygons(lu_ctx *c, rp_doc *d, double *tot_area, int64_t *tot_count, double *sum_poly)
{
    size_t nk = c->ncls + 1;
    rp_table *rows = rp_table_add(d, "rows", "Area per class per polygon", 9, row_cols, row_num);
    rp_table *polys = rows ? rp_table_add(d, "polygons", "Per polygon", 8, poly_cols, poly_num) : NULL;
    if (!polys)
        return CIM_EINTERNAL;
    char *sql = c->by_name ? sqlite3_mprintf("SELECT fid, \"%w\", geom FROM \"%w\" ORDER BY fid", c->by_name, c->o->by)
                           : sqlite3_mprintf("SELECT fid, NULL, geom FROM \"%w\" ORDER BY fid", c->o->by);
    cim_sql *st = NULL;
    int rc = sql ? cim_sql_prepare(c->s, &st, sql) : rp_oom();
    sqlite3_free(sql);
    if (rc)
        return cim_error_prefix("%s", c->o->by);
    double *area = malloc(nk * sizeof *area);
    int64_t *count = malloc(nk * sizeof *count);
    if (!area || !count)
        rc = rp_oom();
    int step = CIM_SQL_DONE;
    while (!rc && (step = cim_sql_step(st)) == CIM_SQL_ROW) {
        int64_t fid = cim_sql_int64(st, 0);
        char fidtxt[32];
        snprintf(fidtxt, sizeof fidtxt, "%lld", (long long)fid);
        const char *name = cim_sql_type(st, 1) == CIM_SQL_NULL ? NULL : cim_sql_text(st, 1);
        char *name_copy = name ? strdup(name) : NULL;
        memset(area, 0, nk * sizeof *area);
        memset(count, 0, nk * sizeof *count);
        double parea = 0;
        if (cim_sql_type(st, 2) == CIM_SQL_BLOB) {
            GEOSGeometry *p = cim_geos_from_blob(&c->io, cim_sql_blob(st, 2), (size_t)cim_sql_bytes(st, 2));
            if (!p) {
                free(name_copy);
                rc = cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "layer '%s', feature %lld: unreadable geometry",
                                   c->o->by, (long long)fid);
                break;
            }
            GEOSArea_r(c->h, p, &parea);
            const GEOSPreparedGeometry *pp = GEOSPrepare_r(c->h, p);
            c->ncand = 0;
            GEOSSTRtree_query_r(c->h, c->tree, p, collect, c);
            if (c->ncand)
                qsort(c->cand, c->ncand, sizeof *c->cand, cmp_size); /* fid order: the same sums every run */
            for (size_t i = 0; !rc && i < c->ncand; i++) {
                const lu_feature *f = &c->f[c->cand[i]];
                double a = overlap(c, pp, p, f->g);
                if (a < 0)
                    rc = cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS,
                                       "layer '%s', feature %lld x layer '%s', feature %lld: the intersection failed",
                                       c->o->layer, (long long)f->fid, c->o->by, (long long)fid);
                else if (a > 0) {
                    area[f->cls] += a;
                    count[f->cls]++;
                }
            }
            GEOSPreparedGeom_destroy_r(c->h, pp);
            GEOSGeom_destroy_r(c->h, p);
        }
        double covered = 0, ind = 0;
        int64_t nfeat = 0;
        for (size_t k = 0; !rc && k < nk; k++) {
            if (!count[k])
                continue;
            const char *cls = k < c->ncls ? c->classes[k] : NULL;
            const char *poly[2] = {fidtxt, name_copy};
            rc = class_row(c, rows, poly, k, area[k], count[k], parea);
            covered += area[k];
            nfeat += count[k];
            tot_area[k] += area[k];
            tot_count[k] += count[k];
            if (industrial(cls))
                ind += area[k];
        }
        if (!rc) {
            char pa[48], cv[48], cs[48], n[32], im[48], is[48];
            rp_fixed(pa, parea, RP_M2_DECIMALS);
            rp_fixed(cv, covered, RP_M2_DECIMALS);
            rp_fixed(cs, parea > 0 ? covered / parea : NAN, RP_SHARE_DECIMALS);
            snprintf(n, sizeof n, "%lld", (long long)nfeat);
            rp_fixed(im, ind, RP_M2_DECIMALS);
            rp_fixed(is, parea > 0 ? ind / parea : NAN, RP_SHARE_DECIMALS);
            const char *cells[8] = {fidtxt, name_copy, pa, cv, cs, n, c->field ? im : NULL, c->field ? is : NULL};
            rc = rp_row_add(polys, cells);
            *sum_poly += parea;
        }
        free(name_copy);
    }
    if (!rc && step < 0)
        rc = cim_error_prefix("%s", c->o->by);
    cim_sql_finalize(st);
    free(area);
    free(count);
    return rc;
}

static int run(lu_ctx *c, rp_doc *d)
{
    const cim_report_options *o = c->o;
    cim_layer_info *li = NULL, *bi = NULL;
    int rc = rp_layer_require(c->s, o->layer, "land-use", &li);
    if (!rc)
        rc = polygon_layer(li, "land-use");
    if (!rc && !o->by)
        rc = cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give the layer to report per (--by)");
    if (!rc)
        rc = rp_layer_require(c->s, o->by, "--by", &bi);
    if (!rc)
        rc = polygon_layer(bi, "--by");
    if (!rc && o->field) {
        int i = rp_field_index(li, o->field);
        if (i < 0)
            rc = cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s' has no field '%s' (--field)", o->layer,
                               o->field);
        else
            c->field = li->fields[i].name;
    } else if (!rc) {
        int i = rp_field_index(li, "landuse");
        c->field = i >= 0 ? li->fields[i].name : NULL;
    }
    if (!rc && o->by_field) {
        int i = rp_field_index(bi, o->by_field);
        if (i < 0)
            rc = cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s' has no field '%s' (--by-field)", o->by,
                               o->by_field);
        else
            c->by_name = bi->fields[i].name;
    } else if (!rc) {
        for (size_t i = 0; i < bi->field_count && !c->by_name; i++)
            if (bi->fields[i].type == CIM_FIELD_STRING)
                c->by_name = bi->fields[i].name;
    }
    if (!rc)
        rc = read_features(c);
    size_t nk = c->ncls + 1;
    double *tot_area = rc ? NULL : calloc(nk, sizeof *tot_area), sum_poly = 0;
    int64_t *tot_count = rc ? NULL : calloc(nk, sizeof *tot_count);
    if (!rc && (!tot_area || !tot_count))
        rc = rp_oom();
    if (!rc)
        rc = report_polygons(c, d, tot_area, tot_count, &sum_poly);
    /* per class over all polygons, and the figures */
    double covered = 0, ind = 0, m0 = 0;
    int64_t nfeat = 0;
    for (size_t k = 0; !rc && k < nk; k++) {
        covered += tot_area[k];
        nfeat += tot_count[k];
        const char *cls = k < c->ncls ? c->classes[k] : NULL;
        if (industrial(cls)) {
            ind += tot_area[k];
            if (!strncasecmp(cls, "M0", 2))
                m0 += tot_area[k];
        }
    }
    rp_table *classes = rc ? NULL : rp_table_add(d, "classes", "Per class, all polygons", 7, class_cols, class_num);
    if (!rc && !classes)
        rc = CIM_EINTERNAL;
    for (size_t k = 0; !rc && k < nk; k++) {
        if (!tot_count[k])
            continue;
        rc = class_row(c, classes, NULL, k, tot_area[k], tot_count[k], covered);
    }
    char m2[48], ha[48], mu[48], sh[48];
    if (!rc) {
        rc = rp_figure_add(d, "polygons", "Polygons reported (--by)", 1, "%zu", d->tables[1]->t.nrows);
        rc = rc || rp_figure_add(d, "features", "Land-use features", 1, "%zu", c->nf);
        area_cells(m2, ha, mu, sum_poly);
        rc = rc || rp_figure_add(d, "polygon_m2", "Area of the polygons (m²)", 1, "%s", m2);
        area_cells(m2, ha, mu, covered);
        rc = rc || rp_figure_add(d, "covered_m2", "Land-use area inside them (m²)", 1, "%s", m2);
        rc = rc || rp_figure_add(d, "covered_ha", "Land-use area inside them (ha)", 1, "%s", ha);
        rc = rc || rp_figure_add(d, "covered_mu", "Land-use area inside them (亩)", 1, "%s", mu);
    }
    if (!rc && c->field) {
        area_cells(m2, ha, mu, ind);
        rp_fixed(sh, covered > 0 ? ind / covered : NAN, RP_SHARE_DECIMALS);
        rc = rp_figure_add(d, "industrial_m2", "Industrial land M0+M1 (m²)", 1, "%s", m2);
        rc = rc || rp_figure_add(d, "industrial_ha", "Industrial land M0+M1 (ha)", 1, "%s", ha);
        rc = rc || rp_figure_add(d, "industrial_share", "Industrial share of the land-use area", 1, "%s", sh);
        rp_fixed(m2, m0, RP_M2_DECIMALS);
        rc = rc || rp_figure_add(d, "m0_m2", "of which M0 新型产业用地 (m²)", 1, "%s", m2);
    }
    if (!rc)
        rc = rp_note(d, "Areas are planar, in the store's projected CRS EPSG:%d (metres); 1 ha = 10000 m², "
                        "1 亩 = 10000/15 m². Shares are of the --by polygon's area (classes: of the land-use area "
                        "inside all polygons). Industrial land = M0 and M1 (a mixed code counts by its first code).",
                     d->srid);
    if (!rc && !c->field)
        rc = rp_note(d, "Layer '%s' has no land-use field (give --field): the report gives areas and feature counts "
                        "per polygon only.",
                     o->layer);
    if (!rc && !c->by_name)
        rc = rp_note(d, "Layer '%s' has no text field to name its polygons: they are named by fid.", o->by);
    /* the map: land use by class, the polygons outlined on top */
    double box[4];
    const char *ext[1] = {o->by};
    if (!rc && d->draw_map && rp_extent(c->s, ext, 1, box)) {
        /* only the land use in the map's frame (a district of a city-wide
         * layer draws its own parcels, not the city's) when there is an index */
        char idx[200], *frame = NULL;
        snprintf(idx, sizeof idx, "idx_%s_geom", o->layer);
        frame = cim_store_is_pg(c->s)
                    ? sqlite3_mprintf("WHERE geom && ST_MakeEnvelope(%.17g, %.17g, %.17g, %.17g, %d)", box[0], box[1],
                                      box[2], box[3], cim_store_srid(c->s))
                : cim_store_table_exists(c->s, idx)
                    ? sqlite3_mprintf("WHERE fid IN (SELECT pkid FROM \"%w\" WHERE xmax >= %.17g AND xmin <= %.17g "
                                      "AND ymax >= %.17g AND ymin <= %.17g)",
                                      idx, box[0], box[2], box[1], box[3])
                    : sqlite3_mprintf("%s", "");
        char *lu = !frame ? NULL
                   : c->field ? sqlite3_mprintf("SELECT geom, \"%w\", NULL FROM \"%w\" %s ORDER BY \"%w\", fid",
                                                c->field, o->layer, frame, c->field)
                              : sqlite3_mprintf("SELECT geom, NULL, NULL FROM \"%w\" %s ORDER BY fid", o->layer, frame);
        char *by = c->by_name ? sqlite3_mprintf("SELECT geom, NULL, \"%w\" FROM \"%w\" ORDER BY fid", c->by_name, o->by)
                              : sqlite3_mprintf("SELECT geom, NULL, 'fid ' || fid FROM \"%w\" ORDER BY fid", o->by);
        rp_map_layer ml[2] = {{lu, 0, c->field ? NULL : "features"}, {by, 1, NULL}};
        rc = !lu || !by ? rp_oom() : rp_map_draw(d, c->s, box, ml, 2, o->map_width);
        sqlite3_free(frame);
        sqlite3_free(lu);
        sqlite3_free(by);
    }
    free(tot_area);
    free(tot_count);
    cim_layer_info_free(li);
    cim_layer_info_free(bi);
    return rc;
}

int rp_landuse(rp_doc *d, cim_store *s, const cim_report_options *o)
{
    lu_ctx c = {.s = s, .o = o};
    c.h = cim_geos_context_new();
    cim_geos_io_init(&c.io, c.h);
    int rc = run(&c, d);
    if (c.tree)
        GEOSSTRtree_destroy_r(c.h, c.tree);
    for (size_t i = 0; i < c.nf; i++)
        GEOSGeom_destroy_r(c.h, c.f[i].g);
    for (size_t i = 0; i < c.ncls; i++)
        free(c.classes[i]);
    free(c.classes);
    free(c.f);
    free(c.cand);
    cim_geos_io_clear(&c.io);
    GEOS_finish_r(c.h);
    return rc;
}
