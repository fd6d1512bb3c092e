/* fpenv.c — flush-to-zero and denormals-are-zero (fpenv.h). On x86-64 the
 * two bits of MXCSR: FTZ (bit 15) writes 0 where a result would be
 * subnormal, DAZ (bit 6) reads subnormal operands as 0. Elsewhere nothing
 * is changed. */
#include "fpenv.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
#define FPENV_X86 1
#define MXCSR_FTZ_DAZ 0x8040u
#endif

/* -1: never chosen (leave threads alone), 0: keep, 1: flush */
static atomic_int fpenv_mode = -1;

static void apply(int flush) {
#ifdef FPENV_X86
    unsigned csr = _mm_getcsr();
    unsigned want = flush ? (csr | MXCSR_FTZ_DAZ) : (csr & ~MXCSR_FTZ_DAZ);
    if (want != csr) _mm_setcsr(want);
#else
    (void)flush;
#endif
}

int dgrt_fpenv_init(void) {
    const char *v = getenv("DGC_DENORMALS");
    int flush = !(v && !strcmp(v, "keep"));
    atomic_store(&fpenv_mode, flush);
    apply(flush);
    return flush;
}

void dgrt_fpenv_thread(void) {
    int mode = atomic_load_explicit(&fpenv_mode, memory_order_relaxed);
    if (mode >= 0) apply(mode);
}

const char *dgrt_fpenv_describe(void) {
#ifdef FPENV_X86
    return (_mm_getcsr() & MXCSR_FTZ_DAZ) == MXCSR_FTZ_DAZ ? "flush" : "keep";
#else
    return "n/a";
#endif
}
