/* sensor_reader.c: opening a sensor file and turning one row of cells into a
 * record (sensor, time, readings, location, attributes), shared by the CSV
 * and JSON readers. */
#include "sensor_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char open_error[512];

const char *sensor_reader_open_error(void)
{
    return open_error;
}

int sensor_error(sensor_reader *r, int64_t line, const char *fmt, ...)
{
    int n = line > 0 ? snprintf(r->err, sizeof r->err, "%s, line %lld: ", r->path, (long long)line)
                     : snprintf(r->err, sizeof r->err, "%s: ", r->path);
    if (n < 0 || (size_t)n >= sizeof r->err)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

int sensor_number(const char *s, double *out)
{
    while (*s == ' ')
        s++;
    if (!*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (*end || end == s || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static int fixed_role(const sensor_reader *r, const char *name)
{
    const sensor_reader_options *o = &r->o;
    if (same(name, o->sensor_field))
        return COL_SENSOR;
    if (same(name, o->time_field))
        return COL_TIME;
    if (same(name, o->x_field))
        return COL_X;
    if (same(name, o->y_field))
        return COL_Y;
    if (r->long_format && same(name, o->property_field))
        return COL_PROPERTY_NAME;
    if (r->long_format && same(name, o->value_field))
        return COL_VALUE;
    for (const char *const *a = o->attr_fields; a && *a; a++)
        if (same(name, *a))
            return COL_ATTR;
    return r->long_format ? COL_ATTR : COL_UNDECIDED;
}

int sensor_col(sensor_reader *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (!strcmp(r->colnames[i], name))
            return (int)i;
    if (r->ncols == r->capcols) {
        size_t cap = r->capcols ? r->capcols * 2 : 16;
        char **n = realloc(r->colnames, cap * sizeof *n);
        if (!n)
            return -1;
        r->colnames = n;
        int *ro = realloc(r->colrole, cap * sizeof *ro);
        if (!ro)
            return -1;
        r->colrole = ro;
        r->capcols = cap;
    }
    r->colnames[r->ncols] = strdup(name);
    r->colrole[r->ncols] = fixed_role(r, name);
    return (int)r->ncols++;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c * size);
    if (!n)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

int sensor_build(sensor_reader *r, int64_t line, size_t n, const int *cols, char *const *cells)
{
    sensor_record *rec = &r->rec;
    memset(rec, 0, sizeof *rec);
    rec->line = line;
    if (grow((void **)&r->obs, &r->capobs, n, sizeof *r->obs) ||
        grow((void **)&r->attrs, &r->capattrs, n, sizeof *r->attrs))
        return sensor_error(r, line, "out of memory");
    const char *time_cell = NULL, *prop = NULL, *value = NULL, *xs = NULL, *ys = NULL;
    int have_value_col = 0;
    for (size_t i = 0; i < n; i++) {
        int c = cols[i];
        const char *v = cells[i];
        switch (r->colrole[c]) {
        case COL_SENSOR: rec->sensor = v; break;
        case COL_TIME: time_cell = v; break;
        case COL_X: xs = v; break;
        case COL_Y: ys = v; break;
        case COL_PROPERTY_NAME: prop = v; break;
        case COL_VALUE: value = v; have_value_col = 1; break;
        case COL_UNDECIDED:
            if (!*v)
                break;
            double d;
            r->colrole[c] = sensor_number(v, &d) ? COL_ATTR : COL_PROPERTY;
            /* fall through */
        default:
            if (!*v)
                break;
            if (r->colrole[c] == COL_ATTR) {
                r->attrs[rec->nattrs].name = r->colnames[c];
                r->attrs[rec->nattrs++].value = v;
            } else {
                sensor_obs *ob = &r->obs[rec->nobs];
                if (sensor_number(v, &ob->value))
                    return sensor_error(r, line, "'%s' in column '%s' is not a number", v, r->colnames[c]);
                ob->property = r->colnames[c];
                rec->nobs++;
            }
        }
    }
    if (!rec->sensor || !*rec->sensor)
        return sensor_error(r, line, "no sensor id in '%s'", r->o.sensor_field);
    if (!time_cell || !*time_cell)
        return sensor_error(r, line, "no time in '%s'", r->o.time_field);
    const char *why;
    if (sensor_time_parse(time_cell, r->o.has_tz, r->o.tz_offset, &rec->t, &why))
        return sensor_error(r, line, "time '%s' in '%s': %s", time_cell, r->o.time_field, why);
    if (xs && ys && *xs && *ys) {
        if (sensor_number(xs, &rec->x) || sensor_number(ys, &rec->y))
            return sensor_error(r, line, "location '%s', '%s' in '%s', '%s' is not a pair of numbers", xs, ys,
                                r->o.x_field, r->o.y_field);
        rec->has_xy = 1;
    }
    if (r->long_format) {
        if (!prop || !*prop)
            return sensor_error(r, line, "no property name in '%s'", r->o.property_field);
        if (!have_value_col)
            return sensor_error(r, line, "no value field '%s'", r->o.value_field);
        if (*value) {
            if (sensor_number(value, &r->obs[0].value))
                return sensor_error(r, line, "'%s' in column '%s' is not a number", value, r->o.value_field);
            r->obs[0].property = prop;
            rec->nobs = 1;
        }
    }
    rec->obs = r->obs;
    rec->attrs = r->attrs;
    return 0;
}

static sensor_format guess_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (!strcasecmp(dot, ".jsonl") || !strcasecmp(dot, ".ndjson") || !strcasecmp(dot, ".geojsonl")))
        return SENSOR_FORMAT_JSONL;
    if (dot && !strcasecmp(dot, ".json"))
        return SENSOR_FORMAT_JSON;
    return SENSOR_FORMAT_CSV;
}

int sensor_reader_open(sensor_reader **out, const char *path, const sensor_reader_options *opts)
{
    *out = NULL;
    sensor_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(open_error, sizeof open_error, "out of memory");
        return -1;
    }
    r->o = *opts;
    r->path = strdup(path);
    r->fmt = opts->format ? opts->format : guess_format(path);
    r->long_format = opts->property_field != NULL;
    *out = r;
    if (r->long_format && !opts->value_field)
        return sensor_error(r, 0, "a property field needs a value field");
    if (r->fmt == SENSOR_FORMAT_CSV && (!opts->sensor_field || !opts->time_field))
        return sensor_error(r, 0, "CSV needs a sensor field and a time field");
    r->f = fopen(path, "rb");
    if (!r->f)
        return sensor_error(r, 0, "cannot open: %s", strerror(errno));
    if (fseek(r->f, 0, SEEK_END) == 0) {
        r->size = (double)ftell(r->f);
        rewind(r->f);
    }
    return r->fmt == SENSOR_FORMAT_CSV ? sensor_csv_open(r) : sensor_json_open(r);
}

int sensor_reader_next(sensor_reader *r, const sensor_record **out)
{
    int rc = r->fmt == SENSOR_FORMAT_CSV ? sensor_csv_next(r) : sensor_json_next(r);
    if (rc == 1)
        *out = &r->rec;
    return rc;
}

const char *sensor_reader_error(const sensor_reader *r)
{
    return r->err;
}

double sensor_reader_progress(const sensor_reader *r)
{
    if (!r->f || r->size <= 0)
        return 0;
    double p = (double)ftell(r->f) / r->size;
    return p > 1 ? 1 : p;
}

void sensor_reader_free(sensor_reader *r)
{
    if (!r)
        return;
    sensor_json_free(r);
    if (r->f)
        fclose(r->f);
    for (size_t i = 0; i < r->ncols; i++)
        free(r->colnames[i]);
    free(r->colnames);
    free(r->colrole);
    free(r->obs);
    free(r->attrs);
    free(r->sensor_copy);
    free(r->line);
    free(r->cells);
    free(r->cellcol);
    free(r->path);
    free(r);
}
