/* ifc_georef.c: where the project's world coordinates lie on a map.
 *
 * Best first: IfcMapConversion with its IfcProjectedCRS; IfcSite
 * RefLatitude/RefLongitude with the context's TrueNorth (a local transverse
 * Mercator at the site); the caller's override. An override wins when given.
 * IfcMapConversion.Scale must turn project units into map units: files in
 * the wild leave it empty (meaning 1) with millimetre units, which would put
 * the building a thousand times too large. A Scale more than 10 % away from
 * the unit ratio is replaced by the ratio, and the method says so. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ifc_int.h"

static char *dupf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
#include <stdarg.h>
static char *dupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void set_rotation(ifc_georef *g, double theta)
{
    g->cos_t = cos(theta);
    g->sin_t = sin(theta);
}

static int parse_override(ifc_ctx *c, const char *spec, ifc_georef *g)
{
    const char *at = strchr(spec, '@');
    double v[3] = {0, 0, 0};
    int n = 0;
    const char *nums = at ? at + 1 : spec;
    char *end = NULL;
    for (const char *p = nums; n < 3; n++) {
        v[n] = strtod(p, &end);
        if (end == p || !isfinite(v[n]))
            break;
        p = end;
        if (*p == ',')
            p++;
        else {
            n++;
            break;
        }
    }
    if (n < 2 || (end && *end))
        return ifc_fail(c, IFC_EINVALID,
                        "--georef '%s': give CRS@EASTING,NORTHING[,ROTATION_DEG] (e.g. EPSG:4547@500000,2500000) or "
                        "LAT,LON[,ROTATION_DEG]",
                        spec);
    g->quality = 1;
    g->scale = 1;
    set_rotation(g, v[2] * M_PI / 180.0);
    if (at) {
        g->crs = dupf("%.*s", (int)(at - spec), spec);
        g->e0 = v[0];
        g->n0 = v[1];
        g->method = dupf("--georef override: project origin at %.3f, %.3f in %s, x axis %.6g deg from east", v[0],
                         v[1], g->crs, v[2]);
    } else {
        if (fabs(v[0]) > 90 || fabs(v[1]) > 180)
            return ifc_fail(c, IFC_EINVALID, "--georef '%s': latitude %g or longitude %g out of range", spec, v[0], v[1]);
        g->crs = dupf("+proj=tmerc +lat_0=%.10f +lon_0=%.10f +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs", v[0],
                      v[1]);
        g->method = dupf("--georef override: project origin at latitude %.8f, longitude %.8f, x axis %.6g deg from east",
                         v[0], v[1], v[2]);
    }
    return IFC_OK;
}

/* map = (E, N) + (Scale / mpu) * R(atan2(b, a)) * world metres, with the
 * Scale checked against the length unit. */
static int set_conversion(ifc_ctx *c, ifc_georef *g, const char *label, const char *name, double east, double north,
                          double a, double b, double scale)
{
    g->crs = strncmp(name, "urn:", 4) && strncmp(name, "EPSG", 4) && strspn(name, "0123456789") == strlen(name)
                 ? dupf("EPSG:%s", name)
                 : dupf("%s", name);
    g->e0 = east;
    g->n0 = north;
    set_rotation(g, atan2(b, a));
    g->quality = 3;
    char why[160];
    if (isnan(scale)) {
        g->scale = 1;
        snprintf(why, sizeof why, "Scale absent: the length unit ratio %g used", c->mpu);
    } else if (scale > 0 && fabs(scale / c->mpu - 1) <= 0.1) {
        g->scale = scale / c->mpu;
        snprintf(why, sizeof why, "Scale %g", scale);
    } else {
        g->scale = 1;
        snprintf(why, sizeof why, "Scale %g disagrees with the length unit ratio %g: the ratio used", scale, c->mpu);
    }
    g->method = dupf("%s to %s (%s)", label, g->crs, why);
    return IFC_OK;
}

static int map_conversion(ifc_ctx *c, ifc_georef *g)
{
    uint64_t *ids = NULL;
    size_t n = step_ids_of_type(c->f, "IFCMAPCONVERSION", &ids);
    if (!n) {
        free(ids);
        return 1;
    }
    uint64_t id = ids[0];
    free(ids);
    step_entity e;
    int rc = ifc_get(c, id, &e);
    if (rc)
        return rc;
    double east, north, a = 1, b = 0, scale = NAN;
    if (step_number(step_arg(&e, 2), &east) || step_number(step_arg(&e, 3), &north))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: IfcMapConversion without Eastings and Northings",
                        (unsigned long long)id);
    if (!step_number(step_arg(&e, 5), &a) && !step_number(step_arg(&e, 6), &b) && hypot(a, b) < 1e-12)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: XAxisAbscissa and XAxisOrdinate are both 0", (unsigned long long)id);
    step_number(step_arg(&e, 7), &scale);
    uint64_t crs = step_ref(step_arg(&e, 1));
    step_entity ce;
    if (!crs || (rc = ifc_get(c, crs, &ce)))
        return crs ? rc
                   : ifc_fail(c, IFC_EFORMAT, "#%llu: IfcMapConversion without a TargetCRS", (unsigned long long)id);
    const char *name = step_text(step_arg(&ce, 0));
    if (!name || !*name)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: %s without a Name (e.g. 'EPSG:4547')", (unsigned long long)crs, ce.type);
    char label[64];
    snprintf(label, sizeof label, "IfcMapConversion #%llu", (unsigned long long)id);
    return set_conversion(c, g, label, name, east, north, a, b, scale);
}

/* IFC2X3 has no IfcMapConversion: the same values travel in the property
 * sets ePSet_MapConversion and ePSet_ProjectedCRS (buildingSMART's user
 * guide for georeferencing, level 50 in IFC2X3). */
static int pset_value(ifc_ctx *c, const step_value *props, const char *name, double *num, char *text, size_t len)
{
    for (size_t i = 0; props->kind == STEP_LIST && i < props->n; i++) {
        uint64_t pid = step_ref(&props->items[i]);
        step_entity p;
        if (!pid || !ifc_is(c, pid, "IFCPROPERTYSINGLEVALUE") || ifc_get(c, pid, &p))
            continue;
        const char *pn = step_text(step_arg(&p, 0));
        if (!pn || strcasecmp(pn, name))
            continue;
        const step_value *v = step_arg(&p, 2);
        if (num && !step_number(v, num))
            return 1;
        if (text && step_text(v)) {
            snprintf(text, len, "%s", step_text(v));
            return 1;
        }
    }
    return 0;
}

static int pset_conversion(ifc_ctx *c, ifc_georef *g)
{
    uint64_t *ids = NULL;
    size_t n = step_ids_of_type(c->f, "IFCPROPERTYSET", &ids);
    uint64_t mc = 0, crs = 0;
    for (size_t i = 0; i < n && (!mc || !crs); i++) {
        step_entity e;
        if (ifc_get(c, ids[i], &e))
            break;
        const char *name = step_text(step_arg(&e, 2));
        if (name && !strcasecmp(name, "ePSet_MapConversion") && !mc)
            mc = ids[i];
        else if (name && !strcasecmp(name, "ePSet_ProjectedCRS") && !crs)
            crs = ids[i];
    }
    free(ids);
    if (!mc)
        return 1;
    step_entity e, ce;
    int rc;
    if ((rc = ifc_get(c, mc, &e)))
        return rc;
    double east, north, a = 1, b = 0, scale = NAN;
    if (!pset_value(c, step_arg(&e, 4), "Eastings", &east, NULL, 0) ||
        !pset_value(c, step_arg(&e, 4), "Northings", &north, NULL, 0))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: ePSet_MapConversion without Eastings and Northings",
                        (unsigned long long)mc);
    pset_value(c, step_arg(&e, 4), "XAxisAbscissa", &a, NULL, 0);
    pset_value(c, step_arg(&e, 4), "XAxisOrdinate", &b, NULL, 0);
    pset_value(c, step_arg(&e, 4), "Scale", &scale, NULL, 0);
    if (hypot(a, b) < 1e-12)
        return ifc_fail(c, IFC_EFORMAT, "#%llu: XAxisAbscissa and XAxisOrdinate are both 0", (unsigned long long)mc);
    char crsname[128] = "";
    if (!crs || (rc = ifc_get(c, crs, &ce)) || !pset_value(c, step_arg(&ce, 4), "Name", NULL, crsname, sizeof crsname))
        return ifc_fail(c, IFC_EFORMAT, "#%llu: ePSet_MapConversion without an ePSet_ProjectedCRS Name (e.g. 'EPSG:4547')",
                        (unsigned long long)mc);
    char label[96];
    snprintf(label, sizeof label, "ePSet_MapConversion #%llu / ePSet_ProjectedCRS #%llu", (unsigned long long)mc,
             (unsigned long long)crs);
    return set_conversion(c, g, label, crsname, east, north, a, b, scale);
}

/* IfcCompoundPlaneAngleMeasure: degrees, minutes, seconds, millionths; one sign. */
static int compound_angle(const step_value *v, double *out)
{
    if (v->kind != STEP_LIST || v->n < 3)
        return -1;
    double p[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < v->n && i < 4; i++)
        if (step_number(&v->items[i], &p[i]))
            return -1;
    *out = p[0] + p[1] / 60 + (p[2] + p[3] / 1e6) / 3600;
    return isfinite(*out) ? 0 : -1;
}

static double true_north(ifc_ctx *c, char *note, size_t len)
{
    uint64_t *ids = NULL;
    size_t n = step_ids_of_type(c->f, "IFCGEOMETRICREPRESENTATIONCONTEXT", &ids);
    double theta = 0;
    snprintf(note, len, "no TrueNorth: project y is north");
    for (size_t i = 0; i < n; i++) {
        step_entity e;
        if (ifc_get(c, ids[i], &e))
            break;
        uint64_t d = step_ref(step_arg(&e, 5));
        step_entity de;
        if (!d || ifc_get(c, d, &de))
            continue;
        const step_value *l = step_arg(&de, 0);
        double tx, ty;
        if (l->kind != STEP_LIST || l->n < 2 || step_number(&l->items[0], &tx) || step_number(&l->items[1], &ty) ||
            hypot(tx, ty) < 1e-12)
            continue;
        theta = M_PI / 2 - atan2(ty, tx);
        snprintf(note, len, "TrueNorth #%llu (%g, %g)", (unsigned long long)d, tx, ty);
        break;
    }
    free(ids);
    return theta;
}

static int site_latlon(ifc_ctx *c, ifc_georef *g)
{
    uint64_t *ids = NULL;
    size_t n = step_ids_of_type(c->f, "IFCSITE", &ids);
    int rc = 1;
    for (size_t i = 0; i < n && rc == 1; i++) {
        step_entity e;
        if ((rc = ifc_get(c, ids[i], &e)))
            break;
        double lat, lon;
        if (compound_angle(step_arg(&e, 9), &lat) || compound_angle(step_arg(&e, 10), &lon)) {
            rc = 1;
            continue;
        }
        if ((lat == 0 && lon == 0) || fabs(lat) > 90 || fabs(lon) > 180) {
            rc = 1; /* 0,0 is the exporters' placeholder */
            continue;
        }
        char note[128];
        double theta = true_north(c, note, sizeof note);
        g->crs = dupf("+proj=tmerc +lat_0=%.10f +lon_0=%.10f +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs", lat,
                      lon);
        g->e0 = g->n0 = 0;
        g->scale = 1;
        set_rotation(g, theta);
        g->quality = 2;
        g->method = dupf("IfcSite #%llu RefLatitude/RefLongitude %.8f, %.8f at the project origin; %s",
                         (unsigned long long)ids[i], lat, lon, note);
        rc = IFC_OK;
    }
    free(ids);
    return rc;
}

int ifc_find_georef(ifc_ctx *c, const ifc_options *o, ifc_georef *out)
{
    memset(out, 0, sizeof *out);
    if (o->georef)
        return parse_override(c, o->georef, out);
    int rc = map_conversion(c, out);
    if (rc != 1)
        return rc;
    rc = pset_conversion(c, out);
    if (rc != 1)
        return rc;
    rc = site_latlon(c, out);
    if (rc != 1)
        return rc;
    return ifc_fail(c, IFC_EGEOREF,
                    "nothing places the model on a map (no IfcMapConversion, no IfcSite RefLatitude/RefLongitude): "
                    "give --georef CRS@EASTING,NORTHING[,ROT] or --georef LAT,LON[,ROT]");
}
