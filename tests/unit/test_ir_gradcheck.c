/* test_ir_gradcheck.c — the generated adjoint of every stdlib model and
 * example against central finite differences, in double precision, on the
 * reference executor: parameters at random points inside their bounds,
 * synthetic forcing, L = sum_t sum_o r[t][o] * out[t][o] for fixed random r.
 * Checks d L / d params (through init and step), d L / d network weights,
 * and the routing weights' adjoint (prologue). Tolerance 1e-6 relative.
 * Also runs the models in tests/gradcheck/: every builtin, every solver (implicit
 * Euler's adjoint of the converged solve included), networks, routing. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "frontend.h"
#include "ir.h"
#include "ir_eval.h"

enum { STEPS = 90 };

static uint64_t rng = 88172645463325252ULL;

/* Each model draws from its own stream, seeded by its name (FNV-1a), so adding
 * a model to stdlib/ does not move the random points of the others (a point
 * near a kink of relu or min gives a finite difference that is not a slope). */
static void seed_for(const char *name) {
    uint64_t h = 1469598103934665603ULL;
    for (const char *c = name; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    rng = 88172645463325253ULL ^ h;
    if (!rng) rng = 88172645463325253ULL;
}

static double uniform(void) {   /* xorshift64 */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static double input_value(const char *name, int t) {
    double season = sin(2 * M_PI * t / 365.0);
    if (!strcmp(name, "P")) return uniform() < 0.4 ? 20 * uniform() * uniform() : 0;
    if (!strcmp(name, "T")) return 5 + 12 * season + 3 * (uniform() - 0.5);
    if (!strcmp(name, "PET") || !strcmp(name, "E")) return 2 + 1.5 * season + 0.2 * uniform();
    if (!strcmp(name, "Lday")) return 0.5 + 0.1 * season;
    return uniform();
}

typedef struct {
    const IrModel *m;
    const double  *x, *r, *netw;
} Problem;

static double loss(const Problem *pb, const double *theta, const double *netw) {
    const IrModel *m = pb->m;
    double *tape = calloc((size_t)((STEPS + 1) * m->nstates + 1), sizeof(double));
    double *out = calloc((size_t)(STEPS * m->noutputs + 1), sizeof(double));
    ir_run_cell(m, theta, pb->x, STEPS, netw, tape, out);
    double L = 0;
    for (int i = 0; i < STEPS * m->noutputs; i++) L += pb->r[i] * out[i];
    free(tape);
    free(out);
    return L;
}

/* Fourth-order central difference: (-f(2h) + 8 f(h) - 8 f(-h) + f(-2h)) / 12h,
 * so truncation error stays far below the 1e-6 tolerance. */
static double fd4(const Problem *pb, double *theta, double *netw, double *x, double h) {
    double save = *x, f[4];
    const double offsets[4] = {2, 1, -1, -2};
    for (int k = 0; k < 4; k++) {
        *x = save + offsets[k] * h;
        f[k] = loss(pb, theta, netw);
    }
    *x = save;
    return (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h);
}

static double worst_overall = 0;

/* Passes when |a - fd| <= 1e-6 * max(|a|, |fd|, scale) + noise, where noise
 * is what finite differences cannot resolve: ~ 10 eps |L| / h. */
static double fd_noise;

static bool compare(const char *model, const char *what, double a, double fd, double scale) {
    double mag = fmax(fmax(fabs(a), fabs(fd)), scale);
    double e = fabs(a - fd) / mag;
    bool ok = fabs(a - fd) <= 1e-6 * mag + fd_noise;
    if (ok && mag > 1e4 * fd_noise && e > worst_overall) worst_overall = e;   /* well-resolved gradients only */
    if (!ok) fprintf(stderr, "%s: d/d%s: adjoint %.12g, finite difference %.12g (rel %.3g)\n", model, what, a, fd, e);
    return ok;
}

static void check_model(Program *p, const CheckedModel *cm, Diag *d) {
    seed_for(cm->name);
    IrModel *m = lower_model(&p->arena, p, cm);
    CHECK(m != NULL);
    if (!m) return;
    IrFunc init_rev = ad_reverse(&p->arena, &m->init, m->nparams, m->nstates, m->nnetw, d);
    IrFunc step_rev = ad_reverse(&p->arena, &m->step, m->nparams, m->nstates, m->nnetw, d);
    IrFunc pro_rev = ad_reverse(&p->arena, &m->prologue, m->nparams, m->nstates, m->nnetw, d);
    CHECK(ir_verify_func(&step_rev, m->nparams, m->ninputs, m->nstates, m->nstates + m->noutputs, m->nnetw, stderr));
    CHECK(ir_verify_func(&init_rev, m->nparams, m->ninputs, m->nstates, m->nstates, m->nnetw, stderr));
    CHECK(ir_verify_func(&pro_rev, m->nparams, m->ninputs, m->nstates, m->nweights, m->nnetw, stderr));

    int np = m->nparams, nw = m->nnetw;
    double *theta = malloc(sizeof(double) * (size_t)(np + 1));
    for (int i = 0; i < np; i++) {
        const IrParam *q = &m->params[i];
        theta[i] = q->has_bounds ? q->lo + (0.15 + 0.7 * uniform()) * (q->hi - q->lo) : q->value;
    }
    double *netw = malloc(sizeof(double) * (size_t)(nw + 1));
    for (int i = 0; i < nw; i++) netw[i] = 0.3 * (uniform() - 0.5);
    double *x = malloc(sizeof(double) * (size_t)(STEPS * m->ninputs + 1));
    for (int t = 0; t < STEPS; t++)
        for (int i = 0; i < m->ninputs; i++) x[t * m->ninputs + i] = input_value(m->inputs[i].name, t);
    double *r = malloc(sizeof(double) * (size_t)(STEPS * m->noutputs + 1));
    for (int i = 0; i < STEPS * m->noutputs; i++) r[i] = uniform() - 0.5;
    Problem pb = {m, x, r, netw};

    double *tape = calloc((size_t)((STEPS + 1) * m->nstates + 1), sizeof(double));
    double *out = calloc((size_t)(STEPS * m->noutputs + 1), sizeof(double));
    ir_run_cell(m, theta, x, STEPS, netw, tape, out);
    double *dtheta = calloc((size_t)(np + 1), sizeof(double)), *dnetw = calloc((size_t)(nw + 1), sizeof(double));
    ir_run_cell_rev(m, &init_rev, &step_rev, theta, x, STEPS, netw, tape, r, dtheta, dnetw);

    double gmax = 0;
    for (int i = 0; i < np; i++) gmax = fmax(gmax, fabs(dtheta[i]));
    fd_noise = 10 * 2.2e-16 * (fabs(loss(&pb, theta, netw)) + 1) / 1e-5;
    int bad = 0;
    for (int i = 0; i < np; i++) {
        double h = 1e-5 * fmax(1, fabs(theta[i]));
        bad += !compare(cm->name, m->params[i].name, dtheta[i], fd4(&pb, theta, netw, &theta[i], h), 1e-6 * gmax + 1e-9);
    }
    double wmax = 0;
    for (int i = 0; i < nw; i++) wmax = fmax(wmax, fabs(dnetw[i]));
    for (int i = 0; i < nw && i < 12; i++) {   /* a sample of network weights */
        int k = (int)(uniform() * nw);
        double fd = fd4(&pb, theta, netw, &netw[k], 1e-4);
        char what[48];
        snprintf(what, sizeof what, "netw[%d]", k);
        /* weights are ~0.1 and many gradients tiny: scale by the largest one (finite-difference noise) */
        bad += !compare(cm->name, what, dnetw[k], fd, 1e-4 * wmax + 1e-9);
    }
    /* routing weights: L_w = sum_j s_j w_j(theta) through the prologue's adjoint */
    if (m->nweights) {
        double *s = malloc(sizeof(double) * (size_t)m->nweights), *w = malloc(sizeof(double) * (size_t)m->nweights);
        double *vals = malloc(sizeof(double) * (size_t)(pro_rev.n + m->prologue.n + 1));
        double *res = calloc((size_t)(np + m->nstates + nw + 1), sizeof(double));
        for (int j = 0; j < m->nweights; j++) s[j] = uniform() - 0.5;
        IrLeaves lv = {.params = theta, .seeds = s};
        ir_eval(&pro_rev, &lv, vals, res);
        for (int i = 0; i < np; i++) {
            if (!m->params[i].basin_level) continue;
            double h = 1e-6 * fmax(1, fabs(theta[i])), save = theta[i], lpm[2];
            for (int k = 0; k < 2; k++) {
                theta[i] = save + (k ? -h : h);
                ir_eval(&m->prologue, &lv, vals, w);
                lpm[k] = 0;
                for (int j = 0; j < m->nweights; j++) lpm[k] += s[j] * w[j];
            }
            theta[i] = save;
            char what[64];
            snprintf(what, sizeof what, "%s (routing weights)", m->params[i].name);
            bad += !compare(cm->name, what, res[i], (lpm[0] - lpm[1]) / (2 * h), 1e-9);
        }
        free(s); free(w); free(vals); free(res);
    }
    CHECK(bad == 0);
    printf("  %-16s %3d params %5d net weights %3d states: %s\n", cm->name, np, nw, m->nstates, bad ? "FAILED" : "ok");
    free(theta); free(netw); free(x); free(r); free(tape); free(out); free(dtheta); free(dnetw);
}

static void check_file(const char *path) {
    Program p;
    program_init(&p);
    Diag d;
    diag_init(&d, &p.sources, stderr, false);
    program_set_diag(&p, &d);
    program_add_search_dir(&p, DG_SOURCE_DIR "/stdlib");
    program_add_search_dir(&p, DG_SOURCE_DIR "/examples/variants");
    CHECK(program_load(&p, path) != NULL);
    bool ok = sema_check_program(&p);
    CHECK(ok);
    if (ok)
        for (int i = p.nmodels - p.nroot_models; i < p.nmodels; i++) check_model(&p, p.models[i], &d);
    program_free(&p);
}

static void walk(const char *dir) {
    DIR *dp = opendir(dir);
    if (!dp) return;
    struct dirent *e;
    char *names[256];
    int n = 0;
    while ((e = readdir(dp)) && n < 256)
        if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
    closedir(dp);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) { char *t = names[i]; names[i] = names[j]; names[j] = t; }
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len = strlen(path);
        if (len > 3 && !strcmp(path + len - 3, ".dg")) {
            printf("%s\n", path + strlen(DG_SOURCE_DIR) + 1);
            check_file(path);
        } else if (!strchr(names[i], '.')) {
            walk(path);
        }
        free(names[i]);
    }
}

int main(void) {
    walk(DG_SOURCE_DIR "/stdlib/models");
    walk(DG_SOURCE_DIR "/examples");
    walk(DG_SOURCE_DIR "/tests/gradcheck");   /* one model per language construct */
    printf("worst relative error among resolved gradients %.3g\n", worst_overall);
    return check_report("test_ir_gradcheck");
}
