/* nn_test.h — helpers of the network-layer tests (tests/runtime/test_nn_*.c):
 * random arrays, the central-difference gradient check in double, and error
 * measures. CHECK/check_report come from tests/unit/check.h. */
#ifndef DG_NN_TEST_H
#define DG_NN_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "nn.h"

static inline void rand_fill(double *x, size_t n, double lo, double hi, DgNnRng *rng) {
    dgrt_fill_uniform_f64(x, n, lo, hi, rng);
}

static inline void to_f32(float *y, const double *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = (float)x[i];
}

static inline double dot(const double *a, const double *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static inline double max_abs(const double *a, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

/* max |a - b| / max(|b|, floor) over i */
static inline double max_rel_diff(const double *a, const double *b, size_t n, double floor) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]) / fmax(fabs(b[i]), floor));
    return m;
}

static inline double max_rel_diff_f32(const float *a, const double *b, size_t n, double floor) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]) / fmax(fabs(b[i]), floor));
    return m;
}

/* Central differences of loss() w.r.t. x[0..n): fd[i] = (L(x+h) - L(x-h)) / 2h,
 * h = 1e-5 max(1, |x_i|); compared with the analytic grad[i]. Returns the
 * largest |grad - fd| / max(|fd|, 1e-3 max|fd|, 1e-8) and prints the first
 * entries llm.c style. */
typedef double (*LossFn)(void *ctx);
static inline double fd_check(const char *what, double *x, const double *grad, size_t n, LossFn loss,
                              void *ctx) {
    double *fd = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double x0 = x[i], h = 1e-5 * fmax(1.0, fabs(x0));
        x[i] = x0 + h;
        double lp = loss(ctx);
        x[i] = x0 - h;
        double lm = loss(ctx);
        x[i] = x0;
        fd[i] = (lp - lm) / (2 * h);
    }
    double floor = fmax(1e-3 * max_abs(fd, n), 1e-8), worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(grad[i] - fd[i]) / fmax(fabs(fd[i]), floor));
    printf("  %-28s n=%-5zu", what, n);
    for (size_t i = 0; i < n && i < 3; i++) printf(" %+.6e/%+.6e", grad[i], fd[i]);
    printf("  max rel err %.2e\n", worst);
    free(fd);
    return worst;
}

static inline double now_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* CPU time of the whole process (all threads): with OPENBLAS_NUM_THREADS=1 the
 * work itself, whatever else the machine runs */
static inline double cpu_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

#endif
