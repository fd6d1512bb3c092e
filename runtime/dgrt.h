/* dgrt.h — the model ABI: the only contract between code that dgc generates
 * and the C runtime (and tests, benchmarks, future bindings). A compiled
 * model exports one symbol, `dg_model`, a DgModel describing the model and
 * pointing to its kernels. Generated code calls nothing in the runtime
 * except the math helpers declared at the end.
 *
 * Layouts (all arrays dense, cell index fastest so one step loads contiguous
 * cells; a cell is basin b, component k: c = b * ncomp + k):
 *   params     [nparams][ncells]
 *   dyn_params [nsteps][nparams][ncells]   (read for dynamic parameters when non-NULL)
 *   forcing    [nsteps][ninputs][nbasins]  (nbasins = ncells / ncomp)
 *   states     [nstates][ncells]
 *   out        [nsteps][noutputs][ncells]  (per cell, before averaging and routing)
 *   tape       [nsteps][nstates][ncells]   (states at the start of every step)
 *   dforcing   [nsteps][ninputs][ncells]   (run_rev: d forcing per cell; a basin's is the sum over its cells)
 *   netw       [nnetw]                     (in-equation network weights, shared by all cells)
 *   input_norm [2][ninputs]                (norm(): means, then standard deviations of the inputs)
 * Kernels come in float (index 0) and double (index 1); the element type of
 * every array follows. Adjoint kernels ACCUMULATE into d-arrays (+=): the
 * caller zeroes them. The arrays of one call must not overlap (generated
 * kernels take them as `noalias`, which lets them vectorise across cells). */
#ifndef DGRT_H
#define DGRT_H

#include <stdint.h>

#define DG_ABI_VERSION 4u   /* 2: DgRun.dforcing; 3: DgModel.built_for; 4: norm(): DgRun.input_norm,
                              * DgModel.nnorm_inputs and norm_inputs */

enum { DG_F32 = 0, DG_F64 = 1 };
enum { DG_PARAM_LEARNED = 0, DG_PARAM_FIXED = 1, DG_PARAM_DYNAMIC = 2 };   /* = ParamMark */

typedef struct {
    const char *name;
    const char *unit;        /* as declared; "" when none */
    double      lo, hi;      /* bounds (NaN when absent) */
    double      value;       /* default (NaN when absent) */
    int32_t     mark;        /* DG_PARAM_* */
    int32_t     basin_level; /* 1: used only by output routing; components share component 0's value */
} DgParamInfo;

typedef struct {
    const char *name;
    const char *unit;
} DgNameInfo;

typedef struct {
    const char *name;
    const char *unit;
    int32_t     route_weights;   /* first prologue result with its kernel weights; -1 = not routed */
    int32_t     route_len;       /* number of kernel ordinates */
} DgOutputInfo;

/* Arguments of every kernel. Pointers a kernel does not use may be NULL. */
typedef struct {
    int64_t     ncells;      /* cells in this call */
    int64_t     ncomp;       /* components per basin */
    int64_t     nsteps;      /* time steps (1 for init and prologue) */
    const void *params;      /* [nparams][ncells] */
    const void *dyn_params;  /* [nsteps][nparams][ncells] or NULL */
    const void *forcing;     /* [nsteps][ninputs][nbasins] */
    void       *states;      /* run: in initial, out final; init: out */
    void       *out;         /* run: step outputs; prologue: [nweights][ncells] */
    void       *tape;        /* run_fwd writes it when non-NULL; run_rev reads it */
    const void *dout;        /* cotangent of out (run_rev, prologue_rev) */
    void       *dparams;     /* += d/d params, [nparams][ncells] */
    void       *ddyn_params; /* += d/d dyn_params, or NULL */
    void       *dstates;     /* run_rev: in d final states, out d initial states; init_rev: in */
    const void *netw;        /* [nnetw] network weights, or NULL when nnetw == 0 */
    void       *dnetw;       /* += d/d netw (summed over cells and steps) */
    void       *dforcing;    /* run_rev: += d/d forcing per cell [nsteps][ninputs][ncells], or NULL */
    const void *input_norm;  /* [2][ninputs]: mean, then standard deviation (> 0) of every input, for
                              * norm(X) = (X - mean) / std in run_fwd and run_rev; constants (no
                              * gradient flows to them). May be NULL when nnorm_inputs == 0 */
} DgRun;

typedef void (*DgKernel)(const DgRun *run);

/* An in-equation MLP. Layer l (1..nsizes-1) has sizes[l-1]*sizes[l] weights,
 * row-major by output (w[o * n_in + i]), then sizes[l] biases, starting at
 * `offset` in netw. Activations: "tanh" "relu" "sigmoid" "softplus" "elu" "linear". */
typedef struct {
    const char    *name;
    int32_t        nsizes;
    const int32_t *sizes;
    int32_t        offset;
    const char    *activation;         /* hidden layers */
    const char    *output_activation;  /* last layer */
} DgNetInfo;

/* The model's parameter network (`learn params by ...`): what the training
 * runtime builds. kind 0 = none (parameters are calibrated directly). The
 * network's outputs are the trained parameters (mark learned or dynamic) of
 * every component, plus one value per basin-level parameter; each is scaled
 * into its bounds with a sigmoid. Static parameters are read from the last
 * step of the window, dynamic ones from every step (as δHBV). */
enum { DG_LEARN_NONE = 0, DG_LEARN_LSTM = 1, DG_LEARN_MLP = 2 };

typedef struct {
    int32_t            kind;          /* DG_LEARN_* */
    int32_t            hidden, layers;
    double             dropout;
    int32_t            nforcings;
    const int32_t     *forcings;      /* model input indices fed to the network */
    int32_t            nattributes;
    const char *const *attributes;    /* static catchment attribute names (CAMELS columns) */
} DgLearnInfo;

typedef struct {
    uint32_t            abi_version;  /* DG_ABI_VERSION */
    const char         *name;
    const char         *doc;          /* "" when none */
    int32_t             nparams, ninputs, nstates, nuser_states, noutputs, nweights, components;
    int32_t             nnetw, nnets;
    const DgParamInfo  *params;
    const DgNameInfo   *inputs;
    const DgNameInfo   *states;       /* user states first, then generated ones (delay lines, kernel weights) */
    const DgOutputInfo *outputs;
    const DgNetInfo    *nets;
    /* kernels, indexed by DG_F32 / DG_F64 */
    DgKernel            init[2];          /* params -> states */
    DgKernel            init_rev[2];      /* dstates -> += dparams */
    DgKernel            run_fwd[2];       /* states, forcing, params -> out, final states, tape */
    DgKernel            run_rev[2];       /* tape, dout, dstates -> += dparams, dstates = d initial */
    DgKernel            prologue[2];      /* params (one cell per basin) -> out = routing weights */
    DgKernel            prologue_rev[2];  /* dout -> += dparams */
    DgLearnInfo         learn;            /* the parameter network to train */
    const char         *built_for;        /* the machine code's target, e.g. "x86_64 cpu generic,
                                           * 128-bit vectors"; NULL or "" when not told */
    int32_t             nnorm_inputs;     /* inputs the model reads through norm(): the runtime passes */
    const int32_t      *norm_inputs;      /* their statistics in DgRun.input_norm (input indices) */
} DgModel;

/* The symbol every compiled model defines. */
extern const DgModel dg_model;

/* Math the generated code calls (no LLVM intrinsic exists for these). */
double dgrt_lgamma(double x);
double dgrt_digamma(double x);
float  dgrt_lgammaf(float x);
float  dgrt_digammaf(float x);

#endif
