/* train.c — the trainer: a model's parameter network (dPL) trained the way
 * δHBV is trained (Feng et al. 2022; MHPI dMG/hydroDL): setup, batches,
 * forward, loss, backward, clipping, optimiser, validation, early stopping,
 * checkpoints, progress and timing. The stages it drives have files of
 * their own (train_internal.h lists them): configuration, parameter map,
 * network, physics, prediction, restoring.
 * One iteration (dgrt_train_step), in the order of llm.c's gpt2 training step:
 *   B basins at random (with replacement), one random window each of
 *   warmup + rho days inside the training period;
 *   x (T, B, nf + na) -> network -> raw (T, B, P) -> theta (static: last
 *   step; dynamic: every step) -> init -> run_fwd over the warm-up without
 *   tape -> run_fwd over rho with tape -> series -> loss vs observations;
 *   loss backward -> series adjoint -> prologue_rev, run_rev -> d theta ->
 *   d raw -> network backward -> clip -> optimiser step. */
#include "train_internal.h"
#include "camels.h"
#include "fpenv.h"
#include "metrics.h"
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

// ---- Trainer: setup ---------------------------------------------------------------------------------

int64_t ncomp_of(const DgModel *m, const DgTrainConfig *c) {
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

int dgrt_config_basin_ids(const DgTrainConfig *c, DgBasinSet set, char ***ids_out, int *n_out, DgrtErr *err) {
    if (!c->basins[0])
        return dgrt_fail(err, DGRT_EXIT_USAGE,
                         "give --basins 01031500,01022500 or --basins FILE (one id per line)", "no basins");
    char **ids;
    int n;
    /* a fold outside 1..folds would hold out nothing and train on every basin */
    if (c->folds == 1)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "e.g. --folds 5 --fold 2", "--folds 1 would hold out every basin");
    if (c->folds > 1 && c->fold == 0)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "e.g. --folds 5 --fold 2",
                         "--folds %lld needs --fold k, the held-out fold (1 to %lld)", (long long)c->folds,
                         (long long)c->folds);
    if (c->folds > 1 && c->fold > c->folds)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "e.g. --folds 5 --fold 2",
                         "--fold %lld of --folds %lld names no fold (folds are 1 to %lld)", (long long)c->fold,
                         (long long)c->folds, (long long)c->folds);
    if (c->folds == 0 && c->fold != 0)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "e.g. --folds 5 --fold 2", "--fold %lld needs --folds K",
                         (long long)c->fold);
    if (dgrt_basins_parse(c->basins, &ids, &n, err)) return err->code;
    if (c->folds > 0 && set != DG_BASINS_ALL) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            int held_out = i % c->folds + 1 == c->fold;
            if (held_out == (set == DG_BASINS_HELD_OUT)) ids[kept++] = ids[i];
            else free(ids[i]);
        }
        n = kept;
        if (n == 0) {
            free(ids);
            return dgrt_fail(err, DGRT_EXIT_USAGE, "use fewer folds than basins",
                             "fold %lld of %lld holds no basin (the list has fewer basins than folds)",
                             (long long)c->fold, (long long)c->folds);
        }
    }
    *ids_out = ids;
    *n_out = n;
    return 0;
}

int dgrt_config_load_data(DgDataset *d, const DgModel *m, const DgTrainConfig *c, DgBasinSet set, int32_t first,
                          int32_t last, int obs_optional, DgrtErr *err) {
    int target = dgrt_target_output(m, c->target, err);   /* the observations are read in its unit */
    if (target < 0) return err->code;
    char **ids;
    int n;
    if (dgrt_config_basin_ids(c, set, &ids, &n, err)) return err->code;
    DgMap maps[DGRT_MAX_MAPS];
    char names[DGRT_MAX_MAPS][128];
    for (int i = 0; i < c->nmaps; i++) {
        const char *e = strchr(c->maps[i], '=');
        snprintf(names[i], sizeof names[i], "%.*s", (int)(e - c->maps[i]), c->maps[i]);
        maps[i].name = names[i];
        maps[i].column = e + 1;
    }
    DgDataSource src = {c->data,  c->forcing_csv, c->obs_column,          c->attributes_csv, maps,
                        c->nmaps, c->attributes,  &m->outputs[target], obs_optional};
    int rc = dgrt_dataset_load_source(d, m, &src, ids, n, first, last, err);
    for (int i = 0; i < n; i++) free(ids[i]);
    free(ids);
    return rc;
}

void dgrt_trainer_free(DgTrainer *tr) {
    dgrt_dataset_free(&tr->data);
    dgrt_input_stats_free(&tr->istats);
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
    dgrt_oom_note[0] = 0;
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
    /* train_config.c's ranges keep these in int: rho, warmup <= 36600, batch <= 100000 */
    tr->T = (int)(cfg->warmup + cfg->rho);
    snprintf(dgrt_oom_note, sizeof dgrt_oom_note,
             "the training arrays grow with batch (%lld basins) x warmup + rho (%lld days) and the number of "
             "basins: lower batch, warmup or rho",
             (long long)cfg->batch, (long long)(cfg->warmup + cfg->rho));
    // under MPI each rank runs its part of every batch (comm.h); alone, all of it
    tr->Bg = (int)cfg->batch;
    int ranks = dgrt_comm_size(), b_hi;
    dgrt_comm_part(tr->Bg, dgrt_comm_rank(), ranks, &tr->b_lo, &b_hi);
    tr->B = b_hi - tr->b_lo;
    if (tr->Bg < ranks)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "run fewer ranks than basins per batch, or raise --batch",
                         "a batch of %d basins cannot be split over %d ranks", tr->Bg, ranks);
    if (dgrt_period_days(cfg->train) < tr->T)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "lengthen the training period or shorten --rho/--warmup",
                         "the training period %s has %lld days; a window needs warmup + rho = %d",
                         dgrt_period_format(cfg->train, ps), (long long)dgrt_period_days(cfg->train), tr->T);
    // data: every basin over the days of the three periods
    int32_t first, last;
    data_range(cfg, &first, &last);
    if (dgrt_config_load_data(&tr->data, m, cfg, DG_BASINS_TRAINING, first, last, 0, err)) return err->code;
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
    // normalisation: the training basins and days only (network inputs, and every input for norm())
    dgrt_norm_compute(&d->norm, d, tr->train_idx, tr->ntrain, cfg->train);
    dgrt_dataset_normalise(d);
    dgrt_input_stats_alloc(&tr->istats, m->ninputs);
    dgrt_input_stats_compute(&tr->istats, d, tr->train_idx, tr->ntrain, cfg->train);
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
    // dropout masks drawn as for this rank's rows of the whole batch: any number of ranks draws the same
    tr->acts.la.mask_batch = tr->acts.ma.mask_batch = tr->Bg;
    tr->acts.la.mask_row0 = tr->acts.ma.mask_row0 = tr->b_lo;
    tr->acts.ma.mask_rows = tr->B;
    int C = tr->net.C > 0 ? tr->net.C : 1, P = tr->net.P > 0 ? tr->net.P : 1;
    tr->x = NEW(float, (size_t)tr->Tr * tr->B * C);
    tr->draw = NEW(float, (size_t)tr->Tr * tr->B * P);
    int64_t R = cfg->rho;
    tr->obs = NEW(double, R * tr->Bg);
    tr->sim = NEW(double, R * tr->Bg);
    tr->dsim = NEW(double, R * tr->Bg);
    tr->bstd = NEW(double, tr->Bg);
    tr->batch_basin = NEW(int, tr->Bg);
    tr->batch_start = NEW(int64_t, tr->Bg);
    tr->nshards = (tr->B + SHARD - 1) / SHARD;
    tr->shards = NEW(DgPhys, tr->nshards);
    for (int s = 0; s < tr->nshards; s++) {
        int b0 = s * SHARD, nb = tr->B - b0 < SHARD ? tr->B - b0 : SHARD;
        dgrt_phys_alloc(&tr->shards[s], m, nb, tr->ncomp, tr->T, cfg->warmup, tr->target, 1);
        tr->shards[s].b0 = b0;
        tr->shards[s].Btot = tr->B;
        tr->shards[s].netw = m->nnetw ? tr->net.netw : NULL;
        tr->shards[s].input_norm = tr->istats.packed_f32;
    }
    // threads = 0: the cores, shared by the ranks of this machine
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN) / dgrt_comm_local_size();
    if (ncpu < 1) ncpu = 1;
    tr->nthreads = (int)(cfg->threads > 0 ? cfg->threads : ncpu);
    if (tr->nthreads > tr->nshards) tr->nthreads = tr->nshards;
    // the network layers' own threads (nn.h): BLAS calls single-threaded inside them
    dgrt_nn_set_threads((int)(cfg->threads > 0 ? cfg->threads : ncpu));
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
        double share = (double)tr->Bg * R / (double)(days > 0 ? days : 1);
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
        const int first = tr->b_lo + ph->b0;   /* the shard's basins in the whole batch */
        dgrt_phys_set_forcing(ph, &tr->data, tr->batch_basin + first, tr->batch_start + first);
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
    int Bg = tr->Bg, T = tr->T, W = (int)cfg->warmup;
    int64_t R = cfg->rho;
    // every rank draws the whole batch (same RNG), then takes its basins b_lo .. b_lo + B - 1
    for (int b = 0; b < Bg; b++) {
        int bi = tr->train_idx[dgrt_rng_u64(&tr->rng) % (uint64_t)tr->ntrain];
        const DgBasin *bs = &d->basins[bi];
        int64_t s0 = dgrt_basin_index(bs, cfg->train.start), s1 = dgrt_basin_index(bs, cfg->train.end);
        uint64_t span = (uint64_t)(s1 - s0 + 1 - T + 1);
        tr->batch_basin[b] = bi;
        tr->batch_start[b] = s0 + (int64_t)(dgrt_rng_u64(&tr->rng) % span);
    }
    assemble_inputs(tr->x, d, tr->batch_basin + tr->b_lo, tr->batch_start + tr->b_lo, tr->Tr, T, tr->B, &tr->net,
                    NULL);
    for (int b = 0; b < Bg; b++) {
        const DgBasin *bs = &d->basins[tr->batch_basin[b]];
        for (int64_t t = 0; t < R; t++) tr->obs[t * Bg + b] = bs->obs[tr->batch_start[b] + W + t];
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
    // this rank's columns of the batch's simulation; the others' arrive by a sum with zeros (exact)
    int Bg = tr->Bg;
    if (Bg != B) memset(tr->sim, 0, sizeof(double) * (size_t)(R * Bg));
    for (int s = 0; s < tr->nshards; s++) {
        const DgPhys *ph = &tr->shards[s];
        for (int64_t t = 0; t < R; t++)
            for (int64_t b = 0; b < ph->B; b++) tr->sim[t * Bg + tr->b_lo + ph->b0 + b] = ph->sim[t * ph->B + b];
    }
    if (Bg != B) dgrt_comm_sum_f64(tr->sim, (size_t)(R * Bg));
    // loss vs the observations (missing ones masked), of the whole batch on every rank
    double loss = dgrt_loss_forward(&tr->loss, tr->sim, tr->obs, R, Bg);
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
    // loss: dsim = d loss / d sim, of the whole batch
    int Bg = tr->Bg;
    memset(tr->dsim, 0, sizeof(double) * (size_t)(R * Bg));
    dgrt_loss_backward(&tr->loss, tr->dsim, tr->sim, tr->obs, R, Bg, 1.0);
    // physics (this rank's basins): dsim -> series adjoint -> prologue_rev, run_rev -> d theta -> draw
    for (int s = 0; s < tr->nshards; s++) {
        DgPhys *ph = &tr->shards[s];
        for (int64_t t = 0; t < R; t++)
            for (int64_t b = 0; b < ph->B; b++) ph->dsim[t * ph->B + b] = tr->dsim[t * Bg + tr->b_lo + ph->b0 + b];
    }
    memset(tr->draw, 0, sizeof(float) * (size_t)tr->Tr * B * (tr->net.P > 0 ? tr->net.P : 1));
    run_shards(tr, 1);
    double t1 = now_s();
    // network: draw -> grads, from the first row that has a gradient (static only: the last step)
    size_t row0 = tr->Tr == 1 ? 0 : (size_t)(tr->pm.any_dynamic ? W : T - 1) * B;
    // truncated at the warm-up (bptt = window): the gradient into the warm-up steps of the network is
    // ~1e-4 of the whole and costs half of the LSTM's backward pass (examples/regional/README.md)
    int bptt_from = strcmp(tr->cfg.bptt, "full") && tr->Tr > 1 ? W : 0;
    dgrt_net_backward(&tr->net, &tr->acts, tr->x, tr->draw, tr->Tr, B, row0, bptt_from);
    // in-equation network weights: the shards' gradients, summed in shard order
    for (int s = 0; s < tr->nshards; s++)
        for (int i = 0; i < tr->net.nnetw; i++) tr->net.dnetw[i] += tr->shards[s].dnetw[i];
    // the ranks' parts of the gradient, summed: every rank then takes the same step (comm.h)
    if (Bg != B) dgrt_comm_sum_f32(tr->net.grads, tr->net.num_params);
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
    DgPredictor pr = {.m = tr->m, .net = &tr->net, .pm = &tr->pm, .ncomp = tr->ncomp, .target = tr->target,
                      .input_norm = tr->istats.packed_f32};
    dgrt_predict_ranks(&pr, &tr->data, tr->valid_idx, n, cfg->valid, cfg->warmup, sim, NULL);
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
    if (dgrt_comm_rank() != 0) return 0;   /* every rank holds the same state: rank 0 writes it */
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
    ck.nets = dgrt_model_nets_text(tr->m);
    ck.ninputs = tr->istats.n;
    ck.input_mean = tr->istats.mean;
    ck.input_std = tr->istats.std;
    int rc = dgrt_checkpoint_write(&ck, path, err);
    free(ck.signature);
    free(ck.config);
    free(ck.nets);
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
    if (ck->ninputs == tr->istats.n) dgrt_input_stats_set(&tr->istats, ck->input_mean, ck->input_std);
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
            tr->Bg, (long long)c->warmup, (long long)c->rho, (long long)tr->iters_per_epoch,
            (long long)c->epochs, m->outputs[tr->target].name);
    if (dgrt_comm_size() > 1)
        fprintf(out, "  data-parallel over %d MPI ranks: %d or %d basins of each batch per rank\n", dgrt_comm_size(),
                tr->Bg / dgrt_comm_size(), (tr->Bg + dgrt_comm_size() - 1) / dgrt_comm_size());
    fprintf(out,
            "  optimizer %s (lr %g, %s schedule), loss %s, clip %g; seed %llu, %d thread%s; checkpoint %s\n",
            c->optimizer, tr->sched.base_lr, c->lr_schedule, c->loss, c->clip, (unsigned long long)c->seed,
            tr->nthreads, tr->nthreads == 1 ? "" : "s", c->checkpoint);
    if (m->nnorm_inputs > 0) { /* what eval, simulate --checkpoint (and a BMI or Python user) standardise with */
        fprintf(out, "  norm() statistics of the training basins and period:");
        for (int k = 0; k < m->nnorm_inputs; k++) {
            int i = m->norm_inputs[k];
            fprintf(out, "%s %s mean %.9g std %.9g", k ? ";" : "", m->inputs[i].name, tr->istats.mean[i],
                    tr->istats.std[i]);
        }
        fputc('\n', out);
    }
    fflush(out);
}

static int train_locked(const DgModel *m, DgTrainConfig *cfg, const char *bpath, FILE *out, FILE *errf);

int dgrt_train_run(const DgModel *m, DgTrainConfig *cfg, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    int rc = 0, lock = -1;
    // one writer per checkpoint: a second run on the same path is refused (rank 0 writes under MPI)
    char bpath[1100];
    best_path(cfg->checkpoint, bpath, sizeof bpath);
    if (dgrt_comm_rank() == 0) {
        if ((rc = dgrt_checkpoint_lock(cfg->checkpoint, &lock, &err))) {
            dgrt_err_print(&err, errf);
            return rc;
        }
        dgrt_remove_stale_temps(bpath);
    }
    rc = train_locked(m, cfg, bpath, out, errf);
    dgrt_checkpoint_unlock(lock);
    return rc;
}

static int train_locked(const DgModel *m, DgTrainConfig *cfg, const char *bpath, FILE *out, FILE *errf) {
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
    /* a resumed run took its weights from its own checkpoint, which began with --init-from */
    if (!have_ck && cfg->init_from[0] && (rc = dgrt_init_from(&tr, cfg->init_from, out, &err))) {
        dgrt_err_print(&err, errf);
        dgrt_trainer_free(&tr);
        return rc;
    }
    if (have_ck)
        fprintf(out, "resuming from '%s' after epoch %lld, iteration %lld\n", cfg->checkpoint,
                (long long)tr.epoch, (long long)tr.iter);
    int tty = isatty(fileno(out));
    interrupted = 0;
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old_sa);
    int64_t ipe = tr.iters_per_epoch, total = cfg->epochs * ipe, done_before = tr.iter;
    double t_start = now_s(), t_shown = 0;
    int stop = 0, reported = 0;
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
                fflush(out);
                rc = dgrt_fail(&err, DGRT_EXIT_FAIL, NULL, "the %s is not finite at epoch %lld, iteration %lld",
                               !isfinite(loss) ? "loss" : "gradient", (long long)epoch + 1, (long long)it + 1);
                dgrt_err_print(&err, errf);
                dgrt_trainer_explain_nonfinite(&tr, loss, errf);   /* basin, day, output; what to do */
                reported = 1;
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
                        sum / (double)cnt, per > 0 ? tr.Bg / per : 0.0, eta);
                fflush(out);
            } else if (cfg->log_every > 0 && (it + 1) % cfg->log_every == 0) {
                fprintf(out, "epoch %lld iter %lld/%lld: loss %.6f (grad norm %.3g), %.1f basins/s, ETA %s\n",
                        (long long)epoch + 1, (long long)it + 1, (long long)ipe, loss, gnorm,
                        per > 0 ? tr.Bg / per : 0.0, eta);
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
    if (rc && rc != 130 && !reported) dgrt_err_print(&err, errf);
    if (tr.timed_iters > 0) {
        double k = 1.0 / (double)tr.timed_iters, all = (tr.t_net + tr.t_phys + tr.t_other) * k;
        fprintf(out,
                "time per iteration: %.4f s = network %.4f s + physics %.4f s + batching %.4f s (%lld "
                "iterations, %.1f basins/s)\n",
                all, tr.t_net * k, tr.t_phys * k, tr.t_other * k, (long long)tr.timed_iters,
                all > 0 ? tr.Bg / all : 0.0);
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
