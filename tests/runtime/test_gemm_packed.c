/* test_gemm_packed.c — the packed-B product (runtime/gemm_packed.c) against
 * a double-precision reference: shapes with remainders in every dimension
 * (rows past the micro-kernel's block, columns past a 16-wide panel, K past
 * a 256 chunk), B given as (K, N) and as its transpose, C overwritten and
 * accumulated, leading dimensions larger than the matrices. ctest runs it
 * with each kernel: the CPU's own, DGRT_GEMM_KERNEL=avx2 and =blas. */
#include <math.h>
#include <stdlib.h>
#include "check.h"
#include "gemm_packed.h"

static double urand(unsigned long *s) {
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

static void one_case(int M, int K, int N, int trans_b, int accumulate, unsigned long *seed) {
    int lda = K + 3, ldb = (trans_b ? K : N) + 5, ldc = N + 2;
    float *A = malloc(sizeof(float) * (size_t)M * lda), *B = malloc(sizeof(float) * (size_t)(trans_b ? N : K) * ldb);
    float *C = malloc(sizeof(float) * (size_t)M * ldc);
    double *R = malloc(sizeof(double) * (size_t)M * ldc);
    for (int i = 0; i < M * lda; i++) A[i] = (float)urand(seed);
    for (int i = 0; i < (trans_b ? N : K) * ldb; i++) B[i] = (float)urand(seed);
    for (int i = 0; i < M * ldc; i++) R[i] = C[i] = (float)urand(seed);
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double s = accumulate ? R[(size_t)m * ldc + n] : 0;
            for (int k = 0; k < K; k++)
                s += (double)A[(size_t)m * lda + k] * (trans_b ? B[(size_t)n * ldb + k] : B[(size_t)k * ldb + n]);
            R[(size_t)m * ldc + n] = s;
        }
    float *packed = malloc(sizeof(float) * dgrt_pack_size(K, N));
    dgrt_pack_b(packed, B, ldb, trans_b, K, N);
    dgrt_gemm_packed_f32(C, ldc, accumulate, A, lda, packed, M, K, N);
    double worst = 0;
    int untouched = 1;
    for (int m = 0; m < M; m++)
        for (int i = 0; i < ldc; i++) {
            size_t at = (size_t)m * ldc + i;
            if (i < N) worst = fmax(worst, fabs(C[at] - R[at]) / (1e-6 * sqrt((double)K + 1)));
            else untouched &= C[at] == (float)R[at];   /* the padding columns of C are left alone */
        }
    if (worst > 1 || !untouched)
        printf("  M=%d K=%d N=%d trans_b=%d accumulate=%d: error %.3g of the bound, padding %s\n", M, K, N, trans_b,
               accumulate, worst, untouched ? "untouched" : "WRITTEN");
    CHECK(worst <= 1 && untouched);
    free(A), free(B), free(C), free(R), free(packed);
}

int main(void) {
    const char *kernel = getenv("DGRT_GEMM_KERNEL");
    unsigned long seed = 42;
    int Ms[] = {1, 5, 6, 7, 12, 13, 50}, Ks[] = {1, 3, 256, 300, 1024}, Ns[] = {1, 15, 16, 17, 40, 256};
    int n = 0;
    for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
        for (size_t b = 0; b < sizeof Ks / sizeof *Ks; b++)
            for (size_t c = 0; c < sizeof Ns / sizeof *Ns; c++, n++)
                one_case(Ms[a], Ks[b], Ns[c], n % 2, (n / 2) % 2, &seed);
    printf("gemm_packed (kernel: %s): %d shapes against the double reference\n", kernel ? kernel : "this CPU's", n);
    return check_report("test_gemm_packed");
}
