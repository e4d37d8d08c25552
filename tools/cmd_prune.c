/* cmd_prune.c: cim prune STORE --changes-before RUN | --keep-runs N */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim prune STORE (--changes-before RUN | --keep-runs N) [--dry-run] [--json] [--quiet]\n"
    "\n"
    "Bounds the store's change record (the boxes each run changed, table\n"
    "cim_changes, which `cim tiles --since` reads to re-render only the tiles a\n"
    "change touches): deletes the records of the runs before a horizon, in one\n"
    "transaction that is itself a run (cim_runs), and records the horizon\n"
    "(cim_meta changes_pruned_before: the first run whose changes are all kept).\n"
    "A horizon only moves forward. Afterwards `cim tiles --since RUN` with a RUN\n"
    "before the horizon is refused (exit 3: rebuild without --since), and\n"
    "`--since archive` on tiles older than the horizon builds them in full and\n"
    "says so, so a nightly job never fails for it nor misses a change.\n"
    "\n"
    "  --changes-before RUN  delete the records of the runs before RUN (a run id of\n"
    "                        cim_runs, at most the latest)\n"
    "  --keep-runs N         keep the records of the N latest runs (cim_runs rows)\n"
    "  --dry-run             count what would be deleted; the store is not written\n"
    "  --json                the counts as JSON on stdout\n"
    "  --quiet               print nothing on success (for cron)\n"
    "\n"
    "Example: cim prune sz.cim --keep-runs 30\n";

int cmd_prune(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"changes-before", required_argument, NULL, 'b'}, {"keep-runs", required_argument, NULL, 'k'},
        {"dry-run", no_argument, NULL, 'n'},              {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},                {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cim_prune_options o = CIM_PRUNE_OPTIONS_INIT;
    int json = 0, c;
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
        case 'k':
            if (cli_parse_int(optarg, 1, INT64_MAX, c == 'b' ? &o.before_run : &o.keep_runs))
                return cli_usage_error("prune", "--%s '%s': a positive %s", c == 'b' ? "changes-before" : "keep-runs",
                                       optarg, c == 'b' ? "run id" : "number of runs");
            break;
        case 'n': o.dry_run = 1; break;
        case 'j': json = 1; break;
        case 'q': mode = CLI_PROGRESS_QUIET; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("prune", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("prune", "give one STORE");
    if ((o.before_run > 0) == (o.keep_runs > 0))
        return cli_usage_error("prune", "give one of --changes-before RUN and --keep-runs N");
    cli_run run;
    int rc = cli_run_begin(&run, "prune", argv[optind], CLI_PROGRESS_QUIET, argc, argv);
    if (rc != CLI_GO_ON)
        return rc;
    cim_prune_stats st;
    o.command_line = run.command_line;
    rc = cim_changes_prune(&st, run.store, &o);
    cli_run_end(&run);
    if (rc)
        return cli_fail("prune", rc);
    if (json)
        printf("{\"dry_run\":%s,\"run\":%lld,\"deleted\":%lld,\"kept\":%lld,\"horizon\":%lld,"
               "\"previous_horizon\":%lld}\n",
               o.dry_run ? "true" : "false", (long long)st.run_id, (long long)st.rows_deleted,
               (long long)st.rows_kept, (long long)st.horizon, (long long)st.previous_horizon);
    else if (mode != CLI_PROGRESS_QUIET && !st.horizon)
        printf("nothing to prune: the store has fewer runs than --keep-runs; %lld change records kept\n",
               (long long)st.rows_kept);
    else if (mode != CLI_PROGRESS_QUIET)
        printf("%s %lld change records of the runs before %lld, %lld kept%s\n",
               o.dry_run ? "would delete" : "deleted", (long long)st.rows_deleted, (long long)st.horizon,
               (long long)st.rows_kept, o.dry_run ? " (dry run: the store is unchanged)" : "");
    return CLI_EXIT_OK;
}
