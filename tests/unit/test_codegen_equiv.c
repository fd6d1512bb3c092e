/* test_codegen_equiv.c — the compiled kernels against the reference
 * executor (compiler/ir_eval.c), for every model in stdlib/models/,
 * examples/ and tests/gradcheck_norm/ (norm(), with given input statistics):
 * each model is lowered, JIT-compiled (jit.c, -O2) and run over
 * 2 basins x its components for NSTEPS steps of synthetic forcing, with
 * parameters at random points inside their bounds (fixed seed).
 *   f64 kernels   init, run_fwd (outputs, tape, final states), run_rev +
 *                 init_rev (d params, d initial states, d network weights,
 *                 d forcing per cell),
 *                 prologue, prologue_rev, and dynamic parameters
 *                 (dyn_params / ddyn_params) where the model has them:
 *                 equal to the reference to ~1e-12 relative (same ops, same
 *                 order, no FMA contraction).
 *   f32 kernels   within 1e-4 of the f64 kernels, relative to the largest
 *                 magnitude of the compared series.
 * Every comparison prints its largest difference. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "kernel_inputs.h"
#include "codegen.h"
#include "frontend.h"
#include "ir_eval.h"

#ifndef DG_SOURCE_DIR
#error "DG_SOURCE_DIR (the source tree) must be defined by the build"
#endif

enum { NBASINS = 2, NSTEPS = 100 };
/* f64: 1e-12, the reference README's float64 tolerance. The kernels run the
 * same operations in the same order as the reference executor, except that
 * vectorised exp/log/pow come from glibc's libmvec (a few ulp from scalar
 * libm); the largest difference seen is 2.4e-13 (δHBV example, dynamic
 * parameters). */
static const double TOL64 = 1e-12, TOL32 = 1e-4;
static bool verbose;

/* ---- Small helpers ---------------------------------------------------------------- */


static float *to_f32(const double *x, size_t n) {
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) abort();
    for (size_t i = 0; i < n; i++) p[i] = (float)x[i];
    return p;
}
static double *from_f32(const float *x, size_t n) {
    double *p = dalloc(n);
    for (size_t i = 0; i < n; i++) p[i] = x[i];
    return p;
}

/* Compares got[i] with want[i]: |got - want| <= tol * max(|want|, floor),
 * floor = 1e-6 (f64) or 1 (f32) times the largest |want| of the array (so
 * values that are tiny next to the rest of their series are compared
 * absolutely). Reports the worst case. */
/* allowed share of entries beyond tol (compare_share); 0 everywhere but below */
static double allowed_share;

static void compare(const char *model, const char *what, const double *got, const double *want, size_t n,
                    double tol, bool f32) {
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(want[i]) && fabs(want[i]) > scale) scale = fabs(want[i]);
    double floor = (f32 ? 1.0 : 1e-6) * scale;
    if (floor == 0) floor = 1e-300;
    double worst = 0;
    size_t bad = 0, worst_i = 0, identical = 0;
    for (size_t i = 0; i < n; i++) {
        if (got[i] == want[i] || (isnan(got[i]) && isnan(want[i]))) {
            identical++;
            continue;
        }
        double e = fabs(got[i] - want[i]) / fmax(fabs(want[i]), floor);
        if (!(e <= tol)) bad++;
        if (!(e <= worst)) {
            worst = isnan(e) ? INFINITY : e;
            worst_i = i;
        }
    }
    check_count++;
    if (bad && (double)bad <= allowed_share * (double)n) {
        printf("  %s %s: %zu of %zu beyond %g, within the allowed share (ill-conditioned points)\n", model, what, bad, n,
               tol);
        bad = 0;
    }
    if (bad) {
        check_failures++;
        fprintf(stderr, "FAIL %s %s: %zu of %zu differ beyond %g (worst %.3g at %zu: got %.17g want %.17g)\n", model,
                what, bad, n, tol, worst, worst_i, got[worst_i], want[worst_i]);
    } else if (verbose) {
        printf("  ok %-28s n=%-6zu identical=%-6zu max rel diff %.3g\n", what, n, identical, worst);
    }
}

/* ---- Reference runs of one cell (ir_eval), with per-step parameters ----------------- */

/* params_t(t) = P + t * pstride (pstride 0: static) */
static void ref_fwd(const IrModel *m, const double *P, size_t pstride, const double *forcing, int nsteps,
                    const double *netw, const double *input_norm, double *tape, double *out) {
    double *vals = dalloc((size_t)m->step.n + (size_t)m->init.n);
    double *res = dalloc((size_t)(m->nstates + m->noutputs));
    IrLeaves lv = {.params = P, .netw = netw, .input_norm = input_norm, .ninputs = m->ninputs};
    ir_eval(&m->init, &lv, vals, tape);
    for (int t = 0; t < nsteps; t++) {
        lv.params = P + (size_t)t * pstride;
        lv.inputs = forcing + (size_t)t * (size_t)m->ninputs;
        lv.states = tape + (size_t)t * (size_t)m->nstates;
        ir_eval(&m->step, &lv, vals, res);
        memcpy(tape + (size_t)(t + 1) * (size_t)m->nstates, res, sizeof(double) * (size_t)m->nstates);
        memcpy(out + (size_t)t * (size_t)m->noutputs, res + m->nstates, sizeof(double) * (size_t)m->noutputs);
    }
    free(vals);
    free(res);
}

/* += dparams (static params; dynamic ones too when ddyn is NULL), += ddyn[t][p]
 * (dynamic ones), dstate0 = d initial states (before init_rev), += dnetw,
 * dforcing[t][i] = d input i at step t */
static void ref_rev(const IrModel *m, const CgAdjoints *adj, const double *P, size_t pstride, const double *forcing,
                    int nsteps, const double *netw, const double *input_norm, const double *tape, const double *dout,
                    double *dparams, double *ddyn, double *dstate0, double *dnetw, double *dforcing) {
    int np = m->nparams, ns = m->nstates, nw = m->nnetw, ni = m->ninputs;
    double *vals = dalloc((size_t)adj->step_rev.n + (size_t)adj->init_rev.n);
    double *seeds = dalloc((size_t)(ns + m->noutputs));
    double *res = dalloc((size_t)(np + ns + nw + ni));
    CHECK(adj->step_rev.nresults == np + ns + nw + ni);
    IrLeaves lv = {.netw = netw, .seeds = seeds, .input_norm = input_norm, .ninputs = ni};
    for (int t = nsteps - 1; t >= 0; t--) {
        lv.params = P + (size_t)t * pstride;
        lv.inputs = forcing + (size_t)t * (size_t)m->ninputs;
        lv.states = tape + (size_t)t * (size_t)ns;
        for (int o = 0; o < m->noutputs; o++) seeds[ns + o] = dout[(size_t)t * (size_t)m->noutputs + (size_t)o];
        ir_eval(&adj->step_rev, &lv, vals, res);
        for (int p = 0; p < np; p++) {
            if (ddyn && m->params[p].mark == DG_PARAM_DYNAMIC) ddyn[(size_t)t * (size_t)np + (size_t)p] += res[p];
            else dparams[p] += res[p];
        }
        for (int w = 0; w < nw; w++) dnetw[w] += res[np + ns + w];
        for (int i = 0; i < ni; i++) dforcing[(size_t)t * (size_t)ni + (size_t)i] = res[np + ns + nw + i];
        memcpy(seeds, res + np, sizeof(double) * (size_t)ns);
    }
    memcpy(dstate0, seeds, sizeof(double) * (size_t)ns);
    lv.params = P;
    lv.states = lv.inputs = NULL;
    ir_eval(&adj->init_rev, &lv, vals, res);
    for (int p = 0; p < np; p++) {
        if (ddyn && m->params[p].mark == DG_PARAM_DYNAMIC) ddyn[p] += res[p];   /* t = 0 */
        else dparams[p] += res[p];
    }
    for (int w = 0; w < nw; w++) dnetw[w] += res[np + ns + w];
    free(vals);
    free(seeds);
    free(res);
}

/* ---- Synthetic data ------------------------------------------------------------------- */

/* ---- One model --------------------------------------------------------------------------- */

typedef struct {
    const IrModel *m;
    const DgModel *dm;
    const CgAdjoints *adj;
    const char *name;
    int nc, K;
    double *params, *forcing, *netw, *dout;   /* [np][nc], [T][ni][nb], [nnetw], [T][no][nc] */
    double *input_norm;                       /* [2][ni] norm() statistics: means, then standard deviations */
    bool uses_norm;
} Case;

/* the forcing of cell c as [T][ni] */
static double *cell_forcing(const Case *k, int c) {
    const IrModel *m = k->m;
    double *f = dalloc((size_t)NSTEPS * (size_t)m->ninputs);
    for (int t = 0; t < NSTEPS; t++)
        for (int i = 0; i < m->ninputs; i++)
            f[t * m->ninputs + i] = k->forcing[((size_t)t * (size_t)m->ninputs + (size_t)i) * NBASINS + (size_t)(c / k->K)];
    return f;
}

/* Results of the whole run chain of one precision, as doubles. */
typedef struct {
    double *s0, *tape, *final, *out, *dparams, *dstate0, *dnetw, *dforcing;
    double *pro_out, *pro_dparams, *pro_dnetw;
} Results;

static void results_free(Results *r) {
    double **all[] = {&r->s0, &r->tape, &r->final, &r->out, &r->dparams, &r->dstate0, &r->dnetw, &r->dforcing,
                      &r->pro_out, &r->pro_dparams, &r->pro_dnetw};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(*all[i]);
}

/* Runs init, run_fwd (with tape), run_rev, init_rev, prologue, prologue_rev
 * in precision `prec`, with optional dynamic parameters dyn [T][np][nc] and
 * ddyn output. Arrays are converted to/from float for DG_F32. */
static void run_chain(const Case *k, int prec, const double *dyn, double *ddyn_out, Results *r) {
    const IrModel *m = k->m;
    const DgModel *dm = k->dm;
    size_t nc = (size_t)k->nc, np = (size_t)m->nparams, ns = (size_t)m->nstates, no = (size_t)m->noutputs;
    size_t nw = (size_t)m->nnetw, ni = (size_t)m->ninputs, T = NSTEPS, nb = NBASINS;
    size_t n_params = np * nc, n_forcing = T * ni * nb, n_states = ns * nc, n_out = T * no * nc, n_tape = T * ns * nc;
    size_t n_dyn = T * np * nc, n_wout = (size_t)m->nweights * nb, n_pparams = np * nb;
    double *pro_params = dalloc(n_pparams);   /* one cell per basin: component 0's values */
    for (size_t p = 0; p < np; p++)
        for (size_t b = 0; b < nb; b++) pro_params[p * nb + b] = k->params[p * nc + b * (size_t)k->K];
    double *pro_dout = dalloc(n_wout);
    for (size_t i = 0; i < n_wout; i++) pro_dout[i] = fl(sin(1.0 + (double)i));

    /* buffers in the kernel's precision */
    size_t es = prec == DG_F32 ? sizeof(float) : sizeof(double);
#define BUF(n) calloc((n) ? (n) : 1, es)
#define IN(src, n) (prec == DG_F32 ? (void *)to_f32((src), (n)) : memcpy(BUF(n), (src), (n) * sizeof(double)))
#define OUT(buf, n) (prec == DG_F32 ? from_f32((const float *)(buf), (n)) : memcpy(dalloc(n), (buf), (n) * sizeof(double)))
    void *params = IN(k->params, n_params), *forcing = IN(k->forcing, n_forcing), *netw = IN(k->netw, nw);
    size_t n_norm = 2 * ni;
    void *input_norm = IN(k->input_norm, n_norm);
    void *dout = IN(k->dout, n_out), *dynb = dyn ? IN(dyn, n_dyn) : NULL;
    void *states = BUF(n_states), *tape = BUF(n_tape), *out = BUF(n_out), *dparams = BUF(n_params);
    void *dstates = BUF(n_states), *dnetw = BUF(nw), *ddyn = ddyn_out ? BUF(n_dyn) : NULL;
    size_t n_dforcing = T * ni * nc;
    void *dforcing = BUF(n_dforcing);
    void *pparams = IN(pro_params, n_pparams), *pdout = IN(pro_dout, n_wout), *pout = BUF(n_wout);
    void *pdparams = BUF(n_pparams), *pdnetw = BUF(nw);

    DgRun run = {.ncells = k->nc, .ncomp = k->K, .nsteps = 1, .params = params, .dyn_params = dynb,
                 .states = states, .netw = nw ? netw : NULL, .input_norm = input_norm};
    dm->init[prec](&run);
    r->s0 = OUT(states, n_states);

    run.nsteps = NSTEPS;
    run.forcing = forcing;
    run.out = out;
    run.tape = tape;
    dm->run_fwd[prec](&run);
    r->final = OUT(states, n_states);
    r->out = OUT(out, n_out);
    r->tape = OUT(tape, n_tape);

    run.dout = dout;
    run.dparams = dparams;
    run.ddyn_params = ddyn;
    run.dstates = dstates;   /* d final states = 0 */
    run.dnetw = nw ? dnetw : NULL;
    run.dforcing = dforcing;
    dm->run_rev[prec](&run);
    r->dstate0 = OUT(dstates, n_states);
    r->dforcing = OUT(dforcing, n_dforcing);
    run.dforcing = NULL;
    run.nsteps = 1;
    dm->init_rev[prec](&run);
    r->dparams = OUT(dparams, n_params);
    r->dnetw = OUT(dnetw, nw);
    if (ddyn_out) {
        double *d = OUT(ddyn, n_dyn);
        memcpy(ddyn_out, d, n_dyn * sizeof(double));
        free(d);
    }

    DgRun pro = {.ncells = NBASINS, .ncomp = 1, .nsteps = 1, .params = pparams, .out = pout, .dout = pdout,
                 .dparams = pdparams, .netw = nw ? netw : NULL, .dnetw = nw ? pdnetw : NULL};
    dm->prologue[prec](&pro);
    r->pro_out = OUT(pout, n_wout);
    dm->prologue_rev[prec](&pro);
    r->pro_dparams = OUT(pdparams, n_pparams);
    r->pro_dnetw = OUT(pdnetw, nw);
    /* adjoint kernels accumulate: a second call doubles (exactly) */
    dm->prologue_rev[prec](&pro);
    double *twice = OUT(pdparams, n_pparams);
    bool doubled = true;
    for (size_t i = 0; i < n_pparams; i++) doubled &= twice[i] == 2 * r->pro_dparams[i];
    CHECK(doubled);
    free(twice);
#undef BUF
#undef IN
#undef OUT
    void *bufs[] = {params, forcing, netw, dout, dynb, states, tape, out, dparams, dstates, dnetw, ddyn, dforcing,
                    pparams, pdout, pout, pdparams, pdnetw, input_norm};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    free(pro_params);
    free(pro_dout);
}

/* The reference of the whole chain (f64, per cell through ir_eval), in the
 * kernels' layouts. dyn: [T][np][nc] or NULL. */
static void reference_chain(const Case *k, const double *dyn, double *ddyn_out, Results *r) {
    const IrModel *m = k->m;
    size_t nc = (size_t)k->nc, np = (size_t)m->nparams, ns = (size_t)m->nstates, no = (size_t)m->noutputs;
    size_t nw = (size_t)m->nnetw, T = NSTEPS;
    r->s0 = dalloc(ns * nc);
    r->final = dalloc(ns * nc);
    r->tape = dalloc(T * ns * nc);
    r->out = dalloc(T * no * nc);
    r->dparams = dalloc(np * nc);
    r->dstate0 = dalloc(ns * nc);
    r->dnetw = dalloc(nw);
    size_t ni = (size_t)m->ninputs;
    r->dforcing = dalloc(T * ni * nc);
    double *dforc = dalloc(T * ni);
    double *tape = dalloc((T + 1) * ns), *out = dalloc(T * no), *dout = dalloc(T * no);
    double *P = dalloc(T * np), *dp = dalloc(np), *ddyn = dalloc(T * np), *ds0 = dalloc(ns);
    for (size_t c = 0; c < nc; c++) {
        double *f = cell_forcing(k, (int)c);
        for (size_t t = 0; t < (dyn ? T : 1); t++)
            for (size_t p = 0; p < np; p++) P[t * np + p] = dyn && m->params[p].mark == DG_PARAM_DYNAMIC
                                                                 ? dyn[(t * np + p) * nc + c] : k->params[p * nc + c];
        ref_fwd(m, P, dyn ? np : 0, f, NSTEPS, k->netw, k->input_norm, tape, out);
        if (!dyn && !k->uses_norm) {   /* the plain reference functions of ir_eval.c agree (they take no statistics) */
            double *tape2 = dalloc((T + 1) * ns), *out2 = dalloc(T * no);
            ir_run_cell(m, P, f, NSTEPS, k->netw, tape2, out2);
            CHECK(!memcmp(tape, tape2, sizeof(double) * (T + 1) * ns) && !memcmp(out, out2, sizeof(double) * T * no));
            free(tape2);
            free(out2);
        }
        for (size_t s = 0; s < ns; s++) {
            r->s0[s * nc + c] = tape[s];
            r->final[s * nc + c] = tape[T * ns + s];
            for (size_t t = 0; t < T; t++) r->tape[(t * ns + s) * nc + c] = tape[t * ns + s];
        }
        for (size_t t = 0; t < T; t++)
            for (size_t o = 0; o < no; o++) {
                r->out[(t * no + o) * nc + c] = out[t * no + o];
                dout[t * no + o] = k->dout[(t * no + o) * nc + c];
            }
        memset(dp, 0, sizeof(double) * np);
        memset(ddyn, 0, sizeof(double) * T * np);
        ref_rev(m, k->adj, P, dyn ? np : 0, f, NSTEPS, k->netw, k->input_norm, tape, dout, dp, ddyn_out ? ddyn : NULL,
                ds0, r->dnetw, dforc);
        for (size_t t = 0; t < T; t++)
            for (size_t i = 0; i < ni; i++) r->dforcing[(t * ni + i) * nc + c] = dforc[t * ni + i];
        if (!dyn && !k->uses_norm) {
            double *dp2 = dalloc(np), *dw2 = dalloc(nw);
            ir_run_cell_rev(m, &k->adj->init_rev, &k->adj->step_rev, P, f, NSTEPS, k->netw, tape, dout, dp2, dw2);
            CHECK(!memcmp(dp, dp2, sizeof(double) * np));
            free(dp2);
            free(dw2);
        }
        for (size_t p = 0; p < np; p++) r->dparams[p * nc + c] = dp[p];
        for (size_t s = 0; s < ns; s++) r->dstate0[s * nc + c] = ds0[s];
        if (ddyn_out)
            for (size_t t = 0; t < T; t++)
                for (size_t p = 0; p < np; p++) ddyn_out[(t * np + p) * nc + c] = ddyn[t * np + p];
        free(f);
    }
    free(tape);
    free(out);
    free(dout);
    free(P);
    free(dp);
    free(ddyn);
    free(ds0);
    free(dforc);

    /* prologue: one cell per basin, component 0's parameters */
    size_t nwt = (size_t)m->nweights, nb = NBASINS;
    r->pro_out = dalloc(nwt * nb);
    r->pro_dparams = dalloc(np * nb);
    r->pro_dnetw = dalloc(nw);
    double *vals = dalloc((size_t)m->prologue.n + (size_t)k->adj->prologue_rev.n);
    double *res = dalloc(nwt + np + ns + nw), *pp = dalloc(np), *seeds = dalloc(nwt);
    for (size_t b = 0; b < nb; b++) {
        for (size_t p = 0; p < np; p++) pp[p] = k->params[p * nc + b * (size_t)k->K];
        IrLeaves lv = {.params = pp, .netw = k->netw, .seeds = seeds};
        ir_eval(&m->prologue, &lv, vals, res);
        for (size_t w = 0; w < nwt; w++) r->pro_out[w * nb + b] = res[w];
        for (size_t w = 0; w < nwt; w++) seeds[w] = fl(sin(1.0 + (double)(w * nb + b)));
        ir_eval(&k->adj->prologue_rev, &lv, vals, res);
        for (size_t p = 0; p < np; p++) r->pro_dparams[p * nb + b] = res[p];
        for (size_t w = 0; w < nw; w++) r->pro_dnetw[w] += res[np + ns + w];
    }
    free(vals);
    free(res);
    free(pp);
    free(seeds);
}

static void compare_results(const Case *k, const char *tag, const Results *got, const Results *want, double tol,
                            bool f32) {
    const IrModel *m = k->m;
    size_t nc = (size_t)k->nc, np = (size_t)m->nparams, ns = (size_t)m->nstates, no = (size_t)m->noutputs;
    size_t nw = (size_t)m->nnetw, T = NSTEPS, nb = NBASINS;
    char what[64];
#define CMP(field, n, t)                                                     \
    do {                                                                     \
        snprintf(what, sizeof what, "%s %s", tag, #field);                   \
        compare(k->name, what, got->field, want->field, (n), (t), f32);      \
    } while (0)
    CMP(s0, ns * nc, tol);
    CMP(out, T * no * nc, tol);
    CMP(tape, T * ns * nc, tol);
    CMP(final, ns * nc, tol);
    CMP(dparams, np * nc, tol);
    CMP(dstate0, ns * nc, tol);
    /* f32 forcing gradients pass through terms f32 cannot resolve everywhere (HyMOD's Pareto store,
     * (1 - C/Cmax)^(1/b - 1) near saturation, moves by O(1) with one rounding of C): a few isolated
     * points may differ, a wrong adjoint differs at most */
    allowed_share = f32 ? 0.1 : 0;
    CMP(dforcing, T * (size_t)m->ninputs * nc, tol);
    allowed_share = 0;
    /* summed over cells in a different order than the reference */
    CMP(dnetw, nw, f32 ? tol : 1e-10);
    CMP(pro_out, (size_t)m->nweights * nb, tol);
    CMP(pro_dparams, np * nb, tol);
    CMP(pro_dnetw, nw, f32 ? tol : 1e-10);
#undef CMP
}

static void check_metadata(const IrModel *m, const DgModel *dm) {
    CHECK(dm->abi_version == DG_ABI_VERSION);
    CHECK_STR(dm->name, m->name);
    CHECK_STR(dm->doc, m->doc);
    CHECK(dm->nparams == m->nparams && dm->ninputs == m->ninputs && dm->nstates == m->nstates);
    CHECK(dm->nuser_states == m->nuser_states && dm->noutputs == m->noutputs && dm->nweights == m->nweights);
    CHECK(dm->components == m->components && dm->nnetw == m->nnetw && dm->nnets == m->nnets);
    int nnorm = 0;
    for (int i = 0; i < m->ninputs; i++)
        if (m->input_normed[i]) CHECK(nnorm < dm->nnorm_inputs && dm->norm_inputs[nnorm++] == i);
    CHECK(dm->nnorm_inputs == nnorm);
    for (int i = 0; i < m->nparams; i++) {
        const DgParamInfo *p = &dm->params[i];
        const IrParam *q = &m->params[i];
        CHECK_STR(p->name, q->name);
        CHECK_STR(p->unit, q->unit);
        CHECK(q->has_bounds ? p->lo == q->lo && p->hi == q->hi : isnan(p->lo) && isnan(p->hi));
        CHECK(q->has_value ? p->value == q->value : isnan(p->value));
        CHECK(p->mark == q->mark && p->basin_level == (int)q->basin_level);
    }
    for (int i = 0; i < m->ninputs; i++) CHECK_STR(dm->inputs[i].name, m->inputs[i].name);
    for (int i = 0; i < m->nstates; i++) CHECK_STR(dm->states[i].name, m->states[i].name);
    for (int i = 0; i < m->noutputs; i++) {
        CHECK_STR(dm->outputs[i].name, m->outputs[i].name);
        CHECK_STR(dm->outputs[i].unit, m->outputs[i].unit);
        CHECK(dm->outputs[i].route_weights == m->outputs[i].route_weights);
        if (m->outputs[i].route_weights >= 0) CHECK(dm->outputs[i].route_len == m->outputs[i].route_len);
    }
    for (int i = 0; i < m->nnets; i++) {
        CHECK_STR(dm->nets[i].name, m->nets[i].name);
        CHECK(dm->nets[i].nsizes == m->nets[i].nsizes && dm->nets[i].offset == m->nets[i].offset);
        for (int s = 0; s < m->nets[i].nsizes; s++) CHECK(dm->nets[i].sizes[s] == m->nets[i].sizes[s]);
        CHECK_STR(dm->nets[i].activation, m->nets[i].activation);
        CHECK_STR(dm->nets[i].output_activation, m->nets[i].output_activation);
    }
    const IrLearn *ln = &m->learn;
    CHECK(dm->learn.kind == ln->kind && dm->learn.hidden == ln->hidden && dm->learn.layers == ln->layers);
    CHECK(dm->learn.dropout == ln->dropout || (isnan(dm->learn.dropout) && isnan(ln->dropout)));
    CHECK(dm->learn.nforcings == ln->nforcings && dm->learn.nattributes == ln->nattributes);
    for (int i = 0; i < ln->nforcings; i++) CHECK(dm->learn.forcings[i] == ln->forcings[i]);
    for (int i = 0; i < ln->nattributes; i++) CHECK_STR(dm->learn.attributes[i], ln->attributes[i]);
    for (int p = 0; p < 2; p++)
        CHECK(dm->init[p] && dm->init_rev[p] && dm->run_fwd[p] && dm->run_rev[p] && dm->prologue[p] &&
              dm->prologue_rev[p]);
}

static int nmodels_tested;

static void test_model(const IrModel *m, Arena *a, Diag *d, const char *file) {
    char name[256];
    snprintf(name, sizeof name, "%s:%s", file, m->name);
    printf("%s: %d params, %d states, %d outputs, %d weights, %d network weights, %d components\n", name,
           m->nparams, m->nstates, m->noutputs, m->nweights, m->nnetw, m->components);
    CgAdjoints adj;
    CHECK(cg_build_adjoints(a, m, d, &adj));
    DgJit *jit = NULL;
    const DgModel *dm = NULL;
    /* every other model through the eager JIT (one module), the rest lazily (a module per kernel) */
    CgOptions o = {.opt_level = 2, .jit_eager = nmodels_tested++ % 2 == 1};
    CgTimes times;
    CgStatus st = jit_compile(m, a, d, &o, &jit, &dm, &times, stderr);
    CHECK(st == CG_OK);
    if (st != CG_OK) return;
    check_metadata(m, dm);

    rng_state = 20240607;
    Case k = {.m = m, .dm = dm, .adj = &adj, .name = name, .K = m->components, .nc = NBASINS * m->components};
    size_t nc = (size_t)k.nc, np = (size_t)m->nparams, T = NSTEPS;
    k.params = dalloc(np * nc);
    for (size_t c = 0; c < nc; c++)
        for (size_t p = 0; p < np; p++) k.params[p * nc + c] = param_value(&m->params[p]);
    k.forcing = dalloc(T * (size_t)m->ninputs * NBASINS);
    for (size_t t = 0; t < T; t++)
        for (int i = 0; i < m->ninputs; i++)
            for (size_t b = 0; b < NBASINS; b++)
                k.forcing[(t * (size_t)m->ninputs + (size_t)i) * NBASINS + b] = forcing_value(m->inputs[i].name, (int)t);
    k.netw = dalloc((size_t)m->nnetw);
    for (int w = 0; w < m->nnetw; w++) k.netw[w] = fl(0.6 * (urand() - 0.5));
    k.input_norm = dalloc(2 * (size_t)m->ninputs);   /* fixed values: the random draws stay those of every model */
    for (int i = 0; i < m->ninputs; i++) {
        k.input_norm[i] = fl(1 + 0.5 * i);
        k.input_norm[m->ninputs + i] = fl(1.5 + 0.25 * i);
        k.uses_norm |= m->input_normed[i];
    }
    k.dout = dalloc(T * (size_t)m->noutputs * nc);
    for (size_t i = 0; i < T * (size_t)m->noutputs * nc; i++) k.dout[i] = fl(urand() - 0.5);

    Results ref = {0}, r64 = {0}, r32 = {0};
    reference_chain(&k, NULL, NULL, &ref);
    run_chain(&k, DG_F64, NULL, NULL, &r64);
    compare_results(&k, "f64", &r64, &ref, TOL64, false);
    run_chain(&k, DG_F32, NULL, NULL, &r32);
    compare_results(&k, "f32", &r32, &r64, TOL32, true);
    results_free(&ref);
    results_free(&r64);
    results_free(&r32);

    bool has_dyn = false;
    for (int p = 0; p < m->nparams; p++) has_dyn |= m->params[p].mark == DG_PARAM_DYNAMIC;
    if (has_dyn) {   /* time-varying values of the dynamic parameters */
        double *dyn = dalloc(T * np * nc);
        for (size_t t = 0; t < T; t++)
            for (size_t p = 0; p < np; p++)
                for (size_t c = 0; c < nc; c++) {
                    const IrParam *q = &m->params[p];
                    double v = k.params[p * nc + c];
                    if (q->mark == DG_PARAM_DYNAMIC && q->has_bounds)
                        v = fl(q->lo + (0.5 + 0.45 * sin(0.3 * (double)t + (double)c)) * (q->hi - q->lo));
                    dyn[(t * np + p) * nc + c] = v;
                }
        double *ddyn_ref = dalloc(T * np * nc), *ddyn64 = dalloc(T * np * nc);
        Results dref = {0}, d64 = {0};
        reference_chain(&k, dyn, ddyn_ref, &dref);
        run_chain(&k, DG_F64, dyn, ddyn64, &d64);
        compare_results(&k, "f64 dyn", &d64, &dref, TOL64, false);
        compare(name, "f64 dyn ddyn_params", ddyn64, ddyn_ref, T * np * nc, TOL64, false);
        /* without ddyn_params, the dynamic gradients are summed into dparams */
        Results s64 = {0};
        run_chain(&k, DG_F64, dyn, NULL, &s64);
        for (size_t t = 0; t < T; t++)
            for (size_t p = 0; p < np; p++)
                for (size_t c = 0; c < nc; c++) d64.dparams[p * nc + c] += ddyn64[(t * np + p) * nc + c];
        compare(name, "f64 dyn dparams (summed)", s64.dparams, d64.dparams, np * nc, 1e-10, false);
        results_free(&dref);
        results_free(&d64);
        results_free(&s64);
        free(dyn);
        free(ddyn_ref);
        free(ddyn64);
    }
    free(k.params);
    free(k.forcing);
    free(k.input_norm);
    free(k.netw);
    free(k.dout);
    jit_times(jit, &times);
    printf("  %s JIT: codegen %.0f ms, optimise %.0f ms, machine code %.0f ms (%d modules)\n",
           o.jit_eager ? "eager" : "lazy", 1e3 * times.codegen, 1e3 * times.optimize, 1e3 * times.machine_code,
           times.modules);
    jit_dispose(jit);
}

/* ---- Files ------------------------------------------------------------------------------- */

static void test_file(const char *path) {
    Program p;
    program_init(&p);
    Diag d;
    diag_init(&d, &p.sources, stderr, false);
    program_set_diag(&p, &d);
    program_add_search_dir(&p, DGC_STDLIB_DIR);
    LoadedFile *root = program_load(&p, path);
    CHECK(root != NULL);
    if (root && diag_error_count(&d) == 0) sema_check_program(&p);
    CHECK(diag_error_count(&d) == 0);
    if (root && diag_error_count(&d) == 0) {
        size_t nsrc = strlen(DG_SOURCE_DIR);   /* a file of the tree by its path in it; others as given */
        const char *rel = !strncmp(path, DG_SOURCE_DIR "/", nsrc + 1) ? path + nsrc + 1 : path;
        for (int i = p.nmodels - p.nroot_models; i < p.nmodels; i++) {
            IrModel *ir = lower_model(&p.arena, &p, p.models[i]);
            CHECK(ir != NULL);
            if (ir) test_model(ir, &p.arena, &d, rel);
        }
    }
    program_free(&p);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void collect(const char *dir, char ***files, int *n) {
    DIR *dp = opendir(dir);
    if (!dp) return;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            collect(path, files, n);
            free(path);
        } else if (strlen(e->d_name) > 3 && !strcmp(e->d_name + strlen(e->d_name) - 3, ".dg")) {
            *files = realloc(*files, sizeof(char *) * (size_t)(*n + 1));
            (*files)[(*n)++] = path;
        } else {
            free(path);
        }
    }
    closedir(dp);
}

int main(int argc, char **argv) {
    verbose = getenv("DG_VERBOSE") != NULL;
    char **files = NULL;
    int n = 0;
    if (argc > 1) {   /* explicit files (debugging) */
        for (int i = 1; i < argc; i++) {
            files = realloc(files, sizeof(char *) * (size_t)(n + 1));
            files[n++] = strdup(argv[i]);
        }
    } else {
        collect(DG_SOURCE_DIR "/stdlib/models", &files, &n);
        collect(DG_SOURCE_DIR "/examples", &files, &n);
        collect(DG_SOURCE_DIR "/tests/gradcheck_norm", &files, &n);
        qsort(files, (size_t)n, sizeof(char *), cmp_str);
    }
    CHECK(n > 0);
    for (int i = 0; i < n; i++) {
        test_file(files[i]);
        free(files[i]);
    }
    free(files);
    return check_report("test_codegen_equiv");
}
