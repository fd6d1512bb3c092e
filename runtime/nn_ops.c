/* nn_ops.c — what the layers share: the thread count, gemms split over the
 * pool, inverted dropout with seeded masks, activations forward/backward by
 * DgAct, and uniform fills for initialisation. Written once in
 * nn_ops_impl.inc, compiled here for f32 and f64. */
#include "nn.h"
#include "check.h"
#include "pool.h"

#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* elementwise loops shorter than this stay on the calling thread */
#define PARALLEL_MIN_ELEMENTS ((size_t)1 << 16)

extern void openblas_set_num_threads(int n) __attribute__((weak));

int dgrt_nn_set_threads(int n) {
    // every BLAS call of the layers is then one thread's part of a split we made
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    return dgrt_pool_set_threads(n);
}

#define DGRT_NN_PREC 32
#include "nn_real.inc"
#include "nn_ops_impl.inc"
#undef DGRT_NN_PREC

#define DGRT_NN_PREC 64
#include "nn_real.inc"
#include "nn_ops_impl.inc"
#undef DGRT_NN_PREC
#undef real
