/* ifc_place.c: points, axis placements and IfcLocalPlacement chains as 3x4
 * matrices in metres. World matrices are cached by placement id (files share
 * a few storey placements among thousands of elements); a placement met
 * again while its own chain is being resolved is a cycle, reported by id. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_int.h"

/* Placement chains deeper than this are treated as broken (real files: < 10). */
#define MAX_CHAIN 256

typedef struct place_slot {
    uint64_t id;   /* 0 = empty */
    int state;     /* 1 resolving, 2 done */
    ifc_mat m;
} place_slot;

struct ifc_place_cache {
    place_slot *s;
    size_t cap, n;
};

void ifc_mat_identity(ifc_mat *m)
{
    memset(m, 0, sizeof *m);
    m->m[0] = m->m[5] = m->m[10] = 1.0;
}

void ifc_mat_mul(ifc_mat *out, const ifc_mat *a, const ifc_mat *b)
{
    ifc_mat r;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 4; j++) {
            double v = a->m[i * 4 + 0] * b->m[0 * 4 + j] + a->m[i * 4 + 1] * b->m[1 * 4 + j] +
                       a->m[i * 4 + 2] * b->m[2 * 4 + j];
            if (j == 3)
                v += a->m[i * 4 + 3];
            r.m[i * 4 + j] = v;
        }
    }
    *out = r;
}

void ifc_mat_apply(const ifc_mat *m, const double in[3], double out[3])
{
    double x = in[0], y = in[1], z = in[2];
    for (int i = 0; i < 3; i++)
        out[i] = m->m[i * 4] * x + m->m[i * 4 + 1] * y + m->m[i * 4 + 2] * z + m->m[i * 4 + 3];
}

int ifc_point(ifc_ctx *c, uint64_t id, double out[3])
{
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    const step_value *l = step_arg(&e, 0);
    if (strcmp(e.type, "IFCCARTESIANPOINT") || l->kind != STEP_LIST || l->n < 1 || l->n > 3)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: expected an IfcCartesianPoint with 1 to 3 coordinates, found %s",
                        (unsigned long long)id, e.type);
    out[0] = out[1] = out[2] = 0.0;
    for (size_t i = 0; i < l->n; i++) {
        if (step_number(&l->items[i], &out[i]) || !isfinite(out[i]))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: coordinate %zu is not a finite number", (unsigned long long)id,
                            i + 1);
        out[i] *= c->mpu;
    }
    return IFC_OK;
}

/* IfcDirection #id normalised; absent ($) gives def. */
static int direction(ifc_ctx *c, const step_value *v, const double def[3], double out[3])
{
    memcpy(out, def, 3 * sizeof *out);
    uint64_t id = step_ref(v);
    if (!id)
        return IFC_OK;
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    const step_value *l = step_arg(&e, 0);
    if (strcmp(e.type, "IFCDIRECTION") || l->kind != STEP_LIST || l->n < 2 || l->n > 3)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: expected an IfcDirection, found %s", (unsigned long long)id, e.type);
    double d[3] = {0, 0, 0};
    for (size_t i = 0; i < l->n; i++)
        if (step_number(&l->items[i], &d[i]) || !isfinite(d[i]))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: direction ratio %zu is not a number", (unsigned long long)id,
                            i + 1);
    double n = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (n < 1e-12)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: a zero-length IfcDirection", (unsigned long long)id);
    for (int i = 0; i < 3; i++)
        out[i] = d[i] / n;
    return IFC_OK;
}

int ifc_frame(ifc_ctx *c, uint64_t id, const double zd[3], const double xd[3], const double o[3], double scale,
              const char *parallel, ifc_mat *out)
{
    double dot = xd[0] * zd[0] + xd[1] * zd[1] + xd[2] * zd[2];
    double x[3] = {xd[0] - dot * zd[0], xd[1] - dot * zd[1], xd[2] - dot * zd[2]};
    double n = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    if (n < 1e-9)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: %s", (unsigned long long)id, parallel);
    for (int i = 0; i < 3; i++)
        x[i] /= n;
    double y[3] = {zd[1] * x[2] - zd[2] * x[1], zd[2] * x[0] - zd[0] * x[2], zd[0] * x[1] - zd[1] * x[0]};
    for (int i = 0; i < 3; i++) {
        out->m[i * 4 + 0] = scale * x[i];
        out->m[i * 4 + 1] = scale * y[i];
        out->m[i * 4 + 2] = scale * zd[i];
        out->m[i * 4 + 3] = o[i];
    }
    return IFC_OK;
}

int ifc_axis_placement(ifc_ctx *c, uint64_t id, ifc_mat *out)
{
    static const double ez[3] = {0, 0, 1}, ex[3] = {1, 0, 0};
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    double o[3] = {0, 0, 0}, z[3], x[3];
    uint64_t loc = step_ref(step_arg(&e, 0));
    if (!strcmp(e.type, "IFCAXIS2PLACEMENT3D")) {
        if (!loc)
            return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcAxis2Placement3D without a Location", (unsigned long long)id);
        if ((rc = ifc_point(c, loc, o)) || (rc = direction(c, step_arg(&e, 1), ez, z)) ||
            (rc = direction(c, step_arg(&e, 2), ex, x)))
            return rc;
        if (!step_ref(step_arg(&e, 2)) && fabs(z[0]) > 0.999)
            x[0] = 0, x[1] = 0, x[2] = 1; /* default RefDirection when Axis is along x */
        return ifc_frame(c, id, z, x, o, 1, "Axis and RefDirection are parallel", out);
    }
    if (!strcmp(e.type, "IFCAXIS2PLACEMENT2D")) {
        if (!loc)
            return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcAxis2Placement2D without a Location", (unsigned long long)id);
        if ((rc = ifc_point(c, loc, o)) || (rc = direction(c, step_arg(&e, 1), ex, x)))
            return rc;
        x[2] = 0;
        return ifc_frame(c, id, ez, x, o, 1, "Axis and RefDirection are parallel", out);
    }
    return ifc_fail(c, IFC_EFORMAT, "#%llu: expected an IfcAxis2Placement, found %s", (unsigned long long)id, e.type);
}

static place_slot *cache_slot(ifc_ctx *c, uint64_t id)
{
    ifc_place_cache *pc = c->places;
    if (!pc) {
        pc = c->places = calloc(1, sizeof *pc);
        if (!pc)
            return NULL;
    }
    if ((pc->n + 1) * 2 > pc->cap) {
        size_t cap = pc->cap ? pc->cap * 2 : 1024;
        place_slot *ns = calloc(cap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < pc->cap; i++)
            if (pc->s[i].id) {
                size_t k = (pc->s[i].id * 0x9E3779B97F4A7C15ull) & (cap - 1);
                while (ns[k].id)
                    k = (k + 1) & (cap - 1);
                ns[k] = pc->s[i];
            }
        free(pc->s);
        pc->s = ns;
        pc->cap = cap;
    }
    size_t k = (id * 0x9E3779B97F4A7C15ull) & (pc->cap - 1);
    while (pc->s[k].id && pc->s[k].id != id)
        k = (k + 1) & (pc->cap - 1);
    if (!pc->s[k].id) {
        pc->s[k].id = id;
        pc->n++;
    }
    return &pc->s[k];
}

void ifc_place_cache_free(ifc_place_cache *pc)
{
    if (pc)
        free(pc->s);
    free(pc);
}

static int placement_chain(ifc_ctx *c, uint64_t id, ifc_mat *out, int depth)
{
    place_slot *s = cache_slot(c, id);
    if (!s)
        return ifc_fail(c, IFC_EFORMAT, "out of memory");
    if (s->state == 2) {
        *out = s->m;
        return IFC_OK;
    }
    if (s->state == 1 || depth > MAX_CHAIN)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcLocalPlacement chain refers back to itself (a reference cycle)",
                        (unsigned long long)id);
    s->state = 1;
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (strcmp(e.type, "IFCLOCALPLACEMENT"))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: %s is not supported as an object placement (IfcLocalPlacement is)",
                        (unsigned long long)id, e.type);
    uint64_t rel_to = step_ref(step_arg(&e, 0)), rel = step_ref(step_arg(&e, 1));
    if (!rel)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcLocalPlacement without RelativePlacement", (unsigned long long)id);
    ifc_mat local, parent;
    if ((rc = ifc_axis_placement(c, rel, &local)))
        return rc;
    if (rel_to) {
        if ((rc = placement_chain(c, rel_to, &parent, depth + 1)))
            return rc;
        ifc_mat_mul(&local, &parent, &local);
    }
    s = cache_slot(c, id); /* the table may have grown meanwhile */
    s->m = local;
    s->state = 2;
    *out = local;
    return IFC_OK;
}

int ifc_object_placement(ifc_ctx *c, uint64_t id, ifc_mat *out) { return placement_chain(c, id, out, 0); }
