/* toy_model.c — a hand-written DgModel implementing the 12 kernels of
 * runtime/dgrt.h, so the runtime can be tested without the code generator.
 * A linear reservoir with a network-scaled evaporation, 2 components:
 *
 *   inputs   P, PET [mm/d]
 *   params   k in [0.05, 0.9] = 0.2   outflow rate            (learned)
 *            f in [0, 1] = 0.5        evaporation factor      (learned)
 *            scale = 20               fixed, no bounds
 *            route_a in [0, 2] = 0.5  routing shape           (learned, basin-level)
 *   netw     et = mlp(1 -> 1, sigmoid output): g = sigmoid(w0 S / 50 + w1)
 *   state    S [mm] = 20 k
 *   step     e  = f PET g / scale
 *            ET = S (1 - exp(-e))           (never more than S)
 *            S1 = S - ET + P;  Q = k S1;  S = S1 - Q
 *   outputs  Q  routed by w_j = exp(-a j) / sum_i exp(-a i), a = route_a + 0.1, j = 0..2
 *            ET not routed
 * Precision: the f64 kernels hold the equations; the f32 kernels convert
 * their arrays to double, call them and convert back (enough for a test). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dgrt.h"

enum { NP = 4, NI = 2, NS = 1, NO = 2, NW = 3, NNETW = 2 };
enum { P_K, P_F, P_SCALE, P_ROUTE };

static const DgParamInfo params[NP] = {
    {"k", "1/d", 0.05, 0.9, 0.2, DG_PARAM_LEARNED, 0},
    {"f", "-", 0.0, 1.0, 0.5, DG_PARAM_LEARNED, 0},
    {"scale", "", NAN, NAN, 20.0, DG_PARAM_FIXED, 0},
    {"route_a", "", 0.0, 2.0, 0.5, DG_PARAM_LEARNED, 1},
};
static const DgNameInfo inputs[NI] = {{"P", "mm/d"}, {"PET", "mm/d"}};
static const DgNameInfo states[NS] = {{"S", "mm"}};
static const DgOutputInfo outputs[NO] = {{"Q", "mm/d", 0, 3}, {"ET", "mm/d", -1, 0}};
static const int32_t et_sizes[2] = {1, 1};
static const DgNetInfo nets[1] = {{"et", 2, et_sizes, 0, "tanh", "sigmoid"}};

#define AT(a, i) (((const double *)(a))[i])
#define REF(a, i) (((double *)(a))[i])

static double param(const DgRun *r, int p, int64_t t, int64_t c) {
    (void)t;   /* no dynamic parameters in this model */
    return AT(r->params, p * r->ncells + c);
}

// ---- f64 kernels ----------------------------------------------------------------------

static void init_f64(const DgRun *r) {
    for (int64_t c = 0; c < r->ncells; c++) REF(r->states, c) = 20 * param(r, P_K, 0, c);
}

static void init_rev_f64(const DgRun *r) {
    for (int64_t c = 0; c < r->ncells; c++) REF(r->dparams, P_K * r->ncells + c) += 20 * AT(r->dstates, c);
}

static void run_fwd_f64(const DgRun *r) {
    int64_t nc = r->ncells, nb = nc / r->ncomp;
    double w0 = AT(r->netw, 0), w1 = AT(r->netw, 1);
    for (int64_t c = 0; c < nc; c++) {
        int64_t b = c / r->ncomp;
        double S = AT(r->states, c);
        for (int64_t t = 0; t < r->nsteps; t++) {
            if (r->tape) REF(r->tape, (t * NS + 0) * nc + c) = S;
            double P = AT(r->forcing, (t * NI + 0) * nb + b), E = AT(r->forcing, (t * NI + 1) * nb + b);
            double k = param(r, P_K, t, c), f = param(r, P_F, t, c), scale = param(r, P_SCALE, t, c);
            double g = 1 / (1 + exp(-(w0 * S / 50 + w1)));
            double e = f * E * g / scale;
            double ET = S * (1 - exp(-e));
            double S1 = S - ET + P;
            double Q = k * S1;
            S = S1 - Q;
            REF(r->out, (t * NO + 0) * nc + c) = Q;
            REF(r->out, (t * NO + 1) * nc + c) = ET;
        }
        REF(r->states, c) = S;
    }
}

static void run_rev_f64(const DgRun *r) {
    int64_t nc = r->ncells, nb = nc / r->ncomp;
    double w0 = AT(r->netw, 0), w1 = AT(r->netw, 1);
    for (int64_t c = 0; c < nc; c++) {
        int64_t b = c / r->ncomp;
        double dS = AT(r->dstates, c);   /* d final state */
        for (int64_t t = r->nsteps - 1; t >= 0; t--) {
            double S = AT(r->tape, (t * NS + 0) * nc + c);
            double P = AT(r->forcing, (t * NI + 0) * nb + b), E = AT(r->forcing, (t * NI + 1) * nb + b);
            double k = param(r, P_K, t, c), f = param(r, P_F, t, c), scale = param(r, P_SCALE, t, c);
            double z = w0 * S / 50 + w1, g = 1 / (1 + exp(-z));
            double e = f * E * g / scale, ex = exp(-e);
            double ET = S * (1 - ex);
            double S1 = S - ET + P;
            (void)P;
            // S2 = S1 - Q, Q = k S1 (dS is d S2)
            double dQ = AT(r->dout, (t * NO + 0) * nc + c) - dS;
            double dS1 = dS + dQ * k;
            REF(r->dparams, P_K * nc + c) += dQ * S1;
            // S1 = S - ET + P
            double dET = AT(r->dout, (t * NO + 1) * nc + c) - dS1;
            double dSp = dS1 + dET * (1 - ex);
            double de = dET * S * ex;
            // e = f E g / scale
            REF(r->dparams, P_F * nc + c) += de * E * g / scale;
            REF(r->dparams, P_SCALE * nc + c) -= de * e / scale;
            double dz = de * f * E / scale * g * (1 - g);
            // z = w0 S / 50 + w1
            if (r->dnetw) {
                REF(r->dnetw, 0) += dz * S / 50;
                REF(r->dnetw, 1) += dz;
            }
            dS = dSp + dz * w0 / 50;
        }
        REF(r->dstates, c) = dS;   /* d initial state */
    }
}

/* one cell per basin: w_j = exp(-a j) / sum_i exp(-a i), a = route_a + 0.1 */
static void prologue_f64(const DgRun *r) {
    for (int64_t c = 0; c < r->ncells; c++) {
        double a = param(r, P_ROUTE, 0, c) + 0.1, k[NW], s = 0;
        for (int j = 0; j < NW; j++) s += k[j] = exp(-a * j);
        for (int j = 0; j < NW; j++) REF(r->out, j * r->ncells + c) = k[j] / s;
    }
}

static void prologue_rev_f64(const DgRun *r) {
    for (int64_t c = 0; c < r->ncells; c++) {
        double a = param(r, P_ROUTE, 0, c) + 0.1, k[NW], s = 0, dot = 0;
        for (int j = 0; j < NW; j++) s += k[j] = exp(-a * j);
        for (int j = 0; j < NW; j++) dot += AT(r->dout, j * r->ncells + c) * k[j] / s;
        double da = 0;
        for (int j = 0; j < NW; j++) {
            double dk = (AT(r->dout, j * r->ncells + c) - dot) / s;   /* through w_j = k_j / s */
            da += dk * (-j) * k[j];
        }
        REF(r->dparams, P_ROUTE * r->ncells + c) += da;
    }
}

// ---- f32 kernels: through the f64 ones ---------------------------------------------------

static double *widen(const void *p, int64_t n) {
    if (!p) return NULL;
    double *d = malloc(sizeof(double) * (size_t)(n + 1));
    for (int64_t i = 0; i < n; i++) d[i] = ((const float *)p)[i];
    return d;
}
static void narrow(void *p, const double *d, int64_t n) {
    if (!p) return;
    for (int64_t i = 0; i < n; i++) ((float *)p)[i] = (float)d[i];
}

static void via_f64(const DgRun *r, void (*k)(const DgRun *), int64_t nout) {
    int64_t nc = r->ncells, nb = nc / r->ncomp, T = r->nsteps;
    DgRun d = *r;
    d.params = widen(r->params, NP * nc);
    d.forcing = widen(r->forcing, T * NI * nb);
    d.states = widen(r->states, NS * nc);
    d.out = widen(r->out, nout);
    d.tape = widen(r->tape, T * NS * nc);
    d.dout = widen(r->dout, nout);
    d.dparams = widen(r->dparams, NP * nc);
    d.dstates = widen(r->dstates, NS * nc);
    d.netw = widen(r->netw, NNETW);
    d.dnetw = widen(r->dnetw, NNETW);
    d.dyn_params = d.ddyn_params = NULL;
    k(&d);
    narrow(r->states, d.states, NS * nc);
    narrow(r->out, d.out, nout);
    narrow(r->tape, d.tape, T * NS * nc);
    narrow(r->dparams, d.dparams, NP * nc);
    narrow(r->dstates, d.dstates, NS * nc);
    narrow(r->dnetw, d.dnetw, NNETW);
    void *all[] = {(void *)d.params, (void *)d.forcing, d.states, d.out, d.tape, (void *)d.dout, d.dparams, d.dstates,
                   (void *)d.netw, d.dnetw};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

static void init_f32(const DgRun *r) { via_f64(r, init_f64, 0); }
static void init_rev_f32(const DgRun *r) { via_f64(r, init_rev_f64, 0); }
static void run_fwd_f32(const DgRun *r) { via_f64(r, run_fwd_f64, r->nsteps * NO * r->ncells); }
static void run_rev_f32(const DgRun *r) { via_f64(r, run_rev_f64, r->nsteps * NO * r->ncells); }
static void prologue_f32(const DgRun *r) { via_f64(r, prologue_f64, NW * r->ncells); }
static void prologue_rev_f32(const DgRun *r) { via_f64(r, prologue_rev_f64, NW * r->ncells); }

const DgModel dg_model = {
    .abi_version = DG_ABI_VERSION,
    .name = "toy",
    .doc = "linear reservoir with a routed outflow (runtime test model)",
    .nparams = NP, .ninputs = NI, .nstates = NS, .nuser_states = NS, .noutputs = NO, .nweights = NW,
    .components = 2, .nnetw = NNETW, .nnets = 1,
    .params = params, .inputs = inputs, .states = states, .outputs = outputs, .nets = nets,
    .init = {init_f32, init_f64},
    .init_rev = {init_rev_f32, init_rev_f64},
    .run_fwd = {run_fwd_f32, run_fwd_f64},
    .run_rev = {run_rev_f32, run_rev_f64},
    .prologue = {prologue_f32, prologue_f64},
    .prologue_rev = {prologue_rev_f32, prologue_rev_f64},
    .built_for = "the test's C compiler",
};
