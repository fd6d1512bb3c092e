/* gradcheck.c — the `gradcheck` subcommand: the model's adjoint kernels
 * (series adjoint -> run_rev -> init_rev, + prologue_rev for the routing
 * weights) against central finite differences, in double precision, for
 *   L = sum_t sum_o sum_b r[t][o][b] * y[t][o][b]
 * with y the averaged/routed series and r fixed uniform numbers in [-1, 1].
 * Checked: every parameter (per cell; basin-level ones per basin, through
 * the prologue only), every user state's initial value (per cell), and up to
 * 64 network weights. FD: (L(θ+h) - L(θ-h)) / 2h, h = 1e-6 max(1, |θ|),
 * and again with 10 h and 100 h (see central_diff); L summed with
 * compensation (see loss). Relative error
 * |a - fd| / max(|a|, |fd|, 1e-8 max|a over all|) <= --tol.
 * One line per parameter / state (its worst cell); exit 1 if any is NOT OK. */
#include "dgrt_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

// ---- Synthetic forcing --------------------------------------------------------------------

/* A plausible daily value for the default input names (CAMELS names too);
 * other inputs are uniform in [0, 1]. `season` = -cos(2 pi day / 365): the
 * series starts in winter (T about -6 degC, snow) and warms up (melt). */
static double synthetic_value(const char *name, double season, DgRng *rng) {
    double u = dgrt_rng_uniform(rng);
    if (!strcmp(name, "P") || !strcmp(name, "prcp")) {
        /* wet on 40% of days; amount Gamma(shape 2, scale 3) = -3 (log u1 + log u2), mean 6 mm */
        if (u >= 0.4) return 0;
        double u1 = 1 - dgrt_rng_uniform(rng), u2 = 1 - dgrt_rng_uniform(rng);
        return -3 * (log(u1) + log(u2));
    }
    if (!strcmp(name, "T") || !strcmp(name, "tmean") || !strcmp(name, "Tmean")) return 6 + 12 * season + 3 * (u - 0.5);
    if (!strcmp(name, "tmax")) return 11 + 12 * season + 3 * (u - 0.5);
    if (!strcmp(name, "tmin")) return 1 + 12 * season + 3 * (u - 0.5);
    if (!strcmp(name, "PET") || !strcmp(name, "E") || !strcmp(name, "pet")) return 2 + 1.5 * season + 0.3 * u;
    if (!strcmp(name, "Lday") || !strcmp(name, "lday")) return 0.5 + 0.15 * season;
    if (!strcmp(name, "dayl")) return (0.5 + 0.15 * season) * 86400;
    if (!strcmp(name, "srad")) return 200 + 100 * season + 20 * u;
    if (!strcmp(name, "vp")) return 900 + 500 * season + 50 * u;
    if (!strcmp(name, "swe")) return 0;
    return u;
}

// ---- The loss and its finite differences ---------------------------------------------------

typedef struct {
    DgSim        *s;
    const double *r;     /* [T][noutputs][nbasins] */
    double        labs;  /* sum |r y| of the last loss: the scale of its rounding error */
} Problem;

static double loss(Problem *pb, int rerun_init) {
    DgSim *s = pb->s;
    if (rerun_init) dgrt_sim_init(s);
    dgrt_sim_forward(s);
    /* Neumaier-compensated sum: the rounding of a long sum would otherwise
     * be a large part of the finite differences' noise */
    double L = 0, comp = 0, labs = 0;
    int64_t n = s->nsteps * s->m->noutputs * s->nbasins;
    for (int64_t i = 0; i < n; i++) {
        double term = pb->r[i] * s->series[i], t = L + term;
        labs += fabs(term);
        comp += fabs(L) >= fabs(term) ? (L - t) + term : (term - t) + L;
        L = t;
    }
    pb->labs = labs;
    return L + comp;
}

/* Central differences in the values x[idx[0..n-1]] moved together (they are
 * one parameter: a cell, or all components of a basin for a basin-level one),
 * with steps h, 10 h, 100 h, h = 1e-6 max(1, |v|). Rounding noise in L
 * (~eps sum|r y| / h) swamps small gradients at h; truncation error grows as
 * h^2 and a kink nearby spoils the larger steps. The report takes the one
 * closest to the analytic value: an adjoint that is wrong is off at all three.
 * (Measured on the stdlib models: at h alone, noise fails ~1 in 3 runs at
 * tol 1e-6; with the three, HBV/GR4J/EXP-HYDRO pass at 1e-8..1e-7.) */
enum { NSTEPS = 3 };
static const double fd_steps[NSTEPS] = {1e-6, 1e-5, 1e-4};

/* The differences of one value: central ones at the three steps with the
 * rounding noise each can carry (the loss's rounding, a few eps sum|r y|,
 * divided by the step: a tolerance that scales with the model, so a correct
 * adjoint never fails on noise), and the one-sided ones at the smallest step,
 * which disagree at a kink (min, max, a threshold, if/else). */
typedef struct {
    double fd[NSTEPS], noise[NSTEPS];
    double fwd, bwd;
} FdResult;

static void central_diff(Problem *pb, double *x, const int64_t *idx, int n, int rerun_init, FdResult *fr) {
    double v = x[idx[0]];
    double l0 = loss(pb, rerun_init);
    for (int k = 0; k < NSTEPS; k++) {
        double h = fd_steps[k] * fmax(1.0, fabs(v));
        for (int i = 0; i < n; i++) x[idx[i]] = v + h;
        double lp = loss(pb, rerun_init), noise = pb->labs;
        for (int i = 0; i < n; i++) x[idx[i]] = v - h;
        double lm = loss(pb, rerun_init);
        noise = 8 * 2.220446049250313e-16 * fmax(noise, pb->labs) / h;
        fr->fd[k] = (lp - lm) / (2 * h);
        fr->noise[k] = noise;
        if (k == 0) fr->fwd = (lp - l0) / h, fr->bwd = (l0 - lm) / h;
    }
    for (int i = 0; i < n; i++) x[idx[i]] = v;
}

// ---- Report -------------------------------------------------------------------------------

typedef struct {
    char    name[160];
    int     skipped;      /* lo == hi */
    int64_t n;            /* compared pairs */
    double *a;            /* a [n] */
    FdResult *fd;         /* [n] */
    char  (*where)[64];   /* [n] "basin 0 comp 1" */
} Entry;

static void entry_init(Entry *e, const char *name, int64_t n) {
    snprintf(e->name, sizeof e->name, "%s", name);
    e->skipped = 0;
    e->n = 0;
    e->a = mallocCheck(sizeof(double) * (size_t)(n + 1));
    e->fd = mallocCheck(sizeof(FdResult) * (size_t)(n + 1));
    e->where = mallocCheck(sizeof *e->where * (size_t)(n + 1));
}

static void entry_add(Entry *e, double a, const FdResult *fd, const char *where) {
    e->a[e->n] = a;
    e->fd[e->n] = *fd;
    snprintf(e->where[e->n], sizeof e->where[0], "%s", where);
    e->n++;
}

static void cell_name(char *buf, size_t size, int64_t c, int64_t ncomp) {
    if (ncomp == 1) snprintf(buf, size, "basin %lld", (long long)c);
    else snprintf(buf, size, "basin %lld comp %lld", (long long)(c / ncomp), (long long)(c % ncomp));
}

/* How far the analytic value a is from the closest central difference,
 * relative to its scale (*closest gets that difference); *excess is the
 * same after the rounding noise of each difference is taken off: what the
 * verdict uses. */
static double pair_error(double a, const FdResult *f, double gmax, double *closest, double *excess) {
    double rel = INFINITY;
    *closest = f->fd[0];
    *excess = INFINITY;
    for (int k = 0; k < NSTEPS; k++) {
        double d = f->fd[k];
        double scale = fmax(fmax(fabs(a), fabs(d)), 1e-8 * gmax);
        double r = scale > 0 ? fabs(a - d) / scale : 0;
        double x = scale > 0 ? fmax(fabs(a - d) - f->noise[k], 0) / scale : 0;
        if (!isfinite(a) || !isfinite(d)) r = x = INFINITY;
        if (r < rel) rel = r, *closest = d;
        if (x < *excess) *excess = x;
    }
    return rel;
}

/* A kink at the point: the one-sided differences disagree by far more than
 * their noise, and a lies between them (a valid one-sided derivative). */
static int at_kink(double a, const FdResult *f, double tol) {
    double lo = fmin(f->fwd, f->bwd), hi = fmax(f->fwd, f->bwd);
    double noise = 2 * f->noise[0] * 2;   /* one-sided: twice the central step's noise */
    double scale = fmax(fabs(lo), fabs(hi));
    if (!(hi - lo > 1e-3 * scale + 2 * noise)) return 0;
    double slack = tol * scale + noise;
    return a >= lo - slack && a <= hi + slack;
}

/* Print one line per entry (its worst pair) and the summary; returns the number NOT OK. */
static int report(Entry *es, int n, double tol, FILE *out) {
    double gmax = 0;
    for (int i = 0; i < n; i++)
        for (int64_t j = 0; j < es[i].n; j++)
            if (isfinite(es[i].a[j])) gmax = fmax(gmax, fabs(es[i].a[j]));
    int width = 4;
    for (int i = 0; i < n; i++)
        if ((int)strlen(es[i].name) > width) width = (int)strlen(es[i].name);
    fprintf(out, "%-*s  %-18s  %-18s  %-8s  %-20s  %s\n", width, "name", "analytic", "finite diff", "rel err", "worst at",
            "verdict");
    int bad = 0, checked = 0, kinks_all = 0;
    double worst_all = 0;
    for (int i = 0; i < n; i++) {
        Entry *e = &es[i];
        if (e->skipped) {
            fprintf(out, "%-*s  skipped (lower bound == upper bound)\n", width, e->name);
            continue;
        }
        // the worst pair that is not at a kink decides; pairs at kinks are counted apart
        double worst = -1, worst_x = 0, wfd = 0;
        int64_t wj = 0, kinks = 0, kj = -1;
        for (int64_t j = 0; j < e->n; j++) {
            double fd, x, rel = pair_error(e->a[j], &e->fd[j], gmax, &fd, &x);
            if (x > tol && at_kink(e->a[j], &e->fd[j], tol)) {
                kinks++, kj = j;
                continue;
            }
            if (x > worst_x || (x == worst_x && rel > worst)) worst = rel, worst_x = x, wj = j, wfd = fd;
        }
        if (worst < 0) worst = 0, wj = kj, wfd = e->fd[kj].fd[0];   /* every pair at a kink */
        int ok = worst_x <= tol;
        int zero = 1;   /* the forcing never exercised this parameter */
        for (int64_t j = 0; j < e->n; j++)
            for (int k = 0; k < NSTEPS; k++) zero &= e->a[j] == 0 && e->fd[j].fd[k] == 0;
        bad += !ok;
        checked++;
        kinks_all += kinks > 0;
        if (worst > worst_all) worst_all = worst;
        char verdict[96];
        if (!ok) snprintf(verdict, sizeof verdict, "NOT OK");
        else if (zero) snprintf(verdict, sizeof verdict, "OK (zero everywhere)");
        else if (kinks) snprintf(verdict, sizeof verdict, "OK (%lld at a kink)", (long long)kinks);
        else snprintf(verdict, sizeof verdict, "OK");
        fprintf(out, "%-*s  % .11e  % .11e  %.2e  %-20s  %s\n", width, e->name, e->a[wj], wfd, worst, e->where[wj],
                verdict);
        if (kinks)   /* not differentiable there: the one-sided derivatives, which the analytic value lies between */
            fprintf(out, "%-*s  kink at %s: one-sided differences % .6e (left) and % .6e (right), analytic % .6e\n",
                    width, "", e->where[kj], e->fd[kj].bwd, e->fd[kj].fwd, e->a[kj]);
        if (!ok) {   /* FDs that disagree with each other point at a kink near the point, not at the adjoint */
            fprintf(out, "%-*s  finite diff at h, 10 h, 100 h:", width, "");
            for (int k = 0; k < NSTEPS; k++) fprintf(out, " % .11e", e->fd[wj].fd[k]);
            fputc('\n', out);
        }
    }
    if (bad)
        fprintf(out, "gradcheck: %d of %d NOT OK (max rel err %.2e, tol %.1e)\n", bad, checked, worst_all, tol);
    else
        fprintf(out, "gradcheck: all %d OK (max rel err %.2e, tol %.1e%s)\n", checked, worst_all, tol,
                kinks_all ? "; at kinks the one-sided derivatives bracket the analytic one" : "");
    return bad;
}

// ---- gradcheck ----------------------------------------------------------------------------

int dgrt_cmd_gradcheck(const DgModel *m, const DgOptions *o, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    int64_t ncomp = o->components ? o->components : (m->components > 0 ? m->components : 1);
    int64_t ncells = o->cells ? o->cells : 2 * ncomp;
    if (ncells % ncomp) {
        dgrt_fail(&err, DGRT_EXIT_USAGE, "cells are basins x components",
                  "--cells %lld is not a multiple of the %lld components", (long long)ncells, (long long)ncomp);
        dgrt_err_print(&err, errf);
        return err.code;
    }
    int64_t nbasins = ncells / ncomp;
    DgRng rng = {o->seed};
    DgInitOverride *ov = NULL;
    DgForcing f = {0};
    DgSim s = {0};
    Entry *es = NULL;
    int nes = 0, rc;
    double *vals = mallocCheck(sizeof(double) * (size_t)(m->nparams * ncomp + 1));
    double *netw = callocCheck((size_t)m->nnetw + 1, sizeof(double));
    int have_forcing = o->forcing.csv_path || o->forcing.data_dir;
    if ((rc = dgrt_check_kernels(m, DG_F64, 1, &err)) || (rc = dgrt_setup_inits(m, o, ncomp, &ov, &err)) ||
        (rc = dgrt_setup_netw(m, o, netw, &err)))
        goto done;
    if (o->params_path && (rc = dgrt_params_load(m, o->params_path, ncomp, vals, &err))) goto done;
    if (have_forcing && (rc = dgrt_forcing_load(&f, m->inputs, m->ninputs, &o->forcing, &err))) goto done;

    int64_t T = have_forcing ? f.nsteps : (o->steps ? o->steps : 200);
    if (have_forcing && o->steps && o->steps < T) T = o->steps;
    dgrt_sim_alloc(&s, m, DG_F64, nbasins, ncomp, T);
    s.ov = ov;
    s.nov = o->ninits;
    memcpy(s.netw, netw, sizeof(double) * (size_t)m->nnetw);

    // parameters: from --params, else random inside the bounds (5%..95% of the range)
    if (o->params_path) {
        dgrt_params_spread(m, vals, ncomp, nbasins, s.params);
    } else {
        for (int p = 0; p < m->nparams; p++) {
            const DgParamInfo *pi = &m->params[p];
            int bounded = !isnan(pi->lo) && !isnan(pi->hi);
            if (!bounded && isnan(pi->value)) {
                rc = dgrt_fail(&err, DGRT_EXIT_USAGE, "give its value with --params FILE",
                               "parameter '%s' has neither bounds nor a default: gradcheck cannot choose a value", pi->name);
                goto done;
            }
            for (int64_t c = 0; c < ncells; c++) {
                double v = bounded ? pi->lo + (0.05 + 0.9 * dgrt_rng_uniform(&rng)) * (pi->hi - pi->lo) : pi->value;
                if (pi->basin_level && c % ncomp) v = s.params[p * ncells + c - c % ncomp];
                s.params[p * ncells + c] = v;
            }
        }
    }
    // forcing: the file's (same for every basin), else synthetic per basin
    for (int64_t t = 0; t < T; t++)
        for (int i = 0; i < m->ninputs; i++)
            for (int64_t b = 0; b < nbasins; b++) {
                double season = -cos(2 * M_PI * (double)(t + 20 * b) / 365.0);
                s.forcing[(t * m->ninputs + i) * nbasins + b] =
                    have_forcing ? f.values[t * m->ninputs + i] : synthetic_value(m->inputs[i].name, season, &rng);
            }
    dgrt_sim_input_stats(&s);   /* norm(): constants of the check, from this forcing */
    double *r = mallocCheck(sizeof(double) * (size_t)(T * m->noutputs * nbasins + 1));
    for (int64_t i = 0; i < T * m->noutputs * nbasins; i++) r[i] = 2 * dgrt_rng_uniform(&rng) - 1;
    Problem pb = {&s, r, 0};

    fprintf(out, "gradcheck %s: f64, %lld steps (%s), %lld basin%s x %lld component%s, seed %llu, tol %.1e\n", m->name,
            (long long)T, have_forcing ? f.path : "synthetic forcing", (long long)nbasins, nbasins == 1 ? "" : "s",
            (long long)ncomp, ncomp == 1 ? "" : "s", (unsigned long long)o->seed, o->tol);

    // analytic gradients at the base point
    double L0 = loss(&pb, 1);
    double *dparams = callocCheck((size_t)(m->nparams * ncells + 1), sizeof(double));
    double *dstates0 = callocCheck((size_t)(m->nstates * ncells + 1), sizeof(double));
    double *dnetw = callocCheck((size_t)m->nnetw + 1, sizeof(double));
    dgrt_sim_backward(&s, r, dparams, dstates0, dnetw);
    fprintf(out, "L = %.17g\n", L0);

    es = callocCheck((size_t)(m->nparams + m->nuser_states + 1), sizeof(Entry));
    char where[64];
    FdResult fd;
    // parameters (FD reruns init: initial states may depend on them)
    for (int p = 0; p < m->nparams; p++) {
        const DgParamInfo *pi = &m->params[p];
        Entry *e = &es[nes++];
        entry_init(e, pi->name, ncells);
        if (!isnan(pi->lo) && pi->lo == pi->hi) {
            e->skipped = 1;
            continue;
        }
        int64_t idx[ncomp];
        if (pi->basin_level) {
            snprintf(e->name, sizeof e->name, "%s (basin-level)", pi->name);
            for (int64_t b = 0; b < nbasins; b++) {
                double a = 0;
                for (int64_t k = 0; k < ncomp; k++) {
                    idx[k] = p * ncells + b * ncomp + k;
                    a += dparams[idx[k]];
                }
                snprintf(where, sizeof where, "basin %lld", (long long)b);
                central_diff(&pb, s.params, idx, (int)ncomp, 1, &fd);
                entry_add(e, a, &fd, where);
            }
        } else {
            for (int64_t c = 0; c < ncells; c++) {
                idx[0] = p * ncells + c;
                cell_name(where, sizeof where, c, ncomp);
                central_diff(&pb, s.params, idx, 1, 1, &fd);
                entry_add(e, dparams[idx[0]], &fd, where);
            }
        }
    }
    // initial states: perturb the states after init (and the overrides)
    dgrt_sim_init(&s);
    for (int i = 0; i < m->nuser_states; i++) {
        Entry *e = &es[nes++];
        char name[160];
        snprintf(name, sizeof name, "%s (initial state)", m->states[i].name);
        entry_init(e, name, ncells);
        for (int64_t c = 0; c < ncells; c++) {
            int64_t idx = i * ncells + c;
            cell_name(where, sizeof where, c, ncomp);
            central_diff(&pb, s.states0, &idx, 1, 0, &fd);
            entry_add(e, dstates0[idx], &fd, where);
        }
    }
    // network weights: up to 64 of them, evenly spread
    if (m->nnetw > 0) {
        Entry *e = &es[nes++];
        int64_t nchk = m->nnetw < 64 ? m->nnetw : 64;
        char name[160];
        snprintf(name, sizeof name, "netw (%lld of %d)", (long long)nchk, m->nnetw);
        entry_init(e, name, nchk);
        for (int64_t j = 0; j < nchk; j++) {
            int64_t w = j * m->nnetw / nchk;
            snprintf(where, sizeof where, "weight %lld", (long long)w);
            central_diff(&pb, s.netw, &w, 1, 1, &fd);
            entry_add(e, dnetw[w], &fd, where);
        }
    }
    int bad = report(es, nes, o->tol, out);
    rc = bad ? DGRT_EXIT_FAIL : DGRT_EXIT_OK;
    free(r);
    free(dparams);
    free(dstates0);
    free(dnetw);
done:
    if (rc && err.code) dgrt_err_print(&err, errf);
    for (int i = 0; i < nes; i++) {
        free(es[i].a);
        free(es[i].fd);
        free(es[i].where);
    }
    free(es);
    dgrt_sim_free(&s);
    dgrt_forcing_free(&f);
    free(vals);
    free(netw);
    free(ov);
    return rc;
}
