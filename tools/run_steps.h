/* run_steps.h: the commands a pipeline file (cim run) may use, with the
 * options each takes. A command joins pipelines with one entry in
 * run_steps.c. */
#ifndef CIM_RUN_STEPS_H
#define CIM_RUN_STEPS_H

#include <cim/pipeline.h>

enum {
    RUN_STEP_QUIET = 1u,    /* the command takes --quiet */
    RUN_STEP_PROGRESS = 2u  /* the command takes --progress */
};

/* The CLI side of a pipeline command: the words after `cim` and the handler. */
typedef struct run_step_handler {
    const char *words[3];   /* e.g. {"check", "redline", NULL} */
    int (*run)(int argc, char **argv);
    unsigned int flags;
} run_step_handler;

/* The table (payload of each entry: its run_step_handler). */
extern const cim_pipeline_command run_step_commands[];
extern const size_t run_step_command_count;

#endif
