/* checkpoint.h — the training checkpoint: everything a run needs to go on
 * exactly where it stopped, or to simulate and evaluate later.
 *
 * File layout (version 1; integers and floats little-endian):
 *   magic    8 bytes  "DGCKPT\r\n"  (\r\n catches text-mode mangling, as PNG does)
 *   version  u32      DGRT_CKPT_VERSION
 *   flags    u32      0
 *   length   u64      payload bytes
 *   payload           sections: tag (4 bytes), length (u64), body
 *     MODL  model name, model signature (dgrt_model_signature)
 *     CONF  the run's configuration, `key = value` lines (train.c)
 *     NORM  nf, na, transform[nf], mean/std of the forcings, mean/std of the attributes
 *     NETW  network weights (f32)
 *     OPTM  optimiser kind, step count t, its state buffers (f32)
 *     PROG  epochs and iterations done, early-stopping state, RNG states
 *     NETS  the in-equation networks and where their weights are in NETW
 *           (dgrt_model_nets_text; for `train --init-from`)
 *     INST  ninputs, mean and standard deviation of every model input over
 *           the training basins and period (norm() in the model)
 *   crc32    u32      CRC-32 (IEEE, as zlib) of the payload
 * Unknown sections are skipped (newer writers of the same version may add
 * some); NETS and INST are absent from checkpoints of older runtimes.
 * Writing is atomic: a temporary file in the same directory, fsync, rename,
 * fsync of the directory; a crash leaves the old checkpoint or the new one. */
#ifndef DGRT_CHECKPOINT_H
#define DGRT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "check.h"
#include "dataset.h"
#include "dgrt.h"

#define DGRT_CKPT_MAGIC   "DGCKPT\r\n"
#define DGRT_CKPT_VERSION 1u
#define DGRT_CKPT_MAX_RNG 4

typedef struct {
    char *model;     /* model name */
    char *signature; /* dgrt_model_signature text */
    char *config;    /* key = value lines */
    DgNorm norm;
    uint64_t nweights;
    float *weights;   /* [nweights] */
    int32_t opt_kind; /* DgOptimKind */
    int64_t opt_t;    /* optimiser steps */
    int32_t opt_nbuf;
    uint64_t opt_n;     /* floats per buffer */
    float *opt_memory;  /* [opt_nbuf * opt_n] */
    int64_t epoch;      /* epochs completed */
    int64_t iter;       /* iterations (optimiser steps) completed */
    int64_t best_epoch; /* epoch of the best validation metric (-1 = none) */
    int64_t bad_epochs; /* validations since the best one (early stopping) */
    double best_metric; /* best validation metric (median NSE), NaN = none */
    int32_t nrng;
    uint64_t rng[DGRT_CKPT_MAX_RNG];
    char *nets;          /* NETS text, NULL when absent */
    int32_t ninputs;     /* INST: inputs with statistics, 0 when absent */
    double *input_mean;  /* [ninputs] */
    double *input_std;   /* [ninputs], > 0 */
} DgCheckpoint;

/* Write ck to path atomically. Pointers are read, not owned. */
int dgrt_checkpoint_write(const DgCheckpoint *ck, const char *path, DgrtErr *err);
/* Read path into ck (which then owns every array: dgrt_checkpoint_free).
 * Errors: not a checkpoint, newer version, truncated, checksum mismatch. */
int dgrt_checkpoint_read(DgCheckpoint *ck, const char *path, DgrtErr *err);
void dgrt_checkpoint_free(DgCheckpoint *ck);

/* The text that identifies a model for a checkpoint: name, components,
 * inputs, parameters (mark, bounds, basin level), outputs and the parameter
 * network. Caller frees. */
char *dgrt_model_signature(const DgModel *m, int64_t ncomp);
/* The in-equation networks of m, one line each:
 *   NAME OFFSET ACTIVATION OUTPUT_ACTIVATION SIZE0 SIZE1 ...
 * (offset of its weights among the model's netw). Caller frees. */
char *dgrt_model_nets_text(const DgModel *m);
/* 0 when ck was written for the model m with ncomp components, else an error
 * naming the first line that differs. */
int dgrt_checkpoint_check_model(const DgCheckpoint *ck, const char *path, const DgModel *m, int64_t ncomp,
                                DgrtErr *err);

/* The run's exclusive hold on checkpoint `path` (flock of path.lock, for the
 * life of the process or until unlock); also removes the temporaries a
 * killed run left. A second holder gets an error naming the lock. */
int dgrt_checkpoint_lock(const char *path, int *fd, DgrtErr *err);
void dgrt_checkpoint_unlock(int fd);
/* Remove the temporaries of path (dgrt_temp_template names; call only while holding the lock). */
void dgrt_remove_stale_temps(const char *path);

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320; zlib's crc32 of the bytes). */
uint32_t dgrt_crc32(const void *data, size_t n);

#endif
