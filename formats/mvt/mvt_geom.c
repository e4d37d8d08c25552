/* mvt_geom.c: MVT geometry commands (MoveTo, LineTo, ClosePath) with
 * zigzag-encoded deltas from a cursor that starts at (0,0) per feature. */
#include <stdlib.h>
#include <string.h>

#include "mvt.h"

void mvt_geom_reset(mvt_geom *g)
{
    g->len = 0;
    g->cx = g->cy = 0;
}

void mvt_geom_free(mvt_geom *g)
{
    free(g->cmd);
    free(g->tmp);
    memset(g, 0, sizeof *g);
}

static int reserve(mvt_geom *g, size_t n)
{
    if (g->len + n <= g->cap)
        return 0;
    size_t cap = g->cap ? g->cap : 64;
    while (cap < g->len + n)
        cap *= 2;
    uint32_t *c = realloc(g->cmd, cap * sizeof *c);
    if (!c)
        return -1;
    g->cmd = c;
    g->cap = cap;
    return 0;
}

/* A delta between int32 coordinates can leave the int32 range (INT32_MIN to
 * INT32_MAX); the format stores it modulo 2^32 and decoders add it back the
 * same way, so subtract in uint32 (defined wrap-around, no signed overflow). */
static int32_t delta(int32_t to, int32_t from)
{
    return (int32_t)((uint32_t)to - (uint32_t)from);
}

static void put_delta(mvt_geom *g, int32_t x, int32_t y)
{
    g->cmd[g->len++] = mvt_zigzag(delta(x, g->cx));
    g->cmd[g->len++] = mvt_zigzag(delta(y, g->cy));
    g->cx = x;
    g->cy = y;
}

int mvt_geom_points(mvt_geom *g, const int32_t *xy, size_t n)
{
    if (n == 0)
        return 0;
    if (reserve(g, 1 + 2 * n))
        return -1;
    g->cmd[g->len++] = mvt_command(MVT_CMD_MOVETO, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        put_delta(g, xy[2 * i], xy[2 * i + 1]);
    return 1;
}

/* Copies the points without consecutive repeats into g->tmp (reversed if
 * asked); returns the count kept, or (size_t)-1 when out of memory. */
static size_t dedup(mvt_geom *g, const int32_t *xy, size_t n, int reverse)
{
    if (g->tmp_cap < 2 * n) {
        int32_t *t = realloc(g->tmp, 2 * n * sizeof *t);
        if (!t)
            return (size_t)-1;
        g->tmp = t;
        g->tmp_cap = 2 * n;
    }
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = reverse ? n - 1 - j : j;
        int32_t x = xy[2 * i], y = xy[2 * i + 1];
        if (k && g->tmp[2 * k - 2] == x && g->tmp[2 * k - 1] == y)
            continue;
        g->tmp[2 * k] = x;
        g->tmp[2 * k + 1] = y;
        k++;
    }
    return k;
}

int mvt_geom_line(mvt_geom *g, const int32_t *xy, size_t n)
{
    size_t k = dedup(g, xy, n, 0);
    if (k == (size_t)-1)
        return -1;
    if (k < 2)
        return 0;
    if (reserve(g, 2 + 2 * k))
        return -1;
    g->cmd[g->len++] = mvt_command(MVT_CMD_MOVETO, 1);
    put_delta(g, g->tmp[0], g->tmp[1]);
    g->cmd[g->len++] = mvt_command(MVT_CMD_LINETO, (uint32_t)(k - 1));
    for (size_t i = 1; i < k; i++)
        put_delta(g, g->tmp[2 * i], g->tmp[2 * i + 1]);
    return 1;
}

int64_t mvt_ring_area2(const int32_t *xy, size_t n)
{
    /* each product fits in int64; the running sum wraps (unsigned) rather
     * than overflow on extreme rings, and is exact whenever the area fits */
    uint64_t a = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = i + 1 == n ? 0 : i + 1;
        a += (uint64_t)((int64_t)xy[2 * i] * xy[2 * j + 1]) - (uint64_t)((int64_t)xy[2 * j] * xy[2 * i + 1]);
    }
    return (int64_t)a;
}

int mvt_geom_ring(mvt_geom *g, const int32_t *xy, size_t n, int reverse)
{
    size_t k = dedup(g, xy, n, reverse);
    if (k == (size_t)-1)
        return -1;
    /* the closing point repeats the first: ClosePath stands for it */
    while (k > 1 && g->tmp[2 * k - 2] == g->tmp[0] && g->tmp[2 * k - 1] == g->tmp[1])
        k--;
    if (k < 3 || mvt_ring_area2(g->tmp, k) == 0)
        return 0;
    if (reserve(g, 4 + 2 * k))
        return -1;
    g->cmd[g->len++] = mvt_command(MVT_CMD_MOVETO, 1);
    put_delta(g, g->tmp[0], g->tmp[1]);
    g->cmd[g->len++] = mvt_command(MVT_CMD_LINETO, (uint32_t)(k - 1));
    for (size_t i = 1; i < k; i++)
        put_delta(g, g->tmp[2 * i], g->tmp[2 * i + 1]);
    g->cmd[g->len++] = mvt_command(MVT_CMD_CLOSEPATH, 1);
    return 1;
}
