/* test_stdlib_physics.c — physical sanity of stdlib models, on the
 * reference IR executor:
 *   GR4J with zero rain: after the unit hydrographs have emptied, flow
 *     decays day after day; and the water balance closes to round-off:
 *     change in (production store + routing store + water in the unit
 *     hydrographs) = -(sum Q + sum AET) + 2 sum F (the exchange F is added
 *     to both branches, as in Perrin et al. 2003), with x2 = 0 and x2 > 0.
 *   EXP-HYDRO: the default one-step RK4 against a 64-sub-step RK4 reference
 *     on basin 01013500 (1980-10-01, two years, calibrated parameters).
 * and, for the other stdlib models, on the 34 years of CAMELS 01031500 (P,
 * T and PET of the CAMELS SAC-SMA benchmark file, Tmin/Tmax from Daymet):
 *   the water balance closes (change in storage = inputs - outputs, to
 *     round-off) for the defaults and random parameters inside the bounds;
 *   stores stay within their physical bounds;
 *   zero rain gives a monotone recession; and model-specific limits (below,
 *     at each test). */
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

// ---- Harness: real forcing, a model run, the water balance ------------------------------

/* CAMELS 01031500, 1980-10-01 .. 2014-12-31: P, T (TAIR) and PET of the
 * SAC-SMA benchmark file (the forcing of the CAMELS model runs), Tmin and
 * Tmax from the Daymet file of the same days. */
typedef struct {
    int     n;
    double *P, *T, *PET, *Tmin, *Tmax, *DOY;
} Forcing;

static int day_of_year(int y, int mo, int d) {
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return before[mo - 1] + d + (leap && mo > 2);
}

static Forcing camels;

static bool read_camels(void) {
    FILE *f = fopen(DG_SHARED_DIR "/data/camels_us/01031500_05_model_output.txt", "r");
    FILE *g = fopen(DG_SHARED_DIR "/data/camels_us/basin_mean_forcing/daymet/01031500_lump_cida_forcing_leap.txt", "r");
    if (!f || !g) {
        if (f) fclose(f);
        if (g) fclose(g);
        return false;
    }
    enum { MAXN = 13000 };
    Forcing *c = &camels;
    c->P = malloc(sizeof(double) * MAXN), c->T = malloc(sizeof(double) * MAXN), c->PET = malloc(sizeof(double) * MAXN);
    c->Tmin = malloc(sizeof(double) * MAXN), c->Tmax = malloc(sizeof(double) * MAXN);
    c->DOY = malloc(sizeof(double) * MAXN);
    char line[512];
    for (int k = 0; k < 4; k++) CHECK(fgets(line, sizeof line, g) != NULL);   /* lat, elevation, area, header */
    CHECK(fgets(line, sizeof line, f) != NULL);                              /* header */
    int y, mo, d, hr, gy = 0, gmo = 0, gd = 0;
    double swe, prcp, raim, tair, pet, et, mod, obs, dayl, gp, srad, gswe, tmax, tmin, vp;
    c->n = 0;
    while (c->n < MAXN && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%d %d %d %d %lf %lf %lf %lf %lf %lf %lf %lf", &y, &mo, &d, &hr, &swe, &prcp, &raim, &tair,
                   &pet, &et, &mod, &obs) != 12)
            break;
        /* the Daymet row of the same day */
        while (gy * 10000 + gmo * 100 + gd < y * 10000 + mo * 100 + d && fgets(line, sizeof line, g))
            if (sscanf(line, "%d %d %d %d %lf %lf %lf %lf %lf %lf %lf", &gy, &gmo, &gd, &hr, &dayl, &gp, &srad, &gswe,
                       &tmax, &tmin, &vp) != 11)
                break;
        if (gy != y || gmo != mo || gd != d) break;
        c->P[c->n] = prcp, c->T[c->n] = tair, c->PET[c->n] = pet, c->Tmin[c->n] = tmin, c->Tmax[c->n] = tmax;
        c->DOY[c->n] = day_of_year(y, mo, d);
        c->n++;
    }
    fclose(f);
    fclose(g);
    return c->n > 12000;
}

static double forcing_value(const char *input, int t) {
    if (!strcmp(input, "P")) return camels.P[t];
    if (!strcmp(input, "T")) return camels.T[t];
    if (!strcmp(input, "PET") || !strcmp(input, "E")) return camels.PET[t];
    if (!strcmp(input, "Tmin")) return camels.Tmin[t];
    if (!strcmp(input, "Tmax")) return camels.Tmax[t];
    if (!strcmp(input, "DOY")) return camels.DOY[t];
    fprintf(stderr, "no forcing for input '%s'\n", input);
    CHECK(!"known input");
    return 0;
}

/* A loaded model with its own program (freed by unload). */
typedef struct {
    Program  p;
    Diag     d;
    IrModel *m;
} Loaded;

static bool load_model(Loaded *l, const char *file, const char *model) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DG_SOURCE_DIR, file);
    l->m = load(&l->p, &l->d, path, model);
    CHECK(l->m != NULL);
    if (!l->m) program_free(&l->p);
    return l->m != NULL;
}

static void unload(Loaded *l) { program_free(&l->p); }

static int param_of(const IrModel *m, const char *name) {
    for (int i = 0; i < m->nparams; i++) if (!strcmp(m->params[i].name, name)) return i;
    fprintf(stderr, "%s: no parameter '%s'\n", m->name, name);
    CHECK(!"known parameter");
    return 0;
}

static double *default_params(const IrModel *m) {
    double *theta = malloc(sizeof(double) * (size_t)(m->nparams + 1));
    for (int i = 0; i < m->nparams; i++) theta[i] = m->params[i].value;
    return theta;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double uniform01(void) {   /* xorshift64 */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Parameters drawn uniformly inside the bounds; fixed parameters keep their value. */
static double *random_params(const IrModel *m) {
    double *theta = default_params(m);
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].has_bounds && m->params[i].mark != PARAM_FIXED)
            theta[i] = m->params[i].lo + uniform01() * (m->params[i].hi - m->params[i].lo);
    return theta;
}

/* Forcing matrix (T x ninputs) from CAMELS days [first, first + T). */
static double *camels_inputs(const IrModel *m, int first, int T) {
    double *x = malloc(sizeof(double) * (size_t)(T * m->ninputs + 1));
    for (int t = 0; t < T; t++)
        for (int i = 0; i < m->ninputs; i++) x[t * m->ninputs + i] = forcing_value(m->inputs[i].name, first + t);
    return x;
}

typedef struct {
    double *tape, *out;   /* (T + 1) x nstates, T x noutputs */
    int     T;
} Run;

static Run run_model(const IrModel *m, const double *theta, const double *x, int T) {
    Run r = {malloc(sizeof(double) * (size_t)((T + 1) * m->nstates + 1)),
             malloc(sizeof(double) * (size_t)(T * m->noutputs + 1)), T};
    ir_run_cell(m, theta, x, T, NULL, r.tape, r.out);
    return r;
}

static void run_free(Run *r) { free(r->tape); free(r->out); }

static double state_at(const IrModel *m, const Run *r, const char *name, int t) {
    int s = index_of(m->states, m->nstates, name);
    if (s < 0) {
        fprintf(stderr, "%s: no state '%s'\n", m->name, name);
        CHECK(!"known state");
    }
    return s < 0 ? NAN : r->tape[(size_t)t * m->nstates + s];
}

static double out_at(const IrModel *m, const Run *r, const char *name, int t) {
    int o = output_of(m, name);
    if (o < 0) {
        fprintf(stderr, "%s: no output '%s'\n", m->name, name);
        CHECK(!"known output");
    }
    return o < 0 ? NAN : r->out[(size_t)t * m->noutputs + o];
}

/* Water held at the start of step t (t = T: at the end): the sum of the
 * states named in `stores` (space-separated; "-M" counts a deficit M
 * negatively, "0.3*SP1" weighs a zone's store by its area fraction, "~Q9"
 * is the water inside the unit hydrograph of the step variable Q9). */
static double storage_at(const IrModel *m, const Run *r, const char *stores, int t) {
    char buf[512], *save = NULL;
    snprintf(buf, sizeof buf, "%s", stores);
    double total = 0;
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        double c = 1;
        char *star = strchr(w, '*');
        if (star) c = strtod(w, NULL), w = star + 1;   /* "0.3*SP1": a weighted store */
        if (w[0] == '~')                               /* "~Q9": water in a route's delay line */
            total += c * in_transit(m, r->tape + (size_t)t * m->nstates, w + 1);
        else
            total += w[0] == '-' ? -c * state_at(m, r, w + 1, t) : c * state_at(m, r, w, t);
    }
    return total;
}

static double sum_outputs(const IrModel *m, const Run *r, const char *names) {
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", names);
    double total = 0;
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        double c = 1;
        char *star = strchr(w, '*');
        if (star) c = strtod(w, NULL), w = star + 1;   /* "-2*exchange": counted -2 times */
        for (int t = 0; t < r->T; t++) total += c * out_at(m, r, w, t);
    }
    return total;
}

static double sum_input(const IrModel *m, const double *x, int T, const char *name) {
    int i = index_of(m->inputs, m->ninputs, name);
    CHECK(i >= 0);
    double total = 0;
    for (int t = 0; t < T; t++) total += x[t * m->ninputs + i];
    return total;
}

/* Water balance of a run: storage change - (gain - sum of the `losses`
 * outputs), relative to the gain: the input P, or the output named after
 * '=' ("=Pzones": precipitation after the model's own corrections). */
static double imbalance(const IrModel *m, const Run *r, const double *x, const char *gain, const char *stores,
                        const char *losses) {
    double P = gain[0] == '=' ? sum_outputs(m, r, gain + 1) : sum_input(m, x, r->T, gain);
    double d = storage_at(m, r, stores, r->T) - storage_at(m, r, stores, 0) - (P - sum_outputs(m, r, losses));
    return fabs(d) / P;
}

/* Sets parameters from "name=value name=value ..." (fixed ones included). */
static void set_params(const IrModel *m, double *theta, const char *set) {
    char buf[512], *save = NULL;
    snprintf(buf, sizeof buf, "%s", set ? set : "");
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        if (!eq) continue;
        *eq = 0;
        theta[param_of(m, w)] = strtod(eq + 1, NULL);
    }
}

/* The balance on the whole CAMELS record for the defaults and 8 random
 * parameter sets inside the bounds (then `set` applied); also every state
 * listed in `nonneg` stays >= 0. */
static void check_balance_with(const IrModel *m, const char *gain, const char *stores, const char *losses,
                               const char *nonneg, const char *set) {
    double *x = camels_inputs(m, 0, camels.n), worst = 0, most_negative = 0;
    for (int k = 0; k < 9; k++) {
        double *theta = k ? random_params(m) : default_params(m);
        set_params(m, theta, set);
        Run r = run_model(m, theta, x, camels.n);
        worst = fmax(worst, imbalance(m, &r, x, gain, stores, losses));
        char buf[512], *save = NULL;
        snprintf(buf, sizeof buf, "%s", nonneg);
        for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
            for (int t = 0; t <= r.T; t++) most_negative = fmin(most_negative, state_at(m, &r, w, t));
        run_free(&r);
        free(theta);
    }
    printf("%s: water balance over %d days, 9 parameter sets: worst |imbalance| / P = %.3g; lowest store %.3g mm\n",
           m->name, camels.n, worst, most_negative);
    CHECK(worst <= 1e-12);
    CHECK(most_negative >= -1e-9);
    free(x);
}

static void check_balance(const IrModel *m, const char *stores, const char *losses, const char *nonneg) {
    check_balance_with(m, "P", stores, losses, nonneg, NULL);
}

/* Zero rain after `wet` days of real forcing: the water held (`stores`)
 * never rises, and output `q` falls (non-strictly) from `lag` days after the
 * last rain on. Returns the flow at the end of the dry spell. */
static double check_recession(const IrModel *m, const double *theta, const char *stores, const char *q, int lag) {
    enum { WET = 365, DRY = 300 };
    double *x = camels_inputs(m, 0, WET + DRY);
    int ip = index_of(m->inputs, m->ninputs, "P");
    for (int t = WET; t < WET + DRY; t++) x[t * m->ninputs + ip] = 0;
    Run r = run_model(m, theta, x, WET + DRY);
    int rises = 0, falls = 0;
    for (int t = WET; t < WET + DRY; t++) rises += storage_at(m, &r, stores, t + 1) > storage_at(m, &r, stores, t) + 1e-12;
    for (int t = WET + lag; t + 1 < WET + DRY; t++) falls += out_at(m, &r, q, t + 1) <= out_at(m, &r, q, t);
    double qend = out_at(m, &r, q, WET + DRY - 1);
    printf("%s: %d dry days: storage %.4g -> %.4g mm, %s %.4g -> %.4g mm/d, %d/%d days falling\n", m->name, DRY,
           storage_at(m, &r, stores, WET), storage_at(m, &r, stores, WET + DRY), q, out_at(m, &r, q, WET + lag), qend,
           falls, DRY - lag - 1);
    CHECK(rises == 0);
    CHECK(falls == DRY - lag - 1);
    CHECK(out_at(m, &r, q, WET + lag) > qend);
    run_free(&r);
    free(x);
    return qend;
}

// ---- HyMOD ---------------------------------------------------------------------------------

/* HyMOD: balance; 0 <= S <= Smax = Cmax / (bexp + 1); AET <= PET; a
 * recession after the quick cascade's peak (discrete three-reservoir
 * response peaks near 2 (1 - Rq) / Rq days: 18 for the slowest Rq = 0.1);
 * steady rain with no PET ends as Q = P; the snow variant equals HyMOD
 * exactly when it never freezes. */
static void hymod_tests(void) {
    Loaded l;
    if (!load_model(&l, "stdlib/models/hymod.dg", "hymod")) return;
    IrModel *m = l.m;
    check_balance(m, "S F1 F2 F3 SL", "Q AET", "S F1 F2 F3 SL");

    /* stores within bounds, AET within PET, for random parameters */
    double *x = camels_inputs(m, 0, camels.n);
    int bad = 0;
    for (int k = 0; k < 5; k++) {
        double *theta = random_params(m);
        double smax = theta[param_of(m, "Cmax")] / (theta[param_of(m, "bexp")] + 1);
        Run r = run_model(m, theta, x, camels.n);
        for (int t = 0; t < r.T; t++) {
            double S = state_at(m, &r, "S", t + 1);
            bad += S < 0 || S > smax * (1 + 1e-12);
            bad += out_at(m, &r, "AET", t) > camels.PET[t] * (1 + 1e-12) || out_at(m, &r, "Q", t) < 0;
        }
        run_free(&r);
        free(theta);
    }
    printf("hymod: S in [0, Smax], 0 <= AET <= PET, Q >= 0 on 5 random parameter sets: %d violations\n", bad);
    CHECK(bad == 0);
    free(x);

    double *theta = default_params(m);
    check_recession(m, theta, "S F1 F2 F3 SL", "Q", 10);
    theta[param_of(m, "Rq")] = 0.1;
    check_recession(m, theta, "S F1 F2 F3 SL", "Q", 20);

    /* steady state: P = 5 mm/d, PET = 0 for 4000 days -> Q = 5 mm/d */
    enum { N = 4000 };
    x = calloc((size_t)(N * m->ninputs), sizeof(double));
    for (int t = 0; t < N; t++) x[t * m->ninputs + index_of(m->inputs, m->ninputs, "P")] = 5;
    Run r = run_model(m, theta, x, N);
    double qlast = out_at(m, &r, "Q", N - 1), smax = theta[param_of(m, "Cmax")] / (theta[param_of(m, "bexp")] + 1);
    printf("hymod: steady P = 5 mm/d, no PET: Q = %.10f mm/d, S = %.6f of Smax %.6f mm\n", qlast,
           state_at(m, &r, "S", N), smax);
    CHECK(fabs(qlast - 5) <= 1e-6);
    CHECK(fabs(state_at(m, &r, "S", N) - smax) <= 1e-6 * smax);
    run_free(&r);
    free(x);

    /* hymod_snow at T = 20 degC (never snow) = hymod, bit for bit */
    Loaded ls;
    if (load_model(&ls, "stdlib/models/hymod.dg", "hymod_snow")) {
        IrModel *ms = ls.m;
        double *ts = default_params(ms);
        for (int i = 0; i < m->nparams; i++) ts[param_of(ms, m->params[i].name)] = theta[i];
        double *xa = camels_inputs(m, 0, 3000), *xs = camels_inputs(ms, 0, 3000);
        int it = index_of(ms->inputs, ms->ninputs, "T");
        for (int t = 0; t < 3000; t++) xs[t * ms->ninputs + it] = 20;
        Run ra = run_model(m, theta, xa, 3000), rs = run_model(ms, ts, xs, 3000);
        int differ = 0;
        for (int t = 0; t < 3000; t++) differ += out_at(m, &ra, "Q", t) != out_at(ms, &rs, "Q", t);
        printf("hymod_snow at 20 degC vs hymod: %d of 3000 days differ\n", differ);
        CHECK(differ == 0);
        check_balance(ms, "S F1 F2 F3 SL SNOW", "Q AET", "S F1 F2 F3 SL SNOW");
        check_recession(ms, ts, "S F1 F2 F3 SL SNOW", "Q", 10);
        run_free(&ra); run_free(&rs);
        free(ts); free(xa); free(xs);
        unload(&ls);
    }
    free(theta);
    unload(&l);
}

// ---- abc ----------------------------------------------------------------------------------

/* abc: balance; without rain the flow is the store's release, a geometric
 * recession Q_{t+1} = (1 - c) Q_t; steady rain P gives Q = (1 - b') P with
 * b' = min(b, 1 - a) (all of P once a + b > 1 leaves no direct runoff:
 * Q = a P, ET = (1 - a) P). */
static void abc_tests(void) {
    Loaded l;
    if (!load_model(&l, "stdlib/models/abc.dg", "abc")) return;
    IrModel *m = l.m;
    check_balance(m, "G", "Q ET", "G");
    double *theta = default_params(m);
    check_recession(m, theta, "G", "Q", 0);
    enum { WET = 365, DRY = 100 };
    double *x = camels_inputs(m, 0, WET + DRY), c = theta[param_of(m, "c")], worst = 0;
    for (int t = WET; t < WET + DRY; t++) x[t * m->ninputs] = 0;
    Run r = run_model(m, theta, x, WET + DRY);
    for (int t = WET; t + 1 < WET + DRY; t++)
        worst = fmax(worst, fabs(out_at(m, &r, "Q", t + 1) - (1 - c) * out_at(m, &r, "Q", t)) / out_at(m, &r, "Q", t));
    printf("abc: dry spell, max |Q_t+1 - (1 - c) Q_t| / Q_t = %.3g\n", worst);
    CHECK(worst <= 1e-12);
    run_free(&r);
    free(x);

    enum { N = 2000 };
    const double ab[2][2] = {{0.3, 0.5}, {0.7, 0.6}}, want[2] = {0.5 * 4, 0.7 * 4};
    x = malloc(sizeof(double) * N);
    for (int t = 0; t < N; t++) x[t] = 4;
    for (int k = 0; k < 2; k++) {
        theta[param_of(m, "a")] = ab[k][0], theta[param_of(m, "b")] = ab[k][1];
        r = run_model(m, theta, x, N);
        printf("abc: steady P = 4 mm/d, a = %g, b = %g: Q = %.10f (want %g), ET = %.10f\n", ab[k][0], ab[k][1],
               out_at(m, &r, "Q", N - 1), want[k], out_at(m, &r, "ET", N - 1));
        CHECK(fabs(out_at(m, &r, "Q", N - 1) - want[k]) <= 1e-9);
        CHECK(fabs(out_at(m, &r, "ET", N - 1) - (4 - want[k])) <= 1e-12);
        run_free(&r);
    }
    free(x);
    free(theta);
    unload(&l);
}

// ---- Linear reservoirs (Nash 1957) -----------------------------------------------------------

/* P(n, x), n = 1, 2, 3: the closed form (x >= 0.5 here, no cancellation). */
static double gamma_p_int(int n, double x) {
    double s = 1, term = 1;
    for (int m = 1; m < n; m++) term *= x / m, s += term;
    return 1 - exp(-x) * s;
}

/* linres: balance; recession Q_t+1 = exp(-k) Q_t exactly; steady inflow
 * passes through. nash_cascade: balance; its first store is linres; after 1 mm
 * entering on day 0 the water still held at day t is Nash's convolution
 * (1/k) sum_i [P(i, k t) - P(i, k (t - 1))]; monotone recession after the
 * response's peak. */
static void nash_tests(void) {
    Loaded l1, l3;
    if (!load_model(&l1, "stdlib/models/nash.dg", "linres")) return;
    if (!load_model(&l3, "stdlib/models/nash.dg", "nash_cascade")) { unload(&l1); return; }
    IrModel *m1 = l1.m, *m3 = l3.m;
    check_balance(m1, "S", "Q", "S");
    check_balance(m3, "S1 S2 S3", "Q", "S1 S2 S3");
    double *t1 = default_params(m1), *t3 = default_params(m3);
    check_recession(m1, t1, "S", "Q", 0);
    check_recession(m3, t3, "S1 S2 S3", "Q", 10);

    enum { N = 120 };
    double *x = calloc(N, sizeof(double));
    double k = 0.5, worst = 0, worst_first = 0, worst_geo = 0;
    t1[0] = t3[0] = k;
    x[0] = 1;
    Run r1 = run_model(m1, t1, x, N), r3 = run_model(m3, t3, x, N);
    for (int t = 1; t <= N; t++) {
        double want = 0;
        for (int i = 1; i <= 3; i++) want += (gamma_p_int(i, k * t) - (t > 1 ? gamma_p_int(i, k * (t - 1)) : 0)) / k;
        double got = storage_at(m3, &r3, "S1 S2 S3", t);
        worst = fmax(worst, fabs(got - want));
        worst_first = fmax(worst_first, fabs(state_at(m3, &r3, "S1", t) - state_at(m1, &r1, "S", t)));
    }
    for (int t = 1; t + 1 < N; t++)
        worst_geo = fmax(worst_geo, fabs(out_at(m1, &r1, "Q", t + 1) - exp(-k) * out_at(m1, &r1, "Q", t)));
    printf("nash_cascade: 1 mm on day 0, k = %g: max |storage - Nash's convolution| = %.3g mm over %d days; "
           "first store - linres %.3g; linres |Q_t+1 - exp(-k) Q_t| %.3g\n", k, worst, N, worst_first, worst_geo);
    CHECK(worst <= 1e-14);
    CHECK(worst_first <= 1e-15);
    CHECK(worst_geo <= 1e-15);
    run_free(&r1);
    run_free(&r3);

    for (int t = 0; t < N; t++) x[t] = 3;   /* steady inflow */
    r3 = run_model(m3, t3, x, N);
    printf("nash_cascade: steady inflow 3 mm/d: Q = %.12f\n", out_at(m3, &r3, "Q", N - 1));
    CHECK(fabs(out_at(m3, &r3, "Q", N - 1) - 3) <= 1e-9);
    run_free(&r3);
    free(x); free(t1); free(t3);
    unload(&l1);
    unload(&l3);
}

// ---- IHACRES ---------------------------------------------------------------------------------

/* IHACRES (CMD): balance with the deficit M counted as negative storage;
 * M >= 0 and U >= 0; a recession from the first dry day (two decaying
 * stores); steady rain P with PET E below the stress threshold: ET = e E,
 * Q = P - e E and M = e E / (1 - exp(-P / d)) (the fixed point of
 * Mf = M exp(-P/d), M = Mf + e E); without PET the catchment saturates
 * (M -> 0) and all rain drains. */
static void ihacres_tests(void) {
    Loaded l;
    if (!load_model(&l, "stdlib/models/ihacres.dg", "ihacres")) return;
    IrModel *m = l.m;
    check_balance(m, "-M Sq Ss", "Q ET", "M Sq Ss");
    double *theta = default_params(m);
    check_recession(m, theta, "-M Sq Ss", "Q", 0);

    double *x = camels_inputs(m, 0, camels.n), lowest_u = 0;
    for (int k = 0; k < 5; k++) {
        double *th = random_params(m);
        Run r = run_model(m, th, x, camels.n);
        for (int t = 0; t < r.T; t++) lowest_u = fmin(lowest_u, out_at(m, &r, "U", t));
        run_free(&r);
        free(th);
    }
    printf("ihacres: lowest effective rainfall on 5 random parameter sets %.3g mm/d\n", lowest_u);
    CHECK(lowest_u >= -1e-12);
    free(x);

    enum { N = 3000 };
    const double E[2] = {2, 0};
    x = malloc(sizeof(double) * (size_t)(N * m->ninputs));
    for (int k = 0; k < 2; k++) {
        for (int t = 0; t < N; t++) {
            x[t * m->ninputs + index_of(m->inputs, m->ninputs, "P")] = 5;
            x[t * m->ninputs + index_of(m->inputs, m->ninputs, "E")] = E[k];
        }
        Run r = run_model(m, theta, x, N);
        double e = theta[param_of(m, "e")], d = theta[param_of(m, "d")];
        double Mwant = e * E[k] / (1 - exp(-5 / d)), Qwant = 5 - e * E[k];
        printf("ihacres: steady P = 5, E = %g mm/d: Q = %.10f (want %g), ET = %.10f, M = %.8f (want %.8f)\n", E[k],
               out_at(m, &r, "Q", N - 1), Qwant, out_at(m, &r, "ET", N - 1), state_at(m, &r, "M", N), Mwant);
        CHECK(fabs(out_at(m, &r, "Q", N - 1) - Qwant) <= 1e-8);
        CHECK(fabs(out_at(m, &r, "ET", N - 1) - e * E[k]) <= 1e-12);
        CHECK(fabs(state_at(m, &r, "M", N) - Mwant) <= 1e-8);
        run_free(&r);
    }
    free(x);
    free(theta);
    unload(&l);
}

// ---- TOPMODEL -----------------------------------------------------------------------------

/* TOPMODEL: balance (water held S1 - D); 0 <= S1 <= suzmax, D >= 0,
 * 0 <= As <= 1; zero rain on a root zone below field capacity (no recharge)
 * gives Beven & Kirkby's hyperbolic recession, 1/Qb(t) = 1/Qb(0) + m t for
 * the instantaneous baseflow q0 exp(-m D(t)); the Wilson-Hilferty saturated
 * fraction within 2e-3 of the exact Q(3, x) = exp(-x) (1 + x + x^2/2); steady
 * rain without PET drains completely. */
static void topmodel_tests(void) {
    Loaded l;
    if (!load_model(&l, "stdlib/models/topmodel.dg", "topmodel")) return;
    IrModel *m = l.m;
    check_balance(m, "S1 -D", "Q AET", "S1 D");

    double *x = camels_inputs(m, 0, camels.n);
    int bad = 0;
    for (int k = 0; k < 5; k++) {
        double *th = random_params(m), smax = th[param_of(m, "suzmax")];
        Run r = run_model(m, th, x, camels.n);
        for (int t = 0; t < r.T; t++) {
            double As = out_at(m, &r, "As", t);
            bad += state_at(m, &r, "S1", t + 1) > smax * (1 + 1e-12) || As < 0 || As > 1;
        }
        run_free(&r);
        free(th);
    }
    printf("topmodel: S1 <= suzmax, 0 <= As <= 1 on 5 random parameter sets: %d violations\n", bad);
    CHECK(bad == 0);
    free(x);

    double *theta = default_params(m);
    check_recession(m, theta, "S1 -D", "Q", 60);

    /* dry from the start: S1 starts at half the field capacity, so qv = 0 */
    enum { N = 400 };
    x = calloc((size_t)(N * m->ninputs), sizeof(double));
    for (int t = 0; t < N; t++) x[t * m->ninputs + index_of(m->inputs, m->ninputs, "PET")] = 2;
    Run r = run_model(m, theta, x, N);
    double q0 = theta[param_of(m, "q0")], mm = theta[param_of(m, "m")], worst = 0;
    double inv0 = 1 / (q0 * exp(-mm * state_at(m, &r, "D", 0)));
    for (int t = 1; t <= N; t++) {
        double inv = 1 / (q0 * exp(-mm * state_at(m, &r, "D", t)));
        worst = fmax(worst, fabs(inv - (inv0 + mm * t)) / (inv0 + mm * t));
    }
    printf("topmodel: no rain, no recharge: max relative deviation of 1/Qb from 1/Qb(0) + m t over %d days: %.3g\n",
           N, worst);
    CHECK(worst <= 1e-10);
    run_free(&r);

    /* saturated fraction vs the exact incomplete gamma function of shape 3 */
    theta[param_of(m, "chi")] = 3;
    double worst_as = 0;
    for (int k = 0; k < 2; k++) {
        theta[param_of(m, "m")] = k ? 0.05 : 0;
        Run ra = run_model(m, theta, x, N);
        for (int t = 0; t < N; t++) {
            double xx = 3 + theta[param_of(m, "m")] * state_at(m, &ra, "D", t) / theta[param_of(m, "phi")];
            double exact = exp(-xx) * (1 + xx + xx * xx / 2);
            worst_as = fmax(worst_as, fabs(out_at(m, &ra, "As", t) - exact));
        }
        run_free(&ra);
    }
    printf("topmodel: saturated fraction (Wilson-Hilferty) vs exact Q(3, x): max |error| %.3g\n", worst_as);
    CHECK(worst_as <= 2e-3);
    free(x);
    free(theta);

    /* steady rain, no PET: everything drains */
    theta = default_params(m);
    enum { M = 5000 };
    x = calloc((size_t)(M * m->ninputs), sizeof(double));
    for (int t = 0; t < M; t++) x[t * m->ninputs + index_of(m->inputs, m->ninputs, "P")] = 4;
    r = run_model(m, theta, x, M);
    printf("topmodel: steady P = 4 mm/d, no PET: Q = %.10f mm/d, D = %.4f mm\n", out_at(m, &r, "Q", M - 1),
           state_at(m, &r, "D", M));
    CHECK(fabs(out_at(m, &r, "Q", M - 1) - 4) <= 1e-6);
    run_free(&r);
    free(x);
    free(theta);
    unload(&l);
}

// ---- HBV-light with elevation zones -------------------------------------------------------------

/* hbv_light_zones: balance against the precipitation the zones receive
 * (elevation and snowfall corrections change the amount), with three
 * distinct zones; zones at the same elevation stay identical, and the
 * result does not depend on their area fractions; zones placed
 * symmetrically about z_ref with equal areas receive P on average (no snow:
 * T = 20 degC); recession of the unrouted flow. */
static void hbv_zones_tests(void) {
    Loaded l;
    if (!load_model(&l, "stdlib/models/hbv_light_zones.dg", "hbv_light_zones")) return;
    IrModel *m = l.m;
    const char *zones = "z_ref=300 z1=150 z2=400 z3=800 f1=0.3 f2=0.5 f3=0.2";
    check_balance_with(m, "=Pzones",
                       "0.3*SP1 0.3*WC1 0.3*SM1 0.5*SP2 0.5*WC2 0.5*SM2 0.2*SP3 0.2*WC3 0.2*SM3 SUZ SLZ", "q AET",
                       "SP1 WC1 SM1 SP2 WC2 SM2 SP3 WC3 SM3 SUZ SLZ", zones);

    enum { N = 3000 };
    double *x = camels_inputs(m, 0, N), *theta = default_params(m);
    Run a = run_model(m, theta, x, N);
    set_params(m, theta, "f1=1 f2=0 f3=0");
    Run b = run_model(m, theta, x, N);
    int differ = 0;
    double worst = 0;
    for (int t = 1; t <= N; t++)
        for (int k = 0; k < 3; k++) {
            const char *v[3] = {"SP", "WC", "SM"};
            char n1[8], n2[8], n3[8];
            snprintf(n1, sizeof n1, "%s1", v[k]), snprintf(n2, sizeof n2, "%s2", v[k]), snprintf(n3, sizeof n3, "%s3", v[k]);
            differ += state_at(m, &a, n1, t) != state_at(m, &a, n2, t) || state_at(m, &a, n1, t) != state_at(m, &a, n3, t);
        }
    for (int t = 0; t < N; t++) worst = fmax(worst, fabs(out_at(m, &a, "q", t) - out_at(m, &b, "q", t)));
    printf("hbv_light_zones: zones at one elevation: %d state differences between zones; "
           "weights 1/3 each vs (1, 0, 0): max |dq| %.3g mm/d\n", differ, worst);
    CHECK(differ == 0);
    CHECK(worst <= 1e-12);
    run_free(&a);
    run_free(&b);

    set_params(m, theta, "z_ref=500 z1=300 z2=500 z3=700 f1=1 f2=1 f3=1");
    int it = index_of(m->inputs, m->ninputs, "T");
    for (int t = 0; t < N; t++) x[t * m->ninputs + it] = 20;
    a = run_model(m, theta, x, N);
    worst = 0;
    for (int t = 0; t < N; t++) worst = fmax(worst, fabs(out_at(m, &a, "Pzones", t) - camels.P[t]));
    printf("hbv_light_zones: zones at z_ref -/+ 200 m, equal areas, no snow: max |Pzones - P| %.3g mm/d\n", worst);
    CHECK(worst <= 1e-12);
    run_free(&a);
    free(x);
    free(theta);

    theta = default_params(m);
    set_params(m, theta, zones);
    check_recession(m, theta, "0.3*SP1 0.3*WC1 0.3*SM1 0.5*SP2 0.5*WC2 0.5*SM2 0.2*SP3 0.2*WC3 0.2*SM3 SUZ SLZ", "q", 10);

    /* the MAXBAS triangle: for MAXBAS = 2.5 d the areas over days 0, 1, 2 are
     * 0.32, 0.6 and 0.08 (rising 4t/6.25, peak at 1.25 d); nothing later */
    theta[param_of(m, "MAXBAS")] = 2.5;
    int o = output_of(m, "Q");
    double *vals = malloc(sizeof(double) * (size_t)(m->prologue.n + 1));
    double *w = malloc(sizeof(double) * (size_t)(m->nweights + 1));
    IrLeaves lv = {.params = theta};
    ir_eval(&m->prologue, &lv, vals, w);
    const double want[3] = {0.32, 0.6, 0.08};
    double werr = 0;
    CHECK(o >= 0 && m->outputs[o].route_len == 120);
    for (int j = 0; o >= 0 && j < m->outputs[o].route_len; j++)
        werr = fmax(werr, fabs(w[m->outputs[o].route_weights + j] - (j < 3 ? want[j] : 0)));
    printf("hbv_light_zones: MAXBAS = 2.5 d routing weights vs the triangle's daily areas: max |error| %.3g\n", werr);
    CHECK(werr <= 1e-15);
    free(vals);
    free(w);
    free(theta);
    unload(&l);
}

// ---- CemaNeige + GR4J ------------------------------------------------------------------------

static const char *const CN_LAYERS = "z_station=250 z1=150 z2=200 z3=250 z4=300 z5=400 MASP1=150 MASP2=180 MASP3=200 "
                                     "MASP4=220 MASP5=260";
static const char *const CN_STORES = "0.2*G1 0.2*G2 0.2*G3 0.2*G4 0.2*G5 S R ~Q9 ~Q1";

/* One designed day sequence for cemaneige_gr4j (inputs by name). */
static void cn_day(const IrModel *m, double *x, int t, double P, double T, double Tmin, double Tmax, double E) {
    const char *names[5] = {"P", "T", "Tmin", "Tmax", "E"};
    const double v[5] = {P, T, Tmin, Tmax, E};
    for (int k = 0; k < 5; k++) x[t * m->ninputs + index_of(m->inputs, m->ninputs, names[k])] = v[k];
}

/* cemaneige_gr4j: balance (snowpacks, GR4J stores and the water inside the
 * unit hydrographs; the exchange F counts twice, as in gr4j); on warm days
 * (no snow) the layers pass on the catchment's P (extrapolated
 * precipitation keeps its mean) and the model equals stdlib GR4J; the solid
 * fraction (Hydrotel below 1500 m, USACE above); melt waits for an
 * isothermal pack: after ten days at -10 degC and a thaw at +5 degC, melt
 * starts on the day CTG^n (-15) + 5 >= 0 first holds. */
static void cemaneige_tests(void) {
    Loaded l, lg;
    if (!load_model(&l, "stdlib/models/cemaneige_gr4j.dg", "cemaneige_gr4j")) return;
    if (!load_model(&lg, "stdlib/models/gr4j.dg", "gr4j")) { unload(&l); return; }
    IrModel *m = l.m, *g = lg.m;
    /* with x2 >= 0: a loss can be cut short by GR4J's max(0, R + Q9 + F) and
     * max(0, Q1 + F), which the exchange output does not show */
    char set[512];
    snprintf(set, sizeof set, "%s x2=0.7", CN_LAYERS);
    check_balance_with(m, "P", CN_STORES, "Q AET -2*exchange", "G1 G2 G3 G4 G5 S R", set);
    double *theta = default_params(m);
    set_params(m, theta, CN_LAYERS);
    check_recession(m, theta, CN_STORES, "Q", 10);

    /* warm: T = Tmin = Tmax = 15 degC, real P and E */
    enum { N = 3000 };
    double *x = camels_inputs(m, 0, N), *xg = camels_inputs(g, 0, N), *tg = default_params(g);
    for (int t = 0; t < N; t++) cn_day(m, x, t, camels.P[t], 15, 15, 15, camels.PET[t]);
    for (int i = 0; i < g->nparams; i++) tg[i] = theta[param_of(m, g->params[i].name)];
    Run a = run_model(m, theta, x, N), b = run_model(g, tg, xg, N);
    double dw = 0, dq = 0;
    for (int t = 0; t < N; t++) {
        dw = fmax(dw, fabs(out_at(m, &a, "W", t) - camels.P[t]));
        dq = fmax(dq, fabs(out_at(m, &a, "Q", t) - out_at(g, &b, "Q", t)));
    }
    printf("cemaneige_gr4j: warm days, layers 150-400 m: max |W - P| %.3g, max |Q - Q(gr4j)| %.3g mm/d\n", dw, dq);
    CHECK(dw <= 1e-12);
    CHECK(dq <= 1e-9);
    run_free(&a);
    run_free(&b);
    free(x); free(xg); free(tg);

    /* solid fraction on one day with every layer at the station: Tmin = -2,
     * Tmax = 2 (Hydrotel: half snow) below 1500 m; T = 1 (USACE: half snow) above */
    double *th = default_params(m);
    x = calloc((size_t)(2 * m->ninputs), sizeof(double));
    cn_day(m, x, 0, 10, -5, -2, 2, 0);
    a = run_model(m, th, x, 1);
    set_params(m, th, "z_station=2000 z1=2000 z2=2000 z3=2000 z4=2000 z5=2000 Kf=0");   /* no melt at 1 degC */
    cn_day(m, x, 0, 10, 1, -20, 20, 0);
    b = run_model(m, th, x, 1);
    printf("cemaneige_gr4j: 10 mm, Tmin -2 / Tmax 2 at 0 m: SWE %.12f; T = 1 degC at 2000 m: SWE %.12f (want 5, 5)\n",
           out_at(m, &a, "SWE", 0), out_at(m, &b, "SWE", 0));
    CHECK(fabs(out_at(m, &a, "SWE", 0) - 5) <= 1e-12);
    CHECK(fabs(out_at(m, &b, "SWE", 0) - 5) <= 1e-12);
    run_free(&a);
    run_free(&b);
    free(x);
    free(th);

    /* thermal state gates melt */
    const double ctg[2] = {0.25, 0.9};
    for (int k = 0; k < 2; k++) {
        enum { COLD = 10, WARM = 30 };
        th = default_params(m);
        th[param_of(m, "CTG")] = ctg[k];
        x = calloc((size_t)((COLD + WARM) * m->ninputs), sizeof(double));
        for (int t = 0; t < COLD; t++) cn_day(m, x, t, 10, -10, -12, -8, 0);
        for (int t = COLD; t < COLD + WARM; t++) cn_day(m, x, t, 0, 5, 3, 7, 0);
        a = run_model(m, th, x, COLD + WARM);
        int first = -1;
        for (int t = 0; t < COLD + WARM && first < 0; t++) if (out_at(m, &a, "melt", t) > 0) first = t - COLD + 1;
        double e = 0;   /* the thermal state, by its recurrence */
        int want = -1;
        for (int t = 0; t < COLD + WARM && want < 0; t++) {
            e = fmin(ctg[k] * e + (1 - ctg[k]) * (t < COLD ? -10 : 5), 0);
            if (t >= COLD && e >= 0) want = t - COLD + 1;
        }
        printf("cemaneige_gr4j: CTG = %g: first melt on thaw day %d (want %d)\n", ctg[k], first, want);
        CHECK(first == want && want > 0);
        CHECK(k == 0 || want > 1);
        run_free(&a);
        free(x);
        free(th);
    }
    free(theta);
    unload(&l);
    unload(&lg);
}

// ---- SAC-SMA + Snow-17 ----------------------------------------------------------------------

/* The stores of sacsma_snow17 as a storage_at list: the SAC-SMA zones hold
 * water over the pervious fraction 1 - PCTIM - ADIMP, ADIMC over ADIMP; the
 * snowpack its ice, liquid water, attenuated and lagged excess. */
static void sacsma_stores(const IrModel *m, const double *theta, char *buf, size_t n) {
    double adimp = theta[param_of(m, "ADIMP")], parea = 1 - theta[param_of(m, "PCTIM")] - adimp;
    snprintf(buf, n, "%.17g*UZTWC %.17g*UZFWC %.17g*LZTWC %.17g*LZFSC %.17g*LZFPC %.17g*ADIMC WE LIQW STORGE EXLAG",
             parea, parea, parea, parea, parea, adimp);
}

/* One designed day for sacsma_snow17 (inputs by name). */
static void sac_day(const IrModel *m, double *x, int t, double P, double T, double PET, double doy) {
    const char *names[4] = {"P", "T", "PET", "DOY"};
    const double v[4] = {P, T, PET, doy};
    for (int k = 0; k < 4; k++) x[t * m->ninputs + index_of(m->inputs, m->ninputs, names[k])] = v[k];
}

/* sacsma_snow17: the balance closes against the precipitation after the
 * snowfall correction (losses: channel inflow, ET and deep recharge), for the
 * defaults and random parameters, RIVA and SIDE included; no store goes
 * negative or past its capacity; zero rain recedes; on warm days Snow-17 hands
 * the rain on unchanged; on cold days the pack gains SCF P and loses the
 * ground melt DAYGM; steady rain without PET ends as Q = P. */
static void sacsma_tests(void) {
    Loaded l;
    if (!load_model(&l, "stdlib/models/sacsma_snow17.dg", "sacsma_snow17")) return;
    IrModel *m = l.m;
    const char *caps[][2] = {{"UZTWC", "UZTWM"}, {"UZFWC", "UZFWM"}, {"LZFSC", "LZFSM"}, {"LZFPC", "LZFPM"}};
    const char *nonneg[] = {"WE", "LIQW", "NEGHS", "STORGE", "EXLAG", "UZTWC", "UZFWC", "LZTWC", "LZFSC", "LZFPC",
                            "ADIMC"};
    double *x = camels_inputs(m, 0, camels.n), worst = 0, lowest = 0;
    int over = 0;
    char stores[512];
    for (int k = 0; k < 9; k++) {
        double *theta = k ? random_params(m) : default_params(m);
        if (k > 4) set_params(m, theta, k == 5 ? "RIVA=0.2 SIDE=0.3" : "RIVA=0.05 SIDE=0.1 RSERV=0");
        sacsma_stores(m, theta, stores, sizeof stores);
        Run r = run_model(m, theta, x, camels.n);
        worst = fmax(worst, imbalance(m, &r, x, "=Pc", stores, "tci AET deep"));
        for (int t = 0; t <= r.T; t++) {
            for (size_t i = 0; i < sizeof nonneg / sizeof *nonneg; i++) lowest = fmin(lowest, state_at(m, &r, nonneg[i], t));
            for (size_t i = 0; i < sizeof caps / sizeof *caps; i++)
                over += state_at(m, &r, caps[i][0], t) > theta[param_of(m, caps[i][1])] * (1 + 1e-12);
            over += state_at(m, &r, "ADIMC", t) > (theta[param_of(m, "UZTWM")] + theta[param_of(m, "LZTWM")]) * (1 + 1e-12);
        }
        run_free(&r);
        free(theta);
    }
    printf("sacsma_snow17: water balance over %d days, 9 parameter sets: worst |imbalance| / Pc = %.3g; lowest store "
           "%.3g mm; %d stores past their capacity\n", camels.n, worst, lowest, over);
    CHECK(worst <= 1e-12);
    CHECK(lowest >= -1e-9);
    CHECK(over == 0);
    free(x);

    double *theta = default_params(m);
    sacsma_stores(m, theta, stores, sizeof stores);
    check_recession(m, theta, stores, "Q", 40);

    /* warm: no snow, RAIM = P exactly */
    enum { N = 3000 };
    x = camels_inputs(m, 0, N);
    for (int t = 0; t < N; t++) x[t * m->ninputs + index_of(m->inputs, m->ninputs, "T")] = 20;
    Run r = run_model(m, theta, x, N);
    int differ = 0;
    double swe = 0;
    for (int t = 0; t < N; t++) {
        differ += out_at(m, &r, "RAIM", t) != camels.P[t];
        swe = fmax(swe, out_at(m, &r, "SWE", t));
    }
    printf("sacsma_snow17: at 20 degC, %d of %d days with RAIM != P, largest SWE %g mm\n", differ, N, swe);
    CHECK(differ == 0 && swe == 0);
    run_free(&r);
    free(x);

    /* cold: 10 mm/d of snow at -5 degC for 20 days (no melt, no liquid water):
     * the pack gains SCF P a day and gives the ground melt DAYGM */
    enum { COLD = 20 };
    set_params(m, theta, "SCF=1.3 DAYGM=0.1");
    x = calloc((size_t)(COLD * m->ninputs), sizeof(double));
    for (int t = 0; t < COLD; t++) sac_day(m, x, t, 10, -5, 0, 10 + t);
    r = run_model(m, theta, x, COLD);
    double err = 0;
    for (int t = 0; t < COLD; t++) {
        err = fmax(err, fabs(out_at(m, &r, "RAIM", t) - 0.1));
        err = fmax(err, fabs(out_at(m, &r, "SWE", t) - (t + 1) * (13 - 0.1)));
    }
    printf("sacsma_snow17: 20 days of snow at -5 degC: max |RAIM - DAYGM|, |SWE - t (SCF P - DAYGM)| = %.3g mm\n", err);
    CHECK(err <= 1e-12);
    run_free(&r);
    free(x);

    /* steady rain of 5 mm/d without PET at 20 degC: all of it leaves (SIDE = 0) */
    enum { M = 4000 };
    free(theta);
    theta = default_params(m);
    x = calloc((size_t)(M * m->ninputs), sizeof(double));
    for (int t = 0; t < M; t++) sac_day(m, x, t, 5, 20, 0, 1 + t % 365);
    r = run_model(m, theta, x, M);
    printf("sacsma_snow17: steady P = 5 mm/d, no PET: Q = %.10f mm/d, AET = %g\n", out_at(m, &r, "Q", M - 1),
           out_at(m, &r, "AET", M - 1));
    CHECK(fabs(out_at(m, &r, "Q", M - 1) - 5) <= 1e-6);
    run_free(&r);
    free(x);
    free(theta);
    unload(&l);
}

int main(void) {
    if (read_camels()) {
        sacsma_tests();
        hymod_tests();
        abc_tests();
        nash_tests();
        ihacres_tests();
        topmodel_tests();
        hbv_zones_tests();
        cemaneige_tests();
    } else {
        printf("CAMELS 01031500 data missing: real-forcing tests skipped\n");
    }
    gr4j_zero_rain(0);
    gr4j_zero_rain(1.5);
    exphydro_rk4();
    return check_report("test_stdlib_physics");
}
