/* pet.c — potential evapotranspiration from daily forcing: Hargreaves (1985)
 * with FAO-56 extraterrestrial radiation, exactly as shared/reference/README.md
 * section 2 (the δHBV input convention), and Hamon in the EXP-HYDRO form
 * (stdlib/fluxes.dg pet_hamon). Double precision throughout. */
#include "dgrt_internal.h"

#include <math.h>

/* Extraterrestrial radiation Ra [MJ m-2 d-1] for day of year J (1..366; the
 * year length is taken as 365 in leap years too) at latitude lat [deg]:
 *   dr = 1 + 0.033 cos(2 pi J / 365)                        (FAO-56 eq. 23)
 *   d  = 0.409 sin(2 pi J / 365 - 1.39)                     (eq. 24)
 *   ws = acos(clip(-tan(phi) tan(d), -1, 1))                (eq. 25)
 *   Ra = (24 60 / pi) Gsc dr [ws sin(phi) sin(d) + cos(phi) cos(d) sin(ws)],  Gsc = 0.0820 (eq. 21) */
double dgrt_ra_fao56(int doy, double lat_deg) {
    const double gsc = 0.0820;
    double phi = lat_deg * M_PI / 180.0;
    double x = 2.0 * M_PI * doy / 365.0;
    double dr = 1.0 + 0.033 * cos(x);
    double delta = 0.409 * sin(x - 1.39);
    double c = -tan(phi) * tan(delta);
    if (c < -1.0) c = -1.0;
    if (c > 1.0) c = 1.0;
    double ws = acos(c);
    return (24.0 * 60.0 / M_PI) * gsc * dr * (ws * sin(phi) * sin(delta) + cos(phi) * cos(delta) * sin(ws));
}

/* Hargreaves PET [mm/d]:
 *   PET = max(0.0023 (0.408 Ra) (Tmean + 17.8) sqrt(max(Tmax - Tmin, 0)), 0),  Tmean = (Tmax + Tmin) / 2
 * 0.408 = 1 / lambda (lambda = 2.45 MJ/kg) turns Ra into mm/d of evaporation. */
double dgrt_pet_hargreaves(double tmin, double tmax, double lat_deg, int doy) {
    double ra = dgrt_ra_fao56(doy, lat_deg);
    double tmean = (tmax + tmin) / 2.0;
    double range = tmax - tmin;
    if (range < 0) range = 0;
    double pet = 0.0023 * (0.408 * ra) * (tmean + 17.8) * sqrt(range);
    return pet > 0 ? pet : 0;
}

/* Hamon PET [mm/d] as EXP-HYDRO writes it (Patil & Stieglitz 2014), day
 * length in days:  PET = 29.8 (24 Lday) 0.611 exp(17.3 T / (T + 237.3)) / (T + 273.2). */
double dgrt_pet_hamon(double tmean, double lday) {
    return 29.8 * lday * 24.0 * 0.611 * exp(17.3 * tmean / (tmean + 237.3)) / (tmean + 273.2);
}

/* Day length [days] at latitude lat [deg] on day J: the sunset hour angle of
 * FAO-56 eq. 25 as a fraction of the day, N = 24 ws / pi hours (eq. 34). */
double dgrt_daylength(int doy, double lat_deg) {
    double phi = lat_deg * M_PI / 180.0;
    double delta = 0.409 * sin(2.0 * M_PI * doy / 365.0 - 1.39);
    double c = -tan(phi) * tan(delta);
    if (c < -1.0) c = -1.0;
    if (c > 1.0) c = 1.0;
    return acos(c) / M_PI;
}

/* Oudin PET [mm/d] (Oudin et al. 2005, J. Hydrol. 303, eq. 3 with K1 = 100,
 * K2 = 5): PE = Ra / (lambda rho) (T + 5) / 100 when T + 5 > 0, else 0;
 * Ra / (lambda rho) = 0.408 Ra in mm/d (lambda = 2.45 MJ/kg, rho = 1000 kg/m3). */
double dgrt_pet_oudin(double tmean, double lat_deg, int doy) {
    double pe = 0.408 * dgrt_ra_fao56(doy, lat_deg) * (tmean + 5.0) / 100.0;
    return tmean + 5.0 > 0 && pe > 0 ? pe : 0;
}
