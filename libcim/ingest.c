/* ingest.c: one source (all or one of its layers) into the store, in one
 * transaction. Per feature: check the WKB, reject non-finite or out-of-range
 * coordinates, reproject, repair invalid geometry with GEOS, encode the
 * SpatiaLite blob, insert. Any failure rolls everything back. */
#include "cim/ingest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog_int.h"
#include "changes_int.h"
#include "crs_extent_int.h"
#include "crs_int.h"
#include "geom_check_int.h"
#include "ingest_bim_int.h"
#include "json_int.h"
#include "ingest_table_int.h"
#include "sql_int.h"
#include "sha256_int.h"
#include "source_int.h"
#include "store_int.h"
#include "wkb_int.h"
#include "wkb_reproject_int.h"

#define PROGRESS_EVERY 4096

void cim_ingest_options_init(cim_ingest_options *opts)
{
    cim_ingest_options d = CIM_INGEST_OPTIONS_INIT;
    *opts = d;
}

typedef struct ingest_ctx {
    cim_store *store;
    const cim_ingest_options *opts;
    cim_source *src;
    int64_t run_id;
    char sha[65];
    char *recipe;            /* the options that shape a layer's content (JSON) */
    double store_extent[4];
    cim_geom_checker *checker;
    cim_buf repaired_wkb, blob, work_wkb;
    int64_t done, total;     /* features over all layers, for progress */
} ingest_ctx;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- names ---- */

/* A store name from a source layer name: lowercase ASCII, '_' for the rest. */
static void sanitize_name(char *out, size_t len, const char *in)
{
    size_t n = 0;
    int last_us = 1;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 1 < len && n < 63; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (ok) {
            out[n++] = (char)c;
            last_us = 0;
        } else if (!last_us) {
            out[n++] = '_';
            last_us = 1;
        }
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, len, "layer");
    else if (out[0] >= '0' && out[0] <= '9') {
        /* Names start with a letter: "2024_roads" becomes "l_2024_roads". */
        if (n > 61)
            n = 61;
        memmove(out + 2, out, n);
        out[0] = 'l';
        out[1] = '_';
        out[n + 2] = '\0';
    }
}

static int target_name(char out[64], const ingest_ctx *c, const cim_src_layer *l)
{
    const char *given = c->opts->layer;
    if (given && c->src->layer_count == 1) {
        snprintf(out, 64, "%s", given);
    } else {
        char clean[64];
        sanitize_name(clean, sizeof clean, l->name);
        if (given)
            snprintf(out, 64, "%.30s_%.32s", given, clean);
        else
            snprintf(out, 64, "%s", clean);
    }
    int rc = cim_layer_name_check(out);
    if (rc && !given)
        return cim_error_prefix("source layer '%s' gives no usable name; name it with --layer", l->name);
    return rc;
}

/* ---- per-feature geometry ---- */

static int feature_error(const cim_src_layer *l, const cim_src_feature *f)
{
    if (f->where[0])
        return cim_error_prefix("layer '%s', feature %lld (%s)", l->name, (long long)f->index, f->where);
    return cim_error_prefix("layer '%s', feature %lld", l->name, (long long)f->index);
}

static int geometry_compatible(const ingest_table *t, uint32_t type)
{
    if (t->geom_type == 0)
        return 1;
    if (t->geom_type == type)
        return 1;
    return t->promote && type + 3 == t->geom_type;
}

/* NaN and infinite values anywhere, longitude/latitude out of range in a
 * geographic source. */
static int check_source_coords(const cim_wkb_reprojector *cp, const cim_wkb_info *info)
{
    if (info->nonfinite)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "a coordinate is NaN or infinite");
    if (!cim_transform_src_is_geographic(cp->t))
        return CIM_OK;
    const double *m = info->mbr;
    double lo = cp->swap ? m[1] : m[0], hi = cp->swap ? m[3] : m[2];
    double la = cp->swap ? m[0] : m[1], ha = cp->swap ? m[2] : m[3];
    if (lo < -180.0 || hi > 180.0 || la < -90.0 || ha > 90.0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "coordinates out of range for %s (longitude %g..%g, latitude %g..%g; "
                             "is the source CRS right?)",
                             cim_transform_src_name(cp->t), lo, hi, la, ha);
    return CIM_OK;
}

/* Validity is judged in the source's own coordinates, where the data was
 * drawn: a ring whose points lie on one line in degrees is collapsed there,
 * even if reprojection rounding would bend it into a valid sliver. A repaired
 * geometry replaces the working copy w. */
static int repair_in_source(ingest_ctx *c, cim_buf *w, cim_wkb_info *info, int *repaired)
{
    if (info->type == CIM_WKB_POINT || info->type == CIM_WKB_MULTIPOINT)
        return CIM_OK;
    char reason[256];
    int rc = cim_geom_check(c->checker, w->data, w->len, &c->repaired_wkb, reason, sizeof reason);
    if (rc < 0)
        return rc;
    if (rc == CIM_GEOM_REPAIRED) {
        *repaired = 1;
        w->len = 0;
        if (cim_buf_reserve(w, c->repaired_wkb.len))
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        cim_buf_put(w, c->repaired_wkb.data, c->repaired_wkb.len);
        cim_wkb_scan(w->data, w->len, info);
    }
    return CIM_OK;
}

/* Source order and CRS to the store's, then the store CRS's area of use:
 * far outside it is the usual sign of a wrong source CRS. */
static int to_store_crs(ingest_ctx *c, cim_wkb_reprojector *cp, cim_buf *w, cim_wkb_info *info)
{
    if (cp->swap || !cim_transform_is_identity(cp->t)) {
        int rc = cim_wkb_reproject(cp, w->data, w->len);
        if (rc)
            return rc;
        cim_wkb_scan(w->data, w->len, info);
    }
    const double *e = c->store_extent, *m = info->mbr;
    if (m[0] < e[0] || m[2] > e[2] || m[1] < e[1] || m[3] > e[3])
        /* %.9g: metres to the centimetre in a local CRS, and 1e+300, not 300 digits. */
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_FORMAT,
                             "lies at x %.9g..%.9g, y %.9g..%.9g in the store CRS EPSG:%d, far outside its area of "
                             "use: is the source CRS (%s) right? give the right one with --s-srs",
                             m[0], m[2], m[1], m[3], cim_store_srid(c->store), cim_transform_src_name(cp->t));
    return CIM_OK;
}

static int check_layer_fit(const ingest_table *t, const cim_wkb_info *info)
{
    if (!geometry_compatible(t, info->type))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "a %s in a layer of %s",
                             cim_wkb_type_name(info->type), cim_wkb_type_name(t->geom_type));
    if (info->has_z && !t->has_z)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "a 3D geometry in a 2D layer");
    return CIM_OK;
}

/* One feature's geometry: checked and repaired in the source CRS, then
 * reprojected and encoded into c->blob. CIM_OK (blob ready), CIM_ENOTFOUND
 * (empty geometry: stored as NULL), or an error naming the feature. */
static int prepare_geometry(ingest_ctx *c, ingest_table *t, const cim_src_layer *l, const cim_src_feature *f,
                            cim_wkb_reprojector *cp, int *repaired, double mbr[4])
{
    *repaired = 0;
    cim_buf *w = &c->work_wkb;
    w->len = 0;
    if (cim_buf_reserve(w, f->wkb_len))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_buf_put(w, f->wkb, f->wkb_len);
    cim_wkb_info info;
    int rc = cim_wkb_scan(w->data, w->len, &info);
    if (!rc && info.points == 0)
        return CIM_ENOTFOUND;
    if (!rc)
        rc = check_source_coords(cp, &info);
    if (!rc)
        rc = check_layer_fit(t, &info);
    if (!rc)
        rc = repair_in_source(c, w, &info, repaired);
    if (!rc)
        rc = to_store_crs(c, cp, w, &info);
    if (rc)
        return feature_error(l, f);
    t->observed |= 1u << info.type;
    memcpy(mbr, info.mbr, sizeof info.mbr);
    ingest_table_grow_extent(t, info.mbr);
    return cim_splite_blob(&c->blob, w->data, w->len, &info, cim_store_srid(c->store), t->promote,
                           t->has_z && !info.has_z);
}

/* ---- text checks ---- */

static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n || (len == 2 && c < 0xC2))
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0)))
            return 0;
        if (len == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || c > 0xF4 || (c == 0xF4 && s[i + 1] >= 0x90)))
            return 0;
        i += len;
    }
    return 1;
}

static int check_text(const cim_src_layer *l, const cim_src_feature *f, const ingest_ctx *c)
{
    for (size_t i = 0; i < l->field_count; i++) {
        const cim_src_value *v = &f->values[i];
        cim_field_type ty = l->fields[i].type;
        if (v->is_null || ty == CIM_FIELD_BINARY || !v->s)
            continue;
        if (!utf8_valid((const unsigned char *)v->s, v->slen)) {
            cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                          "field '%s': text is not valid UTF-8%s", l->fields[i].name,
                          c->opts->encoding ? " in the given --encoding"
                                            : "; the source is in another encoding: give it with --encoding "
                                              "(e.g. --encoding GBK for Chinese shapefiles without a .cpg)");
            return feature_error(l, f);
        }
    }
    return CIM_OK;
}

/* ---- layers ---- */

typedef struct layer_state {
    int64_t version, created_run;
    char *last_sha, *last_recipe;
    int exists;
} layer_state;

static int read_layer_state(cim_store *s, const char *name, layer_state *st)
{
    memset(st, 0, sizeof *st);
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(s, &q,
                             "SELECT l.version, l.created_run, r.source_sha256, r.recipe FROM cim_layers l"
                             " LEFT JOIN cim_run_layers r ON r.run_id = l.run_id AND r.layer = l.name"
                             " WHERE l.name = ?1");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, name, -1);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_ROW) {
        st->exists = 1;
        st->version = cim_sql_int64(q, 0);
        st->created_run = cim_sql_int64(q, 1);
        if (cim_sql_text(q, 2))
            st->last_sha = strdup(cim_sql_text(q, 2));
        if (cim_sql_text(q, 3))
            st->last_recipe = strdup(cim_sql_text(q, 3));
    }
    cim_sql_finalize(q);
    if (step < 0)
        return step;
    if (!st->exists && cim_store_table_exists(s, name))
        return cim_error_set(CIM_EEXISTS, CIM_ERRCLASS_ARG,
                             "layer '%s': a table of that name exists in the store but is not a cim layer", name);
    return CIM_OK;
}

/* Append/upsert: was this source, with these options, already folded in since
 * the layer was (re)created? */
static int seen_since_created(cim_store *s, const char *name, const layer_state *st, const ingest_ctx *c)
{
    cim_sql *q = NULL;
    int seen = 0;
    if (!cim_sql_prepare(s, &q,
                         "SELECT 1 FROM cim_run_layers WHERE layer = ?1 AND source_sha256 = ?2 AND recipe = ?3"
                         " AND run_id >= ?4 AND action IN ('create','replace','append','upsert')")) {
        int rc = cim_sql_bind_text(q, 1, name, -1);
        if (!rc)
            rc = cim_sql_bind_text(q, 2, c->sha, -1);
        if (!rc)
            rc = cim_sql_bind_text(q, 3, c->recipe, -1);
        if (!rc)
            rc = cim_sql_bind_int64(q, 4, st->created_run);
        seen = !rc && cim_sql_step(q) == CIM_SQL_ROW;
    }
    cim_sql_finalize(q);
    return seen;
}

static const char *mode_action(cim_ingest_mode m)
{
    static const char *const names[] = {"create", "replace", "append", "upsert"};
    return names[m];
}

static int write_catalogue(ingest_ctx *c, ingest_table *t, const cim_src_layer *l, const layer_state *st,
                           cim_ingest_layer_result *res)
{
    cim_buf lb = {0};
    cim_json_raw(&lb, "{");
    cim_json_kv(&lb, "source", c->src->path);
    cim_json_raw(&lb, ",");
    cim_json_kv(&lb, "sha256", c->sha);
    cim_json_raw(&lb, ",");
    cim_json_kv(&lb, "driver", c->src->driver);
    cim_json_raw(&lb, ",");
    cim_json_kv(&lb, "source_layer", l->name);
    cim_json_raw(&lb, ",");
    cim_json_kv(&lb, "source_crs", l->srs_name);
    cim_json_raw(&lb, ",\"options\":");
    cim_json_raw(&lb, c->recipe);
    char tail[64];
    snprintf(tail, sizeof tail, ",\"run\":%lld}", (long long)c->run_id);
    cim_json_raw(&lb, tail);
    cim_catalog_row row = {
        .name = t->name, .kind = c->opts->kind ? c->opts->kind : "gis", .role = c->opts->role,
        .source = c->src->path, .source_sha256 = c->sha, .source_format = c->src->driver,
        .source_crs = l->srs_name, .source_layer = l->name,
        .geometry_type = t->has_geom ? cim_wkb_type_name(t->geom_type) : NULL,
        .dims = t->has_geom ? (t->has_z ? "XYZ" : "XY") : NULL,
        .run_id = c->run_id, .version = st->exists ? st->version + 1 : 1,
        .created_run = t->created ? c->run_id : st->created_run, .repaired = res->repaired,
        .lineage = cim_json_text(&lb),
        /* A new table: the extent gathered while inserting is exact. */
        .has_extent = t->created && t->has_mbr};
    memcpy(row.extent, t->mbr, sizeof row.extent);
    int rc = cim_catalog_put(c->store, &row);
    cim_buf_free(&lb);
    if (rc)
        return rc;
    cim_run_layer_row run = {c->run_id, t->name,    mode_action(c->opts->mode), c->src->path, c->sha, c->recipe,
                             res->read, res->inserted, res->updated, res->repaired, res->empty};
    return cim_run_layer_put(c->store, &run);
}

static int report_progress(ingest_ctx *c, const char *stage)
{
    if (!c->opts->progress)
        return CIM_OK;
    double frac = c->total > 0 ? (double)c->done / (double)c->total : -1.0;
    if (frac > 1.0)
        frac = 1.0;
    if (c->opts->progress(frac, stage, c->opts->progress_payload))
        return cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
    return CIM_OK;
}

/* Puts the source path in front of a feature's error: the message names the
 * layer and feature, but a layer name alone does not say which file to open. */
static int source_error(const ingest_ctx *c)
{
    return cim_error_prefix("source '%s'", c->src->path);
}

static int copy_features(ingest_ctx *c, ingest_table *t, cim_src_layer *l, cim_wkb_reprojector *cp,
                         cim_ingest_layer_result *res)
{
    cim_src_feature f;
    int rc;
    while ((rc = l->ops->next(l, &f)) == CIM_OK) {
        res->read++;
        const void *blob = NULL;
        int blob_len = 0, repaired = 0;
        double mbr[4];
        if (f.wkb && t->has_geom) {
            rc = prepare_geometry(c, t, l, &f, cp, &repaired, mbr);
            if (rc == CIM_OK) {
                blob = c->blob.data;
                blob_len = (int)c->blob.len;
            } else if (rc == CIM_ENOTFOUND) {
                res->empty++;
            } else {
                return source_error(c);
            }
        } else {
            res->empty++;
        }
        res->repaired += repaired;
        if ((rc = check_text(l, &f, c)))
            return source_error(c);
        int updated = 0;
        if ((rc = ingest_table_put(t, &f, blob, blob_len, blob ? mbr : NULL, &updated)))
            return source_error(c);
        if (updated)
            res->updated++;
        else
            res->inserted++;
        if (++c->done % PROGRESS_EVERY == 0 && (rc = report_progress(c, t->name)))
            return rc;
    }
    if (rc != CIM_ITEROVER)
        return rc == CIM_EFORMAT ? source_error(c) : rc;
    return CIM_OK;
}

static int ingest_layer(ingest_ctx *c, cim_src_layer *l, cim_ingest_layer_result *res)
{
    char name[64];
    int rc = target_name(name, c, l);
    if (rc)
        return rc;
    res->layer = strdup(name);
    res->source_layer = strdup(l->name);
    layer_state st;
    if ((rc = read_layer_state(c->store, name, &st)))
        return rc;
    cim_ingest_mode mode = c->opts->mode;
    int same_as_last = st.exists && st.last_sha && !strcmp(st.last_sha, c->sha) && st.last_recipe &&
                       !strcmp(st.last_recipe, c->recipe);
    if (st.exists && (same_as_last || ((mode == CIM_INGEST_APPEND || mode == CIM_INGEST_UPSERT) &&
                                       seen_since_created(c->store, name, &st, c)))) {
        res->unchanged = 1;
        free(st.last_sha);
        free(st.last_recipe);
        return CIM_OK;
    }
    free(st.last_sha);
    free(st.last_recipe);
    if (st.exists && mode == CIM_INGEST_CREATE)
        return cim_error_set(CIM_EEXISTS, CIM_ERRCLASS_ARG,
                             "layer '%s' exists with other content; use --replace, --append or --upsert KEY", name);
    if (mode == CIM_INGEST_UPSERT) {
        int found = 0;
        for (size_t i = 0; i < l->field_count; i++)
            found |= !strcmp(l->fields[i].name, c->opts->upsert_key);
        if (!found)
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--upsert %s: source layer '%s' has no such field",
                                 c->opts->upsert_key, l->name);
    }

    cim_transform *tr = NULL;
    if (l->geom_type != UINT32_MAX) {
        rc = cim_transform_new(&tr, c->opts->s_srs, c->opts->s_srs ? NULL : l->srs_wkt, cim_store_srid(c->store));
        if (rc)
            return cim_error_prefix("source '%s', layer '%s'", c->src->path, l->name);
        if (c->opts->s_srs) {
            free(l->srs_name);
            l->srs_name = strdup(cim_transform_src_name(tr));
        }
    }
    ingest_table t;
    ingest_table_plan(&t, c->store, l, name);
    int adopt = st.exists && (mode == CIM_INGEST_APPEND || mode == CIM_INGEST_UPSERT);
    /* the change record for `tiles --since`: each feature an append or
     * upsert touches, else the layer's extent before and after */
    rc = adopt ? cim_changes_watch(c->store, c->run_id, name) : cim_changes_put_extent(c->store, c->run_id, name);
    if (!rc && st.exists && mode == CIM_INGEST_REPLACE)
        rc = ingest_table_drop(c->store, name);
    if (!rc)
        rc = adopt ? ingest_table_adopt(&t, c->opts->upsert_key) : ingest_table_create(&t);
    if (!rc && mode == CIM_INGEST_UPSERT && t.key_field < 0)
        for (size_t i = 0; i < l->field_count; i++)
            if (!strcmp(l->fields[i].name, c->opts->upsert_key))
                t.key_field = (int)i;
    if (!rc)
        rc = ingest_table_prepare(&t);
    cim_wkb_reprojector cp = {tr, l->swap_xy, NULL, 0};
    if (!rc)
        rc = copy_features(c, &t, l, &cp, res);
    char stage[80];
    snprintf(stage, sizeof stage, "%s: spatial index", name);
    if (!rc)
        rc = report_progress(c, stage);
    if (!rc)
        rc = ingest_table_finish(&t);
    if (!rc)
        rc = write_catalogue(c, &t, l, &st, res);
    if (!rc)
        rc = adopt ? cim_changes_unwatch(c->store, name) : cim_changes_put_extent(c->store, c->run_id, name);
    cim_wkb_reprojector_clear(&cp);
    ingest_table_clear(&t);
    cim_transform_free(tr);
    return rc;
}

/* The options that shape a layer's content: the same source read with
 * another filter or CRS is not "unchanged". */
static char *make_recipe(const cim_ingest_options *o)
{
    cim_buf b = {0};
    const char *keys[] = {"where", "s_srs", "encoding", "src_layer", "key"};
    const char *vals[] = {o->where, o->s_srs, o->encoding, o->src_layer,
                          o->mode == CIM_INGEST_UPSERT ? o->upsert_key : NULL};
    cim_json_raw(&b, "{");
    for (size_t i = 0; i < 5; i++) {
        if (i)
            cim_json_raw(&b, ",");
        cim_json_kv(&b, keys[i], vals[i]);
    }
    cim_json_raw(&b, ",\"open_options\":[");
    for (const char *const *p = o->open_options; p && *p; p++) {
        if (p != o->open_options)
            cim_json_raw(&b, ",");
        cim_json_str(&b, *p);
    }
    cim_json_raw(&b, "]}");
    cim_json_text(&b);
    return (char *)b.data;
}

static void counts_json(char *buf, size_t len, const cim_ingest_result *res)
{
    int64_t read = 0, ins = 0, upd = 0, rep = 0;
    for (size_t i = 0; i < res->layer_count; i++) {
        read += res->layers[i].read;
        ins += res->layers[i].inserted;
        upd += res->layers[i].updated;
        rep += res->layers[i].repaired;
    }
    snprintf(buf, len, "{\"layers\":%zu,\"read\":%lld,\"inserted\":%lld,\"updated\":%lld,\"repaired\":%lld}",
             res->layer_count, (long long)read, (long long)ins, (long long)upd, (long long)rep);
}

static int check_options(const cim_ingest_options *o)
{
    for (const char *const *p = o->open_options; p && *p; p++)
        if (!strchr(*p, '=') || **p == '=')
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--oo '%s': give KEY=VALUE", *p);
    if (o->layer && cim_layer_name_check(o->layer))
        return CIM_EINVALID;
    if (o->mode == CIM_INGEST_UPSERT && (!o->upsert_key || !*o->upsert_key))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--upsert needs a key field");
    if (o->kind && strcmp(o->kind, "gis") && strcmp(o->kind, "bim") && strcmp(o->kind, "sensor") &&
        strcmp(o->kind, "control") && strcmp(o->kind, "derived"))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "kind '%s': use gis, bim, sensor, control or derived", o->kind);
    return CIM_OK;
}

static int run(ingest_ctx *c, cim_ingest_result *res, const char *source)
{
    cim_store *s = c->store;
    const cim_ingest_options *o = c->opts;
    int rc = cim_source_open(&c->src, source, o);
    if (rc)
        return rc;
    res->driver = strdup(c->src->native ? "GeoJSON (cim native reader)" : c->src->driver);
    if ((rc = cim_sha256_files(c->sha, c->src->files, c->src->file_count)))
        return rc;
    res->source_sha256 = strdup(c->sha);
    c->recipe = make_recipe(o);
    if ((rc = cim_crs_store_extent(cim_store_srid(s), c->store_extent)))
        return rc;
    if ((rc = cim_geom_checker_new(&c->checker)))
        return rc;
    for (size_t i = 0; i < c->src->layer_count; i++)
        c->total += c->src->layers[i]->feature_count > 0 ? c->src->layers[i]->feature_count : 0;
    res->layers = calloc(c->src->layer_count, sizeof *res->layers);
    if ((rc = cim_store_begin(s)))
        return rc;
    char now[32];
    cim_utc_now(now);
    if ((rc = cim_run_insert(s, &c->run_id, "ingest", o->command_line ? o->command_line : source, now)))
        return rc;
    int changed = 0;
    for (size_t i = 0; i < c->src->layer_count && !rc; i++) {
        res->layer_count = i + 1;
        rc = ingest_layer(c, c->src->layers[i], &res->layers[i]);
        if (!rc && !res->layers[i].unchanged)
            changed = 1;
    }
    char counts[256];
    counts_json(counts, sizeof counts, res);
    if (!rc && changed)
        rc = cim_run_finish(s, c->run_id, counts, NULL);
    if (!rc && changed) {
        rc = cim_store_commit(s);
        res->run_id = c->run_id;
    } else {
        /* Nothing changed (every layer already held this source): a no-op
         * leaves no run behind either. */
        cim_store_rollback(s);
    }
    return rc;
}

int cim_ingest(cim_ingest_result **out, cim_store *store, const char *source, const cim_ingest_options *opts)
{
    cim_ingest_options defaults = CIM_INGEST_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (store->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only", store->path);
    int rc = check_options(opts);
    if (rc)
        return rc;
    if (cim_ingest_is_ifc(source))
        return cim_ingest_bim(out, store, source, opts);
    double t0 = now_seconds();
    cim_ingest_result *res = calloc(1, sizeof *res);
    ingest_ctx c = {.store = store, .opts = opts};
    rc = run(&c, res, source);
    if (rc)
        cim_store_rollback(store);
    res->seconds = now_seconds() - t0;
    cim_source_free(c.src);
    cim_geom_checker_free(c.checker);
    cim_buf_free(&c.repaired_wkb);
    cim_buf_free(&c.blob);
    cim_buf_free(&c.work_wkb);
    free(c.recipe);
    if (rc) {
        cim_ingest_result_free(res);
        return rc;
    }
    *out = res;
    return CIM_OK;
}

void cim_ingest_result_free(cim_ingest_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->layer_count; i++) {
        free(res->layers[i].layer);
        free(res->layers[i].source_layer);
    }
    free(res->layers);
    free(res->source_sha256);
    free(res->driver);
    free(res);
}
