/* progress.c: progress on stderr: a redrawn bar on a terminal, plain lines
 * with --progress (for logs), nothing with --quiet (cron). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, cli_progress_mode mode)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->tty = isatty(STDERR_FILENO);
    p->last_pct = -1;
}

int cli_progress_cb(double fraction, const char *stage, void *payload)
{
    cli_progress *p = payload;
    if (p->mode == CLI_PROGRESS_QUIET || (p->mode == CLI_PROGRESS_AUTO && !p->tty))
        return 0;
    int pct = fraction < 0 ? -1 : (int)(fraction * 100.0 + 0.5);
    double t = now();
    int new_stage = strncmp(stage, p->stage, sizeof p->stage - 1) != 0;
    if (p->mode == CLI_PROGRESS_LINES) {
        /* A line per 10 % or per new stage keeps logs short. */
        if (new_stage || (pct >= 0 && pct / 10 != p->last_pct / 10)) {
            if (pct >= 0)
                fprintf(stderr, "cim: %s: %d%%\n", stage, pct);
            else
                fprintf(stderr, "cim: %s\n", stage);
        }
    } else if (new_stage || t - p->last_shown > 0.1) {
        int fill = pct < 0 ? 0 : pct * BAR_WIDTH / 100;
        fprintf(stderr, "\r%-16.16s [", stage);
        for (int i = 0; i < BAR_WIDTH; i++)
            fputc(i < fill ? '#' : '.', stderr);
        if (pct >= 0)
            fprintf(stderr, "] %3d%%", pct);
        else
            fprintf(stderr, "]     ");
        fflush(stderr);
        p->last_shown = t;
    }
    p->last_pct = pct;
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    return 0;
}

void cli_progress_done(cli_progress *p)
{
    if (p->mode == CLI_PROGRESS_AUTO && p->tty && p->stage[0])
        fprintf(stderr, "\r%*s\r", BAR_WIDTH + 26, "");
}

int cli_run_begin(cli_run *run, const char *command, const char *store_path, cli_progress_mode mode, int argc,
                  char **argv)
{
    cli_progress_init(&run->progress, mode);
    run->store = NULL;
    run->command_line = NULL;
    int rc = cim_store_open(&run->store, store_path, CIM_STORE_READWRITE);
    if (rc)
        return cli_fail(command, rc);
    run->command_line = cli_join_args(argc, argv);
    return CLI_GO_ON;
}

void cli_run_end(cli_run *run)
{
    cli_progress_done(&run->progress);
    cim_store_free(run->store);
    free(run->command_line);
    run->store = NULL;
    run->command_line = NULL;
}
