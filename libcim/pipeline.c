/* pipeline.c: reading a pipeline file into steps. JSON is parsed with
 * jansson (Debian libjansson-dev), a maintained parser that reports line and
 * column and rejects duplicate keys, rather than by hand: the file is written
 * by operators and a wrong key must be named, never silently ignored. */
#include "pipeline_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Step keys that are not command options. */
static const char *const reserved_keys[] = {"name", "command", "comment", NULL};

void cim_pipeline_load_options_init(cim_pipeline_load_options *opts)
{
    cim_pipeline_load_options d = CIM_PIPELINE_LOAD_OPTIONS_INIT;
    *opts = d;
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Appends n bytes (none is fine: cim_buf_put would offset a NULL buffer). */
static void buf_add(cim_buf *b, const char *s, size_t n)
{
    if (!n)
        return;
    cim_buf_reserve(b, n);
    cim_buf_put(b, s, n);
}

/* ${VAR} from the environment; a missing variable is an error, never "". */
static int expand_env(char **out, const char *v, const char *where, int no_env)
{
    *out = NULL;
    if (no_env || !strstr(v, "${")) {
        *out = strdup(v);
        return CIM_OK;
    }
    cim_buf b = {0};
    for (const char *p = v; *p;) {
        const char *open = strstr(p, "${");
        if (!open) {
            buf_add(&b, p, strlen(p));
            break;
        }
        buf_add(&b, p, (size_t)(open - p));
        const char *close = strchr(open + 2, '}');
        if (!close || close == open + 2) {
            cim_buf_free(&b);
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: '%s': unterminated or empty ${...}", where, v);
        }
        char *name = dup_range(open + 2, (size_t)(close - open - 2));
        const char *val = getenv(name);
        if (!val) {
            int rc = cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "%s: environment variable '%s' is not set", where,
                                   name);
            free(name);
            cim_buf_free(&b);
            return rc;
        }
        free(name);
        buf_add(&b, val, strlen(val));
        p = close + 1;
    }
    cim_buf_reserve(&b, 1);
    b.data[b.len] = '\0';
    *out = (char *)b.data;
    return CIM_OK;
}

/* A PostgreSQL connection string (cim_store_is_conninfo's prefixes; this
 * file stays free of the store so the fuzz target links it alone). */
static int is_conninfo(const char *v)
{
    return !strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11) || !strncmp(v, "PG:", 3);
}

static char *resolve_path(const char *base_dir, const char *v)
{
    if (v[0] == '/' || !base_dir || !*base_dir || !strcmp(base_dir, "."))
        return strdup(v);
    size_t n = strlen(base_dir) + strlen(v) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", base_dir, v);
    return p;
}

/* A value as text: strings (expanded), integers and reals. */
static int scalar_text(char **out, json_t *v, const char *where, int no_env)
{
    char num[64];
    if (json_is_string(v))
        return expand_env(out, json_string_value(v), where, no_env);
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        *out = strdup(num);
        return CIM_OK;
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        *out = strdup(num);
        return CIM_OK;
    }
    return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: expected a string or a number", where);
}

static void add_arg(cim_pipeline_step *st, const cim_pipeline_key *k, char *value, char *written)
{
    st->args = realloc(st->args, (st->arg_count + 1) * sizeof *st->args);
    st->args[st->arg_count].key = k;
    st->args[st->arg_count].value = value;
    st->args[st->arg_count].written = written ? written : strdup(value);
    st->arg_count++;
}

static const cim_pipeline_key *find_key(const cim_pipeline_command *c, const char *name)
{
    for (const cim_pipeline_key *k = c->keys; k && k->name; k++)
        if (!strcmp(k->name, name))
            return k;
    return NULL;
}

static int unknown_option(const char *where, const cim_pipeline_command *c, const char *key)
{
    cim_buf b = {0};
    for (const cim_pipeline_key *k = c->keys; k && k->name; k++) {
        if (b.len)
            buf_add(&b, ", ", 2);
        buf_add(&b, k->name, strlen(k->name));
    }
    cim_buf_reserve(&b, 1);
    b.data[b.len] = '\0';
    int rc = cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "%s: unknown option '%s' (%s takes: %s)", where, key,
                           c->name, b.len ? (char *)b.data : "none");
    cim_buf_free(&b);
    return rc;
}

static int read_option(cim_pipeline_step *st, const cim_pipeline_key *k, json_t *v, const char *where,
                       const char *base_dir, int no_env)
{
    if (k->kind == CIM_PIPELINE_FLAG) {
        if (!json_is_boolean(v))
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: expected true or false", where);
        if (json_is_true(v))
            add_arg(st, k, strdup("true"), NULL);
        return CIM_OK;
    }
    size_t n = 1;
    if (json_is_array(v)) {
        if (!(k->flags & CIM_PIPELINE_REPEAT))
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: takes one value, not a list", where);
        n = json_array_size(v);
        if (!n)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: empty list", where);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        char *text = NULL;
        int rc = scalar_text(&text, e, where, no_env);
        if (rc)
            return rc;
        if (!*text) {
            free(text);
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: empty value", where);
        }
        if (k->kind == CIM_PIPELINE_SOURCE || k->kind == CIM_PIPELINE_PATH)
            add_arg(st, k, resolve_path(base_dir, text), text);
        else
            add_arg(st, k, text, NULL);
    }
    return CIM_OK;
}

static int valid_step_name(const char *s)
{
    if (!*s || strlen(s) > 63)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-' || *p == '.'))
            return 0;
    return 1;
}

static int read_step(cim_pipeline *p, size_t i, json_t *js, const cim_pipeline_load_options *o, const char *base_dir)
{
    char where[512];
    cim_pipeline_step *st = &p->steps[i];
    snprintf(where, sizeof where, "pipeline '%s', step %zu", p->name, i + 1);
    if (!json_is_object(js))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: expected an object", where);
    json_t *name = json_object_get(js, "name"), *cmd = json_object_get(js, "command");
    if (!name)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "%s: missing \"name\"", where);
    if (!json_is_string(name) || !valid_step_name(json_string_value(name)))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "%s: \"name\" must be a string of letters, digits, '_', '-' or '.' (at most 63)", where);
    st->name = strdup(json_string_value(name));
    for (size_t j = 0; j < i; j++)
        if (!strcmp(p->steps[j].name, st->name))
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "%s: step name '%s' is used twice", where,
                                 st->name);
    snprintf(where, sizeof where, "pipeline '%s', step '%s'", p->name, st->name);
    if (!cmd)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "%s: missing \"command\"", where);
    if (!json_is_string(cmd))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s: \"command\" must be a string", where);
    for (size_t c = 0; c < o->command_count; c++)
        if (!strcmp(o->commands[c].name, json_string_value(cmd)))
            st->command = &o->commands[c];
    if (!st->command) {
        cim_buf b = {0};
        for (size_t c = 0; c < o->command_count; c++) {
            if (b.len)
                buf_add(&b, ", ", 2);
            buf_add(&b, o->commands[c].name, strlen(o->commands[c].name));
        }
        cim_buf_reserve(&b, 1);
        b.data[b.len] = '\0';
        int rc = cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "%s: unknown command '%s' (commands: %s)", where,
                               json_string_value(cmd), (char *)b.data);
        cim_buf_free(&b);
        return rc;
    }
    const char *key;
    json_t *v;
    json_object_foreach(js, key, v)
    {
        int reserved = 0;
        for (const char *const *r = reserved_keys; *r; r++)
            reserved |= !strcmp(*r, key);
        if (reserved)
            continue;
        const cim_pipeline_key *k = find_key(st->command, key);
        if (!k)
            return unknown_option(where, st->command, key);
        char kwhere[640];
        snprintf(kwhere, sizeof kwhere, "%s, option '%s'", where, key);
        int rc = read_option(st, k, v, kwhere, base_dir, o->no_env);
        if (rc)
            return rc;
    }
    for (const cim_pipeline_key *k = st->command->keys; k && k->name; k++) {
        if (!(k->flags & CIM_PIPELINE_REQUIRED))
            continue;
        int found = 0;
        for (size_t a = 0; a < st->arg_count; a++)
            found |= st->args[a].key == k;
        if (!found)
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "%s: %s needs option '%s'", where, st->command->name,
                                 k->name);
    }
    return CIM_OK;
}

static int parse_root(cim_pipeline *p, json_t *root, const cim_pipeline_load_options *o, const char *base_dir)
{
    if (!json_is_object(root))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "pipeline '%s': expected a JSON object at the top",
                             p->name);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "store") && strcmp(key, "steps") && strcmp(key, "comment"))
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                                 "pipeline '%s': unknown key '%s' (the top level has store, steps, comment)", p->name,
                                 key);
    }
    json_t *store = json_object_get(root, "store");
    if (!store)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "pipeline '%s': missing \"store\" (the store file, relative to the pipeline's folder)",
                             p->name);
    if (!json_is_string(store) || !*json_string_value(store))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "pipeline '%s': \"store\" must be a file path",
                             p->name);
    char where[300];
    snprintf(where, sizeof where, "pipeline '%s', \"store\"", p->name);
    char *sp = NULL;
    int rc = expand_env(&sp, json_string_value(store), where, o->no_env);
    if (rc)
        return rc;
    /* a PostgreSQL connection string is no path */
    p->store = is_conninfo(sp) ? strdup(sp) : resolve_path(base_dir, sp);
    free(sp);
    json_t *steps = json_object_get(root, "steps");
    if (!steps)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "pipeline '%s': missing \"steps\"", p->name);
    if (!json_is_array(steps) || !json_array_size(steps))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "pipeline '%s': \"steps\" must be a non-empty list",
                             p->name);
    p->step_count = json_array_size(steps);
    p->steps = calloc(p->step_count, sizeof *p->steps);
    for (size_t i = 0; i < p->step_count; i++) {
        rc = read_step(p, i, json_array_get(steps, i), o, base_dir);
        if (rc)
            return rc;
    }
    return CIM_OK;
}

int cim_pipeline_parse(cim_pipeline **out, const char *text, size_t len, const char *name, const char *base_dir,
                       const cim_pipeline_load_options *opts)
{
    *out = NULL;
    if (!opts || !opts->commands || !opts->command_count)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "pipeline: no command table given");
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "pipeline '%s': line %d, column %d: %s", name,
                             err.line, err.column, err.text);
    cim_pipeline *p = calloc(1, sizeof *p);
    p->name = strdup(name);
    int rc = parse_root(p, root, opts, base_dir);
    json_decref(root);
    if (rc) {
        cim_pipeline_free(p);
        return rc;
    }
    *out = p;
    return CIM_OK;
}

int cim_pipeline_load(cim_pipeline **out, const char *path, const cim_pipeline_load_options *opts)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cim_error_set(errno == ENOENT ? CIM_ENOTFOUND : CIM_EIO, CIM_ERRCLASS_IO, "pipeline '%s': %s", path,
                             strerror(errno));
    cim_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        cim_buf_free(&b);
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "pipeline '%s': read error", path);
    }
    const char *slash = strrchr(path, '/');
    char *dir = slash ? dup_range(path, (size_t)(slash - path + (slash == path))) : strdup(".");
    int rc = cim_pipeline_parse(out, b.data ? (const char *)b.data : "", b.len, path, dir, opts);
    free(dir);
    cim_buf_free(&b);
    return rc;
}

void cim_pipeline_free(cim_pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->step_count; i++) {
        for (size_t a = 0; a < p->steps[i].arg_count; a++) {
            free(p->steps[i].args[a].value);
            free(p->steps[i].args[a].written);
        }
        free(p->steps[i].args);
        free(p->steps[i].name);
    }
    free(p->steps);
    free(p->store);
    free(p->name);
    free(p);
}

const char *cim_pipeline_store_path(const cim_pipeline *p)
{
    return p->store;
}

size_t cim_pipeline_step_count(const cim_pipeline *p)
{
    return p->step_count;
}

const cim_pipeline_step *cim_pipeline_step_at(const cim_pipeline *p, size_t i)
{
    return i < p->step_count ? &p->steps[i] : NULL;
}

long cim_pipeline_step_find(const cim_pipeline *p, const char *name)
{
    for (size_t i = 0; i < p->step_count; i++)
        if (!strcmp(p->steps[i].name, name))
            return (long)i;
    return -1;
}
