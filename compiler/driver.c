/* driver.c — the dgc command line: flags, stage sequencing, dumps, exit codes.
 *   exit 0 ok · 1 errors in the program · 2 usage error · 3 I/O failure · 134 ICE */
#include "frontend.h"
#include "ir.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DGC_STDLIB_DIR
#define DGC_STDLIB_DIR ""
#endif
#ifndef DGC_VERSION
#define DGC_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_PROGRAM = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

static void usage(FILE *out) {
    fprintf(out,
            "usage: dgc check [options] FILE.dg...   check models and report diagnostics\n"
            "       dgc [options] FILE.dg            same as 'check' (with dumps below)\n"
            "\n"
            "options:\n"
            "  --dump-ast          print the syntax tree of FILE\n"
            "  --dump-checked      print the checked models of FILE (resolved names, units)\n"
            "  --dump-ir           print the IR of FILE's models (init, step, prologue)\n"
            "  --dump-adjoint      print the generated adjoint IR of FILE's models\n"
            "  --summary           print a short description of every model in FILE\n"
            "  --model NAME        restrict dumps and summaries to model NAME\n"
            "  -I DIR              search DIR for imports (after the importing file's folder)\n"
            "  --color=WHEN        colour diagnostics: auto (default), always, never\n"
            "  --version           print the version\n"
            "  -h, --help          print this help\n"
            "\n"
            "Imports are also searched in $DGC_PATH (colon-separated) and the standard library.\n");
}

typedef struct {
    bool dump_ast, dump_checked, dump_ir, dump_adjoint, summary;
    const char *model;
    const char **files;
    int nfiles;
    const char **includes;
    int nincludes;
    int color;   /* -1 auto, 0 never, 1 always */
} Options;

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "dgc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'dgc --help' for usage)\n");
    return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, Options *o) {
    o->color = -1;
    o->files = calloc((size_t)argc, sizeof(char *));
    o->includes = calloc((size_t)argc, sizeof(char *));
    if (!o->files || !o->includes) return usage_error("%s", "out of memory");
    int i = 1;
    if (i < argc && !strcmp(argv[i], "check")) i++;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); exit(EXIT_OK); }
        else if (!strcmp(a, "--version")) { printf("dgc %s\n", DGC_VERSION); exit(EXIT_OK); }
        else if (!strcmp(a, "--dump-ast")) o->dump_ast = true;
        else if (!strcmp(a, "--dump-checked")) o->dump_checked = true;
        else if (!strcmp(a, "--dump-ir")) o->dump_ir = true;
        else if (!strcmp(a, "--dump-adjoint")) o->dump_adjoint = true;
        else if (!strcmp(a, "--summary")) o->summary = true;
        else if (!strcmp(a, "--model")) {
            if (++i >= argc) return usage_error("%s needs a model name", a);
            o->model = argv[i];
        } else if (!strcmp(a, "-I")) {
            if (++i >= argc) return usage_error("%s needs a directory", a);
            o->includes[o->nincludes++] = argv[i];
        } else if (!strncmp(a, "-I", 2)) o->includes[o->nincludes++] = a + 2;
        else if (!strcmp(a, "--color=never")) o->color = 0;
        else if (!strcmp(a, "--color=always")) o->color = 1;
        else if (!strcmp(a, "--color=auto")) o->color = -1;
        else if (a[0] == '-' && a[1]) return usage_error("unknown option '%s'", a);
        else o->files[o->nfiles++] = a;
    }
    if (o->nfiles == 0) return usage_error("%s", "no input file");
    if ((o->dump_ast || o->dump_checked || o->dump_ir || o->dump_adjoint || o->summary) && o->nfiles > 1)
        return usage_error("%s", "dumps and summaries take one file");
    return EXIT_OK;
}

static void add_search_path(Program *p, const Options *o) {
    for (int i = 0; i < o->nincludes; i++) program_add_search_dir(p, o->includes[i]);
    const char *env = getenv("DGC_PATH");
    if (env && *env) {
        char *copy = strdup(env);
        for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
            program_add_search_dir(p, d);
        free(copy);
    }
    if (DGC_STDLIB_DIR[0]) program_add_search_dir(p, DGC_STDLIB_DIR);
}

/* Checks one root file (and its imports); prints what was asked. */
static int run_file(const Options *o, const char *path, bool color) {
    Program p;
    program_init(&p);
    Diag d;
    diag_init(&d, &p.sources, stderr, color);
    program_set_diag(&p, &d);
    add_search_path(&p, o);

    int rc = EXIT_OK;
    LoadedFile *root = program_load(&p, path);
    if (!root) {
        rc = EXIT_IO;
        goto done;
    }
    if (o->dump_ast) ast_dump_file(stdout, root->ast, &p.sources);
    if (diag_error_count(&d) == 0) sema_check_program(&p);
    if (diag_error_count(&d) > 0) {
        rc = EXIT_PROGRAM;
        goto done;
    }
    bool found = !o->model;
    for (int i = p.nmodels - p.nroot_models; i < p.nmodels; i++) {
        CheckedModel *m = p.models[i];
        if (o->model && strcmp(o->model, m->name)) continue;
        found = true;
        if (o->dump_checked) checked_dump_model(stdout, m, &p);
        if (o->summary) checked_print_summary(stdout, m, &p);
        if (o->dump_ir || o->dump_adjoint) {
            IrModel *ir = lower_model(&p.arena, &p, m);
            if (!ir) { rc = EXIT_PROGRAM; continue; }
            if (o->dump_ir) ir_print_model(stdout, ir);
            if (o->dump_adjoint) {
                IrFunc fs[3] = {ir->init, ir->step, ir->prologue};
                for (int k = 0; k < 3; k++) {
                    IrFunc r = ad_reverse(&p.arena, &fs[k], ir->nparams, ir->nstates, ir->nnetw, &d);
                    ir_print_func(stdout, &r);
                }
            }
        }
    }
    if (!found) {
        fprintf(stderr, "dgc: %s has no model '%s'\n", path, o->model);
        rc = EXIT_USAGE;
    }
done:
    fflush(stdout);
    program_free(&p);
    return rc;
}

int main(int argc, char **argv) {
    Options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == EXIT_OK) {
        bool color = o.color == 1 || (o.color == -1 && isatty(2));
        for (int i = 0; i < o.nfiles; i++) {
            int r = run_file(&o, o.files[i], color);
            if (r > rc) rc = r;
        }
    }
    free(o.files);
    free(o.includes);
    return rc;
}
