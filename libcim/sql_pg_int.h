/* sql_pg_int.h: the PostgreSQL side of sql_int.h (sql_pg.c) and the
 * connection-level calls store_pg.c and the COPY writers use. Never
 * installed. */
#ifndef CIM_SQL_PG_INT_H
#define CIM_SQL_PG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store_int.h"

typedef struct cim_pg_stmt cim_pg_stmt;

int cim_pg_prepare(cim_store *s, cim_pg_stmt **out, const char *sql);
/* A parameter: NULL v is SQL NULL; binary for blobs (bytea, or EWKB/WKB for
 * a geometry), text otherwise. Values are copied. */
int cim_pg_bind(cim_pg_stmt *q, int i, const void *v, size_t n, int binary);
int cim_pg_bind_int64(cim_pg_stmt *q, int i, int64_t v);
int cim_pg_bind_double(cim_pg_stmt *q, int i, double v);
int cim_pg_step(cim_store *s, cim_pg_stmt *q);
int cim_pg_reset(cim_pg_stmt *q);
void cim_pg_finalize(cim_store *s, cim_pg_stmt *q);
int cim_pg_column_count(cim_pg_stmt *q);
const char *cim_pg_column_name(cim_pg_stmt *q, int i);
int cim_pg_type(cim_pg_stmt *q, int i);
int64_t cim_pg_int64(cim_pg_stmt *q, int i);
double cim_pg_double(cim_pg_stmt *q, int i);
const char *cim_pg_text(cim_pg_stmt *q, int i);
const void *cim_pg_blob(cim_pg_stmt *q, int i);
int cim_pg_bytes(cim_pg_stmt *q, int i);
int64_t cim_pg_changes(cim_pg_stmt *q);
int cim_pg_is_geometry(cim_store *s, cim_pg_stmt *q, int i);

/* Connection-level: one or more statements without parameters or results. */
int cim_pg_exec(cim_store *s, const char *sql);
/* Raises CIM_ESTORE (CIM_EEXISTS for a unique violation) from a failed result
 * or, with res NULL, from the connection; returns the code. */
int cim_pg_error(cim_store *s, const void *res, const char *what);

/* COPY ... FROM STDIN: begin with the COPY statement, put data in any
 * pieces, end (CIM_OK once the server has taken every row, else the
 * server's message naming the row). */
int cim_pg_copy_begin(cim_store *s, const char *copy_sql);
int cim_pg_copy_put(cim_store *s, const void *data, size_t n);
int cim_pg_copy_end(cim_store *s, int64_t *rows);

#endif
