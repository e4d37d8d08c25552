/* mvt_layer.c: an MVT layer (features plus deduplicated key and value
 * tables) and the tile message, written as protobuf by hand: the schema is
 * five small messages, and a generic protobuf library would cost a copy. */
#include <stdlib.h>
#include <string.h>

#include "mvt.h"

/* An interned entry: its encoded bytes sit at off..off+len of the table's
 * buffer (the full protobuf field, tag and length included). */
typedef struct intern_slot {
    uint64_t hash;
    uint32_t off, len, idx; /* idx + 1; 0 = empty slot */
} intern_slot;

typedef struct intern {
    mvt_buf bytes;
    intern_slot *slots;
    size_t cap, count; /* cap: a power of two */
} intern;

struct mvt_layer {
    char *name;
    uint32_t extent;
    mvt_buf features;
    size_t nfeatures;
    intern keys, values;
    mvt_buf scratch;
};

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void put_bytes(mvt_buf *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

enum { WT_VARINT = 0, WT_64 = 1, WT_LEN = 2, WT_32 = 5 };
#define TAG(field, wt) ((uint64_t)((field) << 3 | (wt)))

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void intern_clear(intern *t)
{
    t->bytes.len = 0;
    t->count = 0;
    if (t->slots)
        memset(t->slots, 0, t->cap * sizeof *t->slots);
}

static void intern_free(intern *t)
{
    mvt_buf_free(&t->bytes);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static int intern_grow(intern *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    intern_slot *s = calloc(cap, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].idx)
            continue;
        size_t j = t->slots[i].hash & (cap - 1);
        while (s[j].idx)
            j = (j + 1) & (cap - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
    return 0;
}

/* The entry's index: the bytes just appended at off..end of t->bytes are the
 * candidate; they stay if new and are taken back if already present. */
static int64_t intern_commit(intern *t, size_t off)
{
    if ((t->count + 1) * 2 > t->cap && intern_grow(t))
        return -1;
    const uint8_t *p = t->bytes.data + off;
    size_t n = t->bytes.len - off;
    uint64_t h = fnv1a(p, n);
    size_t j = h & (t->cap - 1);
    while (t->slots[j].idx) {
        intern_slot *s = &t->slots[j];
        if (s->hash == h && s->len == n && !memcmp(t->bytes.data + s->off, p, n)) {
            t->bytes.len = off;
            return (int64_t)s->idx - 1;
        }
        j = (j + 1) & (t->cap - 1);
    }
    t->slots[j] = (intern_slot){h, (uint32_t)off, (uint32_t)n, (uint32_t)++t->count};
    return (int64_t)t->count - 1;
}

mvt_layer *mvt_layer_new(const char *name, uint32_t extent)
{
    mvt_layer *l = calloc(1, sizeof *l);
    if (!l || !(l->name = strdup(name))) {
        free(l);
        return NULL;
    }
    l->extent = extent;
    return l;
}

void mvt_layer_free(mvt_layer *l)
{
    if (!l)
        return;
    free(l->name);
    mvt_buf_free(&l->features);
    mvt_buf_free(&l->scratch);
    intern_free(&l->keys);
    intern_free(&l->values);
    free(l);
}

void mvt_layer_reset(mvt_layer *l)
{
    l->features.len = 0;
    l->nfeatures = 0;
    intern_clear(&l->keys);
    intern_clear(&l->values);
}

int64_t mvt_layer_key(mvt_layer *l, const char *key, size_t len)
{
    mvt_buf *b = &l->keys.bytes;
    if (cim_bytes_reserve(b, len + 12))
        return -1;
    size_t off = b->len;
    cim_bytes_varint(b, TAG(3, WT_LEN));
    cim_bytes_varint(b, len);
    put_bytes(b, key, len);
    return intern_commit(&l->keys, off);
}

int64_t mvt_layer_value(mvt_layer *l, const mvt_value *v)
{
    mvt_buf *b = &l->values.bytes;
    size_t inner = 0;
    switch (v->type) {
    case MVT_STRING: inner = 1 + varint_size(v->s_len) + v->s_len; break;
    case MVT_FLOAT: inner = 1 + 4; break;
    case MVT_DOUBLE: inner = 1 + 8; break;
    case MVT_INT: inner = 1 + varint_size((uint64_t)v->i); break;
    case MVT_UINT: inner = 1 + varint_size(v->u); break;
    case MVT_SINT: inner = 1 + varint_size(((uint64_t)v->i << 1) ^ (uint64_t)(v->i >> 63)); break;
    case MVT_BOOL: inner = 2; break;
    default: return -1;
    }
    if (cim_bytes_reserve(b, inner + 12))
        return -1;
    size_t off = b->len;
    cim_bytes_varint(b, TAG(4, WT_LEN));
    cim_bytes_varint(b, inner);
    switch (v->type) {
    case MVT_STRING:
        cim_bytes_varint(b, TAG(1, WT_LEN));
        cim_bytes_varint(b, v->s_len);
        put_bytes(b, v->s, v->s_len);
        break;
    case MVT_FLOAT: {
        float f = (float)v->d;
        cim_bytes_varint(b, TAG(2, WT_32));
        put_bytes(b, &f, 4); /* little-endian hosts only (x86-64, arm64) */
        break;
    }
    case MVT_DOUBLE:
        cim_bytes_varint(b, TAG(3, WT_64));
        put_bytes(b, &v->d, 8);
        break;
    case MVT_INT:
        cim_bytes_varint(b, TAG(4, WT_VARINT));
        cim_bytes_varint(b, (uint64_t)v->i);
        break;
    case MVT_UINT:
        cim_bytes_varint(b, TAG(5, WT_VARINT));
        cim_bytes_varint(b, v->u);
        break;
    case MVT_SINT:
        cim_bytes_varint(b, TAG(6, WT_VARINT));
        cim_bytes_varint(b, ((uint64_t)v->i << 1) ^ (uint64_t)(v->i >> 63));
        break;
    case MVT_BOOL:
        cim_bytes_varint(b, TAG(7, WT_VARINT));
        cim_bytes_varint(b, v->i ? 1 : 0);
        break;
    }
    return intern_commit(&l->values, off);
}

int mvt_layer_add(mvt_layer *l, const uint64_t *id, mvt_geom_type type, const uint32_t *tags, size_t ntags,
                  const mvt_geom *g)
{
    size_t tags_bytes = 0, geom_bytes = 0;
    for (size_t i = 0; i < ntags; i++)
        tags_bytes += varint_size(tags[i]);
    for (size_t i = 0; i < g->len; i++)
        geom_bytes += varint_size(g->cmd[i]);
    size_t inner = (id ? 1 + varint_size(*id) : 0) + (ntags ? 1 + varint_size(tags_bytes) + tags_bytes : 0) + 2 +
                   1 + varint_size(geom_bytes) + geom_bytes;
    mvt_buf *b = &l->features;
    if (cim_bytes_reserve(b, inner + 12))
        return -1;
    cim_bytes_varint(b, TAG(2, WT_LEN));
    cim_bytes_varint(b, inner);
    if (id) {
        cim_bytes_varint(b, TAG(1, WT_VARINT));
        cim_bytes_varint(b, *id);
    }
    if (ntags) {
        cim_bytes_varint(b, TAG(2, WT_LEN));
        cim_bytes_varint(b, tags_bytes);
        for (size_t i = 0; i < ntags; i++)
            cim_bytes_varint(b, tags[i]);
    }
    cim_bytes_varint(b, TAG(3, WT_VARINT));
    cim_bytes_varint(b, (uint64_t)type);
    cim_bytes_varint(b, TAG(4, WT_LEN));
    cim_bytes_varint(b, geom_bytes);
    for (size_t i = 0; i < g->len; i++)
        cim_bytes_varint(b, g->cmd[i]);
    l->nfeatures++;
    return 0;
}

size_t mvt_layer_feature_count(const mvt_layer *l)
{
    return l->nfeatures;
}

size_t mvt_layer_size(const mvt_layer *l)
{
    size_t nl = strlen(l->name);
    return 2 + 1 + varint_size(nl) + nl + l->features.len + l->keys.bytes.len + l->values.bytes.len + 1 +
           varint_size(l->extent);
}

int mvt_tile_encode(mvt_buf *out, mvt_layer *const *layers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const mvt_layer *l = layers[i];
        if (!l->nfeatures)
            continue;
        size_t body = mvt_layer_size(l), nl = strlen(l->name);
        if (cim_bytes_reserve(out, body + 12))
            return -1;
        cim_bytes_varint(out, TAG(3, WT_LEN));
        cim_bytes_varint(out, body);
        cim_bytes_varint(out, TAG(15, WT_VARINT));
        cim_bytes_varint(out, 2); /* MVT version 2 */
        cim_bytes_varint(out, TAG(1, WT_LEN));
        cim_bytes_varint(out, nl);
        put_bytes(out, l->name, nl);
        put_bytes(out, l->features.data, l->features.len);
        if (l->keys.bytes.len)
            put_bytes(out, l->keys.bytes.data, l->keys.bytes.len);
        if (l->values.bytes.len)
            put_bytes(out, l->values.bytes.data, l->values.bytes.len);
        cim_bytes_varint(out, TAG(5, WT_VARINT));
        cim_bytes_varint(out, l->extent);
    }
    return 0;
}
