/* pg_value_int.h: PostgreSQL's binary result values as SQLite's value types
 * (pg_value.c), for sql_pg.c. oid is the column's type (PQftype), p and len
 * its value (PQgetvalue, PQgetlength; libpq ends every value with a NUL).
 * Never installed. */
#ifndef CIM_PG_VALUE_INT_H
#define CIM_PG_VALUE_INT_H

#include <stddef.h>
#include <stdint.h>

/* CIM_SQL_INTEGER (bool, integers, whole numerics), CIM_SQL_FLOAT, CIM_SQL_TEXT
 * (text types, json, dates and times, uuid) or CIM_SQL_BLOB (bytea,
 * geometry as EWKB, any other type). */
int cim_pg_value_type(unsigned oid, const unsigned char *p, int len);
int64_t cim_pg_value_int64(unsigned oid, const unsigned char *p, int len);
double cim_pg_value_double(unsigned oid, const unsigned char *p, int len);
/* The value as text: p itself for text types and blobs, else (numbers,
 * dates, times, uuid) text made into *made, which the caller frees. */
const char *cim_pg_value_text(unsigned oid, const unsigned char *p, int len, char **made);
/* The shortest text that reads back as the same double (NaN, Infinity as
 * PostgreSQL spells them). */
int cim_pg_format_double(char *buf, size_t cap, double v);

#endif
