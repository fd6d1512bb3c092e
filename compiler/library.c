/* library.c — an index of the import search path (library.h): which .dg
 * files each search folder holds, and what they declare. Files are parsed
 * with a silent diagnostics stream into a scratch arena; only the names and
 * paths are kept, in the Program's arena. A file that a later folder also
 * has is shadowed, as import resolution would shadow it. */
#include "library.h"
#include "parse.h"
#include "suggest.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef DGC_STDLIB_DIR
#define DGC_STDLIB_DIR ""
#endif

/* Enough for any model library; a search folder that is a whole home
 * directory must not make an error message slow. */
enum { MAX_LIBRARY_FILES = 400 };

typedef struct {
    const char *import;   /* path relative to its search folder */
    const char *dir;
    bool        stdlib;
} LibFile;

typedef struct {
    const char *name;
    LibKind     kind;
    int         file;     /* index into files */
} LibDecl;

struct Library {
    LibFile *files;
    int      nfiles;
    LibDecl *decls;
    int      ndecls, capdecls;
};

static bool ends_with_dg(const char *name) {
    size_t n = strlen(name);
    return n > 3 && !strcmp(name + n - 3, ".dg");
}

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The .dg files of dir and of its direct subfolders, as paths relative to
 * dir, sorted (readdir's order is the file system's). */
static int list_dg_files(Arena *a, const char *dir, const char **out, int cap) {
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d)) && n < cap;) {
        if (e->d_name[0] == '.') continue;
        const char *full = arena_printf(a, "%s/%s", dir, e->d_name);
        if (ends_with_dg(e->d_name) && is_file(full)) {
            out[n++] = arena_strndup(a, e->d_name, strlen(e->d_name));
        } else if (is_dir(full)) {
            DIR *sub = opendir(full);
            if (!sub) continue;
            for (struct dirent *f; (f = readdir(sub)) && n < cap;)
                if (f->d_name[0] != '.' && ends_with_dg(f->d_name) &&
                    is_file(arena_printf(a, "%s/%s", full, f->d_name)))
                    out[n++] = arena_printf(a, "%s/%s", e->d_name, f->d_name);
            closedir(sub);
        }
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof *out, cmp_str);
    return n;
}

static void add_decl(Program *p, struct Library *lib, const char *name, LibKind kind, int file) {
    if (lib->ndecls == lib->capdecls) {
        int ncap = lib->capdecls ? 2 * lib->capdecls : 64;
        LibDecl *nd = ARENA_ARRAY(&p->arena, LibDecl, ncap);
        if (lib->ndecls) memcpy(nd, lib->decls, sizeof(LibDecl) * (size_t)lib->ndecls);
        lib->decls = nd;
        lib->capdecls = ncap;
    }
    lib->decls[lib->ndecls++] = (LibDecl){arena_strndup(&p->arena, name, strlen(name)), kind, file};
}

/* Parses one file (errors go to `silent`) and records what it declares. */
static void index_file(Program *p, struct Library *lib, Arena *scratch, FILE *silent, const char *path, int file) {
    SourceMap sm;
    src_init(&sm, scratch);
    Interner names;
    intern_init(&names, scratch);
    Diag d;
    diag_init(&d, &sm, silent, false);
    uint32_t idx;
    const char *err;
    if (src_load(&sm, path, &idx, &err) != SRC_OK) return;
    AstFile *ast = parse_file(scratch, &names, &d, &sm, idx);
    for (int i = 0; ast && i < ast->ndecls; i++) {
        const TopDecl *td = &ast->decls[i];
        if (td->kind == TOP_FN && td->fn->name.name) add_decl(p, lib, td->fn->name.name, LIB_FN, file);
        else if (td->kind == TOP_CONST && td->constant->name.name)
            add_decl(p, lib, td->constant->name.name, LIB_CONST, file);
        else if (td->kind == TOP_MODEL && td->model->name.name)
            add_decl(p, lib, td->model->name.name, LIB_MODEL, file);
    }
}

static struct Library *library_get(Program *p) {
    if (p->library) return p->library;
    struct Library *lib = ARENA_NEW(&p->arena, struct Library);
    p->library = lib;
    lib->files = ARENA_ARRAY(&p->arena, LibFile, MAX_LIBRARY_FILES);
    FILE *silent = fopen("/dev/null", "w");
    if (!silent || p->imports_disabled) {
        if (silent) fclose(silent);
        return lib;
    }
    Arena scratch;
    arena_init(&scratch);
    const char **found = ARENA_ARRAY(&scratch, const char *, MAX_LIBRARY_FILES);
    for (int s = 0; s < p->nsearch && lib->nfiles < MAX_LIBRARY_FILES; s++) {
        const char *dir = p->search_dirs[s];
        int n = list_dg_files(&scratch, dir, found, MAX_LIBRARY_FILES - lib->nfiles);
        for (int i = 0; i < n; i++) {
            bool shadowed = false;
            for (int k = 0; k < lib->nfiles && !shadowed; k++) shadowed = !strcmp(lib->files[k].import, found[i]);
            if (shadowed) continue;
            int file = lib->nfiles++;
            lib->files[file] = (LibFile){arena_strndup(&p->arena, found[i], strlen(found[i])), dir,
                                         DGC_STDLIB_DIR[0] && !strcmp(dir, DGC_STDLIB_DIR)};
            index_file(p, lib, &scratch, silent, arena_printf(&scratch, "%s/%s", dir, found[i]), file);
        }
    }
    arena_free(&scratch);
    fclose(silent);
    return lib;
}

static LibHit hit_of(const struct Library *lib, const char *name, int file) {
    const LibFile *f = &lib->files[file];
    return (LibHit){name, f->import, f->dir, f->stdlib};
}

bool library_find_decl(Program *p, const char *name, LibKind kind, bool near, LibHit *hit) {
    struct Library *lib = library_get(p);
    for (int i = 0; i < lib->ndecls; i++)
        if (lib->decls[i].kind == kind && !strcmp(lib->decls[i].name, name)) {
            *hit = hit_of(lib, lib->decls[i].name, lib->decls[i].file);
            return true;
        }
    if (!near) return false;
    Suggest sg;
    suggest_init(&sg, name);
    for (int i = 0; i < lib->ndecls; i++)
        if (lib->decls[i].kind == kind) suggest_offer(&sg, lib->decls[i].name);
    const char *best = suggest_best(&sg);
    for (int i = 0; best && i < lib->ndecls; i++)
        if (lib->decls[i].kind == kind && lib->decls[i].name == best) {
            *hit = hit_of(lib, best, lib->decls[i].file);
            return true;
        }
    return false;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

bool library_find_file(Program *p, const char *rel, LibHit *hit) {
    struct Library *lib = library_get(p);
    const char *want = ends_with_dg(rel) ? rel : arena_printf(&p->arena, "%s.dg", rel);
    /* the same path, then the same file name in a subfolder ("hymod" -> "models/hymod.dg") */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < lib->nfiles; i++) {
            const char *imp = lib->files[i].import;
            if (pass == 0 ? !strcmp(imp, want) : !strcmp(base_name(imp), base_name(want))) {
                *hit = hit_of(lib, NULL, i);
                return true;
            }
        }
    /* a misspelt path or file name ("fluxs.dg" -> "fluxes.dg") */
    Suggest sg;
    suggest_init(&sg, want);
    for (int i = 0; i < lib->nfiles; i++) suggest_offer(&sg, lib->files[i].import);
    const char *best = suggest_best(&sg);
    if (!best) {
        suggest_init(&sg, base_name(want));
        for (int i = 0; i < lib->nfiles; i++) suggest_offer(&sg, base_name(lib->files[i].import));
        best = suggest_best(&sg);
    }
    for (int i = 0; best && i < lib->nfiles; i++)
        if (lib->files[i].import == best || base_name(lib->files[i].import) == best) {
            *hit = hit_of(lib, NULL, i);
            return true;
        }
    return false;
}

const char *library_where(Program *p, const LibHit *hit) {
    if (hit->stdlib) return arena_printf(&p->arena, "stdlib \"%s\"", hit->import);
    return arena_printf(&p->arena, "\"%s\" (in %s)", hit->import, hit->dir);
}
