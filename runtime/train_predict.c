/* train_predict.c — prediction over whole periods with a trained network
 * (validation, simulate, eval): inputs assembled per basin, network and
 * physics run in chunks of basins, warm-up days before the period. */
#include "train_internal.h"
#include "comm.h"

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

// ---- Prediction (validation, simulate, eval) --------------------------------------------------------


int time_invariant(const DgNet *n, const DgModel *m) {
    return n->kind != DG_LEARN_LSTM && m->learn.nforcings == 0;
}

/* x (Tr, B, C): normalised forcings of day start[b] + t, then the attributes;
 * for direct calibration (C = 1) the table row of the basin (rows NULL: its index). */
void assemble_inputs(float *x, const DgDataset *d, const int *bidx, const int64_t *start, int Tr,
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

int dgrt_ndynamic(const DgModel *m) {
    int n = 0;
    for (int i = 0; i < m->nparams; i++) n += m->params[i].mark == DG_PARAM_DYNAMIC;
    return n;
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
        ph.input_norm = pr->input_norm;
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
        if (pr->dyn && ph.dyn) { /* the days of the period, after the warm-up */
            int64_t np = m->nparams, K = pr->ncomp, nc = nb * K, ndyn = dgrt_ndynamic(m);
            for (int b = 0; b < nb; b++)
                for (int64_t t = 0; t < nd; t++) {
                    float *row = pr->dyn + (((int64_t)(c0 + b) * nd + t) * ndyn) * K;
                    for (int64_t i = 0, j = 0; i < np; i++)
                        if (m->params[i].mark == DG_PARAM_DYNAMIC) {
                            for (int64_t k = 0; k < K; k++) row[j * K + k] = ph.dyn[((W + t) * np + i) * nc + b * K + k];
                            j++;
                        }
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

/* Under MPI: rank r predicts its contiguous part of the basins; the parts
 * meet by a sum in which every value has one rank's number and zeros from
 * the others (exact), so every rank ends with what one process computes. */
void dgrt_predict_ranks(const DgPredictor *pr, const DgDataset *d, const int *idx, int n, DgPeriod p,
                        int64_t warmup, double *sim, double *all) {
    int ranks = dgrt_comm_size();
    if (ranks == 1 || n < 2) {
        dgrt_predict(pr, d, idx, n, p, warmup, sim, all);
        return;
    }
    int lo, hi;
    dgrt_comm_part(n, dgrt_comm_rank(), ranks, &lo, &hi);
    int nl = hi - lo;
    int64_t nd = dgrt_period_days(p);
    int no = pr->m->noutputs;
    size_t nth = (size_t)pr->m->nparams * (size_t)pr->ncomp;
    double *s = callocCheck((size_t)(nd * nl) + 1, sizeof(double));
    double *a = all ? callocCheck((size_t)(nd * no * nl) + 1, sizeof(double)) : NULL;
    size_t ndyn = (size_t)dgrt_ndynamic(pr->m) * (size_t)pr->ncomp * (size_t)nd; /* per basin */
    DgPredictor mine = *pr;
    if (pr->theta) mine.theta = callocCheck(nth * (size_t)nl + 1, sizeof(double));
    if (pr->dyn) mine.dyn = callocCheck(ndyn * (size_t)nl + 1, sizeof(float));
    if (nl > 0) dgrt_predict(&mine, d, idx + lo, nl, p, warmup, s, a);
    memset(sim, 0, sizeof(double) * (size_t)(nd * n));
    for (int64_t t = 0; t < nd; t++)
        for (int b = 0; b < nl; b++) sim[t * n + lo + b] = s[t * nl + b];
    dgrt_comm_sum_f64(sim, (size_t)(nd * n));
    if (all) {
        memset(all, 0, sizeof(double) * (size_t)(nd * no * n));
        for (int64_t t = 0; t < nd; t++)
            for (int i = 0; i < no; i++)
                for (int b = 0; b < nl; b++) all[(t * no + i) * n + lo + b] = a[(t * no + i) * nl + b];
        dgrt_comm_sum_f64(all, (size_t)(nd * no * n));
    }
    if (pr->theta) {
        memset(pr->theta, 0, sizeof(double) * nth * (size_t)n);
        memcpy(pr->theta + nth * (size_t)lo, mine.theta, sizeof(double) * nth * (size_t)nl);
        dgrt_comm_sum_f64(pr->theta, nth * (size_t)n);
        free(mine.theta);
    }
    if (pr->dyn) {
        memset(pr->dyn, 0, sizeof(float) * ndyn * (size_t)n);
        memcpy(pr->dyn + ndyn * (size_t)lo, mine.dyn, sizeof(float) * ndyn * (size_t)nl);
        dgrt_comm_sum_f32(pr->dyn, ndyn * (size_t)n);
        free(mine.dyn);
    }
    free(s);
    free(a);
}
