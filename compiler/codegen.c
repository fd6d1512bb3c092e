/* codegen.c — IR -> LLVM IR: the kernels of one model and its `dg_model`.
 *
 * For each precision (f32, f64) and each kind, a kernel
 *   void dgk_<kind>_<f32|f64>(const DgRun *run)
 * loads the DgRun fields once and calls an internal function taking them as
 * separate `noalias` arguments (the arrays of one call never overlap), so
 * the loops below see independent arrays and the loop vectoriser can work
 * across cells. The loops (layouts in runtime/dgrt.h, c = cell, b = basin):
 *   init          for c: states[s][c] = init(params[.][c])
 *   init_rev      for c: += dparams[.][c], dnetw  from seeds dstates[s][c]
 *   run_fwd       for t: for c: tape[t][s][c] = states[s][c];
 *                   (states, out[t][.][c]) = step(params, forcing[t][.][b], states)
 *   run_rev       for t = nsteps-1 .. 0: for c: seeds = (dstates[.][c], dout[t][.][c]),
 *                   states from tape[t]; += dparams (or ddyn_params[t]); dstates = d states;
 *                   += dforcing[t][.][c] when dforcing is non-NULL (a loop of its own,
 *                   so the common case without it computes no forcing adjoint)
 *   prologue      for c (one per basin): out[w][c] = prologue(params)
 *   prologue_rev  for c: += dparams from seeds dout[w][c]
 * Cells are the innermost loop; each cell loop carries
 * llvm.loop.vectorize.enable. Dynamic parameters read dyn_params[t] when it
 * is non-NULL (init/prologue: t = 0) and send their gradient to
 * ddyn_params[t] when that is non-NULL, else to dparams. Network-weight
 * gradients are summed over cells and steps in registers, then added to dnetw.
 *
 * Every IR instruction becomes one LLVM instruction (or a short fixed
 * sequence) with exactly the semantics of ir_eval.c: min/max/clamp/relu are
 * fcmp + select in the same operand order, comparisons are i1, no fast-math
 * flags, so no reassociation and no FMA contraction. Math: LLVM intrinsics
 * where they exist, libm (tanh, log1p, tan, asin, acos, atan + f) and the
 * runtime's dgrt_lgamma/dgrt_digamma (+f) otherwise; vectorised across
 * cells by LLVM's libmvec mapping (exp, log, pow, sin, cos) and SLEEF's
 * variants offered by vecmath.c (tanh, log1p, lgamma, tan, asin, acos, atan). */
#include "codegen.h"
#include "llvm_compat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double cg_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- ABI types ------------------------------------------------------------------------ */

static LLVMTypeRef named_struct(LLVMContextRef ctx, const char *name, LLVMTypeRef *fields, unsigned n) {
    LLVMTypeRef t = LLVMStructCreateNamed(ctx, name);
    LLVMStructSetBody(t, fields, n, 0);
    return t;
}

void cg_abi_types(LLVMContextRef ctx, CgAbi *t) {
    t->i8 = LLVMInt8TypeInContext(ctx);
    t->i32 = LLVMInt32TypeInContext(ctx);
    t->i64 = LLVMInt64TypeInContext(ctx);
    t->f32 = LLVMFloatTypeInContext(ctx);
    t->f64 = LLVMDoubleTypeInContext(ctx);
    t->str = l_ptr_type(t->i8);
    LLVMTypeRef vp = t->str;   /* void * */
    LLVMTypeRef existing = LLVMGetTypeByName2(ctx, "DgRun");
    if (existing) {   /* built before in this context */
        t->run = existing;
        t->param_info = LLVMGetTypeByName2(ctx, "DgParamInfo");
        t->name_info = LLVMGetTypeByName2(ctx, "DgNameInfo");
        t->output_info = LLVMGetTypeByName2(ctx, "DgOutputInfo");
        t->net_info = LLVMGetTypeByName2(ctx, "DgNetInfo");
        t->learn_info = LLVMGetTypeByName2(ctx, "DgLearnInfo");
        t->model = LLVMGetTypeByName2(ctx, "DgModel");
    } else {
        /* grep ORDER DgRun */
        LLVMTypeRef run[CG_RUN_NFIELDS] = {
            [CG_RUN_NCELLS] = t->i64, [CG_RUN_NCOMP] = t->i64,        [CG_RUN_NSTEPS] = t->i64,
            [CG_RUN_PARAMS] = vp,     [CG_RUN_DYN_PARAMS] = vp,       [CG_RUN_FORCING] = vp,
            [CG_RUN_STATES] = vp,     [CG_RUN_OUT] = vp,              [CG_RUN_TAPE] = vp,
            [CG_RUN_DOUT] = vp,       [CG_RUN_DPARAMS] = vp,          [CG_RUN_DDYN_PARAMS] = vp,
            [CG_RUN_DSTATES] = vp,    [CG_RUN_NETW] = vp,             [CG_RUN_DNETW] = vp,
            [CG_RUN_DFORCING] = vp,   [CG_RUN_INPUT_NORM] = vp,
        };
        t->run = named_struct(ctx, "DgRun", run, CG_RUN_NFIELDS);
        LLVMTypeRef pinfo[] = {t->str, t->str, t->f64, t->f64, t->f64, t->i32, t->i32};
        t->param_info = named_struct(ctx, "DgParamInfo", pinfo, 7);
        LLVMTypeRef ninfo[] = {t->str, t->str};
        t->name_info = named_struct(ctx, "DgNameInfo", ninfo, 2);
        LLVMTypeRef oinfo[] = {t->str, t->str, t->i32, t->i32};
        t->output_info = named_struct(ctx, "DgOutputInfo", oinfo, 4);
        LLVMTypeRef netinfo[] = {t->str, t->i32, l_ptr_type(t->i32), t->i32, t->str, t->str};
        t->net_info = named_struct(ctx, "DgNetInfo", netinfo, 6);
        LLVMTypeRef learninfo[] = {t->i32, t->i32, t->i32, t->f64, t->i32, l_ptr_type(t->i32), t->i32,
                                   l_ptr_type(t->str)};
        t->learn_info = named_struct(ctx, "DgLearnInfo", learninfo, 8);
    }
    LLVMTypeRef run_ptr = l_ptr_type(t->run);
    t->kernel_fn = LLVMFunctionType(LLVMVoidTypeInContext(ctx), &run_ptr, 1, 0);
    t->kernel_ptr = l_ptr_type(t->kernel_fn);
    if (!existing) {
        LLVMTypeRef k2 = LLVMArrayType(t->kernel_ptr, 2);
        /* grep ORDER DgModel */
        LLVMTypeRef model[CG_MODEL_NFIELDS] = {
            [CG_MODEL_ABI_VERSION] = t->i32,   [CG_MODEL_NAME] = t->str,       [CG_MODEL_DOC] = t->str,
            [CG_MODEL_NPARAMS] = t->i32,       [CG_MODEL_NINPUTS] = t->i32,    [CG_MODEL_NSTATES] = t->i32,
            [CG_MODEL_NUSER_STATES] = t->i32,  [CG_MODEL_NOUTPUTS] = t->i32,   [CG_MODEL_NWEIGHTS] = t->i32,
            [CG_MODEL_COMPONENTS] = t->i32,    [CG_MODEL_NNETW] = t->i32,      [CG_MODEL_NNETS] = t->i32,
            [CG_MODEL_PARAMS] = l_ptr_type(t->param_info),  [CG_MODEL_INPUTS] = l_ptr_type(t->name_info),
            [CG_MODEL_STATES] = l_ptr_type(t->name_info),   [CG_MODEL_OUTPUTS] = l_ptr_type(t->output_info),
            [CG_MODEL_NETS] = l_ptr_type(t->net_info),
            [CG_MODEL_INIT] = k2, [CG_MODEL_INIT_REV] = k2, [CG_MODEL_RUN_FWD] = k2, [CG_MODEL_RUN_REV] = k2,
            [CG_MODEL_PROLOGUE] = k2, [CG_MODEL_PROLOGUE_REV] = k2, [CG_MODEL_LEARN] = t->learn_info,
            [CG_MODEL_BUILT_FOR] = t->str,     [CG_MODEL_NNORM_INPUTS] = t->i32,
            [CG_MODEL_NORM_INPUTS] = l_ptr_type(t->i32),
        };
        t->model = named_struct(ctx, "DgModel", model, CG_MODEL_NFIELDS);
    }
}

/* ---- Adjoints ---------------------------------------------------------------------------- */

static void verify_or_ice(const IrFunc *f, int np, int ni, int ns, int nseeds, int nw) {
    if (!ir_verify_func(f, np, ni, ns, nseeds, nw, stderr)) DG_ICE("IR function '%s' failed verification", f->name);
}

bool cg_build_adjoints(Arena *a, const IrModel *m, Diag *d, CgAdjoints *out) {
    int errors = diag_error_count(d);
    int np = m->nparams, ni = m->ninputs, ns = m->nstates, nw = m->nnetw;
    verify_or_ice(&m->init, np, 0, 0, 0, nw);
    verify_or_ice(&m->step, np, ni, ns, 0, nw);
    verify_or_ice(&m->prologue, np, 0, 0, 0, nw);
    out->init_rev = ad_reverse(a, &m->init, np, ns, nw, d);
    out->step_rev = ad_reverse_inputs(a, &m->step, np, ns, nw, ni, d);   /* d forcing: results np+ns+nw.. */
    out->prologue_rev = ad_reverse(a, &m->prologue, np, ns, nw, d);
    if (diag_error_count(d) > errors) return false;
    verify_or_ice(&out->init_rev, np, 0, 0, ns, nw);
    verify_or_ice(&out->step_rev, np, ni, ns, ns + m->noutputs, nw);
    verify_or_ice(&out->prologue_rev, np, 0, 0, m->nweights, nw);
    return true;
}

/* ---- Generator state ----------------------------------------------------------------------- */

typedef enum { K_INIT, K_INIT_REV, K_RUN_FWD, K_RUN_REV, K_PROLOGUE, K_PROLOGUE_REV, K_COUNT } KernelKind;
static const char *const kernel_name[K_COUNT] = {"init", "init_rev", "run_fwd", "run_rev", "prologue", "prologue_rev"};

/* Arguments of a kernel's loop function: the DgRun fields in order
 * (grep ORDER DgRun), pointers as T *. */
enum { A_NCELLS = CG_RUN_NCELLS, A_NCOMP = CG_RUN_NCOMP, A_NSTEPS = CG_RUN_NSTEPS, A_PARAMS = CG_RUN_PARAMS,
       A_DYN = CG_RUN_DYN_PARAMS, A_FORCING = CG_RUN_FORCING, A_STATES = CG_RUN_STATES, A_OUT = CG_RUN_OUT,
       A_TAPE = CG_RUN_TAPE, A_DOUT = CG_RUN_DOUT, A_DPARAMS = CG_RUN_DPARAMS, A_DDYN = CG_RUN_DDYN_PARAMS,
       A_DSTATES = CG_RUN_DSTATES, A_NETW = CG_RUN_NETW, A_DNETW = CG_RUN_DNETW, A_DFORCING = CG_RUN_DFORCING,
       A_INPUT_NORM = CG_RUN_INPUT_NORM, A_COUNT = CG_RUN_NFIELDS };

typedef struct {
    LLVMContextRef    ctx;
    LLVMModuleRef     mod;
    LLVMBuilderRef    b;
    CgAbi             abi;
    const IrModel    *m;
    const CgAdjoints *adj;
    const CgTarget   *target;
    /* the precision being generated */
    bool              f32;
    LLVMTypeRef       T, Tp, i1, i64;
    LLVMTypeRef       fn1, fn2;    /* T(T), T(T, T) */
    LLVMValueRef      fn;          /* function being built */
    LLVMValueRef      arg[A_COUNT];
    LLVMValueRef      ncomp;       /* max(ncomp, 1) */
} Cg;

static LLVMValueRef i64c(Cg *g, long long v) { return LLVMConstInt(g->i64, (unsigned long long)v, 1); }
static LLVMValueRef realc(Cg *g, double v) { return LLVMConstReal(g->T, v); }   /* rounded to float for f32 */

static LLVMBasicBlockRef new_block(Cg *g, const char *name) { return LLVMAppendBasicBlockInContext(g->ctx, g->fn, name); }

/* ---- Math functions ------------------------------------------------------------------------ */

/* `llvm.<name>.f32|f64` intrinsic */
static LLVMValueRef intrinsic(Cg *g, const char *name, int arity, LLVMTypeRef *fnty) {
    char full[64];
    snprintf(full, sizeof full, "llvm.%s.%s", name, g->f32 ? "f32" : "f64");
    *fnty = arity == 1 ? g->fn1 : g->fn2;
    LLVMValueRef fn = LLVMGetNamedFunction(g->mod, full);
    return fn ? fn : LLVMAddFunction(g->mod, full, *fnty);
}

/* external scalar function T name(T): libm (f suffix for float) or the runtime */
static LLVMValueRef external(Cg *g, const char *f64_name, const char *f32_name, LLVMTypeRef *fnty) {
    const char *name = g->f32 ? f32_name : f64_name;
    *fnty = g->fn1;
    LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
    if (!fn) {
        fn = LLVMAddFunction(g->mod, name, g->fn1);
        l_add_fn_attr(g->ctx, fn, "nounwind");
        l_add_fn_attr(g->ctx, fn, "willreturn");
        l_add_fn_attr_pure(g->ctx, fn);   /* errno is never read */
    }
    return fn;
}

static LLVMValueRef call1(Cg *g, LLVMValueRef fn, LLVMTypeRef fnty, LLVMValueRef x) {
    return l_call(g->b, fnty, fn, &x, 1, "");
}

static LLVMValueRef intr1(Cg *g, const char *name, LLVMValueRef x) {
    LLVMTypeRef ty;
    LLVMValueRef fn = intrinsic(g, name, 1, &ty);
    return call1(g, fn, ty, x);
}

/* a call of an external function; vectorisable across cells where the
 * target has vector variants of it (vecmath.c) */
static LLVMValueRef ext1(Cg *g, const char *f64_name, const char *f32_name, LLVMValueRef x) {
    LLVMTypeRef ty;
    LLVMValueRef fn = external(g, f64_name, f32_name, &ty);
    LLVMValueRef call = call1(g, fn, ty, x);
    vecmath_offer_variants(g->mod, call, g->f32 ? f32_name : f64_name, g->f32, g->target ? g->target->vector_bits : 0);
    return call;
}

/* ---- One IR op (semantics: ir_eval.c, ir_eval_op) ------------------------------------------ */

static LLVMValueRef emit_op(Cg *g, IrOp op, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c) {
    LLVMBuilderRef B = g->b;
    switch (op) {
    case IR_ADD: return l_fadd(B, a, b);
    case IR_SUB: return l_fsub(B, a, b);
    case IR_MUL: return l_fmul(B, a, b);
    case IR_DIV: return l_fdiv(B, a, b);
    case IR_NEG: return l_fneg(B, a);
    case IR_POW: {
        LLVMTypeRef ty;
        LLVMValueRef fn = intrinsic(g, "pow", 2, &ty), args[2] = {a, b};
        return l_call(B, ty, fn, args, 2, "");
    }
    case IR_EXP: return intr1(g, "exp", a);
    case IR_LOG: return intr1(g, "log", a);
    case IR_LOG10: return intr1(g, "log10", a);
    case IR_SQRT: return intr1(g, "sqrt", a);
    case IR_SIN: return intr1(g, "sin", a);
    case IR_COS: return intr1(g, "cos", a);
    case IR_ABS: return intr1(g, "fabs", a);
    case IR_TANH: return ext1(g, "tanh", "tanhf", a);
    case IR_TAN: return ext1(g, "tan", "tanf", a);
    case IR_ASIN: return ext1(g, "asin", "asinf", a);
    case IR_ACOS: return ext1(g, "acos", "acosf", a);
    case IR_ATAN: return ext1(g, "atan", "atanf", a);
    case IR_LGAMMA: return ext1(g, "dgrt_lgamma", "dgrt_lgammaf", a);
    case IR_DIGAMMA: return ext1(g, "dgrt_digamma", "dgrt_digammaf", a);
    case IR_SIGMOID:   /* 1 / (1 + exp(-a)) */
        return l_fdiv(B, realc(g, 1), l_fadd(B, realc(g, 1), intr1(g, "exp", l_fneg(B, a))));
    case IR_SOFTPLUS: {
        /* a > 20 ? a + log1p(exp(-a)) : log1p(exp(a)), with one exp and one log1p */
        LLVMValueRef big = l_fcmp(B, LLVMRealOGT, a, realc(g, 20));
        LLVMValueRef l = ext1(g, "log1p", "log1pf", intr1(g, "exp", l_select(B, big, l_fneg(B, a), a)));
        return l_select(B, big, l_fadd(B, a, l), l);
    }
    case IR_MIN: return l_select(B, l_fcmp(B, LLVMRealOLT, a, b), a, b);     /* a < b ? a : b */
    case IR_MAX: return l_select(B, l_fcmp(B, LLVMRealOGE, a, b), a, b);     /* a >= b ? a : b */
    case IR_CLAMP:                                                           /* a < b ? b : a > c ? c : a */
        return l_select(B, l_fcmp(B, LLVMRealOLT, a, b), b, l_select(B, l_fcmp(B, LLVMRealOGT, a, c), c, a));
    case IR_RELU: return l_select(B, l_fcmp(B, LLVMRealOGT, a, realc(g, 0)), a, realc(g, 0));
    case IR_STEP: return l_select(B, l_fcmp(B, LLVMRealOGT, a, realc(g, 0)), realc(g, 1), realc(g, 0));
    case IR_FLOOR: return intr1(g, "floor", a);
    case IR_LT: return l_fcmp(B, LLVMRealOLT, a, b);
    case IR_LE: return l_fcmp(B, LLVMRealOLE, a, b);
    case IR_GT: return l_fcmp(B, LLVMRealOGT, a, b);
    case IR_GE: return l_fcmp(B, LLVMRealOGE, a, b);
    case IR_EQ: return l_fcmp(B, LLVMRealOEQ, a, b);
    case IR_NE: return l_fcmp(B, LLVMRealUNE, a, b);   /* C's != is true for NaN */
    case IR_AND: return l_and(B, a, b);
    case IR_OR: return l_or(B, a, b);
    case IR_NOT: return l_not(B, a);
    case IR_SELECT: return l_select(B, a, b, c);
    case IR_NOGRAD: return a;   /* identity; only the adjoint treats it differently */
    default: break;
    }
    DG_ICE("codegen: no lowering for IR op '%s'", ir_op_name(op));
}

/* ---- Leaves and the body of one cell -------------------------------------------------------- */

/* Where the leaves of a function come from in the current cell. Rows are
 * T * pointing at element 0 of a [.][ncells] (or [.][nbasins]) row. */
typedef struct {
    LLVMValueRef  c, b;          /* cell, basin (i64) */
    LLVMValueRef *param_row;     /* [nparams] */
    LLVMValueRef *input_row;     /* [ninputs], indexed by b */
    LLVMValueRef *state_val;     /* [nstates] values already loaded, or NULL */
    LLVMValueRef *state_row;     /* [nstates] rows (when state_val is NULL) */
    LLVMValueRef *seed_row;      /* [nseeds] */
    LLVMValueRef *netw_val;      /* [nnetw] loaded before the loops (shared by all cells) */
    LLVMValueRef *stat_val;      /* [2][ninputs] norm() statistics loaded before the loops, or NULL */
} Leaves;

static LLVMValueRef load_at(Cg *g, LLVMValueRef row, LLVMValueRef i) {
    if (!row) DG_ICE("codegen: leaf without a source row");
    return l_load(g->b, g->T, l_gep1(g->b, g->T, row, i, ""), "");
}

static void store_at(Cg *g, LLVMValueRef v, LLVMValueRef row, LLVMValueRef i) {
    l_store(g->b, v, l_gep1(g->b, g->T, row, i, ""));
}

static void add_at(Cg *g, LLVMValueRef v, LLVMValueRef row, LLVMValueRef i) {
    LLVMValueRef p = l_gep1(g->b, g->T, row, i, "");
    l_store(g->b, l_fadd(g->b, l_load(g->b, g->T, p, ""), v), p);
}

static bool is_leaf(IrOp op) {
    return op == IR_CONST || op == IR_PARAM || op == IR_INPUT || op == IR_STATE || op == IR_SEED || op == IR_NETW ||
           op == IR_INMEAN || op == IR_INSTD;
}

/* The value of leaf instruction `in` in the current cell. */
static LLVMValueRef emit_leaf(Cg *g, const IrInst *in, const Leaves *L) {
    switch (in->op) {
    case IR_CONST: return realc(g, in->imm);
    case IR_PARAM: return load_at(g, L->param_row[in->index], L->c);
    case IR_INPUT: return load_at(g, L->input_row[in->index], L->b);
    case IR_STATE: return L->state_val ? L->state_val[in->index] : load_at(g, L->state_row[in->index], L->c);
    case IR_SEED: return load_at(g, L->seed_row[in->index], L->c);
    case IR_NETW:
        if (!L->netw_val || !L->netw_val[in->index]) DG_ICE("codegen: network weight not loaded");
        return L->netw_val[in->index];
    case IR_INMEAN:
    case IR_INSTD: {
        int k = (in->op == IR_INSTD ? g->m->ninputs : 0) + in->index;
        if (!L->stat_val || !L->stat_val[k]) DG_ICE("codegen: input statistic not loaded");
        return L->stat_val[k];
    }
    default: DG_ICE("codegen: '%s' is not a leaf", ir_op_name(in->op));
    }
}

/* Functions longer than CG_PART_MIN instructions are emitted in parts of
 * CG_PART_SIZE (see emit_func_parts). */
enum { CG_PART_MIN = 6000, CG_PART_SIZE = 1500 };
static LLVMValueRef *emit_func_parts(Cg *g, const IrFunc *f, const Leaves *L);

/* Emits f for one cell; returns the value of every instruction, or (for a
 * function emitted in parts) of every result and leaf (caller frees). */
static LLVMValueRef *emit_func(Cg *g, const IrFunc *f, const Leaves *L) {
    if (f->n > CG_PART_MIN) return emit_func_parts(g, f, L);
    LLVMValueRef *v = malloc(sizeof(LLVMValueRef) * (size_t)(f->n ? f->n : 1));
    if (!v) DG_ICE("out of memory");
    for (int i = 0; i < f->n; i++) {
        const IrInst *in = &f->insts[i];
        if (is_leaf(in->op)) { v[i] = emit_leaf(g, in, L); continue; }
        int ar = ir_op_arity(in->op);
        v[i] = emit_op(g, in->op, v[in->a], ar > 1 ? v[in->b] : NULL, ar > 2 ? v[in->c] : NULL);
    }
    return v;
}

/* ---- Long functions in parts ------------------------------------------------------------
 * LLVM's code generator is superlinear in the size of a basic block with
 * many values live across it (instruction selection, machine sinking,
 * live intervals and the greedy register allocator all grow about
 * quadratically): a generated model with 150 states and 1,500 fluxes spent
 * minutes there on one cell-loop body. So a function longer than
 * CG_PART_MIN instructions is emitted as a chain of `noinline` part
 * functions of about CG_PART_SIZE instructions each, called in order from
 * the cell loop. A value used outside the part (or the loop body) that
 * computes it goes through a per-cell slab of T on the loop function's
 * stack: stored where it is computed, loaded where it is first used in each
 * part (constants and network weights, the same for every cell, are made or
 * read in the part itself, so no slab traffic for them). Same operations in
 * the same order, so results are bit-identical.
 * Such loops are not vectorised across cells (calls); bodies this long were
 * not vectorised either. */

static LLVMValueRef *emit_func_parts(Cg *g, const IrFunc *f, const Leaves *L) {
    int n = f->n;
    int *part = malloc(sizeof(int) * (size_t)n);    /* -1: a leaf, computed in the loop body */
    int *slot = malloc(sizeof(int) * (size_t)n);    /* slab index, or -1 */
    bool *is_bool = calloc((size_t)n, 1);
    LLVMValueRef *v = calloc((size_t)n, sizeof(LLVMValueRef));
    LLVMValueRef *local = calloc((size_t)n, sizeof(LLVMValueRef));   /* valid in part `local_in[i]` only */
    int *local_in = malloc(sizeof(int) * (size_t)n);                  /* (no clearing per part: linear) */
    if (!part || !slot || !is_bool || !v || !local || !local_in) DG_ICE("out of memory");
    int nparts = 0, in_part = 0;
    for (int i = 0; i < n; i++) {
        slot[i] = -1;
        local_in[i] = -1;
        if (is_leaf(f->insts[i].op)) { part[i] = -1; continue; }
        if (in_part == CG_PART_SIZE) { nparts++; in_part = 0; }
        part[i] = nparts;
        in_part++;
    }
    nparts++;
    /* slots: operands used outside their part, and results (read by the loop body) */
    int nslots = 0;
    for (int i = 0; i < n; i++) {
        const IrInst *in = &f->insts[i];
        if (is_leaf(in->op)) continue;
        int ar = ir_op_arity(in->op), ops[3] = {in->a, in->b, in->c};
        for (int k = 0; k < ar; k++) {
            int a = ops[k];
            IrOp aop = f->insts[a].op;   /* constants and weights are read in the part itself */
            if (aop != IR_CONST && aop != IR_NETW && part[a] != part[i] && slot[a] < 0) slot[a] = nslots++;
        }
    }
    for (int r = 0; r < f->nresults; r++) {
        int x = f->results[r];
        if (part[x] >= 0 && slot[x] < 0) slot[x] = nslots++;
    }

    /* the slab, allocated once in the entry block of the loop function */
    LLVMValueRef loop_fn = g->fn;
    LLVMBuilderRef eb = LLVMCreateBuilderInContext(g->ctx);
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(loop_fn);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first) LLVMPositionBuilderBefore(eb, first);
    else LLVMPositionBuilderAtEnd(eb, entry);
    LLVMValueRef slab = l_ptr_cast(eb, l_alloca(eb, LLVMArrayType(g->T, (unsigned)(nslots ? nslots : 1)), "slab"),
                                   g->Tp, "");
    LLVMDisposeBuilder(eb);

    /* leaves in the loop body; those a part reads go to the slab */
    for (int i = 0; i < n; i++) {
        if (part[i] >= 0) continue;
        v[i] = emit_leaf(g, &f->insts[i], L);
        if (slot[i] >= 0) store_at(g, v[i], slab, i64c(g, slot[i]));
    }

    /* the parts: void NAME.partK(T *slab, const T *netw) */
    LLVMBasicBlockRef body = LLVMGetInsertBlock(g->b);
    LLVMTypeRef part_args[2] = {g->Tp, g->Tp};
    LLVMTypeRef part_ty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), part_args, 2, 0);
    LLVMValueRef call_args[2] = {slab, g->arg[A_NETW]};
    size_t nlen;
    const char *base = LLVMGetValueName2(loop_fn, &nlen);
    int i = 0;
    for (int k = 0; k < nparts; k++) {
        char name[96];
        snprintf(name, sizeof name, "%.*s.part%d", (int)(nlen < 64 ? nlen : 64), base, k);
        LLVMValueRef fn = LLVMAddFunction(g->mod, name, part_ty);
        LLVMSetLinkage(fn, LLVMInternalLinkage);
        l_add_fn_attr(g->ctx, fn, "nounwind");
        l_add_fn_attr(g->ctx, fn, "noinline");   /* inlined back, it would be the long body again */
        for (unsigned q = 0; q < 2; q++) {
            l_add_param_attr(g->ctx, fn, q, "noalias");
            l_add_param_attr(g->ctx, fn, q, "nocapture");
        }
        LLVMValueRef ps = LLVMGetParam(fn, 0), pw = LLVMGetParam(fn, 1);
        g->fn = fn;
        LLVMPositionBuilderAtEnd(g->b, new_block(g, "entry"));
        for (; i < n && (part[i] < 0 || part[i] == k); i++) {
            const IrInst *in = &f->insts[i];
            if (part[i] < 0) continue;
            int ar = ir_op_arity(in->op), ops[3] = {in->a, in->b, in->c};
            LLVMValueRef x[3] = {NULL, NULL, NULL};
            for (int q = 0; q < ar; q++) {
                int a = ops[q];
                if (f->insts[a].op == IR_CONST) x[q] = realc(g, f->insts[a].imm);
                else if (local_in[a] == k) x[q] = local[a];
                else if (f->insts[a].op == IR_NETW) x[q] = load_at(g, pw, i64c(g, f->insts[a].index));
                else {   /* from another part or the loop body: first use in this part */
                    LLVMValueRef ld = load_at(g, ps, i64c(g, slot[a]));
                    x[q] = is_bool[a] ? l_fcmp(g->b, LLVMRealUNE, ld, realc(g, 0)) : ld;
                }
                local[a] = x[q];
                local_in[a] = k;
            }
            local[i] = emit_op(g, in->op, x[0], x[1], x[2]);
            local_in[i] = k;
            if (slot[i] >= 0) {
                is_bool[i] = LLVMTypeOf(local[i]) == g->i1;
                LLVMValueRef st = is_bool[i] ? l_select(g->b, local[i], realc(g, 1), realc(g, 0)) : local[i];
                store_at(g, st, ps, i64c(g, slot[i]));
            }
        }
        l_ret_void(g->b);
        g->fn = loop_fn;
        LLVMPositionBuilderAtEnd(g->b, body);
        l_call(g->b, part_ty, fn, call_args, 2, "");
    }

    /* results back in the loop body */
    for (int r = 0; r < f->nresults; r++) {
        int x = f->results[r];
        if (v[x]) continue;
        LLVMValueRef ld = load_at(g, slab, i64c(g, slot[x]));
        v[x] = is_bool[x] ? l_fcmp(g->b, LLVMRealUNE, ld, realc(g, 0)) : ld;
    }
    free(part);
    free(slot);
    free(is_bool);
    free(local);
    free(local_in);
    return v;
}

/* Which leaves of kind op (index < n) f reads. */
static bool *leaf_uses(const IrFunc *f, IrOp op, int n) {
    bool *used = calloc((size_t)(n + 1), 1);
    if (!used) DG_ICE("out of memory");
    for (int i = 0; i < f->n; i++)
        if (f->insts[i].op == op && f->insts[i].index >= 0 && f->insts[i].index < n) used[f->insts[i].index] = true;
    return used;
}

/* The network weights f reads, loaded once before the loops (they are the
 * same for every cell and step; loading them inside the cell loop would
 * leave hundreds of loop-invariant loads to LICM, slow on big networks). */
static LLVMValueRef *load_netw(Cg *g, const IrFunc *f) {
    int nw = g->m->nnetw;
    LLVMValueRef *vals = calloc((size_t)(nw + 1), sizeof(LLVMValueRef));
    if (!vals) DG_ICE("out of memory");
    bool *used = leaf_uses(f, IR_NETW, nw);
    for (int w = 0; w < nw; w++)
        if (used[w]) vals[w] = load_at(g, g->arg[A_NETW], i64c(g, w));
    free(used);
    return vals;
}

/* The norm() statistics f reads, [2][ninputs] (means, then standard
 * deviations), loaded once before the loops from run->input_norm: the same
 * for every cell and step, and constants of the adjoint (no gradient). */
static LLVMValueRef *load_stats(Cg *g, const IrFunc *f) {
    int ni = g->m->ninputs;
    LLVMValueRef *vals = calloc((size_t)(2 * ni + 1), sizeof(LLVMValueRef));
    if (!vals) DG_ICE("out of memory");
    bool *mean = leaf_uses(f, IR_INMEAN, ni), *std = leaf_uses(f, IR_INSTD, ni);
    for (int i = 0; i < ni; i++) {
        if (mean[i]) vals[i] = load_at(g, g->arg[A_INPUT_NORM], i64c(g, i));
        if (std[i]) vals[ni + i] = load_at(g, g->arg[A_INPUT_NORM], i64c(g, ni + i));
    }
    free(mean);
    free(std);
    return vals;
}

/* A result that is the constant +0 contributes nothing to a += accumulation. */
static bool is_zero(const IrFunc *f, int v) {
    return f->insts[v].op == IR_CONST && f->insts[v].imm == 0 && !signbit(f->insts[v].imm);
}

/* ---- Rows and loops ---------------------------------------------------------------------------- */

/* base + k * stride */
static LLVMValueRef row(Cg *g, LLVMValueRef base, long long k, LLVMValueRef stride) {
    return l_gep1(g->b, g->T, base, l_imul(g->b, i64c(g, k), stride), "");
}

/* Rows of the parameters f reads, for step t (i64): dynamic ones come from
 * dyn_params[t] when it is non-NULL. */
static void param_rows(Cg *g, const bool *used, LLVMValueRef t, LLVMValueRef *rows) {
    const IrModel *m = g->m;
    LLVMValueRef nc = g->arg[A_NCELLS];
    LLVMValueRef has_dyn = NULL, dyn_t = NULL;
    for (int p = 0; p < m->nparams; p++) {
        rows[p] = NULL;
        if (!used[p]) continue;
        rows[p] = row(g, g->arg[A_PARAMS], p, nc);
        if (m->params[p].mark != DG_PARAM_DYNAMIC) continue;
        if (!has_dyn) {
            has_dyn = l_not_null(g->b, g->arg[A_DYN]);
            dyn_t = l_gep1_any(g->b, g->T, g->arg[A_DYN], l_imul(g->b, t, l_imul(g->b, i64c(g, m->nparams), nc)), "");
        }
        LLVMValueRef drow = l_gep1_any(g->b, g->T, dyn_t, l_imul(g->b, i64c(g, p), nc), "");
        rows[p] = l_select(g->b, has_dyn, drow, rows[p]);
    }
}

/* Rows that receive d params (results 0..nparams-1 of an adjoint f) at step
 * t: dynamic parameters go to ddyn_params[t] when it is non-NULL. */
static void dparam_rows(Cg *g, const IrFunc *f, LLVMValueRef t, LLVMValueRef *rows) {
    const IrModel *m = g->m;
    LLVMValueRef nc = g->arg[A_NCELLS];
    LLVMValueRef has_ddyn = NULL, ddyn_t = NULL;
    for (int p = 0; p < m->nparams; p++) {
        rows[p] = NULL;
        if (is_zero(f, f->results[p])) continue;
        rows[p] = row(g, g->arg[A_DPARAMS], p, nc);
        if (m->params[p].mark != DG_PARAM_DYNAMIC) continue;
        if (!has_ddyn) {
            has_ddyn = l_not_null(g->b, g->arg[A_DDYN]);
            ddyn_t = l_gep1_any(g->b, g->T, g->arg[A_DDYN], l_imul(g->b, t, l_imul(g->b, i64c(g, m->nparams), nc)), "");
        }
        LLVMValueRef drow = l_gep1_any(g->b, g->T, ddyn_t, l_imul(g->b, i64c(g, p), nc), "");
        rows[p] = l_select(g->b, has_ddyn, drow, rows[p]);
    }
}

/* A counted loop: for (iv = start; iv < bound; iv++), or with down:
 * for (iv = start; iv >= 0; iv--). The body is emitted between open and close. */
typedef struct {
    LLVMValueRef      iv;
    LLVMBasicBlockRef header, exit;
    bool              down;
} Loop;

static void loop_open(Cg *g, Loop *L, LLVMValueRef start, LLVMValueRef bound, bool down, const char *name) {
    char nm[32];
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    snprintf(nm, sizeof nm, "%s.head", name);
    L->header = new_block(g, nm);
    snprintf(nm, sizeof nm, "%s.body", name);
    LLVMBasicBlockRef body = new_block(g, nm);
    snprintf(nm, sizeof nm, "%s.end", name);
    L->exit = new_block(g, nm);
    L->down = down;
    l_br(g->b, L->header);
    LLVMPositionBuilderAtEnd(g->b, L->header);
    L->iv = l_phi(g->b, g->i64, name);
    LLVMAddIncoming(L->iv, &start, &pre, 1);
    LLVMValueRef go = down ? l_icmp(g->b, LLVMIntSGE, L->iv, i64c(g, 0)) : l_icmp(g->b, LLVMIntSLT, L->iv, bound);
    l_condbr(g->b, go, body, L->exit);
    LLVMPositionBuilderAtEnd(g->b, body);
}

static void loop_close(Cg *g, Loop *L, bool vectorize) {
    LLVMValueRef next = L->down ? l_isub(g->b, L->iv, i64c(g, 1)) : l_iadd(g->b, L->iv, i64c(g, 1));
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    LLVMValueRef br = l_br(g->b, L->header);
    if (vectorize) l_mark_loop_vectorize(g->ctx, br);
    LLVMAddIncoming(L->iv, &next, &latch, 1);
    LLVMPositionBuilderAtEnd(g->b, L->exit);
}

/* Network-weight gradients: one accumulator per nonzero result, summed over
 * every cell and step of the call, added to dnetw at the end. */
typedef struct {
    LLVMValueRef *slot;   /* [nnetw] allocas or NULL */
} NetAcc;

static void netacc_open(Cg *g, const IrFunc *f, NetAcc *acc) {
    const IrModel *m = g->m;
    acc->slot = calloc((size_t)(m->nnetw + 1), sizeof(LLVMValueRef));
    if (!acc->slot) DG_ICE("out of memory");
    for (int w = 0; w < m->nnetw; w++) {
        if (is_zero(f, f->results[m->nparams + m->nstates + w])) continue;
        acc->slot[w] = l_alloca(g->b, g->T, "dnetw.acc");
        l_store(g->b, realc(g, 0), acc->slot[w]);
    }
}

static void netacc_add(Cg *g, NetAcc *acc, const IrFunc *f, LLVMValueRef *v) {
    const IrModel *m = g->m;
    for (int w = 0; w < m->nnetw; w++) {
        if (!acc->slot[w]) continue;
        LLVMValueRef r = v[f->results[m->nparams + m->nstates + w]];
        l_store(g->b, l_fadd(g->b, l_load(g->b, g->T, acc->slot[w], ""), r), acc->slot[w]);
    }
}

static void netacc_close(Cg *g, NetAcc *acc) {
    for (int w = 0; w < g->m->nnetw; w++)
        if (acc->slot[w]) add_at(g, l_load(g->b, g->T, acc->slot[w], ""), g->arg[A_DNETW], i64c(g, w));
    free(acc->slot);
}

/* d params of adjoint f for the current cell */
static void add_dparams(Cg *g, const IrFunc *f, LLVMValueRef *v, LLVMValueRef *drows, LLVMValueRef c) {
    for (int p = 0; p < g->m->nparams; p++)
        if (drows[p]) add_at(g, v[f->results[p]], drows[p], c);
}

/* ---- Kernel bodies ------------------------------------------------------------------------------- */

typedef struct {
    LLVMValueRef *param_row, *dparam_row, *input_row, *state_row, *aux_row, *seed_row, *state_val;
} Rows;

static void rows_alloc(Rows *r, int n) {
    LLVMValueRef **all[] = {&r->param_row, &r->dparam_row, &r->input_row, &r->state_row, &r->aux_row,
                            &r->seed_row, &r->state_val};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        *all[i] = calloc((size_t)(n + 1), sizeof(LLVMValueRef));
        if (!*all[i]) DG_ICE("out of memory");
    }
}

static void rows_free(Rows *r) {
    free(r->param_row);
    free(r->dparam_row);
    free(r->input_row);
    free(r->state_row);
    free(r->aux_row);
    free(r->seed_row);
    free(r->state_val);
}

/* init / prologue: for c: dst[k][c] = f(params)[k] */
static void body_cellwise(Cg *g, const IrFunc *f, LLVMValueRef dst) {
    const IrModel *m = g->m;
    LLVMValueRef nc = g->arg[A_NCELLS];
    Rows r;
    rows_alloc(&r, m->nparams + f->nresults);
    bool *used = leaf_uses(f, IR_PARAM, m->nparams);
    param_rows(g, used, i64c(g, 0), r.param_row);
    for (int k = 0; k < f->nresults; k++) r.aux_row[k] = row(g, dst, k, nc);
    LLVMValueRef *netw = load_netw(g, f);
    Loop lc;
    loop_open(g, &lc, i64c(g, 0), nc, false, "c");
    Leaves L = {.c = lc.iv, .b = lc.iv, .param_row = r.param_row, .netw_val = netw};
    LLVMValueRef *v = emit_func(g, f, &L);
    for (int k = 0; k < f->nresults; k++) store_at(g, v[f->results[k]], r.aux_row[k], lc.iv);
    free(v);
    loop_close(g, &lc, true);
    free(netw);
    free(used);
    rows_free(&r);
}

/* init_rev / prologue_rev: for c: seeds = seed[k][c]; += dparams, dnetw */
static void body_cellwise_rev(Cg *g, const IrFunc *f, LLVMValueRef seed, int nseeds) {
    const IrModel *m = g->m;
    LLVMValueRef nc = g->arg[A_NCELLS];
    Rows r;
    rows_alloc(&r, m->nparams + nseeds);
    bool *used = leaf_uses(f, IR_PARAM, m->nparams);
    bool *used_seed = leaf_uses(f, IR_SEED, nseeds);
    NetAcc acc;
    netacc_open(g, f, &acc);
    param_rows(g, used, i64c(g, 0), r.param_row);
    dparam_rows(g, f, i64c(g, 0), r.dparam_row);
    for (int k = 0; k < nseeds; k++)
        if (used_seed[k]) r.seed_row[k] = row(g, seed, k, nc);
    LLVMValueRef *netw = load_netw(g, f);
    Loop lc;
    loop_open(g, &lc, i64c(g, 0), nc, false, "c");
    Leaves L = {.c = lc.iv, .b = lc.iv, .param_row = r.param_row, .seed_row = r.seed_row, .netw_val = netw};
    LLVMValueRef *v = emit_func(g, f, &L);
    add_dparams(g, f, v, r.dparam_row, lc.iv);
    netacc_add(g, &acc, f, v);
    free(v);
    loop_close(g, &lc, true);
    netacc_close(g, &acc);
    free(netw);
    free(used);
    free(used_seed);
    rows_free(&r);
}

/* run_fwd: for t: for c: (tape,) step, states and out */
static void body_run_fwd(Cg *g, bool with_tape) {
    const IrModel *m = g->m;
    const IrFunc *f = &m->step;
    int ns = m->nstates, ni = m->ninputs, no = m->noutputs;
    LLVMValueRef nc = g->arg[A_NCELLS];
    LLVMValueRef nb = l_udiv(g->b, nc, g->ncomp);
    Rows r;
    rows_alloc(&r, m->nparams + ns + ni + no);
    bool *used = leaf_uses(f, IR_PARAM, m->nparams);
    LLVMValueRef *tape_row = calloc((size_t)(ns + 1), sizeof(LLVMValueRef));
    if (!tape_row) DG_ICE("out of memory");
    for (int s = 0; s < ns; s++) r.state_row[s] = row(g, g->arg[A_STATES], s, nc);
    LLVMValueRef *netw = load_netw(g, f), *stats = load_stats(g, f);

    Loop lt;
    loop_open(g, &lt, i64c(g, 0), g->arg[A_NSTEPS], false, "t");
    LLVMValueRef t = lt.iv;
    LLVMValueRef forcing_t = l_gep1(g->b, g->T, g->arg[A_FORCING], l_imul(g->b, t, l_imul(g->b, i64c(g, ni), nb)), "");
    for (int i = 0; i < ni; i++) r.input_row[i] = row(g, forcing_t, i, nb);
    LLVMValueRef out_t = l_gep1(g->b, g->T, g->arg[A_OUT], l_imul(g->b, t, l_imul(g->b, i64c(g, no), nc)), "");
    for (int o = 0; o < no; o++) r.aux_row[o] = row(g, out_t, o, nc);
    if (with_tape) {
        LLVMValueRef tape_t = l_gep1(g->b, g->T, g->arg[A_TAPE], l_imul(g->b, t, l_imul(g->b, i64c(g, ns), nc)), "");
        for (int s = 0; s < ns; s++) tape_row[s] = row(g, tape_t, s, nc);
    }
    param_rows(g, used, t, r.param_row);

    Loop lc;
    loop_open(g, &lc, i64c(g, 0), nc, false, "c");
    LLVMValueRef c = lc.iv;
    LLVMValueRef b = l_udiv(g->b, c, g->ncomp);
    for (int s = 0; s < ns; s++) {
        r.state_val[s] = load_at(g, r.state_row[s], c);
        if (with_tape) store_at(g, r.state_val[s], tape_row[s], c);
    }
    Leaves L = {.c = c, .b = b, .param_row = r.param_row, .input_row = r.input_row, .state_val = r.state_val,
                .netw_val = netw, .stat_val = stats};
    LLVMValueRef *v = emit_func(g, f, &L);
    for (int s = 0; s < ns; s++) store_at(g, v[f->results[s]], r.state_row[s], c);
    for (int o = 0; o < no; o++) store_at(g, v[f->results[ns + o]], r.aux_row[o], c);
    free(v);
    loop_close(g, &lc, true);
    loop_close(g, &lt, false);
    free(netw);
    free(stats);
    free(tape_row);
    free(used);
    rows_free(&r);
}

/* run_rev: for t = nsteps-1 .. 0: for c: step_rev with seeds (dstates, dout[t]);
 * with_dforcing: also dforcing[t][i][c] += d input i (results after d netw) */
static void body_run_rev(Cg *g, bool with_dforcing) {
    const IrModel *m = g->m;
    const IrFunc *f = &g->adj->step_rev;
    int np = m->nparams, ns = m->nstates, ni = m->ninputs, no = m->noutputs;
    LLVMValueRef nc = g->arg[A_NCELLS];
    LLVMValueRef nb = l_udiv(g->b, nc, g->ncomp);
    Rows r;
    rows_alloc(&r, np + ns + ni + no);
    bool *used = leaf_uses(f, IR_PARAM, np);
    bool *used_state = leaf_uses(f, IR_STATE, ns);
    bool *used_seed = leaf_uses(f, IR_SEED, ns + no);
    LLVMValueRef *dstate_row = calloc((size_t)(ns + 1), sizeof(LLVMValueRef));
    if (!dstate_row) DG_ICE("out of memory");
    for (int s = 0; s < ns; s++) dstate_row[s] = row(g, g->arg[A_DSTATES], s, nc);
    NetAcc acc;
    netacc_open(g, f, &acc);
    LLVMValueRef *netw = load_netw(g, f), *stats = load_stats(g, f);

    Loop lt;
    loop_open(g, &lt, l_isub(g->b, g->arg[A_NSTEPS], i64c(g, 1)), NULL, true, "t");
    LLVMValueRef t = lt.iv;
    LLVMValueRef forcing_t = l_gep1(g->b, g->T, g->arg[A_FORCING], l_imul(g->b, t, l_imul(g->b, i64c(g, ni), nb)), "");
    for (int i = 0; i < ni; i++) r.input_row[i] = row(g, forcing_t, i, nb);
    LLVMValueRef tape_t = l_gep1(g->b, g->T, g->arg[A_TAPE], l_imul(g->b, t, l_imul(g->b, i64c(g, ns), nc)), "");
    for (int s = 0; s < ns; s++)
        if (used_state[s]) r.state_row[s] = row(g, tape_t, s, nc);
    LLVMValueRef dout_t = l_gep1(g->b, g->T, g->arg[A_DOUT], l_imul(g->b, t, l_imul(g->b, i64c(g, no), nc)), "");
    for (int k = 0; k < ns + no; k++) {
        if (!used_seed[k]) continue;
        r.seed_row[k] = k < ns ? dstate_row[k] : row(g, dout_t, k - ns, nc);
    }
    param_rows(g, used, t, r.param_row);
    dparam_rows(g, f, t, r.dparam_row);
    LLVMValueRef *dforcing_row = calloc((size_t)(ni + 1), sizeof(LLVMValueRef));
    if (!dforcing_row) DG_ICE("out of memory");
    int dinput0 = np + ns + m->nnetw;
    if (with_dforcing && f->nresults >= dinput0 + ni) {
        LLVMValueRef df_t = l_gep1(g->b, g->T, g->arg[A_DFORCING], l_imul(g->b, t, l_imul(g->b, i64c(g, ni), nc)), "");
        for (int i = 0; i < ni; i++)
            if (!is_zero(f, f->results[dinput0 + i])) dforcing_row[i] = row(g, df_t, i, nc);
    }

    Loop lc;
    loop_open(g, &lc, i64c(g, 0), nc, false, "c");
    LLVMValueRef c = lc.iv;
    LLVMValueRef b = l_udiv(g->b, c, g->ncomp);
    Leaves L = {.c = c, .b = b, .param_row = r.param_row, .input_row = r.input_row, .state_row = r.state_row,
                .seed_row = r.seed_row, .netw_val = netw, .stat_val = stats};
    LLVMValueRef *v = emit_func(g, f, &L);
    add_dparams(g, f, v, r.dparam_row, c);
    netacc_add(g, &acc, f, v);
    for (int s = 0; s < ns; s++) store_at(g, v[f->results[np + s]], dstate_row[s], c);   /* d states at step start */
    for (int i = 0; i < ni; i++)
        if (dforcing_row[i]) add_at(g, v[f->results[dinput0 + i]], dforcing_row[i], c);
    free(v);
    loop_close(g, &lc, true);
    loop_close(g, &lt, false);
    netacc_close(g, &acc);
    free(netw);
    free(stats);
    free(dforcing_row);
    free(dstate_row);
    free(used);
    free(used_state);
    free(used_seed);
    rows_free(&r);
}

/* ---- Kernels --------------------------------------------------------------------------------------- */

/* The internal loop function of kernel k: (DgRun fields...) with noalias arrays.
 * `variant` picks the second loop function of run_fwd (writes the tape) and
 * of run_rev (adds d forcing); the kernel chooses by the pointer's NULLness. */
static LLVMValueRef emit_loops(Cg *g, KernelKind k, const char *kname, bool variant, LLVMTypeRef *fnty) {
    LLVMTypeRef params[A_COUNT];
    for (int i = 0; i < A_COUNT; i++) params[i] = i <= A_NSTEPS ? g->i64 : g->Tp;
    LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), params, A_COUNT, 0);
    *fnty = fty;
    char name[64];
    snprintf(name, sizeof name, "%s.loops%s", kname, !variant ? "" : k == K_RUN_REV ? ".dforcing" : ".tape");
    LLVMValueRef fn = LLVMAddFunction(g->mod, name, fty);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    l_add_fn_attr(g->ctx, fn, "nounwind");
    for (int i = A_PARAMS; i < A_COUNT; i++) {
        l_add_param_attr(g->ctx, fn, (unsigned)i, "noalias");
        l_add_param_attr(g->ctx, fn, (unsigned)i, "nocapture");
    }
    g->fn = fn;
    for (int i = 0; i < A_COUNT; i++) g->arg[i] = LLVMGetParam(fn, (unsigned)i);
    LLVMPositionBuilderAtEnd(g->b, new_block(g, "entry"));
    /* ncomp < 1 would divide by zero: treat it as 1 */
    LLVMValueRef pos = l_icmp(g->b, LLVMIntSGT, g->arg[A_NCOMP], i64c(g, 0));
    g->ncomp = l_select(g->b, pos, g->arg[A_NCOMP], i64c(g, 1));

    const IrModel *m = g->m;
    switch (k) {
    case K_INIT: body_cellwise(g, &m->init, g->arg[A_STATES]); break;
    case K_INIT_REV: body_cellwise_rev(g, &g->adj->init_rev, g->arg[A_DSTATES], m->nstates); break;
    case K_RUN_FWD: body_run_fwd(g, variant); break;
    case K_RUN_REV: body_run_rev(g, variant); break;
    case K_PROLOGUE: body_cellwise(g, &m->prologue, g->arg[A_OUT]); break;
    case K_PROLOGUE_REV: body_cellwise_rev(g, &g->adj->prologue_rev, g->arg[A_DOUT], m->nweights); break;
    default: DG_ICE("bad kernel kind");
    }
    l_ret_void(g->b);
    return fn;
}

/* void NAME(const DgRun *run) for kernel k: load the fields, call the loops. */
static LLVMValueRef emit_kernel(Cg *g, KernelKind k, const char *name) {
    LLVMTypeRef loops_ty;
    LLVMValueRef loops = emit_loops(g, k, name, false, &loops_ty);
    /* run_fwd: a second loop function writes the tape; run_rev: one adds d forcing */
    LLVMValueRef loops_variant = k == K_RUN_FWD || k == K_RUN_REV ? emit_loops(g, k, name, true, &loops_ty) : NULL;

    LLVMValueRef fn = LLVMAddFunction(g->mod, name, g->abi.kernel_fn);
    l_add_fn_attr(g->ctx, fn, "nounwind");
    g->fn = fn;
    LLVMPositionBuilderAtEnd(g->b, new_block(g, "entry"));
    LLVMValueRef run = LLVMGetParam(fn, 0);
    LLVMValueRef args[A_COUNT];
    for (int i = 0; i < A_COUNT; i++) {
        LLVMValueRef field = l_struct_gep(g->b, g->abi.run, run, (unsigned)i, "");
        if (i <= A_NSTEPS) args[i] = l_load(g->b, g->i64, field, "");
        else args[i] = l_ptr_cast(g->b, l_load(g->b, g->abi.str, field, ""), g->Tp, "");
    }
    if (loops_variant) {   /* run_fwd writes the tape only when there is one; run_rev d forcing likewise */
        LLVMBasicBlockRef yes = new_block(g, "tape"), no = new_block(g, "notape"), done = new_block(g, "done");
        l_condbr(g->b, l_not_null(g->b, args[k == K_RUN_REV ? A_DFORCING : A_TAPE]), yes, no);
        LLVMPositionBuilderAtEnd(g->b, yes);
        l_call(g->b, loops_ty, loops_variant, args, A_COUNT, "");
        l_br(g->b, done);
        LLVMPositionBuilderAtEnd(g->b, no);
        l_call(g->b, loops_ty, loops, args, A_COUNT, "");
        l_br(g->b, done);
        LLVMPositionBuilderAtEnd(g->b, done);
    } else {
        l_call(g->b, loops_ty, loops, args, A_COUNT, "");
    }
    l_ret_void(g->b);
    return fn;
}

/* ---- The dg_model global ------------------------------------------------------------------------------ */

static LLVMValueRef cstr(Cg *g, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s);
    LLVMValueRef init = LLVMConstStringInContext(g->ctx, s, (unsigned)n, 0);   /* with the NUL */
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), ".str");
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
    return l_const_ptr_cast(gv, g->abi.str);
}

static LLVMValueRef i32c(Cg *g, long long v) { return LLVMConstInt(g->abi.i32, (unsigned long long)v, 1); }
static LLVMValueRef f64c(Cg *g, double v) { return LLVMConstReal(g->abi.f64, v); }

/* A private constant array; returns a pointer to its first element (NULL when n == 0). */
static LLVMValueRef const_array(Cg *g, LLVMTypeRef elem, LLVMValueRef *vals, int n, const char *name) {
    if (n == 0) return LLVMConstPointerNull(l_ptr_type(elem));
    LLVMValueRef init = LLVMConstArray(elem, vals, (unsigned)n);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMArrayType(elem, (unsigned)n), name);
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    return l_const_ptr_cast(gv, l_ptr_type(elem));
}

static void emit_model_global(Cg *g, LLVMValueRef kernels[K_COUNT][2]) {
    const IrModel *m = g->m;
    CgAbi *A = &g->abi;
    int nmax = m->nparams + m->ninputs + m->nstates + m->noutputs + m->nnets + 1;
    LLVMValueRef *items = malloc(sizeof(LLVMValueRef) * (size_t)nmax);
    if (!items) DG_ICE("out of memory");

    for (int i = 0; i < m->nparams; i++) {
        const IrParam *p = &m->params[i];
        LLVMValueRef f[7] = {cstr(g, p->name), cstr(g, p->unit),
                             f64c(g, p->has_bounds ? p->lo : NAN), f64c(g, p->has_bounds ? p->hi : NAN),
                             f64c(g, p->has_value ? p->value : NAN), i32c(g, p->mark), i32c(g, p->basin_level)};
        items[i] = LLVMConstNamedStruct(A->param_info, f, 7);
    }
    LLVMValueRef params = const_array(g, A->param_info, items, m->nparams, "dg_model.params");
    for (int i = 0; i < m->ninputs; i++) {
        LLVMValueRef f[2] = {cstr(g, m->inputs[i].name), cstr(g, m->inputs[i].unit)};
        items[i] = LLVMConstNamedStruct(A->name_info, f, 2);
    }
    LLVMValueRef inputs = const_array(g, A->name_info, items, m->ninputs, "dg_model.inputs");
    for (int i = 0; i < m->nstates; i++) {
        LLVMValueRef f[2] = {cstr(g, m->states[i].name), cstr(g, m->states[i].unit)};
        items[i] = LLVMConstNamedStruct(A->name_info, f, 2);
    }
    LLVMValueRef states = const_array(g, A->name_info, items, m->nstates, "dg_model.states");
    for (int i = 0; i < m->noutputs; i++) {
        const IrOutput *o = &m->outputs[i];
        LLVMValueRef f[4] = {cstr(g, o->name), cstr(g, o->unit), i32c(g, o->route_weights),
                             i32c(g, o->route_weights >= 0 ? o->route_len : 0)};
        items[i] = LLVMConstNamedStruct(A->output_info, f, 4);
    }
    LLVMValueRef outputs = const_array(g, A->output_info, items, m->noutputs, "dg_model.outputs");
    for (int i = 0; i < m->nnets; i++) {
        const IrNet *n = &m->nets[i];
        LLVMValueRef *sz = malloc(sizeof(LLVMValueRef) * (size_t)(n->nsizes + 1));
        if (!sz) DG_ICE("out of memory");
        for (int k = 0; k < n->nsizes; k++) sz[k] = i32c(g, n->sizes[k]);
        LLVMValueRef sizes = const_array(g, A->i32, sz, n->nsizes, "dg_model.net.sizes");
        free(sz);
        LLVMValueRef f[6] = {cstr(g, n->name), i32c(g, n->nsizes), sizes, i32c(g, n->offset),
                             cstr(g, n->activation), cstr(g, n->output_activation)};
        items[i] = LLVMConstNamedStruct(A->net_info, f, 6);
    }
    LLVMValueRef nets = const_array(g, A->net_info, items, m->nnets, "dg_model.nets");
    free(items);

    const IrLearn *ln = &m->learn;
    int nl = (ln->nforcings > ln->nattributes ? ln->nforcings : ln->nattributes) + 1;
    LLVMValueRef *li = malloc(sizeof(LLVMValueRef) * (size_t)nl);
    if (!li) DG_ICE("out of memory");
    for (int i = 0; i < ln->nforcings; i++) li[i] = i32c(g, ln->forcings[i]);
    LLVMValueRef lforcings = const_array(g, A->i32, li, ln->nforcings, "dg_model.learn.forcings");
    for (int i = 0; i < ln->nattributes; i++) li[i] = cstr(g, ln->attributes[i]);
    LLVMValueRef lattrs = const_array(g, A->str, li, ln->nattributes, "dg_model.learn.attributes");
    free(li);
    LLVMValueRef lf[8] = {i32c(g, ln->kind), i32c(g, ln->hidden), i32c(g, ln->layers), f64c(g, ln->dropout),
                          i32c(g, ln->nforcings), lforcings, i32c(g, ln->nattributes), lattrs};
    LLVMValueRef learn = LLVMConstNamedStruct(A->learn_info, lf, 8);
    LLVMValueRef *ni = malloc(sizeof(LLVMValueRef) * (size_t)(m->ninputs + 1));
    if (!ni) DG_ICE("out of memory");
    int nnorm = 0;
    for (int i = 0; i < m->ninputs; i++)
        if (m->input_normed[i]) ni[nnorm++] = i32c(g, i);
    LLVMValueRef norm_inputs = const_array(g, A->i32, ni, nnorm, "dg_model.norm_inputs");
    free(ni);

    LLVMValueRef f[CG_MODEL_NFIELDS] = {
        [CG_MODEL_ABI_VERSION] = LLVMConstInt(A->i32, DG_ABI_VERSION, 0),
        [CG_MODEL_NAME] = cstr(g, m->name),           [CG_MODEL_DOC] = cstr(g, m->doc),
        [CG_MODEL_NPARAMS] = i32c(g, m->nparams),     [CG_MODEL_NINPUTS] = i32c(g, m->ninputs),
        [CG_MODEL_NSTATES] = i32c(g, m->nstates),     [CG_MODEL_NUSER_STATES] = i32c(g, m->nuser_states),
        [CG_MODEL_NOUTPUTS] = i32c(g, m->noutputs),   [CG_MODEL_NWEIGHTS] = i32c(g, m->nweights),
        [CG_MODEL_COMPONENTS] = i32c(g, m->components),
        [CG_MODEL_NNETW] = i32c(g, m->nnetw),         [CG_MODEL_NNETS] = i32c(g, m->nnets),
        [CG_MODEL_PARAMS] = params, [CG_MODEL_INPUTS] = inputs, [CG_MODEL_STATES] = states,
        [CG_MODEL_OUTPUTS] = outputs, [CG_MODEL_NETS] = nets, [CG_MODEL_LEARN] = learn,
        [CG_MODEL_BUILT_FOR] = cstr(g, g->target ? g->target->built_for : ""),
        [CG_MODEL_NNORM_INPUTS] = i32c(g, nnorm),     [CG_MODEL_NORM_INPUTS] = norm_inputs,
    };
    static const int field_of[K_COUNT] = {CG_MODEL_INIT, CG_MODEL_INIT_REV, CG_MODEL_RUN_FWD,
                                          CG_MODEL_RUN_REV, CG_MODEL_PROLOGUE, CG_MODEL_PROLOGUE_REV};
    for (int k = 0; k < K_COUNT; k++) f[field_of[k]] = LLVMConstArray(A->kernel_ptr, kernels[k], 2);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, A->model, "dg_model");
    LLVMSetInitializer(gv, LLVMConstNamedStruct(A->model, f, CG_MODEL_NFIELDS));
    LLVMSetGlobalConstant(gv, 1);
}

/* ---- Entry point ------------------------------------------------------------------------------------------ */

static void set_precision(Cg *g, bool f32) {
    g->f32 = f32;
    g->T = f32 ? g->abi.f32 : g->abi.f64;
    g->Tp = l_ptr_type(g->T);
    LLVMTypeRef two[2] = {g->T, g->T};
    g->fn1 = LLVMFunctionType(g->T, two, 1, 0);
    g->fn2 = LLVMFunctionType(g->T, two, 2, 0);
}

/* LLVM's own diagnostics: errors are printed; warnings and remarks (e.g.
 * "loop not vectorized" for a cell loop whose body calls tanh) only with
 * $DGC_LLVM_REMARKS set, since a user cannot act on them. */
static void llvm_diagnostic(LLVMDiagnosticInfoRef di, void *ctx) {
    (void)ctx;
    LLVMDiagnosticSeverity sev = LLVMGetDiagInfoSeverity(di);
    if (sev != LLVMDSError && !getenv("DGC_LLVM_REMARKS")) return;
    char *msg = LLVMGetDiagInfoDescription(di);
    fprintf(stderr, "dgc: LLVM %s: %s\n", sev == LLVMDSError ? "error" : sev == LLVMDSWarning ? "warning" : "remark",
            msg);
    LLVMDisposeMessage(msg);
}

/* One module with everything (split == NULL), or split->kernel[i] with
 * kernel i's body alone and split->meta with dg_model (see codegen.h). */
static LLVMModuleRef generate(LLVMContextRef ctx, Arena *a, const IrModel *m, const CgTarget *t, Diag *d,
                              CgSplit *split) {
    CgAdjoints adj;
    if (!cg_build_adjoints(a, m, d, &adj)) return NULL;
    LLVMContextSetDiagnosticHandler(ctx, llvm_diagnostic, NULL);
    Cg g = {.ctx = ctx, .m = m, .adj = &adj, .target = t};
    g.b = LLVMCreateBuilderInContext(ctx);
    cg_abi_types(ctx, &g.abi);
    g.i1 = LLVMInt1TypeInContext(ctx);
    g.i64 = g.abi.i64;
    LLVMModuleRef whole = split ? NULL : LLVMModuleCreateWithNameInContext(arena_printf(a, "dg.%s", m->name), ctx);

    LLVMValueRef kernels[K_COUNT][2];
    for (int prec = 0; prec < 2; prec++) {   /* DG_F32, DG_F64 */
        set_precision(&g, prec == DG_F32);
        for (int k = 0; k < K_COUNT; k++) {
            int i = cg_kernel_index(k, prec);
            char name[32];   /* "dgk_prologue_rev_f64" at most */
            snprintf(name, sizeof name, "dgk_%s_%s", kernel_name[k], prec == DG_F32 ? "f32" : "f64");
            if (split) {
                snprintf(split->name[i], sizeof split->name[i], "%s", name);
                snprintf(split->body_name[i], sizeof split->body_name[i], "%s.body", name);
                g.mod = split->kernel[i] = LLVMModuleCreateWithNameInContext(split->body_name[i], ctx);
                emit_kernel(&g, (KernelKind)k, split->body_name[i]);
                vecmath_keep_declarations(g.mod);
            } else {
                g.mod = whole;
                kernels[k][prec] = emit_kernel(&g, (KernelKind)k, name);
            }
        }
    }
    if (split) {   /* dg_model refers to the kernels by their public names */
        g.mod = split->meta = LLVMModuleCreateWithNameInContext(arena_printf(a, "dg.%s", m->name), ctx);
        for (int prec = 0; prec < 2; prec++)
            for (int k = 0; k < K_COUNT; k++)
                kernels[k][prec] = LLVMAddFunction(g.mod, split->name[cg_kernel_index(k, prec)], g.abi.kernel_fn);
    }
    if (!split) vecmath_keep_declarations(whole);
    emit_model_global(&g, kernels);
    LLVMDisposeBuilder(g.b);
    return g.mod;
}

int cg_kernel_index(int kind, int prec) { return prec * K_COUNT + kind; }

LLVMModuleRef cg_model(LLVMContextRef ctx, Arena *a, const IrModel *m, const CgTarget *t, Diag *d) {
    return generate(ctx, a, m, t, d, NULL);
}

bool cg_model_split(LLVMContextRef ctx, Arena *a, const IrModel *m, const CgTarget *t, Diag *d, CgSplit *out) {
    memset(out, 0, sizeof *out);
    return generate(ctx, a, m, t, d, out) != NULL;
}

/* ---- Vector width probe (for target.c) ------------------------------------------------------------------- */

/* void dg.vector_probe(float *noalias a, float *noalias b, i64 n):
 *   for (i = 0; i < n; i++) a[i] = b[i] * 3        (marked for vectorisation) */
LLVMModuleRef cg_vector_probe(LLVMContextRef ctx) {
    Cg g = {.ctx = ctx};
    g.mod = LLVMModuleCreateWithNameInContext("dg.vector_probe", ctx);
    g.b = LLVMCreateBuilderInContext(ctx);
    g.i64 = LLVMInt64TypeInContext(ctx);
    g.T = LLVMFloatTypeInContext(ctx);
    LLVMTypeRef params[3] = {l_ptr_type(g.T), l_ptr_type(g.T), g.i64};
    g.fn = LLVMAddFunction(g.mod, "dg.vector_probe", LLVMFunctionType(LLVMVoidTypeInContext(ctx), params, 3, 0));
    l_add_param_attr(ctx, g.fn, 0, "noalias");
    l_add_param_attr(ctx, g.fn, 1, "noalias");
    LLVMPositionBuilderAtEnd(g.b, new_block(&g, "entry"));
    Loop L;
    loop_open(&g, &L, i64c(&g, 0), LLVMGetParam(g.fn, 2), false, "i");
    LLVMValueRef x = l_load(g.b, g.T, l_gep1(g.b, g.T, LLVMGetParam(g.fn, 1), L.iv, ""), "");
    l_store(g.b, l_fmul(g.b, x, realc(&g, 3)), l_gep1(g.b, g.T, LLVMGetParam(g.fn, 0), L.iv, ""));
    loop_close(&g, &L, true);
    l_ret_void(g.b);
    LLVMDisposeBuilder(g.b);
    return g.mod;
}
