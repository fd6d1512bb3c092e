/* ast.h — syntax tree of a .dg file. Every node carries the Span of the
 * source it came from. Nodes are allocated in the AST arena and never freed
 * individually; sequences are arena arrays (ptr + count). No semantics here:
 * the checker (compiler/sema*.c) annotates a copy of the tree. */
#ifndef DG_AST_H
#define DG_AST_H

#include <stdbool.h>
#include "arena.h"
#include "source.h"

typedef struct Expr Expr;
typedef struct Stmt Stmt;
typedef struct Item Item;

/* A name as written, with its span. */
typedef struct {
    const char *name;    /* interned */
    Span        span;
} Ident;

/* ---- Units ----------------------------------------------------------------
 * `mm/d`, `mm/degC/d`, `m^2`, `1/d`, `-` (dimensionless). A unit is a product
 * of named factors with integer powers; the checker maps names to dimensions. */
typedef struct {
    Ident name;
    int   power;         /* e.g. -1 for a factor after '/' */
} UnitFactor;

typedef struct {
    Span        span;
    UnitFactor *factors;
    int         nfactors; /* 0 = dimensionless ('-' or '1') */
} AstUnit;

/* ---- Expressions ---------------------------------------------------------- */
typedef enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW,           /* grep ORDER BinOp */
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
    OP_AND, OP_OR,
    OP_NEG, OP_NOT,                                   /* unary */
} BinOp;

const char *ast_op_text(BinOp op);

typedef enum {
    EXPR_NUM,     /* num */
    EXPR_NAME,    /* name */
    EXPR_UNARY,   /* unary: op in {OP_NEG, OP_NOT} */
    EXPR_BINARY,  /* binary */
    EXPR_CALL,    /* call: callee(args...) */
    EXPR_INDEX,   /* index: base[i] — selects one output of a multi-output net */
    EXPR_IF,      /* cond: if c then a else b */
} ExprKind;

struct Expr {
    ExprKind kind;
    Span     span;
    int      depth;      /* height of the tree below (a leaf is 1); the parser caps it */
    union {
        double num;
        Ident  name;
        struct { BinOp op; Expr *arg; } unary;
        struct { BinOp op; Expr *lhs, *rhs; } binary;
        struct { Ident callee; Expr **args; int nargs; } call;
        struct { Expr *base; Expr *index; } index;
        struct { Expr *c, *then, *els; } cond;
    };
    void *sema;          /* annotation owned by the checker (NULL in the parse tree) */
};

/* ---- Statements (step blocks and function bodies) ------------------------- */
typedef enum {
    STMT_ASSIGN,   /* target = value */
    STMT_ADD,      /* target += value */
    STMT_SUB,      /* target -= value */
    STMT_RETURN,   /* return value (function bodies only) */
    STMT_REPEAT,   /* repeat value [while cond] { body } (step blocks only) */
} StmtKind;

/* A step statement may be marked as moving water across the model's boundary
 * (checked by the step-form mass balance, compiler/sema_step_balance.c). */
typedef enum {
    STMT_MARK_NONE,
    STMT_MARK_SINK,     /* sink x = e: the water it names leaves the model */
    STMT_MARK_SOURCE,   /* source x = e: the water it names enters the model */
} StmtMark;

struct Stmt {
    StmtKind kind;
    Span     span;
    Ident    target;     /* unused for STMT_RETURN and STMT_REPEAT */
    Expr    *value;      /* STMT_REPEAT: the number of passes */
    Expr    *cond;       /* STMT_REPEAT: `while` condition, or NULL */
    Stmt   **body;       /* STMT_REPEAT: the statements of one pass */
    int      nbody;
    StmtMark mark;
    Span     mark_span;  /* the word 'sink' or 'source' */
    void    *sema;       /* checker: the target's symbol in function bodies */
};

/* ---- Options: `name = value` in solver, network and learn clauses --------- */
typedef struct {
    Ident name;
    Expr *value;         /* a number, or a bare name (e.g. activation = tanh) */
} Option;

typedef struct {
    Option *items;
    int     n;
} OptionList;

typedef struct {
    Ident *items;
    int    n;
} IdentList;

/* ---- Model items ---------------------------------------------------------- */
typedef enum {
    PARAM_LEARNED,   /* default: trained (by a parameter network, if any) */
    PARAM_FIXED,     /* a constant the user may set; never trained */
    PARAM_DYNAMIC,   /* time-varying; must be produced by a parameter network */
} ParamMark;

typedef enum {
    ITEM_INPUT,      /* input NAME [: unit] */
    ITEM_PARAM,      /* param */
    ITEM_STATE,      /* state */
    ITEM_CONST,      /* constant (inside a model or at top level) */
    ITEM_FLUX,       /* flux */
    ITEM_EQUATION,   /* equation: dNAME/dt = rhs */
    ITEM_SOLVE,      /* solve: solver name + options */
    ITEM_STEP,       /* step: named phase of a sequential step block */
    ITEM_OUTPUT,     /* output */
    ITEM_NET,        /* net: in-equation network */
    ITEM_LEARN,      /* learn: parameter network */
    ITEM_COMPONENTS, /* components: number of parallel parameter sets */
    ITEM_ASSIGN,     /* `replace step NAME.VAR = expr`: one assignment of a base model's step */
} ItemKind;

typedef struct {            /* ITEM_NET: net et = mlp(3 -> 16 -> 1, tanh, output = linear) */
    Ident      kind;        /* mlp */
    int       *sizes;       /* layer widths, input first */
    Span      *size_spans;
    int        nsizes;
    Ident      activation;  /* hidden activation; name NULL = default */
    OptionList options;
} NetSpec;

typedef struct {            /* ITEM_LEARN */
    Ident      kind;        /* lstm | mlp */
    OptionList options;     /* hidden = 256, dropout = 0.5, layers = 1 */
    IdentList  forcings;    /* from P, T, PET */
    IdentList  attributes;  /* attributes(p_mean, aridity) */
    IdentList  dynamic;     /* dynamic BETA, BETAET */
    bool       has_attributes;
} LearnSpec;

struct Item {
    ItemKind kind;
    Span     span;          /* whole item */
    bool     replace;       /* written as `replace <item>` in a model that extends another */
    Ident    name;          /* declared name; solver name for ITEM_SOLVE; state for ITEM_EQUATION;
                             * step for ITEM_ASSIGN */
    AstUnit *unit;          /* optional declared unit */
    union {
        struct { Expr *lo, *hi; Span bounds_span; Expr *value; ParamMark mark; Span mark_span; } param;
        struct { Expr *init; } state;
        struct { Expr *value; } def;          /* ITEM_CONST, ITEM_FLUX, ITEM_OUTPUT */
        struct { Expr *rhs; } eq;
        struct { OptionList options; } solve;
        struct { Stmt **stmts; int nstmts; Ident after; Ident before; } step;
        NetSpec   net;
        LearnSpec learn;
        struct { Expr *count; } components;
        struct { Stmt *stmt; } assign;        /* ITEM_ASSIGN: name is the step, stmt `VAR = expr` */
    };
};

/* ---- Top level ------------------------------------------------------------ */
typedef struct {
    Ident    name;
    AstUnit *unit;          /* optional */
} FnParam;

typedef struct {
    Ident    name;
    Span     span;
    FnParam *params;
    int      nparams;
    AstUnit *result_unit;   /* optional */
    Stmt   **body;          /* `fn f(x) = e` is stored as one STMT_RETURN */
    int      nbody;
    void    *sema;          /* checker: array of the parameters' symbols (NULL in the parse tree) */
} FnDecl;

typedef struct {
    Ident       name;
    Span        span;
    const char *doc;        /* optional description string */
    Ident       base;       /* extends BASE; name NULL when absent */
    Item      **items;
    int         nitems;
    uint32_t    file;       /* file the model was written in */
} ModelDecl;

typedef struct {
    const char *path;       /* as written in the string literal */
    Span        span;
} ImportDecl;

typedef enum {
    TOP_IMPORT,   /* import */
    TOP_CONST,    /* constant: an ITEM_CONST item */
    TOP_FN,       /* fn */
    TOP_MODEL,    /* model */
} TopKind;

typedef struct {
    TopKind kind;
    union {
        ImportDecl import;
        Item      *constant;
        FnDecl    *fn;
        ModelDecl *model;
    };
} TopDecl;

typedef struct {
    uint32_t file;
    TopDecl *decls;
    int      ndecls;
} AstFile;

/* ---- Growable arena vectors used while parsing ---------------------------- */
typedef struct {
    void **items;
    int    n, cap;
} PtrVec;

void ptrvec_push(Arena *a, PtrVec *v, void *p);

/* ---- Constructors --------------------------------------------------------- */
Expr *ast_num(Arena *a, Span s, double v);
Expr *ast_name(Arena *a, Span s, Ident name);
Expr *ast_unary(Arena *a, Span s, BinOp op, Expr *arg);
Expr *ast_binary(Arena *a, Span s, BinOp op, Expr *lhs, Expr *rhs);
Expr *ast_call(Arena *a, Span s, Ident callee, PtrVec *args);
Expr *ast_index(Arena *a, Span s, Expr *base, Expr *index);
Expr *ast_if(Arena *a, Span s, Expr *c, Expr *then, Expr *els);
Stmt *ast_stmt(Arena *a, Span s, StmtKind kind, Ident target, Expr *value);
Stmt *ast_repeat(Arena *a, Span s, Expr *count, Expr *cond, Stmt **body, int nbody);
Item *ast_item(Arena *a, Span s, ItemKind kind);

/* Deepest expression tree the parser accepts: every later pass (checker,
 * clone, dumps) walks expressions recursively. */
enum { AST_MAX_EXPR_DEPTH = 1000 };

/* Deep copy of an expression (the checker annotates copies, so a base model
 * shared by several variants is checked once per variant). */
Expr *ast_clone_expr(Arena *a, const Expr *e);
Stmt *ast_clone_stmt(Arena *a, const Stmt *s);

/* ---- Dump (--dump-ast) ----------------------------------------------------- */
#include <stdio.h>
void ast_dump_file(FILE *out, const AstFile *f, const SourceMap *sm);
void ast_dump_expr(FILE *out, const Expr *e);
void ast_dump_unit(FILE *out, const AstUnit *u);
const char *ast_item_keyword(ItemKind k);

#endif
