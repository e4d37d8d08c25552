/* query.c: read-only statements on the store. The store handle is read-only
 * (cim query opens it so); on top, every statement is prepared under an
 * authorizer that allows reading only, and must be read-only by SQLite's own
 * judgement (sqlite3_stmt_readonly). */
#include "cim/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "store_int.h"

struct cim_query {
    cim_store *store;
    sqlite3_stmt *st;
    sqlite3_stmt *as_text;    /* AsText(?1) for WKT */
    sqlite3_stmt *as_geojson; /* AsGeoJSON(ST_Transform(?1, 4326)) */
    char *text;
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

int cim_query_prepare(cim_query **out, cim_store *store, const char *sql)
{
    *out = NULL;
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
    q->store = store;
    q->st = st;
    *out = q;
    return CIM_OK;
}

void cim_query_free(cim_query *q)
{
    if (!q)
        return;
    sqlite3_finalize(q->st);
    sqlite3_finalize(q->as_text);
    sqlite3_finalize(q->as_geojson);
    free(q->text);
    free(q);
}

int cim_query_column_count(const cim_query *q)
{
    return sqlite3_column_count(q->st);
}

const char *cim_query_column_name(const cim_query *q, int col)
{
    return sqlite3_column_name(q->st, col);
}

int cim_query_next(cim_query *q)
{
    int rc = sqlite3_step(q->st);
    if (rc == SQLITE_ROW)
        return CIM_OK;
    if (rc == SQLITE_DONE)
        return CIM_ITEROVER;
    return cim_error_set((rc & 0xff) == SQLITE_AUTH ? CIM_EINVALID : CIM_ESTORE, CIM_ERRCLASS_SQLITE, "SQL: %s",
                         sqlite3_errmsg(q->store->db));
}

/* A SpatiaLite geometry blob: 0x00, byte order, SRID, MBR, 0x7C ... 0xFE. */
static int is_geometry(const unsigned char *b, int n)
{
    return n >= 45 && b[0] == 0x00 && (b[1] == 0x00 || b[1] == 0x01) && b[38] == 0x7C && b[n - 1] == 0xFE;
}

cim_value_type cim_query_value_type(cim_query *q, int col)
{
    switch (sqlite3_column_type(q->st, col)) {
    case SQLITE_INTEGER: return CIM_VALUE_INTEGER;
    case SQLITE_FLOAT: return CIM_VALUE_REAL;
    case SQLITE_TEXT: return CIM_VALUE_TEXT;
    case SQLITE_BLOB:
        return is_geometry(sqlite3_column_blob(q->st, col), sqlite3_column_bytes(q->st, col)) ? CIM_VALUE_GEOMETRY
                                                                                               : CIM_VALUE_BLOB;
    default: return CIM_VALUE_NULL;
    }
}

int64_t cim_query_int(cim_query *q, int col)
{
    return sqlite3_column_int64(q->st, col);
}

double cim_query_double(cim_query *q, int col)
{
    return sqlite3_column_double(q->st, col);
}

static const char *convert(cim_query *q, sqlite3_stmt **conv, const char *sql, int col)
{
    if (!*conv && prepare_ro(q->store, sql, conv, NULL))
        return NULL;
    sqlite3_reset(*conv);
    sqlite3_bind_blob(*conv, 1, sqlite3_column_blob(q->st, col), sqlite3_column_bytes(q->st, col),
                      SQLITE_TRANSIENT);
    free(q->text);
    q->text = NULL;
    if (sqlite3_step(*conv) == SQLITE_ROW && sqlite3_column_text(*conv, 0))
        q->text = strdup((const char *)sqlite3_column_text(*conv, 0));
    sqlite3_reset(*conv);
    return q->text;
}

const char *cim_query_text(cim_query *q, int col)
{
    cim_value_type t = cim_query_value_type(q, col);
    if (t == CIM_VALUE_GEOMETRY)
        return convert(q, &q->as_text, "SELECT AsText(?1)", col);
    if (t == CIM_VALUE_BLOB) {
        const unsigned char *b = sqlite3_column_blob(q->st, col);
        int n = sqlite3_column_bytes(q->st, col);
        free(q->text);
        q->text = malloc((size_t)n * 2 + 1);
        for (int i = 0; i < n; i++)
            snprintf(q->text + 2 * i, 3, "%02x", b[i]);
        q->text[2 * n] = '\0';
        return q->text;
    }
    return (const char *)sqlite3_column_text(q->st, col);
}

const char *cim_query_geojson(cim_query *q, int col)
{
    if (cim_query_value_type(q, col) != CIM_VALUE_GEOMETRY)
        return NULL;
    return convert(q, &q->as_geojson, "SELECT AsGeoJSON(ST_Transform(?1, 4326), 8)", col);
}
