/* test_nn_matmul.c — the linear layer (runtime/matmul.c):
 *   - BLAS (cblas_sgemm / cblas_dgemm) vs the naive reference kernels, forward
 *     and backward, f32 and f64, with and without bias, odd shapes, N = 1
 *   - backward vs central finite differences in f64
 *   - backward accumulates (+=) into what the arrays held
 *   - NULL gradients are skipped */
#include <string.h>
#include "check.h"
#include "nn_test.h"

typedef struct {
    int N, C, OC;
} Shape;

/* BLAS vs naive for one shape in both precisions; inputs and the initial
 * gradient contents (to see the +=) are the same random numbers. */
static void blas_vs_naive(Shape s, int with_bias) {
    size_t ni = (size_t)s.N * s.C, nw = (size_t)s.OC * s.C, no = (size_t)s.N * s.OC;
    size_t total = ni + nw + s.OC + no;
    DgNnRng rng;
    dgrt_nnrng_seed(&rng, (uint64_t)(s.N * 1000003 + s.C * 1009 + s.OC));
    double *in64 = malloc(total * sizeof(double)), *init64 = malloc((ni + nw + s.OC) * sizeof(double));
    rand_fill(in64, total, -1, 1, &rng);
    rand_fill(init64, ni + nw + s.OC, -1, 1, &rng);
    double *x = in64, *w = x + ni, *b = w + nw, *dy = b + s.OC;

    double errf[2] = {0, 0}, errb[2] = {0, 0}; /* [f32, f64] */
    for (int prec = 0; prec < 2; prec++) {
        /* out, dinp, dweight, dbias for blas [0] and naive [1] */
        double *o[2], *g[2];
        for (int v = 0; v < 2; v++) {
            o[v] = malloc(no * sizeof(double));
            g[v] = malloc((ni + nw + s.OC) * sizeof(double));
            memcpy(g[v], init64, (ni + nw + s.OC) * sizeof(double));
        }
        if (prec == 1) {
            dgrt_matmul_forward_f64(o[0], x, w, with_bias ? b : NULL, s.N, s.C, s.OC);
            dgrt_matmul_forward_naive_f64(o[1], x, w, with_bias ? b : NULL, s.N, s.C, s.OC);
            dgrt_matmul_backward_f64(g[0], g[0] + ni, with_bias ? g[0] + ni + nw : NULL, dy, x, w, s.N, s.C,
                                     s.OC);
            dgrt_matmul_backward_naive_f64(g[1], g[1] + ni, with_bias ? g[1] + ni + nw : NULL, dy, x, w, s.N,
                                           s.C, s.OC);
        } else {
            float *in32 = malloc(total * sizeof(float)), *o32 = malloc(no * sizeof(float));
            float *g32 = malloc((ni + nw + s.OC) * sizeof(float));
            to_f32(in32, in64, total);
            float *xf = in32, *wf = xf + ni, *bf = wf + nw, *dyf = bf + s.OC;
            for (int v = 0; v < 2; v++) {
                to_f32(g32, init64, ni + nw + s.OC);
                if (v == 0) {
                    dgrt_matmul_forward_f32(o32, xf, wf, with_bias ? bf : NULL, s.N, s.C, s.OC);
                    dgrt_matmul_backward_f32(g32, g32 + ni, with_bias ? g32 + ni + nw : NULL, dyf, xf, wf,
                                             s.N, s.C, s.OC);
                } else {
                    dgrt_matmul_forward_naive_f32(o32, xf, wf, with_bias ? bf : NULL, s.N, s.C, s.OC);
                    dgrt_matmul_backward_naive_f32(g32, g32 + ni, with_bias ? g32 + ni + nw : NULL, dyf, xf,
                                                   wf, s.N, s.C, s.OC);
                }
                for (size_t i = 0; i < no; i++) o[v][i] = o32[i];
                for (size_t i = 0; i < ni + nw + s.OC; i++) g[v][i] = g32[i];
            }
            free(in32), free(o32), free(g32);
        }
        /* sums of up to max(C, OC, N) terms of size <= 1: relative to the row scale */
        errf[prec] = max_rel_diff(o[0], o[1], no, 1.0);
        errb[prec] = max_rel_diff(g[0], g[1], ni + nw + s.OC, 1.0);
        if (!with_bias && prec == 1) /* no dbias asked: left as it was */
            CHECK(!memcmp(g[0] + ni + nw, init64 + ni + nw, s.OC * sizeof(double)));
        for (int v = 0; v < 2; v++) free(o[v]), free(g[v]);
    }
    printf("blas vs naive N=%-4d C=%-4d OC=%-4d bias=%d: fwd f32 %.1e f64 %.1e, bwd f32 %.1e f64 %.1e\n", s.N,
           s.C, s.OC, with_bias, errf[0], errf[1], errb[0], errb[1]);
    int kmax = s.N > s.C ? s.N : s.C;
    kmax = kmax > s.OC ? kmax : s.OC;
    CHECK(errf[0] < 1e-6 * kmax && errb[0] < 1e-6 * kmax);
    CHECK(errf[1] < 1e-14 * kmax && errb[1] < 1e-14 * kmax);
    free(in64), free(init64);
}

// ---- Finite differences -----------------------------------------------------------------------

typedef struct {
    int N, C, OC;
    double *x, *w, *b, *r, *out;
} Lin;

static double lin_loss(void *ctx) {
    Lin *l = ctx;
    dgrt_matmul_forward_f64(l->out, l->x, l->w, l->b, l->N, l->C, l->OC);
    return dot(l->out, l->r, (size_t)l->N * l->OC);
}

static void test_fd(void) {
    Lin l = {.N = 5, .C = 4, .OC = 3};
    size_t ni = 20, nw = 12, no = 15;
    double buf[20 + 12 + 3 + 15 + 15], grads[20 + 12 + 3] = {0};
    DgNnRng rng;
    dgrt_nnrng_seed(&rng, 4);
    rand_fill(buf, sizeof buf / sizeof *buf, -1, 1, &rng);
    l.x = buf, l.w = l.x + ni, l.b = l.w + nw, l.r = l.b + l.OC, l.out = l.r + no;
    lin_loss(&l);
    dgrt_matmul_backward_f64(grads, grads + ni, grads + ni + nw, l.r, l.x, l.w, l.N, l.C, l.OC);
    printf("gradcheck linear N=5 C=4 OC=3\n");
    CHECK(fd_check("inp", l.x, grads, ni, lin_loss, &l) < 1e-7);
    CHECK(fd_check("weight", l.w, grads + ni, nw, lin_loss, &l) < 1e-7);
    CHECK(fd_check("bias", l.b, grads + ni + nw, l.OC, lin_loss, &l) < 1e-7);
    /* only the requested gradients are written */
    double before[35];
    memcpy(before, grads, sizeof before);
    dgrt_matmul_backward_f64(NULL, grads + ni, NULL, l.r, l.x, l.w, l.N, l.C, l.OC);
    CHECK(!memcmp(grads, before, ni * sizeof(double)) && !memcmp(grads + ni + nw, before + ni + nw, 3 * 8));
    CHECK(fabs(grads[ni] - 2 * before[ni]) < 1e-15);
}

int main(void) {
    static const Shape shapes[] = {
        {1, 1, 1}, {1, 38, 256}, {37, 19, 23}, {100, 38, 1024}, {64, 256, 13}, {333, 7, 5},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        blas_vs_naive(shapes[i], 1);
        blas_vs_naive(shapes[i], 0);
    }
    test_fd();
    return check_report("test_nn_matmul");
}
