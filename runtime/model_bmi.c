/* model_bmi.c — BMI 2.0 (runtime/dgc_bmi.h) for a dgc model library, on
 * top of its C API (dgc_model_api.h): an instance of one step and no tape
 * advances the states one day per update; the component average and the
 * unit-hydrograph routing are applied here, with a ring of the last averaged
 * outputs, so that stepping through a period gives the outputs of a run over
 * the whole period (the convolution sums in the same order as route.c).
 *
 * Variables (names from the model): the forcing inputs and outputs live on
 * grid 0 (basins), states and parameters on grid 1 (cells, c = b * K + k).
 * set_value on an input sets the forcing of the next update; on a state,
 * the storage the next update starts from (the outputs already computed
 * stay); on a parameter, the value the next update uses (routing weights
 * included; the routing history is kept). Outputs are read-only. */
#include "dgc_bmi.h"
#include "dgc_model_api.h"
#include "dgrt_route.h"
#include "model_lib.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { GRID_BASINS = 0, GRID_CELLS = 1 };
enum { V_INPUT, V_OUTPUT, V_STATE, V_PARAM };

typedef struct {
    DgcInstance *inst;          /* one step, DGC_NO_GRAD */
    int      prec;
    size_t   el;
    int64_t  nb, K, nc;
    int      np, ni, ns, no, nw, L;   /* L: the longest unit hydrograph (ring length) */
    double   start, end;        /* days */
    int64_t  step;              /* updates done */
    void    *forcing;           /* [ni][nb] the next update's inputs */
    void    *states;            /* [ns][nc] current */
    void    *params;            /* [np][nc] */
    void    *outv;              /* [no][nb] outputs of the last update */
    void    *cell_out;          /* [no][nc] */
    void    *weights;           /* [nw][nb] */
    double  *cell_outd;         /* [no][nc] */
    double  *avg;               /* [no][nb] */
    double  *hist;              /* [no][nb][L] averaged outputs, ring by step */
} State;

static State *S(Bmi *self) { return self ? (State *)self->data : NULL; }

#define fail dgc_fail_

static double get_el(const State *s, const void *a, size_t i) {
    return s->prec == DGC_F64 ? ((const double *)a)[i] : (double)((const float *)a)[i];
}
static void set_el(const State *s, void *a, size_t i, double v) {
    if (s->prec == DGC_F64) ((double *)a)[i] = v;
    else ((float *)a)[i] = (float)v;
}

// ---- Variables by name -----------------------------------------------------------------------

typedef struct {
    int    kind, index, grid;
    void  *data;     /* the variable's values: index's row of its array */
    size_t n;        /* values */
} Var;

/* Outputs first, then inputs, states, parameters (`settable`: not outputs). */
static int find_var(State *s, const char *name, int settable, Var *v) {
    if (!s) return fail(BMI_FAILURE, "BMI: the model is not initialised");
    if (!name) return fail(BMI_FAILURE, "BMI: variable name is NULL");
    static const int kinds[] = {V_OUTPUT, V_INPUT, V_STATE, V_PARAM};
    static const int api_kind[] = {[V_OUTPUT] = DGC_OUTPUTS, [V_INPUT] = DGC_INPUTS, [V_STATE] = DGC_STATES,
                                   [V_PARAM] = DGC_PARAMS};
    for (int k = settable ? 1 : 0; k < 4; k++) {
        int i = dgc_model_var_index(api_kind[kinds[k]], name);
        if (i < 0) continue;
        v->kind = kinds[k];
        v->index = i;
        switch (kinds[k]) {
        case V_OUTPUT: v->grid = GRID_BASINS; v->n = (size_t)s->nb; v->data = (char *)s->outv + (size_t)i * v->n * s->el; break;
        case V_INPUT: v->grid = GRID_BASINS; v->n = (size_t)s->nb; v->data = (char *)s->forcing + (size_t)i * v->n * s->el; break;
        case V_STATE: v->grid = GRID_CELLS; v->n = (size_t)s->nc; v->data = (char *)s->states + (size_t)i * v->n * s->el; break;
        default: v->grid = GRID_CELLS; v->n = (size_t)s->nc; v->data = (char *)s->params + (size_t)i * v->n * s->el; break;
        }
        return BMI_SUCCESS;
    }
    if (settable && dgc_model_var_index(DGC_OUTPUTS, name) >= 0)
        return fail(BMI_FAILURE, "BMI: output '%s' cannot be set", name);
    return fail(BMI_FAILURE, "BMI: model '%s' has no variable '%s'", dgc_model_name(), name);
}

// ---- Configuration ----------------------------------------------------------------------------------

static char *trim(char *p) {
    while (isspace((unsigned char)*p)) p++;
    char *e = p + strlen(p);
    while (e > p && isspace((unsigned char)e[-1])) *--e = 0;
    return p;
}

static int parse_double(const char *text, double *v, const char *file, int line) {
    char *end;
    *v = strtod(text, &end);
    if (end == text || *trim(end)) return fail(BMI_FAILURE, "%s:%d: '%s' is not a number", file, line, text);
    return BMI_SUCCESS;
}

typedef struct {
    char   name[128];
    int    comp;        /* -1: every component */
    double value;
    int    line;
} Assign;

/* Reads the `key = value` lines; sizes into s, NAME[k] = VALUE into *as. */
static int read_config(State *s, const char *path, Assign **as, int *nas) {
    if (!path || !*path) return fail(BMI_FAILURE, "BMI initialize: no configuration file");
    FILE *f = fopen(path, "r");
    if (!f) return fail(BMI_FAILURE, "BMI initialize: cannot open '%s'", path);
    char buf[1024];
    int line = 0, rc = BMI_SUCCESS, cap = 0;
    while (rc == BMI_SUCCESS && fgets(buf, sizeof buf, f)) {
        line++;
        char *hash = strchr(buf, '#');
        if (hash) *hash = 0;
        char *p = trim(buf);
        if (!*p) continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            rc = fail(BMI_FAILURE, "%s:%d: expected 'key = value'", path, line);
            break;
        }
        *eq = 0;
        char *key = trim(p), *val = trim(eq + 1);
        double v;
        if (!strcmp(key, "precision")) {
            if (!strcmp(val, "f64")) s->prec = DGC_F64;
            else if (!strcmp(val, "f32")) s->prec = DGC_F32;
            else rc = fail(BMI_FAILURE, "%s:%d: precision is f32 or f64, not '%s'", path, line, val);
            continue;
        }
        if ((rc = parse_double(val, &v, path, line))) break;
        if (!strcmp(key, "basins") || !strcmp(key, "components")) {
            if (v < 1 || v != floor(v) || v > 1e7) {
                rc = fail(BMI_FAILURE, "%s:%d: %s must be a whole number >= 1", path, line, key);
                break;
            }
            *(key[0] == 'b' ? &s->nb : &s->K) = (int64_t)v;
        } else if (!strcmp(key, "start_time")) s->start = v;
        else if (!strcmp(key, "end_time")) s->end = v;
        else {
            if (*nas == cap) {
                cap = cap ? 2 * cap : 16;
                Assign *n = realloc(*as, sizeof(Assign) * (size_t)cap);
                if (!n) {
                    rc = fail(BMI_FAILURE, "BMI initialize: out of memory");
                    break;
                }
                *as = n;
            }
            Assign *a = &(*as)[(*nas)++];
            a->comp = -1;
            a->value = v;
            a->line = line;
            char *br = strchr(key, '[');
            if (br) {
                char *end;
                long k = strtol(br + 1, &end, 10);
                if (end == br + 1 || *end != ']' || end[1] || k < 0) {
                    rc = fail(BMI_FAILURE, "%s:%d: expected NAME[component] = VALUE", path, line);
                    break;
                }
                a->comp = (int)k;
                *br = 0;
            }
            snprintf(a->name, sizeof a->name, "%s", trim(key));
        }
    }
    fclose(f);
    return rc;
}

/* `mean(P) = VALUE`, `std(P) = VALUE`: a statistic of input P for norm(P).
 * Returns 0 (mean) or 1 (std) and the input in *input; -1 for other names. */
static int input_stat(const char *name, int *input) {
    int which = !strncmp(name, "mean(", 5) ? 0 : !strncmp(name, "std(", 4) ? 1 : -1;
    size_t n = strlen(name);
    if (which < 0 || name[n - 1] != ')') return -1;
    char inner[128];
    size_t skip = which ? 4 : 5;
    snprintf(inner, sizeof inner, "%.*s", (int)(n - skip - 1), name + skip);
    *input = dgc_model_var_index(DGC_INPUTS, trim(inner));
    return *input >= 0 ? which : -1;
}

/* The statistics of norm() from the configuration: every input the model
 * standardises needs both; the others keep mean 0, std 1 (unused). */
static int set_input_stats(State *s, const Assign *as, int nas, const char *path) {
    double *v = calloc(2 * (size_t)s->ni + 1, sizeof(double));
    void *mean = calloc((size_t)s->ni + 1, s->el), *std = calloc((size_t)s->ni + 1, s->el);
    unsigned char *seen = calloc(2 * (size_t)s->ni + 1, 1);
    int rc = BMI_SUCCESS;
    if (!v || !mean || !std || !seen) rc = fail(BMI_FAILURE, "BMI initialize: out of memory");
    for (int i = 0; rc == BMI_SUCCESS && i < s->ni; i++) v[s->ni + i] = 1;
    for (int k = 0; rc == BMI_SUCCESS && k < nas; k++) {
        int in, which = input_stat(as[k].name, &in);
        if (which < 0) continue;
        if (as[k].comp >= 0 || (which == 1 && !(as[k].value > 0)))
            rc = fail(BMI_FAILURE, "%s:%d: expected %s(INPUT) = VALUE%s", path, as[k].line, which ? "std" : "mean",
                      which ? " with VALUE > 0" : "");
        v[which * s->ni + in] = as[k].value;
        seen[which * s->ni + in] = 1;
    }
    for (int i = 0; rc == BMI_SUCCESS && i < s->ni; i++) {
        if (dgc_model_norm_input(i) == 1 && (!seen[i] || !seen[s->ni + i])) {
            const char *name = dgc_model_var_name(DGC_INPUTS, i);
            rc = fail(BMI_FAILURE, "%s: model '%s' reads input '%s' through norm(): give the statistics of its "
                      "training data, 'mean(%s) = ...' and 'std(%s) = ...' (`train` prints them)", path,
                      dgc_model_name(), name, name, name);
        }
        set_el(s, mean, (size_t)i, v[i]);
        set_el(s, std, (size_t)i, v[s->ni + i]);
    }
    if (rc == BMI_SUCCESS && dgc_set_input_stats(s->inst, mean, std)) rc = BMI_FAILURE;
    free(v);
    free(mean);
    free(std);
    free(seen);
    return rc;
}

/* NAME[k] = VALUE: a parameter or an initial state, in `dst` ([n][nc]). */
static int apply_assign(State *s, const Assign *a, int kind, void *dst, const char *path) {
    if (a->comp >= s->K)
        return fail(BMI_FAILURE, "%s:%d: component %d of '%s' out of range (%lld components)", path, a->line, a->comp,
                    a->name, (long long)s->K);
    int i = dgc_model_var_index(kind, a->name);
    for (int64_t c = 0; c < s->nc; c++)
        if (a->comp < 0 || c % s->K == a->comp) set_el(s, dst, (size_t)i * (size_t)s->nc + (size_t)c, a->value);
    return BMI_SUCCESS;
}

// ---- Initialize, run, finalize --------------------------------------------------------------------

static void free_state(State *s) {
    if (!s) return;
    dgc_destroy(s->inst);
    void *all[] = {s->forcing, s->states, s->params, s->outv, s->cell_out, s->weights, s->cell_outd, s->avg, s->hist};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    free(s);
}

static int bmi_initialize(Bmi *self, const char *config) {
    if (!self) return fail(BMI_FAILURE, "BMI initialize: self is NULL");
    if (self->data) return fail(BMI_FAILURE, "BMI initialize: already initialised (finalize first)");
    State *s = calloc(1, sizeof *s);
    Assign *as = NULL;
    int nas = 0, rc = BMI_FAILURE;
    if (!s) return fail(BMI_FAILURE, "BMI initialize: out of memory");
    s->prec = DGC_F64;
    s->nb = 1;
    s->K = dgc_model_components();
    s->end = DBL_MAX;
    if (read_config(s, config, &as, &nas)) goto done;
    for (int i = 0, in; i < nas; i++)
        if (dgc_model_var_index(DGC_PARAMS, as[i].name) < 0 && dgc_model_var_index(DGC_STATES, as[i].name) < 0 &&
            input_stat(as[i].name, &in) < 0) {
            fail(BMI_FAILURE, "%s:%d: '%s' is neither a setting nor a parameter or state of model '%s'", config,
                 as[i].line, as[i].name, dgc_model_name());
            goto done;
        }
    s->el = s->prec == DGC_F64 ? sizeof(double) : sizeof(float);
    s->nc = s->nb * s->K;
    s->np = dgc_model_count(DGC_PARAMS);
    s->ni = dgc_model_count(DGC_INPUTS);
    s->ns = dgc_model_count(DGC_STATES);
    s->no = dgc_model_count(DGC_OUTPUTS);
    s->nw = dgc_model_nweights();
    s->L = 1;
    for (int o = 0; o < s->no; o++) {
        int first, n;
        dgc_model_output_route(o, &first, &n);
        if (n > s->L) s->L = n;
    }
    s->inst = dgc_create(s->nb, 1, s->K, s->prec, DGC_NO_GRAD);
    if (!s->inst || set_input_stats(s, as, nas, config)) goto done;
    size_t nc = (size_t)s->nc, nb = (size_t)s->nb, el = s->el;
    s->forcing = calloc((size_t)s->ni * nb + 1, el);
    s->states = calloc((size_t)s->ns * nc + 1, el);
    s->params = calloc((size_t)s->np * nc + 1, el);
    s->outv = calloc((size_t)s->no * nb + 1, el);
    s->cell_out = calloc((size_t)s->no * nc + 1, el);
    s->weights = calloc((size_t)s->nw * nb + 1, el);
    s->cell_outd = calloc((size_t)s->no * nc + 1, sizeof(double));
    s->avg = calloc((size_t)s->no * nb + 1, sizeof(double));
    s->hist = calloc((size_t)s->no * nb * (size_t)s->L + 1, sizeof(double));
    if (!s->forcing || !s->states || !s->params || !s->outv || !s->cell_out || !s->weights || !s->cell_outd ||
        !s->avg || !s->hist) {
        fail(BMI_FAILURE, "BMI initialize: out of memory");
        goto done;
    }
    for (int p = 0; p < s->np; p++) {   /* defaults, then the configuration */
        double v;
        dgc_model_param_info(p, NULL, NULL, &v, NULL, NULL);
        for (size_t c = 0; c < nc; c++) set_el(s, s->params, (size_t)p * nc + c, v);
    }
    for (int i = 0; i < nas; i++)
        if (dgc_model_var_index(DGC_PARAMS, as[i].name) >= 0 && apply_assign(s, &as[i], DGC_PARAMS, s->params, config))
            goto done;
    /* initial states from the parameters, then the configuration */
    if (dgc_set_params(s->inst, s->params) || dgc_get_states(s->inst, DGC_STATES_INITIAL, s->states)) goto done;
    for (int i = 0; i < nas; i++)
        if (dgc_model_var_index(DGC_STATES, as[i].name) >= 0 && apply_assign(s, &as[i], DGC_STATES, s->states, config))
            goto done;
    self->data = s;
    s = NULL;
    rc = BMI_SUCCESS;
done:
    free(as);
    free_state(s);
    return rc;
}

/* One step: the kernels from the current states, then average and routing. */
static int bmi_update(Bmi *self) {
    State *s = S(self);
    if (!s) return fail(BMI_FAILURE, "BMI update: the model is not initialised");
    DgcInstance *in = s->inst;
    if (dgc_set_params(in, s->params) || dgc_set_forcing(in, s->forcing) || dgc_set_init_states(in, s->states) ||
        dgc_forward(in) || dgc_get_states(in, DGC_STATES_FINAL, s->states) || dgc_get_cell_outputs(in, s->cell_out))
        return BMI_FAILURE;
    if (s->nw > 0 && dgc_get_route_weights(in, s->weights)) return BMI_FAILURE;
    size_t nb = (size_t)s->nb, nc = (size_t)s->nc, L = (size_t)s->L;
    for (size_t i = 0; i < (size_t)s->no * nc; i++) s->cell_outd[i] = get_el(s, s->cell_out, i);
    dgrt_average_forward(s->avg, s->cell_outd, 1, s->no, s->nb, s->K);
    int64_t t = s->step;
    for (int o = 0; o < s->no; o++) {
        int first, n;
        dgc_model_output_route(o, &first, &n);
        for (size_t b = 0; b < nb; b++) {
            double *h = s->hist + ((size_t)o * nb + b) * L;
            double x = s->avg[(size_t)o * nb + b], y = x;
            h[(size_t)(t % (int64_t)L)] = x;
            if (n > 0) {   /* y_t = sum_{j=0}^{min(t, n-1)} w_j x_{t-j}, in route.c's order */
                int jmax = t < n - 1 ? (int)t : n - 1;
                y = 0;
                for (int j = 0; j <= jmax; j++)
                    y += get_el(s, s->weights, (size_t)(first + j) * nb + b) * h[(size_t)((t - j) % (int64_t)L)];
            }
            set_el(s, s->outv, (size_t)o * nb + b, y);
        }
    }
    s->step++;
    return BMI_SUCCESS;
}

static double now(const State *s) { return s->start + (double)s->step; }

static int bmi_update_until(Bmi *self, double then) {
    State *s = S(self);
    if (!s) return fail(BMI_FAILURE, "BMI update_until: the model is not initialised");
    if (then < now(s)) return fail(BMI_FAILURE, "BMI update_until: %g is before the current time %g", then, now(s));
    while (now(s) + 1 <= then + 1e-9)
        if (bmi_update(self)) return BMI_FAILURE;
    return BMI_SUCCESS;
}

static int bmi_finalize(Bmi *self) {
    if (!self) return fail(BMI_FAILURE, "BMI finalize: self is NULL");
    free_state(S(self));
    self->data = NULL;
    return BMI_SUCCESS;
}

// ---- Exchange items and variable information ---------------------------------------------------

static int bmi_component_name(Bmi *self, char *name) {
    (void)self;
    snprintf(name, BMI_MAX_COMPONENT_NAME, "dgc %s", dgc_model_name());
    return BMI_SUCCESS;
}

static int bmi_input_count(Bmi *self, int *n) {
    (void)self;
    *n = dgc_model_count(DGC_INPUTS);
    return BMI_SUCCESS;
}

static int bmi_output_count(Bmi *self, int *n) {
    (void)self;
    *n = dgc_model_count(DGC_OUTPUTS);
    return BMI_SUCCESS;
}

static int names_of(int kind, char **names) {
    for (int i = 0; i < dgc_model_count(kind); i++) snprintf(names[i], BMI_MAX_VAR_NAME, "%s", dgc_model_var_name(kind, i));
    return BMI_SUCCESS;
}
static int bmi_input_names(Bmi *self, char **names) { (void)self; return names_of(DGC_INPUTS, names); }
static int bmi_output_names(Bmi *self, char **names) { (void)self; return names_of(DGC_OUTPUTS, names); }

static int bmi_var_grid(Bmi *self, const char *name, int *grid) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    *grid = v.grid;
    return BMI_SUCCESS;
}

static int bmi_var_type(Bmi *self, const char *name, char *type) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    snprintf(type, BMI_MAX_TYPE_NAME, "%s", S(self)->prec == DGC_F64 ? "double" : "float");
    return BMI_SUCCESS;
}

/* The model's unit as written ("mm/d", "degC"; UDUNITS reads both); "1" when dimensionless. */
static int bmi_var_units(Bmi *self, const char *name, char *units) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    static const int api_kind[] = {[V_OUTPUT] = DGC_OUTPUTS, [V_INPUT] = DGC_INPUTS, [V_STATE] = DGC_STATES,
                                   [V_PARAM] = DGC_PARAMS};
    const char *u = dgc_model_var_unit(api_kind[v.kind], v.index);
    snprintf(units, BMI_MAX_UNITS_NAME, "%s", !u || !*u || !strcmp(u, "-") ? "1" : u);
    return BMI_SUCCESS;
}

static int bmi_var_itemsize(Bmi *self, const char *name, int *size) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    *size = (int)S(self)->el;
    return BMI_SUCCESS;
}

static int bmi_var_nbytes(Bmi *self, const char *name, int *nbytes) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    *nbytes = (int)(v.n * S(self)->el);
    return BMI_SUCCESS;
}

static int bmi_var_location(Bmi *self, const char *name, char *location) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    snprintf(location, BMI_MAX_LOCATION_NAME, "node");
    return BMI_SUCCESS;
}

// ---- Time --------------------------------------------------------------------------------------------

static int bmi_current_time(Bmi *self, double *t) {
    if (!S(self)) return fail(BMI_FAILURE, "BMI: the model is not initialised");
    *t = now(S(self));
    return BMI_SUCCESS;
}
static int bmi_start_time(Bmi *self, double *t) {
    if (!S(self)) return fail(BMI_FAILURE, "BMI: the model is not initialised");
    *t = S(self)->start;
    return BMI_SUCCESS;
}
static int bmi_end_time(Bmi *self, double *t) {
    if (!S(self)) return fail(BMI_FAILURE, "BMI: the model is not initialised");
    *t = S(self)->end;
    return BMI_SUCCESS;
}
static int bmi_time_units(Bmi *self, char *units) {
    (void)self;
    snprintf(units, BMI_MAX_UNITS_NAME, "d");
    return BMI_SUCCESS;
}
static int bmi_time_step(Bmi *self, double *dt) {
    (void)self;
    *dt = 1;
    return BMI_SUCCESS;
}

// ---- Getters and setters ------------------------------------------------------------------------------

static int bmi_get_value(Bmi *self, const char *name, void *dest) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    if (!dest) return fail(BMI_FAILURE, "BMI get_value: dest is NULL");
    memcpy(dest, v.data, v.n * S(self)->el);
    return BMI_SUCCESS;
}

/* The library's own array: valid until finalize; writing to it is set_value without the checks. */
static int bmi_get_value_ptr(Bmi *self, const char *name, void **dest) {
    Var v;
    if (find_var(S(self), name, 0, &v)) return BMI_FAILURE;
    *dest = v.data;
    return BMI_SUCCESS;
}

static int check_inds(const Var *v, const int *inds, int count, const char *name) {
    if (count < 0 || (count > 0 && !inds)) return fail(BMI_FAILURE, "BMI: bad index list for '%s'", name);
    for (int i = 0; i < count; i++)
        if (inds[i] < 0 || (size_t)inds[i] >= v->n)
            return fail(BMI_FAILURE, "BMI: index %d of '%s' out of range (%zu values)", inds[i], name, v->n);
    return BMI_SUCCESS;
}

static int bmi_get_value_at_indices(Bmi *self, const char *name, void *dest, int *inds, int count) {
    Var v;
    if (find_var(S(self), name, 0, &v) || check_inds(&v, inds, count, name)) return BMI_FAILURE;
    size_t el = S(self)->el;
    for (int i = 0; i < count; i++) memcpy((char *)dest + (size_t)i * el, (char *)v.data + (size_t)inds[i] * el, el);
    return BMI_SUCCESS;
}

static int bmi_set_value(Bmi *self, const char *name, void *src) {
    Var v;
    if (find_var(S(self), name, 1, &v)) return BMI_FAILURE;
    if (!src) return fail(BMI_FAILURE, "BMI set_value: src is NULL");
    memcpy(v.data, src, v.n * S(self)->el);
    return BMI_SUCCESS;
}

static int bmi_set_value_at_indices(Bmi *self, const char *name, int *inds, int count, void *src) {
    Var v;
    if (find_var(S(self), name, 1, &v) || check_inds(&v, inds, count, name)) return BMI_FAILURE;
    size_t el = S(self)->el;
    for (int i = 0; i < count; i++) memcpy((char *)v.data + (size_t)inds[i] * el, (char *)src + (size_t)i * el, el);
    return BMI_SUCCESS;
}

// ---- Grids: 0 basins, 1 cells; points indexed 0..n-1 -----------------------------------------------

static int grid_size(Bmi *self, int grid, int *n) {
    State *s = S(self);
    if (!s) return fail(BMI_FAILURE, "BMI: the model is not initialised");
    if (grid != GRID_BASINS && grid != GRID_CELLS) return fail(BMI_FAILURE, "BMI: no grid %d (0 basins, 1 cells)", grid);
    *n = (int)(grid == GRID_BASINS ? s->nb : s->nc);
    return BMI_SUCCESS;
}

static int bmi_grid_rank(Bmi *self, int grid, int *rank) {
    int n;
    if (grid_size(self, grid, &n)) return BMI_FAILURE;
    *rank = 1;
    return BMI_SUCCESS;
}
static int bmi_grid_size(Bmi *self, int grid, int *size) { return grid_size(self, grid, size); }
static int bmi_grid_type(Bmi *self, int grid, char *type) {
    int n;
    if (grid_size(self, grid, &n)) return BMI_FAILURE;
    snprintf(type, BMI_MAX_TYPE_NAME, "points");
    return BMI_SUCCESS;
}
static int bmi_grid_shape(Bmi *self, int grid, int *shape) { return grid_size(self, grid, shape); }
static int bmi_grid_node_count(Bmi *self, int grid, int *count) { return grid_size(self, grid, count); }

static int coords(Bmi *self, int grid, double *x, int index) {
    int n;
    if (grid_size(self, grid, &n)) return BMI_FAILURE;
    for (int i = 0; i < n; i++) x[i] = index ? i : 0;
    return BMI_SUCCESS;
}
static int bmi_grid_x(Bmi *self, int grid, double *x) { return coords(self, grid, x, 1); }
static int bmi_grid_y(Bmi *self, int grid, double *y) { return coords(self, grid, y, 0); }
static int bmi_grid_z(Bmi *self, int grid, double *z) { return coords(self, grid, z, 0); }

static int zero_count(Bmi *self, int grid, int *count) {
    int n;
    if (grid_size(self, grid, &n)) return BMI_FAILURE;
    *count = 0;
    return BMI_SUCCESS;
}

/* Not defined for points: spacing, origin, edges and faces. */
static int not_points(Bmi *self, int grid, void *out) {
    (void)self;
    (void)out;
    return fail(BMI_FAILURE, "BMI: grid %d is a set of points (no spacing, origin, edges or faces)", grid);
}
static int bmi_grid_spacing(Bmi *self, int grid, double *v) { return not_points(self, grid, v); }
static int bmi_grid_origin(Bmi *self, int grid, double *v) { return not_points(self, grid, v); }
static int bmi_grid_ints(Bmi *self, int grid, int *v) { return not_points(self, grid, v); }

DGC_BMI_API Bmi *register_bmi(Bmi *model) {
    if (!model) return NULL;
    memset(model, 0, sizeof *model);
    model->initialize = bmi_initialize;
    model->update = bmi_update;
    model->update_until = bmi_update_until;
    model->finalize = bmi_finalize;
    model->get_component_name = bmi_component_name;
    model->get_input_item_count = bmi_input_count;
    model->get_output_item_count = bmi_output_count;
    model->get_input_var_names = bmi_input_names;
    model->get_output_var_names = bmi_output_names;
    model->get_var_grid = bmi_var_grid;
    model->get_var_type = bmi_var_type;
    model->get_var_units = bmi_var_units;
    model->get_var_itemsize = bmi_var_itemsize;
    model->get_var_nbytes = bmi_var_nbytes;
    model->get_var_location = bmi_var_location;
    model->get_current_time = bmi_current_time;
    model->get_start_time = bmi_start_time;
    model->get_end_time = bmi_end_time;
    model->get_time_units = bmi_time_units;
    model->get_time_step = bmi_time_step;
    model->get_value = bmi_get_value;
    model->get_value_ptr = bmi_get_value_ptr;
    model->get_value_at_indices = bmi_get_value_at_indices;
    model->set_value = bmi_set_value;
    model->set_value_at_indices = bmi_set_value_at_indices;
    model->get_grid_rank = bmi_grid_rank;
    model->get_grid_size = bmi_grid_size;
    model->get_grid_type = bmi_grid_type;
    model->get_grid_shape = bmi_grid_shape;
    model->get_grid_spacing = bmi_grid_spacing;
    model->get_grid_origin = bmi_grid_origin;
    model->get_grid_x = bmi_grid_x;
    model->get_grid_y = bmi_grid_y;
    model->get_grid_z = bmi_grid_z;
    model->get_grid_node_count = bmi_grid_node_count;
    model->get_grid_edge_count = zero_count;
    model->get_grid_face_count = zero_count;
    model->get_grid_edge_nodes = bmi_grid_ints;
    model->get_grid_face_edges = bmi_grid_ints;
    model->get_grid_face_nodes = bmi_grid_ints;
    model->get_grid_nodes_per_face = bmi_grid_ints;
    return model;
}

DGC_BMI_API Bmi *register_bmi_dgc(Bmi *model) { return register_bmi(model); }
