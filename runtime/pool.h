/* pool.h — the team of worker threads behind the network layers' parallel
 * loops (nn.h): fork-join, one process-wide team, sized by the trainer.
 *
 *     dgrt_pool_set_threads(2);             // the calling thread + 1 worker
 *     dgrt_pool_run(fn, ctx);               // fn(ctx, 0, 2) here, fn(ctx, 1, 2) on the worker,
 *                                           // returns when both have returned
 *
 * Why our own team rather than the BLAS library's threads: a gemm split by
 * us into independent single-threaded calls runs at the sum of the cores'
 * single-thread speeds (no barrier per block), the LSTM recurrence can give
 * each thread its own rows of the batch for all T steps with no
 * synchronisation at all, and the elementwise work between the gemms runs on
 * every core instead of one while the BLAS threads spin (bench/README.md).
 * Workers sleep on a condition variable between runs. A run started from
 * inside a run (or with 1 thread) is executed serially by the caller. */
#ifndef DGRT_POOL_H
#define DGRT_POOL_H

#include <stddef.h>

typedef void (*DgPoolFn)(void *ctx, int worker, int nworkers);

/* n >= 1 threads in all (the caller counts as one). Not during a run. When
 * a thread cannot be started the team is smaller; the result is the size. */
int dgrt_pool_set_threads(int n);
int dgrt_pool_threads(void);
/* fn(ctx, w, n) for w = 0 .. n-1 (w = 0 on the calling thread) */
void dgrt_pool_run(DgPoolFn fn, void *ctx);

/* [*lo, *hi) = part w of n of the range [0, count), parts as equal as
 * possible and, where count allows, multiples of `align` */
void dgrt_pool_part(size_t count, size_t align, int w, int n, size_t *lo, size_t *hi);

#endif
