/* sensor_reader.h: sensor readings from CSV (wide or long) and JSON (an array
 * or JSON-lines of observations, or SensorThings-style Thing/Datastream/
 * Observation documents), one record at a time so memory stays bounded.
 * A codec: it knows nothing of the store. Errors name the file and the line
 * (or JSON item) and the problem. */
#ifndef CIM_SENSOR_READER_H
#define CIM_SENSOR_READER_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SENSOR_FORMAT_AUTO = 0, /* from the extension: .csv, .json, .jsonl/.ndjson */
    SENSOR_FORMAT_CSV,
    SENSOR_FORMAT_JSON,     /* an array of observation objects, or a SensorThings document */
    SENSOR_FORMAT_JSONL     /* one observation object per line */
} sensor_format;

typedef struct sensor_reader_options {
    sensor_format format;
    const char *sensor_field;   /* required for CSV and observation JSON; SensorThings: "name" */
    const char *time_field;     /* required likewise; SensorThings: phenomenonTime */
    const char *x_field, *y_field;          /* optional location columns */
    const char *property_field, *value_field; /* long format: both set */
    const char *const *attr_fields;          /* forced text attributes, NULL-terminated */
    int has_tz;                 /* naive times are in tz_offset seconds east of UTC */
    int tz_offset;
} sensor_reader_options;

typedef struct sensor_obs {
    const char *property;
    double value;
} sensor_obs;

typedef struct sensor_attr {
    const char *name;
    const char *value;
} sensor_attr;

/* One row (CSV line, JSON object, SensorThings observation): borrowed until
 * the next call. */
typedef struct sensor_record {
    int64_t line;           /* CSV/JSON-lines: line number; JSON array: item number */
    const char *sensor;
    int64_t t;              /* UTC, seconds since 1970 */
    int has_xy;
    double x, y;
    size_t nobs;
    const sensor_obs *obs;
    size_t nattrs;
    const sensor_attr *attrs;
    const char *unit;       /* SensorThings unitOfMeasurement symbol, or NULL */
} sensor_record;

typedef struct sensor_reader sensor_reader;

/* 0, or -1 with sensor_reader_error() (then free the reader). */
int sensor_reader_open(sensor_reader **out, const char *path, const sensor_reader_options *opts);
/* 1 with *out set, 0 at the end, -1 on error (message in sensor_reader_error). */
int sensor_reader_next(sensor_reader *r, const sensor_record **out);
const char *sensor_reader_error(const sensor_reader *r);
/* Fraction of the file read, 0..1. */
double sensor_reader_progress(const sensor_reader *r);
void sensor_reader_free(sensor_reader *r);

/* An error message for a path that could not be opened (before any reader). */
const char *sensor_reader_open_error(void);

/* ---- time ---- */
/* Parses ISO 8601 ("2019-01-01T00:00:00+08:00", "...Z", "2019-01-01 00:00",
 * fractions of a second dropped) or epoch seconds/milliseconds (all digits:
 * 13 or more digits are milliseconds). A time without offset needs has_tz.
 * Returns 0 or -1 with a short reason in *why. */
int sensor_time_parse(const char *s, int has_tz, int tz_offset, int64_t *out, const char **why);
/* "+08:00", "-0530", "Z", "UTC" -> seconds east of UTC; 0 or -1. */
int sensor_tz_parse(const char *s, int *out);
/* "YYYY-MM-DDTHH:MM:SSZ" */
void sensor_time_format(int64_t t, char buf[32]);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t sensor_days_from_civil(int64_t y, unsigned m, unsigned d);
void sensor_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
