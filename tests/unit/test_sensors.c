/* test_sensors.c: the sensor readers (formats/sensors) and the sensor layer
 * functions of libcim, on small files written here; expected values are
 * worked out by hand in the comments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "sensor_reader.h"
#include "sensors_int.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static void test_time(void)
{
    int64_t t = 0;
    const char *why = NULL;
    /* 2019-01-01T00:00Z is 17897 days = 1546300800 s; +08:00 is 8 h earlier */
    CHECK(sensor_time_parse("2019-01-01T00:00:00+08:00", 0, 0, &t, &why) == 0 && t == 1546272000);
    CHECK(sensor_time_parse("2019-01-01T00:00:00Z", 0, 0, &t, &why) == 0 && t == 1546300800);
    CHECK(sensor_time_parse("2019-01-01T00:00:00.250-0130", 0, 0, &t, &why) == 0 && t == 1546300800 + 5400);
    CHECK(sensor_time_parse("2019-01-01 00:00", 1, 8 * 3600, &t, &why) == 0 && t == 1546272000);
    CHECK(sensor_time_parse("2019-01-01", 1, 0, &t, &why) == 0 && t == 1546300800);
    CHECK(sensor_time_parse("1546300800", 0, 0, &t, &why) == 0 && t == 1546300800);
    CHECK(sensor_time_parse("1546300800999", 0, 0, &t, &why) == 0 && t == 1546300800);
    CHECK(sensor_time_parse("2019-01-01T00:00:00", 0, 0, &t, &why) == -1 && strstr(why, "--tz"));
    CHECK(sensor_time_parse("2019-02-29T00:00:00Z", 0, 0, &t, &why) == -1); /* 2019 is no leap year */
    CHECK(sensor_time_parse("2020-02-29T00:00:00Z", 0, 0, &t, &why) == 0);
    CHECK(sensor_time_parse("yesterday", 0, 0, &t, &why) == -1);
    CHECK(sensor_time_parse("2019-01-01T25:00:00Z", 0, 0, &t, &why) == -1);
    CHECK(sensor_time_parse("", 1, 0, &t, &why) == -1);
    char buf[32];
    sensor_time_format(1546272000, buf);
    CHECK_STR(buf, "2018-12-31T16:00:00Z");
    sensor_time_format(951782400, buf); /* 11016 days: 2000-02-29 */
    CHECK_STR(buf, "2000-02-29T00:00:00Z");
    int off = 0;
    CHECK(sensor_tz_parse("+08:00", &off) == 0 && off == 28800);
    CHECK(sensor_tz_parse("-0530", &off) == 0 && off == -19800);
    CHECK(sensor_tz_parse("8", &off) == -1);
}

static void test_periods(void)
{
    int64_t k = 0;
    char buf[32];
    CHECK(sensors_period_index("2019-04-08", CIM_PERIOD_DAY, &k) == 0 && k == 17994); /* 17897 + 97 */
    sensors_period_label(17995, CIM_PERIOD_DAY, buf);
    CHECK_STR(buf, "2019-04-09");
    CHECK(sensors_period_index("2019-12", CIM_PERIOD_MONTH, &k) == 0 && k == 2019 * 12 + 11);
    sensors_period_label(k + 1, CIM_PERIOD_MONTH, buf);
    CHECK_STR(buf, "2020-01");
    CHECK(sensors_period_index("2019-01-01T23", CIM_PERIOD_HOUR, &k) == 0 && k == 17897 * 24 + 23);
    sensors_period_label(k + 1, CIM_PERIOD_HOUR, buf);
    CHECK_STR(buf, "2019-01-02T00");
}

/* Reads every record; returns the count or -1 with the error in err. */
static long read_all(const char *path, const sensor_reader_options *o, char *err, double *sum, long *nobs)
{
    sensor_reader *r = NULL;
    long n = 0;
    *sum = 0;
    *nobs = 0;
    if (sensor_reader_open(&r, path, o)) {
        snprintf(err, 512, "%s", r ? sensor_reader_error(r) : sensor_reader_open_error());
        sensor_reader_free(r);
        return -1;
    }
    const sensor_record *rec;
    int rc;
    while ((rc = sensor_reader_next(r, &rec)) == 1) {
        n++;
        for (size_t i = 0; i < rec->nobs; i++) {
            *sum += rec->obs[i].value;
            (*nobs)++;
        }
    }
    if (rc < 0) {
        snprintf(err, 512, "%s", sensor_reader_error(r));
        n = -1;
    }
    sensor_reader_free(r);
    return n;
}

static void test_csv(void)
{
    char *wide = path_in("wide.csv");
    /* a quoted name with a comma and a quoted line break; an empty PM10 */
    write_file(wide, "\xEF\xBB\xBFtime,id,name,lon,lat,PM10,NO2\r\n"
                     "2019-01-01T00:00:00+08:00,A,\"Futian, \"\"north\"\"\",114.05,22.54,10,2.5\r\n"
                     "2019-01-01T01:00:00+08:00,A,\"two\nlines\",114.05,22.54,,3\r\n"
                     "\r\n"
                     "2019-01-01T00:00:00+08:00,B,x,114.1,22.6,7,1e1\r\n");
    sensor_reader_options o = {.sensor_field = "id", .time_field = "time", .x_field = "lon", .y_field = "lat"};
    char err[512] = "";
    double sum;
    long nobs;
    CHECK_MSG(read_all(wide, &o, err, &sum, &nobs) == 3, "%s", err);
    CHECK(nobs == 5);           /* 2 + 1 + 2: the empty PM10 is no reading */
    CHECK_NEAR(sum, 10 + 2.5 + 3 + 7 + 10, 1e-12);
    sensor_reader *r = NULL;
    const sensor_record *rec;
    CHECK(sensor_reader_open(&r, wide, &o) == 0);
    CHECK(sensor_reader_next(r, &rec) == 1);
    CHECK_STR(rec->sensor, "A");
    CHECK(rec->nattrs == 1 && !strcmp(rec->attrs[0].name, "name"));
    CHECK_STR(rec->attrs[0].value, "Futian, \"north\"");
    CHECK(rec->has_xy && rec->x == 114.05 && rec->y == 22.54);
    CHECK(rec->t == 1546272000);
    CHECK(sensor_reader_next(r, &rec) == 1);
    CHECK_STR(rec->attrs[0].value, "two\nlines");
    CHECK(rec->line == 3);
    CHECK(sensor_reader_next(r, &rec) == 1);
    CHECK(rec->line == 6); /* the quoted break took line 4, then a blank line */
    CHECK(sensor_reader_next(r, &rec) == 0);
    sensor_reader_free(r);

    char *bad = path_in("bad_value.csv");
    write_file(bad, "time,id,PM10\n2019-01-01T00:00:00Z,A,5\n2019-01-01T01:00:00Z,A,n/a\n");
    sensor_reader_options ob = {.sensor_field = "id", .time_field = "time"};
    CHECK(read_all(bad, &ob, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "bad_value.csv, line 3") && strstr(err, "'n/a' in column 'PM10'"), "%s", err);
    write_file(bad, "time,id,PM10\n2019-01-01T00:00:00Z,A,5\nsoon,A,6\n");
    CHECK(read_all(bad, &ob, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "line 3: time 'soon'"), "%s", err);
    write_file(bad, "time,id,PM10\n2019-01-01T00:00:00Z,A\n");
    CHECK(read_all(bad, &ob, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "line 2: 2 cells where the header has 3"), "%s", err);
    write_file(bad, "time,id,PM10\n2019-01-01T00:00:00Z,\"A,5\n");
    CHECK(read_all(bad, &ob, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "line 2: a quoted cell is not closed"), "%s", err);
    sensor_reader_options onox = {.sensor_field = "id", .time_field = "time", .x_field = "lon", .y_field = "lat"};
    CHECK(read_all(bad, &onox, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "no column 'lon'"), "%s", err);

    char *lng = path_in("long.csv");
    write_file(lng, "id,prop,t,v,unit\nA,PM10,1546300800,10,ug\nA,NO2,1546300800000,,ug\nB,PM10,1546304400,4.5,ug\n");
    sensor_reader_options ol = {.sensor_field = "id", .time_field = "t", .property_field = "prop", .value_field = "v"};
    CHECK_MSG(read_all(lng, &ol, err, &sum, &nobs) == 3, "%s", err);
    CHECK(nobs == 2 && sum == 14.5);
}

static void test_json(void)
{
    char err[512] = "";
    double sum;
    long nobs;
    sensor_reader_options o = {.sensor_field = "id", .time_field = "t", .x_field = "x", .y_field = "y"};
    char *arr = path_in("obs.json");
    write_file(arr, "[\n {\"id\": \"A\", \"t\": \"2019-01-01T00:00:00Z\", \"PM10\": 10, \"NO2\": null,"
                    " \"name\": \"a\", \"x\": 114, \"y\": 22},\n"
                    " {\"id\": 7, \"t\": 1546300800, \"PM10\": \"2.5\", \"NO2\": 1}\n]\n");
    CHECK_MSG(read_all(arr, &o, err, &sum, &nobs) == 2, "%s", err);
    CHECK(nobs == 3 && sum == 13.5);
    char *lines = path_in("obs.jsonl");
    write_file(lines, "{\"id\": \"A\", \"t\": \"2019-01-01T00:00:00Z\", \"PM10\": 10}\n\n"
                      "{\"id\": \"B\", \"t\": \"2019-01-01T00:00:00Z\", \"PM10\": 1}\n");
    CHECK_MSG(read_all(lines, &o, err, &sum, &nobs) == 2, "%s", err);
    CHECK(nobs == 2 && sum == 11);
    char *cut = path_in("cut.json");
    write_file(cut, "[\n {\"id\": \"A\", \"t\": \"2019-01-01T00:00:00Z\", \"PM10\": 10},\n"
                    " {\"id\": \"B\", \"t\": \"2019-01-01T00:00:00Z\", \"PM");
    CHECK(read_all(cut, &o, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "cut.json, line 3") && strstr(err, "item 2"), "%s", err);
    write_file(cut, "[\n {\"id\": \"A\", \"t\": \"2019-01-01T00:00:00Z\", \"PM10\": 10}\n");
    CHECK(read_all(cut, &o, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "not closed"), "%s", err);
    write_file(cut, "{\"id\": \"A\", \"t\": \"2019-01-01T00:00:00Z\", \"PM10\": 10}\n{\"id\": \"B\", \"t\":\n");
    char *cutl = path_in("cut.jsonl");
    rename(cut, cutl);
    CHECK(read_all(cutl, &o, err, &sum, &nobs) == -1);
    CHECK_MSG(strstr(err, "cut.jsonl, line 2"), "%s", err);

    char *sta = path_in("things.json");
    write_file(sta, "{\"value\": [{\"name\": \"S1\", \"description\": \"roof\", \"properties\": {\"owner\": \"city\"},"
                    " \"Locations\": [{\"location\": {\"type\": \"Point\", \"coordinates\": [114.1, 22.5]}}],"
                    " \"Datastreams\": [{\"name\": \"pm\", \"ObservedProperty\": {\"name\": \"PM2_5\"},"
                    " \"unitOfMeasurement\": {\"symbol\": \"ug/m3\"}, \"Observations\": ["
                    "{\"phenomenonTime\": \"2019-01-01T00:00:00Z\", \"result\": 3},"
                    "{\"phenomenonTime\": \"2019-01-01T01:00:00Z/2019-01-01T02:00:00Z\", \"result\": 4}]},"
                    " {\"name\": \"NO2\", \"Observations\": [{\"phenomenonTime\": \"2019-01-01T00:00:00Z\","
                    " \"result\": 5}]}]}]}");
    sensor_reader_options os = {0};
    sensor_reader *r = NULL;
    const sensor_record *rec;
    CHECK_MSG(sensor_reader_open(&r, sta, &os) == 0, "%s", r ? sensor_reader_error(r) : "");
    int n = 0;
    double total = 0;
    while (sensor_reader_next(r, &rec) == 1) {
        n++;
        total += rec->obs[0].value;
        CHECK_STR(rec->sensor, "S1");
        CHECK(rec->has_xy && rec->x == 114.1);
        CHECK(rec->nattrs == 2);
        if (n == 2)
            CHECK(rec->t == 1546300800 + 3600 && !strcmp(rec->unit, "ug/m3"));
        if (n == 3)
            CHECK_STR(rec->obs[0].property, "NO2");
    }
    CHECK(n == 3 && total == 12);
    sensor_reader_free(r);
}

static void test_store(void)
{
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path_in("s.cim"), NULL) == 0);
    char *csv = path_in("day.csv");
    /* sensor A: hours 00, 01, 03 of 2019-01-01 UTC (hour 02 missing); B: 00 only */
    write_file(csv, "t,id,lon,lat,v\n2019-01-01T00:00:00Z,A,114.05,22.54,1\n2019-01-01T01:00:00Z,A,114.05,22.54,2\n"
                    "2019-01-01T03:00:00Z,A,114.05,22.54,6\n2019-01-01T00:00:00Z,B,114.06,22.55,10\n");
    cim_sensors_ingest_options o = CIM_SENSORS_INGEST_OPTIONS_INIT;
    o.layer = "air";
    o.sensor_field = "id";
    o.time_field = "t";
    o.x_field = "lon";
    o.y_field = "lat";
    cim_sensors_ingest_result *r = NULL;
    CHECK_MSG(cim_sensors_ingest(&r, s, csv, &o) == 0, "%s", cim_error_last() ? cim_error_last()->message : "");
    CHECK(r && r->inserted == 4 && r->sensors_new == 2 && r->run_id > 0);
    cim_sensors_ingest_result_free(r);
    CHECK(cim_sensors_ingest(&r, s, csv, &o) == 0);
    CHECK(r && r->inserted == 0 && r->duplicates == 4 && r->run_id == 0);
    cim_sensors_ingest_result_free(r);
    char *c2 = path_in("conflict.csv");
    write_file(c2, "t,id,lon,lat,v\n2019-01-01T00:00:00Z,A,114.05,22.54,99\n2019-01-01T02:00:00Z,A,114.05,22.54,3\n");
    CHECK(cim_sensors_ingest(&r, s, c2, &o) == 0);
    CHECK(r && r->inserted == 1 && r->conflicts == 1 && r->first_conflict && strstr(r->first_conflict, "1 kept"));
    cim_sensors_ingest_result_free(r);
    CHECK(scalar(s, "SELECT count(*) FROM air_obs") == 5);
    /* out of time order, and the same key twice in one file: the first in the file is kept */
    char *c3 = path_in("unordered.csv");
    write_file(c3, "t,id,lon,lat,v\n2019-01-02T03:00:00Z,C,114.07,22.56,5\n2019-01-02T01:00:00Z,C,114.07,22.56,1\n"
                   "2019-01-02T03:00:00Z,C,114.07,22.56,7\n2019-01-02T02:00:00Z,C,114.07,22.56,2\n");
    CHECK(cim_sensors_ingest(&r, s, c3, &o) == 0);
    CHECK(r && r->inserted == 3 && r->conflicts == 1 && r->duplicates == 0);
    cim_sensors_ingest_result_free(r);
    CHECK(scalar(s, "SELECT value FROM air_obs WHERE sensor = 'C' AND t = '2019-01-02T03:00:00Z'") == 5);
    CHECK(scalar(s, "SELECT group_concat(value, ',') = '1.0,2.0,5.0' FROM (SELECT value FROM air_obs"
                    " WHERE sensor = 'C' ORDER BY t)") == 1);
    CHECK(cim_sensors_ingest(&r, s, c3, &o) == 0);
    CHECK(r && r->inserted == 0 && r->conflicts == 1 && r->duplicates == 3);
    cim_sensors_ingest_result_free(r);
    CHECK(scalar(s, "SELECT value FROM air_obs WHERE sensor = 'A' AND t = '2019-01-01T00:00:00Z'") == 1);

    cim_sensors_summary_options so = CIM_SENSORS_SUMMARY_OPTIONS_INIT;
    so.sensor = "A";
    so.threshold_property = "v";
    so.threshold = 2.5;
    cim_table *t = NULL;
    CHECK(cim_sensors_summarize(&t, s, "air", &so) == 0);
    /* A on 2019-01-01: 1, 2, 3, 6 -> count 4, mean 3, min 1, max 6, 2 above 2.5 */
    CHECK(t && t->nrows == 1 && t->ncols == 8);
    if (t && t->nrows == 1) {
        CHECK_STR(t->cells[3], "4");
        CHECK_NEAR(atof(t->cells[4]), 3.0, 1e-12);
        CHECK_NEAR(atof(t->cells[5]), 1.0, 0);
        CHECK_NEAR(atof(t->cells[6]), 6.0, 0);
        CHECK_STR(t->cells[7], "2");
    }
    cim_table_free(t);
    /* gaps per hour: span 2019-01-01T00..2019-01-02T03; B misses 01 to the end, A from
     * 04 on, C until 2019-01-02T00 */
    so = (cim_sensors_summary_options)CIM_SENSORS_SUMMARY_OPTIONS_INIT;
    so.every = CIM_PERIOD_HOUR;
    CHECK(cim_sensors_gaps(&t, s, "air", &so) == 0);
    CHECK(t && t->nrows == 3);
    if (t && t->nrows == 3) {
        CHECK_STR(t->cells[0], "A");
        CHECK_STR(t->cells[1], "2019-01-01T04");
        CHECK_STR(t->cells[2], "2019-01-02T03");
        CHECK_STR(t->cells[3], "24");
        CHECK_STR(t->cells[4], "B");
        CHECK_STR(t->cells[5], "2019-01-01T01");
        CHECK_STR(t->cells[7], "27");
        CHECK_STR(t->cells[8], "C");
        CHECK_STR(t->cells[9], "2019-01-01T00");
        CHECK_STR(t->cells[10], "2019-01-02T00");
        CHECK_STR(t->cells[11], "25");
    }
    cim_table_free(t);
    cim_store_free(s);
}

/* 600 sensors x 4 properties x 30 hours = 72,000 readings in long form:
 * more runs than a first chunk serves well, so chunks grow and the page
 * cache is restored mid-file; every reading must still land exactly once. */
static void test_many_runs(void)
{
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path_in("many.cim"), NULL) == 0);
    char *csv = path_in("many.csv");
    FILE *f = fopen(csv, "wb");
    fputs("id,x,y,p,t,v\n", f);
    for (int h = 0; h < 30; h++)
        for (int k = 0; k < 600; k++)
            for (int p = 0; p < 4; p++)
                fprintf(f, "s%03d,%.3f,22.5,p%d,%d,%d\n", k, 113.9 + k * 0.0005, p, 1546300800 + 3600 * h, h + k + p);
    fclose(f);
    cim_sensors_ingest_options o = CIM_SENSORS_INGEST_OPTIONS_INIT;
    o.layer = "many";
    o.sensor_field = "id";
    o.time_field = "t";
    o.x_field = "x";
    o.y_field = "y";
    o.property_field = "p";
    o.value_field = "v";
    cim_sensors_ingest_result *r = NULL;
    CHECK(cim_sensors_ingest(&r, s, csv, &o) == 0);
    CHECK(r && r->inserted == 72000 && r->sensors_new == 600);
    cim_sensors_ingest_result_free(r);
    CHECK(scalar(s, "SELECT count(*) FROM many_obs") == 72000);
    /* sum of h + k + p over all: 30*600*4 readings; sums 4*600*435 + 4*30*179700 + 30*600*6 */
    CHECK(scalar(s, "SELECT sum(value) FROM many_obs") == 4.0 * 600 * 435 + 4.0 * 30 * 179700 + 30.0 * 600 * 6);
    CHECK(cim_sensors_ingest(&r, s, csv, &o) == 0);
    CHECK(r && r->inserted == 0 && r->duplicates == 72000 && r->conflicts == 0);
    cim_sensors_ingest_result_free(r);
    cim_store_free(s);
}

int main(void)
{
    if (cim_init() || fixture_open("sensors"))
        return 1;
    test_time();
    test_periods();
    test_csv();
    test_json();
    test_store();
    test_many_runs();
    fixture_close();
    cim_shutdown();
    return check_report();
}
