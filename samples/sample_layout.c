/* sample_layout.c: the district plan. A grid of city blocks separated by road
 * corridors (arterial every 4th, secondary every 2nd, branch between), with
 * a hilly ecological zone along the north edge that only arterials cross.
 * Quarters: industrial in the west (reaching further east in the south), a commercial centre
 * with a CBD core east of the middle, a central park north of it, scattered
 * neighbourhood parks, housing elsewhere. Industrial blocks come in clusters
 * of 3 x 3 blocks, each (mostly) protected by one convex block line. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample_int.h"

/* Target parcels per city block before the first measurement; the plan then
 * measures the real figure and refits. */
#define FIRST_GUESS_PER_BLOCK 8.0
#define ASPECT 1.45            /* city width / height in blocks */

static const char *const streets[8] = {
    "蛇口街道", "招商街道", "粤海街道", "沙河街道",   /* south, west to east */
    "南头街道", "南山街道", "西丽街道", "桃源街道",   /* north */
};

const char *sample_street_name(int street)
{
    return streets[(street >= 0 && street < 8) ? street : 0];
}

double sample_road_width(int klass)
{
    /* Red-line widths typical of Shenzhen: 主干路, 次干路, 支路. */
    return klass == ROAD_ARTERIAL ? 50.0 : klass == ROAD_SECONDARY ? 32.0 : 18.0;
}

int sample_road_lanes(int klass)
{
    return klass == ROAD_ARTERIAL ? 8 : klass == ROAD_SECONDARY ? 6 : 2;
}

const char *sample_road_class_name(int klass)
{
    return klass == ROAD_ARTERIAL ? "arterial" : klass == ROAD_SECONDARY ? "secondary" : "branch";
}

static int gap_class(int gap)
{
    return gap % 4 == 0 ? ROAD_ARTERIAL : gap % 2 == 0 ? ROAD_SECONDARY : ROAD_BRANCH;
}

static double hashed_uniform(uint64_t seed, int purpose, int index)
{
    sample_rng r;
    sample_rng_init(&r, seed, (uint64_t)purpose, (uint64_t)index);
    return sample_rng_uniform(&r);
}

/* Frees the grid but keeps seed and origin: the planner rebuilds the same
 * district at several grid sizes before it settles on one. */
void sample_layout_free(sample_layout *L)
{
    free(L->vx);
    free(L->vw);
    free(L->hy);
    free(L->hw);
    free(L->vclass);
    free(L->hclass);
    free(L->eco_gap);
    free(L->lines);
    for (int k = 0; k < 2; k++) {
        free(L->eco[k].x);
        free(L->eco[k].y);
    }
    uint64_t seed = L->seed;
    double ox = L->origin_x, oy = L->origin_y;
    memset(L, 0, sizeof *L);
    L->seed = seed;
    L->origin_x = ox;
    L->origin_y = oy;
}

int sample_layout_blocks(const sample_layout *L)
{
    return L->cols * L->rows + L->eco_groups;
}

int sample_layout_street(const sample_layout *L, double x, double y)
{
    int col = (int)(4.0 * x / L->width);
    col = col < 0 ? 0 : col > 3 ? 3 : col;
    return (y < 0.5 * L->height ? 0 : 4) + col;
}

/* Which quarter a city block belongs to. Industrial membership is decided per
 * cluster so that every cluster is wholly industrial or not at all. */
static sample_zone sample_layout_zone(const sample_layout *L, int c, int r)
{
    int k = SAMPLE_CLUSTER;
    int c0 = c / k * k, r0 = r / k * k;
    int c1 = c0 + k < L->cols ? c0 + k : L->cols, r1 = r0 + k < L->rows ? r0 + k : L->rows;
    double cu = 0.5 * (c0 + c1) / L->cols, cv = 0.5 * (r0 + r1) / L->rows;
    if (cu < 0.3 || (cu < 0.45 && cv < 0.35))
        return ZONE_INDUSTRIAL;

    double cw = L->width, ch = L->eco_y0;              /* the city part */
    double d = sqrt(cw * ch);
    double bx = 0.5 * (L->vx[c] + L->vw[c] + L->vx[c + 1]);
    double by = 0.5 * (L->hy[r] + L->hw[r] + L->hy[r + 1]);
    /* The block holding the centre point is always core, so even a tiny
     * district has a CBD. */
    double px = 0.68 * cw, py = 0.45 * ch;
    if (px >= L->vx[c] && px < L->vx[c + 1] && py >= L->hy[r] && py < L->hy[r + 1])
        return ZONE_CORE;
    double dc = hypot(bx - px, by - py);
    if (dc < 0.07 * d)
        return ZONE_CORE;
    if (dc < 0.16 * d)
        return ZONE_COMMERCIAL;
    if (hypot(bx - 0.55 * cw, by - 0.74 * ch) < 0.06 * d)
        return ZONE_PARK;
    if (hashed_uniform(L->seed, RNG_PARK, r * L->cols + c) < 0.05)
        return ZONE_PARK;
    return ZONE_RESIDENTIAL;
}

void sample_layout_block(const sample_layout *L, int b, double *x0, double *y0,
                         double *x1, double *y1, sample_zone *zone)
{
    if (b < L->cols * L->rows) {
        int c = b % L->cols, r = b / L->cols;
        *x0 = L->vx[c] + L->vw[c];
        *x1 = L->vx[c + 1];
        *y0 = L->hy[r] + L->hw[r];
        *y1 = L->hy[r + 1];
        *zone = sample_layout_zone(L, c, r);
        return;
    }
    int k = b - L->cols * L->rows;
    int ga = L->eco_gap[k], gb = L->eco_gap[k + 1];
    *x0 = L->vx[ga] + L->vw[ga];
    *x1 = gb >= 0 ? L->vx[gb] : L->width;
    *y0 = L->eco_y0;
    *y1 = L->height;
    *zone = ZONE_ECO;
}

const sample_line *sample_layout_line_of(const sample_layout *L, int b)
{
    if (b >= L->cols * L->rows)
        return NULL;
    int c = b % L->cols, r = b / L->cols;
    const sample_line *ln = &L->lines[(r / SAMPLE_CLUSTER) * L->ccols + c / SAMPLE_CLUSTER];
    return ln->id ? ln : NULL;
}

int sample_point_in_convex(const sample_line *ln, double x, double y)
{
    /* Counter-clockwise convex ring: inside when left of (or on) every edge. */
    for (int i = 0; i < ln->nv; i++) {
        int j = (i + 1) % ln->nv;
        double cr = (ln->x[j] - ln->x[i]) * (y - ln->y[i]) - (ln->y[j] - ln->y[i]) * (x - ln->x[i]);
        if (cr < 0)
            return 0;
    }
    return 1;
}

/* One block line over cluster (cc, cr): the cluster's blocks and inner roads,
 * each side either cut into the outer blocks (so their parcels are only
 * partly inside) or pushed into the surrounding corridor (never past its
 * middle, so neighbouring lines cannot overlap). */
static void make_line(sample_layout *L, sample_line *ln, int cc, int cr)
{
    sample_rng r;
    sample_rng_init(&r, L->seed, RNG_LINE, (uint64_t)(cr * L->ccols + cc));
    int k = SAMPLE_CLUSTER;
    int c0 = cc * k, r0 = cr * k;
    int c1 = c0 + k < L->cols ? c0 + k : L->cols, r1 = r0 + k < L->rows ? r0 + k : L->rows;
    double w = L->vx[c0] + L->vw[c0], e = L->vx[c1];
    double s = L->hy[r0] + L->hw[r0], n = L->hy[r1];
    double bw0 = L->vx[c0 + 1] - w, bw1 = e - (L->vx[c1 - 1] + L->vw[c1 - 1]);
    double bh0 = L->hy[r0 + 1] - s, bh1 = n - (L->hy[r1 - 1] + L->hw[r1 - 1]);
    double cut = 0.45;
    if (sample_rng_chance(&r, cut)) w += sample_rng_range(&r, 0.15, 0.4) * bw0;
    else w -= sample_rng_range(&r, 0.0, 0.45) * L->vw[c0];
    if (sample_rng_chance(&r, cut)) e -= sample_rng_range(&r, 0.15, 0.4) * bw1;
    else e += sample_rng_range(&r, 0.0, 0.45) * L->vw[c1];
    if (sample_rng_chance(&r, cut)) s += sample_rng_range(&r, 0.15, 0.4) * bh0;
    else s -= sample_rng_range(&r, 0.0, 0.45) * L->hw[r0];
    if (sample_rng_chance(&r, cut)) n -= sample_rng_range(&r, 0.15, 0.4) * bh1;
    else n += sample_rng_range(&r, 0.0, 0.45) * L->hw[r1];

    double cx[4] = {w, e, e, w}, cy[4] = {s, s, n, n};
    int chamfer = sample_rng_chance(&r, 0.5) ? sample_rng_below(&r, 4) : -1;
    double ch = sample_rng_range(&r, 0.2, 0.4) * fmin(e - w, n - s);
    ln->nv = 0;
    for (int i = 0; i < 4; i++) {
        if (i != chamfer) {
            ln->x[ln->nv] = cx[i];
            ln->y[ln->nv++] = cy[i];
            continue;
        }
        /* Replace the corner with two points on its edges, keeping the
         * ring counter-clockwise and convex. */
        int prev = (i + 3) % 4, next = (i + 1) % 4;
        double dxp = cx[prev] - cx[i], dyp = cy[prev] - cy[i];
        double dxn = cx[next] - cx[i], dyn = cy[next] - cy[i];
        double lp = hypot(dxp, dyp), lnx = hypot(dxn, dyn);
        ln->x[ln->nv] = cx[i] + dxp / lp * ch;
        ln->y[ln->nv++] = cy[i] + dyp / lp * ch;
        ln->x[ln->nv] = cx[i] + dxn / lnx * ch;
        ln->y[ln->nv++] = cy[i] + dyn / lnx * ch;
    }
    double centre_u = 0.5 * (c0 + c1) / L->cols;
    ln->level = sample_rng_chance(&r, centre_u < 0.2 ? 0.65 : 0.4) ? 1 : 2;
    ln->forced_conversion = sample_rng_chance(&r, 0.5);
    ln->street = sample_layout_street(L, 0.5 * (w + e), 0.5 * (s + n));
}

static int make_lines(sample_layout *L)
{
    L->ccols = (L->cols + SAMPLE_CLUSTER - 1) / SAMPLE_CLUSTER;
    L->crows = (L->rows + SAMPLE_CLUSTER - 1) / SAMPLE_CLUSTER;
    L->lines = calloc((size_t)L->ccols * (size_t)L->crows, sizeof *L->lines);
    if (!L->lines)
        return -1;
    int first = -1;
    for (int cr = 0; cr < L->crows; cr++) {
        for (int cc = 0; cc < L->ccols; cc++) {
            int idx = cr * L->ccols + cc;
            if (sample_layout_zone(L, cc * SAMPLE_CLUSTER, cr * SAMPLE_CLUSTER) != ZONE_INDUSTRIAL)
                continue;
            if (first < 0)
                first = idx;
            /* Most, not all, industrial land is protected. */
            if (hashed_uniform(L->seed, RNG_LINE, 1000000 + idx) < 0.85)
                L->lines[idx].id = 1;
        }
    }
    if (first >= 0)
        L->lines[first].id = 1;   /* at least one line in any district */
    L->nlines = 0;
    for (int cr = 0; cr < L->crows; cr++)
        for (int cc = 0; cc < L->ccols; cc++) {
            sample_line *ln = &L->lines[cr * L->ccols + cc];
            if (!ln->id)
                continue;
            make_line(L, ln, cc, cr);
            ln->id = ++L->nlines;
            if (ln->id == 1)
                ln->forced_conversion = 1;
        }
    return 0;
}

/* The basic ecological control line: the hills north of the boundary road,
 * its southern edge wandering through the eco zone so some eco parcels are
 * only partly inside. Split in two at the arterial nearest the middle. */
static int make_eco(sample_layout *L)
{
    sample_rng r;
    sample_rng_init(&r, L->seed, RNG_ECO, 0);
    double he = L->height - L->eco_y0;
    double ph1 = sample_rng_range(&r, 0, 6.283), ph2 = sample_rng_range(&r, 0, 6.283);
    int split = -1;
    for (int g = 4; g < L->cols; g += 4)
        if (split < 0 || abs(2 * g - L->cols) < abs(2 * split - L->cols))
            split = g;
    double xa[2], xb[2];
    L->neco = split < 0 ? 1 : 2;
    xa[0] = 0;
    xb[0] = split < 0 ? L->width : L->vx[split];
    if (split >= 0) {
        xa[1] = L->vx[split] + L->vw[split];
        xb[1] = L->width;
    }
    for (int k = 0; k < L->neco; k++) {
        int steps = (int)ceil((xb[k] - xa[k]) / 80.0);
        if (steps < 2)
            steps = 2;
        sample_eco_poly *p = &L->eco[k];
        p->x = malloc(sizeof(double) * (size_t)(steps + 3));
        p->y = malloc(sizeof(double) * (size_t)(steps + 3));
        if (!p->x || !p->y)
            return -1;
        p->nv = 0;
        for (int i = 0; i <= steps; i++) {
            double x = xa[k] + (xb[k] - xa[k]) * i / steps;
            double t = 0.25 + 0.12 * sin(6.283185 * x / 1500.0 + ph1)
                     + 0.05 * sin(6.283185 * x / 420.0 + ph2);
            p->x[p->nv] = x;
            p->y[p->nv++] = L->eco_y0 + t * he;
        }
        p->x[p->nv] = xb[k];
        p->y[p->nv++] = L->height;
        p->x[p->nv] = xa[k];
        p->y[p->nv++] = L->height;
    }
    return 0;
}

/* Lays out cols x rows city blocks plus the eco zone. */
static int build(sample_layout *L, int cols, int rows)
{
    sample_layout_free(L);
    L->cols = cols;
    L->rows = rows;
    size_t nv = (size_t)cols + 1, nh = (size_t)rows + 1;
    L->vx = malloc(nv * sizeof(double));
    L->vw = malloc(nv * sizeof(double));
    L->vclass = malloc(nv * sizeof(int));
    L->hy = malloc(nh * sizeof(double));
    L->hw = malloc(nh * sizeof(double));
    L->hclass = malloc(nh * sizeof(int));
    L->eco_gap = malloc((nv + 1) * sizeof(int));
    if (!L->vx || !L->vw || !L->vclass || !L->hy || !L->hw || !L->hclass || !L->eco_gap)
        return -1;
    /* Block sizes come from per-column and per-row streams, so a bigger
     * district keeps the streets of a smaller one with the same seed. */
    double x = 0;
    for (int g = 0; g <= cols; g++) {
        L->vclass[g] = gap_class(g);
        L->vx[g] = x;
        L->vw[g] = sample_road_width(L->vclass[g]);
        x += L->vw[g];
        if (g < cols)
            x += round(170.0 + 90.0 * hashed_uniform(L->seed, RNG_COLUMNS, g));
    }
    L->width = x;
    double y = 0;
    for (int h = 0; h <= rows; h++) {
        /* The road between town and hills is an arterial whatever its index. */
        L->hclass[h] = h == rows ? ROAD_ARTERIAL : gap_class(h);
        L->hy[h] = y;
        L->hw[h] = sample_road_width(L->hclass[h]);
        y += L->hw[h];
        if (h < rows)
            y += round(130.0 + 70.0 * hashed_uniform(L->seed, RNG_ROWS, h));
    }
    L->eco_y0 = y;
    L->height = y + fmax(300.0, round(0.2 * y / 10.0) * 10.0);

    /* Eco superblocks run between the arterials that continue into the hills. */
    L->eco_groups = 0;
    L->eco_gap[0] = 0;
    for (int g = 4; g <= cols; g += 4)
        L->eco_gap[++L->eco_groups] = g;
    if (L->eco_gap[L->eco_groups] != cols)
        L->eco_gap[++L->eco_groups] = -1;   /* the last runs to the east edge */

    if (make_lines(L) < 0 || make_eco(L) < 0)
        return -1;
    return 0;
}

static int64_t count_parcels(sample_layout *L, sample_block *B)
{
    int64_t n = 0;
    int nb = sample_layout_blocks(L);
    for (int b = 0; b < nb; b++) {
        if (sample_block_build(B, L, b) < 0)
            return -1;
        n += B->nparcels;
    }
    return n;
}

int sample_layout_plan(sample_layout *L, uint64_t seed, int64_t parcels,
                       double origin_x, double origin_y, char *err, size_t errlen)
{
    memset(L, 0, sizeof *L);
    L->seed = seed;
    L->origin_x = origin_x;
    L->origin_y = origin_y;
    sample_block B;
    memset(&B, 0, sizeof B);
    double per_block = FIRST_GUESS_PER_BLOCK;
    int best_c = 0, best_r = 0;
    int64_t best_n = -1;
    /* Parcels per block depend on the quarters, which depend on the grid:
     * measure, refit, then try the neighbouring grids and keep the closest. */
    for (int iter = 0; iter < 3; iter++) {
        double blocks = (double)parcels / per_block;
        int rows = (int)lround(sqrt(blocks / ASPECT));
        rows = rows < 1 ? 1 : rows;
        int cols = (int)lround(blocks / rows);
        cols = cols < 2 ? 2 : cols;
        if (build(L, cols, rows) < 0)
            goto oom;
        int64_t n = count_parcels(L, &B);
        if (n < 0)
            goto oom;
        per_block = (double)n / ((double)cols * rows);
        if (best_n < 0 || llabs(n - parcels) < llabs(best_n - parcels)) {
            best_n = n;
            best_c = cols;
            best_r = rows;
        }
    }
    int r_mid = best_r;
    for (int rows = r_mid - 1; rows <= r_mid + 1; rows++) {
        if (rows < 1)
            continue;
        int c_mid = (int)lround((double)parcels / (per_block * rows));
        for (int cols = c_mid - 1; cols <= c_mid + 1; cols++) {
            if (cols < 2 || cols > 3 * rows + 2 || (cols == best_c && rows == best_r))
                continue;
            if (build(L, cols, rows) < 0)
                goto oom;
            int64_t n = count_parcels(L, &B);
            if (n < 0)
                goto oom;
            if (llabs(n - parcels) < llabs(best_n - parcels)) {
                best_n = n;
                best_c = cols;
                best_r = rows;
            }
        }
    }
    sample_block_free(&B);
    if (build(L, best_c, best_r) < 0) {
        sample_layout_free(L);
        snprintf(err, errlen, "out of memory laying out the district");
        return -1;
    }
    return 0;
oom:
    sample_block_free(&B);
    sample_layout_free(L);
    snprintf(err, errlen, "out of memory laying out the district");
    return -1;
}
