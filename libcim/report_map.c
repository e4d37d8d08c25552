/* report_map.c: the report's map, drawn from the store's geometry with
 * formats/svg. Each map layer is a SELECT of (geom, class, title): the
 * features of one class become one even-odd path (a 100k-parcel district is
 * a path per land-use class, not 100k elements); outline layers (districts,
 * streets) keep one element per feature with its name as a tooltip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "svg_map.h"
#include "wkb_int.h"

typedef struct draw_ctx {
    svg_map *m;
    uint32_t type;       /* top-level WKB type */
    double *xy;
    size_t cap;
    int rc;
    const char *fill;    /* points */
    const char *title;
} draw_ctx;

static int on_run(uint8_t *coords, uint32_t n, int stride, void *payload)
{
    draw_ctx *c = payload;
    if (n > c->cap) {
        double *xy = realloc(c->xy, 2 * (size_t)n * sizeof *xy);
        if (!xy)
            return c->rc = -1;
        c->xy = xy;
        c->cap = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        memcpy(&c->xy[2 * i], coords + (size_t)i * (size_t)stride * 8, 8);
        memcpy(&c->xy[2 * i + 1], coords + ((size_t)i * (size_t)stride + 1) * 8, 8);
    }
    int closed = n >= 4 && c->xy[0] == c->xy[2 * (n - 1)] && c->xy[1] == c->xy[2 * (n - 1) + 1];
    switch (c->type) {
    case CIM_WKB_POLYGON:
    case CIM_WKB_MULTIPOLYGON: c->rc = svg_map_ring(c->m, c->xy, n); break;
    case CIM_WKB_POINT:
    case CIM_WKB_MULTIPOINT:
        for (uint32_t i = 0; i < n && !c->rc; i++)
            c->rc = svg_map_point(c->m, c->xy[2 * i], c->xy[2 * i + 1], 3, c->fill, c->title);
        break;
    default: c->rc = closed ? svg_map_ring(c->m, c->xy, n) : svg_map_line(c->m, c->xy, n); break;
    }
    return c->rc;
}

/* One feature's blob into the open shape (or as points). */
static int draw_blob(draw_ctx *c, cim_buf *wkb, const void *blob, size_t len)
{
    if (cim_splite_blob_to_wkb(wkb, blob, len))
        return 1; /* a blob we cannot read is not drawn: the tables still count it */
    cim_wkb_info info;
    if (cim_wkb_scan(wkb->data, wkb->len, &info) || !info.points)
        return 1;
    c->type = info.type;
    cim_wkb_walk(wkb->data, wkb->len, on_run, c);
    return c->rc ? -1 : 0;
}

/* "prefix class (count)"; a NULL class is "(none)", or just the prefix */
static void legend_label(char *out, size_t n, const rp_map_layer *l, const char *cls, size_t count)
{
    const char *p = l->legend_prefix ? l->legend_prefix : "";
    snprintf(out, n, "%s%s (%zu)", p, cls ? cls : *p ? "" : "(none)", count);
}

static int draw_layer(rp_doc *d, cim_store *s, draw_ctx *c, const rp_map_layer *l)
{
    cim_sql *st = NULL;
    if (cim_sql_prepare(s, &st, l->sql))
        return cim_error_prefix("map");
    cim_buf wkb = {0};
    char *cls = NULL;
    char color[8] = "#222222"; /* the current class's (points are drawn in it) */
    int open = 0, rc = CIM_OK, first = 1;
    size_t count = 0;
    int step;
    while (!rc && (step = cim_sql_step(st)) == CIM_SQL_ROW) {
        const void *blob = cim_sql_blob(st, 0);
        size_t len = (size_t)cim_sql_bytes(st, 0);
        const char *k = cim_sql_type(st, 1) == CIM_SQL_NULL ? NULL : cim_sql_text(st, 1);
        const char *title = cim_sql_type(st, 2) == CIM_SQL_NULL ? NULL : cim_sql_text(st, 2);
        if (!blob)
            continue;
        if (l->outline) {
            rc = svg_map_shape_begin(c->m, NULL, "#222222", 1.2, title) ? rp_oom() : CIM_OK;
            c->fill = "#222222";
            c->title = title;
            if (!rc && draw_blob(c, &wkb, blob, len) < 0)
                rc = rp_oom();
            if (!rc && svg_map_shape_end(c->m))
                rc = rp_oom();
            d->map_features++;
            continue;
        }
        if (first || (k ? !cls || strcmp(k, cls) : cls != NULL)) {
            /* a new class: close the last path, legend the last class */
            if (open && svg_map_shape_end(c->m))
                rc = rp_oom();
            if (!rc && !first) {
                char label[320];
                legend_label(label, sizeof label, l, cls, count);
                if (svg_map_legend(c->m, color, label))
                    rc = rp_oom();
            }
            free(cls);
            cls = k ? strdup(k) : NULL;
            count = 0;
            first = 0;
            rp_color(color, cls);
            c->fill = color;
            c->title = cls;
            open = 0;
            if (!rc && svg_map_shape_begin(c->m, color, "#ffffff", 0.3, cls ? cls : "(none)"))
                rc = rp_oom();
            open = !rc;
        }
        if (!rc && draw_blob(c, &wkb, blob, len) < 0)
            rc = rp_oom();
        count++;
        d->map_features++;
    }
    if (open && !rc && svg_map_shape_end(c->m))
        rc = rp_oom();
    if (!rc && !first && !l->outline) {
        char label[320];
        legend_label(label, sizeof label, l, cls, count);
        if (svg_map_legend(c->m, color, label))
            rc = rp_oom();
    }
    if (!rc && step < 0)
        rc = cim_error_prefix("map");
    free(cls);
    cim_buf_free(&wkb);
    cim_sql_finalize(st);
    return rc;
}

int rp_map_draw(rp_doc *d, cim_store *s, const double bbox[4], const rp_map_layer *layers, size_t n, int width)
{
    if (!d->draw_map)
        return CIM_OK;
    /* one point (or a vertical/horizontal line) has no area: 100 m around it */
    double box[4] = {bbox[0], bbox[1], bbox[2], bbox[3]};
    for (int k = 0; k < 2; k++)
        if (box[k + 2] - box[k] < 1) {
            box[k] -= 50;
            box[k + 2] += 50;
        }
    draw_ctx c = {0};
    c.m = svg_map_new(box, width > 0 ? width : 900);
    if (!c.m)
        return rp_note(d, "no map: the layers have no extent");
    int rc = CIM_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = draw_layer(d, s, &c, &layers[i]);
    free(c.xy);
    if (rc) {
        svg_map_free(c.m);
        return rc;
    }
    d->svg = svg_map_finish(c.m, NULL);
    return d->svg ? CIM_OK : rp_oom();
}
