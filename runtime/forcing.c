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
 * named like a variable <- that variable; `--map NAME=VARIABLE` overrides.
 *
 * Units (data_units.h): every series is converted into the unit its input
 * declares. A column's unit is the one `--map NAME=COLUMN:UNIT` states, else
 * its header's (`prcp(mm/day)`), else the one its source documents
 * (Caravan's names); a column without any is taken to be in the declared
 * unit. Derived variables have theirs: tmean degC, lday and daylength d, PETs
 * mm/d, doy and lat dimensionless. An input declared without a unit takes the
 * values as they are. */
#include "dgrt_internal.h"
#include "dataset.h"
#include "data_units.h"

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
 * Every cell the run reads is checked, in the unit the data is in
 * (observations are different: missing ones are masked, camels.c and dataset.c):
 *   any variable    a finite number, |x| <= 1e6, and not -999 or -9999 (the
 *                   missing-value markers of CAMELS and many other data sets)
 *   precipitation   [0, 2000] mm/d (the world record is 1825 mm in a day)
 *   temperature     [-90, 70] degC (the records are -89.2 and 56.7 degC)
 *   day length      [0, 1] d
 * A column in a unit of temperature is a temperature. A column counts as
 * precipitation or day length by its name (prcp, precip, precipitation,
 * total_precipitation_sum, ...; dayl, lday) or by the model input it feeds
 * (P, prcp, precip, precipitation; Lday), when its unit is one of length per
 * time or length (daily amounts), or of time; the range is converted into the
 * data's unit. Without a unit (in the header, --map or the input's
 * declaration) precipitation is taken in mm/d, temperature (tmax, tmin, tmean,
 * temperature_2m_mean, ...) in degC, dayl in s and other day lengths in d, as
 * CAMELS writes them. Potential evaporation gets the general check only:
 * ERA5-Land's (Caravan's potential_evaporation_sum) is negative on some days.
 * README.md lists these. */
typedef enum { RANGE_ANY, RANGE_PRECIP, RANGE_TEMP, RANGE_DAYL } RangeKind;

static const struct {
    double lo, hi;
    const char *what, *unit;
} ranges[] = {
    [RANGE_ANY] = {-1e6, 1e6, "a forcing value", ""},
    [RANGE_PRECIP] = {0, 2000, "precipitation", "mm/d"},
    [RANGE_TEMP] = {-90, 70, "air temperature", "degC"},
    [RANGE_DAYL] = {0, 1, "day length", "d"},
};

/* The range a column is checked against, and how its values convert into the range's unit. */
typedef struct {
    RangeKind kind;
    DgConversion to;   /* the data's unit -> ranges[kind].unit */
    char unit[32];     /* the data's unit for messages; "" when it is the range's own */
} Range;

static int name_in(const char *name, const char *const *list) {
    for (; *list; list++)
        if (!strcasecmp(name, *list)) return 1;
    return 0;
}

/* A range of `kind` for data in `unit` (readable, of the right dimension), or 0. */
static int range_in(Range *r, RangeKind kind, const char *unit) {
    DgUnit from, to;
    char msg[128];
    if (dgrt_unit_parse(unit, &from, msg, sizeof msg) || dgrt_unit_parse(ranges[kind].unit, &to, msg, sizeof msg) ||
        !dgrt_unit_conversion(&from, &to, &r->to))
        return 0;
    r->kind = kind;
    snprintf(r->unit, sizeof r->unit, "%s", dgrt_conversion_is_identity(r->to) ? "" : unit);
    return 1;
}

/* The range of a column (header "name" or "name(unit)") feeding `input` (NULL: none), whose values are
 * in `unit` ("" = not stated). */
static Range range_of(const char *header, const DgNameInfo *input, const char *unit) {
    static const char *const precip[] = {"p",  "prcp", "precip", "precipitation", "pr", "rain", "rainfall",
                                         "tp", "total_precipitation_sum", NULL};
    static const char *const temp[] = {"t",    "tmax",        "tmin", "tmean", "tavg", "tair", "temp",
                                       "tas",  "temperature", NULL};
    static const char *const dayl[] = {"dayl", "lday", "day_length", NULL};
    Range r = {RANGE_ANY, {1.0, 0.0}, ""};
    char base[128];
    size_t n = strcspn(header, "([");
    while (n && header[n - 1] == ' ') n--;
    snprintf(base, sizeof base, "%.*s", (int)(n < sizeof base ? n : sizeof base - 1), header);
    const char *in = input ? input->name : "";
    int is_precip = name_in(base, precip) || dgrt_input_is_precip(in);
    int is_dayl = name_in(base, dayl) || !strcasecmp(in, "Lday");
    if (unit[0]) {   /* other dimensions, and units the runtime cannot read (refused where it matters): any */
        if (!range_in(&r, RANGE_TEMP, unit) && !(is_precip && range_in(&r, RANGE_PRECIP, unit)) && is_dayl)
            range_in(&r, RANGE_DAYL, unit);
        return r;
    }
    if (is_precip) r.kind = RANGE_PRECIP;
    else if (name_in(base, temp) || !strncasecmp(base, "temperature_2m", 14)) r.kind = RANGE_TEMP;
    else if (is_dayl && !strcasecmp(base, "dayl")) range_in(&r, RANGE_DAYL, "s");   /* CAMELS: dayl in s */
    else if (is_dayl) r.kind = RANGE_DAYL;
    return r;
}

/* Cell (r, col) as a forcing value of `range`, in the data's unit: 0, or an error naming file:line:col. */
static int forcing_value(const DgCsv *csv, int64_t r, int col, const Range *range, double *out, DgrtErr *err) {
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
    RangeKind k = range->kind;
    DgConversion to = range->to;
    const char *unit = range->unit[0] ? range->unit : ranges[k].unit;
    if (v < ranges[RANGE_ANY].lo || v > ranges[RANGE_ANY].hi) k = RANGE_ANY, to = (DgConversion){1.0, 0.0}, unit = "";
    double x = dgrt_convert(to, v);
    if (x < ranges[k].lo || x > ranges[k].hi)   /* the range in the data's unit */
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "check the column and its unit (README.md, 'Forcing values', lists the plausible ranges)",
                         "%s: column '%s': %.40s is outside [%g, %g]%s%s, the plausible range of %s",
                         dgrt_csv_where(csv, r, col, where, sizeof where), csv->names[col], cell,
                         (ranges[k].lo - to.offset) / to.scale, (ranges[k].hi - to.offset) / to.scale,
                         unit[0] ? " " : "", unit, ranges[k].what);
    return 0;
}

typedef struct {
    SourceKind   kind;
    int          col;
    Range        range;   /* of column col */
    DgConversion conv;    /* the data's unit -> the input's declared unit */
    DgConversion temp;    /* SRC_OUDIN, SRC_HAMON_T from column col: its unit -> degC */
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

// ---- Units: what each source's series is in, converted into the declared units ----------------

/* The unit of what a derived variable computes (pet.c: PET in mm/d, day lengths in d). */
static const char *derived_unit(SourceKind k) {
    switch (k) {
    case SRC_COLUMN: return "";
    case SRC_TMEAN: return "degC";
    case SRC_LDAY:
    case SRC_DAYLEN: return "d";
    case SRC_DOY:
    case SRC_LAT: return "-";
    default: return "mm/d";
    }
}

/* src[i].conv: input i's series, in `unit` ("" = not stated), into the
 * input's declared unit; it is CSV column or CAMELS variable `column`, or
 * the derived variable `derived`. */
static int convert_input(const DgForcing *f, Source *src, int i, const DgNameInfo *inputs, const char *unit,
                         const char *column, const char *derived, DgrtErr *err) {
    char who[160], source[1400], how[300];
    snprintf(who, sizeof who, "model input '%s'", inputs[i].name);
    if (column) snprintf(source, sizeof source, "column '%s' of '%s'", column, f->path);
    else snprintf(source, sizeof source, "the derived variable %s = %s", derived, f->source[i]);
    snprintf(how, sizeof how, "--map %s=%s:UNIT", inputs[i].name, column ? column : "");
    return dgrt_units_resolve(&src[i].conv, inputs[i].unit, unit, who, source, column ? how : NULL, err);
}

/* The temperature derived PET reads (pet.c takes degC): a CSV column (col >= 0) in `unit` ("" = degC),
 * CAMELS's tmean (col -1), or none (col -2). */
typedef struct {
    int         col;
    const char *name;
    char        unit[64];
} Temperature;

// ---- Common part: dates, period, values ----------------------------------------------

/* The columns CAMELS's derived variables read — tmin, tmax, dayl — with
 * their ranges and conversions into degC, degC and s (pet.c's units). */
typedef struct {
    int          col[3];
    Range        range[3];
    DgConversion conv[3];
} RawColumns;

/* `days[r]` for every row; rows must be consecutive days. Selects the rows of
 * the period into f->dates, computes every input with `src` (and converts it
 * into the input's unit), checks values are plausible. */
static int fill(DgForcing *f, const DgCsv *csv, const int32_t *days, int date_col, const Source *src,
                const RawColumns *raw_cols, const DgForcingSpec *spec, DgrtErr *err) {
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
        double raw[3] = {0, 0, 0};   /* tmin, tmax (degC), dayl (s) of CAMELS */
        for (int k = 0; k < 3; k++) {
            if (raw_cols->col[k] < 0) continue;
            if (forcing_value(csv, r, raw_cols->col[k], &raw_cols->range[k], &raw[k], err)) return err->code;
            raw[k] = dgrt_convert(raw_cols->conv[k], raw[k]);
        }
        for (int i = 0; i < f->ninputs; i++) {
            double v = 0;
            switch (src[i].kind) {
            case SRC_COLUMN:
                if (forcing_value(csv, r, src[i].col, &src[i].range, &v, err)) return err->code;
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
                if (src[i].col >= 0) {
                    if (forcing_value(csv, r, src[i].col, &src[i].range, &tm, err)) return err->code;
                    tm = dgrt_convert(src[i].temp, tm);
                }
                int doy = dgrt_day_of_year(days[r]);
                v = src[i].kind == SRC_OUDIN ? dgrt_pet_oudin(tm, f->latitude, doy)
                                             : dgrt_pet_hamon(tm, dgrt_daylength(doy, f->latitude));
                break;
            }
            }
            f->values[t * f->ninputs + i] = dgrt_convert(src[i].conv, v);
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
 * variable needs it, and that a temperature column is one. */
static int use_derived(DgForcing *f, Source *src, int i, int kind, const Temperature *temp, const DgNameInfo *inputs,
                       DgrtErr *err) {
    if (kind != SRC_DOY && !isfinite(f->latitude))
        return dgrt_fail(err, DGRT_EXIT_DATA,
                         "the latitude comes from the attributes (gauge_lat of camels_topo.txt, or a gauge_lat, lat "
                         "or latitude column of attributes_csv)",
                         "model input '%s' needs the basin's latitude, which '%s' does not give", inputs[i].name,
                         f->path);
    int from_temp = kind == SRC_OUDIN || kind == SRC_HAMON_T;
    if (from_temp && temp->col < -1)
        return dgrt_fail(err, DGRT_EXIT_DATA, "give the temperature as the model input T (or --map T=COLUMN)",
                         "model input '%s' is a PET from temperature, but no column gives the temperature",
                         inputs[i].name);
    if (from_temp && temp->col >= 0) {
        Range r = {RANGE_TEMP, {1.0, 0.0}, ""};
        if (temp->unit[0]) {
            DgUnit u, degc = {{0, 0, 1, 0}, 1.0, 0.0};
            char msg[128] = "", dim[64];
            int readable = !dgrt_unit_parse(temp->unit, &u, msg, sizeof msg);
            if (!readable || !dgrt_unit_conversion(&u, &degc, &src[i].temp))
                return dgrt_fail(err, DGRT_EXIT_DATA, "map T to a column of air temperature (--map T=COLUMN[:UNIT])",
                                 "model input '%s' is a PET from the temperature, but column '%s' of '%s' is in %s (%s)",
                                 inputs[i].name, temp->name, f->path, temp->unit,
                                 readable ? dgrt_unit_dimension(&u, dim, sizeof dim) : msg);
            range_in(&r, RANGE_TEMP, temp->unit);
        }
        src[i].range = r;
    }
    src[i].kind = (SourceKind)kind;
    src[i].col = temp->col;
    switch (kind) {
    case SRC_DOY: f->source[i] = str_printf("day of year"); break;
    case SRC_LAT: f->source[i] = str_printf("latitude %.4f", f->latitude); break;
    case SRC_DAYLEN: f->source[i] = str_printf("day length (latitude %.4f)", f->latitude); break;
    case SRC_OUDIN: f->source[i] = str_printf("Oudin(%s, latitude %.4f)", temp->name, f->latitude); break;
    default: f->source[i] = str_printf("Hamon(%s, day length, latitude %.4f)", temp->name, f->latitude); break;
    }
    return 0;
}

/* Sources of n inputs, each converted as it is until its units are known. */
static Source *new_sources(int n) {
    Source *src = callocCheck((size_t)n + 1, sizeof(Source));
    for (int i = 0; i <= n; i++) src[i].conv = src[i].temp = (DgConversion){1.0, 0.0};
    return src;
}

// ---- CSV forcing -------------------------------------------------------------------------

static int load_csv(DgForcing *f, const DgNameInfo *inputs, const DgForcingSpec *spec, DgrtErr *err) {
    DgCsv csv;
    if (dgrt_table_read(&csv, spec->csv_path, err)) return err->code;   /* a .nc file: netcdf_read.c */
    int rc = 0;
    int32_t *days = NULL;
    Source *src = new_sources(f->ninputs);
    int date_col = dgrt_csv_column(&csv, "date", err);
    if (date_col < 0) {
        dgrt_err_hint(err, "a forcing CSV has a 'date' column (YYYY-MM-DD) and one column per model input");
        rc = err->code;
        goto done;
    }
    /* the temperature of derived PET: the column input T reads, in its unit (or else T's declared one) */
    Temperature temp = {-2, "T", ""};
    DgColumnRef tref;
    for (int i = 0; i < f->ninputs; i++)
        if (!strcmp(inputs[i].name, "T")) {
            const char *tc = csv_column_of(spec, "T");
            dgrt_column_ref(&csv, tc ? tc : "T", &tref);   /* no map, no default: the column named like the input */
            temp.col = tref.col;
            temp.name = tref.name;
            snprintf(temp.unit, sizeof temp.unit, "%s", tref.unit[0] ? tref.unit : inputs[i].unit);
            if (temp.col < 0) temp.col = -2;
        }
    for (int i = 0; i < f->ninputs; i++) {
        const char *m = csv_column_of(spec, inputs[i].name);
        DgColumnRef ref;
        dgrt_column_ref(&csv, m ? m : inputs[i].name, &ref);
        const char *col = ref.name;
        int kind = ref.col < 0 ? derived_kind(col) : -1;
        if (kind < 0 && !strcasecmp(col, "pet_hamon") && ref.col < 0) kind = SRC_HAMON_T;
        if (kind >= 0) {
            if (ref.stated) {
                rc = dgrt_fail(err, DGRT_EXIT_USAGE, "leave out ':UNIT': the runtime computes the variable",
                               "--map %s=%s:%s: '%s' is derived, in %s", inputs[i].name, col, ref.unit, col,
                               derived_unit((SourceKind)kind));
                goto done;
            }
            if ((rc = use_derived(f, src, i, kind, &temp, inputs, err)) ||
                (rc = convert_input(f, src, i, inputs, derived_unit((SourceKind)kind), NULL, col, err)))
                goto done;
            continue;
        }
        src[i].kind = SRC_COLUMN;
        src[i].col = ref.col;
        if (src[i].col < 0) {
            dgrt_csv_column(&csv, col, err);
            if (m)
                dgrt_err_hint(err, "--map %s=%s names a column that is not in the file", inputs[i].name, m);
            else
                dgrt_err_hint(err, "model input '%s' is read from column '%s'; add it, or use another column with --map %s=COLUMN",
                              inputs[i].name, col, inputs[i].name);
            rc = err->code;
            goto done;
        }
        src[i].range = range_of(csv.names[src[i].col], &inputs[i], ref.unit[0] ? ref.unit : inputs[i].unit);
        f->source[i] = str_printf("%s", csv.names[src[i].col]);
        if ((rc = convert_input(f, src, i, inputs, ref.unit, csv.names[src[i].col], NULL, err))) goto done;
    }
    days = mallocCheck(sizeof(int32_t) * (size_t)(csv.nrows + 1));
    for (int64_t r = 0; r < csv.nrows; r++)
        if ((rc = dgrt_csv_date(&csv, r, date_col, &days[r], err))) goto done;
    RawColumns no_raw = {{-1, -1, -1}, {{0}}, {{1.0, 0.0}, {1.0, 0.0}, {1.0, 0.0}}};
    rc = fill(f, &csv, days, date_col, src, &no_raw, spec, err);
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

/* tmin, tmax and dayl in the units of pet.c (degC, s), from the units of their headers. */
static int camels_raw_columns(const DgForcing *f, const DgCsv *csv, const int cols[3], RawColumns *raw,
                              DgrtErr *err) {
    static const char *const names[3] = {"tmin", "tmax", "dayl"}, *const want[3] = {"degC", "degC", "s"};
    for (int k = 0; k < 3; k++) {
        char unit[64], source[1400];
        raw->col[k] = cols[k];
        dgrt_header_unit(csv->names[cols[k]], unit, sizeof unit);
        raw->range[k] = range_of(csv->names[cols[k]], NULL, unit);
        snprintf(source, sizeof source, "column '%s' of '%s'", csv->names[cols[k]], f->path);
        char who[64];
        snprintf(who, sizeof who, "the %s that derived variables read", names[k]);
        if (dgrt_units_resolve(&raw->conv[k], want[k], unit, who, source, "the header, NAME(UNIT)", err))
            return err->code;
    }
    return 0;
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
    Source *src = new_sources(f->ninputs);
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
    RawColumns raw;
    if ((rc = camels_raw_columns(f, &csv, cols + 3, &raw, err))) goto done;
    Temperature tmean = {-1, "tmean", "degC"};
    for (int i = 0; i < f->ninputs; i++) {
        const char *m = mapped(spec, inputs[i].name);
        DgColumnRef ref = {"", "", -1, 0};
        if (m) dgrt_column_ref(NULL, m, &ref);
        const char *var = m ? ref.name : NULL;
        for (size_t k = 0; !var && k < sizeof camels_defaults / sizeof camels_defaults[0]; k++)
            if (!strcmp(camels_defaults[k].input, inputs[i].name)) var = camels_defaults[k].var;
        if (!var) var = inputs[i].name;
        int kind = camels_column(&csv, var) < 0 ? derived_kind(var) : -1;
        if (kind < 0 && camels_column(&csv, var) < 0) {
            if (!strcasecmp(var, "tmean")) kind = SRC_TMEAN;
            else if (!strcasecmp(var, "lday")) kind = SRC_LDAY;
            else if (!strcasecmp(var, "pet_hargreaves") || !strcasecmp(var, "pet")) kind = SRC_HARG;
            else if (!strcasecmp(var, "pet_hamon")) kind = SRC_HAMON;
        }
        if (kind >= 0 && ref.stated) {
            rc = dgrt_fail(err, DGRT_EXIT_USAGE, "leave out ':UNIT': the runtime computes the variable",
                           "--map %s=%s: '%s' is derived, in %s", inputs[i].name, m, var,
                           derived_unit((SourceKind)kind));
            goto done;
        }
        if (kind == SRC_TMEAN) {
            src[i].kind = SRC_TMEAN;
            f->source[i] = str_printf("(tmax + tmin) / 2");
        } else if (kind == SRC_LDAY) {
            src[i].kind = SRC_LDAY;
            f->source[i] = str_printf("dayl / 86400");
        } else if (kind == SRC_HARG) {
            src[i].kind = SRC_HARG;
            f->source[i] = str_printf("Hargreaves(tmin, tmax, latitude %s)", csv.pre[0]);
        } else if (kind == SRC_HAMON) {
            src[i].kind = SRC_HAMON;
            f->source[i] = str_printf("Hamon(tmean, lday)");
        } else if (kind >= 0) {
            if ((rc = use_derived(f, src, i, kind, &tmean, inputs, err))) goto done;
        } else if ((src[i].col = camels_column(&csv, var)) >= 0) {
            src[i].kind = SRC_COLUMN;
            if (!ref.stated) dgrt_header_unit(csv.names[src[i].col], ref.unit, sizeof ref.unit);
            src[i].range = range_of(csv.names[src[i].col], &inputs[i], ref.unit[0] ? ref.unit : inputs[i].unit);
            f->source[i] = str_printf("%s", csv.names[src[i].col]);
            if ((rc = convert_input(f, src, i, inputs, ref.unit, csv.names[src[i].col], NULL, err))) goto done;
            continue;
        } else {
            if (m)
                rc = dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--map %s=%s: '%s' is not a CAMELS variable (variables: %s)",
                               inputs[i].name, m, var, dgrt_camels_variables);
            else
                rc = dgrt_fail(err, DGRT_EXIT_DATA, NULL,
                               "model input '%s' has no CAMELS variable of that name (variables: %s)", inputs[i].name,
                               dgrt_camels_variables);
            dgrt_err_hint(err, "take it from a variable with --map %s=VARIABLE", inputs[i].name);
            goto done;
        }
        if ((rc = convert_input(f, src, i, inputs, derived_unit(src[i].kind), NULL, var, err))) goto done;
    }
    days = mallocCheck(sizeof(int32_t) * (size_t)(csv.nrows + 1));
    for (int64_t r = 0; r < csv.nrows; r++)
        if ((rc = dgrt_csv_ymd(&csv, r, cols, &days[r], err))) goto done;
    rc = fill(f, &csv, days, cols[0], src, &raw, spec, err);
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
