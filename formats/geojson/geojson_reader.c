/* geojson_reader.c: a fast streaming reader for GeoJSON FeatureCollections.
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
 *    arrive (see field_update()); GenerateFeatureDefn(): field order is a
 *    topological sort of "field a came before field b in some feature", ties
 *    broken by name (directedacyclicgraph.hpp; see schema_order());
 *    OGRGeoJSONGenerateFeatureDefnDealWithID(): feature-level ids;
 *    OGRGeoJSONUpdateLayerGeomType(): the layer geometry type.
 *  - ogr/ogrsf_frmts/geojson/ogrgeojsonutils.cpp,
 *    GeoJSONPropertyToFieldType() and GeoJSONStringPropertyToFieldType():
 *    the type of one value, with date detection through OGRParseDate()
 *    (ogr/ogrutils.cpp; see gdal_parse_date()).
 * Anything GDAL reads in a way this reader does not replicate is reported as
 * GJ_UNSUPPORTED with the reason, so the caller can use GDAL instead. */
#include "geojson_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Limits and internal codes                                                 */
/* ------------------------------------------------------------------------ */

#define GJ_MAX_DEPTH 512        /* nesting of skipped (foreign) JSON values */
#define GJ_MAX_GC_DEPTH 32      /* GeometryCollections inside each other */
#define GJ_MSG_SIZE 512

/* Word-at-a-time scanning of strings and digits on little-endian hosts;
 * elsewhere the byte loops do all the work. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GJ_SWAR 1
#else
#define GJ_SWAR 0
#endif

/* Field types as GDAL keeps them while it scans: OFTInteger ... OFTDateTime.
 * The Boolean and JSON subtypes are kept apart (GDAL's OFSTBoolean/OFSTJSON). */
enum { T_INTEGER, T_INTEGER64, T_REAL, T_STRING, T_DATE, T_TIME, T_DATETIME };
enum { SUB_NONE, SUB_BOOLEAN, SUB_JSON };

/* Kinds of a property value. */
enum { V_NULL, V_BOOL, V_INT, V_REAL, V_STRING };

/* The two passes share the feature and geometry walkers. */
enum { MODE_SCAN, MODE_EMIT };

/* OGR geometry type codes (flat). */
enum { G_UNKNOWN = 0, G_POINT = 1, G_LINESTRING = 2, G_POLYGON = 3, G_MULTIPOINT = 4,
       G_MULTILINESTRING = 5, G_MULTIPOLYGON = 6, G_COLLECTION = 7 };

/* ------------------------------------------------------------------------ */
/* Data structures                                                           */
/* ------------------------------------------------------------------------ */

/* A raw JSON string token: the bytes between the quotes. */
typedef struct gj_span {
    const unsigned char *s;
    size_t len;
    int esc;    /* contains backslash escapes: must be unescaped before use */
    int nul;    /* contains \u0000 */
} gj_span;

/* A scanned JSON number: w * 10^q, with the first 19 significant digits in w. */
typedef struct gj_num {
    const unsigned char *s;     /* the token, for strtod and messages */
    size_t len;
    uint64_t w;
    int64_t q;
    int nd;                     /* significant digits kept in w */
    int many;                   /* more than 19 significant digits */
    int neg;
    int is_int;                 /* no fraction, no exponent: GDAL makes it a json int */
} gj_num;

/* A scanned property value. */
typedef struct gj_val {
    int kind;
    int b;                      /* V_BOOL */
    int64_t i;                  /* V_INT */
    gj_num num;                 /* V_INT, V_REAL */
    gj_span str;                /* V_STRING */
} gj_val;

typedef struct gj_field {
    char *name;                 /* unescaped UTF-8, NUL-terminated */
    size_t len;
    uint64_t hash;
    int type, sub;
    int undetermined;           /* only nulls so far: GDAL retypes on the first value */
    int64_t seen;               /* last feature that had it (duplicate keys) */
    int *succ;                  /* DAG: fields that came right after this one */
    size_t nsucc, capsucc;
    size_t indeg;               /* scratch for the topological sort */
    unsigned visit;             /* scratch for the cycle check */
} gj_field;

struct gj_reader {
    /* Input. */
    const unsigned char *data, *end;
    size_t size;
    int mapped;
    void *owned;                /* buffer when the file was read() */

    /* Cursor (both passes). */
    const unsigned char *p;
    size_t line;                /* 1-based line of p */
    int64_t cur;                /* feature being read, -1 outside the features */

    char msg[GJ_MSG_SIZE];
    int sticky;                 /* gj_next error that repeats until gj_rewind */

    /* Schema. */
    gj_field *fields;
    size_t nfields, capfields;
    int *htab;                  /* open addressing: field index + 1, 0 = empty */
    size_t hcap;
    size_t *order;              /* output position -> field index */
    size_t *pos_of;             /* field index -> output position */
    int *expect;                /* k-th property of the last feature (prediction) */
    size_t capexpect;
    int *stack;                 /* DFS stack for the cycle check */
    size_t capstack;
    unsigned visit_gen;
    int64_t nfeat;
    char *crs, *name;
    int has_z;
    int layer_type, first_geom;
    unsigned char *zbits;       /* per feature: its geometry has Z */
    size_t capzbits;
    const unsigned char *feat_start;   /* just after the '[' of "features" */
    size_t feat_line;

    /* Feature pass. */
    int64_t next;
    int cur_z;
    unsigned char *wkb;
    size_t wkb_len, wkb_cap;
    gj_value *values;
    size_t *stroff;             /* per output position: arena offset or SIZE_MAX */
    char *arena;
    size_t arena_len, arena_cap;

    /* Scratch buffers. */
    char *keybuf;               /* unescaped member names */
    size_t keycap;
    char *tmpbuf;               /* number tokens for strtod, strings for dates */
    size_t tmpcap;

    locale_t cloc;              /* "C" numeric locale for strtod/snprintf */
};

/* A geometry being walked: mode, dimension, and what the scan found. */
typedef struct gj_geom {
    int mode;
    int dimz;                   /* EMIT: write XYZ */
    int anyz;                   /* SCAN: some position has a third value */
    int type;                   /* flat type of the outermost geometry */
} gj_geom;

#define TRY(x) do { int rc_ = (x); if (rc_ != GJ_OK) return rc_; } while (0)

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

static int fail(gj_reader *r, int code, const unsigned char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = vfail(r, code, at, fmt, ap);
    va_end(ap);
    return code;
}

/* A value of a kind this reader leaves to GDAL, at r->p: GJ_UNSUPPORTED,
 * unless the file simply ends there (then it is broken: GJ_ERROR). */
static int fail_kind(gj_reader *r, const char *fmt, ...)
{
    va_list ap;
    int code;
    if (r->p >= r->end) return fail(r, GJ_ERROR, r->p, "unexpected end of file, expected a value");
    va_start(ap, fmt);
    code = vfail(r, GJ_UNSUPPORTED, r->p, fmt, ap);
    va_end(ap);
    return code;
}

/* Describes the byte at p for messages: "end of file", "'x'" or "byte 0xNN". */
static const char *describe(const gj_reader *r, const unsigned char *p, char *buf, size_t size)
{
    if (p >= r->end) snprintf(buf, size, "end of file");
    else if (*p >= 0x20 && *p < 0x7F) snprintf(buf, size, "'%c'", *p);
    else snprintf(buf, size, "byte 0x%02X", *p);
    return buf;
}

static int fail_expected(gj_reader *r, const char *what)
{
    char buf[32];
    return fail(r, GJ_ERROR, r->p, "expected %s but found %s", what,
                describe(r, r->p, buf, sizeof buf));
}

/* ------------------------------------------------------------------------ */
/* Buffers                                                                   */
/* ------------------------------------------------------------------------ */

/* Grows *buf to hold at least need bytes; buffers only grow, so after the
 * first features no more allocation happens. */
static int grow(gj_reader *r, void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t n;
    void *nb;
    if (need <= *cap) return GJ_OK;
    n = *cap ? *cap : 16;
    while (n < need) n *= 2;
    nb = realloc(*buf, n * elem);
    if (!nb) return fail(r, GJ_ERROR, r->p, "out of memory");
    *buf = nb;
    *cap = n;
    return GJ_OK;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = '\0'; }
    return d;
}

/* ------------------------------------------------------------------------ */
/* Lexer: whitespace, literals                                               */
/* ------------------------------------------------------------------------ */

/* Skips JSON whitespace, counting lines (newlines only occur here: strings
 * cannot hold raw newlines), which gives each feature its line cheaply. */
static inline void skip_ws(gj_reader *r)
{
    const unsigned char *p = r->p, *end = r->end;
    while (p < end) {
        unsigned char c = *p;
        if (c == ' ' || c == '\t' || c == '\r') p++;
        else if (c == '\n') { r->line++; p++; }
        else break;
    }
    r->p = p;
}

/* Consumes character c (after whitespace) or fails naming what was expected. */
static inline int expect_char(gj_reader *r, unsigned char c, const char *what)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == c) { r->p++; return GJ_OK; }
    return fail_expected(r, what);
}

/* Matches true / false / null; NaN and Infinity get their own message since
 * some writers emit them although JSON has no such literals. */
static int scan_literal(gj_reader *r, int *kind, int *b)
{
    const unsigned char *p = r->p;
    size_t left = (size_t)(r->end - p);
    if (left >= 4 && memcmp(p, "true", 4) == 0) { *kind = V_BOOL; *b = 1; r->p += 4; return GJ_OK; }
    if (left >= 5 && memcmp(p, "false", 5) == 0) { *kind = V_BOOL; *b = 0; r->p += 5; return GJ_OK; }
    if (left >= 4 && memcmp(p, "null", 4) == 0) { *kind = V_NULL; r->p += 4; return GJ_OK; }
    if ((left >= 3 && memcmp(p, "NaN", 3) == 0) || (left >= 8 && memcmp(p, "Infinity", 8) == 0) ||
        (left >= 9 && memcmp(p, "-Infinity", 9) == 0))
        return fail(r, GJ_ERROR, p, "NaN and Infinity are not JSON numbers");
    return fail_expected(r, "a JSON value");
}

/* ------------------------------------------------------------------------ */
/* Lexer: strings                                                            */
/* ------------------------------------------------------------------------ */

/* 1 for bytes that can be skipped inside a string without a closer look:
 * printable ASCII other than '"' and '\\'. */
static const unsigned char str_plain[256] = {
#define R8(v) v, v, v, v, v, v, v, v
    R8(0), R8(0), R8(0), R8(0),                     /* 0x00-0x1F control */
    1, 1, 0, 1, 1, 1, 1, 1, R8(1), R8(1), R8(1),    /* 0x20-0x3F, '"' = 0x22 */
    R8(1), R8(1), R8(1), 1, 1, 1, 1, 0, 1, 1, 1,    /* 0x40-0x5F, '\\' = 0x5C */
    R8(1), R8(1), R8(1), R8(1),                     /* 0x60-0x7F */
    R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0),
    R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0)
#undef R8
};

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits of a \u escape at p (just after "\u"). */
static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4) return 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return 0;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return 1;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;           /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;           /* nothing above U+10FFFF */
    } else return 0;
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return n;
}

/* Is the sequence at p a valid start of UTF-8 cut off by the end of the
 * file? (Then the message says the file is truncated, not invalid.) */
static int utf8_truncated(const unsigned char *p, const unsigned char *end)
{
    unsigned char buf[4] = { 0x80, 0x80, 0x80, 0x80 };    /* complete it with continuations */
    size_t have = (size_t)(end - p);
    if (have >= 4) return 0;
    memcpy(buf, p, have);
    return utf8_len(buf, buf + 4) > have;
}

/* Validates one escape sequence at p (the backslash); returns its length. */
static int scan_escape(gj_reader *r, const unsigned char *p, size_t *len, int *nul)
{
    unsigned u, u2;
    if (p + 1 >= r->end) return fail(r, GJ_ERROR, p, "unexpected end of file inside a string");
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        *len = 2;
        return GJ_OK;
    case 'u':
        if (!hex4(p + 2, r->end, &u))
            return fail(r, GJ_ERROR, p, "bad escape: \\u must be followed by 4 hex digits");
        if (u == 0) *nul = 1;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return fail(r, GJ_ERROR, p, "bad escape: \\u%04X is a lone low surrogate", u);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (r->end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, r->end, &u2) ||
                u2 < 0xDC00 || u2 > 0xDFFF)
                return fail(r, GJ_ERROR, p, "bad escape: \\u%04X is a high surrogate without a "
                            "low surrogate after it", u);
            *len = 12;
            return GJ_OK;
        }
        *len = 6;
        return GJ_OK;
    default: {
        char buf[32];
        return fail(r, GJ_ERROR, p, "bad escape: \\ followed by %s", describe(r, p + 1, buf, sizeof buf));
    }
    }
}

#if GJ_SWAR
/* Are the 8 bytes at p all printable ASCII other than '"' and '\\'? (Bytes
 * that are zero after an xor with the quote or backslash, below 0x20, or
 * with the top bit set, stop the fast loop.) */
static inline int plain8(const unsigned char *p)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t v, quote, bslash, ctrl;
    memcpy(&v, p, 8);
    quote = v ^ (ones * '"');
    bslash = v ^ (ones * '\\');
    quote = (quote - ones) & ~quote;
    bslash = (bslash - ones) & ~bslash;
    ctrl = v - ones * 0x20;                     /* top bit set where byte < 0x20 (or >= 0xA0) */
    return !((quote | bslash | ctrl | v) & highs);
}
#endif

/* Scans a string at r->p (the opening quote), validating escapes and UTF-8,
 * and leaves r->p after the closing quote. Nothing is copied. */
static int scan_string(gj_reader *r, gj_span *out)
{
    const unsigned char *p = r->p + 1, *end = r->end;
    int esc = 0, nul = 0;
    for (;;) {
#if GJ_SWAR
        while (end - p >= 8 && plain8(p)) p += 8;
#endif
        while (p < end && str_plain[*p]) p++;
        if (p >= end) return fail(r, GJ_ERROR, p, "unexpected end of file inside a string");
        if (*p == '"') break;
        if (*p == '\\') {
            size_t n = 0;
            TRY(scan_escape(r, p, &n, &nul));
            esc = 1;
            p += n;
        } else if (*p < 0x20) {
            return fail(r, GJ_ERROR, p, "control character 0x%02X inside a string (must be escaped)", *p);
        } else {
            size_t n = utf8_len(p, end);
            if (!n && utf8_truncated(p, end))
                return fail(r, GJ_ERROR, p, "unexpected end of file inside a string");
            if (!n) return fail(r, GJ_ERROR, p, "invalid UTF-8 in a string");
            p += n;
        }
    }
    out->s = r->p + 1;
    out->len = (size_t)(p - out->s);
    out->esc = esc;
    out->nul = nul;
    r->p = p + 1;
    return GJ_OK;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Unescapes a scanned (hence valid) string into o, which has room for
 * sp->len + 1 bytes (unescaping never lengthens); NUL-terminates it. */
static size_t unescape(const gj_span *sp, char *o)
{
    const unsigned char *p = sp->s, *end = sp->s + sp->len;
    size_t n = 0;
    if (!sp->esc) {
        memcpy(o, p, sp->len);
        o[sp->len] = '\0';
        return sp->len;
    }
    while (p < end) {
        const unsigned char *b = p;
        while (p < end && *p != '\\') p++;
        memcpy(o + n, b, (size_t)(p - b));
        n += (size_t)(p - b);
        if (p >= end) break;
        switch (p[1]) {
        case 'b': o[n++] = '\b'; p += 2; break;
        case 'f': o[n++] = '\f'; p += 2; break;
        case 'n': o[n++] = '\n'; p += 2; break;
        case 'r': o[n++] = '\r'; p += 2; break;
        case 't': o[n++] = '\t'; p += 2; break;
        case 'u': {
            unsigned u = 0, u2 = 0;
            hex4(p + 2, end, &u);
            p += 6;
            if (u >= 0xD800 && u <= 0xDBFF) {
                hex4(p + 2, end, &u2);
                u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
                p += 6;
            }
            n += put_utf8(o + n, u);
            break;
        }
        default: o[n++] = (char)p[1]; p += 2; break;     /* " \ / */
        }
    }
    o[n] = '\0';
    return n;
}

/* The unescaped text of a member name: the raw bytes when there is no escape,
 * else a copy in keybuf. */
static int key_text(gj_reader *r, const gj_span *sp, const char **k, size_t *klen)
{
    if (!sp->esc) { *k = (const char *)sp->s; *klen = sp->len; return GJ_OK; }
    TRY(grow(r, (void **)&r->keybuf, &r->keycap, sp->len + 1, 1));
    *klen = unescape(sp, r->keybuf);
    *k = r->keybuf;
    return GJ_OK;
}

/* Reads a member name and the colon after it. */
static int scan_key(gj_reader *r, const char **k, size_t *klen, gj_span *sp)
{
    skip_ws(r);
    if (r->p >= r->end || *r->p != '"') return fail_expected(r, "a member name in double quotes");
    TRY(scan_string(r, sp));
    TRY(key_text(r, sp, k, klen));
    return expect_char(r, ':', "':' after a member name");
}

static int key_is(const char *k, size_t klen, const char *lit)
{
    size_t n = strlen(lit);
    return klen == n && memcmp(k, lit, n) == 0;
}

/* ASCII case-insensitive equality, as GDAL's EQUAL(). */
static int key_is_ci(const char *k, size_t klen, const char *lit)
{
    size_t n = strlen(lit);
    if (klen != n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)k[i], b = (unsigned char)lit[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

/* GDAL finds "type", "properties", "id", "features", "crs" ... ignoring case;
 * a member that is one of those names in another case is read by GDAL but not
 * by us, so it sends the file to GDAL. */
static int reserved_variant(const char *k, size_t klen, const char *const *names)
{
    for (; *names; names++)
        if (key_is_ci(k, klen, *names) && !key_is(k, klen, *names)) return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Lexer: numbers                                                            */
/* ------------------------------------------------------------------------ */

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Eight ASCII digits at once (coordinates have 15-17 significant digits):
 * the SWAR tests of fast_float. */
#if GJ_SWAR
static inline int eight_digits(const unsigned char *p, uint64_t *x)
{
    uint64_t v;
    memcpy(&v, p, 8);
    *x = v;
    return !(((v + UINT64_C(0x4646464646464646)) | (v - UINT64_C(0x3030303030303030))) &
             UINT64_C(0x8080808080808080));
}

/* The value of eight digits loaded by eight_digits(). */
static inline uint64_t eight_digits_value(uint64_t v)
{
    const uint64_t mask = UINT64_C(0x000000FF000000FF);
    v -= UINT64_C(0x3030303030303030);
    v = v * 10 + (v >> 8);
    return ((v & mask) * UINT64_C(0x000F424000000064) +
            ((v >> 16) & mask) * UINT64_C(0x0000271000000001)) >> 32;
}
#endif

/* Scans a JSON number, keeping its first 19 significant digits and decimal
 * exponent for the exact conversion in num_double(). */
static int scan_number(gj_reader *r, gj_num *n)
{
    const unsigned char *p = r->p, *end = r->end;
    uint64_t w = 0;
    int64_t q = 0, e = 0;
    int nd = 0, many = 0, neg = 0, is_int = 1;

    n->s = p;
    if (*p == '-') { neg = 1; p++; }
    if (p >= end) return fail(r, GJ_ERROR, p, "unexpected end of file inside a number");
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return fail(r, GJ_ERROR, p - 1, "bad number: leading zeros are not allowed in JSON");
    } else if (is_digit(*p)) {
#if GJ_SWAR
        uint64_t x;
        while (nd <= 11 && end - p >= 8 && eight_digits(p, &x)) {
            w = w * 100000000 + eight_digits_value(x);
            nd += 8;
            p += 8;
        }
#endif
        while (p < end && is_digit(*p)) {
            if (nd < 19) { w = w * 10 + (uint64_t)(*p - '0'); nd++; }
            else { many = 1; q++; }
            p++;
        }
    } else if (*p == 'I') {
        return fail(r, GJ_ERROR, n->s, "NaN and Infinity are not JSON numbers");
    } else {
        return fail(r, GJ_ERROR, n->s, "bad number: expected a digit after '-'");
    }
    if (p < end && *p == '.') {
        is_int = 0;
        p++;
        if (p >= end || !is_digit(*p))
            return fail(r, GJ_ERROR, n->s, "bad number: expected a digit after the decimal point");
        if (nd == 0)
            for (; p < end && *p == '0'; p++) q--;        /* leading zeros of 0.00x */
#if GJ_SWAR
        {
            uint64_t x;
            while (nd <= 11 && end - p >= 8 && eight_digits(p, &x)) {
                w = w * 100000000 + eight_digits_value(x);
                nd += 8;
                q -= 8;
                p += 8;
            }
        }
#endif
        for (; p < end && is_digit(*p); p++) {
            if (nd < 19) { w = w * 10 + (unsigned)(*p - '0'); nd++; q--; }
            else many = 1;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        is_int = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) { eneg = *p == '-'; p++; }
        if (p >= end || !is_digit(*p))
            return fail(r, GJ_ERROR, n->s, "bad number: expected a digit in the exponent");
        do {
            if (e < 100000000) e = e * 10 + (*p - '0');   /* clamp: far beyond any double */
            p++;
        } while (p < end && is_digit(*p));
        q += eneg ? -e : e;
    }
    n->len = (size_t)(p - n->s);
    n->w = w;
    n->q = q;
    n->nd = nd;
    n->many = many;
    n->neg = neg;
    n->is_int = is_int;
    r->p = p;
    return GJ_OK;
}

/* The integer value of an integer token, as json-c/GDAL read it: 0 when it
 * does not fit int64 (GDAL would clamp it; we send such files to GDAL). */
static int num_int64(const gj_num *n, int64_t *out)
{
    if (n->many) return 0;
    if (!n->neg) {
        if (n->w > (uint64_t)INT64_MAX) return 0;
        *out = (int64_t)n->w;
    } else {
        if (n->w > (uint64_t)INT64_MAX + 1) return 0;
        *out = n->w == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)n->w;
    }
    return 1;
}

/* Powers of ten exactly representable as doubles (Clinger's fast path). */
static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* 128-bit approximations of 5^q, normalized so the top bit is set, for the
 * Eisel-Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second",
 * 2021): 5^q truncated for q >= 0; floor(2^b / 5^-q) + 1 for q < 0. Only the
 * exponents that coordinates and measures use are tabulated; the rest go to
 * strtod. Generated with exact integer arithmetic. */
#define EL_QMIN (-64)
#define EL_QMAX 64
static const uint64_t el_pow5[EL_QMAX - EL_QMIN + 1][2] = {
    {UINT64_C(0xa87fea27a539e9a5), UINT64_C(0x3f2398d747b36224)}, /* 5^-64 */
    {UINT64_C(0xd29fe4b18e88640e), UINT64_C(0x8eec7f0d19a03aad)}, /* 5^-63 */
    {UINT64_C(0x83a3eeeef9153e89), UINT64_C(0x1953cf68300424ac)}, /* 5^-62 */
    {UINT64_C(0xa48ceaaab75a8e2b), UINT64_C(0x5fa8c3423c052dd7)}, /* 5^-61 */
    {UINT64_C(0xcdb02555653131b6), UINT64_C(0x3792f412cb06794d)}, /* 5^-60 */
    {UINT64_C(0x808e17555f3ebf11), UINT64_C(0xe2bbd88bbee40bd0)}, /* 5^-59 */
    {UINT64_C(0xa0b19d2ab70e6ed6), UINT64_C(0x5b6aceaeae9d0ec4)}, /* 5^-58 */
    {UINT64_C(0xc8de047564d20a8b), UINT64_C(0xf245825a5a445275)}, /* 5^-57 */
    {UINT64_C(0xfb158592be068d2e), UINT64_C(0xeed6e2f0f0d56712)}, /* 5^-56 */
    {UINT64_C(0x9ced737bb6c4183d), UINT64_C(0x55464dd69685606b)}, /* 5^-55 */
    {UINT64_C(0xc428d05aa4751e4c), UINT64_C(0xaa97e14c3c26b886)}, /* 5^-54 */
    {UINT64_C(0xf53304714d9265df), UINT64_C(0xd53dd99f4b3066a8)}, /* 5^-53 */
    {UINT64_C(0x993fe2c6d07b7fab), UINT64_C(0xe546a8038efe4029)}, /* 5^-52 */
    {UINT64_C(0xbf8fdb78849a5f96), UINT64_C(0xde98520472bdd033)}, /* 5^-51 */
    {UINT64_C(0xef73d256a5c0f77c), UINT64_C(0x963e66858f6d4440)}, /* 5^-50 */
    {UINT64_C(0x95a8637627989aad), UINT64_C(0xdde7001379a44aa8)}, /* 5^-49 */
    {UINT64_C(0xbb127c53b17ec159), UINT64_C(0x5560c018580d5d52)}, /* 5^-48 */
    {UINT64_C(0xe9d71b689dde71af), UINT64_C(0xaab8f01e6e10b4a6)}, /* 5^-47 */
    {UINT64_C(0x9226712162ab070d), UINT64_C(0xcab3961304ca70e8)}, /* 5^-46 */
    {UINT64_C(0xb6b00d69bb55c8d1), UINT64_C(0x3d607b97c5fd0d22)}, /* 5^-45 */
    {UINT64_C(0xe45c10c42a2b3b05), UINT64_C(0x8cb89a7db77c506a)}, /* 5^-44 */
    {UINT64_C(0x8eb98a7a9a5b04e3), UINT64_C(0x77f3608e92adb242)}, /* 5^-43 */
    {UINT64_C(0xb267ed1940f1c61c), UINT64_C(0x55f038b237591ed3)}, /* 5^-42 */
    {UINT64_C(0xdf01e85f912e37a3), UINT64_C(0x6b6c46dec52f6688)}, /* 5^-41 */
    {UINT64_C(0x8b61313bbabce2c6), UINT64_C(0x2323ac4b3b3da015)}, /* 5^-40 */
    {UINT64_C(0xae397d8aa96c1b77), UINT64_C(0xabec975e0a0d081a)}, /* 5^-39 */
    {UINT64_C(0xd9c7dced53c72255), UINT64_C(0x96e7bd358c904a21)}, /* 5^-38 */
    {UINT64_C(0x881cea14545c7575), UINT64_C(0x7e50d64177da2e54)}, /* 5^-37 */
    {UINT64_C(0xaa242499697392d2), UINT64_C(0xdde50bd1d5d0b9e9)}, /* 5^-36 */
    {UINT64_C(0xd4ad2dbfc3d07787), UINT64_C(0x955e4ec64b44e864)}, /* 5^-35 */
    {UINT64_C(0x84ec3c97da624ab4), UINT64_C(0xbd5af13bef0b113e)}, /* 5^-34 */
    {UINT64_C(0xa6274bbdd0fadd61), UINT64_C(0xecb1ad8aeacdd58e)}, /* 5^-33 */
    {UINT64_C(0xcfb11ead453994ba), UINT64_C(0x67de18eda5814af2)}, /* 5^-32 */
    {UINT64_C(0x81ceb32c4b43fcf4), UINT64_C(0x80eacf948770ced7)}, /* 5^-31 */
    {UINT64_C(0xa2425ff75e14fc31), UINT64_C(0xa1258379a94d028d)}, /* 5^-30 */
    {UINT64_C(0xcad2f7f5359a3b3e), UINT64_C(0x096ee45813a04330)}, /* 5^-29 */
    {UINT64_C(0xfd87b5f28300ca0d), UINT64_C(0x8bca9d6e188853fc)}, /* 5^-28 */
    {UINT64_C(0x9e74d1b791e07e48), UINT64_C(0x775ea264cf55347e)}, /* 5^-27 */
    {UINT64_C(0xc612062576589dda), UINT64_C(0x95364afe032a819e)}, /* 5^-26 */
    {UINT64_C(0xf79687aed3eec551), UINT64_C(0x3a83ddbd83f52205)}, /* 5^-25 */
    {UINT64_C(0x9abe14cd44753b52), UINT64_C(0xc4926a9672793543)}, /* 5^-24 */
    {UINT64_C(0xc16d9a0095928a27), UINT64_C(0x75b7053c0f178294)}, /* 5^-23 */
    {UINT64_C(0xf1c90080baf72cb1), UINT64_C(0x5324c68b12dd6339)}, /* 5^-22 */
    {UINT64_C(0x971da05074da7bee), UINT64_C(0xd3f6fc16ebca5e04)}, /* 5^-21 */
    {UINT64_C(0xbce5086492111aea), UINT64_C(0x88f4bb1ca6bcf585)}, /* 5^-20 */
    {UINT64_C(0xec1e4a7db69561a5), UINT64_C(0x2b31e9e3d06c32e6)}, /* 5^-19 */
    {UINT64_C(0x9392ee8e921d5d07), UINT64_C(0x3aff322e62439fd0)}, /* 5^-18 */
    {UINT64_C(0xb877aa3236a4b449), UINT64_C(0x09befeb9fad487c3)}, /* 5^-17 */
    {UINT64_C(0xe69594bec44de15b), UINT64_C(0x4c2ebe687989a9b4)}, /* 5^-16 */
    {UINT64_C(0x901d7cf73ab0acd9), UINT64_C(0x0f9d37014bf60a11)}, /* 5^-15 */
    {UINT64_C(0xb424dc35095cd80f), UINT64_C(0x538484c19ef38c95)}, /* 5^-14 */
    {UINT64_C(0xe12e13424bb40e13), UINT64_C(0x2865a5f206b06fba)}, /* 5^-13 */
    {UINT64_C(0x8cbccc096f5088cb), UINT64_C(0xf93f87b7442e45d4)}, /* 5^-12 */
    {UINT64_C(0xafebff0bcb24aafe), UINT64_C(0xf78f69a51539d749)}, /* 5^-11 */
    {UINT64_C(0xdbe6fecebdedd5be), UINT64_C(0xb573440e5a884d1c)}, /* 5^-10 */
    {UINT64_C(0x89705f4136b4a597), UINT64_C(0x31680a88f8953031)}, /* 5^-9 */
    {UINT64_C(0xabcc77118461cefc), UINT64_C(0xfdc20d2b36ba7c3e)}, /* 5^-8 */
    {UINT64_C(0xd6bf94d5e57a42bc), UINT64_C(0x3d32907604691b4d)}, /* 5^-7 */
    {UINT64_C(0x8637bd05af6c69b5), UINT64_C(0xa63f9a49c2c1b110)}, /* 5^-6 */
    {UINT64_C(0xa7c5ac471b478423), UINT64_C(0x0fcf80dc33721d54)}, /* 5^-5 */
    {UINT64_C(0xd1b71758e219652b), UINT64_C(0xd3c36113404ea4a9)}, /* 5^-4 */
    {UINT64_C(0x83126e978d4fdf3b), UINT64_C(0x645a1cac083126ea)}, /* 5^-3 */
    {UINT64_C(0xa3d70a3d70a3d70a), UINT64_C(0x3d70a3d70a3d70a4)}, /* 5^-2 */
    {UINT64_C(0xcccccccccccccccc), UINT64_C(0xcccccccccccccccd)}, /* 5^-1 */
    {UINT64_C(0x8000000000000000), UINT64_C(0x0000000000000000)}, /* 5^0 */
    {UINT64_C(0xa000000000000000), UINT64_C(0x0000000000000000)}, /* 5^1 */
    {UINT64_C(0xc800000000000000), UINT64_C(0x0000000000000000)}, /* 5^2 */
    {UINT64_C(0xfa00000000000000), UINT64_C(0x0000000000000000)}, /* 5^3 */
    {UINT64_C(0x9c40000000000000), UINT64_C(0x0000000000000000)}, /* 5^4 */
    {UINT64_C(0xc350000000000000), UINT64_C(0x0000000000000000)}, /* 5^5 */
    {UINT64_C(0xf424000000000000), UINT64_C(0x0000000000000000)}, /* 5^6 */
    {UINT64_C(0x9896800000000000), UINT64_C(0x0000000000000000)}, /* 5^7 */
    {UINT64_C(0xbebc200000000000), UINT64_C(0x0000000000000000)}, /* 5^8 */
    {UINT64_C(0xee6b280000000000), UINT64_C(0x0000000000000000)}, /* 5^9 */
    {UINT64_C(0x9502f90000000000), UINT64_C(0x0000000000000000)}, /* 5^10 */
    {UINT64_C(0xba43b74000000000), UINT64_C(0x0000000000000000)}, /* 5^11 */
    {UINT64_C(0xe8d4a51000000000), UINT64_C(0x0000000000000000)}, /* 5^12 */
    {UINT64_C(0x9184e72a00000000), UINT64_C(0x0000000000000000)}, /* 5^13 */
    {UINT64_C(0xb5e620f480000000), UINT64_C(0x0000000000000000)}, /* 5^14 */
    {UINT64_C(0xe35fa931a0000000), UINT64_C(0x0000000000000000)}, /* 5^15 */
    {UINT64_C(0x8e1bc9bf04000000), UINT64_C(0x0000000000000000)}, /* 5^16 */
    {UINT64_C(0xb1a2bc2ec5000000), UINT64_C(0x0000000000000000)}, /* 5^17 */
    {UINT64_C(0xde0b6b3a76400000), UINT64_C(0x0000000000000000)}, /* 5^18 */
    {UINT64_C(0x8ac7230489e80000), UINT64_C(0x0000000000000000)}, /* 5^19 */
    {UINT64_C(0xad78ebc5ac620000), UINT64_C(0x0000000000000000)}, /* 5^20 */
    {UINT64_C(0xd8d726b7177a8000), UINT64_C(0x0000000000000000)}, /* 5^21 */
    {UINT64_C(0x878678326eac9000), UINT64_C(0x0000000000000000)}, /* 5^22 */
    {UINT64_C(0xa968163f0a57b400), UINT64_C(0x0000000000000000)}, /* 5^23 */
    {UINT64_C(0xd3c21bcecceda100), UINT64_C(0x0000000000000000)}, /* 5^24 */
    {UINT64_C(0x84595161401484a0), UINT64_C(0x0000000000000000)}, /* 5^25 */
    {UINT64_C(0xa56fa5b99019a5c8), UINT64_C(0x0000000000000000)}, /* 5^26 */
    {UINT64_C(0xcecb8f27f4200f3a), UINT64_C(0x0000000000000000)}, /* 5^27 */
    {UINT64_C(0x813f3978f8940984), UINT64_C(0x4000000000000000)}, /* 5^28 */
    {UINT64_C(0xa18f07d736b90be5), UINT64_C(0x5000000000000000)}, /* 5^29 */
    {UINT64_C(0xc9f2c9cd04674ede), UINT64_C(0xa400000000000000)}, /* 5^30 */
    {UINT64_C(0xfc6f7c4045812296), UINT64_C(0x4d00000000000000)}, /* 5^31 */
    {UINT64_C(0x9dc5ada82b70b59d), UINT64_C(0xf020000000000000)}, /* 5^32 */
    {UINT64_C(0xc5371912364ce305), UINT64_C(0x6c28000000000000)}, /* 5^33 */
    {UINT64_C(0xf684df56c3e01bc6), UINT64_C(0xc732000000000000)}, /* 5^34 */
    {UINT64_C(0x9a130b963a6c115c), UINT64_C(0x3c7f400000000000)}, /* 5^35 */
    {UINT64_C(0xc097ce7bc90715b3), UINT64_C(0x4b9f100000000000)}, /* 5^36 */
    {UINT64_C(0xf0bdc21abb48db20), UINT64_C(0x1e86d40000000000)}, /* 5^37 */
    {UINT64_C(0x96769950b50d88f4), UINT64_C(0x1314448000000000)}, /* 5^38 */
    {UINT64_C(0xbc143fa4e250eb31), UINT64_C(0x17d955a000000000)}, /* 5^39 */
    {UINT64_C(0xeb194f8e1ae525fd), UINT64_C(0x5dcfab0800000000)}, /* 5^40 */
    {UINT64_C(0x92efd1b8d0cf37be), UINT64_C(0x5aa1cae500000000)}, /* 5^41 */
    {UINT64_C(0xb7abc627050305ad), UINT64_C(0xf14a3d9e40000000)}, /* 5^42 */
    {UINT64_C(0xe596b7b0c643c719), UINT64_C(0x6d9ccd05d0000000)}, /* 5^43 */
    {UINT64_C(0x8f7e32ce7bea5c6f), UINT64_C(0xe4820023a2000000)}, /* 5^44 */
    {UINT64_C(0xb35dbf821ae4f38b), UINT64_C(0xdda2802c8a800000)}, /* 5^45 */
    {UINT64_C(0xe0352f62a19e306e), UINT64_C(0xd50b2037ad200000)}, /* 5^46 */
    {UINT64_C(0x8c213d9da502de45), UINT64_C(0x4526f422cc340000)}, /* 5^47 */
    {UINT64_C(0xaf298d050e4395d6), UINT64_C(0x9670b12b7f410000)}, /* 5^48 */
    {UINT64_C(0xdaf3f04651d47b4c), UINT64_C(0x3c0cdd765f114000)}, /* 5^49 */
    {UINT64_C(0x88d8762bf324cd0f), UINT64_C(0xa5880a69fb6ac800)}, /* 5^50 */
    {UINT64_C(0xab0e93b6efee0053), UINT64_C(0x8eea0d047a457a00)}, /* 5^51 */
    {UINT64_C(0xd5d238a4abe98068), UINT64_C(0x72a4904598d6d880)}, /* 5^52 */
    {UINT64_C(0x85a36366eb71f041), UINT64_C(0x47a6da2b7f864750)}, /* 5^53 */
    {UINT64_C(0xa70c3c40a64e6c51), UINT64_C(0x999090b65f67d924)}, /* 5^54 */
    {UINT64_C(0xd0cf4b50cfe20765), UINT64_C(0xfff4b4e3f741cf6d)}, /* 5^55 */
    {UINT64_C(0x82818f1281ed449f), UINT64_C(0xbff8f10e7a8921a4)}, /* 5^56 */
    {UINT64_C(0xa321f2d7226895c7), UINT64_C(0xaff72d52192b6a0d)}, /* 5^57 */
    {UINT64_C(0xcbea6f8ceb02bb39), UINT64_C(0x9bf4f8a69f764490)}, /* 5^58 */
    {UINT64_C(0xfee50b7025c36a08), UINT64_C(0x02f236d04753d5b4)}, /* 5^59 */
    {UINT64_C(0x9f4f2726179a2245), UINT64_C(0x01d762422c946590)}, /* 5^60 */
    {UINT64_C(0xc722f0ef9d80aad6), UINT64_C(0x424d3ad2b7b97ef5)}, /* 5^61 */
    {UINT64_C(0xf8ebad2b84e0d58b), UINT64_C(0xd2e0898765a7deb2)}, /* 5^62 */
    {UINT64_C(0x9b934c3b330c8577), UINT64_C(0x63cc55f49f88eb2f)}, /* 5^63 */
    {UINT64_C(0xc2781f49ffcfa6d5), UINT64_C(0x3cbf6b71c76b25fb)}, /* 5^64 */
};

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 gj_u128;
static inline uint64_t mul_hi(uint64_t a, uint64_t b, uint64_t *lo)
{
    gj_u128 p = (gj_u128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
}
#else
/* Portable 64x64 -> 128 multiplication. */
static inline uint64_t mul_hi(uint64_t a, uint64_t b, uint64_t *lo)
{
    uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32, bl = b & 0xFFFFFFFFu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
    *lo = (mid << 32) | (ll & 0xFFFFFFFFu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
#endif

static inline int clz64(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    while (!(x & (UINT64_C(1) << 63))) { x <<= 1; n++; }
    return n;
#endif
}

/* floor(q * log2(10)) with the integer approximation 217706 / 2^16, without
 * relying on >> of a negative number. */
static inline int floor_log2_pow10(int q)
{
    int t = 217706 * q;
    return t >= 0 ? t / 65536 : -((-t + 65535) / 65536);
}

/* Eisel-Lemire: w * 10^q correctly rounded, w != 0, q in the table's range.
 * Returns 0 when the 128-bit product cannot decide the rounding (then strtod
 * decides). In this exponent range results are always normal doubles. */
static int eisel_lemire(uint64_t w, int q, double *out)
{
    const uint64_t *t = el_pow5[q - EL_QMIN];
    int lz = clz64(w);
    uint64_t lo, hi, m, bits;
    int upper, p2;

    w <<= lz;
    hi = mul_hi(w, t[0], &lo);
    if ((hi & 0x1FF) == 0x1FF) {                 /* 9 bits below the mantissa all ones */
        uint64_t lo2, hi2 = mul_hi(w, t[1], &lo2);
        (void)lo2;
        lo += hi2;
        if (hi2 > lo) hi++;
    }
    if (lo == UINT64_MAX && (q < -27 || q > 55)) return 0;
    upper = (int)(hi >> 63);
    m = hi >> (upper + 9);
    p2 = floor_log2_pow10(q) + 63 + upper - lz + 1023;
    /* A product exactly halfway between two doubles rounds to even. */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << (upper + 9)) == hi)
        m &= ~(uint64_t)1;
    m += m & 1;
    m >>= 1;
    if (m >= (UINT64_C(2) << 52)) { m = UINT64_C(1) << 52; p2++; }
    m &= ~(UINT64_C(1) << 52);
    if (p2 <= 0 || p2 >= 0x7FF) return 0;
    bits = m | ((uint64_t)p2 << 52);
    memcpy(out, &bits, sizeof *out);
    return 1;
}

/* strtod on a NUL-terminated copy of the token, in the "C" locale (the
 * mapped file has no terminator and the caller's locale may use ','). */
static int num_strtod(gj_reader *r, const gj_num *n, double *out)
{
    locale_t old = (locale_t)0;
    char *end;
    TRY(grow(r, (void **)&r->tmpbuf, &r->tmpcap, n->len + 1, 1));
    memcpy(r->tmpbuf, n->s, n->len);
    r->tmpbuf[n->len] = '\0';
    if (r->cloc) old = uselocale(r->cloc);
    *out = strtod(r->tmpbuf, &end);
    if (r->cloc) uselocale(old);
    if (isinf(*out))
        return fail(r, GJ_ERROR, n->s, "number %.*s is out of the range of a double",
                    (int)(n->len > 40 ? 40 : n->len), (const char *)n->s);
    return GJ_OK;
}

/* The double value of a number token, exactly as strtod (GDAL's CPLAtof)
 * gives it; integer tokens go through int64 as in json-c, so "-0" is +0. */
static int num_double(gj_reader *r, const gj_num *n, double *out)
{
    if (n->is_int) {
        int64_t v;
        if (!num_int64(n, &v))
            return fail(r, GJ_UNSUPPORTED, n->s, "integer %.*s does not fit in 64 bits (GDAL clamps it)",
                        (int)(n->len > 40 ? 40 : n->len), (const char *)n->s);
        *out = (double)v;
        return GJ_OK;
    }
    if (!n->many) {
        double d;
        if (n->w == 0) { *out = n->neg ? -0.0 : 0.0; return GJ_OK; }
#if FLT_EVAL_METHOD == 0
        if (n->q >= -22 && n->q <= 22 && n->w <= (UINT64_C(1) << 53)) {
            d = (double)n->w;
            d = n->q < 0 ? d / pow10_exact[-n->q] : d * pow10_exact[n->q];
            *out = n->neg ? -d : d;
            return GJ_OK;
        }
#endif
        if (n->q >= EL_QMIN && n->q <= EL_QMAX && eisel_lemire(n->w, (int)n->q, &d)) {
            *out = n->neg ? -d : d;
            return GJ_OK;
        }
    }
    return num_strtod(r, n, out);
}

/* Schema pass: checks a number without converting it unless it might
 * overflow (w < 10^nd, so the value is below 10^(nd+q)). */
static int num_check(gj_reader *r, const gj_num *n)
{
    double d;
    if (n->is_int) {
        int64_t v;
        if (num_int64(n, &v)) return GJ_OK;
        return num_double(r, n, &d);             /* reports it: GDAL clamps such integers */
    }
    if (n->nd + n->q <= 308) return GJ_OK;
    return num_strtod(r, n, &d);
}

/* Schema pass over a coordinate: only checks it. The common shapes (no
 * exponent, integer part short enough that neither int64 nor double range is
 * in question) are just skipped; anything else takes the full path, which
 * also gives the precise message for malformed numbers. */
static int skip_coordinate(gj_reader *r)
{
    const unsigned char *p = r->p, *end = r->end, *digits;
    gj_num n;
    if (p < end && *p == '-') p++;
    digits = p;
    if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && is_digit(*p)) p++;
    } else if (p < end && *p == '0') {
        p++;
    } else {
        goto full;
    }
    if (p - digits > 18) goto full;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p)) goto full;
#if GJ_SWAR
        {
            uint64_t x;
            while (end - p >= 8 && eight_digits(p, &x)) p += 8;
        }
#endif
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E' || is_digit(*p))) goto full;
    r->p = p;
    return GJ_OK;
full:
    TRY(scan_number(r, &n));
    return num_check(r, &n);
}

/* ------------------------------------------------------------------------ */
/* Skipping values we do not use (foreign members, bbox)                     */
/* ------------------------------------------------------------------------ */

/* Validates and skips any JSON value, iteratively with an explicit stack. */
static int skip_value(gj_reader *r)
{
    unsigned char stack[GJ_MAX_DEPTH];
    int depth = 0;
    for (;;) {
        gj_span sp;
        gj_num num;
        int kind, b;
        skip_ws(r);
        if (r->p >= r->end) return fail(r, GJ_ERROR, r->p, "unexpected end of file, expected a value");
        switch (*r->p) {
        case '{':
        case '[': {
            unsigned char open = *r->p, close = open == '{' ? '}' : ']';
            r->p++;
            skip_ws(r);
            if (r->p < r->end && *r->p == close) { r->p++; break; }
            if (depth == GJ_MAX_DEPTH)
                return fail(r, GJ_UNSUPPORTED, r->p, "JSON nested deeper than %d levels", GJ_MAX_DEPTH);
            stack[depth++] = open;
            if (open == '{') {
                const char *k;
                size_t kl;
                TRY(scan_key(r, &k, &kl, &sp));
            }
            continue;                            /* parse the first element */
        }
        case '"':
            TRY(scan_string(r, &sp));
            break;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            TRY(scan_number(r, &num));
            break;
        default:
            TRY(scan_literal(r, &kind, &b));
            break;
        }
        /* After a value: close containers, or move to the next element. */
        for (;;) {
            if (depth == 0) return GJ_OK;
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
                if (stack[depth - 1] == '{') {
                    const char *k;
                    size_t kl;
                    TRY(scan_key(r, &k, &kl, &sp));
                }
                break;
            }
            if (r->p < r->end && *r->p == (stack[depth - 1] == '{' ? '}' : ']')) {
                r->p++;
                depth--;
                continue;
            }
            return fail_expected(r, stack[depth - 1] == '{' ? "',' or '}'" : "',' or ']'");
        }
    }
}

/* Member loop helper: after a member's value, consumes ',' (returns 1: more
 * members) or '}' (returns 0). */
static int next_member(gj_reader *r, int *more)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; *more = 1; return GJ_OK; }
    if (r->p < r->end && *r->p == '}') { r->p++; *more = 0; return GJ_OK; }
    return fail_expected(r, "',' or '}'");
}

/* Consumes '{' and tells whether the object is empty (then '}' is consumed). */
static int open_object(gj_reader *r, int *empty)
{
    TRY(expect_char(r, '{', "'{'"));
    skip_ws(r);
    *empty = r->p < r->end && *r->p == '}';
    if (*empty) r->p++;
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Field table                                                               */
/* ------------------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static int field_find(const gj_reader *r, const char *k, size_t klen, uint64_t h)
{
    size_t mask = r->hcap - 1;
    if (!r->hcap) return -1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        int v = r->htab[i];
        if (!v) return -1;
        const gj_field *f = &r->fields[v - 1];
        if (f->hash == h && f->len == klen && memcmp(f->name, k, klen) == 0) return v - 1;
    }
}

/* Rebuilds the hash table at twice the size when it gets half full. */
static int hash_rehash(gj_reader *r)
{
    size_t cap = r->hcap ? r->hcap * 2 : 64;
    int *t = calloc(cap, sizeof *t);
    if (!t) return fail(r, GJ_ERROR, r->p, "out of memory");
    for (size_t j = 0; j < r->nfields; j++) {
        size_t i = (size_t)r->fields[j].hash & (cap - 1);
        while (t[i]) i = (i + 1) & (cap - 1);
        t[i] = (int)j + 1;
    }
    free(r->htab);
    r->htab = t;
    r->hcap = cap;
    return GJ_OK;
}

static int field_add(gj_reader *r, const char *k, size_t klen, uint64_t h, int *idx)
{
    gj_field *f;
    size_t i;
    if (r->nfields >= INT_MAX / 2) return fail(r, GJ_UNSUPPORTED, r->p, "too many fields");
    TRY(grow(r, (void **)&r->fields, &r->capfields, r->nfields + 1, sizeof *r->fields));
    f = &r->fields[r->nfields];
    memset(f, 0, sizeof *f);
    f->name = dup_n(k, klen);
    if (!f->name) return fail(r, GJ_ERROR, r->p, "out of memory");
    f->len = klen;
    f->hash = h;
    f->seen = -1;
    *idx = (int)r->nfields++;
    if (r->nfields * 2 > r->hcap) return hash_rehash(r);
    i = (size_t)h & (r->hcap - 1);
    while (r->htab[i]) i = (i + 1) & (r->hcap - 1);
    r->htab[i] = *idx + 1;
    return GJ_OK;
}

/* Field of the k-th property of this feature: features usually list their
 * properties in the same order, so the field of the k-th property of the
 * previous feature is tried first and the hash table only on a miss. */
static int field_lookup(gj_reader *r, size_t k, const char *key, size_t klen, int create, int *idx)
{
    uint64_t h;
    int f;
    if (k < r->capexpect) {
        f = r->expect[k];
        if (f >= 0 && r->fields[f].len == klen && memcmp(r->fields[f].name, key, klen) == 0) {
            *idx = f;
            return GJ_OK;
        }
    }
    h = hash_bytes(key, klen);
    f = field_find(r, key, klen, h);
    if (f < 0) {
        if (!create) return fail(r, GJ_ERROR, r->p, "property \"%.*s\" was not seen by the schema pass "
                                 "(did the file change?)", (int)klen, key);
        TRY(field_add(r, key, klen, h, &f));
    }
    if (k >= r->capexpect) {
        size_t old = r->capexpect;
        TRY(grow(r, (void **)&r->expect, &r->capexpect, k + 1, sizeof *r->expect));
        for (size_t j = old; j < r->capexpect; j++) r->expect[j] = -1;
    }
    r->expect[k] = f;
    *idx = f;
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Field order: GDAL's topological sort                                      */
/* ------------------------------------------------------------------------ */

/* Is there a path of "came before" edges from field a to field b? */
static int dag_path(gj_reader *r, int a, int b)
{
    size_t top = 0;
    unsigned gen = ++r->visit_gen;
    r->stack[top++] = a;
    r->fields[a].visit = gen;
    while (top) {
        int n = r->stack[--top];
        if (n == b) return 1;
        for (size_t i = 0; i < r->fields[n].nsucc; i++) {
            int s = r->fields[n].succ[i];
            if (r->fields[s].visit != gen) {
                r->fields[s].visit = gen;
                r->stack[top++] = s;
            }
        }
    }
    return 0;
}

/* Records that field b followed field a in a feature, as GDAL's
 * DirectedAcyclicGraph::addEdge: no duplicate edges, and an edge that would
 * close a cycle is dropped. */
static int dag_edge(gj_reader *r, int a, int b)
{
    gj_field *fa = &r->fields[a];
    if (a == b) return GJ_OK;
    for (size_t i = 0; i < fa->nsucc; i++)
        if (fa->succ[i] == b) return GJ_OK;      /* the common case: seen before */
    TRY(grow(r, (void **)&r->stack, &r->capstack, r->nfields, sizeof *r->stack));
    if (dag_path(r, b, a)) return GJ_OK;
    fa = &r->fields[a];
    TRY(grow(r, (void **)&fa->succ, &fa->capsucc, fa->nsucc + 1, sizeof *fa->succ));
    fa->succ[fa->nsucc++] = b;
    return GJ_OK;
}

/* Min-heap of field indices ordered by name (bytewise, as std::string). */
static int name_less(const gj_reader *r, size_t a, size_t b)
{
    return strcmp(r->fields[a].name, r->fields[b].name) < 0;
}

static void heap_push(const gj_reader *r, size_t *h, size_t *n, size_t v)
{
    size_t i = (*n)++;
    h[i] = v;
    while (i > 0 && name_less(r, h[i], h[(i - 1) / 2])) {
        size_t p = (i - 1) / 2, t = h[p];
        h[p] = h[i];
        h[i] = t;
        i = p;
    }
}

static size_t heap_pop(const gj_reader *r, size_t *h, size_t *n)
{
    size_t top = h[0], i = 0;
    h[0] = h[--*n];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < *n && name_less(r, h[l], h[m])) m = l;
        if (l + 1 < *n && name_less(r, h[l + 1], h[m])) m = l + 1;
        if (m == i) break;
        size_t t = h[m];
        h[m] = h[i];
        h[i] = t;
        i = m;
    }
    return top;
}

/* Kahn's algorithm with the ready set ordered by name: GDAL's
 * DirectedAcyclicGraph::getTopologicalOrdering(). For features that all list
 * their properties in one order this is simply that order. */
static int schema_order(gj_reader *r)
{
    size_t n = r->nfields, nh = 0, out = 0;
    size_t *heap;
    r->order = malloc((n ? n : 1) * sizeof *r->order);
    r->pos_of = malloc((n ? n : 1) * sizeof *r->pos_of);
    heap = malloc((n ? n : 1) * sizeof *heap);
    if (!r->order || !r->pos_of || !heap) { free(heap); return fail(r, GJ_ERROR, r->p, "out of memory"); }
    for (size_t i = 0; i < n; i++) r->fields[i].indeg = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < r->fields[i].nsucc; j++) r->fields[r->fields[i].succ[j]].indeg++;
    for (size_t i = 0; i < n; i++)
        if (!r->fields[i].indeg) heap_push(r, heap, &nh, i);
    while (nh) {
        size_t f = heap_pop(r, heap, &nh);
        r->pos_of[f] = out;
        r->order[out++] = f;
        for (size_t j = 0; j < r->fields[f].nsucc; j++) {
            size_t s = (size_t)r->fields[f].succ[j];
            if (--r->fields[s].indeg == 0) heap_push(r, heap, &nh, s);
        }
    }
    free(heap);
    return GJ_OK;
}

/* qsort helper for the case-insensitive duplicate check. */
static int ci_cmp(const void *a, const void *b)
{
    const unsigned char *x = *(const unsigned char *const *)a, *y = *(const unsigned char *const *)b;
    for (;; x++, y++) {
        int cx = *x >= 'A' && *x <= 'Z' ? *x - 'A' + 'a' : *x;
        int cy = *y >= 'A' && *y <= 'Z' ? *y - 'A' + 'a' : *y;
        if (cx != cy || !cx) return cx - cy;
    }
}

/* Names that differ only by case are distinct GDAL fields but collide in
 * case-insensitive stores (SQLite, GeoPackage), so they go to GDAL. */
static int schema_case_check(gj_reader *r)
{
    const char **names;
    int rc = GJ_OK;
    if (r->nfields < 2) return GJ_OK;
    names = malloc(r->nfields * sizeof *names);
    if (!names) return fail(r, GJ_ERROR, r->p, "out of memory");
    for (size_t i = 0; i < r->nfields; i++) names[i] = r->fields[i].name;
    qsort(names, r->nfields, sizeof *names, ci_cmp);
    for (size_t i = 1; i < r->nfields; i++)
        if (ci_cmp(&names[i - 1], &names[i]) == 0) {
            r->cur = -1;
            rc = fail(r, GJ_UNSUPPORTED, r->data, "property names \"%s\" and \"%s\" differ only by case",
                      names[i - 1], names[i]);
            break;
        }
    free(names);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Type inference (GDAL 3.6)                                                 */
/* ------------------------------------------------------------------------ */

/* atoi() as glibc has it: strtol converted to int. */
static int c_atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

/* Does GDAL 3.6's OGRParseDate(s, &field, 0) succeed? Its rules, kept as
 * they are (lenient: one-digit months, trailing time zone text ignored):
 *   [spaces] [Y+-M+-D+ with '-' or '/'] [T|Z|space] [H+:M+[:S[.s]]] [tz]
 * The time zone part never makes it fail, so it is not examined. */
static int gdal_parse_date(gj_reader *r, const char *s)
{
    int got = 0;
    while (*s == ' ') s++;
    if (strchr(s, '-') || strchr(s, '/')) {
        int year, month, day;
        if (!(*s == '-' || *s == '+' || is_digit((unsigned char)*s))) return 0;
        year = c_atoi(s);
        if (year > 32767 || year < -32768) return 0;
        if (*s == '-') s++;
        while (is_digit((unsigned char)*s)) s++;
        if (*s != '-' && *s != '/') return 0;
        s++;
        month = c_atoi(s);
        if (month <= 0 || month > 12) return 0;
        while (is_digit((unsigned char)*s)) s++;
        if (*s != '-' && *s != '/') return 0;
        s++;
        day = c_atoi(s);
        if (day <= 0 || day > 31) return 0;
        while (is_digit((unsigned char)*s)) s++;
        if (*s == '\0') return 1;
        got = 1;
        if (*s == 'T') s++;
        else if (*s == 'Z') return 1;
        else if (*s != ' ') return 0;
    }
    while (*s == ' ') s++;
    if (strchr(s, ':')) {
        int hour, minute;
        if (!is_digit((unsigned char)*s)) return 0;
        hour = c_atoi(s);
        if (hour < 0 || hour > 23) return 0;
        while (is_digit((unsigned char)*s)) s++;
        if (*s != ':') return 0;
        s++;
        if (!is_digit((unsigned char)*s)) return 0;
        minute = c_atoi(s);
        if (minute < 0 || minute > 59) return 0;
        while (is_digit((unsigned char)*s)) s++;
        if (*s == ':') {
            double sec;
            locale_t old = (locale_t)0;
            s++;
            if (!is_digit((unsigned char)*s)) return 0;
            if (r->cloc) old = uselocale(r->cloc);
            sec = strtod(s, NULL);                  /* CPLAtof */
            if (r->cloc) uselocale(old);
            if (sec > 60.0 || sec < 0.0) return 0;
        }
        got = 1;
    } else if (got && *s != '\0') {
        return 0;
    }
    return got;
}

/* GeoJSONStringPropertyToFieldType(): Date, Time, DateTime or String. */
static int string_type(gj_reader *r, const gj_span *sp)
{
    const char *s;
    if (grow(r, (void **)&r->tmpbuf, &r->tmpcap, sp->len + 1, 1) != GJ_OK) return T_STRING;
    unescape(sp, r->tmpbuf);
    s = r->tmpbuf;
    if (!gdal_parse_date(r, s)) return T_STRING;
    {
        int has_date = strchr(s, '/') || strchr(s, '-');
        int has_time = strchr(s, ':') != NULL;
        if (has_date && has_time) return T_DATETIME;
        if (has_date) return T_DATE;
        return T_TIME;
    }
}

/* GeoJSONPropertyToFieldType() for a scalar: booleans are Integer(Boolean),
 * integers Integer or Integer64 by range, other numbers Real. */
static void value_type(const gj_val *v, int *type, int *sub)
{
    *sub = SUB_NONE;
    switch (v->kind) {
    case V_BOOL: *type = T_INTEGER; *sub = SUB_BOOLEAN; break;
    case V_INT: *type = (v->i >= INT32_MIN && v->i <= INT32_MAX) ? T_INTEGER : T_INTEGER64; break;
    case V_REAL: *type = T_REAL; break;
    default: *type = T_STRING; break;
    }
}

/* OGRGeoJSONReaderAddOrUpdateField() for one non-null value of an existing
 * field (GDAL 3.6). Verified against ogrinfo on every sequence of three
 * values from {int, int64, real, bool, string, date, time, datetime, null,
 * absent}. */
static void field_update(gj_reader *r, gj_field *f, const gj_val *v)
{
    int nt, ns;
    value_type(v, &nt, &ns);
    if (f->undetermined) {                       /* first non-null value decides */
        f->type = nt == T_STRING ? string_type(r, &v->str) : nt;
        f->sub = ns;
        f->undetermined = 0;
        return;
    }
    switch (f->type) {
    case T_INTEGER:
        if (nt == T_INTEGER) {
            if (f->sub == SUB_BOOLEAN && ns != SUB_BOOLEAN) f->sub = SUB_NONE;
        } else if (nt == T_INTEGER64 || nt == T_REAL) {
            f->type = nt;
            f->sub = SUB_NONE;
        } else {
            f->type = T_STRING;
            f->sub = SUB_JSON;
        }
        break;
    case T_INTEGER64:
        if (nt == T_REAL) f->type = T_REAL;
        else if (nt != T_INTEGER && nt != T_INTEGER64) { f->type = T_STRING; f->sub = SUB_JSON; }
        break;
    case T_REAL:
        if (nt == T_STRING) { f->type = T_STRING; f->sub = SUB_JSON; }
        break;
    case T_STRING:
        break;                                   /* GDAL 3.6 keeps plain String */
    default:                                     /* Date, Time, DateTime */
        if (nt == T_STRING) nt = string_type(r, &v->str);
        if (nt != f->type) {
            f->sub = SUB_NONE;
            if (nt == T_STRING) f->type = T_STRING;
            else if (f->type == T_DATE && nt == T_DATETIME) f->type = T_DATETIME;
            else if (!(f->type == T_DATETIME && nt == T_DATE)) { f->type = T_STRING; f->sub = SUB_JSON; }
        }
        break;
    }
}

/* A field's first appearance: a null makes it a String that the first real
 * value retypes. */
static void field_first(gj_reader *r, gj_field *f, const gj_val *v)
{
    if (v->kind == V_NULL) {
        f->type = T_STRING;
        f->sub = SUB_NONE;
        f->undetermined = 1;
        return;
    }
    value_type(v, &f->type, &f->sub);
    if (f->type == T_STRING) f->type = string_type(r, &v->str);
}

/* ------------------------------------------------------------------------ */
/* Property values                                                           */
/* ------------------------------------------------------------------------ */

/* Scans one property value: scalars only (GDAL turns arrays into list fields
 * and objects into JSON strings, which we leave to GDAL). */
static int scan_value(gj_reader *r, gj_val *v, const char *key, size_t klen)
{
    skip_ws(r);
    if (r->p >= r->end) return fail(r, GJ_ERROR, r->p, "unexpected end of file, expected a value");
    switch (*r->p) {
    case '"':
        v->kind = V_STRING;
        return scan_string(r, &v->str);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        TRY(scan_number(r, &v->num));
        if (v->num.is_int) {
            if (!num_int64(&v->num, &v->i))
                return fail(r, GJ_UNSUPPORTED, v->num.s, "property \"%.*s\": integer does not fit in "
                            "64 bits (GDAL clamps it)", (int)klen, key);
            v->kind = V_INT;
            return GJ_OK;
        }
        v->kind = V_REAL;
        return GJ_OK;
    case '[':
        return fail(r, GJ_UNSUPPORTED, r->p, "property \"%.*s\" is an array (GDAL makes a list field)",
                    (int)klen, key);
    case '{':
        return fail(r, GJ_UNSUPPORTED, r->p, "property \"%.*s\" is an object (GDAL makes a JSON "
                    "string field)", (int)klen, key);
    default:
        return scan_literal(r, &v->kind, &v->b);
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
    TRY(grow(r, (void **)&r->arena, &r->arena_cap, r->arena_len + need, 1));
    *off = r->arena_len;
    if (sp) *len = unescape(sp, r->arena + r->arena_len);
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
        else TRY(num_double(r, &v->num, &o->d));
        return GJ_OK;
    default:
        if (v->kind == V_STRING) return arena_add(r, NULL, 0, &v->str, &r->stroff[pos], &o->slen);
        if (v->kind == V_BOOL) return arena_add(r, v->b ? "true" : "false", v->b ? 4 : 5, NULL,
                                                &r->stroff[pos], &o->slen);
        if (v->kind == V_INT) n = (size_t)snprintf(buf, sizeof buf, "%" PRId64, v->i);
        else {
            double d;
            TRY(num_double(r, &v->num, &d));
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
    TRY(open_object(r, &empty));
    if (empty) return GJ_OK;
    while (more) {
        const char *key;
        size_t klen;
        gj_span ks;
        gj_val v;
        int fi;
        const unsigned char *at = r->p;
        TRY(scan_key(r, &key, &klen, &ks));
        TRY(scan_value(r, &v, key, klen));
        if (mode == MODE_SCAN) {
            gj_field *f;
            size_t before = r->nfields;
            if (klen == 0 || ks.nul)
                return fail(r, GJ_UNSUPPORTED, at, "property name is empty or contains \\u0000");
            if (v.kind == V_STRING && v.str.nul)
                return fail(r, GJ_UNSUPPORTED, v.str.s, "property \"%.*s\" contains \\u0000 (GDAL "
                            "truncates the string there)", (int)klen, key);
            if (v.kind == V_REAL) TRY(num_check(r, &v.num));
            TRY(field_lookup(r, k, key, klen, 1, &fi));
            f = &r->fields[fi];
            if (f->seen == r->cur)
                return fail(r, GJ_UNSUPPORTED, at, "property \"%.*s\" appears twice in the feature",
                            (int)klen, key);
            f->seen = r->cur;
            if ((size_t)fi == before) field_first(r, f, &v);
            else if (v.kind != V_NULL) field_update(r, f, &v);
            if (prev >= 0) TRY(dag_edge(r, prev, fi));
            prev = fi;
        } else {
            TRY(field_lookup(r, k, key, klen, 0, &fi));
            TRY(value_store(r, &r->fields[fi], r->pos_of[fi], &v));
        }
        k++;
        TRY(next_member(r, &more));
    }
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Geometry                                                                  */
/* ------------------------------------------------------------------------ */

static const char *const geom_names[] = {
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
    "MultiPolygon", "GeometryCollection", NULL
};

static int wkb_reserve(gj_reader *r, size_t n)
{
    if (r->wkb_len + n <= r->wkb_cap) return GJ_OK;
    return grow(r, (void **)&r->wkb, &r->wkb_cap, r->wkb_len + n, 1);
}

/* Little-endian stores (WKB byte order 1) whatever the host order. */
static inline void put_u32(gj_reader *r, size_t at, uint32_t v)
{
    unsigned char *o = r->wkb + at;
    o[0] = (unsigned char)v;
    o[1] = (unsigned char)(v >> 8);
    o[2] = (unsigned char)(v >> 16);
    o[3] = (unsigned char)(v >> 24);
}

static inline void put_f64(gj_reader *r, double d)
{
    unsigned char *o = r->wkb + r->wkb_len;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(o, &d, 8);
#else
    uint64_t b;
    memcpy(&b, &d, 8);
    for (int i = 0; i < 8; i++) o[i] = (unsigned char)(b >> (8 * i));
#endif
    r->wkb_len += 8;
}

/* Byte order and ISO type (1000 added for Z) of a geometry. */
static int wkb_header(gj_reader *r, int type, int dimz)
{
    TRY(wkb_reserve(r, 5));
    r->wkb[r->wkb_len] = 1;
    put_u32(r, r->wkb_len + 1, (uint32_t)(type + (dimz ? 1000 : 0)));
    r->wkb_len += 5;
    return GJ_OK;
}

/* Reserves a count to patch once the elements are read. */
static int wkb_count_slot(gj_reader *r, size_t *at)
{
    TRY(wkb_reserve(r, 4));
    *at = r->wkb_len;
    r->wkb_len += 4;
    return GJ_OK;
}

/* Opens an array and tells whether it is empty ("[]" consumed). */
static int open_array(gj_reader *r, int *empty, const char *what)
{
    skip_ws(r);
    if (r->p >= r->end || *r->p != '[') return fail_expected(r, what);
    r->p++;
    skip_ws(r);
    *empty = r->p < r->end && *r->p == ']';
    if (*empty) r->p++;
    return GJ_OK;
}

/* After an element: ',' (more) or ']' (done). */
static int next_element(gj_reader *r, int *more)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; *more = 1; return GJ_OK; }
    if (r->p < r->end && *r->p == ']') { r->p++; *more = 0; return GJ_OK; }
    return fail_expected(r, "',' or ']'");
}

/* One position [x, y, z?, ...]. GDAL uses the first three values (a fourth,
 * M, is ignored); a missing Z in a 3D geometry is written as 0. */
static int geom_position(gj_reader *r, gj_geom *g)
{
    int empty, more = 1, nv = 0;
    double xyz[3] = {0, 0, 0};
    const unsigned char *at;
    skip_ws(r);
    at = r->p;
    TRY(open_array(r, &empty, "'[' starting a position"));
    if (empty) return fail(r, GJ_UNSUPPORTED, at, "empty position [] (GDAL reads the geometry as null)");
    while (more) {
        gj_num n;
        skip_ws(r);
        if (r->p >= r->end || !(*r->p == '-' || is_digit(*r->p))) {
            if (r->p < r->end && (*r->p == 'N' || *r->p == 'I'))
                return fail(r, GJ_ERROR, r->p, "NaN and Infinity are not JSON numbers");
            return fail_expected(r, "a number in a position");
        }
        if (g->mode == MODE_EMIT) {
            TRY(scan_number(r, &n));
            if (nv < 3) TRY(num_double(r, &n, &xyz[nv]));
        } else {
            TRY(skip_coordinate(r));
        }
        nv++;
        TRY(next_element(r, &more));
    }
    if (nv < 2) return fail(r, GJ_ERROR, at, "a position needs at least 2 numbers, found %d", nv);
    if (nv >= 3) g->anyz = 1;
    if (g->mode == MODE_EMIT) {
        TRY(wkb_reserve(r, 24));
        put_f64(r, xyz[0]);
        put_f64(r, xyz[1]);
        if (g->dimz) put_f64(r, xyz[2]);
    }
    return GJ_OK;
}

/* An array of positions: a LineString, a ring, or MultiPoint coordinates
 * (then each point gets its own WKB header). Empty arrays are allowed only
 * where GDAL makes an empty geometry of them (allow_empty). */
static int geom_positions(gj_reader *r, gj_geom *g, int as_points, int allow_empty)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    const unsigned char *at;
    skip_ws(r);
    at = r->p;
    TRY(open_array(r, &empty, "'[' starting an array of positions"));
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    if (empty) {
        if (!allow_empty) return fail(r, GJ_UNSUPPORTED, at, "empty ring or part [] (GDAL drops or "
                                      "nullifies it)");
        if (g->mode == MODE_EMIT) put_u32(r, slot, 0);
        return GJ_OK;
    }
    while (more) {
        if (as_points && g->mode == MODE_EMIT) TRY(wkb_header(r, G_POINT, g->dimz));
        TRY(geom_position(r, g));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* Polygon coordinates: an array of rings. */
static int geom_rings(gj_reader *r, gj_geom *g)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    const unsigned char *at;
    skip_ws(r);
    at = r->p;
    TRY(open_array(r, &empty, "'[' starting an array of rings"));
    if (empty) return fail(r, GJ_UNSUPPORTED, at, "Polygon with no rings [] (GDAL reads it as null)");
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    while (more) {
        TRY(geom_positions(r, g, 0, 0));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* MultiLineString / MultiPolygon coordinates: an array of parts, each with
 * its own WKB header. */
static int geom_parts(gj_reader *r, gj_geom *g, int part_type)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    TRY(open_array(r, &empty, "'[' starting an array of parts"));
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    while (!empty && more) {
        if (g->mode == MODE_EMIT) TRY(wkb_header(r, part_type, g->dimz));
        if (part_type == G_LINESTRING) TRY(geom_positions(r, g, 0, 0));
        else TRY(geom_rings(r, g));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* The "coordinates" value of a geometry of the given type. */
static int geom_coordinates(gj_reader *r, gj_geom *g, int type)
{
    switch (type) {
    case G_POINT: return geom_position(r, g);
    case G_LINESTRING: return geom_positions(r, g, 0, 1);
    case G_POLYGON: return geom_rings(r, g);
    case G_MULTIPOINT: return geom_positions(r, g, 1, 1);
    case G_MULTILINESTRING: return geom_parts(r, g, G_LINESTRING);
    default: return geom_parts(r, g, G_POLYGON);
    }
}

static int geom_object(gj_reader *r, gj_geom *g, int depth);

/* The "geometries" array of a GeometryCollection. */
static int geom_members(gj_reader *r, gj_geom *g, int depth)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    TRY(open_array(r, &empty, "'[' starting the geometries of a GeometryCollection"));
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    while (!empty && more) {
        skip_ws(r);
        if (r->p >= r->end || *r->p != '{')
            return fail_kind(r, "a GeometryCollection member is not a geometry object");
        TRY(geom_object(r, g, depth + 1));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* The geometry type named by a "type" value. */
static int geom_type_of(gj_reader *r, const unsigned char *at, const char *t, size_t tlen, int *type)
{
    for (int i = 0; geom_names[i]; i++) {
        if (key_is(t, tlen, geom_names[i])) { *type = i + 1; return GJ_OK; }
        if (key_is_ci(t, tlen, geom_names[i]))
            return fail(r, GJ_UNSUPPORTED, at, "geometry type \"%.*s\" in non-standard case (GDAL "
                        "accepts it)", (int)tlen, t);
    }
    return fail(r, GJ_ERROR, at, "unknown geometry type \"%.*s\"", (int)(tlen > 60 ? 60 : tlen), t);
}

/* A geometry object. Its members may come in any order: when "coordinates"
 * (or "geometries") precede "type", their position is remembered, the value
 * skipped, and read again once the type is known. */
static int geom_object(gj_reader *r, gj_geom *g, int depth)
{
    static const char *const reserved[] = { "type", "coordinates", "geometries", "bbox", "crs", NULL };
    int empty, more = 1, type = 0, seen_body = 0, body_gc = 0;
    const unsigned char *obj = r->p, *body = NULL;
    size_t body_line = 0;
    if (depth > GJ_MAX_GC_DEPTH)
        return fail(r, GJ_UNSUPPORTED, r->p, "GeometryCollections nested deeper than %d", GJ_MAX_GC_DEPTH);
    TRY(open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks;
        const unsigned char *at = r->p;
        TRY(scan_key(r, &k, &kl, &ks));
        skip_ws(r);
        if (key_is(k, kl, "type")) {
            gj_span ts;
            const char *t;
            size_t tl;
            const unsigned char *vat = r->p;
            if (type) return fail(r, GJ_UNSUPPORTED, at, "geometry has two \"type\" members");
            if (r->p >= r->end || *r->p != '"') return fail_expected(r, "a geometry type string");
            TRY(scan_string(r, &ts));
            TRY(key_text(r, &ts, &t, &tl));
            TRY(geom_type_of(r, vat, t, tl, &type));
            if (depth == 0) g->type = type;
            if (g->mode == MODE_EMIT) TRY(wkb_header(r, type, g->dimz));
        } else if (key_is(k, kl, "coordinates") || key_is(k, kl, "geometries")) {
            int is_gc_key = key_is(k, kl, "geometries");
            if (type && (type == G_COLLECTION) == is_gc_key) {
                if (seen_body) return fail(r, GJ_UNSUPPORTED, at, "geometry has two \"%.*s\" members",
                                           (int)kl, k);
                seen_body = 1;
                if (is_gc_key) TRY(geom_members(r, g, depth));
                else TRY(geom_coordinates(r, g, type));
            } else if (!type) {
                if (body) return fail(r, GJ_UNSUPPORTED, at, "geometry has several \"coordinates\" or "
                                      "\"geometries\" members before its \"type\"");
                body = r->p;
                body_line = r->line;
                body_gc = is_gc_key;
                TRY(skip_value(r));
            } else {
                TRY(skip_value(r));              /* "geometries" of a Point: GDAL ignores it */
            }
        } else if (key_is(k, kl, "crs")) {
            return fail(r, GJ_UNSUPPORTED, at, "geometry has its own \"crs\" member");
        } else if (reserved_variant(k, kl, reserved)) {
            return fail(r, GJ_UNSUPPORTED, at, "geometry member \"%.*s\" in non-standard case", (int)kl, k);
        } else {
            TRY(skip_value(r));                  /* bbox, foreign members */
        }
        TRY(next_member(r, &more));
    }
    if (!type) return fail(r, GJ_ERROR, obj, "geometry object without a \"type\" member");
    if (!seen_body && body && body_gc == (type == G_COLLECTION)) {
        const unsigned char *after = r->p;
        size_t after_line = r->line;
        r->p = body;
        r->line = body_line;
        if (type == G_COLLECTION) TRY(geom_members(r, g, depth));
        else TRY(geom_coordinates(r, g, type));
        seen_body = 1;
        r->p = after;
        r->line = after_line;
    }
    if (!seen_body)
        return fail(r, GJ_ERROR, obj, "%s without a \"%s\" member", geom_names[type - 1],
                    type == G_COLLECTION ? "geometries" : "coordinates");
    return GJ_OK;
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
        return fail_kind(r, "\"geometry\" is neither an object nor null (GDAL reads a null geometry)");
    *is_null = 0;
    memset(&g, 0, sizeof g);
    g.mode = mode;
    g.dimz = r->cur_z;
    TRY(geom_object(r, &g, 0));
    if (mode == MODE_SCAN) {
        if (g.anyz) {
            r->has_z = 1;
            r->zbits[r->cur >> 3] |= (unsigned char)(1u << (r->cur & 7));
        }
        layer_type_update(r, g.type);
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
        return fail(r, GJ_UNSUPPORTED, at, "feature \"id\" is an object or array");
    TRY(scan_value(r, &v, "id", 2));
    if (v.kind == V_NULL) return GJ_OK;
    if (v.kind == V_INT && v.i >= 0) return GJ_OK;
    return fail(r, GJ_UNSUPPORTED, at, "feature \"id\" is %s, not a non-negative integer (GDAL turns "
                "it into an \"id\" field)", v.kind == V_STRING ? "a string" : v.kind == V_INT ?
                "negative" : v.kind == V_REAL ? "not an integer" : "a boolean");
}

/* Reads one Feature object. The schema pass checks everything GDAL treats
 * specially; the feature pass trusts it and only decodes. */
static int parse_feature(gj_reader *r, int mode)
{
    static const char *const reserved[] = { "type", "properties", "geometry", "id", "bbox", NULL };
    int empty, more = 1, seen_type = 0, seen_props = 0, seen_geom = 0, others = 0;
    const unsigned char *obj;
    skip_ws(r);
    obj = r->p;
    if (r->p < r->end && *r->p != '{') {
        if (r->p + 4 <= r->end && memcmp(r->p, "null", 4) == 0)
            return fail(r, GJ_UNSUPPORTED, r->p, "null in the features array (GDAL skips it)");
        return fail(r, GJ_UNSUPPORTED, r->p, "element of the features array is not an object (GDAL "
                    "skips it)");
    }
    TRY(open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks;
        const unsigned char *at = r->p;
        TRY(scan_key(r, &k, &kl, &ks));
        if (key_is(k, kl, "properties")) {
            if (seen_props++) return fail(r, GJ_UNSUPPORTED, at, "feature has two \"properties\" members");
            skip_ws(r);
            if (r->p + 4 <= r->end && memcmp(r->p, "null", 4) == 0) r->p += 4;
            else if (r->p < r->end && *r->p == '[') {
                int e;
                TRY(open_array(r, &e, "'['"));
                if (!e) return fail_kind(r, "\"properties\" is a non-empty array");
            } else if (r->p < r->end && *r->p == '{') {
                TRY(parse_properties(r, mode));
            } else {
                return fail_kind(r, "\"properties\" is not an object (GDAL makes a field of it)");
            }
        } else if (key_is(k, kl, "geometry")) {
            int is_null = 1;
            if (seen_geom++) return fail(r, GJ_UNSUPPORTED, at, "feature has two \"geometry\" members");
            if (mode == MODE_EMIT) r->wkb_len = 0;
            TRY(parse_geometry(r, mode, &is_null));
            if (mode == MODE_EMIT && is_null) r->wkb_len = 0;
        } else if (key_is(k, kl, "type")) {
            gj_span ts;
            const char *t;
            size_t tl;
            if (seen_type++) return fail(r, GJ_UNSUPPORTED, at, "feature has two \"type\" members");
            skip_ws(r);
            if (mode == MODE_SCAN) {
                if (r->p >= r->end || *r->p != '"')
                    return fail_kind(r, "feature \"type\" is not a string");
                TRY(scan_string(r, &ts));
                TRY(key_text(r, &ts, &t, &tl));
                if (!key_is(t, tl, "Feature"))
                    return fail(r, GJ_UNSUPPORTED, at, "element of features has type \"%.*s\", not "
                                "\"Feature\"", (int)(tl > 60 ? 60 : tl), t);
            } else {
                TRY(skip_value(r));
            }
        } else if (key_is(k, kl, "id")) {
            others++;
            if (mode == MODE_SCAN) TRY(check_feature_id(r));
            else TRY(skip_value(r));
        } else {
            if (mode == MODE_SCAN && reserved_variant(k, kl, reserved))
                return fail(r, GJ_UNSUPPORTED, at, "feature member \"%.*s\" in non-standard case (GDAL "
                            "matches it)", (int)kl, k);
            if (!key_is(k, kl, "bbox")) others++;
            TRY(skip_value(r));
        }
        TRY(next_member(r, &more));
    }
    if (mode == MODE_SCAN) {
        if (!seen_type)
            return fail(r, GJ_UNSUPPORTED, obj, "element of features has no \"type\": \"Feature\"");
        if (!seen_props && others)
            return fail(r, GJ_UNSUPPORTED, obj, "feature without \"properties\" but with other members "
                        "(GDAL makes fields of them)");
    }
    if (mode == MODE_EMIT && !seen_geom) r->wkb_len = 0;
    return GJ_OK;
}

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
            TRY(grow(r, (void **)&r->zbits, &r->capzbits, (size_t)(r->nfeat >> 3) + 1, 1));
            memset(r->zbits + old, 0, r->capzbits - old);
        }
        TRY(parse_feature(r, MODE_SCAN));
        r->nfeat++;
        TRY(next_element(r, &more));
    }
    r->cur = -1;
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Top level                                                                 */
/* ------------------------------------------------------------------------ */

/* The collection's "crs": only {"type": "name", "properties": {"name": s}}
 * is handled (GDAL also reads the old "EPSG", "link" and "OGC" forms). */
static int parse_crs(gj_reader *r)
{
    int empty, more = 1, is_name = 0;
    const unsigned char *obj;
    skip_ws(r);
    obj = r->p;
    if (r->p >= r->end || *r->p != '{')
        return fail_kind(r, "\"crs\" is not an object");
    TRY(open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks, vs;
        TRY(scan_key(r, &k, &kl, &ks));
        skip_ws(r);
        if (key_is(k, kl, "type")) {
            const char *t;
            size_t tl;
            if (r->p >= r->end || *r->p != '"') return fail_kind(r, "crs type is not a string");
            TRY(scan_string(r, &vs));
            TRY(key_text(r, &vs, &t, &tl));
            if (!key_is(t, tl, "name"))
                return fail(r, GJ_UNSUPPORTED, vs.s, "crs of type \"%.*s\" (only \"name\" is handled)",
                            (int)(tl > 40 ? 40 : tl), t);
            is_name = 1;
        } else if (key_is(k, kl, "properties")) {
            int pe, pm = 1;
            if (r->p >= r->end || *r->p != '{') return fail_kind(r, "crs properties is not an object");
            TRY(open_object(r, &pe));
            while (!pe && pm) {
                const char *pk;
                size_t pkl;
                gj_span pks;
                TRY(scan_key(r, &pk, &pkl, &pks));
                skip_ws(r);
                if (key_is(pk, pkl, "name")) {
                    if (r->p >= r->end || *r->p != '"')
                        return fail_kind(r, "crs name is not a string");
                    TRY(scan_string(r, &vs));
                    free(r->crs);
                    r->crs = malloc(vs.len + 1);
                    if (!r->crs) return fail(r, GJ_ERROR, r->p, "out of memory");
                    unescape(&vs, r->crs);
                } else {
                    TRY(skip_value(r));
                }
                TRY(next_member(r, &pm));
            }
        } else {
            TRY(skip_value(r));
        }
        TRY(next_member(r, &more));
    }
    if (!is_name || !r->crs)
        return fail(r, GJ_UNSUPPORTED, obj, "\"crs\" is not of type \"name\" with a name");
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
    if (r->p >= r->end) return fail(r, GJ_ERROR, r->p, "empty file: expected a GeoJSON object");
    if (*r->p != '{') {
        char buf[32];
        return fail(r, GJ_ERROR, r->p, "not a GeoJSON object: the file starts with %s",
                    describe(r, r->p, buf, sizeof buf));
    }
    TRY(open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks, vs;
        const unsigned char *at = r->p;
        TRY(scan_key(r, &k, &kl, &ks));
        skip_ws(r);
        if (key_is(k, kl, "type")) {
            const char *t;
            size_t tl;
            if (r->p >= r->end || *r->p != '"') return fail_expected(r, "a type string");
            TRY(scan_string(r, &vs));
            TRY(key_text(r, &vs, &t, &tl));
            if (!key_is(t, tl, "FeatureCollection")) {
                if (key_is(t, tl, "Feature"))
                    return fail(r, GJ_UNSUPPORTED, at, "top level is a single Feature, not a "
                                "FeatureCollection");
                for (int i = 0; geom_names[i]; i++)
                    if (key_is_ci(t, tl, geom_names[i]))
                        return fail(r, GJ_UNSUPPORTED, at, "top level is a bare %s geometry", geom_names[i]);
                if (key_is_ci(t, tl, "FeatureCollection") || key_is_ci(t, tl, "Feature"))
                    return fail(r, GJ_UNSUPPORTED, at, "top-level type \"%.*s\" in non-standard case",
                                (int)tl, t);
                return fail(r, GJ_ERROR, at, "top-level type \"%.*s\" is not a GeoJSON type",
                            (int)(tl > 60 ? 60 : tl), t);
            }
            seen_type = 1;
        } else if (key_is(k, kl, "features")) {
            if (seen_features++) return fail(r, GJ_UNSUPPORTED, at, "two \"features\" members");
            if (r->p >= r->end || *r->p != '[') return fail_expected(r, "'[' starting the features array");
            TRY(scan_features(r));
        } else if (key_is(k, kl, "crs")) {
            TRY(parse_crs(r));
        } else if (key_is(k, kl, "name")) {
            if (r->p >= r->end || *r->p != '"') return fail_kind(r, "\"name\" is not a string");
            TRY(scan_string(r, &vs));
            if (vs.nul) return fail(r, GJ_UNSUPPORTED, vs.s, "\"name\" contains \\u0000");
            free(r->name);
            r->name = malloc(vs.len + 1);
            if (!r->name) return fail(r, GJ_ERROR, r->p, "out of memory");
            unescape(&vs, r->name);
        } else if (reserved_variant(k, kl, reserved)) {
            return fail(r, GJ_UNSUPPORTED, at, "member \"%.*s\" in non-standard case (GDAL matches it)",
                        (int)kl, k);
        } else {
            TRY(skip_value(r));
        }
        TRY(next_member(r, &more));
    }
    if (!seen_type) return fail(r, GJ_ERROR, obj, "the top-level object has no \"type\" member");
    if (!seen_features) return fail(r, GJ_ERROR, obj, "FeatureCollection without a \"features\" member");
    skip_ws(r);
    if (r->p < r->end) {
        if (*r->p == '{' || *r->p == 0x1E)
            return fail(r, GJ_UNSUPPORTED, r->p, "more than one top-level object (a GeoJSON sequence?)");
        return fail(r, GJ_ERROR, r->p, "unexpected data after the top-level object");
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
    TRY(schema_order(r));
    TRY(schema_case_check(r));
    r->values = calloc(n, sizeof *r->values);
    r->stroff = malloc(n * sizeof *r->stroff);
    if (!r->values || !r->stroff) return fail(r, GJ_ERROR, r->p, "out of memory");
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
    rc = parse_feature(r, MODE_EMIT);
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
