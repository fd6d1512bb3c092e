/* test_nn_mlp.c — the MLP (runtime/mlp.c) and the activations (nn_ops.c):
 *   - backward vs central finite differences in f64, every parameter and the
 *     input, for each activation as the hidden one (output activation
 *     varied too), dropout 0.25 in train mode (masks fixed by the seed) and
 *     eval mode; a one-layer MLP (the linear head)
 *   - gradients accumulate (+=)
 *   - f32 vs f64 forward and backward agreement
 *   - activation names, and the activations at a few points by hand */
#include <string.h>
#include "check.h"
#include "nn_test.h"

typedef struct {
    DgMlp cfg;
    int N, train;
    uint64_t seed;
    size_t np, nin, nout;
    double *params_mem, *grads_mem, *acts_mem, *gacts_mem, *inp, *dinp, *r;
    DgMlpParamsF64 p, g;
    DgMlpActsF64 a;
    DgMlpGradActsF64 ga;
} Case;

static void case_init(Case *k, DgMlp cfg, int N, int train, uint64_t seed) {
    memset(k, 0, sizeof *k);
    k->cfg = cfg, k->N = N, k->train = train, k->seed = seed;
    k->np = dgrt_mlp_num_params(&cfg);
    k->nin = (size_t)N * cfg.sizes[0], k->nout = (size_t)N * cfg.sizes[cfg.n_layers];
    k->params_mem = malloc(k->np * sizeof(double));
    k->grads_mem = calloc(k->np, sizeof(double));
    k->acts_mem = malloc(dgrt_mlp_num_acts(&cfg, N) * sizeof(double));
    k->gacts_mem = malloc(dgrt_mlp_num_grad_acts(&cfg, N) * sizeof(double));
    k->inp = malloc(k->nin * sizeof(double));
    k->dinp = calloc(k->nin, sizeof(double));
    k->r = malloc(k->nout * sizeof(double));
    dgrt_mlp_point_params_f64(&k->p, &cfg, k->params_mem);
    dgrt_mlp_point_params_f64(&k->g, &cfg, k->grads_mem);
    dgrt_mlp_point_acts_f64(&k->a, &cfg, N, k->acts_mem);
    dgrt_mlp_point_grad_acts_f64(&k->ga, &cfg, N, k->gacts_mem);
    DgNnRng rng;
    dgrt_nnrng_seed(&rng, seed);
    dgrt_mlp_init_f64(&k->p, &cfg, DG_INIT_TORCH, &rng);
    rand_fill(k->inp, k->nin, -2, 2, &rng);
    rand_fill(k->r, k->nout, -1, 1, &rng);
}

static void case_free(Case *k) {
    free(k->params_mem), free(k->grads_mem), free(k->acts_mem), free(k->gacts_mem);
    free(k->inp), free(k->dinp), free(k->r);
}

static double case_loss(void *ctx) {
    Case *k = ctx;
    dgrt_mlp_forward_f64(&k->a, &k->p, &k->cfg, k->inp, k->N, k->train, k->seed);
    return dot(k->a.out, k->r, k->nout);
}

static void case_backward(Case *k) {
    case_loss(k);
    dgrt_mlp_backward_f64(&k->g, k->dinp, &k->ga, k->r, &k->a, &k->p, &k->cfg, k->inp, k->N);
}

static void gradcheck(DgMlp cfg, int N, int train) {
    Case k;
    case_init(&k, cfg, N, train, 5);
    case_backward(&k);
    printf("gradcheck MLP");
    for (int i = 0; i <= cfg.n_layers; i++) printf(" %d", cfg.sizes[i]);
    printf(" act %s out %s dropout %g %s\n", dgrt_act_name(cfg.act), dgrt_act_name(cfg.out_act), cfg.dropout,
           train ? "train" : "eval");
    char what[64];
    size_t sizes[DGRT_MLP_NUM_PARAM_TENSORS * DGRT_MLP_MAX_LAYERS], off = 0;
    int nt = dgrt_mlp_param_sizes(sizes, &cfg);
    for (int i = 0; i < nt; i++) { /* grep ORDER MlpParams */
        snprintf(what, sizeof what, "layer %d %s", i / 2, i % 2 ? "b" : "w");
        CHECK(fd_check(what, k.params_mem + off, k.grads_mem + off, sizes[i], case_loss, &k) < 1e-5);
        off += sizes[i];
    }
    CHECK(off == k.np);
    CHECK(fd_check("inp", k.inp, k.dinp, k.nin, case_loss, &k) < 1e-5);
    case_free(&k);
}

static void test_accumulates(void) {
    DgMlp cfg = {
        .n_layers = 3, .sizes = {4, 6, 5, 2}, .act = DG_ACT_ELU, .out_act = DG_ACT_SOFTPLUS, .dropout = 0.3f};
    Case k;
    case_init(&k, cfg, 7, 1, 9);
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

static void test_f32_vs_f64(DgAct act) {
    DgMlp cfg = {
        .n_layers = 3, .sizes = {27, 64, 32, 13}, .act = act, .out_act = DG_ACT_SIGMOID, .dropout = 0.2f};
    int N = 50;
    Case k;
    case_init(&k, cfg, N, 1, 21);
    case_backward(&k);
    float *pm = malloc(k.np * sizeof(float)), *gm = calloc(k.np, sizeof(float));
    float *am = malloc(dgrt_mlp_num_acts(&cfg, N) * sizeof(float));
    float *gam = malloc(dgrt_mlp_num_grad_acts(&cfg, N) * sizeof(float));
    float *inp = malloc(k.nin * sizeof(float)), *r = malloc(k.nout * sizeof(float)), *dinp = calloc(k.nin, 4);
    to_f32(pm, k.params_mem, k.np), to_f32(inp, k.inp, k.nin), to_f32(r, k.r, k.nout);
    DgMlpParamsF32 p, g;
    DgMlpActsF32 a;
    DgMlpGradActsF32 ga;
    dgrt_mlp_point_params_f32(&p, &cfg, pm);
    dgrt_mlp_point_params_f32(&g, &cfg, gm);
    dgrt_mlp_point_acts_f32(&a, &cfg, N, am);
    dgrt_mlp_point_grad_acts_f32(&ga, &cfg, N, gam);
    dgrt_mlp_forward_f32(&a, &p, &cfg, inp, N, 1, k.seed);
    dgrt_mlp_backward_f32(&g, dinp, &ga, r, &a, &p, &cfg, inp, N);
    double dout = 0;
    for (size_t i = 0; i < k.nout; i++) dout = fmax(dout, fabs(a.out[i] - k.a.out[i]));
    double dgrad = max_rel_diff_f32(gm, k.grads_mem, k.np, 1e-2 * max_abs(k.grads_mem, k.np));
    double ddinp = max_rel_diff_f32(dinp, k.dinp, k.nin, 1e-2 * max_abs(k.dinp, k.nin));
    printf("f32 vs f64 (%s): out max abs diff %.2e, grads max rel diff %.2e, dinp %.2e\n", dgrt_act_name(act),
           dout, dgrad, ddinp);
    CHECK(dout < 1e-5);
    CHECK(dgrad < 1e-3);
    CHECK(ddinp < 1e-3);
    free(pm), free(gm), free(am), free(gam), free(inp), free(r), free(dinp);
    case_free(&k);
}

static void test_activations(void) {
    DgAct a;
    CHECK(dgrt_act_parse("tanh", &a) == 0 && a == DG_ACT_TANH);
    CHECK(dgrt_act_parse("softplus", &a) == 0 && a == DG_ACT_SOFTPLUS);
    CHECK(dgrt_act_parse("identity", &a) == 0 && a == DG_ACT_LINEAR);
    CHECK(dgrt_act_parse("gelu", &a) == -1);
    for (int i = 0; i < DG_ACT_COUNT; i++)
        CHECK(dgrt_act_parse(dgrt_act_name((DgAct)i), &a) == 0 && a == (DgAct)i);
    /* values, including arguments that would overflow a naive formula */
    double z[5] = {-800, -1.5, 0, 2, 800}, y[5];
    dgrt_act_forward_f64(y, z, 5, DG_ACT_SOFTPLUS);
    CHECK(y[0] == 0 && fabs(y[1] - log1p(exp(-1.5))) < 1e-15 && fabs(y[2] - log(2)) < 1e-15 && y[4] == 800);
    dgrt_act_forward_f64(y, z, 5, DG_ACT_SIGMOID);
    CHECK(y[0] == 0 && y[2] == 0.5 && y[4] == 1 && fabs(y[3] - 1 / (1 + exp(-2))) < 1e-15);
    dgrt_act_forward_f64(y, z, 5, DG_ACT_ELU);
    CHECK(y[0] == -1 && fabs(y[1] - expm1(-1.5)) < 1e-15 && y[3] == 2);
    dgrt_act_forward_f64(y, z, 5, DG_ACT_RELU);
    CHECK(y[0] == 0 && y[1] == 0 && y[3] == 2 && y[4] == 800);
    float zf[3] = {-100, 0.5f, 100}, yf[3];
    dgrt_act_forward_f32(yf, zf, 3, DG_ACT_SOFTPLUS);
    CHECK(yf[0] >= 0 && yf[0] < 1e-30f && yf[2] == 100);
}

int main(void) {
    test_activations();
    for (int act = 0; act < DG_ACT_COUNT; act++) {
        DgMlp cfg = {.n_layers = 3,
                     .sizes = {5, 7, 6, 3},
                     .act = (DgAct)act,
                     .out_act = DG_ACT_LINEAR,
                     .dropout = 0.25f};
        gradcheck(cfg, 4, 1);
        cfg.out_act = (DgAct)((act + 3) % DG_ACT_COUNT); /* every output activation once */
        cfg.dropout = 0;
        gradcheck(cfg, 4, 1);
    }
    gradcheck((DgMlp){.n_layers = 2,
                      .sizes = {3, 8, 2},
                      .act = DG_ACT_TANH,
                      .out_act = DG_ACT_SIGMOID,
                      .dropout = 0.5f},
              6, 0);
    gradcheck((DgMlp){.n_layers = 1, .sizes = {6, 4}, .act = DG_ACT_RELU, .out_act = DG_ACT_LINEAR}, 5, 1);
    test_accumulates();
    test_f32_vs_f64(DG_ACT_TANH);
    test_f32_vs_f64(DG_ACT_RELU);
    return check_report("test_nn_mlp");
}
