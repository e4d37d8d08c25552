/* ingest_table.c: creating, adopting and filling a layer table. Rows go in
 * through one prepared INSERT with bound values. A new table is registered
 * with SpatiaLite while empty (so its geometry column, spatial index and
 * triggers are SpatiaLite's own), its triggers are set aside while rows go in,
 * the R*Tree is packed once from the boxes gathered on the way, and the
 * triggers come back before commit: later edits keep the index current. */
#include "ingest_table_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"
#include "wkb_int.h"

static int name_taken(char **names, size_t n, const char *name)
{
    if (!sqlite3_stricmp(name, "fid") || !sqlite3_stricmp(name, "geom"))
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!sqlite3_stricmp(names[i], name))
            return 1;
    return 0;
}

/* The longest prefix of s, at most max bytes (0: no limit), that ends on a
 * UTF-8 character boundary. */
static int fit(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!max || n <= max)
        return (int)n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* A column name for a source field: the field's own name unless it is empty
 * or taken, then "src_<name>" or "<name>_2", "<name>_3"... PostgreSQL cuts
 * identifiers at 63 bytes (a long Chinese field name is 20 characters), so
 * there max is 63 and a name is shortened before it is checked as taken. */
static char *column_name(char **taken, size_t n, const char *field, size_t index, size_t max)
{
    char buf[256];
    if (!field || !*field)
        snprintf(buf, sizeof buf, "field_%zu", index + 1);
    else
        snprintf(buf, sizeof buf, "%s", field);
    buf[fit(buf, max)] = '\0';
    if (!name_taken(taken, n, buf))
        return strdup(buf);
    char alt[300];
    if (!sqlite3_stricmp(buf, "fid") || !sqlite3_stricmp(buf, "geom")) {
        snprintf(alt, sizeof alt, "src_%s", buf);
        if (!name_taken(taken, n, alt))
            return strdup(alt);
    }
    for (int k = 2;; k++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, "_%d", k);
        snprintf(alt, sizeof alt, "%.*s%s", fit(buf, max ? max - strlen(suffix) : 0), buf, suffix);
        if (!name_taken(taken, n, alt))
            return strdup(alt);
    }
}

int ingest_table_plan(ingest_table *t, cim_store *s, const cim_src_layer *src, const char *name)
{
    memset(t, 0, sizeof *t);
    t->store = s;
    t->src = src;
    t->key_field = -1;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->columns = calloc(src->field_count + 1, sizeof *t->columns);
    for (size_t i = 0; i < src->field_count; i++)
        t->columns[i] = column_name(t->columns, i, src->fields[i].name, i, s->pg ? 63 : 0);
    t->has_geom = src->geom_type != UINT32_MAX;
    t->geom_type = t->has_geom ? src->geom_type : 0;
    /* One declared type per layer: polygons and multipolygons both become
     * MULTIPOLYGON (MakeValid may split a polygon), lines likewise. Points
     * stay points unless the source declares multipoints. */
    if (t->geom_type == CIM_WKB_POLYGON || t->geom_type == CIM_WKB_LINESTRING)
        t->geom_type += 3;
    t->promote = t->geom_type == CIM_WKB_MULTIPOLYGON || t->geom_type == CIM_WKB_MULTILINESTRING ||
                 t->geom_type == CIM_WKB_MULTIPOINT;
    t->has_z = src->has_z;
    return CIM_OK;
}

/* Registers the empty table's geometry column and spatial index with
 * SpatiaLite, then keeps the SQL of its triggers and drops them. */
static int register_geometry(ingest_table *t)
{
    int srid = cim_store_srid(t->store);
    char *sql = sqlite3_mprintf("SELECT RecoverGeometryColumn(%Q, 'geom', %d, %Q, %Q), CreateSpatialIndex(%Q, 'geom')",
                                t->name, srid, cim_wkb_type_name(t->geom_type), t->has_z ? "XYZ" : "XY", t->name);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(t->store->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return cim_store_sqlite_error(t->store, t->name);
    int ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 1) == 1;
    sqlite3_finalize(st);
    if (!ok)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_SQLITE,
                             "layer '%s': SpatiaLite refused to register its geometry column (%s %s)", t->name,
                             cim_wkb_type_name(t->geom_type), t->has_z ? "XYZ" : "XY");
    if (sqlite3_prepare_v2(t->store->db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(t->store, t->name);
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    size_t cap = 8;
    t->triggers = calloc(cap, sizeof *t->triggers);
    char **names = calloc(cap, sizeof *names);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (t->trigger_count == cap) {
            cap *= 2;
            t->triggers = realloc(t->triggers, cap * sizeof *t->triggers);
            names = realloc(names, cap * sizeof *names);
        }
        names[t->trigger_count] = strdup((const char *)sqlite3_column_text(st, 0));
        t->triggers[t->trigger_count++] = strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    rc = CIM_OK;
    for (size_t i = 0; i < t->trigger_count; i++) {
        if (!rc)
            rc = cim_store_execf(t->store, "DROP TRIGGER \"%w\"", names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int ingest_table_create(ingest_table *t)
{
    if (t->store->pg)
        return ingest_table_pg_create(t);
    sqlite3_str *sql = sqlite3_str_new(t->store->db);
    sqlite3_str_appendf(sql, "CREATE TABLE \"%w\" (fid INTEGER PRIMARY KEY", t->name);
    for (size_t i = 0; i < t->src->field_count; i++)
        sqlite3_str_appendf(sql, ", \"%w\" %s", t->columns[i], t->src->fields[i].decl);
    if (t->has_geom)
        sqlite3_str_appendf(sql, ", geom %s", cim_wkb_type_name(t->geom_type));
    sqlite3_str_appendall(sql, ")");
    char *text = sqlite3_str_finish(sql);
    if (!text)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    int rc = cim_store_exec(t->store, text);
    sqlite3_free(text);
    t->created = 1;
    t->first_new_fid = 1;
    if (!rc && t->has_geom)
        rc = register_geometry(t);
    return rc;
}


/* ISO code of a PostGIS geometry_columns type name ("MULTIPOLYGON"...). */
static uint32_t type_code(const char *name)
{
    static const char *const names[] = {"GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT",
                                        "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
    for (uint32_t i = 7; i > 0; i--)
        if (!strncasecmp(name, names[i], strlen(names[i])))
            return i;
    return 0;
}

/* For append/upsert: the existing geometry column decides type and Z
 * (SpatiaLite's geometry_columns has a numeric type such as 1006, PostGIS's
 * view a name). */
static int read_geometry_column(ingest_table *t)
{
    int pg = cim_store_is_pg(t->store);
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(t->store, &q,
                             pg ? "SELECT type, coord_dimension FROM geometry_columns WHERE f_table_schema ="
                                  " current_schema() AND f_table_name = CAST(?1 AS TEXT) AND f_geometry_column = 'geom'"
                                : "SELECT geometry_type, coord_dimension FROM geometry_columns"
                                  " WHERE f_table_name = lower(?1) AND f_geometry_column = 'geom'");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, t->name, -1);
    int step = rc ? rc : cim_sql_step(q);
    int had = t->has_geom;
    t->has_geom = 0;
    if (step == CIM_SQL_ROW) {
        const char *type = pg ? cim_sql_text(q, 0) : NULL;
        t->has_geom = 1;
        t->geom_type = pg ? type_code(type ? type : "") : (uint32_t)(cim_sql_int64(q, 0) % 1000);
        t->has_z = cim_sql_int64(q, 1) >= 3;
        t->promote = t->geom_type >= CIM_WKB_MULTIPOINT && t->geom_type <= CIM_WKB_MULTIPOLYGON;
    }
    cim_sql_finalize(q);
    if (step < 0)
        return step;
    if (had && !t->has_geom)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "layer '%s' has no geometry column but the source has geometries", t->name);
    return CIM_OK;
}

/* Column names for the source's fields on append/upsert: the source's own,
 * with fid and geom renamed src_fid, src_geom. */
static void adopt_names(ingest_table *t, const char *upsert_key)
{
    for (size_t i = 0; i < t->src->field_count; i++) {
        /* Append keeps the source's own names: no renaming against the table. */
        free(t->columns[i]);
        const char *field = t->src->fields[i].name;
        t->columns[i] = strndup(field, (size_t)fit(field, t->store->pg ? 63 : 0));
        if (!sqlite3_stricmp(t->columns[i], "fid") || !sqlite3_stricmp(t->columns[i], "geom")) {
            free(t->columns[i]);
            char buf[300];
            snprintf(buf, sizeof buf, "src_%s", t->src->fields[i].name);
            t->columns[i] = strdup(buf);
        }
        if (upsert_key && !strcmp(t->src->fields[i].name, upsert_key))
            t->key_field = (int)i;
    }
}

int ingest_table_adopt(ingest_table *t, const char *upsert_key)
{
    int rc = read_geometry_column(t);
    if (rc)
        return rc;
    adopt_names(t, upsert_key);
    for (size_t i = 0; i < t->src->field_count && !rc; i++)
        if (!cim_sql_has_column(t->store, t->name, t->columns[i]))
            rc = cim_store_execf(t->store, "ALTER TABLE \"%w\" ADD COLUMN \"%w\" %s", t->name, t->columns[i],
                                 cim_sql_decl(t->store, t->src->fields[i].decl));
    char *sql = sqlite3_mprintf("SELECT coalesce(max(fid), 0) + 1 FROM \"%w\"", t->name);
    if (!rc)
        rc = cim_sql_int64_of(t->store, &t->first_new_fid, 1, sql);
    sqlite3_free(sql);
    t->next_fid = t->first_new_fid;
    return rc;
}

int ingest_table_drop(cim_store *s, const char *name)
{
    if (s->pg)
        return ingest_table_pg_drop(s, name);
    int rc = CIM_OK;
    char idx[128];
    snprintf(idx, sizeof idx, "idx_%s_geom", name);
    if (cim_store_table_exists(s, idx))
        rc = cim_store_execf(s, "SELECT DisableSpatialIndex(%Q, 'geom'); DROP TABLE \"%w\";", name, idx);
    if (!rc)
        rc = cim_store_execf(s,
                             "DELETE FROM geometry_columns_auth WHERE f_table_name = lower(%Q);"
                             "DELETE FROM geometry_columns_statistics WHERE f_table_name = lower(%Q);"
                             "DELETE FROM geometry_columns_field_infos WHERE f_table_name = lower(%Q);"
                             "DELETE FROM geometry_columns_time WHERE f_table_name = lower(%Q);"
                             "DELETE FROM geometry_columns WHERE f_table_name = lower(%Q);"
                             "DROP TABLE IF EXISTS \"%w\";",
                             name, name, name, name, name, name);
    return rc;
}

static int prepare(ingest_table *t, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v3(t->store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(t->store, t->name);
    return CIM_OK;
}

/* "a", "b", geom  /  ?1, ?2, ?3  /  "a" = ?1, "b" = ?2, geom = ?3
 * (sqlite3_free the result). */
char *ingest_table_column_list(const ingest_table *t, int style)
{
    size_t n = t->src->field_count;
    size_t total = n + (t->has_geom ? 1 : 0);
    sqlite3_str *out = sqlite3_str_new(t->store->db);
    for (size_t i = 0; i < total; i++) {
        const char *col = i < n ? t->columns[i] : "geom";
        const char *sep = i ? ", " : "";
        if (style == 0)
            sqlite3_str_appendf(out, "%s\"%w\"", sep, col);
        else if (style == 1)
            sqlite3_str_appendf(out, "%s?%d", sep, (int)i + 1);
        else
            sqlite3_str_appendf(out, "%s\"%w\" = ?%d", sep, col, (int)i + 1);
    }
    char *text = sqlite3_str_finish(out);
    return text ? text : sqlite3_mprintf("");
}

int ingest_table_prepare(ingest_table *t)
{
    if (t->store->pg)
        return ingest_table_pg_prepare(t);
    size_t total = t->src->field_count + (t->has_geom ? 1 : 0);
    char *cols = ingest_table_column_list(t, 0), *params = ingest_table_column_list(t, 1),
         *sets = ingest_table_column_list(t, 2);
    char *sql = total ? sqlite3_mprintf("INSERT INTO \"%w\" (%s) VALUES (%s)", t->name, cols, params)
                      : sqlite3_mprintf("INSERT INTO \"%w\" DEFAULT VALUES", t->name);
    int rc = prepare(t, &t->insert, sql);
    sqlite3_free(sql);
    if (!rc && t->key_field >= 0) {
        /* sqlite3_mprintf has no %zu (its %z means "free this string"). */
        sql = sqlite3_mprintf("UPDATE \"%w\" SET %s WHERE \"%w\" = ?%d", t->name, sets,
                              t->columns[t->key_field], t->key_field + 1);
        rc = prepare(t, &t->update, sql);
        sqlite3_free(sql);
        /* Keys seen in this run live in the temp database, outside the store
         * file, so a failed run leaves the store byte-identical. */
        if (!rc)
            rc = cim_store_exec(t->store, "CREATE TEMP TABLE IF NOT EXISTS cim_seen_keys(k PRIMARY KEY);"
                                          "DELETE FROM temp.cim_seen_keys;");
        if (!rc)
            rc = prepare(t, &t->seen, "INSERT INTO temp.cim_seen_keys(k) VALUES (?1)");
    }
    sqlite3_free(cols);
    sqlite3_free(params);
    sqlite3_free(sets);
    return rc;
}

static void bind_values(sqlite3_stmt *st, const ingest_table *t, const cim_src_feature *f, const void *blob,
                        int blob_len)
{
    size_t n = t->src->field_count;
    for (size_t i = 0; i < n; i++) {
        const cim_src_value *v = &f->values[i];
        int k = (int)i + 1;
        if (v->is_null) {
            sqlite3_bind_null(st, k);
            continue;
        }
        switch (t->src->fields[i].type) {
        case CIM_FIELD_INTEGER:
        case CIM_FIELD_INTEGER64:
        case CIM_FIELD_BOOLEAN:
            sqlite3_bind_int64(st, k, v->i);
            break;
        case CIM_FIELD_REAL:
            sqlite3_bind_double(st, k, v->d);
            break;
        case CIM_FIELD_BINARY:
            sqlite3_bind_blob64(st, k, v->s, v->slen, SQLITE_STATIC);
            break;
        default:
            sqlite3_bind_text64(st, k, v->s, v->slen, SQLITE_STATIC, SQLITE_UTF8);
            break;
        }
    }
    if (t->has_geom) {
        if (blob)
            sqlite3_bind_blob(st, (int)n + 1, blob, blob_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, (int)n + 1);
    }
}

static int step(ingest_table *t, sqlite3_stmt *st, const cim_src_feature *f)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return cim_error_set(CIM_ESTORE, CIM_ERRCLASS_SQLITE, "layer '%s', feature %lld: %s", t->name,
                             (long long)f->index, sqlite3_errmsg(t->store->db));
    return CIM_OK;
}

int ingest_table_key_error(const ingest_table *t, const cim_src_feature *f)
{
    const cim_src_value *key = &f->values[t->key_field];
    const char *kname = t->src->fields[t->key_field].name;
    if (key->is_null)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "feature %lld: key field '%s' is empty",
                             (long long)f->index, kname);
    return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                         "feature %lld: key field '%s' value '%s' appears more than once in the source",
                         (long long)f->index, kname, key->s ? key->s : "(number)");
}

static int check_key_once(ingest_table *t, const cim_src_feature *f)
{
    const cim_src_value *key = &f->values[t->key_field];
    if (key->is_null)
        return ingest_table_key_error(t, f);
    sqlite3_stmt *st = t->seen;
    if (key->s)
        sqlite3_bind_text64(st, 1, key->s, key->slen, SQLITE_STATIC, SQLITE_UTF8);
    else
        sqlite3_bind_int64(st, 1, key->i);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
        return ingest_table_key_error(t, f);
    return rc == SQLITE_DONE ? CIM_OK : cim_store_sqlite_error(t->store, "temp keys");
}

static int remember_box(ingest_table *t, const double *mbr)
{
    if (t->entry_count == t->entry_cap) {
        size_t cap = t->entry_cap ? t->entry_cap * 2 : 4096;
        cim_rtree_entry *e = realloc(t->entries, cap * sizeof *e);
        if (!e)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory for the spatial index");
        t->entries = e;
        t->entry_cap = cap;
    }
    cim_rtree_entry_set(&t->entries[t->entry_count++], sqlite3_last_insert_rowid(t->store->db), mbr);
    return CIM_OK;
}

int ingest_table_put(ingest_table *t, const cim_src_feature *f, const void *blob, int blob_len, const double *mbr,
                     int *updated)
{
    *updated = 0;
    if (t->store->pg)
        return ingest_table_pg_put(t, f, blob, blob_len, updated);
    if (t->update) {
        int rc = check_key_once(t, f);
        if (rc)
            return rc;
        bind_values(t->update, t, f, blob, blob_len);
        rc = step(t, t->update, f);
        if (rc)
            return rc;
        if (sqlite3_changes(t->store->db) > 0) {
            *updated = 1;
            return CIM_OK;
        }
    }
    bind_values(t->insert, t, f, blob, blob_len);
    int rc = step(t, t->insert, f);
    if (!rc && t->created && blob && mbr)
        rc = remember_box(t, mbr);
    return rc;
}

int ingest_table_settle_type(ingest_table *t, int *to_multi)
{
    unsigned polys = (1u << CIM_WKB_POLYGON) | (1u << CIM_WKB_MULTIPOLYGON);
    unsigned lines = (1u << CIM_WKB_LINESTRING) | (1u << CIM_WKB_MULTILINESTRING);
    *to_multi = 0;
    if (!t->observed)
        return 0;
    if (!(t->observed & ~polys))
        t->geom_type = CIM_WKB_MULTIPOLYGON;
    else if (!(t->observed & ~lines))
        t->geom_type = CIM_WKB_MULTILINESTRING;
    else if (!(t->observed & ~(1u << CIM_WKB_POINT)))
        t->geom_type = CIM_WKB_POINT;
    else if (!(t->observed & ~(1u << CIM_WKB_MULTIPOINT)))
        t->geom_type = CIM_WKB_MULTIPOINT;
    else
        return 0;
    *to_multi = t->geom_type == CIM_WKB_MULTIPOLYGON || t->geom_type == CIM_WKB_MULTILINESTRING;
    return 1;
}

static int settle_generic_type(ingest_table *t)
{
    int to_multi = 0;
    if (!ingest_table_settle_type(t, &to_multi))
        return CIM_OK;
    int rc = CIM_OK;
    if (to_multi)
        rc = cim_store_execf(t->store, "UPDATE \"%w\" SET geom = %s(geom) WHERE geom IS NOT NULL", t->name,
                             t->geom_type == CIM_WKB_MULTIPOLYGON ? "CastToMultiPolygon" : "CastToMultiLineString");
    if (!rc)
        rc = cim_store_execf(t->store,
                             "UPDATE geometry_columns SET geometry_type = %d WHERE f_table_name = lower(%Q)"
                             " AND f_geometry_column = 'geom'",
                             cim_splite_class(t->geom_type, t->has_z), t->name);
    return rc;
}

int ingest_table_finish(ingest_table *t)
{
    if (t->store->pg)
        return ingest_table_pg_finish(t);
    if (!t->has_geom || !t->created)
        return CIM_OK;
    int rc = t->geom_type == 0 ? settle_generic_type(t) : CIM_OK;
    char idx[96];
    snprintf(idx, sizeof idx, "idx_%s_geom", t->name);
    if (!rc)
        rc = cim_rtree_bulk_load(t->store->db, idx, t->entries, t->entry_count);
    for (size_t i = 0; !rc && i < t->trigger_count; i++)
        rc = cim_store_exec(t->store, t->triggers[i]);
    return rc;
}

void ingest_table_grow_extent(ingest_table *t, const double m[4])
{
    if (!t->has_mbr) {
        memcpy(t->mbr, m, sizeof t->mbr);
        t->has_mbr = 1;
        return;
    }
    if (m[0] < t->mbr[0]) t->mbr[0] = m[0];
    if (m[1] < t->mbr[1]) t->mbr[1] = m[1];
    if (m[2] > t->mbr[2]) t->mbr[2] = m[2];
    if (m[3] > t->mbr[3]) t->mbr[3] = m[3];
}

void ingest_table_clear(ingest_table *t)
{
    ingest_table_pg_clear(t);
    sqlite3_finalize(t->insert);
    sqlite3_finalize(t->update);
    sqlite3_finalize(t->seen);
    if (t->columns)
        for (size_t i = 0; i < t->src->field_count; i++)
            free(t->columns[i]);
    free(t->columns);
    for (size_t i = 0; i < t->trigger_count; i++)
        free(t->triggers[i]);
    free(t->triggers);
    free(t->entries);
    memset(t, 0, sizeof *t);
}
