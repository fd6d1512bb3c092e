/* dataset.c — basins, periods and input normalisation of training and
 * evaluation (see dataset.h). Every basin is read once: the Daymet forcing of
 * the model inputs (forcing.c), the observed streamflow and the benchmark
 * (camels.c), the attributes the parameter network reads — or its own CSV
 * (forcing and observations) and an attribute table; all are kept on the
 * forcing's day axis, cropped to the days the run's periods need. */
#include "dataset.h"
#include "camels.h"
#include "csv.h"
#include "data_units.h"
#include "dgrt_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

char *dgrt_period_format(DgPeriod p, char *buf) {
    char a[16], b[16];
    if (!dgrt_period_set(p)) {
        strcpy(buf, "(none)");
        return buf;
    }
    sprintf(buf, "%s:%s", dgrt_format_date(p.start, a), dgrt_format_date(p.end, b));
    return buf;
}

// ---- Basin lists ----------------------------------------------------------------------------

/* An id as CAMELS spells it: digits get their leading zeros back (8 digits). */
static void normalise_id(char *out, size_t size, const char *s, size_t len) {
    int digits = len > 0 && len < 8;
    for (size_t i = 0; i < len; i++) digits &= isdigit((unsigned char)s[i]) != 0;
    if (digits) snprintf(out, size, "%0*d%.*s", (int)(8 - len), 0, (int)len, s);
    else snprintf(out, size, "%.*s", (int)len, s);
}

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Split `text` at commas, newlines and blanks (a # starts a comment that runs to
 * the end of the line) into ids; `where` names the source for messages. */
static int split_ids(const char *text, const char *where, char ***ids, int *n, DgrtErr *err) {
    size_t len = strlen(text);
    int cap = 16, cnt = 0;
    char **v = mallocCheck(sizeof(char *) * (size_t)cap);
    int *lines = mallocCheck(sizeof(int) * (size_t)cap), *lens = mallocCheck(sizeof(int) * (size_t)cap);
    const char **starts = mallocCheck(sizeof(char *) * (size_t)cap);
    const char *p = text, *end = text + len;
    int line = 1;
    while (p < end) {
        if (*p == '#') {
            while (p < end && *p != '\n') p++;
            continue;
        }
        if (*p == '\n') line++;
        if (*p == ',' || isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *s = p;
        while (p < end && *p != ',' && *p != '#' && !isspace((unsigned char)*p)) p++;
        size_t l = (size_t)(p - s);
        if (l >= 31 || cnt == INT32_MAX) {
            for (int i = 0; i < cnt; i++) free(v[i]);
            free(v);
            free(lines);
            free(lens);
            free(starts);
            return dgrt_fail(err, DGRT_EXIT_USAGE, "basin ids are CAMELS gauge ids, e.g. 01031500",
                             "%s:%d: '%.*s' is not a basin id", where, line, (int)(l > 40 ? 40 : l), s);
        }
        if (cnt == cap) {
            cap = cap > INT32_MAX / 2 ? INT32_MAX : cap * 2;
            v = reallocCheck(v, sizeof(char *) * (size_t)cap);
            lines = reallocCheck(lines, sizeof(int) * (size_t)cap);
            lens = reallocCheck(lens, sizeof(int) * (size_t)cap);
            starts = reallocCheck(starts, sizeof(char *) * (size_t)cap);
        }
        v[cnt] = mallocCheck(32);
        normalise_id(v[cnt], 32, s, l);
        lines[cnt] = line;
        lens[cnt] = (int)l;
        starts[cnt] = s;
        cnt++;
    }
    /* an id listed twice, found by sorting (a long basin file made pairwise comparing quadratic) */
    int64_t first, dup = dgrt_first_duplicate((const char *const *)v, cnt, &first);
    if (dup >= 0) {
        dgrt_fail(err, DGRT_EXIT_USAGE, "list every basin once", "%s:%d: basin '%.*s' is listed twice", where,
                  lines[dup], lens[dup], starts[dup]);
        for (int k = 0; k < cnt; k++) free(v[k]);
        cnt = 0;
    }
    free(lines);
    free(lens);
    free(starts);
    if (dup >= 0) {
        free(v);
        return err->code;
    }
    if (cnt == 0) {
        free(v);
        return dgrt_fail(err, DGRT_EXIT_USAGE,
                         "give ids separated by commas (01031500,01022500) or a file of one id per line",
                         "%s: no basin ids", where);
    }
    *ids = v;
    *n = cnt;
    return 0;
}

int dgrt_basins_parse(const char *spec, char ***ids, int *n, DgrtErr *err) {
    *ids = NULL;
    *n = 0;
    if (is_file(spec)) {
        char *text;
        size_t len;
        if (dgrt_read_file(spec, &text, &len, err)) return err->code;
        int rc = split_ids(text, spec, ids, n, err);
        free(text);
        return rc;
    }
    if (strchr(spec, '/') || (!strchr(spec, ',') && strchr(spec, '.')))
        return dgrt_fail(err, DGRT_EXIT_USAGE, "give a list of ids (01031500,01022500) or an existing file",
                         "basin list file '%s' does not exist", spec);
    return split_ids(spec, "basins", ids, n, err);
}

int dgrt_basins_resolve(char *spec, size_t cap, DgrtErr *err) {
    if (!spec[0] || !is_file(spec)) return 0;
    char **ids;
    int n;
    if (dgrt_basins_parse(spec, &ids, &n, err)) return err->code;
    char *joined = mallocCheck(cap);
    size_t len = 0;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        size_t need = strlen(ids[i]) + (i ? 1 : 0);
        if (len + need + 1 > cap)
            rc = dgrt_fail(err, DGRT_EXIT_USAGE, "train on fewer basins per run",
                           "%s: %d basins are more than a run's configuration can record (%zu characters)", spec, n,
                           cap - 1);
        else len += (size_t)snprintf(joined + len, cap - len, "%s%s", i ? "," : "", ids[i]);
    }
    if (!rc) memcpy(spec, joined, len + 1);
    for (int i = 0; i < n; i++) free(ids[i]);
    free(ids);
    free(joined);
    return rc;
}

// ---- Loading ----------------------------------------------------------------------------------

int dgrt_input_is_precip(const char *name) {
    static const char *const names[] = {"P", "prcp", "precip", "precipitation"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(name, names[i])) return 1;
    return 0;
}

void dgrt_norm_alloc(DgNorm *n, int nf, int na) {
    memset(n, 0, sizeof *n);
    n->nf = nf;
    n->na = na;
    n->ftransform = callocCheck((size_t)nf + 1, sizeof(int32_t));
    n->fmean = callocCheck((size_t)nf + 1, sizeof(double));
    n->fstd = callocCheck((size_t)nf + 1, sizeof(double));
    n->amean = callocCheck((size_t)na + 1, sizeof(double));
    n->astd = callocCheck((size_t)na + 1, sizeof(double));
}

void dgrt_norm_free(DgNorm *n) {
    free(n->ftransform);
    free(n->fmean);
    free(n->fstd);
    free(n->amean);
    free(n->astd);
    memset(n, 0, sizeof *n);
}

/* Keep the forcing f of basin b over [first, last] (cropped to the file); a
 * basin without any of those days keeps ndays = 0 (skipped with a warning later). */
static void keep_forcing(DgBasin *b, const DgModel *m, const DgForcing *f, int32_t first, int32_t last) {
    snprintf(b->forcing_path, sizeof b->forcing_path, "%s", f->path);
    int32_t d0 = f->dates[0], d1 = f->dates[f->nsteps - 1];
    int32_t c0 = first > d0 ? first : d0, c1 = last < d1 ? last : d1;
    b->day0 = c0;
    b->ndays = c1 >= c0 ? (int64_t)c1 - c0 + 1 : 0;
    int ni = m->ninputs;
    b->forcing = mallocCheck(sizeof(double) * (size_t)(b->ndays * ni + 1));
    if (b->ndays)
        memcpy(b->forcing, f->values + (int64_t)(c0 - d0) * ni, sizeof(double) * (size_t)(b->ndays * ni));
    if (b->ndays == 0) b->day0 = d0; /* keeps the file's first day for messages */
}

/* Basin b's observations (and benchmark), in `unit` ("" = not stated), into
 * the unit of the output they are compared with (none: as they are). */
static int obs_into_target(DgBasin *b, const DgOutputInfo *target, const char *unit, const char *source,
                           const char *how, DgrtErr *err) {
    if (!target) return 0;
    char who[160];
    snprintf(who, sizeof who, "output '%s', compared with the observations,", target->name);
    DgConversion c;
    if (dgrt_units_resolve_basin(&c, target->unit, unit, b->area_km2, who, source, how, err)) return err->code;
    for (int64_t t = 0; t < b->ndays && !dgrt_conversion_is_identity(c); t++) {
        b->obs[t] = dgrt_convert(c, b->obs[t]);   /* NaN (missing) stays NaN */
        if (b->bench) b->bench[t] = dgrt_convert(c, b->bench[t]);
    }
    return 0;
}

/* A basin without observations: every day missing, and a record that covers no day. */
static void no_observations(DgBasin *b, const char *path) {
    snprintf(b->obs_path, sizeof b->obs_path, "%s", path);
    b->obs_start = b->day0;
    b->obs_end = b->day0 - 1;
    b->obs = mallocCheck(sizeof(double) * (size_t)(b->ndays + 1));
    b->bench = NULL;
    for (int64_t t = 0; t < b->ndays; t++) b->obs[t] = NAN;
}

static int load_basin(DgBasin *b, const DgModel *m, const char *dir, const char *id, const DgMap *maps,
                      int nmaps, const DgDataSource *src, int32_t first, int32_t last, DgrtErr *err) {
    const DgOutputInfo *target = src->target;
    DgForcingSpec spec = {0};
    spec.latitude = b->lat;
    spec.has_latitude = isfinite(b->lat);
    spec.data_dir = dir;
    spec.basin = id;
    spec.maps = maps;
    spec.nmaps = nmaps;
    DgForcing f;
    if (dgrt_forcing_load(&f, m->inputs, m->ninputs, &spec, err)) return err->code;
    keep_forcing(b, m, &f, first, last);
    dgrt_forcing_free(&f);
    /* observations on the same axis */
    if (src->obs_optional && !dgrt_obs_exists(dir, id)) {
        no_observations(b, "(no streamflow file)");
        return 0;
    }
    DgObs o;
    if (dgrt_obs_load(&o, dir, id, err)) return err->code;
    snprintf(b->obs_path, sizeof b->obs_path, "%s", o.path);
    b->obs_start = o.start;
    b->obs_end = o.start + (int32_t)o.n - 1;
    b->obs = mallocCheck(sizeof(double) * (size_t)(b->ndays + 1));
    b->bench = o.bench ? mallocCheck(sizeof(double) * (size_t)(b->ndays + 1)) : NULL;
    for (int64_t t = 0; t < b->ndays; t++) {
        int64_t k = (int64_t)b->day0 + t - o.start;
        int in = k >= 0 && k < o.n;
        b->obs[t] = in ? o.q[k] : NAN;
        if (b->bench) b->bench[t] = in ? o.bench[k] : NAN;
    }
    dgrt_obs_free(&o);
    /* CAMELS streamflow is in mm/d: OBS_RUN as written, USGS cfs converted with the basin's area (camels.c) */
    char source[1100];
    snprintf(source, sizeof source, "the observed streamflow of '%s'", b->obs_path);
    return obs_into_target(b, target, "mm/d", source, NULL, err);
}

// ---- Basins from CSV files ----------------------------------------------------------------------

void dgrt_basin_csv_path(char *out, size_t size, const char *pattern, const char *id) {
    static const char key[] = "{basin}";
    size_t k = 0;
    for (const char *p = pattern; *p && k + 1 < size;) {
        if (!strncmp(p, key, sizeof key - 1)) {
            k += (size_t)snprintf(out + k, size - k, "%s", id);
            if (k >= size) k = size - 1;
            p += sizeof key - 1;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = 0;
}

/* A cell that stands for a missing value. */
static int missing_cell(const char *s) {
    return !s[0] || !strcasecmp(s, "NA") || !strcasecmp(s, "NaN") || !strcasecmp(s, "null");
}

/* A basin from its own CSV (or Caravan's): the forcing through forcing.c's
 * CSV reader (date column, inputs by name, map or the source's defaults),
 * then the observation column of the same file. */
static int load_basin_csv(DgBasin *b, const DgModel *m, const char *path, const DgDataSource *src,
                          const DgMap *defaults, int ndefaults, const char *obs_column, int32_t first, int32_t last,
                          DgrtErr *err) {
    DgForcingSpec spec = {0};
    spec.csv_path = path;
    spec.maps = src->maps;
    spec.nmaps = src->nmaps;
    spec.defaults = defaults;
    spec.ndefaults = ndefaults;
    spec.latitude = b->lat;
    spec.has_latitude = isfinite(b->lat);
    DgCsv csv;
    spec.keep_csv = &csv;
    DgForcing f;
    if (dgrt_forcing_load(&f, m->inputs, m->ninputs, &spec, err)) return err->code;
    keep_forcing(b, m, &f, first, last);
    int32_t fday0 = f.dates[0];
    dgrt_forcing_free(&f);
    /* observations: the same rows of the file the forcing came from (its dates were checked consecutive),
     * in the unit obs_column states, or its header, or its source's documentation */
    DgColumnRef oref;
    dgrt_column_ref(&csv, obs_column, &oref);
    const char *oc = oref.name;
    int rc = 0, col = oref.col >= 0 ? oref.col : src->obs_optional ? -1 : dgrt_csv_column(&csv, oc, err);
    if (col < 0 && src->obs_optional) { /* an ungauged basin: forcing only */
        no_observations(b, path);
        goto done;
    }
    if (col < 0) {
        dgrt_err_hint(
            err, "the observed series is read from column '%s'; name another with obs_column = COLUMN (--obs-column); "
                 "simulate --checkpoint predicts a basin without observations", oc);
        rc = err->code;
        goto done;
    }
    snprintf(b->obs_path, sizeof b->obs_path, "%s", path);
    b->obs_start = fday0;
    b->obs_end = fday0 + (int32_t)csv.nrows - 1;
    b->obs = mallocCheck(sizeof(double) * (size_t)(b->ndays + 1));
    b->bench = NULL;
    for (int64_t t = 0; t < b->ndays; t++) b->obs[t] = NAN;
    for (int64_t r = 0; r < csv.nrows; r++) { /* every row is checked, whatever the period */
        const char *cell = dgrt_csv_cell(&csv, r, col);
        double v = NAN;
        if (!missing_cell(cell)) {
            if ((rc = dgrt_csv_number(&csv, r, col, &v, err))) {
                dgrt_err_hint(
                    err, "observations are numbers; write a missing one as an empty cell, NA, NaN or -999");
                goto done;
            }
            if (!isfinite(v)) {
                char where[600];
                rc = dgrt_fail(err, DGRT_EXIT_DATA,
                               "write a missing observation as an empty cell, NA, NaN or -999",
                               "%s: column '%s': '%s' is not finite",
                               dgrt_csv_where(&csv, r, col, where, sizeof where), oc, cell);
                goto done;
            }
            if (v > 1e6) { /* no observed series of a basin reaches a million (mm/d, mm, ...): a damaged cell */
                char where[600];
                rc = dgrt_fail(err, DGRT_EXIT_DATA,
                               "observations are at most 1e6 (in the target's unit); write a missing one as an "
                               "empty cell, NA, NaN or -999",
                               "%s: column '%s': %s is more than 1e6, not a plausible observation",
                               dgrt_csv_where(&csv, r, col, where, sizeof where), oc, cell);
                goto done;
            }
            if (v < 0) v = NAN; /* -999 and the like: missing, as CAMELS writes them */
        }
        int64_t t = (int64_t)fday0 + r - b->day0;
        if (t >= 0 && t < b->ndays) b->obs[t] = v;
    }
    char source[1400];
    snprintf(source, sizeof source, "column '%s' of '%s'", csv.names[col], path);
    rc = obs_into_target(b, src->target, oref.unit, source, "the header, NAME(UNIT), or train --obs-column COLUMN:UNIT", err);
done:
    dgrt_csv_free(&csv);
    return rc;
}

/* An id as written in a table cell, normalised as the basin list's are. */
static void cell_id(char *out, size_t size, const char *cell) { normalise_id(out, size, cell, strlen(cell)); }

/* Attributes of the basins ids[0..n) from a table with a `basin` or `gauge_id`
 * column -> d->basins[i].attr. */
static int load_attributes_csv(DgDataset *d, const char *path, char *const *ids, int n,
                               const char *const *names, int na, DgrtErr *err) {
    DgCsv t;
    if (dgrt_csv_read(&t, path, NULL, err)) return err->code;
    if (t.ncols == 1 && strchr(t.names[0], ';')) { /* a ';'-separated table, as CAMELS writes them */
        dgrt_csv_free(&t);
        DgCsvOptions opt = {.delim = ';', .npre = 0};
        if (dgrt_csv_read(&t, path, &opt, err)) return err->code;
    }
    int rc = 0;
    char **rid = NULL, *rid_text = NULL; /* [nrows] the rows' ids, normalised */
    int64_t *row = mallocCheck(sizeof(int64_t) * (size_t)(n + 1));
    int *col = mallocCheck(sizeof(int) * (size_t)(na + 1));
    int idc = dgrt_csv_find(&t, "basin");
    if (idc < 0) idc = dgrt_csv_find(&t, "gauge_id");
    if (idc < 0) {
        dgrt_csv_column(&t, "basin", err);
        dgrt_err_hint(err,
                      "an attribute table has a 'basin' (or 'gauge_id') column and one column per attribute");
        rc = err->code;
        goto done;
    }
    for (int k = 0; k < na; k++)
        if ((col[k] = dgrt_csv_column(&t, names[k], err)) < 0) {
            const char *near = dgrt_closest(names[k], (const char *const *)t.names, t.ncols);
            if (near)
                dgrt_err_hint(err, "did you mean '%s'? (the model reads attribute '%s')", near, names[k]);
            else dgrt_err_hint(err, "add a column '%s': the model's network reads that attribute", names[k]);
            rc = err->code;
            goto done;
        }
    /* every basin's row; an id listed twice is an error wherever it is (ids
     * normalised once, duplicates found by sorting: tables may be long) */
    rid = mallocCheck(sizeof(char *) * (size_t)(t.nrows + 1));
    rid_text = mallocCheck((size_t)32 * (size_t)(t.nrows + 1));
    for (int64_t r = 0; r < t.nrows; r++) {
        rid[r] = rid_text + 32 * r;
        cell_id(rid[r], 32, dgrt_csv_cell(&t, r, idc));
    }
    int64_t q, r = dgrt_first_duplicate((const char *const *)rid, t.nrows, &q);
    if (r >= 0) {
        char where[600];
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "give every basin one row", "%s: basin '%s' is listed twice (also on line %d)",
                       dgrt_csv_where(&t, r, idc, where, sizeof where), dgrt_csv_cell(&t, r, idc), t.lines[q]);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        row[i] = -1;
        for (int64_t k = 0; k < t.nrows && row[i] < 0; k++)
            if (!strcmp(rid[k], ids[i])) row[i] = k;
        if (row[i] < 0) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "add a row for the basin, or leave it out of the basin list",
                           "%s: basin '%s' is not in the table (column '%s', %lld rows)", path, ids[i],
                           t.names[idc], (long long)t.nrows);
            goto done;
        }
    }
    for (int i = 0; i < n; i++) {
        DgBasin *b = &d->basins[i];
        b->attr = mallocCheck(sizeof(double) * (size_t)(na + 1));
        for (int k = 0; k < na; k++) {
            const char *cell = dgrt_csv_cell(&t, row[i], col[k]);
            double v = NAN;
            if (!missing_cell(cell) && (rc = dgrt_csv_number(&t, row[i], col[k], &v, err))) {
                dgrt_err_hint(err,
                              "attributes are numbers (a network reads them); write a missing one as NA");
                goto done;
            }
            if (isinf(v)) {
                char where[600];
                rc = dgrt_fail(err, DGRT_EXIT_DATA, "write a missing attribute as NA",
                               "%s: column '%s': '%s' is not finite",
                               dgrt_csv_where(&t, row[i], col[k], where, sizeof where), names[k], cell);
                goto done;
            }
            b->attr[k] = v;
        }
    }
done:
    free(rid);
    free(rid_text);
    free(row);
    free(col);
    dgrt_csv_free(&t);
    return rc;
}

const DgMap dgrt_caravan_defaults[] = {
    {"P", "total_precipitation_sum"},
    {"T", "temperature_2m_mean"},
    {"PET", "potential_evaporation_sum"},
    {"E", "potential_evaporation_sum"},
};
const int dgrt_caravan_ndefaults = sizeof dgrt_caravan_defaults / sizeof dgrt_caravan_defaults[0];

/* A basin's area in km^2 as a table gives it; NaN when it is no area (the
 * largest river basin, the Amazon's, has 7e6 km^2). */
static double plausible_area(double km2) { return km2 > 0 && km2 <= 1e7 ? km2 : NAN; }

/* Gauge latitude, longitude and basin area of every basin, where the
 * attributes give them (CAMELS camels_topo.txt gauge_lat, gauge_lon,
 * area_gages2; an attribute table's gauge_lat|lat|latitude,
 * gauge_lon|lon|longitude, area|area_km2|area_gages2). Missing ones stay NaN:
 * only an input that needs the latitude, or observations in m3/s, make that
 * an error (forcing.c, obs_into_target), and maps skip basins without
 * coordinates. */
static void load_coordinates(DgDataset *d, const char *attributes_csv, const char *camels_tables, char *const *ids,
                             int n) {
    DgrtErr quiet = {0};
    if (attributes_csv) {
        DgCsv t;
        if (dgrt_csv_read(&t, attributes_csv, NULL, &quiet)) return;
        if (t.ncols == 1 && strchr(t.names[0], ';')) {
            dgrt_csv_free(&t);
            DgCsvOptions opt = {.delim = ';', .npre = 0};
            if (dgrt_csv_read(&t, attributes_csv, &opt, &quiet)) return;
        }
        int idc = dgrt_csv_find(&t, "basin");
        if (idc < 0) idc = dgrt_csv_find(&t, "gauge_id");
        int cl[3] = {-1, -1, -1};
        const char *names[3][3] = {{"gauge_lat", "lat", "latitude"},
                                   {"gauge_lon", "lon", "longitude"},
                                   {"area", "area_km2", "area_gages2"}};
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < 3 && cl[k] < 0; j++) cl[k] = dgrt_csv_find(&t, names[k][j]);
        for (int64_t r = 0; idc >= 0 && r < t.nrows; r++) {
            char a[32];
            cell_id(a, sizeof a, dgrt_csv_cell(&t, r, idc));
            for (int i = 0; i < n; i++)
                if (!strcmp(a, ids[i]))
                    for (int k = 0; k < 3; k++) {
                        double v = NAN;
                        if (cl[k] >= 0 && dgrt_csv_number(&t, r, cl[k], &v, &quiet)) v = NAN;
                        if (k == 0) d->basins[i].lat = v;
                        else if (k == 1) d->basins[i].lon = v;
                        else d->basins[i].area_km2 = plausible_area(v);
                    }
        }
        dgrt_csv_free(&t);
        return;
    }
    if (!camels_tables) return;
    DgAttributes a;
    const char *const names[2] = {"gauge_lat", "gauge_lon"};
    if (!dgrt_attributes_load(&a, camels_tables, (const char *const *)ids, n, names, 2, &quiet)) {
        for (int i = 0; i < n; i++) {
            d->basins[i].lat = a.values[2 * i];
            d->basins[i].lon = a.values[2 * i + 1];
        }
        dgrt_attributes_free(&a);
    }
    const char *const area[1] = {"area_gages2"};   /* read apart: tables without it keep the coordinates */
    if (dgrt_attributes_load(&a, camels_tables, (const char *const *)ids, n, area, 1, &quiet)) return;
    for (int i = 0; i < n; i++) d->basins[i].area_km2 = plausible_area(a.values[i]);
    dgrt_attributes_free(&a);
}

int dgrt_dataset_load_source(DgDataset *d, const DgModel *m, const DgDataSource *src, char *const *ids, int n,
                             int32_t first, int32_t last, DgrtErr *err) {
    memset(d, 0, sizeof *d);
    d->m = m;
    d->nf = m->learn.nforcings;
    d->na = m->learn.nattributes;
    d->basins = callocCheck((size_t)n, sizeof(DgBasin));
    d->nbasins = n;
    const char *dir = src->camels_dir && src->camels_dir[0] ? src->camels_dir : NULL;
    int csv = src->forcing_csv && src->forcing_csv[0], acsv = src->attributes_csv && src->attributes_csv[0];
    if (csv && n > 1 && !strstr(src->forcing_csv, "{basin}")) {
        dgrt_fail(err, DGRT_EXIT_USAGE,
                  "write the path with {basin} where the id goes, e.g. forcing_csv = data/{basin}.csv",
                  "forcing_csv '%s' names one file for %d basins", src->forcing_csv, n);
        goto fail;
    }
    if (!dir && !csv) {
        dgrt_fail(
            err, DGRT_EXIT_USAGE,
            "give data = DIR (the CAMELS-US directory with basin_mean_forcing/) or forcing_csv = PATTERN "
            "(one CSV per basin)",
            "no data directory");
        goto fail;
    }
    DgLayout layout = dir && !csv ? dgrt_data_layout(dir) : DG_LAYOUT_UNKNOWN;
    if (dir && !csv && layout == DG_LAYOUT_UNKNOWN) {
        dgrt_fail(err, DGRT_EXIT_DATA,
                  "data = DIR is a CAMELS-US directory (basin_mean_forcing/, usgs_streamflow/) or a Caravan one "
                  "(timeseries/csv/SOURCE/SOURCE_ID.csv or timeseries/netcdf/SOURCE/SOURCE_ID.nc)",
                  "'%s' holds neither basin_mean_forcing/ nor timeseries/csv/ (or timeseries/netcdf/)", dir);
        goto fail;
    }
    /* the CAMELS attribute tables: attributes = DIR, else the CAMELS-US data directory */
    const char *adir = src->attributes_dir && src->attributes_dir[0] ? src->attributes_dir
                       : layout == DG_LAYOUT_CAMELS                  ? dir
                                                                     : NULL;
    if (d->na > 0 && !acsv && !adir) {
        dgrt_fail(err, DGRT_EXIT_USAGE,
                  layout == DG_LAYOUT_CARAVAN
                      ? "give attributes = DIR (the CAMELS attribute tables camels_*.txt) or attributes_csv = FILE"
                      : "give attributes_csv = FILE (a 'basin' column and one column per attribute) or data = "
                        "CAMELS-DIR",
                  "model '%s' reads %d attributes, but there is no attribute table", m->name, d->na);
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        snprintf(d->basins[i].id, sizeof d->basins[i].id, "%s", ids[i]);
        d->basins[i].lat = d->basins[i].lon = d->basins[i].area_km2 = NAN;
    }
    load_coordinates(d, acsv ? src->attributes_csv : NULL, adir, ids, n);
    for (int i = 0; i < n; i++) {
        DgBasin *b = &d->basins[i];
        int rc;
        if (csv || layout == DG_LAYOUT_CARAVAN) {
            char path[1024];
            if (csv) {
                dgrt_basin_csv_path(path, sizeof path, src->forcing_csv, ids[i]);
            } else if (!dgrt_caravan_path(path, sizeof path, dir, ids[i])) {
                dgrt_fail(err, DGRT_EXIT_DATA, "check the basin list and data = DIR (a Caravan folder)",
                          "no Caravan time series for basin '%s': '%s' does not exist", ids[i], path);
                goto fail;
            }
            const char *oc = csv ? (src->obs_column && src->obs_column[0] ? src->obs_column : DGRT_DEFAULT_OBS_COLUMN)
                                 : (src->obs_column && src->obs_column[0] ? src->obs_column : DGRT_CARAVAN_OBS_COLUMN);
            rc = load_basin_csv(b, m, path, src, csv ? NULL : dgrt_caravan_defaults, csv ? 0 : dgrt_caravan_ndefaults,
                                oc, first, last, err);
        } else {
            rc = load_basin(b, m, dir, ids[i], src->maps, src->nmaps, src, first, last, err);
        }
        if (rc) goto fail;
    }
    if (d->na > 0) {
        if (acsv) {
            if (load_attributes_csv(d, src->attributes_csv, ids, n, m->learn.attributes, d->na, err))
                goto fail;
        } else {
            DgAttributes a;
            if (dgrt_attributes_load(&a, adir, (const char *const *)ids, n, m->learn.attributes, d->na, err))
                goto fail;
            for (int i = 0; i < n; i++) {
                d->basins[i].attr = mallocCheck(sizeof(double) * (size_t)d->na);
                memcpy(d->basins[i].attr, a.values + (size_t)i * d->na, sizeof(double) * (size_t)d->na);
            }
            dgrt_attributes_free(&a);
        }
    }
    dgrt_norm_alloc(&d->norm, d->nf, d->na);
    return 0;
fail:
    dgrt_dataset_free(d);
    return err->code;
}

int dgrt_dataset_load(DgDataset *d, const DgModel *m, const char *dir, char *const *ids, int n,
                      const DgMap *maps, int nmaps, int32_t first, int32_t last, DgrtErr *err) {
    DgDataSource src = {0};
    src.camels_dir = dir;
    src.maps = maps;
    src.nmaps = nmaps;
    return dgrt_dataset_load_source(d, m, &src, ids, n, first, last, err);
}

void dgrt_dataset_free(DgDataset *d) {
    for (int i = 0; i < d->nbasins; i++) {
        DgBasin *b = &d->basins[i];
        free(b->forcing);
        free(b->obs);
        free(b->bench);
        free(b->attr);
        free(b->xf);
        free(b->xa);
    }
    free(d->basins);
    dgrt_norm_free(&d->norm);
    memset(d, 0, sizeof *d);
}

// ---- Periods ------------------------------------------------------------------------------------

int dgrt_dataset_select(const DgDataset *d, DgPeriod p, const char *what, int need_obs, int *idx,
                        FILE *warn) {
    int n = 0;
    char ps[32], a[16], b2[16];
    dgrt_period_format(p, ps);
    for (int i = 0; i < d->nbasins; i++) {
        const DgBasin *b = &d->basins[i];
        int64_t t0 = dgrt_basin_index(b, p.start), t1 = dgrt_basin_index(b, p.end);
        if (t0 < 0 || t1 < 0) {
            if (warn) {
                if (b->ndays > 0)
                    fprintf(warn,
                            "warning: basin %s skipped for the %s period %s: the forcing '%s' covers %s to "
                            "%s here\n",
                            b->id, what, ps, b->forcing_path, dgrt_format_date(b->day0, a),
                            dgrt_format_date(b->day0 + (int32_t)b->ndays - 1, b2));
                else
                    fprintf(
                        warn,
                        "warning: basin %s skipped for the %s period %s: the forcing '%s' has no day of it\n",
                        b->id, what, ps, b->forcing_path);
            }
            continue;
        }
        if (need_obs) {
            int64_t k = 0;
            for (int64_t t = t0; t <= t1; t++) k += !isnan(b->obs[t]);
            if (k == 0) {
                if (warn)
                    fprintf(warn,
                            "warning: basin %s skipped for the %s period %s: no observed streamflow in it "
                            "('%s' covers %s to %s)\n",
                            b->id, what, ps, b->obs_path, dgrt_format_date(b->obs_start, a),
                            dgrt_format_date(b->obs_end, b2));
                continue;
            }
        }
        idx[n++] = i;
    }
    return n;
}

void dgrt_dataset_warn_warmup(const DgDataset *d, const int *idx, int n, DgPeriod p, int64_t warmup,
                              const char *what, FILE *warn) {
    char a[16], ps[32];
    for (int i = 0; i < n && warn; i++) {
        const DgBasin *b = &d->basins[idx[i]];
        int64_t before = dgrt_basin_index(b, p.start);
        if (before < warmup)
            fprintf(warn,
                    "warning: basin %s has %lld of the %lld warm-up days before the %s period %s (its "
                    "forcing starts on %s)\n",
                    b->id, (long long)before, (long long)warmup, what, dgrt_period_format(p, ps),
                    dgrt_format_date(b->day0, a));
    }
}

// ---- Normalisation -------------------------------------------------------------------------------

static double transform(int kind, double x) { return kind ? log10(sqrt(x > 0 ? x : 0) + 0.1) : x; }

/* mean and population std (ddof 0) in double, two passes */
void dgrt_norm_compute(DgNorm *norm, const DgDataset *d, const int *idx, int n, DgPeriod p) {
    const DgModel *m = d->m;
    int ni = m->ninputs;
    for (int f = 0; f < d->nf; f++) {
        int in = m->learn.forcings[f];
        norm->ftransform[f] = dgrt_input_is_precip(m->inputs[in].name);
        double sum = 0, cnt = 0;
        for (int i = 0; i < n; i++) {
            const DgBasin *b = &d->basins[idx[i]];
            int64_t t0 = dgrt_basin_index(b, p.start), t1 = dgrt_basin_index(b, p.end);
            for (int64_t t = t0; t >= 0 && t <= t1; t++) {
                sum += transform(norm->ftransform[f], b->forcing[t * ni + in]);
                cnt++;
            }
        }
        double mean = cnt > 0 ? sum / cnt : 0, ss = 0;
        for (int i = 0; i < n; i++) {
            const DgBasin *b = &d->basins[idx[i]];
            int64_t t0 = dgrt_basin_index(b, p.start), t1 = dgrt_basin_index(b, p.end);
            for (int64_t t = t0; t >= 0 && t <= t1; t++) {
                double x = transform(norm->ftransform[f], b->forcing[t * ni + in]) - mean;
                ss += x * x;
            }
        }
        double sd = cnt > 0 ? sqrt(ss / cnt) : 0;
        norm->fmean[f] = mean;
        norm->fstd[f] = sd > 0 && isfinite(sd) ? sd : 1.0;
    }
    for (int a = 0; a < d->na; a++) {
        double sum = 0, cnt = 0, ss = 0;
        for (int i = 0; i < n; i++) {
            double x = d->basins[idx[i]].attr[a];
            if (!isnan(x)) sum += x, cnt++;
        }
        double mean = cnt > 0 ? sum / cnt : 0;
        for (int i = 0; i < n; i++) {
            double x = d->basins[idx[i]].attr[a];
            if (!isnan(x)) ss += (x - mean) * (x - mean);
        }
        double sd = cnt > 0 ? sqrt(ss / cnt) : 0;
        norm->amean[a] = mean;
        norm->astd[a] = sd > 0 && isfinite(sd) ? sd : 1.0;
    }
}

void dgrt_dataset_normalise(DgDataset *d) {
    const DgModel *m = d->m;
    const DgNorm *nm = &d->norm;
    int ni = m->ninputs;
    for (int i = 0; i < d->nbasins; i++) {
        DgBasin *b = &d->basins[i];
        free(b->xf);
        free(b->xa);
        b->xf = mallocCheck(sizeof(float) * (size_t)(b->ndays * d->nf + 1));
        b->xa = mallocCheck(sizeof(float) * (size_t)(d->na + 1));
        for (int64_t t = 0; t < b->ndays; t++)
            for (int f = 0; f < d->nf; f++) {
                double x = transform(nm->ftransform[f], b->forcing[t * ni + m->learn.forcings[f]]);
                b->xf[t * d->nf + f] = (float)((x - nm->fmean[f]) / nm->fstd[f]);
            }
        for (int a = 0; a < d->na; a++) {
            double x = b->attr[a];
            b->xa[a] = isnan(x) ? 0.0f : (float)((x - nm->amean[a]) / nm->astd[a]);
        }
    }
}
