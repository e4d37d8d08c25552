/* cim.c: the `cim` command: the subcommand table and dispatch. */
#include "cli.h"

#include <cim/cim.h>
#include <stdio.h>
#include <string.h>

static const cli_command commands[] = {
    {"init", cmd_init, "create a store (a SpatiaLite file)"},
    {"ingest", cmd_ingest, "load a GIS layer (any vector format GDAL reads) into the store"},
    {"layers", cmd_layers, "list the store's layers"},
    {"info", cmd_info, "describe one layer: fields, count, extent, CRS, lineage"},
    {"query", cmd_query, "run read-only SQL on the store"},
    {"sample", cmd_sample, "write the built-in sample district's source files"},
    {"aggregate", cmd_aggregate, "dissolve parcels per group (and into contiguous blocks)"},
    {"indicators", cmd_indicators, "building indicators per parcel: FAR, coverage, height, setback, spacing"},
    {"sensors", cmd_sensors, "sensor layers: link to polygons/buildings, summarize, list gaps"},
    {"check", cmd_check, "planning checks: redline (industrial block lines), siting (多规合一)"},
    {"run", cmd_run, "run a pipeline file: the nightly job in one command, unchanged steps skipped"},
    {"report", cmd_report, "reports as HTML with a map, CSV or JSON: land use, checks, indicators, sensors"},
    {"tiles", cmd_tiles, "vector tiles (MVT) of store layers: MBTiles, PMTiles or a directory"},
    {"tiles3d", cmd_tiles3d, "3D buildings (footprint x height) as a 3D Tiles 1.1 tileset of GLB"},
    {"prune", cmd_prune, "bound the change record that tiles --since reads: drop older runs' records"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: cim <command> [options]\n       cim --version\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(to, "\n'cim <command> --help' describes a command. Exit codes: 0 ok, 1 violations found\n"
                "(--strict), 2 usage, 3 bad input data, 4 store or I/O failure, 5 internal error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("cim %s (%s)\n", cim_version(), cim_dependency_versions());
        return CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            cim_init();
            int rc = commands[i].run(argc - 1, argv + 1);
            cim_shutdown();
            return rc;
        }
    }
    fprintf(stderr, "cim: %s: unknown command\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
