/* train_init_from.c — `train --init-from CK`: a new run of one model that
 * starts from a checkpoint of another, typically a variant (a hybrid) from
 * its calibrated base. What the two models share is copied, matched by name
 * and shape:
 *   - trained parameters: direct calibration per basin (the basins both runs
 *     calibrated; a value moves into new bounds when they differ), or the
 *     rows of the parameter network's output layer (same bounds only: a raw
 *     network output cannot be rescaled);
 *   - the parameter network itself (same kind, inputs, attributes and sizes),
 *     with the normalisation statistics its weights were trained with;
 *   - in-equation networks (same name, layer sizes and activations).
 * Everything else keeps its initial value, and the report says which is
 * which and why. Unlike --resume nothing else is taken over: the optimiser
 * starts afresh, at epoch 0, with this run's configuration.
 *
 * The other model is known only through its checkpoint: its signature
 * (dgrt_model_signature: inputs, parameters, parameter network), its
 * configuration (components, the basins of a direct calibration) and its
 * NETS section (the in-equation networks). From these a DgModel without
 * kernels is rebuilt, so that the parameter map and the network layout come
 * from the same code as the trainer's own. */
#include "train_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

// ---- The other model, from its checkpoint --------------------------------------------------------

enum { MAX_TOKENS = 8, MAX_NET_TOKENS = 4 + 256 };   /* a signature line; a NETS line (256 layer sizes) */

typedef struct {
    DgModel m;          /* no kernels: names, parameters, inputs, learn, nets */
    char *text;         /* signature and NETS text, split in place: every name points into it */
    DgParamInfo *params;
    DgNameInfo *inputs;
    DgNetInfo *nets;
    int32_t *forcings, *sizes;
    const char **attrs;
    int has_nets;       /* the checkpoint describes its in-equation networks (NETS) */
    int64_t ncomp;
    DgTrainConfig cfg;
    DgParamMap pm;
    DgNet net;          /* the parameter network's layout (or table) with the checkpoint's weights */
    const float *netw;  /* the in-equation weights in the checkpoint (after the network's) */
    int64_t nnetw;
    char **rows;        /* direct calibration: the basin of every table row */
    int nrows;
} Source;

/* Splits the next line of *p into at most cap tokens (blank-separated, in
 * place); -1 at the end of the text, cap + 1 when the line has more. */
static int next_line(char **p, char **tok, int cap) {
    if (!**p) return -1;
    char *line = *p, *end = strchr(line, '\n');
    if (end) *end = 0, *p = end + 1;
    else *p = line + strlen(line);
    int n = 0;
    for (char *s = strtok_r(line, " ", &end); s; s = strtok_r(NULL, " ", &end)) {
        if (n == cap) return cap + 1;
        tok[n++] = s;
    }
    return n;
}

/* A whole number of the text in [0, 2^30], else -1. */
static int count_of(const char *t) {
    char *end;
    long v = strtol(t, &end, 10);
    return end != t && !*end && v >= 0 && v <= 1L << 30 ? (int)v : -1;
}

static int input_index(const Source *s, const char *name) {
    for (int i = 0; i < s->m.ninputs; i++)
        if (!strcmp(s->inputs[i].name, name)) return i;
    return -1;
}

/* The signature's lines into s->m (dgrt_model_signature writes them). */
static int parse_signature(Source *s, char *p) {
    static const char *const marks[] = {"learned", "fixed", "dynamic"}, *const kinds[] = {"none", "lstm", "mlp"};
    char *t[MAX_TOKENS];
    int n;
    while ((n = next_line(&p, t, MAX_TOKENS)) >= 0) {
        if (n == 2 && !strcmp(t[0], "model")) s->m.name = t[1];
        else if (n == 2 && !strcmp(t[0], "components")) s->ncomp = strtoll(t[1], NULL, 10);
        else if (n == 2 && !strcmp(t[0], "input")) s->inputs[s->m.ninputs++] = (DgNameInfo){t[1], ""};
        else if (n == 4 && !strcmp(t[0], "param") && !strcmp(t[2], "value")) {
            for (int i = 0; i < s->m.nparams; i++)
                if (!strcmp(s->params[i].name, t[1])) s->params[i].value = strtod(t[3], NULL);
        } else if ((n == 5 || n == 6) && !strcmp(t[0], "param")) {
            DgParamInfo *q = &s->params[s->m.nparams++];
            *q = (DgParamInfo){.name = t[1], .unit = "", .value = NAN, .mark = -1};
            for (int k = 0; k < 3; k++)
                if (!strcmp(t[2], marks[k])) q->mark = k;
            q->lo = strtod(t[3] + 1, NULL); /* "[lo," */
            q->hi = strtod(t[4], NULL);     /* "hi]" */
            q->basin_level = n == 6 && !strcmp(t[5], "basin");
            if (q->mark < 0) return -1;
        } else if (n == 8 && !strcmp(t[0], "learn")) {
            s->m.learn.kind = -1;
            for (int k = 0; k < 3; k++)
                if (!strcmp(t[1], kinds[k])) s->m.learn.kind = k;
            s->m.learn.hidden = atoi(t[3]);
            s->m.learn.layers = atoi(t[5]);
            s->m.learn.dropout = strtod(t[7], NULL);
            if (s->m.learn.kind < 0) return -1;
        } else if (n == 3 && !strcmp(t[0], "learn") && !strcmp(t[1], "forcing")) {
            int i = input_index(s, t[2]);
            if (i < 0) return -1;
            s->forcings[s->m.learn.nforcings++] = i;
        } else if (n == 3 && !strcmp(t[0], "learn") && !strcmp(t[1], "attribute")) {
            s->attrs[s->m.learn.nattributes++] = t[2];
        }
    }
    s->m.learn.forcings = s->forcings;
    s->m.learn.attributes = s->attrs;
    return s->m.name && s->ncomp > 0 ? 0 : -1;
}

/* NETS lines: NAME OFFSET ACTIVATION OUTPUT_ACTIVATION SIZE0 SIZE1 ... */
static int parse_nets(Source *s, char *p, int32_t *sizes) {
    char *t[MAX_NET_TOKENS];
    int k;
    while ((k = next_line(&p, t, MAX_NET_TOKENS)) >= 0) {
        if (k < 6 || k > MAX_NET_TOKENS) return -1;
        DgNetInfo *n = &s->nets[s->m.nnets];
        *n = (DgNetInfo){.name = t[0], .offset = count_of(t[1]), .activation = t[2], .output_activation = t[3],
                         .nsizes = k - 4, .sizes = sizes};
        for (int l = 0; l < n->nsizes; l++)
            if ((sizes[l] = count_of(t[4 + l])) < 1) return -1;
        sizes += n->nsizes;
        int64_t count = 0;
        for (int l = 1; l < n->nsizes; l++) count += (int64_t)n->sizes[l - 1] * n->sizes[l] + n->sizes[l];
        if (n->offset < 0 || n->offset + count > s->nnetw) return -1;
        s->m.nnets++;
    }
    return 0;
}

static void source_free(Source *s) {
    for (int i = 0; i < s->nrows; i++) free(s->rows[i]);
    free(s->rows);
    dgrt_param_map_free(&s->pm);
    dgrt_net_free(&s->net);
    free(s->text);
    free(s->params);
    free(s->inputs);
    free(s->nets);
    free(s->forcings);
    free(s->sizes);
    free(s->attrs);
    memset(s, 0, sizeof *s);
}

/* The model of checkpoint ck, its parameter map and its weights laid out as its network. */
static int source_load(Source *s, const DgCheckpoint *ck, const char *path, DgrtErr *err) {
    memset(s, 0, sizeof *s);
    const char *hint = "give a checkpoint written by `train` of this runtime";
    size_t ls = strlen(ck->signature), ln = ck->nets ? strlen(ck->nets) : 0, lines = 2;
    s->text = mallocCheck(ls + ln + 2);
    memcpy(s->text, ck->signature, ls + 1);
    if (ck->nets) memcpy(s->text + ls + 1, ck->nets, ln + 1);
    for (size_t i = 0; i < ls + ln + 1; i++) lines += s->text[i] == '\n';
    s->params = NEW(DgParamInfo, lines);
    s->inputs = NEW(DgNameInfo, lines);
    s->nets = NEW(DgNetInfo, lines);
    s->forcings = NEW(int32_t, lines);
    s->sizes = NEW(int32_t, ls + ln + 1); /* more than the numbers the text can hold */
    s->attrs = NEW(const char *, lines);
    s->m.params = s->params;
    s->m.inputs = s->inputs;
    s->m.nets = s->nets;
    if (parse_signature(s, s->text))
        return dgrt_fail(err, DGRT_EXIT_DATA, hint, "checkpoint '%s': its model signature cannot be read", path);
    s->m.doc = "";
    dgrt_train_config_defaults(&s->cfg);
    char where[1100];
    snprintf(where, sizeof where, "checkpoint '%s', config", path);
    if (dgrt_train_config_text(&s->cfg, ck->config, where, err)) return err->code;
    if (dgrt_param_map_build(&s->pm, &s->m, s->ncomp, err)) return err->code;
    if (dgrt_net_is_table(&s->m, &s->pm)) {
        char **ids;
        int n;
        if (dgrt_config_basin_ids(&s->cfg, DG_BASINS_TRAINING, &ids, &n, err)) return err->code;
        s->rows = ids;
        s->nrows = n;
        dgrt_net_build_table(&s->net, &s->m, &s->pm, n);
    } else {
        dgrt_net_build(&s->net, &s->m, s->pm.nout, 0);
    }
    if (ck->nweights < s->net.num_net)
        return dgrt_fail(err, DGRT_EXIT_DATA, hint,
                         "checkpoint '%s' has %llu weights, fewer than its model's parameter network (%zu)", path,
                         (unsigned long long)ck->nweights, s->net.num_net);
    memcpy(s->net.params, ck->weights, sizeof(float) * s->net.num_net);
    s->netw = ck->weights + s->net.num_net;
    s->nnetw = (int64_t)(ck->nweights - s->net.num_net);
    s->has_nets = ck->nets != NULL;
    if (ck->nets && parse_nets(s, s->text + ls + 1, s->sizes))
        return dgrt_fail(err, DGRT_EXIT_DATA, hint, "checkpoint '%s': its list of networks (NETS) is malformed",
                         path);
    return 0;
}

// ---- Report ----------------------------------------------------------------------------------------

typedef struct {
    char *text;
    size_t len;
    FILE *f;
    int copied;
} Report;

static void copied(Report *r, const char *what, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void copied(Report *r, const char *what, const char *name, const char *fmt, ...) {
    fprintf(r->f, "  copied   %s %s", what, name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->f, fmt, ap);
    va_end(ap);
    fputc('\n', r->f);
    r->copied++;
}

static void kept(Report *r, const char *what, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void kept(Report *r, const char *what, const char *name, const char *fmt, ...) {
    fprintf(r->f, "  initial  %s %s: ", what, name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->f, fmt, ap);
    va_end(ap);
    fputc('\n', r->f);
}

static const char *net_kind(int kind) {
    return kind == DG_LEARN_LSTM ? "LSTM" : kind == DG_LEARN_MLP ? "MLP" : kind == DGRT_NET_TABLE ? "table" : "none";
}

// ---- Parameter network -------------------------------------------------------------------------------

/* Whether the two parameter networks read the same inputs and have the same layers. */
static int same_network(const DgTrainer *tr, const Source *s, char *why, size_t size) {
    const DgNet *a = &tr->net, *b = &s->net;
    const DgLearnInfo *la = &tr->m->learn, *lb = &s->m.learn;
    if (a->kind != b->kind) {
        snprintf(why, size, "%s here, %s there", net_kind(a->kind), net_kind(b->kind));
        return 0;
    }
    if (a->H != b->H || a->L != b->L) {
        snprintf(why, size, "%d hidden x %d layers here, %d x %d there", a->H, a->L, b->H, b->L);
        return 0;
    }
    int same = la->nforcings == lb->nforcings && la->nattributes == lb->nattributes;
    for (int i = 0; same && i < la->nforcings; i++)
        same = !strcmp(tr->m->inputs[la->forcings[i]].name, s->m.inputs[lb->forcings[i]].name);
    for (int i = 0; same && i < la->nattributes; i++) same = !strcmp(la->attributes[i], lb->attributes[i]);
    if (!same) snprintf(why, size, "it reads other forcings or attributes");
    return same;
}

/* The weights before the output layer: one block at the start of params. */
static size_t body_size(const DgNet *n) {
    if (n->kind == DG_LEARN_LSTM) return (size_t)(n->head_w - n->params);
    if (n->kind == DG_LEARN_MLP) return (size_t)(n->mp.w[n->mlp.n_layers - 1] - n->params);
    return 0;
}

/* Output o of the network's last layer: its H weights and its bias. */
static void out_row(const DgNet *n, int o, float **w, float **b) {
    if (n->kind == DG_LEARN_LSTM) {
        *w = n->head_w + (size_t)o * n->H;
        *b = n->head_b + o;
    } else {
        int last = n->mlp.n_layers - 1;
        *w = n->mp.w[last] + (size_t)o * n->mlp.sizes[last];
        *b = n->mp.b[last] + o;
    }
}

static int copy_network(DgTrainer *tr, const Source *s, const DgCheckpoint *ck, Report *r) {
    char why[256];
    if (!same_network(tr, s, why, sizeof why)) {
        kept(r, "parameter network", net_kind(tr->net.kind), "%s", why);
        return 0;
    }
    memcpy(tr->net.params, s->net.params, sizeof(float) * body_size(&tr->net));
    /* the statistics these weights were trained with, as --resume takes them */
    DgNorm *n = &tr->data.norm;
    if (ck->norm.nf == n->nf && ck->norm.na == n->na) {
        memcpy(n->ftransform, ck->norm.ftransform, sizeof(int32_t) * (size_t)n->nf);
        memcpy(n->fmean, ck->norm.fmean, sizeof(double) * (size_t)n->nf);
        memcpy(n->fstd, ck->norm.fstd, sizeof(double) * (size_t)n->nf);
        memcpy(n->amean, ck->norm.amean, sizeof(double) * (size_t)n->na);
        memcpy(n->astd, ck->norm.astd, sizeof(double) * (size_t)n->na);
        dgrt_dataset_normalise(&tr->data);
    }
    copied(r, "parameter network", net_kind(tr->net.kind), " (%d inputs, %d hidden x %d layers; its normalisation)",
           tr->net.C, tr->net.H, tr->net.L);
    return 1;
}

// ---- Trained parameters ----------------------------------------------------------------------------

static int find_param(const Source *s, const char *name) {
    for (int i = 0; i < s->m.nparams; i++)
        if (!strcmp(s->params[i].name, name)) return i;
    return -1;
}

/* raw of the other model's bounds -> raw of ours, through the physical value */
static float rescale(float raw, const DgParamInfo *from, const DgParamInfo *to) {
    if (from->lo == to->lo && from->hi == to->hi) return raw;
    double theta = from->lo + (from->hi - from->lo) / (1 + exp(-(double)raw));
    double u = (theta - to->lo) / (to->hi - to->lo);
    u = u < 1e-6 ? 1e-6 : u > 1 - 1e-6 ? 1 - 1e-6 : u;
    return (float)log(u / (1 - u));
}

static void copy_params(DgTrainer *tr, const Source *s, int body_copied, Report *r) {
    const DgModel *m = tr->m;
    const DgNet *a = &tr->net, *b = &s->net;
    int table = a->kind == DGRT_NET_TABLE && b->kind == DGRT_NET_TABLE;
    /* direct calibration: our row of every basin the other run calibrated */
    int *from_row = NEW(int, tr->data.nbasins), common = 0;
    for (int i = 0; table && i < tr->data.nbasins; i++) {
        from_row[i] = -1;
        for (int k = 0; k < s->nrows && from_row[i] < 0; k++)
            if (!strcmp(s->rows[k], tr->data.basins[i].id)) from_row[i] = k;
        common += from_row[i] >= 0;
    }
    for (int p = 0; p < m->nparams; p++) {
        if (tr->pm.first[p] < 0) continue; /* fixed here: the model's value */
        const char *name = m->params[p].name;
        int q = find_param(s, name);
        if (q < 0) {
            kept(r, "parameter", name, "not in model '%s'", s->m.name);
            continue;
        }
        if (s->pm.first[q] < 0) {
            kept(r, "parameter", name, "fixed in model '%s'", s->m.name);
            continue;
        }
        int n = tr->pm.per_comp[p] ? (int)tr->ncomp : 1, nq = s->pm.per_comp[q] ? (int)s->ncomp : 1;
        if (n != nq) {
            kept(r, "parameter", name, "%d value%s per basin here, %d there", n, n == 1 ? "" : "s", nq);
            continue;
        }
        int rescaled = s->params[q].lo != m->params[p].lo || s->params[q].hi != m->params[p].hi;
        if (table) {
            if (!common) {
                kept(r, "parameter", name, "model '%s' calibrated none of these basins", s->m.name);
                continue;
            }
            for (int i = 0; i < tr->data.nbasins; i++) {
                if (from_row[i] < 0) continue;
                for (int k = 0; k < n; k++) {
                    float raw = b->params[(size_t)from_row[i] * b->P + s->pm.first[q] + k];
                    a->params[(size_t)i * a->P + tr->pm.first[p] + k] = rescale(raw, &s->params[q], &m->params[p]);
                }
            }
            copied(r, "parameter", name, " (%d of %d basins%s)", common, tr->data.nbasins,
                   rescaled ? "; moved into the new bounds" : "");
        } else if (a->kind == DGRT_NET_TABLE || b->kind == DGRT_NET_TABLE) {
            kept(r, "parameter", name, "%s here, %s in model '%s'",
                 a->kind == DGRT_NET_TABLE ? "calibrated per basin" : "from the parameter network",
                 b->kind == DGRT_NET_TABLE ? "calibrated per basin" : "from its parameter network", s->m.name);
        } else if (!body_copied) {
            kept(r, "parameter", name, "the parameter networks differ");
        } else if (rescaled) {
            kept(r, "parameter", name, "bounds [%g, %g] here, [%g, %g] there (a network output cannot be rescaled)",
                 m->params[p].lo, m->params[p].hi, s->params[q].lo, s->params[q].hi);
        } else {
            for (int k = 0; k < n; k++) {
                float *wa, *ba, *wb, *bb;
                out_row(a, tr->pm.first[p] + k, &wa, &ba);
                out_row(b, s->pm.first[q] + k, &wb, &bb);
                memcpy(wa, wb, sizeof(float) * (size_t)a->H);
                *ba = *bb;
            }
            copied(r, "parameter", name, " (its outputs of the parameter network)");
        }
    }
    free(from_row);
}

// ---- In-equation networks ------------------------------------------------------------------------------

static void sizes_text(const DgNetInfo *n, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = 0;
    for (int l = 0; l < n->nsizes && o < size; l++)
        o += (size_t)snprintf(buf + o, size - o, "%s%d", l ? "->" : "", n->sizes[l]);
}

static int copy_nets(DgTrainer *tr, const Source *s, Report *r) {
    int ncopied = 0;
    const DgModel *m = tr->m;
    for (int k = 0; k < m->nnets; k++) {
        const DgNetInfo *a = &m->nets[k], *b = NULL;
        if (!s->has_nets) {
            kept(r, "network", a->name, "checkpoint of an older runtime: it does not list its networks");
            continue;
        }
        for (int j = 0; j < s->m.nnets && !b; j++)
            if (!strcmp(s->nets[j].name, a->name)) b = &s->nets[j];
        if (!b) {
            kept(r, "network", a->name, "not in model '%s'", s->m.name);
            continue;
        }
        char sa[128], sb[128];
        sizes_text(a, sa, sizeof sa);
        sizes_text(b, sb, sizeof sb);
        if (strcmp(sa, sb)) {
            kept(r, "network", a->name, "layers %s here, %s there", sa, sb);
            continue;
        }
        if (strcmp(a->activation, b->activation) || strcmp(a->output_activation, b->output_activation)) {
            kept(r, "network", a->name, "activations %s/%s here, %s/%s there", a->activation, a->output_activation,
                 b->activation, b->output_activation);
            continue;
        }
        int64_t count = 0;
        for (int l = 1; l < a->nsizes; l++) count += (int64_t)a->sizes[l - 1] * a->sizes[l] + a->sizes[l];
        memcpy(tr->net.netw + a->offset, s->netw + b->offset, sizeof(float) * (size_t)count);
        copied(r, "network", a->name, " (%s, %lld weights)", sa, (long long)count);
        ncopied++;
    }
    return ncopied;
}

/* Copied networks were trained on inputs standardised with the other run's
 * statistics: norm() here uses them too (inputs matched by name). */
static void copy_input_stats(DgTrainer *tr, const Source *s, const DgCheckpoint *ck, Report *r) {
    const DgModel *m = tr->m;
    if (m->nnorm_inputs == 0 || ck->ninputs != s->m.ninputs) return;
    double *mean = NEW(double, m->ninputs), *std = NEW(double, m->ninputs);
    memcpy(mean, tr->istats.mean, sizeof(double) * (size_t)m->ninputs);
    memcpy(std, tr->istats.std, sizeof(double) * (size_t)m->ninputs);
    for (int k = 0; k < m->nnorm_inputs; k++) {
        int i = m->norm_inputs[k], j = input_index(s, m->inputs[i].name);
        if (j < 0) {
            kept(r, "statistics of", m->inputs[i].name, "no input '%s' in model '%s'", m->inputs[i].name, s->m.name);
            continue;
        }
        mean[i] = ck->input_mean[j];
        std[i] = ck->input_std[j];
        copied(r, "statistics of", m->inputs[i].name, " for norm() (mean %.6g, std %.6g)", mean[i], std[i]);
    }
    dgrt_input_stats_set(&tr->istats, mean, std);
    free(mean);
    free(std);
}

// ---- --init-from --------------------------------------------------------------------------------------

int dgrt_init_from(DgTrainer *tr, const char *path, FILE *out, DgrtErr *err) {
    DgCheckpoint ck;
    Source s;
    memset(&s, 0, sizeof s);
    if (dgrt_checkpoint_read(&ck, path, err)) return err->code;
    int rc = source_load(&s, &ck, path, err);
    Report r = {0};
    if (!rc) {
        r.f = open_memstream(&r.text, &r.len);
        if (!r.f) dgrt_oom_(0, __FILE__, __LINE__);
        int body = tr->net.kind == DG_LEARN_LSTM || tr->net.kind == DG_LEARN_MLP ? copy_network(tr, &s, &ck, &r) : 0;
        copy_params(tr, &s, body, &r);
        if (copy_nets(tr, &s, &r) > 0) copy_input_stats(tr, &s, &ck, &r);
        fclose(r.f);
        if (r.len > 0 && r.text[r.len - 1] == '\n') r.text[--r.len] = 0;
        if (r.copied == 0)
            rc = dgrt_fail(err, DGRT_EXIT_DATA,
                           "--init-from takes what a model shares with this one (trained parameters, parameter "
                           "network, in-equation networks of the same name and shape), e.g. a base model's "
                           "checkpoint for its variant",
                           "nothing in checkpoint '%s' (model '%s') fits model '%s':\n%s", path, s.m.name,
                           tr->m->name, r.text);
        else
            fprintf(out, "init from '%s' (model '%s'):\n%s\n", path, s.m.name, r.text);
    }
    free(r.text);
    source_free(&s);
    dgrt_checkpoint_free(&ck);
    return rc;
}
