/* svg_map.c: the page: projection of the bounding box, and the furniture
 * a printed map needs (legend, scale bar with a round length, north arrow).
 * The map is north-up: the store CRS is projected with y to the north. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg_int.h"

enum { MARGIN = 8, LEGEND_ROW = 20, LEGEND_COLS = 3 };

svg_map *svg_map_new(const double bbox[4], int width)
{
    double dx = bbox[2] - bbox[0], dy = bbox[3] - bbox[1];
    if (!(dx >= 0) || !(dy >= 0) || (dx == 0 && dy == 0) || width < 100)
        return NULL;
    svg_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    memcpy(m->bbox, bbox, sizeof m->bbox);
    m->width = width;
    double h = dx > 0 ? width * dy / dx : 1.5 * width;
    m->height = h < width / 4.0 ? width / 4.0 : h > 1.5 * width ? 1.5 * width : h;
    /* fit the box inside the area less the margin, centred */
    double sx = dx > 0 ? (m->width - 2 * MARGIN) / dx : INFINITY, sy = dy > 0 ? (m->height - 2 * MARGIN) / dy : INFINITY;
    m->scale = sx < sy ? sx : sy;
    m->ox = (m->width - dx * m->scale) / 2;
    m->oy = (m->height - dy * m->scale) / 2;
    return m;
}

void svg_map_free(svg_map *m)
{
    if (!m)
        return;
    cim_bytes_free(&m->body);
    cim_bytes_free(&m->points);
    free(m->shape_title);
    free(m->scratch);
    for (size_t i = 0; i < m->nlegend; i++) {
        free(m->legend_fill[i]);
        free(m->legend_label[i]);
    }
    free(m->legend_fill);
    free(m->legend_label);
    free(m);
}

void svg_map_size(const svg_map *m, double *width, double *height)
{
    *width = m->width;
    *height = m->height;
}

void svg_map_project(const svg_map *m, double x, double y, double *px, double *py)
{
    *px = m->ox + (x - m->bbox[0]) * m->scale;
    *py = m->oy + (m->bbox[3] - y) * m->scale;
}

int svg_map_legend(svg_map *m, const char *fill, const char *label)
{
    char **f = realloc(m->legend_fill, (m->nlegend + 1) * sizeof *f);
    if (!f)
        return -1;
    m->legend_fill = f;
    char **l = realloc(m->legend_label, (m->nlegend + 1) * sizeof *l);
    if (!l)
        return -1;
    m->legend_label = l;
    f[m->nlegend] = strdup(fill ? fill : "none");
    l[m->nlegend] = strdup(label ? label : "");
    if (!f[m->nlegend] || !l[m->nlegend]) {
        free(f[m->nlegend]);
        free(l[m->nlegend]);
        return -1;
    }
    m->nlegend++;
    return 0;
}

/* A bar of a round length near a quarter of the width, bottom left. */
static int scale_bar(svg_map *m, cim_bytes *b)
{
    double len = svg_round_length(m->width * 0.25 / m->scale);
    if (!(len > 0))
        return 0;
    double px = len * m->scale, x = 12, y = m->height - 16;
    char label[48];
    if (len >= 1000)
        snprintf(label, sizeof label, "%g km", len / 1000);
    else
        snprintf(label, sizeof label, "%g m", len);
    return svg_printf(b,
                      "<g class=\"scalebar\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"26\" fill=\"#fff\" "
                      "fill-opacity=\"0.85\"/>"
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"5\" fill=\"#000\"/>"
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"5\" fill=\"#fff\" stroke=\"#000\" "
                      "stroke-width=\"0.8\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">0</text>"
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text></g>\n",
                      x - 6, y - 16, px + 12, x, y, px / 2, x + px / 2, y, px / 2, x - 3, y - 4, x + px + 3, y - 4,
                      label);
}

static int north_arrow(svg_map *m, cim_bytes *b)
{
    double x = m->width - 24, y = 14;
    return svg_printf(b,
                      "<g class=\"north\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"15\" fill=\"#fff\" fill-opacity=\"0.85\"/>"
                      "<path d=\"M%.1f %.1fl-6 16 6-4 6 4z\" fill=\"#000\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">N</text></g>\n",
                      x, y + 14, x, y + 4, x, y + 34);
}

static int legend(svg_map *m, cim_bytes *b)
{
    double col = m->width / LEGEND_COLS;
    for (size_t i = 0; i < m->nlegend; i++) {
        double x = MARGIN + (double)(i % LEGEND_COLS) * col, y = m->height + 6 + (double)(i / LEGEND_COLS) * LEGEND_ROW;
        if (svg_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"%s\" stroke=\"#555\" "
                          "stroke-width=\"0.6\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">",
                       x, y, m->legend_fill[i], x + 20, y + 10.5) ||
            svg_escape(b, m->legend_label[i]) || svg_printf(b, "</text>\n"))
            return -1;
    }
    return 0;
}

char *svg_map_finish(svg_map *m, size_t *len)
{
    if (!m)
        return NULL;
    size_t rows = (m->nlegend + LEGEND_COLS - 1) / LEGEND_COLS;
    double total_h = m->height + (rows ? 10 + (double)rows * LEGEND_ROW : 0);
    cim_bytes b = {0};
    int rc = svg_printf(&b,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" width=\"%.0f\" height=\"%.0f\" "
                        "viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n"
                        "<rect class=\"map-area\" x=\"0.5\" y=\"0.5\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\" "
                        "stroke=\"#888\"/>\n<g transform=\"scale(%g)\" stroke-linejoin=\"round\">\n",
                        m->width, total_h, m->width, total_h, m->width - 1, m->height - 1, 1.0 / SVG_UNITS);
    /* stroke widths were multiplied by SVG_UNITS when each shape began (see
     * svg_map_shape_begin), so the shapes are copied verbatim */
    rc = rc || cim_bytes_reserve(&b, m->body.len + m->points.len + 1);
    if (!rc) {
        if (m->body.len)
            memcpy(b.data + b.len, m->body.data, m->body.len);
        b.len += m->body.len;
        if (m->points.len)
            memcpy(b.data + b.len, m->points.data, m->points.len);
        b.len += m->points.len;
    }
    rc = rc || svg_printf(&b, "</g>\n") || scale_bar(m, &b) || north_arrow(m, &b) || legend(m, &b) ||
         svg_printf(&b, "</svg>\n");
    svg_map_free(m);
    if (rc) {
        cim_bytes_free(&b);
        return NULL;
    }
    b.data[b.len] = 0;
    if (len)
        *len = b.len;
    return (char *)b.data;
}
