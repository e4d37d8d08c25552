/* svg_int.h: the map's state, shared by svg_map.c (page, legend, scale
 * bar, north arrow) and svg_draw.c (shapes). */
#ifndef CIM_SVG_INT_H
#define CIM_SVG_INT_H

#include "svg_map.h"

/* Path coordinates are written in 1/SVG_UNITS pixels (integers), inside a
 * group scaled back by 1/SVG_UNITS. */
#define SVG_UNITS 4

struct svg_map {
    double bbox[4];
    double width, height;     /* map area, pixels */
    double scale;             /* pixels per metre */
    double ox, oy;            /* page position of (bbox minx, bbox maxy) */
    cim_bytes body;           /* shapes so far */
    cim_bytes points;         /* dots, drawn over the shapes (and never inside an open path) */
    char *shape_title;
    double *scratch;
    size_t scratch_cap;       /* points */
    size_t nlegend;
    char **legend_fill, **legend_label;
    size_t vertices, dropped; /* written, rings/lines too small to draw */
};

#endif
