/* link.c — object file + runtime -> executable, with the system C compiler
 * as the linker driver (after Jou's output.c): it knows the C library, the
 * startup files and PIE defaults of this system. The runtime library (a
 * static archive, path fixed at build time: DGC_RUNTIME_LIB) brings main()
 * from runtime/main_aot.c, which calls dgrt_main(&dg_model, argc, argv).
 * A shared library (dgc --shared) links the object with the model library
 * instead (DGC_API_LIB: runtime/dgc_model_api.h and the BMI functions).
 *   $DGC_CC overrides the compiler (default: cc).
 *   $DGC_RUNTIME_LIB overrides the runtime archive (for installed copies).
 *   $DGC_API_LIB overrides the model library archive. */
#include "codegen.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#ifndef DGC_RUNTIME_LIB
#define DGC_RUNTIME_LIB "libdgrt.a"
#endif
#ifndef DGC_RUNTIME_LDFLAGS   /* what the runtime itself links with, space-separated */
#define DGC_RUNTIME_LDFLAGS "-lm"
#endif

#ifndef DGC_API_LIB
#define DGC_API_LIB "libdgcapi.a"
#endif
#ifndef DGC_API_LDFLAGS
#define DGC_API_LDFLAGS "-lm"
#endif

extern char **environ;

/* cc [shared flags] -o out object [main object] lib ldflags */
static bool run_linker(const char *object, const char *out, const char *lib, const char *ldflags, bool shared,
                       FILE *err) {
    const char *cc = getenv("DGC_CC");
    if (!cc || !*cc) cc = "cc";

    char *flags = strdup(ldflags);
    size_t nflags = 1;
    for (const char *s = flags; *s; s++) nflags += *s == ' ';
    const char **argv = calloc(nflags + 12, sizeof(char *));
    if (!flags || !argv) {
        fprintf(err, "dgc: out of memory\n");
        free(flags);
        free(argv);
        return false;
    }
    size_t n = 0;
    argv[n++] = cc;
    if (shared) {
        argv[n++] = "-shared";
        argv[n++] = "-Wl,-Bsymbolic";      /* the library's own symbols bind inside it (two models in one process) */
        argv[n++] = "-Wl,--no-undefined";  /* a missing symbol fails here, not at dlopen */
    }
    argv[n++] = "-o";
    argv[n++] = out;
    argv[n++] = object;
#ifdef DGC_RUNTIME_MAIN_OBJ   /* main() as its own object when the runtime archive lacks it */
    if (!shared) argv[n++] = DGC_RUNTIME_MAIN_OBJ;
#endif
    if (shared) argv[n++] = "-Wl,--whole-archive";   /* every API function, though the object calls none */
    argv[n++] = lib;
    if (shared) argv[n++] = "-Wl,--no-whole-archive";
    for (char *save = NULL, *f = strtok_r(flags, " ", &save); f; f = strtok_r(NULL, " ", &save)) argv[n++] = f;
    argv[n] = NULL;

    bool ok = false;
    pid_t pid;
    int rc = posix_spawnp(&pid, cc, NULL, NULL, (char *const *)argv, environ);
    if (rc != 0) {
        fprintf(err, "dgc: cannot run the linker '%s': %s\n", cc, strerror(rc));
    } else {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ok = true;
        else {
            fprintf(err, "dgc: linking '%s' failed:", out);
            for (size_t i = 0; i < n; i++) fprintf(err, " %s", argv[i]);
            fprintf(err, "\n");
        }
    }
    free(argv);
    free(flags);
    return ok;
}

bool link_executable(const char *object, const char *out, FILE *err) {
    const char *lib = getenv("DGC_RUNTIME_LIB");
    return run_linker(object, out, lib && *lib ? lib : DGC_RUNTIME_LIB, DGC_RUNTIME_LDFLAGS, false, err);
}

bool link_shared_library(const char *object, const char *out, FILE *err) {
    const char *lib = getenv("DGC_API_LIB");
    return run_linker(object, out, lib && *lib ? lib : DGC_API_LIB, DGC_API_LDFLAGS, true, err);
}
