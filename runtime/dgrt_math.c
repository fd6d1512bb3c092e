/* dgrt_math.c — special functions that generated code calls because LLVM
 * has no intrinsic for them: lgamma (from libm) and digamma (its derivative,
 * needed by the adjoint of lgamma, used by the gamma unit hydrograph). */
#include "dgrt.h"

#include <math.h>

double dgrt_lgamma(double x) { return lgamma(x); }
float dgrt_lgammaf(float x) { return lgammaf(x); }

/* digamma(x) = d/dx log Gamma(x): recurrence psi(x) = psi(x+1) - 1/x up to
 * x >= 6, then the asymptotic series
 *   psi(x) ~ ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8) - 1/(132x^10)
 * (Abramowitz & Stegun 6.3.18); reflection for x < 0. Error < 1e-15 relative
 * for x >= 6 after the recurrence. */
double dgrt_digamma(double x) {
    if (isnan(x) || x == -INFINITY) return NAN;
    if (x <= 0 && floor(x) == x) return NAN;   /* poles */
    if (x < 0) return dgrt_digamma(1 - x) - M_PI / tan(M_PI * x);
    double acc = 0;
    while (x < 6) {
        acc -= 1 / x;
        x += 1;
    }
    double f = 1 / (x * x);
    double series = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))));
    return acc + log(x) - 0.5 / x + series;
}

float dgrt_digammaf(float x) { return (float)dgrt_digamma((double)x); }
