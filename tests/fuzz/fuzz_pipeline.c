/* fuzz_pipeline.c: libFuzzer target for the pipeline file parser
 * (libcim/pipeline.c, JSON by jansson). Each input is parsed with a command
 * table shaped like cim's own; a parsed pipeline is walked (every step, every
 * argument) and freed. Any crash, leak, overflow or undefined behaviour is a
 * bug; CIM_EFORMAT / CIM_EINVALID are fine answers, and a failed parse must
 * hand back no pipeline and a message. */
#include <stdint.h>
#include <string.h>

#include <cim/error.h>
#include <cim/pipeline.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const cim_pipeline_key init_keys[] = {{"srid", CIM_PIPELINE_TEXT, 0}, {NULL, CIM_PIPELINE_TEXT, 0}};
static const cim_pipeline_key ingest_keys[] = {
    {"source", CIM_PIPELINE_SOURCE, CIM_PIPELINE_REQUIRED | CIM_PIPELINE_POSITIONAL},
    {"layer", CIM_PIPELINE_LAYER_OUT, 0},
    {"rules", CIM_PIPELINE_PATH, 0},
    {"replace", CIM_PIPELINE_FLAG, 0},
    {"oo", CIM_PIPELINE_TEXT, CIM_PIPELINE_REPEAT},
    {NULL, CIM_PIPELINE_TEXT, 0}};
static const cim_pipeline_key check_keys[] = {
    {"control", CIM_PIPELINE_LAYER_IN, CIM_PIPELINE_REQUIRED | CIM_PIPELINE_REPEAT},
    {"site", CIM_PIPELINE_SOURCE, 0},
    {"strict", CIM_PIPELINE_FLAG, 0},
    {"tolerance", CIM_PIPELINE_TEXT, 0},
    {"out", CIM_PIPELINE_LAYER_OUT, 0},
    {NULL, CIM_PIPELINE_TEXT, 0}};
static const cim_pipeline_command table[] = {{"init", init_keys, 1, NULL},
                                             {"ingest", ingest_keys, 0, NULL},
                                             {"check siting", check_keys, 0, NULL}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cim_pipeline_load_options o = CIM_PIPELINE_LOAD_OPTIONS_INIT;
    o.commands = table;
    o.command_count = sizeof table / sizeof table[0];
    cim_pipeline *p = NULL;
    int rc = cim_pipeline_parse(&p, (const char *)data, size, "fuzz.json", "/base", &o);
    if (rc) {
        const cim_error *e = cim_error_last();
        if (p || !e || !e->message || (rc != CIM_EFORMAT && rc != CIM_EINVALID))
            __builtin_trap();
        return 0;
    }
    size_t total = strlen(cim_pipeline_store_path(p));
    for (size_t i = 0; i < cim_pipeline_step_count(p); i++) {
        const cim_pipeline_step *st = cim_pipeline_step_at(p, i);
        if (!st || !st->command || cim_pipeline_step_find(p, st->name) != (long)i)
            __builtin_trap();
        for (size_t a = 0; a < st->arg_count; a++)
            total += strlen(st->args[a].value) + strlen(st->args[a].written);
    }
    (void)total;
    cim_pipeline_free(p);
    return 0;
}
