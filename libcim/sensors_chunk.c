/* sensors_chunk.c: a chunk of sorted readings as an SQLite table-valued
 * function, cim_sensor_chunk(?1), the chunk handed over with
 * sqlite3_bind_pointer. One INSERT ... SELECT per chunk then replaces one
 * statement run per reading (bind, step, reset and the VDBE's set-up each
 * time), and a join against the stored readings finds conflicting values
 * only when some readings were ignored. */
#include <stdlib.h>
#include <string.h>

#include "sensor_reader.h"
#include "sensors_int.h"

typedef struct chunk_cursor {
    sqlite3_vtab_cursor base;
    const sensors_chunk *c;
    size_t i;
    char ts[32];
    size_t ts_row;      /* the row ts was formatted for, + 1 */
} chunk_cursor;

static int chunk_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                         char **err)
{
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(sensor TEXT, property TEXT, t TEXT, value REAL, chunk HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    *out = v;
    return SQLITE_OK;
}

static int chunk_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int chunk_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *k = &info->aConstraint[i];
        if (k->iColumn == 4 && k->op == SQLITE_INDEX_CONSTRAINT_EQ && k->usable) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->estimatedCost = 1000;
            info->estimatedRows = 65536;
            return SQLITE_OK;
        }
    }
    return SQLITE_CONSTRAINT; /* the chunk argument is required */
}

static int chunk_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    chunk_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int chunk_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int chunk_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
    chunk_cursor *c = (chunk_cursor *)cur;
    c->c = argc > 0 ? sqlite3_value_pointer(argv[0], "cim_sensor_chunk") : NULL;
    c->i = 0;
    c->ts_row = 0;
    return SQLITE_OK;
}

static int chunk_next(sqlite3_vtab_cursor *cur)
{
    ((chunk_cursor *)cur)->i++;
    return SQLITE_OK;
}

static int chunk_eof(sqlite3_vtab_cursor *cur)
{
    chunk_cursor *c = (chunk_cursor *)cur;
    return !c->c || c->i >= c->c->n;
}

static int chunk_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    chunk_cursor *c = (chunk_cursor *)cur;
    const sensors_reading *r = &c->c->rows[c->i];
    switch (col) {
    case 0: sqlite3_result_text(ctx, c->c->ids->v[r->sensor], -1, SQLITE_STATIC); break;
    case 1: sqlite3_result_text(ctx, c->c->props->v[r->property], -1, SQLITE_STATIC); break;
    case 2:
        if (c->ts_row != c->i + 1) {
            sensor_time_format(r->t, c->ts);
            c->ts_row = c->i + 1;
        }
        sqlite3_result_text(ctx, c->ts, 20, SQLITE_TRANSIENT);
        break;
    case 3: sqlite3_result_double(ctx, r->value); break;
    default: sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
}

static int chunk_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = (sqlite3_int64)((chunk_cursor *)cur)->i;
    return SQLITE_OK;
}

static const sqlite3_module chunk_module = {
    .iVersion = 0,
    .xConnect = chunk_connect,
    .xBestIndex = chunk_best_index,
    .xDisconnect = chunk_disconnect,
    .xOpen = chunk_open,
    .xClose = chunk_close,
    .xFilter = chunk_filter,
    .xNext = chunk_next,
    .xEof = chunk_eof,
    .xColumn = chunk_column,
    .xRowid = chunk_rowid,
};

int sensors_chunk_register(cim_store *s)
{
    /* eponymous-only (no xCreate); registering again replaces the module */
    if (sqlite3_create_module_v2(s->db, "cim_sensor_chunk", &chunk_module, NULL, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_sensor_chunk");
    return CIM_OK;
}
