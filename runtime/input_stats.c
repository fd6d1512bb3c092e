/* input_stats.c — mean and standard deviation of every model input for
 * norm() (input_stats.h): accumulated in double, population standard
 * deviation, missing (NaN) values skipped, as the network's normalisation. */
#include "input_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dgrt_input_stats_alloc(DgInputStats *st, int n) {
    memset(st, 0, sizeof *st);
    st->n = n;
    st->mean = callocCheck((size_t)n + 1, sizeof(double));
    st->std = callocCheck((size_t)n + 1, sizeof(double));
    st->packed = callocCheck(2 * (size_t)n + 1, sizeof(double));
    st->packed_f32 = callocCheck(2 * (size_t)n + 1, sizeof(float));
    for (int i = 0; i < n; i++) st->std[i] = 1;
    dgrt_input_stats_set(st, st->mean, st->std);
}

void dgrt_input_stats_free(DgInputStats *st) {
    free(st->mean);
    free(st->std);
    free(st->packed);
    free(st->packed_f32);
    memset(st, 0, sizeof *st);
}

void dgrt_input_stats_set(DgInputStats *st, const double *mean, const double *std) {
    for (int i = 0; i < st->n; i++) {
        st->mean[i] = mean[i];
        st->std[i] = std[i];
        st->packed[i] = mean[i];
        st->packed[st->n + i] = std[i];
        st->packed_f32[i] = (float)mean[i];
        st->packed_f32[st->n + i] = (float)std[i];
    }
}

/* Sums of one input: count, sum, then squared deviations from the mean. */
typedef struct {
    double cnt, sum, ss;
} Moments;

static void finish(DgInputStats *st, const Moments *mo) {
    double *mean = mallocCheck(sizeof(double) * ((size_t)st->n + 1)), *sd = mallocCheck(sizeof(double) * ((size_t)st->n + 1));
    for (int i = 0; i < st->n; i++) {
        mean[i] = mo[i].cnt > 0 ? mo[i].sum / mo[i].cnt : 0;
        double s = mo[i].cnt > 0 ? sqrt(mo[i].ss / mo[i].cnt) : 0;
        sd[i] = s > 0 && isfinite(s) ? s : 1.0;
    }
    dgrt_input_stats_set(st, mean, sd);
    free(mean);
    free(sd);
}

void dgrt_input_stats_compute(DgInputStats *st, const DgDataset *d, const int *idx, int nidx, DgPeriod p) {
    int ni = st->n;
    Moments *mo = callocCheck((size_t)ni + 1, sizeof(Moments));
    for (int pass = 0; pass < 2; pass++)   /* the mean first, then deviations from it */
        for (int k = 0; k < nidx; k++) {
            const DgBasin *b = &d->basins[idx[k]];
            int64_t t0 = dgrt_basin_index(b, p.start), t1 = dgrt_basin_index(b, p.end);
            for (int64_t t = t0; t >= 0 && t <= t1; t++)
                for (int i = 0; i < ni; i++) {
                    double x = b->forcing[t * ni + i];
                    if (isnan(x)) continue;
                    if (pass == 0) mo[i].cnt++, mo[i].sum += x;
                    else mo[i].ss += (x - mo[i].sum / mo[i].cnt) * (x - mo[i].sum / mo[i].cnt);
                }
        }
    finish(st, mo);
    free(mo);
}

void dgrt_input_stats_of_forcing(DgInputStats *st, const double *forcing, int64_t nsteps, int64_t nbasins) {
    int ni = st->n;
    Moments *mo = callocCheck((size_t)ni + 1, sizeof(Moments));
    for (int pass = 0; pass < 2; pass++)
        for (int64_t t = 0; t < nsteps; t++)
            for (int i = 0; i < ni; i++)
                for (int64_t b = 0; b < nbasins; b++) {
                    double x = forcing[(t * ni + i) * nbasins + b];
                    if (isnan(x)) continue;
                    if (pass == 0) mo[i].cnt++, mo[i].sum += x;
                    else mo[i].ss += (x - mo[i].sum / mo[i].cnt) * (x - mo[i].sum / mo[i].cnt);
                }
    finish(st, mo);
    free(mo);
}
