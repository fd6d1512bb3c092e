/* ir.h — dgc's IR: straight-line SSA code over scalars, one function per
 * part of a model run, each for one cell (basin x component):
 *   init      parameters -> initial states;
 *   step      one time step: (params, forcing, states) -> (new states, step outputs);
 *   prologue  parameters -> unit-hydrograph weights of the routed outputs
 *             (series operators applied by the runtime after the loop).
 * A `route` inside a step block becomes extra states: a delay line (the
 * last n-1 values, shifted every step) and its kernel weights (computed by
 * `init`, passed through unchanged), so the adjoint needs no special case.
 * Branches are selects, so every function is a single basic block: the
 * adjoint (ad_reverse.c) walks the instruction list backwards, and code
 * generation (codegen.c) emits one LLVM instruction per IR instruction
 * inside the loops over steps and cells.
 *
 * Values are numbered by their defining instruction; an instruction only
 * uses values defined before it. The IR is precision-agnostic: codegen emits
 * it in float or double. IR lives in its own arena (ir_arena). */
#ifndef DG_IR_H
#define DG_IR_H

#include <stdbool.h>
#include <stdio.h>
#include "arena.h"
#include "diag.h"
#include "source.h"

typedef enum {                  /* grep ORDER IrOp (ir.c op table) */
    /* leaves */
    IR_CONST,      /* imm */
    IR_PARAM,      /* index: model parameter (static or, for dynamic ones, this step's value) */
    IR_INPUT,      /* index: forcing input of this step */
    IR_STATE,      /* index: state at the start of the step */
    IR_SEED,       /* index: cotangent of result `index` (adjoint functions only) */
    IR_NETW,       /* index: weight of an in-equation network (shared by all cells) */
    IR_INMEAN,     /* index: mean of forcing input `index` over the training data (norm(); a constant) */
    IR_INSTD,      /* index: its standard deviation (> 0; a constant) */
    /* arithmetic */
    IR_ADD, IR_SUB, IR_MUL, IR_DIV, IR_NEG, IR_POW,
    /* elementary functions */
    IR_EXP, IR_LOG, IR_LOG10, IR_SQRT, IR_TANH, IR_SIGMOID, IR_SOFTPLUS,
    IR_SIN, IR_COS, IR_TAN, IR_ASIN, IR_ACOS, IR_ATAN, IR_LGAMMA, IR_DIGAMMA, IR_ABS,
    /* kinks (derivative conventions in ad_rules.c, after shared/reference §5) */
    IR_MIN,        /* min(a, b): the smaller gets the gradient; a tie splits it 1/2, 1/2 */
    IR_MAX,        /* max(a, b): a gets it when a >= b (torch.clamp(min=b) convention) */
    IR_CLAMP,      /* clamp(a, b, c): slope 1 for b <= a <= c */
    IR_RELU,       /* relu(a): slope 0 at a <= 0 */
    IR_STEP,       /* step(a) = a > 0 ? 1 : 0, derivative 0 */
    IR_FLOOR,      /* floor(a): the largest whole number <= a, derivative 0 */
    /* booleans (no derivative) */
    IR_LT, IR_LE, IR_GT, IR_GE, IR_EQ, IR_NE, IR_AND, IR_OR, IR_NOT,
    IR_SELECT,     /* a ? b : c (a boolean) */
    IR_NOGRAD,     /* a, with no derivative (converged Newton iterates: the adjoint goes through the last step) */
    IR_OP_COUNT
} IrOp;

typedef struct {
    IrOp     op;
    int      a, b, c;       /* operand value ids (-1 = unused) */
    int      index;         /* IR_PARAM/INPUT/STATE/SEED/NETW */
    double   imm;           /* IR_CONST */
    Span     span;          /* source of the expression it came from */
} IrInst;

typedef struct {
    const char *name;       /* "init", "step", "prologue", or "<name>_rev" */
    IrInst     *insts;
    int         n, cap;
    /* results, as value ids */
    int        *results;    /* init: nstates; step: nstates then noutputs; prologue: weights.
                             * Adjoint functions: d params (nparams) then d states (nstates). */
    int         nresults;
} IrFunc;

/* How a step output is turned into the reported series (after the loop). */
typedef struct {
    const char *name;
    const char *unit;       /* as declared, for CSV headers; "" when none */
    int         route_weights;   /* first prologue result holding its kernel weights, -1 = not routed */
    int         route_len;       /* number of ordinates */
} IrOutput;

typedef struct {
    const char *name;
    const char *unit;
    double      lo, hi, value;   /* bounds and default (NaN when absent) */
    bool        has_bounds, has_value;
    int         mark;            /* ParamMark */
    bool        basin_level;     /* used only by output routing: one value per basin (component 0's) */
} IrParam;

typedef struct {
    const char *name;
    const char *unit;
} IrNamed;

/* An in-equation MLP: layer l has sizes[l-1]*sizes[l] weights (row-major,
 * output-major) then sizes[l] biases, from `offset` in the weight vector. */
typedef struct {
    const char *name;
    const int  *sizes;
    int         nsizes;
    int         offset;
    const char *activation;          /* hidden layers */
    const char *output_activation;   /* last layer ("linear" by default) */
} IrNet;

/* The parameter network of `learn params by ...` (kind 0 = none); mirrors DgLearnInfo. */
typedef struct {
    int          kind;           /* 0 none, 1 lstm, 2 mlp */
    int          hidden, layers;
    double       dropout;
    int         *forcings;       /* input indices */
    int          nforcings;
    const char **attributes;
    int          nattributes;
} IrLearn;

/* A whole compiled model. Step results: new states, then step outputs
 * (component averaging and routing come after the loop). */
typedef struct {
    const char *name;
    const char *doc;
    IrParam    *params;   int nparams;
    IrNamed    *inputs;   int ninputs;
    bool       *input_normed;          /* [ninputs] read through norm(): the runtime gives their statistics */
    IrNamed    *states;   int nstates;     /* user states first, then generated ones */
    int         nuser_states;
    IrOutput   *outputs;  int noutputs;
    int         nweights;            /* prologue results */
    int         nnetw;               /* network weights (IR_NETW) */
    IrNet      *nets;     int nnets;
    IrLearn     learn;
    int         components;
    IrFunc      init;                /* parameters -> initial states (results: nstates values) */
    IrFunc      prologue;
    IrFunc      step;
} IrModel;

struct CheckedModel;
struct Program;

/* lower.c: checked model -> IR. Returns NULL after reporting what cannot be lowered. */
IrModel *lower_model(Arena *ir_arena, struct Program *p, const struct CheckedModel *m);

/* ir.c: builder and op table */
const char *ir_op_name(IrOp op);
int         ir_op_arity(IrOp op);           /* 0..3 operands */
bool        ir_op_is_bool(IrOp op);         /* produces a boolean */
int         ir_emit(Arena *a, IrFunc *f, IrOp op, int x, int y, int z, Span span);
int         ir_emit_leaf(Arena *a, IrFunc *f, IrOp op, int index, double imm, Span span);

/* ir_opt.c: constant folding, common subexpressions, dead code (in place) */
void        ir_simplify(Arena *a, IrFunc *f);

/* ir_print.c: --dump-ir text */
void ir_print_model(FILE *out, const IrModel *m);
void ir_print_func(FILE *out, const IrFunc *f);

/* ir_verify.c: structural invariants (operands defined before use, arity,
 * booleans only where booleans go, leaf indices in range); false + message */
bool ir_verify_func(const IrFunc *f, int nparams, int ninputs, int nstates, int nseeds, int nnetw, FILE *err);

/* ad_forward.c: tangents (forward mode) of instructions [begin, end) of f,
 * emitted at the end of f: seed_ids[k] has tangent seed_tans[k], every other
 * value before `begin` has tangent 0; out_tans[k] = tangent of outs[k]. */
void ad_tangent(Arena *a, IrFunc *f, int begin, int end, const int *seed_ids, const int *seed_tans, int nseeds,
                const int *outs, int nouts, int *out_tans);

/* ad_reverse.c: the adjoint of f: f's instructions (recomputed), then the
 * reverse sweep; IR_SEED(i) is the cotangent of f's result i. Results:
 * d params (nparams), d states (nstates), d network weights (nnetw). */
IrFunc ad_reverse(Arena *a, const IrFunc *f, int nparams, int nstates, int nnetw, Diag *diag);
/* The same with the forcing inputs active too: d inputs (ninputs) follow
 * d network weights among the results (run_rev's d forcing, for clients
 * such as the shared library that differentiate with respect to forcing). */
IrFunc ad_reverse_inputs(Arena *a, const IrFunc *f, int nparams, int nstates, int nnetw, int ninputs, Diag *diag);

#endif
