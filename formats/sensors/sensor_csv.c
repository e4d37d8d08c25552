/* sensor_csv.c: CSV (RFC 4180: comma separated, double-quoted cells with ""
 * for a quote, quoted line breaks) read a line at a time; the header names
 * the columns. Cells are unquoted in place in the line buffer. */
#include "sensor_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reads the next physical line, appended to r->line at off; returns its
 * length (without the newline) or -1 at the end. */
static ssize_t read_line(sensor_reader *r, size_t off)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    if (off == 0) {
        n = getline(&r->line, &r->linecap, r->f);
    } else {
        n = getline(&buf, &cap, r->f);
        if (n >= 0) {
            if (off + (size_t)n + 1 > r->linecap) {
                char *g = realloc(r->line, off + (size_t)n + 1);
                if (!g) {
                    free(buf);
                    return -1;
                }
                r->line = g;
                r->linecap = off + (size_t)n + 1;
            }
            memcpy(r->line + off, buf, (size_t)n + 1);
        }
        free(buf);
    }
    if (n < 0)
        return -1;
    r->lineno++;
    return (ssize_t)off + n;
}

static int add_cell(sensor_reader *r, size_t n, char *cell)
{
    if (n >= r->capcells) {
        size_t cap = r->capcells ? r->capcells * 2 : 32;
        char **c = realloc(r->cells, cap * sizeof *c);
        if (!c)
            return -1;
        r->cells = c;
        r->capcells = cap;
    }
    r->cells[n] = cell;
    return 0;
}

/* Splits the next record into r->cells; returns the cell count, 0 for a
 * blank line, -1 at the end, -2 on error. *first_line: where it started. */
static long split(sensor_reader *r, int64_t *first_line)
{
    ssize_t len = read_line(r, 0);
    if (len < 0)
        return -1;
    *first_line = r->lineno;
    size_t n = 0;
    char *p = r->line, *w;
    if (r->lineno == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3;
    while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
        r->line[--len] = '\0';
    if (len == 0 || (p - r->line) == len)
        return 0;
    for (;;) {
        char *cell = p;
        w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0') {
                    /* A quoted line break: the record goes on on the next line. */
                    size_t at = (size_t)(p - r->line), wat = (size_t)(w - r->line), cat = (size_t)(cell - r->line);
                    r->line[at] = '\n';
                    ssize_t more = read_line(r, at + 1);
                    if (more < 0) {
                        sensor_error(r, *first_line, "a quoted cell is not closed");
                        return -2;
                    }
                    len = more;
                    while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
                        r->line[--len] = '\0';
                    p = r->line + at;
                    w = r->line + wat;
                    cell = r->line + cat;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            if (*p != ',' && *p != '\0') {
                sensor_error(r, r->lineno, "text after a quoted cell");
                return -2;
            }
        } else {
            while (*p != ',' && *p != '\0')
                *w++ = *p++;
        }
        char end = *p;
        *w = '\0';
        /* Offsets, not pointers, until the record is complete: a quoted line
         * break reallocates the buffer. */
        if (add_cell(r, n++, (char *)(uintptr_t)(cell - r->line))) {
            sensor_error(r, r->lineno, "out of memory");
            return -2;
        }
        if (end == '\0')
            break;
        p++;
    }
    for (size_t i = 0; i < n; i++)
        r->cells[i] = r->line + (uintptr_t)r->cells[i];
    return (long)n;
}

int sensor_csv_open(sensor_reader *r)
{
    int64_t first;
    long n;
    do
        n = split(r, &first);
    while (n == 0);
    if (n == -1)
        return sensor_error(r, 0, "empty file (no header line)");
    if (n < 0)
        return -1;
    r->cellcol = calloc((size_t)n, sizeof *r->cellcol);
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < i; j++)
            if (!strcmp(r->cells[i], r->cells[j]))
                return sensor_error(r, first, "column '%s' appears twice in the header", r->cells[i]);
        if ((r->cellcol[i] = sensor_col(r, r->cells[i])) < 0)
            return sensor_error(r, first, "out of memory");
    }
    const sensor_reader_options *o = &r->o;
    const char *need[] = {o->sensor_field, o->time_field, o->x_field, o->y_field,
                          r->long_format ? o->property_field : NULL, r->long_format ? o->value_field : NULL};
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++) {
        if (!need[k])
            continue;
        long i = 0;
        while (i < n && strcmp(r->colnames[r->cellcol[i]], need[k]))
            i++;
        if (i == n)
            return sensor_error(r, first, "no column '%s' in the header", need[k]);
    }
    return 0;
}

int sensor_csv_next(sensor_reader *r)
{
    for (;;) {
        int64_t first;
        long n = split(r, &first);
        if (n == -1)
            return 0;
        if (n < 0)
            return -1;
        if (n == 0)
            continue;
        if ((size_t)n != r->ncols)
            return sensor_error(r, first, "%ld cells where the header has %zu", n, r->ncols);
        return sensor_build(r, first, (size_t)n, r->cellcol, r->cells) ? -1 : 1;
    }
}
