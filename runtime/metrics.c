/* metrics.c — NSE, KGE (r, alpha, beta), relative bias, RMSE, FHV and FLV of
 * one series with missing values, per basin of a batch, and medians over
 * basins. Conventions follow neuralhydrology (neuralhydrology/evaluation/
 * metrics.py: nse, kge, fdc_fhv, fdc_flv) and hydroDL (hydroDL/post/stat.py
 * statError: PBias). Notation: the n valid pairs (s_i, o_i) (neither NaN),
 * ms, mo their means, Ss = sum (s - ms)^2, So = sum (o - mo)^2,
 * C = sum (s - ms)(o - mo). Sums in double, in index order. */
#include "metrics.h"
#include "check.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

// ---- Valid pairs ---------------------------------------------------------------------------------

typedef struct {
    int64_t n;
    double ms, mo, Ss, So, C;
} PairStats;

static int valid(double s, double o) { return !isnan(s) && !isnan(o); }

static void pair_stats(PairStats *p, const double *sim, const double *obs, int64_t n) {
    memset(p, 0, sizeof *p);
    double ss = 0, so = 0;
    for (int64_t i = 0; i < n; i++)
        if (valid(sim[i], obs[i])) ss += sim[i], so += obs[i], p->n++;
    if (!p->n) return;
    p->ms = ss / (double)p->n, p->mo = so / (double)p->n;
    for (int64_t i = 0; i < n; i++) {
        if (!valid(sim[i], obs[i])) continue;
        double ds = sim[i] - p->ms, dob = obs[i] - p->mo;
        p->Ss += ds * ds, p->So += dob * dob, p->C += ds * dob;
    }
}

/* the valid pairs into s, o (n each); returns their count */
static int64_t gather_valid(double *s, double *o, const double *sim, const double *obs, int64_t n) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (valid(sim[i], obs[i])) s[k] = sim[i], o[k] = obs[i], k++;
    return k;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// ---- NSE, KGE, bias, RMSE ------------------------------------------------------------------------

/* NSE = 1 - sum (s - o)^2 / sum (o - mo)^2       (Nash & Sutcliffe 1970)
 * NaN when n = 0 or the observations are constant (So = 0). */
double dgrt_metric_nse(const double *sim, const double *obs, int64_t n) {
    PairStats p;
    pair_stats(&p, sim, obs, n);
    if (!p.n || p.So == 0) return NAN;
    double sse = 0;
    for (int64_t i = 0; i < n; i++)
        if (valid(sim[i], obs[i])) sse += (sim[i] - obs[i]) * (sim[i] - obs[i]);
    return 1.0 - sse / p.So;
}

/* KGE = 1 - sqrt((r - 1)^2 + (alpha - 1)^2 + (beta - 1)^2)   (Gupta et al. 2009, J. Hydrol. 377, 80)
 *   r = C / sqrt(Ss So)          Pearson correlation
 *   alpha = sd_s / sd_o = sqrt(Ss / So)     (the ddof cancels in the ratio)
 *   beta = ms / mo
 * neuralhydrology kge() with weights (1, 1, 1). NaN (all four) when n < 2 or
 * So = 0; Ss = 0 (constant simulation) leaves r and KGE NaN. */
double dgrt_metric_kge(const double *sim, const double *obs, int64_t n, double *r, double *alpha,
                       double *beta) {
    PairStats p;
    pair_stats(&p, sim, obs, n);
    double rr = NAN, a = NAN, b = NAN, kge = NAN;
    if (p.n >= 2 && p.So > 0) {
        rr = p.Ss > 0 ? p.C / sqrt(p.Ss * p.So) : NAN;
        a = sqrt(p.Ss / p.So);
        b = p.ms / p.mo;
        kge = 1.0 - sqrt((rr - 1) * (rr - 1) + (a - 1) * (a - 1) + (b - 1) * (b - 1));
    }
    if (r) *r = rr;
    if (alpha) *alpha = a;
    if (beta) *beta = b;
    return kge;
}

/* bias % = 100 sum (s - o) / sum o        (hydroDL statError PBias) */
double dgrt_metric_bias_pct(const double *sim, const double *obs, int64_t n) {
    double d = 0, so = 0;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (valid(sim[i], obs[i])) d += sim[i] - obs[i], so += obs[i], k++;
    return k ? 100.0 * d / so : NAN;
}

/* RMSE = sqrt((1/n) sum (s - o)^2) */
double dgrt_metric_rmse(const double *sim, const double *obs, int64_t n) {
    double sse = 0;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (valid(sim[i], obs[i])) sse += (sim[i] - obs[i]) * (sim[i] - obs[i]), k++;
    return k ? sqrt(sse / (double)k) : NAN;
}

// ---- Flow-duration-curve biases (Yilmaz et al. 2008) -----------------------------------------------

/* Yilmaz, Gupta & Wagener 2008, WRR 44, W09417, as neuralhydrology fdc_fhv / fdc_flv
 * compute them. Sim and obs are sorted SEPARATELY (each its own flow-duration
 * curve); the segment length is k = round(fraction n), round half to even
 * (np.round; nearbyint in the default rounding mode).
 *
 * FHV (h = 0.02), over the k highest flows of each curve:
 *   FHV = 100 sum_{j<k} (S_j - O_j) / sum_{j<k} O_j          (S, O sorted descending)
 *   k = 0: NaN (numpy's 0/0).
 *
 * FLV (l = 0.3), over the k lowest flows of each curve (k = 0 -> the whole
 * curve: neuralhydrology's x[-0:] slice), in log space after flows that
 * cannot be logged are reset: S <= 0 -> 1e-6, O == 0 -> 1e-6:
 *   QS = sum_{j in low} (log S_j - log S_min),  QO = sum_{j in low} (log O_j - log O_min)
 *   FLV = -100 (QS - QO) / (QO + 1e-6)
 * (S_min, O_min = the lowest flow of each curve = Yilmaz's Q_L.) hydroDL's
 * statError "FLV" is different: a linear percent bias of the lowest 30 %. */
static int64_t segment_len(double fraction, int64_t n) { return (int64_t)nearbyint(fraction * (double)n); }

double dgrt_metric_fhv(const double *sim, const double *obs, int64_t n, double h) {
    double *s = mallocCheck(2 * (size_t)(n > 0 ? n : 1) * sizeof(double)), *o = s + (n > 0 ? n : 1);
    int64_t m = gather_valid(s, o, sim, obs, n);
    qsort(s, (size_t)m, sizeof(double), cmp_double); /* ascending: the highest flows are last */
    qsort(o, (size_t)m, sizeof(double), cmp_double);
    int64_t k = segment_len(h, m);
    double d = 0, so = 0;
    for (int64_t j = m - k; j < m; j++) d += s[j] - o[j], so += o[j];
    free(s);
    return k > 0 ? 100.0 * d / so : NAN;
}

double dgrt_metric_flv(const double *sim, const double *obs, int64_t n, double l) {
    double *s = mallocCheck(2 * (size_t)(n > 0 ? n : 1) * sizeof(double)), *o = s + (n > 0 ? n : 1);
    int64_t m = gather_valid(s, o, sim, obs, n);
    if (!m) {
        free(s);
        return NAN;
    }
    qsort(s, (size_t)m, sizeof(double), cmp_double); /* ascending: the lowest flows are first */
    qsort(o, (size_t)m, sizeof(double), cmp_double);
    int64_t k = segment_len(l, m);
    if (k == 0) k = m;
    for (int64_t j = 0; j < k; j++) {
        if (s[j] <= 0) s[j] = 1e-6;
        if (o[j] == 0) o[j] = 1e-6;
        s[j] = log(s[j]), o[j] = log(o[j]);
    }
    double smin = s[0], omin = o[0];
    for (int64_t j = 1; j < k; j++) smin = fmin(smin, s[j]), omin = fmin(omin, o[j]);
    double qs = 0, qo = 0;
    for (int64_t j = 0; j < k; j++) qs += s[j] - smin, qo += o[j] - omin;
    free(s);
    return -100.0 * (qs - qo) / (qo + 1e-6);
}

// ---- All metrics, per basin -----------------------------------------------------------------------

void dgrt_metrics_series(DgMetrics *m, const double *sim, const double *obs, int64_t n) {
    PairStats p;
    pair_stats(&p, sim, obs, n);
    m->n = p.n;
    m->nse = dgrt_metric_nse(sim, obs, n);
    m->kge = dgrt_metric_kge(sim, obs, n, &m->r, &m->alpha, &m->beta);
    m->bias_pct = dgrt_metric_bias_pct(sim, obs, n);
    m->rmse = dgrt_metric_rmse(sim, obs, n);
    m->fhv = dgrt_metric_fhv(sim, obs, n, DGRT_FHV_H);
    m->flv = dgrt_metric_flv(sim, obs, n, DGRT_FLV_L);
}

void dgrt_metrics_batch(DgMetrics *m, const double *sim, const double *obs, int64_t T, int64_t B) {
    double *s = mallocCheck(2 * (size_t)(T > 0 ? T : 1) * sizeof(double)), *o = s + (T > 0 ? T : 1);
    for (int64_t b = 0; b < B; b++) {
        for (int64_t t = 0; t < T; t++) s[t] = sim[t * B + b], o[t] = obs[t * B + b];
        dgrt_metrics_series(&m[b], s, o, T);
    }
    free(s);
}

// ---- Medians over basins ---------------------------------------------------------------------------

double dgrt_nanmedian(const double *x, int64_t n) {
    double *v = mallocCheck((size_t)(n > 0 ? n : 1) * sizeof(double));
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(x[i])) v[k++] = x[i];
    double med = NAN;
    if (k) {
        qsort(v, (size_t)k, sizeof(double), cmp_double);
        med = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2.0;
    }
    free(v);
    return med;
}

void dgrt_metrics_median(DgMetrics *med, const DgMetrics *m, int64_t B) {
    static const size_t fields[] = {
        offsetof(DgMetrics, nse),   offsetof(DgMetrics, kge),  offsetof(DgMetrics, r),
        offsetof(DgMetrics, alpha), offsetof(DgMetrics, beta), offsetof(DgMetrics, bias_pct),
        offsetof(DgMetrics, rmse),  offsetof(DgMetrics, fhv),  offsetof(DgMetrics, flv)};
    double *v = mallocCheck((size_t)(B > 0 ? B : 1) * sizeof(double));
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        for (int64_t b = 0; b < B; b++) v[b] = *(const double *)((const char *)&m[b] + fields[f]);
        *(double *)((char *)med + fields[f]) = dgrt_nanmedian(v, B);
    }
    for (int64_t b = 0; b < B; b++) v[b] = (double)m[b].n;
    double mn = dgrt_nanmedian(v, B);
    med->n = isnan(mn) ? 0 : (int64_t)mn;
    free(v);
}
