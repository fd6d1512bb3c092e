/* gemm_packed.h — C (M, N) = A (M, K) · B (K, N) (+ C) in f32 with B packed
 * once and used for many products: the LSTM's per-step gemms, where B is
 * W_hh (or its transpose) for all T steps and A is a thread's ~50 rows of
 * one step. A BLAS packs B again on every call (1 MB per step for δHBV)
 * and spends on it about as long as on ~10% of the product; packed once,
 * the per-step product is only the micro-kernel. Kernels: AVX-512F
 * (12 x 16) and AVX2 + FMA (6 x 16), chosen at run time by CPU; elsewhere
 * dgrt_gemm_packed_f32 calls cblas_sgemm on the unpacked B it remembers.
 *
 *     float *pk = malloc(sizeof(float) * dgrt_pack_size(K, N));
 *     dgrt_pack_b(pk, W, H, 1, K, N);            // B = W^T, W (N, K) row-major
 *     for (t ...) dgrt_gemm_packed_f32(C_t, ldc, 1, A_t, lda, pk, M, K, N);
 */
#ifndef DGRT_GEMM_PACKED_H
#define DGRT_GEMM_PACKED_H

#include <stddef.h>

/* floats of a packed B of K x N (panels of 16 columns, the last zero-padded), plus a header */
size_t dgrt_pack_size(int K, int N);
/* B (K, N) row-major with leading dimension ldb, or with trans_b B^T (N, K) */
void dgrt_pack_b(float *packed, const float *B, int ldb, int trans_b, int K, int N);
/* C (M, N) = A (M, K) · B + (accumulate ? C : 0); A row-major with leading dimension lda */
void dgrt_gemm_packed_f32(float *C, int ldc, int accumulate, const float *A, int lda, const float *packed, int M,
                          int K, int N);

#endif
