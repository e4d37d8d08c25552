/* indicators_calc.c: the per-parcel geometry of the building indicators
 * (clipped floor area, coverage of the union, setback, spacing) and the
 * storey rules (floors from a height and a use). */
#include "indicators_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"

/* A building part under this area (m²) inside a parcel is a touching edge,
 * not a building in the parcel. */
#define IND_AREA_EPS 1e-6

/* Whether s holds one of the words as a whole word (so "warehouse" is not
 * "house"); non-ASCII words (住宅) anywhere. */
static int word_in(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i]; i++) {
        size_t n = strlen(words[i]);
        for (const char *at = strstr(s, words[i]); at; at = strstr(at + 1, words[i])) {
            int before = at == s || !isalpha((unsigned char)at[-1]);
            int after = !isalpha((unsigned char)at[n]);
            if ((unsigned char)words[i][0] >= 0x80 || (before && after))
                return 1;
        }
    }
    return 0;
}

int cim_ind_use_from_text(const char *text)
{
    if (!text || !*text)
        return CIM_IND_USE_UNKNOWN;
    char s[64];
    size_t n = 0;
    for (; text[n] && n < sizeof s - 1; n++)
        s[n] = (char)tolower((unsigned char)text[n]);
    s[n] = 0;
    /* PLATEAU bldg:usage codes (3 digits). */
    if (n == 3 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2])) {
        int c = atoi(s);
        if (c >= 411 && c <= 415)
            return CIM_IND_USE_RESIDENTIAL;
        if ((c >= 401 && c <= 404) || c == 421 || c == 422)
            return CIM_IND_USE_OFFICE;
        if (c == 431 || c == 441 || c == 452)
            return CIM_IND_USE_INDUSTRIAL;
        return CIM_IND_USE_UNKNOWN;
    }
    static const char *const res[] = {"residential", "residence", "housing", "house", "dwelling", "住宅", NULL};
    static const char *const off[] = {"office", "commercial", "retail", "business", "public", "hotel",
                                      "school", "hospital", "civic", NULL};
    static const char *const ind[] = {"industrial", "factory", "warehouse", "logistics", "storage", "workshop", NULL};
    if (word_in(s, res))
        return CIM_IND_USE_RESIDENTIAL;
    if (word_in(s, off))
        return CIM_IND_USE_OFFICE;
    if (word_in(s, ind))
        return CIM_IND_USE_INDUSTRIAL;
    return CIM_IND_USE_UNKNOWN;
}

int cim_ind_use_from_landuse(const char *code)
{
    if (!code)
        return CIM_IND_USE_UNKNOWN;
    while (*code == ' ')
        code++;
    char c0 = (char)toupper((unsigned char)code[0]);
    if (c0 == 'G' && toupper((unsigned char)code[1]) == 'I' && toupper((unsigned char)code[2]) == 'C')
        return CIM_IND_USE_OFFICE;
    switch (c0) {
    case 'R': return CIM_IND_USE_RESIDENTIAL;
    case 'C': return CIM_IND_USE_OFFICE;
    case 'M':
    case 'W': return CIM_IND_USE_INDUSTRIAL;
    default: return CIM_IND_USE_UNKNOWN;
    }
}

double cim_ind_storey_height(const cim_storey_heights *sh, int use)
{
    switch (use) {
    case CIM_IND_USE_RESIDENTIAL: return sh->residential;
    case CIM_IND_USE_OFFICE: return sh->office;
    case CIM_IND_USE_INDUSTRIAL: return sh->industrial;
    default: return sh->other;
    }
}

double cim_ind_floors(double storeys, double height, double storey_height)
{
    if (!isnan(storeys))
        return storeys;
    if (isnan(height))
        return NAN;
    double f = round(height / storey_height);
    return f < 1 ? 1 : f;
}

/* A clipped building part. */
typedef struct part {
    GEOSGeometry *g;
    double minx, miny, maxx, maxy;
    size_t building;
} part;

static int cmp_part_minx(const void *a, const void *b)
{
    const part *p = a, *q = b;
    if (p->minx != q->minx)
        return p->minx < q->minx ? -1 : 1;
    return p->building < q->building ? -1 : p->building > q->building;
}

static void part_envelope(GEOSContextHandle_t h, part *p)
{
    GEOSGeom_getXMin_r(h, p->g, &p->minx);
    GEOSGeom_getYMin_r(h, p->g, &p->miny);
    GEOSGeom_getXMax_r(h, p->g, &p->maxx);
    GEOSGeom_getYMax_r(h, p->g, &p->maxy);
}

static double env_distance(const part *a, const part *b)
{
    double dx = fmax(0, fmax(a->minx - b->maxx, b->minx - a->maxx));
    double dy = fmax(0, fmax(a->miny - b->maxy, b->miny - a->maxy));
    return sqrt(dx * dx + dy * dy);
}

/* Minimum distance between parts of two different buildings; NAN with fewer
 * than two buildings. A sweep over parts sorted by minx, pruned by the
 * envelope distance. */
static int min_spacing(GEOSContextHandle_t h, part *parts, size_t n, double *out)
{
    *out = NAN;
    if (n < 2)
        return 0;
    if (n > 1)
        qsort(parts, n, sizeof *parts, cmp_part_minx);
    double best = INFINITY;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (parts[j].minx - parts[i].maxx >= best)
                break;
            if (parts[j].building == parts[i].building || env_distance(&parts[i], &parts[j]) >= best)
                continue;
            double d;
            if (!GEOSDistance_r(h, parts[i].g, parts[j].g, &d))
                return cim_error_prefix("distance between buildings");
            if (d < best)
                best = d;
        }
    }
    if (isfinite(best))
        *out = best;
    return 0;
}

/* Whether two parts' envelopes overlap with an area (parts sorted by minx):
 * if none do, the footprints' interiors are disjoint. */
static int parts_overlap(const part *parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && parts[j].minx < parts[i].maxx; j++)
            if (parts[j].miny < parts[i].maxy && parts[i].miny < parts[j].maxy)
                return 1;
    return 0;
}

static void free_parts(GEOSContextHandle_t h, part *parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (parts[i].g)
            GEOSGeom_destroy_r(h, parts[i].g);
    free(parts);
}

int cim_ind_compute(cim_geos_io *io, const cim_ind_job *job, size_t pi, cim_ind_parcel_result *r)
{
    GEOSContextHandle_t h = io->h;
    const cim_ind_parcel *p = &job->parcels[pi];
    r->far = r->coverage = r->max_height = r->setback = r->spacing = r->gfa = NAN;
    GEOSGeometry *pg = cim_geos_from_blob(io, p->blob, p->blob_len);
    if (!pg)
        return cim_error_prefix("parcel fid %lld", (long long)p->fid);
    double parea = 0;
    GEOSArea_r(h, pg, &parea);
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, pg);
    GEOSGeometry *boundary = GEOSBoundary_r(h, pg);
    part *parts = calloc(p->ncand ? p->ncand : 1, sizeof *parts);
    size_t nparts = 0;
    const GEOSPreparedGeometry *prep_boundary = NULL;
    int rc = 0;
    double gfa = 0, maxh = NAN, setback = INFINITY;
    if (!prep || !boundary || !parts) {
        rc = cim_error_prefix("parcel fid %lld", (long long)p->fid);
        goto done;
    }
    for (size_t k = 0; k < p->ncand && !rc; k++) {
        size_t bi = p->cand[k];
        const cim_ind_building *b = &job->buildings[bi];
        GEOSGeometry *bg = cim_geos_from_blob(io, b->blob, b->blob_len);
        if (!bg) {
            rc = cim_error_prefix("building fid %lld", (long long)b->fid);
            break;
        }
        int inside = GEOSPreparedContains_r(h, prep, bg) == 1;
        char hit = inside ? 1 : GEOSPreparedIntersects_r(h, prep, bg);
        if (hit != 1) {
            GEOSGeom_destroy_r(h, bg);
            if (hit == 2)
                rc = cim_error_prefix("parcel fid %lld, building fid %lld", (long long)p->fid, (long long)b->fid);
            continue;
        }
        GEOSGeometry *clip = bg;
        if (!inside) {
            clip = GEOSIntersection_r(h, pg, bg);
            GEOSGeom_destroy_r(h, bg);
            if (!clip) {
                rc = cim_error_prefix("parcel fid %lld, building fid %lld", (long long)p->fid, (long long)b->fid);
                break;
            }
        }
        double a = 0;
        GEOSArea_r(h, clip, &a);
        if (a <= IND_AREA_EPS) {
            GEOSGeom_destroy_r(h, clip);
            continue;
        }
        r->building_count++;
        double sh = cim_ind_storey_height(&job->storey, b->use != CIM_IND_USE_UNKNOWN ? b->use : p->use);
        double floors = cim_ind_floors(b->storeys, b->height, sh);
        if (isnan(floors))
            r->skipped++;
        else
            gfa += floors * a;
        if (!isnan(b->height)) {
            if (isnan(maxh) || b->height > maxh)
                maxh = b->height;
            if (!isnan(p->height_limit) && b->height > p->height_limit + CIM_IND_EPS)
                r->over_height++;
        }
        double d = 0;
        if (inside && !prep_boundary)
            prep_boundary = GEOSPrepare_r(h, boundary);
        if (inside && (!prep_boundary || !GEOSPreparedDistance_r(h, prep_boundary, clip, &d))) {
            GEOSGeom_destroy_r(h, clip);
            rc = cim_error_prefix("parcel fid %lld, building fid %lld", (long long)p->fid, (long long)b->fid);
            break;
        }
        if (d < setback)
            setback = d;
        parts[nparts].g = clip;
        parts[nparts].building = bi;
        part_envelope(h, &parts[nparts]);
        nparts++;
    }
    if (rc)
        goto done;
    /* Which buildings stand here (by index into job->buildings). */
    r->members = malloc((nparts ? nparts : 1) * sizeof *r->members);
    for (size_t i = 0; i < nparts; i++)
        r->members[i] = parts[i].building;
    r->nmembers = nparts;
    if ((rc = min_spacing(h, parts, nparts, &r->spacing)))
        goto done;
    double covered = 0;
    if (!parts_overlap(parts, nparts)) {
        /* Interiors are disjoint: the union's area is the sum. */
        for (size_t i = 0; i < nparts; i++) {
            double a = 0;
            GEOSArea_r(h, parts[i].g, &a);
            covered += a;
        }
    } else {
        GEOSGeometry **gs = malloc(nparts * sizeof *gs);
        for (size_t i = 0; i < nparts; i++) {
            gs[i] = parts[i].g;
            parts[i].g = NULL;
        }
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, gs, (unsigned)nparts);
        free(gs);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        if (coll)
            GEOSGeom_destroy_r(h, coll);
        if (!u) {
            rc = cim_error_prefix("parcel fid %lld: union of footprints", (long long)p->fid);
            goto done;
        }
        GEOSArea_r(h, u, &covered);
        GEOSGeom_destroy_r(h, u);
    }
    r->gfa = gfa;
    if (parea > 0) {
        r->far = gfa / parea;
        r->coverage = covered / parea;
    }
    r->max_height = maxh;
    if (nparts)
        r->setback = setback;
done:
    free_parts(h, parts, nparts);
    if (prep_boundary)
        GEOSPreparedGeom_destroy_r(h, prep_boundary);
    if (boundary)
        GEOSGeom_destroy_r(h, boundary);
    if (prep)
        GEOSPreparedGeom_destroy_r(h, prep);
    GEOSGeom_destroy_r(h, pg);
    return rc;
}
