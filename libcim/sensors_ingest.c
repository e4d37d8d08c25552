/* sensors_ingest.c: a sensor file into NAME_sensors and NAME_obs in one
 * transaction. Readings are gathered in chunks, sorted by key (sensor,
 * property, time, then file order) and inserted with one prepared upsert:
 * sorted inserts append to the B-tree's pages instead of scattering over
 * them. One INSERT OR IGNORE ... SELECT per chunk (sensors_chunk.c) keeps
 * the stored readings; only when it ignored some does a join tell duplicates
 * from conflicting values. (An upsert with RETURNING did both in one
 * statement per reading but cost 2x on a fresh layer.) */
#define _GNU_SOURCE /* qsort_r: a comparator with a payload, no global state */
#include "cim/sensors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crs_int.h"
#include "sensor_reader.h"
#include "sensors_int.h"
#include "sha256_int.h"

/* 64k readings (2 MB) a chunk: each of a few hundred sensor x property runs
 * still appends dozens of rows to its B-tree page, and a small working set
 * spares page faults (on virtual machines a fault costs as much as parsing
 * the line). */
#define CHUNK (1u << 16)
/* Many sensor x property runs (1,000 sensors x 10 properties) give each run
 * only a few readings a chunk and touch a leaf page per run: chunks then grow
 * to about 128 readings a run (at most 1M, 64 MB with the sort buffer) and
 * the store's own page cache comes back. */
#define CHUNK_MAX (1u << 20)
#define READINGS_PER_RUN 128
/* Counting sort by (sensor, property) while there are at most this many pairs. */
#define MAX_PAIRS (1u << 20)
/* The writer's page cache while readings go in (KiB): sorted inserts touch a
 * few pages per run, so a small cache spills only full pages. */
#define INGEST_CACHE_KIB 8192
#define PROGRESS_EVERY 8192

void cim_sensors_ingest_options_init(cim_sensors_ingest_options *opts)
{
    cim_sensors_ingest_options d = CIM_SENSORS_INGEST_OPTIONS_INIT;
    *opts = d;
}

typedef sensors_reading reading;

typedef struct ingest {
    cim_store *store;
    const cim_sensors_ingest_options *o;
    cim_sensors_ingest_result *res;
    sensor_reg reg;
    cim_strset props;
    reading *chunk, *tmp;
    size_t n, cap;
    int cache_restored;
    uint32_t *counts;
    size_t ncounts;
    uint32_t *rank_s, *rank_p; /* string order of the interned ids */
    sqlite3_stmt *ins, *sel;
    char obs[64], sensors[64], links[64];
    const char *source;
    int64_t cache_size;     /* the connection's, restored at the end; 0 = untouched */
} ingest;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int by_string(const void *a, const void *b, void *set)
{
    const cim_strset *ss = set;
    return strcmp(ss->v[*(const uint32_t *)a], ss->v[*(const uint32_t *)b]);
}

/* rank[id] = position of the id's string in byte order (SQLite's BINARY). */
static int make_rank(const cim_strset *set, uint32_t **rank)
{
    uint32_t *order = malloc((set->n + 1) * sizeof *order);
    uint32_t *r = realloc(*rank, (set->n + 1) * sizeof *r);
    if (!order || !r) {
        free(order);
        if (r)
            *rank = r;
        return -1;
    }
    *rank = r;
    for (size_t i = 0; i < set->n; i++)
        order[i] = (uint32_t)i;
    if (set->n > 1)
        qsort_r(order, set->n, sizeof *order, by_string, (void *)set);
    for (size_t i = 0; i < set->n; i++)
        r[order[i]] = (uint32_t)i;
    free(order);
    return 0;
}

static int by_key(const void *pa, const void *pb, void *payload)
{
    const reading *a = pa, *b = pb;
    const ingest *g = payload;
    uint32_t sa = g->rank_s[a->sensor], sb = g->rank_s[b->sensor];
    if (sa != sb)
        return sa < sb ? -1 : 1;
    uint32_t qa = g->rank_p[a->property], qb = g->rank_p[b->property];
    if (qa != qb)
        return qa < qb ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Orders the chunk by key, then file order. Readings arrive in time order
 * far more often than not: a stable counting sort by (sensor, property)
 * leaves each run in file order, and only runs out of time order are sorted
 * (a full qsort was a tenth of the ingest). */
static void sort_chunk(ingest *g)
{
    size_t np = g->props.n, pairs = g->reg.ids.n * np;
    if (pairs > MAX_PAIRS || !g->tmp) {
        qsort_r(g->chunk, g->n, sizeof *g->chunk, by_key, g);
        return;
    }
    if (pairs + 1 > g->ncounts) {
        uint32_t *c = realloc(g->counts, (pairs + 1) * sizeof *c);
        if (!c) {
            qsort_r(g->chunk, g->n, sizeof *g->chunk, by_key, g);
            return;
        }
        g->counts = c;
        g->ncounts = pairs + 1;
    }
    memset(g->counts, 0, (pairs + 1) * sizeof *g->counts);
    for (size_t i = 0; i < g->n; i++)
        g->counts[(size_t)g->rank_s[g->chunk[i].sensor] * np + g->rank_p[g->chunk[i].property] + 1]++;
    for (size_t k = 1; k <= pairs; k++)
        g->counts[k] += g->counts[k - 1];
    for (size_t i = 0; i < g->n; i++) {
        size_t k = (size_t)g->rank_s[g->chunk[i].sensor] * np + g->rank_p[g->chunk[i].property];
        g->tmp[g->counts[k]++] = g->chunk[i];
    }
    /* counts[k] is now the end of run k */
    size_t start = 0;
    for (size_t k = 0; k < pairs && start < g->n; k++) {
        size_t end = g->counts[k];
        for (size_t i = start + 1; i < end; i++) {
            if (g->tmp[i].t < g->tmp[i - 1].t) {
                qsort_r(g->tmp + start, end - start, sizeof *g->tmp, by_key, g);
                break;
            }
        }
        start = end;
    }
    reading *swap = g->chunk;
    g->chunk = g->tmp;
    g->tmp = swap;
}

/* After a chunk: more room and the full page cache when runs are many. */
static int adapt(ingest *g)
{
    size_t pairs = g->reg.ids.n * g->props.n;
    if (g->cap < CHUNK_MAX && pairs * READINGS_PER_RUN > g->cap) {
        size_t cap = g->cap;
        while (cap < CHUNK_MAX && pairs * READINGS_PER_RUN > cap)
            cap *= 2;
        reading *c = realloc(g->chunk, cap * sizeof *c);
        if (c)
            g->chunk = c;
        reading *t = realloc(g->tmp, cap * sizeof *t);
        if (t)
            g->tmp = t;
        if (c && t)
            g->cap = cap;
    }
    if (pairs * 4 > INGEST_CACHE_KIB && g->cache_size && !g->cache_restored) {
        g->cache_restored = 1;
        return cim_store_execf(g->store, "PRAGMA cache_size=%lld", (long long)g->cache_size);
    }
    return CIM_OK;
}

void sensors_conflict_note(char **first, const char *sensor, const char *property, const char *t, double kept,
                           double ignored)
{
    if (*first)
        return;
    char buf[512];
    snprintf(buf, sizeof buf, "sensor '%s', %s at %s: %.17g kept, %.17g ignored", sensor, property, t, kept, ignored);
    *first = strdup(buf);
}

/* SQLite: the chunk read in place by one INSERT ... SELECT (sensors_chunk.c). */
static int load_sqlite(ingest *g, sensors_chunk *chunk, int64_t *inserted, int64_t *conflicts)
{
    sqlite3_bind_pointer(g->ins, 1, chunk, "cim_sensor_chunk", NULL);
    int rc = sqlite3_step(g->ins);
    sqlite3_reset(g->ins);
    if (rc != SQLITE_DONE)
        return cim_store_sqlite_error(g->store, g->obs);
    *inserted = sqlite3_changes64(g->store->db);
    *conflicts = 0;
    if ((size_t)*inserted < g->n) {
        /* Some were ignored: the same value is a duplicate, another one a
         * conflict (the stored one is kept). */
        sqlite3_stmt *q = g->sel;
        sqlite3_bind_pointer(q, 1, chunk, "cim_sensor_chunk", NULL);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            ++*conflicts;
            sensors_conflict_note(&g->res->first_conflict, (const char *)sqlite3_column_text(q, 0),
                                  (const char *)sqlite3_column_text(q, 1), (const char *)sqlite3_column_text(q, 2),
                                  sqlite3_column_double(q, 3), sqlite3_column_double(q, 4));
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return cim_store_sqlite_error(g->store, g->obs);
    }
    return CIM_OK;
}

static int flush(ingest *g)
{
    if (g->n == 0)
        return CIM_OK;
    if (make_rank(&g->reg.ids, &g->rank_s) || make_rank(&g->props, &g->rank_p))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    sort_chunk(g);
    cim_sensors_ingest_result *res = g->res;
    sensors_chunk chunk = {g->chunk, g->n, &g->reg.ids, &g->props};
    int64_t inserted = 0, conflicts = 0;
    int rc = cim_store_is_pg(g->store)
                 ? sensors_pg_load(g->store, g->obs, &chunk, &inserted, &conflicts, &res->first_conflict)
                 : load_sqlite(g, &chunk, &inserted, &conflicts);
    if (rc)
        return rc;
    res->inserted += inserted;
    res->conflicts += conflicts;
    res->duplicates += (int64_t)g->n - inserted - conflicts;
    g->n = 0;
    return adapt(g);
}

static int add_record(ingest *g, const sensor_record *rec, int64_t *seq)
{
    long k = sensor_reg_add(&g->reg, rec->sensor, rec->line);
    if (k < 0)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    sensor_ent *e = &g->reg.ents[k];
    if (rec->has_xy && !e->has_xy) {
        e->x = rec->x;
        e->y = rec->y;
        e->has_xy = 1;
    }
    for (size_t a = 0; a < rec->nattrs; a++)
        if (sensor_reg_attr(&g->reg, k, rec->attrs[a].name, rec->attrs[a].value))
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t i = 0; i < rec->nobs; i++) {
        long p = cim_strset_add(&g->props, rec->obs[i].property, NULL);
        if (p < 0)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        if (g->n == g->cap) {
            int rc = flush(g);
            if (rc)
                return rc;
        }
        reading *r = &g->chunk[g->n++];
        r->sensor = (uint32_t)k;
        r->property = (uint32_t)p;
        r->t = rec->t;
        r->value = rec->obs[i].value;
        r->seq = (*seq)++;
        g->res->readings++;
    }
    return CIM_OK;
}

/* Sensors new in this file: locations from --locations, or their x/y
 * reprojected to the store CRS; a sensor left without one is bad input. */
static int place_sensors(ingest *g)
{
    const cim_sensors_ingest_options *o = g->o;
    int rc;
    if (o->locations && (rc = sensors_locate(g->store, o->locations, &g->reg)))
        return rc;
    cim_transform *tr = NULL;
    for (size_t i = g->reg.existing; i < g->reg.ids.n; i++) {
        sensor_ent *e = &g->reg.ents[i];
        if (!e->has_xy) {
            cim_transform_free(tr);
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s, line %lld: sensor '%s' has no location (%s)",
                                 g->source, (long long)e->line, g->reg.ids.v[i],
                                 o->locations ? "not in the --locations layer"
                                 : o->x_field ? "empty x/y" : "give --x-field/--y-field or --locations");
        }
        if (e->in_store_crs)
            continue;
        if (!tr && (rc = cim_transform_new(&tr, o->s_srs ? o->s_srs : "EPSG:4326", NULL, cim_store_srid(g->store))))
            return rc;
        double xy[2] = {e->x, e->y};
        size_t bad = 0;
        if ((rc = cim_transform_points(tr, xy, 1, 2, &bad))) {
            cim_transform_free(tr);
            return cim_error_prefix("%s, line %lld: sensor '%s' at %g, %g: ", g->source, (long long)e->line,
                                    g->reg.ids.v[i], e->x, e->y);
        }
        e->x = xy[0];
        e->y = xy[1];
        e->in_store_crs = 1;
    }
    cim_transform_free(tr);
    return CIM_OK;
}

static char *lineage_json(const cim_sensors_ingest_options *o)
{
    /* units as {"PROPERTY":"UNIT"}; values checked to hold no quote */
    size_t cap = 64;
    for (const char *const *u = o->units; u && *u; u++)
        cap += strlen(*u) + 8;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t n = (size_t)snprintf(s, cap, "{\"units\":{");
    for (const char *const *u = o->units; u && *u; u++) {
        const char *eq = strchr(*u, '=');
        n += (size_t)snprintf(s + n, cap - n, "%s\"%.*s\":\"%s\"", u == o->units ? "" : ",", (int)(eq - *u), *u,
                              eq + 1);
    }
    snprintf(s + n, cap - n, "}}");
    return s;
}

static int check_options(const cim_sensors_ingest_options *o, int *has_tz, int *tz)
{
    if (!o->layer)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "a sensor ingest needs --layer NAME");
    if (o->tz) {
        if (sensor_tz_parse(o->tz, tz))
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--tz '%s': give an offset such as +08:00", o->tz);
        *has_tz = 1;
    }
    if (!o->x_field != !o->y_field)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give both --x-field and --y-field");
    if (o->x_field && o->locations)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--x-field/--y-field and --locations exclude each other");
    if (!o->property_field != !o->value_field)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give both --property-field and --value-field");
    for (const char *const *u = o->units; u && *u; u++) {
        const char *eq = strchr(*u, '=');
        if (!eq || eq == *u || !eq[1] || strpbrk(*u, "\"\\"))
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--unit '%s': give PROPERTY=UNIT", *u);
    }
    if (o->format && strcmp(o->format, "csv") && strcmp(o->format, "json") && strcmp(o->format, "jsonl"))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "format '%s': use csv, json or jsonl", o->format);
    return CIM_OK;
}

/* SQLite's chunk statements: the insert and the conflict finder. */
static int prepare_sqlite(ingest *g)
{
    cim_store *s = g->store;
    int rc = sensors_chunk_register(s);
    if (rc)
        return rc;
    char *sql = sqlite3_mprintf("INSERT OR IGNORE INTO \"%w\"(sensor, property, t, value)"
                                " SELECT sensor, property, t, value FROM cim_sensor_chunk(?1)",
                                g->obs);
    rc = sqlite3_prepare_v2(s->db, sql, -1, &g->ins, NULL);
    sqlite3_free(sql);
    if (rc == SQLITE_OK) {
        sql = sqlite3_mprintf("SELECT c.sensor, c.property, c.t, o.value, c.value FROM cim_sensor_chunk(?1) c"
                              " JOIN \"%w\" o ON o.sensor = c.sensor AND o.property = c.property AND o.t = c.t"
                              " WHERE o.value IS NOT c.value",
                              g->obs);
        rc = sqlite3_prepare_v2(s->db, sql, -1, &g->sel, NULL);
        sqlite3_free(sql);
    }
    return rc == SQLITE_OK ? CIM_OK : cim_store_sqlite_error(s, g->obs);
}

static int run(ingest *g, sensor_reader *rd, const char *source)
{
    cim_store *s = g->store;
    const cim_sensors_ingest_options *o = g->o;
    char sha[65];
    char *files[1] = {(char *)source};
    int rc = cim_sha256_files(sha, files, 1);
    if (rc)
        return rc;
    g->res->source_sha256 = strdup(sha);
    if (!cim_store_is_pg(s)) {
        sqlite3_stmt *cq = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA cache_size", -1, &cq, NULL) == SQLITE_OK && sqlite3_step(cq) == SQLITE_ROW)
            g->cache_size = sqlite3_column_int64(cq, 0);
        sqlite3_finalize(cq);
    }
    if (g->cache_size && (rc = cim_store_execf(s, "PRAGMA cache_size=-%d", INGEST_CACHE_KIB)))
        return rc;
    if ((rc = cim_store_begin(s)))
        return rc;
    char now[32];
    cim_utc_now(now);
    int64_t run_id = 0;
    if ((rc = cim_run_insert(s, &run_id, "ingest", o->command_line ? o->command_line : source, now)))
        return rc;
    const char *tables[] = {g->sensors, g->obs, g->links};
    if ((rc = sensors_check_tables(s, tables, 3)) || (rc = sensors_obs_create(s, g->obs)) ||
        (rc = sensors_load(s, g->sensors, &g->reg)))
        return rc;
    if ((rc = cim_store_is_pg(s) ? sensors_pg_stage(s) : prepare_sqlite(g)))
        return rc;
    g->cap = CHUNK;
    g->chunk = malloc(CHUNK * sizeof *g->chunk);
    g->tmp = malloc(CHUNK * sizeof *g->tmp);
    if (!g->chunk || !g->tmp)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    const sensor_record *rec;
    int64_t seq = 0;
    while ((rc = sensor_reader_next(rd, &rec)) == 1) {
        g->res->records++;
        if ((rc = add_record(g, rec, &seq)))
            return rc;
        if (o->progress && g->res->records % PROGRESS_EVERY == 0 &&
            o->progress(0.95 * sensor_reader_progress(rd), g->obs, o->progress_payload))
            return cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
    }
    if (rc < 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s", sensor_reader_error(rd));
    if ((rc = flush(g)) || (rc = place_sensors(g)))
        return rc;
    g->res->sensors_total = (int64_t)g->reg.ids.n;
    g->res->sensors_new = (int64_t)(g->reg.ids.n - g->reg.existing);
    if (g->res->inserted == 0 && g->res->sensors_new == 0)
        return CIM_OK; /* nothing new: rolled back by the caller, no run left behind */
    if (o->progress)
        o->progress(0.97, g->sensors, o->progress_payload);
    if ((rc = sensors_write(s, g->sensors, &g->reg, run_id, source, sha)))
        return rc;
    char *lineage = lineage_json(o);
    rc = sensors_obs_catalog(s, g->obs, run_id, source, sha, lineage, g->res->readings, g->res->inserted);
    free(lineage);
    if (rc)
        return rc;
    char counts[256];
    snprintf(counts, sizeof counts,
             "{\"readings\":%lld,\"inserted\":%lld,\"duplicates\":%lld,\"conflicts\":%lld,\"sensors_new\":%lld}",
             (long long)g->res->readings, (long long)g->res->inserted, (long long)g->res->duplicates,
             (long long)g->res->conflicts, (long long)g->res->sensors_new);
    if ((rc = cim_run_finish(s, run_id, counts, NULL)) || (rc = cim_store_commit(s)))
        return rc;
    g->res->run_id = run_id;
    return CIM_OK;
}

int cim_sensors_ingest(cim_sensors_ingest_result **out, cim_store *store, const char *source,
                       const cim_sensors_ingest_options *opts)
{
    cim_sensors_ingest_options defaults = CIM_SENSORS_INGEST_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (store->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only", store->path);
    int has_tz = 0, tz = 0;
    int rc = check_options(opts, &has_tz, &tz);
    ingest g = {.store = store, .o = opts, .source = source};
    if (!rc)
        rc = sensors_names(opts->layer, g.sensors, g.obs, g.links);
    if (rc)
        return rc;
    FILE *probe = fopen(source, "rb");
    if (!probe)
        return cim_error_set(errno == ENOENT ? CIM_ENOTFOUND : CIM_EIO, CIM_ERRCLASS_IO, "%s: %s", source,
                             strerror(errno));
    fclose(probe);
    sensor_reader_options ro = {
        .format = !opts->format ? SENSOR_FORMAT_AUTO
                  : !strcmp(opts->format, "csv") ? SENSOR_FORMAT_CSV
                  : !strcmp(opts->format, "json") ? SENSOR_FORMAT_JSON : SENSOR_FORMAT_JSONL,
        .sensor_field = opts->sensor_field, .time_field = opts->time_field,
        .x_field = opts->x_field, .y_field = opts->y_field,
        .property_field = opts->property_field, .value_field = opts->value_field,
        .attr_fields = opts->attr_fields, .has_tz = has_tz, .tz_offset = tz};
    double t0 = now_seconds();
    sensor_reader *rd = NULL;
    if (sensor_reader_open(&rd, source, &ro)) {
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s",
                           rd ? sensor_reader_error(rd) : sensor_reader_open_error());
        sensor_reader_free(rd);
        return rc;
    }
    g.res = calloc(1, sizeof *g.res);
    rc = g.res ? run(&g, rd, source) : cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    if (rc || (g.res && !g.res->run_id))
        cim_store_rollback(store);
    if (g.cache_size) {
        char *pragma = sqlite3_mprintf("PRAGMA cache_size=%lld", (long long)g.cache_size);
        sqlite3_exec(store->db, pragma, NULL, NULL, NULL);
        sqlite3_free(pragma);
    }
    sqlite3_finalize(g.ins);
    sqlite3_finalize(g.sel);
    sensor_reader_free(rd);
    sensor_reg_clear(&g.reg);
    cim_strset_clear(&g.props);
    free(g.chunk);
    free(g.tmp);
    free(g.counts);
    free(g.rank_s);
    free(g.rank_p);
    if (rc) {
        cim_sensors_ingest_result_free(g.res);
        return rc;
    }
    g.res->seconds = now_seconds() - t0;
    *out = g.res;
    return CIM_OK;
}

void cim_sensors_ingest_result_free(cim_sensors_ingest_result *res)
{
    if (!res)
        return;
    free(res->source_sha256);
    free(res->first_conflict);
    free(res);
}
