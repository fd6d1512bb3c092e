/* checked_dump.c — --dump-checked (stable text of a checked model: every
 * name tagged with what it resolved to, every statement with its unit) and
 * --summary (a short description for users). */
#include "frontend.h"
#include "builtins.h"

#include <stdlib.h>
#include <string.h>

static void print_num(FILE *out, double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, out);
}

static const char *tag(SymKind k) {
    switch (k) {
    case SYM_INPUT: return "input";
    case SYM_PARAM: return "param";
    case SYM_STATE: return "state";
    case SYM_CONST: return "const";
    case SYM_FLUX: return "flux";
    case SYM_LOCAL: return "local";
    case SYM_OUTPUT: return "output";
    case SYM_NET: return "net";
    case SYM_FNPARAM: return "arg";
    case SYM_FNLOCAL: return "var";
    }
    return "?";
}

static void dump_expr(FILE *out, const Expr *e) {
    const ExprInfo *in = expr_info(e);
    switch (e->kind) {
    case EXPR_NUM: print_num(out, e->num); return;
    case EXPR_NAME:
        if (in && in->sym && in->sym->kind == SYM_CONST && in->is_const) {
            fprintf(out, "%s@const=", e->name.name);
            print_num(out, in->value);
        } else {
            fprintf(out, "%s@%s", e->name.name, in && in->sym ? tag(in->sym->kind) : "?");
        }
        return;
    case EXPR_UNARY:
        fprintf(out, "(%s ", e->unary.op == OP_NEG ? "neg" : "not");
        dump_expr(out, e->unary.arg);
        fputc(')', out);
        return;
    case EXPR_BINARY:
        fprintf(out, "(%s ", ast_op_text(e->binary.op));
        dump_expr(out, e->binary.lhs);
        fputc(' ', out);
        dump_expr(out, e->binary.rhs);
        fputc(')', out);
        return;
    case EXPR_CALL: {
        const char *kind = !in ? "call" : in->call == CALL_BUILTIN ? "builtin" : in->call == CALL_FN ? "fn"
                         : in->call == CALL_NET ? "net" : "call";
        fprintf(out, "(%s %s", kind, e->call.callee.name);
        for (int i = 0; i < e->call.nargs; i++) {
            fputc(' ', out);
            dump_expr(out, e->call.args[i]);
        }
        fputc(')', out);
        return;
    }
    case EXPR_INDEX:
        fputs("(index ", out);
        dump_expr(out, e->index.base);
        fputc(' ', out);
        dump_expr(out, e->index.index);
        fputc(')', out);
        return;
    case EXPR_IF:
        fputs("(if ", out);
        dump_expr(out, e->cond.c);
        fputc(' ', out);
        dump_expr(out, e->cond.then);
        fputc(' ', out);
        dump_expr(out, e->cond.els);
        fputc(')', out);
        return;
    }
}

static void unit_suffix(FILE *out, Unit u, Program *p) {
    if (u.kind == UNIT_KNOWN) fprintf(out, " : %s", unit_text(u, &p->arena));
}

static const char *mark_name(ParamMark k) {
    return k == PARAM_FIXED ? "fixed" : k == PARAM_DYNAMIC ? "dynamic" : "learned";
}

static const char *solver_name(SolverKind k) {
    return k == SOLVER_EULER ? "euler" : k == SOLVER_RK4 ? "rk4" : "implicit_euler";
}

/* Step statements: `let` defines a step variable, `set` changes one; a
 * repeat shows its passes and condition, its body one level deeper. */
static void dump_stmts(FILE *out, const CheckedStmt *stmts, int n, int depth, Program *p) {
    static const char *const ops[] = {"=", "+=", "-=", "return"};
    for (int k = 0; k < n; k++) {
        const CheckedStmt *cs = &stmts[k];
        fprintf(out, "%*s", 2 * depth, "");
        if (cs->stmt->kind == STMT_REPEAT) {
            fprintf(out, "repeat %d", cs->passes);
            if (cs->cond) {
                fputs(" while ", out);
                dump_expr(out, cs->cond);
            }
            fputc('\n', out);
            dump_stmts(out, cs->body, cs->nbody, depth + 1, p);
            continue;
        }
        fprintf(out, "%s%s %s@%s", cs->stmt->mark == STMT_MARK_SINK ? "sink " : cs->stmt->mark == STMT_MARK_SOURCE ? "source " : "",
                cs->defines ? "let" : "set", cs->target->name, tag(cs->target->kind));
        unit_suffix(out, cs->defines ? cs->target->unit : expr_info(cs->stmt->value)->unit, p);
        fprintf(out, " %s ", ops[cs->stmt->kind]);
        dump_expr(out, cs->stmt->value);
        fputc('\n', out);
    }
}

void checked_dump_model(FILE *out, const CheckedModel *m, Program *p) {
    fprintf(out, "model %s", m->name);
    if (m->base) fprintf(out, " extends %s", m->base);
    fputc('\n', out);
    fprintf(out, "  form %s\n", m->form == FORM_STEP ? "step" : m->form == FORM_EQUATIONS ? "equations" : "none");
    fprintf(out, "  components %d\n", m->components);
    for (int i = 0; i < m->inputs.n; i++) {
        fprintf(out, "  input %s", m->inputs.items[i]->name);
        unit_suffix(out, m->inputs.items[i]->unit, p);
        fputc('\n', out);
    }
    for (int i = 0; i < m->consts.n; i++) {
        Sym *c = m->consts.items[i];
        fprintf(out, "  const %s", c->name);
        unit_suffix(out, c->unit, p);
        fputs(" = ", out);
        if (c->known) print_num(out, c->const_value); else fputs("?", out);
        fputc('\n', out);
    }
    for (int i = 0; i < m->params.n; i++) {
        Sym *q = m->params.items[i];
        fprintf(out, "  param %s", q->name);
        unit_suffix(out, q->unit, p);
        if (q->has_bounds) {
            fputs(" in [", out);
            print_num(out, q->lo);
            fputs(", ", out);
            print_num(out, q->hi);
            fputc(']', out);
        }
        if (q->has_value) {
            fputs(" = ", out);
            print_num(out, q->value);
        }
        fprintf(out, " %s\n", mark_name(q->mark));
    }
    for (int i = 0; i < m->states.n; i++) {
        Sym *st = m->states.items[i];
        fprintf(out, "  state %s", st->name);
        unit_suffix(out, st->unit, p);
        fputs(" = ", out);
        dump_expr(out, st->def);
        fputc('\n', out);
    }
    for (int i = 0; i < m->nets.n; i++) {
        Sym *n = m->nets.items[i];
        fprintf(out, "  net %s mlp", n->name);
        for (int k = 0; k < n->net->nsizes; k++) fprintf(out, "%s%d", k ? " -> " : " ", n->net->sizes[k]);
        fprintf(out, " %s", n->net->activation.name ? n->net->activation.name : "tanh");
        for (int k = 0; k < n->net->options.n; k++)
            if (n->net->options.items[k].value->kind == EXPR_NAME)
                fprintf(out, " output %s", n->net->options.items[k].value->name.name);
        fputc('\n', out);
    }
    if (m->learn.kind != PNET_NONE) {
        const ParamNet *l = &m->learn;
        fprintf(out, "  learn %s hidden %d layers %d dropout ", l->kind == PNET_LSTM ? "lstm" : "mlp", l->hidden,
                l->layers);
        print_num(out, l->dropout);
        fputs(" from", out);
        for (int i = 0; i < l->nforcings; i++) fprintf(out, " %s", l->forcings[i]->name);
        if (l->nattributes) {
            fputs(" attributes", out);
            for (int i = 0; i < l->nattributes; i++) fprintf(out, " %s", l->attributes[i]);
        }
        if (l->ndynamic) {
            fputs(" dynamic", out);
            for (int i = 0; i < l->ndynamic; i++) fprintf(out, " %s", l->dynamic[i]->name);
        }
        fputc('\n', out);
    }
    if (m->form == FORM_EQUATIONS) {
        fprintf(out, "  solve %s substeps %d", solver_name(m->solver.kind), m->solver.substeps);
        if (m->solver.kind == SOLVER_IMPLICIT_EULER) {
            fprintf(out, " iterations %d tol ", m->solver.iterations);
            print_num(out, m->solver.tolerance);
        }
        fputc('\n', out);
        for (int i = 0; i < m->fluxes.n; i++) {
            Sym *f = m->fluxes.items[i];
            fprintf(out, "  flux %s", f->name);
            unit_suffix(out, f->unit, p);
            fputs(" = ", out);
            dump_expr(out, f->def);
            fputc('\n', out);
        }
        for (int i = 0; i < m->states.n; i++) {
            if (!m->state_rhs[i]) continue;
            fprintf(out, "  d%s/dt", m->states.items[i]->name);
            unit_suffix(out, expr_info(m->state_rhs[i])->unit, p);
            fputs(" = ", out);
            dump_expr(out, m->state_rhs[i]);
            fputc('\n', out);
        }
    }
    for (int i = 0; i < m->nphases; i++) {
        const Phase *ph = &m->phases[i];
        fprintf(out, "  step %s\n", ph->name);
        dump_stmts(out, ph->stmts, ph->nstmts, 2, p);
    }
    for (int i = 0; i < m->outputs.n; i++) {
        Sym *o = m->outputs.items[i];
        fprintf(out, "  output %s", o->name);
        unit_suffix(out, o->unit, p);
        fputs(" = ", out);
        dump_expr(out, o->def);
        fputc('\n', out);
    }
}

/* ---- --summary ------------------------------------------------------------------- */

static void list_syms(FILE *out, const char *title, const SymVec *v, Program *p) {
    if (v->n == 0) return;
    fprintf(out, "  %-11s", title);
    for (int i = 0; i < v->n; i++) {
        Sym *s = v->items[i];
        fprintf(out, "%s%s", i ? ", " : "", s->name);
        if (s->unit.kind == UNIT_KNOWN && !unit_is_dimensionless(s->unit)) fprintf(out, " [%s]", unit_text(s->unit, &p->arena));
    }
    fputc('\n', out);
}

void checked_print_summary(FILE *out, const CheckedModel *m, Program *p) {
    fprintf(out, "model %s", m->name);
    if (m->base) fprintf(out, " (extends %s)", m->base);
    if (m->doc) fprintf(out, ": %s", m->doc);
    fputc('\n', out);
    if (m->form == FORM_STEP) {
        fprintf(out, "  %-11s", "time step");
        fprintf(out, "step blocks");
        for (int i = 0; i < m->nphases; i++) fprintf(out, "%s%s", i ? " -> " : " ", m->phases[i].name);
        fputc('\n', out);
    } else if (m->form == FORM_EQUATIONS) {
        fprintf(out, "  %-11s%d storage equations, %d fluxes, solved with %s (%d substep%s/day)\n", "time step",
                m->states.n, m->fluxes.n, solver_name(m->solver.kind), m->solver.substeps,
                m->solver.substeps == 1 ? "" : "s");
    }
    list_syms(out, "inputs", &m->inputs, p);
    if (m->params.n) {
        fprintf(out, "  %-11s", "parameters");
        for (int i = 0; i < m->params.n; i++) {
            Sym *q = m->params.items[i];
            fprintf(out, "%s%s", i ? ", " : "", q->name);
            if (q->has_bounds) {
                fputs(" [", out);
                print_num(out, q->lo);
                fputs("..", out);
                print_num(out, q->hi);
                fputc(']', out);
            }
            if (q->mark != PARAM_LEARNED) fprintf(out, " %s", mark_name(q->mark));
        }
        fputc('\n', out);
    }
    list_syms(out, "states", &m->states, p);
    list_syms(out, "outputs", &m->outputs, p);
    if (m->nets.n) list_syms(out, "networks", &m->nets, p);
    if (m->balance) fprintf(out, "  %-11s%s\n", "balance", m->balance);
    if (m->components > 1) fprintf(out, "  %-11s%d parallel parameter sets, outputs averaged\n", "components", m->components);
    if (m->learn.kind != PNET_NONE) {
        const ParamNet *l = &m->learn;
        fprintf(out, "  %-11s%s(hidden %d, layers %d, dropout %g) from", "learning", l->kind == PNET_LSTM ? "lstm" : "mlp",
                l->hidden, l->layers, l->dropout);
        for (int i = 0; i < l->nforcings; i++) fprintf(out, "%s%s", i ? ", " : " ", l->forcings[i]->name);
        if (l->nattributes) fprintf(out, "%s%d static attributes", l->nforcings ? " + " : " ", l->nattributes);
        if (l->ndynamic) {
            fputs("; dynamic:", out);
            for (int i = 0; i < l->ndynamic; i++) fprintf(out, "%s%s", i ? ", " : " ", l->dynamic[i]->name);
        }
        fputc('\n', out);
    }
}
