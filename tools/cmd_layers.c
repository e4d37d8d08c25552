/* cmd_layers.c: cim layers STORE [--json] */
#include "cli.h"

#include <cim/cim.h>
#include <unistd.h>
#include <string.h>

static const char *const help =
    "usage: cim layers STORE [--json]\n"
    "\n"
    "List the store's layers: name, kind, role, geometry type, feature count and\n"
    "where each came from.\n";

static void print_json(cim_layer_info **list, size_t n)
{
    printf("[");
    for (size_t i = 0; i < n; i++) {
        const cim_layer_info *l = list[i];
        printf("%s\n{\"name\":\"%s\",\"kind\":", i ? "," : "", l->name);
        cli_json_str(stdout, l->kind);
        printf(",\"role\":");
        cli_json_str(stdout, l->role);
        printf(",\"geometry_type\":");
        cli_json_str(stdout, l->geometry_type);
        /* A layer without geometry has no SRID: null, like its geometry_type. */
        if (l->srid > 0)
            printf(",\"srid\":%d", l->srid);
        else
            printf(",\"srid\":null");
        printf(",\"features\":%lld,\"version\":%lld,\"source\":", (long long)l->feature_count, (long long)l->version);
        cli_json_str(stdout, l->source);
        printf(",\"ingested_at\":");
        cli_json_str(stdout, l->ingested_at);
        printf("}");
    }
    printf("\n]\n");
}

static void print_table(cim_layer_info **list, size_t n)
{
    if (n == 0) {
        printf("no layers (add one with 'cim ingest')\n");
        return;
    }
    size_t wn = 5, wg = 8;
    for (size_t i = 0; i < n; i++) {
        if (strlen(list[i]->name) > wn)
            wn = strlen(list[i]->name);
        if (list[i]->geometry_type && strlen(list[i]->geometry_type) > wg)
            wg = strlen(list[i]->geometry_type);
    }
    printf("%-*s  %-7s  %-10s  %-*s  %9s  %s\n", (int)wn, "layer", "kind", "role", (int)wg, "geometry", "features",
           "source");
    for (size_t i = 0; i < n; i++) {
        const cim_layer_info *l = list[i];
        printf("%-*s  %-7s  %-10s  %-*s  %9lld  %s\n", (int)wn, l->name, l->kind ? l->kind : "",
               l->role ? l->role : "-", (int)wg, l->geometry_type ? l->geometry_type : "none",
               (long long)l->feature_count, l->source ? l->source : "");
    }
}

int cmd_layers(int argc, char **argv)
{
    int json = 0;
    int rc = cli_read_options(argc, argv, "layers", help, &json);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error("layers", "give one STORE");
    cim_store *s = NULL;
    rc = cim_store_open(&s, argv[optind], CIM_STORE_READONLY);
    if (rc)
        return cli_fail("layers", rc);
    cim_layer_info **list = NULL;
    size_t n = 0;
    rc = cim_store_layers(&list, &n, s);
    if (!rc) {
        if (json)
            print_json(list, n);
        else
            print_table(list, n);
    }
    cim_layer_info_list_free(list, n);
    cim_store_free(s);
    return rc ? cli_fail("layers", rc) : CLI_EXIT_OK;
}
