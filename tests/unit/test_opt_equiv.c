/* test_opt_equiv.c — the optimised kernels (-O2: vectorised loops, glibc
 * libmvec exp/log/pow, SLEEF tanh/log1p/lgamma/tan/asin/acos/atan, host CPU)
 * against the unoptimised ones (-O0, scalar libm) of the same model, through
 * the same JIT (CgOptions.opt_level), for stdlib/models/hbv.dg,
 * examples/dhbv/dhbv.dg (16 components, dynamic parameters) and
 * tests/gradcheck/vector_math.dg (every function with a vector variant,
 * smooth: no threshold that one ulp could flip). Each is run over NBASINS basins x its components for NSTEPS
 * steps of synthetic forcing, parameters at random points inside their
 * bounds (fixed seed), in both precisions:
 *   init, run_fwd (outputs, tape, final states), run_rev + init_rev
 *   (d params, d initial states, d dynamic parameters, d network weights).
 *   f64: equal to 1e-12 relative (libmvec and SLEEF's u10 functions are a
 *        few ulp from scalar libm).
 *   f32: equal to 1e-4 relative to the largest magnitude of the series.
 * The -O2 module of vector_math must call the vector variant of every SLEEF
 * function (vecmath.c) in both precisions, so vector lanes are what is
 * compared. (The first compilation of a process sets LLVM's options,
 * target.c: here it is -O0, so exp/log/pow are not mapped to libmvec.)
 * Every comparison prints its largest difference (DG_VERBOSE=1). Guards the
 * speed work of bench/ (bench/README.md): a faster kernel must compute the
 * same numbers. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kernel_inputs.h"
#include "codegen.h"
#include "frontend.h"

#ifndef DG_SOURCE_DIR
#error "DG_SOURCE_DIR (the source tree) must be defined by the build"
#endif

enum { NBASINS = 20, NSTEPS = 200 };   /* hbv: 20 cells, dhbv: 320 (vector loops and their remainders) */
static const double TOL64 = 1e-12, TOL32 = 1e-4;
static bool verbose;



/* |got - want| <= tol * max(|want|, floor), floor = 1 (f32) or 1e-6 (f64)
 * times the largest |want| of the series; reports the worst case. */
static void compare(const char *model, const char *what, const double *got, const double *want, size_t n, double tol,
                    bool f32) {
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(want[i]) && fabs(want[i]) > scale) scale = fabs(want[i]);
    double floor = (f32 ? 1.0 : 1e-6) * scale;
    if (floor == 0) floor = 1e-300;
    double worst = 0;
    size_t bad = 0, worst_i = 0, identical = 0, nonfinite = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(want[i])) nonfinite++;
        if (got[i] == want[i]) {
            identical++;
            continue;
        }
        double e = fabs(got[i] - want[i]) / fmax(fabs(want[i]), floor);
        if (!(e <= tol)) bad++;
        if (!(e <= worst)) {
            worst = isnan(e) ? INFINITY : e;
            worst_i = i;
        }
    }
    check_count++;
    if (bad || nonfinite) {
        check_failures++;
        fprintf(stderr, "FAIL %s %s: %zu of %zu differ beyond %g, %zu not finite (worst %.3g at %zu: -O2 %.17g, -O0 "
                        "%.17g)\n", model, what, bad, n, tol, nonfinite, worst, worst_i, got[worst_i], want[worst_i]);
    } else if (verbose) {
        printf("  ok %-22s n=%-7zu identical=%-7zu max rel diff %.3g\n", what, n, identical, worst);
    }
}

typedef struct {
    const IrModel *m;
    int nc, K;
    double *params, *dyn, *forcing, *netw, *dout;   /* [np][nc], [T][np][nc] or NULL, [T][ni][nb], [nnetw], [T][no][nc] */
} Case;

typedef struct {
    double *out, *tape, *final, *dparams, *dstate0, *ddyn, *dnetw;
} Results;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void results_free(Results *r) {
    free(r->out), free(r->tape), free(r->final), free(r->dparams), free(r->dstate0), free(r->ddyn), free(r->dnetw);
}

static void *in_buf(const double *src, size_t n, int prec) {
    if (prec == DG_F64) return memcpy(dalloc(n), src, n * sizeof(double));
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) abort();
    for (size_t i = 0; i < n; i++) p[i] = (float)src[i];
    return p;
}
static void *zero_buf(size_t n, int prec) {
    void *p = calloc(n ? n : 1, prec == DG_F32 ? sizeof(float) : sizeof(double));
    if (!p) abort();
    return p;
}
static double *out_buf(const void *buf, size_t n, int prec) {
    double *d = dalloc(n);
    for (size_t i = 0; i < n; i++) d[i] = prec == DG_F32 ? ((const float *)buf)[i] : ((const double *)buf)[i];
    return d;
}

/* init, run_fwd (tape), run_rev, init_rev of one compiled model in precision prec */
static void run_chain(const Case *k, const DgModel *dm, int prec, Results *r) {
    const IrModel *m = k->m;
    size_t nc = (size_t)k->nc, np = (size_t)m->nparams, ns = (size_t)m->nstates, no = (size_t)m->noutputs;
    size_t nw = (size_t)m->nnetw, ni = (size_t)m->ninputs, T = NSTEPS, nb = NBASINS;
    size_t n_params = np * nc, n_states = ns * nc, n_out = T * no * nc, n_tape = T * ns * nc, n_dyn = T * np * nc;
    void *params = in_buf(k->params, n_params, prec), *forcing = in_buf(k->forcing, T * ni * nb, prec);
    void *netw = in_buf(k->netw, nw, prec), *dout = in_buf(k->dout, n_out, prec);
    void *dyn = k->dyn ? in_buf(k->dyn, n_dyn, prec) : NULL, *ddyn = k->dyn ? zero_buf(n_dyn, prec) : NULL;
    void *states = zero_buf(n_states, prec), *tape = zero_buf(n_tape, prec), *out = zero_buf(n_out, prec);
    void *dparams = zero_buf(n_params, prec), *dstates = zero_buf(n_states, prec), *dnetw = zero_buf(nw, prec);

    DgRun run = {.ncells = k->nc, .ncomp = k->K, .nsteps = 1, .params = params, .dyn_params = dyn,
                 .states = states, .netw = nw ? netw : NULL};
    dm->init[prec](&run);
    run.nsteps = NSTEPS;
    run.forcing = forcing;
    run.out = out;
    run.tape = tape;
    dm->run_fwd[prec](&run);
    r->final = out_buf(states, n_states, prec);
    r->out = out_buf(out, n_out, prec);
    r->tape = out_buf(tape, n_tape, prec);
    run.dout = dout;
    run.dparams = dparams;
    run.ddyn_params = ddyn;
    run.dstates = dstates;   /* d final states = 0 */
    run.dnetw = nw ? dnetw : NULL;
    dm->run_rev[prec](&run);
    r->dstate0 = out_buf(dstates, n_states, prec);
    run.nsteps = 1;
    dm->init_rev[prec](&run);
    r->dparams = out_buf(dparams, n_params, prec);
    r->dnetw = out_buf(dnetw, nw, prec);
    r->ddyn = ddyn ? out_buf(ddyn, n_dyn, prec) : NULL;
    void *bufs[] = {params, forcing, netw, dout, dyn, ddyn, states, tape, out, dparams, dstates, dnetw};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
}

static void compare_results(const Case *k, const char *name, const char *tag, const Results *got,
                            const Results *want, double tol, bool f32) {
    const IrModel *m = k->m;
    size_t nc = (size_t)k->nc, np = (size_t)m->nparams, ns = (size_t)m->nstates, no = (size_t)m->noutputs;
    size_t T = NSTEPS;
    char what[64];
#define CMP(field, n)                                                        \
    do {                                                                     \
        snprintf(what, sizeof what, "%s %s", tag, #field);                   \
        compare(name, what, got->field, want->field, (n), tol, f32);         \
    } while (0)
    CMP(out, T * no * nc);
    CMP(tape, T * ns * nc);
    CMP(final, ns * nc);
    CMP(dparams, np * nc);
    CMP(dstate0, ns * nc);
    if (k->dyn) CMP(ddyn, T * np * nc);
    CMP(dnetw, (size_t)m->nnetw);
#undef CMP
}

/* ---- Vector math calls in the optimised module ----------------------------------------- */

static const char *const sleef_fns[] = {"tanh", "log1p", "lgamma", "tan", "asin", "acos", "atan"};
enum { NSLEEF = sizeof sleef_fns / sizeof sleef_fns[0] };
static const char *const sleef_fns_all[] = {"tanh", "log1p", "lgamma", "tan", "asin", "acos", "atan", NULL};

/* found[f][prec]: the LLVM IR file at path calls a vector variant of
 * sleef_fns[f], "call <4 x double> @Sleef_tanhd4_u10(", in precision prec;
 * *nmvec counts its calls of libmvec's (_ZGV...) */
static void scan_vector_calls(const char *path, bool found[NSLEEF][2], int *nmvec) {
    memset(found, 0, sizeof(bool) * NSLEEF * 2);
    *nmvec = 0;
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, " call <")) continue;
        *nmvec += strstr(line, "@_ZGV") != NULL;
        const char *s = strstr(line, "@Sleef_");
        if (!s) continue;
        s += 7;
        for (int i = 0; i < NSLEEF; i++) {
            size_t n = strlen(sleef_fns[i]);   /* "tan" must not match "tanhd4" */
            if (!strncmp(s, sleef_fns[i], n) && (s[n] == 'd' || s[n] == 'f') && s[n + 1] >= '1' && s[n + 1] <= '9')
                found[i][s[n] == 'd' ? DG_F64 : DG_F32] = true;
        }
    }
    fclose(f);
}

static const DgModel *compile(const IrModel *m, Arena *a, Diag *d, int opt_level, DgJit **jit, const char *ll) {
    CgOptions o = {.opt_level = opt_level, .jit_eager = true, .emit_llvm = ll};
    CgTimes times;
    const DgModel *dm = NULL;
    CgStatus st = jit_compile(m, a, d, &o, jit, &dm, &times, stderr);
    CHECK(st == CG_OK && dm != NULL);
    return st == CG_OK ? dm : NULL;
}

/* want_vector: the SLEEF functions (sleef_fns names) whose vector variants
 * the -O2 module must call in both precisions; NULL-terminated */
static void test_model(const IrModel *m, Arena *a, Diag *d, const char *file, const char *const *want_vector) {
    char name[256];
    snprintf(name, sizeof name, "%s:%s", file, m->name);
    char ll[64];
    int n = snprintf(ll, sizeof ll, "/tmp/test_opt_equiv-");
    memset(ll + n, 'X', 6);   /* the characters mkstemps replaces, then the suffix it keeps */
    snprintf(ll + n + 6, sizeof ll - (size_t)n - 6, ".ll");
    int fd = mkstemps(ll, 3);
    CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    DgJit *jit0 = NULL, *jit2 = NULL;
    const DgModel *dm0 = compile(m, a, d, 0, &jit0, NULL), *dm2 = compile(m, a, d, 2, &jit2, ll);
    bool found[NSLEEF][2];
    int nmvec;
    scan_vector_calls(ll, found, &nmvec);
    remove(ll);
    printf("%s: -O2 vector math calls: %d libmvec", name, nmvec);
    for (int i = 0; i < NSLEEF; i++)
        if (found[i][DG_F32] || found[i][DG_F64])
            printf(", %s (%s%s%s)", sleef_fns[i], found[i][DG_F32] ? "f32" : "", found[i][DG_F32] && found[i][DG_F64] ? " " : "",
                   found[i][DG_F64] ? "f64" : "");
    printf("\n");
    for (const char *const *w = want_vector; w && *w; w++)
        for (int i = 0; i < NSLEEF; i++)
            if (!strcmp(*w, sleef_fns[i]) && !(found[i][DG_F32] && found[i][DG_F64])) {
                check_failures++;
                fprintf(stderr, "FAIL %s: the -O2 kernels call no vector %s in %s\n", name, *w,
                        found[i][DG_F32] ? "f64" : found[i][DG_F64] ? "f32" : "f32 or f64");
            }
    check_count++;
    if (!dm0 || !dm2) return;

    rng_state = 20261121;
    Case k = {.m = m, .K = m->components, .nc = NBASINS * m->components};
    size_t nc = (size_t)k.nc, np = (size_t)m->nparams, T = NSTEPS;
    k.params = dalloc(np * nc);
    for (size_t c = 0; c < nc; c++)
        for (size_t p = 0; p < np; p++) k.params[p * nc + c] = param_value(&m->params[p]);
    bool has_dyn = false;
    for (int p = 0; p < m->nparams; p++) has_dyn |= m->params[p].mark == DG_PARAM_DYNAMIC;
    if (has_dyn) {   /* time-varying values of the dynamic parameters, as δHBV's LSTM gives them */
        k.dyn = dalloc(T * np * nc);
        for (size_t t = 0; t < T; t++)
            for (size_t p = 0; p < np; p++)
                for (size_t c = 0; c < nc; c++) {
                    const IrParam *q = &m->params[p];
                    double v = k.params[p * nc + c];
                    if (q->mark == DG_PARAM_DYNAMIC && q->has_bounds)
                        v = fl(q->lo + (0.5 + 0.45 * sin(0.3 * (double)t + (double)c)) * (q->hi - q->lo));
                    k.dyn[(t * np + p) * nc + c] = v;
                }
    }
    k.forcing = dalloc(T * (size_t)m->ninputs * NBASINS);
    for (size_t t = 0; t < T; t++)
        for (int i = 0; i < m->ninputs; i++)
            for (size_t b = 0; b < NBASINS; b++)
                k.forcing[(t * (size_t)m->ninputs + (size_t)i) * NBASINS + b] = forcing_value(m->inputs[i].name, (int)t);
    k.netw = dalloc((size_t)m->nnetw);
    for (int w = 0; w < m->nnetw; w++) k.netw[w] = fl(0.6 * (urand() - 0.5));
    k.dout = dalloc(T * (size_t)m->noutputs * nc);
    for (size_t i = 0; i < T * (size_t)m->noutputs * nc; i++) k.dout[i] = fl(urand() - 0.5);
    printf("%s: %d params (%s), %d states, %d outputs, %zu cells x %d steps\n", name, m->nparams,
           has_dyn ? "some dynamic" : "static", m->nstates, m->noutputs, nc, NSTEPS);

    for (int prec = DG_F32;; prec = DG_F64) {
        bool f32 = prec == DG_F32;
        Results r0 = {0}, r2 = {0};
        double t0 = now();
        run_chain(&k, dm0, prec, &r0);
        double t1 = now();
        run_chain(&k, dm2, prec, &r2);
        double t2 = now();
        /* not asserted (tests never assert wall time): shows that the two paths are different code */
        printf("  %s: -O0 %.1f ms, -O2 %.1f ms (fwd + adjoint chain)\n", f32 ? "f32" : "f64", 1e3 * (t1 - t0),
               1e3 * (t2 - t1));
        compare_results(&k, name, f32 ? "f32 -O2 vs -O0" : "f64 -O2 vs -O0", &r2, &r0, f32 ? TOL32 : TOL64, f32);
        results_free(&r0);
        results_free(&r2);
        if (prec == DG_F64) break;
    }
    free(k.params), free(k.dyn), free(k.forcing), free(k.netw), free(k.dout);
    jit_dispose(jit0);
    jit_dispose(jit2);
}

static void test_file(const char *rel, const char *const *want_vector) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", DG_SOURCE_DIR, rel);
    Program p;
    program_init(&p);
    Diag d;
    diag_init(&d, &p.sources, stderr, false);
    program_set_diag(&p, &d);
    program_add_search_dir(&p, DGC_STDLIB_DIR);
    LoadedFile *root = program_load(&p, path);
    CHECK(root != NULL);
    if (root && diag_error_count(&d) == 0) sema_check_program(&p);
    CHECK(diag_error_count(&d) == 0);
    CHECK(p.nroot_models >= 1);
    if (root && diag_error_count(&d) == 0) {
        for (int i = p.nmodels - p.nroot_models; i < p.nmodels; i++) {
            IrModel *ir = lower_model(&p.arena, &p, p.models[i]);
            CHECK(ir != NULL);
            if (ir) test_model(ir, &p.arena, &d, rel, want_vector);
        }
    }
    program_free(&p);
}

int main(void) {
    verbose = getenv("DG_VERBOSE") != NULL;
    test_file("stdlib/models/hbv.dg", NULL);
    test_file("examples/dhbv/dhbv.dg", NULL);
    test_file("tests/gradcheck/vector_math.dg", sleef_fns_all);
    return check_report("test_opt_equiv");
}
