/* cmd_sensors.c: cim sensors link|summarize|gaps STORE --layer NAME ... */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim sensors link STORE --layer NAME [--to LAYER,LAYER...] [--nearest LAYER [--within M]]\n"
    "       cim sensors summarize STORE --layer NAME --every 1h|1d|1mon [--tz +08:00] [--by LAYER]\n"
    "                   [--property P] [--sensor S] [--threshold PROPERTY>VALUE]\n"
    "                   [--out NAME | --format table|csv|json]\n"
    "       cim sensors gaps STORE --layer NAME --every 1h|1d|1mon [--tz +08:00] [--property P]\n"
    "                   [--sensor S] [--format table|csv|json]\n"
    "\n"
    "link: each sensor of layer NAME gets the fid of every polygon of the --to layers that\n"
    "  contains it (boundary included) and the nearest feature of --nearest (buildings)\n"
    "  within --within metres (default 50), as rows of NAME_links (sensor, layer, fid,\n"
    "  distance). Linking again to a layer replaces its links.\n"
    "summarize: count, mean, min, max per sensor (or per linked polygon of --by) and\n"
    "  property and period; --threshold counts readings above VALUE (exceedances).\n"
    "  Periods are UTC unless --tz gives an offset. --out writes the table as a layer.\n"
    "gaps: the periods without any reading (of --property, if given) per sensor, between\n"
    "  the layer's first and last period; runs of missing periods are one row.\n"
    "\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input data, 4 store or I/O failure, 5 internal.\n"
    "Example: cim sensors summarize sz.cim --layer air --every 1mon --tz +08:00 --property PM2_5\n";

enum { OPT_LAYER = 256, OPT_TO, OPT_NEAREST, OPT_WITHIN, OPT_EVERY, OPT_TZ, OPT_BY, OPT_PROPERTY, OPT_SENSOR,
       OPT_THRESHOLD, OPT_OUT, OPT_FORMAT, OPT_JSON, OPT_QUIET };

enum { FMT_TABLE, FMT_CSV, FMT_JSON };

static void csv_cell(const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static int numeric(const char *col)
{
    return !strcmp(col, "count") || !strcmp(col, "mean") || !strcmp(col, "min") || !strcmp(col, "max") ||
           !strcmp(col, "exceedances") || !strcmp(col, "periods") || strstr(col, "_fid");
}

static void print_table(const cim_table *t, int fmt)
{
    if (fmt == FMT_CSV) {
        for (size_t i = 0; i < t->ncols; i++) {
            if (i)
                putchar(',');
            csv_cell(t->cols[i]);
        }
        putchar('\n');
        for (size_t r = 0; r < t->nrows; r++) {
            for (size_t i = 0; i < t->ncols; i++) {
                if (i)
                    putchar(',');
                csv_cell(t->cells[r * t->ncols + i]);
            }
            putchar('\n');
        }
        return;
    }
    if (fmt == FMT_JSON) {
        putchar('[');
        for (size_t r = 0; r < t->nrows; r++) {
            printf("%s{", r ? ",\n" : "");
            for (size_t i = 0; i < t->ncols; i++) {
                const char *c = t->cells[r * t->ncols + i];
                printf("%s", i ? "," : "");
                cli_json_str(stdout, t->cols[i]);
                putchar(':');
                if (c && numeric(t->cols[i]))
                    fputs(c, stdout);
                else
                    cli_json_str(stdout, c);
            }
            putchar('}');
        }
        printf("]\n");
        return;
    }
    size_t *w = calloc(t->ncols, sizeof *w);
    for (size_t i = 0; i < t->ncols; i++) {
        w[i] = strlen(t->cols[i]);
        for (size_t r = 0; r < t->nrows; r++) {
            const char *c = t->cells[r * t->ncols + i];
            size_t n = c ? strlen(c) : 0;
            if (n > w[i])
                w[i] = n;
        }
    }
    for (size_t i = 0; i < t->ncols; i++)
        printf("%s%-*s", i ? "  " : "", (int)w[i], t->cols[i]);
    putchar('\n');
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            const char *c = t->cells[r * t->ncols + i];
            printf(numeric(t->cols[i]) ? "%s%*s" : "%s%-*s", i ? "  " : "", (int)w[i], c ? c : "");
        }
        putchar('\n');
    }
    printf("(%zu rows)\n", t->nrows);
    free(w);
}

static int parse_every(const char *s, cim_period *out)
{
    if (!strcmp(s, "1h") || !strcmp(s, "hour"))
        *out = CIM_PERIOD_HOUR;
    else if (!strcmp(s, "1d") || !strcmp(s, "day"))
        *out = CIM_PERIOD_DAY;
    else if (!strcmp(s, "1mon") || !strcmp(s, "month"))
        *out = CIM_PERIOD_MONTH;
    else
        return -1;
    return 0;
}

/* Splits "a,b,c" in place into list (NULL-terminated); at most max items. */
static int split_list(char *s, const char **list, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        if (n == max)
            return -1;
        list[n++] = tok;
    }
    list[n] = NULL;
    return n ? 0 : -1;
}

int cmd_sensors(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"layer", required_argument, NULL, OPT_LAYER},     {"to", required_argument, NULL, OPT_TO},
        {"nearest", required_argument, NULL, OPT_NEAREST}, {"within", required_argument, NULL, OPT_WITHIN},
        {"every", required_argument, NULL, OPT_EVERY},     {"tz", required_argument, NULL, OPT_TZ},
        {"by", required_argument, NULL, OPT_BY},           {"property", required_argument, NULL, OPT_PROPERTY},
        {"sensor", required_argument, NULL, OPT_SENSOR},   {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"out", required_argument, NULL, OPT_OUT},         {"format", required_argument, NULL, OPT_FORMAT},
        {"json", no_argument, NULL, OPT_JSON},             {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, 'h'},                  {NULL, 0, NULL, 0}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "link") && strcmp(verb, "summarize") && strcmp(verb, "gaps"))
        return cli_usage_error("sensors", "'%s': use link, summarize or gaps", verb);
    argc--;
    argv++;
    cim_sensors_summary_options so = CIM_SENSORS_SUMMARY_OPTIONS_INIT;
    cim_sensors_link_options lo = CIM_SENSORS_LINK_OPTIONS_INIT;
    const char *layer = NULL, *out = NULL;
    char *to = NULL, *thr = NULL;
    int fmt = FMT_TABLE, quiet = 0, every_given = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_LAYER: layer = optarg; break;
        case OPT_TO: to = optarg; break;
        case OPT_NEAREST: lo.nearest = optarg; break;
        case OPT_WITHIN: {
            char *end;
            lo.max_distance = strtod(optarg, &end);
            if (*end || end == optarg || !(lo.max_distance >= 0) || !isfinite(lo.max_distance))
                return cli_usage_error("sensors", "--within '%s': give metres >= 0", optarg);
            break;
        }
        case OPT_EVERY:
            if (parse_every(optarg, &so.every))
                return cli_usage_error("sensors", "--every '%s': use 1h, 1d or 1mon", optarg);
            every_given = 1;
            break;
        case OPT_TZ: so.tz = optarg; break;
        case OPT_BY: so.by = optarg; break;
        case OPT_PROPERTY: so.property = optarg; break;
        case OPT_SENSOR: so.sensor = optarg; break;
        case OPT_THRESHOLD: thr = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "table"))
                fmt = FMT_TABLE;
            else if (!strcmp(optarg, "csv"))
                fmt = FMT_CSV;
            else if (!strcmp(optarg, "json"))
                fmt = FMT_JSON;
            else
                return cli_usage_error("sensors", "--format '%s': use table, csv or json", optarg);
            break;
        case OPT_JSON: fmt = FMT_JSON; break;
        case OPT_QUIET: quiet = 1; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("sensors", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("sensors", "give STORE");
    if (!layer)
        return cli_usage_error("sensors", "give --layer NAME");
    const char *store_path = argv[optind];
    if (!strcmp(verb, "link")) {
        const char *list[65];
        if (to && split_list(to, list, 64))
            return cli_usage_error("sensors", "--to: give 1-64 layer names separated by commas");
        if (!to && !lo.nearest)
            return cli_usage_error("sensors", "link: give --to LAYER[,LAYER...] and/or --nearest LAYER");
        lo.to = to ? list : NULL;
        cli_run run;
        int rc = cli_run_begin(&run, "sensors", store_path, quiet ? CLI_PROGRESS_QUIET : CLI_PROGRESS_AUTO,
                               argc + 1, argv - 1);
        if (rc != CLI_GO_ON)
            return rc;
        lo.command_line = run.command_line;
        cim_sensors_link_result *r = NULL;
        rc = cim_sensors_link(&r, run.store, layer, &lo);
        cli_run_end(&run);
        if (rc)
            return cli_fail("sensors link", rc);
        if (fmt == FMT_JSON) {
            printf("{\"run\":%lld,\"sensors\":%lld,\"layers\":[", (long long)r->run_id, (long long)r->sensors);
            for (size_t i = 0; i < r->layer_count; i++) {
                printf("%s{\"layer\":", i ? "," : "");
                cli_json_str(stdout, r->layers[i]);
                printf(",\"linked\":%lld,\"links\":%lld}", (long long)r->linked[i], (long long)r->links[i]);
            }
            printf("]}\n");
        } else if (!quiet) {
            for (size_t i = 0; i < r->layer_count; i++)
                printf("%s: %lld of %lld sensors linked (%lld links)\n", r->layers[i], (long long)r->linked[i],
                       (long long)r->sensors, (long long)r->links[i]);
        }
        cim_sensors_link_result_free(r);
        return CLI_EXIT_OK;
    }
    if (!every_given)
        return cli_usage_error("sensors", "%s: give --every 1h, 1d or 1mon", verb);
    if (thr) {
        char *gt = strchr(thr, '>'), *end;
        if (!gt || gt == thr)
            return cli_usage_error("sensors", "--threshold '%s': give PROPERTY>VALUE", thr);
        *gt = '\0';
        so.threshold_property = thr;
        so.threshold = strtod(gt + 1, &end);
        if (*end || end == gt + 1 || !isfinite(so.threshold))
            return cli_usage_error("sensors", "--threshold: '%s' is not a number", gt + 1);
    }
    if (out && strcmp(verb, "summarize"))
        return cli_usage_error("sensors", "--out is for summarize");
    cim_store *s = NULL;
    int rc = cim_store_open(&s, store_path, out ? 0 : CIM_STORE_READONLY);
    if (rc)
        return cli_fail(store_path, rc);
    cim_table *t = NULL;
    rc = !strcmp(verb, "summarize") ? cim_sensors_summarize(&t, s, layer, &so) : cim_sensors_gaps(&t, s, layer, &so);
    if (!rc && out) {
        char *cmd = cli_join_args(argc + 1, argv - 1);
        rc = cim_sensors_summary_write(s, out, t, NULL, cmd);
        free(cmd);
        if (!rc && !quiet)
            printf("%s: %zu rows\n", out, t->nrows);
    } else if (!rc) {
        print_table(t, fmt);
    }
    cim_table_free(t);
    cim_store_free(s);
    return rc ? cli_fail(verb, rc) : CLI_EXIT_OK;
}
