/* mbtiles_writer.c: MBTiles 1.3 in one SQLite transaction. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbtiles.h"

struct mbtiles_writer {
    sqlite3 *db;
    sqlite3_stmt *tile, *meta, *del;
    int finished, patching;
    char err[512];
};

static int fail(mbtiles_writer *w, const char *what)
{
    snprintf(w->err, sizeof w->err, "%s: %s", what, w->db ? sqlite3_errmsg(w->db) : "no database");
    return -1;
}

static const char *const schema =
    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 65536;"
    "BEGIN;"
    "CREATE TABLE metadata (name TEXT, value TEXT);"
    "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);";

mbtiles_writer *mbtiles_writer_open(const char *path, char *err, size_t err_len)
{
    mbtiles_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(w->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(w->db, "INSERT INTO tiles VALUES (?, ?, ?, ?)", -1, &w->tile, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(w->db, "INSERT INTO metadata VALUES (?, ?)", -1, &w->meta, NULL) != SQLITE_OK) {
        fail(w, path);
        snprintf(err, err_len, "%s", w->err);
        mbtiles_writer_free(w);
        return NULL;
    }
    return w;
}

mbtiles_writer *mbtiles_writer_reopen(const char *path, char *err, size_t err_len)
{
    mbtiles_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    w->patching = 1;
    if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(w->db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(w->db, "INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)", -1, &w->tile, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(w->db, "INSERT OR REPLACE INTO metadata VALUES (?, ?)", -1, &w->meta, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(w->db, "DELETE FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", -1,
                           &w->del, NULL) != SQLITE_OK) {
        fail(w, path);
        snprintf(err, err_len, "%s", w->err);
        mbtiles_writer_free(w);
        return NULL;
    }
    return w;
}

int mbtiles_writer_delete(mbtiles_writer *w, uint8_t z, uint32_t x, uint32_t y)
{
    if (!w->del)
        return -1;
    sqlite3_bind_int(w->del, 1, z);
    sqlite3_bind_int64(w->del, 2, x);
    sqlite3_bind_int64(w->del, 3, mbtiles_tms_row(z, y));
    int rc = sqlite3_step(w->del);
    sqlite3_reset(w->del);
    return rc == SQLITE_DONE ? 0 : fail(w, "deleting a tile");
}

const char *mbtiles_writer_error(const mbtiles_writer *w)
{
    return w->err;
}

int mbtiles_writer_put(mbtiles_writer *w, uint8_t z, uint32_t x, uint32_t y, const uint8_t *data, size_t len)
{
    sqlite3_bind_int(w->tile, 1, z);
    sqlite3_bind_int64(w->tile, 2, x);
    sqlite3_bind_int64(w->tile, 3, mbtiles_tms_row(z, y));
    sqlite3_bind_blob64(w->tile, 4, data, len, SQLITE_STATIC);
    int rc = sqlite3_step(w->tile);
    sqlite3_reset(w->tile);
    return rc == SQLITE_DONE ? 0 : fail(w, "inserting a tile");
}

int mbtiles_writer_meta(mbtiles_writer *w, const char *name, const char *value)
{
    sqlite3_bind_text(w->meta, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->meta, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(w->meta);
    sqlite3_reset(w->meta);
    return rc == SQLITE_DONE ? 0 : fail(w, "inserting metadata");
}

int mbtiles_writer_finish(mbtiles_writer *w)
{
    if (sqlite3_exec(w->db,
                     w->patching ? "COMMIT;"
                                 : "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
                                   "CREATE UNIQUE INDEX name ON metadata (name);"
                                   "COMMIT;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(w, "finishing the MBTiles file");
    w->finished = 1;
    return 0;
}

void mbtiles_writer_free(mbtiles_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->tile);
    sqlite3_finalize(w->meta);
    sqlite3_finalize(w->del);
    if (w->db && !w->finished)
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(w->db);
    free(w);
}
