/* loader.c — loads the root .dg file and, depth first, every file it
 * imports. Import paths resolve against the importing file's directory, then
 * the search path (-I, DGC_PATH, the installed stdlib). A file reached twice
 * is parsed once; a file reached while it is still loading is an import cycle.
 * Loading recurses once per nested import, so the nesting is capped
 * (MAX_IMPORT_DEPTH) with an error instead of running out of stack. */
#include "frontend.h"
#include "library.h"
#include "parse.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Far deeper than any real model library; a chain longer than this is
 * generated or runaway, and is reported at the import that goes too deep. */
enum { MAX_IMPORT_DEPTH = 200 };

void program_init(Program *p) {
    memset(p, 0, sizeof *p);
    arena_init(&p->arena);
    intern_init(&p->names, &p->arena);
    src_init(&p->sources, &p->arena);
}

void program_set_diag(Program *p, Diag *d) { p->diag = d; }

void program_free(Program *p) { arena_free(&p->arena); }

void program_add_search_dir(Program *p, const char *dir) {
    const char **nd = ARENA_ARRAY(&p->arena, const char *, p->nsearch + 1);
    if (p->nsearch) memcpy(nd, p->search_dirs, sizeof(char *) * (size_t)p->nsearch);
    nd[p->nsearch++] = arena_strndup(&p->arena, dir, strlen(dir));
    p->search_dirs = nd;
}

static LoadedFile *add_file(Program *p, uint32_t src_index) {
    if (p->nfiles == p->capfiles) {
        int ncap = p->capfiles ? p->capfiles * 2 : 8;
        LoadedFile **nf = ARENA_ARRAY(&p->arena, LoadedFile *, ncap);
        if (p->nfiles) memcpy(nf, p->files, sizeof(LoadedFile *) * (size_t)p->nfiles);
        p->files = nf;
        p->capfiles = ncap;
    }
    LoadedFile *lf = ARENA_NEW(&p->arena, LoadedFile);
    lf->file = src_index;
    p->files[p->nfiles++] = lf;
    return lf;
}

static LoadedFile *find_by_path(Program *p, const char *canonical) {
    for (int i = 0; i < p->nfiles; i++)
        if (!strcmp(src_file(&p->sources, p->files[i]->file)->path, canonical)) return p->files[i];
    return NULL;
}

static void load_imports(Program *p, LoadedFile *lf, int depth);

/* depth: how many imports lead from the root file to lf (the root is 0) */
static void parse_loaded(Program *p, LoadedFile *lf, int depth) {
    lf->load_state = 1;
    lf->ast = parse_file(&p->arena, &p->names, p->diag, &p->sources, lf->file);
    load_imports(p, lf, depth);
    lf->load_state = 2;
}

/* Directory part of a path ("." when there is none). */
static char *dir_of(Arena *a, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return arena_strndup(a, ".", 1);
    return arena_strndup(a, path, (size_t)(slash - path) ? (size_t)(slash - path) : 1);
}

/* Finds the file an import names; returns the path to open or NULL. */
static const char *resolve_import(Program *p, const char *importer, const char *rel) {
    if (rel[0] == '/') return access(rel, R_OK) == 0 ? rel : NULL;
    const char *dir = dir_of(&p->arena, importer);
    /* next to a file named without a folder: 'lib.dg', not './lib.dg' */
    const char *here = strcmp(dir, ".") ? arena_printf(&p->arena, "%s/%s", dir, rel) : rel;
    if (access(here, R_OK) == 0) return here;
    for (int i = 0; i < p->nsearch; i++) {
        const char *cand = arena_printf(&p->arena, "%s/%s", p->search_dirs[i], rel);
        if (access(cand, R_OK) == 0) return cand;
    }
    return NULL;
}

/* For an import that was not found: an existing file it probably means,
 * next to the importer ("lib/uh" -> "lib/uh.dg") or on the search path
 * ("hymod" -> "models/hymod.dg", "fluxs.dg" -> "fluxes.dg"). */
static void suggest_import(Program *p, const char *importer, const char *rel) {
    size_t n = strlen(rel);
    if (n < 3 || strcmp(rel + n - 3, ".dg")) {
        const char *with_ext = arena_printf(&p->arena, "%s.dg", rel);
        if (resolve_import(p, importer, with_ext)) {
            diag_note_plain(p->diag, "did you mean \"%s\"?", with_ext);
            return;
        }
    }
    LibHit hit;
    if (library_find_file(p, rel, &hit))
        diag_note_plain(p->diag, "did you mean \"%s\"? it is %s", hit.import,
                        hit.stdlib ? "in the standard library" : arena_printf(&p->arena, "in %s", hit.dir));
}

static void print_cycle(Program *p, LoadedFile *target) {
    /* the files still loading form the chain, in load order; the cycle
     * starts at the file imported again */
    char buf[1024];
    StrBuf sb;
    strbuf_init(&sb, buf, sizeof buf);
    bool on_cycle = false;
    for (int i = 0; i < p->nfiles && !sb.cut; i++) {
        on_cycle |= p->files[i] == target;
        if (on_cycle && p->files[i]->load_state == 1)
            strbuf_add(&sb, "%s -> ", src_file(&p->sources, p->files[i]->file)->name);
    }
    strbuf_add(&sb, "%s", src_file(&p->sources, target->file)->name);
    diag_note_plain(p->diag, "the cycle is %s", buf);
}

/* The error for a file that src_load refused (err says why). */
static void report_unreadable(Program *p, Span at, const char *rel, int rc, const char *err) {
    if (rc == SRC_NOT_REGULAR) {
        diag_error(p->diag, at, "'%s' is not a regular file", rel);
        diag_note_plain(p->diag, "%s; dgc reads source only from regular files", err);
    } else {
        diag_error(p->diag, at, "cannot read imported file '%s': %s", rel, err);
    }
}

static void load_imports(Program *p, LoadedFile *lf, int depth) {
    const SourceFile *self = src_file(&p->sources, lf->file);
    int n = 0;
    for (int i = 0; i < lf->ast->ndecls; i++) n += lf->ast->decls[i].kind == TOP_IMPORT;
    lf->imports = ARENA_ARRAY(&p->arena, LoadedFile *, n ? n : 1);
    lf->import_decls = ARENA_ARRAY(&p->arena, const TopDecl *, n ? n : 1);
    for (int i = 0; i < lf->ast->ndecls; i++) {
        const TopDecl *d = &lf->ast->decls[i];
        if (d->kind != TOP_IMPORT) continue;
        const char *rel = d->import.path;
        if (!rel[0]) { diag_error(p->diag, d->import.span, "empty import path"); continue; }
        const char *path = p->imports_disabled ? NULL : resolve_import(p, self->name, rel);
        if (!path) {
            diag_error(p->diag, d->import.span, "cannot find imported file '%s'", rel);
            diag_note_plain(p->diag, "looked next to '%s'%s", self->name,
                            p->nsearch ? " and in the search path (-I, DGC_PATH, stdlib)" : "");
            if (!p->imports_disabled) suggest_import(p, self->name, rel);
            continue;
        }
        char *canon = realpath(path, NULL);   /* malloc'd: a PATH_MAX array per nesting level adds up */
        const char *key = canon ? arena_strndup(&p->arena, canon, strlen(canon)) : path;
        free(canon);
        LoadedFile *target = find_by_path(p, key);
        if (target && target->load_state == 1) {
            /* the location names this file; the message quotes the import as written */
            if (target == lf) {
                diag_error(p->diag, d->import.span, "import cycle: a file cannot import itself");
            } else {
                diag_error(p->diag, d->import.span, "import cycle: '%s' leads back to this file", rel);
                print_cycle(p, target);
            }
            continue;
        }
        if (!target) {
            if (depth >= MAX_IMPORT_DEPTH) {
                diag_error(p->diag, d->import.span, "imports nested deeper than %d", MAX_IMPORT_DEPTH);
                diag_note_plain(p->diag, "'%s' is reached from '%s' through %d nested imports", self->name,
                                src_file(&p->sources, p->files[0]->file)->name, depth);
                continue;
            }
            uint32_t idx;
            const char *err;
            int rc = src_load(&p->sources, path, &idx, &err);
            if (rc != SRC_OK) {
                report_unreadable(p, d->import.span, rel, rc, err);
                continue;
            }
            target = add_file(p, idx);
            parse_loaded(p, target, depth + 1);
        }
        bool dup = false;
        for (int k = 0; k < lf->nimports; k++) dup |= lf->imports[k] == target;
        if (dup) diag_warning(p->diag, d->import.span, "'%s' is imported twice", rel);
        else {
            lf->import_decls[lf->nimports] = d;
            lf->imports[lf->nimports++] = target;
        }
    }
}

LoadedFile *program_load(Program *p, const char *path) {
    uint32_t idx;
    const char *err;
    int rc = src_load(&p->sources, path, &idx, &err);
    if (rc == SRC_NOT_REGULAR) {
        diag_error_file(p->diag, path, "'%s' is not a regular file", path);
        diag_note_plain(p->diag, "%s; dgc reads source only from regular files", err);
        return NULL;
    }
    if (rc != SRC_OK) {
        diag_error_file(p->diag, path, "cannot read file: %s", err);
        return NULL;
    }
    LoadedFile *lf = add_file(p, idx);
    parse_loaded(p, lf, 0);
    return lf;
}

LoadedFile *program_load_buffer(Program *p, const char *name, const char *data, size_t len) {
    uint32_t idx = src_add(&p->sources, name, NULL, data, len);
    LoadedFile *lf = add_file(p, idx);
    parse_loaded(p, lf, 0);
    return lf;
}

int frontend_check_buffer(const char *name, const char *data, size_t len, FILE *diag_out) {
    Program p;
    program_init(&p);
    Diag d;
    diag_init(&d, &p.sources, diag_out, false);
    program_set_diag(&p, &d);
    p.imports_disabled = true;
    program_load_buffer(&p, name, data, len);
    if (d.errors == 0) sema_check_program(&p);
    int errors = d.errors;
    program_free(&p);
    return errors;
}
