/* forcing.c — forcing series for the model inputs (see forcing.h).
 *
 * CSV (`--forcing-csv FILE`): a `date` column (YYYY-MM-DD, consecutive days)
 * and one column per model input, named as the input or given by
 * `--map NAME=COLUMN`; other columns are ignored.
 *
 * CAMELS-US (`--data DIR --basin ID`): the Daymet lumped forcing file
 * DIR/basin_mean_forcing/daymet[/HUC]/ID_lump_cida_forcing_leap.txt
 * (3 header lines: latitude, elevation, area; then
 * `Year Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)`).
 * Variables: the file's columns by their short names (dayl prcp srad swe tmax
 * tmin vp) and derived ones: tmean = (tmax + tmin) / 2, lday = dayl / 86400
 * (days), pet_hargreaves (Hargreaves from tmin, tmax and the latitude of
 * line 1, pet.c), pet_hamon (Hamon from tmean and lday). Default mapping:
 * P <- prcp, T <- tmean, PET and E <- pet_hargreaves, Lday <- lday, any input
 * named like a variable <- that variable; `--map NAME=VARIABLE` overrides. */
#include "dgrt_internal.h"
#include "dataset.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *const dgrt_camels_variables =
    "prcp, tmax, tmin, tmean, srad, vp, swe, dayl, lday, pet_hargreaves, pet_hamon, pet_oudin, daylength, doy, lat";
const char *const dgrt_derived_variables = "doy, lat, daylength, pet_oudin, pet_hamon";

/* How one model input is computed from a table row. */
typedef enum {
    SRC_COLUMN,   /* col: the cell as it is */
    SRC_TMEAN,    /* (tmax + tmin) / 2 */
    SRC_LDAY,     /* dayl / 86400 */
    SRC_HARG,     /* Hargreaves PET */
    SRC_HAMON,    /* Hamon PET */
    SRC_DOY,      /* day of year of the row's date */
    SRC_LAT,      /* the basin's latitude, degrees */
    SRC_DAYLEN,   /* astronomical day length, days */
    SRC_OUDIN,    /* Oudin PET from the temperature (column col, or tmean for CAMELS) */
    SRC_HAMON_T,  /* Hamon PET from the temperature and the astronomical day length */
} SourceKind;

/* ---- Plausible values ------------------------------------------------------------------
 * Forcing has no missing-value policy: a model needs a value on every day it
 * runs, so a gap is an error, never a silent NaN or a -999 taken as rain.
 * Every cell the run reads is checked (observations are different: missing
 * ones are masked, camels.c and dataset.c):
 *   any variable    a finite number, |x| <= 1e6, and not -999 or -9999 (the
 *                   missing-value markers of CAMELS and many other data sets)
 *   precipitation   [0, 2000] mm/d (the world record is 1825 mm in a day)
 *   temperature     [-90, 70] degC (the records are -89.2 and 56.7 degC)
 *   day length      [0, 86400] s, or [0, 1] d
 * A column counts as precipitation, temperature or day length by its name
 * (prcp, precip, precipitation, total_precipitation_sum, ...; tmax, tmin,
 * tmean, temperature_2m_mean, ...; dayl, lday) or by the model input it feeds
 * (P, prcp, precip, precipitation; an input in degC; Lday), when its unit, in
 * parentheses after the name or the input's, is the one above (or not given).
 * Potential evaporation gets the general check only: ERA5-Land's (Caravan's
 * potential_evaporation_sum) is negative on some days. README.md lists these. */
typedef enum { RANGE_ANY, RANGE_PRECIP, RANGE_TEMP, RANGE_DAYL_S, RANGE_DAYL_D } RangeKind;

static const struct {
    double lo, hi;
    const char *what, *unit;
} ranges[] = {
    [RANGE_ANY] = {-1e6, 1e6, "a forcing value", ""},
    [RANGE_PRECIP] = {0, 2000, "precipitation", " mm/d"},
    [RANGE_TEMP] = {-90, 70, "air temperature", " degC"},
    [RANGE_DAYL_S] = {0, 86400, "day length", " s"},
    [RANGE_DAYL_D] = {0, 1, "day length", " d"},
};

static int name_in(const char *name, const char *const *list) {
    for (; *list; list++)
        if (!strcasecmp(name, *list)) return 1;
    return 0;
}

/* The range of a column (header "name" or "name(unit)") feeding `input` (NULL: none). */
static RangeKind range_of(const char *header, const DgNameInfo *input) {
    static const char *const precip[] = {"p",  "prcp", "precip", "precipitation", "pr", "rain", "rainfall",
                                         "tp", "total_precipitation_sum", NULL};
    static const char *const temp[] = {"t",    "tmax",        "tmin", "tmean", "tavg", "tair", "temp",
                                       "tas",  "temperature", NULL};
    static const char *const dayl[] = {"dayl", "lday", "day_length", NULL};
    static const char *const mm_day[] = {"mm/d", "mm/day", "mm d-1", "mm", NULL};
    static const char *const deg_c[] = {"c", "degc", "deg c", "\u00b0c", "celsius", NULL};
    static const char *const secs[] = {"s", "sec", "seconds", NULL};
    static const char *const days[] = {"d", "day", "days", NULL};
    char base[128], unit[64] = "";
    size_t n = strcspn(header, "(");
    snprintf(base, sizeof base, "%.*s", (int)(n < sizeof base ? n : sizeof base - 1), header);
    if (header[n] == '(') {
        size_t u = strcspn(header + n + 1, ")");
        snprintf(unit, sizeof unit, "%.*s", (int)(u < sizeof unit ? u : sizeof unit - 1), header + n + 1);
    }
    const char *un = unit[0] ? unit : input && input->unit ? input->unit : "";
    const char *in = input ? input->name : "";
    int is_temp = name_in(base, temp) || !strncasecmp(base, "temperature_2m", 14) ||
                  (input && input->unit && name_in(input->unit, deg_c));
    if ((name_in(base, precip) || dgrt_input_is_precip(in)) && (!un[0] || name_in(un, mm_day))) return RANGE_PRECIP;
    if (is_temp && (!un[0] || name_in(un, deg_c))) return RANGE_TEMP;
    if (name_in(base, dayl) || !strcasecmp(in, "Lday")) {
        if (name_in(un, secs)) return RANGE_DAYL_S;
        if (name_in(un, days)) return RANGE_DAYL_D;
        if (!un[0]) return strcasecmp(base, "dayl") ? RANGE_DAYL_D : RANGE_DAYL_S;   /* CAMELS: dayl in s, lday in d */
    }
    return RANGE_ANY;
}

/* Cell (r, col) as a forcing value of `range`: 0, or an error naming file:line:col. */
static int forcing_value(const DgCsv *csv, int64_t r, int col, RangeKind range, double *out, DgrtErr *err) {
    if (dgrt_csv_number(csv, r, col, out, err)) return err->code;
    double v = *out;
    char where[600];
    const char *cell = dgrt_csv_cell(csv, r, col);
    if (!isfinite(v))
        return dgrt_fail(err, DGRT_EXIT_DATA, "forcing values must be finite numbers",
                         "%s: column '%s': value '%.40s' is not finite",
                         dgrt_csv_where(csv, r, col, where, sizeof where), csv->names[col], cell);
    if (v == -999 || v == -9999)
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "a model needs the forcing of every day it runs: fill the gap (e.g. by interpolation or "
                         "from a nearby station) or choose a --period without it",
                         "%s: column '%s': '%.40s' is a missing-value marker, and forcing has no missing values",
                         dgrt_csv_where(csv, r, col, where, sizeof where), csv->names[col], cell);
    RangeKind k = v < ranges[RANGE_ANY].lo || v > ranges[RANGE_ANY].hi ? RANGE_ANY : range;
    if (v < ranges[k].lo || v > ranges[k].hi)
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "check the column and its unit (README.md, 'Forcing values', lists the plausible ranges)",
                         "%s: column '%s': %.40s is outside [%g, %g]%s, the plausible range of %s",
                         dgrt_csv_where(csv, r, col, where, sizeof where), csv->names[col], cell, ranges[k].lo,
                         ranges[k].hi, ranges[k].unit, ranges[k].what);
    return 0;
}

typedef struct {
    SourceKind kind;
    int        col;
    RangeKind  range;   /* of column col */
} Source;

static const struct {
    const char *input, *var;
} camels_defaults[] = {
    {"P", "prcp"}, {"T", "tmean"}, {"PET", "pet_hargreaves"}, {"E", "pet_hargreaves"}, {"Lday", "lday"},
};

void dgrt_forcing_free(DgForcing *f) {
    if (f->source)
        for (int i = 0; i < f->ninputs; i++) free(f->source[i]);
    free(f->source);
    free(f->dates);
    free(f->values);
    memset(f, 0, sizeof *f);
}

int dgrt_parse_period(const char *s, int32_t *start, int32_t *end, DgrtErr *err) {
    const char *hint = "write the period as START:END, e.g. --period 1980-10-01:1990-09-30 (both days included)";
    const char *colon = strchr(s, ':');
    char a[32], b[32];
    if (!colon || colon - s >= (long)sizeof a || strlen(colon + 1) >= sizeof b)
        return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--period '%s' is not START:END", s);
    memcpy(a, s, (size_t)(colon - s));
    a[colon - s] = 0;
    strcpy(b, colon + 1);
    if (dgrt_parse_date(a, start))
        return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--period '%s': '%s' is not a date (YYYY-MM-DD)", s, a);
    if (dgrt_parse_date(b, end))
        return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--period '%s': '%s' is not a date (YYYY-MM-DD)", s, b);
    if (*end < *start) return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--period '%s' ends before it starts", s);
    return 0;
}

/* "a, b, c" of the model inputs */
static void input_list(const DgNameInfo *inputs, int n, char *buf, size_t size) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n && k + 1 < size; i++) k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? ", " : "", inputs[i].name);
}

/* --map entries must name inputs, once each. */
static int check_maps(const DgNameInfo *inputs, int ninputs, const DgForcingSpec *spec, DgrtErr *err) {
    for (int k = 0; k < spec->nmaps; k++) {
        int found = 0;
        for (int i = 0; i < ninputs; i++) found |= !strcmp(inputs[i].name, spec->maps[k].name);
        if (!found) {
            char list[512];
            input_list(inputs, ninputs, list, sizeof list);
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--map %s=%s: the model has no input '%s' (inputs: %s)",
                             spec->maps[k].name, spec->maps[k].column, spec->maps[k].name, list);
        }
        for (int j = 0; j < k; j++)
            if (!strcmp(spec->maps[j].name, spec->maps[k].name))
                return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--map %s is given twice", spec->maps[k].name);
    }
    return 0;
}

static const char *mapped(const DgForcingSpec *spec, const char *name) {
    for (int k = 0; k < spec->nmaps; k++)
        if (!strcmp(spec->maps[k].name, name)) return spec->maps[k].column;
    return NULL;
}

/* The CSV column of an input: its --map, else the source's default, else NULL (the input's name). */
static const char *csv_column_of(const DgForcingSpec *spec, const char *name) {
    const char *m = mapped(spec, name);
    for (int k = 0; !m && k < spec->ndefaults; k++)
        if (!strcmp(spec->defaults[k].name, name)) m = spec->defaults[k].column;
    return m;
}

__attribute__((format(printf, 1, 2)))
static char *str_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = mallocCheck((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

// ---- Common part: dates, period, values ----------------------------------------------

/* `days[r]` for every row; rows must be consecutive days. Selects the rows of
 * the period into f->dates, computes every input with `src`, checks values are finite. */
static int fill(DgForcing *f, const DgCsv *csv, const int32_t *days, int date_col, const Source *src,
                const int cols[4], const DgForcingSpec *spec, DgrtErr *err) {
    char where[600], a[16], b[16];
    if (csv->nrows == 0)
        return dgrt_fail(err, DGRT_EXIT_DATA, "the rows after the header hold one day each",
                         "%s:%d:1: no data rows after the header", csv->path, csv->header_line);
    for (int64_t r = 1; r < csv->nrows; r++)
        if (days[r] != days[r - 1] + 1)
            return dgrt_fail(err, DGRT_EXIT_DATA, "forcing rows are consecutive days, in order, without gaps",
                             "%s: date %s does not follow %s", dgrt_csv_where(csv, r, date_col, where, sizeof where),
                             dgrt_format_date(days[r], a), dgrt_format_date(days[r - 1], b));
    int64_t r0 = 0, r1 = csv->nrows - 1;
    if (spec->has_period) {
        if (spec->start < days[0] || spec->end > days[csv->nrows - 1]) {
            char d0[16], d1[16];
            return dgrt_fail(err, DGRT_EXIT_DATA, "choose a --period inside the dates of the file",
                             "period %s:%s is not inside the data of '%s' (%s to %s)", dgrt_format_date(spec->start, a),
                             dgrt_format_date(spec->end, b), csv->path, dgrt_format_date(days[0], d0),
                             dgrt_format_date(days[csv->nrows - 1], d1));
        }
        r0 = spec->start - days[0];
        r1 = spec->end - days[0];
    }
    f->nsteps = r1 - r0 + 1;
    f->dates = mallocCheck(sizeof(int32_t) * (size_t)f->nsteps);
    f->values = mallocCheck(sizeof(double) * (size_t)(f->nsteps * (f->ninputs ? f->ninputs : 1)));
    for (int64_t t = 0; t < f->nsteps; t++) {
        int64_t r = r0 + t;
        f->dates[t] = days[r];
        double raw[4] = {0, 0, 0, 0};   /* tmin, tmax, dayl (CAMELS) */
        for (int k = 0; k < 3; k++) {
            if (cols[k] < 0) continue;
            if (forcing_value(csv, r, cols[k], range_of(csv->names[cols[k]], NULL), &raw[k], err)) return err->code;
        }
        for (int i = 0; i < f->ninputs; i++) {
            double v = 0;
            switch (src[i].kind) {
            case SRC_COLUMN:
                if (forcing_value(csv, r, src[i].col, src[i].range, &v, err)) return err->code;
                break;
            case SRC_TMEAN: v = (raw[1] + raw[0]) / 2.0; break;
            case SRC_LDAY: v = raw[2] / 86400.0; break;
            case SRC_HARG: v = dgrt_pet_hargreaves(raw[0], raw[1], f->latitude, dgrt_day_of_year(days[r])); break;
            case SRC_HAMON: v = dgrt_pet_hamon((raw[1] + raw[0]) / 2.0, raw[2] / 86400.0); break;
            case SRC_DOY: v = dgrt_day_of_year(days[r]); break;
            case SRC_LAT: v = f->latitude; break;
            case SRC_DAYLEN: v = dgrt_daylength(dgrt_day_of_year(days[r]), f->latitude); break;
            case SRC_OUDIN:
            case SRC_HAMON_T: {
                double tm = (raw[1] + raw[0]) / 2.0;
                if (src[i].col >= 0 && forcing_value(csv, r, src[i].col, RANGE_TEMP, &tm, err)) return err->code;
                int doy = dgrt_day_of_year(days[r]);
                v = src[i].kind == SRC_OUDIN ? dgrt_pet_oudin(tm, f->latitude, doy)
                                             : dgrt_pet_hamon(tm, dgrt_daylength(doy, f->latitude));
                break;
            }
            }
            f->values[t * f->ninputs + i] = v;
        }
    }
    return 0;
}

// ---- Derived variables (every source) -----------------------------------------------------

/* The variable a derived name stands for, or -1: doy, lat, daylength, pet_oudin, pet_hamon_lat. */
static int derived_kind(const char *var) {
    if (!strcasecmp(var, "doy")) return SRC_DOY;
    if (!strcasecmp(var, "lat") || !strcasecmp(var, "latitude")) return SRC_LAT;
    if (!strcasecmp(var, "daylength")) return SRC_DAYLEN;
    if (!strcasecmp(var, "pet_oudin")) return SRC_OUDIN;
    return -1;
}

/* Input i from a derived variable: checks that the latitude is known when the
 * variable needs it; temp_col is the temperature column (-1: CAMELS tmean). */
static int use_derived(DgForcing *f, Source *src, int i, int kind, int temp_col, const char *temp_name,
                       const DgNameInfo *inputs, DgrtErr *err) {
    if (kind != SRC_DOY && !isfinite(f->latitude))
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "the latitude comes from the attributes (gauge_lat of camels_topo.txt, or a gauge_lat, lat "
                         "or latitude column of attributes_csv)",
                         "model input '%s' needs the basin's latitude, which '%s' does not give", inputs[i].name,
                         f->path);
    if ((kind == SRC_OUDIN || kind == SRC_HAMON_T) && temp_col < -1)
        return dgrt_fail(err, DGRT_EXIT_DATA, "give the temperature as the model input T (or --map T=COLUMN)",
                         "model input '%s' is a PET from temperature, but no column gives the temperature",
                         inputs[i].name);
    src[i].kind = (SourceKind)kind;
    src[i].col = temp_col;
    switch (kind) {
    case SRC_DOY: f->source[i] = str_printf("day of year"); break;
    case SRC_LAT: f->source[i] = str_printf("latitude %.4f", f->latitude); break;
    case SRC_DAYLEN: f->source[i] = str_printf("day length (latitude %.4f)", f->latitude); break;
    case SRC_OUDIN: f->source[i] = str_printf("Oudin(%s, latitude %.4f)", temp_name, f->latitude); break;
    default: f->source[i] = str_printf("Hamon(%s, day length, latitude %.4f)", temp_name, f->latitude); break;
    }
    return 0;
}

// ---- CSV forcing -------------------------------------------------------------------------

static int load_csv(DgForcing *f, const DgNameInfo *inputs, const DgForcingSpec *spec, DgrtErr *err) {
    DgCsv csv;
    if (dgrt_table_read(&csv, spec->csv_path, err)) return err->code;   /* a .nc file: netcdf_read.c */
    int rc = 0;
    int32_t *days = NULL;
    Source *src = callocCheck((size_t)f->ninputs + 1, sizeof(Source));
    int date_col = dgrt_csv_column(&csv, "date", err);
    if (date_col < 0) {
        dgrt_err_hint(err, "a forcing CSV has a 'date' column (YYYY-MM-DD) and one column per model input");
        rc = err->code;
        goto done;
    }
    /* the temperature of derived PET: the column input T reads */
    int temp_col = -2;
    const char *temp_name = "T";
    for (int i = 0; i < f->ninputs; i++)
        if (!strcmp(inputs[i].name, "T")) {
            const char *tc = csv_column_of(spec, "T");
            if (!tc) tc = "T";   /* no map, no default: the column named like the input */
            temp_col = dgrt_csv_find(&csv, tc);
            temp_name = tc;
            if (temp_col < 0) temp_col = -2;
        }
    for (int i = 0; i < f->ninputs; i++) {
        const char *m = csv_column_of(spec, inputs[i].name);
        const char *col = m ? m : inputs[i].name;
        int kind = dgrt_csv_find(&csv, col) < 0 ? derived_kind(col) : -1;
        if (kind < 0 && !strcasecmp(col, "pet_hamon") && dgrt_csv_find(&csv, col) < 0) kind = SRC_HAMON_T;
        if (kind >= 0) {
            if ((rc = use_derived(f, src, i, kind, temp_col, temp_name, inputs, err))) goto done;
            continue;
        }
        src[i].kind = SRC_COLUMN;
        src[i].col = dgrt_csv_column(&csv, col, err);
        if (src[i].col < 0) {
            if (m)
                dgrt_err_hint(err, "--map %s=%s names a column that is not in the file", inputs[i].name, m);
            else
                dgrt_err_hint(err, "model input '%s' is read from column '%s'; add it, or use another column with --map %s=COLUMN",
                              inputs[i].name, col, inputs[i].name);
            rc = err->code;
            goto done;
        }
        src[i].range = range_of(csv.names[src[i].col], &inputs[i]);
        f->source[i] = str_printf("%s", csv.names[src[i].col]);
    }
    days = mallocCheck(sizeof(int32_t) * (size_t)(csv.nrows + 1));
    for (int64_t r = 0; r < csv.nrows; r++)
        if ((rc = dgrt_csv_date(&csv, r, date_col, &days[r], err))) goto done;
    int no_cols[4] = {-1, -1, -1, -1};
    rc = fill(f, &csv, days, date_col, src, no_cols, spec, err);
done:
    free(days);
    free(src);
    if (!rc && spec->keep_csv) *spec->keep_csv = csv;   /* the caller reads more of it (observations) */
    else dgrt_csv_free(&csv);
    return rc;
}

// ---- CAMELS-US Daymet forcing ---------------------------------------------------------------

/* DIR/basin_mean_forcing/daymet/ID_... or, as in the official archive, in a HUC subfolder. */
static int find_camels_file(const char *dir, const char *basin, char *path, size_t size) {
    char base[512], name[128];
    snprintf(base, sizeof base, "%s/basin_mean_forcing/daymet", dir);
    snprintf(name, sizeof name, "%s_lump_cida_forcing_leap.txt", basin);
    return dgrt_find_file(path, size, base, name);
}

/* A header name without its unit: "prcp(mm/day)" -> "prcp". */
static int header_is(const char *header, const char *var) {
    size_t n = strlen(var);
    return !strncasecmp(header, var, n) && (header[n] == 0 || header[n] == '(');
}

static int camels_column(const DgCsv *csv, const char *var) {
    for (int i = 0; i < csv->ncols; i++)
        if (header_is(csv->names[i], var)) return i;
    return -1;
}

static int load_camels(DgForcing *f, const DgNameInfo *inputs, const DgForcingSpec *spec, DgrtErr *err) {
    char basin[64];
    size_t blen = strlen(spec->basin);
    int digits = blen > 0 && blen < 8;
    for (size_t i = 0; i < blen; i++) digits &= isdigit((unsigned char)spec->basin[i]) != 0;
    if (digits)   /* CAMELS ids have 8 digits; a leading zero is often lost in spreadsheets */
        snprintf(basin, sizeof basin, "%0*d%s", (int)(8 - blen), 0, spec->basin);
    else
        snprintf(basin, sizeof basin, "%.63s", spec->basin);
    char path[1024];
    if (!find_camels_file(spec->data_dir, basin, path, sizeof path))
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "--data is the CAMELS-US directory that holds basin_mean_forcing/; basin ids have 8 digits",
                         "no Daymet forcing for basin '%s': '%s' does not exist", basin, path);
    snprintf(f->path, sizeof f->path, "%s", path);

    DgCsvOptions opt = {' ', 3};
    DgCsv csv;
    if (dgrt_csv_read(&csv, path, &opt, err)) return err->code;
    int rc = 0;
    int32_t *days = NULL;
    Source *src = callocCheck((size_t)f->ninputs + 1, sizeof(Source));
    char *endp;
    f->latitude = strtod(csv.pre[0], &endp);
    if (!csv.pre[0][0] || *endp || !(f->latitude >= -90 && f->latitude <= 90)) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "line 1 of a CAMELS forcing file is the latitude in degrees",
                       "%s:%d:1: latitude '%s' is not a number in [-90, 90]", path, csv.pre_line[0], csv.pre[0]);
        goto done;
    }
    const char *need[6] = {"Year", "Mnth", "Day", "tmin", "tmax", "dayl"};
    int cols[6];
    for (int k = 0; k < 6; k++)
        if ((cols[k] = camels_column(&csv, need[k])) < 0) {
            dgrt_csv_column(&csv, need[k], err);
            dgrt_err_hint(err, "CAMELS Daymet files have the columns Year Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)");
            rc = err->code;
            goto done;
        }
    for (int i = 0; i < f->ninputs; i++) {
        const char *m = mapped(spec, inputs[i].name);
        const char *var = m;
        for (size_t k = 0; !var && k < sizeof camels_defaults / sizeof camels_defaults[0]; k++)
            if (!strcmp(camels_defaults[k].input, inputs[i].name)) var = camels_defaults[k].var;
        if (!var) var = inputs[i].name;
        int kind = camels_column(&csv, var) < 0 ? derived_kind(var) : -1;
        if (kind >= 0) {
            if ((rc = use_derived(f, src, i, kind, -1, "tmean", inputs, err))) goto done;
            continue;
        }
        if (!strcasecmp(var, "tmean")) {
            src[i].kind = SRC_TMEAN;
            f->source[i] = str_printf("(tmax + tmin) / 2");
        } else if (!strcasecmp(var, "lday")) {
            src[i].kind = SRC_LDAY;
            f->source[i] = str_printf("dayl / 86400");
        } else if (!strcasecmp(var, "pet_hargreaves") || !strcasecmp(var, "pet")) {
            src[i].kind = SRC_HARG;
            f->source[i] = str_printf("Hargreaves(tmin, tmax, latitude %s)", csv.pre[0]);
        } else if (!strcasecmp(var, "pet_hamon")) {
            src[i].kind = SRC_HAMON;
            f->source[i] = str_printf("Hamon(tmean, lday)");
        } else if ((src[i].col = camels_column(&csv, var)) >= 0) {
            src[i].kind = SRC_COLUMN;
            src[i].range = range_of(csv.names[src[i].col], &inputs[i]);
            f->source[i] = str_printf("%s", csv.names[src[i].col]);
        } else {
            if (m)
                rc = dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--map %s=%s: '%s' is not a CAMELS variable (variables: %s)",
                               inputs[i].name, m, m, dgrt_camels_variables);
            else
                rc = dgrt_fail(err, DGRT_EXIT_DATA, NULL,
                               "model input '%s' has no CAMELS variable of that name (variables: %s)", inputs[i].name,
                               dgrt_camels_variables);
            dgrt_err_hint(err, "take it from a variable with --map %s=VARIABLE", inputs[i].name);
            goto done;
        }
    }
    days = mallocCheck(sizeof(int32_t) * (size_t)(csv.nrows + 1));
    for (int64_t r = 0; r < csv.nrows; r++)
        if ((rc = dgrt_csv_ymd(&csv, r, cols, &days[r], err))) goto done;
    int raw_cols[4] = {cols[3], cols[4], cols[5], -1};
    rc = fill(f, &csv, days, cols[0], src, raw_cols, spec, err);
done:
    free(days);
    free(src);
    dgrt_csv_free(&csv);
    return rc;
}

int dgrt_forcing_load(DgForcing *f, const DgNameInfo *inputs, int ninputs, const DgForcingSpec *spec, DgrtErr *err) {
    memset(f, 0, sizeof *f);
    f->ninputs = ninputs;
    f->latitude = spec->has_latitude ? spec->latitude : NAN;
    if (check_maps(inputs, ninputs, spec, err)) return err->code;
    f->source = callocCheck((size_t)ninputs + 1, sizeof(char *));
    int rc;
    if (spec->csv_path) {
        snprintf(f->path, sizeof f->path, "%s", spec->csv_path);
        rc = load_csv(f, inputs, spec, err);
    } else if (spec->data_dir && dgrt_data_layout(spec->data_dir) == DG_LAYOUT_CARAVAN) {
        /* a Caravan folder: the basin's CSV (or NetCDF file) with Caravan's column names as defaults */
        if (!dgrt_caravan_path(f->path, sizeof f->path, spec->data_dir, spec->basin)) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "check --basin and --data (a Caravan folder)",
                           "no Caravan time series for basin '%s': '%s' does not exist", spec->basin, f->path);
        } else {
            DgForcingSpec cs = *spec;
            cs.csv_path = f->path;
            cs.defaults = dgrt_caravan_defaults;
            cs.ndefaults = dgrt_caravan_ndefaults;
            rc = load_csv(f, inputs, &cs, err);
        }
    } else {
        rc = load_camels(f, inputs, spec, err);
    }
    if (rc) dgrt_forcing_free(f);
    return rc;
}
