/* driver.c — the dgc command line: flags, stage sequencing, dumps, exit codes.
 *   exit 0 ok · 1 errors in the program · 2 usage error · 3 I/O failure · 134 ICE */
#include "codegen.h"
#include "dgrt_cli.h"
#include "frontend.h"
#include "ir.h"
#include "suggest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <llvm/Config/llvm-config.h>   /* LLVM_VERSION_MAJOR, for the list of CPU names */

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
            "       dgc FILE.dg -o EXE [build options]  compile a model to a native executable\n"
            "       dgc run FILE.dg [build options] [--] ARGS...\n"
            "                                        compile a model in memory (JIT) and run its command\n"
            "                                        line with ARGS (after FILE.dg and the build options\n"
            "                                        --model, -O, -I, --time; or everything after '--')\n"
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
            "\n"
            "build options:\n"
            "  -o EXE              write the executable (object + runtime, linked by cc)\n"
            "  --shared            with -o LIB.so: a shared library with the C API of\n"
            "                      runtime/dgc_model_api.h and the BMI 2.0 functions instead\n"
            "  --model NAME        the model to compile (default: the last model of FILE)\n"
            "  -O0 -O1 -O2 -O3     optimisation level (default -O2)\n"
            "  --emit-llvm FILE.ll write the optimised LLVM IR\n"
            "  --emit-obj FILE.o   write the object file\n"
            "  --target-cpu=CPU    the CPU the code is for: native (this machine's, the default,\n"
            "                      as 'dgc run' always), generic (any machine of this architecture),\n"
            "                      or an LLVM CPU name (x86-64-v3, skylake-avx512, znver3, ...;\n"
            "                      'clang --print-supported-cpus' lists them); 'EXE info' shows it\n"
            "  --time              print the compile time of each stage\n"
            "\n"
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
    double t_start;         /* for --time */
    /* back end */
    bool run;               /* dgc run: JIT and call dgrt_main */
    const char *output;     /* -o */
    const char *emit_llvm, *emit_obj;
    int opt_level;
    const char *target_cpu; /* --target-cpu (NULL: native) */
    bool time;
    bool shared;            /* --shared: -o writes a shared library */
    int run_argc;           /* dgc run: the model's arguments (after FILE.dg or '--') */
    char **run_argv;
} Options;

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "dgc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'dgc --help' for usage)\n");
    return EXIT_USAGE;
}

/* Every option as written, for "did you mean" on a misspelt one. */
static const char *const known_options[] = {
    "--dump-ast", "--dump-checked", "--dump-ir", "--dump-adjoint", "--summary", "--model", "-I", "-o",
    "--emit-llvm", "--emit-obj", "-O0", "-O1", "-O2", "-O3", "--target-cpu", "--time", "--shared",
    "--color=auto", "--color=always", "--color=never", "--version", "--help",
};

static const char *closest_option(const char *name) {
    Suggest sg;
    suggest_init(&sg, name);
    for (size_t i = 0; i < sizeof known_options / sizeof known_options[0]; i++) suggest_offer(&sg, known_options[i]);
    return suggest_best(&sg);
}

static int unknown_option(const char *a) {
    if (a[1] == 'O') return usage_error("unknown option '%s' (optimisation levels are -O0, -O1, -O2, -O3)", a);
    /* as written (--colr=never), then without its value (--target-cpux=znver3 -> --target-cpux) */
    char name[128];
    snprintf(name, sizeof name, "%s", a);
    name[strcspn(name, "=")] = 0;
    const char *near = closest_option(a);
    if (!near) near = closest_option(name);
    if (!near) return usage_error("unknown option '%s'", a);
    fprintf(stderr, "dgc: unknown option '%s'; did you mean '%s'?\n(run 'dgc --help' for usage)\n", a, near);
    return EXIT_USAGE;
}

/* `dgc chek m.dg`: a misspelt command word is not a file name. */
static bool misspelt_command(const char *a) {
    if (strchr(a, '.') || strchr(a, '/') || access(a, F_OK) == 0) return false;
    Suggest sg;
    suggest_init(&sg, a);
    suggest_offer(&sg, "check");
    suggest_offer(&sg, "run");
    if (!suggest_best(&sg)) return false;
    fprintf(stderr, "dgc: unknown command '%s'; did you mean '%s'?\n(run 'dgc --help' for usage)\n", a,
            suggest_best(&sg));
    return true;
}

/* dgc's options that may come between FILE.dg and the model's command in `dgc run` */
static bool run_build_option(const char *a) {
    return !strcmp(a, "--model") || !strcmp(a, "--time") || !strcmp(a, "-I") || !strncmp(a, "-I", 2) ||
           !strncmp(a, "--target-cpu", 12) || (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]);
}

static int parse_args(int argc, char **argv, Options *o) {
    o->color = -1;
    o->opt_level = 2;
    o->files = calloc((size_t)argc, sizeof(char *));
    o->includes = calloc((size_t)argc, sizeof(char *));
    if (!o->files || !o->includes) return usage_error("%s", "out of memory");
    int i = 1;
    int end = argc;   /* dgc run: options end at '--', else the model's arguments follow FILE.dg */
    if (i < argc && !strcmp(argv[i], "check")) i++;
    else if (i < argc && !strcmp(argv[i], "run")) {
        o->run = true;
        i++;
        for (int k = i; k < argc; k++)
            if (!strcmp(argv[k], "--")) {
                end = k;
                o->run_argc = argc - k - 1;
                o->run_argv = argv + k + 1;
                break;
            }
    }
    for (; i < end; i++) {
        const char *a = argv[i];
        if (o->run && end == argc && o->nfiles == 1 && !run_build_option(a)) {
            /* no '--': the model's command line starts at the first word after FILE.dg that is
             * not one of dgc's build options (`dgc run m.dg --model b simulate ...`) */
            o->run_argc = argc - i;
            o->run_argv = argv + i;
            break;
        }
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
        else if (!strcmp(a, "-o")) {
            if (++i >= end) return usage_error("%s needs a file name", a);
            o->output = argv[i];
        } else if (!strcmp(a, "--emit-llvm") || !strcmp(a, "--emit-obj")) {
            if (++i >= end) return usage_error("%s needs a file name", a);
            *(a[7] == 'l' ? &o->emit_llvm : &o->emit_obj) = argv[i];
        } else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) o->opt_level = a[2] - '0';
        else if (!strncmp(a, "--target-cpu=", 13)) o->target_cpu = a + 13;
        else if (!strcmp(a, "--target-cpu")) {
            if (++i >= end) return usage_error("%s needs a CPU name", a);
            o->target_cpu = argv[i];
        }
        else if (!strcmp(a, "--time")) o->time = true;
        else if (!strcmp(a, "--shared")) o->shared = true;
        else if (!strcmp(a, "--color=never")) o->color = 0;
        else if (!strcmp(a, "--color=always")) o->color = 1;
        else if (!strcmp(a, "--color=auto")) o->color = -1;
        else if (a[0] == '-' && a[1]) return unknown_option(a);
        else if (i == 1 && misspelt_command(a)) return EXIT_USAGE;
        else o->files[o->nfiles++] = a;
    }
    if (o->nfiles == 0) return usage_error("%s", "no input file");
    if ((o->run || o->output || o->emit_llvm || o->emit_obj) && o->nfiles > 1)
        return usage_error("%s", "compiling takes one file");
    if (o->run && o->output) return usage_error("%s", "'dgc run' takes no -o");
    if (o->shared && (o->run || !o->output)) return usage_error("%s", "--shared needs -o LIB.so (and no 'run')");
    if (o->target_cpu && !*o->target_cpu) return usage_error("%s", "--target-cpu needs a CPU name");
    if (o->run && o->target_cpu && strcmp(o->target_cpu, TARGET_CPU_NATIVE))
        return usage_error("'dgc run' compiles for this machine; --target-cpu=%s is for -o and --emit-obj",
                           o->target_cpu);
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

/* ---- Back end: executables (-o) and dgc run ----------------------------------------- */

static void print_times(const char *what, double front, const CgTimes *t) {
    fprintf(stderr, "dgc: time (%s): front end %.1f ms, codegen %.1f ms, optimise %.1f ms, machine code %.1f ms "
            "(%d module%s), total %.1f ms\n", what, 1e3 * front, 1e3 * t->codegen, 1e3 * t->optimize,
            1e3 * t->machine_code, t->modules, t->modules == 1 ? "" : "s",
            1e3 * (front + t->codegen + t->optimize + t->machine_code));
}

/* Compiles the chosen model of a checked program: to files and an
 * executable, or in memory and runs it (dgc run). */
static int compile_model(const Options *o, Program *p, Diag *d, const char *path) {
    CheckedModel *m = NULL;
    for (int i = p->nmodels - p->nroot_models; i < p->nmodels; i++)
        if (!o->model || !strcmp(o->model, p->models[i]->name)) m = p->models[i];   /* default: the last */
    if (!m) {
        if (o->model) fprintf(stderr, "dgc: %s has no model '%s'\n", path, o->model);
        else fprintf(stderr, "dgc: %s defines no model\n", path);
        return EXIT_USAGE;
    }
    IrModel *ir = lower_model(&p->arena, p, m);
    if (!ir) return EXIT_PROGRAM;
    double front = cg_now() - o->t_start;
    CgOptions co = {.opt_level = o->opt_level, .target_cpu = o->target_cpu, .emit_llvm = o->emit_llvm,
                    .emit_obj = o->emit_obj};
    CgTimes times = {0};

    if (o->run) {
        DgJit *jit = NULL;
        const DgModel *dm = NULL;
        CgStatus st = jit_compile(ir, &p->arena, d, &co, &jit, &dm, &times, stderr);
        if (st != CG_OK) return (int)st;
        if (o->time) print_times("jit, before the run", front, &times);
        char **argv = calloc((size_t)o->run_argc + 2, sizeof(char *));
        if (!argv) return EXIT_IO;
        argv[0] = (char *)ir->name;
        for (int i = 0; i < o->run_argc; i++) argv[i + 1] = o->run_argv[i];
        fflush(stdout);
        int rc = dgrt_main(dm, o->run_argc + 1, argv);
        fflush(stdout);
        if (o->time) {   /* kernels are compiled at their first call */
            jit_times(jit, &times);
            print_times("jit, with the kernels the run called", front, &times);
        }
        free(argv);
        jit_dispose(jit);
        return rc;
    }

    /* ahead of time: the object goes to --emit-obj or a temporary file */
    char tmp[4096] = "";
    if (o->output && !o->emit_obj) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/dgc-XXXXXX.o", dir && *dir ? dir : "/tmp");
        int fd = mkstemps(tmp, 2);
        if (fd < 0) {
            fprintf(stderr, "dgc: cannot create a temporary object file in %s\n", dir && *dir ? dir : "/tmp");
            return EXIT_IO;
        }
        close(fd);
        co.emit_obj = tmp;
    }
    CgStatus st = cg_compile_aot(ir, &p->arena, d, &co, &times, stderr);
    int rc = (int)st;
    if (o->time) print_times("aot", front, &times);
    if (st == CG_OK && o->output) {
        double t0 = cg_now();
        bool linked = o->shared ? link_shared_library(co.emit_obj, o->output, stderr)
                                : link_executable(co.emit_obj, o->output, stderr);
        if (!linked) rc = EXIT_IO;
        if (o->time) fprintf(stderr, "dgc: time: link %.1f ms\n", 1e3 * (cg_now() - t0));
    }
    if (tmp[0]) remove(tmp);
    return rc;
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
    if (o->run || o->output || o->emit_llvm || o->emit_obj) {
        rc = compile_model(o, &p, &d, path);
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

/* A CPU name LLVM does not know is a usage error, found before any work. */
static int check_target_cpu(const Options *o) {
    if (!o->target_cpu || target_cpu_known(o->target_cpu, o->opt_level, stderr)) return EXIT_OK;
    char *triple = LLVMGetDefaultTargetTriple();
    fprintf(stderr,
            "dgc: unknown CPU '%s' in --target-cpu\n"
            "dgc: use native (this machine's CPU, the default), generic (any machine of this architecture)\n"
            "     or a CPU name LLVM %d knows, e.g. x86-64-v2, x86-64-v3, skylake-avx512, znver3; these list them:\n"
            "       llc -mtriple=%s -mcpu=help\n"
            "       clang --print-supported-cpus\n",
            o->target_cpu, LLVM_VERSION_MAJOR, triple);
    LLVMDisposeMessage(triple);
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
    Options o = {0};
    o.t_start = cg_now();
    int rc = parse_args(argc, argv, &o);
    if (rc == EXIT_OK) rc = check_target_cpu(&o);
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
