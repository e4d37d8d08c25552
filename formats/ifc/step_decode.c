/* step_decode.c: one instance's attribute list into step_values, on demand,
 * in an arena the caller resets; string escapes to UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "step_int.h"

/* Lists nest this deep at most: IFC needs 3 or 4; the limit keeps a
 * malicious file from exhausting the stack. */
#define MAX_DEPTH 64

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
} arena_chunk;

struct step_arena {
    arena_chunk *head;
};

step_arena *step_arena_new(void) { return calloc(1, sizeof(step_arena)); }

void step_arena_reset(step_arena *a)
{
    if (!a || !a->head)
        return;
    /* Keep the newest (largest) chunk for reuse. */
    arena_chunk *c = a->head->next;
    while (c) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head->next = NULL;
    a->head->used = 0;
}

void step_arena_free(step_arena *a)
{
    if (!a)
        return;
    for (arena_chunk *c = a->head; c;) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

static void *arena_alloc(step_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->used + n > a->head->cap) {
        size_t cap = a->head ? a->head->cap * 2 : 16384;
        while (cap < n)
            cap *= 2;
        arena_chunk *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = a->head->mem + a->head->used;
    a->head->used += n;
    return p;
}

/* ---- strings ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp == 0xFFFD)
        return put_utf8(o, cp);
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Every escape's UTF-8 is at most twice its escaped length (\X\hh: 5 bytes
 * in, 2 out; \X2\hhhh: 4 hex digits in, 3 out; \S\c: 4 in, 2 out), plain
 * bytes pass through one to one, so 2 * len + 1 bytes always suffice. */
long step_decode_string(const char *in, size_t len, char *out)
{
    size_t i = 0, o = 0;
    while (i < len) {
        char c = in[i];
        if (c == '\'') {
            /* '' is one quote */
            if (i + 1 < len && in[i + 1] == '\'') {
                out[o++] = '\'';
                i += 2;
                continue;
            }
            return -1;
        }
        if (c != '\\') {
            /* Bytes outside 0x20..0x7E are not allowed by the standard, but
             * exporters write raw UTF-8: keep it as it is. */
            out[o++] = c;
            i++;
            continue;
        }
        if (i + 1 < len && in[i + 1] == '\\') {
            out[o++] = '\\';
            i += 2;
            continue;
        }
        if (i + 3 < len && in[i + 1] == 'S' && in[i + 2] == '\\') {
            /* \S\c: c + 128 in ISO 8859-1 */
            o += put_utf8(out + o, (unsigned long)((unsigned char)in[i + 3] + 128u) & 0xFF);
            i += 4;
            continue;
        }
        if (i + 3 < len && in[i + 1] == 'P' && in[i + 3] == '\\') {
            /* \PA\ code page switch: only ISO 8859-1 (A) is decoded; others are kept as Latin-1. */
            i += 4;
            continue;
        }
        if (i + 4 < len && in[i + 1] == 'X' && in[i + 2] == '\\') {
            int h = hexval(in[i + 3]), l = hexval(in[i + 4]);
            if (h < 0 || l < 0)
                return -1;
            o += put_utf8(out + o, (unsigned long)(h * 16 + l));
            i += 5;
            continue;
        }
        if (i + 3 < len && in[i + 1] == 'X' && (in[i + 2] == '2' || in[i + 2] == '4') && in[i + 3] == '\\') {
            int digits = in[i + 2] == '2' ? 4 : 8;
            i += 4;
            unsigned long pending_hi = 0;
            for (;;) {
                if (i + 3 < len && in[i] == '\\' && in[i + 1] == 'X' && in[i + 2] == '0' && in[i + 3] == '\\') {
                    i += 4;
                    break;
                }
                if (i + (size_t)digits > len)
                    return -1;
                unsigned long cp = 0;
                for (int k = 0; k < digits; k++) {
                    int v = hexval(in[i + (size_t)k]);
                    if (v < 0)
                        return -1;
                    cp = cp * 16 + (unsigned long)v;
                }
                i += (size_t)digits;
                if (cp >= 0xD800 && cp <= 0xDBFF && digits == 4) {
                    pending_hi = cp;
                    continue;
                }
                if (pending_hi && cp >= 0xDC00 && cp <= 0xDFFF)
                    cp = 0x10000 + ((pending_hi - 0xD800) << 10) + (cp - 0xDC00);
                else if (pending_hi)
                    o += put_utf8(out + o, 0xFFFD);
                pending_hi = 0;
                o += put_utf8(out + o, cp);
            }
            if (pending_hi)
                o += put_utf8(out + o, 0xFFFD);
            continue;
        }
        return -1;
    }
    out[o] = '\0';
    return (long)o;
}

/* ---- values ---- */

typedef struct parser {
    step_file *f;
    step_arena *a;
    const char *p, *end;
    uint64_t id;
} parser;

static int perr(parser *ps, const char *what)
{
    size_t off = (size_t)(ps->p - ps->f->data);
    return step_fail(ps->f, "#%llu (line %zu, byte %zu): %s", (unsigned long long)ps->id, step_line_of(ps->f, off),
                     off, what);
}

static void blank(parser *ps)
{
    for (;;) {
        while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n'))
            ps->p++;
        if (ps->p + 1 < ps->end && ps->p[0] == '/' && ps->p[1] == '*') {
            const char *q = ps->p + 2;
            while (q + 1 < ps->end && !(q[0] == '*' && q[1] == '/'))
                q++;
            ps->p = q + 1 < ps->end ? q + 2 : ps->end;
            continue;
        }
        return;
    }
}

static int is_name(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

static char *arena_text(step_arena *a, const char *s, size_t n)
{
    char *t = arena_alloc(a, n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

static int parse_list(parser *ps, step_value *out, int depth);

static int parse_value(parser *ps, step_value *v, int depth)
{
    memset(v, 0, sizeof *v);
    blank(ps);
    if (ps->p >= ps->end)
        return perr(ps, "attribute list ends early");
    char c = *ps->p;
    if (c == '$') {
        ps->p++;
        v->kind = STEP_NULL;
        return STEP_OK;
    }
    if (c == '*') {
        ps->p++;
        v->kind = STEP_DERIVED;
        return STEP_OK;
    }
    if (c == '#') {
        ps->p++;
        uint64_t id = 0;
        int digits = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9' && digits < 19) {
            id = id * 10 + (uint64_t)(*ps->p++ - '0');
            digits++;
        }
        if (!digits)
            return perr(ps, "'#' without an id");
        v->kind = STEP_REF;
        v->i = (int64_t)id;
        return STEP_OK;
    }
    if (c == '\'') {
        const char *s = ++ps->p;
        for (;;) {
            const char *q = memchr(ps->p, '\'', (size_t)(ps->end - ps->p));
            if (!q)
                return perr(ps, "unterminated string");
            if (q + 1 < ps->end && q[1] == '\'') {
                ps->p = q + 2;
                continue;
            }
            ps->p = q + 1;
            size_t n = (size_t)(q - s);
            char *out = arena_alloc(ps->a, 2 * n + 1);
            if (!out)
                return perr(ps, "out of memory");
            long len = step_decode_string(s, n, out);
            if (len < 0)
                return perr(ps, "bad escape in a string");
            v->kind = STEP_STRING;
            v->s = out;
            v->n = (size_t)len;
            return STEP_OK;
        }
    }
    if (c == '"') {
        const char *s = ++ps->p;
        const char *q = memchr(s, '"', (size_t)(ps->end - s));
        if (!q)
            return perr(ps, "unterminated binary");
        ps->p = q + 1;
        v->kind = STEP_BINARY;
        v->s = arena_text(ps->a, s, (size_t)(q - s));
        v->n = (size_t)(q - s);
        return v->s ? STEP_OK : perr(ps, "out of memory");
    }
    if (c == '.') {
        const char *s = ++ps->p;
        while (ps->p < ps->end && is_name(*ps->p))
            ps->p++;
        if (ps->p >= ps->end || *ps->p != '.')
            return perr(ps, "enumeration without its closing '.'");
        v->kind = STEP_ENUM;
        v->s = arena_text(ps->a, s, (size_t)(ps->p - s));
        v->n = (size_t)(ps->p - s);
        ps->p++;
        return v->s ? STEP_OK : perr(ps, "out of memory");
    }
    if (c == '(')
        return parse_list(ps, v, depth + 1);
    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
        char buf[64];
        size_t n = 0;
        int real = 0;
        while (ps->p < ps->end && n < sizeof buf - 1) {
            char d = *ps->p;
            if ((d >= '0' && d <= '9') || d == '-' || d == '+')
                buf[n++] = d;
            else if (d == '.' || d == 'E' || d == 'e') {
                buf[n++] = d;
                real = 1;
            } else
                break;
            ps->p++;
        }
        buf[n] = '\0';
        char *endp = NULL;
        if (real) {
            v->kind = STEP_REAL;
            v->r = strtod(buf, &endp);
            v->i = (int64_t)0;
        } else {
            v->kind = STEP_INT;
            v->i = strtoll(buf, &endp, 10);
            v->r = (double)v->i;
        }
        if (!endp || *endp)
            return perr(ps, "bad number");
        return STEP_OK;
    }
    if (is_name(c)) {
        const char *s = ps->p;
        while (ps->p < ps->end && is_name(*ps->p))
            ps->p++;
        size_t n = (size_t)(ps->p - s);
        blank(ps);
        if (ps->p >= ps->end || *ps->p != '(')
            return perr(ps, "a type name without '(' value ')'");
        if (depth >= MAX_DEPTH)
            return perr(ps, "values nested too deeply");
        v->kind = STEP_TYPED;
        v->s = arena_text(ps->a, s, n);
        v->items = arena_alloc(ps->a, sizeof *v->items);
        if (!v->s || !v->items)
            return perr(ps, "out of memory");
        ps->p++;
        int rc = parse_value(ps, v->items, depth + 1);
        if (rc)
            return rc;
        v->n = 1;
        blank(ps);
        if (ps->p >= ps->end || *ps->p != ')')
            return perr(ps, "typed value without its closing ')'");
        ps->p++;
        return STEP_OK;
    }
    return perr(ps, "unexpected character in an attribute list");
}

/* At '(': the items up to the matching ')'. Items are gathered in a growing
 * scratch array, then copied to the arena in one piece. */
static int parse_list(parser *ps, step_value *out, int depth)
{
    if (depth > MAX_DEPTH)
        return perr(ps, "lists nested too deeply");
    ps->p++; /* '(' */
    step_value local[16];
    step_value *items = local;
    size_t n = 0, cap = 16;
    int rc = STEP_OK;
    blank(ps);
    if (ps->p < ps->end && *ps->p == ')') {
        ps->p++;
    } else {
        for (;;) {
            if (n == cap) {
                size_t ncap = cap * 2;
                step_value *ni = items == local ? malloc(ncap * sizeof *ni) : realloc(items, ncap * sizeof *ni);
                if (!ni) {
                    rc = perr(ps, "out of memory");
                    break;
                }
                if (items == local)
                    memcpy(ni, local, sizeof local);
                items = ni;
                cap = ncap;
            }
            if ((rc = parse_value(ps, &items[n], depth)))
                break;
            n++;
            blank(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == ')') {
                ps->p++;
                break;
            }
            rc = perr(ps, "expected ',' or ')' in a list");
            break;
        }
    }
    if (!rc) {
        out->kind = STEP_LIST;
        out->n = n;
        out->items = n ? arena_alloc(ps->a, n * sizeof *out->items) : NULL;
        if (n && !out->items)
            rc = perr(ps, "out of memory");
        else if (n)
            memcpy(out->items, items, n * sizeof *items);
    }
    if (items != local)
        free(items);
    return rc;
}

int step_get(step_file *f, step_arena *a, uint64_t id, step_entity *out)
{
    memset(out, 0, sizeof *out);
    const step_slot *s = step_find(f, id);
    if (!s)
        return step_fail(f, "#%llu is referenced but not defined", (unsigned long long)id);
    out->id = id;
    out->type = f->types[s->type].name;
    if (!out->type[0]) {
        /* Complex instances: IFC files do not use them for anything footprints need. */
        return STEP_OK;
    }
    parser ps = {f, a, f->data + s->off, f->data + s->off + s->len, id};
    step_value list;
    int rc = parse_list(&ps, &list, 1);
    if (rc)
        return rc;
    blank(&ps);
    if (ps.p != ps.end)
        return perr(&ps, "text after the attribute list");
    out->nargs = list.n;
    out->args = list.items;
    return STEP_OK;
}

/* ---- helpers ---- */

int step_number(const step_value *v, double *out)
{
    if (v->kind == STEP_TYPED && v->n == 1)
        v = v->items;
    if (v->kind == STEP_REAL || v->kind == STEP_INT) {
        *out = v->r;
        return 0;
    }
    return -1;
}

uint64_t step_ref(const step_value *v) { return v->kind == STEP_REF ? (uint64_t)v->i : 0; }

const char *step_text(const step_value *v)
{
    if (v->kind == STEP_TYPED && v->n == 1)
        v = v->items;
    return v->kind == STEP_STRING || v->kind == STEP_ENUM ? v->s : NULL;
}

const step_value *step_arg(const step_entity *e, size_t i)
{
    static const step_value null_value = {STEP_NULL, 0, 0.0, NULL, 0, NULL};
    return i < e->nargs ? &e->args[i] : &null_value;
}
