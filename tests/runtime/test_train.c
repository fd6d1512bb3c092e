/* test_train.c — the training loop (train.c) on CAMELS basin 01031500:
 *   config     `key = value` parsing: errors name file:line, hints, format/parse round trip
 *   gradient   the trainer's gradient of the loss with respect to the network
 *              weights (network -> theta -> physics -> series -> loss and back)
 *              against central finite differences, for a small model with a
 *              dynamic, a static and a basin-level (routing) parameter written
 *              below, and for the toy model (in-equation network weights; with
 *              an LSTM, an MLP, and without a network: direct calibration)
 *   head       the LSTM head restricted to the outputs that are read (net_head.c)
 *              gives the full head's loss and gradients, with and without warm-up
 *   resume     4 epochs in one run == 2 epochs, then --resume to 4: weights,
 *              optimiser state, RNG and progress equal bit for bit
 *   commands   train -> eval -> simulate --checkpoint through dgrt_main_io
 * Skipped (exit 77) without shared/data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "csv.h"
#include "train.h"
#include "train_internal.h"

extern const DgModel dg_model; /* toy_model.c */

static char data_dir[512], tmp_dir[512];

// ---- A small model with a dynamic parameter (f32 kernels only, as training uses) -----------------
/* inputs P, E; params k dynamic in [0.05, 0.9], f learned in [0, 1], route_a basin-level in [0, 2];
 * state S = 10; step: d = f E, ET = S d / (S + d + 10), S1 = S + P - ET, Q = k S1, S = S1 - Q;
 * output Q routed by w_j = exp(-a j) / sum_i exp(-a i), a = route_a + 0.1, j < 3. */
enum { DP_K, DP_F, DP_ROUTE, DNP };
static const DgParamInfo dparams[DNP] = {
    {"k", "1/d", 0.05, 0.9, NAN, DG_PARAM_DYNAMIC, 0},
    {"f", "-", 0.0, 1.0, NAN, DG_PARAM_LEARNED, 0},
    {"route_a", "", 0.0, 2.0, NAN, DG_PARAM_LEARNED, 1},
};
static const DgNameInfo dinputs[2] = {{"P", "mm/d"}, {"E", "mm/d"}};
static const DgNameInfo dstates[1] = {{"S", "mm"}};
static const DgOutputInfo doutputs[1] = {{"Q", "mm/d", 0, 3}};
static const int32_t dforcings[2] = {0, 1};
static const char *const dattrs[2] = {"p_mean", "aridity"};

#define FAT(a, i)  (((const float *)(a))[i])
#define FREF(a, i) (((float *)(a))[i])

/* float arrays, double arithmetic (keeps finite differences of the loss clean) */
static double dparam(const DgRun *r, int p, int64_t t, int64_t c) {
    if (p == DP_K && r->dyn_params) return FAT(r->dyn_params, (t * DNP + p) * r->ncells + c);
    return FAT(r->params, p * r->ncells + c);
}

static void d_init(const DgRun *r) {
    for (int64_t c = 0; c < r->ncells; c++) FREF(r->states, c) = 10.0f;
}
static void d_init_rev(const DgRun *r) { (void)r; }

static void d_fwd(const DgRun *r) {
    int64_t nc = r->ncells, nb = nc / r->ncomp;
    for (int64_t c = 0; c < nc; c++) {
        int64_t b = c / r->ncomp;
        double S = FAT(r->states, c);
        for (int64_t t = 0; t < r->nsteps; t++) {
            if (r->tape) FREF(r->tape, t * nc + c) = (float)S;
            double P = FAT(r->forcing, (t * 2 + 0) * nb + b), E = FAT(r->forcing, (t * 2 + 1) * nb + b);
            double k = dparam(r, DP_K, t, c), f = dparam(r, DP_F, t, c);
            double d = f * E, ET = S * d / (S + d + 10), S1 = S + P - ET, Q = k * S1;
            S = S1 - Q;
            FREF(r->out, t * nc + c) = (float)Q;
        }
        FREF(r->states, c) = (float)S;
    }
}

static void d_rev(const DgRun *r) {
    int64_t nc = r->ncells, nb = nc / r->ncomp;
    for (int64_t c = 0; c < nc; c++) {
        int64_t b = c / r->ncomp;
        double dS = FAT(r->dstates, c);
        for (int64_t t = r->nsteps - 1; t >= 0; t--) {
            double S = FAT(r->tape, t * nc + c);
            double P = FAT(r->forcing, (t * 2 + 0) * nb + b), E = FAT(r->forcing, (t * 2 + 1) * nb + b);
            double k = dparam(r, DP_K, t, c), f = dparam(r, DP_F, t, c);
            double d = f * E, den = S + d + 10, ET = S * d / den, S1 = S + P - ET;
            double dQ = FAT(r->dout, t * nc + c);
            double dS1 = dQ * k + dS * (1 - k), dk = (dQ - dS) * S1;
            double dET = -dS1;
            double dd = dET * S * (S + 10) / (den * den);
            dS = dS1 + dET * d * (d + 10) / (den * den);
            if (r->ddyn_params) FREF(r->ddyn_params, (t * DNP + DP_K) * nc + c) += (float)dk;
            else FREF(r->dparams, DP_K * nc + c) += (float)dk;
            FREF(r->dparams, DP_F * nc + c) += (float)(dd * E);
        }
        FREF(r->dstates, c) = (float)dS;
    }
}

static void d_pro(const DgRun *r) {
    for (int64_t c = 0; c < r->ncells; c++) {
        double a = FAT(r->params, DP_ROUTE * r->ncells + c) + 0.1, s = 0, w[3];
        for (int j = 0; j < 3; j++) s += w[j] = exp(-a * j);
        for (int j = 0; j < 3; j++) FREF(r->out, j * r->ncells + c) = (float)(w[j] / s);
    }
}

static void d_pro_rev(const DgRun *r) {
    for (int64_t c = 0; c < r->ncells; c++) {
        double a = FAT(r->params, DP_ROUTE * r->ncells + c) + 0.1, s = 0, w[3], mean = 0, da = 0;
        for (int j = 0; j < 3; j++) s += w[j] = exp(-a * j);
        for (int j = 0; j < 3; j++) mean += j * (w[j] /= s);
        for (int j = 0; j < 3; j++) da += FAT(r->dout, j * r->ncells + c) * w[j] * (mean - j);
        FREF(r->dparams, DP_ROUTE * r->ncells + c) += (float)da;
    }
}

static DgModel dyn_model(void) {
    DgModel m;
    memset(&m, 0, sizeof m);
    m.abi_version = DG_ABI_VERSION;
    m.name = "dyn";
    m.doc = "";
    m.nparams = DNP, m.ninputs = 2, m.nstates = 1, m.nuser_states = 1, m.noutputs = 1, m.nweights = 3,
    m.components = 2;
    m.params = dparams, m.inputs = dinputs, m.states = dstates, m.outputs = doutputs;
    m.init[DG_F32] = d_init, m.init_rev[DG_F32] = d_init_rev;
    m.run_fwd[DG_F32] = d_fwd, m.run_rev[DG_F32] = d_rev;
    m.prologue[DG_F32] = d_pro, m.prologue_rev[DG_F32] = d_pro_rev;
    m.learn = (DgLearnInfo){DG_LEARN_LSTM, 8, 1, 0.25, 2, dforcings, 2, dattrs};
    return m;
}

/* The toy model (toy_model.c) with a parameter network fed by both inputs and
 * two attributes. Its initial state is S = 20 k: without warm-up the gradient
 * also flows through the initial state (init_rev). */
static DgModel toy_with_learn(int kind) {
    DgModel m = dg_model;
    m.learn = (DgLearnInfo){kind, 8, 1, kind == DG_LEARN_LSTM ? 0.5 : 0.0, 2, dforcings, 2, dattrs};
    return m;
}

// ---- Configuration -------------------------------------------------------------------------------

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void expect_config_error(const char *text, const char *want, const char *hint) {
    char path[1100];
    snprintf(path, sizeof path, "%s/bad.conf", tmp_dir);
    write_file(path, text);
    DgTrainConfig c;
    dgrt_train_config_defaults(&c);
    DgrtErr err = {0};
    int rc = dgrt_train_config_file(&c, path, &err);
    CHECK(rc == DGRT_EXIT_USAGE);
    char full[1300];
    snprintf(full, sizeof full, "%s:%s", path, want);
    if (!strstr(err.msg, full)) {
        fprintf(stderr, "expected '%s' in: %s\n", full, err.msg);
        CHECK(0);
    }
    if (hint && !strstr(err.hint, hint)) {
        fprintf(stderr, "expected hint '%s' in: %s\n", hint, err.hint);
        CHECK(0);
    }
}

/* A config file the reader refuses as a file: exit 3 and "<path><rest>" (path NULL: rest alone). */
static void expect_config_file_error(const char *path, const char *rest) {
    DgTrainConfig c;
    dgrt_train_config_defaults(&c);
    DgrtErr err = {0};
    CHECK(dgrt_train_config_file(&c, path, &err) == DGRT_EXIT_DATA);
    char want[1400];
    snprintf(want, sizeof want, rest[0] == ':' ? "%s%s" : "%.0s%s", path, rest);
    CHECK_STR(err.msg, want);
}

/* Every number has a range and an error naming the key: batch = 2147483648
 * aborted on an assertion, 4294967297 trained with batch 1, warmup and
 * epochs near 2^63 overflowed, seed = 2^64 - 1 was refused. Config files:
 * regular, at most 1 MiB, no NUL byte (a NUL dropped the lines after it). */
static void test_config_ranges(void) {
    expect_config_error("batch = 2147483648\n",
                        "1:9: batch '2147483648' is not an integer in [1, 100000] (basins per iteration)", NULL);
    expect_config_error("batch = 4294967297\n", "1:9: batch '4294967297' is not an integer in [1, 100000]", NULL);
    expect_config_error("batch = 1e9\n", "1:9: batch '1e9' is not an integer in [1, 100000]", NULL);
    expect_config_error("warmup = 9223372036854775807\n",
                        "1:10: warmup '9223372036854775807' is not an integer in [0, 36600] (warm-up days before "
                        "each window, up to 100 years)",
                        NULL);
    expect_config_error("epochs = 9223372036854775807\n", "1:10: epochs '9223372036854775807' is not an integer in "
                                                          "[0, 1000000] (epochs)", NULL);
    expect_config_error("epochs = 99999999999999999999\n", "1:10: epochs '99999999999999999999' is not an integer",
                        NULL);
    expect_config_error("rho = 0\n", "1:7: rho '0' is not an integer in [1, 36600]", NULL);
    expect_config_error("threads = 5000\n", "1:11: threads '5000' is not an integer in [0, 4096] (threads, 0 = "
                                            "every core)", NULL);
    expect_config_error("epochs =  5 x\n", "1:11: epochs '5 x' is not an integer", NULL);
    expect_config_error("seed = -1\n", "1:8: seed '-1' is not an integer in [0, 18446744073709551615]", NULL);
    expect_config_error("seed = 18446744073709551616\n", "1:8: seed '18446744073709551616' is not an integer", NULL);
    expect_config_error("lr = nan\n", "1:6: lr 'nan' is not a number in [0, 100]", NULL);
    expect_config_error("checkpoint =\n", "1:13: checkpoint needs a file name", "default checkpoint.bin");
    expect_config_error("momentum = 1.5\n", "1:12: momentum '1.5' is not a number in [0, 1] (momentum)", NULL);
    DgTrainConfig c;
    dgrt_train_config_defaults(&c);
    DgrtErr err = {0};
    CHECK(dgrt_train_config_text(&c, "seed = 18446744073709551615\nbatch = 100000\nwarmup = 36600\n", "t", &err) == 0);
    CHECK(c.seed == UINT64_MAX && c.batch == 100000 && c.warmup == 36600);

    char path[1100];
    snprintf(path, sizeof path, "%s/nul.conf", tmp_dir);
    FILE *f = fopen(path, "wb");
    fwrite("epochs = 5\nbat\0ch = 3\nepochs = 7\n", 1, 31, f);
    fclose(f);
    expect_config_file_error(path, ":2:4: NUL byte in the file");
    struct stat st;
    if (stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode))
        expect_config_file_error("/dev/zero", "'/dev/zero' is a character device, not a regular file");
    snprintf(path, sizeof path, "'%s' is a directory, not a regular file", tmp_dir);
    expect_config_file_error(tmp_dir, path);
    snprintf(path, sizeof path, "%s/big.conf", tmp_dir);
    f = fopen(path, "wb");
    for (int i = 0; i < 1024 * 1024 / 16; i++) fputs("# fifteen chars\n", f);
    fputs("\n", f);
    fclose(f);
    char want[1300];
    snprintf(want, sizeof want, "'%s' is too large for a config file: 1048577 bytes (at most 1048576)", path);
    expect_config_file_error(path, want);
}

static void test_config(void) {
    expect_config_error("epochs = 5\n# a comment\nbatch = x\n",
                        "3:9: batch 'x' is not an integer in [1, 100000] (basins per iteration)", NULL);
    expect_config_error("epoch = 5\n", "1:1: unknown key 'epoch'", "did you mean 'epochs'?");
    expect_config_error("\n\ntrain 1980-01-01:1981-01-01\n", "3:1: expected 'key = value'", NULL);
    expect_config_error("train = 1980-13-01:1981-01-01\n", "1:9: train: ", NULL);
    expect_config_error("optimizer = adamax\n", "1:13: 'adamax' is not a valid optimizer", NULL);
    expect_config_error("lr = -1\n", "1:6: lr '-1' is not a number in [0, 100] (learning rate)", NULL);
    expect_config_error("map = PET\n", "1:7: map 'PET' is not NAME=VARIABLE", NULL);
    expect_config_error(" = 3\n", "1:2: missing key", NULL);
    test_config_ranges();
    /* a good file: comments, blanks, '-' for '_', loss aliases, maps */
    char path[1100];
    snprintf(path, sizeof path, "%s/good.conf", tmp_dir);
    write_file(
        path,
        "# dHBV\n  data = /data/camels  # trailing comment\nbasins=01031500,01022500\n"
        "train = 1980-10-01:1995-09-30\nvalid = 1995-10-01:2000-09-30\nepochs = 7\nlr-schedule = cosine\n"
        "loss = nse_batch\nmap = PET=pet_hamon\nmap = T=tmax\nmap = PET=pet_hargreaves\nlr = 0.5\n");
    DgTrainConfig c, c2;
    dgrt_train_config_defaults(&c);
    DgrtErr err = {0};
    CHECK(dgrt_train_config_file(&c, path, &err) == 0);
    CHECK(!strcmp(c.data, "/data/camels") && c.epochs == 7 && !strcmp(c.lr_schedule, "cosine"));
    CHECK(!strcmp(c.loss, "nse") && c.lr == 0.5 && c.batch == 100);
    CHECK(c.nmaps == 2 && !strcmp(c.maps[0], "PET=pet_hargreaves") && !strcmp(c.maps[1], "T=tmax"));
    CHECK(dgrt_period_days(c.train) == 5478); /* 15 years, 3 of them leap years */
    /* format -> parse -> format is the identity */
    char *t1 = dgrt_train_config_format(&c);
    dgrt_train_config_defaults(&c2);
    CHECK(dgrt_train_config_text(&c2, t1, "text", &err) == 0);
    char *t2 = dgrt_train_config_format(&c2);
    CHECK_STR(t2, t1);
    free(t1);
    free(t2);
    /* flags: the same setter, named by the flag */
    CHECK(dgrt_train_config_set(&c, "iters-per-epoch", "-3", "--iters-per-epoch", &err) == DGRT_EXIT_USAGE);
    CHECK(strstr(err.msg, "--iters-per-epoch: iters_per_epoch '-3'") != NULL);
}

// ---- Gradient vs finite differences ------------------------------------------------------------------

static void base_config(DgTrainConfig *c) {
    dgrt_train_config_defaults(c);
    snprintf(c->data, sizeof c->data, "%s", data_dir);
    strcpy(c->basins, "01031500");
    dgrt_parse_period("1980-10-01:1986-09-30", &c->train.start, &c->train.end, NULL);
    c->batch = 5;
    c->rho = 25;
    c->warmup = 15;
    c->threads = 2;
    c->seed = 3;
}

/* Without warm-up the trainer's gradient is the whole derivative of the loss,
 * through the initial states too (with warm-up, δHBV's recipe detaches the
 * states at the window start: finite differences would see more). */
/* One batch forward and backward: returns the loss; *grads = a copy of the gradient (caller frees) */
static double loss_and_grads(DgTrainer *tr, float **grads) {
    dgrt_trainer_next_batch(tr);
    double loss = dgrt_trainer_forward(tr);
    dgrt_trainer_zero_grad(tr);
    dgrt_trainer_backward(tr);
    *grads = malloc(sizeof(float) * tr->net.num_params);
    memcpy(*grads, tr->net.grads, sizeof(float) * tr->net.num_params);
    return loss;
}

static void gradcheck_model(const DgModel *m, const char *name) {
    DgTrainConfig c;
    base_config(&c);
    c.clip = 0;
    c.warmup = 0;
    DgTrainer tr;
    DgrtErr err = {0};
    if (dgrt_trainer_init(&tr, m, &c, stderr, &err)) {
        dgrt_err_print(&err, stderr);
        CHECK(0);
        return;
    }
    float *g;
    double L0 = loss_and_grads(&tr, &g);
    /* the 12 weights with the largest gradients (LSTM: after the input layer, whose
     * ReLU kinks make finite differences unreliable), and the in-equation weights */
    size_t pick[16], first = tr.net.kind == DG_LEARN_LSTM ? (size_t)tr.net.H * (tr.net.C + 1) : 0;
    int np = 0;
    for (int k = 0; k < 12; k++) {
        size_t best = first;
        float bv = -1;
        for (size_t i = first; i < tr.net.num_net; i++) {
            int used = 0;
            for (int j = 0; j < np; j++) used |= pick[j] == i;
            if (!used && fabsf(g[i]) > bv) bv = fabsf(g[i]), best = i;
        }
        pick[np++] = best;
    }
    for (int i = 0; i < tr.net.nnetw && np < 16; i++) pick[np++] = tr.net.num_net + (size_t)i;
    double worst = 0;
    for (int k = 0; k < np; k++) {
        size_t i = pick[k];
        float w0 = tr.net.params[i];
        float h = 2e-3f * fmaxf(1.0f, fabsf(w0));
        tr.net.params[i] = w0 + h;
        double lp = dgrt_trainer_forward(&tr);
        tr.net.params[i] = w0 - h;
        double lm = dgrt_trainer_forward(&tr);
        tr.net.params[i] = w0;
        double fd = (lp - lm) / (double)(2 * h);
        double e = fabs(fd - g[i]) / fmax(fmax(fabs(fd), fabs(g[i])), 1e-4);
        if (e > worst) worst = e;
        if (e > 1e-2)
            fprintf(stderr, "%s: weight %zu: backward %.6g, finite differences %.6g\n", name, i, g[i], fd);
    }
    printf("%s: loss %.6f, %d weights vs central differences, max rel err %.3g\n", name, L0, np, worst);
    CHECK(worst < 1e-2);
    CHECK(isfinite(L0) && L0 > 0);
    free(g);
    dgrt_trainer_free(&tr);
}

// ---- The restricted head == the full head ----------------------------------------------------------

/* One batch through the trainer twice: with the head restricted to the outputs the physics
 * reads (the trainer's default), then with every output computed (no step outputs; the
 * activations reallocated). Same loss; gradients equal to f32 rounding of the sums. */
static void test_head_restricted(const DgModel *m, int warmup) {
    DgTrainConfig c;
    base_config(&c);
    c.warmup = warmup;
    DgTrainer tr;
    DgrtErr err = {0};
    if (dgrt_trainer_init(&tr, m, &c, stderr, &err)) {
        dgrt_err_print(&err, stderr);
        CHECK(0);
        return;
    }
    CHECK(tr.net.step_out && tr.net.nstep_out > 0 && tr.net.nstep_out < tr.net.P);
    float *g;
    double L_restricted = loss_and_grads(&tr, &g);
    size_t n = tr.net.num_params, nan_raw = 0, TBP = (size_t)tr.Tr * tr.B * tr.net.P;
    for (size_t i = 0; i < TBP; i++) nan_raw += isnan(tr.acts.raw[i]);

    free(tr.net.step_out);
    tr.net.step_out = NULL, tr.net.nstep_out = 0;
    dgrt_net_acts_free(&tr.acts);
    dgrt_net_acts_alloc(&tr.acts, &tr.net, tr.Tr, tr.B, 1);
    double L_full = dgrt_trainer_forward(&tr);
    dgrt_trainer_zero_grad(&tr);
    dgrt_trainer_backward(&tr);
    double err_g = 0, max_g = 0;
    for (size_t i = 0; i < n; i++) {
        err_g = fmax(err_g, fabs((double)g[i] - tr.net.grads[i]));
        max_g = fmax(max_g, fabs((double)tr.net.grads[i]));
    }
    printf("head restricted vs full (warm-up %d): loss %.9g vs %.9g, max |d grad| %.2e of %.2e, %zu of %zu "
           "raw entries not computed\n",
           warmup, L_restricted, L_full, err_g, max_g, nan_raw, TBP);
    CHECK(L_restricted == L_full);
    CHECK(max_g > 0 && err_g <= 1e-5 * max_g);
    CHECK(nan_raw > TBP / 4);   /* the static and routing outputs of every step but the last */
    free(g);
    dgrt_trainer_free(&tr);
}

// ---- Resume == uninterrupted -------------------------------------------------------------------------

static int run_train(const DgModel *m, DgTrainConfig *c) {
    FILE *devnull = fopen("/dev/null", "w");
    int rc = dgrt_train_run(m, c, devnull, stderr);
    fclose(devnull);
    return rc;
}

static void test_resume(const DgModel *m) {
    DgTrainConfig a, b;
    base_config(&a);
    dgrt_parse_period("1986-10-01:1988-09-30", &a.valid.start, &a.valid.end, NULL);
    a.iters_per_epoch = 3;
    a.epochs = 4;
    snprintf(a.checkpoint, sizeof a.checkpoint, "%s/full.bin", tmp_dir);
    CHECK(run_train(m, &a) == 0);
    b = a;
    b.epochs = 2;
    snprintf(b.checkpoint, sizeof b.checkpoint, "%s/half.bin", tmp_dir);
    CHECK(run_train(m, &b) == 0);
    b.epochs = 4;
    b.resume = 1;
    CHECK(run_train(m, &b) == 0);
    DgCheckpoint ca, cb;
    DgrtErr err = {0};
    CHECK(dgrt_checkpoint_read(&ca, a.checkpoint, &err) == 0);
    CHECK(dgrt_checkpoint_read(&cb, b.checkpoint, &err) == 0);
    CHECK(ca.epoch == 4 && cb.epoch == 4 && ca.iter == 12 && cb.iter == 12);
    CHECK(ca.nweights == cb.nweights && !memcmp(ca.weights, cb.weights, sizeof(float) * ca.nweights));
    CHECK(ca.opt_t == cb.opt_t && ca.opt_nbuf == cb.opt_nbuf &&
          !memcmp(ca.opt_memory, cb.opt_memory, sizeof(float) * (size_t)ca.opt_nbuf * ca.opt_n));
    CHECK(ca.rng[0] == cb.rng[0] && ca.best_epoch == cb.best_epoch && ca.best_metric == cb.best_metric);
    CHECK(ca.best_epoch >= 1 && isfinite(ca.best_metric));
    /* and the weights did move: not a run that trained nothing */
    DgTrainConfig z = a;
    z.epochs = 0;
    snprintf(z.checkpoint, sizeof z.checkpoint, "%s/zero.bin", tmp_dir);
    CHECK(run_train(m, &z) == 0);
    DgCheckpoint c0;
    CHECK(dgrt_checkpoint_read(&c0, z.checkpoint, &err) == 0);
    CHECK(c0.iter == 0 && memcmp(c0.weights, ca.weights, sizeof(float) * ca.nweights) != 0);
    printf("resume: 4 epochs == 2 + 2 resumed, bit for bit (%llu weights); best validation NSE %.4f after "
           "epoch %lld\n",
           (unsigned long long)ca.nweights, ca.best_metric, (long long)ca.best_epoch);
    dgrt_checkpoint_free(&ca);
    dgrt_checkpoint_free(&cb);
    dgrt_checkpoint_free(&c0);
}

// ---- The commands through dgrt_main_io ---------------------------------------------------------------

static int run_cli(const DgModel *m, const char *line, char *outbuf, size_t outsize, char *errbuf,
                   size_t errsize) {
    char copy[4096], *argv[64];
    snprintf(copy, sizeof copy, "%s", line);
    int argc = 0;
    for (char *t = strtok(copy, " "); t && argc < 63; t = strtok(NULL, " ")) argv[argc++] = t;
    argv[argc] = NULL;
    FILE *o = fmemopen(outbuf, outsize, "w"), *e = fmemopen(errbuf, errsize, "w");
    int rc = dgrt_main_io(m, argc, argv, o, e);
    fclose(o);
    fclose(e);
    return rc;
}

static void test_commands(const DgModel *m) {
    static char out[65536], errb[65536];
    char line[4096], ck[1100], conf[1100];
    snprintf(ck, sizeof ck, "%s/cli.bin", tmp_dir);
    snprintf(conf, sizeof conf, "%s/run.conf", tmp_dir);
    char text[2048];
    snprintf(
        text, sizeof text,
        "data = %s\nbasins = 01031500,01547700\ntrain = 1980-10-01:1986-09-30\nvalid = "
        "1986-10-01:1988-09-30\n"
        "test = 2000-01-01:2002-12-31\nbatch = 4\nrho = 20\nwarmup = 10\nepochs = 5\niters_per_epoch = 2\n",
        data_dir);
    write_file(conf, text);
    /* the flags override the file (epochs 1, then resume to 2) */
    snprintf(line, sizeof line, "toy train --config %s --epochs 1 --checkpoint %s --threads 1", conf, ck);
    int rc = run_cli(m, line, out, sizeof out, errb, sizeof errb);
    CHECK(rc == 0);
    CHECK(strstr(out, "epoch 1/1:") != NULL &&
          strstr(errb, "basin 01547700 skipped for the training period") != NULL);
    snprintf(line, sizeof line, "toy train --config %s --epochs 2 --checkpoint %s --resume", conf, ck);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == 0);
    CHECK(strstr(out, "resuming from") && strstr(out, "epoch 2/2:"));
    /* resuming with another batch size is refused */
    snprintf(line, sizeof line, "toy train --config %s --epochs 3 --batch 8 --checkpoint %s --resume", conf,
             ck);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == DGRT_EXIT_USAGE);
    CHECK(strstr(errb, "'batch' is '4' in checkpoint") != NULL);
    /* unknown flag, bad config line */
    snprintf(line, sizeof line, "toy train --config %s --epocs 3", conf);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == DGRT_EXIT_USAGE);
    CHECK(strstr(errb, "error: unknown option '--epocs'\n") && strstr(errb, "note: did you mean '--epochs'?\n") &&
          strstr(errb, "note: 'toy --help' lists the commands and options\n"));
    /* eval over the test period (default) with the benchmark, plots, a CSV */
    char plots[1100], csv[1100], preds[1100];
    snprintf(plots, sizeof plots, "%s/plots", tmp_dir);
    snprintf(csv, sizeof csv, "%s/metrics.csv", tmp_dir);
    snprintf(preds, sizeof preds, "%s/preds", tmp_dir);
    snprintf(line, sizeof line, "toy eval --checkpoint %s --benchmark --plot %s --out %s", ck, plots, csv);
    rc = run_cli(m, line, out, sizeof out, errb, sizeof errb);
    CHECK(rc == 0);
    CHECK(strstr(out, "over 2000-01-01:2002-12-31") && strstr(out, "01031500") && strstr(out, "01547700") &&
          strstr(out, "median"));
    CHECK(strstr(errb, "basin 01547700 has 0 of the 10 warm-up days") != NULL);
    char svg[1200];
    snprintf(svg, sizeof svg, "%s/01547700.svg", plots);
    CHECK(access(svg, R_OK) == 0);
    FILE *f = fopen(csv, "r");
    char hdr[512] = "";
    if (f) {
        if (!fgets(hdr, sizeof hdr, f)) hdr[0] = 0;
        fclose(f);
    }
    CHECK(!strncmp(hdr, "basin,n,nse,kge,r,alpha,beta,bias_pct,rmse,fhv,flv,bench_n,bench_nse", 68));
    /* simulate: one CSV per basin with every output */
    snprintf(line, sizeof line, "toy simulate --checkpoint %s --period 2000-03-01:2000-03-31 --out %s", ck,
             preds);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == 0);
    char pc[1200];
    snprintf(pc, sizeof pc, "%s/01031500.csv", preds);
    f = fopen(pc, "r");
    int lines = 0;
    char buf[512];
    if (f) {
        if (fgets(buf, sizeof buf, f)) CHECK(!strcmp(buf, "date,Q,Q_obs,ET\n"));   /* the observed series beside the target */
        lines = 1;
        while (fgets(buf, sizeof buf, f)) lines++;
        fclose(f);
    }
    CHECK(lines == 32);
    /* a checkpoint of another component count is refused */
    DgModel other = *m;
    other.components = 3;
    snprintf(line, sizeof line, "toy eval --checkpoint %s", ck);
    CHECK(run_cli(&other, line, out, sizeof out, errb, sizeof errb) == DGRT_EXIT_DATA);
    CHECK(strstr(errb, "written for another model") != NULL);
}

// ---- Out of memory names the settings -----------------------------------------------------------------

/* A run inside the ranges can still need more memory than there is: the
 * error then says which settings size the arrays, not just a byte count.
 * In a child process with 3 GB of address space (not under ASan, which
 * reserves far more). */
static void test_oom_note(const DgModel *m) {
#if defined(__SANITIZE_ADDRESS__)
    (void)m;
    return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    (void)m;
    return;
#endif
#endif
    char path[1100];
    snprintf(path, sizeof path, "%s/oom.txt", tmp_dir);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(path, "w", stderr)) _exit(90);
        struct rlimit lim = {3ul << 30, 3ul << 30};
        if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(91);
        DgTrainConfig c;
        base_config(&c);
        dgrt_parse_period("1980-10-01:2014-09-30", &c.train.start, &c.train.end, NULL);
        c.batch = 100000;
        c.rho = 10000;
        c.warmup = 2000;
        DgTrainer tr;
        DgrtErr err = {0};
        int rc = dgrt_trainer_init(&tr, m, &c, stderr, &err);
        _exit(rc ? 92 : 93);   /* not reached: out of memory exits with 3 */
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == DGRT_EXIT_DATA);
    char *text = NULL;
    size_t len = 0;
    DgrtErr err = {0};
    CHECK(dgrt_read_file(path, &text, &len, &err) == 0);
    CHECK(text && strstr(text, "error: out of memory allocating ") &&
          strstr(text, "\nnote: the training arrays grow with batch (100000 basins) x warmup + rho (12000 days) "
                       "and the number of basins: lower batch, warmup or rho\n"));
    if (text && !strstr(text, "lower batch")) fprintf(stderr, "child's stderr:\n%s\n", text);
    free(text);
}

// ---- A loss or gradient that is not finite: the notes say where from ------------------------------

static char *explain(DgTrainer *tr, double loss) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    dgrt_trainer_explain_nonfinite(tr, loss, f);
    fclose(f);
    return text;
}

static void test_nonfinite_notes(const DgModel *m) {
    DgTrainConfig c;
    base_config(&c);
    c.batch = 1;
    DgTrainer tr;
    DgrtErr err = {0};
    if (dgrt_trainer_init(&tr, m, &c, stderr, &err)) {
        dgrt_err_print(&err, stderr);
        CHECK(0);
        return;
    }
    dgrt_trainer_next_batch(&tr);
    dgrt_trainer_forward(&tr);
    /* a parameter the network made NaN: named, with the learning-rate advice */
    DgPhys *p = &tr.shards[0];
    p->params[0] = NAN;   /* k, cell 0 */
    tr.sim[3] = NAN;
    char *t = explain(&tr, NAN);
    CHECK(strstr(t, "note: basin 01031500 (window ") && strstr(t, "): parameter 'k' is not finite\n"));
    CHECK(strstr(t, "note: lower the learning rate (--lr) or clip the gradient harder (--clip); the last "
                    "checkpoint is unchanged\n"));
    free(t);
    /* a finite loss with a gradient that is not */
    dgrt_trainer_zero_grad(&tr);
    memset(p->dparams, 0, sizeof(float) * (size_t)(m->nparams * p->nc));
    p->dparams[1 * p->nc] = INFINITY;   /* f, cell 0 */
    t = explain(&tr, 1.0);
    CHECK(strstr(t, "note: the gradient of parameter 'f' is not finite in basin 01031500\n") != NULL);
    free(t);
    dgrt_trainer_free(&tr);
}

int main(void) {
    snprintf(data_dir, sizeof data_dir, "%s/data/camels_us", DG_SHARED_DIR);
    snprintf(tmp_dir, sizeof tmp_dir, "%s", DG_RT_TMP_DIR);
    mkdir(tmp_dir, 0777);
    test_config();
    struct stat st;
    if (stat(data_dir, &st) != 0) {
        printf("test_train: %s not found, skipped\n", data_dir);
        return 77;
    }
    DgModel dyn = dyn_model(), toy = toy_with_learn(DG_LEARN_LSTM), toy_mlp = toy_with_learn(DG_LEARN_MLP);
    gradcheck_model(&dyn, "dyn (dynamic k, static f, routing)");
    gradcheck_model(&toy, "toy (LSTM, in-equation network)");
    gradcheck_model(&toy_mlp, "toy (MLP)");
    DgModel toy_cal = dg_model; /* no parameter network: direct calibration (a table of raw values) */
    gradcheck_model(&toy_cal, "toy (direct calibration)");
    test_head_restricted(&dyn, 0);
    test_head_restricted(&dyn, 30);
    test_resume(&dyn);
    test_commands(&toy);
    test_oom_note(&dyn);
    test_nonfinite_notes(&toy);
    return check_report("test_train");
}
