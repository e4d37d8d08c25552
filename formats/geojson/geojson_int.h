/* geojson_int.h: what the files of the GeoJSON reader share (never
 * installed): the reader's state, the token types, and what one file offers
 * the others. The reader is split by job:
 *
 *   geojson_reader.c   the public API: opening (mmap), the top-level object,
 *                      the two passes, errors and buffers
 *   geojson_feature.c  one Feature object: its properties (scanned, then
 *                      converted as GDAL does), geometry member (the layer
 *                      geometry type, Z) and id
 *   geojson_geom.c     geometry objects: checked, or written as ISO WKB
 *   geojson_schema.c   fields: lookup, GDAL's type promotion and date/time
 *                      detection, GDAL's field order (a DAG)
 *   geojson_lex.c      the in-place tokenizer: whitespace, literals,
 *                      strings (escapes, UTF-8), member names, punctuation,
 *                      skipping values the reader does not use
 *   geojson_num.c      numbers: scanning, exact conversion to double
 *
 * Functions with external linkage have it only for this split, hence the gj_
 * prefix; everything else is static. The small helpers called for every
 * token are static inline here, so the split adds no call to the hot paths
 * (bench_geojson_read times them). */
#ifndef CIM_GEOJSON_INT_H
#define CIM_GEOJSON_INT_H

#include "geojson_reader.h"

#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Limits and internal codes                                                 */
/* ------------------------------------------------------------------------ */

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

#define TRY(x) do { int rc_ = (x); if (rc_ != GJ_OK) return rc_; } while (0)

/* ------------------------------------------------------------------------ */
/* geojson_reader.c: errors and buffers                                      */
/* ------------------------------------------------------------------------ */

/* Records a message ("feature N (line L, column C): ...") and returns code. */
int gj_fail(gj_reader *r, int code, const unsigned char *at, const char *fmt, ...);
/* GJ_UNSUPPORTED for a value at r->p that is left to GDAL (GJ_ERROR at the
 * end of the file). */
int gj_fail_kind(gj_reader *r, const char *fmt, ...);
/* "expected <what> but found <the byte at r->p>" (GJ_ERROR). */
int gj_fail_expected(gj_reader *r, const char *what);
/* "end of file", "'x'" or "byte 0xNN", for messages. */
const char *gj_describe(const gj_reader *r, const unsigned char *p, char *buf, size_t size);
/* Grows *buf (*cap elements of elem bytes) to hold at least need elements. */
int gj_grow(gj_reader *r, void **buf, size_t *cap, size_t need, size_t elem);

/* ------------------------------------------------------------------------ */
/* geojson_lex.c: tokens                                                     */
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
    return gj_fail_expected(r, what);
}

/* Inline, as strlen and memcmp of a literal then cost next to nothing: the
 * walkers compare every member name with the names they know. */
static inline int key_is(const char *k, size_t klen, const char *lit)
{
    size_t n = strlen(lit);
    return klen == n && memcmp(k, lit, n) == 0;
}

/* Member loop helper: after a member's value, consumes ',' (returns 1: more
 * members) or '}' (returns 0). */
static inline int next_member(gj_reader *r, int *more)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; *more = 1; return GJ_OK; }
    if (r->p < r->end && *r->p == '}') { r->p++; *more = 0; return GJ_OK; }
    return gj_fail_expected(r, "',' or '}'");
}

/* After an element: ',' (more) or ']' (done). */
static inline int next_element(gj_reader *r, int *more)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; *more = 1; return GJ_OK; }
    if (r->p < r->end && *r->p == ']') { r->p++; *more = 0; return GJ_OK; }
    return gj_fail_expected(r, "',' or ']'");
}

int gj_scan_literal(gj_reader *r, int *kind, int *b);
int gj_scan_string(gj_reader *r, gj_span *out);
size_t gj_unescape(const gj_span *sp, char *o);
int gj_key_text(gj_reader *r, const gj_span *sp, const char **k, size_t *klen);
int gj_scan_key(gj_reader *r, const char **k, size_t *klen, gj_span *sp);
int gj_key_is_ci(const char *k, size_t klen, const char *lit);
int gj_reserved_variant(const char *k, size_t klen, const char *const *names);
int gj_open_object(gj_reader *r, int *empty);
int gj_open_array(gj_reader *r, int *empty, const char *what);
int gj_skip_value(gj_reader *r);

/* ------------------------------------------------------------------------ */
/* geojson_num.c: numbers                                                    */
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
#endif

int gj_scan_number(gj_reader *r, gj_num *n);

/* The integer value of an integer token, as json-c/GDAL read it: 0 when it
 * does not fit int64 (GDAL would clamp it; we send such files to GDAL). */
static inline int num_int64(const gj_num *n, int64_t *out)
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

int gj_num_double(gj_reader *r, const gj_num *n, double *out);
int gj_num_check(gj_reader *r, const gj_num *n);

/* ------------------------------------------------------------------------ */
/* geojson_schema.c: fields                                                  */
/* ------------------------------------------------------------------------ */

/* Schema pass: the k-th property of the current feature. */
int gj_schema_property(gj_reader *r, size_t k, const char *key, size_t klen, const gj_val *v,
                       const unsigned char *at, int *prev);
/* The field of the k-th property (feature pass: create = 0). */
int gj_field_lookup(gj_reader *r, size_t k, const char *key, size_t klen, int create, int *idx);
/* After the schema pass: the field order, then the names that differ only
 * by case (left to GDAL). */
int gj_schema_order(gj_reader *r);
int gj_schema_case_check(gj_reader *r);

/* ------------------------------------------------------------------------ */
/* geojson_geom.c: geometry objects                                          */
/* ------------------------------------------------------------------------ */

/* GeoJSON geometry type names, indexed by G_* code - 1; NULL-terminated. */
extern const char *const gj_geom_names[];

/* A geometry being walked: mode, dimension, and what the scan found. */
typedef struct gj_geom {
    int mode;
    int dimz;                   /* EMIT: write XYZ */
    int anyz;                   /* SCAN: some position has a third value */
    int type;                   /* flat type of the outermost geometry */
} gj_geom;

/* A geometry object at r->p (depth: of GeometryCollections around it). */
int gj_geom_object(gj_reader *r, gj_geom *g, int depth);

/* ------------------------------------------------------------------------ */
/* geojson_feature.c: features                                               */
/* ------------------------------------------------------------------------ */

/* One element of the features array (MODE_SCAN or MODE_EMIT). */
int gj_parse_feature(gj_reader *r, int mode);

#endif
