/* lstm.c — the multi-layer LSTM of δHBV (PyTorch nn.LSTM semantics, time-
 * major (T, B, C)), forward and backward. Forward: the input projection of
 * all T steps is one gemm with T*B rows, then per step one gemm
 * (B, 4H) += h_{t-1} (B, H) · W_hh^T and the fused gate/cell math; every gate
 * activation, c_t, tanh c_t and h_t is cached in the activation arena.
 * Backward walks t from T-1 to 0 reading them back (no recomputation), with
 * one gemm per step for dh_{t-1}; the weight gradients of all steps are then
 * one gemm each. Sizes here; the code in lstm_impl.inc, compiled for f32
 * (cblas_sgemm) and f64 (cblas_dgemm). */
#include "nn.h"

#include <assert.h>
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>

// ---- Sizes --------------------------------------------------------------------------------

int dgrt_lstm_param_sizes(size_t *sizes, const DgLstm *cfg) {
    assert(cfg->L >= 1 && cfg->L <= DGRT_LSTM_MAX_LAYERS && cfg->C >= 1 && cfg->H >= 1);
    size_t H = (size_t)cfg->H;
    for (int l = 0; l < cfg->L; l++) { /* grep ORDER LstmParams */
        size_t Cl = l == 0 ? (size_t)cfg->C : H;
        size_t *s = sizes + DGRT_LSTM_NUM_PARAM_TENSORS * l;
        s[0] = 4 * H * Cl;  // w_ih
        s[1] = 4 * H * H;   // w_hh
        s[2] = 4 * H;       // b_ih
        s[3] = 4 * H;       // b_hh
    }
    return DGRT_LSTM_NUM_PARAM_TENSORS * cfg->L;
}

size_t dgrt_lstm_num_params(const DgLstm *cfg) {
    size_t sizes[DGRT_LSTM_NUM_PARAM_TENSORS * DGRT_LSTM_MAX_LAYERS], n = 0;
    int k = dgrt_lstm_param_sizes(sizes, cfg);
    for (int i = 0; i < k; i++) n += sizes[i];
    return n;
}

/* per layer, grep ORDER LstmActs: gates, c, tanh_c, h, mask, hd (the last two only with dropout) */
#define ACT_TENSORS 6
static int act_sizes(size_t *sizes, const DgLstm *cfg, int T, int B) {
    assert(cfg->L >= 1 && cfg->L <= DGRT_LSTM_MAX_LAYERS && T >= 1 && B >= 1);
    size_t TBH = (size_t)T * B * cfg->H;
    for (int l = 0; l < cfg->L; l++) {
        size_t *s = sizes + ACT_TENSORS * l;
        s[0] = 4 * TBH;
        s[1] = s[2] = s[3] = TBH;
        s[4] = s[5] = cfg->dropout > 0 ? TBH : 0;
    }
    return ACT_TENSORS * cfg->L;
}

size_t dgrt_lstm_num_acts(const DgLstm *cfg, int T, int B) {
    size_t sizes[ACT_TENSORS * DGRT_LSTM_MAX_LAYERS], n = 0;
    int k = act_sizes(sizes, cfg, T, B);
    for (int i = 0; i < k; i++) n += sizes[i];
    return n;
}

/* dgates (T, B, 4H), dh (T, B, H), dh_next and dc_next (B, H): one layer's worth */
size_t dgrt_lstm_num_grad_acts(const DgLstm *cfg, int T, int B) {
    size_t TB = (size_t)T * B, H = (size_t)cfg->H;
    return TB * 4 * H + TB * H + 2 * (size_t)B * H;
}

// ---- Gate nonlinearity ---------------------------------------------------------------------

/* tanh of the f32 gates and cells from expf (glibc's tanhf goes through a slow
 * expm1f and was 20% of a training step): tanh|x| = (1 - e^-2|x|) / (1 + e^-2|x|),
 * absolute error < 1e-7 over all floats, like tanhf's own. f64 keeps libm's tanh. */
static inline float tanh_gate_f32(float x) {
    float t = expf(-2 * fabsf(x));
    return copysignf((1 - t) / (1 + t), x);
}
static inline double tanh_gate_f64(double x) { return tanh(x); }

// ---- Layers (f32, f64) ----------------------------------------------------------------------

#define DGRT_NN_PREC 32
#include "nn_real.inc"
#include "lstm_impl.inc"
#undef DGRT_NN_PREC

#define DGRT_NN_PREC 64
#include "nn_real.inc"
#include "lstm_impl.inc"
#undef DGRT_NN_PREC
#undef real
