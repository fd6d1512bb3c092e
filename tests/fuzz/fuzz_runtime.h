/* fuzz_runtime.h — what the reader harnesses (fuzz_<reader>.c) share: a
 * private scratch directory (created once per process, removed at exit),
 * writing the fuzz input to a file in it (the readers take paths), and a
 * small model description for the readers that need one (no kernels: none
 * of the readers runs a model). Only crashes, sanitizer reports, leaks and
 * timeouts count; a reader's error is an ordinary outcome. */
#ifndef DG_FUZZ_RUNTIME_H
#define DG_FUZZ_RUNTIME_H

#include <ftw.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dgrt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// ---- Scratch files ---------------------------------------------------------------------------

static char fuzz_dir_[512];

static int fuzz_rm_(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}
static void fuzz_cleanup_(void) {
    if (fuzz_dir_[0]) nftw(fuzz_dir_, fuzz_rm_, 16, FTW_DEPTH | FTW_PHYS);
}

/* The scratch directory ($TMPDIR or /tmp, dgc-fuzz- and six characters mkdtemp picks). */
static inline const char *fuzz_dir(void) {
    if (!fuzz_dir_[0]) {
        const char *t = getenv("TMPDIR");
        int n = snprintf(fuzz_dir_, sizeof fuzz_dir_ - 7, "%s/dgc-fuzz-", t && t[0] ? t : "/tmp");
        if (n < 0 || (size_t)n >= sizeof fuzz_dir_ - 7) n = (int)strlen(fuzz_dir_);
        memset(fuzz_dir_ + n, 'X', 6);   /* the characters mkdtemp replaces */
        fuzz_dir_[n + 6] = 0;
        if (!mkdtemp(fuzz_dir_)) {
            perror(fuzz_dir_);
            abort();
        }
        atexit(fuzz_cleanup_);
    }
    return fuzz_dir_;
}

/* dir/rel into out; the directories on the way are created. */
static inline const char *fuzz_path(char *out, size_t size, const char *rel) {
    snprintf(out, size, "%s/%s", fuzz_dir(), rel);
    for (char *p = out + strlen(fuzz_dir()) + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(out, 0777);
            *p = '/';
        }
    return out;
}

/* Writes size bytes to dir/rel (exactly: no NUL added); returns the path in out. */
static inline const char *fuzz_write(char *out, size_t size, const char *rel, const void *data, size_t n) {
    fuzz_path(out, size, rel);
    FILE *f = fopen(out, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(out);
        abort();
    }
    return out;
}

static inline const char *fuzz_write_text(char *out, size_t size, const char *rel, const char *text) {
    return fuzz_write(out, size, rel, text, strlen(text));
}

/* The input as a C string (what command-line arguments and in-memory text are). Caller frees. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/* With DGC_FUZZ_VERBOSE set, each reader's outcome on stderr (to see which
 * seeds get how far when editing a corpus); silent otherwise. Returns rc. */
static inline int fuzz_outcome(const char *what, int rc, const DgrtErr *err) {
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("DGC_FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "%s: %s%s\n", what, rc ? "error: " : "ok", rc ? err->msg : "");
    return rc;
}

// ---- A model description for the readers ----------------------------------------------------------

/* The basin every harness reads (a real CAMELS id: the seeds are excerpts of its files). */
#define FUZZ_BASIN "01022500"

static const DgNameInfo fuzz_inputs_[4] = {{"P", "mm/d"}, {"T", "degC"}, {"PET", "mm/d"}, {"DOY", "-"}};
static const DgParamInfo fuzz_params_[4] = {
    {"k", "1/d", 0.05, 0.9, 0.2, DG_PARAM_LEARNED, 0},
    {"f", "-", 0.0, 1.0, NAN, DG_PARAM_LEARNED, 0},
    {"scale", "-", NAN, NAN, 20, DG_PARAM_FIXED, 0},
    {"route_a", "-", 0.0, 2.0, 0.5, DG_PARAM_LEARNED, 1},
};
static const DgNameInfo fuzz_states_[1] = {{"S", "mm"}};
static const DgOutputInfo fuzz_outputs_[1] = {{"Q", "mm/d", -1, 0}};
static const int32_t fuzz_forcings_[2] = {0, 1};
static const char *const fuzz_attrs_[2] = {"area_gages2", "p_mean"};

/* Inputs P, T, PET and the derived DOY; parameters with and without bounds
 * and defaults, one basin-level; 3 in-equation network weights; an MLP from
 * P, T and the attributes area_gages2 and p_mean. */
static inline DgModel fuzz_model(void) {
    DgModel m;
    memset(&m, 0, sizeof m);
    m.abi_version = DG_ABI_VERSION;
    m.name = "fuzz";
    m.doc = "";
    m.nparams = 4;
    m.ninputs = 4;
    m.nstates = m.nuser_states = 1;
    m.noutputs = 1;
    m.components = 2;
    m.nnetw = 3;
    m.params = fuzz_params_;
    m.inputs = fuzz_inputs_;
    m.states = fuzz_states_;
    m.outputs = fuzz_outputs_;
    m.learn = (DgLearnInfo){DG_LEARN_MLP, 4, 1, 0.0, 2, fuzz_forcings_, 2, fuzz_attrs_};
    return m;
}

#endif
