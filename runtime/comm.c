/* comm.c — comm.h on MPI when built with it and started by mpirun, else
 * the single-process versions. The sums are MPI_Allreduce with MPI_SUM: the
 * MPI library fixes one reduction order for a given number of ranks, and
 * every rank gets the same bits, so all ranks take the same optimiser step. */
#include "comm.h"

#include <stdlib.h>
#include <string.h>

#ifdef DG_HAVE_MPI
#include <mpi.h>

static int comm_on;   /* MPI_Init was called by us and MPI_Finalize not yet */

/* mpirun (Open MPI, MPICH/Hydra, Slurm's PMI) tells its children so */
static int started_by_mpirun(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

int dgrt_comm_init(int *argc, char ***argv) {
    if (comm_on || !started_by_mpirun()) return dgrt_comm_size();
    int provided;
    /* FUNNELED: only the main thread calls MPI; the worker threads compute */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS) comm_on = 1;
    return dgrt_comm_size();
}

void dgrt_comm_finalize(void) {
    if (!comm_on) return;
    MPI_Finalize();
    comm_on = 0;
}

int dgrt_comm_rank(void) {
    int r = 0;
    if (comm_on) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int dgrt_comm_size(void) {
    int n = 1;
    if (comm_on) MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

int dgrt_comm_local_size(void) {
    if (!comm_on) return 1;
    const char *v = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (!v) v = getenv("MPI_LOCALNRANKS");
    int n = v ? atoi(v) : 0;
    return n > 0 ? n : 1;
}

int dgrt_comm_available(void) { return 1; }

/* MPI counts are int: long buffers go in pieces */
#define CHUNK ((size_t)1 << 28)

void dgrt_comm_sum_f32(float *buf, size_t n) {
    for (size_t o = 0; comm_on && o < n; o += CHUNK)
        MPI_Allreduce(MPI_IN_PLACE, buf + o, (int)(n - o < CHUNK ? n - o : CHUNK), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD);
}

void dgrt_comm_sum_f64(double *buf, size_t n) {
    for (size_t o = 0; comm_on && o < n; o += CHUNK)
        MPI_Allreduce(MPI_IN_PLACE, buf + o, (int)(n - o < CHUNK ? n - o : CHUNK), MPI_DOUBLE, MPI_SUM,
                      MPI_COMM_WORLD);
}

int dgrt_comm_any(int flag) {
    int v = flag != 0;
    if (comm_on) MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return v;
}

void dgrt_comm_bcast(void *buf, size_t bytes, int root) {
    for (size_t o = 0; comm_on && o < bytes; o += CHUNK)
        MPI_Bcast((char *)buf + o, (int)(bytes - o < CHUNK ? bytes - o : CHUNK), MPI_BYTE, root, MPI_COMM_WORLD);
}

void dgrt_comm_barrier(void) {
    if (comm_on) MPI_Barrier(MPI_COMM_WORLD);
}

int dgrt_comm_abort(int code) {
    if (comm_on && dgrt_comm_size() > 1) MPI_Abort(MPI_COMM_WORLD, code);
    return code;
}

#else   /* built without MPI: one process */

int dgrt_comm_init(int *argc, char ***argv) {
    (void)argc, (void)argv;
    return 1;
}
void dgrt_comm_finalize(void) {}
int dgrt_comm_rank(void) { return 0; }
int dgrt_comm_size(void) { return 1; }
int dgrt_comm_local_size(void) { return 1; }
int dgrt_comm_available(void) { return 0; }
void dgrt_comm_sum_f32(float *buf, size_t n) { (void)buf, (void)n; }
void dgrt_comm_sum_f64(double *buf, size_t n) { (void)buf, (void)n; }
int dgrt_comm_any(int flag) { return flag != 0; }
void dgrt_comm_bcast(void *buf, size_t bytes, int root) { (void)buf, (void)bytes, (void)root; }
void dgrt_comm_barrier(void) {}
int dgrt_comm_abort(int code) { return code; }

#endif
