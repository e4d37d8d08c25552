/* fixture.h: what the store-level unit tests share: a temporary folder for
 * stores and sources, and one-value queries through cim's read-only API. */
#ifndef CIM_TEST_FIXTURE_H
#define CIM_TEST_FIXTURE_H

#include <cim/cim.h>
#include <stdio.h>
#include <stdlib.h>

static char fixture_dir[64];

/* Makes the folder; prefix names the test ("store", "ingest"...). */
static inline int fixture_open(const char *prefix)
{
    snprintf(fixture_dir, sizeof fixture_dir, "/tmp/cim-test-%s-XXXXXX", prefix);
    return mkdtemp(fixture_dir) ? 0 : -1;
}

/* Removes the folder and everything in it. */
static inline int fixture_close(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fixture_dir);
    return system(cmd);
}

/* A path in the folder; the last four results stay valid. */
static inline char *path_in(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", fixture_dir, name);
    return buf[k];
}

/* The first column of the first row of a read-only query, as a double; -1
 * when the query fails or returns nothing. */
static inline double scalar(cim_store *s, const char *sql)
{
    cim_query *q = NULL;
    double v = -1;
    if (cim_query_prepare(&q, s, sql) == CIM_OK && cim_query_next(q) == CIM_OK)
        v = cim_query_double(q, 0);
    cim_query_free(q);
    return v;
}

#endif
