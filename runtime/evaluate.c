/* evaluate.c — using a trained checkpoint:
 *   MODEL simulate --checkpoint FILE --period A:B --out DIR|FILE.nc
 *       the network run over the period with warm-up days before it; into
 *       DIR one CSV per basin (date, every output of the model, the
 *       observations beside the target output, the dynamic parameters of
 *       every day and component) and params.csv (every parameter per basin
 *       and component; dynamic ones averaged); or all of it in one NetCDF
 *       file of every basin (CF timeSeries, netcdf_write.c);
 *   MODEL eval --checkpoint FILE --period A:B [--benchmark] [--plot DIR] [--out FILE]
 *       metrics per basin (NSE, KGE with r/alpha/beta, bias, RMSE, FHV, FLV)
 *       and their medians; --benchmark puts the CAMELS SAC-SMA run (MOD_RUN)
 *       beside them, both computed over the days the benchmark covers;
 *       --plot writes one SVG hydrograph per basin (plot.c).
 * Data, basins and maps default to those the checkpoint was trained with
 * (--data, --basins, --forcing-csv, --attributes-csv, --obs-column override
 * them); the period defaults to its test period. */
#include "train.h"
#include "metrics.h"
#include "comm.h"
#include "netcdf_io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *checkpoint, *data, *basins, *out, *plot, *forcing_csv, *attributes_csv;
    const char *attributes, *cdf, *map, *obs_column;
    int folds, fold; /* eval --folds K: checkpoints 1..K, each on its held-out basins; fold: the one now */
    DgPeriod period;
    int64_t warmup; /* -1 = the checkpoint's */
    int benchmark;
    int threads;
} EvalOptions;

enum { OPT_SIM = 1, OPT_EVAL = 2 };
static const struct {
    const char *name;
    int value, cmds;
} eval_options[] = {
    {"--checkpoint", 1, OPT_SIM | OPT_EVAL},
    {"--period", 1, OPT_SIM | OPT_EVAL},
    {"--data", 1, OPT_SIM | OPT_EVAL},
    {"--basins", 1, OPT_SIM | OPT_EVAL},
    {"--out", 1, OPT_SIM | OPT_EVAL},
    {"--warmup", 1, OPT_SIM | OPT_EVAL},
    {"--threads", 1, OPT_SIM | OPT_EVAL},
    {"--benchmark", 0, OPT_EVAL},
    {"--plot", 1, OPT_EVAL},
    {"--forcing-csv", 1, OPT_SIM | OPT_EVAL},
    {"--attributes-csv", 1, OPT_SIM | OPT_EVAL},
    {"--attributes", 1, OPT_SIM | OPT_EVAL},
    {"--cdf", 1, OPT_EVAL},
    {"--map", 1, OPT_EVAL},
    {"--folds", 1, OPT_EVAL},
    {"--obs-column", 1, OPT_SIM | OPT_EVAL},
};
enum { NEVAL_OPTIONS = sizeof eval_options / sizeof eval_options[0] };


static int parse_eval_args(EvalOptions *o, int argc, char **argv, int cmd, DgrtErr *err) {
    memset(o, 0, sizeof *o);
    o->warmup = -1;
    o->period.start = 1;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        char name[64];
        const char *eq = strchr(arg, '='), *val = NULL;
        size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), arg);
        int id = -1;
        for (int k = 0; k < NEVAL_OPTIONS; k++)
            if (!strcmp(eval_options[k].name, name) && (eval_options[k].cmds & cmd)) id = k;
        if (id < 0) {
            const char *names[NEVAL_OPTIONS];
            int nn = 0;
            for (int k = 0; k < NEVAL_OPTIONS; k++)
                if (eval_options[k].cmds & cmd) names[nn++] = eval_options[k].name;
            dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s '%s'%s",
                      strncmp(arg, "--", 2) ? "unexpected argument" : "unknown option", name,
                      cmd == OPT_SIM ? " (simulate with --checkpoint)" : " (eval)");
            const char *near = dgrt_closest(name, names, nn);
            if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
            return err->code;
        }
        if (eval_options[id].value) {
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "option %s needs a value", name);
        }
        switch (id) {
        case 0: o->checkpoint = val; break;
        case 1:
            if (dgrt_parse_period(val, &o->period.start, &o->period.end, err)) return err->code;
            break;
        case 2: o->data = val; break;
        case 3: o->basins = val; break;
        case 4: o->out = val; break;
        case 5: { /* the ranges of train's keys warmup and threads (train_config.c) */
            char *end;
            errno = 0;
            long long w = strtoll(val, &end, 10);
            if (!val[0] || *end || errno || w < 0 || w > 36600)
                return dgrt_fail(err, DGRT_EXIT_USAGE, NULL,
                                 "--warmup '%.40s' is not an integer in [0, 36600] (warm-up days before the period)",
                                 val);
            o->warmup = w;
            break;
        }
        case 6: {
            char *end;
            errno = 0;
            long t = strtol(val, &end, 10);
            if (!val[0] || *end || errno || t < 0 || t > 4096)
                return dgrt_fail(err, DGRT_EXIT_USAGE, NULL,
                                 "--threads '%.40s' is not an integer in [0, 4096] (threads, 0 = every core)", val);
            o->threads = (int)t;
            break;
        }
        case 7: o->benchmark = 1; break;
        case 8: o->plot = val; break;
        case 9: o->forcing_csv = val; break;
        case 10: o->attributes_csv = val; break;
        case 11: o->attributes = val; break;
        case 12: o->cdf = val; break;
        case 13: o->map = val; break;
        case 14: {
            char *end;
            long k = strtol(val, &end, 10);
            if (!val[0] || *end || k < 1 || k > 1000)
                return dgrt_fail(err, DGRT_EXIT_USAGE, "the number of folds the checkpoints were trained with",
                                 "--folds '%s' is not an integer in [1, 1000]", val);
            o->folds = (int)k;
            break;
        }
        case 15: o->obs_column = val; break;
        }
    }
    if (!o->checkpoint)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "give the file written by `train --checkpoint FILE`",
                         "%s needs --checkpoint FILE", cmd == OPT_SIM ? "simulate" : "eval");
    if (cmd == OPT_SIM && !o->out)
        return dgrt_fail(err, DGRT_EXIT_USAGE,
                         "one CSV per basin is written into DIR; a name ending in .nc gets one NetCDF file of them all",
                         "simulate --checkpoint needs --out DIR or --out FILE.nc");
    return 0;
}

static int make_dir(const char *dir, DgrtErr *err) {
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return 0;
        return dgrt_fail(err, DGRT_EXIT_DATA, "give a directory", "'%s' exists and is not a directory", dir);
    }
    if (mkdir(dir, 0777) != 0)
        return dgrt_fail(err, DGRT_EXIT_DATA, "check that the parent directory exists and is writable",
                         "cannot create directory '%s': %s", dir, strerror(errno));
    return 0;
}

/* Restore the checkpoint and load the data of period (with warm-up before it). */
static int setup(DgRestored *r, DgDataset *d, EvalOptions *o, const DgModel *m, int **idx, int *n,
                 int need_obs, FILE *errf, DgrtErr *err) {
    if (dgrt_restore(r, m, o->checkpoint, err)) return err->code;
    DgTrainConfig *c = &r->cfg;
    if (o->data) snprintf(c->data, sizeof c->data, "%s", o->data);
    if (o->basins) snprintf(c->basins, sizeof c->basins, "%s", o->basins);
    if (o->forcing_csv) snprintf(c->forcing_csv, sizeof c->forcing_csv, "%s", o->forcing_csv);
    if (o->attributes_csv) snprintf(c->attributes_csv, sizeof c->attributes_csv, "%s", o->attributes_csv);
    if (o->attributes) snprintf(c->attributes, sizeof c->attributes, "%s", o->attributes);
    if (o->obs_column) snprintf(c->obs_column, sizeof c->obs_column, "%s", o->obs_column);
    if (o->folds > 0 && c->folds != o->folds)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "give --folds as the runs were trained (train --folds K --fold k)",
                         "checkpoint '%s' was trained %s, not as fold %d of %d", o->checkpoint,
                         c->folds > 0 ? "with another number of folds" : "without folds", o->fold, o->folds);
    if (o->folds > 0 && c->fold != o->fold)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "number the checkpoints by their fold",
                         "checkpoint '%s' holds fold %lld, not fold %d", o->checkpoint, (long long)c->fold, o->fold);
    if (o->warmup < 0) o->warmup = c->warmup;
    if (!dgrt_period_set(o->period)) {
        if (dgrt_period_set(c->test)) o->period = c->test;
        else if (dgrt_period_set(c->valid)) o->period = c->valid;
        else
            return dgrt_fail(err, DGRT_EXIT_USAGE, "give --period START:END",
                             "no --period, and checkpoint '%s' has no test or validation period",
                             o->checkpoint);
    }
    int threads = o->threads > 0 ? o->threads : (int)c->threads;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    dgrt_nn_set_threads(threads > 0 ? threads : (ncpu > 0 ? (int)ncpu : 1));
    /* a run trained on folds predicts its held-out basins unless --basins names others */
    DgBasinSet set = o->basins || c->folds == 0 ? DG_BASINS_ALL : DG_BASINS_HELD_OUT;
    if (dgrt_config_load_data(d, m, c, set, o->period.start - (int32_t)o->warmup, o->period.end, !need_obs, err))
        return err->code;
    if (dgrt_restore_rows(r, d, err)) return err->code;
    /* the statistics of the training run */
    DgNorm *nm = &d->norm, *cn = &r->ck.norm;
    memcpy(nm->ftransform, cn->ftransform, sizeof(int32_t) * (size_t)nm->nf);
    memcpy(nm->fmean, cn->fmean, sizeof(double) * (size_t)nm->nf);
    memcpy(nm->fstd, cn->fstd, sizeof(double) * (size_t)nm->nf);
    memcpy(nm->amean, cn->amean, sizeof(double) * (size_t)nm->na);
    memcpy(nm->astd, cn->astd, sizeof(double) * (size_t)nm->na);
    dgrt_dataset_normalise(d);
    *idx = mallocCheck(sizeof(int) * (size_t)(d->nbasins + 1));
    *n = dgrt_dataset_select(d, o->period, "evaluation", need_obs, *idx, errf);
    dgrt_dataset_warn_warmup(d, *idx, *n, o->period, o->warmup, "evaluation", errf);
    if (*n == 0) {
        char ps[32];
        return dgrt_fail(err, DGRT_EXIT_DATA, "choose a period inside the basins' records (warnings above)",
                         "no basin covers the period %s", dgrt_period_format(o->period, ps));
    }
    return 0;
}

// ---- simulate --checkpoint ------------------------------------------------------------------------

/* DIR/params.csv: basin, component, then every parameter (trained ones as the
 * network or calibration gave them, dynamic ones averaged over the period). */
static int write_params(const DgModel *m, const DgDataset *d, const int *idx, int n, int64_t ncomp,
                        const double *theta, const char *dir, DgrtErr *err) {
    char path[2048], tmp[2100];
    snprintf(path, sizeof path, "%s/params.csv", dir);
    FILE *f = dgrt_open_output(path, tmp, sizeof tmp, err);
    if (!f) return err->code;
    fputs("basin,component", f);
    for (int i = 0; i < m->nparams; i++) fprintf(f, ",%s", m->params[i].name);
    fputc('\n', f);
    for (int b = 0; b < n; b++)
        for (int64_t k = 0; k < ncomp; k++) {
            fprintf(f, "%s,%lld", d->basins[idx[b]].id, (long long)k);
            for (int i = 0; i < m->nparams; i++)
                fprintf(f, ",%.9g", theta[((int64_t)b * m->nparams + i) * ncomp + k]);
            fputc('\n', f);
        }
    return dgrt_commit_file(f, 0, tmp, path, err);
}

/* What simulate --checkpoint writes of each basin, and under which names:
 * every output, the observations of the target output (OUTPUT_obs) beside
 * it, every dynamic parameter per component and day. A name an output has
 * already gets trailing '_'s (outputs and parameters are separate
 * namespaces in a model, not in a file). */
typedef struct {
    const DgModel *m;
    const DgDataset *d;
    const int *idx;
    int n, no, target, ndyn;
    int64_t nd, K;
    DgPeriod period;
    const double *all;  /* [nd][no][n] outputs */
    const float *dyn;   /* [n][nd][ndyn][K] */
    const double *theta; /* [n][nparams][K] */
    char obs[160];
    int *dyn_param;        /* [ndyn] parameter index */
    char (*dyn_name)[160]; /* [ndyn] */
} SimResult;

static int output_named(const DgModel *m, const char *name) {
    for (int i = 0; i < m->noutputs; i++)
        if (!strcmp(m->outputs[i].name, name)) return 1;
    return 0;
}

static void unique_name(char *out, size_t size, const char *name, const DgModel *m, const char *also) {
    snprintf(out, size, "%s", name);
    for (size_t n = strlen(out); (output_named(m, out) || (also && !strcmp(out, also))) && n + 1 < size; n++)
        out[n] = '_', out[n + 1] = 0;
}

static void sim_names(SimResult *s) {
    const DgModel *m = s->m;
    char obs[160];
    snprintf(obs, sizeof obs, "%s_obs", m->outputs[s->target].name);
    unique_name(s->obs, sizeof s->obs, obs, m, NULL);
    s->dyn_param = mallocCheck(sizeof(int) * (size_t)(s->ndyn + 1));
    s->dyn_name = mallocCheck(sizeof *s->dyn_name * (size_t)(s->ndyn + 1));
    for (int i = 0, j = 0; i < m->nparams; i++)
        if (m->params[i].mark == DG_PARAM_DYNAMIC) {
            s->dyn_param[j] = i;
            unique_name(s->dyn_name[j++], sizeof s->dyn_name[0], m->params[i].name, m, s->obs);
        }
}

/* Observation of basin b on day t of the period; NaN = missing. */
static double sim_obs(const SimResult *s, int b, int64_t t) {
    const DgBasin *bs = &s->d->basins[s->idx[b]];
    int64_t i = dgrt_basin_index(bs, s->period.start + (int32_t)t);
    return bs->obs && i >= 0 ? bs->obs[i] : NAN;
}

static const float *sim_dyn_row(const SimResult *s, int b, int64_t t) {
    return s->dyn + (((int64_t)b * s->nd + t) * s->ndyn) * s->K;
}

/* DIR/BASIN.csv: date, the outputs with the observations beside the
 * target's (empty where missing), the dynamic parameters (NAME, or NAME[k]
 * per component k). */
static int write_basin_csv(const SimResult *s, int b, const char *dir, DgrtErr *err) {
    const DgModel *m = s->m;
    const DgBasin *bs = &s->d->basins[s->idx[b]];
    char path[2048], tmp[2100];
    snprintf(path, sizeof path, "%s/%s.csv", dir, bs->id);
    FILE *f = dgrt_open_output(path, tmp, sizeof tmp, err);
    if (!f) return err->code;
    int has_obs = bs->obs != NULL;
    fputs("date", f);
    for (int i = 0; i < s->no; i++) {
        fprintf(f, ",%s", m->outputs[i].name);
        if (i == s->target && has_obs) fprintf(f, ",%s", s->obs);
    }
    for (int j = 0; j < s->ndyn; j++)
        for (int64_t k = 0; k < s->K; k++) {
            if (s->K == 1) fprintf(f, ",%s", s->dyn_name[j]);
            else fprintf(f, ",%s[%lld]", s->dyn_name[j], (long long)k);
        }
    fputc('\n', f);
    char date[16];
    for (int64_t t = 0; t < s->nd; t++) {
        fputs(dgrt_format_date(s->period.start + (int32_t)t, date), f);
        for (int i = 0; i < s->no; i++) {
            fprintf(f, ",%.9g", s->all[(t * s->no + i) * s->n + b]);
            if (i != s->target || !has_obs) continue;
            double q = sim_obs(s, b, t);
            if (isnan(q)) fputc(',', f);
            else fprintf(f, ",%.9g", q);
        }
        const float *row = s->ndyn ? sim_dyn_row(s, b, t) : NULL;
        for (int64_t j = 0; j < s->ndyn * s->K; j++) fprintf(f, ",%.9g", (double)row[j]);
        fputc('\n', f);
    }
    return dgrt_commit_file(f, 0, tmp, path, err);
}

/* FILE.nc: every basin in one CF timeSeries file (netcdf_write.c): the
 * outputs and observations (basin, time), the dynamic parameters (basin,
 * component, time), the other parameters (basin, component). */
static int write_netcdf(const SimResult *s, const char *path, const char *checkpoint, int64_t warmup,
                        DgrtErr *err) {
    const DgModel *m = s->m;
    int n = s->n, rc = 0;
    char title[512], source[2048], ps[32], ln[512];
    snprintf(title, sizeof title, "%s%s%s, simulated by dgc", m->name, m->doc && m->doc[0] ? ": " : "",
             m->doc ? m->doc : "");
    snprintf(source, sizeof source, "dgc model '%s', checkpoint '%s', period %s after up to %lld warm-up days",
             m->name, checkpoint, dgrt_period_format(s->period, ps), (long long)warmup);
    const char **ids = mallocCheck(sizeof(char *) * (size_t)(n + 1));
    double *lat = mallocCheck(sizeof(double) * (size_t)(n + 1)), *lon = mallocCheck(sizeof(double) * (size_t)(n + 1));
    for (int b = 0; b < n; b++) {
        const DgBasin *bs = &s->d->basins[s->idx[b]];
        ids[b] = bs->id;
        lat[b] = bs->lat;
        lon[b] = bs->lon;
    }
    DgNcLayout l = {n, ids, lat, lon, s->period.start, s->nd, s->K, title, source};
    DgNcOut *o = dgrt_ncout_create(path, &l, err);
    free(ids);
    free(lat);
    free(lon);
    if (!o) return err->code;
    /* variables: outputs (the observations after the target), dynamic parameters, the others */
    int nv = s->no + 1 + s->ndyn + m->nparams, *var = mallocCheck(sizeof(int) * (size_t)nv), v = 0;
    for (int i = 0; i < s->no && !rc; i++) {
        snprintf(ln, sizeof ln, "simulated %s", m->outputs[i].name);
        if ((var[v++] = dgrt_ncout_var(o, m->outputs[i].name, DG_NC_SERIES, 1, m->outputs[i].unit, ln, err)) < 0)
            rc = err->code;
        if (i == s->target && !rc) {
            snprintf(ln, sizeof ln, "observed %s", m->outputs[i].name);
            if ((var[v++] = dgrt_ncout_var(o, s->obs, DG_NC_SERIES, 0, m->outputs[i].unit, ln, err)) < 0)
                rc = err->code;
        }
    }
    for (int j = 0; j < s->ndyn && !rc; j++) {
        const DgParamInfo *pi = &m->params[s->dyn_param[j]];
        snprintf(ln, sizeof ln, "dynamic parameter %s: its value of each day and component", pi->name);
        if ((var[v++] = dgrt_ncout_var(o, s->dyn_name[j], DG_NC_COMP_SERIES, 1, pi->unit, ln, err)) < 0)
            rc = err->code;
    }
    int first_static = v;
    for (int i = 0; i < m->nparams && !rc; i++) {
        const DgParamInfo *pi = &m->params[i];
        if (pi->mark == DG_PARAM_DYNAMIC) continue;
        char name[160];
        unique_name(name, sizeof name, pi->name, m, s->obs);
        snprintf(ln, sizeof ln, "parameter %s of each basin and component", pi->name);
        if ((var[v++] = dgrt_ncout_var(o, name, DG_NC_COMP, 0, pi->unit, ln, err)) < 0) rc = err->code;
    }
    /* values, basin by basin */
    double *buf = mallocCheck(sizeof(double) * (size_t)(s->nd * s->K + m->nparams * s->K + 1));
    for (int b = 0; b < n && !rc; b++) {
        v = 0;
        for (int i = 0; i < s->no && !rc; i++) {
            for (int64_t t = 0; t < s->nd; t++) buf[t] = s->all[(t * s->no + i) * n + b];
            rc = dgrt_ncout_put(o, var[v++], b, buf, err);
            if (i == s->target && !rc) { /* the observations come next */
                for (int64_t t = 0; t < s->nd; t++) buf[t] = sim_obs(s, b, t);
                rc = dgrt_ncout_put(o, var[v++], b, buf, err);
            }
        }
        for (int j = 0; j < s->ndyn && !rc; j++) {
            for (int64_t t = 0; t < s->nd; t++)
                for (int64_t k = 0; k < s->K; k++) buf[k * s->nd + t] = sim_dyn_row(s, b, t)[j * s->K + k];
            rc = dgrt_ncout_put(o, var[v++], b, buf, err);
        }
        v = first_static;
        for (int i = 0; i < m->nparams && !rc; i++) {
            if (m->params[i].mark == DG_PARAM_DYNAMIC) continue;
            for (int64_t k = 0; k < s->K; k++) buf[k] = s->theta[((int64_t)b * m->nparams + i) * s->K + k];
            rc = dgrt_ncout_put(o, var[v++], b, buf, err);
        }
    }
    free(buf);
    free(var);
    return dgrt_ncout_commit(o, rc, err) ? err->code : 0;
}

int dgrt_cmd_simulate_checkpoint(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    EvalOptions o;
    if (parse_eval_args(&o, argc, argv, OPT_SIM, &err)) {
        dgrt_err_print_usage(&err, argc > 0 ? argv[0] : NULL, errf);
        return DGRT_EXIT_USAGE;
    }
    int netcdf = dgrt_is_netcdf_path(o.out);
    if (netcdf && !dgrt_netcdf_available()) {
        dgrt_fail(&err, DGRT_EXIT_USAGE,
                  "install libnetcdf-dev (make deps) and rebuild dgc, or give --out DIR for one CSV per basin",
                  "--out '%s': this runtime was built without NetCDF", o.out);
        dgrt_err_print(&err, errf);
        return DGRT_EXIT_USAGE;
    }
    DgRestored r;
    DgDataset d;
    memset(&r, 0, sizeof r);
    memset(&d, 0, sizeof d);
    int *idx = NULL, n = 0, rc;
    double *sim = NULL, *all = NULL, *theta = NULL;
    float *dyn = NULL;
    SimResult s = {0};
    int writer = dgrt_comm_rank() == 0;   /* under MPI every rank has every result: rank 0 writes */
    if ((rc = setup(&r, &d, &o, m, &idx, &n, 0, errf, &err)) || (writer && !netcdf && (rc = make_dir(o.out, &err))))
        goto done;
    s = (SimResult){.m = m, .d = &d, .idx = idx, .n = n, .no = m->noutputs, .target = r.target,
                    .ndyn = dgrt_ndynamic(m), .nd = dgrt_period_days(o.period), .K = r.ncomp, .period = o.period};
    sim = mallocCheck(sizeof(double) * (size_t)(s.nd * n + 1));
    all = mallocCheck(sizeof(double) * (size_t)(s.nd * s.no * n + 1));
    theta = mallocCheck(sizeof(double) * (size_t)(n * m->nparams * r.ncomp + 1));
    dyn = mallocCheck(sizeof(float) * (size_t)(n * s.nd * s.ndyn * s.K + 1));
    r.pred.theta = theta;
    r.pred.dyn = s.ndyn ? dyn : NULL;
    dgrt_predict_ranks(&r.pred, &d, idx, n, o.period, o.warmup, sim, all);
    r.pred.theta = NULL;
    r.pred.dyn = NULL;
    s.all = all;
    s.dyn = dyn;
    s.theta = theta;
    sim_names(&s);
    if (writer && netcdf) {
        rc = write_netcdf(&s, o.out, o.checkpoint, o.warmup, &err);
    } else if (writer) {
        for (int b = 0; b < n && !rc; b++) rc = write_basin_csv(&s, b, o.out, &err);
        if (!rc) rc = write_params(m, &d, idx, n, r.ncomp, theta, o.out, &err);
    }
    if (!rc) {
        char ps[32];
        fprintf(out, "%s: %d basin%s simulated over %s (%lld warm-up days at most) -> ", m->name, n,
                n == 1 ? "" : "s", dgrt_period_format(o.period, ps), (long long)o.warmup);
        if (netcdf) fprintf(out, "%s (outputs, observations, parameters)\n", o.out);
        else fprintf(out, "%s/<basin>.csv, parameters -> %s/params.csv\n", o.out, o.out);
    }
done:
    if (rc) dgrt_err_print(&err, errf);
    free(s.dyn_param);
    free(s.dyn_name);
    free(sim);
    free(all);
    free(theta);
    free(dyn);
    free(idx);
    dgrt_dataset_free(&d);
    dgrt_restore_free(&r);
    return rc;
}

// ---- eval ---------------------------------------------------------------------------------------------

static void print_metrics_row(FILE *f, const char *name, const DgMetrics *mt) {
    fprintf(f, "%-10s %6lld %8.4f %8.4f %7.4f %7.4f %7.4f %8.2f %8.4f %8.2f %8.2f", name, (long long)mt->n,
            mt->nse, mt->kge, mt->r, mt->alpha, mt->beta, mt->bias_pct, mt->rmse, mt->fhv, mt->flv);
}

static void csv_metrics(FILE *f, const DgMetrics *mt) {
    fprintf(f, ",%lld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g", (long long)mt->n, mt->nse, mt->kge,
            mt->r, mt->alpha, mt->beta, mt->bias_pct, mt->rmse, mt->fhv, mt->flv);
}

/* The scores of every evaluated basin, over one or more checkpoints (folds). */
typedef struct {
    int n, cap, nbench;
    char (*id)[32];
    DgMetrics *mt, *mb;
    double *lon, *lat;
} EvalRows;

static void rows_add(EvalRows *rw, const DgBasin *b, const DgMetrics *mt, const DgMetrics *mb) {
    if (rw->n == rw->cap) {
        rw->cap = rw->cap ? 2 * rw->cap : 64;
        rw->id = reallocCheck(rw->id, sizeof *rw->id * (size_t)rw->cap);
        rw->mt = reallocCheck(rw->mt, sizeof *rw->mt * (size_t)rw->cap);
        rw->mb = reallocCheck(rw->mb, sizeof *rw->mb * (size_t)rw->cap);
        rw->lon = reallocCheck(rw->lon, sizeof *rw->lon * (size_t)rw->cap);
        rw->lat = reallocCheck(rw->lat, sizeof *rw->lat * (size_t)rw->cap);
    }
    snprintf(rw->id[rw->n], sizeof rw->id[0], "%s", b->id);
    rw->mt[rw->n] = *mt;
    rw->mb[rw->n] = *mb;
    rw->lon[rw->n] = b->lon;
    rw->lat[rw->n] = b->lat;
    rw->n++;
}

static void rows_free(EvalRows *rw) {
    free(rw->id);
    free(rw->mt);
    free(rw->mb);
    free(rw->lon);
    free(rw->lat);
    memset(rw, 0, sizeof *rw);
}

/* Evaluate one checkpoint over its basins (its held-out fold by default):
 * metrics appended to rw, hydrographs into --plot. *heading gets the line
 * that names the run (first checkpoint only). */
static int eval_checkpoint(EvalOptions *o, const DgModel *m, EvalRows *rw, char *heading, size_t hsize,
                           const char **unit, FILE *errf, DgrtErr *err) {
    DgRestored r;
    DgDataset d;
    memset(&r, 0, sizeof r);
    memset(&d, 0, sizeof d);
    int *idx = NULL, n = 0, rc;
    double *sim = NULL, *obs = NULL, *bench = NULL, *ms = NULL, *mo = NULL;
    if ((rc = setup(&r, &d, o, m, &idx, &n, 1, errf, err))) goto done;
    int64_t nd = dgrt_period_days(o->period);
    sim = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    obs = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    bench = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    ms = mallocCheck(sizeof(double) * (size_t)(nd + 1));
    mo = mallocCheck(sizeof(double) * (size_t)(nd + 1));
    dgrt_predict_ranks(&r.pred, &d, idx, n, o->period, o->warmup, sim, NULL);
    *unit = m->outputs[r.target].unit;
    if (!heading[0]) {
        char ps[32];
        snprintf(heading, hsize, "%s over %s (%lld warm-up days at most)", m->outputs[r.target].name,
                 dgrt_period_format(o->period, ps), (long long)o->warmup);
    }
    for (int b = 0; b < n; b++) {
        const DgBasin *bs = &d.basins[idx[b]];
        int64_t t0 = dgrt_basin_index(bs, o->period.start);
        int has_bench = 0;
        DgMetrics mt, mb;
        memset(&mb, 0, sizeof mb);
        for (int64_t t = 0; t < nd; t++) {
            obs[t * n + b] = bs->obs[t0 + t];
            bench[t * n + b] = bs->bench ? bs->bench[t0 + t] : NAN;
            has_bench |= !isnan(bench[t * n + b]);
        }
        /* with --benchmark, both on the days the benchmark covers (same days, fair comparison) */
        for (int64_t t = 0; t < nd; t++) {
            ms[t] = sim[t * n + b];
            mo[t] = o->benchmark && has_bench && isnan(bench[t * n + b]) ? NAN : obs[t * n + b];
        }
        dgrt_metrics_series(&mt, ms, mo, nd);
        if (o->benchmark) {
            for (int64_t t = 0; t < nd; t++) ms[t] = bench[t * n + b];
            dgrt_metrics_series(&mb, ms, mo, nd);
            rw->nbench += has_bench;
        }
        rows_add(rw, bs, &mt, &mb);
        if (o->plot && dgrt_comm_rank() == 0) {   /* under MPI every rank has every result: rank 0 writes */
            char path[2048], title[256], ps[32];
            snprintf(path, sizeof path, "%s/%s.svg", o->plot, bs->id);
            snprintf(title, sizeof title, "%s, basin %s, %s: NSE %.3f, KGE %.3f", m->name, bs->id,
                     dgrt_period_format(o->period, ps), mt.nse, mt.kge);
            for (int64_t t = 0; t < nd; t++) {
                ms[t] = sim[t * n + b];
                mo[t] = obs[t * n + b];
            }
            double *bb = NULL;
            if (o->benchmark && has_bench) {
                bb = mallocCheck(sizeof(double) * (size_t)nd);
                for (int64_t t = 0; t < nd; t++) bb[t] = bench[t * n + b];
            }
            rc = dgrt_plot_hydrograph(path, title, o->period.start, nd, mo, ms, bb, *unit, err);
            free(bb);
            if (rc) goto done;
        }
    }
done:
    free(sim);
    free(obs);
    free(bench);
    free(ms);
    free(mo);
    free(idx);
    dgrt_dataset_free(&d);
    dgrt_restore_free(&r);
    return rc;
}

/* pattern with every "{fold}" replaced by k */
static void fold_path(char *out, size_t size, const char *pattern, int k) {
    char num[16];
    snprintf(num, sizeof num, "%d", k);
    size_t j = 0;
    for (const char *p = pattern; *p && j + 1 < size;) {
        if (!strncmp(p, "{fold}", 6)) {
            for (const char *q = num; *q && j + 1 < size;) out[j++] = *q++;
            p += 6;
        } else {
            out[j++] = *p++;
        }
    }
    out[j] = 0;
}

int dgrt_cmd_eval(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    EvalOptions o;
    if (parse_eval_args(&o, argc, argv, OPT_EVAL, &err)) {
        dgrt_err_print_usage(&err, argc > 0 ? argv[0] : NULL, errf);
        return DGRT_EXIT_USAGE;
    }
    if (o.folds > 0 && !strstr(o.checkpoint, "{fold}")) {
        dgrt_fail(&err, DGRT_EXIT_USAGE, "write the checkpoint path with {fold} where the fold number goes, e.g. "
                                         "--checkpoint 'ck_fold{fold}.bin'",
                  "eval --folds %d needs one checkpoint per fold", o.folds);
        dgrt_err_print(&err, errf);
        return DGRT_EXIT_USAGE;
    }
    EvalRows rw;
    memset(&rw, 0, sizeof rw);
    char heading[256] = "", ckpath[2048];
    const char *unit = "mm/d", *pattern = o.checkpoint;
    int rc = 0;
    int writer = dgrt_comm_rank() == 0;
    if (o.plot && writer && (rc = make_dir(o.plot, &err))) goto done;
    for (int k = o.folds > 0 ? 1 : 0; k <= o.folds && !rc; k++) {
        if (o.folds > 0) {
            fold_path(ckpath, sizeof ckpath, pattern, k);
            o.checkpoint = ckpath;
            o.fold = k;
        }
        rc = eval_checkpoint(&o, m, &rw, heading, sizeof heading, &unit, errf, &err);
    }
    o.checkpoint = pattern;
    if (rc) goto done;
    // table on stdout
    fprintf(out, "%s: %s '%s', %s, %d basin%s\n", m->name, o.folds > 0 ? "held-out basins of checkpoints" : "checkpoint",
            pattern, heading, rw.n, rw.n == 1 ? "" : "s");
    const char *hdr =
        "basin           n      NSE      KGE       r   alpha    beta    bias%     RMSE     FHV%     FLV%";
    fprintf(out, "%s%s\n", hdr, o.benchmark ? "   | benchmark NSE      KGE    bias%" : "");
    DgMetrics med, medb;
    dgrt_metrics_median(&med, rw.mt, rw.n);
    dgrt_metrics_median(&medb, rw.mb, rw.n);
    for (int b = 0; b < rw.n && rw.n <= 200; b++) {
        print_metrics_row(out, rw.id[b], &rw.mt[b]);
        if (o.benchmark) fprintf(out, "   |      %8.4f %8.4f %8.2f", rw.mb[b].nse, rw.mb[b].kge, rw.mb[b].bias_pct);
        fputc('\n', out);
    }
    print_metrics_row(out, "median", &med);
    if (o.benchmark) fprintf(out, "   |      %8.4f %8.4f %8.2f", medb.nse, medb.kge, medb.bias_pct);
    fputc('\n', out);
    if (rw.n > 200) fprintf(out, "(%d basins: the table lists only the median; every basin is in --out)\n", rw.n);
    if (o.benchmark)
        fprintf(out,
                "benchmark: CAMELS SAC-SMA (MOD_RUN) for %d of %d basins; metrics of both over the days it "
                "covers\n",
                rw.nbench, rw.n);
    // CSV
    if (o.out && writer) {
        char tmp[2100];
        FILE *f = dgrt_open_output(o.out, tmp, sizeof tmp, &err);
        if (!f) {
            rc = err.code;
            goto done;
        }
        const char *cols = "n,nse,kge,r,alpha,beta,bias_pct,rmse,fhv,flv";
        fprintf(f, "basin,%s", cols);
        if (o.benchmark)
            fputs(",bench_n,bench_nse,bench_kge,bench_r,bench_alpha,bench_beta,bench_bias_pct,bench_rmse,"
                  "bench_fhv,bench_flv",
                  f);
        fputc('\n', f);
        for (int b = 0; b < rw.n; b++) {
            fputs(rw.id[b], f);
            csv_metrics(f, &rw.mt[b]);
            if (o.benchmark) csv_metrics(f, &rw.mb[b]);
            fputc('\n', f);
        }
        fputs("median", f);
        csv_metrics(f, &med);
        if (o.benchmark) csv_metrics(f, &medb);
        fputc('\n', f);
        if ((rc = dgrt_commit_file(f, 0, tmp, o.out, &err))) goto done;
    }
    // the skill over all basins: CDF and map of NSE
    if ((o.cdf || o.map) && writer) {
        double *nse = mallocCheck(sizeof(double) * (size_t)(rw.n + 1));
        for (int b = 0; b < rw.n; b++) nse[b] = rw.mt[b].nse;
        char title[512];
        snprintf(title, sizeof title, "%s: NSE per basin, %s (median %.3f)", m->name, heading, med.nse);
        if (o.cdf) rc = dgrt_plot_cdf(o.cdf, title, "NSE", nse, rw.n, &err);
        if (!rc && o.map) rc = dgrt_plot_map(o.map, title, "NSE", rw.lon, rw.lat, nse, rw.n, &err);
        free(nse);
        if (!rc) fprintf(out, "NSE plots:%s%s%s%s\n", o.cdf ? " CDF " : "", o.cdf ? o.cdf : "", o.map ? " map " : "",
                         o.map ? o.map : "");
    }
    (void)unit;
done:
    if (rc) dgrt_err_print(&err, errf);
    rows_free(&rw);
    return rc;
}
