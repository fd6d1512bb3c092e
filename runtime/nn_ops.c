/* nn_ops.c — the elementwise operations the layers share: inverted dropout
 * with seeded masks, activations forward/backward by DgAct, and uniform
 * fills for initialisation. Written once in nn_ops_impl.inc, compiled here
 * for f32 and f64. */
#include "nn.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define DGRT_NN_PREC 32
#include "nn_real.inc"
#include "nn_ops_impl.inc"
#undef DGRT_NN_PREC

#define DGRT_NN_PREC 64
#include "nn_real.inc"
#include "nn_ops_impl.inc"
#undef DGRT_NN_PREC
#undef real
