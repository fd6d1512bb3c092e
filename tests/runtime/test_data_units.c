/* test_data_units.c — units at the data boundary (runtime/data_units.c):
 * parsing the language's and data files' spellings, conversions (scales,
 * temperature offsets, daily amounts), refusals; then forcing read through
 * them (CSV headers, --map COLUMN:UNIT, derived PET from a temperature in K)
 * and observations converted into the trained output's unit (CSV, and
 * CAMELS streamflow from shared/data; that part exits 77 when it is absent). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "data_units.h"
#include "dataset.h"
#include "dgrt_internal.h"
#include "rt_files.h"

#define CAMELS DG_SHARED_DIR "/data/camels_us"

static int near(double a, double b) { return fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b)); }

static DgUnit unit(const char *text) {
    DgUnit u;
    char msg[128];
    if (dgrt_unit_parse(text, &u, msg, sizeof msg)) {
        fprintf(stderr, "cannot parse '%s': %s\n", text, msg);
        check_failures++;
    }
    return u;
}

/* The conversion from -> to, or scale NaN when there is none. */
static DgConversion conv(const char *from, const char *to) {
    DgUnit a = unit(from), b = unit(to);
    DgConversion c;
    if (!dgrt_unit_conversion(&a, &b, &c)) c.scale = NAN;
    return c;
}

static int converts(const char *from, const char *to, double x, double want) {
    DgConversion c = conv(from, to);
    return !isnan(c.scale) && near(dgrt_convert(c, x), want);
}

static int refused(const char *from, const char *to) { return isnan(conv(from, to).scale); }

static void test_parse(void) {
    DgUnit u = unit("mm/d");
    CHECK(u.dim[DGRT_DIM_LENGTH] == 1 && u.dim[DGRT_DIM_TIME] == -1 && u.scale == 1.0 && u.offset == 0);
    /* the language's spellings (compiler/units.c prints them this way) */
    u = unit("mm/degC/d");
    CHECK(u.dim[DGRT_DIM_LENGTH] == 1 && u.dim[DGRT_DIM_TEMP] == -1 && u.dim[DGRT_DIM_TIME] == -1);
    u = unit("kg/m^3");
    CHECK(u.dim[DGRT_DIM_MASS] == 1 && u.dim[DGRT_DIM_LENGTH] == -3 && near(u.scale, 1e-9));
    u = unit("1/d");
    CHECK(u.dim[DGRT_DIM_TIME] == -1 && u.scale == 1.0);
    u = unit("-");
    CHECK(u.dim[0] == 0 && u.dim[1] == 0 && u.dim[2] == 0 && u.dim[3] == 0 && u.scale == 1.0);
    CHECK(near(unit("percent").scale, 0.01) && near(unit("%").scale, 0.01));
    u = unit("MJ/m^2/d");
    CHECK(u.dim[DGRT_DIM_MASS] == 1 && u.dim[DGRT_DIM_TIME] == -3 && u.dim[DGRT_DIM_LENGTH] == 0);
    /* data spellings */
    CHECK(converts("mm/day", "mm/d", 3, 3));
    CHECK(converts("W/m2", "W/m^2", 5, 5));
    CHECK(converts("kg m-2 s-1", "kg/m^2/d", 1, 86400));
    CHECK(refused("kg m-2 s-1", "mm/d"));   /* 1 kg of water per m^2 is 1 mm only through water's density */
    CHECK(converts("deg C", "degC", 7, 7) && converts("\u00b0C", "C", 7, 7) && converts("Celsius", "degC", 7, 7));
    CHECK(converts("mm/(d*degC)", "mm/degC/d", 2, 2) && converts("mm d-1 K-1", "mm/degC/d", 2, 2));
    CHECK(converts("m**3/s", "m3 s-1", 2, 2) && converts("Day", "h", 1, 24));
    CHECK(unit("K").offset == -273.15 && unit("1/K").offset == 0 && unit("mm/K/d").offset == 0);

    const char *bad[][2] = {
        {"furlong", "unknown unit name 'furlong'"}, {"mm/", "a unit name is missing at the end"},
        {"(mm/d", "a '(' without its ')'"},         {"mm/d)", "a ')' without its '('"},
        {"m^x", "a power is a whole number of at most 60, as in m^2 or d^-1"},
        {"mm -", "'-' where a unit name was expected"},
        {"- mm", "'-' (dimensionless) stands alone"},
        {"", "no unit"},
        {"2 mm", "'2' where a unit name was expected"},
        {"m^61", "a power is a whole number of at most 60, as in m^2 or d^-1"},
        {"m^30 m^31", "powers above 60"},
        {"((m^60)^60)^60", "powers above 60"},
        {"km^60 km^60", "powers above 60"},
        {"km^50 g^-50", "a unit too large or too small for a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        DgUnit x;
        char msg[128] = "";
        CHECK(dgrt_unit_parse(bad[i][0], &x, msg, sizeof msg) == -1);
        CHECK_STR(msg, bad[i][1]);
    }
    char buf[64];
    CHECK_STR(dgrt_unit_dimension(&(DgUnit){{1, -1, 0, 0}, 1, 0}, buf, sizeof buf), "length/time");
    CHECK_STR(dgrt_unit_dimension(&(DgUnit){{0, -1, 0, 0}, 1, 0}, buf, sizeof buf), "1/time");
    CHECK_STR(dgrt_unit_dimension(&(DgUnit){{3, -1, 0, 0}, 1, 0}, buf, sizeof buf), "length^3/time");
    CHECK_STR(dgrt_unit_dimension(&(DgUnit){{0, 0, 0, 0}, 1, 0}, buf, sizeof buf), "dimensionless");
}

static void test_conversions(void) {
    CHECK(converts("mm/d", "m/d", 2500, 2.5));
    CHECK(converts("m/d", "mm/d", 0.004, 4));
    CHECK(converts("mm/d", "mm/h", 48, 2));
    CHECK(converts("mm/h", "m/d", 1, 0.024));
    CHECK(converts("mm", "m", 1234, 1.234));
    CHECK(converts("cm", "mm", 1, 10) && converts("in", "mm", 1, 25.4));
    CHECK(converts("degC", "K", 0, 273.15) && converts("K", "degC", 300, 300 - 273.15));
    CHECK(converts("C", "K", -10, 263.15) && converts("degF", "degC", 212, 100) && converts("K", "degF", 273.15, 32));
    CHECK(converts("mm/K/d", "mm/degC/d", 3, 3));      /* per temperature difference: no offset */
    CHECK(converts("cfs", "m3/s", 1, 0.3048 * 0.3048 * 0.3048));
    CHECK(converts("hPa", "kPa", 1013, 101.3) && converts("Pa", "kPa", 500, 0.5) && converts("mbar", "hPa", 3, 3));
    CHECK(converts("s", "d", 43200, 0.5) && converts("d", "s", 1, 86400));
    CHECK(converts("percent", "-", 40, 0.4));
    /* daily series: an amount per day and the day's amount are the same numbers */
    CHECK(converts("mm", "mm/d", 3, 3) && converts("mm/d", "mm", 3, 3) && converts("m", "mm/d", 0.003, 3));
    CHECK(converts("mm/h", "mm", 1, 24));
    CHECK(converts("MJ/m^2/d", "W/m2", 1, 1e6 / 86400) && converts("J/m2", "W/m2", 86400, 1));
    /* incompatible */
    CHECK(refused("degC", "mm/d") && refused("mm/d", "K") && refused("m3/s", "mm/d") && refused("cfs", "mm/d"));
    CHECK(refused("1/d", "-") && refused("d", "-") && refused("degC", "degC/d") && refused("mm/d^2", "mm"));
    CHECK(refused("kg", "mm") && refused("W/m2", "mm/d"));
}

static void test_headers(void) {
    char u[64];
    const char *cases[][2] = {
        {"prcp(mm/day)", "mm/day"}, {"tmax(C)", "C"},       {"srad(W/m2)", "W/m2"}, {"Q (cfs)", "cfs"},
        {"HS [m] ", "m"},           {"q_obs", ""},          {"x(mm/(d*K))", "mm/(d*K)"}, {"a)", ""},
        {"flow( mm )", "mm"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dgrt_header_unit(cases[i][0], u, sizeof u);
        CHECK_STR(u, cases[i][1]);
    }
    CHECK_STR(dgrt_known_column_unit("total_precipitation_sum"), "mm/d");
    CHECK_STR(dgrt_known_column_unit("temperature_2m_max"), "degC");
    CHECK_STR(dgrt_known_column_unit("potential_evaporation_sum_FAO_PENMAN_MONTEITH"), "mm/d");
    CHECK_STR(dgrt_known_column_unit("surface_pressure_mean"), "kPa");
    CHECK(dgrt_known_column_unit("temperature") == NULL && dgrt_known_column_unit("streamflows") == NULL);

    DgCsv csv;
    DgrtErr err = {0};
    const char *p = write_file("h.csv", "date,prcp(mm/day),a:b,T,flow [mm],Q(cfs)\n2000-01-01,1,2,3,4,5\n");
    CHECK(dgrt_csv_read(&csv, p, NULL, &err) == 0);
    CHECK(dgrt_column_find(&csv, "prcp") == 1 && dgrt_column_find(&csv, "prcp(mm/day)") == 1);
    CHECK(dgrt_column_find(&csv, "flow") == 4 && dgrt_column_find(&csv, "pr") == -1);
    DgColumnRef r;
    dgrt_column_ref(&csv, "prcp", &r);
    CHECK(r.col == 1 && !r.stated && !strcmp(r.unit, "mm/day"));
    dgrt_column_ref(&csv, "prcp:m/d", &r);   /* a stated unit wins over the header's */
    CHECK(r.col == 1 && r.stated && !strcmp(r.unit, "m/d") && !strcmp(r.name, "prcp"));
    dgrt_column_ref(&csv, "a:b", &r);        /* a column with ':' in its name */
    CHECK(r.col == 2 && !r.stated && !strcmp(r.unit, ""));
    dgrt_column_ref(&csv, "T:K", &r);
    CHECK(r.col == 3 && !strcmp(r.unit, "K"));
    dgrt_column_ref(&csv, "nope:mm", &r);
    CHECK(r.col == -1 && !strcmp(r.name, "nope"));
    dgrt_csv_free(&csv);
}

static void test_resolve(void) {
    DgConversion c;
    DgrtErr err = {0};
    CHECK(dgrt_units_resolve(&c, "", "degC", "model input 'P'", "column 'x'", "--map P=x:UNIT", &err) == 0 &&
          dgrt_conversion_is_identity(c));   /* declared without a unit: the data as it is */
    CHECK(dgrt_units_resolve(&c, "mm/d", "", "model input 'P'", "column 'x'", "--map P=x:UNIT", &err) == 0 &&
          dgrt_conversion_is_identity(c));   /* no unit stated: taken in the declared one */
    CHECK(dgrt_units_resolve(&c, "m/d", "mm/day", "model input 'P'", "column 'x'", "--map P=x:UNIT", &err) == 0 &&
          near(c.scale, 1e-3));
    CHECK(dgrt_units_resolve(&c, "mm/d", "C", "model input 'P'", "column 'tmax(C)' of 'f.txt'", "--map P=tmax(C):UNIT",
                             &err) == DGRT_EXIT_DATA);
    CHECK_STR(err.msg, "model input 'P' is declared in mm/d (length/time), but column 'tmax(C)' of 'f.txt' is in C "
                       "(temperature): no conversion between them");
    CHECK_STR(err.hint, "units convert within one dimension (mm/d, m/d, mm/h; degC, K): read another series, or "
                        "declare a unit of the data's dimension; when the data's unit is written wrong, state it with "
                        "--map P=tmax(C):UNIT");
    CHECK(dgrt_units_resolve(&c, "mm/d", "m3/s", "output 'Q'", "column 'q(m3/s)' of 'f.csv'", "--obs-column q:UNIT",
                             &err) == DGRT_EXIT_DATA);
    CHECK_STR(err.msg, "output 'Q' is declared in mm/d (length/time), but column 'q(m3/s)' of 'f.csv' is in m3/s "
                       "(length^3/time): no conversion between them");
    CHECK_STR(err.hint, "a discharge (volume per time) becomes a depth per time only with the basin's area: divide it "
                        "by the area (e.g. into mm/d) before the run");
    CHECK(dgrt_units_resolve(&c, "mm/d", "furlong/d", "model input 'P'", "column 'x' of 'f.csv'", "--map P=x:UNIT",
                             &err) == DGRT_EXIT_DATA);
    CHECK_STR(err.msg, "model input 'P' reads column 'x' of 'f.csv', in 'furlong/d': unknown unit name 'furlong'");
    CHECK_STR(err.hint, "state the data's unit with --map P=x:UNIT (e.g. mm/day, m/d, mm/h, C, K, W/m2, Pa, cfs), or "
                        "declare it without a unit to take the values as they are");
}

// ---- Forcing in the declared units ----------------------------------------------------------------

static const DgNameInfo si_inputs[3] = {{"P", "m/d"}, {"T", "K"}, {"PET", "mm/h"}};

static int load(DgForcing *f, const DgNameInfo *inputs, int n, const char *path, const DgMap *maps, int nmaps,
                DgrtErr *err) {
    DgForcingSpec s;
    memset(&s, 0, sizeof s);
    s.csv_path = path;
    s.maps = maps;
    s.nmaps = nmaps;
    s.latitude = 45;
    s.has_latitude = 1;
    return dgrt_forcing_load(f, inputs, n, &s, err);
}

static void test_forcing(void) {
    DgForcing f;
    DgrtErr err = {0};
    const char *p = write_file("u.csv", "date,P(mm/day),T(C),PET(mm/d)\n2000-01-01,4,-3,2.4\n2000-01-02,0,10,4.8\n");
    CHECK(load(&f, si_inputs, 3, p, NULL, 0, &err) == 0);
    CHECK(near(f.values[0], 0.004) && near(f.values[1], 270.15) && near(f.values[2], 0.1));
    CHECK(near(f.values[3], 0) && near(f.values[4], 283.15) && near(f.values[5], 0.2));
    dgrt_forcing_free(&f);

    /* --map COLUMN:UNIT for a header without one; a column with no unit is taken in the declared unit */
    p = write_file("nounit.csv", "date,rain,temp,PET\n2000-01-01,7,20,0.5\n");
    DgMap maps[2] = {{"P", "rain:mm/d"}, {"T", "temp:degC"}};
    CHECK(load(&f, si_inputs, 3, p, maps, 2, &err) == 0);
    CHECK(near(f.values[0], 0.007) && near(f.values[1], 293.15) && near(f.values[2], 0.5));
    CHECK_STR(f.source[0], "rain");
    dgrt_forcing_free(&f);
    DgMap temp_k[2] = {{"P", "rain:mm/d"}, {"T", "temp:K"}};   /* 20 K is below the plausible range */
    CHECK(load(&f, si_inputs, 3, p, temp_k, 2, &err) == DGRT_EXIT_DATA);
    char want[1200];
    snprintf(want, sizeof want,
             "%s:2:14: column 'temp': 20 is outside [183.15, 343.15] K, the plausible range of air temperature", p);
    CHECK_STR(err.msg, want);

    /* refused: a temperature for a rate; an unknown unit; a unit for a derived variable */
    DgMap wrong[1] = {{"P", "temp:degC"}};
    CHECK(load(&f, si_inputs, 3, p, wrong, 1, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want,
             "model input 'P' is declared in m/d (length/time), but column 'temp' of '%s' is in degC (temperature): "
             "no conversion between them", p);
    CHECK_STR(err.msg, want);
    DgMap unknown[1] = {{"P", "rain:inch/d"}};
    CHECK(load(&f, si_inputs, 3, p, unknown, 1, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "model input 'P' reads column 'rain' of '%s', in 'inch/d': unknown unit name 'inch'", p);
    CHECK_STR(err.msg, want);
    DgMap derived[3] = {{"P", "rain"}, {"T", "temp:degC"}, {"PET", "pet_oudin:mm/d"}};
    CHECK(load(&f, si_inputs, 3, p, derived, 3, &err) == DGRT_EXIT_USAGE);
    CHECK_STR(err.msg, "--map PET=pet_oudin:mm/d: 'pet_oudin' is derived, in mm/d");

    /* derived PET from a temperature in K equals the one from degC, converted into mm/h */
    const DgNameInfo in_c[2] = {{"T", "degC"}, {"PET", "mm/d"}};
    const DgNameInfo in_k[2] = {{"T", "K"}, {"PET", "mm/h"}};
    const char *pc = write_file("tc.csv", "date,T\n2000-06-01,15\n2000-06-02,20\n");
    DgMap oudin[1] = {{"PET", "pet_oudin"}};
    DgForcing fc, fk;
    CHECK(load(&fc, in_c, 2, pc, oudin, 1, &err) == 0);
    const char *pk = write_file("tk.csv", "date,T\n2000-06-01,288.15\n2000-06-02,293.15\n");
    CHECK(load(&fk, in_k, 2, pk, oudin, 1, &err) == 0);
    CHECK(fc.values[1] > 1 && near(fk.values[1] * 24, fc.values[1]) && near(fk.values[3] * 24, fc.values[3]));
    CHECK(near(fk.values[0], 288.15) && near(fc.values[0], 15));
    dgrt_forcing_free(&fc);
    dgrt_forcing_free(&fk);
    const char *pm = write_file("tm.csv", "date,T(mm)\n2000-06-01,15\n");
    const DgNameInfo in_free[2] = {{"T", ""}, {"PET", "mm/d"}};
    CHECK(load(&fc, in_free, 2, pm, oudin, 1, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want,
             "model input 'PET' is a PET from the temperature, but column 'T' of '%s' is in mm (length)", pm);
    CHECK_STR(err.msg, want);
}

// ---- Observations in the target's unit ---------------------------------------------------------------

static int load_obs_src(DgDataset *d, const DgModel *m, const DgOutputInfo *target, const char *pattern,
                        const char *camels, const char *obs_column, const char *attributes_csv,
                        const char *attributes_dir, int obs_optional, const char *id, DgrtErr *err) {
    char **ids;
    int n;
    CHECK(dgrt_basins_parse(id, &ids, &n, err) == 0);
    DgDataSource src = {camels, pattern, obs_column, attributes_csv, NULL, 0, attributes_dir, target, obs_optional};
    int32_t first, last;
    dgrt_parse_date("2000-01-01", &first);
    dgrt_parse_date("2000-01-03", &last);
    int rc = dgrt_dataset_load_source(d, m, &src, ids, n, first, last, err);
    for (int i = 0; i < n; i++) free(ids[i]);
    free(ids);
    return rc;
}

static int load_obs_attr(DgDataset *d, const DgModel *m, const DgOutputInfo *target, const char *pattern,
                         const char *camels, const char *obs_column, const char *attributes_csv,
                         const char *attributes_dir, const char *id, DgrtErr *err) {
    return load_obs_src(d, m, target, pattern, camels, obs_column, attributes_csv, attributes_dir, 0, id, err);
}

static int load_obs(DgDataset *d, const DgModel *m, const DgOutputInfo *target, const char *pattern,
                    const char *camels, const char *obs_column, const char *id, DgrtErr *err) {
    return load_obs_attr(d, m, target, pattern, camels, obs_column, NULL, NULL, id, err);
}

/* An ungauged basin (no streamflow column, no streamflow file) loads with
 * every day missing when observations are optional (simulate), and is an
 * error otherwise. */
static void test_obs_ungauged(void) {
    DgModel m = dg_model;
    m.learn.nattributes = 0;
    m.learn.nforcings = 0;
    const DgOutputInfo q_mm = {"Q", "mm/d", -1, 0};
    write_file("u9.csv", "date,P,PET\n2000-01-01,1,1\n2000-01-02,1,1\n2000-01-03,1,1\n");
    DgDataset d;
    DgrtErr err = {0};
    CHECK(load_obs_src(&d, &m, &q_mm, DG_RT_TMP_DIR "/{basin}.csv", NULL, NULL, NULL, NULL, 1, "u9", &err) == 0);
    CHECK(d.nbasins == 1 && d.basins[0].ndays == 3 && isnan(d.basins[0].obs[0]) && isnan(d.basins[0].obs[2]) &&
          d.basins[0].obs_end < d.basins[0].obs_start);
    dgrt_dataset_free(&d);
    CHECK(load_obs_src(&d, &m, &q_mm, DG_RT_TMP_DIR "/{basin}.csv", NULL, NULL, NULL, NULL, 0, "u9", &err) ==
          DGRT_EXIT_DATA);
    CHECK(strstr(err.msg, "no column 'q_obs'") != NULL);
    /* a CAMELS-layout folder with the forcing of 01022500 and no streamflow */
    char forcing[1024];
    snprintf(forcing, sizeof forcing, "%s/basin_mean_forcing/daymet/01022500_lump_cida_forcing_leap.txt", CAMELS);
    struct stat st;
    if (stat(forcing, &st) != 0) return;
    const char *root = DG_RT_TMP_DIR "/camels_ungauged", *dir = DG_RT_TMP_DIR "/camels_ungauged/basin_mean_forcing",
               *link = DG_RT_TMP_DIR "/camels_ungauged/basin_mean_forcing/daymet";
    char daymet[1024];
    snprintf(daymet, sizeof daymet, "%s/basin_mean_forcing/daymet", CAMELS);
    mkdir(root, 0777);
    mkdir(dir, 0777);
    if (lstat(link, &st) != 0) CHECK(symlink(daymet, link) == 0);
    CHECK(load_obs_src(&d, &m, &q_mm, NULL, root, NULL, NULL, NULL, 1, "01022500", &err) == 0);
    CHECK(d.nbasins == 1 && d.basins[0].ndays == 3 && isnan(d.basins[0].obs[1]) && d.basins[0].bench == NULL);
    dgrt_dataset_free(&d);
    CHECK(load_obs_src(&d, &m, &q_mm, NULL, root, NULL, NULL, NULL, 0, "01022500", &err) == DGRT_EXIT_DATA);
}

/* Observed discharge (m3/s, cfs) into a depth per time with the basin's area
 * from the attributes: 1 m3/s over 86.4 km^2 is 1 mm/d. */
static void test_obs_discharge(void) {
    DgModel m = dg_model;
    m.learn.nattributes = 0;
    m.learn.nforcings = 0;
    const DgOutputInfo q_mm = {"Q", "mm/d", -1, 0}, q_m = {"Q", "m/d", -1, 0};
    const char *pattern = DG_RT_TMP_DIR "/{basin}.csv";
    write_file("b7.csv", "date,P,PET,q(m3/s),qf(cfs)\n2000-01-01,1,1,2,1\n2000-01-02,1,1,,1\n2000-01-03,1,1,0.5,1\n");
    write_file("01022500.csv", "date,P,PET,q(m3/s)\n2000-01-01,1,1,1\n2000-01-02,1,1,1\n2000-01-03,1,1,1\n");
    char attr[1024];
    snprintf(attr, sizeof attr, "%s", write_file("areas.csv", "basin,area,lat\nb7,86.4,45\nother,-3,40\n"));
    DgDataset d;
    DgrtErr err = {0};
    CHECK(load_obs_attr(&d, &m, &q_mm, pattern, NULL, "q", attr, NULL, "b7", &err) == 0);
    CHECK(near(d.basins[0].area_km2, 86.4) && near(d.basins[0].obs[0], 2) && isnan(d.basins[0].obs[1]) &&
          near(d.basins[0].obs[2], 0.5));
    dgrt_dataset_free(&d);
    CHECK(load_obs_attr(&d, &m, &q_m, pattern, NULL, "qf", attr, NULL, "b7", &err) == 0);
    CHECK(near(d.basins[0].obs[0], 0.3048 * 0.3048 * 0.3048 * 1e-3));   /* 1 cfs over 86.4 km^2, in m/d */
    dgrt_dataset_free(&d);
    /* no area: refused, saying where the area comes from */
    CHECK(load_obs(&d, &m, &q_mm, pattern, NULL, "q", "b7", &err) == DGRT_EXIT_DATA);
    CHECK(strstr(err.msg, "is in m3/s (length^3/time): no conversion between them") != NULL);
    CHECK(strstr(err.hint, "add an 'area' column (km^2) to attributes_csv") != NULL);
    const char *bad = write_file("areas_bad.csv", "basin,area\nb7,-3\n");   /* not an area: as missing */
    CHECK(load_obs_attr(&d, &m, &q_mm, pattern, NULL, "q", bad, NULL, "b7", &err) == DGRT_EXIT_DATA);
    CHECK(strstr(err.hint, "add an 'area' column") != NULL);
    /* the CAMELS tables: area_gages2 of camels_topo.txt (573.6 km^2 for 01022500) */
    struct stat st;
    if (stat(CAMELS "/camels_attributes_v2.0/camels_topo.txt", &st) != 0) return;
    CHECK(load_obs_attr(&d, &m, &q_mm, pattern, NULL, "q", NULL, CAMELS, "01022500", &err) == 0);
    CHECK(near(d.basins[0].area_km2, 573.6) && near(d.basins[0].obs[1], 86.4 / 573.6));
    dgrt_dataset_free(&d);
}

static int test_obs(void) {
    DgModel m = dg_model;   /* the toy model: inputs P, PET in mm/d; outputs Q, ET in mm/d */
    m.learn.nattributes = 0;
    m.learn.nforcings = 0;
    const DgOutputInfo q_m = {"Q", "m/d", -1, 0}, q_c = {"Q", "degC", -1, 0}, q_free = {"Q", "", -1, 0};
    const char *p = write_file("o.csv", "date,P,PET,q_obs(mm),q2\n2000-01-01,1,1,2.5,3\n2000-01-02,1,1,,4\n"
                                        "2000-01-03,1,1,-999,5\n");
    DgDataset d;
    DgrtErr err = {0};
    CHECK(load_obs(&d, &m, &q_m, p, NULL, NULL, "b1", &err) == 0);   /* q_obs found by its name before the unit */
    CHECK(near(d.basins[0].obs[0], 0.0025) && isnan(d.basins[0].obs[1]) && isnan(d.basins[0].obs[2]));
    dgrt_dataset_free(&d);
    CHECK(load_obs(&d, &m, &q_free, p, NULL, NULL, "b1", &err) == 0);   /* an output without a unit: as they are */
    CHECK(near(d.basins[0].obs[0], 2.5));
    dgrt_dataset_free(&d);
    CHECK(load_obs(&d, &m, &q_m, p, NULL, "q2:mm/h", "b1", &err) == 0);
    CHECK(near(d.basins[0].obs[0], 0.072) && near(d.basins[0].obs[2], 0.12));
    dgrt_dataset_free(&d);
    CHECK(load_obs(&d, &m, &q_m, p, NULL, "q2", "b1", &err) == 0);   /* no unit: in the target's */
    CHECK(near(d.basins[0].obs[0], 3));
    dgrt_dataset_free(&d);
    CHECK(load_obs(&d, &m, &q_c, p, NULL, NULL, "b1", &err) == DGRT_EXIT_DATA);
    char want[1400];
    snprintf(want, sizeof want,
             "output 'Q', compared with the observations, is declared in degC (temperature), but column 'q_obs(mm)' "
             "of '%s' is in mm (length): no conversion between them", p);
    CHECK_STR(err.msg, want);
    CHECK(strstr(err.hint, "state it with the header, NAME(UNIT), or train --obs-column COLUMN:UNIT") != NULL);

    /* CAMELS: USGS streamflow in cfs, converted to mm/d with the area, then into the target's unit */
    struct stat st;
    if (stat(CAMELS "/basin_mean_forcing", &st) != 0) return 77;
    DgDataset dm, dd;
    const DgOutputInfo q_mm = {"Q", "mm/d", -1, 0};
    CHECK(load_obs(&dm, &m, &q_mm, NULL, CAMELS, NULL, "01022500", &err) == 0);
    CHECK(load_obs(&dd, &m, &q_m, NULL, CAMELS, NULL, "01022500", &err) == 0);
    CHECK(dm.basins[0].ndays == 3 && dm.basins[0].obs[0] > 0.1);
    for (int t = 0; t < 3; t++) CHECK(near(dd.basins[0].obs[t], dm.basins[0].obs[t] / 1000));
    dgrt_dataset_free(&dm);
    dgrt_dataset_free(&dd);
    CHECK(load_obs(&dd, &m, &q_c, NULL, CAMELS, NULL, "01022500", &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want,
             "output 'Q', compared with the observations, is declared in degC (temperature), but the observed "
             "streamflow of '%s/usgs_streamflow/01022500_streamflow_qc.txt' is in mm/d (length/time): no "
             "conversion between them", CAMELS);
    CHECK_STR(err.msg, want);
    return 0;
}

int main(void) {
    test_parse();
    test_conversions();
    test_headers();
    test_resolve();
    test_forcing();
    test_obs_discharge();
    test_obs_ungauged();
    int skipped = test_obs();
    int rc = check_report("test_data_units");
    return rc ? rc : skipped;
}
