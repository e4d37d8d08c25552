/* cli.h: what the subcommands share: exit codes, error printing, argument
 * helpers and progress output. The CLI parses arguments and calls libcim;
 * it holds no logic of its own. */
#ifndef CIM_CLI_H
#define CIM_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <cim/store.h>

/* Exit codes, fixed and documented (cim(1)). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_VIOLATIONS = 1, /* --strict and violations found */
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_DATA = 3,       /* bad input data */
    CLI_EXIT_STORE = 4,      /* store or I/O failure */
    CLI_EXIT_INTERNAL = 5
};

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

int cmd_init(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_ingest_sensor(int argc, char **argv);
int cmd_sensors(int argc, char **argv);
int cmd_layers(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_aggregate(int argc, char **argv);
int cmd_indicators(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_check_siting(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_tiles(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_tiles3d(int argc, char **argv);
int cmd_prune(int argc, char **argv);

/* Prints "cim: <what>: <why>" from libcim's last error and returns the exit
 * code for its class. */
int cli_fail(const char *what, int rc);
/* Prints "cim: <command>: <message>" plus a hint to --help; returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...);
/* The exit code for a libcim return code. */
int cli_exit_code(int rc);

/* Options of a command that reads the store and takes only --json and
 * --help. Returns CLI_GO_ON with positional arguments from optind, or an
 * exit code. */
#define CLI_GO_ON (-1)
int cli_read_options(int argc, char **argv, const char *command, const char *help, int *json);

/* Parses a whole decimal integer in [min, max]; 0 on success. */
int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* The command line as one string, for cim_runs. Caller frees. */
char *cli_join_args(int argc, char **argv);

typedef enum { CLI_PROGRESS_AUTO = 0, CLI_PROGRESS_QUIET, CLI_PROGRESS_LINES } cli_progress_mode;
/* A libcim progress callback: a bar on a terminal (AUTO), plain lines
 * (LINES), nothing (QUIET). payload is a cli_progress. */
typedef struct cli_progress {
    cli_progress_mode mode;
    int tty;
    double last_shown;
    int last_pct;
    char stage[64];
} cli_progress;
void cli_progress_init(cli_progress *p, cli_progress_mode mode);
int cli_progress_cb(double fraction, const char *stage, void *payload);
void cli_progress_done(cli_progress *p);

/* What a command that changes the store sets up around its library call:
 * the store opened read-write, progress output, and the command line that
 * cim_runs records. */
typedef struct cli_run {
    cim_store *store;
    cli_progress progress;
    char *command_line;
} cli_run;
/* Opens the store; returns CLI_GO_ON, or the exit code (message printed). */
int cli_run_begin(cli_run *run, const char *command, const char *store_path, cli_progress_mode mode, int argc,
                  char **argv);
/* Ends the progress line, closes the store, frees the command line. */
void cli_run_end(cli_run *run);

/* Splits a comma list in place into a NULL-terminated array (caller frees
 * the array, not the strings); empty items are dropped. NULL when out of memory. */
const char **cli_split_list(char *s, size_t *n);

/* Writes s as a JSON string literal (null for NULL). */
void cli_json_str(FILE *out, const char *s);

#endif
