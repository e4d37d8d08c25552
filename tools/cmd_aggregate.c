/* cmd_aggregate.c: cim aggregate STORE --layer L --by FIELD[,FIELD] --out NAME [options] */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim aggregate STORE --layer L --by FIELD[,FIELD...] --out NAME\n"
    "                     [--contiguous [--gap METRES]] [--replace] [--threads N]\n"
    "                     [--json] [--quiet | --progress]\n"
    "\n"
    "Dissolve a polygon layer (parcels) per group: the distinct values of the --by\n"
    "fields (NULL is a group of its own). Each group is unioned by cancelling\n"
    "the edges its parcels share (exact on a noded coverage), then with the GEOS\n"
    "coverage union; where both fail or give an invalid result or the wrong area\n"
    "(overlapping parcels, T-junctions) the unary union runs instead, and the\n"
    "fallbacks are counted. With --contiguous each group is split into\n"
    "contiguous blocks (连片): parcels that touch (even at a corner), or with\n"
    "--gap lie within METRES of each other, are one block; a block is the union\n"
    "of its parcels (not buffered).\n"
    "\n"
    "The output layer NAME (MULTIPOLYGON, kind derived, with lineage) has the group\n"
    "fields, block (with --contiguous: 1..n per group, by the block's minimum x,\n"
    "then minimum y), area_m2, area_ha (/10,000), area_mu (亩: x 15 / 10,000) and\n"
    "parcel_count; rows ordered by the group values, then block, the same for any\n"
    "--threads. One transaction: on any error the store is left as it was.\n"
    "Features without geometry are left out and counted.\n"
    "\n"
    "  --layer L        the polygon layer to dissolve\n"
    "  --by FIELDS      group fields, comma-separated\n"
    "  --out NAME       output layer (lowercase a-z, 0-9, _)\n"
    "  --contiguous     one row per contiguous block of each group\n"
    "  --gap METRES     with --contiguous: parcels this close are one block (default 0)\n"
    "  --replace        replace the output layer if it exists\n"
    "  --threads N      worker threads (default: the number of CPUs)\n"
    "  --json           print the summary as JSON\n"
    "  --quiet          print nothing on success (for cron)\n"
    "  --progress       progress as plain lines on stderr (default: a bar on a terminal)\n"
    "\n"
    "Exit codes: 0 ok, 2 usage (also: NAME exists without --replace), 3 bad input\n"
    "data (no such layer or field, not polygons, no polygons), 4 store or I/O\n"
    "failure, 5 internal.\n"
    "Example: cim aggregate sz.cim --layer parcels --by landuse --out landuse_blocks --contiguous --gap 10\n";

enum { OPT_LAYER = 256, OPT_BY, OPT_OUT, OPT_CONTIGUOUS, OPT_GAP, OPT_REPLACE, OPT_THREADS, OPT_JSON, OPT_QUIET,
       OPT_PROGRESS };

static void print_json(const cim_aggregate_result *r, const char *store, const char *layer, const char *out)
{
    printf("{\"store\":");
    cli_json_str(stdout, store);
    printf(",\"layer\":");
    cli_json_str(stdout, layer);
    printf(",\"out\":");
    cli_json_str(stdout, out);
    printf(",\"run\":%lld,\"parcels\":%lld,\"skipped\":%lld,\"groups\":%lld,\"rows\":%lld,\"fallbacks\":%lld,"
           "\"total_area_m2\":%.17g,\"total_area_ha\":%.17g,\"total_area_mu\":%.17g,\"threads\":%zu,"
           "\"seconds\":%.3f}\n",
           (long long)r->run_id, (long long)r->parcels, (long long)r->skipped, (long long)r->groups,
           (long long)r->rows, (long long)r->fallbacks, r->total_area_m2, r->total_area_m2 / 10000.0,
           r->total_area_m2 * 15.0 / 10000.0, r->threads, r->seconds);
}

static void print_text(const cim_aggregate_result *r, const char *layer, const char *out, int contiguous)
{
    printf("%s: %lld parcels of '%s' in %lld groups", out, (long long)r->parcels, layer, (long long)r->groups);
    if (contiguous)
        printf(", %lld blocks", (long long)r->rows);
    printf("\n");
    printf("total area %.2f m2 = %.4f ha = %.4f mu\n", r->total_area_m2, r->total_area_m2 / 10000.0,
           r->total_area_m2 * 15.0 / 10000.0);
    printf("coverage-union fallbacks to unary union: %lld\n", (long long)r->fallbacks);
    if (r->skipped)
        printf("features without geometry left out: %lld\n", (long long)r->skipped);
    printf("in %.2f s on %zu threads (run %lld)\n", r->seconds, r->threads, (long long)r->run_id);
}

/* Splits "a,b" into fields (pointers into the writable copy s). */
static int split_fields(char *s, const char ***out, size_t *n)
{
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    const char **v = calloc(cap, sizeof *v);
    if (!v)
        return -1;
    *n = 0;
    for (char *tok = s, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        if (!*tok) {
            free(v);
            return -1;
        }
        v[(*n)++] = tok;
    }
    *out = v;
    return 0;
}

int cmd_aggregate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"layer", required_argument, NULL, OPT_LAYER},     {"by", required_argument, NULL, OPT_BY},
        {"out", required_argument, NULL, OPT_OUT},         {"contiguous", no_argument, NULL, OPT_CONTIGUOUS},
        {"gap", required_argument, NULL, OPT_GAP},         {"replace", no_argument, NULL, OPT_REPLACE},
        {"threads", required_argument, NULL, OPT_THREADS}, {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, OPT_QUIET},           {"progress", no_argument, NULL, OPT_PROGRESS},
        {"help", no_argument, NULL, 'h'},                  {NULL, 0, NULL, 0}};
    cim_aggregate_options o = CIM_AGGREGATE_OPTIONS_INIT;
    const char *layer = NULL, *out = NULL, *by = NULL, *gap = NULL;
    int json = 0, c;
    cli_progress_mode pmode = CLI_PROGRESS_AUTO;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_LAYER: layer = optarg; break;
        case OPT_BY: by = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_CONTIGUOUS: o.contiguous = 1; break;
        case OPT_GAP: gap = optarg; break;
        case OPT_REPLACE: o.replace = 1; break;
        case OPT_THREADS: {
            int64_t n = 0;
            if (cli_parse_int(optarg, 1, 1024, &n))
                return cli_usage_error("aggregate", "--threads wants a whole number 1..1024, not '%s'", optarg);
            o.threads = (size_t)n;
            break;
        }
        case OPT_JSON: json = 1; break;
        case OPT_QUIET: pmode = CLI_PROGRESS_QUIET; break;
        case OPT_PROGRESS: pmode = CLI_PROGRESS_LINES; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("aggregate", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("aggregate", "give one STORE");
    if (!layer || !by || !out)
        return cli_usage_error("aggregate", "--layer, --by and --out are required");
    if (gap) {
        char *end = NULL;
        o.gap = strtod(gap, &end);
        if (!*gap || *end || !isfinite(o.gap) || o.gap < 0)
            return cli_usage_error("aggregate", "--gap wants a distance >= 0 in metres, not '%s'", gap);
        if (!o.contiguous)
            return cli_usage_error("aggregate", "--gap needs --contiguous");
    }
    char *by_copy = strdup(by);
    const char **fields = NULL;
    if (!by_copy || split_fields(by_copy, &fields, &o.by_count)) {
        free(by_copy);
        return cli_usage_error("aggregate", "--by wants field names separated by commas, not '%s'", by);
    }
    o.by = fields;
    const char *store_path = argv[optind];
    cli_run run;
    int rc = cli_run_begin(&run, "aggregate", store_path, pmode, argc, argv);
    cim_aggregate_result *r = NULL;
    if (rc == CLI_GO_ON) {
        o.progress = cli_progress_cb;
        o.progress_payload = &run.progress;
        o.command_line = run.command_line;
        rc = cim_aggregate(&r, run.store, layer, out, &o);
        cli_run_end(&run);
        rc = rc ? cli_fail("aggregate", rc) : CLI_EXIT_OK;
    }
    free(fields);
    free(by_copy);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (json)
        print_json(r, store_path, layer, out);
    else if (pmode != CLI_PROGRESS_QUIET)
        print_text(r, layer, out, o.contiguous);
    cim_aggregate_result_free(r);
    return CLI_EXIT_OK;
}
