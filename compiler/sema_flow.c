/* sema_flow.c — the equation form's flux graph:
 *   - evaluation order of fluxes (a flux may use fluxes declared after it)
 *     and cycles among flux definitions;
 *   - mass conservation: every flux in a storage equation leaves one store
 *     and enters another, or crosses the model boundary — entering from a
 *     declared input, or leaving into a declared output. */
#include "sema_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- Evaluation order ------------------------------------------------------ */

typedef struct {
    Sema         *s;
    CheckedModel *m;
    SymVec       *deps;      /* per flux, by Sym.index */
    int          *color;     /* 0 white, 1 on the DFS path, 2 done */
    int          *next;      /* per flux: next dependency to visit */
    Sym         **path;
    int           npath;
    Sym         **order;
    int           norder;
    bool          cycle_reported;
} FluxOrder;

static void report_cycle(FluxOrder *fo, Sym *back_to) {
    char buf[512];
    StrBuf sb;
    strbuf_init(&sb, buf, sizeof buf);
    int start = 0;
    for (int i = 0; i < fo->npath; i++) if (fo->path[i] == back_to) start = i;
    for (int i = start; i < fo->npath; i++) strbuf_add(&sb, "'%s' -> ", fo->path[i]->name);
    strbuf_add(&sb, "'%s'", back_to->name);
    diag_error(fo->s->d, back_to->span, "flux '%s' depends on itself: %s", back_to->name, buf);
    diag_note_plain(fo->s->d, "fluxes are evaluated from the states of the current step; break the cycle "
                              "with a state or rewrite one flux without the other");
    fo->cycle_reported = true;
}

/* Depth-first, post-order; iterative (fo->path is the stack), since a chain
 * of fluxes can be as long as the file. */
static void visit(FluxOrder *fo, Sym *root) {
    if (fo->color[root->index]) return;
    fo->color[root->index] = 1;
    fo->path[fo->npath++] = root;
    while (fo->npath > 0) {
        Sym *f = fo->path[fo->npath - 1];
        SymVec *d = &fo->deps[f->index];
        if (fo->next[f->index] < d->n) {
            Sym *x = d->items[fo->next[f->index]++];
            if (x->kind != SYM_FLUX || fo->color[x->index] == 2) continue;
            if (fo->color[x->index] == 1) {
                if (!fo->cycle_reported) report_cycle(fo, x);
                continue;
            }
            fo->color[x->index] = 1;
            fo->path[fo->npath++] = x;
            continue;
        }
        fo->npath--;
        fo->color[f->index] = 2;
        fo->order[fo->norder++] = f;
    }
}

void sema_order_fluxes(Sema *s, CheckedModel *m, SymVec *flux_deps) {
    int n = m->fluxes.n;
    if (n == 0) return;
    FluxOrder fo = {.s = s, .m = m, .deps = flux_deps};
    fo.color = ARENA_ARRAY(s->a, int, n);
    fo.next = ARENA_ARRAY(s->a, int, n);
    fo.path = ARENA_ARRAY(s->a, Sym *, n);
    fo.order = ARENA_ARRAY(s->a, Sym *, n);
    for (int i = 0; i < n; i++) visit(&fo, m->fluxes.items[i]);
    for (int i = 0; i < n; i++) {
        m->fluxes.items[i] = fo.order[i];
        fo.order[i]->order = i;
    }
}

/* ---- Mass balance --------------------------------------------------------------- */

typedef struct {
    Sym  *enters, *leaves;     /* state the flux enters / leaves (first seen) */
    Span  enter_span, leave_span;
} FluxUse;

typedef struct {
    Sema         *s;
    CheckedModel *m;
    FluxUse      *flux_use;    /* by flux Sym.index */
    FluxUse      *input_use;   /* by input Sym.index */
} Balance;

static void record(Balance *b, Sym *state, Expr *term, int sign) {
    Sema *s = b->s;
    Sym *sym = expr_info(term)->sym;
    if (!sym) return;   /* unresolved name: already reported */
    FluxUse *u = sym->kind == SYM_FLUX ? &b->flux_use[sym->index] : &b->input_use[sym->index];
    const char *what = sym->kind == SYM_FLUX ? "flux" : "input";
    if (sym->kind == SYM_INPUT && sign < 0) {
        diag_error(s->d, term->span, "input '%s' is subtracted from '%s'; an input can only enter a store",
                   sym->name, state->name);
        return;
    }
    if (sign > 0) {
        if (u->enters) {
            diag_error(s->d, term->span, "%s '%s' enters both '%s' and '%s'", what, sym->name, u->enters->name,
                       state->name);
            diag_note(s->d, u->enter_span, "it already enters '%s' here", u->enters->name);
            return;
        }
        u->enters = state;
        u->enter_span = term->span;
    } else {
        if (u->leaves) {
            diag_error(s->d, term->span, "%s '%s' leaves both '%s' and '%s'", what, sym->name, u->leaves->name,
                       state->name);
            diag_note(s->d, u->leave_span, "it already leaves '%s' here", u->leaves->name);
            return;
        }
        u->leaves = state;
        u->leave_span = term->span;
    }
    if (u->enters && u->enters == u->leaves)
        diag_error(s->d, term->span, "flux '%s' both enters and leaves '%s'", sym->name, state->name);
}

/* A storage equation is a signed sum of named fluxes (and inputs). */
static void collect_terms(Balance *b, Sym *state, Expr *e, int sign) {
    Sema *s = b->s;
    if (e->kind == EXPR_BINARY && (e->binary.op == OP_ADD || e->binary.op == OP_SUB)) {
        collect_terms(b, state, e->binary.lhs, sign);
        collect_terms(b, state, e->binary.rhs, e->binary.op == OP_ADD ? sign : -sign);
        return;
    }
    if (e->kind == EXPR_UNARY && e->unary.op == OP_NEG) {
        collect_terms(b, state, e->unary.arg, -sign);
        return;
    }
    Sym *sym = e->kind == EXPR_NAME ? expr_info(e)->sym : NULL;
    if (e->kind == EXPR_NAME && !sym) return;
    if (sym && (sym->kind == SYM_FLUX || sym->kind == SYM_INPUT)) {
        record(b, state, e, sign);
        return;
    }
    if (sym)
        diag_error(s->d, e->span, "the storage equation of '%s' uses %s '%s' directly; its terms must be named fluxes",
                   state->name, sym_kind_name(sym->kind), sym->name);
    else
        diag_error(s->d, e->span, "this term of the storage equation of '%s' is not a named flux", state->name);
    diag_note_plain(s->d, "mass balance is checked flux by flux: declare 'flux NAME = ...' and write "
                          "'d%s/dt = ... + NAME' or '... - NAME'", state->name);
}

/* Depth-first walks over the flux graph, with an explicit stack: a chain of
 * fluxes can be as long as the file (no recursion, no depth cut-off). */
typedef struct { Sym **items; size_t n, cap; } SymStack;

static void sym_push(SymStack *st, Sym *x) {
    if (st->n == st->cap) {
        st->cap = st->cap ? 2 * st->cap : 64;
        Sym **grown = realloc(st->items, st->cap * sizeof *grown);
        if (!grown) DG_ICE("out of memory");
        st->items = grown;
    }
    st->items[st->n++] = x;
}

/* Does f come from an input (through the fluxes it uses)? */
static bool from_input(Sym *f, SymVec *deps, int *seen, int depth) {
    (void)depth;
    if (seen[f->index]) return false;
    SymStack st = {0};
    bool found = false;
    seen[f->index] = 1;
    sym_push(&st, f);
    while (st.n && !found) {
        Sym *g = st.items[--st.n];
        if (g->def_failed) { found = true; break; }   /* an unresolved name might be an input: do not guess */
        SymVec *d = &deps[g->index];
        for (int i = 0; i < d->n && !found; i++) {
            Sym *x = d->items[i];
            if (x->kind == SYM_INPUT) found = true;
            else if (x->kind == SYM_FLUX && !seen[x->index]) {
                seen[x->index] = 1;
                sym_push(&st, x);
            }
        }
    }
    free(st.items);
    return found;
}

/* Marks f and every flux it uses as part of an output. */
static void mark_output(Sym *f, SymVec *deps, int *in_output, int depth) {
    (void)depth;
    if (in_output[f->index]) return;
    SymStack st = {0};
    in_output[f->index] = 1;
    sym_push(&st, f);
    while (st.n) {
        Sym *g = st.items[--st.n];
        SymVec *d = &deps[g->index];
        for (int i = 0; i < d->n; i++) {
            Sym *x = d->items[i];
            if (x->kind == SYM_FLUX && !in_output[x->index]) {
                in_output[x->index] = 1;
                sym_push(&st, x);
            }
        }
    }
    free(st.items);
}

void sema_check_mass_balance(Sema *s, CheckedModel *m, SymVec *flux_deps, SymVec *output_deps) {
    int nf = m->fluxes.n;
    Balance b = {.s = s, .m = m};
    b.flux_use = ARENA_ARRAY(s->a, FluxUse, nf ? nf : 1);
    b.input_use = ARENA_ARRAY(s->a, FluxUse, m->inputs.n ? m->inputs.n : 1);
    for (int i = 0; i < m->states.n; i++)
        if (m->state_rhs && m->state_rhs[i]) collect_terms(&b, m->states.items[i], m->state_rhs[i], +1);

    int *in_output = ARENA_ARRAY(s->a, int, nf ? nf : 1);
    for (int i = 0; i < output_deps->n; i++)
        if (output_deps->items[i]->kind == SYM_FLUX) mark_output(output_deps->items[i], flux_deps, in_output, 0);

    /* fluxes in declaration order, so messages follow the source */
    Sym **by_index = ARENA_ARRAY(s->a, Sym *, nf ? nf : 1);
    for (int i = 0; i < nf; i++) by_index[m->fluxes.items[i]->index] = m->fluxes.items[i];
    int *seen = NULL;
    for (int i = 0; i < nf; i++) {
        Sym *f = by_index[i];
        FluxUse *u = &b.flux_use[i];
        if (u->enters && !u->leaves) {
            if (!seen) seen = ARENA_ARRAY(s->a, int, nf);   /* one array, cleared per flux: not nf * nf memory */
            else memset(seen, 0, sizeof(int) * (size_t)nf);
            if (!from_input(f, flux_deps, seen, 0)) {
                diag_error(s->d, u->enter_span,
                           "flux '%s' enters '%s' but leaves no store and does not come from an input: "
                           "it creates mass", f->name, u->enters->name);
                diag_note_plain(s->d, "subtract it from the store it drains, or compute it from an input");
            }
        }
        if (u->leaves && !u->enters && !in_output[i]) {
            diag_error(s->d, u->leave_span,
                       "flux '%s' leaves '%s' but enters no store and is not part of any output: "
                       "its mass is lost unseen", f->name, u->leaves->name);
            diag_note_plain(s->d, "add it to the store it fills, or report it, as in 'output %s : mm/d = %s'",
                            f->name, f->name);
        }
    }
}
