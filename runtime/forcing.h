/* forcing.h — daily forcing for one basin, one value per model input per day,
 * from a CSV file (`--forcing-csv`: a `date` column and one column per input)
 * or from CAMELS-US Daymet lumped forcing (`--data DIR --basin ID`), with
 * `--map NAME=COLUMN[:UNIT]` renames and a `--period START:END` selection;
 * values are converted into the units the model declares (data_units.h). */
#ifndef DGRT_FORCING_H
#define DGRT_FORCING_H

#include <stdint.h>
#include "check.h"
#include "csv.h"
#include "dgrt.h"

typedef struct {
    const char *name;      /* model input */
    const char *column;    /* CSV column or CAMELS variable, optionally with ":UNIT" (the unit of its data) */
} DgMap;

typedef struct {
    const char  *csv_path;     /* --forcing-csv, or NULL */
    const char  *data_dir;     /* --data (CAMELS-US root), or NULL */
    const char  *basin;        /* --basin */
    const DgMap *maps;         /* --map, in command-line order */
    int          nmaps;
    int          has_period;
    int32_t      start, end;   /* inclusive day numbers (csv.h) */
    const DgMap *defaults;     /* CSV: input -> column used when no --map names the input (Caravan's names) */
    int          ndefaults;
    double       latitude;     /* degrees, for lat, doy-based PET in CSV sources; NaN or unset (0 with
                                  has_latitude 0) = unknown */
    int          has_latitude;
    DgCsv       *keep_csv;     /* CSV sources: when set, the parsed file is handed over here (the
                                  caller frees it) instead of being freed: read once, not twice */
} DgForcingSpec;

typedef struct {
    int64_t  nsteps;
    int      ninputs;
    int32_t *dates;        /* [nsteps] day numbers, consecutive */
    double  *values;       /* [nsteps][ninputs], in the inputs' declared units */
    double   latitude;     /* degrees (CAMELS header), NaN when unknown */
    char     path[1024];   /* the file read */
    char   **source;       /* [ninputs] where each input came from, e.g. "prcp(mm/day)" */
} DgForcing;

/* Load the forcing of the model inputs. Errors: exit code 3 for data
 * (missing file/column, bad cell, gaps in dates, period outside the data),
 * 2 for options (--map of a name that is not an input). */
int  dgrt_forcing_load(DgForcing *f, const DgNameInfo *inputs, int ninputs, const DgForcingSpec *spec, DgrtErr *err);
void dgrt_forcing_free(DgForcing *f);

/* "YYYY-MM-DD:YYYY-MM-DD" -> inclusive day numbers (exit code 2 on errors). */
int  dgrt_parse_period(const char *s, int32_t *start, int32_t *end, DgrtErr *err);

/* The CAMELS variables an input may be mapped to, for messages and `info`. */
extern const char *const dgrt_camels_variables;
/* Variables every source derives from the date, the basin's latitude and a
 * temperature: doy (day of year 1..366), lat (degrees), daylength (days),
 * pet_oudin, pet_hamon (mm/d). An input named DOY, doy, LAT, lat or
 * latitude takes the variable of that name unless the file has the column. */
extern const char *const dgrt_derived_variables;

#endif
