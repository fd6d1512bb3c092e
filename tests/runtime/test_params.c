/* test_params.c — parameter files (`--params`), initial-state overrides
 * (`--init`) and network weights (`--netw`) on the toy model: values that
 * load, and the exact error text of each mistake. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "dgrt_internal.h"
#include "rt_files.h"

extern const DgModel dg_model;   /* tests/runtime/toy_model.c: k, f, scale, route_a (basin-level) */

/* Load `text` for 2 components; expect code and "<path><rest>" (or no error when rest is NULL). */
static void expect_params(const DgModel *m, const char *name, const char *text, int code, const char *rest,
                          const char *hint) {
    const char *p = write_file(name, text);
    double vals[16];
    DgrtErr err = {0};
    int rc = dgrt_params_load(m, p, 2, vals, &err);
    CHECK(rc == code);
    if (!rest) return;
    char want[2048];
    snprintf(want, sizeof want, "%s%s", p, rest);
    CHECK_STR(err.msg, want);
    if (hint) CHECK_STR(err.hint, hint);
}

static void test_params_ok(void) {
    const DgModel *m = &dg_model;
    double v[8];
    DgrtErr err = {0};
    CHECK(dgrt_params_load(m, NULL, 2, v, &err) == 0);
    CHECK(v[0] == 0.2 && v[1] == 0.2 && v[2] == 0.5 && v[4] == 20 && v[6] == 0.5 && v[7] == 0.5);

    /* per-component rows override all-component rows, whatever their order */
    const char *p = write_file("ok.csv", "name,value,component\nf,0.7,1\nk,0.3,\nf,0.1,\nroute_a,1.5,0\n");
    CHECK(dgrt_params_load(m, p, 2, v, &err) == 0);
    CHECK(v[0] == 0.3 && v[1] == 0.3);
    CHECK(v[2] == 0.1 && v[3] == 0.7);
    CHECK(v[4] == 20 && v[5] == 20);
    CHECK(v[6] == 1.5 && v[7] == 1.5);   /* basin-level: component 0's value everywhere */

    /* no component column; other columns ignored */
    p = write_file("ok2.csv", "unit,name,value\n1/d,k,0.4\n");
    CHECK(dgrt_params_load(m, p, 2, v, &err) == 0);
    CHECK(v[0] == 0.4 && v[1] == 0.4 && v[2] == 0.5);

    /* spread to cells: c = b * ncomp + k */
    double vals[8] = {1, 2, 3, 4, 5, 6, 7, 8}, cells[16];
    dgrt_params_spread(m, vals, 2, 2, cells);
    CHECK(cells[0] == 1 && cells[1] == 2 && cells[2] == 1 && cells[3] == 2 && cells[4] == 3 && cells[15] == 8);
}

static void test_params_errors(void) {
    const DgModel *m = &dg_model;
    expect_params(m, "unknown.csv", "name,value\nk,0.3\nbeta,1\n", 3,
                  ":3:1: unknown parameter 'beta' (parameters: k, f, scale, route_a)",
                  "the 'info' command lists the parameters of the model");
    expect_params(m, "near.csv", "name,value\nroute_b,1\n", 3,
                  ":2:1: unknown parameter 'route_b' (parameters: k, f, scale, route_a)", "did you mean 'route_a'?");
    expect_params(m, "nocol.csv", "name,val\nk,1\n", 3, ":1:1: no column 'value' (the header has: name, val)",
                  "a parameter file has the columns name,value and optionally component (0-based)");
    expect_params(m, "nan.csv", "name,value\nk,abc\n", 3, ":2:3: column 'value': 'abc' is not a number", NULL);
    expect_params(m, "inf.csv", "name,value\nk,nan\n", 3, ":2:3: value 'nan' of 'k' is not finite", NULL);
    expect_params(m, "bounds.csv", "name,value\nf,0.5\nk,2\n", 3, ":3:3: value 2 of 'k' is outside its bounds [0.05, 0.9]",
                  "the bounds are declared in the model (`param NAME in [lo, hi]`)");
    expect_params(m, "comp.csv", "name,value,component\nk,0.3,2\n", 3,
                  ":2:7: component 2 is out of range: the run has 2 components (0..1)", NULL);
    expect_params(m, "compbad.csv", "name,value,component\nk,0.3,one\n", 3,
                  ":2:7: column 'component': 'one' is not an integer", NULL);
    expect_params(m, "basin.csv", "name,value,component\nroute_a,1,1\n", 3,
                  ":2:11: parameter 'route_a' is basin-level (used only by output routing, shared by all components)",
                  NULL);
    expect_params(m, "dup.csv", "name,value\nk,0.3\nk,0.4\n", 3, ":3:1: parameter 'k' is given twice (first at line 2)",
                  "keep one row per parameter and component");
    expect_params(m, "dup2.csv", "name,value,component\nf,0.1,1\nk,0.2,\nf,0.2,1\n", 3,
                  ":4:1: parameter 'f' (component 1) is given twice (first at line 2)", NULL);
    expect_params(m, "fine.csv", "name,value,component\nf,0.1,1\nf,0.2,\n", 0, NULL, NULL);

    /* a parameter without a default */
    DgParamInfo ps[4];
    memcpy(ps, m->params, sizeof ps);
    ps[1].value = NAN;
    DgModel m2 = *m;
    m2.params = ps;
    double v[8];
    DgrtErr err = {0};
    CHECK(dgrt_params_load(&m2, NULL, 2, v, &err) == DGRT_EXIT_USAGE);
    CHECK_STR(err.msg, "parameter 'f' has no default in the model");
    CHECK_STR(err.hint, "give its value in a file: --params FILE with the header 'name,value' and lines like 'f,VALUE'");
    ps[0].value = NAN;
    CHECK(dgrt_params_load(&m2, NULL, 2, v, &err) == DGRT_EXIT_USAGE);
    CHECK_STR(err.msg, "parameters 'k', 'f' have no default in the model");
    ps[0].value = 0.2;
    const char *p = write_file("partial.csv", "name,value,component\nf,0.3,1\n");
    CHECK(dgrt_params_load(&m2, p, 2, v, &err) == DGRT_EXIT_DATA);
    char want[2048];
    snprintf(want, sizeof want, "parameter 'f' (component 0) has no value in '%s' and no default in the model", p);
    CHECK_STR(err.msg, want);
    p = write_file("complete.csv", "name,value\nf,0.3\n");
    CHECK(dgrt_params_load(&m2, p, 2, v, &err) == 0 && v[2] == 0.3 && v[3] == 0.3);
}

static void expect_init_error(const char *arg, const char *msg) {
    DgInitOverride o;
    DgrtErr err = {0};
    CHECK(dgrt_init_parse(&dg_model, arg, 2, &o, &err) == DGRT_EXIT_USAGE);
    CHECK_STR(err.msg, msg);
}

static void test_init(void) {
    DgInitOverride o[2];
    DgrtErr err = {0};
    CHECK(dgrt_init_parse(&dg_model, "S=5", 2, &o[0], &err) == 0);
    CHECK(o[0].state == 0 && o[0].comp == -1 && o[0].value == 5);
    CHECK(dgrt_init_parse(&dg_model, "S[1]=2.5", 2, &o[1], &err) == 0);
    CHECK(o[1].state == 0 && o[1].comp == 1 && o[1].value == 2.5);
    double states[4] = {0, 0, 0, 0};
    dgrt_init_apply(o, 2, states, 4, 2);
    CHECK(states[0] == 5 && states[1] == 2.5 && states[2] == 5 && states[3] == 2.5);

    expect_init_error("Soil=1", "--init 'Soil=1': the model has no state 'Soil' (states: S)");
    expect_init_error("S[2]=1", "--init 'S[2]=1': component 2 is out of range (0..1)");
    expect_init_error("S[x]=1", "--init 'S[x]=1': bad component index");
    expect_init_error("S=abc", "--init 'S=abc': 'abc' is not a number");
    expect_init_error("S=", "--init 'S=': '' is not a number");
    expect_init_error("S", "--init 'S' is not NAME=VALUE");
}

static void test_netw(void) {
    const DgModel *m = &dg_model;
    double a[2], b[2];
    dgrt_netw_default(m, a);
    dgrt_netw_default(m, b);
    CHECK(a[0] == b[0] && a[1] == b[1]);                  /* deterministic */
    CHECK(fabs(a[0]) <= 1 && fabs(a[1]) <= 1 && a[0] != a[1]);   /* fan_in 1: uniform in [-1, 1] */

    DgrtErr err = {0};
    const char *p = write_file("w.txt", "0.5\n# comment\n\n  -1e-1 \n");
    CHECK(dgrt_netw_load(m, p, a, &err) == 0 && a[0] == 0.5 && a[1] == -0.1);
    p = write_file("w1.txt", "1\n");
    CHECK(dgrt_netw_load(m, p, a, &err) == DGRT_EXIT_DATA);
    char want[2048];
    snprintf(want, sizeof want, "'%s' holds 1 number, the model has 2 network weights", p);
    CHECK_STR(err.msg, want);
    p = write_file("wx.txt", "1\n  x\n");
    CHECK(dgrt_netw_load(m, p, a, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "%s:2:3: 'x' is not a number", p);
    CHECK_STR(err.msg, want);
    /* lines longer than 511 bytes: the error is on its own line (fgets split it into two) */
    char text[1600];
    snprintf(text, sizeof text, "1\n%600s\n2\n", "x");
    p = write_file("wl.txt", text);
    CHECK(dgrt_netw_load(m, p, a, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "%s:2:600: 'x' is not a number", p);
    CHECK_STR(err.msg, want);
    snprintf(text, sizeof text, "%700s\n%700s\n", "0.25", "-0.5");
    p = write_file("wl2.txt", text);
    CHECK(dgrt_netw_load(m, p, a, &err) == 0 && a[0] == 0.25 && a[1] == -0.5);
}

int main(void) {
    test_params_ok();
    test_params_errors();
    test_init();
    test_netw();
    return check_report("test_params");
}
