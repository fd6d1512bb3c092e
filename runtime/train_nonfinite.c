/* train_nonfinite.c — where a non-finite loss or gradient came from. After
 * the iteration that produced it, the batch is still in the shards: each
 * basin whose simulated series is not finite is run again day by day with
 * the same f32 kernels, parameters and forcing, until the target output or
 * a state first stops being finite. The notes name the basin, the date (and
 * whether it was a warm-up day), the outputs and states, and the inputs of
 * that day; parameters that are themselves not finite are named instead.
 * Only this process's basins are run again (under MPI, each rank reports
 * its own). */
#include "train_internal.h"
#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LISTED = 5 };   /* basins named in the summary note */

/* What the day-by-day run found for one basin of a shard. */
typedef struct {
    int64_t day;        /* window step of the first non-finite value; -1 = none found */
    int     param;      /* a parameter that is not finite (static, or dynamic on `day`); -1 = none */
    int     weights;    /* the target's routing weights are not finite */
    char    what[400];  /* the values that day: "output 'Q' is nan, state 'S' is nan ..." */
} Finding;

/* "nan", "inf", "-inf" (the sign of a NaN says nothing) */
static const char *nonfinite_text(float v) { return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

static int cells_finite(const float *row, int64_t b, int64_t K) {
    for (int64_t k = 0; k < K; k++)
        if (!isfinite(row[b * K + k])) return 0;
    return 1;
}

/* "output 'Q' is nan, state 'SM' is inf at the end of the day" for basin b on the replayed day */
static void describe_values(const DgPhys *p, int64_t b, const float *out, const float *states, char *buf,
                            size_t size) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, K = p->ncomp;
    size_t n = 0;
    buf[0] = 0;
    for (int o = -1; o < m->noutputs; o++) {   /* the target first */
        int oi = o < 0 ? p->target : o;
        if (o >= 0 && o == p->target) continue;
        for (int64_t k = 0; k < K; k++) {
            float v = out[(int64_t)oi * nc + b * K + k];
            if (isfinite(v)) continue;
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%soutput '%s' is %s", n ? ", " : "",
                                  m->outputs[oi].name, nonfinite_text(v));
            break;
        }
    }
    for (int i = 0; i < m->nstates; i++)
        for (int64_t k = 0; k < K; k++) {
            float v = states[i * nc + b * K + k];
            if (isfinite(v)) continue;
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%sstate '%s' is %s at the end of the day",
                                  n ? ", " : "", m->states[i].name, nonfinite_text(v));
            break;
        }
}

/* Runs shard p from init over its window, one step at a time, until every
 * basin with want[b] set has its finding f[b]. states, out: scratch of
 * [ns][nc] and [no][nc]. */
static void replay_shard(const DgPhys *p, const int *want, Finding *f, float *states, float *out) {
    const DgModel *m = p->m;
    int64_t nc = p->nc, K = p->ncomp, np = m->nparams, ni = m->ninputs;
    for (int64_t b = 0; b < p->B; b++) {
        f[b].day = -1;
        f[b].param = -1;
        f[b].weights = 0;
        f[b].what[0] = 0;
        for (int i = 0; i < np && want[b] && f[b].param < 0; i++)
            if (!cells_finite(p->params + i * nc, b, K)) f[b].param = i;
    }
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = nc;
    r.ncomp = K;
    r.nsteps = 1;
    r.params = p->params;
    r.netw = m->nnetw ? p->netw : NULL;
    r.input_norm = p->input_norm;   /* norm() statistics, as the batch ran with */
    r.states = states;
    m->init[DG_F32](&r);
    int pending = 0;
    for (int64_t b = 0; b < p->B; b++) pending += want[b] && f[b].param < 0;
    for (int64_t t = 0; t < p->T && pending > 0; t++) {
        for (int64_t b = 0; b < p->B; b++) {   /* a dynamic parameter of this day */
            if (!want[b] || f[b].param >= 0 || f[b].day >= 0 || !p->dyn) continue;
            for (int i = 0; i < np && f[b].param < 0; i++)
                if (!cells_finite(p->dyn + (t * np + i) * nc, b, K)) {
                    f[b].param = i;
                    f[b].day = t;
                    pending--;
                }
        }
        DgRun s = r;
        s.dyn_params = p->dyn ? p->dyn + t * np * nc : NULL;
        s.forcing = p->forcing + t * ni * p->B;
        s.out = out;
        m->run_fwd[DG_F32](&s);
        for (int64_t b = 0; b < p->B; b++) {
            if (!want[b] || f[b].param >= 0 || f[b].day >= 0) continue;
            int bad = !cells_finite(out + (int64_t)p->target * nc, b, K);
            for (int i = 0; i < m->nstates && !bad; i++) bad = !cells_finite(states + i * nc, b, K);
            if (bad) {
                f[b].day = t;
                describe_values(p, b, out, states, f[b].what, sizeof f[b].what);
                pending--;
            }
        }
    }
    for (int64_t b = 0; b < p->B; b++) {   /* finite all through: the routing weights, if any */
        if (!want[b] || f[b].param >= 0 || f[b].day >= 0) continue;
        const DgOutputInfo *oi = &m->outputs[p->target];
        for (int j = 0; oi->route_weights >= 0 && j < oi->route_len; j++)
            f[b].weights |= !isfinite(p->weights[(oi->route_weights + j) * p->B + b]);
    }
}

/* The date of window step t of batch basin g. */
static char *window_date(const DgTrainer *tr, int g, int64_t t, char *buf) {
    const DgBasin *bs = &tr->data.basins[tr->batch_basin[g]];
    return dgrt_format_date(bs->day0 + (int32_t)(tr->batch_start[g] + t), buf);
}

/* Notes for a batch whose simulated series are all finite (the loss overflowed). */
static void explain_finite_sim(const DgTrainer *tr, FILE *errf) {
    int64_t R = tr->cfg.rho;
    double big = 0;
    int64_t bt = 0;
    int bg = 0;
    for (int64_t t = 0; t < R; t++)
        for (int g = 0; g < tr->Bg; g++)
            if (fabs(tr->sim[t * tr->Bg + g]) > big) big = fabs(tr->sim[t * tr->Bg + g]), bt = t, bg = g;
    char date[16];
    fprintf(errf, "note: every simulated value of the batch is finite; the largest, %g, is basin %s's on %s\n", big,
            tr->data.basins[tr->batch_basin[bg]].id, window_date(tr, bg, tr->cfg.warmup + bt, date));
}

/* Notes for a finite loss with a gradient that is not. */
static void explain_gradient(const DgTrainer *tr, FILE *errf) {
    const DgModel *m = tr->m;
    for (int s = 0; s < tr->nshards; s++) {
        const DgPhys *p = &tr->shards[s];
        for (int i = 0; i < m->nparams; i++)
            for (int64_t b = 0; b < p->B; b++)
                if (!cells_finite(p->dparams + i * p->nc, b, p->ncomp)) {
                    fprintf(errf, "note: the gradient of parameter '%s' is not finite in basin %s\n",
                            m->params[i].name, tr->data.basins[tr->batch_basin[tr->b_lo + p->b0 + b]].id);
                    return;
                }
    }
    for (int i = 0; i < tr->net.nnetw; i++)
        if (!isfinite(tr->net.dnetw[i])) {
            fprintf(errf, "note: the gradient of the in-equation network weights is not finite\n");
            return;
        }
    fprintf(errf, "note: the model's parameter gradients are finite; the network's gradient is not\n");
}

void dgrt_trainer_explain_nonfinite(DgTrainer *tr, double loss, FILE *errf) {
    const DgModel *m = tr->m;
    int64_t R = tr->cfg.rho, W = tr->cfg.warmup;
    const char *fix = "lower the learning rate (--lr) or clip the gradient harder (--clip)";
    if (isfinite(loss)) {
        explain_gradient(tr, errf);
        fprintf(errf, "note: %s; the last checkpoint is unchanged\n", fix);
        return;
    }
    // which windows of the whole batch have a non-finite simulated value
    int affected = 0;
    for (int g = 0; g < tr->Bg; g++)
        for (int64_t t = 0; t < R; t++)
            if (!isfinite(tr->sim[t * tr->Bg + g])) {
                affected++;
                break;
            }
    if (affected == 0) {
        explain_finite_sim(tr, errf);
        fprintf(errf, "note: the squared errors overflow: check the model's units and the observations' "
                      "(mm/d); the last checkpoint is unchanged\n");
        return;
    }
    // this process's basins, day by day
    int64_t nc_max = (int64_t)SHARD * tr->ncomp;
    float *states = NEW(float, (int64_t)m->nstates * nc_max);
    float *out = NEW(float, (int64_t)m->noutputs * nc_max);
    Finding f[SHARD];
    int want[SHARD];
    struct { const char *id; char from[16]; int n; } listed[MAX_LISTED];   /* distinct basin and first day */
    char date[16];
    int nlisted = 0, more = 0, first = -1, first_param = 0;
    for (int s = 0; s < tr->nshards; s++) {
        const DgPhys *p = &tr->shards[s];
        int any = 0;
        for (int64_t b = 0; b < p->B; b++) {
            int g = tr->b_lo + (int)(p->b0 + b);
            want[b] = 0;
            for (int64_t t = 0; t < R && !want[b]; t++) want[b] = !isfinite(tr->sim[t * tr->Bg + g]);
            any |= want[b];
        }
        if (!any) continue;
        replay_shard(p, want, f, states, out);
        for (int64_t b = 0; b < p->B; b++) {
            if (!want[b]) continue;
            int g = tr->b_lo + (int)(p->b0 + b);
            const char *id = tr->data.basins[tr->batch_basin[g]].id;
            if (f[b].day >= 0) window_date(tr, g, f[b].day, date);
            else date[0] = 0;
            int k = 0;
            while (k < nlisted && (strcmp(listed[k].id, id) || strcmp(listed[k].from, date))) k++;
            if (k < nlisted) listed[k].n++;
            else if (nlisted < MAX_LISTED) {
                listed[nlisted].id = id;
                snprintf(listed[nlisted].from, sizeof listed[nlisted].from, "%s", date);
                listed[nlisted++].n = 1;
            } else more = 1;
            if (first >= 0) continue;
            first = g;
            char from[16], to[16];
            window_date(tr, g, 0, from);
            window_date(tr, g, W + R - 1, to);
            if (f[b].param >= 0) {
                first_param = 1;
                fprintf(errf, "note: basin %s (window %s..%s): parameter '%s' is not finite%s%s\n", id, from, to,
                        m->params[f[b].param].name, f[b].day >= 0 ? " on " : "",
                        f[b].day >= 0 ? window_date(tr, g, f[b].day, date) : "");
            } else if (f[b].day >= 0) {
                fprintf(errf, "note: basin %s (window %s..%s): on %s (%s), the first non-finite value: %s\n", id,
                        from, to, window_date(tr, g, f[b].day, date),
                        f[b].day < W ? "a warm-up day" : "a day the loss counts", f[b].what);
                fprintf(errf, "note: the inputs that day:");
                for (int i = 0; i < m->ninputs; i++)
                    fprintf(errf, "%s %s = %g", i ? "," : "", m->inputs[i].name,
                            (double)p->forcing[(f[b].day * m->ninputs + i) * p->B + b]);
                fprintf(errf, "\n");
            } else if (f[b].weights) {
                fprintf(errf, "note: basin %s (window %s..%s): the routing weights of output '%s' are not finite\n",
                        id, from, to, m->outputs[tr->target].name);
            } else {
                fprintf(errf, "note: basin %s (window %s..%s): its simulated series is not finite\n", id, from, to);
            }
        }
    }
    free(states);
    free(out);
    if (affected > 1) {
        fprintf(errf, "note: %d of the batch's %d windows are not finite:", affected, tr->Bg);
        for (int k = 0; k < nlisted; k++)
            fprintf(errf, "%s basin %s%s%s%s", k ? "," : "", listed[k].id, listed[k].from[0] ? " from " : "",
                    listed[k].from, listed[k].n > 1 ? " (drawn more than once)" : "");
        fprintf(errf, "%s\n", more || first < 0 ? ", ..." : "");
    }
    if (first < 0)
        fprintf(errf, "note: %d of the batch's %d windows are not finite, all in another process's basins\n",
                affected, tr->Bg);
    if (first_param) fprintf(errf, "note: %s; the last checkpoint is unchanged\n", fix);
    else
        fprintf(errf, "note: the model computes it from finite inputs and parameters: guard the expression that "
                      "leaves its domain that day (a log, sqrt, power or division), or check the data; the last "
                      "checkpoint is unchanged\n");
}
