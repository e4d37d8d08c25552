/* derived.c: derived layers through the same table writer as ingest
 * (ingest_table.c), so they are registered, indexed and catalogued alike. */
#include "derived_int.h"

#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "changes_int.h"
#include "ingest_table_int.h"
#include "wkb_int.h"

struct cim_derived {
    cim_store *store;
    cim_src_layer spec;   /* the schema, as a source layer for ingest_table */
    ingest_table table;
    cim_buf blob;
    int64_t version, created_run, rows;
    double old_extent[4]; /* for the change record (changes_int.h) */
    int has_old_extent;
};

static const char *decl_of(cim_field_type t)
{
    switch (t) {
    case CIM_FIELD_INTEGER: return "INTEGER";
    case CIM_FIELD_INTEGER64: return "BIGINT";
    case CIM_FIELD_REAL: return "REAL";
    case CIM_FIELD_DATE: return "DATE";
    case CIM_FIELD_TIME: return "TIME";
    case CIM_FIELD_DATETIME: return "DATETIME";
    case CIM_FIELD_BOOLEAN: return "BOOLEAN";
    case CIM_FIELD_BINARY: return "BLOB";
    case CIM_FIELD_JSON: return "JSON";
    default: return "TEXT";
    }
}

int cim_derived_begin(cim_derived **out, cim_store *s, const char *name, uint32_t geom_type,
                      const cim_derived_field *fields, size_t nfields, int replace)
{
    *out = NULL;
    int rc = cim_layer_name_check(name);
    if (rc)
        return rc;
    cim_derived *d = calloc(1, sizeof *d);
    d->store = s;
    if ((rc = cim_catalog_version(s, name, &d->version, &d->created_run))) {
        free(d);
        return rc;
    }
    int exists = d->version > 0 || cim_store_table_exists(s, name);
    if (exists && !replace) {
        free(d);
        return cim_error_set(CIM_EEXISTS, CIM_ERRCLASS_ARG, "layer '%s' exists; use --replace to overwrite it", name);
    }
    if (exists && d->version == 0) {
        free(d);
        return cim_error_set(CIM_EEXISTS, CIM_ERRCLASS_ARG,
                             "layer '%s': a table of that name exists in the store but is not a cim layer", name);
    }
    d->spec.name = strdup(name);
    d->spec.field_count = nfields;
    d->spec.fields = calloc(nfields + 1, sizeof *d->spec.fields);
    for (size_t i = 0; i < nfields; i++) {
        d->spec.fields[i].name = strdup(fields[i].name);
        d->spec.fields[i].type = fields[i].type;
        d->spec.fields[i].decl = decl_of(fields[i].type);
    }
    d->spec.geom_type = geom_type;
    d->spec.feature_count = -1;
    rc = cim_changes_extent(s, name, d->old_extent, &d->has_old_extent);
    if (!rc && exists)
        rc = ingest_table_drop(s, name);
    if (!rc) {
        ingest_table_plan(&d->table, s, &d->spec, name);
        rc = ingest_table_create(&d->table);
    }
    if (!rc)
        rc = ingest_table_prepare(&d->table);
    if (rc) {
        cim_derived_free(d);
        return rc;
    }
    *out = d;
    return CIM_OK;
}

int cim_derived_put(cim_derived *d, const uint8_t *wkb, size_t wkb_len, const cim_src_value *values)
{
    ingest_table *t = &d->table;
    cim_src_feature f = {.index = d->rows++, .values = values};
    const void *blob = NULL;
    int blob_len = 0, updated = 0;
    cim_wkb_info info;
    if (wkb && t->has_geom) {
        int rc = cim_wkb_scan(wkb, wkb_len, &info);
        if (rc)
            return rc;
        if (info.points > 0) {
            if (t->geom_type && info.type != t->geom_type && !(t->promote && info.type + 3 == t->geom_type))
                return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "layer '%s': a %s in a layer of %s",
                                     t->name, cim_wkb_type_name(info.type), cim_wkb_type_name(t->geom_type));
            t->observed |= 1u << info.type;
            if ((rc = cim_splite_blob(&d->blob, wkb, wkb_len, &info, cim_store_srid(d->store), t->promote, 0)))
                return rc;
            blob = d->blob.data;
            blob_len = (int)d->blob.len;
            ingest_table_grow_extent(t, info.mbr);
        }
    }
    return ingest_table_put(t, &f, blob, blob_len, blob ? info.mbr : NULL, &updated);
}

int cim_derived_finish(cim_derived *d, int64_t run_id, const char *role, const char *lineage_json)
{
    cim_derived_source src = {.kind = "derived", .role = role, .action = "derive"};
    return cim_derived_finish_source(d, run_id, &src, lineage_json);
}

int cim_derived_finish_source(cim_derived *d, int64_t run_id, const cim_derived_source *src, const char *lineage_json)
{
    ingest_table *t = &d->table;
    int rc = ingest_table_finish(t);
    if (rc)
        return rc;
    cim_catalog_row row = {
        .name = t->name, .kind = src->kind, .role = src->role,
        .source = src->source, .source_sha256 = src->sha256, .source_format = src->format,
        .source_crs = src->crs,
        .geometry_type = t->has_geom ? cim_wkb_type_name(t->geom_type) : NULL,
        .dims = t->has_geom ? "XY" : NULL,
        .run_id = run_id, .version = d->version + 1,
        .created_run = run_id, .lineage = lineage_json,
        .has_extent = t->has_mbr};
    memcpy(row.extent, t->mbr, sizeof row.extent);
    if ((rc = cim_catalog_put(d->store, &row)))
        return rc;
    if (d->has_old_extent && (rc = cim_changes_put_box(d->store, run_id, t->name, d->old_extent)))
        return rc;
    if ((rc = cim_changes_put_extent(d->store, run_id, t->name)))
        return rc;
    cim_run_layer_row run = {run_id, t->name, src->action, src->source, src->sha256, src->recipe,
                             d->rows, d->rows, 0, 0, 0};
    return cim_run_layer_put(d->store, &run);
}

void cim_derived_free(cim_derived *d)
{
    if (!d)
        return;
    if (d->table.columns)
        ingest_table_clear(&d->table);
    cim_src_layer_clear(&d->spec);
    cim_buf_free(&d->blob);
    free(d);
}
