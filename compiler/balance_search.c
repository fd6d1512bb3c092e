/* balance_search.c — of the step-form mass balance (sema_step_balance.c),
 * the search: which outputs report the water that leaves (the subset that
 * balances best), and which weights the stores carry (all 1, else derived
 * from what statements move between stores, else guessed), every
 * assignment tried kept for the diagnosis (balance_diagnosis.c). */
#include "step_balance.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    long best_score = bal_score_of(b, res, NULL);
    *ambiguous = false;
    if (nrel <= MAX_ENUMERATED_OUTPUTS) {
        /* every subset, in Gray-code order: one output in or out per step */
        unsigned best_mask = 0, gray = 0;
        Poly cur = res;
        for (unsigned i = 1; i < (1u << nrel) && !(i % 64 == 0 && bal_over_budget(b)); i++) {
            unsigned g = i ^ (i >> 1), flip = g ^ gray;
            int k = 0;
            while (!(flip >> k & 1)) k++;
            cur = poly_add(b->pc, cur, b->out[rel[k]], (g >> k & 1) ? 1 : -1);
            gray = g;
            long sc = bal_score_of(b, cur, NULL);
            bool tie = sc / SCORE_UNIT == best_score / SCORE_UNIT;
            if (tie && sc / SCORE_UNIT > 0)
                *ambiguous |= !same_monomials(bal_unbalanced_terms(b, cur), bal_unbalanced_terms(b, best));
            if (sc < best_score || (sc == best_score && better_choice(b, rel, g, best_mask))) {
                if (!tie) *ambiguous = false;
                best = cur;
                best_score = sc;
                best_mask = g;
            }
        }
        for (int k = 0; k < nrel; k++) x[rel[k]] = best_mask >> k & 1;
    } else {
        for (bool better = true; better && best_score && !bal_over_budget(b);) {   /* add the output that helps most */
            better = false;
            int pick = -1;
            Poly pick_res = best;
            long pick_score = best_score;
            for (int k = 0; k < nrel; k++) {
                if (x[rel[k]]) continue;
                Poly t = poly_add(b->pc, best, b->out[rel[k]], 1);
                long sc = bal_score_of(b, t, NULL);
                if (sc < pick_score) { pick = rel[k]; pick_res = t; pick_score = sc; }
            }
            if (pick >= 0) { x[pick] = true; best = pick_res; best_score = pick_score; better = true; }
        }
    }
    *left = best;
    return best_score;
}

/* ---- Weights ------------------------------------------------------------------------- */


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
                int in = bal_input_of(b, &ch.t[i]);
                if (in < 0 || !b->source_input[in]) continue;
                uint64_t h = bal_amount_hash(b, &ch.t[i]);
                bool old = false;
                for (int k = 0; k < before && !old; k++) old = seen[k] == h;
                if (old) continue;
                if (nseen < 64) seen[nseen++] = h;
                int say = bal_bare_input(b, &ch.t[i]) ? 2 : 1;
                balance += ch.t[i].coef * w[s].t[0].coef > 0 ? say : -say;
            }
        }
        if (balance < 0) return true;
    }
    return false;
}

/* Residual for weights w: sum w_S ΔS, then the best reporting outputs. */
static void try_weights(Bal *b, Poly *w, Trust trust) {
    if (b->trials && bal_over_budget(b)) return;   /* the first trial (all weights 1) always runs */
    b->trials++;
    Poly res = poly_zero();
    for (int s = 0; s < b->ns; s++) {
        if (!b->delta[s].n) continue;
        /* a weight is a share of the area at most: 1, -1, 0.2, f1 / fsum, 1 - f */
        if (!w[s].n || w[s].n > MAX_WEIGHT_TERMS) return;
        for (int i = 0; i < w[s].n; i++)
            if (fabs(w[s].t[i].coef) > 1 + 1e-9) return;
        res = poly_add(b->pc, res, poly_mul(b->pc, w[s], b->delta[s]), 1);
        if (b->trials > 1 && bal_over_budget(b)) return;
    }
    bool backwards = inside_out(b, w);
    bal_find_inflows(b, w);
    bool *x = ARENA_ARRAY(b->a, bool, b->no ? b->no : 1);
    Poly left;
    bool ambiguous;
    choose_outputs(b, res, x, &left, &ambiguous);
    int unbalanced;
    long score = bal_score_of(b, left, &unbalanced) / SCORE_UNIT;   /* weights: only the balance counts, the first best wins */
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
    if (nunknown != 1 || bal_over_budget(b)) return false;
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
    if (b->trials >= MAX_WEIGHT_TRIALS || b->unbalanced == 0 || bal_over_budget(b)) return;
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
            if (b->trials >= MAX_WEIGHT_TRIALS || b->unbalanced == 0 || bal_over_budget(b)) return;
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

void bal_solve(Bal *b) {
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
