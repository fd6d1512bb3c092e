/* test_netcdf.c — the NetCDF reader and writer of the runtime
 * (netcdf_read.c, netcdf_write.c) on files written here with libnetcdf:
 *   table     a time axis named `time` in hours since a date, a float
 *             variable with its own _FillValue, a packed short
 *             (scale_factor, add_offset, missing_value), variables that are
 *             not series (2-D, text, scalar) left out; lazy cell text
 *   errors    calendar, units, a time that is not midnight, days out of
 *             order, no time axis, a text file, a missing file, a missing
 *             variable, a missing value read as a number: each names the
 *             file (and variable)
 *   sizes     files that declare more than they hold (a sparse netCDF-4
 *             axis, a damaged netCDF-3 record count or attribute length, a
 *             header cut short, a thousand unwritten variables), a
 *             variable of an unknown type and a name too long refused
 *             before libnetcdf or the reader allocates for them
 *   forcing   the toy model's forcing from FILE.nc equals that from the
 *             same numbers in a CSV
 *   layout    Caravan's timeseries/netcdf found by dgrt_data_layout and
 *             dgrt_caravan_path; the CSV preferred when both are there
 *   write     dgrt_ncout_*: nothing at the path before the commit, the
 *             values (NaN as _FillValue) after it; a variable named like a
 *             coordinate renamed; a failed write leaves the previous file
 * Exit 77 (skipped) in a build without NetCDF. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dataset.h"
#include "netcdf_io.h"

#ifndef DG_HAVE_NETCDF
int main(void) {
    printf("test_netcdf: runtime built without NetCDF, skipped\n");
    return 77;
}
#else

#include <netcdf.h>
#include "check.h"

extern const DgModel dg_model; /* toy_model.c: inputs P, PET */

static char tmp_dir[512];

static const char *tmp_path(const char *name) {
    static char buf[4][1100];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_dir, name);
    return buf[k];
}

#define NC(call) CHECK((call) == NC_NOERR)

static void put_text(int nc, int v, const char *name, const char *text) {
    NC(nc_put_att_text(nc, v, name, strlen(text), text));
}

/* A file with dimension `dim` of n steps: coordinate `dim` (double values
 * `t`, units, calendar or NULL) and float variables P and PET. */
static void write_series(const char *path, const char *dim, const char *units, const char *calendar,
                         const double *t, const float *p, const float *pet, size_t n) {
    int nc, d, vt, vp, ve;
    NC(nc_create(path, NC_CLOBBER | NC_NETCDF4, &nc));
    NC(nc_def_dim(nc, dim, n, &d));
    NC(nc_def_var(nc, dim, NC_DOUBLE, 1, &d, &vt));
    if (units) put_text(nc, vt, "units", units);
    if (calendar) put_text(nc, vt, "calendar", calendar);
    NC(nc_def_var(nc, "P", NC_FLOAT, 1, &d, &vp));
    NC(nc_def_var(nc, "PET", NC_FLOAT, 1, &d, &ve));
    NC(nc_enddef(nc));
    NC(nc_put_var_double(nc, vt, t));
    NC(nc_put_var_float(nc, vp, p));
    NC(nc_put_var_float(nc, ve, pet));
    NC(nc_close(nc));
}

static void expect_table_error(const char *path, const char *want) {
    DgCsv t;
    DgrtErr err = {0};
    CHECK(dgrt_table_read(&t, path, &err) == DGRT_EXIT_DATA);
    if (!strstr(err.msg, want) || !strstr(err.msg, path)) {
        fprintf(stderr, "expected '%s' and the path in: %s\n", want, err.msg);
        CHECK(0);
    }
}

static void expect_table_ok(const char *path) {
    DgCsv t;
    DgrtErr err = {0};
    int rc = dgrt_table_read(&t, path, &err);
    if (rc) fprintf(stderr, "expected %s to read: %s\n", path, err.msg);
    CHECK(rc == 0);
    if (!rc) dgrt_csv_free(&t);
}

// ---- table ----------------------------------------------------------------------------------

static void test_table(void) {
    const char *path = tmp_path("table.nc");
    int nc, d, d2, vt, vp, vq, vm, vs, vx;
    NC(nc_create(path, NC_CLOBBER | NC_NETCDF4, &nc));
    NC(nc_def_dim(nc, "time", 4, &d));
    NC(nc_def_dim(nc, "len", 3, &d2));
    NC(nc_def_var(nc, "time", NC_DOUBLE, 1, &d, &vt));
    put_text(nc, vt, "units", "hours since 2000-01-01T00:00:00Z");
    put_text(nc, vt, "calendar", "standard");
    NC(nc_def_var(nc, "P", NC_FLOAT, 1, &d, &vp));
    float pfill = -1;
    NC(nc_def_var_fill(nc, vp, 0, &pfill));
    NC(nc_def_var(nc, "Q", NC_SHORT, 1, &d, &vq));
    double scale = 0.01, offset = 1;
    short qmiss = -32767;
    NC(nc_put_att_double(nc, vq, "scale_factor", NC_DOUBLE, 1, &scale));
    NC(nc_put_att_double(nc, vq, "add_offset", NC_DOUBLE, 1, &offset));
    NC(nc_put_att_short(nc, vq, "missing_value", NC_SHORT, 1, &qmiss));
    int dims2[2] = {d, d2};
    NC(nc_def_var(nc, "matrix", NC_DOUBLE, 2, dims2, &vm)); /* not a series: left out */
    NC(nc_def_var(nc, "station", NC_CHAR, 1, &d2, &vs));    /* text: left out */
    NC(nc_def_var(nc, "area", NC_DOUBLE, 0, NULL, &vx));    /* scalar: left out */
    NC(nc_enddef(nc));
    double t[4] = {0, 24, 48, 72};
    float p[4] = {1.5f, 0, -1, 2.25f};
    short q[4] = {100, -32767, 0, -50};
    NC(nc_put_var_double(nc, vt, t));
    NC(nc_put_var_float(nc, vp, p));
    NC(nc_put_var_short(nc, vq, q));
    NC(nc_close(nc));

    DgCsv tb;
    DgrtErr err = {0};
    CHECK(dgrt_table_read(&tb, path, &err) == 0);
    CHECK(tb.ncols == 3 && tb.nrows == 4);
    if (tb.ncols != 3 || tb.nrows != 4) return;
    CHECK_STR(tb.names[0], "date");
    CHECK_STR(tb.names[1], "P");
    CHECK_STR(tb.names[2], "Q");
    CHECK_STR(dgrt_csv_cell(&tb, 0, 0), "2000-01-01");
    CHECK_STR(dgrt_csv_cell(&tb, 3, 0), "2000-01-04");
    int32_t day, d0;
    dgrt_parse_date("2000-01-02", &d0);
    CHECK(dgrt_csv_date(&tb, 1, 0, &day, &err) == 0 && day == d0);
    double v = 0;
    CHECK(dgrt_csv_number(&tb, 0, 1, &v, &err) == 0 && v == 1.5);
    CHECK(dgrt_csv_number(&tb, 1, 1, &v, &err) == 0 && v == 0);
    CHECK(isnan(tb.values[1][2])); /* its _FillValue */
    CHECK(tb.values[2][0] == 100 * 0.01 + 1 && isnan(tb.values[2][1]) && tb.values[2][3] == -50 * 0.01 + 1);
    /* text of a column of numbers, made when first asked for: missing = empty */
    CHECK(tb.coltext[1] == NULL);
    CHECK_STR(dgrt_csv_cell(&tb, 0, 1), "1.5");
    CHECK_STR(dgrt_csv_cell(&tb, 2, 1), "");
    CHECK_STR(dgrt_csv_cell(&tb, 3, 1), "2.25");
    CHECK_STR(dgrt_csv_cell(&tb, 0, 2), "2");
    /* a missing value read as a number: the file, the date and the variable */
    CHECK(dgrt_csv_number(&tb, 2, 1, &v, &err) == DGRT_EXIT_DATA);
    char want[1300];
    snprintf(want, sizeof want, "%s (date 2000-01-03): variable 'P': missing value (_FillValue or NaN)",
             path);
    CHECK_STR(err.msg, want);
    CHECK(dgrt_csv_column(&tb, "prcp", &err) < 0);
    snprintf(want, sizeof want, "%s: no variable 'prcp' (the file has: date, P, Q)", path);
    CHECK_STR(err.msg, want);
    dgrt_csv_free(&tb);
}

// ---- errors ---------------------------------------------------------------------------------

static void test_errors(void) {
    double t[3] = {0, 1, 2}, half[3] = {0, 12, 24};
    float p[3] = {1, 2, 3};
    const char *path = tmp_path("bad.nc");
    write_series(path, "date", "days since 2000-01-01", "noleap", t, p, p, 3);
    expect_table_error(path, "variable 'date': calendar 'noleap'");
    write_series(path, "date", "days after 2000-01-01", NULL, t, p, p, 3);
    expect_table_error(path, "variable 'date': units 'days after 2000-01-01' are not a time since a date");
    write_series(path, "date", NULL, NULL, t, p, p, 3);
    expect_table_error(path, "variable 'date' has no units attribute");
    write_series(path, "date", "hours since 2000-01-01 00:00:00", NULL, half, p, p, 3);
    expect_table_error(path,
                       "variable 'date' value 1 (12 hours since 2000-01-01 00:00:00) is not a whole day");
    write_series(path, "step", "days since 2000-01-01", NULL, t, p, p, 3);
    expect_table_error(path, "no dimension 'date' or 'time' (the file has: step)");
    double back[3] = {0, 2, 1};
    write_series(path, "date", "days since 2000-01-01", NULL, back, p, p, 3);
    expect_table_error(path, "variable 'date' value 2 (2000-01-02) is not after value 1 (2000-01-03)");
    FILE *f = fopen(path, "w");
    fputs("date,P\n2000-01-01,1\n", f);
    fclose(f);
    expect_table_error(path, "cannot read it");
    expect_table_error(tmp_path("absent.nc"), "cannot open");
}

/* Files that declare far more than they hold are refused before their
 * values are read (each of these once took gigabytes and minutes). */
static void test_declared_sizes(void) {
    /* netCDF-4, chunked: 400 M days declared, 3 written, in a few kB */
    const char *path = tmp_path("sparse.nc");
    int nc, d, vt, vp;
    size_t chunk = 1024, start = 0, three = 3;
    double t[3] = {0, 1, 2};
    NC(nc_create(path, NC_CLOBBER | NC_NETCDF4, &nc));
    NC(nc_def_dim(nc, "date", 400000000, &d));
    NC(nc_def_var(nc, "date", NC_DOUBLE, 1, &d, &vt));
    put_text(nc, vt, "units", "days since 1951-01-01");
    NC(nc_def_var(nc, "P", NC_DOUBLE, 1, &d, &vp));
    NC(nc_def_var_chunking(nc, vt, NC_CHUNKED, &chunk));
    NC(nc_def_var_chunking(nc, vp, NC_CHUNKED, &chunk));
    NC(nc_enddef(nc));
    NC(nc_put_vara_double(nc, vt, &start, &three, t));
    NC(nc_close(nc));
    expect_table_error(path, "dimension 'date' has 400000000 values, more than the 3652059 days of years 1 to 9999");

    /* netCDF-3 with a record count past the file's end (read as zeros) */
    path = tmp_path("records.nc");
    NC(nc_create(path, NC_CLOBBER, &nc));
    NC(nc_def_dim(nc, "date", NC_UNLIMITED, &d));
    NC(nc_def_var(nc, "date", NC_DOUBLE, 1, &d, &vt));
    put_text(nc, vt, "units", "days since 2000-01-01");
    NC(nc_def_var(nc, "P", NC_DOUBLE, 1, &d, &vp));
    NC(nc_enddef(nc));
    double day = 5;
    for (size_t i = 0; i < 3; i++, day++) NC(nc_put_var1_double(nc, vt, &i, &day));
    NC(nc_close(nc));
    FILE *f = fopen(path, "r+b");
    CHECK(f && fseek(f, 4, SEEK_SET) == 0 && fputc(0, f) == 0 && fputc(1, f) == 1 && fputc(0, f) == 0 &&
          fputc(0, f) == 0 && fclose(f) == 0); /* numrecs 65536, big-endian, at byte 4 */
    expect_table_error(path, "variable 'date' value 3 (2000-01-01) is not after value 2 (2000-01-08)");

    /* netCDF-3 whose units attribute claims 2^31 - 1 characters (libnetcdf
     * would allocate them before it looks at the file's size), and the same
     * file cut inside its header */
    path = tmp_path("header.nc");
    NC(nc_create(path, NC_CLOBBER, &nc));
    NC(nc_def_dim(nc, "date", 3, &d));
    NC(nc_def_var(nc, "date", NC_DOUBLE, 1, &d, &vt));
    put_text(nc, vt, "units", "days since 2000-01-01");
    NC(nc_enddef(nc));
    NC(nc_put_var_double(nc, vt, t));
    NC(nc_close(nc));
    expect_table_ok(path);
    f = fopen(path, "r+b");
    char head[512];
    size_t got = f ? fread(head, 1, sizeof head, f) : 0, at = 0;
    while (at + 8 <= got && memcmp(head + at, "units\0\0\0", 8)) at++;
    CHECK(at + 8 <= got);
    if (at + 8 <= got) { /* the name, padded to 8; nc_type (4 bytes); the number of characters */
        CHECK(fseek(f, (long)at + 12, SEEK_SET) == 0);
        CHECK(fwrite("\x7f\xff\xff\xff", 1, 4, f) == 4);
    }
    CHECK(f && fclose(f) == 0);
    expect_table_error(path, "damaged netCDF-3 header: 2147483647 values of an attribute, more than the");
    /* the attribute mended, the variable's type (double, 6, before its
     * size, 3 x 8 bytes) made 12: libnetcdf 4.9 divides by the size of the
     * type (SIGFPE) */
    f = fopen(path, "r+b");
    CHECK(f && fseek(f, (long)at + 12, SEEK_SET) == 0 && fwrite("\0\0\0\x15", 1, 4, f) == 4);
    for (at = 0; at + 8 <= got && memcmp(head + at, "\0\0\0\x06\0\0\0\x18", 8); at++) continue;
    CHECK(at + 8 <= got);
    if (at + 8 <= got) CHECK(fseek(f, (long)at + 3, SEEK_SET) == 0 && fputc(12, f) == 12);
    CHECK(f && fclose(f) == 0);
    expect_table_error(path, "damaged netCDF-3 header: a variable has type 12, which the format does not have");
    /* the dimension's name (its length at byte 16) 300 characters long:
     * libnetcdf copied it into callers' buffers of NC_MAX_NAME + 1 */
    f = fopen(path, "r+b");
    CHECK(f && fseek(f, 16, SEEK_SET) == 0 && fwrite("\0\0\x01\x2c", 1, 4, f) == 4 && fclose(f) == 0);
    expect_table_error(path, "damaged netCDF-3 header: a name of 300 characters (netCDF names have at most 256)");
    f = fopen(path, "r+b");
    CHECK(f && fseek(f, 16, SEEK_SET) == 0 && fwrite("\0\0\0\x04", 1, 4, f) == 4 && fclose(f) == 0);
    CHECK(truncate(path, 40) == 0);
    expect_table_error(path, "damaged netCDF-3 header: the file ends inside it");

    /* a valid axis of 140,000 days and 1,000 unwritten variables: 1.4e8 values */
    path = tmp_path("wide.nc");
    NC(nc_create(path, NC_CLOBBER | NC_NETCDF4, &nc));
    NC(nc_def_dim(nc, "date", 140000, &d));
    NC(nc_def_var(nc, "date", NC_INT, 1, &d, &vt));
    put_text(nc, vt, "units", "days since 1951-01-01");
    for (int k = 0; k < 1000; k++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", k);
        NC(nc_def_var(nc, name, NC_FLOAT, 1, &d, &vp));
        NC(nc_def_var_chunking(nc, vp, NC_CHUNKED, &chunk));
    }
    NC(nc_enddef(nc));
    int *days = malloc(sizeof(int) * 140000);
    for (int i = 0; i < 140000; i++) days[i] = i;
    NC(nc_put_var_int(nc, vt, days));
    free(days);
    NC(nc_close(nc));
    expect_table_error(path, "1000 variables of 140000 days are more than the 134217728 values a table holds");
}

// ---- forcing ---------------------------------------------------------------------------------

static void test_forcing(void) {
    double t[4] = {10957, 10958, 10959, 10960}; /* 2000-01-01.. in days since 1970-01-01 */
    float p[4] = {0.5f, 12.25f, 0, 3}, pet[4] = {1, 1.5f, 2, 0.25f};
    const char *nc = tmp_path("forcing.nc"), *csv = tmp_path("forcing.csv");
    write_series(nc, "date", "days since 1970-01-01", "proleptic_gregorian", t, p, pet, 4);
    FILE *f = fopen(csv, "w");
    fputs("date,P,PET\n2000-01-01,0.5,1\n2000-01-02,12.25,1.5\n2000-01-03,0,2\n2000-01-04,3,0.25\n", f);
    fclose(f);
    DgForcing a, b;
    DgrtErr err = {0};
    DgForcingSpec spec = {0};
    spec.csv_path = nc;
    CHECK(dgrt_forcing_load(&a, dg_model.inputs, dg_model.ninputs, &spec, &err) == 0);
    spec.csv_path = csv;
    CHECK(dgrt_forcing_load(&b, dg_model.inputs, dg_model.ninputs, &spec, &err) == 0);
    CHECK(a.nsteps == 4 && b.nsteps == 4 && a.dates[0] == b.dates[0]);
    CHECK(memcmp(a.values, b.values, sizeof(double) * 4 * (size_t)dg_model.ninputs) == 0);
    dgrt_forcing_free(&a);
    dgrt_forcing_free(&b);
    /* a value out of range names the file, the date and the variable */
    p[2] = 3000;
    write_series(nc, "date", "days since 1970-01-01", NULL, t, p, pet, 4);
    spec.csv_path = nc;
    CHECK(dgrt_forcing_load(&a, dg_model.inputs, dg_model.ninputs, &spec, &err) == DGRT_EXIT_DATA);
    char want[1300];
    snprintf(want, sizeof want, "%s (date 2000-01-03): column 'P': 3000 is outside [0, 2000] mm/d", nc);
    if (!strstr(err.msg, want)) fprintf(stderr, "got: %s\n", err.msg);
    CHECK(strstr(err.msg, want) != NULL);
}

// ---- layout ----------------------------------------------------------------------------------

static void test_layout(void) {
    double t[2] = {0, 1};
    float p[2] = {1, 2};
    const char *dir = tmp_path("caravan");
    char sub[1200], file[1300], found[1300];
    snprintf(sub, sizeof sub, "rm -rf '%s'", dir); /* a fresh folder: the test adds the CSV layout later */
    CHECK(system(sub) == 0);
    snprintf(sub, sizeof sub, "%s/timeseries", dir);
    mkdir(dir, 0777);
    mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/timeseries/netcdf", dir);
    mkdir(sub, 0777);
    CHECK(dgrt_data_layout(dir) == DG_LAYOUT_CARAVAN);
    snprintf(sub, sizeof sub, "%s/timeseries/netcdf/camels", dir);
    mkdir(sub, 0777);
    snprintf(file, sizeof file, "%s/camels_01022500.nc", sub);
    write_series(file, "date", "days since 2000-01-01", NULL, t, p, p, 2);
    CHECK(dgrt_caravan_path(found, sizeof found, dir, "01022500") && !strcmp(found, file));
    CHECK(dgrt_caravan_path(found, sizeof found, dir, "camels_01022500") && !strcmp(found, file));
    CHECK(!dgrt_caravan_path(found, sizeof found, dir, "01031500"));
    CHECK(strstr(found, "/timeseries/netcdf/SOURCE/SOURCE_01031500.nc") != NULL);
    /* the CSV too: the CSV */
    snprintf(sub, sizeof sub, "%s/timeseries/csv", dir);
    mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/timeseries/csv/camels", dir);
    mkdir(sub, 0777);
    snprintf(file, sizeof file, "%s/camels_01022500.csv", sub);
    FILE *f = fopen(file, "w");
    fputs("date,P\n2000-01-01,1\n", f);
    fclose(f);
    CHECK(dgrt_caravan_path(found, sizeof found, dir, "01022500") && !strcmp(found, file));
}

// ---- write -----------------------------------------------------------------------------------

static void test_write(void) {
    const char *path = tmp_path("out.nc");
    remove(path);
    const char *ids[2] = {"01022500", "camels_x"};
    double lat[2] = {44.5, NAN}, lon[2] = {-68.0, NAN};
    int32_t day0;
    dgrt_parse_date("2001-02-03", &day0);
    DgNcLayout l = {2, ids, lat, lon, day0, 3, 2, "a title", "a source"};
    DgrtErr err = {0};
    DgNcOut *o = dgrt_ncout_create(path, &l, &err);
    CHECK(o != NULL);
    if (!o) return;
    int q = dgrt_ncout_var(o, "q", DG_NC_SERIES, 0, "mm/d", "observed q", &err);
    int beta = dgrt_ncout_var(o, "beta", DG_NC_COMP_SERIES, 1, "-", "beta", &err);
    int fc = dgrt_ncout_var(o, "fc", DG_NC_COMP, 0, "mm", "fc", &err);
    int lat_data = dgrt_ncout_var(o, "lat", DG_NC_SERIES, 0, "", "a model output named lat", &err);
    CHECK(q == 0 && beta == 1 && fc == 2 && lat_data == 3);
    for (int b = 0; b < 2; b++) {
        double qv[3] = {1.25 + b, NAN, 3}, bv[6] = {1, 2, 3, 4, 5, 6 + b}, fv[2] = {100 + b, 200};
        CHECK(dgrt_ncout_put(o, q, b, qv, &err) == 0);
        CHECK(dgrt_ncout_put(o, beta, b, bv, &err) == 0);
        CHECK(dgrt_ncout_put(o, fc, b, fv, &err) == 0);
        CHECK(dgrt_ncout_put(o, lat_data, b, qv, &err) == 0);
    }
    struct stat st;
    CHECK(stat(path, &st) != 0); /* nothing at the path before the commit */
    CHECK(dgrt_ncout_commit(o, 0, &err) == 0);
    int nc, v;
    NC(nc_open(path, NC_NOWRITE, &nc));
    double qr[6], fill;
    float br[12];
    NC(nc_inq_varid(nc, "q", &v));
    NC(nc_get_var_double(nc, v, qr));
    NC(nc_get_att_double(nc, v, "_FillValue", &fill));
    CHECK(qr[0] == 1.25 && qr[1] == fill && qr[2] == 3 && qr[3] == 2.25 && qr[4] == fill);
    char text[64] = "";
    NC(nc_get_att_text(nc, v, "units", text));
    CHECK(!strncmp(text, "mm/d", 4));
    CHECK(nc_inq_varid(nc, "lat_", &v) == NC_NOERR); /* not the coordinate lat */
    NC(nc_inq_varid(nc, "beta", &v));
    NC(nc_get_var_float(nc, v, br));
    CHECK(br[0] == 1 && br[5] == 6 && br[11] == 7); /* (basin, component, time) */
    memset(text, 0, sizeof text);
    NC(nc_get_att_text(nc, v, "units", text));
    CHECK_STR(text, "1"); /* dimensionless, as CF writes it */
    NC(nc_inq_varid(nc, "time", &v));
    memset(text, 0, sizeof text);
    NC(nc_get_att_text(nc, v, "units", text));
    CHECK_STR(text, "days since 2001-02-03");
    double latr[2];
    NC(nc_inq_varid(nc, "lat", &v));
    NC(nc_get_var_double(nc, v, latr));
    CHECK(latr[0] == 44.5 && latr[1] == NC_FILL_DOUBLE);
    char *idr[2] = {NULL, NULL};
    NC(nc_inq_varid(nc, "basin_id", &v));
    NC(nc_get_var_string(nc, v, idr));
    CHECK(idr[1] && !strcmp(idr[1], "camels_x"));
    nc_free_string(2, idr);
    NC(nc_close(nc));
    /* a failed write: the previous file stays, no temporary is left */
    off_t size = stat(path, &st) == 0 ? st.st_size : -1;
    o = dgrt_ncout_create(path, &l, &err);
    CHECK(o != NULL);
    if (o) CHECK(dgrt_ncout_commit(o, 1, &err) != 0);
    CHECK(stat(path, &st) == 0 && st.st_size == size);
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q 'out.nc.tmp'", tmp_dir);
    CHECK(system(cmd) != 0);
}

int main(void) {
    snprintf(tmp_dir, sizeof tmp_dir, "%s", DG_RT_TMP_DIR);
    mkdir(tmp_dir, 0777);
    test_table();
    test_errors();
    test_declared_sizes();
    test_forcing();
    test_layout();
    test_write();
    return check_report("test_netcdf");
}

#endif
