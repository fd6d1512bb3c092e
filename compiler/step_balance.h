/* step_balance.h — the state shared by the three files of the step-form
 * mass balance: sema_step_balance.c (which terms count, rows of what moves,
 * the entry), balance_search.c (reporting outputs and store weights) and
 * balance_diagnosis.c (naming what breaks the balance, the summary, the
 * checks of outputs). Private to them. */
#ifndef DG_STEP_BALANCE_H
#define DG_STEP_BALANCE_H

#include "step_symbolic.h"

#include <stdint.h>

enum {
    WORK_BUDGET = 3000000,         /* polynomial terms built before the search stops (a fraction of a second; 20 times what cemaneige_gr4j.dg needs) */
    MAX_ENUMERATED_OUTPUTS = 14,   /* more reporting candidates than this: chosen greedily */
    MAX_WEIGHT_TRIALS = 64,        /* weight assignments tried while inferring weights */
    MAX_WEIGHT_TERMS = 4,          /* a weight is a short sum of shares (1 - f) */
    MAX_NOTES = 4,                 /* unexplained amounts listed under a warning */
    SCORE_UNIT = 1 << 20,          /* bal_score_of: one term that breaks the balance */
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

/* A named amount that the residual holds (balance_diagnosis.c). */
typedef struct {
    int         local;      /* step variable, or -1 */
    int         atom;       /* limit atom, or -1 */
    int         update;     /* unnamed amount of `S += e` / `S -= e`, or -1 */
    Poly        factor;     /* the residual holds factor * (its value) */
    Poly        part;       /* that product */
} Culprit;

/* sema_step_balance.c: terms */
bool bal_accepted_term(Bal *b, const PolyTerm *t);
uint64_t bal_amount_hash(Bal *b, const PolyTerm *t);
bool bal_bare_input(Bal *b, const PolyTerm *t);
Poly bal_candidate(Bal *b, Poly p);
void bal_find_inflows(Bal *b, const Poly *w);
int bal_input_of(Bal *b, const PolyTerm *t);
uint64_t bal_monomial_hash(const PolyTerm *t);
int bal_cmp_u64(const void *x, const void *y);   /* qsort order of hashes */
bool bal_over_budget(Bal *b);
long bal_score_of(Bal *b, Poly res, int *unbalanced);
Poly bal_unbalanced_terms(Bal *b, Poly res);

/* balance_search.c: the reporting outputs and weights that balance best (b->best_*, b->tried) */
void bal_solve(Bal *b);

/* balance_diagnosis.c */
int bal_explain(Bal *b, Poly *res, Culprit *out, int max);
bool bal_maybe_reported(Bal *b, Poly part);
void bal_report_culprit(Bal *b, const Culprit *c);
void bal_report_unproven(Bal *b, Poly res, int nculprits);
const char *bal_summary(Bal *b);
void bal_verify_output_sources(Bal *b);
void bal_verify_reporting_units(Bal *b);
void bal_verify_input_shares_used(Bal *b);

#endif
