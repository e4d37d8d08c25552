/* redline.c: cim_check_redline: validates and reads the parcels and block
 * lines, runs the overlay (redline_overlay.c), derives the findings (IBL-01
 * partial parcels, IBL-02 conversions, IBL-03 M0 cap, IBL-05 area balance with
 * redline_balance.c, IBL-06 contiguity) and
 * writes the result layer and the findings table in one transaction. */
#include "redline_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf_int.h"
#include "derived_int.h"
#include "geos_io_int.h"
#include "json_int.h"
#include "pool_int.h"
#include "store_int.h"
#include "wkb_int.h"

typedef struct rl_finding {
    int rule;            /* 1..6 */
    cim_severity sev;
    int64_t parcel_fid;  /* -1: a line-level finding */
    int64_t line_fid;
    char *message, *figures;
} rl_finding;

typedef struct rl_ctx {
    cim_store *s;
    const cim_redline_options *o;
    cim_redline_params prm;
    const char *level_field, *landuse_field, *proposed_field, *out;
    char findings_name[160];
    rl_job job;
    cim_buf pblobs, lblobs;
    rl_finding *f;
    size_t nf, capf;
    unsigned char *cand;       /* by parcel fid: its box meets a line's (NULL: read all) */
    int64_t cand_max;
    rl_line *before, *prot;    /* IBL-05: the lines before adjustment, protected land */
    size_t nbefore, nprot;
    cim_buf bblobs, pbuf;
    cim_redline_result *res;
} rl_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int oom(void)
{
    return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
}

static int progress(rl_ctx *c, double frac, const char *stage)
{
    if (c->o->progress && c->o->progress(frac, stage, c->o->progress_payload))
        return cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
    return CIM_OK;
}

/* ---- validation ---- */

static int check_layer(rl_ctx *c, const char *name, const char *what)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->s->db, "SELECT geometry_type, srid FROM cim_layers WHERE name = ?", -1, &st, NULL))
        return cim_store_sqlite_error(c->s, "cim_layers");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int rc = CIM_OK;
    if (sqlite3_step(st) != SQLITE_ROW || !cim_store_table_exists(c->s, name)) {
        rc = cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "%s layer '%s' not found in the store", what, name);
    } else {
        const char *gt = (const char *)sqlite3_column_text(st, 0);
        int srid = sqlite3_column_int(st, 1);
        if (!gt || (strncmp(gt, "POLYGON", 7) && strncmp(gt, "MULTIPOLYGON", 12)))
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                               "%s layer '%s' has %s geometry; polygons are needed", what, name,
                               gt ? gt : "no");
        else if (srid != c->s->srid)
            rc = cim_error_set(CIM_ECRS, CIM_ERRCLASS_FORMAT, "%s layer '%s' is in EPSG:%d, the store in EPSG:%d",
                               what, name, srid, c->s->srid);
    }
    sqlite3_finalize(st);
    return rc;
}

static int check_field(rl_ctx *c, const char *layer, const char *field, const char *option)
{
    if (!field || !*field)
        return CIM_OK;
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name = %Q COLLATE NOCASE", layer, field);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc)
        return cim_store_sqlite_error(c->s, "table_info");
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!found || !strcmp(field, "geom") || !strcmp(field, "fid"))
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s' has no field '%s' (%s)", layer, field,
                             option);
    return CIM_OK;
}

/* ---- reading ---- */

static int blob_box(const uint8_t *b, size_t n, double box[4]);

static int put_blob(cim_buf *b, sqlite3_stmt *st, int col, size_t *off, size_t *len)
{
    *off = b->len;
    *len = 0;
    if (sqlite3_column_type(st, col) != SQLITE_BLOB)
        return CIM_OK;
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    if (cim_buf_reserve(b, n + 1))
        return oom();
    cim_buf_put(b, sqlite3_column_blob(st, col), n);
    *len = n;
    return CIM_OK;
}

static char *col_text(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? strdup(t) : NULL;
}

/* A polygon layer of lines into lines/n (fid order), blobs into buf. With
 * level field "", every line has default_level. */
static int read_line_layer(rl_ctx *c, const char *layer, const char *lf, int default_level, rl_line **lines,
                           size_t *n, cim_buf *buf, int64_t *count)
{
    char *sql = *lf ? sqlite3_mprintf("SELECT fid, geom, \"%w\" FROM \"%w\" ORDER BY fid", lf, layer)
                    : sqlite3_mprintf("SELECT fid, geom, NULL FROM \"%w\" ORDER BY fid", layer);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc)
        return cim_store_sqlite_error(c->s, layer);
    size_t cap = 0;
    rc = CIM_OK;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (count)
            (*count)++;
        if (sqlite3_column_type(st, 1) != SQLITE_BLOB)
            continue;
        int64_t fid = sqlite3_column_int64(st, 0);
        int level = default_level;
        if (*lf) {
            int t = sqlite3_column_type(st, 2);
            double d = sqlite3_column_double(st, 2);
            const char *txt = (const char *)sqlite3_column_text(st, 2);
            if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
                level = d == 1.0 ? 1 : d == 2.0 ? 2 : 0;
            else if (t == SQLITE_TEXT && txt)
                level = !strcmp(txt, "1") ? 1 : !strcmp(txt, "2") ? 2 : 0;
            if (!level) {
                rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                                   "layer '%s', feature fid %lld: %s '%s' is not a block-line level (1 or 2)", layer,
                                   (long long)fid, lf, txt ? txt : "NULL");
                break;
            }
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            rl_line *m = realloc(*lines, cap * sizeof *m);
            if (!m) {
                rc = oom();
                break;
            }
            *lines = m;
        }
        rl_line *l = &(*lines)[(*n)++];
        l->fid = fid;
        l->level = level;
        rc = put_blob(buf, st, 1, &l->blob_off, &l->blob_len);
        l->has_box = !rc && blob_box(buf->data + l->blob_off, l->blob_len, l->box);
    }
    if (!rc && step != SQLITE_DONE)
        rc = cim_store_sqlite_error(c->s, layer);
    sqlite3_finalize(st);
    if (!rc && !*n)
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "layer '%s' has no features with geometry", layer);
    return rc;
}

static int read_lines(rl_ctx *c)
{
    int rc = read_line_layer(c, c->o->lines, c->level_field, c->o->default_level, &c->job.lines, &c->job.nl,
                             &c->lblobs, &c->res->lines);
    if (!rc && c->o->lines_before)
        rc = read_line_layer(c, c->o->lines_before, c->level_field, c->o->default_level, &c->before, &c->nbefore,
                             &c->bblobs, NULL);
    if (!rc && c->o->protected_layer)
        rc = read_line_layer(c, c->o->protected_layer, "", 1, &c->prot, &c->nprot, &c->pbuf, NULL);
    return rc;
}

/* The MBR a SpatiaLite blob carries in its header (little-endian blobs on
 * a little-endian host); 0 when it cannot be read that way. */
static int blob_box(const uint8_t *b, size_t n, double box[4])
{
    const uint16_t one = 1;
    if (n < 39 || b[0] != 0x00 || b[1] != 0x01 || b[38] != 0x7C || *(const uint8_t *)&one != 1)
        return 0;
    memcpy(box, b + 6, 4 * sizeof(double));
    return box[0] <= box[2] && box[1] <= box[3];
}

/* Marks the parcels whose index box meets a line's box (the layer's packed
 * R*Tree, float boxes rounded outwards), so the others are never decoded.
 * Leaves c->cand NULL (read everything) when there is no usable index. */
static int mark_candidates(rl_ctx *c)
{
    char idx[200];
    snprintf(idx, sizeof idx, "idx_%s_geom", c->o->parcels);
    if (!cim_store_table_exists(c->s, idx))
        return CIM_OK;
    for (size_t i = 0; i < c->job.nl; i++)
        if (!c->job.lines[i].has_box)
            return CIM_OK;
    char *sql = sqlite3_mprintf("SELECT max(fid) FROM \"%w\"", c->o->parcels);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc)
        return cim_store_sqlite_error(c->s, c->o->parcels);
    int64_t maxfid = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (maxfid <= 0 || maxfid > 200000000)
        return CIM_OK;
    sql = sqlite3_mprintf("SELECT pkid FROM \"%w\" WHERE xmax >= ?1 AND xmin <= ?2 AND ymax >= ?3 AND ymin <= ?4",
                          idx);
    rc = sqlite3_prepare_v2(c->s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc)
        return CIM_OK; /* not an R*Tree of the expected shape: read everything */
    unsigned char *mark = calloc((size_t)maxfid + 1, 1);
    if (!mark) {
        sqlite3_finalize(st);
        return oom();
    }
    for (size_t i = 0; i < c->job.nl && !rc; i++) {
        const double *b = c->job.lines[i].box;
        sqlite3_bind_double(st, 1, b[0]);
        sqlite3_bind_double(st, 2, b[2]);
        sqlite3_bind_double(st, 3, b[1]);
        sqlite3_bind_double(st, 4, b[3]);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(st, 0);
            if (id >= 0 && id <= maxfid)
                mark[id] = 1;
        }
        if (step != SQLITE_DONE)
            rc = cim_store_sqlite_error(c->s, idx);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc) {
        free(mark);
        return rc;
    }
    c->cand = mark;
    c->cand_max = maxfid;
    return CIM_OK;
}

static int64_t scalar_int(rl_ctx *c, const char *sql, int *rc)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    *rc = CIM_OK;
    if (sqlite3_prepare_v2(c->s->db, sql, -1, &st, NULL)) {
        *rc = cim_store_sqlite_error(c->s, c->o->parcels);
        return 0;
    }
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        *rc = cim_store_sqlite_error(c->s, c->o->parcels);
    sqlite3_finalize(st);
    return v;
}

static int keep_parcel(rl_ctx *c, sqlite3_stmt *st, size_t *cap)
{
    if (c->job.np == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        rl_parcel *n = realloc(c->job.parcels, *cap * sizeof *n);
        if (!n)
            return oom();
        c->job.parcels = n;
    }
    rl_parcel *p = &c->job.parcels[c->job.np++];
    memset(p, 0, sizeof *p);
    p->fid = sqlite3_column_int64(st, 0);
    p->landuse = col_text(st, 2);
    p->plan = col_text(st, 3);
    return put_blob(&c->pblobs, st, 1, &p->blob_off, &p->blob_len);
}

/* The parcels, in fid order: with the index filter only those whose box
 * meets a line's (point lookups; the others are outside every line and never
 * read), else all of them. */
static int read_parcels(rl_ctx *c)
{
    int rc;
    char *sql = sqlite3_mprintf("SELECT 1 FROM \"%w\" WHERE geom IS NOT NULL LIMIT 1", c->o->parcels);
    int64_t any = scalar_int(c, sql, &rc);
    sqlite3_free(sql);
    if (rc)
        return rc;
    if (!any)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "parcel layer '%s' has no features with geometry",
                             c->o->parcels);
    const char *uf = *c->landuse_field ? c->landuse_field : NULL;
    const char *pf = *c->proposed_field ? c->proposed_field : NULL;
    sql = sqlite3_mprintf("SELECT fid, geom, %s%w%s, %s%w%s FROM \"%w\" %s", uf ? "\"" : "", uf ? uf : "NULL",
                          uf ? "\"" : "", pf ? "\"" : "", pf ? pf : "NULL", pf ? "\"" : "", c->o->parcels,
                          c->cand ? "WHERE fid = ?" : "ORDER BY fid");
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(c->s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc)
        return cim_store_sqlite_error(c->s, c->o->parcels);
    size_t cap = 0;
    int step = SQLITE_DONE;
    rc = CIM_OK;
    if (c->cand) {
        sql = sqlite3_mprintf("SELECT feature_count FROM cim_layers WHERE name = %Q", c->o->parcels);
        c->res->parcels = scalar_int(c, sql, &rc);
        sqlite3_free(sql);
        for (int64_t fid = 0; !rc && fid <= c->cand_max; fid++) {
            if (!c->cand[fid])
                continue;
            sqlite3_bind_int64(st, 1, fid);
            step = sqlite3_step(st);
            if (step == SQLITE_ROW) {
                rc = keep_parcel(c, st, &cap);
                step = sqlite3_step(st);
            }
            if (!rc && step != SQLITE_DONE)
                rc = cim_store_sqlite_error(c->s, c->o->parcels);
            sqlite3_reset(st);
        }
    } else {
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            c->res->parcels++;
            rc = keep_parcel(c, st, &cap);
        }
        if (!rc && step != SQLITE_DONE)
            rc = cim_store_sqlite_error(c->s, c->o->parcels);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- findings ---- */

static int add_finding(rl_ctx *c, int rule, cim_severity sev, int64_t parcel_fid, int64_t line_fid, char *message,
                       char *figures)
{
    if (!message || !figures) {
        free(message);
        free(figures);
        return oom();
    }
    if (c->nf == c->capf) {
        size_t cap = c->capf ? 2 * c->capf : 64;
        rl_finding *n = realloc(c->f, cap * sizeof *n);
        if (!n) {
            free(message);
            free(figures);
            return oom();
        }
        c->f = n;
        c->capf = cap;
    }
    c->f[c->nf++] = (rl_finding){rule, sev, parcel_fid, line_fid, message, figures};
    c->res->findings[rule - 1][sev]++;
    if (sev == CIM_SEVERITY_ERROR)
        c->res->errors++;
    return CIM_OK;
}

static char *fmt(const char *f, ...) CIM_PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
    va_list ap, aq;
    va_start(ap, f);
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, f, aq);
    va_end(aq);
    return s;
}

/* The dominant (first) code of a land-use value: "R2+C1" -> "R2", trimmed
 * and upper-cased; "" for NULL. */
static void dominant(const char *code, char out[24])
{
    size_t n = 0;
    out[0] = 0;
    if (!code)
        return;
    while (isspace((unsigned char)*code))
        code++;
    while (*code && *code != '+' && !isspace((unsigned char)*code) && n < 23)
        out[n++] = (char)toupper((unsigned char)*code++);
    out[n] = 0;
}

static int is_m0(const char *d) { return !strcmp(d, "M0"); }
static int is_m1(const char *d) { return !strcmp(d, "M1"); }
/* Residential R1-R4 and commercial C1, C5: what IBL-02 forbids. */
static int is_conversion(const char *d) { return d[0] == 'R' || d[0] == 'C'; }
/* Support uses: transport S, utilities U, green G1/G2 and public facilities GIC. */
static int is_support(const char *d) { return d[0] == 'S' || d[0] == 'U' || d[0] == 'G'; }

/* A JSON string literal of s, for figures. */
static char *jstr(const char *s)
{
    cim_buf b = {0};
    cim_json_str(&b, s);
    cim_json_text(&b);
    return (char *)b.data;
}

static int parcel_findings(rl_ctx *c)
{
    const cim_redline_params *P = &c->prm;
    int rc = CIM_OK;
    /* IBL-01: parcels partly inside a line. */
    for (size_t t = 0; !rc && t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; !rc && i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            if (h->status != RL_PARTIAL)
                continue;
            const rl_parcel *p = &c->job.parcels[h->parcel];
            const rl_line *l = &c->job.lines[h->line];
            rc = add_finding(c, 1, P->partial, p->fid, l->fid,
                             fmt("parcel fid %lld is %.1f %% inside level-%d line fid %lld: partial (inside needs "
                                 "%.1f %%)",
                                 (long long)p->fid, 100 * h->share, l->level, (long long)l->fid,
                                 100 * P->inside_share),
                             fmt("{\"inside_share\":%.10g,\"inside_m2\":%.3f,\"parcel_m2\":%.3f,\"level\":%d}",
                                 h->share, h->area, p->area, l->level));
        }
    }
    /* IBL-02: industrial land inside a line planned for another use. */
    for (size_t t = 0; !rc && t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; !rc && i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            if (h->status != RL_INSIDE)
                continue;
            const rl_parcel *p = &c->job.parcels[h->parcel];
            const rl_line *l = &c->job.lines[h->line];
            char cur[24], plan[24];
            dominant(p->landuse, cur);
            dominant(p->plan, plan);
            if (!(is_m0(cur) || is_m1(cur)) || !plan[0])
                continue;
            cim_severity sev;
            const char *what;
            if (is_conversion(plan)) {
                sev = l->level == 1 ? P->conversion_level1 : P->conversion_level2;
                what = "forbidden conversion";
            } else if (is_support(plan)) {
                sev = P->support_use;
                what = "support use";
            } else {
                continue;
            }
            char *ju = jstr(p->landuse), *jp = jstr(p->plan);
            rc = add_finding(c, 2, sev, p->fid, l->fid,
                             fmt("parcel fid %lld: %s %s -> %s inside level-%d line fid %lld (%.1f %% inside)",
                                 (long long)p->fid, what, p->landuse, p->plan, l->level, (long long)l->fid,
                                 100 * h->share),
                             (ju && jp) ? fmt("{\"landuse\":%s,\"proposed\":%s,\"level\":%d,\"inside_share\":%.10g}",
                                              ju, jp, l->level, h->share)
                                        : NULL);
            free(ju);
            free(jp);
        }
    }
    return rc;
}

/* IBL-03: per line, area(M0) / area(M0 + M1) of the land inside it (the
 * parts of the parcels beyond the sliver tolerance, by current use). */
static int m0_cap(rl_ctx *c)
{
    if (!*c->landuse_field)
        return CIM_OK;
    double *m0 = calloc(c->job.nl + 1, sizeof *m0), *m1 = calloc(c->job.nl + 1, sizeof *m1);
    if (!m0 || !m1) {
        free(m0);
        free(m1);
        return oom();
    }
    for (size_t t = 0; t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            char cur[24];
            dominant(c->job.parcels[h->parcel].landuse, cur);
            if (is_m0(cur))
                m0[h->line] += h->area;
            else if (is_m1(cur))
                m1[h->line] += h->area;
        }
    }
    int rc = CIM_OK;
    for (size_t i = 0; !rc && i < c->job.nl; i++) {
        const rl_line *l = &c->job.lines[i];
        double cap = l->level == 1 ? c->prm.m0_cap_level1 : c->prm.m0_cap_level2;
        double ind = m0[i] + m1[i];
        if (!(ind > 0) || m0[i] / ind <= cap)
            continue;
        rc = add_finding(c, 3, c->prm.m0_cap, -1, l->fid,
                         fmt("level-%d line fid %lld: M0 is %.1f %% of its industrial land, over the cap of %.1f %%",
                             l->level, (long long)l->fid, 100 * m0[i] / ind, 100 * cap),
                         fmt("{\"m0_m2\":%.3f,\"m1_m2\":%.3f,\"m0_share\":%.10g,\"cap\":%.10g,\"level\":%d}", m0[i],
                             m1[i], m0[i] / ind, cap, l->level));
    }
    free(m0);
    free(m1);
    return rc;
}

/* IBL-04: per line, the industrial share of the floor area of the parcels in
 * it: each parcel's GFA (from the indicators layer) weighted by its share
 * inside the line, as FAR apportions a footprint's floor area; industrial
 * means current use M0 or M1. Lines without floor area are not judged. */
static int gfa_share(rl_ctx *c)
{
    if (!c->o->gfa_layer)
        return CIM_OK;
    c->res->gfa_run = 1;
    double *gfa = NULL;
    int rc = rl_gfa_read(&gfa, c->s, c->o->gfa_layer, c->job.parcels, c->job.np);
    if (rc)
        return rc;
    size_t nl = c->job.nl;
    double *ind = calloc(nl + 1, sizeof *ind), *all = calloc(nl + 1, sizeof *all);
    int64_t *unknown = calloc(nl + 1, sizeof *unknown);
    if (!ind || !all || !unknown)
        rc = oom();
    for (size_t t = 0; !rc && t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            double g = gfa[h->parcel];
            if (isnan(g)) {
                unknown[h->line]++;
                continue;
            }
            char cur[24];
            dominant(c->job.parcels[h->parcel].landuse, cur);
            all[h->line] += g * h->share;
            if (is_m0(cur) || is_m1(cur))
                ind[h->line] += g * h->share;
        }
    }
    const double min = c->prm.industrial_gfa_share;
    for (size_t i = 0; !rc && i < nl; i++) {
        const rl_line *l = &c->job.lines[i];
        if (!(all[i] > 0) || ind[i] / all[i] >= min - 1e-12)
            continue;
        rc = add_finding(c, 4, c->prm.gfa_share, -1, l->fid,
                         fmt("level-%d line fid %lld: industrial floor area is %.1f %% of the floor area in it, "
                             "under the minimum of %.1f %%",
                             l->level, (long long)l->fid, 100 * ind[i] / all[i], 100 * min),
                         fmt("{\"industrial_gfa_m2\":%.3f,\"gfa_m2\":%.3f,\"industrial_share\":%.10g,\"minimum\":%.10g,"
                             "\"parcels_without_gfa\":%lld,\"level\":%d}",
                             ind[i], all[i], ind[i] / all[i], min, (long long)unknown[i], l->level));
    }
    free(gfa);
    free(ind);
    free(all);
    free(unknown);
    return rc;
}

static size_t uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* IBL-06: lines within the gap of each other form one block; blocks under
 * the minimum area are reported. All tiers are dissolved together. */
static int contiguity(rl_ctx *c)
{
    size_t n = c->job.nl;
    GEOSContextHandle_t h = cim_geos_context_new();
    cim_geos_io io;
    cim_geos_io_init(&io, h);
    GEOSGeometry **g = calloc(n + 1, sizeof *g);
    double *box = calloc(4 * n + 1, sizeof *box);
    size_t *parent = calloc(n + 1, sizeof *parent), *members = calloc(n + 1, sizeof *members);
    int rc = (g && box && parent && members) ? CIM_OK : oom();
    double gap = c->prm.contiguity_gap_m;
    for (size_t i = 0; !rc && i < n; i++) {
        const rl_line *l = &c->job.lines[i];
        parent[i] = i;
        if (!(g[i] = cim_geos_from_blob(&io, c->lblobs.data + l->blob_off, l->blob_len))) {
            rc = cim_error_prefix("layer '%s', feature fid %lld: ", c->o->lines, (long long)l->fid);
            break;
        }
        GEOSGeom_getXMin_r(h, g[i], &box[4 * i]);
        GEOSGeom_getYMin_r(h, g[i], &box[4 * i + 1]);
        GEOSGeom_getXMax_r(h, g[i], &box[4 * i + 2]);
        GEOSGeom_getYMax_r(h, g[i], &box[4 * i + 3]);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        for (size_t j = i + 1; !rc && j < n; j++) {
            const double *a = &box[4 * i], *b = &box[4 * j];
            if (a[0] - gap > b[2] || b[0] - gap > a[2] || a[1] - gap > b[3] || b[1] - gap > a[3])
                continue;
            size_t ri = uf_find(parent, i), rj = uf_find(parent, j);
            if (ri == rj)
                continue;
            double d = 0;
            if (!GEOSDistance_r(h, g[i], g[j], &d)) {
                rc = cim_error_prefix("lines fid %lld and %lld: distance: ", (long long)c->job.lines[i].fid,
                                      (long long)c->job.lines[j].fid);
                break;
            }
            if (d <= gap) {
                if (ri < rj)
                    parent[rj] = ri;
                else
                    parent[ri] = rj;
            }
        }
    }
    /* Blocks in the order of their first line (lines are in fid order). */
    for (size_t r = 0; !rc && r < n; r++) {
        if (uf_find(parent, r) != r)
            continue;
        size_t m = 0;
        for (size_t i = r; i < n; i++)
            if (uf_find(parent, i) == r)
                members[m++] = i;
        c->res->blocks++;
        double area = 0;
        if (m == 1) {
            GEOSArea_r(h, g[r], &area);
        } else {
            GEOSGeometry **parts = calloc(m, sizeof *parts);
            if (!parts) {
                rc = oom();
                break;
            }
            for (size_t k = 0; k < m; k++)
                parts[k] = GEOSGeom_clone_r(h, g[members[k]]);
            GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)m);
            free(parts);
            GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
            if (!u || !GEOSArea_r(h, u, &area))
                rc = cim_error_prefix("block of line fid %lld: union: ", (long long)c->job.lines[r].fid);
            if (u)
                GEOSGeom_destroy_r(h, u);
            if (coll)
                GEOSGeom_destroy_r(h, coll);
            if (rc)
                break;
        }
        if (area >= c->prm.min_block_area_m2)
            continue;
        cim_buf ids = {0};
        char num[32];
        for (size_t k = 0; k < m; k++) {
            snprintf(num, sizeof num, "%s%lld", k ? "," : "", (long long)c->job.lines[members[k]].fid);
            cim_json_raw(&ids, num);
        }
        const char *list = cim_json_text(&ids);
        rc = add_finding(c, 6, c->prm.small_block, -1, c->job.lines[r].fid,
                         fmt("block of %zu line%s (fid %s) covers %.2f ha, under the minimum %.2f ha", m,
                             m == 1 ? "" : "s", list ? list : "", area / 1e4, c->prm.min_block_area_m2 / 1e4),
                         fmt("{\"lines\":[%s],\"area_m2\":%.3f,\"min_block_area_m2\":%.10g,\"gap_m\":%.10g}",
                             list ? list : "", area, c->prm.min_block_area_m2, gap));
        cim_buf_free(&ids);
    }
    for (size_t i = 0; g && i < n; i++)
        if (g[i])
            GEOSGeom_destroy_r(h, g[i]);
    free(g);
    free(box);
    free(parent);
    free(members);
    cim_geos_io_clear(&io);
    GEOS_finish_r(h);
    return rc;
}

/* IBL-05: per tier added - removed >= 0 (the lines before adjustment
 * against these), added land off protected land, total after >= target. */
static int balance(rl_ctx *c)
{
    if (!c->o->lines_before)
        return CIM_OK;
    rl_balance b;
    int rc = rl_balance_compute(&b, c->job.lines, c->job.nl, c->lblobs.data, c->before, c->nbefore, c->bblobs.data,
                                c->prot, c->nprot, c->pbuf.data);
    if (rc)
        return cim_error_prefix("IBL-05: ");
    c->res->balance_run = 1;
    for (int k = 0; !rc && k < 2; k++) {
        double net = b.added[k] - b.removed[k];
        char *fig = fmt("{\"level\":%d,\"before_m2\":%.3f,\"after_m2\":%.3f,\"added_m2\":%.3f,\"removed_m2\":%.3f,"
                        "\"balance_m2\":%.3f,\"added_on_protected_m2\":%.3f}",
                        k + 1, b.before[k], b.after[k], b.added[k], b.removed[k], net, b.added_protected[k]);
        char *fig2 = fig ? strdup(fig) : NULL;
        rc = add_finding(c, 5, net < 0 ? c->prm.balance : CIM_SEVERITY_INFO, -1, -1,
                         fmt("level %d: %.2f ha added, %.2f ha removed: balance %+.2f ha%s", k + 1, b.added[k] / 1e4,
                             b.removed[k] / 1e4, net / 1e4, net < 0 ? " (a loss)" : ""),
                         fig);
        if (!rc && b.added_protected[k] > c->prm.sliver_area_m2)
            rc = add_finding(c, 5, c->prm.protected_overlap, -1, -1,
                             fmt("level %d: %.2f ha of the added land lies on protected land ('%s')", k + 1,
                                 b.added_protected[k] / 1e4, c->o->protected_layer),
                             fig2);
        else
            free(fig2);
    }
    if (!rc && b.after_total < c->prm.target_m2)
        rc = add_finding(c, 5, c->prm.target, -1, -1,
                         fmt("the lines cover %.2f km2 after adjustment, under the target of %.2f km2",
                             b.after_total / 1e6, c->prm.target_m2 / 1e6),
                         fmt("{\"after_m2\":%.3f,\"target_m2\":%.10g}", b.after_total, c->prm.target_m2));
    return rc;
}

/* ---- writing ---- */

static char *lineage(rl_ctx *c)
{
    cim_buf b = {0};
    cim_json_raw(&b, "{\"operation\":\"check redline\",");
    cim_json_kv(&b, "parcels", c->o->parcels);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "lines", c->o->lines);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "level_field", *c->level_field ? c->level_field : NULL);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "landuse_field", *c->landuse_field ? c->landuse_field : NULL);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "proposed_field", *c->proposed_field ? c->proposed_field : NULL);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "lines_before", c->o->lines_before);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "protected", c->o->protected_layer);
    char *pj = cim_redline_params_json(&c->prm);
    cim_json_raw(&b, ",\"params\":");
    cim_json_raw(&b, pj ? pj : "null");
    free(pj);
    cim_json_raw(&b, "}");
    cim_json_text(&b);
    return (char *)b.data;
}

static cim_src_value str_value(const char *s)
{
    cim_src_value v = {.is_null = s == NULL};
    if (s) {
        v.s = s;
        v.slen = strlen(s);
    }
    return v;
}

static int write_outputs(rl_ctx *c, int64_t run)
{
    static const cim_derived_field rf[] = {
        {"parcel_fid", CIM_FIELD_INTEGER64}, {"line_fid", CIM_FIELD_INTEGER64}, {"level", CIM_FIELD_INTEGER},
        {"inside_share", CIM_FIELD_REAL},    {"inside_m2", CIM_FIELD_REAL},     {"status", CIM_FIELD_STRING},
        {"landuse", CIM_FIELD_STRING},       {"landuse_plan", CIM_FIELD_STRING}};
    static const cim_derived_field ff[] = {{"rule", CIM_FIELD_STRING},      {"severity", CIM_FIELD_STRING},
                                           {"parcel_fid", CIM_FIELD_INTEGER64}, {"line_fid", CIM_FIELD_INTEGER64},
                                           {"message", CIM_FIELD_STRING},   {"figures", CIM_FIELD_JSON}};
    char *lin = lineage(c);
    if (!lin)
        return oom();
    cim_derived *d = NULL;
    int rc = cim_derived_begin(&d, c->s, c->out, CIM_WKB_MULTIPOLYGON, rf, 8, c->o->replace);
    for (size_t t = 0; !rc && t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; !rc && i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            const rl_parcel *p = &c->job.parcels[h->parcel];
            const rl_line *l = &c->job.lines[h->line];
            cim_src_value v[8] = {{.i = p->fid}, {.i = l->fid}, {.i = l->level}, {.d = h->share}, {.d = h->area},
                                  str_value(h->status == RL_INSIDE ? "inside" : "partial"), str_value(p->landuse),
                                  str_value(p->plan)};
            rc = cim_derived_put(d, h->wkb, h->wkb_len, v);
            c->res->rows++;
        }
    }
    if (!rc)
        rc = cim_derived_finish(d, run, "redline_result", lin);
    cim_derived_free(d);
    d = NULL;
    if (!rc)
        rc = cim_derived_begin(&d, c->s, c->findings_name, CIM_DERIVED_NO_GEOMETRY, ff, 6, c->o->replace);
    for (size_t i = 0; !rc && i < c->nf; i++) {
        const rl_finding *f = &c->f[i];
        char rule[16];
        snprintf(rule, sizeof rule, "IBL-%02d", f->rule);
        cim_src_value v[6] = {str_value(rule), str_value(cim_severity_name(f->sev)),
                              {.is_null = f->parcel_fid < 0, .i = f->parcel_fid},
                              {.is_null = f->line_fid < 0, .i = f->line_fid},
                              str_value(f->message), str_value(f->figures)};
        rc = cim_derived_put(d, NULL, 0, v);
    }
    if (!rc)
        rc = cim_derived_finish(d, run, "redline_findings", lin);
    cim_derived_free(d);
    free(lin);
    return rc;
}

/* ---- the operation ---- */

static void ctx_free(rl_ctx *c)
{
    rl_overlay_free(&c->job);
    for (size_t i = 0; i < c->job.np; i++) {
        free(c->job.parcels[i].landuse);
        free(c->job.parcels[i].plan);
    }
    free(c->job.parcels);
    free(c->job.lines);
    free(c->cand);
    free(c->before);
    free(c->prot);
    cim_buf_free(&c->bblobs);
    cim_buf_free(&c->pbuf);
    cim_buf_free(&c->pblobs);
    cim_buf_free(&c->lblobs);
    for (size_t i = 0; i < c->nf; i++) {
        free(c->f[i].message);
        free(c->f[i].figures);
    }
    free(c->f);
}

static int validate(rl_ctx *c)
{
    const cim_redline_options *o = c->o;
    if (!o->parcels || !o->lines)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give the parcel and block-line layers");
    if (!*c->level_field && o->default_level != 1 && o->default_level != 2)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "without a level field, give a level (1 or 2)");
    int rc = cim_layer_name_check(c->out);
    if (rc)
        return rc;
    if (snprintf(c->findings_name, sizeof c->findings_name, "%s_findings", c->out) >= (int)sizeof c->findings_name)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "output name '%s' is too long", c->out);
    if ((rc = cim_layer_name_check(c->findings_name)))
        return rc;
    if (!strcmp(c->out, o->parcels) || !strcmp(c->out, o->lines) || !strcmp(c->findings_name, o->parcels) ||
        !strcmp(c->findings_name, o->lines))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "the output '%s' would overwrite an input layer", c->out);
    if ((rc = check_layer(c, o->parcels, "parcel")) || (rc = check_layer(c, o->lines, "block-line")))
        return rc;
    if (o->lines_before && (rc = check_layer(c, o->lines_before, "block-line (before)")))
        return rc;
    if (o->protected_layer && (rc = check_layer(c, o->protected_layer, "protected")))
        return rc;
    if (o->gfa_layer && !*c->landuse_field)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "IBL-04 (floor-area layer '%s') needs the parcels' land use (--landuse-field)",
                             o->gfa_layer);
    if (o->gfa_layer && (rc = rl_gfa_check(c->s, o->gfa_layer, o->parcels)))
        return rc;
    if (o->lines_before && (rc = check_field(c, o->lines_before, c->level_field, "--level-field")))
        return rc;
    if ((rc = check_field(c, o->lines, c->level_field, "--level-field")) ||
        (rc = check_field(c, o->parcels, c->landuse_field, "--landuse-field")) ||
        (rc = check_field(c, o->parcels, c->proposed_field, "--proposed-field")))
        return rc;
    return CIM_OK;
}

static int run(rl_ctx *c)
{
    int rc;
    if ((rc = validate(c)) || (rc = progress(c, 0.0, "reading")))
        return rc;
    /* One read transaction for all the reading (not one per lookup). */
    if (sqlite3_exec(c->s->db, "SAVEPOINT cim_redline_read", NULL, NULL, NULL))
        return cim_store_sqlite_error(c->s, "begin reading");
    if (!(rc = read_lines(c)) && !(rc = mark_candidates(c)))
        rc = read_parcels(c);
    sqlite3_exec(c->s->db, "RELEASE cim_redline_read", NULL, NULL, NULL);
    if (rc)
        return rc;
    c->job.params = &c->prm;
    c->job.parcels_layer = c->o->parcels;
    c->job.lines_layer = c->o->lines;
    c->job.parcel_blobs = c->pblobs.data;
    c->job.line_blobs = c->lblobs.data;
    size_t threads = c->o->threads ? c->o->threads : cim_pool_default_threads();
    c->res->threads = threads;
    if ((rc = progress(c, 0.1, "overlay")) || (rc = rl_overlay(&c->job, threads)))
        return rc;
    /* Counters, and parcels inside / partly inside any line. */
    unsigned char *state = calloc(c->job.np + 1, 1);
    if (!state)
        return oom();
    for (size_t t = 0; t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        c->res->slivers += o->slivers;
        c->res->contained += o->contained;
        c->res->intersections += o->intersections;
        c->res->parcels_skipped += o->skipped;
        for (size_t i = 0; i < o->n; i++)
            state[o->hits[i].parcel] |= (unsigned char)o->hits[i].status;
    }
    for (size_t i = 0; i < c->job.np; i++) {
        c->res->parcels_inside += (state[i] & RL_INSIDE) != 0;
        c->res->parcels_partial += state[i] == RL_PARTIAL;
    }
    free(state);
    if ((rc = progress(c, 0.8, "findings")) || (rc = parcel_findings(c)) || (rc = m0_cap(c)) ||
        (rc = gfa_share(c)) || (rc = contiguity(c)) || (rc = balance(c)) || (rc = progress(c, 0.9, "writing")))
        return rc;

    char now[32];
    cim_utc_now(now);
    if ((rc = cim_store_begin(c->s)))
        return rc;
    int64_t runid = 0;
    rc = cim_run_insert(c->s, &runid, "check redline", c->o->command_line ? c->o->command_line : "check redline", now);
    if (!rc)
        rc = write_outputs(c, runid);
    if (!rc) {
        char counts[256];
        snprintf(counts, sizeof counts, "{\"rows\":%lld,\"findings\":%zu,\"errors\":%lld}", (long long)c->res->rows,
                 c->nf, (long long)c->res->errors);
        rc = cim_run_finish(c->s, runid, counts, NULL);
    }
    if (!rc)
        rc = cim_store_commit(c->s);
    if (rc) {
        cim_store_rollback(c->s);
        return rc;
    }
    c->res->run_id = runid;
    return progress(c, 1.0, "done");
}

int cim_check_redline(cim_redline_result **out, cim_store *s, const cim_redline_options *opts)
{
    *out = NULL;
    double t0 = now_s();
    if (!s || !opts)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no store or options");
    if (s->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "the store is open read-only");
    rl_ctx c = {.s = s, .o = opts};
    if (opts->params)
        c.prm = *opts->params;
    else
        cim_redline_params_init(&c.prm);
    c.level_field = opts->level_field ? opts->level_field : "level";
    c.landuse_field = opts->landuse_field ? opts->landuse_field : "landuse";
    c.proposed_field = opts->proposed_field ? opts->proposed_field : "landuse_plan";
    c.out = opts->out ? opts->out : "redline_result";
    c.res = calloc(1, sizeof *c.res);
    if (!c.res)
        return oom();
    int rc = run(&c);
    ctx_free(&c);
    if (rc) {
        cim_redline_result_free(c.res);
        return rc;
    }
    c.res->out_layer = strdup(c.out);
    c.res->findings_table = strdup(c.findings_name);
    c.res->seconds = now_s() - t0;
    *out = c.res;
    return CIM_OK;
}

void cim_redline_result_free(cim_redline_result *res)
{
    if (!res)
        return;
    free(res->out_layer);
    free(res->findings_table);
    free(res);
}
