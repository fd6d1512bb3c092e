/* test_pet.c — Hargreaves PET against shared/reference/forcing_01031500.csv
 * (J, Ra and PET of every day, %.17g): max abs difference < 1e-12, both
 * from pet.c directly and through the CAMELS forcing reader (which also
 * gives P and T = tmean identical to the reference inputs). Hamon: a value
 * worked by hand. Skipped (77) when shared/ is absent. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"
#include "dgrt_internal.h"

#define REF DG_SHARED_DIR "/reference/forcing_01031500.csv"

int main(void) {
    struct stat st;
    if (stat(REF, &st) != 0) {
        printf("test_pet: %s not found, skipped\n", REF);
        return 77;
    }
    /* Hamon at 10 degC with 12 h of daylight: esat = 0.611 exp(173 / 247.3) = 1.229871 kPa,
     * PET = 29.8 * 12 * 1.229871 / 283.2 = 1.552953 mm/d */
    CHECK(fabs(dgrt_pet_hamon(10, 0.5) - 1.552953) < 1e-6);
    /* the clamps: Tmax < Tmin gives sqrt(0); Tmean < -17.8 gives PET < 0 -> 0 */
    CHECK(dgrt_pet_hargreaves(5, 4, 45, 180) == 0);
    CHECK(dgrt_pet_hargreaves(-30, -20, 45, 10) == 0);
    /* polar night: the arccos argument is clipped, Ra = 0 */
    CHECK(fabs(dgrt_ra_fao56(355, 80)) < 1e-12);

    DgCsv ref;
    DgrtErr err = {0};
    CHECK(dgrt_csv_read(&ref, REF, NULL, &err) == 0);
    int cdate = dgrt_csv_column(&ref, "date", &err), cdoy = dgrt_csv_column(&ref, "doy", &err);
    int cmax = dgrt_csv_column(&ref, "tmax", &err), cmin = dgrt_csv_column(&ref, "tmin", &err);
    int cra = dgrt_csv_column(&ref, "Ra", &err), cpet = dgrt_csv_column(&ref, "PET", &err);
    int cp = dgrt_csv_column(&ref, "prcp", &err), ct = dgrt_csv_column(&ref, "tmean", &err);
    CHECK(cdate >= 0 && cdoy >= 0 && cmax >= 0 && cmin >= 0 && cra >= 0 && cpet >= 0 && cp >= 0 && ct >= 0);
    CHECK(ref.nrows == 3652);

    /* pet.c directly, with latitude 45.06 (line 1 of the forcing file) */
    double dra = 0, dpet = 0;
    int doy_ok = 1;
    for (int64_t r = 0; r < ref.nrows; r++) {
        int32_t day;
        double doy, tmax, tmin, ra, pet;
        dgrt_csv_date(&ref, r, cdate, &day, &err);
        dgrt_csv_number(&ref, r, cdoy, &doy, &err);
        dgrt_csv_number(&ref, r, cmax, &tmax, &err);
        dgrt_csv_number(&ref, r, cmin, &tmin, &err);
        dgrt_csv_number(&ref, r, cra, &ra, &err);
        dgrt_csv_number(&ref, r, cpet, &pet, &err);
        doy_ok &= dgrt_day_of_year(day) == (int)doy;
        dra = fmax(dra, fabs(dgrt_ra_fao56((int)doy, 45.06) - ra));
        dpet = fmax(dpet, fabs(dgrt_pet_hargreaves(tmin, tmax, 45.06, (int)doy) - pet));
    }
    printf("test_pet: Hargreaves vs reference: max |dRa| = %.3g, max |dPET| = %.3g\n", dra, dpet);
    CHECK(doy_ok);
    CHECK(dra < 1e-12);
    CHECK(dpet < 1e-12);

    /* through the CAMELS reader: inputs P, T, PET as the reference HBV uses them */
    static const DgNameInfo in[3] = {{"P", "mm/d"}, {"T", "degC"}, {"PET", "mm/d"}};
    DgForcingSpec spec;
    memset(&spec, 0, sizeof spec);
    spec.data_dir = DG_SHARED_DIR "/data/camels_us";
    spec.basin = "01031500";
    spec.has_period = 1;
    CHECK(dgrt_parse_period("1980-10-01:1990-09-30", &spec.start, &spec.end, &err) == 0);
    DgForcing f;
    CHECK(dgrt_forcing_load(&f, in, 3, &spec, &err) == 0);
    CHECK(f.nsteps == ref.nrows && f.latitude == 45.06);
    double dp = 0, dt = 0, dpet2 = 0;
    for (int64_t t = 0; t < f.nsteps && t < ref.nrows; t++) {
        double p, tm, pet;
        dgrt_csv_number(&ref, t, cp, &p, &err);
        dgrt_csv_number(&ref, t, ct, &tm, &err);
        dgrt_csv_number(&ref, t, cpet, &pet, &err);
        dp = fmax(dp, fabs(f.values[t * 3 + 0] - p));
        dt = fmax(dt, fabs(f.values[t * 3 + 1] - tm));
        dpet2 = fmax(dpet2, fabs(f.values[t * 3 + 2] - pet));
    }
    printf("test_pet: CAMELS reader vs reference: max |dP| = %.3g, |dT| = %.3g, |dPET| = %.3g\n", dp, dt, dpet2);
    CHECK(dp == 0 && dt == 0);
    CHECK(dpet2 < 1e-12);
    dgrt_forcing_free(&f);
    dgrt_csv_free(&ref);
    return check_report("test_pet");
}
