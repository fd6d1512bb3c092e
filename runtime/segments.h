/* segments.h — forward + adjoint runs with bounded tape memory (checkpointing).
 * The full tape holds the states of every step: nsteps x nstates x ncells.
 * Here the forward pass keeps only the states at the start of every segment
 * of K steps; the reverse pass walks the segments backwards, re-running
 * each one forward with a tape of K steps before its adjoint. Memory:
 * (ceil(nsteps/K) + K) x nstates x ncells, least near K = sqrt(nsteps); cost:
 * one extra forward pass. The gradients equal the full-tape ones bit for bit
 * (the same kernels recompute the same states). */
#ifndef DGRT_SEGMENTS_H
#define DGRT_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>
#include "dgrt.h"

typedef struct {
    const DgModel *model;
    int            prec;        /* DG_F32 / DG_F64 */
    int64_t        seg;         /* K: steps per segment */
    int64_t        nsegs;
    void          *checkpoints; /* [nsegs][nstates][ncells]: states at each segment start */
    void          *tape;        /* [seg][nstates][ncells] */
    void          *scratch_out; /* [seg][noutputs][ncells]: outputs of the re-run (discarded) */
    void          *states;      /* [nstates][ncells] working states */
} DgSegments;

/* K <= 0 picks ceil(sqrt(nsteps)). Buffers are sized for run->ncells. */
int  dgrt_segments_init(DgSegments *s, const DgModel *model, int prec, int64_t nsteps, int64_t ncells, int64_t K);
void dgrt_segments_free(DgSegments *s);
/* Bytes the checkpointed run holds, and what a full tape would. */
size_t dgrt_segments_bytes(const DgSegments *s, int64_t ncells);

/* run_fwd over run->nsteps (run->tape is ignored): states in run->states
 * (initial in, final out), outputs in run->out, checkpoints kept. */
void dgrt_segments_forward(DgSegments *s, const DgRun *run);
/* run_rev over all steps from the checkpoints: run->dout, run->dstates (in: d
 * final states, out: d initial states), += run->dparams, run->ddyn_params, run->dnetw. */
void dgrt_segments_reverse(DgSegments *s, const DgRun *run);

#endif
