/* sensors_period.c: the periods summaries and gap reports count in (hours,
 * days, months, in UTC or a fixed UTC offset), as SQL labels and as running
 * numbers to walk from one period to the next. */
#include "sensors_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor_reader.h"
#include "sql_int.h"

int sensors_period_check(const cim_sensors_summary_options *o, int *tz_minutes)
{
    if (o->every != CIM_PERIOD_HOUR && o->every != CIM_PERIOD_DAY && o->every != CIM_PERIOD_MONTH)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "period: use 1h, 1d or 1mon");
    int tz = 0;
    if (o->tz && sensor_tz_parse(o->tz, &tz))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--tz '%s': give an offset such as +08:00", o->tz);
    *tz_minutes = tz / 60;
    return CIM_OK;
}

char *sensors_period_sql(cim_store *s, const char *col, cim_period every, int tz_minutes)
{
    if (tz_minutes == 0) /* the stored text is UTC already: a prefix is the label */
        return sqlite3_mprintf("substr(%s, 1, %d)", col, every == CIM_PERIOD_HOUR ? 13 : every == CIM_PERIOD_DAY ? 10 : 7);
    if (cim_store_is_pg(s)) /* a timestamp read from the text ("Z" is ignored: it is UTC), shifted */
        return sqlite3_mprintf("to_char(CAST(%s AS timestamp) + %d * interval '1 minute', '%s')", col, tz_minutes,
                               every == CIM_PERIOD_HOUR  ? "YYYY-MM-DD\"T\"HH24"
                               : every == CIM_PERIOD_DAY ? "YYYY-MM-DD"
                                                         : "YYYY-MM");
    const char *fmt = every == CIM_PERIOD_HOUR ? "%Y-%m-%dT%H" : every == CIM_PERIOD_DAY ? "%Y-%m-%d" : "%Y-%m";
    return sqlite3_mprintf("strftime('%s', %s, '%+d minutes')", fmt, col, tz_minutes);
}

static int num(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int sensors_period_index(const char *label, cim_period every, int64_t *out)
{
    const char *p = label;
    int y, m, d = 1, h = 0;
    if (num(&p, 4, &y) || *p++ != '-' || num(&p, 2, &m))
        return -1;
    if (every == CIM_PERIOD_MONTH) {
        *out = (int64_t)y * 12 + m - 1;
        return 0;
    }
    if (*p++ != '-' || num(&p, 2, &d))
        return -1;
    int64_t days = sensor_days_from_civil(y, (unsigned)m, (unsigned)d);
    if (every == CIM_PERIOD_DAY) {
        *out = days;
        return 0;
    }
    if (*p++ != 'T' || num(&p, 2, &h))
        return -1;
    *out = days * 24 + h;
    return 0;
}

void sensors_period_label(int64_t index, cim_period every, char buf[32])
{
    if (every == CIM_PERIOD_MONTH) {
        snprintf(buf, 32, "%04lld-%02d", (long long)(index / 12), (int)(index % 12) + 1);
        return;
    }
    int64_t days = every == CIM_PERIOD_HOUR ? index / 24 : index, y;
    unsigned m, d;
    sensor_civil_from_days(days, &y, &m, &d);
    if (every == CIM_PERIOD_DAY)
        snprintf(buf, 32, "%04lld-%02u-%02u", (long long)y, m, d);
    else
        snprintf(buf, 32, "%04lld-%02u-%02uT%02d", (long long)y, m, d, (int)(index % 24));
}

/* ---- result tables ---- */

int sensors_table_cols(cim_table *t, size_t ncols, const char *const *cols)
{
    t->ncols = ncols;
    t->cols = calloc(ncols ? ncols : 1, sizeof *t->cols);
    if (!t->cols)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t i = 0; i < ncols; i++)
        t->cols[i] = strdup(cols[i]);
    return CIM_OK;
}

int sensors_table_add(cim_table *t, const char *const *row)
{
    /* room for a power of two of rows: grow when nrows reaches one */
    if (t->nrows == 0 || (t->nrows & (t->nrows - 1)) == 0) {
        size_t rows = t->nrows ? t->nrows * 2 : 1;
        char **c = realloc(t->cells, rows * (t->ncols ? t->ncols : 1) * sizeof *c);
        if (!c)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        t->cells = c;
    }
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = row[i] ? strdup(row[i]) : NULL;
    t->nrows++;
    return CIM_OK;
}

/* A cell as SQLite's text of the value: reals as "%!.15g" (12.0, not 12),
 * so a table reads the same from either backend. */
static const char *cell(cim_sql *q, int i, char buf[40])
{
    if (cim_sql_type(q, i) != CIM_SQL_FLOAT)
        return cim_sql_text(q, i);
    sqlite3_snprintf(40, buf, "%!.15g", cim_sql_double(q, i));
    return buf;
}

int sensors_table_from(cim_table **out, cim_sql *q)
{
    cim_table *t = calloc(1, sizeof *t);
    if (!t)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    /* on PostgreSQL the result (and so its columns) exists once stepped */
    int step = cim_sql_step(q);
    size_t n = step < 0 ? 0 : (size_t)cim_sql_column_count(q);
    const char **cols = calloc(n ? n : 1, sizeof *cols);
    char (*bufs)[40] = calloc(n ? n : 1, sizeof *bufs);
    for (size_t i = 0; i < n; i++)
        cols[i] = cim_sql_column_name(q, (int)i);
    int rc = step < 0 ? step : sensors_table_cols(t, n, cols);
    for (; !rc && step == CIM_SQL_ROW; step = cim_sql_step(q)) {
        for (size_t i = 0; i < n; i++)
            cols[i] = cell(q, (int)i, bufs[i]);
        rc = sensors_table_add(t, cols);
    }
    if (!rc && step < 0)
        rc = step;
    free(cols);
    free(bufs);
    if (rc) {
        cim_table_free(t);
        return rc;
    }
    *out = t;
    return CIM_OK;
}

void cim_table_free(cim_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->cols[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cols);
    free(t->cells);
    free(t);
}
