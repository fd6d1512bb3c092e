/* netcdf_io.h — NetCDF files in and out, through libnetcdf (optional: the
 * runtime has them when CMake found it, DG_HAVE_NETCDF):
 *   netcdf_read.c   a time-series file of one basin (Caravan's
 *                   timeseries/netcdf/SOURCE/SOURCE_ID.nc) as the table the
 *                   CSV readers take (csv.h), so both go through one path
 *   netcdf3_header.c  the header of a netCDF-3 file checked before
 *                   libnetcdf reads it
 *   netcdf_write.c  one CF-conventions file of many basins (featureType
 *                   timeSeries): `simulate --checkpoint --out FILE.nc`
 * Built without libnetcdf, both fail with an error that says so and names
 * the file. */
#ifndef DGRT_NETCDF_IO_H
#define DGRT_NETCDF_IO_H

#include <stdint.h>
#include "check.h"
#include "csv.h"

/* Whether this build reads and writes NetCDF. */
int dgrt_netcdf_available(void);
/* Whether `path` names a NetCDF file (it ends in .nc). */
int dgrt_is_netcdf_path(const char *path);

// ---- Reading (netcdf_read.c) ---------------------------------------------------------------

/* The table of a time-series file: column `date` (the time axis, as
 * YYYY-MM-DD text) and one column of numbers per variable along that axis
 * alone, named as the variable; missing values are NaN. Errors name the file
 * (and the variable). */
int dgrt_netcdf_table_read(DgCsv *t, const char *path, DgrtErr *err);

/* netcdf3_header.c: the counts of a netCDF-3 file's header against the
 * file's size, before libnetcdf allocates them; 0 for a sound header and
 * for files of other formats. */
int dgrt_netcdf3_header_check(const char *path, DgrtErr *err);

// ---- Writing (netcdf_write.c) --------------------------------------------------------------

/* The dimensions of a data variable: a daily series per basin, one per
 * basin and component, or one value per basin and component. */
typedef enum {
    DG_NC_SERIES,      /* (basin, time) */
    DG_NC_COMP_SERIES, /* (basin, component, time) */
    DG_NC_COMP,        /* (basin, component) */
} DgNcShape;

typedef struct DgNcOut DgNcOut;

/* What the file describes besides its variables. */
typedef struct {
    int nbasins;
    const char *const *ids;  /* [nbasins] basin ids */
    const double *lat, *lon; /* [nbasins] degrees, NaN = unknown; both NULL = none */
    int32_t day0;            /* the first day (csv.h day number) */
    int64_t ndays, ncomp;
    const char *title, *source; /* global attributes */
} DgNcLayout;

/* Starts `path` (as a temporary next to it; nothing is at `path` until
 * dgrt_ncout_commit) with the dimensions basin, time and component and
 * their coordinates (time in days since day0, basin_id, lat, lon when
 * known). NULL with err filled on failure. */
DgNcOut *dgrt_ncout_create(const char *path, const DgNcLayout *l, DgrtErr *err);
/* Declares a data variable (stored as float with f32, else double) with
 * units and long_name; returns its index, or -1 with err filled. A name the
 * file's dimensions or coordinates have (time, lat, ...) gets a trailing '_'. */
int dgrt_ncout_var(DgNcOut *o, const char *name, DgNcShape shape, int f32, const char *units,
                   const char *long_name, DgrtErr *err);
/* The values of basin b for variable `var`: [ndays], [ncomp][ndays] or
 * [ncomp] by its shape; NaN is written as the variable's _FillValue. The
 * first call ends the definitions. */
int dgrt_ncout_put(DgNcOut *o, int var, int b, const double *values, DgrtErr *err);
/* Closes the file and renames it over `path` (failed != 0, or a write error:
 * removes it instead and leaves what was at `path`). Frees o. */
int dgrt_ncout_commit(DgNcOut *o, int failed, DgrtErr *err);

#endif
