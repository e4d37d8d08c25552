/* strf_int.h: printf into a new string (strf.c). Never installed. */
#ifndef CIM_STRF_INT_H
#define CIM_STRF_INT_H

#include <stdarg.h>

#include "error_int.h"

/* The formatted text in malloc'd memory (free with free()), or NULL when out
 * of memory. */
char *cim_vstrdupf(const char *fmt, va_list ap);
char *cim_strdupf(const char *fmt, ...) CIM_PRINTF(1, 2);

#endif
