/* sensors_intern.c: interned strings and the sensor registry. A file of
 * millions of readings names a few thousand sensors and a handful of
 * properties: each reading then carries two small integers, not strings. */
#include "sensors_int.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

long cim_strset_find(const cim_strset *set, const char *s)
{
    if (!set->nslots)
        return -1;
    for (size_t i = hash(s) & (set->nslots - 1);; i = (i + 1) & (set->nslots - 1)) {
        uint32_t k = set->slots[i];
        if (!k)
            return -1;
        if (!strcmp(set->v[k - 1], s))
            return (long)k - 1;
    }
}

static int rehash(cim_strset *set, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t k = 0; k < set->n; k++) {
        size_t i = hash(set->v[k]) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = (uint32_t)k + 1;
    }
    free(set->slots);
    set->slots = slots;
    set->nslots = nslots;
    return 0;
}

long cim_strset_add(cim_strset *set, const char *s, int *added)
{
    long k = cim_strset_find(set, s);
    if (added)
        *added = k < 0;
    if (k >= 0)
        return k;
    if ((set->n + 1) * 2 > set->nslots && rehash(set, set->nslots ? set->nslots * 2 : 64))
        return -1;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 32;
        char **v = realloc(set->v, cap * sizeof *v);
        if (!v)
            return -1;
        set->v = v;
        set->cap = cap;
    }
    if (!(set->v[set->n] = strdup(s)))
        return -1;
    size_t i = hash(s) & (set->nslots - 1);
    while (set->slots[i])
        i = (i + 1) & (set->nslots - 1);
    set->slots[i] = (uint32_t)set->n + 1;
    return (long)set->n++;
}

void cim_strset_clear(cim_strset *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i]);
    free(set->v);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

long sensor_reg_add(sensor_reg *r, const char *id, int64_t line)
{
    int added;
    long k = cim_strset_add(&r->ids, id, &added);
    if (k < 0 || !added)
        return k;
    if ((size_t)k >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        sensor_ent *e = realloc(r->ents, cap * sizeof *e);
        if (!e)
            return -1;
        r->ents = e;
        r->cap = cap;
    }
    memset(&r->ents[k], 0, sizeof r->ents[k]);
    r->ents[k].line = line;
    return k;
}

int sensor_reg_attr(sensor_reg *r, long sensor, const char *name, const char *value)
{
    long a = cim_strset_add(&r->attr_names, name, NULL);
    if (a < 0)
        return -1;
    sensor_ent *e = &r->ents[sensor];
    if ((size_t)a >= e->nattrs) {
        size_t n = r->attr_names.n;
        char **v = realloc(e->attrs, n * sizeof *v);
        if (!v)
            return -1;
        memset(v + e->nattrs, 0, (n - e->nattrs) * sizeof *v);
        e->attrs = v;
        e->nattrs = n;
    }
    if (!e->attrs[a] && !(e->attrs[a] = strdup(value)))
        return -1;
    return 0;
}

void sensor_reg_clear(sensor_reg *r)
{
    for (size_t i = 0; i < r->ids.n; i++) {
        for (size_t a = 0; a < r->ents[i].nattrs; a++)
            free(r->ents[i].attrs[a]);
        free(r->ents[i].attrs);
    }
    free(r->ents);
    cim_strset_clear(&r->ids);
    cim_strset_clear(&r->attr_names);
    memset(r, 0, sizeof *r);
}
