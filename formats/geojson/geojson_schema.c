/* geojson_schema.c: the fields of the GeoJSON reader's schema pass: the
 * field table (looked up by name), the type of each field as GDAL 3.6
 * promotes it value after value (with GDAL's date/time detection), and the
 * field order as GDAL derives it (a topological sort of "came before"). */
#include "geojson_int.h"

#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Field table                                                               */
/* ------------------------------------------------------------------------ */

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = '\0'; }
    return d;
}


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
    if (!t) return gj_fail(r, GJ_ERROR, r->p, "out of memory");
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
    if (r->nfields >= INT_MAX / 2) return gj_fail(r, GJ_UNSUPPORTED, r->p, "too many fields");
    TRY(gj_grow(r, (void **)&r->fields, &r->capfields, r->nfields + 1, sizeof *r->fields));
    f = &r->fields[r->nfields];
    memset(f, 0, sizeof *f);
    f->name = dup_n(k, klen);
    if (!f->name) return gj_fail(r, GJ_ERROR, r->p, "out of memory");
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
int gj_field_lookup(gj_reader *r, size_t k, const char *key, size_t klen, int create, int *idx)
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
        if (!create) return gj_fail(r, GJ_ERROR, r->p, "property \"%.*s\" was not seen by the schema pass "
                                    "(did the file change?)", (int)klen, key);
        TRY(field_add(r, key, klen, h, &f));
    }
    if (k >= r->capexpect) {
        size_t old = r->capexpect;
        TRY(gj_grow(r, (void **)&r->expect, &r->capexpect, k + 1, sizeof *r->expect));
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
    TRY(gj_grow(r, (void **)&r->stack, &r->capstack, r->nfields, sizeof *r->stack));
    if (dag_path(r, b, a)) return GJ_OK;
    fa = &r->fields[a];
    TRY(gj_grow(r, (void **)&fa->succ, &fa->capsucc, fa->nsucc + 1, sizeof *fa->succ));
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
int gj_schema_order(gj_reader *r)
{
    size_t n = r->nfields, nh = 0, out = 0;
    size_t *heap;
    r->order = malloc((n ? n : 1) * sizeof *r->order);
    r->pos_of = malloc((n ? n : 1) * sizeof *r->pos_of);
    heap = malloc((n ? n : 1) * sizeof *heap);
    if (!r->order || !r->pos_of || !heap) { free(heap); return gj_fail(r, GJ_ERROR, r->p, "out of memory"); }
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
int gj_schema_case_check(gj_reader *r)
{
    const char **names;
    int rc = GJ_OK;
    if (r->nfields < 2) return GJ_OK;
    names = malloc(r->nfields * sizeof *names);
    if (!names) return gj_fail(r, GJ_ERROR, r->p, "out of memory");
    for (size_t i = 0; i < r->nfields; i++) names[i] = r->fields[i].name;
    qsort(names, r->nfields, sizeof *names, ci_cmp);
    for (size_t i = 1; i < r->nfields; i++)
        if (ci_cmp(&names[i - 1], &names[i]) == 0) {
            r->cur = -1;
            rc = gj_fail(r, GJ_UNSUPPORTED, r->data, "property names \"%s\" and \"%s\" differ only by case",
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
    if (gj_grow(r, (void **)&r->tmpbuf, &r->tmpcap, sp->len + 1, 1) != GJ_OK) return T_STRING;
    gj_unescape(sp, r->tmpbuf);
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
/* The schema pass, one property at a time                                   */
/* ------------------------------------------------------------------------ */

/* The k-th property of the current feature, key: v (at: where its name
 * starts, for messages): finds or adds its field, types it, and records that
 * it came after the field *prev (-1 for the first property), then makes it
 * *prev for the next one. */
int gj_schema_property(gj_reader *r, size_t k, const char *key, size_t klen, const gj_val *v,
                       const unsigned char *at, int *prev)
{
    gj_field *f;
    size_t before = r->nfields;
    int fi;
    TRY(gj_field_lookup(r, k, key, klen, 1, &fi));
    f = &r->fields[fi];
    if (f->seen == r->cur)
        return gj_fail(r, GJ_UNSUPPORTED, at, "property \"%.*s\" appears twice in the feature",
                       (int)klen, key);
    f->seen = r->cur;
    if ((size_t)fi == before) field_first(r, f, v);
    else if (v->kind != V_NULL) field_update(r, f, v);
    if (*prev >= 0) TRY(dag_edge(r, *prev, fi));
    *prev = fi;
    return GJ_OK;
}
