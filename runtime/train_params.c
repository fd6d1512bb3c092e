/* train_params.c — network outputs -> model parameters: each trained
 * parameter scaled into its bounds by a sigmoid, static ones from the last
 * step, dynamic ones from every step (δHBV's change_param_range). */
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

// ---- Network outputs -> model parameters -----------------------------------------------------------

int dgrt_param_map_build(DgParamMap *pm, const DgModel *m, int64_t ncomp, DgrtErr *err) {
    memset(pm, 0, sizeof *pm);
    pm->ncomp = ncomp;
    pm->first = mallocCheck(sizeof(int) * (size_t)(m->nparams + 1));
    pm->per_comp = mallocCheck(sizeof(int) * (size_t)(m->nparams + 1));
    int n = 0;
    for (int i = 0; i < m->nparams; i++) {
        const DgParamInfo *p = &m->params[i];
        pm->first[i] = -1;
        pm->per_comp[i] = 0;
        if (p->mark == DG_PARAM_FIXED) {
            if (isnan(p->value)) {
                dgrt_param_map_free(pm);
                return dgrt_fail(err, DGRT_EXIT_FAIL,
                                 "give it a value in the model: param NAME = VALUE fixed",
                                 "model '%s': fixed parameter '%s' has no value", m->name, p->name);
            }
            continue;
        }
        if (!(p->lo < p->hi)) {
            dgrt_param_map_free(pm);
            return dgrt_fail(err, DGRT_EXIT_FAIL, "a trained parameter needs bounds: param NAME in [lo, hi]",
                             "model '%s': trained parameter '%s' has no bounds", m->name, p->name);
        }
        pm->first[i] = n;
        pm->per_comp[i] = !p->basin_level;
        pm->any_dynamic |= p->mark == DG_PARAM_DYNAMIC;
        n += p->basin_level ? 1 : (int)ncomp;
    }
    pm->nout = n;
    return 0;
}

void dgrt_param_map_free(DgParamMap *pm) {
    free(pm->first);
    free(pm->per_comp);
    memset(pm, 0, sizeof *pm);
}

