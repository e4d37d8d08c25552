/* sql.c: statements on the store (sql_int.h): SQLite here, PostgreSQL in
 * sql_pg.c behind the same calls. */
#include "sql_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql_pg_int.h"

struct cim_sql {
    cim_store *s;
    sqlite3_stmt *st;   /* SQLite */
    cim_pg_stmt *pg;    /* PostgreSQL */
};

int cim_store_is_pg(const cim_store *s)
{
    return s && s->pg != NULL;
}

int cim_sql_prepare(cim_store *s, cim_sql **out, const char *sql)
{
    *out = NULL;
    cim_sql *q = calloc(1, sizeof *q);
    if (!q)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    q->s = s;
    int rc;
    if (s->pg) {
        rc = cim_pg_prepare(s, &q->pg, sql);
    } else {
        rc = sqlite3_prepare_v2(s->db, sql, -1, &q->st, NULL) == SQLITE_OK
                 ? CIM_OK
                 : cim_error_set(CIM_ESTORE, CIM_ERRCLASS_SQLITE, "store '%s': %s", s->path, sqlite3_errmsg(s->db));
    }
    if (rc) {
        cim_sql_finalize(q);
        return rc;
    }
    *out = q;
    return CIM_OK;
}

int cim_sql_adopt(cim_store *s, cim_sql **out, sqlite3_stmt *st)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    (*out)->s = s;
    (*out)->st = st;
    return CIM_OK;
}

int cim_sql_preparef(cim_store *s, cim_sql **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (!sql) {
        *out = NULL;
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    int rc = cim_sql_prepare(s, out, sql);
    sqlite3_free(sql);
    return rc;
}

static int bound(cim_sql *q, int sqlite_rc)
{
    if (sqlite_rc == SQLITE_OK)
        return CIM_OK;
    return cim_error_set(CIM_ESTORE, CIM_ERRCLASS_SQLITE, "store '%s': %s", q->s->path, sqlite3_errmsg(q->s->db));
}

int cim_sql_bind_int64(cim_sql *q, int i, int64_t v)
{
    return q->pg ? cim_pg_bind_int64(q->pg, i, v) : bound(q, sqlite3_bind_int64(q->st, i, v));
}

int cim_sql_bind_double(cim_sql *q, int i, double v)
{
    return q->pg ? cim_pg_bind_double(q->pg, i, v) : bound(q, sqlite3_bind_double(q->st, i, v));
}

int cim_sql_bind_text(cim_sql *q, int i, const char *v, int n)
{
    if (!v)
        return cim_sql_bind_null(q, i);
    if (n < 0)
        n = (int)strlen(v);
    return q->pg ? cim_pg_bind(q->pg, i, v, (size_t)n, 0)
                 : bound(q, sqlite3_bind_text(q->st, i, v, n, SQLITE_TRANSIENT));
}

int cim_sql_bind_blob(cim_sql *q, int i, const void *v, size_t n)
{
    if (!v)
        return cim_sql_bind_null(q, i);
    return q->pg ? cim_pg_bind(q->pg, i, v, n, 1)
                 : bound(q, sqlite3_bind_blob64(q->st, i, v, (sqlite3_uint64)n, SQLITE_TRANSIENT));
}

int cim_sql_bind_null(cim_sql *q, int i)
{
    return q->pg ? cim_pg_bind(q->pg, i, NULL, 0, 0) : bound(q, sqlite3_bind_null(q->st, i));
}

int cim_sql_step(cim_sql *q)
{
    if (q->pg)
        return cim_pg_step(q->s, q->pg);
    int rc = sqlite3_step(q->st);
    if (rc == SQLITE_ROW)
        return CIM_SQL_ROW;
    if (rc == SQLITE_DONE)
        return CIM_SQL_DONE;
    int code = (rc & 0xff) == SQLITE_CONSTRAINT && (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                   ? CIM_EEXISTS
                   : CIM_ESTORE;
    return cim_error_set(code, CIM_ERRCLASS_SQLITE, "store '%s': %s", q->s->path, sqlite3_errmsg(q->s->db));
}

int cim_sql_reset(cim_sql *q)
{
    if (q->pg)
        return cim_pg_reset(q->pg);
    sqlite3_reset(q->st);
    return CIM_OK;
}

void cim_sql_finalize(cim_sql *q)
{
    if (!q)
        return;
    if (q->pg)
        cim_pg_finalize(q->s, q->pg);
    sqlite3_finalize(q->st);
    free(q);
}

int cim_sql_column_count(cim_sql *q)
{
    return q->pg ? cim_pg_column_count(q->pg) : sqlite3_column_count(q->st);
}

const char *cim_sql_column_name(cim_sql *q, int i)
{
    return q->pg ? cim_pg_column_name(q->pg, i) : sqlite3_column_name(q->st, i);
}

int cim_sql_type(cim_sql *q, int i)
{
    if (q->pg)
        return cim_pg_type(q->pg, i);
    switch (sqlite3_column_type(q->st, i)) {
    case SQLITE_INTEGER: return CIM_SQL_INTEGER;
    case SQLITE_FLOAT: return CIM_SQL_FLOAT;
    case SQLITE_TEXT: return CIM_SQL_TEXT;
    case SQLITE_BLOB: return CIM_SQL_BLOB;
    default: return CIM_SQL_NULL;
    }
}

int64_t cim_sql_int64(cim_sql *q, int i)
{
    return q->pg ? cim_pg_int64(q->pg, i) : sqlite3_column_int64(q->st, i);
}

double cim_sql_double(cim_sql *q, int i)
{
    return q->pg ? cim_pg_double(q->pg, i) : sqlite3_column_double(q->st, i);
}

const char *cim_sql_text(cim_sql *q, int i)
{
    return q->pg ? cim_pg_text(q->pg, i) : (const char *)sqlite3_column_text(q->st, i);
}

const void *cim_sql_blob(cim_sql *q, int i)
{
    return q->pg ? cim_pg_blob(q->pg, i) : sqlite3_column_blob(q->st, i);
}

int cim_sql_bytes(cim_sql *q, int i)
{
    return q->pg ? cim_pg_bytes(q->pg, i) : sqlite3_column_bytes(q->st, i);
}

int cim_sql_is_geometry(cim_sql *q, int i)
{
    if (q->pg)
        return cim_pg_is_geometry(q->s, q->pg, i);
    /* 0x00, byte order, SRID, MBR, 0x7C ... 0xFE. */
    const unsigned char *b = sqlite3_column_blob(q->st, i);
    int n = sqlite3_column_bytes(q->st, i);
    return b && n >= 45 && b[0] == 0x00 && (b[1] == 0x00 || b[1] == 0x01) && b[38] == 0x7C && b[n - 1] == 0xFE;
}

int64_t cim_sql_changes(cim_sql *q)
{
    return q->pg ? cim_pg_changes(q->pg) : sqlite3_changes64(q->s->db);
}

int cim_sql_int64_of(cim_store *s, int64_t *out, int64_t dflt, const char *sql)
{
    cim_sql *q = NULL;
    *out = dflt;
    int rc = cim_sql_prepare(s, &q, sql);
    if (rc)
        return rc;
    rc = cim_sql_step(q);
    if (rc == CIM_SQL_ROW && cim_sql_type(q, 0) != CIM_SQL_NULL)
        *out = cim_sql_int64(q, 0);
    cim_sql_finalize(q);
    return rc < 0 ? rc : CIM_OK;
}

int cim_sql_has_column(cim_store *s, const char *table, const char *column)
{
    cim_sql *q = NULL;
    int rc = s->pg ? cim_sql_preparef(s, &q,
                                      "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                                      " AND table_name = %Q AND lower(column_name) = lower(%Q)",
                                      table, column)
                   : cim_sql_preparef(s, &q, "SELECT 1 FROM pragma_table_info(%Q) WHERE name = %Q COLLATE NOCASE",
                                      table, column);
    int found = !rc && cim_sql_step(q) == CIM_SQL_ROW;
    cim_sql_finalize(q);
    return found;
}

int cim_sql_each_column(cim_store *s, const char *table, cim_sql_column_fn fn, void *payload)
{
    cim_sql *q = NULL;
    int rc = s->pg ? cim_sql_preparef(s, &q,
                                      "SELECT column_name, data_type FROM information_schema.columns"
                                      " WHERE table_schema = current_schema() AND table_name = %Q"
                                      " ORDER BY ordinal_position",
                                      table)
                   : cim_sql_preparef(s, &q, "SELECT name, type FROM pragma_table_info(%Q) ORDER BY cid", table);
    int step = rc;
    while (!rc && (step = cim_sql_step(q)) == CIM_SQL_ROW) {
        const char *decl = cim_sql_text(q, 1);
        rc = fn(cim_sql_text(q, 0), s->pg ? cim_sql_decl_of(decl) : decl, payload);
    }
    cim_sql_finalize(q);
    return rc ? rc : step < 0 ? step : CIM_OK;
}

char *cim_sql_index_query(cim_store *s, const char *table)
{
    if (s->pg)
        return sqlite3_mprintf("SELECT fid FROM \"%w\" WHERE geom && ST_MakeEnvelope(?1, ?3, ?2, ?4)", table);
    char *idx = sqlite3_mprintf("idx_%s_geom", table);
    char *sql = sqlite3_mprintf("SELECT pkid FROM \"%w\" WHERE xmax >= ?1 AND xmin <= ?2 AND ymax >= ?3 AND ymin <= ?4",
                                idx);
    sqlite3_free(idx);
    return sql;
}

/* SQLite declaration <-> PostgreSQL type. Dates and times keep PostgreSQL's
 * own types so they sort and compare as such; sql_pg.c reads them back as the
 * ISO 8601 text SQLite holds. */
static const struct {
    const char *decl, *pg;
} decls[] = {
    {"INTEGER", "integer"}, {"BIGINT", "bigint"},     {"REAL", "double precision"},
    {"TEXT", "text"},       {"DATE", "date"},         {"TIME", "time without time zone"},
    {"DATETIME", "timestamp with time zone"},         {"BOOLEAN", "boolean"},
    {"BLOB", "bytea"},      {"JSON", "json"},
};

const char *cim_sql_decl(cim_store *s, const char *decl)
{
    if (!s->pg || !decl)
        return decl;
    for (size_t i = 0; i < sizeof decls / sizeof decls[0]; i++)
        if (!strcasecmp(decl, decls[i].decl))
            return decls[i].pg;
    if (!strncasecmp(decl, "INT", 3))
        return "integer";
    if (!strncasecmp(decl, "DOUBLE", 6) || !strncasecmp(decl, "FLOAT", 5) || !strncasecmp(decl, "NUMERIC", 7))
        return "double precision";
    return "text";
}

const char *cim_sql_decl_of(const char *pg_type)
{
    if (!pg_type)
        return "TEXT";
    for (size_t i = 0; i < sizeof decls / sizeof decls[0]; i++)
        if (!strcasecmp(pg_type, decls[i].pg))
            return decls[i].decl;
    if (!strcasecmp(pg_type, "smallint"))
        return "INTEGER";
    if (!strcasecmp(pg_type, "real") || !strcasecmp(pg_type, "numeric"))
        return "REAL";
    if (!strncasecmp(pg_type, "timestamp", 9))
        return "DATETIME";
    if (!strcasecmp(pg_type, "jsonb"))
        return "JSON";
    return "TEXT";
}
