/* dgc_model_api.h — the C API of a model library built with
 *     dgc model.dg --shared -o libmodel.so
 * for clients that call a model from another program (Python, PyTorch, a
 * coupler). Version DGC_API_VERSION; a library reports its own through
 * dgc_api_version(), and a client compiled against another version should
 * refuse it. The library also exports `dg_model` (runtime/dgrt.h) and the
 * BMI 2.0 functions (runtime/dgc_bmi.h).
 *
 * An instance runs B basins x K components ("cells", c = b * K + k) over T
 * time steps in one precision (f32 or f64: every array passed to or
 * returned by an instance has that element type). The library copies what
 * it is given: the caller owns its arrays and may reuse them after a call.
 *
 * Layouts (dense, last index fastest):
 *   params        [nparams][B][K]         static parameter values (in their units, not scaled)
 *   one param     [B][K]                  dgc_set_param
 *   dyn_params    [T][nparams][B][K]      read for dynamic parameters when set
 *   forcing       [T][ninputs][B]
 *   states        [nstates][B][K]         every state, user states first (dgc_model_user_states)
 *   one state     [B][K]                  dgc_set_init_state
 *   outputs       [T][noutputs][B]        averaged over components, then routed
 *   cell outputs  [T][noutputs][B][K]     per component, before averaging and routing
 *   route weights [nweights][B]           unit-hydrograph ordinates of the routed outputs
 *   netw          [nnetw]                 weights of in-equation networks (zero until set)
 *   input stats   [ninputs] twice         mean, standard deviation of every input (norm(); dgc_set_input_stats)
 *
 * A run: dgc_create, dgc_set_params (or dgc_set_param per parameter; those
 * with a default may be left out), dgc_set_forcing, dgc_forward, then
 * dgc_get_outputs / dgc_get_states. Gradients: dgc_backward with the
 * cotangent of the outputs, then dgc_get_grad for parameters, dynamic
 * parameters, forcing, initial states and network weights. Initial states
 * come from the model's init equations unless given with dgc_set_init_state
 * (a warm start: the final states of a previous run); a given state cuts the
 * dependence of that state on the parameters.
 *
 * Errors: functions return DGC_OK (0) or a DGC_ERR_* code, and
 * dgc_last_error() describes the last failure of the calling thread. The
 * library never exits and never prints. One instance must not be used by two
 * threads at once; separate instances may run in parallel. */
#ifndef DGC_MODEL_API_H
#define DGC_MODEL_API_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DGC_API_VERSION 2   /* 2: dgc_model_norm_input, dgc_set_input_stats (norm()) */

#if defined(__GNUC__)
#define DGC_API __attribute__((visibility("default")))
#else
#define DGC_API
#endif

/* Return codes. */
enum {
    DGC_OK = 0,
    DGC_ERR_ARG = 1,          /* bad argument: NULL, index or size out of range, unknown name */
    DGC_ERR_ORDER = 2,        /* call out of order: backward before forward, outputs before forward, ... */
    DGC_ERR_MEMORY = 3,       /* out of memory */
    DGC_ERR_UNSUPPORTED = 4,  /* the model lacks what the call needs (a kernel, gradients of a NO_GRAD instance) */
    DGC_ERR_IO = 5,           /* a file could not be read (BMI configuration) */
};

enum { DGC_F32 = 0, DGC_F64 = 1 };                                    /* precision (= DG_F32, DG_F64) */
enum { DGC_PARAMS = 0, DGC_INPUTS = 1, DGC_STATES = 2, DGC_OUTPUTS = 3 };   /* kinds of variables */
enum { DGC_STATES_INITIAL = 0, DGC_STATES_FINAL = 1 };               /* dgc_get_states */
enum {                                                                /* dgc_get_grad */
    DGC_GRAD_PARAMS = 0,      /* [nparams][B][K]   d/d params (through init, steps, routing) */
    DGC_GRAD_DYN_PARAMS = 1,  /* [T][nparams][B][K] d/d dyn_params (dynamic parameters, when set) */
    DGC_GRAD_FORCING = 2,     /* [T][ninputs][B]   d/d forcing */
    DGC_GRAD_INIT_STATES = 3, /* [nstates][B][K]   d/d initial states (given or from init) */
    DGC_GRAD_NETW = 4,        /* [nnetw]           d/d network weights */
};
enum { DGC_NO_GRAD = 1 };                                             /* dgc_create flags: no tape, no backward */

typedef struct DgcInstance DgcInstance;

/* ---- The library and its model ---------------------------------------------------------- */

DGC_API unsigned    dgc_api_version(void);          /* DGC_API_VERSION of the library */
DGC_API const char *dgc_last_error(void);           /* "" when nothing failed yet in this thread */
DGC_API const char *dgc_model_name(void);
DGC_API const char *dgc_model_doc(void);            /* "" when none */
DGC_API int         dgc_model_count(int kind);      /* number of variables of a DGC_* kind; -1 for a bad kind */
DGC_API int         dgc_model_user_states(void);    /* the first n states are the model's own (others: generated) */
DGC_API int         dgc_model_components(void);     /* the model's default K (`components`), 1 when not given */
DGC_API int         dgc_model_nnetw(void);          /* weights of in-equation networks */
DGC_API int         dgc_model_nweights(void);       /* routing ordinates, all routed outputs together */
/* Whether the model reads input i through norm(X) = (X - mean) / std: then
 * dgc_forward needs the statistics (dgc_set_input_stats). 0 or 1; -1 for a bad index. */
DGC_API int         dgc_model_norm_input(int i);
/* Name and unit ("" when none) of variable i of a kind; NULL when out of range. */
DGC_API const char *dgc_model_var_name(int kind, int i);
DGC_API const char *dgc_model_var_unit(int kind, int i);
/* Index of a variable by name, -1 when absent. */
DGC_API int         dgc_model_var_index(int kind, const char *name);
/* Parameter i: bounds and default (NaN when absent), mark (0 learned,
 * 1 fixed, 2 dynamic) and basin_level (1: read only by routing, from
 * component 0). Any output pointer may be NULL. */
DGC_API int         dgc_model_param_info(int i, double *lo, double *hi, double *value, int *mark, int *basin_level);
/* Output i: first routing ordinate in the route weights and their number (0 = not routed). */
DGC_API int         dgc_model_output_route(int i, int *first_weight, int *nweights);

/* ---- Instances ------------------------------------------------------------------------------ */

/* B basins, T steps, K components (0 = the model's), precision DGC_F32 or
 * DGC_F64, flags DGC_NO_GRAD or 0. Parameters start at their defaults
 * (NaN when none), forcing and network weights at 0. NULL on failure. */
DGC_API DgcInstance *dgc_create(int64_t nbasins, int64_t nsteps, int64_t ncomp, int precision, int flags);
DGC_API void         dgc_destroy(DgcInstance *inst);   /* NULL is fine */
/* Sizes of an instance (any pointer may be NULL). */
DGC_API int dgc_sizes(const DgcInstance *inst, int64_t *nbasins, int64_t *nsteps, int64_t *ncomp, int *precision);

DGC_API int dgc_set_params(DgcInstance *inst, const void *params);           /* [nparams][B][K] */
DGC_API int dgc_set_param(DgcInstance *inst, int param, const void *values);  /* [B][K] */
DGC_API int dgc_set_dyn_params(DgcInstance *inst, const void *dyn_params);   /* [T][nparams][B][K]; NULL = none */
DGC_API int dgc_set_forcing(DgcInstance *inst, const void *forcing);         /* [T][ninputs][B] */
DGC_API int dgc_set_netw(DgcInstance *inst, const void *netw);               /* [nnetw] */
/* The statistics norm(X) standardises with: mean and std [ninputs] (std > 0),
 * normally those of the training run (`train` prints them; checkpoint section
 * INST). Constants of the run: no gradient flows to them. Until they are
 * set, dgc_forward of a model with norm() fails with DGC_ERR_ORDER. */
DGC_API int dgc_set_input_stats(DgcInstance *inst, const void *mean, const void *std);
/* The initial value of one state [B][K] (a warm start), or NULL: from the
 * model's init equations again. dgc_set_init_states does all states
 * [nstates][B][K] at once (NULL: none given). */
DGC_API int dgc_set_init_state(DgcInstance *inst, int state, const void *values);
DGC_API int dgc_set_init_states(DgcInstance *inst, const void *states);

/* Runs the model over the T steps (init, steps with tape, routing weights,
 * component average, routing). Fails when a parameter has no value. */
DGC_API int dgc_forward(DgcInstance *inst);
DGC_API int dgc_get_outputs(const DgcInstance *inst, void *outputs);         /* [T][noutputs][B] */
DGC_API int dgc_get_cell_outputs(const DgcInstance *inst, void *out);        /* [T][noutputs][B][K] */
DGC_API int dgc_get_route_weights(const DgcInstance *inst, void *weights);   /* [nweights][B] */
/* DGC_STATES_INITIAL: the states the run starts from (computed from the
 * parameters when not given; valid before dgc_forward too);
 * DGC_STATES_FINAL: after the last step (needs dgc_forward). */
DGC_API int dgc_get_states(DgcInstance *inst, int which, void *states);      /* [nstates][B][K] */

/* Reverse mode for the cotangent of the outputs [T][noutputs][B] of the
 * last dgc_forward (generated adjoint kernels, the series operators'
 * adjoints). Replaces the gradients of a previous call. */
DGC_API int dgc_backward(DgcInstance *inst, const void *doutputs);
DGC_API int dgc_get_grad(const DgcInstance *inst, int what, void *grad);     /* what: DGC_GRAD_* */

#ifdef __cplusplus
}
#endif

#endif
