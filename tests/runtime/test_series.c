/* test_series.c — the series operators of series.c: component average and
 * unit-hydrograph routing against direct formulas (including T < n, where
 * the weights are renormalised over the first T ordinates), their adjoints
 * against central finite differences, and the whole-model series (toy model:
 * one routed, one unrouted output) forward and backward. Then the full
 * reverse chain of a run (DgSim: series -> run_rev -> init_rev, prologue_rev)
 * against finite differences of the loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "dgrt_internal.h"

extern const DgModel dg_model;

static DgRng rng = {12345};
static double uni(void) { return 2 * dgrt_rng_uniform(&rng) - 1; }

static double rel_err(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-10); }
/* gradients of a whole run: FD noise is ~1e-10 absolute (L ~ 10, h ~ 1e-6), hence the floor */
static double grad_err(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-3); }

static void test_average(void) {
    /* T=2, O=1, 2 basins x 3 components */
    double out[12] = {1, 2, 3, 10, 20, 30, 4, 5, 6, 0, 0, 3}, x[4];
    dgrt_average_forward(x, out, 2, 1, 2, 3);
    CHECK(x[0] == 2 && x[1] == 20 && x[2] == 5 && x[3] == 1);
    double dx[4] = {3, 6, 9, 12}, dout[12] = {0};
    dgrt_average_backward(dout, dx, 2, 1, 2, 3);
    dgrt_average_backward(dout, dx, 2, 1, 2, 3);   /* accumulates */
    CHECK(dout[0] == 2 && dout[2] == 2 && dout[3] == 4 && dout[6] == 6 && dout[11] == 8);
}

/* y_t = sum_{j<=min(t,L-1)} w'_j x_{t-j}, written out directly */
static void route_direct(double *y, const double *x, const double *w, int T, int n) {
    int L = T < n ? T : n;
    double s = 0;
    for (int j = 0; j < L; j++) s += w[j];
    for (int t = 0; t < T; t++) {
        y[t] = 0;
        for (int j = 0; j < L && j <= t; j++) y[t] += (L < n ? w[j] / s : w[j]) * x[t - j];
    }
}

static double route_loss(const double *dy, const double *x, const double *w, int T, int n) {
    double y[64], L = 0;
    dgrt_route_forward(y, x, w, T, n);
    for (int t = 0; t < T; t++) L += dy[t] * y[t];
    return L;
}

static void test_route(int T, int n) {
    double x[64], w[16], dy[64], y[64], yd[64], s = 0;
    for (int t = 0; t < T; t++) x[t] = uni(), dy[t] = uni();
    for (int j = 0; j < n; j++) s += w[j] = 0.1 + dgrt_rng_uniform(&rng);
    for (int j = 0; j < n; j++) w[j] /= s;   /* as the prologue gives them: sum 1 */
    dgrt_route_forward(y, x, w, T, n);
    route_direct(yd, x, w, T, n);
    double worst = 0;
    for (int t = 0; t < T; t++) worst = fmax(worst, fabs(y[t] - yd[t]));
    CHECK(worst < 1e-15);

    /* impulse response = the (effective) weights; mass is conserved */
    double imp[64] = {1}, yi[64], tot = 0;
    dgrt_route_forward(yi, imp, w, T, n);
    for (int t = 0; t < T; t++) tot += yi[t];
    if (T >= n) CHECK(fabs(yi[1] - w[1]) < 1e-16 && fabs(tot - 1) < 1e-14);
    else CHECK(fabs(tot - 1) < 1e-14);

    double dx[64] = {0}, dw[16] = {0};
    dgrt_route_backward(dx, dw, dy, x, w, T, n);
    double e = 0;
    for (int t = 0; t < T; t++) {
        double v = x[t], h = 1e-6;
        x[t] = v + h;
        double lp = route_loss(dy, x, w, T, n);
        x[t] = v - h;
        double lm = route_loss(dy, x, w, T, n);
        x[t] = v;
        e = fmax(e, rel_err(dx[t], (lp - lm) / (2 * h)));
    }
    for (int j = 0; j < n; j++) {
        double v = w[j], h = 1e-6;
        w[j] = v + h;
        double lp = route_loss(dy, x, w, T, n);
        w[j] = v - h;
        double lm = route_loss(dy, x, w, T, n);
        w[j] = v;
        double fd = (lp - lm) / (2 * h);
        if (j >= T) CHECK(dw[j] == 0 && fd == 0);   /* ordinates beyond the series play no part */
        e = fmax(e, rel_err(dw[j], fd));
    }
    printf("test_series: route T=%d n=%d: adjoint vs FD max rel err %.2e\n", T, n, e);
    CHECK(e < 1e-7);
}

/* Whole-model series on the toy model's outputs: Q (routed by weights 0..2), ET. */
static double series_loss(const double *out, const double *wts, const double *dy, int T, int nb, int nc) {
    double y[2 * 40 * 3], L = 0;
    dgrt_series_forward(&dg_model, T, nb, nc, out, wts, y);
    for (int i = 0; i < T * 2 * nb; i++) L += dy[i] * y[i];
    return L;
}

static void test_series_model(int T) {
    enum { NB = 3, NC = 2 };
    double out[40 * 2 * NB * NC], wts[3 * NB], dy[40 * 2 * NB], y[40 * 2 * NB];
    for (int i = 0; i < T * 2 * NB * NC; i++) out[i] = uni();
    for (int b = 0; b < NB; b++) {
        double s = 0, k[3];
        for (int j = 0; j < 3; j++) s += k[j] = 0.2 + dgrt_rng_uniform(&rng);
        for (int j = 0; j < 3; j++) wts[j * NB + b] = k[j] / s;
    }
    for (int i = 0; i < T * 2 * NB; i++) dy[i] = uni();
    dgrt_series_forward(&dg_model, T, NB, NC, out, wts, y);
    /* check one basin against the direct formulas */
    int b = 1;
    double x[40], w[3], yr[40];
    for (int t = 0; t < T; t++) x[t] = (out[(t * 2 + 0) * NB * NC + b * NC] + out[(t * 2 + 0) * NB * NC + b * NC + 1]) / 2;
    for (int j = 0; j < 3; j++) w[j] = wts[j * NB + b];
    route_direct(yr, x, w, T, 3);
    double worst = 0;
    for (int t = 0; t < T; t++) {
        worst = fmax(worst, fabs(y[(t * 2 + 0) * NB + b] - yr[t]));
        double et = (out[(t * 2 + 1) * NB * NC + b * NC] + out[(t * 2 + 1) * NB * NC + b * NC + 1]) / 2;
        worst = fmax(worst, fabs(y[(t * 2 + 1) * NB + b] - et));   /* ET: averaged only */
    }
    CHECK(worst < 1e-15);

    double dout[40 * 2 * NB * NC] = {0}, dw[3 * NB] = {0};
    dgrt_series_backward(&dg_model, T, NB, NC, out, wts, dy, dout, dw);
    double e = 0, h = 1e-6;
    for (int i = 0; i < T * 2 * NB * NC; i++) {
        double v = out[i];
        out[i] = v + h;
        double lp = series_loss(out, wts, dy, T, NB, NC);
        out[i] = v - h;
        double lm = series_loss(out, wts, dy, T, NB, NC);
        out[i] = v;
        e = fmax(e, rel_err(dout[i], (lp - lm) / (2 * h)));
    }
    for (int i = 0; i < 3 * NB; i++) {
        double v = wts[i];
        wts[i] = v + h;
        double lp = series_loss(out, wts, dy, T, NB, NC);
        wts[i] = v - h;
        double lm = series_loss(out, wts, dy, T, NB, NC);
        wts[i] = v;
        e = fmax(e, rel_err(dw[i], (lp - lm) / (2 * h)));
    }
    printf("test_series: model series T=%d: adjoint vs FD max rel err %.2e\n", T, e);
    CHECK(e < 1e-7);
}

/* The reverse chain of a whole run (DgSim) on the toy model, with an --init
 * override of component 1: d params, d initial states, d netw vs FD. */
static void test_sim_backward(void) {
    const DgModel *m = &dg_model;
    enum { T = 30, NB = 2, NC = 2, CELLS = NB * NC };
    DgSim s;
    dgrt_sim_alloc(&s, m, DG_F64, NB, NC, T);
    DgInitOverride ov = {0, 1, 7.5};
    s.ov = &ov;
    s.nov = 1;
    for (int c = 0; c < CELLS; c++) {
        s.params[0 * CELLS + c] = 0.1 + 0.2 * dgrt_rng_uniform(&rng);
        s.params[1 * CELLS + c] = 0.3 + 0.5 * dgrt_rng_uniform(&rng);
        s.params[2 * CELLS + c] = 20;
        s.params[3 * CELLS + c] = 0.7 + (c / NC) * 0.4;   /* basin-level: same within a basin */
    }
    for (int i = 0; i < T * 2 * NB; i++) s.forcing[i] = 3 * dgrt_rng_uniform(&rng);
    dgrt_netw_default(m, s.netw);
    double r[T * 2 * NB];
    for (int i = 0; i < T * 2 * NB; i++) r[i] = uni();
    dgrt_sim_init(&s);
    CHECK(s.states0[1] == 7.5 && s.states0[3] == 7.5 && s.states0[0] == 20 * s.params[0]);
    dgrt_sim_forward(&s);
    double dp[4 * CELLS] = {0}, ds[CELLS] = {0}, dn[2] = {0};
    dgrt_sim_backward(&s, r, dp, ds, dn);

    double e = 0;
#define LOSS(out_)                                                              \
    do {                                                                        \
        dgrt_sim_init(&s);                                                      \
        dgrt_sim_forward(&s);                                                   \
        out_ = 0;                                                               \
        for (int i_ = 0; i_ < T * 2 * NB; i_++) out_ += r[i_] * s.series[i_];   \
    } while (0)
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < CELLS; c++) {
            if (p == 3 && c % NC) continue;   /* basin-level: perturb the basin below */
            int idx[NC], n = 1;
            idx[0] = p * CELLS + c;
            if (p == 3) idx[1] = idx[0] + 1, n = 2;
            double v = s.params[idx[0]], lp, lm, a = dp[idx[0]], h = 1e-6 * fmax(1, fabs(v));
            if (p == 3) a += dp[idx[1]];
            for (int k = 0; k < n; k++) s.params[idx[k]] = v + h;
            LOSS(lp);
            for (int k = 0; k < n; k++) s.params[idx[k]] = v - h;
            LOSS(lm);
            for (int k = 0; k < n; k++) s.params[idx[k]] = v;
            double fd = (lp - lm) / (2 * h);
            if (p == 0 && c % NC == 1) CHECK(fabs(a - fd) < 1e-6);   /* k's init path is cut by the override */
            e = fmax(e, grad_err(a, fd));
        }
    for (int i = 0; i < 2; i++) {
        double v = s.netw[i], lp, lm, h = 1e-6;
        s.netw[i] = v + h;
        LOSS(lp);
        s.netw[i] = v - h;
        LOSS(lm);
        s.netw[i] = v;
        e = fmax(e, grad_err(dn[i], (lp - lm) / (2 * h)));
    }
    dgrt_sim_init(&s);
    for (int c = 0; c < CELLS; c++) {
        double v = s.states0[c], lp = 0, lm = 0, h = 1e-6 * fmax(1, fabs(v));
        s.states0[c] = v + h;
        dgrt_sim_forward(&s);
        for (int i = 0; i < T * 2 * NB; i++) lp += r[i] * s.series[i];
        s.states0[c] = v - h;
        dgrt_sim_forward(&s);
        for (int i = 0; i < T * 2 * NB; i++) lm += r[i] * s.series[i];
        s.states0[c] = v;
        e = fmax(e, grad_err(ds[c], (lp - lm) / (2 * h)));
    }
    printf("test_series: run reverse chain: max rel err %.2e\n", e);
    CHECK(e < 1e-6);
    dgrt_sim_free(&s);
}

int main(void) {
    test_average();
    test_route(40, 3);
    test_route(40, 15);
    test_route(5, 15);    /* T < n: renormalised weights */
    test_route(1, 3);
    test_series_model(20);
    test_series_model(2);   /* T < 3 ordinates */
    test_sim_backward();
    return check_report("test_series");
}
