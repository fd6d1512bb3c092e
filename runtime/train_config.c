/* train_config.c — the configuration of a training run: `key = value`
 * files and `--key value` flags into DgTrainConfig (every key with its type,
 * range and whether changing it on --resume would change the trajectory),
 * and the `train` command line. */
#include "train_internal.h"

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

// ---- Configuration ------------------------------------------------------------------------------

typedef enum { K_STR, K_INT, K_FLOAT, K_PERIOD, K_FLAG, K_MAP, K_SEED, K_CHOICE } KeyType;

#define F(field) offsetof(DgTrainConfig, field), sizeof(((DgTrainConfig *)0)->field)
/* Keys of the config file and flags of `train` (grep ORDER keys: usage in cli.c).
 * [lo, hi]: the values a K_INT or K_FLOAT key accepts, both included; a value
 * outside is an error that names the key, its range and `doc`. The limits
 * keep every size the trainer derives (windows warmup + rho, batch x window
 * arrays, epochs x iterations) far from integer overflow; a run inside them
 * may still need more memory than the machine has (the out-of-memory note
 * then names batch, warmup and rho).
 * `shape`: changing it on --resume would change the training trajectory. */
static const struct {
    const char *name;
    KeyType type;
    size_t off, size;
    double lo, hi;
    int shape;
    const char *choices; /* K_CHOICE: '|'-separated */
    const char *doc;     /* what it is, for range errors */
} keys[] = {
    {"data", K_STR, F(data), 0, 0, 0, NULL, "CAMELS-US or Caravan directory"},
    {"forcing_csv", K_STR, F(forcing_csv), 0, 0, 0, NULL, "per-basin CSV pattern"},
    {"obs_column", K_STR, F(obs_column), 0, 0, 1, NULL, "observation column[:UNIT]"},
    {"attributes_csv", K_STR, F(attributes_csv), 0, 0, 0, NULL, "attribute table"},
    {"attributes", K_STR, F(attributes), 0, 0, 0, NULL, "folder of CAMELS attribute tables"},
    {"basins", K_STR, F(basins), 0, 0, 1, NULL, "basin ids or a file of them"},
    {"folds", K_INT, F(folds), 0, 1000, 1, NULL, "folds of k-fold by basin, 0 = none"},
    {"fold", K_INT, F(fold), 0, 1000, 1, NULL, "the held-out fold"},
    {"map", K_MAP, F(maps), 0, 0, 1, NULL, "NAME=VARIABLE[:UNIT]"},
    {"train", K_PERIOD, F(train), 0, 0, 1, NULL, "training period"},
    {"valid", K_PERIOD, F(valid), 0, 0, 0, NULL, "validation period"},
    {"test", K_PERIOD, F(test), 0, 0, 0, NULL, "test period"},
    {"components", K_INT, F(components), 0, 256, 1, NULL, "parallel parameter sets, 0 = the model's"},
    {"target", K_STR, F(target), 0, 0, 1, NULL, "output compared with the observations"},
    {"epochs", K_INT, F(epochs), 0, 1e6, 0, NULL, "epochs"},
    {"iters_per_epoch", K_INT, F(iters_per_epoch), 0, 1e8, 1, NULL, "iterations per epoch, 0 = MHPI's rule"},
    {"batch", K_INT, F(batch), 1, 1e5, 1, NULL, "basins per iteration"},
    {"rho", K_INT, F(rho), 1, 36600, 1, NULL, "days of a window that count, up to 100 years"},
    {"warmup", K_INT, F(warmup), 0, 36600, 1, NULL, "warm-up days before each window, up to 100 years"},
    {"optimizer", K_CHOICE, F(optimizer), 0, 0, 1, "adadelta|adam|adamw|sgd", "optimiser"},
    {"lr", K_FLOAT, F(lr), 0, 100, 1, NULL, "learning rate"},
    {"weight_decay", K_FLOAT, F(weight_decay), 0, 10, 1, NULL, "weight decay"},
    {"momentum", K_FLOAT, F(momentum), 0, 1, 1, NULL, "momentum"},
    {"lr_schedule", K_CHOICE, F(lr_schedule), 0, 0, 1, "constant|step|cosine", "learning-rate schedule"},
    {"lr_step", K_INT, F(lr_step), 1, 1e6, 1, NULL, "epochs per step of the schedule"},
    {"lr_gamma", K_FLOAT, F(lr_gamma), 0, 10, 1, NULL, "factor per step of the schedule"},
    {"lr_warmup", K_INT, F(lr_warmup), 0, 1e6, 1, NULL, "warm-up epochs of the cosine schedule"},
    {"lr_min", K_FLOAT, F(lr_min), 0, 100, 1, NULL, "final learning rate of the cosine schedule"},
    {"loss", K_CHOICE, F(loss), 0, 0, 1, "rmse_comb|mse|rmse|nse|kge", "loss"},
    {"clip", K_FLOAT, F(clip), 0, 1e6, 1, NULL, "largest gradient norm, 0 = no clipping"},
    {"bptt", K_CHOICE, F(bptt), 0, 0, 1, "window|full", "backpropagation through time"},
    {"valid_every", K_INT, F(valid_every), 1, 1e6, 0, NULL, "epochs between validations"},
    {"patience", K_INT, F(patience), 0, 1e6, 0, NULL, "epochs without improvement before stopping, 0 = never"},
    {"seed", K_SEED, F(seed), 0, 18446744073709551615.0, 1, NULL, "random seed, unsigned 64 bits"},
    {"threads", K_INT, F(threads), 0, 4096, 0, NULL, "threads, 0 = every core"},
    {"checkpoint", K_STR, F(checkpoint), 0, 0, 0, NULL, "checkpoint file"},
    {"resume", K_FLAG, F(resume), 0, 0, 0, NULL, "continue from the checkpoint"},
    {"init_from", K_STR, F(init_from), 0, 0, 0, NULL, "checkpoint of another model to start from"},
    {"log_every", K_INT, F(log_every), 0, 1e9, 0, NULL, "iterations between log lines, 0 = per epoch"},
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
    strcpy(c->bptt, "window");
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

/* A decimal integer, optionally signed: no blanks, no overflow (ERANGE). */
static int parse_i64(const char *s, int64_t *v) {
    char *end;
    if (!(s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9'))) return -1;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || errno) return -1;
    *v = x;
    return 0;
}

/* An unsigned 64-bit decimal integer (strtoull alone takes "-1" as 2^64 - 1). */
static int parse_u64(const char *s, uint64_t *v) {
    char *end;
    if (!(s[0] == '+' || (s[0] >= '0' && s[0] <= '9'))) return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (end == s || *end || errno) return -1;
    *v = x;
    return 0;
}

/* "[1, 100000] (basins per iteration)" */
static const char *range_text(int k, char *buf, size_t size) {
    if (keys[k].type == K_SEED) snprintf(buf, size, "[0, %llu] (%s)", (unsigned long long)UINT64_MAX, keys[k].doc);
    else snprintf(buf, size, "[%.10g, %.10g] (%s)", keys[k].lo, keys[k].hi, keys[k].doc);
    return buf;
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
        /* a flag is named as written (--epocs), a config line by its place and key */
        int flag = !strncmp(where, "--", 2);
        if (flag) dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "unknown option '%s'", where);
        else dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: unknown key '%s'", where, key_in);
        const char *near = dgrt_closest(key, names, NKEYS);
        if (near && flag) {
            char opt[80];
            snprintf(opt, sizeof opt, "--%s", near);
            for (char *p = opt + 2; *p; p++)
                if (*p == '_') *p = '-';
            dgrt_err_hint(err, "did you mean '%s'?", opt);
        } else if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
        else
            dgrt_err_hint(err, "keys: data, basins, train, valid, test, epochs, batch, rho, warmup, lr, "
                               "optimizer, loss, ... (see --help)");
        return err->code;
    }
    char *field = (char *)c + keys[k].off;
    switch (keys[k].type) {
    case K_STR:
        /* the one string without an empty meaning (found by fuzz_config: an empty one
         * did not survive the checkpoint's text, which leaves empty values out) */
        if (!value[0] && !strcmp(key, "checkpoint"))
            return dgrt_fail(err, DGRT_EXIT_USAGE, "e.g. checkpoint = runs/ck.bin (default checkpoint.bin)",
                             "%s: checkpoint needs a file name", where);
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
        char range[160];
        if (parse_i64(value, &v) || (double)v < keys[k].lo || (double)v > keys[k].hi)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: %s '%.40s' is not an integer in %s", where, key,
                             value, range_text(k, range, sizeof range));
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case K_SEED: {
        uint64_t u;
        char range[160];
        if (parse_u64(value, &u))
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: seed '%.40s' is not an integer in %s", where, value,
                             range_text(k, range, sizeof range));
        memcpy(field, &u, sizeof u);
        return 0;
    }
    case K_FLOAT: {
        char *end;
        char range[160];
        double v = strtod(value, &end);
        if (!value[0] || *end || !isfinite(v) || v < keys[k].lo || v > keys[k].hi)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s: %s '%.40s' is not a number in %s", where, key, value,
                             range_text(k, range, sizeof range));
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
            return dgrt_fail(err, DGRT_EXIT_USAGE,
                             "write map = NAME=VARIABLE or NAME=VARIABLE:UNIT, e.g. map = PET=pet_hamon",
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

/* 1-based character column of p in the line starting at `line` (UTF-8 aware). */
static int column_of(const char *line, const char *p) {
    int col = 1;
    for (const char *q = line; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80) col++;
    return col;
}

/* Errors name source:line:col, the column of the value (of the key when the key is unknown). */
int dgrt_train_config_text(DgTrainConfig *c, const char *text, const char *source, DgrtErr *err) {
    char *copy = mallocCheck(strlen(text) + 1);
    strcpy(copy, text);
    int rc = 0, line = 0;
    for (char *p = copy; p && !rc; line++) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        char *start = p;
        char *hash = strchr(p, '#');
        if (hash) *hash = 0;
        char *s = trim(p);
        p = nl ? nl + 1 : NULL;
        if (!*s) continue;
        char where[1100];
        snprintf(where, sizeof where, "%s:%d:%d", source, line + 1, column_of(start, s));
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = dgrt_fail(err, DGRT_EXIT_USAGE, "config lines are `key = value`; # starts a comment",
                           "%s: expected 'key = value', found '%.80s'", where, s);
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if (!*key) {
            rc = dgrt_fail(err, DGRT_EXIT_USAGE, "config lines are `key = value`",
                           "%s: missing key before '='", where);
            break;
        }
        char norm[64];
        snprintf(norm, sizeof norm, "%s", key);
        for (char *q = norm; *q; q++)
            if (*q == '-') *q = '_';
        if (find_key(norm) >= 0)   /* else the unknown key's message points at the key */
            snprintf(where, sizeof where, "%s:%d:%d", source, line + 1, column_of(start, val));
        rc = dgrt_train_config_set(c, key, val, where, err);
    }
    free(copy);
    return rc;
}

/* A config file is a small text file: a regular file (not /dev/zero, a FIFO
 * or a directory) of at most DGRT_CONFIG_MAX_BYTES without NUL bytes (a NUL
 * would silently end the text early). */
#define DGRT_CONFIG_MAX_BYTES (1u << 20)

int dgrt_train_config_file(DgTrainConfig *c, const char *path, DgrtErr *err) {
    char *text;
    size_t len;
    const DgReadLimits lim = {.max_bytes = DGRT_CONFIG_MAX_BYTES,
                              .regular_only = 1,
                              .text = 1,
                              .what = "a config file",
                              .hint = "a config file holds `key = value` lines; long basin lists go in a file "
                                      "of their own (basins = FILE)"};
    if (dgrt_read_file_checked(path, &lim, &text, &len, err)) return err->code;
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
    dgrt_err_print_usage(&err, argc > 0 ? argv[0] : NULL, errf);
    return DGRT_EXIT_USAGE;
data:
    dgrt_err_print(&err, errf);
    return err.code;
}
