/* report_html.c: the report for people: one self-contained HTML file
 * (inline CSS, the map as inline SVG, no script, no external request), UTF-8
 * with a CJK font stack, readable on screen and printable (@page, page
 * breaks before big tables, table headers repeated on each page). Every
 * text from the store is escaped. Tables longer than RP_HTML_MAX_ROWS show
 * their first rows and say so: the CSV and JSON carry all of them. */
#include <stdio.h>
#include <string.h>

#include "report_int.h"
#include "svg_map.h"

#define RP_HTML_MAX_ROWS 5000

static const char *const css =
    "@page{size:A4;margin:14mm}\n"
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\",\"Microsoft YaHei\",sans-serif;"
    "color:#222;margin:24px auto;max-width:960px;line-height:1.45;overflow-wrap:anywhere}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}\n"
    ".meta{color:#666;font-size:13px;margin:0 0 16px}\n"
    ".figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:8px;margin:0 0 16px}\n"
    ".figure{border:1px solid #ddd;border-radius:4px;padding:6px 10px}\n"
    ".figure .v{font-size:18px;font-weight:bold}.figure .l{font-size:12px;color:#555}\n"
    ".map svg{max-width:100%;height:auto;font-family:inherit}\n"
    ".notes{font-size:13px;color:#444}\n"
    "table{border-collapse:collapse;font-size:12px;width:100%}\n"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}\n"
    "th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.sev-error,td.sev-fail,td.sev-violation{background:#f8d0d0}\n"
    "td.sev-needs_approval,td.sev-conditional{background:#fde0c2}td.sev-warning{background:#fbefb5}\n"
    "td.sev-info{background:#d7e7f7}\n"
    "thead{display:table-header-group}tr{page-break-inside:avoid}\n"
    "section.big{page-break-before:always}\n"
    "@media print{body{margin:0;max-width:none}.map{page-break-inside:avoid}}\n";

/* The page is built in formats/svg's buffer, whose escaping it shares. */
static int text(cim_bytes *b, const char *s)
{
    return svg_escape(b, s) ? rp_oom() : CIM_OK;
}

static int raw(cim_bytes *b, const char *s)
{
    return svg_printf(b, "%s", s) ? rp_oom() : CIM_OK;
}

static int table(cim_bytes *b, const rp_table *t)
{
    char buf[160];
    size_t shown = t->t.nrows < RP_HTML_MAX_ROWS ? t->t.nrows : RP_HTML_MAX_ROWS;
    int rc = raw(b, t->t.nrows > 40 ? "<section class=\"big\"><h2>" : "<section><h2>") || text(b, t->title);
    snprintf(buf, sizeof buf, " <small>(%zu rows)</small></h2>\n", t->t.nrows);
    rc = rc || raw(b, buf);
    if (shown < t->t.nrows) {
        snprintf(buf, sizeof buf, "<p class=\"notes\">The first %zu rows; the CSV and JSON forms have all %zu.</p>\n",
                 shown, t->t.nrows);
        rc = rc || raw(b, buf);
    }
    rc = rc || raw(b, "<table><thead><tr>");
    for (size_t c = 0; !rc && c < t->t.ncols; c++)
        rc = raw(b, "<th>") || text(b, t->t.cols[c]) || raw(b, "</th>");
    rc = rc || raw(b, "</tr></thead>\n<tbody>\n");
    for (size_t r = 0; !rc && r < shown; r++) {
        rc = raw(b, "<tr>");
        for (size_t c = 0; !rc && c < t->t.ncols; c++) {
            const char *v = t->t.cells[r * t->t.ncols + c];
            if (t->numeric[c])
                rc = raw(b, "<td class=\"num\">");
            else if ((int)c == t->severity_col && v && strlen(v) < 40 && !strpbrk(v, "\"<>&' ")) {
                snprintf(buf, sizeof buf, "<td class=\"sev-%s\">", v);
                rc = raw(b, buf);
            } else {
                rc = raw(b, "<td>");
            }
            rc = rc || text(b, v ? v : "") || raw(b, "</td>");
        }
        rc = rc || raw(b, "</tr>\n");
    }
    return rc || raw(b, "</tbody></table></section>\n");
}

static int page(cim_bytes *b, const rp_doc *d)
{
    char buf[128];
    int rc = raw(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<link rel=\"icon\" href=\"data:,\">\n<title>") ||
             text(b, d->title) || raw(b, "</title>\n<style>\n") || raw(b, css) ||
             raw(b, "</style>\n</head>\n<body>\n<header><h1>") || text(b, d->title) ||
             raw(b, "</h1>\n<p class=\"meta\">store ") || text(b, d->store);
    if (d->layer)
        rc = rc || raw(b, " · layer ") || text(b, d->layer);
    snprintf(buf, sizeof buf, " · EPSG:%d · generated ", d->srid);
    rc = rc || raw(b, buf) || text(b, d->generated_at) || raw(b, " UTC by cim</p></header>\n");
    rc = rc || raw(b, "<section class=\"figures\">\n");
    for (size_t i = 0; !rc && i < d->nfigs; i++)
        rc = raw(b, "<div class=\"figure\"><div class=\"v\">") || text(b, d->figs[i].value) ||
             raw(b, "</div><div class=\"l\">") || text(b, d->figs[i].label) || raw(b, "</div></div>\n");
    rc = rc || raw(b, "</section>\n");
    if (d->svg)
        rc = rc || raw(b, "<section class=\"map\">\n") || raw(b, d->svg) || raw(b, "</section>\n");
    if (d->nnotes) {
        rc = rc || raw(b, "<section class=\"notes\"><ul>\n");
        for (size_t i = 0; !rc && i < d->nnotes; i++)
            rc = raw(b, "<li>") || text(b, d->notes[i]) || raw(b, "</li>\n");
        rc = rc || raw(b, "</ul></section>\n");
    }
    for (size_t i = 0; !rc && i < d->ntables; i++)
        rc = table(b, d->tables[i]);
    rc = rc || raw(b, "</body>\n</html>\n");
    return rc ? rp_oom() : CIM_OK;
}

int rp_write_html(cim_buf *out, const rp_doc *d)
{
    cim_bytes b = {0};
    int rc = page(&b, d);
    if (rc) {
        cim_bytes_free(&b);
        return rc;
    }
    cim_buf_free(out);
    out->data = b.data;
    out->len = b.len;
    out->cap = b.cap;
    return CIM_OK;
}
