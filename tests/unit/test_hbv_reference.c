/* test_hbv_reference.c — stdlib/models/hbv.dg, lowered to IR and run by the
 * reference executor, against the hydrodl2 float64 reference of
 * shared/reference/: every daily output of the three cases within
 * 1e-12 * max(|ref|, 1e-3), the loss, and dL/dθ of every parameter from the
 * generated adjoint within 1e-10 * max(|g|, 1e-6 * max|g|) (reference
 * README §7). Components are averaged, then routed, as hydrodl2 does with
 * comprout=False. Then the same with the compiled kernels (JIT): float64
 * within the same tolerances, float32 within the README's float32 ones
 * (streamflow |d| <= 1e-4 + 1e-4 |ref|, other outputs 1e-3 relative with a
 * 1e-3 floor, dL/dθ <= 1e-4 * max|g|). Skips (exit 77) when shared/ is absent. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "codegen.h"
#include "frontend.h"
#include "ir.h"
#include "ir_eval.h"

#define REF DG_SHARED_DIR "/reference/"

enum { MAXCOLS = 32, MAXROWS = 4000 };

typedef struct {
    char   names[MAXCOLS][32];
    int    ncols, nrows;
    double *v;   /* nrows x ncols */
    char  (*text)[MAXCOLS][24];   /* first 23 chars of each cell, for string columns */
} Csv;

static bool read_csv(const char *path, Csv *c) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[8192];
    memset(c, 0, sizeof *c);
    c->v = calloc((size_t)MAXROWS * MAXCOLS, sizeof(double));
    c->text = calloc(MAXROWS, sizeof *c->text);
    if (!fgets(line, sizeof line, f)) { fclose(f); return false; }
    for (char *save = NULL, *tok = strtok_r(line, ",\r\n", &save); tok; tok = strtok_r(NULL, ",\r\n", &save))
        snprintf(c->names[c->ncols++], 32, "%s", tok);
    while (fgets(line, sizeof line, f) && c->nrows < MAXROWS) {
        char *p = line;
        for (int k = 0; k < c->ncols; k++) {
            char *end = strpbrk(p, ",\r\n");
            size_t len = end ? (size_t)(end - p) : strlen(p);
            snprintf(c->text[c->nrows][k], 24, "%.*s", (int)len, p);
            c->v[c->nrows * MAXCOLS + k] = len ? strtod(p, NULL) : NAN;
            p = end ? end + 1 : p + len;
        }
        c->nrows++;
    }
    fclose(f);
    return true;
}

static int col(const Csv *c, const char *name) {
    for (int k = 0; k < c->ncols; k++)
        if (!strcmp(c->names[k], name)) return k;
    return -1;
}

static int ir_param(const IrModel *m, const char *name) {
    for (int i = 0; i < m->nparams; i++)
        if (!strcmp(m->params[i].name, name)) return i;
    return -1;
}

static double worst_out = 0, worst_grad = 0;

static void run_case(const IrModel *m, const IrFunc *init_rev, const IrFunc *step_rev, const IrFunc *pro_rev,
                     const char *case_name, const Csv *params, const Csv *grads, const Csv *forcing) {
    char path[512];
    snprintf(path, sizeof path, REF "hbv_%s_f64.csv", case_name);
    Csv ref;
    CHECK(read_csv(path, &ref));
    int T = forcing->nrows, np = m->nparams, no = m->noutputs, ns = m->nstates;

    /* parameters per component (component -1 = shared routing parameters) */
    int nmul = 0;
    for (int r = 0; r < params->nrows; r++)
        if (!strcmp(params->text[r][0], case_name)) nmul = (int)params->v[r * MAXCOLS + 1];
    double *theta = calloc((size_t)(nmul * np), sizeof(double));
    for (int r = 0; r < params->nrows; r++) {
        if (strcmp(params->text[r][0], case_name)) continue;
        const char *kind = params->text[r][2], *name = params->text[r][3];
        if (strcmp(kind, "phy") && strcmp(kind, "route")) continue;
        int p = ir_param(m, !strncmp(name, "par", 3) ? name + 3 : name);
        CHECK(p >= 0);
        double value = params->v[r * MAXCOLS + col(params, "value_f64")];
        if (!strcmp(kind, "route")) for (int k = 0; k < nmul; k++) theta[k * np + p] = value;
        else theta[(int)params->v[r * MAXCOLS + 4] * np + p] = value;
    }

    /* forcing by input name */
    double *x = calloc((size_t)(T * m->ninputs), sizeof(double));
    for (int i = 0; i < m->ninputs; i++) {
        const char *src = !strcmp(m->inputs[i].name, "P") ? "prcp" : !strcmp(m->inputs[i].name, "T") ? "tmean" : "PET";
        int c = col(forcing, src);
        CHECK(c >= 0);
        for (int t = 0; t < T; t++) x[t * m->ninputs + i] = forcing->v[t * MAXCOLS + c];
    }

    /* forward: cells, average, route */
    double *tape = calloc((size_t)(nmul * (T + 1) * ns), sizeof(double));
    double *out = calloc((size_t)(nmul * T * no), sizeof(double));
    for (int k = 0; k < nmul; k++)
        ir_run_cell(m, theta + k * np, x, T, NULL, tape + (size_t)k * (T + 1) * ns, out + (size_t)k * T * no);
    double *mean = calloc((size_t)(T * no), sizeof(double));
    for (int t = 0; t < T; t++)
        for (int o = 0; o < no; o++) {
            double s = 0;
            for (int k = 0; k < nmul; k++) s += out[(size_t)k * T * no + t * no + o];
            mean[t * no + o] = s / nmul;
        }
    double *w = calloc((size_t)(m->nweights + 1), sizeof(double));
    double *pvals = malloc(sizeof(double) * (size_t)(m->prologue.n + 1));
    IrLeaves lv = {.params = theta};
    ir_eval(&m->prologue, &lv, pvals, w);
    double *y = calloc((size_t)(T * no), sizeof(double));
    for (int o = 0; o < no; o++) {
        const IrOutput *oi = &m->outputs[o];
        for (int t = 0; t < T; t++) {
            if (oi->route_weights < 0) { y[t * no + o] = mean[t * no + o]; continue; }
            double s = 0;
            for (int j = 0; j < oi->route_len && j <= t; j++) s += w[oi->route_weights + j] * mean[(t - j) * no + o];
            y[t * no + o] = s;
        }
    }

    /* every output against the reference */
    for (int o = 0; o < no; o++) {
        int c = col(&ref, m->outputs[o].name);
        CHECK(c >= 0);
        if (c < 0) continue;
        double worst = 0;
        for (int t = 0; t < T; t++) {
            double r = ref.v[t * MAXCOLS + c];
            double e = fabs(y[t * no + o] - r) / fmax(fabs(r), 1e-3);
            if (e > worst) worst = e;
        }
        if (worst > worst_out) worst_out = worst;
        if (worst > 1e-12) fprintf(stderr, "%s: output %s: max rel error %.3g\n", case_name, m->outputs[o].name, worst);
        CHECK(worst <= 1e-12);
    }

    /* loss and gradients: L = mean (streamflow - Q_obs)^2 */
    int qo = -1;
    for (int o = 0; o < no; o++) if (!strcmp(m->outputs[o].name, "streamflow")) qo = o;
    int qc = col(forcing, "Q_obs");
    double L = 0;
    double *dy = calloc((size_t)(T * no), sizeof(double));
    for (int t = 0; t < T; t++) {
        double d = y[t * no + qo] - forcing->v[t * MAXCOLS + qc];
        L += d * d / T;
        dy[t * no + qo] = 2 * d / T;
    }
    /* routing adjoint -> d mean, d weights */
    double *dmean = calloc((size_t)(T * no), sizeof(double)), *dw = calloc((size_t)(m->nweights + 1), sizeof(double));
    for (int o = 0; o < no; o++) {
        const IrOutput *oi = &m->outputs[o];
        for (int t = 0; t < T; t++) {
            if (oi->route_weights < 0) { dmean[t * no + o] += dy[t * no + o]; continue; }
            for (int j = 0; j < oi->route_len && j <= t; j++) {
                dmean[(t - j) * no + o] += w[oi->route_weights + j] * dy[t * no + o];
                dw[oi->route_weights + j] += mean[(t - j) * no + o] * dy[t * no + o];
            }
        }
    }
    double *dtheta = calloc((size_t)(nmul * np), sizeof(double));
    double *dout = calloc((size_t)(T * no), sizeof(double));
    for (int k = 0; k < nmul; k++) {
        for (int i = 0; i < T * no; i++) dout[i] = dmean[i] / nmul;
        ir_run_cell_rev(m, init_rev, step_rev, theta + k * np, x, T, NULL, tape + (size_t)k * (T + 1) * ns, dout,
                        dtheta + k * np, NULL);
    }
    double *rvals = malloc(sizeof(double) * (size_t)(pro_rev->n + 1)), *rres = calloc((size_t)(np + ns + 1), sizeof(double));
    IrLeaves rl = {.params = theta, .seeds = dw};
    ir_eval(pro_rev, &rl, rvals, rres);
    for (int p = 0; p < np; p++) dtheta[p] += rres[p];   /* routing parameters: component 0's copy */

    Csv sum;
    snprintf(path, sizeof path, REF "summary.csv");
    CHECK(read_csv(path, &sum));
    for (int r = 0; r < sum.nrows; r++)
        if (!strcmp(sum.text[r][0], case_name)) {
            double ref_l = sum.v[r * MAXCOLS + col(&sum, "loss_f64")];
            CHECK(fabs(L - ref_l) <= 1e-10 * fabs(ref_l));
        }

    double gmax = 0;
    for (int r = 0; r < grads->nrows; r++)
        if (!strcmp(grads->text[r][0], case_name)) gmax = fmax(gmax, fabs(grads->v[r * MAXCOLS + 5]));
    for (int r = 0; r < grads->nrows; r++) {
        if (strcmp(grads->text[r][0], case_name)) continue;
        const char *name = grads->text[r][2];
        int p = ir_param(m, !strncmp(name, "par", 3) ? name + 3 : name);
        int k = grads->text[r][3][0] ? (int)grads->v[r * MAXCOLS + 3] : 0;
        double g = dtheta[k * np + p], ref_g = grads->v[r * MAXCOLS + 5];
        double e = fabs(g - ref_g) / fmax(fabs(ref_g), 1e-6 * gmax);
        if (e > worst_grad) worst_grad = e;
        if (e > 1e-10) fprintf(stderr, "%s: dL/d%s[%d] = %.17g, reference %.17g (rel %.3g)\n", case_name, name, k, g, ref_g, e);
        CHECK(e <= 1e-10);
    }
    free(theta); free(x); free(tape); free(out); free(mean); free(w); free(pvals); free(y); free(dy);
    free(dmean); free(dw); free(dtheta); free(dout); free(rvals); free(rres);
    free(ref.v); free(ref.text); free(sum.v); free(sum.text);
}

/* ---- The compiled kernels (float64 and float32) ------------------------------- */

static double kget(const void *a, size_t i, int prec) {
    return prec == DG_F64 ? ((const double *)a)[i] : (double)((const float *)a)[i];
}
static void kset(void *a, size_t i, double v, int prec) {
    if (prec == DG_F64) ((double *)a)[i] = v;
    else ((float *)a)[i] = (float)v;
}

static void run_case_kernels(const IrModel *m, const DgModel *dm, int prec, const char *case_name, const Csv *params,
                             const Csv *grads, const Csv *forcing) {
    char path[512];
    snprintf(path, sizeof path, REF "hbv_%s_f64.csv", case_name);
    Csv ref;
    CHECK(read_csv(path, &ref));
    int T = forcing->nrows, np = m->nparams, no = m->noutputs, ns = m->nstates, ni = m->ninputs;
    int nmul = 0;
    for (int r = 0; r < params->nrows; r++)
        if (!strcmp(params->text[r][0], case_name)) nmul = (int)params->v[r * MAXCOLS + 1];
    size_t el = prec == DG_F64 ? 8 : 4;
    const char *vcol = prec == DG_F64 ? "value_f64" : "value_f32";
    void *theta = calloc((size_t)(np * nmul), el), *theta0 = calloc((size_t)np, el);
    for (int r = 0; r < params->nrows; r++) {
        if (strcmp(params->text[r][0], case_name)) continue;
        const char *kind = params->text[r][2], *name = params->text[r][3];
        if (strcmp(kind, "phy") && strcmp(kind, "route")) continue;
        int p = ir_param(m, !strncmp(name, "par", 3) ? name + 3 : name);
        double value = params->v[r * MAXCOLS + col(params, vcol)];
        int k0 = !strcmp(kind, "route") ? 0 : (int)params->v[r * MAXCOLS + 4];
        int k1 = !strcmp(kind, "route") ? nmul : k0 + 1;
        for (int k = k0; k < k1; k++) kset(theta, (size_t)p * nmul + k, value, prec);
        if (k0 == 0) kset(theta0, (size_t)p, value, prec);
    }
    void *x = calloc((size_t)(T * ni), el);
    for (int i = 0; i < ni; i++) {
        const char *src = !strcmp(m->inputs[i].name, "P") ? "prcp" : !strcmp(m->inputs[i].name, "T") ? "tmean" : "PET";
        for (int t = 0; t < T; t++) kset(x, (size_t)t * ni + i, forcing->v[t * MAXCOLS + col(forcing, src)], prec);
    }
    void *states = calloc((size_t)(ns * nmul), el), *out = calloc((size_t)(T * no * nmul), el);
    void *tape = calloc((size_t)(T * ns * nmul), el), *w = calloc((size_t)m->nweights + 1, el);
    DgRun run = {.ncells = nmul, .ncomp = nmul, .nsteps = 1, .params = theta, .forcing = x, .states = states};
    dm->init[prec](&run);
    run.nsteps = T;
    run.out = out;
    run.tape = tape;
    dm->run_fwd[prec](&run);
    DgRun pro = {.ncells = 1, .ncomp = 1, .nsteps = 1, .params = theta0, .out = w};
    dm->prologue[prec](&pro);

    double *mean = calloc((size_t)(T * no), sizeof(double)), *y = calloc((size_t)(T * no), sizeof(double));
    for (int t = 0; t < T; t++)
        for (int o = 0; o < no; o++) {
            double sum = 0;
            for (int k = 0; k < nmul; k++) sum += kget(out, ((size_t)t * no + o) * nmul + k, prec);
            mean[t * no + o] = sum / nmul;
        }
    for (int o = 0; o < no; o++)
        for (int t = 0; t < T; t++) {
            const IrOutput *oi = &m->outputs[o];
            if (oi->route_weights < 0) { y[t * no + o] = mean[t * no + o]; continue; }
            double sum = 0;
            for (int j = 0; j < oi->route_len && j <= t; j++) sum += kget(w, oi->route_weights + j, prec) * mean[(t - j) * no + o];
            y[t * no + o] = sum;
        }
    double worst = 0;
    for (int o = 0; o < no; o++) {
        int c = col(&ref, m->outputs[o].name);
        bool q = !strcmp(m->outputs[o].name, "streamflow");
        for (int t = 0; t < T; t++) {
            double r = ref.v[t * MAXCOLS + c], d = fabs(y[t * no + o] - r);
            double e = prec == DG_F64 ? d / (1e-12 * fmax(fabs(r), 1e-3))
                     : q ? d / (1e-4 + 1e-4 * fabs(r)) : d / (1e-3 * fmax(fabs(r), 1e-3));
            if (e > worst) worst = e;
        }
    }
    CHECK(worst <= 1);   /* as a fraction of the tolerance */

    /* gradients of L = mean (streamflow - Q_obs)^2 through routing, averaging, run_rev, prologue_rev */
    int qo = -1;
    for (int o = 0; o < no; o++) if (!strcmp(m->outputs[o].name, "streamflow")) qo = o;
    double *dmean = calloc((size_t)(T * no), sizeof(double)), *dw = calloc((size_t)m->nweights + 1, sizeof(double));
    const IrOutput *qi = &m->outputs[qo];
    for (int t = 0; t < T; t++) {
        double dy = 2 * (y[t * no + qo] - forcing->v[t * MAXCOLS + col(forcing, "Q_obs")]) / T;
        for (int j = 0; j < qi->route_len && j <= t; j++) {
            dmean[(t - j) * no + qo] += kget(w, qi->route_weights + j, prec) * dy;
            dw[qi->route_weights + j] += mean[(t - j) * no + qo] * dy;
        }
    }
    void *dout = calloc((size_t)(T * no * nmul), el), *dparams = calloc((size_t)(np * nmul), el);
    void *dstates = calloc((size_t)(ns * nmul), el), *dwk = calloc((size_t)m->nweights + 1, el);
    void *dparams0 = calloc((size_t)np, el);
    for (int t = 0; t < T; t++)
        for (int o = 0; o < no; o++)
            for (int k = 0; k < nmul; k++) kset(dout, ((size_t)t * no + o) * nmul + k, dmean[t * no + o] / nmul, prec);
    for (int j = 0; j < m->nweights; j++) kset(dwk, j, dw[j], prec);
    run.dout = dout;
    run.dparams = dparams;
    run.dstates = dstates;
    dm->run_rev[prec](&run);
    dm->init_rev[prec](&run);
    pro.dout = dwk;
    pro.dparams = dparams0;
    dm->prologue_rev[prec](&pro);

    double gmax = 0, worst_g = 0;
    for (int r = 0; r < grads->nrows; r++)
        if (!strcmp(grads->text[r][0], case_name)) gmax = fmax(gmax, fabs(grads->v[r * MAXCOLS + 5]));
    for (int r = 0; r < grads->nrows; r++) {
        if (strcmp(grads->text[r][0], case_name)) continue;
        const char *name = grads->text[r][2];
        int p = ir_param(m, !strncmp(name, "par", 3) ? name + 3 : name);
        int k = grads->text[r][3][0] ? (int)grads->v[r * MAXCOLS + 3] : 0;
        double g = kget(dparams, (size_t)p * nmul + k, prec) + (k == 0 ? kget(dparams0, (size_t)p, prec) : 0);
        double ref_g = grads->v[r * MAXCOLS + 5];
        double e = prec == DG_F64 ? fabs(g - ref_g) / (1e-10 * fmax(fabs(ref_g), 1e-6 * gmax))
                                  : fabs(g - ref_g) / (1e-4 * gmax);
        if (e > worst_g) worst_g = e;
    }
    CHECK(worst_g <= 1);
    printf("  kernels %s %-10s: worst output error %.2g and gradient error %.2g of the tolerance\n",
           prec == DG_F64 ? "f64" : "f32", case_name, worst, worst_g);
    free(theta); free(theta0); free(x); free(states); free(out); free(tape); free(w); free(mean); free(y);
    free(dmean); free(dw); free(dout); free(dparams); free(dstates); free(dwk); free(dparams0);
    free(ref.v); free(ref.text);
}

int main(void) {
    Csv params, grads, forcing;
    if (!read_csv(REF "params.csv", &params)) {
        printf("test_hbv_reference: %s not found, skipped\n", REF);
        return 77;
    }
    CHECK(read_csv(REF "gradients.csv", &grads));
    CHECK(read_csv(REF "forcing_01031500.csv", &forcing));

    Program p;
    program_init(&p);
    Diag d;
    diag_init(&d, &p.sources, stderr, false);
    program_set_diag(&p, &d);
    program_add_search_dir(&p, DG_SOURCE_DIR "/stdlib");
    CHECK(program_load(&p, DG_SOURCE_DIR "/stdlib/models/hbv.dg") != NULL);
    CHECK(sema_check_program(&p));
    IrModel *m = lower_model(&p.arena, &p, p.models[p.nmodels - 1]);
    CHECK(m != NULL);
    if (!m) return check_report("test_hbv_reference");
    IrFunc init_rev = ad_reverse(&p.arena, &m->init, m->nparams, m->nstates, m->nnetw, &d);
    IrFunc step_rev = ad_reverse(&p.arena, &m->step, m->nparams, m->nstates, m->nnetw, &d);
    IrFunc pro_rev = ad_reverse(&p.arena, &m->prologue, m->nparams, m->nstates, m->nnetw, &d);
    const IrFunc *all[] = {&m->init, &m->step, &m->prologue, &init_rev, &step_rev, &pro_rev};
    int seeds[] = {0, 0, 0, m->nstates, m->nstates + m->noutputs, m->nweights};
    for (int i = 0; i < 6; i++)
        CHECK(ir_verify_func(all[i], m->nparams, m->ninputs, m->nstates, seeds[i], m->nnetw, stderr));

    const char *cases[] = {"nmul1_u050", "nmul1_uvar", "nmul4"};
    for (int c = 0; c < 3; c++) run_case(m, &init_rev, &step_rev, &pro_rev, cases[c], &params, &grads, &forcing);
    printf("test_hbv_reference: worst output rel error %.3g, worst gradient rel error %.3g\n", worst_out, worst_grad);

    DgJit *jit = NULL;
    const DgModel *dm = NULL;
    CgOptions o = {.opt_level = 2};
    CgTimes times;
    CHECK(jit_compile(m, &p.arena, &d, &o, &jit, &dm, &times, stderr) == CG_OK);
    if (dm) {
        for (int prec = DG_F64; prec >= DG_F32; prec--)
            for (int c = 0; c < 3; c++) run_case_kernels(m, dm, prec, cases[c], &params, &grads, &forcing);
        jit_dispose(jit);
    }
    program_free(&p);
    free(params.v); free(params.text); free(grads.v); free(grads.text); free(forcing.v); free(forcing.text);
    return check_report("test_hbv_reference");
}
