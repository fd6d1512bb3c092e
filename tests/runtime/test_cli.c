/* test_cli.c — dgrt_main end to end on the toy model (in process, output
 * captured): `simulate` against an independent implementation of the toy
 * equations (parameters file, --init, --netw, --states, --out, --period,
 * --components, f32), `gradcheck` passing on the toy model and failing on a
 * model with a wrong adjoint, `info`, and the exit code and message of
 * usage and data errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "dgrt_cli.h"
#include "dgrt_internal.h"

extern const DgModel dg_model;

typedef struct {
    int   rc;
    char *out, *err;
} Result;

static Result run(const DgModel *m, const char *const *args) {
    int argc = 0;
    while (args[argc]) argc++;
    Result r;
    size_t n1, n2;
    FILE *fo = open_memstream(&r.out, &n1), *fe = open_memstream(&r.err, &n2);
    r.rc = dgrt_main_io(m, argc, (char **)args, fo, fe);
    fclose(fo);
    fclose(fe);
    return r;
}

static void done(Result *r) {
    free(r->out);
    free(r->err);
}

static char tmp[1024];
static const char *tmp_path(const char *name) {
    snprintf(tmp, sizeof tmp, "%s/%s", DG_RT_TMP_DIR, name);
    return tmp;
}

static char *write_file(const char *name, const char *text) {
    char *p = strdup(tmp_path(name));
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

// ---- The toy model written out independently ----------------------------------------------

enum { T = 12 };
static double P[T], PET[T];

/* outputs Q (averaged, routed) and ET (averaged), states S at the end of each day */
static void toy_reference(int ncomp, const double *k, const double *f, double route_a, const double *w,
                          const double *s0, double *Q, double *ET, double *S) {
    double q[T] = {0};
    for (int t = 0; t < T; t++) ET[t] = 0;
    for (int c = 0; c < ncomp; c++) {
        double s = s0[c];
        for (int t = 0; t < T; t++) {
            double g = 1 / (1 + exp(-(w[0] * s / 50 + w[1])));
            double et = s * (1 - exp(-(f[c] * PET[t] * g / 20)));
            double s1 = s - et + P[t];
            q[t] += k[c] * s1 / ncomp;
            ET[t] += et / ncomp;
            s = s1 - k[c] * s1;
            S[t * ncomp + c] = s;
        }
    }
    double a = route_a + 0.1, uh[3], sum = 0;
    for (int j = 0; j < 3; j++) sum += uh[j] = exp(-a * j);
    for (int t = 0; t < T; t++) {
        Q[t] = 0;
        for (int j = 0; j < 3 && j <= t; j++) Q[t] += uh[j] / sum * q[t - j];
    }
}

static double col(const DgCsv *csv, int64_t row, const char *name) {
    DgrtErr err;
    int c = dgrt_csv_column(csv, name, &err);
    double v = NAN;
    if (c >= 0) dgrt_csv_number(csv, row, c, &v, &err);
    return v;
}

static char *forcing_path, *params_path, *netw_path;

static void make_inputs(void) {
    char buf[4096], date[16];
    size_t n = (size_t)snprintf(buf, sizeof buf, "date,P,PET\n");
    for (int t = 0; t < T; t++) {   /* 2001-02-20 .. 2001-03-03 */
        P[t] = t % 3 == 0 ? 4.5 + t : 0.25 * t;
        PET[t] = 1 + 0.3 * t;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s,%.17g,%.17g\n",
                              dgrt_format_date(dgrt_days_from_ymd(2001, 2, 20) + t, date), P[t], PET[t]);
    }
    forcing_path = write_file("forcing.csv", buf);
    params_path = write_file("params.csv", "name,value,component\nk,0.3,\nf,0.8,0\nf,0.4,1\nroute_a,1.2,\n");
    netw_path = write_file("netw.txt", "0.3\n-0.2\n");
}

static void nan_run_fwd(const DgRun *r) {
    dg_model.run_fwd[DG_F64](r);
    ((double *)r->out)[(1 * 2 + 0) * r->ncells + 1] = NAN;   /* Q of step 1, cell 1 */
}

static void test_simulate(void) {
    const double k[2] = {0.3, 0.3}, f[2] = {0.8, 0.4}, w[2] = {0.3, -0.2}, s0[2] = {20 * 0.3, 3};
    double Q[T], ET[T], S[T * 2];
    toy_reference(2, k, f, 1.2, w, s0, Q, ET, S);

    char *out = strdup(tmp_path("sim.csv"));
    const char *args[] = {"./toy", "simulate", "--forcing-csv", forcing_path, "--params", params_path,
                          "--netw", netw_path, "--init", "S[1]=3", "--states", "--out", out, NULL};
    Result r = run(&dg_model, args);
    CHECK(r.rc == 0);
    CHECK_STR(r.out, "");   /* nothing on stdout with --out */
    CHECK_STR(r.err, "");
    DgCsv csv;
    DgrtErr err = {0};
    CHECK(dgrt_csv_read(&csv, out, NULL, &err) == 0);
    CHECK(csv.ncols == 5 && csv.nrows == T);
    CHECK_STR(csv.names[0], "date");
    CHECK_STR(csv.names[1], "Q");
    CHECK_STR(csv.names[2], "ET");
    CHECK_STR(csv.names[3], "S[0]");
    CHECK_STR(csv.names[4], "S[1]");
    CHECK_STR(dgrt_csv_cell(&csv, 0, 0), "2001-02-20");
    CHECK_STR(dgrt_csv_cell(&csv, T - 1, 0), "2001-03-03");
    double e = 0;
    for (int t = 0; t < T; t++) {
        e = fmax(e, fabs(col(&csv, t, "Q") - Q[t]) / fabs(Q[t]));
        e = fmax(e, fabs(col(&csv, t, "ET") - ET[t]) / fabs(ET[t]));
        e = fmax(e, fabs(col(&csv, t, "S[0]") - S[t * 2]) / fabs(S[t * 2]));
        e = fmax(e, fabs(col(&csv, t, "S[1]") - S[t * 2 + 1]) / fabs(S[t * 2 + 1]));
    }
    printf("test_cli: simulate vs independent toy: max rel err %.2e\n", e);
    CHECK(e < 1e-14);
    dgrt_csv_free(&csv);
    done(&r);

    /* stdout, f32, one component, a period */
    const char *args32[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--params", params_path, "--netw",
                            netw_path, "--init", "S[1]=3", "--precision", "f32", NULL};
    r = run(&dg_model, args32);
    CHECK(r.rc == 0 && !strncmp(r.out, "date,Q,ET\n2001-02-20,", 21));
    FILE *fo = fopen(out, "w");
    fputs(r.out, fo);
    fclose(fo);
    CHECK(dgrt_csv_read(&csv, out, NULL, &err) == 0);
    e = 0;
    for (int t = 0; t < T && csv.nrows == T; t++) e = fmax(e, fabs(col(&csv, t, "Q") - Q[t]) / fabs(Q[t]));
    CHECK(e < 1e-5 && e > 0);
    dgrt_csv_free(&csv);
    done(&r);

    const char *args1[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--components", "1", "--states",
                           "--period", "2001-02-28:2001-03-02", "--netw", netw_path, NULL};
    r = run(&dg_model, args1);
    CHECK(r.rc == 0 && !strncmp(r.out, "date,Q,ET,S\n2001-02-28,", 23));
    int lines = 0;
    for (const char *p = r.out; *p; p++) lines += *p == '\n';
    CHECK(lines == 4);
    done(&r);

    /* NaN outputs are reported on stderr */
    DgModel nan_model = dg_model;
    nan_model.run_fwd[DG_F64] = nan_run_fwd;
    const char *argsn[] = {"toy", "simulate", "--forcing-csv", forcing_path, NULL};
    r = run(&nan_model, argsn);
    CHECK(r.rc == 0);
    CHECK_STR(r.err, "warning: output 'Q' is nan on 2001-02-21 (step 1) and possibly later\n");
    done(&r);
    free(out);
}

// ---- gradcheck --------------------------------------------------------------------------------

static void bad_run_rev(const DgRun *r) {
    dg_model.run_rev[DG_F64](r);
    ((double *)r->dparams)[1 * r->ncells] += 1e-3;   /* a wrong d/d f in cell 0 */
}

static void test_gradcheck(void) {
    const char *args[] = {"toy", "gradcheck", "--steps", "60", NULL};
    Result r = run(&dg_model, args);
    CHECK(r.rc == 0);
    CHECK(strstr(r.out, "gradcheck toy: f64, 60 steps (synthetic forcing), 2 basins x 2 components, seed 1") != NULL);
    CHECK(strstr(r.out, "\ngradcheck: all 6 OK") != NULL);
    CHECK(strstr(r.out, "route_a (basin-level)") != NULL && strstr(r.out, "S (initial state)") != NULL);
    CHECK_STR(r.err, "");
    done(&r);

    const char *args2[] = {"toy", "gradcheck", "--forcing-csv", forcing_path, "--params", params_path, "--init", "S=2",
                           "--cells", "2", "--seed", "7", NULL};
    r = run(&dg_model, args2);
    CHECK(r.rc == 0 && strstr(r.out, "1 basin x 2 components, seed 7") && strstr(r.out, "all 6 OK"));
    done(&r);

    /* seeds differ, runs repeat */
    const char *a3[] = {"toy", "gradcheck", "--steps", "30", "--seed", "3", NULL};
    Result r1 = run(&dg_model, a3), r2 = run(&dg_model, a3);
    CHECK(r1.rc == 0 && !strcmp(r1.out, r2.out));
    done(&r1);
    done(&r2);

    DgModel bad = dg_model;
    bad.run_rev[DG_F64] = bad_run_rev;
    r = run(&bad, args);
    CHECK(r.rc == 1);
    CHECK(strstr(r.out, "NOT OK") != NULL && strstr(r.out, "gradcheck: 1 of 6 NOT OK") != NULL);
    done(&r);
}

// ---- info, usage and data errors ------------------------------------------------------------

/* exit code, the start of stderr, a hint in it; parse-level usage errors are followed by the usage text */
static void expect_u(const DgModel *m, const char *const *args, int rc, const char *err_start, const char *hint,
                     int usage) {
    Result r = run(m, args);
    CHECK(r.rc == rc);
    if (strncmp(r.err, err_start, strlen(err_start))) {
        fprintf(stderr, "stderr starts:\n%.300s\nexpected:\n%s\n", r.err, err_start);
        CHECK(!"stderr start");
    }
    if (hint) CHECK(strstr(r.err, hint) != NULL);
    /* a usage error says where the options are, without printing them all */
    CHECK((strstr(r.err, "\nnote: 'toy --help' lists the commands and options\n") != NULL) == usage);
    CHECK(strstr(r.err, "usage: toy") == NULL);
    CHECK(strstr(r.err, ".c:") == NULL);   /* no C source locations */
    done(&r);
}

static void expect(const DgModel *m, const char *const *args, int rc, const char *err_start, const char *hint) {
    expect_u(m, args, rc, err_start, hint, rc == 2);
}

/* eval's --warmup and --threads: ranges as train's keys (a warm-up near 2^63 overflowed the day arithmetic) */
static void test_eval_ranges(void) {
    const char *w[] = {"toy", "eval", "--checkpoint", "ck.bin", "--warmup", "9223372036854775807", NULL};
    Result r = run(&dg_model, w);
    CHECK(r.rc == 2);
    CHECK(strstr(r.err, "error: --warmup '9223372036854775807' is not an integer in [0, 36600] (warm-up days "
                        "before the period)\n") != NULL);
    done(&r);
    const char *t[] = {"toy", "eval", "--checkpoint", "ck.bin", "--threads", "4294967297", NULL};
    r = run(&dg_model, t);
    CHECK(r.rc == 2);
    CHECK(strstr(r.err, "error: --threads '4294967297' is not an integer in [0, 4096] (threads, 0 = every core)\n") !=
          NULL);
    done(&r);
}

static void test_info_and_errors(void) {
    const char *info[] = {"/some/dir/toy", "info", NULL};
    Result r = run(&dg_model, info);
    CHECK(r.rc == 0);
    CHECK(strstr(r.out, "model toy: linear reservoir") != NULL);
    CHECK(strstr(r.out, "route_a  -     0             2             0.5           learned, basin-level") != NULL);
    CHECK(strstr(r.out, "scale    -     -             -             20            fixed") != NULL);
    CHECK(strstr(r.out, "states (1 user, 0 generated)\n  S     mm\n") != NULL);
    CHECK(strstr(r.out, "Q     mm/d  routed: 3-ordinate unit hydrograph") != NULL);
    CHECK(strstr(r.out, "network weights: 2 in 1 net\n") != NULL);
    CHECK(strstr(r.out, "\n  built for: the test's C compiler\n") != NULL);
    done(&r);
    DgModel untold = dg_model;   /* no target given: no line */
    untold.built_for = NULL;
    r = run(&untold, info);
    CHECK(r.rc == 0 && strstr(r.out, "built for") == NULL);
    done(&r);

    const char *help[] = {"toy", "--help", NULL};
    r = run(&dg_model, help);
    CHECK(r.rc == 0 && !strncmp(r.out, "usage: toy <command> [options]", 30));
    done(&r);
    const char *help2[] = {"toy", "gradcheck", "--steps", "5", "-h", NULL};
    r = run(&dg_model, help2);
    CHECK(r.rc == 0 && !strncmp(r.out, "usage: toy <command> [options]", 30) && !r.err[0]);
    done(&r);

    const char *a0[] = {"toy", NULL};
    expect(&dg_model, a0, 2, "error: missing command (info, simulate, gradcheck, train or eval)\n", NULL);
    const char *a1[] = {"toy", "simulat", NULL};
    expect(&dg_model, a1, 2, "error: unknown command 'simulat' (commands: info, simulate, gradcheck, train, eval)\n",
           "note: did you mean 'simulate'?\n");
    const char *a2[] = {"toy", "simulate", NULL};
    expect(&dg_model, a2, 2, "error: simulate needs forcing: --forcing-csv FILE or --data DIR --basin ID\n", NULL);
    const char *a3[] = {"toy", "simulate", "--prams", "p.csv", NULL};
    expect(&dg_model, a3, 2, "error: unknown option '--prams'\n", "note: did you mean '--params'?");
    const char *a4[] = {"toy", "simulate", "--tol", "1", NULL};
    expect(&dg_model, a4, 2, "error: option --tol does not apply to 'simulate'\n", NULL);
    const char *a5[] = {"toy", "gradcheck", "--steps", NULL};
    expect(&dg_model, a5, 2, "error: option --steps needs a value\n", NULL);
    const char *a6[] = {"toy", "gradcheck", "--steps=0", NULL};
    expect(&dg_model, a6, 2, "error: --steps '0' is not an integer in [1, 100000]\n", NULL);
    const char *a6b[] = {"toy", "simulate", "--components", "99999999999", NULL};
    expect(&dg_model, a6b, 2, "error: --components '99999999999' is not an integer in [1, 256]\n", NULL);
    const char *a6c[] = {"toy", "gradcheck", "--cells", "100001", NULL};
    expect(&dg_model, a6c, 2, "error: --cells '100001' is not an integer in [1, 100000]\n", NULL);
    const char *a7[] = {"toy", "simulate", "--forcing-csv", "f.csv", "--precision", "f16", NULL};
    expect(&dg_model, a7, 2, "error: --precision 'f16': expected f32 or f64\n", NULL);
    const char *a8[] = {"toy", "simulate", "--forcing-csv", "f.csv", "--data", "d", "--basin", "1", NULL};
    expect(&dg_model, a8, 2, "error: give either --forcing-csv or --data/--basin, not both\n", NULL);
    const char *a9[] = {"toy", "simulate", "--data", "d", NULL};
    expect(&dg_model, a9, 2, "error: --data without --basin\n", NULL);
    const char *a10[] = {"toy", "gradcheck", "--map", "P=x", NULL};
    expect(&dg_model, a10, 2, "error: --map applies to forcing read from a file (--forcing-csv or --data)\n", NULL);
    const char *a11[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--forcing-csv", "x", NULL};
    expect(&dg_model, a11, 2, "error: option --forcing-csv is given twice\n", NULL);
    const char *a12[] = {"toy", "info", "extra", NULL};
    expect(&dg_model, a12, 2, "error: unexpected argument 'extra'\n", NULL);
    const char *a13[] = {"toy", "gradcheck", "--cells", "3", NULL};
    expect_u(&dg_model, a13, 2, "error: --cells 3 is not a multiple of the 2 components\n", NULL, 0);
    const char *a14[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--init", "Soil=3", NULL};
    expect_u(&dg_model, a14, 2, "error: --init 'Soil=3': the model has no state 'Soil' (states: S)\n", NULL, 0);
    const char *a15[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--map", "Q=x", NULL};
    expect_u(&dg_model, a15, 2, "error: --map Q=x: the model has no input 'Q' (inputs: P, PET)\n", NULL, 0);

    /* data and I/O errors: 3 */
    char want[2048];
    const char *d1[] = {"toy", "simulate", "--forcing-csv", "/nonexistent/f.csv", NULL};
    expect(&dg_model, d1, 3, "error: cannot open '/nonexistent/f.csv' for reading: No such file or directory\n",
           "note: check the path");
    char *pbad = write_file("bad_params.csv", "name,value\nk,0.3\nbeta,2\n");
    const char *d2[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--params", pbad, NULL};
    snprintf(want, sizeof want, "error: %s:3:1: unknown parameter 'beta' (parameters: k, f, scale, route_a)\n", pbad);
    expect(&dg_model, d2, 3, want, NULL);
    const char *d3[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--out", "/nonexistent/dir/q.csv", NULL};
    expect(&dg_model, d3, 3, "error: cannot write '/nonexistent/dir/q.csv': No such file or directory", NULL);
    const char *d4[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--period", "2001-01-01:2001-03-01", NULL};
    expect(&dg_model, d4, 3, "error: period 2001-01-01:2001-03-01 is not inside the data of", NULL);
    free(pbad);

    /* a parameter outside its bounds: refused, unless asked for (a warning per value, then the run) */
    char *pout = write_file("outside_params.csv", "name,value\nk,1.5\n");
    const char *o1[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--params", pout, NULL};
    snprintf(want, sizeof want, "error: %s:2:3: value 1.5 of 'k' is outside its bounds [0.05, 0.9]\n", pout);
    expect(&dg_model, o1, 3, want, "add --allow-outside-bounds");
    const char *o2[] = {"toy", "simulate", "--forcing-csv", forcing_path, "--params", pout, "--allow-outside-bounds",
                        NULL};
    r = run(&dg_model, o2);
    snprintf(want, sizeof want,
             "warning: %s:2:3: value 1.5 of 'k' is outside its bounds [0.05, 0.9]; used as given "
             "(--allow-outside-bounds)\n", pout);
    CHECK(r.rc == 0 && !strncmp(r.out, "date,Q,ET\n", 10));
    CHECK_STR(r.err, want);
    done(&r);
    const char *o3[] = {"toy", "gradcheck", "--allow-outside-bounds", NULL};
    expect(&dg_model, o3, 2, "error: option --allow-outside-bounds does not apply to 'gradcheck'\n", NULL);
    free(pout);

    /* eval and simulate --checkpoint: the same usage error style as the other commands */
    const char *e1[] = {"toy", "eval", "--checkpont", "ck.bin", NULL};
    expect(&dg_model, e1, 2, "error: unknown option '--checkpont' (eval)\n", "note: did you mean '--checkpoint'?\n");
    const char *e2[] = {"toy", "simulate", "--checkpoint", "ck.bin", "--perod", "2000-01-01:2000-12-31", NULL};
    expect(&dg_model, e2, 2, "error: unknown option '--perod' (simulate with --checkpoint)\n",
           "note: did you mean '--period'?\n");

    /* a model built for another ABI */
    DgModel old = dg_model;
    old.abi_version = 99;
    snprintf(want, sizeof want, "error: model 'toy' was compiled for ABI version 99; this runtime has version %u\n",
             DG_ABI_VERSION);
    expect(&old, info, 1, want, NULL);
}

int main(void) {
    make_inputs();
    test_simulate();
    test_gradcheck();
    test_info_and_errors();
    test_eval_ranges();
    free(forcing_path);
    free(params_path);
    free(netw_path);
    return check_report("test_cli");
}
