/* redline_rules.c: the parameters of the block-line checks and the rules
 * file that overrides them ("key = value" lines). */
#include "cim/redline.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "error_int.h"
#include "json_int.h"

static const char *const severity_names[CIM_SEVERITY_COUNT] = {"error", "needs_approval", "warning", "info"};

const char *cim_severity_name(cim_severity s)
{
    return (unsigned)s < CIM_SEVERITY_COUNT ? severity_names[s] : "?";
}

void cim_redline_params_init(cim_redline_params *p)
{
    cim_redline_params d = CIM_REDLINE_PARAMS_INIT;
    *p = d;
}

void cim_redline_options_init(cim_redline_options *opts)
{
    cim_redline_options d = CIM_REDLINE_OPTIONS_INIT;
    *opts = d;
}

enum { K_SHARE, K_AREA, K_SEVERITY };
typedef struct key_def {
    const char *key;
    int kind;
    size_t offset;
    double min, max; /* numbers: the allowed range */
} key_def;

#define NUM(k, f, lo, hi) {k, K_SHARE, offsetof(cim_redline_params, f), lo, hi}
#define AREA(k, f) {k, K_AREA, offsetof(cim_redline_params, f), 0, HUGE_VAL}
#define SEV(k, f) {k, K_SEVERITY, offsetof(cim_redline_params, f), 0, 0}
static const key_def keys[] = {
    NUM("inside_share", inside_share, 0, 1),
    AREA("sliver_area_m2", sliver_area_m2),
    NUM("sliver_share", sliver_share, 0, 1),
    SEV("conversion_severity_level1", conversion_level1),
    SEV("conversion_severity_level2", conversion_level2),
    SEV("support_severity", support_use),
    SEV("partial_severity", partial),
    NUM("m0_cap_level1", m0_cap_level1, 0, 1),
    NUM("m0_cap_level2", m0_cap_level2, 0, 1),
    SEV("m0_cap_severity", m0_cap),
    AREA("contiguity_gap_m", contiguity_gap_m),
    AREA("min_block_area_m2", min_block_area_m2),
    SEV("small_block_severity", small_block),
    SEV("balance_severity", balance),
    AREA("target_m2", target_m2),
    SEV("target_severity", target),
    SEV("protected_severity", protected_overlap),
    NUM("industrial_gfa_share", industrial_gfa_share, 0, 1),
    SEV("gfa_share_severity", gfa_share),
};

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static int set_value(cim_redline_params *p, const key_def *k, const char *v, const char *path, int line)
{
    char *at = (char *)p + k->offset;
    if (k->kind == K_SEVERITY) {
        for (int i = 0; i < CIM_SEVERITY_COUNT; i++)
            if (!strcmp(v, severity_names[i])) {
                *(cim_severity *)at = (cim_severity)i;
                return CIM_OK;
            }
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "%s:%d: %s: '%s' is not a severity (error, needs_approval, warning, info)", path, line,
                             k->key, v);
    }
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(d) || d < k->min || d > k->max) {
        if (k->max == HUGE_VAL)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s:%d: %s: '%s' is not a number >= 0", path,
                                 line, k->key, v);
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s:%d: %s: '%s' is not a number in [%g, %g]", path,
                             line, k->key, v, k->min, k->max);
    }
    *(double *)at = d;
    return CIM_OK;
}

int cim_redline_params_load(cim_redline_params *p, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cim_error_set(errno == ENOENT ? CIM_ENOTFOUND : CIM_EIO, CIM_ERRCLASS_IO, "rules file '%s': %s", path,
                             strerror(errno));
    cim_redline_params work = *p; /* all or nothing */
    char buf[1024];
    int line = 0, rc = CIM_OK;
    while (!rc && fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s:%d: line too long", path, line);
            break;
        }
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = 0;
        char *s = trim(buf);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s:%d: expected 'key = value', got '%s'", path,
                               line, s);
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        const key_def *k = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (!strcmp(keys[i].key, key))
                k = &keys[i];
        if (!k) {
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s:%d: unknown key '%s'", path, line, key);
            break;
        }
        rc = set_value(&work, k, val, path, line);
    }
    if (!rc && ferror(f))
        rc = cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "rules file '%s': read error", path);
    fclose(f);
    if (!rc)
        *p = work;
    return rc;
}

char *cim_redline_params_json(const cim_redline_params *p)
{
    cim_buf b = {0};
    char num[64];
    cim_json_raw(&b, "{");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *at = (const char *)p + keys[i].offset;
        if (i)
            cim_json_raw(&b, ",");
        cim_json_str(&b, keys[i].key);
        cim_json_raw(&b, ":");
        if (keys[i].kind == K_SEVERITY) {
            cim_json_str(&b, cim_severity_name(*(const cim_severity *)at));
        } else {
            snprintf(num, sizeof num, "%.17g", *(const double *)at);
            cim_json_raw(&b, num);
        }
    }
    cim_json_raw(&b, "}");
    cim_json_text(&b);
    return (char *)b.data;
}
