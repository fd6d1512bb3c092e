/* evaluate.c — using a trained checkpoint:
 *   MODEL simulate --checkpoint FILE --period A:B --out DIR
 *       one CSV per basin (date and every output of the model), the network
 *       run over the period with warm-up days before it, and params.csv
 *       (every parameter per basin and component; dynamic ones averaged);
 *   MODEL eval --checkpoint FILE --period A:B [--benchmark] [--plot DIR] [--out FILE]
 *       metrics per basin (NSE, KGE with r/alpha/beta, bias, RMSE, FHV, FLV)
 *       and their medians; --benchmark puts the CAMELS SAC-SMA run (MOD_RUN)
 *       beside them, both computed over the days the benchmark covers;
 *       --plot writes one SVG hydrograph per basin (plot.c).
 * Data, basins and maps default to those the checkpoint was trained with
 * (--data, --basins, --forcing-csv, --attributes-csv override them); the
 * period defaults to its test period. */
#include "train.h"
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *checkpoint, *data, *basins, *out, *plot, *forcing_csv, *attributes_csv;
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
        case 5: {
            char *end;
            long long w = strtoll(val, &end, 10);
            if (!val[0] || *end || w < 0)
                return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--warmup '%s' is not an integer >= 0", val);
            o->warmup = w;
            break;
        }
        case 6: {
            char *end;
            long t = strtol(val, &end, 10);
            if (!val[0] || *end || t < 0)
                return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--threads '%s' is not an integer >= 0", val);
            o->threads = (int)t;
            break;
        }
        case 7: o->benchmark = 1; break;
        case 8: o->plot = val; break;
        case 9: o->forcing_csv = val; break;
        case 10: o->attributes_csv = val; break;
        }
    }
    if (!o->checkpoint)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "give the file written by `train --checkpoint FILE`",
                         "%s needs --checkpoint FILE", cmd == OPT_SIM ? "simulate" : "eval");
    if (cmd == OPT_SIM && !o->out)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "one CSV per basin is written into DIR",
                         "simulate --checkpoint needs --out DIR");
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
    if (dgrt_config_load_data(d, m, c, o->period.start - (int32_t)o->warmup, o->period.end, err))
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
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopenCheck(tmp, "w", err);
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
    return 0;
}

int dgrt_cmd_simulate_checkpoint(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    EvalOptions o;
    if (parse_eval_args(&o, argc, argv, OPT_SIM, &err)) {
        dgrt_err_print(&err, errf);
        return DGRT_EXIT_USAGE;
    }
    DgRestored r;
    DgDataset d;
    memset(&r, 0, sizeof r);
    memset(&d, 0, sizeof d);
    int *idx = NULL, n = 0, rc;
    double *sim = NULL, *all = NULL, *theta = NULL;
    if ((rc = setup(&r, &d, &o, m, &idx, &n, 0, errf, &err)) || (rc = make_dir(o.out, &err))) goto done;
    int64_t nd = dgrt_period_days(o.period);
    int no = m->noutputs;
    sim = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    all = mallocCheck(sizeof(double) * (size_t)(nd * no * n + 1));
    theta = mallocCheck(sizeof(double) * (size_t)(n * m->nparams * r.ncomp + 1));
    r.pred.theta = theta;
    dgrt_predict(&r.pred, &d, idx, n, o.period, o.warmup, sim, all);
    r.pred.theta = NULL;
    for (int b = 0; b < n && !rc; b++) {
        const DgBasin *bs = &d.basins[idx[b]];
        char path[2048], tmp[2100];
        snprintf(path, sizeof path, "%s/%s.csv", o.out, bs->id);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopenCheck(tmp, "w", &err);
        if (!f) {
            rc = err.code;
            break;
        }
        fputs("date", f);
        for (int i = 0; i < no; i++) fprintf(f, ",%s", m->outputs[i].name);
        fputc('\n', f);
        char date[16];
        for (int64_t t = 0; t < nd; t++) {
            fputs(dgrt_format_date(o.period.start + (int32_t)t, date), f);
            for (int i = 0; i < no; i++) fprintf(f, ",%.9g", all[(t * no + i) * n + b]);
            fputc('\n', f);
        }
        rc = dgrt_commit_file(f, 0, tmp, path, &err);
    }
    if (!rc) rc = write_params(m, &d, idx, n, r.ncomp, theta, o.out, &err);
    if (!rc) {
        char ps[32];
        fprintf(out,
                "%s: %d basin%s simulated over %s (%lld warm-up days at most) -> %s/<basin>.csv, parameters "
                "-> %s/params.csv\n",
                m->name, n, n == 1 ? "" : "s", dgrt_period_format(o.period, ps), (long long)o.warmup, o.out,
                o.out);
    }
done:
    if (rc) dgrt_err_print(&err, errf);
    free(sim);
    free(all);
    free(theta);
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

int dgrt_cmd_eval(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    EvalOptions o;
    if (parse_eval_args(&o, argc, argv, OPT_EVAL, &err)) {
        dgrt_err_print(&err, errf);
        return DGRT_EXIT_USAGE;
    }
    DgRestored r;
    DgDataset d;
    memset(&r, 0, sizeof r);
    memset(&d, 0, sizeof d);
    int *idx = NULL, n = 0, rc;
    double *sim = NULL, *obs = NULL, *bench = NULL, *ms = NULL, *mo = NULL;
    DgMetrics *mt = NULL, *mb = NULL;
    if ((rc = setup(&r, &d, &o, m, &idx, &n, 1, errf, &err))) goto done;
    if (o.plot && (rc = make_dir(o.plot, &err))) goto done;
    int64_t nd = dgrt_period_days(o.period);
    sim = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    obs = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    bench = mallocCheck(sizeof(double) * (size_t)(nd * n + 1));
    ms = mallocCheck(sizeof(double) * (size_t)(nd + 1));
    mo = mallocCheck(sizeof(double) * (size_t)(nd + 1));
    mt = callocCheck((size_t)n, sizeof(DgMetrics));
    mb = callocCheck((size_t)n, sizeof(DgMetrics));
    dgrt_predict(&r.pred, &d, idx, n, o.period, o.warmup, sim, NULL);
    int nbench = 0;
    for (int b = 0; b < n; b++) {
        const DgBasin *bs = &d.basins[idx[b]];
        int64_t t0 = dgrt_basin_index(bs, o.period.start);
        int has_bench = 0;
        for (int64_t t = 0; t < nd; t++) {
            obs[t * n + b] = bs->obs[t0 + t];
            bench[t * n + b] = bs->bench ? bs->bench[t0 + t] : NAN;
            has_bench |= !isnan(bench[t * n + b]);
        }
        /* with --benchmark, both on the days the benchmark covers (same days, fair comparison) */
        for (int64_t t = 0; t < nd; t++) {
            ms[t] = sim[t * n + b];
            mo[t] = o.benchmark && has_bench && isnan(bench[t * n + b]) ? NAN : obs[t * n + b];
        }
        dgrt_metrics_series(&mt[b], ms, mo, nd);
        if (o.benchmark) {
            for (int64_t t = 0; t < nd; t++) ms[t] = bench[t * n + b];
            dgrt_metrics_series(&mb[b], ms, mo, nd);
            nbench += has_bench;
        }
        if (o.plot) {
            char path[2048], title[256], ps[32];
            snprintf(path, sizeof path, "%s/%s.svg", o.plot, bs->id);
            snprintf(title, sizeof title, "%s, basin %s, %s: NSE %.3f, KGE %.3f", m->name, bs->id,
                     dgrt_period_format(o.period, ps), mt[b].nse, mt[b].kge);
            for (int64_t t = 0; t < nd; t++) {
                ms[t] = sim[t * n + b];
                mo[t] = obs[t * n + b];
            }
            double *bb = NULL;
            if (o.benchmark && has_bench) {
                bb = mallocCheck(sizeof(double) * (size_t)nd);
                for (int64_t t = 0; t < nd; t++) bb[t] = bench[t * n + b];
            }
            rc = dgrt_plot_hydrograph(path, title, o.period.start, nd, mo, ms, bb, m->outputs[r.target].unit,
                                      &err);
            free(bb);
            if (rc) goto done;
        }
    }
    // table on stdout
    char ps[32];
    fprintf(out, "%s: checkpoint '%s', %s over %s (%lld warm-up days at most), %d basin%s\n", m->name,
            o.checkpoint, m->outputs[r.target].name, dgrt_period_format(o.period, ps), (long long)o.warmup, n,
            n == 1 ? "" : "s");
    const char *hdr =
        "basin           n      NSE      KGE       r   alpha    beta    bias%     RMSE     FHV%     FLV%";
    fprintf(out, "%s%s\n", hdr, o.benchmark ? "   | benchmark NSE      KGE    bias%" : "");
    DgMetrics med, medb;
    dgrt_metrics_median(&med, mt, n);
    dgrt_metrics_median(&medb, mb, n);
    for (int b = 0; b < n && n <= 200; b++) {
        print_metrics_row(out, d.basins[idx[b]].id, &mt[b]);
        if (o.benchmark) fprintf(out, "   |      %8.4f %8.4f %8.2f", mb[b].nse, mb[b].kge, mb[b].bias_pct);
        fputc('\n', out);
    }
    print_metrics_row(out, "median", &med);
    if (o.benchmark) fprintf(out, "   |      %8.4f %8.4f %8.2f", medb.nse, medb.kge, medb.bias_pct);
    fputc('\n', out);
    if (o.benchmark)
        fprintf(out,
                "benchmark: CAMELS SAC-SMA (MOD_RUN) for %d of %d basins; metrics of both over the days it "
                "covers\n",
                nbench, n);
    // CSV
    if (o.out) {
        char tmp[2100];
        snprintf(tmp, sizeof tmp, "%s.tmp", o.out);
        FILE *f = fopenCheck(tmp, "w", &err);
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
        for (int b = 0; b < n; b++) {
            fputs(d.basins[idx[b]].id, f);
            csv_metrics(f, &mt[b]);
            if (o.benchmark) csv_metrics(f, &mb[b]);
            fputc('\n', f);
        }
        fputs("median", f);
        csv_metrics(f, &med);
        if (o.benchmark) csv_metrics(f, &medb);
        fputc('\n', f);
        rc = dgrt_commit_file(f, 0, tmp, o.out, &err);
    }
done:
    if (rc) dgrt_err_print(&err, errf);
    free(sim);
    free(obs);
    free(bench);
    free(ms);
    free(mo);
    free(mt);
    free(mb);
    free(idx);
    dgrt_dataset_free(&d);
    dgrt_restore_free(&r);
    return rc;
}
