/* report_data.c: the report for machines. CSV: the main table, one header
 * row, RFC 4180 quoting and CRLF line ends, UTF-8 with a byte-order mark
 * (Excel in China opens UTF-8 CSV correctly only with it; csv readers take
 * it with "utf-8-sig"). JSON: the whole document after
 * doc/report.schema.json; numbers are the cells' text, so both carry the
 * HTML's figures exactly. */
#include <string.h>

#include "json_int.h"
#include "report_int.h"

static void put(cim_buf *b, const char *s, size_t n)
{
    if (!cim_buf_reserve(b, n + 1))
        cim_buf_put(b, s, n);
}

static void csv_cell(cim_buf *b, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        put(b, s, strlen(s));
        return;
    }
    put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        put(b, p, 1);
        if (*p == '"')
            put(b, "\"", 1); /* a quote is doubled */
    }
    put(b, "\"", 1);
}

int rp_write_csv(cim_buf *out, const rp_doc *d)
{
    if (!d->ntables)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "report without a table");
    const cim_table *t = &d->tables[0]->t;
    put(out, "\xEF\xBB\xBF", 3);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            put(out, ",", 1);
        csv_cell(out, t->cols[c]);
    }
    put(out, "\r\n", 2);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                put(out, ",", 1);
            csv_cell(out, t->cells[r * t->ncols + c]);
        }
        put(out, "\r\n", 2);
    }
    return cim_buf_reserve(out, 1) ? rp_oom() : CIM_OK;
}

static void json_value(cim_buf *b, const char *v, int numeric)
{
    if (!v)
        cim_json_raw(b, "null");
    else if (numeric)
        cim_json_raw(b, v);
    else
        cim_json_str(b, v);
}

int rp_write_json(cim_buf *b, const rp_doc *d)
{
    char num[64];
    cim_json_raw(b, "{\"schema\":\"cim-report/1\",");
    cim_json_kv(b, "kind", cim_report_kind_name(d->kind));
    cim_json_raw(b, ",");
    cim_json_kv(b, "title", d->title);
    cim_json_raw(b, ",");
    cim_json_kv(b, "store", d->store);
    cim_json_raw(b, ",");
    cim_json_kv(b, "layer", d->layer);
    cim_json_raw(b, ",");
    cim_json_kv(b, "generated_at", d->generated_at);
    snprintf(num, sizeof num, ",\"srid\":%d,\"parameters\":", d->srid);
    cim_json_raw(b, num);
    cim_json_raw(b, d->params_json);
    cim_json_raw(b, ",\"figures\":[");
    for (size_t i = 0; i < d->nfigs; i++) {
        cim_json_raw(b, i ? ",{" : "{");
        cim_json_kv(b, "key", d->figs[i].key);
        cim_json_raw(b, ",");
        cim_json_kv(b, "label", d->figs[i].label);
        cim_json_raw(b, ",\"value\":");
        json_value(b, d->figs[i].value, d->figs[i].numeric);
        cim_json_raw(b, "}");
    }
    cim_json_raw(b, "],\"notes\":");
    cim_json_str_array(b, (const char *const *)d->notes, d->nnotes);
    cim_json_raw(b, ",\"tables\":[");
    for (size_t i = 0; i < d->ntables; i++) {
        const rp_table *t = d->tables[i];
        cim_json_raw(b, i ? ",{" : "{");
        cim_json_kv(b, "id", t->id);
        cim_json_raw(b, ",");
        cim_json_kv(b, "title", t->title);
        cim_json_raw(b, ",\"columns\":[");
        for (size_t c = 0; c < t->t.ncols; c++) {
            cim_json_raw(b, c ? ",{" : "{");
            cim_json_kv(b, "name", t->t.cols[c]);
            cim_json_raw(b, t->numeric[c] ? ",\"type\":\"number\"}" : ",\"type\":\"string\"}");
        }
        cim_json_raw(b, "],\"rows\":[");
        for (size_t r = 0; r < t->t.nrows; r++) {
            cim_json_raw(b, r ? ",\n[" : "\n[");
            for (size_t c = 0; c < t->t.ncols; c++) {
                if (c)
                    cim_json_raw(b, ",");
                json_value(b, t->t.cells[r * t->t.ncols + c], t->numeric[c]);
            }
            cim_json_raw(b, "]");
        }
        cim_json_raw(b, "]}");
    }
    cim_json_raw(b, "],\"map\":{");
    snprintf(num, sizeof num, "\"drawn\":%s,\"features\":%lld}}\n", d->svg ? "true" : "false",
             (long long)d->map_features);
    cim_json_raw(b, num);
    if (cim_buf_reserve(b, 1))
        return rp_oom();
    b->data[b->len] = 0;
    return CIM_OK;
}
