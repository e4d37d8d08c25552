/* pool.c: the worker pool (see pool_int.h). */
#include "pool_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error_int.h"

typedef struct shared {
    const cim_pool_spec *spec;
    atomic_size_t next;
    atomic_int stop;
    pthread_mutex_t lock;
    size_t fail_task;     /* lowest failing task index so far */
    int fail_code;
    char fail_msg[1024];
    cim_error_class fail_class;
} shared;

static void record_failure(shared *sh, size_t task, int code)
{
    const cim_error *e = cim_error_last();
    pthread_mutex_lock(&sh->lock);
    if (sh->fail_code == 0 || task < sh->fail_task) {
        sh->fail_task = task;
        sh->fail_code = code;
        sh->fail_class = e ? e->klass : CIM_ERRCLASS_INTERNAL;
        snprintf(sh->fail_msg, sizeof sh->fail_msg, "%s", e && e->message ? e->message : cim_error_name(code));
    }
    pthread_mutex_unlock(&sh->lock);
    atomic_store(&sh->stop, 1);
}

static void *worker(void *arg)
{
    shared *sh = arg;
    const cim_pool_spec *spec = sh->spec;
    void *state = NULL;
    if (spec->init && !(state = spec->init(spec->payload))) {
        const cim_error *e = cim_error_last();
        record_failure(sh, 0, e ? e->code : CIM_EINTERNAL);
        return NULL;
    }
    while (!atomic_load(&sh->stop)) {
        size_t task = atomic_fetch_add(&sh->next, 1);
        if (task >= spec->tasks)
            break;
        int rc = spec->run(task, state, spec->payload);
        if (rc)
            record_failure(sh, task, rc);
    }
    if (spec->fini)
        spec->fini(state, spec->payload);
    return NULL;
}

size_t cim_pool_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

int cim_pool_run(const cim_pool_spec *spec)
{
    size_t n = spec->threads ? spec->threads : cim_pool_default_threads();
    if (n > spec->tasks)
        n = spec->tasks ? spec->tasks : 1;
    shared sh = {.spec = spec};
    pthread_mutex_init(&sh.lock, NULL);
    pthread_t *threads = calloc(n, sizeof *threads);
    size_t started = 0;
    /* The calling thread works too: a pool of 1 starts no thread at all. */
    for (size_t i = 1; i < n; i++, started++)
        if (pthread_create(&threads[started], NULL, worker, &sh) != 0)
            break;
    worker(&sh);
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&sh.lock);
    if (sh.fail_code)
        return cim_error_set(sh.fail_code, sh.fail_class, "%s", sh.fail_msg);
    return CIM_OK;
}
