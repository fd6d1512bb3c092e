/* netcdf_write.c — one NetCDF file of many basins' daily series, after the
 * CF conventions for station time series (CF 1.8, appendix H.2: the
 * orthogonal multidimensional representation, featureType timeSeries):
 *   dimensions  basin, time, component
 *   time(time)            int, "days since <first day>", proleptic_gregorian
 *   basin_id(basin)       string, cf_role timeseries_id
 *   lat(basin), lon(basin)  degrees, when the attributes give them
 *   component(component)  the model's parallel parameter sets, 0..K-1
 *   data variables        (basin, time), (basin, component, time) or
 *                         (basin, component), each with units, long_name,
 *                         _FillValue (netCDF's default fill) where a value
 *                         is missing, and `coordinates`
 * NetCDF-4 format (strings, per-basin chunks, deflate). The file is written
 * as a temporary next to the target and renamed over it at the end, as
 * every output of the runtime (csv.h: dgrt_open_output, dgrt_commit_file). */
#include "netcdf_io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef DG_HAVE_NETCDF

DgNcOut *dgrt_ncout_create(const char *path, const DgNcLayout *l, DgrtErr *err) {
    (void)l;
    dgrt_fail(err, DGRT_EXIT_USAGE,
              "install libnetcdf-dev (make deps) and rebuild, or write CSV (an --out name not ending in .nc)",
              "cannot write '%s': this runtime was built without NetCDF", path);
    return NULL;
}
int dgrt_ncout_var(DgNcOut *o, const char *name, DgNcShape shape, int f32, const char *units,
                   const char *long_name, DgrtErr *err) {
    (void)o, (void)name, (void)shape, (void)f32, (void)units, (void)long_name;
    return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "this runtime was built without NetCDF"), -1;
}
int dgrt_ncout_put(DgNcOut *o, int var, int b, const double *values, DgrtErr *err) {
    (void)o, (void)var, (void)b, (void)values;
    return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "this runtime was built without NetCDF");
}
int dgrt_ncout_commit(DgNcOut *o, int failed, DgrtErr *err) {
    (void)o, (void)failed;
    return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "this runtime was built without NetCDF");
}

#else

#include <netcdf.h>

typedef struct {
    int id;
    DgNcShape shape;
    int f32;
} OutVar;

struct DgNcOut {
    int nc;
    char path[2048], tmp[2100];
    int nbasins;
    int64_t ndays, ncomp;
    int dim[3]; /* basin, time, component */
    int v_time, v_id, v_comp, v_lat, v_lon;
    int defining;         /* before nc_enddef */
    char **ids;           /* [nbasins] copies, written at the end of the definitions */
    double *lat, *lon;    /* [nbasins] or NULL */
    char coordinates[32]; /* "lat lon basin_id" or "basin_id" */
    OutVar *vars;
    int nvars;
    float *fbuf; /* [ncomp * ndays] conversion buffer */
};

static int nc_fail(DgNcOut *o, int status, DgrtErr *err) {
    return dgrt_fail(err, DGRT_EXIT_DATA, "check the free space and permissions", "cannot write '%s': %s",
                     o->path, nc_strerror(status));
}

static int put_text(int nc, int v, const char *name, const char *text) {
    return nc_put_att_text(nc, v, name, strlen(text), text);
}

// ---- Definitions ---------------------------------------------------------------------------

/* "mm/d" as given; "" and "-" (dimensionless) as CF's "1". */
static const char *cf_units(const char *u) { return !u || !u[0] || !strcmp(u, "-") ? "1" : u; }

static int define_coordinates(DgNcOut *o, const DgNcLayout *l) {
    int nc = o->nc, st;
    size_t n[3] = {(size_t)l->nbasins, (size_t)l->ndays, (size_t)l->ncomp};
    const char *dn[3] = {"basin", "time", "component"};
    for (int k = 0; k < 3; k++)
        if ((st = nc_def_dim(nc, dn[k], n[k], &o->dim[k]))) return st;
    char units[64], date[16];
    snprintf(units, sizeof units, "days since %s", dgrt_format_date(l->day0, date));
    if ((st = nc_def_var(nc, "time", NC_INT, 1, &o->dim[1], &o->v_time)) ||
        (st = put_text(nc, o->v_time, "standard_name", "time")) ||
        (st = put_text(nc, o->v_time, "long_name", "day")) ||
        (st = put_text(nc, o->v_time, "units", units)) ||
        (st = put_text(nc, o->v_time, "calendar", "proleptic_gregorian")) ||
        (st = put_text(nc, o->v_time, "axis", "T")))
        return st;
    if ((st = nc_def_var(nc, "basin_id", NC_STRING, 1, &o->dim[0], &o->v_id)) ||
        (st = put_text(nc, o->v_id, "cf_role", "timeseries_id")) ||
        (st = put_text(nc, o->v_id, "long_name", "basin (gauge) id")))
        return st;
    if ((st = nc_def_var(nc, "component", NC_INT, 1, &o->dim[2], &o->v_comp)) ||
        (st = put_text(nc, o->v_comp, "long_name", "component: one of the model's parallel parameter sets")))
        return st;
    snprintf(o->coordinates, sizeof o->coordinates, "%s", o->lat ? "lat lon basin_id" : "basin_id");
    if (o->lat) {
        const char *names[2] = {"lat", "lon"}, *std[2] = {"latitude", "longitude"},
                   *un[2] = {"degrees_north", "degrees_east"}, *ln[2] = {"gauge latitude", "gauge longitude"};
        int *ids[2] = {&o->v_lat, &o->v_lon};
        double fill = NC_FILL_DOUBLE;
        for (int k = 0; k < 2; k++)
            if ((st = nc_def_var(nc, names[k], NC_DOUBLE, 1, &o->dim[0], ids[k])) ||
                (st = nc_def_var_fill(nc, *ids[k], 0, &fill)) ||
                (st = put_text(nc, *ids[k], "standard_name", std[k])) ||
                (st = put_text(nc, *ids[k], "units", un[k])) ||
                (st = put_text(nc, *ids[k], "long_name", ln[k])))
                return st;
    }
    if ((st = put_text(nc, NC_GLOBAL, "Conventions", "CF-1.8")) ||
        (st = put_text(nc, NC_GLOBAL, "featureType", "timeSeries")) ||
        (st = put_text(nc, NC_GLOBAL, "title", l->title ? l->title : "")) ||
        (st = put_text(nc, NC_GLOBAL, "source", l->source ? l->source : "")))
        return st;
    return 0;
}

DgNcOut *dgrt_ncout_create(const char *path, const DgNcLayout *l, DgrtErr *err) {
    DgNcOut *o = callocCheck(1, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    /* the temporary as for every output (regular files only, a unique name), then netCDF writes over it */
    FILE *f = dgrt_open_output(path, o->tmp, sizeof o->tmp, err);
    if (!f) {
        free(o);
        return NULL;
    }
    fclose(f);
    o->nbasins = l->nbasins;
    o->ndays = l->ndays;
    o->ncomp = l->ncomp;
    o->defining = 1;
    o->ids = callocCheck((size_t)l->nbasins + 1, sizeof(char *));
    for (int b = 0; b < l->nbasins; b++) o->ids[b] = strdup(l->ids[b]);
    int known = 0;
    for (int b = 0; l->lat && l->lon && b < l->nbasins; b++)
        known |= isfinite(l->lat[b]) && isfinite(l->lon[b]);
    if (known) {
        o->lat = mallocCheck(sizeof(double) * (size_t)l->nbasins);
        o->lon = mallocCheck(sizeof(double) * (size_t)l->nbasins);
        for (int b = 0; b < l->nbasins; b++) {
            o->lat[b] = isfinite(l->lat[b]) ? l->lat[b] : NC_FILL_DOUBLE;
            o->lon[b] = isfinite(l->lon[b]) ? l->lon[b] : NC_FILL_DOUBLE;
        }
    }
    o->fbuf = mallocCheck(sizeof(float) * (size_t)(l->ncomp * l->ndays + 1));
    o->nc = -1;
    int st = nc_create(o->tmp, NC_CLOBBER | NC_NETCDF4, &o->nc);
    if (st) {
        nc_fail(o, st, err);
        o->nc = -1;
        dgrt_ncout_commit(o, 1, err);
        return NULL;
    }
    if ((st = define_coordinates(o, l))) {
        nc_fail(o, st, err);
        dgrt_ncout_commit(o, 1, err);
        return NULL;
    }
    return o;
}

/* name, with trailing '_'s while it is a name of the file's own (a dimension or coordinate) */
static void data_name(char *out, size_t size, const char *name) {
    static const char *const own[] = {"basin", "time", "component", "basin_id", "lat", "lon"};
    snprintf(out, size, "%s", name);
    for (int clash = 1; clash && strlen(out) + 1 < size;) {
        clash = 0;
        for (size_t k = 0; k < sizeof own / sizeof own[0]; k++) clash |= !strcmp(out, own[k]);
        if (clash) strcat(out, "_");
    }
}

int dgrt_ncout_var(DgNcOut *o, const char *model_name, DgNcShape shape, int f32, const char *units,
                   const char *long_name, DgrtErr *err) {
    char name[NC_MAX_NAME + 1];
    data_name(name, sizeof name, model_name);
    int dims[3], nd = 0;
    size_t chunk[3];
    dims[nd] = o->dim[0], chunk[nd++] = 1; /* a basin per chunk: readers take a basin's series */
    if (shape != DG_NC_SERIES) dims[nd] = o->dim[2], chunk[nd++] = (size_t)o->ncomp;
    if (shape != DG_NC_COMP) dims[nd] = o->dim[1], chunk[nd++] = (size_t)o->ndays;
    if (shape == DG_NC_COMP) chunk[0] = (size_t)o->nbasins;
    int v, st, nc = o->nc;
    float ffill = NC_FILL_FLOAT;
    double dfill = NC_FILL_DOUBLE;
    if ((st = nc_def_var(nc, name, f32 ? NC_FLOAT : NC_DOUBLE, nd, dims, &v)) ||
        (st = nc_def_var_chunking(nc, v, NC_CHUNKED, chunk)) || (st = nc_def_var_deflate(nc, v, 1, 1, 1)) ||
        (st = nc_def_var_fill(nc, v, 0, f32 ? (void *)&ffill : (void *)&dfill)) ||
        (st = put_text(nc, v, "units", cf_units(units))) || (st = put_text(nc, v, "long_name", long_name)) ||
        (st = put_text(nc, v, "coordinates", o->coordinates))) {
        dgrt_fail(err, DGRT_EXIT_DATA, NULL, "cannot write '%s': variable '%s': %s", o->path, name,
                  nc_strerror(st));
        return -1;
    }
    o->vars = reallocCheck(o->vars, sizeof(OutVar) * (size_t)(o->nvars + 1));
    o->vars[o->nvars] = (OutVar){v, shape, f32};
    return o->nvars++;
}

// ---- Values ----------------------------------------------------------------------------------

/* End of the definitions: the coordinates' values. */
static int end_define(DgNcOut *o) {
    int st, nc = o->nc;
    o->defining = 0;
    if ((st = nc_enddef(nc))) return st;
    int *iv = mallocCheck(sizeof(int) * (size_t)((o->ndays > o->ncomp ? o->ndays : o->ncomp) + 1));
    for (int64_t t = 0; t < o->ndays; t++) iv[t] = (int)t;
    st = nc_put_var_int(nc, o->v_time, iv);
    for (int64_t k = 0; !st && k < o->ncomp; k++) iv[k] = (int)k;
    if (!st) st = nc_put_var_int(nc, o->v_comp, iv);
    free(iv);
    if (!st) st = nc_put_var_string(nc, o->v_id, (const char **)o->ids);
    if (!st && o->lat) st = nc_put_var_double(nc, o->v_lat, o->lat);
    if (!st && o->lat) st = nc_put_var_double(nc, o->v_lon, o->lon);
    return st;
}

int dgrt_ncout_put(DgNcOut *o, int var, int b, const double *values, DgrtErr *err) {
    int st;
    if (o->defining && (st = end_define(o))) return nc_fail(o, st, err);
    const OutVar *v = &o->vars[var];
    size_t start[3] = {(size_t)b, 0, 0}, count[3] = {1, 0, 0}, n = 1;
    int nd = 1;
    if (v->shape != DG_NC_SERIES) count[nd++] = (size_t)o->ncomp, n *= (size_t)o->ncomp;
    if (v->shape != DG_NC_COMP) count[nd++] = (size_t)o->ndays, n *= (size_t)o->ndays;
    if (v->f32) {
        for (size_t i = 0; i < n; i++) o->fbuf[i] = isnan(values[i]) ? NC_FILL_FLOAT : (float)values[i];
        st = nc_put_vara_float(o->nc, v->id, start, count, o->fbuf);
    } else {
        double *d = mallocCheck(sizeof(double) * (n + 1));
        for (size_t i = 0; i < n; i++) d[i] = isnan(values[i]) ? NC_FILL_DOUBLE : values[i];
        st = nc_put_vara_double(o->nc, v->id, start, count, d);
        free(d);
    }
    return st ? nc_fail(o, st, err) : 0;
}

int dgrt_ncout_commit(DgNcOut *o, int failed, DgrtErr *err) {
    int st = 0;
    if (!failed && o->defining) st = end_define(o);
    if (o->nc >= 0) {
        int cst = nc_close(o->nc);
        if (!st) st = cst;
    }
    const char *why = NULL;
    struct stat sb; /* never rename over a special file the target may have turned into */
    if (!failed && st) why = nc_strerror(st);
    else if (!failed && stat(o->path, &sb) == 0 && !S_ISREG(sb.st_mode))
        why = "it is no longer a regular file";
    else if (!failed && rename(o->tmp, o->path) != 0) why = strerror(errno);
    int rc = 0;
    if (failed || why) {
        remove(o->tmp);
        rc = why ? dgrt_fail(err, DGRT_EXIT_DATA,
                             "check the free space and permissions; the previous file is intact",
                             "cannot write '%s': %s", o->path, why)
                 : DGRT_EXIT_DATA;
    }
    for (int b = 0; b < o->nbasins; b++) free(o->ids[b]);
    free(o->ids);
    free(o->lat);
    free(o->lon);
    free(o->vars);
    free(o->fbuf);
    free(o);
    return rc;
}

#endif
