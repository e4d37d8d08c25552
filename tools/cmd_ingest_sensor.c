/* cmd_ingest_sensor.c: cim ingest STORE FILE --kind sensor ... (sensor
 * readings from CSV or JSON into NAME_sensors and NAME_obs). */
#include "cli.h"

#include <cim/cim.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: cim ingest STORE FILE --kind sensor --layer NAME --sensor-field F --time-field F\n"
    "                  [--tz +08:00] [--x-field F --y-field F [--s-srs CRS] | --locations LAYER:FIELD]\n"
    "                  [--property-field F --value-field F] [--attr-field F ...]\n"
    "                  [--unit PROPERTY=UNIT ...] [--format csv|json|jsonl] [--json] [--quiet | --progress]\n"
    "\n"
    "Fold sensor readings into layer NAME: NAME_sensors (one point per sensor, with the\n"
    "file's text columns such as a station name) and NAME_obs (sensor, property, t, value;\n"
    "t in UTC), in one transaction. CSV is wide (every numeric column other than x/y is a\n"
    "property; empty cells are missing readings) or long (--property-field/--value-field).\n"
    "JSON is an array or JSON lines of observation objects, or SensorThings-style Things\n"
    "with Locations and Datastreams of Observations. Times: ISO 8601 with an offset, naive\n"
    "ones with --tz, or epoch seconds/milliseconds. A reading already stored is never\n"
    "doubled: the stored value is kept and different values are counted as conflicts.\n"
    "\n"
    "  --layer NAME          the sensor layer (tables NAME_sensors, NAME_obs)\n"
    "  --sensor-field F      sensor id column / key (SensorThings: default name)\n"
    "  --time-field F        time column / key (SensorThings: default phenomenonTime)\n"
    "  --tz OFFSET           UTC offset of times written without one, e.g. +08:00\n"
    "  --x-field F, --y-field F  sensor location columns, in --s-srs (default EPSG:4326)\n"
    "  --locations LAYER:FIELD   or: sensor locations from a store layer whose FIELD is the id\n"
    "  --property-field F, --value-field F  long format: property name and value columns\n"
    "  --attr-field F        keep column F as a text attribute even if numeric (repeatable)\n"
    "  --unit P=U            record the unit of property P (repeatable)\n"
    "  --format FMT          csv, json or jsonl (default: from the extension)\n"
    "\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input data, 4 store or I/O failure, 5 internal.\n"
    "Example: cim ingest sz.cim air.csv --kind sensor --layer air --sensor-field station_code \\\n"
    "           --time-field datetime_cst --x-field lon --y-field lat\n";

enum { OPT_LAYER = 256, OPT_KIND, OPT_SENSOR, OPT_TIME, OPT_TZ, OPT_X, OPT_Y, OPT_S_SRS, OPT_LOCATIONS, OPT_PROP,
       OPT_VALUE, OPT_ATTR, OPT_UNIT, OPT_FORMAT, OPT_JSON, OPT_QUIET, OPT_PROGRESS };

enum { MAX_LIST = 64 };

int cmd_ingest_sensor(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"layer", required_argument, NULL, OPT_LAYER},       {"kind", required_argument, NULL, OPT_KIND},
        {"sensor-field", required_argument, NULL, OPT_SENSOR}, {"time-field", required_argument, NULL, OPT_TIME},
        {"tz", required_argument, NULL, OPT_TZ},             {"x-field", required_argument, NULL, OPT_X},
        {"y-field", required_argument, NULL, OPT_Y},         {"s-srs", required_argument, NULL, OPT_S_SRS},
        {"locations", required_argument, NULL, OPT_LOCATIONS},
        {"property-field", required_argument, NULL, OPT_PROP}, {"value-field", required_argument, NULL, OPT_VALUE},
        {"attr-field", required_argument, NULL, OPT_ATTR},   {"unit", required_argument, NULL, OPT_UNIT},
        {"format", required_argument, NULL, OPT_FORMAT},     {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, OPT_QUIET},             {"progress", no_argument, NULL, OPT_PROGRESS},
        {"help", no_argument, NULL, 'h'},                    {NULL, 0, NULL, 0}};
    cim_sensors_ingest_options o = CIM_SENSORS_INGEST_OPTIONS_INIT;
    const char *attrs[MAX_LIST + 1] = {NULL}, *units[MAX_LIST + 1] = {NULL};
    size_t nattrs = 0, nunits = 0;
    int json = 0, c;
    cli_progress_mode pmode = CLI_PROGRESS_AUTO;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_LAYER: o.layer = optarg; break;
        case OPT_KIND: break;
        case OPT_SENSOR: o.sensor_field = optarg; break;
        case OPT_TIME: o.time_field = optarg; break;
        case OPT_TZ: o.tz = optarg; break;
        case OPT_X: o.x_field = optarg; break;
        case OPT_Y: o.y_field = optarg; break;
        case OPT_S_SRS: o.s_srs = optarg; break;
        case OPT_LOCATIONS: o.locations = optarg; break;
        case OPT_PROP: o.property_field = optarg; break;
        case OPT_VALUE: o.value_field = optarg; break;
        case OPT_ATTR:
        case OPT_UNIT:
            if ((c == OPT_ATTR ? nattrs : nunits) == MAX_LIST)
                return cli_usage_error("ingest", "at most %d --attr-field / --unit options", MAX_LIST);
            if (c == OPT_ATTR)
                attrs[nattrs++] = optarg;
            else
                units[nunits++] = optarg;
            break;
        case OPT_FORMAT: o.format = optarg; break;
        case OPT_JSON: json = 1; break;
        case OPT_QUIET: pmode = CLI_PROGRESS_QUIET; break;
        case OPT_PROGRESS: pmode = CLI_PROGRESS_LINES; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("ingest", "bad option '%s' for --kind sensor", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("ingest", "give STORE and FILE");
    if (!o.layer)
        return cli_usage_error("ingest", "--kind sensor needs --layer NAME");
    o.attr_fields = nattrs ? attrs : NULL;
    o.units = nunits ? units : NULL;
    const char *store_path = argv[optind], *source = argv[optind + 1];
    cli_run run;
    int rc = cli_run_begin(&run, "ingest", store_path, pmode, argc, argv);
    if (rc != CLI_GO_ON)
        return rc;
    o.progress = cli_progress_cb;
    o.progress_payload = &run.progress;
    o.command_line = run.command_line;
    cim_sensors_ingest_result *r = NULL;
    rc = cim_sensors_ingest(&r, run.store, source, &o);
    cli_run_end(&run);
    if (rc)
        return cli_fail("ingest", rc);
    if (json) {
        printf("{\"store\":");
        cli_json_str(stdout, store_path);
        printf(",\"layer\":");
        cli_json_str(stdout, o.layer);
        printf(",\"run\":%lld,\"sha256\":\"%s\",\"seconds\":%.3f,\"records\":%lld,\"readings\":%lld,"
               "\"inserted\":%lld,\"duplicates\":%lld,\"conflicts\":%lld,\"first_conflict\":",
               (long long)r->run_id, r->source_sha256, r->seconds, (long long)r->records, (long long)r->readings,
               (long long)r->inserted, (long long)r->duplicates, (long long)r->conflicts);
        cli_json_str(stdout, r->first_conflict);
        printf(",\"sensors_new\":%lld,\"sensors\":%lld}\n", (long long)r->sensors_new, (long long)r->sensors_total);
    } else if (pmode != CLI_PROGRESS_QUIET) {
        printf("%s: %lld records, %lld readings: %lld inserted, %lld already stored", o.layer,
               (long long)r->records, (long long)r->readings, (long long)r->inserted, (long long)r->duplicates);
        if (r->conflicts)
            printf(", %lld conflicting (stored value kept; first: %s)", (long long)r->conflicts, r->first_conflict);
        printf("; %lld sensors (%lld new)\n", (long long)r->sensors_total, (long long)r->sensors_new);
        if (r->run_id)
            printf("from %s in %.2f s (run %lld)\n", source, r->seconds, (long long)r->run_id);
        else
            printf("nothing new in %s; store unchanged\n", source);
    }
    cim_sensors_ingest_result_free(r);
    return CLI_EXIT_OK;
}
