/* mlp.c — the multi-layer perceptron: linear layers (matmul.c) with a named
 * activation after each hidden layer and a separate one on the output,
 * optional inverted dropout after the hidden activations; forward and
 * backward in the llm.c shape (pre- and post-activations cached per layer).
 * Sizes here; the code in mlp_impl.inc, compiled for f32 and f64. A `linear`
 * head is the one-layer MLP with out_act linear, or matmul directly. */
#include "nn.h"

#include <assert.h>
#include <string.h>

// ---- Sizes --------------------------------------------------------------------------------

static void check_cfg(const DgMlp *cfg) {
    assert(cfg->n_layers >= 1 && cfg->n_layers <= DGRT_MLP_MAX_LAYERS);
    for (int k = 0; k <= cfg->n_layers; k++) assert(cfg->sizes[k] >= 1);
    assert((unsigned)cfg->act < DG_ACT_COUNT && (unsigned)cfg->out_act < DG_ACT_COUNT);
    (void)cfg;
}

static DgAct layer_act(const DgMlp *cfg, int k) { return k == cfg->n_layers - 1 ? cfg->out_act : cfg->act; }

/* the widest layer output: da and dz of the backward pass hold one layer's */
static size_t max_width(const DgMlp *cfg) {
    int w = 1;
    for (int k = 1; k <= cfg->n_layers; k++) w = cfg->sizes[k] > w ? cfg->sizes[k] : w;
    return (size_t)w;
}

int dgrt_mlp_param_sizes(size_t *sizes, const DgMlp *cfg) {
    check_cfg(cfg);
    for (int k = 0; k < cfg->n_layers; k++) {                      /* grep ORDER MlpParams */
        sizes[2 * k] = (size_t)cfg->sizes[k + 1] * cfg->sizes[k];  // w (out, in)
        sizes[2 * k + 1] = (size_t)cfg->sizes[k + 1];              // b (out)
    }
    return DGRT_MLP_NUM_PARAM_TENSORS * cfg->n_layers;
}

size_t dgrt_mlp_num_params(const DgMlp *cfg) {
    size_t sizes[DGRT_MLP_NUM_PARAM_TENSORS * DGRT_MLP_MAX_LAYERS], n = 0;
    int k = dgrt_mlp_param_sizes(sizes, cfg);
    for (int i = 0; i < k; i++) n += sizes[i];
    return n;
}

/* per layer, grep ORDER MlpActs: pre, post (none when linear), mask and drop (hidden layers with dropout) */
#define ACT_TENSORS 4
static int act_sizes(size_t *sizes, const DgMlp *cfg, int N) {
    check_cfg(cfg);
    assert(N >= 1);
    for (int k = 0; k < cfg->n_layers; k++) {
        size_t n = (size_t)N * cfg->sizes[k + 1], *s = sizes + ACT_TENSORS * k;
        s[0] = n;
        s[1] = layer_act(cfg, k) == DG_ACT_LINEAR ? 0 : n;
        s[2] = s[3] = k < cfg->n_layers - 1 && cfg->dropout > 0 ? n : 0;
    }
    return ACT_TENSORS * cfg->n_layers;
}

size_t dgrt_mlp_num_acts(const DgMlp *cfg, int N) {
    size_t sizes[ACT_TENSORS * DGRT_MLP_MAX_LAYERS], n = 0;
    int k = act_sizes(sizes, cfg, N);
    for (int i = 0; i < k; i++) n += sizes[i];
    return n;
}

size_t dgrt_mlp_num_grad_acts(const DgMlp *cfg, int N) {
    check_cfg(cfg);
    return 2 * (size_t)N * max_width(cfg);
}

// ---- Layers (f32, f64) ----------------------------------------------------------------------

#define DGRT_NN_PREC 32
#include "nn_real.inc"
#include "mlp_impl.inc"
#undef DGRT_NN_PREC

#define DGRT_NN_PREC 64
#include "nn_real.inc"
#include "mlp_impl.inc"
#undef DGRT_NN_PREC
#undef real
