/* dgrt_route.h — the series operators that turn a model's per-cell step
 * outputs into the reported series (part of what DgOutputInfo means): the
 * average over the components of a basin and the causal unit-hydrograph
 * convolution, each with its adjoint (+=). Pure functions on caller-owned
 * arrays (no allocation, no exit), shared by the runtime (series.c) and the
 * model library's API (model_api.c, model_bmi.c). */
#ifndef DGRT_ROUTE_H
#define DGRT_ROUTE_H

#include <stdint.h>

/* Component average, x[t][o][b] = (1/ncomp) sum_k out[t][o][b*ncomp + k], and its adjoint (+=). */
void dgrt_average_forward(double *x, const double *out, int64_t nsteps, int noutputs, int64_t nbasins, int64_t ncomp);
void dgrt_average_backward(double *dout, const double *dx, int64_t nsteps, int noutputs, int64_t nbasins,
                           int64_t ncomp);
/* Routing of one series by n kernel weights (contiguous arrays):
 *   y_t = sum_{j=0}^{min(t, L-1)} w'_j x_{t-j},  L = min(n, T),
 * with w' = w when T >= n, else w renormalised over the first T ordinates
 * (hydrodl2's L = min(lenF, T); the prologue's weights sum to 1 over n).
 * Backward accumulates dx and dw (+=). */
void dgrt_route_forward(double *y, const double *x, const double *w, int64_t T, int n);
void dgrt_route_backward(double *dx, double *dw, const double *dy, const double *x, const double *w, int64_t T,
                         int n);

#endif
