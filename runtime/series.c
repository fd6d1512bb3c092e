/* series.c — the series operators applied after run_fwd (the model's step
 * outputs are per cell): average over the components of each basin, then
 * route the outputs that have a unit hydrograph (DgOutputInfo.route_weights
 * >= 0) with the basin's weights from the prologue kernel. Each operator has
 * its exact adjoint (accumulating, +=) for gradcheck and training. Naive
 * O(T * n) loops: n is a few dozen ordinates at most. */
#include "dgrt_internal.h"

#include <string.h>

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

// ---- All outputs --------------------------------------------------------------------------------

void dgrt_series_forward(const DgModel *m, int64_t T, int64_t nbasins, int64_t ncomp, const double *out,
                         const double *weights, double *y) {
    int no = m->noutputs;
    dgrt_average_forward(y, out, T, no, nbasins, ncomp);
    double *x = mallocCheck(sizeof(double) * (size_t)(2 * T + 1)), *yr = x + T;
    for (int o = 0; o < no; o++) {
        const DgOutputInfo *oi = &m->outputs[o];
        if (oi->route_weights < 0 || oi->route_len <= 0) continue;
        double w[oi->route_len];
        for (int64_t b = 0; b < nbasins; b++) {
            for (int j = 0; j < oi->route_len; j++) w[j] = weights[(oi->route_weights + j) * nbasins + b];
            for (int64_t t = 0; t < T; t++) x[t] = y[(t * no + o) * nbasins + b];
            dgrt_route_forward(yr, x, w, T, oi->route_len);
            for (int64_t t = 0; t < T; t++) y[(t * no + o) * nbasins + b] = yr[t];
        }
    }
    free(x);
}

/* Reverse of dgrt_series_forward: recompute the averages x, route's adjoint
 * turns dy into dx (and dweights), the average's adjoint spreads dx over the cells. */
void dgrt_series_backward(const DgModel *m, int64_t T, int64_t nbasins, int64_t ncomp, const double *out,
                          const double *weights, const double *dy, double *dout, double *dweights) {
    int no = m->noutputs;
    size_t n = (size_t)(T * no * nbasins);
    double *xavg = mallocCheck(sizeof(double) * (n + 1));
    double *dx = mallocCheck(sizeof(double) * (n + 1));
    double *buf = mallocCheck(sizeof(double) * (size_t)(3 * T + 1));
    double *x = buf, *dyr = buf + T, *dxr = buf + 2 * T;
    dgrt_average_forward(xavg, out, T, no, nbasins, ncomp);
    memcpy(dx, dy, sizeof(double) * n);   /* unrouted outputs: dx = dy */
    for (int o = 0; o < no; o++) {
        const DgOutputInfo *oi = &m->outputs[o];
        if (oi->route_weights < 0 || oi->route_len <= 0) continue;
        double w[oi->route_len], dw[oi->route_len];
        for (int64_t b = 0; b < nbasins; b++) {
            for (int j = 0; j < oi->route_len; j++) {
                w[j] = weights[(oi->route_weights + j) * nbasins + b];
                dw[j] = 0;
            }
            for (int64_t t = 0; t < T; t++) {
                size_t i = (size_t)((t * no + o) * nbasins + b);
                x[t] = xavg[i];
                dyr[t] = dy[i];
                dxr[t] = 0;
            }
            dgrt_route_backward(dxr, dw, dyr, x, w, T, oi->route_len);
            for (int64_t t = 0; t < T; t++) dx[(t * no + o) * nbasins + b] = dxr[t];
            if (dweights)
                for (int j = 0; j < oi->route_len; j++) dweights[(oi->route_weights + j) * nbasins + b] += dw[j];
        }
    }
    dgrt_average_backward(dout, dx, T, no, nbasins, ncomp);
    free(xavg);
    free(dx);
    free(buf);
}
