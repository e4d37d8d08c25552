/* cmd_tiles.c: cim tiles STORE --layer L[,L2...] -o OUT.mbtiles|OUT.pmtiles|DIR */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim tiles STORE --layer L[,L2...] -o OUT.mbtiles|OUT.pmtiles|DIR\n"
    "                 [--minzoom Z] [--maxzoom Z] [--fields F[,F2...]] [--grid webmercator|cgcs2000]\n"
    "                 [--max-tile-bytes N] [--max-tile-features N] [--buffer N]\n"
    "                 [--since RUN] [--threads N] [--preview DIR] [--json] [--quiet | --progress]\n"
    "\n"
    "Vector tiles (MVT 2.1) of store layers on the Web Mercator grid. Each layer\n"
    "becomes an MVT layer of the same name with all its attributes, or only those\n"
    "--fields names. The output is MBTiles 1.3 (.mbtiles), PMTiles v3 (.pmtiles)\n"
    "or a directory of z/x/y.pbf files with metadata.json; it is written under a\n"
    "temporary name and renamed when complete (an older directory is replaced\n"
    "only when it holds metadata.json). The store is only read.\n"
    "\n"
    "  --minzoom, --maxzoom  zoom range (default 0..14, at most 22)\n"
    "  --grid G              webmercator (EPSG:3857, default) or cgcs2000: the EPSG:4490\n"
    "                        longitude/latitude grid with two tiles at zoom 0, as Tianditu\n"
    "                        serves (MBTiles or a directory; named in the metadata)\n"
    "  --buffer N            tile buffer in tile units of 4096 (default 64)\n"
    "  --max-tile-bytes N    limit of a gzipped tile (default 500000)\n"
    "  --max-tile-features N limit of features in a tile (default 200000)\n"
    "  --since RUN           patch OUT, tiles built earlier with the same options from\n"
    "                        this store: re-render only the tiles that the changes of the\n"
    "                        runs after RUN touch (the store records them); the result\n"
    "                        is that of a full build (MBTiles, PMTiles, or a directory,\n"
    "                        whose unchanged files are hard-linked into the new one).\n"
    "                        RUN 'archive': the last run OUT holds (its metadata cim_run),\n"
    "                        or a full build when OUT does not exist yet or the changes\n"
    "                        after its run were pruned (cim prune; for nightly jobs). A\n"
    "                        RUN whose later changes were pruned is refused (exit 3)\n"
    "  --threads N           worker threads (default: all CPUs); same output for any N\n"
    "  --preview DIR         write DIR/index.html showing the tiles in MapLibre GL JS\n"
    "                        (PMTiles or directory output inside DIR; serve DIR over\n"
    "                        HTTP, e.g. python3 -m http.server -d DIR, and open it)\n"
    "  --json                the counts as JSON on stdout\n"
    "  --quiet               print nothing on success (for cron)\n"
    "  --progress            progress as plain lines on stderr\n"
    "\n"
    "Geometry is snapped to each tile's 4096 grid, the same for every feature, so\n"
    "shared parcel edges stay shared. Polygons smaller than a grid cell are tiny:\n"
    "their area accumulates and a one-cell square is drawn each time it reaches a\n"
    "cell (coalescing), the rest are dropped. A tile over a limit is re-encoded on\n"
    "a 2, 4, 8 times coarser grid, then its smallest features are dropped until it\n"
    "fits; points go first, from the densest parts (one is kept in every cell of the\n"
    "finest grid the limit allows). Every drop is counted in the summary per zoom.\n"
    "\n"
    "Example: cim tiles sz.cim --layer parcels,roads --minzoom 8 --maxzoom 16 -o sz.pmtiles\n";

static void print_summary(const cim_tiles_stats *st, const cim_tiles_options *o, const char *out, int json)
{
    if (json) {
        printf("{\"output\":");
        cli_json_str(stdout, out);
        printf(",\"features_read\":%lld,\"tiles\":%lld,\"bytes\":%lld,\"seconds\":%.3f,\"zooms\":[",
               (long long)st->features_read, (long long)st->tiles, (long long)st->bytes, st->seconds);
        for (int z = o->minzoom; z <= o->maxzoom; z++) {
            const cim_tiles_zoom_stats *s = &st->zoom[z];
            printf("%s{\"zoom\":%d,\"tiles\":%lld,\"features\":%lld,\"bytes\":%lld,\"max_tile_bytes\":%lld,"
                   "\"tiny_dropped\":%lld,\"tiny_coalesced\":%lld,\"simplified_tiles\":%lld,"
                   "\"limit_dropped\":%lld,\"density_dropped\":%lld,\"clip_failed\":%lld}",
                   z == o->minzoom ? "" : ",", z, (long long)s->tiles, (long long)s->features, (long long)s->bytes,
                   (long long)s->max_tile_bytes, (long long)s->tiny_dropped, (long long)s->tiny_coalesced,
                   (long long)s->simplified_tiles, (long long)s->limit_dropped, (long long)s->density_dropped,
                   (long long)s->clip_failed);
        }
        printf("]");
        if (st->since_run > 0)
            printf(",\"since\":%lld,\"changes\":%lld,\"tiles_touched\":%lld", (long long)st->since_run,
                   (long long)st->changes, (long long)st->tiles_touched);
        if (st->rebuilt_pruned > 0)
            printf(",\"rebuilt_pruned\":%lld", (long long)st->rebuilt_pruned);
        printf(",\"tiles_rendered\":%lld}\n", (long long)st->tiles_rendered);
        return;
    }
    if (st->since_run > 0)
        printf("patched %s: %lld changes since run %lld touch %lld tiles; %lld rendered (%lld bytes), the rest "
               "deleted, from %lld features in %.2f s\n",
               out, (long long)st->changes, (long long)st->since_run, (long long)st->tiles_touched,
               (long long)st->tiles, (long long)st->bytes, (long long)st->features_read, st->seconds);
    else
        printf("wrote %s: %lld tiles, %lld bytes, from %lld features in %.2f s\n", out, (long long)st->tiles,
               (long long)st->bytes, (long long)st->features_read, st->seconds);
    if (st->rebuilt_pruned > 0)
        printf("  built in full: the change record before run %lld was pruned (cim prune), and %s is older\n",
               (long long)st->rebuilt_pruned, out);
    for (int z = o->minzoom; z <= o->maxzoom; z++) {
        const cim_tiles_zoom_stats *s = &st->zoom[z];
        printf("  zoom %2d: %lld tiles, %lld features, %lld bytes (largest tile %lld)", z, (long long)s->tiles,
               (long long)s->features, (long long)s->bytes, (long long)s->max_tile_bytes);
        if (s->tiny_dropped || s->tiny_coalesced)
            printf("; tiny: %lld dropped, %lld coalesced into cells", (long long)s->tiny_dropped,
                   (long long)s->tiny_coalesced);
        if (s->simplified_tiles)
            printf("; %lld tiles simplified to meet the limits", (long long)s->simplified_tiles);
        if (s->limit_dropped)
            printf("; %lld features dropped (smallest first) to meet the limits", (long long)s->limit_dropped);
        if (s->density_dropped)
            printf("; %lld points dropped (densest parts first) to meet the limits", (long long)s->density_dropped);
        if (s->clip_failed)
            printf("; %lld features GEOS could not clip, written whole", (long long)s->clip_failed);
        printf("\n");
    }
}

int cmd_tiles(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"layer", required_argument, NULL, 'l'},      {"minzoom", required_argument, NULL, 'z'},
        {"maxzoom", required_argument, NULL, 'Z'},    {"output", required_argument, NULL, 'o'},
        {"fields", required_argument, NULL, 'f'},     {"grid", required_argument, NULL, 'g'},
        {"threads", required_argument, NULL, 't'},    {"max-tile-bytes", required_argument, NULL, 'B'},
        {"max-tile-features", required_argument, NULL, 'F'}, {"buffer", required_argument, NULL, 'b'},
        {"since", required_argument, NULL, 's'},      {"preview", required_argument, NULL, 'P'},      {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},            {"progress", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0}};
    cim_tiles_options o = CIM_TILES_OPTIONS_INIT;
    char *layers = NULL, *fields = NULL;
    const char *out = NULL;
    int json = 0, c;
    int64_t v;
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': layers = optarg; break;
        case 'o': out = optarg; break;
        case 'f': fields = optarg; break;
        case 'z':
        case 'Z':
            if (cli_parse_int(optarg, 0, CIM_TILES_MAX_ZOOM, &v))
                return cli_usage_error("tiles", "--%s '%s': a zoom from 0 to %d", c == 'z' ? "minzoom" : "maxzoom",
                                       optarg, CIM_TILES_MAX_ZOOM);
            *(c == 'z' ? &o.minzoom : &o.maxzoom) = (int)v;
            break;
        case 't':
            if (cli_parse_int(optarg, 1, 256, &v))
                return cli_usage_error("tiles", "--threads '%s': a number from 1 to 256", optarg);
            o.threads = (size_t)v;
            break;
        case 'B':
        case 'F':
            if (cli_parse_int(optarg, 1, INT64_MAX, &v))
                return cli_usage_error("tiles", "'%s': a positive number", optarg);
            *(c == 'B' ? &o.max_tile_bytes : &o.max_tile_features) = (size_t)v;
            break;
        case 'b':
            if (cli_parse_int(optarg, 0, 2048, &v))
                return cli_usage_error("tiles", "--buffer '%s': 0 to 2048 tile units", optarg);
            o.buffer = (unsigned int)v;
            break;
        case 'g':
            if (!strcmp(optarg, "webmercator"))
                o.grid = CIM_TILES_WEBMERCATOR;
            else if (!strcmp(optarg, "cgcs2000"))
                o.grid = CIM_TILES_CGCS2000;
            else
                return cli_usage_error("tiles", "--grid '%s': use webmercator or cgcs2000", optarg);
            break;
        case 's':
            if (!strcmp(optarg, "archive"))
                v = CIM_TILES_SINCE_ARCHIVE;
            else if (cli_parse_int(optarg, 1, INT64_MAX, &v))
                return cli_usage_error("tiles", "--since '%s': a run id (cim_runs) or 'archive'", optarg);
            o.since_run = v;
            break;
        case 'P': o.preview_dir = optarg; break;
        case 'j': json = 1; break;
        case 'q': mode = CLI_PROGRESS_QUIET; break;
        case 'p': mode = CLI_PROGRESS_LINES; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("tiles", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("tiles", "give one STORE");
    if (!layers || !*layers)
        return cli_usage_error("tiles", "give --layer");
    if (!out || !*out)
        return cli_usage_error("tiles", "give -o OUT.mbtiles, OUT.pmtiles or a directory");
    if (o.minzoom > o.maxzoom)
        return cli_usage_error("tiles", "--minzoom %d is above --maxzoom %d", o.minzoom, o.maxzoom);
    size_t nl = 0, nf = 0;
    const char **lv = cli_split_list(layers, &nl), **fv = fields ? cli_split_list(fields, &nf) : NULL;
    o.layers = lv;
    o.layer_count = nl;
    o.fields = fv;
    o.field_count = nf;
    cli_progress prog;
    cli_progress_init(&prog, mode);
    o.progress = cli_progress_cb;
    o.progress_payload = &prog;
    cim_store *s = NULL;
    cim_tiles_stats st;
    int rc = cim_store_open(&s, argv[optind], CIM_STORE_READONLY);
    if (!rc)
        rc = cim_tiles_build(&st, s, out, &o);
    cli_progress_done(&prog);
    cim_store_free(s);
    int ret = CLI_EXIT_OK;
    if (rc)
        ret = cli_fail("tiles", rc);
    else if (json)
        print_summary(&st, &o, out, 1);
    else if (mode != CLI_PROGRESS_QUIET)
        print_summary(&st, &o, out, 0);
    free(lv);
    free(fv);
    return ret;
}
