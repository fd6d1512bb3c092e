/* check.h — runtime error reporting (fopenCheck/mallocCheck after llm.c's
 * utils.h): every error carries a hint and prints in the compiler's style,
 *     error: <what>
 *     note: <what to do>
 * Errors in user data put `file:line:col:` first in <what>. The runtime
 * source location that detected it is kept for us, not shown to users:
 * DGC_DEBUG=1 adds it as a last note. Recoverable errors
 * (bad data, bad options) are returned in a DgrtErr so the caller chooses the
 * exit code and tests can compare the text; only out-of-memory exits. */
#ifndef DGRT_CHECK_H
#define DGRT_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit codes of dgrt_main (grep ORDER DgrtExit: usage text in cli.c). */
enum {
    DGRT_EXIT_OK = 0,       /* success */
    DGRT_EXIT_FAIL = 1,     /* the check did not pass (gradcheck NOT OK) */
    DGRT_EXIT_USAGE = 2,    /* bad command line */
    DGRT_EXIT_DATA = 3,     /* data or I/O error (missing file, bad cell, ...) */
};

typedef struct {
    int         code;        /* 0 = no error, else DGRT_EXIT_* */
    char        msg[1024];   /* <what> */
    char        hint[512];   /* "" = no hint */
    const char *src_file;    /* runtime source that detected it (__FILE__) */
    int         src_line;
} DgrtErr;

/* "runtime/csv.c" from whatever path the compiler put in __FILE__. */
static inline const char *dgrt_src_path(const char *file) {
    const char *best = NULL;
    for (const char *p = strstr(file, "runtime/"); p; p = strstr(p + 1, "runtime/")) best = p;
    if (best) return best;
    const char *slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

__attribute__((format(printf, 6, 7)))
static inline int dgrt_err_set_(DgrtErr *e, int code, const char *file, int line, const char *hint,
                                const char *fmt, ...) {
    e->code = code;
    e->src_file = file;
    e->src_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    snprintf(e->hint, sizeof e->hint, "%s", hint ? hint : "");
    return code;
}

/* dgrt_fail(err, DGRT_EXIT_DATA, "hint or NULL", "fmt", ...) records an error
 * (with this source location) and returns the code, so `return dgrt_fail(...)`. */
#define dgrt_fail(err, code, hint, ...) dgrt_err_set_((err), (code), __FILE__, __LINE__, (hint), __VA_ARGS__)

/* Replace the hint of an error already recorded (callers know better what to suggest). */
__attribute__((format(printf, 2, 3)))
static inline void dgrt_err_hint(DgrtErr *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->hint, sizeof e->hint, fmt, ap);
    va_end(ap);
}

static inline void dgrt_err_print(const DgrtErr *e, FILE *f) {
    fflush(stdout);   /* normal output first, then the error (Jou fail.c) */
    fprintf(f, "error: %s\n", e->msg);
    if (e->hint[0]) fprintf(f, "note: %s\n", e->hint);
    if (getenv("DGC_DEBUG")) fprintf(f, "note: raised at %s:%d\n", dgrt_src_path(e->src_file ? e->src_file : "?"), e->src_line);
}

/* A usage error: the error, its hint, and where the options are (one line,
 * not the whole usage text). prog may be a path: its last part is shown. */
static inline void dgrt_err_print_usage(const DgrtErr *e, const char *prog, FILE *f) {
    const char *slash = prog ? strrchr(prog, '/') : NULL;
    dgrt_err_print(e, f);
    fprintf(f, "note: '%s --help' lists the commands and options\n", slash ? slash + 1 : prog ? prog : "MODEL");
}

/* What to change when memory runs out ("" = the general hint): set by the
 * job that sizes the arrays (the trainer: batch, warmup, rho), check.c. */
extern char dgrt_oom_note[256];

/* Out of memory is not recoverable: print and exit (llm.c mallocCheck). */
static inline void dgrt_oom_(size_t n, const char *file, int line) {
    DgrtErr e;
    dgrt_err_set_(&e, DGRT_EXIT_DATA, file, line,
                  dgrt_oom_note[0] ? dgrt_oom_note : "the run needs less memory with fewer steps (--period) or cells",
                  "out of memory allocating %zu bytes", n);
    dgrt_err_print(&e, stderr);
    exit(DGRT_EXIT_DATA);
}
static inline void *dgrt_malloc_check_(size_t n, const char *file, int line) {
    void *p = malloc(n ? n : 1);
    if (!p) dgrt_oom_(n, file, line);
    return p;
}
static inline void *dgrt_calloc_check_(size_t n, size_t size, const char *file, int line) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) dgrt_oom_(n * size, file, line);
    return p;
}
static inline void *dgrt_realloc_check_(void *old, size_t n, const char *file, int line) {
    void *p = realloc(old, n ? n : 1);
    if (!p) dgrt_oom_(n, file, line);
    return p;
}
#define mallocCheck(n) dgrt_malloc_check_((n), __FILE__, __LINE__)
#define callocCheck(n, size) dgrt_calloc_check_((n), (size), __FILE__, __LINE__)
#define reallocCheck(p, n) dgrt_realloc_check_((p), (n), __FILE__, __LINE__)

/* Opens a file for reading only if it is a regular file: a plain fopen of a
 * FIFO waits for a writer that may never come, so the file is opened
 * non-blocking, checked with fstat before any read, then switched back to
 * blocking. NULL with errno set; *kind (if the file exists but is no regular
 * file) says what it is instead, else NULL. MODE is "r" or "rb". */
static inline FILE *dgrt_fopen_regular(const char *path, const char *mode, const char **kind) {
    *kind = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    int flags = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) != 0 || flags < 0) { int e = errno; close(fd); errno = e; return NULL; }
    if (!S_ISREG(st.st_mode)) {
        *kind = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a named pipe (FIFO)"
              : S_ISSOCK(st.st_mode) ? "a socket" : "a device";
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    FILE *f = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 ? fdopen(fd, mode) : NULL;
    if (!f) { int e = errno; close(fd); errno = e; }
    return f;
}

/* fopenCheck: NULL and an error naming the file and errno's text (reading:
 * only regular files, see dgrt_fopen_regular). */
#define fopenCheck(path, mode, err) dgrt_fopen_check_((path), (mode), (err), __FILE__, __LINE__)
static inline FILE *dgrt_fopen_check_(const char *path, const char *mode, DgrtErr *err, const char *file, int line) {
    if (mode[0] == 'r') {
        const char *kind;
        FILE *f = dgrt_fopen_regular(path, mode, &kind);
        if (!f && kind)
            dgrt_err_set_(err, DGRT_EXIT_DATA, file, line, "give the path of a regular file",
                          "'%s' is not a regular file: it is %s", path, kind);
        else if (!f)
            dgrt_err_set_(err, DGRT_EXIT_DATA, file, line, "check the path (relative paths start at the current directory)",
                          "cannot open '%s' for reading: %s", path, strerror(errno));
        return f;
    }
    FILE *f = fopen(path, mode);
    if (!f)
        dgrt_err_set_(err, DGRT_EXIT_DATA, file, line, "check that the directory exists and is writable",
                      "cannot open '%s' for writing: %s", path, strerror(errno));
    return f;
}

#endif
