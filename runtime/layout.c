/* layout.c — which data layout a `--data DIR` holds, and where a basin's
 * files are in it (dataset.h):
 *   CAMELS-US   DIR/basin_mean_forcing/daymet[/HUC]/ID_lump_cida_forcing_leap.txt,
 *               DIR/usgs_streamflow[/HUC]/ID_streamflow_qc.txt (flat or, as the
 *               official archive, in 2-digit HUC subfolders; forcing.c, camels.c)
 *   Caravan     DIR/timeseries/csv/SOURCE/SOURCE_ID.csv (Kratzert et al. 2023),
 *               or the same series in DIR/timeseries/netcdf/SOURCE/SOURCE_ID.nc
 *               (netcdf_read.c): the CSV when a basin has both, as the CSV is
 *               what a build without NetCDF reads too; a basin id is either
 *               the bare gauge id (01031500, looked up in every SOURCE folder)
 *               or Caravan's own (camels_01031500). */
#include "dataset.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_regular(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

DgLayout dgrt_data_layout(const char *dir) {
    char p[1200];
    snprintf(p, sizeof p, "%s/timeseries/csv", dir);
    if (is_dir(p)) return DG_LAYOUT_CARAVAN;
    snprintf(p, sizeof p, "%s/timeseries/netcdf", dir);
    if (is_dir(p)) return DG_LAYOUT_CARAVAN;
    snprintf(p, sizeof p, "%s/basin_mean_forcing", dir);
    if (is_dir(p)) return DG_LAYOUT_CAMELS;
    return DG_LAYOUT_UNKNOWN;
}

const char *dgrt_layout_name(DgLayout l) {
    switch (l) {
    case DG_LAYOUT_CAMELS: return "CAMELS-US";
    case DG_LAYOUT_CARAVAN: return "Caravan";
    default: return "unknown";
    }
}

/* base/SUB/name, or base/SUB/SUB_name with sub_prefix (Caravan's SOURCE/SOURCE_ID.csv), in the
 * first subfolder SUB that has it */
static int in_subfolders(char *out, size_t size, const char *base, const char *name, int sub_prefix) {
    DIR *d = opendir(base);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(out, size, "%s/%s/%s%s%s", base, e->d_name, sub_prefix ? e->d_name : "", sub_prefix ? "_" : "",
                 name);
        found = is_regular(out);
    }
    closedir(d);
    return found;
}

/* DIR/timeseries/FORMAT/SOURCE/SOURCE_ID.EXT of basin `id`: 0 when there is none. */
static int caravan_file(char *out, size_t size, const char *dir, const char *format, const char *ext,
                        const char *id) {
    char base[1100], name[128];
    snprintf(base, sizeof base, "%s/timeseries/%s", dir, format);
    const char *us = strchr(id, '_');
    if (us) {   /* camels_01031500: folder camels */
        snprintf(out, size, "%s/%.*s/%s.%s", base, (int)(us - id), id, id, ext);
        if (is_regular(out)) return 1;
    }
    snprintf(name, sizeof name, "%s.%s", id, ext);
    return in_subfolders(out, size, base, name, 1);
}

int dgrt_caravan_path(char *out, size_t size, const char *dir, const char *id) {
    if (caravan_file(out, size, dir, "csv", "csv", id) || caravan_file(out, size, dir, "netcdf", "nc", id)) return 1;
    char p[1200];
    snprintf(p, sizeof p, "%s/timeseries/csv", dir);
    snprintf(out, size, "%s/timeseries/%s/SOURCE/SOURCE_%s.%s", dir, is_dir(p) ? "csv" : "netcdf", id,
             is_dir(p) ? "csv" : "nc");
    return 0;
}

int dgrt_find_file(char *out, size_t size, const char *base, const char *name) {
    snprintf(out, size, "%s/%s", base, name);
    if (is_regular(out) || in_subfolders(out, size, base, name, 0)) return 1;
    snprintf(out, size, "%s/%s", base, name);
    return 0;
}
