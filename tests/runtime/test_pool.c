/* test_pool.c — the worker team (runtime/pool.c):
 *   - every part of a run is called exactly once, with its index and the team size
 *   - a run from inside a run is serial (one part, on the calling thread)
 *   - resizing the team up, down and back to 1; many short runs in a row
 *   - dgrt_pool_part covers [0, count) without gaps or overlap, aligned where it can */
#include <pthread.h>
#include <string.h>
#include "check.h"
#include "pool.h"

typedef struct {
    int calls[64];
    int sizes_seen[64];
    pthread_t thread[64];
    int nested_parts; /* parts seen by runs started inside part 1 */
    long sum;
} Record;

static void count_nested(void *ctx, int w, int n) {
    Record *r = ctx;
    if (w == 0 && n == 1) __atomic_add_fetch(&r->nested_parts, 1, __ATOMIC_SEQ_CST);
}

static void record(void *ctx, int w, int n) {
    Record *r = ctx;
    __atomic_add_fetch(&r->calls[w], 1, __ATOMIC_SEQ_CST);
    r->sizes_seen[w] = n;
    r->thread[w] = pthread_self();
    if (w == 1) dgrt_pool_run(count_nested, r);
}

static void add_part(void *ctx, int w, int n) {
    Record *r = ctx;
    size_t lo, hi;
    dgrt_pool_part(1000, 16, w, n, &lo, &hi);
    long s = 0;
    for (size_t i = lo; i < hi; i++) s += (long)i;
    __atomic_add_fetch(&r->sum, s, __ATOMIC_SEQ_CST);
}

static void test_runs(int n) {
    CHECK(dgrt_pool_set_threads(n) == n);
    CHECK(dgrt_pool_threads() == n);
    Record r;
    memset(&r, 0, sizeof r);
    dgrt_pool_run(record, &r);
    for (int w = 0; w < n; w++) CHECK(r.calls[w] == 1 && r.sizes_seen[w] == n);
    CHECK(r.calls[n] == 0);
    CHECK(pthread_equal(r.thread[0], pthread_self()));
    for (int w = 1; w < n; w++) CHECK(!pthread_equal(r.thread[w], pthread_self()));
    CHECK(r.nested_parts == (n > 1 ? 1 : 0));
    for (int k = 0; k < 2000; k++) dgrt_pool_run(add_part, &r);   /* short runs back to back */
    CHECK(r.sum == 2000L * 999 * 1000 / 2);
    printf("pool: %d thread%s, runs and nesting ok\n", n, n == 1 ? "" : "s");
}

static void test_parts(void) {
    size_t counts[] = {0, 1, 7, 16, 100, 1000, 1023, 4096};
    size_t aligns[] = {1, 16};
    for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++)
        for (size_t ai = 0; ai < 2; ai++)
            for (int n = 1; n <= 5; n++) {
                size_t next = 0;
                for (int w = 0; w < n; w++) {
                    size_t lo, hi;
                    dgrt_pool_part(counts[ci], aligns[ai], w, n, &lo, &hi);
                    CHECK(lo == next && hi >= lo && hi <= counts[ci]);
                    if (counts[ci] >= aligns[ai] * (size_t)n && hi < counts[ci]) CHECK(hi % aligns[ai] == 0);
                    next = hi;
                }
                CHECK(next == counts[ci]);
            }
    size_t lo, hi;
    dgrt_pool_part(100, 1, 1, 2, &lo, &hi);
    CHECK(lo == 50 && hi == 100);
}

int main(void) {
    test_parts();
    test_runs(1);
    test_runs(2);
    test_runs(4);
    test_runs(3);
    test_runs(1);
    return check_report("test_pool");
}
