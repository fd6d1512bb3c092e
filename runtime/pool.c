/* pool.c — the worker team of pool.h. One mutex guards the run state; the
 * caller publishes (fn, ctx) with a new generation number and wakes every
 * worker, runs part 0 itself, and waits until the count of finished workers
 * reaches the team size. */
#include "pool.h"
#include "fpenv.h"

#include <pthread.h>
#include <stdlib.h>

#define POOL_MAX_THREADS 256

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;   /* a new run or quit */
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;   /* a worker finished its part */
static pthread_t pool_thread[POOL_MAX_THREADS];
static int pool_size = 1;              /* threads in the team, the caller included */
static unsigned long pool_generation;  /* bumped by every run */
static int pool_finished;              /* workers done with the current run */
static int pool_quit;
static unsigned long pool_base_generation;   /* pool_generation when the workers were started */
static DgPoolFn pool_fn;
static void *pool_ctx;
static _Thread_local int pool_inside;  /* this thread is running a part: nested runs are serial */

static void *pool_worker(void *arg) {
    int w = (int)(size_t)arg;
    pool_inside = 1;
    pthread_mutex_lock(&pool_lock);
    unsigned long seen = pool_base_generation;   /* not the current one: a run may already be waiting */
    for (;;) {
        while (!pool_quit && pool_generation == seen) pthread_cond_wait(&pool_wake, &pool_lock);
        if (pool_quit) break;
        seen = pool_generation;
        DgPoolFn fn = pool_fn;
        void *ctx = pool_ctx;
        int n = pool_size;
        pthread_mutex_unlock(&pool_lock);
        dgrt_fpenv_thread();   /* the caller's FTZ/DAZ choice, also when it changed since the start */
        fn(ctx, w, n);
        pthread_mutex_lock(&pool_lock);
        if (++pool_finished == n - 1) pthread_cond_signal(&pool_done);
    }
    pthread_mutex_unlock(&pool_lock);
    return NULL;
}

static void pool_stop(void) {
    pthread_mutex_lock(&pool_lock);
    pool_quit = 1;
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    for (int w = 1; w < pool_size; w++) pthread_join(pool_thread[w], NULL);
    pool_quit = 0;
    pool_size = 1;
}

int dgrt_pool_set_threads(int n) {
    if (n < 1) n = 1;
    if (n > POOL_MAX_THREADS) n = POOL_MAX_THREADS;
    if (n == pool_size) return pool_size;
    pool_stop();
    pool_base_generation = pool_generation;
    int started = 1;
    while (started < n && pthread_create(&pool_thread[started], NULL, pool_worker, (void *)(size_t)started) == 0)
        started++;
    pthread_mutex_lock(&pool_lock);
    pool_size = started;
    pthread_mutex_unlock(&pool_lock);
    return started;
}

int dgrt_pool_threads(void) { return pool_size; }

void dgrt_pool_run(DgPoolFn fn, void *ctx) {
    if (pool_size == 1 || pool_inside) {
        fn(ctx, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool_lock);
    pool_fn = fn;
    pool_ctx = ctx;
    pool_finished = 0;
    pool_generation++;
    int n = pool_size;
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);

    pool_inside = 1;
    fn(ctx, 0, n);
    pool_inside = 0;

    pthread_mutex_lock(&pool_lock);
    while (pool_finished < n - 1) pthread_cond_wait(&pool_done, &pool_lock);
    pthread_mutex_unlock(&pool_lock);
}

void dgrt_pool_part(size_t count, size_t align, int w, int n, size_t *lo, size_t *hi) {
    if (align < 1 || count < align * (size_t)n) align = 1;
    size_t units = (count + align - 1) / align;   /* the last unit may be short */
    size_t a = units * (size_t)w / (size_t)n, b = units * (size_t)(w + 1) / (size_t)n;
    *lo = a * align < count ? a * align : count;
    *hi = b * align < count ? b * align : count;
}
