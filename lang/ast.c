/* ast.c — arena constructors and deep copy for AST nodes. */
#include "ast.h"

#include <string.h>

const char *ast_op_text(BinOp op) {
    /* grep ORDER BinOp */
    static const char *const text[] = {"+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=",
                                       "and", "or", "-", "not"};
    return text[op];
}

void ptrvec_push(Arena *a, PtrVec *v, void *p) {
    if (v->n == v->cap) {
        int ncap = v->cap ? v->cap * 2 : 4;
        void **ni = ARENA_ARRAY(a, void *, ncap);
        if (v->n) memcpy(ni, v->items, sizeof(void *) * (size_t)v->n);
        v->items = ni;
        v->cap = ncap;
    }
    v->items[v->n++] = p;
}

static Expr *new_expr(Arena *a, Span s, ExprKind k) {
    Expr *e = ARENA_NEW(a, Expr);
    e->kind = k;
    e->span = s;
    e->depth = 1;
    return e;
}

static int depth_over(const Expr *e, int d) { return e && e->depth + 1 > d ? e->depth + 1 : d; }

Expr *ast_num(Arena *a, Span s, double v) {
    Expr *e = new_expr(a, s, EXPR_NUM);
    e->num = v;
    return e;
}

Expr *ast_name(Arena *a, Span s, Ident name) {
    Expr *e = new_expr(a, s, EXPR_NAME);
    e->name = name;
    return e;
}

Expr *ast_unary(Arena *a, Span s, BinOp op, Expr *arg) {
    Expr *e = new_expr(a, s, EXPR_UNARY);
    e->unary.op = op;
    e->unary.arg = arg;
    e->depth = depth_over(arg, 1);
    return e;
}

Expr *ast_binary(Arena *a, Span s, BinOp op, Expr *lhs, Expr *rhs) {
    Expr *e = new_expr(a, s, EXPR_BINARY);
    e->binary.op = op;
    e->binary.lhs = lhs;
    e->binary.rhs = rhs;
    e->depth = depth_over(rhs, depth_over(lhs, 1));
    return e;
}

Expr *ast_call(Arena *a, Span s, Ident callee, PtrVec *args) {
    Expr *e = new_expr(a, s, EXPR_CALL);
    e->call.callee = callee;
    e->call.args = args ? (Expr **)args->items : NULL;
    e->call.nargs = args ? args->n : 0;
    for (int i = 0; i < e->call.nargs; i++) e->depth = depth_over(e->call.args[i], e->depth);
    return e;
}

Expr *ast_index(Arena *a, Span s, Expr *base, Expr *index) {
    Expr *e = new_expr(a, s, EXPR_INDEX);
    e->index.base = base;
    e->index.index = index;
    e->depth = depth_over(index, depth_over(base, 1));
    return e;
}

Expr *ast_if(Arena *a, Span s, Expr *c, Expr *then, Expr *els) {
    Expr *e = new_expr(a, s, EXPR_IF);
    e->cond.c = c;
    e->cond.then = then;
    e->cond.els = els;
    e->depth = depth_over(els, depth_over(then, depth_over(c, 1)));
    return e;
}

Stmt *ast_stmt(Arena *a, Span s, StmtKind kind, Ident target, Expr *value) {
    Stmt *st = ARENA_NEW(a, Stmt);
    st->kind = kind;
    st->span = s;
    st->target = target;
    st->value = value;
    return st;
}

Stmt *ast_repeat(Arena *a, Span s, Expr *count, Expr *cond, Stmt **body, int nbody) {
    Stmt *st = ast_stmt(a, s, STMT_REPEAT, (Ident){0}, count);
    st->cond = cond;
    st->body = body;
    st->nbody = nbody;
    return st;
}

Item *ast_item(Arena *a, Span s, ItemKind kind) {
    Item *it = ARENA_NEW(a, Item);
    it->kind = kind;
    it->span = s;
    return it;
}

Expr *ast_clone_expr(Arena *a, const Expr *e) {
    if (!e) return NULL;
    Expr *c = ARENA_NEW(a, Expr);
    *c = *e;
    c->sema = NULL;
    switch (e->kind) {
    case EXPR_NUM:
    case EXPR_NAME: break;
    case EXPR_UNARY: c->unary.arg = ast_clone_expr(a, e->unary.arg); break;
    case EXPR_BINARY:
        c->binary.lhs = ast_clone_expr(a, e->binary.lhs);
        c->binary.rhs = ast_clone_expr(a, e->binary.rhs);
        break;
    case EXPR_CALL:
        c->call.args = ARENA_ARRAY(a, Expr *, e->call.nargs ? e->call.nargs : 1);
        for (int i = 0; i < e->call.nargs; i++) c->call.args[i] = ast_clone_expr(a, e->call.args[i]);
        break;
    case EXPR_INDEX:
        c->index.base = ast_clone_expr(a, e->index.base);
        c->index.index = ast_clone_expr(a, e->index.index);
        break;
    case EXPR_IF:
        c->cond.c = ast_clone_expr(a, e->cond.c);
        c->cond.then = ast_clone_expr(a, e->cond.then);
        c->cond.els = ast_clone_expr(a, e->cond.els);
        break;
    }
    return c;
}

Stmt *ast_clone_stmt(Arena *a, const Stmt *s) {
    Stmt *c = ARENA_NEW(a, Stmt);
    *c = *s;
    c->value = ast_clone_expr(a, s->value);
    c->cond = ast_clone_expr(a, s->cond);
    if (s->nbody) {
        c->body = ARENA_ARRAY(a, Stmt *, s->nbody);
        for (int i = 0; i < s->nbody; i++) c->body[i] = ast_clone_stmt(a, s->body[i]);
    }
    return c;
}
