/* tiles_thin.c: the order in which a tile over a limit gives up its points,
 * densest parts first (tippecanoe's drop-densest-as-needed, by grid cells).
 * Points have no size, so "smallest first" cannot choose among them; this
 * ranks them instead so that any prefix of the ranking is spread out:
 * level 0 takes one point for the whole tile, level 1 one point in each
 * 2x2 cell that has none yet, ... level 12 one in each tile unit; points
 * sharing a unit with a kept one come last. Keeping the first k points then
 * keeps one point in every cell of the finest level that k allows, and a
 * dense cell loses its points before a sparse cell loses its only one.
 * Within a level cells go in Morton order and a cell's point is its first
 * in feature order, so the ranking is the same for any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tiles_int.h"

#define LEVELS 12 /* 4096 = 1 << 12 tile units */

typedef struct cell_pt {
    uint32_t code;  /* Morton code of the tile unit (24 bits) */
    uint32_t at;    /* index into the refs being ranked */
} cell_pt;

static int by_code(const void *a, const void *b)
{
    const cell_pt *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at ? 1 : 0;
}

static uint32_t spread_bits(uint32_t v)
{
    v &= 0xfff;
    v = (v | (v << 8)) & 0x00ff00ff;
    v = (v | (v << 4)) & 0x0f0f0f0f;
    v = (v | (v << 2)) & 0x33333333;
    v = (v | (v << 1)) & 0x55555555;
    return v;
}

/* The tile unit a point snaps to on the finest grid (as tl_snap rounds). */
static uint32_t unit_of(double u)
{
    double v = floor(u + 0.5);
    return v < 0 ? 0 : v > TL_EXTENT - 1 ? TL_EXTENT - 1 : (uint32_t)v;
}

int tl_thin_points(const tl_renderer *r, const tl_frame *fr, tl_ref *refs, size_t n)
{
    if (n < 2)
        return 0;
    cell_pt *c = malloc(n * sizeof *c);
    tl_ref *ranked = malloc(n * sizeof *ranked);
    uint8_t *taken = calloc(n, 1);
    if (!c || !ranked || !taken) {
        free(c);
        free(ranked);
        free(taken);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const tl_feature *f = &r->layers[refs[i].layer].f[refs[i].feat];
        double ux = ((f->box[0] + f->box[2]) / 2 - fr->x0) * fr->scale,
               uy = (fr->y0 - (f->box[1] + f->box[3]) / 2) * fr->scale;
        c[i] = (cell_pt){spread_bits(unit_of(ux)) | spread_bits(unit_of(uy)) << 1, (uint32_t)i};
    }
    qsort(c, n, sizeof *c, by_code);
    size_t k = 0;
    for (int level = 0; level <= LEVELS && k < n; level++) {
        int drop = 2 * (LEVELS - level);
        for (size_t a = 0; a < n;) {
            /* a cell of this level is a run of codes sharing the level's
             * prefix; its point is the untaken one first in feature order */
            uint32_t cell = c[a].code >> drop;
            size_t b = a, best = n;
            int has = 0;
            for (; b < n && c[b].code >> drop == cell; b++) {
                if (taken[b])
                    has = 1;
                else if (best == n || c[b].at < c[best].at)
                    best = b;
            }
            if (!has && best < n) {
                taken[best] = 1;
                ranked[k++] = refs[c[best].at];
            }
            a = b;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!taken[i])
            ranked[k++] = refs[c[i].at];
    memcpy(refs, ranked, n * sizeof *refs);
    free(c);
    free(ranked);
    free(taken);
    return 0;
}
