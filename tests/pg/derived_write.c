/* derived_write.c: writes a derived layer through cim_derived_* into the
 * store named on the command line (a .cim file or a PostGIS connection
 * string), so test_pg_derived.sh can read the same layer back from both
 * backends with their own tools (psql, sqlite3, ogrinfo).
 *   derived_write STORE LAYER N [replace]
 * N squares of 50 x 50 m on a 100 m grid (12 a row) from (500000, 2500000),
 * with attributes name TEXT, area_m2 REAL, n INTEGER, even BOOLEAN, then one
 * row without geometry or attributes. Exit 0, or 1 with cim's message. */
#include <cim/cim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derived_int.h"
#include "store_int.h"
#include "wkb_int.h"

static void put_u32(uint8_t **p, uint32_t v)
{
    memcpy(*p, &v, 4);
    *p += 4;
}

static void put_xy(uint8_t **p, double x, double y)
{
    memcpy(*p, &x, 8);
    memcpy(*p + 8, &y, 8);
    *p += 16;
}

/* A little-endian ISO WKB polygon: the square with corner (x, y), side d. */
static size_t square(uint8_t out[93], double x, double y, double d)
{
    uint8_t *p = out;
    *p++ = 1;
    put_u32(&p, CIM_WKB_POLYGON);
    put_u32(&p, 1);
    put_u32(&p, 5);
    put_xy(&p, x, y);
    put_xy(&p, x + d, y);
    put_xy(&p, x + d, y + d);
    put_xy(&p, x, y + d);
    put_xy(&p, x, y);
    return (size_t)(p - out);
}

static int fail(const char *what)
{
    fprintf(stderr, "derived_write: %s: %s\n", what, cim_error_last()->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: derived_write STORE LAYER N [replace]\n");
        return 2;
    }
    int n = atoi(argv[3]), replace = argc > 4 && !strcmp(argv[4], "replace");
    cim_init();
    cim_store *s = NULL;
    if (cim_store_open(&s, argv[1], CIM_STORE_READWRITE))
        return fail("open");
    int64_t run = 0;
    int rc = cim_store_begin(s);
    if (!rc)
        rc = cim_run_insert(s, &run, "test", "derived_write", "2026-01-01T00:00:00Z");
    cim_derived_field fields[] = {
        {"name", CIM_FIELD_STRING}, {"area_m2", CIM_FIELD_REAL}, {"n", CIM_FIELD_INTEGER}, {"even", CIM_FIELD_BOOLEAN}};
    cim_derived *d = NULL;
    if (!rc)
        rc = cim_derived_begin(&d, s, argv[2], CIM_WKB_MULTIPOLYGON, fields, 4, replace);
    for (int i = 0; i < n && !rc; i++) {
        uint8_t wkb[93];
        size_t len = square(wkb, 500000 + (i % 12) * 100, 2500000 + (i / 12) * 100, 50);
        char name[32];
        /* Text COPY must escape these: a tab, a backslash, a newline. */
        snprintf(name, sizeof name, i == 5 ? "tab\there \\ and\nline %d" : "block %d", i);
        cim_src_value v[4] = {{.s = name, .slen = strlen(name)}, {.d = 2500.0 + i / 7.0}, {.i = i}, {.i = i % 2 == 0}};
        rc = cim_derived_put(d, wkb, len, v);
    }
    cim_src_value none[4] = {{.is_null = 1}, {.is_null = 1}, {.is_null = 1}, {.is_null = 1}};
    if (!rc)
        rc = cim_derived_put(d, NULL, 0, none);
    if (!rc)
        rc = cim_derived_finish(d, run, "blocks", "{\"from\":\"test\"}");
    if (!rc)
        rc = cim_run_finish(s, run, "{}", NULL);
    if (!rc)
        rc = cim_store_commit(s);
    int status = rc ? fail(argv[2]) : 0;
    if (rc)
        cim_store_rollback(s);
    cim_derived_free(d);
    cim_store_free(s);
    cim_shutdown();
    return status;
}
