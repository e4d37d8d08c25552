/* sensor_int.h: the reader's state shared by the CSV and JSON halves. */
#ifndef CIM_SENSOR_INT_H
#define CIM_SENSOR_INT_H

#include <stdio.h>

#include "sensor_reader.h"

/* What a column (CSV header cell, JSON key) holds. Wide files decide a
 * column's role from its first non-empty value: a number makes it a
 * property, anything else a text attribute. */
enum { COL_UNDECIDED = 0, COL_SENSOR, COL_TIME, COL_X, COL_Y, COL_PROPERTY_NAME, COL_VALUE, COL_PROPERTY,
       COL_ATTR };

struct sensor_reader {
    sensor_reader_options o;
    char *path;
    FILE *f;
    double size;
    sensor_format fmt;
    int long_format;
    char err[512];
    /* column registry */
    size_t ncols, capcols;
    char **colnames;
    int *colrole;
    /* the current record */
    sensor_record rec;
    sensor_obs *obs;
    sensor_attr *attrs;
    size_t capobs, capattrs;
    char *sensor_copy;
    /* CSV */
    char *line;
    size_t linecap;
    int64_t lineno;
    char **cells;
    int *cellcol;
    size_t capcells;
    /* JSON */
    struct sensor_json *json;
};

int sensor_error(sensor_reader *r, int64_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Column index of name, registering it (with its fixed role) when new; -1 on OOM. */
int sensor_col(sensor_reader *r, const char *name);
/* Builds r->rec from n cells (text; "" = missing) of columns cols[]. */
int sensor_build(sensor_reader *r, int64_t line, size_t n, const int *cols, char *const *cells);
/* Parses a whole finite number; 0 or -1. */
int sensor_number(const char *s, double *out);

int sensor_csv_open(sensor_reader *r);
int sensor_csv_next(sensor_reader *r);
int sensor_json_open(sensor_reader *r);
int sensor_json_next(sensor_reader *r);
void sensor_json_free(sensor_reader *r);

#endif
