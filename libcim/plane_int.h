/* plane_int.h: two small tools of plane geometry the operations share:
 * twice a ring's signed area, and union-find over indices. Never installed. */
#ifndef CIM_PLANE_INT_H
#define CIM_PLANE_INT_H

#include <stddef.h>

/* Twice the signed area of a closed ring of n points (x0,y0,x1,y1..., the
 * last equal to the first): positive counter-clockwise. Shoelace on
 * coordinates relative to the first point (exact enough for metric
 * coordinates of 10^6). */
static inline double cim_ring_area2(const double *xy, size_t n)
{
    double s = 0, x0 = xy[0], y0 = xy[1];
    for (size_t i = 0; i + 1 < n; i++)
        s += (xy[2 * i] - x0) * (xy[2 * i + 3] - y0) - (xy[2 * i + 2] - x0) * (xy[2 * i + 1] - y0);
    return s;
}

/* The root of i's set in the union-find forest parent[] (path halving). */
static inline size_t cim_uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

#endif
