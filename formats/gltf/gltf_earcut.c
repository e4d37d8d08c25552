/* gltf_earcut.c: polygon triangulation by ear clipping with hole bridging,
 * a C port of the algorithm of mapbox/earcut (ISC licence) without its
 * z-order hash: building footprints have tens of points, where the plain
 * O(n^2) ear test is faster than building the hash.
 *
 * Points live in a doubly linked ring of nodes taken from one array (the
 * bridges and splits add at most two nodes each, so 3n + 2h + 8 nodes are
 * enough and the array never moves). Coordinates are taken relative to the
 * first point so that projected coordinates in the millions keep their
 * precision in the orientation tests. */
#include "gltf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    uint32_t i;               /* index of the input point */
    double x, y;
    struct node *prev, *next;
    int steiner;
} node;

struct gltf_earcut {
    node *nodes;
    size_t nnodes, nodes_cap;
    uint32_t *tri;
    size_t ntri, tri_cap;
    node **queue;
    size_t queue_cap;
    int oom;
    uint64_t steps;           /* what is left of this polygon's step budget */
};

/* Every loop step spends one unit of a budget far above what any polygon
 * needs (ear clipping is at worst cubic in its points); garbage that would
 * keep the passes cycling stops there and triangulates to nothing. */
static int budget(gltf_earcut *e)
{
    if (!e->steps)
        return 0;
    e->steps--;
    return 1;
}

gltf_earcut *gltf_earcut_new(void)
{
    return calloc(1, sizeof(gltf_earcut));
}

void gltf_earcut_free(gltf_earcut *e)
{
    if (!e)
        return;
    free(e->nodes);
    free(e->tri);
    free(e->queue);
    free(e);
}

static node *new_node(gltf_earcut *e, uint32_t i, double x, double y)
{
    node *p = &e->nodes[e->nnodes++]; /* capacity reserved up front */
    p->i = i;
    p->x = x;
    p->y = y;
    p->prev = p->next = NULL;
    p->steiner = 0;
    return p;
}

static void push_tri(gltf_earcut *e, uint32_t a, uint32_t b, uint32_t c)
{
    if (e->ntri + 3 > e->tri_cap) {
        size_t cap = e->tri_cap ? e->tri_cap * 2 : 96;
        uint32_t *t = realloc(e->tri, cap * sizeof *t);
        if (!t) {
            e->oom = 1;
            return;
        }
        e->tri = t;
        e->tri_cap = cap;
    }
    e->tri[e->ntri++] = a;
    e->tri[e->ntri++] = b;
    e->tri[e->ntri++] = c;
}

/* Twice the signed area of p, q, r; negative when counter-clockwise in
 * earcut's convention. */
static double area(const node *p, const node *q, const node *r)
{
    return (q->y - p->y) * (r->x - q->x) - (q->x - p->x) * (r->y - q->y);
}

static int equals(const node *a, const node *b)
{
    return a->x == b->x && a->y == b->y;
}

static node *insert_node(gltf_earcut *e, uint32_t i, double x, double y, node *last)
{
    node *p = new_node(e, i, x, y);
    if (!last) {
        p->prev = p->next = p;
    } else {
        p->next = last->next;
        p->prev = last;
        last->next->prev = p;
        last->next = p;
    }
    return p;
}

static void remove_node(node *p)
{
    p->next->prev = p->prev;
    p->prev->next = p->next;
}

static double signed_area(const double *xy, size_t start, size_t end, double ox, double oy)
{
    double sum = 0;
    for (size_t i = start, j = end - 1; i < end; j = i++)
        sum += ((xy[2 * j] - ox) - (xy[2 * i] - ox)) * ((xy[2 * i + 1] - oy) + (xy[2 * j + 1] - oy));
    return sum;
}

/* A ring as a linked list, clockwise (outer, earcut's sense) or not. */
static node *linked_list(gltf_earcut *e, const double *xy, size_t start, size_t end, int clockwise, double ox,
                         double oy)
{
    node *last = NULL;
    if (clockwise == (signed_area(xy, start, end, ox, oy) > 0)) {
        for (size_t i = start; i < end; i++)
            last = insert_node(e, (uint32_t)i, xy[2 * i] - ox, xy[2 * i + 1] - oy, last);
    } else {
        for (size_t i = end; i-- > start;)
            last = insert_node(e, (uint32_t)i, xy[2 * i] - ox, xy[2 * i + 1] - oy, last);
    }
    if (last && equals(last, last->next)) {
        node *n = last->next;
        remove_node(last);
        last = n;
    }
    return last;
}

/* Removes duplicate and collinear points (earcut 3's sweep): without end
 * (or end == start) the whole ring, lapping until nothing is removable;
 * with end only the window from start to end around a new cut, re-checking
 * the predecessor after each removal. */
static node *filter_points(gltf_earcut *e, node *start, node *end)
{
    if (!start)
        return start;
    int full = !end || end == start;
    if (!end)
        end = start;
    node *p = start;
    int again;
    do {
        again = 0;
        if (!budget(e))
            break;
        if (p != p->next && !p->steiner && (equals(p, p->next) || area(p->prev, p, p->next) == 0)) {
            if (full || p == end)
                end = p->prev; /* pull the stop back past the removal */
            remove_node(p);
            p = p->prev;
            again = 1;
        } else if (full || p != end) {
            p = p->next;
            again = !full;
        }
    } while (again || p != end);
    return end;
}

static int point_in_triangle(double ax, double ay, double bx, double by, double cx, double cy, double px, double py)
{
    return (cx - px) * (ay - py) >= (ax - px) * (cy - py) && (ax - px) * (by - py) >= (bx - px) * (ay - py) &&
           (bx - px) * (cy - py) >= (cx - px) * (by - py);
}

static int is_ear(const node *ear)
{
    const node *a = ear->prev, *b = ear, *c = ear->next;
    if (area(a, b, c) >= 0)
        return 0; /* reflex */
    double x0 = fmin(a->x, fmin(b->x, c->x)), y0 = fmin(a->y, fmin(b->y, c->y));
    double x1 = fmax(a->x, fmax(b->x, c->x)), y1 = fmax(a->y, fmax(b->y, c->y));
    for (const node *p = c->next; p != a; p = p->next) {
        if (p->x >= x0 && p->x <= x1 && p->y >= y0 && p->y <= y1 && !(a->x == p->x && a->y == p->y) &&
            point_in_triangle(a->x, a->y, b->x, b->y, c->x, c->y, p->x, p->y) && area(p->prev, p, p->next) >= 0)
            return 0;
    }
    return 1;
}

static int sign(double v)
{
    return v > 0 ? 1 : v < 0 ? -1 : 0;
}

static int on_segment(const node *p, const node *q, const node *r)
{
    return q->x <= fmax(p->x, r->x) && q->x >= fmin(p->x, r->x) && q->y <= fmax(p->y, r->y) &&
           q->y >= fmin(p->y, r->y);
}

static int intersects(const node *p1, const node *q1, const node *p2, const node *q2)
{
    int o1 = sign(area(p1, q1, p2)), o2 = sign(area(p1, q1, q2));
    int o3 = sign(area(p2, q2, p1)), o4 = sign(area(p2, q2, q1));
    if (o1 != o2 && o3 != o4)
        return 1;
    if (o1 == 0 && on_segment(p1, p2, q1))
        return 1;
    if (o2 == 0 && on_segment(p1, q2, q1))
        return 1;
    if (o3 == 0 && on_segment(p2, p1, q2))
        return 1;
    if (o4 == 0 && on_segment(p2, q1, q2))
        return 1;
    return 0;
}

static int intersects_polygon(const node *a, const node *b)
{
    const node *p = a;
    do {
        if (p->i != a->i && p->next->i != a->i && p->i != b->i && p->next->i != b->i &&
            intersects(p, p->next, a, b))
            return 1;
        p = p->next;
    } while (p != a);
    return 0;
}

static int locally_inside(const node *a, const node *b)
{
    return area(a->prev, a, a->next) < 0 ? area(a, b, a->next) >= 0 && area(a, a->prev, b) >= 0
                                         : area(a, b, a->prev) < 0 || area(a, a->next, b) < 0;
}

static int middle_inside(const node *a, const node *b)
{
    const node *p = a;
    int inside = 0;
    double px = (a->x + b->x) / 2, py = (a->y + b->y) / 2;
    do {
        if (((p->y > py) != (p->next->y > py)) && p->next->y != p->y &&
            (px < (p->next->x - p->x) * (py - p->y) / (p->next->y - p->y) + p->x))
            inside = !inside;
        p = p->next;
    } while (p != a);
    return inside;
}

static int is_valid_diagonal(const node *a, const node *b)
{
    return a->next->i != b->i && a->prev->i != b->i && !intersects_polygon(a, b) &&
           ((locally_inside(a, b) && locally_inside(b, a) && middle_inside(a, b) &&
             (area(a->prev, a, b->prev) != 0 || area(a, b->prev, b) != 0)) ||
            (equals(a, b) && area(a->prev, a, a->next) > 0 && area(b->prev, b, b->next) > 0));
}

/* Links a to b with a bridge (two new nodes); returns the node after the
 * bridge on the other side. */
static node *split_polygon(gltf_earcut *e, node *a, node *b)
{
    node *a2 = new_node(e, a->i, a->x, a->y), *b2 = new_node(e, b->i, b->x, b->y);
    node *an = a->next, *bp = b->prev;
    a->next = b;
    b->prev = a;
    a2->next = an;
    an->prev = a2;
    b2->next = a2;
    a2->prev = b2;
    bp->next = b2;
    b2->prev = bp;
    return b2;
}

static node *cure_local_intersections(gltf_earcut *e, node *start)
{
    node *p = start;
    do {
        node *a = p->prev, *b = p->next->next;
        if (!equals(a, b) && intersects(a, p, p->next, b) && locally_inside(a, b) && locally_inside(b, a)) {
            push_tri(e, a->i, p->i, b->i);
            remove_node(p);
            remove_node(p->next);
            p = start = b;
        }
        p = p->next;
    } while (p != start && budget(e));
    return filter_points(e, p, NULL);
}

static void earcut_linked(gltf_earcut *e, node *ear, int pass);

static void split_earcut(gltf_earcut *e, node *start)
{
    node *a = start;
    do {
        node *b = a->next->next;
        while (b != a->prev && budget(e)) {
            if (a->i != b->i && is_valid_diagonal(a, b)) {
                node *c = split_polygon(e, a, b);
                a = filter_points(e, a, a->next);
                c = filter_points(e, c, c->next);
                earcut_linked(e, a, 0);
                earcut_linked(e, c, 0);
                return;
            }
            b = b->next;
        }
        a = a->next;
    } while (a != start && budget(e));
}

static void earcut_linked(gltf_earcut *e, node *ear, int pass)
{
    if (!ear)
        return;
    node *stop = ear;
    while (ear->prev != ear->next && budget(e)) {
        node *prev = ear->prev, *next = ear->next;
        if (is_ear(ear)) {
            push_tri(e, prev->i, ear->i, next->i);
            remove_node(ear);
            ear = next->next;
            stop = next->next;
            continue;
        }
        ear = next;
        if (ear == stop) {
            if (pass == 0)
                earcut_linked(e, filter_points(e, ear, NULL), 1);
            else if (pass == 1)
                earcut_linked(e, cure_local_intersections(e, filter_points(e, ear, NULL)), 2);
            else
                split_earcut(e, ear);
            break;
        }
    }
}

static node *get_leftmost(node *start)
{
    node *p = start, *left = start;
    do {
        if (p->x < left->x || (p->x == left->x && p->y < left->y))
            left = p;
        p = p->next;
    } while (p != start);
    return left;
}

static int sector_contains_sector(const node *m, const node *p)
{
    return area(m->prev, m, p->prev) < 0 && area(p->next, m, m->next) < 0;
}

/* The outer-ring vertex a bridge from the hole's leftmost point can reach:
 * cast a ray to the left, take the nearest edge hit, then the visible vertex
 * in the triangle it spans with the smallest angle to the ray. */
static node *find_hole_bridge(node *hole, node *outer)
{
    node *p = outer, *m = NULL;
    double hx = hole->x, hy = hole->y, qx = -INFINITY;
    do {
        if (hy <= p->y && hy >= p->next->y && p->next->y != p->y) {
            double x = p->x + (hy - p->y) * (p->next->x - p->x) / (p->next->y - p->y);
            if (x <= hx && x > qx) {
                qx = x;
                m = p->x < p->next->x ? p : p->next;
                if (x == hx)
                    return m;
            }
        }
        p = p->next;
    } while (p != outer);
    if (!m)
        return NULL;
    node *stop = m;
    double mx = m->x, my = m->y, tan_min = INFINITY;
    p = m;
    do {
        if (hx >= p->x && p->x >= mx && hx != p->x &&
            point_in_triangle(hy < my ? hx : qx, hy, mx, my, hy < my ? qx : hx, hy, p->x, p->y)) {
            double tan = fabs(hy - p->y) / (hx - p->x);
            if (locally_inside(p, hole) &&
                (tan < tan_min || (tan == tan_min && (p->x > m->x || (p->x == m->x && sector_contains_sector(m, p)))))) {
                m = p;
                tan_min = tan;
            }
        }
        p = p->next;
    } while (p != stop);
    return m;
}

static int cmp_x(const void *a, const void *b)
{
    const node *p = *(node *const *)a, *q = *(node *const *)b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

static node *eliminate_holes(gltf_earcut *e, const double *xy, const uint32_t *ring_n, size_t nrings, node *outer,
                             double ox, double oy)
{
    size_t nq = 0, start = ring_n[0];
    for (size_t r = 1; r < nrings; r++) {
        size_t end = start + ring_n[r];
        node *list = end > start ? linked_list(e, xy, start, end, 0, ox, oy) : NULL;
        start = end;
        if (!list)
            continue;
        if (list == list->next)
            list->steiner = 1;
        e->queue[nq++] = get_leftmost(list);
    }
    if (nq)
        qsort(e->queue, nq, sizeof *e->queue, cmp_x);
    for (size_t i = 0; i < nq; i++) {
        node *bridge = find_hole_bridge(e->queue[i], outer);
        if (!bridge)
            continue;
        node *rev = split_polygon(e, bridge, e->queue[i]);
        filter_points(e, rev, rev->next);
        outer = filter_points(e, bridge, bridge->next);
    }
    return outer;
}

int gltf_earcut_run(gltf_earcut *e, const double *xy, const uint32_t *ring_n, size_t nrings, const uint32_t **tri,
                    size_t *ntri)
{
    *tri = NULL;
    *ntri = 0;
    e->ntri = 0;
    e->nnodes = 0;
    e->oom = 0;
    if (!nrings || ring_n[0] < 3)
        return 0;
    size_t n = 0;
    for (size_t r = 0; r < nrings; r++)
        n += ring_n[r];
    size_t need = 3 * n + 2 * nrings + 8;
    if (need > e->nodes_cap) {
        node *p = realloc(e->nodes, need * sizeof *p);
        if (!p)
            return -1;
        e->nodes = p;
        e->nodes_cap = need;
    }
    if (nrings > e->queue_cap) {
        node **q = realloc(e->queue, nrings * sizeof *q);
        if (!q)
            return -1;
        e->queue = q;
        e->queue_cap = nrings;
    }
    e->steps = 1000 + 64 * (uint64_t)n * n;
    double ox = xy[0], oy = xy[1];
    node *outer = linked_list(e, xy, 0, ring_n[0], 1, ox, oy);
    if (!outer || outer->next == outer->prev)
        return 0;
    if (nrings > 1)
        outer = eliminate_holes(e, xy, ring_n, nrings, outer, ox, oy);
    earcut_linked(e, outer, 0);
    if (e->oom)
        return -1;
    if (!e->steps) {
        e->ntri = 0; /* gave up: nothing rather than a partial roof */
        return 0;
    }
    /* ear clipping keeps the ring's sense, which is counter-clockwise for
     * the outer ring here; a split can leave a zero-area sliver either way,
     * so each triangle is checked and turned counter-clockwise */
    for (size_t t = 0; t < e->ntri; t += 3) {
        const double *a = xy + 2 * e->tri[t], *b = xy + 2 * e->tri[t + 1], *c = xy + 2 * e->tri[t + 2];
        double cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        if (cross < 0) {
            uint32_t s = e->tri[t + 1];
            e->tri[t + 1] = e->tri[t + 2];
            e->tri[t + 2] = s;
        }
    }
    *tri = e->tri;
    *ntri = e->ntri / 3;
    return 0;
}
