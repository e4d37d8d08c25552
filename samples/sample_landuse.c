/* sample_landuse.c: the Shenzhen (SZ scheme) land-use codes the sample uses,
 * how often each appears in each kind of quarter, its planning limits and
 * what its buildings look like. All tuning of "what the district looks like"
 * lives here so the geometry files stay free of planning numbers. */
#include <math.h>

#include "sample_int.h"

typedef struct lu_info {
    const char *code;
    double far, height;                 /* typical limits: FAR, m */
} lu_info;

/* Limits are plausible round numbers for Shenzhen, not quoted from the
 * standard: the sample only needs values that checks can compare with. */
static const lu_info lu_table[LU_COUNT] = {
    [LU_R1] = {"R1", 1.2, 24}, [LU_R2] = {"R2", 3.2, 100}, [LU_R3] = {"R3", 2.5, 60},
    [LU_R4] = {"R4", 2.0, 30}, [LU_R2C1] = {"R2+C1", 3.6, 120}, [LU_C1] = {"C1", 5.0, 150},
    [LU_C1R2] = {"C1+R2", 4.5, 150}, [LU_C5] = {"C5", 1.0, 24},
    [LU_GIC1] = {"GIC1", 1.5, 40}, [LU_GIC2] = {"GIC2", 1.5, 40}, [LU_GIC3] = {"GIC3", 2.0, 50},
    [LU_GIC4] = {"GIC4", 1.2, 24}, [LU_GIC5] = {"GIC5", 1.5, 40}, [LU_GIC6] = {"GIC6", 1.5, 40},
    [LU_GIC9] = {"GIC9", 1.5, 30},
    [LU_M0] = {"M0", 4.5, 100}, [LU_M1] = {"M1", 3.0, 50}, [LU_W0] = {"W0", 3.0, 50},
    [LU_W1] = {"W1", 2.0, 40}, [LU_S] = {"S", 0.5, 15}, [LU_U] = {"U", 1.0, 24},
    [LU_G1] = {"G1", 0.1, 12}, [LU_G2] = {"G2", 0.0, 0}, [LU_E] = {"E", 0.0, 0},
};

typedef struct lu_weight {
    int lu;
    int weight;
} lu_weight;

/* Mixes per quarter, in percent. The industrial quarter keeps urban villages
 * (R4) and support uses (S, U, G2, GIC) because real block lines contain them. */
static const lu_weight mix_industrial[] = {
    {LU_M1, 50}, {LU_M0, 15}, {LU_W1, 10}, {LU_W0, 5}, {LU_U, 4}, {LU_S, 4},
    {LU_G2, 5}, {LU_GIC9, 3}, {LU_R4, 2}, {LU_C1, 2}, {-1, 0}};
static const lu_weight mix_residential[] = {
    {LU_R2, 45}, {LU_R3, 12}, {LU_R1, 3}, {LU_R4, 8}, {LU_R2C1, 6}, {LU_C1, 4},
    {LU_GIC4, 6}, {LU_GIC3, 2}, {LU_GIC1, 1}, {LU_GIC2, 2}, {LU_GIC6, 2}, {LU_GIC5, 1},
    {LU_G1, 5}, {LU_U, 1}, {LU_S, 2}, {-1, 0}};
static const lu_weight mix_commercial[] = {
    {LU_C1, 48}, {LU_R2C1, 12}, {LU_C1R2, 6}, {LU_C5, 5}, {LU_GIC2, 5}, {LU_GIC1, 3},
    {LU_G1, 6}, {LU_S, 4}, {LU_U, 2}, {LU_R2, 9}, {-1, 0}};
static const lu_weight mix_core[] = {
    {LU_C1, 75}, {LU_C1R2, 10}, {LU_C5, 5}, {LU_G1, 5}, {LU_S, 5}, {-1, 0}};
static const lu_weight mix_park[] = {
    {LU_G1, 80}, {LU_E, 8}, {LU_GIC2, 6}, {LU_C5, 3}, {LU_U, 3}, {-1, 0}};
static const lu_weight mix_eco[] = {
    {LU_E, 68}, {LU_G1, 27}, {LU_U, 5}, {-1, 0}};

const char *sample_lu_code(int lu)
{
    return (lu >= 0 && lu < LU_COUNT) ? lu_table[lu].code : "";
}

int sample_lu_is_industrial(int lu)
{
    return lu == LU_M0 || lu == LU_M1;
}

sample_lu sample_lu_pick(sample_zone zone, sample_rng *r)
{
    const lu_weight *mix;
    switch (zone) {
    case ZONE_INDUSTRIAL: mix = mix_industrial; break;
    case ZONE_COMMERCIAL: mix = mix_commercial; break;
    case ZONE_CORE: mix = mix_core; break;
    case ZONE_PARK: mix = mix_park; break;
    case ZONE_ECO: mix = mix_eco; break;
    case ZONE_RESIDENTIAL:
    default: mix = mix_residential; break;
    }
    int total = 0;
    for (const lu_weight *w = mix; w->lu >= 0; w++)
        total += w->weight;
    int pick = sample_rng_below(r, total);
    for (const lu_weight *w = mix; w->lu >= 0; w++) {
        if (pick < w->weight)
            return (sample_lu)w->lu;
        pick -= w->weight;
    }
    return (sample_lu)mix[0].lu;
}

void sample_lu_limits(int lu, sample_zone zone, sample_rng *r, double *far, double *height)
{
    static const double factor[] = {0.8, 0.9, 1.0, 1.0, 1.1, 1.2};
    double f = factor[sample_rng_below(r, 6)];
    double base_far = lu_table[lu].far, base_h = lu_table[lu].height;
    if (zone == ZONE_CORE && (lu == LU_C1 || lu == LU_C1R2)) {
        base_far = 8.0;     /* the CBD core: towers like Houhai's */
        base_h = 250;
    }
    *far = round(base_far * f * 10.0) / 10.0;
    *height = round(base_h * f / 5.0) * 5.0;
}

int sample_lu_plan(int lu, sample_rng *r)
{
    double u = sample_rng_uniform(r);
    switch (lu) {
    case LU_M1:
        /* Industrial upgrading (工改工): ordinary industry becomes new industry. */
        if (u < 0.12)
            return LU_M0;
        /* A few conversions to housing or offices (工改居/工改商). The block
         * builder adds more, on purpose, inside block lines. */
        if (u < 0.135)
            return sample_rng_chance(r, 0.6) ? LU_R2 : LU_C1;
        return lu;
    case LU_M0:
        return u < 0.01 ? LU_C1 : lu;
    case LU_W1:
        return u < 0.08 ? LU_W0 : lu;
    case LU_R4:
        /* Urban renewal (城市更新) of villages into ordinary housing. */
        return u < 0.2 ? LU_R2 : lu;
    default:
        return lu;
    }
}

/* use, storey height, storeys min..max, length, depth, gap, setback, L share.
 * Mixed parcels build for their dominant (first) code: R2+C1 residential
 * towers over shops, C1+R2 offices with flats. */
static const sample_building_kind bk_r1 = {"residential", 3.0, 2, 6, 14, 22, 10, 16, 8, 5, 0.3};
static const sample_building_kind bk_r2 = {"residential", 3.0, 10, 48, 22, 40, 14, 22, 13, 8, 0.15};
static const sample_building_kind bk_r3 = {"residential", 3.0, 6, 18, 20, 40, 12, 18, 10, 6, 0.2};
static const sample_building_kind bk_r4 = {"residential", 3.0, 4, 9, 10, 16, 9, 14, 2.5, 2, 0.05};
static const sample_building_kind bk_rc = {"residential", 3.0, 10, 45, 24, 42, 16, 26, 13, 8, 0.3};
static const sample_building_kind bk_c1 = {"office", 3.9, 8, 60, 30, 55, 25, 40, 13, 10, 0.35};
static const sample_building_kind bk_cr = {"office", 3.9, 8, 50, 28, 50, 22, 36, 13, 10, 0.35};
static const sample_building_kind bk_c5 = {"commercial", 3.9, 1, 5, 30, 60, 25, 45, 10, 8, 0.3};
static const sample_building_kind bk_gic = {"public", 3.9, 2, 8, 25, 60, 15, 30, 9, 6, 0.3};
static const sample_building_kind bk_m0 = {"research", 3.9, 6, 25, 30, 60, 20, 30, 13, 8, 0.3};
static const sample_building_kind bk_m1 = {"industrial", 5.0, 2, 5, 40, 90, 25, 50, 10, 6, 0.2};
static const sample_building_kind bk_w0 = {"logistics", 5.0, 2, 6, 50, 100, 30, 60, 10, 8, 0.1};
static const sample_building_kind bk_w1 = {"warehouse", 5.0, 2, 5, 50, 100, 30, 60, 10, 6, 0.1};
static const sample_building_kind bk_s = {"transport", 5.0, 1, 3, 20, 40, 12, 20, 10, 8, 0.0};
static const sample_building_kind bk_u = {"utility", 5.0, 1, 3, 12, 30, 10, 18, 8, 6, 0.0};

const sample_building_kind *sample_lu_building(int lu)
{
    switch (lu) {
    case LU_R1: return &bk_r1;
    case LU_R2: return &bk_r2;
    case LU_R3: return &bk_r3;
    case LU_R4: return &bk_r4;
    case LU_R2C1: return &bk_rc;
    case LU_C1: return &bk_c1;
    case LU_C1R2: return &bk_cr;
    case LU_C5: return &bk_c5;
    case LU_GIC1: case LU_GIC2: case LU_GIC3: case LU_GIC4: case LU_GIC5: case LU_GIC6:
    case LU_GIC9: return &bk_gic;
    case LU_M0: return &bk_m0;
    case LU_M1: return &bk_m1;
    case LU_W0: return &bk_w0;
    case LU_W1: return &bk_w1;
    case LU_S: return &bk_s;
    case LU_U: return &bk_u;
    default: return NULL;
    }
}
