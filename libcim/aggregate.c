/* aggregate.c: parcel aggregation. Reads the layer's polygons sorted by the
 * group fields (one SQL statement), dissolves each group on the worker pool
 * (aggregate_blocks.c) and writes the derived layer on the calling thread,
 * in one transaction. */
#include "cim/aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aggregate_int.h"
#include "buf_int.h"
#include "derived_int.h"
#include "geos_io_int.h"
#include "json_int.h"
#include "pool_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "wkb_int.h"

void cim_aggregate_options_init(cim_aggregate_options *opts)
{
    cim_aggregate_options d = CIM_AGGREGATE_OPTIONS_INIT;
    *opts = d;
}

void cim_aggregate_result_free(cim_aggregate_result *res)
{
    free(res);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Output columns after the group fields. */
static const char *const own_columns[] = {"block", "area_m2", "area_ha", "area_mu", "parcel_count"};

/* One group value as SQLite gave it (the grouping compares these), plus its
 * text for string-typed output fields. */
typedef struct key_value {
    int type;             /* SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL */
    int64_t i;
    double d;
    char *s;              /* text or blob bytes */
    size_t n;
} key_value;

typedef struct group {
    size_t first, count;  /* parcel range */
    key_value *keys;
    cim_agg_block *blocks;
    size_t nblocks;
    int64_t fallbacks;
} group;

typedef struct agg_ctx {
    cim_store *store;
    const char *layer, *out_layer;
    const cim_aggregate_options *o;
    cim_layer_info *info;
    size_t *field_ix;      /* by field -> info->fields index */
    /* parcels, in group order */
    cim_buf blobs;
    size_t *off, *len;
    int64_t *fid;
    size_t *gid;           /* parcel -> group */
    size_t *perm;          /* group order: groups[g].first.. index into it */
    size_t nparcels, cap;
    group *groups;
    size_t ngroups, gcap;
    size_t *order;         /* task -> group, largest groups first */
    int64_t skipped;
} agg_ctx;

/* ---- checks ---- */

static int check_inputs(agg_ctx *c)
{
    const cim_aggregate_options *o = c->o;
    cim_store *s = c->store;
    if (s->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only", s->path);
    if (!o->by || o->by_count == 0)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give at least one group field (--by)");
    if (!(o->gap >= 0) || !isfinite(o->gap))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "the gap must be a distance >= 0 in metres");
    if (o->gap > 0 && !o->contiguous)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "a gap needs contiguous blocks (--contiguous)");
    if (!c->layer || !c->out_layer)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give the layer and the output layer");
    int rc = cim_layer_name_check(c->out_layer);
    if (rc)
        return rc;
    if (!strcmp(c->layer, c->out_layer))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "the output layer '%s' is the input layer", c->out_layer);
    if ((rc = cim_layer_info_get(&c->info, s, c->layer))) {
        if (rc == CIM_ENOTFOUND)
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s' is not in the store", c->layer);
        return rc;
    }
    const char *gt = c->info->geometry_type;
    if (!gt || (strcasecmp(gt, "POLYGON") && strcasecmp(gt, "MULTIPOLYGON")))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "layer '%s' holds %s, not polygons: only polygons can be aggregated", c->layer,
                             gt ? gt : "no geometry");
    if (c->info->srid != cim_store_srid(s))
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG, "layer '%s' is in SRID %d, not the store's %d", c->layer,
                             c->info->srid, cim_store_srid(s));
    c->field_ix = calloc(o->by_count, sizeof *c->field_ix);
    if (!c->field_ix)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t k = 0; k < o->by_count; k++) {
        const char *name = o->by[k];
        size_t f = c->info->field_count;
        for (size_t i = 0; i < c->info->field_count && f == c->info->field_count; i++)
            if (!strcmp(c->info->fields[i].name, name))
                f = i;
        for (size_t i = 0; i < c->info->field_count && f == c->info->field_count; i++)
            if (!strcasecmp(c->info->fields[i].name, name))
                f = i;
        if (f == c->info->field_count)
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s' has no field '%s'", c->layer, name);
        for (size_t j = 0; j < k; j++)
            if (c->field_ix[j] == f)
                return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "field '%s' is given twice", name);
        for (size_t j = 0; j < sizeof own_columns / sizeof own_columns[0]; j++)
            if (!strcasecmp(c->info->fields[f].name, own_columns[j]))
                return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                                     "field '%s' has the name of an output column; rename it first", name);
        c->field_ix[k] = f;
    }
    return CIM_OK;
}

/* ---- reading ---- */

static int key_set(key_value *k, cim_sql *st, int col)
{
    /* cim_sql's types are SQLite's fundamental type codes. */
    k->type = cim_sql_type(st, col);
    k->i = cim_sql_int64(st, col);
    k->d = cim_sql_double(st, col);
    const void *p = k->type == CIM_SQL_BLOB ? cim_sql_blob(st, col) : (const void *)cim_sql_text(st, col);
    k->n = (size_t)cim_sql_bytes(st, col);
    k->s = malloc(k->n + 1);
    if (!k->s)
        return -1;
    if (p && k->n)
        memcpy(k->s, p, k->n);
    k->s[k->n] = '\0';
    return 0;
}

static int add_parcel(agg_ctx *c, int64_t fid, size_t gi, const void *blob, size_t n)
{
    if (c->nparcels == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        size_t *off = realloc(c->off, cap * sizeof *off);
        if (off)
            c->off = off;
        size_t *len = realloc(c->len, cap * sizeof *len);
        if (len)
            c->len = len;
        int64_t *f = realloc(c->fid, cap * sizeof *f);
        if (f)
            c->fid = f;
        size_t *g = realloc(c->gid, cap * sizeof *g);
        if (g)
            c->gid = g;
        if (!off || !len || !f || !g)
            return -1;
        c->cap = cap;
    }
    if (cim_buf_reserve(&c->blobs, n))
        return -1;
    c->off[c->nparcels] = c->blobs.len;
    c->len[c->nparcels] = n;
    c->fid[c->nparcels] = fid;
    c->gid[c->nparcels] = gi;
    cim_buf_put(&c->blobs, blob, n);
    c->nparcels++;
    return 0;
}

/* The groups, numbered in the order of their values (SQLite's ORDER BY, as
 * GROUP BY would give them), then every parcel in table order with its group
 * number: sorting the geometry blobs themselves (15 MB at 100k parcels) would
 * spill SQLite's sorter to temporary files. */
static void append_fields(sqlite3_str *q, const agg_ctx *c, const char *prefix)
{
    for (size_t k = 0; k < c->o->by_count; k++)
        sqlite3_str_appendf(q, "%s%s\"%w\"", k ? ", " : "", prefix, c->info->fields[c->field_ix[k]].name);
}

static char *read_sql(const agg_ctx *c)
{
    /* PostgreSQL sorts NULL last and has no CROSS JOIN ... ON or IS for
     * values: its spelling of the same query keeps SQLite's group order
     * (NULL first) and table (fid) order. */
    int pg = cim_store_is_pg(c->store);
    sqlite3_str *q = sqlite3_str_new(NULL);
    sqlite3_str_appendall(q, "WITH g AS MATERIALIZED (SELECT ");
    append_fields(q, c, "");
    sqlite3_str_appendall(q, ", row_number() OVER (ORDER BY ");
    for (size_t k = 0; k < c->o->by_count; k++)
        sqlite3_str_appendf(q, "%s\"%w\"%s", k ? ", " : "", c->info->fields[c->field_ix[k]].name,
                            pg ? " NULLS FIRST" : "");
    sqlite3_str_appendall(q, ") - 1 AS cim_gi FROM (SELECT DISTINCT ");
    append_fields(q, c, "");
    sqlite3_str_appendf(q, " FROM \"%w\")%s) SELECT p.fid, p.geom, g.cim_gi, ", c->layer, pg ? " AS d" : "");
    append_fields(q, c, "g.");
    /* CROSS JOIN keeps the layer the outer loop (table order); g gets an
     * automatic index. IS matches NULL to NULL, as GROUP BY does. */
    sqlite3_str_appendf(q, " FROM \"%w\" AS p %s g ON ", c->layer, pg ? "JOIN" : "CROSS JOIN");
    for (size_t k = 0; k < c->o->by_count; k++) {
        const char *f = c->info->fields[c->field_ix[k]].name;
        sqlite3_str_appendf(q, "%sp.\"%w\" %s g.\"%w\"", k ? " AND " : "", f, pg ? "IS NOT DISTINCT FROM" : "IS", f);
    }
    if (pg)
        sqlite3_str_appendall(q, " ORDER BY p.fid");
    return sqlite3_str_finish(q);
}

/* Groups from the parcels' group numbers: a stable counting sort, so each
 * group's parcels stay in fid order. */
static int make_groups(agg_ctx *c, size_t ngroups)
{
    c->perm = malloc((c->nparcels ? c->nparcels : 1) * sizeof *c->perm);
    if (!c->perm)
        return -1;
    for (size_t i = 0; i < c->nparcels; i++)
        c->groups[c->gid[i]].count++;
    size_t pos = 0;
    for (size_t gi = 0; gi < ngroups; gi++) {
        c->groups[gi].first = pos;
        pos += c->groups[gi].count;
        c->groups[gi].count = 0;
    }
    for (size_t i = 0; i < c->nparcels; i++) {
        group *g = &c->groups[c->gid[i]];
        c->perm[g->first + g->count++] = i;
    }
    /* A group none of whose parcels has a geometry gets no row. */
    size_t kept = 0;
    for (size_t gi = 0; gi < ngroups; gi++) {
        if (c->groups[gi].count)
            c->groups[kept++] = c->groups[gi];
        else {
            for (size_t k = 0; k < c->o->by_count; k++)
                free(c->groups[gi].keys[k].s);
            free(c->groups[gi].keys);
        }
    }
    c->ngroups = kept;
    return 0;
}

static int read_parcels(agg_ctx *c)
{
    cim_store *s = c->store;
    char *sql = read_sql(c);
    if (!sql)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_sql *st = NULL;
    int rc = cim_sql_prepare(s, &st, sql);
    sqlite3_free(sql);
    if (rc)
        return rc;
    int oom = 0;
    size_t ngroups = 0;
    while ((rc = cim_sql_step(st)) == CIM_SQL_ROW) {
        int64_t gi64 = cim_sql_int64(st, 2);
        size_t gi = gi64 >= 0 ? (size_t)gi64 : 0;
        while (!oom && gi >= c->gcap) {
            size_t cap = c->gcap ? c->gcap * 2 : 64;
            group *g = realloc(c->groups, cap * sizeof *g);
            if (!g) {
                oom = 1;
                break;
            }
            memset(g + c->gcap, 0, (cap - c->gcap) * sizeof *g);
            c->groups = g;
            c->gcap = cap;
        }
        if (oom)
            break;
        if (gi >= ngroups)
            ngroups = gi + 1;
        group *g = &c->groups[gi];
        if (!g->keys) {
            g->keys = calloc(c->o->by_count, sizeof *g->keys);
            oom = !g->keys;
            for (size_t k = 0; !oom && k < c->o->by_count; k++)
                oom = key_set(&g->keys[k], st, (int)k + 3) != 0;
            if (oom)
                break;
        }
        if (cim_sql_type(st, 1) != CIM_SQL_BLOB) {
            c->skipped++;
            continue;
        }
        if (add_parcel(c, cim_sql_int64(st, 0), gi, cim_sql_blob(st, 1), (size_t)cim_sql_bytes(st, 1))) {
            oom = 1;
            break;
        }
    }
    cim_sql_finalize(st);
    c->ngroups = ngroups;
    if (!oom && rc == CIM_SQL_DONE && make_groups(c, ngroups))
        oom = 1;
    if (oom)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory reading layer '%s'", c->layer);
    if (rc != CIM_SQL_DONE)
        return rc;
    if (c->nparcels == 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "layer '%s' has no polygons to aggregate", c->layer);
    return CIM_OK;
}

/* ---- the pool ---- */

typedef struct worker_state {
    GEOSContextHandle_t h;
    cim_geos_io io;
    GEOSGeometry **geoms;
    size_t cap;
    const unsigned char **fast_blobs;
    size_t *fast_lens, fast_cap;
} worker_state;

static void *worker_init(void *payload)
{
    (void)payload;
    worker_state *w = calloc(1, sizeof *w);
    if (!w) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    w->h = cim_geos_context_new();
    if (!w->h) {
        free(w);
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "cannot start a GEOS context");
        return NULL;
    }
    cim_geos_io_init(&w->io, w->h);
    return w;
}

static void worker_fini(void *state, void *payload)
{
    (void)payload;
    worker_state *w = state;
    if (!w)
        return;
    cim_geos_io_clear(&w->io);
    GEOS_finish_r(w->h);
    free(w->geoms);
    free(w->fast_blobs);
    free(w->fast_lens);
    free(w);
}

/* The union straight from the blobs (aggregate_fast.c); 0 leaves the group
 * to the GEOS path. */
static int fast_union(agg_ctx *c, worker_state *w, group *g)
{
    if (g->count > w->fast_cap) {
        const unsigned char **b = realloc(w->fast_blobs, g->count * sizeof *b);
        if (b)
            w->fast_blobs = b;
        size_t *l = realloc(w->fast_lens, g->count * sizeof *l);
        if (l)
            w->fast_lens = l;
        if (!b || !l)
            return 0;
        w->fast_cap = g->count;
    }
    for (size_t m = 0; m < g->count; m++) {
        size_t i = c->perm[g->first + m];
        w->fast_blobs[m] = (const unsigned char *)c->blobs.data + c->off[i];
        w->fast_lens[m] = c->len[i];
    }
    cim_agg_block *b = calloc(1, sizeof *b);
    if (!b)
        return 0;
    if (!cim_agg_fast_block(b, w->fast_blobs, w->fast_lens, g->count)) {
        free(b);
        return 0;
    }
    g->blocks = b;
    g->nblocks = 1;
    return 1;
}

static int worker_run(size_t task, void *state, void *payload)
{
    agg_ctx *c = payload;
    worker_state *w = state;
    group *g = &c->groups[c->order[task]];
    if (g->count > w->cap) {
        GEOSGeometry **v = realloc(w->geoms, g->count * sizeof *v);
        if (!v)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        w->geoms = v;
        w->cap = g->count;
    }
    if (!c->o->contiguous && fast_union(c, w, g))
        return CIM_OK;
    size_t n = 0;
    for (size_t m = g->first; m < g->first + g->count; m++) {
        size_t i = c->perm[m];
        GEOSGeometry *geom = cim_geos_from_blob(&w->io, c->blobs.data + c->off[i], c->len[i]);
        if (!geom) {
            for (size_t k = 0; k < n; k++)
                GEOSGeom_destroy_r(w->h, w->geoms[k]);
            return cim_error_prefix("layer '%s', feature fid %lld", c->layer, (long long)c->fid[i]);
        }
        if (GEOSisEmpty_r(w->h, geom) == 1) {
            GEOSGeom_destroy_r(w->h, geom);
            continue;
        }
        w->geoms[n++] = geom;
    }
    if (n == 0)
        return CIM_OK; /* only empty geometries: no row */
    int rc = cim_agg_dissolve(&w->io, w->geoms, n, c->o->contiguous, c->o->gap, &g->blocks, &g->nblocks,
                              &g->fallbacks);
    if (rc)
        return cim_error_prefix("layer '%s', group %zu", c->layer, c->order[task] + 1);
    return CIM_OK;
}

/* Largest groups first, so one big group does not start last. */
static int size_desc(size_t x, size_t y, const group *gs)
{
    if (gs[x].count != gs[y].count)
        return gs[x].count > gs[y].count ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Tasks in size order. qsort_r is not in C17; a merge sort with the groups at hand. */
static void sort_order(size_t *v, size_t n, const group *gs)
{
    if (n < 2)
        return;
    size_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return; /* the order is only a scheduling hint */
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = size_desc(v[j], v[i], gs) < 0 ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
    free(tmp);
}

/* ---- writing ---- */

static void json_num(cim_buf *b, const char *fmt, double v)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, fmt, v);
    cim_json_raw(b, tmp);
}

static char *lineage_json(const agg_ctx *c)
{
    cim_buf b = {0};
    cim_json_raw(&b, "{");
    cim_json_kv(&b, "operation", "aggregate");
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "source_layer", c->layer);
    json_num(&b, ",\"source_version\":%.0f", (double)c->info->version);
    cim_json_raw(&b, ",\"by\":[");
    for (size_t k = 0; k < c->o->by_count; k++) {
        if (k)
            cim_json_raw(&b, ",");
        cim_json_str(&b, c->info->fields[c->field_ix[k]].name);
    }
    cim_json_raw(&b, "],\"contiguous\":");
    cim_json_raw(&b, c->o->contiguous ? "true" : "false");
    if (c->o->contiguous)
        json_num(&b, ",\"gap_m\":%.17g", c->o->gap);
    cim_json_raw(&b, ",\"union\":\"GEOSCoverageUnion, checked; GEOSUnaryUnion fallback\"}");
    char *out = strdup(cim_json_text(&b));
    cim_buf_free(&b);
    return out;
}

static void key_to_value(const key_value *k, cim_field_type t, cim_src_value *v)
{
    memset(v, 0, sizeof *v);
    if (k->type == SQLITE_NULL) {
        v->is_null = 1;
        return;
    }
    switch (t) {
    case CIM_FIELD_INTEGER:
    case CIM_FIELD_INTEGER64:
    case CIM_FIELD_BOOLEAN: v->i = k->i; break;
    case CIM_FIELD_REAL: v->d = k->d; break;
    default:
        v->s = k->s;
        v->slen = k->n;
        break;
    }
}

static int progress(agg_ctx *c, double f, const char *stage)
{
    if (c->o->progress && c->o->progress(f, stage, c->o->progress_payload))
        return cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "aggregation canceled");
    return CIM_OK;
}

static int write_layer(agg_ctx *c, cim_aggregate_result *res)
{
    cim_store *s = c->store;
    const cim_aggregate_options *o = c->o;
    size_t nby = o->by_count, nf = nby + (o->contiguous ? 5 : 4);
    cim_derived_field *fields = calloc(nf, sizeof *fields);
    cim_src_value *vals = calloc(nf, sizeof *vals);
    char *lineage = lineage_json(c);
    int rc = (!fields || !vals || !lineage)
                 ? cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory")
                 : CIM_OK;
    size_t at = 0;
    if (!rc) {
        for (size_t k = 0; k < nby; k++) {
            const cim_field_info *fi = &c->info->fields[c->field_ix[k]];
            fields[at++] = (cim_derived_field){fi->name, fi->type};
        }
        if (o->contiguous)
            fields[at++] = (cim_derived_field){"block", CIM_FIELD_INTEGER};
        fields[at++] = (cim_derived_field){"area_m2", CIM_FIELD_REAL};
        fields[at++] = (cim_derived_field){"area_ha", CIM_FIELD_REAL};
        fields[at++] = (cim_derived_field){"area_mu", CIM_FIELD_REAL};
        fields[at++] = (cim_derived_field){"parcel_count", CIM_FIELD_INTEGER};
    }
    cim_derived *d = NULL;
    char now[32];
    cim_utc_now(now);
    if (!rc)
        rc = cim_store_begin(s);
    if (!rc)
        rc = cim_run_insert(s, &res->run_id, "aggregate", o->command_line ? o->command_line : c->layer, now);
    if (!rc)
        rc = cim_derived_begin(&d, s, c->out_layer, CIM_WKB_MULTIPOLYGON, fields, nf, o->replace);
    for (size_t gi = 0; gi < c->ngroups && !rc; gi++) {
        const group *g = &c->groups[gi];
        for (size_t b = 0; b < g->nblocks && !rc; b++) {
            const cim_agg_block *blk = &g->blocks[b];
            at = 0;
            for (size_t k = 0; k < nby; k++, at++)
                key_to_value(&g->keys[k], fields[at].type, &vals[at]);
            if (o->contiguous)
                vals[at++] = (cim_src_value){.i = (int64_t)b + 1};
            vals[at++] = (cim_src_value){.d = blk->area};
            vals[at++] = (cim_src_value){.d = blk->area / 10000.0};
            vals[at++] = (cim_src_value){.d = blk->area * 15.0 / 10000.0};
            vals[at++] = (cim_src_value){.i = blk->parcels};
            rc = cim_derived_put(d, blk->wkb, blk->wkb_len, vals);
            res->rows++;
            res->total_area_m2 += blk->area;
        }
        if (!rc && (gi & 255) == 0)
            rc = progress(c, (double)gi / (double)c->ngroups, "writing");
    }
    if (!rc) {
        char role[16];
        snprintf(role, sizeof role, "%s", o->contiguous ? "blocks" : "aggregate");
        rc = cim_derived_finish(d, res->run_id, role, lineage);
    }
    if (!rc) {
        char counts[256];
        snprintf(counts, sizeof counts,
                 "{\"parcels\":%lld,\"skipped\":%lld,\"groups\":%lld,\"rows\":%lld,\"fallbacks\":%lld}",
                 (long long)res->parcels, (long long)res->skipped, (long long)res->groups, (long long)res->rows,
                 (long long)res->fallbacks);
        rc = cim_run_finish(s, res->run_id, counts, NULL);
    }
    if (!rc)
        rc = cim_store_commit(s);
    if (rc) {
        int code = rc;
        cim_store_rollback(s);
        rc = code;
    }
    cim_derived_free(d);
    free(fields);
    free(vals);
    free(lineage);
    return rc;
}

static void ctx_free(agg_ctx *c)
{
    for (size_t gi = 0; gi < c->ngroups; gi++) {
        group *g = &c->groups[gi];
        if (g->keys)
            for (size_t k = 0; k < c->o->by_count; k++)
                free(g->keys[k].s);
        free(g->keys);
        cim_agg_blocks_free(g->blocks, g->nblocks);
    }
    free(c->groups);
    free(c->order);
    free(c->off);
    free(c->len);
    free(c->fid);
    free(c->gid);
    free(c->perm);
    cim_buf_free(&c->blobs);
    free(c->field_ix);
    cim_layer_info_free(c->info);
}

int cim_aggregate(cim_aggregate_result **out, cim_store *store, const char *layer, const char *out_layer,
                  const cim_aggregate_options *opts)
{
    cim_aggregate_options defaults = CIM_AGGREGATE_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    double t0 = now_seconds();
    agg_ctx c = {.store = store, .layer = layer, .out_layer = out_layer, .o = opts};
    cim_aggregate_result *res = calloc(1, sizeof *res);
    int rc = res ? check_inputs(&c) : cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    if (!rc)
        rc = progress(&c, 0, "reading");
    if (!rc)
        rc = read_parcels(&c);
    if (!rc)
        rc = progress(&c, -1, "dissolving");
    if (!rc) {
        c.order = malloc(c.ngroups * sizeof *c.order);
        if (!c.order)
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    if (!rc) {
        for (size_t i = 0; i < c.ngroups; i++)
            c.order[i] = i;
        sort_order(c.order, c.ngroups, c.groups);
        size_t threads = opts->threads ? opts->threads : cim_pool_default_threads();
        if (threads > c.ngroups)
            threads = c.ngroups;
        res->threads = threads;
        cim_pool_spec spec = {.threads = threads, .tasks = c.ngroups, .payload = &c, .init = worker_init,
                              .fini = worker_fini, .run = worker_run};
        rc = cim_pool_run(&spec);
    }
    if (!rc) {
        for (size_t gi = 0; gi < c.ngroups; gi++) {
            const group *g = &c.groups[gi];
            res->fallbacks += g->fallbacks;
            if (g->nblocks)
                res->groups++;
            for (size_t b = 0; b < g->nblocks; b++)
                res->parcels += g->blocks[b].parcels;
        }
        /* Features without geometry, or with an empty one, are left out. */
        res->skipped = c.skipped + ((int64_t)c.nparcels - res->parcels);
        rc = write_layer(&c, res);
    }
    ctx_free(&c);
    if (rc) {
        free(res);
        return rc;
    }
    res->seconds = now_seconds() - t0;
    *out = res;
    return CIM_OK;
}
