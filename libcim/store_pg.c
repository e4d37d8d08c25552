/* store_pg.c: a store in a PostgreSQL/PostGIS schema. The same catalogue as
 * the SpatiaLite file (store.c) in PostgreSQL's types; layer tables carry
 * their geometry in a typed PostGIS column with a GiST index. DDL is
 * transactional in PostgreSQL, so creating a store needs no temporary name:
 * a failed `cim init` rolls back to nothing. */
#include "store_pg_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pq_api_int.h"
#include "sql_int.h"
#include "sql_pg_int.h"


int cim_store_is_conninfo(const char *path)
{
    return path && (!strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11) ||
                    !strncmp(path, "PG:", 3));
}

/* Removes `key=value` from a URI's query (?a=b&key=v) or a keyword/value
 * string ("dbname=x key=v"), returning the value (malloc'd) or NULL. */
static char *take_param(char *conn, const char *key, int uri)
{
    size_t klen = strlen(key);
    char *p = uri ? strchr(conn, '?') : conn;
    if (!p)
        return NULL;
    while (*p) {
        char *start = p;
        if (uri || p == conn || isspace((unsigned char)p[-1]) || p[-1] == '?' || p[-1] == '&') {
            if (!strncmp(p + (uri && (*p == '?' || *p == '&')), key, klen) &&
                p[klen + (uri && (*p == '?' || *p == '&'))] == '=') {
                char *v = p + klen + 1 + (uri && (*p == '?' || *p == '&'));
                size_t vlen = uri ? strcspn(v, "&") : strcspn(v, " \t");
                char *value = strndup(v, vlen);
                char *end = v + vlen;
                if (uri) {
                    /* "?schema=x&b=c" -> "?b=c"; "?a=b&schema=x" -> "?a=b". */
                    if (*start == '?' && *end == '&')
                        memmove(start + 1, end + 1, strlen(end + 1) + 1);
                    else
                        memmove(start, end, strlen(end) + 1);
                } else {
                    while (isspace((unsigned char)*end))
                        end++;
                    memmove(start, end, strlen(end) + 1);
                }
                return value;
            }
        }
        p++;
        if (uri)
            p += strcspn(p, "&");
    }
    return NULL;
}

char *cim_store_display(char *buf, size_t cap, const char *path)
{
    if (!cap)
        return buf;
    snprintf(buf, cap, "%s", path ? path : "");
    if (!cim_store_is_conninfo(buf))
        return buf;
    char *m = buf;
    char *pw = strstr(m, "password=");
    if (pw) {
        char *v = pw + 9;
        size_t n = strcspn(v, " &");
        memmove(v + 3, v + n, strlen(v + n) + 1);
        memcpy(v, "***", 3);
    }
    /* postgresql://user:secret@host */
    char *scheme = strstr(m, "://");
    if (scheme) {
        char *at = strchr(scheme + 3, '@'), *colon = strchr(scheme + 3, ':');
        if (at && colon && colon < at) {
            memmove(colon + 4, at, strlen(at) + 1);
            memcpy(colon + 1, "***", 3);
        }
    }
    return buf;
}

/* The connection string for messages: any password replaced. */
static char *masked(const char *conn)
{
    size_t cap = strlen(conn) + 8;
    char *m = malloc(cap);
    return m ? cim_store_display(m, cap, conn) : NULL;
}

static int valid_schema(const char *name)
{
    if (!name || !*name || strlen(name) > 63)
        return 0;
    for (const char *c = name; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_'))
            return 0;
    return !isdigit((unsigned char)name[0]);
}

/* The geometry type's OID (PostGIS defines it per database), so results
 * can tell a geometry from other binary values; 0 until PostGIS is there. */
static void geometry_oid(cim_store *s)
{
    PGresult *r = PQexec(s->pg, "SELECT COALESCE(to_regtype('geometry')::oid, 0)");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        s->pg_geometry_oid = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
}

int cim_pg_connect(cim_store *s, const char *conninfo)
{
    int rc = cim_pq_load();
    if (rc)
        return rc;
    char *conn = strdup(cim_store_is_conninfo(conninfo) && !strncmp(conninfo, "PG:", 3) ? conninfo + 3 : conninfo);
    if (!conn)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    int uri = strncmp(conninfo, "PG:", 3) != 0;
    char *schema = take_param(conn, "schema", uri);
    if (!schema)
        schema = strdup("public");
    s->path = masked(conninfo);
    s->schema = schema;
    if (!valid_schema(schema)) {
        free(conn);
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "store '%s': schema '%s' must be a plain name (letters, digits, _)", s->path, schema);
    }
    /* "postgresql://host/db?" (schema was the only parameter) is still valid. */
    s->pg = PQconnectdb(conn);
    free(conn);
    if (!s->pg || PQstatus(s->pg) != CONNECTION_OK)
        return cim_pg_error(s, NULL, "cannot connect");
    /* Server notices (e.g. "schema exists, skipping") are not cim's output. */
    PQsetNoticeProcessor(s->pg, NULL, NULL);
    char *sql = sqlite3_mprintf("SET search_path TO \"%w\", public; SET client_min_messages TO warning;"
                                " SET TIME ZONE 'UTC'; SET application_name TO 'cim'",
                                schema);
    rc = cim_pg_exec(s, sql);
    sqlite3_free(sql);
    if (!rc)
        geometry_oid(s);
    return rc;
}

static int schema_has_store(cim_store *s, int *out)
{
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(s, &q,
                             "SELECT 1 FROM information_schema.tables WHERE table_schema = CAST(?1 AS TEXT)"
                             " AND table_name = 'cim_meta'");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, s->schema, -1);
    int step = rc ? rc : cim_sql_step(q);
    cim_sql_finalize(q);
    if (step < 0)
        return step;
    *out = step == CIM_SQL_ROW;
    return CIM_OK;
}

int cim_pg_store_create(cim_store *s, int srid, const char *command_line)
{
    int exists = 0;
    int rc = schema_has_store(s, &exists);
    if (rc)
        return rc;
    if (exists)
        return cim_error_set(CIM_EEXISTS, CIM_ERRCLASS_POSTGRES, "store '%s': schema '%s' already holds a cim store",
                             s->path, s->schema);
    /* PostGIS in public, where the search path finds it for every schema
     * (created only when missing: that needs rights the store's role may lack). */
    if (!s->pg_geometry_oid && (rc = cim_pg_exec(s, "CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public"))) {
        char why[512];
        snprintf(why, sizeof why, "%s", cim_error_last()->message);
        const char *tail = strstr(why, "': ");
        return cim_error_set(CIM_ESTORE, CIM_ERRCLASS_POSTGRES,
                             "store '%s': PostGIS is not installed in this database and cannot be created here"
                             " (install postgresql-15-postgis-3 and run CREATE EXTENSION postgis as a superuser): %s",
                             s->path, tail ? tail + 3 : why);
    }
    rc = cim_store_begin(s);
    if (!rc)
        rc = cim_store_execf(s, "CREATE SCHEMA IF NOT EXISTS \"%w\"", s->schema);
    if (!rc)
        rc = cim_store_init_catalogue(s, srid, command_line);
    if (!rc)
        rc = cim_store_commit(s);
    if (rc)
        cim_store_rollback(s);
    geometry_oid(s);
    return rc;
}

int cim_pg_store_readonly(cim_store *s)
{
    /* Every transaction of this session reads only: the server refuses any
     * write, whatever SQL a planner sends. */
    return cim_pg_exec(s, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
}

int cim_pg_in_transaction(cim_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

void cim_pg_close(cim_store *s)
{
    if (s->pg)
        PQfinish(s->pg);
    s->pg = NULL;
    free(s->schema);
    s->schema = NULL;
}
