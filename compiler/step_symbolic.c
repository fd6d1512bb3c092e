/* step_symbolic.c — evaluates a step-form model's time step symbolically
 * (see step_symbolic.h): statements run in order over polynomial values,
 * so a state's change over the step, ΔS, is its value after the last
 * statement minus the atom "S at the start".
 *
 * What the algebra opens, and what it keeps closed:
 *   + - * and division by a single term are exact; x ^ k for a whole k up to
 *   8 is expanded; `if c then a else b` is [c] a + (1 - [c]) b, with [c] a
 *   0/1 atom, so rain = [T >= TT] P and snow = [T < TT] P add up to P;
 *   user functions are inlined; route(x, ...) is x (a unit hydrograph keeps
 *   the volume: its weights sum to 1). Everything else (exp, min, max, a
 *   network, a division by a sum) is an atom keyed by its expanded
 *   arguments, so the same value written twice is the same atom.
 *   In a state assignment `S = max(v, c)` with a bound c free of inputs and
 *   states, max is opened into v + (what the floor adds), a limit atom;
 *   likewise min (a cap), relu and clamp. */
#include "step_symbolic.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_TERMS = 4000,        /* a larger value becomes an opaque atom */
    MAX_INLINE_DEPTH = 48,   /* function calls nested deeper stay closed (at most 64) */
    MAX_POWER = 8,           /* x ^ k is expanded for whole |k| <= this */
    MAX_EXPANDED_POWER = 64, /* ... and when the expansion has at most this many terms */
};

/* ---- Atoms ------------------------------------------------------------------- */

struct AtomIndex {
    const char **keys;
    int         *ids;
    int          cap, n;
};

static uint64_t hash_key(const char *s) {
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int index_find(struct AtomIndex *x, const char *key) {
    if (!x->cap) return -1;
    for (uint64_t i = hash_key(key) & (uint64_t)(x->cap - 1);; i = (i + 1) & (uint64_t)(x->cap - 1)) {
        if (!x->keys[i]) return -1;
        if (!strcmp(x->keys[i], key)) return x->ids[i];
    }
}

static void index_put(Arena *a, struct AtomIndex *x, const char *key, int id) {
    if (2 * (x->n + 1) > x->cap) {
        struct AtomIndex old = *x;
        x->cap = old.cap ? 2 * old.cap : 256;
        x->keys = ARENA_ARRAY(a, const char *, x->cap);
        x->ids = ARENA_ARRAY(a, int, x->cap);
        x->n = 0;
        for (int i = 0; i < old.cap; i++)
            if (old.keys[i]) index_put(a, x, old.keys[i], old.ids[i]);
    }
    uint64_t i = hash_key(key) & (uint64_t)(x->cap - 1);
    while (x->keys[i]) i = (i + 1) & (uint64_t)(x->cap - 1);
    x->keys[i] = key;
    x->ids[i] = id;
    x->n++;
}

const char *step_span_text(Sema *s, Arena *a, Span span, int max) {
    const SourceFile *f = src_file(&s->p->sources, span.file);
    if (!f || span.end <= span.start || span.end > f->len) return "";
    char buf[256];
    size_t n = 0;
    bool space = false;
    for (uint32_t i = span.start; i < span.end && n + 4 < sizeof buf; i++) {
        char c = f->text[i];
        if (c == '#') {   /* a comment inside a multi-line expression */
            while (i + 1 < span.end && f->text[i + 1] != '\n') i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { space = n > 0; continue; }
        if (space) buf[n++] = ' ';
        space = false;
        buf[n++] = c;
    }
    if ((int)n > max) {
        n = (size_t)(max > 3 ? max - 3 : 0);
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    return arena_strndup(a, buf, n);
}

typedef struct {
    Sym  **syms;
    Poly  *vals;
    int    n, cap;
} Frame;

typedef struct {
    Sema         *s;
    CheckedModel *m;
    Arena        *a;
    StepSystem   *sys;
    const FnDecl *inlining[64];   /* functions being inlined, outermost first */
    Poly         *state_val;   /* per state: value so far in the step (or its current version atom) */
    Poly         *local_val;   /* per step variable: value so far */
    int          *version;     /* moves pass: per state, statements that changed it so far; NULL otherwise */
    bool          quiet;       /* the second pass: no diagnostics, no first uses */
    Frame        *frame;       /* the function being inlined; NULL in the model */
    int           depth;
    int           nopaque;
} Ev;

static int atom_get(Ev *ev, AtomKind kind, const char *key, Span span, bool dynamic) {
    StepSystem *sys = ev->sys;
    int id = index_find(sys->index, key);
    if (id >= 0) return id;
    if (sys->natoms == sys->cap) {
        int ncap = sys->cap ? 2 * sys->cap : 64;
        Atom *na = ARENA_ARRAY(ev->a, Atom, ncap);
        if (sys->natoms) memcpy(na, sys->atoms, sizeof(Atom) * (size_t)sys->natoms);
        sys->atoms = na;
        sys->cap = ncap;
    }
    id = sys->natoms++;
    Atom *at = &sys->atoms[id];
    memset(at, 0, sizeof *at);
    at->kind = kind;
    at->key = key;
    at->span = span;
    at->dynamic = dynamic;
    at->state = -1;
    at->text = step_span_text(ev->s, ev->a, span, 60);
    index_put(ev->a, sys->index, key, id);
    poly_ctx_add_atom(&sys->pc, id, kind == ATOM_COND);
    return id;
}

static bool is_dynamic(Ev *ev, Poly p) {
    for (int i = 0; i < p.n; i++)
        for (int k = 0; k < p.t[i].nf; k++)
            if (ev->sys->atoms[p.t[i].f[k].atom].dynamic) return true;
    return false;
}

/* A result that outgrew MAX_TERMS: from here on it is one opaque atom. */
static Poly fit(Ev *ev, Poly p, Span span) {
    if (!ev->sys->pc.overflow) return p;
    ev->sys->pc.overflow = false;
    ev->sys->inexact = true;
    const char *key = arena_printf(ev->a, "opaque#%d", ev->nopaque++);
    return poly_atom(&ev->sys->pc, atom_get(ev, ATOM_OPAQUE, key, span, true), span);
}

/* A value the evaluator cannot follow (it does not occur in a checked model). */
static Poly unknown_value(Ev *ev, Span span) {
    ev->sys->pc.overflow = true;
    return fit(ev, poly_zero(), span);
}

/* An atom for a function the algebra keeps closed, keyed by its arguments. */
static Poly call_atom(Ev *ev, const char *name, Poly *args, int n, Span span, bool commutative, bool dynamic) {
    const char **keys = ARENA_ARRAY(ev->a, const char *, n ? n : 1);
    for (int i = 0; i < n; i++) {
        keys[i] = poly_key(&ev->sys->pc, args[i]);
        dynamic |= is_dynamic(ev, args[i]);
    }
    if (commutative)   /* min(a, b) is min(b, a): sort the arguments */
        for (int i = 1; i < n; i++)
            for (int k = i; k > 0 && strcmp(keys[k - 1], keys[k]) > 0; k--) {
                const char *t = keys[k];
                keys[k] = keys[k - 1];
                keys[k - 1] = t;
            }
    size_t len = strlen(name) + 8;
    for (int i = 0; i < n; i++) len += strlen(keys[i]) + 1;
    char *key = arena_alloc(ev->a, len);
    strcpy(key, "f:");
    strcat(key, name);
    strcat(key, "(");
    for (int i = 0; i < n; i++) {
        if (i) strcat(key, ",");
        strcat(key, keys[i]);
    }
    strcat(key, ")");
    return poly_atom(&ev->sys->pc, atom_get(ev, ATOM_CALL, key, span, dynamic), span);
}

/* [p > 0] and [p == 0] as 0/1 atoms (numbers when p is a constant). */
static Poly cond_gt(Ev *ev, Poly p, Span span) {
    double v;
    if (poly_is_const(p, &v)) return poly_num(&ev->sys->pc, v > 0);
    const char *key = arena_printf(ev->a, "gt:%s", poly_key(&ev->sys->pc, p));
    return poly_atom(&ev->sys->pc, atom_get(ev, ATOM_COND, key, span, is_dynamic(ev, p)), span);
}

static Poly cond_eq(Ev *ev, Poly p, Span span) {
    double v;
    if (poly_is_const(p, &v)) return poly_num(&ev->sys->pc, v == 0);
    if (p.t[0].coef < 0) p = poly_scale(&ev->sys->pc, p, -1);   /* [p == 0] is [-p == 0] */
    const char *key = arena_printf(ev->a, "eq:%s", poly_key(&ev->sys->pc, p));
    return poly_atom(&ev->sys->pc, atom_get(ev, ATOM_COND, key, span, is_dynamic(ev, p)), span);
}

static bool water_unit(Unit u) {
    if (u.kind == UNIT_UNKNOWN) return true;
    if (u.kind != UNIT_KNOWN) return false;
    for (int i = 0; i < DIM_COUNT; i++)
        if (u.dim[i] != (i == DIM_LENGTH ? 2 : 0)) return false;   /* exponents in halves */
    return true;
}

/* ---- Expressions --------------------------------------------------------------- */

static Poly eval(Ev *ev, const Expr *e);
static Poly eval_cond(Ev *ev, const Expr *e);
static bool open_limit(Ev *ev, const Expr *e, Poly *args, const CheckedStmt *cs, int ordinal, Poly *out,
                       int *exempted);

static Poly *frame_slot(Frame *f, Sym *sym) {
    for (int i = 0; i < f->n; i++)
        if (f->syms[i] == sym) return &f->vals[i];
    return NULL;
}

static void frame_set(Ev *ev, Frame *f, Sym *sym, Poly v) {
    Poly *slot = frame_slot(f, sym);
    if (slot) { *slot = v; return; }
    if (f->n == f->cap) {
        int ncap = f->cap ? 2 * f->cap : 8;
        Sym **ns = ARENA_ARRAY(ev->a, Sym *, ncap);
        Poly *nv = ARENA_ARRAY(ev->a, Poly, ncap);
        if (f->n) {
            memcpy(ns, f->syms, sizeof(Sym *) * (size_t)f->n);
            memcpy(nv, f->vals, sizeof(Poly) * (size_t)f->n);
        }
        f->syms = ns;
        f->vals = nv;
        f->cap = ncap;
    }
    f->syms[f->n] = sym;
    f->vals[f->n++] = v;
}

static Poly eval_name(Ev *ev, const Expr *e) {
    PolyCtx *pc = &ev->sys->pc;
    Sym *sym = expr_info(e)->sym;
    if (!sym) return unknown_value(ev, e->span);
    switch (sym->kind) {
    case SYM_INPUT: {
        const char *key = arena_printf(ev->a, "in:%s", sym->name);
        int id = atom_get(ev, ATOM_INPUT, key, e->span, true);
        Atom *at = &ev->sys->atoms[id];
        at->water_input = water_unit(unit_per_step(sym->unit));
        at->text = sym->name;
        return poly_atom(pc, id, e->span);
    }
    case SYM_PARAM:
    case SYM_CONST: {
        if (sym->kind == SYM_CONST && sym->known) return poly_num(pc, sym->const_value);
        const char *key = arena_printf(ev->a, "%s:%s", sym->kind == SYM_PARAM ? "par" : "c", sym->name);
        int id = atom_get(ev, sym->kind == SYM_PARAM ? ATOM_PARAM : ATOM_CONST, key, e->span, false);
        ev->sys->atoms[id].text = sym->name;
        return poly_atom(pc, id, e->span);
    }
    case SYM_STATE: return ev->state_val[sym->index];
    case SYM_LOCAL:
        if (!ev->quiet && !ev->frame && !ev->sys->first_use[sym->index].end) ev->sys->first_use[sym->index] = e->span;
        return ev->local_val[sym->index];
    case SYM_FNPARAM:
    case SYM_FNLOCAL: {
        Poly *slot = ev->frame ? frame_slot(ev->frame, sym) : NULL;
        if (slot) return *slot;
        break;
    }
    default: break;
    }
    return unknown_value(ev, e->span);
}

/* x ^ k for a whole k, |k| <= MAX_POWER; false if it does not apply. */
static bool int_power(Ev *ev, Poly x, Poly k, Poly *out) {
    double v;
    if (!poly_is_const(k, &v) || v != floor(v) || fabs(v) > MAX_POWER) return false;
    if (x.n > 1 && pow(x.n, fabs(v)) > MAX_EXPANDED_POWER) return false;   /* (a + b + ...)^4: keep it closed */
    Poly base = x;
    if (v < 0 && !poly_inverse(&ev->sys->pc, x, &base)) return false;
    Poly r = poly_num(&ev->sys->pc, 1);
    for (int i = 0; i < (int)fabs(v); i++) r = poly_mul(&ev->sys->pc, r, base);
    *out = r;
    return true;
}

static Poly eval_binary(Ev *ev, const Expr *e) {
    PolyCtx *pc = &ev->sys->pc;
    switch (e->binary.op) {
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ: case OP_NE: case OP_AND: case OP_OR:
        return eval_cond(ev, e);
    default: break;
    }
    Poly l = eval(ev, e->binary.lhs), r = eval(ev, e->binary.rhs), inv, out;
    switch (e->binary.op) {
    case OP_ADD: return fit(ev, poly_add(pc, l, r, 1), e->span);
    case OP_SUB: return fit(ev, poly_add(pc, l, r, -1), e->span);
    case OP_MUL:
        if ((long)l.n * r.n > MAX_TERMS) {   /* a product too large to expand: one atom, the same for equal factors */
            Poly args[2] = {l, r};
            return call_atom(ev, "*", args, 2, e->span, true, false);
        }
        return fit(ev, poly_mul(pc, l, r), e->span);
    case OP_DIV:
        if (poly_inverse(pc, r, &inv)) return fit(ev, poly_mul(pc, l, inv), e->span);
        inv = call_atom(ev, "inv", &r, 1, e->binary.rhs->span, false, false);
        return fit(ev, poly_mul(pc, l, inv), e->span);
    case OP_POW:
        if (int_power(ev, l, r, &out)) return fit(ev, out, e->span);
        {
            Poly args[2] = {l, r};
            return call_atom(ev, "pow", args, 2, e->span, false, false);
        }
    default: break;
    }
    return poly_zero();
}

/* A condition as a 0/1 polynomial: comparisons become [p > 0] or [p == 0]
 * atoms; and/or/not are products and complements. Ties are kept apart:
 * a >= b is 1 - [b - a > 0], not [a - b > 0]. */
static Poly eval_cond(Ev *ev, const Expr *e) {
    PolyCtx *pc = &ev->sys->pc;
    Poly one = poly_num(pc, 1);
    if (e->kind == EXPR_UNARY && e->unary.op == OP_NOT) return fit(ev, poly_add(pc, one, eval_cond(ev, e->unary.arg), -1), e->span);
    if (e->kind != EXPR_BINARY) return eval(ev, e);
    BinOp op = e->binary.op;
    if (op == OP_AND || op == OP_OR) {
        Poly a = eval_cond(ev, e->binary.lhs), b = eval_cond(ev, e->binary.rhs);
        Poly ab = poly_mul(pc, a, b);
        if (op == OP_AND) return fit(ev, ab, e->span);
        return fit(ev, poly_add(pc, poly_add(pc, a, b, 1), ab, -1), e->span);
    }
    if (op < OP_LT || op > OP_NE) return eval(ev, e);
    Poly l = eval(ev, e->binary.lhs), r = eval(ev, e->binary.rhs);
    Poly lr = fit(ev, poly_add(pc, l, r, -1), e->span), rl = fit(ev, poly_add(pc, r, l, -1), e->span);
    switch (op) {
    case OP_GT: return cond_gt(ev, lr, e->span);
    case OP_LT: return cond_gt(ev, rl, e->span);
    case OP_GE: return poly_add(pc, one, cond_gt(ev, rl, e->span), -1);
    case OP_LE: return poly_add(pc, one, cond_gt(ev, lr, e->span), -1);
    case OP_EQ: return cond_eq(ev, lr, e->span);
    case OP_NE: return poly_add(pc, one, cond_eq(ev, lr, e->span), -1);
    default: return poly_zero();
    }
}

/* Inlines a user function: its parameters bound to the arguments' values. */
static Poly eval_fn_call(Ev *ev, const Expr *e, Poly *args) {
    const FnDecl *fn = expr_info(e)->fn;
    Sym **params = fn->sema;
    bool recursive = false;   /* reported elsewhere; never unrolled */
    for (int i = 0; i < ev->depth; i++) recursive |= ev->inlining[i] == fn;
    if (!params || recursive || ev->depth >= MAX_INLINE_DEPTH || e->call.nargs != fn->nparams)
        return call_atom(ev, fn->name.name, args, e->call.nargs, e->span, false, false);
    ev->inlining[ev->depth] = fn;
    Frame fr = {0};
    for (int i = 0; i < fn->nparams; i++) frame_set(ev, &fr, params[i], args[i]);
    Frame *saved = ev->frame;
    ev->frame = &fr;
    ev->depth++;
    Poly result = poly_zero();
    for (int i = 0; i < fn->nbody; i++) {
        const Stmt *st = fn->body[i];
        Poly v = eval(ev, st->value);
        if (st->kind == STMT_RETURN) { result = v; break; }
        Sym *target = st->sema;
        if (!target) continue;
        Poly *slot = frame_slot(&fr, target);
        if (st->kind == STMT_ASSIGN || !slot) frame_set(ev, &fr, target, v);
        else *slot = fit(ev, poly_add(&ev->sys->pc, *slot, v, st->kind == STMT_ADD ? 1 : -1), st->span);
    }
    ev->depth--;
    ev->frame = saved;
    return result;
}

/* Input water as such: every term an input times conditions and factors
 * (P, P - E, SFCF * [T < TT] * P). */
static bool input_water(Ev *ev, Poly p) {
    if (!p.n) return false;
    for (int i = 0; i < p.n; i++) {
        int inputs = 0, others = 0;
        for (int k = 0; k < p.t[i].nf; k++) {
            const Atom *at = &ev->sys->atoms[p.t[i].f[k].atom];
            if (at->water_input && p.t[i].f[k].power == 1) inputs++;
            else if (at->dynamic && at->kind != ATOM_COND) others++;
        }
        if (inputs != 1 || others) return false;
    }
    return true;
}

/* min(P, cap), max(P - E, 0): a limit on input water is opened wherever it
 * is (P less what the cap cuts off); other limits (on a store's content, on
 * a fraction) stay closed, one named amount each. */
static bool caps_an_input(Ev *ev, int builtin, const Poly *args, int n) {
    if (builtin != BI_MIN && builtin != BI_MAX && builtin != BI_RELU && builtin != BI_CLAMP) return false;
    for (int i = 0; i < n; i++)
        if (input_water(ev, args[i])) return true;
    return false;
}

static Poly eval_call(Ev *ev, const Expr *e) {
    ExprInfo *in = expr_info(e);
    int n = e->call.nargs;
    if (in->call == CALL_BUILTIN && in->builtin == BI_ROUTE) return eval(ev, e->call.args[0]);   /* keeps the volume */
    Poly *args = ARENA_ARRAY(ev->a, Poly, n ? n : 1);
    for (int i = 0; i < n; i++) args[i] = eval(ev, e->call.args[i]);
    switch (in->call) {
    case CALL_FN: return eval_fn_call(ev, e, args);
    case CALL_NET: return call_atom(ev, arena_printf(ev->a, "net:%s", in->sym->name), args, n, e->span, false, true);
    case CALL_BUILTIN: break;
    default: return call_atom(ev, e->call.callee.name, args, n, e->span, false, false);
    }
    const char *name = builtins[in->builtin].name;
    Poly opened;
    int exempted = 0;
    if (caps_an_input(ev, in->builtin, args, n) && open_limit(ev, e, args, NULL, -1, &opened, &exempted)) return opened;
    switch (in->builtin) {
    case BI_STEP: return cond_gt(ev, args[0], e->span);
    case BI_MIN:
    case BI_MAX: {   /* min(a, b, c) = min(min(a, b), c) */
        Poly acc = args[0];
        for (int i = 1; i < n; i++) {
            if (poly_equal(acc, args[i])) continue;
            Poly pair[2] = {acc, args[i]};
            acc = call_atom(ev, name, pair, 2, e->span, true, false);
        }
        return acc;
    }
    default: return call_atom(ev, name, args, n, e->span, false, false);
    }
}

static Poly eval(Ev *ev, const Expr *e) {
    ExprInfo *in = expr_info(e);
    if (in && in->is_const && !in->is_bool) return poly_num(&ev->sys->pc, in->value);
    switch (e->kind) {
    case EXPR_NUM: return poly_num(&ev->sys->pc, e->num);
    case EXPR_NAME: return eval_name(ev, e);
    case EXPR_UNARY:
        if (e->unary.op == OP_NOT) return eval_cond(ev, e);
        return poly_scale(&ev->sys->pc, eval(ev, e->unary.arg), -1);
    case EXPR_BINARY: return eval_binary(ev, e);
    case EXPR_CALL: return eval_call(ev, e);
    case EXPR_INDEX: {   /* net(...)[k]: one output of a network */
        const Expr *base = e->index.base;
        int n = base->call.nargs;
        Poly *args = ARENA_ARRAY(ev->a, Poly, n ? n : 1);
        for (int i = 0; i < n; i++) args[i] = eval(ev, base->call.args[i]);
        ExprInfo *bi = expr_info(base), *ki = expr_info(e->index.index);
        const char *name = arena_printf(ev->a, "net:%s[%g]", bi->sym ? bi->sym->name : base->call.callee.name,
                                        ki ? ki->value : 0.0);
        return call_atom(ev, name, args, n, e->span, false, true);
    }
    case EXPR_IF: {
        PolyCtx *pc = &ev->sys->pc;
        Poly c = eval_cond(ev, e->cond.c), t = eval(ev, e->cond.then), f = eval(ev, e->cond.els);
        return fit(ev, poly_add(pc, f, poly_mul(pc, c, poly_add(pc, t, f, -1)), 1), e->span);
    }
    }
    return poly_zero();
}

/* ---- Statements ---------------------------------------------------------------- */

static const char *mark_word(StmtMark k) { return k == STMT_MARK_SINK ? "sink" : "source"; }

/* The atom for what a limit adds (sign +1: a floor) or removes (-1: a cap).
 * Limits of a marked statement are atoms of their own (ordinal >= 0): the
 * mark exempts them, not the same limit written elsewhere. */
static Poly limit_atom(Ev *ev, const CheckedStmt *cs, int ordinal, const Expr *call, Poly amount, int sign,
                       const Expr *value, const Expr *bound, int *exempted) {
    const char *key = ordinal >= 0
        ? arena_printf(ev->a, "%s#%d:%s", sign > 0 ? "floor" : "cap", ordinal, poly_key(&ev->sys->pc, amount))
        : arena_printf(ev->a, "%s:%s", sign > 0 ? "floor" : "cap", poly_key(&ev->sys->pc, amount));
    int id = atom_get(ev, ATOM_LIMIT, key, call->span, true);
    Atom *at = &ev->sys->atoms[id];
    at->limit_sign = sign;
    if (!at->value_text) {
        at->value_text = value ? step_span_text(ev->s, ev->a, value->span, 40) : "";
        at->bound_text = bound ? step_span_text(ev->s, ev->a, bound->span, 40) : "0";
    }
    if (cs && !at->stmt) {   /* the top of a statement's value: messages name the store */
        at->stmt = cs->stmt;
        at->state = cs->target->kind == SYM_STATE ? cs->target->index : -1;
    }
    if (cs && ordinal >= 0) {
        StmtMark mk = cs->stmt->mark;
        at->exempt = (mk == STMT_MARK_SOURCE && sign > 0) || (mk == STMT_MARK_SINK && sign < 0);
        *exempted += at->exempt;
    }
    return poly_atom(&ev->sys->pc, id, call->span);
}

/* A limit with a bound free of inputs and states, opened:
 *   max(v, c) = v + floor,  min(v, c) = v - cap,  relu(v) = max(v, 0),
 *   clamp(v, lo, hi) = v + floor - cap,
 * so that min(P, cap) is P less what the cap cuts off. args are the call's
 * evaluated arguments; cs is the statement whose value the call is (or NULL),
 * ordinal >= 0 when its mark applies. False if the call is not such a limit. */
static bool open_limit(Ev *ev, const Expr *e, Poly *args, const CheckedStmt *cs, int ordinal, Poly *out,
                       int *exempted) {
    ExprInfo *in = expr_info(e);
    if (e->kind != EXPR_CALL || in->call != CALL_BUILTIN) return false;
    int b = in->builtin, n = e->call.nargs;
    bool pair = (b == BI_MIN || b == BI_MAX) && n == 2;
    if (!pair && !(b == BI_RELU && n == 1) && !(b == BI_CLAMP && n == 3)) return false;
    PolyCtx *pc = &ev->sys->pc;
    int v = 0;   /* which argument is the limited value */
    if (pair) {
        bool d0 = is_dynamic(ev, args[0]), d1 = is_dynamic(ev, args[1]);
        if (d0 == d1) return false;
        v = d0 ? 0 : 1;
    } else if (!is_dynamic(ev, args[0]) || (n == 3 && (is_dynamic(ev, args[1]) || is_dynamic(ev, args[2])))) {
        return false;
    }
    const Expr *value = e->call.args[v];
    Poly r = args[v];
    if (b == BI_MAX || b == BI_RELU || b == BI_CLAMP) {   /* floor: adds bound - v where v is below it */
        Poly lo = b == BI_MAX ? args[1 - v] : b == BI_CLAMP ? args[1] : poly_zero();
        const Expr *lo_e = b == BI_MAX ? e->call.args[1 - v] : b == BI_CLAMP ? e->call.args[1] : NULL;
        Poly amount = poly_add(pc, lo, args[v], -1);
        r = poly_add(pc, r, limit_atom(ev, cs, ordinal, e, amount, +1, value, lo_e, exempted), 1);
    }
    if (b == BI_MIN || b == BI_CLAMP) {   /* cap: removes v - bound where v is above it */
        Poly hi = b == BI_MIN ? args[1 - v] : args[2];
        const Expr *hi_e = b == BI_MIN ? e->call.args[1 - v] : e->call.args[2];
        Poly amount = poly_add(pc, args[v], hi, -1);
        r = poly_add(pc, r, limit_atom(ev, cs, ordinal, e, amount, -1, value, hi_e, exempted), -1);
    }
    *out = fit(ev, r, e->span);
    return true;
}

/* The value of a statement: a limit at its top is opened with the statement
 * known (for messages, and for its mark when it has one). */
static bool statement_limit(Ev *ev, const CheckedStmt *cs, int ordinal, Poly *out, int *exempted) {
    const Expr *e = cs->stmt->value;
    if (e->kind != EXPR_CALL || expr_info(e)->call != CALL_BUILTIN || e->call.nargs > 3) return false;
    Poly args[3];
    for (int i = 0; i < e->call.nargs; i++) args[i] = eval(ev, e->call.args[i]);
    return open_limit(ev, e, args, cs, cs->stmt->mark ? ordinal : -1, out, exempted);
}

/* The value a statement adds, subtracts or assigns, with its mark applied. */
static Poly statement_value(Ev *ev, const CheckedStmt *cs, int ordinal) {
    const Stmt *st = cs->stmt;
    Sym *target = cs->target;
    bool state_assign = target->kind == SYM_STATE && st->kind == STMT_ASSIGN;
    Poly v;
    int exempted = 0;
    /* a mark on a limit that cuts the way the mark says (a floor adds: source;
     * a cap removes: sink) is about what the limit adds or cuts off; on a
     * step variable any other limit is just how the marked amount is computed */
    bool limited = (state_assign || st->mark) && statement_limit(ev, cs, ordinal, &v, &exempted);
    if (limited && st->mark && !exempted && target->kind == SYM_LOCAL) limited = false;
    if (limited) {
        if (st->mark && !exempted && !ev->quiet)
            diag_error(ev->s->d, st->mark_span,
                       "'%s' marks water that %s the model, but '%s' can only %s water; write '%s'", mark_word(st->mark),
                       st->mark == STMT_MARK_SINK ? "leaves" : "enters",
                       step_span_text(ev->s, ev->a, st->value->span, 40),
                       st->mark == STMT_MARK_SINK ? "add" : "take away",
                       st->mark == STMT_MARK_SINK ? "source" : "sink");
        return v;
    }
    if (!st->mark) return eval(ev, st->value);
    v = eval(ev, st->value);   /* the uses of the names in it still count */
    if (state_assign) {
        if (ev->quiet) return v;
        diag_error(ev->s->d, st->mark_span,
                   "'%s' on an assignment to state '%s' marks what a limit of the value %s (as in '%s %s = %s(%s - x, 0)'), "
                   "but this value is not a limit with a constant bound", mark_word(st->mark), target->name,
                   st->mark == STMT_MARK_SINK ? "removes" : "adds", mark_word(st->mark), target->name,
                   st->mark == STMT_MARK_SINK ? "min" : "max", target->name);
        diag_note_plain(ev->s->d, "to mark an amount, name it: '%s x = ...' and then 'x' in the assignment",
                        mark_word(st->mark));
        return v;
    }
    /* a marked amount: it crosses the boundary, whatever it is computed from */
    const char *key = arena_printf(ev->a, "boundary#%d", ordinal);
    Span at = target->kind == SYM_LOCAL && st->kind == STMT_ASSIGN ? st->target.span : st->value->span;
    int id = atom_get(ev, ATOM_BOUNDARY, key, at, true);
    Atom *a = &ev->sys->atoms[id];
    a->exempt = true;
    a->stmt = st;
    if (target->kind == SYM_LOCAL && st->kind == STMT_ASSIGN) a->text = target->name;
    return poly_atom(&ev->sys->pc, id, at);
}

/* The terms of `S -= aet + relu(SM - FC)` as amounts of their own, so that a
 * diagnostic can point at the one that does not balance. */
static void record_parts(Ev *ev, const Expr *e, int state, int depth) {
    enum { MAX_PART_DEPTH = 8 };
    if (depth > MAX_PART_DEPTH) return;
    bool sum = e->kind == EXPR_BINARY && (e->binary.op == OP_ADD || e->binary.op == OP_SUB);
    if (e->kind == EXPR_UNARY && e->unary.op == OP_NEG) { record_parts(ev, e->unary.arg, state, depth + 1); return; }
    if (!sum) {
        if (depth == 0) return;   /* the whole value: recorded already */
        StepSystem *sys = ev->sys;
        if (grow_due(sys->nupdate)) {
            StepUpdate *g = ARENA_ARRAY(ev->a, StepUpdate, grown_cap(sys->nupdate));
            if (sys->nupdate) memcpy(g, sys->update, sizeof(StepUpdate) * (size_t)sys->nupdate);
            sys->update = g;
        }
        sys->update[sys->nupdate++] = (StepUpdate){eval(ev, e), e->span, state};
        return;
    }
    record_parts(ev, e->binary.lhs, state, depth + 1);
    record_parts(ev, e->binary.rhs, state, depth + 1);
}

/* The same step once more, with a state read as the atom "S after its k-th
 * statement" instead of expanded: each statement's change is then the
 * amount it moves, without the store's history. `G -= qv; D -= qv` moves
 * Kd * G#1 out of G and into (or out of) D, whatever G held before; the
 * stores' weights are read from these moves (sema_step_balance.c). */
static void build_moves(Sema *s, CheckedModel *m, Arena *a, StepSystem *sys, const Poly *start) {
    int ns = m->states.n, nl = m->locals.n, no = m->outputs.n;
    Ev ev = {.s = s, .m = m, .a = a, .sys = sys, .quiet = true};
    ev.local_val = ARENA_ARRAY(a, Poly, nl ? nl : 1);
    ev.state_val = ARENA_ARRAY(a, Poly, ns ? ns : 1);
    ev.version = ARENA_ARRAY(a, int, ns ? ns : 1);
    sys->move = ARENA_ARRAY(a, Poly, ns ? ns : 1);
    sys->move_output = ARENA_ARRAY(a, Poly, no ? no : 1);
    for (int i = 0; i < ns; i++) ev.state_val[i] = start[i];
    int ordinal = 0;   /* the same numbering as the first pass: marked atoms are shared */
    for (int p = 0; p < m->nphases; p++) {
        const Phase *ph = &m->phases[p];
        for (int k = 0; k < ph->nstmts; k++) {
            const CheckedStmt *cs = &ph->stmts[k];
            const Stmt *st = cs->stmt;
            Poly v = statement_value(&ev, cs, ordinal++);
            int i = cs->target->index;
            if (cs->target->kind == SYM_LOCAL) {
                Poly *slot = &ev.local_val[i];
                *slot = st->kind == STMT_ASSIGN ? v : fit(&ev, poly_add(&sys->pc, *slot, v, st->kind == STMT_ADD ? 1 : -1), st->span);
                continue;
            }
            Poly change = st->kind == STMT_ASSIGN ? poly_add(&sys->pc, v, ev.state_val[i], -1)
                                                  : poly_scale(&sys->pc, v, st->kind == STMT_ADD ? 1 : -1);
            sys->move[i] = fit(&ev, poly_add(&sys->pc, sys->move[i], change, 1), st->span);
            Sym *sym = cs->target;
            const char *key = arena_printf(a, "st:%s#%d", sym->name, ++ev.version[i]);
            int id = atom_get(&ev, ATOM_STATE, key, sym->span, true);
            sys->atoms[id].state = i;
            sys->atoms[id].text = sym->name;
            ev.state_val[i] = poly_atom(&sys->pc, id, st->span);
        }
    }
    for (int i = 0; i < no; i++) sys->move_output[i] = eval(&ev, m->outputs.items[i]->def);
}

bool step_symbolic_build(Sema *s, CheckedModel *m, Arena *a, StepSystem *sys) {
    memset(sys, 0, sizeof *sys);
    poly_ctx_init(&sys->pc, a, MAX_TERMS);
    sys->index = ARENA_NEW(a, struct AtomIndex);
    int ns = m->states.n, nl = m->locals.n, no = m->outputs.n;
    sys->delta = ARENA_ARRAY(a, Poly, ns ? ns : 1);
    sys->change = ARENA_ARRAY(a, Poly *, ns ? ns : 1);
    sys->nchange = ARENA_ARRAY(a, int, ns ? ns : 1);
    sys->water = ARENA_ARRAY(a, bool, ns ? ns : 1);
    sys->output = ARENA_ARRAY(a, Poly, no ? no : 1);
    sys->local = ARENA_ARRAY(a, Poly, nl ? nl : 1);
    sys->first_use = ARENA_ARRAY(a, Span, nl ? nl : 1);
    Ev ev = {.s = s, .m = m, .a = a, .sys = sys, .local_val = sys->local};
    ev.state_val = ARENA_ARRAY(a, Poly, ns ? ns : 1);
    Poly *start = ARENA_ARRAY(a, Poly, ns ? ns : 1);
    for (int i = 0; i < ns; i++) {
        Sym *st = m->states.items[i];
        int id = atom_get(&ev, ATOM_STATE, arena_printf(a, "st:%s", st->name), st->span, true);
        sys->atoms[id].state = i;
        sys->atoms[id].text = st->name;
        start[i] = ev.state_val[i] = poly_atom(&sys->pc, id, st->span);
        sys->water[i] = water_unit(st->unit);
    }

    int ordinal = 0;
    for (int p = 0; p < m->nphases; p++) {
        const Phase *ph = &m->phases[p];
        for (int k = 0; k < ph->nstmts; k++) {
            const CheckedStmt *cs = &ph->stmts[k];
            const Stmt *st = cs->stmt;
            Poly v = statement_value(&ev, cs, ordinal++);
            if (cs->target->kind == SYM_STATE && st->kind != STMT_ASSIGN && !st->mark) {   /* before S changes */
                if (grow_due(sys->nupdate)) {
                    StepUpdate *g = ARENA_ARRAY(a, StepUpdate, grown_cap(sys->nupdate));
                    if (sys->nupdate) memcpy(g, sys->update, sizeof(StepUpdate) * (size_t)sys->nupdate);
                    sys->update = g;
                }
                sys->update[sys->nupdate++] = (StepUpdate){v, st->value->span, cs->target->index};
                record_parts(&ev, st->value, cs->target->index, 0);
            }
            Poly *slot = cs->target->kind == SYM_STATE ? &ev.state_val[cs->target->index] : &ev.local_val[cs->target->index];
            Poly before = *slot;
            if (st->kind == STMT_ASSIGN) *slot = v;
            else *slot = fit(&ev, poly_add(&sys->pc, *slot, v, st->kind == STMT_ADD ? 1 : -1), st->span);
            if (cs->target->kind == SYM_STATE) {
                int i = cs->target->index;
                if (grow_due(sys->nchange[i])) {
                    Poly *g = ARENA_ARRAY(a, Poly, grown_cap(sys->nchange[i]));
                    if (sys->nchange[i]) memcpy(g, sys->change[i], sizeof(Poly) * (size_t)sys->nchange[i]);
                    sys->change[i] = g;
                }
                sys->change[i][sys->nchange[i]++] = fit(&ev, poly_add(&sys->pc, *slot, before, -1), st->span);
            }
        }
    }
    for (int i = 0; i < ns; i++) sys->delta[i] = fit(&ev, poly_add(&sys->pc, ev.state_val[i], start[i], -1), m->states.items[i]->span);
    for (int i = 0; i < no; i++) sys->output[i] = eval(&ev, m->outputs.items[i]->def);
    build_moves(s, m, a, sys, start);
    return true;
}
