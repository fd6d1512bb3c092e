/* nn.h — the neural-network layers of the training runtime, in the style of
 * llm.c: explicit forward/backward per layer, sizes tables and pointer tables
 * into memory blocks the caller allocates (one malloc per category), BLAS
 * matmuls with naive reference twins, gradients ACCUMULATED (+=, the caller
 * zeroes them with one memset = zero_grad).
 *   matmul.c   linear layer out = inp · W^T + b (cblas_?gemm and _naive)
 *   lstm.c     multi-layer LSTM, time-major (T, B, C), PyTorch gate order
 *   mlp.c      MLP with named activations and dropout
 *   nn_ops.c   dropout masks, activations, initialisation fills
 *   nn_rng.c   xoshiro256** RNG (uniform, normal), activation names
 * Every layer exists twice, written once: f32 (training, cblas_sgemm) and
 * f64 (gradient checks, cblas_dgemm). The type-generic code is in *_impl.inc,
 * compiled once per precision with the macros of nn_real.inc; the names get
 * a suffix _f32/_f64 (functions) and F32/F64 (types).
 *
 * Use (the LSTM; the MLP is the same). Several networks can share one block
 * per category: sum their num_* counts and point each at its offset.
 *     DgLstm cfg = {.C = 38, .H = 256, .L = 1, .dropout = 0.5f};
 *     size_t np = dgrt_lstm_num_params(&cfg);
 *     float *params_memory = mallocCheck(np * sizeof(float)), *grads_memory = ...;
 *     DgLstmParamsF32 p, dp;
 *     dgrt_lstm_point_params_f32(&p, &cfg, params_memory);
 *     dgrt_lstm_point_params_f32(&dp, &cfg, grads_memory);
 *     DgNnRng rng;  dgrt_nnrng_seed(&rng, seed);  dgrt_lstm_init_f32(&p, &cfg, &rng);
 *     DgLstmActsF32 a;       dgrt_lstm_point_acts_f32(&a, &cfg, T, B, acts_memory);     // num_acts floats
 *     DgLstmGradActsF32 ga;  dgrt_lstm_point_grad_acts_f32(&ga, &cfg, T, B, gacts_memory);   // num_grad_acts
 *     // one iteration:
 *     dgrt_lstm_forward_f32(&a, &p, &cfg, inp, T, B, 1, iteration_seed);      // a.out (T, B, H)
 *     memset(grads_memory, 0, np * sizeof(float));                            // zero_grad
 *     dgrt_lstm_backward_f32(&dp, NULL, &ga, dout, &a, &p, &cfg, inp, T, B);  // dp += dL/dp
 * Argument order: outputs, inputs and weights, sizes (STYLE 2.6). */
#ifndef DGRT_NN_H
#define DGRT_NN_H

#include <stddef.h>
#include <stdint.h>

// ---- Random numbers (nn_rng.c) ----------------------------------------------------------------

/* xoshiro256** (Blackman & Vigna), state seeded from one 64-bit seed by
 * splitmix64: the same seed gives the same stream on every platform. */
typedef struct {
    uint64_t s[4];
    int has_spare; /* normal(): the second Box-Muller value is pending */
    double spare;
} DgNnRng;

void dgrt_nnrng_seed(DgNnRng *r, uint64_t seed);
/* a stream for (seed, stream): dropout of layer l in iteration k uses seed k, stream l */
void dgrt_nnrng_seed_stream(DgNnRng *r, uint64_t seed, uint64_t stream);
/* xoshiro256** next(), inline for the dropout masks */
static inline uint64_t dgrt_nnrng_u64(DgNnRng *r) {
    uint64_t *s = r->s, result = s[1] * 5;
    result = ((result << 7) | (result >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}
double dgrt_nnrng_uniform(DgNnRng *r);                             /* [0, 1), 53 random bits */
double dgrt_nnrng_uniform_range(DgNnRng *r, double lo, double hi); /* [lo, hi) */
double dgrt_nnrng_normal(DgNnRng *r);                              /* N(0, 1), Box-Muller */

// ---- Activations and initialisations (names in nn_rng.c) -----------------------------------------

/* grep ORDER DgAct: names in nn_rng.c */
typedef enum {
    DG_ACT_LINEAR,   /* a = z */
    DG_ACT_TANH,     /* a = tanh z */
    DG_ACT_RELU,     /* a = max(z, 0) */
    DG_ACT_SIGMOID,  /* a = 1 / (1 + e^-z) */
    DG_ACT_SOFTPLUS, /* a = log(1 + e^z) (beta 1, computed without overflow) */
    DG_ACT_ELU,      /* a = z > 0 ? z : e^z - 1 (alpha 1) */
    DG_ACT_COUNT
} DgAct;

/* "tanh", "relu", "sigmoid", "softplus", "elu", "linear" (also "identity",
 * "none") -> 0 and *act; unknown name -> -1. */
int dgrt_act_parse(const char *name, DgAct *act);
const char *dgrt_act_name(DgAct act);

/* initialisation of linear / MLP layers; fan_in = C, fan_out = OC */
typedef enum {
    DG_INIT_TORCH,   /* PyTorch nn.Linear default: W, b ~ U(-1/sqrt(fan_in), +) */
    DG_INIT_XAVIER,  /* Glorot: W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)); b = 0 */
    DG_INIT_KAIMING, /* He (gain sqrt 2): W ~ U(-a, a), a = sqrt(6 / fan_in); b = 0 */
} DgInit;

// ---- Threads and gemm (nn_ops.c) ---------------------------------------------------------------

/* The layers split their gemms, the LSTM recurrence (by batch rows) and
 * long elementwise loops over the threads of pool.h, and call the BLAS
 * single-threaded inside each part. dgrt_nn_set_threads(n) sets the pool to
 * n threads and the BLAS to 1 (returns the threads started). Without it the
 * pool has 1 thread and the BLAS keeps its own threading. Results do not
 * depend on n: masks are counter-based, every split is fixed by the shape
 * (the parts, not the threads, decide each BLAS call), and each sum runs in
 * one fixed order. (With AVX2; on other CPUs the LSTM's per-step product
 * falls back to the BLAS on each thread's rows, which may round with n.) */
int dgrt_nn_set_threads(int n);

/* C (M, N) = alpha op(A) op(B) + beta C, row-major (op = transpose when
 * trans_*), in 8 parts of fixed shape spread over the threads: the larger of
 * M and N is split, or for a weight gradient (trans_a, K >= M N) the sum
 * over K, whose partial products are then added in part order */
void dgrt_pgemm_f32(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C, int ldc);
void dgrt_pgemm_f64(int trans_a, int trans_b, int M, int N, int K, double alpha, const double *A, int lda,
                    const double *B, int ldb, double beta, double *C, int ldc);

// ---- Elementwise ops (nn_ops.c) ---------------------------------------------------------------

/* Inverted dropout: mask[i] = 0 with probability p, else 1/(1-p);
 * out = inp ⊙ mask (out may be inp). The mask depends only on (seed, stream). */
void dgrt_dropout_forward_f32(float *out, float *mask, const float *inp, size_t n, float p, uint64_t seed,
                              uint64_t stream);
void dgrt_dropout_forward_f64(double *out, double *mask, const double *inp, size_t n, float p, uint64_t seed,
                              uint64_t stream);
/* elements first .. first+n-1 of that mask (and out): any part on its own */
void dgrt_dropout_forward_at_f32(float *out, float *mask, const float *inp, size_t n, float p, uint64_t seed,
                                 uint64_t stream, size_t first);
void dgrt_dropout_forward_at_f64(double *out, double *mask, const double *inp, size_t n, float p,
                                 uint64_t seed, uint64_t stream, size_t first);
/* a = f(z) elementwise (a may be z) */
void dgrt_act_forward_f32(float *a, const float *z, size_t n, DgAct act);
void dgrt_act_forward_f64(double *a, const double *z, size_t n, DgAct act);
/* dz = da ⊙ f'(z), from z and a = f(z) (dz may be da) */
void dgrt_act_backward_f32(float *dz, const float *da, const float *z, const float *a, size_t n, DgAct act);
void dgrt_act_backward_f64(double *dz, const double *da, const double *z, const double *a, size_t n,
                           DgAct act);
/* x[i] ~ U(lo, hi), drawn in order from rng (as double, then rounded) */
void dgrt_fill_uniform_f32(float *x, size_t n, double lo, double hi, DgNnRng *rng);
void dgrt_fill_uniform_f64(double *x, size_t n, double lo, double hi, DgNnRng *rng);

// ---- Linear layer (matmul.c) ------------------------------------------------------------------

/* out (N, OC) = inp (N, C) · weight^T (C, OC) + bias (OC); bias may be NULL.
 * weight is (OC, C) as in PyTorch. out is overwritten. */
void dgrt_matmul_forward_f32(float *out, const float *inp, const float *weight, const float *bias, int N,
                             int C, int OC);
void dgrt_matmul_forward_f64(double *out, const double *inp, const double *weight, const double *bias, int N,
                             int C, int OC);
void dgrt_matmul_forward_naive_f32(float *out, const float *inp, const float *weight, const float *bias,
                                   int N, int C, int OC);
void dgrt_matmul_forward_naive_f64(double *out, const double *inp, const double *weight, const double *bias,
                                   int N, int C, int OC);
/* dinp (N, C) += dout (N, OC) · weight (OC, C); dweight (OC, C) += dout^T (OC, N) · inp (N, C);
 * dbias (OC) += sum over rows of dout. Any of dinp, dweight, dbias may be NULL. */
void dgrt_matmul_backward_f32(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                              const float *weight, int N, int C, int OC);
void dgrt_matmul_backward_f64(double *dinp, double *dweight, double *dbias, const double *dout,
                              const double *inp, const double *weight, int N, int C, int OC);
void dgrt_matmul_backward_naive_f32(float *dinp, float *dweight, float *dbias, const float *dout,
                                    const float *inp, const float *weight, int N, int C, int OC);
void dgrt_matmul_backward_naive_f64(double *dinp, double *dweight, double *dbias, const double *dout,
                                    const double *inp, const double *weight, int N, int C, int OC);
/* weight (OC, C), bias (OC) (may be NULL) by `init` (fan_in = C, fan_out = OC) */
void dgrt_linear_init_f32(float *weight, float *bias, int C, int OC, DgInit init, DgNnRng *rng);
void dgrt_linear_init_f64(double *weight, double *bias, int C, int OC, DgInit init, DgNnRng *rng);

// ---- LSTM (lstm.c) ----------------------------------------------------------------------------

/* h_t, c_t of layer l from its input x_t (layer 0: the network input; layer
 * l > 0: dropout(h_t of layer l-1)), PyTorch nn.LSTM equations and gate
 * order (i, f, g, o), h_0 = c_0 = 0:
 *     [i f g o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
 *     i, f, o = sigmoid(.), g = tanh(.)
 *     c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
 * out = dropout(h of the last layer). Dropout (inverted, p = cfg.dropout)
 * only in train mode. */
#define DGRT_LSTM_MAX_LAYERS        8
#define DGRT_LSTM_NUM_PARAM_TENSORS 4 /* per layer: w_ih, w_hh, b_ih, b_hh (grep ORDER LstmParams) */

typedef struct {
    int C;         /* input features */
    int H;         /* hidden size */
    int L;         /* layers, 1..DGRT_LSTM_MAX_LAYERS */
    float dropout; /* p between layers and on the output; 0 = none (no masks allocated) */
} DgLstm;

/* grep ORDER LstmParams: layer by layer, these four in this order */
typedef struct {
    float *w_ih[DGRT_LSTM_MAX_LAYERS];  // (4H, C_l)   C_0 = C, C_l = H
    float *w_hh[DGRT_LSTM_MAX_LAYERS];  // (4H, H)
    float *b_ih[DGRT_LSTM_MAX_LAYERS];  // (4H)
    float *b_hh[DGRT_LSTM_MAX_LAYERS];  // (4H)
} DgLstmParamsF32;
typedef struct {
    double *w_ih[DGRT_LSTM_MAX_LAYERS], *w_hh[DGRT_LSTM_MAX_LAYERS];
    double *b_ih[DGRT_LSTM_MAX_LAYERS], *b_hh[DGRT_LSTM_MAX_LAYERS];
} DgLstmParamsF64;

/* The activation arena: everything the backward pass reads, for every step. */
typedef struct {
    int T, B;                             /* sizes the arena was pointed for (forward: T <= this T) */
    int dropped;                          /* set by forward: dropout masks were applied */
    int mask_batch, mask_row0;            /* masks drawn as for rows mask_row0.. of a batch of mask_batch
                                             (a rank's part of a data-parallel batch); 0 = this batch */
    float *gates[DGRT_LSTM_MAX_LAYERS];   // (T, B, 4H) i, f, g, o after their nonlinearity
    float *c[DGRT_LSTM_MAX_LAYERS];       // (T, B, H)  cell state c_t
    float *tanh_c[DGRT_LSTM_MAX_LAYERS];  // (T, B, H)  tanh(c_t)
    float *h[DGRT_LSTM_MAX_LAYERS];       // (T, B, H)  hidden state h_t
    float *mask[DGRT_LSTM_MAX_LAYERS];    // (T, B, H)  dropout mask on h (NULL when cfg.dropout = 0)
    float *hd[DGRT_LSTM_MAX_LAYERS];      // (T, B, H)  h ⊙ mask: input of layer l+1 (= h when dropout = 0)
    float *wpack[DGRT_LSTM_MAX_LAYERS];   // W_hh^T packed for the step gemms (gemm_packed.h; f32)
    float *out;                           // (T, B, H)  = hd[L-1], the output
} DgLstmActsF32;
typedef struct {
    int T, B, dropped;
    int mask_batch, mask_row0;
    double *gates[DGRT_LSTM_MAX_LAYERS], *c[DGRT_LSTM_MAX_LAYERS], *tanh_c[DGRT_LSTM_MAX_LAYERS];
    double *h[DGRT_LSTM_MAX_LAYERS], *mask[DGRT_LSTM_MAX_LAYERS], *hd[DGRT_LSTM_MAX_LAYERS];
    double *wpack[DGRT_LSTM_MAX_LAYERS]; /* unused: the f64 layers call dgemm */
    double *out;
} DgLstmActsF64;

/* Scratch of the backward pass (one layer at a time). */
typedef struct {
    int T, B;
    float *dgates;   // (T, B, 4H) gradient of the gate pre-activations
    float *dh;       // (T, B, H)  gradient of the layer's output h (from above)
    float *dh_next;  // (B, H)     gradient of h_{t-1} through the recurrence
    float *dc_next;  // (B, H)     gradient of c_{t-1}
    float *wpack;    // W_hh packed for the step gemms (gemm_packed.h; f32)
} DgLstmGradActsF32;
typedef struct {
    int T, B;
    double *dgates, *dh, *dh_next, *dc_next, *wpack;
} DgLstmGradActsF64;

/* sizes[4 L] in ORDER LstmParams; returns the number of tensors (4 L) */
int dgrt_lstm_param_sizes(size_t *sizes, const DgLstm *cfg);
size_t dgrt_lstm_num_params(const DgLstm *cfg);
size_t dgrt_lstm_num_acts(const DgLstm *cfg, int T, int B);
size_t dgrt_lstm_num_grad_acts(const DgLstm *cfg, int T, int B);

void dgrt_lstm_point_params_f32(DgLstmParamsF32 *p, const DgLstm *cfg, float *memory);
void dgrt_lstm_point_params_f64(DgLstmParamsF64 *p, const DgLstm *cfg, double *memory);
void dgrt_lstm_point_acts_f32(DgLstmActsF32 *a, const DgLstm *cfg, int T, int B, float *memory);
void dgrt_lstm_point_acts_f64(DgLstmActsF64 *a, const DgLstm *cfg, int T, int B, double *memory);
void dgrt_lstm_point_grad_acts_f32(DgLstmGradActsF32 *g, const DgLstm *cfg, int T, int B, float *memory);
void dgrt_lstm_point_grad_acts_f64(DgLstmGradActsF64 *g, const DgLstm *cfg, int T, int B, double *memory);

/* PyTorch: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)), in ORDER LstmParams */
void dgrt_lstm_init_f32(DgLstmParamsF32 *p, const DgLstm *cfg, DgNnRng *rng);
void dgrt_lstm_init_f64(DgLstmParamsF64 *p, const DgLstm *cfg, DgNnRng *rng);

/* inp (T, B, C) -> acts->out (T, B, H). train != 0: dropout with masks from
 * (seed, layer); train == 0: no dropout. inp must stay alive for backward. */
void dgrt_lstm_forward_f32(DgLstmActsF32 *acts, const DgLstmParamsF32 *params, const DgLstm *cfg,
                           const float *inp, int T, int B, int train, uint64_t seed);
void dgrt_lstm_forward_f64(DgLstmActsF64 *acts, const DgLstmParamsF64 *params, const DgLstm *cfg,
                           const double *inp, int T, int B, int train, uint64_t seed);
/* dout (T, B, H) -> grads += dL/dparams; dinp (T, B, C) += dL/dinp when not
 * NULL. Reads acts of the last forward (same T, B, inp); gacts is scratch. */
void dgrt_lstm_backward_f32(DgLstmParamsF32 *grads, float *dinp, DgLstmGradActsF32 *gacts, const float *dout,
                            const DgLstmActsF32 *acts, const DgLstmParamsF32 *params, const DgLstm *cfg,
                            const float *inp, int T, int B);
void dgrt_lstm_backward_f64(DgLstmParamsF64 *grads, double *dinp, DgLstmGradActsF64 *gacts,
                            const double *dout, const DgLstmActsF64 *acts, const DgLstmParamsF64 *params,
                            const DgLstm *cfg, const double *inp, int T, int B);
/* The same, back through steps t0 .. T-1 only (truncated backpropagation
 * through time): no gradient flows into step t0 - 1 or before, and the
 * weights collect it from those steps alone; dout before t0 is not read. */
void dgrt_lstm_backward_from_f32(DgLstmParamsF32 *grads, float *dinp, DgLstmGradActsF32 *gacts, const float *dout,
                                 const DgLstmActsF32 *acts, const DgLstmParamsF32 *params, const DgLstm *cfg,
                                 const float *inp, int T, int B, int t0);
void dgrt_lstm_backward_from_f64(DgLstmParamsF64 *grads, double *dinp, DgLstmGradActsF64 *gacts,
                                 const double *dout, const DgLstmActsF64 *acts, const DgLstmParamsF64 *params,
                                 const DgLstm *cfg, const double *inp, int T, int B, int t0);

// ---- MLP (mlp.c) ------------------------------------------------------------------------------

/* Layer k = 0 .. n_layers-1: z_k = x_k W_k^T + b_k, a_k = f_k(z_k), with
 * f_k = act for hidden layers and out_act for the last; x_0 = inp,
 * x_{k+1} = dropout(a_k) (train mode only). Rows are independent: N is any
 * batch (basins, or T*B time-major rows). */
#define DGRT_MLP_MAX_LAYERS        8
#define DGRT_MLP_NUM_PARAM_TENSORS 2 /* per layer: w, b (grep ORDER MlpParams) */

typedef struct {
    int n_layers;                       /* linear layers, 1..DGRT_MLP_MAX_LAYERS */
    int sizes[DGRT_MLP_MAX_LAYERS + 1]; /* widths: sizes[0] = input, sizes[n_layers] = output */
    DgAct act;                          /* hidden layers */
    DgAct out_act;                      /* last layer */
    float dropout;                      /* p after each hidden activation; 0 = none */
} DgMlp;

/* grep ORDER MlpParams: layer by layer, w then b */
typedef struct {
    float *w[DGRT_MLP_MAX_LAYERS];  // (sizes[k+1], sizes[k])
    float *b[DGRT_MLP_MAX_LAYERS];  // (sizes[k+1])
} DgMlpParamsF32;
typedef struct {
    double *w[DGRT_MLP_MAX_LAYERS], *b[DGRT_MLP_MAX_LAYERS];
} DgMlpParamsF64;

typedef struct {
    int N;                             /* rows the arena was pointed for (forward: N <= this N) */
    int dropped;                       /* set by forward: dropout masks were applied */
    int mask_batch, mask_row0, mask_rows; /* rows are (step, basin) with mask_rows basins per step, drawn as
                                             rows mask_row0.. of a batch of mask_batch; 0 = as they are */
    float *pre[DGRT_MLP_MAX_LAYERS];   // (N, sizes[k+1]) z_k
    float *post[DGRT_MLP_MAX_LAYERS];  // (N, sizes[k+1]) a_k (= pre when f_k is linear)
    float *mask[DGRT_MLP_MAX_LAYERS];  // (N, sizes[k+1]) hidden layers, NULL when dropout = 0
    float *drop[DGRT_MLP_MAX_LAYERS];  // (N, sizes[k+1]) x_{k+1} = a_k ⊙ mask (= post when dropout = 0)
    float *out;                        // (N, sizes[n_layers]) = post[n_layers-1]
} DgMlpActsF32;
typedef struct {
    int N, dropped;
    int mask_batch, mask_row0, mask_rows;
    double *pre[DGRT_MLP_MAX_LAYERS], *post[DGRT_MLP_MAX_LAYERS];
    double *mask[DGRT_MLP_MAX_LAYERS], *drop[DGRT_MLP_MAX_LAYERS];
    double *out;
} DgMlpActsF64;

typedef struct {
    int N;
    float *da;  // (N, max width) gradient of a layer's output
    float *dz;  // (N, max width) gradient of its pre-activation
} DgMlpGradActsF32;
typedef struct {
    int N;
    double *da, *dz;
} DgMlpGradActsF64;

/* sizes[2 n_layers] in ORDER MlpParams; returns the number of tensors */
int dgrt_mlp_param_sizes(size_t *sizes, const DgMlp *cfg);
size_t dgrt_mlp_num_params(const DgMlp *cfg);
size_t dgrt_mlp_num_acts(const DgMlp *cfg, int N);
size_t dgrt_mlp_num_grad_acts(const DgMlp *cfg, int N);

void dgrt_mlp_point_params_f32(DgMlpParamsF32 *p, const DgMlp *cfg, float *memory);
void dgrt_mlp_point_params_f64(DgMlpParamsF64 *p, const DgMlp *cfg, double *memory);
void dgrt_mlp_point_acts_f32(DgMlpActsF32 *a, const DgMlp *cfg, int N, float *memory);
void dgrt_mlp_point_acts_f64(DgMlpActsF64 *a, const DgMlp *cfg, int N, double *memory);
void dgrt_mlp_point_grad_acts_f32(DgMlpGradActsF32 *g, const DgMlp *cfg, int N, float *memory);
void dgrt_mlp_point_grad_acts_f64(DgMlpGradActsF64 *g, const DgMlp *cfg, int N, double *memory);

/* every layer by dgrt_linear_init_* with `init`, in ORDER MlpParams */
void dgrt_mlp_init_f32(DgMlpParamsF32 *p, const DgMlp *cfg, DgInit init, DgNnRng *rng);
void dgrt_mlp_init_f64(DgMlpParamsF64 *p, const DgMlp *cfg, DgInit init, DgNnRng *rng);

/* inp (N, sizes[0]) -> acts->out (N, sizes[n_layers]); train, seed as for the LSTM */
void dgrt_mlp_forward_f32(DgMlpActsF32 *acts, const DgMlpParamsF32 *params, const DgMlp *cfg,
                          const float *inp, int N, int train, uint64_t seed);
void dgrt_mlp_forward_f64(DgMlpActsF64 *acts, const DgMlpParamsF64 *params, const DgMlp *cfg,
                          const double *inp, int N, int train, uint64_t seed);
/* dout (N, sizes[n_layers]) -> grads += ..., dinp (N, sizes[0]) += ... when not NULL */
void dgrt_mlp_backward_f32(DgMlpParamsF32 *grads, float *dinp, DgMlpGradActsF32 *gacts, const float *dout,
                           const DgMlpActsF32 *acts, const DgMlpParamsF32 *params, const DgMlp *cfg,
                           const float *inp, int N);
void dgrt_mlp_backward_f64(DgMlpParamsF64 *grads, double *dinp, DgMlpGradActsF64 *gacts, const double *dout,
                           const DgMlpActsF64 *acts, const DgMlpParamsF64 *params, const DgMlp *cfg,
                           const double *inp, int N);

#endif
