/* cmd_check_siting.c: cim check siting STORE (--site FILE | --site-layer L)
 * --control LAYER:RULE[:SEVERITY] ... [options] */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim check siting STORE (--site FILE [--s-srs CRS] | --site-layer L [--where SQL])\n"
    "                        --control LAYER:RULE[:SEVERITY] [--control ...]\n"
    "                        [--tolerance M2] [--tolerance-pct P] [--out NAME] [--replace]\n"
    "                        [--threads N] [--json] [--strict] [--quiet]\n"
    "\n"
    "Siting check (多规合一 / 统一空间核查): a proposed site overlaid on control layers\n"
    "(生态保护红线, 基本生态控制线, 永久基本农田, 城镇开发边界, 蓝/绿/紫/黄/橙线,\n"
    "工业区块线 ...). Per control layer: the overlap area(site ∩ union of the layer's\n"
    "features) in m² and in % of the site, the features hit (fid and identifying\n"
    "attributes), the rule and severity, and the layer's data version (cim_layers\n"
    "version, source SHA-256, ingested_at). The verdict is the worst severity among\n"
    "the layers in conflict: 符合 / 有条件符合 / 不符合.\n"
    "\n"
    "  --site FILE        the site: every polygon of a vector file (any format GDAL\n"
    "                     reads), unioned, reprojected to the store CRS\n"
    "  --s-srs CRS        the site file's CRS when it declares none (or a wrong one):\n"
    "                     EPSG:n, WKT, a PROJ string, gcj02, bd09, helmert2d:...\n"
    "  --site-layer L     the site: polygons of a store layer, unioned\n"
    "  --where SQL        with --site-layer: an SQL filter, e.g. \"parcel_id = 'P-0012'\"\n"
    "  --control LAYER:RULE[:SEVERITY]\n"
    "                     a polygon layer of the store and its rule (repeat for each):\n"
    "                       forbidden          no building on it       default fail\n"
    "                       restricted         allowed on conditions   default conditional\n"
    "                       needs_approval     needs a further consent default conditional\n"
    "                       info               reported only           default none\n"
    "                       outside_forbidden  the part of the site OUTSIDE the layer is\n"
    "                                          the conflict (城镇开发边界) default fail\n"
    "                     SEVERITY overrides the default: fail (不符合), conditional\n"
    "                     (有条件符合) or none (符合); the Chinese words work too\n"
    "  --tolerance M2     sliver tolerance in m² (default 1)\n"
    "  --tolerance-pct P  and in % of the site area (default 0.1): an overlap counts\n"
    "                     only when it reaches both; smaller ones are listed as\n"
    "                     slivers and do not affect the verdict\n"
    "  --out NAME         write the conflict pieces as derived layer NAME: one row per\n"
    "                     control layer with a non-empty piece (layer, rule, severity,\n"
    "                     part overlap|outside, conflict, area_m2, pct, features,\n"
    "                     geometry), with a cim_runs row. Without --out the store is\n"
    "                     only read\n"
    "  --replace          replace NAME if it exists\n"
    "  --threads N        worker threads (default: all CPUs); the answer is the same\n"
    "  --json             print the report as JSON (see cim(1))\n"
    "  --strict           exit 1 when the verdict is 不符合\n"
    "  --quiet            print nothing on success\n"
    "\n"
    "Exit codes: 0 ok, 1 不符合 (--strict), 2 usage, 3 bad input data (missing site or\n"
    "layer, site not polygons or without CRS, control layer not polygons or empty),\n"
    "4 store or I/O failure, 5 internal.\n"
    "Example: cim check siting sz.cim --site site.geojson --control eco_line:forbidden\n"
    "         --control blocklines:restricted --control parcels:info --strict\n";

enum { OPT_SITE = 256, OPT_S_SRS, OPT_SITE_LAYER, OPT_WHERE, OPT_CONTROL, OPT_TOL, OPT_TOL_PCT, OPT_OUT,
       OPT_REPLACE, OPT_THREADS, OPT_JSON, OPT_STRICT, OPT_QUIET };

#define MAX_CONTROLS 64
#define TEXT_FEATURES 10

static void json_num(double v)
{
    if (isfinite(v))
        printf("%.17g", v);
    else
        printf("null");
}

static void print_json(const cim_siting_result *r, const char *store)
{
    printf("{\"store\":");
    cli_json_str(stdout, store);
    printf(",\"site\":{\"source\":");
    cli_json_str(stdout, r->site);
    printf(",\"features\":%zu,\"area_m2\":", r->site_features);
    json_num(r->site_area_m2);
    printf(",\"extent\":[%.17g,%.17g,%.17g,%.17g]},\"tolerance\":{\"m2\":", r->site_extent[0], r->site_extent[1],
           r->site_extent[2], r->site_extent[3]);
    json_num(r->tolerance_m2);
    printf(",\"pct\":");
    json_num(r->tolerance_pct);
    printf(",\"threshold_m2\":");
    json_num(r->threshold_m2);
    printf("},\"verdict\":\"%s\",\"verdict_severity\":\"%s\",\"layers\":[", cim_siting_verdict_name(r->verdict),
           cim_siting_severity_name(r->verdict));
    for (size_t i = 0; i < r->layer_count; i++) {
        const cim_siting_layer_result *l = &r->layers[i];
        printf("%s{\"layer\":", i ? "," : "");
        cli_json_str(stdout, l->layer);
        printf(",\"rule\":\"%s\",\"severity\":\"%s\",\"intersects\":%s,\"overlap_m2\":",
               cim_siting_rule_name(l->rule), cim_siting_severity_name(l->severity), l->intersects ? "true" : "false");
        json_num(l->overlap_m2);
        printf(",\"overlap_pct\":");
        json_num(l->overlap_pct);
        printf(",\"conflict\":%s,\"conflict_part\":\"%s\",\"conflict_m2\":", l->conflict ? "true" : "false",
               l->rule == CIM_SITING_OUTSIDE_FORBIDDEN ? "outside" : "overlap");
        json_num(l->conflict_m2);
        printf(",\"conflict_pct\":");
        json_num(l->conflict_pct);
        printf(",\"effect\":\"%s\",\"effect_verdict\":\"%s\",\"hits\":%zu,\"slivers\":%zu,\"features\":[",
               cim_siting_severity_name(l->effect), cim_siting_verdict_name(l->effect), l->hit_count,
               l->sliver_count);
        for (size_t k = 0; k < l->feature_count; k++) {
            const cim_siting_feature *f = &l->features[k];
            printf("%s{\"fid\":%lld,\"area_m2\":", k ? "," : "", (long long)f->fid);
            json_num(f->area_m2);
            printf(",\"pct\":");
            json_num(f->pct);
            printf(",\"sliver\":%s,\"attributes\":{", f->sliver ? "true" : "false");
            for (size_t a = 0; a < l->attr_count; a++) {
                printf("%s", a ? "," : "");
                cli_json_str(stdout, l->attr_names[a]);
                printf(":");
                cli_json_str(stdout, f->values ? f->values[a] : NULL);
            }
            printf("}}");
        }
        printf("],\"data_version\":{\"version\":%lld,\"source\":", (long long)l->layer_version);
        cli_json_str(stdout, l->source);
        printf(",\"source_sha256\":");
        cli_json_str(stdout, l->source_sha256);
        printf(",\"ingested_at\":");
        cli_json_str(stdout, l->ingested_at);
        printf(",\"features\":%lld}}", (long long)l->layer_features);
    }
    printf("],\"out\":");
    if (r->out_layer) {
        printf("{\"layer\":");
        cli_json_str(stdout, r->out_layer);
        printf(",\"rows\":%zu,\"run\":%lld}", r->out_rows, (long long)r->run_id);
    } else {
        printf("null");
    }
    printf(",\"seconds\":%.3f}\n", r->seconds);
}

static void print_text(const cim_siting_result *r)
{
    printf("site: %s (%zu feature%s), area %.2f m² (%.4f ha)\n", r->site, r->site_features,
           r->site_features == 1 ? "" : "s", r->site_area_m2, r->site_area_m2 / 10000.0);
    printf("tolerance: overlaps under %.2f m² are slivers (max of %g m² and %g %% of the site)\n\n",
           r->threshold_m2, r->tolerance_m2, r->tolerance_pct);
    /* "conflict m²": ² is two bytes in one column. */
    printf("%-20s %-17s %-11s %15s %8s %5s %7s  %s\n", "layer", "rule", "severity", "conflict m²", "% site", "hits",
           "slivers", "result");
    for (size_t i = 0; i < r->layer_count; i++) {
        const cim_siting_layer_result *l = &r->layers[i];
        char what[64];
        if (l->conflict && l->effect != CIM_SITING_NONE)
            snprintf(what, sizeof what, "%s", cim_siting_verdict_name(l->effect));
        else if (l->conflict)
            snprintf(what, sizeof what, "%s", l->rule == CIM_SITING_OUTSIDE_FORBIDDEN ? "partly outside (info)"
                                                                                    : "overlaps (info)");
        else
            snprintf(what, sizeof what, "%s", l->rule == CIM_SITING_OUTSIDE_FORBIDDEN ? "inside" : "no overlap");
        printf("%-20s %-17s %-11s %14.2f %8.2f %5zu %7zu  %s\n", l->layer, cim_siting_rule_name(l->rule),
               cim_siting_severity_name(l->severity), l->conflict_m2, l->conflict_pct, l->hit_count, l->sliver_count,
               what);
        if (l->rule == CIM_SITING_OUTSIDE_FORBIDDEN)
            printf("%-20s (conflict = the part of the site outside the layer; inside: %.2f m², %.2f %%)\n", "",
                   l->overlap_m2, l->overlap_pct);
    }
    for (size_t i = 0; i < r->layer_count; i++) {
        const cim_siting_layer_result *l = &r->layers[i];
        printf("\n%s: data version %lld, %lld features, sha256 %.12s, ingested %s\n", l->layer,
               (long long)l->layer_version, (long long)l->layer_features,
               l->source_sha256 ? l->source_sha256 : "-", l->ingested_at ? l->ingested_at : "-");
        for (size_t k = 0; k < l->feature_count && k < TEXT_FEATURES; k++) {
            const cim_siting_feature *f = &l->features[k];
            printf("  fid %lld%s: %.2f m², %.2f %%", (long long)f->fid, f->sliver ? " (sliver)" : "", f->area_m2,
                   f->pct);
            for (size_t a = 0; a < l->attr_count; a++)
                printf("%s%s=%s", a ? ", " : "  ", l->attr_names[a], f->values && f->values[a] ? f->values[a] : "");
            printf("\n");
        }
        if (l->feature_count > TEXT_FEATURES)
            printf("  ... and %zu more features (all in --json)\n", l->feature_count - TEXT_FEATURES);
        if (l->feature_count == 0)
            printf("  no feature touches the site\n");
    }
    printf("\nverdict: %s (%s; the worst severity wins)\n", cim_siting_verdict_name(r->verdict),
           cim_siting_severity_name(r->verdict));
    if (r->out_layer)
        printf("conflict pieces: layer %s (%zu rows, run %lld)\n", r->out_layer, r->out_rows, (long long)r->run_id);
}

static int parse_nonneg(const char *s, double *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

int cmd_check_siting(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, OPT_SITE},       {"s-srs", required_argument, NULL, OPT_S_SRS},
        {"site-layer", required_argument, NULL, OPT_SITE_LAYER}, {"where", required_argument, NULL, OPT_WHERE},
        {"control", required_argument, NULL, OPT_CONTROL}, {"tolerance", required_argument, NULL, OPT_TOL},
        {"tolerance-pct", required_argument, NULL, OPT_TOL_PCT}, {"out", required_argument, NULL, OPT_OUT},
        {"replace", no_argument, NULL, OPT_REPLACE},       {"threads", required_argument, NULL, OPT_THREADS},
        {"json", no_argument, NULL, OPT_JSON},             {"strict", no_argument, NULL, OPT_STRICT},
        {"quiet", no_argument, NULL, OPT_QUIET},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static const char *const cmd = "check siting";
    cim_siting_options o = CIM_SITING_OPTIONS_INIT;
    cim_siting_control controls[MAX_CONTROLS];
    char *bufs[MAX_CONTROLS];
    size_t ncontrols = 0;
    int json = 0, strict = 0, quiet = 0, c, rc = CLI_GO_ON;
    int64_t threads = 0;
    opterr = 0;
    while (rc == CLI_GO_ON && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SITE: o.site_file = optarg; break;
        case OPT_S_SRS: o.site_srs = optarg; break;
        case OPT_SITE_LAYER: o.site_layer = optarg; break;
        case OPT_WHERE: o.site_where = optarg; break;
        case OPT_CONTROL:
            if (ncontrols == MAX_CONTROLS) {
                rc = cli_usage_error(cmd, "at most %d control layers", MAX_CONTROLS);
                break;
            }
            bufs[ncontrols] = malloc(strlen(optarg) + 1);
            if (cim_siting_control_parse(&controls[ncontrols], bufs[ncontrols], strlen(optarg) + 1, optarg)) {
                free(bufs[ncontrols]);
                rc = cli_usage_error(cmd, "%s", cim_error_last()->message);
                break;
            }
            ncontrols++;
            break;
        case OPT_TOL:
            if (parse_nonneg(optarg, &o.tolerance_m2))
                rc = cli_usage_error(cmd, "--tolerance '%s': give square metres (a number >= 0)", optarg);
            break;
        case OPT_TOL_PCT:
            if (parse_nonneg(optarg, &o.tolerance_pct) || o.tolerance_pct > 100)
                rc = cli_usage_error(cmd, "--tolerance-pct '%s': give a percentage 0..100", optarg);
            break;
        case OPT_OUT: o.out = optarg; break;
        case OPT_REPLACE: o.replace = 1; break;
        case OPT_THREADS:
            if (cli_parse_int(optarg, 1, 1024, &threads))
                rc = cli_usage_error(cmd, "--threads '%s': give 1..1024", optarg);
            break;
        case OPT_JSON: json = 1; break;
        case OPT_STRICT: strict = 1; break;
        case OPT_QUIET: quiet = 1; break;
        case 'h': fputs(help, stdout); rc = CLI_EXIT_OK; break;
        default: rc = cli_usage_error(cmd, "bad option '%s'", argv[optind - 1]); break;
        }
    }
    if (rc == CLI_GO_ON) {
        if (argc - optind != 1)
            rc = cli_usage_error(cmd, "give STORE");
        else if (!o.site_file == !o.site_layer)
            rc = cli_usage_error(cmd, "give the site with --site FILE or --site-layer L (one of them)");
        else if (o.site_where && !o.site_layer)
            rc = cli_usage_error(cmd, "--where filters --site-layer");
        else if (o.site_srs && !o.site_file)
            rc = cli_usage_error(cmd, "--s-srs is the CRS of --site FILE");
        else if (ncontrols == 0)
            rc = cli_usage_error(cmd, "give at least one --control LAYER:RULE[:SEVERITY]");
        else if (o.replace && !o.out)
            rc = cli_usage_error(cmd, "--replace goes with --out NAME");
    }
    if (rc != CLI_GO_ON) {
        for (size_t i = 0; i < ncontrols; i++)
            free(bufs[i]);
        return rc;
    }
    o.controls = controls;
    o.control_count = ncontrols;
    o.threads = (size_t)threads;
    char *cmdline = cli_join_args(argc, argv);
    o.command_line = cmdline;
    const char *store_path = argv[optind];
    cim_store *s = NULL;
    cim_siting_result *r = NULL;
    rc = cim_store_open(&s, store_path, o.out ? CIM_STORE_READWRITE : CIM_STORE_READONLY);
    if (!rc)
        rc = cim_siting_check(&r, s, &o);
    int exit_code = rc ? cli_fail(cmd, rc) : CLI_EXIT_OK;
    cim_store_free(s);
    free(cmdline);
    for (size_t i = 0; i < ncontrols; i++)
        free(bufs[i]);
    if (rc)
        return exit_code;
    if (json)
        print_json(r, store_path);
    else if (!quiet)
        print_text(r);
    if (strict && r->verdict == CIM_SITING_FAIL)
        exit_code = CLI_EXIT_VIOLATIONS;
    cim_siting_result_free(r);
    return exit_code;
}
