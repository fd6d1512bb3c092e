/* test_dataset_csv.c — basins from CSV files instead of CAMELS (dataset.c:
 * forcing_csv, obs_column, attributes_csv) and direct calibration (train.c:
 * a model without a parameter network), on files written here:
 *   load       forcing by column name and by map, observations with missing
 *              cells (empty, NA, NaN, -999), cropping, attributes from a ','
 *              and a ';' table (ids with lost leading zeros, NA)
 *   errors     every damaged file or setting names file:line:col (or the
 *              file) with a hint
 *   calibrate  the toy model (toy_model.c, no network) simulated with known
 *              parameters; `train` calibrates them from the defaults through
 *              the command line; eval's NSE, the recovered k in
 *              simulate --checkpoint's params.csv; other basins are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"
#include "train.h"

extern const DgModel dg_model; /* toy_model.c: inputs P, PET; k, f, route_a trained; no network */

static char tmp_dir[512];

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void tmp_path(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/%s", tmp_dir, name);
}

static const char *const attrs[2] = {"p_mean", "aridity"};
static const int32_t no_forcings[1] = {0};

/* the toy with an MLP from two attributes (the loader reads what learn names) */
static DgModel toy_attrs(void) {
    DgModel m = dg_model;
    m.learn = (DgLearnInfo){DG_LEARN_MLP, 8, 1, 0.0, 0, no_forcings, 2, attrs};
    return m;
}

static int load(DgDataset *d, const DgModel *m, const char *pattern, const char *obs, const char *attr_csv,
                const char *ids_text, const char *map, DgrtErr *err) {
    char **ids;
    int n;
    CHECK(dgrt_basins_parse(ids_text, &ids, &n, err) == 0);
    DgMap maps[1] = {{"P", map}};
    DgDataSource src = {NULL, pattern, obs, attr_csv, maps, map ? 1 : 0, NULL, NULL, 0};
    int32_t first, last;
    dgrt_parse_date("2000-01-02", &first);
    dgrt_parse_date("2000-01-05", &last);
    int rc = dgrt_dataset_load_source(d, m, &src, ids, n, first, last, err);
    for (int i = 0; i < n; i++) free(ids[i]);
    free(ids);
    return rc;
}

static void expect_error(const DgModel *m, const char *pattern, const char *obs, const char *attr_csv,
                         const char *ids, const char *map, const char *want, const char *hint) {
    DgDataset d;
    DgrtErr err = {0};
    int rc = load(&d, m, pattern, obs, attr_csv, ids, map, &err);
    CHECK(rc != 0);
    if (!strstr(err.msg, want)) {
        fprintf(stderr, "expected '%s' in: %s\n", want, err.msg);
        CHECK(0);
    }
    if (hint && !strstr(err.hint, hint)) {
        fprintf(stderr, "expected hint '%s' in: %s\n", hint, err.hint);
        CHECK(0);
    }
    if (rc == 0) dgrt_dataset_free(&d);
}

static void test_load(void) {
    char pattern[1100], path[1100], attr[1100], attr2[1100], want[1300];
    tmp_path(pattern, sizeof pattern, "{basin}.csv");
    tmp_path(path, sizeof path, "01031500.csv");
    write_file(path, "date,precip,PET,q_obs,other\n"
                     "2000-01-01,1.5,0.5,0.25,x\n"
                     "2000-01-02,2,0.75,,x\n"
                     "2000-01-03,0,1,NA,x\n"
                     "2000-01-04,4,1.25,-999,x\n"
                     "2000-01-05,3,1.5,1.75,x\n"
                     "2000-01-06,3,1.5,2,x\n");
    tmp_path(path, sizeof path, "b2.csv");
    write_file(path, "date,P,PET,flow\n2000-01-02,7,2,NaN\n2000-01-03,8,2,3.5\n");
    tmp_path(attr, sizeof attr, "attrs.csv");
    write_file(attr, "basin,aridity,p_mean,name\n1031500,0.5,3.25,Piscataquis\nb2,NA,4,x\n");
    tmp_path(attr2, sizeof attr2, "attrs_semicolon.txt");
    write_file(attr2, "gauge_id;p_mean;aridity\n01031500;1;2\nb2;3;4\n");
    DgModel m = toy_attrs();
    DgDataset d;
    DgrtErr err = {0};
    /* the toy's input P from column precip (map), PET by name; days 2000-01-02..05 kept */
    CHECK(load(&d, &m, pattern, NULL, attr, "01031500", "precip", &err) == 0);
    if (err.code) dgrt_err_print(&err, stderr);
    if (d.nbasins == 1) {
        const DgBasin *b = &d.basins[0];
        char day[16];
        CHECK(b->ndays == 4 && !strcmp(dgrt_format_date(b->day0, day), "2000-01-02"));
        CHECK(b->forcing[0] == 2 && b->forcing[1] == 0.75 && b->forcing[6] == 3 && b->forcing[7] == 1.5);
        CHECK(isnan(b->obs[0]) && isnan(b->obs[1]) && isnan(b->obs[2]) && b->obs[3] == 1.75);
        CHECK(b->bench == NULL && b->attr[0] == 3.25 && b->attr[1] == 0.5);
        CHECK(strstr(b->obs_path, "01031500.csv") != NULL);
        dgrt_dataset_free(&d);
    }
    /* two basins, another observation column, a ';' table keyed by gauge_id */
    CHECK(load(&d, &m, pattern, "flow", attr2, "b2", NULL, &err) == 0);
    if (d.nbasins == 1) {
        const DgBasin *b = &d.basins[0];
        CHECK(b->ndays == 2 && isnan(b->obs[0]) && b->obs[1] == 3.5 && b->attr[0] == 3 && b->attr[1] == 4);
        dgrt_dataset_free(&d);
    }
    CHECK(load(&d, &m, pattern, NULL, attr, "b2", NULL, &err) != 0); /* b2.csv has no q_obs */
    CHECK(load(&d, &m, pattern, "flow", attr, "b2", NULL, &err) == 0);
    if (d.nbasins == 1) {
        CHECK(isnan(d.basins[0].attr[1]) && d.basins[0].attr[0] == 4); /* NA = missing */
        dgrt_dataset_free(&d);
    }

    /* errors: file:line:col and a hint */
    tmp_path(path, sizeof path, "b2.csv");
    snprintf(want, sizeof want, "%s:1:1: no column 'q_obs'", path);
    expect_error(&m, pattern, NULL, attr, "b2", NULL, want, "obs_column = COLUMN");
    tmp_path(path, sizeof path, "01031500.csv");
    snprintf(want, sizeof want, "%s:1:1: no column 'P'", path);
    expect_error(&m, pattern, NULL, attr, "01031500", NULL, want, "--map P=COLUMN");
    snprintf(want, sizeof want, "%s:2:25: column 'other': 'x' is not a number", path);
    expect_error(&m, pattern, "other", attr, "01031500", "precip", want, "empty cell, NA, NaN or -999");
    tmp_path(path, sizeof path, "bad.csv");
    write_file(path, "date,P,PET,q_obs\n2000-01-01,1,1,0.5\n2000-01-02,1,1,inf\n");
    snprintf(want, sizeof want, "%s:3:16: column 'q_obs': 'inf' is not finite", path);
    expect_error(&m, pattern, NULL, attr, "bad", NULL, want, NULL);
    write_file(path, "date,P,PET,q_obs\n2000-01-01,1,1,0.5\n2000-01-02,1,1,1e300\n");
    snprintf(want, sizeof want, "%s:3:16: column 'q_obs': 1e300 is more than 1e6, not a plausible observation", path);
    expect_error(&m, pattern, NULL, attr, "bad", NULL, want, "at most 1e6");
    write_file(path, "date,P,PET,q_obs\n2000-01-01,-999,1,0.5\n2000-01-02,1,1,1\n");
    snprintf(want, sizeof want, "%s:2:12: column 'P': '-999' is a missing-value marker", path);
    expect_error(&m, pattern, NULL, attr, "bad", NULL, want, "fill the gap");
    expect_error(&m, pattern, NULL, attr, "nobasin", NULL, "nobasin.csv' for reading", NULL);
    tmp_path(path, sizeof path, "01031500.csv");
    expect_error(&m, path, NULL, attr, "01031500,b2", NULL, "names one file for 2 basins", "{basin}");
    expect_error(&m, pattern, "flow", NULL, "b2", NULL,
                 "model 'toy' reads 2 attributes, but there is no attribute table", "attributes_csv = FILE");
    /* attribute tables */
    tmp_path(path, sizeof path, "a1.csv");
    write_file(path, "id,p_mean,aridity\nb2,1,2\n");
    snprintf(want, sizeof want, "%s:1:1: no column 'basin'", path);
    expect_error(&m, pattern, "flow", path, "b2", NULL, want, "'basin' (or 'gauge_id') column");
    write_file(path, "basin,p_means,aridity\nb2,1,2\n");
    snprintf(want, sizeof want, "%s:1:1: no column 'p_mean'", path);
    expect_error(&m, pattern, "flow", path, "b2", NULL, want, "did you mean 'p_means'?");
    write_file(path, "basin,p_mean,aridity\nb3,1,2\n");
    snprintf(want, sizeof want, "%s: basin 'b2' is not in the table", path);
    expect_error(&m, pattern, "flow", path, "b2", NULL, want, NULL);
    write_file(path, "basin,p_mean,aridity\nb2,1,2\n\nb2,3,4\n");
    snprintf(want, sizeof want, "%s:4:1: basin 'b2' is listed twice (also on line 2)", path);
    expect_error(&m, pattern, "flow", path, "b2", NULL, want, NULL);
    write_file(path, "basin,p_mean,aridity\nb2,1,dry\n");
    snprintf(want, sizeof want, "%s:2:6: column 'aridity': 'dry' is not a number", path);
    expect_error(&m, pattern, "flow", path, "b2", NULL, want, "write a missing one as NA");
}

// ---- Direct calibration through the command line -------------------------------------------------

static int run_cli(const DgModel *m, const char *line, char *outbuf, size_t outsize, char *errbuf,
                   size_t errsize) {
    char copy[4096], *argv[64];
    snprintf(copy, sizeof copy, "%s", line);
    int argc = 0;
    for (char *t = strtok(copy, " "); t && argc < 63; t = strtok(NULL, " ")) argv[argc++] = t;
    argv[argc] = NULL;
    FILE *o = fmemopen(outbuf, outsize, "w"), *e = fmemopen(errbuf, errsize, "w");
    int rc = dgrt_main_io(m, argc, argv, o, e);
    fclose(o);
    fclose(e);
    return rc;
}

/* value of column `name` in the first data row of a CSV */
static double csv_value(const char *path, const char *name) {
    DgCsv c;
    DgrtErr err = {0};
    double v = NAN;
    if (dgrt_csv_read(&c, path, NULL, &err)) return v;
    int col = dgrt_csv_find(&c, name);
    if (col >= 0 && c.nrows > 0) dgrt_csv_number(&c, 0, col, &v, &err);
    dgrt_csv_free(&c);
    return v;
}

static void test_calibrate(void) {
    static char out[65536], errb[65536];
    const DgModel *m = &dg_model;
    char forcing[1100], params[1100], q[1100], basin[1100], line[4096], ck[1100], preds[1100], pcsv[1200];
    tmp_path(forcing, sizeof forcing, "cal_forcing.csv");
    tmp_path(params, sizeof params, "cal_true.csv");
    tmp_path(q, sizeof q, "cal_q.csv");
    tmp_path(basin, sizeof basin, "cal1.csv");
    tmp_path(ck, sizeof ck, "cal.bin");
    tmp_path(preds, sizeof preds, "cal_preds");
    /* 3 years of forcing: rain every third day, seasonal PET */
    FILE *f = fopen(forcing, "w");
    int32_t day0;
    dgrt_parse_date("2000-01-01", &day0);
    const int ndays = 1096;
    fprintf(f, "date,P,PET\n");
    for (int t = 0; t < ndays; t++) {
        char d[16];
        double P = t % 3 == 0 ? 6.0 + 5.0 * sin(0.37 * t) : 0.0, PET = 2.0 + 1.5 * sin(2 * M_PI * t / 365.25);
        fprintf(f, "%s,%.6f,%.6f\n", dgrt_format_date(day0 + t, d), P, PET);
    }
    fclose(f);
    /* the true parameters (defaults: k 0.2, f 0.5, route_a 0.5) */
    write_file(params, "name,value\nk,0.45\nf,0.8\nroute_a,1.2\n");
    snprintf(line, sizeof line, "toy simulate --forcing-csv %s --params %s --out %s", forcing, params, q);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == 0);
    /* the basin file: forcing and the simulated Q as observations */
    FILE *fi = fopen(forcing, "r"), *fq = fopen(q, "r"), *fo = fopen(basin, "w");
    char a[256], b[256];
    int rows = 0;
    while (fi && fq && fgets(a, sizeof a, fi) && fgets(b, sizeof b, fq)) {
        a[strcspn(a, "\n")] = 0;
        char *qv = strchr(b, ','), *end;
        if (!qv) break;
        end = strchr(qv + 1, ',');
        if (end) *end = 0;
        fprintf(fo, "%s,%s\n", a, rows == 0 ? "q_obs" : qv + 1);
        rows++;
    }
    if (fi) fclose(fi);
    if (fq) fclose(fq);
    fclose(fo);
    CHECK(rows == ndays + 1);
    /* calibrate from the defaults, Adam, whole-window batches */
    char pattern[1100];
    tmp_path(pattern, sizeof pattern, "{basin}.csv");
    snprintf(
        line, sizeof line,
        "toy train --forcing-csv %s --basins cal1 --train 2000-01-01:2001-12-31 --test 2002-01-01:2002-12-31 "
        "--batch 4 --rho 200 --warmup 60 --optimizer adam --lr 0.1 --epochs 15 --iters-per-epoch 10 "
        "--seed 5 --threads 1 --checkpoint %s",
        pattern, ck);
    int rc = run_cli(m, line, out, sizeof out, errb, sizeof errb);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "%s%s", out, errb);
    CHECK(strstr(out, "direct calibration per basin") != NULL);
    char metrics[1100];
    tmp_path(metrics, sizeof metrics, "cal_metrics.csv");
    snprintf(line, sizeof line, "toy eval --checkpoint %s --out %s", ck, metrics);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == 0);
    double nse = csv_value(metrics, "nse");
    snprintf(line, sizeof line, "toy simulate --checkpoint %s --out %s", ck, preds);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == 0);
    snprintf(pcsv, sizeof pcsv, "%s/params.csv", preds);
    double k = csv_value(pcsv, "k");
    printf("calibration: test NSE %.4f, k %.4f (true 0.45, start 0.2)\n", nse, k);
    CHECK(nse > 0.99);
    CHECK(fabs(k - 0.45) < 0.02);
    /* a basin the checkpoint did not calibrate (the same file under another id) */
    char other[1100];
    tmp_path(other, sizeof other, "cal2.csv");
    FILE *src = fopen(basin, "r"), *dst = fopen(other, "w");
    for (int ch; src && dst && (ch = fgetc(src)) != EOF;) fputc(ch, dst);
    if (src) fclose(src);
    if (dst) fclose(dst);
    snprintf(line, sizeof line, "toy eval --checkpoint %s --basins cal2", ck);
    CHECK(run_cli(m, line, out, sizeof out, errb, sizeof errb) == DGRT_EXIT_DATA);
    CHECK(strstr(errb, "basin 'cal2' was not calibrated in this checkpoint") != NULL);
    CHECK(strstr(errb, "the run calibrated: cal1)") != NULL);   /* the training run's basins, not --basins */
}

int main(void) {
    snprintf(tmp_dir, sizeof tmp_dir, "%s", DG_RT_TMP_DIR);
    mkdir(tmp_dir, 0777);
    test_load();
    test_calibrate();
    return check_report("test_dataset_csv");
}
