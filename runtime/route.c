/* route.c — the series operators of one output (runtime/dgrt_route.h):
 * component average and unit-hydrograph routing, with their adjoints.
 * No allocation and no exit: the shared-library API (model_api.c) uses
 * them as well as the runtime. Naive O(T * n) loops: n is a few dozen
 * ordinates at most. */
#include "dgrt_route.h"

// ---- Component average ------------------------------------------------------------------

/* x[t][o][b] = (1/ncomp) sum_k out[t][o][b*ncomp + k]     out (T, O, B*K), x (T, O, B) */
void dgrt_average_forward(double *x, const double *out, int64_t nsteps, int noutputs, int64_t nbasins, int64_t ncomp) {
    int64_t ncells = nbasins * ncomp;
    for (int64_t t = 0; t < nsteps; t++)
        for (int o = 0; o < noutputs; o++) {
            const double *row = out + (t * noutputs + o) * ncells;
            double *xr = x + (t * noutputs + o) * nbasins;
            for (int64_t b = 0; b < nbasins; b++) {
                double s = 0;
                for (int64_t k = 0; k < ncomp; k++) s += row[b * ncomp + k];
                xr[b] = s / (double)ncomp;
            }
        }
}

/* dout[t][o][b*ncomp + k] += dx[t][o][b] / ncomp */
void dgrt_average_backward(double *dout, const double *dx, int64_t nsteps, int noutputs, int64_t nbasins,
                           int64_t ncomp) {
    int64_t ncells = nbasins * ncomp;
    for (int64_t t = 0; t < nsteps; t++)
        for (int o = 0; o < noutputs; o++) {
            double *row = dout + (t * noutputs + o) * ncells;
            const double *dxr = dx + (t * noutputs + o) * nbasins;
            for (int64_t b = 0; b < nbasins; b++)
                for (int64_t k = 0; k < ncomp; k++) row[b * ncomp + k] += dxr[b] / (double)ncomp;
        }
}

// ---- Routing ----------------------------------------------------------------------------------

/* Effective weights w' (see dgrt_internal.h): w itself when T >= n, else
 * w_j / S over the first L = T ordinates, S = sum_{j<L} w_j. Returns L. */
static int effective_weights(double *we, double *sum, const double *w, int64_t T, int n) {
    int L = T < n ? (int)T : n;
    double s = 0;
    for (int j = 0; j < L; j++) s += w[j];
    *sum = s;
    for (int j = 0; j < L; j++) we[j] = L < n ? w[j] / s : w[j];
    return L;
}

/* y_t = sum_{j=0}^{min(t, L-1)} w'_j x_{t-j}   (causal: days before the start count as 0) */
void dgrt_route_forward(double *y, const double *x, const double *w, int64_t T, int n) {
    double we[n > 0 ? n : 1], sum;
    int L = effective_weights(we, &sum, w, T, n);
    for (int64_t t = 0; t < T; t++) {
        double acc = 0;
        int jmax = t < L - 1 ? (int)t : L - 1;
        for (int j = 0; j <= jmax; j++) acc += we[j] * x[t - j];
        y[t] = acc;
    }
}

/* dx_s += sum_{t=s}^{min(T-1, s+L-1)} w'_{t-s} dy_t;   dw'_j = sum_{t=j}^{T-1} x_{t-j} dy_t;
 * then through the renormalisation w'_j = w_j / S (only when T < n):
 * dw_j += (dw'_j - sum_i dw'_i w'_i) / S for j < L. */
void dgrt_route_backward(double *dx, double *dw, const double *dy, const double *x, const double *w, int64_t T,
                         int n) {
    double we[n > 0 ? n : 1], dwe[n > 0 ? n : 1], sum;
    int L = effective_weights(we, &sum, w, T, n);
    for (int j = 0; j < L; j++) dwe[j] = 0;
    for (int64_t t = 0; t < T; t++) {
        int jmax = t < L - 1 ? (int)t : L - 1;
        for (int j = 0; j <= jmax; j++) {
            dx[t - j] += we[j] * dy[t];
            dwe[j] += x[t - j] * dy[t];
        }
    }
    if (L == n) {
        for (int j = 0; j < n; j++) dw[j] += dwe[j];
        return;
    }
    double dot = 0;
    for (int j = 0; j < L; j++) dot += dwe[j] * we[j];
    for (int j = 0; j < L; j++) dw[j] += (dwe[j] - dot) / sum;
}

