/* query.c: read-only statements on the store.
 * SpatiaLite: the store handle is read-only (cim query opens it so); on top,
 * every statement is prepared under an authorizer that allows reading only,
 * and must be read-only by SQLite's own judgement (sqlite3_stmt_readonly).
 * PostGIS: the statement runs in a transaction begun READ ONLY (and the
 * session of a read-only store makes every transaction so), and must start
 * like a query (SELECT, WITH, VALUES, TABLE, EXPLAIN, SHOW); the server
 * refuses any write and more than one statement. */
#include "cim/query.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "store_pg_int.h"

struct cim_query {
    cim_store *store;
    cim_sql *st;
    cim_sql *as_text;    /* AsText(?1) for WKT */
    cim_sql *as_geojson; /* AsGeoJSON(ST_Transform(?1, 4326)) */
    char *text;
    int began;           /* PostGIS: this query began the read-only transaction */
};

static int prepare_ro(cim_store *s, const char *sql, sqlite3_stmt **st, const char **tail)
{
    sqlite3_set_authorizer(s->db, cim_store_readonly_authorizer, NULL);
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, tail);
    if (!s->readonly)
        sqlite3_set_authorizer(s->db, NULL, NULL);
    if (rc != SQLITE_OK) {
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_SQLITE, "SQL: %s%s", sqlite3_errmsg(s->db),
                             rc == SQLITE_AUTH ? " (queries are read-only)" : "");
    }
    return CIM_OK;
}

/* Non-zero when sql holds no statement, only whitespace, ';' and comments:
 * a comment after the one statement is not a second statement. Preparing
 * runs nothing, and whatever it prepares is finalized unrun. */
static int no_statement(sqlite3 *db, const char *sql)
{
    while (sql && *sql) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
        int found = st != NULL;
        sqlite3_finalize(st);
        if (rc != SQLITE_OK || found || !tail || tail == sql)
            return 0;
        sql = tail;
    }
    return 1;
}

/* The first keyword, past blanks, comments and opening parentheses. */
static const char *first_word(const char *sql, size_t *len)
{
    for (;;) {
        while (*sql && (isspace((unsigned char)*sql) || *sql == '('))
            sql++;
        if (sql[0] == '-' && sql[1] == '-') {
            sql += strcspn(sql, "\n");
        } else if (sql[0] == '/' && sql[1] == '*') {
            const char *end = strstr(sql + 2, "*/");
            sql = end ? end + 2 : sql + strlen(sql);
        } else {
            break;
        }
    }
    *len = 0;
    while (isalpha((unsigned char)sql[*len]))
        (*len)++;
    return sql;
}

static int prepare_pg(cim_query **out, cim_store *store, const char *sql)
{
    static const char *const reading[] = {"SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN", "SHOW"};
    size_t n;
    const char *w = first_word(sql, &n);
    if (!n)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no SQL statement");
    int ok = 0;
    for (size_t i = 0; i < sizeof reading / sizeof reading[0]; i++)
        ok |= strlen(reading[i]) == n && !strncasecmp(w, reading[i], n);
    if (!ok)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "not authorized: queries are read-only ('%.*s')",
                             (int)n, w);
    cim_query *q = calloc(1, sizeof *q);
    if (!q)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    q->store = store;
    int rc = CIM_OK;
    if (!cim_pg_in_transaction(store)) {
        rc = cim_store_exec(store, "BEGIN; SET TRANSACTION READ ONLY");
        q->began = rc == CIM_OK;
    }
    if (!rc)
        rc = cim_sql_prepare(store, &q->st, sql);
    if (rc) {
        cim_query_free(q);
        return rc;
    }
    *out = q;
    return CIM_OK;
}

int cim_query_prepare(cim_query **out, cim_store *store, const char *sql)
{
    *out = NULL;
    if (cim_store_is_pg(store))
        return prepare_pg(out, store, sql);
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = prepare_ro(store, sql, &st, &tail);
    if (rc)
        return rc;
    if (!st)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no SQL statement");
    while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == '\r' || *tail == ';'))
        tail++;
    if (!no_statement(store->db, tail)) {
        sqlite3_finalize(st);
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "one statement at a time (extra: '%.40s')", tail);
    }
    if (!sqlite3_stmt_readonly(st)) {
        sqlite3_finalize(st);
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "not authorized: queries are read-only");
    }
    cim_query *q = calloc(1, sizeof *q);
    if (!q || cim_sql_adopt(store, &q->st, st)) {
        sqlite3_finalize(st);
        free(q);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    q->store = store;
    *out = q;
    return CIM_OK;
}

void cim_query_free(cim_query *q)
{
    if (!q)
        return;
    cim_sql_finalize(q->st);
    cim_sql_finalize(q->as_text);
    cim_sql_finalize(q->as_geojson);
    if (q->began)
        cim_store_exec(q->store, "ROLLBACK"); /* it read only: nothing to keep */
    free(q->text);
    free(q);
}

int cim_query_column_count(const cim_query *q)
{
    return cim_sql_column_count(q->st);
}

const char *cim_query_column_name(const cim_query *q, int col)
{
    return cim_sql_column_name(q->st, col);
}

int cim_query_next(cim_query *q)
{
    int rc = cim_sql_step(q->st);
    if (rc == CIM_SQL_ROW)
        return CIM_OK;
    if (rc == CIM_SQL_DONE)
        return CIM_ITEROVER;
    const cim_error *e = cim_error_last();
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", e->message);
    cim_error_class klass = e->klass;
    /* "store '...': why" -> "why": the command names the store already. */
    const char *why = msg;
    if (!strncmp(why, "store '", 7) && strstr(why, "': "))
        why = strstr(why, "': ") + 3;
    /* A write refused by the read-only authorizer or transaction is the
     * user's mistake (usage), not a store failure. */
    int denied = strstr(why, "not authorized") || strstr(why, "read-only transaction") ||
                 strstr(why, "multiple commands");
    return cim_error_set(denied ? CIM_EINVALID : CIM_ESTORE, klass, "SQL: %s%s", why,
                         denied ? " (queries are read-only, one statement at a time)" : "");
}

cim_value_type cim_query_value_type(cim_query *q, int col)
{
    switch (cim_sql_type(q->st, col)) {
    case CIM_SQL_INTEGER: return CIM_VALUE_INTEGER;
    case CIM_SQL_FLOAT: return CIM_VALUE_REAL;
    case CIM_SQL_TEXT: return CIM_VALUE_TEXT;
    case CIM_SQL_BLOB: return cim_sql_is_geometry(q->st, col) ? CIM_VALUE_GEOMETRY : CIM_VALUE_BLOB;
    default: return CIM_VALUE_NULL;
    }
}

int64_t cim_query_int(cim_query *q, int col)
{
    return cim_sql_int64(q->st, col);
}

double cim_query_double(cim_query *q, int col)
{
    return cim_sql_double(q->st, col);
}

/* A geometry as text by the store's own functions (AsText, AsGeoJSON on
 * SpatiaLite; ST_AsText, ST_AsGeoJSON on PostGIS: the same output). */
static const char *convert(cim_query *q, cim_sql **conv, const char *splite_sql, const char *pg_sql, int col)
{
    if (!*conv) {
        if (cim_store_is_pg(q->store)) {
            if (cim_sql_prepare(q->store, conv, pg_sql))
                return NULL;
        } else {
            sqlite3_stmt *st = NULL;
            if (prepare_ro(q->store, splite_sql, &st, NULL) || cim_sql_adopt(q->store, conv, st)) {
                sqlite3_finalize(st);
                return NULL;
            }
        }
    }
    cim_sql_reset(*conv);
    cim_sql_bind_blob(*conv, 1, cim_sql_blob(q->st, col), (size_t)cim_sql_bytes(q->st, col));
    free(q->text);
    q->text = NULL;
    if (cim_sql_step(*conv) == CIM_SQL_ROW && cim_sql_text(*conv, 0))
        q->text = strdup(cim_sql_text(*conv, 0));
    cim_sql_reset(*conv);
    return q->text;
}

const char *cim_query_text(cim_query *q, int col)
{
    cim_value_type t = cim_query_value_type(q, col);
    if (t == CIM_VALUE_GEOMETRY)
        return convert(q, &q->as_text, "SELECT AsText(?1)", "SELECT ST_AsText(CAST(?1 AS geometry))", col);
    if (t == CIM_VALUE_BLOB) {
        const unsigned char *b = cim_sql_blob(q->st, col);
        int n = cim_sql_bytes(q->st, col);
        free(q->text);
        q->text = malloc((size_t)n * 2 + 1);
        for (int i = 0; i < n; i++)
            snprintf(q->text + 2 * i, 3, "%02x", b[i]);
        q->text[2 * n] = '\0';
        return q->text;
    }
    return cim_sql_text(q->st, col);
}

const char *cim_query_geojson(cim_query *q, int col)
{
    if (cim_query_value_type(q, col) != CIM_VALUE_GEOMETRY)
        return NULL;
    return convert(q, &q->as_geojson, "SELECT AsGeoJSON(ST_Transform(?1, 4326), 8)",
                   "SELECT ST_AsGeoJSON(ST_Transform(CAST(?1 AS geometry), 4326), 8)", col);
}
