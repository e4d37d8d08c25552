/* geojson_lex.c: the in-place JSON tokenizer of the GeoJSON reader:
 * whitespace, literals, strings (escapes and UTF-8 checked, unescaped on
 * demand), member names, the punctuation of objects and arrays, and skipping
 * values the reader does not use. Nothing is copied while scanning: tokens
 * are spans of the mapped file. Numbers are in geojson_num.c. */
#include "geojson_int.h"

#include <stdint.h>
#include <string.h>

#define GJ_MAX_DEPTH 512        /* nesting of skipped (foreign) JSON values */

/* ------------------------------------------------------------------------ */
/* Lexer: whitespace, literals                                               */
/* ------------------------------------------------------------------------ */

/* Matches true / false / null; NaN and Infinity get their own message since
 * some writers emit them although JSON has no such literals. */
int gj_scan_literal(gj_reader *r, int *kind, int *b)
{
    const unsigned char *p = r->p;
    size_t left = (size_t)(r->end - p);
    if (left >= 4 && memcmp(p, "true", 4) == 0) { *kind = V_BOOL; *b = 1; r->p += 4; return GJ_OK; }
    if (left >= 5 && memcmp(p, "false", 5) == 0) { *kind = V_BOOL; *b = 0; r->p += 5; return GJ_OK; }
    if (left >= 4 && memcmp(p, "null", 4) == 0) { *kind = V_NULL; r->p += 4; return GJ_OK; }
    if ((left >= 3 && memcmp(p, "NaN", 3) == 0) || (left >= 8 && memcmp(p, "Infinity", 8) == 0) ||
        (left >= 9 && memcmp(p, "-Infinity", 9) == 0))
        return gj_fail(r, GJ_ERROR, p, "NaN and Infinity are not JSON numbers");
    return gj_fail_expected(r, "a JSON value");
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
    if (p + 1 >= r->end) return gj_fail(r, GJ_ERROR, p, "unexpected end of file inside a string");
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        *len = 2;
        return GJ_OK;
    case 'u':
        if (!hex4(p + 2, r->end, &u))
            return gj_fail(r, GJ_ERROR, p, "bad escape: \\u must be followed by 4 hex digits");
        if (u == 0) *nul = 1;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return gj_fail(r, GJ_ERROR, p, "bad escape: \\u%04X is a lone low surrogate", u);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (r->end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, r->end, &u2) ||
                u2 < 0xDC00 || u2 > 0xDFFF)
                return gj_fail(r, GJ_ERROR, p, "bad escape: \\u%04X is a high surrogate without a "
                               "low surrogate after it", u);
            *len = 12;
            return GJ_OK;
        }
        *len = 6;
        return GJ_OK;
    default: {
        char buf[32];
        return gj_fail(r, GJ_ERROR, p, "bad escape: \\ followed by %s",
                       gj_describe(r, p + 1, buf, sizeof buf));
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
int gj_scan_string(gj_reader *r, gj_span *out)
{
    const unsigned char *p = r->p + 1, *end = r->end;
    int esc = 0, nul = 0;
    for (;;) {
#if GJ_SWAR
        while (end - p >= 8 && plain8(p)) p += 8;
#endif
        while (p < end && str_plain[*p]) p++;
        if (p >= end) return gj_fail(r, GJ_ERROR, p, "unexpected end of file inside a string");
        if (*p == '"') break;
        if (*p == '\\') {
            size_t n = 0;
            TRY(scan_escape(r, p, &n, &nul));
            esc = 1;
            p += n;
        } else if (*p < 0x20) {
            return gj_fail(r, GJ_ERROR, p, "control character 0x%02X inside a string (must be escaped)", *p);
        } else {
            size_t n = utf8_len(p, end);
            if (!n && utf8_truncated(p, end))
                return gj_fail(r, GJ_ERROR, p, "unexpected end of file inside a string");
            if (!n) return gj_fail(r, GJ_ERROR, p, "invalid UTF-8 in a string");
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
size_t gj_unescape(const gj_span *sp, char *o)
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
int gj_key_text(gj_reader *r, const gj_span *sp, const char **k, size_t *klen)
{
    if (!sp->esc) { *k = (const char *)sp->s; *klen = sp->len; return GJ_OK; }
    TRY(gj_grow(r, (void **)&r->keybuf, &r->keycap, sp->len + 1, 1));
    *klen = gj_unescape(sp, r->keybuf);
    *k = r->keybuf;
    return GJ_OK;
}

/* Reads a member name and the colon after it. */
int gj_scan_key(gj_reader *r, const char **k, size_t *klen, gj_span *sp)
{
    skip_ws(r);
    if (r->p >= r->end || *r->p != '"') return gj_fail_expected(r, "a member name in double quotes");
    TRY(gj_scan_string(r, sp));
    TRY(gj_key_text(r, sp, k, klen));
    return expect_char(r, ':', "':' after a member name");
}

/* ASCII case-insensitive equality, as GDAL's EQUAL(). */
int gj_key_is_ci(const char *k, size_t klen, const char *lit)
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
int gj_reserved_variant(const char *k, size_t klen, const char *const *names)
{
    for (; *names; names++)
        if (gj_key_is_ci(k, klen, *names) && !key_is(k, klen, *names)) return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Skipping values we do not use (foreign members, bbox)                     */
/* ------------------------------------------------------------------------ */

/* Validates and skips any JSON value, iteratively with an explicit stack. */
int gj_skip_value(gj_reader *r)
{
    unsigned char stack[GJ_MAX_DEPTH];
    int depth = 0;
    for (;;) {
        gj_span sp;
        gj_num num;
        int kind, b;
        skip_ws(r);
        if (r->p >= r->end) return gj_fail(r, GJ_ERROR, r->p, "unexpected end of file, expected a value");
        switch (*r->p) {
        case '{':
        case '[': {
            unsigned char open = *r->p, close = open == '{' ? '}' : ']';
            r->p++;
            skip_ws(r);
            if (r->p < r->end && *r->p == close) { r->p++; break; }
            if (depth == GJ_MAX_DEPTH)
                return gj_fail(r, GJ_UNSUPPORTED, r->p, "JSON nested deeper than %d levels", GJ_MAX_DEPTH);
            stack[depth++] = open;
            if (open == '{') {
                const char *k;
                size_t kl;
                TRY(gj_scan_key(r, &k, &kl, &sp));
            }
            continue;                            /* parse the first element */
        }
        case '"':
            TRY(gj_scan_string(r, &sp));
            break;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            TRY(gj_scan_number(r, &num));
            break;
        default:
            TRY(gj_scan_literal(r, &kind, &b));
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
                    TRY(gj_scan_key(r, &k, &kl, &sp));
                }
                break;
            }
            if (r->p < r->end && *r->p == (stack[depth - 1] == '{' ? '}' : ']')) {
                r->p++;
                depth--;
                continue;
            }
            return gj_fail_expected(r, stack[depth - 1] == '{' ? "',' or '}'" : "',' or ']'");
        }
    }
}

/* Consumes '{' and tells whether the object is empty (then '}' is consumed). */
int gj_open_object(gj_reader *r, int *empty)
{
    TRY(expect_char(r, '{', "'{'"));
    skip_ws(r);
    *empty = r->p < r->end && *r->p == '}';
    if (*empty) r->p++;
    return GJ_OK;
}

/* Opens an array and tells whether it is empty ("[]" consumed). */
int gj_open_array(gj_reader *r, int *empty, const char *what)
{
    skip_ws(r);
    if (r->p >= r->end || *r->p != '[') return gj_fail_expected(r, what);
    r->p++;
    skip_ws(r);
    *empty = r->p < r->end && *r->p == ']';
    if (*empty) r->p++;
    return GJ_OK;
}
