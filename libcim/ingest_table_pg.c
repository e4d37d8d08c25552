/* ingest_table_pg.c: a layer table in a PostGIS store. The table has
 * `fid BIGINT PRIMARY KEY`, the attributes in PostgreSQL's types and a typed
 * `geom geometry(<Type>, srid)` column (so geometry_columns, QGIS and GDAL see
 * it), with a GiST index built once the rows are in. Rows go in by COPY in
 * text format: each feature becomes a line in a buffer, and a full buffer is
 * sent as one whole COPY statement, so other statements may run on the
 * connection between two puts (an operation writing a derived layer reads
 * the store as it goes). fids are given here, counting on from the table's
 * largest, as SQLite's INTEGER PRIMARY KEY counts them. An upsert runs one
 * UPDATE and, for a new key, one INSERT per feature: it must tell each
 * feature updated from inserted. */
#include "ingest_table_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"
#include "sql_pg_int.h"
#include "wkb_int.h"

/* A COPY statement is sent when its buffer reaches this size; a streamed
 * COPY sends smaller pieces, so the server never waits long for rows. */
#define COPY_FLUSH_BYTES (16u << 20)
#define COPY_STREAM_BYTES (1u << 20)

static int oom(void)
{
    return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
}

/* "geometry(MULTIPOLYGONZ, 4547)": PostGIS's typmod checks every row. */
static void geometry_decl(char *out, size_t cap, uint32_t type, int has_z, int srid)
{
    snprintf(out, cap, "geometry(%s%s, %d)", cim_wkb_type_name(type), has_z ? "Z" : "", srid);
}

int ingest_table_pg_create(ingest_table *t)
{
    sqlite3_str *sql = sqlite3_str_new(NULL);
    sqlite3_str_appendf(sql, "CREATE TABLE \"%w\" (fid BIGINT PRIMARY KEY", t->name);
    for (size_t i = 0; i < t->src->field_count; i++)
        sqlite3_str_appendf(sql, ", \"%w\" %s", t->columns[i], cim_sql_decl(t->store, t->src->fields[i].decl));
    if (t->has_geom) {
        char decl[64];
        geometry_decl(decl, sizeof decl, t->geom_type, t->has_z, cim_store_srid(t->store));
        sqlite3_str_appendf(sql, ", geom %s", decl);
    }
    sqlite3_str_appendall(sql, ")");
    char *text = sqlite3_str_finish(sql);
    if (!text)
        return oom();
    int rc = cim_pg_exec(t->store, text);
    sqlite3_free(text);
    t->created = 1;
    t->first_new_fid = t->next_fid = 1;
    return rc ? cim_error_prefix("layer '%s'", t->name) : CIM_OK;
}

int ingest_table_pg_drop(cim_store *s, const char *name)
{
    /* The GiST index goes with the table; geometry_columns is a view. */
    return cim_store_execf(s, "DROP TABLE IF EXISTS \"%w\"", name);
}

int ingest_table_pg_prepare(ingest_table *t)
{
    size_t n = t->src->field_count;
    char *cols = ingest_table_column_list(t, 0);
    t->copy_sql = sqlite3_mprintf("COPY \"%w\" (fid%s%s) FROM STDIN", t->name, *cols ? ", " : "", cols);
    int rc = t->copy_sql ? CIM_OK : oom();
    if (!rc && t->key_field >= 0) {
        char *params = ingest_table_column_list(t, 1), *sets = ingest_table_column_list(t, 2);
        size_t total = n + (t->has_geom ? 1 : 0);
        /* The fid is the parameter after the columns'. */
        rc = cim_sql_preparef(t->store, &t->pg_insert, "INSERT INTO \"%w\" (%s, fid) VALUES (%s, ?%d)", t->name,
                              cols, params, (int)total + 1);
        if (!rc)
            rc = cim_sql_preparef(t->store, &t->pg_update, "UPDATE \"%w\" SET %s WHERE \"%w\" = ?%d", t->name, sets,
                                  t->columns[t->key_field], t->key_field + 1);
        /* Keys seen in this run: a temporary table, gone with the session. */
        if (!rc)
            rc = cim_pg_exec(t->store, "CREATE TEMP TABLE IF NOT EXISTS cim_seen_keys(k TEXT PRIMARY KEY);"
                                       "DELETE FROM pg_temp.cim_seen_keys");
        if (!rc)
            rc = cim_sql_prepare(t->store, &t->pg_seen, "INSERT INTO pg_temp.cim_seen_keys(k) VALUES (CAST(?1 AS TEXT))");
        sqlite3_free(params);
        sqlite3_free(sets);
    }
    sqlite3_free(cols);
    return rc;
}

/* ---- COPY text format ---- */

static const char hexdigits[] = "0123456789abcdef";

static int put_hex(cim_buf *b, const uint8_t *p, size_t n)
{
    if (cim_buf_reserve(b, 2 * n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        b->data[b->len++] = (uint8_t)hexdigits[p[i] >> 4];
        b->data[b->len++] = (uint8_t)hexdigits[p[i] & 15];
    }
    return 0;
}

static int put_str(cim_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (cim_buf_reserve(b, n))
        return -1;
    cim_buf_put(b, s, n);
    return 0;
}

/* Text with COPY's escapes for backslash, tab, newline and carriage return. */
static int put_escaped(cim_buf *b, const char *s, size_t n)
{
    if (cim_buf_reserve(b, 2 * n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
        if (esc) {
            cim_buf_put(b, esc, 2);
        } else {
            b->data[b->len++] = (uint8_t)c;
        }
    }
    return 0;
}

/* A double as PostgreSQL reads it back exactly (17 digits; NaN, Infinity). */
static void format_double(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "NaN");
    else if (isinf(v))
        snprintf(buf, cap, v > 0 ? "Infinity" : "-Infinity");
    else
        snprintf(buf, cap, "%.17g", v);
}

static int put_value(cim_buf *b, const cim_src_field *field, const cim_src_value *v)
{
    char num[64];
    if (v->is_null)
        return put_str(b, "\\N");
    switch (field->type) {
    case CIM_FIELD_INTEGER:
    case CIM_FIELD_INTEGER64:
        snprintf(num, sizeof num, "%lld", (long long)v->i);
        return put_str(b, num);
    case CIM_FIELD_BOOLEAN:
        return put_str(b, v->i ? "t" : "f");
    case CIM_FIELD_REAL:
        format_double(num, sizeof num, v->d);
        return put_str(b, num);
    case CIM_FIELD_BINARY:
        /* bytea's hex form, its backslash escaped for COPY. */
        return put_str(b, "\\\\x") || put_hex(b, (const uint8_t *)v->s, v->slen);
    default:
        return put_escaped(b, v->s, v->slen);
    }
}

/* "SRID=4547;<hex WKB>": PostGIS's text input, with the SRID the column's
 * typmod asks for. The blob is the SpatiaLite one the ingest checks built
 * (promoted to multi, Z filled), turned back into ISO WKB. */
static int put_geometry(ingest_table *t, cim_buf *b, const void *blob, int blob_len)
{
    t->wkb.len = 0;
    int rc = cim_splite_blob_to_wkb(&t->wkb, blob, (size_t)blob_len);
    if (rc)
        return rc;
    char head[32];
    snprintf(head, sizeof head, "SRID=%d;", cim_store_srid(t->store));
    if (put_str(b, head) || put_hex(b, t->wkb.data, t->wkb.len))
        return oom();
    return CIM_OK;
}

/* Sends the buffered rows: in the open COPY (stream), else as one whole
 * COPY statement. end closes a streamed COPY. */
static int flush_copy(ingest_table *t, int end)
{
    int rc = CIM_OK;
    if (t->copy.len && !t->copying) {
        rc = cim_pg_copy_begin(t->store, t->copy_sql);
        t->copying = !rc;
    }
    if (!rc && t->copy.len)
        rc = cim_pg_copy_put(t->store, t->copy.data, t->copy.len);
    t->copy.len = 0;
    if (t->copying && (end || !t->stream || rc)) {
        int ended = cim_pg_copy_end(t->store, NULL);
        t->copying = 0;
        if (!rc)
            rc = ended;
    }
    return rc ? cim_error_prefix("layer '%s'", t->name) : CIM_OK;
}

static int copy_row(ingest_table *t, const cim_src_feature *f, const void *blob, int blob_len)
{
    cim_buf *b = &t->copy;
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)t->next_fid++);
    if (put_str(b, num))
        return oom();
    for (size_t i = 0; i < t->src->field_count; i++)
        if (put_str(b, "\t") || put_value(b, &t->src->fields[i], &f->values[i]))
            return oom();
    if (t->has_geom) {
        if (put_str(b, "\t"))
            return oom();
        int rc = blob ? put_geometry(t, b, blob, blob_len) : put_str(b, "\\N") ? oom() : CIM_OK;
        if (rc)
            return rc;
    }
    if (put_str(b, "\n"))
        return oom();
    return b->len >= (t->stream ? COPY_STREAM_BYTES : COPY_FLUSH_BYTES) ? flush_copy(t, 0) : CIM_OK;
}

/* ---- upsert: statements per feature ---- */

static int bind_values(ingest_table *t, cim_sql *q, const cim_src_feature *f, const void *blob, int blob_len)
{
    size_t n = t->src->field_count;
    int rc = CIM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const cim_src_value *v = &f->values[i];
        int k = (int)i + 1;
        if (v->is_null) {
            rc = cim_sql_bind_null(q, k);
            continue;
        }
        switch (t->src->fields[i].type) {
        case CIM_FIELD_INTEGER:
        case CIM_FIELD_INTEGER64:
            rc = cim_sql_bind_int64(q, k, v->i);
            break;
        case CIM_FIELD_BOOLEAN:
            rc = cim_sql_bind_text(q, k, v->i ? "t" : "f", 1);
            break;
        case CIM_FIELD_REAL:
            rc = cim_sql_bind_double(q, k, v->d);
            break;
        case CIM_FIELD_BINARY:
            rc = cim_sql_bind_blob(q, k, v->s, v->slen);
            break;
        default:
            rc = cim_sql_bind_text(q, k, v->s, (int)v->slen);
            break;
        }
    }
    if (!rc && t->has_geom) {
        if (!blob)
            return cim_sql_bind_null(q, (int)n + 1);
        cim_buf text = {0};
        rc = put_geometry(t, &text, blob, blob_len);
        if (!rc)
            rc = cim_sql_bind_text(q, (int)n + 1, (const char *)text.data, (int)text.len);
        cim_buf_free(&text);
    }
    return rc;
}

static int check_key_once(ingest_table *t, const cim_src_feature *f)
{
    const cim_src_value *key = &f->values[t->key_field];
    if (key->is_null)
        return ingest_table_key_error(t, f);
    int rc = key->s ? cim_sql_bind_text(t->pg_seen, 1, key->s, (int)key->slen)
                    : cim_sql_bind_int64(t->pg_seen, 1, key->i);
    int step = rc ? rc : cim_sql_step(t->pg_seen);
    cim_sql_reset(t->pg_seen);
    if (step == CIM_EEXISTS)
        return ingest_table_key_error(t, f);
    return step < 0 ? step : CIM_OK;
}

static int run_row(ingest_table *t, cim_sql *q, const cim_src_feature *f)
{
    int rc = cim_sql_step(q);
    cim_sql_reset(q);
    if (rc < 0)
        return cim_error_prefix("layer '%s', feature %lld", t->name, (long long)f->index);
    return CIM_OK;
}

static int upsert_row(ingest_table *t, const cim_src_feature *f, const void *blob, int blob_len, int *updated)
{
    int rc = check_key_once(t, f);
    if (!rc)
        rc = bind_values(t, t->pg_update, f, blob, blob_len);
    if (!rc)
        rc = run_row(t, t->pg_update, f);
    if (rc)
        return rc;
    if (cim_sql_changes(t->pg_update) > 0) {
        *updated = 1;
        return CIM_OK;
    }
    size_t total = t->src->field_count + (t->has_geom ? 1 : 0);
    rc = bind_values(t, t->pg_insert, f, blob, blob_len);
    if (!rc)
        rc = cim_sql_bind_int64(t->pg_insert, (int)total + 1, t->next_fid++);
    return rc ? rc : run_row(t, t->pg_insert, f);
}

int ingest_table_pg_put(ingest_table *t, const cim_src_feature *f, const void *blob, int blob_len, int *updated)
{
    *updated = 0;
    if (t->pg_update)
        return upsert_row(t, f, blob, blob_len, updated);
    return copy_row(t, f, blob, blob_len);
}

/* A GEOMETRY column that turned out to hold one kind of geometry gets its
 * type (ingest_table_settle_type), as on SpatiaLite. */
static int settle_generic_type(ingest_table *t)
{
    int to_multi = 0;
    if (!ingest_table_settle_type(t, &to_multi))
        return CIM_OK;
    char decl[64];
    geometry_decl(decl, sizeof decl, t->geom_type, t->has_z, cim_store_srid(t->store));
    return cim_store_execf(t->store, "ALTER TABLE \"%w\" ALTER COLUMN geom TYPE %s USING %s", t->name, decl,
                           to_multi ? "ST_Multi(geom)" : "geom");
}

int ingest_table_pg_finish(ingest_table *t)
{
    int rc = flush_copy(t, 1);
    if (rc || !t->has_geom || !t->created)
        return rc;
    if (t->geom_type == 0)
        rc = settle_generic_type(t);
    /* Built once over all rows: faster than keeping it current row by row. */
    if (!rc)
        rc = cim_store_execf(t->store, "CREATE INDEX \"idx_%w_geom\" ON \"%w\" USING GIST (geom)", t->name, t->name);
    return rc;
}

void ingest_table_pg_clear(ingest_table *t)
{
    /* A streamed COPY left open by a failed feature: closed so the
     * connection can roll back (the rows go with the transaction). */
    if (t->copying)
        cim_pg_copy_end(t->store, NULL);
    t->copying = 0;
    cim_sql_finalize(t->pg_insert);
    cim_sql_finalize(t->pg_update);
    cim_sql_finalize(t->pg_seen);
    t->pg_insert = t->pg_update = t->pg_seen = NULL;
    cim_buf_free(&t->copy);
    cim_buf_free(&t->wkb);
    sqlite3_free(t->copy_sql);
    t->copy_sql = NULL;
}
