/* svg_map.h: a map drawn as SVG for reports. Projects a bounding box in
 * metres (a projected CRS, y up) onto a page in pixels, draws polygons
 * (even-odd fill, so holes stay holes), lines and points simplified to the
 * page's pixel size, and adds a legend, a scale bar with a round length and
 * a north arrow. Knows nothing of the store. */
#ifndef CIM_SVG_MAP_H
#define CIM_SVG_MAP_H

#include <stddef.h>

#include "bytes.h"

typedef struct svg_map svg_map;

/* A map of bbox (minx, miny, maxx, maxy, metres) width pixels wide; the
 * height follows the box's aspect (clamped to [width/4, 1.5 width]; the box
 * is centred). NULL when out of memory or the box is empty. */
svg_map *svg_map_new(const double bbox[4], int width);
void svg_map_free(svg_map *m);
/* Page size of the map area (the legend adds rows below it). */
void svg_map_size(const svg_map *m, double *width, double *height);
/* Metres (x, y) to page pixels. */
void svg_map_project(const svg_map *m, double x, double y, double *px, double *py);

/* A shape: begin, add rings/lines/points, end. fill NULL = no fill; title
 * (plain text, escaped here) becomes a tooltip. Colours are CSS colours
 * written as given: pass only literal colours (#rrggbb). Returns 0 or -1
 * when out of memory. */
int svg_map_shape_begin(svg_map *m, const char *fill, const char *stroke, double stroke_width, const char *title);
/* A closed ring of n points xy[2n] (a polygon's outer ring or a hole). Rings
 * that simplify to fewer than 3 distinct pixels are dropped. */
int svg_map_ring(svg_map *m, const double *xy, size_t n);
/* An open line of n points. */
int svg_map_line(svg_map *m, const double *xy, size_t n);
int svg_map_shape_end(svg_map *m);
/* A dot of radius r pixels. */
int svg_map_point(svg_map *m, double x, double y, double r, const char *fill, const char *title);

/* A legend entry (swatch colour and label). */
int svg_map_legend(svg_map *m, const char *fill, const char *label);

/* Adds the scale bar, the north arrow and the legend and returns the whole
 * <svg> element (NUL-terminated, the caller frees it); m is freed. NULL when
 * out of memory. */
char *svg_map_finish(svg_map *m, size_t *len);

/* Douglas-Peucker on xy[2n] in place, tolerance tol (same units); keeps the
 * first and last points. Returns the new count. */
size_t svg_simplify(double *xy, size_t n, double tol);
/* The round length (1, 2 or 5 x 10^k) not above max (max > 0). */
double svg_round_length(double max);
/* Appends s with &, <, >, " and ' escaped (XML and HTML text and attributes).
 * 0 or -1 when out of memory. */
int svg_escape(cim_bytes *b, const char *s);
/* Appends printf-formatted text. 0 or -1. */
int svg_printf(cim_bytes *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
