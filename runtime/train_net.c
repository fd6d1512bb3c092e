/* train_net.c — the parameter network of a run: an LSTM (input layer,
 * LSTM, linear head), an MLP (nn.h), or for a model without one a table of
 * raw values per basin (direct calibration); forward and backward. */
#include "train_internal.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

// ---- Network ------------------------------------------------------------------------------------

/* The model's own initial in-equation network weights (params.c, fixed seed). */
static void init_netw(DgNet *n, const DgModel *m) {
    if (n->nnetw <= 0) return;
    double *w = mallocCheck(sizeof(double) * (size_t)n->nnetw);
    dgrt_netw_default(m, w);
    for (int i = 0; i < n->nnetw; i++) n->netw[i] = (float)w[i];
    free(w);
}

void dgrt_net_build(DgNet *n, const DgModel *m, int P, uint64_t seed) {
    memset(n, 0, sizeof *n);
    const DgLearnInfo *l = &m->learn;
    n->kind = P > 0 ? l->kind : DG_LEARN_NONE;
    n->C = l->nforcings + l->nattributes;
    n->H = l->hidden > 0 ? l->hidden : 64;
    n->P = P;
    n->dropout = (float)l->dropout;
    if (n->kind == DG_LEARN_LSTM) {
        n->L = l->layers > 0 ? l->layers : 1;
        if (n->L > DGRT_LSTM_MAX_LAYERS) n->L = DGRT_LSTM_MAX_LAYERS;
        n->lstm = (DgLstm){.C = n->H, .H = n->H, .L = n->L, .dropout = n->dropout};
        n->num_net = (size_t)n->H * n->C + n->H + dgrt_lstm_num_params(&n->lstm) + (size_t)P * n->H + P;
    } else if (n->kind == DG_LEARN_MLP) {
        n->L = l->layers > 0 ? l->layers : 1; /* hidden layers */
        if (n->L > DGRT_MLP_MAX_LAYERS - 1) n->L = DGRT_MLP_MAX_LAYERS - 1;
        n->mlp.n_layers = n->L + 1;
        n->mlp.sizes[0] = n->C;
        for (int k = 1; k <= n->L; k++) n->mlp.sizes[k] = n->H;
        n->mlp.sizes[n->L + 1] = P;
        n->mlp.act = DG_ACT_RELU;
        n->mlp.out_act = DG_ACT_LINEAR;
        n->mlp.dropout = n->dropout;
        n->num_net = dgrt_mlp_num_params(&n->mlp);
    }
    n->nnetw = m->nnetw;
    n->num_params = n->num_net + (size_t)n->nnetw;
    n->params = callocCheck(n->num_params + 1, sizeof(float)); /* owned; dgrt_net_free */
    n->netw = n->params + n->num_net;
    DgNnRng rng;
    dgrt_nnrng_seed(&rng, seed);
    if (n->kind == DG_LEARN_LSTM) {
        float *w = n->params;
        n->in_w = w, w += (size_t)n->H * n->C;
        n->in_b = w, w += n->H;
        dgrt_lstm_point_params_f32(&n->lp, &n->lstm, w), w += dgrt_lstm_num_params(&n->lstm);
        n->head_w = w, w += (size_t)P * n->H;
        n->head_b = w;
        /* PyTorch's initialisation, layer by layer (nn.Linear, nn.LSTM, nn.Linear) */
        dgrt_linear_init_f32(n->in_w, n->in_b, n->C, n->H, DG_INIT_TORCH, &rng);
        dgrt_lstm_init_f32(&n->lp, &n->lstm, &rng);
        dgrt_linear_init_f32(n->head_w, n->head_b, n->H, P, DG_INIT_TORCH, &rng);
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_point_params_f32(&n->mp, &n->mlp, n->params);
        dgrt_mlp_init_f32(&n->mp, &n->mlp, DG_INIT_TORCH, &rng);
    }
    init_netw(n, m);
}

int dgrt_net_is_table(const DgModel *m, const DgParamMap *pm) {
    return m->learn.kind == DG_LEARN_NONE && pm->nout > 0;
}

void dgrt_net_build_table(DgNet *n, const DgModel *m, const DgParamMap *pm, int nrows) {
    memset(n, 0, sizeof *n);
    int P = pm->nout;
    n->kind = DGRT_NET_TABLE;
    n->C = 1;
    n->P = P;
    n->nrows = nrows;
    n->num_net = (size_t)nrows * P;
    n->nnetw = m->nnetw;
    n->num_params = n->num_net + (size_t)n->nnetw;
    n->params = callocCheck(n->num_params + 1, sizeof(float)); /* owned; dgrt_net_free */
    n->netw = n->params + n->num_net;
    /* every row at the defaults: raw = logit((value - lo) / (hi - lo)), kept 1e-3 inside the bounds */
    for (int i = 0; i < m->nparams; i++) {
        if (pm->first[i] < 0) continue;
        const DgParamInfo *pi = &m->params[i];
        double u = isnan(pi->value) ? 0.5 : (pi->value - pi->lo) / (pi->hi - pi->lo);
        u = u < 1e-3 ? 1e-3 : u > 1 - 1e-3 ? 1 - 1e-3 : u;
        float raw = (float)log(u / (1 - u));
        int cnt = pm->per_comp[i] ? (int)pm->ncomp : 1;
        for (int r = 0; r < nrows; r++)
            for (int k = 0; k < cnt; k++) n->params[(size_t)r * P + pm->first[i] + k] = raw;
    }
    init_netw(n, m);
}

void dgrt_net_alloc_grads(DgNet *n) {
    if (n->grads) return;
    n->grads = callocCheck(n->num_params + 1, sizeof(float)); /* owned; dgrt_net_free */
    n->dnetw = n->grads + n->num_net;
    if (n->kind == DG_LEARN_LSTM) {
        float *w = n->grads;
        n->din_w = w, w += (size_t)n->H * n->C;
        n->din_b = w, w += n->H;
        dgrt_lstm_point_params_f32(&n->dlp, &n->lstm, w), w += dgrt_lstm_num_params(&n->lstm);
        n->dhead_w = w, w += (size_t)n->P * n->H;
        n->dhead_b = w;
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_point_params_f32(&n->dmp, &n->mlp, n->grads);
    }
}

void dgrt_net_free(DgNet *n) {
    free(n->step_out);
    free(n->params);
    free(n->grads);
    memset(n, 0, sizeof *n);
}

void dgrt_net_acts_alloc(DgNetActs *a, const DgNet *n, int T, int B, int grads) {
    memset(a, 0, sizeof *a);
    a->T = T;
    a->B = B;
    size_t TB = (size_t)T * B, H = (size_t)n->H;
    if (n->kind == DG_LEARN_LSTM) {
        size_t nl = dgrt_lstm_num_acts(&n->lstm, T, B);
        a->memory = mallocCheck(sizeof(float) * (2 * TB * H + nl + TB * n->P)); /* owned; acts_free */
        a->in_pre = a->memory;
        a->in_post = a->in_pre + TB * H;
        dgrt_lstm_point_acts_f32(&a->la, &n->lstm, T, B, a->in_post + TB * H);
        a->raw = a->in_post + TB * H + nl;
        size_t nh = dgrt_net_head_scratch(n, T, B, grads);
        if (nh) { /* a restricted head leaves entries unread: NaN, so that a wrong read is loud */
            for (size_t i = 0; i < TB * n->P; i++) a->raw[i] = NAN;
            a->head_scratch = mallocCheck(sizeof(float) * nh);
        }
        if (grads) {
            size_t ng = dgrt_lstm_num_grad_acts(&n->lstm, T, B);
            a->gmemory = mallocCheck(sizeof(float) * (2 * TB * H + ng));
            a->dlstm = a->gmemory;
            a->din = a->dlstm + TB * H;
            dgrt_lstm_point_grad_acts_f32(&a->lg, &n->lstm, T, B, a->din + TB * H);
        }
    } else if (n->kind == DG_LEARN_MLP) {
        a->memory = mallocCheck(sizeof(float) * dgrt_mlp_num_acts(&n->mlp, (int)TB));
        dgrt_mlp_point_acts_f32(&a->ma, &n->mlp, (int)TB, a->memory);
        a->raw = a->ma.out;
        if (grads) {
            a->gmemory = mallocCheck(sizeof(float) * dgrt_mlp_num_grad_acts(&n->mlp, (int)TB));
            dgrt_mlp_point_grad_acts_f32(&a->mg, &n->mlp, (int)TB, a->gmemory);
        }
    } else if (n->kind == DGRT_NET_TABLE) {
        a->memory = mallocCheck(sizeof(float) * (TB * n->P + 1));
        a->raw = a->memory;
    }
}

void dgrt_net_acts_free(DgNetActs *a) {
    free(a->head_scratch);
    free(a->memory);
    free(a->gmemory);
    memset(a, 0, sizeof *a);
}

void dgrt_net_forward(const DgNet *n, DgNetActs *a, const float *x, int T, int B, int train, uint64_t seed) {
    size_t TB = (size_t)T * B;
    if (n->kind == DG_LEARN_LSTM) {
        // input layer: in_pre (T*B, H) = x (T*B, C) · W_in^T + b_in; in_post = relu(in_pre)
        dgrt_matmul_forward_f32(a->in_pre, x, n->in_w, n->in_b, (int)TB, n->C, n->H);
        dgrt_act_forward_f32(a->in_post, a->in_pre, TB * n->H, DG_ACT_RELU);
        // LSTM over the T steps: la.out (T, B, H), dropout on its output in training
        dgrt_lstm_forward_f32(&a->la, &n->lp, &n->lstm, a->in_post, T, B, train, seed);
        // head: raw (T*B, P) = out (T*B, H) · W_head^T + b_head, where it is read
        dgrt_net_head_forward(n, a, T, B);
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_forward_f32(&a->ma, &n->mp, &n->mlp, x, (int)TB, train, seed);
    } else if (n->kind == DGRT_NET_TABLE) {
        // raw (T*B, P) = the table row named by x
        for (size_t i = 0; i < TB; i++)
            memcpy(a->raw + i * n->P, n->params + (size_t)x[i] * n->P, sizeof(float) * (size_t)n->P);
    }
}

/* In the exact reverse order of dgrt_net_forward. */
void dgrt_net_backward(DgNet *n, DgNetActs *a, const float *x, const float *draw, int T, int B, size_t row0,
                       int bptt_from) {
    size_t TB = (size_t)T * B, H = (size_t)n->H;
    if (n->kind == DG_LEARN_LSTM) {
        // head: rows before row0 have no gradient (warm-up steps of static-only models)
        memset(a->dlstm, 0, sizeof(float) * TB * H);
        dgrt_net_head_backward(n, a, draw, T, B, row0);
        // LSTM: dlstm -> d weights, din = d in_post, back to step bptt_from (truncated) or to the first
        int t0 = bptt_from > 0 && bptt_from < T ? bptt_from : 0;
        size_t r0 = (size_t)t0 * B;
        memset(a->din + r0 * H, 0, sizeof(float) * (TB - r0) * H);
        dgrt_lstm_backward_from_f32(&n->dlp, a->din, &a->lg, a->dlstm, &a->la, &n->lp, &n->lstm, a->in_post, T, B,
                                    t0);
        // relu, then the input layer (no gradient for the inputs), over the same steps
        dgrt_act_backward_f32(a->din + r0 * H, a->din + r0 * H, a->in_pre + r0 * H, a->in_post + r0 * H,
                              (TB - r0) * H, DG_ACT_RELU);
        dgrt_matmul_backward_f32(NULL, n->din_w, n->din_b, a->din + r0 * H, x + r0 * n->C, n->in_w, (int)(TB - r0),
                                 n->C, n->H);
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_backward_f32(&n->dmp, NULL, &a->mg, draw, &a->ma, &n->mp, &n->mlp, x, (int)TB);
    } else if (n->kind == DGRT_NET_TABLE) {
        for (size_t i = row0; i < TB; i++) {
            float *g = n->grads + (size_t)x[i] * n->P;
            for (int j = 0; j < n->P; j++) g[j] += draw[i * n->P + j];
        }
    }
}
