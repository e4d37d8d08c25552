/* ingest_bim.c: an IFC file into two layers: NAME (one row per building:
 * footprint, height, storeys, how each was found) and NAME_storeys (one row
 * per storey: elevation, height, floor area, outline). The reader
 * (formats/ifc) gives map coordinates in the CRS its georeference names;
 * here they are moved to the store CRS and written through the derived-layer
 * writer, in one transaction with its run: on any error the store is left
 * exactly as it was. */
#include "ingest_bim_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crs_extent_int.h"
#include "crs_int.h"
#include "derived_int.h"
#include "ifc.h"
#include "json_int.h"
#include "sha256_int.h"
#include "store_int.h"
#include "wkb_int.h"
#include "wkb_reproject_int.h"

int cim_ingest_is_ifc(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && !strcasecmp(path + n - 4, ".ifc"))
        return 1;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    char head[64] = {0};
    size_t got = fread(head, 1, sizeof head - 1, fp);
    fclose(fp);
    const char *p = head;
    if (got >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3;
    while (*p && isspace((unsigned char)*p))
        p++;
    return !strncmp(p, "ISO-10303-21;", 13);
}

/* "duplex" from ".../Duplex-A.ifc": lowercase a-z0-9_, starting with a letter. */
static void name_from_path(char out[64], const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = 0;
    int last_us = 1;
    for (const char *p = base; *p && *p != '.' && n < 60; p++) {
        unsigned char c = (unsigned char)tolower((unsigned char)*p);
        if (isalnum(c) && c < 128) {
            out[n++] = (char)c;
            last_us = 0;
        } else if (!last_us) {
            out[n++] = '_';
            last_us = 1;
        }
    }
    while (n && out[n - 1] == '_')
        n--;
    out[n] = '\0';
    if (!n || isdigit((unsigned char)out[0])) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "bim_%.58s", out);
        snprintf(out, 64, "%s", tmp);
    }
}

static cim_src_value text_value(const char *s)
{
    cim_src_value v = {0};
    v.is_null = s == NULL;
    v.s = s;
    v.slen = s ? strlen(s) : 0;
    return v;
}

static cim_src_value real_value(double d)
{
    cim_src_value v = {0};
    v.is_null = !isfinite(d);
    v.d = d;
    return v;
}

static cim_src_value int_value(int64_t i)
{
    cim_src_value v = {0};
    v.i = i;
    v.d = (double)i;
    return v;
}

typedef struct bim_ctx {
    cim_store *store;
    const cim_ingest_options *opts;
    const char *source;
    ifc_model *m;
    cim_transform *tr;
    cim_wkb_reprojector rp;
    double store_extent[4];
    char sha[65];
    int64_t run_id;
    int began;
    char name[64], storeys_name[80];
} bim_ctx;

/* Map coordinates to the store CRS, in place; a copy the caller frees. */
static int to_store(cim_wkb_reprojector *rp, const unsigned char *wkb, size_t len, uint8_t **out)
{
    *out = NULL;
    if (!wkb)
        return CIM_OK;
    uint8_t *w = malloc(len);
    if (!w)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    memcpy(w, wkb, len);
    int rc = cim_transform_is_identity(rp->t) ? CIM_OK : cim_wkb_reproject(rp, w, len);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return CIM_OK;
}

/* Far outside the store CRS's area of use is the sign of a wrong georeference. */
static int check_extent(const bim_ctx *c, const uint8_t *w, size_t len)
{
    cim_wkb_info info;
    if (!w || cim_wkb_scan(w, len, &info))
        return CIM_OK;
    const double *e = c->store_extent, *m = info.mbr;
    if (m[0] < e[0] || m[2] > e[2] || m[1] < e[1] || m[3] > e[3])
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_FORMAT,
                             "lands at x %.9g..%.9g, y %.9g..%.9g in the store CRS EPSG:%d, far outside its area of "
                             "use (georeference: %s); give the right one with --georef",
                             m[0], m[2], m[1], m[3], cim_store_srid(c->store), c->m->georef_method);
    return CIM_OK;
}

static const cim_derived_field building_fields[] = {
    {"guid", CIM_FIELD_STRING},           {"name", CIM_FIELD_STRING},
    {"height_m", CIM_FIELD_REAL},         {"storeys_above", CIM_FIELD_INTEGER},
    {"storeys_below", CIM_FIELD_INTEGER}, {"footprint_method", CIM_FIELD_STRING},
    {"georef_method", CIM_FIELD_STRING},  {"georef_quality", CIM_FIELD_INTEGER},
    {"source", CIM_FIELD_STRING}};
#define NBF (sizeof building_fields / sizeof building_fields[0])

static const cim_derived_field storey_fields[] = {
    {"building_fid", CIM_FIELD_INTEGER}, {"guid", CIM_FIELD_STRING},        {"name", CIM_FIELD_STRING},
    {"elevation_m", CIM_FIELD_REAL},     {"elevation_source", CIM_FIELD_STRING},
    {"height_m", CIM_FIELD_REAL},        {"floor_area_m2", CIM_FIELD_REAL}, {"area_source", CIM_FIELD_STRING},
    {"slabs", CIM_FIELD_INTEGER},        {"walls", CIM_FIELD_INTEGER},      {"spaces", CIM_FIELD_INTEGER}};
#define NSF (sizeof storey_fields / sizeof storey_fields[0])


static int write_buildings(bim_ctx *c, cim_derived *d, int *geoms)
{
    int rc = CIM_OK;
    for (size_t i = 0; i < c->m->nbuildings && !rc; i++) {
        const ifc_building *b = &c->m->buildings[i];
        uint8_t *w = NULL;
        if ((rc = to_store(&c->rp, b->footprint_wkb, b->footprint_len, &w)) ||
            (rc = check_extent(c, w, b->footprint_len))) {
            free(w);
            return cim_error_prefix("source '%s', IfcBuilding #%llu", c->source, (unsigned long long)b->id);
        }
        cim_src_value v[NBF] = {text_value(b->guid),
                                text_value(b->name),
                                real_value(b->height_m),
                                int_value(b->storeys_above),
                                int_value(b->storeys_below),
                                text_value(b->footprint_method),
                                text_value(c->m->georef_method),
                                int_value(c->m->georef_quality),
                                text_value(c->source)};
        rc = cim_derived_put(d, w, w ? b->footprint_len : 0, v);
        *geoms += w != NULL;
        free(w);
    }
    return rc;
}

static int write_storeys(bim_ctx *c, cim_derived *d)
{
    int rc = CIM_OK;
    for (size_t i = 0; i < c->m->nbuildings && !rc; i++) {
        const ifc_building *b = &c->m->buildings[i];
        for (size_t s = 0; s < b->nstoreys && !rc; s++) {
            const ifc_storey *st = &b->storeys[s];
            uint8_t *w = NULL;
            if ((rc = to_store(&c->rp, st->outline_wkb, st->outline_len, &w)))
                return cim_error_prefix("IfcBuildingStorey #%llu", (unsigned long long)st->id);
            /* Buildings are written first into a new table: fids 1..n in order. */
            cim_src_value v[NSF] = {int_value((int64_t)i + 1),       text_value(st->guid),
                                    text_value(st->name),            real_value(st->elevation_m),
                                    text_value(st->elevation_source), real_value(st->height_m),
                                    real_value(st->floor_area_m2),   text_value(st->area_source),
                                    int_value((int64_t)st->slabs),   int_value((int64_t)st->walls),
                                    int_value((int64_t)st->spaces)};
            rc = cim_derived_put(d, w, w ? st->outline_len : 0, v);
            free(w);
        }
    }
    return rc;
}

static char *lineage(const bim_ctx *c)
{
    cim_buf b = {0};
    cim_json_raw(&b, "{");
    cim_json_kv(&b, "source", c->source);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "sha256", c->sha);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "schema", c->m->schema);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "length_unit", c->m->unit_source);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "map_crs", c->m->crs);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "georef_method", c->m->georef_method);
    cim_json_raw(&b, ",");
    cim_json_kv(&b, "georef", c->opts->georef);
    char tail[64];
    snprintf(tail, sizeof tail, ",\"run\":%lld}", (long long)c->run_id);
    cim_json_raw(&b, tail);
    cim_json_text(&b);
    return (char *)b.data;
}

static int write_layers(bim_ctx *c, cim_ingest_result *res)
{
    int replace = c->opts->mode == CIM_INGEST_REPLACE;
    cim_derived *db = NULL, *ds = NULL;
    int geoms = 0;
    char *lin = NULL;
    int rc = cim_derived_begin(&db, c->store, c->name, CIM_WKB_MULTIPOLYGON, building_fields, NBF, replace);
    if (!rc)
        rc = cim_derived_begin(&ds, c->store, c->storeys_name, CIM_WKB_MULTIPOLYGON, storey_fields, NSF, replace);
    if (!rc)
        rc = write_buildings(c, db, &geoms);
    if (!rc)
        rc = write_storeys(c, ds);
    if (!rc) {
        lin = lineage(c);
        cim_derived_source src = {.kind = "bim", .role = c->opts->role ? c->opts->role : "buildings",
                                  .source = c->source, .sha256 = c->sha, .format = c->m->schema,
                                  .crs = c->m->crs, .action = replace ? "replace" : "create", .recipe = lin};
        rc = cim_derived_finish_source(db, c->run_id, &src, lin);
        if (!rc) {
            src.role = "storeys";
            rc = cim_derived_finish_source(ds, c->run_id, &src, lin);
        }
    }
    if (!rc) {
        size_t nst = 0;
        for (size_t i = 0; i < c->m->nbuildings; i++)
            nst += c->m->buildings[i].nstoreys;
        res->layers = calloc(2, sizeof *res->layers);
        res->layer_count = 2;
        res->layers[0] = (cim_ingest_layer_result){strdup(c->name), strdup("IfcBuilding"), (int64_t)c->m->nbuildings,
                                                   (int64_t)c->m->nbuildings, 0, 0,
                                                   (int64_t)c->m->nbuildings - geoms, 0};
        res->layers[1] = (cim_ingest_layer_result){strdup(c->storeys_name), strdup("IfcBuildingStorey"), (int64_t)nst,
                                                   (int64_t)nst, 0, 0, 0, 0};
    }
    free(lin);
    cim_derived_free(db);
    cim_derived_free(ds);
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run(bim_ctx *c, cim_ingest_result *res)
{
    const cim_ingest_options *o = c->opts;
    if (o->mode == CIM_INGEST_APPEND || o->mode == CIM_INGEST_UPSERT)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "IFC sources are ingested whole: --append and --upsert do not apply (use --replace)");
    if (o->where || o->s_srs || o->encoding || o->src_layer || o->open_options)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "--where, --s-srs, --encoding, --src-layer and --oo do not apply to IFC sources "
                             "(place the model with --georef)");
    if (o->layer)
        snprintf(c->name, sizeof c->name, "%s", o->layer);
    else
        name_from_path(c->name, c->source);
    if (strlen(c->name) > 55)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "layer name '%s' is too long for its _storeys twin",
                             c->name);
    snprintf(c->storeys_name, sizeof c->storeys_name, "%s_storeys", c->name);
    int rc = cim_layer_name_check(c->name);
    if (rc)
        return rc;
    char *files[1] = {(char *)c->source};
    if ((rc = cim_sha256_files(c->sha, files, 1)))
        return rc;
    res->source_sha256 = strdup(c->sha);

    ifc_options io = IFC_OPTIONS_INIT;
    io.georef = o->georef;
    char err[1024];
    int irc = ifc_read(&c->m, c->source, &io, err, sizeof err);
    if (irc) {
        int code = irc == IFC_EIO ? CIM_EIO : irc == IFC_EINVALID ? CIM_EINVALID : CIM_EFORMAT;
        return cim_error_set(code, irc == IFC_EIO ? CIM_ERRCLASS_IO : CIM_ERRCLASS_FORMAT, "source '%s': %s", c->source,
                             err);
    }
    res->driver = strdup(c->m->schema[0] ? c->m->schema : "IFC");
    if ((rc = cim_transform_new(&c->tr, c->m->crs, NULL, cim_store_srid(c->store))))
        return cim_error_prefix("source '%s': georeference %s", c->source, c->m->georef_method);
    c->rp.t = c->tr;
    if ((rc = cim_crs_store_extent(cim_store_srid(c->store), c->store_extent)))
        return rc;

    cim_store *s = c->store;
    if ((rc = cim_store_begin(s)))
        return rc;
    c->began = 1;
    char now[32];
    cim_utc_now(now);
    if ((rc = cim_run_insert(s, &c->run_id, "ingest", o->command_line ? o->command_line : c->source, now)))
        return rc;
    if ((rc = write_layers(c, res)))
        return rc;
    char counts[160];
    snprintf(counts, sizeof counts, "{\"layers\":2,\"buildings\":%lld,\"storeys\":%lld}",
             (long long)res->layers[0].inserted, (long long)res->layers[1].inserted);
    if ((rc = cim_run_finish(s, c->run_id, counts, NULL)))
        return rc;
    if ((rc = cim_store_commit(s)))
        return rc;
    res->run_id = c->run_id;
    return CIM_OK;
}

int cim_ingest_bim(cim_ingest_result **out, cim_store *store, const char *source, const cim_ingest_options *opts)
{
    *out = NULL;
    double t0 = now_seconds();
    cim_ingest_result *res = calloc(1, sizeof *res);
    if (!res)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    bim_ctx c = {.store = store, .opts = opts, .source = source};
    int rc = run(&c, res);
    if (rc && c.began)
        cim_store_rollback(store);
    res->seconds = now_seconds() - t0;
    cim_wkb_reprojector_clear(&c.rp);
    cim_transform_free(c.tr);
    ifc_model_free(c.m);
    if (rc) {
        cim_ingest_result_free(res);
        return rc;
    }
    *out = res;
    return CIM_OK;
}
