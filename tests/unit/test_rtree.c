/* test_rtree.c: the STR bulk load of SQLite R*Trees, checked by SQLite itself:
 * rtreecheck() on the structure, window queries against a brute-force scan,
 * and SQLite's own inserts and deletes on the loaded tree. */
#include <sqlite3.h>
#include <stdlib.h>

#include "check.h"
#include "rtree_bulk_int.h"

static uint64_t rng = 88172645463325252u;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

static void load_and_check(size_t n)
{
    sqlite3 *db = NULL;
    sqlite3_open(":memory:", &db);
    sqlite3_exec(db, "CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy);"
                     "CREATE TABLE boxes(id INTEGER PRIMARY KEY, minx, maxx, miny, maxy);",
                 NULL, NULL, NULL);
    cim_rtree_entry *e = calloc(n + 1, sizeof *e);
    sqlite3_stmt *ins = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO boxes VALUES (?1, ?2, ?3, ?4, ?5)", -1, &ins, NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        double x = 490000 + uniform() * 20000, y = 2490000 + uniform() * 20000;
        double mbr[4] = {x, y, x + uniform() * 200, y + uniform() * 200};
        cim_rtree_entry_set(&e[i], (int64_t)i + 1, mbr);
        CHECK(e[i].box[0] <= mbr[0] && e[i].box[1] >= mbr[2] && e[i].box[2] <= mbr[1] && e[i].box[3] >= mbr[3]);
        sqlite3_bind_int64(ins, 1, (int64_t)i + 1);
        sqlite3_bind_double(ins, 2, e[i].box[0]);
        sqlite3_bind_double(ins, 3, e[i].box[1]);
        sqlite3_bind_double(ins, 4, e[i].box[2]);
        sqlite3_bind_double(ins, 5, e[i].box[3]);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    CHECK_MSG(cim_rtree_bulk_load(db, "r", e, n) == 0, "bulk load of %zu", n);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    char buf[512];
    CHECK_STR(text(db, "SELECT rtreecheck('r')", buf, sizeof buf), "ok");
    CHECK_MSG(scalar(db, "SELECT count(*) FROM r") == (int64_t)n, "count %zu", n);
    /* Window queries: the index finds exactly what a scan finds. */
    for (int q = 0; q < 25; q++) {
        double x = 490000 + uniform() * 20000, y = 2490000 + uniform() * 20000, w = uniform() * 3000;
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT count(*) FROM r WHERE minx <= %.3f AND maxx >= %.3f AND miny <= %.3f AND maxy >= %.3f)"
                 " - (SELECT count(*) FROM boxes WHERE minx <= %.3f AND maxx >= %.3f AND miny <= %.3f AND maxy >= %.3f)",
                 x + w, x, y + w, y, x + w, x, y + w, y);
        CHECK_MSG(scalar(db, sql) == 0, "window query %d on %zu boxes", q, n);
    }
    /* SQLite's own algorithms keep working on the packed tree. */
    sqlite3_exec(db, "DELETE FROM r WHERE id % 3 = 0;"
                     "INSERT INTO r VALUES (10000001, 495000, 495010, 2495000, 2495010);",
                 NULL, NULL, NULL);
    CHECK_STR(text(db, "SELECT rtreecheck('r')", buf, sizeof buf), "ok");
    CHECK(scalar(db, "SELECT count(*) FROM r WHERE id = 10000001 AND minx <= 495005 AND maxx >= 495005") == 1);
    free(e);
    sqlite3_close(db);
}

int main(void)
{
    /* One leaf, a full leaf, two levels, three levels (51 cells per node). */
    size_t sizes[] = {0, 1, 50, 51, 52, 2601, 2602, 20000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        load_and_check(sizes[i]);
    return check_report();
}
