/* report_doc.c: the report document's parts (figures, notes, tables) and
 * the number formats they share, so HTML, CSV and JSON carry the same text. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_int.h"
#include "strf_int.h"

int rp_oom(void)
{
    return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
}

static void table_free(rp_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->t.nrows * t->t.ncols; i++)
        free(t->t.cells[i]);
    for (size_t i = 0; i < t->t.ncols; i++)
        free(t->t.cols[i]);
    free(t->t.cells);
    free(t->t.cols);
    free(t->numeric);
    free(t->id);
    free(t->title);
    free(t);
}

void rp_doc_free(rp_doc *d)
{
    for (size_t i = 0; i < d->nfigs; i++) {
        free(d->figs[i].key);
        free(d->figs[i].label);
        free(d->figs[i].value);
    }
    free(d->figs);
    for (size_t i = 0; i < d->nnotes; i++)
        free(d->notes[i]);
    free(d->notes);
    for (size_t i = 0; i < d->ntables; i++)
        table_free(d->tables[i]);
    free(d->tables);
    free(d->svg);
    free(d->title);
    free(d->store);
    free(d->layer);
    free(d->generated_at);
    free(d->params_json);
    memset(d, 0, sizeof *d);
}

int rp_figure_add(rp_doc *d, const char *key, const char *label, int numeric, const char *fmt, ...)
{
    rp_figure *f = realloc(d->figs, (d->nfigs + 1) * sizeof *f);
    if (!f)
        return rp_oom();
    d->figs = f;
    va_list ap;
    va_start(ap, fmt);
    char *v = cim_vstrdupf(fmt, ap);
    va_end(ap);
    rp_figure x = {strdup(key), strdup(label), v, numeric};
    if (!x.key || !x.label || !x.value) {
        free(x.key);
        free(x.label);
        free(x.value);
        return rp_oom();
    }
    d->figs[d->nfigs++] = x;
    return CIM_OK;
}

int rp_note(rp_doc *d, const char *fmt, ...)
{
    char **n = realloc(d->notes, (d->nnotes + 1) * sizeof *n);
    if (!n)
        return rp_oom();
    d->notes = n;
    va_list ap;
    va_start(ap, fmt);
    char *v = cim_vstrdupf(fmt, ap);
    va_end(ap);
    if (!v)
        return rp_oom();
    d->notes[d->nnotes++] = v;
    return CIM_OK;
}

rp_table *rp_table_add(rp_doc *d, const char *id, const char *title, size_t ncols, const char *const *cols,
                       const unsigned char *numeric)
{
    rp_table **ts = realloc(d->tables, (d->ntables + 1) * sizeof *ts);
    rp_table *t = calloc(1, sizeof *t);
    if (ts)
        d->tables = ts;
    if (!ts || !t) {
        free(t);
        rp_oom();
        return NULL;
    }
    d->tables[d->ntables++] = t;
    t->severity_col = -1;
    t->id = strdup(id);
    t->title = strdup(title);
    t->t.ncols = ncols;
    t->t.cols = calloc(ncols ? ncols : 1, sizeof *t->t.cols);
    t->numeric = calloc(ncols ? ncols : 1, 1);
    if (!t->id || !t->title || !t->t.cols || !t->numeric) {
        rp_oom();
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++) {
        if (!(t->t.cols[i] = strdup(cols[i]))) {
            rp_oom();
            return NULL;
        }
        t->numeric[i] = numeric ? numeric[i] : 0;
        if (!strcmp(cols[i], "severity") || !strcmp(cols[i], "verdict"))
            t->severity_col = (int)i;
    }
    return t;
}

int rp_row_add(rp_table *t, const char *const *cells)
{
    size_t nc = t->t.ncols;
    if (t->t.nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **c = realloc(t->t.cells, cap * (nc ? nc : 1) * sizeof *c);
        if (!c)
            return rp_oom();
        t->t.cells = c;
        t->cap = cap;
    }
    char **row = t->t.cells + t->t.nrows * nc;
    for (size_t i = 0; i < nc; i++) {
        row[i] = cells[i] ? strdup(cells[i]) : NULL;
        if (cells[i] && !row[i]) {
            for (size_t j = 0; j < i; j++)
                free(row[j]);
            return rp_oom();
        }
    }
    t->t.nrows++;
    return CIM_OK;
}

void rp_fixed(char out[48], double v, int decimals)
{
    if (!isfinite(v)) {
        snprintf(out, 48, "null");
        return;
    }
    snprintf(out, 48, "%.*f", decimals, v);
    /* "-0.00" reads as a negative area */
    int zero = 1;
    for (const char *p = out; *p; p++)
        if (*p >= '1' && *p <= '9')
            zero = 0;
    if (zero && out[0] == '-')
        memmove(out, out + 1, strlen(out));
}

void rp_real(char out[48], double v)
{
    rp_fixed(out, v, 6);
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    char *end = out + strlen(out) - 1;
    while (end > dot && *end == '0')
        *end-- = 0;
    if (end == dot)
        *end = 0;
}

/* Per column: declared numeric. SQLite's statement says so by its declared
 * types (SQLite's affinity rules: INT, REAL, FLOA, DOUB, NUMERIC, and
 * BOOLEAN 0/1); PostgreSQL's results are typed, so there a column is numeric
 * when its values are numbers (rp_table_sql decides as the rows come). */
static int declared_numeric(cim_store *s, const char *sql, unsigned char *num, size_t nc)
{
    if (cim_store_is_pg(s)) {
        memset(num, 1, nc);
        return CIM_OK;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return cim_store_sqlite_error(s, "report");
    for (size_t i = 0; i < nc; i++) {
        const char *decl = sqlite3_column_decltype(st, (int)i);
        char up[64] = "";
        for (size_t k = 0; decl && decl[k] && k < sizeof up - 1; k++)
            up[k] = (char)(decl[k] >= 'a' && decl[k] <= 'z' ? decl[k] - 32 : decl[k]);
        num[i] = strstr(up, "INT") || strstr(up, "REAL") || strstr(up, "DOUB") || strstr(up, "FLOA") ||
                 strstr(up, "BOOL") || strstr(up, "NUMERIC");
    }
    sqlite3_finalize(st);
    return CIM_OK;
}

rp_table *rp_table_sql(rp_doc *d, cim_store *s, const char *id, const char *title, const char *sql)
{
    cim_sql *st = NULL;
    if (cim_sql_prepare(s, &st, sql)) {
        cim_error_prefix("%s", title);
        return NULL;
    }
    int pg = cim_store_is_pg(s);
    /* PostgreSQL describes a result once it is fetched: the first step */
    int rc = pg ? cim_sql_step(st) : CIM_SQL_DONE;
    size_t nc = rc < 0 ? 0 : (size_t)cim_sql_column_count(st);
    const char **cols = calloc(nc ? nc : 1, sizeof *cols);
    unsigned char *num = calloc(nc ? nc : 1, 1);
    unsigned char *seen = calloc(nc ? nc : 1, 1); /* PostgreSQL: a number was seen */
    const char **cells = calloc(nc ? nc : 1, sizeof *cells);
    char(*bufs)[48] = calloc(nc ? nc : 1, sizeof *bufs);
    char **names = calloc(nc ? nc : 1, sizeof *names);
    rp_table *t = NULL;
    if (!cols || !num || !seen || !cells || !bufs || !names) {
        rp_oom();
        goto done;
    }
    if (rc < 0)
        goto failed;
    if (declared_numeric(s, sql, num, nc))
        goto done;
    for (size_t i = 0; i < nc; i++) {
        const char *n = cim_sql_column_name(st, (int)i);
        if (!(names[i] = strdup(n ? n : ""))) {
            rp_oom();
            goto done;
        }
        cols[i] = names[i];
    }
    if (!(t = rp_table_add(d, id, title, nc, cols, num)))
        goto done;
    if (!pg)
        rc = cim_sql_step(st);
    for (; rc == CIM_SQL_ROW; rc = cim_sql_step(st)) {
        for (size_t i = 0; i < nc; i++) {
            int ty = cim_sql_type(st, (int)i);
            if (ty == CIM_SQL_NULL) {
                cells[i] = NULL;
            } else if (ty == CIM_SQL_INTEGER) {
                snprintf(bufs[i], 48, "%lld", (long long)cim_sql_int64(st, (int)i));
                cells[i] = bufs[i];
            } else if (ty == CIM_SQL_FLOAT) {
                rp_real(bufs[i], cim_sql_double(st, (int)i));
                cells[i] = bufs[i];
            } else if (ty == CIM_SQL_BLOB) {
                cells[i] = "(binary)";
            } else {
                cells[i] = cim_sql_text(st, (int)i);
            }
            /* a numeric column holding text (SQLite is loosely typed): text */
            if (num[i] && (ty == CIM_SQL_TEXT || (pg && ty == CIM_SQL_BLOB)))
                t->numeric[i] = 0;
            seen[i] |= ty == CIM_SQL_INTEGER || ty == CIM_SQL_FLOAT;
        }
        if (rp_row_add(t, cells)) {
            t = NULL;
            goto done;
        }
    }
    if (rc == CIM_SQL_DONE) {
        /* PostgreSQL: a column without a number is text */
        for (size_t i = 0; pg && i < nc; i++)
            t->numeric[i] &= seen[i];
        goto done;
    }
failed:
    cim_error_prefix("%s", title);
    t = NULL;
done:
    cim_sql_finalize(st);
    for (size_t i = 0; names && i < nc; i++)
        free(names[i]);
    free(names);
    free(cols);
    free(num);
    free(seen);
    free(cells);
    free(bufs);
    return t;
}

int rp_severity_rank(const char *name)
{
    static const char *const names[][2] = {{"error", "fail"}, {"needs_approval", "conditional"}, {"warning", "violation"},
                                           {"info", NULL},     {"none", "ok"}};
    for (int i = 0; name && i < 5; i++)
        if (!strcmp(name, names[i][0]) || (names[i][1] && !strcmp(name, names[i][1])))
            return i;
    return 5;
}

void rp_color(char out[8], const char *cls)
{
    static const char *const sev[] = {"#d62728", "#ff7f0e", "#f2c12e", "#4a90d9", "#9fd39f", NULL};
    int r = rp_severity_rank(cls);
    if (cls && r < 5) {
        memcpy(out, sev[r], 8);
        return;
    }
    /* SZ land-use families (深圳市城市规划标准与准则 map colours, roughly) */
    static const struct {
        const char *prefix, *color;
    } lu[] = {{"M0", "#b07aa1"}, {"M1", "#8c564b"}, {"M", "#8c564b"}, {"W", "#9467bd"}, {"R", "#f7e26b"},
              {"C", "#e45756"},  {"GIC", "#ff9da7"}, {"G1", "#54a24b"}, {"G", "#88d27a"}, {"S", "#bab0ac"},
              {"U", "#4c78a8"},  {"E", "#9ecae9"}};
    for (size_t i = 0; cls && i < sizeof lu / sizeof lu[0]; i++)
        if (!strncmp(cls, lu[i].prefix, strlen(lu[i].prefix))) {
            memcpy(out, lu[i].color, 8);
            return;
        }
    static const char *const pal[] = {"#4e79a7", "#f28e2b", "#59a14f", "#edc948", "#b07aa1",
                                      "#76b7b2", "#ff9da7", "#9c755f", "#e15759", "#bab0ac"};
    unsigned h = 5381;
    for (const char *p = cls ? cls : ""; *p; p++)
        h = h * 33 + (unsigned char)*p;
    memcpy(out, pal[h % 10], 8);
}

int rp_layer_require(cim_store *s, const char *layer, const char *what, cim_layer_info **info)
{
    if (!layer || !*layer)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give the %s layer", what);
    int rc = cim_layer_info_get(info, s, layer);
    if (rc == CIM_ENOTFOUND || (!rc && !cim_store_table_exists(s, layer))) {
        cim_layer_info_free(*info);
        *info = NULL;
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "%s layer '%s' not found in the store", what, layer);
    }
    return rc;
}

int rp_field_index(const cim_layer_info *info, const char *field)
{
    for (size_t i = 0; field && i < info->field_count; i++)
        if (!strcasecmp(info->fields[i].name, field))
            return (int)i;
    return -1;
}

int rp_extent(cim_store *s, const char *const *layers, size_t n, double bbox[4])
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        cim_layer_info *li = NULL;
        if (!layers[i] || cim_layer_info_get(&li, s, layers[i]))
            continue;
        if (li->has_extent) {
            if (!any)
                memcpy(bbox, li->extent, 4 * sizeof *bbox);
            for (int k = 0; k < 2; k++) {
                bbox[k] = fmin(bbox[k], li->extent[k]);
                bbox[k + 2] = fmax(bbox[k + 2], li->extent[k + 2]);
            }
            any = 1;
        }
        cim_layer_info_free(li);
    }
    return any;
}
