/* sema_step_balance.c — mass balance of the step form. One time step must
 * satisfy, as an identity of polynomials (step_symbolic.h),
 *
 *     sum_S w_S ΔS + sum of reporting outputs = water from inputs + marked sources - marked sinks
 *
 * where every water store S (a state in a length unit, or unchecked) has a
 * weight w_S: 1 for an ordinary store, -1 for a deficit (TOPMODEL's D, the
 * moisture deficit of IHACRES: water in lowers it), an area share for the
 * stores of one zone. The weights are found, not declared: first all 1, else
 * from what statements move between stores (what leaves one store with
 * factor a and enters another with factor b fixes w_from * a = w_to * b).
 * The reporting outputs are the subset of the outputs that balances best
 * (Q, AET; not diagnostics such as 'excess' or 'SWE').
 *
 * Here: which terms count as input water (a share of an input that a
 * statement adds to a store is accepted in any amount), rows of what moves,
 * and the entry. balance_search.c chooses the reporting outputs and the
 * weights; when something remains, balance_diagnosis.c names it: amounts
 * (step variables, limits, terms of updates) that remain with a positive
 * sign are water created, with a negative sign water lost, each an error;
 * what no named amount explains, or what an output may report out of the
 * algebra's sight, is a warning that the balance is not proven, never an
 * error. It also checks outputs in mm/d that report water no store gives up,
 * and reporting outputs declared as storages. The shared state: step_balance.h. */
#include "step_balance.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Terms -------------------------------------------------------------------- */

/* The search (weights, outputs, names for what remains) has a budget: a
 * large model that does not balance at once must not take minutes. Past it,
 * no new trial starts, and what remains is reported as not proven. */
bool bal_over_budget(Bal *b) {
    if (b->pc->work > WORK_BUDGET) b->truncated = true;
    return b->truncated;
}

/* Water that crosses the boundary by declaration: a term with a marked
 * (sink/source) amount or limit. Not part of the balance. */
static bool exempt_term(Bal *b, const PolyTerm *t) {
    for (int k = 0; k < t->nf; k++)
        if (b->sys->atoms[t->f[k].atom].exempt && t->f[k].power > 0) return true;
    return false;
}

/* The water input a term is a share of (P in SFCF * [T < TT] * P, in
 * P * split(P, T)[0], in PET * et(S)), or -1. */
int bal_input_of(Bal *b, const PolyTerm *t) {
    for (int k = 0; k < t->nf; k++)
        if (b->sys->atoms[t->f[k].atom].water_input && t->f[k].power == 1) return t->f[k].atom;
    return -1;
}

/* A store's change or an output's value in the basis units of its declared unit. */
static Poly in_basis_units(Bal *b, Poly p, Unit u) {
    return u.kind == UNIT_KNOWN && u.scale != 1 ? poly_scale(b->pc, p, u.scale) : p;
}

static Poly inner_terms(Bal *b, Poly p, bool note_inputs) {
    Poly r = {ARENA_ARRAY(b->a, PolyTerm, p.n ? p.n : 1), 0};
    for (int i = 0; i < p.n; i++) {
        int in = bal_input_of(b, &p.t[i]);
        if (note_inputs && in >= 0) b->input_used[in] = true;   /* for --summary */
        if (!exempt_term(b, &p.t[i])) r.t[r.n++] = p.t[i];
    }
    return r;
}

/* How far res is from a balance, as one number to minimise: first the
 * terms that break it, then the terms of inputs (an output that reports an
 * input's share, ET = beff * P, is worth taking). A term of an input does
 * not break the balance when it is a share of the input that a statement
 * adds to a store: P, SFCF * [T < TT] * P, f * P for a network's share f,
 * and what of those a store passes on. A term of an input that no statement
 * adds (PET * et(S), taken out with `S -= aet`) is an amount like any other.
 * The score is terms that break it * SCORE_UNIT + terms of inputs. */

/* Hash of a term's time-varying atoms (its amount): terms of one amount, one hash. */
uint64_t bal_amount_hash(Bal *b, const PolyTerm *t) {
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < t->nf; k++) {
        if (!b->sys->atoms[t->f[k].atom].dynamic) continue;
        h = (h ^ (uint64_t)(unsigned)t->f[k].atom) * 1099511628211ull;
        h = (h ^ (uint64_t)(unsigned)(t->f[k].power + 1000)) * 1099511628211ull;
    }
    return h;
}

/* Hash of a term's monomial, coefficient aside (K1 * S and K2 * S differ). */
uint64_t bal_monomial_hash(const PolyTerm *t) {
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < t->nf; k++) {
        h = (h ^ (uint64_t)(unsigned)t->f[k].atom) * 1099511628211ull;
        h = (h ^ (uint64_t)(unsigned)(t->f[k].power + 1000)) * 1099511628211ull;
    }
    return h;
}

int bal_cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* A share of an input as such: the input times conditions and constant
 * factors (P, SFCF * [T < TT] * P), the water an input brings. */
bool bal_bare_input(Bal *b, const PolyTerm *t) {
    int inputs = 0, others = 0;
    for (int k = 0; k < t->nf; k++) {
        const Atom *at = &b->sys->atoms[t->f[k].atom];
        if (at->water_input && t->f[k].power == 1) inputs++;
        else if (at->dynamic && at->kind != ATOM_COND) others++;
    }
    return inputs == 1 && others == 0;
}

/* The input amounts that statements add to stores, for weights w: every
 * term of an input in a statement that adds some of that input (w times the
 * factor > 0; a deficit gains water by falling), where the statement is the
 * first to change the store with that amount. `SM += ALPHA * rain * (1 - w)`
 * adds a share of rain, its -ALPHA * rain * w included; `SM -= aet` with
 * aet = PET * f adds none of PET, and a later `SM -= K * SM` only drains. */
void bal_find_inflows(Bal *b, const Poly *w) {
    int n = 0, cap = 64;
    uint64_t *set = ARENA_ARRAY(b->a, uint64_t, cap);
    for (int s = 0; s < b->ns; s++) {
        if (!b->delta[s].n) continue;
        int nseen = 0, seen_cap = 64;   /* amounts earlier statements brought: a later one only drains them */
        uint64_t *seen = ARENA_ARRAY(b->a, uint64_t, seen_cap);
        for (int c = 0; c < b->sys->nchange[s]; c++) {
            Poly ch = inner_terms(b, b->sys->change[s][c], false);
            int before = nseen;
            for (int i = 0; i < ch.n; i++) {
                int in = bal_input_of(b, &ch.t[i]);
                if (in < 0) continue;
                uint64_t h = bal_amount_hash(b, &ch.t[i]);
                bool old = false;
                for (int k = 0; k < before && !old; k++) old = seen[k] == h;
                if (old) continue;
                if (nseen == seen_cap) {
                    uint64_t *g = ARENA_ARRAY(b->a, uint64_t, 2 * seen_cap);
                    memcpy(g, seen, sizeof *g * (size_t)nseen);
                    seen = g;
                    seen_cap *= 2;
                }
                seen[nseen++] = h;
                bool adds = false;
                for (int k = 0; k < ch.n && !adds; k++)
                    adds = bal_input_of(b, &ch.t[k]) == in && ch.t[k].coef * w[s].t[0].coef > 0;
                if (!adds) continue;
                if (n == cap) {
                    uint64_t *g = ARENA_ARRAY(b->a, uint64_t, 2 * cap);
                    memcpy(g, set, sizeof *g * (size_t)n);
                    set = g;
                    cap *= 2;
                }
                set[n++] = h;
            }
        }
    }
    qsort(set, (size_t)n, sizeof *set, bal_cmp_u64);
    b->inflow = set;
    b->ninflow = n;
}

/* Does this term keep the balance: a marked amount, or input water? */
bool bal_accepted_term(Bal *b, const PolyTerm *t) {
    if (exempt_term(b, t)) return true;
    if (bal_input_of(b, t) < 0) return false;
    if (bal_bare_input(b, t)) return true;
    uint64_t h = bal_amount_hash(b, t);
    return bsearch(&h, b->inflow, (size_t)b->ninflow, sizeof h, bal_cmp_u64) != NULL;
}

/* Per term of res: does it break the balance? */
static int mark_unbalanced(Bal *b, Poly res, bool *bad, int *ninputs) {
    int count = 0;
    *ninputs = 0;
    for (int i = 0; i < res.n; i++) {
        *ninputs += bal_input_of(b, &res.t[i]) >= 0;
        bad[i] = !bal_accepted_term(b, &res.t[i]);
        count += bad[i];
    }
    return count;
}

long bal_score_of(Bal *b, Poly res, int *unbalanced) {
    bool *bad = ARENA_ARRAY(b->a, bool, res.n ? res.n : 1);
    int inputs, n = mark_unbalanced(b, res, bad, &inputs);
    if (unbalanced) *unbalanced = n;
    return (long)n * SCORE_UNIT + inputs;
}

/* The terms that break the balance (see score_of). */
Poly bal_unbalanced_terms(Bal *b, Poly res) {
    Poly r = {ARENA_ARRAY(b->a, PolyTerm, res.n ? res.n : 1), 0};
    for (int i = 0; i < res.n; i++)
        if (!bal_accepted_term(b, &res.t[i])) r.t[r.n++] = res.t[i];
    return r;
}

/* A named or written amount without its input water: what of it can break
 * the balance. */
Poly bal_candidate(Bal *b, Poly p) { return bal_unbalanced_terms(b, p); }

/* Splits a term into its amount (time-varying atoms) and its factor (the rest). */
static void split_term(Bal *b, const PolyTerm *t, PolyTerm *amount, PolyTerm *factor) {
    *amount = (PolyTerm){.coef = 1, .f = ARENA_ARRAY(b->a, PolyFactor, t->nf ? t->nf : 1), .span = t->span};
    *factor = (PolyTerm){.coef = t->coef, .f = ARENA_ARRAY(b->a, PolyFactor, t->nf ? t->nf : 1), .span = t->span};
    for (int k = 0; k < t->nf; k++) {
        if (b->sys->atoms[t->f[k].atom].dynamic) amount->f[amount->nf++] = t->f[k];
        else factor->f[factor->nf++] = t->f[k];
    }
}

static const char *amount_key(Bal *b, const PolyTerm *amount) {
    return poly_key(b->pc, (Poly){(PolyTerm *)amount, 1});
}

/* ---- Rows: which stores each amount changes -------------------------------------- */

enum { IN_STORE, IN_OUTPUT };

typedef struct { const char *key; int where, who; PolyTerm factor; } Entry;

static int cmp_entry(const void *x, const void *y) {
    const Entry *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    if (c) return c;
    if (a->where != b->where) return a->where < b->where ? -1 : 1;
    return (a->who > b->who) - (a->who < b->who);
}

typedef struct { Entry *e; int n, cap; } EntryVec;

static void add_entries(Bal *b, EntryVec *v, Poly p, int where, int who) {
    if (v->n + p.n > v->cap) {
        int ncap = v->cap ? 2 * v->cap : 256;
        while (ncap < v->n + p.n) ncap *= 2;
        Entry *ne = ARENA_ARRAY(b->a, Entry, ncap);
        if (v->n) memcpy(ne, v->e, sizeof(Entry) * (size_t)v->n);
        v->e = ne;
        v->cap = ncap;
    }
    for (int i = 0; i < p.n; i++) {
        if (bal_input_of(b, &p.t[i]) >= 0) continue;   /* an input's water is not moved between stores */
        Entry *e = &v->e[v->n++];
        PolyTerm amount;
        split_term(b, &p.t[i], &amount, &e->factor);
        e->key = amount_key(b, &amount);
        e->where = where;
        e->who = who;
    }
}

/* The entries e[i..j) as a list, summed per store or output. */
static RowEntry *row_list(Bal *b, Entry *e, int i, int j, int *n) {
    RowEntry *r = ARENA_ARRAY(b->a, RowEntry, j - i ? j - i : 1);
    *n = 0;
    for (int k = i; k < j; k++) {
        Poly f = {&e[k].factor, 1};
        if (*n && r[*n - 1].who == e[k].who) r[*n - 1].coef = poly_add(b->pc, r[*n - 1].coef, f, 1);
        else r[(*n)++] = (RowEntry){e[k].who, poly_scale(b->pc, f, 1)};
    }
    return r;
}

static void build_rows(Bal *b) {
    EntryVec v = {0};
    for (int s = 0; s < b->ns; s++)
        if (b->sys->water[s]) add_entries(b, &v, inner_terms(b, b->sys->move[s], false), IN_STORE, s);
    for (int o = 0; o < b->no; o++) add_entries(b, &v, inner_terms(b, b->sys->move_output[o], false), IN_OUTPUT, o);
    qsort(v.e, (size_t)v.n, sizeof *v.e, cmp_entry);
    b->rows = ARENA_ARRAY(b->a, Row, v.n ? v.n : 1);
    for (int i = 0; i < v.n;) {
        int j = i;
        while (j < v.n && !strcmp(v.e[j].key, v.e[i].key)) j++;
        Row *r = &b->rows[b->nrows++];
        r->key = v.e[i].key;
        int k = i;
        while (k < j && v.e[k].where == IN_STORE) k++;
        r->total = row_list(b, v.e, i, k, &r->ntotal);
        r->outs = row_list(b, v.e, k, j, &r->nouts);
        i = j;
    }
}

/* ---- Entry ---------------------------------------------------------------------------------- */

void sema_check_step_balance(Sema *s, CheckedModel *m) {
    if (checked_model_has_repeat(m)) {   /* passes whose number is known at run time: no symbolic step */
        m->balance = "not analysed: a step has a 'repeat' block";
        return;
    }
    Arena a;
    arena_init(&a);
    StepSystem sys;
    int errors_before = diag_error_count(s->d);
    step_symbolic_build(s, m, &a, &sys);
    if (diag_error_count(s->d) > errors_before) {   /* a misplaced mark: the balance would repeat it */
        arena_free(&a);
        return;
    }
    bool stores = false;
    for (int i = 0; i < m->states.n; i++) stores |= sys.water[i];
    if (!stores) {   /* no water is kept from one step to the next: nothing to balance */
        arena_free(&a);
        return;
    }
    Bal b = {.s = s, .m = m, .a = &a, .sys = &sys, .pc = &sys.pc, .ns = m->states.n, .no = m->outputs.n};
    bal_verify_input_shares_used(&b);
    b.delta = ARENA_ARRAY(&a, Poly, b.ns ? b.ns : 1);
    b.out = ARENA_ARRAY(&a, Poly, b.no ? b.no : 1);
    b.input_used = ARENA_ARRAY(&a, bool, sys.natoms ? sys.natoms : 1);
    /* in basis units (mm, mm/d): an output in m/d that reports q * 0.001 reports q */
    for (int i = 0; i < b.ns; i++)
        b.delta[i] = sys.water[i] ? inner_terms(&b, in_basis_units(&b, sys.delta[i], m->states.items[i]->unit), true)
                                  : poly_zero();
    for (int o = 0; o < b.no; o++)
        b.out[o] = inner_terms(&b, in_basis_units(&b, sys.output[o], m->outputs.items[o]->unit), false);
    build_rows(&b);
    b.source_input = ARENA_ARRAY(&a, bool, sys.natoms ? sys.natoms : 1);
    for (int st = 0; st < b.ns; st++)
        for (int c = 0; sys.water[st] && c < sys.nchange[st]; c++)
            for (int i = 0; i < sys.change[st][c].n; i++)
                if (bal_bare_input(&b, &sys.change[st][c].t[i])) b.source_input[bal_input_of(&b, &sys.change[st][c].t[i])] = true;
    for (int o = 0; o < b.no; o++)
        for (int i = 0; i < sys.output[o].n; i++)
            if (bal_bare_input(&b, &sys.output[o].t[i])) b.source_input[bal_input_of(&b, &sys.output[o].t[i])] = true;
    b.in_store = ARENA_ARRAY(&a, bool, sys.natoms ? sys.natoms : 1);
    for (int st = 0; st < b.ns; st++)
        for (int c = 0; sys.water[st] && c < sys.nchange[st]; c++)
            for (int i = 0; i < sys.change[st][c].n; i++)
                for (int k = 0; k < sys.change[st][c].t[i].nf; k++) b.in_store[sys.change[st][c].t[i].f[k].atom] = true;
    bal_solve(&b);

    if (b.unbalanced == 0) {
        m->balance = bal_summary(&b);
        bal_verify_reporting_units(&b);
        bal_verify_output_sources(&b);
        arena_free(&a);
        return;
    }
    /* a search cut short may have missed the weights that balance: nothing
     * it finds is then an error. The diagnosis gets a budget of its own. */
    bool cut_short = b.cut_short = b.truncated;
    b.truncated = false;
    b.pc->work = 0;
    /* the diagnosis from the most plausible weights (ordinary stores, then
     * weights from what moves between stores; guessed ones only if nothing
     * else was tried) that explains most: fewest amounts left unnamed, then
     * fewest named. Weights that merely shrink the residual would name the
     * wrong amounts. */
    Trust trusted = TRUST_BACKWARDS;
    for (int k = 0; k < b.ntried; k++)
        if (b.tried[k].trust < trusted) trusted = b.tried[k].trust;
    if (trusted < TRUST_MOVES) trusted = TRUST_MOVES;   /* ordinary stores and moved weights compete */
    Culprit culprits[16], best_c[16];
    Poly res = poly_zero();
    int n = 0, best = -1;
    for (int k = 0; k < b.ntried && !bal_over_budget(&b); k++) {
        Trial *t = &b.tried[k];
        b.best_w = t->w;
        b.best_x = t->x;
        b.inflow = t->inflow;
        b.ninflow = t->ninflow;
        if (t->trust > trusted) continue;
        Poly left = bal_unbalanced_terms(&b, t->res);
        if (!left.n) continue;   /* balanced but for shares of inputs: not a diagnosis */
        int nc = sys.inexact || t->ambiguous ? 0 : bal_explain(&b, &left, culprits, 16);
        if (best >= 0 && (left.n > res.n || (left.n == res.n && nc >= n))) continue;
        best = k;
        res = left;
        n = nc;
        memcpy(best_c, culprits, sizeof(Culprit) * (size_t)nc);
    }
    if (best < 0) {   /* every balance found has the inputs leave the stores */
        diag_warning(s->d, m->span, "cannot prove that model '%s' conserves water: it balances only if the inputs "
                     "take water out of the stores", m->name);
        diag_note_plain(s->d, "an input brings water in: check the signs of the statements that use it");
        m->balance = "not proven (see the warning of 'dgc check')";
        arena_free(&a);
        return;
    }
    Trial *t = &b.tried[best];
    b.best_w = t->w;
    b.best_x = t->x;
    b.inflow = t->inflow;
    b.ninflow = t->ninflow;
    b.ambiguous = t->ambiguous;
    /* a lost amount an output may report out of the algebra's sight is not proven lost */
    int kept = 0;
    for (int i = 0; i < n; i++) {
        bool lost = best_c[i].part.n && best_c[i].part.t[0].coef < 0;
        if (cut_short || (lost && bal_maybe_reported(&b, best_c[i].part))) res = poly_add(b.pc, res, best_c[i].part, 1);
        else culprits[kept++] = best_c[i];
    }
    n = kept;
    for (int i = 0; i < n; i++) bal_report_culprit(&b, &culprits[i]);
    if (res.n) bal_report_unproven(&b, res, n);
    m->balance = res.n ? "not proven (see the warning of 'dgc check')" : "violated";
    arena_free(&a);
}
