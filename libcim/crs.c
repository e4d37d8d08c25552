/* crs.c: source CRS -> store CRS transforms for ingest, on PROJ.
 *
 * A transform is an optional pre-step done here (GCJ-02 / BD-09 -> WGS84, or
 * a local grid's inverse 2D Helmert -> its base CRS) followed by a PROJ
 * operation from the (pre-step's) source CRS to the store's EPSG code. Both
 * sides of the PROJ operation are normalised to x = easting / longitude, the
 * order GDAL hands us coordinates in (OAMS_TRADITIONAL_GIS_ORDER).
 *
 * Each transform owns its PJ_CONTEXT: PROJ objects are not safe to share
 * between threads, so a worker thread takes a clone. PROJ's log output is
 * captured per context (never printed) and becomes the error message. */
#include "crs_int.h"

#include "cim/crs.h"
#include "error_int.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* As PROJ's helmert.cpp computes it (DEG_TO_RAD / 3600), so rot agrees with
 * +theta to the last bit; M_PI is not in C17. */
#define ARCSEC_TO_RAD (0.017453292519943296 / 3600.0)
/* Points transformed per proj_trans_generic call; their input is kept so a
 * failure can name the coordinates that caused it. */
#define CHUNK_POINTS 256

enum prestep { PRE_NONE, PRE_GCJ02, PRE_BD09, PRE_HELMERT2D };

struct cim_transform {
    PJ_CONTEXT *ctx;
    PJ *op;                    /* NULL when PROJ's part is a no-op */
    enum prestep pre;
    cim_crs_helmert2d helmert; /* for PRE_HELMERT2D */
    int src_geographic;
    int dst_srid;
    char *src_spec;            /* copies of the constructor's arguments, for clone */
    char *src_wkt;
    char *src_name;
    char proj_msg[512];        /* first PROJ error logged since the last reset */
};

/* --- 2D Helmert (public helpers, formula in crs.h) ---------------------- */

void cim_crs_helmert2d_to_local(double *out_x, double *out_y, const cim_crs_helmert2d *h, double x, double y)
{
    double r = h->rot_arcsec * ARCSEC_TO_RAD, k = 1.0 + h->scale_ppm * 1e-6;
    double c = cos(r) * k, s = sin(r) * k;
    *out_x = c * x + s * y + h->dx;
    *out_y = -s * x + c * y + h->dy;
}

void cim_crs_helmert2d_to_base(double *out_x, double *out_y, const cim_crs_helmert2d *h, double x, double y)
{
    double r = h->rot_arcsec * ARCSEC_TO_RAD, k = 1.0 + h->scale_ppm * 1e-6;
    double c = cos(r) / k, s = sin(r) / k;
    double u = x - h->dx, v = y - h->dy;
    *out_x = c * u - s * v;
    *out_y = s * u + c * v;
}

/* --- small helpers ------------------------------------------------------- */

static char *dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static char *dup_printf(const char *fmt, const char *a)
{
    int n = snprintf(NULL, 0, fmt, a);
    char *d = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (d)
        snprintf(d, (size_t)n + 1, fmt, a);
    return d;
}

/* PROJ's logger for our contexts: keep the first error, drop the rest, so the
 * message names the root cause rather than its consequences. */
static void proj_log_capture(void *data, int level, const char *msg)
{
    cim_transform *t = data;
    if (level > PJ_LOG_ERROR || !msg || t->proj_msg[0] != '\0')
        return;
    /* "proj_create: crs not found" -> "crs not found": PROJ's API function
     * names mean nothing to a user (method names like "tmerc: " stay). */
    if (strncmp(msg, "proj_", 5) == 0) {
        size_t n = strspn(msg, "abcdefghijklmnopqrstuvwxyz_");
        if (strncmp(msg + n, ": ", 2) == 0)
            msg += n + 2;
    }
    snprintf(t->proj_msg, sizeof t->proj_msg, "%s", msg);
}

/* The best description of PROJ's last failure: its log line, else the
 * context's error number as text. */
static const char *proj_reason(cim_transform *t, int err)
{
    if (t->proj_msg[0] != '\0')
        return t->proj_msg;
    if (err == 0)
        err = proj_context_errno(t->ctx);
    const char *s = err ? proj_context_errno_string(t->ctx, err) : NULL;
    return s ? s : "unknown PROJ error";
}

/* The type of the horizontal CRS inside bound (+towgs84) and compound
 * (horizontal + vertical) CRSs, which is what decides degrees or metres. */
static PJ_TYPE horizontal_type(PJ_CONTEXT *ctx, const PJ *crs)
{
    PJ_TYPE type = proj_get_type(crs);
    PJ *inner = NULL;
    if (type == PJ_TYPE_BOUND_CRS)
        inner = proj_get_source_crs(ctx, crs);
    else if (type == PJ_TYPE_COMPOUND_CRS)
        inner = proj_crs_get_sub_crs(ctx, crs, 0);
    if (inner) {
        type = horizontal_type(ctx, inner);
        proj_destroy(inner);
    }
    return type;
}

static int is_geographic(PJ_CONTEXT *ctx, const PJ *crs)
{
    PJ_TYPE type = horizontal_type(ctx, crs);
    return type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS;
}

static int is_projected(PJ_CONTEXT *ctx, const PJ *crs)
{
    return horizontal_type(ctx, crs) == PJ_TYPE_PROJECTED_CRS;
}

/* "EPSG:4547" when the CRS carries an identifier, else its name, else the
 * text it was made from. */
static char *crs_display_name(const PJ *crs, const char *fallback)
{
    const char *auth = proj_get_id_auth_name(crs, 0), *code = proj_get_id_code(crs, 0);
    if (auth && code) {
        size_t n = strlen(auth) + strlen(code) + 2;
        char *s = malloc(n);
        if (s)
            snprintf(s, n, "%s:%s", auth, code);
        return s;
    }
    const char *name = proj_get_name(crs);
    if (name && name[0] != '\0' && strcmp(name, "unknown") != 0)
        return dup_str(name);
    return dup_str(fallback);
}

/* proj_create, plus: a bare PROJ string ("+proj=tmerc ...") describes an
 * operation unless it says +type=crs, but as a CRS spec the user always means
 * the CRS, so we add it rather than fail. Returns NULL (message in
 * t->proj_msg or the context's errno) when PROJ cannot make a CRS. */
static PJ *create_crs(cim_transform *t, const char *text)
{
    t->proj_msg[0] = '\0';
    PJ *obj = proj_create(t->ctx, text);
    if (!obj || proj_is_crs(obj))
        return obj;
    proj_destroy(obj);
    obj = NULL;
    if (strstr(text, "proj=") && !strstr(text, "type=crs")) {
        char *with_type = dup_printf("%s +type=crs", text);
        if (!with_type)
            return NULL;
        obj = proj_create(t->ctx, with_type);
        free(with_type);
        if (obj && !proj_is_crs(obj)) {
            proj_destroy(obj);
            obj = NULL;
        }
    }
    if (!obj && t->proj_msg[0] == '\0')
        snprintf(t->proj_msg, sizeof t->proj_msg, "not a coordinate reference system");
    return obj;
}

/* --- helmert2d spec parsing ------------------------------------------------ */

/* Length of the field starting at s: up to the next comma that begins a new
 * "key=" (letters then '='). Commas inside a value, as in a base PROJ string's
 * "+towgs84=1,2,3", are followed by digits and so stay in the value. */
static size_t field_len(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p != ',')
            continue;
        const char *q = p + 1;
        while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_')
            q++;
        if (q > p + 1 && *q == '=')
            return (size_t)(p - s);
    }
    return strlen(s);
}

static int parse_number(double *out, const char *val, size_t len, const char *key, const char *spec)
{
    char buf[64];
    char *end;
    if (len == 0 || len >= sizeof buf)
        goto bad;
    memcpy(buf, val, len);
    buf[len] = '\0';
    *out = strtod(buf, &end);
    if (*end == '\0' && isfinite(*out))
        return 0;
bad:
    return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                         "bad value for '%s' in source CRS '%s': expected a number", key, spec);
}

/* One "key=value" field of a helmert2d spec into h / *base. */
static int parse_helmert_field(cim_crs_helmert2d *h, char **base, const char *f, size_t len,
                               const char *spec)
{
    const char *eq = memchr(f, '=', len);
    if (!eq)
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                             "source CRS '%s': expected key=value, got '%.*s'", spec, (int)len, f);
    size_t klen = (size_t)(eq - f), vlen = len - klen - 1;
    const char *v = eq + 1;
    struct { const char *key; double *dst; } nums[] = {
        {"dx", &h->dx}, {"dy", &h->dy}, {"rot", &h->rot_arcsec}, {"scale", &h->scale_ppm}};
    if (klen == 4 && strncmp(f, "base", 4) == 0) {
        if (*base || vlen == 0)
            return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                                 "source CRS '%s': base= given twice or empty", spec);
        *base = malloc(vlen + 1);
        if (!*base)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        memcpy(*base, v, vlen);
        (*base)[vlen] = '\0';
        return 0;
    }
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (strlen(nums[i].key) == klen && strncmp(f, nums[i].key, klen) == 0)
            return parse_number(nums[i].dst, v, vlen, nums[i].key, spec);
    return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                         "source CRS '%s': unknown helmert2d parameter '%.*s' "
                         "(expected base, dx, dy, rot, scale)", spec, (int)klen, f);
}

/* "helmert2d:base=...,dx=...,dy=...,rot=...,scale=..." -> h and *base (the
 * caller's, malloc'd). */
static int parse_helmert2d(cim_crs_helmert2d *h, char **base, const char *spec)
{
    const char *s = spec + strlen("helmert2d:");
    memset(h, 0, sizeof *h);
    *base = NULL;
    while (*s) {
        size_t len = field_len(s);
        int rc = parse_helmert_field(h, base, s, len, spec);
        if (rc < 0) {
            free(*base);
            *base = NULL;
            return rc;
        }
        s += len;
        if (*s == ',')
            s++;
    }
    if (!*base)
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                             "source CRS '%s' has no base= CRS (e.g. base=EPSG:4547)", spec);
    if (!(h->scale_ppm > -1e6)) {
        free(*base);
        *base = NULL;
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                             "source CRS '%s': scale must be above -1e6 ppm", spec);
    }
    return 0;
}

/* --- building a transform -------------------------------------------------- */

static int src_from_helmert(cim_transform *t, PJ **src, const char *spec)
{
    char *base = NULL;
    int rc = parse_helmert2d(&t->helmert, &base, spec);
    if (rc < 0)
        return rc;
    *src = create_crs(t, base);
    if (!*src) {
        rc = cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ, "unknown base CRS '%s' in source CRS '%s': %s",
                           base, spec, proj_reason(t, 0));
    } else if (!is_projected(t->ctx, *src)) {
        rc = cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                           "source CRS '%s': base '%s' is not a projected CRS", spec, base);
    } else {
        char *bname = crs_display_name(*src, base);
        t->src_name = bname ? dup_printf("helmert2d(%s)", bname) : NULL;
        free(bname);
    }
    free(base);
    t->pre = PRE_HELMERT2D;
    return rc;
}

/* Makes *src, the CRS PROJ transforms from, and sets the pre-step and the
 * source's name and kind. */
static int resolve_source(cim_transform *t, PJ **src, const char *spec, const char *wkt)
{
    *src = NULL;
    if (spec && (strcasecmp(spec, "gcj02") == 0 || strcasecmp(spec, "bd09") == 0)) {
        int bd = strcasecmp(spec, "bd09") == 0;
        t->pre = bd ? PRE_BD09 : PRE_GCJ02;
        t->src_name = dup_str(bd ? "bd09" : "gcj02");
        t->src_geographic = 1;
        *src = create_crs(t, "EPSG:4326");
        if (!*src)
            return cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ, "cannot create EPSG:4326 for '%s': %s",
                                 spec, proj_reason(t, 0));
        return 0;
    }
    if (spec && strncasecmp(spec, "helmert2d:", strlen("helmert2d:")) == 0)
        return src_from_helmert(t, src, spec);
    *src = create_crs(t, spec ? spec : wkt);
    if (!*src) {
        if (spec)
            return cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ, "unknown source CRS '%s': %s", spec,
                                 proj_reason(t, 0));
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ,
                             "the source's CRS (WKT) is not usable: %s; give --s-srs",
                             proj_reason(t, 0));
    }
    t->src_geographic = is_geographic(t->ctx, *src);
    t->src_name = crs_display_name(*src, spec ? spec : "unnamed CRS");
    return 0;
}

/* A normalised operation whose definition is "proj=noop" moves nothing: the
 * CRSs are the same (or PROJ knows no datum shift between them and uses a
 * null one), so ingest can skip the points. */
static int is_noop(PJ *op)
{
    PJ_PROJ_INFO info = proj_pj_info(op);
    return info.definition && strncmp(info.definition, "proj=noop", 9) == 0;
}

static int build_operation(cim_transform *t, PJ *src)
{
    char dst_text[32];
    snprintf(dst_text, sizeof dst_text, "EPSG:%d", t->dst_srid);
    PJ *dst = create_crs(t, dst_text);
    if (!dst)
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ, "unknown store CRS '%s': %s", dst_text,
                             proj_reason(t, 0));
    t->proj_msg[0] = '\0';
    PJ *op = proj_create_crs_to_crs_from_pj(t->ctx, src, dst, NULL, NULL);
    proj_destroy(dst);
    PJ *norm = op ? proj_normalize_for_visualization(t->ctx, op) : NULL;
    proj_destroy(op);
    if (!norm)
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ, "no transformation from %s to %s: %s",
                             t->src_name ? t->src_name : "the source CRS", dst_text,
                             proj_reason(t, 0));
    if (is_noop(norm)) {
        proj_destroy(norm);
        norm = NULL;
    }
    t->op = norm;
    return 0;
}

int cim_transform_new(cim_transform **out, const char *src_spec, const char *src_wkt, int dst_srid)
{
    if (!out)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "cim_transform_new: out is NULL");
    *out = NULL;
    if (!src_spec && !src_wkt)
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_ARG,
                             "the source has no CRS; give one with --s-srs (e.g. EPSG:4326, gcj02)");
    cim_transform *t = calloc(1, sizeof *t);
    if (!t || !(t->ctx = proj_context_create())) {
        free(t);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "cannot create a PROJ context");
    }
    proj_log_func(t->ctx, t, proj_log_capture);
    t->dst_srid = dst_srid;
    t->src_spec = dup_str(src_spec);
    t->src_wkt = dup_str(src_wkt);
    if ((src_spec && !t->src_spec) || (src_wkt && !t->src_wkt)) {
        cim_transform_free(t);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    PJ *src = NULL;
    int rc = resolve_source(t, &src, src_spec, src_wkt);
    if (rc == 0 && !t->src_name)
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    if (rc == 0)
        rc = build_operation(t, src);
    proj_destroy(src);
    if (rc < 0) {
        cim_transform_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void cim_transform_free(cim_transform *t)
{
    if (!t)
        return;
    proj_destroy(t->op);
    if (t->ctx)
        proj_context_destroy(t->ctx);
    free(t->src_spec);
    free(t->src_wkt);
    free(t->src_name);
    free(t);
}

/* Rebuilt from the original arguments in a fresh context: PJ objects cannot
 * move between contexts, and building is cheap next to an ingest. */
int cim_transform_clone(cim_transform **out, const cim_transform *t)
{
    if (!out || !t) {
        if (out)
            *out = NULL;
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "cim_transform_clone: NULL argument");
    }
    return cim_transform_new(out, t->src_spec, t->src_wkt, t->dst_srid);
}

int cim_transform_is_identity(const cim_transform *t)
{
    return t && t->pre == PRE_NONE && t->op == NULL;
}

int cim_transform_src_is_geographic(const cim_transform *t)
{
    return t && t->src_geographic;
}

const char *cim_transform_src_name(const cim_transform *t)
{
    return t ? t->src_name : NULL;
}

/* --- transforming points ----------------------------------------------------- */

static void apply_prestep(const cim_transform *t, double *xy, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        double *p = xy + i * stride;
        switch (t->pre) {
        case PRE_GCJ02: cim_crs_gcj02_to_wgs84(&p[0], &p[1], p[0], p[1]); break;
        case PRE_BD09: cim_crs_bd09_to_wgs84(&p[0], &p[1], p[0], p[1]); break;
        case PRE_HELMERT2D: cim_crs_helmert2d_to_base(&p[0], &p[1], &t->helmert, p[0], p[1]); break;
        case PRE_NONE: break;
        }
    }
}

static int point_failed(cim_transform *t, size_t index, const double *orig, size_t *bad_index)
{
    if (bad_index)
        *bad_index = index;
    int err = t->op ? proj_errno(t->op) : 0;
    const char *why = (t->op && (t->proj_msg[0] != '\0' || err)) ? proj_reason(t, err)
                                                                  : "the result is not a finite number";
    return cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ,
                         "point %zu (%.10g, %.10g) cannot be transformed from %s to EPSG:%d: %s",
                         index, orig[0], orig[1], t->src_name, t->dst_srid, why);
}

/* One chunk of at most CHUNK_POINTS points; base is the index of its first. */
static int transform_chunk(cim_transform *t, double *xy, size_t n, size_t stride, size_t base,
                           size_t *bad_index)
{
    double orig[2 * CHUNK_POINTS];
    for (size_t i = 0; i < n; i++) {
        orig[2 * i] = xy[i * stride];
        orig[2 * i + 1] = xy[i * stride + 1];
    }
    apply_prestep(t, xy, n, stride);
    if (t->op) {
        size_t step = stride * sizeof(double);
        t->proj_msg[0] = '\0';
        proj_errno_reset(t->op);
        proj_trans_generic(t->op, PJ_FWD, xy, step, n, xy + 1, step, n, NULL, 0, 0, NULL, 0, 0);
    }
    /* PROJ marks a failed point with HUGE_VAL rather than failing the call;
     * NaN input or a pre-step overflow shows up the same way. */
    for (size_t i = 0; i < n; i++)
        if (!isfinite(xy[i * stride]) || !isfinite(xy[i * stride + 1]))
            return point_failed(t, base + i, orig + 2 * i, bad_index);
    return 0;
}

int cim_transform_points(cim_transform *t, double *xy, size_t n, size_t stride, size_t *bad_index)
{
    if (!t || (n > 0 && !xy) || stride < 2)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "cim_transform_points: NULL transform or points, or stride < 2");
    for (size_t done = 0; done < n; done += CHUNK_POINTS) {
        size_t m = n - done < CHUNK_POINTS ? n - done : CHUNK_POINTS;
        int rc = transform_chunk(t, xy + done * stride, m, stride, done, bad_index);
        if (rc < 0)
            return rc;
    }
    return 0;
}
