/* cim/error.h: return codes and the thread-local last error. */
#ifndef CIM_ERROR_H
#define CIM_ERROR_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Functions return 0 on success or one of these negative codes. */
enum {
    CIM_OK = 0,
    CIM_ERROR = -1,      /* unclassified failure */
    CIM_EINVALID = -2,   /* a caller's argument is wrong (usage) */
    CIM_ENOTFOUND = -3,  /* a file, layer or field does not exist */
    CIM_EEXISTS = -4,    /* the target exists and no mode says what to do */
    CIM_EFORMAT = -5,    /* input data is broken or unsupported */
    CIM_ECRS = -6,       /* a coordinate reference system is missing or wrong */
    CIM_EGEOMETRY = -7,  /* a geometry cannot be used, even after repair */
    CIM_EIO = -8,        /* reading or writing a file failed */
    CIM_ESTORE = -9,     /* the store (database) failed or is not a cim store */
    CIM_ECANCELED = -10, /* a progress callback asked to stop */
    CIM_EINTERNAL = -11, /* a bug or an exhausted resource */
    CIM_ITEROVER = -31   /* an iterator has no more items; not a failure */
};

/* Where the message came from. */
typedef enum {
    CIM_ERRCLASS_NONE = 0,
    CIM_ERRCLASS_GDAL,
    CIM_ERRCLASS_PROJ,
    CIM_ERRCLASS_GEOS,
    CIM_ERRCLASS_SQLITE,
    CIM_ERRCLASS_IO,
    CIM_ERRCLASS_FORMAT,
    CIM_ERRCLASS_ARG,
    CIM_ERRCLASS_INTERNAL,
    CIM_ERRCLASS_POSTGRES  /* libpq or the PostgreSQL server of a PostGIS store */
} cim_error_class;

typedef struct cim_error {
    int code;              /* a CIM_E* value */
    cim_error_class klass;
    const char *message;   /* with its context, e.g. "layer 'parcels', feature 812: ..." */
} cim_error;

/* The last error raised on this thread, or NULL. Borrowed; valid until the
 * next failing call on this thread. */
CIM_EXTERN const cim_error *cim_error_last(void);
CIM_EXTERN void cim_error_clear(void);
/* A short name for a code ("invalid argument", "bad input data", ...). */
CIM_EXTERN const char *cim_error_name(int code);

#ifdef __cplusplus
}
#endif
#endif
