/* netcdf_read.c — a NetCDF time-series file of one basin as a table
 * (netcdf_io.h, csv.h): Caravan's timeseries/netcdf/SOURCE/SOURCE_ID.nc
 * (Kratzert et al. 2023), or any file of that shape, read wherever the CSV of
 * a basin would be, so that forcing and observations go through the CSV
 * readers' checks unchanged (forcing.c, dataset.c).
 *   time axis   the dimension `date` (Caravan), else `time`, with its
 *               coordinate variable of that name: units "UNIT since DATE"
 *               (UNIT days, hours, minutes or seconds; DATE YYYY-MM-DD with
 *               an optional time of day), calendar standard, gregorian or
 *               proleptic_gregorian (or none); every value a whole day.
 *               It becomes the table's `date` column.
 *   columns     every numeric variable whose only dimension is the time axis,
 *               named as the variable, in the file's order.
 *   missing     NaN, the variable's _FillValue (or netCDF's default fill of
 *               its type when it has none) and missing_value become NaN;
 *               packed values are unpacked (scale_factor, add_offset). */
#include "netcdf_io.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int dgrt_is_netcdf_path(const char *path) {
    size_t n = strlen(path);
    return n > 3 && !strcasecmp(path + n - 3, ".nc");
}

#ifndef DG_HAVE_NETCDF

int dgrt_netcdf_available(void) { return 0; }

int dgrt_netcdf_table_read(DgCsv *t, const char *path, DgrtErr *err) {
    memset(t, 0, sizeof *t);
    return dgrt_fail(
        err, DGRT_EXIT_DATA,
        "install libnetcdf-dev (make deps) and rebuild, or read the CSV files (Caravan ships both)",
        "'%s' is a NetCDF file, and this runtime was built without NetCDF", path);
}

#else

#include <netcdf.h>

/* names are read into buffers of NC_MAX_NAME + 1; netcdf3_header.c refuses longer ones */
_Static_assert(NC_MAX_NAME == 256, "netcdf3_header.c's MAX_NAME is NC_MAX_NAME");

int dgrt_netcdf_available(void) { return 1; }

/* A libnetcdf failure as an error naming the file. */
static int nc_error(DgrtErr *err, int status, const char *path, const char *what) {
    return dgrt_fail(err, DGRT_EXIT_DATA, "is it a NetCDF file (netCDF-3 or netCDF-4)?", "%s: %s: %s", path,
                     what, nc_strerror(status));
}

/* A text attribute of variable v (NC_CHAR or a single NC_STRING) into out; 0 when absent. */
static int text_attribute(int nc, int v, const char *name, char *out, size_t size) {
    nc_type type;
    size_t len;
    out[0] = 0;
    if (nc_inq_att(nc, v, name, &type, &len) != NC_NOERR) return 0;
    if (type == NC_CHAR) {
        char *s = mallocCheck(len + 1);
        if (nc_get_att_text(nc, v, name, s) != NC_NOERR) len = 0;
        s[len] = 0;
        snprintf(out, size, "%s", s);
        free(s);
        return 1;
    }
    if (type == NC_STRING && len == 1) {
        char *s = NULL;
        if (nc_get_att_string(nc, v, name, &s) != NC_NOERR) return 0;
        snprintf(out, size, "%s", s ? s : "");
        nc_free_string(1, &s);
        return 1;
    }
    return 0;
}

// ---- Time axis -------------------------------------------------------------------------------

/* "UNIT since YYYY-MM-DD[( |T)hh:mm[:ss[.f]]][Z| UTC]" -> days per value and
 * the epoch in days (csv.h day numbers, with the time of day as a fraction). */
static int parse_time_units(const char *units, double *per_value, double *epoch) {
    static const struct {
        const char *names; /* " name name ... ", lower case */
        double days;
    } unit_names[] = {
        {" days day d ", 1},
        {" hours hour hrs hr h ", 1 / 24.0},
        {" minutes minute mins min ", 1 / 1440.0},
        {" seconds second secs sec s ", 1 / 86400.0},
    };
    char word[32], key[40];
    int n = 0;
    if (sscanf(units, " %31[A-Za-z] since %n", word, &n) != 1 || n == 0) return -1;
    for (char *c = word; *c; c++) *c = (char)tolower((unsigned char)*c);
    snprintf(key, sizeof key, " %s ", word);
    *per_value = 0;
    for (size_t k = 0; k < sizeof unit_names / sizeof unit_names[0]; k++)
        if (strstr(unit_names[k].names, key)) *per_value = unit_names[k].days;
    if (*per_value == 0) return -1;
    const char *p = units + n;
    int y, mo, d, used = 0;
    if (sscanf(p, "%d-%d-%d%n", &y, &mo, &d, &used) != 3 || !dgrt_valid_ymd(y, mo, d)) return -1;
    p += used;
    double hh = 0, mm = 0, ss = 0;
    if (*p == ' ' || *p == 'T') {
        int k = 0;
        if (sscanf(p + 1, "%lf:%lf%n", &hh, &mm, &k) == 2) {
            p += 1 + k;
            if (*p == ':' && sscanf(p + 1, "%lf%n", &ss, &k) == 1) p += 1 + k;
        }
    }
    while (*p == ' ') p++;
    if (*p == 'Z' || !strncmp(p, "UTC", 3) || !strncmp(p, "+00:00", 6))
        p += *p == 'Z' ? 1 : *p == 'U' ? 3 : 6;
    while (*p == ' ') p++;
    if (*p || hh < 0 || hh >= 24 || mm < 0 || mm >= 60 || ss < 0 || ss >= 60) return -1;
    *epoch = dgrt_days_from_ymd(y, mo, d) + (hh * 3600 + mm * 60 + ss) / 86400.0;
    return 0;
}

/* The time axis: dimension `date` or `time` and its coordinate variable -> days[n]. */
static int read_time_axis(int nc, const char *path, int *dim, int *tvar, int32_t **days, size_t *n,
                          DgrtErr *err) {
    static const char *const names[] = {"date", "time"};
    const char *name = NULL;
    for (int k = 0; k < 2 && !name; k++)
        if (nc_inq_dimid(nc, names[k], dim) == NC_NOERR) name = names[k];
    if (!name) {
        char list[512] = "";
        int nd = 0;
        nc_inq_ndims(nc, &nd);
        for (int k = 0, used = 0; k < nd && used + 1 < (int)sizeof list; k++) {
            char dn[NC_MAX_NAME + 1];
            if (nc_inq_dimname(nc, k, dn) == NC_NOERR)
                used += snprintf(list + used, sizeof list - (size_t)used, "%s%s", k ? ", " : "", dn);
        }
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "a time-series file (as Caravan's) has its days along dimension 'date'",
                         "%s: no dimension 'date' or 'time' (the file has: %s)", path, nd ? list : "none");
    }
    int st = nc_inq_dimlen(nc, *dim, n);
    if (st != NC_NOERR) return nc_error(err, st, path, "its time axis");
    if (*n == 0)
        return dgrt_fail(err, DGRT_EXIT_DATA, "the file holds one value per day",
                         "%s: dimension '%s' is empty", path, name);
    /* A damaged header or a sparse netCDF-4 file can declare billions of
     * values in a few bytes; no daily axis is longer than years 1 to 9999. */
    size_t most = (size_t)(dgrt_days_from_ymd(9999, 12, 31) - dgrt_days_from_ymd(1, 1, 1) + 1);
    if (*n > most)
        return dgrt_fail(err, DGRT_EXIT_DATA, "the file holds one value per day, of years 1 to 9999",
                         "%s: dimension '%s' has %zu values, more than the %zu days of years 1 to 9999", path,
                         name, *n, most);
    int ndims = 0, dims[NC_MAX_VAR_DIMS];
    if (nc_inq_varid(nc, name, tvar) != NC_NOERR || nc_inq_varndims(nc, *tvar, &ndims) != NC_NOERR ||
        ndims != 1 || nc_inq_vardimid(nc, *tvar, dims) != NC_NOERR || dims[0] != *dim)
        return dgrt_fail(err, DGRT_EXIT_DATA, "the time axis needs its coordinate variable (CF conventions)",
                         "%s: no variable '%s' along dimension '%s' gives the days", path, name, name);
    char units[256], cal[64];
    double per_value, epoch;
    if (!text_attribute(nc, *tvar, "units", units, sizeof units))
        return dgrt_fail(err, DGRT_EXIT_DATA, "CF time units read e.g. \"days since 1970-01-01\"",
                         "%s: variable '%s' has no units attribute", path, name);
    if (parse_time_units(units, &per_value, &epoch))
        return dgrt_fail(
            err, DGRT_EXIT_DATA,
            "CF time units read \"UNIT since YYYY-MM-DD[ hh:mm:ss]\", UNIT days, hours, minutes or seconds",
            "%s: variable '%s': units '%s' are not a time since a date", path, name, units);
    if (text_attribute(nc, *tvar, "calendar", cal, sizeof cal) && strcasecmp(cal, "standard") &&
        strcasecmp(cal, "gregorian") && strcasecmp(cal, "proleptic_gregorian"))
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "only the Gregorian calendar (standard, proleptic_gregorian) is read",
                         "%s: variable '%s': calendar '%s'", path, name, cal);
    double *v = mallocCheck(sizeof(double) * *n);
    if ((st = nc_get_var_double(nc, *tvar, v)) != NC_NOERR) {
        free(v);
        return nc_error(err, st, path, name);
    }
    *days = mallocCheck(sizeof(int32_t) * *n);
    /* the dates csv.h handles */
    double first = dgrt_days_from_ymd(1, 1, 1), last = dgrt_days_from_ymd(9999, 12, 31);
    for (size_t i = 0; i < *n; i++) {
        double day = epoch + v[i] * per_value;
        int in_range = day >= first && day <= last; /* false for NaN */
        if (!in_range || fabs(day - round(day)) > 1e-6) {
            char date[16];
            int rc = dgrt_fail(err, DGRT_EXIT_DATA,
                               "the file holds one value per day, at midnight, of years 1 to 9999",
                               "%s: variable '%s' value %zu (%.17g %s) is not a whole day%s%s", path, name, i,
                               v[i], units, in_range ? " after " : " of years 1 to 9999",
                               in_range ? dgrt_format_date((int32_t)floor(day), date) : "");
            free(v);
            free(*days);
            *days = NULL;
            return rc;
        }
        (*days)[i] = (int32_t)round(day);
        /* one row per day, in order (a record count past the end of a damaged
         * netCDF-3 file reads as zeros: the same day again) */
        if (i > 0 && (*days)[i] <= (*days)[i - 1]) {
            char date[16], before[16];
            int rc = dgrt_fail(err, DGRT_EXIT_DATA, "the days of a time series increase from value to value",
                               "%s: variable '%s' value %zu (%s) is not after value %zu (%s)", path, name, i,
                               dgrt_format_date((*days)[i], date), i - 1, dgrt_format_date((*days)[i - 1], before));
            free(v);
            free(*days);
            *days = NULL;
            return rc;
        }
    }
    free(v);
    return 0;
}

// ---- Variables -------------------------------------------------------------------------------

static int is_numeric(nc_type t) {
    return t == NC_BYTE || t == NC_SHORT || t == NC_INT || t == NC_FLOAT || t == NC_DOUBLE || t == NC_UBYTE ||
           t == NC_USHORT || t == NC_UINT || t == NC_INT64 || t == NC_UINT64;
}

/* netCDF's fill value of a type, as a double (what unwritten values read as). */
static double default_fill(nc_type t) {
    switch (t) {
    case NC_BYTE: return NC_FILL_BYTE;
    case NC_SHORT: return NC_FILL_SHORT;
    case NC_INT: return NC_FILL_INT;
    case NC_FLOAT: return NC_FILL_FLOAT;
    case NC_UBYTE: return NC_FILL_UBYTE;
    case NC_USHORT: return NC_FILL_USHORT;
    case NC_UINT: return NC_FILL_UINT;
    case NC_INT64: return (double)NC_FILL_INT64;
    case NC_UINT64: return (double)NC_FILL_UINT64;
    default: return NC_FILL_DOUBLE;
    }
}

/* Variable v (n values) into out: missing ones NaN, packed ones unpacked. */
static int read_values(int nc, int v, nc_type type, const char *path, const char *name, double *out, size_t n,
                       DgrtErr *err) {
    int st = nc_get_var_double(nc, v, out);
    if (st != NC_NOERR) {
        char what[NC_MAX_NAME + 16];
        snprintf(what, sizeof what, "variable '%s'", name);
        return nc_error(err, st, path, what);
    }
    double fill = default_fill(type), missing[8], scale = 1, offset = 0;
    size_t nmissing = 0, len;
    nc_type at;
    if (nc_inq_att(nc, v, "_FillValue", &at, &len) == NC_NOERR && len == 1)
        nc_get_att_double(nc, v, "_FillValue", &fill);
    if (nc_inq_att(nc, v, "missing_value", &at, &len) == NC_NOERR && len >= 1 && len <= 8 && at != NC_CHAR &&
        nc_get_att_double(nc, v, "missing_value", missing) == NC_NOERR)
        nmissing = len;
    if (nc_inq_att(nc, v, "scale_factor", &at, &len) == NC_NOERR && len == 1)
        nc_get_att_double(nc, v, "scale_factor", &scale);
    if (nc_inq_att(nc, v, "add_offset", &at, &len) == NC_NOERR && len == 1)
        nc_get_att_double(nc, v, "add_offset", &offset);
    for (size_t i = 0; i < n; i++) {
        int gone = out[i] == fill;
        for (size_t k = 0; k < nmissing; k++) gone |= out[i] == missing[k];
        out[i] = gone ? NAN : out[i] * scale + offset;
    }
    return 0;
}

/* The table: column 0 `date` as text, then the variables; text holds the
 * names and the dates, so that dgrt_csv_free frees everything. */
static int build_table(DgCsv *t, int nc, const char *path, int dim, int tvar, const int32_t *days, size_t n,
                       DgrtErr *err) {
    int nvars = 0;
    nc_inq_nvars(nc, &nvars);
    int *cols = mallocCheck(sizeof(int) * ((size_t)nvars + 1));
    char(*names)[NC_MAX_NAME + 1] = mallocCheck(sizeof *names * ((size_t)nvars + 1));
    nc_type *types = mallocCheck(sizeof(nc_type) * ((size_t)nvars + 1));
    int ncols = 1;
    size_t text_len = sizeof "date" + n * 11;
    for (int v = 0; v < nvars; v++) {
        int ndims = 0, dims[NC_MAX_VAR_DIMS];
        if (v == tvar || nc_inq_varndims(nc, v, &ndims) != NC_NOERR || ndims != 1) continue;
        if (nc_inq_vardimid(nc, v, dims) != NC_NOERR || dims[0] != dim) continue;
        if (nc_inq_vartype(nc, v, &types[ncols]) != NC_NOERR || !is_numeric(types[ncols])) continue;
        if (nc_inq_varname(nc, v, names[ncols]) != NC_NOERR || !strcmp(names[ncols], "date")) continue;
        cols[ncols] = v;
        text_len += strlen(names[ncols]) + 1;
        ncols++;
    }
    /* Values are held as doubles; a netCDF-4 file can declare far more than
     * it stores. 2^27 values (1 GiB) is 100 times a Caravan file. */
    const size_t most = (size_t)1 << 27;
    if ((size_t)(ncols - 1) * n > most) {
        free(cols);
        free(names);
        free(types);
        return dgrt_fail(err, DGRT_EXIT_DATA, "split the file, or keep only the variables a model reads",
                         "%s: %d variables of %zu days are more than the %zu values a table holds", path,
                         ncols - 1, n, most);
    }
    t->path = mallocCheck(strlen(path) + 1);
    strcpy(t->path, path);
    t->text = mallocCheck(text_len);
    t->ncols = ncols;
    t->nrows = (int64_t)n;
    t->names = mallocCheck(sizeof(char *) * (size_t)ncols);
    t->name_col = callocCheck((size_t)ncols, sizeof(int));
    t->cells = callocCheck(n * (size_t)ncols, sizeof(char *));
    t->values = callocCheck((size_t)ncols, sizeof(double *));
    t->coltext = callocCheck((size_t)ncols, sizeof(char *));
    char *p = t->text;
    strcpy(p, "date");
    t->names[0] = p;
    p += sizeof "date";
    for (size_t r = 0; r < n; r++) {
        t->cells[r * (size_t)ncols] = p;
        dgrt_format_date(days[r], p);
        p += 11;
    }
    int rc = 0;
    for (int c = 1; c < ncols && !rc; c++) {
        strcpy(p, names[c]);
        t->names[c] = p;
        p += strlen(p) + 1;
        t->values[c] = mallocCheck(sizeof(double) * n);
        rc = read_values(nc, cols[c], types[c], path, names[c], t->values[c], n, err);
    }
    free(cols);
    free(names);
    free(types);
    return rc;
}

int dgrt_netcdf_table_read(DgCsv *t, const char *path, DgrtErr *err) {
    memset(t, 0, sizeof *t);
    /* a missing file, a directory or a FIFO (which nc_open would wait on): said plainly */
    struct stat st;
    if (stat(path, &st) != 0)
        return dgrt_fail(err, DGRT_EXIT_DATA, NULL, "cannot open '%s': %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dgrt_fail(err, DGRT_EXIT_DATA, "give the path of a NetCDF file", "'%s' is not a regular file",
                         path);
    if (dgrt_netcdf3_header_check(path, err)) return err->code;
    int nc, s = nc_open(path, NC_NOWRITE, &nc);
    if (s != NC_NOERR) return nc_error(err, s, path, "cannot read it");
    int dim, tvar, rc;
    int32_t *days = NULL;
    size_t n = 0;
    if (!(rc = read_time_axis(nc, path, &dim, &tvar, &days, &n, err)))
        rc = build_table(t, nc, path, dim, tvar, days, n, err);
    free(days);
    nc_close(nc);
    if (rc) dgrt_csv_free(t);
    return rc;
}

#endif
