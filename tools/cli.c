/* cli.c: exit codes, error messages and argument helpers for the subcommands. */
#include "cli.h"

#include <cim/cim.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_exit_code(int rc)
{
    switch (rc) {
    case CIM_OK: return CLI_EXIT_OK;
    case CIM_EINVALID:
    case CIM_EEXISTS: return CLI_EXIT_USAGE;
    case CIM_ENOTFOUND:
    case CIM_EFORMAT:
    case CIM_ECRS:
    case CIM_EGEOMETRY: return CLI_EXIT_DATA;
    case CIM_EIO:
    case CIM_ESTORE:
    case CIM_ECANCELED: return CLI_EXIT_STORE;
    default: return CLI_EXIT_INTERNAL;
    }
}

int cli_fail(const char *what, int rc)
{
    const cim_error *e = cim_error_last();
    const char *msg = e && e->message ? e->message : cim_error_name(rc);
    /* One line per error, for logs and cron mail: GDAL's messages can span
     * several (an SQL error with a caret under the column). */
    fprintf(stderr, "cim: %s: ", what);
    for (const char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            while (p[1] == '\n' || p[1] == '\r' || p[1] == ' ')
                p++;
            if (p[1])
                fputs(" | ", stderr);
        } else {
            fputc(*p, stderr);
        }
    }
    fputc('\n', stderr);
    return cli_exit_code(rc);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "cim: %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'cim %s --help')\n", command);
    return CLI_EXIT_USAGE;
}

int cli_read_options(int argc, char **argv, const char *command, const char *help, int *json)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    *json = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': *json = 1; break;
        case 'h': fputs(help, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error(command, "bad option '%s'", argv[optind - 1]);
        }
    }
    return CLI_GO_ON;
}

int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

char *cli_join_args(int argc, char **argv)
{
    size_t n = 8;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    char *s = malloc(n);
    size_t len = (size_t)snprintf(s, n, "cim");
    for (int i = 0; i < argc; i++) {
        /* A PostGIS store's password never reaches cim_runs. */
        char shown[4096];
        cim_store_display(shown, sizeof shown, argv[i]);
        int quote = strchr(shown, ' ') != NULL || !*shown;
        len += (size_t)snprintf(s + len, n - len, quote ? " '%s'" : " %s", shown);
    }
    return s;
}

void cli_json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

const char **cli_split_list(char *s, size_t *n)
{
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    const char **v = calloc(cap + 1, sizeof *v);
    *n = 0;
    for (char *tok = strtok(s, ","); v && tok; tok = strtok(NULL, ","))
        v[(*n)++] = tok;
    return v;
}
