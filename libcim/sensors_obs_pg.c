/* sensors_obs_pg.c: a chunk of sorted readings into NAME_obs on a PostGIS
 * store. The chunk goes by COPY into a temporary staging table, then one
 * INSERT ... SELECT ... ON CONFLICT DO NOTHING keeps the stored readings
 * (re-ingest stays idempotent, the first of equal keys in the file wins, as
 * on SQLite); only when some were ignored does a join tell duplicates from
 * conflicting values. (SQLite reads the chunk in place: sensors_chunk.c.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "sensor_reader.h"
#include "sensors_int.h"
#include "sql_pg_int.h"

/* COPY's data in pieces of about this size. */
#define COPY_PIECE (1u << 20)

int sensors_pg_stage(cim_store *s)
{
    /* n keeps the chunk's order (key, then file order) for the insert */
    return cim_pg_exec(s, "CREATE TEMP TABLE IF NOT EXISTS cim_sensor_stage(n BIGINT, sensor TEXT, property TEXT,"
                          " t TEXT, value DOUBLE PRECISION) ON COMMIT DROP");
}

static int add(cim_buf *b, const void *p, size_t n)
{
    if (cim_buf_reserve(b, n))
        return -1;
    cim_buf_put(b, p, n);
    return 0;
}

/* Text for COPY's text format: backslash, tab, newline and CR escaped. */
static int put_text(cim_buf *b, const char *v)
{
    for (const char *p = v; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
        if (esc ? add(b, esc, 2) : add(b, p, 1))
            return -1;
    }
    return 0;
}

static int put_row(cim_buf *b, const sensors_chunk *c, size_t i)
{
    const sensors_reading *r = &c->rows[i];
    char num[48], ts[32];
    int n = snprintf(num, sizeof num, "%zu\t", i);
    if (add(b, num, (size_t)n) || put_text(b, c->ids->v[r->sensor]) || add(b, "\t", 1) ||
        put_text(b, c->props->v[r->property]))
        return -1;
    sensor_time_format(r->t, ts);
    /* %.17g reads back as the same double; SQLite stores a NaN as NULL */
    n = isnan(r->value)   ? snprintf(num, sizeof num, "\\N")
        : isinf(r->value) ? snprintf(num, sizeof num, "%sInfinity", r->value < 0 ? "-" : "")
                          : snprintf(num, sizeof num, "%.17g", r->value);
    return add(b, "\t", 1) || add(b, ts, strlen(ts)) || add(b, "\t", 1) ||
           add(b, num, (size_t)n) || add(b, "\n", 1);
}

static int copy_chunk(cim_store *s, const sensors_chunk *c)
{
    int rc = cim_pg_exec(s, "TRUNCATE cim_sensor_stage");
    if (!rc)
        rc = cim_pg_copy_begin(s, "COPY cim_sensor_stage(n, sensor, property, t, value) FROM STDIN");
    if (rc)
        return rc;
    cim_buf b = {0};
    for (size_t i = 0; !rc && i < c->n; i++) {
        if (put_row(&b, c, i))
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        else if (b.len >= COPY_PIECE || i + 1 == c->n) {
            rc = cim_pg_copy_put(s, b.data, b.len);
            b.len = 0;
        }
    }
    cim_buf_free(&b);
    int64_t rows = 0;
    int end = cim_pg_copy_end(s, &rows);
    return rc ? rc : end;
}

int sensors_pg_load(cim_store *s, const char *obs, const sensors_chunk *c, int64_t *inserted, int64_t *conflicts,
                    char **first_conflict)
{
    *inserted = *conflicts = 0;
    int rc = copy_chunk(s, c);
    cim_sql *q = NULL;
    if (!rc)
        rc = cim_sql_preparef(s, &q,
                              "INSERT INTO \"%w\"(sensor, property, t, value) SELECT sensor, property, t, value"
                              " FROM cim_sensor_stage ORDER BY n ON CONFLICT DO NOTHING",
                              obs);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_DONE)
        *inserted = cim_sql_changes(q);
    cim_sql_finalize(q);
    if (step < 0)
        return step;
    if ((size_t)*inserted == c->n)
        return CIM_OK;
    /* Some were ignored: the same value is a duplicate, another one a
     * conflict (the stored one is kept). */
    rc = cim_sql_preparef(s, &q,
                          "SELECT c.sensor, c.property, c.t, o.value, c.value FROM cim_sensor_stage c"
                          " JOIN \"%w\" o ON o.sensor = c.sensor AND o.property = c.property AND o.t = c.t"
                          " WHERE o.value IS DISTINCT FROM c.value ORDER BY c.n",
                          obs);
    step = rc;
    while (!rc && (step = cim_sql_step(q)) == CIM_SQL_ROW) {
        ++*conflicts;
        sensors_conflict_note(first_conflict, cim_sql_text(q, 0), cim_sql_text(q, 1), cim_sql_text(q, 2),
                              cim_sql_double(q, 3), cim_sql_double(q, 4));
    }
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}
