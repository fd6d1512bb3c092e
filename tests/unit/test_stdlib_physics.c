/* test_stdlib_physics.c — physical sanity of stdlib models, on the
 * reference IR executor:
 *   GR4J with zero rain: after the unit hydrographs have emptied, flow
 *     decays day after day; and the water balance closes to round-off:
 *     change in (production store + routing store + water in the unit
 *     hydrographs) = -(sum Q + sum AET) + 2 sum F (the exchange F is added
 *     to both branches, as in Perrin et al. 2003), with x2 = 0 and x2 > 0.
 *   EXP-HYDRO: the default one-step RK4 against a 64-sub-step RK4 reference
 *     on basin 01013500 (1980-10-01, two years, calibrated parameters). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "frontend.h"
#include "ir.h"
#include "ir_eval.h"

static IrModel *load(Program *p, Diag *d, const char *path, const char *model) {
    program_init(p);
    diag_init(d, &p->sources, stderr, false);
    program_set_diag(p, d);
    program_add_search_dir(p, DG_SOURCE_DIR "/stdlib");
    if (!program_load(p, path) || !sema_check_program(p)) return NULL;
    for (int i = 0; i < p->nmodels; i++)
        if (!strcmp(p->models[i]->name, model)) return lower_model(&p->arena, p, p->models[i]);
    return NULL;
}

static int index_of(const IrNamed *v, int n, const char *name) {
    for (int i = 0; i < n; i++) if (!strcmp(v[i].name, name)) return i;
    return -1;
}

static int output_of(const IrModel *m, const char *name) {
    for (int i = 0; i < m->noutputs; i++) if (!strcmp(m->outputs[i].name, name)) return i;
    return -1;
}

/* Water still inside a route's unit hydrograph at the end of a step:
 * slot j holds the input of j+1 steps ago... read from the state vector. */
static double in_transit(const IrModel *m, const double *st, const char *route) {
    char name[64];
    double total = 0;
    for (int j = 1;; j++) {
        snprintf(name, sizeof name, "%s.x%d", route, j);
        int xs = index_of(m->states, m->nstates, name);
        if (xs < 0) break;
        double released = 0;
        for (int i = 0; i <= j - 1; i++) {
            snprintf(name, sizeof name, "%s.w%d", route, i);
            released += st[index_of(m->states, m->nstates, name)];
        }
        /* the input x_{t-j+1} (slot j) has released w_0..w_{j-1} so far */
        total += st[xs] * (1 - released);
    }
    return total;
}

static void gr4j_zero_rain(double x2) {
    Program p;
    Diag d;
    IrModel *m = load(&p, &d, DG_SOURCE_DIR "/stdlib/models/gr4j.dg", "gr4j");
    CHECK(m != NULL);
    if (!m) return;
    enum { T = 200 };
    double theta[8] = {0};
    const char *names[] = {"x1", "x2", "x3", "x4"};
    double vals[] = {350, x2, 90, 2.3};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < m->nparams; i++) if (!strcmp(m->params[i].name, names[k])) theta[i] = vals[k];
    double *x = calloc((size_t)(T * m->ninputs), sizeof(double));
    int ie = index_of(m->inputs, m->ninputs, "E");
    for (int t = 0; t < T; t++) x[t * m->ninputs + ie] = 2.0;   /* P = 0 */
    double *tape = calloc((size_t)((T + 1) * m->nstates), sizeof(double));
    double *out = calloc((size_t)(T * m->noutputs), sizeof(double));
    ir_run_cell(m, theta, x, T, NULL, tape, out);

    int qo = output_of(m, "Q"), ao = output_of(m, "AET"), fo = output_of(m, "exchange");
    int s = index_of(m->states, m->nstates, "S"), r = index_of(m->states, m->nstates, "R");
    double sumq = 0, suma = 0, sumf = 0;
    /* stores at the start: the delay lines are empty */
    double start = tape[s] + tape[r];
    for (int t = 0; t < T; t++) {
        sumq += out[t * m->noutputs + qo];
        suma += out[t * m->noutputs + ao];
        sumf += out[t * m->noutputs + fo];
    }
    const double *end_st = tape + (size_t)T * m->nstates;
    double end = end_st[s] + end_st[r] + in_transit(m, end_st, "Q9") + in_transit(m, end_st, "Q1");
    double imbalance = (end - start) - (-(sumq + suma) + 2 * sumf);
    printf("gr4j zero rain, x2 = %g: storage %.6f -> %.6f mm, Q %.6f, AET %.6f, exchange %.6f, imbalance %.3g mm\n",
           x2, start, end, sumq, suma, sumf, imbalance);
    CHECK(fabs(imbalance) <= 1e-9 * (start + sumq + suma + fabs(sumf)));
    int decays = 1;
    for (int t = 10; t + 1 < T; t++) decays &= out[(t + 1) * m->noutputs + qo] <= out[t * m->noutputs + qo];
    CHECK(decays);
    CHECK(out[(T - 1) * m->noutputs + qo] > 0);
    free(x); free(tape); free(out);
    program_free(&p);
}

static bool read_exphydro(double **P, double **Tm, double **L, int n) {
    FILE *f = fopen(DG_SHARED_DIR "/data/exphydro/01013500.csv", "r");
    if (!f) return false;
    char line[512];
    if (!fgets(line, sizeof line, f)) { fclose(f); return false; }
    *P = malloc(sizeof(double) * (size_t)n);
    *Tm = malloc(sizeof(double) * (size_t)n);
    *L = malloc(sizeof(double) * (size_t)n);
    for (int t = 0; t < n && fgets(line, sizeof line, f); t++) {
        char *c = strchr(line, ',');
        (*P)[t] = strtod(c + 1, &c);
        (*Tm)[t] = strtod(c + 1, &c);
        (*L)[t] = strtod(c + 1, &c);
    }
    fclose(f);
    return true;
}

static void exphydro_rk4(void) {
    enum { T = 730 };
    double *P, *Tm, *L;
    if (!read_exphydro(&P, &Tm, &L, T)) { printf("exphydro data missing: skipped\n"); return; }
    Program p1, p2;
    Diag d1, d2;
    IrModel *coarse = load(&p1, &d1, DG_SOURCE_DIR "/stdlib/models/exphydro.dg", "exphydro");
    IrModel *fine = load(&p2, &d2, DG_SOURCE_DIR "/tests/physics/exphydro_fine.dg", "exphydro_fine");
    CHECK(coarse && fine);
    if (!coarse || !fine) return;
    double qmax = 0, diff = 0, sum_sq = 0, sum_dev = 0, mean = 0;
    double *q[2];
    IrModel *ms[2] = {coarse, fine};
    for (int k = 0; k < 2; k++) {
        IrModel *m = ms[k];
        double *theta = malloc(sizeof(double) * (size_t)m->nparams);
        for (int i = 0; i < m->nparams; i++) theta[i] = m->params[i].value;   /* calibrated defaults */
        double *x = malloc(sizeof(double) * (size_t)(T * m->ninputs));
        for (int t = 0; t < T; t++) {
            x[t * m->ninputs + index_of(m->inputs, m->ninputs, "P")] = P[t];
            x[t * m->ninputs + index_of(m->inputs, m->ninputs, "T")] = Tm[t];
            x[t * m->ninputs + index_of(m->inputs, m->ninputs, "Lday")] = L[t];
        }
        double *tape = malloc(sizeof(double) * (size_t)((T + 1) * m->nstates));
        double *out = malloc(sizeof(double) * (size_t)(T * m->noutputs));
        ir_run_cell(m, theta, x, T, NULL, tape, out);
        q[k] = malloc(sizeof(double) * T);
        for (int t = 0; t < T; t++) q[k][t] = out[t * m->noutputs + output_of(m, "Q")];
        free(theta); free(x); free(tape); free(out);
    }
    for (int t = 0; t < T; t++) mean += q[1][t] / T;
    for (int t = 0; t < T; t++) {
        qmax = fmax(qmax, q[1][t]);
        diff = fmax(diff, fabs(q[0][t] - q[1][t]));
        sum_sq += (q[0][t] - q[1][t]) * (q[0][t] - q[1][t]);
        sum_dev += (q[1][t] - mean) * (q[1][t] - mean);
    }
    double nse = 1 - sum_sq / sum_dev;
    printf("exphydro rk4 (1 step/day) vs rk4 (64 steps/day): max |dQ| %.3g mm/d (max Q %.3g), NSE %.8f\n", diff, qmax, nse);
    CHECK(diff <= 0.01 * qmax);
    CHECK(nse >= 0.9999);
    free(q[0]); free(q[1]); free(P); free(Tm); free(L);
    program_free(&p1);
    program_free(&p2);
}

int main(void) {
    gr4j_zero_rain(0);
    gr4j_zero_rain(1.5);
    exphydro_rk4();
    return check_report("test_stdlib_physics");
}
