/* cmd_run.c: cim run PIPELINE: the nightly job in one command. The steps run
 * in this process through the subcommands' own handlers, each in its own
 * transaction, so a failing step leaves the store as the step before left it;
 * reading the file, planning, logging and locking are libcim's. */
#include "cli.h"
#include "run_steps.h"

#include <cim/cim.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const help =
    "usage: cim run PIPELINE [--dry-run] [--from STEP | --only STEP] [--force]\n"
    "               [--json] [--quiet | --progress]\n"
    "\n"
    "Run a pipeline file: a JSON object with the store and its steps, e.g.\n"
    "  {\"store\": \"district.cim\",\n"
    "   \"steps\": [\n"
    "     {\"name\": \"init\", \"command\": \"init\", \"srid\": 4547},\n"
    "     {\"name\": \"parcels\", \"command\": \"ingest\", \"source\": \"src/parcels.geojson\",\n"
    "      \"layer\": \"parcels\", \"role\": \"parcels\", \"replace\": true},\n"
    "     {\"name\": \"redline\", \"command\": \"check redline\", \"parcels\": \"parcels\",\n"
    "      \"lines\": \"blocklines\", \"replace\": true}]}\n"
    "Commands: init, ingest, aggregate, indicators, check redline, check siting; a\n"
    "step's other keys are the command's long options without '--' (true for a\n"
    "flag, a list to repeat one). Relative paths are taken from the pipeline's\n"
    "folder; ${VAR} in a value is the environment variable VAR.\n"
    "\n"
    "A step is skipped when its fingerprint (SHA-256 of its options, its source\n"
    "files and the versions of the layers it reads) equals that of its last\n"
    "successful run; init is skipped when the store exists. Each step is one\n"
    "transaction: a failing step stops the run with its exit code and leaves the\n"
    "store as the step before left it. The run and its steps are logged in\n"
    "cim_runs and cim_run_steps. STORE.lock keeps a second run on the same store\n"
    "from starting (it exits 4); on a PostGIS store (a connection string as\n"
    "\"store\") an advisory lock on the schema does.\n"
    "\n"
    "  --dry-run      print the plan (what would run or be skipped, and why); change nothing\n"
    "  --from STEP    start at this step (earlier ones are not considered)\n"
    "  --only STEP    run this step only\n"
    "  --force        run the selected steps even when unchanged\n"
    "  --json         print the summary (or the plan) as JSON\n"
    "  --quiet        print nothing on success (for cron); steps run with --quiet\n"
    "  --progress     steps print progress as plain lines on stderr\n"
    "\n"
    "Exit codes: 0 ok, 1 a --strict step found violations, 2 usage or a wrong\n"
    "pipeline file (unknown command or option, missing store), 3 bad input data\n"
    "(also: a pipeline that is not valid JSON), 4 store or I/O failure (also: the\n"
    "store is locked by another run), 5 internal.\n"
    "Example: cim run samples/district.pipeline.json --quiet\n";

enum { OPT_DRY = 256, OPT_FROM, OPT_ONLY, OPT_FORCE, OPT_JSON, OPT_QUIET, OPT_PROGRESS };

typedef struct step_result {
    const char *status;       /* ok | skipped | failed | not selected | not run */
    double seconds;
    int exit_code;
    char reason[256];         /* why it ran or was skipped */
    char counts[4096];
} step_result;

static void utc_text(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* argv for the step: the command's words, STORE, positional options, then
 * --key value pairs in the file's order, then --quiet/--progress. */
/* A copy of value in the buffer at *at: a command may cut its arguments up
 * in place (cim tiles splits "--layer a,b"), and the pipeline's own values
 * must stay whole for the fingerprint taken after the step. */
static char *own_copy(char **at, const char *value)
{
    char *copy = *at;
    size_t n = strlen(value) + 1;
    memcpy(copy, value, n);
    *at += n;
    return copy;
}

static char **step_argv(const cim_pipeline_step *st, const char *store, cli_progress_mode mode, int *argc,
                        char **names_out, char **values_out)
{
    const run_step_handler *h = st->command->payload;
    char **argv = calloc(2 * st->arg_count + 8, sizeof *argv);
    size_t bytes = 1;
    for (size_t a = 0; a < st->arg_count; a++)
        bytes += strlen(st->args[a].value) + 1;
    char *values = malloc(bytes), *at = values;
    *values_out = values;
    *names_out = NULL;
    if (!argv || !values) {
        free(argv);
        return NULL;
    }
    int n = 0;
    for (int w = 0; w < 3 && h->words[w]; w++)
        argv[n++] = (char *)h->words[w];
    argv[n++] = (char *)store;
    for (size_t a = 0; a < st->arg_count; a++)
        if (st->args[a].key->flags & CIM_PIPELINE_POSITIONAL)
            argv[n++] = own_copy(&at, st->args[a].value);
    enum { NAME_CAP = 72 };
    char *names = calloc(st->arg_count + 1, NAME_CAP);
    *names_out = names;
    if (!names) {
        free(argv);
        return NULL;
    }
    size_t used = 0;
    for (size_t a = 0; a < st->arg_count; a++) {
        const cim_pipeline_arg *arg = &st->args[a];
        if (arg->key->flags & CIM_PIPELINE_POSITIONAL)
            continue;
        char *name = names + NAME_CAP * used++;
        snprintf(name, NAME_CAP, "--%s", arg->key->name);
        argv[n++] = name;
        if (arg->key->kind != CIM_PIPELINE_FLAG)
            argv[n++] = own_copy(&at, arg->value);
    }
    if (mode == CLI_PROGRESS_QUIET && (h->flags & RUN_STEP_QUIET))
        argv[n++] = "--quiet";
    if (mode == CLI_PROGRESS_LINES && (h->flags & RUN_STEP_PROGRESS))
        argv[n++] = "--progress";
    argv[n] = NULL;
    *argc = n;
    return argv;
}

/* Runs the step's handler in this process; its stdout goes to /dev/null when
 * the run's own stdout is for a machine (--json) or for nobody (--quiet). */
static int run_handler(const cim_pipeline_step *st, const char *store, cli_progress_mode mode, int hide_stdout)
{
    const run_step_handler *h = st->command->payload;
    int argc = 0;
    char *names = NULL, *values = NULL;
    char **argv = step_argv(st, store, mode, &argc, &names, &values);
    if (!argv || !names) {
        free(argv);
        free(names);
        free(values);
        fprintf(stderr, "cim: run: step '%s': out of memory\n", st->name);
        return CLI_EXIT_INTERNAL;
    }
    int saved = -1;
    fflush(stdout);
    if (hide_stdout) {
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        saved = dup(STDOUT_FILENO);
        if (devnull >= 0 && saved >= 0)
            dup2(devnull, STDOUT_FILENO);
        if (devnull >= 0)
            close(devnull);
    }
    optind = 0; /* glibc: start getopt afresh for this command */
    int rc = h->run(argc, argv);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    free(argv);
    free(names);
    free(values);
    return rc;
}

static void print_plan(const cim_pipeline *p, const cim_pipeline_decision *plan, int json)
{
    size_t n = cim_pipeline_step_count(p);
    if (json) {
        printf("{\"store\":");
        cli_json_str(stdout, cim_pipeline_store_path(p));
        printf(",\"dry_run\":true,\"steps\":[");
        for (size_t i = 0; i < n; i++) {
            const cim_pipeline_step *st = cim_pipeline_step_at(p, i);
            printf("%s{\"name\":", i ? "," : "");
            cli_json_str(stdout, st->name);
            printf(",\"command\":");
            cli_json_str(stdout, st->command->name);
            printf(",\"action\":\"%s\",\"reason\":", cim_pipeline_action_name(plan[i].action));
            cli_json_str(stdout, plan[i].reason);
            printf(",\"fingerprint\":");
            cli_json_str(stdout, *plan[i].fingerprint ? plan[i].fingerprint : NULL);
            printf("}");
        }
        printf("]}\n");
        return;
    }
    printf("plan for %s (dry run: nothing is changed)\n", cim_pipeline_store_path(p));
    for (size_t i = 0; i < n; i++) {
        const cim_pipeline_step *st = cim_pipeline_step_at(p, i);
        printf("  %2zu %-16s %-14s %-12s %s\n", i + 1, st->name, st->command->name,
               cim_pipeline_action_name(plan[i].action), plan[i].reason);
    }
}

static void print_summary(const cim_pipeline *p, const step_result *res, int64_t run_id, int rc, int json,
                          double total)
{
    size_t n = cim_pipeline_step_count(p);
    if (json) {
        printf("{\"store\":");
        cli_json_str(stdout, cim_pipeline_store_path(p));
        printf(",\"run\":%lld,\"status\":\"%s\",\"exit_code\":%d,\"seconds\":%.3f,\"steps\":[", (long long)run_id,
               rc ? "failed" : "ok", rc, total);
        for (size_t i = 0; i < n; i++) {
            const cim_pipeline_step *st = cim_pipeline_step_at(p, i);
            printf("%s{\"name\":", i ? "," : "");
            cli_json_str(stdout, st->name);
            printf(",\"command\":");
            cli_json_str(stdout, st->command->name);
            printf(",\"status\":\"%s\",\"reason\":", res[i].status);
            cli_json_str(stdout, *res[i].reason ? res[i].reason : NULL);
            printf(",\"seconds\":%.3f,\"exit_code\":%d,\"counts\":%s}", res[i].seconds, res[i].exit_code,
                   *res[i].counts ? res[i].counts : "null");
        }
        printf("]}\n");
        return;
    }
    printf("run %lld of %s: %s in %.2f s\n", (long long)run_id, cim_pipeline_store_path(p), rc ? "FAILED" : "ok",
           total);
    for (size_t i = 0; i < n; i++) {
        const cim_pipeline_step *st = cim_pipeline_step_at(p, i);
        int skipped = !strcmp(res[i].status, "skipped") || !strcmp(res[i].status, "not selected");
        printf("  %2zu %-16s %-14s %-12s %7.2f s  %s\n", i + 1, st->name, st->command->name, res[i].status,
               res[i].seconds, skipped ? res[i].reason : res[i].counts);
    }
}

static int select_step(const cim_pipeline *p, const char *name, const char *opt, long *out)
{
    *out = cim_pipeline_step_find(p, name);
    if (*out < 0)
        return cli_usage_error("run", "%s '%s': no such step in the pipeline", opt, name);
    return CLI_GO_ON;
}

typedef struct run_state {
    const cim_pipeline *p;
    cim_store *store;
    int64_t run_id;
    char *command_line;
    char started_at[32];
} run_state;

/* Opens the store and starts the log once the store exists (after init). */
static int ensure_log(run_state *rs)
{
    if (rs->store)
        return CIM_OK;
    if (!cim_pipeline_store_exists(rs->p))
        return CIM_OK;
    int rc = cim_store_open(&rs->store, cim_pipeline_store_path(rs->p), CIM_STORE_READWRITE);
    if (!rc)
        rc = cim_pipeline_log_begin(&rs->run_id, rs->store, rs->command_line, rs->started_at);
    return rc;
}

static int execute(run_state *rs, const cim_pipeline_plan_options *po, cli_progress_mode mode, int json,
                   step_result *res)
{
    const cim_pipeline *p = rs->p;
    size_t n = cim_pipeline_step_count(p);
    int hide = json || mode == CLI_PROGRESS_QUIET;
    for (size_t i = 0; i < n; i++) {
        const cim_pipeline_step *st = cim_pipeline_step_at(p, i);
        cim_pipeline_decision d;
        int rc = ensure_log(rs);
        if (!rc)
            rc = cim_pipeline_decide(&d, rs->store, p, i, po);
        if (rc)
            return cli_fail("run", rc);
        snprintf(res[i].reason, sizeof res[i].reason, "%s", d.reason);
        if (d.action == CIM_PIPELINE_SKIP_UNSELECTED) {
            res[i].status = "not selected";
            continue;
        }
        cim_pipeline_step_log log = {st->name, st->command->name, i + 1, "skipped", d.reason, d.fingerprint, 0,
                                     NULL, NULL, 0, 0};
        char started[32], ended[32];
        utc_text(started);
        log.started_at = started;
        int step_rc = 0;
        double s0 = now_seconds();
        if (d.action == CIM_PIPELINE_RUN) {
            if (rs->store && (rc = cim_pipeline_last_run_id(rs->store, &log.after_run)))
                return cli_fail("run", rc);
            if (!json && mode != CLI_PROGRESS_QUIET) {
                printf("[%zu/%zu] %s: cim %s (%s)\n", i + 1, n, st->name, st->command->name, d.reason);
                fflush(stdout);
            }
            step_rc = run_handler(st, cim_pipeline_store_path(p), mode, hide);
            log.status = step_rc ? "failed" : "ok";
        }
        res[i].seconds = now_seconds() - s0;
        res[i].exit_code = step_rc;
        res[i].status = log.status;
        utc_text(ended);
        log.ended_at = ended;
        log.seconds = res[i].seconds;
        log.exit_code = step_rc;
        rc = ensure_log(rs);
        char after[65];
        /* The state the step left (its output layers' new versions) is what
         * the next run compares with. */
        if (!rc && rs->store && !step_rc && d.action == CIM_PIPELINE_RUN) {
            rc = cim_pipeline_fingerprint(after, rs->store, p, i);
            log.fingerprint = after;
        }
        if (!rc && rs->store)
            rc = cim_pipeline_log_step(rs->store, rs->run_id, &log, res[i].counts, sizeof res[i].counts);
        if (rc)
            return cli_fail("run", rc);
        if (step_rc == CLI_EXIT_VIOLATIONS) {
            /* The check's result is stored; --strict only turns its findings into a stop. */
            fprintf(stderr, "cim: run: step '%s' (%s) found violations (--strict, exit code 1); later steps not run\n",
                    st->name, st->command->name);
        } else if (step_rc) {
            fprintf(stderr, "cim: run: step '%s' (%s) failed with exit code %d; later steps not run, the store is as"
                            " the steps before left it\n", st->name, st->command->name, step_rc);
        }
        if (step_rc) {
            for (size_t j = i + 1; j < n; j++)
                res[j].status = "not run";
            return step_rc;
        }
    }
    return CLI_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dry-run", no_argument, NULL, OPT_DRY}, {"from", required_argument, NULL, OPT_FROM},
        {"only", required_argument, NULL, OPT_ONLY}, {"force", no_argument, NULL, OPT_FORCE},
        {"json", no_argument, NULL, OPT_JSON},   {"quiet", no_argument, NULL, OPT_QUIET},
        {"progress", no_argument, NULL, OPT_PROGRESS}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int dry = 0, json = 0, c;
    const char *from = NULL, *only = NULL;
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    cim_pipeline_plan_options po = CIM_PIPELINE_PLAN_OPTIONS_INIT;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DRY: dry = 1; break;
        case OPT_FROM: from = optarg; break;
        case OPT_ONLY: only = optarg; break;
        case OPT_FORCE: po.force = 1; break;
        case OPT_JSON: json = 1; break;
        case OPT_QUIET: mode = CLI_PROGRESS_QUIET; break;
        case OPT_PROGRESS: mode = CLI_PROGRESS_LINES; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("run", "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("run", "give one PIPELINE file");
    if (from && only)
        return cli_usage_error("run", "--from and --only exclude each other");
    char *command_line = cli_join_args(argc, argv);
    cim_pipeline_load_options lo = CIM_PIPELINE_LOAD_OPTIONS_INIT;
    lo.commands = run_step_commands;
    lo.command_count = run_step_command_count;
    cim_pipeline *p = NULL;
    /* the steps run getopt again (optind = 0): keep the file's name now */
    const char *pipeline_file = argv[optind];
    int rc = cim_pipeline_load(&p, pipeline_file, &lo);
    if (rc) {
        free(command_line);
        return cli_fail("run", rc);
    }
    rc = CLI_GO_ON;
    if (from)
        rc = select_step(p, from, "--from", &po.from);
    if (only)
        rc = select_step(p, only, "--only", &po.only);
    if (rc != CLI_GO_ON)
        goto done;
    const char *store_path = cim_pipeline_store_path(p);
    if (dry) {
        cim_store *s = NULL;
        if (cim_pipeline_store_exists(p) && (rc = cim_store_open(&s, store_path, CIM_STORE_READONLY))) {
            rc = cli_fail("run", rc);
            goto done;
        }
        cim_pipeline_decision *plan = NULL;
        rc = cim_pipeline_plan(&plan, s, p, &po);
        cim_store_free(s);
        if (rc) {
            rc = cli_fail("run", rc);
            goto done;
        }
        print_plan(p, plan, json);
        cim_pipeline_plan_free(plan);
        rc = CLI_EXIT_OK;
        goto done;
    }
    cim_pipeline_lock *lock = NULL;
    rc = cim_pipeline_lock_take(&lock, store_path);
    if (rc) {
        rc = cli_fail("run", rc);
        goto done;
    }
    size_t n = cim_pipeline_step_count(p);
    step_result *res = calloc(n, sizeof *res);
    for (size_t i = 0; i < n; i++)
        res[i].status = "not run";
    run_state rs = {p, NULL, 0, command_line, ""};
    utc_text(rs.started_at);
    double t0 = now_seconds();
    rc = execute(&rs, &po, mode, json, res);
    double total = now_seconds() - t0;
    if (rs.store) {
        char counts[256];
        size_t ran = 0, skipped = 0;
        for (size_t i = 0; i < n; i++) {
            ran += res[i].status && (!strcmp(res[i].status, "ok") || !strcmp(res[i].status, "failed"));
            skipped += res[i].status && !strcmp(res[i].status, "skipped");
        }
        snprintf(counts, sizeof counts, "{\"steps\":%zu,\"ran\":%zu,\"skipped\":%zu,\"exit_code\":%d}", n, ran,
                 skipped, rc);
        int lrc = cim_pipeline_log_end(rs.store, rs.run_id, rc ? "failed" : "ok", counts, pipeline_file);
        if (lrc && !rc)
            rc = cli_fail("run", lrc);
    }
    if (json || (mode != CLI_PROGRESS_QUIET))
        print_summary(p, res, rs.run_id, rc, json, total);
    cim_store_free(rs.store);
    cim_pipeline_lock_free(lock);
    free(res);
done:
    cim_pipeline_free(p);
    free(command_line);
    return rc;
}
