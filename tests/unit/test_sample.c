/* test_sample.c: the sample district generator.
 *
 * Same seed, same bytes; another seed, other bytes; the summary matches the
 * files; and GDAL, as an independent reader, finds the geometry sound:
 * parcels valid, counter-clockwise and not overlapping (sum of areas = area
 * of the union), buildings inside their own parcel, conversions inside block
 * lines where the summary says. GDAL is used through its command-line tools
 * (ogrinfo, ogr2ogr) so the check shares no code with the generator. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sample.h"

static const char *const files[] = {
    "parcels.geojson", "buildings.geojson", "roads.geojson", "blocklines.geojson",
    "eco_line.geojson", "stations.geojson", "readings.csv", "README.txt",
};
#define NFILES (sizeof files / sizeof files[0])

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static int same_file(const char *a, const char *b, const char *name)
{
    size_t la = 0, lb = 0;
    char *x = slurp(a, name, &la), *y = slurp(b, name, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* Runs a shell command and keeps its standard output. */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *out = malloc(cap + 1);
    while (out && (got = fread(out + n, 1, cap - n, p)) > 0) {
        n += got;
        if (n == cap) {
            char *o = realloc(out, 2 * cap + 1);
            if (!o) {
                free(out);
                out = NULL;
                break;
            }
            out = o;
            cap *= 2;
        }
    }
    int status = pclose(p);
    if (out)
        out[n] = '\0';
    if (status != 0) {
        fprintf(stderr, "command failed (%d): %s\n%s\n", status, cmd, out ? out : "");
        free(out);
        return NULL;
    }
    return out;
}

/* ogrinfo prints a result column as "  name (Type) = value". */
static double field(const char *out, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "  %s (", name);
    const char *p = out ? strstr(out, key) : NULL;
    if (!p || !(p = strstr(p, ") = ")))
        return NAN;
    return strtod(p + 4, NULL);
}

/* One SQL query with GDAL's SQLite dialect (SpatiaLite functions); returns
 * ogrinfo's output for field() to pick the columns of the first row from.
 * Checks share queries because each ogrinfo start costs a fraction of a second. */
static char *sql(const char *source, const char *query)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -dialect SQLite -sql \"%s\" '%s' 2>&1", query, source);
    char *out = run(cmd);
    if (!out || !strstr(out, "OGRFeature"))
        fprintf(stderr, "no result from: %s\n%s\n", cmd, out ? out : "(none)");
    return out;
}

static int64_t feature_count(const char *dir, const char *file, const char *layer)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -so '%s/%s' %s 2>&1", dir, file, layer);
    char *out = run(cmd);
    const char *p = out ? strstr(out, "Feature Count: ") : NULL;
    int64_t n = p ? strtoll(p + 15, NULL, 10) : -1;
    free(out);
    return n;
}

static int64_t csv_rows(const char *dir)
{
    size_t len = 0;
    char *s = slurp(dir, "readings.csv", &len);
    if (!s)
        return -1;
    int64_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += s[i] == '\n';
    free(s);
    return lines - 1;   /* the header */
}

/* rm -r for the temporary directories (plain POSIX: nftw needs XSI). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(path);
            else
                remove(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void make_temp(char *out, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, len, "%s/cim_sample_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        exit(1);
    }
}

static void test_options(const char *dir)
{
    char err[256] = "";
    cim_sample_options o = CIM_SAMPLE_OPTIONS_INIT;
    o.parcels = 0;
    CHECK(cim_sample_generate(dir, &o, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "parcels") != NULL, "message: %s", err);
    o = (cim_sample_options)CIM_SAMPLE_OPTIONS_INIT;
    o.version = 99;
    CHECK(cim_sample_generate(dir, &o, NULL, err, sizeof err) == -1);
    o = (cim_sample_options)CIM_SAMPLE_OPTIONS_INIT;
    o.sensor_days = -1;
    CHECK(cim_sample_generate(dir, &o, NULL, err, sizeof err) == -1);
}

/* Everything GDAL can tell us about one generated district. */
static void test_with_gdal(const char *dir, const cim_sample_summary *s, int64_t requested)
{
    char src[1200], gpkg[1200], cmd[16384];
    CHECK(feature_count(dir, "parcels.geojson", "parcels") == s->parcels);
    CHECK(feature_count(dir, "buildings.geojson", "buildings") == s->buildings);
    CHECK(feature_count(dir, "roads.geojson", "roads") == s->roads);
    CHECK(feature_count(dir, "blocklines.geojson", "blocklines") == s->blocklines);
    CHECK(feature_count(dir, "eco_line.geojson", "eco_line") == s->eco_lines);
    CHECK(feature_count(dir, "stations.geojson", "stations") == s->stations);

    /* The coverage, measured in EPSG:4547 metres by SpatiaLite. */
    snprintf(src, sizeof src, "%s/parcels.geojson", dir);
    char *out = sql(src,
        "SELECT * FROM (SELECT ST_Area(ST_Transform(u, 4547)) AS uni, ST_NumGeometries(u) AS parts "
        "               FROM (SELECT ST_Union(geometry) AS u FROM parcels)), "
        "(SELECT sum(ST_Area(ST_Transform(geometry, 4547))) AS total, "
        "sum(NOT ST_IsValid(geometry)) AS invalid, sum(NOT ST_IsPolygonCCW(geometry)) AS cw, "
        "count(DISTINCT parcel_id) AS ids, "
        "sum(scheme <> 'SZ' OR district <> '南山区' OR street NOT LIKE '%街道' "
        "    OR far_limit IS NULL OR height_limit_m IS NULL) AS bad_attrs, "
        "sum(landuse IN ('M0', 'M1')) AS industrial, "
        "sum(landuse = 'M1' AND landuse_plan = 'M0') AS upgrades, "
        "sum(landuse LIKE '%+%') AS mixed, sum(landuse LIKE 'GIC_') AS gic, "
        "sum(landuse IN ('E', 'G1')) AS eco FROM parcels)");
    double total = field(out, "total"), uni = field(out, "uni");
    CHECK_MSG(fabs(total - uni) <= 1e-6 * uni, "sum of areas %.3f, union %.3f", total, uni);
    /* The parcels fill the blocks: between half the district's area and all of it. */
    double ext = (s->extent[2] - s->extent[0]) * (s->extent[3] - s->extent[1]);
    CHECK_MSG(uni > 0.5 * ext && uni < ext, "union %.0f of extent %.0f", uni, ext);
    /* Each block's parcels merge into one piece: nothing loose inside a block. */
    CHECK_MSG(field(out, "parts") == (double)s->blocks, "union has %g parts for %lld blocks",
              field(out, "parts"), (long long)s->blocks);
    CHECK(field(out, "invalid") == 0);
    CHECK(field(out, "cw") == 0);
    CHECK(field(out, "ids") == (double)s->parcels);
    CHECK(field(out, "bad_attrs") == 0);
    CHECK(field(out, "industrial") > 0);
    CHECK(field(out, "upgrades") > 0);
    CHECK(field(out, "mixed") > 0);
    CHECK(field(out, "gic") > 0);
    CHECK(field(out, "eco") > 0);
    free(out);
    double dev = fabs((double)s->parcels - (double)requested) / (double)requested;
    CHECK_MSG(dev <= 0.10, "%lld parcels for %lld requested", (long long)s->parcels, (long long)requested);

    /* One GeoPackage with an index on parcel_id, so the joins are quick. */
    snprintf(gpkg, sizeof gpkg, "%s/check.gpkg", dir);
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f GPKG '%s' '%s/parcels.geojson' && "
             "ogr2ogr -update '%s' '%s/buildings.geojson' && "
             "ogr2ogr -update '%s' '%s/blocklines.geojson' && "
             "ogr2ogr -update '%s' '%s/eco_line.geojson' && "
             "ogrinfo -q '%s' -sql 'CREATE INDEX parcels_pid ON parcels(parcel_id)' 2>&1",
             gpkg, dir, gpkg, dir, gpkg, dir, gpkg, dir, gpkg);
    out = run(cmd);
    CHECK_MSG(out != NULL, "building %s", gpkg);
    free(out);
    out = sql(gpkg,
        "SELECT (SELECT count(*) FROM buildings b JOIN parcels p ON p.parcel_id = b.parcel_id "
        "        WHERE ST_Within(b.geom, p.geom) AND ST_IsValid(b.geom) AND ST_IsPolygonCCW(b.geom)) AS within, "
        "(SELECT count(*) FROM buildings b JOIN parcels p ON p.parcel_id = b.parcel_id "
        " WHERE p.landuse IN ('G1', 'G2', 'E')) AS on_green, "
        /* storeys = max(1, round(height / storey height)) where both are given */
        "(SELECT count(*) FROM buildings WHERE height_m IS NOT NULL AND storeys IS NOT NULL "
        " AND storeys <> max(1, CAST(round(height_m / CASE use WHEN 'residential' THEN 3.0 "
        " WHEN 'office' THEN 3.9 WHEN 'research' THEN 3.9 WHEN 'commercial' THEN 3.9 "
        " WHEN 'public' THEN 3.9 ELSE 5.0 END) AS INTEGER))) AS bad_storeys, "
        "(SELECT count(*) FROM buildings WHERE use = 'industrial' "
        " AND (height_m < 10 OR height_m > 30)) AS bad_industrial, "
        "(SELECT count(*) FROM buildings WHERE height_m IS NULL) AS no_height, "
        "(SELECT count(*) FROM buildings WHERE storeys IS NULL) AS no_storeys, "
        /* planted conversions lie wholly inside a line; other parcels straddle one */
        "(SELECT count(*) FROM parcels p WHERE p.landuse IN ('M0', 'M1') "
        " AND (p.landuse_plan LIKE 'R%' OR p.landuse_plan LIKE 'C%') AND EXISTS "
        " (SELECT 1 FROM blocklines l WHERE ST_Within(p.geom, l.geom))) AS conversions, "
        "(SELECT count(*) FROM parcels p, blocklines l WHERE ST_Intersects(p.geom, l.geom) "
        " AND ST_Area(ST_Intersection(p.geom, l.geom)) BETWEEN 0.1 * ST_Area(p.geom) "
        " AND 0.9 * ST_Area(p.geom)) AS partial, "
        "(SELECT count(*) FROM blocklines WHERE level = 1) AS level1, "
        "(SELECT count(*) FROM blocklines WHERE level = 2) AS level2, "
        "(SELECT count(*) FROM blocklines WHERE NOT ST_IsValid(geom)) AS bad_lines, "
        "(SELECT count(*) FROM eco_line WHERE NOT ST_IsValid(geom)) AS bad_eco, "
        /* the ecological line covers hills, not industry */
        "(SELECT count(*) FROM eco_line e, blocklines l WHERE ST_Intersects(e.geom, l.geom)) AS eco_x_lines");
    CHECK(field(out, "within") == (double)s->buildings);
    CHECK(field(out, "on_green") == 0);
    CHECK(field(out, "bad_storeys") == 0);
    CHECK(field(out, "bad_industrial") == 0);
    CHECK(field(out, "no_height") == (double)s->buildings_no_height);
    CHECK(field(out, "no_storeys") == (double)s->buildings_no_storeys);
    CHECK(s->buildings_no_height > 0 && s->buildings_no_storeys > 0);
    CHECK(s->forbidden_conversions > 0);
    CHECK(field(out, "conversions") == (double)s->forbidden_conversions);
    CHECK(field(out, "partial") > 0);
    CHECK(field(out, "level1") > 0);
    CHECK(field(out, "level2") > 0);
    CHECK(field(out, "bad_lines") == 0);
    CHECK(field(out, "bad_eco") == 0);
    CHECK(field(out, "eco_x_lines") == 0);
    free(out);

    /* Readings: rows as summarised, duplicates exact. */
    snprintf(src, sizeof src, "%s/readings.csv", dir);
    CHECK(csv_rows(dir) == s->readings);
    out = sql(src, "SELECT count(*) - count(DISTINCT station_id || time || property) AS dups, "
                   "sum(time NOT LIKE '2026-06-__T__:00:00Z') AS bad_times FROM readings");
    CHECK(field(out, "dups") == (double)s->readings_duplicates);
    CHECK(field(out, "bad_times") == 0);
    free(out);
    CHECK(s->readings_duplicates > 0 && s->readings_missing > 0 && s->readings_late > 0);
}

int main(void)
{
    char a[1024], b[1024], c[1024];
    make_temp(a, sizeof a);
    make_temp(b, sizeof b);
    make_temp(c, sizeof c);
    char err[256] = "";
    cim_sample_options o = CIM_SAMPLE_OPTIONS_INIT;
    cim_sample_summary sa, sb, sc;

    /* A directory that does not exist yet is created. */
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/district", a);
    int rc = cim_sample_generate(sub, &o, &sa, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    rc = cim_sample_generate(b, &o, &sb, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    for (size_t i = 0; i < NFILES; i++)
        CHECK_MSG(same_file(sub, b, files[i]), "%s differs between two runs", files[i]);
    CHECK(memcmp(&sa, &sb, sizeof sa) == 0);

    o.seed += 1;
    rc = cim_sample_generate(c, &o, &sc, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    CHECK(!same_file(b, c, "parcels.geojson"));
    CHECK(!same_file(b, c, "buildings.geojson"));
    CHECK(!same_file(b, c, "readings.csv"));

    CHECK(sa.parcels > 0 && sa.buildings > sa.parcels / 2 && sa.roads > 0 && sa.blocklines > 0);
    CHECK(sa.eco_lines >= 1 && sa.eco_lines <= 2 && sa.stations >= 8 && sa.readings > 0);
    /* EPSG:4547 near Nanshan: easting about 493 km, northing about 2 490 km. */
    CHECK(sa.extent[0] > 480000 && sa.extent[0] < 500000);
    CHECK(sa.extent[1] > 2480000 && sa.extent[1] < 2500000);
    CHECK(sa.extent[2] > sa.extent[0] && sa.extent[3] > sa.extent[1]);

    test_options(c);

    char *v = run("ogrinfo --version 2>&1");
    if (!v) {
        fprintf(stderr, "ogrinfo not found: GDAL checks skipped\n");
        remove_tree(a);
        remove_tree(b);
        remove_tree(c);
        return check_failed ? 1 : 77;
    }
    free(v);
    test_with_gdal(sub, &sa, o.parcels);

    remove_tree(a);
    remove_tree(b);
    remove_tree(c);
    return check_report();
}
