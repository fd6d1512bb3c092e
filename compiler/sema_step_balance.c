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
 * Sections: which terms count as input water (a share of an input that a
 * statement adds to a store is accepted in any amount); rows of what moves;
 * the choice of reporting outputs; the weights; then, when something remains,
 * its diagnosis: named amounts (step variables, limits, terms of updates) that
 * remain with a positive sign are water created, with a negative sign water
 * lost, each an error; what no named amount explains, or what an output may
 * report out of the algebra's sight, is a warning that the balance is not
 * proven, never an error. Last, outputs in mm/d that report water no store
 * gives up, and reporting outputs declared as storages. */
#include "step_symbolic.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    WORK_BUDGET = 3000000,         /* polynomial terms built before the search stops (a fraction of a second; 20 times what cemaneige_gr4j.dg needs) */
    MAX_ENUMERATED_OUTPUTS = 14,   /* more reporting candidates than this: chosen greedily */
    MAX_WEIGHT_TRIALS = 64,        /* weight assignments tried while inferring weights */
    MAX_WEIGHT_TERMS = 4,          /* a weight is a short sum of shares (1 - f) */
    MAX_NOTES = 4,                 /* unexplained amounts listed under a warning */
};

typedef struct {
    int  who;                      /* a state, or an output */
    Poly coef;                     /* factor of the amount (no inputs or states in it) */
} RowEntry;

/* One amount (a product of time-varying atoms) and where it moves: in each
 * store's change and in each output, with state reads kept as atoms (see
 * build_moves in step_symbolic.c). */
typedef struct {
    const char *key;
    RowEntry   *total, *outs;
    int         ntotal, nouts;
} Row;

typedef struct {
    Sema         *s;
    CheckedModel *m;
    Arena        *a;
    StepSystem   *sys;
    PolyCtx      *pc;
    int           ns, no;
    Poly         *delta;           /* per state: ΔS without marked terms (zero if S holds no water) */
    Poly         *out;             /* per output: its value without marked terms */
    bool         *input_used;      /* per atom: a water input whose water reaches a store (--summary) */
    uint64_t     *inflow;          /* sorted amount_hash of the input amounts statements add (find_inflows) */
    int           ninflow;
    Row          *rows;
    int           nrows;
    int           trials;
    int          *seed_order;      /* stores whose change an output shares come first */
    struct Trial *tried;           /* every weight assignment tried, for the diagnosis */
    int           ntried;
    bool         *in_store;        /* per atom: a factor of some store's change */
    bool         *source_input;    /* per atom: an input that appears bare somewhere (see inside_out) */
    /* the best assignment so far */
    Poly         *best_w;
    bool         *best_x;
    long          best_score;      /* score_of the best residual; -1 before the first trial */
    int           unbalanced;      /* its terms that break the balance */
    bool          ambiguous;       /* other outputs would leave other terms unbalanced */
    bool          truncated;       /* the work budget ran out (see over_budget) */
    bool          cut_short;       /* ... while looking for a balance */
} Bal;

/* ---- Terms -------------------------------------------------------------------- */

/* The search (weights, outputs, names for what remains) has a budget: a
 * large model that does not balance at once must not take minutes. Past it,
 * no new trial starts, and what remains is reported as not proven. */
static bool over_budget(Bal *b) {
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
static int input_of(Bal *b, const PolyTerm *t) {
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
        int in = input_of(b, &p.t[i]);
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
 * adds (PET * et(S), taken out with `S -= aet`) is an amount like any other. */
enum { SCORE_UNIT = 1 << 20 };

/* Hash of a term's time-varying atoms (its amount): terms of one amount, one hash. */
static uint64_t amount_hash(Bal *b, const PolyTerm *t) {
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < t->nf; k++) {
        if (!b->sys->atoms[t->f[k].atom].dynamic) continue;
        h = (h ^ (uint64_t)(unsigned)t->f[k].atom) * 1099511628211ull;
        h = (h ^ (uint64_t)(unsigned)(t->f[k].power + 1000)) * 1099511628211ull;
    }
    return h;
}

/* Hash of a term's monomial, coefficient aside (K1 * S and K2 * S differ). */
static uint64_t monomial_hash(const PolyTerm *t) {
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < t->nf; k++) {
        h = (h ^ (uint64_t)(unsigned)t->f[k].atom) * 1099511628211ull;
        h = (h ^ (uint64_t)(unsigned)(t->f[k].power + 1000)) * 1099511628211ull;
    }
    return h;
}

static int cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* A share of an input as such: the input times conditions and constant
 * factors (P, SFCF * [T < TT] * P), the water an input brings. */
static bool bare_input(Bal *b, const PolyTerm *t) {
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
static void find_inflows(Bal *b, const Poly *w) {
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
                int in = input_of(b, &ch.t[i]);
                if (in < 0) continue;
                uint64_t h = amount_hash(b, &ch.t[i]);
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
                    adds = input_of(b, &ch.t[k]) == in && ch.t[k].coef * w[s].t[0].coef > 0;
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
    qsort(set, (size_t)n, sizeof *set, cmp_u64);
    b->inflow = set;
    b->ninflow = n;
}

/* Does this term keep the balance: a marked amount, or input water? */
static bool accepted_term(Bal *b, const PolyTerm *t) {
    if (exempt_term(b, t)) return true;
    if (input_of(b, t) < 0) return false;
    if (bare_input(b, t)) return true;
    uint64_t h = amount_hash(b, t);
    return bsearch(&h, b->inflow, (size_t)b->ninflow, sizeof h, cmp_u64) != NULL;
}

/* Per term of res: does it break the balance? */
static int mark_unbalanced(Bal *b, Poly res, bool *bad, int *ninputs) {
    int count = 0;
    *ninputs = 0;
    for (int i = 0; i < res.n; i++) {
        *ninputs += input_of(b, &res.t[i]) >= 0;
        bad[i] = !accepted_term(b, &res.t[i]);
        count += bad[i];
    }
    return count;
}

static long score_of(Bal *b, Poly res, int *unbalanced) {
    bool *bad = ARENA_ARRAY(b->a, bool, res.n ? res.n : 1);
    int inputs, n = mark_unbalanced(b, res, bad, &inputs);
    if (unbalanced) *unbalanced = n;
    return (long)n * SCORE_UNIT + inputs;
}

/* The terms that break the balance (see score_of). */
static Poly unbalanced_terms(Bal *b, Poly res) {
    Poly r = {ARENA_ARRAY(b->a, PolyTerm, res.n ? res.n : 1), 0};
    for (int i = 0; i < res.n; i++)
        if (!accepted_term(b, &res.t[i])) r.t[r.n++] = res.t[i];
    return r;
}

/* A named or written amount without its input water: what of it can break
 * the balance. */
static Poly candidate(Bal *b, Poly p) { return unbalanced_terms(b, p); }

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
        if (input_of(b, &p.t[i]) >= 0) continue;   /* an input's water is not moved between stores */
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

/* ---- Reporting outputs ------------------------------------------------------------- */

static bool shares_monomial(Poly a, Poly b) {
    for (int i = 0, j = 0; i < a.n && j < b.n;) {
        int c = poly_cmp_monomial(&a.t[i], &b.t[j]);
        if (c == 0) return true;
        if (c < 0) i++;
        else j++;
    }
    return false;
}

static int popcount(unsigned x) {
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

/* Declared as a storage (mm, not mm/d): a state's content, not water that leaves. */
static bool storage_output(Bal *b, int o) {
    Unit u = b->m->outputs.items[o]->unit;
    return u.kind == UNIT_KNOWN && u.dim[DIM_TIME] == 0 && u.dim[DIM_LENGTH] != 0;
}

/* Between two equally good choices of outputs (bit k: output rel[k]): fewer
 * storages (SWE), then fewer outputs, then the ones declared first
 * (streamflow before its unrouted copy). */
static bool better_choice(Bal *b, const int *rel, unsigned a, unsigned c) {
    int sa = 0, sc = 0;
    for (int k = 0; a >> k || c >> k; k++) {
        if (a >> k & 1) sa += storage_output(b, rel[k]);
        if (c >> k & 1) sc += storage_output(b, rel[k]);
    }
    if (sa != sc) return sa < sc;
    if (popcount(a) != popcount(c)) return popcount(a) < popcount(c);
    unsigned diff = a ^ c;
    return diff && (a & diff & -diff);   /* the lowest index where they differ is a's */
}

/* Same monomials, coefficients aside (2 * melt is the same imbalance as melt). */
static bool same_monomials(Poly a, Poly b) {
    if (a.n != b.n) return false;
    for (int i = 0; i < a.n; i++)
        if (!poly_same_monomial(&a.t[i], &b.t[i])) return false;
    return true;
}

/* The outputs that, added to res, leave it closest to a balance; returns its
 * score. *ambiguous: another choice leaves as many unbalanced terms, but
 * other ones (which amount is lost then depends on which output reports). */
static long choose_outputs(Bal *b, Poly res, bool *x, Poly *left, bool *ambiguous) {
    /* candidates: outputs that share a term with res, or with another
     * candidate (Q = S0 + P - Snew meets ET only once Q is in) */
    int *rel = ARENA_ARRAY(b->a, int, b->no ? b->no : 1), nrel = 0;
    for (int o = 0; o < b->no; o++) x[o] = false;
    for (bool grew = true; grew;) {
        grew = false;
        for (int o = 0; o < b->no; o++) {
            if (x[o] || !b->out[o].n) continue;
            bool meets = shares_monomial(res, b->out[o]);
            for (int k = 0; k < nrel && !meets; k++) meets = shares_monomial(b->out[rel[k]], b->out[o]);
            if (!meets) continue;
            x[o] = grew = true;
            rel[nrel++] = o;
        }
    }
    for (int o = 0; o < b->no; o++) x[o] = false;
    Poly best = res;
    long best_score = score_of(b, res, NULL);
    *ambiguous = false;
    if (nrel <= MAX_ENUMERATED_OUTPUTS) {
        /* every subset, in Gray-code order: one output in or out per step */
        unsigned best_mask = 0, gray = 0;
        Poly cur = res;
        for (unsigned i = 1; i < (1u << nrel) && !(i % 64 == 0 && over_budget(b)); i++) {
            unsigned g = i ^ (i >> 1), flip = g ^ gray;
            int k = 0;
            while (!(flip >> k & 1)) k++;
            cur = poly_add(b->pc, cur, b->out[rel[k]], (g >> k & 1) ? 1 : -1);
            gray = g;
            long sc = score_of(b, cur, NULL);
            bool tie = sc / SCORE_UNIT == best_score / SCORE_UNIT;
            if (tie && sc / SCORE_UNIT > 0)
                *ambiguous |= !same_monomials(unbalanced_terms(b, cur), unbalanced_terms(b, best));
            if (sc < best_score || (sc == best_score && better_choice(b, rel, g, best_mask))) {
                if (!tie) *ambiguous = false;
                best = cur;
                best_score = sc;
                best_mask = g;
            }
        }
        for (int k = 0; k < nrel; k++) x[rel[k]] = best_mask >> k & 1;
    } else {
        for (bool better = true; better && best_score && !over_budget(b);) {   /* add the output that helps most */
            better = false;
            int pick = -1;
            Poly pick_res = best;
            long pick_score = best_score;
            for (int k = 0; k < nrel; k++) {
                if (x[rel[k]]) continue;
                Poly t = poly_add(b->pc, best, b->out[rel[k]], 1);
                long sc = score_of(b, t, NULL);
                if (sc < pick_score) { pick = rel[k]; pick_res = t; pick_score = sc; }
            }
            if (pick >= 0) { x[pick] = true; best = pick_res; best_score = pick_score; better = true; }
        }
    }
    *left = best;
    return best_score;
}

/* ---- Weights ------------------------------------------------------------------------- */

/* Where a weight assignment comes from, most plausible first. */
typedef enum {
    TRUST_ONES,        /* every store ordinary */
    TRUST_MOVES,       /* derived from what moves between stores, scales chosen +1 */
    TRUST_GUESSED,     /* a store set to -1 by choice, or weights fitted to the outputs */
    TRUST_BACKWARDS,   /* inputs would leave a store (inside_out) */
} Trust;

/* One weight assignment and what it left. */
typedef struct Trial {
    Poly     *w;
    bool     *x;
    Poly      res;
    bool      ambiguous;
    uint64_t *inflow;
    int       ninflow;
    Trust     trust;      /* how plausible the weights are */
} Trial;

/* Do the inputs leave a store under weights w? Where a statement first
 * brings the water of a source input into a store (P, [T < TT] * P, and
 * with half the say a share such as sigmoid(z) * P), w times its factor
 * should be positive: rain raises a store and lowers a deficit. Weights that
 * turn them around for some store describe the model inside out. A source
 * input is one that appears as such somewhere (P, not PET, which reaches
 * the stores only through an evaporation it bounds). */
static bool inside_out(Bal *b, const Poly *w) {
    for (int s = 0; s < b->ns; s++) {
        if (!b->delta[s].n) continue;
        int nseen = 0, balance = 0;
        uint64_t seen[64];
        for (int c = 0; c < b->sys->nchange[s]; c++) {
            Poly ch = b->sys->change[s][c];
            int before = nseen;
            for (int i = 0; i < ch.n; i++) {
                int in = input_of(b, &ch.t[i]);
                if (in < 0 || !b->source_input[in]) continue;
                uint64_t h = amount_hash(b, &ch.t[i]);
                bool old = false;
                for (int k = 0; k < before && !old; k++) old = seen[k] == h;
                if (old) continue;
                if (nseen < 64) seen[nseen++] = h;
                int say = bare_input(b, &ch.t[i]) ? 2 : 1;
                balance += ch.t[i].coef * w[s].t[0].coef > 0 ? say : -say;
            }
        }
        if (balance < 0) return true;
    }
    return false;
}

/* Residual for weights w: sum w_S ΔS, then the best reporting outputs. */
static void try_weights(Bal *b, Poly *w, Trust trust) {
    if (b->trials && over_budget(b)) return;   /* the first trial (all weights 1) always runs */
    b->trials++;
    Poly res = poly_zero();
    for (int s = 0; s < b->ns; s++) {
        if (!b->delta[s].n) continue;
        /* a weight is a share of the area at most: 1, -1, 0.2, f1 / fsum, 1 - f */
        if (!w[s].n || w[s].n > MAX_WEIGHT_TERMS) return;
        for (int i = 0; i < w[s].n; i++)
            if (fabs(w[s].t[i].coef) > 1 + 1e-9) return;
        res = poly_add(b->pc, res, poly_mul(b->pc, w[s], b->delta[s]), 1);
        if (b->trials > 1 && over_budget(b)) return;
    }
    bool backwards = inside_out(b, w);
    find_inflows(b, w);
    bool *x = ARENA_ARRAY(b->a, bool, b->no ? b->no : 1);
    Poly left;
    bool ambiguous;
    choose_outputs(b, res, x, &left, &ambiguous);
    int unbalanced;
    long score = score_of(b, left, &unbalanced) / SCORE_UNIT;   /* weights: only the balance counts, the first best wins */
    if (b->ntried < MAX_WEIGHT_TRIALS + 8) {
        Trial *t = &b->tried[b->ntried++];
        t->w = ARENA_ARRAY(b->a, Poly, b->ns ? b->ns : 1);
        memcpy(t->w, w, sizeof(Poly) * (size_t)b->ns);
        t->x = x;
        t->res = left;
        t->ambiguous = ambiguous;
        t->inflow = b->inflow;
        t->ninflow = b->ninflow;
        t->trust = backwards ? TRUST_BACKWARDS : trust;
    }
    if (backwards) return;   /* never a proof */
    if (b->best_score >= 0 && score >= b->best_score) return;
    b->best_score = score;
    b->unbalanced = unbalanced;
    b->ambiguous = ambiguous;
    b->best_x = x;
    b->best_w = ARENA_ARRAY(b->a, Poly, b->ns ? b->ns : 1);
    memcpy(b->best_w, w, sizeof(Poly) * (size_t)b->ns);
}

/* One unknown weight from a row: sum of the known entries + w_u * coef_u = 0.
 * False unless w_u comes out exactly, as one term (1, -1, f1 / fsum) or, when
 * `sums` allows, a sum of factors (1 - f for the second of two zones). */
static bool solve_row(Bal *b, RowEntry *list, int n, Poly known_sum, Poly *w, bool *known, bool sums) {
    int unknown = -1, nunknown = 0;
    for (int k = 0; k < n && nunknown < 2; k++)   /* count first: most rows are done or not ready */
        if (!known[list[k].who]) { nunknown++; unknown = k; }
    if (nunknown != 1 || over_budget(b)) return false;
    Poly sum = known_sum;
    for (int k = 0; k < n; k++)
        if (known[list[k].who]) sum = poly_add(b->pc, sum, poly_mul(b->pc, w[list[k].who], list[k].coef), 1);
    if (!sum.n) return false;
    Poly q;
    if (!poly_div_exact(b->pc, poly_scale(b->pc, sum, -1), list[unknown].coef, &q) || !q.n) return false;
    if (q.n > (sums ? MAX_WEIGHT_TERMS : 1)) return false;
    w[list[unknown].who] = q;
    known[list[unknown].who] = true;
    return true;
}

/* Fills unknown weights from amounts that move between a store of unknown
 * weight and stores of known weight. */
static void propagate(Bal *b, Poly *w, bool *known) {
    for (bool changed = true; changed;) {
        changed = false;
        for (int r = 0; r < b->nrows; r++) changed |= solve_row(b, b->rows[r].total, b->rows[r].ntotal, poly_zero(), w, known, true);
    }
}

/* Weights from the whole change of each store, given the reporting outputs
 * x of an earlier trial: exact where a share of an amount bypasses a store
 * (GR4J routes 10 % of its effective rainfall past the routing store). */
static void refine(Bal *b, const bool *x, const Poly *fallback) {
    Poly *w = ARENA_ARRAY(b->a, Poly, b->ns ? b->ns : 1);
    bool *known = ARENA_ARRAY(b->a, bool, b->ns ? b->ns : 1);
    for (bool changed = true; changed;) {
        changed = false;
        for (int r = 0; r < b->nrows; r++) {
            Row *row = &b->rows[r];
            Poly out = poly_zero();
            for (int k = 0; k < row->nouts; k++)
                if (x[row->outs[k].who]) out = poly_add(b->pc, out, row->outs[k].coef, 1);
            changed |= solve_row(b, row->total, row->ntotal, out, w, known, false);   /* outputs fix no sums */
        }
    }
    for (int s = 0; s < b->ns; s++)
        if (!known[s]) w[s] = fallback[s];
    try_weights(b, w, TRUST_GUESSED);
}

/* Depth-first over the store whose weight is set (to 1 or -1) when nothing
 * fixes one: the scale of a group of connected stores is set by whichever
 * of them reports to the outputs with factor 1, so each is tried. */
static void infer_weights(Bal *b, Poly *w, bool *known, int flips, int depth) {
    if (b->trials >= MAX_WEIGHT_TRIALS || b->unbalanced == 0 || over_budget(b)) return;
    propagate(b, w, known);
    bool open = false;
    for (int s = 0; s < b->ns; s++) open |= !known[s] && b->delta[s].n;
    if (!open) {
        try_weights(b, w, flips ? TRUST_GUESSED : TRUST_MOVES);
        return;
    }
    /* the first seed sets the scale: any store may be the one; later seeds
     * (stores nothing links) only choose a sign */
    for (int k = 0; k < b->ns; k++) {
        int seed = b->seed_order[k];
        if (known[seed] || !b->delta[seed].n) continue;
        for (int sign = 1; sign >= -1; sign -= 2) {
            if (b->trials >= MAX_WEIGHT_TRIALS || b->unbalanced == 0 || over_budget(b)) return;
            Poly *w2 = ARENA_ARRAY(b->a, Poly, b->ns);
            bool *k2 = ARENA_ARRAY(b->a, bool, b->ns);
            memcpy(w2, w, sizeof(Poly) * (size_t)b->ns);
            memcpy(k2, known, sizeof(bool) * (size_t)b->ns);
            w2[seed] = poly_num(b->pc, sign);
            k2[seed] = true;
            infer_weights(b, w2, k2, flips + (sign < 0), depth + 1);
        }
        if (depth > 0) return;
    }
}

static void solve(Bal *b) {
    b->best_score = -1;
    b->tried = ARENA_ARRAY(b->a, Trial, MAX_WEIGHT_TRIALS + 8);
    b->unbalanced = 1;
    Poly *w = ARENA_ARRAY(b->a, Poly, b->ns ? b->ns : 1);
    bool *known = ARENA_ARRAY(b->a, bool, b->ns ? b->ns : 1);
    for (int s = 0; s < b->ns; s++) w[s] = poly_num(b->pc, 1);
    try_weights(b, w, TRUST_ONES);   /* ordinary stores, the common case */
    if (b->unbalanced == 0) return;
    if (b->best_x) refine(b, b->best_x, b->best_w);
    if (b->unbalanced == 0) return;
    for (int s = 0; s < b->ns; s++) w[s] = poly_zero();
    /* a store whose outflow an output reports unscaled fixes the scale best */
    b->seed_order = ARENA_ARRAY(b->a, int, b->ns ? b->ns : 1);
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int s = 0; s < b->ns; s++) {
            bool reports = false;
            for (int o = 0; o < b->no && !reports; o++) reports = shares_monomial(b->delta[s], b->out[o]);
            if (reports == (pass == 0)) b->seed_order[n++] = s;
        }
    infer_weights(b, w, known, 0, 0);
    for (int round = 0; round < 3 && b->unbalanced != 0 && b->best_x; round++) {
        long before = b->best_score;
        refine(b, b->best_x, b->best_w);
        if (b->best_score >= before) break;
    }
}

/* ---- Explaining what remains ------------------------------------------------------------ */

typedef struct {
    int         local;      /* step variable, or -1 */
    int         atom;       /* limit atom, or -1 */
    int         update;     /* unnamed amount of `S += e` / `S -= e`, or -1 */
    Poly        factor;     /* the residual holds factor * (its value) */
    Poly        part;       /* that product */
} Culprit;

/* Is factor * cand, for some single-term factor, part of res? */
static bool find_multiple(Bal *b, Poly res, Poly cand, Poly *factor) {
    if (!cand.n || cand.n > res.n || over_budget(b)) return false;
    uint64_t key = amount_hash(b, &cand.t[0]);
    Poly inv;
    if (!poly_inverse(b->pc, (Poly){&cand.t[0], 1}, &inv)) return false;
    for (int i = 0; i < res.n; i++) {
        if (amount_hash(b, &res.t[i]) != key) continue;
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
        value[n] = candidate(b, b->sys->local[l]);
        c[n++] = (Culprit){l, -1, -1, poly_zero(), poly_zero()};
    }
    for (int u = 0; u < b->sys->nupdate; u++) {
        value[n] = candidate(b, b->sys->update[u].value);
        c[n++] = (Culprit){-1, -1, u, poly_zero(), poly_zero()};
    }
    return n;
}

/* Names the amounts that make up res: first one that is all of it (the
 * lost qs, not the OV1 it carries a share of), else, greedily, the one that
 * explains most terms, preferring whole amounts (factor 1 or -1). */
static int explain(Bal *b, Poly *res, Culprit *out, int max) {
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
static bool maybe_reported(Bal *b, Poly part) {
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

static void report_culprit(Bal *b, const Culprit *c) {
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
    Poly cand = candidate(b, b->sys->local[c->local]);
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
static void report_unproven(Bal *b, Poly res, int nculprits) {
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

static const char *summary(Bal *b) {
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
static void verify_reporting_units(Bal *b) {
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

static void verify_output_sources(Bal *b) {
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
                moved[n++] = monomial_hash(&ch.t[i]);
                for (int k = 0; k < ch.t[i].nf; k++) {
                    in_store[ch.t[i].f[k].atom] = true;
                    mark_nested(b, ch.t[i].f[k].atom, nested, memo);
                }
            }
        }
    }
    qsort(moved, (size_t)n, sizeof *moved, cmp_u64);
    for (int o = 0; o < b->no; o++) {
        Sym *out = b->m->outputs.items[o];
        if (b->best_x[o] || !rate_of_water(out->unit)) continue;
        Poly p = b->sys->output[o];
        for (int i = 0; i < p.n; i++) {
            const PolyTerm *t = &p.t[i];
            if (accepted_term(b, t)) continue;
            uint64_t h = monomial_hash(t);
            if (bsearch(&h, moved, (size_t)n, sizeof h, cmp_u64)) continue;
            bool from_store = false;
            for (int k = 0; k < t->nf; k++)
                if (b->sys->atoms[t->f[k].atom].dynamic) from_store |= holds_state(b, t->f[k].atom, smemo);
            if (!from_store) continue;   /* a potential, a diagnostic of inputs */
            if (inside_a_move(b, t, in_store, nested)) continue;   /* taken = min(loss, S): loss is a potential */
            /* name it after the first step variable that holds it */
            const char *what = NULL;
            for (int l = 0; l < b->m->locals.n && !what; l++) {
                Poly v = candidate(b, b->sys->local[l]);
                for (int k = 0; k < v.n && !what; k++)
                    if (monomial_hash(&v.t[k]) == h) what = b->m->locals.items[l]->name;
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
                if (bare_input(&b, &sys.change[st][c].t[i])) b.source_input[input_of(&b, &sys.change[st][c].t[i])] = true;
    for (int o = 0; o < b.no; o++)
        for (int i = 0; i < sys.output[o].n; i++)
            if (bare_input(&b, &sys.output[o].t[i])) b.source_input[input_of(&b, &sys.output[o].t[i])] = true;
    b.in_store = ARENA_ARRAY(&a, bool, sys.natoms ? sys.natoms : 1);
    for (int st = 0; st < b.ns; st++)
        for (int c = 0; sys.water[st] && c < sys.nchange[st]; c++)
            for (int i = 0; i < sys.change[st][c].n; i++)
                for (int k = 0; k < sys.change[st][c].t[i].nf; k++) b.in_store[sys.change[st][c].t[i].f[k].atom] = true;
    solve(&b);

    if (b.unbalanced == 0) {
        m->balance = summary(&b);
        verify_reporting_units(&b);
        verify_output_sources(&b);
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
    for (int k = 0; k < b.ntried && !over_budget(&b); k++) {
        Trial *t = &b.tried[k];
        b.best_w = t->w;
        b.best_x = t->x;
        b.inflow = t->inflow;
        b.ninflow = t->ninflow;
        if (t->trust > trusted) continue;
        Poly left = unbalanced_terms(&b, t->res);
        if (!left.n) continue;   /* balanced but for shares of inputs: not a diagnosis */
        int nc = sys.inexact || t->ambiguous ? 0 : explain(&b, &left, culprits, 16);
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
        if (cut_short || (lost && maybe_reported(&b, best_c[i].part))) res = poly_add(b.pc, res, best_c[i].part, 1);
        else culprits[kept++] = best_c[i];
    }
    n = kept;
    for (int i = 0; i < n; i++) report_culprit(&b, &culprits[i]);
    if (res.n) report_unproven(&b, res, n);
    m->balance = res.n ? "not proven (see the warning of 'dgc check')" : "violated";
    arena_free(&a);
}

