/* parser.y — pure bison grammar for .dg files, with locations (Span).
 * Every rule builds arena nodes with the span of what it matched. Syntax
 * errors are reported by yyreport_syntax_error (expected vs. found) and the
 * parser recovers at the next top-level declaration, model item or
 * statement, so one run reports many errors.
 *
 * Semantic values point into the AST arena and are owned by it, so no
 * %destructor is needed: values dropped during error recovery are freed with
 * the arena. */

%require "3.8"
%define api.pure full
%define api.prefix {dg_yy}
%define api.location.type {Span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%param {void *scanner}
%parse-param {struct ParseCtx *ctx}

%code requires {
#include "ast.h"
struct ParseCtx;
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                  \
    do {                                                             \
        if (N) {                                                     \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                      \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                    \
            (Cur).end = YYRHSLOC(Rhs, N).end;                        \
        } else {                                                     \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                      \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;          \
        }                                                            \
    } while (0)
#define YYLOCATION_PRINT(File, Loc) ((void)0)
}

%code {
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "strbuf.h"

int dg_yylex(DG_YYSTYPE *lval, DG_YYLTYPE *lloc, void *scanner);
static void dg_yyerror(DG_YYLTYPE *loc, void *scanner, struct ParseCtx *ctx, const char *msg);

#define A (ctx->arena)

static Span sp(Span a, Span b) { return span_merge(a, b); }
static Ident no_ident(void) { Ident i = {0}; return i; }
static AstUnit *make_unit(struct ParseCtx *ctx, Span s, PtrVec *factors);
static void unit_append(struct ParseCtx *ctx, PtrVec *dst, PtrVec *src, int sign);
static UnitFactor *unit_factor(struct ParseCtx *ctx, Ident name, int power);
static OptionList options_of(struct ParseCtx *ctx, PtrVec *v);
static IdentList idents_of(struct ParseCtx *ctx, PtrVec *v);
static int int_of(struct ParseCtx *ctx, double v, Span s, const char *what);
static void param_clause(struct ParseCtx *ctx, Item *it, Item *clause);
static void push_top(struct ParseCtx *ctx, TopDecl d);
static Expr *capped(struct ParseCtx *ctx, Expr *e);
}

%union {
    double      num;
    const char *str;
    Ident       ident;
    Expr       *expr;
    Stmt       *stmt;
    Item       *item;
    AstUnit    *unit;
    FnDecl     *fn;
    ModelDecl  *model;
    Option     *option;
    PtrVec      vec;
    int         integer;
}

%token <num>   NUMBER  "number"
%token <str>   STRING  "string"
%token <ident> ID      "name"
%token <ident> DERIV   "storage derivative"
%token AFTER "after" AND "and" ATTRIBUTES "attributes" BEFORE "before" BY "by"
%token COMPONENTS "components" CONST "const" DYNAMIC "dynamic" ELSE "else"
%token EXTENDS "extends" FIXED "fixed" FLUX "flux" FN "fn" FROM "from" IF "if"
%token IMPORT "import" IN "in" INPUT "input" LEARN "learn" LEARNED "learned"
%token MODEL "model" NET "net" NOT "not" OR "or" OUTPUT "output" PARAM "param"
%token PARAMS "params" REPEAT "repeat" REPLACE "replace" RETURN "return" SINK "sink" SOLVE "solve"
%token SOURCE "source" STATE "state" STEP "step" THEN "then" WHILE "while"
%token ARROW "->" PLUS_ASSIGN "+=" MINUS_ASSIGN "-=" LE "<=" GE ">=" EQ "==" NE "!="

%type <expr> expr postfix primary
%type <stmt> stmt assignment
%type <item> decl item param_clause param_decl
%type <unit> unit_opt unit
%type <vec>  unit_term unit_factor args args_opt stmts items input_list options options_opt
%type <vec>  paren_options_opt id_list learn_sources layer_sizes net_args fparams fparams_opt
%type <vec>  dynamic_opt
%type <fn>   fn
%type <model> model
%type <option> option net_arg
%type <ident> extends_opt
%type <str>  doc_opt
%type <integer> power

%precedence ELSE
%left OR
%left AND
%precedence NOT
%nonassoc '<' LE '>' GE EQ NE
%left '+' '-'
%left '*' '/'
%precedence NEG
%right '^'

%start file

%%

/* ---- Top level ------------------------------------------------------------
 * file -> { import STRING | const ... | fn ... | model ... } */
file
    : %empty
    | file top
    | file ';'               { /* optional separator */ }
    ;

top
    : IMPORT STRING          { TopDecl d = {.kind = TOP_IMPORT};
                               d.import.path = $2; d.import.span = @2; push_top(ctx, d); }
    | CONST ID unit_opt '=' expr
                             { Item *it = ast_item(A, @$, ITEM_CONST);
                               it->name = $2; it->unit = $3; it->def.value = $5;
                               TopDecl d = {.kind = TOP_CONST}; d.constant = it; push_top(ctx, d); }
    | fn                     { TopDecl d = {.kind = TOP_FN}; d.fn = $1; push_top(ctx, d); }
    | model                  { TopDecl d = {.kind = TOP_MODEL}; d.model = $1; push_top(ctx, d); }
    | error                  { /* resynchronise at the next top-level keyword */ }
    ;

/* fn NAME(a [: unit], ...) [: unit] = expr
 * fn NAME(a, ...) [: unit] { stmts; return expr } */
fn
    : FN ID '(' fparams_opt ')' unit_opt '=' expr
                             { FnDecl *f = ARENA_NEW(A, FnDecl);
                               f->name = $2; f->span = @$; f->result_unit = $6;
                               f->params = (FnParam *)$4.items; f->nparams = $4.n;
                               f->body = ARENA_ARRAY(A, Stmt *, 1);
                               f->body[0] = ast_stmt(A, @8, STMT_RETURN, no_ident(), $8);
                               f->nbody = 1;
                               $$ = f; }
    | FN ID '(' fparams_opt ')' unit_opt '{' stmts '}'
                             { FnDecl *f = ARENA_NEW(A, FnDecl);
                               f->name = $2; f->span = @$; f->result_unit = $6;
                               f->params = (FnParam *)$4.items; f->nparams = $4.n;
                               f->body = (Stmt **)$8.items; f->nbody = $8.n;
                               $$ = f; }
    ;

fparams_opt
    : %empty                 { $$ = (PtrVec){0}; }
    | fparams                { $$ = $1; }
    ;

/* Parameters are stored by value: the vector's items hold FnParam structs. */
fparams
    : ID unit_opt            { $$ = (PtrVec){0};
                               $$.items = (void **)ARENA_ARRAY(A, FnParam, 1);
                               $$.cap = 1; $$.n = 1;
                               ((FnParam *)$$.items)[0] = (FnParam){$1, $2}; }
    | fparams ',' ID unit_opt
                             { $$ = $1;
                               if ($$.n == $$.cap) {
                                   FnParam *np = ARENA_ARRAY(A, FnParam, $$.cap * 2);
                                   memcpy(np, $$.items, sizeof(FnParam) * (size_t)$$.n);
                                   $$.items = (void **)np; $$.cap *= 2;
                               }
                               ((FnParam *)$$.items)[$$.n++] = (FnParam){$3, $4}; }
    ;

/* model NAME ["description"] [extends BASE] { items } */
model
    : MODEL ID doc_opt extends_opt '{' items '}'
                             { ModelDecl *m = ARENA_NEW(A, ModelDecl);
                               m->name = $2; m->span = @$; m->doc = $3; m->base = $4;
                               m->items = (Item **)$6.items; m->nitems = $6.n;
                               m->file = ctx->file;
                               $$ = m; }
    ;

doc_opt
    : %empty                 { $$ = NULL; }
    | STRING                 { $$ = $1; }
    ;

extends_opt
    : %empty                 { $$ = no_ident(); }
    | EXTENDS ID             { $$ = $2; }
    ;

/* ---- Model items ---------------------------------------------------------- */
items
    : %empty                 { $$ = (PtrVec){0}; }
    | items item             { $$ = $1; ptrvec_push(A, &$$, $2); }
    | items INPUT input_list { $$ = $1; for (int i = 0; i < $3.n; i++) ptrvec_push(A, &$$, $3.items[i]); }
    | items REPLACE INPUT input_list
                             { $$ = $1;
                               for (int i = 0; i < $4.n; i++) {
                                   Item *it = $4.items[i];
                                   it->replace = true;
                                   ptrvec_push(A, &$$, it);
                               } }
    | items ';'              { $$ = $1; /* optional separator */ }
    | items error            { $$ = $1; }
    ;

item
    : decl                   { $$ = $1; }
    | REPLACE decl           { $$ = $2; $$->replace = true; $$->span = @$; }
    ;

/* input P : mm/d, T : degC, PET : mm/d */
input_list
    : ID unit_opt            { Item *it = ast_item(A, sp(@1, @2), ITEM_INPUT);
                               it->name = $1; it->unit = $2;
                               $$ = (PtrVec){0}; ptrvec_push(A, &$$, it); }
    | input_list ',' ID unit_opt
                             { Item *it = ast_item(A, sp(@3, @4), ITEM_INPUT);
                               it->name = $3; it->unit = $4;
                               $$ = $1; ptrvec_push(A, &$$, it); }
    ;

decl
    : param_decl             { $$ = $1; }
    | STATE ID unit_opt '=' expr
                             { $$ = ast_item(A, @$, ITEM_STATE); $$->name = $2; $$->unit = $3;
                               $$->state.init = $5; }
    | CONST ID unit_opt '=' expr
                             { $$ = ast_item(A, @$, ITEM_CONST); $$->name = $2; $$->unit = $3;
                               $$->def.value = $5; }
    | FLUX ID unit_opt '=' expr
                             { $$ = ast_item(A, @$, ITEM_FLUX); $$->name = $2; $$->unit = $3;
                               $$->def.value = $5; }
    | OUTPUT ID unit_opt '=' expr
                             { $$ = ast_item(A, @$, ITEM_OUTPUT); $$->name = $2; $$->unit = $3;
                               $$->def.value = $5; }
    | OUTPUT ID unit_opt     { /* `output AET : mm/d` reports the variable of the same name */
                               $$ = ast_item(A, @$, ITEM_OUTPUT); $$->name = $2; $$->unit = $3;
                               $$->def.value = ast_name(A, @2, $2); }
    | DERIV '=' expr         { $$ = ast_item(A, @$, ITEM_EQUATION); $$->name = $1; $$->eq.rhs = $3; }
    | SOLVE ID paren_options_opt
                             { $$ = ast_item(A, @$, ITEM_SOLVE); $$->name = $2;
                               $$->solve.options = options_of(ctx, &$3); }
    | STEP ID '{' stmts '}'  { $$ = ast_item(A, @$, ITEM_STEP); $$->name = $2;
                               $$->step.stmts = (Stmt **)$4.items; $$->step.nstmts = $4.n; }
    | STEP ID AFTER ID '{' stmts '}'
                             { $$ = ast_item(A, @$, ITEM_STEP); $$->name = $2; $$->step.after = $4;
                               $$->step.stmts = (Stmt **)$6.items; $$->step.nstmts = $6.n; }
    | STEP ID BEFORE ID '{' stmts '}'
                             { $$ = ast_item(A, @$, ITEM_STEP); $$->name = $2; $$->step.before = $4;
                               $$->step.stmts = (Stmt **)$6.items; $$->step.nstmts = $6.n; }
    | STEP ID '.' ID '=' expr
                             { /* one assignment of a base model's step; the checker wants `replace` */
                               $$ = ast_item(A, @$, ITEM_ASSIGN); $$->name = $2;
                               $$->assign.stmt = ast_stmt(A, sp(@4, @6), STMT_ASSIGN, $4, $6); }
    | NET ID '=' ID '(' layer_sizes net_args ')'
                             { $$ = ast_item(A, @$, ITEM_NET); $$->name = $2;
                               NetSpec *n = &$$->net;
                               n->kind = $4;
                               n->nsizes = $6.n;
                               n->sizes = ARENA_ARRAY(A, int, $6.n);
                               n->size_spans = ARENA_ARRAY(A, Span, $6.n);
                               for (int i = 0; i < $6.n; i++) {
                                   Expr *e = $6.items[i];
                                   /* the checker reports sizes that are not whole numbers from
                                    * 1 to 4096 (-1 here), so every bad size reads the same */
                                   n->sizes[i] = e->num == floor(e->num) && e->num >= 0 && e->num <= 1e6
                                                     ? (int)e->num : -1;
                                   n->size_spans[i] = e->span;
                               }
                               PtrVec opts = {0};
                               for (int i = 0; i < $7.n; i++) {
                                   Option *o = $7.items[i];
                                   if (o->value) ptrvec_push(A, &opts, o);
                                   else if (!n->activation.name) n->activation = o->name;
                                   else diag_error(ctx->diag, o->name.span,
                                                   "network '%s' has more than one activation; "
                                                   "use 'output = %s' for the output layer",
                                                   $2.name, o->name.name);
                               }
                               n->options = options_of(ctx, &opts); }
    | LEARN PARAMS BY ID paren_options_opt FROM learn_sources dynamic_opt
                             { $$ = ast_item(A, @$, ITEM_LEARN);
                               $$->name = $4;
                               LearnSpec *l = &$$->learn;
                               l->kind = $4;
                               l->options = options_of(ctx, &$5);
                               PtrVec forc = {0}, attr = {0};
                               for (int i = 0; i < $7.n; i++) {
                                   Ident *id = $7.items[i];
                                   /* attribute names are marked by a NULL-name separator entry */
                                   if (!id->name) { l->has_attributes = true; continue; }
                                   ptrvec_push(A, l->has_attributes ? &attr : &forc, id);
                               }
                               l->forcings = idents_of(ctx, &forc);
                               l->attributes = idents_of(ctx, &attr);
                               l->dynamic = idents_of(ctx, &$8); }
    | COMPONENTS expr        { $$ = ast_item(A, @$, ITEM_COMPONENTS); $$->components.count = $2; }
    ;

param_decl
    : PARAM ID unit_opt      { $$ = ast_item(A, @$, ITEM_PARAM); $$->name = $2; $$->unit = $3; }
    | param_decl param_clause
                             { $$ = $1; $$->span = @$; param_clause(ctx, $1, $2); }
    ;

/* Clauses after `param NAME [: unit]`, in any order:
 *   in [lo, hi]   = default   learned | fixed | dynamic */
param_clause
    : IN '[' expr ',' expr ']'
                             { $$ = ast_item(A, @$, ITEM_PARAM); $$->param.lo = $3; $$->param.hi = $5;
                               $$->param.bounds_span = @$; }
    | '=' expr               { $$ = ast_item(A, @$, ITEM_PARAM); $$->param.value = $2; }
    | LEARNED                { $$ = ast_item(A, @$, ITEM_PARAM); $$->param.mark = PARAM_LEARNED;
                               $$->param.mark_span = @$; }
    | FIXED                  { $$ = ast_item(A, @$, ITEM_PARAM); $$->param.mark = PARAM_FIXED;
                               $$->param.mark_span = @$; }
    | DYNAMIC                { $$ = ast_item(A, @$, ITEM_PARAM); $$->param.mark = PARAM_DYNAMIC;
                               $$->param.mark_span = @$; }
    ;

/* mlp(3 -> 16 -> 16 -> 1, tanh, output = sigmoid) */
layer_sizes
    : NUMBER ARROW NUMBER    { $$ = (PtrVec){0};
                               ptrvec_push(A, &$$, ast_num(A, @1, $1));
                               ptrvec_push(A, &$$, ast_num(A, @3, $3)); }
    | layer_sizes ARROW NUMBER
                             { $$ = $1; ptrvec_push(A, &$$, ast_num(A, @3, $3)); }
    ;

net_args
    : %empty                 { $$ = (PtrVec){0}; }
    | net_args ',' net_arg   { $$ = $1; ptrvec_push(A, &$$, $3); }
    ;

net_arg
    : ID                     { $$ = ARENA_NEW(A, Option); $$->name = $1; }
    | option                 { $$ = $1; }
    | OUTPUT '=' expr        { /* `output` is a keyword, but also the name of the output-activation option */
                               $$ = ARENA_NEW(A, Option);
                               $$->name.name = intern(ctx->names, "output");
                               $$->name.span = @1;
                               $$->value = $3; }
    ;

/* from P, T, PET, attributes(p_mean, aridity) */
learn_sources
    : ID                     { $$ = (PtrVec){0}; Ident *i = ARENA_NEW(A, Ident); *i = $1; ptrvec_push(A, &$$, i);
                               ctx->learn_attrs = false; }
    | ATTRIBUTES '(' id_list ')'
                             { $$ = (PtrVec){0};
                               ctx->learn_attrs = true;
                               ptrvec_push(A, &$$, ARENA_NEW(A, Ident));
                               for (int i = 0; i < $3.n; i++) ptrvec_push(A, &$$, $3.items[i]); }
    | learn_sources ',' ID   { $$ = $1; Ident *i = ARENA_NEW(A, Ident); *i = $3;
                               if (ctx->learn_attrs)   /* a flag, not a scan: lists can be long */
                                   diag_error(ctx->diag, @3, "forcing '%s' must be listed before 'attributes(...)'", $3.name);
                               else ptrvec_push(A, &$$, i); }
    | learn_sources ',' ATTRIBUTES '(' id_list ')'
                             { $$ = $1;
                               if (ctx->learn_attrs) diag_error(ctx->diag, @3, "'attributes(...)' is given twice");
                               else ptrvec_push(A, &$$, ARENA_NEW(A, Ident));
                               ctx->learn_attrs = true;
                               for (int i = 0; i < $5.n; i++) ptrvec_push(A, &$$, $5.items[i]); }
    ;

dynamic_opt
    : %empty                 { $$ = (PtrVec){0}; }
    | DYNAMIC id_list        { $$ = $2; }
    ;

id_list
    : ID                     { $$ = (PtrVec){0}; Ident *i = ARENA_NEW(A, Ident); *i = $1; ptrvec_push(A, &$$, i); }
    | id_list ',' ID         { $$ = $1; Ident *i = ARENA_NEW(A, Ident); *i = $3; ptrvec_push(A, &$$, i); }
    ;

paren_options_opt
    : %empty                 { $$ = (PtrVec){0}; }
    | '(' options_opt ')'    { $$ = $2; }
    ;

options_opt
    : %empty                 { $$ = (PtrVec){0}; }
    | options                { $$ = $1; }
    ;

options
    : option                 { $$ = (PtrVec){0}; ptrvec_push(A, &$$, $1); }
    | options ',' option     { $$ = $1; ptrvec_push(A, &$$, $3); }
    ;

option
    : ID '=' expr            { $$ = ARENA_NEW(A, Option); $$->name = $1; $$->value = $3; }
    ;

/* ---- Units -----------------------------------------------------------------
 * unit -> '-' | term ;  term -> factor { ('*' | '/') factor } ;
 * factor -> NAME ['^' int] | '1' | '(' term ')'                              */
unit_opt
    : %empty                 { $$ = NULL; }
    | ':' unit               { $$ = $2; }
    ;

unit
    : '-'                    { $$ = make_unit(ctx, @$, NULL); }
    | unit_term              { $$ = make_unit(ctx, @$, &$1); }
    ;

unit_term
    : unit_factor            { $$ = $1; }
    | unit_term '*' unit_factor
                             { $$ = $1; unit_append(ctx, &$$, &$3, 1); }
    | unit_term '/' unit_factor
                             { $$ = $1; unit_append(ctx, &$$, &$3, -1); }
    ;

unit_factor
    : ID                     { $$ = (PtrVec){0}; ptrvec_push(A, &$$, unit_factor(ctx, $1, 1)); }
    | ID '^' power           { $$ = (PtrVec){0}; ptrvec_push(A, &$$, unit_factor(ctx, $1, $3)); }
    | NUMBER                 { $$ = (PtrVec){0};
                               if ($1 != 1.0) diag_error(ctx->diag, @1, "a number in a unit must be 1 (as in '1/d')"); }
    | '(' unit_term ')'      { $$ = $2; }
    ;

power
    : NUMBER                 { $$ = int_of(ctx, $1, @1, "unit power"); }
    | '-' NUMBER             { $$ = -int_of(ctx, $2, @2, "unit power"); }
    ;

/* ---- Statements (step blocks and function bodies) ------------------------- */
stmts
    : %empty                 { $$ = (PtrVec){0}; }
    | stmts stmt             { $$ = $1; ptrvec_push(A, &$$, $2); }
    | stmts ';'              { $$ = $1; }
    | stmts error            { $$ = $1; }
    ;

stmt
    : assignment
    | SINK assignment        { $$ = $2; $$->span = @$; $$->mark = STMT_MARK_SINK; $$->mark_span = @1; }
    | SOURCE assignment      { $$ = $2; $$->span = @$; $$->mark = STMT_MARK_SOURCE; $$->mark_span = @1; }
    | RETURN expr            { $$ = ast_stmt(A, @$, STMT_RETURN, no_ident(), $2); }
    | REPEAT expr '{' stmts '}'
                             { $$ = ast_repeat(A, @$, $2, NULL, (Stmt **)$4.items, $4.n); }
    | REPEAT expr WHILE expr '{' stmts '}'
                             { $$ = ast_repeat(A, @$, $2, $4, (Stmt **)$6.items, $6.n); }
    ;

assignment
    : ID '=' expr            { $$ = ast_stmt(A, @$, STMT_ASSIGN, $1, $3); }
    | ID PLUS_ASSIGN expr    { $$ = ast_stmt(A, @$, STMT_ADD, $1, $3); }
    | ID MINUS_ASSIGN expr   { $$ = ast_stmt(A, @$, STMT_SUB, $1, $3); }
    ;

/* ---- Expressions -----------------------------------------------------------
 * Precedence, loosest first: if/else, or, and, not, comparisons, + -, * /,
 * unary -, ^ (right associative: -x^2 = -(x^2), a^b^c = a^(b^c)). */
expr
    : postfix                { $$ = $1; }
    | IF expr THEN expr ELSE expr %prec ELSE
                             { $$ = capped(ctx, ast_if(A, @$, $2, $4, $6)); }
    | expr OR expr           { $$ = capped(ctx, ast_binary(A, @$, OP_OR, $1, $3)); }
    | expr AND expr          { $$ = capped(ctx, ast_binary(A, @$, OP_AND, $1, $3)); }
    | NOT expr               { $$ = capped(ctx, ast_unary(A, @$, OP_NOT, $2)); }
    | expr '<' expr          { $$ = capped(ctx, ast_binary(A, @$, OP_LT, $1, $3)); }
    | expr LE expr           { $$ = capped(ctx, ast_binary(A, @$, OP_LE, $1, $3)); }
    | expr '>' expr          { $$ = capped(ctx, ast_binary(A, @$, OP_GT, $1, $3)); }
    | expr GE expr           { $$ = capped(ctx, ast_binary(A, @$, OP_GE, $1, $3)); }
    | expr EQ expr           { $$ = capped(ctx, ast_binary(A, @$, OP_EQ, $1, $3)); }
    | expr NE expr           { $$ = capped(ctx, ast_binary(A, @$, OP_NE, $1, $3)); }
    | expr '+' expr          { $$ = capped(ctx, ast_binary(A, @$, OP_ADD, $1, $3)); }
    | expr '-' expr          { $$ = capped(ctx, ast_binary(A, @$, OP_SUB, $1, $3)); }
    | expr '*' expr          { $$ = capped(ctx, ast_binary(A, @$, OP_MUL, $1, $3)); }
    | expr '/' expr          { $$ = capped(ctx, ast_binary(A, @$, OP_DIV, $1, $3)); }
    | '-' expr %prec NEG     { $$ = capped(ctx, ast_unary(A, @$, OP_NEG, $2)); }
    | expr '^' expr          { $$ = capped(ctx, ast_binary(A, @$, OP_POW, $1, $3)); }
    ;

postfix
    : primary                { $$ = $1; }
    | postfix '[' expr ']'   { $$ = capped(ctx, ast_index(A, @$, $1, $3)); }
    ;

primary
    : NUMBER                 { $$ = ast_num(A, @$, $1); }
    | ID                     { $$ = ast_name(A, @$, $1); }
    | ID '(' args_opt ')'    { $$ = capped(ctx, ast_call(A, @$, $1, &$3)); }
    | STEP '(' args_opt ')'  { /* the builtin step(x) (Heaviside) shares its name with the keyword */
                               Ident id = {intern(ctx->names, "step"), @1};
                               $$ = capped(ctx, ast_call(A, @$, id, &$3)); }
    | '(' expr ')'           { $$ = $2; }
    ;

args_opt
    : %empty                 { $$ = (PtrVec){0}; }
    | args                   { $$ = $1; }
    ;

args
    : expr                   { $$ = (PtrVec){0}; ptrvec_push(A, &$$, $1); }
    | args ',' expr          { $$ = $1; ptrvec_push(A, &$$, $3); }
    ;

%%

/* ---- Helpers used by the actions ------------------------------------------ */

static void push_top(struct ParseCtx *ctx, TopDecl d) {
    TopDecl *p = ARENA_NEW(A, TopDecl);
    *p = d;
    ptrvec_push(A, &ctx->decls, p);
}

/* Later passes walk expressions recursively: a tree deeper than
 * AST_MAX_EXPR_DEPTH (`x + x + ... + x`, nested calls) is reported and
 * replaced by a leaf, so that no input can exhaust the C stack. */
static Expr *capped(struct ParseCtx *ctx, Expr *e) {
    if (e->depth <= AST_MAX_EXPR_DEPTH) return e;
    Span last = ctx->too_deep;   /* report an expression once, not once per level past the limit */
    if (!(last.end && last.file == e->span.file && e->span.start <= last.start && last.end <= e->span.end))
        diag_error(ctx->diag, e->span, "expression is nested too deeply (more than %d levels)", AST_MAX_EXPR_DEPTH);
    ctx->too_deep = e->span;
    return ast_num(A, e->span, 0.0);
}

static UnitFactor *unit_factor(struct ParseCtx *ctx, Ident name, int power) {
    UnitFactor *f = ARENA_NEW(A, UnitFactor);
    f->name = name;
    f->power = power;
    return f;
}

static void unit_append(struct ParseCtx *ctx, PtrVec *dst, PtrVec *src, int sign) {
    for (int i = 0; i < src->n; i++) {
        UnitFactor *f = src->items[i];
        ptrvec_push(A, dst, unit_factor(ctx, f->name, sign * f->power));
    }
}

static AstUnit *make_unit(struct ParseCtx *ctx, Span s, PtrVec *factors) {
    AstUnit *u = ARENA_NEW(A, AstUnit);
    u->span = s;
    int n = factors ? factors->n : 0;
    u->factors = ARENA_ARRAY(A, UnitFactor, n ? n : 1);
    for (int i = 0; i < n; i++) u->factors[i] = *(UnitFactor *)factors->items[i];
    u->nfactors = n;
    return u;
}

static OptionList options_of(struct ParseCtx *ctx, PtrVec *v) {
    OptionList l = {0};
    l.n = v->n;
    l.items = ARENA_ARRAY(A, Option, v->n ? v->n : 1);
    for (int i = 0; i < v->n; i++) l.items[i] = *(Option *)v->items[i];
    return l;
}

static IdentList idents_of(struct ParseCtx *ctx, PtrVec *v) {
    IdentList l = {0};
    l.n = v->n;
    l.items = ARENA_ARRAY(A, Ident, v->n ? v->n : 1);
    for (int i = 0; i < v->n; i++) l.items[i] = *(Ident *)v->items[i];
    return l;
}
static int int_of(struct ParseCtx *ctx, double v, Span s, const char *what) {
    if (v != floor(v) || v > 1e6) {
        diag_error(ctx->diag, s, "%s must be a whole number below 1000000", what);
        return 1;
    }
    return (int)v;
}

/* Merges one `param` clause into the declaration, rejecting repeats. */
static void param_clause(struct ParseCtx *ctx, Item *it, Item *clause) {
    if (clause->param.lo) {
        if (it->param.lo) diag_error(ctx->diag, clause->span, "parameter '%s' has bounds twice", it->name.name);
        it->param.lo = clause->param.lo;
        it->param.hi = clause->param.hi;
        it->param.bounds_span = clause->param.bounds_span;
    } else if (clause->param.value) {
        if (it->param.value) diag_error(ctx->diag, clause->span, "parameter '%s' has a default value twice", it->name.name);
        it->param.value = clause->param.value;
    } else {
        if (it->param.mark_span.end)
            diag_error(ctx->diag, clause->span, "parameter '%s' is marked twice ('%s' was given before)",
                       it->name.name, it->param.mark == PARAM_FIXED ? "fixed" : it->param.mark == PARAM_DYNAMIC ? "dynamic" : "learned");
        it->param.mark = clause->param.mark;
        it->param.mark_span = clause->param.mark_span;
    }
}

/* ---- Syntax error messages -------------------------------------------------
 * "expected X, found Y" with the lookahead's own text; a note points at the
 * unclosed '{' when the file ends inside a block. */

/* Writes a human name for a grammar symbol ('param', a name, end of file). */
static const char *symbol_text(yysymbol_kind_t k, char *buf, size_t n) {
    switch (k) {
    case YYSYMBOL_YYEOF: return "end of file";
    case YYSYMBOL_ID: return "a name";
    case YYSYMBOL_NUMBER: return "a number";
    case YYSYMBOL_STRING: return "a string";
    case YYSYMBOL_DERIV: return "'dNAME/dt'";
    default: break;
    }
    const char *s = yysymbol_name(k);
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        snprintf(buf, n, "'%.*s'", (int)(len - 2), s + 1);
        return buf;
    }
    if (s[0] != '\'') {   /* bison gives keyword aliases unquoted: 'return', not return */
        snprintf(buf, n, "'%s'", s);
        return buf;
    }
    return s;
}

/* The lookahead as the user wrote it, quoted and shortened. */
static void found_text(struct ParseCtx *ctx, yysymbol_kind_t k, Span s, char *buf, size_t n) {
    if (k == YYSYMBOL_YYEOF) { snprintf(buf, n, "end of file"); return; }
    uint32_t len = s.end > s.start ? s.end - s.start : 0;
    if (s.end > ctx->src->len) len = 0;
    if (len > 32) len = 32;
    const char *t = ctx->src->text + s.start;
    size_t o = 0;
    buf[o++] = '\'';
    for (uint32_t i = 0; i < len && o + 5 < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\n') break;
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
}

/* Tokens that continue an expression or a unit: listing them after every
 * complete expression ("expected '+', '-', '*', ...") says nothing useful. */
static bool is_char(yysymbol_kind_t k, char c) {
    const char *s = yysymbol_name(k);
    return s[0] == '\'' && s[1] == c && s[2] == '\'' && !s[3];
}

static bool continues_expr(yysymbol_kind_t k) {
    switch (k) {
    case YYSYMBOL_LE: case YYSYMBOL_GE: case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_AND: case YYSYMBOL_OR:
        return true;
    default:
        return is_char(k, '+') || is_char(k, '-') || is_char(k, '*') || is_char(k, '/') || is_char(k, '^') ||
               is_char(k, '<') || is_char(k, '>') || is_char(k, '[');
    }
}

/* Tokens that start a model item (besides '}'). */
static bool starts_item(yysymbol_kind_t k) {
    switch (k) {
    case YYSYMBOL_INPUT: case YYSYMBOL_PARAM: case YYSYMBOL_STATE: case YYSYMBOL_CONST: case YYSYMBOL_FLUX:
    case YYSYMBOL_OUTPUT: case YYSYMBOL_DERIV: case YYSYMBOL_SOLVE: case YYSYMBOL_STEP: case YYSYMBOL_NET:
    case YYSYMBOL_LEARN: case YYSYMBOL_COMPONENTS: case YYSYMBOL_REPLACE:
        return true;
    default:
        return false;
    }
}

/* Is the name at s followed by '=', '+=' or '-=' (an assignment)? */
static bool assignment_follows(struct ParseCtx *ctx, Span s) {
    const char *t = ctx->src->text;
    uint32_t i = s.end, n = ctx->src->len;
    while (i < n && (t[i] == ' ' || t[i] == '\t')) i++;
    if (i + 1 < n && (t[i] == '+' || t[i] == '-') && t[i + 1] == '=') return true;
    return i < n && t[i] == '=' && !(i + 1 < n && t[i + 1] == '=');
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, void *scanner, struct ParseCtx *ctx) {
    (void)scanner;
    enum { MAX_LIST = 4, MAX_ALL = 64 };
    yysymbol_kind_t all[MAX_ALL];
    int nall = yypcontext_expected_tokens(yyctx, all, MAX_ALL);
    if (nall < 0) nall = 0;
    yysymbol_kind_t la = yypcontext_token(yyctx);
    Span at = *yypcontext_location(yyctx);
    char found[64];
    found_text(ctx, la, at, found, sizeof found);

    bool in_model_body = false, has[YYNTOKENS] = {0};
    for (int i = 0; i < nall; i++) {
        has[all[i]] = true;
        if (all[i] == YYSYMBOL_PARAM) in_model_body = true;
    }
    /* between top-level declarations */
    bool at_top = has[YYSYMBOL_MODEL] && has[YYSYMBOL_FN] && has[YYSYMBOL_IMPORT];
    /* every token that can start an expression is expected: say "an expression" */
    bool want_expr = has[YYSYMBOL_NUMBER] && has[YYSYMBOL_ID] && has[YYSYMBOL_IF] && has[YYSYMBOL_NOT];

    /* a unit is expected: after ':' or inside 'mm/...' */
    bool want_unit = !want_expr && has[YYSYMBOL_ID] && has[YYSYMBOL_NUMBER];
    for (int i = 0; i < nall && want_unit; i++)
        if (all[i] != YYSYMBOL_ID && all[i] != YYSYMBOL_NUMBER && !is_char(all[i], '(') && !is_char(all[i], '-'))
            want_unit = false;

    /* what to list: expression starts fold into "an expression", model item
     * starts into "a declaration"; operators only when nothing else fits */
    const char *list[MAX_ALL + 3];
    char bufs[MAX_ALL][64];
    int n = 0;
    for (int i = 0; i < nall; i++) {
        yysymbol_kind_t k = all[i];
        if (want_unit) break;
        if (want_expr && (k == YYSYMBOL_NUMBER || k == YYSYMBOL_ID || k == YYSYMBOL_IF || k == YYSYMBOL_NOT ||
                          k == YYSYMBOL_STEP || is_char(k, '(') || is_char(k, '-')))
            continue;
        if (in_model_body && (starts_item(k) || is_char(k, '}'))) continue;
        if (at_top && (k == YYSYMBOL_MODEL || k == YYSYMBOL_FN || k == YYSYMBOL_IMPORT || k == YYSYMBOL_CONST ||
                       k == YYSYMBOL_YYEOF))
            continue;
        if (continues_expr(k)) continue;
        if ((in_model_body || at_top) && is_char(k, ';')) continue;   /* an optional separator: never the fix */
        list[n] = symbol_text(k, bufs[n], sizeof bufs[n]);
        n++;
    }
    if (n == 0 && !want_expr && !want_unit && !in_model_body && !at_top)   /* only operators fit: list them */
        for (int i = 0; i < nall; i++)
            if (continues_expr(all[i])) { list[n] = symbol_text(all[i], bufs[n], sizeof bufs[n]); n++; }
    bool too_many = n > MAX_LIST;
    if (want_unit) list[n++] = "a unit (such as mm/d, 1/d or -)";
    if (want_expr) list[n++] = "an expression";
    if (in_model_body) list[n++] = "a declaration (input, param, state, flux, output, step, ...)";
    if (at_top) list[n++] = "a top-level declaration (import, const, fn or model)";

    bool close_brace = false;
    for (int i = 0; i < nall; i++) close_brace |= is_char(all[i], '}');
    if (la == YYSYMBOL_YYEOF && close_brace) {   /* the file ends inside a block: that is the error */
        diag_error(ctx->diag, at, "expected '}', found end of file");
    } else if (n == 0 || too_many) {
        diag_error(ctx->diag, at, "unexpected %s", found);
    } else {
        char msg[768];
        StrBuf sb;
        strbuf_init(&sb, msg, sizeof msg);
        for (int i = 0; i < n; i++) strbuf_add(&sb, "%s%s", i == 0 ? "" : (i == n - 1 ? " or " : ", "), list[i]);
        diag_error(ctx->diag, at, "expected %s, found %s", msg, found);
    }
    /* a keyword where a name fits, on the same line (a keyword that starts a
     * line more likely starts the next declaration after an incomplete one) */
    const char *la_name = yysymbol_name(la);
    bool starts_line = true;
    for (uint32_t i = at.start; i > 0 && at.start <= ctx->src->len; i--) {
        char c = ctx->src->text[i - 1];
        if (c == '\n') break;
        if (c != ' ' && c != '\t' && c != '\r') { starts_line = false; break; }
    }
    if (has[YYSYMBOL_ID] && !want_unit && !starts_line && la != YYSYMBOL_YYEOF && la_name[0] >= 'a' && la_name[0] <= 'z' &&
        la != YYSYMBOL_ID)
        diag_note_plain(ctx->diag, "%s is a reserved word and cannot be used as a name", found);
    if (in_model_body && la == YYSYMBOL_ID && assignment_follows(ctx, at))
        diag_note_plain(ctx->diag, "assignments belong inside a 'step NAME { ... }' block; "
                        "equations are written 'flux NAME = ...' or 'dNAME/dt = ...'");
    if (la == YYSYMBOL_YYEOF && ctx->nbraces > 0 && ctx->nbraces <= PARSE_MAX_BRACES)
        diag_note(ctx->diag, ctx->braces[ctx->nbraces - 1], "to match this '{'");
    return 0;
}

static void dg_yyerror(DG_YYLTYPE *loc, void *scanner, struct ParseCtx *ctx, const char *msg) {
    (void)scanner;
    if (strstr(msg, "exhausted"))
        diag_error(ctx->diag, *loc, "nesting is too deep for the parser");
    else
        diag_error(ctx->diag, *loc, "%s", msg);
}
