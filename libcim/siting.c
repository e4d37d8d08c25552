/* siting.c: the siting check (多规合一). The site (siting_site.c) is
 * overlaid on each control layer: the layer's features whose R*Tree box
 * meets the site's are read, then in the worker pool each is tested against
 * the prepared site and clipped to it (a feature wholly inside the site, or
 * holding it, needs no intersection); per layer the pieces are unioned, so
 * the overlap is area(site ∩ union(layer)) even where features overlap.
 * Results go by task index: 1 and N threads give the same answer. */
#include "cim/siting.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "derived_int.h"
#include "geos_io_int.h"
#include "json_int.h"
#include "pool_int.h"
#include "siting_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "wkb_int.h"

#define DEFAULT_TOLERANCE_M2 1.0
#define DEFAULT_TOLERANCE_PCT 0.1
#define MAX_ATTRS 3

void cim_siting_options_init(cim_siting_options *opts)
{
    cim_siting_options d = CIM_SITING_OPTIONS_INIT;
    *opts = d;
}

/* ---- names ---- */

static const char *const rule_names[] = {"forbidden", "restricted", "needs_approval", "info", "outside_forbidden"};
static const char *const severity_names[] = {"none", "conditional", "fail"};
static const char *const verdict_names[] = {"符合", "有条件符合", "不符合"};

const char *cim_siting_rule_name(cim_siting_rule rule)
{
    return (unsigned)rule < 5 ? rule_names[rule] : "?";
}

int cim_siting_rule_parse(cim_siting_rule *out, const char *name)
{
    for (int i = 0; i < 5; i++)
        if (name && !strcmp(name, rule_names[i])) {
            *out = (cim_siting_rule)i;
            return CIM_OK;
        }
    return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                         "rule '%s': use forbidden, restricted, needs_approval, info or outside_forbidden",
                         name ? name : "");
}

const char *cim_siting_severity_name(cim_siting_severity sev)
{
    return (unsigned)sev < 3 ? severity_names[sev] : "?";
}

int cim_siting_severity_parse(cim_siting_severity *out, const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && (!strcmp(name, severity_names[i]) || !strcmp(name, verdict_names[i]))) {
            *out = (cim_siting_severity)i;
            return CIM_OK;
        }
    return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                         "severity '%s': use fail (不符合), conditional (有条件符合) or none (符合)",
                         name ? name : "");
}

cim_siting_severity cim_siting_rule_default_severity(cim_siting_rule rule)
{
    switch (rule) {
    case CIM_SITING_FORBIDDEN:
    case CIM_SITING_OUTSIDE_FORBIDDEN: return CIM_SITING_FAIL;
    case CIM_SITING_RESTRICTED:
    case CIM_SITING_NEEDS_APPROVAL: return CIM_SITING_CONDITIONAL;
    default: return CIM_SITING_NONE;
    }
}

const char *cim_siting_verdict_name(cim_siting_severity sev)
{
    return (unsigned)sev < 3 ? verdict_names[sev] : "?";
}

int cim_siting_control_parse(cim_siting_control *out, char *buf, size_t buf_len, const char *spec)
{
    size_t n = strlen(spec);
    if (n + 1 > buf_len)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--control '%s': too long", spec);
    memcpy(buf, spec, n + 1);
    char *rule = strchr(buf, ':');
    if (!rule || rule == buf)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--control '%s': write LAYER:RULE[:SEVERITY]", spec);
    *rule++ = '\0';
    char *sev = strchr(rule, ':');
    if (sev)
        *sev++ = '\0';
    out->layer = buf;
    out->severity = -1;
    int rc = cim_siting_rule_parse(&out->rule, rule);
    if (!rc && sev) {
        cim_siting_severity s;
        rc = cim_siting_severity_parse(&s, sev);
        out->severity = (int)s;
    }
    if (rc)
        return cim_error_prefix("--control '%s'", spec);
    return CIM_OK;
}

/* ---- work ---- */

typedef struct cand {
    int64_t fid;
    size_t layer;
    uint8_t *blob;
    size_t blob_len;
    char **values;          /* identifying attributes (owned until moved to the result) */
} cand;

typedef struct piece {
    int touches;            /* GEOS intersects (also a boundary touch) */
    double area;
    unsigned char *wkb;     /* site ∩ feature, polygonal; malloc'd */
    size_t wkb_len;
} piece;

typedef struct layer_work {
    size_t first, count;    /* its candidates in cands[] */
    int outside;            /* the outside rule */
    double overlap, outside_area;
    unsigned char *conflict_wkb; /* overlap or outside part; malloc'd; NULL = empty */
    size_t conflict_len;
} layer_work;

typedef struct ctx {
    cim_store *store;
    const cim_siting_options *o;
    cim_siting_result *res;
    unsigned char *site_wkb;
    size_t site_wkb_len;
    cand *cands;
    size_t ncand, capcand;
    piece *pieces;
    layer_work *lw;
    int want_geometry;
} ctx;

typedef struct tstate {
    GEOSContextHandle_t h;
    cim_geos_io io;
    GEOSGeometry *site;
    const GEOSPreparedGeometry *prep;
} tstate;

static void *state_init(void *payload)
{
    ctx *c = payload;
    tstate *t = calloc(1, sizeof *t);
    if (!t) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    t->h = cim_geos_context_new();
    cim_geos_io_init(&t->io, t->h);
    t->site = GEOSWKBReader_read_r(t->h, t->io.reader, c->site_wkb, c->site_wkb_len);
    t->prep = t->site ? GEOSPrepare_r(t->h, t->site) : NULL;
    if (!t->prep) {
        if (t->site)
            GEOSGeom_destroy_r(t->h, t->site);
        cim_geos_io_clear(&t->io);
        GEOS_finish_r(t->h);
        free(t);
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "cannot prepare the site geometry");
        return NULL;
    }
    return t;
}

static void state_fini(void *state, void *payload)
{
    (void)payload;
    tstate *t = state;
    if (!t)
        return;
    GEOSPreparedGeom_destroy_r(t->h, t->prep);
    GEOSGeom_destroy_r(t->h, t->site);
    cim_geos_io_clear(&t->io);
    GEOS_finish_r(t->h);
    free(t);
}

static int keep_wkb(tstate *t, const GEOSGeometry *g, unsigned char **wkb, size_t *len)
{
    size_t n = 0;
    unsigned char *w = cim_geos_to_wkb(&t->io, g, &n);
    if (!w)
        return cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "cannot write a geometry as WKB");
    *wkb = malloc(n);
    memcpy(*wkb, w, n);
    *len = n;
    GEOSFree_r(t->h, w);
    return CIM_OK;
}

/* Pass 1: one control feature against the site. */
static int run_feature(size_t task, void *state, void *payload)
{
    ctx *c = payload;
    tstate *t = state;
    cand *k = &c->cands[task];
    piece *p = &c->pieces[task];
    const char *layer = c->o->controls[k->layer].layer;
    GEOSGeometry *g = cim_geos_from_blob(&t->io, k->blob, k->blob_len);
    if (!g)
        return cim_error_prefix("control layer '%s', fid %lld", layer, (long long)k->fid);
    int rc = CIM_OK;
    char hit = GEOSPreparedIntersects_r(t->h, t->prep, g);
    if (hit == 1) {
        p->touches = 1;
        GEOSGeometry *part = NULL;
        if (GEOSPreparedContains_r(t->h, t->prep, g) == 1)
            part = cim_siting_polygonal(t->h, g);            /* the feature lies in the site */
        else if (GEOSPreparedWithin_r(t->h, t->prep, g) == 1)
            part = cim_siting_polygonal(t->h, t->site);      /* the site lies in the feature */
        else {
            GEOSGeometry *x = GEOSIntersection_r(t->h, t->site, g);
            if (x) {
                part = cim_siting_polygonal(t->h, x);
                GEOSGeom_destroy_r(t->h, x);
            }
        }
        if (!part || GEOSArea_r(t->h, part, &p->area) != 1)
            rc = cim_error_prefix("control layer '%s', fid %lld: intersection with the site", layer,
                                  (long long)k->fid);
        else if (p->area > 0)
            rc = keep_wkb(t, part, &p->wkb, &p->wkb_len);
        if (part)
            GEOSGeom_destroy_r(t->h, part);
    } else if (hit != 0) {
        rc = cim_error_prefix("control layer '%s', fid %lld: intersects test", layer, (long long)k->fid);
    }
    GEOSGeom_destroy_r(t->h, g);
    return rc;
}

/* Pass 2: per control layer, the union of its pieces (features may overlap
 * one another: their common part counts once), and for the outside rule the
 * part of the site outside it. */
static int run_layer(size_t task, void *state, void *payload)
{
    ctx *c = payload;
    tstate *t = state;
    layer_work *w = &c->lw[task];
    const char *layer = c->o->controls[task].layer;
    size_t n = 0;
    double sum = 0;
    GEOSGeometry **parts = calloc(w->count + 1, sizeof *parts);
    int rc = CIM_OK;
    for (size_t i = w->first; i < w->first + w->count && !rc; i++) {
        const piece *p = &c->pieces[i];
        if (!p->wkb)
            continue;
        sum += p->area;
        parts[n] = GEOSWKBReader_read_r(t->h, t->io.reader, p->wkb, p->wkb_len);
        if (!parts[n])
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "control layer '%s': a piece does not read back",
                               layer);
        else
            n++;
    }
    GEOSGeometry *u = NULL;
    if (!rc) {
        if (n == 0) {
            u = GEOSGeom_createEmptyCollection_r(t->h, GEOS_MULTIPOLYGON);
        } else if (n == 1) {
            u = parts[0];
        } else {
            GEOSGeometry *coll = GEOSGeom_createCollection_r(t->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
            /* Pieces of a coverage (parcels): coverage union, 10-30x faster,
             * kept only when valid and of the pieces' summed area (no
             * overlaps); else the unary union. */
            GEOSGeometry *x = coll ? GEOSCoverageUnion_r(t->h, coll) : NULL;
            double a = 0;
            if (x && !(GEOSisValid_r(t->h, x) == 1 && GEOSArea_r(t->h, x, &a) == 1 &&
                       fabs(a - sum) <= 1e-9 * sum)) {
                GEOSGeom_destroy_r(t->h, x);
                x = NULL;
            }
            if (!x && coll) {
                cim_error_clear();
                x = GEOSUnaryUnion_r(t->h, coll);
            }
            if (coll)
                GEOSGeom_destroy_r(t->h, coll);
            u = x ? cim_siting_polygonal(t->h, x) : NULL;
            if (x)
                GEOSGeom_destroy_r(t->h, x);
        }
        n = 0; /* the parts now belong to u or were destroyed with the collection */
        if (!u)
            rc = cim_error_prefix("control layer '%s': union of the overlaps", layer);
    }
    for (size_t i = 0; i < n; i++)
        GEOSGeom_destroy_r(t->h, parts[i]);
    free(parts);
    if (rc)
        return rc;
    if (GEOSArea_r(t->h, u, &w->overlap) != 1)
        rc = cim_error_prefix("control layer '%s': overlap area", layer);
    const GEOSGeometry *conflict = u;
    GEOSGeometry *outside = NULL;
    if (!rc && w->outside) {
        GEOSGeometry *d = GEOSDifference_r(t->h, t->site, u);
        outside = d ? cim_siting_polygonal(t->h, d) : NULL;
        if (d)
            GEOSGeom_destroy_r(t->h, d);
        if (!outside || GEOSArea_r(t->h, outside, &w->outside_area) != 1)
            rc = cim_error_prefix("control layer '%s': the part of the site outside it", layer);
        conflict = outside;
    }
    if (!rc && c->want_geometry && !GEOSisEmpty_r(t->h, conflict))
        rc = keep_wkb(t, conflict, &w->conflict_wkb, &w->conflict_len);
    if (outside)
        GEOSGeom_destroy_r(t->h, outside);
    GEOSGeom_destroy_r(t->h, u);
    return rc;
}

/* ---- reading the control layers ---- */

static int is_token(const char *name, const char *const *tokens)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", name);
    size_t len = strlen(buf);
    if (len >= 2 && !strcasecmp(buf + len - 2, "id"))
        return 1;
    for (char *save = NULL, *tok = strtok_r(buf, "_", &save); tok; tok = strtok_r(NULL, "_", &save))
        for (size_t i = 0; tokens[i]; i++)
            if (!strcasecmp(tok, tokens[i]))
                return 1;
    return 0;
}

/* Up to MAX_ATTRS identifying fields: names that look like ids, names,
 * codes, levels, kinds or uses, in column order; else the first two text
 * fields; else the first two fields. */
static void choose_attrs(cim_siting_layer_result *lr, const cim_layer_info *info)
{
    static const char *const tokens[] = {"id", "name", "code", "level", "kind", "type", "class", "landuse",
                                         "use", "zone", "district", "no", NULL};
    lr->attr_names = calloc(MAX_ATTRS, sizeof *lr->attr_names);
    for (size_t i = 0; i < info->field_count && lr->attr_count < MAX_ATTRS; i++)
        if (is_token(info->fields[i].name, tokens))
            lr->attr_names[lr->attr_count++] = strdup(info->fields[i].name);
    for (size_t i = 0; i < info->field_count && lr->attr_count == 0 && i < 2; i++)
        lr->attr_names[lr->attr_count++] = strdup(info->fields[i].name);
    if (lr->attr_count && !is_token(lr->attr_names[0], tokens)) {
        /* Nothing looks like an id: the first text fields say more than
         * numbers (a district's name, not its centroid). */
        size_t n = 0;
        for (size_t i = 0; i < info->field_count && n < 2; i++)
            if (info->fields[i].type == CIM_FIELD_STRING)
                n++;
        if (n) {
            for (size_t a = 0; a < lr->attr_count; a++)
                free(lr->attr_names[a]);
            lr->attr_count = 0;
            for (size_t i = 0; i < info->field_count && lr->attr_count < n; i++)
                if (info->fields[i].type == CIM_FIELD_STRING)
                    lr->attr_names[lr->attr_count++] = strdup(info->fields[i].name);
        }
    }
}

static int check_control(cim_store *s, const cim_siting_control *ctl, cim_siting_layer_result *lr)
{
    cim_layer_info *info = NULL;
    int rc = cim_layer_info_get(&info, s, ctl->layer);
    if (rc)
        return cim_error_prefix("control layer");
    const char *gt = info->geometry_type ? info->geometry_type : "no geometry";
    if (strcmp(gt, "POLYGON") && strcmp(gt, "MULTIPOLYGON"))
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                           "control layer '%s' holds %s: a control layer must be polygons", ctl->layer, gt);
    else if (info->feature_count == 0)
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                           "control layer '%s' is empty: a check against it would prove nothing", ctl->layer);
    if (!rc) {
        lr->layer = strdup(ctl->layer);
        lr->rule = ctl->rule;
        lr->severity = ctl->severity >= 0 ? (cim_siting_severity)ctl->severity
                                          : cim_siting_rule_default_severity(ctl->rule);
        lr->layer_version = info->version;
        lr->source_sha256 = info->source_sha256 ? strdup(info->source_sha256) : NULL;
        lr->ingested_at = info->ingested_at ? strdup(info->ingested_at) : NULL;
        lr->source = info->source ? strdup(info->source) : NULL;
        lr->layer_features = info->feature_count;
        choose_attrs(lr, info);
    }
    cim_layer_info_free(info);
    return rc;
}

static int read_candidates(ctx *c, size_t li, const double env[4])
{
    cim_store *s = c->store;
    cim_siting_layer_result *lr = &c->res->layers[li];
    const char *name = lr->layer;
    cim_buf cols = {0};
    for (size_t i = 0; i < lr->attr_count; i++) {
        char *q = sqlite3_mprintf(", t.\"%w\"", lr->attr_names[i]);
        cim_json_raw(&cols, q);
        sqlite3_free(q);
    }
    /* The index's candidates: the R*Tree on SpatiaLite, GiST && on PostGIS. */
    char idx[80];
    snprintf(idx, sizeof idx, "idx_%s_geom", name);
    int indexed = cim_store_is_pg(s) || cim_store_table_exists(s, idx);
    char *iq = indexed ? cim_sql_index_query(s, name) : NULL;
    cim_sql *st = NULL;
    int rc = indexed ? cim_sql_preparef(s, &st,
                                        "SELECT t.fid, t.geom%s FROM \"%w\" t WHERE t.geom IS NOT NULL AND t.fid IN"
                                        " (%s) ORDER BY t.fid",
                                        cols.len ? cim_json_text(&cols) : "", name, iq)
                     : cim_sql_preparef(s, &st,
                                        "SELECT t.fid, t.geom%s FROM \"%w\" t WHERE t.geom IS NOT NULL"
                                        " ORDER BY t.fid",
                                        cols.len ? cim_json_text(&cols) : "", name);
    sqlite3_free(iq);
    cim_buf_free(&cols);
    if (rc)
        return rc;
    /* The index query's order: ?1 minx, ?2 maxx, ?3 miny, ?4 maxy. */
    if (indexed) {
        cim_sql_bind_double(st, 1, env[0]);
        cim_sql_bind_double(st, 2, env[2]);
        cim_sql_bind_double(st, 3, env[1]);
        cim_sql_bind_double(st, 4, env[3]);
    }
    c->lw[li].first = c->ncand;
    while ((rc = cim_sql_step(st)) == CIM_SQL_ROW) {
        if (c->ncand == c->capcand) {
            c->capcand = c->capcand ? 2 * c->capcand : 256;
            c->cands = realloc(c->cands, c->capcand * sizeof *c->cands);
        }
        cand *k = &c->cands[c->ncand++];
        memset(k, 0, sizeof *k);
        k->fid = cim_sql_int64(st, 0);
        k->layer = li;
        k->blob_len = (size_t)cim_sql_bytes(st, 1);
        k->blob = malloc(k->blob_len ? k->blob_len : 1);
        if (k->blob_len)
            memcpy(k->blob, cim_sql_blob(st, 1), k->blob_len);
        if (lr->attr_count) {
            k->values = calloc(lr->attr_count, sizeof *k->values);
            for (size_t i = 0; i < lr->attr_count; i++) {
                const char *v = cim_sql_text(st, (int)i + 2);
                k->values[i] = v ? strdup(v) : NULL;
            }
        }
    }
    c->lw[li].count = c->ncand - c->lw[li].first;
    cim_sql_finalize(st);
    return rc == CIM_SQL_DONE ? CIM_OK : rc;
}

/* ---- the answer ---- */

static void fill_layer(ctx *c, size_t li)
{
    cim_siting_result *res = c->res;
    cim_siting_layer_result *lr = &res->layers[li];
    layer_work *w = &c->lw[li];
    double site = res->site_area_m2, thr = res->threshold_m2;
    lr->overlap_m2 = w->overlap;
    lr->overlap_pct = 100.0 * w->overlap / site;
    lr->intersects = w->overlap > 0 && w->overlap >= thr;
    lr->conflict_m2 = w->outside ? w->outside_area : w->overlap;
    lr->conflict_pct = 100.0 * lr->conflict_m2 / site;
    lr->conflict = lr->conflict_m2 > 0 && lr->conflict_m2 >= thr;
    lr->effect = lr->conflict ? lr->severity : CIM_SITING_NONE;
    size_t n = 0;
    for (size_t i = w->first; i < w->first + w->count; i++)
        n += c->pieces[i].touches;
    lr->features = calloc(n + 1, sizeof *lr->features);
    for (size_t i = w->first; i < w->first + w->count; i++) {
        const piece *p = &c->pieces[i];
        if (!p->touches)
            continue;
        cim_siting_feature *f = &lr->features[lr->feature_count++];
        f->fid = c->cands[i].fid;
        f->area_m2 = p->area;
        f->pct = 100.0 * p->area / site;
        f->sliver = !(p->area > 0 && p->area >= thr);
        f->values = c->cands[i].values;
        c->cands[i].values = NULL;
        if (f->sliver)
            lr->sliver_count++;
        else
            lr->hit_count++;
    }
    if (lr->effect > res->verdict)
        res->verdict = lr->effect;
}

static void lineage_json(cim_buf *b, const cim_siting_result *res)
{
    char num[160];
    cim_json_raw(b, "{\"operation\":\"check siting\",");
    cim_json_kv(b, "site", res->site);
    snprintf(num, sizeof num, ",\"site_area_m2\":%.17g,\"tolerance_m2\":%.17g,\"tolerance_pct\":%.17g,",
             res->site_area_m2, res->tolerance_m2, res->tolerance_pct);
    cim_json_raw(b, num);
    cim_json_kv(b, "verdict", cim_siting_severity_name(res->verdict));
    cim_json_raw(b, ",\"controls\":[");
    for (size_t i = 0; i < res->layer_count; i++) {
        const cim_siting_layer_result *lr = &res->layers[i];
        cim_json_raw(b, i ? ",{" : "{");
        cim_json_kv(b, "layer", lr->layer);
        cim_json_raw(b, ",");
        cim_json_kv(b, "rule", cim_siting_rule_name(lr->rule));
        cim_json_raw(b, ",");
        cim_json_kv(b, "severity", cim_siting_severity_name(lr->severity));
        snprintf(num, sizeof num, ",\"version\":%lld,", (long long)lr->layer_version);
        cim_json_raw(b, num);
        cim_json_kv(b, "sha256", lr->source_sha256);
        cim_json_raw(b, "}");
    }
    cim_json_raw(b, "]}");
}

static int write_out(ctx *c)
{
    cim_store *s = c->store;
    const cim_siting_options *o = c->o;
    cim_siting_result *res = c->res;
    int rc = cim_store_begin(s);
    if (rc)
        return rc;
    char now[32];
    cim_utc_now(now);
    int64_t run = 0;
    cim_derived *d = NULL;
    rc = cim_run_insert(s, &run, "check siting", o->command_line ? o->command_line : o->out, now);
    static const cim_derived_field fields[] = {
        {"layer", CIM_FIELD_STRING},  {"rule", CIM_FIELD_STRING}, {"severity", CIM_FIELD_STRING},
        {"part", CIM_FIELD_STRING},   {"conflict", CIM_FIELD_BOOLEAN}, {"area_m2", CIM_FIELD_REAL},
        {"pct", CIM_FIELD_REAL},      {"features", CIM_FIELD_INTEGER}};
    if (!rc)
        rc = cim_derived_begin(&d, s, o->out, CIM_WKB_MULTIPOLYGON, fields, 8, o->replace);
    size_t rows = 0;
    for (size_t i = 0; i < res->layer_count && !rc; i++) {
        const cim_siting_layer_result *lr = &res->layers[i];
        const layer_work *w = &c->lw[i];
        if (!w->conflict_wkb)
            continue;
        const char *rule = cim_siting_rule_name(lr->rule), *sev = cim_siting_severity_name(lr->severity);
        const char *part = w->outside ? "outside" : "overlap";
        cim_src_value v[8] = {{.s = lr->layer, .slen = strlen(lr->layer)},
                              {.s = rule, .slen = strlen(rule)},
                              {.s = sev, .slen = strlen(sev)},
                              {.s = part, .slen = strlen(part)},
                              {.i = lr->conflict},
                              {.d = lr->conflict_m2},
                              {.d = lr->conflict_pct},
                              {.i = (int64_t)lr->hit_count}};
        rc = cim_derived_put(d, w->conflict_wkb, w->conflict_len, v);
        rows++;
    }
    cim_buf lin = {0};
    lineage_json(&lin, res);
    if (!rc)
        rc = cim_derived_finish(d, run, "siting", cim_json_text(&lin));
    cim_buf_free(&lin);
    cim_derived_free(d);
    char counts[160];
    size_t conflicts = 0;
    for (size_t i = 0; i < res->layer_count; i++)
        conflicts += (size_t)res->layers[i].conflict;
    snprintf(counts, sizeof counts, "{\"controls\":%zu,\"conflicts\":%zu,\"rows\":%zu,\"verdict\":\"%s\"}",
             res->layer_count, conflicts, rows, cim_siting_severity_name(res->verdict));
    if (!rc)
        rc = cim_run_finish(s, run, counts, NULL);
    if (!rc)
        rc = cim_store_commit(s);
    if (rc) {
        cim_store_rollback(s);
        return rc;
    }
    res->run_id = run;
    res->out_layer = strdup(o->out);
    res->out_rows = rows;
    return CIM_OK;
}

/* ---- the whole check ---- */

static int check_options(const cim_siting_options *o)
{
    if (!!o->site_file == !!o->site_layer)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give the site as a file or as a store layer (one of them)");
    if (o->site_where && !o->site_layer)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--where filters a site layer: give --site-layer");
    if (o->site_srs && !o->site_file)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--s-srs is the CRS of a site file: give --site");
    if (o->control_count == 0 || !o->controls)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give at least one control layer");
    if (!(o->tolerance_m2 < 0 || isfinite(o->tolerance_m2)) || !(o->tolerance_pct < 0 || o->tolerance_pct <= 100))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "tolerance: square metres must be finite, a percentage at most 100");
    if (o->out && cim_layer_name_check(o->out))
        return cim_error_prefix("--out");
    for (size_t i = 0; i < o->control_count; i++) {
        const cim_siting_control *c = &o->controls[i];
        if (!c->layer || (unsigned)c->rule > CIM_SITING_OUTSIDE_FORBIDDEN || c->severity > CIM_SITING_FAIL ||
            c->severity < -1)
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "control %zu: bad layer, rule or severity", i + 1);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(o->controls[j].layer, c->layer))
                return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "control layer '%s' is given twice", c->layer);
        if (o->out && !strcmp(o->out, c->layer))
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--out '%s' is a control layer of this check",
                                 o->out);
    }
    if (o->out && o->site_layer && !strcmp(o->out, o->site_layer))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--out '%s' is the site layer", o->out);
    return CIM_OK;
}

static int progress(const cim_siting_options *o, double f, const char *stage)
{
    if (o->progress && o->progress(f, stage, o->progress_payload))
        return cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
    return CIM_OK;
}

static int run_check(ctx *c)
{
    const cim_siting_options *o = c->o;
    cim_siting_result *res = c->res;
    int rc;
    for (size_t i = 0; i < o->control_count; i++) {
        res->layer_count = i + 1;
        if ((rc = check_control(c->store, &o->controls[i], &res->layers[i])))
            return rc;
    }
    if ((rc = progress(o, 0.0, "site")))
        return rc;
    GEOSContextHandle_t h = cim_geos_context_new();
    GEOSGeometry *site = cim_siting_site_read(h, c->store, o, &res->site_features);
    rc = site ? CIM_OK : (cim_error_last() ? cim_error_last()->code : CIM_EINTERNAL);
    double env[4] = {0, 0, 0, 0};
    if (!rc) {
        GEOSArea_r(h, site, &res->site_area_m2);
        GEOSGeom_getXMin_r(h, site, &env[0]);
        GEOSGeom_getYMin_r(h, site, &env[1]);
        GEOSGeom_getXMax_r(h, site, &env[2]);
        GEOSGeom_getYMax_r(h, site, &env[3]);
        memcpy(res->site_extent, env, sizeof env);
        cim_geos_io io;
        cim_geos_io_init(&io, h);
        unsigned char *w = cim_geos_to_wkb(&io, site, &c->site_wkb_len);
        if (w) {
            c->site_wkb = malloc(c->site_wkb_len);
            memcpy(c->site_wkb, w, c->site_wkb_len);
            GEOSFree_r(h, w);
        } else {
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "cannot write the site as WKB");
        }
        cim_geos_io_clear(&io);
        GEOSGeom_destroy_r(h, site);
    }
    GEOS_finish_r(h);
    if (rc)
        return rc;
    res->threshold_m2 = fmax(res->tolerance_m2, res->tolerance_pct / 100.0 * res->site_area_m2);

    for (size_t i = 0; i < res->layer_count && !rc; i++) {
        c->lw[i].outside = res->layers[i].rule == CIM_SITING_OUTSIDE_FORBIDDEN;
        rc = read_candidates(c, i, env);
    }
    if (!rc)
        rc = progress(o, 0.2, "overlay");
    if (rc)
        return rc;
    c->pieces = calloc(c->ncand + 1, sizeof *c->pieces);
    cim_pool_spec spec = {o->threads, c->ncand, c, state_init, state_fini, run_feature};
    if ((rc = cim_pool_run(&spec)))
        return rc;
    spec.tasks = res->layer_count;
    spec.run = run_layer;
    if ((rc = cim_pool_run(&spec)))
        return rc;
    for (size_t i = 0; i < res->layer_count; i++)
        fill_layer(c, i);
    if (o->out) {
        if ((rc = progress(o, 0.9, "write")))
            return rc;
        rc = write_out(c);
    }
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cim_siting_check(cim_siting_result **out, cim_store *store, const cim_siting_options *opts)
{
    cim_siting_options defaults = CIM_SITING_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    int rc = check_options(opts);
    if (rc)
        return rc;
    if (opts->out && store->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only: --out cannot write",
                             store->path);
    double t0 = now_seconds();
    cim_siting_result *res = calloc(1, sizeof *res);
    res->tolerance_m2 = opts->tolerance_m2 < 0 ? DEFAULT_TOLERANCE_M2 : opts->tolerance_m2;
    res->tolerance_pct = opts->tolerance_pct < 0 ? DEFAULT_TOLERANCE_PCT : opts->tolerance_pct;
    res->layers = calloc(opts->control_count, sizeof *res->layers);
    if (opts->site_file) {
        res->site = strdup(opts->site_file);
    } else {
        size_t n = strlen(opts->site_layer) + (opts->site_where ? strlen(opts->site_where) : 0) + 32;
        res->site = malloc(n);
        snprintf(res->site, n, "layer %s%s%s", opts->site_layer, opts->site_where ? " where " : "",
                 opts->site_where ? opts->site_where : "");
    }
    ctx c = {.store = store, .o = opts, .res = res, .want_geometry = opts->out != NULL};
    c.lw = calloc(opts->control_count, sizeof *c.lw);
    rc = run_check(&c);
    for (size_t i = 0; i < c.ncand; i++) {
        free(c.cands[i].blob);
        if (c.cands[i].values) {
            size_t na = res->layers[c.cands[i].layer].attr_count;
            for (size_t k = 0; k < na; k++)
                free(c.cands[i].values[k]);
            free(c.cands[i].values);
        }
        if (c.pieces)
            free(c.pieces[i].wkb);
    }
    free(c.cands);
    free(c.pieces);
    for (size_t i = 0; i < opts->control_count; i++)
        free(c.lw[i].conflict_wkb);
    free(c.lw);
    free(c.site_wkb);
    res->seconds = now_seconds() - t0;
    if (rc) {
        cim_siting_result_free(res);
        return rc;
    }
    *out = res;
    return CIM_OK;
}

void cim_siting_result_free(cim_siting_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->layer_count; i++) {
        cim_siting_layer_result *lr = &res->layers[i];
        for (size_t k = 0; k < lr->feature_count; k++) {
            if (lr->features[k].values)
                for (size_t a = 0; a < lr->attr_count; a++)
                    free(lr->features[k].values[a]);
            free(lr->features[k].values);
        }
        free(lr->features);
        for (size_t a = 0; a < lr->attr_count; a++)
            free(lr->attr_names[a]);
        free(lr->attr_names);
        free(lr->layer);
        free(lr->source_sha256);
        free(lr->ingested_at);
        free(lr->source);
    }
    free(res->layers);
    free(res->site);
    free(res->out_layer);
    free(res);
}
