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
#include "gemm_packed.h"
#include "pool.h"

#include <assert.h>
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
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

/* per layer, grep ORDER LstmActs: gates, c, tanh_c, h, mask, hd (these two only with dropout), wpack */
#define ACT_TENSORS 7
static int act_sizes(size_t *sizes, const DgLstm *cfg, int T, int B) {
    assert(cfg->L >= 1 && cfg->L <= DGRT_LSTM_MAX_LAYERS && T >= 1 && B >= 1);
    size_t TBH = (size_t)T * B * cfg->H;
    for (int l = 0; l < cfg->L; l++) {
        size_t *s = sizes + ACT_TENSORS * l;
        s[0] = 4 * TBH;
        s[1] = s[2] = s[3] = TBH;
        s[4] = s[5] = cfg->dropout > 0 ? TBH : 0;
        s[6] = dgrt_pack_size(cfg->H, 4 * cfg->H);
    }
    return ACT_TENSORS * cfg->L;
}

size_t dgrt_lstm_num_acts(const DgLstm *cfg, int T, int B) {
    size_t sizes[ACT_TENSORS * DGRT_LSTM_MAX_LAYERS], n = 0;
    int k = act_sizes(sizes, cfg, T, B);
    for (int i = 0; i < k; i++) n += sizes[i];
    return n;
}

/* dgates (T, B, 4H), dh (T, B, H), dh_next and dc_next (B, H), wpack: one layer's worth */
size_t dgrt_lstm_num_grad_acts(const DgLstm *cfg, int T, int B) {
    size_t TB = (size_t)T * B, H = (size_t)cfg->H;
    return TB * 4 * H + TB * H + 2 * (size_t)B * H + dgrt_pack_size(4 * cfg->H, cfg->H);
}

// ---- Gate nonlinearity ---------------------------------------------------------------------

/* e^x of the f32 gates without a libm call, so that the gate loops vectorise
 * (glibc's scalar expf was ~10% of a δHBV training step, the loop around it
 * as much again; bench/README.md). Branch-free: x clamped to [-87, 88]
 * (e^x of the gates only enters 1 / (1 + e^x) and (1 - e^x) / (1 + e^x), where
 * a smaller or larger e^x gives the same float), x = n ln2 + r with |r| <=
 * ln2/2 (Cody-Waite, ln2 in two parts), e^r by Cephes expf's degree-5
 * polynomial, 2^n from the exponent bits. Against exp() in double over every
 * 7th float in [-87, 88]: relative error <= 8.2e-8 (under 1 ulp); the
 * sigmoid 1 / (1 + e^-x) and tanh_gate below are then within 9.0e-8
 * absolute of the exact ones, as they were with glibc's expf. NaN stays NaN.
 * f64 keeps libm's exp. */
static inline float exp_gate_f32(float x) {
    // the clamp as a select on the bits: written as x < -87 ? -87 : x, gcc -O2 (PRE) splits the
    // clamped path off as a branch with a constant, and the loop no longer vectorises
    const float lo = -87.0f, hi = 88.0f;
    int32_t xi, loi, hii;
    memcpy(&xi, &x, sizeof x);
    memcpy(&loi, &lo, sizeof lo);
    memcpy(&hii, &hi, sizeof hi);
    int32_t below = -(int32_t)(x < lo), above = -(int32_t)(x > hi);   /* all ones or 0; NaN: neither */
    xi = (xi & ~(below | above)) | (loi & below) | (hii & above);
    memcpy(&x, &xi, sizeof x);
    const float shifter = 0x1.8p23f;   /* adding it rounds x log2(e) to an integer, kept in the low bits */
    float k = x * 1.44269504088896341f + shifter;
    float n = k - shifter;
    float r = x - n * 0.693359375f;    /* ln2 = 0.693359375 - 2.12194440e-4, the first part exact in n */
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;   /* 2^n: n in [-126, 127] after the clamp */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}
static inline double exp_gate_f64(double x) { return exp(x); }

/* tanh of the f32 gates and cells (glibc's tanhf goes through a slow expm1f):
 * tanh|x| = (1 - e^-2|x|) / (1 + e^-2|x|), absolute error < 1e-7 over all
 * floats, like tanhf's own. f64 keeps libm's tanh. */
static inline float tanh_gate_f32(float x) {
    float t = exp_gate_f32(-2 * fabsf(x));
    return copysignf((1 - t) / (1 + t), x);
}
static inline double tanh_gate_f64(double x) { return tanh(x); }

/* units per block of the gate loops: two AVX-512 or four SSE vectors of floats */
#define GATE_BLOCK 16

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
