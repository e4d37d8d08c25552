/* svg_draw.c: shapes onto the page. Points are projected to pixels,
 * simplified with Douglas-Peucker at half a pixel (a picture: neighbouring
 * polygons may simplify their shared edges differently) and written as
 * relative path steps in quarter pixels, which keeps a 100k-parcel map to a
 * few bytes per vertex. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg_int.h"

static double seg_dist2(const double *p, const double *a, const double *b)
{
    double dx = b[0] - a[0], dy = b[1] - a[1];
    double l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = a[0] + t * dx - p[0], ey = a[1] + t * dy - p[1];
    return ex * ex + ey * ey;
}

size_t svg_simplify(double *xy, size_t n, double tol)
{
    if (n < 3)
        return n;
    /* iterative: a stack of (first, last) ranges and a keep mark per point */
    unsigned char *keep = calloc(n, 1);
    size_t *stack = malloc(2 * n * sizeof *stack);
    if (!keep || !stack) {
        free(keep);
        free(stack);
        return n; /* unsimplified is still right */
    }
    keep[0] = keep[n - 1] = 1;
    size_t sp = 0;
    stack[sp++] = 0;
    stack[sp++] = n - 1;
    double tol2 = tol * tol;
    while (sp) {
        size_t last = stack[--sp], first = stack[--sp];
        double best = -1;
        size_t at = 0;
        for (size_t i = first + 1; i < last; i++) {
            double d = seg_dist2(xy + 2 * i, xy + 2 * first, xy + 2 * last);
            if (d > best) {
                best = d;
                at = i;
            }
        }
        if (best > tol2) {
            keep[at] = 1;
            stack[sp++] = first;
            stack[sp++] = at;
            stack[sp++] = at;
            stack[sp++] = last;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i]) {
            xy[2 * k] = xy[2 * i];
            xy[2 * k + 1] = xy[2 * i + 1];
            k++;
        }
    free(keep);
    free(stack);
    return k;
}

int svg_map_shape_begin(svg_map *m, const char *fill, const char *stroke, double stroke_width, const char *title)
{
    m->shape_title = NULL;
    if (title && !(m->shape_title = strdup(title)))
        return -1;
    return svg_printf(&m->body, "<path fill=\"%s\" stroke=\"%s\" stroke-width=\"%.2g\" fill-rule=\"evenodd\" d=\"",
                      fill ? fill : "none", stroke ? stroke : "none", stroke_width * SVG_UNITS);
}

int svg_map_shape_end(svg_map *m)
{
    int rc = svg_printf(&m->body, "\">");
    if (!rc && m->shape_title) {
        rc = svg_printf(&m->body, "<title>");
        rc = rc || svg_escape(&m->body, m->shape_title) || svg_printf(&m->body, "</title>");
    }
    free(m->shape_title);
    m->shape_title = NULL;
    return rc || svg_printf(&m->body, "</path>\n");
}

/* Projects xy into m->scratch (pixels), simplifies, quantises to quarter
 * pixels and writes "M x y l dx dy ..." (plus "z" when closed). Writes
 * nothing when fewer than min_points distinct points remain. */
static int put_path(svg_map *m, const double *xy, size_t n, int closed)
{
    if (n > m->scratch_cap) {
        double *s = realloc(m->scratch, 2 * n * sizeof *s);
        if (!s)
            return -1;
        m->scratch = s;
        m->scratch_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        svg_map_project(m, xy[2 * i], xy[2 * i + 1], &m->scratch[2 * i], &m->scratch[2 * i + 1]);
    size_t k = svg_simplify(m->scratch, n, 0.5);
    /* quantise and drop repeats */
    long *q = (long *)malloc(2 * (k ? k : 1) * sizeof *q);
    if (!q)
        return -1;
    size_t nq = 0;
    for (size_t i = 0; i < k; i++) {
        long x = lround(m->scratch[2 * i] * SVG_UNITS), y = lround(m->scratch[2 * i + 1] * SVG_UNITS);
        if (nq && q[2 * nq - 2] == x && q[2 * nq - 1] == y)
            continue;
        q[2 * nq] = x;
        q[2 * nq + 1] = y;
        nq++;
    }
    if (closed && nq > 1 && q[0] == q[2 * nq - 2] && q[1] == q[2 * nq - 1])
        nq--; /* "z" closes it */
    int rc = 0;
    if (nq >= (size_t)(closed ? 3 : 2)) {
        rc = svg_printf(&m->body, "M%ld %ld", q[0], q[1]);
        for (size_t i = 1; i < nq && !rc; i++)
            rc = svg_printf(&m->body, "%c%ld %ld", i == 1 ? 'l' : ' ', q[2 * i] - q[2 * i - 2], q[2 * i + 1] - q[2 * i - 1]);
        if (!rc && closed)
            rc = svg_printf(&m->body, "z");
        m->vertices += nq;
    } else {
        m->dropped++;
    }
    free(q);
    return rc;
}

int svg_map_ring(svg_map *m, const double *xy, size_t n)
{
    return put_path(m, xy, n, 1);
}

int svg_map_line(svg_map *m, const double *xy, size_t n)
{
    return put_path(m, xy, n, 0);
}

int svg_map_point(svg_map *m, double x, double y, double r, const char *fill, const char *title)
{
    double px, py;
    svg_map_project(m, x, y, &px, &py);
    int rc = svg_printf(&m->points, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"%.1f\" fill=\"%s\" stroke=\"#333\">", px * SVG_UNITS,
                        py * SVG_UNITS, r * SVG_UNITS, fill ? fill : "#333");
    if (!rc && title)
        rc = svg_printf(&m->points, "<title>") || svg_escape(&m->points, title) || svg_printf(&m->points, "</title>");
    return rc || svg_printf(&m->points, "</circle>\n");
}
