/* sample_sensors.c: stations.geojson (monitoring stations as points) and
 * readings.csv (hourly readings, long format). The readings are as messy as a
 * nightly feed: some hours missing, some rows sent twice, some hours arriving
 * late, after later ones. The summary counts each kind of mess so tests of
 * idempotent ingest and gap reporting know what to expect. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample_int.h"

#define GAP_START 0.004        /* per station-hour: a gap of 1-6 hours starts */
#define LATE 0.01              /* per station-hour: its rows arrive 1-3 hours late */
#define DUPLICATE 0.004        /* per row: written twice */

enum { P_PM25, P_PM10, P_NO2, P_O3, P_LAEQ, P_LEVEL, P_TEMP, P_RH, P_RAIN, P_COUNT };

static const struct prop_info {
    const char *name, *unit;
    int decimals;
} props[P_COUNT] = {
    [P_PM25] = {"pm25", "ug/m3", 1}, [P_PM10] = {"pm10", "ug/m3", 1},
    [P_NO2] = {"no2", "ug/m3", 1},   [P_O3] = {"o3", "ug/m3", 1},
    [P_LAEQ] = {"laeq", "dB(A)", 1}, [P_LEVEL] = {"water_level", "m", 2},
    [P_TEMP] = {"air_temperature", "degC", 1}, [P_RH] = {"relative_humidity", "%", 1},
    [P_RAIN] = {"rainfall", "mm", 1},
};

enum { K_AQ, K_NOISE, K_WATER, K_WEATHER };

static const struct kind_info {
    const char *prefix, *kind, *label, *observes;
    int n;
    int p[4];
} kinds[4] = {
    [K_AQ] = {"AQ", "air_quality", "空气质量监测站", "pm25,pm10,no2,o3", 4, {P_PM25, P_PM10, P_NO2, P_O3}},
    [K_NOISE] = {"NZ", "noise", "噪声监测点", "laeq", 1, {P_LAEQ, 0, 0, 0}},
    [K_WATER] = {"WL", "water_level", "水位监测站", "water_level", 1, {P_LEVEL, 0, 0, 0}},
    [K_WEATHER] = {"WX", "weather", "气象站", "air_temperature,relative_humidity,rainfall", 3,
                   {P_TEMP, P_RH, P_RAIN, 0}},
};

/* Kinds in turn; the first four cover all of them even in a tiny district. */
static int station_kind(int i)
{
    static const int cycle[10] = {K_AQ, K_NOISE, K_WEATHER, K_WATER, K_AQ,
                                  K_NOISE, K_AQ, K_NOISE, K_WEATHER, K_AQ};
    return cycle[i % 10];
}

static int64_t station_count(int64_t parcels)
{
    int64_t n = parcels / 200;
    return n < 8 ? 8 : n > 500 ? 500 : n;
}

/* ---- time ---- */

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

#define START_DAY 20605        /* 2026-06-01, days since 1970-01-01 */
#define TIME_LEN 21            /* "2026-06-01T00:00:00Z" + NUL */

static char *time_strings(int hours)
{
    char *t = malloc((size_t)(hours > 0 ? hours : 1) * TIME_LEN);
    if (!t)
        return NULL;
    for (int h = 0; h < hours; h++) {
        int y, m, d;
        civil(START_DAY + h / 24, &y, &m, &d);
        char one[64];   /* roomy: the compiler cannot see y stays 4 digits */
        snprintf(one, sizeof one, "%04d-%02d-%02dT%02d:00:00Z", y, m, d, h % 24);
        memcpy(t + (size_t)h * TIME_LEN, one, TIME_LEN);
    }
    return t;
}

/* ---- stations ---- */

static void station_place(const sample_layout *L, int i, double *x, double *y)
{
    sample_rng r;
    sample_rng_init(&r, L->seed, RNG_STATION, (uint64_t)i);
    *x = sample_rng_range(&r, 0.03, 0.97) * L->width;
    if (station_kind(i) == K_WATER)   /* reservoirs and streams up in the hills */
        *y = L->eco_y0 + sample_rng_range(&r, 0.3, 0.8) * (L->height - L->eco_y0);
    else
        *y = sample_rng_range(&r, 0.03, 0.97) * L->eco_y0;
}

static void station_id(char *out, size_t len, int i)
{
    snprintf(out, len, "%s-%04d", kinds[station_kind(i)].prefix, i + 1);
}

static int write_stations(sample_ctx *c, int ns)
{
    const sample_layout *L = &c->layout;
    sample_out o;
    if (sample_out_open(&o, c->dir, "stations.geojson", "stations", c->err, c->errlen) < 0)
        return -1;
    for (int i = 0; i < ns; i++) {
        double x, y;
        station_place(L, i, &x, &y);
        int street = sample_layout_street(L, x, y);
        if (sample_geo_lonlat(&c->geo, &x, &y, 1, c->err, c->errlen) < 0) {
            sample_out_abort(&o);
            return -1;
        }
        const struct kind_info *k = &kinds[station_kind(i)];
        char id[32], name[160];
        station_id(id, sizeof id, i);
        const char *st = sample_street_name(street);
        /* "粤海街道" -> "粤海空气质量监测站07" */
        size_t stem = strlen(st) >= 6 ? strlen(st) - 6 : strlen(st);
        snprintf(name, sizeof name, "%.*s%s%02d", (int)stem, st, k->label, i + 1);
        sample_feature_begin(&o);
        sample_prop_str(&o, "station_id", id);
        sample_prop_str(&o, "name", name);
        sample_prop_str(&o, "kind", k->kind);
        sample_prop_str(&o, "observes", k->observes);
        sample_geom_point(&o, x, y);
        c->sum->stations++;
    }
    return sample_out_close(&o, c->err, c->errlen);
}

/* ---- readings ---- */

/* District-wide rain (mm per hour): showers start and stop as a two-state
 * Markov chain, the usual summer pattern. */
static double *rain_series(uint64_t seed, int hours)
{
    double *rain = calloc((size_t)(hours > 0 ? hours : 1), sizeof(double));
    if (!rain)
        return NULL;
    sample_rng r;
    sample_rng_init(&r, seed, RNG_WEATHER, 0);
    int wet = 0;
    for (int h = 0; h < hours; h++) {
        wet = wet ? !sample_rng_chance(&r, 0.35) : sample_rng_chance(&r, 0.04);
        double u = sample_rng_uniform(&r);
        rain[h] = wet ? -4.0 * log(1.0 - u) : 0.0;
    }
    return rain;
}

typedef struct station_state {
    double factor, base, pm_episode, store;
} station_state;

/* One hour's values for a station, in the order of kinds[].p. */
static void hour_values(int kind, int h, const double *rain, station_state *s, sample_rng *r,
                        double *v)
{
    double lh = (h + 8) % 24;                       /* Beijing time drives the cycles */
    double day = sin(6.283185307 * (lh - 9.0) / 24.0);
    double f = s->factor, wet = rain[h];
    switch (kind) {
    case K_AQ: {
        s->pm_episode = 0.9 * s->pm_episode + 2.5 * sample_rng_normal(r);
        double pm25 = f * (14.0 + 4.0 * cos(6.283185307 * (lh - 7.0) / 24.0)) + s->pm_episode - 0.8 * wet;
        pm25 = fmax(2.0, pm25);
        double pm10 = fmax(pm25, pm25 * sample_rng_range(r, 1.5, 1.9) + 2.0 * sample_rng_normal(r));
        double rush = 16.0 * exp(-(lh - 8.5) * (lh - 8.5) / 4.0) + 14.0 * exp(-(lh - 18.5) * (lh - 18.5) / 5.0);
        double no2 = fmax(2.0, f * (18.0 + rush) + 3.0 * sample_rng_normal(r));
        double sun = (lh >= 7 && lh <= 19) ? sin(3.14159265 * (lh - 7.0) / 12.0) : 0.0;
        double o3 = fmax(2.0, 25.0 + 85.0 * f * sun - 3.0 * wet + 6.0 * sample_rng_normal(r));
        v[0] = pm25; v[1] = pm10; v[2] = no2; v[3] = o3;
        break;
    }
    case K_NOISE: {
        double busy = (lh >= 7 && lh <= 22) ? 1.0 : 0.2;
        double laeq = f * (48.0 + 14.0 * busy) + 1.5 * sample_rng_normal(r);
        v[0] = fmin(85.0, fmax(35.0, laeq));
        break;
    }
    case K_WATER:
        /* A reservoir gauge: rises with rain, drains slowly. */
        s->store = 0.93 * s->store + 0.06 * wet;
        v[0] = s->base + s->store + 0.01 * sample_rng_normal(r);
        break;
    case K_WEATHER:
    default:
        v[0] = 28.5 + 3.2 * day - 0.4 * fmin(wet, 5.0) + 0.4 * sample_rng_normal(r);
        v[1] = fmin(100.0, 82.0 - 10.0 * day + 2.0 * fmin(wet, 5.0) + 2.0 * sample_rng_normal(r));
        v[2] = wet * sample_rng_range(r, 0.6, 1.4);
        break;
    }
}

typedef struct pending {
    int hour, release;
    double v[4];
} pending;
#define MAX_PENDING 16

/* Writes one station-hour's rows; rows for an hour earlier than one already
 * written count as late. */
static void write_rows(sample_ctx *c, sample_out *o, const char *sid, const char *times, int kind,
                       int hour, const double *v, int *max_hour, sample_rng *r)
{
    const struct kind_info *k = &kinds[kind];
    for (int i = 0; i < k->n; i++) {
        const struct prop_info *p = &props[k->p[i]];
        int copies = sample_rng_chance(r, DUPLICATE) ? 2 : 1;
        for (int n = 0; n < copies; n++) {
            sample_out_puts(o, sid);
            sample_out_write(o, ",", 1);
            sample_out_write(o, times + (size_t)hour * TIME_LEN, TIME_LEN - 1);
            sample_out_write(o, ",", 1);
            sample_out_puts(o, p->name);
            sample_out_write(o, ",", 1);
            sample_out_fixed(o, v[i], p->decimals);
            sample_out_write(o, ",", 1);
            sample_out_puts(o, p->unit);
            sample_out_write(o, "\n", 1);
            c->sum->readings++;
            if (hour < *max_hour)
                c->sum->readings_late++;
        }
        c->sum->readings_duplicates += copies - 1;
    }
    if (hour > *max_hour)
        *max_hour = hour;
}

static void station_readings(sample_ctx *c, sample_out *o, int i, int hours, const double *rain,
                             const char *times)
{
    sample_rng r;
    sample_rng_init(&r, c->layout.seed, RNG_READING, (uint64_t)i);
    int kind = station_kind(i);
    char sid[32];
    station_id(sid, sizeof sid, i);
    station_state s = {sample_rng_range(&r, 0.8, 1.3), sample_rng_range(&r, 2.0, 4.0), 0, 0};
    pending late[MAX_PENDING];
    int nlate = 0, gap = 0, max_hour = -1;
    for (int h = 0; h < hours; h++) {
        double v[4];
        /* Values are drawn every hour, sent or not, so a gap does not shift
         * the rest of the series. */
        hour_values(kind, h, rain, &s, &r, v);
        double u_gap = sample_rng_uniform(&r), u_late = sample_rng_uniform(&r);
        int gap_len = 1 + sample_rng_below(&r, 6), delay = 1 + sample_rng_below(&r, 3);
        if (gap == 0 && u_gap < GAP_START)
            gap = gap_len;
        if (gap > 0) {
            gap--;
            c->sum->readings_missing++;
        } else if (u_late < LATE && nlate < MAX_PENDING) {
            pending *p = &late[nlate++];
            p->hour = h;
            p->release = h + delay;
            memcpy(p->v, v, sizeof v);
        } else {
            write_rows(c, o, sid, times, kind, h, v, &max_hour, &r);
        }
        /* Held-back hours arrive once their delay is over. */
        int keep = 0;
        for (int k = 0; k < nlate; k++) {
            if (late[k].release <= h)
                write_rows(c, o, sid, times, kind, late[k].hour, late[k].v, &max_hour, &r);
            else
                late[keep++] = late[k];
        }
        nlate = keep;
    }
    /* Still held back when the feed ends: sent last. */
    for (int k = 0; k < nlate; k++)
        write_rows(c, o, sid, times, kind, late[k].hour, late[k].v, &max_hour, &r);
}

int sample_write_sensors(sample_ctx *c)
{
    int ns = (int)station_count(c->sum->parcels);
    if (write_stations(c, ns) < 0)
        return -1;
    int hours = 24 * c->opts->sensor_days;
    double *rain = rain_series(c->layout.seed, hours);
    char *times = time_strings(hours);
    if (!rain || !times) {
        free(rain);
        free(times);
        snprintf(c->err, c->errlen, "out of memory for readings");
        return -1;
    }
    sample_out o;
    if (sample_out_open(&o, c->dir, "readings.csv", NULL, c->err, c->errlen) < 0) {
        free(rain);
        free(times);
        return -1;
    }
    sample_out_puts(&o, "station_id,time,property,value,unit\n");
    for (int i = 0; i < ns; i++)
        station_readings(c, &o, i, hours, rain, times);
    free(rain);
    free(times);
    return sample_out_close(&o, c->err, c->errlen);
}
