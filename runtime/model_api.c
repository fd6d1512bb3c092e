/* model_api.c — runtime/dgc_model_api.h on top of the model ABI
 * (runtime/dgrt.h): an instance holds the arrays of one batch in the
 * kernels' precision, runs init -> run_fwd (with tape) -> prologue ->
 * component average -> routing, and the reverse chain
 * routing -> average -> prologue_rev -> run_rev -> init_rev for a cotangent
 * of the outputs. The series operators (runtime/route.c) work in double,
 * as in the runtime, so an f32 instance converts its step outputs once.
 *
 * This file belongs to the model library (libdgcapi.a, linked into every
 * `dgc --shared` library): it uses the ABI and the series operators only,
 * never the command-line runtime; it allocates with malloc and reports
 * failures as return codes plus dgc_last_error(), never exits. */
#include "dgc_model_api.h"
#include "dgrt.h"
#include "dgrt_route.h"
#include "model_lib.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- Errors ----------------------------------------------------------------------------------

static _Thread_local char last_error[1024];

int dgc_fail_(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}
#define fail dgc_fail_

DGC_API const char *dgc_last_error(void) { return last_error; }
DGC_API unsigned dgc_api_version(void) { return DGC_API_VERSION; }

// ---- The model --------------------------------------------------------------------------------

static const DgModel *M(void) { return &dg_model; }

DGC_API const char *dgc_model_name(void) { return M()->name; }
DGC_API const char *dgc_model_doc(void) { return M()->doc ? M()->doc : ""; }
DGC_API int dgc_model_user_states(void) { return M()->nuser_states; }
DGC_API int dgc_model_components(void) { return M()->components > 0 ? M()->components : 1; }
DGC_API int dgc_model_nnetw(void) { return M()->nnetw; }
DGC_API int dgc_model_nweights(void) { return M()->nweights; }
DGC_API int dgc_model_norm_input(int i) {
    const DgModel *m = M();
    if (i < 0 || i >= m->ninputs) return -1;
    for (int k = 0; k < m->nnorm_inputs; k++)
        if (m->norm_inputs[k] == i) return 1;
    return 0;
}

DGC_API int dgc_model_count(int kind) {
    switch (kind) {
    case DGC_PARAMS: return M()->nparams;
    case DGC_INPUTS: return M()->ninputs;
    case DGC_STATES: return M()->nstates;
    case DGC_OUTPUTS: return M()->noutputs;
    }
    fail(DGC_ERR_ARG, "dgc_model_count: unknown kind %d", kind);
    return -1;
}

static const char *var_field(int kind, int i, int unit) {
    int n = dgc_model_count(kind);
    if (n < 0) return NULL;
    if (i < 0 || i >= n) {
        fail(DGC_ERR_ARG, "variable %d out of range (kind %d has %d)", i, kind, n);
        return NULL;
    }
    const DgModel *m = M();
    const char *s = NULL;
    switch (kind) {
    case DGC_PARAMS: s = unit ? m->params[i].unit : m->params[i].name; break;
    case DGC_INPUTS: s = unit ? m->inputs[i].unit : m->inputs[i].name; break;
    case DGC_STATES: s = unit ? m->states[i].unit : m->states[i].name; break;
    case DGC_OUTPUTS: s = unit ? m->outputs[i].unit : m->outputs[i].name; break;
    }
    return s ? s : "";
}

DGC_API const char *dgc_model_var_name(int kind, int i) { return var_field(kind, i, 0); }
DGC_API const char *dgc_model_var_unit(int kind, int i) { return var_field(kind, i, 1); }

DGC_API int dgc_model_var_index(int kind, const char *name) {
    int n = dgc_model_count(kind);
    for (int i = 0; name && i < n; i++)
        if (!strcmp(var_field(kind, i, 0), name)) return i;
    return -1;
}

DGC_API int dgc_model_param_info(int i, double *lo, double *hi, double *value, int *mark, int *basin_level) {
    const DgModel *m = M();
    if (i < 0 || i >= m->nparams) return fail(DGC_ERR_ARG, "parameter %d out of range (%d parameters)", i, m->nparams);
    const DgParamInfo *p = &m->params[i];
    if (lo) *lo = p->lo;
    if (hi) *hi = p->hi;
    if (value) *value = p->value;
    if (mark) *mark = p->mark;
    if (basin_level) *basin_level = p->basin_level;
    return DGC_OK;
}

DGC_API int dgc_model_output_route(int i, int *first_weight, int *nweights) {
    const DgModel *m = M();
    if (i < 0 || i >= m->noutputs) return fail(DGC_ERR_ARG, "output %d out of range (%d outputs)", i, m->noutputs);
    const DgOutputInfo *o = &m->outputs[i];
    int routed = o->route_weights >= 0 && o->route_len > 0;
    if (first_weight) *first_weight = routed ? o->route_weights : -1;
    if (nweights) *nweights = routed ? o->route_len : 0;
    return DGC_OK;
}

// ---- Instances ----------------------------------------------------------------------------------

struct DgcInstance {
    const DgModel *m;
    int      prec, grads;
    size_t   el;                 /* sizeof(float) or sizeof(double) */
    int64_t  nb, K, nc, T;
    /* inputs, in the kernels' precision */
    void    *params;             /* [np][nc] */
    void    *dyn;                /* [T][np][nc] or NULL (not set) */
    void    *forcing;            /* [T][ni][nb] */
    void    *netw;               /* [nnetw] */
    void    *input_norm;         /* [2][ni] norm() statistics: means, then standard deviations */
    int      have_stats;         /* input_norm was set (dgc_set_input_stats) */
    unsigned char *given;        /* [ns] 1: state s starts from init_given */
    void    *init_given;         /* [ns][nc] */
    /* forward */
    void    *states0, *states;   /* [ns][nc] initial, final */
    void    *out;                /* [T][no][nc] */
    void    *tape;               /* [T][ns][nc] (grads) */
    void    *bparams;            /* [np][nb] component 0's parameters (prologue) */
    void    *weights;            /* [nw][nb] */
    double  *outd;               /* [T][no][nc] out in double (f32 only; f64 uses out) */
    double  *wd;                 /* [nw][nb] weights in double */
    double  *avg;                /* [T][no][nb] component means before routing */
    double  *series;             /* [T][no][nb] */
    double  *col;                /* [4 T] one basin's series: x, y, dy, dx */
    int      have_init, have_forward, have_backward;
    /* reverse */
    void    *dout;               /* [T][no][nc] */
    void    *dparams, *ddyn;     /* [np][nc], [T][np][nc] (dyn only) */
    void    *dstates, *dinit;    /* [ns][nc] working, d initial states */
    void    *dnetw;              /* [nnetw] */
    void    *dforcing;           /* [T][ni][nc] per cell */
    void    *dbparams, *dweights;/* [np][nb], [nw][nb] */
    double  *doutd, *dwd;        /* [T][no][nc], [nw][nb] */
    double  *dseries;            /* [T][no][nb] */
};

static void *alloc0(size_t n, size_t el, int *ok) {
    void *p = calloc(n ? n : 1, el);
    if (!p) *ok = 0;
    return p;
}

/* Element i of a buffer of the instance's precision, as double, and back. */
static double get_el(const DgcInstance *in, const void *a, size_t i) {
    return in->prec == DG_F64 ? ((const double *)a)[i] : (double)((const float *)a)[i];
}
static void set_el(const DgcInstance *in, void *a, size_t i, double v) {
    if (in->prec == DG_F64) ((double *)a)[i] = v;
    else ((float *)a)[i] = (float)v;
}

static int check_kernels(const DgModel *m, int prec, int grads) {
    struct { const char *name; DgKernel k; int need; } ks[] = {
        {"init", m->init[prec], 1},
        {"run_fwd", m->run_fwd[prec], 1},
        {"prologue", m->prologue[prec], m->nweights > 0},
        {"init_rev", m->init_rev[prec], grads},
        {"run_rev", m->run_rev[prec], grads},
        {"prologue_rev", m->prologue_rev[prec], grads && m->nweights > 0},
    };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if (ks[i].need && !ks[i].k)
            return fail(DGC_ERR_UNSUPPORTED, "model '%s' has no %s kernel for %s", m->name, ks[i].name,
                        prec == DG_F32 ? "f32" : "f64");
    return DGC_OK;
}

DGC_API void dgc_destroy(DgcInstance *in) {
    if (!in) return;
    void *all[] = {in->params, in->dyn, in->forcing, in->netw, in->input_norm, in->given, in->init_given, in->states0, in->states,
                   in->out, in->tape, in->bparams, in->weights, in->outd, in->wd, in->avg, in->series, in->col,
                   in->dout, in->dparams, in->ddyn, in->dstates, in->dinit, in->dnetw, in->dforcing, in->dbparams,
                   in->dweights, in->doutd, in->dwd, in->dseries};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    free(in);
}

DGC_API DgcInstance *dgc_create(int64_t nbasins, int64_t nsteps, int64_t ncomp, int precision, int flags) {
    const DgModel *m = M();
    if (m->abi_version != DG_ABI_VERSION) {
        fail(DGC_ERR_UNSUPPORTED, "model '%s' was compiled for ABI version %u; this library has %u", m->name,
             m->abi_version, DG_ABI_VERSION);
        return NULL;
    }
    if (ncomp == 0) ncomp = dgc_model_components();
    if (nbasins < 1 || nsteps < 1 || ncomp < 1) {
        fail(DGC_ERR_ARG, "dgc_create: basins (%lld), steps (%lld) and components (%lld) must be >= 1",
             (long long)nbasins, (long long)nsteps, (long long)ncomp);
        return NULL;
    }
    if (precision != DGC_F32 && precision != DGC_F64) {
        fail(DGC_ERR_ARG, "dgc_create: precision %d is neither DGC_F32 (0) nor DGC_F64 (1)", precision);
        return NULL;
    }
    if (flags & ~DGC_NO_GRAD) {
        fail(DGC_ERR_ARG, "dgc_create: unknown flags 0x%x", (unsigned)flags);
        return NULL;
    }
    int grads = !(flags & DGC_NO_GRAD);
    if (check_kernels(m, precision, grads)) return NULL;
    DgcInstance *in = calloc(1, sizeof *in);
    if (!in) {
        fail(DGC_ERR_MEMORY, "dgc_create: out of memory");
        return NULL;
    }
    in->m = m;
    in->prec = precision;
    in->grads = grads;
    in->el = precision == DG_F64 ? sizeof(double) : sizeof(float);
    in->nb = nbasins;
    in->K = ncomp;
    in->nc = nbasins * ncomp;
    in->T = nsteps;
    size_t nc = (size_t)in->nc, nb = (size_t)nbasins, T = (size_t)nsteps, el = in->el;
    size_t np = (size_t)m->nparams, ni = (size_t)m->ninputs, ns = (size_t)m->nstates, no = (size_t)m->noutputs;
    size_t nw = (size_t)m->nweights, nnetw = (size_t)m->nnetw;
    int ok = 1;
    in->params = alloc0(np * nc, el, &ok);
    in->forcing = alloc0(T * ni * nb, el, &ok);
    in->netw = alloc0(nnetw, el, &ok);
    in->input_norm = alloc0(2 * ni, el, &ok);
    in->given = alloc0(ns, 1, &ok);
    in->init_given = alloc0(ns * nc, el, &ok);
    in->states0 = alloc0(ns * nc, el, &ok);
    in->states = alloc0(ns * nc, el, &ok);
    in->out = alloc0(T * no * nc, el, &ok);
    in->bparams = alloc0(np * nb, el, &ok);
    in->weights = alloc0(nw * nb, el, &ok);
    if (precision == DG_F32) in->outd = alloc0(T * no * nc, sizeof(double), &ok);
    in->wd = alloc0(nw * nb, sizeof(double), &ok);
    in->avg = alloc0(T * no * nb, sizeof(double), &ok);
    in->series = alloc0(T * no * nb, sizeof(double), &ok);
    in->col = alloc0(4 * T, sizeof(double), &ok);
    if (grads) {
        in->tape = alloc0(T * ns * nc, el, &ok);
        in->dout = alloc0(T * no * nc, el, &ok);
        in->dparams = alloc0(np * nc, el, &ok);
        in->dstates = alloc0(ns * nc, el, &ok);
        in->dinit = alloc0(ns * nc, el, &ok);
        in->dnetw = alloc0(nnetw, el, &ok);
        in->dforcing = alloc0(T * ni * nc, el, &ok);
        in->dbparams = alloc0(np * nb, el, &ok);
        in->dweights = alloc0(nw * nb, el, &ok);
        in->doutd = alloc0(T * no * nc, sizeof(double), &ok);
        in->dwd = alloc0(nw * nb, sizeof(double), &ok);
        in->dseries = alloc0(T * no * nb, sizeof(double), &ok);
    }
    if (!ok) {
        dgc_destroy(in);
        fail(DGC_ERR_MEMORY, "dgc_create: out of memory for %lld basins x %lld components x %lld steps",
             (long long)nbasins, (long long)ncomp, (long long)nsteps);
        return NULL;
    }
    for (size_t p = 0; p < np; p++)   /* defaults (NaN when none) */
        for (size_t c = 0; c < nc; c++) set_el(in, in->params, p * nc + c, m->params[p].value);
    return in;
}

DGC_API int dgc_sizes(const DgcInstance *in, int64_t *nbasins, int64_t *nsteps, int64_t *ncomp, int *precision) {
    if (!in) return fail(DGC_ERR_ARG, "dgc_sizes: instance is NULL");
    if (nbasins) *nbasins = in->nb;
    if (nsteps) *nsteps = in->T;
    if (ncomp) *ncomp = in->K;
    if (precision) *precision = in->prec;
    return DGC_OK;
}

// ---- Setting inputs ------------------------------------------------------------------------------

/* Any change of an input invalidates the results of the last run. */
static void changed(DgcInstance *in) {
    in->have_init = in->have_forward = in->have_backward = 0;
}

#define NEED(in, ptr, fn)                                                        \
    do {                                                                         \
        if (!(in)) return fail(DGC_ERR_ARG, "%s: instance is NULL", fn);         \
        if (!(ptr)) return fail(DGC_ERR_ARG, "%s: array is NULL", fn);           \
    } while (0)

DGC_API int dgc_set_params(DgcInstance *in, const void *params) {
    NEED(in, params, "dgc_set_params");
    memcpy(in->params, params, (size_t)in->m->nparams * (size_t)in->nc * in->el);
    changed(in);
    return DGC_OK;
}

DGC_API int dgc_set_param(DgcInstance *in, int p, const void *values) {
    NEED(in, values, "dgc_set_param");
    if (p < 0 || p >= in->m->nparams)
        return fail(DGC_ERR_ARG, "dgc_set_param: parameter %d out of range (%d parameters)", p, in->m->nparams);
    memcpy((char *)in->params + (size_t)p * (size_t)in->nc * in->el, values, (size_t)in->nc * in->el);
    changed(in);
    return DGC_OK;
}

DGC_API int dgc_set_dyn_params(DgcInstance *in, const void *dyn) {
    if (!in) return fail(DGC_ERR_ARG, "dgc_set_dyn_params: instance is NULL");
    size_t n = (size_t)in->T * (size_t)in->m->nparams * (size_t)in->nc;
    changed(in);
    if (!dyn) {
        free(in->dyn);
        free(in->ddyn);
        in->dyn = in->ddyn = NULL;
        return DGC_OK;
    }
    if (!in->dyn) {
        int ok = 1;
        in->dyn = alloc0(n, in->el, &ok);
        if (in->grads) in->ddyn = alloc0(n, in->el, &ok);
        if (!ok) {
            free(in->dyn);
            free(in->ddyn);
            in->dyn = in->ddyn = NULL;
            return fail(DGC_ERR_MEMORY, "dgc_set_dyn_params: out of memory");
        }
    }
    memcpy(in->dyn, dyn, n * in->el);
    return DGC_OK;
}

DGC_API int dgc_set_forcing(DgcInstance *in, const void *forcing) {
    NEED(in, forcing, "dgc_set_forcing");
    memcpy(in->forcing, forcing, (size_t)in->T * (size_t)in->m->ninputs * (size_t)in->nb * in->el);
    changed(in);
    return DGC_OK;
}

DGC_API int dgc_set_netw(DgcInstance *in, const void *netw) {
    NEED(in, netw, "dgc_set_netw");
    memcpy(in->netw, netw, (size_t)in->m->nnetw * in->el);
    changed(in);
    return DGC_OK;
}

DGC_API int dgc_set_input_stats(DgcInstance *in, const void *mean, const void *std) {
    NEED(in, mean, "dgc_set_input_stats");
    NEED(in, std, "dgc_set_input_stats");
    size_t ni = (size_t)in->m->ninputs;
    for (size_t i = 0; i < ni; i++) {
        double s = in->prec == DG_F64 ? ((const double *)std)[i] : (double)((const float *)std)[i];
        double mu = in->prec == DG_F64 ? ((const double *)mean)[i] : (double)((const float *)mean)[i];
        if (!(s > 0) || !isfinite(s) || !isfinite(mu))
            return fail(DGC_ERR_ARG, "dgc_set_input_stats: input '%s' has mean %g and standard deviation %g; the "
                        "mean must be finite, the deviation finite and > 0", in->m->inputs[i].name, mu, s);
    }
    memcpy(in->input_norm, mean, ni * in->el);
    memcpy((char *)in->input_norm + ni * in->el, std, ni * in->el);
    in->have_stats = 1;
    changed(in);
    return DGC_OK;
}

DGC_API int dgc_set_init_state(DgcInstance *in, int s, const void *values) {
    if (!in) return fail(DGC_ERR_ARG, "dgc_set_init_state: instance is NULL");
    if (s < 0 || s >= in->m->nstates)
        return fail(DGC_ERR_ARG, "dgc_set_init_state: state %d out of range (%d states)", s, in->m->nstates);
    in->given[s] = values != NULL;
    if (values) memcpy((char *)in->init_given + (size_t)s * (size_t)in->nc * in->el, values, (size_t)in->nc * in->el);
    changed(in);
    return DGC_OK;
}

DGC_API int dgc_set_init_states(DgcInstance *in, const void *states) {
    if (!in) return fail(DGC_ERR_ARG, "dgc_set_init_states: instance is NULL");
    size_t row = (size_t)in->nc * in->el;
    for (int s = 0; s < in->m->nstates; s++) {
        int rc = dgc_set_init_state(in, s, states ? (const char *)states + (size_t)s * row : NULL);
        if (rc) return rc;
    }
    return DGC_OK;
}

// ---- Forward ---------------------------------------------------------------------------------------

static DgRun base_run(const DgcInstance *in) {
    DgRun r;
    memset(&r, 0, sizeof r);
    r.ncells = in->nc;
    r.ncomp = in->K;
    r.nsteps = 1;
    r.params = in->params;
    r.dyn_params = in->dyn;
    r.netw = in->m->nnetw ? in->netw : NULL;
    r.input_norm = in->input_norm;
    return r;
}

static int check_params(const DgcInstance *in) {
    const DgModel *m = in->m;
    size_t nc = (size_t)in->nc;
    for (int p = 0; p < m->nparams; p++) {
        if (in->dyn && m->params[p].mark == DG_PARAM_DYNAMIC) continue;
        for (size_t c = 0; c < nc; c++)
            if (isnan(get_el(in, in->params, (size_t)p * nc + c)))
                return fail(DGC_ERR_ARG, "parameter '%s' has no value (basin %zu, component %zu) and no default",
                            m->params[p].name, c / (size_t)in->K, c % (size_t)in->K);
    }
    return DGC_OK;
}

/* states0: the init kernel, then the given states. */
static int initial_states(DgcInstance *in) {
    if (in->have_init) return DGC_OK;
    int rc = check_params(in);
    if (rc) return rc;
    const DgModel *m = in->m;
    size_t row = (size_t)in->nc * in->el;
    int all_given = 1;
    for (int s = 0; s < m->nstates; s++) all_given &= in->given[s];
    if (!all_given) {
        DgRun r = base_run(in);
        r.states = in->states0;
        m->init[in->prec](&r);
    }
    for (int s = 0; s < m->nstates; s++)
        if (in->given[s]) memcpy((char *)in->states0 + s * row, (char *)in->init_given + s * row, row);
    in->have_init = 1;
    return DGC_OK;
}

/* Component-0 parameters of every basin, the prologue's cells. */
static void basin_params(DgcInstance *in) {
    size_t np = (size_t)in->m->nparams, nb = (size_t)in->nb, K = (size_t)in->K, nc = (size_t)in->nc, el = in->el;
    for (size_t p = 0; p < np; p++)
        for (size_t b = 0; b < nb; b++)
            memcpy((char *)in->bparams + (p * nb + b) * el, (char *)in->params + (p * nc + b * K) * el, el);
}

/* The series of one basin and output: x = avg, y = routed (or x). */
static void route_series(DgcInstance *in) {
    const DgModel *m = in->m;
    int64_t T = in->T, nb = in->nb;
    int no = m->noutputs;
    double *x = in->col, *y = in->col + T;
    memcpy(in->series, in->avg, sizeof(double) * (size_t)(T * no * nb));
    for (int o = 0; o < no; o++) {
        const DgOutputInfo *oi = &m->outputs[o];
        if (oi->route_weights < 0 || oi->route_len <= 0) continue;
        double w[oi->route_len];
        for (int64_t b = 0; b < nb; b++) {
            for (int j = 0; j < oi->route_len; j++) w[j] = in->wd[(oi->route_weights + j) * nb + b];
            for (int64_t t = 0; t < T; t++) x[t] = in->avg[(t * no + o) * nb + b];
            dgrt_route_forward(y, x, w, T, oi->route_len);
            for (int64_t t = 0; t < T; t++) in->series[(t * no + o) * nb + b] = y[t];
        }
    }
}

DGC_API int dgc_forward(DgcInstance *in) {
    if (!in) return fail(DGC_ERR_ARG, "dgc_forward: instance is NULL");
    in->have_forward = in->have_backward = 0;
    const DgModel *m = in->m;
    if (m->nnorm_inputs > 0 && !in->have_stats)
        return fail(DGC_ERR_ORDER, "dgc_forward: model '%s' reads input '%s' through norm(); give the statistics of "
                    "its training data with dgc_set_input_stats first", m->name, m->inputs[m->norm_inputs[0]].name);
    int rc = initial_states(in);
    if (rc) return rc;
    size_t nc = (size_t)in->nc, ns = (size_t)m->nstates, no = (size_t)m->noutputs, T = (size_t)in->T;
    memcpy(in->states, in->states0, ns * nc * in->el);
    DgRun r = base_run(in);
    r.nsteps = in->T;
    r.forcing = in->forcing;
    r.states = in->states;
    r.out = in->out;
    r.tape = in->grads ? in->tape : NULL;
    m->run_fwd[in->prec](&r);
    if (m->nweights > 0) {
        basin_params(in);
        DgRun pr = base_run(in);
        pr.ncells = in->nb;
        pr.ncomp = 1;
        pr.params = in->bparams;
        pr.dyn_params = NULL;   /* routing reads the static values */
        pr.out = in->weights;
        m->prologue[in->prec](&pr);
        for (size_t i = 0; i < (size_t)m->nweights * (size_t)in->nb; i++) in->wd[i] = get_el(in, in->weights, i);
    }
    const double *outd = in->out;
    if (in->prec == DG_F32) {
        for (size_t i = 0; i < T * no * nc; i++) in->outd[i] = ((const float *)in->out)[i];
        outd = in->outd;
    }
    dgrt_average_forward(in->avg, outd, in->T, m->noutputs, in->nb, in->K);
    route_series(in);
    in->have_forward = 1;
    return DGC_OK;
}

DGC_API int dgc_get_outputs(const DgcInstance *in, void *y) {
    NEED(in, y, "dgc_get_outputs");
    if (!in->have_forward) return fail(DGC_ERR_ORDER, "dgc_get_outputs: no dgc_forward since the inputs changed");
    size_t n = (size_t)in->T * (size_t)in->m->noutputs * (size_t)in->nb;
    for (size_t i = 0; i < n; i++) set_el(in, y, i, in->series[i]);
    return DGC_OK;
}

DGC_API int dgc_get_cell_outputs(const DgcInstance *in, void *out) {
    NEED(in, out, "dgc_get_cell_outputs");
    if (!in->have_forward) return fail(DGC_ERR_ORDER, "dgc_get_cell_outputs: no dgc_forward since the inputs changed");
    memcpy(out, in->out, (size_t)in->T * (size_t)in->m->noutputs * (size_t)in->nc * in->el);
    return DGC_OK;
}

DGC_API int dgc_get_route_weights(const DgcInstance *in, void *w) {
    NEED(in, w, "dgc_get_route_weights");
    if (!in->have_forward) return fail(DGC_ERR_ORDER, "dgc_get_route_weights: no dgc_forward since the inputs changed");
    memcpy(w, in->weights, (size_t)in->m->nweights * (size_t)in->nb * in->el);
    return DGC_OK;
}

DGC_API int dgc_get_states(DgcInstance *in, int which, void *states) {
    NEED(in, states, "dgc_get_states");
    size_t n = (size_t)in->m->nstates * (size_t)in->nc * in->el;
    if (which == DGC_STATES_INITIAL) {
        int rc = initial_states(in);
        if (rc) return rc;
        memcpy(states, in->states0, n);
        return DGC_OK;
    }
    if (which != DGC_STATES_FINAL) return fail(DGC_ERR_ARG, "dgc_get_states: unknown kind %d", which);
    if (!in->have_forward) return fail(DGC_ERR_ORDER, "dgc_get_states: final states need dgc_forward first");
    memcpy(states, in->states, n);
    return DGC_OK;
}

// ---- Reverse -----------------------------------------------------------------------------------------

/* dseries -> doutd (per cell) and dwd, the adjoint of average + routing. */
static void series_backward(DgcInstance *in) {
    const DgModel *m = in->m;
    int64_t T = in->T, nb = in->nb;
    int no = m->noutputs;
    size_t n = (size_t)(T * no * nb);
    double *x = in->col, *dy = in->col + 2 * T, *dx = in->col + 3 * T;
    double *dxall = in->series;   /* reused below: restored by route_series at the end */
    memcpy(dxall, in->dseries, sizeof(double) * n);   /* unrouted outputs: dx = dy */
    memset(in->dwd, 0, sizeof(double) * (size_t)m->nweights * (size_t)nb);
    for (int o = 0; o < no; o++) {
        const DgOutputInfo *oi = &m->outputs[o];
        if (oi->route_weights < 0 || oi->route_len <= 0) continue;
        double w[oi->route_len], dw[oi->route_len];
        for (int64_t b = 0; b < nb; b++) {
            for (int j = 0; j < oi->route_len; j++) {
                w[j] = in->wd[(oi->route_weights + j) * nb + b];
                dw[j] = 0;
            }
            for (int64_t t = 0; t < T; t++) {
                size_t i = (size_t)((t * no + o) * nb + b);
                x[t] = in->avg[i];
                dy[t] = in->dseries[i];
                dx[t] = 0;
            }
            dgrt_route_backward(dx, dw, dy, x, w, T, oi->route_len);
            for (int64_t t = 0; t < T; t++) dxall[(t * no + o) * nb + b] = dx[t];
            for (int j = 0; j < oi->route_len; j++) in->dwd[(oi->route_weights + j) * nb + b] += dw[j];
        }
    }
    memset(in->doutd, 0, sizeof(double) * (size_t)(T * no) * (size_t)in->nc);
    dgrt_average_backward(in->doutd, dxall, T, no, nb, in->K);
    route_series(in);   /* the series again (its buffer held dx) */
}

DGC_API int dgc_backward(DgcInstance *in, const void *dy) {
    NEED(in, dy, "dgc_backward");
    if (!in->grads) return fail(DGC_ERR_UNSUPPORTED, "dgc_backward: the instance was created with DGC_NO_GRAD");
    if (!in->have_forward) return fail(DGC_ERR_ORDER, "dgc_backward: no dgc_forward since the inputs changed");
    const DgModel *m = in->m;
    size_t nc = (size_t)in->nc, nb = (size_t)in->nb, T = (size_t)in->T, el = in->el;
    size_t np = (size_t)m->nparams, ns = (size_t)m->nstates, no = (size_t)m->noutputs, ni = (size_t)m->ninputs;
    size_t nw = (size_t)m->nweights;
    for (size_t i = 0; i < T * no * nb; i++) in->dseries[i] = get_el(in, dy, i);
    // series: d outputs -> d step outputs of every cell, d routing weights
    series_backward(in);
    for (size_t i = 0; i < T * no * nc; i++) set_el(in, in->dout, i, in->doutd[i]);
    memset(in->dparams, 0, np * nc * el);
    if (in->ddyn) memset(in->ddyn, 0, T * np * nc * el);
    memset(in->dstates, 0, ns * nc * el);   /* d final states: the outputs are all there is */
    memset(in->dnetw, 0, (size_t)m->nnetw * el);
    memset(in->dforcing, 0, T * ni * nc * el);
    // prologue: d weights -> d basin parameters, which are component 0's
    if (nw > 0) {
        for (size_t i = 0; i < nw * nb; i++) set_el(in, in->dweights, i, in->dwd[i]);
        memset(in->dbparams, 0, np * nb * el);
        DgRun pr = base_run(in);
        pr.ncells = in->nb;
        pr.ncomp = 1;
        pr.params = in->bparams;
        pr.dyn_params = NULL;
        pr.dout = in->dweights;
        pr.dparams = in->dbparams;
        pr.dnetw = m->nnetw ? in->dnetw : NULL;
        m->prologue_rev[in->prec](&pr);
        for (size_t p = 0; p < np; p++)
            for (size_t b = 0; b < nb; b++) {
                size_t i = p * nc + b * (size_t)in->K;
                set_el(in, in->dparams, i, get_el(in, in->dparams, i) + get_el(in, in->dbparams, p * nb + b));
            }
    }
    // steps: d step outputs (d final states 0) -> d params, d forcing, d initial states
    DgRun r = base_run(in);
    r.nsteps = in->T;
    r.forcing = in->forcing;
    r.tape = in->tape;
    r.dout = in->dout;
    r.dparams = in->dparams;
    r.ddyn_params = in->ddyn;
    r.dstates = in->dstates;
    r.dnetw = m->nnetw ? in->dnetw : NULL;
    r.dforcing = in->dforcing;
    m->run_rev[in->prec](&r);
    memcpy(in->dinit, in->dstates, ns * nc * el);
    // init: d initial states -> d params, except for the given states
    size_t row = nc * el;
    int any = 0;
    for (size_t s = 0; s < ns; s++) {
        if (in->given[s]) memset((char *)in->dstates + s * row, 0, row);
        else any = 1;
    }
    if (any) {
        DgRun ir = base_run(in);
        ir.dstates = in->dstates;
        ir.dparams = in->dparams;
        ir.ddyn_params = in->ddyn;
        ir.dnetw = m->nnetw ? in->dnetw : NULL;
        m->init_rev[in->prec](&ir);
    }
    in->have_backward = 1;
    return DGC_OK;
}

DGC_API int dgc_get_grad(const DgcInstance *in, int what, void *g) {
    NEED(in, g, "dgc_get_grad");
    if (!in->have_backward) return fail(DGC_ERR_ORDER, "dgc_get_grad: no dgc_backward since the last dgc_forward");
    const DgModel *m = in->m;
    size_t nc = (size_t)in->nc, nb = (size_t)in->nb, K = (size_t)in->K, T = (size_t)in->T, el = in->el;
    size_t ni = (size_t)m->ninputs;
    switch (what) {
    case DGC_GRAD_PARAMS: memcpy(g, in->dparams, (size_t)m->nparams * nc * el); return DGC_OK;
    case DGC_GRAD_DYN_PARAMS:
        if (!in->ddyn) return fail(DGC_ERR_ORDER, "dgc_get_grad: no dynamic parameters were set (dgc_set_dyn_params)");
        memcpy(g, in->ddyn, T * (size_t)m->nparams * nc * el);
        return DGC_OK;
    case DGC_GRAD_INIT_STATES: memcpy(g, in->dinit, (size_t)m->nstates * nc * el); return DGC_OK;
    case DGC_GRAD_NETW: memcpy(g, in->dnetw, (size_t)m->nnetw * el); return DGC_OK;
    case DGC_GRAD_FORCING:   /* a basin's forcing feeds all its components: sum over them */
        for (size_t t = 0; t < T; t++)
            for (size_t i = 0; i < ni; i++)
                for (size_t b = 0; b < nb; b++) {
                    double s = 0;
                    for (size_t k = 0; k < K; k++) s += get_el(in, in->dforcing, (t * ni + i) * nc + b * K + k);
                    set_el(in, g, (t * ni + i) * nb + b, s);
                }
        return DGC_OK;
    }
    return fail(DGC_ERR_ARG, "dgc_get_grad: unknown gradient %d", what);
}
