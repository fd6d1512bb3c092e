/* segments.c — checkpointed forward/adjoint runs (see segments.h). */
#include "segments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static void *alloc(size_t n) {
    void *p = calloc(n ? n : 1, 1);
    if (!p) {
        fprintf(stderr, "error: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

int dgrt_segments_init(DgSegments *s, const DgModel *model, int prec, int64_t nsteps, int64_t ncells, int64_t K) {
    memset(s, 0, sizeof *s);
    if (K <= 0) K = (int64_t)ceil(sqrt((double)(nsteps > 0 ? nsteps : 1)));
    if (K > nsteps && nsteps > 0) K = nsteps;
    s->model = model;
    s->prec = prec;
    s->seg = K;
    s->nsegs = nsteps > 0 ? (nsteps + K - 1) / K : 0;
    size_t el = prec == DG_F64 ? sizeof(double) : sizeof(float);
    size_t row = (size_t)ncells * el;
    s->checkpoints = alloc((size_t)s->nsegs * (size_t)model->nstates * row);
    s->tape = alloc((size_t)K * (size_t)model->nstates * row);
    s->scratch_out = alloc((size_t)K * (size_t)model->noutputs * row);
    s->states = alloc((size_t)model->nstates * row);
    return 0;
}

void dgrt_segments_free(DgSegments *s) {
    free(s->checkpoints);
    free(s->tape);
    free(s->scratch_out);
    free(s->states);
    memset(s, 0, sizeof *s);
}

size_t dgrt_segments_bytes(const DgSegments *s, int64_t ncells) {
    size_t el = s->prec == DG_F64 ? sizeof(double) : sizeof(float);
    return ((size_t)(s->nsegs + s->seg) * (size_t)s->model->nstates + (size_t)s->seg * (size_t)s->model->noutputs) *
           (size_t)ncells * el;
}

/* The arguments of steps [t0, t0 + n) of run: time-indexed arrays offset by t0. */
static DgRun segment(const DgSegments *s, const DgRun *run, int64_t t0, int64_t n) {
    const DgModel *m = s->model;
    size_t el = s->prec == DG_F64 ? sizeof(double) : sizeof(float);
    int64_t nbasins = run->ncells / (run->ncomp > 0 ? run->ncomp : 1);
    DgRun r = *run;
    r.nsteps = n;
    r.forcing = (const char *)run->forcing + (size_t)t0 * (size_t)m->ninputs * (size_t)nbasins * el;
    if (run->dyn_params) r.dyn_params = (const char *)run->dyn_params + (size_t)t0 * (size_t)m->nparams * (size_t)run->ncells * el;
    if (run->ddyn_params) r.ddyn_params = (char *)run->ddyn_params + (size_t)t0 * (size_t)m->nparams * (size_t)run->ncells * el;
    if (run->out) r.out = (char *)run->out + (size_t)t0 * (size_t)m->noutputs * (size_t)run->ncells * el;
    if (run->dout) r.dout = (const char *)run->dout + (size_t)t0 * (size_t)m->noutputs * (size_t)run->ncells * el;
    if (run->dforcing) r.dforcing = (char *)run->dforcing + (size_t)t0 * (size_t)m->ninputs * (size_t)run->ncells * el;
    return r;
}

void dgrt_segments_forward(DgSegments *s, const DgRun *run) {
    const DgModel *m = s->model;
    size_t el = s->prec == DG_F64 ? sizeof(double) : sizeof(float);
    size_t state_bytes = (size_t)m->nstates * (size_t)run->ncells * el;
    for (int64_t k = 0; k < s->nsegs; k++) {
        int64_t t0 = k * s->seg, n = run->nsteps - t0 < s->seg ? run->nsteps - t0 : s->seg;
        memcpy((char *)s->checkpoints + (size_t)k * state_bytes, run->states, state_bytes);
        DgRun r = segment(s, run, t0, n);
        r.tape = NULL;
        m->run_fwd[s->prec](&r);   /* states advance in place */
    }
}

void dgrt_segments_reverse(DgSegments *s, const DgRun *run) {
    const DgModel *m = s->model;
    size_t el = s->prec == DG_F64 ? sizeof(double) : sizeof(float);
    size_t state_bytes = (size_t)m->nstates * (size_t)run->ncells * el;
    for (int64_t k = s->nsegs - 1; k >= 0; k--) {
        int64_t t0 = k * s->seg, n = run->nsteps - t0 < s->seg ? run->nsteps - t0 : s->seg;
        /* re-run the segment from its checkpoint, recording its tape */
        memcpy(s->states, (char *)s->checkpoints + (size_t)k * state_bytes, state_bytes);
        DgRun f = segment(s, run, t0, n);
        f.states = s->states;
        f.out = s->scratch_out;
        f.tape = s->tape;
        m->run_fwd[s->prec](&f);
        /* its adjoint: dstates carries d(states at the segment end) in, d(start) out */
        DgRun r = segment(s, run, t0, n);
        r.tape = s->tape;
        m->run_rev[s->prec](&r);
    }
}
