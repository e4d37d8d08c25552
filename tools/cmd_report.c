/* cmd_report.c: cim report STORE --kind K --layer L [...] -o FILE */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim report STORE --kind landuse|redline|siting|indicators|sensors --layer L\n"
    "                  [--field F] [--by LAYER] [--by-field F] [--title T] [--map-width PX]\n"
    "                  -o FILE.html|FILE.csv|FILE.json [--json] [--quiet]\n"
    "\n"
    "Writes a report; the form follows the file name: HTML (one self-contained page with\n"
    "a map, legend, scale bar and north arrow, summary figures, then tables; no network,\n"
    "printable), CSV (the main table, UTF-8 with BOM, for Excel) or JSON (the whole report,\n"
    "schema doc/report.schema.json). The three forms carry the same figures. The store is\n"
    "only read.\n"
    "  landuse     area per land-use class of --layer (m², ha, 亩, share) per polygon of\n"
    "              --by (district, street), industrial land (M0, M1) called out. Without a\n"
    "              land-use field, areas and counts per polygon. Areas are planar in the\n"
    "              store CRS; rounding: m² 2 decimals, ha 4, 亩 2, shares 4.\n"
    "  redline     a `cim check redline` result layer (--layer, with its _findings table)\n"
    "  siting      a `cim check siting` result layer\n"
    "  indicators  a `cim indicators` result layer\n"
    "  sensors     a sensor group (--layer NAME of `cim ingest --kind sensor`): gaps (days\n"
    "              without a reading, UTC) then daily summaries, sensors on the map; or a\n"
    "              `cim sensors summarize --out` table\n"
    "Findings come first, worst severity first.\n"
    "\n"
    "  --kind K        the report (required)\n"
    "  --layer L       landuse: the land-use polygons; otherwise the result layer (required)\n"
    "  --field F       landuse: the class field (default: landuse if present)\n"
    "  --by LAYER      landuse: the polygons to report per (required for landuse)\n"
    "  --by-field F    landuse: names the --by polygons (default: their first text field)\n"
    "  --title T       the page title\n"
    "  --map-width PX  the map's width in pixels (default 900)\n"
    "  -o, --output F  the file to write (replaced when the report is complete)\n"
    "  --json          print a summary of what was written as JSON\n"
    "  --quiet         print nothing on success\n"
    "\n"
    "Exit codes: 0 ok, 2 usage (unknown kind, bad option), 3 bad input (a missing layer or\n"
    "field, a layer of the wrong kind), 4 store or I/O failure (the output cannot be written).\n"
    "Example: cim report sz.cim --kind landuse --layer parcels --by districts -o landuse.html\n";

enum { OPT_KIND = 256, OPT_LAYER, OPT_FIELD, OPT_BY, OPT_BY_FIELD, OPT_TITLE, OPT_MAP_WIDTH, OPT_JSON, OPT_QUIET };

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"kind", required_argument, NULL, OPT_KIND},
        {"layer", required_argument, NULL, OPT_LAYER},
        {"field", required_argument, NULL, OPT_FIELD},
        {"by", required_argument, NULL, OPT_BY},
        {"by-field", required_argument, NULL, OPT_BY_FIELD},
        {"title", required_argument, NULL, OPT_TITLE},
        {"map-width", required_argument, NULL, OPT_MAP_WIDTH},
        {"output", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cim_report_options o = CIM_REPORT_OPTIONS_INIT;
    const char *kind = NULL, *output = NULL;
    int json = 0, quiet = 0, c;
    int64_t width = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_KIND: kind = optarg; break;
        case OPT_LAYER: o.layer = optarg; break;
        case OPT_FIELD: o.field = optarg; break;
        case OPT_BY: o.by = optarg; break;
        case OPT_BY_FIELD: o.by_field = optarg; break;
        case OPT_TITLE: o.title = optarg; break;
        case OPT_MAP_WIDTH:
            if (cli_parse_int(optarg, 200, 4000, &width))
                return cli_usage_error("report", "--map-width takes pixels from 200 to 4000");
            o.map_width = (int)width;
            break;
        case 'o': output = optarg; break;
        case OPT_JSON: json = 1; break;
        case OPT_QUIET: quiet = 1; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("report", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("report", "give one STORE");
    if (!kind)
        return cli_usage_error("report", "give --kind landuse|redline|siting|indicators|sensors");
    if (cim_report_kind_parse(&o.kind, kind))
        return cli_usage_error("report", "unknown kind '%s': use landuse, redline, siting, indicators or sensors",
                               kind);
    if (!output)
        return cli_usage_error("report", "give the output file (-o FILE.html, .csv or .json)");
    if (cim_report_format_from_path(&o.format, output))
        return cli_usage_error("report", "cannot tell the form from '%s': name it .html, .csv or .json", output);
    if (!o.layer)
        return cli_usage_error("report", "give --layer");
    if (o.kind == CIM_REPORT_LANDUSE && !o.by)
        return cli_usage_error("report", "a landuse report needs --by LAYER (the polygons to report per)");
    cim_store *s = NULL;
    int rc = cim_store_open(&s, argv[optind], CIM_STORE_READONLY);
    if (rc)
        return cli_fail(argv[optind], rc);
    cim_report_result *r = NULL;
    rc = cim_report_write(&r, s, output, &o);
    cim_store_free(s);
    if (rc)
        return cli_fail("report", rc);
    if (json) {
        printf("{\"output\":");
        cli_json_str(stdout, output);
        printf(",\"kind\":\"%s\",\"bytes\":%zu,\"rows\":%lld,\"findings\":%lld,\"map_features\":%lld,\"seconds\":%.3f}\n",
               cim_report_kind_name(o.kind), r->bytes, (long long)r->rows, (long long)r->findings,
               (long long)r->map_features, r->seconds);
    } else if (!quiet) {
        printf("report: %s %s -> %s (%zu bytes, %lld rows, %lld map features) in %.2f s\n",
               cim_report_kind_name(o.kind), o.layer, output, r->bytes, (long long)r->rows,
               (long long)r->map_features, r->seconds);
    }
    cim_report_result_free(r);
    return CLI_EXIT_OK;
}
