/* lower.c — checked model -> IR (init, step, prologue; see ir.h).
 *
 *   step form       statements in phase order; a state's current value and
 *                   each step variable's value are tracked as SSA ids.
 *   equation form   the right-hand side f(S) (fluxes in evaluation order,
 *                   then dS/dt) is emitted once per stage of the solver:
 *                   explicit Euler with n sub-steps, or classic RK4 with n
 *                   sub-steps, or implicit Euler (Newton, with the adjoint
 *                   of the converged solve); forcing is constant over the day. Outputs are
 *                   evaluated from the states at the start of the step.
 *   functions       inlined at each call (they are pure and not recursive).
 *   route(x, k(a..), n) in an output: the step reports x; the prologue
 *                   computes the n normalised weights k(j, a..), j = 0..n-1;
 *                   the runtime averages components and convolves.
 *   route(...) in a step: extra states — n weights (computed by init,
 *                   passed through) and a delay line of the last n-1 values.
 *   net calls       an MLP over IR_NETW weights (shared by all cells).
 * Lowering does not re-check the model; it reports only what code generation
 * cannot express (a route nested inside an output expression). */
#include "ir.h"
#include "frontend.h"
#include "builtins.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Environment: Sym -> current SSA value ---------------------------------- */

typedef struct Binding {
    const Sym      *sym;
    int             value;
    struct Binding *next;
} Binding;

typedef struct RouteSite RouteSite;
struct RouteSite {
    const Expr *call;       /* the route(...) expression */
    int         first_w;    /* state index of weight 0 */
    int         first_h;    /* state index of delay slot 0 (value of the previous step) */
    int         n;
    int         x;          /* this step's input value (set when the step is lowered) */
    RouteSite  *next;
};

typedef enum { CTX_INIT, CTX_STEP, CTX_PROLOGUE } LowerCtx;

typedef struct {
    Arena              *a;
    Program            *p;
    const CheckedModel *m;
    IrModel            *ir;
    IrFunc             *f;            /* function being built */
    LowerCtx            ctx;
    int                *state_val;    /* current value of each user state */
    int                *local_val;    /* by Sym.index of SYM_LOCAL */
    int                *flux_val;     /* by Sym.index of SYM_FLUX */
    Binding            *fn_env;       /* inlined function parameters and variables */
    RouteSite          *routes;       /* routes inside the step (extra states) */
    int                 nstates_alloc;
    IrNamed            *gen_states;   /* generated states, in index order after user states */
    int                 ngen, capgen;
    int                *net_offset;   /* first IR_NETW index of each net */
    struct CallMemo    *memo;         /* inlined calls by (function, arguments) */
    int                 nmemo, capmemo;
    bool                failed;
} Lower;

static int lower_expr(Lower *L, const Expr *e);

static void fail(Lower *L, Span s, const char *msg) {
    diag_error(L->p->diag, s, "%s", msg);
    L->failed = true;
}

/* A time step is straight-line code: sub-steps, Newton iterations and
 * inlined functions multiply its size. Past this many instructions lowering
 * stops with an error instead of exhausting memory. */
enum { LOWER_MAX_INSTS = 4000000 };

static bool too_big(Lower *L) {
    if (L->f->n < LOWER_MAX_INSTS) return false;
    if (!L->failed)
        fail(L, L->m->span, "the model needs more than 4 million operations per time step; "
                            "use fewer sub-steps or iterations, or simpler functions");
    return true;
}

static int emit(Lower *L, IrOp op, int a, int b, int c, Span s) {
    if (too_big(L)) return 0;
    return ir_emit(L->a, L->f, op, a, b, c, s);
}
static int konst(Lower *L, double v, Span s) {
    if (too_big(L)) return 0;
    return ir_emit_leaf(L->a, L->f, IR_CONST, -1, v, s);
}
static int leaf(Lower *L, IrOp op, int index, Span s) {
    if (too_big(L)) return 0;
    return ir_emit_leaf(L->a, L->f, op, index, 0, s);
}

/* ---- Inlined calls, memoised ------------------------------------------------------
 * A pure function called twice with the same argument values gives the same
 * value: reuse it (without this, functions calling functions twice inline
 * exponentially many copies). Keyed by function, argument ids and the IR
 * function being built. */
typedef struct CallMemo {
    const IrFunc *f;
    const FnDecl *fn;
    int          *args;
    int           nargs;
    int           result;
} CallMemo;

static uint64_t memo_hash(const IrFunc *f, const FnDecl *fn, const int *args, int n) {
    uint64_t h = (uint64_t)(uintptr_t)f * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)fn;
    for (int i = 0; i < n; i++) h = (h ^ (uint64_t)(uint32_t)args[i]) * 0x100000001B3ULL;
    return h;
}

static CallMemo *memo_slot(Lower *L, const FnDecl *fn, const int *args, int n, bool *found) {
    if (2 * (L->nmemo + 1) > L->capmemo) {   /* grow at 50 % load */
        int ncap = L->capmemo ? L->capmemo * 2 : 256;
        CallMemo *nm = ARENA_ARRAY(L->a, CallMemo, ncap);
        for (int i = 0; i < L->capmemo; i++) {
            CallMemo *o = &L->memo[i];
            if (!o->fn) continue;
            uint64_t h = memo_hash(o->f, o->fn, o->args, o->nargs);
            int j = (int)(h & (uint64_t)(ncap - 1));
            while (nm[j].fn) j = (j + 1) & (ncap - 1);
            nm[j] = *o;
        }
        L->memo = nm;
        L->capmemo = ncap;
    }
    uint64_t h = memo_hash(L->f, fn, args, n);
    for (int j = (int)(h & (uint64_t)(L->capmemo - 1));; j = (j + 1) & (L->capmemo - 1)) {
        CallMemo *c = &L->memo[j];
        if (!c->fn) { *found = false; return c; }
        if (c->f == L->f && c->fn == fn && c->nargs == n && !memcmp(c->args, args, sizeof(int) * (size_t)n)) {
            *found = true;
            return c;
        }
    }
}

static int fn_lookup(Lower *L, const Sym *sym) {
    for (Binding *b = L->fn_env; b; b = b->next)
        if (b->sym == sym) return b->value;
    return -1;
}

static void fn_bind(Lower *L, const Sym *sym, int value) {
    Binding *b = ARENA_NEW(L->a, Binding);
    b->sym = sym;
    b->value = value;
    b->next = L->fn_env;
    L->fn_env = b;
}

/* ---- Names -------------------------------------------------------------------- */

static int lower_name(Lower *L, const Expr *e) {
    const ExprInfo *in = expr_info(e);
    const Sym *s = in->sym;
    if (in->is_const) return konst(L, in->value, e->span);
    switch (s->kind) {
    case SYM_INPUT: return leaf(L, IR_INPUT, s->index, e->span);
    case SYM_PARAM: return leaf(L, IR_PARAM, s->index, e->span);
    case SYM_CONST: return konst(L, s->const_value, e->span);
    case SYM_STATE: return L->state_val ? L->state_val[s->index] : leaf(L, IR_STATE, s->index, e->span);
    case SYM_LOCAL: return L->local_val[s->index];
    case SYM_FLUX: return L->flux_val[s->index];
    case SYM_FNPARAM:
    case SYM_FNLOCAL: {
        int v = fn_lookup(L, s);
        if (v < 0) DG_ICE("unbound function variable '%s'", s->name);
        return v;
    }
    case SYM_OUTPUT:
    case SYM_NET: break;
    }
    DG_ICE("cannot lower a reference to %s '%s'", sym_kind_name(s->kind), s->name);
}

/* ---- Calls -------------------------------------------------------------------- */

/* Inlines a pure function at a call: binds its parameters (the Syms the
 * checker made for them) to the argument values, runs the body. `pre` are
 * leading arguments supplied by the caller (a kernel's ordinate index). */
static int call_fn(Lower *L, const Expr *e, const FnDecl *fn, const int *pre, int npre) {
    int n = e->call.nargs + npre;
    int *args = ARENA_ARRAY(L->a, int, n ? n : 1);
    for (int i = 0; i < npre; i++) args[i] = pre[i];
    for (int i = 0; i < e->call.nargs; i++) args[npre + i] = lower_expr(L, e->call.args[i]);
    if (L->failed) return 0;
    bool found;
    CallMemo *memo = memo_slot(L, fn, args, n, &found);
    if (found) return memo->result;
    Binding *saved = L->fn_env;
    L->fn_env = NULL;
    for (int i = 0; i < fn->nparams && i < n; i++) {
        const Sym *ps = fn->sema ? ((Sym *const *)fn->sema)[i] : NULL;
        if (!ps) DG_ICE("function '%s' was not checked", fn->name.name);
        fn_bind(L, ps, args[i]);
    }
    int r = -1;
    for (int i = 0; i < fn->nbody; i++) {
        const Stmt *st = fn->body[i];
        int v = lower_expr(L, st->value);
        if (st->kind == STMT_RETURN) { r = v; break; }
        const Sym *target = st->sema;
        if (st->kind == STMT_ASSIGN) fn_bind(L, target, v);
        else fn_bind(L, target, emit(L, st->kind == STMT_ADD ? IR_ADD : IR_SUB, fn_lookup(L, target), v, -1, st->span));
    }
    L->fn_env = saved;
    if (r < 0) DG_ICE("function '%s' has no return", fn->name.name);
    /* the slot may have moved if nested calls grew the table */
    memo = memo_slot(L, fn, args, n, &found);
    if (!found) {
        *memo = (CallMemo){.f = L->f, .fn = fn, .args = args, .nargs = n, .result = r};
        L->nmemo++;
    }
    return r;
}

/* Kernel weights w_j = k(j, args) / sum_j k(j, args), j = 0..n-1. */
static void kernel_weights(Lower *L, const Expr *kcall, int n, int *w) {
    const FnDecl *fn = expr_info(kcall)->fn;
    int sum = -1;
    for (int j = 0; j < n; j++) {
        int jv = konst(L, j, kcall->span);
        w[j] = call_fn(L, kcall, fn, &jv, 1);
        sum = j == 0 ? w[j] : emit(L, IR_ADD, sum, w[j], -1, kcall->span);
    }
    for (int j = 0; j < n; j++) w[j] = emit(L, IR_DIV, w[j], sum, -1, kcall->span);
}

static int route_len(const Expr *e) { return (int)expr_info(e->call.args[2])->value; }

/* route(x, k(...), n) inside a step: y = sum_j w_j x_{t-j}. */
static int lower_step_route(Lower *L, const Expr *e) {
    RouteSite *site = NULL;
    for (RouteSite *r = L->routes; r; r = r->next)
        if (r->call == e) site = r;
    if (!site) DG_ICE("route site was not registered");
    int x = lower_expr(L, e->call.args[0]);
    site->x = x;
    int y = -1;
    for (int j = 0; j < site->n; j++) {
        int xj = j == 0 ? x : leaf(L, IR_STATE, site->first_h + j - 1, e->span);
        int term = emit(L, IR_MUL, leaf(L, IR_STATE, site->first_w + j, e->span), xj, -1, e->span);
        y = j == 0 ? term : emit(L, IR_ADD, y, term, -1, e->span);
    }
    return y;   /* the delay line shifts in build_step's results */
}

static int activation(Lower *L, const char *name, int x, Span s) {
    if (!name || !strcmp(name, "tanh")) return emit(L, IR_TANH, x, -1, -1, s);
    if (!strcmp(name, "relu")) return emit(L, IR_RELU, x, -1, -1, s);
    if (!strcmp(name, "sigmoid")) return emit(L, IR_SIGMOID, x, -1, -1, s);
    if (!strcmp(name, "softplus")) return emit(L, IR_SOFTPLUS, x, -1, -1, s);
    if (!strcmp(name, "elu")) {
        int pos = emit(L, IR_GT, x, konst(L, 0, s), -1, s);
        int neg = emit(L, IR_SUB, emit(L, IR_EXP, x, -1, -1, s), konst(L, 1, s), -1, s);
        return emit(L, IR_SELECT, pos, x, neg, s);
    }
    return x;   /* linear */
}

/* An MLP call: h_{l+1} = act(W_l h_l + b_l); weights row-major per layer, then biases. */
static int *lower_net_call(Lower *L, const Expr *e) {
    const Sym *net = expr_info(e)->sym;
    const NetSpec *ns = net->net;
    int width = ns->sizes[0];
    int *h = ARENA_ARRAY(L->a, int, width);
    for (int i = 0; i < width; i++) h[i] = lower_expr(L, e->call.args[i]);
    int w = L->net_offset[net->index];
    const char *out_act = L->ir->nets[net->index].output_activation;
    for (int l = 1; l < ns->nsizes; l++) {
        int nin = ns->sizes[l - 1], nout = ns->sizes[l];
        int *next = ARENA_ARRAY(L->a, int, nout);
        for (int o = 0; o < nout; o++) {
            int acc = leaf(L, IR_NETW, w + nin * nout + o, e->span);   /* bias */
            for (int i = 0; i < nin; i++) {
                int wi = leaf(L, IR_NETW, w + o * nin + i, e->span);
                acc = emit(L, IR_ADD, acc, emit(L, IR_MUL, wi, h[i], -1, e->span), -1, e->span);
            }
            bool last = l == ns->nsizes - 1;
            next[o] = activation(L, last ? out_act : L->ir->nets[net->index].activation, acc, e->span);
        }
        w += nin * nout + nout;
        h = next;
    }
    return h;
}

static const IrOp unary_builtin[BI_COUNT] = {
    [BI_ABS] = IR_ABS,     [BI_RELU] = IR_RELU,       [BI_EXP] = IR_EXP,   [BI_LOG] = IR_LOG,
    [BI_LOG10] = IR_LOG10, [BI_TANH] = IR_TANH,       [BI_SIGMOID] = IR_SIGMOID,
    [BI_SOFTPLUS] = IR_SOFTPLUS, [BI_SIN] = IR_SIN,   [BI_COS] = IR_COS,   [BI_TAN] = IR_TAN,
    [BI_ASIN] = IR_ASIN,   [BI_ACOS] = IR_ACOS,       [BI_ATAN] = IR_ATAN, [BI_LGAMMA] = IR_LGAMMA,
    [BI_SQRT] = IR_SQRT,   [BI_STEP] = IR_STEP,       [BI_FLOOR] = IR_FLOOR,
};

static int lower_call(Lower *L, const Expr *e) {
    const ExprInfo *in = expr_info(e);
    if (in->is_const) return konst(L, in->value, e->span);
    switch (in->call) {
    case CALL_FN: return call_fn(L, e, in->fn, NULL, 0);
    case CALL_NET: return lower_net_call(L, e)[0];
    case CALL_BUILTIN: break;
    case CALL_NONE: DG_ICE("unresolved call '%s'", e->call.callee.name);
    }
    int id = in->builtin;
    Span s = e->span;
    switch (id) {
    case BI_MIN:
    case BI_MAX: {
        int acc = lower_expr(L, e->call.args[0]);
        for (int i = 1; i < e->call.nargs; i++)
            acc = emit(L, id == BI_MIN ? IR_MIN : IR_MAX, acc, lower_expr(L, e->call.args[i]), -1, s);
        return acc;
    }
    case BI_CLAMP:
        return emit(L, IR_CLAMP, lower_expr(L, e->call.args[0]), lower_expr(L, e->call.args[1]),
                    lower_expr(L, e->call.args[2]), s);
    case BI_ROUTE:
        if (L->ctx == CTX_STEP) return lower_step_route(L, e);
        fail(L, s, "route(...) must be the whole expression of an output");
        return konst(L, 0, s);
    case BI_NORM: {   /* (X - mean) / std, the statistics constants of the run */
        int i = expr_info(e->call.args[0])->sym->index;
        L->ir->input_normed[i] = true;
        int x = emit(L, IR_SUB, leaf(L, IR_INPUT, i, s), leaf(L, IR_INMEAN, i, s), -1, s);
        return emit(L, IR_DIV, x, leaf(L, IR_INSTD, i, s), -1, s);
    }
    default:
        return emit(L, unary_builtin[id], lower_expr(L, e->call.args[0]), -1, -1, s);
    }
}

/* ---- Expressions ---------------------------------------------------------------- */

static const IrOp binop[] = {
    [OP_ADD] = IR_ADD, [OP_SUB] = IR_SUB, [OP_MUL] = IR_MUL, [OP_DIV] = IR_DIV, [OP_POW] = IR_POW,
    [OP_LT] = IR_LT,   [OP_LE] = IR_LE,   [OP_GT] = IR_GT,   [OP_GE] = IR_GE,   [OP_EQ] = IR_EQ,
    [OP_NE] = IR_NE,   [OP_AND] = IR_AND, [OP_OR] = IR_OR,
};

static int lower_expr(Lower *L, const Expr *e) {
    const ExprInfo *in = expr_info(e);
    if (!in) DG_ICE("expression was not checked");
    if (in->is_const && !in->is_bool && e->kind != EXPR_CALL) return konst(L, in->value, e->span);
    switch (e->kind) {
    case EXPR_NUM: return konst(L, e->num, e->span);
    case EXPR_NAME: return lower_name(L, e);
    case EXPR_UNARY:
        return emit(L, e->unary.op == OP_NEG ? IR_NEG : IR_NOT, lower_expr(L, e->unary.arg), -1, -1, e->span);
    case EXPR_BINARY:
        return emit(L, binop[e->binary.op], lower_expr(L, e->binary.lhs), lower_expr(L, e->binary.rhs), -1, e->span);
    case EXPR_CALL: return lower_call(L, e);
    case EXPR_INDEX: {
        int *outs = lower_net_call(L, e->index.base);
        return outs[(int)expr_info(e->index.index)->value];
    }
    case EXPR_IF:
        return emit(L, IR_SELECT, lower_expr(L, e->cond.c), lower_expr(L, e->cond.then), lower_expr(L, e->cond.els),
                    e->span);
    }
    DG_ICE("unknown expression kind");
}

/* ---- Step routes: find them, allocate their states -------------------------------- */

static int add_gen_state(Lower *L, const char *name) {
    if (L->ngen == L->capgen) {
        int ncap = L->capgen ? L->capgen * 2 : 16;
        IrNamed *ng = ARENA_ARRAY(L->a, IrNamed, ncap);
        if (L->ngen) memcpy(ng, L->gen_states, sizeof(IrNamed) * (size_t)L->ngen);
        L->gen_states = ng;
        L->capgen = ncap;
    }
    L->gen_states[L->ngen].name = name;
    L->gen_states[L->ngen].unit = "";
    L->ngen++;
    return L->nstates_alloc++;
}

static void find_routes(Lower *L, const Expr *e, const char *owner) {
    if (!e) return;
    switch (e->kind) {
    case EXPR_UNARY: find_routes(L, e->unary.arg, owner); return;
    case EXPR_BINARY: find_routes(L, e->binary.lhs, owner); find_routes(L, e->binary.rhs, owner); return;
    case EXPR_IF: find_routes(L, e->cond.c, owner); find_routes(L, e->cond.then, owner); find_routes(L, e->cond.els, owner); return;
    case EXPR_INDEX: find_routes(L, e->index.base, owner); return;
    case EXPR_CALL: {
        for (int i = 0; i < e->call.nargs; i++) find_routes(L, e->call.args[i], owner);
        const ExprInfo *in = expr_info(e);
        if (in->call != CALL_BUILTIN || in->builtin != BI_ROUTE) return;
        RouteSite *r = ARENA_NEW(L->a, RouteSite);
        r->call = e;
        r->n = route_len(e);
        r->first_w = L->nstates_alloc;
        for (int j = 0; j < r->n; j++) add_gen_state(L, arena_printf(L->a, "%s.w%d", owner, j));
        r->first_h = L->nstates_alloc;
        for (int j = 1; j < r->n; j++) add_gen_state(L, arena_printf(L->a, "%s.x%d", owner, j));
        r->next = L->routes;
        L->routes = r;
        return;
    }
    default: return;
    }
}

/* ---- Equation form ------------------------------------------------------------------ */

/* f(S): fluxes in evaluation order, then dS/dt per state (0 without equation). */
static void rhs(Lower *L, const int *S, int *dS) {
    const CheckedModel *m = L->m;
    int *saved = L->state_val;
    L->state_val = (int *)S;
    for (int i = 0; i < m->fluxes.n; i++) {
        const Sym *f = m->fluxes.items[i];
        L->flux_val[f->index] = lower_expr(L, f->def);
    }
    for (int i = 0; i < m->states.n; i++)
        dS[i] = m->state_rhs[i] ? lower_expr(L, m->state_rhs[i]) : konst(L, 0, m->states.items[i]->span);
    L->state_val = saved;
}

static void axpy(Lower *L, int n, const int *x, double h, const int *k, int *out, Span s) {
    for (int i = 0; i < n; i++) out[i] = emit(L, IR_ADD, x[i], emit(L, IR_MUL, konst(L, h, s), k[i], -1, s), -1, s);
}

/* Solves A x = r for x (A n x n row-major value ids), by Gaussian
 * elimination without pivoting, emitted as IR: I - hJ is close to the
 * identity for the step sizes of daily hydrological models. A and r are
 * overwritten. */
static void solve_linear(Lower *L, int n, int *A, int *r, int *x, Span s) {
    for (int k = 0; k < n; k++)
        for (int i = k + 1; i < n; i++) {
            int f = emit(L, IR_DIV, A[i * n + k], A[k * n + k], -1, s);
            for (int j = k + 1; j < n; j++)
                A[i * n + j] = emit(L, IR_SUB, A[i * n + j], emit(L, IR_MUL, f, A[k * n + j], -1, s), -1, s);
            r[i] = emit(L, IR_SUB, r[i], emit(L, IR_MUL, f, r[k], -1, s), -1, s);
        }
    for (int i = n - 1; i >= 0; i--) {
        int acc = r[i];
        for (int j = i + 1; j < n; j++) acc = emit(L, IR_SUB, acc, emit(L, IR_MUL, A[i * n + j], x[j], -1, s), -1, s);
        x[i] = emit(L, IR_DIV, acc, A[i * n + i], -1, s);
    }
}

/* F = f(X) and A = I - h df/dS at X (forward-mode tangents, one per state). */
static void newton_system(Lower *L, const int *X, double h, int *F, int *A, Span s) {
    int n = L->m->states.n;
    int begin = L->f->n;
    rhs(L, X, F);
    int end = L->f->n;
    int *col = ARENA_ARRAY(L->a, int, n);
    for (int j = 0; j < n && !too_big(L); j++) {
        int one = konst(L, 1, s);
        ad_tangent(L->a, L->f, begin, end, &X[j], &one, 1, F, n, col);
        for (int i = 0; i < n; i++) {
            int hj = emit(L, IR_MUL, konst(L, h, s), col[i], -1, s);
            A[i * n + j] = emit(L, IR_SUB, konst(L, i == j, s), hj, -1, s);
        }
    }
}

/* Implicit Euler, S1 = S0 + h f(S1): Newton iterations (frozen once every
 * residual is below tol), then — from the converged X, detached from the
 * gradient — one more Newton step with a detached matrix:
 *     S1 = X - A^-1 (X - S0 - h f(X, theta)),   A = nograd(I - h J(X)).
 * Its value refines X; its adjoint is the implicit-function adjoint of the
 * converged solve (Song et al. 2024): lambda = A^-T S1bar, S0bar = lambda,
 * thetabar = h (df/dtheta)^T lambda — not differentiation through the
 * iterations. */
static void implicit_euler(Lower *L, int *S, double h) {
    const CheckedModel *m = L->m;
    int n = m->states.n;
    Span s = m->solver.span;
    int *S0 = ARENA_ARRAY(L->a, int, n), *X = ARENA_ARRAY(L->a, int, n), *F = ARENA_ARRAY(L->a, int, n);
    int *R = ARENA_ARRAY(L->a, int, n), *A = ARENA_ARRAY(L->a, int, n * n), *d = ARENA_ARRAY(L->a, int, n);
    memcpy(S0, S, sizeof(int) * (size_t)n);
    memcpy(X, S, sizeof(int) * (size_t)n);
    int tol = konst(L, m->solver.tolerance, s);
    for (int it = 0; it < m->solver.iterations && !L->failed; it++) {
        newton_system(L, X, h, F, A, s);
        int converged = -1;
        for (int i = 0; i < n; i++) {
            R[i] = emit(L, IR_SUB, emit(L, IR_SUB, X[i], S0[i], -1, s), emit(L, IR_MUL, konst(L, h, s), F[i], -1, s), -1, s);
            int small = emit(L, IR_LE, emit(L, IR_ABS, R[i], -1, -1, s), tol, -1, s);
            converged = converged < 0 ? small : emit(L, IR_AND, converged, small, -1, s);
        }
        solve_linear(L, n, A, R, d, s);
        for (int i = 0; i < n; i++)
            X[i] = emit(L, IR_SELECT, converged, X[i], emit(L, IR_SUB, X[i], d[i], -1, s), s);
    }
    for (int i = 0; i < n; i++) X[i] = emit(L, IR_NOGRAD, X[i], -1, -1, s);
    newton_system(L, X, h, F, A, s);
    for (int i = 0; i < n * n; i++) A[i] = emit(L, IR_NOGRAD, A[i], -1, -1, s);
    for (int i = 0; i < n; i++)
        R[i] = emit(L, IR_SUB, emit(L, IR_SUB, X[i], S0[i], -1, s), emit(L, IR_MUL, konst(L, h, s), F[i], -1, s), -1, s);
    solve_linear(L, n, A, R, d, s);
    for (int i = 0; i < n; i++) S[i] = emit(L, IR_SUB, X[i], d[i], -1, s);
}

static void solve_equations(Lower *L, int *S) {
    const CheckedModel *m = L->m;
    int n = m->states.n;
    Span s = m->solver.span;
    int sub = m->solver.substeps;
    double h = 1.0 / sub;
    int *k1 = ARENA_ARRAY(L->a, int, n), *k2 = ARENA_ARRAY(L->a, int, n), *k3 = ARENA_ARRAY(L->a, int, n),
        *k4 = ARENA_ARRAY(L->a, int, n), *tmp = ARENA_ARRAY(L->a, int, n);
    for (int step = 0; step < sub && !L->failed; step++) {
        if (m->solver.kind == SOLVER_IMPLICIT_EULER) {
            implicit_euler(L, S, h);
            continue;
        }
        if (m->solver.kind == SOLVER_EULER) {
            rhs(L, S, k1);
            axpy(L, n, S, h, k1, S, s);
            continue;
        }
        /* classic RK4 */
        rhs(L, S, k1);
        axpy(L, n, S, h / 2, k1, tmp, s);
        rhs(L, tmp, k2);
        axpy(L, n, S, h / 2, k2, tmp, s);
        rhs(L, tmp, k3);
        axpy(L, n, S, h, k3, tmp, s);
        rhs(L, tmp, k4);
        for (int i = 0; i < n; i++) {
            int sum = emit(L, IR_ADD, k1[i], emit(L, IR_MUL, konst(L, 2, s), k2[i], -1, s), -1, s);
            sum = emit(L, IR_ADD, sum, emit(L, IR_MUL, konst(L, 2, s), k3[i], -1, s), -1, s);
            sum = emit(L, IR_ADD, sum, k4[i], -1, s);
            S[i] = emit(L, IR_ADD, S[i], emit(L, IR_MUL, konst(L, h / 6, s), sum, -1, s), -1, s);
        }
    }
}

/* ---- Functions of the model ------------------------------------------------------------ */

static void set_results(Lower *L, IrFunc *f, const int *vals, int n) {
    f->results = ARENA_ARRAY(L->a, int, n ? n : 1);
    memcpy(f->results, vals, sizeof(int) * (size_t)n);
    f->nresults = n;
}

/* Statements of a step phase, in order. A repeat is unrolled: pass k runs
 * the body on the values pass k-1 left. With `while c`, c is evaluated before
 * each pass and, once false, stays false: every state and step variable a
 * skipped pass would change keeps its value (a select on the running
 * condition), so the passes that run are those of a bounded while loop. */
static void lower_stmts(Lower *L, const CheckedStmt *stmts, int n) {
    const CheckedModel *m = L->m;
    for (int k = 0; k < n && !L->failed; k++) {
        const CheckedStmt *cs = &stmts[k];
        const Stmt *st = cs->stmt;
        if (st->kind == STMT_REPEAT) {
            int nu = m->states.n, nl = m->nlocal_slots;
            int *before = ARENA_ARRAY(L->a, int, nu + nl + 1);
            int running = -1;   /* the `while` condition so far (a boolean value id) */
            for (int pass = 0; pass < cs->passes && !L->failed; pass++) {
                if (cs->cond) {
                    int c = lower_expr(L, cs->cond);
                    running = running < 0 ? c : emit(L, IR_AND, running, c, -1, cs->cond->span);
                    memcpy(before, L->state_val, sizeof(int) * (size_t)nu);
                    memcpy(before + nu, L->local_val, sizeof(int) * (size_t)nl);
                }
                lower_stmts(L, cs->body, cs->nbody);
                if (!cs->cond) continue;
                for (int i = 0; i < nu; i++)
                    if (L->state_val[i] != before[i])
                        L->state_val[i] = emit(L, IR_SELECT, running, L->state_val[i], before[i], st->span);
                for (int i = 0; i < nl; i++)
                    if (L->local_val[i] != before[nu + i] && before[nu + i] >= 0)
                        L->local_val[i] = emit(L, IR_SELECT, running, L->local_val[i], before[nu + i], st->span);
            }
            continue;
        }
        int v = lower_expr(L, st->value);
        int *slot = cs->target->kind == SYM_STATE ? &L->state_val[cs->target->index] : &L->local_val[cs->target->index];
        if (st->kind == STMT_ASSIGN) *slot = v;
        else *slot = emit(L, st->kind == STMT_ADD ? IR_ADD : IR_SUB, *slot, v, -1, st->span);
    }
}

static void build_step(Lower *L) {
    const CheckedModel *m = L->m;
    IrModel *ir = L->ir;
    L->f = &ir->step;
    L->ctx = CTX_STEP;
    int nu = m->states.n;
    L->state_val = ARENA_ARRAY(L->a, int, nu ? nu : 1);
    for (int i = 0; i < nu; i++) L->state_val[i] = leaf(L, IR_STATE, i, m->states.items[i]->span);

    int *outputs = ARENA_ARRAY(L->a, int, m->outputs.n ? m->outputs.n : 1);
    if (m->form == FORM_STEP) {
        for (int p = 0; p < m->nphases; p++) lower_stmts(L, m->phases[p].stmts, m->phases[p].nstmts);
    } else if (m->form == FORM_EQUATIONS) {
        int *S = ARENA_ARRAY(L->a, int, nu ? nu : 1), *dS = ARENA_ARRAY(L->a, int, nu ? nu : 1);
        memcpy(S, L->state_val, sizeof(int) * (size_t)nu);
        rhs(L, S, dS);   /* fluxes at the start of the step, for the outputs */
        int *flux_start = ARENA_ARRAY(L->a, int, m->fluxes.n ? m->fluxes.n : 1);
        memcpy(flux_start, L->flux_val, sizeof(int) * (size_t)m->fluxes.n);
        solve_equations(L, S);
        /* outputs see the start-of-step states and fluxes */
        memcpy(L->flux_val, flux_start, sizeof(int) * (size_t)m->fluxes.n);
        for (int i = 0; i < m->outputs.n; i++) {
            const Expr *d = m->outputs.items[i]->def;
            const ExprInfo *in = expr_info(d);
            bool routed = d->kind == EXPR_CALL && in->call == CALL_BUILTIN && in->builtin == BI_ROUTE;
            outputs[i] = lower_expr(L, routed ? d->call.args[0] : d);
        }
        memcpy(L->state_val, S, sizeof(int) * (size_t)nu);
        goto results;
    }
    for (int i = 0; i < m->outputs.n; i++) {
        const Expr *d = m->outputs.items[i]->def;
        const ExprInfo *in = expr_info(d);
        bool routed = d->kind == EXPR_CALL && in->call == CALL_BUILTIN && in->builtin == BI_ROUTE;
        outputs[i] = lower_expr(L, routed ? d->call.args[0] : d);
    }
results:;
    /* results: user states, generated states (weights pass through, delay lines shift), outputs */
    int ns = L->nstates_alloc;
    int *res = ARENA_ARRAY(L->a, int, ns + m->outputs.n + 1);
    for (int i = 0; i < nu; i++) res[i] = L->state_val[i];
    for (int i = nu; i < ns; i++) res[i] = leaf(L, IR_STATE, i, m->span);
    for (RouteSite *r = L->routes; r; r = r->next) {
        if (r->n < 2) continue;
        int x = r->x;   /* the newest value enters slot 0, slot j takes slot j-1 */
        res[r->first_h] = x;
        for (int j = 1; j < r->n - 1; j++) res[r->first_h + j] = leaf(L, IR_STATE, r->first_h + j - 1, m->span);
    }
    for (int i = 0; i < m->outputs.n; i++) res[ns + i] = outputs[i];
    set_results(L, &ir->step, res, ns + m->outputs.n);
}

static void build_init(Lower *L) {
    const CheckedModel *m = L->m;
    IrModel *ir = L->ir;
    L->f = &ir->init;
    L->ctx = CTX_INIT;
    L->state_val = NULL;
    int ns = L->nstates_alloc;
    int *res = ARENA_ARRAY(L->a, int, ns ? ns : 1);
    for (int i = 0; i < m->states.n; i++) res[i] = lower_expr(L, m->states.items[i]->def);
    for (int i = m->states.n; i < ns; i++) res[i] = konst(L, 0, m->span);
    for (RouteSite *r = L->routes; r; r = r->next) {
        const Expr *k = r->call->call.args[1];
        kernel_weights(L, k, r->n, res + r->first_w);
    }
    set_results(L, &ir->init, res, ns);
}

static void build_prologue(Lower *L) {
    const CheckedModel *m = L->m;
    IrModel *ir = L->ir;
    L->f = &ir->prologue;
    L->ctx = CTX_PROLOGUE;
    L->state_val = NULL;
    int total = 0;
    for (int i = 0; i < m->outputs.n; i++) {
        const Expr *d = m->outputs.items[i]->def;
        const ExprInfo *in = expr_info(d);
        ir->outputs[i].route_weights = -1;
        if (d->kind == EXPR_CALL && in->call == CALL_BUILTIN && in->builtin == BI_ROUTE) {
            ir->outputs[i].route_weights = total;
            ir->outputs[i].route_len = route_len(d);
            total += route_len(d);
        }
    }
    int *res = ARENA_ARRAY(L->a, int, total ? total : 1);
    for (int i = 0; i < m->outputs.n; i++) {
        if (ir->outputs[i].route_weights < 0) continue;
        const Expr *d = m->outputs.items[i]->def;
        kernel_weights(L, d->call.args[1], ir->outputs[i].route_len, res + ir->outputs[i].route_weights);
    }
    ir->nweights = total;
    set_results(L, &ir->prologue, res, total);
}

/* Routes nested inside output expressions cannot be lowered (the series
 * operator applies to a whole output). */
static bool route_inside(const Expr *e, bool top) {
    if (!e) return false;
    switch (e->kind) {
    case EXPR_UNARY: return route_inside(e->unary.arg, false);
    case EXPR_BINARY: return route_inside(e->binary.lhs, false) || route_inside(e->binary.rhs, false);
    case EXPR_IF: return route_inside(e->cond.c, false) || route_inside(e->cond.then, false) || route_inside(e->cond.els, false);
    case EXPR_INDEX: return route_inside(e->index.base, false);
    case EXPR_CALL: {
        const ExprInfo *in = expr_info(e);
        bool is_route = in->call == CALL_BUILTIN && in->builtin == BI_ROUTE;
        if (is_route && !top) return true;
        for (int i = 0; i < e->call.nargs; i++)
            if (route_inside(e->call.args[i], false)) return true;
        return false;
    }
    default: return false;
    }
}

static void mark_params_used(const IrFunc *f, bool *used) {
    for (int i = 0; i < f->n; i++)
        if (f->insts[i].op == IR_PARAM) used[f->insts[i].index] = true;
}

IrModel *lower_model(Arena *a, Program *p, const CheckedModel *m) {
    Lower L = {.a = a, .p = p, .m = m};
    IrModel *ir = ARENA_NEW(a, IrModel);
    L.ir = ir;
    ir->name = m->name;
    ir->doc = m->doc ? m->doc : "";
    ir->components = m->components;
    ir->init.name = "init";
    ir->step.name = "step";
    ir->prologue.name = "prologue";

    for (int i = 0; i < m->outputs.n; i++)
        if (route_inside(m->outputs.items[i]->def, true))
            fail(&L, m->outputs.items[i]->def->span,
                 "route(...) must be the whole expression of an output (it is applied after the time loop)");
    if (m->form == FORM_NONE) fail(&L, m->span, "model has no time step to generate code for");
    if (L.failed) return NULL;

    ir->nparams = m->params.n;
    ir->params = ARENA_ARRAY(a, IrParam, m->params.n ? m->params.n : 1);
    for (int i = 0; i < m->params.n; i++) {
        const Sym *s = m->params.items[i];
        IrParam *q = &ir->params[i];
        q->name = s->name;
        q->unit = s->unit.text ? s->unit.text : "";
        q->has_bounds = s->has_bounds;
        q->lo = s->has_bounds ? s->lo : NAN;
        q->hi = s->has_bounds ? s->hi : NAN;
        q->has_value = s->has_value;
        q->value = s->has_value ? s->value : NAN;
        q->mark = (int)s->mark;
    }
    ir->ninputs = m->inputs.n;
    ir->inputs = ARENA_ARRAY(a, IrNamed, m->inputs.n ? m->inputs.n : 1);
    ir->input_normed = ARENA_ARRAY(a, bool, m->inputs.n ? m->inputs.n : 1);
    for (int i = 0; i < m->inputs.n; i++) {
        ir->inputs[i].name = m->inputs.items[i]->name;
        ir->inputs[i].unit = m->inputs.items[i]->unit.text ? m->inputs.items[i]->unit.text : "";
    }
    ir->noutputs = m->outputs.n;
    ir->outputs = ARENA_ARRAY(a, IrOutput, m->outputs.n ? m->outputs.n : 1);
    for (int i = 0; i < m->outputs.n; i++) {
        ir->outputs[i].name = m->outputs.items[i]->name;
        ir->outputs[i].unit = m->outputs.items[i]->unit.text ? m->outputs.items[i]->unit.text : "";
        ir->outputs[i].route_weights = -1;
    }
    /* in-equation networks: weights of all nets in one vector */
    L.net_offset = ARENA_ARRAY(a, int, m->nets.n ? m->nets.n : 1);
    int nw = 0;
    for (int i = 0; i < m->nets.n; i++) {
        const NetSpec *ns = m->nets.items[i]->net;
        L.net_offset[i] = nw;
        for (int l = 1; l < ns->nsizes; l++) nw += ns->sizes[l - 1] * ns->sizes[l] + ns->sizes[l];
    }
    ir->nnetw = nw;
    ir->learn.kind = (int)m->learn.kind;   /* PNET_NONE/LSTM/MLP = 0/1/2 */
    ir->learn.hidden = m->learn.hidden;
    ir->learn.layers = m->learn.layers;
    ir->learn.dropout = m->learn.dropout;
    ir->learn.nforcings = m->learn.nforcings;
    ir->learn.forcings = ARENA_ARRAY(a, int, m->learn.nforcings ? m->learn.nforcings : 1);
    for (int i = 0; i < m->learn.nforcings; i++) ir->learn.forcings[i] = m->learn.forcings[i]->index;
    ir->learn.nattributes = m->learn.nattributes;
    ir->learn.attributes = m->learn.attributes;
    ir->nnets = m->nets.n;
    ir->nets = ARENA_ARRAY(a, IrNet, m->nets.n ? m->nets.n : 1);
    for (int i = 0; i < m->nets.n; i++) {
        const NetSpec *ns = m->nets.items[i]->net;
        IrNet *n = &ir->nets[i];
        n->name = m->nets.items[i]->name;
        n->sizes = ns->sizes;
        n->nsizes = ns->nsizes;
        n->offset = L.net_offset[i];
        n->activation = ns->activation.name ? ns->activation.name : "tanh";
        n->output_activation = "linear";
        for (int k = 0; k < ns->options.n; k++)
            if (!strcmp(ns->options.items[k].name.name, "output")) n->output_activation = ns->options.items[k].value->name.name;
    }

    L.local_val = ARENA_ARRAY(a, int, m->nlocal_slots ? m->nlocal_slots : 1);
    for (int i = 0; i < m->nlocal_slots; i++) L.local_val[i] = -1;   /* not yet defined */
    L.flux_val = ARENA_ARRAY(a, int, m->fluxes.n ? m->fluxes.n : 1);
    L.nstates_alloc = m->states.n;
    for (int p2 = 0; p2 < m->nphases; p2++)
        for (int k = 0; k < m->phases[p2].nstmts; k++) {
            const CheckedStmt *cs = &m->phases[p2].stmts[k];
            if (cs->target) find_routes(&L, cs->stmt->value, cs->target->name);   /* repeat bodies have no routes */
        }

    build_step(&L);
    build_init(&L);
    build_prologue(&L);
    if (L.failed) return NULL;

    ir->nuser_states = m->states.n;
    ir->nstates = L.nstates_alloc;
    ir->states = ARENA_ARRAY(a, IrNamed, ir->nstates ? ir->nstates : 1);
    for (int i = 0; i < m->states.n; i++) {
        ir->states[i].name = m->states.items[i]->name;
        ir->states[i].unit = m->states.items[i]->unit.text ? m->states.items[i]->unit.text : "";
    }
    for (int i = 0; i < L.ngen; i++) ir->states[m->states.n + i] = L.gen_states[i];

    /* the IR is valid after lowering and after simplification (a failure is a compiler bug) */
    IrFunc *funcs[] = {&ir->init, &ir->step, &ir->prologue};
    for (int k = 0; k < 3; k++) {
        if (!ir_verify_func(funcs[k], ir->nparams, ir->ninputs, ir->nstates, 0, ir->nnetw, stderr))
            DG_ICE("invalid IR after lowering '%s'", funcs[k]->name);
        ir_simplify(a, funcs[k]);
        if (!ir_verify_func(funcs[k], ir->nparams, ir->ninputs, ir->nstates, 0, ir->nnetw, stderr))
            DG_ICE("invalid IR after simplifying '%s'", funcs[k]->name);
    }

    /* parameters only the output routing reads are one value per basin */
    bool *in_cells = calloc((size_t)(ir->nparams + 1), 1), *in_pro = calloc((size_t)(ir->nparams + 1), 1);
    mark_params_used(&ir->init, in_cells);
    mark_params_used(&ir->step, in_cells);
    mark_params_used(&ir->prologue, in_pro);
    for (int i = 0; i < ir->nparams; i++) ir->params[i].basin_level = in_pro[i] && !in_cells[i];
    free(in_cells);
    free(in_pro);
    return ir;
}
