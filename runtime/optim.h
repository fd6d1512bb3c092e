/* optim.h — optimisers over flat float arrays (llm.c's gpt2_update shape:
 * one loop over all parameters, state in one block), gradient clipping by
 * global norm, and learning-rate schedules. Every formula is PyTorch's
 * (torch.optim.SGD/Adam/AdamW/Adadelta, torch.nn.utils.clip_grad_norm_,
 * torch.optim.lr_scheduler.StepLR/LinearLR/CosineAnnealingLR), written out in
 * optim.c above the code. Hyperparameters are explicit, never global. */
#ifndef DGRT_OPTIM_H
#define DGRT_OPTIM_H

#include <stddef.h>
#include <stdint.h>

// ---- Optimisers ---------------------------------------------------------------------------

/* grep ORDER DgOptimKind: names in optim.c */
typedef enum {
    DGRT_OPT_SGD,      /* lr, momentum, dampening, nesterov, weight_decay (L2, added to the gradient) */
    DGRT_OPT_ADAM,     /* lr, beta1, beta2, eps, weight_decay (L2, added to the gradient) */
    DGRT_OPT_ADAMW,    /* lr, beta1, beta2, eps, weight_decay (decoupled: p *= 1 - lr wd) */
    DGRT_OPT_ADADELTA, /* lr, rho, eps, weight_decay (L2, added to the gradient) */
    DGRT_OPT_COUNT
} DgOptimKind;

/* Hyperparameters (the learning rate is an argument of dgrt_optim_step, so
 * that a schedule can drive it). dgrt_optim_defaults gives PyTorch's. */
typedef struct {
    DgOptimKind kind;
    float beta1, beta2; /* Adam, AdamW: 0.9, 0.999 */
    float eps;          /* Adam, AdamW: 1e-8; Adadelta: 1e-6 */
    float weight_decay; /* 0; AdamW: 1e-2 */
    float rho;          /* Adadelta: 0.9 */
    float momentum;     /* SGD: 0 */
    float dampening;    /* SGD: 0 */
    int nesterov;       /* SGD: 0 (needs momentum > 0 and dampening 0, as in PyTorch) */
} DgOptimConfig;

/* Optimiser state: `nbuf` buffers of n floats in one calloc'd block.
 *   Adam, AdamW:  buf[0] = m (exp_avg), buf[1] = v (exp_avg_sq)
 *   Adadelta:     buf[0] = square_avg,  buf[1] = acc_delta
 *   SGD:          buf[0] = momentum_buffer (only when momentum != 0)
 * `memory` (nbuf * n floats) and `t` are all a checkpoint has to keep. */
typedef struct {
    DgOptimConfig cfg;
    size_t n;      /* parameters */
    int64_t t;     /* steps taken (Adam bias correction; SGD: step 1 copies the gradient into the buffer) */
    int nbuf;      /* state buffers */
    float *memory; /* nbuf * n floats, owned */
    float *buf[2]; /* point into memory (NULL when unused) */
} DgOptim;

DgOptimConfig dgrt_optim_defaults(DgOptimKind kind);
/* PyTorch's default learning rate: Adadelta 1.0, the others 1e-3. */
float dgrt_optim_default_lr(DgOptimKind kind);
const char *dgrt_optim_name(DgOptimKind kind);             /* "sgd", "adam", "adamw", "adadelta" */
int dgrt_optim_parse(const char *name, DgOptimKind *kind); /* 0 = ok, -1 = unknown name */

/* Allocates the state (zeroed) for n parameters; free with dgrt_optim_free. */
void dgrt_optim_init(DgOptim *opt, const DgOptimConfig *cfg, size_t n);
void dgrt_optim_free(DgOptim *opt);
/* Back to the state before the first step (buffers zeroed, t = 0). */
void dgrt_optim_reset(DgOptim *opt);
/* One update of params (n) in place from grads (n) at learning rate lr.
 * n must equal the n of dgrt_optim_init. grads is not modified. */
void dgrt_optim_step(DgOptim *opt, float *params, const float *grads, size_t n, float lr);

// ---- Gradient clipping ----------------------------------------------------------------------

/* torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2): scales grads (n) in
 * place so that their global L2 norm is at most max_norm (plus PyTorch's
 * 1e-6 guard) and returns the norm BEFORE clipping (accumulated in double).
 * A non-finite norm is returned without touching grads. */
float dgrt_clip_grad_norm(float *grads, size_t n, float max_norm);

// ---- Learning-rate schedules -----------------------------------------------------------------

/* grep ORDER DgLrKind: names in optim.c */
typedef enum {
    DGRT_LR_CONSTANT, /* base_lr */
    DGRT_LR_STEP,     /* base_lr gamma^floor(epoch / step_size)                      (StepLR) */
    DGRT_LR_COSINE,   /* linear warm-up (LinearLR), then cosine to min_lr (CosineAnnealingLR) */
    DGRT_LR_COUNT
} DgLrKind;

typedef struct {
    DgLrKind kind;
    double base_lr;
    int64_t step_size;     /* STEP: epochs between decays (>= 1) */
    double gamma;          /* STEP: decay factor */
    int64_t total_epochs;  /* COSINE: epochs of the whole run, warm-up included */
    int64_t warmup_epochs; /* COSINE: 0 = no warm-up */
    double warmup_start;   /* COSINE: LinearLR start_factor: lr(0) = base_lr * warmup_start */
    double min_lr;         /* COSINE: eta_min */
} DgLrSchedule;

const char *dgrt_lr_name(DgLrKind kind);             /* "constant", "step", "cosine" */
int dgrt_lr_parse(const char *name, DgLrKind *kind); /* 0 = ok, -1 = unknown name */
/* The learning rate of 0-based epoch `epoch`. */
double dgrt_lr_at(const DgLrSchedule *s, int64_t epoch);

#endif
