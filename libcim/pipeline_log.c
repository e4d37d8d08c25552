/* pipeline_log.c: the run log of `cim run` (a cim_runs row for the run, one
 * cim_run_steps row per step, each written in its own short transaction so a
 * step's own transaction stays the only thing a failure rolls back) and the
 * lock that keeps two runs on one store from interleaving. */
#include "pipeline_int.h"
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* Stores made before `cim run` existed get the table on their first run. */
static const char *const steps_sql =
    "CREATE TABLE IF NOT EXISTS cim_run_steps("
    " run_id INTEGER NOT NULL REFERENCES cim_runs(id),"
    " seq INTEGER NOT NULL,"
    " step TEXT NOT NULL,"
    " command TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('ok','skipped','failed')),"
    " reason TEXT, fingerprint TEXT,"
    " step_run INTEGER REFERENCES cim_runs(id),"
    " started_at TEXT, ended_at TEXT, seconds REAL, exit_code INTEGER, counts TEXT,"
    " PRIMARY KEY (run_id, step));";

int cim_pipeline_log_begin(int64_t *out_run, cim_store *s, const char *arguments, const char *started_at)
{
    *out_run = 0;
    int rc = cim_store_begin(s);
    if (!rc)
        rc = cim_store_exec(s, steps_sql);
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
    *out = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM cim_runs", -1, &q, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_runs");
    if (sqlite3_step(q) == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return CIM_OK;
}

/* The cim_runs row the step's command wrote: the highest id above after. */
static int step_run_row(cim_store *s, int64_t run, int64_t after, int64_t *id, char *counts, size_t cap)
{
    *id = 0;
    if (cap)
        counts[0] = '\0';
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id, counts FROM cim_runs WHERE id > ?1 AND id <> ?2 ORDER BY id DESC LIMIT 1",
                           -1, &q, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_runs");
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, run);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        if (cap && sqlite3_column_text(q, 1))
            snprintf(counts, cap, "%s", (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    return CIM_OK;
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
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO cim_run_steps(run_id, seq, step, command, status, reason,"
                           " fingerprint, step_run, started_at, ended_at, seconds, exit_code, counts)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                           -1, &ins, NULL) != SQLITE_OK) {
        rc = cim_store_sqlite_error(s, "cim_run_steps");
        cim_store_rollback(s);
        return rc;
    }
    sqlite3_bind_int64(ins, 1, run);
    sqlite3_bind_int64(ins, 2, (sqlite3_int64)row->seq);
    sqlite3_bind_text(ins, 3, row->step, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, row->command, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, row->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 6, row->reason, -1, SQLITE_STATIC);
    if (row->fingerprint && *row->fingerprint)
        sqlite3_bind_text(ins, 7, row->fingerprint, -1, SQLITE_STATIC);
    if (step_run)
        sqlite3_bind_int64(ins, 8, step_run);
    sqlite3_bind_text(ins, 9, row->started_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 10, row->ended_at, -1, SQLITE_STATIC);
    sqlite3_bind_double(ins, 11, row->seconds);
    sqlite3_bind_int(ins, 12, row->exit_code);
    if (*counts)
        sqlite3_bind_text(ins, 13, counts, -1, SQLITE_STATIC);
    rc = sqlite3_step(ins) == SQLITE_DONE ? CIM_OK : cim_store_sqlite_error(s, "cim_run_steps");
    sqlite3_finalize(ins);
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
};

/* flock() on a file of its own: SQLite's fcntl() locks on the store are
 * released when any descriptor of the file closes, and the store may not exist
 * yet (an init step). flock is released by the kernel when the holder dies, so
 * a killed run never leaves a stale lock. */
int cim_pipeline_lock_take(cim_pipeline_lock **out, const char *store_path)
{
    *out = NULL;
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
    *out = l;
    return CIM_OK;
}

void cim_pipeline_lock_free(cim_pipeline_lock *l)
{
    if (!l)
        return;
    close(l->fd);
    free(l);
}
