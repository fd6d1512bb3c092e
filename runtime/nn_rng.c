/* nn_rng.c — the random numbers of training (initialisation, dropout,
 * shuffling): xoshiro256** seeded through splitmix64, uniform and normal
 * draws; and the names of the activations (DgAct). Reproducible: the same
 * seed gives the same bits on every run and platform (normal() uses libm's
 * log/cos/sin, correctly rounded in glibc for these arguments in practice). */
#include "nn.h"

#include <math.h>
#include <string.h>

// ---- xoshiro256** ---------------------------------------------------------------------------

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void dgrt_nnrng_seed(DgNnRng *r, uint64_t seed) {
    /* splitmix64 never gives four zero words, the one state xoshiro must avoid */
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    r->has_spare = 0;
    r->spare = 0;
}

void dgrt_nnrng_seed_stream(DgNnRng *r, uint64_t seed, uint64_t stream) {
    /* mix the stream through splitmix64 first, so (s, 1) and (s + 1, 0) differ */
    uint64_t x = stream;
    dgrt_nnrng_seed(r, seed ^ splitmix64(&x));
}

double dgrt_nnrng_uniform(DgNnRng *r) { return (double)(dgrt_nnrng_u64(r) >> 11) * 0x1.0p-53; }

double dgrt_nnrng_uniform_range(DgNnRng *r, double lo, double hi) {
    return lo + (hi - lo) * dgrt_nnrng_uniform(r);
}

/* Box-Muller: two independent N(0, 1) from u1 in (0, 1], u2 in [0, 1):
 * z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2); z1 is kept for the next call. */
double dgrt_nnrng_normal(DgNnRng *r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = 1.0 - dgrt_nnrng_uniform(r), u2 = dgrt_nnrng_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

// ---- Activation names -----------------------------------------------------------------------

/* grep ORDER DgAct */
static const char *const act_names[DG_ACT_COUNT] = {
    "linear", "tanh", "relu", "sigmoid", "softplus", "elu",
};

int dgrt_act_parse(const char *name, DgAct *act) {
    for (int i = 0; i < DG_ACT_COUNT; i++)
        if (!strcmp(name, act_names[i])) {
            *act = (DgAct)i;
            return 0;
        }
    if (!strcmp(name, "identity") || !strcmp(name, "none")) {
        *act = DG_ACT_LINEAR;
        return 0;
    }
    return -1;
}

const char *dgrt_act_name(DgAct act) { return (unsigned)act < DG_ACT_COUNT ? act_names[act] : "?"; }
