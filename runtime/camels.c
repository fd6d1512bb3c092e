/* camels.c — CAMELS-US attributes and observed streamflow (see camels.h). */
#include "camels.h"
#include "dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include "csv.h"
#include "dgrt_internal.h"

static const char *const attribute_files[] = {"clim", "geol", "hydro", "name", "soil", "topo", "vege"};
enum { NFILES = sizeof attribute_files / sizeof attribute_files[0] };

static int is_regular(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void dgrt_camels_table_path(char *out, size_t size, const char *dir, const char *table) {
    snprintf(out, size, "%s/camels_%s.txt", dir, table);
    if (!is_regular(out)) snprintf(out, size, "%s/camels_attributes_v2.0/camels_%s.txt", dir, table);
}


int dgrt_attributes_load(DgAttributes *a, const char *camels_dir, const char *const *basins, int nbasins,
                         const char *const *names, int nnames, DgrtErr *err) {
    memset(a, 0, sizeof *a);
    DgCsv tables[NFILES];
    memset(tables, 0, sizeof tables);
    DgCsvOptions opt = {.delim = ';', .npre = 0};
    int rc = 0;
    for (int f = 0; f < NFILES && !rc; f++) {
        char path[1024];
        dgrt_camels_table_path(path, sizeof path, camels_dir, attribute_files[f]);
        rc = dgrt_csv_read(&tables[f], path, &opt, err);
    }
    if (rc) goto done;
    a->nbasins = nbasins;
    a->nattrs = nnames;
    a->values = mallocCheck(sizeof(double) * ((size_t)nbasins * (size_t)nnames + 1));
    for (int k = 0; k < nnames && !rc; k++) {
        int file = -1, col = -1;
        for (int f = 0; f < NFILES && file < 0; f++) {
            int c = dgrt_csv_find(&tables[f], names[k]);
            if (c >= 0) { file = f; col = c; }
        }
        if (file < 0) {
            int ncands = 0;
            for (int f = 0; f < NFILES; f++) ncands += tables[f].ncols;
            const char **cands = mallocCheck(sizeof(char *) * (size_t)(ncands + 1));
            ncands = 0;
            for (int f = 0; f < NFILES; f++)
                for (int c = 0; c < tables[f].ncols; c++) cands[ncands++] = tables[f].names[c];
            const char *best = dgrt_closest(names[k], cands, ncands);
            char hint[256];
            if (best) snprintf(hint, sizeof hint, "did you mean '%s'?", best);
            else snprintf(hint, sizeof hint, "attributes are the column names of the CAMELS tables camels_*.txt in %s", camels_dir);
            free(cands);
            rc = dgrt_fail(err, DGRT_EXIT_DATA, hint, "unknown CAMELS attribute '%s'", names[k]);
            break;
        }
        DgCsv *t = &tables[file];
        int id = dgrt_csv_column(t, "gauge_id", err);
        if (id < 0) { rc = DGRT_EXIT_DATA; break; }
        for (int b = 0; b < nbasins && !rc; b++) {
            int64_t row = -1;
            for (int64_t r = 0; r < t->nrows && row < 0; r++)
                if (!strcmp(dgrt_csv_cell(t, r, id), basins[b])) row = r;
            if (row < 0) {
                rc = dgrt_fail(err, DGRT_EXIT_DATA, "check the basin list: gauge ids have 8 digits, with leading zeros",
                               "%s: basin '%s' is not in the table", t->path, basins[b]);
                break;
            }
            const char *cell = dgrt_csv_cell(t, row, col);
            double v;
            if (!strcmp(cell, "NaN") || !strcmp(cell, "nan") || !strcmp(cell, "NA") || !cell[0]) v = NAN;   /* missing */
            else if (dgrt_csv_number(t, row, col, &v, err)) {
                snprintf(err->hint, sizeof err->hint, "only numeric attributes can feed a network");
                rc = DGRT_EXIT_DATA;
                break;
            } else if (isinf(v)) {   /* strtod reads "inf": no statistics survive it */
                char where[600];
                rc = dgrt_fail(err, DGRT_EXIT_DATA, "write a missing attribute as NaN, as CAMELS does",
                               "%s: column '%s': '%s' is not finite", dgrt_csv_where(t, row, col, where, sizeof where),
                               names[k], cell);
                break;
            }
            a->values[b * nnames + k] = v;
        }
    }
done:
    for (int f = 0; f < NFILES; f++) dgrt_csv_free(&tables[f]);
    if (rc) dgrt_attributes_free(a);
    return rc;
}

void dgrt_attributes_free(DgAttributes *a) {
    free(a->values);
    memset(a, 0, sizeof *a);
}

/* ---- Streamflow -------------------------------------------------------------
 * Observations may be missing (they are masked in the loss): CAMELS writes
 * them as -999 (and USGS flags them M), so a negative value, a NaN cell or
 * flag M is a missing day. What is there must be plausible: a finite number,
 * at most DGRT_MAX_Q_MM_DAY mm/day over the basin (the world's largest daily
 * rainfall is 1825 mm) — a larger one is a damaged file or a wrong area. */
#define DGRT_MAX_Q_MM_DAY 2000.0

/* Observation (or benchmark) v of a basin in mm/day, read from `what` at
 * `where`: NaN when missing, else checked. `cell` is the text as written. */
static int obs_value(double v, double mm_day, const char *where, const char *what, const char *cell, DgrtErr *err) {
    if (isnan(v) || v < 0) return 0;   /* missing: -999, NaN */
    if (isinf(v))
        return dgrt_fail(err, DGRT_EXIT_DATA, "write a missing observation as -999 (or a NaN cell)",
                         "%s: %s '%.40s' is not finite", where, what, cell);
    if (!(mm_day <= DGRT_MAX_Q_MM_DAY))
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "a basin-mean streamflow above 2000 mm/day is not plausible: check the value (and the "
                         "basin's area)",
                         "%s: %s %.40s is %.6g mm/day, more than the plausible %g", where, what, cell, mm_day,
                         DGRT_MAX_Q_MM_DAY);
    return 0;
}

static int load_model_output(DgObs *o, const char *path, DgrtErr *err) {
    DgCsv t;
    DgCsvOptions opt = {.delim = ' ', .npre = 0};
    int rc = dgrt_csv_read(&t, path, &opt, err);
    if (rc) return rc;
    int cy = dgrt_csv_column(&t, "YR", err), cm = cy < 0 ? -1 : dgrt_csv_column(&t, "MNTH", err);
    int cd = cm < 0 ? -1 : dgrt_csv_column(&t, "DY", err), cq = cd < 0 ? -1 : dgrt_csv_column(&t, "OBS_RUN", err);
    int cb = dgrt_csv_find(&t, "MOD_RUN");
    if (cq < 0) {
        dgrt_err_hint(err, "a CAMELS model output file has the columns YR MNTH DY HR SWE PRCP RAIM TAIR PET ET "
                           "MOD_RUN OBS_RUN");
        dgrt_csv_free(&t);
        return DGRT_EXIT_DATA;
    }
    if (t.nrows == 0) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "the rows after the header hold one day each",
                       "%s:%d:1: no data rows after the header", path, t.header_line);
        dgrt_csv_free(&t);
        return rc;
    }
    o->n = t.nrows;
    o->q = mallocCheck(sizeof(double) * (size_t)(t.nrows + 1));
    o->bench = cb >= 0 ? mallocCheck(sizeof(double) * (size_t)(t.nrows + 1)) : NULL;
    const int ymd[3] = {cy, cm, cd};
    for (int64_t r = 0; r < t.nrows && !rc; r++) {
        double q, b = NAN;
        int32_t day;
        if ((rc = dgrt_csv_ymd(&t, r, ymd, &day, err)) || (rc = dgrt_csv_number(&t, r, cq, &q, err)) ||
            (cb >= 0 && (rc = dgrt_csv_number(&t, r, cb, &b, err))))
            break;
        if (r == 0) o->start = day;
        else if (day != o->start + r) {
            char where[1100];
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "the file must have one row per day, in order",
                           "%s: expected the day after the previous row", dgrt_csv_where(&t, r, cy, where, sizeof where));
            break;
        }
        char where[1100];
        if ((rc = obs_value(q, q, dgrt_csv_where(&t, r, cq, where, sizeof where), "OBS_RUN",
                            dgrt_csv_cell(&t, r, cq), err)) ||
            (cb >= 0 && (rc = obs_value(b, b, dgrt_csv_where(&t, r, cb, where, sizeof where), "MOD_RUN",
                                        dgrt_csv_cell(&t, r, cb), err))))
            break;
        o->q[r] = q < 0 ? NAN : q;   /* CAMELS writes missing observations as -999 */
        if (o->bench) o->bench[r] = b < 0 ? NAN : b;
    }
    snprintf(o->path, sizeof o->path, "%s", path);
    dgrt_csv_free(&t);
    return rc;
}

/* area_gages2 (km^2) of the basin from camels_topo.txt: a positive number up
 * to 1e7 km^2 (the Amazon's basin has 6.1e6), or an error naming the file,
 * the cell and the basin (a zero area would turn every flow infinite). */
static int area_km2(const char *camels_dir, const char *basin, double *area, DgrtErr *err) {
    char path[1024];
    dgrt_camels_table_path(path, sizeof path, camels_dir, "topo");
    DgCsv t;
    DgCsvOptions opt = {.delim = ';', .npre = 0};
    int rc = dgrt_csv_read(&t, path, &opt, err);
    if (rc) return rc;
    int id = dgrt_csv_column(&t, "gauge_id", err), ca = id < 0 ? -1 : dgrt_csv_column(&t, "area_gages2", err);
    if (ca < 0) {
        dgrt_err_hint(err, "streamflow in cfs is converted to mm/day with area_gages2 (km^2) of camels_topo.txt");
        dgrt_csv_free(&t);
        return DGRT_EXIT_DATA;
    }
    int64_t row = -1;
    for (int64_t r = 0; r < t.nrows && row < 0; r++)
        if (!strcmp(dgrt_csv_cell(&t, r, id), basin)) row = r;
    if (row < 0) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "streamflow in cfs is converted to mm/day with the area of the basin",
                       "%s: basin '%s' is not in the table", path, basin);
    } else {
        char where[1100];
        const char *cell = dgrt_csv_cell(&t, row, ca);
        dgrt_csv_where(&t, row, ca, where, sizeof where);
        double a = NAN;
        if (cell[0] && strcasecmp(cell, "NaN") && strcasecmp(cell, "NA") && dgrt_csv_number(&t, row, ca, &a, err))
            rc = err->code;
        else if (isnan(a))
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "give the basin's area in km^2 (streamflow in cfs needs it)",
                           "%s: area_gages2 of basin '%s' is missing", where, basin);
        else if (!(a > 0 && a <= 1e7))
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "give the basin's area in km^2 (streamflow in cfs needs it)",
                           "%s: area_gages2 of basin '%s' is %s km^2, not in (0, 1e7]", where, basin, cell);
        else *area = a;
    }
    dgrt_csv_free(&t);
    return rc;
}

/* A whole integer field of a USGS line (no sign games, no overflow), in [lo, hi]. */
static int usgs_int(const char *s, long lo, long hi, long *out) {
    if (!(*s >= '0' && *s <= '9') && !(*s == '-' && s[1] >= '0' && s[1] <= '9')) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

/* gauge_id Year Mnth Day Q(cfs) flag — no header line; fields separated by
 * blanks. Lines of any length (getline); every error names line and column. */
static int load_usgs(DgObs *o, const char *path, double area, DgrtErr *err) {
    const char *kind;
    FILE *fp = dgrt_fopen_regular(path, "r", &kind);
    if (!fp && kind)
        return dgrt_fail(err, DGRT_EXIT_DATA, "check --data and the basin id",
                         "%s: the streamflow file is not a regular file: it is %s", path, kind);
    if (!fp) return dgrt_fail(err, DGRT_EXIT_DATA, "check --data and the basin id", "%s: cannot open the streamflow file", path);
    const char *fmt_hint = "a CAMELS streamflow line is: gauge_id year month day Q(cfs) flag";
    int64_t cap = 1024, n = 0;
    o->q = mallocCheck(sizeof(double) * (size_t)cap);
    int rc = 0;
    long lineno = 0;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    while (!rc && (len = getline(&line, &linecap, fp)) >= 0) {
        lineno++;
        if (lineno > INT32_MAX) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s: more than %d lines", path, INT32_MAX);
            break;
        }
        size_t l = (size_t)len;
        const char *nul = memchr(line, 0, l);
        if (nul) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "is this a text file?", "%s:%ld:%ld: NUL byte in the file", path,
                           lineno, (long)(nul - line) + 1);
            break;
        }
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
        /* fields: start columns and text (split in place) */
        char *field[7];
        long col[7];
        int nf = 0;
        for (size_t i = 0; i < l && nf < 7;) {
            while (i < l && (line[i] == ' ' || line[i] == '\t')) i++;
            if (i >= l) break;
            field[nf] = line + i;
            col[nf++] = (long)i + 1;
            while (i < l && line[i] != ' ' && line[i] != '\t') i++;
            if (i < l) line[i++] = 0;
        }
        if (nf == 0) continue;   /* a blank line */
        if (nf < 5 || nf > 6) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, fmt_hint, "%s:%ld:%ld: %s: expected 5 or 6 fields", path, lineno,
                           nf > 6 ? col[6] : (long)l + 1, nf < 5 ? "too few fields" : "too many fields");
            break;
        }
        long ymd[3];
        static const char *const names[3] = {"year", "month", "day"};
        static const long hi[3] = {9999, 12, 31};
        for (int k = 0; k < 3 && !rc; k++)
            if (!usgs_int(field[1 + k], 1, hi[k], &ymd[k]))
                rc = dgrt_fail(err, DGRT_EXIT_DATA, fmt_hint, "%s:%ld:%ld: %s '%.40s' is not an integer in [1, %ld]",
                               path, lineno, col[1 + k], names[k], field[1 + k], hi[k]);
        if (rc) break;
        if (!dgrt_valid_ymd(ymd[0], ymd[1], ymd[2])) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, fmt_hint, "%s:%ld:%ld: %ld-%02ld-%02ld is not a date", path, lineno,
                           col[3], ymd[0], ymd[1], ymd[2]);
            break;
        }
        int32_t day = dgrt_days_from_ymd((int)ymd[0], (int)ymd[1], (int)ymd[2]);
        if (n == 0) o->start = day;
        else if ((int64_t)day != o->start + n) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "the file must have one row per day, in order",
                           "%s:%ld:%ld: expected the day after the previous line", path, lineno, col[1]);
            break;
        }
        char *end;
        double q = strtod(field[4], &end);
        if (*end || end == field[4]) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, fmt_hint, "%s:%ld:%ld: Q '%.40s' is not a number", path, lineno,
                           col[4], field[4]);
            break;
        }
        int missing = nf == 6 && field[5][0] == 'M';
        double mm = dgrt_cfs_to_mm_day(q, area);
        char where[1100];
        snprintf(where, sizeof where, "%s:%ld:%ld", path, lineno, col[4]);
        if (!missing && (rc = obs_value(q, mm, where, "Q (cfs)", field[4], err))) break;
        if (n == cap) {
            cap *= 2;
            o->q = reallocCheck(o->q, sizeof(double) * (size_t)cap);
        }
        o->q[n++] = (missing || isnan(q) || q < 0) ? NAN : mm;
    }
    if (!rc && ferror(fp)) rc = dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s: cannot read the streamflow file", path);
    if (!rc && n == 0)
        rc = dgrt_fail(err, DGRT_EXIT_DATA, fmt_hint, "%s:%ld:1: no streamflow lines in the file", path,
                       lineno ? lineno : 1);
    free(line);
    fclose(fp);
    o->n = n;
    snprintf(o->path, sizeof o->path, "%s", path);
    return rc;
}

/* Where a basin's streamflow is: the model output (OBS_RUN, MOD_RUN) beside
 * the data or in the archive's HUC folders (2), else the USGS file in its
 * HUC folder (1), else none (0; path then shows where the USGS file was
 * looked for). */
static int find_obs_file(const char *camels_dir, const char *basin, char *path, size_t size) {
    char name[128], base[1100];
    snprintf(name, sizeof name, "%s_05_model_output.txt", basin);
    snprintf(base, sizeof base, "%s/model_output/flow_timeseries/daymet", camels_dir);
    snprintf(path, size, "%s/%s", camels_dir, name);
    if (is_regular(path) || dgrt_find_file(path, size, base, name)) return 2;
    snprintf(name, sizeof name, "%s_streamflow_qc.txt", basin);
    snprintf(base, sizeof base, "%s/usgs_streamflow", camels_dir);
    return dgrt_find_file(path, size, base, name);
}

int dgrt_obs_load(DgObs *o, const char *camels_dir, const char *basin, DgrtErr *err) {
    memset(o, 0, sizeof *o);
    char path[1024];
    int rc;
    if (find_obs_file(camels_dir, basin, path, sizeof path) == 2) {
        rc = load_model_output(o, path, err);
    } else {
        double area = NAN;
        rc = area_km2(camels_dir, basin, &area, err);
        if (!rc) rc = load_usgs(o, path, area, err);
    }
    if (rc) dgrt_obs_free(o);
    return rc;
}

int dgrt_obs_exists(const char *camels_dir, const char *basin) {
    char path[1024];
    return find_obs_file(camels_dir, basin, path, sizeof path) > 0;
}

void dgrt_obs_free(DgObs *o) {
    free(o->q);
    free(o->bench);
    memset(o, 0, sizeof *o);
}
