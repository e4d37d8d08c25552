/* pipeline_log.c: the run log of `cim run` (a cim_runs row for the run, one
 * cim_run_steps row per step, each written in its own short transaction so a
 * step's own transaction stays the only thing a failure rolls back) and the
 * lock that keeps two runs on one store from interleaving. */
#include "pipeline_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "store_pg_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* Stores made before `cim run` existed get the table on their first run.
 * The types are cim_runs' own on either backend (%s: INTEGER, REAL). */
static const char *const steps_sql =
    "CREATE TABLE IF NOT EXISTS cim_run_steps("
    " run_id %s NOT NULL REFERENCES cim_runs(id),"
    " seq INTEGER NOT NULL,"
    " step TEXT NOT NULL,"
    " command TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('ok','skipped','failed')),"
    " reason TEXT, fingerprint TEXT,"
    " step_run %s REFERENCES cim_runs(id),"
    " started_at TEXT, ended_at TEXT, seconds %s, exit_code INTEGER, counts TEXT,"
    " PRIMARY KEY (run_id, step));";

int cim_pipeline_log_begin(int64_t *out_run, cim_store *s, const char *arguments, const char *started_at)
{
    *out_run = 0;
    int rc = cim_store_begin(s);
    if (!rc)
        rc = cim_store_execf(s, steps_sql, cim_store_is_pg(s) ? "BIGINT" : "INTEGER",
                             cim_store_is_pg(s) ? "BIGINT" : "INTEGER", cim_sql_decl(s, "REAL"));
    /* We hold the run lock: a run still 'running' was killed. */
    if (!rc)
        rc = cim_store_exec(s, "UPDATE cim_runs SET status = 'interrupted' WHERE command = 'run' AND status = 'running'");
    if (!rc)
        rc = cim_run_insert(s, out_run, "run", arguments, started_at);
    if (!rc)
        rc = cim_store_commit(s);
    if (rc)
        cim_store_rollback(s);
    return rc;
}

int cim_pipeline_last_run_id(cim_store *s, int64_t *out)
{
    return cim_sql_int64_of(s, out, 0, "SELECT coalesce(max(id), 0) FROM cim_runs");
}

/* The cim_runs row the step's command wrote: the highest id above after. */
static int step_run_row(cim_store *s, int64_t run, int64_t after, int64_t *id, char *counts, size_t cap)
{
    *id = 0;
    if (cap)
        counts[0] = '\0';
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(s, &q, "SELECT id, counts FROM cim_runs WHERE id > ?1 AND id <> ?2 ORDER BY id DESC LIMIT 1");
    if (!rc)
        rc = cim_sql_bind_int64(q, 1, after);
    if (!rc)
        rc = cim_sql_bind_int64(q, 2, run);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_ROW) {
        *id = cim_sql_int64(q, 0);
        if (cap && cim_sql_text(q, 1))
            snprintf(counts, cap, "%s", cim_sql_text(q, 1));
    }
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

int cim_pipeline_log_step(cim_store *s, int64_t run, const cim_pipeline_step_log *row, char *counts_out, size_t cap)
{
    char local[4096];
    char *counts = counts_out && cap ? counts_out : local;
    size_t ccap = counts_out && cap ? cap : sizeof local;
    int64_t step_run = 0;
    int rc = CIM_OK;
    if (!strcmp(row->status, "skipped"))
        counts[0] = '\0';
    else
        rc = step_run_row(s, run, row->after_run, &step_run, counts, ccap);
    if (rc)
        return rc;
    rc = cim_store_begin(s);
    if (rc)
        return rc;
    /* an upsert both backends read: a step logged twice in a run (--only
     * after a failure) keeps its last outcome */
    cim_sql *ins = NULL;
    rc = cim_sql_prepare(s, &ins,
                         "INSERT INTO cim_run_steps(run_id, seq, step, command, status, reason,"
                         " fingerprint, step_run, started_at, ended_at, seconds, exit_code, counts)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                         " ON CONFLICT (run_id, step) DO UPDATE SET seq = excluded.seq, command = excluded.command,"
                         " status = excluded.status, reason = excluded.reason, fingerprint = excluded.fingerprint,"
                         " step_run = excluded.step_run, started_at = excluded.started_at,"
                         " ended_at = excluded.ended_at, seconds = excluded.seconds,"
                         " exit_code = excluded.exit_code, counts = excluded.counts");
    if (!rc)
        rc = cim_sql_bind_int64(ins, 1, run);
    if (!rc)
        rc = cim_sql_bind_int64(ins, 2, (int64_t)row->seq);
    if (!rc)
        rc = cim_sql_bind_text(ins, 3, row->step, -1);
    if (!rc)
        rc = cim_sql_bind_text(ins, 4, row->command, -1);
    if (!rc)
        rc = cim_sql_bind_text(ins, 5, row->status, -1);
    if (!rc)
        rc = cim_sql_bind_text(ins, 6, row->reason, -1);
    if (!rc)
        rc = cim_sql_bind_text(ins, 7, row->fingerprint && *row->fingerprint ? row->fingerprint : NULL, -1);
    if (!rc)
        rc = step_run ? cim_sql_bind_int64(ins, 8, step_run) : cim_sql_bind_null(ins, 8);
    if (!rc)
        rc = cim_sql_bind_text(ins, 9, row->started_at, -1);
    if (!rc)
        rc = cim_sql_bind_text(ins, 10, row->ended_at, -1);
    if (!rc)
        rc = cim_sql_bind_double(ins, 11, row->seconds);
    if (!rc)
        rc = cim_sql_bind_int64(ins, 12, row->exit_code);
    if (!rc)
        rc = cim_sql_bind_text(ins, 13, *counts ? counts : NULL, -1);
    int step = rc ? rc : cim_sql_step(ins);
    cim_sql_finalize(ins);
    rc = step < 0 ? step : CIM_OK;
    if (!rc)
        rc = cim_store_commit(s);
    if (rc)
        cim_store_rollback(s);
    return rc;
}

int cim_pipeline_log_end(cim_store *s, int64_t run, const char *status, const char *counts_json, const char *message)
{
    return cim_run_end(s, run, status, counts_json, message);
}

struct cim_pipeline_lock {
    int fd;
    cim_store *pg;  /* PostGIS: the session holding the advisory lock */
};

/* PostGIS: pg_try_advisory_lock on the schema's name, on a connection of
 * its own that lives as long as the run (the server drops the lock when it
 * ends, so a killed run leaves none). The store may not exist yet. */
static int lock_pg(cim_pipeline_lock **out, const char *conninfo)
{
    cim_store *s = calloc(1, sizeof *s);
    if (!s)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    int rc = cim_pg_connect(s, conninfo);
    cim_sql *q = NULL;
    /* the schema's name as written: before init it does not exist, and
     * current_schema() would name the next one in the search path */
    if (!rc)
        rc = cim_sql_prepare(s, &q, "SELECT CAST(pg_try_advisory_lock(hashtext('cim run ' || CAST(?1 AS TEXT)))"
                                    " AS INTEGER)");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, s->schema, -1);
    int step = rc ? rc : cim_sql_step(q);
    int got = step == CIM_SQL_ROW && cim_sql_int64(q, 0) == 1;
    cim_sql_finalize(q);
    if (step >= 0 && !got)
        step = cim_error_set(CIM_ESTORE, CIM_ERRCLASS_IO,
                             "store '%s' is being updated by another 'cim run' (it holds the schema's advisory lock);"
                             " not starting a second one",
                             s->path);
    if (step < 0) {
        cim_store_free(s);
        return step;
    }
    cim_pipeline_lock *l = malloc(sizeof *l);
    l->fd = -1;
    l->pg = s;
    *out = l;
    return CIM_OK;
}

int cim_pipeline_lock_take(cim_pipeline_lock **out, const char *store_path)
{
    *out = NULL;
    if (cim_store_is_conninfo(store_path))
        return lock_pg(out, store_path);
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s.lock", store_path) >= sizeof path)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store path too long");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "lock file '%s': %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        char holder[128] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        if (busy)
            return cim_error_set(CIM_ESTORE, CIM_ERRCLASS_IO,
                                 "store '%s' is being updated by another 'cim run' (%s); not starting a second one",
                                 store_path, *holder ? holder : "holder unknown");
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "lock file '%s': %s", path, strerror(errno));
    }
    char now[32], text[128];
    cim_utc_now(now);
    int n = snprintf(text, sizeof text, "pid %ld, since %s\n", (long)getpid(), now);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
        /* The lock holds without the note; only the message would lack it. */
    }
    cim_pipeline_lock *l = malloc(sizeof *l);
    l->fd = fd;
    l->pg = NULL;
    *out = l;
    return CIM_OK;
}

void cim_pipeline_lock_free(cim_pipeline_lock *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd);
    cim_store_free(l->pg);
    free(l);
}
