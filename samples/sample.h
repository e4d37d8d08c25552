/* sample.h: a deterministic synthetic district laid out like Shenzhen, for the
 * README's main job, the tests and the benchmarks. Same seed and size, same
 * bytes. Knows nothing of the store: it writes ordinary source files. */
#ifndef CIM_SAMPLE_H
#define CIM_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cim_sample_options {
    unsigned int version;
    uint64_t seed;
    int64_t parcels;     /* approximate number of parcels (the layout rounds to whole blocks) */
    int sensor_days;     /* days of hourly readings per station */
} cim_sample_options;
#define CIM_SAMPLE_OPTIONS_VERSION 1
#define CIM_SAMPLE_OPTIONS_INIT {CIM_SAMPLE_OPTIONS_VERSION, 20261122u, 2000, 7}

typedef struct cim_sample_summary {
    int64_t parcels, roads, blocklines, eco_lines, buildings, stations, readings;
    double extent[4];    /* minx, miny, maxx, maxy in EPSG:4547 metres */
    /* What the deliberately awkward parts hold, so tests know what to expect. */
    int64_t blocks;                  /* city blocks + ecological superblocks */
    int64_t forbidden_conversions;   /* M0/M1 parcels wholly inside a block line
                                        whose landuse_plan is R* or C* */
    int64_t buildings_no_height;     /* height_m is null (storeys present) */
    int64_t buildings_no_storeys;    /* storeys is null (height_m present) */
    int64_t readings_duplicates;     /* rows repeating an earlier row exactly */
    int64_t readings_missing;        /* station-hours left out (gaps) */
    int64_t readings_late;           /* rows written after a later hour of their station */
} cim_sample_summary;

/* Writes the district's files into dir (created if missing); see sample_district.c
 * for the list. Returns 0, or -1 with a message in err. */
int cim_sample_generate(const char *dir, const cim_sample_options *opts,
                        cim_sample_summary *summary, char *err, size_t errlen);

#endif
