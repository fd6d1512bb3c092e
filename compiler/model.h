/* model.h — the checked model: what sema produces from a (flattened) model
 * declaration, and what lowering to IR consumes. Symbols are resolved,
 * expressions carry units (ExprInfo in Expr.sema), fluxes are in evaluation
 * order, step phases are in execution order. Everything lives in the arena
 * of the Program that owns it. */
#ifndef DG_MODEL_H
#define DG_MODEL_H

#include "ast.h"
#include "units.h"

typedef enum {
    SYM_INPUT,     /* forcing series */
    SYM_PARAM,     /* parameter (learned, fixed or dynamic) */
    SYM_STATE,     /* storage */
    SYM_CONST,     /* named constant (model or file level) */
    SYM_FLUX,      /* named flux (equation form) */
    SYM_LOCAL,     /* variable assigned in a step block */
    SYM_OUTPUT,    /* output series */
    SYM_NET,       /* in-equation network */
    SYM_FNPARAM,   /* parameter of a function */
    SYM_FNLOCAL,   /* variable assigned in a function body */
} SymKind;

const char *sym_kind_name(SymKind k);

typedef struct Sym Sym;
struct Sym {
    SymKind     kind;
    const char *name;           /* interned */
    Span        span;           /* declaration */
    Unit        unit;           /* declared unit (UNIT_UNKNOWN if none) */
    int         index;          /* position within its kind in the model */
    Expr       *def;            /* flux/const/output value, state initial value, local's first value */
    Item       *item;           /* declaring model item (after extends/replace), if any */
    bool        used;           /* referenced by some expression of the model */
    /* SYM_PARAM */
    bool        has_bounds, has_value;
    double      lo, hi, value;
    ParamMark   mark;           /* effective mark (dynamic if the network makes it so) */
    /* SYM_CONST: folded value, computed on first use (constants may use constants) */
    bool        known;
    double      const_value;
    int         check_state;    /* 0 unchecked, 1 checking (cycle), 2 checked */
    struct LoadedFile *origin;  /* file whose names the definition sees */
    /* SYM_NET */
    const NetSpec *net;
    int         n_in, n_out;
    /* SYM_FLUX: evaluation order; SYM_LOCAL: phase that defines it */
    int         order;
    bool        def_failed;     /* SYM_FLUX: its definition had errors (its sources are unknown) */
};

/* Annotation of every checked expression (Expr.sema). */
typedef enum {
    CALL_NONE,      /* not a call */
    CALL_BUILTIN,   /* builtin: index into the builtin table */
    CALL_FN,        /* user function: fn */
    CALL_NET,       /* in-equation network: sym */
} CallKind;

typedef struct {
    Unit        unit;
    bool        is_bool;        /* comparison / logical value */
    Sym        *sym;            /* EXPR_NAME: what the name refers to */
    CallKind    call;
    int         builtin;        /* CALL_BUILTIN */
    const FnDecl *fn;           /* CALL_FN */
    bool        is_const;       /* folds to a constant */
    double      value;          /* when is_const */
} ExprInfo;

static inline ExprInfo *expr_info(const Expr *e) { return (ExprInfo *)e->sema; }

/* One statement of a step phase, with its target resolved; or a repeat
 * (stmt->kind == STMT_REPEAT, target NULL) with its checked body. */
typedef struct CheckedStmt CheckedStmt;
struct CheckedStmt {
    Stmt        *stmt;
    Sym         *target;        /* SYM_STATE or SYM_LOCAL */
    bool         defines;       /* first assignment of a local */
    int          passes;        /* STMT_REPEAT: the number of passes */
    Expr        *cond;          /* STMT_REPEAT: checked `while` condition, or NULL */
    CheckedStmt *body;          /* STMT_REPEAT: the statements of one pass */
    int          nbody;
};

typedef struct {
    const char  *name;
    Span         span;
    CheckedStmt *stmts;
    int          nstmts;
} Phase;

typedef enum { FORM_NONE, FORM_STEP, FORM_EQUATIONS } ModelForm;
typedef enum { SOLVER_EULER, SOLVER_RK4, SOLVER_IMPLICIT_EULER } SolverKind;

typedef struct {
    SolverKind kind;
    int        substeps;        /* explicit schemes: sub-steps per day */
    int        iterations;      /* implicit Euler: max Newton iterations */
    double     tolerance;       /* implicit Euler: Newton tolerance */
    Span       span;
} Solver;

typedef enum { PNET_NONE, PNET_LSTM, PNET_MLP } ParamNetKind;

typedef struct {
    ParamNetKind kind;
    int          hidden, layers;
    double       dropout;
    Sym        **forcings;  int nforcings;
    const char **attributes; int nattributes;
    Sym        **dynamic;   int ndynamic;
    Span         span;
} ParamNet;

typedef struct SymVec {
    Sym **items;
    int   n, cap;
    struct PtrMap *index;   /* name -> last Sym of that name, once the vector is long (see symvec_find) */
} SymVec;

typedef struct CheckedModel {
    const char *name;
    const char *doc;
    const char *base;           /* extends ...; NULL when none */
    Span        span;
    ModelForm   form;
    SymVec      inputs, params, states, consts, fluxes, outputs, nets, locals;
    int         nlocal_slots;   /* step variables: those of `locals` and those local to repeat bodies */
    Expr      **state_rhs;      /* equation form: dS/dt per state (NULL = none) */
    Phase      *phases;
    int         nphases;
    Solver      solver;
    ParamNet    learn;
    int         components;
    const char *balance;        /* step form: what the mass-balance check proved (--summary); NULL if not run */
    Unit       *output_value_unit;   /* step form: per output, its value's unit with rates kept as
                                        declared (UNKNOWN when it mixes a rate and a storage) */
    struct PtrMap *names;       /* sema: name -> Sym of inputs, params, states, consts, fluxes, nets */
} CheckedModel;

void symvec_push(Arena *a, SymVec *v, Sym *s);
/* The last symbol named name (interned), or NULL. */
Sym *symvec_find(const SymVec *v, const char *name);

#endif
