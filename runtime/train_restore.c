/* train_restore.c — a trained run restored for simulate and eval: the
 * checkpoint's configuration, statistics and weights, checked against the
 * model. */
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

// ---- Restoring a trained run (simulate, eval) -----------------------------------------------------------

int dgrt_restore(DgRestored *r, const DgModel *m, const char *path, DgrtErr *err) {
    memset(r, 0, sizeof *r);
    if (dgrt_checkpoint_read(&r->ck, path, err)) return err->code;
    dgrt_train_config_defaults(&r->cfg);
    char src[1100];
    snprintf(src, sizeof src, "checkpoint '%s', config", path);
    int rc;
    if ((rc = dgrt_train_config_text(&r->cfg, r->ck.config, src, err))) goto fail;
    r->ncomp = ncomp_of(m, &r->cfg);
    if ((rc = dgrt_checkpoint_check_model(&r->ck, path, m, r->ncomp, err))) goto fail;
    if ((rc = dgrt_check_kernels(m, DG_F32, 0, err))) goto fail;
    if ((r->target = dgrt_target_output(m, r->cfg.target, err)) < 0) {
        rc = err->code;
        goto fail;
    }
    if ((rc = dgrt_param_map_build(&r->pm, m, r->ncomp, err))) goto fail;
    if (dgrt_net_is_table(m, &r->pm)) { /* direct calibration: one row per basin of the training run */
        int nrows;
        if ((rc = dgrt_basins_parse(r->cfg.basins, &r->row_ids, &nrows, err))) goto fail;
        dgrt_net_build_table(&r->net, m, &r->pm, nrows);
    } else {
        dgrt_net_build(&r->net, m, r->pm.nout, r->cfg.seed);
        dgrt_net_set_step_outputs(&r->net, m, &r->pm);
    }
    if (r->ck.nweights != r->net.num_params || r->ck.norm.nf != m->learn.nforcings ||
        r->ck.norm.na != m->learn.nattributes) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "the checkpoint is damaged or from another runtime",
                       "checkpoint '%s' has %llu network weights, the model's network %zu", path,
                       (unsigned long long)r->ck.nweights, r->net.num_params);
        goto fail;
    }
    memcpy(r->net.params, r->ck.weights, sizeof(float) * r->net.num_params);
    // norm(): the statistics of the training run, as the weights saw them
    dgrt_input_stats_alloc(&r->istats, m->ninputs);
    if (r->ck.ninputs == m->ninputs) {
        dgrt_input_stats_set(&r->istats, r->ck.input_mean, r->ck.input_std);
    } else if (m->nnorm_inputs > 0) {
        rc = r->ck.ninputs == 0
                 ? dgrt_fail(err, DGRT_EXIT_DATA, "train the model again with this runtime",
                             "checkpoint '%s' has no input statistics, which norm(%s) in model '%s' needs (it was "
                             "written by an older runtime)",
                             path, m->inputs[m->norm_inputs[0]].name, m->name)
                 : dgrt_fail(err, DGRT_EXIT_DATA, "the checkpoint is damaged or from another runtime",
                             "checkpoint '%s' has statistics of %d inputs, model '%s' has %d", path, r->ck.ninputs,
                             m->name, m->ninputs);
        goto fail;
    }
    r->pred = (DgPredictor){.m = m, .net = &r->net, .pm = &r->pm, .ncomp = r->ncomp, .target = r->target,
                            .input_norm = r->istats.packed_f32};
    return 0;
fail:
    dgrt_restore_free(r);
    return rc;
}

int dgrt_restore_rows(DgRestored *r, const DgDataset *d, DgrtErr *err) {
    if (r->net.kind != DGRT_NET_TABLE) return 0;
    free(r->rows);
    r->rows = mallocCheck(sizeof(int) * (size_t)(d->nbasins + 1));
    for (int i = 0; i < d->nbasins; i++) {
        r->rows[i] = -1;
        for (int k = 0; k < r->net.nrows && r->rows[i] < 0; k++)
            if (!strcmp(r->row_ids[k], d->basins[i].id)) r->rows[i] = k;
        if (r->rows[i] < 0) {
            /* the run's own basins (the table rows), not the --basins given now */
            char list[200] = "";
            size_t used = 0;
            for (int k = 0; k < r->net.nrows && k < 5 && used < sizeof list; k++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", r->row_ids[k]);
            if (r->net.nrows > 5 && used < sizeof list)
                snprintf(list + used, sizeof list - used, " and %d more", r->net.nrows - 5);
            return dgrt_fail(
                err, DGRT_EXIT_DATA,
                "the parameters were calibrated per basin; evaluate the basins of the training run",
                "basin '%s' was not calibrated in this checkpoint (model '%s' has no parameter "
                "network; the run calibrated: %s)",
                d->basins[i].id, r->pred.m->name, list);
        }
    }
    r->pred.rows = r->rows;
    return 0;
}

void dgrt_restore_free(DgRestored *r) {
    if (r->row_ids) {
        for (int k = 0; k < r->net.nrows; k++) free(r->row_ids[k]);
        free(r->row_ids);
    }
    free(r->rows);
    dgrt_checkpoint_free(&r->ck);
    dgrt_param_map_free(&r->pm);
    dgrt_net_free(&r->net);
    dgrt_input_stats_free(&r->istats);
    memset(r, 0, sizeof *r);
}
