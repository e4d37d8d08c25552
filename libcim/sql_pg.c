/* sql_pg.c: sql_int.h's statements on PostgreSQL through libpq.
 * Parameters go as text (blobs as binary) with their types left for the
 * server to infer, as SQLite's untyped parameters behave. Results come in
 * binary, decoded per column type into SQLite's four value types
 * (pg_value.c), so a geometry column arrives as EWKB and numbers need no
 * parsing. A statement run once is sent with its parameters in one round
 * trip; one run again (a prepared INSERT in a loop) is prepared on the
 * server then. */
#include "sql_pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_value_int.h"
#include "pq_api_int.h"
#include "sql_int.h"

struct cim_pg_stmt {
    cim_store *s;
    char *sql;
    int nparams;
    char **values;
    int *lengths, *formats;
    char name[32];
    int prepared, runs;
    PGresult *res;
    int row, nrows, ncols;
    int64_t changes;
    int failed;  /* a run for column names failed: the next step reports it */
    char *failed_msg;
    char **conv; /* per column: a value converted to text for this row */
};

/* SQLite placeholders (?1, ?) as PostgreSQL's ($1), outside quotes and
 * comments; *nparams gets the highest number. Free with free(). */
static char *placeholders(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 2 + 16);
    if (!out)
        return NULL;
    size_t o = 0;
    int max = 0;
    for (size_t i = 0; i < n;) {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            /* A quoted string or identifier, doubled quotes inside. */
            out[o++] = sql[i++];
            while (i < n) {
                out[o++] = sql[i];
                if (sql[i++] == c) {
                    if (i < n && sql[i] == c)
                        out[o++] = sql[i++];
                    else
                        break;
                }
            }
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n')
                out[o++] = sql[i++];
        } else if (c == '?') {
            i++;
            int k;
            if (i < n && sql[i] >= '0' && sql[i] <= '9') {
                k = 0;
                while (i < n && sql[i] >= '0' && sql[i] <= '9')
                    k = k * 10 + (sql[i++] - '0');
            } else {
                k = max + 1;
            }
            if (k > max)
                max = k;
            o += (size_t)sprintf(out + o, "$%d", k);
        } else {
            out[o++] = sql[i++];
        }
    }
    out[o] = '\0';
    *nparams = max;
    return out;
}

int cim_pg_error(cim_store *s, const void *res, const char *what)
{
    const PGresult *r = res;
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(s->pg);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* 23505 unique_violation: the same meaning as SQLite's constraint error. */
    int code = state && !strcmp(state, "23505") ? CIM_EEXISTS : CIM_ESTORE;
    size_t len = msg ? strlen(msg) : 0;
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    /* libpq's messages start with "ERROR:  "; the class says where it came from. */
    if (msg && !strncmp(msg, "ERROR:  ", 8)) {
        msg += 8;
        len -= 8;
    }
    return cim_error_set(code, CIM_ERRCLASS_POSTGRES, "store '%s': %s%s%.*s", s->path, what ? what : "",
                         what ? ": " : "", (int)len, msg ? msg : "unknown error");
}

int cim_pg_exec(cim_store *s, const char *sql)
{
    PGresult *r = PQexec(s->pg, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? CIM_OK : cim_pg_error(s, r, NULL);
    PQclear(r);
    return rc;
}

int cim_pg_prepare(cim_store *s, cim_pg_stmt **out, const char *sql)
{
    cim_pg_stmt *q = calloc(1, sizeof *q);
    if (!q)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    q->s = s;
    q->sql = placeholders(sql, &q->nparams);
    if (q->nparams) {
        q->values = calloc((size_t)q->nparams, sizeof *q->values);
        q->lengths = calloc((size_t)q->nparams, sizeof *q->lengths);
        q->formats = calloc((size_t)q->nparams, sizeof *q->formats);
    }
    q->row = -1;
    if (!q->sql || (q->nparams && (!q->values || !q->lengths || !q->formats))) {
        cim_pg_finalize(s, q);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    snprintf(q->name, sizeof q->name, "cim_%u", ++s->pg_statements);
    *out = q;
    return CIM_OK;
}

int cim_pg_bind(cim_pg_stmt *q, int i, const void *v, size_t n, int binary)
{
    if (i < 1 || i > q->nparams)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "parameter %d of %d bound", i, q->nparams);
    free(q->values[i - 1]);
    q->values[i - 1] = NULL;
    q->lengths[i - 1] = 0;
    q->formats[i - 1] = binary;
    if (!v)
        return CIM_OK;
    char *copy = malloc(n + 1);
    if (!copy)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    memcpy(copy, v, n);
    copy[n] = '\0';
    q->values[i - 1] = copy;
    q->lengths[i - 1] = (int)n;
    return CIM_OK;
}

int cim_pg_bind_int64(cim_pg_stmt *q, int i, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return cim_pg_bind(q, i, buf, (size_t)n, 0);
}

int cim_pg_bind_double(cim_pg_stmt *q, int i, double v)
{
    char buf[40];
    int n = cim_pg_format_double(buf, sizeof buf, v);
    return cim_pg_bind(q, i, buf, (size_t)n, 0);
}

static void clear_row(cim_pg_stmt *q)
{
    if (!q->conv)
        return;
    for (int i = 0; i < q->ncols; i++) {
        free(q->conv[i]);
        q->conv[i] = NULL;
    }
}

static void clear_result(cim_pg_stmt *q)
{
    clear_row(q);
    free(q->conv);
    q->conv = NULL;
    PQclear(q->res);
    q->res = NULL;
    q->row = -1;
    q->nrows = q->ncols = 0;
}

static int run(cim_store *s, cim_pg_stmt *q)
{
    const char *const *values = (const char *const *)q->values;
    if (q->runs == 1 && !q->prepared) {
        PGresult *p = PQprepare(s->pg, q->name, q->sql, q->nparams, NULL);
        int ok = PQresultStatus(p) == PGRES_COMMAND_OK;
        PQclear(p);
        q->prepared = ok; /* else it simply runs unprepared again */
    }
    q->runs++;
    q->res = q->prepared ? PQexecPrepared(s->pg, q->name, q->nparams, values, q->lengths, q->formats, 1)
                         : PQexecParams(s->pg, q->sql, q->nparams, NULL, values, q->lengths, q->formats, 1);
    ExecStatusType st = PQresultStatus(q->res);
    if (st == PGRES_TUPLES_OK) {
        q->nrows = PQntuples(q->res);
        q->ncols = PQnfields(q->res);
        q->conv = calloc((size_t)(q->ncols ? q->ncols : 1), sizeof *q->conv);
        if (!q->conv)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        q->changes = 0;
        return CIM_OK;
    }
    if (st == PGRES_COMMAND_OK) {
        const char *t = PQcmdTuples(q->res);
        q->changes = t && *t ? strtoll(t, NULL, 10) : 0;
        q->nrows = 0;
        return CIM_OK;
    }
    int rc = cim_pg_error(s, q->res, NULL);
    clear_result(q);
    return rc;
}

int cim_pg_step(cim_store *s, cim_pg_stmt *q)
{
    if (q->failed) {
        int rc = q->failed;
        q->failed = 0;
        return cim_error_set(rc, CIM_ERRCLASS_POSTGRES, "%s", q->failed_msg ? q->failed_msg : "statement failed");
    }
    if (!q->res) {
        int rc = run(s, q);
        if (rc)
            return rc;
    }
    clear_row(q);
    if (q->row < q->nrows)
        q->row++;
    return q->row < q->nrows ? CIM_SQL_ROW : CIM_SQL_DONE;
}

int cim_pg_reset(cim_pg_stmt *q)
{
    clear_result(q);
    q->failed = 0;
    return CIM_OK;
}

void cim_pg_finalize(cim_store *s, cim_pg_stmt *q)
{
    if (!q)
        return;
    clear_result(q);
    if (q->prepared && s->pg) {
        char sql[64];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
        PQclear(PQexec(s->pg, sql));
    }
    for (int i = 0; i < q->nparams && q->values; i++)
        free(q->values[i]);
    free(q->failed_msg);
    free(q->values);
    free(q->lengths);
    free(q->formats);
    free(q->sql);
    free(q);
}

/* Columns are known once the statement has run: asking before the first
 * step runs it (as SQLite knows them after prepare); a failure then waits
 * for that step to report it. */
static void run_for_columns(cim_pg_stmt *q)
{
    if (q->res || q->failed)
        return;
    int rc = run(q->s, q);
    if (rc) {
        q->failed = rc;
        free(q->failed_msg);
        q->failed_msg = strdup(cim_error_last()->message);
    }
}

int cim_pg_column_count(cim_pg_stmt *q)
{
    run_for_columns(q);
    return q->res ? PQnfields(q->res) : 0;
}

const char *cim_pg_column_name(cim_pg_stmt *q, int i)
{
    run_for_columns(q);
    return q->res && i >= 0 && i < PQnfields(q->res) ? PQfname(q->res, i) : NULL;
}

static int in_row(cim_pg_stmt *q, int i)
{
    return q->res && q->row >= 0 && q->row < q->nrows && i >= 0 && i < q->ncols &&
           !PQgetisnull(q->res, q->row, i);
}

static const unsigned char *raw(cim_pg_stmt *q, int i)
{
    return (const unsigned char *)PQgetvalue(q->res, q->row, i);
}

int cim_pg_type(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return CIM_SQL_NULL;
    return cim_pg_value_type(PQftype(q->res, i), raw(q, i), PQgetlength(q->res, q->row, i));
}

int64_t cim_pg_int64(cim_pg_stmt *q, int i)
{
    return in_row(q, i) ? cim_pg_value_int64(PQftype(q->res, i), raw(q, i), PQgetlength(q->res, q->row, i)) : 0;
}

double cim_pg_double(cim_pg_stmt *q, int i)
{
    return in_row(q, i) ? cim_pg_value_double(PQftype(q->res, i), raw(q, i), PQgetlength(q->res, q->row, i)) : 0;
}

const char *cim_pg_text(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return NULL;
    if (q->conv[i])
        return q->conv[i];
    const char *t = cim_pg_value_text(PQftype(q->res, i), raw(q, i), PQgetlength(q->res, q->row, i), &q->conv[i]);
    return q->conv[i] ? q->conv[i] : t;
}

const void *cim_pg_blob(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return NULL;
    int type = cim_pg_type(q, i);
    if (type == CIM_SQL_BLOB)
        return raw(q, i);
    return cim_pg_text(q, i);
}

int cim_pg_bytes(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return 0;
    if (cim_pg_type(q, i) == CIM_SQL_BLOB)
        return PQgetlength(q->res, q->row, i);
    const char *t = cim_pg_text(q, i);
    return t ? (int)strlen(t) : 0;
}

int cim_pg_is_geometry(cim_store *s, cim_pg_stmt *q, int i)
{
    return in_row(q, i) && s->pg_geometry_oid && PQftype(q->res, i) == s->pg_geometry_oid;
}

int64_t cim_pg_changes(cim_pg_stmt *q)
{
    return q->changes;
}

int cim_pg_copy_begin(cim_store *s, const char *copy_sql)
{
    PGresult *r = PQexec(s->pg, copy_sql);
    int rc = PQresultStatus(r) == PGRES_COPY_IN ? CIM_OK : cim_pg_error(s, r, NULL);
    PQclear(r);
    return rc;
}

int cim_pg_copy_put(cim_store *s, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        int piece = n > (1u << 30) ? (1 << 30) : (int)n;
        if (PQputCopyData(s->pg, p, piece) != 1)
            return cim_pg_error(s, NULL, "COPY");
        p += piece;
        n -= (size_t)piece;
    }
    return CIM_OK;
}

int cim_pg_copy_end(cim_store *s, int64_t *rows)
{
    int rc = CIM_OK;
    if (PQputCopyEnd(s->pg, NULL) != 1)
        rc = cim_pg_error(s, NULL, "COPY");
    PGresult *r;
    while ((r = PQgetResult(s->pg)) != NULL) {
        if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = cim_pg_error(s, r, NULL);
        else if (!rc && rows) {
            const char *t = PQcmdTuples(r);
            *rows = t && *t ? strtoll(t, NULL, 10) : 0;
        }
        PQclear(r);
    }
    return rc;
}
