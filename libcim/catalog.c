/* catalog.c: reading the layer catalogue (cim_layers) and the layer tables'
 * fields, for `cim layers` and `cim info`. */
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

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static int read_fields(cim_store *s, cim_layer_info *info)
{
    char *sql = sqlite3_mprintf("PRAGMA table_info(\"%w\")", info->name);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return cim_store_sqlite_error(s, info->name);
    size_t cap = 16;
    info->fields = calloc(cap, sizeof *info->fields);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (!name || !strcmp(name, "fid") || !strcmp(name, "geom"))
            continue;
        if (info->field_count == cap) {
            cap *= 2;
            info->fields = realloc(info->fields, cap * sizeof *info->fields);
        }
        cim_field_info *f = &info->fields[info->field_count++];
        f->name = strdup(name);
        f->decl = col_dup(st, 2);
        f->type = type_from_decl(f->decl);
    }
    sqlite3_finalize(st);
    return CIM_OK;
}

static const char *const info_columns =
    "name, kind, role, source, source_sha256, source_format, source_crs, source_layer,"
    " geometry_type, srid, dims, feature_count, minx, miny, maxx, maxy, ingested_at, run_id,"
    " version, repaired, lineage";

static cim_layer_info *info_from_row(sqlite3_stmt *st)
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
    info->srid = sqlite3_column_int(st, 9);
    info->dims = col_dup(st, 10);
    info->feature_count = sqlite3_column_int64(st, 11);
    info->has_extent = sqlite3_column_type(st, 12) != SQLITE_NULL;
    for (int i = 0; i < 4; i++)
        info->extent[i] = sqlite3_column_double(st, 12 + i);
    info->ingested_at = col_dup(st, 16);
    info->run_id = sqlite3_column_int64(st, 17);
    info->version = sqlite3_column_int64(st, 18);
    info->repaired = sqlite3_column_int64(st, 19);
    info->lineage = col_dup(st, 20);
    return info;
}

int cim_layer_info_get(cim_layer_info **out, cim_store *s, const char *name)
{
    *out = NULL;
    char *sql = sqlite3_mprintf("SELECT %s FROM cim_layers WHERE name = ?1", info_columns);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_layers");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    cim_layer_info *info = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        info = info_from_row(st);
    sqlite3_finalize(st);
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
    char *sql = sqlite3_mprintf("SELECT %s FROM cim_layers ORDER BY name", info_columns);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_layers");
    size_t cap = 8, n = 0;
    cim_layer_info **list = calloc(cap, sizeof *list);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            list = realloc(list, cap * sizeof *list);
        }
        list[n++] = info_from_row(st);
    }
    sqlite3_finalize(st);
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
