/* test_nn_init.c — random numbers and initialisation (runtime/nn_rng.c,
 * nn_ops.c, lstm.c, mlp.c, matmul.c):
 *   - splitmix64 and xoshiro256** against their published reference outputs
 *   - uniform and normal moments; dropout mask rate and scale
 *   - LSTM init U(-1/sqrt H, 1/sqrt H): bounds, mean, variance; the MLP's
 *     Torch / Xavier / Kaiming bounds and variances, zero biases
 *   - determinism: the same seed gives the same bits, f32 = rounded f64,
 *     other seeds and streams give other numbers */
#include <string.h>
#include "check.h"
#include "nn_test.h"

typedef struct {
    double min, max, mean, var;
} Stats;

static Stats stats(const double *x, size_t n) {
    Stats s = {x[0], x[0], 0, 0};
    for (size_t i = 0; i < n; i++) s.min = fmin(s.min, x[i]), s.max = fmax(s.max, x[i]), s.mean += x[i];
    s.mean /= n;
    for (size_t i = 0; i < n; i++) s.var += (x[i] - s.mean) * (x[i] - s.mean);
    s.var /= n;
    return s;
}

/* x ~ U(-a, a): inside the bounds, reaching near them, mean and variance a^2/3 within 5 standard errors */
static int uniform_ok(const char *what, const double *x, size_t n, double a) {
    Stats s = stats(x, n);
    double var = a * a / 3, se_mean = sqrt(var / n), se_var = var * sqrt(0.8 / n); /* Var(x^2) = 4a^4/45 */
    int ok = s.min >= -a && s.max <= a && s.min < -a * (1 - 50.0 / n) && s.max > a * (1 - 50.0 / n) &&
             fabs(s.mean) < 5 * se_mean && fabs(s.var - var) < 5 * se_var;
    printf("  %-22s n=%-7zu bound %.4f: min %+.4f max %+.4f mean %+.2e var %.3e (want %.3e) %s\n", what, n, a,
           s.min, s.max, s.mean, s.var, var, ok ? "OK" : "NOT OK");
    return ok;
}

static void test_reference_streams(void) {
    /* splitmix64 from state 0 (the seeding of xoshiro): first output 0xe220a8397b1dcdaf */
    DgNnRng r;
    dgrt_nnrng_seed(&r, 0);
    CHECK(r.s[0] == 0xe220a8397b1dcdafULL && r.s[1] == 0x6e789e6aa1b965f4ULL);
    /* xoshiro256** from state {1, 2, 3, 4}: 11520, 0, 1509978240, 1215971899390074240 */
    r.s[0] = 1, r.s[1] = 2, r.s[2] = 3, r.s[3] = 4;
    CHECK(dgrt_nnrng_u64(&r) == 11520ULL);
    CHECK(dgrt_nnrng_u64(&r) == 0ULL);
    CHECK(dgrt_nnrng_u64(&r) == 1509978240ULL);
    CHECK(dgrt_nnrng_u64(&r) == 1215971899390074240ULL);
}

static void test_distributions(void) {
    size_t n = 1000000;
    double *x = malloc(n * sizeof(double));
    DgNnRng r;
    dgrt_nnrng_seed(&r, 123);
    printf("distributions\n");
    for (size_t i = 0; i < n; i++) x[i] = 2 * dgrt_nnrng_uniform(&r) - 1;
    CHECK(uniform_ok("uniform", x, n, 1));
    for (size_t i = 0; i < n; i++) x[i] = dgrt_nnrng_normal(&r);
    Stats s = stats(x, n);
    double m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - s.mean;
        m3 += d * d * d, m4 += d * d * d * d;
    }
    double skew = m3 / n / pow(s.var, 1.5), kurt = m4 / n / (s.var * s.var);
    printf(
        "  normal                 n=%-7zu mean %+.2e var %.4f skew %+.4f kurtosis %.4f min %.2f max %.2f\n",
        n, s.mean, s.var, skew, kurt, s.min, s.max);
    /* standard errors: mean 1e-3, var 1.4e-3, skew 2.4e-3, kurtosis 4.9e-3 */
    CHECK(fabs(s.mean) < 5e-3 && fabs(s.var - 1) < 7e-3 && fabs(skew) < 1.2e-2 && fabs(kurt - 3) < 2.5e-2);
    CHECK(s.min < -4 && s.max > 4);

    /* dropout: rate p, kept values scaled by 1/(1-p), out = inp ⊙ mask, same (seed, stream) same mask */
    float *in = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float)),
          *mask = malloc(n * sizeof(float));
    float *mask2 = malloc(n * sizeof(float));
    dgrt_fill_uniform_f32(in, n, -1, 1, &r);
    dgrt_dropout_forward_f32(out, mask, in, n, 0.3f, 77, 1);
    size_t zeros = 0;
    int vals_ok = 1;
    for (size_t i = 0; i < n; i++) {
        zeros += mask[i] == 0;
        vals_ok &= (mask[i] == 0 || mask[i] == (float)(1 / (1 - (double)0.3f))) && out[i] == in[i] * mask[i];
    }
    double rate = (double)zeros / n;
    printf("  dropout p=0.3          rate %.4f\n", rate);
    CHECK(vals_ok && fabs(rate - 0.3) < 5 * sqrt(0.21 / n));
    dgrt_dropout_forward_f32(out, mask2, in, n, 0.3f, 77, 1);
    CHECK(!memcmp(mask, mask2, n * sizeof(float)));
    dgrt_dropout_forward_f32(out, mask2, in, n, 0.3f, 77, 2); /* another stream (layer) */
    CHECK(memcmp(mask, mask2, n * sizeof(float)) != 0);
    dgrt_dropout_forward_f32(out, mask2, in, n, 0.3f, 78, 1); /* another seed (iteration) */
    CHECK(memcmp(mask, mask2, n * sizeof(float)) != 0);
    /* no visible dependence: both dropped at rate p^2 for neighbours, and across seeds */
    size_t both_next = 0, both_seeds = 0;
    for (size_t i = 0; i + 1 < n; i++) both_next += mask[i] == 0 && mask[i + 1] == 0;
    for (size_t i = 0; i < n; i++) both_seeds += mask[i] == 0 && mask2[i] == 0;
    double p2 = 0.3 * 0.3, sd = sqrt(p2 * (1 - p2) / n);
    printf("  dropout both dropped   neighbours %.4f, seeds 77/78 %.4f (p^2 = %.2f)\n",
           (double)both_next / n, (double)both_seeds / n, p2);
    CHECK(fabs((double)both_next / n - p2) < 5 * sd && fabs((double)both_seeds / n - p2) < 5 * sd);
    /* counter-based: the mask made in parts, or over 3 threads, is the mask made at once */
    size_t k = n / 3 + 5;
    dgrt_dropout_forward_at_f32(out, mask2, in, k, 0.3f, 77, 1, 0);
    dgrt_dropout_forward_at_f32(out + k, mask2 + k, in + k, n - k, 0.3f, 77, 1, k);
    CHECK(!memcmp(mask, mask2, n * sizeof(float)));
    dgrt_nn_set_threads(3);
    dgrt_dropout_forward_f32(out, mask2, in, n, 0.3f, 77, 1);
    dgrt_nn_set_threads(1);
    CHECK(!memcmp(mask, mask2, n * sizeof(float)));
    free(x), free(in), free(out), free(mask), free(mask2);
}

static void test_lstm_init(void) {
    DgLstm cfg = {.C = 38, .H = 256, .L = 2, .dropout = 0.5f};
    size_t np = dgrt_lstm_num_params(&cfg);
    CHECK(np == 4 * 256 * (38 + 256 + 2) + 4 * 256 * (256 + 256 + 2));
    double *pm = malloc(np * sizeof(double)), *pm2 = malloc(np * sizeof(double));
    float *pf = malloc(np * sizeof(float)), *pf2 = malloc(np * sizeof(float));
    DgLstmParamsF64 p;
    DgLstmParamsF32 q;
    DgNnRng r;
    printf("LSTM init C=38 H=256 L=2 (%zu parameters)\n", np);
    dgrt_nnrng_seed(&r, 5);
    dgrt_lstm_point_params_f64(&p, &cfg, pm);
    dgrt_lstm_init_f64(&p, &cfg, &r);
    CHECK(uniform_ok("all", pm, np, 1 / 16.0));
    CHECK(uniform_ok("layer 1 w_hh", p.w_hh[1], 4 * 256 * 256, 1 / 16.0));
    /* the same seed again: the same bits; f32 = f64 rounded; another seed: others */
    dgrt_nnrng_seed(&r, 5);
    dgrt_lstm_point_params_f64(&p, &cfg, pm2);
    dgrt_lstm_init_f64(&p, &cfg, &r);
    CHECK(!memcmp(pm, pm2, np * sizeof(double)));
    for (int run = 0; run < 2; run++) {
        dgrt_nnrng_seed(&r, 5);
        dgrt_lstm_point_params_f32(&q, &cfg, run ? pf2 : pf);
        dgrt_lstm_init_f32(&q, &cfg, &r);
    }
    CHECK(!memcmp(pf, pf2, np * sizeof(float)));
    int rounded = 1;
    for (size_t i = 0; i < np; i++) rounded &= pf[i] == (float)pm[i];
    CHECK(rounded);
    dgrt_nnrng_seed(&r, 6);
    dgrt_lstm_init_f32(&q, &cfg, &r);
    size_t same = 0;
    for (size_t i = 0; i < np; i++) same += pf[i] == pf2[i];
    CHECK(same < np / 1000);
    free(pm), free(pm2), free(pf), free(pf2);
}

static void test_mlp_init(void) {
    DgMlp cfg = {.n_layers = 2, .sizes = {300, 200, 100}, .act = DG_ACT_RELU, .out_act = DG_ACT_LINEAR};
    size_t np = dgrt_mlp_num_params(&cfg);
    double *pm = malloc(np * sizeof(double));
    DgMlpParamsF64 p;
    dgrt_mlp_point_params_f64(&p, &cfg, pm);
    static const char *names[] = {"torch", "xavier", "kaiming"};
    for (int init = DG_INIT_TORCH; init <= DG_INIT_KAIMING; init++) {
        DgNnRng r;
        dgrt_nnrng_seed(&r, 8);
        dgrt_mlp_init_f64(&p, &cfg, (DgInit)init, &r);
        printf("MLP init 300-200-100 %s\n", names[init]);
        for (int k = 0; k < 2; k++) {
            double in = cfg.sizes[k], out = cfg.sizes[k + 1];
            double a = init == DG_INIT_TORCH    ? 1 / sqrt(in)
                       : init == DG_INIT_XAVIER ? sqrt(6 / (in + out))
                                                : sqrt(6 / in);
            char what[32];
            snprintf(what, sizeof what, "layer %d w", k);
            CHECK(uniform_ok(what, p.w[k], (size_t)(in * out), a));
            if (init == DG_INIT_TORCH) {
                Stats s = stats(p.b[k], (size_t)out);
                CHECK(s.min >= -1 / sqrt(in) && s.max <= 1 / sqrt(in) && s.max > s.min);
            } else {
                int zero = 1;
                for (int i = 0; i < (int)out; i++) zero &= p.b[k][i] == 0;
                CHECK(zero);
            }
        }
    }
    free(pm);
}

int main(void) {
    test_reference_streams();
    test_distributions();
    test_lstm_init();
    test_mlp_init();
    return check_report("test_nn_init");
}
