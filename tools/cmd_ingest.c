/* cmd_ingest.c: cim ingest STORE SOURCE [options] */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim ingest STORE SOURCE [--layer NAME] [--src-layer L] [--s-srs CRS]\n"
    "                  [--encoding ENC] [--where SQL] [--replace | --append | --upsert KEY]\n"
    "                  [--role ROLE] [--kind KIND] [--georef SPEC] [--json] [--quiet | --progress]\n"
    "\n"
    "Load a vector source (any format GDAL reads: GeoJSON, Shapefile, GeoPackage,\n"
    "GML/CityGML, CSV with coordinates, FileGDB...) into the store, reprojected to\n"
    "the store CRS, in one transaction: on any error the store is left as it was.\n"
    "Invalid geometries are repaired (GEOS MakeValid) and counted, never dropped.\n"
    "Ingesting the same source again with the same options is a no-op.\n"
    "\n"
    "  --layer NAME     store layer name (lowercase a-z, 0-9, _); with a multi-layer\n"
    "                   source, a prefix. Default: from the source layer name\n"
    "  --src-layer L    only this layer of a multi-layer source (default: all)\n"
    "  --s-srs CRS      source CRS, overriding the file's: EPSG:n, WKT, a PROJ string,\n"
    "                   gcj02 or bd09 (Chinese web-map lon/lat), or a local grid\n"
    "                   helmert2d:base=EPSG:n,dx=M,dy=M,rot=ARCSEC,scale=PPM\n"
    "  --encoding ENC   text encoding of the source (shapefile DBF), e.g. GBK\n"
    "  --where SQL      OGR SQL attribute filter, e.g. \"landuse LIKE 'M%'\"\n"
    "  --oo KEY=VALUE   a GDAL open option for the source's driver (repeatable), e.g.\n"
    "                   --oo GFS_TEMPLATE=plateau_bldg.gfs for PLATEAU buildings\n"
    "  --replace        replace the layer if it exists\n"
    "  --append         add the features to the layer\n"
    "  --upsert KEY     update features whose KEY matches, insert the others\n"
    "  --role ROLE      catalogue role: parcels, buildings, blocklines, roads, ...\n"
    "  --kind KIND      catalogue kind: gis (default), control, bim, derived;\n"
    "                   sensor readings: see cim ingest --kind sensor --help\n"
    "  --georef SPEC    IFC: place the project origin at CRS@EASTING,NORTHING[,ROT_DEG]\n"
    "                   (e.g. EPSG:4547@500000,2500000) or LAT,LON[,ROT_DEG], overriding\n"
    "                   the file's IfcMapConversion / IfcSite reference\n"
    "\n"
    "An IFC file (.ifc, ISO 10303-21) gives two layers: NAME, one building per row\n"
    "(footprint, height_m, storeys, footprint_method, georef_method) and\n"
    "NAME_storeys (elevation_m, height_m, floor_area_m2, outline), kind bim.\n"
    "  --json           print the result as JSON\n"
    "  --quiet          print nothing on success (for cron)\n"
    "  --progress       progress as plain lines on stderr (default: a bar on a terminal)\n"
    "\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input data, 4 store or I/O failure, 5 internal.\n"
    "Example: cim ingest sz.cim parcels.geojson --layer parcels --role parcels\n";

enum { OPT_LAYER = 256, OPT_SRC_LAYER, OPT_S_SRS, OPT_ENCODING, OPT_WHERE, OPT_REPLACE, OPT_APPEND,
       OPT_UPSERT, OPT_ROLE, OPT_KIND, OPT_JSON, OPT_QUIET, OPT_PROGRESS, OPT_OGR_ONLY, OPT_OO, OPT_GEOREF };

static void print_json(const cim_ingest_result *r, const char *store)
{
    printf("{\"store\":");
    cli_json_str(stdout, store);
    printf(",\"run\":%lld,\"sha256\":\"%s\",\"driver\":", (long long)r->run_id, r->source_sha256);
    cli_json_str(stdout, r->driver);
    printf(",\"seconds\":%.3f,\"layers\":[", r->seconds);
    for (size_t i = 0; i < r->layer_count; i++) {
        const cim_ingest_layer_result *l = &r->layers[i];
        printf("%s{\"layer\":\"%s\",\"source_layer\":", i ? "," : "", l->layer);
        cli_json_str(stdout, l->source_layer);
        printf(",\"unchanged\":%s,\"read\":%lld,\"inserted\":%lld,\"updated\":%lld,\"repaired\":%lld,"
               "\"without_geometry\":%lld}",
               l->unchanged ? "true" : "false", (long long)l->read, (long long)l->inserted, (long long)l->updated,
               (long long)l->repaired, (long long)l->empty);
    }
    printf("]}\n");
}

static void print_text(const cim_ingest_result *r, const char *source)
{
    for (size_t i = 0; i < r->layer_count; i++) {
        const cim_ingest_layer_result *l = &r->layers[i];
        if (l->unchanged) {
            printf("%s: unchanged: %s (sha256 %.12s) is already in the layer; nothing done\n", l->layer, source,
                   r->source_sha256);
            continue;
        }
        printf("%s: %lld features read, %lld inserted", l->layer, (long long)l->read, (long long)l->inserted);
        if (l->updated)
            printf(", %lld updated", (long long)l->updated);
        printf(", %lld repaired (invalid geometry made valid)", (long long)l->repaired);
        if (l->empty)
            printf(", %lld without geometry", (long long)l->empty);
        printf("\n");
    }
    if (r->run_id)
        printf("from %s [%s] in %.2f s (run %lld)\n", source, r->driver, r->seconds, (long long)r->run_id);
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"layer", required_argument, NULL, OPT_LAYER},   {"src-layer", required_argument, NULL, OPT_SRC_LAYER},
        {"s-srs", required_argument, NULL, OPT_S_SRS},   {"encoding", required_argument, NULL, OPT_ENCODING},
        {"where", required_argument, NULL, OPT_WHERE},   {"replace", no_argument, NULL, OPT_REPLACE},
        {"append", no_argument, NULL, OPT_APPEND},       {"upsert", required_argument, NULL, OPT_UPSERT},
        {"role", required_argument, NULL, OPT_ROLE},     {"kind", required_argument, NULL, OPT_KIND},
        {"json", no_argument, NULL, OPT_JSON},           {"quiet", no_argument, NULL, OPT_QUIET},
        {"progress", no_argument, NULL, OPT_PROGRESS},   {"ogr-only", no_argument, NULL, OPT_OGR_ONLY},
        {"oo", required_argument, NULL, OPT_OO},         {"georef", required_argument, NULL, OPT_GEOREF},
        {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0}};
    cim_ingest_options o = CIM_INGEST_OPTIONS_INIT;
    int json = 0, modes = 0, c;
    cli_progress_mode pmode = CLI_PROGRESS_AUTO;
    enum { MAX_OPEN_OPTIONS = 32 };
    const char *oo[MAX_OPEN_OPTIONS + 1] = {NULL};
    size_t noo = 0;
    /* Sensor readings take their own options (cmd_ingest_sensor.c). */
    for (int i = 1; i < argc; i++)
        if ((!strcmp(argv[i], "--kind") && i + 1 < argc && !strcmp(argv[i + 1], "sensor")) ||
            !strcmp(argv[i], "--kind=sensor"))
            return cmd_ingest_sensor(argc, argv);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_LAYER: o.layer = optarg; break;
        case OPT_SRC_LAYER: o.src_layer = optarg; break;
        case OPT_S_SRS: o.s_srs = optarg; break;
        case OPT_ENCODING: o.encoding = optarg; break;
        case OPT_WHERE: o.where = optarg; break;
        case OPT_REPLACE: o.mode = CIM_INGEST_REPLACE; modes++; break;
        case OPT_APPEND: o.mode = CIM_INGEST_APPEND; modes++; break;
        case OPT_UPSERT: o.mode = CIM_INGEST_UPSERT; o.upsert_key = optarg; modes++; break;
        case OPT_ROLE: o.role = optarg; break;
        case OPT_KIND: o.kind = optarg; break;
        case OPT_JSON: json = 1; break;
        case OPT_QUIET: pmode = CLI_PROGRESS_QUIET; break;
        case OPT_PROGRESS: pmode = CLI_PROGRESS_LINES; break;
        case OPT_OGR_ONLY: o.use_ogr_only = 1; break;
        case OPT_GEOREF: o.georef = optarg; break;
        case OPT_OO:
            if (noo == MAX_OPEN_OPTIONS)
                return cli_usage_error("ingest", "at most %d --oo options", MAX_OPEN_OPTIONS);
            oo[noo++] = optarg;
            break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("ingest", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("ingest", "give STORE and SOURCE");
    if (modes > 1)
        return cli_usage_error("ingest", "--replace, --append and --upsert exclude each other");
    const char *store_path = argv[optind], *source = argv[optind + 1];
    o.open_options = noo ? oo : NULL;
    cli_run run;
    int rc = cli_run_begin(&run, "ingest", store_path, pmode, argc, argv);
    if (rc != CLI_GO_ON)
        return rc;
    o.progress = cli_progress_cb;
    o.progress_payload = &run.progress;
    o.command_line = run.command_line;
    cim_ingest_result *r = NULL;
    rc = cim_ingest(&r, run.store, source, &o);
    cli_run_end(&run);
    if (rc)
        return cli_fail("ingest", rc);
    if (json)
        print_json(r, store_path);
    else if (pmode != CLI_PROGRESS_QUIET)
        print_text(r, source);
    cim_ingest_result_free(r);
    return CLI_EXIT_OK;
}
