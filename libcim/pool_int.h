/* pool_int.h: a worker pool for operations over many independent tasks
 * (groups to dissolve, parcels to overlay). Never installed.
 *
 * Each thread gets its own state from init (a GEOS context, a read-only
 * store connection...). Tasks are taken by index from a shared counter;
 * results go into caller-owned slots by task index, so the output is the
 * same for 1 and N threads. On failure the error of the lowest failing task
 * index is returned (again the same for any thread count). */
#ifndef CIM_POOL_INT_H
#define CIM_POOL_INT_H

#include <stddef.h>

typedef struct cim_pool_spec {
    size_t threads;                       /* 0 = the number of online CPUs */
    size_t tasks;
    void *payload;
    /* Per-thread state; NULL init means none. init returns NULL with a cim
     * error set on failure. */
    void *(*init)(void *payload);
    void (*fini)(void *state, void *payload);
    /* One task: 0, or a CIM_E* code with a cim error set. */
    int (*run)(size_t task, void *state, void *payload);
} cim_pool_spec;

/* Runs every task; returns 0 or the first failing task's code, with its
 * message as this thread's cim error. Stops handing out tasks after a failure. */
int cim_pool_run(const cim_pool_spec *spec);

/* The number of threads cim_pool_run would start for spec->threads = 0. */
size_t cim_pool_default_threads(void);

#endif
