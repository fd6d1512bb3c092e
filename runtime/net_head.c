/* net_head.c — the LSTM network's linear head (H -> P) computed only where
 * its outputs are read. The physics reads a static parameter's outputs at
 * the last step of the window only (δHBV) and a dynamic parameter's at
 * every step (dgrt_phys_set_params), so when most parameters are static
 * most of the head's (T, B, P) outputs are never read and their gradients
 * are zero: δHBV has 210 outputs of which 32 are dynamic, and the full head
 * was ~13 GFLOP of a ~256 GFLOP iteration. Here the dynamic ("step")
 * outputs get one gemm over every step with their weight rows gathered,
 * and the last step one gemm over all outputs; the result is the full
 * head's at every entry that is read. Entries that are not read stay NaN. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dgrt_net_set_step_outputs(DgNet *n, const DgModel *m, const DgParamMap *pm) {
    free(n->step_out);
    n->step_out = NULL;
    n->nstep_out = 0;
    if (n->kind != DG_LEARN_LSTM) return;
    int *cols = mallocCheck(sizeof(int) * (size_t)(n->P + 1)), k = 0;
    for (int i = 0; i < m->nparams; i++) {
        if (pm->first[i] < 0 || m->params[i].mark != DG_PARAM_DYNAMIC) continue;
        int count = pm->per_comp[i] ? (int)pm->ncomp : 1;
        for (int c = 0; c < count; c++) cols[k++] = pm->first[i] + c;
    }
    n->step_out = cols; /* owned; dgrt_net_free */
    n->nstep_out = k;
}

/* a restricted head pays off when it skips something */
static int restricted(const DgNet *n, int T) { return n->step_out && n->nstep_out < n->P && T > 1; }

size_t dgrt_net_head_scratch(const DgNet *n, int T, int B, int grads) {
    if (!restricted(n, T)) return 0;
    size_t Pd = (size_t)n->nstep_out, H = (size_t)n->H;
    /* gathered weights and biases, outputs (T-1)*B x Pd; with grads their gradients */
    return Pd * H + Pd + (size_t)(T - 1) * B * Pd + (grads ? Pd * H + Pd : 0);
}

void dgrt_net_head_forward(const DgNet *n, DgNetActs *a, int T, int B) {
    const int H = n->H, P = n->P;
    const size_t TB = (size_t)T * B, last = TB - (size_t)B;
    const float *out = a->la.out;
    if (!restricted(n, T) || !a->head_scratch) {   /* no scratch: the acts predate the step outputs */
        // raw (T*B, P) = out (T*B, H) · W_head^T + b_head
        dgrt_matmul_forward_f32(a->raw, out, n->head_w, n->head_b, (int)TB, H, P);
        return;
    }
    const int Pd = n->nstep_out;
    float *w = a->head_scratch, *b = w + (size_t)Pd * H, *raw_step = b + Pd;
    // every step but the last: the step outputs only
    if (Pd > 0) {
        for (int k = 0; k < Pd; k++) {
            memcpy(w + (size_t)k * H, n->head_w + (size_t)n->step_out[k] * H, sizeof(float) * (size_t)H);
            b[k] = n->head_b[n->step_out[k]];
        }
        dgrt_matmul_forward_f32(raw_step, out, w, b, (int)last, H, Pd);
        for (size_t r = 0; r < last; r++)
            for (int k = 0; k < Pd; k++) a->raw[r * P + n->step_out[k]] = raw_step[r * Pd + k];
    }
    // the last step: every output
    dgrt_matmul_forward_f32(a->raw + last * P, out + last * H, n->head_w, n->head_b, B, H, P);
}

void dgrt_net_head_backward(DgNet *n, DgNetActs *a, const float *draw, int T, int B, size_t row0) {
    const int H = n->H, P = n->P;
    const size_t TB = (size_t)T * B, last = TB - (size_t)B;
    const float *out = a->la.out;
    if (!restricted(n, T) || !a->head_scratch || row0 >= last) {
        // rows before row0 have no gradient (warm-up steps); dlstm (T*B, H) was zeroed
        dgrt_matmul_backward_f32(a->dlstm + row0 * H, n->dhead_w, n->dhead_b, draw + row0 * P, out + row0 * H,
                                 n->head_w, (int)(TB - row0), H, P);
        return;
    }
    const int Pd = n->nstep_out;
    float *w = a->head_scratch, *draw_step = w + (size_t)Pd * H + Pd;   /* w: gathered by the forward */
    float *dw = draw_step + last * Pd, *db = dw + (size_t)Pd * H;
    // steps row0 .. the last: only the step outputs have a gradient there
    if (Pd > 0) {
        size_t rows = last - row0;
        for (size_t r = 0; r < rows; r++)
            for (int k = 0; k < Pd; k++) draw_step[r * Pd + k] = draw[(row0 + r) * P + n->step_out[k]];
        memset(dw, 0, sizeof(float) * ((size_t)Pd * H + Pd));
        dgrt_matmul_backward_f32(a->dlstm + row0 * H, dw, db, draw_step, out + row0 * H, w, (int)rows, H, Pd);
        for (int k = 0; k < Pd; k++) {
            float *dst = n->dhead_w + (size_t)n->step_out[k] * H;
            for (int j = 0; j < H; j++) dst[j] += dw[(size_t)k * H + j];
            n->dhead_b[n->step_out[k]] += db[k];
        }
    }
    // the last step: every output
    dgrt_matmul_backward_f32(a->dlstm + last * H, n->dhead_w, n->dhead_b, draw + last * P, out + last * H,
                             n->head_w, B, H, P);
}
