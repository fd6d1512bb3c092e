/* test_checkpointing.c — the checkpointed adjoint run (runtime/segments.c)
 * gives the same gradients, bit for bit, as the run with a full tape, for
 * models with delay-line states (GR4J), dynamic parameters and components
 * (δHBV example), in float and double, with segment lengths that do and do
 * not divide the number of steps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "codegen.h"
#include "frontend.h"
#include "segments.h"

enum { NSTEPS = 97, NBASINS = 2 };

static uint64_t rng = 42;
static double uniform(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void *fill(size_t n, int prec, double (*gen)(size_t)) {
    size_t el = prec == DG_F64 ? 8 : 4;
    void *p = calloc(n ? n : 1, el);
    for (size_t i = 0; i < n && gen; i++) {
        double v = gen(i);
        if (prec == DG_F64) ((double *)p)[i] = v;
        else ((float *)p)[i] = (float)v;
    }
    return p;
}

static double gen_signed(size_t i) { (void)i; return uniform() - 0.5; }

static const DgModel *cur;
static int64_t cur_nc;
static double gen_param(size_t i) {   /* [nparams][ncells] */
    const DgParamInfo *q = &cur->params[(i / (size_t)cur_nc) % (size_t)cur->nparams];   /* also [t][p][c] */
    if (isnan(q->lo)) return isnan(q->value) ? 0.5 : q->value;
    return q->lo + (0.2 + 0.6 * uniform()) * (q->hi - q->lo);
}
static double gen_forcing(size_t i) {   /* P, T, PET-like, positive for most inputs */
    size_t input = (i / NBASINS) % (size_t)cur->ninputs;
    if (!strcmp(cur->inputs[input].name, "T")) return -5 + 20 * uniform();
    return uniform() < 0.5 ? 0 : 10 * uniform();
}

static void check_model(const DgModel *dm, int prec, int64_t K, bool dynamic) {
    cur = dm;
    int64_t nc = NBASINS * (dm->components > 0 ? dm->components : 1);
    cur_nc = nc;
    size_t el = prec == DG_F64 ? 8 : 4;
    size_t np = (size_t)dm->nparams, ns = (size_t)dm->nstates, no = (size_t)dm->noutputs;
    void *params = fill(np * (size_t)nc, prec, gen_param);
    void *dyn = dynamic ? fill((size_t)NSTEPS * np * (size_t)nc, prec, gen_param) : NULL;
    void *forcing = fill((size_t)NSTEPS * (size_t)dm->ninputs * NBASINS, prec, gen_forcing);
    void *netw = fill((size_t)dm->nnetw, prec, gen_signed);
    void *dout = fill((size_t)NSTEPS * no * (size_t)nc, prec, gen_signed);
    void *res[2][4];   /* per method: dparams, ddyn, dstates, out */
    for (int method = 0; method < 2; method++) {
        void *states = fill(ns * (size_t)nc, prec, NULL), *out = fill((size_t)NSTEPS * no * (size_t)nc, prec, NULL);
        void *dparams = fill(np * (size_t)nc, prec, NULL), *dstates = fill(ns * (size_t)nc, prec, NULL);
        void *ddyn = dynamic ? fill((size_t)NSTEPS * np * (size_t)nc, prec, NULL) : NULL;
        void *dnetw = fill((size_t)dm->nnetw, prec, NULL);
        DgRun run = {.ncells = nc, .ncomp = dm->components > 0 ? dm->components : 1, .nsteps = 1, .params = params,
                     .dyn_params = dyn, .forcing = forcing, .states = states, .netw = netw};
        dm->init[prec](&run);
        run.nsteps = NSTEPS;
        run.out = out;
        run.dout = dout;
        run.dparams = dparams;
        run.ddyn_params = ddyn;
        run.dstates = dstates;
        run.dnetw = dnetw;
        if (method == 0) {
            void *tape = fill((size_t)NSTEPS * ns * (size_t)nc, prec, NULL);
            run.tape = tape;
            dm->run_fwd[prec](&run);
            dm->run_rev[prec](&run);
            free(tape);
        } else {
            DgSegments s;
            dgrt_segments_init(&s, dm, prec, NSTEPS, nc, K);
            dgrt_segments_forward(&s, &run);
            dgrt_segments_reverse(&s, &run);
            size_t full = (size_t)NSTEPS * ns * (size_t)nc * el;
            printf("  %s %s K=%lld: checkpointed %zu bytes, full tape %zu bytes\n", dm->name, prec ? "f64" : "f32",
                   (long long)s.seg, dgrt_segments_bytes(&s, nc), full);
            dgrt_segments_free(&s);
        }
        res[method][0] = dparams;
        res[method][1] = ddyn;
        res[method][2] = dstates;
        res[method][3] = out;
        free(states);
        free(dnetw);
    }
    CHECK(!memcmp(res[0][0], res[1][0], np * (size_t)nc * el));
    if (dynamic) CHECK(!memcmp(res[0][1], res[1][1], (size_t)NSTEPS * np * (size_t)nc * el));
    CHECK(!memcmp(res[0][2], res[1][2], ns * (size_t)nc * el));
    CHECK(!memcmp(res[0][3], res[1][3], (size_t)NSTEPS * no * (size_t)nc * el));
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < 4; k++) free(res[m][k]);
    free(params); free(dyn); free(forcing); free(netw); free(dout);
}

static void check_file(const char *path, bool dynamic) {
    Program p;
    program_init(&p);
    Diag d;
    diag_init(&d, &p.sources, stderr, false);
    program_set_diag(&p, &d);
    program_add_search_dir(&p, DG_SOURCE_DIR "/stdlib");
    CHECK(program_load(&p, path) && sema_check_program(&p));
    IrModel *m = lower_model(&p.arena, &p, p.models[p.nmodels - 1]);
    CHECK(m != NULL);
    DgJit *jit = NULL;
    const DgModel *dm = NULL;
    CgOptions o = {.opt_level = 1};
    CgTimes times;
    if (m && jit_compile(m, &p.arena, &d, &o, &jit, &dm, &times, stderr) == CG_OK) {
        for (int prec = 0; prec < 2; prec++) {
            check_model(dm, prec, 10, dynamic);   /* 97 steps: 9 full segments and one of 7 */
            check_model(dm, prec, 0, dynamic);    /* K = ceil(sqrt(97)) = 10 */
            check_model(dm, prec, 97, dynamic);   /* one segment = the full tape */
        }
        jit_dispose(jit);
    } else {
        CHECK(!"jit");
    }
    program_free(&p);
}

int main(void) {
    check_file(DG_SOURCE_DIR "/stdlib/models/gr4j.dg", false);
    check_file(DG_SOURCE_DIR "/stdlib/models/hbv.dg", false);
    check_file(DG_SOURCE_DIR "/examples/dhbv/dhbv.dg", true);
    return check_report("test_checkpointing");
}
