/* sensors_summarize.c: count, mean, min, max (and exceedances of a
 * threshold) per sensor or per linked polygon, property and period, in SQL
 * over NAME_obs; and writing such a table as a derived attribute layer. */
#include "cim/sensors.h"

#include <stdlib.h>
#include <string.h>

#include "derived_int.h"
#include "sensors_int.h"

int cim_sensors_summarize(cim_table **out, cim_store *s, const char *layer, const cim_sensors_summary_options *o)
{
    cim_sensors_summary_options defaults = CIM_SENSORS_SUMMARY_OPTIONS_INIT;
    if (!o)
        o = &defaults;
    *out = NULL;
    char sensors[64], obs[64], links[64];
    int tz, rc = sensors_require(s, layer, sensors, obs, links);
    if (rc || (rc = sensors_period_check(o, &tz)))
        return rc;
    if (o->by) {
        if ((rc = cim_layer_name_check(o->by)))
            return rc;
        int linked = 0;
        if (cim_store_table_exists(s, links)) {
            cim_sql *q = NULL;
            if (!cim_sql_preparef(s, &q, "SELECT 1 FROM \"%w\" WHERE layer = %Q LIMIT 1", links, o->by) &&
                cim_sql_step(q) == CIM_SQL_ROW)
                linked = 1;
            cim_sql_finalize(q);
        }
        if (!linked)
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG,
                                 "no sensor of '%s' is linked to layer '%s'; run cim sensors link --to %s first", layer,
                                 o->by, o->by);
    }
    char *period = sensors_period_sql(s, "o.t", o->every, tz);
    char *key = o->by ? sqlite3_mprintf("l.fid AS \"%w_fid\"", o->by) : sqlite3_mprintf("o.sensor AS sensor");
    char *join = o->by ? sqlite3_mprintf(" JOIN \"%w\" l ON l.sensor = o.sensor AND l.layer = %Q", links, o->by)
                       : sqlite3_mprintf("");
    char *thr = o->threshold_property
                    ? sqlite3_mprintf(", CASE WHEN o.property = %Q THEN sum(%s(o.value > %.17g)%s) END AS exceedances",
                                      o->threshold_property, cim_store_is_pg(s) ? "CAST(" : "", o->threshold,
                                      cim_store_is_pg(s) ? " AS INTEGER)" : "")
                    : sqlite3_mprintf("");
    char *where = sqlite3_mprintf(" WHERE 1 = 1");
    if (o->property) {
        char *w = sqlite3_mprintf("%s AND o.property = %Q", where, o->property);
        sqlite3_free(where);
        where = w;
    }
    if (o->sensor) {
        char *w = sqlite3_mprintf("%s AND o.sensor = %Q", where, o->sensor);
        sqlite3_free(where);
        where = w;
    }
    char *sql = sqlite3_mprintf("SELECT %s, o.property AS property, %s AS period, count(*) AS count,"
                                " avg(o.value) AS mean, min(o.value) AS min, max(o.value) AS max%s"
                                " FROM \"%w\" o%s%s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                                key, period, thr, obs, join, where);
    sqlite3_free(period);
    sqlite3_free(key);
    sqlite3_free(join);
    sqlite3_free(thr);
    sqlite3_free(where);
    cim_sql *q = NULL;
    rc = cim_sql_prepare(s, &q, sql);
    sqlite3_free(sql);
    if (!rc)
        rc = sensors_table_from(out, q);
    cim_sql_finalize(q);
    return rc;
}

static cim_field_type type_of(const char *col)
{
    if (!strcmp(col, "count") || !strcmp(col, "exceedances") || !strcmp(col, "periods") ||
        strstr(col, "_fid"))
        return CIM_FIELD_INTEGER64;
    if (!strcmp(col, "mean") || !strcmp(col, "min") || !strcmp(col, "max"))
        return CIM_FIELD_REAL;
    return CIM_FIELD_STRING;
}

int cim_sensors_summary_write(cim_store *s, const char *name, const cim_table *t, const char *lineage_json,
                              const char *command_line)
{
    if (s->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only", s->path);
    int rc = cim_layer_name_check(name);
    if (rc)
        return rc;
    /* Only an earlier summary may be replaced: never a source layer. */
    char kind[32], role[32];
    if ((rc = sensors_layer_kind(s, name, kind, sizeof kind, role, sizeof role)))
        return rc;
    if ((kind[0] || cim_store_table_exists(s, name)) && (strcmp(kind, "derived") || strcmp(role, "sensor summary")))
        return cim_error_set(CIM_EEXISTS, CIM_ERRCLASS_ARG,
                             "layer '%s' exists and is not a sensor summary; choose another --out", name);
    cim_derived_field *fields = calloc(t->ncols ? t->ncols : 1, sizeof *fields);
    cim_src_value *vals = calloc(t->ncols ? t->ncols : 1, sizeof *vals);
    if (!fields || !vals) {
        free(fields);
        free(vals);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < t->ncols; i++) {
        fields[i].name = t->cols[i];
        fields[i].type = type_of(t->cols[i]);
    }
    int64_t run_id = 0;
    char now[32];
    cim_utc_now(now);
    cim_derived *d = NULL;
    if (!(rc = cim_store_begin(s)) &&
        !(rc = cim_run_insert(s, &run_id, "sensors summarize", command_line ? command_line : name, now)))
        rc = cim_derived_begin(&d, s, name, CIM_DERIVED_NO_GEOMETRY, fields, t->ncols, 1);
    for (size_t r = 0; !rc && r < t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            const char *c = t->cells[r * t->ncols + i];
            cim_src_value *v = &vals[i];
            memset(v, 0, sizeof *v);
            v->is_null = c == NULL;
            if (!c)
                continue;
            v->s = c;
            v->slen = strlen(c);
            v->i = strtoll(c, NULL, 10);
            v->d = strtod(c, NULL);
        }
        rc = cim_derived_put(d, NULL, 0, vals);
    }
    if (!rc)
        rc = cim_derived_finish(d, run_id, "sensor summary", lineage_json);
    cim_derived_free(d);
    if (!rc)
        rc = cim_run_finish(s, run_id, "{}", NULL);
    if (!rc)
        rc = cim_store_commit(s);
    if (rc)
        cim_store_rollback(s);
    free(fields);
    free(vals);
    return rc;
}
