/* geojson_reader.c: a fast streaming reader for GeoJSON FeatureCollections;
 * this file is its public API (geojson_reader.h): opening the file, the
 * top-level object, the two passes, errors and buffers. geojson_int.h lists
 * the files that do the rest.
 *
 * The file is mapped (or read into one buffer) and tokenized in place; no
 * tree is built. gj_open makes a schema pass over the whole file that
 * validates it and infers the field types exactly as GDAL 3.6's GeoJSON driver
 * does; gj_next then decodes one feature at a time into buffers that are
 * reused from feature to feature (WKB, values, unescaped strings), so the hot
 * path does no allocation once the buffers have grown to the largest feature.
 *
 * Where GDAL's behaviour was taken from (GDAL 3.6, checked against
 * `ogrinfo -so -al` of GDAL 3.6.2; tests/unit/test_geojson.c repeats the
 * comparison):
 *  - ogr/ogrsf_frmts/geojson/ogrgeojsonreader.cpp,
 *    OGRGeoJSONReaderAddOrUpdateField(): how a field's type changes as values
 *    arrive (see field_update() in geojson_schema.c); GenerateFeatureDefn():
 *    field order is a topological sort of "field a came before field b in
 *    some feature", ties broken by name (directedacyclicgraph.hpp; see
 *    gj_schema_order()); OGRGeoJSONGenerateFeatureDefnDealWithID():
 *    feature-level ids (geojson_feature.c); OGRGeoJSONUpdateLayerGeomType():
 *    the layer geometry type (geojson_geom.c).
 *  - ogr/ogrsf_frmts/geojson/ogrgeojsonutils.cpp,
 *    GeoJSONPropertyToFieldType() and GeoJSONStringPropertyToFieldType():
 *    the type of one value, with date detection through OGRParseDate()
 *    (ogr/ogrutils.cpp; see gdal_parse_date() in geojson_schema.c).
 * Anything GDAL reads in a way this reader does not replicate is reported as
 * GJ_UNSUPPORTED with the reason, so the caller can use GDAL instead. */
#include "geojson_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

/* Line and column (in characters) of a position; only computed when an error
 * is reported, so the hot paths need not track columns. */
static void locate(const gj_reader *r, const unsigned char *at, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    for (const unsigned char *q = r->data; q < at; q++) {
        if (*q == '\n') { l++; c = 1; }
        else if ((*q & 0xC0) != 0x80) c++;
    }
    *line = l;
    *col = c;
}

/* Records a message naming the feature, line and column, and returns code. */
static int vfail(gj_reader *r, int code, const unsigned char *at, const char *fmt, va_list ap)
{
    size_t line, col, n;
    if (at > r->end) at = r->end;
    locate(r, at, &line, &col);
    if (r->cur >= 0)
        n = (size_t)snprintf(r->msg, sizeof r->msg, "feature %" PRId64 " (line %zu, column %zu): ",
                             r->cur, line, col);
    else
        n = (size_t)snprintf(r->msg, sizeof r->msg, "line %zu, column %zu: ", line, col);
    if (n < sizeof r->msg) vsnprintf(r->msg + n, sizeof r->msg - n, fmt, ap);
    return code;
}

int gj_fail(gj_reader *r, int code, const unsigned char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = vfail(r, code, at, fmt, ap);
    va_end(ap);
    return code;
}

/* A value of a kind this reader leaves to GDAL, at r->p: GJ_UNSUPPORTED,
 * unless the file simply ends there (then it is broken: GJ_ERROR). */
int gj_fail_kind(gj_reader *r, const char *fmt, ...)
{
    va_list ap;
    int code;
    if (r->p >= r->end) return gj_fail(r, GJ_ERROR, r->p, "unexpected end of file, expected a value");
    va_start(ap, fmt);
    code = vfail(r, GJ_UNSUPPORTED, r->p, fmt, ap);
    va_end(ap);
    return code;
}

/* Describes the byte at p for messages: "end of file", "'x'" or "byte 0xNN". */
const char *gj_describe(const gj_reader *r, const unsigned char *p, char *buf, size_t size)
{
    if (p >= r->end) snprintf(buf, size, "end of file");
    else if (*p >= 0x20 && *p < 0x7F) snprintf(buf, size, "'%c'", *p);
    else snprintf(buf, size, "byte 0x%02X", *p);
    return buf;
}

int gj_fail_expected(gj_reader *r, const char *what)
{
    char buf[32];
    return gj_fail(r, GJ_ERROR, r->p, "expected %s but found %s", what,
                   gj_describe(r, r->p, buf, sizeof buf));
}

/* ------------------------------------------------------------------------ */
/* Buffers                                                                   */
/* ------------------------------------------------------------------------ */

/* Grows *buf to hold at least need bytes; buffers only grow, so after the
 * first features no more allocation happens. */
int gj_grow(gj_reader *r, void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t n;
    void *nb;
    if (need <= *cap) return GJ_OK;
    n = *cap ? *cap : 16;
    while (n < need) n *= 2;
    nb = realloc(*buf, n * elem);
    if (!nb) return gj_fail(r, GJ_ERROR, r->p, "out of memory");
    *buf = nb;
    *cap = n;
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Top level                                                                 */
/* ------------------------------------------------------------------------ */

/* Schema pass over the features array (r->p is at its '['). */
static int scan_features(gj_reader *r)
{
    int empty, more = 1;
    TRY(expect_char(r, '[', "'[' starting the features array"));
    r->feat_start = r->p;            /* where gj_next starts */
    r->feat_line = r->line;
    skip_ws(r);
    empty = r->p < r->end && *r->p == ']';
    if (empty) { r->p++; return GJ_OK; }
    while (more) {
        r->cur = r->nfeat;
        if ((size_t)(r->nfeat >> 3) >= r->capzbits) {
            size_t old = r->capzbits;
            TRY(gj_grow(r, (void **)&r->zbits, &r->capzbits, (size_t)(r->nfeat >> 3) + 1, 1));
            memset(r->zbits + old, 0, r->capzbits - old);
        }
        TRY(gj_parse_feature(r, MODE_SCAN));
        r->nfeat++;
        TRY(next_element(r, &more));
    }
    r->cur = -1;
    return GJ_OK;
}

/* The collection's "crs": only {"type": "name", "properties": {"name": s}}
 * is handled (GDAL also reads the old "EPSG", "link" and "OGC" forms). */
static int parse_crs(gj_reader *r)
{
    int empty, more = 1, is_name = 0;
    const unsigned char *obj;
    skip_ws(r);
    obj = r->p;
    if (r->p >= r->end || *r->p != '{')
        return gj_fail_kind(r, "\"crs\" is not an object");
    TRY(gj_open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks, vs;
        TRY(gj_scan_key(r, &k, &kl, &ks));
        skip_ws(r);
        if (key_is(k, kl, "type")) {
            const char *t;
            size_t tl;
            if (r->p >= r->end || *r->p != '"') return gj_fail_kind(r, "crs type is not a string");
            TRY(gj_scan_string(r, &vs));
            TRY(gj_key_text(r, &vs, &t, &tl));
            if (!key_is(t, tl, "name"))
                return gj_fail(r, GJ_UNSUPPORTED, vs.s, "crs of type \"%.*s\" (only \"name\" is handled)",
                               (int)(tl > 40 ? 40 : tl), t);
            is_name = 1;
        } else if (key_is(k, kl, "properties")) {
            int pe, pm = 1;
            if (r->p >= r->end || *r->p != '{') return gj_fail_kind(r, "crs properties is not an object");
            TRY(gj_open_object(r, &pe));
            while (!pe && pm) {
                const char *pk;
                size_t pkl;
                gj_span pks;
                TRY(gj_scan_key(r, &pk, &pkl, &pks));
                skip_ws(r);
                if (key_is(pk, pkl, "name")) {
                    if (r->p >= r->end || *r->p != '"')
                        return gj_fail_kind(r, "crs name is not a string");
                    TRY(gj_scan_string(r, &vs));
                    free(r->crs);
                    r->crs = malloc(vs.len + 1);
                    if (!r->crs) return gj_fail(r, GJ_ERROR, r->p, "out of memory");
                    gj_unescape(&vs, r->crs);
                } else {
                    TRY(gj_skip_value(r));
                }
                TRY(next_member(r, &pm));
            }
        } else {
            TRY(gj_skip_value(r));
        }
        TRY(next_member(r, &more));
    }
    if (!is_name || !r->crs)
        return gj_fail(r, GJ_UNSUPPORTED, obj, "\"crs\" is not of type \"name\" with a name");
    return GJ_OK;
}

/* The top-level object: a FeatureCollection whose members may come in any
 * order ("type" after "features" is legal). */
static int parse_top(gj_reader *r)
{
    static const char *const reserved[] = { "type", "features", "crs", "name", NULL };
    int empty, more = 1, seen_features = 0, seen_type = 0;
    const unsigned char *obj;
    skip_ws(r);
    obj = r->p;
    if (r->p >= r->end) return gj_fail(r, GJ_ERROR, r->p, "empty file: expected a GeoJSON object");
    if (*r->p != '{') {
        char buf[32];
        return gj_fail(r, GJ_ERROR, r->p, "not a GeoJSON object: the file starts with %s",
                       gj_describe(r, r->p, buf, sizeof buf));
    }
    TRY(gj_open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks, vs;
        const unsigned char *at = r->p;
        TRY(gj_scan_key(r, &k, &kl, &ks));
        skip_ws(r);
        if (key_is(k, kl, "type")) {
            const char *t;
            size_t tl;
            if (r->p >= r->end || *r->p != '"') return gj_fail_expected(r, "a type string");
            TRY(gj_scan_string(r, &vs));
            TRY(gj_key_text(r, &vs, &t, &tl));
            if (!key_is(t, tl, "FeatureCollection")) {
                if (key_is(t, tl, "Feature"))
                    return gj_fail(r, GJ_UNSUPPORTED, at, "top level is a single Feature, not a "
                                   "FeatureCollection");
                for (int i = 0; gj_geom_names[i]; i++)
                    if (gj_key_is_ci(t, tl, gj_geom_names[i]))
                        return gj_fail(r, GJ_UNSUPPORTED, at, "top level is a bare %s geometry",
                                       gj_geom_names[i]);
                if (gj_key_is_ci(t, tl, "FeatureCollection") || gj_key_is_ci(t, tl, "Feature"))
                    return gj_fail(r, GJ_UNSUPPORTED, at, "top-level type \"%.*s\" in non-standard case",
                                   (int)tl, t);
                return gj_fail(r, GJ_ERROR, at, "top-level type \"%.*s\" is not a GeoJSON type",
                               (int)(tl > 60 ? 60 : tl), t);
            }
            seen_type = 1;
        } else if (key_is(k, kl, "features")) {
            if (seen_features++) return gj_fail(r, GJ_UNSUPPORTED, at, "two \"features\" members");
            if (r->p >= r->end || *r->p != '[') return gj_fail_expected(r, "'[' starting the features array");
            TRY(scan_features(r));
        } else if (key_is(k, kl, "crs")) {
            TRY(parse_crs(r));
        } else if (key_is(k, kl, "name")) {
            if (r->p >= r->end || *r->p != '"') return gj_fail_kind(r, "\"name\" is not a string");
            TRY(gj_scan_string(r, &vs));
            if (vs.nul) return gj_fail(r, GJ_UNSUPPORTED, vs.s, "\"name\" contains \\u0000");
            free(r->name);
            r->name = malloc(vs.len + 1);
            if (!r->name) return gj_fail(r, GJ_ERROR, r->p, "out of memory");
            gj_unescape(&vs, r->name);
        } else if (gj_reserved_variant(k, kl, reserved)) {
            return gj_fail(r, GJ_UNSUPPORTED, at, "member \"%.*s\" in non-standard case (GDAL matches it)",
                           (int)kl, k);
        } else {
            TRY(gj_skip_value(r));
        }
        TRY(next_member(r, &more));
    }
    if (!seen_type) return gj_fail(r, GJ_ERROR, obj, "the top-level object has no \"type\" member");
    if (!seen_features) return gj_fail(r, GJ_ERROR, obj, "FeatureCollection without a \"features\" member");
    skip_ws(r);
    if (r->p < r->end) {
        if (*r->p == '{' || *r->p == 0x1E)
            return gj_fail(r, GJ_UNSUPPORTED, r->p, "more than one top-level object (a GeoJSON sequence?)");
        return gj_fail(r, GJ_ERROR, r->p, "unexpected data after the top-level object");
    }
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                   */
/* ------------------------------------------------------------------------ */

/* Reads a file that cannot be mapped (a pipe, an empty file) into memory. */
static int load_read(gj_reader *r, int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) return GJ_ERROR;
    for (;;) {
        ssize_t n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); return GJ_ERROR; }
            buf = nb;
            cap *= 2;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            free(buf);
            return GJ_ERROR;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    r->owned = buf;
    r->data = (const unsigned char *)buf;
    r->size = len;
    return GJ_OK;
}

static int load_file(gj_reader *r, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(r->msg, sizeof r->msg, "cannot open %s: %s", path, strerror(errno));
        return GJ_ERROR;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
        flags |= MAP_POPULATE;      /* the whole file is read anyway: fault it in at once */
#endif
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, flags, fd, 0);
        if (m != MAP_FAILED) {
            posix_madvise(m, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
            r->data = m;
            r->size = (size_t)st.st_size;
            r->mapped = 1;
            close(fd);
            return GJ_OK;
        }
    }
    if (load_read(r, fd) != GJ_OK) {
        snprintf(r->msg, sizeof r->msg, "cannot read %s: %s", path, strerror(errno));
        close(fd);
        return GJ_ERROR;
    }
    close(fd);
    return GJ_OK;
}

/* After the schema pass: field order, case check, value buffers. */
static int schema_finish(gj_reader *r)
{
    size_t n = r->nfields ? r->nfields : 1;
    TRY(gj_schema_order(r));
    TRY(gj_schema_case_check(r));
    r->values = calloc(n, sizeof *r->values);
    r->stroff = malloc(n * sizeof *r->stroff);
    if (!r->values || !r->stroff) return gj_fail(r, GJ_ERROR, r->p, "out of memory");
    return GJ_OK;          /* fields that were null everywhere stay String, as in GDAL */
}

int gj_open(gj_reader **out, const char *path)
{
    gj_reader *r = calloc(1, sizeof *r);
    int rc;
    *out = r;
    if (!r) return GJ_ERROR;
    r->cur = -1;
    r->line = 1;
    r->first_geom = 1;
    r->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (load_file(r, path) != GJ_OK) return GJ_ERROR;
    r->end = r->data + r->size;
    r->p = r->data;
    if (r->size >= 3 && memcmp(r->p, "\xEF\xBB\xBF", 3) == 0) r->p += 3;   /* GDAL skips a BOM */
    rc = parse_top(r);
    if (rc == GJ_OK) rc = schema_finish(r);
    if (rc == GJ_OK) gj_rewind(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Feature pass                                                              */
/* ------------------------------------------------------------------------ */

void gj_rewind(gj_reader *r)
{
    r->p = r->feat_start;
    r->line = r->feat_line;
    r->next = 0;
    r->sticky = 0;
    r->cur = -1;
}

int gj_next(gj_reader *r, gj_feature *f)
{
    int rc;
    if (r->sticky || !r->values) return GJ_ERROR;      /* after a failed gj_open too */
    if (r->next >= r->nfeat) return GJ_END;
    r->cur = r->next;
    if (r->next > 0) {
        rc = expect_char(r, ',', "',' between features");
        if (rc != GJ_OK) { r->sticky = 1; return GJ_ERROR; }
    }
    skip_ws(r);
    f->line = r->line;
    for (size_t i = 0; i < r->nfields; i++) {
        gj_value *v = &r->values[i];
        v->is_null = 1;
        v->i = 0;
        v->d = 0;
        v->s = NULL;
        v->slen = 0;
        r->stroff[i] = SIZE_MAX;
    }
    r->arena_len = 0;
    r->wkb_len = 0;
    r->cur_z = (r->zbits[r->cur >> 3] >> (r->cur & 7)) & 1;
    rc = gj_parse_feature(r, MODE_EMIT);
    if (rc != GJ_OK) {
        r->sticky = 1;
        return rc == GJ_UNSUPPORTED ? GJ_ERROR : rc;
    }
    for (size_t i = 0; i < r->nfields; i++)
        if (r->stroff[i] != SIZE_MAX) r->values[i].s = r->arena + r->stroff[i];
    f->index = r->cur;
    f->wkb = r->wkb_len ? r->wkb : NULL;
    f->wkb_len = r->wkb_len;
    f->values = r->values;
    r->next++;
    r->cur = -1;
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                 */
/* ------------------------------------------------------------------------ */

void gj_close(gj_reader *r)
{
    if (!r) return;
    if (r->mapped) munmap((void *)r->data, r->size);
    free(r->owned);
    for (size_t i = 0; i < r->nfields; i++) {
        free(r->fields[i].name);
        free(r->fields[i].succ);
    }
    free(r->fields);
    free(r->htab);
    free(r->order);
    free(r->pos_of);
    free(r->expect);
    free(r->stack);
    free(r->crs);
    free(r->name);
    free(r->zbits);
    free(r->wkb);
    free(r->values);
    free(r->stroff);
    free(r->arena);
    free(r->keybuf);
    free(r->tmpbuf);
    if (r->cloc) freelocale(r->cloc);
    free(r);
}

const char *gj_error(const gj_reader *r)
{
    return r ? r->msg : "out of memory";
}

size_t gj_field_count(const gj_reader *r)
{
    return r->order ? r->nfields : 0;
}

const char *gj_field_name(const gj_reader *r, size_t i)
{
    return r->fields[r->order[i]].name;
}

gj_field_type gj_field_type_of(const gj_reader *r, size_t i)
{
    const gj_field *f = &r->fields[r->order[i]];
    switch (f->type) {
    case T_INTEGER: return f->sub == SUB_BOOLEAN ? GJ_FIELD_BOOLEAN : GJ_FIELD_INTEGER;
    case T_INTEGER64: return GJ_FIELD_INTEGER64;
    case T_REAL: return GJ_FIELD_REAL;
    case T_DATE: return GJ_FIELD_DATE;
    case T_TIME: return GJ_FIELD_TIME;
    case T_DATETIME: return GJ_FIELD_DATETIME;
    default: return GJ_FIELD_STRING;
    }
}

int gj_field_is_json(const gj_reader *r, size_t i)
{
    return r->fields[r->order[i]].sub == SUB_JSON;
}

int64_t gj_feature_count(const gj_reader *r)
{
    return r->nfeat;
}

const char *gj_crs_name(const gj_reader *r)
{
    return r->crs;
}

int gj_has_z(const gj_reader *r)
{
    return r->has_z;
}

int gj_geometry_type(const gj_reader *r)
{
    return r->first_geom ? G_UNKNOWN : r->layer_type;
}

const char *gj_layer_name(const gj_reader *r)
{
    return r->name;
}
