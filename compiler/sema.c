/* sema.c — checking a whole program: the top-level names each file sees
 * (its own declarations and those of the files it imports), file-level
 * constants, pure functions (bodies, units, recursion), then every model
 * (sema_model.c). Errors are collected; checking goes on after an error. */
#include "sema_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *sym_kind_name(SymKind k) {
    switch (k) {
    case SYM_INPUT: return "input";
    case SYM_PARAM: return "parameter";
    case SYM_STATE: return "state";
    case SYM_CONST: return "constant";
    case SYM_FLUX: return "flux";
    case SYM_LOCAL: return "step variable";
    case SYM_OUTPUT: return "output";
    case SYM_NET: return "network";
    case SYM_FNPARAM: return "function parameter";
    case SYM_FNLOCAL: return "function variable";
    }
    return "?";
}

const char *article(const char *noun) {
    return noun && noun[0] && strchr("aeiou", noun[0]) ? "an" : "a";
}

void symvec_push(Arena *a, SymVec *v, Sym *s) {
    if (v->n == v->cap) {
        int ncap = v->cap ? v->cap * 2 : 8;
        Sym **ni = ARENA_ARRAY(a, Sym *, ncap);
        if (v->n) memcpy(ni, v->items, sizeof(Sym *) * (size_t)v->n);
        v->items = ni;
        v->cap = ncap;
    }
    v->items[v->n++] = s;
    /* long vectors (big step blocks, functions) get an index, so that name
     * lookups do not make checking quadratic */
    enum { INDEX_FROM = 16 };
    if (v->index) {
        ptrmap_set(a, v->index, s->name, s);
    } else if (v->n == INDEX_FROM) {
        v->index = ARENA_NEW(a, PtrMap);
        for (int i = 0; i < v->n; i++) ptrmap_set(a, v->index, v->items[i]->name, v->items[i]);
    }
}

Sym *symvec_find(const SymVec *v, const char *name) {
    if (!v) return NULL;
    if (v->index) return ptrmap_get(v->index, name);
    for (int i = v->n - 1; i >= 0; i--)
        if (v->items[i]->name == name) return v->items[i];
    return NULL;
}

Sym *sema_new_sym(Sema *s, SymKind k, Ident name, Unit unit) {
    Sym *sym = ARENA_NEW(s->a, Sym);
    sym->kind = k;
    sym->name = name.name;
    sym->span = name.span;
    sym->unit = unit;
    return sym;
}

/* ---- File scopes ------------------------------------------------------------ */

static const char *global_kind_name(GlobalKind k) {
    return k == G_CONST ? "constant" : k == G_FN ? "function" : "model";
}

/* ---- Pointer maps ---------------------------------------------------------- */

static size_t ptr_hash(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

void *ptrmap_get(const PtrMap *m, const void *key) {
    if (!m || !m->cap) return NULL;
    for (size_t j = ptr_hash(key) & (size_t)(m->cap - 1);; j = (j + 1) & (size_t)(m->cap - 1)) {
        if (!m->keys[j]) return NULL;
        if (m->keys[j] == key) return m->vals[j];
    }
}

static void ptrmap_insert(PtrMap *m, const void *key, void *val, bool overwrite) {
    size_t j = ptr_hash(key) & (size_t)(m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key) {
            if (overwrite) m->vals[j] = val;
            return;
        }
        j = (j + 1) & (size_t)(m->cap - 1);
    }
    m->keys[j] = key;
    m->vals[j] = val;
    m->n++;
}

static void ptrmap_store(Arena *a, PtrMap *m, const void *key, void *val, bool overwrite) {
    if (!key) return;
    if (2 * (m->n + 1) > m->cap) {   /* grow at 50 % load; the old arrays stay in the arena */
        PtrMap old = *m;
        m->cap = old.cap ? 2 * old.cap : 16;
        m->n = 0;
        m->keys = ARENA_ARRAY(a, const void *, m->cap);
        m->vals = ARENA_ARRAY(a, void *, m->cap);
        for (int i = 0; i < old.cap; i++)
            if (old.keys[i]) ptrmap_insert(m, old.keys[i], old.vals[i], false);
    }
    ptrmap_insert(m, key, val, overwrite);
}

void ptrmap_put(Arena *a, PtrMap *m, const void *key, void *val) { ptrmap_store(a, m, key, val, false); }
void ptrmap_set(Arena *a, PtrMap *m, const void *key, void *val) { ptrmap_store(a, m, key, val, true); }

/* ---- File scopes (lookups) ---------------------------------------------------- */

static GlobalEntry *scope_find(FileScope *fs, const char *name) {
    return ptrmap_get(&fs->index, name);
}

static void scope_add(Sema *s, FileScope *fs, GlobalEntry *g) {
    if (fs->n == fs->cap) {
        int ncap = fs->cap ? fs->cap * 2 : 16;
        GlobalEntry **ne = ARENA_ARRAY(s->a, GlobalEntry *, ncap);
        if (fs->n) memcpy(ne, fs->entries, sizeof(GlobalEntry *) * (size_t)fs->n);
        fs->entries = ne;
        fs->cap = ncap;
    }
    fs->entries[fs->n++] = g;
    ptrmap_put(s->a, &fs->index, g->name, g);
}

FnInfo *sema_fn_info(Sema *s, FnDecl *fn, LoadedFile *origin) {
    FnInfo *known = ptrmap_get(&s->fn_index, fn);
    if (known) return known;
    FnInfo *fi = ARENA_NEW(s->a, FnInfo);
    fi->decl = fn;
    fi->origin = origin;
    fi->result_unit = unit_unknown();
    if (grow_due(s->nfns)) {
        FnInfo **nf = ARENA_ARRAY(s->a, FnInfo *, grown_cap(s->nfns));
        if (s->nfns) memcpy(nf, s->fns, sizeof(FnInfo *) * (size_t)s->nfns);
        s->fns = nf;
    }
    s->fns[s->nfns++] = fi;
    ptrmap_put(s->a, &s->fn_index, fn, fi);
    return fi;
}

/* The file's own declarations; duplicates are reported here. */
static void build_own_scope(Sema *s, LoadedFile *lf) {
    FileScope *fs = ARENA_NEW(s->a, FileScope);
    fs->lf = lf;
    lf->scope = fs;
    for (int i = 0; i < lf->ast->ndecls; i++) {
        TopDecl *d = &lf->ast->decls[i];
        GlobalEntry *g = ARENA_NEW(s->a, GlobalEntry);
        g->origin = lf;
        switch (d->kind) {
        case TOP_IMPORT: continue;
        case TOP_CONST:
            g->kind = G_CONST; g->name = d->constant->name.name; g->span = d->constant->name.span;
            g->constant = d->constant;
            break;
        case TOP_FN:
            g->kind = G_FN; g->name = d->fn->name.name; g->span = d->fn->name.span;
            g->fn = sema_fn_info(s, d->fn, lf);
            break;
        case TOP_MODEL:
            g->kind = G_MODEL; g->name = d->model->name.name; g->span = d->model->name.span;
            g->model = d->model;
            break;
        }
        GlobalEntry *prev = scope_find(fs, g->name);
        if (prev) {
            if (prev->kind == g->kind)
                diag_error(s->d, g->span, "%s '%s' is already defined", global_kind_name(g->kind), g->name);
            else   /* "function 'k' is already defined" would suggest an earlier function */
                diag_error(s->d, g->span, "'%s' is already defined as %s %s", g->name,
                           article(global_kind_name(prev->kind)), global_kind_name(prev->kind));
            diag_note(s->d, prev->span, "previous definition of '%s' is here", g->name);
            continue;
        }
        if (g->kind == G_FN && builtin_find(g->name) >= 0)
            diag_warning(s->d, g->span, "function '%s' hides the builtin function of the same name", g->name);
        scope_add(s, fs, g);
    }
}

/* The `import` declaration of lf->imports[k]. */
static const TopDecl *import_decl(LoadedFile *lf, int k) {
    return lf->import_decls && k < lf->nimports ? lf->import_decls[k] : NULL;
}

/* Adds what the direct imports declare (not what they import in turn). */
static void add_imported_names(Sema *s, LoadedFile *lf) {
    FileScope *fs = lf->scope;
    int own = fs->n;
    for (int k = 0; k < lf->nimports; k++) {
        LoadedFile *imp = lf->imports[k];
        FileScope *is = imp->scope;
        for (int i = 0; i < is->n; i++) {
            GlobalEntry *g = is->entries[i];
            if (g->origin != imp) continue;
            GlobalEntry *prev = scope_find(fs, g->name);
            if (!prev) { scope_add(s, fs, g); continue; }
            if (prev == g) continue;
            bool prev_is_own = false;
            for (int j = 0; j < own; j++) prev_is_own |= fs->entries[j] == prev;
            if (prev_is_own) continue;   /* a file's own names win over imported ones */
            /* point at this import; quote both imports as written (the
             * earlier one is a direct import too: own names win above) */
            const TopDecl *at = import_decl(lf, k);
            int pk = -1;
            for (int j = 0; j < lf->nimports; j++) if (lf->imports[j] == prev->origin) pk = j;
            const TopDecl *prev_at = pk >= 0 ? import_decl(lf, pk) : NULL;
            Span span = at ? at->import.span : (Span){lf->file, 0, 0};
            diag_error(s->d, span, "'%s' is defined both in '%s' and in '%s'", g->name,
                       prev_at ? prev_at->import.path : src_file(&s->p->sources, prev->origin->file)->name,
                       at ? at->import.path : src_file(&s->p->sources, imp->file)->name);
            if (prev_at) diag_note(s->d, prev->span, "'%s' from '%s' is defined here", g->name, prev_at->import.path);
        }
    }
}

GlobalEntry *sema_global(Sema *s, LoadedFile *lf, const char *name) {
    (void)s;
    if (!lf || !lf->scope) return NULL;
    return scope_find(lf->scope, name);
}

void sema_suggest_globals(Sema *s, LoadedFile *lf, Suggest *sg, bool fns, bool consts) {
    (void)s;
    if (!lf || !lf->scope) return;
    for (int i = 0; i < lf->scope->n; i++) {
        GlobalEntry *g = lf->scope->entries[i];
        if ((fns && g->kind == G_FN) || (consts && g->kind == G_CONST)) suggest_offer(sg, g->name);
    }
}

/* ---- Constants --------------------------------------------------------------- */

void sema_fold_const(Sema *s, Sym *c, CheckedModel *m) {
    if (c->check_state == 2) return;
    if (c->check_state == 1) {
        diag_error(s->d, c->span, "constant '%s' is defined in terms of itself", c->name);
        c->check_state = 2;
        return;
    }
    c->check_state = 1;
    Scope sc = {.s = s, .file = c->origin, .m = m, .where = W_CONST};
    double v;
    if (c->def && check_const_expr(&sc, c->def, "a constant's value", &v)) {
        c->known = true;
        c->const_value = v;
        Unit u = expr_info(c->def)->unit;
        /* without a declared unit a constant takes its value's: a plain number behaves like a literal */
        if (c->unit.kind == UNIT_UNKNOWN) c->unit = u;
        else if (!unit_compatible(c->unit, u))
            diag_error(s->d, c->def->span, "constant '%s' is declared in '%s' but its value is in '%s'", c->name,
                       utext(s, c->unit), utext(s, u));
    }
    c->check_state = 2;
}

Sym *sema_global_const(Sema *s, GlobalEntry *g) {
    if (!g->sym) {
        Item *it = g->constant;
        g->sym = sema_new_sym(s, SYM_CONST, it->name, unit_from_ast(it->unit, s->d, s->a));
        g->sym->def = it->def.value;
        g->sym->origin = g->origin;
    }
    sema_fold_const(s, g->sym, NULL);
    return g->sym;
}

/* ---- Functions ------------------------------------------------------------------
 * fn f(a [: unit], ...) [: unit] { x = ...; x += ...; return expr }
 * Pure: they see their parameters, their own variables and file constants. */

void sema_check_fn(Sema *s, FnInfo *fi) {
    if (fi->state != 0) return;   /* checked, or being checked (recursion reported later) */
    fi->state = 1;
    FnDecl *fn = fi->decl;
    fi->param_units = ARENA_ARRAY(s->a, Unit, fn->nparams ? fn->nparams : 1);
    SymVec locals = {0};
    for (int i = 0; i < fn->nparams; i++) {
        FnParam *p = &fn->params[i];
        fi->param_units[i] = unit_from_ast(p->unit, s->d, s->a);
        if (symvec_find(&locals, p->name.name)) {   /* a lookup, not a scan: parameter lists can be long */
            diag_error(s->d, p->name.span, "parameter '%s' is listed twice", p->name.name);
            for (int k = 0; k < i && s->d->last_shown; k++)
                if (fn->params[k].name.name == p->name.name) {
                    diag_note(s->d, fn->params[k].name.span, "first listed here");
                    break;
                }
        }
        Sym *ps = sema_new_sym(s, SYM_FNPARAM, p->name, fi->param_units[i]);
        ps->index = i;
        symvec_push(s->a, &locals, ps);
    }
    /* lowering binds the parameters' symbols to the arguments of each call */
    Sym **param_syms = ARENA_ARRAY(s->a, Sym *, fn->nparams ? fn->nparams : 1);
    for (int i = 0; i < fn->nparams; i++) param_syms[i] = locals.items[i];
    fn->sema = param_syms;
    fi->result_unit = unit_from_ast(fn->result_unit, s->d, s->a);

    Scope sc = {.s = s, .file = fi->origin, .where = W_FN, .locals = &locals, .fn = fi};
    bool returned = false;
    for (int i = 0; i < fn->nbody; i++) {
        Stmt *st = fn->body[i];
        if (returned) {
            diag_error(s->d, st->span, "statement after 'return' is never run");
            break;
        }
        if (st->kind == STMT_REPEAT) {
            diag_error(s->d, st->span, "'repeat' is only allowed in step blocks");
            continue;
        }
        if (st->mark != STMT_MARK_NONE)
            diag_error(s->d, st->mark_span, "'%s' marks a statement of a step block; a function only computes a value",
                       st->mark == STMT_MARK_SINK ? "sink" : "source");
        check_expr(&sc, st->value);
        ExprInfo *vi = expr_info(st->value);
        if (st->kind == STMT_RETURN) {
            returned = true;
            if (vi->is_bool) diag_error(s->d, st->value->span, "a function must return a number, not a comparison");
            if (!unit_compatible(fi->result_unit, vi->unit))
                diag_error(s->d, st->value->span, "function '%s' returns '%s', but this value is in '%s'",
                           fn->name.name, utext(s, fi->result_unit), utext(s, vi->unit));
            continue;
        }
        Sym *target = symvec_find(&locals, st->target.name);
        if (target && target->kind == SYM_FNPARAM) {
            diag_error(s->d, st->target.span, "cannot assign to parameter '%s'; use a new name", st->target.name);
            continue;
        }
        if (st->kind == STMT_ASSIGN) {
            if (target) {
                diag_error(s->d, st->target.span, "'%s' is already defined; use a new name or '+='", st->target.name);
                diag_note(s->d, target->span, "'%s' is first defined here", st->target.name);
                continue;
            }
            Sym *v = sema_new_sym(s, SYM_FNLOCAL, st->target, vi->unit);
            v->def = st->value;
            symvec_push(s->a, &locals, v);
            st->sema = v;
        } else if (!target) {
            const Stmt *def = NULL;
            for (int k = i + 1; k < fn->nbody && !def; k++)
                if (fn->body[k]->kind == STMT_ASSIGN && fn->body[k]->target.name == st->target.name) def = fn->body[k];
            if (def) {
                diag_error(s->d, st->target.span, "'%s' is updated before it is defined", st->target.name);
                diag_note(s->d, def->target.span, "'%s' is defined here", st->target.name);
                continue;
            }
            diag_error(s->d, st->target.span, "'%s' is updated but never defined", st->target.name);
            diag_note_plain(s->d, "define it first, as in '%s = ...'", st->target.name);
            /* define it anyway, so later uses are not reported again */
            Sym *v = sema_new_sym(s, SYM_FNLOCAL, st->target, vi->unit);
            v->def = st->value;
            symvec_push(s->a, &locals, v);
        } else if (!unit_compatible(target->unit, vi->unit)) {
            diag_error(s->d, st->value->span, "cannot %s '%s' and '%s': the units differ",
                       st->kind == STMT_ADD ? "add" : "subtract", utext(s, target->unit), utext(s, vi->unit));
        }
        if (target && !st->sema) st->sema = target;
    }
    if (!returned) {
        /* point at the closing '}', where the 'return' is missing */
        Span end = fn->span;
        if (end.end > end.start) end.start = end.end - 1;
        diag_error(s->d, end, "function '%s' has no 'return'", fn->name.name);
        diag_note(s->d, fn->name.span, "'%s' is defined here; end its body with 'return expr'", fn->name.name);
    }
    fi->state = 2;
}

/* Recursion cannot be lowered to a single time step: report each cycle once. */

/* Strongly connected components of the call graph (Tarjan; iterative, since
 * a call chain can be as long as the file): sets fi->scc for every function,
 * the same number for the functions of one cycle, -1 off cycles. Linear in
 * the size of the graph, where asking "does f reach g" per pair is not. */
static void find_cycles(Sema *s) {
    int n = s->nfns;
    if (n == 0) return;
    PtrMap pos = {0};
    for (int i = 0; i < n; i++) ptrmap_put(s->a, &pos, s->fns[i], (void *)(intptr_t)(i + 1));
    int *index = calloc((size_t)n, sizeof(int)), *low = calloc((size_t)n, sizeof(int));
    int *edge = calloc((size_t)n, sizeof(int)), *stack = calloc((size_t)n, sizeof(int));
    int *call = calloc((size_t)n, sizeof(int));
    bool *on = calloc((size_t)n, sizeof(bool));
    if (!index || !low || !edge || !stack || !call || !on) DG_ICE("out of memory");
    int counter = 0, sp = 0, csp = 0, nscc = 0;
    for (int r = 0; r < n; r++) {
        if (index[r]) continue;
        index[r] = low[r] = ++counter;
        stack[sp++] = r;
        on[r] = true;
        call[csp++] = r;
        while (csp) {
            int v = call[csp - 1];
            FnInfo *fv = s->fns[v];
            if (edge[v] < fv->ncallees) {
                int w = (int)(intptr_t)ptrmap_get(&pos, fv->callees[edge[v]++]) - 1;
                if (w < 0) continue;
                if (!index[w]) {
                    index[w] = low[w] = ++counter;
                    stack[sp++] = w;
                    on[w] = true;
                    call[csp++] = w;
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            csp--;
            if (csp && low[v] < low[call[csp - 1]]) low[call[csp - 1]] = low[v];
            if (low[v] != index[v]) continue;
            int top = sp, w;
            do {
                w = stack[--sp];
                on[w] = false;
            } while (w != v);
            bool cycle = top - sp > 1;
            for (int k = 0; k < fv->ncallees && !cycle; k++) cycle = fv->callees[k] == fv;
            for (int k = sp; k < top; k++) s->fns[stack[k]]->scc = cycle ? nscc : -1;
            nscc++;
        }
    }
    free(index); free(low); free(edge); free(stack); free(call); free(on);
}

static void verify_no_recursion(Sema *s) {
    find_cycles(s);
    for (int i = 0; i < s->nfns; i++) {
        FnInfo *fi = s->fns[i];
        if (s->d->fatal) break;   /* error cap reached: nothing more is shown (and each cycle costs O(F * E)) */
        if (fi->recursion_reported || fi->scc < 0) continue;
        /* point at the call that starts the cycle; name the functions on it */
        int first = 0;
        for (int k = 0; k < fi->ncallees; k++) {
            FnInfo *c = fi->callees[k];
            if (c->scc == fi->scc) { first = k; break; }   /* c is on the cycle: it reaches fi */
        }
        FnInfo *next = fi->callees[first];
        if (next == fi) {
            diag_error(s->d, fi->call_spans[first], "function '%s' calls itself (recursion is not supported)",
                       fi->decl->name.name);
        } else {
            diag_error(s->d, fi->call_spans[first],
                       "function '%s' calls itself through '%s' (recursion is not supported)", fi->decl->name.name,
                       next->decl->name.name);
            char chain[512];
            StrBuf sb;
            strbuf_init(&sb, chain, sizeof chain);
            strbuf_add(&sb, "'%s'", fi->decl->name.name);
            FnInfo *at = next;
            for (int guard = 0; at != fi && guard < s->nfns && !sb.cut; guard++) {
                strbuf_add(&sb, " calls '%s'", at->decl->name.name);
                FnInfo *step = NULL;
                for (int k = 0; k < at->ncallees && !step; k++)
                    if (at->callees[k]->scc == fi->scc) step = at->callees[k];
                if (!step) break;
                at = step;
            }
            strbuf_add(&sb, " calls '%s'", fi->decl->name.name);
            diag_note_plain(s->d, "the cycle is %s", chain);
        }
        /* the rest of its cycle is the same error: mark it reported */
        for (int k = 0; k < s->nfns; k++)
            if (s->fns[k]->scc == fi->scc) s->fns[k]->recursion_reported = true;
    }
}

/* ---- Program ---------------------------------------------------------------------- */

static void add_model(Sema *s, CheckedModel *m) {
    Program *p = s->p;
    if (grow_due(p->nmodels)) {
        CheckedModel **nm = ARENA_ARRAY(s->a, CheckedModel *, grown_cap(p->nmodels));
        if (p->nmodels) memcpy(nm, p->models, sizeof(CheckedModel *) * (size_t)p->nmodels);
        p->models = nm;
    }
    p->models[p->nmodels++] = m;
}

bool sema_check_program(Program *p) {
    Sema s = {.p = p, .d = p->diag, .a = &p->arena};
    int errors_before = diag_error_count(p->diag);
    for (int i = 0; i < p->nfiles; i++) build_own_scope(&s, p->files[i]);
    for (int i = 0; i < p->nfiles; i++) add_imported_names(&s, p->files[i]);

    /* Imported files first, so a base model is checked before its variants
     * and the root file's models end the list. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = p->nfiles - 1; i >= 0; i--) {
            LoadedFile *lf = p->files[i];
            if ((pass == 0) != (i != 0)) continue;
            for (int k = 0; k < lf->ast->ndecls; k++) {
                TopDecl *d = &lf->ast->decls[k];
                if (d->kind == TOP_CONST) {
                    GlobalEntry *g = sema_global(&s, lf, d->constant->name.name);
                    if (g && g->constant == d->constant) sema_global_const(&s, g);
                } else if (d->kind == TOP_FN) {
                    sema_check_fn(&s, sema_fn_info(&s, d->fn, lf));
                }
            }
            for (int k = 0; k < lf->ast->ndecls; k++) {
                TopDecl *d = &lf->ast->decls[k];
                if (d->kind != TOP_MODEL) continue;
                CheckedModel *m = sema_check_model(&s, d->model, lf);
                if (m) {
                    add_model(&s, m);
                    if (i == 0) p->nroot_models++;
                }
            }
        }
    }
    verify_no_recursion(&s);
    return diag_error_count(p->diag) == errors_before;
}
