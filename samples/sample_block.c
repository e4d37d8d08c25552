/* sample_block.c: one block split into parcels that form a true coverage.
 *
 * The block is a grid of cells whose nodes are shared: interior nodes are
 * jittered in both directions, nodes on the block edge only along it (the
 * edge stays straight against the road). A parcel is a rectangle of cells and
 * its ring walks every grid node on its boundary, so two neighbours always
 * share the same vertices along a common edge: no overlaps, no gaps, no
 * T-junctions. Jitter stays below a fifth of a cell, which keeps every cell
 * (and so every parcel) a simple polygon. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample_int.h"

/* Grows an array to hold `need` elements; on failure keeps the old array
 * and sets *fail, so several calls can share one check. */
static void *reserve(void *p, size_t *cap, size_t need, size_t elem, int *fail)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(p, n * elem);
    if (!q) {
        *fail = 1;
        return p;
    }
    *cap = n;
    return q;
}

void sample_block_free(sample_block *B)
{
    free(B->nodex);
    free(B->nodey);
    free(B->parcels);
    free(B->owner);
    free(B->colx);
    free(B->rowy);
    memset(B, 0, sizeof *B);
}

static double cell_size(sample_zone z)
{
    switch (z) {
    case ZONE_INDUSTRIAL: return 70;
    case ZONE_COMMERCIAL: return 50;
    case ZONE_CORE: return 45;
    case ZONE_PARK: return 95;
    case ZONE_ECO: return 140;
    case ZONE_RESIDENTIAL:
    default: return 58;
    }
}

/* Merged parcel shapes (cells across x up) and their weights per quarter:
 * factories and parks take bigger plots than shops. */
typedef struct shape {
    int w, h, weight;
} shape;

static void pick_shape(sample_zone z, sample_rng *r, int *w, int *h)
{
    static const shape ind[] = {{1, 1, 45}, {2, 1, 20}, {1, 2, 15}, {2, 2, 12}, {3, 1, 8}, {0, 0, 0}};
    static const shape res[] = {{1, 1, 60}, {2, 1, 15}, {1, 2, 15}, {2, 2, 10}, {0, 0, 0}};
    static const shape com[] = {{1, 1, 70}, {2, 1, 15}, {1, 2, 15}, {0, 0, 0}};
    static const shape park[] = {{1, 1, 30}, {2, 1, 30}, {2, 2, 40}, {0, 0, 0}};
    static const shape eco[] = {{1, 1, 40}, {2, 1, 25}, {1, 2, 20}, {2, 2, 15}, {0, 0, 0}};
    const shape *t = z == ZONE_INDUSTRIAL ? ind : z == ZONE_PARK ? park : z == ZONE_ECO ? eco
                   : (z == ZONE_COMMERCIAL || z == ZONE_CORE) ? com : res;
    int total = 0;
    for (const shape *s = t; s->weight; s++)
        total += s->weight;
    int pick = sample_rng_below(r, total);
    for (const shape *s = t; s->weight; s++) {
        if (pick < s->weight) {
            *w = s->w;
            *h = s->h;
            return;
        }
        pick -= s->weight;
    }
    *w = *h = 1;
}

/* Grid lines at random but not too uneven spacing. */
static void split(double a, double b, int n, sample_rng *r, double *out)
{
    double total = 0;
    out[0] = 0;
    for (int i = 1; i <= n; i++) {
        total += sample_rng_range(r, 0.75, 1.25);
        out[i] = total;
    }
    for (int i = 0; i <= n; i++)
        out[i] = a + (b - a) * out[i] / total;
    out[n] = b;   /* exact, so the edge matches the block rectangle */
}

int sample_parcel_ring(const sample_block *B, const sample_parcel *p, int *idx, int cap)
{
    int n = 0, stride = B->nx + 1;
    if (2 * ((p->i1 - p->i0) + (p->j1 - p->j0)) > cap)
        return -1;
    for (int i = p->i0; i < p->i1; i++) idx[n++] = p->j0 * stride + i;   /* south, eastward */
    for (int j = p->j0; j < p->j1; j++) idx[n++] = j * stride + p->i1;   /* east, northward */
    for (int i = p->i1; i > p->i0; i--) idx[n++] = p->j1 * stride + i;   /* north, westward */
    for (int j = p->j1; j > p->j0; j--) idx[n++] = j * stride + p->i0;   /* west, southward */
    return n;
}

static int is_conversion(int lu, int plan)
{
    /* Industrial to housing or commerce: what IBL-02 forbids inside a line. */
    switch (plan) {
    case LU_R1: case LU_R2: case LU_R3: case LU_R4: case LU_R2C1:
    case LU_C1: case LU_C1R2: case LU_C5:
        return sample_lu_is_industrial(lu);
    default:
        return 0;
    }
}

/* Area and line membership of a parcel; the lines are convex, so all ring
 * nodes inside means the whole parcel is inside. */
static void measure(sample_block *B, sample_parcel *p, const sample_line *ln)
{
    int idx[SAMPLE_RING_MAX];
    int n = sample_parcel_ring(B, p, idx, SAMPLE_RING_MAX);
    double a = 0;
    int inside = ln != NULL;
    for (int k = 0; k < n; k++) {
        int u = idx[k], v = idx[(k + 1) % n];
        a += B->nodex[u] * B->nodey[v] - B->nodex[v] * B->nodey[u];
        if (inside && !sample_point_in_convex(ln, B->nodex[u], B->nodey[u]))
            inside = 0;
    }
    p->area = 0.5 * a;
    p->line = inside ? ln->id : 0;
}

static int make_nodes(sample_block *B, sample_rng *r)
{
    size_t nn = (size_t)(B->nx + 1) * (size_t)(B->ny + 1);
    int fail = 0;
    B->nodex = reserve(B->nodex, &B->nodex_cap, nn, sizeof(double), &fail);
    B->nodey = reserve(B->nodey, &B->nodey_cap, nn, sizeof(double), &fail);
    B->colx = reserve(B->colx, &B->colx_cap, (size_t)B->nx + 1, sizeof(double), &fail);
    B->rowy = reserve(B->rowy, &B->rowy_cap, (size_t)B->ny + 1, sizeof(double), &fail);
    if (fail)
        return -1;
    split(B->x0, B->x1, B->nx, r, B->colx);
    split(B->y0, B->y1, B->ny, r, B->rowy);
    double amp = B->zone == ZONE_ECO ? 0.2 : 0.16;
    for (int j = 0; j <= B->ny; j++) {
        for (int i = 0; i <= B->nx; i++) {
            double jx = sample_rng_range(r, -1.0, 1.0), jy = sample_rng_range(r, -1.0, 1.0);
            double x = B->colx[i], y = B->rowy[j];
            if (i > 0 && i < B->nx)
                x += jx * amp * fmin(B->colx[i] - B->colx[i - 1], B->colx[i + 1] - B->colx[i]);
            if (j > 0 && j < B->ny)
                y += jy * amp * fmin(B->rowy[j] - B->rowy[j - 1], B->rowy[j + 1] - B->rowy[j]);
            B->nodex[j * (B->nx + 1) + i] = x;
            B->nodey[j * (B->nx + 1) + i] = y;
        }
    }
    return 0;
}

static int make_parcels(sample_block *B, sample_rng *r)
{
    size_t nc = (size_t)B->nx * (size_t)B->ny;
    int fail = 0;
    B->owner = reserve(B->owner, &B->owner_cap, nc, sizeof(int), &fail);
    B->parcels = reserve(B->parcels, &B->parcel_cap, nc, sizeof(sample_parcel), &fail);
    if (fail)
        return -1;
    for (size_t k = 0; k < nc; k++)
        B->owner[k] = -1;
    B->nparcels = 0;
    for (int j = 0; j < B->ny; j++) {
        for (int i = 0; i < B->nx; i++) {
            if (B->owner[j * B->nx + i] >= 0)
                continue;
            int w, h;
            pick_shape(B->zone, r, &w, &h);
            if (i + w > B->nx) w = B->nx - i;
            if (j + h > B->ny) h = B->ny - j;
            /* Shrink until every cell is free; 1 x 1 always is. */
            for (;;) {
                int ok = 1;
                for (int jj = j; jj < j + h && ok; jj++)
                    for (int ii = i; ii < i + w && ok; ii++)
                        ok = B->owner[jj * B->nx + ii] < 0;
                if (ok)
                    break;
                if (w > 1) w--;
                else h--;
            }
            for (int jj = j; jj < j + h; jj++)
                for (int ii = i; ii < i + w; ii++)
                    B->owner[jj * B->nx + ii] = B->nparcels;
            sample_parcel *p = &B->parcels[B->nparcels++];
            memset(p, 0, sizeof *p);
            p->i0 = i;
            p->j0 = j;
            p->i1 = i + w;
            p->j1 = j + h;
        }
    }
    return 0;
}

int sample_block_build(sample_block *B, const sample_layout *L, int b)
{
    sample_rng r;
    sample_rng_init(&r, L->seed, RNG_BLOCK, (uint64_t)b);
    B->index = b;
    sample_layout_block(L, b, &B->x0, &B->y0, &B->x1, &B->y1, &B->zone);
    double cs = cell_size(B->zone);
    B->nx = (int)lround((B->x1 - B->x0) / cs);
    B->ny = (int)lround((B->y1 - B->y0) / cs);
    /* Keep rings within SAMPLE_RING_MAX and cells at least a few metres. */
    B->nx = B->nx < 1 ? 1 : B->nx > 24 ? 24 : B->nx;
    B->ny = B->ny < 1 ? 1 : B->ny > 24 ? 24 : B->ny;
    if (make_nodes(B, &r) < 0 || make_parcels(B, &r) < 0)
        return -1;

    const sample_line *ln = sample_layout_line_of(L, b);
    int c = b % (L->cols ? L->cols : 1), rr = b / (L->cols ? L->cols : 1);
    int centre = ln && ln->forced_conversion && c % SAMPLE_CLUSTER == 1 && rr % SAMPLE_CLUSTER == 1;
    B->forbidden = 0;
    for (int k = 0; k < B->nparcels; k++) {
        sample_parcel *p = &B->parcels[k];
        p->lu = (int)sample_lu_pick(B->zone, &r);
        sample_lu_limits(p->lu, B->zone, &r, &p->far, &p->height_limit);
        p->plan = sample_lu_plan(p->lu, &r);
        measure(B, p, ln);
        /* Conversions planted inside lines, for the red-line checks to find. */
        if (p->line && sample_lu_is_industrial(p->lu) && sample_rng_chance(&r, 0.03))
            p->plan = sample_rng_chance(&r, 0.5) ? LU_R2 : LU_C1;
    }
    if (centre) {
        /* The centre block of a line's cluster always holds one, even if the
         * dice found no industrial parcel there: the first inside becomes M1. */
        int have = 0;
        for (int k = 0; k < B->nparcels && !have; k++)
            have = B->parcels[k].line && is_conversion(B->parcels[k].lu, B->parcels[k].plan);
        for (int k = 0; k < B->nparcels && !have; k++) {
            sample_parcel *p = &B->parcels[k];
            if (!p->line)
                continue;
            if (!sample_lu_is_industrial(p->lu)) {
                p->lu = LU_M1;
                sample_lu_limits(p->lu, B->zone, &r, &p->far, &p->height_limit);
            }
            p->plan = LU_R2;
            have = 1;
        }
    }
    for (int k = 0; k < B->nparcels; k++)
        if (B->parcels[k].line && is_conversion(B->parcels[k].lu, B->parcels[k].plan))
            B->forbidden++;
    return 0;
}
