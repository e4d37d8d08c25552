/* indicators.c: building indicators per parcel (规划设计要点). Validates the
 * layers and fields, reads parcels and buildings into memory, finds the
 * candidate buildings of each parcel with a GEOS STRtree, computes each
 * parcel in the worker pool (indicators_calc.c), then writes the derived
 * layer and the run in one transaction on this thread. */
#include "cim/indicators.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "derived_int.h"
#include "error_int.h"
#include "geos_io_int.h"
#include "indicators_int.h"
#include "json_int.h"
#include "plan_read_int.h"
#include "pool_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "wkb_int.h"

void cim_indicators_options_init(cim_indicators_options *opts)
{
    cim_indicators_options d = CIM_INDICATORS_OPTIONS_INIT;
    *opts = d;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct ind_ctx {
    cim_store *s;
    const cim_indicators_options *o;
    cim_layer_info *pinfo, *binfo;
    /* resolved field names (borrowed from the infos), NULL = none */
    const char *height_f, *storeys_f, *use_f, *landuse_f, *id_f, *far_f, *cov_f, *hlim_f;
    cim_ind_building *b;
    size_t nb, b_cap;
    cim_ind_parcel *p;
    size_t np, p_cap;
    cim_ind_parcel_result *res;
    cim_ind_job job;
} ind_ctx;

/* The field of a layer: exact name first, then case-insensitive. */
static const char *find_field(const cim_layer_info *li, const char *name)
{
    for (size_t i = 0; i < li->field_count; i++)
        if (strcmp(li->fields[i].name, name) == 0)
            return li->fields[i].name;
    for (size_t i = 0; i < li->field_count; i++)
        if (strcasecmp(li->fields[i].name, name) == 0)
            return li->fields[i].name;
    return NULL;
}

/* A named field (must exist), or the first of the defaults that exists. */
static int resolve(const char **out, const cim_layer_info *li, const char *given, const char *const *defaults,
                   const char *what)
{
    *out = NULL;
    if (given) {
        if (!(*out = find_field(li, given)))
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s': no field '%s' (the %s field)",
                                 li->name, given, what);
        return 0;
    }
    for (size_t i = 0; defaults && defaults[i] && !*out; i++)
        *out = find_field(li, defaults[i]);
    return 0;
}

static int check_polygonal(const cim_layer_info *li, const char *role)
{
    const char *t = li->geometry_type ? li->geometry_type : "";
    if (strcasecmp(t, "POLYGON") != 0 && strcasecmp(t, "MULTIPOLYGON") != 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "layer '%s' (%s): geometry type %s, polygons needed", li->name, role,
                             *t ? t : "unknown");
    return 0;
}

static int get_info(cim_layer_info **out, cim_store *s, const char *name, const char *role)
{
    int rc = cim_layer_info_get(out, s, name);
    if (rc)
        return cim_error_prefix("%s", role);
    if ((rc = check_polygonal(*out, role)))
        return rc;
    if ((*out)->srid != cim_store_srid(s))
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_FORMAT, "layer '%s': SRID %d, the store's is %d", name,
                             (*out)->srid, cim_store_srid(s));
    return 0;
}

static const char *const height_defaults[] = {"height_m", "height", "measuredHeight", NULL};
static const char *const storeys_defaults[] = {"storeys", "floors", "storeysAboveGround", NULL};
static const char *const use_defaults[] = {"use", "usage", NULL};
static const char *const landuse_defaults[] = {"landuse", NULL};
static const char *const id_defaults[] = {"parcel_id", NULL};

static const char *const out_names[] = {"parcel_fid", "building_count", "gfa_m2", "far", "coverage",
                                        "max_height_m", "min_setback_m", "min_spacing_m", "skipped_buildings",
                                        "far_limit", "coverage_limit", "height_limit", "far_ok", "coverage_ok",
                                        "height_ok", NULL};

static int validate(ind_ctx *c)
{
    const cim_indicators_options *o = c->o;
    int rc;
    if (!o->parcels || !o->buildings)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give the parcels and the buildings layers");
    const char *out = o->out ? o->out : "indicators";
    if ((rc = cim_layer_name_check(out)))
        return rc;
    if (!strcmp(out, o->parcels) || !strcmp(out, o->buildings))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "the output layer '%s' is an input layer", out);
    const cim_storey_heights *sh = &o->storey;
    if (!(sh->residential > 0 && sh->office > 0 && sh->industrial > 0 && sh->other > 0))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "storey heights must be positive");
    if ((rc = get_info(&c->pinfo, c->s, o->parcels, "parcels")) ||
        (rc = get_info(&c->binfo, c->s, o->buildings, "buildings")))
        return rc;
    if ((rc = resolve(&c->height_f, c->binfo, o->height_field, height_defaults, "height")) ||
        (rc = resolve(&c->storeys_f, c->binfo, o->storeys_field, storeys_defaults, "storeys")) ||
        (rc = resolve(&c->use_f, c->binfo, o->use_field, use_defaults, "use")) ||
        (rc = resolve(&c->landuse_f, c->pinfo, o->landuse_field, landuse_defaults, "land-use")) ||
        (rc = resolve(&c->id_f, c->pinfo, o->id_field, id_defaults, "id")))
        return rc;
    if (!c->height_f && !c->storeys_f)
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG,
                             "layer '%s': neither a height nor a storeys field (give --height-field or "
                             "--storeys-field)", o->buildings);
    if (c->id_f)
        for (size_t i = 0; out_names[i]; i++)
            if (!strcasecmp(c->id_f, out_names[i]))
                return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                                     "layer '%s': the id field '%s' has the name of an output column",
                                     o->parcels, c->id_f);
    switch (o->limits) {
    case CIM_LIMITS_NONE: break;
    case CIM_LIMITS_SZ: {
        static const char *const far[] = {"far_limit", NULL}, *const h[] = {"height_limit_m", NULL},
                                 *const cov[] = {"coverage_limit", NULL};
        resolve(&c->far_f, c->pinfo, NULL, far, "FAR limit");
        resolve(&c->hlim_f, c->pinfo, NULL, h, "height limit");
        resolve(&c->cov_f, c->pinfo, NULL, cov, "coverage limit");
        if (!c->far_f && !c->hlim_f && !c->cov_f)
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG,
                                 "layer '%s': none of the SZ limit fields far_limit, height_limit_m, coverage_limit",
                                 o->parcels);
        break;
    }
    case CIM_LIMITS_PLATEAU: {
        static const char *const far[] = {"floorAreaRate", NULL}, *const cov[] = {"buildingCoverageRate", NULL};
        resolve(&c->far_f, c->pinfo, NULL, far, "FAR limit");
        resolve(&c->cov_f, c->pinfo, NULL, cov, "coverage limit");
        if (!c->far_f && !c->cov_f)
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG,
                                 "layer '%s': none of the PLATEAU limit fields floorAreaRate, buildingCoverageRate",
                                 o->parcels);
        break;
    }
    case CIM_LIMITS_FIELDS:
        if (!o->far_field && !o->coverage_field && !o->height_limit_field)
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no limit fields given");
        if ((o->far_field && (rc = resolve(&c->far_f, c->pinfo, o->far_field, NULL, "FAR limit"))) ||
            (o->coverage_field && (rc = resolve(&c->cov_f, c->pinfo, o->coverage_field, NULL, "coverage limit"))) ||
            (o->height_limit_field &&
             (rc = resolve(&c->hlim_f, c->pinfo, o->height_limit_field, NULL, "height limit"))))
            return rc;
        break;
    default: return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "unknown limits source %d", (int)o->limits);
    }
    return 0;
}

/* A numeric column value; NAN for NULL, text that is not a number, and the
 * "unknown" markers -9999 / 9999 and other negatives. */
static double col_number(cim_sql *st, int i)
{
    double v;
    switch (cim_sql_type(st, i)) {
    case CIM_SQL_INTEGER:
    case CIM_SQL_FLOAT: v = cim_sql_double(st, i); break;
    case CIM_SQL_TEXT: {
        const char *t = cim_sql_text(st, i);
        char *end = NULL;
        v = strtod(t, &end);
        if (end == t)
            return NAN;
        while (*end == ' ')
            end++;
        if (*end)
            return NAN;
        break;
    }
    default: return NAN;
    }
    if (!isfinite(v) || v < 0 || fabs(fabs(v) - 9999) < 1e-9)
        return NAN;
    return v;
}

/* ", "field"" or ", NULL" */
static char *col_expr(const char *f)
{
    return f ? sqlite3_mprintf(", \"%w\"", f) : sqlite3_mprintf(", NULL");
}

/* Makes room for one more element in *arr (cap elements of size elem). */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t next = *cap ? *cap * 2 : 1024;
    void *a = realloc(*arr, next * elem);
    if (!a)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    *arr = a;
    *cap = next;
    return 0;
}

/* Runs sql (fid, geom, then the layer's own columns) and hands each row
 * with a geometry, its blob copied, to take; rows without one are counted.
 * Frees sql. */
typedef int (*row_fn)(ind_ctx *c, cim_sql *st, unsigned char *blob, size_t len);

static int read_rows(ind_ctx *c, char *sql, const char *what, int64_t *without_geom, row_fn take)
{
    cim_sql *st = NULL;
    int rc = cim_sql_prepare(c->s, &st, sql);
    sqlite3_free(sql);
    if (rc)
        return cim_error_prefix("%s", what);
    while ((rc = cim_sql_step(st)) == CIM_SQL_ROW) {
        int len = cim_sql_bytes(st, 1);
        if (cim_sql_type(st, 1) != CIM_SQL_BLOB || len <= 0) {
            (*without_geom)++;
            continue;
        }
        unsigned char *blob = malloc((size_t)len);
        int err = blob ? 0 : cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        if (!err) {
            memcpy(blob, cim_sql_blob(st, 1), (size_t)len);
            err = take(c, st, blob, (size_t)len);
        }
        if (err) {
            free(blob);
            cim_sql_finalize(st);
            return err;
        }
    }
    cim_sql_finalize(st);
    return rc == CIM_SQL_DONE ? 0 : cim_error_prefix("%s", what);
}

static int take_building(ind_ctx *c, cim_sql *st, unsigned char *blob, size_t len)
{
    int rc = grow((void **)&c->b, &c->b_cap, c->nb, sizeof *c->b);
    if (rc)
        return rc;
    cim_ind_building *b = &c->b[c->nb++];
    b->fid = cim_sql_int64(st, 0);
    b->blob = blob;
    b->blob_len = len;
    b->height = col_number(st, 2);
    b->storeys = col_number(st, 3);
    if (!isnan(b->height) && b->height <= 0)
        b->height = NAN;
    if (!isnan(b->storeys) && b->storeys < 1)
        b->storeys = NAN;
    b->use = cim_ind_use_from_text(cim_sql_text(st, 4));
    return 0;
}

static int read_buildings(ind_ctx *c, int64_t *without_geom, int64_t *skipped)
{
    char *h = col_expr(c->height_f), *s = col_expr(c->storeys_f), *u = col_expr(c->use_f);
    char *sql = sqlite3_mprintf("SELECT fid, geom%s%s%s FROM \"%w\" ORDER BY fid", h, s, u, c->o->buildings);
    sqlite3_free(h);
    sqlite3_free(s);
    sqlite3_free(u);
    int rc = read_rows(c, sql, "reading the buildings", without_geom, take_building);
    for (size_t i = 0; !rc && i < c->nb; i++)
        if (isnan(c->b[i].height) && isnan(c->b[i].storeys))
            (*skipped)++;
    return rc;
}

static int take_parcel(ind_ctx *c, cim_sql *st, unsigned char *blob, size_t len)
{
    int rc = grow((void **)&c->p, &c->p_cap, c->np, sizeof *c->p);
    if (rc)
        return rc;
    cim_ind_parcel *p = &c->p[c->np++];
    memset(p, 0, sizeof *p);
    p->fid = cim_sql_int64(st, 0);
    p->blob = blob;
    p->blob_len = len;
    const char *t = cim_sql_text(st, 2);
    p->id = t ? strdup(t) : NULL;
    p->use = cim_ind_use_from_landuse(cim_sql_text(st, 3));
    p->far_limit = col_number(st, 4);
    p->coverage_limit = col_number(st, 5);
    p->height_limit = col_number(st, 6);
    return 0;
}

static int read_parcels(ind_ctx *c, int64_t *without_geom)
{
    char *id = col_expr(c->id_f), *lu = col_expr(c->landuse_f), *f = col_expr(c->far_f), *cv = col_expr(c->cov_f),
         *hl = col_expr(c->hlim_f);
    char *sql =
        sqlite3_mprintf("SELECT fid, geom%s%s%s%s%s FROM \"%w\" ORDER BY fid", id, lu, f, cv, hl, c->o->parcels);
    sqlite3_free(id);
    sqlite3_free(lu);
    sqlite3_free(f);
    sqlite3_free(cv);
    sqlite3_free(hl);
    return read_rows(c, sql, "reading the parcels", without_geom, take_parcel);
}

/* PLATEAU zoning gives FAR and coverage as fractions in some years and
 * percents in others (2 vs 200, 0.6 vs 60): decided per layer, a FAR above
 * 20 or a coverage above 1 means the layer's values are percents. */
static void normalize_limits(ind_ctx *c, cim_indicators_result *res)
{
    for (size_t i = 0; i < c->np; i++) {
        if (c->p[i].far_limit > 20)
            res->far_percent = 1;
        if (c->p[i].coverage_limit > 1)
            res->coverage_percent = 1;
    }
    for (size_t i = 0; i < c->np; i++) {
        if (res->far_percent)
            c->p[i].far_limit /= 100;
        if (res->coverage_percent)
            c->p[i].coverage_limit /= 100;
    }
}

typedef struct tree_hits {
    size_t *v;
    size_t n, cap;
} tree_hits;

static void tree_cb(void *item, void *payload)
{
    tree_hits *h = payload;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
    }
    h->v[h->n++] = (size_t)(uintptr_t)item - 1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Blob envelope -> a GEOS rectangle (a SpatiaLite blob's header MBR, or
 * PostGIS's EWKB walked). */
static GEOSGeometry *blob_box(GEOSContextHandle_t h, const unsigned char *blob, size_t len)
{
    double m[4];
    if (!cim_plan_blob_box(blob, len, m))
        return NULL;
    return GEOSGeom_createRectangle_r(h, m[0], m[1], m[2], m[3]);
}

static int find_candidates(ind_ctx *c)
{
    GEOSContextHandle_t h = cim_geos_context_new();
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    GEOSGeometry **boxes = calloc(c->nb ? c->nb : 1, sizeof *boxes);
    int rc = 0;
    for (size_t i = 0; i < c->nb && !rc; i++) {
        boxes[i] = blob_box(h, c->b[i].blob, c->b[i].blob_len);
        if (!boxes[i])
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "layer '%s', fid %lld: not a geometry the store writes",
                               c->o->buildings, (long long)c->b[i].fid);
        else
            GEOSSTRtree_insert_r(h, tree, boxes[i], (void *)(uintptr_t)(i + 1));
    }
    tree_hits hits = {0};
    for (size_t i = 0; i < c->np && !rc; i++) {
        GEOSGeometry *pb = blob_box(h, c->p[i].blob, c->p[i].blob_len);
        if (!pb) {
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "layer '%s', fid %lld: not a geometry the store writes",
                               c->o->parcels, (long long)c->p[i].fid);
            break;
        }
        hits.n = 0;
        GEOSSTRtree_query_r(h, tree, pb, tree_cb, &hits);
        GEOSGeom_destroy_r(h, pb);
        if (hits.n > 1) /* qsort with a NULL array is undefined even for 0 items */
            qsort(hits.v, hits.n, sizeof *hits.v, cmp_size);
        c->p[i].ncand = hits.n;
        c->p[i].cand = malloc((hits.n ? hits.n : 1) * sizeof(size_t));
        if (hits.n)
            memcpy(c->p[i].cand, hits.v, hits.n * sizeof(size_t));
    }
    free(hits.v);
    GEOSSTRtree_destroy_r(h, tree);
    for (size_t i = 0; i < c->nb; i++)
        if (boxes[i])
            GEOSGeom_destroy_r(h, boxes[i]);
    free(boxes);
    GEOS_finish_r(h);
    return rc;
}

/* --- the pool --- */

typedef struct worker {
    cim_geos_io io;
} worker;

static void *worker_init(void *payload)
{
    (void)payload;
    worker *w = calloc(1, sizeof *w);
    if (!w) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    cim_geos_io_init(&w->io, cim_geos_context_new());
    return w;
}

static void worker_fini(void *state, void *payload)
{
    (void)payload;
    worker *w = state;
    GEOSContextHandle_t h = w->io.h;
    cim_geos_io_clear(&w->io);
    GEOS_finish_r(h);
    free(w);
}

static int worker_run(size_t task, void *state, void *payload)
{
    ind_ctx *c = payload;
    worker *w = state;
    int rc = cim_ind_compute(&w->io, &c->job, task, &c->res[task]);
    if (rc)
        return cim_error_prefix("layer '%s'", c->o->parcels);
    return 0;
}

/* --- writing --- */

static cim_src_value num(double v)
{
    cim_src_value x = {0};
    if (isnan(v))
        x.is_null = 1;
    else
        x.d = v;
    return x;
}

static cim_src_value ok_flag(double value, double limit, int64_t *checked, int64_t *violations, int *bad)
{
    cim_src_value x = {0};
    if (isnan(value) || isnan(limit)) {
        x.is_null = 1;
        return x;
    }
    (*checked)++;
    x.i = value <= limit + CIM_IND_EPS;
    if (!x.i) {
        (*violations)++;
        *bad = 1;
    }
    return x;
}

static void lineage(cim_buf *b, ind_ctx *c, const char *out)
{
    char tmp[256];
    cim_json_raw(b, "{\"operation\":\"indicators\",\"parcels\":");
    cim_json_str(b, c->o->parcels);
    cim_json_raw(b, ",\"buildings\":");
    cim_json_str(b, c->o->buildings);
    cim_json_raw(b, ",\"out\":");
    cim_json_str(b, out);
    static const char *const lim[] = {"none", "sz", "plateau", "fields"};
    snprintf(tmp, sizeof tmp, ",\"limits_from\":\"%s\",\"fields\":{", lim[c->o->limits]);
    cim_json_raw(b, tmp);
    const char *names[] = {"height", "storeys", "use", "landuse", "id", "far_limit", "coverage_limit",
                           "height_limit"};
    const char *vals[] = {c->height_f, c->storeys_f, c->use_f, c->landuse_f, c->id_f, c->far_f, c->cov_f, c->hlim_f};
    for (size_t i = 0; i < 8; i++) {
        if (i)
            cim_json_raw(b, ",");
        cim_json_kv(b, names[i], vals[i]);
    }
    const cim_storey_heights *sh = &c->o->storey;
    snprintf(tmp, sizeof tmp,
             "},\"storey_height_m\":{\"residential\":%.17g,\"office\":%.17g,\"industrial\":%.17g,\"other\":%.17g}}",
             sh->residential, sh->office, sh->industrial, sh->other);
    cim_json_raw(b, tmp);
}

static int write_layer(ind_ctx *c, cim_indicators_result *res, const char *out)
{
    cim_store *s = c->s;
    int rc;
    cim_derived_field fields[17];
    size_t nf = 0;
    fields[nf++] = (cim_derived_field){"parcel_fid", CIM_FIELD_INTEGER64};
    if (c->id_f)
        fields[nf++] = (cim_derived_field){c->id_f, CIM_FIELD_STRING};
    for (size_t i = 1; out_names[i]; i++) {
        cim_field_type t = CIM_FIELD_REAL;
        if (!strcmp(out_names[i], "building_count") || !strcmp(out_names[i], "skipped_buildings"))
            t = CIM_FIELD_INTEGER;
        else if (strstr(out_names[i], "_ok"))
            t = CIM_FIELD_BOOLEAN;
        fields[nf++] = (cim_derived_field){out_names[i], t};
    }
    if ((rc = cim_store_begin(s)))
        return rc;
    char now[32];
    cim_utc_now(now);
    const char *args = c->o->command_line ? c->o->command_line : "indicators";
    if ((rc = cim_run_insert(s, &res->run_id, "indicators", args, now)))
        return rc;
    cim_derived *d = NULL;
    if ((rc = cim_derived_begin(&d, s, out, CIM_WKB_MULTIPOLYGON, fields, nf, c->o->replace)))
        return rc;
    GEOSContextHandle_t h = cim_geos_context_new();
    cim_geos_io io;
    cim_geos_io_init(&io, h);
    cim_src_value v[17];
    for (size_t i = 0; i < c->np && !rc; i++) {
        const cim_ind_parcel *p = &c->p[i];
        const cim_ind_parcel_result *r = &c->res[i];
        size_t k = 0;
        memset(v, 0, sizeof v);
        v[k++].i = p->fid;
        if (c->id_f) {
            if (p->id) {
                v[k].s = p->id;
                v[k].slen = strlen(p->id);
            } else {
                v[k].is_null = 1;
            }
            k++;
        }
        v[k++].i = r->building_count;
        v[k++] = num(r->gfa);
        v[k++] = num(r->far);
        v[k++] = num(r->coverage);
        v[k++] = num(r->max_height);
        v[k++] = num(r->setback);
        v[k++] = num(r->spacing);
        v[k++].i = r->skipped;
        v[k++] = num(p->far_limit);
        v[k++] = num(p->coverage_limit);
        v[k++] = num(p->height_limit);
        int bad = 0;
        v[k++] = ok_flag(r->far, p->far_limit, &res->far_checked, &res->far_violations, &bad);
        v[k++] = ok_flag(r->coverage, p->coverage_limit, &res->coverage_checked, &res->coverage_violations, &bad);
        v[k++] = ok_flag(r->max_height, p->height_limit, &res->height_checked, &res->height_violations, &bad);
        res->parcels_with_violations += bad;
        GEOSGeometry *g = cim_geos_from_blob(&io, p->blob, p->blob_len);
        size_t wlen = 0;
        unsigned char *wkb = g ? cim_geos_to_wkb(&io, g, &wlen) : NULL;
        if (!wkb)
            rc = cim_error_prefix("layer '%s', fid %lld", c->o->parcels, (long long)p->fid);
        else
            rc = cim_derived_put(d, wkb, wlen, v);
        if (wkb)
            GEOSFree_r(h, wkb);
        if (g)
            GEOSGeom_destroy_r(h, g);
    }
    cim_geos_io_clear(&io);
    GEOS_finish_r(h);
    if (!rc) {
        cim_buf lb = {0};
        lineage(&lb, c, out);
        rc = cim_derived_finish(d, res->run_id, "indicators", cim_json_text(&lb));
        cim_buf_free(&lb);
    }
    cim_derived_free(d);
    if (rc)
        return rc;
    char counts[512];
    snprintf(counts, sizeof counts,
             "{\"parcels\":%lld,\"buildings\":%lld,\"skipped_buildings\":%lld,\"far_violations\":%lld,"
             "\"coverage_violations\":%lld,\"height_violations\":%lld}",
             (long long)res->parcels, (long long)res->buildings, (long long)res->buildings_skipped,
             (long long)res->far_violations, (long long)res->coverage_violations,
             (long long)res->height_violations);
    if ((rc = cim_run_finish(s, res->run_id, counts, NULL)))
        return rc;
    return cim_store_commit(s);
}

static int progress(ind_ctx *c, double f, const char *stage)
{
    if (c->o->progress && c->o->progress(f, stage, c->o->progress_payload))
        return cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_NONE, "indicators: canceled");
    return 0;
}

static int run(ind_ctx *c, cim_indicators_result *res)
{
    int rc;
    const char *out = c->o->out ? c->o->out : "indicators";
    res->out_layer = strdup(out);
    if ((rc = validate(c)))
        return rc;
    if ((rc = progress(c, 0, "reading")))
        return rc;
    if ((rc = read_parcels(c, &res->parcels_without_geometry)) ||
        (rc = read_buildings(c, &res->buildings_without_geometry, &res->buildings_skipped)))
        return rc;
    if (c->np == 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "layer '%s': no parcels with a geometry",
                             c->o->parcels);
    if (c->nb == 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "layer '%s': no buildings with a geometry",
                             c->o->buildings);
    res->parcels = (int64_t)c->np;
    res->buildings = (int64_t)c->nb;
    normalize_limits(c, res);
    if ((rc = find_candidates(c)))
        return rc;
    if ((rc = progress(c, 0.2, "computing")))
        return rc;
    c->res = calloc(c->np, sizeof *c->res);
    c->job = (cim_ind_job){.parcels = c->p, .buildings = c->b, .storey = c->o->storey};
    cim_pool_spec spec = {.threads = c->o->threads, .tasks = c->np, .payload = c,
                          .init = worker_init, .fini = worker_fini, .run = worker_run};
    if ((rc = cim_pool_run(&spec)))
        return rc;
    /* Buildings in no parcel, and those over a limit of a parcel they stand in. */
    unsigned char *seen = calloc(c->nb, 1);
    for (size_t i = 0; i < c->np; i++) {
        const cim_ind_parcel_result *r = &c->res[i];
        for (size_t k = 0; k < r->nmembers; k++) {
            size_t bi = r->members[k];
            seen[bi] |= 1;
            const cim_ind_building *b = &c->b[bi];
            if (!isnan(b->height) && !isnan(c->p[i].height_limit) && b->height > c->p[i].height_limit + CIM_IND_EPS)
                seen[bi] |= 2;
        }
    }
    for (size_t i = 0; i < c->nb; i++) {
        res->buildings_outside += !(seen[i] & 1);
        res->buildings_over_height += (seen[i] & 2) != 0;
    }
    free(seen);
    if ((rc = progress(c, 0.8, "writing")))
        return rc;
    if ((rc = write_layer(c, res, out)))
        return rc;
    return progress(c, 1, "done");
}

int cim_indicators(cim_indicators_result **out, cim_store *store, const cim_indicators_options *opts)
{
    cim_indicators_options defaults = CIM_INDICATORS_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (store->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only", store->path);
    double t0 = now_seconds();
    cim_indicators_result *res = calloc(1, sizeof *res);
    ind_ctx c = {.s = store, .o = opts};
    int rc = run(&c, res);
    if (rc) {
        cim_store_rollback(store);
        res->run_id = 0;
    }
    res->seconds = now_seconds() - t0;
    for (size_t i = 0; i < c.nb; i++)
        free(c.b[i].blob);
    free(c.b);
    for (size_t i = 0; i < c.np; i++) {
        free(c.p[i].blob);
        free(c.p[i].id);
        free(c.p[i].cand);
        if (c.res)
            free(c.res[i].members);
    }
    free(c.p);
    free(c.res);
    cim_layer_info_free(c.pinfo);
    cim_layer_info_free(c.binfo);
    if (rc) {
        cim_indicators_result_free(res);
        return rc;
    }
    *out = res;
    return CIM_OK;
}

void cim_indicators_result_free(cim_indicators_result *res)
{
    if (!res)
        return;
    free(res->out_layer);
    free(res);
}
