/* cmd_check_redline.c: cim check redline STORE --parcels P --lines L [options] */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cmd_check_redline(int argc, char **argv); /* called by cmd_check.c */

static const char *const help =
    "usage: cim check redline STORE --parcels P --lines L [--level-field F | --level 1|2]\n"
    "                         [--landuse-field F] [--proposed-field F] [--rules FILE]\n"
    "                         [--lines-before L0 [--protected E]] [--gfa-layer IND]\n"
    "                         [--out NAME] [--replace] [--threads N] [--json] [--strict] [--quiet]\n"
    "\n"
    "Industrial block-line checks (工业区块线) of parcels against block-line polygons:\n"
    "  IBL-01 inside/outside: share = area(parcel ∩ line) / area(parcel); inside when\n"
    "         share >= inside_share, partial above the sliver tolerance (findings: partial)\n"
    "  IBL-02 forbidden conversion: current M0/M1 and proposed R* or C* (mixed codes such\n"
    "         as R2+C1: the first is dominant) inside a line: error on level 1,\n"
    "         needs_approval on level 2; support uses S, U, G*, GIC*: warning\n"
    "  IBL-03 M0 cap: per line, area(M0) / area(M0 + M1) of the land inside it (parts of\n"
    "         parcels beyond the sliver tolerance, current use) <= the level's cap\n"
    "  IBL-04 industrial floor-area share (with --gfa-layer): per line, GFA of M0/M1\n"
    "         parcels / GFA of all parcels in it >= industrial_gfa_share, each parcel's\n"
    "         GFA (from 'cim indicators') weighted by its share inside the line\n"
    "  IBL-05 area balance (with --lines-before): per level, area added - area removed\n"
    "         >= 0 (info with the figures, else balance_severity); added land on the\n"
    "         --protected polygons (ecological/farmland lines); total after >= target_m2\n"
    "  IBL-06 contiguity: lines within contiguity_gap_m of each other form a block;\n"
    "         blocks under min_block_area_m2 are reported\n"
    "\n"
    "\n";

/* The help is two strings: C17 compilers need not take one over 4095 bytes. */
static const char *const help_options =
    "Writes layer NAME (one row per parcel and line it touches beyond the sliver\n"
    "tolerance: parcel_fid, line_fid, level, inside_share, inside_m2, status,\n"
    "landuse, landuse_plan; geometry = the parcel's part inside the line) and the table\n"
    "NAME_findings (rule, severity, parcel_fid, line_fid, message, figures JSON), in one\n"
    "transaction.\n"
    "\n"
    "  --parcels P          parcel polygon layer\n"
    "  --lines L            block-line polygon layer\n"
    "  --level-field F      the lines' level field, values 1 or 2 (default: level)\n"
    "  --level 1|2          no level field: every line has this level\n"
    "  --landuse-field F    current land-use code on the parcels (default: landuse);\n"
    "                       '-' for none (no IBL-02, IBL-03)\n"
    "  --proposed-field F   proposed land-use code (default: landuse_plan); '-' for\n"
    "                       none (no IBL-02)\n"
    "  --rules FILE         parameters, 'key = value' lines ('#' comments):\n"
    "                         inside_share = 0.5            sliver_area_m2 = 1\n"
    "                         sliver_share = 0.001          partial_severity = info\n"
    "                         conversion_severity_level1 = error\n"
    "                         conversion_severity_level2 = needs_approval\n"
    "                         support_severity = warning\n"
    "                         m0_cap_level1 = 0.1           m0_cap_level2 = 0.3\n"
    "                         m0_cap_severity = error\n"
    "                         contiguity_gap_m = 10         min_block_area_m2 = 100000\n"
    "                         small_block_severity = warning\n"
    "                         balance_severity = error      target_m2 = 270000000\n"
    "                         target_severity = warning     protected_severity = error\n"
    "                         industrial_gfa_share = 0.7    gfa_share_severity = error\n"
    "                       (the M0 caps, gap, minimum block area and target are unverified\n"
    "                       defaults; severities: error, needs_approval, warning, info)\n"
    "  --lines-before L0    IBL-05: the block lines before adjustment (same level field)\n"
    "  --protected E        IBL-05: polygons added land must not overlap\n"
    "  --gfa-layer IND      IBL-04: the result layer of 'cim indicators' on the same\n"
    "                       parcels (gfa_m2 per parcel_fid)\n"
    "  --out NAME           result layer (default: redline_result)\n"
    "  --replace            replace NAME and NAME_findings if they exist\n"
    "  --threads N          worker threads (default: all CPUs); output is the same for any N\n"
    "  --json               print the summary as JSON\n"
    "  --strict             exit 1 when error-severity findings exist\n"
    "  --quiet              print nothing on success\n"
    "\n"
    "Exit codes: 0 ok, 1 errors found (--strict), 2 usage, 3 bad input data,\n"
    "4 store or I/O failure, 5 internal.\n"
    "Example: cim check redline sz.cim --parcels parcels --lines blocklines --strict\n";

enum { OPT_PARCELS = 256, OPT_LINES, OPT_BEFORE, OPT_PROTECTED, OPT_GFA, OPT_LEVEL_FIELD, OPT_LEVEL, OPT_LANDUSE, OPT_PROPOSED, OPT_RULES, OPT_OUT,
       OPT_REPLACE, OPT_THREADS, OPT_JSON, OPT_STRICT, OPT_QUIET };

static const char *const rule_ids[CIM_REDLINE_RULES] = {"IBL-01", "IBL-02", "IBL-03", "IBL-04", "IBL-05", "IBL-06"};

static void print_json(const cim_redline_result *r, const char *store)
{
    printf("{\"store\":");
    cli_json_str(stdout, store);
    printf(",\"run\":%lld,\"layer\":", (long long)r->run_id);
    cli_json_str(stdout, r->out_layer);
    printf(",\"findings_table\":");
    cli_json_str(stdout, r->findings_table);
    printf(",\"parcels\":%lld,\"lines\":%lld,\"parcels_skipped\":%lld,\"rows\":%lld,\"parcels_inside\":%lld,"
           "\"parcels_partial\":%lld,\"slivers\":%lld,\"contained\":%lld,\"intersections\":%lld,\"blocks\":%lld,"
           "\"errors\":%lld,\"threads\":%zu,\"seconds\":%.3f,\"findings\":{",
           (long long)r->parcels, (long long)r->lines, (long long)r->parcels_skipped, (long long)r->rows,
           (long long)r->parcels_inside, (long long)r->parcels_partial, (long long)r->slivers,
           (long long)r->contained, (long long)r->intersections, (long long)r->blocks, (long long)r->errors,
           r->threads, r->seconds);
    int first = 1;
    for (int k = 0; k < CIM_REDLINE_RULES; k++) {
        if ((k == 3 && !r->gfa_run) || (k == 4 && !r->balance_run))
            continue; /* IBL-04 only with --gfa-layer, IBL-05 with --lines-before */
        printf("%s\"%s\":{", first ? "" : ",", rule_ids[k]);
        first = 0;
        for (int s = 0; s < CIM_SEVERITY_COUNT; s++)
            printf("%s\"%s\":%lld", s ? "," : "", cim_severity_name((cim_severity)s), (long long)r->findings[k][s]);
        printf("}");
    }
    printf("}}\n");
}

static void print_text(const cim_redline_result *r)
{
    printf("%s: %lld rows (parcel x line) from %lld parcels and %lld block lines\n", r->out_layer,
           (long long)r->rows, (long long)r->parcels, (long long)r->lines);
    printf("parcels inside a line: %lld, partly inside: %lld; %lld slivers ignored", (long long)r->parcels_inside,
           (long long)r->parcels_partial, (long long)r->slivers);
    if (r->parcels_skipped)
        printf("; %lld parcels without geometry or area skipped", (long long)r->parcels_skipped);
    printf("\ncontiguous blocks (IBL-06): %lld\n", (long long)r->blocks);
    printf("findings (%s):\n", r->findings_table);
    for (int k = 0; k < CIM_REDLINE_RULES; k++) {
        if ((k == 3 && !r->gfa_run) || (k == 4 && !r->balance_run))
            continue;
        printf("  %s", rule_ids[k]);
        for (int s = 0; s < CIM_SEVERITY_COUNT; s++)
            printf("  %s %lld", cim_severity_name((cim_severity)s), (long long)r->findings[k][s]);
        printf("\n");
    }
    printf("%lld error%s, in %.2f s on %zu thread%s (run %lld)\n", (long long)r->errors, r->errors == 1 ? "" : "s",
           r->seconds, r->threads, r->threads == 1 ? "" : "s", (long long)r->run_id);
}

int cmd_check_redline(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"parcels", required_argument, NULL, OPT_PARCELS},
        {"lines", required_argument, NULL, OPT_LINES},
        {"lines-before", required_argument, NULL, OPT_BEFORE},
        {"protected", required_argument, NULL, OPT_PROTECTED},
        {"gfa-layer", required_argument, NULL, OPT_GFA},
        {"level-field", required_argument, NULL, OPT_LEVEL_FIELD},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"landuse-field", required_argument, NULL, OPT_LANDUSE},
        {"proposed-field", required_argument, NULL, OPT_PROPOSED},
        {"rules", required_argument, NULL, OPT_RULES},
        {"out", required_argument, NULL, OPT_OUT},
        {"replace", no_argument, NULL, OPT_REPLACE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"json", no_argument, NULL, OPT_JSON},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cim_redline_options o = CIM_REDLINE_OPTIONS_INIT;
    cim_redline_params prm = CIM_REDLINE_PARAMS_INIT;
    const char *rules = NULL;
    int json = 0, strict = 0, quiet = 0, c, have_level_field = 0;
    int64_t n = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PARCELS: o.parcels = optarg; break;
        case OPT_LINES: o.lines = optarg; break;
        case OPT_BEFORE: o.lines_before = optarg; break;
        case OPT_PROTECTED: o.protected_layer = optarg; break;
        case OPT_GFA: o.gfa_layer = optarg; break;
        case OPT_LEVEL_FIELD: o.level_field = optarg; have_level_field = 1; break;
        case OPT_LEVEL:
            if (cli_parse_int(optarg, 1, 2, &n))
                return cli_usage_error("check redline", "--level: '%s' is not 1 or 2", optarg);
            o.default_level = (int)n;
            o.level_field = "";
            break;
        case OPT_LANDUSE: o.landuse_field = strcmp(optarg, "-") ? optarg : ""; break;
        case OPT_PROPOSED: o.proposed_field = strcmp(optarg, "-") ? optarg : ""; break;
        case OPT_RULES: rules = optarg; break;
        case OPT_OUT: o.out = optarg; break;
        case OPT_REPLACE: o.replace = 1; break;
        case OPT_THREADS:
            if (cli_parse_int(optarg, 1, 1024, &n))
                return cli_usage_error("check redline", "--threads: '%s' is not a number from 1 to 1024", optarg);
            o.threads = (size_t)n;
            break;
        case OPT_JSON: json = 1; break;
        case OPT_STRICT: strict = 1; break;
        case OPT_QUIET: quiet = 1; break;
        case 'h':
            fputs(help, stdout);
            fputs(help_options, stdout);
            return CLI_EXIT_OK;
        default: return cli_usage_error("check redline", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("check redline", "give one STORE");
    if (!o.parcels || !o.lines)
        return cli_usage_error("check redline", "--parcels and --lines are required");
    if (o.protected_layer && !o.lines_before)
        return cli_usage_error("check redline", "--protected needs --lines-before");
    if (have_level_field && o.default_level)
        return cli_usage_error("check redline", "--level-field and --level exclude each other");
    if (o.level_field && !*o.level_field && !o.default_level)
        return cli_usage_error("check redline", "--level-field must name a field");
    if (rules) {
        int rc = cim_redline_params_load(&prm, rules);
        if (rc)
            return cli_fail("check redline", rc);
    }
    o.params = &prm;
    const char *store_path = argv[optind];
    cli_run run;
    int rc = cli_run_begin(&run, "check redline", store_path, CLI_PROGRESS_QUIET, argc, argv);
    if (rc != CLI_GO_ON)
        return rc;
    o.command_line = run.command_line;
    cim_redline_result *r = NULL;
    rc = cim_check_redline(&r, run.store, &o);
    cli_run_end(&run);
    if (rc)
        return cli_fail("check redline", rc);
    if (json)
        print_json(r, store_path);
    else if (!quiet)
        print_text(r);
    int exit_code = strict && r->errors > 0 ? CLI_EXIT_VIOLATIONS : CLI_EXIT_OK;
    cim_redline_result_free(r);
    return exit_code;
}
