/* report_results.c: reports of results other commands wrote (check
 * redline, check siting, indicators, sensors summarize|gaps). The report
 * reads their layers and never recomputes a check: findings first, worst
 * severity first, then the per-parcel (per-layer, per-sensor) table. The
 * layer's role in cim_layers says which command wrote it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

static const char *const roles[] = {
    [CIM_REPORT_REDLINE] = "redline_result",
    [CIM_REPORT_SITING] = "siting",
    [CIM_REPORT_INDICATORS] = "indicators",
    [CIM_REPORT_SENSORS] = "sensor summary",
};
static const char *const writers[] = {
    [CIM_REPORT_REDLINE] = "cim check redline",
    [CIM_REPORT_SITING] = "cim check siting",
    [CIM_REPORT_INDICATORS] = "cim indicators",
    [CIM_REPORT_SENSORS] = "cim sensors summarize|gaps --out",
};

/* A text value from one SQL query (malloc'd; NULL if none). */
static char *sql_text(cim_store *s, const char *sql)
{
    cim_sql *st = NULL;
    char *out = NULL;
    if (!cim_sql_prepare(s, &st, sql) && cim_sql_step(st) == CIM_SQL_ROW && cim_sql_type(st, 0) != CIM_SQL_NULL)
        out = strdup(cim_sql_text(st, 0));
    cim_sql_finalize(st);
    return out;
}

/* One key of a layer's lineage JSON (malloc'd; NULL if none): SQLite's
 * json_extract, PostgreSQL's ->> on the text cast to json. */
static char *lineage_value(cim_store *s, const char *layer, const char *key)
{
    char *q = cim_store_is_pg(s)
                  ? sqlite3_mprintf("SELECT CAST(lineage AS json) ->> %Q FROM cim_layers WHERE name = %Q", key, layer)
                  : sqlite3_mprintf("SELECT json_extract(lineage, '$.%q') FROM cim_layers WHERE name = %Q", key, layer);
    char *v = q ? sql_text(s, q) : NULL;
    sqlite3_free(q);
    return v;
}

/* Counts per severity of a table's column as figures ("findings_error" ...). */
static int severity_figures(rp_doc *d, const rp_table *t, const char *what)
{
    static const char *const names[] = {"error", "needs_approval", "warning", "info", "fail", "conditional", "violation"};
    int col = t->severity_col;
    if (col < 0)
        return CIM_OK;
    int rc = CIM_OK;
    for (size_t k = 0; !rc && k < sizeof names / sizeof names[0]; k++) {
        size_t n = 0;
        for (size_t r = 0; r < t->t.nrows; r++) {
            const char *v = t->t.cells[r * t->t.ncols + (size_t)col];
            n += v && !strcmp(v, names[k]);
        }
        if (!n)
            continue;
        char key[64], label[96];
        snprintf(key, sizeof key, "%s_%s", what, names[k]);
        snprintf(label, sizeof label, "%s: %s", what, names[k]);
        rc = rp_figure_add(d, key, label, 1, "%zu", n);
    }
    return rc;
}

/* "a", "b", ... of the layer's fields (not geom) for a SELECT. */
static char *field_list(const cim_layer_info *li, const char *prefix)
{
    cim_buf b = {0};
    for (size_t i = 0; i < li->field_count; i++) {
        char *q = sqlite3_mprintf("%s%s\"%w\"", b.len ? ", " : "", prefix, li->fields[i].name);
        if (!q || cim_buf_reserve(&b, strlen(q) + 1)) {
            sqlite3_free(q);
            cim_buf_free(&b);
            return NULL;
        }
        cim_buf_put(&b, q, strlen(q));
        sqlite3_free(q);
    }
    if (cim_buf_reserve(&b, 1))
        return NULL;
    b.data[b.len] = 0;
    return (char *)b.data;
}

/* The result layer on the map, from sql (geom, class, title; freed here),
 * framed by the layer's extent. */
static int layer_map(rp_doc *d, cim_store *s, const cim_report_options *o, char *sql, const char *prefix)
{
    rp_map_layer ml[1] = {{sql, 0, prefix}};
    const char *ext[1] = {o->layer};
    double box[4];
    int rc = !sql ? rp_oom() : rp_extent(s, ext, 1, box) ? rp_map_draw(d, s, box, ml, 1, o->map_width) : CIM_OK;
    sqlite3_free(sql);
    return rc;
}

static int redline(rp_doc *d, cim_store *s, const cim_layer_info *li, const cim_report_options *o)
{
    char findings[160];
    snprintf(findings, sizeof findings, "%s_findings", o->layer);
    if (!cim_store_table_exists(s, findings))
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG,
                             "the findings table '%s' of redline result '%s' is not in the store", findings, o->layer);
    char *sql = sqlite3_mprintf("SELECT rule, severity, parcel_fid, line_fid, message, figures FROM \"%w\" "
                                "ORDER BY " RP_SEVERITY_ORDER("severity") ", rule, parcel_fid, line_fid, fid",
                                findings);
    rp_table *t = sql ? rp_table_sql(d, s, "findings", "Findings (worst first)", sql) : NULL;
    sqlite3_free(sql);
    if (!t)
        return sql ? CIM_EINTERNAL : rp_oom();
    d->findings = (int64_t)t->t.nrows;
    int rc = rp_figure_add(d, "findings", "Findings", 1, "%zu", t->t.nrows);
    rc = rc || severity_figures(d, t, "findings");
    char *cols = rc ? NULL : field_list(li, "");
    sql = cols ? sqlite3_mprintf("SELECT %s FROM \"%w\" ORDER BY parcel_fid, line_fid, fid", cols, o->layer) : NULL;
    if (!rc && !(sql && rp_table_sql(d, s, "parcels", "Parcels in the lines", sql)))
        rc = sql ? CIM_EINTERNAL : rp_oom();
    sqlite3_free(sql);
    free(cols);
    if (!rc)
        rc = rp_figure_add(d, "rows", "Parcel x line rows", 1, "%zu", d->tables[1]->t.nrows);
    /* the map: the parts of parcels inside the lines by their parcel's worst
     * finding, the lines outlined */
    char *lines = lineage_value(s, o->layer, "lines");
    char *parts = sqlite3_mprintf(
        "SELECT r.geom, coalesce((SELECT f.severity FROM \"%w\" f WHERE f.parcel_fid = r.parcel_fid ORDER BY "
        RP_SEVERITY_ORDER("f.severity") " LIMIT 1), 'none') AS k, NULL FROM \"%w\" r ORDER BY k, r.fid",
        findings, o->layer);
    char *outl = lines && cim_store_table_exists(s, lines)
                     ? sqlite3_mprintf("SELECT geom, NULL, 'line ' || fid FROM \"%w\" ORDER BY fid", lines)
                     : NULL;
    rp_map_layer ml[2] = {{parts, 0, "worst finding: "}, {outl, 1, NULL}};
    const char *ext[2] = {o->layer, outl ? lines : NULL};
    double box[4];
    if (!rc && !parts)
        rc = rp_oom();
    else if (!rc && rp_extent(s, ext, 2, box))
        rc = rp_map_draw(d, s, box, ml, outl ? 2 : 1, o->map_width);
    sqlite3_free(parts);
    sqlite3_free(outl);
    free(lines);
    return rc;
}

static int siting(rp_doc *d, cim_store *s, const cim_report_options *o)
{
    char *sql = sqlite3_mprintf("SELECT layer, rule, severity, part, conflict, area_m2, pct, features FROM \"%w\" "
                                "ORDER BY " RP_SEVERITY_ORDER("severity") ", layer, fid",
                                o->layer);
    rp_table *t = sql ? rp_table_sql(d, s, "findings", "Conflicts per control layer (worst first)", sql) : NULL;
    sqlite3_free(sql);
    if (!t)
        return sql ? CIM_EINTERNAL : rp_oom();
    char *verdict = lineage_value(s, o->layer, "verdict");
    static const char *const zh[][2] = {{"none", "符合"}, {"conditional", "有条件符合"}, {"fail", "不符合"}};
    const char *vz = NULL;
    for (int i = 0; verdict && i < 3; i++)
        if (!strcmp(verdict, zh[i][0]))
            vz = zh[i][1];
    int rc = rp_figure_add(d, "verdict", "Verdict", 0, "%s%s%s%s", verdict ? verdict : "unknown", vz ? " (" : "",
                           vz ? vz : "", vz ? ")" : "");
    free(verdict);
    size_t conflicts = 0;
    for (size_t r = 0; r < t->t.nrows; r++) {
        const char *v = t->t.cells[r * t->t.ncols + 4];
        conflicts += v && !strcmp(v, "1");
    }
    d->findings = (int64_t)conflicts;
    rc = rc || rp_figure_add(d, "conflicts", "Control layers in conflict", 1, "%zu", conflicts);
    rc = rc || severity_figures(d, t, "layers");
    if (rc)
        return rc;
    return layer_map(d, s, o,
                     sqlite3_mprintf("SELECT geom, severity, layer || ': ' || rule FROM \"%w\" ORDER BY "
                                     RP_SEVERITY_ORDER("severity") ", fid",
                                     o->layer),
                     "severity: ");
}

/* violation when any limit check failed, ok when one passed and none
 * failed, no_limit otherwise; the flags compared as integers (BOOLEAN
 * columns are PostgreSQL booleans on PostGIS, which do not compare with 0
 * and 1) */
#define IND_STATUS \
    "CASE WHEN CAST(far_ok AS INTEGER) = 0 OR CAST(coverage_ok AS INTEGER) = 0 OR CAST(height_ok AS INTEGER) = 0 " \
    "THEN 'violation' WHEN CAST(far_ok AS INTEGER) = 1 OR CAST(coverage_ok AS INTEGER) = 1 OR " \
    "CAST(height_ok AS INTEGER) = 1 THEN 'ok' ELSE 'no_limit' END"

static int indicators(rp_doc *d, cim_store *s, const cim_layer_info *li, const cim_report_options *o)
{
    char *cols = field_list(li, "");
    char *sql = cols ? sqlite3_mprintf("SELECT " IND_STATUS " AS status, %s FROM \"%w\" ORDER BY "
                                       "CASE " IND_STATUS " WHEN 'violation' THEN 0 WHEN 'ok' THEN 1 ELSE 2 END, fid",
                                       cols, o->layer)
                     : NULL;
    free(cols);
    rp_table *t = sql ? rp_table_sql(d, s, "parcels", "Parcels (violations first)", sql) : NULL;
    sqlite3_free(sql);
    if (!t)
        return sql ? CIM_EINTERNAL : rp_oom();
    t->severity_col = 0;
    size_t v = 0, ok = 0;
    for (size_t r = 0; r < t->t.nrows; r++) {
        const char *x = t->t.cells[r * t->t.ncols];
        v += !strcmp(x, "violation");
        ok += !strcmp(x, "ok");
    }
    d->findings = (int64_t)v;
    int rc = rp_figure_add(d, "parcels", "Parcels", 1, "%zu", t->t.nrows);
    rc = rc || rp_figure_add(d, "violations", "Parcels over a limit (FAR, coverage or height)", 1, "%zu", v);
    rc = rc || rp_figure_add(d, "within_limits", "Parcels within their limits", 1, "%zu", ok);
    rc = rc || rp_figure_add(d, "no_limit", "Parcels without a limit", 1, "%zu", t->t.nrows - v - ok);
    if (rc)
        return rc;
    return layer_map(d, s, o,
                     sqlite3_mprintf("SELECT geom, " IND_STATUS " AS k, NULL FROM \"%w\" ORDER BY k, fid", o->layer),
                     NULL);
}

static int sensors(rp_doc *d, cim_store *s, const cim_layer_info *li, const cim_report_options *o)
{
    char *cols = field_list(li, "");
    char *sql = cols ? sqlite3_mprintf("SELECT %s FROM \"%w\" ORDER BY fid", cols, o->layer) : NULL;
    rp_table *t = sql ? rp_table_sql(d, s, "rows", li->field_count && rp_field_index(li, "periods") >= 0
                                                      ? "Gaps (periods without a reading)"
                                                      : "Summaries",
                                     sql)
                      : NULL;
    sqlite3_free(sql);
    free(cols);
    if (!t)
        return cols ? CIM_EINTERNAL : rp_oom();
    int rc = rp_figure_add(d, "rows", "Rows", 1, "%zu", t->t.nrows);
    if (!rc && li->field_count) {
        /* the first column names the sensor (or the polygon with --by) */
        char *q = sqlite3_mprintf("SELECT count(DISTINCT \"%w\") FROM \"%w\"", li->fields[0].name, o->layer);
        char *n = q ? sql_text(s, q) : NULL;
        sqlite3_free(q);
        rc = rp_figure_add(d, "groups", li->fields[0].name, 1, "%s", n ? n : "0");
        free(n);
    }
    if (!rc)
        rc = rp_note(d, "A sensor table has no geometry: no map.");
    return rc;
}

/* A cim_table (text cells) as a report table; a column is numeric when
 * every non-null cell is a number. */
static rp_table *table_from(rp_doc *d, const char *id, const char *title, const cim_table *ct)
{
    unsigned char *num = calloc(ct->ncols ? ct->ncols : 1, 1);
    if (!num) {
        rp_oom();
        return NULL;
    }
    for (size_t c = 0; c < ct->ncols; c++) {
        num[c] = 1;
        for (size_t r = 0; r < ct->nrows && num[c]; r++) {
            const char *v = ct->cells[r * ct->ncols + c];
            char *end = NULL;
            if (v && (!*v || (strtod(v, &end), *end) || !strpbrk(v, "0123456789")))
                num[c] = 0;
        }
    }
    rp_table *t = rp_table_add(d, id, title, ct->ncols, (const char *const *)ct->cols, num);
    free(num);
    for (size_t r = 0; t && r < ct->nrows; r++)
        if (rp_row_add(t, (const char *const *)ct->cells + r * ct->ncols))
            return NULL;
    return t;
}

/* A sensor group (NAME_sensors + NAME_obs, as `cim ingest --kind sensor`
 * writes it): its gaps (days without a reading) first, then its daily
 * summaries, from the sensors module's read-only queries; the sensors on
 * the map by whether they have gaps. */
static int sensor_group(rp_doc *d, cim_store *s, const cim_report_options *o)
{
    cim_sensors_summary_options so = CIM_SENSORS_SUMMARY_OPTIONS_INIT;
    so.every = CIM_PERIOD_DAY;
    cim_table *gaps = NULL, *sum = NULL;
    int rc = cim_sensors_gaps(&gaps, s, o->layer, &so);
    if (!rc)
        rc = cim_sensors_summarize(&sum, s, o->layer, &so);
    rp_table *tg = rc ? NULL : table_from(d, "gaps", "Gaps: days without any reading (UTC)", gaps);
    rp_table *ts = tg ? table_from(d, "summaries", "Daily summaries (UTC)", sum) : NULL;
    if (!rc && !ts)
        rc = CIM_EINTERNAL;
    if (!rc) {
        d->findings = (int64_t)gaps->nrows;
        rc = rp_figure_add(d, "gaps", "Gaps (runs of days without a reading)", 1, "%zu", gaps->nrows);
        rc = rc || rp_figure_add(d, "summary_rows", "Daily summary rows", 1, "%zu", sum->nrows);
    }
    /* the sensors with a gap, as an SQL list */
    cim_buf in = {0};
    for (size_t r = 0; !rc && gaps && r < gaps->nrows; r++) {
        char *q = sqlite3_mprintf("%s%Q", in.len ? "," : "", gaps->cells[r * gaps->ncols]);
        if (!q || cim_buf_reserve(&in, strlen(q) + 1))
            rc = rp_oom();
        else
            cim_buf_put(&in, q, strlen(q));
        sqlite3_free(q);
    }
    char sensors[200];
    snprintf(sensors, sizeof sensors, "%s_sensors", o->layer);
    if (!rc && !cim_buf_reserve(&in, 1)) {
        in.data[in.len] = 0;
        char *sql = sqlite3_mprintf("SELECT geom, CASE WHEN sensor IN (%s) THEN 'warning' ELSE 'ok' END AS k, sensor "
                                    "FROM \"%w\" ORDER BY k, fid",
                                    in.len ? (const char *)in.data : "NULL", sensors);
        rp_map_layer ml[1] = {{sql, 0, "gaps: "}};
        const char *ext[1] = {sensors};
        double box[4];
        if (!sql)
            rc = rp_oom();
        else if (rp_extent(s, ext, 1, box))
            rc = rp_map_draw(d, s, box, ml, 1, o->map_width);
        sqlite3_free(sql);
    }
    if (!rc)
        rc = rp_note(d, "Sensors with a gap are drawn as warning, the others as ok. Days are UTC days.");
    cim_buf_free(&in);
    cim_table_free(gaps);
    cim_table_free(sum);
    return rc;
}

int rp_results(rp_doc *d, cim_store *s, const cim_report_options *o)
{
    cim_layer_info *li = NULL;
    if (o->kind == CIM_REPORT_SENSORS && o->layer) {
        char group[200];
        snprintf(group, sizeof group, "%s_sensors", o->layer);
        if (!cim_store_table_exists(s, o->layer) && cim_layer_info_get(&li, s, group) == CIM_OK && li->kind &&
            !strcmp(li->kind, "sensor")) {
            cim_layer_info_free(li);
            return sensor_group(d, s, o);
        }
        cim_layer_info_free(li);
        li = NULL;
    }
    int rc = rp_layer_require(s, o->layer, "result", &li);
    if (rc)
        return rc;
    const char *want = roles[o->kind];
    if (!li->role || strcmp(li->role, want)) {
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                           "layer '%s' is not a %s result (its role is %s): give --layer the layer %s wrote",
                           o->layer, cim_report_kind_name(o->kind), li->role ? li->role : "none", writers[o->kind]);
    } else {
        switch (o->kind) {
        case CIM_REPORT_REDLINE: rc = redline(d, s, li, o); break;
        case CIM_REPORT_SITING: rc = siting(d, s, o); break;
        case CIM_REPORT_INDICATORS: rc = indicators(d, s, li, o); break;
        default: rc = sensors(d, s, li, o); break;
        }
    }
    if (!rc && li->lineage)
        rc = rp_note(d, "Lineage of '%s' (written by %s, run %lld): %s", o->layer, writers[o->kind],
                     (long long)li->run_id, li->lineage);
    cim_layer_info_free(li);
    return rc;
}
