/* step_int.h: what the STEP index (step_index.c) and the value decoder
 * (step_decode.c) share. */
#ifndef CIM_STEP_INT_H
#define CIM_STEP_INT_H

#include "step.h"

typedef struct step_slot {
    uint64_t id;
    uint64_t off;     /* byte offset of the attribute list's '(' (or of the type for complex ones) */
    uint32_t len;     /* bytes from off up to (not including) the closing ';' */
    uint32_t type;    /* index into types */
} step_slot;

typedef struct step_type {
    char *name;
    uint32_t hash;
} step_type;

struct step_file {
    const char *data;
    size_t size;
    int mapped;
    char schema[64];
    step_slot *slots;
    size_t nslots, capslots;
    step_type *types;
    size_t ntypes, captypes;
    uint32_t *type_hash;  /* open addressing over types, 0 = empty, else index + 1 */
    size_t type_hash_cap;
    char err[512];
};

/* 1-based line of byte offset off (counted on demand: only errors need it). */
size_t step_line_of(const step_file *f, size_t off);
/* The slot of #id or NULL. */
const step_slot *step_find(const step_file *f, uint64_t id);
int step_fail(step_file *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
