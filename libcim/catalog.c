/* catalog.c: reading the layer catalogue (cim_layers) and the layer tables'
 * fields, for `cim layers` and `cim info`. */
#include "sql_int.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *cim_field_type_name(cim_field_type t)
{
    static const char *const names[] = {"integer", "integer64", "real",    "string", "date",
                                        "time",    "datetime",  "boolean", "binary", "json"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* Declared SQL type -> field type; the same reading GDAL's SQLite driver makes. */
static cim_field_type type_from_decl(const char *decl)
{
    if (!decl)
        return CIM_FIELD_STRING;
    if (!strncasecmp(decl, "JSON", 4))
        return CIM_FIELD_JSON;
    if (!strcasecmp(decl, "BIGINT") || !strcasecmp(decl, "INTEGER64"))
        return CIM_FIELD_INTEGER64;
    if (!strncasecmp(decl, "INT", 3) || !strcasecmp(decl, "SMALLINT") || !strcasecmp(decl, "MEDIUMINT"))
        return CIM_FIELD_INTEGER;
    if (!strcasecmp(decl, "BOOLEAN"))
        return CIM_FIELD_BOOLEAN;
    if (!strcasecmp(decl, "REAL") || !strncasecmp(decl, "DOUBLE", 6) || !strncasecmp(decl, "FLOAT", 5) ||
        !strncasecmp(decl, "NUMERIC", 7) || !strncasecmp(decl, "DECIMAL", 7))
        return CIM_FIELD_REAL;
    if (!strcasecmp(decl, "DATE"))
        return CIM_FIELD_DATE;
    if (!strcasecmp(decl, "TIME"))
        return CIM_FIELD_TIME;
    if (!strcasecmp(decl, "DATETIME") || !strcasecmp(decl, "TIMESTAMP"))
        return CIM_FIELD_DATETIME;
    if (!strcasecmp(decl, "BLOB"))
        return CIM_FIELD_BINARY;
    return CIM_FIELD_STRING;
}

static char *col_dup(cim_sql *st, int i)
{
    const char *t = cim_sql_text(st, i);
    return t ? strdup(t) : NULL;
}

static int add_field(const char *name, const char *decl, void *payload)
{
    cim_layer_info *info = payload;
    if (!name || !strcmp(name, "fid") || !strcmp(name, "geom"))
        return CIM_OK;
    cim_field_info *f = realloc(info->fields, (info->field_count + 1) * sizeof *f);
    if (!f)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    info->fields = f;
    f = &info->fields[info->field_count++];
    f->name = strdup(name);
    f->decl = decl ? strdup(decl) : NULL;
    f->type = type_from_decl(f->decl);
    return CIM_OK;
}

/* The columns and their declared types (on PostGIS, PostgreSQL's types read
 * back as the declarations a SpatiaLite store holds). */
static int read_fields(cim_store *s, cim_layer_info *info)
{
    return cim_sql_each_column(s, info->name, add_field, info);
}

static const char *const info_columns =
    "name, kind, role, source, source_sha256, source_format, source_crs, source_layer,"
    " geometry_type, srid, dims, feature_count, minx, miny, maxx, maxy, ingested_at, run_id,"
    " version, repaired, lineage";

static cim_layer_info *info_from_row(cim_sql *st)
{
    cim_layer_info *info = calloc(1, sizeof *info);
    info->name = col_dup(st, 0);
    info->kind = col_dup(st, 1);
    info->role = col_dup(st, 2);
    info->source = col_dup(st, 3);
    info->source_sha256 = col_dup(st, 4);
    info->source_format = col_dup(st, 5);
    info->source_crs = col_dup(st, 6);
    info->source_layer = col_dup(st, 7);
    info->geometry_type = col_dup(st, 8);
    info->srid = (int)cim_sql_int64(st, 9);
    info->dims = col_dup(st, 10);
    info->feature_count = cim_sql_int64(st, 11);
    info->has_extent = cim_sql_type(st, 12) != CIM_SQL_NULL;
    for (int i = 0; i < 4; i++)
        info->extent[i] = cim_sql_double(st, 12 + i);
    info->ingested_at = col_dup(st, 16);
    info->run_id = cim_sql_int64(st, 17);
    info->version = cim_sql_int64(st, 18);
    info->repaired = cim_sql_int64(st, 19);
    info->lineage = col_dup(st, 20);
    return info;
}

int cim_layer_info_get(cim_layer_info **out, cim_store *s, const char *name)
{
    *out = NULL;
    cim_sql *st = NULL;
    int rc = cim_sql_preparef(s, &st, "SELECT %s FROM cim_layers WHERE name = ?1", info_columns);
    if (!rc)
        rc = cim_sql_bind_text(st, 1, name, -1);
    cim_layer_info *info = NULL;
    if (!rc && (rc = cim_sql_step(st)) == CIM_SQL_ROW)
        info = info_from_row(st);
    cim_sql_finalize(st);
    if (rc < 0)
        return rc;
    if (!info)
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s': not in store '%s' (see 'cim layers')",
                             name, s->path);
    rc = read_fields(s, info);
    if (rc) {
        cim_layer_info_free(info);
        return rc;
    }
    *out = info;
    return CIM_OK;
}

int cim_store_layers(cim_layer_info ***out, size_t *count, cim_store *s)
{
    *out = NULL;
    *count = 0;
    cim_sql *st = NULL;
    int rc = cim_sql_preparef(s, &st, "SELECT %s FROM cim_layers ORDER BY name", info_columns);
    if (rc)
        return rc;
    size_t cap = 8, n = 0;
    cim_layer_info **list = calloc(cap, sizeof *list);
    while ((rc = cim_sql_step(st)) == CIM_SQL_ROW) {
        if (n == cap) {
            cap *= 2;
            list = realloc(list, cap * sizeof *list);
        }
        list[n++] = info_from_row(st);
    }
    cim_sql_finalize(st);
    if (rc < 0) {
        cim_layer_info_list_free(list, n);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        rc = read_fields(s, list[i]);
        if (rc) {
            cim_layer_info_list_free(list, n);
            return rc;
        }
    }
    *out = list;
    *count = n;
    return CIM_OK;
}

void cim_layer_info_free(cim_layer_info *info)
{
    if (!info)
        return;
    char **strs[] = {&info->name,          &info->kind,        &info->role,          &info->source,
                     &info->source_sha256, &info->source_format, &info->source_crs, &info->source_layer,
                     &info->geometry_type, &info->dims,        &info->ingested_at,   &info->lineage};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (size_t i = 0; i < info->field_count; i++) {
        free(info->fields[i].name);
        free(info->fields[i].decl);
    }
    free(info->fields);
    free(info);
}

void cim_layer_info_list_free(cim_layer_info **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        cim_layer_info_free(list[i]);
    free(list);
}
