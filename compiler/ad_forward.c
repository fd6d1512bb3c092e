/* ad_forward.c — forward-mode (tangent) differentiation of a range of IR
 * instructions, emitted into the same function. Lowering uses it for the
 * Jacobian of the right-hand side in implicit Euler's Newton iterations.
 * The tangent rules mirror the adjoint rules of ad_reverse.c, including the
 * conventions at kinks (min splits ties 1/2-1/2, max(a, b) follows a when
 * a >= b, clamp is inclusive, comparisons have no derivative). */
#include "ir.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    Arena  *a;
    IrFunc *f;
    Span    span;
} Tan;

static int E(Tan *t, IrOp op, int x, int y, int z) { return ir_emit(t->a, t->f, op, x, y, z, t->span); }
static int K(Tan *t, double v) { return ir_emit_leaf(t->a, t->f, IR_CONST, -1, v, t->span); }

/* x, or a constant 0 (made once per instruction) when x is -1 */
static int zero_or(Tan *t, int x, int *zero) {
    if (x >= 0) return x;
    if (*zero < 0) *zero = K(t, 0);
    return *zero;
}

/* Tangent of instruction v given its operands' tangents (-1 = zero); -1 if zero. */
static int tangent_of(Tan *t, int v, const int *tan) {
    const IrInst in = t->f->insts[v];   /* copy: emitting may move the array */
    int a = in.a, b = in.b, c = in.c;
    int ta = a >= 0 ? tan[a] : -1, tb = b >= 0 ? tan[b] : -1, tc = c >= 0 ? tan[c] : -1;
    int zero = -1;
#define Z(x) zero_or(t, (x), &zero)
    switch (in.op) {
    case IR_ADD:
        if (ta < 0) return tb;
        if (tb < 0) return ta;
        return E(t, IR_ADD, ta, tb, -1);
    case IR_SUB:
        if (tb < 0) return ta;
        if (ta < 0) return E(t, IR_NEG, tb, -1, -1);
        return E(t, IR_SUB, ta, tb, -1);
    case IR_MUL: {
        int x = ta < 0 ? -1 : E(t, IR_MUL, ta, b, -1), y = tb < 0 ? -1 : E(t, IR_MUL, a, tb, -1);
        if (x < 0) return y;
        if (y < 0) return x;
        return E(t, IR_ADD, x, y, -1);
    }
    case IR_DIV: {   /* (ta - v tb) / b */
        if (ta < 0 && tb < 0) return -1;
        int num = tb < 0 ? ta : E(t, IR_SUB, Z(ta), E(t, IR_MUL, v, tb, -1), -1);
        return E(t, IR_DIV, num, b, -1);
    }
    case IR_NEG: return ta < 0 ? -1 : E(t, IR_NEG, ta, -1, -1);
    case IR_POW: {
        int x = -1, y = -1;
        if (ta >= 0) x = E(t, IR_MUL, ta, E(t, IR_MUL, b, E(t, IR_POW, a, E(t, IR_SUB, b, K(t, 1), -1), -1), -1), -1);
        if (tb >= 0) {
            int pos = E(t, IR_GT, a, K(t, 0), -1);
            int la = E(t, IR_LOG, E(t, IR_SELECT, pos, a, K(t, 1)), -1, -1);
            y = E(t, IR_SELECT, pos, E(t, IR_MUL, tb, E(t, IR_MUL, v, la, -1), -1), K(t, 0));
        }
        if (x < 0) return y;
        if (y < 0) return x;
        return E(t, IR_ADD, x, y, -1);
    }
    default: break;
    }
    if (ir_op_arity(in.op) == 1 && ta < 0 && in.op != IR_SELECT) return -1;
    switch (in.op) {
    case IR_EXP: return E(t, IR_MUL, ta, v, -1);
    case IR_LOG: return E(t, IR_DIV, ta, a, -1);
    case IR_LOG10: return E(t, IR_DIV, ta, E(t, IR_MUL, a, K(t, log(10.0)), -1), -1);
    case IR_SQRT: return E(t, IR_DIV, ta, E(t, IR_MUL, K(t, 2), v, -1), -1);
    case IR_TANH: return E(t, IR_MUL, ta, E(t, IR_SUB, K(t, 1), E(t, IR_MUL, v, v, -1), -1), -1);
    case IR_SIGMOID: return E(t, IR_MUL, ta, E(t, IR_MUL, v, E(t, IR_SUB, K(t, 1), v, -1), -1), -1);
    case IR_SOFTPLUS: return E(t, IR_MUL, ta, E(t, IR_SIGMOID, a, -1, -1), -1);
    case IR_SIN: return E(t, IR_MUL, ta, E(t, IR_COS, a, -1, -1), -1);
    case IR_COS: return E(t, IR_NEG, E(t, IR_MUL, ta, E(t, IR_SIN, a, -1, -1), -1), -1, -1);
    case IR_TAN: return E(t, IR_MUL, ta, E(t, IR_ADD, K(t, 1), E(t, IR_MUL, v, v, -1), -1), -1);
    case IR_ASIN:
    case IR_ACOS: {
        int q = E(t, IR_DIV, ta, E(t, IR_SQRT, E(t, IR_SUB, K(t, 1), E(t, IR_MUL, a, a, -1), -1), -1, -1), -1);
        return in.op == IR_ASIN ? q : E(t, IR_NEG, q, -1, -1);
    }
    case IR_ATAN: return E(t, IR_DIV, ta, E(t, IR_ADD, K(t, 1), E(t, IR_MUL, a, a, -1), -1), -1);
    case IR_LGAMMA: return E(t, IR_MUL, ta, E(t, IR_DIGAMMA, a, -1, -1), -1);
    case IR_ABS: {
        int pos = E(t, IR_GT, a, K(t, 0), -1), neg = E(t, IR_LT, a, K(t, 0), -1);
        return E(t, IR_SELECT, pos, ta, E(t, IR_SELECT, neg, E(t, IR_NEG, ta, -1, -1), K(t, 0)));
    }
    case IR_RELU: return E(t, IR_SELECT, E(t, IR_GT, a, K(t, 0), -1), ta, K(t, 0));
    case IR_MIN: {
        if (ta < 0 && tb < 0) return -1;
        int lt = E(t, IR_LT, a, b, -1), eq = E(t, IR_EQ, a, b, -1);
        int half = E(t, IR_MUL, K(t, 0.5), E(t, IR_ADD, Z(ta), Z(tb), -1), -1);
        return E(t, IR_SELECT, lt, Z(ta), E(t, IR_SELECT, eq, half, Z(tb)));
    }
    case IR_MAX:
        if (ta < 0 && tb < 0) return -1;
        return E(t, IR_SELECT, E(t, IR_GE, a, b, -1), Z(ta), Z(tb));
    case IR_CLAMP: {
        if (ta < 0 && tb < 0 && tc < 0) return -1;
        int below = E(t, IR_LT, a, b, -1), above = E(t, IR_GT, a, c, -1);
        return E(t, IR_SELECT, below, Z(tb), E(t, IR_SELECT, above, Z(tc), Z(ta)));
    }
    case IR_SELECT:
        if (tb < 0 && tc < 0) return -1;
        return E(t, IR_SELECT, a, Z(tb), Z(tc));
    case IR_NOGRAD:
    case IR_STEP:
    case IR_FLOOR:
        return -1;
    default:
        return -1;   /* leaves outside the seeds, booleans, digamma: no tangent */
    }
#undef Z
}

void ad_tangent(Arena *a, IrFunc *f, int begin, int end, const int *seed_ids, const int *seed_tans, int nseeds,
                const int *outs, int nouts, int *out_tans) {
    int n = end;
    int *tan = malloc(sizeof(int) * (size_t)(n ? n : 1));
    if (!tan) DG_ICE("out of memory");
    for (int i = 0; i < n; i++) tan[i] = -1;
    for (int k = 0; k < nseeds; k++) tan[seed_ids[k]] = seed_tans[k];
    Tan t = {.a = a, .f = f};
    for (int v = begin; v < end; v++) {
        bool seeded = false;
        for (int k = 0; k < nseeds; k++) seeded |= seed_ids[k] == v;
        if (seeded) continue;
        t.span = f->insts[v].span;
        tan[v] = tangent_of(&t, v, tan);
    }
    for (int k = 0; k < nouts; k++) {
        int o = outs[k];
        out_tans[k] = o < n && tan[o] >= 0 ? tan[o] : ir_emit_leaf(a, f, IR_CONST, -1, 0, t.span);
    }
    free(tan);
}
