/* cmd_init.c: cim init STORE [--srid N] */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>

static const char *const help =
    "usage: cim init STORE [--srid N]\n"
    "\n"
    "Create a new store: a SpatiaLite database in WAL mode with the cim catalogue\n"
    "(cim_meta, cim_layers, cim_runs). Every layer is kept and measured in the\n"
    "store CRS, which must be projected with metre units.\n"
    "\n"
    "  --srid N   EPSG code of the store CRS (default 4547: CGCS2000 / 3-degree\n"
    "             Gauss-Kruger CM 114E, Shenzhen; e.g. 6677 for Tokyo)\n"
    "  --quiet    print nothing on success\n"
    "\n"
    "Example: cim init shenzhen.cim\n";

int cmd_init(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"srid", required_argument, NULL, 's'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    cim_store_create_options opts = CIM_STORE_CREATE_OPTIONS_INIT;
    int quiet = 0, c;
    int64_t v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (cli_parse_int(optarg, 1, 999999, &v))
                return cli_usage_error("init", "--srid '%s': not an EPSG code", optarg);
            opts.srid = (int)v;
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("init", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("init", "give one STORE path");
    const char *path = argv[optind];
    char *cmdline = cli_join_args(argc, argv);
    opts.command_line = cmdline;
    cim_store *s = NULL;
    int rc = cim_store_create(&s, path, &opts);
    free(cmdline);
    if (rc)
        return cli_fail("init", rc);
    if (!quiet)
        printf("created store %s (EPSG:%d)\n", cim_store_path(s), cim_store_srid(s));
    cim_store_free(s);
    return CLI_EXIT_OK;
}
