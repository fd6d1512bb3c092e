/* comm.h — the processes of a data-parallel run (MPI), or just this one.
 *
 * Built with MPI (DG_HAVE_MPI, CMake found Open MPI) and started by mpirun,
 * a model executable runs as one rank of several: `train` splits each
 * batch's basins over the ranks and sums the gradients (one allreduce per
 * iteration), `eval` and `simulate` split their basins; rank 0 alone writes
 * files and prints. Started any other way, or built without MPI, there is
 * one rank and every call here is a copy or nothing: the trainer has one
 * code path. MPI sits around the math, never inside it. */
#ifndef DGRT_COMM_H
#define DGRT_COMM_H

#include <stddef.h>

/* Join the run's processes when mpirun started this one (MPI_Init); else
 * nothing. Returns the number of ranks. */
int dgrt_comm_init(int *argc, char ***argv);
/* Leave them (MPI_Finalize), after which comm calls are single-rank again. */
void dgrt_comm_finalize(void);
int dgrt_comm_rank(void);
int dgrt_comm_size(void);
/* Ranks of this run on this machine (for the default thread count). */
int dgrt_comm_local_size(void);
/* Whether this build can run under MPI at all. */
int dgrt_comm_available(void);

/* In place: every rank ends with the element-wise sum over the ranks, summed
 * in rank order (the same on every rank). */
void dgrt_comm_sum_f32(float *buf, size_t n);
void dgrt_comm_sum_f64(double *buf, size_t n);
/* Every rank ends with the logical OR / the maximum of the ranks' values. */
int dgrt_comm_any(int flag);
/* rank `root`'s bytes to every rank */
void dgrt_comm_bcast(void *buf, size_t bytes, int root);
void dgrt_comm_barrier(void);
/* Stop every rank of the run (MPI_Abort) with `code`, or just return it. */
int dgrt_comm_abort(int code);

/* [lo, hi) = the part of rank r of n items: contiguous, as equal as possible. */
static inline void dgrt_comm_part(int n, int rank, int size, int *lo, int *hi) {
    *lo = (int)((long long)n * rank / size);
    *hi = (int)((long long)n * (rank + 1) / size);
}

#endif
