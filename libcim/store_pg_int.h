/* store_pg_int.h: a store in a PostgreSQL/PostGIS schema (store_pg.c).
 * Never installed. */
#ifndef CIM_STORE_PG_INT_H
#define CIM_STORE_PG_INT_H

#include "store_int.h"

/* Non-zero for a PostgreSQL connection string: postgresql://..., postgres://...
 * or PG:"keyword=value ..." (GDAL's form). `schema=NAME` in either picks the
 * schema that holds the store (default public). */
int cim_store_is_conninfo(const char *path);
/* Loads libpq, connects and sets the search path to the store's schema;
 * fills s->pg, s->schema and s->path (the string with any password masked). */
int cim_pg_connect(cim_store *s, const char *conninfo);
/* Creates the catalogue in the schema (which must not hold a store yet),
 * with PostGIS, in one transaction. */
int cim_pg_store_create(cim_store *s, int srid, const char *command_line);
int cim_pg_store_readonly(cim_store *s);
int cim_pg_in_transaction(cim_store *s);
void cim_pg_close(cim_store *s);

#endif
