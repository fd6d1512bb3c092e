/* dataset.h — the data of a training or evaluation run (after llm.c's
 * DataLoader): the basins, each with its model forcing, observed streamflow,
 * benchmark simulation and static attributes on one day axis; the periods
 * (train, valid, test) and which basins cover them; and the normalisation of
 * the network inputs, computed on the training period only and stored in the
 * checkpoint (DgNorm). */
#ifndef DGRT_DATASET_H
#define DGRT_DATASET_H

#include <stdint.h>
#include <stdio.h>
#include "check.h"
#include "dgrt.h"
#include "forcing.h"

/* Inclusive day numbers (csv.h); start > end when unset. */
typedef struct {
    int32_t start, end;
} DgPeriod;

static inline int dgrt_period_set(DgPeriod p) { return p.start <= p.end; }
static inline int64_t dgrt_period_days(DgPeriod p) {
    return dgrt_period_set(p) ? (int64_t)p.end - p.start + 1 : 0;
}
/* "1980-10-01:1995-09-30" into buf (at least 22 chars) */
char *dgrt_period_format(DgPeriod p, char *buf);

/* One basin, every series on the day axis day0 .. day0 + ndays - 1. */
typedef struct {
    char id[32];
    int32_t day0;
    int64_t ndays;
    double *forcing; /* [ndays][ninputs] model inputs, in their declared units */
    double *obs;     /* [ndays] observed streamflow, in the target output's unit (DgDataSource.target);
                        NaN = missing or outside the record */
    double *bench;   /* [ndays] benchmark simulation (CAMELS MOD_RUN), as obs; NaN where absent; NULL = none */
    double *attr;    /* [nattrs] raw attributes, NaN = missing */
    float *xf;       /* [ndays][nf] normalised network forcings (dgrt_dataset_normalise) */
    float *xa;       /* [na] normalised attributes, NaN -> 0 */
    int32_t obs_start, obs_end; /* the days the observation file covers */
    double lat, lon;            /* gauge latitude, longitude (degrees) from the attributes; NaN = unknown */
    double area_km2;            /* basin area from the attributes, for observations in m3/s or cfs; NaN = unknown */
    char forcing_path[1024];
    char obs_path[1024];
} DgBasin;

/* Normalisation of the network inputs: x' = (g(x) - mean) / std with
 * g(x) = log10(sqrt(x) + 0.1) for precipitation (δHBV) and g(x) = x else;
 * attributes z-scored across the training basins. std 0 is stored as 1. */
typedef struct {
    int nf, na;
    int32_t *ftransform;  /* [nf] 1 = log-sqrt */
    double *fmean, *fstd; /* [nf] */
    double *amean, *astd; /* [na] */
} DgNorm;

void dgrt_norm_alloc(DgNorm *n, int nf, int na);
void dgrt_norm_free(DgNorm *n);

typedef struct {
    const DgModel *m;
    int nbasins;
    DgBasin *basins;
    int nf; /* network forcings (DgLearnInfo.forcings: model input indices) */
    int na; /* attributes (DgLearnInfo.attributes) */
    DgNorm norm;
} DgDataset;

/* Basin ids from "01031500,01022500" or from a file of one id per line
 * (blank lines and # comments skipped). Ids of digits shorter than 8 get
 * their leading zeros back. *ids is one allocation (free with free()). */
int dgrt_basins_parse(const char *spec, char ***ids, int *n, DgrtErr *err);
/* When spec names a file, replace it (in place, buffer of cap bytes) by the
 * ids it lists, "a,b,c": a run then records which basin is which, in order,
 * whatever later happens to the file. */
int dgrt_basins_resolve(char *spec, size_t cap, DgrtErr *err);

/* Load every basin of `ids` from the CAMELS-US directory `dir`: forcing of
 * the model inputs (with the --map renames), observations, benchmark and the
 * attributes of m->learn, kept over [first, last] (inclusive, cropped to the
 * forcing file). Errors name the file (and its dates). */
int dgrt_dataset_load(DgDataset *d, const DgModel *m, const char *dir, char *const *ids, int n,
                      const DgMap *maps, int nmaps, int32_t first, int32_t last, DgrtErr *err);
void dgrt_dataset_free(DgDataset *d);

/* Where the basins of a run come from (config keys data, forcing_csv,
 * obs_column, attributes_csv). CAMELS-US is the default; instead:
 *   forcing_csv  one CSV per basin, the path with every "{basin}" replaced by
 *                the id (no "{basin}": the one file of a single basin): a
 *                `date` column (YYYY-MM-DD, consecutive days), one column per
 *                model input (named as the input, or given by the maps) and
 *                the observations (column obs_column, default q_obs; its unit
 *                from obs_column = COLUMN:UNIT or the header, else taken to be
 *                the target's; empty, NA, NaN or negative = missing);
 *   attributes_csv  a table with a `basin` (or `gauge_id`) column and one
 *                column per attribute (',' or ';' separated; empty, NA, NaN =
 *                missing), instead of CAMELS's camels_*.txt.
 * Basins from CSV have no benchmark series. Errors name file:line:col. */
typedef struct {
    const char *camels_dir;     /* CAMELS-US root; NULL or "" = none */
    const char *forcing_csv;    /* per-basin CSV path pattern; NULL or "" = CAMELS forcing */
    const char *obs_column;     /* NULL or "" = "q_obs" */
    const char *attributes_csv; /* NULL or "" = CAMELS attributes */
    const DgMap *maps;          /* input NAME=COLUMN (CSV) or NAME=VARIABLE (CAMELS) */
    int nmaps;
    const char *attributes_dir; /* CAMELS attribute tables (camels_*.txt, or a folder holding
                                   camels_attributes_v2.0/) for Caravan data; NULL or "" = data */
    const DgOutputInfo *target; /* the output the observations are compared with: they (and the
                                   benchmark) are converted into its unit; NULL = as they are */
    int obs_optional;           /* 1: a basin without observations (no streamflow file or column: an
                                   ungauged one) loads with every day missing (simulate); 0: an error */
} DgDataSource;

#define DGRT_DEFAULT_OBS_COLUMN "q_obs"

/* The layouts `data = DIR` may hold (layout.c). */
typedef enum { DG_LAYOUT_UNKNOWN, DG_LAYOUT_CAMELS, DG_LAYOUT_CARAVAN } DgLayout;
DgLayout dgrt_data_layout(const char *dir);
const char *dgrt_layout_name(DgLayout l);
/* The Caravan time series of basin `id` in out (its CSV, else its NetCDF file); 0 when there is
 * none (out then shows the expected place). */
int dgrt_caravan_path(char *out, size_t size, const char *dir, const char *id);
/* base/name, or base/SUB/name in the first subfolder that has it (CAMELS's
 * HUC folders); 0 when neither exists (out then shows base/name). */
int dgrt_find_file(char *out, size_t size, const char *base, const char *name);
/* Caravan's column names: the defaults of the model inputs P, T, PET, E and the observations. */
extern const DgMap dgrt_caravan_defaults[];
extern const int dgrt_caravan_ndefaults;
#define DGRT_CARAVAN_OBS_COLUMN "streamflow"

int dgrt_dataset_load_source(DgDataset *d, const DgModel *m, const DgDataSource *src, char *const *ids, int n,
                             int32_t first, int32_t last, DgrtErr *err);
/* The CSV path of basin `id`: `pattern` with every "{basin}" replaced. */
void dgrt_basin_csv_path(char *out, size_t size, const char *pattern, const char *id);

/* Index of day `day` in basin b, or -1 outside its days. */
static inline int64_t dgrt_basin_index(const DgBasin *b, int32_t day) {
    int64_t i = (int64_t)day - b->day0;
    return i >= 0 && i < b->ndays ? i : -1;
}

/* The basins that cover period p: forcing over every day of it and at least
 * one observation (need_obs). The others are skipped with a warning on
 * `warn` naming the files and their dates. Returns how many are in idx. */
int dgrt_dataset_select(const DgDataset *d, DgPeriod p, const char *what, int need_obs, int *idx, FILE *warn);

/* A warning for every basin of idx with fewer than `warmup` days before p.start. */
void dgrt_dataset_warn_warmup(const DgDataset *d, const int *idx, int n, DgPeriod p, int64_t warmup,
                              const char *what, FILE *warn);

/* Statistics over the basins idx (n of them) and the days of p. */
void dgrt_norm_compute(DgNorm *norm, const DgDataset *d, const int *idx, int n, DgPeriod p);
/* Fill xf and xa of every basin with d->norm (computed or from a checkpoint). */
void dgrt_dataset_normalise(DgDataset *d);

/* Whether model input i counts as precipitation (log-sqrt transform): named P, prcp, precip, precipitation.
 */
int dgrt_input_is_precip(const char *name);

#endif
