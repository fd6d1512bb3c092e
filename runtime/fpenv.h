/* fpenv.h — the floating-point environment of every thread that does float
 * work: flush-to-zero and denormals-are-zero on by default.
 *
 * Why: gradients of the LSTM decay through hundreds of steps (δHBV's
 * 365-day warm-up) into the subnormal range, below 1.2e-38 in f32. Intel
 * cores handle subnormal operands and results in microcode, at up to ~100×
 * the cost of a normal operation; on a Xeon the δHBV iteration was 4–13×
 * slower than with FTZ|DAZ (bench/README.md), with identical printed losses,
 * because numbers that small never change a sum of normal numbers. AMD cores
 * pay much less, which is why the difference went unseen.
 *
 * Switch: the environment variable DGC_DENORMALS=keep leaves IEEE gradual
 * underflow on (e.g. to compare against a reference that keeps it);
 * DGC_DENORMALS=flush (or unset) flushes. The mode is per thread (MXCSR on
 * x86-64): the model command line sets it on the main thread, and the pool
 * and physics workers apply it when they start work. */
#ifndef DGRT_FPENV_H
#define DGRT_FPENV_H

/* Read DGC_DENORMALS (once per call) and apply the mode to this thread.
 * Returns 1 when subnormals are flushed, 0 when kept. */
int dgrt_fpenv_init(void);
/* Apply the mode chosen by dgrt_fpenv_init to the calling thread (a no-op
 * when it already has it, or when dgrt_fpenv_init never ran). */
void dgrt_fpenv_thread(void);
/* Whether the calling thread flushes subnormals now: "flush", "keep", or
 * "n/a" on CPUs without such a mode here. */
const char *dgrt_fpenv_describe(void);

#endif
