/* sql_int.h: statements on the store, whichever backend holds it.
 * A store is a SpatiaLite file (the embedded default) or a PostgreSQL/PostGIS
 * schema (a connection string). Every module talks to it through these
 * calls, shaped like SQLite's own (prepare, bind, step, column, finalize),
 * so one piece of code runs on both:
 *  - placeholders are SQLite's ?1, ?2... (or bare ?); on PostgreSQL they
 *    become $1, $2... Bind a parameter whose type PostgreSQL cannot infer
 *    through CAST(?1 AS TEXT) and the like, which both backends read alike;
 *  - identifiers and strings are quoted with sqlite3_mprintf's %w and %Q,
 *    which produce standard SQL that PostgreSQL reads too;
 *  - a geometry column read as a blob is a SpatiaLite blob on SQLite and
 *    EWKB on PostGIS; the geometry readers (cim_splite_blob_to_wkb,
 *    cim_splite_blob_rings, cim_geos_from_blob) take either;
 *  - where the dialects part (DDL, spatial index, catalogue lookups, time
 *    arithmetic) a module asks cim_store_is_pg() or uses the helpers at the
 *    end of this file.
 * On PostgreSQL a statement's whole result is fetched when it is first
 * stepped, so statements can interleave on one connection as they do on
 * SQLite. Never installed. */
#ifndef CIM_SQL_INT_H
#define CIM_SQL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store_int.h"

typedef struct cim_sql cim_sql;

/* cim_sql_step results (besides a negative CIM_E* code with the error set). */
#define CIM_SQL_ROW 100
#define CIM_SQL_DONE 101

/* cim_sql_type results. */
enum { CIM_SQL_INTEGER = 1, CIM_SQL_FLOAT = 2, CIM_SQL_TEXT = 3, CIM_SQL_BLOB = 4, CIM_SQL_NULL = 5 };

/* Prepares one statement. On failure raises CIM_ESTORE naming the store and
 * the backend's message, and *out is NULL. */
int cim_sql_prepare(cim_store *s, cim_sql **out, const char *sql);
/* The same with sqlite3_mprintf formatting (%w identifiers, %Q strings). */
int cim_sql_preparef(cim_store *s, cim_sql **out, const char *fmt, ...);

/* Binding: i counts from 1. Text and blobs are copied. */
int cim_sql_bind_int64(cim_sql *q, int i, int64_t v);
int cim_sql_bind_double(cim_sql *q, int i, double v);
int cim_sql_bind_text(cim_sql *q, int i, const char *v, int n); /* n < 0: up to the NUL */
int cim_sql_bind_blob(cim_sql *q, int i, const void *v, size_t n);
int cim_sql_bind_null(cim_sql *q, int i);

/* Runs the statement or moves to its next row: CIM_SQL_ROW, CIM_SQL_DONE, or
 * a negative CIM_E* code (CIM_ESTORE; CIM_EEXISTS for a unique key). */
int cim_sql_step(cim_sql *q);
/* Rewinds for another run; bindings are kept. */
int cim_sql_reset(cim_sql *q);
void cim_sql_finalize(cim_sql *q);

/* The current row. Values are converted as SQLite converts them (an integer
 * read as text, a numeric string read as a number); pointers stay valid until
 * the next step, reset or finalize. */
int cim_sql_column_count(cim_sql *q);
const char *cim_sql_column_name(cim_sql *q, int i);
int cim_sql_type(cim_sql *q, int i);
int64_t cim_sql_int64(cim_sql *q, int i);
double cim_sql_double(cim_sql *q, int i);
const char *cim_sql_text(cim_sql *q, int i);
const void *cim_sql_blob(cim_sql *q, int i);
int cim_sql_bytes(cim_sql *q, int i);

/* Rows the last INSERT/UPDATE/DELETE statement changed. */
int64_t cim_sql_changes(cim_sql *q);

/* Non-zero when the column holds a geometry: a SpatiaLite blob on SQLite,
 * a value of PostGIS's geometry type on PostgreSQL. */
int cim_sql_is_geometry(cim_sql *q, int i);

/* SQLite only: wraps a statement prepared some other way (query.c prepares
 * users' SQL under the read-only authorizer); finalized with the wrapper. */
int cim_sql_adopt(cim_store *s, cim_sql **out, sqlite3_stmt *st);

/* Runs `sql`, returning the first column of its first row as an integer
 * (*out = dflt when there is no row or it is NULL). */
int cim_sql_int64_of(cim_store *s, int64_t *out, int64_t dflt, const char *sql);

/* --- where the dialects part --- */

/* Non-zero for a PostgreSQL/PostGIS store. */
int cim_store_is_pg(const cim_store *s);
/* Non-zero when the table has this column (case-insensitive). */
int cim_sql_has_column(cim_store *s, const char *table, const char *column);
/* Calls fn for each column of the table in order, with its declared type as
 * a SpatiaLite store holds it (PostgreSQL's types mapped by cim_sql_decl_of);
 * stops at fn's first non-zero return and returns it. */
typedef int (*cim_sql_column_fn)(const char *name, const char *decl, void *payload);
int cim_sql_each_column(cim_store *s, const char *table, cim_sql_column_fn fn, void *payload);

/* SQL for the fids of a layer whose box meets ?1 minx, ?2 maxx, ?3 miny,
 * ?4 maxy, through its spatial index (R*Tree or GiST). Free with
 * sqlite3_free. */
char *cim_sql_index_query(cim_store *s, const char *table);

/* The column type to declare for cim's declared type `decl` (INTEGER,
 * BIGINT, REAL, TEXT, DATE, TIME, DATETIME, BOOLEAN, BLOB, JSON: what
 * SpatiaLite stores and GDAL reads): itself on SQLite, PostgreSQL's type
 * (double precision, timestamptz, bytea...) on PostgreSQL. cim_sql_decl_of
 * maps a PostgreSQL type (information_schema's data_type) back. */
const char *cim_sql_decl(cim_store *s, const char *decl);
const char *cim_sql_decl_of(const char *pg_type);

#endif
