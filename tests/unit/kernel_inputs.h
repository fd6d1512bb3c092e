/* kernel_inputs.h — deterministic inputs for the tests that run compiled
 * kernels (test_codegen_equiv, test_opt_equiv): a splitmix64 generator,
 * forcing by input name and parameters inside their bounds, all exactly
 * representable in float so f32 and f64 kernels see the same values. */
#ifndef DG_KERNEL_INPUTS_H
#define DG_KERNEL_INPUTS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ir.h"

static uint64_t rng_state;
static double urand(void) {   /* splitmix64 -> [0, 1) */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}
/* values representable in float, so f32 and f64 kernels see the same inputs */
static double fl(double x) { return (double)(float)x; }

static double *dalloc(size_t n) {
    double *p = calloc(n ? n : 1, sizeof(double));
    if (!p) abort();
    return p;
}

static double forcing_value(const char *name, int t) {
    double u = urand();
    if (name[0] == 'T') return fl(6 + 12 * sin(2 * M_PI * t / 40.0) + 4 * (u - 0.5));   /* temperature */
    if (name[0] == 'L' || !strncmp(name, "Day", 3)) return fl(0.4 + 0.2 * u);           /* day length (d) */
    if (!strcmp(name, "P") || !strncmp(name, "prcp", 4)) return fl(u < 0.45 ? 0 : 25 * u * u);   /* rain */
    return fl(0.3 + 3 * u);                                                               /* PET and others */
}

static double param_value(const IrParam *p) {
    if (p->has_bounds) return fl(p->lo + (0.05 + 0.9 * urand()) * (p->hi - p->lo));
    if (p->has_value) return fl(p->value);
    return 0.5;
}

#endif
