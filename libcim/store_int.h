/* store_int.h: the store handle and the helpers every module that writes
 * SQL shares (never installed). */
#ifndef CIM_STORE_INT_H
#define CIM_STORE_INT_H

#include <sqlite3.h>
#include <spatialite.h>
#include <stdint.h>

#include "cim/store.h"
#include "error_int.h"

struct pg_conn;

struct cim_store {
    sqlite3 *db;          /* a SpatiaLite store; NULL for PostGIS */
    void *splite_cache;   /* SpatiaLite's per-connection state */
    struct pg_conn *pg;   /* a PostGIS store (sql_int.h talks to both) */
    char *schema;         /* PostGIS: the schema holding the store */
    unsigned pg_statements; /* PostGIS: names for server-side prepared statements */
    unsigned pg_geometry_oid; /* PostGIS: the geometry type's OID in this database */
    char *path;           /* the file, or the connection string with any password masked */
    int srid;
    int readonly;
    char *meta_value;     /* last cim_store_meta() result (borrowed by the caller) */
};

/* Raises CIM_ESTORE with "what: sqlite's message". Returns the code.
 * (SQLite only; statements on either backend go through sql_int.h.) */
int cim_store_sqlite_error(cim_store *s, const char *what);
/* Runs SQL without results; raises CIM_ESTORE on failure. */
int cim_store_exec(cim_store *s, const char *sql);
/* printf-style SQL (use %w / %q from sqlite3_mprintf for identifiers/strings). */
int cim_store_execf(cim_store *s, const char *fmt, ...);
int cim_store_begin(cim_store *s);   /* SQLite: BEGIN IMMEDIATE, one writer, readers go on */
int cim_store_commit(cim_store *s);
void cim_store_rollback(cim_store *s);

/* A new store's catalogue, inside the caller's transaction: the tables
 * (cim_meta, cim_runs, cim_run_layers, cim_layers) in the backend's types
 * from one definition, cim_meta's rows (with a random store_id and the
 * backend) and the init run. */
int cim_store_init_catalogue(cim_store *s, int srid, const char *command_line);

/* UTC now as "YYYY-MM-DDTHH:MM:SSZ". */
void cim_utc_now(char buf[32]);

/* cim_runs: a row for a command that changed the store. Written inside the
 * command's own transaction, so a failed command leaves no trace and the store
 * stays byte-identical. */
int cim_run_insert(cim_store *s, int64_t *out_id, const char *command, const char *arguments,
                   const char *started_at);
int cim_run_finish(cim_store *s, int64_t id, const char *counts_json, const char *message);
/* The same with any status (a pipeline's run ends 'ok' or 'failed'). */
int cim_run_end(cim_store *s, int64_t id, const char *status, const char *counts_json, const char *message);

/* The authorizer of read-only handles and queries: reading only. */
int cim_store_readonly_authorizer(void *payload, int action, const char *a, const char *b, const char *db,
                                  const char *trigger);

/* Non-zero when the table exists (in the store's schema on PostGIS). */
int cim_store_table_exists(cim_store *s, const char *table);

/* Sets the bytes of a SpatiaLite store read through a memory map (0: none)
 * and returns the size before; -1 on PostGIS. Memory-mapped pages count in
 * the process's resident memory, so a command that reads a layer a block at
 * a time turns the map off to keep its footprint bounded. */
int64_t cim_store_mmap(cim_store *s, int64_t bytes);

#endif
