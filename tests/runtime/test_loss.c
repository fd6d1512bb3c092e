/* test_loss.c — the losses of loss.c: each forward on a small case checked
 * by hand (arithmetic in the comments), each backward against central finite
 * differences in double on a random (T, B) batch with missing observations,
 * the mask (a NaN observation contributes nothing and gets a gradient of
 * exactly 0), accumulation (+=), empty batches and the dispatch. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "loss.h"

static int near(double got, double want, double tol) {
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

// ---- Forward on hand-checked cases -----------------------------------------------------------

/* (T, B) = (2, 2): sim = [[1, 2], [3, 4]], obs = [[1.5, NaN], [2, 6]]
 * valid errors -0.5, 1, -2 -> squares 0.25, 1, 4: MSE = 5.25 / 3 = 1.75, RMSE = sqrt(1.75)
 * dMSE/ds = 2 (s - o) / 3 = (-1/3, 0, 2/3, -4/3);  dRMSE/ds = (s - o) / (3 sqrt(1.75)) */
static void test_mse_rmse(void) {
    const double sim[4] = {1, 2, 3, 4}, obs[4] = {1.5, NAN, 2, 6};
    CHECK(near(dgrt_mse_forward(sim, obs, 2, 2), 1.75, 1e-15));
    CHECK(near(dgrt_rmse_forward(sim, obs, 2, 2), sqrt(1.75), 1e-15));
    double d[4] = {0};
    dgrt_mse_backward(d, sim, obs, 2, 2, 1.0);
    CHECK(near(d[0], -1.0 / 3, 1e-15) && d[1] == 0.0 && near(d[2], 2.0 / 3, 1e-15) &&
          near(d[3], -4.0 / 3, 1e-15));
    memset(d, 0, sizeof d);
    dgrt_rmse_backward(d, sim, obs, 2, 2, 2.0); /* seed 2 */
    double k = 2.0 / (3 * sqrt(1.75));
    CHECK(near(d[0], -0.5 * k, 1e-15) && d[1] == 0.0 && near(d[2], 1 * k, 1e-15) &&
          near(d[3], -2 * k, 1e-15));
    /* perfect fit: RMSE 0 and a zero (not NaN) gradient */
    memset(d, 0, sizeof d);
    dgrt_rmse_backward(d, obs, obs, 2, 2, 1.0);
    CHECK(dgrt_rmse_forward(obs, obs, 2, 2) == 0 && d[0] == 0 && d[2] == 0 && d[3] == 0);
}

/* RMSE-comb with alpha 0.25 and beta 0 so that f(x) = log10(sqrt(x) + 0.1) is exact:
 *   f(98.01) = log10(9.9 + 0.1) = 1,  f(0.81) = log10(0.9 + 0.1) = 0
 * (T, B) = (1, 3): sim = (98.01, 0.81, 5), obs = (0.81, 98.01, NaN)
 *   L1 = sqrt((97.2^2 + 97.2^2) / 2) = 97.2,  L2 = sqrt((1 + 1) / 2) = 1
 *   L = 0.75 97.2 + 0.25 1 = 73.15 */
static void test_rmse_comb(void) {
    const double sim[3] = {98.01, 0.81, 5}, obs[3] = {0.81, 98.01, NAN};
    CHECK(near(dgrt_rmse_comb_forward(sim, obs, 1, 3, 0.25, 0.0), 73.15, 1e-12));
    /* alpha 0 = RMSE; alpha 1 = the log-sqrt RMSE alone */
    CHECK(near(dgrt_rmse_comb_forward(sim, obs, 1, 3, 0.0, 1e-6), dgrt_rmse_forward(sim, obs, 1, 3), 1e-15));
    CHECK(near(dgrt_rmse_comb_forward(sim, obs, 1, 3, 1.0, 0.0), 1.0, 1e-12));
    DgLossConfig c = dgrt_loss_defaults(DGRT_LOSS_RMSE_COMB);
    CHECK(c.alpha == 0.25 && c.beta == 1e-6);
}

/* NSE-batch, (T, B) = (2, 2), std = (0.9, 1.9), eps 0.1 -> weights 1 / (std + eps)^2 = (1, 1/4)
 *   sim = [[1, 2], [3, 4]], obs = [[2, NaN], [1, 4.5]]
 *   valid: (t0, b0) d = -1 -> 1;  (t1, b0) d = 2 -> 4;  (t1, b1) d = -0.5 -> 0.25 / 4 = 0.0625
 *   L = 5.0625 / 3 = 1.6875
 *   dL/ds = 2 d w / 3: (-2/3, 0, 4/3, -1/12) */
static void test_nse_batch(void) {
    const double sim[4] = {1, 2, 3, 4}, obs[4] = {2, NAN, 1, 4.5}, sd[2] = {0.9, 1.9};
    CHECK(near(dgrt_nse_batch_forward(sim, obs, sd, 2, 2, 0.1), 1.6875, 1e-15));
    double d[4] = {0};
    dgrt_nse_batch_backward(d, sim, obs, sd, 2, 2, 0.1, 1.0);
    CHECK(near(d[0], -2.0 / 3, 1e-15) && d[1] == 0.0 && near(d[2], 4.0 / 3, 1e-15) &&
          near(d[3], -1.0 / 12, 1e-15));

    /* training-period std (np.nanstd): basin 0 (1, 3, NaN) -> mean 2, std 1; basin 1 (5, 5, 5) -> 0;
     * basin 2 all missing -> NaN */
    const double o3[9] = {1, 5, NAN, 3, 5, NAN, NAN, 5, NAN};
    double s3[3];
    dgrt_obs_std(s3, o3, 3, 3);
    CHECK(s3[0] == 1.0 && s3[1] == 0.0 && isnan(s3[2]));
}

/* KGE-batch, eps 0.1, (T, B) = (3, 3):
 *   basin 0: obs (1, 2, 3), sim (2, 4, 6): ms 4, mo 2, Ss 8, So 2, C 4, D = sqrt(16) = 4
 *     r = 4 / 4.1 = 0.9756098,  beta = 4 / 2.1 = 1.9047619,  gamma = sqrt(8/2) / (sqrt(2/2) + 0.1) = 2 / 1.1
 *     ED = sqrt(0.000594884 + 0.818594104 + 0.669421488) = 1.2200862576
 *   basin 1: obs (2, NaN, 4), sim (1, 5, 2): valid (1, 2), (2, 4): ms 1.5, mo 3, Ss 0.5, So 2, C 1, D 1
 *     r = 1 / 1.1, beta = 1.5 / 3.1, gamma = sqrt(0.5) / (sqrt(2) + 0.1)  ->  ED = 0.7475054726
 *   basin 2: one valid obs -> left out
 *   L = (1.2200862576 + 0.7475054726) / 2 = 0.9837958651 */
static void test_kge_batch(void) {
    const double sim[9] = {2, 1, 7, 4, 5, 8, 6, 2, 9};
    const double obs[9] = {1, 2, NAN, 2, NAN, 3, 3, 4, NAN};
    CHECK(near(dgrt_kge_batch_forward(sim, obs, 3, 3, 0.1), 0.9837958650811585, 1e-13));
    double d[9] = {0};
    dgrt_kge_batch_backward(d, sim, obs, 3, 3, 0.1, 1.0);
    CHECK(d[2] == 0 && d[4] == 0 && d[5] == 0 && d[8] == 0); /* missing, or basin left out */
    /* B = 1: the same as dMG's pooled KgeBatchLoss on basin 0 alone */
    const double s0[3] = {2, 4, 6}, o0[3] = {1, 2, 3};
    CHECK(near(dgrt_kge_batch_forward(s0, o0, 3, 1, 0.1), 1.2200862575692408, 1e-13));
}

// ---- Backward vs central finite differences ----------------------------------------------------

enum { T = 9, B = 4, N = T * B };

static unsigned long long rng_state = 0x2545F4914F6CDD1DULL;
static double uniform(void) { /* xorshift64*, uniform in [0, 1) */
    rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25, rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

/* The losses under test, by DgLossConfig (obs_std filled in). */
static double fd_check(const DgLossConfig *c, const double *sim0, const double *obs) {
    double sim[N], d[N] = {0}, worst = 0;
    memcpy(sim, sim0, sizeof sim);
    dgrt_loss_backward(c, d, sim, obs, T, B, 1.0);
    for (int i = 0; i < N; i++) {
        double v = sim[i], h = 1e-6 * fmax(1.0, fabs(v));
        sim[i] = v + h;
        double lp = dgrt_loss_forward(c, sim, obs, T, B);
        sim[i] = v - h;
        double lm = dgrt_loss_forward(c, sim, obs, T, B);
        sim[i] = v;
        double fd = (lp - lm) / (2 * h);
        if (isnan(obs[i])) {
            /* a missing observation: the loss does not see sim[i] at all */
            CHECK(d[i] == 0.0 && lp == lm);
            continue;
        }
        double err = fabs(d[i] - fd) / fmax(fmax(fabs(d[i]), fabs(fd)), 1e-6);
        worst = fmax(worst, err);
    }
    /* accumulation: a second backward doubles the gradient */
    double d2[N];
    memcpy(d2, d, sizeof d);
    dgrt_loss_backward(c, d2, sim, obs, T, B, 1.0);
    int doubled = 1;
    for (int i = 0; i < N; i++) doubled &= d2[i] == 2 * d[i];
    CHECK(doubled);
    /* the seed scales the gradient */
    double d3[N] = {0};
    dgrt_loss_backward(c, d3, sim, obs, T, B, -0.5);
    int scaled = 1;
    for (int i = 0; i < N; i++) scaled &= near(d3[i], -0.5 * d[i], 1e-14);
    CHECK(scaled);
    return worst;
}

static void test_gradients(void) {
    double sim[N], obs[N], sd[B];
    /* flows: positive, a few orders of magnitude; ~20 % missing; one basin (b = 3) with one observation */
    for (int i = 0; i < N; i++) {
        sim[i] = 0.05 + 5 * uniform() * uniform();
        obs[i] = uniform() < 0.2 ? NAN : 0.02 + 5 * uniform() * uniform();
    }
    for (int t = 1; t < T; t++) obs[t * B + 3] = NAN;
    obs[3] = 1.5;
    dgrt_obs_std(sd, obs, T, B);
    sd[3] = 0.3; /* a single observation has std 0: give it a training-period value */

    for (int k = 0; k < DGRT_LOSS_COUNT; k++) {
        DgLossConfig c = dgrt_loss_defaults((DgLossKind)k);
        c.obs_std = sd;
        double worst = fd_check(&c, sim, obs);
        printf("  %-10s backward vs FD: max rel err %.2e\n", dgrt_loss_name(c.kind), worst);
        CHECK(worst < 1e-6);
    }
}

// ---- Masks, empty batches, dispatch ---------------------------------------------------------------

static void test_masks(void) {
    double sim[4] = {1, 2, 3, 4}, obs[4] = {1.5, NAN, 2, 6}, sd[2] = {1, 1};
    for (int k = 0; k < DGRT_LOSS_COUNT; k++) {
        DgLossConfig c = dgrt_loss_defaults((DgLossKind)k);
        c.obs_std = sd;
        /* the simulated value under a missing observation changes nothing, even when absurd */
        double l0 = dgrt_loss_forward(&c, sim, obs, 2, 2);
        sim[1] = 1e30;
        double l1 = dgrt_loss_forward(&c, sim, obs, 2, 2);
        sim[1] = NAN;
        double l2 = dgrt_loss_forward(&c, sim, obs, 2, 2);
        double d[4] = {0};
        dgrt_loss_backward(&c, d, sim, obs, 2, 2, 1.0);
        sim[1] = 2;
        CHECK(l0 == l1 && l0 == l2 && d[1] == 0.0 && !isnan(d[0]) && !isnan(d[3]));
        /* no observation at all: loss 0, gradient 0 */
        const double none[4] = {NAN, NAN, NAN, NAN};
        double dz[4] = {0};
        dgrt_loss_backward(&c, dz, sim, none, 2, 2, 1.0);
        CHECK(dgrt_loss_forward(&c, sim, none, 2, 2) == 0.0 && dz[0] == 0 && dz[1] == 0 && dz[2] == 0 &&
              dz[3] == 0);
        DgLossKind parsed;
        CHECK(dgrt_loss_parse(dgrt_loss_name((DgLossKind)k), &parsed) == 0 && (int)parsed == k);
    }
    DgLossKind parsed;
    CHECK(dgrt_loss_parse("nse", &parsed) == -1);
    /* dispatch = the direct calls */
    DgLossConfig c = dgrt_loss_defaults(DGRT_LOSS_NSE_BATCH);
    c.obs_std = sd;
    CHECK(dgrt_loss_forward(&c, sim, obs, 2, 2) == dgrt_nse_batch_forward(sim, obs, sd, 2, 2, 0.1));
    c = dgrt_loss_defaults(DGRT_LOSS_KGE_BATCH);
    CHECK(c.eps == 0.1 &&
          dgrt_loss_forward(&c, sim, obs, 2, 2) == dgrt_kge_batch_forward(sim, obs, 2, 2, 0.1));
}

int main(void) {
    test_mse_rmse();
    test_rmse_comb();
    test_nse_batch();
    test_kge_batch();
    test_gradients();
    test_masks();
    return check_report("test_loss");
}
