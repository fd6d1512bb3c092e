/* dgrt_internal.h — declarations shared by the runtime's files (not part of
 * the model ABI, never seen by generated code): PET, parameters and initial
 * states, network weights, the series operators (component average, routing),
 * model runs through the ABI kernels (DgSim), and the subcommands of dgrt_main.
 * One section per file, in the order of the pipeline. */
#ifndef DGRT_INTERNAL_H
#define DGRT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include "check.h"
#include "csv.h"
#include "dgrt.h"
#include "dgrt_route.h"
#include "forcing.h"

// ---- Random numbers (splitmix64; deterministic across platforms) ---------------------------

typedef struct {
    uint64_t s;
} DgRng;

static inline uint64_t dgrt_rng_u64(DgRng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
/* uniform in [0, 1) with 53 random bits */
static inline double dgrt_rng_uniform(DgRng *r) { return (double)(dgrt_rng_u64(r) >> 11) * 0x1.0p-53; }

// ---- pet.c -----------------------------------------------------------------------------------

double dgrt_ra_fao56(int doy, double lat_deg);                                  /* MJ m-2 d-1 */
double dgrt_pet_hargreaves(double tmin, double tmax, double lat_deg, int doy);  /* mm/d */
double dgrt_pet_hamon(double tmean, double lday);                                /* mm/d, lday in days */
double dgrt_daylength(int doy, double lat_deg);                                  /* days */
double dgrt_pet_oudin(double tmean, double lat_deg, int doy);                    /* mm/d */

// ---- params.c: parameter values, initial-state overrides, network weights -------------------

/* Parameter values per component, vals[nparams][ncomp]: the model defaults,
 * then the rows of `path` (NULL = none): CSV `name,value[,component]`
 * (component 0-based; empty or absent = every component). Basin-level
 * parameters take one value (component 0's is used by every component).
 * Errors: unknown name, bad cell, duplicate, component out of range,
 * value outside the bounds, no value and no default. */
int  dgrt_params_load(const DgModel *m, const char *path, int64_t ncomp, double *vals, DgrtErr *err);
/* simulate's: with `outside` non-NULL a value outside its bounds is used as
 * given, with a warning on that stream (--allow-outside-bounds); with NULL
 * the error names that option. */
int  dgrt_params_load_outside(const DgModel *m, const char *path, int64_t ncomp, double *vals, FILE *outside,
                              DgrtErr *err);
/* vals[nparams][ncomp] -> params[nparams][ncells], cell c = b * ncomp + k */
void dgrt_params_spread(const DgModel *m, const double *vals, int64_t ncomp, int64_t nbasins, double *params);

/* --init NAME=VALUE or NAME[k]=VALUE: a user state's initial value (after init). */
typedef struct {
    int    state;    /* index among the user states */
    int    comp;     /* component, -1 = all */
    double value;
} DgInitOverride;
int  dgrt_init_parse(const DgModel *m, const char *arg, int64_t ncomp, DgInitOverride *o, DgrtErr *err);
void dgrt_init_apply(const DgInitOverride *o, int n, double *states, int64_t ncells, int64_t ncomp);

/* Network weights: `path` holds one number per line (blank and # lines ignored),
 * exactly nnetw of them. Default (no file): dgrt_netw_default. */
int  dgrt_netw_load(const DgModel *m, const char *path, double *w, DgrtErr *err);
/* Every layer's weights and biases uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)]
 * (the PyTorch nn.Linear range) from splitmix64 with seed DGRT_NETW_SEED,
 * drawn net by net, layer by layer, weights then biases. */
#define DGRT_NETW_SEED 42u
void dgrt_netw_default(const DgModel *m, double *w);

/* The candidate closest to `name` by edit distance (NULL if none is close). */
const char *dgrt_closest(const char *name, const char *const *cands, int n);

// ---- series.c: step outputs -> reported series (operators: dgrt_route.h) ---------------

/* All outputs: out [T][noutputs][ncells], weights [nweights][nbasins] -> y [T][noutputs][nbasins];
 * the backward accumulates dout and dweights. */
void dgrt_series_forward(const DgModel *m, int64_t T, int64_t nbasins, int64_t ncomp, const double *out,
                         const double *weights, double *y);
void dgrt_series_backward(const DgModel *m, int64_t T, int64_t nbasins, int64_t ncomp, const double *out,
                          const double *weights, const double *dy, double *dout, double *dweights);

// ---- simulate.c: one model run through the kernels ---------------------------------------

typedef struct {
    const DgModel *m;
    int      prec;        /* DG_F32 or DG_F64: which kernels run (buffers here are double) */
    int64_t  nbasins, ncomp, ncells, nsteps;
    double  *params;      /* [nparams][ncells] */
    double  *forcing;     /* [nsteps][ninputs][nbasins] */
    double  *netw;        /* [nnetw] */
    double  *states0;     /* [nstates][ncells] initial states: init, then the overrides */
    double  *states;      /* [nstates][ncells] final states */
    double  *out;         /* [nsteps][noutputs][ncells] step outputs */
    double  *tape;        /* [nsteps][nstates][ncells] states at the start of every step */
    double  *weights;     /* [nweights][nbasins] routing weights (prologue) */
    double  *series;      /* [nsteps][noutputs][nbasins] averaged and routed */
    double  *input_norm;  /* [2][ninputs] norm() statistics: mean 0, std 1 until dgrt_sim_input_stats */
    const DgInitOverride *ov;   /* --init overrides (not owned) */
    int      nov;
} DgSim;

void dgrt_sim_alloc(DgSim *s, const DgModel *m, int prec, int64_t nbasins, int64_t ncomp, int64_t nsteps);
void dgrt_sim_free(DgSim *s);
/* init kernel (params -> states0), then the --init overrides */
void dgrt_sim_init(DgSim *s);
/* norm() statistics from s->forcing itself (simulate without a checkpoint, gradcheck): call once the
 * forcing is set; they then stay constant (finite differences of the forcing do not move them). */
void dgrt_sim_input_stats(DgSim *s);
/* run_fwd from states0 (-> out, tape, states), prologue (-> weights), series */
void dgrt_sim_forward(DgSim *s);
/* Reverse of init + forward for the cotangent dseries [T][noutputs][nbasins]
 * (f64 only): += dparams [nparams][ncells] (the prologue's share lands on
 * each basin's component 0), dstates0 [nstates][ncells] = dL/d initial states
 * (the states after the overrides), += dnetw [nnetw]. Any of them may be NULL. */
void dgrt_sim_backward(DgSim *s, const double *dseries, double *dparams, double *dstates0, double *dnetw);
/* The kernels a run needs exist for `prec` (reverse: the adjoint ones too). */
int  dgrt_check_kernels(const DgModel *m, int prec, int reverse, DgrtErr *err);

// ---- cli.c: options shared by the subcommands ---------------------------------------------

typedef struct {
    const char   *prog;         /* argv[0] without its directory */
    const char   *command;      /* info | simulate | gradcheck */
    const char   *params_path;  /* --params */
    const char   *netw_path;    /* --netw */
    const char   *out_path;     /* --out */
    DgForcingSpec forcing;      /* --forcing-csv | --data --basin, --map, --period */
    const char  **inits;        /* --init, ninits of them */
    int           ninits;
    int           states;       /* --states */
    int           outside_bounds; /* --allow-outside-bounds: parameter values outside their bounds warn */
    int           precision;    /* --precision: DG_F32 | DG_F64 */
    int64_t       components;   /* --components, 0 = the model's */
    int64_t       steps;        /* --steps, 0 = default */
    int64_t       cells;        /* --cells, 0 = default */
    uint64_t      seed;         /* --seed */
    double        tol;          /* --tol */
} DgOptions;

int dgrt_main_io(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf);

/* Subcommands: return the exit code; normal output on `out`, errors on `errf`. */
int dgrt_cmd_info(const DgModel *m, const DgOptions *o, FILE *out, FILE *errf);
int dgrt_cmd_simulate(const DgModel *m, const DgOptions *o, FILE *out, FILE *errf);
int dgrt_cmd_gradcheck(const DgModel *m, const DgOptions *o, FILE *out, FILE *errf);

/* Setup shared by simulate and gradcheck: the --init overrides of `o`
 * (parsed into *ov, caller frees) and the network weights. */
int dgrt_setup_inits(const DgModel *m, const DgOptions *o, int64_t ncomp, DgInitOverride **ov, DgrtErr *err);
int dgrt_setup_netw(const DgModel *m, const DgOptions *o, double *netw, DgrtErr *err);

#endif
