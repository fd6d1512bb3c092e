/* loss.h — training losses of δ models: forward (returns the loss) and
 * backward (seeds the cotangent of the simulation: dsim += dloss dL/dsim),
 * in double precision, over a batch laid out (T, B) time-major:
 * x[t * B + b], t < T time steps, b < B basins (sim, obs and dsim alike).
 * NaN in obs = missing: left out of every sum, mean and count, and its
 * gradient is exactly 0. A batch with no observation (or, for KGE, no basin
 * with two) has loss 0 and gradient 0. Formulas and sources in loss.c. */
#ifndef DGRT_LOSS_H
#define DGRT_LOSS_H

#include <stdint.h>

/* grep ORDER DgLossKind: names in loss.c */
typedef enum {
    DGRT_LOSS_MSE,       /* mean (s - o)^2 over the batch */
    DGRT_LOSS_RMSE,      /* sqrt of the MSE */
    DGRT_LOSS_RMSE_COMB, /* δHBV RmseLossComb: alpha, beta */
    DGRT_LOSS_NSE_BATCH, /* δHBV NseLossBatch: obs_std, eps */
    DGRT_LOSS_KGE_BATCH, /* 1 - KGE per basin, averaged: eps */
    DGRT_LOSS_COUNT
} DgLossKind;

typedef struct {
    DgLossKind kind;
    double alpha;          /* RMSE_COMB: weight of the log-sqrt term, 0.25 */
    double beta;           /* RMSE_COMB: offset under the square root, 1e-6 */
    double eps;            /* NSE_BATCH, KGE_BATCH: 0.1 */
    const double *obs_std; /* NSE_BATCH: (B,) std of each batch basin's obs over the TRAINING
                            * period (dgrt_obs_std), not owned */
} DgLossConfig;

DgLossConfig dgrt_loss_defaults(DgLossKind kind); /* δHBV's values; obs_std = NULL */
const char *dgrt_loss_name(DgLossKind kind);      /* "mse", "rmse", "rmse_comb", "nse_batch", "kge_batch" */
int dgrt_loss_parse(const char *name, DgLossKind *kind); /* 0 = ok, -1 = unknown */

/* Dispatch on c->kind. */
double dgrt_loss_forward(const DgLossConfig *c, const double *sim, const double *obs, int64_t T, int64_t B);
void dgrt_loss_backward(const DgLossConfig *c, double *dsim, const double *sim, const double *obs, int64_t T,
                        int64_t B, double dloss);

/* Each loss: sim, obs, dsim (T, B); obs_std (B,). Backward accumulates (+=). */
double dgrt_mse_forward(const double *sim, const double *obs, int64_t T, int64_t B);
void dgrt_mse_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                       double dloss);
double dgrt_rmse_forward(const double *sim, const double *obs, int64_t T, int64_t B);
void dgrt_rmse_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                        double dloss);
double dgrt_rmse_comb_forward(const double *sim, const double *obs, int64_t T, int64_t B, double alpha,
                              double beta);
void dgrt_rmse_comb_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                             double alpha, double beta, double dloss);
double dgrt_nse_batch_forward(const double *sim, const double *obs, const double *obs_std, int64_t T,
                              int64_t B, double eps);
void dgrt_nse_batch_backward(double *dsim, const double *sim, const double *obs, const double *obs_std,
                             int64_t T, int64_t B, double eps, double dloss);
double dgrt_kge_batch_forward(const double *sim, const double *obs, int64_t T, int64_t B, double eps);
void dgrt_kge_batch_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                             double eps, double dloss);

/* std (B,) = population standard deviation over time of each basin's obs
 * (T, B), NaN ignored (numpy nanstd, ddof 0: what δHBV passes to
 * NseLossBatch, computed on the training period); NaN for a basin without obs. */
void dgrt_obs_std(double *std, const double *obs, int64_t T, int64_t B);

#endif
