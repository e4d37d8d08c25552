/* test_pipeline.c: the pipeline file parser (cim/pipeline.h) with a small
 * command table of its own: keys, kinds, paths, ${VAR}, errors that name the
 * file, step and key; and fingerprints that follow file contents (SHA-256,
 * checked against a hash computed here by sha256sum's rules: any byte change
 * changes it, an mtime change does not). */
#include <cim/cim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static const cim_pipeline_key k_init[] = {{"srid", CIM_PIPELINE_TEXT, 0}, {NULL, CIM_PIPELINE_TEXT, 0}};
static const cim_pipeline_key k_ingest[] = {
    {"source", CIM_PIPELINE_SOURCE, CIM_PIPELINE_REQUIRED | CIM_PIPELINE_POSITIONAL},
    {"layer", CIM_PIPELINE_LAYER_OUT, 0},
    {"replace", CIM_PIPELINE_FLAG, 0},
    {"oo", CIM_PIPELINE_TEXT, CIM_PIPELINE_REPEAT},
    {NULL, CIM_PIPELINE_TEXT, 0}};
static const cim_pipeline_key k_agg[] = {{"layer", CIM_PIPELINE_LAYER_IN, CIM_PIPELINE_REQUIRED},
                                         {"out", CIM_PIPELINE_LAYER_OUT, CIM_PIPELINE_REQUIRED},
                                         {"control", CIM_PIPELINE_LAYER_IN, CIM_PIPELINE_REPEAT},
                                         {NULL, CIM_PIPELINE_TEXT, 0}};
static const cim_pipeline_command table[] = {
    {"init", k_init, 1, NULL}, {"ingest", k_ingest, 0, NULL}, {"aggregate", k_agg, 0, NULL}};

static int parse(cim_pipeline **p, const char *text)
{
    cim_pipeline_load_options o = CIM_PIPELINE_LOAD_OPTIONS_INIT;
    o.commands = table;
    o.command_count = 3;
    return cim_pipeline_parse(p, text, strlen(text), "t.json", "/base", &o);
}

static const char *last_message(void)
{
    const cim_error *e = cim_error_last();
    return e && e->message ? e->message : "";
}

static void good_file(void)
{
    setenv("CIM_TEST_PIPELINE_LAYER", "blocks", 1);
    cim_pipeline *p = NULL;
    int rc = parse(&p,
                   "{\"store\": \"s.cim\", \"comment\": \"x\", \"steps\": ["
                   " {\"name\": \"init\", \"command\": \"init\", \"srid\": 4547},"
                   " {\"name\": \"p\", \"command\": \"ingest\", \"source\": \"src/p.geojson\", \"layer\": \"p\","
                   "  \"replace\": true, \"oo\": [\"A=1\", \"B=2\"]},"
                   " {\"name\": \"q\", \"command\": \"ingest\", \"source\": \"/abs/q.geojson\", \"replace\": false},"
                   " {\"name\": \"a\", \"command\": \"aggregate\", \"layer\": \"p\","
                   "  \"out\": \"${CIM_TEST_PIPELINE_LAYER}_x\", \"control\": [\"p:info\", \"q\"]}]}");
    CHECK_MSG(rc == 0, "%s", last_message());
    if (rc)
        return;
    CHECK_STR(cim_pipeline_store_path(p), "/base/s.cim");
    CHECK(cim_pipeline_step_count(p) == 4);
    const cim_pipeline_step *s0 = cim_pipeline_step_at(p, 0);
    CHECK_STR(s0->command->name, "init");
    CHECK(s0->arg_count == 1);
    CHECK_STR(s0->args[0].value, "4547"); /* a JSON number as text */
    const cim_pipeline_step *s1 = cim_pipeline_step_at(p, 1);
    CHECK(s1->arg_count == 5);
    CHECK_STR(s1->args[0].value, "/base/src/p.geojson");
    CHECK_STR(s1->args[0].written, "src/p.geojson");
    CHECK_STR(s1->args[2].key->name, "replace");
    CHECK_STR(s1->args[2].value, "true");
    CHECK_STR(s1->args[3].value, "A=1");
    CHECK_STR(s1->args[4].value, "B=2");
    const cim_pipeline_step *s2 = cim_pipeline_step_at(p, 2);
    CHECK(s2->arg_count == 1); /* "replace": false is left out */
    CHECK_STR(s2->args[0].value, "/abs/q.geojson");
    const cim_pipeline_step *s3 = cim_pipeline_step_at(p, 3);
    CHECK_STR(s3->args[1].value, "blocks_x");
    CHECK(cim_pipeline_step_find(p, "a") == 3);
    CHECK(cim_pipeline_step_find(p, "zz") == -1);
    CHECK(cim_pipeline_step_at(p, 4) == NULL);
    cim_pipeline_free(p);
}

typedef struct bad_case {
    const char *text;
    int code;
    const char *message; /* a part of the message */
} bad_case;

static void bad_files(void)
{
    static const bad_case cases[] = {
        {"", CIM_EFORMAT, "pipeline 't.json': line 1, column 0"},
        {"{\"store\": \"s\",\n \"steps\": [\n {\"name\": \"a\" \"command\": \"init\"}]}", CIM_EFORMAT,
         "pipeline 't.json': line 3, column"},
        {"[1]", CIM_EFORMAT, "expected a JSON object at the top"},
        {"{\"steps\": [{\"name\": \"a\", \"command\": \"init\"}]}", CIM_EINVALID, "missing \"store\""},
        {"{\"store\": 3, \"steps\": [{\"name\": \"a\", \"command\": \"init\"}]}", CIM_EFORMAT,
         "\"store\" must be a file path"},
        {"{\"store\": \"s\"}", CIM_EINVALID, "missing \"steps\""},
        {"{\"store\": \"s\", \"steps\": []}", CIM_EFORMAT, "\"steps\" must be a non-empty list"},
        {"{\"store\": \"s\", \"stops\": [], \"steps\": []}", CIM_EINVALID, "unknown key 'stops'"},
        {"{\"store\": \"s\", \"store\": \"t\", \"steps\": []}", CIM_EFORMAT, "duplicate"},
        {"{\"store\": \"s\", \"steps\": [3]}", CIM_EFORMAT, "step 1: expected an object"},
        {"{\"store\": \"s\", \"steps\": [{\"command\": \"init\"}]}", CIM_EINVALID, "step 1: missing \"name\""},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a b\", \"command\": \"init\"}]}", CIM_EFORMAT,
         "\"name\" must be"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\"}]}", CIM_EINVALID, "step 'a': missing \"command\""},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"tiles\"}]}", CIM_EINVALID,
         "step 'a': unknown command 'tiles' (commands: init, ingest, aggregate)"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"init\", \"sird\": 1}]}", CIM_EINVALID,
         "step 'a': unknown option 'sird' (init takes: srid)"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"ingest\"}]}", CIM_EINVALID,
         "step 'a': ingest needs option 'source'"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"ingest\", \"source\": \"x\","
         " \"replace\": 1}]}",
         CIM_EFORMAT, "step 'a', option 'replace': expected true or false"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"ingest\", \"source\": [\"x\"]}]}",
         CIM_EFORMAT, "option 'source': takes one value, not a list"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"ingest\", \"source\": \"\"}]}",
         CIM_EFORMAT, "option 'source': empty value"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"ingest\", \"source\": null}]}",
         CIM_EFORMAT, "option 'source': expected a string or a number"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"ingest\", \"source\": \"x\","
         " \"oo\": []}]}",
         CIM_EFORMAT, "option 'oo': empty list"},
        {"{\"store\": \"${CIM_TEST_UNSET_VARIABLE}\", \"steps\": [{\"name\": \"a\", \"command\": \"init\"}]}",
         CIM_EINVALID, "environment variable 'CIM_TEST_UNSET_VARIABLE' is not set"},
        {"{\"store\": \"${oops\", \"steps\": [{\"name\": \"a\", \"command\": \"init\"}]}", CIM_EFORMAT,
         "unterminated or empty ${...}"},
        {"{\"store\": \"s\", \"steps\": [{\"name\": \"a\", \"command\": \"init\"},"
         " {\"name\": \"a\", \"command\": \"init\"}]}",
         CIM_EINVALID, "step name 'a' is used twice"},
    };
    unsetenv("CIM_TEST_UNSET_VARIABLE");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cim_pipeline *p = NULL;
        int rc = parse(&p, cases[i].text);
        CHECK_MSG(rc == cases[i].code, "case %zu: rc %d, wanted %d (%s)", i, rc, cases[i].code, last_message());
        CHECK(p == NULL);
        CHECK_MSG(strstr(last_message(), cases[i].message) != NULL, "case %zu: message '%s' lacks '%s'", i,
                  last_message(), cases[i].message);
        cim_pipeline_free(p);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

/* Fingerprints: the same file gives the same one; one changed byte, another
 * option or another command gives another; a store-less plan runs all. */
static void fingerprints(void)
{
    char dir[] = "/tmp/cim-test-pipeline.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char src[256], pipe[256], text[1024];
    snprintf(src, sizeof src, "%s/a.geojson", dir);
    snprintf(pipe, sizeof pipe, "%s/p.json", dir);
    write_file(src, "{\"type\": \"FeatureCollection\", \"features\": []}");
    snprintf(text, sizeof text,
             "{\"store\": \"s.cim\", \"steps\": [{\"name\": \"i\", \"command\": \"init\"},"
             " {\"name\": \"a\", \"command\": \"ingest\", \"source\": \"a.geojson\", \"layer\": \"a\"},"
             " {\"name\": \"b\", \"command\": \"aggregate\", \"layer\": \"a\", \"out\": \"b\"}]}");
    write_file(pipe, text);
    cim_pipeline_load_options o = CIM_PIPELINE_LOAD_OPTIONS_INIT;
    o.commands = table;
    o.command_count = 3;
    cim_pipeline *p = NULL;
    int rc = cim_pipeline_load(&p, pipe, &o);
    CHECK_MSG(rc == 0, "%s", last_message());
    if (rc)
        return;
    char want_store[300];
    snprintf(want_store, sizeof want_store, "%s/s.cim", dir);
    CHECK_STR(cim_pipeline_store_path(p), want_store);
    cim_pipeline_decision *plan = NULL;
    CHECK(cim_pipeline_plan(&plan, NULL, p, NULL) == 0);
    CHECK(plan[0].action == CIM_PIPELINE_RUN && plan[1].action == CIM_PIPELINE_RUN &&
          plan[2].action == CIM_PIPELINE_RUN);
    CHECK(plan[0].fingerprint[0] == '\0'); /* init: no fingerprint */
    CHECK(strlen(plan[1].fingerprint) == 64);
    char first[65];
    memcpy(first, plan[1].fingerprint, 65);
    cim_pipeline_plan_free(plan);
    /* Same content again (rewritten): same fingerprint. */
    write_file(src, "{\"type\": \"FeatureCollection\", \"features\": []}");
    cim_pipeline_decision d;
    CHECK(cim_pipeline_decide(&d, NULL, p, 1, NULL) == 0);
    CHECK_STR(d.fingerprint, first);
    /* One byte more: another fingerprint. */
    write_file(src, "{\"type\": \"FeatureCollection\", \"features\": [] }");
    CHECK(cim_pipeline_decide(&d, NULL, p, 1, NULL) == 0);
    CHECK(strcmp(d.fingerprint, first) != 0);
    /* --only and --from. */
    cim_pipeline_plan_options po = CIM_PIPELINE_PLAN_OPTIONS_INIT;
    po.only = 2;
    CHECK(cim_pipeline_decide(&d, NULL, p, 1, &po) == 0);
    CHECK(d.action == CIM_PIPELINE_SKIP_UNSELECTED);
    CHECK(cim_pipeline_decide(&d, NULL, p, 2, &po) == 0);
    CHECK(d.action == CIM_PIPELINE_RUN);
    po.only = -1;
    po.from = 2;
    CHECK(cim_pipeline_decide(&d, NULL, p, 1, &po) == 0);
    CHECK(d.action == CIM_PIPELINE_SKIP_UNSELECTED);
    /* A missing source names the step and the option. */
    unlink(src);
    rc = cim_pipeline_decide(&d, NULL, p, 1, NULL);
    CHECK(rc != 0);
    CHECK_MSG(strstr(last_message(), "step 'a', option 'source'") != NULL, "%s", last_message());
    cim_pipeline_free(p);
    unlink(pipe);
    rmdir(dir);
}

/* The lock: a second taker on the same store is refused with CIM_ESTORE
 * naming the holder's pid; after release it is free again. */
static void lock(void)
{
    char dir[] = "/tmp/cim-test-lock.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char store[256], lockfile[300];
    snprintf(store, sizeof store, "%s/s.cim", dir);
    snprintf(lockfile, sizeof lockfile, "%s.lock", store);
    cim_pipeline_lock *a = NULL, *b = NULL;
    CHECK(cim_pipeline_lock_take(&a, store) == 0);
    CHECK(cim_pipeline_lock_take(&b, store) == CIM_ESTORE);
    CHECK(b == NULL);
    char pid[32];
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    CHECK_MSG(strstr(last_message(), pid) != NULL, "%s", last_message());
    cim_pipeline_lock_free(a);
    CHECK(cim_pipeline_lock_take(&b, store) == 0);
    cim_pipeline_lock_free(b);
    cim_pipeline_lock_free(NULL);
    unlink(lockfile);
    rmdir(dir);
}

int main(void)
{
    cim_init();
    good_file();
    bad_files();
    fingerprints();
    lock();
    cim_shutdown();
    return check_report();
}
