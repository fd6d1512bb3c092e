/* data_units.c — units of data series and their conversion into the model's
 * declared units (see data_units.h).
 *
 * Grammar (blanks separate factors too, as in "kg m-2 s-1"):
 *   unit    -> "-" | product
 *   product -> factor { ("*" | "." | "/" | blank) factor }   "/" divides by the next factor only
 *   factor  -> "1" | name [power] | "(" product ")" [power]
 *   power   -> ("^" | "**") int | int                        "m2", "d-1", "m^-2"
 * The language's units (compiler/units.c) print as "mm/d", "mm/degC/d",
 * "kg/m^3", "1/d", "-", which this grammar reads as it reads data spellings. */
#include "data_units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

// ---- Unit names ---------------------------------------------------------------------------------

/* basis: mm, d, degC, kg.  ORDER Dim: length, time, temperature, mass */
#define DAY_S 86400.0
static const struct {
    const char *name;
    int dim[DGRT_NDIMS];
    double scale, offset;
} unit_names[] = {
    {"mm", {1, 0, 0, 0}, 1.0, 0},
    {"cm", {1, 0, 0, 0}, 10.0, 0},
    {"m", {1, 0, 0, 0}, 1000.0, 0},
    {"km", {1, 0, 0, 0}, 1e6, 0},
    {"in", {1, 0, 0, 0}, 25.4, 0},
    {"ft", {1, 0, 0, 0}, 304.8, 0},
    {"s", {0, 1, 0, 0}, 1.0 / DAY_S, 0},
    {"sec", {0, 1, 0, 0}, 1.0 / DAY_S, 0},
    {"min", {0, 1, 0, 0}, 1.0 / 1440.0, 0},
    {"h", {0, 1, 0, 0}, 1.0 / 24.0, 0},
    {"hr", {0, 1, 0, 0}, 1.0 / 24.0, 0},
    {"hour", {0, 1, 0, 0}, 1.0 / 24.0, 0},
    {"d", {0, 1, 0, 0}, 1.0, 0},
    {"day", {0, 1, 0, 0}, 1.0, 0},
    {"days", {0, 1, 0, 0}, 1.0, 0},
    {"yr", {0, 1, 0, 0}, 365.25, 0},
    /* absolute temperatures: K and degF differ from degC by an offset (a temperature alone) */
    {"degC", {0, 0, 1, 0}, 1.0, 0},
    {"C", {0, 0, 1, 0}, 1.0, 0},
    {"\u00b0C", {0, 0, 1, 0}, 1.0, 0},
    {"celsius", {0, 0, 1, 0}, 1.0, 0},
    {"K", {0, 0, 1, 0}, 1.0, -273.15},
    {"kelvin", {0, 0, 1, 0}, 1.0, -273.15},
    {"degF", {0, 0, 1, 0}, 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"F", {0, 0, 1, 0}, 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"\u00b0F", {0, 0, 1, 0}, 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"fahrenheit", {0, 0, 1, 0}, 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"kg", {0, 0, 0, 1}, 1.0, 0},
    {"g", {0, 0, 0, 1}, 1e-3, 0},
    /* volumes and discharges: L = 1e6 mm^3; cfs = ft^3/s, cms = m^3/s (in mm^3/d) */
    {"L", {3, 0, 0, 0}, 1e6, 0},
    {"ML", {3, 0, 0, 0}, 1e12, 0},
    {"cfs", {3, -1, 0, 0}, 304.8 * 304.8 * 304.8 * DAY_S, 0},
    {"cms", {3, -1, 0, 0}, 1e9 * DAY_S, 0},
    /* J = kg m^2 s^-2 = kg (1000 mm)^2 (86400 /d)^2; W = J/s; Pa = kg m^-1 s^-2 */
    {"J", {2, -2, 0, 1}, 1e6 * DAY_S * DAY_S, 0},
    {"kJ", {2, -2, 0, 1}, 1e9 * DAY_S * DAY_S, 0},
    {"MJ", {2, -2, 0, 1}, 1e12 * DAY_S * DAY_S, 0},
    {"W", {2, -3, 0, 1}, 1e6 * DAY_S * DAY_S * DAY_S, 0},
    {"Pa", {-1, -2, 0, 1}, 1e-3 * DAY_S * DAY_S, 0},
    {"hPa", {-1, -2, 0, 1}, 0.1 * DAY_S * DAY_S, 0},
    {"mbar", {-1, -2, 0, 1}, 0.1 * DAY_S * DAY_S, 0},
    {"kPa", {-1, -2, 0, 1}, DAY_S * DAY_S, 0},
    {"percent", {0, 0, 0, 0}, 0.01, 0},
    {"%", {0, 0, 0, 0}, 0.01, 0},
};
enum { NUNIT_NAMES = sizeof unit_names / sizeof unit_names[0] };

/* Exact spelling first; names of three letters or more also in any case (Day, KELVIN, Celsius). */
static int find_name(const char *name) {
    for (int k = 0; k < NUNIT_NAMES; k++)
        if (!strcmp(unit_names[k].name, name)) return k;
    for (int k = 0; k < NUNIT_NAMES; k++)
        if (strlen(unit_names[k].name) >= 3 && !strcasecmp(unit_names[k].name, name)) return k;
    return -1;
}

// ---- Parser ---------------------------------------------------------------------------------------

enum { MAX_POWER = 60, MAX_DEPTH = 8 };

typedef struct {
    const char *s;
    size_t i;
    char *msg;
    size_t size;
    int nfactors;   /* names read, for the offset of a temperature alone */
    int last_name;  /* unit_names index of the last name, with power 1 */
} Parser;

static int fail(Parser *p, const char *what) {
    snprintf(p->msg, p->size, "%s", what);
    return -1;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static void skip_blanks(Parser *p) {
    while (is_blank(p->s[p->i])) p->i++;
}
/* letters, %, and UTF-8 bytes (the degree sign) */
static int is_name_char(unsigned char c) { return isalpha(c) || c == '%' || c >= 0x80; }

/* A whole integer at p->i (optional sign): 1 and *out, or 0. */
static int read_int(Parser *p, int *out) {
    size_t j = p->i;
    int sign = 1;
    if (p->s[j] == '-' || p->s[j] == '+') sign = p->s[j++] == '-' ? -1 : 1;
    if (!isdigit((unsigned char)p->s[j])) return 0;
    long v = 0;
    while (isdigit((unsigned char)p->s[j]) && v <= MAX_POWER) v = v * 10 + (p->s[j++] - '0');
    if (isdigit((unsigned char)p->s[j]) || v > MAX_POWER) return 0;
    p->i = j;
    *out = (int)(sign * v);
    return 1;
}

/* An optional power after a name or ")": 1 when none. */
static int read_power(Parser *p, int *power) {
    *power = 1;
    if (p->s[p->i] == '^' || (p->s[p->i] == '*' && p->s[p->i + 1] == '*')) {
        p->i += p->s[p->i] == '^' ? 1 : 2;
        if (!read_int(p, power)) return fail(p, "a power is a whole number of at most 60, as in m^2 or d^-1");
        return 0;
    }
    if (isdigit((unsigned char)p->s[p->i]) || ((p->s[p->i] == '-' || p->s[p->i] == '+') &&
                                               isdigit((unsigned char)p->s[p->i + 1])))
        if (!read_int(p, power)) return fail(p, "a power is a whole number of at most 60, as in m2 or d-1");
    return 0;
}

/* u times (dim, scale)^power; exponents stay within +-MAX_POWER after every factor, so they never overflow */
static int add(Parser *p, DgUnit *u, const int dim[DGRT_NDIMS], double scale, int power) {
    for (int k = 0; k < DGRT_NDIMS; k++) {
        u->dim[k] += dim[k] * power;
        if (u->dim[k] > MAX_POWER || u->dim[k] < -MAX_POWER) return fail(p, "powers above 60");
    }
    u->scale *= pow(scale, power);
    return 0;
}

static int parse_product(Parser *p, DgUnit *u, int depth);

/* One factor, multiplied into u with power `sign` (-1 after '/'). */
static int parse_factor(Parser *p, DgUnit *u, int sign, int depth) {
    skip_blanks(p);
    const char *s = p->s;
    if (s[p->i] == '(') {
        if (depth >= MAX_DEPTH) return fail(p, "parentheses nested too deep");
        p->i++;
        DgUnit inner = {{0}, 1.0, 0};
        if (parse_product(p, &inner, depth + 1)) return -1;
        skip_blanks(p);
        if (s[p->i] != ')') return fail(p, "a '(' without its ')'");
        p->i++;
        int power;
        if (read_power(p, &power)) return -1;
        p->nfactors += 2;   /* a group is never a temperature alone */
        return add(p, u, inner.dim, inner.scale, sign * power);
    }
    if (s[p->i] == '1' && !isdigit((unsigned char)s[p->i + 1])) {   /* the numerator of 1/d */
        p->i++;
        return 0;
    }
    size_t start = p->i;
    while (is_name_char((unsigned char)s[p->i])) p->i++;
    if (p->i == start) {
        char what[96];
        if (!s[p->i]) snprintf(what, sizeof what, "a unit name is missing at the end");
        else snprintf(what, sizeof what, "'%c' where a unit name was expected", s[p->i]);
        return fail(p, what);
    }
    char name[48];
    snprintf(name, sizeof name, "%.*s", (int)(p->i - start < 47 ? p->i - start : 47), s + start);
    /* "deg C", "degrees Celsius": one name */
    if (!strcasecmp(name, "deg") || !strcasecmp(name, "degree") || !strcasecmp(name, "degrees")) {
        size_t j = p->i;
        while (is_blank(s[j])) j++;
        size_t k = j;
        while (is_name_char((unsigned char)s[k])) k++;
        char next[16];
        snprintf(next, sizeof next, "%.*s", (int)(k - j < 15 ? k - j : 15), s + j);
        if (!strcmp(next, "C") || !strcasecmp(next, "celsius")) snprintf(name, sizeof name, "degC"), p->i = k;
        else if (!strcmp(next, "F") || !strcasecmp(next, "fahrenheit")) snprintf(name, sizeof name, "degF"), p->i = k;
    }
    int def = find_name(name);
    if (def < 0) {
        char what[96];
        snprintf(what, sizeof what, "unknown unit name '%s'", name);
        return fail(p, what);
    }
    int power;
    if (read_power(p, &power)) return -1;
    p->nfactors++;
    p->last_name = sign * power == 1 ? def : -1;
    return add(p, u, unit_names[def].dim, unit_names[def].scale, sign * power);
}

static int parse_product(Parser *p, DgUnit *u, int depth) {
    if (parse_factor(p, u, 1, depth)) return -1;
    for (;;) {
        size_t before = p->i;
        skip_blanks(p);
        char c = p->s[p->i];
        if (!c || c == ')') return 0;
        int sign = 1;
        if (c == '*' || c == '.') p->i++;
        else if (c == '/') p->i++, sign = -1;
        else if (p->i == before) return fail(p, "unexpected text after a unit name");
        if (parse_factor(p, u, sign, depth)) return -1;
    }
}

int dgrt_unit_parse(const char *text, DgUnit *u, char *msg, size_t size) {
    memset(u, 0, sizeof *u);
    u->scale = 1.0;
    Parser p = {text, 0, msg, size, 0, -1};
    skip_blanks(&p);
    if (text[p.i] == '-') {   /* "-": dimensionless */
        p.i++;
        skip_blanks(&p);
        if (!text[p.i]) return 0;
        return fail(&p, "'-' (dimensionless) stands alone");
    }
    if (!text[p.i]) return fail(&p, "no unit");
    if (parse_product(&p, u, 0)) return -1;
    skip_blanks(&p);
    if (text[p.i]) return fail(&p, "a ')' without its '('");
    if (!isfinite(u->scale) || u->scale == 0) return fail(&p, "a unit too large or too small for a number");
    if (p.nfactors == 1 && p.last_name >= 0 && unit_names[p.last_name].dim[DGRT_DIM_TEMP] == 1)
        u->offset = unit_names[p.last_name].offset;
    return 0;
}

// ---- Compatibility ---------------------------------------------------------------------------------

static int is_temperature(const DgUnit *u) {
    return u->dim[DGRT_DIM_TEMP] == 1 && !u->dim[DGRT_DIM_LENGTH] && !u->dim[DGRT_DIM_TIME] && !u->dim[DGRT_DIM_MASS];
}

int dgrt_unit_conversion(const DgUnit *from, const DgUnit *to, DgConversion *c) {
    c->scale = 1.0;
    c->offset = 0.0;
    int same = 1, dt = to->dim[DGRT_DIM_TIME] - from->dim[DGRT_DIM_TIME];
    for (int k = 0; k < DGRT_NDIMS; k++)
        if (k != DGRT_DIM_TIME) same &= from->dim[k] == to->dim[k];
    if (!same) return 0;
    if (dt != 0) {
        /* a daily series: an amount per day and the amount of the day are the same numbers (mm/d and
         * mm; W/m2 and J/m2 per day), for amounts of something (a length or a mass in them) */
        if (dt != 1 && dt != -1) return 0;
        if (!from->dim[DGRT_DIM_LENGTH] && !from->dim[DGRT_DIM_MASS]) return 0;
    }
    c->scale = from->scale / to->scale;   /* basis time is the day: one day has the value 1 */
    if (dt == 0 && is_temperature(from)) c->offset = (from->offset - to->offset) / to->scale;
    return 1;
}

const char *dgrt_unit_dimension(const DgUnit *u, char *buf, size_t size) {
    static const char *const names[DGRT_NDIMS] = {"length", "time", "temperature", "mass"};   /* ORDER Dim */
    size_t n = 0;
    buf[0] = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < DGRT_NDIMS; k++) {
            int e = u->dim[k];
            if (pass == 0 ? e <= 0 : e >= 0) continue;
            int a = e < 0 ? -e : e;
            const char *sep = pass == 0 ? (n ? "*" : "") : "/";
            if (pass == 1 && n == 0) n += (size_t)snprintf(buf + n, size - n, "1");
            if (n < size) n += (size_t)snprintf(buf + n, size - n, "%s%s", sep, names[k]);
            if (a != 1 && n < size) n += (size_t)snprintf(buf + n, size - n, "^%d", a);
        }
    if (!buf[0]) snprintf(buf, size, "dimensionless");
    return buf;
}

// ---- Where data states its units -----------------------------------------------------------------

void dgrt_header_unit(const char *header, char *out, size_t size) {
    size_t n = strlen(header);
    out[0] = 0;
    while (n && is_blank(header[n - 1])) n--;
    if (!n || (header[n - 1] != ')' && header[n - 1] != ']')) return;
    char close = header[n - 1], open = close == ')' ? '(' : '[';
    int depth = 0;
    for (size_t i = n; i-- > 0;) {
        if (header[i] == close) depth++;
        else if (header[i] == open && --depth == 0) {
            size_t a = i + 1, b = n - 1;
            while (a < b && is_blank(header[a])) a++;
            while (b > a && is_blank(header[b - 1])) b--;
            snprintf(out, size, "%.*s", (int)(b - a), header + a);
            return;
        }
    }
}

/* Caravan (Kratzert et al. 2023): ERA5-Land daily aggregates and the gauges'
 * streamflow. A prefix covers the _mean, _min, _max (and _sum) variants. */
static const struct {
    const char *prefix, *unit;
} known_columns[] = {
    {"total_precipitation_sum", "mm/d"},
    {"potential_evaporation_sum", "mm/d"},
    {"temperature_2m", "degC"},
    {"dewpoint_temperature_2m", "degC"},
    {"surface_net_solar_radiation", "W/m^2"},
    {"surface_net_thermal_radiation", "W/m^2"},
    {"surface_pressure", "kPa"},
    {"snow_depth_water_equivalent", "mm"},
    {"u_component_of_wind_10m", "m/s"},
    {"v_component_of_wind_10m", "m/s"},
    {"volumetric_soil_water_layer", "-"},
    {"streamflow", "mm/d"},
};

const char *dgrt_known_column_unit(const char *column) {
    for (size_t k = 0; k < sizeof known_columns / sizeof known_columns[0]; k++) {
        size_t n = strlen(known_columns[k].prefix);
        if (!strncmp(column, known_columns[k].prefix, n) && (column[n] == 0 || column[n] == '_'))
            return known_columns[k].unit;
    }
    return NULL;
}

int dgrt_column_find(const DgCsv *csv, const char *name) {
    int c = dgrt_csv_find(csv, name);
    size_t n = strlen(name);
    for (int i = 0; c < 0 && i < csv->ncols; i++) {
        const char *h = csv->names[i];
        if (strncmp(h, name, n)) continue;
        size_t k = n;
        while (is_blank(h[k])) k++;
        if (k > n + 1 || (h[k] != '(' && h[k] != '[')) continue;
        char unit[64];
        dgrt_header_unit(h, unit, sizeof unit);
        if (unit[0]) c = i;
    }
    return c;
}

void dgrt_column_ref(const DgCsv *csv, const char *spec, DgColumnRef *r) {
    const char *colon = strrchr(spec, ':');
    r->unit[0] = 0;
    if (!colon || (csv && dgrt_column_find(csv, spec) >= 0)) {
        snprintf(r->name, sizeof r->name, "%s", spec);
    } else {
        snprintf(r->name, sizeof r->name, "%.*s", (int)(colon - spec), spec);
        snprintf(r->unit, sizeof r->unit, "%s", colon + 1);
    }
    r->stated = r->unit[0] != 0;
    r->col = csv ? dgrt_column_find(csv, r->name) : -1;
    if (r->stated || r->col < 0) return;
    dgrt_header_unit(csv->names[r->col], r->unit, sizeof r->unit);
    const char *known = r->unit[0] ? NULL : dgrt_known_column_unit(csv->names[r->col]);
    if (known) snprintf(r->unit, sizeof r->unit, "%s", known);
}

// ---- Resolving a series against a declared unit --------------------------------------------------

/* A volume per time and a length per time of the same time power. */
static int discharge_and_depth_rate(const DgUnit *from, const DgUnit *to) {
    return from->dim[DGRT_DIM_LENGTH] == 3 && to->dim[DGRT_DIM_LENGTH] == 1 && !from->dim[DGRT_DIM_TEMP] &&
           !from->dim[DGRT_DIM_MASS] && !to->dim[DGRT_DIM_TEMP] && !to->dim[DGRT_DIM_MASS] &&
           from->dim[DGRT_DIM_TIME] == to->dim[DGRT_DIM_TIME];
}

/* area_km2: > 0 the basin's area, NaN unknown, 0 a series that is not a
 * basin's observation (a discharge never converts). */
static int resolve(DgConversion *c, const char *declared, const char *data, double area_km2, const char *who,
                   const char *source, const char *how, DgrtErr *err) {
    c->scale = 1.0;
    c->offset = 0.0;
    if (!declared || !declared[0] || !data || !data[0]) return 0;
    DgUnit to, from;
    char msg[128];
    if (dgrt_unit_parse(declared, &to, msg, sizeof msg))
        return dgrt_fail(err, DGRT_EXIT_DATA, "recompile the model with the dgc of this runtime",
                         "%s is declared in '%s', which the runtime cannot read: %s", who, declared, msg);
    if (dgrt_unit_parse(data, &from, msg, sizeof msg)) {
        dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s reads %s, in '%s': %s", who, source, data, msg);
        dgrt_err_hint(err,
                      "state the data's unit with %s (e.g. mm/day, m/d, mm/h, C, K, W/m2, Pa, cfs), or declare it "
                      "without a unit to take the values as they are",
                      how ? how : "COLUMN:UNIT");
        return err->code;
    }
    if (dgrt_unit_conversion(&from, &to, c)) return 0;
    if (discharge_and_depth_rate(&from, &to) && area_km2 > 0 && area_km2 < 1e7) {
        from.dim[DGRT_DIM_LENGTH] = 1;
        from.scale /= area_km2 * 1e12;   /* km^2 in mm^2 */
        if (dgrt_unit_conversion(&from, &to, c)) return 0;
    }
    char dt[64], dd[64];
    dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s is declared in %s (%s), but %s is in %s (%s): no conversion between them",
              who, declared, dgrt_unit_dimension(&to, dt, sizeof dt), source, data,
              dgrt_unit_dimension(&from, dd, sizeof dd));
    if (discharge_and_depth_rate(&from, &to) && isnan(area_km2))
        dgrt_err_hint(err, "a discharge (volume per time) becomes a depth per time with the basin's area, which the "
                           "attributes do not give: add an 'area' column (km^2) to attributes_csv, or give the "
                           "CAMELS tables with area_gages2 (attributes = DIR)");
    else if (discharge_and_depth_rate(&from, &to))
        dgrt_err_hint(err, "a discharge (volume per time) becomes a depth per time only with the basin's area: "
                           "divide it by the area (e.g. into mm/d) before the run");
    else
        dgrt_err_hint(err,
                      "units convert within one dimension (mm/d, m/d, mm/h; degC, K): read another series, or "
                      "declare a unit of the data's dimension%s%s",
                      how ? "; when the data's unit is written wrong, state it with " : "", how ? how : "");
    return err->code;
}

int dgrt_units_resolve(DgConversion *c, const char *declared, const char *data, const char *who, const char *source,
                       const char *how, DgrtErr *err) {
    return resolve(c, declared, data, 0.0, who, source, how, err);
}

int dgrt_units_resolve_basin(DgConversion *c, const char *declared, const char *data, double area_km2,
                             const char *who, const char *source, const char *how, DgrtErr *err) {
    return resolve(c, declared, data, isfinite(area_km2) && area_km2 > 0 ? area_km2 : NAN, who, source, how, err);
}
