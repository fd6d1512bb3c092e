/* balance_diagnosis.c — of the step-form mass balance (sema_step_balance.c),
 * what is said when it does not hold: the named amounts (step variables,
 * limits, terms of updates) that remain, water created or lost, each an
 * error; what nothing named explains, a warning; the --summary line; and the
 * checks of outputs (reporting ones are rates; an output in mm/d reports
 * water some store gives up). */
#include "step_balance.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Explaining what remains ------------------------------------------------------------ */


/* Is factor * cand, for some single-term factor, part of res? */
static bool find_multiple(Bal *b, Poly res, Poly cand, Poly *factor) {
    if (!cand.n || cand.n > res.n || bal_over_budget(b)) return false;
    uint64_t key = bal_amount_hash(b, &cand.t[0]);
    Poly inv;
    if (!poly_inverse(b->pc, (Poly){&cand.t[0], 1}, &inv)) return false;
    for (int i = 0; i < res.n; i++) {
        if (bal_amount_hash(b, &res.t[i]) != key) continue;
        Poly f = poly_mul(b->pc, (Poly){&res.t[i], 1}, inv);
        if (f.n != 1) continue;
        Poly part = poly_mul(b->pc, f, cand);
        Poly rest = poly_add(b->pc, res, part, -1);
        if (rest.n == res.n - part.n) {   /* every term of the part cancels one of res */
            *factor = f;
            return true;
        }
    }
    return false;
}

/* Candidates, in this order: limits (each its own atom), step variables
 * (earliest first: where an amount is made), amounts written straight into
 * an update (S -= min(loss, S)). */
static int candidates(Bal *b, Culprit *c, Poly *value) {
    int n = 0;
    for (int a = 0; a < b->sys->natoms; a++)
        if (b->sys->atoms[a].kind == ATOM_LIMIT) {
            value[n] = poly_atom(b->pc, a, b->sys->atoms[a].span);
            c[n++] = (Culprit){-1, a, -1, poly_zero(), poly_zero()};
        }
    for (int l = 0; l < b->m->locals.n; l++) {
        value[n] = bal_candidate(b, b->sys->local[l]);
        c[n++] = (Culprit){l, -1, -1, poly_zero(), poly_zero()};
    }
    for (int u = 0; u < b->sys->nupdate; u++) {
        value[n] = bal_candidate(b, b->sys->update[u].value);
        c[n++] = (Culprit){-1, -1, u, poly_zero(), poly_zero()};
    }
    return n;
}

/* Names the amounts that make up res: first one that is all of it (the
 * lost qs, not the OV1 it carries a share of), else, greedily, the one that
 * explains most terms, preferring whole amounts (factor 1 or -1). */
int bal_explain(Bal *b, Poly *res, Culprit *out, int max) {
    int total = b->sys->natoms + b->m->locals.n + b->sys->nupdate;
    Culprit *c = ARENA_ARRAY(b->a, Culprit, total ? total : 1);
    Poly *value = ARENA_ARRAY(b->a, Poly, total ? total : 1);
    int nc = candidates(b, c, value), n = 0;
    for (int k = 0; k < nc; k++) {
        Poly f;
        if (find_multiple(b, *res, value[k], &f) && poly_mul(b->pc, f, value[k]).n == res->n) {
            out[0] = c[k];
            out[0].factor = f;
            out[0].part = *res;
            *res = poly_zero();
            return 1;
        }
    }
    while (n < max && res->n) {
        int pick = -1, pick_terms = 0;
        bool pick_whole = false;
        Poly pick_f = poly_zero();
        for (int k = 0; k < nc; k++) {
            Poly f;
            if (!find_multiple(b, *res, value[k], &f)) continue;
            bool whole = fabs(fabs(f.t[0].coef) - 1) <= 1e-12 && f.t[0].nf == 0;
            int terms = value[k].n;
            if (pick < 0 || terms > pick_terms || (terms == pick_terms && whole && !pick_whole)) {
                pick = k, pick_terms = terms, pick_whole = whole, pick_f = f;
            }
        }
        if (pick < 0) break;
        Poly part = poly_mul(b->pc, pick_f, value[pick]);
        *res = poly_add(b->pc, *res, part, -1);
        out[n] = c[pick];
        out[n].part = part;
        out[n++].factor = pick_f;
    }
    return n;
}

/* 'S', 'S' and 'F', or 'S', 'F' and 'G': the stores where cand changes with the given sign. */
static const char *stores_of(Bal *b, Poly cand, int sign) {
    char buf[256];
    StrBuf sb;
    strbuf_init(&sb, buf, sizeof buf);
    int n = 0, total = 0;
    for (int s = 0; s < b->ns; s++) {
        Poly f;
        if (!find_multiple(b, poly_mul(b->pc, b->best_w[s], b->delta[s]), cand, &f)) continue;
        if ((f.t[0].coef > 0) == (sign > 0)) total++;
    }
    for (int s = 0; s < b->ns; s++) {
        Poly f;
        if (!find_multiple(b, poly_mul(b->pc, b->best_w[s], b->delta[s]), cand, &f)) continue;
        if ((f.t[0].coef > 0) != (sign > 0)) continue;
        n++;
        strbuf_add(&sb, "%s'%s'", n == 1 ? "" : n == total ? " and " : ", ", b->m->states.items[s]->name);
    }
    if (!n) return NULL;
    return arena_strndup(b->a, buf, sb.len);
}

/* The first reporting output that holds cand, or NULL. */
static Sym *reporting_output_of(Bal *b, Poly cand) {
    for (int o = 0; o < b->no; o++) {
        Poly f;
        if (b->best_x[o] && find_multiple(b, b->out[o], cand, &f)) return b->m->outputs.items[o];
    }
    return NULL;
}

/* An amount of water per day (mm/d, m/d). */
/* Is the term's monomial an argument (or part of one) of a closed amount
 * that a store moves, directly or nested? Keys write a monomial as
 * "c*a3^1*a5^1". */
static bool inside_a_move(Bal *b, const PolyTerm *t, const bool *in_store, const bool *nested) {
    char pat[256];
    StrBuf sb;
    strbuf_init(&sb, pat, sizeof pat);
    for (int k = 0; k < t->nf; k++) strbuf_add(&sb, "*a%d^%d", t->f[k].atom, t->f[k].power);
    if (sb.cut || !sb.len) return false;
    for (int a = 0; a < b->sys->natoms; a++) {
        const Atom *at = &b->sys->atoms[a];
        if (!(in_store[a] || nested[a]) || at->kind == ATOM_STATE || at->kind == ATOM_INPUT) continue;
        for (const char *p = at->key; (p = strstr(p, pat)) != NULL; p++)
            if (p[sb.len] != '*' && p[sb.len] != '^') return true;
    }
    return false;
}

static bool rate_of_water(Unit u) {
    return u.kind == UNIT_KNOWN && u.dim[DIM_LENGTH] == 2 && u.dim[DIM_TIME] == -2 && u.dim[DIM_TEMP] == 0 &&
           u.dim[DIM_MASS] == 0;
}

/* Does closed atom a hold one of the atoms marked in `of` among its
 * arguments (at any depth)? Keys name their arguments' atoms as "a<n>^". */
static bool holds(Bal *b, int a, const bool *of, signed char *memo) {
    const Atom *at = &b->sys->atoms[a];
    if (at->kind != ATOM_CALL && at->kind != ATOM_COND && at->kind != ATOM_LIMIT && at->kind != ATOM_OPAQUE) return false;
    if (memo[a]) return memo[a] == 1;
    memo[a] = 2;   /* keys cannot refer to themselves, but be safe */
    for (const char *p = at->key; (p = strchr(p, 'a')) != NULL; p++) {
        char *end;
        long id = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '^' || id < 0 || id >= b->sys->natoms) continue;
        if (of[id] || (!b->in_store[id] && holds(b, (int)id, of, memo))) { memo[a] = 1; return true; }
    }
    return false;
}

/* Might an output that is not counted as reporting water report this lost
 * amount in a form the algebra cannot see, inside a closed function
 * (Q = if S > 5 then 5 else S, for the water taken from S)? */
bool bal_maybe_reported(Bal *b, Poly part) {
    bool *of = ARENA_ARRAY(b->a, bool, b->sys->natoms);
    signed char *memo = ARENA_ARRAY(b->a, signed char, b->sys->natoms);
    for (int i = 0; i < part.n; i++)
        for (int k = 0; k < part.t[i].nf; k++)
            if (b->sys->atoms[part.t[i].f[k].atom].dynamic) of[part.t[i].f[k].atom] = true;
    for (int o = 0; o < b->no; o++) {
        Unit u = b->m->outputs.items[o]->unit;
        if (b->best_x[o] || (u.kind == UNIT_KNOWN && !rate_of_water(u))) continue;   /* evapfactor, SWE: no water that leaves */
        Poly out = b->sys->output[o];
        for (int i = 0; i < out.n; i++)
            for (int k = 0; k < out.t[i].nf; k++) {
                int a = out.t[i].f[k].atom;
                /* an atom of the amount itself is in plain sight; one a store moves is accounted for there */
                if (!of[a] && !b->in_store[a] && holds(b, a, of, memo)) return true;
            }
    }
    return false;
}

void bal_report_culprit(Bal *b, const Culprit *c) {
    Diag *d = b->s->d;
    /* the sign of the part that remains: water created (+) or lost (-) */
    int sign = c->part.n && c->part.t[0].coef > 0 ? 1 : -1;
    if (c->atom >= 0) {
        const Atom *at = &b->sys->atoms[c->atom];
        bool store = at->state >= 0 && at->stmt;   /* S = max(S - x, c): the floor of a store */
        const char *target = store ? at->stmt->target.name : NULL;
        if (at->limit_sign > 0 && store) {
            diag_error(d, at->span, "'%s' adds water to '%s' whenever '%s' is below '%s': that water comes from nowhere",
                       at->text, target, at->value_text, at->bound_text);
            diag_note_plain(d, "if this floor is an intended guard, mark the statement: 'source %s = %s'", target,
                            at->text);
        } else if (at->limit_sign > 0) {
            diag_error(d, at->span, "'%s' adds water whenever '%s' is below '%s': that water comes from nowhere",
                       at->text, at->value_text, at->bound_text);
            diag_note_plain(d, "if this floor is intended, name the amount and mark it: 'source x = %s'", at->text);
        } else if (store) {
            diag_error(d, at->span, "'%s' removes the water of '%s' above '%s', and that water reaches no store, "
                       "output or sink", at->text, target, at->bound_text);
            diag_note_plain(d, "report the excess in an output or a store, or mark the statement 'sink %s = %s' if it "
                            "leaves the model", target, at->text);
        } else {
            diag_error(d, at->span, "'%s' keeps at most '%s' of '%s'; the rest reaches no store, output or sink",
                       at->text, at->bound_text, at->value_text);
            diag_note_plain(d, "report the rest (with 'x = %s', as in 'spill = %s - x' and 'output spill : mm/d'), "
                            "or, if the rest leaves the model, mark the statement of the limit: 'sink x = %s'",
                            at->text, at->value_text, at->text);
        }
        return;
    }
    if (c->update >= 0) {
        const StepUpdate *u = &b->sys->update[c->update];
        const char *text = step_span_text(b->s, b->a, u->span, 50);
        const char *store = b->m->states.items[u->state]->name;
        if (sign > 0) {
            diag_error(d, u->span, "'%s' enters '%s' but is taken from no store and comes from no input: it creates "
                       "water", text, store);
            diag_note_plain(d, "take it out of the store it comes from, or name it and mark it 'source x = %s' if "
                            "it enters from outside the model", text);
        } else {
            diag_error(d, u->span, "'%s' leaves '%s' but reaches no store, output or sink: its water is lost", text,
                       store);
            diag_note_plain(d, "name it and report it (as in 'x = %s', '%s -= x', 'output x : mm/d'), or mark it "
                            "'sink x = %s' if it leaves the model", text, store, text);
        }
        return;
    }
    Sym *x = b->m->locals.items[c->local];
    Span at = b->sys->first_use[c->local].end ? b->sys->first_use[c->local] : x->span;
    Poly cand = bal_candidate(b, b->sys->local[c->local]);
    const char *stores = stores_of(b, cand, sign);
    Sym *out = stores ? NULL : reporting_output_of(b, cand);
    if (!stores) stores = "the stores";
    if (sign > 0 && out) {   /* reported, but taken from no store: `SUZ -= Q0` left out */
        diag_error(d, at, "output '%s' reports '%s', which is taken from no store: that water comes from nowhere",
                   out->name, x->name);
        diag_note(d, x->span, "'%s' is computed here; take it out of the store it drains (as in 'STORE -= %s'), or "
                  "leave it out of the output", x->name, x->name);
    } else if (sign > 0) {
        diag_error(d, at, "'%s' enters %s but is taken from no store and comes from no input: it creates water",
                   x->name, stores);
        diag_note(d, x->span, "'%s' is computed here; take it out of the store it comes from (as in 'STORE -= %s'), "
                  "or mark it 'source %s = ...' if it enters from outside the model", x->name, x->name, x->name);
    } else {
        diag_error(d, at, "'%s' leaves %s but reaches no store, output or sink: its water is lost", x->name, stores);
        diag_note(d, x->span, "'%s' is computed here; add it to the store it feeds, report it in an output, or mark "
                  "it 'sink %s = ...' if it leaves the model", x->name, x->name);
    }
}

/* 'k * S', '0.5 * melt', 'min(P, E)': one term, written from its atoms. */
static const char *term_text(Bal *b, const PolyTerm *t) {
    char buf[200];
    StrBuf sb;
    strbuf_init(&sb, buf, sizeof buf);
    if (fabs(fabs(t->coef) - 1) > 1e-12) strbuf_add(&sb, "%g", fabs(t->coef));
    for (int k = 0; k < t->nf; k++) {
        const Atom *a = &b->sys->atoms[t->f[k].atom];
        bool inv = a->kind == ATOM_CALL && !strncmp(a->key, "f:inv(", 6);
        int p = inv ? -t->f[k].power : t->f[k].power;
        bool paren = strpbrk(a->text, " +-*/") && !strchr(a->text, '(');
        strbuf_add(&sb, "%s%s%s%s", sb.len ? (p > 0 ? " * " : " / ") : (p > 0 ? "" : "1 / "), paren ? "(" : "",
                   a->text, paren ? ")" : "");
        if (abs(p) != 1) strbuf_add(&sb, "^%d", abs(p));
    }
    if (!sb.len) strbuf_add(&sb, "1");
    return arena_strndup(b->a, buf, sb.len);
}

/* A warning for what no named amount explains: the balance is not proven. */
void bal_report_unproven(Bal *b, Poly res, int nculprits) {
    Diag *d = b->s->d;
    Span at = res.t[0].span.end ? res.t[0].span : b->m->span;
    if (b->sys->inexact)
        diag_warning(d, at, "cannot prove that model '%s' conserves water: some values of its step are too large to "
                     "expand", b->m->name);
    else if (b->cut_short)
        diag_warning(d, at, "cannot prove that model '%s' conserves water: the step is too large to search all "
                     "weights and outputs; %d amount%s do%s not balance", b->m->name, res.n, res.n == 1 ? "" : "s",
                     res.n == 1 ? "es" : "");
    else
        diag_warning(d, at, "cannot prove that model '%s' conserves water: %d amount%s do%s not balance",
                     b->m->name, res.n, res.n == 1 ? "" : "s", res.n == 1 ? "es" : "");
    for (int i = 0; i < res.n && i < MAX_NOTES; i++) {
        const PolyTerm *t = &res.t[i];
        const char *what = t->coef > 0 ? "appears in the stores" : "leaves the stores";
        if (t->span.end) diag_note(d, t->span, "'%s' %s and no output, input or mark accounts for it", term_text(b, t), what);
        else diag_note_plain(d, "'%s' %s and no output, input or mark accounts for it", term_text(b, t), what);
    }
    if (nculprits) diag_note_plain(d, "the errors above explain the rest");
    if (b->ambiguous)
        diag_note_plain(d, "which amount is unmatched depends on which outputs are taken to report the water that "
                           "leaves: name the amounts that leave and report them");
    else
        diag_note_plain(d, "the check expands +, -, *, if and user functions, and keeps other functions closed; an "
                           "identity it does not know (such as min(a, b) = a - max(a - b, 0)) looks like an "
                           "imbalance");
}

/* ---- Summary ------------------------------------------------------------------------------ */

static void weight_text(Bal *b, StrBuf *sb, Poly w) {
    for (int i = 0; i < w.n; i++) {
        bool neg = w.t[i].coef < 0;
        strbuf_add(sb, "%s%s", i ? (neg ? " - " : " + ") : (neg ? "-" : ""), term_text(b, &w.t[i]));
    }
}

const char *bal_summary(Bal *b) {
    char buf[1024];
    StrBuf sb;
    strbuf_init(&sb, buf, sizeof buf);
    strbuf_add(&sb, "proven");
    int n = 0;
    for (int a = 0; a < b->sys->natoms; a++)
        if (b->input_used[a]) strbuf_add(&sb, "%s%s", n++ ? ", " : "; water enters from ", b->sys->atoms[a].text);
    n = 0;
    for (int o = 0; o < b->no; o++)
        if (b->best_x[o]) strbuf_add(&sb, "%s%s", n++ ? ", " : "; leaves through ", b->m->outputs.items[o]->name);
    for (int kind = 0; kind < 2; kind++) {
        n = 0;
        for (int a = 0; a < b->sys->natoms; a++) {
            const Atom *at = &b->sys->atoms[a];
            if (!at->exempt || !at->stmt || (at->stmt->mark == STMT_MARK_SINK) != (kind == 0)) continue;
            const char *what = at->kind == ATOM_BOUNDARY ? at->text
                             : arena_printf(b->a, "the %s of %s", at->limit_sign > 0 ? "floor" : "cap",
                                            at->stmt->target.name);
            if (strstr(buf, what)) continue;   /* two floors of SM: named once */
            strbuf_add(&sb, "%s%s", n++ ? ", " : kind == 0 ? "; sinks " : "; sources ", what);
        }
    }
    n = 0;
    for (int s = 0; s < b->ns; s++)
        if (b->delta[s].n && b->best_w[s].t[0].coef < 0) strbuf_add(&sb, "%s%s", n++ ? ", " : "; deficits ", b->m->states.items[s]->name);
    n = 0;
    for (int s = 0; s < b->ns; s++) {
        if (!b->delta[s].n) continue;
        Poly w = b->best_w[s];
        if (w.n == 1 && w.t[0].nf == 0 && fabs(fabs(w.t[0].coef) - 1) <= 1e-12) continue;
        strbuf_add(&sb, "%s%s by ", n++ ? ", " : "; weights ", b->m->states.items[s]->name);
        weight_text(b, &sb, w);
    }
    return arena_strndup(&b->s->p->arena, buf, sb.len);
}

/* An output that carries water out of the stores reports an amount per step:
 * declared as a storage ('mm'), it would be read as one. */
void bal_verify_reporting_units(Bal *b) {
    for (int o = 0; o < b->no; o++) {
        Sym *out = b->m->outputs.items[o];
        Unit u = out->unit;
        if (!b->best_x[o] || u.kind != UNIT_KNOWN || u.dim[DIM_TIME] != 0 || u.dim[DIM_LENGTH] == 0) continue;
        const Unit *v = b->m->output_value_unit;
        if (v && v[o].kind == UNIT_KNOWN && v[o].dim[DIM_TIME] == -2) continue;   /* a rate: sema_step_rates.c said so */
        diag_error(b->s->d, out->span, "output '%s' reports water that leaves the stores in each step, a rate, but is "
                   "declared in '%s', a storage", out->name, utext(b->s, u));
        diag_note_plain(b->s->d, "declare it per day, as in 'output %s : %s/d'", out->name, utext(b->s, u));
    }
}

/* ---- Outputs that report water no store gives up -------------------------------------------- */

/* An output in mm/d that is not among the reporting ones (a component such
 * as 'srflow', a diagnostic such as 'recharge') must still report water that
 * moves through the stores. If `SUZ -= Q0` is left out, 'streamflow' keeps
 * reporting Q0, computed from SUZ but taken from no store: created water the
 * balance above does not see, because it can count 'ssflow' and 'gwflow'
 * instead. Amounts that depend on no store (a potential melt, PET) are
 * diagnostics, and so are amounts that a store moves in another form
 * (loss, where the store gives up min(loss, S)): neither is reported. */

/* Marks every atom nested in an atom of a store's change (memo: 0 new, 1 done). */
static void mark_nested(Bal *b, int a, bool *nested, signed char *memo) {
    if (memo[a]) return;
    memo[a] = 1;
    for (const char *p = b->sys->atoms[a].key; (p = strchr(p, 'a')) != NULL; p++) {
        char *end;
        long id = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '^' || id < 0 || id >= b->sys->natoms) continue;
        nested[id] = true;
        mark_nested(b, (int)id, nested, memo);
    }
}

static bool holds_state(Bal *b, int a, signed char *memo) {
    const Atom *at = &b->sys->atoms[a];
    if (at->kind == ATOM_STATE) return b->sys->water[at->state];
    if (memo[a]) return memo[a] == 1;
    memo[a] = 2;
    for (const char *p = at->key; (p = strchr(p, 'a')) != NULL; p++) {
        char *end;
        long id = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '^' || id < 0 || id >= b->sys->natoms) continue;
        if (holds_state(b, (int)id, memo)) { memo[a] = 1; return true; }
    }
    return false;
}

void bal_verify_output_sources(Bal *b) {
    int n = 0, cap = 64;
    uint64_t *moved = ARENA_ARRAY(b->a, uint64_t, cap);
    bool *in_store = ARENA_ARRAY(b->a, bool, b->sys->natoms), *nested = ARENA_ARRAY(b->a, bool, b->sys->natoms);
    signed char *memo = ARENA_ARRAY(b->a, signed char, b->sys->natoms);
    signed char *smemo = ARENA_ARRAY(b->a, signed char, b->sys->natoms);
    for (int s = 0; s < b->ns; s++) {
        if (!b->sys->water[s]) continue;
        for (int c = 0; c < b->sys->nchange[s]; c++) {
            Poly ch = b->sys->change[s][c];
            for (int i = 0; i < ch.n; i++) {
                if (n == cap) {
                    uint64_t *g = ARENA_ARRAY(b->a, uint64_t, 2 * cap);
                    memcpy(g, moved, sizeof *g * (size_t)n);
                    moved = g;
                    cap *= 2;
                }
                moved[n++] = bal_monomial_hash(&ch.t[i]);
                for (int k = 0; k < ch.t[i].nf; k++) {
                    in_store[ch.t[i].f[k].atom] = true;
                    mark_nested(b, ch.t[i].f[k].atom, nested, memo);
                }
            }
        }
    }
    qsort(moved, (size_t)n, sizeof *moved, bal_cmp_u64);
    for (int o = 0; o < b->no; o++) {
        Sym *out = b->m->outputs.items[o];
        if (b->best_x[o] || !rate_of_water(out->unit)) continue;
        Poly p = b->sys->output[o];
        for (int i = 0; i < p.n; i++) {
            const PolyTerm *t = &p.t[i];
            if (bal_accepted_term(b, t)) continue;
            uint64_t h = bal_monomial_hash(t);
            if (bsearch(&h, moved, (size_t)n, sizeof h, bal_cmp_u64)) continue;
            bool from_store = false;
            for (int k = 0; k < t->nf; k++)
                if (b->sys->atoms[t->f[k].atom].dynamic) from_store |= holds_state(b, t->f[k].atom, smemo);
            if (!from_store) continue;   /* a potential, a diagnostic of inputs */
            if (inside_a_move(b, t, in_store, nested)) continue;   /* taken = min(loss, S): loss is a potential */
            /* name it after the first step variable that holds it */
            const char *what = NULL;
            for (int l = 0; l < b->m->locals.n && !what; l++) {
                Poly v = bal_candidate(b, b->sys->local[l]);
                for (int k = 0; k < v.n && !what; k++)
                    if (bal_monomial_hash(&v.t[k]) == h) what = b->m->locals.items[l]->name;
            }
            if (!what) what = term_text(b, t);
            diag_error(b->s->d, out->def->span, "output '%s' reports '%s', which is computed from a store but taken "
                       "from none: that water comes from nowhere", out->name, what);
            diag_note_plain(b->s->d, "take it out of the store it drains (as in 'STORE -= %s'), or leave it out of "
                            "the output", what);
            break;   /* one message per output */
        }
    }
}

/* ---- Shares of an input that go nowhere ------------------------------------------------------ */

/* A step variable that holds a share of a water input (snow = [T < TT] * P)
 * and is never used: no store and no output holds it, so the balance does
 * not see it, yet its water is gone — as when `SNOWPACK += snow` is left
 * out. (How much of an input the stores take in is otherwise not checked.) */
void bal_verify_input_shares_used(Bal *b) {
    for (int l = 0; l < b->m->locals.n; l++) {
        Poly v = b->sys->local[l];
        if (b->sys->first_use[l].end || !v.n) continue;
        int input = -1;
        bool share = true;
        for (int i = 0; i < v.n && share; i++) {
            int k = bal_bare_input(b, &v.t[i]) ? bal_input_of(b, &v.t[i]) : -1;
            share = k >= 0 && (input < 0 || k == input) && v.t[i].coef > 0;
            input = k;
        }
        if (!share) continue;
        Sym *x = b->m->locals.items[l];
        diag_error(b->s->d, x->span, "'%s' takes water from input '%s' and is never used: that water is lost", x->name,
                   b->sys->atoms[input].text);
        diag_note_plain(b->s->d, "add it to a store (as in 'STORE += %s') or report it in an output; if the water leaves "
                        "the model on purpose, mark it: 'sink %s = ...'", x->name, x->name);
    }
}
