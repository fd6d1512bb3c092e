/* sema_model.c — checking one model:
 *   1. flatten `extends`: the base's items, then this model's additions and
 *      `replace`ments (a replaced item keeps its place; steps can be placed
 *      with `after`/`before`; `replace step S.X = e` swaps one assignment);
 *   2. declare symbols, check parameters (bounds, defaults, marks), networks,
 *      initial values, the parameter network;
 *   3. check the time step: step blocks in order (use before definition,
 *      assignments), or fluxes + storage equations + solver (sema_flow.c);
 *   4. outputs, components.
 * Expressions are cloned before checking: a base model's AST is shared by
 * all its variants, and each variant annotates its own copy. */
#include "library.h"
#include "sema_internal.h"

#include <math.h>
#include <string.h>

/* ---- 1. Flattening ------------------------------------------------------------ */

typedef struct {
    Item        *item;
    LoadedFile  *origin;
    LoadedFile **stmt_origin;   /* a step with replaced assignments: the file of each statement, else NULL */
    bool         from_base;
} FlatItem;

typedef struct {
    FlatItem   *items;
    int         n, cap;
    const char *base;        /* name of the direct base model */
    PtrMap      keys;        /* flat_key of every item put in: lets flat_find answer "absent" at once */
    PtrMap      replaced;    /* statement -> the ITEM_ASSIGN of this model that wrote it */
    bool        failed;      /* the base (or one of its bases) could not be resolved */
} FlatList;

enum { NS_VALUE, NS_OUTPUT, NS_STEP, NS_EQUATION, NS_SINGLETON };

static int namespace_of(ItemKind k) {
    switch (k) {
    case ITEM_STEP: return NS_STEP;
    case ITEM_OUTPUT: return NS_OUTPUT;
    case ITEM_EQUATION: return NS_EQUATION;
    case ITEM_SOLVE: case ITEM_LEARN: case ITEM_COMPONENTS: return NS_SINGLETON;
    default: return NS_VALUE;
    }
}

static const char *item_noun(ItemKind k) {
    switch (k) {
    case ITEM_INPUT: return "input";
    case ITEM_PARAM: return "parameter";
    case ITEM_STATE: return "state";
    case ITEM_CONST: return "constant";
    case ITEM_FLUX: return "flux";
    case ITEM_EQUATION: return "storage equation";
    case ITEM_SOLVE: return "solver";
    case ITEM_STEP: return "step";
    case ITEM_OUTPUT: return "output";
    case ITEM_NET: return "network";
    case ITEM_LEARN: return "parameter network";
    case ITEM_COMPONENTS: return "components";
    case ITEM_ASSIGN: return "step assignment";
    }
    return "item";
}

/* Names, and for singletons the kind (its noun, a distinct static string). */
static const void *flat_key(const Item *it) {
    return namespace_of(it->kind) == NS_SINGLETON ? (const void *)item_noun(it->kind) : (const void *)it->name.name;
}

static int flat_find(FlatList *fl, const Item *it) {
    if (!ptrmap_get(&fl->keys, flat_key(it))) return -1;   /* a model of n items is not flattened in O(n^2) */
    int ns = namespace_of(it->kind);
    for (int i = 0; i < fl->n; i++) {
        const Item *o = fl->items[i].item;
        if (namespace_of(o->kind) != ns) continue;
        if (ns == NS_SINGLETON ? o->kind == it->kind : o->name.name == it->name.name) return i;
    }
    return -1;
}

static int flat_find_step(FlatList *fl, const char *name) {
    for (int i = 0; i < fl->n; i++)
        if (fl->items[i].item->kind == ITEM_STEP && fl->items[i].item->name.name == name) return i;
    return -1;
}

static void flat_insert(Sema *s, FlatList *fl, int at, FlatItem fi) {
    if (fl->n == fl->cap) {
        int ncap = fl->cap ? fl->cap * 2 : 16;
        FlatItem *ni = ARENA_ARRAY(s->a, FlatItem, ncap);
        if (fl->n) memcpy(ni, fl->items, sizeof(FlatItem) * (size_t)fl->n);
        fl->items = ni;
        fl->cap = ncap;
    }
    memmove(fl->items + at + 1, fl->items + at, sizeof(FlatItem) * (size_t)(fl->n - at));
    fl->items[at] = fi;
    fl->n++;
    ptrmap_put(s->a, &fl->keys, flat_key(fi.item), fi.item);
}

static void flat_remove(FlatList *fl, int at) {
    memmove(fl->items + at, fl->items + at + 1, sizeof(FlatItem) * (size_t)(fl->n - at - 1));
    fl->n--;
}

/* Where a step goes: after/before another step, else at the given default. */
static int step_position(Sema *s, FlatList *fl, const Item *it, int dflt) {
    const Ident *rel = it->step.after.name ? &it->step.after : it->step.before.name ? &it->step.before : NULL;
    if (!rel) return dflt;
    if (rel->name == it->name.name) {
        diag_error(s->d, rel->span, "step '%s' cannot be placed %s itself", it->name.name,
                   it->step.after.name ? "after" : "before");
        return dflt;
    }
    int k = flat_find_step(fl, rel->name);
    if (k < 0) {
        diag_error(s->d, rel->span, "there is no step '%s' to place step '%s' %s", rel->name, it->name.name,
                   it->step.after.name ? "after" : "before");
        Suggest sg;
        suggest_init(&sg, rel->name);
        for (int i = 0; i < fl->n; i++)
            if (fl->items[i].item->kind == ITEM_STEP) suggest_offer(&sg, fl->items[i].item->name.name);
        if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
        return dflt;
    }
    return it->step.after.name ? k + 1 : k;
}

/* `replace param X in [lo, hi]` changes only what it states. */
static Item *merge_param(Sema *s, const Item *base, const Item *repl) {
    Item *m = ARENA_NEW(s->a, Item);
    *m = *base;
    m->span = repl->span;
    m->name = repl->name;
    m->replace = true;
    if (repl->unit) m->unit = repl->unit;
    if (repl->param.lo) {
        m->param.lo = repl->param.lo;
        m->param.hi = repl->param.hi;
        m->param.bounds_span = repl->param.bounds_span;
    }
    if (repl->param.value) m->param.value = repl->param.value;
    if (repl->param.mark_span.end) {
        m->param.mark = repl->param.mark;
        m->param.mark_span = repl->param.mark_span;
    }
    return m;
}

/* Notes for an assignment `var = ...` that step `ph` of the base does not
 * have: where var is updated instead, or which step assigns it. */
static void note_missing_assignment(Sema *s, FlatList *fl, const Item *ph, const char *var) {
    for (int k = 0; k < ph->step.nstmts; k++) {
        const Stmt *st = ph->step.stmts[k];
        if (st->target.name != var) continue;
        diag_note(s->d, st->span, "'%s' is only updated there, with '%s'; replace the whole step to change that",
                  var, st->kind == STMT_ADD ? "+=" : "-=");
        return;
    }
    for (int i = 0; i < fl->n; i++) {
        const Item *o = fl->items[i].item;
        if (o->kind != ITEM_STEP || o == ph) continue;
        for (int k = 0; k < o->step.nstmts; k++)
            if (o->step.stmts[k]->kind == STMT_ASSIGN && o->step.stmts[k]->target.name == var) {
                diag_note(s->d, o->step.stmts[k]->span, "'%s' is assigned in step '%s'; write 'replace step %s.%s = ...'",
                          var, o->name.name, o->name.name, var);
                return;
            }
    }
    Suggest sg;
    suggest_init(&sg, var);
    for (int k = 0; k < ph->step.nstmts; k++)
        if (ph->step.stmts[k]->kind == STMT_ASSIGN) suggest_offer(&sg, ph->step.stmts[k]->target.name);
    if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
}

/* `replace step S.X = e`: a copy of base step S whose one assignment `X = ...`
 * is `X = e`. The new statement is checked in the variant's file (its names,
 * functions and imports), the others in the files they come from. */
static void apply_assign(Sema *s, FlatList *fl, ModelDecl *md, LoadedFile *origin, Item *it) {
    Stmt *st = it->assign.stmt;
    const char *var = st->target.name;
    if (!it->replace || !md->base.name) {
        if (!md->base.name)
            diag_error(s->d, it->span, "'step %s.%s = ...' changes an assignment of a base model's step, but '%s' "
                       "extends none", it->name.name, var, md->name.name);
        else
            diag_error(s->d, it->span, "changing one assignment of a base step needs 'replace': write 'replace step "
                       "%s.%s = ...'", it->name.name, var);
        return;
    }
    int k = flat_find_step(fl, it->name.name);
    if (k < 0) {
        diag_error(s->d, it->name.span, "base model '%s' has no step '%s'", md->base.name, it->name.name);
        Suggest sg;
        suggest_init(&sg, it->name.name);
        for (int i = 0; i < fl->n; i++)
            if (fl->items[i].item->kind == ITEM_STEP) suggest_offer(&sg, fl->items[i].item->name.name);
        if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
        return;
    }
    FlatItem *fi = &fl->items[k];
    Item *ph = fi->item;
    if (!fi->from_base) {
        diag_error(s->d, it->name.span, "step '%s' is written in model '%s' itself; change the assignment there",
                   it->name.name, md->name.name);
        diag_note(s->d, ph->span, "step '%s' is here", it->name.name);
        return;
    }
    int at = -1, count = 0;
    for (int i = 0; i < ph->step.nstmts; i++)
        if (ph->step.stmts[i]->kind == STMT_ASSIGN && ph->step.stmts[i]->target.name == var) {
            if (at < 0) at = i;
            count++;
        }
    if (at < 0) {
        diag_error(s->d, st->target.span, "step '%s' of base model '%s' has no assignment '%s = ...' to replace",
                   it->name.name, md->base.name, var);
        note_missing_assignment(s, fl, ph, var);
        return;
    }
    if (count > 1) {
        diag_error(s->d, st->target.span, "'%s' is assigned %d times in step '%s' of base model '%s'; say which by "
                   "replacing the whole step", var, count, it->name.name, md->base.name);
        for (int i = 0; i < ph->step.nstmts; i++)
            if (ph->step.stmts[i]->kind == STMT_ASSIGN && ph->step.stmts[i]->target.name == var)
                diag_note(s->d, ph->step.stmts[i]->span, "assigned here");
        return;
    }
    Item *prev = ptrmap_get(&fl->replaced, ph->step.stmts[at]);
    if (prev) {
        diag_error(s->d, st->target.span, "assignment '%s' of step '%s' is replaced twice", var, it->name.name);
        diag_note(s->d, prev->span, "first replaced here");
        return;
    }
    Item *copy = ARENA_NEW(s->a, Item);
    *copy = *ph;
    copy->step.stmts = ARENA_ARRAY(s->a, Stmt *, ph->step.nstmts);
    memcpy(copy->step.stmts, ph->step.stmts, sizeof(Stmt *) * (size_t)ph->step.nstmts);
    copy->step.stmts[at] = st;
    LoadedFile **origins = ARENA_ARRAY(s->a, LoadedFile *, ph->step.nstmts);
    for (int i = 0; i < ph->step.nstmts; i++) origins[i] = fi->stmt_origin ? fi->stmt_origin[i] : fi->origin;
    origins[at] = origin;
    fi->item = copy;
    fi->stmt_origin = origins;
    ptrmap_put(s->a, &fl->replaced, st, it);
}

static void apply_item(Sema *s, FlatList *fl, ModelDecl *md, LoadedFile *origin, Item *it) {
    if (it->kind == ITEM_ASSIGN) {
        apply_assign(s, fl, md, origin, it);
        return;
    }
    int idx = flat_find(fl, it);
    bool singleton = namespace_of(it->kind) == NS_SINGLETON;
    Span at = singleton ? it->span : it->name.span;
    FlatItem fi = {it, origin, NULL, false};

    if (it->replace && !md->base.name) {
        diag_error(s->d, it->span, "'replace' is only allowed in a model that extends another; '%s' extends none",
                   md->name.name);
        /* fall through: treat as a declaration */
    } else if (it->replace) {
        if (idx < 0) {
            if (singleton)
                diag_error(s->d, at, "base model '%s' has no %s to replace", md->base.name, item_noun(it->kind));
            else
                diag_error(s->d, at, "base model '%s' has no %s '%s' to replace", md->base.name, item_noun(it->kind),
                           it->name.name);
            Suggest sg;
            suggest_init(&sg, it->name.name);
            for (int i = 0; i < fl->n; i++)
                if (fl->items[i].item->kind == it->kind) suggest_offer(&sg, fl->items[i].item->name.name);
            if (!singleton && suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
            return;
        }
        Item *old = fl->items[idx].item;
        if (old->kind != it->kind) {
            diag_error(s->d, at, "'%s' in base model '%s' is %s %s, not %s %s", it->name.name, md->base.name,
                       article(item_noun(old->kind)), item_noun(old->kind), article(item_noun(it->kind)),
                       item_noun(it->kind));
            diag_note(s->d, old->name.span, "declared here");
            return;
        }
        if (it->kind == ITEM_PARAM) fi.item = merge_param(s, old, it);
        if (it->kind == ITEM_STEP && (it->step.after.name || it->step.before.name)) {
            flat_remove(fl, idx);
            flat_insert(s, fl, step_position(s, fl, it, idx), fi);
        } else {
            fl->items[idx] = fi;
        }
        return;
    }

    if (idx >= 0) {
        FlatItem *prev = &fl->items[idx];
        if (singleton) {
            if (it->kind == ITEM_COMPONENTS)
                diag_error(s->d, at, "model '%s' already sets the number of components", md->name.name);
            else
                diag_error(s->d, at, "model '%s' already has %s %s", md->name.name, article(item_noun(it->kind)),
                           item_noun(it->kind));
        } else if (it->kind == ITEM_EQUATION) {
            diag_error(s->d, at, "state '%s' already has a storage equation", it->name.name);
        } else {
            diag_error(s->d, at, "'%s' is already declared as %s %s", it->name.name,
                       article(item_noun(prev->item->kind)), item_noun(prev->item->kind));
        }
        if (prev->from_base) {
            diag_note(s->d, singleton ? prev->item->span : prev->item->name.span, "declared in base model '%s' here",
                      md->base.name);
            diag_note_plain(s->d, "write 'replace %s ...' to change it in this variant",
                            it->kind == ITEM_EQUATION ? "dX/dt =" : ast_item_keyword(it->kind));
        } else {
            diag_note(s->d, singleton ? prev->item->span : prev->item->name.span, "previous declaration is here");
        }
        return;
    }
    int pos = it->kind == ITEM_STEP ? step_position(s, fl, it, fl->n) : fl->n;
    flat_insert(s, fl, pos, fi);
}

static FlatList *flatten(Sema *s, ModelDecl *md, LoadedFile *origin, ModelDecl **stack, int depth);

static FlatList *cached_flat(Sema *s, ModelDecl *md) {
    return ptrmap_get(&s->flat, md);
}

static void cache_flat(Sema *s, ModelDecl *md, FlatList *fl) {
    ptrmap_put(s->a, &s->flat, md, fl);
}

enum { MAX_EXTENDS_DEPTH = 32 };

static FlatList *flatten(Sema *s, ModelDecl *md, LoadedFile *origin, ModelDecl **stack, int depth) {
    FlatList *cached = cached_flat(s, md);
    if (cached) return cached;
    FlatList *fl = ARENA_NEW(s->a, FlatList);
    stack[depth] = md;

    if (md->base.name) {
        fl->base = md->base.name;
        GlobalEntry *g = sema_global(s, origin, md->base.name);
        bool cycle = false;
        for (int i = 0; i <= depth; i++) cycle |= g && g->kind == G_MODEL && stack[i] == g->model;
        if (!g || g->kind != G_MODEL) {
            fl->failed = true;
            diag_error(s->d, md->base.span, "unknown base model '%s'", md->base.name);
            Suggest sg;
            suggest_init(&sg, md->base.name);
            if (origin->scope)
                for (int i = 0; i < origin->scope->n; i++)
                    if (origin->scope->entries[i]->kind == G_MODEL) suggest_offer(&sg, origin->scope->entries[i]->name);
            LibHit hit;
            if (!g && library_find_decl(s->p, md->base.name, LIB_MODEL, false, &hit))
                diag_note_plain(s->d, "'%s' is defined in %s; add: import \"%s\"", hit.name,
                                library_where(s->p, &hit), hit.import);
            else if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
            else if (!g && library_find_decl(s->p, md->base.name, LIB_MODEL, true, &hit))
                diag_note_plain(s->d, "did you mean '%s'? it is defined in %s; add: import \"%s\"", hit.name,
                                library_where(s->p, &hit), hit.import);
            else if (!g)
                diag_note_plain(s->d, "no file on the import search path declares a model '%s': declare it in "
                                      "this file or import the file that does", md->base.name);
        } else if (cycle) {
            fl->failed = true;
            if (g->model == md) {
                diag_error(s->d, md->base.span, "model '%s' extends itself", md->name.name);
            } else {
                diag_error(s->d, md->base.span, "model '%s' extends itself through '%s'", md->name.name,
                           md->base.name);
                char chain[512];
                StrBuf sb;
                strbuf_init(&sb, chain, sizeof chain);
                int first = 0;
                for (int i = 0; i <= depth; i++) if (stack[i] == g->model) first = i;
                for (int i = first; i <= depth; i++) strbuf_add(&sb, "'%s' extends ", stack[i]->name.name);
                strbuf_add(&sb, "'%s'", g->model->name.name);
                diag_note_plain(s->d, "the cycle is %s", chain);
            }
        } else if (depth + 1 >= MAX_EXTENDS_DEPTH) {
            fl->failed = true;
            diag_error(s->d, md->base.span, "models extend each other more than %d levels deep", MAX_EXTENDS_DEPTH);
        } else {
            FlatList *base = flatten(s, g->model, g->origin, stack, depth + 1);
            fl->failed |= base->failed;
            for (int i = 0; i < base->n; i++) {
                FlatItem fi = base->items[i];
                fi.from_base = true;
                flat_insert(s, fl, fl->n, fi);
            }
        }
    }
    if (!fl->failed)   /* `replace` against a missing base would only report the missing base again */
        for (int i = 0; i < md->nitems; i++) apply_item(s, fl, md, origin, md->items[i]);
    cache_flat(s, md, fl);
    return fl;
}

/* ---- 2. Declarations ------------------------------------------------------------- */

/* Names usable in expressions; outputs live in a namespace of their own. */
static Sym *model_find(CheckedModel *m, const char *name) {
    return ptrmap_get(m->names, name);   /* the flattened model declares each name once */
}

static void declare(Sema *s, CheckedModel *m, FlatItem *fi) {
    Item *it = fi->item;
    SymVec *vec;
    SymKind kind;
    switch (it->kind) {
    case ITEM_INPUT: vec = &m->inputs; kind = SYM_INPUT; break;
    case ITEM_PARAM: vec = &m->params; kind = SYM_PARAM; break;
    case ITEM_STATE: vec = &m->states; kind = SYM_STATE; break;
    case ITEM_CONST: vec = &m->consts; kind = SYM_CONST; break;
    case ITEM_FLUX: vec = &m->fluxes; kind = SYM_FLUX; break;
    case ITEM_OUTPUT: vec = &m->outputs; kind = SYM_OUTPUT; break;
    case ITEM_NET: vec = &m->nets; kind = SYM_NET; break;
    default: return;
    }
    Sym *sym = sema_new_sym(s, kind, it->name, unit_from_ast(it->unit, s->d, s->a));
    sym->item = it;
    sym->origin = fi->origin;
    sym->index = vec->n;
    switch (it->kind) {
    case ITEM_STATE: sym->def = ast_clone_expr(s->a, it->state.init); break;
    case ITEM_CONST: case ITEM_FLUX: case ITEM_OUTPUT: sym->def = ast_clone_expr(s->a, it->def.value); break;
    default: break;
    }
    symvec_push(s->a, vec, sym);
    if (kind != SYM_OUTPUT) {
        if (!m->names) m->names = ARENA_NEW(s->a, PtrMap);
        ptrmap_put(s->a, m->names, sym->name, sym);
    }
}

static void check_param(Sema *s, CheckedModel *m, Sym *p) {
    Item *it = p->item;
    Scope sc = {.s = s, .file = p->origin, .m = m, .where = W_CONST};
    p->mark = it->param.mark;
    if (it->param.lo) {
        Expr *lo = ast_clone_expr(s->a, it->param.lo), *hi = ast_clone_expr(s->a, it->param.hi);
        bool ok = check_const_expr(&sc, lo, "a lower bound", &p->lo);
        ok &= check_const_expr(&sc, hi, "an upper bound", &p->hi);
        Expr *both[] = {lo, hi};
        for (int i = 0; i < 2; i++) {
            Unit u = expr_info(both[i])->unit;
            if (!unit_compatible(p->unit, u))
                diag_error(s->d, both[i]->span, "bound of '%s' is in '%s', but the parameter is in '%s'", p->name,
                           utext(s, u), utext(s, p->unit));
        }
        if (ok && !(p->lo < p->hi))
            diag_error(s->d, it->param.bounds_span, "lower bound %g of '%s' is not below its upper bound %g", p->lo,
                       p->name, p->hi);
        p->has_bounds = ok;
    }
    if (it->param.value) {
        Expr *v = ast_clone_expr(s->a, it->param.value);
        p->has_value = check_const_expr(&sc, v, "a parameter's value", &p->value);
        if (!unit_compatible(p->unit, expr_info(v)->unit))
            diag_error(s->d, v->span, "value of '%s' is in '%s', but the parameter is in '%s'", p->name,
                       utext(s, expr_info(v)->unit), utext(s, p->unit));
        if (p->has_value && p->has_bounds && (p->value < p->lo || p->value > p->hi))
            diag_error(s->d, v->span, "value %g of '%s' is outside its bounds [%g, %g]", p->value, p->name, p->lo,
                       p->hi);
    }
    if (p->mark == PARAM_FIXED && !it->param.value)
        diag_error(s->d, it->param.mark_span, "fixed parameter '%s' needs a value, as in 'param %s = 1.5 fixed'",
                   p->name, p->name);
    if (p->mark != PARAM_FIXED && !it->param.lo) {
        diag_error(s->d, p->span, "parameter '%s' is trained, so it needs bounds 'in [lo, hi]'", p->name);
        diag_note_plain(s->d, "mark it 'fixed' (with a value) if it should not be trained");
    }
}

static const char *const activations[] = {"tanh", "relu", "sigmoid", "softplus", "linear", "elu"};

static bool known_activation(Sema *s, Ident id) {
    for (size_t i = 0; i < sizeof activations / sizeof activations[0]; i++)
        if (!strcmp(activations[i], id.name)) return true;
    diag_error(s->d, id.span, "unknown activation '%s'", id.name);
    Suggest sg;
    suggest_init(&sg, id.name);
    for (size_t i = 0; i < sizeof activations / sizeof activations[0]; i++) suggest_offer(&sg, activations[i]);
    if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
    else diag_note_plain(s->d, "activations are tanh, relu, sigmoid, softplus, linear and elu");
    return false;
}

/* Reports an unknown option name (with a suggestion) or a repeated one. */
static bool option_known(Sema *s, const OptionList *opts, int i, const char *const *names, int nnames,
                         const char *owner) {
    const Option *o = &opts->items[i];
    for (int k = 0; k < i; k++)
        if (opts->items[k].name.name == o->name.name) {
            diag_error(s->d, o->name.span, "option '%s' is given twice", o->name.name);
            return false;
        }
    for (int k = 0; k < nnames; k++)
        if (!strcmp(names[k], o->name.name)) return true;
    diag_error(s->d, o->name.span, "unknown option '%s' for %s", o->name.name, owner);
    Suggest sg;
    suggest_init(&sg, o->name.name);
    for (int k = 0; k < nnames; k++) suggest_offer(&sg, names[k]);
    if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
    else if (nnames == 0) diag_note_plain(s->d, "%s takes no options", owner);
    else {
        char buf[256];
        StrBuf sb;
        strbuf_init(&sb, buf, sizeof buf);
        for (int k = 0; k < nnames; k++) strbuf_add(&sb, "%s'%s'", k ? ", " : "", names[k]);
        diag_note_plain(s->d, "options of %s: %s", owner, buf);
    }
    return false;
}

/* A whole-number option value in [lo, hi]. */
static int int_option(Sema *s, Scope *sc, const Option *o, int lo, int hi) {
    double v;
    if (!check_const_expr(sc, ast_clone_expr(s->a, o->value), "an option value", &v)) return lo;
    if (v != floor(v) || v < lo || v > hi) {
        diag_error(s->d, o->value->span, "'%s' must be a whole number from %d to %d, found %g", o->name.name, lo, hi, v);
        return lo;
    }
    return (int)v;
}

/* A real option value in the interval lo..hi, each end open or closed. */
static double real_option(Sema *s, Scope *sc, const Option *o, double lo, double hi, bool lo_open, bool hi_open) {
    double v;
    if (!check_const_expr(sc, ast_clone_expr(s->a, o->value), "an option value", &v)) return lo;
    if (v < lo || v > hi || (lo_open && v == lo) || (hi_open && v == hi)) {
        diag_error(s->d, o->value->span, "'%s' must be in %c%g, %g%c, found %g", o->name.name, lo_open ? '(' : '[', lo,
                   hi, hi_open ? ')' : ']', v);
        return lo;
    }
    return v;
}

static void check_net(Sema *s, CheckedModel *m, Sym *n) {
    const NetSpec *ns = &n->item->net;
    n->net = ns;
    n->n_in = ns->sizes[0];
    n->n_out = ns->sizes[ns->nsizes - 1];
    if (strcmp(ns->kind.name, "mlp"))
        diag_error(s->d, ns->kind.span, "unknown network kind '%s'; in-equation networks are 'mlp'", ns->kind.name);
    for (int i = 0; i < ns->nsizes; i++) {
        if (ns->sizes[i] >= 1 && ns->sizes[i] <= 4096) continue;
        const SourceFile *f = src_file(&s->p->sources, ns->size_spans[i].file);
        Span sp = ns->size_spans[i];
        diag_error(s->d, sp, "layer size must be a whole number from 1 to 4096, found %.*s", (int)(sp.end - sp.start),
                   f->text + sp.start);
    }
    if (ns->activation.name) known_activation(s, ns->activation);
    static const char *const names[] = {"output"};
    for (int i = 0; i < ns->options.n; i++) {
        const Option *o = &ns->options.items[i];
        if (!option_known(s, &ns->options, i, names, 1, "an mlp")) continue;
        if (o->value->kind != EXPR_NAME)
            diag_error(s->d, o->value->span, "'output' takes an activation name, such as sigmoid");
        else
            known_activation(s, o->value->name);
    }
    (void)m;
}

static void check_learn(Sema *s, CheckedModel *m, FlatItem *fi) {
    const Item *it = fi->item;
    const LearnSpec *ls = &it->learn;
    ParamNet *pn = &m->learn;
    Scope sc = {.s = s, .file = fi->origin, .m = m, .where = W_CONST};
    pn->span = it->span;
    pn->hidden = 64;
    pn->layers = 1;
    if (!strcmp(ls->kind.name, "lstm")) pn->kind = PNET_LSTM;
    else if (!strcmp(ls->kind.name, "mlp")) pn->kind = PNET_MLP;
    else {
        diag_error(s->d, ls->kind.span, "unknown parameter network '%s'; expected 'lstm' or 'mlp'", ls->kind.name);
        pn->kind = PNET_MLP;
    }
    static const char *const names[] = {"hidden", "layers", "dropout"};
    for (int i = 0; i < ls->options.n; i++) {
        const Option *o = &ls->options.items[i];
        if (!option_known(s, &ls->options, i, names, 3, pn->kind == PNET_LSTM ? "'lstm'" : "'mlp'")) continue;
        if (!strcmp(o->name.name, "hidden")) pn->hidden = int_option(s, &sc, o, 1, 65536);
        else if (!strcmp(o->name.name, "layers")) pn->layers = int_option(s, &sc, o, 1, 16);
        else pn->dropout = real_option(s, &sc, o, 0, 1, false, true);
    }

    /* maps, not nested loops: these lists can be as long as the file */
    PtrMap listed_forcings = {0}, listed_attributes = {0}, listed_dynamic = {0};
    pn->forcings = ARENA_ARRAY(s->a, Sym *, ls->forcings.n ? ls->forcings.n : 1);
    for (int i = 0; i < ls->forcings.n; i++) {
        const Ident *id = &ls->forcings.items[i];
        Sym *in = model_find(m, id->name);
        if (in && in->kind != SYM_INPUT) in = NULL;
        bool dup = ptrmap_get(&listed_forcings, id->name) != NULL;
        ptrmap_put(s->a, &listed_forcings, id->name, (void *)id);
        if (dup) { diag_error(s->d, id->span, "forcing '%s' is listed twice", id->name); continue; }
        if (!in) {
            Sym *other = model_find(m, id->name);
            if (other) diag_error(s->d, id->span, "'%s' is %s %s; a parameter network reads inputs", id->name,
                                  article(sym_kind_name(other->kind)), sym_kind_name(other->kind));
            else diag_error(s->d, id->span, "'%s' is not an input of model '%s'", id->name, m->name);
            Suggest sg;
            suggest_init(&sg, id->name);
            for (int k = 0; k < m->inputs.n && s->d->last_shown; k++) suggest_offer(&sg, m->inputs.items[k]->name);
            if (!other && suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
            continue;
        }
        pn->forcings[pn->nforcings++] = in;
    }
    pn->attributes = ARENA_ARRAY(s->a, const char *, ls->attributes.n ? ls->attributes.n : 1);
    for (int i = 0; i < ls->attributes.n; i++) {
        const Ident *id = &ls->attributes.items[i];
        bool dup = ptrmap_get(&listed_attributes, id->name) != NULL;
        ptrmap_put(s->a, &listed_attributes, id->name, (void *)id);
        if (dup) diag_error(s->d, id->span, "attribute '%s' is listed twice", id->name);
        else pn->attributes[pn->nattributes++] = id->name;
    }
    pn->dynamic = ARENA_ARRAY(s->a, Sym *, ls->dynamic.n ? ls->dynamic.n : 1);
    for (int i = 0; i < ls->dynamic.n; i++) {
        const Ident *id = &ls->dynamic.items[i];
        Sym *p = model_find(m, id->name);
        if (p && p->kind != SYM_PARAM) p = NULL;
        bool dup = ptrmap_get(&listed_dynamic, id->name) != NULL;
        ptrmap_put(s->a, &listed_dynamic, id->name, (void *)id);
        if (dup) { diag_error(s->d, id->span, "'%s' is listed twice as dynamic", id->name); continue; }
        if (!p) {
            diag_error(s->d, id->span, "dynamic '%s' is not a parameter of model '%s'", id->name, m->name);
            Suggest sg;
            suggest_init(&sg, id->name);
            for (int k = 0; k < m->params.n && s->d->last_shown; k++) suggest_offer(&sg, m->params.items[k]->name);
            if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
            continue;
        }
        if (p->mark == PARAM_FIXED) {
            diag_error(s->d, id->span, "fixed parameter '%s' cannot be dynamic", id->name);
            diag_note(s->d, p->item->param.mark_span, "'%s' is marked fixed here", id->name);
            continue;
        }
        p->mark = PARAM_DYNAMIC;
        pn->dynamic[pn->ndynamic++] = p;
    }
}

/* Every dynamic parameter must come out of a parameter network fed by forcings. */
static void verify_dynamic_params(Sema *s, CheckedModel *m, const FlatItem *learn) {
    bool room = false;   /* learn.dynamic has room for every parameter */
    for (int i = 0; i < m->params.n; i++) {
        Sym *p = m->params.items[i];
        if (p->mark != PARAM_DYNAMIC) continue;
        bool listed = false;
        for (int k = 0; k < m->learn.ndynamic; k++) listed |= m->learn.dynamic[k] == p;
        if (m->learn.kind == PNET_NONE) {
            Span at = p->item->param.mark_span.end ? p->item->param.mark_span : p->span;
            diag_error(s->d, at, "parameter '%s' is dynamic, but no parameter network produces it", p->name);
            diag_note_plain(s->d, "add a parameter network: learn params by lstm(hidden = 64) from <inputs> dynamic %s",
                            p->name);
        } else if (m->learn.nforcings == 0) {
            if (learn && learn->item->learn.forcings.n > 0) continue;   /* its forcings were reported as wrong */
            /* point at 'dynamic NAME' in the learn item, or at the 'dynamic' mark */
            Span at = p->item->param.mark == PARAM_DYNAMIC && p->item->param.mark_span.end ? p->item->param.mark_span
                                                                                          : p->span;
            if (listed && learn)
                for (int k = 0; k < learn->item->learn.dynamic.n; k++)
                    if (learn->item->learn.dynamic.items[k].name == p->name) at = learn->item->learn.dynamic.items[k].span;
            diag_error(s->d, at, "dynamic parameter '%s' varies in time, but the parameter network reads no forcings",
                       p->name);
            diag_note(s->d, m->learn.span, "list inputs after 'from', as in 'from P, T, attributes(...)'");
        } else if (!listed) {
            /* marked dynamic on its declaration: the network produces it per step */
            symvec_push(s->a, &(SymVec){0}, p);
            if (!room) {   /* once, not per parameter (quadratic with many) */
                Sym **nd = ARENA_ARRAY(s->a, Sym *, m->learn.ndynamic + m->params.n);
                if (m->learn.ndynamic) memcpy(nd, m->learn.dynamic, sizeof(Sym *) * (size_t)m->learn.ndynamic);
                m->learn.dynamic = nd;
                room = true;
            }
            m->learn.dynamic[m->learn.ndynamic++] = p;
        }
    }
}

static void check_state_init(Sema *s, CheckedModel *m, Sym *st) {
    Scope sc = {.s = s, .file = st->origin, .m = m, .where = W_INIT};
    check_expr(&sc, st->def);
    ExprInfo *in = expr_info(st->def);
    if (in->is_bool) diag_error(s->d, st->def->span, "an initial value must be a number, not a comparison");
    if (!unit_compatible(st->unit, in->unit))
        diag_error(s->d, st->def->span, "initial value of '%s' is in '%s', but the state is in '%s'", st->name,
                   utext(s, in->unit), utext(s, st->unit));
}

/* ---- 3a. Step form ------------------------------------------------------------------ */

static Sym *find_local(SymVec *v, const char *name) { return symvec_find(v, name); }

enum { REPEAT_MAX_PASSES = 10000 };

/* Every variable the statements define (not those of nested repeat bodies,
 * which are local to them), for "used before it is defined". */
static void collect_defs(Sema *s, CheckedModel *m, SymVec *v, Stmt **stmts, int n) {
    for (int k = 0; k < n; k++)
        if (stmts[k]->kind == STMT_ASSIGN && !model_find(m, stmts[k]->target.name))
            symvec_push(s->a, v, sema_new_sym(s, SYM_LOCAL, stmts[k]->target, unit_unknown()));
}

/* A step variable: the next slot of the step's variables; `scope` is where
 * its name is visible (the model's locals, or a repeat body's). */
static Sym *new_local(Sema *s, CheckedModel *m, SymVec *scope, Stmt *st, Unit unit) {
    Sym *v = sema_new_sym(s, SYM_LOCAL, st->target, unit);
    v->def = st->value;
    v->order = m->nphases - 1;
    v->index = m->nlocal_slots++;
    symvec_push(s->a, scope, v);
    return v;
}

static void check_step_stmts(Sema *s, CheckedModel *m, Scope *sc, Stmt **stmts, LoadedFile **origins, int n,
                             CheckedStmt **out, int *nout);

/* repeat N [while c] { body }: N a constant whole number; c a comparison,
 * evaluated before each pass with the values of the previous pass. The body
 * sees what precedes the repeat; what it defines is local to one pass. */
static void check_repeat(Sema *s, CheckedModel *m, Scope *sc, Stmt *st, CheckedStmt *cs) {
    double passes = 0;
    if (check_const_expr(sc, st->value, "the number of passes of 'repeat'", &passes) &&
        (passes != floor(passes) || passes < 1 || passes > REPEAT_MAX_PASSES))
        diag_error(s->d, st->value->span, "the number of passes of 'repeat' must be a whole number from 1 to %d, "
                   "found %g", REPEAT_MAX_PASSES, passes);
    cs->passes = passes >= 1 && passes <= REPEAT_MAX_PASSES ? (int)passes : 1;

    SymVec inner = {0}, later = {0};
    for (int i = 0; i < sc->locals->n; i++) symvec_push(s->a, &inner, sc->locals->items[i]);
    if (sc->later) for (int i = 0; i < sc->later->n; i++) symvec_push(s->a, &later, sc->later->items[i]);
    collect_defs(s, m, &later, st->body, st->nbody);
    Scope body = *sc;
    body.locals = &inner;
    body.later = &later;
    body.in_repeat = true;
    if (st->cond) {
        Scope at_pass = *sc;
        at_pass.in_repeat = true;
        check_expr(&at_pass, st->cond);
        if (!expr_info(st->cond)->is_bool)
            diag_error(s->d, st->cond->span, "the condition of 'while' must be a comparison, as in 'k < n'");
        cs->cond = st->cond;
    }
    check_step_stmts(s, m, &body, st->body, NULL, st->nbody, &cs->body, &cs->nbody);
}

/* origins: the file each statement comes from (a base step with a replaced
 * assignment), or NULL when all come from sc->file (a repeat body keeps the
 * file of its repeat). */
static void check_step_stmts(Sema *s, CheckedModel *m, Scope *sc, Stmt **stmts, LoadedFile **origins, int n,
                             CheckedStmt **out, int *nout) {
    CheckedStmt *checked = ARENA_ARRAY(s->a, CheckedStmt, n ? n : 1);
    int nchecked = 0;
    for (int k = 0; k < n; k++) {
        Stmt *st = stmts[k];
        if (origins) sc->file = origins[k];
        if (st->kind == STMT_RETURN) {
            diag_error(s->d, st->span, "'return' is only allowed in functions");
            continue;
        }
        CheckedStmt *cs = &checked[nchecked];
        cs->stmt = st;
        if (st->kind == STMT_REPEAT) {
            check_repeat(s, m, sc, st, cs);
            nchecked++;
            continue;
        }
        check_expr(sc, st->value);
        ExprInfo *vi = expr_info(st->value);
        if (vi->is_bool)
            diag_error(s->d, st->value->span, "a comparison has no numeric value; use 'if c then a else b'");
        Sym *target = find_local(sc->locals, st->target.name);
        if (!target) target = model_find(m, st->target.name);
        if (target && target->kind != SYM_STATE && target->kind != SYM_LOCAL) {
            diag_error(s->d, st->target.span, "cannot assign to %s '%s'; only states and step variables change",
                       sym_kind_name(target->kind), target->name);
            diag_note(s->d, target->span, "'%s' is declared here", target->name);
            continue;
        }
        if (target && target->kind == SYM_LOCAL && st->kind == STMT_ASSIGN) {
            diag_error(s->d, st->target.span, "'%s' is already defined; use a new name or '+='", target->name);
            diag_note(s->d, target->span, "'%s' is first defined here", target->name);
            continue;
        }
        if (!target && st->kind != STMT_ASSIGN) {
            Sym *def = find_local(sc->later, st->target.name);
            if (def) {
                diag_error(s->d, st->target.span, "'%s' is updated before it is defined", st->target.name);
                diag_note(s->d, def->span, "'%s' is defined here", st->target.name);
                continue;
            }
            diag_error(s->d, st->target.span, "'%s' is updated but never defined", st->target.name);
            Suggest sg;
            suggest_init(&sg, st->target.name);
            for (int i = 0; i < m->states.n; i++) suggest_offer(&sg, m->states.items[i]->name);
            for (int i = 0; i < sc->locals->n; i++) suggest_offer(&sg, sc->locals->items[i]->name);
            if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
            else diag_note_plain(s->d, "define it first, as in '%s = ...'", st->target.name);
            /* define it anyway, so later uses are not reported again */
            new_local(s, m, sc->locals, st, vi->unit);
            continue;
        }
        if (!target) {
            target = new_local(s, m, sc->locals, st, vi->unit);
            cs->defines = true;
        } else if (!unit_compatible(target->unit, vi->unit)) {
            const char *verb = st->kind == STMT_ADD ? "add" : st->kind == STMT_SUB ? "subtract" : "assign";
            diag_error(s->d, st->value->span, "cannot %s '%s' to %s '%s' in '%s'", verb, utext(s, vi->unit),
                       sym_kind_name(target->kind), target->name, utext(s, target->unit));
        }
        cs->target = target;
        nchecked++;
        if ((st->mark == STMT_MARK_SOURCE && st->kind == STMT_SUB) || (st->mark == STMT_MARK_SINK && st->kind == STMT_ADD))
            diag_error(s->d, st->mark_span, "'%s' marks water that %s the model, but '%s' %s '%s'; write '%s'",
                       st->mark == STMT_MARK_SINK ? "sink" : "source",
                       st->mark == STMT_MARK_SINK ? "leaves" : "enters", st->kind == STMT_ADD ? "+=" : "-=",
                       st->kind == STMT_ADD ? "adds to" : "takes from", target->name,
                       st->mark == STMT_MARK_SINK ? "source" : "sink");
    }
    *out = checked;
    *nout = nchecked;
}

bool checked_model_has_repeat(const CheckedModel *m) {
    for (int p = 0; p < m->nphases; p++)
        for (int k = 0; k < m->phases[p].nstmts; k++)
            if (m->phases[p].stmts[k].stmt->kind == STMT_REPEAT) return true;
    return false;
}

static void check_steps(Sema *s, CheckedModel *m, FlatList *fl) {
    int nphases = 0;
    for (int i = 0; i < fl->n; i++) nphases += fl->items[i].item->kind == ITEM_STEP;
    m->phases = ARENA_ARRAY(s->a, Phase, nphases ? nphases : 1);

    /* every variable any step defines, for "used before it is defined" */
    SymVec later = {0};
    for (int i = 0; i < fl->n; i++) {
        Item *it = fl->items[i].item;
        if (it->kind == ITEM_STEP) collect_defs(s, m, &later, it->step.stmts, it->step.nstmts);
    }

    for (int i = 0; i < fl->n; i++) {
        FlatItem *fi = &fl->items[i];
        Item *it = fi->item;
        if (it->kind != ITEM_STEP) continue;
        Phase *ph = &m->phases[m->nphases++];
        ph->name = it->name.name;
        ph->span = it->span;
        Scope sc = {.s = s, .file = fi->origin, .m = m, .where = W_STEP, .locals = &m->locals, .later = &later,
                    .per_step = true};
        Stmt **stmts = ARENA_ARRAY(s->a, Stmt *, it->step.nstmts ? it->step.nstmts : 1);
        for (int k = 0; k < it->step.nstmts; k++) stmts[k] = ast_clone_stmt(s->a, it->step.stmts[k]);
        check_step_stmts(s, m, &sc, stmts, fi->stmt_origin, it->step.nstmts, &ph->stmts, &ph->nstmts);
    }
}

/* ---- 3b. Equation form ---------------------------------------------------------------- */

static void check_solver(Sema *s, CheckedModel *m, FlatItem *fi) {
    Solver *sv = &m->solver;
    sv->kind = SOLVER_RK4;
    sv->substeps = 1;
    sv->iterations = 10;   /* Newton converges quadratically; iterations are unrolled */
    sv->tolerance = 1e-10;
    if (!fi) return;
    const Item *it = fi->item;
    sv->span = it->span;
    static const char *const solvers[] = {"euler", "rk4", "implicit_euler"};
    const char *name = it->name.name;
    if (!strcmp(name, "euler")) sv->kind = SOLVER_EULER;
    else if (!strcmp(name, "rk4")) sv->kind = SOLVER_RK4;
    else if (!strcmp(name, "implicit_euler")) sv->kind = SOLVER_IMPLICIT_EULER;
    else {
        diag_error(s->d, it->name.span, "unknown solver '%s'", name);
        Suggest sg;
        suggest_init(&sg, name);
        for (int i = 0; i < 3; i++) suggest_offer(&sg, solvers[i]);
        if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
        else diag_note_plain(s->d, "solvers are euler, rk4 and implicit_euler");
        return;
    }
    static const char *const explicit_opts[] = {"substeps"};
    static const char *const implicit_opts[] = {"substeps", "iterations", "tol"};
    bool implicit = sv->kind == SOLVER_IMPLICIT_EULER;
    char owner[64];
    snprintf(owner, sizeof owner, "solver '%s'", name);
    Scope sc = {.s = s, .file = fi->origin, .m = m, .where = W_CONST};
    for (int i = 0; i < it->solve.options.n; i++) {
        const Option *o = &it->solve.options.items[i];
        if (!option_known(s, &it->solve.options, i, implicit ? implicit_opts : explicit_opts, implicit ? 3 : 1, owner))
            continue;
        if (!strcmp(o->name.name, "substeps")) sv->substeps = int_option(s, &sc, o, 1, 100000);
        else if (!strcmp(o->name.name, "iterations")) sv->iterations = int_option(s, &sc, o, 1, 1000);
        else sv->tolerance = real_option(s, &sc, o, 0, 1, true, false);
    }
}

static void check_equations(Sema *s, CheckedModel *m, FlatList *fl, SymVec *flux_deps) {
    for (int i = 0; i < m->fluxes.n; i++) {
        Sym *f = m->fluxes.items[i];
        Scope sc = {.s = s, .file = f->origin, .m = m, .where = W_FLUX, .deps = &flux_deps[i]};
        int errors_before = diag_error_count(s->d);
        check_expr(&sc, f->def);
        f->def_failed = diag_error_count(s->d) > errors_before;
        ExprInfo *in = expr_info(f->def);
        if (in->is_bool) diag_error(s->d, f->def->span, "a flux must be a number, not a comparison");
        if (!unit_compatible(f->unit, in->unit))
            diag_error(s->d, f->def->span, "flux '%s' is declared in '%s', but its value is in '%s'", f->name,
                       utext(s, f->unit), utext(s, in->unit));
        else if (f->unit.kind == UNIT_UNKNOWN && in->unit.kind == UNIT_KNOWN)
            f->unit = in->unit;
    }
    sema_order_fluxes(s, m, flux_deps);

    m->state_rhs = ARENA_ARRAY(s->a, Expr *, m->states.n ? m->states.n : 1);
    for (int i = 0; i < fl->n; i++) {
        FlatItem *fi = &fl->items[i];
        Item *it = fi->item;
        if (it->kind != ITEM_EQUATION) continue;
        Sym *st = NULL;
        for (int k = 0; k < m->states.n; k++) if (m->states.items[k]->name == it->name.name) st = m->states.items[k];
        Expr *rhs = ast_clone_expr(s->a, it->eq.rhs);
        Scope sc = {.s = s, .file = fi->origin, .m = m, .where = W_FLUX};
        check_expr(&sc, rhs);
        if (!st) {
            Sym *other = model_find(m, it->name.name);
            if (other)
                diag_error(s->d, it->name.span, "'%s' in 'd%s/dt' is %s %s, not a state", it->name.name,
                           it->name.name, article(sym_kind_name(other->kind)), sym_kind_name(other->kind));
            else {
                diag_error(s->d, it->name.span, "'d%s/dt': there is no state '%s'", it->name.name, it->name.name);
                Suggest sg;
                suggest_init(&sg, it->name.name);
                for (int k = 0; k < m->states.n; k++) suggest_offer(&sg, m->states.items[k]->name);
                if (suggest_best(&sg)) diag_note_plain(s->d, "did you mean '%s'?", suggest_best(&sg));
            }
            continue;
        }
        ExprInfo *in = expr_info(rhs);
        Unit want = unit_per_day(st->unit);
        if (st->unit.kind == UNIT_KNOWN && st->unit.text)   /* print 'm/d', not '1000 mm/d' */
            want.text = strcmp(st->unit.text, "-") ? arena_printf(s->a, "%s/d", st->unit.text) : "1/d";
        if (in->is_bool) diag_error(s->d, rhs->span, "a storage equation must be a number, not a comparison");
        else if (!unit_compatible(want, in->unit))
            diag_error(s->d, rhs->span, "'d%s/dt' must be in '%s' (the unit of '%s' per day), but it is in '%s'",
                       st->name, utext(s, want), st->name, utext(s, in->unit));
        m->state_rhs[st->index] = rhs;
    }
    for (int k = 0; k < m->states.n; k++)
        if (!m->state_rhs[k])
            diag_warning(s->d, m->states.items[k]->span, "state '%s' has no storage equation and keeps its initial value",
                         m->states.items[k]->name);
}

/* ---- 4. Outputs ------------------------------------------------------------------------ */

static void check_outputs(Sema *s, CheckedModel *m, SymVec *output_deps) {
    for (int i = 0; i < m->outputs.n; i++) {
        Sym *o = m->outputs.items[i];
        Scope sc = {.s = s, .file = o->origin, .m = m, .where = W_OUTPUT, .locals = &m->locals,
                    .per_step = m->form == FORM_STEP, .deps = output_deps};
        check_expr(&sc, o->def);
        ExprInfo *in = expr_info(o->def);
        Unit want = m->form == FORM_STEP ? unit_per_step(o->unit) : o->unit;
        if (in->is_bool) diag_error(s->d, o->def->span, "an output must be a number, not a comparison");
        else if (!unit_compatible(want, in->unit))
            diag_error(s->d, o->def->span, "output '%s' is declared in '%s', but its value is in '%s'", o->name,
                       utext(s, o->unit), utext(s, in->unit));
    }
}

/* ---- Driver ------------------------------------------------------------------------------ */

static FlatItem *find_kind(FlatList *fl, ItemKind k) {
    for (int i = 0; i < fl->n; i++)
        if (fl->items[i].item->kind == k) return &fl->items[i];
    return NULL;
}

CheckedModel *sema_check_model(Sema *s, ModelDecl *md, LoadedFile *origin) {
    int errors_before = diag_error_count(s->d);
    ModelDecl *stack[MAX_EXTENDS_DEPTH + 1];
    FlatList *fl = flatten(s, md, origin, stack, 0);
    /* without its base the model is incomplete: checking it would only report
     * what the base would have declared */
    if (fl->failed) return NULL;
    /* every variant re-checks its bases' items: bound the total, so that a
     * small file with many variants of a big model cannot exhaust memory */
    s->expanded += fl->n;
    if (s->expanded > SEMA_MAX_EXPANDED) {
        if (s->expanded - fl->n <= SEMA_MAX_EXPANDED)
            diag_error(s->d, md->name.span, "too much to check: the models have more than %d items in total, "
                       "counting the items each one inherits through 'extends'", SEMA_MAX_EXPANDED);
        return NULL;
    }

    CheckedModel *m = ARENA_NEW(s->a, CheckedModel);
    m->name = md->name.name;
    m->doc = md->doc;
    m->base = md->base.name;
    m->span = md->span;
    m->components = 1;
    for (int i = 0; i < fl->n; i++) declare(s, m, &fl->items[i]);

    for (int i = 0; i < m->consts.n; i++) sema_fold_const(s, m->consts.items[i], m);
    for (int i = 0; i < m->params.n; i++) check_param(s, m, m->params.items[i]);
    for (int i = 0; i < m->nets.n; i++) check_net(s, m, m->nets.items[i]);
    FlatItem *learn = find_kind(fl, ITEM_LEARN);   /* first: it decides which parameters are dynamic */
    if (learn) check_learn(s, m, learn);
    for (int i = 0; i < m->states.n; i++) check_state_init(s, m, m->states.items[i]);
    verify_dynamic_params(s, m, learn);

    FlatItem *step = find_kind(fl, ITEM_STEP), *eq = find_kind(fl, ITEM_EQUATION), *solve = find_kind(fl, ITEM_SOLVE);
    SymVec *flux_deps = ARENA_ARRAY(s->a, SymVec, m->fluxes.n ? m->fluxes.n : 1);
    SymVec output_deps = {0};
    if (step && eq) {
        diag_error(s->d, eq->item->span, "model '%s' mixes step blocks and storage equations; use one form", m->name);
        diag_note(s->d, step->item->span, "step block is here");
    }
    if (step) {
        m->form = FORM_STEP;
        for (int i = 0; i < m->fluxes.n; i++)
            diag_error(s->d, m->fluxes.items[i]->item->span,
                       "'flux' belongs to the equation form; in a step block write '%s = ...'", m->fluxes.items[i]->name);
        if (solve)
            diag_error(s->d, solve->item->span, "'solve' applies to storage equations, but model '%s' uses step blocks",
                       m->name);
        check_steps(s, m, fl);
    } else if (eq || m->fluxes.n) {
        m->form = FORM_EQUATIONS;
        check_solver(s, m, solve);
        check_equations(s, m, fl, flux_deps);
    } else if (m->states.n) {
        diag_error(s->d, md->name.span, "model '%s' has states but neither step blocks nor storage equations", m->name);
    }
    check_outputs(s, m, &output_deps);
    if (m->form == FORM_STEP && diag_error_count(s->d) == errors_before) sema_check_step_rates(s, m);
    if (m->form == FORM_EQUATIONS) sema_check_mass_balance(s, m, flux_deps, &output_deps);
    /* the step form's balance needs every name resolved, every unit right and
     * every function it inlines sound: only in a program without errors so far */
    if (m->form == FORM_STEP && diag_error_count(s->d) == 0) sema_check_step_balance(s, m);

    FlatItem *comp = find_kind(fl, ITEM_COMPONENTS);
    if (comp) {
        Scope sc = {.s = s, .file = comp->origin, .m = m, .where = W_CONST};
        double v;
        Expr *e = ast_clone_expr(s->a, comp->item->components.count);
        if (check_const_expr(&sc, e, "the number of components", &v)) {
            if (v != floor(v) || v < 1 || v > 4096)
                diag_error(s->d, e->span, "the number of components must be a whole number from 1 to 4096, found %g", v);
            else m->components = (int)v;
        }
    }
    if (m->outputs.n == 0) diag_warning(s->d, md->name.span, "model '%s' has no outputs", m->name);
    for (int i = 0; i < m->params.n && diag_error_count(s->d) == errors_before; i++) {   /* not next to errors */
        Sym *q = m->params.items[i];
        if (!q->used && q->mark != PARAM_FIXED)
            diag_warning(s->d, q->span, "parameter '%s' is trained but never used; remove it or mark it 'fixed'", q->name);
    }
    return m;
}
