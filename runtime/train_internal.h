/* train_internal.h — what the files of the trainer share among themselves
 * and nobody else (train.h is the interface): timing, the sigmoid of the
 * parameter map, the RNG mixer, and helpers one stage gives the next.
 *   train_config.c   `key = value` files, `--key value` flags, `train` command line
 *   train_params.c   network outputs -> model parameters
 *   train_net.c      the network (LSTM, MLP, or a table of raw values per basin)
 *   train_phys.c     the model's kernels over a batch, in shards run by threads
 *   train_predict.c  prediction over whole periods (validation, simulate, eval)
 *   train_nonfinite.c  where a non-finite loss came from (basin, day, output)
 *   train.c          the trainer: setup, one iteration, validation, checkpoints, the run
 *   train_restore.c  a trained run restored for simulate and eval */
#ifndef DGRT_TRAIN_INTERNAL_H
#define DGRT_TRAIN_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <time.h>
#include "train.h"

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline float sigmoidf_(float x) { return 1.0f / (1.0f + expf(-x)); }

static inline uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#define NEW(type, n) ((type *)callocCheck((size_t)(n) + 1, sizeof(type)))
enum { SHARD = 8 }; /* basins per physics shard (fixed, so results do not depend on the thread count) */

/* train_predict.c */
int time_invariant(const DgNet *n, const DgModel *m);
void assemble_inputs(float *x, const DgDataset *d, const int *bidx, const int64_t *start, int Tr,
                            int T, int B, const DgNet *net, const int *rows);
/* train_nonfinite.c: notes on where a non-finite loss (or, with a finite
 * loss, gradient) of the last iteration came from, and what to do */
void dgrt_trainer_explain_nonfinite(DgTrainer *tr, double loss, FILE *errf);
/* train.c: components of a run (the config's, else the model's) */
int64_t ncomp_of(const DgModel *m, const DgTrainConfig *c);

#endif
