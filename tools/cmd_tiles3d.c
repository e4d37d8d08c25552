/* cmd_tiles3d.c: cim tiles3d STORE --layer L -o DIR: 3D buildings as a 3D Tiles 1.1 tileset. */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim tiles3d STORE --layer L -o DIR [--height-field F] [--base-field F]\n"
    "                   [--storeys-field F --storey-height M] [--fields F[,F2...]]\n"
    "                   [--max-features-per-tile N] [--threads N] [--json] [--quiet | --progress]\n"
    "\n"
    "3D buildings (footprint x height blocks) of a polygon layer as a Cesium 3D Tiles\n"
    "1.1 tileset: DIR/tileset.json and one GLB (glTF 2.0) per leaf tile in DIR/t/, each\n"
    "vertex with its building's feature id (EXT_mesh_features) and the attributes in a\n"
    "property table (EXT_structural_metadata). Tiles are a quadtree split until a leaf\n"
    "holds at most N buildings (by the centre of their box); positions are local\n"
    "east/north/up metres with the tile's transform to ECEF (EPSG:4978). The output\n"
    "is written under a temporary name and renamed when complete; the store is only read.\n"
    "\n"
    "  --height-field F       height in metres (default height_m)\n"
    "  --base-field F         base height in metres (default 0: on the ground)\n"
    "  --storeys-field F      with --storey-height M: the height of buildings that have\n"
    "                         none in the height field is storeys x M\n"
    "  --fields F,...         attributes in the property table (default all)\n"
    "  --max-features-per-tile N  buildings in a leaf tile (default 2000)\n"
    "  --threads N            worker threads (default: all CPUs); same output for any N\n"
    "  --json                 the counts as JSON on stdout\n"
    "  --quiet                print nothing on success\n"
    "  --progress             progress as plain lines on stderr\n"
    "\n"
    "Buildings with no usable height (missing, zero or negative) are skipped and counted.\n"
    "\n"
    "Example: cim tiles3d sz.cim --layer buildings --fields name,storeys -o www/3d\n"
    "         (serve www/ over HTTP and load www/3d/tileset.json in CesiumJS)\n";

static void print_summary(const cim_tiles3d_stats *st, const char *out, int json)
{
    if (json) {
        printf("{\"output\":");
        cli_json_str(stdout, out);
        printf(",\"features_read\":%lld,\"buildings\":%lld,\"skipped_no_height\":%lld,\"skipped_empty\":%lld,"
               "\"tiles\":%lld,\"content_tiles\":%lld,\"depth\":%lld,\"triangles\":%lld,\"bytes\":%lld,"
               "\"bounds\":[%.9f,%.9f,%.9f,%.9f],\"seconds\":%.3f}\n",
               (long long)st->features_read, (long long)st->buildings, (long long)st->skipped_no_height,
               (long long)st->skipped_empty, (long long)st->tiles, (long long)st->content_tiles,
               (long long)st->depth, (long long)st->triangles, (long long)st->bytes, st->bounds[0], st->bounds[1],
               st->bounds[2], st->bounds[3], st->seconds);
        return;
    }
    printf("wrote %s: %lld buildings in %lld tiles (%lld with content, depth %lld), %lld triangles, %lld bytes, "
           "from %lld features in %.2f s\n",
           out, (long long)st->buildings, (long long)st->tiles, (long long)st->content_tiles, (long long)st->depth,
           (long long)st->triangles, (long long)st->bytes, (long long)st->features_read, st->seconds);
    if (st->skipped_no_height)
        printf("  skipped %lld buildings with no height (missing, zero or negative)\n",
               (long long)st->skipped_no_height);
    if (st->skipped_empty)
        printf("  skipped %lld footprints that triangulate to nothing (degenerate)\n", (long long)st->skipped_empty);
}

int cmd_tiles3d(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"layer", required_argument, NULL, 'l'},         {"output", required_argument, NULL, 'o'},
        {"height-field", required_argument, NULL, 'H'},  {"base-field", required_argument, NULL, 'b'},
        {"storeys-field", required_argument, NULL, 's'}, {"storey-height", required_argument, NULL, 'S'},
        {"fields", required_argument, NULL, 'f'},        {"max-features-per-tile", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},       {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},               {"progress", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0}};
    cim_tiles3d_options o = CIM_TILES3D_OPTIONS_INIT;
    char *fields = NULL, *end = NULL;
    const char *out = NULL;
    int json = 0, c;
    int64_t v;
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': o.layer = optarg; break;
        case 'o': out = optarg; break;
        case 'H': o.height_field = optarg; break;
        case 'b': o.base_field = optarg; break;
        case 's': o.storeys_field = optarg; break;
        case 'S':
            o.storey_height = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(o.storey_height) || o.storey_height <= 0 ||
                o.storey_height > 100)
                return cli_usage_error("tiles3d", "--storey-height '%s': metres, above 0 and at most 100", optarg);
            break;
        case 'f': fields = optarg; break;
        case 'm':
            if (cli_parse_int(optarg, 1, 10000000, &v))
                return cli_usage_error("tiles3d", "--max-features-per-tile '%s': a number from 1 to 10000000",
                                       optarg);
            o.max_features_per_tile = (size_t)v;
            break;
        case 't':
            if (cli_parse_int(optarg, 1, 256, &v))
                return cli_usage_error("tiles3d", "--threads '%s': a number from 1 to 256", optarg);
            o.threads = (size_t)v;
            break;
        case 'j': json = 1; break;
        case 'q': mode = CLI_PROGRESS_QUIET; break;
        case 'p': mode = CLI_PROGRESS_LINES; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("tiles3d", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("tiles3d", "give one STORE");
    if (!o.layer || !*o.layer)
        return cli_usage_error("tiles3d", "give --layer");
    if (!out || !*out)
        return cli_usage_error("tiles3d", "give -o DIR");
    if (!o.storeys_field != !(o.storey_height > 0))
        return cli_usage_error("tiles3d", "--storeys-field and --storey-height go together");
    size_t nf = 0;
    const char **fv = fields ? cli_split_list(fields, &nf) : NULL;
    if (fields && (!fv || !nf)) {
        free(fv);
        return cli_usage_error("tiles3d", "--fields: give field names separated by commas");
    }
    o.fields = fv;
    o.field_count = nf;
    cli_progress prog;
    cli_progress_init(&prog, mode);
    o.progress = cli_progress_cb;
    o.progress_payload = &prog;
    cim_store *s = NULL;
    cim_tiles3d_stats st;
    int rc = cim_store_open(&s, argv[optind], CIM_STORE_READONLY);
    if (!rc)
        rc = cim_tiles3d_build(&st, s, out, &o);
    cli_progress_done(&prog);
    cim_store_free(s);
    int ret = CLI_EXIT_OK;
    if (rc)
        ret = cli_fail("tiles3d", rc);
    else if (json)
        print_summary(&st, out, 1);
    else if (mode != CLI_PROGRESS_QUIET)
        print_summary(&st, out, 0);
    free(fv);
    return ret;
}
