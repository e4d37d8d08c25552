/* step_index.c: mapping a STEP file, reading its header and indexing every
 * instance by id in one pass (strings and comments skipped so a ';' inside
 * them does not end an instance). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "step_int.h"

int step_fail(step_file *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err, sizeof f->err, fmt, ap);
    va_end(ap);
    return STEP_ERROR;
}

const char *step_error(const step_file *f) { return f ? f->err : "no file"; }
const char *step_schema(const step_file *f) { return f->schema; }
size_t step_size(const step_file *f) { return f->size; }
size_t step_count(const step_file *f) { return f->nslots; }

size_t step_line_of(const step_file *f, size_t off)
{
    size_t line = 1;
    if (off > f->size)
        off = f->size;
    for (const char *p = f->data, *end = f->data + off; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        line++;
    return line;
}

static uint32_t hash_name(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int type_rehash(step_file *f, size_t cap)
{
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < f->ntypes; i++) {
        size_t k = f->types[i].hash & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = (uint32_t)i + 1;
    }
    free(f->type_hash);
    f->type_hash = t;
    f->type_hash_cap = cap;
    return 0;
}

/* The interned index of a type name, added when new; UINT32_MAX when out of memory. */
static uint32_t intern_type(step_file *f, const char *s, size_t n)
{
    uint32_t h = hash_name(s, n);
    if (f->type_hash_cap) {
        for (size_t k = h & (f->type_hash_cap - 1); f->type_hash[k]; k = (k + 1) & (f->type_hash_cap - 1)) {
            const step_type *t = &f->types[f->type_hash[k] - 1];
            if (t->hash == h && strlen(t->name) == n && memcmp(t->name, s, n) == 0)
                return f->type_hash[k] - 1;
        }
    }
    if (f->ntypes == f->captypes) {
        size_t cap = f->captypes ? f->captypes * 2 : 256;
        step_type *nt = realloc(f->types, cap * sizeof *nt);
        if (!nt)
            return UINT32_MAX;
        f->types = nt;
        f->captypes = cap;
    }
    char *name = malloc(n + 1);
    if (!name)
        return UINT32_MAX;
    memcpy(name, s, n);
    name[n] = '\0';
    f->types[f->ntypes].name = name;
    f->types[f->ntypes].hash = h;
    f->ntypes++;
    if (f->ntypes * 2 > f->type_hash_cap) {
        if (type_rehash(f, f->type_hash_cap ? f->type_hash_cap * 2 : 1024))
            return UINT32_MAX;
    } else {
        size_t k = h & (f->type_hash_cap - 1);
        while (f->type_hash[k])
            k = (k + 1) & (f->type_hash_cap - 1);
        f->type_hash[k] = (uint32_t)f->ntypes;
    }
    return (uint32_t)(f->ntypes - 1);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
static int is_name(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

/* Skips white space and comments from p; returns the new position or SIZE_MAX
 * for an unterminated comment. */
static size_t skip_blank(const step_file *f, size_t p)
{
    for (;;) {
        while (p < f->size && is_space(f->data[p]))
            p++;
        if (p + 1 < f->size && f->data[p] == '/' && f->data[p + 1] == '*') {
            const char *e = NULL;
            for (size_t q = p + 2; q + 1 < f->size; q++)
                if (f->data[q] == '*' && f->data[q + 1] == '/') {
                    e = f->data + q;
                    break;
                }
            if (!e)
                return SIZE_MAX;
            p = (size_t)(e - f->data) + 2;
            continue;
        }
        return p;
    }
}

static int keyword_at(const step_file *f, size_t p, const char *kw)
{
    size_t n = strlen(kw);
    return p + n <= f->size && memcmp(f->data + p, kw, n) == 0;
}

/* From p (just after the type name or at a complex instance's '('), the
 * offset of the ';' ending the instance at depth 0, or SIZE_MAX. */
static size_t instance_end(const step_file *f, size_t p, const char **why)
{
    int depth = 0;
    const char *d = f->data;
    while (p < f->size) {
        char c = d[p];
        switch (c) {
        case '\'': {
            /* '' inside a string is an escaped quote: leaving and re-entering. */
            const char *q = memchr(d + p + 1, '\'', f->size - p - 1);
            if (!q) {
                *why = "unterminated string";
                return SIZE_MAX;
            }
            p = (size_t)(q - d) + 1;
            continue;
        }
        case '"': {
            const char *q = memchr(d + p + 1, '"', f->size - p - 1);
            if (!q) {
                *why = "unterminated binary";
                return SIZE_MAX;
            }
            p = (size_t)(q - d) + 1;
            continue;
        }
        case '/':
            if (p + 1 < f->size && d[p + 1] == '*') {
                size_t q = skip_blank(f, p);
                if (q == SIZE_MAX) {
                    *why = "unterminated comment";
                    return SIZE_MAX;
                }
                p = q;
                continue;
            }
            break;
        case '(': depth++; break;
        case ')':
            if (--depth < 0) {
                *why = "unbalanced ')'";
                return SIZE_MAX;
            }
            break;
        case ';':
            if (depth == 0)
                return p;
            *why = "';' inside an attribute list";
            return SIZE_MAX;
        case '#':
            if (depth == 0) {
                *why = "next instance begins before this one ends";
                return SIZE_MAX;
            }
            break;
        default: break;
        }
        p++;
    }
    *why = "the file ends inside it (truncated?)";
    return SIZE_MAX;
}

/* memmem is a GNU extension; the header is small, so a plain search will do. */
static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

static int read_header(step_file *f, size_t *pos)
{
    size_t p = 0;
    if (f->size >= 3 && (unsigned char)f->data[0] == 0xEF && (unsigned char)f->data[1] == 0xBB &&
        (unsigned char)f->data[2] == 0xBF)
        p = 3;
    p = skip_blank(f, p);
    if (p == SIZE_MAX || !keyword_at(f, p, "ISO-10303-21;"))
        return step_fail(f, "not an ISO 10303-21 (STEP) file: it does not begin with ISO-10303-21;");
    const char *d = find(f->data + p, f->size - p, "DATA;");
    if (!d)
        return step_fail(f, "no DATA section (truncated?)");
    size_t hdr_end = (size_t)(d - f->data);
    const char *fs = find(f->data + p, hdr_end - p, "FILE_SCHEMA");
    if (fs) {
        const char *q = memchr(fs, '\'', hdr_end - (size_t)(fs - f->data));
        if (q) {
            const char *e = memchr(q + 1, '\'', hdr_end - (size_t)(q + 1 - f->data));
            if (e) {
                size_t n = (size_t)(e - q - 1);
                if (n >= sizeof f->schema)
                    n = sizeof f->schema - 1;
                for (size_t i = 0; i < n; i++)
                    f->schema[i] = (char)((q[1 + i] >= 'a' && q[1 + i] <= 'z') ? q[1 + i] - 32 : q[1 + i]);
                f->schema[n] = '\0';
            }
        }
    }
    *pos = hdr_end + 5;
    return STEP_OK;
}

static int slot_cmp(const void *a, const void *b)
{
    uint64_t x = ((const step_slot *)a)->id, y = ((const step_slot *)b)->id;
    return x < y ? -1 : x > y;
}

static int add_slot(step_file *f, uint64_t id, size_t off, size_t len, uint32_t type)
{
    if (f->nslots == f->capslots) {
        size_t cap = f->capslots ? f->capslots * 2 : 4096;
        step_slot *ns = realloc(f->slots, cap * sizeof *ns);
        if (!ns)
            return step_fail(f, "out of memory indexing %zu instances", f->nslots);
        f->slots = ns;
        f->capslots = cap;
    }
    if (len > UINT32_MAX)
        return step_fail(f, "#%llu: instance longer than 4 GB", (unsigned long long)id);
    f->slots[f->nslots++] = (step_slot){id, off, (uint32_t)len, type};
    return STEP_OK;
}

static int index_data(step_file *f, size_t p)
{
    int ended = 0, sorted = 1;
    for (;;) {
        p = skip_blank(f, p);
        if (p == SIZE_MAX)
            return step_fail(f, "unterminated comment in the DATA section");
        if (p >= f->size)
            break;
        if (keyword_at(f, p, "ENDSEC;")) {
            p += 7;
            p = skip_blank(f, p);
            if (p != SIZE_MAX && keyword_at(f, p, "DATA;")) {
                p += 5;
                continue;
            }
            if (p != SIZE_MAX && keyword_at(f, p, "END-ISO-10303-21;"))
                ended = 1;
            break;
        }
        size_t start = p;
        if (f->data[p] != '#')
            return step_fail(f, "line %zu (byte %zu): expected '#id =' or ENDSEC;", step_line_of(f, p), p);
        p++;
        uint64_t id = 0;
        size_t digits = 0;
        while (p < f->size && f->data[p] >= '0' && f->data[p] <= '9' && digits < 19) {
            id = id * 10 + (uint64_t)(f->data[p++] - '0');
            digits++;
        }
        if (!digits || (p < f->size && f->data[p] >= '0' && f->data[p] <= '9'))
            return step_fail(f, "line %zu (byte %zu): bad instance id", step_line_of(f, start), start);
        p = skip_blank(f, p);
        if (p == SIZE_MAX || p >= f->size || f->data[p] != '=')
            return step_fail(f, "#%llu (line %zu, byte %zu): expected '=' after the id", (unsigned long long)id,
                             step_line_of(f, start), start);
        p = skip_blank(f, p + 1);
        if (p == SIZE_MAX || p >= f->size)
            return step_fail(f, "#%llu (line %zu, byte %zu): the file ends inside it (truncated?)",
                             (unsigned long long)id, step_line_of(f, start), start);
        size_t tstart = p;
        while (p < f->size && is_name(f->data[p]))
            p++;
        uint32_t type;
        if (p == tstart) {
            if (f->data[p] != '(')
                return step_fail(f, "#%llu (line %zu, byte %zu): expected a type name", (unsigned long long)id,
                                 step_line_of(f, start), start);
            type = intern_type(f, "", 0); /* complex instance (TYPE1(...) TYPE2(...)) */
        } else {
            type = intern_type(f, f->data + tstart, p - tstart);
        }
        if (type == UINT32_MAX)
            return step_fail(f, "out of memory");
        size_t q = skip_blank(f, p);
        if (q == SIZE_MAX || q >= f->size || f->data[q] != '(')
            return step_fail(f, "#%llu (line %zu, byte %zu): expected '(' after the type name", (unsigned long long)id,
                             step_line_of(f, start), start);
        const char *why = NULL;
        size_t end = instance_end(f, q, &why);
        if (end == SIZE_MAX)
            return step_fail(f, "#%llu (line %zu, byte %zu): %s", (unsigned long long)id, step_line_of(f, start),
                             start, why);
        if (f->nslots && f->slots[f->nslots - 1].id >= id)
            sorted = 0;
        if (add_slot(f, id, q, end - q, type))
            return STEP_ERROR;
        p = end + 1;
    }
    if (!ended)
        return step_fail(f, "the file ends without ENDSEC; / END-ISO-10303-21; (truncated?)");
    if (!sorted && f->nslots)
        qsort(f->slots, f->nslots, sizeof *f->slots, slot_cmp);
    for (size_t i = 1; i < f->nslots; i++)
        if (f->slots[i].id == f->slots[i - 1].id)
            return step_fail(f, "#%llu is defined twice (lines %zu and %zu)", (unsigned long long)f->slots[i].id,
                             step_line_of(f, f->slots[i - 1].off), step_line_of(f, f->slots[i].off));
    return STEP_OK;
}

static int open_common(step_file *f, char *errbuf, size_t errlen)
{
    size_t p = 0;
    int rc = read_header(f, &p);
    if (!rc)
        rc = index_data(f, p);
    if (rc && errbuf && errlen)
        snprintf(errbuf, errlen, "%s", f->err);
    return rc;
}

int step_open_mem(step_file **out, const char *data, size_t len, char *errbuf, size_t errlen)
{
    step_file *f = calloc(1, sizeof *f);
    *out = f;
    if (!f) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        return STEP_ERROR;
    }
    f->data = data;
    f->size = len;
    return open_common(f, errbuf, errlen);
}

int step_open(step_file **out, const char *path, char *errbuf, size_t errlen)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errbuf, errlen, "cannot open: %s", strerror(errno));
        return STEP_ERROR;
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        snprintf(errbuf, errlen, "not a regular file");
        close(fd);
        return STEP_ERROR;
    }
    void *m = NULL;
    if (st.st_size > 0) {
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            snprintf(errbuf, errlen, "cannot map: %s", strerror(errno));
            close(fd);
            return STEP_ERROR;
        }
        madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
    }
    close(fd);
    int rc = step_open_mem(out, m ? m : "", m ? (size_t)st.st_size : 0, errbuf, errlen);
    if (*out)
        (*out)->mapped = m != NULL;
    else if (m)
        munmap(m, (size_t)st.st_size);
    return rc;
}

void step_close(step_file *f)
{
    if (!f)
        return;
    if (f->mapped)
        munmap((void *)f->data, f->size);
    for (size_t i = 0; i < f->ntypes; i++)
        free(f->types[i].name);
    free(f->types);
    free(f->type_hash);
    free(f->slots);
    free(f);
}

const step_slot *step_find(const step_file *f, uint64_t id)
{
    size_t lo = 0, hi = f->nslots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->slots[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->nslots && f->slots[lo].id == id ? &f->slots[lo] : NULL;
}

const char *step_type_of(const step_file *f, uint64_t id)
{
    const step_slot *s = step_find(f, id);
    return s ? f->types[s->type].name : NULL;
}

static size_t ids_matching(const step_file *f, const char *name, int prefix, uint64_t **out)
{
    size_t n = strlen(name), count = 0;
    char *match = calloc(f->ntypes ? f->ntypes : 1, 1);
    for (size_t t = 0; match && t < f->ntypes; t++)
        match[t] = prefix ? strncmp(f->types[t].name, name, n) == 0 : strcmp(f->types[t].name, name) == 0;
    *out = NULL;
    if (!match)
        return 0;
    for (size_t i = 0; i < f->nslots; i++)
        count += (size_t)match[f->slots[i].type];
    if (count) {
        *out = malloc(count * sizeof **out);
        if (!*out)
            count = 0;
        size_t k = 0;
        for (size_t i = 0; *out && i < f->nslots; i++)
            if (match[f->slots[i].type])
                (*out)[k++] = f->slots[i].id;
    }
    free(match);
    return count;
}

size_t step_ids_of_type(const step_file *f, const char *name, uint64_t **out) { return ids_matching(f, name, 0, out); }
size_t step_ids_with_prefix(const step_file *f, const char *prefix, uint64_t **out)
{
    return ids_matching(f, prefix, 1, out);
}
