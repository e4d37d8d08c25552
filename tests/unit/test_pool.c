/* test_pool.c: the worker pool: every task runs once, per-thread state is
 * per thread, results land by index whatever the thread count, and the
 * lowest failing task's error is the one returned. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "check.h"
#include "error_int.h"
#include "pool_int.h"

typedef struct job {
    size_t n;
    long *out;          /* out[i] = f(i) */
    atomic_int *runs;   /* runs[i] = times task i ran */
    size_t fail_from;   /* tasks >= this fail (SIZE_MAX: none) */
    atomic_int states;
} job;

static void *init(void *payload)
{
    job *j = payload;
    atomic_fetch_add(&j->states, 1);
    return calloc(1, sizeof(long)); /* a per-thread counter */
}

static void fini(void *state, void *payload)
{
    (void)payload;
    free(state);
}

static int run(size_t task, void *state, void *payload)
{
    job *j = payload;
    (*(long *)state)++;
    atomic_fetch_add(&j->runs[task], 1);
    long v = 0;
    for (size_t k = 0; k < 2000; k++) /* some work, so threads interleave */
        v += (long)((task * 2654435761u + k) % 97);
    j->out[task] = v;
    if (task >= j->fail_from)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "task %zu failed", task);
    return 0;
}

static void run_with(size_t threads, size_t n, size_t fail_from, long *expect)
{
    job j = {n, calloc(n, sizeof(long)), calloc(n, sizeof(atomic_int)), fail_from, 0};
    cim_pool_spec spec = {threads, n, &j, init, fini, run};
    int rc = cim_pool_run(&spec);
    if (fail_from == (size_t)-1) {
        CHECK_MSG(rc == 0, "%zu threads", threads);
        int once = 1;
        for (size_t i = 0; i < n; i++)
            once &= j.runs[i] == 1 && j.out[i] == expect[i];
        CHECK_MSG(once, "every task once, same results, %zu threads", threads);
        CHECK(j.states >= 1 && (size_t)j.states <= (threads ? threads : n));
    } else {
        CHECK(rc == CIM_EFORMAT);
        char want[64];
        snprintf(want, sizeof want, "task %zu failed", fail_from);
        CHECK_STR(cim_error_last()->message, want);
    }
    free(j.out);
    free(j.runs);
}

int main(void)
{
    size_t n = 5000;
    long *expect = calloc(n, sizeof(long));
    job j = {n, expect, calloc(n, sizeof(atomic_int)), (size_t)-1, 0};
    for (size_t i = 0; i < n; i++)
        run(i, &(long){0}, &j);
    free(j.runs);
    size_t threads[] = {1, 2, 4, 7, 0};
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++)
        run_with(threads[k], n, (size_t)-1, expect);
    /* With every task from 10 on failing, task 10's error wins on any count. */
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++)
        run_with(threads[k], n, 10, expect);
    run_with(3, 0, (size_t)-1, expect); /* no tasks */
    free(expect);
    return check_report();
}
