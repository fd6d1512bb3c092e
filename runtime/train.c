/* train.c — training a model's parameter network (dPL) the way δHBV is
 * trained (Feng et al. 2022; MHPI dMG/hydroDL), and the pieces that
 * simulate/eval share with it (train.h):
 *   config      `key = value` files and `--key value` flags -> DgTrainConfig
 *   param map   network outputs -> model parameters (sigmoid into the bounds)
 *   network     LSTM (input layer, LSTM, linear head) or MLP over nn.h; for a
 *               model without one, a table of raw values per basin (direct
 *               calibration)
 *   physics     the model's f32 kernels over a batch of basins, in shards
 *               run by threads; target series (component mean, routing)
 *   trainer     batches, forward, loss, backward, clipping, optimiser,
 *               validation, early stopping, checkpoints, progress, timing
 * One iteration (dgrt_train_step), in the order of llm.c's gpt2 training step:
 *   B basins at random (with replacement), one random window each of
 *   warmup + rho days inside the training period;
 *   x (T, B, nf + na) -> network -> raw (T, B, P) -> theta (static: last
 *   step; dynamic: every step) -> init -> run_fwd over the warm-up without
 *   tape -> run_fwd over rho with tape -> series -> loss vs observations;
 *   loss backward -> series adjoint -> prologue_rev, run_rev -> d theta ->
 *   d raw -> network backward -> clip -> optimiser step. */
#include "train.h"
#include "camels.h"
#include "fpenv.h"
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* OpenBLAS's thread count, when the BLAS linked is OpenBLAS (weak: absent elsewhere). */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// ---- Configuration ------------------------------------------------------------------------------

typedef enum { K_STR, K_INT, K_FLOAT, K_PERIOD, K_FLAG, K_MAP, K_SEED, K_CHOICE } KeyType;

#define F(field) offsetof(DgTrainConfig, field), sizeof(((DgTrainConfig *)0)->field)
/* Keys of the config file and flags of `train` (grep ORDER keys: usage in cli.c).
 * `shape`: changing it on --resume would change the training trajectory. */
static const struct {
    const char *name;
    KeyType type;
    size_t off, size;
    int64_t min;
    int shape;
    const char *choices; /* K_CHOICE: '|'-separated */
} keys[] = {
    {"data", K_STR, F(data), 0, 0, NULL},
    {"forcing_csv", K_STR, F(forcing_csv), 0, 0, NULL},
    {"obs_column", K_STR, F(obs_column), 0, 1, NULL},
    {"attributes_csv", K_STR, F(attributes_csv), 0, 0, NULL},
    {"attributes", K_STR, F(attributes), 0, 0, NULL},
    {"basins", K_STR, F(basins), 0, 1, NULL},
    {"map", K_MAP, F(maps), 0, 1, NULL},
    {"train", K_PERIOD, F(train), 0, 1, NULL},
    {"valid", K_PERIOD, F(valid), 0, 0, NULL},
    {"test", K_PERIOD, F(test), 0, 0, NULL},
    {"components", K_INT, F(components), 0, 1, NULL},
    {"target", K_STR, F(target), 0, 1, NULL},
    {"epochs", K_INT, F(epochs), 0, 0, NULL},
    {"iters_per_epoch", K_INT, F(iters_per_epoch), 0, 1, NULL},
    {"batch", K_INT, F(batch), 1, 1, NULL},
    {"rho", K_INT, F(rho), 1, 1, NULL},
    {"warmup", K_INT, F(warmup), 0, 1, NULL},
    {"optimizer", K_CHOICE, F(optimizer), 0, 1, "adadelta|adam|adamw|sgd"},
    {"lr", K_FLOAT, F(lr), 0, 1, NULL},
    {"weight_decay", K_FLOAT, F(weight_decay), 0, 1, NULL},
    {"momentum", K_FLOAT, F(momentum), 0, 1, NULL},
    {"lr_schedule", K_CHOICE, F(lr_schedule), 0, 1, "constant|step|cosine"},
    {"lr_step", K_INT, F(lr_step), 1, 1, NULL},
    {"lr_gamma", K_FLOAT, F(lr_gamma), 0, 1, NULL},
    {"lr_warmup", K_INT, F(lr_warmup), 0, 1, NULL},
    {"lr_min", K_FLOAT, F(lr_min), 0, 1, NULL},
    {"loss", K_CHOICE, F(loss), 0, 1, "rmse_comb|mse|rmse|nse|kge"},
    {"clip", K_FLOAT, F(clip), 0, 1, NULL},
    {"valid_every", K_INT, F(valid_every), 1, 0, NULL},
    {"patience", K_INT, F(patience), 0, 0, NULL},
    {"seed", K_SEED, F(seed), 0, 1, NULL},
    {"threads", K_INT, F(threads), 0, 0, NULL},
    {"checkpoint", K_STR, F(checkpoint), 0, 0, NULL},
    {"resume", K_FLAG, F(resume), 0, 0, NULL},
    {"log_every", K_INT, F(log_every), 0, 0, NULL},
};
#undef F
enum { NKEYS = sizeof keys / sizeof keys[0] };

void dgrt_train_config_defaults(DgTrainConfig *c) {
    memset(c, 0, sizeof *c);
    c->train.start = c->valid.start = c->test.start = 1; /* unset: start > end */
    c->epochs = 50;                                      /* δHBV: 50 epochs */
    c->batch = 100;
    c->rho = 365;
    c->warmup = 365;
    strcpy(c->optimizer, "adadelta");
    c->lr = NAN;
    strcpy(c->lr_schedule, "constant");
    c->lr_step = 10;
    c->lr_gamma = 0.5;
    strcpy(c->loss, "rmse_comb");
    c->clip = 1.0; /* dMG trainer: clip_grad_norm_(max_norm=1.0) */
    c->valid_every = 1;
    c->seed = 111111; /* δHBV's random_seed */
    strcpy(c->checkpoint, "checkpoint.bin");
}

static int find_key(const char *name) {
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].name, name)) return i;
    return -1;
}

int dgrt_train_config_is_flag(const char *key) {
    int k = find_key(key);
    return k >= 0 && keys[k].type == K_FLAG;
}

static int parse_i64(const char *s, int64_t *v) {
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!s[0] || *end || errno) return -1;
    *v = x;
    return 0;
}

int dgrt_train_config_set(DgTrainConfig *c, const char *key_in, const char *value, const char *where,
                          DgrtErr *err) {
    char key[64];
    snprintf(key, sizeof key, "%s", key_in);
    for (char *p = key; *p; p++)
        if (*p == '-') *p = '_';
    int k = find_key(key);
    if (k < 0) {
        const char *names[NKEYS];
        for (int i = 0; i < NKEYS; i++) names[i] = keys[i].name;
        dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: unknown key '%s'", where, key_in);
        const char *near = dgrt_closest(key, names, NKEYS);
        if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
        else
            dgrt_err_hint(err, "keys: data, basins, train, valid, test, epochs, batch, rho, warmup, lr, "
                               "optimizer, loss, ... (see --help)");
        return err->code;
    }
    char *field = (char *)c + keys[k].off;
    switch (keys[k].type) {
    case K_STR:
        if (strlen(value) >= keys[k].size)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL,
                             "%s: the value of '%s' is too long (%zu characters at most)", where, key,
                             keys[k].size - 1);
        strcpy(field, value);
        return 0;
    case K_CHOICE: {
        char v[32];
        snprintf(v, sizeof v, "%s", value);
        if (!strcmp(key, "loss")) { /* the short names of the brief and loss.h's names */
            if (!strcmp(v, "nse_batch")) strcpy(v, "nse");
            if (!strcmp(v, "kge_batch")) strcpy(v, "kge");
        }
        const char *ch = keys[k].choices;
        size_t n = strlen(v);
        for (const char *p = ch; *p;) {
            size_t l = strcspn(p, "|");
            if (l == n && !strncmp(p, v, n)) {
                strcpy(field, v);
                return 0;
            }
            p += l + (p[l] == '|');
        }
        return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: '%s' is not a valid %s (choose %s)", where, value,
                         key, ch);
    }
    case K_INT: {
        int64_t v;
        if (parse_i64(value, &v) || v < keys[k].min)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: %s '%s' is not an integer >= %lld", where, key,
                             value, (long long)keys[k].min);
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case K_SEED: {
        int64_t v;
        if (parse_i64(value, &v) || v < 0)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: seed '%s' is not an integer >= 0", where,
                             value);
        uint64_t u = (uint64_t)v;
        memcpy(field, &u, sizeof u);
        return 0;
    }
    case K_FLOAT: {
        char *end;
        double v = strtod(value, &end);
        if (!value[0] || *end || !isfinite(v) || v < 0)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: %s '%s' is not a number >= 0", where, key,
                             value);
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case K_PERIOD: {
        DgPeriod p;
        if (dgrt_parse_period(value, &p.start, &p.end, err)) {
            char msg[sizeof err->msg + 256];
            snprintf(msg, sizeof msg, "%s: %s: %s", where, key, err->msg);
            size_t l = strlen(msg) < sizeof err->msg ? strlen(msg) : sizeof err->msg - 1;
            memcpy(err->msg, msg, l);
            err->msg[l] = 0;
            return err->code;
        }
        memcpy(field, &p, sizeof p);
        return 0;
    }
    case K_FLAG: {
        int v;
        if (!value[0] || !strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes")) v = 1;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no")) v = 0;
        else
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: %s '%s' is not true or false", where, key,
                             value);
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case K_MAP: {
        const char *e = strchr(value, '=');
        if (!e || e == value || !e[1])
            return dgrt_fail(err, DGRT_EXIT_USAGE, "write map = NAME=VARIABLE, e.g. map = PET=pet_hamon",
                             "%s: map '%s' is not NAME=VARIABLE", where, value);
        if (c->nmaps == DGRT_MAX_MAPS)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: more than %d maps", where, DGRT_MAX_MAPS);
        if (strlen(value) >= sizeof c->maps[0])
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: map '%s' is too long", where, value);
        /* a later map of the same input replaces the earlier one */
        size_t nl = (size_t)(e - value);
        for (int i = 0; i < c->nmaps; i++)
            if (!strncmp(c->maps[i], value, nl) && c->maps[i][nl] == '=') {
                strcpy(c->maps[i], value);
                return 0;
            }
        strcpy(c->maps[c->nmaps++], value);
        return 0;
    }
    }
    return 0;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = 0;
    return s;
}

int dgrt_train_config_text(DgTrainConfig *c, const char *text, const char *source, DgrtErr *err) {
    char *copy = mallocCheck(strlen(text) + 1);
    strcpy(copy, text);
    int rc = 0, line = 0;
    for (char *p = copy; p && !rc; line++) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        char *hash = strchr(p, '#');
        if (hash) *hash = 0;
        char *s = trim(p);
        p = nl ? nl + 1 : NULL;
        if (!*s) continue;
        char where[1100];
        snprintf(where, sizeof where, "%s:%d", source, line + 1);
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = dgrt_fail(err, DGRT_EXIT_USAGE, "config lines are `key = value`; # starts a comment",
                           "%s: expected 'key = value', found '%s'", where, s);
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if (!*key) {
            rc = dgrt_fail(err, DGRT_EXIT_USAGE, "config lines are `key = value`",
                           "%s: missing key before '='", where);
            break;
        }
        rc = dgrt_train_config_set(c, key, val, where, err);
    }
    free(copy);
    return rc;
}

int dgrt_train_config_file(DgTrainConfig *c, const char *path, DgrtErr *err) {
    char *text;
    size_t len;
    if (dgrt_read_file(path, &text, &len, err)) return err->code;
    int rc = dgrt_train_config_text(c, text, path, err);
    free(text);
    return rc;
}

static void format_value(const DgTrainConfig *c, int k, char *buf, size_t size) {
    const char *field = (const char *)c + keys[k].off;
    switch (keys[k].type) {
    case K_STR:
    case K_CHOICE: snprintf(buf, size, "%s", field); break;
    case K_INT: {
        int64_t v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, size, "%lld", (long long)v);
        break;
    }
    case K_SEED: {
        uint64_t v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, size, "%llu", (unsigned long long)v);
        break;
    }
    case K_FLOAT: {
        double v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, size, "%.17g", v);
        break;
    }
    case K_PERIOD: {
        DgPeriod p;
        memcpy(&p, field, sizeof p);
        if (dgrt_period_set(p)) dgrt_period_format(p, buf);
        else buf[0] = 0;
        break;
    }
    case K_FLAG: {
        int v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, size, "%s", v ? "true" : "false");
        break;
    }
    case K_MAP: buf[0] = 0; break;
    }
}

char *dgrt_train_config_format(const DgTrainConfig *c) {
    /* big enough by construction: each text value fits in its field of *c, and a
     * key name, " = ", a number and the newline fit in 64 bytes ("map = " in 8) */
    size_t cap = sizeof *c + NKEYS * 64 + DGRT_MAX_MAPS * 8, len = 0;
    char *s = mallocCheck(cap);
    s[0] = 0;
    char val[sizeof c->basins];
    for (int k = 0; k < NKEYS; k++) {
        if (keys[k].type == K_FLAG) continue; /* run-time switches, not settings */
        if (keys[k].type == K_MAP) {
            for (int i = 0; i < c->nmaps; i++)
                len += (size_t)snprintf(s + len, cap - len, "map = %s\n", c->maps[i]);
            continue;
        }
        if (keys[k].type == K_FLOAT && isnan(*(const double *)((const char *)c + keys[k].off))) continue;
        format_value(c, k, val, sizeof val);
        if (!val[0]) continue;
        len += (size_t)snprintf(s + len, cap - len, "%s = %s\n", keys[k].name, val);
    }
    return s;
}

/* On --resume: a key that shapes training must keep the checkpoint's value. */
static int check_resume_config(const DgTrainConfig *ck, const DgTrainConfig *now, const char *path,
                               DgrtErr *err) {
    char a[sizeof ck->basins], b[sizeof ck->basins];
    for (int k = 0; k < NKEYS; k++) {
        if (!keys[k].shape) continue;
        if (keys[k].type == K_MAP) {
            int same = ck->nmaps == now->nmaps;
            for (int i = 0; same && i < ck->nmaps; i++) same = !strcmp(ck->maps[i], now->maps[i]);
            if (same) continue;
            return dgrt_fail(err, DGRT_EXIT_USAGE,
                             "leave out --map when resuming (the checkpoint keeps them)",
                             "--resume: the forcing maps differ from those of checkpoint '%s'", path);
        }
        if (keys[k].type == K_FLOAT) {
            double x = *(const double *)((const char *)ck + keys[k].off),
                   y = *(const double *)((const char *)now + keys[k].off);
            if ((isnan(x) && isnan(y)) || x == y) continue;
        }
        format_value(ck, k, a, sizeof a);
        format_value(now, k, b, sizeof b);
        if (strcmp(a, b) != 0)
            return dgrt_fail(err, DGRT_EXIT_USAGE,
                             "a resumed run keeps the settings that shape training; only epochs, valid, "
                             "test, valid_every, "
                             "patience, threads, log_every, data and checkpoint may change (or train anew "
                             "without --resume)",
                             "--resume: '%s' is '%s' in checkpoint '%s' but '%s' here", keys[k].name, a, path,
                             b);
    }
    return 0;
}

// ---- Network outputs -> model parameters -----------------------------------------------------------

int dgrt_param_map_build(DgParamMap *pm, const DgModel *m, int64_t ncomp, DgrtErr *err) {
    memset(pm, 0, sizeof *pm);
    pm->ncomp = ncomp;
    pm->first = mallocCheck(sizeof(int) * (size_t)(m->nparams + 1));
    pm->per_comp = mallocCheck(sizeof(int) * (size_t)(m->nparams + 1));
    int n = 0;
    for (int i = 0; i < m->nparams; i++) {
        const DgParamInfo *p = &m->params[i];
        pm->first[i] = -1;
        pm->per_comp[i] = 0;
        if (p->mark == DG_PARAM_FIXED) {
            if (isnan(p->value)) {
                dgrt_param_map_free(pm);
                return dgrt_fail(err, DGRT_EXIT_FAIL,
                                 "give it a value in the model: param NAME = VALUE fixed",
                                 "model '%s': fixed parameter '%s' has no value", m->name, p->name);
            }
            continue;
        }
        if (!(p->lo < p->hi)) {
            dgrt_param_map_free(pm);
            return dgrt_fail(err, DGRT_EXIT_FAIL, "a trained parameter needs bounds: param NAME in [lo, hi]",
                             "model '%s': trained parameter '%s' has no bounds", m->name, p->name);
        }
        pm->first[i] = n;
        pm->per_comp[i] = !p->basin_level;
        pm->any_dynamic |= p->mark == DG_PARAM_DYNAMIC;
        n += p->basin_level ? 1 : (int)ncomp;
    }
    pm->nout = n;
    return 0;
}

void dgrt_param_map_free(DgParamMap *pm) {
    free(pm->first);
    free(pm->per_comp);
    memset(pm, 0, sizeof *pm);
}

static inline float sigmoidf_(float x) { return 1.0f / (1.0f + expf(-x)); }

// ---- Network ------------------------------------------------------------------------------------

/* The model's own initial in-equation network weights (params.c, fixed seed). */
static void init_netw(DgNet *n, const DgModel *m) {
    if (n->nnetw <= 0) return;
    double *w = mallocCheck(sizeof(double) * (size_t)n->nnetw);
    dgrt_netw_default(m, w);
    for (int i = 0; i < n->nnetw; i++) n->netw[i] = (float)w[i];
    free(w);
}

void dgrt_net_build(DgNet *n, const DgModel *m, int P, uint64_t seed) {
    memset(n, 0, sizeof *n);
    const DgLearnInfo *l = &m->learn;
    n->kind = P > 0 ? l->kind : DG_LEARN_NONE;
    n->C = l->nforcings + l->nattributes;
    n->H = l->hidden > 0 ? l->hidden : 64;
    n->P = P;
    n->dropout = (float)l->dropout;
    if (n->kind == DG_LEARN_LSTM) {
        n->L = l->layers > 0 ? l->layers : 1;
        if (n->L > DGRT_LSTM_MAX_LAYERS) n->L = DGRT_LSTM_MAX_LAYERS;
        n->lstm = (DgLstm){.C = n->H, .H = n->H, .L = n->L, .dropout = n->dropout};
        n->num_net = (size_t)n->H * n->C + n->H + dgrt_lstm_num_params(&n->lstm) + (size_t)P * n->H + P;
    } else if (n->kind == DG_LEARN_MLP) {
        n->L = l->layers > 0 ? l->layers : 1; /* hidden layers */
        if (n->L > DGRT_MLP_MAX_LAYERS - 1) n->L = DGRT_MLP_MAX_LAYERS - 1;
        n->mlp.n_layers = n->L + 1;
        n->mlp.sizes[0] = n->C;
        for (int k = 1; k <= n->L; k++) n->mlp.sizes[k] = n->H;
        n->mlp.sizes[n->L + 1] = P;
        n->mlp.act = DG_ACT_RELU;
        n->mlp.out_act = DG_ACT_LINEAR;
        n->mlp.dropout = n->dropout;
        n->num_net = dgrt_mlp_num_params(&n->mlp);
    }
    n->nnetw = m->nnetw;
    n->num_params = n->num_net + (size_t)n->nnetw;
    n->params = callocCheck(n->num_params + 1, sizeof(float)); /* owned; dgrt_net_free */
    n->netw = n->params + n->num_net;
    DgNnRng rng;
    dgrt_nnrng_seed(&rng, seed);
    if (n->kind == DG_LEARN_LSTM) {
        float *w = n->params;
        n->in_w = w, w += (size_t)n->H * n->C;
        n->in_b = w, w += n->H;
        dgrt_lstm_point_params_f32(&n->lp, &n->lstm, w), w += dgrt_lstm_num_params(&n->lstm);
        n->head_w = w, w += (size_t)P * n->H;
        n->head_b = w;
        /* PyTorch's initialisation, layer by layer (nn.Linear, nn.LSTM, nn.Linear) */
        dgrt_linear_init_f32(n->in_w, n->in_b, n->C, n->H, DG_INIT_TORCH, &rng);
        dgrt_lstm_init_f32(&n->lp, &n->lstm, &rng);
        dgrt_linear_init_f32(n->head_w, n->head_b, n->H, P, DG_INIT_TORCH, &rng);
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_point_params_f32(&n->mp, &n->mlp, n->params);
        dgrt_mlp_init_f32(&n->mp, &n->mlp, DG_INIT_TORCH, &rng);
    }
    init_netw(n, m);
}

int dgrt_net_is_table(const DgModel *m, const DgParamMap *pm) {
    return m->learn.kind == DG_LEARN_NONE && pm->nout > 0;
}

void dgrt_net_build_table(DgNet *n, const DgModel *m, const DgParamMap *pm, int nrows) {
    memset(n, 0, sizeof *n);
    int P = pm->nout;
    n->kind = DGRT_NET_TABLE;
    n->C = 1;
    n->P = P;
    n->nrows = nrows;
    n->num_net = (size_t)nrows * P;
    n->nnetw = m->nnetw;
    n->num_params = n->num_net + (size_t)n->nnetw;
    n->params = callocCheck(n->num_params + 1, sizeof(float)); /* owned; dgrt_net_free */
    n->netw = n->params + n->num_net;
    /* every row at the defaults: raw = logit((value - lo) / (hi - lo)), kept 1e-3 inside the bounds */
    for (int i = 0; i < m->nparams; i++) {
        if (pm->first[i] < 0) continue;
        const DgParamInfo *pi = &m->params[i];
        double u = isnan(pi->value) ? 0.5 : (pi->value - pi->lo) / (pi->hi - pi->lo);
        u = u < 1e-3 ? 1e-3 : u > 1 - 1e-3 ? 1 - 1e-3 : u;
        float raw = (float)log(u / (1 - u));
        int cnt = pm->per_comp[i] ? (int)pm->ncomp : 1;
        for (int r = 0; r < nrows; r++)
            for (int k = 0; k < cnt; k++) n->params[(size_t)r * P + pm->first[i] + k] = raw;
    }
    init_netw(n, m);
}

void dgrt_net_alloc_grads(DgNet *n) {
    if (n->grads) return;
    n->grads = callocCheck(n->num_params + 1, sizeof(float)); /* owned; dgrt_net_free */
    n->dnetw = n->grads + n->num_net;
    if (n->kind == DG_LEARN_LSTM) {
        float *w = n->grads;
        n->din_w = w, w += (size_t)n->H * n->C;
        n->din_b = w, w += n->H;
        dgrt_lstm_point_params_f32(&n->dlp, &n->lstm, w), w += dgrt_lstm_num_params(&n->lstm);
        n->dhead_w = w, w += (size_t)n->P * n->H;
        n->dhead_b = w;
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_point_params_f32(&n->dmp, &n->mlp, n->grads);
    }
}

void dgrt_net_free(DgNet *n) {
    free(n->step_out);
    free(n->params);
    free(n->grads);
    memset(n, 0, sizeof *n);
}

void dgrt_net_acts_alloc(DgNetActs *a, const DgNet *n, int T, int B, int grads) {
    memset(a, 0, sizeof *a);
    a->T = T;
    a->B = B;
    size_t TB = (size_t)T * B, H = (size_t)n->H;
    if (n->kind == DG_LEARN_LSTM) {
        size_t nl = dgrt_lstm_num_acts(&n->lstm, T, B);
        a->memory = mallocCheck(sizeof(float) * (2 * TB * H + nl + TB * n->P)); /* owned; acts_free */
        a->in_pre = a->memory;
        a->in_post = a->in_pre + TB * H;
        dgrt_lstm_point_acts_f32(&a->la, &n->lstm, T, B, a->in_post + TB * H);
        a->raw = a->in_post + TB * H + nl;
        size_t nh = dgrt_net_head_scratch(n, T, B, grads);
        if (nh) { /* a restricted head leaves entries unread: NaN, so that a wrong read is loud */
            for (size_t i = 0; i < TB * n->P; i++) a->raw[i] = NAN;
            a->head_scratch = mallocCheck(sizeof(float) * nh);
        }
        if (grads) {
            size_t ng = dgrt_lstm_num_grad_acts(&n->lstm, T, B);
            a->gmemory = mallocCheck(sizeof(float) * (2 * TB * H + ng));
            a->dlstm = a->gmemory;
            a->din = a->dlstm + TB * H;
            dgrt_lstm_point_grad_acts_f32(&a->lg, &n->lstm, T, B, a->din + TB * H);
        }
    } else if (n->kind == DG_LEARN_MLP) {
        a->memory = mallocCheck(sizeof(float) * dgrt_mlp_num_acts(&n->mlp, (int)TB));
        dgrt_mlp_point_acts_f32(&a->ma, &n->mlp, (int)TB, a->memory);
        a->raw = a->ma.out;
        if (grads) {
            a->gmemory = mallocCheck(sizeof(float) * dgrt_mlp_num_grad_acts(&n->mlp, (int)TB));
            dgrt_mlp_point_grad_acts_f32(&a->mg, &n->mlp, (int)TB, a->gmemory);
        }
    } else if (n->kind == DGRT_NET_TABLE) {
        a->memory = mallocCheck(sizeof(float) * (TB * n->P + 1));
        a->raw = a->memory;
    }
}

void dgrt_net_acts_free(DgNetActs *a) {
    free(a->head_scratch);
    free(a->memory);
    free(a->gmemory);
    memset(a, 0, sizeof *a);
}

void dgrt_net_forward(const DgNet *n, DgNetActs *a, const float *x, int T, int B, int train, uint64_t seed) {
    size_t TB = (size_t)T * B;
    if (n->kind == DG_LEARN_LSTM) {
        // input layer: in_pre (T*B, H) = x (T*B, C) · W_in^T + b_in; in_post = relu(in_pre)
        dgrt_matmul_forward_f32(a->in_pre, x, n->in_w, n->in_b, (int)TB, n->C, n->H);
        dgrt_act_forward_f32(a->in_post, a->in_pre, TB * n->H, DG_ACT_RELU);
        // LSTM over the T steps: la.out (T, B, H), dropout on its output in training
        dgrt_lstm_forward_f32(&a->la, &n->lp, &n->lstm, a->in_post, T, B, train, seed);
        // head: raw (T*B, P) = out (T*B, H) · W_head^T + b_head, where it is read
        dgrt_net_head_forward(n, a, T, B);
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_forward_f32(&a->ma, &n->mp, &n->mlp, x, (int)TB, train, seed);
    } else if (n->kind == DGRT_NET_TABLE) {
        // raw (T*B, P) = the table row named by x
        for (size_t i = 0; i < TB; i++)
            memcpy(a->raw + i * n->P, n->params + (size_t)x[i] * n->P, sizeof(float) * (size_t)n->P);
    }
}

/* In the exact reverse order of dgrt_net_forward. */
void dgrt_net_backward(DgNet *n, DgNetActs *a, const float *x, const float *draw, int T, int B, size_t row0) {
    size_t TB = (size_t)T * B, H = (size_t)n->H;
    if (n->kind == DG_LEARN_LSTM) {
        // head: rows before row0 have no gradient (warm-up steps of static-only models)
        memset(a->dlstm, 0, sizeof(float) * TB * H);
        dgrt_net_head_backward(n, a, draw, T, B, row0);
        // LSTM: dlstm -> d weights, din = d in_post
        memset(a->din, 0, sizeof(float) * TB * H);
        dgrt_lstm_backward_f32(&n->dlp, a->din, &a->lg, a->dlstm, &a->la, &n->lp, &n->lstm, a->in_post, T, B);
        // relu, then the input layer (no gradient for the inputs)
        dgrt_act_backward_f32(a->din, a->din, a->in_pre, a->in_post, TB * H, DG_ACT_RELU);
        dgrt_matmul_backward_f32(NULL, n->din_w, n->din_b, a->din, x, n->in_w, (int)TB, n->C, n->H);
    } else if (n->kind == DG_LEARN_MLP) {
        dgrt_mlp_backward_f32(&n->dmp, NULL, &a->mg, draw, &a->ma, &n->mp, &n->mlp, x, (int)TB);
    } else if (n->kind == DGRT_NET_TABLE) {
        for (size_t i = row0; i < TB; i++) {
            float *g = n->grads + (size_t)x[i] * n->P;
            for (int j = 0; j < n->P; j++) g[j] += draw[i * n->P + j];
        }
    }
}

// ---- Physics of a batch ----------------------------------------------------------------------------

int dgrt_target_output(const DgModel *m, const char *name, DgrtErr *err) {
    if (name && name[0]) {
        for (int o = 0; o < m->noutputs; o++)
            if (!strcmp(m->outputs[o].name, name)) return o;
        const char *names[m->noutputs > 0 ? m->noutputs : 1];
        for (int o = 0; o < m->noutputs; o++) names[o] = m->outputs[o].name;
        dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "target '%s' is not an output of model '%s'", name, m->name);
        const char *near = dgrt_closest(name, names, m->noutputs);
        if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
        else dgrt_err_hint(err, "`MODEL info` lists the outputs");
        return -1;
    }
    for (int o = 0; o < m->noutputs; o++)
        if (!strcmp(m->outputs[o].name, "streamflow")) return o;
    for (int o = 0; o < m->noutputs; o++)
        if (!strcmp(m->outputs[o].name, "Q")) return o;
    if (m->noutputs == 0) {
        dgrt_fail(err, DGRT_EXIT_FAIL, NULL, "model '%s' has no output to compare with streamflow", m->name);
        return -1;
    }
    return 0;
}

#define NEW(type, n) ((type *)callocCheck((size_t)(n) + 1, sizeof(type)))

void dgrt_phys_alloc(DgPhys *p, const DgModel *m, int64_t B, int64_t ncomp, int64_t T, int64_t warmup,
                     int target, int grads) {
    memset(p, 0, sizeof *p);
    p->m = m;
    p->B = B;
    p->Btot = B;
    p->ncomp = ncomp;
    p->nc = B * ncomp;
    p->T = T;
    p->warmup = warmup;
    p->target = target;
    int64_t nc = p->nc, R = T - warmup, np = m->nparams, no = m->noutputs, ns = m->nstates;
    int64_t nout_steps = warmup > R ? warmup : R;
    int dyn = 0;
    for (int i = 0; i < m->nparams; i++) dyn |= m->params[i].mark == DG_PARAM_DYNAMIC;
    p->params = NEW(float, np *nc);
    p->dyn = dyn ? NEW(float, T *np *nc) : NULL;
    p->forcing = NEW(float, T * m->ninputs * B);
    p->states0 = NEW(float, ns *nc);
    p->states = NEW(float, ns *nc);
    p->out = NEW(float, nout_steps *no *nc);
    p->bparams = NEW(float, np *B);
    p->weights = NEW(float, m->nweights *B);
    p->sim = NEW(double, R *B);
    if (!grads) return;
    p->tape = NEW(float, R *ns *nc);
    p->dout = NEW(float, R *no *nc);
    p->dparams = NEW(float, np *nc);
    p->ddyn = dyn ? NEW(float, R *np *nc) : NULL;
    p->dstates = NEW(float, ns *nc);
    p->dweights = NEW(float, m->nweights *B);
    p->dbparams = NEW(float, np *B);
    p->dnetw = NEW(float, m->nnetw);
    p->dsim = NEW(double, R *B);
}

void dgrt_phys_free(DgPhys *p) {
    void *all[] = {p->params, p->dyn,     p->forcing,  p->states0,  p->states, p->out,
                   p->tape,   p->bparams, p->weights,  p->sim,      p->dout,   p->dparams,
                   p->ddyn,   p->dstates, p->dweights, p->dbparams, p->dnetw,  p->dsim};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    memset(p, 0, sizeof *p);
}

void dgrt_phys_set_forcing(DgPhys *p, const DgDataset *d, const int *bidx, const int64_t *start) {
    int ni = p->m->ninputs;
    for (int64_t b = 0; b < p->B; b++) {
        const DgBasin *bs = &d->basins[bidx[b]];
        for (int64_t t = 0; t < p->T; t++)
            for (int i = 0; i < ni; i++)
                p->forcing[(t * ni + i) * p->B + b] = (float)bs->forcing[(start[b] + t) * ni + i];
    }
}

/* raw (Tr, Btot, P): the row of step t, basin b of this shard */
static inline const float *raw_row(const DgPhys *p, const float *raw, int Tr, int64_t t, int64_t b, int P) {
    int64_t row = Tr == 1 ? 0 : t;
    return raw + (row * p->Btot + p->b0 + b) * P;
}

void dgrt_phys_set_params(DgPhys *p, const DgParamMap *pm, const float *raw, int Tr, int P) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, np = m->nparams, K = p->ncomp;
    for (int i = 0; i < m->nparams; i++) {
        const DgParamInfo *pi = &m->params[i];
        float *row = p->params + i * nc;
        if (pm->first[i] < 0) { /* fixed: the model's value */
            for (int64_t c = 0; c < nc; c++) row[c] = (float)pi->value;
            if (p->dyn)
                for (int64_t t = 0; t < p->T; t++)
                    for (int64_t c = 0; c < nc; c++) p->dyn[(t * np + i) * nc + c] = (float)pi->value;
            continue;
        }
        float lo = (float)pi->lo, span = (float)(pi->hi - pi->lo);
        for (int64_t b = 0; b < p->B; b++)
            for (int64_t k = 0; k < K; k++) {
                int j = pm->first[i] + (pm->per_comp[i] ? (int)k : 0);
                /* static: the last step of the window (δHBV) */
                row[b * K + k] = lo + sigmoidf_(raw_row(p, raw, Tr, p->T - 1, b, P)[j]) * span;
                if (pi->mark == DG_PARAM_DYNAMIC && p->dyn)
                    for (int64_t t = 0; t < p->T; t++)
                        p->dyn[(t * np + i) * nc + b * K + k] =
                            lo + sigmoidf_(raw_row(p, raw, Tr, t, b, P)[j]) * span;
            }
    }
}

/* Component mean of output o at step t of basin b, in double. */
static double comp_mean(const DgPhys *p, const float *out, int o, int64_t t, int64_t b) {
    const float *row = out + (t * p->m->noutputs + o) * p->nc + b * p->ncomp;
    double s = 0;
    for (int64_t k = 0; k < p->ncomp; k++) s += row[k];
    return s / (double)p->ncomp;
}

void dgrt_phys_forward(DgPhys *p, int tape, double *all_series) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, B = p->B, W = p->warmup, R = p->T - W, np = m->nparams, ni = m->ninputs;
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = nc;
    r.ncomp = p->ncomp;
    r.nsteps = 1;
    r.params = p->params;
    r.netw = m->nnetw ? p->netw : NULL;
    // init: params -> states0
    DgRun ir = r;
    ir.states = p->states0;
    m->init[DG_F32](&ir);
    // warm-up: states0 -> states at the window's rho part; no tape, no gradient (δHBV spins up states)
    if (W > 0) {
        DgRun w = r;
        w.nsteps = W;
        w.dyn_params = p->dyn;
        w.forcing = p->forcing;
        w.states = p->states0;
        w.out = p->out;
        m->run_fwd[DG_F32](&w);
    }
    // the steps that count: from states0, with the tape when training
    memcpy(p->states, p->states0, sizeof(float) * (size_t)(m->nstates * nc));
    DgRun f = r;
    f.nsteps = R;
    f.dyn_params = p->dyn ? p->dyn + W * np * nc : NULL;
    f.forcing = p->forcing + W * ni * B;
    f.states = p->states;
    f.out = p->out;
    f.tape = tape ? p->tape : NULL;
    m->run_fwd[DG_F32](&f);
    // prologue: routing weights from component 0 of every basin
    if (m->nweights > 0) {
        for (int i = 0; i < np; i++)
            for (int64_t b = 0; b < B; b++) p->bparams[i * B + b] = p->params[i * nc + b * p->ncomp];
        DgRun pr = r;
        pr.ncells = B;
        pr.ncomp = 1;
        pr.params = p->bparams;
        pr.out = p->weights;
        m->prologue[DG_F32](&pr);
    }
    // target series: component mean, then the unit hydrograph when the output is routed
    const DgOutputInfo *oi = &m->outputs[p->target];
    double *x = mallocCheck(sizeof(double) * (size_t)(2 * R + 1)), *y = x + R;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t t = 0; t < R; t++) x[t] = comp_mean(p, p->out, p->target, t, b);
        if (oi->route_weights >= 0 && oi->route_len > 0) {
            double w[oi->route_len];
            for (int j = 0; j < oi->route_len; j++) w[j] = p->weights[(oi->route_weights + j) * B + b];
            dgrt_route_forward(y, x, w, R, oi->route_len);
            for (int64_t t = 0; t < R; t++) p->sim[t * B + b] = y[t];
        } else {
            for (int64_t t = 0; t < R; t++) p->sim[t * B + b] = x[t];
        }
    }
    free(x);
    // every output (simulate): the runtime's double series operators
    if (all_series) {
        size_t n = (size_t)(R * m->noutputs * nc);
        double *od = mallocCheck(sizeof(double) * (n + 1));
        double *wd = mallocCheck(sizeof(double) * (size_t)(m->nweights * B + 1));
        for (size_t i = 0; i < n; i++) od[i] = p->out[i];
        for (int64_t i = 0; i < m->nweights * B; i++) wd[i] = p->weights[i];
        dgrt_series_forward(m, R, B, p->ncomp, od, wd, all_series);
        free(od);
        free(wd);
    }
}

/* In the exact reverse order of dgrt_phys_forward (the warm-up and init get no gradient). */
void dgrt_phys_backward(DgPhys *p, const DgParamMap *pm, const float *raw, float *draw, int Tr, int P) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, B = p->B, K = p->ncomp, W = p->warmup, R = p->T - W, np = m->nparams, ni = m->ninputs;
    int no = m->noutputs, o = p->target;
    memset(p->dout, 0, sizeof(float) * (size_t)(R * no * nc));
    memset(p->dparams, 0, sizeof(float) * (size_t)(np * nc));
    if (p->ddyn) memset(p->ddyn, 0, sizeof(float) * (size_t)(R * np * nc));
    memset(p->dstates, 0, sizeof(float) * (size_t)(m->nstates * nc)); /* d final states = 0 */
    memset(p->dweights, 0, sizeof(float) * (size_t)(m->nweights * B));
    memset(p->dbparams, 0, sizeof(float) * (size_t)(np * B));
    memset(p->dnetw, 0, sizeof(float) * (size_t)m->nnetw);
    // series: dsim -> d routing weights, d component mean -> dout of every component
    const DgOutputInfo *oi = &m->outputs[o];
    int routed = oi->route_weights >= 0 && oi->route_len > 0;
    double *buf = mallocCheck(sizeof(double) * (size_t)(3 * R + 1)), *x = buf, *dy = buf + R,
           *dx = buf + 2 * R;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t t = 0; t < R; t++) {
            dy[t] = p->dsim[t * B + b];
            dx[t] = 0;
        }
        if (routed) {
            double w[oi->route_len], dw[oi->route_len];
            for (int j = 0; j < oi->route_len; j++) {
                w[j] = p->weights[(oi->route_weights + j) * B + b];
                dw[j] = 0;
            }
            for (int64_t t = 0; t < R; t++) x[t] = comp_mean(p, p->out, o, t, b);
            dgrt_route_backward(dx, dw, dy, x, w, R, oi->route_len);
            for (int j = 0; j < oi->route_len; j++)
                p->dweights[(oi->route_weights + j) * B + b] += (float)dw[j];
        } else {
            memcpy(dx, dy, sizeof(double) * (size_t)R);
        }
        for (int64_t t = 0; t < R; t++) {
            float g = (float)(dx[t] / (double)K);
            float *row = p->dout + (t * no + o) * nc + b * K;
            for (int64_t k = 0; k < K; k++) row[k] = g;
        }
    }
    free(buf);
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = nc;
    r.ncomp = K;
    r.nsteps = 1;
    r.params = p->params;
    r.netw = m->nnetw ? p->netw : NULL;
    r.dnetw = m->nnetw ? p->dnetw : NULL;
    // prologue: d routing weights -> d params of component 0 (per basin)
    if (m->nweights > 0) {
        DgRun pr = r;
        pr.ncells = B;
        pr.ncomp = 1;
        pr.params = p->bparams;
        pr.dout = p->dweights;
        pr.dparams = p->dbparams;
        m->prologue_rev[DG_F32](&pr);
    }
    // run over the rho steps: dout -> dparams (static), ddyn (dynamic), dstates = d(states at the window start)
    DgRun rr = r;
    rr.nsteps = R;
    rr.dyn_params = p->dyn ? p->dyn + W * np * nc : NULL;
    rr.forcing = p->forcing + W * ni * B;
    rr.tape = p->tape;
    rr.dout = p->dout;
    rr.dparams = p->dparams;
    rr.ddyn_params = p->ddyn;
    rr.dstates = p->dstates;
    m->run_rev[DG_F32](&rr);
    // without a warm-up the window starts from init(params): the initial states' gradient
    // counts too (with a warm-up, states are spun up without gradient, as δHBV)
    if (W == 0) {
        DgRun iv = r;
        iv.dstates = p->dstates;
        iv.dparams = p->dparams;
        m->init_rev[DG_F32](&iv);
    }
    // d theta -> d raw: theta = lo + sigmoid(raw) (hi - lo), dtheta/draw = (hi - lo) s (1 - s)
    for (int i = 0; i < m->nparams; i++) {
        if (pm->first[i] < 0) continue;
        const DgParamInfo *pi = &m->params[i];
        float span = (float)(pi->hi - pi->lo);
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < K; k++) {
                int64_t c = b * K + k;
                int j = pm->first[i] + (pm->per_comp[i] ? (int)k : 0);
                float g = p->dparams[i * nc + c] + (k == 0 ? p->dbparams[i * B + b] : 0.0f);
                int64_t tl = p->T - 1, rl = Tr == 1 ? 0 : tl;
                float s = sigmoidf_(raw_row(p, raw, Tr, tl, b, P)[j]);
                draw[(rl * p->Btot + p->b0 + b) * P + j] += g * span * s * (1 - s);
                if (pi->mark != DG_PARAM_DYNAMIC || !p->ddyn) continue;
                for (int64_t t = W; t < p->T; t++) {
                    float gd = p->ddyn[((t - W) * np + i) * nc + c];
                    if (gd == 0) continue;
                    int64_t row = Tr == 1 ? 0 : t;
                    float sd = sigmoidf_(raw_row(p, raw, Tr, t, b, P)[j]);
                    draw[(row * p->Btot + p->b0 + b) * P + j] += gd * span * sd * (1 - sd);
                }
            }
    }
}

// ---- Prediction (validation, simulate, eval) --------------------------------------------------------

enum { SHARD = 8 }; /* basins per physics shard (fixed, so results do not depend on the thread count) */

static int time_invariant(const DgNet *n, const DgModel *m) {
    return n->kind != DG_LEARN_LSTM && m->learn.nforcings == 0;
}

/* x (Tr, B, C): normalised forcings of day start[b] + t, then the attributes;
 * for direct calibration (C = 1) the table row of the basin (rows NULL: its index). */
static void assemble_inputs(float *x, const DgDataset *d, const int *bidx, const int64_t *start, int Tr,
                            int T, int B, const DgNet *net, const int *rows) {
    int nf = d->nf, na = d->na, C = nf + na;
    if (net->kind == DGRT_NET_TABLE) {
        for (int t = 0; t < Tr; t++)
            for (int b = 0; b < B; b++) x[(size_t)t * B + b] = (float)(rows ? rows[bidx[b]] : bidx[b]);
        return;
    }
    for (int t = 0; t < Tr; t++) {
        int64_t tt = Tr == 1 ? T - 1 : t;
        for (int b = 0; b < B; b++) {
            const DgBasin *bs = &d->basins[bidx[b]];
            float *row = x + ((size_t)t * B + b) * C;
            memcpy(row, bs->xf + (start[b] + tt) * nf, sizeof(float) * (size_t)nf);
            memcpy(row + nf, bs->xa, sizeof(float) * (size_t)na);
        }
    }
}

void dgrt_predict(const DgPredictor *pr, const DgDataset *d, const int *idx, int n, DgPeriod p,
                  int64_t warmup, double *sim, double *all) {
    const DgModel *m = pr->m;
    const DgNet *net = pr->net;
    int64_t nd = dgrt_period_days(p);
    int no = m->noutputs, C = net->C > 0 ? net->C : 1;
    /* basins per chunk: at most SHARD, fewer when the network's activations of a long period get big (~1 GB)
     */
    double per_basin =
        (double)(nd + warmup) * (net->kind == DG_LEARN_LSTM ? 12.0 * net->H * net->L : 4.0 * net->H + net->P);
    int nbmax = per_basin > 0 ? (int)(2.5e8 / per_basin) : SHARD;
    nbmax = nbmax < 1 ? 1 : nbmax > SHARD ? SHARD : nbmax;
    for (int c0 = 0, nb; c0 < n; c0 += nb) {
        /* a chunk: up to nbmax consecutive basins with the same warm-up (as many days as they have, at most
         * `warmup`) */
        const int *bidx = idx + c0;
        int64_t start[SHARD], W = -1;
        for (nb = 0; nb < nbmax && c0 + nb < n; nb++) {
            int64_t before = dgrt_basin_index(&d->basins[bidx[nb]], p.start),
                    w = before < warmup ? before : warmup;
            if (W >= 0 && w != W) break;
            W = w;
        }
        for (int b = 0; b < nb; b++) start[b] = dgrt_basin_index(&d->basins[bidx[b]], p.start) - W;
        int T = (int)(W + nd), Tr = time_invariant(net, m) ? 1 : T;
        float *x = mallocCheck(sizeof(float) * ((size_t)Tr * nb * C + 1));
        assemble_inputs(x, d, bidx, start, Tr, T, nb, net, pr->rows);
        DgNetActs acts;
        dgrt_net_acts_alloc(&acts, net, Tr, nb, 0);
        dgrt_net_forward(net, &acts, x, Tr, nb, 0, 0);
        DgPhys ph;
        dgrt_phys_alloc(&ph, m, nb, pr->ncomp, T, W, pr->target, 0);
        ph.netw = net->nnetw ? net->netw : NULL;
        dgrt_phys_set_forcing(&ph, d, bidx, start);
        dgrt_phys_set_params(&ph, pr->pm, acts.raw, Tr, net->P);
        double *a = all ? mallocCheck(sizeof(double) * (size_t)(nd * no * nb + 1)) : NULL;
        dgrt_phys_forward(&ph, 0, a);
        if (pr->theta) { /* static values; dynamic ones averaged over the period (after the warm-up) */
            int64_t np = m->nparams, K = pr->ncomp, nc = nb * K;
            for (int b = 0; b < nb; b++)
                for (int64_t i = 0; i < np; i++)
                    for (int64_t k = 0; k < K; k++) {
                        int64_t c = b * K + k;
                        double v = ph.params[i * nc + c];
                        if (m->params[i].mark == DG_PARAM_DYNAMIC && ph.dyn && nd > 0) {
                            v = 0;
                            for (int64_t t = W; t < T; t++) v += ph.dyn[(t * np + i) * nc + c];
                            v /= (double)nd;
                        }
                        pr->theta[((int64_t)(c0 + b) * np + i) * K + k] = v;
                    }
        }
        for (int64_t t = 0; t < nd; t++)
            for (int b = 0; b < nb; b++) {
                sim[t * n + c0 + b] = ph.sim[t * nb + b];
                if (a)
                    for (int o = 0; o < no; o++) all[(t * no + o) * n + c0 + b] = a[(t * no + o) * nb + b];
            }
        free(a);
        dgrt_phys_free(&ph);
        dgrt_net_acts_free(&acts);
        free(x);
    }
}

// ---- Trainer: setup ---------------------------------------------------------------------------------

static uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t ncomp_of(const DgModel *m, const DgTrainConfig *c) {
    return c->components > 0 ? c->components : (m->components > 0 ? m->components : 1);
}

/* The days the run reads: training period, and validation/test with their warm-up. */
static void data_range(const DgTrainConfig *c, int32_t *first, int32_t *last) {
    const DgPeriod ps[3] = {c->train, c->valid, c->test};
    *first = INT32_MAX;
    *last = INT32_MIN;
    for (int i = 0; i < 3; i++) {
        if (!dgrt_period_set(ps[i])) continue;
        int32_t s = ps[i].start - (i == 0 ? 0 : (int32_t)c->warmup);
        if (s < *first) *first = s;
        if (ps[i].end > *last) *last = ps[i].end;
    }
}

int dgrt_config_load_data(DgDataset *d, const DgModel *m, const DgTrainConfig *c, int32_t first, int32_t last,
                          DgrtErr *err) {
    if (!c->basins[0])
        return dgrt_fail(err, DGRT_EXIT_USAGE,
                         "give --basins 01031500,01022500 or --basins FILE (one id per line)", "no basins");
    char **ids;
    int n;
    if (dgrt_basins_parse(c->basins, &ids, &n, err)) return err->code;
    DgMap maps[DGRT_MAX_MAPS];
    char names[DGRT_MAX_MAPS][128];
    for (int i = 0; i < c->nmaps; i++) {
        const char *e = strchr(c->maps[i], '=');
        snprintf(names[i], sizeof names[i], "%.*s", (int)(e - c->maps[i]), c->maps[i]);
        maps[i].name = names[i];
        maps[i].column = e + 1;
    }
    DgDataSource src = {c->data, c->forcing_csv, c->obs_column, c->attributes_csv, maps, c->nmaps, c->attributes};
    int rc = dgrt_dataset_load_source(d, m, &src, ids, n, first, last, err);
    for (int i = 0; i < n; i++) free(ids[i]);
    free(ids);
    return rc;
}

void dgrt_trainer_free(DgTrainer *tr) {
    dgrt_dataset_free(&tr->data);
    free(tr->train_idx);
    free(tr->valid_idx);
    free(tr->obs_std);
    dgrt_param_map_free(&tr->pm);
    dgrt_net_free(&tr->net);
    dgrt_net_acts_free(&tr->acts);
    for (int s = 0; s < tr->nshards; s++) dgrt_phys_free(&tr->shards[s]);
    free(tr->shards);
    dgrt_optim_free(&tr->opt);
    free(tr->x);
    free(tr->draw);
    free(tr->obs);
    free(tr->batch_basin);
    free(tr->batch_start);
    free(tr->bstd);
    free(tr->sim);
    free(tr->dsim);
    memset(tr, 0, sizeof *tr);
}

int dgrt_trainer_init(DgTrainer *tr, const DgModel *m, const DgTrainConfig *cfg, FILE *errf, DgrtErr *err) {
    memset(tr, 0, sizeof *tr);
    tr->cfg = *cfg;
    tr->m = m;
    tr->ncomp = ncomp_of(m, cfg);
    tr->best_metric = NAN;
    tr->best_epoch = -1;
    char ps[32];
    if (dgrt_check_kernels(m, DG_F32, 1, err)) return err->code;
    if ((tr->target = dgrt_target_output(m, cfg->target, err)) < 0) return err->code;
    if (dgrt_param_map_build(&tr->pm, m, tr->ncomp, err)) return err->code;
    if (tr->pm.nout == 0 && m->nnetw == 0)
        return dgrt_fail(err, DGRT_EXIT_FAIL,
                         "mark parameters learned or dynamic and add `learn params by ...`",
                         "model '%s' has nothing to train: no trained parameter and no network", m->name);
    if (!dgrt_period_set(cfg->train))
        return dgrt_fail(err, DGRT_EXIT_USAGE, "give --train START:END, e.g. --train 1980-10-01:1995-09-30",
                         "no training period");
    tr->T = (int)(cfg->warmup + cfg->rho);
    tr->B = (int)cfg->batch;
    if (dgrt_period_days(cfg->train) < tr->T)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "lengthen the training period or shorten --rho/--warmup",
                         "the training period %s has %lld days; a window needs warmup + rho = %d",
                         dgrt_period_format(cfg->train, ps), (long long)dgrt_period_days(cfg->train), tr->T);
    // data: every basin over the days of the three periods
    int32_t first, last;
    data_range(cfg, &first, &last);
    if (dgrt_config_load_data(&tr->data, m, cfg, first, last, err)) return err->code;
    DgDataset *d = &tr->data;
    tr->train_idx = NEW(int, d->nbasins);
    tr->valid_idx = NEW(int, d->nbasins);
    tr->ntrain = dgrt_dataset_select(d, cfg->train, "training", 1, tr->train_idx, errf);
    if (tr->ntrain == 0) {
        const DgBasin *b = &d->basins[0];
        char a[16], e[16];
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "choose a training period inside the basins' records (warnings above)",
                         "no basin covers the training period %s (e.g. '%s' covers %s to %s)",
                         dgrt_period_format(cfg->train, ps), b->forcing_path, dgrt_format_date(b->day0, a),
                         dgrt_format_date(b->day0 + (int32_t)(b->ndays ? b->ndays - 1 : 0), e));
    }
    if (dgrt_period_set(cfg->valid)) {
        tr->nvalid = dgrt_dataset_select(d, cfg->valid, "validation", 1, tr->valid_idx, errf);
        dgrt_dataset_warn_warmup(d, tr->valid_idx, tr->nvalid, cfg->valid, cfg->warmup, "validation", errf);
    }
    // normalisation: the training basins and days only
    dgrt_norm_compute(&d->norm, d, tr->train_idx, tr->ntrain, cfg->train);
    dgrt_dataset_normalise(d);
    // std of the training observations of every basin (NSE-batch loss)
    tr->obs_std = NEW(double, d->nbasins);
    for (int i = 0; i < tr->ntrain; i++) {
        const DgBasin *b = &d->basins[tr->train_idx[i]];
        int64_t t0 = dgrt_basin_index(b, cfg->train.start), t1 = dgrt_basin_index(b, cfg->train.end);
        dgrt_obs_std(&tr->obs_std[tr->train_idx[i]], b->obs + t0, t1 - t0 + 1, 1);
    }
    // network, its activations for one batch, the physics shards
    if (dgrt_net_is_table(m, &tr->pm)) dgrt_net_build_table(&tr->net, m, &tr->pm, d->nbasins);
    else dgrt_net_build(&tr->net, m, tr->pm.nout, cfg->seed);
    dgrt_net_set_step_outputs(&tr->net, m, &tr->pm);
    dgrt_net_alloc_grads(&tr->net);
    tr->Tr = time_invariant(&tr->net, m) ? 1 : tr->T;
    dgrt_net_acts_alloc(&tr->acts, &tr->net, tr->Tr, tr->B, 1);
    int C = tr->net.C > 0 ? tr->net.C : 1, P = tr->net.P > 0 ? tr->net.P : 1;
    tr->x = NEW(float, (size_t)tr->Tr * tr->B * C);
    tr->draw = NEW(float, (size_t)tr->Tr * tr->B * P);
    int64_t R = cfg->rho;
    tr->obs = NEW(double, R * tr->B);
    tr->sim = NEW(double, R * tr->B);
    tr->dsim = NEW(double, R * tr->B);
    tr->bstd = NEW(double, tr->B);
    tr->batch_basin = NEW(int, tr->B);
    tr->batch_start = NEW(int64_t, tr->B);
    tr->nshards = (tr->B + SHARD - 1) / SHARD;
    tr->shards = NEW(DgPhys, tr->nshards);
    for (int s = 0; s < tr->nshards; s++) {
        int b0 = s * SHARD, nb = tr->B - b0 < SHARD ? tr->B - b0 : SHARD;
        dgrt_phys_alloc(&tr->shards[s], m, nb, tr->ncomp, tr->T, cfg->warmup, tr->target, 1);
        tr->shards[s].b0 = b0;
        tr->shards[s].Btot = tr->B;
        tr->shards[s].netw = m->nnetw ? tr->net.netw : NULL;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    tr->nthreads = (int)(cfg->threads > 0 ? cfg->threads : (ncpu > 0 ? ncpu : 1));
    if (tr->nthreads > tr->nshards) tr->nthreads = tr->nshards;
    // the network layers' own threads (nn.h): BLAS calls single-threaded inside them
    dgrt_nn_set_threads((int)(cfg->threads > 0 ? cfg->threads : (ncpu > 0 ? ncpu : 1)));
    // optimiser, schedule, loss
    DgOptimKind ok;
    dgrt_optim_parse(cfg->optimizer, &ok);
    DgOptimConfig oc = dgrt_optim_defaults(ok);
    oc.weight_decay = (float)cfg->weight_decay;
    oc.momentum = (float)cfg->momentum;
    dgrt_optim_init(&tr->opt, &oc, tr->net.num_params);
    DgLrKind lk;
    dgrt_lr_parse(cfg->lr_schedule, &lk);
    tr->sched.kind = lk;
    tr->sched.base_lr = isnan(cfg->lr) ? dgrt_optim_default_lr(ok) : cfg->lr;
    tr->sched.step_size = cfg->lr_step;
    tr->sched.gamma = cfg->lr_gamma;
    tr->sched.total_epochs = cfg->epochs;
    tr->sched.warmup_epochs = cfg->lr_warmup;
    tr->sched.warmup_start = 0.1;
    tr->sched.min_lr = cfg->lr_min;
    DgLossKind lossk = DGRT_LOSS_RMSE_COMB;
    if (!strcmp(cfg->loss, "nse")) lossk = DGRT_LOSS_NSE_BATCH;
    else if (!strcmp(cfg->loss, "kge")) lossk = DGRT_LOSS_KGE_BATCH;
    else dgrt_loss_parse(cfg->loss, &lossk);
    tr->loss = dgrt_loss_defaults(lossk);
    tr->loss.obs_std = tr->bstd;
    // batches: RNG from the seed; iterations per epoch: MHPI's rule (hydroDL), enough random windows
    // that a given training day is drawn with probability 0.99: n = ceil(ln 0.01 / ln(1 - B rho / days))
    tr->rng.s = mix64(cfg->seed ^ 0xD6C0FFEEULL);
    if (cfg->iters_per_epoch > 0) {
        tr->iters_per_epoch = cfg->iters_per_epoch;
    } else {
        int64_t days = 0;
        for (int i = 0; i < tr->ntrain; i++) days += dgrt_period_days(cfg->train);
        double share = (double)tr->B * R / (double)(days > 0 ? days : 1);
        tr->iters_per_epoch = share >= 1 ? 1 : (int64_t)ceil(log(0.01) / log1p(-share));
        if (tr->iters_per_epoch < 1) tr->iters_per_epoch = 1;
    }
    return 0;
}

// ---- Trainer: one iteration ------------------------------------------------------------------------

typedef struct {
    DgTrainer *tr;
    int tid, op; /* op 0: forward, 1: backward */
} ShardJob;

static void shard_run(DgTrainer *tr, int s, int op) {
    DgPhys *ph = &tr->shards[s];
    int P = tr->net.P > 0 ? tr->net.P : 1;
    if (op == 0) {
        dgrt_phys_set_forcing(ph, &tr->data, tr->batch_basin + ph->b0, tr->batch_start + ph->b0);
        dgrt_phys_set_params(ph, &tr->pm, tr->acts.raw, tr->Tr, P);
        dgrt_phys_forward(ph, 1, NULL);
    } else {
        dgrt_phys_backward(ph, &tr->pm, tr->acts.raw, tr->draw, tr->Tr, P);
    }
}

static void *shard_worker(void *arg) {
    ShardJob *j = arg;
    dgrt_fpenv_thread();   /* subnormals flushed as on the main thread (fpenv.h) */
    for (int s = j->tid; s < j->tr->nshards; s += j->tr->nthreads) shard_run(j->tr, s, j->op);
    return NULL;
}

/* Every shard, spread over the threads (shard s on thread s mod nthreads). */
static void run_shards(DgTrainer *tr, int op) {
    int nt = tr->nthreads;
    if (nt <= 1) {
        for (int s = 0; s < tr->nshards; s++) shard_run(tr, s, op);
        return;
    }
    pthread_t th[nt];
    ShardJob jobs[nt];
    for (int t = 0; t < nt; t++) jobs[t] = (ShardJob){tr, t, op};
    int started[nt];
    for (int t = 1; t < nt; t++) started[t] = pthread_create(&th[t], NULL, shard_worker, &jobs[t]) == 0;
    shard_worker(&jobs[0]);
    for (int t = 1; t < nt; t++) {
        if (started[t]) pthread_join(th[t], NULL);
        else shard_worker(&jobs[t]); /* could not start a thread: do its shards here */
    }
}

/* The next batch: B training basins at random (with replacement), a random
 * window of T days inside the training period for each; their network inputs
 * and observations. */
void dgrt_trainer_next_batch(DgTrainer *tr) {
    const DgTrainConfig *cfg = &tr->cfg;
    const DgDataset *d = &tr->data;
    int B = tr->B, T = tr->T, W = (int)cfg->warmup;
    int64_t R = cfg->rho;
    for (int b = 0; b < B; b++) {
        int bi = tr->train_idx[dgrt_rng_u64(&tr->rng) % (uint64_t)tr->ntrain];
        const DgBasin *bs = &d->basins[bi];
        int64_t s0 = dgrt_basin_index(bs, cfg->train.start), s1 = dgrt_basin_index(bs, cfg->train.end);
        uint64_t span = (uint64_t)(s1 - s0 + 1 - T + 1);
        tr->batch_basin[b] = bi;
        tr->batch_start[b] = s0 + (int64_t)(dgrt_rng_u64(&tr->rng) % span);
    }
    assemble_inputs(tr->x, d, tr->batch_basin, tr->batch_start, tr->Tr, T, B, &tr->net, NULL);
    for (int b = 0; b < B; b++) {
        const DgBasin *bs = &d->basins[tr->batch_basin[b]];
        for (int64_t t = 0; t < R; t++) tr->obs[t * B + b] = bs->obs[tr->batch_start[b] + W + t];
        tr->bstd[b] = tr->obs_std[tr->batch_basin[b]];
    }
}

/* Network forward (dropout masks from the seed and the iteration), then the
 * physics: raw -> theta -> init, warm-up, rho with tape -> sim; returns the loss. */
double dgrt_trainer_forward(DgTrainer *tr) {
    int B = tr->B;
    int64_t R = tr->cfg.rho;
    double t0 = now_s();
    uint64_t dseed = mix64(tr->cfg.seed ^ mix64((uint64_t)tr->iter + 1));
    dgrt_net_forward(&tr->net, &tr->acts, tr->x, tr->Tr, B, 1, dseed);
    double t1 = now_s();
    run_shards(tr, 0);
    for (int s = 0; s < tr->nshards; s++) {
        const DgPhys *ph = &tr->shards[s];
        for (int64_t t = 0; t < R; t++)
            for (int64_t b = 0; b < ph->B; b++) tr->sim[t * B + ph->b0 + b] = ph->sim[t * ph->B + b];
    }
    // loss vs the observations (missing ones masked)
    double loss = dgrt_loss_forward(&tr->loss, tr->sim, tr->obs, R, B);
    tr->t_net += t1 - t0;
    tr->t_phys += now_s() - t1;
    return loss;
}

void dgrt_trainer_zero_grad(DgTrainer *tr) { memset(tr->net.grads, 0, sizeof(float) * tr->net.num_params); }

/* In the exact reverse order of dgrt_trainer_forward; grads += d loss / d weights. */
void dgrt_trainer_backward(DgTrainer *tr) {
    int B = tr->B, T = tr->T, W = (int)tr->cfg.warmup;
    int64_t R = tr->cfg.rho;
    double t0 = now_s();
    // loss: dsim = d loss / d sim
    memset(tr->dsim, 0, sizeof(double) * (size_t)(R * B));
    dgrt_loss_backward(&tr->loss, tr->dsim, tr->sim, tr->obs, R, B, 1.0);
    // physics: dsim -> series adjoint -> prologue_rev, run_rev -> d theta -> draw
    for (int s = 0; s < tr->nshards; s++) {
        DgPhys *ph = &tr->shards[s];
        for (int64_t t = 0; t < R; t++)
            for (int64_t b = 0; b < ph->B; b++) ph->dsim[t * ph->B + b] = tr->dsim[t * B + ph->b0 + b];
    }
    memset(tr->draw, 0, sizeof(float) * (size_t)tr->Tr * B * (tr->net.P > 0 ? tr->net.P : 1));
    run_shards(tr, 1);
    double t1 = now_s();
    // network: draw -> grads, from the first row that has a gradient (static only: the last step)
    size_t row0 = tr->Tr == 1 ? 0 : (size_t)(tr->pm.any_dynamic ? W : T - 1) * B;
    dgrt_net_backward(&tr->net, &tr->acts, tr->x, tr->draw, tr->Tr, B, row0);
    // in-equation network weights: the shards' gradients, summed in shard order
    for (int s = 0; s < tr->nshards; s++)
        for (int i = 0; i < tr->net.nnetw; i++) tr->net.dnetw[i] += tr->shards[s].dnetw[i];
    tr->t_phys += t1 - t0;
    tr->t_net += now_s() - t1;
}

/* Clip the global gradient norm, then one optimiser step (skipped when the
 * norm is not finite). Returns the norm before clipping. */
double dgrt_trainer_update(DgTrainer *tr, float lr) {
    double t0 = now_s();
    float norm = dgrt_clip_grad_norm(tr->net.grads, tr->net.num_params,
                                     tr->cfg.clip > 0 ? (float)tr->cfg.clip : INFINITY);
    if (isfinite(norm)) dgrt_optim_step(&tr->opt, tr->net.params, tr->net.grads, tr->net.num_params, lr);
    tr->t_net += now_s() - t0;
    return norm;
}

double dgrt_train_step(DgTrainer *tr, float lr, double *gnorm) {
    double t0 = now_s();
    dgrt_trainer_next_batch(tr);
    tr->t_other += now_s() - t0;
    double loss = dgrt_trainer_forward(tr);
    dgrt_trainer_zero_grad(tr);
    dgrt_trainer_backward(tr);
    double norm = isfinite(loss) ? dgrt_trainer_update(tr, lr) : NAN;
    if (gnorm) *gnorm = norm;
    tr->iter++;
    tr->timed_iters++;
    return loss;
}

// ---- Trainer: validation, checkpoints ---------------------------------------------------------------

/* Median NSE (and KGE) of the validation basins over the validation period. */
static double validate(DgTrainer *tr, double *kge_med) {
    const DgTrainConfig *cfg = &tr->cfg;
    int n = tr->nvalid;
    int64_t nd = dgrt_period_days(cfg->valid);
    double *sim = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    double *obs = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    DgPredictor pr = {.m = tr->m, .net = &tr->net, .pm = &tr->pm, .ncomp = tr->ncomp, .target = tr->target};
    dgrt_predict(&pr, &tr->data, tr->valid_idx, n, cfg->valid, cfg->warmup, sim, NULL);
    for (int b = 0; b < n; b++) {
        const DgBasin *bs = &tr->data.basins[tr->valid_idx[b]];
        int64_t t0 = dgrt_basin_index(bs, cfg->valid.start);
        for (int64_t t = 0; t < nd; t++) obs[t * n + b] = bs->obs[t0 + t];
    }
    DgMetrics *mt = mallocCheck(sizeof(DgMetrics) * (size_t)n), med;
    dgrt_metrics_batch(mt, sim, obs, nd, n);
    dgrt_metrics_median(&med, mt, n);
    free(mt);
    free(sim);
    free(obs);
    *kge_med = med.kge;
    return med.nse;
}

/* "dir/ck.bin" -> "dir/ck.best.bin"; "ck" -> "ck.best" */
static void best_path(const char *path, char *out, size_t size) {
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (dot && (!slash || dot > slash + 1)) snprintf(out, size, "%.*s.best%s", (int)(dot - path), path, dot);
    else snprintf(out, size, "%s.best", path);
}

static int save_checkpoint(DgTrainer *tr, const char *path, DgrtErr *err) {
    DgCheckpoint ck;
    memset(&ck, 0, sizeof ck);
    ck.model = (char *)tr->m->name;
    ck.signature = dgrt_model_signature(tr->m, tr->ncomp);
    ck.config = dgrt_train_config_format(&tr->cfg);
    ck.norm = tr->data.norm;
    ck.nweights = tr->net.num_params;
    ck.weights = tr->net.params;
    ck.opt_kind = (int32_t)tr->opt.cfg.kind;
    ck.opt_t = tr->opt.t;
    ck.opt_nbuf = tr->opt.nbuf;
    ck.opt_n = tr->opt.n;
    ck.opt_memory = tr->opt.memory;
    ck.epoch = tr->epoch;
    ck.iter = tr->iter;
    ck.best_epoch = tr->best_epoch;
    ck.bad_epochs = tr->bad_epochs;
    ck.best_metric = tr->best_metric;
    ck.nrng = 1;
    ck.rng[0] = tr->rng.s;
    int rc = dgrt_checkpoint_write(&ck, path, err);
    free(ck.signature);
    free(ck.config);
    return rc;
}

/* --resume: weights, optimiser state, progress and RNG from the checkpoint. */
static int load_progress(DgTrainer *tr, const DgCheckpoint *ck, const char *path, DgrtErr *err) {
    const char *hint = "the checkpoint belongs to another configuration; train anew without --resume";
    if (ck->nweights != tr->net.num_params)
        return dgrt_fail(err, DGRT_EXIT_DATA, hint, "checkpoint '%s' has %llu network weights, this run %zu",
                         path, (unsigned long long)ck->nweights, tr->net.num_params);
    if (ck->opt_kind != (int32_t)tr->opt.cfg.kind || ck->opt_nbuf != tr->opt.nbuf ||
        (ck->opt_nbuf > 0 && ck->opt_n != tr->opt.n))
        return dgrt_fail(err, DGRT_EXIT_DATA, hint,
                         "checkpoint '%s': the optimiser state does not fit this run", path);
    if (ck->norm.nf != tr->data.norm.nf || ck->norm.na != tr->data.norm.na)
        return dgrt_fail(err, DGRT_EXIT_DATA, hint,
                         "checkpoint '%s': the normalisation does not fit this run", path);
    memcpy(tr->net.params, ck->weights, sizeof(float) * tr->net.num_params);
    if (ck->opt_nbuf > 0)
        memcpy(tr->opt.memory, ck->opt_memory, sizeof(float) * (size_t)ck->opt_nbuf * ck->opt_n);
    tr->opt.t = ck->opt_t;
    tr->epoch = ck->epoch;
    tr->iter = ck->iter;
    tr->best_epoch = ck->best_epoch;
    tr->bad_epochs = ck->bad_epochs;
    tr->best_metric = ck->best_metric;
    if (ck->nrng >= 1) tr->rng.s = ck->rng[0];
    /* the stored statistics (identical data gives identical ones; these are the ones the weights saw) */
    DgNorm *n = &tr->data.norm;
    memcpy(n->ftransform, ck->norm.ftransform, sizeof(int32_t) * (size_t)n->nf);
    memcpy(n->fmean, ck->norm.fmean, sizeof(double) * (size_t)n->nf);
    memcpy(n->fstd, ck->norm.fstd, sizeof(double) * (size_t)n->nf);
    memcpy(n->amean, ck->norm.amean, sizeof(double) * (size_t)n->na);
    memcpy(n->astd, ck->norm.astd, sizeof(double) * (size_t)n->na);
    dgrt_dataset_normalise(&tr->data);
    return 0;
}

// ---- Trainer: the run ---------------------------------------------------------------------------------

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

static void fmt_duration(double s, char *buf, size_t size) {
    if (!(s >= 0) || s > 1e7) snprintf(buf, size, "?");
    else if (s >= 3600) snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

static void describe(const DgTrainer *tr, FILE *out) {
    const DgModel *m = tr->m;
    const DgTrainConfig *c = &tr->cfg;
    int ndyn = 0, ncomp_level = 0, nbasin_level = 0;
    for (int i = 0; i < m->nparams; i++) {
        if (tr->pm.first[i] < 0) continue;
        if (tr->pm.per_comp[i]) ncomp_level++;
        else nbasin_level++;
        ndyn += m->params[i].mark == DG_PARAM_DYNAMIC;
    }
    char tp[32], vp[32];
    fprintf(out, "%s: training on %d basin%s over %s", m->name, tr->ntrain, tr->ntrain == 1 ? "" : "s",
            dgrt_period_format(c->train, tp));
    if (dgrt_period_set(c->valid))
        fprintf(out, ", validating on %d over %s", tr->nvalid, dgrt_period_format(c->valid, vp));
    fprintf(out, "\n");
    const DgNet *n = &tr->net;
    if (n->kind == DG_LEARN_LSTM)
        fprintf(out, "  network: LSTM %d inputs -> %d hidden x %d layer%s (dropout %g) -> %d outputs", n->C,
                n->H, n->L, n->L == 1 ? "" : "s", n->dropout, n->P);
    else if (n->kind == DG_LEARN_MLP)
        fprintf(out, "  network: MLP %d inputs -> %d hidden x %d -> %d outputs", n->C, n->H, n->L, n->P);
    else if (n->kind == DGRT_NET_TABLE)
        fprintf(out, "  no parameter network: direct calibration per basin (%d basin%s)", n->nrows,
                n->nrows == 1 ? "" : "s");
    if (n->kind != DG_LEARN_NONE)
        fprintf(out, " = %d parameters x %lld components + %d per basin (%d dynamic)", ncomp_level,
                (long long)tr->ncomp, nbasin_level, ndyn);
    else fprintf(out, "  no parameter network (parameters fixed)");
    if (n->nnetw)
        fprintf(out, "%s %d in-equation network weights", n->kind != DG_LEARN_NONE ? " +" : ";", n->nnetw);
    fprintf(out, "; %zu weights\n", n->num_params);
    fprintf(out,
            "  batch %d basins x (%lld warm-up + %lld) days, %lld iterations per epoch, %lld epochs; target "
            "'%s'\n",
            tr->B, (long long)c->warmup, (long long)c->rho, (long long)tr->iters_per_epoch,
            (long long)c->epochs, m->outputs[tr->target].name);
    fprintf(out,
            "  optimizer %s (lr %g, %s schedule), loss %s, clip %g; seed %llu, %d thread%s; checkpoint %s\n",
            c->optimizer, tr->sched.base_lr, c->lr_schedule, c->loss, c->clip, (unsigned long long)c->seed,
            tr->nthreads, tr->nthreads == 1 ? "" : "s", c->checkpoint);
    fflush(out);
}

int dgrt_train_run(const DgModel *m, DgTrainConfig *cfg, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    DgTrainer tr;
    DgCheckpoint ck;
    memset(&ck, 0, sizeof ck);
    int rc = 0, have_ck = 0;
    if (cfg->resume) {
        if (access(cfg->checkpoint, F_OK) != 0) {
            rc = dgrt_fail(&err, DGRT_EXIT_USAGE,
                           "leave out --resume to start a new run, or give --checkpoint FILE",
                           "--resume: checkpoint '%s' does not exist", cfg->checkpoint);
            dgrt_err_print(&err, errf);
            return rc;
        }
        if ((rc = dgrt_checkpoint_read(&ck, cfg->checkpoint, &err)) ||
            (rc = dgrt_checkpoint_check_model(&ck, cfg->checkpoint, m, ncomp_of(m, cfg), &err))) {
            dgrt_err_print(&err, errf);
            dgrt_checkpoint_free(&ck);
            return rc;
        }
        have_ck = 1;
    }
    if ((rc = dgrt_trainer_init(&tr, m, cfg, errf, &err)) ||
        (have_ck && (rc = load_progress(&tr, &ck, cfg->checkpoint, &err)))) {
        dgrt_err_print(&err, errf);
        dgrt_trainer_free(&tr);
        dgrt_checkpoint_free(&ck);
        return rc;
    }
    dgrt_checkpoint_free(&ck);
    describe(&tr, out);
    if (have_ck)
        fprintf(out, "resuming from '%s' after epoch %lld, iteration %lld\n", cfg->checkpoint,
                (long long)tr.epoch, (long long)tr.iter);
    int tty = isatty(fileno(out));
    char bpath[1100];
    best_path(cfg->checkpoint, bpath, sizeof bpath);
    interrupted = 0;
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old_sa);
    int64_t ipe = tr.iters_per_epoch, total = cfg->epochs * ipe, done_before = tr.iter;
    double t_start = now_s(), t_shown = 0;
    int stop = 0;
    // an untrained run (epochs 0, or nothing left) still writes its checkpoint
    if (tr.epoch >= cfg->epochs && !have_ck) rc = save_checkpoint(&tr, cfg->checkpoint, &err);
    for (int64_t epoch = tr.epoch; epoch < cfg->epochs && !stop && !rc; epoch++) {
        float lr = (float)dgrt_lr_at(&tr.sched, epoch);
        double sum = 0, t_epoch = now_s();
        int64_t cnt = 0;
        for (int64_t it = tr.iter - epoch * ipe; it < ipe; it++) {
            double gnorm;
            double loss = dgrt_train_step(&tr, lr, &gnorm);
            if (!isfinite(loss) || !isfinite(gnorm)) {
                if (tty) fputc('\n', out);
                rc = dgrt_fail(
                    &err, DGRT_EXIT_FAIL,
                    "lower the learning rate (--lr) or check the data; the last checkpoint is unchanged",
                    "the %s is not finite at epoch %lld, iteration %lld",
                    !isfinite(loss) ? "loss" : "gradient", (long long)epoch + 1, (long long)it + 1);
                break;
            }
            sum += loss;
            cnt++;
            double el = now_s() - t_start, per = el / (double)(tr.iter - done_before);
            char eta[32];
            fmt_duration(per * (double)(total - tr.iter), eta, sizeof eta);
            if (tty && (now_s() - t_shown > 0.1 || it + 1 == ipe)) { /* at most 10 updates a second */
                t_shown = now_s();
                fprintf(out, "\r\033[Kepoch %lld/%lld  iter %lld/%lld  loss %.4f  %.0f basins/s  ETA %s",
                        (long long)epoch + 1, (long long)cfg->epochs, (long long)it + 1, (long long)ipe,
                        sum / (double)cnt, per > 0 ? tr.B / per : 0.0, eta);
                fflush(out);
            } else if (cfg->log_every > 0 && (it + 1) % cfg->log_every == 0) {
                fprintf(out, "epoch %lld iter %lld/%lld: loss %.6f (grad norm %.3g), %.1f basins/s, ETA %s\n",
                        (long long)epoch + 1, (long long)it + 1, (long long)ipe, loss, gnorm,
                        per > 0 ? tr.B / per : 0.0, eta);
                fflush(out);
            }
            if (interrupted) break;
        }
        if (rc) break;
        if (interrupted) {
            if (tty) fputc('\n', out);
            rc = save_checkpoint(&tr, cfg->checkpoint, &err);
            if (!rc)
                fprintf(out,
                        "interrupted in epoch %lld after iteration %lld; checkpoint '%s' written: continue "
                        "with --resume\n",
                        (long long)epoch + 1, (long long)(tr.iter - epoch * ipe), cfg->checkpoint);
            if (!rc) rc = 130;
            break;
        }
        tr.epoch = epoch + 1;
        if (tty) fputs("\r\033[K", out); /* the epoch line replaces the progress line */
        fprintf(out, "epoch %lld/%lld: loss %.6f, lr %g, %.1f s", (long long)epoch + 1,
                (long long)cfg->epochs, cnt ? sum / (double)cnt : NAN, lr, now_s() - t_epoch);
        if (tr.nvalid > 0 && (epoch + 1) % cfg->valid_every == 0) {
            double kge, nse = validate(&tr, &kge);
            fprintf(out, "; valid NSE %.4f KGE %.4f (median of %d)", nse, kge, tr.nvalid);
            if (isnan(tr.best_metric) || nse > tr.best_metric) {
                tr.best_metric = nse;
                tr.best_epoch = tr.epoch;
                tr.bad_epochs = 0;
                rc = save_checkpoint(&tr, bpath, &err);
                fprintf(out, " *best*");
            } else {
                tr.bad_epochs++;
                if (cfg->patience > 0 && tr.bad_epochs >= cfg->patience) stop = 1;
            }
        }
        fputc('\n', out);
        fflush(out);
        if (!rc) rc = save_checkpoint(&tr, cfg->checkpoint, &err);
        if (stop)
            fprintf(
                out,
                "early stop: no better validation NSE for %lld validations (best %.4f after epoch %lld)\n",
                (long long)tr.bad_epochs, tr.best_metric, (long long)tr.best_epoch);
    }
    sigaction(SIGINT, &old_sa, NULL);
    if (rc && rc != 130) dgrt_err_print(&err, errf);
    if (tr.timed_iters > 0) {
        double k = 1.0 / (double)tr.timed_iters, all = (tr.t_net + tr.t_phys + tr.t_other) * k;
        fprintf(out,
                "time per iteration: %.4f s = network %.4f s + physics %.4f s + batching %.4f s (%lld "
                "iterations, %.1f basins/s)\n",
                all, tr.t_net * k, tr.t_phys * k, tr.t_other * k, (long long)tr.timed_iters,
                all > 0 ? tr.B / all : 0.0);
    }
    if (!rc) {
        /* the digest lets a user (and test) see that two runs, e.g. on different thread counts, agree bit for bit */
        fprintf(out, "checkpoint: %s (weights crc32 %08x, optimiser %08x)", cfg->checkpoint,
                dgrt_crc32(tr.net.params, tr.net.num_params * sizeof(float)),
                dgrt_crc32(tr.opt.memory, tr.opt.nbuf * tr.opt.n * sizeof(float)));
        if (tr.best_epoch >= 0)
            fprintf(out, "; best validation NSE %.4f after epoch %lld: %s", tr.best_metric,
                    (long long)tr.best_epoch, bpath);
        fprintf(out, "\n");
    }
    dgrt_trainer_free(&tr);
    return rc;
}

// ---- Restoring a trained run (simulate, eval) -----------------------------------------------------------

int dgrt_restore(DgRestored *r, const DgModel *m, const char *path, DgrtErr *err) {
    memset(r, 0, sizeof *r);
    if (dgrt_checkpoint_read(&r->ck, path, err)) return err->code;
    dgrt_train_config_defaults(&r->cfg);
    char src[1100];
    snprintf(src, sizeof src, "checkpoint '%s', config", path);
    int rc;
    if ((rc = dgrt_train_config_text(&r->cfg, r->ck.config, src, err))) goto fail;
    r->ncomp = ncomp_of(m, &r->cfg);
    if ((rc = dgrt_checkpoint_check_model(&r->ck, path, m, r->ncomp, err))) goto fail;
    if ((rc = dgrt_check_kernels(m, DG_F32, 0, err))) goto fail;
    if ((r->target = dgrt_target_output(m, r->cfg.target, err)) < 0) {
        rc = err->code;
        goto fail;
    }
    if ((rc = dgrt_param_map_build(&r->pm, m, r->ncomp, err))) goto fail;
    if (dgrt_net_is_table(m, &r->pm)) { /* direct calibration: one row per basin of the training run */
        int nrows;
        if ((rc = dgrt_basins_parse(r->cfg.basins, &r->row_ids, &nrows, err))) goto fail;
        dgrt_net_build_table(&r->net, m, &r->pm, nrows);
    } else {
        dgrt_net_build(&r->net, m, r->pm.nout, r->cfg.seed);
        dgrt_net_set_step_outputs(&r->net, m, &r->pm);
    }
    if (r->ck.nweights != r->net.num_params || r->ck.norm.nf != m->learn.nforcings ||
        r->ck.norm.na != m->learn.nattributes) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "the checkpoint is damaged or from another runtime",
                       "checkpoint '%s' has %llu network weights, the model's network %zu", path,
                       (unsigned long long)r->ck.nweights, r->net.num_params);
        goto fail;
    }
    memcpy(r->net.params, r->ck.weights, sizeof(float) * r->net.num_params);
    r->pred = (DgPredictor){.m = m, .net = &r->net, .pm = &r->pm, .ncomp = r->ncomp, .target = r->target};
    return 0;
fail:
    dgrt_restore_free(r);
    return rc;
}

int dgrt_restore_rows(DgRestored *r, const DgDataset *d, DgrtErr *err) {
    if (r->net.kind != DGRT_NET_TABLE) return 0;
    free(r->rows);
    r->rows = mallocCheck(sizeof(int) * (size_t)(d->nbasins + 1));
    for (int i = 0; i < d->nbasins; i++) {
        r->rows[i] = -1;
        for (int k = 0; k < r->net.nrows && r->rows[i] < 0; k++)
            if (!strcmp(r->row_ids[k], d->basins[i].id)) r->rows[i] = k;
        if (r->rows[i] < 0)
            return dgrt_fail(
                err, DGRT_EXIT_DATA,
                "the parameters were calibrated per basin; evaluate the basins of the training run",
                "basin '%s' was not calibrated in this checkpoint (model '%s' has no parameter "
                "network; the run calibrated: %s)",
                d->basins[i].id, r->pred.m->name, r->cfg.basins);
    }
    r->pred.rows = r->rows;
    return 0;
}

void dgrt_restore_free(DgRestored *r) {
    if (r->row_ids) {
        for (int k = 0; k < r->net.nrows; k++) free(r->row_ids[k]);
        free(r->row_ids);
    }
    free(r->rows);
    dgrt_checkpoint_free(&r->ck);
    dgrt_param_map_free(&r->pm);
    dgrt_net_free(&r->net);
    memset(r, 0, sizeof *r);
}

// ---- `train` command line ----------------------------------------------------------------------------

/* argv[2..]: --config FILE (applied first), then --key VALUE / --key=VALUE in order. */
static int apply_args(DgTrainConfig *c, int argc, char **argv, int with_file, DgrtErr *err) {
    if (with_file)
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--config")) {
                if (i + 1 >= argc)
                    return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "option --config needs a value");
                if (dgrt_train_config_file(c, argv[i + 1], err)) return err->code;
                i++;
            } else if (!strncmp(argv[i], "--config=", 9)) {
                if (dgrt_train_config_file(c, argv[i] + 9, err)) return err->code;
            }
        }
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "unexpected argument '%s'", arg);
        char key[64], where[80];
        const char *eq = strchr(arg, '='), *val;
        size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), arg + 2);
        snprintf(where, sizeof where, "--%s", key);
        if (!strcmp(key, "config")) {
            if (!eq) i++;
            continue;
        }
        for (char *p = key; *p; p++)
            if (*p == '-') *p = '_';
        if (dgrt_train_config_is_flag(key)) val = eq ? eq + 1 : "";
        else if (eq) val = eq + 1;
        else if (i + 1 < argc) val = argv[++i];
        else if (find_key(key) < 0) val = ""; /* the unknown-key message comes from config_set */
        else return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "option --%s needs a value", key);
        if (dgrt_train_config_set(c, key, val, where, err)) return err->code;
    }
    return 0;
}

int dgrt_cmd_train(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    DgTrainConfig c, probe;
    // where is the checkpoint, and do we resume? (the file and the flags decide)
    dgrt_train_config_defaults(&probe);
    if (apply_args(&probe, argc, argv, 1, &err)) goto usage;
    if (dgrt_basins_resolve(probe.basins, sizeof probe.basins, &err)) goto data;
    dgrt_train_config_defaults(&c);
    if (probe.resume && access(probe.checkpoint, F_OK) == 0) {
        // resume: the checkpoint's settings, then the file and flags over them, which must agree on the shape
        DgCheckpoint ck;
        if (dgrt_checkpoint_read(&ck, probe.checkpoint, &err)) goto data;
        char src[1100];
        snprintf(src, sizeof src, "checkpoint '%s', config", probe.checkpoint);
        DgTrainConfig ckc;
        dgrt_train_config_defaults(&ckc);
        int rc = dgrt_train_config_text(&ckc, ck.config, src, &err);
        dgrt_checkpoint_free(&ck);
        if (rc) goto data;
        c = ckc;
        if (apply_args(&c, argc, argv, 1, &err)) goto usage;
        /* compare basin lists by their ids, not by the name of a file that may have changed */
        if (dgrt_basins_resolve(ckc.basins, sizeof ckc.basins, &err) ||
            dgrt_basins_resolve(c.basins, sizeof c.basins, &err))
            goto data;
        if (check_resume_config(&ckc, &c, probe.checkpoint, &err)) goto usage;
    } else {
        c = probe;
    }
    return dgrt_train_run(m, &c, out, errf);
usage:
    dgrt_err_print(&err, errf);
    fprintf(errf, "(see '%s train --help')\n", argc > 0 ? argv[0] : "MODEL");
    return DGRT_EXIT_USAGE;
data:
    dgrt_err_print(&err, errf);
    return err.code;
}
