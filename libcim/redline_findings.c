/* redline_findings.c: the rules of the block-line check, judged on the
 * overlay's parcel x line hits: IBL-01 partial parcels, IBL-02 conversions,
 * IBL-03 the M0 cap, IBL-04 the industrial floor-area share (redline_gfa.c),
 * IBL-05 the area balance (redline_balance.c) and IBL-06 contiguity. Each
 * finding carries a message for people and its figures as JSON. */
#include "redline_int.h"
#include "plane_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "geos_io_int.h"
#include "json_int.h"
#include "strf_int.h"

static int oom(void)
{
    return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
}


static int add_finding(rl_ctx *c, int rule, cim_severity sev, int64_t parcel_fid, int64_t line_fid, char *message,
                       char *figures)
{
    if (!message || !figures) {
        free(message);
        free(figures);
        return oom();
    }
    if (c->nf == c->capf) {
        size_t cap = c->capf ? 2 * c->capf : 64;
        rl_finding *n = realloc(c->f, cap * sizeof *n);
        if (!n) {
            free(message);
            free(figures);
            return oom();
        }
        c->f = n;
        c->capf = cap;
    }
    c->f[c->nf++] = (rl_finding){rule, sev, parcel_fid, line_fid, message, figures};
    c->res->findings[rule - 1][sev]++;
    if (sev == CIM_SEVERITY_ERROR)
        c->res->errors++;
    return CIM_OK;
}

/* The dominant (first) code of a land-use value: "R2+C1" -> "R2", trimmed
 * and upper-cased; "" for NULL. */
static void dominant(const char *code, char out[24])
{
    size_t n = 0;
    out[0] = 0;
    if (!code)
        return;
    while (isspace((unsigned char)*code))
        code++;
    while (*code && *code != '+' && !isspace((unsigned char)*code) && n < 23)
        out[n++] = (char)toupper((unsigned char)*code++);
    out[n] = 0;
}

static int is_m0(const char *d) { return !strcmp(d, "M0"); }
static int is_m1(const char *d) { return !strcmp(d, "M1"); }
/* Residential R1-R4 and commercial C1, C5: what IBL-02 forbids. */
static int is_conversion(const char *d) { return d[0] == 'R' || d[0] == 'C'; }
/* Support uses: transport S, utilities U, green G1/G2 and public facilities GIC. */
static int is_support(const char *d) { return d[0] == 'S' || d[0] == 'U' || d[0] == 'G'; }

/* A JSON string literal of s, for figures. */
static char *jstr(const char *s)
{
    cim_buf b = {0};
    cim_json_str(&b, s);
    cim_json_text(&b);
    return (char *)b.data;
}

static int parcel_findings(rl_ctx *c)
{
    const cim_redline_params *P = &c->prm;
    int rc = CIM_OK;
    /* IBL-01: parcels partly inside a line. */
    for (size_t t = 0; !rc && t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; !rc && i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            if (h->status != RL_PARTIAL)
                continue;
            const rl_parcel *p = &c->job.parcels[h->parcel];
            const rl_line *l = &c->job.lines[h->line];
            rc = add_finding(c, 1, P->partial, p->fid, l->fid,
                             cim_strdupf("parcel fid %lld is %.1f %% inside level-%d line fid %lld: partial (inside needs "
                                 "%.1f %%)",
                                 (long long)p->fid, 100 * h->share, l->level, (long long)l->fid,
                                 100 * P->inside_share),
                             cim_strdupf("{\"inside_share\":%.10g,\"inside_m2\":%.3f,\"parcel_m2\":%.3f,\"level\":%d}",
                                 h->share, h->area, p->area, l->level));
        }
    }
    /* IBL-02: industrial land inside a line planned for another use. */
    for (size_t t = 0; !rc && t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; !rc && i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            if (h->status != RL_INSIDE)
                continue;
            const rl_parcel *p = &c->job.parcels[h->parcel];
            const rl_line *l = &c->job.lines[h->line];
            char cur[24], plan[24];
            dominant(p->landuse, cur);
            dominant(p->plan, plan);
            if (!(is_m0(cur) || is_m1(cur)) || !plan[0])
                continue;
            cim_severity sev;
            const char *what;
            if (is_conversion(plan)) {
                sev = l->level == 1 ? P->conversion_level1 : P->conversion_level2;
                what = "forbidden conversion";
            } else if (is_support(plan)) {
                sev = P->support_use;
                what = "support use";
            } else {
                continue;
            }
            char *ju = jstr(p->landuse), *jp = jstr(p->plan);
            rc = add_finding(c, 2, sev, p->fid, l->fid,
                             cim_strdupf("parcel fid %lld: %s %s -> %s inside level-%d line fid %lld (%.1f %% inside)",
                                 (long long)p->fid, what, p->landuse, p->plan, l->level, (long long)l->fid,
                                 100 * h->share),
                             (ju && jp) ? cim_strdupf("{\"landuse\":%s,\"proposed\":%s,\"level\":%d,\"inside_share\":%.10g}",
                                              ju, jp, l->level, h->share)
                                        : NULL);
            free(ju);
            free(jp);
        }
    }
    return rc;
}

/* IBL-03: per line, area(M0) / area(M0 + M1) of the land inside it (the
 * parts of the parcels beyond the sliver tolerance, by current use). */
static int m0_cap(rl_ctx *c)
{
    if (!*c->landuse_field)
        return CIM_OK;
    double *m0 = calloc(c->job.nl + 1, sizeof *m0), *m1 = calloc(c->job.nl + 1, sizeof *m1);
    if (!m0 || !m1) {
        free(m0);
        free(m1);
        return oom();
    }
    for (size_t t = 0; t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            char cur[24];
            dominant(c->job.parcels[h->parcel].landuse, cur);
            if (is_m0(cur))
                m0[h->line] += h->area;
            else if (is_m1(cur))
                m1[h->line] += h->area;
        }
    }
    int rc = CIM_OK;
    for (size_t i = 0; !rc && i < c->job.nl; i++) {
        const rl_line *l = &c->job.lines[i];
        double cap = l->level == 1 ? c->prm.m0_cap_level1 : c->prm.m0_cap_level2;
        double ind = m0[i] + m1[i];
        if (!(ind > 0) || m0[i] / ind <= cap)
            continue;
        rc = add_finding(c, 3, c->prm.m0_cap, -1, l->fid,
                         cim_strdupf("level-%d line fid %lld: M0 is %.1f %% of its industrial land, over the cap of %.1f %%",
                             l->level, (long long)l->fid, 100 * m0[i] / ind, 100 * cap),
                         cim_strdupf("{\"m0_m2\":%.3f,\"m1_m2\":%.3f,\"m0_share\":%.10g,\"cap\":%.10g,\"level\":%d}", m0[i],
                             m1[i], m0[i] / ind, cap, l->level));
    }
    free(m0);
    free(m1);
    return rc;
}

/* IBL-04: per line, the industrial share of the floor area of the parcels in
 * it: each parcel's GFA (from the indicators layer) weighted by its share
 * inside the line, as FAR apportions a footprint's floor area; industrial
 * means current use M0 or M1. Lines without floor area are not judged. */
static int gfa_share(rl_ctx *c)
{
    if (!c->o->gfa_layer)
        return CIM_OK;
    c->res->gfa_run = 1;
    double *gfa = NULL;
    int rc = rl_gfa_read(&gfa, c->s, c->o->gfa_layer, c->job.parcels, c->job.np);
    if (rc)
        return rc;
    size_t nl = c->job.nl;
    double *ind = calloc(nl + 1, sizeof *ind), *all = calloc(nl + 1, sizeof *all);
    int64_t *unknown = calloc(nl + 1, sizeof *unknown);
    if (!ind || !all || !unknown)
        rc = oom();
    for (size_t t = 0; !rc && t < c->job.ntasks; t++) {
        const rl_task_out *o = &c->job.outs[t];
        for (size_t i = 0; i < o->n; i++) {
            const rl_hit *h = &o->hits[i];
            double g = gfa[h->parcel];
            if (isnan(g)) {
                unknown[h->line]++;
                continue;
            }
            char cur[24];
            dominant(c->job.parcels[h->parcel].landuse, cur);
            all[h->line] += g * h->share;
            if (is_m0(cur) || is_m1(cur))
                ind[h->line] += g * h->share;
        }
    }
    const double min = c->prm.industrial_gfa_share;
    for (size_t i = 0; !rc && i < nl; i++) {
        const rl_line *l = &c->job.lines[i];
        if (!(all[i] > 0) || ind[i] / all[i] >= min - 1e-12)
            continue;
        rc = add_finding(c, 4, c->prm.gfa_share, -1, l->fid,
                         cim_strdupf("level-%d line fid %lld: industrial floor area is %.1f %% of the floor area in it, "
                             "under the minimum of %.1f %%",
                             l->level, (long long)l->fid, 100 * ind[i] / all[i], 100 * min),
                         cim_strdupf("{\"industrial_gfa_m2\":%.3f,\"gfa_m2\":%.3f,\"industrial_share\":%.10g,\"minimum\":%.10g,"
                             "\"parcels_without_gfa\":%lld,\"level\":%d}",
                             ind[i], all[i], ind[i] / all[i], min, (long long)unknown[i], l->level));
    }
    free(gfa);
    free(ind);
    free(all);
    free(unknown);
    return rc;
}

/* IBL-06: lines within the gap of each other form one block; blocks under
 * the minimum area are reported. All tiers are dissolved together. */
static int contiguity(rl_ctx *c)
{
    size_t n = c->job.nl;
    GEOSContextHandle_t h = cim_geos_context_new();
    cim_geos_io io;
    cim_geos_io_init(&io, h);
    GEOSGeometry **g = calloc(n + 1, sizeof *g);
    double *box = calloc(4 * n + 1, sizeof *box);
    size_t *parent = calloc(n + 1, sizeof *parent), *members = calloc(n + 1, sizeof *members);
    int rc = (g && box && parent && members) ? CIM_OK : oom();
    double gap = c->prm.contiguity_gap_m;
    for (size_t i = 0; !rc && i < n; i++) {
        const rl_line *l = &c->job.lines[i];
        parent[i] = i;
        if (!(g[i] = cim_geos_from_blob(&io, c->lblobs.data + l->blob_off, l->blob_len))) {
            rc = cim_error_prefix("layer '%s', feature fid %lld: ", c->o->lines, (long long)l->fid);
            break;
        }
        GEOSGeom_getXMin_r(h, g[i], &box[4 * i]);
        GEOSGeom_getYMin_r(h, g[i], &box[4 * i + 1]);
        GEOSGeom_getXMax_r(h, g[i], &box[4 * i + 2]);
        GEOSGeom_getYMax_r(h, g[i], &box[4 * i + 3]);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        for (size_t j = i + 1; !rc && j < n; j++) {
            const double *a = &box[4 * i], *b = &box[4 * j];
            if (a[0] - gap > b[2] || b[0] - gap > a[2] || a[1] - gap > b[3] || b[1] - gap > a[3])
                continue;
            size_t ri = cim_uf_find(parent, i), rj = cim_uf_find(parent, j);
            if (ri == rj)
                continue;
            double d = 0;
            if (!GEOSDistance_r(h, g[i], g[j], &d)) {
                rc = cim_error_prefix("lines fid %lld and %lld: distance: ", (long long)c->job.lines[i].fid,
                                      (long long)c->job.lines[j].fid);
                break;
            }
            if (d <= gap) {
                if (ri < rj)
                    parent[rj] = ri;
                else
                    parent[ri] = rj;
            }
        }
    }
    /* Blocks in the order of their first line (lines are in fid order). */
    for (size_t r = 0; !rc && r < n; r++) {
        if (cim_uf_find(parent, r) != r)
            continue;
        size_t m = 0;
        for (size_t i = r; i < n; i++)
            if (cim_uf_find(parent, i) == r)
                members[m++] = i;
        c->res->blocks++;
        double area = 0;
        if (m == 1) {
            GEOSArea_r(h, g[r], &area);
        } else {
            GEOSGeometry **parts = calloc(m, sizeof *parts);
            if (!parts) {
                rc = oom();
                break;
            }
            for (size_t k = 0; k < m; k++)
                parts[k] = GEOSGeom_clone_r(h, g[members[k]]);
            GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)m);
            free(parts);
            GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
            if (!u || !GEOSArea_r(h, u, &area))
                rc = cim_error_prefix("block of line fid %lld: union: ", (long long)c->job.lines[r].fid);
            if (u)
                GEOSGeom_destroy_r(h, u);
            if (coll)
                GEOSGeom_destroy_r(h, coll);
            if (rc)
                break;
        }
        if (area >= c->prm.min_block_area_m2)
            continue;
        cim_buf ids = {0};
        char num[32];
        for (size_t k = 0; k < m; k++) {
            snprintf(num, sizeof num, "%s%lld", k ? "," : "", (long long)c->job.lines[members[k]].fid);
            cim_json_raw(&ids, num);
        }
        const char *list = cim_json_text(&ids);
        rc = add_finding(c, 6, c->prm.small_block, -1, c->job.lines[r].fid,
                         cim_strdupf("block of %zu line%s (fid %s) covers %.2f ha, under the minimum %.2f ha", m,
                             m == 1 ? "" : "s", list ? list : "", area / 1e4, c->prm.min_block_area_m2 / 1e4),
                         cim_strdupf("{\"lines\":[%s],\"area_m2\":%.3f,\"min_block_area_m2\":%.10g,\"gap_m\":%.10g}",
                             list ? list : "", area, c->prm.min_block_area_m2, gap));
        cim_buf_free(&ids);
    }
    for (size_t i = 0; g && i < n; i++)
        if (g[i])
            GEOSGeom_destroy_r(h, g[i]);
    free(g);
    free(box);
    free(parent);
    free(members);
    cim_geos_io_clear(&io);
    GEOS_finish_r(h);
    return rc;
}

/* IBL-05: per tier added - removed >= 0 (the lines before adjustment
 * against these), added land off protected land, total after >= target. */
static int balance(rl_ctx *c)
{
    if (!c->o->lines_before)
        return CIM_OK;
    rl_balance b;
    int rc = rl_balance_compute(&b, c->job.lines, c->job.nl, c->lblobs.data, c->before, c->nbefore, c->bblobs.data,
                                c->prot, c->nprot, c->pbuf.data);
    if (rc)
        return cim_error_prefix("IBL-05: ");
    c->res->balance_run = 1;
    for (int k = 0; !rc && k < 2; k++) {
        double net = b.added[k] - b.removed[k];
        char *fig = cim_strdupf("{\"level\":%d,\"before_m2\":%.3f,\"after_m2\":%.3f,\"added_m2\":%.3f,\"removed_m2\":%.3f,"
                        "\"balance_m2\":%.3f,\"added_on_protected_m2\":%.3f}",
                        k + 1, b.before[k], b.after[k], b.added[k], b.removed[k], net, b.added_protected[k]);
        char *fig2 = fig ? strdup(fig) : NULL;
        rc = add_finding(c, 5, net < 0 ? c->prm.balance : CIM_SEVERITY_INFO, -1, -1,
                         cim_strdupf("level %d: %.2f ha added, %.2f ha removed: balance %+.2f ha%s", k + 1, b.added[k] / 1e4,
                             b.removed[k] / 1e4, net / 1e4, net < 0 ? " (a loss)" : ""),
                         fig);
        if (!rc && b.added_protected[k] > c->prm.sliver_area_m2)
            rc = add_finding(c, 5, c->prm.protected_overlap, -1, -1,
                             cim_strdupf("level %d: %.2f ha of the added land lies on protected land ('%s')", k + 1,
                                 b.added_protected[k] / 1e4, c->o->protected_layer),
                             fig2);
        else
            free(fig2);
    }
    if (!rc && b.after_total < c->prm.target_m2)
        rc = add_finding(c, 5, c->prm.target, -1, -1,
                         cim_strdupf("the lines cover %.2f km2 after adjustment, under the target of %.2f km2",
                             b.after_total / 1e6, c->prm.target_m2 / 1e6),
                         cim_strdupf("{\"after_m2\":%.3f,\"target_m2\":%.10g}", b.after_total, c->prm.target_m2));
    return rc;
}

int rl_findings(rl_ctx *c)
{
    int rc;
    if ((rc = parcel_findings(c)) || (rc = m0_cap(c)) || (rc = gfa_share(c)) || (rc = contiguity(c)) ||
        (rc = balance(c)))
        return rc;
    return CIM_OK;
}
