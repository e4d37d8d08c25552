/* sensor_json.c: observation objects (a JSON array, or one object per line)
 * and SensorThings-style documents (Things with Locations and Datastreams of
 * Observations), parsed with jansson: a maintained parser does this job
 * better than one we would write. A top-level array is read one item at a
 * time (jansson's JSON_DISABLE_EOF_CHECK over our own byte feed, which also
 * counts lines), so memory stays bounded by the largest item. */
#include "sensor_int.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sensor_json {
    int array;             /* top level is an array: items streamed */
    int lines;             /* JSON-lines */
    int64_t line;          /* current line of the byte feed (1-based) */
    int64_t item;          /* items read */
    json_t *doc;           /* a whole document (an object at top level) */
    size_t doc_index;      /* SensorThings collection: next Thing in value[] */
    json_t *thing;         /* the Thing being walked */
    size_t ds, ob;         /* cursors into its Datastreams / Observations */
    int64_t thing_line;
    char *text;            /* scalar values as text, one block per record */
    size_t text_cap, text_len;
    char **cells;
    int *cols;
    size_t cap;
};

static int feed_get(sensor_reader *r)
{
    int c = getc(r->f);
    if (c == '\n')
        r->json->line++;
    return c;
}

static size_t feed(void *buffer, size_t buflen, void *data)
{
    sensor_reader *r = data;
    if (buflen == 0)
        return 0;
    int c = feed_get(r);
    if (c == EOF)
        return 0;
    *(char *)buffer = (char)c;
    return 1;
}

/* Next non-blank byte, or EOF. */
static int skip_ws(sensor_reader *r)
{
    int c;
    do
        c = feed_get(r);
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n');
    return c;
}

static int unget(sensor_reader *r, int c)
{
    if (c == '\n')
        r->json->line--;
    return ungetc(c, r->f);
}

int sensor_json_open(sensor_reader *r)
{
    struct sensor_json *j = calloc(1, sizeof *j);
    if (!j)
        return sensor_error(r, 0, "out of memory");
    r->json = j;
    j->line = 1;
    if (r->fmt == SENSOR_FORMAT_JSONL) {
        j->lines = 1;
        return 0;
    }
    int c = skip_ws(r);
    if (c == EOF)
        return sensor_error(r, 0, "empty file");
    if (c == '[') {
        j->array = 1;
        return 0;
    }
    unget(r, c);
    json_error_t e;
    j->doc = json_load_callback(feed, r, 0, &e);
    if (!j->doc)
        return sensor_error(r, e.line, "%s", e.text);
    if (!json_is_object(j->doc))
        return sensor_error(r, 0, "the top level is neither an array nor an object");
    return 0;
}

void sensor_json_free(sensor_reader *r)
{
    struct sensor_json *j = r->json;
    if (!j)
        return;
    json_decref(j->doc);
    json_decref(j->thing);
    free(j->text);
    free(j->cells);
    free(j->cols);
    free(j);
}

/* Appends a scalar's text to the record's block; returns its offset or -1. */
static long put_text(struct sensor_json *j, const char *s, size_t n)
{
    if (j->text_len + n + 1 > j->text_cap) {
        size_t cap = j->text_cap ? j->text_cap : 256;
        while (cap < j->text_len + n + 1)
            cap *= 2;
        char *t = realloc(j->text, cap);
        if (!t)
            return -1;
        j->text = t;
        j->text_cap = cap;
    }
    long at = (long)j->text_len;
    memcpy(j->text + at, s, n);
    j->text[at + (long)n] = '\0';
    j->text_len += n + 1;
    return at;
}

static long scalar_text(struct sensor_json *j, json_t *v)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING: return put_text(j, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return put_text(j, num, strlen(num));
    case JSON_REAL:
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        return put_text(j, num, strlen(num));
    case JSON_TRUE: return put_text(j, "true", 4);
    case JSON_FALSE: return put_text(j, "false", 5);
    case JSON_NULL: return put_text(j, "", 0);
    default: return -2; /* objects and arrays are not cells */
    }
}

/* An observation object: its scalar members are the cells of a row. */
static int build_object(sensor_reader *r, json_t *obj, int64_t line)
{
    struct sensor_json *j = r->json;
    if (!json_is_object(obj))
        return sensor_error(r, line, "an item that is not an object");
    if (!r->o.sensor_field || !r->o.time_field)
        return sensor_error(r, line, "observation objects need a sensor field and a time field");
    size_t n = json_object_size(obj);
    if (n > j->cap) {
        free(j->cells);
        free(j->cols);
        j->cells = malloc(n * sizeof *j->cells);
        j->cols = malloc(n * sizeof *j->cols);
        j->cap = n;
        if (!j->cells || !j->cols)
            return sensor_error(r, line, "out of memory");
    }
    j->text_len = 0;
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        long at = scalar_text(j, v);
        if (at == -2)
            continue;
        int c = sensor_col(r, key);
        if (at < 0 || c < 0)
            return sensor_error(r, line, "out of memory");
        j->cols[k] = c;
        /* offsets first: the text block may move while it grows */
        j->cells[k++] = (char *)(uintptr_t)at;
    }
    for (size_t i = 0; i < k; i++)
        j->cells[i] = j->text + (uintptr_t)j->cells[i];
    return sensor_build(r, line, k, j->cols, j->cells);
}

/* ---- SensorThings ---- */

static const char *member_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int is_thing(json_t *o)
{
    return json_is_object(o) && json_is_array(json_object_get(o, "Datastreams"));
}

/* The next Observation of the current Thing as a record; 1, 0 when the
 * Thing has no more, -1 on error. */
static int thing_next(sensor_reader *r)
{
    struct sensor_json *j = r->json;
    json_t *dss = json_object_get(j->thing, "Datastreams");
    int64_t line = j->thing_line;
    for (; j->ds < json_array_size(dss); j->ds++, j->ob = 0) {
        json_t *ds = json_array_get(dss, j->ds);
        json_t *obs = json_object_get(ds, "Observations");
        if (j->ob >= json_array_size(obs))
            continue;
        json_t *ob = json_array_get(obs, j->ob++);
        sensor_record *rec = &r->rec;
        memset(rec, 0, sizeof *rec);
        rec->line = line;
        const char *sfield = r->o.sensor_field ? r->o.sensor_field : "name";
        json_t *sid = json_object_get(j->thing, sfield);
        j->text_len = 0;
        long at = sid ? scalar_text(j, sid) : -2;
        if (at < 0 || !j->text[at])
            return sensor_error(r, line, "a Thing without '%s'", sfield);
        const char *prop = member_str(json_object_get(ds, "ObservedProperty"), "name");
        if (!prop)
            prop = member_str(ds, "name");
        if (!prop)
            return sensor_error(r, line, "Datastream %zu of Thing '%s' has no ObservedProperty name", j->ds,
                                j->text + at);
        rec->unit = member_str(json_object_get(ds, "unitOfMeasurement"), "symbol");
        const char *tfield = r->o.time_field ? r->o.time_field : "phenomenonTime";
        const char *ts = member_str(ob, tfield);
        if (!ts)
            return sensor_error(r, line, "Thing '%s', Datastream '%s', Observation %zu: no '%s'", j->text + at, prop,
                                j->ob - 1, tfield);
        char start[64];
        const char *slash = strchr(ts, '/'); /* an interval: its start */
        size_t tl = slash ? (size_t)(slash - ts) : strlen(ts);
        if (tl >= sizeof start)
            tl = sizeof start - 1;
        memcpy(start, ts, tl);
        start[tl] = '\0';
        const char *why;
        if (sensor_time_parse(start, r->o.has_tz, r->o.tz_offset, &rec->t, &why))
            return sensor_error(r, line, "Thing '%s', Datastream '%s': time '%s': %s", j->text + at, prop, ts, why);
        json_t *res = json_object_get(ob, "result");
        if (r->capobs == 0) {
            if (!(r->obs = malloc(sizeof *r->obs)))
                return sensor_error(r, line, "out of memory");
            r->capobs = 1;
        }
        if (json_is_number(res)) {
            r->obs[0].value = json_number_value(res);
            rec->nobs = 1;
        } else if (json_is_string(res) && json_string_length(res)) {
            if (sensor_number(json_string_value(res), &r->obs[0].value))
                return sensor_error(r, line, "Thing '%s', Datastream '%s': result '%s' is not a number",
                                    j->text + at, prop, json_string_value(res));
            rec->nobs = 1;
        } else if (res && !json_is_null(res)) {
            return sensor_error(r, line, "Thing '%s', Datastream '%s': result is not a number", j->text + at, prop);
        }
        r->obs[0].property = prop;
        rec->obs = r->obs;
        rec->sensor = j->text + at;
        json_t *locs = json_object_get(j->thing, "Locations");
        json_t *loc = json_object_get(json_array_get(locs, 0), "location");
        if (json_is_object(json_object_get(loc, "geometry")))
            loc = json_object_get(loc, "geometry");
        json_t *xy = json_object_get(loc, "coordinates");
        if (json_array_size(xy) >= 2 && json_is_number(json_array_get(xy, 0)) &&
            json_is_number(json_array_get(xy, 1))) {
            rec->x = json_number_value(json_array_get(xy, 0));
            rec->y = json_number_value(json_array_get(xy, 1));
            rec->has_xy = 1;
        }
        /* Attributes: the Thing's description and its scalar properties. */
        json_t *props = json_object_get(j->thing, "properties");
        size_t na = 1 + json_object_size(props), k = 0;
        if (na > r->capattrs) {
            free(r->attrs);
            r->attrs = malloc(na * sizeof *r->attrs);
            r->capattrs = na;
        }
        const char *desc = member_str(j->thing, "description");
        if (desc && *desc) {
            r->attrs[k].name = "description";
            r->attrs[k++].value = desc;
        }
        const char *key;
        json_t *v;
        json_object_foreach(props, key, v) {
            if (json_is_string(v) && json_string_length(v)) {
                r->attrs[k].name = key;
                r->attrs[k++].value = json_string_value(v);
            }
        }
        rec->attrs = r->attrs;
        rec->nattrs = k;
        return 1;
    }
    return 0;
}

/* ---- items ---- */

/* The next top-level item (array element, line, collection member): 1 with
 * *out (a new reference), 0 at the end, -1 on error. */
static int next_item(sensor_reader *r, json_t **out, int64_t *line)
{
    struct sensor_json *j = r->json;
    json_error_t e;
    if (j->lines) {
        for (;;) {
            ssize_t n = getline(&r->line, &r->linecap, r->f);
            if (n < 0)
                return 0;
            r->lineno++;
            *line = r->lineno;
            size_t k = 0;
            while (k < (size_t)n && strchr(" \t\r\n", r->line[k]))
                k++;
            if (k == (size_t)n)
                continue;
            *out = json_loadb(r->line, (size_t)n, 0, &e);
            if (!*out)
                return sensor_error(r, r->lineno, "%s", e.text);
            return 1;
        }
    }
    if (j->array) {
        int c = skip_ws(r);
        if (j->item > 0) {
            if (c == ']')
                goto end;
            if (c != ',')
                return sensor_error(r, j->line, c == EOF ? "the array is not closed (truncated file?)"
                                                           : "',' or ']' expected between items");
            c = skip_ws(r);
        } else if (c == ']') {
            goto end;
        }
        if (c == EOF)
            return sensor_error(r, j->line, "the array is not closed (truncated file?)");
        unget(r, c);
        *line = j->line;
        *out = json_load_callback(feed, r, JSON_DISABLE_EOF_CHECK, &e);
        if (!*out)
            return sensor_error(r, *line, "item %lld: %s (line %lld)", (long long)j->item + 1, e.text,
                                (long long)(*line + e.line - 1));
        j->item++;
        return 1;
    end:
        c = skip_ws(r);
        if (c != EOF)
            return sensor_error(r, j->line, "text after the closing ']'");
        return 0;
    }
    /* A single object: a SensorThings collection ({"value": [Things]}), one
     * Thing, or one observation. */
    json_t *value = json_object_get(j->doc, "value");
    if (json_is_array(value)) {
        if (j->doc_index >= json_array_size(value))
            return 0;
        *out = json_incref(json_array_get(value, j->doc_index++));
    } else {
        if (j->doc_index++)
            return 0;
        *out = json_incref(j->doc);
    }
    *line = 0;
    return 1;
}

int sensor_json_next(sensor_reader *r)
{
    struct sensor_json *j = r->json;
    for (;;) {
        if (j->thing) {
            int rc = thing_next(r);
            if (rc)
                return rc;
            json_decref(j->thing);
            j->thing = NULL;
        }
        json_t *item;
        int64_t line;
        int rc = next_item(r, &item, &line);
        if (rc <= 0)
            return rc;
        if (is_thing(item)) {
            j->thing = item;
            j->thing_line = line;
            j->ds = j->ob = 0;
            continue;
        }
        rc = build_object(r, item, line);
        /* the record's cells live in j->text, not in the item */
        json_decref(item);
        if (rc)
            return -1;
        return 1;
    }
}
