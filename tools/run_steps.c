/* run_steps.c: the commands a pipeline file may use and the options each
 * takes, as JSON keys. The kinds say what matters for skipping unchanged
 * steps: SOURCE files are hashed, LAYER_IN layers' versions count, LAYER_OUT
 * layers tell which later steps an upstream change reaches. */
#include "run_steps.h"

#include "cli.h"

#define T CIM_PIPELINE_TEXT
#define F CIM_PIPELINE_FLAG
#define SRC CIM_PIPELINE_SOURCE
#define PATH CIM_PIPELINE_PATH
#define IN CIM_PIPELINE_LAYER_IN
#define OUT CIM_PIPELINE_LAYER_OUT
#define REQ CIM_PIPELINE_REQUIRED
#define REP CIM_PIPELINE_REPEAT
#define POS CIM_PIPELINE_POSITIONAL

static const cim_pipeline_key init_keys[] = {{"srid", T, 0}, {NULL, T, 0}};
static const run_step_handler init_h = {{"init", NULL, NULL}, cmd_init, RUN_STEP_QUIET};

static const cim_pipeline_key ingest_keys[] = {
    {"source", SRC, REQ | POS}, {"layer", OUT, 0},    {"src-layer", T, 0}, {"s-srs", T, 0},
    {"encoding", T, 0},         {"where", T, 0},      {"oo", T, REP},      {"replace", F, 0},
    {"append", F, 0},           {"upsert", T, 0},     {"role", T, 0},      {"kind", T, 0},
    {"georef", T, 0},
    /* --kind sensor (cmd_ingest_sensor.c) */
    {"sensor-field", T, 0},     {"time-field", T, 0}, {"tz", T, 0},        {"x-field", T, 0},
    {"y-field", T, 0},          {"locations", IN, 0}, {"property-field", T, 0},
    {"value-field", T, 0},      {"unit", T, REP},     {"attr-field", T, REP}, {"format", T, 0},
    {NULL, T, 0}};
static const run_step_handler ingest_h = {{"ingest", NULL, NULL}, cmd_ingest, RUN_STEP_QUIET | RUN_STEP_PROGRESS};

static const cim_pipeline_key aggregate_keys[] = {
    {"layer", IN, REQ}, {"by", T, REQ},      {"out", OUT, REQ},    {"contiguous", F, 0},
    {"gap", T, 0},      {"replace", F, 0},   {"threads", T, 0},    {NULL, T, 0}};
static const run_step_handler aggregate_h = {{"aggregate", NULL, NULL}, cmd_aggregate,
                                             RUN_STEP_QUIET | RUN_STEP_PROGRESS};

static const cim_pipeline_key indicators_keys[] = {
    {"parcels", IN, REQ},     {"buildings", IN, REQ},    {"height-field", T, 0}, {"storeys-field", T, 0},
    {"use-field", T, 0},      {"landuse-field", T, 0},   {"id-field", T, 0},     {"limits-from", T, 0},
    {"storey-heights", T, 0}, {"out", OUT, 0},           {"replace", F, 0},      {"threads", T, 0},
    {"strict", F, 0},         {NULL, T, 0}};
static const run_step_handler indicators_h = {{"indicators", NULL, NULL}, cmd_indicators,
                                              RUN_STEP_QUIET | RUN_STEP_PROGRESS};

static const cim_pipeline_key redline_keys[] = {
    {"parcels", IN, REQ},   {"lines", IN, REQ},        {"level-field", T, 0}, {"level", T, 0},
    {"landuse-field", T, 0}, {"proposed-field", T, 0}, {"rules", SRC, 0},     {"lines-before", IN, 0},
    {"protected", IN, 0},    {"gfa-layer", IN, 0},     {"out", OUT, 0},       {"replace", F, 0},
    {"threads", T, 0},       {"strict", F, 0},         {NULL, T, 0}};
static const run_step_handler redline_h = {{"check", "redline", NULL}, cmd_check, RUN_STEP_QUIET};

static const cim_pipeline_key siting_keys[] = {
    {"site", SRC, 0},      {"s-srs", T, 0},         {"site-layer", IN, 0}, {"where", T, 0},
    {"control", IN, REQ | REP}, {"tolerance", T, 0}, {"tolerance-pct", T, 0}, {"out", OUT, 0},
    {"replace", F, 0},     {"threads", T, 0},       {"strict", F, 0},      {NULL, T, 0}};
static const run_step_handler siting_h = {{"check", "siting", NULL}, cmd_check, RUN_STEP_QUIET};

/* The tiles file is written, not a layer: an output PATH. */
static const cim_pipeline_key tiles_keys[] = {
    {"layer", IN, REQ},       {"output", PATH, REQ},          {"minzoom", T, 0},  {"maxzoom", T, 0},
    {"fields", T, 0},         {"grid", T, 0},                 {"threads", T, 0},  {"max-tile-bytes", T, 0},
    {"max-tile-features", T, 0}, {"buffer", T, 0},            {"preview", PATH, 0}, {"since", T, 0},
    {NULL, T, 0}};
static const run_step_handler tiles_h = {{"tiles", NULL, NULL}, cmd_tiles, RUN_STEP_QUIET | RUN_STEP_PROGRESS};

/* The report file is written, not a layer: an output PATH; the store is only
 * read. */
static const cim_pipeline_key report_keys[] = {
    {"kind", T, REQ},     {"layer", IN, REQ},  {"field", T, 0},     {"by", IN, 0},
    {"by-field", T, 0},   {"title", T, 0},     {"map-width", T, 0}, {"output", PATH, REQ},
    {NULL, T, 0}};
static const run_step_handler report_h = {{"report", NULL, NULL}, cmd_report, RUN_STEP_QUIET};

/* The 3D tileset is a directory written, not a layer: an output PATH. */
static const cim_pipeline_key tiles3d_keys[] = {
    {"layer", IN, REQ},         {"output", PATH, REQ},  {"height-field", T, 0},          {"base-field", T, 0},
    {"storeys-field", T, 0},    {"storey-height", T, 0}, {"fields", T, 0},               {"max-features-per-tile", T, 0},
    {"threads", T, 0},          {NULL, T, 0}};
static const run_step_handler tiles3d_h = {{"tiles3d", NULL, NULL}, cmd_tiles3d, RUN_STEP_QUIET | RUN_STEP_PROGRESS};

/* Bounding the change record that tiles --since reads, e.g.
 * {"command": "prune", "keep-runs": 30} after the tiles step. What keep-runs
 * deletes moves with the runs since (no source or layer shows it): such a
 * step runs every time; a fixed changes-before is done once. */
static const cim_pipeline_key prune_keys[] = {
    {"keep-runs", T, CIM_PIPELINE_RERUN}, {"changes-before", T, 0}, {"dry-run", F, 0}, {NULL, T, 0}};
static const run_step_handler prune_h = {{"prune", NULL, NULL}, cmd_prune, RUN_STEP_QUIET};

/* Later commands join here with their keys. Not yet: cim sensors link |
 * summarize | gaps, whose input is a sensor group (NAME_sensors, NAME_obs)
 * rather than one catalogued layer, which the skipping cannot follow yet. */
const cim_pipeline_command run_step_commands[] = {
    {"init", init_keys, 1, &init_h},
    {"ingest", ingest_keys, 0, &ingest_h},
    {"aggregate", aggregate_keys, 0, &aggregate_h},
    {"indicators", indicators_keys, 0, &indicators_h},
    {"check redline", redline_keys, 0, &redline_h},
    {"check siting", siting_keys, 0, &siting_h},
    {"tiles", tiles_keys, 0, &tiles_h},
    {"report", report_keys, 0, &report_h},
    {"tiles3d", tiles3d_keys, 0, &tiles3d_h},
    {"prune", prune_keys, 0, &prune_h},
};
const size_t run_step_command_count = sizeof run_step_commands / sizeof run_step_commands[0];
