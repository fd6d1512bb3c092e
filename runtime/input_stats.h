/* input_stats.h — the statistics behind norm(X) in a model: the mean and
 * standard deviation of every model input, handed to the kernels as
 * DgRun.input_norm ([2][ninputs], means then standard deviations). A
 * training run computes them over its training basins and period and stores
 * them in the checkpoint (section INST), so eval and simulate --checkpoint
 * standardise with the same values; simulate without a checkpoint and
 * gradcheck use the statistics of the forcing they run. Like the network's
 * normalisation (DgNorm), a standard deviation of 0 is stored as 1. */
#ifndef DGRT_INPUT_STATS_H
#define DGRT_INPUT_STATS_H

#include <stdint.h>
#include "dataset.h"

typedef struct {
    int n;               /* model inputs */
    double *mean, *std;  /* [n]; std > 0 */
    double *packed;      /* [2][n]: DgRun.input_norm of the f64 kernels */
    float *packed_f32;   /* [2][n]: ... of the f32 kernels */
} DgInputStats;

/* n inputs at mean 0, std 1 (what the computations below overwrite). */
void dgrt_input_stats_alloc(DgInputStats *st, int n);
void dgrt_input_stats_free(DgInputStats *st);
/* Over the basins idx[0..nidx) of d and the days of p (missing values skipped). */
void dgrt_input_stats_compute(DgInputStats *st, const DgDataset *d, const int *idx, int nidx, DgPeriod p);
/* Over a forcing array [nsteps][ninputs][nbasins] (DgSim, DgRun layout). */
void dgrt_input_stats_of_forcing(DgInputStats *st, const double *forcing, int64_t nsteps, int64_t nbasins);
/* Given values (a checkpoint's); std must be > 0. */
void dgrt_input_stats_set(DgInputStats *st, const double *mean, const double *std);

#endif
