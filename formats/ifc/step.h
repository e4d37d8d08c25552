/* step.h: a reader for ISO 10303-21 ("STEP physical file", the .ifc format).
 *
 * Why its own: no IFC library is packaged in Debian, and what footprints need
 * is a small part of a file. The file is memory-mapped and scanned once to
 * index every "#id = TYPE(...);" instance by id (offset, length and interned
 * type name: 24 bytes an instance); an instance's attributes are decoded only
 * when asked for, into an arena the caller resets. So memory grows with the
 * number of instances, never with a decoded copy of the whole model.
 * Strings come out as UTF-8 (\X2\..\X0\, \X4\..\X0\, \X\hh, \S\c and ''
 * decoded). Errors name the instance (#id), the line and the byte offset.
 * It knows nothing of IFC or of the store. */
#ifndef CIM_STEP_H
#define CIM_STEP_H

#include <stddef.h>
#include <stdint.h>

enum { STEP_OK = 0, STEP_ERROR = -1 };

typedef enum {
    STEP_NULL = 0,   /* $ (unset) */
    STEP_DERIVED,    /* * (derived attribute) */
    STEP_INT,
    STEP_REAL,
    STEP_STRING,     /* UTF-8, NUL-terminated */
    STEP_ENUM,       /* .NAME. without the dots */
    STEP_BINARY,     /* "..." hex text as written */
    STEP_REF,        /* #id */
    STEP_LIST,       /* ( ... ) */
    STEP_TYPED       /* NAME(value), e.g. IFCLENGTHMEASURE(1.) */
} step_kind;

typedef struct step_value step_value;
struct step_value {
    step_kind kind;
    int64_t i;          /* INT; REF: the id */
    double r;           /* REAL, also set for INT */
    const char *s;      /* STRING, ENUM, BINARY; TYPED: the type name */
    size_t n;           /* LIST: items; STRING/ENUM/BINARY: length */
    step_value *items;  /* LIST: n items; TYPED: one item (the value) */
};

typedef struct step_entity {
    uint64_t id;
    const char *type;   /* upper case as in the file; "" for a complex (multi-type) instance */
    size_t nargs;
    step_value *args;
} step_entity;

typedef struct step_file step_file;
typedef struct step_arena step_arena;

/* Maps path, reads the header and indexes the DATA section(s). On STEP_ERROR
 * *out is still set (for step_error) unless the file could not be opened at
 * all (then *out is NULL and errbuf says why). */
int step_open(step_file **out, const char *path, char *errbuf, size_t errlen);
/* The same over a caller's buffer (kept alive by the caller), for tests and fuzzing. */
int step_open_mem(step_file **out, const char *data, size_t len, char *errbuf, size_t errlen);
void step_close(step_file *f);
const char *step_error(const step_file *f);

/* FILE_SCHEMA's first name, e.g. "IFC2X3", "IFC4", "IFC4X3_ADD2"; "" if none. */
const char *step_schema(const step_file *f);
size_t step_size(const step_file *f);
size_t step_count(const step_file *f);

/* The type name of #id (upper case), or NULL when there is no such instance. */
const char *step_type_of(const step_file *f, uint64_t id);
/* Ids of every instance whose type is name (exact, upper case), in id order.
 * *out is malloc'ed (free it); returns the count. */
size_t step_ids_of_type(const step_file *f, const char *name, uint64_t **out);
/* Ids of every instance whose type begins with prefix (e.g. "IFCWALL" gives
 * IFCWALL, IFCWALLSTANDARDCASE...). */
size_t step_ids_with_prefix(const step_file *f, const char *prefix, uint64_t **out);

/* Decodes #id into *out (memory from the arena). STEP_ERROR with a message
 * naming #id when there is no such instance or its text is broken. */
int step_get(step_file *f, step_arena *a, uint64_t id, step_entity *out);

/* Scratch memory for decoded values: reset it between entities you are done with. */
step_arena *step_arena_new(void);
void step_arena_reset(step_arena *a);
void step_arena_free(step_arena *a);

/* Decodes one string literal body (between the quotes, as written) to UTF-8
 * into out (at least len + 1 bytes: the UTF-8 is never longer than the
 * escaped text... except \X2\ escapes, so give 2 * len + 1). Returns the
 * length, or -1 on a broken escape. Exposed for tests. */
long step_decode_string(const char *in, size_t len, char *out);

/* Helpers over decoded values: the number in v (INT, REAL, or TYPED around
 * one); 0 on success. */
int step_number(const step_value *v, double *out);
/* The ref id in v (REF), or 0. */
uint64_t step_ref(const step_value *v);
/* A string/enum value or NULL. */
const char *step_text(const step_value *v);
/* args[i] when i < e->nargs, else a static STEP_NULL. */
const step_value *step_arg(const step_entity *e, size_t i);

#endif
