/* cmd_indicators.c: cim indicators STORE --parcels P --buildings B [options] */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim indicators STORE --parcels P --buildings B [--height-field F]\n"
    "                      [--storeys-field F] [--use-field F] [--landuse-field F]\n"
    "                      [--id-field F] [--limits-from sz|plateau|far=F,coverage=F,height=F]\n"
    "                      [--storey-heights R,O,I,OTHER] [--out NAME] [--replace]\n"
    "                      [--threads N] [--json] [--strict] [--quiet | --progress]\n"
    "\n"
    "Building indicators per parcel (规划设计要点), written as a derived layer with the\n"
    "parcels' geometry, in one transaction (on any error the store is left as it was):\n"
    "  far            容积率: sum of floor area / parcel area. Each footprint is clipped to\n"
    "                 the parcel; its floor area (floors x clipped area) counts there\n"
    "  coverage       建筑覆盖率: area(union of footprints, clipped) / parcel area\n"
    "  max_height_m   the tallest building in the parcel\n"
    "  min_setback_m  least distance from a footprint (its part inside) to the parcel edge\n"
    "  min_spacing_m  least distance between two buildings (NULL with fewer than 2)\n"
    "  building_count, gfa_m2, skipped_buildings, the limits and far_ok, coverage_ok,\n"
    "  height_ok (NULL without a limit), parcel_fid and the parcel id field.\n"
    "Floors: the storey field when set, else max(1, round(height / storey height)),\n"
    "storey height 3.0 m residential, 3.9 m office/commercial/public, 5.0 m industrial,\n"
    "3.0 m otherwise; the use comes from the building's use field (residential, office,\n"
    "industrial..., PLATEAU usage codes) else the parcel's land-use code (R* residential,\n"
    "C* and GIC* office, M* and W* industrial). A building with neither a height nor a\n"
    "storey count has no floor area: it is skipped from FAR and counted (it still counts\n"
    "in coverage, setback and spacing). Values -9999 and 9999 mean unknown.\n"
    "\n"
    "  --parcels P          parcel polygons (required)\n"
    "  --buildings B        building footprint polygons (required)\n"
    "  --height-field F     building height in m (default: height_m, height, measuredHeight)\n"
    "  --storeys-field F    storeys above ground (default: storeys, floors, storeysAboveGround)\n"
    "  --use-field F        building use (default: use, usage)\n"
    "  --landuse-field F    parcel land-use code (default: landuse)\n"
    "  --id-field F         parcel id copied to the output (default: parcel_id)\n"
    "  --limits-from SRC    sz: far_limit, height_limit_m (and coverage_limit if present);\n"
    "                       plateau: floorAreaRate, buildingCoverageRate;\n"
    "                       or far=F,coverage=F,height=F (any of them). FAR and coverage\n"
    "                       limits are percents when any FAR limit in the layer is > 20\n"
    "                       or any coverage limit is > 1 (PLATEAU: 200 = 2.0, 60 = 0.6)\n"
    "  --storey-heights R,O,I,OTHER  storey heights in m (default 3.0,3.9,5.0,3.0)\n"
    "  --out NAME           output layer (default: indicators)\n"
    "  --replace            replace the output layer if it exists\n"
    "  --threads N          worker threads (default: all CPUs); the result is the same\n"
    "  --json               print the summary as JSON\n"
    "  --strict             exit 1 when a parcel exceeds a limit\n"
    "  --quiet              print nothing on success (for cron)\n"
    "  --progress           progress as plain lines on stderr\n"
    "\n"
    "Exit codes: 0 ok, 1 limits exceeded (--strict), 2 usage, 3 bad input data,\n"
    "4 store or I/O failure, 5 internal.\n"
    "Example: cim indicators sz.cim --parcels parcels --buildings buildings --limits-from sz\n";

enum { OPT_PARCELS = 256, OPT_BUILDINGS, OPT_HEIGHT, OPT_STOREYS, OPT_USE, OPT_LANDUSE, OPT_ID, OPT_LIMITS,
       OPT_STOREY_HEIGHTS, OPT_OUT, OPT_REPLACE, OPT_THREADS, OPT_JSON, OPT_STRICT, OPT_QUIET, OPT_PROGRESS };

/* far=F,coverage=F,height=F into the options; the strings point into buf. */
static int parse_limit_fields(char *buf, cim_indicators_options *o)
{
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || !eq[1])
            return -1;
        *eq = 0;
        if (!strcmp(tok, "far"))
            o->far_field = eq + 1;
        else if (!strcmp(tok, "coverage"))
            o->coverage_field = eq + 1;
        else if (!strcmp(tok, "height"))
            o->height_limit_field = eq + 1;
        else
            return -1;
    }
    return o->far_field || o->coverage_field || o->height_limit_field ? 0 : -1;
}

static int parse_storey_heights(const char *s, cim_storey_heights *sh)
{
    double v[4];
    char *end = NULL;
    for (int i = 0; i < 4; i++) {
        v[i] = strtod(s, &end);
        if (end == s || !(v[i] > 0) || v[i] > 100)
            return -1;
        if (i < 3 && *end != ',')
            return -1;
        s = end + 1;
    }
    if (*end)
        return -1;
    *sh = (cim_storey_heights){v[0], v[1], v[2], v[3]};
    return 0;
}

static void print_json(const cim_indicators_result *r, const char *store)
{
    printf("{\"store\":");
    cli_json_str(stdout, store);
    printf(",\"layer\":");
    cli_json_str(stdout, r->out_layer);
    printf(",\"run\":%lld,\"seconds\":%.3f,\"parcels\":%lld,\"parcels_without_geometry\":%lld,"
           "\"buildings\":%lld,\"buildings_without_geometry\":%lld,\"skipped_buildings\":%lld,"
           "\"buildings_outside_parcels\":%lld,\"buildings_over_height\":%lld,"
           "\"far\":{\"checked\":%lld,\"violations\":%lld,\"limits_in_percent\":%s},"
           "\"coverage\":{\"checked\":%lld,\"violations\":%lld,\"limits_in_percent\":%s},"
           "\"height\":{\"checked\":%lld,\"violations\":%lld},\"parcels_with_violations\":%lld}\n",
           (long long)r->run_id, r->seconds, (long long)r->parcels, (long long)r->parcels_without_geometry,
           (long long)r->buildings, (long long)r->buildings_without_geometry, (long long)r->buildings_skipped,
           (long long)r->buildings_outside, (long long)r->buildings_over_height, (long long)r->far_checked,
           (long long)r->far_violations, r->far_percent ? "true" : "false", (long long)r->coverage_checked,
           (long long)r->coverage_violations, r->coverage_percent ? "true" : "false", (long long)r->height_checked,
           (long long)r->height_violations, (long long)r->parcels_with_violations);
}

static void print_check(const char *what, int64_t checked, int64_t violations, const char *note)
{
    if (!checked)
        printf("  %-9s no limit\n", what);
    else
        printf("  %-9s %lld of %lld parcels over their limit%s\n", what, (long long)violations, (long long)checked,
               note);
}

static void print_text(const cim_indicators_result *r)
{
    printf("indicators: %lld parcels -> layer '%s' in %.2f s (run %lld)\n", (long long)r->parcels, r->out_layer,
           r->seconds, (long long)r->run_id);
    printf("  buildings %lld: %lld skipped (neither height nor storeys: no floor area), %lld outside every parcel\n",
           (long long)r->buildings, (long long)r->buildings_skipped, (long long)r->buildings_outside);
    if (r->parcels_without_geometry || r->buildings_without_geometry)
        printf("  without geometry: %lld parcels, %lld buildings (left out)\n", (long long)r->parcels_without_geometry,
               (long long)r->buildings_without_geometry);
    print_check("FAR", r->far_checked, r->far_violations, r->far_percent ? " (limits read as percents)" : "");
    print_check("coverage", r->coverage_checked, r->coverage_violations,
                r->coverage_percent ? " (limits read as percents)" : "");
    char note[96] = "";
    if (r->height_checked)
        snprintf(note, sizeof note, " (%lld buildings)", (long long)r->buildings_over_height);
    print_check("height", r->height_checked, r->height_violations, note);
    printf("  parcels with a violation: %lld\n", (long long)r->parcels_with_violations);
}

int cmd_indicators(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"parcels", required_argument, NULL, OPT_PARCELS},
        {"buildings", required_argument, NULL, OPT_BUILDINGS},
        {"height-field", required_argument, NULL, OPT_HEIGHT},
        {"storeys-field", required_argument, NULL, OPT_STOREYS},
        {"use-field", required_argument, NULL, OPT_USE},
        {"landuse-field", required_argument, NULL, OPT_LANDUSE},
        {"id-field", required_argument, NULL, OPT_ID},
        {"limits-from", required_argument, NULL, OPT_LIMITS},
        {"storey-heights", required_argument, NULL, OPT_STOREY_HEIGHTS},
        {"out", required_argument, NULL, OPT_OUT},
        {"replace", no_argument, NULL, OPT_REPLACE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"json", no_argument, NULL, OPT_JSON},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cim_indicators_options o = CIM_INDICATORS_OPTIONS_INIT;
    int json = 0, strict = 0, c;
    cli_progress_mode pmode = CLI_PROGRESS_AUTO;
    char limits_buf[512];
    int64_t threads = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PARCELS: o.parcels = optarg; break;
        case OPT_BUILDINGS: o.buildings = optarg; break;
        case OPT_HEIGHT: o.height_field = optarg; break;
        case OPT_STOREYS: o.storeys_field = optarg; break;
        case OPT_USE: o.use_field = optarg; break;
        case OPT_LANDUSE: o.landuse_field = optarg; break;
        case OPT_ID: o.id_field = optarg; break;
        case OPT_LIMITS:
            if (!strcmp(optarg, "sz")) {
                o.limits = CIM_LIMITS_SZ;
            } else if (!strcmp(optarg, "plateau")) {
                o.limits = CIM_LIMITS_PLATEAU;
            } else {
                o.limits = CIM_LIMITS_FIELDS;
                o.far_field = o.coverage_field = o.height_limit_field = NULL;
                if (strlen(optarg) >= sizeof limits_buf)
                    return cli_usage_error("indicators", "--limits-from is too long");
                memcpy(limits_buf, optarg, strlen(optarg) + 1);
                if (parse_limit_fields(limits_buf, &o))
                    return cli_usage_error("indicators",
                                           "--limits-from takes sz, plateau or far=F,coverage=F,height=F, not '%s'",
                                           optarg);
            }
            break;
        case OPT_STOREY_HEIGHTS:
            if (parse_storey_heights(optarg, &o.storey))
                return cli_usage_error("indicators", "--storey-heights takes four positive metres R,O,I,OTHER");
            break;
        case OPT_OUT: o.out = optarg; break;
        case OPT_REPLACE: o.replace = 1; break;
        case OPT_THREADS:
            if (cli_parse_int(optarg, 1, 1024, &threads))
                return cli_usage_error("indicators", "--threads takes a number from 1 to 1024");
            o.threads = (size_t)threads;
            break;
        case OPT_JSON: json = 1; break;
        case OPT_STRICT: strict = 1; break;
        case OPT_QUIET: pmode = CLI_PROGRESS_QUIET; break;
        case OPT_PROGRESS: pmode = CLI_PROGRESS_LINES; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("indicators", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("indicators", "give one STORE");
    if (!o.parcels || !o.buildings)
        return cli_usage_error("indicators", "give --parcels and --buildings");
    const char *store_path = argv[optind];
    cli_run run;
    int rc = cli_run_begin(&run, "indicators", store_path, pmode, argc, argv);
    if (rc != CLI_GO_ON)
        return rc;
    o.progress = cli_progress_cb;
    o.progress_payload = &run.progress;
    o.command_line = run.command_line;
    cim_indicators_result *r = NULL;
    rc = cim_indicators(&r, run.store, &o);
    cli_run_end(&run);
    if (rc)
        return cli_fail("indicators", rc);
    if (json)
        print_json(r, store_path);
    else if (pmode != CLI_PROGRESS_QUIET)
        print_text(r);
    int violations = r->parcels_with_violations > 0;
    cim_indicators_result_free(r);
    return strict && violations ? CLI_EXIT_VIOLATIONS : CLI_EXIT_OK;
}
