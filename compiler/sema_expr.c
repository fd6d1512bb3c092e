/* sema_expr.c — checking one expression: resolves names and calls, infers
 * units (and reports mismatches showing both units), folds constants, and
 * enforces what each place may refer to (see W_* in sema_internal.h). */
#include "library.h"
#include "sema_internal.h"

#include <math.h>
#include <string.h>
#include <sys/resource.h>

/* Message texts live here so their wording stays consistent. */
static const char *const MSG_UNKNOWN_NAME = "unknown name '%s'";
static const char *const MSG_NO_OUTPUT_VAR =
    "output '%s' has no '= value' and there is no variable '%s' for it to report";
static const char *const MSG_UNKNOWN_FN = "unknown function '%s'";
static const char *const MSG_ADD_UNITS = "cannot %s '%s' and '%s': the units differ";
static const char *const MSG_SUB_UNITS = "cannot subtract '%s' from '%s': the units differ";
static const char *const MSG_ARITY = "'%s' takes %s, found %d";

const char *utext(Sema *s, Unit u) { return unit_text(u, s->a); }

static ExprInfo *info(Sema *s, Expr *e) {
    if (!e->sema) e->sema = ARENA_NEW(s->a, ExprInfo);
    return e->sema;
}

/* ---- Names ----------------------------------------------------------------- */

static Sym *find_in(SymVec *v, const char *name) { return symvec_find(v, name); }

static Sym *find_model_sym(CheckedModel *m, const char *name) {
    /* inputs, params, states, consts, fluxes, nets (outputs have their own namespace) */
    return m ? ptrmap_get(m->names, name) : NULL;
}

static void offer_vec(Suggest *sg, SymVec *v) {
    if (v) for (int i = 0; i < v->n; i++) suggest_offer(sg, v->items[i]->name);
}

/* "'pet_hamon' is defined in stdlib "fluxes.dg"; add: import "fluxes.dg"" */
static void note_library(Scope *sc, const LibHit *hit, bool exact) {
    Program *p = sc->s->p;
    if (exact)
        diag_note_plain(sc->s->d, "'%s' is defined in %s; add: import \"%s\"", hit->name, library_where(p, hit),
                        hit->import);
    else
        diag_note_plain(sc->s->d, "did you mean '%s'? it is defined in %s; add: import \"%s\"", hit->name,
                        library_where(p, hit), hit->import);
}

static void suggest_name(Scope *sc, Ident id, bool want_fn) {
    if (!sc->s->d->last_shown) return;   /* the note would be dropped with its error: skip the edit distances */
    /* declared on the search path (stdlib, -I, DGC_PATH) but not imported: which import brings it */
    LibHit hit;
    if (library_find_decl(sc->s->p, id.name, want_fn ? LIB_FN : LIB_CONST, false, &hit)) {
        note_library(sc, &hit, true);
        return;
    }
    Suggest sg;
    suggest_init(&sg, id.name);
    offer_vec(&sg, sc->locals);
    if (sc->m && !want_fn) {
        CheckedModel *m = sc->m;
        offer_vec(&sg, &m->inputs); offer_vec(&sg, &m->params); offer_vec(&sg, &m->states);
        offer_vec(&sg, &m->consts); offer_vec(&sg, &m->fluxes);
        if (sc->where & (W_STEP | W_OUTPUT)) offer_vec(&sg, sc->later);
    }
    if (sc->m && want_fn) offer_vec(&sg, &sc->m->nets);
    if (want_fn) for (int i = 0; i < BI_COUNT; i++) suggest_offer(&sg, builtins[i].name);
    sema_suggest_globals(sc->s, sc->file, &sg, want_fn, !want_fn);
    const char *best = suggest_best(&sg);
    if (!best) {
        if (want_fn && library_find_decl(sc->s->p, id.name, LIB_FN, true, &hit)) note_library(sc, &hit, false);
        return;
    }
    Sym *s = want_fn ? NULL : find_in(sc->locals, best);
    if (!s && sc->m) s = find_model_sym(sc->m, best);
    if (s && s->span.end) diag_note(sc->s->d, s->span, "did you mean '%s'?", best);
    else diag_note_plain(sc->s->d, "did you mean '%s'?", best);
}

/* Is this kind of symbol usable here? Reports and returns false if not. */
static bool allowed_here(Scope *sc, Sym *sym, Span at) {
    Diag *d = sc->s->d;
    const char *kind = sym_kind_name(sym->kind);
    if (sym->kind == SYM_NET) {
        diag_error(d, at, "'%s' is a network; call it with its inputs, as in %s(...)", sym->name, sym->name);
        return false;
    }
    if (sym->kind == SYM_OUTPUT) {
        diag_error(d, at, "output '%s' cannot be used in an expression", sym->name);
        diag_note(d, sym->span, "outputs are computed after the step; use a flux or a step variable instead");
        return false;
    }
    if (sc->where & W_CONST) {
        if (sym->kind == SYM_CONST) return true;
        diag_error(d, at, "'%s' is %s %s; only numbers and constants are allowed here", sym->name, article(kind), kind);
        return false;
    }
    if (sc->where & W_KERNEL) {
        if (sym->kind == SYM_CONST || (sym->kind == SYM_PARAM && sym->mark != PARAM_DYNAMIC)) return true;
        diag_error(d, at, "kernel arguments are computed once, from static parameters and constants, but '%s' is %s %s",
                   sym->name, sym->mark == PARAM_DYNAMIC ? "a" : article(kind),
                   sym->mark == PARAM_DYNAMIC ? "dynamic parameter" : kind);
        return false;
    }
    if (sc->where & W_INIT) {
        if (sym->kind == SYM_PARAM && sym->mark == PARAM_DYNAMIC) {
            diag_error(d, at, "dynamic parameter '%s' varies in time; an initial value can use only static parameters",
                       sym->name);
            return false;
        }
        if (sym->kind == SYM_CONST || sym->kind == SYM_PARAM) return true;
        diag_error(d, at, "an initial value may use parameters and constants, but '%s' is %s %s", sym->name,
                   article(kind), kind);
        return false;
    }
    if (sym->kind == SYM_FLUX && !(sc->where & (W_FLUX | W_OUTPUT))) {
        diag_error(d, at, "flux '%s' cannot be used here", sym->name);
        return false;
    }
    return true;
}

/* A function body cannot see model names: say so when the name it misses is
 * declared by a model of the same file. */
static void note_model_name_in_fn(Scope *sc, const char *name) {
    const AstFile *f = sc->file ? sc->file->ast : NULL;
    for (int i = 0; f && i < f->ndecls; i++) {
        if (f->decls[i].kind != TOP_MODEL) continue;
        const ModelDecl *md = f->decls[i].model;
        for (int k = 0; k < md->nitems; k++) {
            const Item *it = md->items[k];
            bool value = it->kind == ITEM_INPUT || it->kind == ITEM_PARAM || it->kind == ITEM_STATE ||
                         it->kind == ITEM_CONST || it->kind == ITEM_FLUX || it->kind == ITEM_NET;
            if (!value || it->name.name != name) continue;
            diag_note(sc->s->d, it->name.span,
                      "'%s' is declared in model '%s', but functions see only their parameters, their own "
                      "variables and file constants; pass it as an argument", name, md->name.name);
            return;
        }
    }
}

static void check_name(Scope *sc, Expr *e) {
    Sema *s = sc->s;
    ExprInfo *in = info(s, e);
    const char *name = e->name.name;
    in->unit = unit_unknown();

    Sym *sym = find_in(sc->locals, name);
    if (!sym && !(sc->where & W_FN)) sym = find_model_sym(sc->m, name);
    if (!sym) {
        GlobalEntry *g = sema_global(s, sc->file, name);
        if (g && g->kind == G_CONST) sym = sema_global_const(s, g);
        else if (g && g->kind == G_FN) {
            diag_error(s->d, e->span, "'%s' is a function; call it as %s(...)", name, name);
            return;
        } else if (g && g->kind == G_MODEL) {
            diag_error(s->d, e->span, "'%s' is a model, not a value", name);
            return;
        }
    }
    if (!sym && builtin_find(name) >= 0) {
        diag_error(s->d, e->span, "'%s' is a builtin function; call it as %s(...)", name, name);
        return;
    }
    if (!sym) {
        Sym *later = find_in(sc->later, name);
        if (later) {
            diag_error(s->d, e->span, "'%s' is used before it is defined", name);
            diag_note(s->d, later->span, "'%s' is defined here", name);
            return;
        }
        /* outputs have a namespace of their own: not found above */
        Sym *out = sc->m ? find_in(&sc->m->outputs, name) : NULL;
        if (out && out->span.file == e->span.file && out->span.start == e->span.start) {
            /* `output X : unit` (no value) reports the variable X, and there is none */
            diag_error(s->d, e->span, MSG_NO_OUTPUT_VAR, name, name);
            suggest_name(sc, e->name, false);
            return;
        }
        if (out) {
            allowed_here(sc, out, e->span);   /* "output 'X' cannot be used in an expression" */
            return;
        }
        diag_error(s->d, e->span, MSG_UNKNOWN_NAME, name);
        suggest_name(sc, e->name, false);
        if (sc->where & W_FN) note_model_name_in_fn(sc, name);
        return;
    }
    if (!allowed_here(sc, sym, e->span)) return;
    if (sym->kind == SYM_CONST) sema_fold_const(s, sym, sc->m);
    in->sym = sym;
    sym->used = true;
    in->unit = sym->unit;
    if (sc->per_step && sym->kind != SYM_LOCAL && sym->kind != SYM_STATE) in->unit = unit_per_step(sym->unit);
    if (sym->kind == SYM_CONST && sym->known) {
        in->is_const = true;
        in->value = sym->const_value;
    }
    if (sc->deps && (sym->kind == SYM_FLUX || sym->kind == SYM_INPUT || sym->kind == SYM_LOCAL))
        symvec_push(s->a, sc->deps, sym);
}

/* ---- Operators ------------------------------------------------------------- */

/* Reports a comparison where a number is needed; returns whether e is one. */
static bool require_number(Scope *sc, Expr *e, const char *what) {
    ExprInfo *in = expr_info(e);
    if (!in || !in->is_bool) return true;
    diag_error(sc->s->d, e->span, "a comparison has no numeric value (as %s); use 'if c then a else b'", what);
    return false;
}

static void require_bool(Scope *sc, Expr *e, const char *what) {
    ExprInfo *in = expr_info(e);
    if (in && !in->is_bool)
        diag_error(sc->s->d, e->span, "%s must be a comparison or a logical expression", what);
}

/* Both sides of + - comparisons, min/max/clamp arguments, if branches. */
static Unit unify(Scope *sc, Expr *a, Expr *b, const char *verb, Span at) {
    Unit ua = expr_info(a)->unit, ub = expr_info(b)->unit;
    if (!unit_compatible(ua, ub)) {
        if (!strcmp(verb, "subtract"))
            diag_error(sc->s->d, at, MSG_SUB_UNITS, utext(sc->s, ub), utext(sc->s, ua));
        else
            diag_error(sc->s->d, at, MSG_ADD_UNITS, verb, utext(sc->s, ua), utext(sc->s, ub));
        return unit_unknown();
    }
    return unit_pick(ua, ub);
}

static void require_dimensionless(Scope *sc, Expr *arg, const char *what) {
    Unit u = expr_info(arg)->unit;
    if (u.kind == UNIT_KNOWN && !unit_is_dimensionless(u))
        diag_error(sc->s->d, arg->span, "%s must be dimensionless, found '%s'", what, utext(sc->s, u));
}

static double fold_binary(BinOp op, double a, double b) {
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return pow(a, b);
    default: return NAN;
    }
}

static void check_binary(Scope *sc, Expr *e) {
    Sema *s = sc->s;
    ExprInfo *in = info(s, e);
    Expr *l = e->binary.lhs, *r = e->binary.rhs;
    check_expr(sc, l);
    check_expr(sc, r);
    ExprInfo *li = expr_info(l), *ri = expr_info(r);
    BinOp op = e->binary.op;
    const char *optext = ast_op_text(op);
    switch (op) {
    case OP_AND:
    case OP_OR:
        require_bool(sc, l, op == OP_AND ? "the left side of 'and'" : "the left side of 'or'");
        require_bool(sc, r, op == OP_AND ? "the right side of 'and'" : "the right side of 'or'");
        in->is_bool = true;
        in->unit = unit_dimensionless();
        return;
    default: break;
    }
    char operand[32];
    snprintf(operand, sizeof operand, "an operand of '%s'", optext);
    switch (op) {
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ: case OP_NE:
        {
            bool lnum = require_number(sc, l, operand), rnum = require_number(sc, r, operand);   /* report both */
            if (lnum && rnum) unify(sc, l, r, "compare", e->span);
        }
        in->is_bool = true;
        in->unit = unit_dimensionless();
        return;
    default: break;
    }
    bool lnum = require_number(sc, l, operand), rnum = require_number(sc, r, operand);   /* report both */
    bool numbers = lnum && rnum;
    if (!numbers) {   /* reported: no unit follow-up errors */
        in->unit = unit_unknown();
        return;
    }
    switch (op) {
    case OP_ADD: in->unit = unify(sc, l, r, "add", e->span); break;
    case OP_SUB: in->unit = unify(sc, l, r, "subtract", e->span); break;
    case OP_MUL: in->unit = unit_mul(li->unit, ri->unit); break;
    case OP_DIV: in->unit = unit_div(li->unit, ri->unit); break;
    case OP_POW:
        require_dimensionless(sc, r, "an exponent");
        if (li->unit.kind == UNIT_KNOWN && !unit_is_dimensionless(li->unit)) {
            double k = ri->is_const ? ri->value * 2 : 0.5;
            if (!ri->is_const || k != floor(k) || fabs(k) > 16) {
                diag_error(s->d, r->span, "the exponent of a quantity in '%s' must be a constant multiple of 1/2",
                           utext(s, li->unit));
                in->unit = unit_unknown();
            } else {
                in->unit = unit_pow(li->unit, ri->value);
            }
        } else {
            in->unit = li->unit.kind == UNIT_ANY ? unit_any() : li->unit;
        }
        break;
    default: break;
    }
    if (li->is_const && ri->is_const) {
        double v = fold_binary(op, li->value, ri->value);
        if (isfinite(v)) { in->is_const = true; in->value = v; }
    }
}

static void check_unary(Scope *sc, Expr *e) {
    ExprInfo *in = info(sc->s, e);
    check_expr(sc, e->unary.arg);
    ExprInfo *ai = expr_info(e->unary.arg);
    if (e->unary.op == OP_NOT) {
        require_bool(sc, e->unary.arg, "the operand of 'not'");
        in->is_bool = true;
        in->unit = unit_dimensionless();
        return;
    }
    in->unit = require_number(sc, e->unary.arg, "the operand of '-'") ? ai->unit : unit_unknown();
    if (ai->is_const) { in->is_const = true; in->value = -ai->value; }
}

static void check_if(Scope *sc, Expr *e) {
    ExprInfo *in = info(sc->s, e);
    check_expr(sc, e->cond.c);
    check_expr(sc, e->cond.then);
    check_expr(sc, e->cond.els);
    require_bool(sc, e->cond.c, "the condition of 'if'");
    bool tnum = require_number(sc, e->cond.then, "the 'then' branch");
    bool else_num = require_number(sc, e->cond.els, "the 'else' branch");   /* report both */
    bool numbers = tnum && else_num;
    in->unit = numbers ? unify(sc, e->cond.then, e->cond.els, "choose between", e->span) : unit_unknown();
}

/* ---- Calls ------------------------------------------------------------------ */

static void arity_text(char *buf, size_t n, int lo, int hi) {
    if (hi == lo) snprintf(buf, n, "%d argument%s", lo, lo == 1 ? "" : "s");
    else if (hi < 0) snprintf(buf, n, "at least %d arguments", lo);
    else snprintf(buf, n, "%d to %d arguments", lo, hi);
}

static double fold_builtin(int id, double *v, int n) {
    switch (id) {
    case BI_MIN: { double r = v[0]; for (int i = 1; i < n; i++) r = fmin(r, v[i]); return r; }
    case BI_MAX: { double r = v[0]; for (int i = 1; i < n; i++) r = fmax(r, v[i]); return r; }
    case BI_CLAMP: return fmin(fmax(v[0], v[1]), v[2]);
    case BI_ABS: return fabs(v[0]);
    case BI_RELU: return fmax(v[0], 0);
    case BI_EXP: return exp(v[0]);
    case BI_LOG: return log(v[0]);
    case BI_LOG10: return log10(v[0]);
    case BI_TANH: return tanh(v[0]);
    case BI_SIGMOID: return 1 / (1 + exp(-v[0]));
    case BI_SOFTPLUS: return log1p(exp(v[0]));
    case BI_SIN: return sin(v[0]);
    case BI_COS: return cos(v[0]);
    case BI_TAN: return tan(v[0]);
    case BI_ASIN: return asin(v[0]);
    case BI_ACOS: return acos(v[0]);
    case BI_ATAN: return atan(v[0]);
    case BI_LGAMMA: return lgamma(v[0]);
    case BI_SQRT: return sqrt(v[0]);
    case BI_STEP: return v[0] > 0;
    case BI_FLOOR: return floor(v[0]);
    default: return NAN;
    }
}

/* route(x, kernel(args...), n): the kernel is a user function whose first
 * parameter is the ordinate index j = 0..n-1; route fills in j. */
static void check_route(Scope *sc, Expr *e, ExprInfo *in) {
    Sema *s = sc->s;
    Expr **a = e->call.args;
    if (!(sc->where & (W_STEP | W_OUTPUT))) {
        diag_error(s->d, e->span, "route(...) is a series operator: use it in an 'output' or in a step block");
    } else if (sc->in_repeat) {
        diag_error(s->d, e->span, "route(...) cannot be used inside 'repeat': it keeps one delay line per time step");
    }
    check_expr(sc, a[0]);
    require_number(sc, a[0], "the series of route");
    in->unit = expr_info(a[0])->unit;

    Expr *k = a[1];
    ExprInfo *ki = info(s, k);
    ki->unit = unit_dimensionless();
    GlobalEntry *g = k->kind == EXPR_CALL ? sema_global(s, sc->file, k->call.callee.name) : NULL;
    if (!g || g->kind != G_FN) {
        diag_error(s->d, k->span, "the second argument of route must call a kernel function, as in uh_gamma(a, b)");
        if (k->kind == EXPR_CALL && !g) suggest_name(sc, k->call.callee, true);
    } else {
        FnInfo *fi = g->fn;
        sema_check_fn(s, fi);
        ki->call = CALL_FN;
        ki->fn = fi->decl;
        int want = fi->decl->nparams - 1;
        if (want < 0) {
            diag_error(s->d, k->span, "kernel function '%s' must take the ordinate index as its first parameter",
                       fi->decl->name.name);
            diag_note(s->d, fi->decl->name.span, "'%s' is defined here without parameters", fi->decl->name.name);
        } else if (k->call.nargs != want) {
            diag_error(s->d, k->span, "kernel '%s' takes %d argument%s after the ordinate index, found %d",
                       fi->decl->name.name, want < 0 ? 0 : want, want == 1 ? "" : "s", k->call.nargs);
            if (fi->decl->nparams)
                diag_note(s->d, fi->decl->params[0].name.span,
                          "its first parameter, '%s', receives the ordinate index 0, 1, ...",
                          fi->decl->params[0].name.name);
            else
                diag_note(s->d, fi->decl->name.span, "a kernel's first parameter receives the ordinate index 0, 1, ...");
        }
        int saved = sc->where;
        sc->where = (sc->where & ~(W_STEP | W_OUTPUT)) | W_KERNEL;
        for (int i = 0; i < k->call.nargs; i++) {
            Expr *arg = k->call.args[i];
            check_expr(sc, arg);
            require_number(sc, arg, "a kernel argument");
            if (i + 1 < fi->decl->nparams && fi->param_units) {
                Unit want_u = fi->param_units[i + 1], got = expr_info(arg)->unit;
                if (!unit_compatible(want_u, got))
                    diag_error(s->d, arg->span, "argument '%s' of kernel '%s' expects '%s', found '%s'",
                               fi->decl->params[i + 1].name.name, fi->decl->name.name, utext(s, want_u), utext(s, got));
            }
        }
        sc->where = saved;
    }

    double n = 0;
    if (check_const_expr(sc, a[2], "the kernel length", &n) && (n != floor(n) || n < 1 || n > 1000))
        diag_error(s->d, a[2]->span, "the kernel length must be a whole number from 1 to 1000, found %g", n);
}

/* norm(X): X a model input, named directly. The runtime supplies the mean
 * and standard deviation of X over the training data (dgrt.h: DgRun.input_norm). */
static void check_norm(Scope *sc, Expr *e, ExprInfo *in) {
    Sema *s = sc->s;
    Expr *x = e->call.args[0];
    check_expr(sc, x);
    in->unit = unit_dimensionless();
    ExprInfo *xi = expr_info(x);
    if (x->kind == EXPR_NAME && !xi->sym) return;   /* reported by check_name */
    if (x->kind == EXPR_NAME && xi->sym->kind == SYM_INPUT) return;
    if (sc->where & W_FN)
        diag_error(s->d, x->span, "norm() standardises a model input, which a function cannot see; call norm(...) "
                   "in the model and pass its value");
    else
        diag_error(s->d, x->span, "norm() takes a model input by name, as in norm(P)");
    if (x->kind == EXPR_NAME)
        diag_note(s->d, xi->sym->span, "'%s' is %s %s; only inputs have statistics over the training data",
                  xi->sym->name, article(sym_kind_name(xi->sym->kind)), sym_kind_name(xi->sym->kind));
}

static void check_builtin_call(Scope *sc, Expr *e, int id) {
    Sema *s = sc->s;
    ExprInfo *in = info(s, e);
    const Builtin *b = &builtins[id];
    in->call = CALL_BUILTIN;
    in->builtin = id;
    in->unit = unit_unknown();
    int n = e->call.nargs;
    if (n < b->min_args || (b->max_args >= 0 && n > b->max_args)) {
        char want[48];
        arity_text(want, sizeof want, b->min_args, b->max_args);
        diag_error(s->d, e->span, MSG_ARITY, b->name, want, n);
        for (int i = 0; i < n; i++) check_expr(sc, e->call.args[i]);
        return;
    }
    if (b->rule == BU_ROUTE) { check_route(sc, e, in); return; }
    if (b->rule == BU_NORM) { check_norm(sc, e, in); return; }

    bool all_const = true;
    double vals[16];
    for (int i = 0; i < n; i++) {
        check_expr(sc, e->call.args[i]);
        char arg_of[48];
        snprintf(arg_of, sizeof arg_of, "an argument of '%s'", b->name);
        require_number(sc, e->call.args[i], arg_of);
        ExprInfo *ai = expr_info(e->call.args[i]);
        if (!ai->is_const || i >= 16) all_const = false;
        else vals[i] = ai->value;
    }
    switch (b->rule) {
    case BU_SAME: {
        Unit u = expr_info(e->call.args[0])->unit;
        bool ok = true;
        for (int i = 1; i < n && ok; i++) {
            Unit ui = expr_info(e->call.args[i])->unit;
            if (!unit_compatible(u, ui)) {
                diag_error(s->d, e->call.args[i]->span, "the arguments of %s have different units: '%s' and '%s'",
                           b->name, utext(s, u), utext(s, ui));
                ok = false;
            }
            u = unit_pick(u, ui);
        }
        in->unit = ok ? u : unit_unknown();
        break;
    }
    case BU_DIMLESS: {
        char what[64];
        snprintf(what, sizeof what, "the argument of %s", b->name);
        require_dimensionless(sc, e->call.args[0], what);
        in->unit = unit_dimensionless();
        break;
    }
    case BU_SQRT: {
        Unit u = expr_info(e->call.args[0])->unit;
        in->unit = u.kind == UNIT_KNOWN ? unit_pow(u, 0.5) : u;
        break;
    }
    case BU_INDICATOR: in->unit = unit_dimensionless(); break;
    case BU_ROUTE: case BU_NORM: break;
    }
    if (all_const) {
        double v = fold_builtin(id, vals, n);
        if (isfinite(v)) { in->is_const = true; in->value = v; }
    }
}

static void check_net_call(Scope *sc, Expr *e, Sym *net) {
    Sema *s = sc->s;
    ExprInfo *in = info(s, e);
    in->call = CALL_NET;
    in->sym = net;
    in->unit = unit_unknown();
    if (!(sc->where & (W_FLUX | W_STEP | W_OUTPUT)))
        diag_error(s->d, e->span, "network '%s' can only be called in fluxes, step blocks and outputs", net->name);
    if (net->n_in >= 1 && e->call.nargs != net->n_in) {   /* a bad input size is reported at the net */
        diag_error(s->d, e->span, "network '%s' takes %d input%s, found %d", net->name, net->n_in,
                   net->n_in == 1 ? "" : "s", e->call.nargs);
        diag_note(s->d, net->span, "'%s' is declared here", net->name);
    }
    for (int i = 0; i < e->call.nargs; i++) {
        check_expr(sc, e->call.args[i]);
        require_number(sc, e->call.args[i], "a network input");
    }
    if (net->n_out > 1 && sc->indexed != e) {
        diag_error(s->d, e->span, "network '%s' has %d outputs; select one, as in %s(...)[0]", net->name, net->n_out,
                   net->name);
    }
}

static void check_fn_call(Scope *sc, Expr *e, FnInfo *fi) {
    Sema *s = sc->s;
    ExprInfo *in = info(s, e);
    sema_check_fn(s, fi);
    in->call = CALL_FN;
    in->fn = fi->decl;
    /* in step blocks a rate is read per step: both for the result and for
     * the arguments (P : mm/d is read as mm, so 'k : mm/d' expects mm) */
    in->unit = sc->per_step ? unit_per_step(fi->result_unit) : fi->result_unit;
    if (sc->fn) {
        FnInfo *caller = sc->fn;
        if (caller->ncallees == caller->capcallees) {
            int ncap = caller->capcallees ? caller->capcallees * 2 : 4;
            FnInfo **nc = ARENA_ARRAY(s->a, FnInfo *, ncap);
            Span *ns = ARENA_ARRAY(s->a, Span, ncap);
            if (caller->ncallees) {
                memcpy(nc, caller->callees, sizeof(FnInfo *) * (size_t)caller->ncallees);
                memcpy(ns, caller->call_spans, sizeof(Span) * (size_t)caller->ncallees);
            }
            caller->callees = nc;
            caller->call_spans = ns;
            caller->capcallees = ncap;
        }
        caller->call_spans[caller->ncallees] = e->call.callee.span;
        caller->callees[caller->ncallees++] = fi;
    }
    const FnDecl *fn = fi->decl;
    if (e->call.nargs != fn->nparams) {
        char want[48];
        arity_text(want, sizeof want, fn->nparams, fn->nparams);
        diag_error(s->d, e->span, MSG_ARITY, fn->name.name, want, e->call.nargs);
        diag_note(s->d, fn->name.span, "'%s' is defined here", fn->name.name);
    }
    for (int i = 0; i < e->call.nargs; i++) {
        Expr *arg = e->call.args[i];
        check_expr(sc, arg);
        require_number(sc, arg, "a function argument");
        if (i < fn->nparams && fi->param_units) {
            Unit want = fi->param_units[i], got = expr_info(arg)->unit;
            if (!unit_compatible(sc->per_step ? unit_per_step(want) : want, got))
                diag_error(s->d, arg->span, "argument '%s' of '%s' expects '%s', found '%s'", fn->params[i].name.name,
                           fn->name.name, utext(s, want), utext(s, got));
        }
    }
}

static void check_call(Scope *sc, Expr *e) {
    Sema *s = sc->s;
    const char *name = e->call.callee.name;
    Sym *local = find_in(sc->locals, name);
    Sym *msym = (sc->where & W_FN) ? NULL : find_model_sym(sc->m, name);
    if (msym && msym->kind == SYM_NET && !local) { check_net_call(sc, e, msym); return; }
    GlobalEntry *g = sema_global(s, sc->file, name);
    if (g && g->kind == G_FN && !local && !msym) { check_fn_call(sc, e, g->fn); return; }
    int b = builtin_find(name);
    if (b >= 0 && !local && !msym) { check_builtin_call(sc, e, b); return; }

    ExprInfo *in = info(s, e);
    in->unit = unit_unknown();
    if (local || msym) {
        Sym *sym = local ? local : msym;
        diag_error(s->d, e->call.callee.span, "'%s' is %s %s, not a function", name, article(sym_kind_name(sym->kind)),
                   sym_kind_name(sym->kind));
    } else {
        diag_error(s->d, e->call.callee.span, MSG_UNKNOWN_FN, name);
        suggest_name(sc, e->call.callee, true);
    }
    for (int i = 0; i < e->call.nargs; i++) check_expr(sc, e->call.args[i]);
}

static void check_index(Scope *sc, Expr *e) {
    Sema *s = sc->s;
    ExprInfo *in = info(s, e);
    Expr *base = e->index.base;
    in->unit = unit_unknown();
    if (base->kind != EXPR_CALL) {
        check_expr(sc, base);
        diag_error(s->d, e->span, "only the result of a network call can be indexed, as in net(x, y)[0]");
        return;
    }
    sc->indexed = base;   /* a multi-output network call is fine here */
    check_expr(sc, base);
    sc->indexed = NULL;
    ExprInfo *bi = expr_info(base);
    double k = 0;
    bool kc = check_const_expr(sc, e->index.index, "an output index", &k);
    if (bi->call != CALL_NET) {
        diag_error(s->d, e->span, "only the result of a network call can be indexed, as in net(x, y)[0]");
        return;
    }
    int n_out = bi->sym->n_out;
    if (kc && n_out >= 1 && (k != floor(k) || k < 0 || k >= n_out))
        diag_error(s->d, e->index.index->span, "network '%s' has %d output%s, so the index must be 0..%d, found %g",
                   bi->sym->name, n_out, n_out == 1 ? "" : "s", n_out - 1, k);
}

/* ---- Entry points ------------------------------------------------------------ */

static void check_expr_node(Scope *sc, Expr *e) {
    Sema *s = sc->s;
    switch (e->kind) {
    case EXPR_NUM: {
        ExprInfo *in = info(s, e);
        in->unit = unit_any();
        in->is_const = true;
        in->value = e->num;
        return;
    }
    case EXPR_NAME: check_name(sc, e); return;
    case EXPR_UNARY: check_unary(sc, e); return;
    case EXPR_BINARY: check_binary(sc, e); return;
    case EXPR_CALL: check_call(sc, e); return;
    case EXPR_INDEX: check_index(sc, e); return;
    case EXPR_IF: check_if(sc, e); return;
    }
}

/* Is the C stack used since checking started beyond the budget? */
static bool stack_exhausted(Sema *s) {
    char *here = __builtin_frame_address(0);
    if (!s->stack_base) {   /* first check: set the budget */
        struct rlimit rl;
        size_t limit = 8u << 20;
        if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) limit = (size_t)rl.rlim_cur;
        s->stack_budget = limit / SEMA_STACK_SHARE < SEMA_STACK_MAX ? limit / SEMA_STACK_SHARE : SEMA_STACK_MAX;
        s->stack_base = here;
    }
    return here < s->stack_base && (size_t)(s->stack_base - here) > s->stack_budget;
}

void check_expr(Scope *sc, Expr *e) {
    Sema *s = sc->s;
    if (stack_exhausted(s)) {
        diag_error(s->d, e->span, "this is nested too deeply to check (an expression, or functions and constants "
                                  "that use each other in a very long chain)");
        info(s, e)->unit = unit_unknown();
        return;
    }
    check_expr_node(sc, e);
}

bool check_const_expr(Scope *sc, Expr *e, const char *what, double *out) {
    int saved = sc->where;
    sc->where = W_CONST;
    int before = diag_error_count(sc->s->d);
    check_expr(sc, e);
    sc->where = saved;
    ExprInfo *in = expr_info(e);
    if (in->is_const) { *out = in->value; return true; }
    if (diag_error_count(sc->s->d) == before) diag_error(sc->s->d, e->span, "%s must be a finite constant", what);
    return false;
}
