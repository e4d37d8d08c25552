/* error_int.h: raising errors inside libcim (never installed). */
#ifndef CIM_ERROR_INT_H
#define CIM_ERROR_INT_H

#include "cim/error.h"

#if defined(__GNUC__)
#define CIM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CIM_PRINTF(a, b)
#endif

/* Sets this thread's last error and returns code, so callers can write
 * `return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "...", ...);`. */
int cim_error_set(int code, cim_error_class klass, const char *fmt, ...) CIM_PRINTF(3, 4);

/* Puts context in front of the current message ("layer 'x': " + message) and
 * returns the current code (CIM_ERROR if none was set). */
int cim_error_prefix(const char *fmt, ...) CIM_PRINTF(1, 2);

/* The last GDAL (CPLError) message on this thread, "" if none; cleared by
 * cim_gdal_error_reset(). Filled by the handler cim_init() installs. */
const char *cim_gdal_error_last(void);
void cim_gdal_error_reset(void);
/* The handler itself, also installed (CPLPushErrorHandler) by threads cim starts. */
void cim_gdal_error_handler(int err_class, int err_no, const char *msg);

#endif
