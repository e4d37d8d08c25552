/* cmd_check.c: cim check KIND ...: the dispatcher over the kinds of checks. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cmd_check_redline(int argc, char **argv);

static const cli_command kinds[] = {
    {"redline", cmd_check_redline, "industrial block-line checks (工业区块线, IBL-01..06)"},
    {"siting", cmd_check_siting, "siting check of a proposed site against control layers (多规合一)"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: cim check KIND STORE [options]\n\nkinds:\n");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        fprintf(to, "  %-8s %s\n", kinds[i].name, kinds[i].summary);
    fprintf(to, "\n'cim check KIND --help' describes a kind.\n");
}

int cmd_check(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(argv[1], kinds[i].name))
            return kinds[i].run(argc - 1, argv + 1);
    return cli_usage_error("check", "unknown kind '%s' (try 'cim check --help')", argv[1]);
}
