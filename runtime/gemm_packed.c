/* gemm_packed.c — the packed-B product of gemm_packed.h.
 *
 * Layout: a header of PACK_HEADER floats (the source pointer, ldb, trans_b,
 * K, N, so that the fallback can call the BLAS on the original), then
 * ceil(N / 16) panels; panel p holds B[k][16 p .. 16 p + 15] for k = 0..K-1,
 * 16 consecutive floats per k, zeros past N.
 *
 * Micro-kernels keep an MR x 16 block of C in registers and run over all K:
 * per k one row of the panel is loaded and each of the MR values A[r][k] is
 * broadcast and multiplied in (an FMA per register). AVX-512: MR = 12, one
 * 16-float register per row; AVX2: MR = 6, two 8-float registers per row.
 * Both keep 12 accumulators, enough independent FMAs to cover their latency.
 * Rows past M (the last block) use the same code with a smaller MR; columns
 * past N are computed from the zero padding and not stored. */
#include "gemm_packed.h"

#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NR 16
#define PACK_HEADER 8

typedef struct {
    const float *B;
    int ldb, trans_b, K, N;
} PackHeader;

size_t dgrt_pack_size(int K, int N) {
    size_t panels = ((size_t)N + NR - 1) / NR;
    return PACK_HEADER + panels * (size_t)K * NR;
}

void dgrt_pack_b(float *packed, const float *B, int ldb, int trans_b, int K, int N) {
    PackHeader h = {B, ldb, trans_b, K, N};
    _Static_assert(sizeof h <= PACK_HEADER * sizeof(float), "header fits");
    memcpy(packed, &h, sizeof h);
    float *p = packed + PACK_HEADER;
    for (int n0 = 0; n0 < N; n0 += NR)
        for (int k = 0; k < K; k++, p += NR)
            for (int j = 0; j < NR; j++) {
                int n = n0 + j;
                p[j] = n >= N ? 0.0f : trans_b ? B[(size_t)n * ldb + k] : B[(size_t)k * ldb + n];
            }
}

/* C block (mr, nc <= 16) = acc (+ C): nc < 16 at the last panel */
static inline void store_row(float *c, const float *acc, int nc, int accumulate) {
    for (int j = 0; j < nc; j++) c[j] = accumulate ? c[j] + acc[j] : acc[j];
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* the row loops fully unrolled at every optimisation level: the accumulators must be registers */
#define UNROLL _Pragma("GCC unroll 16")
#define KERNEL_AVX512 __attribute__((target("avx512f"), always_inline)) static inline
#define KERNEL_AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline

KERNEL_AVX512 void block_avx512(float *C, int ldc, int accumulate, const float *ap, const float *panel, int K,
                                int mr, int nc) {
    __m512 acc[12];
    UNROLL for (int r = 0; r < 12; r++) acc[r] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 b = _mm512_loadu_ps(panel + (size_t)k * NR);
        UNROLL for (int r = 0; r < 12; r++)
            if (r < mr) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(ap[(size_t)k * 12 + r]), b, acc[r]);
    }
    for (int r = 0; r < mr; r++) {
        float *c = C + (size_t)r * ldc;
        if (nc == NR) {
            __m512 v = accumulate ? _mm512_add_ps(_mm512_loadu_ps(c), acc[r]) : acc[r];
            _mm512_storeu_ps(c, v);
        } else {
            float t[NR];
            _mm512_storeu_ps(t, acc[r]);
            store_row(c, t, nc, accumulate);
        }
    }
}

KERNEL_AVX2 void block_avx2(float *C, int ldc, int accumulate, const float *ap, const float *panel, int K, int mr,
                            int nc) {
    __m256 lo[6], hi[6];
    UNROLL for (int r = 0; r < 6; r++) lo[r] = hi[r] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m256 b0 = _mm256_loadu_ps(panel + (size_t)k * NR), b1 = _mm256_loadu_ps(panel + (size_t)k * NR + 8);
        UNROLL for (int r = 0; r < 6; r++)
            if (r < mr) {
                __m256 a = _mm256_broadcast_ss(ap + (size_t)k * 6 + r);
                lo[r] = _mm256_fmadd_ps(a, b0, lo[r]);
                hi[r] = _mm256_fmadd_ps(a, b1, hi[r]);
            }
    }
    for (int r = 0; r < mr; r++) {
        float *c = C + (size_t)r * ldc;
        if (nc == NR) {
            __m256 v0 = lo[r], v1 = hi[r];
            if (accumulate) v0 = _mm256_add_ps(_mm256_loadu_ps(c), v0), v1 = _mm256_add_ps(_mm256_loadu_ps(c + 8), v1);
            _mm256_storeu_ps(c, v0);
            _mm256_storeu_ps(c + 8, v1);
        } else {
            float t[NR];
            _mm256_storeu_ps(t, lo[r]);
            _mm256_storeu_ps(t + 8, hi[r]);
            store_row(c, t, nc, accumulate);
        }
    }
}

/* Loops around the kernels: K in chunks of KC, rows in blocks of MR, then the
 * panels. A block of A (MR rows of a K chunk) is copied k-major into `ap`
 * once and used for every panel: the kernel's broadcasts then read one
 * sequential stream (rows of A a multiple of 4 KB apart, as dgates' are,
 * would otherwise share L1 sets), and a panel's K chunk (16 KB) stays in L1
 * while the block passes over it. Chunks after the first accumulate. */
#define KC 256
#define GEMM_LOOPS(kernel, MR)                                                                                \
    float ap[KC * MR];                                                                                        \
    for (int k0 = 0; k0 < K; k0 += KC) {                                                                      \
        int kc = K - k0 < KC ? K - k0 : KC, accumulate = acc0 || k0 > 0;                                      \
        for (int m0 = 0; m0 < M; m0 += MR) {                                                                  \
            int mr = M - m0 < MR ? M - m0 : MR;                                                               \
            for (int k = 0; k < kc; k++)                                                                      \
                for (int r = 0; r < MR; r++) ap[k * MR + r] = r < mr ? A[(size_t)(m0 + r) * lda + k0 + k] : 0; \
            for (int n0 = 0; n0 < N; n0 += NR) {                                                              \
                const float *panel = packed + (size_t)(n0 / NR) * K * NR + (size_t)k0 * NR;                   \
                float *c = C + (size_t)m0 * ldc + n0;                                                         \
                int nc = N - n0 < NR ? N - n0 : NR;                                                           \
                if (mr == MR) kernel(c, ldc, accumulate, ap, panel, kc, MR, nc);                              \
                else kernel(c, ldc, accumulate, ap, panel, kc, mr, nc);                                       \
            }                                                                                                 \
        }                                                                                                     \
    }

__attribute__((target("avx512f"))) static void gemm_avx512(float *C, int ldc, int acc0, const float *A, int lda,
                                                          const float *packed, int M, int K, int N) {
    GEMM_LOOPS(block_avx512, 12)
}

__attribute__((target("avx2,fma"))) static void gemm_avx2(float *C, int ldc, int acc0, const float *A, int lda,
                                                         const float *packed, int M, int K, int N) {
    GEMM_LOOPS(block_avx2, 6)
}

/* The kernel for this CPU; DGRT_GEMM_KERNEL=avx512|avx2|blas picks one (tests run each) */
enum { ISA_UNKNOWN, ISA_NONE, ISA_AVX2, ISA_AVX512 };
static int isa_of_cpu(void) {
    static int isa = ISA_UNKNOWN; /* benign race: every thread computes the same value */
    if (isa == ISA_UNKNOWN) {
        __builtin_cpu_init();
        int avx512 = __builtin_cpu_supports("avx512f");
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        const char *force = getenv("DGRT_GEMM_KERNEL");
        if (force && !strcmp(force, "blas")) isa = ISA_NONE;
        else if (force && !strcmp(force, "avx2")) isa = avx2 ? ISA_AVX2 : ISA_NONE;
        else isa = avx512 ? ISA_AVX512 : avx2 ? ISA_AVX2 : ISA_NONE;
    }
    return isa;
}
#else
enum { ISA_NONE };
static int isa_of_cpu(void) { return ISA_NONE; }
#endif

void dgrt_gemm_packed_f32(float *C, int ldc, int accumulate, const float *A, int lda, const float *packed, int M,
                          int K, int N) {
    if (M <= 0 || N <= 0) return;
    int isa = isa_of_cpu();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (isa == ISA_AVX512) {
        gemm_avx512(C, ldc, accumulate, A, lda, packed + PACK_HEADER, M, K, N);
        return;
    }
    if (isa == ISA_AVX2) {
        gemm_avx2(C, ldc, accumulate, A, lda, packed + PACK_HEADER, M, K, N);
        return;
    }
#endif
    (void)isa;
    PackHeader h;
    memcpy(&h, packed, sizeof h);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, h.trans_b ? CblasTrans : CblasNoTrans, M, N, K, 1, A, lda, h.B, h.ldb,
                accumulate ? 1 : 0, C, ldc);
}
