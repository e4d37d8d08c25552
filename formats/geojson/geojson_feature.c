/* geojson_feature.c: one Feature object of the features array. The schema
 * pass checks everything GDAL treats specially, feeds each property value to
 * the schema (geojson_schema.c) and each geometry's type and Z to the layer;
 * the feature pass decodes the values into the reader's output slots,
 * converted as GDAL converts them for the field's final type, and the
 * geometry into WKB (geojson_geom.c). */
#include "geojson_int.h"

#include <inttypes.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Property values                                                           */
/* ------------------------------------------------------------------------ */

/* Scans one property value: scalars only (GDAL turns arrays into list fields
 * and objects into JSON strings, which we leave to GDAL). */
static int scan_value(gj_reader *r, gj_val *v, const char *key, size_t klen)
{
    skip_ws(r);
    if (r->p >= r->end) return gj_fail(r, GJ_ERROR, r->p, "unexpected end of file, expected a value");
    switch (*r->p) {
    case '"':
        v->kind = V_STRING;
        return gj_scan_string(r, &v->str);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        TRY(gj_scan_number(r, &v->num));
        if (v->num.is_int) {
            if (!num_int64(&v->num, &v->i))
                return gj_fail(r, GJ_UNSUPPORTED, v->num.s, "property \"%.*s\": integer does not fit in "
                               "64 bits (GDAL clamps it)", (int)klen, key);
            v->kind = V_INT;
            return GJ_OK;
        }
        v->kind = V_REAL;
        return GJ_OK;
    case '[':
        return gj_fail(r, GJ_UNSUPPORTED, r->p, "property \"%.*s\" is an array (GDAL makes a list field)",
                       (int)klen, key);
    case '{':
        return gj_fail(r, GJ_UNSUPPORTED, r->p, "property \"%.*s\" is an object (GDAL makes a JSON "
                       "string field)", (int)klen, key);
    default:
        return gj_scan_literal(r, &v->kind, &v->b);
    }
}

/* json-c's rendering of a double (json_object_get_string), which GDAL stores
 * in String fields: %.17g, with ".0" added when it looks like an integer. */
static size_t format_double(gj_reader *r, double d, char *buf, size_t size)
{
    locale_t old = (locale_t)0;
    char *c;
    size_t n;
    if (r->cloc) old = uselocale(r->cloc);
    n = (size_t)snprintf(buf, size, "%.17g", d);
    if (r->cloc) uselocale(old);
    if ((c = strchr(buf, ',')) != NULL) *c = '.';
    if (!strchr(buf, '.') && !strchr(buf, 'e') &&
        (is_digit((unsigned char)buf[0]) || (buf[0] == '-' && is_digit((unsigned char)buf[1]))) &&
        n + 2 < size) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    return n;
}

/* Appends a NUL-terminated string to the feature's arena; returns its offset
 * (the arena may move while the feature is decoded, so offsets are kept). */
static int arena_add(gj_reader *r, const char *s, size_t n, const gj_span *sp, size_t *off, size_t *len)
{
    size_t need = (sp ? sp->len : n) + 1;
    TRY(gj_grow(r, (void **)&r->arena, &r->arena_cap, r->arena_len + need, 1));
    *off = r->arena_len;
    if (sp) *len = gj_unescape(sp, r->arena + r->arena_len);
    else {
        memcpy(r->arena + r->arena_len, s, n);
        r->arena[r->arena_len + n] = '\0';
        *len = n;
    }
    r->arena_len += *len + 1;
    return GJ_OK;
}

/* Stores a value into the output slot of its field, converted as GDAL's
 * OGRGeoJSONReaderSetField() does for the field's final type. */
static int value_store(gj_reader *r, const gj_field *f, size_t pos, const gj_val *v)
{
    gj_value *o = &r->values[pos];
    char buf[64];
    size_t n;
    if (v->kind == V_NULL) return GJ_OK;
    o->is_null = 0;
    switch (f->type) {
    case T_INTEGER:
    case T_INTEGER64:
        o->i = v->kind == V_BOOL ? v->b : v->i;
        o->d = (double)o->i;
        return GJ_OK;
    case T_REAL:
        if (v->kind == V_BOOL) o->d = v->b;
        else if (v->kind == V_INT) o->d = (double)v->i;
        else TRY(gj_num_double(r, &v->num, &o->d));
        return GJ_OK;
    default:
        if (v->kind == V_STRING) return arena_add(r, NULL, 0, &v->str, &r->stroff[pos], &o->slen);
        if (v->kind == V_BOOL) return arena_add(r, v->b ? "true" : "false", v->b ? 4 : 5, NULL,
                                                &r->stroff[pos], &o->slen);
        if (v->kind == V_INT) n = (size_t)snprintf(buf, sizeof buf, "%" PRId64, v->i);
        else {
            double d;
            TRY(gj_num_double(r, &v->num, &d));
            n = format_double(r, d, buf, sizeof buf);
        }
        return arena_add(r, buf, n, NULL, &r->stroff[pos], &o->slen);
    }
}

/* Reads a "properties" object: in the schema pass infers the fields, in the
 * feature pass fills the values. */
static int parse_properties(gj_reader *r, int mode)
{
    int empty, more = 1, prev = -1;
    size_t k = 0;
    TRY(gj_open_object(r, &empty));
    if (empty) return GJ_OK;
    while (more) {
        const char *key;
        size_t klen;
        gj_span ks;
        gj_val v;
        int fi;
        const unsigned char *at = r->p;
        TRY(gj_scan_key(r, &key, &klen, &ks));
        TRY(scan_value(r, &v, key, klen));
        if (mode == MODE_SCAN) {
            if (klen == 0 || ks.nul)
                return gj_fail(r, GJ_UNSUPPORTED, at, "property name is empty or contains \\u0000");
            if (v.kind == V_STRING && v.str.nul)
                return gj_fail(r, GJ_UNSUPPORTED, v.str.s, "property \"%.*s\" contains \\u0000 (GDAL "
                               "truncates the string there)", (int)klen, key);
            if (v.kind == V_REAL) TRY(gj_num_check(r, &v.num));
            TRY(gj_schema_property(r, k, key, klen, &v, at, &prev));
        } else {
            TRY(gj_field_lookup(r, k, key, klen, 0, &fi));
            TRY(value_store(r, &r->fields[fi], r->pos_of[fi], &v));
        }
        k++;
        TRY(next_member(r, &more));
    }
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Features                                                                  */
/* ------------------------------------------------------------------------ */

/* The feature-level "id": GDAL uses a non-negative integer as the FID; any
 * other id (string, negative, fractional) becomes an "id" field. */
static int check_feature_id(gj_reader *r)
{
    gj_val v;
    const unsigned char *at;
    skip_ws(r);
    at = r->p;
    if (r->p < r->end && (*r->p == '{' || *r->p == '['))
        return gj_fail(r, GJ_UNSUPPORTED, at, "feature \"id\" is an object or array");
    TRY(scan_value(r, &v, "id", 2));
    if (v.kind == V_NULL) return GJ_OK;
    if (v.kind == V_INT && v.i >= 0) return GJ_OK;
    return gj_fail(r, GJ_UNSUPPORTED, at, "feature \"id\" is %s, not a non-negative integer (GDAL turns "
                   "it into an \"id\" field)", v.kind == V_STRING ? "a string" : v.kind == V_INT ?
                   "negative" : v.kind == V_REAL ? "not an integer" : "a boolean");
}

/* OGRGeoJSONUpdateLayerGeomType(): the first geometry sets the layer type;
 * the same type with or without Z keeps it (a Z variant makes the layer 3D,
 * which is gj_has_z()); any other type makes it Unknown for good. */
static void layer_type_update(gj_reader *r, int type)
{
    if (r->first_geom) {
        r->layer_type = type;
        r->first_geom = 0;
    } else if (type != r->layer_type) {
        r->layer_type = G_UNKNOWN;
    }
}

/* A feature's "geometry" member: null, or a geometry object. */
static int parse_geometry(gj_reader *r, int mode, int *is_null)
{
    gj_geom g;
    skip_ws(r);
    if (r->p + 4 <= r->end && memcmp(r->p, "null", 4) == 0) {
        r->p += 4;
        *is_null = 1;
        return GJ_OK;
    }
    if (r->p >= r->end || *r->p != '{')
        return gj_fail_kind(r, "\"geometry\" is neither an object nor null (GDAL reads a null geometry)");
    *is_null = 0;
    memset(&g, 0, sizeof g);
    g.mode = mode;
    g.dimz = r->cur_z;
    TRY(gj_geom_object(r, &g, 0));
    if (mode == MODE_SCAN) {
        if (g.anyz) {
            r->has_z = 1;
            r->zbits[r->cur >> 3] |= (unsigned char)(1u << (r->cur & 7));
        }
        layer_type_update(r, g.type);
    }
    return GJ_OK;
}

/* Reads one Feature object. The schema pass checks everything GDAL treats
 * specially; the feature pass trusts it and only decodes. */
int gj_parse_feature(gj_reader *r, int mode)
{
    static const char *const reserved[] = { "type", "properties", "geometry", "id", "bbox", NULL };
    int empty, more = 1, seen_type = 0, seen_props = 0, seen_geom = 0, others = 0;
    const unsigned char *obj;
    skip_ws(r);
    obj = r->p;
    if (r->p < r->end && *r->p != '{') {
        if (r->p + 4 <= r->end && memcmp(r->p, "null", 4) == 0)
            return gj_fail(r, GJ_UNSUPPORTED, r->p, "null in the features array (GDAL skips it)");
        return gj_fail(r, GJ_UNSUPPORTED, r->p, "element of the features array is not an object (GDAL "
                       "skips it)");
    }
    TRY(gj_open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks;
        const unsigned char *at = r->p;
        TRY(gj_scan_key(r, &k, &kl, &ks));
        if (key_is(k, kl, "properties")) {
            if (seen_props++) return gj_fail(r, GJ_UNSUPPORTED, at, "feature has two \"properties\" members");
            skip_ws(r);
            if (r->p + 4 <= r->end && memcmp(r->p, "null", 4) == 0) r->p += 4;
            else if (r->p < r->end && *r->p == '[') {
                int e;
                TRY(gj_open_array(r, &e, "'['"));
                if (!e) return gj_fail_kind(r, "\"properties\" is a non-empty array");
            } else if (r->p < r->end && *r->p == '{') {
                TRY(parse_properties(r, mode));
            } else {
                return gj_fail_kind(r, "\"properties\" is not an object (GDAL makes a field of it)");
            }
        } else if (key_is(k, kl, "geometry")) {
            int is_null = 1;
            if (seen_geom++) return gj_fail(r, GJ_UNSUPPORTED, at, "feature has two \"geometry\" members");
            if (mode == MODE_EMIT) r->wkb_len = 0;
            TRY(parse_geometry(r, mode, &is_null));
            if (mode == MODE_EMIT && is_null) r->wkb_len = 0;
        } else if (key_is(k, kl, "type")) {
            gj_span ts;
            const char *t;
            size_t tl;
            if (seen_type++) return gj_fail(r, GJ_UNSUPPORTED, at, "feature has two \"type\" members");
            skip_ws(r);
            if (mode == MODE_SCAN) {
                if (r->p >= r->end || *r->p != '"')
                    return gj_fail_kind(r, "feature \"type\" is not a string");
                TRY(gj_scan_string(r, &ts));
                TRY(gj_key_text(r, &ts, &t, &tl));
                if (!key_is(t, tl, "Feature"))
                    return gj_fail(r, GJ_UNSUPPORTED, at, "element of features has type \"%.*s\", not "
                                   "\"Feature\"", (int)(tl > 60 ? 60 : tl), t);
            } else {
                TRY(gj_skip_value(r));
            }
        } else if (key_is(k, kl, "id")) {
            others++;
            if (mode == MODE_SCAN) TRY(check_feature_id(r));
            else TRY(gj_skip_value(r));
        } else {
            if (mode == MODE_SCAN && gj_reserved_variant(k, kl, reserved))
                return gj_fail(r, GJ_UNSUPPORTED, at, "feature member \"%.*s\" in non-standard case (GDAL "
                               "matches it)", (int)kl, k);
            if (!key_is(k, kl, "bbox")) others++;
            TRY(gj_skip_value(r));
        }
        TRY(next_member(r, &more));
    }
    if (mode == MODE_SCAN) {
        if (!seen_type)
            return gj_fail(r, GJ_UNSUPPORTED, obj, "element of features has no \"type\": \"Feature\"");
        if (!seen_props && others)
            return gj_fail(r, GJ_UNSUPPORTED, obj, "feature without \"properties\" but with other members "
                           "(GDAL makes fields of them)");
    }
    if (mode == MODE_EMIT && !seen_geom) r->wkb_len = 0;
    return GJ_OK;
}
