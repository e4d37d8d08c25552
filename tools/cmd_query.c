/* cmd_query.c: cim query STORE SQL [--format table|csv|json|geojson] */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim query STORE SQL [--format table|csv|json|geojson]\n"
    "\n"
    "Run one read-only SQL statement (SQLite + SpatiaLite functions) on the store.\n"
    "The store is opened read-only and writes, ATTACH and extension loading are\n"
    "refused, so a query cannot change anything. SQL '-' reads the statement\n"
    "from standard input. Geometries print as WKT; --format geojson writes a\n"
    "FeatureCollection in WGS84 with the first geometry column as geometry.\n"
    "\n"
    "Example: cim query sz.cim \"SELECT landuse, round(sum(ST_Area(geom))/1e4, 2) AS ha\n"
    "         FROM parcels GROUP BY landuse ORDER BY ha DESC\"\n";

static char *read_stdin(void)
{
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    size_t got;
    while ((got = fread(s + n, 1, cap - n - 1, stdin)) > 0) {
        n += got;
        if (n + 1 == cap)
            s = realloc(s, cap *= 2);
    }
    s[n] = '\0';
    return s;
}

int cmd_query(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    cim_query_format fmt = CIM_QUERY_TABLE;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "table"))
                fmt = CIM_QUERY_TABLE;
            else if (!strcmp(optarg, "csv"))
                fmt = CIM_QUERY_CSV;
            else if (!strcmp(optarg, "json"))
                fmt = CIM_QUERY_JSON;
            else if (!strcmp(optarg, "geojson"))
                fmt = CIM_QUERY_GEOJSON;
            else
                return cli_usage_error("query", "--format '%s': use table, csv, json or geojson", optarg);
            break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("query", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("query", "give STORE and one SQL statement");
    char *sql = !strcmp(argv[optind + 1], "-") ? read_stdin() : strdup(argv[optind + 1]);
    cim_store *s = NULL;
    int rc = cim_store_open(&s, argv[optind], CIM_STORE_READONLY);
    if (!rc)
        rc = cim_query_write(s, sql, fmt, stdout, NULL);
    cim_store_free(s);
    free(sql);
    return rc ? cli_fail("query", rc) : CLI_EXIT_OK;
}
