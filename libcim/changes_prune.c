/* changes_prune.c: cim_changes_prune (cim/changes.h): the change record
 * (cim_changes, changes_int.h) bounded by deleting older runs' records, and
 * the horizon it leaves recorded in cim_meta (changes_pruned_before) that
 * tiles_since.c checks before a patch. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cim/changes.h"
#include "error_int.h"
#include "sql_int.h"
#include "store_int.h"

void cim_prune_options_init(cim_prune_options *opts)
{
    cim_prune_options d = CIM_PRUNE_OPTIONS_INIT;
    *opts = d;
}

/* One integer a statement with ?1 bound to v gives (dflt without a row). */
static int int64_with(cim_store *s, int64_t *out, int64_t dflt, const char *sql, int64_t v)
{
    cim_sql *q = NULL;
    *out = dflt;
    int rc = cim_sql_prepare(s, &q, sql);
    if (!rc)
        rc = cim_sql_bind_int64(q, 1, v);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_ROW && cim_sql_type(q, 0) != CIM_SQL_NULL)
        *out = cim_sql_int64(q, 0);
    cim_sql_finalize(q);
    return step < 0 ? step : 0;
}

/* The horizon opts asks for, from the runs there are before the prune's own:
 * 0 when keep_runs keeps every run. */
static int wanted_horizon(cim_store *s, const cim_prune_options *o, int64_t *h)
{
    int64_t last = 0;
    int rc = cim_sql_int64_of(s, &last, 0, "SELECT coalesce(max(id), 0) FROM cim_runs");
    if (rc)
        return rc;
    if (o->before_run > 0) {
        if (o->before_run > last)
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                                 "changes before run %" PRId64 ": the store's last run is %" PRId64, o->before_run,
                                 last);
        *h = o->before_run;
        return 0;
    }
    /* the keep_runs-th latest run is the first whose records stay */
    return int64_with(s, h, 0, "SELECT id FROM cim_runs ORDER BY id DESC LIMIT 1 OFFSET ?1", o->keep_runs - 1);
}

int cim_changes_prune(cim_prune_stats *out, cim_store *s, const cim_prune_options *opts)
{
    cim_prune_options d = CIM_PRUNE_OPTIONS_INIT;
    const cim_prune_options *o = opts ? opts : &d;
    cim_prune_stats st;
    memset(&st, 0, sizeof st);
    if (out)
        *out = st;
    if (!s)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no store");
    if (o->version != CIM_PRUNE_OPTIONS_VERSION)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "cim_prune_options version %u, this library has %u",
                             o->version, CIM_PRUNE_OPTIONS_VERSION);
    if ((o->before_run > 0) == (o->keep_runs > 0) || o->before_run < 0 || o->keep_runs < 0)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "name the change records to keep: runs from a run id on, or the latest N runs");
    if (s->readonly && !o->dry_run)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only", s->path);
    int write = !o->dry_run;
    int rc = write ? cim_store_begin(s) : 0;
    if (!rc) {
        const char *v = cim_store_meta(s, "changes_pruned_before");
        st.previous_horizon = v ? strtoll(v, NULL, 10) : 0;
        rc = wanted_horizon(s, o, &st.horizon);
    }
    /* a horizon never moves back: the records before it are gone */
    if (!rc && st.horizon < st.previous_horizon)
        st.horizon = st.previous_horizon;
    int has_table = !rc && cim_store_table_exists(s, "cim_changes");
    /* a dry run counts; a prune deletes and counts what is left (a scan of
     * the rows kept, not of the whole record again) */
    if (has_table && !write)
        rc = int64_with(s, &st.rows_deleted, 0, "SELECT count(*) FROM cim_changes WHERE run_id < ?1", st.horizon);
    if (!rc && has_table && !write)
        rc = int64_with(s, &st.rows_kept, 0, "SELECT count(*) FROM cim_changes WHERE run_id >= ?1", st.horizon);
    if (!rc && write) {
        char now[32];
        cim_utc_now(now);
        rc = cim_run_insert(s, &st.run_id, "prune", o->command_line ? o->command_line : "prune", now);
    }
    if (!rc && write && has_table) {
        cim_sql *q = NULL;
        rc = cim_sql_prepare(s, &q, "DELETE FROM cim_changes WHERE run_id < ?1");
        if (!rc)
            rc = cim_sql_bind_int64(q, 1, st.horizon);
        int step = rc ? rc : cim_sql_step(q);
        if (step == CIM_SQL_DONE)
            st.rows_deleted = cim_sql_changes(q);
        rc = step < 0 ? step : 0;
        cim_sql_finalize(q);
    }
    if (!rc && write && st.horizon > st.previous_horizon) {
        cim_sql *q = NULL;
        char v[32];
        snprintf(v, sizeof v, "%" PRId64, st.horizon);
        rc = cim_sql_prepare(s, &q,
                             "INSERT INTO cim_meta(key, value) VALUES ('changes_pruned_before', CAST(?1 AS TEXT))"
                             " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        if (!rc)
            rc = cim_sql_bind_text(q, 1, v, -1);
        int step = rc ? rc : cim_sql_step(q);
        rc = step < 0 ? step : 0;
        cim_sql_finalize(q);
    }
    if (!rc && write && has_table)
        rc = cim_sql_int64_of(s, &st.rows_kept, 0, "SELECT count(*) FROM cim_changes");
    if (!rc && write) {
        char counts[160];
        snprintf(counts, sizeof counts, "{\"deleted\":%" PRId64 ",\"kept\":%" PRId64 ",\"horizon\":%" PRId64 "}",
                 st.rows_deleted, st.rows_kept, st.horizon);
        rc = cim_run_finish(s, st.run_id, counts, NULL);
    }
    if (!rc && write)
        rc = cim_store_commit(s);
    if (rc) {
        int code = rc;
        if (write)
            cim_store_rollback(s);
        return code;
    }
    if (out)
        *out = st;
    return 0;
}
