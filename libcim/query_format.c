/* query_format.c: query results as an aligned table, CSV, JSON or GeoJSON. */
#include "cim/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "error_int.h"
#include "json_int.h"

/* Geometry text in a table is cut: a parcel's WKT is thousands of characters. */
#define TABLE_CELL_MAX 60

/* Display width of UTF-8 text: CJK characters take two columns in a terminal. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned c = *p;
        if (c < 0x80) {
            w++;
            p++;
            continue;
        }
        int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        unsigned cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
        for (int k = 1; k < len && p[k]; k++)
            cp = (cp << 6) | (p[k] & 0x3F);
        w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                               (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                               (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000))
                 ? 2
                 : 1;
        for (int k = 0; k < len && *p; k++)
            p++;
    }
    return w;
}

/* Cuts s to about max display columns on a character boundary, adding "...". */
static char *cell(const char *s, cim_value_type t)
{
    if (!s)
        return strdup(t == CIM_VALUE_NULL ? "" : "?");
    size_t n = strlen(s);
    if (t != CIM_VALUE_GEOMETRY || n <= TABLE_CELL_MAX)
        return strdup(s);
    size_t cut = TABLE_CELL_MAX - 3;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    char *out = malloc(cut + 4);
    memcpy(out, s, cut);
    memcpy(out + cut, "...", 4);
    return out;
}

static void pad(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

static int write_table(cim_query *q, FILE *out, int64_t *rows)
{
    int nc = cim_query_column_count(q);
    size_t *width = calloc((size_t)nc + 1, sizeof *width);
    int *numeric = calloc((size_t)nc + 1, sizeof *numeric);
    size_t cap = 64, n = 0;
    char **cells = malloc(cap * sizeof *cells);
    for (int c = 0; c < nc; c++)
        width[c] = display_width(cim_query_column_name(q, c));
    int rc;
    while ((rc = cim_query_next(q)) == CIM_OK) {
        for (int c = 0; c < nc; c++) {
            if (n == cap) {
                cap *= 2;
                cells = realloc(cells, cap * sizeof *cells);
            }
            cim_value_type t = cim_query_value_type(q, c);
            if (t == CIM_VALUE_INTEGER || t == CIM_VALUE_REAL)
                numeric[c] = 1;
            char *v = cell(cim_query_text(q, c), t);
            size_t w = display_width(v);
            if (w > width[c])
                width[c] = w;
            cells[n++] = v;
        }
    }
    if (rc == CIM_ITEROVER) {
        rc = CIM_OK;
        for (int c = 0; c < nc; c++) {
            const char *name = cim_query_column_name(q, c);
            fprintf(out, "%s%s", c ? "  " : "", name);
            if (c + 1 < nc)
                pad(out, width[c] - display_width(name));
        }
        fputc('\n', out);
        for (int c = 0; c < nc; c++) {
            fprintf(out, "%s", c ? "  " : "");
            for (size_t k = 0; k < width[c]; k++)
                fputc('-', out);
        }
        fputc('\n', out);
        for (size_t i = 0; i < n; i++) {
            int c = (int)(i % (size_t)nc);
            size_t w = display_width(cells[i]);
            if (c)
                fputs("  ", out);
            if (numeric[c])
                pad(out, width[c] - w);
            fputs(cells[i], out);
            if (!numeric[c] && c + 1 < nc)
                pad(out, width[c] - w);
            if (c + 1 == nc)
                fputc('\n', out);
        }
        fprintf(out, "(%zu row%s)\n", nc ? n / (size_t)nc : 0, nc && n / (size_t)nc == 1 ? "" : "s");
        *rows = nc ? (int64_t)(n / (size_t)nc) : 0;
    }
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
    free(width);
    free(numeric);
    return rc;
}

static void csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static int write_csv(cim_query *q, FILE *out, int64_t *rows)
{
    int nc = cim_query_column_count(q);
    for (int c = 0; c < nc; c++) {
        if (c)
            fputc(',', out);
        csv_field(out, cim_query_column_name(q, c));
    }
    fputs("\r\n", out);
    int rc;
    while ((rc = cim_query_next(q)) == CIM_OK) {
        for (int c = 0; c < nc; c++) {
            if (c)
                fputc(',', out);
            csv_field(out, cim_query_text(q, c));
        }
        fputs("\r\n", out);
        (*rows)++;
    }
    return rc == CIM_ITEROVER ? CIM_OK : rc;
}

/* One value as JSON: numbers as numbers, text as strings, geometry as WKT
 * (json) or as the feature's geometry (geojson, handled by the caller). */
static void json_value(cim_buf *b, cim_query *q, int c)
{
    char num[64];
    switch (cim_query_value_type(q, c)) {
    case CIM_VALUE_NULL:
        cim_json_raw(b, "null");
        break;
    case CIM_VALUE_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)cim_query_int(q, c));
        cim_json_raw(b, num);
        break;
    case CIM_VALUE_REAL: {
        double d = cim_query_double(q, c);
        if (d != d || d - d != 0) /* NaN or infinite: not JSON numbers */
            cim_json_raw(b, "null");
        else {
            snprintf(num, sizeof num, "%.17g", d);
            cim_json_raw(b, num);
        }
        break;
    }
    default:
        cim_json_str(b, cim_query_text(q, c));
        break;
    }
}

static int write_json(cim_query *q, FILE *out, int64_t *rows, int geojson)
{
    int nc = cim_query_column_count(q);
    cim_buf b = {0};
    int geom_col = -1, rc;
    fputs(geojson ? "{\"type\":\"FeatureCollection\",\"features\":[" : "[", out);
    while ((rc = cim_query_next(q)) == CIM_OK) {
        b.len = 0;
        if (*rows)
            cim_json_raw(&b, ",");
        cim_json_raw(&b, "\n");
        if (geojson) {
            /* The first column holding a geometry in the first row is the geometry. */
            for (int c = 0; geom_col < 0 && c < nc; c++)
                if (cim_query_value_type(q, c) == CIM_VALUE_GEOMETRY)
                    geom_col = c;
            cim_json_raw(&b, "{\"type\":\"Feature\",\"geometry\":");
            const char *g = geom_col >= 0 ? cim_query_geojson(q, geom_col) : NULL;
            cim_json_raw(&b, g ? g : "null");
            cim_json_raw(&b, ",\"properties\":{");
        } else {
            cim_json_raw(&b, "{");
        }
        int first = 1;
        for (int c = 0; c < nc; c++) {
            if (geojson && c == geom_col)
                continue;
            if (!first)
                cim_json_raw(&b, ",");
            first = 0;
            cim_json_str(&b, cim_query_column_name(q, c));
            cim_json_raw(&b, ":");
            json_value(&b, q, c);
        }
        cim_json_raw(&b, geojson ? "}}" : "}");
        fwrite(b.data, 1, b.len, out);
        (*rows)++;
    }
    fputs(geojson ? "\n]}\n" : "\n]\n", out);
    cim_buf_free(&b);
    return rc == CIM_ITEROVER ? CIM_OK : rc;
}

int cim_query_write(cim_store *store, const char *sql, cim_query_format format, FILE *out, int64_t *rows)
{
    cim_query *q = NULL;
    int64_t n = 0;
    int rc = cim_query_prepare(&q, store, sql);
    if (rc)
        return rc;
    switch (format) {
    case CIM_QUERY_CSV: rc = write_csv(q, out, &n); break;
    case CIM_QUERY_JSON: rc = write_json(q, out, &n, 0); break;
    case CIM_QUERY_GEOJSON: rc = write_json(q, out, &n, 1); break;
    default: rc = write_table(q, out, &n); break;
    }
    cim_query_free(q);
    if (rows)
        *rows = n;
    if (!rc && ferror(out))
        rc = cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "writing the output failed");
    return rc;
}
