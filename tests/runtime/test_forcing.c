/* test_forcing.c — forcing for the model inputs: CSV files (columns, --map,
 * --period, and the exact text of each error), and CAMELS-US Daymet files
 * read from shared/data (basin 01022500: latitude, first rows, derived
 * variables, default mapping, HUC subfolders). The CAMELS part is skipped
 * (exit 77 at the end) when shared/data is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "dgrt_internal.h"
#include "rt_files.h"

#define CAMELS DG_SHARED_DIR "/data/camels_us"

static const DgNameInfo toy_inputs[2] = {{"P", "mm/d"}, {"PET", "mm/d"}};

static DgForcingSpec csv_spec(const char *path) {
    DgForcingSpec s;
    memset(&s, 0, sizeof s);
    s.csv_path = path;
    return s;
}

/* Load CSV `text` with `spec` (csv_path filled in) and expect `code` and "<path><rest>" (rest starting
 * with ':') or exactly `rest` (otherwise; %s in it = the path). */
static void expect_csv(const char *name, const char *text, DgForcingSpec spec, int code, const char *rest,
                       const char *hint) {
    const char *p = write_file(name, text);
    spec.csv_path = p;
    DgForcing f;
    DgrtErr err = {0};
    int rc = dgrt_forcing_load(&f, toy_inputs, 2, &spec, &err);
    CHECK(rc == code);
    if (rc == 0) dgrt_forcing_free(&f);
    if (!rest) return;
    char want[2048];
    if (rest[0] == ':') snprintf(want, sizeof want, "%s%s", p, rest);
    else snprintf(want, sizeof want, rest, p);
    CHECK_STR(err.msg, want);
    if (hint) CHECK_STR(err.hint, hint);
}

static void test_csv_forcing(void) {
    const char *p = write_file("f.csv", "date,PET,P,extra\n2000-01-01,2,1,x\n2000-01-02,3,0,y\n2000-01-03,1,5,z\n");
    DgForcingSpec spec = csv_spec(p);
    DgForcing f;
    DgrtErr err = {0};
    CHECK(dgrt_forcing_load(&f, toy_inputs, 2, &spec, &err) == 0);
    CHECK(f.nsteps == 3 && f.ninputs == 2 && isnan(f.latitude));
    CHECK(f.dates[0] == dgrt_days_from_ymd(2000, 1, 1) && f.dates[2] == dgrt_days_from_ymd(2000, 1, 3));
    CHECK(f.values[0] == 1 && f.values[1] == 2 && f.values[4] == 5 && f.values[5] == 1);   /* [t][P, PET] */
    CHECK_STR(f.source[1], "PET");
    dgrt_forcing_free(&f);

    /* --period and --map */
    p = write_file("f2.csv", "date,rain,PET\n2000-01-01,1,2\n2000-01-02,4,3\n2000-01-03,5,1\n");
    spec = csv_spec(p);
    DgMap maps[1] = {{"P", "rain"}};
    spec.maps = maps;
    spec.nmaps = 1;
    CHECK(dgrt_parse_period("2000-01-02:2000-01-03", &spec.start, &spec.end, &err) == 0);
    spec.has_period = 1;
    CHECK(dgrt_forcing_load(&f, toy_inputs, 2, &spec, &err) == 0);
    CHECK(f.nsteps == 2 && f.dates[0] == dgrt_days_from_ymd(2000, 1, 2));
    CHECK(f.values[0] == 4 && f.values[1] == 3 && f.values[2] == 5 && f.values[3] == 1);
    CHECK_STR(f.source[0], "rain");
    dgrt_forcing_free(&f);

    /* errors */
    DgForcingSpec none = csv_spec(NULL);
    expect_csv("nodate.csv", "P,PET\n1,2\n", none, 3, ":1:1: no column 'date' (the header has: P, PET)",
               "a forcing CSV has a 'date' column (YYYY-MM-DD) and one column per model input");
    expect_csv("nopet.csv", "date,P\n2000-01-01,1\n", none, 3, ":1:1: no column 'PET' (the header has: date, P)",
               "model input 'PET' is read from column 'PET'; add it, or use another column with --map PET=COLUMN");
    DgForcingSpec mapped = none;
    DgMap evap[1] = {{"PET", "evap"}};
    mapped.maps = evap;
    mapped.nmaps = 1;
    expect_csv("mapmiss.csv", "date,P,PET\n2000-01-01,1,2\n", mapped, 3,
               ":1:1: no column 'evap' (the header has: date, P, PET)",
               "--map PET=evap names a column that is not in the file");
    DgMap badmap[1] = {{"Q", "x"}};
    mapped.maps = badmap;
    expect_csv("mapbad.csv", "date,P,PET\n2000-01-01,1,2\n", mapped, 2,
               "--map Q=x: the model has no input 'Q' (inputs: P, PET)", NULL);
    DgMap twice[2] = {{"P", "a"}, {"P", "b"}};
    mapped.maps = twice;
    mapped.nmaps = 2;
    expect_csv("maptwice.csv", "date,P,PET\n2000-01-01,1,2\n", mapped, 2, "--map P is given twice", NULL);
    expect_csv("gap.csv", "date,P,PET\n2000-01-01,1,2\n2000-01-03,1,2\n", none, 3,
               ":3:1: date 2000-01-03 does not follow 2000-01-01",
               "forcing rows are consecutive days, in order, without gaps");
    expect_csv("order.csv", "date,P,PET\n2000-01-02,1,2\n2000-01-01,1,2\n", none, 3,
               ":3:1: date 2000-01-01 does not follow 2000-01-02", NULL);
    expect_csv("baddate.csv", "date,P,PET\n2000-01-01,1,2\n01/02/2000,1,2\n", none, 3,
               ":3:1: column 'date': '01/02/2000' is not a date (expected YYYY-MM-DD)", NULL);
    expect_csv("nonfinite.csv", "date,P,PET\n2000-01-01,nan,2\n", none, 3,
               ":2:12: column 'P': value 'nan' is not finite", "forcing values must be finite numbers");
    expect_csv("text.csv", "date,P,PET\n2000-01-01,1,2\n2000-01-02,1,two\n", none, 3,
               ":3:14: column 'PET': 'two' is not a number", NULL);
    expect_csv("norows.csv", "date,P,PET\n", none, 3, ":1:1: no data rows after the header", NULL);
    DgForcingSpec per = none;
    per.has_period = 1;
    CHECK(dgrt_parse_period("1999-12-31:2000-01-02", &per.start, &per.end, &err) == 0);
    expect_csv("period.csv", "date,P,PET\n2000-01-01,1,2\n2000-01-02,1,2\n2000-01-03,1,2\n", per, 3,
               "period 1999-12-31:2000-01-02 is not inside the data of '%s' (2000-01-01 to 2000-01-03)",
               "choose a --period inside the dates of the file");
    /* a value outside the period does not matter */
    CHECK(dgrt_parse_period("2000-01-02:2000-01-03", &per.start, &per.end, &err) == 0);
    expect_csv("period_ok.csv", "date,P,PET\n2000-01-01,x,2\n2000-01-02,1,2\n2000-01-03,1,2\n", per, 0, NULL, NULL);

    int32_t a, b;
    CHECK(dgrt_parse_period("2000-01-01", &a, &b, &err) == 2);
    CHECK_STR(err.msg, "--period '2000-01-01' is not START:END");
    CHECK(dgrt_parse_period("2000-01-05:2000-01-01", &a, &b, &err) == 2);
    CHECK_STR(err.msg, "--period '2000-01-05:2000-01-01' ends before it starts");
    CHECK(dgrt_parse_period("2000-01-01:2000-13-01", &a, &b, &err) == 2);
    CHECK_STR(err.msg, "--period '2000-01-01:2000-13-01': '2000-13-01' is not a date (YYYY-MM-DD)");
}

// ---- CAMELS ------------------------------------------------------------------------------

static DgForcingSpec camels_spec(const char *dir, const char *basin) {
    DgForcingSpec s;
    memset(&s, 0, sizeof s);
    s.data_dir = dir;
    s.basin = basin;
    return s;
}

static void test_camels(void) {
    /* every default name and every variable */
    static const DgNameInfo in[] = {{"P", ""},    {"T", ""},    {"PET", ""},  {"E", ""},   {"Lday", ""},
                                    {"prcp", ""}, {"tmax", ""}, {"tmin", ""}, {"srad", ""}, {"vp", ""},
                                    {"swe", ""},  {"dayl", ""}, {"tmean", ""}, {"lday", ""}, {"pet_hamon", ""}};
    enum { N = sizeof in / sizeof in[0] };
    DgForcingSpec spec = camels_spec(CAMELS, "01022500");
    DgForcing f;
    DgrtErr err = {0};
    CHECK(dgrt_forcing_load(&f, in, N, &spec, &err) == 0);
    if (err.code) dgrt_err_print(&err, stderr);
    CHECK(f.latitude == 44.82);
    CHECK(f.nsteps == 1461);   /* 2000-01-01 .. 2003-12-31 */
    char d[16];
    CHECK_STR(dgrt_format_date(f.dates[0], d), "2000-01-01");
    CHECK_STR(dgrt_format_date(f.dates[f.nsteps - 1], d), "2003-12-31");
    /* 2000 01 01 12  31185.97  0.00  189.56  0.00  -2.36  -14.36  202.51 */
    const double *v = f.values;
    double lday = 31185.97 / 86400, tmean = (-2.36 + -14.36) / 2;
    double pet = dgrt_pet_hargreaves(-14.36, -2.36, 44.82, 1);
    CHECK(v[0] == 0 && v[1] == tmean && v[2] == pet && v[3] == pet && v[4] == lday);
    CHECK(v[5] == 0 && v[6] == -2.36 && v[7] == -14.36 && v[8] == 189.56 && v[9] == 202.51 && v[10] == 0);
    CHECK(v[11] == 31185.97 && v[12] == tmean && v[13] == lday && v[14] == dgrt_pet_hamon(tmean, lday));
    CHECK(pet > 0 && pet < 1);   /* a cold January day in Maine */
    /* the second row */
    v = f.values + N;
    CHECK(v[6] == 4.81 && v[7] == -8.61 && v[11] == 31302.05 && v[9] == 319.42);
    CHECK(v[2] == dgrt_pet_hargreaves(-8.61, 4.81, 44.82, 2));
    /* the last row (no newline at the end of the file) */
    v = f.values + (f.nsteps - 1) * N;
    CHECK(v[6] == 6.89 && v[7] == -0.95 && v[9] == 574.94);
    CHECK_STR(f.source[2], "Hargreaves(tmin, tmax, latitude 44.82)");
    CHECK_STR(f.source[0], "prcp(mm/day)");
    dgrt_forcing_free(&f);

    /* --period, --map, an id that lost its leading zero */
    spec = camels_spec(CAMELS, "1022500");
    CHECK(dgrt_parse_period("2001-02-27:2001-03-02", &spec.start, &spec.end, &err) == 0);
    spec.has_period = 1;
    DgMap maps[2] = {{"T", "tmax"}, {"P", "PET_Hamon"}};
    spec.maps = maps;
    spec.nmaps = 2;
    CHECK(dgrt_forcing_load(&f, in, 3, &spec, &err) == 0);
    CHECK(f.nsteps == 4);
    CHECK_STR(dgrt_format_date(f.dates[0], d), "2001-02-27");
    CHECK_STR(dgrt_format_date(f.dates[3], d), "2001-03-02");
    /* 2001 02 27 12  38707.20  1.16  359.68  0.00  3.16  -10.12  280.36 */
    CHECK(f.values[1] == 3.16);
    CHECK(f.values[0] == dgrt_pet_hamon((3.16 + -10.12) / 2, 38707.20 / 86400));
    CHECK(f.values[2] == dgrt_pet_hargreaves(-10.12, 3.16, 44.82, 58));
    /* 2001 03 02 12  39398.37  0.00  417.60  0.00  -7.85  -23.55  93.97 */
    CHECK(f.values[3 * 3 + 1] == -7.85);
    dgrt_forcing_free(&f);

    /* errors */
    spec = camels_spec(CAMELS, "99999999");
    CHECK(dgrt_forcing_load(&f, in, 1, &spec, &err) == 3);
    CHECK_STR(err.msg, "no Daymet forcing for basin '99999999': '" CAMELS
                       "/basin_mean_forcing/daymet/99999999_lump_cida_forcing_leap.txt' does not exist");
    CHECK_STR(err.hint, "--data is the CAMELS-US directory that holds basin_mean_forcing/; basin ids have 8 digits");
    static const DgNameInfo q[] = {{"Q", ""}};
    spec = camels_spec(CAMELS, "01022500");
    CHECK(dgrt_forcing_load(&f, q, 1, &spec, &err) == 3);
    CHECK_STR(err.msg, "model input 'Q' has no CAMELS variable of that name (variables: prcp, tmax, tmin, tmean, srad, "
                       "vp, swe, dayl, lday, pet_hargreaves, pet_hamon, pet_oudin, daylength, doy, lat)");
    CHECK_STR(err.hint, "take it from a variable with --map Q=VARIABLE");
    DgMap rain[1] = {{"P", "rain"}};
    spec.maps = rain;
    spec.nmaps = 1;
    CHECK(dgrt_forcing_load(&f, in, 1, &spec, &err) == 2);
    CHECK_STR(err.msg, "--map P=rain: 'rain' is not a CAMELS variable (variables: prcp, tmax, tmin, tmean, srad, vp, "
                       "swe, dayl, lday, pet_hargreaves, pet_hamon, pet_oudin, daylength, doy, lat)");

    /* the official archive's HUC subfolders, and a damaged header */
    char dir[1100], sub[1200], link[1300];
    snprintf(dir, sizeof dir, "%s/camels", DG_RT_TMP_DIR);
    snprintf(sub, sizeof sub, "%s/basin_mean_forcing/daymet/01", dir);
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
    CHECK(system(cmd) == 0);
    snprintf(link, sizeof link, "%s/01022500_lump_cida_forcing_leap.txt", sub);
    unlink(link);
    CHECK(symlink(CAMELS "/basin_mean_forcing/daymet/01022500_lump_cida_forcing_leap.txt", link) == 0);
    spec = camels_spec(dir, "01022500");
    CHECK(dgrt_forcing_load(&f, in, 2, &spec, &err) == 0);
    CHECK(f.nsteps == 1461 && f.latitude == 44.82);
    CHECK_STR(f.path, link);
    dgrt_forcing_free(&f);
    snprintf(link, sizeof link, "%s/02000000_lump_cida_forcing_leap.txt", sub);
    FILE *bad = fopen(link, "w");
    fputs("  north\n 133.00\n 587675987\nYear Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)\n",
          bad);
    fclose(bad);
    spec = camels_spec(dir, "02000000");
    CHECK(dgrt_forcing_load(&f, in, 2, &spec, &err) == 3);
    char want[2048];
    snprintf(want, sizeof want, "%s:1:1: latitude 'north' is not a number in [-90, 90]", link);
    CHECK_STR(err.msg, want);
    bad = fopen(link, "w");
    fputs("45\n133\n5\nYear Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)\n"
          "2000 02 30 12 1 2 3 4 5 6 7\n",
          bad);
    fclose(bad);
    CHECK(dgrt_forcing_load(&f, in, 2, &spec, &err) == 3);
    snprintf(want, sizeof want, "%s:5:9: 2000-02-30 is not a date (no such day in the month)", link);
    CHECK_STR(err.msg, want);
}

/* Derived inputs from the date, the latitude and the temperature column T reads (every source):
 * DOY and LAT by name, PET from pet_oudin / pet_hamon by --map; without a latitude, an error. */
static void test_derived(void) {
    const DgNameInfo in[5] = {{"P", "mm/d"}, {"T", "degC"}, {"PET", "mm/d"}, {"DOY", "-"}, {"LAT", "-"}};
    const char *p = write_file("d.csv", "date,prcp,tmean\n2001-12-31,1,-10\n2002-01-01,0,20\n2002-01-02,3,20\n");
    DgForcingSpec spec = csv_spec(p);
    DgMap maps[3] = {{"P", "prcp"}, {"T", "tmean"}, {"PET", "pet_oudin"}};
    spec.maps = maps;
    spec.nmaps = 3;
    spec.latitude = 45.0;
    spec.has_latitude = 1;
    DgForcing f;
    DgrtErr err = {0};
    CHECK(dgrt_forcing_load(&f, in, 5, &spec, &err) == 0);
    CHECK(f.values[3] == 365 && f.values[5 + 3] == 1 && f.values[10 + 3] == 2);   /* DOY */
    CHECK(f.values[4] == 45 && f.values[14] == 45);                               /* LAT */
    CHECK(f.values[2] == 0);   /* T + 5 <= 0: no Oudin PET */
    double winter = f.values[7];
    CHECK_STR(f.source[2], "Oudin(tmean, latitude 45.0000)");
    dgrt_forcing_free(&f);
    /* Oudin: 0.408 Ra (T + 5) / 100 with FAO-56 Ra; 1 July at 45 N: Ra ~ 41.7 MJ/m2/d -> ~4.25 mm/d */
    spec.csv_path = write_file("s.csv", "date,prcp,tmean\n2002-06-30,1,20\n2002-07-01,0,20\n2002-07-02,3,20\n");
    CHECK(dgrt_forcing_load(&f, in, 5, &spec, &err) == 0);
    double want = 0.408 * dgrt_ra_fao56(182, 45.0) * 25 / 100;
    CHECK(fabs(f.values[7] - want) < 1e-12 && f.values[7] > 4 && f.values[7] < 4.5);
    CHECK(f.values[7] > 3 * winter);   /* summer above winter at the same temperature */
    dgrt_forcing_free(&f);
    /* Hamon from the astronomical day length: 1 July, 45 N, ~15.4 h of daylight */
    maps[2].column = "pet_hamon";
    CHECK(dgrt_forcing_load(&f, in, 5, &spec, &err) == 0);
    double lday = dgrt_daylength(182, 45.0);
    CHECK(lday > 15.2 / 24 && lday < 15.6 / 24);
    CHECK(fabs(f.values[7] - dgrt_pet_hamon(20, lday)) < 1e-12);
    dgrt_forcing_free(&f);
    /* without a latitude */
    spec.has_latitude = 0;
    CHECK(dgrt_forcing_load(&f, in, 5, &spec, &err) == 3);
    CHECK(strstr(err.msg, "needs the basin's latitude") != NULL);
}

// ---- Plausible values: sentinels and impossible values are errors at file:line:col ----------------

static char daymet_dir[1100];

/* A 3-day Daymet file for basin 03000000 whose third row (line 7) is `row3`. */
static const char *daymet(const char *row3) {
    char sub[1200], cmd[1400], text[2048];
    snprintf(daymet_dir, sizeof daymet_dir, "%s/ranges", DG_RT_TMP_DIR);
    snprintf(sub, sizeof sub, "%s/basin_mean_forcing/daymet", daymet_dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
    CHECK(system(cmd) == 0);
    snprintf(text, sizeof text,
             "  44.82\n 133.00\n 587675987\n"
             "Year Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)\n"
             "2000 01 01 12\t31185.97\t0.00\t189.56\t0.00\t-2.36\t-14.36\t202.51\n"
             "2000 01 02 12\t31302.05\t1.20\t189.56\t0.00\t4.81\t-8.61\t319.42\n"
             "%s\n",
             row3);
    static char path[1300];
    snprintf(path, sizeof path, "%s/03000000_lump_cida_forcing_leap.txt", sub);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* Daymet forcing with row 3 = `row3` for inputs `in`: expect "<path>:7:<rest>" (rest NULL: success). */
static void expect_daymet(const DgNameInfo *in, int n, const char *row3, const char *rest) {
    const char *path = daymet(row3);
    DgForcingSpec spec = camels_spec(daymet_dir, "03000000");
    DgForcing f;
    DgrtErr err = {0};
    int rc = dgrt_forcing_load(&f, in, n, &spec, &err);
    if (!rest) {
        if (rc) dgrt_err_print(&err, stderr);
        CHECK(rc == 0);
        if (!rc) dgrt_forcing_free(&f);
        return;
    }
    CHECK(rc == DGRT_EXIT_DATA);
    char want[2048];
    snprintf(want, sizeof want, "%s:7:%s", path, rest);
    CHECK_STR(err.msg, want);
}

static void test_ranges(void) {
    const DgNameInfo hbv[3] = {{"P", "mm/d"}, {"T", "degC"}, {"PET", "mm/d"}};
    const DgNameInfo all[4] = {{"P", "mm/d"}, {"srad", ""}, {"Lday", "d"}, {"vp", ""}};
    /* the good file, and extreme but possible values */
    expect_daymet(hbv, 3, "2000 01 03 12\t31419.00\t0.00\t189.56\t0.00\t6.89\t-0.95\t574.94", NULL);
    expect_daymet(hbv, 3, "2000 01 03 12\t0\t1825.0\t189.56\t0.00\t56.7\t-89.2\t574.94", NULL);
    /* the cases: prcp -999 was accepted silently, tmax -999 and prcp 1e308 gave NaN output */
    expect_daymet(hbv, 3, "2000 01 03 12\t31419.00\t-999\t189.56\t0.00\t6.89\t-0.95\t574.94",
                  "24: column 'prcp(mm/day)': '-999' is a missing-value marker, and forcing has no missing values");
    expect_daymet(hbv, 3, "2000 01 03 12\t31419.00\t0.00\t189.56\t0.00\t-999.00\t-0.95\t574.94",
                  "41: column 'tmax(C)': '-999.00' is a missing-value marker, and forcing has no missing values");
    expect_daymet(hbv, 3, "2000 01 03 12\t31419.00\t1e308\t189.56\t0.00\t6.89\t-0.95\t574.94",
                  "24: column 'prcp(mm/day)': 1e308 is outside [-1e+06, 1e+06], the plausible range of a forcing "
                  "value");
    expect_daymet(hbv, 3, "2000 01 03 12\t31419.00\t-0.5\t189.56\t0.00\t6.89\t-0.95\t574.94",
                  "24: column 'prcp(mm/day)': -0.5 is outside [0, 2000] mm/d, the plausible range of precipitation");
    expect_daymet(hbv, 3, "2000 01 03 12\t31419.00\t2000.5\t189.56\t0.00\t6.89\t-0.95\t574.94",
                  "24: column 'prcp(mm/day)': 2000.5 is outside [0, 2000] mm/d, the plausible range of precipitation");
    expect_daymet(hbv, 3, "2000 01 03 12\t31419.00\t0\t189.56\t0.00\t6.89\t-91\t574.94",
                  "43: column 'tmin(C)': -91 is outside [-90, 70] degC, the plausible range of air temperature");
    expect_daymet(hbv, 3, "2000 01 03 12\t86401\t0\t189.56\t0.00\t6.89\t-0.95\t574.94",
                  "15: column 'dayl(s)': 86401 is outside [0, 86400] s, the plausible range of day length");
    expect_daymet(all, 4, "2000 01 03 12\t31419.00\t0\t-9999\t0.00\t6.89\t-0.95\t574.94",
                  "26: column 'srad(W/m2)': '-9999' is a missing-value marker, and forcing has no missing values");
    expect_daymet(all, 4, "2000 01 03 12\t31419.00\t0\t189.56\t0.00\t6.89\t-0.95\t2e6",
                  "49: column 'vp(Pa)': 2e6 is outside [-1e+06, 1e+06], the plausible range of a forcing value");
    expect_daymet(all, 4, "2000 01 03 12\t31419.00\t0\t189.56\t0.00\t6.89\t-0.95\tinf",
                  "49: column 'vp(Pa)': value 'inf' is not finite");
    expect_daymet(hbv, 3, "2000 4294967297 03 12\t31419.00\t0.00\t189.56\t0.00\t6.89\t-0.95\t574.94",
                  "6: 2000-4294967297-03 is not a date (no such month)");

    /* per-basin CSV: the model input's name and unit, or the column's, give the range */
    const DgNameInfo exp[3] = {{"P", "mm/d"}, {"T", "degC"}, {"Lday", "d"}};
    DgMap maps[3] = {{"P", "prcp(mm/day)"}, {"T", "tmean(C)"}, {"Lday", "dayl(day)"}};
    DgForcingSpec spec = csv_spec(NULL);
    spec.maps = maps;
    spec.nmaps = 3;
    const char *head = "date,prcp(mm/day),tmean(C),dayl(day)\n2000-01-01,3.1,6.08,0.47\n";
    char text[512], want[2048];
    DgForcing f;
    DgrtErr err = {0};
    const struct {
        const char *row, *rest;
    } csv_cases[] = {
        {"2000-01-02,4.2,10.5,0.47", NULL},
        {"2000-01-02,2500,10.5,0.47", ":3:12: column 'prcp(mm/day)': 2500 is outside [0, 2000] mm/d, the plausible "
                                      "range of precipitation"},
        {"2000-01-02,4.2,71,0.47", ":3:16: column 'tmean(C)': 71 is outside [-90, 70] degC, the plausible range of "
                                   "air temperature"},
        {"2000-01-02,4.2,10.5,1.5", ":3:21: column 'dayl(day)': 1.5 is outside [0, 1] d, the plausible range of day "
                                    "length"},
        {"2000-01-02,-999,10.5,0.47", ":3:12: column 'prcp(mm/day)': '-999' is a missing-value marker, and forcing "
                                      "has no missing values"},
    };
    for (size_t k = 0; k < sizeof csv_cases / sizeof csv_cases[0]; k++) {
        snprintf(text, sizeof text, "%s%s\n", head, csv_cases[k].row);
        const char *p = write_file("ranges.csv", text);
        spec.csv_path = p;
        int rc = dgrt_forcing_load(&f, exp, 3, &spec, &err);
        if (!csv_cases[k].rest) {
            CHECK(rc == 0);
            if (!rc) dgrt_forcing_free(&f);
            continue;
        }
        CHECK(rc == DGRT_EXIT_DATA);
        snprintf(want, sizeof want, "%s%s", p, csv_cases[k].rest);
        CHECK_STR(err.msg, want);
    }

    /* Caravan: its column names; potential evaporation may be negative (ERA5-Land) */
    char dir[1100], cmd[1400];
    snprintf(dir, sizeof dir, "%s/caravan/timeseries/csv/camels", DG_RT_TMP_DIR);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    CHECK(system(cmd) == 0);
    snprintf(dir, sizeof dir, "%s/caravan", DG_RT_TMP_DIR);
    const char *chead = "date,total_precipitation_sum,temperature_2m_mean,potential_evaporation_sum,streamflow\n"
                        "1981-01-01,0.5,-3.2,0.1,1.2\n";
    const struct {
        const char *row, *rest;
    } car_cases[] = {
        {"1981-01-02,0.0,-37.5,-4.34,", NULL},
        {"1981-01-02,-9999,-3.2,0.1,", ":3:12: column 'total_precipitation_sum': '-9999' is a missing-value marker, "
                                       "and forcing has no missing values"},
        {"1981-01-02,0.5,80,0.1,", ":3:16: column 'temperature_2m_mean': 80 is outside [-90, 70] degC, the plausible "
                                   "range of air temperature"},
        {"1981-01-02,0.5,-3.2,1e7,", ":3:21: column 'potential_evaporation_sum': 1e7 is outside [-1e+06, 1e+06], the "
                                     "plausible range of a forcing value"},
    };
    for (size_t k = 0; k < sizeof car_cases / sizeof car_cases[0]; k++) {
        snprintf(text, sizeof text, "%s%s\n", chead, car_cases[k].row);
        const char *p = write_file("caravan/timeseries/csv/camels/camels_03000000.csv", text);
        char path[1300];
        snprintf(path, sizeof path, "%s", p);
        DgForcingSpec cs = camels_spec(dir, "03000000");
        int rc = dgrt_forcing_load(&f, hbv, 3, &cs, &err);
        if (!car_cases[k].rest) {
            if (rc) dgrt_err_print(&err, stderr);
            CHECK(rc == 0);
            if (!rc) dgrt_forcing_free(&f);
            continue;
        }
        CHECK(rc == DGRT_EXIT_DATA);
        snprintf(want, sizeof want, "%s%s", path, car_cases[k].rest);
        CHECK_STR(err.msg, want);
    }
}

int main(void) {
    test_csv_forcing();
    test_derived();
    test_ranges();
    struct stat st;
    if (stat(CAMELS, &st) != 0) {
        printf("test_forcing: %s not found, CAMELS part skipped\n", CAMELS);
        int rc = check_report("test_forcing");
        return rc ? rc : 77;
    }
    test_camels();
    return check_report("test_forcing");
}
