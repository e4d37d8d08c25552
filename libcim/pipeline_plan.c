/* pipeline_plan.c: what a pipeline step must do. A step's fingerprint is the
 * SHA-256 of its command, its options (paths as written), the contents of its
 * source files and the versions of the store layers it reads and writes; it is
 * skipped when its last successful run logged the same fingerprint, taken
 * after it ran. Derived steps thus re-run exactly when an input layer changed,
 * whichever step changed it, and any step re-runs when its output layer was
 * changed or dropped behind the pipeline's back. */
#include "catalog_int.h"
#include "pipeline_int.h"
#include "sha256_int.h"
#include "sql_int.h"
#include "store_pg_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cim_pipeline_plan_options_init(cim_pipeline_plan_options *opts)
{
    cim_pipeline_plan_options d = CIM_PIPELINE_PLAN_OPTIONS_INIT;
    *opts = d;
}

const char *cim_pipeline_action_name(cim_pipeline_action a)
{
    switch (a) {
    case CIM_PIPELINE_RUN: return "run";
    case CIM_PIPELINE_SKIP_UNCHANGED: return "skip";
    case CIM_PIPELINE_SKIP_EXISTS: return "skip";
    case CIM_PIPELINE_SKIP_UNSELECTED: return "not selected";
    }
    return "?";
}

/* Calls fn for every layer name in a LAYER_IN value: "a", "a,b", "a:rule". */
static void each_layer(const char *value, void (*fn)(const char *layer, void *payload), void *payload)
{
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ",");
        size_t name_len = strcspn(p, ",:");
        char name[128];
        if (name_len && name_len < sizeof name) {
            memcpy(name, p, name_len);
            name[name_len] = '\0';
            fn(name, payload);
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

typedef struct fp_ctx {
    EVP_MD_CTX *md;
    cim_store *store;
    int rc;
} fp_ctx;

static void fp_put(fp_ctx *c, const char *s)
{
    /* Length-prefixed, so "a" + "bc" and "ab" + "c" differ. */
    char len[24];
    snprintf(len, sizeof len, "%zu:", strlen(s));
    EVP_DigestUpdate(c->md, len, strlen(len));
    EVP_DigestUpdate(c->md, s, strlen(s));
}

static void fp_layer(const char *layer, void *payload)
{
    fp_ctx *c = payload;
    int64_t version = 0, created = 0;
    if (c->store && !c->rc)
        c->rc = cim_catalog_version(c->store, layer, &version, &created);
    char text[200];
    /* created_run too: a layer dropped and made again starts at version 1. */
    snprintf(text, sizeof text, "layer %s version %lld created %lld", layer, (long long)version, (long long)created);
    fp_put(c, text);
}

/* Does another step of the pipeline write layer too (appends from several
 * sources)? Then its version says nothing about this step alone. */
static int written_elsewhere(const cim_pipeline *p, const cim_pipeline_step *st, const char *layer)
{
    for (size_t j = 0; j < p->step_count; j++) {
        const cim_pipeline_step *o = &p->steps[j];
        if (o == st)
            continue;
        for (size_t a = 0; a < o->arg_count; a++)
            if (o->args[a].key->kind == CIM_PIPELINE_LAYER_OUT && !strcmp(o->args[a].value, layer))
                return 1;
    }
    return 0;
}

static int fingerprint(char out[65], cim_store *store, const cim_pipeline *p, const cim_pipeline_step *st)
{
    const char *pipeline_name = p->name;
    fp_ctx c = {EVP_MD_CTX_new(), store, CIM_OK};
    EVP_DigestInit_ex(c.md, EVP_sha256(), NULL);
    fp_put(&c, "cim pipeline step 1");
    fp_put(&c, st->command->name);
    for (size_t a = 0; a < st->arg_count && !c.rc; a++) {
        const cim_pipeline_arg *arg = &st->args[a];
        fp_put(&c, arg->key->name);
        fp_put(&c, arg->written);
        if (arg->key->kind == CIM_PIPELINE_SOURCE) {
            char sha[65];
            char *files[1] = {arg->value};
            /* A missing source is bad input (exit 3), not an I/O failure. */
            c.rc = access(arg->value, F_OK) == 0
                       ? cim_sha256_files(sha, files, 1)
                       : cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_IO, "'%s': no such file", arg->value);
            if (c.rc)
                cim_error_prefix("pipeline '%s', step '%s', option '%s'", pipeline_name, st->name, arg->key->name);
            else
                fp_put(&c, sha);
        } else if (arg->key->kind == CIM_PIPELINE_LAYER_IN ||
                   (arg->key->kind == CIM_PIPELINE_LAYER_OUT && !written_elsewhere(p, st, arg->value))) {
            each_layer(arg->value, fp_layer, &c);
        }
    }
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(c.md, md, &n);
    EVP_MD_CTX_free(c.md);
    for (unsigned int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return c.rc;
}

int cim_pipeline_fingerprint(char out[65], cim_store *store, const cim_pipeline *p, size_t i)
{
    out[0] = '\0';
    if (i >= p->step_count)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "pipeline '%s': no step %zu", p->name, i + 1);
    if (p->steps[i].command->creates_store)
        return CIM_OK;
    return fingerprint(out, store, p, &p->steps[i]);
}

/* The fingerprint of the step's last successful (or unchanged) run; "" if none. */
static int last_fingerprint(char out[65], cim_store *s, const char *step)
{
    out[0] = '\0';
    if (!s || !cim_store_table_exists(s, "cim_run_steps"))
        return CIM_OK;
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(s, &q,
                             "SELECT fingerprint FROM cim_run_steps WHERE step = CAST(?1 AS TEXT) AND status IN"
                             " ('ok','skipped') AND fingerprint IS NOT NULL ORDER BY run_id DESC LIMIT 1");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, step, -1);
    int step_rc = rc ? rc : cim_sql_step(q);
    if (step_rc == CIM_SQL_ROW && cim_sql_text(q, 0))
        snprintf(out, 65, "%s", cim_sql_text(q, 0));
    cim_sql_finalize(q);
    return step_rc < 0 ? step_rc : CIM_OK;
}

int cim_pipeline_store_exists(const cim_pipeline *p)
{
    if (!cim_store_is_conninfo(p->store))
        return access(p->store, F_OK) == 0;
    /* a schema holds a store when it opens (its catalogue is there) */
    cim_store *s = NULL;
    int rc = cim_store_open(&s, p->store, CIM_STORE_READONLY);
    cim_store_free(s);
    if (rc)
        cim_error_clear();
    return rc == CIM_OK;
}

/* Does the step give an option whose meaning moves with the store's runs? */
static int reruns(const cim_pipeline_step *st)
{
    for (size_t a = 0; a < st->arg_count; a++)
        if (st->args[a].key->flags & CIM_PIPELINE_RERUN)
            return 1;
    return 0;
}

int cim_pipeline_decide(cim_pipeline_decision *out, cim_store *store, const cim_pipeline *p, size_t i,
                        const cim_pipeline_plan_options *opts)
{
    cim_pipeline_plan_options d = CIM_PIPELINE_PLAN_OPTIONS_INIT;
    const cim_pipeline_plan_options *o = opts ? opts : &d;
    memset(out, 0, sizeof *out);
    const cim_pipeline_step *st = &p->steps[i];
    if ((o->only >= 0 && (size_t)o->only != i) || (o->only < 0 && (long)i < o->from)) {
        out->action = CIM_PIPELINE_SKIP_UNSELECTED;
        snprintf(out->reason, sizeof out->reason, "%s", o->only >= 0 ? "not the --only step" : "before the --from step");
        return CIM_OK;
    }
    if (st->command->creates_store) {
        int exists = cim_pipeline_store_exists(p);
        out->action = exists ? CIM_PIPELINE_SKIP_EXISTS : CIM_PIPELINE_RUN;
        snprintf(out->reason, sizeof out->reason, "%s", exists ? "the store exists" : "the store does not exist yet");
        return CIM_OK;
    }
    int rc = fingerprint(out->fingerprint, store, p, st);
    if (rc)
        return rc;
    char last[65];
    rc = last_fingerprint(last, store, st->name);
    if (rc)
        return rc;
    if (o->force) {
        out->action = CIM_PIPELINE_RUN;
        snprintf(out->reason, sizeof out->reason, "--force");
    } else if (reruns(st)) {
        out->action = CIM_PIPELINE_RUN;
        snprintf(out->reason, sizeof out->reason, "runs every time (what it does depends on the runs since)");
    } else if (!*last) {
        out->action = CIM_PIPELINE_RUN;
        snprintf(out->reason, sizeof out->reason, "%s", store ? "never run on this store" : "new store");
    } else if (strcmp(last, out->fingerprint)) {
        out->action = CIM_PIPELINE_RUN;
        snprintf(out->reason, sizeof out->reason, "sources, options or input layers changed since the last run");
    } else {
        out->action = CIM_PIPELINE_SKIP_UNCHANGED;
        snprintf(out->reason, sizeof out->reason, "unchanged since its last successful run (sha256 %.12s)", last);
    }
    return CIM_OK;
}

typedef struct upstream_ctx {
    const cim_pipeline *p;
    const cim_pipeline_decision *plan;
    size_t upto;
    const char *hit_layer, *hit_step;
    char layer[128];
} upstream_ctx;

/* Is layer written by an earlier step that will run? */
static void check_upstream(const char *layer, void *payload)
{
    upstream_ctx *u = payload;
    if (u->hit_layer)
        return;
    for (size_t j = 0; j < u->upto; j++) {
        if (u->plan[j].action != CIM_PIPELINE_RUN)
            continue;
        const cim_pipeline_step *w = &u->p->steps[j];
        for (size_t a = 0; a < w->arg_count; a++)
            if (w->args[a].key->kind == CIM_PIPELINE_LAYER_OUT && !strcmp(w->args[a].value, layer)) {
                snprintf(u->layer, sizeof u->layer, "%s", layer);
                u->hit_layer = u->layer;
                u->hit_step = w->name;
                return;
            }
    }
}

int cim_pipeline_plan(cim_pipeline_decision **out, cim_store *store, const cim_pipeline *p,
                      const cim_pipeline_plan_options *opts)
{
    *out = NULL;
    cim_pipeline_decision *plan = calloc(p->step_count, sizeof *plan);
    for (size_t i = 0; i < p->step_count; i++) {
        int rc = cim_pipeline_decide(&plan[i], store, p, i, opts);
        if (rc) {
            free(plan);
            return rc;
        }
        if (plan[i].action != CIM_PIPELINE_SKIP_UNCHANGED)
            continue;
        upstream_ctx u = {p, plan, i, NULL, NULL, {0}};
        const cim_pipeline_step *st = &p->steps[i];
        for (size_t a = 0; a < st->arg_count && !u.hit_layer; a++)
            if (st->args[a].key->kind == CIM_PIPELINE_LAYER_IN)
                each_layer(st->args[a].value, check_upstream, &u);
        if (u.hit_layer) {
            plan[i].action = CIM_PIPELINE_RUN;
            snprintf(plan[i].reason, sizeof plan[i].reason, "input layer '%s' may change in step '%s'", u.hit_layer,
                     u.hit_step);
        }
    }
    *out = plan;
    return CIM_OK;
}

void cim_pipeline_plan_free(cim_pipeline_decision *plan)
{
    free(plan);
}
