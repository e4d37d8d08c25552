/* sensors_gaps.c: the periods in which a sensor sent nothing, between the
 * layer's first and last period. SQL lists the periods each sensor has
 * readings in, in order; walking them with a running period number finds
 * the holes (and runs of holes become one row). */
#include "cim/sensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensors_int.h"

static int emit(cim_table *t, const char *sensor, const char *property, int64_t from, int64_t to, cim_period every)
{
    char a[32], b[32], n[32];
    sensors_period_label(from, every, a);
    sensors_period_label(to, every, b);
    snprintf(n, sizeof n, "%lld", (long long)(to - from + 1));
    const char *row[] = {sensor, property, a, b, n};
    return property ? sensors_table_add(t, row) : sensors_table_add(t, (const char *[]){sensor, a, b, n});
}

int cim_sensors_gaps(cim_table **out, cim_store *s, const char *layer, const cim_sensors_summary_options *o)
{
    cim_sensors_summary_options defaults = CIM_SENSORS_SUMMARY_OPTIONS_INIT;
    if (!o)
        o = &defaults;
    *out = NULL;
    char sensors[64], obs[64], links[64];
    int tz, rc = sensors_require(s, layer, sensors, obs, links);
    if (rc || (rc = sensors_period_check(o, &tz)))
        return rc;
    char *period = sensors_period_sql(s, "t", o->every, tz);
    char *filter = o->property ? sqlite3_mprintf(" WHERE property = %Q", o->property) : sqlite3_mprintf("");
    /* The layer's span first (over the filtered readings), then the
     * distinct periods of each sensor. */
    cim_sql *q = NULL;
    rc = cim_sql_preparef(s, &q,
                          "SELECT %s FROM (SELECT min(t) AS t FROM \"%w\"%s UNION ALL"
                          " SELECT max(t) FROM \"%w\"%s) AS span",
                          period, obs, filter, obs, filter);
    int64_t span[2] = {0, -1};
    int have_span = 0;
    if (rc)
        goto done;
    for (int i = 0; i < 2 && cim_sql_step(q) == CIM_SQL_ROW; i++) {
        const char *lab = cim_sql_text(q, 0);
        if (lab && !sensors_period_index(lab, o->every, &span[i]))
            have_span = i == 1;
    }
    cim_sql_finalize(q);
    q = NULL;
    cim_table *t = calloc(1, sizeof *t);
    const char *cols_p[] = {"sensor", "property", "first", "last", "periods"};
    const char *cols[] = {"sensor", "first", "last", "periods"};
    rc = o->property ? sensors_table_cols(t, 5, cols_p) : sensors_table_cols(t, 4, cols);
    if (rc || !have_span) {
        if (rc)
            cim_table_free(t);
        else
            *out = t;
        goto done;
    }
    char *sfilter = o->sensor ? sqlite3_mprintf("%s sensor = %Q", o->property ? " AND" : " WHERE", o->sensor)
                              : sqlite3_mprintf("");
    rc = cim_sql_preparef(s, &q,
                          "SELECT s.sensor, p.period FROM \"%w\" s LEFT JOIN (SELECT DISTINCT sensor, %s AS period"
                          " FROM \"%w\"%s%s) p ON p.sensor = s.sensor%s ORDER BY s.sensor, p.period",
                          sensors, period, obs, filter, sfilter, o->sensor ? " WHERE s.sensor = CAST(?1 AS TEXT)" : "");
    sqlite3_free(sfilter);
    if (!rc && o->sensor)
        rc = cim_sql_bind_text(q, 1, o->sensor, -1);
    if (rc) {
        cim_table_free(t);
        goto done;
    }
    char *cur = NULL;
    int64_t next = span[0]; /* the first period not yet accounted for */
    rc = CIM_OK;
    int step = CIM_SQL_DONE;
    while (!rc && (step = cim_sql_step(q)) == CIM_SQL_ROW) {
        const char *sensor = cim_sql_text(q, 0);
        const char *lab = cim_sql_text(q, 1);
        if (!cur || strcmp(cur, sensor)) {
            if (cur && next <= span[1])
                rc = emit(t, cur, o->property, next, span[1], o->every);
            free(cur);
            cur = strdup(sensor);
            next = span[0];
        }
        int64_t k;
        if (rc || !lab || sensors_period_index(lab, o->every, &k))
            continue; /* a sensor without readings: all of the span is a gap */
        if (k > next)
            rc = emit(t, cur, o->property, next, k - 1, o->every);
        next = k + 1;
    }
    if (!rc && step < 0)
        rc = step;
    if (!rc && cur && next <= span[1])
        rc = emit(t, cur, o->property, next, span[1], o->every);
    free(cur);
    if (rc)
        cim_table_free(t);
    else
        *out = t;
done:
    cim_sql_finalize(q);
    sqlite3_free(period);
    sqlite3_free(filter);
    return rc;
}
