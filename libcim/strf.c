/* strf.c: printf into a new string, for messages and report cells built
 * from parts. */
#include "strf_int.h"

#include <stdio.h>
#include <stdlib.h>

char *cim_vstrdupf(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *cim_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = cim_vstrdupf(fmt, ap);
    va_end(ap);
    return s;
}
