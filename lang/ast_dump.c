/* ast_dump.c — --dump-ast: a stable, diffable text form of the parse tree.
 * Items print with their line:col; expressions print as S-expressions. */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

/* Shortest decimal text that reads back as the same double. */
static void print_num(FILE *out, double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, out);
}

void ast_dump_expr(FILE *out, const Expr *e) {
    if (!e) { fputs("<missing>", out); return; }
    switch (e->kind) {
    case EXPR_NUM: print_num(out, e->num); break;
    case EXPR_NAME: fputs(e->name.name, out); break;
    case EXPR_UNARY:
        fprintf(out, "(%s ", e->unary.op == OP_NEG ? "neg" : "not");
        ast_dump_expr(out, e->unary.arg);
        fputc(')', out);
        break;
    case EXPR_BINARY:
        fprintf(out, "(%s ", ast_op_text(e->binary.op));
        ast_dump_expr(out, e->binary.lhs);
        fputc(' ', out);
        ast_dump_expr(out, e->binary.rhs);
        fputc(')', out);
        break;
    case EXPR_CALL:
        fprintf(out, "(call %s", e->call.callee.name);
        for (int i = 0; i < e->call.nargs; i++) {
            fputc(' ', out);
            ast_dump_expr(out, e->call.args[i]);
        }
        fputc(')', out);
        break;
    case EXPR_INDEX:
        fputs("(index ", out);
        ast_dump_expr(out, e->index.base);
        fputc(' ', out);
        ast_dump_expr(out, e->index.index);
        fputc(')', out);
        break;
    case EXPR_IF:
        fputs("(if ", out);
        ast_dump_expr(out, e->cond.c);
        fputc(' ', out);
        ast_dump_expr(out, e->cond.then);
        fputc(' ', out);
        ast_dump_expr(out, e->cond.els);
        fputc(')', out);
        break;
    }
}

/* Units print as written: numerator factors, then '/factor' for negative powers. */
void ast_dump_unit(FILE *out, const AstUnit *u) {
    if (!u) return;
    if (u->nfactors == 0) { fputs("-", out); return; }
    int printed = 0;
    for (int i = 0; i < u->nfactors; i++) {
        const UnitFactor *f = &u->factors[i];
        if (f->power <= 0) continue;
        fprintf(out, "%s%s", printed++ ? "*" : "", f->name.name);
        if (f->power != 1) fprintf(out, "^%d", f->power);
    }
    if (!printed) fputc('1', out);
    for (int i = 0; i < u->nfactors; i++) {
        const UnitFactor *f = &u->factors[i];
        if (f->power >= 0) continue;
        fprintf(out, "/%s", f->name.name);
        if (f->power != -1) fprintf(out, "^%d", -f->power);
    }
}

const char *ast_item_keyword(ItemKind k) {
    switch (k) {
    case ITEM_INPUT: return "input";
    case ITEM_PARAM: return "param";
    case ITEM_STATE: return "state";
    case ITEM_CONST: return "const";
    case ITEM_FLUX: return "flux";
    case ITEM_EQUATION: return "equation";
    case ITEM_SOLVE: return "solve";
    case ITEM_STEP: return "step";
    case ITEM_OUTPUT: return "output";
    case ITEM_NET: return "net";
    case ITEM_LEARN: return "learn";
    case ITEM_COMPONENTS: return "components";
    case ITEM_ASSIGN: return "step";
    }
    return "?";
}

static void pos(FILE *out, const SourceMap *sm, Span s) {
    const SourceFile *f = src_file(sm, s.file);
    uint32_t line = 0, col = 0;
    if (f) src_line_col(f, s.start, &line, &col);
    fprintf(out, " @%u:%u", line, col);
}

static void indent(FILE *out, int n) {
    for (int i = 0; i < n; i++) fputs("  ", out);
}

static void dump_unit_ann(FILE *out, const AstUnit *u) {
    if (!u) return;
    fputs(" : ", out);
    ast_dump_unit(out, u);
}

static void dump_options(FILE *out, const OptionList *o) {
    if (o->n == 0) return;
    fputs(" (", out);
    for (int i = 0; i < o->n; i++) {
        fprintf(out, "%s%s = ", i ? ", " : "", o->items[i].name.name);
        ast_dump_expr(out, o->items[i].value);
    }
    fputc(')', out);
}

static void dump_idents(FILE *out, const IdentList *l, const char *first) {
    for (int i = 0; i < l->n; i++) fprintf(out, "%s%s", i ? ", " : first, l->items[i].name);
}

static void dump_stmts(FILE *out, Stmt **stmts, int n, int depth) {
    static const char *const ops[] = {"=", "+=", "-=", "return"};
    for (int i = 0; i < n; i++) {
        const Stmt *s = stmts[i];
        indent(out, depth);
        if (s->kind == STMT_REPEAT) {
            fputs("repeat ", out);
            ast_dump_expr(out, s->value);
            if (s->cond) {
                fputs(" while ", out);
                ast_dump_expr(out, s->cond);
            }
            fputc('\n', out);
            dump_stmts(out, s->body, s->nbody, depth + 1);
            continue;
        }
        if (s->mark != STMT_MARK_NONE) fputs(s->mark == STMT_MARK_SINK ? "sink " : "source ", out);
        if (s->kind == STMT_RETURN) fputs("return ", out);
        else fprintf(out, "%s %s ", s->target.name, ops[s->kind]);
        ast_dump_expr(out, s->value);
        fputc('\n', out);
    }
}

static void dump_item(FILE *out, const Item *it, const SourceMap *sm, int depth) {
    indent(out, depth);
    if (it->replace) fputs("replace ", out);
    switch (it->kind) {
    case ITEM_INPUT:
        fprintf(out, "input %s", it->name.name);
        dump_unit_ann(out, it->unit);
        break;
    case ITEM_PARAM:
        fprintf(out, "param %s", it->name.name);
        dump_unit_ann(out, it->unit);
        if (it->param.lo) {
            fputs(" in [", out);
            ast_dump_expr(out, it->param.lo);
            fputs(", ", out);
            ast_dump_expr(out, it->param.hi);
            fputc(']', out);
        }
        if (it->param.value) {
            fputs(" = ", out);
            ast_dump_expr(out, it->param.value);
        }
        if (it->param.mark_span.end)
            fputs(it->param.mark == PARAM_FIXED ? " fixed" : it->param.mark == PARAM_DYNAMIC ? " dynamic" : " learned", out);
        break;
    case ITEM_STATE:
        fprintf(out, "state %s", it->name.name);
        dump_unit_ann(out, it->unit);
        fputs(" = ", out);
        ast_dump_expr(out, it->state.init);
        break;
    case ITEM_CONST:
    case ITEM_FLUX:
    case ITEM_OUTPUT:
        fprintf(out, "%s %s", ast_item_keyword(it->kind), it->name.name);
        dump_unit_ann(out, it->unit);
        fputs(" = ", out);
        ast_dump_expr(out, it->def.value);
        break;
    case ITEM_EQUATION:
        fprintf(out, "d%s/dt = ", it->name.name);
        ast_dump_expr(out, it->eq.rhs);
        break;
    case ITEM_SOLVE:
        fprintf(out, "solve %s", it->name.name);
        dump_options(out, &it->solve.options);
        break;
    case ITEM_STEP:
        fprintf(out, "step %s", it->name.name);
        if (it->step.after.name) fprintf(out, " after %s", it->step.after.name);
        if (it->step.before.name) fprintf(out, " before %s", it->step.before.name);
        pos(out, sm, it->span);
        fputc('\n', out);
        dump_stmts(out, it->step.stmts, it->step.nstmts, depth + 1);
        return;
    case ITEM_NET:
        fprintf(out, "net %s = %s(", it->name.name, it->net.kind.name);
        for (int i = 0; i < it->net.nsizes; i++) fprintf(out, "%s%d", i ? " -> " : "", it->net.sizes[i]);
        fputc(')', out);
        if (it->net.activation.name) fprintf(out, " %s", it->net.activation.name);
        dump_options(out, &it->net.options);
        break;
    case ITEM_LEARN:
        fprintf(out, "learn params by %s", it->learn.kind.name);
        dump_options(out, &it->learn.options);
        fputs(" from", out);
        dump_idents(out, &it->learn.forcings, " ");
        if (it->learn.has_attributes) {
            fputs(it->learn.forcings.n ? ", attributes(" : " attributes(", out);
            dump_idents(out, &it->learn.attributes, "");
            fputc(')', out);
        }
        if (it->learn.dynamic.n) {
            fputs(" dynamic", out);
            dump_idents(out, &it->learn.dynamic, " ");
        }
        break;
    case ITEM_COMPONENTS:
        fputs("components ", out);
        ast_dump_expr(out, it->components.count);
        break;
    case ITEM_ASSIGN:
        fprintf(out, "step %s.%s = ", it->name.name, it->assign.stmt->target.name);
        ast_dump_expr(out, it->assign.stmt->value);
        break;
    }
    pos(out, sm, it->span);
    fputc('\n', out);
}

void ast_dump_file(FILE *out, const AstFile *f, const SourceMap *sm) {
    const SourceFile *src = src_file(sm, f->file);
    fprintf(out, "file %s\n", src ? src->name : "?");
    for (int i = 0; i < f->ndecls; i++) {
        const TopDecl *d = &f->decls[i];
        switch (d->kind) {
        case TOP_IMPORT:
            fprintf(out, "  import \"%s\"", d->import.path);
            pos(out, sm, d->import.span);
            fputc('\n', out);
            break;
        case TOP_CONST: dump_item(out, d->constant, sm, 1); break;
        case TOP_FN: {
            const FnDecl *fn = d->fn;
            fprintf(out, "  fn %s(", fn->name.name);
            for (int k = 0; k < fn->nparams; k++) {
                fprintf(out, "%s%s", k ? ", " : "", fn->params[k].name.name);
                dump_unit_ann(out, fn->params[k].unit);
            }
            fputc(')', out);
            dump_unit_ann(out, fn->result_unit);
            pos(out, sm, fn->span);
            fputc('\n', out);
            dump_stmts(out, fn->body, fn->nbody, 2);
            break;
        }
        case TOP_MODEL: {
            const ModelDecl *m = d->model;
            fprintf(out, "  model %s", m->name.name);
            if (m->doc) fprintf(out, " \"%s\"", m->doc);
            if (m->base.name) fprintf(out, " extends %s", m->base.name);
            pos(out, sm, m->span);
            fputc('\n', out);
            for (int k = 0; k < m->nitems; k++) dump_item(out, m->items[k], sm, 2);
            break;
        }
        }
    }
}
