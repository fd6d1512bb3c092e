/* train_phys.c — the model's f32 kernels over a batch of basins, in
 * shards run by threads: forcing and parameters in, forward with tape,
 * target series (component mean, routing), adjoint back to d raw. */
#include "train_internal.h"
#include "fpenv.h"

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

// ---- Physics of a batch ----------------------------------------------------------------------------

int dgrt_target_output(const DgModel *m, const char *name, DgrtErr *err) {
    if (name && name[0]) {
        for (int o = 0; o < m->noutputs; o++)
            if (!strcmp(m->outputs[o].name, name)) return o;
        const char *names[m->noutputs > 0 ? m->noutputs : 1];
        for (int o = 0; o < m->noutputs; o++) names[o] = m->outputs[o].name;
        dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "target '%s' is not an output of model '%s'", name, m->name);
        const char *near = dgrt_closest(name, names, m->noutputs);
        if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
        else dgrt_err_hint(err, "`MODEL info` lists the outputs");
        return -1;
    }
    for (int o = 0; o < m->noutputs; o++)
        if (!strcmp(m->outputs[o].name, "streamflow")) return o;
    for (int o = 0; o < m->noutputs; o++)
        if (!strcmp(m->outputs[o].name, "Q")) return o;
    if (m->noutputs == 0) {
        dgrt_fail(err, DGRT_EXIT_FAIL, NULL, "model '%s' has no output to compare with streamflow", m->name);
        return -1;
    }
    return 0;
}

void dgrt_phys_alloc(DgPhys *p, const DgModel *m, int64_t B, int64_t ncomp, int64_t T, int64_t warmup,
                     int target, int grads) {
    memset(p, 0, sizeof *p);
    p->m = m;
    p->B = B;
    p->Btot = B;
    p->ncomp = ncomp;
    p->nc = B * ncomp;
    p->T = T;
    p->warmup = warmup;
    p->target = target;
    int64_t nc = p->nc, R = T - warmup, np = m->nparams, no = m->noutputs, ns = m->nstates;
    int64_t nout_steps = warmup > R ? warmup : R;
    int dyn = 0;
    for (int i = 0; i < m->nparams; i++) dyn |= m->params[i].mark == DG_PARAM_DYNAMIC;
    p->params = NEW(float, np *nc);
    p->dyn = dyn ? NEW(float, T *np *nc) : NULL;
    p->forcing = NEW(float, T * m->ninputs * B);
    p->states0 = NEW(float, ns *nc);
    p->states = NEW(float, ns *nc);
    p->out = NEW(float, nout_steps *no *nc);
    p->bparams = NEW(float, np *B);
    p->weights = NEW(float, m->nweights *B);
    p->sim = NEW(double, R *B);
    if (!grads) return;
    p->tape = NEW(float, R *ns *nc);
    p->dout = NEW(float, R *no *nc);
    p->dparams = NEW(float, np *nc);
    p->ddyn = dyn ? NEW(float, R *np *nc) : NULL;
    p->dstates = NEW(float, ns *nc);
    p->dweights = NEW(float, m->nweights *B);
    p->dbparams = NEW(float, np *B);
    p->dnetw = NEW(float, m->nnetw);
    p->dsim = NEW(double, R *B);
}

void dgrt_phys_free(DgPhys *p) {
    void *all[] = {p->params, p->dyn,     p->forcing,  p->states0,  p->states, p->out,
                   p->tape,   p->bparams, p->weights,  p->sim,      p->dout,   p->dparams,
                   p->ddyn,   p->dstates, p->dweights, p->dbparams, p->dnetw,  p->dsim};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    memset(p, 0, sizeof *p);
}

void dgrt_phys_set_forcing(DgPhys *p, const DgDataset *d, const int *bidx, const int64_t *start) {
    int ni = p->m->ninputs;
    for (int64_t b = 0; b < p->B; b++) {
        const DgBasin *bs = &d->basins[bidx[b]];
        for (int64_t t = 0; t < p->T; t++)
            for (int i = 0; i < ni; i++)
                p->forcing[(t * ni + i) * p->B + b] = (float)bs->forcing[(start[b] + t) * ni + i];
    }
}

/* raw (Tr, Btot, P): the row of step t, basin b of this shard */
static inline const float *raw_row(const DgPhys *p, const float *raw, int Tr, int64_t t, int64_t b, int P) {
    int64_t row = Tr == 1 ? 0 : t;
    return raw + (row * p->Btot + p->b0 + b) * P;
}

void dgrt_phys_set_params(DgPhys *p, const DgParamMap *pm, const float *raw, int Tr, int P) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, np = m->nparams, K = p->ncomp;
    for (int i = 0; i < m->nparams; i++) {
        const DgParamInfo *pi = &m->params[i];
        float *row = p->params + i * nc;
        if (pm->first[i] < 0) { /* fixed: the model's value */
            for (int64_t c = 0; c < nc; c++) row[c] = (float)pi->value;
            if (p->dyn)
                for (int64_t t = 0; t < p->T; t++)
                    for (int64_t c = 0; c < nc; c++) p->dyn[(t * np + i) * nc + c] = (float)pi->value;
            continue;
        }
        float lo = (float)pi->lo, span = (float)(pi->hi - pi->lo);
        for (int64_t b = 0; b < p->B; b++)
            for (int64_t k = 0; k < K; k++) {
                int j = pm->first[i] + (pm->per_comp[i] ? (int)k : 0);
                /* static: the last step of the window (δHBV) */
                row[b * K + k] = lo + sigmoidf_(raw_row(p, raw, Tr, p->T - 1, b, P)[j]) * span;
                if (pi->mark == DG_PARAM_DYNAMIC && p->dyn)
                    for (int64_t t = 0; t < p->T; t++)
                        p->dyn[(t * np + i) * nc + b * K + k] =
                            lo + sigmoidf_(raw_row(p, raw, Tr, t, b, P)[j]) * span;
            }
    }
}

/* Component mean of output o at step t of basin b, in double. */
static double comp_mean(const DgPhys *p, const float *out, int o, int64_t t, int64_t b) {
    const float *row = out + (t * p->m->noutputs + o) * p->nc + b * p->ncomp;
    double s = 0;
    for (int64_t k = 0; k < p->ncomp; k++) s += row[k];
    return s / (double)p->ncomp;
}

void dgrt_phys_forward(DgPhys *p, int tape, double *all_series) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, B = p->B, W = p->warmup, R = p->T - W, np = m->nparams, ni = m->ninputs;
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = nc;
    r.ncomp = p->ncomp;
    r.nsteps = 1;
    r.params = p->params;
    r.netw = m->nnetw ? p->netw : NULL;
    r.input_norm = p->input_norm;
    // init: params -> states0
    DgRun ir = r;
    ir.states = p->states0;
    m->init[DG_F32](&ir);
    // warm-up: states0 -> states at the window's rho part; no tape, no gradient (δHBV spins up states)
    if (W > 0) {
        DgRun w = r;
        w.nsteps = W;
        w.dyn_params = p->dyn;
        w.forcing = p->forcing;
        w.states = p->states0;
        w.out = p->out;
        m->run_fwd[DG_F32](&w);
    }
    // the steps that count: from states0, with the tape when training
    memcpy(p->states, p->states0, sizeof(float) * (size_t)(m->nstates * nc));
    DgRun f = r;
    f.nsteps = R;
    f.dyn_params = p->dyn ? p->dyn + W * np * nc : NULL;
    f.forcing = p->forcing + W * ni * B;
    f.states = p->states;
    f.out = p->out;
    f.tape = tape ? p->tape : NULL;
    m->run_fwd[DG_F32](&f);
    // prologue: routing weights from component 0 of every basin
    if (m->nweights > 0) {
        for (int i = 0; i < np; i++)
            for (int64_t b = 0; b < B; b++) p->bparams[i * B + b] = p->params[i * nc + b * p->ncomp];
        DgRun pr = r;
        pr.ncells = B;
        pr.ncomp = 1;
        pr.params = p->bparams;
        pr.out = p->weights;
        m->prologue[DG_F32](&pr);
    }
    // target series: component mean, then the unit hydrograph when the output is routed
    const DgOutputInfo *oi = &m->outputs[p->target];
    double *x = mallocCheck(sizeof(double) * (size_t)(2 * R + 1)), *y = x + R;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t t = 0; t < R; t++) x[t] = comp_mean(p, p->out, p->target, t, b);
        if (oi->route_weights >= 0 && oi->route_len > 0) {
            double w[oi->route_len];
            for (int j = 0; j < oi->route_len; j++) w[j] = p->weights[(oi->route_weights + j) * B + b];
            dgrt_route_forward(y, x, w, R, oi->route_len);
            for (int64_t t = 0; t < R; t++) p->sim[t * B + b] = y[t];
        } else {
            for (int64_t t = 0; t < R; t++) p->sim[t * B + b] = x[t];
        }
    }
    free(x);
    // every output (simulate): the runtime's double series operators
    if (all_series) {
        size_t n = (size_t)(R * m->noutputs * nc);
        double *od = mallocCheck(sizeof(double) * (n + 1));
        double *wd = mallocCheck(sizeof(double) * (size_t)(m->nweights * B + 1));
        for (size_t i = 0; i < n; i++) od[i] = p->out[i];
        for (int64_t i = 0; i < m->nweights * B; i++) wd[i] = p->weights[i];
        dgrt_series_forward(m, R, B, p->ncomp, od, wd, all_series);
        free(od);
        free(wd);
    }
}

/* In the exact reverse order of dgrt_phys_forward (the warm-up and init get no gradient). */
void dgrt_phys_backward(DgPhys *p, const DgParamMap *pm, const float *raw, float *draw, int Tr, int P) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, B = p->B, K = p->ncomp, W = p->warmup, R = p->T - W, np = m->nparams, ni = m->ninputs;
    int no = m->noutputs, o = p->target;
    memset(p->dout, 0, sizeof(float) * (size_t)(R * no * nc));
    memset(p->dparams, 0, sizeof(float) * (size_t)(np * nc));
    if (p->ddyn) memset(p->ddyn, 0, sizeof(float) * (size_t)(R * np * nc));
    memset(p->dstates, 0, sizeof(float) * (size_t)(m->nstates * nc)); /* d final states = 0 */
    memset(p->dweights, 0, sizeof(float) * (size_t)(m->nweights * B));
    memset(p->dbparams, 0, sizeof(float) * (size_t)(np * B));
    memset(p->dnetw, 0, sizeof(float) * (size_t)m->nnetw);
    // series: dsim -> d routing weights, d component mean -> dout of every component
    const DgOutputInfo *oi = &m->outputs[o];
    int routed = oi->route_weights >= 0 && oi->route_len > 0;
    double *buf = mallocCheck(sizeof(double) * (size_t)(3 * R + 1)), *x = buf, *dy = buf + R,
           *dx = buf + 2 * R;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t t = 0; t < R; t++) {
            dy[t] = p->dsim[t * B + b];
            dx[t] = 0;
        }
        if (routed) {
            double w[oi->route_len], dw[oi->route_len];
            for (int j = 0; j < oi->route_len; j++) {
                w[j] = p->weights[(oi->route_weights + j) * B + b];
                dw[j] = 0;
            }
            for (int64_t t = 0; t < R; t++) x[t] = comp_mean(p, p->out, o, t, b);
            dgrt_route_backward(dx, dw, dy, x, w, R, oi->route_len);
            for (int j = 0; j < oi->route_len; j++)
                p->dweights[(oi->route_weights + j) * B + b] += (float)dw[j];
        } else {
            memcpy(dx, dy, sizeof(double) * (size_t)R);
        }
        for (int64_t t = 0; t < R; t++) {
            float g = (float)(dx[t] / (double)K);
            float *row = p->dout + (t * no + o) * nc + b * K;
            for (int64_t k = 0; k < K; k++) row[k] = g;
        }
    }
    free(buf);
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = nc;
    r.ncomp = K;
    r.nsteps = 1;
    r.params = p->params;
    r.netw = m->nnetw ? p->netw : NULL;
    r.input_norm = p->input_norm;
    r.dnetw = m->nnetw ? p->dnetw : NULL;
    // prologue: d routing weights -> d params of component 0 (per basin)
    if (m->nweights > 0) {
        DgRun pr = r;
        pr.ncells = B;
        pr.ncomp = 1;
        pr.params = p->bparams;
        pr.dout = p->dweights;
        pr.dparams = p->dbparams;
        m->prologue_rev[DG_F32](&pr);
    }
    // run over the rho steps: dout -> dparams (static), ddyn (dynamic), dstates = d(states at the window start)
    DgRun rr = r;
    rr.nsteps = R;
    rr.dyn_params = p->dyn ? p->dyn + W * np * nc : NULL;
    rr.forcing = p->forcing + W * ni * B;
    rr.tape = p->tape;
    rr.dout = p->dout;
    rr.dparams = p->dparams;
    rr.ddyn_params = p->ddyn;
    rr.dstates = p->dstates;
    m->run_rev[DG_F32](&rr);
    // without a warm-up the window starts from init(params): the initial states' gradient
    // counts too (with a warm-up, states are spun up without gradient, as δHBV)
    if (W == 0) {
        DgRun iv = r;
        iv.dstates = p->dstates;
        iv.dparams = p->dparams;
        m->init_rev[DG_F32](&iv);
    }
    // d theta -> d raw: theta = lo + sigmoid(raw) (hi - lo), dtheta/draw = (hi - lo) s (1 - s)
    for (int i = 0; i < m->nparams; i++) {
        if (pm->first[i] < 0) continue;
        const DgParamInfo *pi = &m->params[i];
        float span = (float)(pi->hi - pi->lo);
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < K; k++) {
                int64_t c = b * K + k;
                int j = pm->first[i] + (pm->per_comp[i] ? (int)k : 0);
                float g = p->dparams[i * nc + c] + (k == 0 ? p->dbparams[i * B + b] : 0.0f);
                int64_t tl = p->T - 1, rl = Tr == 1 ? 0 : tl;
                float s = sigmoidf_(raw_row(p, raw, Tr, tl, b, P)[j]);
                draw[(rl * p->Btot + p->b0 + b) * P + j] += g * span * s * (1 - s);
                if (pi->mark != DG_PARAM_DYNAMIC || !p->ddyn) continue;
                for (int64_t t = W; t < p->T; t++) {
                    float gd = p->ddyn[((t - W) * np + i) * nc + c];
                    if (gd == 0) continue;
                    int64_t row = Tr == 1 ? 0 : t;
                    float sd = sigmoidf_(raw_row(p, raw, Tr, t, b, P)[j]);
                    draw[(row * p->Btot + p->b0 + b) * P + j] += gd * span * sd * (1 - sd);
                }
            }
    }
}
