/* test_nn_lstm.c — the LSTM (runtime/lstm.c):
 *   - the equations and PyTorch gate order (i, f, g, o) on a 1-unit network by hand
 *   - backward vs central finite differences in f64, every parameter and input:
 *     L = 2, T = 5, B = 3, C = 4, H = 6, dropout 0.3 in train mode (the
 *     masks are fixed by the seed), and in eval mode; L = 3 without dropout
 *   - gradients accumulate (+=): two backward passes give twice the gradient
 *   - f32 vs f64 forward and backward agreement, dropout masks identical
 *   - determinism: same seed -> same bits; another seed -> other masks
 *   - threads (dgrt_nn_set_threads): the recurrence split by batch rows and the
 *     gemms split over 3 threads give the 1-thread masks bit for bit and the
 *     same outputs and gradients (f64, to rounding); gradcheck on 3 threads
 * `rt_test_nn_lstm --bench [T B C H]` times forward + backward in f32 against plain sgemm
 * (a measurement, not a test; OPENBLAS_NUM_THREADS=1 for a single core). */
#include <cblas.h>
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "nn_test.h"

// ---- An LSTM in f64 with its loss L = sum out ⊙ r ------------------------------------------

typedef struct {
    DgLstm cfg;
    int T, B, train;
    uint64_t seed;
    size_t np, nin, nout;
    double *params_mem, *grads_mem, *acts_mem, *gacts_mem, *inp, *dinp, *r;
    DgLstmParamsF64 p, g;
    DgLstmActsF64 a;
    DgLstmGradActsF64 ga;
} Case;

static void case_init(Case *k, DgLstm cfg, int T, int B, int train, uint64_t seed) {
    memset(k, 0, sizeof *k);
    k->cfg = cfg, k->T = T, k->B = B, k->train = train, k->seed = seed;
    k->np = dgrt_lstm_num_params(&cfg);
    k->nin = (size_t)T * B * cfg.C, k->nout = (size_t)T * B * cfg.H;
    k->params_mem = malloc(k->np * sizeof(double));
    k->grads_mem = calloc(k->np, sizeof(double));
    k->acts_mem = malloc(dgrt_lstm_num_acts(&cfg, T, B) * sizeof(double));
    k->gacts_mem = malloc(dgrt_lstm_num_grad_acts(&cfg, T, B) * sizeof(double));
    k->inp = malloc(k->nin * sizeof(double));
    k->dinp = calloc(k->nin, sizeof(double));
    k->r = malloc(k->nout * sizeof(double));
    dgrt_lstm_point_params_f64(&k->p, &cfg, k->params_mem);
    dgrt_lstm_point_params_f64(&k->g, &cfg, k->grads_mem);
    dgrt_lstm_point_acts_f64(&k->a, &cfg, T, B, k->acts_mem);
    dgrt_lstm_point_grad_acts_f64(&k->ga, &cfg, T, B, k->gacts_mem);
    DgNnRng rng;
    dgrt_nnrng_seed(&rng, seed);
    dgrt_lstm_init_f64(&k->p, &cfg, &rng);
    /* larger weights than the init, so that the gates leave their linear range */
    for (size_t i = 0; i < k->np; i++) k->params_mem[i] *= 3;
    rand_fill(k->inp, k->nin, -2, 2, &rng);
    rand_fill(k->r, k->nout, -1, 1, &rng);
}

static void case_free(Case *k) {
    free(k->params_mem), free(k->grads_mem), free(k->acts_mem), free(k->gacts_mem);
    free(k->inp), free(k->dinp), free(k->r);
}

static double case_loss(void *ctx) {
    Case *k = ctx;
    dgrt_lstm_forward_f64(&k->a, &k->p, &k->cfg, k->inp, k->T, k->B, k->train, k->seed);
    return dot(k->a.out, k->r, k->nout);
}

static void case_backward(Case *k) {
    case_loss(k);
    dgrt_lstm_backward_f64(&k->g, k->dinp, &k->ga, k->r, &k->a, &k->p, &k->cfg, k->inp, k->T, k->B);
}

static void gradcheck(const char *name, DgLstm cfg, int T, int B, int train) {
    Case k;
    case_init(&k, cfg, T, B, train, 7);
    case_backward(&k);
    printf("%s (L=%d T=%d B=%d C=%d H=%d dropout=%g %s)\n", name, cfg.L, T, B, cfg.C, cfg.H, cfg.dropout,
           train ? "train" : "eval");
    char what[64];
    size_t sizes[DGRT_LSTM_NUM_PARAM_TENSORS * DGRT_LSTM_MAX_LAYERS], off = 0;
    int nt = dgrt_lstm_param_sizes(sizes, &cfg);
    static const char *names[] = {"w_ih", "w_hh", "b_ih", "b_hh"}; /* grep ORDER LstmParams */
    for (int i = 0; i < nt; i++) {
        snprintf(what, sizeof what, "layer %d %s", i / 4, names[i % 4]);
        CHECK(fd_check(what, k.params_mem + off, k.grads_mem + off, sizes[i], case_loss, &k) < 1e-5);
        off += sizes[i];
    }
    CHECK(off == k.np);
    CHECK(fd_check("inp", k.inp, k.dinp, k.nin, case_loss, &k) < 1e-5);
    if (train && cfg.dropout > 0) { /* the masks were really used */
        size_t zeros = 0;
        for (size_t i = 0; i < k.nout; i++) zeros += k.a.mask[cfg.L - 1][i] == 0;
        CHECK(zeros > 0 && zeros < k.nout);
    }
    case_free(&k);
}

// ---- The equations by hand ------------------------------------------------------------------

static double sigm(double x) { return 1 / (1 + exp(-x)); }

static void test_by_hand(void) {
    DgLstm cfg = {.C = 1, .H = 1, .L = 1, .dropout = 0};
    double mem[16], acts[64];
    DgLstmParamsF64 p;
    DgLstmActsF64 a;
    dgrt_lstm_point_params_f64(&p, &cfg, mem);
    dgrt_lstm_point_acts_f64(&a, &cfg, 2, 1, acts);
    /* gate order i, f, g, o in the rows of every tensor */
    const double w[4] = {0.5, -0.3, 0.8, 0.2}, u[4] = {0.1, 0.7, -0.4, 0.9};
    const double bi[4] = {0.05, 0.6, -0.1, 0.2}, bh[4] = {-0.2, 0.3, 0.25, 0.1};
    memcpy(p.w_ih[0], w, sizeof w), memcpy(p.w_hh[0], u, sizeof u);
    memcpy(p.b_ih[0], bi, sizeof bi), memcpy(p.b_hh[0], bh, sizeof bh);
    double x[2] = {1.5, -0.7};
    dgrt_lstm_forward_f64(&a, &p, &cfg, x, 2, 1, 0, 0);
    double h = 0, c = 0;
    for (int t = 0; t < 2; t++) {
        double i = sigm(w[0] * x[t] + u[0] * h + bi[0] + bh[0]);
        double f = sigm(w[1] * x[t] + u[1] * h + bi[1] + bh[1]);
        double g = tanh(w[2] * x[t] + u[2] * h + bi[2] + bh[2]);
        double o = sigm(w[3] * x[t] + u[3] * h + bi[3] + bh[3]);
        c = f * c + i * g;
        h = o * tanh(c);
        CHECK(fabs(a.out[t] - h) < 1e-15);
        CHECK(fabs(a.c[0][t] - c) < 1e-15);
    }
}

// ---- Accumulation, f32 vs f64, determinism ----------------------------------------------------

static void test_accumulates(void) {
    DgLstm cfg = {.C = 3, .H = 5, .L = 2, .dropout = 0.2f};
    Case k;
    case_init(&k, cfg, 4, 2, 1, 11);
    case_backward(&k);
    double *once = malloc(k.np * sizeof(double)), *dinp1 = malloc(k.nin * sizeof(double));
    memcpy(once, k.grads_mem, k.np * sizeof(double));
    memcpy(dinp1, k.dinp, k.nin * sizeof(double));
    case_backward(&k);
    int ok = 1;
    for (size_t i = 0; i < k.np; i++) ok &= fabs(k.grads_mem[i] - 2 * once[i]) <= 1e-14 * fabs(once[i]);
    for (size_t i = 0; i < k.nin; i++) ok &= fabs(k.dinp[i] - 2 * dinp1[i]) <= 1e-14 * fabs(dinp1[i]);
    CHECK(ok);
    free(once), free(dinp1);
    case_free(&k);
}

/* The same network, weights and input in f32 and f64 (f32 = rounded f64). */
static void test_f32_vs_f64(int train) {
    DgLstm cfg = {.C = 38, .H = 32, .L = 2, .dropout = 0.3f};
    int T = 60, B = 8;
    Case k;
    case_init(&k, cfg, T, B, train, 3);
    for (size_t i = 0; i < k.np; i++) k.params_mem[i] /= 3; /* the plain initialisation */
    case_backward(&k);

    float *pm = malloc(k.np * sizeof(float)), *gm = calloc(k.np, sizeof(float));
    float *am = malloc(dgrt_lstm_num_acts(&cfg, T, B) * sizeof(float));
    float *gam = malloc(dgrt_lstm_num_grad_acts(&cfg, T, B) * sizeof(float));
    float *inp = malloc(k.nin * sizeof(float)), *r = malloc(k.nout * sizeof(float));
    float *dinp = calloc(k.nin, sizeof(float));
    to_f32(pm, k.params_mem, k.np), to_f32(inp, k.inp, k.nin), to_f32(r, k.r, k.nout);
    DgLstmParamsF32 p, g;
    DgLstmActsF32 a;
    DgLstmGradActsF32 ga;
    dgrt_lstm_point_params_f32(&p, &cfg, pm);
    dgrt_lstm_point_params_f32(&g, &cfg, gm);
    dgrt_lstm_point_acts_f32(&a, &cfg, T, B, am);
    dgrt_lstm_point_grad_acts_f32(&ga, &cfg, T, B, gam);
    dgrt_lstm_forward_f32(&a, &p, &cfg, inp, T, B, train, k.seed);
    dgrt_lstm_backward_f32(&g, dinp, &ga, r, &a, &p, &cfg, inp, T, B);

    double dout = 0, dmask = 0;
    for (size_t i = 0; i < k.nout; i++) dout = fmax(dout, fabs(a.out[i] - k.a.out[i]));
    if (train)
        for (int l = 0; l < cfg.L; l++)
            for (size_t i = 0; i < k.nout; i++) dmask = fmax(dmask, fabs(a.mask[l][i] - k.a.mask[l][i]));
    double gmax = max_abs(k.grads_mem, k.np), imax = max_abs(k.dinp, k.nin);
    double dgrad = max_rel_diff_f32(gm, k.grads_mem, k.np, 1e-2 * gmax);
    double ddinp = max_rel_diff_f32(dinp, k.dinp, k.nin, 1e-2 * imax);
    printf("f32 vs f64 (%s): out max abs diff %.2e, masks %.1e, grads max rel diff %.2e, dinp %.2e\n",
           train ? "train" : "eval", dout, dmask, dgrad, ddinp);
    CHECK(dout < 1e-5);
    CHECK(dmask < 1e-5);
    CHECK(dgrad < 1e-3);
    CHECK(ddinp < 1e-3);
    free(pm), free(gm), free(am), free(gam), free(inp), free(r), free(dinp);
    case_free(&k);
}

/* Truncated backpropagation (dgrt_lstm_backward_from): from step 0 it is the
 * full pass bit for bit; from t0 > 0, with a loss of the steps from t0 on (as
 * after a warm-up), nothing reaches the inputs before t0, and at a plain initialisation (forget gates ~0.5) the gradient into the
 * steps before t0 has decayed, so the weights' gradients differ from the
 * full ones by a little, but not by nothing. */
static void test_truncated(void) {
    DgLstm cfg = {.C = 5, .H = 12, .L = 2, .dropout = 0.2f};
    int T = 60, B = 4, t0 = 30;
    Case k;
    case_init(&k, cfg, T, B, 1, 11);
    for (size_t i = 0; i < k.np; i++) k.params_mem[i] /= 3;
    for (size_t i = 0; i < (size_t)t0 * B * cfg.H; i++) k.r[i] = 0;   /* the loss reads steps t0.. only */
    case_backward(&k);   /* the full pass: k.grads_mem, k.dinp */
    double *gm = calloc(k.np, sizeof(double)), *dinp = calloc(k.nin, sizeof(double));
    double *gam = malloc(dgrt_lstm_num_grad_acts(&cfg, T, B) * sizeof(double));
    DgLstmParamsF64 g;
    DgLstmGradActsF64 ga;
    dgrt_lstm_point_params_f64(&g, &cfg, gm);
    dgrt_lstm_point_grad_acts_f64(&ga, &cfg, T, B, gam);
    dgrt_lstm_backward_from_f64(&g, dinp, &ga, k.r, &k.a, &k.p, &cfg, k.inp, T, B, 0);
    int same = 1;
    for (size_t i = 0; i < k.np; i++) same &= gm[i] == k.grads_mem[i];
    for (size_t i = 0; i < k.nin; i++) same &= dinp[i] == k.dinp[i];
    CHECK(same);
    memset(gm, 0, k.np * sizeof(double));
    memset(dinp, 0, k.nin * sizeof(double));
    dgrt_lstm_backward_from_f64(&g, dinp, &ga, k.r, &k.a, &k.p, &cfg, k.inp, T, B, t0);
    double before = 0, diff = 0, norm = 0;
    for (size_t i = 0; i < (size_t)t0 * B * cfg.C; i++) before = fmax(before, fabs(dinp[i]));
    for (size_t i = 0; i < k.np; i++) {
        diff += (gm[i] - k.grads_mem[i]) * (gm[i] - k.grads_mem[i]);
        norm += k.grads_mem[i] * k.grads_mem[i];
    }
    printf("truncated at step %d of %d: |g - g_full| / |g_full| = %.2e, dinp before t0 max %.1e\n", t0, T,
           sqrt(diff / norm), before);
    CHECK(before == 0);
    CHECK(sqrt(diff / norm) > 0 && sqrt(diff / norm) < 0.5);
    free(gm), free(dinp), free(gam);
    case_free(&k);
}

static void test_determinism(void) {
    DgLstm cfg = {.C = 4, .H = 8, .L = 2, .dropout = 0.4f};
    int T = 6, B = 3;
    size_t no = (size_t)T * B * cfg.H, np = dgrt_lstm_num_params(&cfg);
    float *out[3], *par[2];
    for (int run = 0; run < 3; run++) {
        float *pm = malloc(np * sizeof(float));
        float *am = malloc(dgrt_lstm_num_acts(&cfg, T, B) * sizeof(float));
        float inp[6 * 3 * 4];
        DgLstmParamsF32 p;
        DgLstmActsF32 a;
        DgNnRng rng;
        dgrt_nnrng_seed(&rng, 2024);
        dgrt_lstm_point_params_f32(&p, &cfg, pm);
        dgrt_lstm_point_acts_f32(&a, &cfg, T, B, am);
        dgrt_lstm_init_f32(&p, &cfg, &rng);
        dgrt_fill_uniform_f32(inp, sizeof inp / sizeof *inp, -1, 1, &rng);
        dgrt_lstm_forward_f32(&a, &p, &cfg, inp, T, B, 1, run < 2 ? 99 : 100); /* run 2: another seed */
        out[run] = malloc(no * sizeof(float));
        memcpy(out[run], a.out, no * sizeof(float));
        if (run < 2) par[run] = pm;
        else free(pm);
        free(am);
    }
    CHECK(!memcmp(par[0], par[1], np * sizeof(float)));
    CHECK(!memcmp(out[0], out[1], no * sizeof(float)));
    CHECK(memcmp(out[0], out[2], no * sizeof(float)) != 0);
    for (int i = 0; i < 3; i++) free(out[i]);
    free(par[0]), free(par[1]);
}

// ---- Threads -----------------------------------------------------------------------------------

/* sizes where every gemm is large enough to be split (pgemm splits above 2^20 flops) and
 * B = 13 does not divide evenly over 3 threads */
static void test_threads(void) {
    DgLstm cfg = {.C = 64, .H = 32, .L = 2, .dropout = 0.3f};
    int T = 20, B = 13;
    Case one, three;
    dgrt_nn_set_threads(1);
    case_init(&one, cfg, T, B, 1, 5);
    case_backward(&one);
    CHECK(dgrt_nn_set_threads(3) == 3);
    case_init(&three, cfg, T, B, 1, 5);
    case_backward(&three);
    printf("threads: 1 vs 3 (L=%d T=%d B=%d C=%d H=%d)\n", cfg.L, T, B, cfg.C, cfg.H);
    for (int l = 0; l < cfg.L; l++)
        CHECK(!memcmp(one.a.mask[l], three.a.mask[l], one.nout * sizeof(double)));
    double eo = 0, eg = 0, ei = 0, so = 0, sg = 0, si = 0;
    for (size_t i = 0; i < one.nout; i++)
        eo = fmax(eo, fabs(one.a.out[i] - three.a.out[i])), so = fmax(so, fabs(one.a.out[i]));
    for (size_t i = 0; i < one.np; i++)
        eg = fmax(eg, fabs(one.grads_mem[i] - three.grads_mem[i])), sg = fmax(sg, fabs(one.grads_mem[i]));
    for (size_t i = 0; i < one.nin; i++)
        ei = fmax(ei, fabs(one.dinp[i] - three.dinp[i])), si = fmax(si, fabs(one.dinp[i]));
    printf("  max |difference| / max |value|: out %.2e, grads %.2e, dinp %.2e\n", eo / so, eg / sg, ei / si);
    CHECK(so > 0 && sg > 0 && si > 0);
    CHECK(eo <= 1e-13 * so && eg <= 1e-12 * sg && ei <= 1e-12 * si);
    case_free(&one), case_free(&three);
    gradcheck("gradcheck on 3 threads", (DgLstm){.C = 4, .H = 6, .L = 2, .dropout = 0.3f}, 5, 7, 1);
    dgrt_nn_set_threads(1);
}

// ---- Benchmark (--bench) ----------------------------------------------------------------------

static int bench(int T, int B, int C, int H) {
    DgLstm cfg = {.C = C, .H = H, .L = 1, .dropout = 0.5f};
    size_t np = dgrt_lstm_num_params(&cfg), nin = (size_t)T * B * C, nout = (size_t)T * B * H;
    float *pm = malloc(np * sizeof(float)), *gm = calloc(np, sizeof(float));
    size_t na = dgrt_lstm_num_acts(&cfg, T, B), nga = dgrt_lstm_num_grad_acts(&cfg, T, B);
    float *am = malloc(na * sizeof(float)), *gam = malloc(nga * sizeof(float));
    float *inp = malloc(nin * sizeof(float)), *dout = malloc(nout * sizeof(float));
    DgLstmParamsF32 p, g;
    DgLstmActsF32 a;
    DgLstmGradActsF32 ga;
    DgNnRng rng;
    dgrt_nnrng_seed(&rng, 1);
    dgrt_lstm_point_params_f32(&p, &cfg, pm);
    dgrt_lstm_point_params_f32(&g, &cfg, gm);
    dgrt_lstm_point_acts_f32(&a, &cfg, T, B, am);
    dgrt_lstm_point_grad_acts_f32(&ga, &cfg, T, B, gam);
    dgrt_lstm_init_f32(&p, &cfg, &rng);
    dgrt_fill_uniform_f32(inp, nin, -1, 1, &rng);
    dgrt_fill_uniform_f32(dout, nout, -1, 1, &rng);
    printf("LSTM f32 T=%d B=%d C=%d H=%d L=1 dropout 0.5: %zu params, acts %.0f MB, grad acts %.0f MB\n", T,
           B, C, H, np, na * 4e-6, nga * 4e-6);

    double G = 4.0 * H, TB = (double)T * B;
    double fwd_flops = 2 * TB * C * G + 2 * (TB - B) * H * G;
    double bwd_flops =
        2 * (TB - B) * G * H /* dh_{t-1} */ + 2 * G * C * TB /* dW_ih */ + 2 * G * H * (TB - B);
    int reps = 3;
    double tf = 1e30, tb = 1e30, cf = 1e30, cb = 1e30; /* wall and process CPU seconds, best of reps */
    for (int it = 0; it <= reps; it++) {               /* iteration 0 warms up */
        double t0 = now_sec(), c0 = cpu_sec();
        dgrt_lstm_forward_f32(&a, &p, &cfg, inp, T, B, 1, (uint64_t)it);
        double t1 = now_sec(), c1 = cpu_sec();
        memset(gm, 0, np * sizeof(float));
        dgrt_lstm_backward_f32(&g, NULL, &ga, dout, &a, &p, &cfg, inp, T, B);
        double t2 = now_sec(), c2 = cpu_sec();
        if (it)
            tf = fmin(tf, t1 - t0), tb = fmin(tb, t2 - t1), cf = fmin(cf, c1 - c0), cb = fmin(cb, c2 - c1);
    }
    printf("  forward  %7.3f s (cpu %.3f s)  %6.1f GFLOP/s (gemm flops %.1f G)\n", tf, cf,
           fwd_flops / tf * 1e-9, fwd_flops * 1e-9);
    printf("  backward %7.3f s (cpu %.3f s)  %6.1f GFLOP/s (gemm flops %.1f G)\n", tb, cb,
           bwd_flops / tb * 1e-9, bwd_flops * 1e-9);
    printf("  fwd+bwd  %7.3f s (cpu %.3f s)  %6.1f GFLOP/s\n", tf + tb, cf + cb,
           (fwd_flops + bwd_flops) / (tf + tb) * 1e-9);

    /* plain sgemm of the same sizes: the per-step recurrent shape (B, 4H) += (B, H) · (H, 4H), T times,
     * and the same flops as one large gemm (T*B, 4H) = (T*B, H) · (H, 4H) */
    float *hbuf = a.h[0], *gbuf = a.gates[0];
    double ts = 1e30, tl = 1e30, cs = 1e30, cl = 1e30;
    for (int it = 0; it <= reps; it++) {
        double t0 = now_sec(), c0 = cpu_sec();
        for (int t = 1; t < T; t++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, 4 * H, H, 1,
                        hbuf + (size_t)(t - 1) * B * H, H, p.w_hh[0], H, 1, gbuf + (size_t)t * B * 4 * H,
                        4 * H);
        double t1 = now_sec(), c1 = cpu_sec();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(TB - B), 4 * H, H, 1, hbuf, H, p.w_hh[0],
                    H, 1, gbuf + (size_t)B * 4 * H, 4 * H);
        double t2 = now_sec(), c2 = cpu_sec();
        if (it)
            ts = fmin(ts, t1 - t0), tl = fmin(tl, t2 - t1), cs = fmin(cs, c1 - c0), cl = fmin(cl, c2 - c1);
    }
    double rf = 2 * (TB - B) * H * G;
    printf("  plain sgemm, per-step shape (%d x %d x %d) x %d: %6.1f GFLOP/s (per cpu second %.1f)\n", B,
           4 * H, H, T - 1, rf / ts * 1e-9, rf / cs * 1e-9);
    printf("  plain sgemm, one call (%d x %d x %d):              %6.1f GFLOP/s (per cpu second %.1f)\n",
           (int)(TB - B), 4 * H, H, rf / tl * 1e-9, rf / cl * 1e-9);
    printf("  LSTM fwd+bwd per cpu second: %.1f GFLOP/s\n", (fwd_flops + bwd_flops) / (cf + cb) * 1e-9);
    free(pm), free(gm), free(am), free(gam), free(inp), free(dout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--bench")) {
        int T = argc > 2 ? atoi(argv[2]) : 730, B = argc > 3 ? atoi(argv[3]) : 100;
        int C = argc > 4 ? atoi(argv[4]) : 38, H = argc > 5 ? atoi(argv[5]) : 256;
        return bench(T, B, C, H);
    }
    test_by_hand();
    gradcheck("gradcheck", (DgLstm){.C = 4, .H = 6, .L = 2, .dropout = 0.3f}, 5, 3, 1);
    gradcheck("gradcheck", (DgLstm){.C = 4, .H = 6, .L = 2, .dropout = 0.3f}, 5, 3, 0);
    gradcheck("gradcheck", (DgLstm){.C = 2, .H = 3, .L = 3, .dropout = 0}, 4, 2, 1);
    gradcheck("gradcheck", (DgLstm){.C = 3, .H = 4, .L = 1, .dropout = 0.5f}, 1, 2, 1); /* T = 1 */
    test_accumulates();
    test_f32_vs_f64(0);
    test_f32_vs_f64(1);
    test_determinism();
    test_truncated();
    test_threads();
    return check_report("test_nn_lstm");
}
