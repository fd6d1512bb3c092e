/* metrics.h — evaluation metrics of simulated vs observed series, per basin:
 * NSE, KGE with its components (r, alpha, beta), relative bias, RMSE, and
 * the flow-duration-curve biases FHV (top 2 %) and FLV (bottom 30 %, log
 * space), plus medians over basins. A step where obs or sim is NaN is
 * missing and left out (neuralhydrology's _mask_valid); a metric that is
 * undefined for the remaining pairs is NaN. Double precision; formulas and
 * sources in metrics.c. */
#ifndef DGRT_METRICS_H
#define DGRT_METRICS_H

#include <stdint.h>

#define DGRT_FHV_H 0.02 /* FHV: fraction of highest flows */
#define DGRT_FLV_L 0.3  /* FLV: fraction of lowest flows */

typedef struct {
    int64_t n;       /* steps with both sim and obs */
    double nse;      /* Nash-Sutcliffe efficiency */
    double kge;      /* Kling-Gupta efficiency (2009) */
    double r;        /* KGE: Pearson correlation */
    double alpha;    /* KGE: std(sim) / std(obs) */
    double beta;     /* KGE: mean(sim) / mean(obs) */
    double bias_pct; /* 100 sum(sim - obs) / sum(obs) */
    double rmse;     /* root mean squared error */
    double fhv;      /* % bias of the top DGRT_FHV_H of the FDC */
    double flv;      /* % bias of the bottom DGRT_FLV_L of the FDC, log space */
} DgMetrics;

/* One series each: sim, obs (n), contiguous. */
double dgrt_metric_nse(const double *sim, const double *obs, int64_t n);
/* KGE; r, alpha, beta receive the components (any may be NULL). */
double dgrt_metric_kge(const double *sim, const double *obs, int64_t n, double *r, double *alpha,
                       double *beta);
double dgrt_metric_bias_pct(const double *sim, const double *obs, int64_t n);
double dgrt_metric_rmse(const double *sim, const double *obs, int64_t n);
double dgrt_metric_fhv(const double *sim, const double *obs, int64_t n, double h);
double dgrt_metric_flv(const double *sim, const double *obs, int64_t n, double l);

/* Every metric of one series (FHV at DGRT_FHV_H, FLV at DGRT_FLV_L). */
void dgrt_metrics_series(DgMetrics *m, const double *sim, const double *obs, int64_t n);
/* Every metric of every basin of a (T, B) time-major batch (x[t * B + b]) -> m (B,). */
void dgrt_metrics_batch(DgMetrics *m, const double *sim, const double *obs, int64_t T, int64_t B);

/* Median of x (n) without its NaNs (numpy nanmedian: the mean of the two
 * middle values for an even count); NaN when nothing is left. x is not modified. */
double dgrt_nanmedian(const double *x, int64_t n);
/* Field by field median over basins of m (B,) (n = median of the counts). */
void dgrt_metrics_median(DgMetrics *med, const DgMetrics *m, int64_t B);

#endif
