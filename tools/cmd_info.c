/* cmd_info.c: cim info STORE LAYER [--json] */
#include "cli.h"

#include <cim/cim.h>
#include <unistd.h>

static const char *const help =
    "usage: cim info STORE LAYER [--json]\n"
    "\n"
    "Describe one layer: fields and types, feature count, extent, CRS, where it\n"
    "came from (source, SHA-256, source CRS) and its lineage.\n";

static void print_json(const cim_layer_info *l)
{
    printf("{\"name\":\"%s\",\"kind\":", l->name);
    cli_json_str(stdout, l->kind);
    printf(",\"role\":");
    cli_json_str(stdout, l->role);
    printf(",\"geometry_type\":");
    cli_json_str(stdout, l->geometry_type);
    printf(",\"dims\":");
    cli_json_str(stdout, l->dims);
    /* A layer without geometry has no SRID: null, like its geometry_type. */
    if (l->srid > 0)
        printf(",\"srid\":%d", l->srid);
    else
        printf(",\"srid\":null");
    printf(",\"features\":%lld,\"extent\":", (long long)l->feature_count);
    if (l->has_extent)
        printf("[%.3f,%.3f,%.3f,%.3f]", l->extent[0], l->extent[1], l->extent[2], l->extent[3]);
    else
        printf("null");
    printf(",\"version\":%lld,\"run\":%lld,\"repaired\":%lld,\"ingested_at\":", (long long)l->version,
           (long long)l->run_id, (long long)l->repaired);
    cli_json_str(stdout, l->ingested_at);
    const char *keys[] = {"source", "source_sha256", "source_format", "source_layer", "source_crs"};
    const char *vals[] = {l->source, l->source_sha256, l->source_format, l->source_layer, l->source_crs};
    for (int i = 0; i < 5; i++) {
        printf(",\"%s\":", keys[i]);
        cli_json_str(stdout, vals[i]);
    }
    printf(",\"lineage\":%s,\"fields\":[", l->lineage ? l->lineage : "null");
    for (size_t i = 0; i < l->field_count; i++) {
        printf("%s{\"name\":", i ? "," : "");
        cli_json_str(stdout, l->fields[i].name);
        printf(",\"type\":\"%s\",\"sql_type\":", cim_field_type_name(l->fields[i].type));
        cli_json_str(stdout, l->fields[i].decl);
        printf("}");
    }
    printf("]}\n");
}

static void print_text(const cim_layer_info *l)
{
    printf("layer:        %s\n", l->name);
    printf("kind / role:  %s / %s\n", l->kind ? l->kind : "-", l->role ? l->role : "-");
    if (l->geometry_type)
        printf("geometry:     %s %s, EPSG:%d\n", l->geometry_type, l->dims ? l->dims : "", l->srid);
    else
        printf("geometry:     none (attribute table)\n");
    printf("features:     %lld\n", (long long)l->feature_count);
    if (l->has_extent)
        printf("extent:       x %.3f .. %.3f, y %.3f .. %.3f (m)\n", l->extent[0], l->extent[2], l->extent[1],
               l->extent[3]);
    printf("source:       %s (%s, layer '%s')\n", l->source ? l->source : "-",
           l->source_format ? l->source_format : "-", l->source_layer ? l->source_layer : "-");
    printf("source CRS:   %s\n", l->source_crs ? l->source_crs : "-");
    printf("sha256:       %s\n", l->source_sha256 ? l->source_sha256 : "-");
    printf("ingested:     %s (run %lld, version %lld, %lld geometries repaired)\n",
           l->ingested_at ? l->ingested_at : "-", (long long)l->run_id, (long long)l->version,
           (long long)l->repaired);
    if (l->lineage)
        printf("lineage:      %s\n", l->lineage);
    printf("fields:       %zu\n", l->field_count);
    for (size_t i = 0; i < l->field_count; i++)
        printf("  %-24s %-10s (%s)\n", l->fields[i].name, cim_field_type_name(l->fields[i].type),
               l->fields[i].decl ? l->fields[i].decl : "");
}

int cmd_info(int argc, char **argv)
{
    int json = 0;
    int rc = cli_read_options(argc, argv, "info", help, &json);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - optind != 2)
        return cli_usage_error("info", "give STORE and LAYER");
    cim_store *s = NULL;
    rc = cim_store_open(&s, argv[optind], CIM_STORE_READONLY);
    if (rc)
        return cli_fail("info", rc);
    cim_layer_info *l = NULL;
    rc = cim_layer_info_get(&l, s, argv[optind + 1]);
    if (!rc) {
        if (json)
            print_json(l);
        else
            print_text(l);
    }
    cim_layer_info_free(l);
    cim_store_free(s);
    return rc ? cli_fail("info", rc) : CLI_EXIT_OK;
}
