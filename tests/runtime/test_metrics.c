/* test_metrics.c — the metrics of metrics.c on series checked by hand: a
 * perfect simulation (NSE = KGE = 1, no bias), the mean predictor (NSE 0),
 * a scaled and a shifted simulation (known NSE, KGE and components), the
 * flow-duration-curve biases (FHV, FLV with numpy's rounding and zero
 * handling), missing values in obs and in sim, the (T, B) batch layout and
 * the medians over basins. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "metrics.h"

static int near(double got, double want, double tol) {
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

/* perfect: every metric at its ideal value (60 steps: FHV takes the top round(1.2) = 1) */
static void test_perfect(void) {
    double obs[60];
    for (int i = 0; i < 60; i++) obs[i] = 0.2 + 8 * (1 + sin(0.3 * i)) * (i % 7 + 1) / 7;
    DgMetrics m;
    dgrt_metrics_series(&m, obs, obs, 60);
    CHECK(m.n == 60 && m.nse == 1 && near(m.kge, 1, 1e-15) && near(m.r, 1, 1e-15) && m.alpha == 1 &&
          m.beta == 1);
    CHECK(m.bias_pct == 0 && m.rmse == 0 && m.fhv == 0 && m.flv == 0);
}

/* the mean predictor: sim = mean(obs) everywhere -> NSE 0 exactly (sum (mo - o)^2 = So);
 * alpha 0; r undefined (constant simulation) -> KGE NaN */
static void test_mean_predictor(void) {
    const double obs[4] = {1, 2, 3, 6}, sim[4] = {3, 3, 3, 3};
    double r, a, b;
    CHECK(dgrt_metric_nse(sim, obs, 4) == 0);
    CHECK(isnan(dgrt_metric_kge(sim, obs, 4, &r, &a, &b)) && isnan(r) && a == 0 && b == 1);
    CHECK(dgrt_metric_bias_pct(sim, obs, 4) == 0);
}

/* obs = (1, 2, 3, 4, 5): mo 3, So = 10
 * sim = 2 obs: r = 1, alpha = 2, beta = 2 -> KGE = 1 - sqrt(0 + 1 + 1) = 1 - sqrt(2)
 *   NSE = 1 - sum obs^2 / So = 1 - 55 / 10 = -4.5;  bias = 100 (30 - 15) / 15 = 100;  RMSE = sqrt(55 / 5)
 * sim = obs + 1: r = 1, alpha = 1, beta = 4/3 -> KGE = 2/3;  NSE = 1 - 5/10 = 0.5;
 *   bias = 100 5 / 15 = 33.33;  RMSE = 1
 * sim = (2, 1, 4, 3, 5): Ss = So = 10, C = (-1)(-2) + (-2)(-1) + (1)(0) + (0)(1) + (2)(2) = 8
 *   -> r = 0.8, alpha 1, beta 1 -> KGE = 0.8;  NSE = 1 - 4/10 = 0.6 */
static void test_known(void) {
    const double obs[5] = {1, 2, 3, 4, 5};
    double twice[5], plus1[5], r, a, b;
    for (int i = 0; i < 5; i++) twice[i] = 2 * obs[i], plus1[i] = obs[i] + 1;
    CHECK(near(dgrt_metric_nse(twice, obs, 5), -4.5, 1e-15));
    CHECK(near(dgrt_metric_kge(twice, obs, 5, &r, &a, &b), 1 - sqrt(2.0), 1e-15) && near(r, 1, 1e-15) &&
          a == 2 && b == 2);
    CHECK(near(dgrt_metric_bias_pct(twice, obs, 5), 100, 1e-15) &&
          near(dgrt_metric_rmse(twice, obs, 5), sqrt(11.0), 1e-15));
    CHECK(near(dgrt_metric_nse(plus1, obs, 5), 0.5, 1e-15));
    CHECK(near(dgrt_metric_kge(plus1, obs, 5, &r, &a, &b), 2.0 / 3, 1e-15) && a == 1 &&
          near(b, 4.0 / 3, 1e-15));
    CHECK(near(dgrt_metric_bias_pct(plus1, obs, 5), 100.0 / 3, 1e-14) &&
          dgrt_metric_rmse(plus1, obs, 5) == 1);
    const double shuf[5] = {2, 1, 4, 3, 5};
    CHECK(near(dgrt_metric_nse(shuf, obs, 5), 0.6, 1e-15));
    CHECK(near(dgrt_metric_kge(shuf, obs, 5, &r, &a, &b), 0.8, 1e-15) && near(r, 0.8, 1e-15) && a == 1 &&
          b == 1);
    /* NULL components are allowed; constant obs leave NSE and KGE undefined */
    const double flat[5] = {2, 2, 2, 2, 2};
    CHECK(near(dgrt_metric_kge(shuf, obs, 5, NULL, NULL, NULL), 0.8, 1e-15));
    CHECK(isnan(dgrt_metric_nse(shuf, flat, 5)) && isnan(dgrt_metric_kge(shuf, flat, 5, NULL, NULL, NULL)));
}

/* FHV / FLV on obs = 1..100 (n = 100):
 *   FHV, h 0.02 -> k = 2 highest (100, 99); sim = 1.1 obs: 100 (0.1 * 199) / 199 = 10
 *   FLV, l 0.3 -> k = 30 lowest (1..30), logs; sim = 1.1 obs shifts every log by log 1.1 -> QS = QO -> 0
 *   sim = obs^2: log S = 2 log O, O_min = 1 -> QS = 2 QO, QO = sum_{j<=30} log j = log(30!) = 74.6582363488
 *     FLV = -100 (2 QO - QO) / (QO + 1e-6) = -99.9999986606
 *   the curves are sorted separately: reversing sim in time changes nothing */
static void test_fdc(void) {
    double obs[100], s11[100], sq[100], rev[100];
    for (int i = 0; i < 100; i++) obs[i] = i + 1, s11[i] = 1.1 * (i + 1), sq[i] = (double)(i + 1) * (i + 1);
    for (int i = 0; i < 100; i++) rev[i] = s11[99 - i];
    CHECK(near(dgrt_metric_fhv(s11, obs, 100, 0.02), 10, 1e-12) &&
          near(dgrt_metric_fhv(rev, obs, 100, 0.02), 10, 1e-12));
    CHECK(fabs(dgrt_metric_flv(s11, obs, 100, 0.3)) < 1e-9);
    CHECK(near(dgrt_metric_flv(sq, obs, 100, 0.3), -99.99999866056308, 1e-12));

    /* the segment length rounds half to even (np.round): n = 75 -> 0.02 75 = 1.5 -> 2 flows;
     * n = 25 -> 0.5 -> 0 flows -> NaN. obs = 1..75, sim = obs except the top one +7.5:
     * top 2: 100 (7.5) / (75 + 74) = 5.0335570470 */
    double o75[75], s75[75];
    for (int i = 0; i < 75; i++) o75[i] = s75[i] = i + 1;
    s75[74] += 7.5;
    CHECK(near(dgrt_metric_fhv(s75, o75, 75, 0.02), 750.0 / 149, 1e-12));
    CHECK(isnan(dgrt_metric_fhv(s75, o75, 25, 0.02)));

    /* FLV: n = 5, l 0.3 -> 1.5 -> 2 lowest; zeros in obs and non-positive sims become 1e-6
     *   obs (0, 1, 5, 6, 7) -> low (1e-6, 1): QO = log 1 - log 1e-6 = 13.8155105580
     *   sim (-1, 1e-3, 5, 6, 7) -> low (1e-6, 1e-3): QS = log 1e-3 - log 1e-6 = 6.9077552790
     *   FLV = -100 (QS - QO) / (QO + 1e-6) = 100 * 6.9077552790 / 13.8155115580 = 49.9999963811 */
    const double o5[5] = {7, 0, 6, 1, 5}, s5[5] = {5, -1, 7, 1e-3, 6};
    double qo = log(1.0) - log(1e-6), qs = log(1e-3) - log(1e-6);
    CHECK(near(dgrt_metric_flv(s5, o5, 5, 0.3), -100 * (qs - qo) / (qo + 1e-6), 1e-12));
    /* k rounds to 0 -> the whole curve (neuralhydrology's x[-0:]): n = 1 -> 0 */
    CHECK(dgrt_metric_flv(s5, o5, 1, 0.3) == 0);
}

/* Missing values: NaN in obs or sim drops the step from every metric. */
static void test_missing(void) {
    const double obs[7] = {1, NAN, 2, 3, 4, 5, NAN}, sim[7] = {2, 9, 4, NAN, 1, 3, NAN};
    const double oc[4] = {1, 2, 4, 5}, sc[4] = {2, 4, 1, 3}; /* the valid pairs */
    DgMetrics m, c;
    dgrt_metrics_series(&m, sim, obs, 7);
    dgrt_metrics_series(&c, sc, oc, 4);
    CHECK(m.n == 4 && c.n == 4);
    CHECK(m.nse == c.nse && m.kge == c.kge && m.r == c.r && m.alpha == c.alpha && m.beta == c.beta);
    CHECK(m.bias_pct == c.bias_pct && m.rmse == c.rmse && m.flv == c.flv && isnan(m.fhv) && isnan(c.fhv));
    /* by hand: NSE = 1 - (1 + 4 + 9 + 4) / (4 + 1 + 1 + 4) = -0.8;  bias = 100 (10 - 12) / 12 */
    CHECK(near(m.nse, -0.8, 1e-15) && near(m.bias_pct, -100.0 / 6, 1e-14) &&
          near(m.rmse, sqrt(18.0 / 4), 1e-15));
    /* nothing valid: every metric NaN, n = 0 */
    const double none[3] = {NAN, NAN, NAN}, any[3] = {1, 2, 3};
    dgrt_metrics_series(&m, any, none, 3);
    CHECK(m.n == 0 && isnan(m.nse) && isnan(m.kge) && isnan(m.bias_pct) && isnan(m.rmse) && isnan(m.fhv) &&
          isnan(m.flv));
}

/* (T, B) = (5, 3) batch = three series; medians over the basins */
static void test_batch_median(void) {
    enum { T = 5, B = 3 };
    const double obs_b[B][T] = {{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}, {2, 4, NAN, 6, 8}};
    const double sim_b[B][T] = {{1, 2, 3, 4, 5}, {2, 3, 4, 5, 6}, {1, 4, 5, 7, 8}};
    double obs[T * B], sim[T * B];
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) obs[t * B + b] = obs_b[b][t], sim[t * B + b] = sim_b[b][t];
    DgMetrics m[B], one, med;
    dgrt_metrics_batch(m, sim, obs, T, B);
    for (int b = 0; b < B; b++) {
        dgrt_metrics_series(&one, sim_b[b], obs_b[b], T);
        CHECK(!memcmp(&one, &m[b], sizeof one));
    }
    /* NSE per basin: 1, 0.5, 1 - (1 + 1 + 0) / 20 = 0.9 -> median 0.9 */
    CHECK(m[0].nse == 1 && near(m[1].nse, 0.5, 1e-15) && near(m[2].nse, 0.9, 1e-15) && m[2].n == 4);
    dgrt_metrics_median(&med, m, B);
    CHECK(med.nse == m[2].nse && med.n == 5 && med.rmse == m[2].rmse);

    const double x[5] = {3, NAN, 1, 2, NAN}, y[4] = {4, 1, 3, 2}, z[2] = {NAN, NAN};
    CHECK(dgrt_nanmedian(x, 5) == 2 && dgrt_nanmedian(y, 4) == 2.5 && isnan(dgrt_nanmedian(z, 2)));
    CHECK(isnan(dgrt_nanmedian(z, 0)));
}

int main(void) {
    test_perfect();
    test_mean_predictor();
    test_known();
    test_fdc();
    test_missing();
    test_batch_median();
    return check_report("test_metrics");
}
