/* optim.c — SGD (momentum), Adam, AdamW and Adadelta over flat float arrays,
 * clip_grad_norm and learning-rate schedules, each a transcription of
 * PyTorch's single-tensor ("foreach=False") code path, torch/optim/{sgd,adam,adamw,adadelta}.py
 * (v2.x), with p = parameter, g = gradient, t = step (1-based), lr = the
 * step's learning rate. Scalars (bias corrections, step sizes) are computed
 * in double, as PyTorch computes them in Python floats, then applied in
 * float; elementwise work is float, in PyTorch's operation order. */
#include "optim.h"
#include "check.h"

#include <assert.h>
#include <math.h>
#include <string.h>

// ---- Names ---------------------------------------------------------------------------------

/* ORDER DgOptimKind */
static const char *const optim_names[DGRT_OPT_COUNT] = {"sgd", "adam", "adamw", "adadelta"};
/* ORDER DgLrKind */
static const char *const lr_names[DGRT_LR_COUNT] = {"constant", "step", "cosine"};

const char *dgrt_optim_name(DgOptimKind kind) { return kind < DGRT_OPT_COUNT ? optim_names[kind] : "?"; }

int dgrt_optim_parse(const char *name, DgOptimKind *kind) {
    for (int k = 0; k < DGRT_OPT_COUNT; k++)
        if (!strcmp(name, optim_names[k])) {
            *kind = (DgOptimKind)k;
            return 0;
        }
    return -1;
}

const char *dgrt_lr_name(DgLrKind kind) { return kind < DGRT_LR_COUNT ? lr_names[kind] : "?"; }

int dgrt_lr_parse(const char *name, DgLrKind *kind) {
    for (int k = 0; k < DGRT_LR_COUNT; k++)
        if (!strcmp(name, lr_names[k])) {
            *kind = (DgLrKind)k;
            return 0;
        }
    return -1;
}

// ---- Configuration and state -----------------------------------------------------------------

/* PyTorch's defaults: Adam(betas=(0.9, 0.999), eps=1e-8, weight_decay=0),
 * AdamW(... weight_decay=1e-2), Adadelta(rho=0.9, eps=1e-6, weight_decay=0),
 * SGD(momentum=0, dampening=0, weight_decay=0, nesterov=False). δHBV
 * (dMG/hydroDL) trains with Adadelta at these defaults and lr = 1.0. */
DgOptimConfig dgrt_optim_defaults(DgOptimKind kind) {
    DgOptimConfig c = {0};
    c.kind = kind;
    c.beta1 = 0.9f;
    c.beta2 = 0.999f;
    c.eps = kind == DGRT_OPT_ADADELTA ? 1e-6f : 1e-8f;
    c.weight_decay = kind == DGRT_OPT_ADAMW ? 1e-2f : 0.0f;
    c.rho = 0.9f;
    return c;
}

float dgrt_optim_default_lr(DgOptimKind kind) { return kind == DGRT_OPT_ADADELTA ? 1.0f : 1e-3f; }

static int state_buffers(const DgOptimConfig *c) {
    switch (c->kind) {
    case DGRT_OPT_SGD: return c->momentum != 0.0f ? 1 : 0;
    case DGRT_OPT_ADAM:
    case DGRT_OPT_ADAMW:
    case DGRT_OPT_ADADELTA: return 2;
    default: return 0;
    }
}

void dgrt_optim_init(DgOptim *opt, const DgOptimConfig *cfg, size_t n) {
    memset(opt, 0, sizeof *opt);
    opt->cfg = *cfg;
    opt->n = n;
    opt->nbuf = state_buffers(cfg);
    opt->memory = callocCheck((size_t)opt->nbuf * n, sizeof(float)); /* owned; dgrt_optim_free */
    for (int k = 0; k < opt->nbuf; k++) opt->buf[k] = opt->memory + (size_t)k * n;
}

void dgrt_optim_free(DgOptim *opt) {
    free(opt->memory);
    memset(opt, 0, sizeof *opt);
}

void dgrt_optim_reset(DgOptim *opt) {
    if (opt->nbuf) memset(opt->memory, 0, (size_t)opt->nbuf * opt->n * sizeof(float));
    opt->t = 0;
}

// ---- Update rules ------------------------------------------------------------------------------

/* torch.optim.SGD:
 *   g <- g + wd p                                    (if wd != 0)
 *   if momentum != 0:
 *     b <- g                          at t = 1
 *     b <- momentum b + (1 - dampening) g    after
 *     g <- g + momentum b   (nesterov)   else   g <- b
 *   p <- p - lr g */
static void sgd_step(DgOptim *o, float *p, const float *grads, float lr) {
    const DgOptimConfig *c = &o->cfg;
    float *b = o->buf[0];
    for (size_t i = 0; i < o->n; i++) {
        float g = grads[i];
        if (c->weight_decay != 0.0f) g = g + c->weight_decay * p[i];
        if (c->momentum != 0.0f) {
            b[i] = o->t == 1 ? g : b[i] * c->momentum + (1.0f - c->dampening) * g;
            g = c->nesterov ? g + c->momentum * b[i] : b[i];
        }
        p[i] = p[i] - lr * g;
    }
}

/* torch.optim.Adam (amsgrad=False) and AdamW:
 *   AdamW:  p <- p (1 - lr wd)                         (decoupled weight decay, first)
 *   Adam:   g <- g + wd p                              (L2 in the gradient, if wd != 0)
 *   m <- m + (1 - beta1)(g - m)                        (exp_avg.lerp_(g, 1 - beta1))
 *   v <- beta2 v + (1 - beta2) g^2                     (exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2))
 *   bc1 = 1 - beta1^t,  bc2 = 1 - beta2^t             (double)
 *   denom = sqrt(v) / sqrt(bc2) + eps                  (eps AFTER the bias correction of sqrt(v))
 *   p <- p - (lr / bc1) m / denom
 * This is the textbook m_hat / (sqrt(v_hat) + eps) update (Kingma & Ba 2015,
 * Alg. 1; Loshchilov & Hutter 2019 for AdamW) in PyTorch's arrangement. */
static void adam_step(DgOptim *o, float *p, const float *grads, float lr, int decoupled) {
    const DgOptimConfig *c = &o->cfg;
    float *m = o->buf[0], *v = o->buf[1];
    double bc1 = 1.0 - pow((double)c->beta1, (double)o->t);
    double bc2 = 1.0 - pow((double)c->beta2, (double)o->t);
    float step_size = (float)((double)lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float decay = (float)(1.0 - (double)lr * (double)c->weight_decay);
    float w1 = 1.0f - c->beta1, w2 = 1.0f - c->beta2;
    for (size_t i = 0; i < o->n; i++) {
        float g = grads[i];
        if (decoupled) p[i] = p[i] * decay;
        else if (c->weight_decay != 0.0f) g = g + c->weight_decay * p[i];
        m[i] = m[i] + w1 * (g - m[i]);
        v[i] = v[i] * c->beta2 + w2 * g * g;
        float denom = sqrtf(v[i]) / bc2_sqrt + c->eps;
        p[i] = p[i] - step_size * (m[i] / denom);
    }
}

/* torch.optim.Adadelta (Zeiler 2012, Alg. 1, with PyTorch's lr factor):
 *   g <- g + wd p                                      (if wd != 0)
 *   s <- rho s + (1 - rho) g^2                         (square_avg)
 *   d = sqrt(a + eps) / sqrt(s + eps) g                (a = acc_delta before this step)
 *   a <- rho a + (1 - rho) d^2
 *   p <- p - lr d */
static void adadelta_step(DgOptim *o, float *p, const float *grads, float lr) {
    const DgOptimConfig *c = &o->cfg;
    float *s = o->buf[0], *a = o->buf[1];
    float w = 1.0f - c->rho;
    for (size_t i = 0; i < o->n; i++) {
        float g = grads[i];
        if (c->weight_decay != 0.0f) g = g + c->weight_decay * p[i];
        s[i] = s[i] * c->rho + w * g * g;
        float std = sqrtf(s[i] + c->eps);
        float d = sqrtf(a[i] + c->eps) / std * g;
        a[i] = a[i] * c->rho + w * d * d;
        p[i] = p[i] - lr * d;
    }
}

void dgrt_optim_step(DgOptim *opt, float *params, const float *grads, size_t n, float lr) {
    assert(n == opt->n && "dgrt_optim_step: n differs from dgrt_optim_init");
    (void)n;
    opt->t++;
    switch (opt->cfg.kind) {
    case DGRT_OPT_SGD: sgd_step(opt, params, grads, lr); break;
    case DGRT_OPT_ADAM: adam_step(opt, params, grads, lr, 0); break;
    case DGRT_OPT_ADAMW: adam_step(opt, params, grads, lr, 1); break;
    case DGRT_OPT_ADADELTA: adadelta_step(opt, params, grads, lr); break;
    default: assert(0 && "dgrt_optim_step: unknown optimiser kind");
    }
}

// ---- Gradient clipping ----------------------------------------------------------------------

/* torch.nn.utils.clip_grad_norm_:
 *   norm = sqrt(sum_i g_i^2)
 *   coef = min(max_norm / (norm + 1e-6), 1)
 *   g <- g coef                  (PyTorch multiplies by coef = 1 too: same values)
 * returns norm (before clipping). */
float dgrt_clip_grad_norm(float *grads, size_t n, float max_norm) {
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += (double)grads[i] * (double)grads[i];
    double norm = sqrt(ss);
    if (!isfinite(norm)) return (float)norm;
    double coef = (double)max_norm / (norm + 1e-6);
    if (coef < 1.0) {
        float cf = (float)coef;
        for (size_t i = 0; i < n; i++) grads[i] *= cf;
    }
    return (float)norm;
}

// ---- Learning-rate schedules -----------------------------------------------------------------

/* epoch e (0-based):
 *   CONSTANT:  base_lr
 *   STEP:      base_lr gamma^floor(e / step_size)                          StepLR(step_size, gamma)
 *   COSINE, w = warmup_epochs, E = total_epochs, f0 = warmup_start:
 *     e < w:   base_lr (f0 + (1 - f0) e / w)                               LinearLR(f0, total_iters=w)
 *     e >= w:  min_lr + (base_lr - min_lr) (1 + cos(pi tc / tm)) / 2       CosineAnnealingLR(tm, min_lr)
 *              tm = E - w,  tc = min(e - w, tm)                            (its closed form)
 *   i.e. SequentialLR([LinearLR, CosineAnnealingLR], milestones=[w]): the
 *   cosine starts at base_lr at e = w and stays at min_lr from e = E on
 *   (tm <= 0: base_lr after the warm-up). */
double dgrt_lr_at(const DgLrSchedule *s, int64_t epoch) {
    if (epoch < 0) epoch = 0;
    switch (s->kind) {
    case DGRT_LR_CONSTANT: return s->base_lr;
    case DGRT_LR_STEP: {
        int64_t k = s->step_size > 0 ? epoch / s->step_size : 0;
        return s->base_lr * pow(s->gamma, (double)k);
    }
    case DGRT_LR_COSINE: {
        int64_t w = s->warmup_epochs > 0 ? s->warmup_epochs : 0;
        if (epoch < w)
            return s->base_lr * (s->warmup_start + (1.0 - s->warmup_start) * (double)epoch / (double)w);
        int64_t tm = s->total_epochs - w, tc = epoch - w;
        if (tm <= 0) return s->base_lr;
        if (tc > tm) tc = tm;
        return s->min_lr + (s->base_lr - s->min_lr) * (1.0 + cos(M_PI * (double)tc / (double)tm)) / 2.0;
    }
    default: return s->base_lr;
    }
}
