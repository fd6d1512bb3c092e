/* step_symbolic.h — one time step of a step-form model, evaluated
 * symbolically: every state's change over the step and every output as a
 * polynomial (balance_poly.h) over atoms — inputs, states at the start of the
 * step, parameters, and the values the algebra does not open (exp(x),
 * min(a, b), a network, the 0/1 value of a condition). Step variables and
 * user functions are expanded, so `W = rain + melt; S += W` adds rain + melt
 * to S. Used by the mass-balance check (sema_step_balance.c). */
#ifndef DG_STEP_SYMBOLIC_H
#define DG_STEP_SYMBOLIC_H

#include "balance_poly.h"
#include "sema_internal.h"

typedef enum {
    ATOM_INPUT,      /* a forcing */
    ATOM_STATE,      /* a state at the start of the step */
    ATOM_PARAM,      /* a parameter */
    ATOM_CONST,      /* a constant without a folded value */
    ATOM_CALL,       /* a function the algebra does not open: exp(x), min(a, b), a network */
    ATOM_COND,       /* 0/1 value of a condition: [p > 0] or [p == 0] for a polynomial p */
    ATOM_LIMIT,      /* what a limit of a state assignment (or marked statement) adds or removes */
    ATOM_BOUNDARY,   /* an amount marked `sink` or `source` */
    ATOM_OPAQUE,     /* a value too large to expand */
} AtomKind;

typedef struct {
    AtomKind    kind;
    const char *key;          /* kind tag + canonical arguments: equal values, one atom */
    const char *text;         /* source text, for messages */
    Span        span;         /* where it is first written */
    bool        dynamic;      /* depends on an input, a state or a network (varies in time) */
    bool        water_input;  /* ATOM_INPUT whose unit is an amount of water per step (or unchecked) */
    bool        exempt;       /* crosses the boundary by declaration: ATOM_BOUNDARY, or a marked limit */
    int         limit_sign;   /* ATOM_LIMIT: +1 a floor (adds water), -1 a cap (removes it) */
    int         state;        /* ATOM_STATE: state index; ATOM_LIMIT: the state assigned, or -1 */
    const char *value_text;   /* ATOM_LIMIT: the limited value and its bound, as written */
    const char *bound_text;
    const Stmt *stmt;         /* ATOM_LIMIT, ATOM_BOUNDARY: the statement */
} Atom;

/* `S += e` or `S -= e`: the amount e as written (an unnamed amount), or one
 * term of it (aet, relu(SM - FC) in `S -= aet + relu(SM - FC)`). */
typedef struct StepUpdate {
    Poly        value;        /* e */
    Span        span;         /* e */
    int         state;
} StepUpdate;

typedef struct {
    PolyCtx  pc;
    Atom    *atoms;
    int      natoms, cap;
    struct AtomIndex *index;  /* key -> atom */
    Poly    *delta;           /* per state: its change over one step */
    Poly   **change;          /* per state: the change of each statement that assigns it, in order */
    int     *nchange;
    Poly    *move;            /* per state: its change with state reads as version atoms (what statements move) */
    Poly    *move_output;     /* per output: its value in the same terms */
    bool    *water;           /* per state: holds water (a length unit, or unchecked) */
    Poly    *output;          /* per output: its value */
    Poly    *local;           /* per step variable: its value at the end of the step */
    struct StepUpdate *update;   /* every `S += e` and `S -= e`, in order, then the terms of e if a sum */
    int      nupdate;
    Span    *first_use;       /* per step variable: its first use after its definition (end 0: unused) */
    bool     inexact;         /* a value outgrew the size limit and became an ATOM_OPAQUE */
} StepSystem;

/* Evaluates the step blocks and outputs of m (a step-form model without
 * errors) into sys, allocating in a. Reports misplaced `sink`/`source` marks.
 * False if the model is too large to evaluate. */
bool step_symbolic_build(Sema *s, CheckedModel *m, Arena *a, StepSystem *sys);

/* Source text of span, on one line, cut to about max characters. */
const char *step_span_text(Sema *s, Arena *a, Span span, int max);

#endif
