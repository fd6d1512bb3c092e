/* sema_internal.h — state shared by the checker's files (sema*.c).
 * Not part of the front end's interface: see frontend.h for that. */
#ifndef DG_SEMA_INTERNAL_H
#define DG_SEMA_INTERNAL_H

#include "builtins.h"
#include "frontend.h"
#include "strbuf.h"
#include "suggest.h"

/* ---- Pointer maps ---------------------------------------------------------
 * Open-addressing hash map from a pointer (an interned name, a declaration)
 * to a pointer, in the arena; the first value put for a key stays. Name
 * lookups go through these so that big files are not checked in quadratic
 * (or, with many model variants, cubic) time. */
typedef struct PtrMap {
    const void **keys;
    void       **vals;
    int          n, cap;
} PtrMap;

void  ptrmap_put(Arena *a, PtrMap *m, const void *key, void *val);
void  ptrmap_set(Arena *a, PtrMap *m, const void *key, void *val);   /* the last value put stays */
void *ptrmap_get(const PtrMap *m, const void *key);

/* ---- File scopes: top-level names a file can see ------------------------- */
typedef enum { G_CONST, G_FN, G_MODEL } GlobalKind;

typedef struct FnInfo FnInfo;

typedef struct {
    const char *name;
    GlobalKind  kind;
    LoadedFile *origin;        /* file that declares it */
    Span        span;
    Item       *constant;      /* G_CONST */
    Sym        *sym;           /* G_CONST: checked symbol (on demand) */
    FnInfo     *fn;            /* G_FN */
    ModelDecl  *model;         /* G_MODEL */
} GlobalEntry;

struct FileScope {
    LoadedFile  *lf;
    GlobalEntry **entries;
    int          n, cap;
    PtrMap       index;        /* name -> GlobalEntry */
};

struct FnInfo {
    FnDecl     *decl;
    LoadedFile *origin;
    int         state;         /* 0 unchecked, 1 checking, 2 checked */
    Unit       *param_units;
    Unit        result_unit;
    FnInfo    **callees;
    Span       *call_spans;    /* where each callee is called (recursion errors point there) */
    int         ncallees, capcallees;
    bool        recursion_reported;
    int         visit_stamp;   /* recursion search */
    int         scc;           /* call-graph cycle it is on (shared by the cycle's functions); -1: none */
};

/* ---- Expression scope ------------------------------------------------------
 * Where an expression is, decides which names it may use. */
enum {
    W_CONST = 1 << 0,    /* bounds, defaults, constants: numbers and constants only */
    W_INIT = 1 << 1,     /* state initial values: + parameters */
    W_FN = 1 << 2,       /* function bodies: function parameters and locals, constants */
    W_FLUX = 1 << 3,     /* equation form: fluxes and storage equations */
    W_STEP = 1 << 4,     /* step blocks */
    W_OUTPUT = 1 << 5,   /* output definitions */
    W_KERNEL = 1 << 6,   /* arguments of a route kernel: computed once, from parameters and constants */
};

typedef struct Sema Sema;

typedef struct Scope {
    Sema         *s;
    LoadedFile   *file;        /* origin file of the item being checked */
    CheckedModel *m;           /* NULL outside a model */
    int           where;       /* W_* */
    SymVec       *locals;      /* visible locals (fn params/locals, step locals so far) */
    SymVec       *later;       /* step locals defined further down (use before definition) */
    SymVec       *deps;        /* when set, every input/flux/local referenced is recorded */
    FnInfo       *fn;          /* function being checked (call graph) */
    bool          per_step;    /* step form: rates read as amounts per step */
    bool          in_repeat;   /* inside a repeat (its condition or body): no route(...) */
    const Expr   *indexed;     /* the network call an index expression selects from */
} Scope;

/* Arrays that only grow, without a capacity field: the capacity is the next
 * power of two, so one is full exactly when its length is 0 or a power of
 * two (then reallocate to twice the length). Copying on every append instead
 * costs quadratic time and memory. */
static inline bool grow_due(int n) { return (n & (n - 1)) == 0; }
static inline int grown_cap(int n) { return n ? 2 * n : 1; }

struct Sema {
    Program *p;
    Diag    *d;
    Arena   *a;
    FnInfo **fns;
    int      nfns;
    PtrMap   fn_index;         /* FnDecl* -> FnInfo */
    PtrMap   flat;             /* ModelDecl* -> flattened item list (sema_model.c) */
    char    *stack_base;       /* frame address where checking started (see SEMA_STACK_SHARE) */
    size_t   stack_budget;     /* bytes of C stack check_expr may use below it */
    long     expanded;         /* model items checked so far, inherited ones included */
};

/* check_expr recurses through expressions and, via calls and constants, into
 * other definitions (a chain of functions or constants can be as long as the
 * file). Frame sizes differ a lot between builds (-O0 with ASan: several KB
 * per level), so the guard measures the stack itself: checking may use this
 * share of the stack limit (getrlimit), at most SEMA_STACK_MAX bytes, and
 * reports "nested too deeply" beyond. */
enum { SEMA_STACK_SHARE = 2, SEMA_STACK_MAX = 64 << 20 };

/* Items checked over all models, each variant counting what it inherits
 * (1-2 KB of checker memory each). */
enum { SEMA_MAX_EXPANDED = 200000 };

/* sema.c */
GlobalEntry *sema_global(Sema *s, LoadedFile *lf, const char *name);
Sym         *sema_global_const(Sema *s, GlobalEntry *g);
FnInfo      *sema_fn_info(Sema *s, FnDecl *fn, LoadedFile *origin);
void         sema_check_fn(Sema *s, FnInfo *fi);
void         sema_suggest_globals(Sema *s, LoadedFile *lf, Suggest *sg, bool fns, bool consts);
Sym         *sema_new_sym(Sema *s, SymKind k, Ident name, Unit unit);
/* Checks a constant's definition on first use (model constants see the model). */
void         sema_fold_const(Sema *s, Sym *c, CheckedModel *m);

/* sema_expr.c */
void check_expr(Scope *sc, Expr *e);
/* checks e and reports unless its value is a finite constant; returns it */
bool check_const_expr(Scope *sc, Expr *e, const char *what, double *out);
const char *utext(Sema *s, Unit u);
/* "a" or "an" for a noun: "an input", "a parameter" */
const char *article(const char *noun);

/* sema_model.c */
CheckedModel *sema_check_model(Sema *s, ModelDecl *md, LoadedFile *origin);

/* sema_flow.c */
void sema_order_fluxes(Sema *s, CheckedModel *m, SymVec *flux_deps);
void sema_check_mass_balance(Sema *s, CheckedModel *m, SymVec *flux_deps, SymVec *output_deps);

/* sema_step_rates.c: rates vs storages in a step-form model's outputs */
void sema_check_step_rates(Sema *s, CheckedModel *m);

/* sema_step_balance.c: the step form's mass balance (a model without errors) */
/* Whether a step of m has a `repeat` block (the balance and rate checks
 * read straight-line steps only). */
bool checked_model_has_repeat(const CheckedModel *m);
void sema_check_step_balance(Sema *s, CheckedModel *m);

#endif
