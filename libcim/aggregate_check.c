/* aggregate_check.c: proves that the rings traced from a coverage's boundary
 * edges form a valid (multi)polygon, and finds each ring's parent, without
 * GEOSisValid (which took a quarter of aggregation's time, most of it in
 * allocation). Two facts are checked:
 *   1. no two boundary segments meet except at a shared end point, and there
 *      without overlapping (this is what overlapping parcels, T-junctions and
 *      slivers break);
 *   2. the rings nest properly: the innermost ring around a shell is a hole
 *      (or none), the innermost ring around a hole is a shell;
 *   3. where rings touch at a vertex, no polygon's interior is cut in two.
 * Segments sit in a uniform grid; nesting is found by casting a ray from one
 * point of each ring through the grid row. Orientation tests carry an error
 * bound: where floating point cannot decide, the answer is "unsure" and the
 * caller takes the GEOS path instead of trusting a guess. */
#include "aggregate_int.h"
#include "plane_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct seg_grid {
    double x0, y0, cell, inv;
    size_t nx, ny;
    double (*sc)[4];      /* segment -> ax, ay, bx, by */
    size_t *start;        /* cell -> first entry in items (CSR), nx*ny + 1 */
    uint32_t *items;      /* segment ids */
    uint32_t *ring_of;    /* segment -> ring */
    size_t nseg;
    /* The rays: per grid row, the segments that reach into it, with their
     * coordinates at hand (the ray test reads each of them). */
    double row_inv;       /* rows are ROW_SPLIT times thinner than cells */
    size_t nrows;
    size_t *row_start;    /* nrows + 1 */
    struct row_seg *row;
} seg_grid;

/* Where two rings share a vertex: one ring's incidence at that point. */
typedef struct touch {
    double x, y;
    size_t poly;          /* filled in once parents are known */
    uint32_t ring;
} touch;

typedef struct touches {
    touch *v;
    size_t n, cap;
} touches;

static int touch_add(touches *t, double x, double y, uint32_t ring)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        touch *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = (touch){x, y, 0, ring};
    return 0;
}

typedef struct row_seg {
    double ax, ay, bx, by;
    uint32_t ring;
} row_seg;

/* A ray visits every segment of its row: thin rows keep that short, at the
 * price of segments listed in more rows. */
#define ROW_SPLIT 4

static void seg_ends(const seg_grid *g, uint32_t s, double *ax, double *ay, double *bx, double *by)
{
    const double *p = g->sc[s];
    *ax = p[0], *ay = p[1], *bx = p[2], *by = p[3];
}

/* The cell of v along one axis: inv is 1 / cell size. */
static size_t clamp_cell(double v, double origin, double inv, size_t n)
{
    double c = (v - origin) * inv;
    if (!(c > 0))
        return 0;
    return c >= (double)n ? n - 1 : (size_t)c;
}

/* Orientation of c against a->b: 1 left, -1 right, 0 collinear for sure, 2
 * too close to call. The bound is Shewchuk's ccwerrboundA, rounded up. */
static int orient(double ax, double ay, double bx, double by, double cx, double cy)
{
    double l = (bx - ax) * (cy - ay), r = (by - ay) * (cx - ax);
    double det = l - r, bound = 4e-16 * (fabs(l) + fabs(r));
    if (det > bound)
        return 1;
    if (det < -bound)
        return -1;
    return det == 0 && (l == 0 || r == 0) ? 0 : 2;
}

/* 0: the segments do not meet; 3: they share an end point and nothing else;
 * 1: they meet otherwise (invalid); 2: unsure. */
static int seg_pair(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy)
{
    int a_c = ax == cx && ay == cy, a_d = ax == dx && ay == dy;
    int b_c = bx == cx && by == cy, b_d = bx == dx && by == dy;
    if (a_c + a_d + b_c + b_d >= 2)
        return 1; /* the same segment twice */
    if (a_c || a_d || b_c || b_d) {
        /* Shared end o; p and q the other ends. They overlap only when they
         * leave o in the same direction: collinear with a positive dot. */
        double ox = a_c || a_d ? ax : bx, oy = a_c || a_d ? ay : by;
        double px = a_c || a_d ? bx : ax, py = a_c || a_d ? by : ay;
        double qx = a_c || b_c ? dx : cx, qy = a_c || b_c ? dy : cy;
        if ((px - ox) * (qx - ox) + (py - oy) * (qy - oy) <= 0)
            return 3;
        int o = orient(ox, oy, px, py, qx, qy);
        return o == 0 ? 1 : o == 2 ? 2 : 3;
    }
    int o1 = orient(ax, ay, bx, by, cx, cy), o2 = orient(ax, ay, bx, by, dx, dy);
    if ((o1 == 1 && o2 == 1) || (o1 == -1 && o2 == -1))
        return 0;
    int o3 = orient(cx, cy, dx, dy, ax, ay), o4 = orient(cx, cy, dx, dy, bx, by);
    if ((o3 == 1 && o4 == 1) || (o3 == -1 && o4 == -1))
        return 0;
    if (o1 == 2 || o2 == 2 || o3 == 2 || o4 == 2)
        return 2;
    if (o1 == 0 && o2 == 0) {
        /* collinear: they meet when their extents along the line overlap */
        int along_x = fabs(bx - ax) >= fabs(by - ay);
        double a0 = along_x ? ax : ay, a1 = along_x ? bx : by, c0 = along_x ? cx : cy, c1 = along_x ? dx : dy;
        return fmax(fmin(a0, a1), fmin(c0, c1)) <= fmin(fmax(a0, a1), fmax(c0, c1));
    }
    return 1; /* a proper crossing, or an end on the other's interior */
}

static int rows_build(seg_grid *g, const cim_agg_ring *rings)
{
    g->nrows = g->ny * ROW_SPLIT;
    g->row_inv = g->inv * ROW_SPLIT;
    g->row_start = calloc(g->nrows + 1, sizeof *g->row_start);
    if (!g->row_start)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < g->nseg; i++) {
            double ax, ay, bx, by;
            seg_ends(g, i, &ax, &ay, &bx, &by);
            size_t cy0 = clamp_cell(fmin(ay, by), g->y0, g->row_inv, g->nrows),
                   cy1 = clamp_cell(fmax(ay, by), g->y0, g->row_inv, g->nrows);
            for (size_t cy = cy0; cy <= cy1; cy++) {
                if (pass == 0)
                    g->row_start[cy + 1]++;
                else
                    g->row[g->row_start[cy]++] = (row_seg){ax, ay, bx, by, g->ring_of[i]};
            }
        }
        if (pass == 0) {
            for (size_t r = 0; r < g->nrows; r++)
                g->row_start[r + 1] += g->row_start[r];
            g->row = malloc((g->row_start[g->nrows] ? g->row_start[g->nrows] : 1) * sizeof *g->row);
            if (!g->row)
                return -1;
        } else {
            memmove(g->row_start + 1, g->row_start, g->nrows * sizeof *g->row_start);
            g->row_start[0] = 0;
        }
    }
    return 0;
}

static int grid_build(seg_grid *g, const cim_agg_ring *rings, size_t nr)
{
    size_t nseg = 0;
    double minx = HUGE_VAL, miny = HUGE_VAL, maxx = -HUGE_VAL, maxy = -HUGE_VAL;
    for (size_t r = 0; r < nr; r++) {
        nseg += rings[r].n - 1;
        minx = fmin(minx, rings[r].minx), miny = fmin(miny, rings[r].miny);
        maxx = fmax(maxx, rings[r].maxx), maxy = fmax(maxy, rings[r].maxy);
    }
    if (nseg == 0 || nseg > UINT32_MAX / 2)
        return -1;
    double w = maxx - minx, h = maxy - miny;
    /* About one cell per segment over the extent. */
    g->cell = sqrt(fmax(w * h, 1e-12) / (double)nseg);
    if (!(g->cell > 0) || !isfinite(g->cell))
        return -1;
    g->cell = fmax(g->cell, fmax(w, h) / 4096.0);
    g->inv = 1 / g->cell;
    g->nx = (size_t)(w / g->cell) + 1;
    g->ny = (size_t)(h / g->cell) + 1;
    g->x0 = minx;
    g->y0 = miny;
    g->nseg = nseg;
    size_t ncell = g->nx * g->ny;
    g->start = calloc(ncell + 1, sizeof *g->start);
    g->ring_of = malloc(nseg * sizeof *g->ring_of);
    g->sc = malloc(nseg * sizeof *g->sc);
    if (!g->start || !g->ring_of || !g->sc)
        return -1;
    size_t s = 0;
    for (size_t r = 0; r < nr; r++)
        for (size_t k = 0; k + 1 < rings[r].n; k++, s++) {
            g->ring_of[s] = (uint32_t)r;
            memcpy(g->sc[s], rings[r].xy + 2 * k, 4 * sizeof(double));
        }
    /* Two passes over each segment's cells (its box): count, then place. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < nseg; i++) {
            double ax, ay, bx, by;
            seg_ends(g, i, &ax, &ay, &bx, &by);
            size_t cx0 = clamp_cell(fmin(ax, bx), g->x0, g->inv, g->nx),
                   cx1 = clamp_cell(fmax(ax, bx), g->x0, g->inv, g->nx);
            size_t cy0 = clamp_cell(fmin(ay, by), g->y0, g->inv, g->ny),
                   cy1 = clamp_cell(fmax(ay, by), g->y0, g->inv, g->ny);
            for (size_t cy = cy0; cy <= cy1; cy++)
                for (size_t cx = cx0; cx <= cx1; cx++) {
                    size_t c = cy * g->nx + cx;
                    if (pass == 0)
                        g->start[c + 1]++;
                    else
                        g->items[g->start[c]++] = i;
                }
        }
        if (pass == 0) {
            for (size_t c = 0; c < ncell; c++)
                g->start[c + 1] += g->start[c];
            /* Long diagonal segments over a fine grid: not worth it here. */
            if (g->start[ncell] > 64 * nseg + 4096)
                return -1;
            g->items = malloc((g->start[ncell] ? g->start[ncell] : 1) * sizeof *g->items);
            if (!g->items)
                return -1;
        } else {
            /* start[c] now holds the end of cell c: shift back. */
            memmove(g->start + 1, g->start, ncell * sizeof *g->start);
            g->start[0] = 0;
        }
    }
    return rows_build(g, rings);
}

static void grid_free(seg_grid *g)
{
    free(g->start);
    free(g->items);
    free(g->ring_of);
    free(g->sc);
    free(g->row_start);
    free(g->row);
}

/* Fact 1. 1 clean, 0 a bad meeting, -1 unsure (or out of memory). Vertices
 * that two rings share go to *t. */
static int check_meetings(const cim_agg_ring *rings, const seg_grid *g, touches *t)
{
    for (size_t cy = 0; cy < g->ny; cy++)
        for (size_t cx = 0; cx < g->nx; cx++) {
            size_t c = cy * g->nx + cx;
            for (size_t i = g->start[c]; i < g->start[c + 1]; i++) {
                double ax, ay, bx, by;
                seg_ends(g, g->items[i], &ax, &ay, &bx, &by);
                for (size_t j = i + 1; j < g->start[c + 1]; j++) {
                    double cx_, cy_, dx, dy;
                    seg_ends(g, g->items[j], &cx_, &cy_, &dx, &dy);
                    if (fmax(ax, bx) < fmin(cx_, dx) || fmax(cx_, dx) < fmin(ax, bx) ||
                        fmax(ay, by) < fmin(cy_, dy) || fmax(cy_, dy) < fmin(ay, by))
                        continue;
                    /* Test each pair once: in the cell of its boxes' shared corner. */
                    double rx = fmax(fmin(ax, bx), fmin(cx_, dx)), ry = fmax(fmin(ay, by), fmin(cy_, dy));
                    if (clamp_cell(rx, g->x0, g->inv, g->nx) != cx ||
                        clamp_cell(ry, g->y0, g->inv, g->ny) != cy)
                        continue;
                    int m = seg_pair(ax, ay, bx, by, cx_, cy_, dx, dy);
                    if (m == 3) {
                        uint32_t ra = g->ring_of[g->items[i]], rb = g->ring_of[g->items[j]];
                        if (ra == rb)
                            continue;
                        /* the shared vertex: an end of both */
                        int a_shared = (ax == cx_ && ay == cy_) || (ax == dx && ay == dy);
                        double sx = a_shared ? ax : bx, sy = a_shared ? ay : by;
                        if (touch_add(t, sx, sy, ra) || touch_add(t, sx, sy, rb))
                            return -1;
                        continue;
                    }
                    if (m)
                        return m == 1 ? 0 : -1;
                }
            }
        }
    return 1;
}

/* Fact 2, and the parents. A ray from the midpoint of each ring's first
 * segment towards +x crosses every ring around it an odd number of times.
 * With fact 1 established, that midpoint lies on no other ring. */
static int find_parents(const cim_agg_ring *rings, size_t nr, const seg_grid *g, size_t *parent)
{
    unsigned char *odd = calloc(nr, 1);
    uint32_t *touched = malloc(nr * sizeof *touched);
    int rc = odd && touched ? 1 : -1;
    for (size_t r = 0; r < nr && rc == 1; r++) {
        const double *p = rings[r].xy;
        double px = (p[0] + p[2]) / 2, py = (p[1] + p[3]) / 2;
        size_t cy = clamp_cell(py, g->y0, g->row_inv, g->nrows), ntouched = 0;
        for (size_t i = g->row_start[cy]; i < g->row_start[cy + 1]; i++) {
            const row_seg *e = &g->row[i];
            if (e->ring == r || (e->ax < px && e->bx < px) || (e->ay > py) == (e->by > py))
                continue;
            double xi = e->ax + (py - e->ay) * (e->bx - e->ax) / (e->by - e->ay);
            if (fabs(xi - px) <= 1e-9 * (fabs(px) + g->cell)) {
                rc = -1; /* grazing: let GEOS decide */
                break;
            }
            if (xi < px)
                continue;
            uint32_t q = e->ring;
            if (!(odd[q] & 2))
                touched[ntouched++] = q;
            odd[q] = (unsigned char)((odd[q] ^ 1) | 2);
        }
        size_t best = SIZE_MAX;
        for (size_t t = 0; t < ntouched; t++) {
            uint32_t q = touched[t];
            if ((odd[q] & 1) && (best == SIZE_MAX || fabs(rings[q].area) < fabs(rings[best].area)))
                best = q;
            odd[q] = 0;
        }
        parent[r] = best;
        if (rc == 1) {
            int shell = rings[r].area > 0;
            if (shell ? best != SIZE_MAX && rings[best].area > 0 : best == SIZE_MAX || rings[best].area < 0)
                rc = 0;
        }
    }
    free(odd);
    free(touched);
    return rc;
}

static int touch_cmp(const void *pa, const void *pb)
{
    const touch *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    if (a->poly != b->poly)
        return a->poly < b->poly ? -1 : 1;
    return a->ring < b->ring ? -1 : a->ring > b->ring;
}

/* Fact 3: each polygon's interior is connected. Rings of one polygon that
 * touch at vertices form a graph (rings and touch points as nodes); a cycle
 * in it cuts the interior in two (a hole touching its shell twice, a chain
 * of holes from shell to shell). 1 connected, 0 not, -1 out of memory. */
static int check_connected(const cim_agg_ring *rings, size_t nr, const size_t *parent, touches *t)
{
    if (t->n == 0)
        return 1;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t r = t->v[i].ring;
        t->v[i].poly = rings[r].area > 0 ? r : parent[r];
    }
    qsort(t->v, t->n, sizeof *t->v, touch_cmp);
    size_t *up = malloc((nr + t->n) * sizeof *up);
    if (!up)
        return -1;
    for (size_t i = 0; i < nr + t->n; i++)
        up[i] = i;
    int rc = 1;
    for (size_t i = 0; i < t->n && rc == 1;) {
        size_t j = i + 1;
        while (j < t->n && t->v[j].x == t->v[i].x && t->v[j].y == t->v[i].y && t->v[j].poly == t->v[i].poly)
            j++;
        size_t point = nr + i; /* this touch point's node, for this polygon */
        for (size_t k = i; k < j && rc == 1; k++) {
            if (k > i && t->v[k].ring == t->v[k - 1].ring)
                continue; /* the same incidence again */
            size_t a = cim_uf_find(up, point), b = cim_uf_find(up, t->v[k].ring);
            if (a == b)
                rc = 0;
            else
                up[a] = b;
        }
        i = j;
    }
    free(up);
    return rc;
}

int cim_agg_rings_check(const cim_agg_ring *rings, size_t nr, size_t *parent)
{
    seg_grid g = {0};
    touches t = {0};
    int rc = grid_build(&g, rings, nr) ? -1 : check_meetings(rings, &g, &t);
    if (rc == 1)
        rc = find_parents(rings, nr, &g, parent);
    if (rc == 1)
        rc = check_connected(rings, nr, parent, &t);
    grid_free(&g);
    free(t.v);
    return rc;
}
