/* ifc_shape.c: a product's body in plan, without a solid kernel.
 *
 * The plan projection of a solid is the union of the projections of its
 * boundary faces. For an extruded area solid those are the profile at both
 * ends and one quadrilateral per profile edge; for the usual vertical
 * extrusion of a horizontal profile the profile alone. Curves with arcs are
 * cut into chords. Boolean results keep their first operand (a clipping
 * only removes material, so the plan is at most slightly larger); CSG
 * cylinders, cones and blocks are extrusions too; mapped items recurse with
 * their transform; faceted breps and face sets give the convex hull of their
 * vertices (counted, so the method says so). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_int.h"

#define ARC_CHORDS_PER_CIRCLE 48
#define MAX_ITEM_DEPTH 16

typedef struct pts {
    double *xy; /* x, y pairs (profile plane, metres) */
    size_t n, cap;
} pts;

static int pts_add(pts *p, double x, double y)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        double *nx = realloc(p->xy, cap * 2 * sizeof *nx);
        if (!nx)
            return -1;
        p->xy = nx;
        p->cap = cap;
    }
    /* Consecutive duplicates would make zero-length edges. */
    if (p->n && fabs(p->xy[2 * p->n - 2] - x) < 1e-9 && fabs(p->xy[2 * p->n - 1] - y) < 1e-9)
        return 0;
    p->xy[2 * p->n] = x;
    p->xy[2 * p->n + 1] = y;
    p->n++;
    return 0;
}

static int oom(ifc_ctx *c) { return ifc_fail(c, IFC_EFORMAT, "out of memory"); }

/* Arc from angle a0 sweeping by sweep (radians, signed) on circle (cx, cy, r). */
static int arc_points(ifc_ctx *c, pts *p, double cx, double cy, double r, double a0, double sweep)
{
    int n = (int)ceil(fabs(sweep) / (2 * M_PI) * ARC_CHORDS_PER_CIRCLE);
    if (n < 2)
        n = 2;
    for (int i = 0; i <= n; i++) {
        double a = a0 + sweep * i / n;
        if (pts_add(p, cx + r * cos(a), cy + r * sin(a)))
            return oom(c);
    }
    return IFC_OK;
}

/* Three points on an arc: the chords from p1 through p2 to p3. */
static int arc3(ifc_ctx *c, pts *p, const double *a, const double *b, const double *d)
{
    double ax = a[0], ay = a[1], bx = b[0], by = b[1], cx = d[0], cy = d[1];
    double den = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
    if (fabs(den) < 1e-12) { /* collinear: a straight segment */
        if (pts_add(p, ax, ay) || pts_add(p, cx, cy))
            return oom(c);
        return IFC_OK;
    }
    double a2 = ax * ax + ay * ay, b2 = bx * bx + by * by, c2 = cx * cx + cy * cy;
    double ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / den;
    double uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / den;
    double r = hypot(ax - ux, ay - uy);
    double t0 = atan2(ay - uy, ax - ux), t1 = atan2(by - uy, bx - ux), t2 = atan2(cy - uy, cx - ux);
    /* Sweep from t0 to t2 in the direction that passes t1. */
    double s02 = fmod(t2 - t0 + 4 * M_PI, 2 * M_PI), s01 = fmod(t1 - t0 + 4 * M_PI, 2 * M_PI);
    double sweep = s01 <= s02 ? s02 : s02 - 2 * M_PI;
    return arc_points(c, p, ux, uy, r, t0, sweep);
}

static int curve_points(ifc_ctx *c, uint64_t id, pts *p, int depth);

static int polyline(ifc_ctx *c, const step_entity *e, pts *p)
{
    const step_value *l = step_arg(e, 0);
    if (l->kind != STEP_LIST)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcPolyline without Points", (unsigned long long)e->id);
    for (size_t i = 0; i < l->n; i++) {
        double q[3];
        int rc = ifc_point(c, step_ref(&l->items[i]), q);
        if (rc)
            return rc;
        if (pts_add(p, q[0], q[1]))
            return oom(c);
    }
    return IFC_OK;
}

static int indexed_polycurve(ifc_ctx *c, const step_entity *e, pts *p)
{
    step_entity pl;
    uint64_t plid = step_ref(step_arg(e, 0));
    const step_value *segs = step_arg(e, 1);
    int rc = ifc_get(c, plid, &pl);
    if (rc)
        return rc;
    const step_value *cl = step_arg(&pl, 0);
    if (strncmp(pl.type, "IFCCARTESIANPOINTLIST", 21) || cl->kind != STEP_LIST)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcIndexedPolyCurve points #%llu are not a point list",
                        (unsigned long long)e->id, (unsigned long long)plid);
    size_t np = cl->n;
    double *xy = malloc((np ? np : 1) * 2 * sizeof *xy);
    if (!xy)
        return oom(c);
    for (size_t i = 0; i < np; i++) {
        const step_value *q = &cl->items[i];
        if (q->kind != STEP_LIST || q->n < 2 || step_number(&q->items[0], &xy[2 * i]) ||
            step_number(&q->items[1], &xy[2 * i + 1])) {
            free(xy);
            return ifc_fail(c, IFC_EFORMAT, "#%llu: point %zu of the list is not a coordinate pair",
                            (unsigned long long)plid, i + 1);
        }
        xy[2 * i] *= c->mpu;
        xy[2 * i + 1] *= c->mpu;
    }
    rc = IFC_OK;
    if (segs->kind != STEP_LIST) {
        for (size_t i = 0; i < np && !rc; i++)
            if (pts_add(p, xy[2 * i], xy[2 * i + 1]))
                rc = oom(c);
    }
    for (size_t s = 0; segs->kind == STEP_LIST && s < segs->n && !rc; s++) {
        const step_value *sv = &segs->items[s];
        const step_value *ix = sv->kind == STEP_TYPED ? sv->items : sv;
        int arc = sv->kind == STEP_TYPED && !strcmp(sv->s, "IFCARCINDEX");
        if (ix->kind != STEP_LIST || ix->n < 2 || (arc && ix->n != 3)) {
            rc = ifc_fail(c, IFC_EFORMAT, "#%llu: segment %zu is not an IfcLineIndex or IfcArcIndex",
                          (unsigned long long)e->id, s + 1);
            break;
        }
        size_t k[64];
        size_t m = ix->n < 64 ? ix->n : 64;
        for (size_t j = 0; j < m; j++) {
            if (ix->items[j].kind != STEP_INT || ix->items[j].i < 1 || (size_t)ix->items[j].i > np) {
                rc = ifc_fail(c, IFC_EFORMAT, "#%llu: segment %zu indexes a point outside the list (1..%zu)",
                              (unsigned long long)e->id, s + 1, np);
                break;
            }
            k[j] = (size_t)ix->items[j].i - 1;
        }
        if (rc)
            break;
        if (arc)
            rc = arc3(c, p, &xy[2 * k[0]], &xy[2 * k[1]], &xy[2 * k[2]]);
        else
            for (size_t j = 0; j < m && !rc; j++)
                if (pts_add(p, xy[2 * k[j]], xy[2 * k[j] + 1]))
                    rc = oom(c);
    }
    free(xy);
    return rc;
}

/* A circle's centre, x axis angle and radius from IfcCircle #id. */
static int circle_of(ifc_ctx *c, uint64_t id, double *cx, double *cy, double *rot, double *r)
{
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (strcmp(e.type, "IFCCIRCLE"))
        return 1;
    ifc_mat m;
    if ((rc = ifc_axis_placement(c, step_ref(step_arg(&e, 0)), &m)))
        return rc;
    if (step_number(step_arg(&e, 1), r))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcCircle without a Radius", (unsigned long long)id);
    *r *= c->mpu;
    *cx = m.m[3];
    *cy = m.m[7];
    *rot = atan2(m.m[4], m.m[0]);
    return IFC_OK;
}

/* The trim as an angle on the circle: a cartesian point when given, else the parameter. */
static int trim_angle(ifc_ctx *c, const step_value *trim, double cx, double cy, double rot, double *a)
{
    if (trim->kind != STEP_LIST)
        return -1;
    for (size_t i = 0; i < trim->n; i++)
        if (trim->items[i].kind == STEP_REF) {
            double q[3];
            int rc = ifc_point(c, step_ref(&trim->items[i]), q);
            if (rc)
                return rc;
            *a = atan2(q[1] - cy, q[0] - cx);
            return IFC_OK;
        }
    for (size_t i = 0; i < trim->n; i++)
        if (trim->items[i].kind == STEP_TYPED && !step_number(&trim->items[i], a)) {
            *a = *a * c->rad_per_angle + rot;
            return IFC_OK;
        }
    return -1;
}

static int trimmed_curve(ifc_ctx *c, const step_entity *e, pts *p, int depth)
{
    uint64_t basis = step_ref(step_arg(e, 0));
    const step_value *t1 = step_arg(e, 1), *t2 = step_arg(e, 2);
    const char *sense = step_text(step_arg(e, 3));
    double cx, cy, rot, r;
    int rc = circle_of(c, basis, &cx, &cy, &rot, &r);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        /* A trimmed line (or other basis): its trimming points, when cartesian. */
        for (int k = 0; k < 2; k++) {
            const step_value *t = k ? t2 : t1;
            for (size_t i = 0; t->kind == STEP_LIST && i < t->n; i++)
                if (t->items[i].kind == STEP_REF) {
                    double q[3];
                    if ((rc = ifc_point(c, step_ref(&t->items[i]), q)))
                        return rc;
                    if (pts_add(p, q[0], q[1]))
                        return oom(c);
                }
        }
        return IFC_OK;
    }
    double a0, a1;
    if (trim_angle(c, t1, cx, cy, rot, &a0) || trim_angle(c, t2, cx, cy, rot, &a1))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcTrimmedCurve without usable trims", (unsigned long long)e->id);
    int ccw = !sense || strcmp(sense, "F");
    double sweep = ccw ? fmod(a1 - a0 + 4 * M_PI, 2 * M_PI) : -fmod(a0 - a1 + 4 * M_PI, 2 * M_PI);
    (void)depth;
    return arc_points(c, p, cx, cy, r, a0, sweep);
}

static int composite_curve(ifc_ctx *c, const step_entity *e, pts *p, int depth)
{
    const step_value *segs = step_arg(e, 0);
    if (segs->kind != STEP_LIST)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcCompositeCurve without Segments", (unsigned long long)e->id);
    for (size_t i = 0; i < segs->n; i++) {
        step_entity s;
        int rc = ifc_get(c, step_ref(&segs->items[i]), &s);
        if (rc)
            return rc;
        const char *same = step_text(step_arg(&s, 1));
        pts sub = {0};
        rc = curve_points(c, step_ref(step_arg(&s, 2)), &sub, depth + 1);
        for (size_t j = 0; !rc && j < sub.n; j++) {
            size_t k = same && !strcmp(same, "F") ? sub.n - 1 - j : j;
            if (pts_add(p, sub.xy[2 * k], sub.xy[2 * k + 1]))
                rc = oom(c);
        }
        free(sub.xy);
        if (rc)
            return rc;
    }
    return IFC_OK;
}

static int curve_points(ifc_ctx *c, uint64_t id, pts *p, int depth)
{
    if (depth > MAX_ITEM_DEPTH)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: curves nested too deeply (a reference cycle?)", (unsigned long long)id);
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (!strcmp(e.type, "IFCPOLYLINE"))
        return polyline(c, &e, p);
    if (!strcmp(e.type, "IFCINDEXEDPOLYCURVE"))
        return indexed_polycurve(c, &e, p);
    if (!strcmp(e.type, "IFCCOMPOSITECURVE"))
        return composite_curve(c, &e, p, depth);
    if (!strcmp(e.type, "IFCTRIMMEDCURVE"))
        return trimmed_curve(c, &e, p, depth);
    if (!strcmp(e.type, "IFCCIRCLE")) {
        double cx, cy, rot, r;
        if ((rc = circle_of(c, id, &cx, &cy, &rot, &r)))
            return rc;
        return arc_points(c, p, cx, cy, r, 0, 2 * M_PI);
    }
    return 1; /* not handled */
}

/* ---- profiles: rings in the profile plane ---- */

typedef struct rings {
    pts r[64];
    size_t n;
} rings;

static void rings_free(rings *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->r[i].xy);
    rs->n = 0;
}

static int rect_ring(ifc_ctx *c, const ifc_mat *pos, double x0, double y0, double x1, double y1, pts *p)
{
    double xs[4] = {x0, x1, x1, x0}, ys[4] = {y0, y0, y1, y1};
    for (int i = 0; i < 4; i++) {
        double in[3] = {xs[i], ys[i], 0}, o[3];
        ifc_mat_apply(pos, in, o);
        if (pts_add(p, o[0], o[1]))
            return oom(c);
    }
    return IFC_OK;
}

static int profile_position(ifc_ctx *c, const step_entity *e, size_t idx, ifc_mat *pos)
{
    ifc_mat_identity(pos);
    uint64_t pid = step_ref(step_arg(e, idx));
    return pid ? ifc_axis_placement(c, pid, pos) : IFC_OK;
}

/* 0 with rings, 1 for a profile kind not handled, or an error. */
static int profile_rings(ifc_ctx *c, uint64_t id, rings *rs)
{
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (!strncmp(e.type, "IFCRECTANGLE", 12) && strstr(e.type, "PROFILEDEF")) {
        ifc_mat pos;
        double xd, yd;
        if ((rc = profile_position(c, &e, 2, &pos)))
            return rc;
        if (step_number(step_arg(&e, 3), &xd) || step_number(step_arg(&e, 4), &yd) || !(xd > 0) || !(yd > 0))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: %s without positive XDim and YDim", (unsigned long long)id, e.type);
        xd *= c->mpu;
        yd *= c->mpu;
        rs->n = 1;
        return rect_ring(c, &pos, -xd / 2, -yd / 2, xd / 2, yd / 2, &rs->r[0]);
    }
    if (!strncmp(e.type, "IFCCIRCLE", 9) && strstr(e.type, "PROFILEDEF")) {
        ifc_mat pos;
        double r;
        if ((rc = profile_position(c, &e, 2, &pos)))
            return rc;
        if (step_number(step_arg(&e, 3), &r) || !(r > 0))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: %s without a positive Radius", (unsigned long long)id, e.type);
        rs->n = 1;
        return arc_points(c, &rs->r[0], pos.m[3], pos.m[7], r * c->mpu, 0, 2 * M_PI);
    }
    if (!strcmp(e.type, "IFCARBITRARYCLOSEDPROFILEDEF") || !strcmp(e.type, "IFCARBITRARYPROFILEDEFWITHVOIDS")) {
        uint64_t outer = step_ref(step_arg(&e, 2));
        const step_value *inner = step_arg(&e, 3);
        size_t ninner = !strcmp(e.type, "IFCARBITRARYPROFILEDEFWITHVOIDS") && inner->kind == STEP_LIST ? inner->n : 0;
        uint64_t inner_ids[63];
        if (ninner > 63)
            ninner = 63;
        for (size_t i = 0; i < ninner; i++)
            inner_ids[i] = step_ref(&inner->items[i]);
        rs->n = 1;
        if ((rc = curve_points(c, outer, &rs->r[0], 0)))
            return rc == 1 ? ifc_fail(c, IFC_EFORMAT, "#%llu: outer curve #%llu is of a kind not handled (%s)",
                                      (unsigned long long)id, (unsigned long long)outer, step_type_of(c->f, outer))
                           : rc;
        for (size_t i = 0; i < ninner; i++) {
            rs->n++;
            if ((rc = curve_points(c, inner_ids[i], &rs->r[rs->n - 1], 0)) < 0)
                return rc;
            if (rc == 1)
                rs->n--;
        }
        return IFC_OK;
    }
    return 1;
}

/* ---- plan shapes ---- */

static GEOSGeometry *plan_polygon(ifc_ctx *c, pts *const *rings_xy, size_t nr)
{
    GEOSContextHandle_t g = c->g;
    GEOSGeometry *lr[64];
    size_t k = 0;
    for (size_t i = 0; i < nr && k < 64; i++) {
        const pts *p = rings_xy[i];
        if (p->n < 3)
            continue;
        size_t n = p->n;
        int closed = fabs(p->xy[0] - p->xy[2 * n - 2]) < 1e-9 && fabs(p->xy[1] - p->xy[2 * n - 1]) < 1e-9;
        if (closed && n < 4)
            continue;
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g, (unsigned)(n + !closed), 2);
        if (!cs)
            continue;
        for (size_t j = 0; j < n; j++)
            GEOSCoordSeq_setXY_r(g, cs, (unsigned)j, p->xy[2 * j], p->xy[2 * j + 1]);
        /* Close exactly: GEOS wants the last point equal to the first to the bit. */
        GEOSCoordSeq_setXY_r(g, cs, closed ? (unsigned)(n - 1) : (unsigned)n, p->xy[0], p->xy[1]);
        GEOSGeometry *ring = GEOSGeom_createLinearRing_r(g, cs);
        if (!ring) {
            if (i == 0)
                break;
            continue;
        }
        lr[k++] = ring;
    }
    if (!k)
        return NULL;
    GEOSGeometry *poly = GEOSGeom_createPolygon_r(g, lr[0], k > 1 ? lr + 1 : NULL, (unsigned)(k - 1));
    if (!poly)
        return NULL;
    double area = 0;
    if (!GEOSArea_r(g, poly, &area) || area < 1e-8) {
        GEOSGeom_destroy_r(g, poly);
        return NULL;
    }
    if (GEOSisValid_r(g, poly) != 1) {
        GEOSGeometry *v = GEOSMakeValid_r(g, poly);
        GEOSGeom_destroy_r(g, poly);
        poly = v;
    }
    return poly;
}

static int plan_add(ifc_ctx *c, ifc_plan *plan, GEOSGeometry *geom)
{
    if (!geom)
        return IFC_OK;
    if (plan->n == plan->cap) {
        size_t cap = plan->cap ? plan->cap * 2 : 64;
        GEOSGeometry **np = realloc(plan->polys, cap * sizeof *np);
        if (!np) {
            GEOSGeom_destroy_r(c->g, geom);
            return oom(c);
        }
        plan->polys = np;
        plan->cap = cap;
    }
    plan->polys[plan->n++] = geom;
    return IFC_OK;
}

static void z_extent(ifc_plan *plan, double z)
{
    if (z < plan->zmin)
        plan->zmin = z;
    if (z > plan->zmax)
        plan->zmax = z;
}

/* The rings (profile plane, metres) extruded by depth along dir (profile
 * coordinates), placed by m, into the plan. */
static int extrusion_plan(ifc_ctx *c, const rings *rs, const ifc_mat *m, const double dir[3], double depth,
                          ifc_plan *plan)
{
    double d0[3] = {0, 0, 0}, dv[3] = {dir[0] * depth, dir[1] * depth, dir[2] * depth}, w0[3], w1[3];
    ifc_mat_apply(m, d0, w0);
    ifc_mat_apply(m, dv, w1);
    double sx = w1[0] - w0[0], sy = w1[1] - w0[1];
    int vertical = hypot(sx, sy) < 1e-6;
    pts bottom[64] = {{0}}, top[64] = {{0}};
    int rc = IFC_OK;
    for (size_t i = 0; i < rs->n && !rc; i++) {
        for (size_t j = 0; j < rs->r[i].n && !rc; j++) {
            double in[3] = {rs->r[i].xy[2 * j], rs->r[i].xy[2 * j + 1], 0}, o[3];
            ifc_mat_apply(m, in, o);
            z_extent(plan, o[2]);
            z_extent(plan, o[2] + (w1[2] - w0[2]));
            if (pts_add(&bottom[i], o[0], o[1]) || (!vertical && pts_add(&top[i], o[0] + sx, o[1] + sy)))
                rc = oom(c);
        }
    }
    pts *rb[64], *rt[64];
    for (size_t i = 0; i < rs->n; i++) {
        rb[i] = &bottom[i];
        rt[i] = &top[i];
    }
    if (!rc)
        rc = plan_add(c, plan, plan_polygon(c, rb, rs->n));
    if (!rc && !vertical) {
        rc = plan_add(c, plan, plan_polygon(c, rt, rs->n));
        for (size_t i = 0; i < rs->n && !rc; i++) {
            size_t n = bottom[i].n;
            for (size_t j = 0; j < n && !rc; j++) {
                size_t k = (j + 1) % n;
                pts q = {0};
                if (pts_add(&q, bottom[i].xy[2 * j], bottom[i].xy[2 * j + 1]) ||
                    pts_add(&q, bottom[i].xy[2 * k], bottom[i].xy[2 * k + 1]) ||
                    pts_add(&q, bottom[i].xy[2 * k] + sx, bottom[i].xy[2 * k + 1] + sy) ||
                    pts_add(&q, bottom[i].xy[2 * j] + sx, bottom[i].xy[2 * j + 1] + sy))
                    rc = oom(c);
                pts *qq = &q;
                if (!rc)
                    rc = plan_add(c, plan, plan_polygon(c, &qq, 1));
                free(q.xy);
            }
        }
    }
    for (size_t i = 0; i < rs->n; i++) {
        free(bottom[i].xy);
        free(top[i].xy);
    }
    if (!rc)
        plan->used++;
    return rc;
}

static int extruded_area_solid(ifc_ctx *c, const step_entity *e, const ifc_mat *world, ifc_plan *plan)
{
    uint64_t prof = step_ref(step_arg(e, 0)), pos = step_ref(step_arg(e, 1)), dirid = step_ref(step_arg(e, 2));
    double depth;
    if (step_number(step_arg(e, 3), &depth) || !isfinite(depth))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcExtrudedAreaSolid without a Depth", (unsigned long long)e->id);
    depth *= c->mpu;
    ifc_mat m = *world, p;
    int rc;
    if (pos) {
        if ((rc = ifc_axis_placement(c, pos, &p)))
            return rc;
        ifc_mat_mul(&m, world, &p);
    }
    double dir[3] = {0, 0, 1};
    if (dirid) {
        step_entity d;
        if ((rc = ifc_get(c, dirid, &d)))
            return rc;
        const step_value *l = step_arg(&d, 0);
        if (strcmp(d.type, "IFCDIRECTION") || l->kind != STEP_LIST || l->n < 3 || step_number(&l->items[0], &dir[0]) ||
            step_number(&l->items[1], &dir[1]) || step_number(&l->items[2], &dir[2]))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: ExtrudedDirection #%llu is not a 3D IfcDirection",
                            (unsigned long long)e->id, (unsigned long long)dirid);
        double n = sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
        if (n < 1e-12)
            return ifc_fail(c, IFC_EFORMAT, "#%llu: zero ExtrudedDirection", (unsigned long long)dirid);
        for (int i = 0; i < 3; i++)
            dir[i] /= n;
    }
    rings rs = {0};
    rc = profile_rings(c, prof, &rs);
    if (rc == 1) {
        plan->skipped++;
        rings_free(&rs);
        return IFC_OK;
    }
    if (!rc)
        rc = extrusion_plan(c, &rs, &m, dir, depth, plan);
    rings_free(&rs);
    return rc;
}

/* CSG primitives as extrusions of their base along their z axis. */
static int csg_primitive(ifc_ctx *c, const step_entity *e, const ifc_mat *world, ifc_plan *plan)
{
    ifc_mat p, m;
    int rc = ifc_axis_placement(c, step_ref(step_arg(e, 0)), &p);
    if (rc)
        return rc;
    ifc_mat_mul(&m, world, &p);
    rings rs = {0};
    double h, r, x, y;
    static const double up[3] = {0, 0, 1};
    rs.n = 1;
    if (!strcmp(e->type, "IFCRIGHTCIRCULARCYLINDER") || !strcmp(e->type, "IFCRIGHTCIRCULARCONE")) {
        if (step_number(step_arg(e, 1), &h) || step_number(step_arg(e, 2), &r))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: %s without Height and Radius", (unsigned long long)e->id, e->type);
        rc = arc_points(c, &rs.r[0], 0, 0, r * c->mpu, 0, 2 * M_PI);
    } else { /* IFCBLOCK */
        ifc_mat id;
        ifc_mat_identity(&id);
        if (step_number(step_arg(e, 1), &x) || step_number(step_arg(e, 2), &y) || step_number(step_arg(e, 3), &h))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcBlock without its lengths", (unsigned long long)e->id);
        rc = rect_ring(c, &id, 0, 0, x * c->mpu, y * c->mpu, &rs.r[0]);
    }
    if (!rc)
        rc = extrusion_plan(c, &rs, &m, up, h * c->mpu, plan);
    rings_free(&rs);
    return rc;
}

/* Every vertex of a faceted shape: the plan is their convex hull. */
static int hull_points(ifc_ctx *c, uint64_t id, const ifc_mat *world, pts *p, int depth)
{
    if (depth > 6)
        return IFC_OK;
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (!strcmp(e.type, "IFCCARTESIANPOINT")) {
        double q[3], o[3];
        if ((rc = ifc_point(c, id, q)))
            return rc;
        ifc_mat_apply(world, q, o);
        return pts_add(p, o[0], o[1]) ? oom(c) : IFC_OK;
    }
    if (!strncmp(e.type, "IFCCARTESIANPOINTLIST", 21)) {
        const step_value *l = step_arg(&e, 0);
        for (size_t i = 0; l->kind == STEP_LIST && i < l->n; i++) {
            const step_value *q = &l->items[i];
            double in[3] = {0, 0, 0}, o[3];
            for (size_t k = 0; q->kind == STEP_LIST && k < q->n && k < 3; k++)
                if (!step_number(&q->items[k], &in[k]))
                    in[k] *= c->mpu;
            ifc_mat_apply(world, in, o);
            if (pts_add(p, o[0], o[1]))
                return oom(c);
        }
        return IFC_OK;
    }
    /* Walk references down the shell/face/loop structure. */
    for (size_t i = 0; i < e.nargs; i++) {
        const step_value *v = &e.args[i];
        if (v->kind == STEP_REF) {
            const char *t = step_type_of(c->f, (uint64_t)v->i);
            if (t && (strstr(t, "SHELL") || strstr(t, "FACE") || strstr(t, "LOOP") || strstr(t, "POINT")))
                if ((rc = hull_points(c, (uint64_t)v->i, world, p, depth + 1)))
                    return rc;
        } else if (v->kind == STEP_LIST) {
            for (size_t k = 0; k < v->n; k++) {
                if (v->items[k].kind != STEP_REF)
                    continue;
                const char *t = step_type_of(c->f, (uint64_t)v->items[k].i);
                if (t && (strstr(t, "SHELL") || strstr(t, "FACE") || strstr(t, "LOOP") || strstr(t, "POINT")))
                    if ((rc = hull_points(c, (uint64_t)v->items[k].i, world, p, depth + 1)))
                        return rc;
            }
        }
    }
    return IFC_OK;
}

static int transform_operator(ifc_ctx *c, uint64_t id, ifc_mat *out)
{
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (strncmp(e.type, "IFCCARTESIANTRANSFORMATIONOPERATOR3D", 36))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: MappingTarget %s is not a 3D transformation operator",
                        (unsigned long long)id, e.type);
    double ax[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, o[3] = {0, 0, 0}, s = 1;
    static const size_t idx[3] = {0, 1, 4};
    for (int k = 0; k < 3; k++) {
        uint64_t d = step_ref(step_arg(&e, idx[k]));
        if (!d)
            continue;
        step_entity de;
        if ((rc = ifc_get(c, d, &de)))
            return rc;
        const step_value *l = step_arg(&de, 0);
        for (size_t i = 0; l->kind == STEP_LIST && i < l->n && i < 3; i++)
            step_number(&l->items[i], &ax[k][i]);
    }
    if ((rc = ifc_get(c, id, &e)))
        return rc;
    uint64_t org = step_ref(step_arg(&e, 2));
    if (org && (rc = ifc_point(c, org, o)))
        return rc;
    if ((rc = ifc_get(c, id, &e)))
        return rc;
    if (step_number(step_arg(&e, 3), &s) || !(s > 0))
        s = 1;
    double z[3] = {ax[2][0], ax[2][1], ax[2][2]}, nz = sqrt(z[0] * z[0] + z[1] * z[1] + z[2] * z[2]);
    if (nz < 1e-12)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: zero Axis3", (unsigned long long)id);
    for (int i = 0; i < 3; i++)
        z[i] /= nz;
    return ifc_frame(c, id, z, ax[0], o, s, "Axis1 parallel to Axis3", out);
}

static int representation_items(ifc_ctx *c, uint64_t rep, const ifc_mat *world, ifc_plan *plan, int depth);

static int item_plan(ifc_ctx *c, uint64_t id, const ifc_mat *world, ifc_plan *plan, int depth)
{
    if (depth > MAX_ITEM_DEPTH)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: representation items nested too deeply (a reference cycle)",
                        (unsigned long long)id);
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (!strcmp(e.type, "IFCEXTRUDEDAREASOLID") || !strcmp(e.type, "IFCEXTRUDEDAREASOLIDTAPERED"))
        return extruded_area_solid(c, &e, world, plan);
    if (!strcmp(e.type, "IFCBOOLEANRESULT") || !strcmp(e.type, "IFCBOOLEANCLIPPINGRESULT")) {
        const char *op = step_text(step_arg(&e, 0));
        uint64_t first = step_ref(step_arg(&e, 1)), second = step_ref(step_arg(&e, 2));
        if ((rc = item_plan(c, first, world, plan, depth + 1)))
            return rc;
        if (op && !strcmp(op, "UNION"))
            return item_plan(c, second, world, plan, depth + 1);
        return IFC_OK;
    }
    if (!strcmp(e.type, "IFCCSGSOLID"))
        return item_plan(c, step_ref(step_arg(&e, 0)), world, plan, depth + 1);
    if (!strcmp(e.type, "IFCRIGHTCIRCULARCYLINDER") || !strcmp(e.type, "IFCRIGHTCIRCULARCONE") ||
        !strcmp(e.type, "IFCBLOCK"))
        return csg_primitive(c, &e, world, plan);
    if (!strcmp(e.type, "IFCMAPPEDITEM")) {
        uint64_t src = step_ref(step_arg(&e, 0)), target = step_ref(step_arg(&e, 1));
        ifc_mat t, org, m;
        if ((rc = transform_operator(c, target, &t)))
            return rc;
        step_entity map;
        if ((rc = ifc_get(c, src, &map)))
            return rc;
        if (strcmp(map.type, "IFCREPRESENTATIONMAP"))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: MappingSource #%llu is not an IfcRepresentationMap",
                            (unsigned long long)id, (unsigned long long)src);
        uint64_t mapped = step_ref(step_arg(&map, 1));
        if ((rc = ifc_axis_placement(c, step_ref(step_arg(&map, 0)), &org)))
            return rc;
        ifc_mat_mul(&m, world, &t);
        ifc_mat_mul(&m, &m, &org);
        return representation_items(c, mapped, &m, plan, depth + 1);
    }
    if (!strcmp(e.type, "IFCFACETEDBREP") || !strcmp(e.type, "IFCFACEBASEDSURFACEMODEL") ||
        !strcmp(e.type, "IFCSHELLBASEDSURFACEMODEL") || !strcmp(e.type, "IFCPOLYGONALFACESET") ||
        !strcmp(e.type, "IFCTRIANGULATEDFACESET")) {
        pts p = {0};
        double zlo = plan->zmin, zhi = plan->zmax;
        (void)zlo;
        (void)zhi;
        rc = hull_points(c, id, world, &p, 0);
        if (!rc && p.n >= 3) {
            GEOSCoordSequence *cs = GEOSCoordSeq_create_r(c->g, (unsigned)p.n, 2);
            for (size_t i = 0; cs && i < p.n; i++)
                GEOSCoordSeq_setXY_r(c->g, cs, (unsigned)i, p.xy[2 * i], p.xy[2 * i + 1]);
            GEOSGeometry *mp = cs ? GEOSGeom_createLineString_r(c->g, cs) : NULL;
            GEOSGeometry *hull = mp ? GEOSConvexHull_r(c->g, mp) : NULL;
            if (mp)
                GEOSGeom_destroy_r(c->g, mp);
            double area = 0;
            if (hull && GEOSGeomTypeId_r(c->g, hull) == GEOS_POLYGON && GEOSArea_r(c->g, hull, &area) && area > 1e-8) {
                rc = plan_add(c, plan, hull);
                plan->used++;
            } else if (hull) {
                GEOSGeom_destroy_r(c->g, hull);
            }
        }
        free(p.xy);
        return rc;
    }
    if (!strcmp(e.type, "IFCBOUNDINGBOX")) {
        /* Box representation: Corner, XDim, YDim, ZDim in the object's axes. */
        double corner[3], x, y, z;
        if ((rc = ifc_point(c, step_ref(step_arg(&e, 0)), corner)))
            return rc;
        if ((rc = ifc_get(c, id, &e)))
            return rc;
        if (step_number(step_arg(&e, 1), &x) || step_number(step_arg(&e, 2), &y) || step_number(step_arg(&e, 3), &z))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcBoundingBox without its dimensions", (unsigned long long)id);
        ifc_mat t, m;
        ifc_mat_identity(&t);
        t.m[3] = corner[0], t.m[7] = corner[1], t.m[11] = corner[2];
        ifc_mat_mul(&m, world, &t);
        rings rs = {0};
        static const double up[3] = {0, 0, 1};
        ifc_mat id0;
        ifc_mat_identity(&id0);
        rs.n = 1;
        rc = rect_ring(c, &id0, 0, 0, x * c->mpu, y * c->mpu, &rs.r[0]);
        if (!rc)
            rc = extrusion_plan(c, &rs, &m, up, z * c->mpu, plan);
        rings_free(&rs);
        return rc;
    }
    if (!strcmp(e.type, "IFCGEOMETRICCURVESET") || !strcmp(e.type, "IFCGEOMETRICSET")) {
        const step_value *l = step_arg(&e, 0);
        size_t n = l->kind == STEP_LIST ? l->n : 0;
        uint64_t local[64];
        if (n > 64)
            n = 64;
        for (size_t i = 0; i < n; i++)
            local[i] = step_ref(&l->items[i]);
        for (size_t i = 0; i < n && !rc; i++)
            rc = item_plan(c, local[i], world, plan, depth + 1);
        return rc;
    }
    if (!strcmp(e.type, "IFCPOLYLINE") || !strcmp(e.type, "IFCINDEXEDPOLYCURVE") || !strcmp(e.type, "IFCCOMPOSITECURVE")) {
        /* FootPrint representation: a closed plan curve, taken as a flat outline. */
        rings rs = {0};
        static const double up[3] = {0, 0, 1};
        rs.n = 1;
        rc = curve_points(c, id, &rs.r[0], 0);
        if (rc == 1) {
            plan->skipped++;
            rc = IFC_OK;
        } else if (!rc && rs.r[0].n >= 3) {
            rc = extrusion_plan(c, &rs, world, up, 0, plan);
        }
        rings_free(&rs);
        return rc;
    }
    plan->skipped++;
    return IFC_OK;
}

static int representation_items(ifc_ctx *c, uint64_t rep, const ifc_mat *world, ifc_plan *plan, int depth)
{
    step_entity r;
    int rc = ifc_get(c, rep, &r);
    if (rc)
        return rc;
    const step_value *items = step_arg(&r, 3);
    if (items->kind != STEP_LIST)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: a shape representation without Items", (unsigned long long)rep);
    size_t n = items->n;
    uint64_t local[64], *ids = n <= 64 ? local : malloc(n * sizeof *ids);
    if (!ids)
        return oom(c);
    for (size_t i = 0; i < n; i++)
        ids[i] = step_ref(&items->items[i]);
    for (size_t i = 0; i < n && !rc; i++)
        rc = item_plan(c, ids[i], world, plan, depth + 1);
    if (ids != local)
        free(ids);
    return rc;
}

int ifc_product_plan(ifc_ctx *c, uint64_t product, const ifc_mat *world, ifc_plan *plan)
{
    step_entity e;
    int rc = ifc_get(c, product, &e);
    if (rc)
        return rc;
    uint64_t shape = step_ref(step_arg(&e, 6));
    if (!shape)
        return IFC_OK;
    step_entity s;
    if ((rc = ifc_get(c, shape, &s)))
        return rc;
    const step_value *reps = step_arg(&s, 2);
    if (reps->kind != STEP_LIST)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcProductDefinitionShape without Representations",
                        (unsigned long long)shape);
    /* Body first; FootPrint or Box only when there is no usable Body. */
    static const char *const order[] = {"Body", "FootPrint", "Box"};
    size_t n = reps->n < 32 ? reps->n : 32;
    uint64_t ids[32];
    char kind[32][16];
    for (size_t i = 0; i < n; i++) {
        ids[i] = step_ref(&reps->items[i]);
        kind[i][0] = '\0';
    }
    for (size_t i = 0; i < n; i++) {
        step_entity r;
        if ((rc = ifc_get(c, ids[i], &r)))
            return rc;
        const char *ident = step_text(step_arg(&r, 1));
        snprintf(kind[i], sizeof kind[i], "%s", ident ? ident : "Body");
    }
    for (size_t o = 0; o < 3; o++) {
        int before = plan->used;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(kind[i], order[o]) && (rc = representation_items(c, ids[i], world, plan, 0)))
                return rc;
        if (plan->used > before)
            break;
    }
    return IFC_OK;
}

void ifc_plan_clear(ifc_ctx *c, ifc_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++)
        GEOSGeom_destroy_r(c->g, plan->polys[i]);
    free(plan->polys);
    memset(plan, 0, sizeof *plan);
}
