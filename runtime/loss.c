/* loss.c — MSE, RMSE, RMSE-comb, NSE-batch and KGE-batch over a (T, B)
 * time-major batch with missing observations, forward and backward. The
 * definitions are those of MHPI's δHBV code: hydroDL (hydroDL/model/crit.py)
 * and its successor dMG (generic_deltamodel, src/dmg/models/criterion/).
 * Notation: s = sim, o = obs, V = {(t, b) : o[t][b] is not NaN}, N = |V|,
 * V_b = the valid steps of basin b, n_b = |V_b|. Sums run in double; the
 * backward recomputes the forward statistics it needs (cheap, O(T B)). */
#include "loss.h"

#include <assert.h>
#include <math.h>
#include <string.h>

// ---- Names and defaults ----------------------------------------------------------------------

static const char *const loss_names[DGRT_LOSS_COUNT] = {"mse", "rmse", "rmse_comb", "nse_batch",
                                                        "kge_batch"}; /* ORDER DgLossKind */

const char *dgrt_loss_name(DgLossKind kind) { return kind < DGRT_LOSS_COUNT ? loss_names[kind] : "?"; }

int dgrt_loss_parse(const char *name, DgLossKind *kind) {
    for (int k = 0; k < DGRT_LOSS_COUNT; k++)
        if (!strcmp(name, loss_names[k])) {
            *kind = (DgLossKind)k;
            return 0;
        }
    return -1;
}

/* δHBV's values: RmseLossComb(alpha=0.25, beta=1e-6), NseLossBatch(eps=0.1),
 * KgeBatchLoss(eps=0.1). */
DgLossConfig dgrt_loss_defaults(DgLossKind kind) {
    DgLossConfig c = {0};
    c.kind = kind;
    c.alpha = 0.25;
    c.beta = 1e-6;
    c.eps = 0.1;
    c.obs_std = NULL;
    return c;
}

// ---- MSE and RMSE ----------------------------------------------------------------------------

/* L = (1/N) sum_V (s - o)^2;  dL/ds = 2 (s - o) / N          (hydroDL crit.MSELoss: pooled over
 * the batch, NaN targets masked) */
static double sq_err_sum(const double *sim, const double *obs, int64_t n, int64_t *count) {
    double acc = 0;
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(obs[i])) continue;
        double d = sim[i] - obs[i];
        acc += d * d;
        c++;
    }
    *count = c;
    return acc;
}

double dgrt_mse_forward(const double *sim, const double *obs, int64_t T, int64_t B) {
    int64_t N;
    double sse = sq_err_sum(sim, obs, T * B, &N);
    return N ? sse / (double)N : 0.0;
}

void dgrt_mse_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                       double dloss) {
    int64_t N;
    sq_err_sum(sim, obs, T * B, &N);
    if (!N) return;
    double k = 2.0 * dloss / (double)N;
    for (int64_t i = 0; i < T * B; i++)
        if (!isnan(obs[i])) dsim[i] += k * (sim[i] - obs[i]);
}

/* L = sqrt((1/N) sum_V (s - o)^2);  dL/ds = (s - o) / (N L), and 0 when L = 0
 * (the subgradient; PyTorch's sqrt backward would give 0 * inf = NaN there).
 * hydroDL crit.RmseLoss / dMG RmseLoss: pooled over the batch. */
double dgrt_rmse_forward(const double *sim, const double *obs, int64_t T, int64_t B) {
    return sqrt(dgrt_mse_forward(sim, obs, T, B));
}

void dgrt_rmse_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                        double dloss) {
    int64_t N;
    double sse = sq_err_sum(sim, obs, T * B, &N);
    if (!N || sse == 0) return;
    double L = sqrt(sse / (double)N), k = dloss / ((double)N * L);
    for (int64_t i = 0; i < T * B; i++)
        if (!isnan(obs[i])) dsim[i] += k * (sim[i] - obs[i]);
}

// ---- RMSE-comb (δHBV's default loss) ---------------------------------------------------------

/* hydroDL crit.RmseLossComb(alpha, beta=1e-6) = dMG RmseCombLoss (alpha 0.25 in δHBV):
 *   f(x) = log10(sqrt(x + beta) + 0.1)
 *   L1 = sqrt((1/N) sum_V (s - o)^2)
 *   L2 = sqrt((1/N) sum_V (f(s) - f(o))^2)
 *   L  = (1 - alpha) L1 + alpha L2
 * Both terms over the same valid set V (dMG masks once on obs; hydroDL masks
 * L2 on f(o) finite, the same set for o >= -beta). sim + beta < 0 makes f NaN,
 * as in the reference (the models' flows are >= 0).
 *   f'(x) = 1 / (ln 10 (sqrt(x + beta) + 0.1) 2 sqrt(x + beta))
 *   dL/ds = (1 - alpha) (s - o) / (N L1) + alpha (f(s) - f(o)) f'(s) / (N L2)
 * with a term left out when its RMSE is 0 (see dgrt_rmse_backward). */
static double logsqrt(double x, double beta) { return log10(sqrt(x + beta) + 0.1); }

static double logsqrt_deriv(double x, double beta) {
    double r = sqrt(x + beta);
    return 1.0 / (M_LN10 * (r + 0.1) * 2.0 * r);
}

/* sums of squares of both terms and N */
static void comb_sums(const double *sim, const double *obs, int64_t n, double beta, double *s1, double *s2,
                      int64_t *count) {
    double a1 = 0, a2 = 0;
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(obs[i])) continue;
        double d1 = sim[i] - obs[i], d2 = logsqrt(sim[i], beta) - logsqrt(obs[i], beta);
        a1 += d1 * d1;
        a2 += d2 * d2;
        c++;
    }
    *s1 = a1, *s2 = a2, *count = c;
}

double dgrt_rmse_comb_forward(const double *sim, const double *obs, int64_t T, int64_t B, double alpha,
                              double beta) {
    double s1, s2;
    int64_t N;
    comb_sums(sim, obs, T * B, beta, &s1, &s2, &N);
    if (!N) return 0.0;
    return (1.0 - alpha) * sqrt(s1 / (double)N) + alpha * sqrt(s2 / (double)N);
}

void dgrt_rmse_comb_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                             double alpha, double beta, double dloss) {
    double s1, s2;
    int64_t N;
    comb_sums(sim, obs, T * B, beta, &s1, &s2, &N);
    if (!N) return;
    double L1 = sqrt(s1 / (double)N), L2 = sqrt(s2 / (double)N);
    double k1 = L1 > 0 ? dloss * (1.0 - alpha) / ((double)N * L1) : 0.0;
    double k2 = L2 > 0 ? dloss * alpha / ((double)N * L2) : 0.0;
    for (int64_t i = 0; i < T * B; i++) {
        if (isnan(obs[i])) continue;
        double g = k1 * (sim[i] - obs[i]);
        if (k2 != 0.0)
            g += k2 * (logsqrt(sim[i], beta) - logsqrt(obs[i], beta)) * logsqrt_deriv(sim[i], beta);
        dsim[i] += g;
    }
}

// ---- NSE-batch -------------------------------------------------------------------------------

/* hydroDL crit.NSELossBatch(stdarray, eps=0.1) = dMG NseBatchLoss ("same as
 * Fredrick 2019": the NSE* loss of Kratzert et al. 2019, HESS 23, 5089):
 *   L = (1/N) sum_{(t,b) in V} (s - o)^2 / (std_b + eps)^2
 *   dL/ds = 2 (s - o) / (N (std_b + eps)^2)
 * std_b = np.nanstd of basin b's obs over the TRAINING period (dgrt_obs_std),
 * fixed during training: a per-basin weight, not a statistic of the batch.
 * The mean is over all valid (t, b) of the batch, not per basin first. */
double dgrt_nse_batch_forward(const double *sim, const double *obs, const double *obs_std, int64_t T,
                              int64_t B, double eps) {
    double acc = 0;
    int64_t N = 0;
    for (int64_t t = 0; t < T; t++)
        for (int64_t b = 0; b < B; b++) {
            int64_t i = t * B + b;
            if (isnan(obs[i])) continue;
            double d = sim[i] - obs[i], w = obs_std[b] + eps;
            acc += d * d / (w * w);
            N++;
        }
    return N ? acc / (double)N : 0.0;
}

void dgrt_nse_batch_backward(double *dsim, const double *sim, const double *obs, const double *obs_std,
                             int64_t T, int64_t B, double eps, double dloss) {
    int64_t N = 0;
    for (int64_t i = 0; i < T * B; i++) N += !isnan(obs[i]);
    if (!N) return;
    for (int64_t t = 0; t < T; t++)
        for (int64_t b = 0; b < B; b++) {
            int64_t i = t * B + b;
            if (isnan(obs[i])) continue;
            double w = obs_std[b] + eps;
            dsim[i] += dloss * 2.0 * (sim[i] - obs[i]) / ((double)N * w * w);
        }
}

void dgrt_obs_std(double *std, const double *obs, int64_t T, int64_t B) {
    for (int64_t b = 0; b < B; b++) {
        double sum = 0, ss = 0;
        int64_t n = 0;
        for (int64_t t = 0; t < T; t++)
            if (!isnan(obs[t * B + b])) sum += obs[t * B + b], n++;
        if (!n) {
            std[b] = NAN;
            continue;
        }
        double mean = sum / (double)n;
        for (int64_t t = 0; t < T; t++) {
            double o = obs[t * B + b];
            if (!isnan(o)) ss += (o - mean) * (o - mean);
        }
        std[b] = sqrt(ss / (double)n);
    }
}

// ---- KGE-batch -------------------------------------------------------------------------------

/* 1 - KGE per basin, averaged over the basins with n_b >= 2 (B' of them):
 *   per basin, over V_b:
 *     ms = mean s, mo = mean o,  Ss = sum (s - ms)^2,  So = sum (o - mo)^2,  C = sum (s - ms)(o - mo)
 *     r     = C / (sqrt(Ss So) + eps)                         correlation
 *     beta  = ms / (mo + eps)                                 bias ratio
 *     gamma = sd_s / (sd_o + eps),  sd = sqrt(S / (n_b - 1))  variability ratio (torch.std, unbiased)
 *     ED_b  = sqrt((r - 1)^2 + (beta - 1)^2 + (gamma - 1)^2)  = 1 - KGE_b   (Gupta et al. 2009)
 *   L = (1/B') sum_b ED_b
 * The eps placement is dMG's KgeBatchLoss (src/dmg/models/criterion/kge_batch_loss.py,
 * eps 0.1); dMG pools all valid (t, b) of the batch into ONE series; here
 * each basin is its own series and the ED_b are averaged (B = 1: the same).
 * Gradient, for i in V_b (using sum_{V_b} (o - mo) = 0 and sum (s - ms) = 0):
 *     dC/ds_i = o_i - mo,  dSs/ds_i = 2 (s_i - ms),  D = sqrt(Ss So),  dD/ds_i = So (s_i - ms) / D
 *     dr/ds_i     = (o_i - mo) / (D + eps) - C dD/ds_i / (D + eps)^2
 *     dbeta/ds_i  = 1 / (n_b (mo + eps))
 *     dgamma/ds_i = (s_i - ms) / ((n_b - 1) sd_s (sd_o + eps))
 *     dL/ds_i     = [(r - 1) dr + (beta - 1) dbeta + (gamma - 1) dgamma] / (ED_b B')
 * At the singular points (D = 0, sd_s = 0, ED_b = 0) the term's derivative
 * is taken as 0. */
typedef struct {
    int64_t n;
    double ms, mo, Ss, So, C, D, sds, sdo, r, beta, gamma, ed;
} KgeStats;

static int kge_basin(KgeStats *k, const double *sim, const double *obs, int64_t T, int64_t B, int64_t b,
                     double eps) {
    memset(k, 0, sizeof *k);
    double ss = 0, so = 0;
    for (int64_t t = 0; t < T; t++) {
        int64_t i = t * B + b;
        if (isnan(obs[i])) continue;
        ss += sim[i], so += obs[i], k->n++;
    }
    if (k->n < 2) return 0;
    k->ms = ss / (double)k->n, k->mo = so / (double)k->n;
    for (int64_t t = 0; t < T; t++) {
        int64_t i = t * B + b;
        if (isnan(obs[i])) continue;
        double ds = sim[i] - k->ms, dob = obs[i] - k->mo;
        k->Ss += ds * ds, k->So += dob * dob, k->C += ds * dob;
    }
    k->D = sqrt(k->Ss * k->So);
    k->sds = sqrt(k->Ss / (double)(k->n - 1));
    k->sdo = sqrt(k->So / (double)(k->n - 1));
    k->r = k->C / (k->D + eps);
    k->beta = k->ms / (k->mo + eps);
    k->gamma = k->sds / (k->sdo + eps);
    k->ed = sqrt((k->r - 1) * (k->r - 1) + (k->beta - 1) * (k->beta - 1) + (k->gamma - 1) * (k->gamma - 1));
    return 1;
}

double dgrt_kge_batch_forward(const double *sim, const double *obs, int64_t T, int64_t B, double eps) {
    double acc = 0;
    int64_t nb = 0;
    KgeStats k;
    for (int64_t b = 0; b < B; b++)
        if (kge_basin(&k, sim, obs, T, B, b, eps)) acc += k.ed, nb++;
    return nb ? acc / (double)nb : 0.0;
}

void dgrt_kge_batch_backward(double *dsim, const double *sim, const double *obs, int64_t T, int64_t B,
                             double eps, double dloss) {
    KgeStats k;
    int64_t nb = 0;
    for (int64_t b = 0; b < B; b++) nb += kge_basin(&k, sim, obs, T, B, b, eps);
    if (!nb) return;
    for (int64_t b = 0; b < B; b++) {
        if (!kge_basin(&k, sim, obs, T, B, b, eps) || k.ed == 0) continue;
        double scale = dloss / (k.ed * (double)nb);
        double De = k.D + eps;
        double dbeta = 1.0 / ((double)k.n * (k.mo + eps));
        for (int64_t t = 0; t < T; t++) {
            int64_t i = t * B + b;
            if (isnan(obs[i])) continue;
            double ds = sim[i] - k.ms, dob = obs[i] - k.mo;
            double dD = k.D > 0 ? k.So * ds / k.D : 0.0;
            double dr = dob / De - k.C * dD / (De * De);
            double dgamma = k.sds > 0 ? ds / ((double)(k.n - 1) * k.sds * (k.sdo + eps)) : 0.0;
            dsim[i] += scale * ((k.r - 1) * dr + (k.beta - 1) * dbeta + (k.gamma - 1) * dgamma);
        }
    }
}

// ---- Dispatch ---------------------------------------------------------------------------------

double dgrt_loss_forward(const DgLossConfig *c, const double *sim, const double *obs, int64_t T, int64_t B) {
    switch (c->kind) {
    case DGRT_LOSS_MSE: return dgrt_mse_forward(sim, obs, T, B);
    case DGRT_LOSS_RMSE: return dgrt_rmse_forward(sim, obs, T, B);
    case DGRT_LOSS_RMSE_COMB: return dgrt_rmse_comb_forward(sim, obs, T, B, c->alpha, c->beta);
    case DGRT_LOSS_NSE_BATCH:
        assert(c->obs_std && "NSE-batch needs the training-period std of every basin (DgLossConfig.obs_std)");
        return dgrt_nse_batch_forward(sim, obs, c->obs_std, T, B, c->eps);
    case DGRT_LOSS_KGE_BATCH: return dgrt_kge_batch_forward(sim, obs, T, B, c->eps);
    default: return NAN;
    }
}

void dgrt_loss_backward(const DgLossConfig *c, double *dsim, const double *sim, const double *obs, int64_t T,
                        int64_t B, double dloss) {
    switch (c->kind) {
    case DGRT_LOSS_MSE: dgrt_mse_backward(dsim, sim, obs, T, B, dloss); break;
    case DGRT_LOSS_RMSE: dgrt_rmse_backward(dsim, sim, obs, T, B, dloss); break;
    case DGRT_LOSS_RMSE_COMB: dgrt_rmse_comb_backward(dsim, sim, obs, T, B, c->alpha, c->beta, dloss); break;
    case DGRT_LOSS_NSE_BATCH:
        assert(c->obs_std && "NSE-batch needs the training-period std of every basin (DgLossConfig.obs_std)");
        dgrt_nse_batch_backward(dsim, sim, obs, c->obs_std, T, B, c->eps, dloss);
        break;
    case DGRT_LOSS_KGE_BATCH: dgrt_kge_batch_backward(dsim, sim, obs, T, B, c->eps, dloss); break;
    default: break;
    }
}
