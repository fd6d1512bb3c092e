/* bmi_driver.c — a coupler-style client of a dgc model library: dlopen,
 * register_bmi, and the BMI 2.0 lifecycle step by step, checked against
 * the whole-period run of the model's own `simulate` command.
 *   bmi_driver LIB.so CONFIG FORCING.csv SIMULATE.csv
 * FORCING.csv: date,P,T,PET (the inputs of every day); SIMULATE.csv: what
 * `MODEL simulate --states` wrote for the same forcing, parameters and
 * components (%.17g: exact doubles). Checks:
 *   1. initialize, names, types, units, grids, times;
 *   2. per day: set_value of every input, update, get_value of every output
 *      and state == the CSV row, bit for bit (max difference printed);
 *   3. update_until to the end time, get_current_time;
 *   4. set_value of a state mid-run (documented in dgc_bmi.h: the next
 *      update starts from the new storage, outputs already computed stay):
 *      get_value returns it, the outputs of the current day do not change,
 *      and the next day's unrouted outputs equal a one-day run of the C API
 *      (dgc_forward, warm start from the same states); setting a state to its
 *      own value changes nothing (the rest of the run stays bit-identical);
 *   5. errors: unknown variable, setting an output, bad config -> BMI_FAILURE.
 * A model with norm() inputs (P, T, PET) takes their statistics from the
 * configuration's `mean(X) = ...` and `std(X) = ...` lines, in 4 as well.
 * Exit 0 when all pass. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgc_bmi.h"
#include "dgc_model_api.h"

static int failed, checks;

static void check(int ok, const char *what) {
    checks++;
    if (!ok) failed++;
    printf("%s  %s\n", ok ? "ok" : "NOT OK", what);
}

typedef struct {
    int     ncols, nrows;
    char    names[64][64];
    double *v;   /* nrows x ncols, date column = NaN */
} Table;

static int read_table(const char *path, Table *t) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[16384];
    memset(t, 0, sizeof *t);
    if (!fgets(line, sizeof line, f)) { fclose(f); return 0; }
    for (char *s = NULL, *tok = strtok_r(line, ",\r\n", &s); tok && t->ncols < 64; tok = strtok_r(NULL, ",\r\n", &s))
        snprintf(t->names[t->ncols++], 64, "%s", tok);
    int cap = 1024;
    t->v = malloc(sizeof(double) * (size_t)cap * (size_t)t->ncols);
    while (fgets(line, sizeof line, f)) {
        if (t->nrows == cap) {
            cap *= 2;
            t->v = realloc(t->v, sizeof(double) * (size_t)cap * (size_t)t->ncols);
        }
        char *p = line;
        for (int k = 0; k < t->ncols; k++) {
            char *end = strpbrk(p, ",\r\n");
            t->v[t->nrows * t->ncols + k] = k == 0 ? NAN : strtod(p, NULL);
            p = end ? end + 1 : p + strlen(p);
        }
        t->nrows++;
    }
    fclose(f);
    return t->nrows > 0;
}

/* `mean(X) = v` and `std(X) = v` of the configuration for inputs P, T, PET (mean 0, std 1 when absent). */
static void read_input_stats(const char *path, double mean[3], double std[3]) {
    static const char *const inputs[3] = {"P", "T", "PET"};
    for (int i = 0; i < 3; i++) mean[i] = 0, std[i] = 1;
    FILE *f = fopen(path, "r");
    char line[1024], key[64];
    double v;
    while (f && fgets(line, sizeof line, f))
        for (int i = 0; i < 3; i++) {
            snprintf(key, sizeof key, "mean(%s) = %%lf", inputs[i]);
            if (sscanf(line, key, &v) == 1) mean[i] = v;
            snprintf(key, sizeof key, "std(%s) = %%lf", inputs[i]);
            if (sscanf(line, key, &v) == 1) std[i] = v;
        }
    if (f) fclose(f);
}

static int col(const Table *t, const char *name) {
    for (int k = 0; k < t->ncols; k++)
        if (!strcmp(t->names[k], name)) return k;
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bmi_driver LIB.so CONFIG FORCING.csv SIMULATE.csv\n");
        return 2;
    }
    void *dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    Bmi *(*reg)(Bmi *) = (Bmi * (*)(Bmi *)) dlsym(dl, "register_bmi");
    const char *(*last_error)(void) = (const char *(*)(void))dlsym(dl, "dgc_last_error");
    check(reg && last_error, "register_bmi and dgc_last_error exported");
    if (!reg || !last_error) return 1;
    Table forcing, sim;
    if (!read_table(argv[3], &forcing) || !read_table(argv[4], &sim)) {
        fprintf(stderr, "cannot read %s or %s\n", argv[3], argv[4]);
        return 1;
    }
    Bmi bmi, *b = reg(&bmi);

    // ---- 1. initialize and describe ----
    int rc = b->initialize(b, argv[2]);
    check(rc == BMI_SUCCESS, rc ? last_error() : "initialize");
    if (rc) return 1;
    char name[BMI_MAX_COMPONENT_NAME], type[BMI_MAX_TYPE_NAME], units[BMI_MAX_UNITS_NAME];
    b->get_component_name(b, name);
    int nin = 0, nout = 0;
    b->get_input_item_count(b, &nin);
    b->get_output_item_count(b, &nout);
    char **in_names = malloc(sizeof(char *) * (size_t)nin), **out_names = malloc(sizeof(char *) * (size_t)nout);
    for (int i = 0; i < nin; i++) in_names[i] = malloc(BMI_MAX_VAR_NAME);
    for (int i = 0; i < nout; i++) out_names[i] = malloc(BMI_MAX_VAR_NAME);
    b->get_input_var_names(b, in_names);
    b->get_output_var_names(b, out_names);
    printf("component '%s': %d inputs, %d outputs\n", name, nin, nout);
    check(nin == 3 && !strcmp(in_names[0], "P") && !strcmp(in_names[1], "T") && !strcmp(in_names[2], "PET"),
          "inputs P, T, PET");
    int grid = -1, itemsize = 0, nbytes = 0, rank = 0, size = 0, cells = 0;
    b->get_var_grid(b, "streamflow", &grid);
    b->get_var_type(b, "streamflow", type);
    b->get_var_units(b, "streamflow", units);
    b->get_var_itemsize(b, "streamflow", &itemsize);
    b->get_var_nbytes(b, "streamflow", &nbytes);
    b->get_grid_rank(b, grid, &rank);
    b->get_grid_size(b, grid, &size);
    b->get_grid_size(b, 1, &cells);
    check(grid == 0 && !strcmp(type, "double") && !strcmp(units, "mm/d") && itemsize == 8 && nbytes == 8 &&
              rank == 1 && size == 1,
          "streamflow: grid 0 (1 basin), double, mm/d");
    int sgrid = -1;
    b->get_var_grid(b, "SM", &sgrid);
    b->get_var_nbytes(b, "SM", &nbytes);
    int K = cells;
    check(sgrid == 1 && nbytes == 8 * K, "state SM: grid 1 (one value per component)");
    double t0 = -1, dt = 0, tend = 0;
    b->get_start_time(b, &t0);
    b->get_time_step(b, &dt);
    b->get_end_time(b, &tend);
    b->get_time_units(b, units);
    check(t0 == 0 && dt == 1 && tend == sim.nrows && !strcmp(units, "d"), "times: start 0, step 1 d, end = days");

    // ---- 2. step by step against simulate ----
    int fcol[3] = {col(&forcing, "P"), col(&forcing, "T"), col(&forcing, "PET")};
    const char *states[] = {"SNOWPACK", "MELTWATER", "SM", "SUZ", "SLZ"};
    double worst = 0, v[64];
    char wname[96] = "";
    int compared = 0, half = sim.nrows / 2;
    double *saved_states = malloc(sizeof(double) * 5 * (size_t)K);
    for (int t = 0; t < sim.nrows; t++) {
        for (int i = 0; i < 3; i++) {
            double x = forcing.v[t * forcing.ncols + fcol[i]];
            if (b->set_value(b, in_names[i], &x)) failed++;
        }
        if (b->update(b)) {
            check(0, last_error());
            break;
        }
        for (int k = 1; k < sim.ncols; k++) {
            char var[64];
            snprintf(var, sizeof var, "%s", sim.names[k]);
            char *br = strchr(var, '[');
            int comp = 0;
            if (br) {
                comp = atoi(br + 1);
                *br = 0;
            }
            if (b->get_value(b, var, v)) {
                check(0, last_error());
                break;
            }
            double want = sim.v[t * sim.ncols + k], d = fabs(v[comp] - want);
            if (d > worst || (d == worst && !wname[0])) {
                worst = d;
                snprintf(wname, sizeof wname, "%s day %d", sim.names[k], t);
            }
            compared++;
        }
        if (t == half - 1)   /* 4b: setting a state to its own value changes nothing */
            for (int s = 0; s < 5; s++) {
                b->get_value(b, states[s], saved_states + s * K);
                b->set_value(b, states[s], saved_states + s * K);
            }
    }
    printf("BMI vs simulate: %d values over %d days, max |difference| %.3g (%s)\n", compared, sim.nrows, worst, wname);
    check(compared == sim.nrows * (sim.ncols - 1) && worst == 0,
          "every output and state of every day equals simulate bit for bit "
          "(with states set to their own values mid-run)");
    double now = -1;
    b->get_current_time(b, &now);
    check(now == sim.nrows, "current time = days run");
    b->finalize(b);

    // ---- 3. update_until, and 4. set_value of a state mid-run ----
    b = reg(&bmi);
    check(b->initialize(b, argv[2]) == BMI_SUCCESS, "initialize again");
    int day = 200;   /* update_until with the forcing of each day set before it */
    for (int t = 0; t < day; t++) {
        for (int i = 0; i < 3; i++) b->set_value(b, in_names[i], &forcing.v[t * forcing.ncols + fcol[i]]);
        b->update_until(b, t + 1);
    }
    b->get_current_time(b, &now);
    double q_before[8], q_after[8];
    b->get_value(b, "streamflow", q_before);
    check(now == day, "update_until: current time 200");
    int ns = 5;
    double *st = malloc(sizeof(double) * (size_t)(ns * K)), sm_new[64];
    for (int s = 0; s < ns; s++) b->get_value(b, states[s], st + s * K);
    for (int k = 0; k < K; k++) sm_new[k] = st[2 * K + k] * 0.5 + 10;
    check(b->set_value(b, "SM", sm_new) == BMI_SUCCESS, "set_value SM mid-run");
    b->get_value(b, "SM", v);
    b->get_value(b, "streamflow", q_after);
    check(v[0] == sm_new[0] && q_after[0] == q_before[0], "get_value SM returns the new storage; outputs unchanged");
    memcpy(st + 2 * K, sm_new, sizeof(double) * (size_t)K);
    for (int i = 0; i < 3; i++) b->set_value(b, in_names[i], &forcing.v[day * forcing.ncols + fcol[i]]);
    b->update(b);
    double bmi_q = 0, bmi_sm[64];
    b->get_value(b, "streamflow_no_rout", &bmi_q);
    b->get_value(b, "SM", bmi_sm);
    /* the same day through the C API from the same states */
    DgcInstance *(*create)(int64_t, int64_t, int64_t, int, int) = (DgcInstance * (*)(int64_t, int64_t, int64_t, int, int))
        dlsym(dl, "dgc_create");
    int (*set_param)(DgcInstance *, int, const void *) = (int (*)(DgcInstance *, int, const void *))dlsym(dl, "dgc_set_param");
    int (*set_forcing)(DgcInstance *, const void *) = (int (*)(DgcInstance *, const void *))dlsym(dl, "dgc_set_forcing");
    int (*set_init)(DgcInstance *, int, const void *) = (int (*)(DgcInstance *, int, const void *))dlsym(dl, "dgc_set_init_state");
    int (*forward)(DgcInstance *) = (int (*)(DgcInstance *))dlsym(dl, "dgc_forward");
    int (*get_outputs)(const DgcInstance *, void *) = (int (*)(const DgcInstance *, void *))dlsym(dl, "dgc_get_outputs");
    int (*get_states)(DgcInstance *, int, void *) = (int (*)(DgcInstance *, int, void *))dlsym(dl, "dgc_get_states");
    int (*var_index)(int, const char *) = (int (*)(int, const char *))dlsym(dl, "dgc_model_var_index");
    int (*count)(int) = (int (*)(int))dlsym(dl, "dgc_model_count");
    void (*destroy)(DgcInstance *) = (void (*)(DgcInstance *))dlsym(dl, "dgc_destroy");
    DgcInstance *inst = create(1, 1, K, DGC_F64, DGC_NO_GRAD);
    int np = count(DGC_PARAMS), no = count(DGC_OUTPUTS);
    double pv[64], fv[3], out[64], fin[5 * 64];
    for (int p = 0; p < np; p++) {
        char pname[64];
        snprintf(pname, sizeof pname, "%s", ((const char *(*)(int, int))dlsym(dl, "dgc_model_var_name"))(DGC_PARAMS, p));
        b->get_value(b, pname, pv);
        set_param(inst, p, pv);
    }
    for (int i = 0; i < 3; i++) fv[i] = forcing.v[day * forcing.ncols + fcol[i]];
    set_forcing(inst, fv);
    for (int s = 0; s < ns; s++) set_init(inst, s, st + s * K);
    double mean[3], std[3];
    read_input_stats(argv[2], mean, std);
    ((int (*)(DgcInstance *, const void *, const void *))dlsym(dl, "dgc_set_input_stats"))(inst, mean, std);
    int frc = forward(inst);
    get_outputs(inst, out);
    get_states(inst, DGC_STATES_FINAL, fin);
    int qi = var_index(DGC_OUTPUTS, "streamflow_no_rout");
    check(frc == 0 && no > qi && bmi_q == out[qi] && !memcmp(bmi_sm, fin + 2 * K, sizeof(double) * (size_t)K),
          "the update after set_value(SM) = a one-day API run from the new states (q and SM, bit for bit)");
    printf("   day %d: SM set to %.6g, q = %.17g, SM after = %.17g\n", day, sm_new[0], bmi_q, bmi_sm[0]);
    destroy(inst);

    // ---- 5. errors ----
    check(b->get_value(b, "no_such_var", v) == BMI_FAILURE && strstr(last_error(), "no_such_var"),
          "get_value of an unknown variable fails, named in dgc_last_error");
    check(b->set_value(b, "streamflow", v) == BMI_FAILURE && strstr(last_error(), "cannot be set"),
          "set_value of an output fails");
    check(b->update_until(b, 1) == BMI_FAILURE, "update_until a time in the past fails");
    b->finalize(b);
    Bmi bad;
    reg(&bad);
    check(bad.initialize(&bad, "/nonexistent/config") == BMI_FAILURE && strstr(last_error(), "cannot open"),
          "initialize with a missing configuration fails");

    for (int i = 0; i < nin; i++) free(in_names[i]);
    for (int i = 0; i < nout; i++) free(out_names[i]);
    free(in_names);
    free(out_names);
    free(saved_states);
    free(st);
    free(forcing.v);
    free(sim.v);
    dlclose(dl);
    printf("%d passed, %d failed\n", checks - failed, failed);
    return failed ? 1 : 0;
}
