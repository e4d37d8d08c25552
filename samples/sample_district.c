/* sample_district.c: cim_sample_generate, the one public entry point. It
 * checks the options, creates the directory, plans the district and has each
 * layer written in turn, then the README. Files written:
 *   parcels.geojson     land parcels (a true coverage), SZ land-use codes
 *   buildings.geojson   footprints with height and storeys
 *   roads.geojson       road centre lines
 *   blocklines.geojson  industrial block lines (工业区块线), level 1 and 2
 *   eco_line.geojson    basic ecological control line (基本生态控制线)
 *   stations.geojson    monitoring stations
 *   readings.csv        hourly readings, long format, deliberately messy
 *   README.txt          what all this is */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sample_int.h"

/* The district's south-west corner: Nanshan, between Shenzhen Bay and the hills. */
#define ORIGIN_LON 113.93
#define ORIGIN_LAT 22.53
#define MAX_PARCELS 10000000  /* as cmd_sample allows; ~10 GB of files */
#define MAX_SENSOR_DAYS 3660

/* mkdir -p: the caller names a directory that may not exist yet. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        snprintf(err, errlen, "bad output directory name");
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    }
    return 0;
}

static int write_readme(sample_ctx *c)
{
    const cim_sample_summary *s = c->sum;
    const cim_sample_options *o = c->opts;
    sample_out f;
    if (sample_out_open(&f, c->dir, "README.txt", NULL, c->err, c->errlen) < 0)
        return -1;
    char t[8192];
    snprintf(t, sizeof t,
        "cim sample district\n"
        "===================\n\n"
        "SYNTHETIC DATA. A made-up district laid out like Shenzhen's Nanshan (南山区),\n"
        "written by cim's sample generator. No parcel, building, plan, control line,\n"
        "station or reading here describes anything real.\n\n"
        "Seed %llu, %lld parcels requested, %lld written, %d days of readings.\n"
        "The same seed and size always give byte-identical files.\n\n"
        "Coordinates: built in EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E,\n"
        "metres) and written as GeoJSON (RFC 7946) in WGS84 lon/lat, 8 decimals.\n"
        "Extent in EPSG:4547: x %.1f .. %.1f, y %.1f .. %.1f (%.1f x %.1f km).\n\n"
        "Layout: city blocks between road corridors (arterial every 4th, secondary\n"
        "every 2nd, branch between); an industrial quarter in the west and south-west,\n"
        "a commercial centre with a CBD core east of the middle, a central park north\n"
        "of it, neighbourhood parks, housing elsewhere, and hills (ecological zone)\n"
        "along the north edge, crossed only by arterials.\n\n"
        "Files\n-----\n"
        "parcels.geojson     %lld polygons forming a true coverage: no overlaps, no gaps\n"
        "                    inside a block, neighbours share every vertex. parcel_id,\n"
        "                    scheme (SZ), landuse, landuse_plan (proposed; %lld parcels\n"
        "                    are M0/M1 wholly inside a block line planned as R* or C*),\n"
        "                    far_limit, height_limit_m, street, district.\n"
        "buildings.geojson   %lld footprints inside their parcels (none on G1/G2/E):\n"
        "                    building_id, parcel_id, height_m, storeys, use. storeys =\n"
        "                    max(1, round(height / storey height)): 3.0 m residential,\n"
        "                    3.9 m office/research/commercial/public, 5.0 m industrial/\n"
        "                    warehouse/logistics/transport/utility. %lld have no height\n"
        "                    (null), %lld no storeys (null).\n"
        "roads.geojson       %lld road centre lines: road_id, name, class\n"
        "                    (arterial/secondary/branch), width_m, lanes.\n"
        "blocklines.geojson  %lld industrial block lines (工业区块线): line_id, level\n"
        "                    (1 or 2), name. Some cut through parcels.\n"
        "eco_line.geojson    %lld basic ecological control line polygons (基本生态控制线)\n"
        "                    over the hills: line_id, name, kind.\n"
        "stations.geojson    %lld monitoring stations: station_id, name, kind\n"
        "                    (air_quality, noise, water_level, weather), observes.\n"
        "readings.csv        %lld rows: station_id,time,property,value,unit, hourly\n"
        "                    from 2026-06-01T00:00:00Z (UTC). Like a real nightly feed it\n"
        "                    has gaps (%lld station-hours missing), duplicates (%lld rows\n"
        "                    repeated) and late rows (%lld written after a later hour).\n",
        (unsigned long long)o->seed, (long long)o->parcels, (long long)s->parcels, o->sensor_days,
        s->extent[0], s->extent[2], s->extent[1], s->extent[3],
        (s->extent[2] - s->extent[0]) / 1000.0, (s->extent[3] - s->extent[1]) / 1000.0,
        (long long)s->parcels, (long long)s->forbidden_conversions, (long long)s->buildings,
        (long long)s->buildings_no_height, (long long)s->buildings_no_storeys,
        (long long)s->roads, (long long)s->blocklines, (long long)s->eco_lines,
        (long long)s->stations, (long long)s->readings, (long long)s->readings_missing,
        (long long)s->readings_duplicates, (long long)s->readings_late);
    sample_out_puts(&f, t);
    return sample_out_close(&f, c->err, c->errlen);
}

int cim_sample_generate(const char *dir, const cim_sample_options *opts,
                        cim_sample_summary *summary, char *err, size_t errlen)
{
    static const cim_sample_options defaults = CIM_SAMPLE_OPTIONS_INIT;
    char local_err[256];
    cim_sample_summary local_sum;
    if (!err || errlen == 0) {
        err = local_err;
        errlen = sizeof local_err;
    }
    if (!summary)
        summary = &local_sum;
    memset(summary, 0, sizeof *summary);
    if (!opts)
        opts = &defaults;
    if (opts->version != CIM_SAMPLE_OPTIONS_VERSION) {
        snprintf(err, errlen, "options version %u, expected %u", opts->version,
                 (unsigned)CIM_SAMPLE_OPTIONS_VERSION);
        return -1;
    }
    if (opts->parcels < 1 || opts->parcels > MAX_PARCELS) {
        snprintf(err, errlen, "parcels must be 1 .. %d, not %lld", MAX_PARCELS,
                 (long long)opts->parcels);
        return -1;
    }
    if (opts->sensor_days < 0 || opts->sensor_days > MAX_SENSOR_DAYS) {
        snprintf(err, errlen, "sensor days must be 0 .. %d, not %d", MAX_SENSOR_DAYS,
                 opts->sensor_days);
        return -1;
    }
    if (!dir || make_dirs(dir, err, errlen) < 0) {
        if (!dir)
            snprintf(err, errlen, "no output directory");
        return -1;
    }

    sample_ctx c;
    memset(&c, 0, sizeof c);
    c.opts = opts;
    c.dir = dir;
    c.sum = summary;
    c.err = err;
    c.errlen = errlen;
    if (sample_geo_open(&c.geo, ORIGIN_LON, ORIGIN_LAT, err, errlen) < 0)
        return -1;
    if (sample_layout_plan(&c.layout, opts->seed, opts->parcels, c.geo.origin_x, c.geo.origin_y,
                           err, errlen) < 0) {
        sample_geo_close(&c.geo);
        return -1;
    }
    const sample_layout *L = &c.layout;
    summary->blocks = sample_layout_blocks(L);
    summary->extent[0] = L->origin_x;
    summary->extent[1] = L->origin_y;
    summary->extent[2] = L->origin_x + L->width;
    summary->extent[3] = L->origin_y + L->height;
    int rc = -1;
    if (sample_write_parcels(&c) == 0 && sample_write_roads(&c) == 0 &&
        sample_write_controls(&c) == 0 && sample_write_sensors(&c) == 0 && write_readme(&c) == 0)
        rc = 0;
    sample_layout_free(&c.layout);
    sample_geo_close(&c.geo);
    return rc;
}
