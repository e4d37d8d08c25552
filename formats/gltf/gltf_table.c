/* gltf_table.c: the columns of an EXT_structural_metadata property table,
 * filled row by row. A missing value is the column's noData (INT32_MIN,
 * -DBL_MAX, 255 for booleans, "" for strings), declared in the schema, so a
 * client shows "no value" rather than a made-up zero. */
#include "gltf.h"

#include <float.h>
#include <string.h>

static int put(cim_bytes *b, const void *v, size_t n)
{
    if (cim_bytes_reserve(b, n))
        return -1;
    memcpy(b->data + b->len, v, n);
    b->len += n;
    return 0;
}

static int start_offsets(gltf_table *t)
{
    for (size_t i = 0; i < t->nprops; i++) {
        gltf_prop *p = &t->props[i];
        p->values.len = p->offsets.len = 0;
        uint32_t zero = 0;
        if (p->type == GLTF_PROP_STRING && put(&p->offsets, &zero, 4))
            return -1;
    }
    return 0;
}

int gltf_table_init(gltf_table *t, const char *const *names, const gltf_prop_type *types, size_t n)
{
    memset(t, 0, sizeof *t);
    if (n && !(t->props = calloc(n, sizeof *t->props)))
        return -1;
    t->nprops = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]) + 1;
        if (!(t->props[i].name = malloc(len)))
            return -1;
        memcpy(t->props[i].name, names[i], len);
        t->props[i].type = types[i];
    }
    return start_offsets(t);
}

void gltf_table_reset(gltf_table *t)
{
    t->count = 0;
    start_offsets(t); /* cannot fail: the first offset's room is kept */
}

void gltf_table_clear(gltf_table *t)
{
    for (size_t i = 0; i < t->nprops; i++) {
        free(t->props[i].name);
        cim_bytes_free(&t->props[i].values);
        cim_bytes_free(&t->props[i].offsets);
    }
    free(t->props);
    memset(t, 0, sizeof *t);
}

static int end_string(gltf_prop *p)
{
    uint32_t off = (uint32_t)p->values.len;
    return put(&p->offsets, &off, 4);
}

int gltf_table_put_num(gltf_table *t, size_t col, double v)
{
    gltf_prop *p = &t->props[col];
    switch (p->type) {
    case GLTF_PROP_INT32: {
        int32_t i = v >= INT32_MIN + 1.0 && v <= INT32_MAX ? (int32_t)v : INT32_MIN;
        return put(&p->values, &i, 4);
    }
    case GLTF_PROP_FLOAT64: return put(&p->values, &v, 8);
    case GLTF_PROP_UINT8: {
        uint8_t b = v != 0;
        return put(&p->values, &b, 1);
    }
    case GLTF_PROP_STRING: break;
    }
    return gltf_table_put_null(t, col);
}

int gltf_table_put_str(gltf_table *t, size_t col, const char *s, size_t len)
{
    gltf_prop *p = &t->props[col];
    if (p->type != GLTF_PROP_STRING)
        return gltf_table_put_null(t, col);
    return put(&p->values, s, len) || end_string(p) ? -1 : 0;
}

int gltf_table_put_null(gltf_table *t, size_t col)
{
    gltf_prop *p = &t->props[col];
    switch (p->type) {
    case GLTF_PROP_INT32: {
        int32_t i = INT32_MIN;
        return put(&p->values, &i, 4);
    }
    case GLTF_PROP_FLOAT64: {
        double d = -DBL_MAX;
        return put(&p->values, &d, 8);
    }
    case GLTF_PROP_UINT8: {
        uint8_t b = 255;
        return put(&p->values, &b, 1);
    }
    case GLTF_PROP_STRING: return end_string(p);
    }
    return -1;
}

void gltf_table_end_row(gltf_table *t)
{
    t->count++;
}
