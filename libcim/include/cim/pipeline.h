/* cim/pipeline.h: the nightly pipeline (`cim run`): a declarative JSON file
 * of steps, the plan of what must run (SHA-256 fingerprints of each step's
 * sources, options and input layer versions), the run log and the run lock.
 *
 * The library does not know the commands: the caller (the CLI) passes the
 * table of commands a pipeline may use and the options each one takes, so a
 * new command joins pipelines by adding one table entry. */
#ifndef CIM_PIPELINE_H
#define CIM_PIPELINE_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an option's value is, which says how it is resolved and fingerprinted. */
typedef enum {
    CIM_PIPELINE_TEXT = 0,  /* a string or a number, passed as is */
    CIM_PIPELINE_FLAG,      /* true or false */
    CIM_PIPELINE_SOURCE,    /* an input file: resolved against the pipeline's folder; its SHA-256 counts */
    CIM_PIPELINE_PATH,      /* another file path (rules, output): resolved, its name counts */
    CIM_PIPELINE_LAYER_IN,  /* store layer(s) read: "a", "a,b" or "a:rule"; their versions count */
    CIM_PIPELINE_LAYER_OUT  /* a store layer written */
} cim_pipeline_value_kind;

enum {
    CIM_PIPELINE_REQUIRED = 1u,   /* the step must give it */
    CIM_PIPELINE_REPEAT = 2u,     /* may be an array: the option is repeated */
    CIM_PIPELINE_POSITIONAL = 4u, /* an argument after STORE rather than --name VALUE */
    /* a step giving it runs every time: what it does moves with the runs
     * since (prune --keep-runs), which no source or layer version shows */
    CIM_PIPELINE_RERUN = 8u
};

typedef struct cim_pipeline_key {
    const char *name;
    cim_pipeline_value_kind kind;
    unsigned int flags;
} cim_pipeline_key;

typedef struct cim_pipeline_command {
    const char *name;            /* as written in "command": "ingest", "check redline" */
    const cim_pipeline_key *keys; /* ends with a {NULL} entry */
    int creates_store;           /* the step creates the store (init): skipped when it exists */
    const void *payload;         /* the caller's (the CLI's handler) */
} cim_pipeline_command;

typedef struct cim_pipeline_arg {
    const cim_pipeline_key *key;
    char *value;                 /* ${VAR} expanded, paths resolved; "true" for a set flag */
    char *written;               /* ${VAR} expanded, paths as written: what the fingerprint takes,
                                  * so running the file from another folder changes nothing */
} cim_pipeline_arg;

typedef struct cim_pipeline_step {
    char *name;
    const cim_pipeline_command *command;
    size_t arg_count;
    cim_pipeline_arg *args;      /* in the file's order; false flags left out */
} cim_pipeline_step;

typedef struct cim_pipeline cim_pipeline;

typedef struct cim_pipeline_load_options {
    unsigned int version;
    const cim_pipeline_command *commands; /* required */
    size_t command_count;
    int no_env;                  /* non-zero: leave ${VAR} as written (tests, fuzzing) */
} cim_pipeline_load_options;
#define CIM_PIPELINE_LOAD_OPTIONS_VERSION 1
#define CIM_PIPELINE_LOAD_OPTIONS_INIT {CIM_PIPELINE_LOAD_OPTIONS_VERSION, NULL, 0, 0}
CIM_EXTERN void cim_pipeline_load_options_init(cim_pipeline_load_options *opts);

/* Reads and checks a pipeline file (JSON, parsed with jansson). Errors name
 * the file, the step and the key: CIM_EFORMAT for JSON syntax (with line and
 * column) and wrong value types, CIM_EINVALID for an unknown command or
 * option, a missing store, name or required option, CIM_ENOTFOUND/CIM_EIO
 * when the file cannot be read. */
CIM_EXTERN int cim_pipeline_load(cim_pipeline **out, const char *path, const cim_pipeline_load_options *opts);
/* The same on text in memory; name is used in messages, relative paths are
 * resolved against base_dir. */
CIM_EXTERN int cim_pipeline_parse(cim_pipeline **out, const char *text, size_t len, const char *name,
                                  const char *base_dir, const cim_pipeline_load_options *opts);
CIM_EXTERN void cim_pipeline_free(cim_pipeline *p);

CIM_EXTERN const char *cim_pipeline_store_path(const cim_pipeline *p);
/* Non-zero when the store exists: the file, or a PostGIS schema holding a
 * store (connection strings are kept as written, not resolved as paths). */
CIM_EXTERN int cim_pipeline_store_exists(const cim_pipeline *p);
CIM_EXTERN size_t cim_pipeline_step_count(const cim_pipeline *p);
CIM_EXTERN const cim_pipeline_step *cim_pipeline_step_at(const cim_pipeline *p, size_t i);
/* The index of the step called name, or -1. */
CIM_EXTERN long cim_pipeline_step_find(const cim_pipeline *p, const char *name);

/* --- the plan --- */

typedef enum {
    CIM_PIPELINE_RUN = 0,
    CIM_PIPELINE_SKIP_UNCHANGED,   /* same fingerprint as its last successful run */
    CIM_PIPELINE_SKIP_EXISTS,      /* a creates_store step and the store exists */
    CIM_PIPELINE_SKIP_UNSELECTED   /* left out by --from / --only */
} cim_pipeline_action;

CIM_EXTERN const char *cim_pipeline_action_name(cim_pipeline_action a);

typedef struct cim_pipeline_decision {
    cim_pipeline_action action;
    char fingerprint[65];          /* empty for creates_store steps */
    char reason[256];              /* why, for people */
} cim_pipeline_decision;

typedef struct cim_pipeline_plan_options {
    unsigned int version;
    long from;                     /* first step to consider (index), 0 = all */
    long only;                     /* only this step (index), -1 = all */
    int force;                     /* run selected steps even when unchanged */
} cim_pipeline_plan_options;
#define CIM_PIPELINE_PLAN_OPTIONS_VERSION 1
#define CIM_PIPELINE_PLAN_OPTIONS_INIT {CIM_PIPELINE_PLAN_OPTIONS_VERSION, 0, -1, 0}
CIM_EXTERN void cim_pipeline_plan_options_init(cim_pipeline_plan_options *opts);

/* What step i would do now: its fingerprint (SHA-256 of the command, its
 * options, its source files' contents and the versions of the layers it reads
 * and writes) against the one its last successful run logged. store may be NULL (not created yet). */
CIM_EXTERN int cim_pipeline_decide(cim_pipeline_decision *out, cim_store *store, const cim_pipeline *p, size_t i,
                                   const cim_pipeline_plan_options *opts);

/* Step i's fingerprint now, as cim_pipeline_decide computes it. The runner
 * logs the fingerprint taken after a successful step, which includes the
 * versions of the layers it wrote: a layer changed behind the pipeline's back
 * (another ingest, a dropped table) makes its step run again. */
CIM_EXTERN int cim_pipeline_fingerprint(char out[65], cim_store *store, const cim_pipeline *p, size_t i);

/* The whole plan (one decision per step, caller frees with
 * cim_pipeline_plan_free). A step that reads a layer an earlier running step
 * writes runs too, since that layer's version will change. */
CIM_EXTERN int cim_pipeline_plan(cim_pipeline_decision **out, cim_store *store, const cim_pipeline *p,
                                 const cim_pipeline_plan_options *opts);
CIM_EXTERN void cim_pipeline_plan_free(cim_pipeline_decision *plan);

/* --- the run log: a cim_runs row for the run, one cim_run_steps row per step --- */

/* Starts the log of a run (a cim_runs row, command 'run'); marks runs left
 * 'running' by a killed process 'interrupted'. Call with the run lock held. */
CIM_EXTERN int cim_pipeline_log_begin(int64_t *out_run, cim_store *store, const char *arguments,
                                      const char *started_at);

typedef struct cim_pipeline_step_log {
    const char *step, *command;
    size_t seq;                    /* position in the pipeline, from 1 */
    const char *status;            /* ok | skipped | failed */
    const char *reason, *fingerprint;
    int64_t after_run;             /* the highest cim_runs id before the step ran */
    const char *started_at, *ended_at;
    double seconds;
    int exit_code;
} cim_pipeline_step_log;

/* Logs a step (its own transaction). The cim_runs row the step's command
 * wrote, if any (the highest id above after_run), is linked; its counts JSON
 * is copied into counts_out (truncated to cap bytes; "" if none). */
CIM_EXTERN int cim_pipeline_log_step(cim_store *store, int64_t run, const cim_pipeline_step_log *row,
                                     char *counts_out, size_t cap);
/* The highest cim_runs id now (0 for none). */
CIM_EXTERN int cim_pipeline_last_run_id(cim_store *store, int64_t *out);
/* Ends the run's log: status ok | failed, a counts JSON and a message. */
CIM_EXTERN int cim_pipeline_log_end(cim_store *store, int64_t run, const char *status, const char *counts_json,
                                    const char *message);

/* --- the run lock: one `cim run` per store at a time --- */

typedef struct cim_pipeline_lock cim_pipeline_lock;
/* Takes an exclusive lock on STORE.lock (created next to the store, kept);
 * on a PostGIS store a session advisory lock on the schema, held by a
 * connection of its own.
 * CIM_ESTORE naming the holder's pid and start when another run holds it. */
CIM_EXTERN int cim_pipeline_lock_take(cim_pipeline_lock **out, const char *store_path);
CIM_EXTERN void cim_pipeline_lock_free(cim_pipeline_lock *lock);

#ifdef __cplusplus
}
#endif
#endif
