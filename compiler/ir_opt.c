/* ir_opt.c — simplification of one IR function, in place:
 *   constant folding   an op whose operands are all constants becomes one
 *                      (numeric ops only; the folded value is what the
 *                      double-precision code would compute);
 *   identities         x+0, x-0, x*1, x/1, -(-x), select(c, x, x);
 *   CSE                identical instructions (same op, operands, leaf) are
 *                      computed once (value numbering with a hash table);
 *   DCE                instructions no result depends on are dropped, and
 *                      the rest is put in a canonical (depth-first) order.
 * Folding is exact for IEEE double; float code may round constants once. */
#include "ir.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_const(const IrFunc *f, int v, double *out) {
    if (v < 0 || f->insts[v].op != IR_CONST) return false;
    *out = f->insts[v].imm;
    return true;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Value of a numeric op on constant operands; false when it is not folded. */
static bool fold(IrOp op, double a, double b, double c, double *r) {
    switch (op) {
    case IR_ADD: *r = a + b; return true;
    case IR_SUB: *r = a - b; return true;
    case IR_MUL: *r = a * b; return true;
    case IR_DIV: *r = a / b; return true;
    case IR_NEG: *r = -a; return true;
    case IR_POW: *r = pow(a, b); return true;
    case IR_EXP: *r = exp(a); return true;
    case IR_LOG: *r = log(a); return true;
    case IR_LOG10: *r = log10(a); return true;
    case IR_SQRT: *r = sqrt(a); return true;
    case IR_TANH: *r = tanh(a); return true;
    case IR_SIGMOID: *r = sigmoid(a); return true;
    case IR_SOFTPLUS: *r = log1p(exp(a)); return true;
    case IR_SIN: *r = sin(a); return true;
    case IR_COS: *r = cos(a); return true;
    case IR_TAN: *r = tan(a); return true;
    case IR_ASIN: *r = asin(a); return true;
    case IR_ACOS: *r = acos(a); return true;
    case IR_ATAN: *r = atan(a); return true;
    case IR_LGAMMA: *r = lgamma(a); return true;
    case IR_ABS: *r = fabs(a); return true;
    case IR_MIN: *r = a < b ? a : b; return true;
    case IR_MAX: *r = a >= b ? a : b; return true;
    case IR_CLAMP: *r = a < b ? b : a > c ? c : a; return true;
    case IR_RELU: *r = a > 0 ? a : 0; return true;
    case IR_STEP: *r = a > 0 ? 1 : 0; return true;
    case IR_FLOOR: *r = floor(a); return true;
    default: return false;
    }
}

/* ---- Value numbering ------------------------------------------------------- */

typedef struct {
    int  *slots;     /* instruction id + 1, 0 = empty */
    int   cap;
} Table;

static uint64_t key_hash(const IrInst *in) {
    uint64_t bits;
    memcpy(&bits, &in->imm, sizeof bits);
    uint64_t h = (uint64_t)in->op * 0x9E3779B97F4A7C15ULL;
    h ^= (uint64_t)(uint32_t)in->a + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)in->b + 0x8CB92BA72F3D8DD7ULL + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)in->c + 0xB5AD4ECEDA1CE2A9ULL + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)in->index + (h << 6) + (h >> 2);
    h ^= bits + (h << 6) + (h >> 2);
    return h;
}

static bool same(const IrInst *x, const IrInst *y) {
    return x->op == y->op && x->a == y->a && x->b == y->b && x->c == y->c && x->index == y->index &&
           memcmp(&x->imm, &y->imm, sizeof x->imm) == 0;
}

/* Returns the existing equal instruction of g, or -1 after remembering `id`. */
static int lookup_or_add(Table *t, const IrFunc *g, const IrInst *in, int id) {
    uint64_t h = key_hash(in);
    for (int j = (int)(h & (uint64_t)(t->cap - 1));; j = (j + 1) & (t->cap - 1)) {
        if (!t->slots[j]) { t->slots[j] = id + 1; return -1; }
        if (same(&g->insts[t->slots[j] - 1], in)) return t->slots[j] - 1;
    }
}

void ir_simplify(Arena *a, IrFunc *f) {
    int n = f->n;
    if (n == 0) return;
    int *remap = malloc(sizeof(int) * (size_t)n);
    Table t = {0};
    t.cap = 64;
    while (t.cap < 2 * n) t.cap *= 2;
    t.slots = calloc((size_t)t.cap, sizeof(int));
    if (!remap || !t.slots) { free(remap); free(t.slots); return; }

    IrFunc g = {.name = f->name};
    for (int i = 0; i < n; i++) {
        IrInst in = f->insts[i];
        int arity = ir_op_arity(in.op);
        if (arity > 0) in.a = remap[in.a];
        if (arity > 1) in.b = remap[in.b];
        if (arity > 2) in.c = remap[in.c];

        double x = 0, y = 0, z = 0, r;
        bool cx = arity > 0 && is_const(&g, in.a, &x), cy = arity > 1 && is_const(&g, in.b, &y);
        bool cz = arity > 2 && is_const(&g, in.c, &z);
        bool all = arity > 0 && cx && (arity < 2 || cy) && (arity < 3 || cz);
        if (all && fold(in.op, x, y, z, &r)) {
            in = (IrInst){.op = IR_CONST, .a = -1, .b = -1, .c = -1, .index = -1, .imm = r, .span = in.span};
        } else {
            int same_as = -1;
            if ((in.op == IR_ADD && cy && y == 0) || (in.op == IR_SUB && cy && y == 0) ||
                (in.op == IR_MUL && cy && y == 1) || (in.op == IR_DIV && cy && y == 1))
                same_as = in.a;
            else if ((in.op == IR_ADD && cx && x == 0) || (in.op == IR_MUL && cx && x == 1))
                same_as = in.b;
            else if (in.op == IR_NEG && g.insts[in.a].op == IR_NEG)
                same_as = g.insts[in.a].a;
            else if (in.op == IR_SELECT && in.b == in.c)
                same_as = in.b;
            if (same_as >= 0) { remap[i] = same_as; continue; }
        }
        int existing = lookup_or_add(&t, &g, &in, g.n);
        if (existing >= 0) { remap[i] = existing; continue; }
        if (in.op == IR_CONST || in.op == IR_PARAM || in.op == IR_INPUT || in.op == IR_STATE ||
            in.op == IR_SEED || in.op == IR_NETW || in.op == IR_INMEAN || in.op == IR_INSTD)
            remap[i] = ir_emit_leaf(a, &g, in.op, in.index, in.imm, in.span);
        else
            remap[i] = ir_emit(a, &g, in.op, in.a, in.b, in.c, in.span);
    }
    for (int r = 0; r < f->nresults; r++) f->results[r] = remap[f->results[r]];
    free(t.slots);

    /* dead code and canonical order: emit what the results depend on, in
     * depth-first post-order from the results (operands a, b, c in turn).
     * The order is then a function of the computation alone, not of the
     * order in which lowering happened to emit instructions (C leaves the
     * evaluation order of function arguments unspecified). */
    bool *live = calloc((size_t)g.n, sizeof(bool));
    int *pos = malloc(sizeof(int) * (size_t)g.n);
    int *stack = malloc(sizeof(int) * (size_t)(2 * g.n + 2));
    IrInst *order = malloc(sizeof(IrInst) * (size_t)(g.n ? g.n : 1));
    if (!live || !pos || !stack || !order) DG_ICE("out of memory");
    int k = 0;
    for (int r = 0; r < f->nresults; r++) {
        int sp = 0;
        stack[sp++] = f->results[r];
        stack[sp++] = 0;               /* next operand to visit */
        while (sp) {
            int v = stack[sp - 2], next = stack[sp - 1];
            if (next == 0 && live[v]) { sp -= 2; continue; }
            int arity = ir_op_arity(g.insts[v].op);
            int ops[3] = {g.insts[v].a, g.insts[v].b, g.insts[v].c};
            if (next < arity) {
                stack[sp - 1] = next + 1;
                if (!live[ops[next]]) {
                    stack[sp++] = ops[next];
                    stack[sp++] = 0;
                }
                continue;
            }
            sp -= 2;
            if (live[v]) continue;
            live[v] = true;
            IrInst in = g.insts[v];
            if (arity > 0) in.a = pos[in.a];
            if (arity > 1) in.b = pos[in.b];
            if (arity > 2) in.c = pos[in.c];
            pos[v] = k;
            order[k++] = in;
        }
    }
    memcpy(g.insts, order, sizeof(IrInst) * (size_t)k);
    g.n = k;
    for (int r = 0; r < f->nresults; r++) f->results[r] = pos[f->results[r]];
    f->insts = g.insts;
    f->n = g.n;
    f->cap = g.cap;
    free(stack);
    free(order);
    free(live);
    free(pos);
    free(remap);
}
