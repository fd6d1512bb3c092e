/* camels.h — CAMELS-US catchment data besides the forcing (forcing.h):
 * static attributes (camels_attributes_v2.0/camels_*.txt, ';'-separated,
 * joined on gauge_id kept as a string) and observed streamflow in mm/day
 * (usgs_streamflow/<id>_streamflow_qc.txt in cfs converted with area_gages2,
 * or OBS_RUN of <id>_05_model_output.txt, which also gives the calibrated
 * SAC-SMA simulation MOD_RUN as a benchmark). Missing values are NaN. */
#ifndef DGRT_CAMELS_H
#define DGRT_CAMELS_H

#include <stddef.h>
#include <stdint.h>
#include "check.h"

typedef struct {
    int      nbasins, nattrs;
    double  *values;      /* [nbasins][nattrs], NaN where CAMELS has NaN */
} DgAttributes;

/* Loads the named attributes of the basins. Errors name the file, line and
 * column: unknown attribute (with the closest name), basin not in a table,
 * a non-numeric cell (e.g. dom_land_cover is text). */
int  dgrt_attributes_load(DgAttributes *a, const char *camels_dir, const char *const *basins, int nbasins,
                          const char *const *names, int nnames, DgrtErr *err);
void dgrt_attributes_free(DgAttributes *a);
/* DIR/camels_TABLE.txt when DIR holds the tables themselves, else
 * DIR/camels_attributes_v2.0/camels_TABLE.txt (the archive's layout). */
void dgrt_camels_table_path(char *out, size_t size, const char *dir, const char *table);

typedef struct {
    int64_t  n;           /* days */
    int32_t  start;       /* day number of the first value (csv.h) */
    double  *q;           /* [n] observed streamflow, mm/day, NaN = missing */
    double  *bench;       /* [n] MOD_RUN (SAC-SMA), or NULL when the file has none */
    char     path[1024];  /* file read */
} DgObs;

/* Observed streamflow of a basin: the model-output file if present (OBS_RUN,
 * MOD_RUN), else the USGS file (cfs -> mm/day with area_gages2; flag M or
 * -999 -> missing). */
int  dgrt_obs_load(DgObs *o, const char *camels_dir, const char *basin, DgrtErr *err);
void dgrt_obs_free(DgObs *o);
/* Whether the basin has either streamflow file (an ungauged one has none). */
int  dgrt_obs_exists(const char *camels_dir, const char *basin);

/* cfs -> mm/day for a basin of area_km2: q * 0.0283168 m3/ft3 * 86400 s / (area m2) * 1000 mm/m */
static inline double dgrt_cfs_to_mm_day(double q_cfs, double area_km2) {
    return q_cfs * 0.0283168 * 86400.0 / (area_km2 * 1e6) * 1000.0;
}

#endif
