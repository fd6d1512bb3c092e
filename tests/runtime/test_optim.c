/* test_optim.c — the optimisers of optim.c against values computed by hand
 * from PyTorch's update formulas (two steps on p0 = (1, -2) with gradients
 * g1 = (0.5, -1) then g2 = (0.25, 2); the arithmetic is in each comment),
 * gradient clipping by global norm, and the learning-rate schedules. */
#include <math.h>
#include <stdio.h>
#include "check.h"
#include "optim.h"

static const float G1[2] = {0.5f, -1.0f}, G2[2] = {0.25f, 2.0f};

/* |got - want| <= tol max(1, |want|) (float state: tol 1e-6) */
static int near(double got, double want, double tol) {
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

/* Two steps; p, buf[0], buf[1] after step 1 (want1) and step 2 (want2): 6 numbers each. */
static void run_two(const DgOptimConfig *cfg, float lr, const double want1[6], const double want2[6]) {
    DgOptim o;
    float p[2] = {1.0f, -2.0f};
    dgrt_optim_init(&o, cfg, 2);
    const float *g[2] = {G1, G2};
    const double *want[2] = {want1, want2};
    for (int s = 0; s < 2; s++) {
        dgrt_optim_step(&o, p, g[s], 2, lr);
        CHECK(o.t == s + 1);
        for (int i = 0; i < 2; i++) {
            CHECK(near(p[i], want[s][i], 1e-6));
            for (int k = 0; k < o.nbuf; k++) CHECK(near(o.buf[k][i], want[s][2 + 2 * k + i], 1e-6));
        }
        if (!near(p[0], want[s][0], 1e-6) || !near(p[1], want[s][1], 1e-6))
            fprintf(stderr, "  %s step %d: p = (%.9g, %.9g), want (%.9g, %.9g)\n", dgrt_optim_name(cfg->kind),
                    s + 1, p[0], p[1], want[s][0], want[s][1]);
    }
    /* reset: the first step again gives want1 */
    float q[2] = {1.0f, -2.0f};
    dgrt_optim_reset(&o);
    dgrt_optim_step(&o, q, G1, 2, lr);
    CHECK(near(q[0], want1[0], 1e-6) && near(q[1], want1[1], 1e-6));
    dgrt_optim_free(&o);
    CHECK(o.memory == NULL);
}

/* Adam, lr 0.1, betas (0.9, 0.999), eps 1e-8.
 * step 1: m = 0.1 g1 = (0.05, -0.1), v = 0.001 g1^2 = (0.00025, 0.001); bc1 = 0.1, bc2 = 0.001
 *   m/bc1 = g1, sqrt(v/bc2) = |g1|:  p -= 0.1 g1 / (|g1| + 1e-8) -> (0.900000002, -1.900000001)
 * step 2: m = 0.9 m + 0.1 g2 = (0.07, 0.11);  v = 0.999 v + 0.001 g2^2 = (0.00031225, 0.004999)
 *   bc1 = 1 - 0.81 = 0.19, bc2 = 1 - 0.998001 = 0.001999
 *   p0: 0.07/0.19 = 0.3684211, sqrt(0.00031225/0.001999) = 0.3952251, 0.1 * 0.9321799 -> 0.8067820
 *   p1: 0.11/0.19 = 0.5789474, sqrt(0.004999/0.001999) = 1.5813760, 0.1 * 0.3661004 -> -1.9366104 */
static void test_adam(void) {
    DgOptimConfig c = dgrt_optim_defaults(DGRT_OPT_ADAM);
    CHECK(c.beta1 == 0.9f && c.beta2 == 0.999f && c.eps == 1e-8f && c.weight_decay == 0);
    const double w1[6] = {0.900000002, -1.900000001, 0.05, -0.1, 0.00025, 0.001};
    const double w2[6] = {0.8067820405, -1.936610353, 0.07, 0.11, 0.00031225, 0.004999};
    run_two(&c, 0.1f, w1, w2);

    /* Adam with L2 weight decay 0.1 (added to the gradient):
     * step 1: g = g1 + 0.1 p0 = (0.6, -1.2): m = (0.06, -0.12), v = (0.00036, 0.00144), p as above
     *   (the update is lr sign(g) again) -> (0.9000000017, -1.900000001)
     * step 2: g = g2 + 0.1 p = (0.34, 1.81): m = (0.088, 0.073), v = (0.00047524, 0.00471466)
     *   p0: 0.9 - 0.1 (0.088/0.19) / sqrt(0.00047524/0.001999) = 0.9 - 0.0949902 = 0.8050098
     *   p1: -1.9 - 0.1 (0.073/0.19) / sqrt(0.00471466/0.001999) = -1.9 - 0.0250179 = -1.9250179 */
    c.weight_decay = 0.1f;
    const double l1[6] = {0.9000000017, -1.900000001, 0.06, -0.12, 0.00036, 0.00144};
    const double l2[6] = {0.8050097659, -1.925017878, 0.088, 0.073, 0.00047524, 0.00471466};
    run_two(&c, 0.1f, l1, l2);
}

/* AdamW, lr 0.1, weight decay 0.1: p *= 1 - 0.01 first, then the Adam update
 * (m, v as plain Adam: the decay never enters the gradient).
 * step 1: 0.99 (1, -2) = (0.99, -1.98), then -+0.1 -> (0.890000002, -1.880000001)
 * step 2: 0.99 (0.89, -1.88) = (0.8811, -1.8612), then the Adam steps above:
 *   0.8811 - 0.0932180 = 0.7878820;  -1.8612 - 0.0366104 = -1.8978104 */
static void test_adamw(void) {
    DgOptimConfig c = dgrt_optim_defaults(DGRT_OPT_ADAMW);
    CHECK(c.weight_decay == 1e-2f);
    c.weight_decay = 0.1f;
    const double w1[6] = {0.890000002, -1.880000001, 0.05, -0.1, 0.00025, 0.001};
    const double w2[6] = {0.7878820405, -1.897810353, 0.07, 0.11, 0.00031225, 0.004999};
    run_two(&c, 0.1f, w1, w2);
}

/* Adadelta, lr 1.0, rho 0.9, eps 1e-6 (δHBV's optimiser).
 * step 1: s = 0.1 g1^2 = (0.025, 0.1);  d = sqrt(0 + 1e-6) / sqrt(s + 1e-6) g1
 *   = 0.001 / 0.1581170 * 0.5 = 0.0031622144,  0.001 / 0.3162293 * -1 = -0.0031622619
 *   a = 0.1 d^2 = (9.9996e-7, 9.9999e-7);  p = (0.9968377856, -1.9968377381)
 * step 2: s = 0.9 s + 0.1 g2^2 = (0.02875, 0.49)
 *   d0 = sqrt(9.9996e-7 + 1e-6) / sqrt(0.028751) 0.25 = 0.0014141 / 0.1695612 0.25 = 0.0020850870
 *   d1 = sqrt(9.9999e-7 + 1e-6) / sqrt(0.490001) 2    = 0.0014142 / 0.7000007 2    = 0.0040409566
 *   a = 0.9 a + 0.1 d^2 = (1.3347228e-6, 2.5326326e-6);  p = (0.9947526986, -2.0008783342) */
static void test_adadelta(void) {
    DgOptimConfig c = dgrt_optim_defaults(DGRT_OPT_ADADELTA);
    CHECK(c.rho == 0.9f && c.eps == 1e-6f && c.weight_decay == 0 &&
          dgrt_optim_default_lr(DGRT_OPT_ADADELTA) == 1.0f);
    const double w1[6] = {0.9968377856, -1.996837738, 0.025, 0.1, 9.999600016e-07, 9.999900001e-07};
    const double w2[6] = {0.9947526986, -2.000878334, 0.02875, 0.49, 1.334722793e-06, 2.532632566e-06};
    run_two(&c, 1.0f, w1, w2);
}

/* SGD, lr 0.1, momentum 0.9:
 * step 1: b = g1 (copied, no dampening);  p = (1, -2) - 0.1 (0.5, -1) = (0.95, -1.9)
 * step 2: b = 0.9 b + g2 = (0.7, 1.1);     p = (0.95 - 0.07, -1.9 - 0.11) = (0.88, -2.01)
 * nesterov: the step uses g + 0.9 b:
 *   step 1: 1.9 g1 = (0.95, -1.9) -> p = (0.905, -1.81)
 *   step 2: g2 + 0.9 (0.7, 1.1) = (0.88, 2.99) -> p = (0.817, -2.109)
 * dampening 0.5: step 1 as plain; step 2: b = 0.9 b + 0.5 g2 = (0.575, 0.1) -> p = (0.8925, -1.91)
 * momentum 0: p -= 0.1 g, no buffer: (0.95, -1.9), then (0.925, -2.1). */
static void test_sgd(void) {
    DgOptimConfig c = dgrt_optim_defaults(DGRT_OPT_SGD);
    c.momentum = 0.9f;
    run_two(&c, 0.1f, (const double[6]){0.95, -1.9, 0.5, -1}, (const double[6]){0.88, -2.01, 0.7, 1.1});
    c.nesterov = 1;
    run_two(&c, 0.1f, (const double[6]){0.905, -1.81, 0.5, -1}, (const double[6]){0.817, -2.109, 0.7, 1.1});
    c.nesterov = 0;
    c.dampening = 0.5f;
    run_two(&c, 0.1f, (const double[6]){0.95, -1.9, 0.5, -1}, (const double[6]){0.8925, -1.91, 0.575, 0.1});
    DgOptimConfig plain = dgrt_optim_defaults(DGRT_OPT_SGD);
    DgOptim o;
    dgrt_optim_init(&o, &plain, 2);
    CHECK(o.nbuf == 0);
    run_two(&plain, 0.1f, (const double[6]){0.95, -1.9}, (const double[6]){0.925, -2.1});
    dgrt_optim_free(&o);
}

/* norm of (3, 4, 0) = 5: max_norm 1 scales by 1 / (5 + 1e-6); max_norm 10 leaves it */
static void test_clip(void) {
    float g[3] = {3, 4, 0};
    float norm = dgrt_clip_grad_norm(g, 3, 10.0f);
    CHECK(norm == 5.0f && g[0] == 3 && g[1] == 4 && g[2] == 0);
    norm = dgrt_clip_grad_norm(g, 3, 1.0f);
    CHECK(norm == 5.0f);
    CHECK(near(g[0], 3.0 / (5 + 1e-6), 1e-7) && near(g[1], 4.0 / (5 + 1e-6), 1e-7) && g[2] == 0);
    CHECK(near(sqrt((double)g[0] * g[0] + (double)g[1] * g[1]), 1.0, 1e-6));
    float z[2] = {0, 0};
    CHECK(dgrt_clip_grad_norm(z, 2, 1.0f) == 0 && z[0] == 0);
    float bad[2] = {INFINITY, 1};
    CHECK(isinf(dgrt_clip_grad_norm(bad, 2, 1.0f)) && bad[1] == 1); /* untouched */
}

static void test_schedules(void) {
    DgLrSchedule s = {.kind = DGRT_LR_CONSTANT, .base_lr = 0.5};
    CHECK(dgrt_lr_at(&s, 0) == 0.5 && dgrt_lr_at(&s, 1000) == 0.5);

    /* StepLR(step_size 3, gamma 0.5): epochs 0-2 -> 1, 3-5 -> 0.5, 6 -> 0.25 */
    s = (DgLrSchedule){.kind = DGRT_LR_STEP, .base_lr = 1.0, .step_size = 3, .gamma = 0.5};
    CHECK(dgrt_lr_at(&s, 0) == 1 && dgrt_lr_at(&s, 2) == 1 && dgrt_lr_at(&s, 3) == 0.5 &&
          dgrt_lr_at(&s, 5) == 0.5);
    CHECK(dgrt_lr_at(&s, 6) == 0.25);

    /* cosine, 10 epochs, no warm-up: (1 + cos(pi e / 10)) / 2 -> e 0: 1, e 5: 0.5, e 10 and later: min_lr */
    s = (DgLrSchedule){.kind = DGRT_LR_COSINE, .base_lr = 1.0, .total_epochs = 10, .min_lr = 0.0};
    CHECK(dgrt_lr_at(&s, 0) == 1.0 && near(dgrt_lr_at(&s, 5), 0.5, 1e-12) &&
          near(dgrt_lr_at(&s, 10), 0, 1e-12));
    CHECK(near(dgrt_lr_at(&s, 2), (1 + cos(M_PI * 0.2)) / 2, 1e-12) && near(dgrt_lr_at(&s, 14), 0, 1e-12));
    s.min_lr = 0.1; /* 0.1 + 0.9 (1 + cos(pi/2)) / 2 = 0.55 */
    CHECK(near(dgrt_lr_at(&s, 5), 0.55, 1e-12) && near(dgrt_lr_at(&s, 10), 0.1, 1e-12));

    /* warm-up 2 epochs from 0.25: e 0: 0.25, e 1: 0.25 + 0.75/2 = 0.625; then cosine over 8:
     * e 2: 1, e 6: 0.5, e 10: 0 */
    s = (DgLrSchedule){.kind = DGRT_LR_COSINE,
                       .base_lr = 1.0,
                       .total_epochs = 10,
                       .warmup_epochs = 2,
                       .warmup_start = 0.25,
                       .min_lr = 0.0};
    CHECK(near(dgrt_lr_at(&s, 0), 0.25, 1e-12) && near(dgrt_lr_at(&s, 1), 0.625, 1e-12));
    CHECK(near(dgrt_lr_at(&s, 2), 1.0, 1e-12) && near(dgrt_lr_at(&s, 6), 0.5, 1e-12) &&
          near(dgrt_lr_at(&s, 10), 0, 1e-12));

    DgLrKind k;
    DgOptimKind ok;
    CHECK(dgrt_lr_parse("cosine", &k) == 0 && k == DGRT_LR_COSINE && dgrt_lr_parse("cos", &k) == -1);
    CHECK(dgrt_optim_parse("adadelta", &ok) == 0 && ok == DGRT_OPT_ADADELTA &&
          dgrt_optim_parse("rmsprop", &ok) == -1);
    for (int i = 0; i < DGRT_OPT_COUNT; i++)
        CHECK(dgrt_optim_parse(dgrt_optim_name((DgOptimKind)i), &ok) == 0 && (int)ok == i);
}

/* A long run of Adam on f(p) = sum (p_i - i)^2 / 2 reaches the minimum (sanity of the loop as a whole). */
static void test_converges(void) {
    enum { N = 5 };
    for (int kind = 0; kind < DGRT_OPT_COUNT; kind++) {
        DgOptimConfig c = dgrt_optim_defaults((DgOptimKind)kind);
        if (kind == DGRT_OPT_SGD) c.momentum = 0.9f;
        if (kind == DGRT_OPT_ADAMW) c.weight_decay = 0;
        float lr = kind == DGRT_OPT_ADADELTA ? 1.0f : kind == DGRT_OPT_SGD ? 0.05f : 0.05f;
        DgOptim o;
        float p[N] = {0}, g[N];
        dgrt_optim_init(&o, &c, N);
        for (int it = 0; it < 5000; it++) {
            for (int i = 0; i < N; i++) g[i] = p[i] - (float)i;
            dgrt_optim_step(&o, p, g, N, lr);
        }
        double err = 0;
        for (int i = 0; i < N; i++) err = fmax(err, fabs(p[i] - i));
        CHECK(err < 1e-2);
        if (err >= 1e-2)
            fprintf(stderr, "  %s: max |p - p*| = %g\n", dgrt_optim_name((DgOptimKind)kind), err);
        dgrt_optim_free(&o);
    }
}

int main(void) {
    test_adam();
    test_adamw();
    test_adadelta();
    test_sgd();
    test_clip();
    test_schedules();
    test_converges();
    return check_report("test_optim");
}
