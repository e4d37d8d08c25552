/* svg_text.c: text into the SVG (and the HTML around it): escaping,
 * formatted appends, and the round lengths a scale bar shows. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "svg_map.h"

int svg_printf(cim_bytes *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || cim_bytes_reserve(b, (size_t)n + 1))
        return -1;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int svg_escape(cim_bytes *b, const char *s)
{
    if (!s)
        return 0;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        size_t n = rep ? strlen(rep) : 1;
        if (cim_bytes_reserve(b, n))
            return -1;
        memcpy(b->data + b->len, rep ? rep : s, n);
        b->len += n;
    }
    return 0;
}

double svg_round_length(double max)
{
    if (!(max > 0) || !isfinite(max))
        return 0;
    double p = pow(10, floor(log10(max)));
    /* log10 can land a hair below an exact power of ten */
    if (p * 10 <= max)
        p *= 10;
    static const double steps[] = {5, 2, 1};
    for (int i = 0; i < 3; i++)
        if (steps[i] * p <= max)
            return steps[i] * p;
    return p / 2; /* not reached: 1 x p <= max */
}
