/* ir_eval.c — the naive reference executor of the IR, in double precision:
 * one instruction at a time, with exactly the semantics code generation must
 * reproduce (min/max/clamp as below; comparisons give 0/1; select picks by
 * a nonzero condition). Used to test lowering and the generated adjoint
 * against finite differences without LLVM, and as the reference the
 * compiled kernels are compared with. */
#include "ir_eval.h"

#include <math.h>
#include <stdlib.h>

double ir_eval_op(IrOp op, double a, double b, double c) {
    switch (op) {
    case IR_ADD: return a + b;
    case IR_SUB: return a - b;
    case IR_MUL: return a * b;
    case IR_DIV: return a / b;
    case IR_NEG: return -a;
    case IR_POW: return pow(a, b);
    case IR_EXP: return exp(a);
    case IR_LOG: return log(a);
    case IR_LOG10: return log10(a);
    case IR_SQRT: return sqrt(a);
    case IR_TANH: return tanh(a);
    case IR_SIGMOID: return 1.0 / (1.0 + exp(-a));
    case IR_SOFTPLUS: return a > 20 ? a + log1p(exp(-a)) : log1p(exp(a));
    case IR_SIN: return sin(a);
    case IR_COS: return cos(a);
    case IR_TAN: return tan(a);
    case IR_ASIN: return asin(a);
    case IR_ACOS: return acos(a);
    case IR_ATAN: return atan(a);
    case IR_LGAMMA: return dgrt_lgamma(a);
    case IR_DIGAMMA: return dgrt_digamma(a);
    case IR_ABS: return fabs(a);
    case IR_MIN: return a < b ? a : b;            /* ties: a (equal anyway) */
    case IR_MAX: return a >= b ? a : b;
    case IR_CLAMP: return a < b ? b : a > c ? c : a;
    case IR_RELU: return a > 0 ? a : 0;
    case IR_STEP: return a > 0 ? 1 : 0;
    case IR_FLOOR: return floor(a);
    case IR_LT: return a < b;
    case IR_LE: return a <= b;
    case IR_GT: return a > b;
    case IR_GE: return a >= b;
    case IR_EQ: return a == b;
    case IR_NE: return a != b;
    case IR_AND: return a != 0 && b != 0;
    case IR_OR: return a != 0 || b != 0;
    case IR_NOT: return a == 0;
    case IR_SELECT: return a != 0 ? b : c;
    case IR_NOGRAD: return a;
    default: return NAN;
    }
}

void ir_eval(const IrFunc *f, const IrLeaves *in, double *vals, double *results) {
    for (int i = 0; i < f->n; i++) {
        const IrInst *x = &f->insts[i];
        switch (x->op) {
        case IR_CONST: vals[i] = x->imm; break;
        case IR_PARAM: vals[i] = in->params[x->index]; break;
        case IR_INPUT: vals[i] = in->inputs[x->index]; break;
        case IR_STATE: vals[i] = in->states[x->index]; break;
        case IR_SEED: vals[i] = in->seeds[x->index]; break;
        case IR_NETW: vals[i] = in->netw[x->index]; break;
        case IR_INMEAN:
        case IR_INSTD:
            if (!in->input_norm) DG_ICE("ir_eval: norm() statistics were not given");
            vals[i] = in->input_norm[(x->op == IR_INSTD ? in->ninputs : 0) + x->index];
            break;
        default: {
            int ar = ir_op_arity(x->op);
            vals[i] = ir_eval_op(x->op, vals[x->a], ar > 1 ? vals[x->b] : 0, ar > 2 ? vals[x->c] : 0);
        }
        }
    }
    for (int r = 0; r < f->nresults; r++) results[r] = vals[f->results[r]];
}

/* ---- A whole run of one cell (reference for the generated kernels) ---------- */

static double *scratch_for(const IrFunc *f) { return malloc(sizeof(double) * (size_t)(f->n ? f->n : 1)); }

void ir_run_cell(const IrModel *m, const double *params, const double *forcing, int nsteps, const double *netw,
                 double *states_tape, double *out) {
    double *vals = scratch_for(&m->step), *ivals = scratch_for(&m->init);
    double *res = malloc(sizeof(double) * (size_t)(m->nstates + m->noutputs + 1));
    IrLeaves lv = {.params = params, .netw = netw};
    ir_eval(&m->init, &lv, ivals, states_tape);   /* states at the start of step 0 */
    for (int t = 0; t < nsteps; t++) {
        lv.inputs = forcing + (size_t)t * (size_t)m->ninputs;
        lv.states = states_tape + (size_t)t * (size_t)m->nstates;
        ir_eval(&m->step, &lv, vals, res);
        for (int s = 0; s < m->nstates; s++) states_tape[(size_t)(t + 1) * (size_t)m->nstates + (size_t)s] = res[s];
        for (int o = 0; o < m->noutputs; o++) out[(size_t)t * (size_t)m->noutputs + (size_t)o] = res[m->nstates + o];
    }
    free(vals);
    free(ivals);
    free(res);
}

void ir_run_cell_rev(const IrModel *m, const IrFunc *init_rev, const IrFunc *step_rev, const double *params,
                     const double *forcing, int nsteps, const double *netw, const double *states_tape,
                     const double *dout, double *dparams, double *dnetw) {
    int np = m->nparams, ns = m->nstates, nw = m->nnetw;
    double *vals = scratch_for(step_rev), *ivals = scratch_for(init_rev);
    double *seeds = calloc((size_t)(ns + m->noutputs + 1), sizeof(double));
    int nres = step_rev->nresults > init_rev->nresults ? step_rev->nresults : init_rev->nresults;
    double *res = malloc(sizeof(double) * (size_t)(nres > np + ns + nw ? nres : np + ns + nw + 1));
    IrLeaves lv = {.params = params, .netw = netw, .seeds = seeds};
    /* seeds[0..ns) carry d(states after the step), starting from 0 after the last step */
    for (int t = nsteps - 1; t >= 0; t--) {
        lv.inputs = forcing + (size_t)t * (size_t)m->ninputs;
        lv.states = states_tape + (size_t)t * (size_t)ns;
        for (int o = 0; o < m->noutputs; o++) seeds[ns + o] = dout[(size_t)t * (size_t)m->noutputs + (size_t)o];
        ir_eval(step_rev, &lv, vals, res);
        for (int p = 0; p < np; p++) dparams[p] += res[p];
        for (int w = 0; w < nw; w++) dnetw[w] += res[np + ns + w];
        for (int s = 0; s < ns; s++) seeds[s] = res[np + s];   /* d(states at the start of step t) */
    }
    /* through the initial states to the parameters */
    lv.states = NULL;
    lv.inputs = NULL;
    ir_eval(init_rev, &lv, ivals, res);
    for (int p = 0; p < np; p++) dparams[p] += res[p];
    for (int w = 0; w < nw; w++) dnetw[w] += res[np + ns + w];
    free(vals);
    free(ivals);
    free(seeds);
    free(res);
}
