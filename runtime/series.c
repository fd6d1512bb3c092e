/* series.c — the series operators applied after run_fwd (the model's step
 * outputs are per cell) over all outputs: average over the components of
 * each basin, then route the outputs that have a unit hydrograph
 * (DgOutputInfo.route_weights >= 0) with the basin's weights from the
 * prologue kernel; the operators themselves are in route.c. Each has its
 * exact adjoint (accumulating, +=) for gradcheck and training. */
#include "dgrt_internal.h"

#include <string.h>

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
