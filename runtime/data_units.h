/* data_units.h — units at the data boundary: the unit a data series is in
 * (a CSV header `prcp(mm/day)`, a column a source documents, `--map
 * P=COLUMN:UNIT`) against the unit the model declares for the input or the
 * trained output (DgNameInfo.unit, DgOutputInfo.unit of dgrt.h). Readers
 * convert every series once, as they read it, with y = x * scale + offset.
 *
 * A unit is a product of names with whole powers over the basis mm, d, degC,
 * kg (the compiler's, compiler/units.c, which the runtime does not include):
 * the names of the language (lang/REFERENCE.md §19) and the spellings data
 * files use (mm/day, C, W/m2, cfs, kg m-2 s-1, deg C, ...). Compatible units
 * are those of one dimension; K, degC and degF differ by an offset when the
 * unit is a temperature alone (mm/K/d is a rate per temperature difference);
 * and, as every series is daily, an amount per day and an amount (mm/d and
 * mm, W/m2 and J/m2) are the same numbers. */
#ifndef DGRT_DATA_UNITS_H
#define DGRT_DATA_UNITS_H

#include <stddef.h>
#include "check.h"
#include "csv.h"

enum { DGRT_DIM_LENGTH, DGRT_DIM_TIME, DGRT_DIM_TEMP, DGRT_DIM_MASS, DGRT_NDIMS };   /* grep ORDER Dim */

typedef struct {
    int         dim[DGRT_NDIMS];   /* exponents of length, time, temperature, mass */
    double      scale;             /* the value in basis units (mm, d, degC, kg) of 1 in this unit */
    double      offset;            /* the basis value of 0 in this unit, for a temperature alone (K:
                                    * -273.15 degC); 0 otherwise */
} DgUnit;

/* y = x * scale + offset */
typedef struct {
    double scale, offset;
} DgConversion;

static inline double dgrt_convert(DgConversion c, double x) { return x * c.scale + c.offset; }
static inline int dgrt_conversion_is_identity(DgConversion c) { return c.scale == 1.0 && c.offset == 0.0; }

/* Parse a unit ("-" and "1" are dimensionless). 0, or -1 with a message in
 * msg naming what is not understood (e.g. "unknown unit name 'furlong'"). */
int dgrt_unit_parse(const char *text, DgUnit *u, char *msg, size_t size);

/* The conversion of values in `from` into `to`: 1, or 0 when the units are
 * not compatible (c is then the identity). */
int dgrt_unit_conversion(const DgUnit *from, const DgUnit *to, DgConversion *c);

/* The dimension for messages: "length/time", "temperature", "dimensionless". */
const char *dgrt_unit_dimension(const DgUnit *u, char *buf, size_t size);

/* The unit a header states at its end, "prcp(mm/day)" -> "mm/day" (also
 * "Q [m3/s]"); "" when it states none. */
void dgrt_header_unit(const char *header, char *out, size_t size);

/* The unit of a column a data source documents without writing it in its
 * header (Caravan's ERA5-Land and streamflow columns), or NULL. */
const char *dgrt_known_column_unit(const char *column);

/* A column of a table by its name, or by the name before its unit ("prcp"
 * finds "prcp(mm/day)"); -1 when there is none. */
int dgrt_column_find(const DgCsv *csv, const char *name);

/* What a column reference "COLUMN" or "COLUMN:UNIT" (--map, obs_column)
 * names in `csv`: the column's name and index (-1 when the table lacks it),
 * and the unit of its data: the one stated after the last ':' (a column
 * whose own name has a ':' is taken whole), else its header's, else the one
 * its source documents; "" when none. csv NULL: only the split. */
typedef struct {
    char name[256];
    char unit[64];
    int  col;
    int  stated;   /* the reference stated the unit */
} DgColumnRef;
void dgrt_column_ref(const DgCsv *csv, const char *spec, DgColumnRef *r);

/* The conversion of a series whose unit is `data` into the declared unit
 * `declared` of `who` ("model input 'P'"); `source` names the data ("column
 * 'tmax(C)' of 'FILE'"), `how` says how to state its unit ("--map
 * P=COLUMN:UNIT"; NULL when the runtime computed it). The identity when `declared` is "" (the model takes the
 * data as it is) or `data` is NULL or "" (the data is taken to be in the
 * declared unit). Errors (DGRT_EXIT_DATA): a unit the runtime does not know,
 * units of different dimensions. */
int dgrt_units_resolve(DgConversion *c, const char *declared, const char *data, const char *who, const char *source,
                       const char *how, DgrtErr *err);

/* dgrt_units_resolve for observations of one basin, whose area (km^2) turns
 * a discharge (m3/s, cfs, L/s) into the depth per time (mm/d) an output is
 * declared in: 1 m3/s over 1 km^2 is 86.4 mm/d. area_km2 NaN: the basin's
 * area is unknown, and a discharge is refused with a hint that says where
 * the area is read from. */
int dgrt_units_resolve_basin(DgConversion *c, const char *declared, const char *data, double area_km2,
                             const char *who, const char *source, const char *how, DgrtErr *err);

#endif
