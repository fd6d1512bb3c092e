/* caravan_csv_to_nc.c — test helper: a Caravan time-series CSV
 * (timeseries/csv/SOURCE/SOURCE_ID.csv) converted to the NetCDF file Caravan
 * ships beside it (timeseries/netcdf/SOURCE/SOURCE_ID.nc): dimension `date`,
 * variable `date` (int64 days since 1951-01-01, proleptic Gregorian), one
 * double variable per other column, same name, empty cells as NaN with
 * _FillValue NaN (what xarray writes for a float64 column with gaps).
 * Numbers are parsed as the runtime parses the CSV (dgrt_csv_number), so the
 * two files hold the same doubles.
 *   usage: caravan_csv_to_nc IN.csv OUT.nc */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csv.h"

static int fail(const char *what, int status) {
    fprintf(stderr, "caravan_csv_to_nc: %s: %s\n", what, nc_strerror(status));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: caravan_csv_to_nc IN.csv OUT.nc\n");
        return 2;
    }
    DgCsv csv;
    DgrtErr err = {0};
    if (dgrt_csv_read(&csv, argv[1], NULL, &err)) {
        fprintf(stderr, "caravan_csv_to_nc: %s\n", err.msg);
        return 1;
    }
    int date_col = dgrt_csv_column(&csv, "date", &err);
    if (date_col < 0) {
        fprintf(stderr, "caravan_csv_to_nc: %s\n", err.msg);
        return 1;
    }
    size_t n = (size_t)csv.nrows;
    long long *days = malloc(sizeof(long long) * (n + 1));
    double *v = malloc(sizeof(double) * (n + 1));
    int32_t epoch = dgrt_days_from_ymd(1951, 1, 1);
    for (size_t r = 0; r < n; r++) {
        int32_t d;
        if (dgrt_csv_date(&csv, (int64_t)r, date_col, &d, &err)) {
            fprintf(stderr, "caravan_csv_to_nc: %s\n", err.msg);
            return 1;
        }
        days[r] = d - epoch;
    }
    int nc, dim, var, st;
    if ((st = nc_create(argv[2], NC_CLOBBER | NC_NETCDF4, &nc))) return fail(argv[2], st);
    const char *units = "days since 1951-01-01 00:00:00", *cal = "proleptic_gregorian";
    if ((st = nc_def_dim(nc, "date", n, &dim)) || (st = nc_def_var(nc, "date", NC_INT64, 1, &dim, &var)) ||
        (st = nc_put_att_text(nc, var, "units", strlen(units), units)) ||
        (st = nc_put_att_text(nc, var, "calendar", strlen(cal), cal)))
        return fail("date", st);
    int *ids = malloc(sizeof(int) * (size_t)csv.ncols);
    double nan = NAN;
    for (int c = 0; c < csv.ncols; c++) {
        if (c == date_col) continue;
        if ((st = nc_def_var(nc, csv.names[c], NC_DOUBLE, 1, &dim, &ids[c])) ||
            (st = nc_def_var_fill(nc, ids[c], 0, &nan)))
            return fail(csv.names[c], st);
    }
    if ((st = nc_enddef(nc)) || (st = nc_put_var_longlong(nc, var, days))) return fail("date", st);
    for (int c = 0; c < csv.ncols; c++) {
        if (c == date_col) continue;
        for (size_t r = 0; r < n; r++) {
            v[r] = NAN;
            if (dgrt_csv_cell(&csv, (int64_t)r, c)[0] && dgrt_csv_number(&csv, (int64_t)r, c, &v[r], &err)) {
                fprintf(stderr, "caravan_csv_to_nc: %s\n", err.msg);
                return 1;
            }
        }
        if ((st = nc_put_var_double(nc, ids[c], v))) return fail(csv.names[c], st);
    }
    if ((st = nc_close(nc))) return fail(argv[2], st);
    free(ids);
    free(days);
    free(v);
    dgrt_csv_free(&csv);
    return 0;
}
