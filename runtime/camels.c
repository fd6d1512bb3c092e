/* camels.c — CAMELS-US attributes and observed streamflow (see camels.h). */
#include "camels.h"

#include <math.h>
#include <stdio.h>
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

/* base/name, or base/SUB/name for the first subfolder (a HUC) that has it; 0 when neither exists */
static int find_in_huc(char *out, size_t size, const char *base, const char *name) {
    snprintf(out, size, "%s/%s", base, name);
    if (is_regular(out)) return 1;
    DIR *d = opendir(base);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(out, size, "%s/%s/%s", base, e->d_name, name);
        found = is_regular(out);
    }
    closedir(d);
    if (!found) snprintf(out, size, "%s/%s", base, name);
    return found;
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
    a->values = malloc(sizeof(double) * (size_t)(nbasins * nnames + 1));
    if (!a->values) { fprintf(stderr, "error: out of memory reading the attributes\n"); exit(1); }
    for (int k = 0; k < nnames && !rc; k++) {
        int file = -1, col = -1;
        for (int f = 0; f < NFILES && file < 0; f++) {
            int c = dgrt_csv_find(&tables[f], names[k]);
            if (c >= 0) { file = f; col = c; }
        }
        if (file < 0) {
            int ncands = 0;
            for (int f = 0; f < NFILES; f++) ncands += tables[f].ncols;
            const char **cands = malloc(sizeof(char *) * (size_t)(ncands + 1));
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

/* ---- Streamflow ------------------------------------------------------------- */

static int load_model_output(DgObs *o, const char *path, DgrtErr *err) {
    DgCsv t;
    DgCsvOptions opt = {.delim = ' ', .npre = 0};
    int rc = dgrt_csv_read(&t, path, &opt, err);
    if (rc) return rc;
    int cy = dgrt_csv_column(&t, "YR", err), cm = cy < 0 ? -1 : dgrt_csv_column(&t, "MNTH", err);
    int cd = cm < 0 ? -1 : dgrt_csv_column(&t, "DY", err), cq = cd < 0 ? -1 : dgrt_csv_column(&t, "OBS_RUN", err);
    int cb = dgrt_csv_find(&t, "MOD_RUN");
    if (cq < 0) { dgrt_csv_free(&t); return DGRT_EXIT_DATA; }
    o->n = t.nrows;
    o->q = malloc(sizeof(double) * (size_t)(t.nrows + 1));
    o->bench = cb >= 0 ? malloc(sizeof(double) * (size_t)(t.nrows + 1)) : NULL;
    for (int64_t r = 0; r < t.nrows && !rc; r++) {
        long y, m, d;
        double q, b = NAN;
        if ((rc = dgrt_csv_int(&t, r, cy, &y, err)) || (rc = dgrt_csv_int(&t, r, cm, &m, err)) ||
            (rc = dgrt_csv_int(&t, r, cd, &d, err)) || (rc = dgrt_csv_number(&t, r, cq, &q, err)) ||
            (cb >= 0 && (rc = dgrt_csv_number(&t, r, cb, &b, err))))
            break;
        if (!dgrt_valid_ymd((int)y, (int)m, (int)d)) {
            char where[1100];
            rc = dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s: invalid date %ld-%02ld-%02ld",
                           dgrt_csv_where(&t, r, cy, where, sizeof where), y, m, d);
            break;
        }
        int32_t day = dgrt_days_from_ymd((int)y, (int)m, (int)d);
        if (r == 0) o->start = day;
        else if (day != o->start + r) {
            char where[1100];
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "the file must have one row per day, in order",
                           "%s: expected the day after the previous row", dgrt_csv_where(&t, r, cy, where, sizeof where));
            break;
        }
        o->q[r] = q < 0 ? NAN : q;   /* CAMELS writes missing observations as -999 */
        if (o->bench) o->bench[r] = b < 0 ? NAN : b;
    }
    snprintf(o->path, sizeof o->path, "%s", path);
    dgrt_csv_free(&t);
    return rc;
}

static int area_km2(const char *camels_dir, const char *basin, double *area, DgrtErr *err) {
    char path[1024];
    dgrt_camels_table_path(path, sizeof path, camels_dir, "topo");
    DgCsv t;
    DgCsvOptions opt = {.delim = ';', .npre = 0};
    int rc = dgrt_csv_read(&t, path, &opt, err);
    if (rc) return rc;
    int id = dgrt_csv_column(&t, "gauge_id", err), ca = id < 0 ? -1 : dgrt_csv_column(&t, "area_gages2", err);
    rc = ca < 0 ? DGRT_EXIT_DATA : dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s: basin '%s' is not in the table", path, basin);
    for (int64_t r = 0; ca >= 0 && r < t.nrows; r++)
        if (!strcmp(dgrt_csv_cell(&t, r, id), basin)) {
            rc = dgrt_csv_number(&t, r, ca, area, err);
            break;
        }
    if (!rc) err->code = 0;
    dgrt_csv_free(&t);
    return rc;
}

/* gauge_id Year Mnth Day Q(cfs) flag — no header line */
static int load_usgs(DgObs *o, const char *path, double area, DgrtErr *err) {
    const char *kind;
    FILE *fp = dgrt_fopen_regular(path, "r", &kind);
    if (!fp && kind)
        return dgrt_fail(err, DGRT_EXIT_DATA, "check --data and the basin id",
                         "%s: the streamflow file is not a regular file: it is %s", path, kind);
    if (!fp) return dgrt_fail(err, DGRT_EXIT_DATA, "check --data and the basin id", "%s: cannot open the streamflow file", path);
    char line[512];
    int64_t cap = 1024, n = 0;
    o->q = malloc(sizeof(double) * (size_t)cap);
    int rc = 0, lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char id[32], flag[16] = "";
        int y, m, d;
        double q;
        int got = sscanf(line, "%31s %d %d %d %lf %15s", id, &y, &m, &d, &q, flag);
        if (got < 5) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "expected: gauge_id year month day Q(cfs) flag",
                           "%s:%d:1: malformed line", path, lineno);
            break;
        }
        if (!dgrt_valid_ymd(y, m, d)) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s:%d: invalid date %d-%02d-%02d", path, lineno, y, m, d);
            break;
        }
        int32_t day = dgrt_days_from_ymd(y, m, d);
        if (n == 0) o->start = day;
        else if (day != o->start + n) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "the file must have one row per day, in order",
                           "%s:%d: expected the day after the previous line", path, lineno);
            break;
        }
        if (n == cap) {
            cap *= 2;
            o->q = realloc(o->q, sizeof(double) * (size_t)cap);
        }
        o->q[n++] = (q < 0 || flag[0] == 'M') ? NAN : dgrt_cfs_to_mm_day(q, area);
    }
    fclose(fp);
    o->n = n;
    snprintf(o->path, sizeof o->path, "%s", path);
    return rc;
}

int dgrt_obs_load(DgObs *o, const char *camels_dir, const char *basin, DgrtErr *err) {
    memset(o, 0, sizeof *o);
    char path[1024];
    char name[128], base[1100];
    snprintf(name, sizeof name, "%s_05_model_output.txt", basin);
    snprintf(base, sizeof base, "%s/model_output/flow_timeseries/daymet", camels_dir);
    int rc;
    /* the model output (OBS_RUN, MOD_RUN): beside the data, or in the archive's HUC folders */
    snprintf(path, sizeof path, "%s/%s", camels_dir, name);
    if (is_regular(path) || find_in_huc(path, sizeof path, base, name)) {
        rc = load_model_output(o, path, err);
    } else {
        double area;
        rc = area_km2(camels_dir, basin, &area, err);
        if (!rc) {
            snprintf(name, sizeof name, "%s_streamflow_qc.txt", basin);
            snprintf(base, sizeof base, "%s/usgs_streamflow", camels_dir);
            find_in_huc(path, sizeof path, base, name);
            rc = load_usgs(o, path, area, err);
        }
    }
    if (rc) dgrt_obs_free(o);
    return rc;
}

void dgrt_obs_free(DgObs *o) {
    free(o->q);
    free(o->bench);
    memset(o, 0, sizeof *o);
}
