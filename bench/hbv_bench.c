/* hbv_bench.c — the performance suite of dgc (make bench): stdlib HBV compiled
 * in-process (front end -> IR -> LLVM ORC JIT, -O2, host CPU) and driven
 * through the model ABI of runtime/dgrt.h only, on the real forcing of CAMELS
 * basin 01031500 tiled over B = 100 basins x nmul = 16 components.
 *
 *   hbv_fwd_cds              init + run_fwd (f32, no tape), cell-days/s, 2 threads
 *   hbv_fwdadj_cds[_1thread] init + run_fwd (tape) + MSE loss + run_rev + init_rev
 *   hbv_fwdadj_s_T<n>        seconds of the same for T = 183 .. 5840 days (2 threads)
 *   hbv_tape_bytes           nsteps * nstates * ncells * 4 at T = 730
 *   jit_first_step_s         `dgc run hbv.dg simulate` of one day, whole process
 *   aot_compile_s            `dgc hbv.dg -o EXE`, whole process
 *   peak_rss_bytes           getrusage ru_maxrss of this process before the δHBV part
 *   dhbv_iter_s, dhbv_iter_lstm_s, dhbv_iter_physics_s
 *                            one δHBV training iteration (examples/dhbv/dhbv.dg,
 *                            dgrt_train_step of runtime/train.c, B = 100, 365 + 365
 *                            days, 2 threads) and its network / physics parts
 *   dhbv_sgemm_gflops        the LSTM's gemm calls of one iteration alone, split as the layer splits them
 *   dhbv_net_gflops          network GFLOP per iteration / dhbv_iter_lstm_s
 *   dhbv_net_over_gemm       dhbv_net_gflops / dhbv_sgemm_gflops
 *   dhbv_synth_*             the same iteration on synthetic forcing (make_synthetic)
 *   dhbv_keepsub_*           the same on the real forcing with subnormals kept
 *                            (DGC_DENORMALS=keep); dhbv_ftz_speedup = its time / dhbv_iter_s
 *   dhbv_fullbptt_*          flushed and kept again with the LSTM's backward through the warm-up
 *   regional_iter_s, regional_iter_lstm_s, regional_iter_physics_s, regional_load_s,
 *   regional_peak_rss_bytes  regional δHBV (examples/regional, 432 Caravan basins) in a
 *                            process of its own: iteration, loading, VmHWM
 *   model_<name>_fwd_cds, model_<name>_fwdadj_cds
 *                            every model of the .dg files in stdlib/models, the same problem and
 *                            kernels as hbv_fwd_cds / hbv_fwdadj_cds (its first output
 *                            in the loss)
 *
 * Every row carries the CPU model, the threads and the CPU share of its
 * measurement (CPU seconds / (wall seconds x threads)), so a run that shared
 * its CPUs with other processes shows as a share well below 1.
 *
 * Every timing is the median of several repetitions after warm-up runs.
 * Results are validated after the timed runs (finite outputs and states, a
 * finite loss, finite gradients that are non-zero for every parameter the
 * time step uses, f32 against f64, 1 thread against 2), and a failed check
 * makes the suite exit 1 without writing the CSV: a broken kernel cannot
 * post a fast time.
 *
 * Threads: the ABI has no cell sub-range, so the basins are split into one
 * block per thread, each with its OWN contiguous DgRun arrays (params,
 * forcing, states, out, tape, dout, dparams, dstates), allocated and filled
 * before any timing. A small pool of pthreads (no pinning) waits on a
 * barrier; the main thread times the span from releasing the workers to the
 * last one finishing. Nothing is copied in the timed region. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "codegen.h"
#include "frontend.h"
#include "ir.h"
#include "fpenv.h"
#include "gemm_packed.h"
#include "pool.h"
#include "train.h"

#ifndef DG_SOURCE_DIR
#error "DG_SOURCE_DIR (the source tree) must be defined by the build"
#endif
#ifndef DG_SHARED_DIR
#error "DG_SHARED_DIR (shared data) must be defined by the build"
#endif
#ifndef DGC_EXE
#error "DGC_EXE (the dgc executable) must be defined by the build"
#endif

extern char **environ;

enum { NBASINS = 100, NCOMP = 16, NCELLS = NBASINS * NCOMP, T_MAIN = 730 };
static const int T_SWEEP[] = {183, 365, 730, 1460, 2920, 5840};
enum { NSWEEP = sizeof T_SWEEP / sizeof T_SWEEP[0], T_MAX = 5840 };

/* ---- Small helpers ------------------------------------------------------------------ */

static int failures;
#define VALIDATE(cond, ...)                                                         \
    do {                                                                            \
        if (!(cond)) {                                                              \
            failures++;                                                             \
            fprintf(stderr, "bench: VALIDATION FAILED (%s): ", #cond);              \
            fprintf(stderr, __VA_ARGS__);                                           \
            fputc('\n', stderr);                                                    \
        }                                                                           \
    } while (0)

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "bench: out of memory (%zu x %zu bytes)\n", n, size);
        exit(1);
    }
    return p;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state;
static double urand(void) {   /* splitmix64 -> [0, 1) */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double median, min, max;
    int reps;
    long faults;   /* page faults during the timed repetitions (0: the arrays were warm) */
    double cpu_share;   /* median over the repetitions of CPU seconds of the process / (wall seconds x
                         * threads): ~1 on a quiet machine, ~0.5 when another process holds one of 2 CPUs */
    int threads;        /* threads the measurement ran on (the divisor of cpu_share) */
} Timing;

/* Below this CPU share a timing counts as contended (other processes ran on
 * our CPUs); the suite says so at the end, as the numbers are then too slow.
 * Short 2-thread runs (a few ms) reach ~0.9 at best: waking the workers and
 * the faster worker waiting for the slower one at the barrier. */
static const double CPU_SHARE_MIN = 0.8;
static int contended;
static double tv_seconds(struct timeval tv) { return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec; }

/* CPU seconds (user + system) of this process, or of its waited-for children. */
static double cpu_seconds(int who) {
    struct rusage ru;
    getrusage(who, &ru);
    return tv_seconds(ru.ru_utime) + tv_seconds(ru.ru_stime);
}

/* The "model name" of /proc/cpuinfo: every CSV row carries it, so a figure
 * from another machine cannot pass for one of this. */
static char cpu_model[128] = "unknown";
static void read_cpu_model(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) || !colon) continue;
        colon += 1 + strspn(colon + 1, " \t");
        colon[strcspn(colon, "\r\n")] = 0;
        snprintf(cpu_model, sizeof cpu_model, "%s", colon);
        break;
    }
    if (f) fclose(f);
}

static Timing summarize(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    Timing r = {.median = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]), .min = t[0], .max = t[n - 1], .reps = n};
    return r;
}

/* Repetitions after the warm-up: enough for ~1.5 s of measurement, 5..21
 * (or exactly --reps N). */
static int forced_reps;
static int reps_for(double warm_seconds) {
    if (forced_reps > 0) return forced_reps;
    int n = warm_seconds > 0 ? (int)ceil(1.5 / warm_seconds) : 21;
    return n < 5 ? 5 : n > 21 ? 21 : n;
}

/* ---- Input data: basin 01031500 (shared/reference/forcing_01031500.csv) ------------- */

typedef struct {
    int     ndays;
    double *prcp, *tmean, *pet, *qobs;   /* [ndays] */
    double *tmin, *tmax, *doy;           /* [ndays], for the inputs of the other stdlib models */
} Record;

/* Splits a CSV line in place at commas (empty fields kept, no quoting); returns the field count. */
static int csv_split(char *line, char **fields, int max) {
    line[strcspn(line, "\r\n")] = 0;
    int n = 0;
    for (char *p = line; n < max;) {
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = 0;
        p = comma + 1;
    }
    return n;
}

static int csv_column(char *header, const char *name) {
    char *f[64];
    int n = csv_split(header, f, 64);
    for (int i = 0; i < n; i++)
        if (!strcmp(f[i], name)) return i;
    return -1;
}

static Record record_load(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench: cannot open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char line[4096], hdr[4096];
    if (!fgets(line, sizeof line, f)) {
        fprintf(stderr, "bench: %s is empty\n", path);
        exit(1);
    }
    enum { NCOL = 7 };
    const char *names[NCOL] = {"prcp", "tmean", "PET", "Q_obs", "tmin", "tmax", "doy"};
    int col[NCOL];
    for (int i = 0; i < NCOL; i++) {
        strcpy(hdr, line);
        if ((col[i] = csv_column(hdr, names[i])) < 0) {
            fprintf(stderr, "bench: %s has no column '%s'\n", path, names[i]);
            exit(1);
        }
    }
    Record r = {0};
    int cap = 4096;
    double *v[NCOL];
    for (int i = 0; i < NCOL; i++) v[i] = xcalloc((size_t)cap, sizeof(double));
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == '\r' || !line[0]) continue;
        if (r.ndays == cap) {
            cap *= 2;
            for (int i = 0; i < NCOL; i++) {
                v[i] = realloc(v[i], sizeof(double) * (size_t)cap);
                if (!v[i]) exit(1);
            }
        }
        double vals[NCOL] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
        char *f[64], *end;
        int nf = csv_split(line, f, 64);
        for (int i = 0; i < NCOL; i++)
            if (col[i] < nf && *f[col[i]]) {
                vals[i] = strtod(f[col[i]], &end);
                if (*end) vals[i] = NAN;
            }
        for (int i = 0; i < NCOL; i++) {
            if (!isfinite(vals[i])) {
                fprintf(stderr, "bench: %s: day %d has no finite %s\n", path, r.ndays + 1, names[i]);
                exit(1);
            }
            v[i][r.ndays] = vals[i];
        }
        r.ndays++;
    }
    fclose(f);
    r.prcp = v[0], r.tmean = v[1], r.pet = v[2], r.qobs = v[3];
    r.tmin = v[4], r.tmax = v[5], r.doy = v[6];
    return r;
}

/* ---- The model: hbv.dg through the front end and the JIT ------------------------------ */

typedef struct {
    Program        prog;
    Diag           diag;
    DgJit         *jit;
    const DgModel *m;
    CgTimes        times;
    double         compile_s;   /* load + check + lower + JIT (eager), in-process */
} Compiled;

static void compile_model(Compiled *c, const char *path) {
    double t0 = now();
    program_init(&c->prog);
    diag_init(&c->diag, &c->prog.sources, stderr, false);
    program_set_diag(&c->prog, &c->diag);
    program_add_search_dir(&c->prog, DGC_STDLIB_DIR);
    LoadedFile *root = program_load(&c->prog, path);
    if (!root || diag_error_count(&c->diag) || !sema_check_program(&c->prog) || diag_error_count(&c->diag) ||
        c->prog.nroot_models < 1) {
        fprintf(stderr, "bench: %s does not check\n", path);
        exit(1);
    }
    IrModel *ir = lower_model(&c->prog.arena, &c->prog, c->prog.models[c->prog.nmodels - 1]);
    if (!ir) {
        fprintf(stderr, "bench: %s does not lower\n", path);
        exit(1);
    }
    /* eager: every kernel compiled here, none lazily inside a timed region */
    CgOptions o = {.opt_level = 2, .jit_eager = true};
    if (jit_compile(ir, &c->prog.arena, &c->diag, &o, &c->jit, &c->m, &c->times, stderr) != CG_OK) {
        fprintf(stderr, "bench: JIT compilation of %s failed\n", path);
        exit(1);
    }
    c->compile_s = now() - t0;
}

static int find_name(const DgNameInfo *v, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].name, name)) return i;
    return -1;
}

static int find_output(const DgModel *m, const char *name) {
    for (int i = 0; i < m->noutputs; i++)
        if (!strcmp(m->outputs[i].name, name)) return i;
    return -1;
}

/* ---- The whole problem in double: B basins x K components, up to T_MAX days ------------ */

typedef struct {
    const DgModel *m;
    int            oq;       /* index of the output `streamflow` */
    double        *forcing;  /* [T_MAX][ninputs][NBASINS] */
    double        *obs;      /* [T_MAX] observed Q (the same for every basin) */
    double        *params;   /* [nparams][NCELLS] */
} Problem;

/* Day length (fraction of the day) on day of year J at the basin's latitude,
 * 45.06 N (FAO-56 eqs. 24, 25, 34), for models with an input Lday. */
static double day_length(double J) {
    double phi = 45.06 * M_PI / 180, delta = 0.409 * sin(2 * M_PI * J / 365 - 1.39);
    return acos(fmax(-1, fmin(1, -tan(phi) * tan(delta)))) / M_PI;
}

/* Model input `name` on day `day` of the record, and whether it is a measured
 * series (perturbed per basin below) or one derived from the date; NAN when
 * the record has nothing for it. */
static double input_value(const Record *rec, const char *name, int day, bool *measured) {
    *measured = true;
    if (!strcmp(name, "P")) return rec->prcp[day];
    if (!strcmp(name, "T")) return rec->tmean[day];
    if (!strcmp(name, "PET") || !strcmp(name, "E")) return rec->pet[day];
    if (!strcmp(name, "Tmin")) return rec->tmin[day];
    if (!strcmp(name, "Tmax")) return rec->tmax[day];
    *measured = false;
    if (!strcmp(name, "DOY")) return rec->doy[day];
    if (!strcmp(name, "Lday")) return day_length(rec->doy[day]);
    return NAN;
}

/* Day t of the run is day t mod ndays of the record (T <= ndays: the first
 * T days). Every (day, input, basin) value of a measured series is the
 * record's times a factor uniform in [0.95, 1.05] (seed 7). Parameters are
 * uniform inside their bounds (seed 11), basin-level ones (routing) taking
 * component 0's value; or, with at_defaults, every cell at the model's
 * defaults (the middle of the bounds where there is none). The loss reads
 * output `output` (NULL: the first). */
static void problem_make(Problem *p, const DgModel *m, const Record *rec, const char *output, bool at_defaults) {
    p->m = m;
    int ni = m->ninputs, np = m->nparams;
    for (int i = 0; i < ni; i++) {
        bool measured;
        if (isnan(input_value(rec, m->inputs[i].name, 0, &measured))) {
            fprintf(stderr, "bench: model input '%s' has no column in the forcing file\n", m->inputs[i].name);
            exit(1);
        }
    }
    if ((p->oq = output ? find_output(m, output) : 0) < 0 || m->noutputs < 1) {
        fprintf(stderr, "bench: the model has no output '%s'\n", output ? output : "(none)");
        exit(1);
    }
    p->forcing = xcalloc((size_t)T_MAX * (size_t)ni * NBASINS, sizeof(double));
    p->obs = xcalloc(T_MAX, sizeof(double));
    rng_state = 7;
    for (int t = 0; t < T_MAX; t++) {
        int day = t % rec->ndays;
        p->obs[t] = rec->qobs[day];
        for (int i = 0; i < ni; i++) {
            bool measured;
            double v = input_value(rec, m->inputs[i].name, day, &measured);
            for (int b = 0; b < NBASINS; b++)
                p->forcing[((size_t)t * (size_t)ni + (size_t)i) * NBASINS + (size_t)b] =
                    measured ? v * (0.95 + 0.1 * urand()) : v;
        }
    }
    p->params = xcalloc((size_t)np * NCELLS, sizeof(double));
    rng_state = 11;
    for (int k = 0; k < np; k++) {
        const DgParamInfo *q = &m->params[k];
        if (at_defaults) {
            double v = isfinite(q->value) ? q->value : 0.5 * (q->lo + q->hi);
            for (int c = 0; c < NCELLS; c++) p->params[(size_t)k * NCELLS + (size_t)c] = v;
            continue;
        }
        if (!isfinite(q->lo) || !isfinite(q->hi)) {
            fprintf(stderr, "bench: parameter '%s' has no bounds\n", q->name);
            exit(1);
        }
        for (int c = 0; c < NCELLS; c++)
            p->params[(size_t)k * NCELLS + (size_t)c] =
                q->basin_level && c % NCOMP ? p->params[(size_t)k * NCELLS + (size_t)(c - c % NCOMP)]
                                            : q->lo + urand() * (q->hi - q->lo);
    }
}

/* ---- One thread's block of basins, with its own arrays ----------------------------------- */

typedef struct {
    const Problem *p;
    int            prec;      /* DG_F32 / DG_F64 */
    int64_t        b0, nb, nc, T;
    double         inv_n;     /* 1 / (cells x days of the whole problem): the MSE's mean */
    void          *params, *forcing, *states, *out, *tape, *dout, *dparams, *dstates;
    double        *obs;       /* [T] */
    double         loss;      /* this block's share of the MSE */
} Block;

static void *alloc_real(int prec, size_t n) { return xcalloc(n, prec == DG_F32 ? sizeof(float) : sizeof(double)); }
static void set_real(int prec, void *a, size_t i, double v) {
    if (prec == DG_F32) ((float *)a)[i] = (float)v;
    else ((double *)a)[i] = v;
}
static double get_real(int prec, const void *a, size_t i) {
    return prec == DG_F32 ? (double)((const float *)a)[i] : ((const double *)a)[i];
}

/* Basins [b0, b0 + nb) for T days; with_adj: tape, dout, dparams, dstates too. */
static void block_alloc(Block *k, const Problem *p, int prec, int64_t b0, int64_t nb, int64_t T, bool with_adj) {
    const DgModel *m = p->m;
    size_t np = (size_t)m->nparams, ni = (size_t)m->ninputs, ns = (size_t)m->nstates, no = (size_t)m->noutputs;
    memset(k, 0, sizeof *k);
    k->p = p;
    k->prec = prec;
    k->b0 = b0, k->nb = nb, k->nc = nb * NCOMP, k->T = T;
    k->inv_n = 1.0 / ((double)T * NCELLS);
    size_t nc = (size_t)k->nc, c0 = (size_t)(b0 * NCOMP);
    k->params = alloc_real(prec, np * nc);
    for (size_t q = 0; q < np; q++)
        for (size_t c = 0; c < nc; c++) set_real(prec, k->params, q * nc + c, p->params[q * NCELLS + c0 + c]);
    k->forcing = alloc_real(prec, (size_t)T * ni * (size_t)nb);
    for (size_t t = 0; t < (size_t)T; t++)
        for (size_t i = 0; i < ni; i++)
            for (size_t b = 0; b < (size_t)nb; b++)
                set_real(prec, k->forcing, (t * ni + i) * (size_t)nb + b,
                         p->forcing[(t * ni + i) * NBASINS + (size_t)b0 + b]);
    k->states = alloc_real(prec, ns * nc);
    k->out = alloc_real(prec, (size_t)T * no * nc);
    k->obs = xcalloc((size_t)T, sizeof(double));
    memcpy(k->obs, p->obs, sizeof(double) * (size_t)T);
    if (with_adj) {
        k->tape = alloc_real(prec, (size_t)T * ns * nc);
        k->dout = alloc_real(prec, (size_t)T * no * nc);   /* only the streamflow rows are ever non-zero */
        k->dparams = alloc_real(prec, np * nc);
        k->dstates = alloc_real(prec, ns * nc);
    }
}

static void block_free(Block *k) {
    void *all[] = {k->params, k->forcing, k->states, k->out, k->tape, k->dout, k->dparams, k->dstates, k->obs};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    memset(k, 0, sizeof *k);
}

static DgRun block_run(const Block *k) {
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = k->nc;
    r.ncomp = NCOMP;
    r.nsteps = 1;
    r.params = k->params;
    return r;
}

/* init + run_fwd; the tape only when tape is true */
static void block_forward(Block *k, bool tape) {
    const DgModel *m = k->p->m;
    DgRun r = block_run(k);
    r.states = k->states;
    m->init[k->prec](&r);
    r.nsteps = k->T;
    r.forcing = k->forcing;
    r.out = k->out;
    r.tape = tape ? k->tape : NULL;
    m->run_fwd[k->prec](&r);
}

/* L = mean over cells and days of (streamflow - Q_obs)^2; dout = dL/d streamflow. */
#define LOSS_LOOP(real)                                                                   \
    do {                                                                                  \
        for (int64_t t = 0; t < k->T; t++) {                                              \
            const real *q = (const real *)k->out + (t * no + oq) * nc;                    \
            real *dq = (real *)k->dout + (t * no + oq) * nc;                              \
            real obs = (real)k->obs[t], scale = (real)(2 * k->inv_n);                     \
            for (int64_t c = 0; c < nc; c++) {                                            \
                real e = q[c] - obs;                                                      \
                sse += (double)e * (double)e;                                             \
                dq[c] = scale * e;                                                        \
            }                                                                             \
        }                                                                                 \
    } while (0)

static void block_loss(Block *k) {
    int64_t no = k->p->m->noutputs, oq = k->p->oq, nc = k->nc;
    double sse = 0;
    if (k->prec == DG_F32) LOSS_LOOP(float);
    else LOSS_LOOP(double);
    k->loss = sse * k->inv_n;
}

/* forward with tape, loss, run_rev, init_rev */
static void block_fwdadj(Block *k) {
    const DgModel *m = k->p->m;
    size_t es = k->prec == DG_F32 ? sizeof(float) : sizeof(double);
    block_forward(k, true);
    block_loss(k);
    memset(k->dparams, 0, es * (size_t)m->nparams * (size_t)k->nc);   /* adjoint kernels accumulate */
    memset(k->dstates, 0, es * (size_t)m->nstates * (size_t)k->nc);   /* d final states = 0 */
    DgRun r = block_run(k);
    r.nsteps = k->T;
    r.forcing = k->forcing;
    r.states = k->states;
    r.tape = k->tape;
    r.dout = k->dout;
    r.dparams = k->dparams;
    r.dstates = k->dstates;
    m->run_rev[k->prec](&r);
    DgRun ir = block_run(k);
    ir.dstates = k->dstates;
    ir.dparams = k->dparams;
    m->init_rev[k->prec](&ir);
}

/* ---- Thread pool: one worker per block, released and collected with barriers ------------- */

typedef enum { JOB_FWD, JOB_FWDADJ, JOB_QUIT } Job;

typedef struct Pool Pool;
typedef struct {
    Pool *pool;
    int   id;
} Worker;
struct Pool {
    int               n;
    pthread_t        *th;
    Worker           *w;
    pthread_barrier_t start, done;
    Job               job;
    Block            *blocks;
};

static void *worker_main(void *arg) {
    Worker *w = arg;
    Pool *p = w->pool;
    for (;;) {
        pthread_barrier_wait(&p->start);
        if (p->job == JOB_QUIT) return NULL;
        Block *k = &p->blocks[w->id];
        dgrt_fpenv_thread();   /* FTZ|DAZ as `MODEL train` sets it, or kept (fpenv.h) */
        if (p->job == JOB_FWD) block_forward(k, false);
        else block_fwdadj(k);
        pthread_barrier_wait(&p->done);
    }
}

static void pool_start(Pool *p, int n) {
    memset(p, 0, sizeof *p);
    p->n = n;
    p->th = xcalloc((size_t)n, sizeof(pthread_t));
    p->w = xcalloc((size_t)n, sizeof(Worker));
    pthread_barrier_init(&p->start, NULL, (unsigned)n + 1);
    pthread_barrier_init(&p->done, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        p->w[i] = (Worker){p, i};
        if (pthread_create(&p->th[i], NULL, worker_main, &p->w[i])) {
            fprintf(stderr, "bench: pthread_create failed\n");
            exit(1);
        }
    }
}

static void pool_stop(Pool *p) {
    p->job = JOB_QUIT;
    pthread_barrier_wait(&p->start);
    for (int i = 0; i < p->n; i++) pthread_join(p->th[i], NULL);
    pthread_barrier_destroy(&p->start);
    pthread_barrier_destroy(&p->done);
    free(p->th);
    free(p->w);
}

/* One run of `job` on every block; seconds from release to the last worker's end. */
static double pool_run(Pool *p, Job job, Block *blocks) {
    p->job = job;
    p->blocks = blocks;
    double t0 = now();
    pthread_barrier_wait(&p->start);
    pthread_barrier_wait(&p->done);
    return now() - t0;
}

/* Two warm-up runs (the first also faults in the output pages), then the
 * repetitions, as many as the second warm-up's time suggests. */
static Timing time_job(Pool *p, Job job, Block *blocks) {
    pool_run(p, job, blocks);
    double warm = pool_run(p, job, blocks);
    int n = reps_for(warm);
    double *t = xcalloc((size_t)n, sizeof(double)), *share = xcalloc((size_t)n, sizeof(double));
    long faults = 0;
    for (int i = 0; i < n; i++) {
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        t[i] = pool_run(p, job, blocks);
        getrusage(RUSAGE_SELF, &after);
        faults += after.ru_minflt - before.ru_minflt + after.ru_majflt - before.ru_majflt;
        share[i] = (tv_seconds(after.ru_utime) + tv_seconds(after.ru_stime) - tv_seconds(before.ru_utime) -
                    tv_seconds(before.ru_stime)) / (t[i] * p->n);
    }
    Timing r = summarize(t, n);
    r.faults = faults;
    r.threads = p->n;
    r.cpu_share = summarize(share, n).median;   /* one preempted repetition does not move it */
    if (r.cpu_share < CPU_SHARE_MIN) contended++;
    free(t);
    free(share);
    return r;
}

/* Splits the basins into n equal blocks (n divides NBASINS). */
static Block *blocks_make(const Problem *p, int prec, int n, int64_t T, bool with_adj) {
    Block *b = xcalloc((size_t)n, sizeof(Block));
    for (int i = 0; i < n; i++) block_alloc(&b[i], p, prec, (int64_t)i * NBASINS / n, NBASINS / n, T, with_adj);
    return b;
}

static void blocks_free(Block *b, int n) {
    for (int i = 0; i < n; i++) block_free(&b[i]);
    free(b);
}

/* ---- Validation ---------------------------------------------------------------------------- */

static bool all_finite(int prec, const void *a, size_t n, size_t *bad) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(get_real(prec, a, i))) {
            *bad = i;
            return false;
        }
    return true;
}

/* Outputs and final states finite; mean streamflow positive and below the mean rain. */
static void validate_forward(const char *what, const Block *b, int n) {
    const DgModel *m = b[0].p->m;
    size_t no = (size_t)m->noutputs, ns = (size_t)m->nstates, oq = (size_t)b[0].p->oq, bad = 0;
    double q_sum = 0, p_sum = 0, cells = 0;
    int ip = find_name(m->inputs, m->ninputs, "P");
    for (int i = 0; i < n; i++) {
        const Block *k = &b[i];
        size_t nc = (size_t)k->nc, T = (size_t)k->T;
        VALIDATE(all_finite(k->prec, k->out, T * no * nc, &bad), "%s: output %zu (output '%s', step %zu) is %g", what,
                 bad, m->outputs[bad / nc % no].name, bad / nc / no, get_real(k->prec, k->out, bad));
        VALIDATE(all_finite(k->prec, k->states, ns * nc, &bad), "%s: final state %zu is not finite", what, bad);
        for (size_t t = 0; t < T; t++)
            for (size_t c = 0; c < nc; c++) q_sum += get_real(k->prec, k->out, (t * no + oq) * nc + c);
        for (size_t t = 0; t < T; t++)
            for (size_t bb = 0; bb < (size_t)k->nb; bb++)
                p_sum += NCOMP * get_real(k->prec, k->forcing, (t * (size_t)m->ninputs + (size_t)ip) * (size_t)k->nb + bb);
        cells += (double)(T * nc);
    }
    double q = q_sum / cells, pr = p_sum / cells;
    VALIDATE(q > 0 && q < pr, "%s: mean streamflow %g mm/d, mean precipitation %g mm/d", what, q, pr);
}

/* Loss finite and positive, gradients finite, and non-zero for every parameter
 * the time step uses (basin-level parameters only feed the routing prologue). */
static double validate_adjoint(const char *what, const Block *b, int n) {
    const DgModel *m = b[0].p->m;
    validate_forward(what, b, n);
    double loss = 0;
    for (int i = 0; i < n; i++) loss += b[i].loss;
    VALIDATE(isfinite(loss) && loss > 0, "%s: loss %g", what, loss);
    for (int q = 0; q < m->nparams; q++) {
        double sum = 0;
        bool finite = true;
        for (int i = 0; i < n; i++)
            for (int64_t c = 0; c < b[i].nc; c++) {
                double g = get_real(b[i].prec, b[i].dparams, (size_t)q * (size_t)b[i].nc + (size_t)c);
                finite &= isfinite(g) != 0;
                sum += fabs(g);
            }
        VALIDATE(finite, "%s: d loss / d %s is not finite", what, m->params[q].name);
        if (!m->params[q].basin_level)
            VALIDATE(sum > 0, "%s: d loss / d %s is zero in every cell", what, m->params[q].name);
    }
    return loss;
}

/* Relative difference of two blocks' worth of dparams: max |a-b| / max |b|, and cosine. */
static void compare_grads(const Block *a, int na, const Block *b, int nb, double *rel, double *cosine) {
    const DgModel *m = a[0].p->m;
    double maxd = 0, maxb = 0, ab = 0, aa = 0, bb = 0;
    for (int q = 0; q < m->nparams; q++)
        for (int c = 0; c < NCELLS; c++) {
            int ia = c / (int)a[0].nc, ib = c / (int)b[0].nc;
            if (ia >= na || ib >= nb) continue;
            double x = get_real(a[ia].prec, a[ia].dparams, (size_t)q * (size_t)a[ia].nc + (size_t)(c % a[0].nc));
            double y = get_real(b[ib].prec, b[ib].dparams, (size_t)q * (size_t)b[ib].nc + (size_t)(c % b[0].nc));
            maxd = fmax(maxd, fabs(x - y));
            maxb = fmax(maxb, fabs(y));
            ab += x * y, aa += x * x, bb += y * y;
        }
    *rel = maxb > 0 ? maxd / maxb : INFINITY;
    *cosine = aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* ---- Whole processes: dgc run (JIT) and dgc -o (AOT) ----------------------------------------- */

/* Runs argv with stdout/stderr to `log` (NULL: ours); wall seconds, or -1 when it failed. */
static double run_process(char *const argv[], const char *log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (log) {
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    fflush(stdout);
    pid_t pid;
    double t0 = now();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    double dt = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench: %s failed (see %s)\n", argv[0], log ? log : "above");
        return -1;
    }
    return dt;
}

/* One warm-up process (file cache), then `reps`. The CPU share counts the
 * children's CPU time against one thread: dgc compiles on one (a share above
 * 1 would say otherwise). */
static Timing time_process(char *const argv[], const char *log, int reps) {
    double *t = xcalloc((size_t)reps, sizeof(double)), *share = xcalloc((size_t)reps, sizeof(double));
    Timing r = {.median = -1};
    if (run_process(argv, log) < 0) goto out;
    for (int i = 0; i < reps; i++) {
        double c0 = cpu_seconds(RUSAGE_CHILDREN);
        if ((t[i] = run_process(argv, log)) < 0) goto out;
        share[i] = (cpu_seconds(RUSAGE_CHILDREN) - c0) / t[i];
    }
    r = summarize(t, reps);
    r.cpu_share = summarize(share, reps).median;
    r.threads = 1;
    if (r.cpu_share < CPU_SHARE_MIN) contended++;
out:
    free(t);
    free(share);
    return r;
}

static char *read_file_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = xcalloc((size_t)n + 1, 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

/* The simulate CSV of one day: a header with `streamflow` and one data row with a finite value. */
static bool check_one_day_csv(const char *path, const char *day) {
    char *s = read_file_text(path);
    if (!s) return false;
    char *nl = strchr(s, '\n');
    bool ok = nl && !strncmp(s, "date,", 5) && strstr(s, ",streamflow") && !strncmp(nl + 1, day, strlen(day));
    if (ok) {
        char *p = nl + 1 + strlen(day);
        ok = *p == ',' && isfinite(strtod(p + 1, NULL));
        ok = ok && strchr(nl + 1, '\n') && !strchr(nl + 1, '\n')[1];   /* exactly one data row */
    }
    free(s);
    return ok;
}

/* ---- Report ------------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    double      value;
    const char *unit;
    int         threads;      /* threads of the measurement */
    double      cpu_share;    /* of the measurement (Timing.cpu_share); < 0: not a timing (a size) */
    char        note[128];    /* repetitions, spread, page faults */
    const char *baseline;     /* PyTorch (issue), printed */
    double      base_lo, base_hi;   /* for the ratio; 0 = none */
    bool        higher_better;
} Row;

static Row rows[160];
static int nrows;

/* A row that is not a timing (a size); `threads`: those of the run it describes. */
static Row *add_row(const char *name, double value, const char *unit, int threads) {
    if (nrows == (int)(sizeof rows / sizeof rows[0])) {
        fprintf(stderr, "bench: more than %d rows\n", nrows);
        exit(1);
    }
    Row *r = &rows[nrows++];
    memset(r, 0, sizeof *r);
    r->name = name;
    r->value = value;
    r->unit = unit;
    r->threads = threads;
    r->cpu_share = -1;
    return r;
}

/* A row measured by t (its threads and CPU share), spread in the note. */
static Row *add_timed_row(const char *name, double value, const char *unit, const Timing *t) {
    Row *r = add_row(name, value, unit, t->threads);
    r->cpu_share = t->cpu_share;
    int n = snprintf(r->note, sizeof r->note, "%d reps, %.4g..%.4g s", t->reps, t->min, t->max);
    if (t->faults > 0) snprintf(r->note + n, sizeof r->note - (size_t)n, ", %ld page faults", t->faults);
    return r;
}

static void fmt_value(char *buf, size_t n, double v) {
    if (fabs(v) >= 1e9 || (fabs(v) < 1e-3 && v != 0)) snprintf(buf, n, "%.4g", v);
    else if (fabs(v) >= 1e4) snprintf(buf, n, "%.0f", v);
    else snprintf(buf, n, "%.4g", v);
}

static void print_table(FILE *f) {
    fprintf(f, "\nCPU: %s\n%-28s %14s %-12s %3s %-13s %-22s %-13s %s\n", cpu_model, "benchmark", "value", "unit",
            "thr", "cpu share", "PyTorch (issue)", "dgc/PyTorch", "spread");
    for (int i = 0; i < 28 + 15 + 13 + 4 + 14 + 23 + 14 + 24; i++) fputc('-', f);
    fputc('\n', f);
    for (int i = 0; i < nrows; i++) {
        const Row *r = &rows[i];
        char v[32], ratio[48] = "";
        fmt_value(v, sizeof v, r->value);
        if (r->base_lo > 0) {
            /* speed-up: throughput ratio, or time ratio inverted */
            double a = r->higher_better ? r->value / r->base_hi : r->base_lo / r->value;
            double b = r->higher_better ? r->value / r->base_lo : r->base_hi / r->value;
            if (r->base_lo == r->base_hi) snprintf(ratio, sizeof ratio, "%.3gx", a);
            else snprintf(ratio, sizeof ratio, "%.3g-%.3gx", a, b);
        }
        char share[32] = "-";
        if (r->cpu_share >= 0)
            snprintf(share, sizeof share, "%.0f%%%s", 100 * r->cpu_share, r->cpu_share < CPU_SHARE_MIN ? " CONTENDED" : "");
        fprintf(f, "%-28s %14s %-12s %3d %-13s %-22s %-13s %s\n", r->name, v, r->unit, r->threads, share,
                r->baseline ? r->baseline : "-", ratio[0] ? ratio : "-", r->note);
    }
    fprintf(f, "ratio: how many times faster dgc is (throughput / throughput, or seconds / seconds inverted)\n");
}

static int write_csv(const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    /* cpu: the model name quoted as CSV (it may hold commas); cpu_share empty for sizes */
    char cpu[2 * sizeof cpu_model + 2], *q = cpu;
    *q++ = '"';
    for (const char *c = cpu_model; *c; c++) {
        if (*c == '"') *q++ = '"';
        *q++ = *c;
    }
    *q++ = '"', *q = 0;
    fprintf(f, "name,value,unit,threads,cpu_share,cpu\n");
    for (int i = 0; i < nrows; i++) {
        const Row *r = &rows[i];
        char share[32] = "";
        if (r->cpu_share >= 0) snprintf(share, sizeof share, "%.3f", r->cpu_share);
        fprintf(f, "%s,%.12g,%s,%d,%s,%s\n", r->name, r->value, r->unit, r->threads, share, cpu);
    }
    return fclose(f) ? 1 : 0;
}


/* ---- δHBV training iterations (examples/dhbv/dhbv.dg) through the trainer ------------------------ */

enum { DHBV_B = 100, DHBV_WARMUP = 365, DHBV_RHO = 365, DHBV_H = 256, DHBV_WARM_ITERS = 2, DHBV_ITERS = 5,
       DHBV_KEEP_ITERS = 3, DHBV_FULL_ITERS = 1, DHBV_THREADS = 2 };

/* What the iterations train on: the real forcing of basin 01031500 (FTZ|DAZ
 * on, as `MODEL train` runs), synthetic forcing (make_synthetic), or the real
 * forcing with subnormals kept (DGC_DENORMALS=keep, fpenv.h). */
typedef enum { DHBV_REAL, DHBV_SYNTH, DHBV_KEEP } DhbvData;

/* Medians of the timed iterations, split by the trainer's own timers; the
 * CPU share and threads are those of the whole iteration. */
typedef struct {
    Timing all, net, phys, other;
    double loss_first, loss_last;
    double loss[40];                /* of every iteration, warm-up included */
    double gflop_lstm, gflop_net;   /* per iteration, as computed (net_gflop) */
    int H, C, P, t0;                /* t0: first step the LSTM's backward reaches (bptt) */
} TrainRun;

/* The step the network's backward stops at, as dgrt_trainer_backward decides
 * (bptt = window: the warm-up gets no gradient; full: back to step 0). */
static int bptt_from(const DgTrainer *tr) {
    return strcmp(tr->cfg.bptt, "full") && tr->Tr > 1 ? (int)tr->cfg.warmup : 0;
}

/* GFLOP of one iteration's network (1-layer LSTM of a parameter network, as
 * runtime/lstm_impl.inc and net_head.c compute it, backward from step t0):
 *   LSTM forward: x W_ih^T over T*B rows, h W_hh^T over T-1 steps;
 *   LSTM backward: dh over steps t0+1 .. T-1, dW_ih and dx over rows from t0,
 *     dW_hh over rows from max(t0, 1);
 *   input layer C -> H: forward over T*B rows, dW over the rows from t0;
 *   head: the step outputs (dynamic parameters) at every step, every output
 *     at the last one; backward (dW, dx) from the end of the warm-up. */
static double net_gflop(const DgTrainer *tr, double *lstm) {
    double T = tr->T, B = tr->B, H = tr->net.H, C = tr->net.C, P = tr->net.P, G = 4 * H;
    double t0 = bptt_from(tr), TB = T * B, R0 = t0 * B, R1 = t0 > 0 ? R0 : B;
    double fwd = 2 * TB * G * H + 2 * B * G * H * (T - 1);
    double bwd = 2 * B * G * H * (T - 1 - t0) + 2 * G * H * (TB - R0) + 2 * G * H * (TB - R1) + 2 * (TB - R0) * G * H;
    *lstm = 1e-9 * (fwd + bwd);
    double in_layer = 2 * TB * C * H + 2 * (TB - R0) * C * H;
    double Pd = tr->net.step_out ? tr->net.nstep_out : P, rows_bwd = TB - B * (double)tr->cfg.warmup;
    double head = 2 * H * ((TB - B) * Pd + B * P) + 2 * 2 * H * ((rows_bwd - B) * Pd + B * P);
    return *lstm + 1e-9 * (in_layer + head);
}

/* The per-step gemms of one thread's batch rows (lstm_impl.inc splits the
 * recurrence by rows of the batch), on W_hh packed once as the layer does. */
typedef struct {
    int T, B, H, t0;
    float *h, *gates, *dh_next, *wpack_t, *wpack; /* W_hh^T and W_hh packed (gemm_packed.h) */
} StepGemms;

static void step_gemms_rows(void *ctx, int w, int n) {
    const StepGemms *j = ctx;
    const int B = j->B, H = j->H, G = 4 * H;
    size_t b0, b1;
    dgrt_pool_part((size_t)B, 1, w, n, &b0, &b1);
    int nb = (int)(b1 - b0);
    if (nb == 0) return;
    for (int s = 1; s < j->T; s++)
        dgrt_gemm_packed_f32(j->gates + ((size_t)s * B + b0) * G, G, 1, j->h + ((size_t)(s - 1) * B + b0) * H, H,
                             j->wpack_t, nb, H, G);
    for (int s = j->T - 1; s > j->t0; s--)
        dgrt_gemm_packed_f32(j->dh_next + b0 * H, H, 0, j->gates + ((size_t)s * B + b0) * G, G, j->wpack, nb, G, H);
}

/* The gemm calls of one LSTM forward + backward (lstm_impl.inc, 1 layer,
 * backward from step t0), split over the threads as the layer splits them
 * (the trainer has set dgrt_nn_set_threads): the input projection, each
 * thread's rows' recurrence and dh gemms, dW_ih, dW_hh and dx, on the same
 * shapes (values random, none subnormal). Median of `reps` after one
 * warm-up; *flop = their floating-point operations. */
static Timing time_lstm_gemms(int T, int B, int C, int H, int t0, int reps, double *flop) {
    const int G = 4 * H;
    size_t TB = (size_t)T * B, R0 = (size_t)t0 * B, R1 = t0 > 0 ? R0 : (size_t)B;
    float *x = xcalloc(TB * C, sizeof(float)), *gates = xcalloc(TB * G, sizeof(float));
    float *h = xcalloc(TB * H, sizeof(float)), *w_ih = xcalloc((size_t)G * C, sizeof(float));
    float *w_hh = xcalloc((size_t)G * H, sizeof(float)), *dw_ih = xcalloc((size_t)G * C, sizeof(float));
    float *dw_hh = xcalloc((size_t)G * H, sizeof(float)), *dx = xcalloc(TB * C, sizeof(float));
    float *dh_next = xcalloc((size_t)B * H, sizeof(float));
    rng_state = 5;
    for (size_t i = 0; i < TB * C; i++) x[i] = (float)(urand() - 0.5);
    for (size_t i = 0; i < TB * G; i++) gates[i] = (float)(urand() - 0.5) * 1e-3f;
    for (size_t i = 0; i < TB * H; i++) h[i] = (float)(urand() - 0.5);
    for (size_t i = 0; i < (size_t)G * C; i++) w_ih[i] = (float)(urand() - 0.5) * 0.06f;
    for (size_t i = 0; i < (size_t)G * H; i++) w_hh[i] = (float)(urand() - 0.5) * 0.06f;
    *flop = 2.0 * B * G * (double)H * (T - 1) + 2.0 * B * G * (double)H * (T - 1 - t0) + 2.0 * (double)TB * G * C +
            2.0 * G * (double)C * (double)(TB - R0) * 2 + 2.0 * G * (double)H * (double)(TB - R1);
    float *wpack_t = xcalloc(dgrt_pack_size(H, G), sizeof(float)), *wpack = xcalloc(dgrt_pack_size(G, H), sizeof(float));
    StepGemms steps = {.T = T, .B = B, .H = H, .t0 = t0, .h = h, .gates = gates, .dh_next = dh_next,
                       .wpack_t = wpack_t, .wpack = wpack};
    double t[32], share[32];
    if (reps > 31) reps = 31;
    for (int r = 0; r <= reps; r++) {
        double c0 = cpu_seconds(RUSAGE_SELF), w0 = now();
        dgrt_pgemm_f32(0, 1, (int)TB, G, C, 1, x, C, w_ih, C, 0, gates, G);
        dgrt_pack_b(wpack_t, w_hh, H, 1, H, G);
        dgrt_pack_b(wpack, w_hh, H, 0, G, H);
        dgrt_pool_run(step_gemms_rows, &steps);
        dgrt_pgemm_f32(1, 0, G, C, (int)(TB - R0), 1, gates + R0 * G, G, x + R0 * C, C, 1, dw_ih, C);
        dgrt_pgemm_f32(1, 0, G, H, (int)(TB - R1), 1, gates + R1 * G, G, h + (R1 - (size_t)B) * H, H, 1, dw_hh, H);
        dgrt_pgemm_f32(0, 0, (int)(TB - R0), C, G, 1, gates + R0 * G, G, w_ih, C, 0, dx + R0 * C, C);
        double w = now() - w0;
        if (r > 0) t[r - 1] = w, share[r - 1] = (cpu_seconds(RUSAGE_SELF) - c0) / (w * dgrt_pool_threads());
    }
    float *bufs[] = {x, gates, h, w_ih, w_hh, dw_ih, dw_hh, dx, dh_next, wpack_t, wpack};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    Timing res = summarize(t, reps);
    res.cpu_share = summarize(share, reps).median;
    res.threads = dgrt_pool_threads();
    if (res.cpu_share < CPU_SHARE_MIN) contended++;
    return res;
}

/* Synthetic forcing in place of the real one: every model input of every
 * basin, day by day, an independent uniform draw with the basin's mean and
 * standard deviation of that input (clipped at 0 where the record never goes
 * below 0: P, PET), then the normalisation recomputed on it. The network sees
 * inputs of the normalised scale of the real ones, with no structure in time;
 * the physics sees forcing of the real magnitudes; observations stay real. */
static void make_synthetic(DgTrainer *tr) {
    DgDataset *d = &tr->data;
    int ni = tr->m->ninputs;
    rng_state = 13;
    for (int b = 0; b < d->nbasins; b++) {
        DgBasin *bs = &d->basins[b];
        for (int i = 0; i < ni; i++) {
            double sum = 0, ss = 0, lo = INFINITY, n = 0;
            for (int64_t t = 0; t < bs->ndays; t++) {
                double v = bs->forcing[t * ni + i];
                if (isfinite(v)) sum += v, ss += v * v, lo = fmin(lo, v), n++;
            }
            double mean = n > 0 ? sum / n : 0, sd = n > 0 ? sqrt(fmax(ss / n - mean * mean, 0)) : 0;
            for (int64_t t = 0; t < bs->ndays; t++) {
                double v = mean + sd * sqrt(3.0) * (2 * urand() - 1);   /* uniform, variance sd^2 */
                bs->forcing[t * ni + i] = lo >= 0 && v < 0 ? 0 : v;
            }
        }
    }
    dgrt_norm_compute(&d->norm, d, tr->train_idx, tr->ntrain, tr->cfg.train);
    dgrt_dataset_normalise(d);
}

/* `warm` + n timed calls of dgrt_train_step on an initialised trainer (the
 * first faults in the activations); medians of the timed ones. */
static void train_iterations(TrainRun *res, DgTrainer *tr, const char *what, int warm, int n) {
    float lr = (float)dgrt_lr_at(&tr->sched, 0);
    double ta[32], tn[32], tp[32], to[32], cpu[32];
    if (n > 32) n = 32;
    res->H = tr->net.H, res->C = tr->net.C, res->P = tr->net.P, res->t0 = bptt_from(tr);
    for (int i = 0; i < warm + n; i++) {
        double n0 = tr->t_net, p0 = tr->t_phys, o0 = tr->t_other;
        double c0 = cpu_seconds(RUSAGE_SELF), t0 = now(), gnorm;
        double loss = dgrt_train_step(tr, lr, &gnorm);
        double w = now() - t0, c = cpu_seconds(RUSAGE_SELF) - c0;
        VALIDATE(isfinite(loss) && loss > 0 && isfinite(gnorm) && gnorm > 0,
                 "%s iteration %d: loss %g, gradient norm %g", what, i + 1, loss, gnorm);
        if (i == 0) res->loss_first = loss;
        res->loss_last = res->loss[i] = loss;
        printf("%s iteration %d%s: %.3f s = network %.3f + physics %.3f + batching %.4f; loss %.6f, grad norm "
               "%.3g, cpu %.0f%%\n",
               what, i + 1, i < warm ? " (warm-up)" : "", w, tr->t_net - n0, tr->t_phys - p0,
               tr->t_other - o0, loss, gnorm, 100 * c / (tr->nthreads * w));
        fflush(stdout);
        if (i < warm) continue;
        int k = i - warm;
        ta[k] = w, tn[k] = tr->t_net - n0, tp[k] = tr->t_phys - p0, to[k] = tr->t_other - o0;
        cpu[k] = c / (tr->nthreads * w);
    }
    res->all = summarize(ta, n);
    res->net = summarize(tn, n);
    res->phys = summarize(tp, n);
    res->other = summarize(to, n);
    res->all.cpu_share = summarize(cpu, n).median;
    res->all.threads = tr->nthreads;
    res->net.cpu_share = res->phys.cpu_share = res->other.cpu_share = res->all.cpu_share;
    res->net.threads = res->phys.threads = res->other.threads = tr->nthreads;
    if (res->all.cpu_share < CPU_SHARE_MIN) contended++;
    res->gflop_net = net_gflop(tr, &res->gflop_lstm);
}

/* One δHBV training iteration = dgrt_train_step (the loop body of `MODEL
 * train`: batch, network forward, physics forward with tape, loss, physics
 * adjoint, network backward, clip + Adadelta), B = 100 windows of basin
 * 01031500, 2 threads, on the data `kind` says, the network's backward
 * truncated at the warm-up (bptt = window, the default) or through it
 * (full); `warm` + n iterations. */
static void bench_dhbv(TrainRun *res, const DgModel *m, DhbvData kind, const char *bptt, int warm, int n) {
    memset(res, 0, sizeof *res);
    DgTrainConfig cfg;
    dgrt_train_config_defaults(&cfg);
    char text[1024];
    snprintf(text, sizeof text,
             "data = %s\nbasins = 01031500\ntrain = 1980-10-01:1995-09-30\nepochs = 1\niters_per_epoch = %d\n"
             "batch = %d\nrho = %d\nwarmup = %d\nseed = 111111\nthreads = %d\nbptt = %s\n",
             DG_SHARED_DIR "/data/camels_us", warm + n, DHBV_B, DHBV_RHO, DHBV_WARMUP, DHBV_THREADS, bptt);
    DgrtErr err;
    memset(&err, 0, sizeof err);
    DgTrainer tr;
    if (dgrt_train_config_text(&cfg, text, "bench", &err) || dgrt_trainer_init(&tr, m, &cfg, stderr, &err)) {
        dgrt_err_print(&err, stderr);
        exit(1);
    }
    VALIDATE(tr.net.kind == DG_LEARN_LSTM && tr.net.H == DHBV_H && tr.B == DHBV_B && tr.T == DHBV_WARMUP + DHBV_RHO,
             "dhbv: not an LSTM with H = %d on %d windows of %d days", DHBV_H, DHBV_B, DHBV_WARMUP + DHBV_RHO);
    if (kind == DHBV_SYNTH) make_synthetic(&tr);
    /* the mode is read from the environment, as `MODEL train` does; restored after */
    const char *env = getenv("DGC_DENORMALS");
    char saved[32] = "";
    if (env) snprintf(saved, sizeof saved, "%s", env);
    if (kind == DHBV_KEEP) {
        setenv("DGC_DENORMALS", "keep", 1);
        dgrt_fpenv_init();
    }
    char what[64];
    snprintf(what, sizeof what, "dhbv%s%s", kind == DHBV_REAL ? "" : kind == DHBV_SYNTH ? " synthetic" : " subnormals kept",
             strcmp(bptt, "full") ? "" : " bptt full");
    printf("%s: subnormals %s\n", what, dgrt_fpenv_describe());
    train_iterations(res, &tr, what, warm, n);
    if (kind == DHBV_KEEP) {
        if (env) setenv("DGC_DENORMALS", saved, 1);
        else unsetenv("DGC_DENORMALS");
        dgrt_fpenv_init();
    }
    dgrt_trainer_free(&tr);
}

/* ---- Regional δHBV (examples/regional): a process of its own ----------------------------------------- */

/* `bench_hbv --regional-child FILE`: the regional iteration in a fresh
 * process, so that its peak RSS (VmHWM: ru_maxrss would also count the
 * parent's pages, which a vfork-style spawn hands to the child) is that of
 * a training run alone. Writes one line per row to FILE:
 * name TAB value TAB unit TAB threads TAB cpu_share TAB note. */
enum { REGIONAL_ITERS = 5 };

static double vm_hwm_bytes(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = strtod(line + 6, NULL);
    if (f) fclose(f);
    return kb * 1024;
}

static int regional_child(const char *out_path) {
    dgrt_fpenv_init();
    Compiled rc;
    compile_model(&rc, DG_SOURCE_DIR "/examples/regional/dhbv_regional.dg");
    /* the recipe of train.cfg; its paths are relative to the project root, so given here in full */
    DgTrainConfig cfg;
    dgrt_train_config_defaults(&cfg);
    DgrtErr err;
    memset(&err, 0, sizeof err);
    char text[1024];
    snprintf(text, sizeof text,
             "basins = %s\ndata = %s\nattributes = %s\nepochs = 1\niters_per_epoch = %d\nthreads = %d\n",
             DG_SHARED_DIR "/data/caravan_camels/basins.txt", DG_SHARED_DIR "/data/caravan_camels",
             DG_SHARED_DIR "/data/camels_us/camels_attributes_v2.0", DHBV_WARM_ITERS + REGIONAL_ITERS, DHBV_THREADS);
    if (dgrt_train_config_file(&cfg, DG_SOURCE_DIR "/examples/regional/train.cfg", &err) ||
        dgrt_train_config_text(&cfg, text, "bench", &err)) {
        dgrt_err_print(&err, stderr);
        return 1;
    }
    /* loading: the 432 basins' CSVs and attribute tables, selection, normalisation; the
     * buffers of the network and physics are calloc'd, not touched */
    DgTrainer tr;
    double c0 = cpu_seconds(RUSAGE_SELF), t0 = now();
    if (dgrt_trainer_init(&tr, rc.m, &cfg, stderr, &err)) {
        dgrt_err_print(&err, stderr);
        return 1;
    }
    Timing load = {.median = now() - t0, .reps = 1, .threads = 1};
    load.min = load.max = load.median;
    load.cpu_share = (cpu_seconds(RUSAGE_SELF) - c0) / load.median;
    if (load.cpu_share < CPU_SHARE_MIN) contended++;
    printf("regional: %d basins loaded (%d train) in %.3f s, cpu %.0f%%; batch %d x (%lld + %lld) days\n",
           tr.data.nbasins, tr.ntrain, load.median, 100 * load.cpu_share, tr.B, (long long)cfg.warmup,
           (long long)cfg.rho);
    VALIDATE(tr.data.nbasins == 432 && tr.B == 100 && tr.T == 730, "regional: %d basins, batch %d x %d days",
             tr.data.nbasins, tr.B, tr.T);
    TrainRun r;
    memset(&r, 0, sizeof r);
    train_iterations(&r, &tr, "regional", DHBV_WARM_ITERS, REGIONAL_ITERS);
    double rss = vm_hwm_bytes();
    dgrt_trainer_free(&tr);
    jit_dispose(rc.jit);
    program_free(&rc.prog);
    if (failures) return 1;
    FILE *f = fopen(out_path, "w");
    if (!f) {
        fprintf(stderr, "bench: cannot write %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    const struct {
        const char *name, *unit;
        double value;
        const Timing *t;
    } out[] = {
        {"regional_iter_s", "s", r.all.median, &r.all},
        {"regional_iter_lstm_s", "s", r.net.median, &r.net},
        {"regional_iter_physics_s", "s", r.phys.median, &r.phys},
        {"regional_load_s", "s", load.median, &load},
        {"regional_peak_rss_bytes", "bytes", rss, NULL},
    };
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        const Timing *t = out[i].t;
        if (t)
            fprintf(f, "%s\t%.12g\t%s\t%d\t%.4f\t%d reps, %.4g..%.4g s\n", out[i].name, out[i].value, out[i].unit,
                    t->threads, t->cpu_share, t->reps, t->min, t->max);
        else
            fprintf(f, "%s\t%.12g\t%s\t%d\t-1\tVmHWM of the regional process\n", out[i].name, out[i].value,
                    out[i].unit, DHBV_THREADS);
    }
    fprintf(f, "#\t%.6g\t%.6g\t%.6g\n", r.gflop_net, r.loss_first, r.loss_last);
    return fclose(f) ? 1 : 0;
}

/* Runs the regional child and adds its rows; 0 when it ran and every row came back. */
static int bench_regional(const char *work_dir) {
    char self[4096], rows_path[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "bench: cannot find this executable (/proc/self/exe)\n");
        return 1;
    }
    self[n] = 0;
    snprintf(rows_path, sizeof rows_path, "%s/regional_rows.tsv", work_dir);
    remove(rows_path);
    char *argv[] = {self, "--regional-child", rows_path, NULL};
    double wall = run_process(argv, NULL);
    FILE *f = wall > 0 ? fopen(rows_path, "r") : NULL;
    if (!f) {
        fprintf(stderr, "bench: the regional run failed (no %s)\n", rows_path);
        return 1;
    }
    static char names[8][64], units[8][16];
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, f)) {
        char *fld[6];
        int nf = 0;
        for (char *p = line; nf < 6;) {
            fld[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab) break;
            *tab = 0;
            p = tab + 1;
        }
        fld[nf - 1][strcspn(fld[nf - 1], "\n")] = 0;
        if (!strcmp(fld[0], "#") && nf >= 4) {
            printf("regional: %.1f GFLOP per iteration in the network; loss %s at iteration 1, %s at the last\n",
                   strtod(fld[1], NULL), fld[2], fld[3]);
            continue;
        }
        if (nf < 6 || got == 8) continue;
        snprintf(names[got], sizeof names[got], "%.63s", fld[0]);   /* precisions: the buffers' sizes */
        snprintf(units[got], sizeof units[got], "%.15s", fld[2]);
        Row *r = add_row(names[got], strtod(fld[1], NULL), units[got], atoi(fld[3]));
        r->cpu_share = strtod(fld[4], NULL);
        if (r->cpu_share >= 0 && r->cpu_share < CPU_SHARE_MIN) contended++;
        snprintf(r->note, sizeof r->note, "%.127s", fld[5]);
        got++;
    }
    fclose(f);
    printf("regional: whole process %.1f s\n", wall);
    return got == 5 ? 0 : 1;
}

/* ---- main ------------------------------------------------------------------------------------------ */

static void usage(void) {
    fprintf(stderr,
            "usage: bench_hbv [--out results.csv] [--work DIR] [--reps N] [--no-process] [--no-dhbv] "
            "[--no-regional] [--no-models] [--models-only] [--models-days N]\n"
            "  --out FILE     write name,value,unit,threads,cpu_share,cpu rows (default build/bench/results.csv)\n"
            "  --work DIR     scratch directory for the dgc runs (default: next to --out)\n"
            "  --reps N       repetitions per timing after the warm-up (default: 5..21, ~1.5 s)\n"
            "  --no-process   skip jit_first_step_s and aot_compile_s\n"
            "  --no-dhbv      skip the δHBV training iterations (dhbv_*)\n"
            "  --no-regional  skip the regional δHBV run (regional_*)\n"
            "  --no-models    skip the rows of every stdlib model (model_*)\n"
            "  --models-only  only the model_* rows\n"
            "  --models-days N  days of the model_* runs (1..5840, default 730)\n");
    exit(2);
}

/* The end of a run: the table, then the CSV unless a validation failed. */
static int finish(const char *out_path, long ncpu) {
    double load[3] = {0};
    getloadavg(load, 3);
    printf("load average at the end: %.2f %.2f %.2f (timings are noisy when it exceeds the %ld CPUs)\n", load[0],
           load[1], load[2], ncpu);
    print_table(stdout);
    if (contended)
        printf("WARNING: %d timing(s) got less than %.0f%% of their threads' CPU time (cpu column): other processes "
               "were running; rerun on a quiet machine\n", contended, 100 * CPU_SHARE_MIN);
    if (failures) {
        fprintf(stderr, "bench: %d validation failure(s); %s not written\n", failures, out_path);
        return 1;
    }
    if (write_csv(out_path)) return 1;
    printf("wrote %s\n", out_path);
    return 0;
}

static void mkdirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

/* ---- Every stdlib model: forward and forward + adjoint throughput ---------------------------------- */

static void problem_free(Problem *p) {
    free(p->forcing);
    free(p->obs);
    free(p->params);
}

/* Outputs, final states, loss and parameter gradients finite (a model's own
 * thresholds may leave some gradients zero, so zeros are allowed here). */
static void validate_finite(const char *what, const Block *b, int n) {
    const DgModel *m = b[0].p->m;
    size_t no = (size_t)m->noutputs, ns = (size_t)m->nstates, np = (size_t)m->nparams, bad = 0;
    for (int i = 0; i < n; i++) {
        const Block *k = &b[i];
        size_t nc = (size_t)k->nc, T = (size_t)k->T;
        VALIDATE(all_finite(k->prec, k->out, T * no * nc, &bad), "%s: output '%s' at step %zu is %g", what,
                 m->outputs[bad / nc % no].name, bad / nc / no, get_real(k->prec, k->out, bad));
        VALIDATE(all_finite(k->prec, k->states, ns * nc, &bad), "%s: final state %zu is not finite", what, bad);
        VALIDATE(isfinite(k->loss), "%s: loss %g", what, k->loss);
        if (k->dparams)
            VALIDATE(all_finite(k->prec, k->dparams, np * nc, &bad), "%s: d loss / d %s is not finite", what,
                     m->params[bad / nc].name);
    }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* model_<name>_fwd_cds and model_<name>_fwdadj_cds for every model declared in
 * the .dg files of stdlib/models (files in name order, models in file order): compiled
 * in-process like HBV, the same 100 basins x 16 components on the same
 * forcing (inputs by name: input_value), every cell at the model's defaults
 * (random parameters inside the bounds can be outside what a model is meant
 * for), f32, 2 threads, T days; the loss is the MSE of the model's first
 * output against Q_obs. */
static void bench_models(const Record *rec, int T) {
    const char *dir = DG_SOURCE_DIR "/stdlib/models";
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "bench: cannot open %s: %s\n", dir, strerror(errno));
        failures++;
        return;
    }
    char *files[256];
    int nfiles = 0;
    for (struct dirent *e; (e = readdir(dp)) && nfiles < 256;) {
        size_t len = strlen(e->d_name);
        if (len > 3 && !strcmp(e->d_name + len - 3, ".dg")) files[nfiles++] = strdup(e->d_name);
    }
    closedir(dp);
    qsort(files, (size_t)nfiles, sizeof *files, cmp_str);
    Pool pool;
    pool_start(&pool, 2);
    const double cell_days = (double)NCELLS * T;
    for (int f = 0; f < nfiles; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        Program prog;
        Diag diag;
        program_init(&prog);
        diag_init(&diag, &prog.sources, stderr, false);
        program_set_diag(&prog, &diag);
        program_add_search_dir(&prog, DGC_STDLIB_DIR);
        if (!program_load(&prog, path) || !sema_check_program(&prog) || diag_error_count(&diag)) {
            fprintf(stderr, "bench: %s does not check\n", path);
            failures++;
            program_free(&prog);
            continue;
        }
        for (int i = prog.nmodels - prog.nroot_models; i < prog.nmodels; i++) {
            const char *name = prog.models[i]->name;
            double t0 = now();
            IrModel *ir = lower_model(&prog.arena, &prog, prog.models[i]);
            DgJit *jit = NULL;
            const DgModel *m = NULL;
            CgTimes times;
            CgOptions o = {.opt_level = 2, .jit_eager = true};
            if (!ir || jit_compile(ir, &prog.arena, &diag, &o, &jit, &m, &times, stderr) != CG_OK) {
                fprintf(stderr, "bench: %s: model '%s' does not compile\n", path, name);
                failures++;
                continue;
            }
            double compile_s = now() - t0;
            Problem prob;
            problem_make(&prob, m, rec, NULL, true);
            char what[160];
            Block *fb = blocks_make(&prob, DG_F32, 2, T, false);
            Timing tf = time_job(&pool, JOB_FWD, fb);
            snprintf(what, sizeof what, "model %s forward", name);
            validate_finite(what, fb, 2);
            blocks_free(fb, 2);
            Block *ab = blocks_make(&prob, DG_F32, 2, T, true);
            Timing ta = time_job(&pool, JOB_FWDADJ, ab);
            snprintf(what, sizeof what, "model %s forward + adjoint", name);
            validate_finite(what, ab, 2);
            blocks_free(ab, 2);
            char *row_f = malloc(strlen(name) + 24), *row_a = malloc(strlen(name) + 24);
            sprintf(row_f, "model_%s_fwd_cds", name);
            sprintf(row_a, "model_%s_fwdadj_cds", name);
            add_timed_row(row_f, cell_days / tf.median, "cell-days/s", &tf);
            add_timed_row(row_a, cell_days / ta.median, "cell-days/s", &ta);
            printf("model %-16s (%s): %2d states, JIT %.2f s; forward %.4g cell-days/s, forward + adjoint %.4g "
                   "cell-days/s (T = %d)\n", name, files[f], m->nstates, compile_s, cell_days / tf.median,
                   cell_days / ta.median, T);
            fflush(stdout);
            problem_free(&prob);
            jit_dispose(jit);
        }
        program_free(&prog);
    }
    pool_stop(&pool);
    for (int f = 0; f < nfiles; f++) free(files[f]);
}

int main(int argc, char **argv) {
    const char *out_path = DG_SOURCE_DIR "/build/bench/results.csv";
    const char *work = NULL;
    bool processes = true, dhbv = true, regional = true, models = true, models_only = false;
    int models_days = T_MAIN;
    read_cpu_model();
    /* internal: the regional run in a process of its own (bench_regional) */
    if (argc == 3 && !strcmp(argv[1], "--regional-child")) return regional_child(argv[2]);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
        else if (!strcmp(argv[i], "--work") && i + 1 < argc) work = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) forced_reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-process")) processes = false;
        else if (!strcmp(argv[i], "--no-dhbv")) dhbv = false;
        else if (!strcmp(argv[i], "--no-regional")) regional = false;
        else if (!strcmp(argv[i], "--no-models")) models = false;
        else if (!strcmp(argv[i], "--models-only")) models_only = true;
        else if (!strcmp(argv[i], "--models-days") && i + 1 < argc) models_days = atoi(argv[++i]);
        else usage();
    }
    if (models_days < 1 || models_days > T_MAX) usage();
    char out_dir[4096], work_dir[4096];
    snprintf(out_dir, sizeof out_dir, "%s", out_path);
    char *slash = strrchr(out_dir, '/');
    if (slash) *slash = 0;
    else strcpy(out_dir, ".");
    mkdirs(out_dir);
    snprintf(work_dir, sizeof work_dir, "%s", work ? work : out_dir);
    if (!work) strncat(work_dir, "/work", sizeof work_dir - strlen(work_dir) - 1);
    mkdirs(work_dir);

    const char *model_path = DG_SOURCE_DIR "/stdlib/models/hbv.dg";
    const char *forcing_path = DG_SHARED_DIR "/reference/forcing_01031500.csv";
    time_t wall = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&wall));
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double load[3] = {0};
    getloadavg(load, 3);
    /* subnormals flushed, as `MODEL train` and `simulate` run, unless DGC_DENORMALS=keep */
    dgrt_fpenv_init();
    printf("dgc bench — %s, %s, %ld online CPUs, load average %.2f %.2f %.2f; subnormals %s\n", date, cpu_model,
           ncpu, load[0], load[1], load[2], dgrt_fpenv_describe());
    printf("model %s; forcing %s\n", model_path, forcing_path);

    Record rec = record_load(forcing_path);
    if (models_only) {
        bench_models(&rec, models_days);
        return finish(out_path, ncpu);
    }
    Compiled cm;
    compile_model(&cm, model_path);
    const DgModel *m = cm.m;
    printf("HBV: %d params, %d inputs, %d states, %d outputs; %d basins x %d components = %d cells; "
           "record %d days\n",
           m->nparams, m->ninputs, m->nstates, m->noutputs, NBASINS, NCOMP, NCELLS, rec.ndays);
    printf("in-process JIT (eager, -O2): %.3f s (codegen %.3f, optimise %.3f, machine code %.3f)\n", cm.compile_s,
           cm.times.codegen, cm.times.optimize, cm.times.machine_code);
    fflush(stdout);

    Problem prob;
    problem_make(&prob, m, &rec, "streamflow", false);
    const double cell_days = (double)NCELLS * T_MAIN;
    Pool pool2, pool1;
    pool_start(&pool2, 2);
    pool_start(&pool1, 1);

    /* ---- forward, f32, 2 threads */
    Block *fb = blocks_make(&prob, DG_F32, 2, T_MAIN, false);
    Timing tf = time_job(&pool2, JOB_FWD, fb);
    validate_forward("hbv_fwd", fb, 2);
    blocks_free(fb, 2);
    Row *r = add_timed_row("hbv_fwd_cds", cell_days / tf.median, "cell-days/s", &tf);
    r->baseline = "2.9-5.1 M/s";
    r->base_lo = 2.9e6, r->base_hi = 5.1e6, r->higher_better = true;
    printf("hbv_fwd: %.4f s per run (median of %d)\n", tf.median, tf.reps);
    fflush(stdout);

    /* ---- forward + adjoint, f32, 2 threads and 1 thread */
    Block *ab2 = blocks_make(&prob, DG_F32, 2, T_MAIN, true);
    Timing ta2 = time_job(&pool2, JOB_FWDADJ, ab2);
    double loss2 = validate_adjoint("hbv_fwdadj 2 threads", ab2, 2);
    printf("hbv_fwdadj (2 threads): %.4f s per run (median of %d), loss %.6g\n", ta2.median, ta2.reps, loss2);
    fflush(stdout);
    Block *ab1 = blocks_make(&prob, DG_F32, 1, T_MAIN, true);
    Timing ta1 = time_job(&pool1, JOB_FWDADJ, ab1);
    double loss1 = validate_adjoint("hbv_fwdadj 1 thread", ab1, 1);
    printf("hbv_fwdadj (1 thread):  %.4f s per run (median of %d), loss %.6g\n", ta1.median, ta1.reps, loss1);
    double rel, cosine;
    compare_grads(ab2, 2, ab1, 1, &rel, &cosine);
    printf("check: 2 threads vs 1 thread: loss rel diff %.3g, d params max rel diff %.3g\n",
           fabs(loss2 - loss1) / loss1, rel);
    VALIDATE(rel <= 1e-6 && fabs(loss2 - loss1) <= 1e-6 * loss1, "the thread split changed the gradients (%g)", rel);
    /* the f32 kernels against the f64 kernels (untimed, one thread) */
    Block *a64 = blocks_make(&prob, DG_F64, 1, T_MAIN, true);
    block_fwdadj(&a64[0]);
    double loss64 = validate_adjoint("hbv_fwdadj f64", a64, 1);
    compare_grads(ab1, 1, a64, 1, &rel, &cosine);
    printf("check: f32 vs f64: loss %.7g vs %.7g (rel %.2g), d params cosine %.6f, max rel diff %.3g\n", loss1, loss64,
           fabs(loss1 - loss64) / loss64, cosine, rel);
    VALIDATE(fabs(loss1 - loss64) <= 1e-3 * loss64, "f32 loss %g vs f64 loss %g", loss1, loss64);
    VALIDATE(cosine >= 0.99, "f32 gradients point elsewhere than f64 ones (cosine %g)", cosine);
    blocks_free(a64, 1);
    blocks_free(ab1, 1);
    blocks_free(ab2, 2);
    r = add_timed_row("hbv_fwdadj_cds", cell_days / ta2.median, "cell-days/s", &ta2);
    r->baseline = "128-174 k/s";
    r->base_lo = 128e3, r->base_hi = 174e3, r->higher_better = true;
    r = add_timed_row("hbv_fwdadj_cds_1thread", cell_days / ta1.median, "cell-days/s", &ta1);
    r->baseline = "128-174 k/s";
    r->base_lo = 128e3, r->base_hi = 174e3, r->higher_better = true;
    fflush(stdout);

    /* ---- forward + adjoint against T, 2 threads */
    static char sweep_names[NSWEEP][32];
    double sweep_s[NSWEEP];
    for (int i = 0; i < NSWEEP; i++) {
        int T = T_SWEEP[i];
        Block *b = blocks_make(&prob, DG_F32, 2, T, true);
        Timing t = time_job(&pool2, JOB_FWDADJ, b);
        char what[48];
        snprintf(what, sizeof what, "hbv_fwdadj T=%d", T);
        validate_adjoint(what, b, 2);
        blocks_free(b, 2);
        snprintf(sweep_names[i], sizeof sweep_names[i], "hbv_fwdadj_s_T%d", T);
        r = add_timed_row(sweep_names[i], t.median, "s", &t);
        if (T == 183) r->baseline = "0.5 s", r->base_lo = r->base_hi = 0.5;
        if (T == 1460) r->baseline = "23.6 s", r->base_lo = r->base_hi = 23.6;
        sweep_s[i] = t.median;
        printf("hbv_fwdadj T=%-5d %.4f s (median of %d), %.4g us per step\n", T, t.median, t.reps, 1e6 * t.median / T);
        fflush(stdout);
    }
    /* linearity: seconds per day at the longest T against the shortest */
    printf("check: seconds per day, T=%d vs T=%d: %.3g (1 = linear in T)\n", T_SWEEP[NSWEEP - 1], T_SWEEP[0],
           (sweep_s[NSWEEP - 1] / T_SWEEP[NSWEEP - 1]) / (sweep_s[0] / T_SWEEP[0]));
    pool_stop(&pool2);
    pool_stop(&pool1);

    add_row("hbv_tape_bytes", (double)T_MAIN * m->nstates * NCELLS * (double)sizeof(float), "bytes", 2);

    /* ---- whole dgc processes */
    if (processes) {
        char params[4200], csv[4200], log[4200], exe[4200], aot_csv[4200], log_o[4200], log_exe[4200];
        snprintf(params, sizeof params, "%s/hbv_params.csv", work_dir);
        snprintf(csv, sizeof csv, "%s/jit_one_day.csv", work_dir);
        snprintf(aot_csv, sizeof aot_csv, "%s/aot_one_day.csv", work_dir);
        snprintf(log, sizeof log, "%s/dgc_run.log", work_dir);
        snprintf(log_o, sizeof log_o, "%s/dgc_o.log", work_dir);
        snprintf(log_exe, sizeof log_exe, "%s/hbv_aot.log", work_dir);
        snprintf(exe, sizeof exe, "%s/hbv_aot", work_dir);
        FILE *f = fopen(params, "w");
        if (!f) {
            fprintf(stderr, "bench: cannot write %s\n", params);
            return 1;
        }
        fprintf(f, "name,value\n");
        for (int q = 0; q < m->nparams; q++)   /* the middle of every parameter's bounds */
            fprintf(f, "%s,%.17g\n", m->params[q].name, 0.5 * (m->params[q].lo + m->params[q].hi));
        fclose(f);
        const char *day = "1980-10-01";
        char *jit_argv[] = {DGC_EXE, "run", (char *)model_path, "simulate", "--data", DG_SHARED_DIR "/data/camels_us",
                            "--basin", "01031500", "--period", "1980-10-01:1980-10-01", "--params", params, "--out",
                            csv, NULL};
        remove(csv);
        Timing tj = time_process(jit_argv, log, 7);
        VALIDATE(tj.median > 0 && check_one_day_csv(csv, day), "dgc run simulate: no valid one-day CSV in %s", csv);
        r = add_timed_row("jit_first_step_s", tj.median, "s", &tj);
        printf("jit_first_step: %.4f s (median of %d)\n", tj.median, tj.reps);

        char *aot_argv[] = {DGC_EXE, (char *)model_path, "-o", exe, NULL};
        Timing tc = time_process(aot_argv, log_o, 5);
        VALIDATE(tc.median > 0 && access(exe, X_OK) == 0, "dgc -o did not produce %s", exe);
        r = add_timed_row("aot_compile_s", tc.median, "s", &tc);
        printf("aot_compile: %.4f s (median of %d)\n", tc.median, tc.reps);
        /* the executable computes what the JIT computed */
        char *exe_argv[] = {exe, "simulate", "--data", DG_SHARED_DIR "/data/camels_us", "--basin", "01031500",
                            "--period", "1980-10-01:1980-10-01", "--params", params, "--out", aot_csv, NULL};
        bool same = run_process(exe_argv, log_exe) >= 0;
        char *a = same ? read_file_text(aot_csv) : NULL, *j = read_file_text(csv);
        same = a && j && !strcmp(a, j);
        VALIDATE(same, "the AOT executable and dgc run disagree on the one-day run (%s vs %s)", aot_csv, csv);
        free(a);
        free(j);
    }

    /* before the δHBV trainer, whose network activations alone take ~1.2 GB */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    add_row("peak_rss_bytes", (double)ru.ru_maxrss * 1024.0, "bytes", 2);

    if (dhbv) {
        Compiled dc;
        compile_model(&dc, DG_SOURCE_DIR "/examples/dhbv/dhbv.dg");
        TrainRun d, syn, keep, full, fullkeep;
        bench_dhbv(&d, dc.m, DHBV_REAL, "window", DHBV_WARM_ITERS, DHBV_ITERS);
        bench_dhbv(&syn, dc.m, DHBV_SYNTH, "window", DHBV_WARM_ITERS, DHBV_ITERS);
        bench_dhbv(&keep, dc.m, DHBV_KEEP, "window", DHBV_WARM_ITERS, DHBV_KEEP_ITERS);
        /* through the warm-up the LSTM's gradients decay into the subnormal range: where FTZ pays */
        bench_dhbv(&full, dc.m, DHBV_REAL, "full", 1, DHBV_FULL_ITERS);
        bench_dhbv(&fullkeep, dc.m, DHBV_KEEP, "full", 1, DHBV_FULL_ITERS);
        double flop;
        Timing sg = time_lstm_gemms(DHBV_WARMUP + DHBV_RHO, DHBV_B, d.H, d.H, d.t0, 3, &flop);
        double sgemm_gflops = 1e-9 * flop / sg.median;
        printf("dhbv: LSTM %d -> %d, head -> %d, backward from step %d; %.1f GFLOP per iteration in the LSTM gemms, "
               "%.1f in the whole network\n", d.C, d.H, d.P, d.t0, d.gflop_lstm, d.gflop_net);
        const TrainRun *runs[5] = {&d, &syn, &keep, &full, &fullkeep};
        const char *what[5] = {"real", "synthetic", "real, subnormals kept", "real, bptt full",
                               "real, bptt full, subnormals kept"};
        for (int i = 0; i < 5; i++)
            printf("dhbv (%s): median iteration %.3f s = network %.3f s + physics %.3f s + batching %.4f s; network "
                   "at %.1f GFLOP/s; loss %.6f at iteration 1, %.6f at the last\n", what[i], runs[i]->all.median,
                   runs[i]->net.median, runs[i]->phys.median, runs[i]->other.median,
                   runs[i]->gflop_net / runs[i]->net.median, runs[i]->loss_first, runs[i]->loss_last);
        printf("sgemm alone, the LSTM's gemm calls of one iteration (same shapes and split, %d threads): %.3f s, "
               "%.1f GFLOP/s\n", sg.threads, sg.median, sgemm_gflops);
        /* the real and the kept run draw the same batches and dropout masks: the same losses say that
         * flushing subnormals changed no result that matters */
        int last = DHBV_WARM_ITERS + DHBV_KEEP_ITERS - 1;
        printf("check: dhbv loss at iteration %d with subnormals flushed %.6f, kept %.6f; bptt full at iteration %d: "
               "%.6f, %.6f\n", last + 1, d.loss[last], keep.loss[last], DHBV_FULL_ITERS + 1,
               full.loss[DHBV_FULL_ITERS], fullkeep.loss[DHBV_FULL_ITERS]);
        Timing worst = d.net;   /* a ratio of two timings is as contended as the worse of them */
        r = add_timed_row("dhbv_iter_s", d.all.median, "s", &d.all);
        r->baseline = "14.8 s", r->base_lo = r->base_hi = 14.8;
        add_timed_row("dhbv_iter_lstm_s", d.net.median, "s", &d.net);
        add_timed_row("dhbv_iter_physics_s", d.phys.median, "s", &d.phys);
        r = add_timed_row("dhbv_sgemm_gflops", sgemm_gflops, "GFLOP/s", &sg);
        snprintf(r->note, sizeof r->note, "LSTM gemm calls alone: %.3f s, %.1f GFLOP", sg.median, 1e-9 * flop);
        r = add_timed_row("dhbv_net_gflops", d.gflop_net / d.net.median, "GFLOP/s", &d.net);
        snprintf(r->note, sizeof r->note, "%.1f GFLOP / dhbv_iter_lstm_s", d.gflop_net);
        worst.cpu_share = fmin(d.net.cpu_share, sg.cpu_share);
        r = add_timed_row("dhbv_net_over_gemm", d.gflop_net / d.net.median / sgemm_gflops, "ratio", &worst);
        snprintf(r->note, sizeof r->note, "dhbv_net_gflops / dhbv_sgemm_gflops");
        add_timed_row("dhbv_synth_iter_s", syn.all.median, "s", &syn.all);
        add_timed_row("dhbv_synth_iter_lstm_s", syn.net.median, "s", &syn.net);
        add_timed_row("dhbv_synth_iter_physics_s", syn.phys.median, "s", &syn.phys);
        r = add_timed_row("dhbv_synth_net_gflops", syn.gflop_net / syn.net.median, "GFLOP/s", &syn.net);
        snprintf(r->note, sizeof r->note, "%.1f GFLOP / dhbv_synth_iter_lstm_s", syn.gflop_net);
        worst.cpu_share = fmin(syn.net.cpu_share, sg.cpu_share);
        r = add_timed_row("dhbv_synth_net_over_gemm", syn.gflop_net / syn.net.median / sgemm_gflops, "ratio", &worst);
        snprintf(r->note, sizeof r->note, "dhbv_synth_net_gflops / dhbv_sgemm_gflops");
        add_timed_row("dhbv_keepsub_iter_s", keep.all.median, "s", &keep.all);
        add_timed_row("dhbv_keepsub_iter_lstm_s", keep.net.median, "s", &keep.net);
        add_timed_row("dhbv_keepsub_iter_physics_s", keep.phys.median, "s", &keep.phys);
        worst.cpu_share = fmin(keep.net.cpu_share, sg.cpu_share);
        r = add_timed_row("dhbv_keepsub_net_over_gemm", keep.gflop_net / keep.net.median / sgemm_gflops, "ratio",
                          &worst);
        snprintf(r->note, sizeof r->note, "network GFLOP/s with subnormals kept / dhbv_sgemm_gflops");
        worst.cpu_share = fmin(keep.all.cpu_share, d.all.cpu_share);
        r = add_timed_row("dhbv_ftz_speedup", keep.all.median / d.all.median, "ratio", &worst);
        snprintf(r->note, sizeof r->note, "dhbv_keepsub_iter_s / dhbv_iter_s");
        r = add_timed_row("dhbv_fullbptt_iter_s", full.all.median, "s", &full.all);
        snprintf(r->note + strlen(r->note), sizeof r->note - strlen(r->note), "; network %.3f s", full.net.median);
        r = add_timed_row("dhbv_fullbptt_keepsub_iter_s", fullkeep.all.median, "s", &fullkeep.all);
        snprintf(r->note + strlen(r->note), sizeof r->note - strlen(r->note), "; network %.3f s", fullkeep.net.median);
        worst.cpu_share = fmin(full.all.cpu_share, fullkeep.all.cpu_share);
        r = add_timed_row("dhbv_fullbptt_ftz_speedup", fullkeep.all.median / full.all.median, "ratio", &worst);
        snprintf(r->note, sizeof r->note, "dhbv_fullbptt_keepsub_iter_s / dhbv_fullbptt_iter_s");
        jit_dispose(dc.jit);
        program_free(&dc.prog);
    }

    if (regional && bench_regional(work_dir)) failures++;
    if (models) bench_models(&rec, models_days);

    jit_dispose(cm.jit);
    program_free(&cm.prog);
    return finish(out_path, ncpu);
}
