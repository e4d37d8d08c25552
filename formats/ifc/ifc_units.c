/* ifc_units.c: the project's length, area and plane angle units from
 * IfcProject.UnitsInContext. An SI prefix or unit name that is not in the
 * standard is an error naming the unit's #id: guessing would scale the
 * whole building by a wrong factor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_int.h"

static int si_prefix(const char *p, double *out)
{
    static const struct {
        const char *name;
        double f;
    } t[] = {{"EXA", 1e18},   {"PETA", 1e15}, {"TERA", 1e12},  {"GIGA", 1e9},   {"MEGA", 1e6},
             {"KILO", 1e3},   {"HECTO", 1e2}, {"DECA", 1e1},   {"DECI", 1e-1},  {"CENTI", 1e-2},
             {"MILLI", 1e-3}, {"MICRO", 1e-6}, {"NANO", 1e-9}, {"PICO", 1e-12}, {"FEMTO", 1e-15},
             {"ATTO", 1e-18}};
    if (!p) {
        *out = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(p, t[i].name)) {
            *out = t[i].f;
            return 0;
        }
    return -1;
}

/* The SI factor of unit #id for its kind (LENGTHUNIT etc.), with a description. */
static int unit_factor(ifc_ctx *c, uint64_t id, const char *kind, double *f, char *desc, size_t len, int depth)
{
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    if (depth > 4)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: unit definitions refer to each other in a cycle", (unsigned long long)id);
    if (!strcmp(e.type, "IFCSIUNIT")) {
        const char *prefix = step_text(step_arg(&e, 2)), *name = step_text(step_arg(&e, 3));
        double p;
        if (si_prefix(prefix, &p))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: unknown SI prefix .%s. of a %s", (unsigned long long)id, prefix, kind);
        const char *want = !strcmp(kind, "LENGTHUNIT") ? "METRE" : !strcmp(kind, "AREAUNIT") ? "SQUARE_METRE" : "RADIAN";
        if (!name || strcmp(name, want))
            return ifc_fail(c, IFC_EFORMAT, "#%llu: a %s named .%s. (expected .%s.)", (unsigned long long)id, kind,
                            name ? name : "$", want);
        *f = !strcmp(kind, "AREAUNIT") ? p * p : p;
        snprintf(desc, len, "IfcSIUnit #%llu %s%s%s", (unsigned long long)id, prefix ? prefix : "", prefix ? " " : "",
                 name);
        return IFC_OK;
    }
    if (!strncmp(e.type, "IFCCONVERSIONBASEDUNIT", 22)) {
        const char *name = step_text(step_arg(&e, 2));
        uint64_t mw = step_ref(step_arg(&e, 3));
        step_entity m;
        double v, sub;
        char subdesc[128];
        if (!mw || (rc = ifc_get(c, mw, &m)))
            return mw ? rc
                      : ifc_fail(c, IFC_EFORMAT, "#%llu: IfcConversionBasedUnit without a ConversionFactor",
                                 (unsigned long long)id);
        uint64_t uc = step_ref(step_arg(&m, 1));
        if (step_number(step_arg(&m, 0), &v) || !(v > 0) || !isfinite(v) || !uc)
            return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcMeasureWithUnit without a positive value and unit",
                            (unsigned long long)mw);
        if ((rc = unit_factor(c, uc, kind, &sub, subdesc, sizeof subdesc, depth + 1)))
            return rc;
        *f = v * sub;
        snprintf(desc, len, "IfcConversionBasedUnit #%llu '%s' = %g x %s", (unsigned long long)id, name ? name : "",
                 v, subdesc);
        return IFC_OK;
    }
    return ifc_fail(c, IFC_EFORMAT, "#%llu: a %s of kind %s cannot be converted to SI", (unsigned long long)id, kind,
                    e.type);
}

int ifc_read_units(ifc_ctx *c, char **unit_source)
{
    uint64_t *ids = NULL;
    size_t n = step_ids_of_type(c->f, "IFCPROJECT", &ids);
    if (!n) {
        free(ids);
        return ifc_fail(c, IFC_EFORMAT, "no IfcProject: not an IFC model");
    }
    uint64_t pid = ids[0];
    free(ids);
    step_entity p;
    int rc = ifc_get(c, pid, &p);
    if (rc)
        return rc;
    uint64_t ua = step_ref(step_arg(&p, 8));
    step_entity u;
    if (!ua)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcProject without UnitsInContext", (unsigned long long)pid);
    if ((rc = ifc_get(c, ua, &u)))
        return rc;
    const step_value *l = step_arg(&u, 0);
    size_t nu = l->kind == STEP_LIST ? l->n : 0;
    uint64_t uids[64];
    if (nu > 64)
        nu = 64;
    for (size_t i = 0; i < nu; i++)
        uids[i] = step_ref(&l->items[i]);
    int have_len = 0, have_area = 0;
    c->rad_per_angle = 1;
    for (size_t i = 0; i < nu; i++) {
        step_entity e;
        if (!uids[i])
            continue;
        if ((rc = ifc_get(c, uids[i], &e)))
            return rc;
        const char *kind = step_text(step_arg(&e, 1));
        if (!kind || (strcmp(kind, "LENGTHUNIT") && strcmp(kind, "AREAUNIT") && strcmp(kind, "PLANEANGLEUNIT")))
            continue;
        char k[24], desc[256];
        snprintf(k, sizeof k, "%s", kind);
        double f;
        if ((rc = unit_factor(c, uids[i], k, &f, desc, sizeof desc, 0)))
            return rc;
        if (!strcmp(k, "LENGTHUNIT")) {
            c->mpu = f;
            have_len = 1;
            free(*unit_source);
            *unit_source = strdup(desc);
        } else if (!strcmp(k, "AREAUNIT")) {
            c->area_factor = f;
            have_area = 1;
        } else {
            c->rad_per_angle = f;
        }
    }
    if (!have_len)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcUnitAssignment has no LENGTHUNIT", (unsigned long long)ua);
    if (!have_area)
        c->area_factor = c->mpu * c->mpu;
    return IFC_OK;
}
