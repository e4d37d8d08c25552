/* sample_buildings.c: building footprints on one parcel.
 *
 * Footprints are axis-parallel rectangles or L-shapes placed in a grid inside
 * the parcel's "safe rectangle": the box bounded by the innermost node of
 * each of its four sides. Every boundary edge lies between nodes of one side,
 * so it cannot reach into that box, and a setback inside it keeps footprints
 * metres (not millimetres) off the parcel edge whatever the jitter.
 * Heights follow the land use and aim at a floor area near the parcel's FAR
 * limit; storeys = round(height / storey height), at least 1 (DOMAIN.md). */
#include <math.h>

#include "sample_int.h"

/* Share of buildings whose height or storey count is left out, and of those
 * allowed past the parcel's height limit: later checks count and skip them. */
#define MISSING_HEIGHT 0.01
#define MISSING_STOREYS 0.01
#define OVER_HEIGHT_LIMIT 0.03

static void safe_rect(const sample_block *B, const sample_parcel *p, double *ax, double *ay,
                      double *bx, double *by)
{
    int s = B->nx + 1;
    *ax = -HUGE_VAL;
    *bx = HUGE_VAL;
    *ay = -HUGE_VAL;
    *by = HUGE_VAL;
    for (int j = p->j0; j <= p->j1; j++) {
        *ax = fmax(*ax, B->nodex[j * s + p->i0]);
        *bx = fmin(*bx, B->nodex[j * s + p->i1]);
    }
    for (int i = p->i0; i <= p->i1; i++) {
        *ay = fmax(*ay, B->nodey[p->j0 * s + i]);
        *by = fmin(*by, B->nodey[p->j1 * s + i]);
    }
}

/* A rectangle, or an L made by cutting one corner away; counter-clockwise. */
static void footprint(sample_building *b, double x0, double y0, double x1, double y1,
                      const sample_building_kind *k, sample_rng *r)
{
    if (!sample_rng_chance(r, k->l_shape)) {
        double x[4] = {x0, x1, x1, x0}, y[4] = {y0, y0, y1, y1};
        b->nv = 4;
        for (int i = 0; i < 4; i++) {
            b->x[i] = x[i];
            b->y[i] = y[i];
        }
        return;
    }
    /* Cut the north-east corner, then mirror to put the cut at any corner. */
    double xm = x1 - sample_rng_range(r, 0.35, 0.55) * (x1 - x0);
    double ym = y1 - sample_rng_range(r, 0.35, 0.55) * (y1 - y0);
    double x[6] = {x0, x1, x1, xm, xm, x0}, y[6] = {y0, y0, ym, ym, y1, y1};
    int mx = sample_rng_chance(r, 0.5), my = sample_rng_chance(r, 0.5);
    b->nv = 6;
    for (int i = 0; i < 6; i++) {
        /* A single mirror reverses orientation: walk backwards to undo it. */
        int src = (mx ^ my) ? (6 - i) % 6 : i;
        b->x[i] = mx ? x0 + x1 - x[src] : x[src];
        b->y[i] = my ? y0 + y1 - y[src] : y[src];
    }
}

static double ring_area(const sample_building *b)
{
    double a = 0;
    for (int i = 0; i < b->nv; i++) {
        int j = (i + 1) % b->nv;
        a += b->x[i] * b->y[j] - b->x[j] * b->y[i];
    }
    return 0.5 * a;
}

/* Storeys near the FAR target, inside the use's range and (mostly) under the
 * parcel's height limit; the height is whole storeys plus a parapet. */
static void heights(sample_building *out, int n, const sample_parcel *p,
                    const sample_building_kind *k, sample_rng *r)
{
    double foot = 0;
    for (int i = 0; i < n; i++)
        foot += ring_area(&out[i]);
    double target = p->far * p->area * sample_rng_range(r, 0.55, 1.05);
    int base = foot > 0 ? (int)lround(target / foot) : k->min_storeys;
    for (int i = 0; i < n; i++) {
        sample_building *b = &out[i];
        int lo = k->min_storeys, hi = k->max_storeys;
        if (p->height_limit > 0 && !sample_rng_chance(r, OVER_HEIGHT_LIMIT)) {
            int cap = (int)floor(p->height_limit / k->storey_h - 0.3);
            if (cap < hi) hi = cap;
        }
        if (hi < 1) hi = 1;
        if (lo > hi) lo = hi;
        int st = base + sample_rng_below(r, 5) - 2;
        st = st < lo ? lo : st > hi ? hi : st;
        double h = st * k->storey_h + sample_rng_range(r, 0.0, 0.3) * k->storey_h;
        b->height = round(h * 10.0) / 10.0;
        /* Recompute from the written height so the two always agree. */
        b->storeys = (int)lround(b->height / k->storey_h);
        if (b->storeys < 1) b->storeys = 1;
        double u = sample_rng_uniform(r);
        if (u < MISSING_HEIGHT)
            b->height = -1;
        else if (u < MISSING_HEIGHT + MISSING_STOREYS)
            b->storeys = -1;
        b->use = k->use;
    }
}

int sample_buildings_make(const sample_block *B, const sample_parcel *p, sample_rng *r,
                          sample_building *out)
{
    const sample_building_kind *k = sample_lu_building(p->lu);
    if (!k)
        return 0;
    double ax, ay, bx, by;
    safe_rect(B, p, &ax, &ay, &bx, &by);
    ax += k->setback;
    ay += k->setback;
    bx -= k->setback;
    by -= k->setback;
    double w = bx - ax, h = by - ay;
    if (w < 8.0 || h < 8.0)
        return 0;   /* too small to build on: a plot left empty */
    int along_x = w >= h;
    double L = along_x ? w : h, D = along_x ? h : w;
    double len = fmin(sample_rng_range(r, k->len_min, k->len_max), L);
    double dep = fmin(sample_rng_range(r, k->dep_min, k->dep_max), D);
    int nl = (int)floor((L + k->gap) / (len + k->gap));
    int nd = (int)floor((D + k->gap) / (dep + k->gap));
    nl = nl < 1 ? 1 : nl > 8 ? 8 : nl;
    nd = nd < 1 ? 1 : nd > 4 ? 4 : nd;
    double sl = (L - (nl - 1) * k->gap) / nl, sd = (D - (nd - 1) * k->gap) / nd;
    int n = 0;
    for (int a = 0; a < nl; a++) {
        for (int d = 0; d < nd; d++) {
            /* Leave the odd slot empty (a yard, a car park) but never all. */
            if (n > 0 && sample_rng_chance(r, 0.12))
                continue;
            double bl = fmin(len, sl) * sample_rng_range(r, 0.8, 1.0);
            double bd = fmin(dep, sd) * sample_rng_range(r, 0.8, 1.0);
            double l0 = a * (sl + k->gap) + sample_rng_range(r, 0, sl - bl);
            double d0 = d * (sd + k->gap) + sample_rng_range(r, 0, sd - bd);
            double x0, y0, x1, y1;
            if (along_x) {
                x0 = ax + l0; x1 = x0 + bl; y0 = ay + d0; y1 = y0 + bd;
            } else {
                x0 = ax + d0; x1 = x0 + bd; y0 = ay + l0; y1 = y0 + bl;
            }
            footprint(&out[n++], x0, y0, x1, y1, k, r);
        }
    }
    heights(out, n, p, k, r);
    return n;
}
