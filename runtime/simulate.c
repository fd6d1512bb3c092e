/* simulate.c — running a model through its ABI kernels (DgSim: init, run_fwd,
 * prologue, series, and the reverse chain for gradcheck), and the `simulate`
 * subcommand: parameters + forcing -> a CSV of the averaged/routed outputs
 * (and, with --states, every user state at the end of each day), or the same
 * in a NetCDF file (--out FILE.nc).
 *
 * Buffers are double; an f32 run converts each kernel's arrays to float
 * around the call and back (simulate only; the series are computed in double). */
#include "dgrt_internal.h"
#include "netcdf_io.h"
#include "input_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

// ---- Calling a kernel in either precision -------------------------------------------------

typedef enum { K_INIT, K_RUN, K_PROLOGUE } KernelKind;

static float *to_f32(const void *d, int64_t n) {
    if (!d) return NULL;
    float *f = mallocCheck(sizeof(float) * (size_t)(n + 1));
    for (int64_t i = 0; i < n; i++) f[i] = (float)((const double *)d)[i];
    return f;
}

static void from_f32(void *d, const float *f, int64_t n) {
    if (!d) return;
    for (int64_t i = 0; i < n; i++) ((double *)d)[i] = (double)f[i];
}

/* r: a DgRun over double arrays; kind tells the length of `out`/`dout`. */
static void call_kernel(const DgSim *s, DgKernel const k[2], KernelKind kind, const DgRun *r) {
    if (s->prec == DG_F64) {
        k[DG_F64](r);
        return;
    }
    const DgModel *m = s->m;
    int64_t nc = r->ncells, nb = nc / r->ncomp, T = r->nsteps;
    int64_t np = (int64_t)m->nparams * nc, ns = (int64_t)m->nstates * nc;
    int64_t nout = kind == K_PROLOGUE ? (int64_t)m->nweights * nc : kind == K_RUN ? T * m->noutputs * nc : 0;
    DgRun f = *r;
    f.params = to_f32(r->params, np);
    f.dyn_params = to_f32(r->dyn_params, T * np);
    f.forcing = to_f32(r->forcing, T * m->ninputs * nb);
    f.states = to_f32(r->states, ns);
    f.out = to_f32(r->out, nout);
    f.tape = to_f32(r->tape, T * ns);
    f.dout = to_f32(r->dout, nout);
    f.dparams = to_f32(r->dparams, np);
    f.ddyn_params = to_f32(r->ddyn_params, T * np);
    f.dstates = to_f32(r->dstates, ns);
    f.netw = to_f32(r->netw, m->nnetw);
    f.dnetw = to_f32(r->dnetw, m->nnetw);
    f.input_norm = to_f32(r->input_norm, 2 * (int64_t)m->ninputs);
    k[DG_F32](&f);
    from_f32(r->states, f.states, ns);
    from_f32(r->out, f.out, nout);
    from_f32(r->tape, f.tape, T * ns);
    from_f32(r->dparams, f.dparams, np);
    from_f32(r->ddyn_params, f.ddyn_params, T * np);
    from_f32(r->dstates, f.dstates, ns);
    from_f32(r->dnetw, f.dnetw, m->nnetw);
    const void *all[] = {f.params, f.dyn_params, f.forcing, f.states, f.out, f.tape, f.dout,
                         f.dparams, f.ddyn_params, f.dstates, f.netw, f.dnetw, f.input_norm};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free((void *)all[i]);
}

// ---- DgSim --------------------------------------------------------------------------------

void dgrt_sim_alloc(DgSim *s, const DgModel *m, int prec, int64_t nbasins, int64_t ncomp, int64_t nsteps) {
    memset(s, 0, sizeof *s);
    s->m = m;
    s->prec = prec;
    s->nbasins = nbasins;
    s->ncomp = ncomp;
    s->ncells = nbasins * ncomp;
    s->nsteps = nsteps;
    int64_t nc = s->ncells;
    s->params = callocCheck((size_t)(m->nparams * nc), sizeof(double));
    s->forcing = callocCheck((size_t)(nsteps * m->ninputs * nbasins), sizeof(double));
    s->netw = callocCheck((size_t)m->nnetw, sizeof(double));
    s->states0 = callocCheck((size_t)(m->nstates * nc), sizeof(double));
    s->states = callocCheck((size_t)(m->nstates * nc), sizeof(double));
    s->out = callocCheck((size_t)(nsteps * m->noutputs * nc), sizeof(double));
    s->tape = callocCheck((size_t)(nsteps * m->nstates * nc), sizeof(double));
    s->weights = callocCheck((size_t)(m->nweights * nbasins), sizeof(double));
    s->series = callocCheck((size_t)(nsteps * m->noutputs * nbasins), sizeof(double));
    s->input_norm = callocCheck(2 * (size_t)m->ninputs + 1, sizeof(double));
    for (int i = 0; i < m->ninputs; i++) s->input_norm[m->ninputs + i] = 1;
}

void dgrt_sim_input_stats(DgSim *s) {
    DgInputStats st;
    dgrt_input_stats_alloc(&st, s->m->ninputs);
    dgrt_input_stats_of_forcing(&st, s->forcing, s->nsteps, s->nbasins);
    memcpy(s->input_norm, st.packed, sizeof(double) * 2 * (size_t)s->m->ninputs);
    dgrt_input_stats_free(&st);
}

void dgrt_sim_free(DgSim *s) {
    free(s->params);
    free(s->forcing);
    free(s->netw);
    free(s->states0);
    free(s->states);
    free(s->out);
    free(s->tape);
    free(s->weights);
    free(s->series);
    free(s->input_norm);
    memset(s, 0, sizeof *s);
}

static DgRun base_run(const DgSim *s) {
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = s->ncells;
    r.ncomp = s->ncomp;
    r.nsteps = 1;
    r.params = s->params;
    r.netw = s->m->nnetw ? s->netw : NULL;
    r.input_norm = s->input_norm;
    return r;
}

/* Parameters of the prologue: one cell per basin, component 0's values. */
static double *basin_params(const DgSim *s) {
    const DgModel *m = s->m;
    double *pp = mallocCheck(sizeof(double) * (size_t)(m->nparams * s->nbasins + 1));
    for (int p = 0; p < m->nparams; p++)
        for (int64_t b = 0; b < s->nbasins; b++) pp[p * s->nbasins + b] = s->params[p * s->ncells + b * s->ncomp];
    return pp;
}

void dgrt_sim_init(DgSim *s) {
    DgRun r = base_run(s);
    r.states = s->states0;
    call_kernel(s, s->m->init, K_INIT, &r);
    dgrt_init_apply(s->ov, s->nov, s->states0, s->ncells, s->ncomp);
}

void dgrt_sim_forward(DgSim *s) {
    const DgModel *m = s->m;
    memcpy(s->states, s->states0, sizeof(double) * (size_t)(m->nstates * s->ncells));
    DgRun r = base_run(s);
    r.nsteps = s->nsteps;
    r.forcing = s->forcing;
    r.states = s->states;
    r.out = s->out;
    r.tape = s->tape;
    call_kernel(s, m->run_fwd, K_RUN, &r);
    if (m->nweights > 0) {
        double *pp = basin_params(s);
        DgRun pr = base_run(s);
        pr.ncells = s->nbasins;
        pr.ncomp = 1;
        pr.params = pp;
        pr.out = s->weights;
        call_kernel(s, m->prologue, K_PROLOGUE, &pr);
        free(pp);
    }
    dgrt_series_forward(m, s->nsteps, s->nbasins, s->ncomp, s->out, s->weights, s->series);
}

/* In the exact reverse order of dgrt_sim_init + dgrt_sim_forward. */
void dgrt_sim_backward(DgSim *s, const double *dseries, double *dparams, double *dstates0, double *dnetw) {
    const DgModel *m = s->m;
    int64_t nc = s->ncells, nb = s->nbasins;
    double *dout = callocCheck((size_t)(s->nsteps * m->noutputs * nc + 1), sizeof(double));
    double *dweights = callocCheck((size_t)(m->nweights * nb + 1), sizeof(double));
    double *dstates = callocCheck((size_t)(m->nstates * nc + 1), sizeof(double));
    double *dp = callocCheck((size_t)(m->nparams * nc + 1), sizeof(double));
    double *dw = callocCheck((size_t)(m->nnetw + 1), sizeof(double));
    // series: dseries -> dout (per cell), dweights (per basin)
    dgrt_series_backward(m, s->nsteps, nb, s->ncomp, s->out, s->weights, dseries, dout, dweights);
    // prologue: dweights -> d basin params, which belong to component 0 of each basin
    if (m->nweights > 0) {
        double *pp = basin_params(s);
        double *dpp = callocCheck((size_t)(m->nparams * nb + 1), sizeof(double));
        DgRun pr = base_run(s);
        pr.ncells = nb;
        pr.ncomp = 1;
        pr.params = pp;
        pr.dout = dweights;
        pr.dparams = dpp;
        pr.dnetw = m->nnetw ? dw : NULL;
        call_kernel(s, m->prologue_rev, K_PROLOGUE, &pr);
        for (int p = 0; p < m->nparams; p++)
            for (int64_t b = 0; b < nb; b++) dp[p * nc + b * s->ncomp] += dpp[p * nb + b];
        free(pp);
        free(dpp);
    }
    // run: dout, d final states (0) -> dparams, d initial states
    DgRun r = base_run(s);
    r.nsteps = s->nsteps;
    r.forcing = s->forcing;
    r.tape = s->tape;
    r.dout = dout;
    r.dparams = dp;
    r.dstates = dstates;
    r.dnetw = m->nnetw ? dw : NULL;
    call_kernel(s, m->run_rev, K_RUN, &r);
    if (dstates0) memcpy(dstates0, dstates, sizeof(double) * (size_t)(m->nstates * nc));
    // --init overrides cut the dependence of those states on the parameters
    for (int i = 0; i < s->nov; i++)
        for (int64_t c = 0; c < nc; c++)
            if (s->ov[i].comp < 0 || c % s->ncomp == s->ov[i].comp) dstates[s->ov[i].state * nc + c] = 0;
    // init: d initial states -> dparams
    DgRun ir = base_run(s);
    ir.dstates = dstates;
    ir.dparams = dp;
    ir.dnetw = m->nnetw ? dw : NULL;
    call_kernel(s, m->init_rev, K_INIT, &ir);
    if (dparams)
        for (int64_t i = 0; i < m->nparams * nc; i++) dparams[i] += dp[i];
    if (dnetw)
        for (int i = 0; i < m->nnetw; i++) dnetw[i] += dw[i];
    free(dout);
    free(dweights);
    free(dstates);
    free(dp);
    free(dw);
}

// ---- Setup shared with gradcheck ------------------------------------------------------------

int dgrt_setup_inits(const DgModel *m, const DgOptions *o, int64_t ncomp, DgInitOverride **ov, DgrtErr *err) {
    *ov = callocCheck((size_t)o->ninits + 1, sizeof(DgInitOverride));
    for (int i = 0; i < o->ninits; i++)
        if (dgrt_init_parse(m, o->inits[i], ncomp, &(*ov)[i], err)) return err->code;
    return 0;
}

int dgrt_setup_netw(const DgModel *m, const DgOptions *o, double *netw, DgrtErr *err) {
    if (o->netw_path) {
        if (m->nnetw == 0)
            return dgrt_fail(err, DGRT_EXIT_USAGE, "leave out --netw", "--netw: the model has no network weights");
        return dgrt_netw_load(m, o->netw_path, netw, err);
    }
    dgrt_netw_default(m, netw);
    return 0;
}

// ---- simulate -----------------------------------------------------------------------------

/* date, outputs..., [states per component]; one row per day. */
static int write_csv(const DgSim *s, const DgForcing *f, const DgOptions *o, FILE *out) {
    const DgModel *m = s->m;
    const char *fmt = s->prec == DG_F32 ? "%.9g" : "%.17g";
    fputs("date", out);
    for (int i = 0; i < m->noutputs; i++) fprintf(out, ",%s", m->outputs[i].name);
    if (o->states)
        for (int i = 0; i < m->nuser_states; i++)
            for (int64_t k = 0; k < s->ncomp; k++) {
                if (s->ncomp == 1) fprintf(out, ",%s", m->states[i].name);
                else fprintf(out, ",%s[%lld]", m->states[i].name, (long long)k);
            }
    fputc('\n', out);
    char date[16];
    for (int64_t t = 0; t < s->nsteps; t++) {
        fputs(dgrt_format_date(f->dates[t], date), out);
        for (int i = 0; i < m->noutputs; i++) {
            fputc(',', out);
            fprintf(out, fmt, s->series[t * m->noutputs + i]);   /* one basin */
        }
        if (o->states) {
            /* state at the end of day t = at the start of day t+1 (tape), or the final state */
            const double *st = t + 1 < s->nsteps ? s->tape + (t + 1) * m->nstates * s->ncells : s->states;
            for (int i = 0; i < m->nuser_states; i++)
                for (int64_t k = 0; k < s->ncomp; k++) {
                    fputc(',', out);
                    fprintf(out, fmt, st[i * s->ncells + k]);
                }
        }
        fputc('\n', out);
    }
    return ferror(out) ? 1 : 0;
}

/* An output of that name (a state of the same name gets trailing '_'s in a file). */
static int is_output(const DgModel *m, const char *name) {
    for (int i = 0; i < m->noutputs; i++)
        if (!strcmp(m->outputs[i].name, name)) return 1;
    return 0;
}

/* FILE.nc: the same series as write_csv in one CF timeSeries file of one
 * basin (netcdf_write.c): outputs (basin, time), with --states every user
 * state at the end of each day (basin, component, time). */
static int write_netcdf(const DgSim *s, const DgForcing *f, const DgOptions *o, DgrtErr *err) {
    const DgModel *m = s->m;
    char id[1100], title[512];
    const char *slash = strrchr(f->path, '/');
    snprintf(id, sizeof id, "%s", o->forcing.basin ? o->forcing.basin : slash ? slash + 1 : f->path);
    snprintf(title, sizeof title, "%s, simulated by dgc", m->name);
    const char *ids[1] = {id};
    double lat = f->latitude, lon = NAN;
    DgNcLayout l = {1, ids, &lat, &lon, f->dates[0], s->nsteps, s->ncomp, title, f->path};
    DgNcOut *nc = dgrt_ncout_create(o->out_path, &l, err);
    if (!nc) return err->code;
    int f32 = s->prec == DG_F32, rc = 0, nv = m->noutputs + (o->states ? m->nuser_states : 0);
    int *var = mallocCheck(sizeof(int) * (size_t)(nv + 1));
    char ln[300];
    for (int i = 0; i < m->noutputs && !rc; i++) {
        snprintf(ln, sizeof ln, "simulated %s", m->outputs[i].name);
        if ((var[i] = dgrt_ncout_var(nc, m->outputs[i].name, DG_NC_SERIES, f32, m->outputs[i].unit, ln, err)) < 0)
            rc = err->code;
    }
    for (int i = 0; o->states && i < m->nuser_states && !rc; i++) {
        char name[160];
        snprintf(name, sizeof name, "%s", m->states[i].name);
        for (size_t n = strlen(name); is_output(m, name) && n + 1 < sizeof name; n++) name[n] = '_', name[n + 1] = 0;
        snprintf(ln, sizeof ln, "state %s at the end of each day, per component", m->states[i].name);
        if ((var[m->noutputs + i] = dgrt_ncout_var(nc, name, DG_NC_COMP_SERIES, f32, m->states[i].unit, ln, err)) < 0)
            rc = err->code;
    }
    double *buf = mallocCheck(sizeof(double) * (size_t)(s->nsteps * s->ncomp + 1));
    for (int i = 0; i < m->noutputs && !rc; i++) {
        for (int64_t t = 0; t < s->nsteps; t++) buf[t] = s->series[t * m->noutputs + i];
        rc = dgrt_ncout_put(nc, var[i], 0, buf, err);
    }
    for (int i = 0; o->states && i < m->nuser_states && !rc; i++) {
        for (int64_t t = 0; t < s->nsteps; t++) {
            const double *st = t + 1 < s->nsteps ? s->tape + (t + 1) * m->nstates * s->ncells : s->states;
            for (int64_t k = 0; k < s->ncomp; k++) buf[k * s->nsteps + t] = st[i * s->ncells + k];
        }
        rc = dgrt_ncout_put(nc, var[m->noutputs + i], 0, buf, err);
    }
    free(buf);
    free(var);
    return dgrt_ncout_commit(nc, rc, err) ? err->code : 0;
}

/* The first non-finite value of each output, as a warning on stderr. */
static void warn_nonfinite(const DgSim *s, const DgForcing *f, FILE *errf) {
    const DgModel *m = s->m;
    for (int i = 0; i < m->noutputs; i++)
        for (int64_t t = 0; t < s->nsteps; t++) {
            double v = s->series[t * m->noutputs + i];
            if (isfinite(v)) continue;
            char date[16];
            fprintf(errf, "warning: output '%s' is %g on %s (step %lld) and possibly later\n", m->outputs[i].name, v,
                    dgrt_format_date(f->dates[t], date), (long long)t);
            break;
        }
}

int dgrt_check_kernels(const DgModel *m, int prec, int reverse, DgrtErr *err) {
    struct { const char *name; DgKernel k; int need; } ks[] = {
        {"init", m->init[prec], 1},
        {"run_fwd", m->run_fwd[prec], 1},
        {"prologue", m->prologue[prec], m->nweights > 0},
        {"init_rev", m->init_rev[prec], reverse},
        {"run_rev", m->run_rev[prec], reverse},
        {"prologue_rev", m->prologue_rev[prec], reverse && m->nweights > 0},
    };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if (ks[i].need && !ks[i].k)
            return dgrt_fail(err, DGRT_EXIT_FAIL, "the model was compiled without it; recompile with dgc",
                             "model '%s' has no %s kernel for %s", m->name, ks[i].name, prec == DG_F32 ? "f32" : "f64");
    return 0;
}

int dgrt_cmd_simulate(const DgModel *m, const DgOptions *o, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    int64_t ncomp = o->components ? o->components : (m->components > 0 ? m->components : 1);
    double *vals = mallocCheck(sizeof(double) * (size_t)(m->nparams * ncomp + 1));
    DgInitOverride *ov = NULL;
    DgForcing f = {0};
    DgSim s = {0};
    double *netw = callocCheck((size_t)m->nnetw + 1, sizeof(double));
    int rc;
    if ((rc = dgrt_check_kernels(m, o->precision, 0, &err)) || (rc = dgrt_params_load_outside(m, o->params_path, ncomp, vals, o->outside_bounds ? errf : NULL, &err)) ||
        (rc = dgrt_setup_inits(m, o, ncomp, &ov, &err)) || (rc = dgrt_setup_netw(m, o, netw, &err)) ||
        (rc = dgrt_forcing_load(&f, m->inputs, m->ninputs, &o->forcing, &err)))
        goto done;

    dgrt_sim_alloc(&s, m, o->precision, 1, ncomp, f.nsteps);
    dgrt_params_spread(m, vals, ncomp, 1, s.params);
    memcpy(s.forcing, f.values, sizeof(double) * (size_t)(f.nsteps * m->ninputs));   /* [T][ninputs][1 basin] */
    memcpy(s.netw, netw, sizeof(double) * (size_t)m->nnetw);
    dgrt_sim_input_stats(&s);   /* norm(): without a checkpoint, the statistics of the simulated period */
    s.ov = ov;
    s.nov = o->ninits;
    dgrt_sim_init(&s);
    dgrt_sim_forward(&s);
    warn_nonfinite(&s, &f, errf);

    if (o->out_path && dgrt_is_netcdf_path(o->out_path)) {
        rc = write_netcdf(&s, &f, o, &err);
    } else if (o->out_path && strcmp(o->out_path, "-")) {
        /* write next to the target, then rename: a reader never sees half a file */
        size_t n = strlen(o->out_path) + 16;
        char *tmp = mallocCheck(n);
        FILE *fo = dgrt_open_output(o->out_path, tmp, n, &err);
        if (!fo) {
            rc = err.code;
            free(tmp);
            goto done;
        }
        rc = dgrt_commit_file(fo, write_csv(&s, &f, o, fo), tmp, o->out_path, &err);
        free(tmp);
    } else if (write_csv(&s, &f, o, out)) {
        rc = dgrt_fail(&err, DGRT_EXIT_DATA, NULL, "cannot write the output");
    }
done:
    if (rc) dgrt_err_print(&err, errf);
    dgrt_sim_free(&s);
    dgrt_forcing_free(&f);
    free(vals);
    free(ov);
    free(netw);
    return rc;
}
