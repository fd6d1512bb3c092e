/* sema_step_rates.c — rates and storages in the outputs of a step-form model.
 * Inside step blocks a rate X/d reads as the amount X of one daily step
 * (lang/REFERENCE.md §19.3), so the unit check cannot tell a flux from a
 * storage: both are mm there. This pass follows the units as declared, with
 * rates kept as rates (P : mm/d, K : 1/d, K * S : mm/d, S : mm), and reports
 * an output whose value is clearly a storage but is declared as a rate
 * (SWE : mm/d = SNOW), or clearly a rate declared as a storage
 * (Q : mm = K * S). A value that mixes both readings (S + P, min(PET, S),
 * which the per-step reading allows) has no such unit here and is left alone;
 * the mass-balance check settles those outputs that carry water out
 * (sema_step_balance.c). */
#include "sema_internal.h"

#include <string.h>

typedef struct {
    Sema         *s;
    CheckedModel *m;
    Unit         *local;      /* per step variable: its unit with rates kept (UNKNOWN: mixed or unchecked) */
} Rates;

/* a + b, min(a, b), if c then a else b: one unit, or none */
static Unit same(Unit a, Unit b) {
    if (a.kind == UNIT_ANY) return b;
    if (b.kind == UNIT_ANY) return a;
    if (a.kind == UNIT_KNOWN && b.kind == UNIT_KNOWN && unit_same(a, b)) return a;
    return unit_unknown();
}

static Unit unit_of(Rates *r, const Expr *e);

static Unit call_unit(Rates *r, const Expr *e) {
    const ExprInfo *in = expr_info(e);
    if (in->call == CALL_FN) {
        FnInfo *fi = ptrmap_get(&r->s->fn_index, in->fn);
        return fi ? fi->result_unit : unit_unknown();
    }
    if (in->call != CALL_BUILTIN) return unit_unknown();   /* a network: unchecked */
    const Builtin *b = &builtins[in->builtin];
    switch (b->rule) {
    case BU_SAME: {
        Unit u = unit_of(r, e->call.args[0]);
        for (int i = 1; i < e->call.nargs; i++) u = same(u, unit_of(r, e->call.args[i]));
        return u;
    }
    case BU_SQRT: {
        Unit u = unit_of(r, e->call.args[0]);
        return u.kind == UNIT_KNOWN ? unit_pow(u, 0.5) : u;
    }
    case BU_ROUTE: return unit_of(r, e->call.args[0]);
    case BU_DIMLESS:
    case BU_INDICATOR:
    case BU_NORM: return unit_dimensionless();   /* (X - mean) / std */
    }
    return unit_unknown();
}

static Unit unit_of(Rates *r, const Expr *e) {
    const ExprInfo *in = expr_info(e);
    switch (e->kind) {
    case EXPR_NUM: return unit_any();
    case EXPR_NAME:
        if (!in->sym) return unit_unknown();
        if (in->sym->kind == SYM_LOCAL) return r->local[in->sym->index];
        return in->sym->unit;   /* as declared: P : mm/d stays a rate */
    case EXPR_UNARY: return e->unary.op == OP_NEG ? unit_of(r, e->unary.arg) : unit_dimensionless();
    case EXPR_BINARY: {
        Unit a = unit_of(r, e->binary.lhs), b = unit_of(r, e->binary.rhs);
        switch (e->binary.op) {
        case OP_ADD: case OP_SUB: return same(a, b);
        case OP_MUL: return unit_mul(a, b);
        case OP_DIV: return unit_div(a, b);
        case OP_POW: {
            const ExprInfo *ri = expr_info(e->binary.rhs);
            if (a.kind != UNIT_KNOWN || unit_is_dimensionless(a)) return a;
            return ri->is_const ? unit_pow(a, ri->value) : unit_unknown();
        }
        default: return unit_dimensionless();   /* a condition */
        }
    }
    case EXPR_CALL: return call_unit(r, e);
    case EXPR_INDEX: return unit_unknown();
    case EXPR_IF: return same(unit_of(r, e->cond.then), unit_of(r, e->cond.els));
    }
    return unit_unknown();
}

/* Both known, equal but for time: one is X and the other X/d. */
static bool differ_by_a_day(Unit declared, Unit value) {
    if (declared.kind != UNIT_KNOWN || value.kind != UNIT_KNOWN) return false;
    for (int i = 0; i < DIM_COUNT; i++)
        if (i != DIM_TIME && declared.dim[i] != value.dim[i]) return false;
    int dt = declared.dim[DIM_TIME] - value.dim[DIM_TIME];   /* in halves: -2 is one '/d' */
    if (dt != 2 && dt != -2) return false;
    Unit a = unit_per_step(declared), b = unit_per_step(value);
    return unit_same(a, b);   /* the per-step reading accepted it: same dims and scale once /d is dropped */
}

static bool is_rate(Unit u) { return u.kind == UNIT_KNOWN && u.dim[DIM_TIME] == -2; }

/* A store's content as such: a state, or sums and scalings of states
 * (SNOW, G1 + G2, w1 * SM1). A step variable in mm may be an amount the step
 * moves (excess = max(S - FC, 0); S -= excess), so it does not count. */
static bool is_storage(const Expr *e) {
    const ExprInfo *in = expr_info(e);
    switch (e->kind) {
    case EXPR_NAME: return in->sym && in->sym->kind == SYM_STATE;
    case EXPR_UNARY: return e->unary.op == OP_NEG && is_storage(e->unary.arg);
    case EXPR_BINARY:
        switch (e->binary.op) {
        case OP_ADD: case OP_SUB: return is_storage(e->binary.lhs) && is_storage(e->binary.rhs);
        case OP_MUL: return (is_storage(e->binary.lhs) && !is_storage(e->binary.rhs)) ||
                            (is_storage(e->binary.rhs) && !is_storage(e->binary.lhs));
        case OP_DIV: return is_storage(e->binary.lhs) && !is_storage(e->binary.rhs);
        default: return false;
        }
    default: return false;
    }
}

void sema_check_step_rates(Sema *s, CheckedModel *m) {
    if (checked_model_has_repeat(m)) return;   /* step variables of repeat bodies have no single unit per step */
    Rates r = {.s = s, .m = m};
    r.local = ARENA_ARRAY(s->a, Unit, m->locals.n ? m->locals.n : 1);
    for (int p = 0; p < m->nphases; p++) {
        const Phase *ph = &m->phases[p];
        for (int k = 0; k < ph->nstmts; k++) {
            const CheckedStmt *cs = &ph->stmts[k];
            if (cs->target->kind != SYM_LOCAL) continue;
            Unit u = unit_of(&r, cs->stmt->value);
            Unit *slot = &r.local[cs->target->index];
            *slot = cs->defines ? u : same(*slot, u);   /* x += e keeps x's unit only if e has it */
        }
    }
    m->output_value_unit = ARENA_ARRAY(s->a, Unit, m->outputs.n ? m->outputs.n : 1);
    for (int i = 0; i < m->outputs.n; i++) {
        Sym *o = m->outputs.items[i];
        Unit v = unit_of(&r, o->def);
        m->output_value_unit[i] = v;
        if (!differ_by_a_day(o->unit, v)) continue;
        if (is_rate(o->unit)) {
            if (!is_storage(o->def)) continue;   /* max(S - FC, 0) is mm, and may be what a step moves */
            diag_error(s->d, o->def->span, "output '%s' is declared in '%s', a rate, but its value is a storage in '%s'",
                       o->name, utext(s, o->unit), utext(s, v));
            diag_note_plain(s->d, "in a step-form model an output in '%s' reports what one step moves; declare a "
                            "storage as 'output %s : %s'", utext(s, o->unit), o->name, utext(s, v));
        } else {
            diag_error(s->d, o->def->span, "output '%s' is declared in '%s', a storage, but its value is a rate in '%s'",
                       o->name, utext(s, o->unit), utext(s, v));
            diag_note_plain(s->d, "declare it as a rate, as in 'output %s : %s'", o->name, utext(s, v));
        }
    }
}
