/* train.h — training of a model's parameter network (dPL, δHBV's recipe,
 * Feng et al. 2022) and the pieces `simulate --checkpoint` and `eval` share
 * with it: the run configuration (DgTrainConfig, `key = value` files and
 * `--key value` flags), the network (DgNet: LSTM or MLP plus a linear head),
 * the mapping of network outputs to model parameters (DgParamMap) and the
 * f32 physics of a batch of basins (DgPhys). The trainer (DgTrainer) follows
 * llm.c's GPT2 struct: one block of weights, one of gradients, optimiser
 * state, activation arenas, then forward / zero_grad / backward / update. */
#ifndef DGRT_TRAIN_H
#define DGRT_TRAIN_H

#include <stdint.h>
#include <stdio.h>
#include "checkpoint.h"
#include "dataset.h"
#include "dgrt.h"
#include "dgrt_internal.h"
#include "input_stats.h"
#include "loss.h"
#include "nn.h"
#include "optim.h"

// ---- Configuration -------------------------------------------------------------------------

#define DGRT_MAX_MAPS 16

typedef struct {
    char data[1024];               /* CAMELS-US directory */
    char forcing_csv[1024];        /* per-basin CSV instead of CAMELS ("{basin}" = the id; dataset.h) */
    char obs_column[128];          /* its observation column ("" = q_obs) */
    char attributes_csv[1024];     /* attribute table instead of CAMELS's ("basin" column) */
    char attributes[1024];         /* folder of CAMELS attribute tables (camels_*.txt), e.g. for Caravan data */
    int64_t folds, fold;           /* k-fold by basin: train on every fold of the list but `fold` (0 = all basins) */
    char basins[65536];            /* ids "a,b,c" or a file of ids */
    char maps[DGRT_MAX_MAPS][128]; /* NAME=VARIABLE */
    int nmaps;
    DgPeriod train, valid, test;
    int64_t components; /* 0 = the model's */
    char target[64];    /* output compared with the observations ("" = streamflow, Q, the first) */
    int64_t epochs, iters_per_epoch, batch, rho, warmup;
    char optimizer[16]; /* adadelta | adam | adamw | sgd */
    double lr;          /* NaN = the optimiser's default */
    double weight_decay, momentum;
    char lr_schedule[16];       /* constant | step | cosine */
    int64_t lr_step, lr_warmup; /* step: epochs per decay; cosine: warm-up epochs */
    double lr_gamma, lr_min;
    char loss[16];                 /* mse | rmse | rmse_comb | nse | kge */
    char bptt[16];                 /* window: the network's gradient stops at the warm-up; full: runs back to day 1 */
    double clip;                   /* max gradient norm, 0 = none */
    int64_t valid_every, patience; /* epochs between validations; 0 = no early stopping */
    uint64_t seed;
    int64_t threads;       /* network (pool.h) and physics threads, 0 = every core */
    char checkpoint[1024]; /* file written every epoch */
    int resume;            /* continue from `checkpoint` */
    char init_from[1024];  /* a new run starts from what this checkpoint of another model shares with it */
    int64_t log_every;     /* non-TTY progress line every N iterations, 0 = per epoch only */
} DgTrainConfig;

void dgrt_train_config_defaults(DgTrainConfig *c);
/* One `key = value` (name as in the config file; '-' counts as '_').
 * `where` ("file:line" or "--key") prefixes the message of an error. */
int dgrt_train_config_set(DgTrainConfig *c, const char *key, const char *value, const char *where,
                          DgrtErr *err);
/* A config file: `key = value` lines, '#' comments, blank lines. */
int dgrt_train_config_file(DgTrainConfig *c, const char *path, DgrtErr *err);
/* Config text (`key = value` lines, as in a checkpoint) named `source`. */
int dgrt_train_config_text(DgTrainConfig *c, const char *text, const char *source, DgrtErr *err);
/* Every key as `key = value` lines (caller frees). */
char *dgrt_train_config_format(const DgTrainConfig *c);
/* Whether the key takes no value on the command line (--resume). */
int dgrt_train_config_is_flag(const char *key);

// ---- Network outputs -> model parameters -----------------------------------------------------

/* Trained parameters (mark learned or dynamic) get one network output per
 * component, basin-level ones one per basin, in parameter order:
 *   theta = lo + sigmoid(raw) (hi - lo). */
typedef struct {
    int nout;      /* network outputs */
    int *first;    /* [nparams] output of component 0, -1 = fixed */
    int *per_comp; /* [nparams] 1: one output per component, 0: one per basin */
    int any_dynamic;
    int64_t ncomp;
} DgParamMap;

int dgrt_param_map_build(DgParamMap *pm, const DgModel *m, int64_t ncomp, DgrtErr *err);
void dgrt_param_map_free(DgParamMap *pm);

// ---- Network ---------------------------------------------------------------------------------

/* Direct calibration: a model without a parameter network (DgLearnInfo.kind
 * DG_LEARN_NONE) whose parameters are trained gets a table of raw values in
 * place of a network, one row of P per basin of the run (the basin list's
 * order), so theta = lo + sigmoid(raw) (hi - lo) is calibrated per basin by
 * the same loss, gradients and optimiser. Rows start at the parameters'
 * defaults (the middle of the bounds when none). Its input x (T, B, 1) holds
 * each basin's row index. A runtime kind, not part of the ABI. */
enum { DGRT_NET_TABLE = 100 };

/* LSTM (δHBV's CudnnLstmModel): in = relu(x W_in^T + b_in) (C -> H), an
 * L-layer LSTM (H -> H, dropout on its output), head (H -> P).
 * MLP: C -> H (x layers, relu, dropout) -> P, linear output. Inputs
 * (T, B, C) time-major, C = nf + na; outputs raw (T, B, P). */
typedef struct {
    int kind; /* DG_LEARN_LSTM | DG_LEARN_MLP | DGRT_NET_TABLE */
    int C, H, P, L;
    int nrows; /* DGRT_NET_TABLE: rows (basins) */
    float dropout;
    DgLstm lstm;
    DgMlp mlp;
    size_t num_net;                           /* weights of the parameter network */
    int nnetw;                                /* + the model's in-equation network weights (DgModel.nnetw) */
    size_t num_params;                        /* num_net + nnetw: what the optimiser updates */
    float *params, *grads;                    /* one block each (grads allocated by dgrt_net_alloc_grads) */
    float *netw, *dnetw;                      /* the in-equation weights: the tail of params, grads */
    float *in_w, *in_b, *head_w, *head_b;     /* LSTM: pointers into params */
    float *din_w, *din_b, *dhead_w, *dhead_b; /* ... and into grads */
    DgLstmParamsF32 lp, dlp;
    DgMlpParamsF32 mp, dmp;
    int *step_out, nstep_out; /* LSTM: the outputs read at every step (net_head.c); NULL = all */
} DgNet;

/* Activations of one (T, B). */
typedef struct {
    int T, B;
    float *memory, *gmemory;
    float *in_pre, *in_post; /* (T, B, H) LSTM input layer */
    DgLstmActsF32 la;
    DgMlpActsF32 ma;
    float *raw; /* (T, B, P) */
    DgLstmGradActsF32 lg;
    DgMlpGradActsF32 mg;
    float *dlstm, *din; /* (T, B, H) */
    float *head_scratch; /* net_head.c: the head restricted to the outputs that are read */
} DgNetActs;

void dgrt_net_build(DgNet *n, const DgModel *m, int P, uint64_t seed);
/* Whether the model calibrates its parameters directly (no parameter network, trained parameters). */
int dgrt_net_is_table(const DgModel *m, const DgParamMap *pm);
/* The table of direct calibration: nrows rows of pm->nout raw values, at the defaults. */
void dgrt_net_build_table(DgNet *n, const DgModel *m, const DgParamMap *pm, int nrows);
void dgrt_net_alloc_grads(DgNet *n);
void dgrt_net_free(DgNet *n);
void dgrt_net_acts_alloc(DgNetActs *a, const DgNet *n, int T, int B, int grads);
void dgrt_net_acts_free(DgNetActs *a);
/* The outputs the physics reads at every step (dynamic parameters); the
 * others it reads at the last step only. From then on the LSTM head
 * computes only those (net_head.c). Before dgrt_net_acts_alloc. */
void dgrt_net_set_step_outputs(DgNet *n, const DgModel *m, const DgParamMap *pm);
size_t dgrt_net_head_scratch(const DgNet *n, int T, int B, int grads);
/* raw (T, B, P) from la.out; entries not read stay NaN */
void dgrt_net_head_forward(const DgNet *n, DgNetActs *a, int T, int B);
/* d head weights += ..., dlstm (zeroed by the caller) += ...; draw rows before row0 are zero */
void dgrt_net_head_backward(DgNet *n, DgNetActs *a, const float *draw, int T, int B, size_t row0);
/* x (T, B, C) -> a->raw (T, B, P); train: dropout with masks from `seed` */
void dgrt_net_forward(const DgNet *n, DgNetActs *a, const float *x, int T, int B, int train, uint64_t seed);
/* draw (T, B, P), zero outside rows [row0, T*B) -> n->grads +=; with bptt_from > 0 the
 * LSTM's gradient stops at that step (truncated backpropagation through time) */
void dgrt_net_backward(DgNet *n, DgNetActs *a, const float *x, const float *draw, int T, int B, size_t row0,
                       int bptt_from);

// ---- Physics of a batch (f32 kernels) --------------------------------------------------------

typedef struct {
    const DgModel *m;
    int64_t B, ncomp, nc, T, warmup; /* basins, components, cells, steps, warm-up steps */
    int64_t b0, Btot;                /* this shard's first basin in a batch of Btot (raw, draw rows) */
    const float *netw;               /* in-equation network weights (not owned), NULL when none */
    const float *input_norm;         /* [2][ninputs] norm() statistics (not owned), NULL when unused */
    int target;                      /* output index compared with the observations */
    float *params;                   /* [np][nc] static values (dynamic ones: their last step) */
    float *dyn;                      /* [T][np][nc] */
    float *forcing;                  /* [T][ni][B] */
    float *states0;                  /* [ns][nc] after the warm-up */
    float *states;                   /* [ns][nc] */
    float *out;                      /* [max(warmup, T - warmup)][no][nc] */
    float *tape;                     /* [T - warmup][ns][nc] (training only) */
    float *bparams;                  /* [np][B] component 0 of every basin (prologue) */
    float *weights;                  /* [nw][B] routing weights */
    double *sim;                     /* [T - warmup][B] target series (averaged, routed) */
    /* backward */
    float *dout, *dparams, *ddyn, *dstates, *dweights, *dbparams, *dnetw;
    double *dsim; /* [T - warmup][B] cotangent of sim (set by the caller) */
} DgPhys;

void dgrt_phys_alloc(DgPhys *p, const DgModel *m, int64_t B, int64_t ncomp, int64_t T, int64_t warmup,
                     int target, int grads);
void dgrt_phys_free(DgPhys *p);
/* forcing of basins bidx[0..B) of d from day index start[b] (window of T days) */
void dgrt_phys_set_forcing(DgPhys *p, const DgDataset *d, const int *bidx, const int64_t *start);
/* raw (Tr, B, P) network outputs (Tr = T, or 1 when the network is
 * time-invariant) -> params, dyn */
void dgrt_phys_set_params(DgPhys *p, const DgParamMap *pm, const float *raw, int Tr, int P);
/* init, run_fwd over the warm-up (no tape), run_fwd over the rest (tape when
 * grads), prologue, target series -> sim; with all_series != NULL every
 * output [T - warmup][no][B] (double) too. */
void dgrt_phys_forward(DgPhys *p, int tape, double *all_series);
/* dsim -> dparams, ddyn (zeroed here first) -> draw (Tr, B, P) += */
void dgrt_phys_backward(DgPhys *p, const DgParamMap *pm, const float *raw, float *draw, int Tr, int P);

/* The output the loss compares: `name`, else streamflow, Q, the first. -1 + error when `name` is unknown. */
int dgrt_target_output(const DgModel *m, const char *name, DgrtErr *err);

// ---- Trainer ---------------------------------------------------------------------------------

typedef struct {
    DgTrainConfig cfg;
    const DgModel *m;
    int64_t ncomp;
    DgDataset data;
    int *train_idx, ntrain; /* basins of the training period */
    int *valid_idx, nvalid;
    double *obs_std; /* [nbasins] std of the training observations (NSE loss) */
    DgInputStats istats; /* norm(): every input over the training basins and period */
    DgParamMap pm;
    DgNet net;
    DgNetActs acts;
    DgPhys *shards; /* physics of the batch, SHARD basins each */
    int nshards, nthreads;
    DgOptim opt;
    DgLossConfig loss;
    DgLrSchedule sched;
    DgRng rng;                /* batches: basins and windows */
    int T, B, Tr;             /* window, this rank's basins of the batch, network steps (1 = time-invariant) */
    int Bg, b_lo;             /* the whole batch (config batch), and this rank's first basin in it (comm.h) */
    int target;               /* output compared with the observations */
    float *x;                 /* (Tr, B, C) inputs of this rank's basins */
    float *draw;              /* (Tr, B, P) */
    double *obs, *sim, *dsim; /* (rho, Bg): the whole batch, on every rank (the loss sees all of it) */
    double *bstd;             /* (Bg) obs_std of the batch basins */
    int *batch_basin;         /* [Bg] dataset index; this rank's are b_lo .. b_lo + B - 1 */
    int64_t *batch_start;     /* [Bg] day index of the window start */
    int64_t epoch, iter, iters_per_epoch;
    int64_t best_epoch, bad_epochs;
    double best_metric;
    double t_net, t_phys, t_other; /* seconds spent, this run */
    int64_t timed_iters;
} DgTrainer;

/* --init-from (train_init_from.c): copy into the freshly set up tr what the
 * checkpoint at path shares with tr's model (trained parameters, parameter
 * network, in-equation networks of the same name and shape); the report of
 * what was copied and what was not goes to out. An error when nothing fits. */
int dgrt_init_from(DgTrainer *tr, const char *path, FILE *out, DgrtErr *err);

/* A whole `train` run (options already parsed). */
int dgrt_train_run(const DgModel *m, DgTrainConfig *cfg, FILE *out, FILE *errf);
/* Setup: data, normalisation, network, physics, optimiser (no checkpoint). */
int dgrt_trainer_init(DgTrainer *tr, const DgModel *m, const DgTrainConfig *cfg, FILE *errf, DgrtErr *err);
void dgrt_trainer_free(DgTrainer *tr);
/* One iteration in llm.c's order: the next batch, forward (returns the loss),
 * zero_grad, backward, update (clip + optimiser; returns the norm before clipping). */
void dgrt_trainer_next_batch(DgTrainer *tr);
double dgrt_trainer_forward(DgTrainer *tr);
void dgrt_trainer_zero_grad(DgTrainer *tr);
void dgrt_trainer_backward(DgTrainer *tr);
double dgrt_trainer_update(DgTrainer *tr, float lr);
/* All of them (iteration counter and timing included): returns the loss,
 * *gnorm = the gradient norm before clipping (NaN when the loss is not finite). */
double dgrt_train_step(DgTrainer *tr, float lr, double *gnorm);

/* `MODEL train ...`, `MODEL eval ...`, `MODEL simulate --checkpoint ...`:
 * argv[1] is the command. Return the exit code. */
int dgrt_cmd_train(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf);
int dgrt_cmd_eval(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf);
int dgrt_cmd_simulate_checkpoint(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf);

/* A trained network applied to data (validation, simulate, eval). */
typedef struct {
    const DgModel *m;
    const DgNet *net;
    const DgParamMap *pm;
    int64_t ncomp;
    int target;
    const int *rows; /* DGRT_NET_TABLE: table row of every dataset basin (NULL = the dataset index) */
    const float *input_norm; /* [2][ninputs] norm() statistics of the training run (NULL when unused) */
    double *theta;   /* optional out: [n][nparams][ncomp] the parameters of every basin (dynamic: mean over
                        the period), NULL = not wanted */
    float *dyn;      /* optional out: [n][ndays][ndynamic][ncomp] the dynamic parameters of every day of the
                        period, as the model used them (f32), NULL = not wanted */
} DgPredictor;
/* How many parameters of m are dynamic (in dyn: those with mark DG_PARAM_DYNAMIC, in their order). */
int dgrt_ndynamic(const DgModel *m);
/* Simulate basins idx[0..n) of d over period p, with up to `warmup` days
 * before it (as many as every basin of a chunk has) to spin up the states:
 * the target series sim [ndays][n] and, when all != NULL, every output
 * all [ndays][noutputs][n]. The network runs over warm-up + period; static
 * parameters come from its last step. */
void dgrt_predict(const DgPredictor *pr, const DgDataset *d, const int *idx, int n, DgPeriod p,
                  int64_t warmup, double *sim, double *all);
/* The same, its basins split over the ranks of an MPI run (comm.h); every rank gets all results. */
void dgrt_predict_ranks(const DgPredictor *pr, const DgDataset *d, const int *idx, int n, DgPeriod p,
                        int64_t warmup, double *sim, double *all);

/* A trained run restored from a checkpoint (simulate, eval). */
typedef struct {
    DgTrainConfig cfg;
    DgCheckpoint ck;
    int64_t ncomp;
    DgParamMap pm;
    DgNet net;
    DgInputStats istats; /* norm(): the checkpoint's */
    int target;
    DgPredictor pred;
    char **row_ids; /* DGRT_NET_TABLE: the calibrated basins, one per table row (the run's basin list) */
    int *rows;      /* DGRT_NET_TABLE: pred.rows of the dataset given to dgrt_restore_rows */
} DgRestored;
int dgrt_restore(DgRestored *r, const DgModel *m, const char *path, DgrtErr *err);
/* Direct calibration: the table row of every basin of d (pred.rows); an error
 * for a basin the checkpoint did not calibrate. Nothing to do for networks. */
int dgrt_restore_rows(DgRestored *r, const DgDataset *d, DgrtErr *err);
void dgrt_restore_free(DgRestored *r);

/* Which basins of the run's list: all, or with folds = K (k-fold by basin:
 * basin i of the list, from 0, is in fold i mod K + 1) those the run trains
 * on (every fold but `fold`) or the held-out fold. */
typedef enum { DG_BASINS_ALL, DG_BASINS_TRAINING, DG_BASINS_HELD_OUT } DgBasinSet;
/* The run's basins (cfg basins, data, forcing_csv, obs_column, attributes_csv,
 * maps) over the days [first, last]; obs_optional: basins without
 * observations (ungauged) load with every day missing (DgDataSource). */
int dgrt_config_load_data(DgDataset *d, const DgModel *m, const DgTrainConfig *c, DgBasinSet set, int32_t first,
                          int32_t last, int obs_optional, DgrtErr *err);
/* The ids of those basins, in the list's order (each and the array: free()). */
int dgrt_config_basin_ids(const DgTrainConfig *c, DgBasinSet set, char ***ids, int *n, DgrtErr *err);

// ---- plot.c ------------------------------------------------------------------------------------

/* One SVG hydrograph: observed, simulated and (when bench != NULL) the
 * benchmark over days day0 .. day0 + n - 1 (NaN = gap). */
/* plot_skill.c: the empirical CDF of a per-basin score (e.g. NSE) and a map of
 * the gauges coloured by it, as SVG files written atomically. */
int dgrt_plot_cdf(const char *path, const char *title, const char *score, const double *v, int n, DgrtErr *err);
int dgrt_plot_map(const char *path, const char *title, const char *score, const double *lon, const double *lat,
                  const double *v, int n, DgrtErr *err);
int dgrt_plot_hydrograph(const char *path, const char *title, int32_t day0, int64_t n, const double *obs,
                         const double *sim, const double *bench, const char *unit, DgrtErr *err);

#endif
