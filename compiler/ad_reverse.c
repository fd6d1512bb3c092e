/* ad_reverse.c — reverse-mode differentiation of one IR function.
 *
 * The adjoint function recomputes the forward instructions, seeds the
 * cotangent of every result (IR_SEED i), then walks the instructions
 * backwards applying one local rule per op, accumulating into the operands'
 * adjoints. Its results are the adjoints of the leaves: d params, d states,
 * d network weights (0 where a leaf is unused). Booleans carry no adjoint.
 *
 * Derivative conventions at kinks (shared/reference/README.md §5, measured
 * on PyTorch, which δHBV uses):
 *   max(a, b)      a gets the gradient when a >= b (so max(x, c) has slope 1
 *                  for x >= c, like torch.clamp(min=c)); b when a < b
 *   min(a, b)      the smaller argument; at an exact tie each gets 1/2
 *                  (ties are frequent: both 0 on snow-free days; sending a
 *                  tie to the storage argument makes adjoints grow)
 *   clamp(x,lo,hi) slope 1 for lo <= x <= hi
 *   relu(x)        slope 1 for x > 0, 0 at 0
 *   comparisons, select conditions, step(x): constants (no derivative)
 *   nograd(x)      stops the gradient (implicit Euler: see lower.c)
 * Every op of the IR has a rule here; an op without one is an error. */
#include "ir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    Arena  *a;
    IrFunc *r;       /* adjoint function being built */
    int    *adj;     /* adjoint value id per forward value, -1 = zero */
    Span    span;
} Ad;

static int E(Ad *d, IrOp op, int x, int y, int z) { return ir_emit(d->a, d->r, op, x, y, z, d->span); }
static int K(Ad *d, double v) { return ir_emit_leaf(d->a, d->r, IR_CONST, -1, v, d->span); }

static void acc(Ad *d, int v, int contribution) {
    d->adj[v] = d->adj[v] < 0 ? contribution : E(d, IR_ADD, d->adj[v], contribution, -1);
}

/* select(cond, g, 0): the gradient passes only where cond holds */
static int gate(Ad *d, int cond, int g) { return E(d, IR_SELECT, cond, g, K(d, 0)); }

/* g * f'(x) where f' may be infinite or NaN (pow, div, log, sqrt, ...): an
 * exact zero cotangent stays zero. This matters in the branch an `if` does
 * not take: it is computed (selects evaluate both sides) and may be NaN,
 * e.g. (2 - t/x4)^2.5 beyond the end of GR4J's second S-curve. */
static int guarded(Ad *d, int g, int contribution) {
    return E(d, IR_SELECT, E(d, IR_NE, g, K(d, 0), -1), contribution, K(d, 0));
}

/* Applies the local rule of instruction v (forward ids equal adjoint-function ids,
 * since the forward code is copied first). Returns false when op has no rule. */
static bool rule(Ad *d, const IrInst *in, int v, int g) {
    int a = in->a, b = in->b, c = in->c;
    switch (in->op) {
    case IR_ADD: acc(d, a, g); acc(d, b, g); return true;
    case IR_SUB: acc(d, a, g); acc(d, b, E(d, IR_NEG, g, -1, -1)); return true;
    case IR_MUL: acc(d, a, E(d, IR_MUL, g, b, -1)); acc(d, b, E(d, IR_MUL, g, a, -1)); return true;
    case IR_DIV:
        acc(d, a, guarded(d, g, E(d, IR_DIV, g, b, -1)));
        acc(d, b, guarded(d, g, E(d, IR_NEG, E(d, IR_DIV, E(d, IR_MUL, g, v, -1), b, -1), -1, -1)));
        return true;
    case IR_NEG: acc(d, a, E(d, IR_NEG, g, -1, -1)); return true;
    case IR_POW: {
        /* d/da = b a^(b-1);  d/db = a^b log a, 0 where a <= 0 (as PyTorch masks a == 0) */
        int bm1 = E(d, IR_SUB, b, K(d, 1), -1);
        acc(d, a, guarded(d, g, E(d, IR_MUL, g, E(d, IR_MUL, b, E(d, IR_POW, a, bm1, -1), -1), -1)));
        if (d->r->insts[b].op != IR_CONST) {
            int pos = E(d, IR_GT, a, K(d, 0), -1);
            int safe_a = E(d, IR_SELECT, pos, a, K(d, 1));
            acc(d, b, guarded(d, g, gate(d, pos, E(d, IR_MUL, g, E(d, IR_MUL, v, E(d, IR_LOG, safe_a, -1, -1), -1), -1))));
        }
        return true;
    }
    case IR_EXP: acc(d, a, E(d, IR_MUL, g, v, -1)); return true;
    case IR_LOG: acc(d, a, guarded(d, g, E(d, IR_DIV, g, a, -1))); return true;
    case IR_LOG10: acc(d, a, guarded(d, g, E(d, IR_DIV, g, E(d, IR_MUL, a, K(d, log(10.0)), -1), -1))); return true;
    case IR_SQRT: acc(d, a, guarded(d, g, E(d, IR_DIV, g, E(d, IR_MUL, K(d, 2), v, -1), -1))); return true;
    case IR_TANH:
        acc(d, a, E(d, IR_MUL, g, E(d, IR_SUB, K(d, 1), E(d, IR_MUL, v, v, -1), -1), -1));
        return true;
    case IR_SIGMOID:
        acc(d, a, E(d, IR_MUL, g, E(d, IR_MUL, v, E(d, IR_SUB, K(d, 1), v, -1), -1), -1));
        return true;
    case IR_SOFTPLUS: acc(d, a, E(d, IR_MUL, g, E(d, IR_SIGMOID, a, -1, -1), -1)); return true;
    case IR_SIN: acc(d, a, E(d, IR_MUL, g, E(d, IR_COS, a, -1, -1), -1)); return true;
    case IR_COS: acc(d, a, E(d, IR_NEG, E(d, IR_MUL, g, E(d, IR_SIN, a, -1, -1), -1), -1, -1)); return true;
    case IR_TAN: acc(d, a, guarded(d, g, E(d, IR_MUL, g, E(d, IR_ADD, K(d, 1), E(d, IR_MUL, v, v, -1), -1), -1))); return true;
    case IR_ASIN:
    case IR_ACOS: {
        int root = E(d, IR_SQRT, E(d, IR_SUB, K(d, 1), E(d, IR_MUL, a, a, -1), -1), -1, -1);
        int q = E(d, IR_DIV, g, root, -1);
        acc(d, a, guarded(d, g, in->op == IR_ASIN ? q : E(d, IR_NEG, q, -1, -1)));
        return true;
    }
    case IR_ATAN: acc(d, a, E(d, IR_DIV, g, E(d, IR_ADD, K(d, 1), E(d, IR_MUL, a, a, -1), -1), -1)); return true;
    case IR_LGAMMA: acc(d, a, guarded(d, g, E(d, IR_MUL, g, E(d, IR_DIGAMMA, a, -1, -1), -1))); return true;
    case IR_ABS: {
        int pos = E(d, IR_GT, a, K(d, 0), -1), neg = E(d, IR_LT, a, K(d, 0), -1);
        acc(d, a, E(d, IR_SELECT, pos, g, gate(d, neg, E(d, IR_NEG, g, -1, -1))));
        return true;
    }
    case IR_MIN: {
        int lt = E(d, IR_LT, a, b, -1), gt = E(d, IR_GT, a, b, -1), eq = E(d, IR_EQ, a, b, -1);
        int half = gate(d, eq, E(d, IR_MUL, K(d, 0.5), g, -1));
        acc(d, a, E(d, IR_SELECT, lt, g, half));
        acc(d, b, E(d, IR_SELECT, gt, g, half));
        return true;
    }
    case IR_MAX: {
        int ge = E(d, IR_GE, a, b, -1);
        acc(d, a, gate(d, ge, g));
        acc(d, b, E(d, IR_SELECT, ge, K(d, 0), g));
        return true;
    }
    case IR_CLAMP: {
        int below = E(d, IR_LT, a, b, -1), above = E(d, IR_GT, a, c, -1);
        int inside = E(d, IR_NOT, E(d, IR_OR, below, above, -1), -1, -1);
        acc(d, a, gate(d, inside, g));
        acc(d, b, gate(d, below, g));
        acc(d, c, gate(d, above, g));
        return true;
    }
    case IR_RELU: acc(d, a, gate(d, E(d, IR_GT, a, K(d, 0), -1), g)); return true;
    case IR_STEP:
    case IR_FLOOR: return true;   /* piecewise constant */
    case IR_NOGRAD: return true; /* by definition: the gradient stops here */
    case IR_SELECT:
        acc(d, b, gate(d, a, g));
        acc(d, c, E(d, IR_SELECT, a, K(d, 0), g));
        return true;
    default: return false;
    }
}

IrFunc ad_reverse(Arena *a, const IrFunc *f, int nparams, int nstates, int nnetw, Diag *diag) {
    return ad_reverse_inputs(a, f, nparams, nstates, nnetw, 0, diag);
}

IrFunc ad_reverse_inputs(Arena *a, const IrFunc *f, int nparams, int nstates, int nnetw, int ninputs, Diag *diag) {
    IrFunc r = {0};
    r.name = arena_printf(a, "%s_rev", f->name);
    for (int i = 0; i < f->n; i++) {   /* recompute the forward values */
        const IrInst *in = &f->insts[i];
        if (ir_op_arity(in->op) == 0) ir_emit_leaf(a, &r, in->op, in->index, in->imm, in->span);
        else ir_emit(a, &r, in->op, in->a, in->b, in->c, in->span);
    }
    Ad d = {.a = a, .r = &r};
    d.adj = malloc(sizeof(int) * (size_t)(f->n ? f->n : 1));
    if (!d.adj) DG_ICE("out of memory");
    for (int i = 0; i < f->n; i++) d.adj[i] = -1;
    for (int k = 0; k < f->nresults; k++) {
        d.span = f->insts[f->results[k]].span;
        acc(&d, f->results[k], ir_emit_leaf(a, &r, IR_SEED, k, 0, d.span));
    }

    int nres = nparams + nstates + nnetw + ninputs;
    int *dparam = malloc(sizeof(int) * (size_t)(nres + 1));
    if (!dparam) DG_ICE("out of memory");
    int *dstate = dparam + nparams, *dnetw = dstate + nstates, *dinput = dnetw + nnetw;
    for (int i = 0; i < nres; i++) dparam[i] = -1;

    for (int v = f->n - 1; v >= 0; v--) {
        const IrInst *in = &f->insts[v];
        int g = d.adj[v];
        if (g < 0 || ir_op_is_bool(in->op)) continue;
        d.span = in->span;
        int *slot = NULL;
        switch (in->op) {
        case IR_CONST: case IR_SEED: case IR_INMEAN: case IR_INSTD: continue;   /* constants of the run */
        case IR_INPUT:
            if (in->index >= ninputs) continue;   /* inputs are inactive unless asked for */
            slot = &dinput[in->index];
            break;
        case IR_PARAM: slot = &dparam[in->index]; break;
        case IR_STATE: slot = &dstate[in->index]; break;
        case IR_NETW: slot = &dnetw[in->index]; break;
        default:
            if (!rule(&d, in, v, g)) {
                diag_error(diag, in->span, "no derivative rule for operation '%s'", ir_op_name(in->op));
                continue;
            }
            continue;
        }
        *slot = *slot < 0 ? g : E(&d, IR_ADD, *slot, g, -1);
    }

    r.results = ARENA_ARRAY(a, int, nres ? nres : 1);
    r.nresults = nres;
    int zero = -1;
    for (int i = 0; i < nres; i++) {
        if (dparam[i] < 0) {
            if (zero < 0) zero = ir_emit_leaf(a, &r, IR_CONST, -1, 0, f->n ? f->insts[0].span : (Span){0});
            r.results[i] = zero;
        } else {
            r.results[i] = dparam[i];
        }
    }
    free(dparam);
    free(d.adj);
    if (!ir_verify_func(&r, nparams, 1 << 30, nstates, f->nresults, nnetw, stderr))
        DG_ICE("invalid adjoint IR for '%s'", f->name);
    ir_simplify(a, &r);
    if (!ir_verify_func(&r, nparams, 1 << 30, nstates, f->nresults, nnetw, stderr))
        DG_ICE("invalid adjoint IR for '%s' after simplification", f->name);
    return r;
}
