/* codegen.h — dgc's LLVM back end, one stage per file:
 *   codegen.c  IrModel -> LLVMModuleRef (kernels + the `dg_model` global)
 *   target.c   TargetMachine for the host, a generic or a named CPU; triple +
 *              data layout on every module; what the code is built for
 *   vecmath.c  vector math across cells: SLEEF variants of tanh, log1p, lgamma, ...
 *   emit.c     LLVMVerifyModule, optimisation (LLVMRunPasses), .o / .ll files
 *   link.c     system `cc`: object + the runtime library -> executable
 *   jit.c      ORC LLJIT: the same module compiled in-process -> const DgModel *
 * Only codegen.c builds instructions (through llvm_compat.h). */
#ifndef DG_CODEGEN_H
#define DG_CODEGEN_H

#include <stdbool.h>
#include <stdio.h>
#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "dgrt.h"
#include "ir.h"

/* ---- ABI types (codegen.c) --------------------------------------------------------
 * The LLVM struct types of runtime/dgrt.h, built in one place (after
 * PostgreSQL's llvmjit_types.c) and checked against offsetof/sizeof by
 * tests/unit/test_abi_layout.c. Field indices: grep ORDER DgRun / DgModel. */
enum {   /* grep ORDER DgRun */
    CG_RUN_NCELLS, CG_RUN_NCOMP, CG_RUN_NSTEPS, CG_RUN_PARAMS, CG_RUN_DYN_PARAMS, CG_RUN_FORCING,
    CG_RUN_STATES, CG_RUN_OUT, CG_RUN_TAPE, CG_RUN_DOUT, CG_RUN_DPARAMS, CG_RUN_DDYN_PARAMS,
    CG_RUN_DSTATES, CG_RUN_NETW, CG_RUN_DNETW, CG_RUN_DFORCING, CG_RUN_INPUT_NORM, CG_RUN_NFIELDS
};
enum {   /* grep ORDER DgModel */
    CG_MODEL_ABI_VERSION, CG_MODEL_NAME, CG_MODEL_DOC, CG_MODEL_NPARAMS, CG_MODEL_NINPUTS, CG_MODEL_NSTATES,
    CG_MODEL_NUSER_STATES, CG_MODEL_NOUTPUTS, CG_MODEL_NWEIGHTS, CG_MODEL_COMPONENTS, CG_MODEL_NNETW,
    CG_MODEL_NNETS, CG_MODEL_PARAMS, CG_MODEL_INPUTS, CG_MODEL_STATES, CG_MODEL_OUTPUTS, CG_MODEL_NETS,
    CG_MODEL_INIT, CG_MODEL_INIT_REV, CG_MODEL_RUN_FWD, CG_MODEL_RUN_REV, CG_MODEL_PROLOGUE,
    CG_MODEL_PROLOGUE_REV, CG_MODEL_LEARN, CG_MODEL_BUILT_FOR, CG_MODEL_NNORM_INPUTS, CG_MODEL_NORM_INPUTS,
    CG_MODEL_NFIELDS
};

typedef struct {
    LLVMTypeRef i8, i32, i64, f32, f64;
    LLVMTypeRef str;           /* const char * */
    LLVMTypeRef run;           /* DgRun */
    LLVMTypeRef kernel_fn;     /* void (const DgRun *) */
    LLVMTypeRef kernel_ptr;    /* DgKernel */
    LLVMTypeRef param_info;    /* DgParamInfo */
    LLVMTypeRef name_info;     /* DgNameInfo */
    LLVMTypeRef output_info;   /* DgOutputInfo */
    LLVMTypeRef net_info;      /* DgNetInfo */
    LLVMTypeRef learn_info;    /* DgLearnInfo */
    LLVMTypeRef model;         /* DgModel */
} CgAbi;

/* Builds (or finds, when already built in ctx) the ABI struct types. */
void cg_abi_types(LLVMContextRef ctx, CgAbi *abi);

/* ---- The target as code generation sees it (target.c: target_describe) ------------- */

typedef struct {
    char built_for[128];   /* DgModel.built_for: "x86_64 cpu skylake-avx512, 256-bit vectors" */
    int  vector_bits;      /* widest vectors the loop vectoriser makes here (0: none) */
} CgTarget;

/* ---- Code generation (codegen.c) ---------------------------------------------------- */

/* The adjoints the kernels implement: ad_reverse of init, step and prologue,
 * each verified (a verify failure is an internal error). False after
 * reporting an op without a derivative rule into d. */
typedef struct {
    IrFunc init_rev, step_rev, prologue_rev;
} CgAdjoints;
bool cg_build_adjoints(Arena *a, const IrModel *m, Diag *d, CgAdjoints *out);

/* The module of one model, created in ctx (owned by the caller, who
 * disposes the module): for each precision (f32, f64) the kernels
 *   void dgk_<init|init_rev|run_fwd|run_rev|prologue|prologue_rev>_<f32|f64>(const DgRun *)
 * and the constant `dg_model`. NULL after reporting errors into d. */
LLVMModuleRef cg_model(LLVMContextRef ctx, Arena *a, const IrModel *m, const CgTarget *t, Diag *d);

/* The same code as modules the lazy JIT can compile one kernel at a time:
 * kernel[i] defines body_name[i] ("dgk_run_fwd_f64.body") alone; meta
 * defines dg_model, which refers to name[i] ("dgk_run_fwd_f64"), to be
 * bound to the bodies by the JIT. i = cg_kernel_index(kind, precision),
 * kind in the order of DgModel's kernel arrays (init .. prologue_rev). */
enum { CG_NKERNELS = 12, CG_KERNEL_NAME_MAX = 48 };
typedef struct {
    LLVMModuleRef meta;
    LLVMModuleRef kernel[CG_NKERNELS];
    char          name[CG_NKERNELS][CG_KERNEL_NAME_MAX];
    char          body_name[CG_NKERNELS][CG_KERNEL_NAME_MAX];
} CgSplit;
bool cg_model_split(LLVMContextRef ctx, Arena *a, const IrModel *m, const CgTarget *t, Diag *d, CgSplit *out);
int  cg_kernel_index(int kind, int prec);

/* A module with one loop over floats marked for vectorisation: target.c
 * vectorises it to learn a target's vector width. Caller disposes. */
LLVMModuleRef cg_vector_probe(LLVMContextRef ctx);

/* ---- Vector math (vecmath.c) -------------------------------------------------------- */

/* Offers the loop vectoriser SLEEF's variants of the scalar math function
 * `scalar` ("tanh", "log1pf", "dgrt_lgamma", ...) that `call` calls, for
 * the widths up to vector_bits; nothing for functions without variants. */
void vecmath_offer_variants(LLVMModuleRef mod, LLVMValueRef call, const char *scalar, bool f32, int vector_bits);
/* Keeps the offered variants' declarations alive until the vectoriser has
 * run (@llvm.compiler.used); once per module, after the last call. */
void vecmath_keep_declarations(LLVMModuleRef mod);
/* Every variant that generated code may call, for the JIT to resolve. */
typedef struct {
    const char *name;
    void (*addr)(void);
} VecmathSymbol;
const VecmathSymbol *vecmath_jit_symbols(int *n);

/* ---- Options and timing of the back end ------------------------------------------- */

typedef struct {
    int  opt_level;      /* 0..3 */
    const char *target_cpu;  /* AOT: TARGET_CPU_NATIVE (also NULL), TARGET_CPU_GENERIC or an LLVM
                              * CPU name; checked with target_cpu_known. The JIT ignores it (host). */
    const char *emit_llvm;   /* write the optimised module here (NULL: no) */
    const char *emit_obj;    /* write the object file here (NULL: no) */
    bool jit_eager;          /* JIT: compile every kernel now, not at its first call */
} CgOptions;

typedef struct {         /* seconds */
    double codegen, optimize, machine_code;
    int    modules;          /* modules compiled to machine code (lazy JIT: one per kernel called + 1) */
} CgTimes;

double cg_now(void);     /* monotonic clock, seconds */

/* ---- Target (target.c) ---------------------------------------------------------------- */

/* Initialises the native target once; false (message to err) when LLVM has
 * none. target_init_for: the first call's optimisation level also sets
 * LLVM's process-wide options (no SLP vectoriser below -O3). */
bool target_init(FILE *err);
bool target_init_for(int opt_level, FILE *err);
/* --target-cpu values besides LLVM's CPU names */
#define TARGET_CPU_NATIVE  "native"    /* this machine's CPU and features (default) */
#define TARGET_CPU_GENERIC "generic"   /* the architecture's baseline (x86-64: SSE2) */
/* False when LLVM does not know cpu (a name other than native/generic);
 * other LLVM messages about it go to err. opt_level: of the compilation to
 * come, as this may be the process's first use of LLVM (target_init_for). */
bool target_cpu_known(const char *cpu, int opt_level, FILE *err);
/* A TargetMachine for the host triple and cpu (as CgOptions.target_cpu).
 * PIC. NULL after a message to err. Caller disposes. */
LLVMTargetMachineRef target_create_machine(const char *cpu, int opt_level, bool jit, FILE *err);
/* What tm builds: CgTarget.built_for and .vector_bits. */
void target_describe(LLVMTargetMachineRef tm, CgTarget *out);
/* Sets the triple and data layout of tm on m (pitfall 14). */
void target_configure_module(LLVMModuleRef m, LLVMTargetMachineRef tm);

/* ---- Emission (emit.c) ------------------------------------------------------------------ */

bool emit_verify(LLVMModuleRef m, FILE *err);
/* LLVMRunPasses("default<On>"); nothing at -O0. */
bool emit_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, int opt_level, FILE *err);
bool emit_llvm_ir(LLVMModuleRef m, const char *path, FILE *err);
bool emit_object(LLVMModuleRef m, LLVMTargetMachineRef tm, const char *path, FILE *err);

/* ---- Linking (link.c) ------------------------------------------------------------------- */

/* Runs the system C compiler ($DGC_CC, else cc) to link `object` with the
 * runtime library (whose main() calls dgrt_main(&dg_model, ...)) into `out`. */
bool link_executable(const char *object, const char *out, FILE *err);
/* The object + the model library (runtime/dgc_model_api.h, BMI) -> a shared library. */
bool link_shared_library(const char *object, const char *out, FILE *err);

/* ---- Ahead-of-time pipeline (emit.c) -------------------------------------------------- */

typedef enum { CG_OK = 0, CG_PROGRAM_ERROR = 1, CG_LLVM_ERROR = 3 } CgStatus;   /* = dgc exit codes */

/* Generates, verifies, optimises and writes o->emit_llvm / o->emit_obj. */
CgStatus cg_compile_aot(const IrModel *m, Arena *a, Diag *d, const CgOptions *o, CgTimes *times, FILE *err);

/* ---- JIT (jit.c) -------------------------------------------------------------------------- */

typedef struct DgJit DgJit;

/* Compiles m in-process. On CG_OK *jit owns the code and *model points into
 * it (valid until jit_dispose). Kernels are compiled at their first call
 * unless o->jit_eager (or files to emit); *times covers what was compiled
 * so far, jit_times everything up to now. A kernel that fails to compile
 * at its first call ends the process with exit status 3. */
CgStatus jit_compile(const IrModel *m, Arena *a, Diag *d, const CgOptions *o, DgJit **jit, const DgModel **model,
                     CgTimes *times, FILE *err);
void jit_times(const DgJit *jit, CgTimes *times);
void jit_dispose(DgJit *jit);

#endif
