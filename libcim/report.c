/* report.c: cim_report_write: builds the report document from the store
 * (report_landuse.c computes, report_results.c reads results) and writes
 * one form of it (report_html.c, report_data.c) to a file, replaced only
 * when the whole report is written. The store is only read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "json_int.h"
#include "report_int.h"

static const char *const kind_names[] = {"landuse", "redline", "siting", "indicators", "sensors"};

void cim_report_options_init(cim_report_options *opts)
{
    cim_report_options d = CIM_REPORT_OPTIONS_INIT;
    *opts = d;
}

void cim_report_result_free(cim_report_result *res)
{
    free(res);
}

int cim_report_kind_parse(cim_report_kind *out, const char *name)
{
    for (int i = 0; name && i < 5; i++)
        if (!strcmp(name, kind_names[i])) {
            *out = (cim_report_kind)i;
            return CIM_OK;
        }
    return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                         "unknown report kind '%s': use landuse, redline, siting, indicators or sensors",
                         name ? name : "");
}

const char *cim_report_kind_name(cim_report_kind kind)
{
    return (unsigned)kind < 5 ? kind_names[kind] : "?";
}

int cim_report_format_from_path(cim_report_format *out, const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")))
        *out = CIM_REPORT_HTML;
    else if (dot && !strcasecmp(dot, ".csv"))
        *out = CIM_REPORT_CSV;
    else if (dot && !strcasecmp(dot, ".json"))
        *out = CIM_REPORT_JSON;
    else
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "cannot tell the report form from '%s': name it .html, .csv or .json",
                             path ? path : "");
    return CIM_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The options as JSON, for the JSON form's "parameters". */
static char *params_json(const cim_report_options *o)
{
    cim_buf b = {0};
    cim_json_raw(&b, "{");
    cim_json_kv(&b, "kind", cim_report_kind_name(o->kind));
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "layer", o->layer);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "field", o->field);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "by", o->by);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "by_field", o->by_field);
    cim_json_raw(&b, "}");
    cim_json_text(&b);
    return (char *)b.data;
}

static int write_file(const char *path, const cim_buf *b)
{
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp)
        return rp_oom();
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int e = errno;
        free(tmp);
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "%s: cannot write: %s", path, strerror(e));
    }
    int ok = (b->len == 0 || fwrite(b->data, 1, b->len, f) == b->len);
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "%s: cannot write: %s", path, strerror(e));
    }
    free(tmp);
    return CIM_OK;
}

int cim_report_write(cim_report_result **out, cim_store *store, const char *path, const cim_report_options *opts)
{
    *out = NULL;
    cim_report_options o = CIM_REPORT_OPTIONS_INIT;
    if (opts)
        o = *opts;
    if (!store || !path || !*path)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "cim_report_write: give a store and an output path");
    if ((unsigned)o.kind >= 5 || (unsigned)o.format > CIM_REPORT_JSON)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "cim_report_write: unknown kind or form");
    double t0 = now_s();
    rp_doc d = {.kind = o.kind, .srid = cim_store_srid(store), .draw_map = o.format == CIM_REPORT_HTML};
    char now[32];
    cim_utc_now(now);
    char title[512];
    if (o.title)
        snprintf(title, sizeof title, "%s", o.title);
    else if (o.kind == CIM_REPORT_LANDUSE)
        snprintf(title, sizeof title, "Land use of '%s' per '%s' (用地统计)", o.layer ? o.layer : "",
                 o.by ? o.by : "");
    else
        snprintf(title, sizeof title, "%s report: '%s'", cim_report_kind_name(o.kind), o.layer ? o.layer : "");
    d.title = strdup(title);
    d.store = strdup(cim_store_path(store));
    d.layer = o.layer ? strdup(o.layer) : NULL;
    d.generated_at = strdup(now);
    d.params_json = params_json(&o);
    int rc = !d.title || !d.store || !d.generated_at || !d.params_json || (o.layer && !d.layer) ? rp_oom() : CIM_OK;
    if (!rc)
        rc = o.kind == CIM_REPORT_LANDUSE ? rp_landuse(&d, store, &o) : rp_results(&d, store, &o);
    cim_buf b = {0};
    if (!rc)
        rc = o.format == CIM_REPORT_HTML  ? rp_write_html(&b, &d)
             : o.format == CIM_REPORT_CSV ? rp_write_csv(&b, &d)
                                          : rp_write_json(&b, &d);
    if (!rc)
        rc = write_file(path, &b);
    cim_report_result *r = rc ? NULL : calloc(1, sizeof *r);
    if (!rc && !r)
        rc = rp_oom();
    if (!rc) {
        r->bytes = b.len;
        r->rows = d.ntables ? (int64_t)d.tables[0]->t.nrows : 0;
        r->findings = d.findings;
        r->map_features = d.map_features;
        r->seconds = now_s() - t0;
        *out = r;
    }
    cim_buf_free(&b);
    rp_doc_free(&d);
    return rc;
}
