/* frontend.h — the front-end chain in one place:
 *   program_load (source → AST, following imports)
 *   → sema_check_program (AST → CheckedModel per model)
 * Each stage reports into the Program's Diag and the driver stops after a
 * stage that reported errors, so later stages never see broken input. */
#ifndef DG_FRONTEND_H
#define DG_FRONTEND_H

#include <stdio.h>
#include "ast.h"
#include "diag.h"
#include "intern.h"
#include "model.h"

typedef struct FileScope FileScope;

/* One parsed file and the top-level names it can see. */
typedef struct LoadedFile {
    uint32_t    file;          /* SourceMap index */
    AstFile    *ast;
    struct LoadedFile **imports;   /* direct imports, in source order */
    const TopDecl **import_decls;  /* the `import` declaration of each (same index) */
    int         nimports;
    int         load_state;    /* 0 = new, 1 = loading (cycle detection), 2 = done */
    FileScope  *scope;         /* built by sema */
} LoadedFile;

typedef struct Program {
    Arena       arena;         /* owns AST, checked models, source text, names */
    Interner    names;
    SourceMap   sources;
    Diag       *diag;
    LoadedFile **files;        /* every loaded file; files[0] is the root */
    int         nfiles, capfiles;
    const char **search_dirs;  /* import search path after the importing file's directory */
    int         nsearch;
    bool        imports_disabled;  /* fuzzing: never touch the file system */
    CheckedModel **models;     /* every checked model, root file's last */
    int         nmodels;
    int         nroot_models;  /* the root file's models are models[nmodels - nroot_models ..] */
    struct Library *library;   /* library.c: what the search path declares; built on first use */
} Program;

void program_init(Program *p);
void program_set_diag(Program *p, Diag *d);
void program_free(Program *p);
void program_add_search_dir(Program *p, const char *dir);

/* Loads the root file and everything it imports. NULL if the root cannot be read. */
LoadedFile *program_load(Program *p, const char *path);
LoadedFile *program_load_buffer(Program *p, const char *name, const char *data, size_t len);

/* Checks every function and model of every loaded file. Returns false on errors. */
bool sema_check_program(Program *p);

/* --dump-checked */
void checked_dump_model(FILE *out, const CheckedModel *m, Program *p);
/* --summary: one paragraph per model for users */
void checked_print_summary(FILE *out, const CheckedModel *m, Program *p);

/* Parse + check one in-memory file with diagnostics to diag_out (fuzzing, tests).
 * Imports are resolved against the current directory only. Returns the error count. */
int frontend_check_buffer(const char *name, const char *data, size_t len, FILE *diag_out);

#endif
