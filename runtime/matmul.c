/* matmul.c — the linear layer out (N, OC) = inp (N, C) · W^T + b, weight
 * (OC, C) as in PyTorch, forward and backward on cblas_?gemm, with the naive
 * triple loops next to them as the reference (llm.c matmul_forward_naive),
 * and its initialisations. Written once in matmul_impl.inc, compiled here
 * for f32 (cblas_sgemm) and f64 (cblas_dgemm). */
#include "nn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define DGRT_NN_PREC 32
#include "nn_real.inc"
#include "matmul_impl.inc"
#undef DGRT_NN_PREC

#define DGRT_NN_PREC 64
#include "nn_real.inc"
#include "matmul_impl.inc"
#undef DGRT_NN_PREC
#undef real
