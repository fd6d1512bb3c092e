/* jit.c — ORC LLJIT through the C API: the module codegen.c makes for a
 * model, compiled in-process, and its `dg_model` returned.
 * The generated code calls only math functions; each is registered
 * explicitly as an absolute symbol with this process's address (STYLE
 * pitfall 10: ELF executables don't export their symbols, so looking them
 * up in the process would need -rdynamic, and unreferenced archive members
 * would be dropped by the linker). Names go through the JIT's mangler
 * (pitfall 11). All ORC calls live in this file; the API differences
 * between LLVM 14 and later are noted where they matter (pitfall 9).
 *
 * Kernels are compiled lazily (what `dgc run` does): codegen.c makes one
 * module per kernel body (cg_model_split), `dg_model` points to lazy
 * re-exports, and a kernel is optimised (IR transform layer) and compiled
 * on its first call, so `dgc run model.dg simulate` compiles the three f64
 * kernels it calls, not all twelve. With --emit-llvm/--emit-obj or
 * CgOptions.jit_eager the whole module is optimised and compiled at once. */
#include "codegen.h"
#include "progress.h"

#include <math.h>
#include <stdint.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm/Config/llvm-config.h>

struct DgJit {
    LLVMOrcLLJITRef                  jit;
    LLVMOrcIndirectStubsManagerRef   ism;       /* lazy: stubs of the kernels */
    LLVMOrcLazyCallThroughManagerRef lctm;      /* lazy: compile on first call */
    LLVMTargetMachineRef             opt_tm;    /* lazy: for optimising each module as it is compiled */
    int                              opt_level;
    FILE                            *err;
    CgTimes                          times;     /* cumulative */
    double                           t_mark;    /* end of the last module's optimisation */
    char                             what[96];  /* "model 'NAME'", for progress lines */
    LLVMOrcThreadSafeModuleRef      *spent;     /* LLVM 14: wrappers the transform layer leaks (below) */
    int                              nspent, capspent;
};

/* Optimising each module as the JIT compiles it uses the IR transform
 * layer. Its C wrapper leaks the heap ThreadSafeModule it hands to the
 * transform in LLVM 14 (llvm/llvm-project#56953, fixed for LLVM 16): we keep
 * those (moved-from, empty) wrappers and dispose of them ourselves. LLVM 15
 * may or may not have the fix, so there modules are optimised before they
 * are added and only their machine code is made lazily. */
#if LLVM_VERSION_MAJOR == 15
#define LAZY_OPTIMIZE 0
#else
#define LAZY_OPTIMIZE 1
#endif

/* ---- Symbols the generated code may reference ----------------------------------- */

typedef struct {
    const char *name;
    void (*addr)(void);
} RuntimeSym;

#define SYM(f) {#f, (void (*)(void))(f)}

/* Everything a kernel can call: the runtime helpers, the libm functions
 * codegen.c calls by name, and the ones LLVM lowers math intrinsics to
 * (llvm.exp -> exp, ..., sin+cos of one value -> sincos, pow(2|10, x) ->
 * exp2/exp10, ldexp from exp2 of an integer) or emits for memory idioms. */
static const RuntimeSym runtime_syms[] = {
    SYM(dgrt_lgamma), SYM(dgrt_digamma), SYM(dgrt_lgammaf), SYM(dgrt_digammaf),
    SYM(tanh), SYM(tanhf), SYM(log1p), SYM(log1pf), SYM(tan), SYM(tanf),
    SYM(asin), SYM(asinf), SYM(acos), SYM(acosf), SYM(atan), SYM(atanf),
    SYM(exp), SYM(expf), SYM(exp2), SYM(exp2f), SYM(exp10), SYM(exp10f), SYM(expm1), SYM(expm1f),
    SYM(log), SYM(logf), SYM(log2), SYM(log2f), SYM(log10), SYM(log10f),
    SYM(pow), SYM(powf), SYM(sqrt), SYM(sqrtf), SYM(fabs), SYM(fabsf),
    SYM(sin), SYM(sinf), SYM(cos), SYM(cosf), SYM(sincos), SYM(sincosf),
    SYM(ldexp), SYM(ldexpf), SYM(fmod), SYM(fmodf), SYM(floor), SYM(floorf), SYM(ceil), SYM(ceilf),
    SYM(memset), SYM(memcpy), SYM(memmove),
};

static void report_error(void *ctx, LLVMErrorRef e) {
    char *msg = LLVMGetErrorMessage(e);   /* consumes e */
    fprintf((FILE *)ctx, "dgc: JIT error: %s\n", msg);
    LLVMDisposeErrorMessage(msg);
}

/* Prints and consumes e; returns false when there was one. */
static bool ok(LLVMErrorRef e, const char *what, FILE *err) {
    if (!e) return true;
    char *msg = LLVMGetErrorMessage(e);
    fprintf(err, "dgc: %s: %s\n", what, msg);
    LLVMDisposeErrorMessage(msg);
    return false;
}

/* Vector variants of exp/log/pow/sin/cos that the loop vectoriser calls
 * with -vector-library=LIBMVEC-X86 (target.c): glibc's libmvec, looked up
 * in the library itself (a fixed list, so nothing else is exposed). SLEEF's
 * variants of tanh, log1p, ... (vecmath.c) come with their addresses: dgc
 * links libsleef.
 * b = SSE, c = AVX, d = AVX2, e = AVX-512; N = lanes; v/vv = arguments. */
static const char *const libmvec_names[] = {
    "_ZGVbN2v_exp",  "_ZGVcN4v_exp",  "_ZGVdN4v_exp",  "_ZGVeN8v_exp",
    "_ZGVbN4v_expf", "_ZGVcN8v_expf", "_ZGVdN8v_expf", "_ZGVeN16v_expf",
    "_ZGVbN2v_log",  "_ZGVcN4v_log",  "_ZGVdN4v_log",  "_ZGVeN8v_log",
    "_ZGVbN4v_logf", "_ZGVcN8v_logf", "_ZGVdN8v_logf", "_ZGVeN16v_logf",
    "_ZGVbN2vv_pow", "_ZGVcN4vv_pow", "_ZGVdN4vv_pow", "_ZGVeN8vv_pow",
    "_ZGVbN4vv_powf", "_ZGVcN8vv_powf", "_ZGVdN8vv_powf", "_ZGVeN16vv_powf",
    "_ZGVbN2v_sin",  "_ZGVcN4v_sin",  "_ZGVdN4v_sin",  "_ZGVeN8v_sin",
    "_ZGVbN4v_sinf", "_ZGVcN8v_sinf", "_ZGVdN8v_sinf", "_ZGVeN16v_sinf",
    "_ZGVbN2v_cos",  "_ZGVcN4v_cos",  "_ZGVdN4v_cos",  "_ZGVeN8v_cos",
    "_ZGVbN4v_cosf", "_ZGVcN8v_cosf", "_ZGVdN8v_cosf", "_ZGVeN16v_cosf",
};

static bool define_runtime_symbols(LLVMOrcLLJITRef jit, FILE *err) {
    size_t nrt = sizeof runtime_syms / sizeof runtime_syms[0];
    size_t nvec = sizeof libmvec_names / sizeof libmvec_names[0];
    int nsleef = 0;
    const VecmathSymbol *sleef = vecmath_jit_symbols(&nsleef);   /* SLEEF, linked into dgc */
    void *mvec = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);   /* kept open for the process's life */
    /* LLVMOrcCSymbolMapPairs points to LLVMJITCSymbolMapPair (LLVM 14) or
     * LLVMOrcCSymbolMapPair (15+): sized through the pointer, it fits both. */
    size_t total = nrt + nvec + (size_t)nsleef;
    LLVMOrcCSymbolMapPairs pairs = calloc(total, sizeof *pairs);
    if (!pairs) return false;
    size_t n = 0;
    for (size_t i = 0; i < total; i++) {
        const char *name;
        void *addr;
        if (i < nrt) name = runtime_syms[i].name, addr = (void *)runtime_syms[i].addr;
        else if (i < nrt + nvec) name = libmvec_names[i - nrt], addr = mvec ? dlsym(mvec, name) : NULL;
        else name = sleef[i - nrt - nvec].name, addr = (void *)sleef[i - nrt - nvec].addr;
        if (!addr) continue;   /* not in this libmvec (e.g. AVX-512 variants of older glibc): never emitted here */
        pairs[n].Name = LLVMOrcLLJITMangleAndIntern(jit, name);   /* retained; owned by the MU */
        pairs[n].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)addr;
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        pairs[i].Sym.Flags.GenericFlags = LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable;
        pairs[i].Sym.Flags.TargetFlags = 0;
    }
    LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(pairs, n);
    free(pairs);
    LLVMErrorRef e = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit), mu);   /* owns mu on success */
    if (e) LLVMOrcDisposeMaterializationUnit(mu);
    return ok(e, "cannot register runtime symbols with the JIT", err);
}

/* ---- Lazy compilation: transforms that optimise and time each module -------------- */

static LLVMErrorRef optimize_module(void *ctx, LLVMModuleRef m) {
    DgJit *dj = ctx;
    size_t len;
    const char *id = LLVMGetModuleIdentifier(m, &len);   /* "dgk_run_rev_f32.body" */
    char what[160];
    snprintf(what, sizeof what, "kernel %.*s of %s", (int)(len > 5 && !strcmp(id + len - 5, ".body") ? len - 5 : len),
             id, dj->what);
    progress_begin(what);   /* ended in object_transform, when its machine code is made */
    progress_phase("optimising");
    if (!emit_optimize(m, dj->opt_tm, dj->opt_level, dj->err)) return LLVMCreateStringError("optimisation failed");
    return NULL;
}

static LLVMErrorRef ir_transform(void *ctx, LLVMOrcThreadSafeModuleRef *mod, LLVMOrcMaterializationResponsibilityRef mr) {
    (void)mr;
    DgJit *dj = ctx;
#if LLVM_VERSION_MAJOR <= 14
    if (dj->nspent == dj->capspent) {
        dj->capspent = dj->capspent ? 2 * dj->capspent : 16;
        dj->spent = realloc(dj->spent, sizeof *dj->spent * (size_t)dj->capspent);
        if (!dj->spent) DG_ICE("out of memory");
    }
    dj->spent[dj->nspent++] = *mod;   /* LLVM moves the module out of it after we return */
#endif
    double t0 = cg_now();
    LLVMErrorRef e = LLVMOrcThreadSafeModuleWithModuleDo(*mod, optimize_module, dj);
    progress_phase("generating machine code");
    dj->t_mark = cg_now();
    dj->times.optimize += dj->t_mark - t0;
    return e;
}

/* runs right after a module's machine code is made (same thread) */
static LLVMErrorRef object_transform(void *ctx, LLVMMemoryBufferRef *obj) {
    (void)obj;
    DgJit *dj = ctx;
    dj->times.machine_code += cg_now() - dj->t_mark;
    dj->times.modules++;
    progress_end();
    return NULL;
}

/* where a lazy call lands when compiling its kernel failed (reported by the error reporter) */
static void lazy_compile_failed(void) {
    fflush(stdout);
    fprintf(stderr, "dgc: JIT: a kernel could not be compiled\n");
    exit(3);
}

/* name[i] = lazy re-export of body_name[i] (both in the main JITDylib) */
static bool define_lazy_kernels(DgJit *dj, const CgSplit *split, FILE *err) {
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(dj->jit);
    LLVMOrcCSymbolAliasMapPair aliases[CG_NKERNELS];
    LLVMJITSymbolFlags flags = {LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable, 0};
    for (int i = 0; i < CG_NKERNELS; i++) {
        aliases[i].Name = LLVMOrcLLJITMangleAndIntern(dj->jit, split->name[i]);   /* owned by the MU */
        aliases[i].Entry.Name = LLVMOrcLLJITMangleAndIntern(dj->jit, split->body_name[i]);
        aliases[i].Entry.Flags = flags;
    }
    LLVMOrcMaterializationUnitRef mu = LLVMOrcLazyReexports(dj->lctm, dj->ism, jd, aliases, CG_NKERNELS);
    LLVMErrorRef e = LLVMOrcJITDylibDefine(jd, mu);   /* owns mu on success */
    if (e) LLVMOrcDisposeMaterializationUnit(mu);
    return ok(e, "cannot define the lazy kernels", err);
}

/* ---- Compile ---------------------------------------------------------------------- */

static bool add_module(DgJit *dj, LLVMModuleRef mod, LLVMOrcThreadSafeContextRef tsc, FILE *err) {
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsc);   /* takes mod */
    LLVMErrorRef e = LLVMOrcLLJITAddLLVMIRModule(dj->jit, LLVMOrcLLJITGetMainJITDylib(dj->jit), tsm);
    if (e) LLVMOrcDisposeThreadSafeModule(tsm);   /* owned by the JIT only on success */
    return ok(e, "cannot add a module to the JIT", err);
}

CgStatus jit_compile(const IrModel *ir, Arena *a, Diag *d, const CgOptions *o, DgJit **out_jit,
                     const DgModel **out_model, CgTimes *times, FILE *err) {
    *out_jit = NULL;
    *out_model = NULL;
    DgJit *dj = calloc(1, sizeof *dj);
    if (!dj) DG_ICE("out of memory");
    dj->opt_level = o->opt_level;
    dj->err = err;
    snprintf(dj->what, sizeof dj->what, "model '%.64s'", ir->name);
    LLVMTargetMachineRef tm = target_create_machine(TARGET_CPU_NATIVE, o->opt_level, true, err);
    if (!tm) {
        free(dj);
        return CG_LLVM_ERROR;
    }
    /* lazy unless files are wanted, asked not to, or the target has no stubs */
    bool lazy = !o->emit_llvm && !o->emit_obj && !o->jit_eager;
    if (lazy) {
        char *triple = LLVMGetTargetMachineTriple(tm);
        dj->ism = LLVMOrcCreateLocalIndirectStubsManager(triple);
        LLVMDisposeMessage(triple);
        lazy = dj->ism != NULL;
    }
    if (lazy && !(dj->opt_tm = target_create_machine(TARGET_CPU_NATIVE, o->opt_level, true, err))) {
        LLVMDisposeTargetMachine(tm);
        jit_dispose(dj);
        return CG_LLVM_ERROR;
    }

    /* ---- LLVM IR in a thread-safe context (disposed below; the modules keep it) */
    LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
    LLVMContextRef ctx = LLVMOrcThreadSafeContextGetContext(tsc);
    CgSplit split;
    LLVMModuleRef whole = NULL;
    progress_begin(dj->what);   /* ended before the lookup when lazy (each kernel has its own), after it when eager */
    progress_phase("generating LLVM IR");
    double t0 = cg_now();
    CgTarget target;
    target_describe(tm, &target);
    bool made = lazy ? cg_model_split(ctx, a, ir, &target, d, &split)
                     : (whole = cg_model(ctx, a, ir, &target, d)) != NULL;
    dj->times.codegen = cg_now() - t0;
    if (!made) {
        progress_end();
        LLVMOrcDisposeThreadSafeContext(tsc);
        LLVMDisposeTargetMachine(tm);
        jit_dispose(dj);
        return CG_PROGRAM_ERROR;
    }
    int nmods = lazy ? CG_NKERNELS + 1 : 1;
    LLVMModuleRef mods[CG_NKERNELS + 1];
    if (lazy) {
        memcpy(mods, split.kernel, sizeof split.kernel);
        mods[CG_NKERNELS] = split.meta;
    } else {
        mods[0] = whole;
    }
    for (int i = 0; i < nmods; i++) {
        target_configure_module(mods[i], tm);
        if (!emit_verify(mods[i], err)) DG_ICE("generated module of '%s' does not verify", ir->name);
    }
    bool good = true;
    progress_phase("optimising");
    if (lazy && !LAZY_OPTIMIZE) {   /* optimise now, make machine code lazily */
        t0 = cg_now();
        for (int i = 0; good && i < nmods; i++) good = emit_optimize(mods[i], tm, o->opt_level, err);
        dj->times.optimize = cg_now() - t0;
    }
    if (!lazy) {
        t0 = cg_now();
        good = emit_optimize(whole, tm, o->opt_level, err);
        dj->times.optimize = cg_now() - t0;
        if (good && o->emit_llvm) good = emit_llvm_ir(whole, o->emit_llvm, err);
        if (good && o->emit_obj) good = emit_object(whole, tm, o->emit_obj, err);
    }

    /* ---- the JIT: it compiles with the settings of tm (the builder takes
     * tm, and the LLJIT the builder, even on failure) */
    if (good) {
        LLVMOrcJITTargetMachineBuilderRef jtmb = LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(tm);
        LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
        LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);
        good = ok(LLVMOrcCreateLLJIT(&dj->jit, builder), "cannot create the JIT", err);
    } else {
        LLVMDisposeTargetMachine(tm);
    }
    if (good) {
        LLVMOrcExecutionSessionRef es = LLVMOrcLLJITGetExecutionSession(dj->jit);
        LLVMOrcExecutionSessionSetErrorReporter(es, report_error, err);
        if (lazy) {
            if (LAZY_OPTIMIZE)
                LLVMOrcIRTransformLayerSetTransform(LLVMOrcLLJITGetIRTransformLayer(dj->jit), ir_transform, dj);
            LLVMOrcObjectTransformLayerSetTransform(LLVMOrcLLJITGetObjTransformLayer(dj->jit), object_transform, dj);
            good = ok(LLVMOrcCreateLocalLazyCallThroughManager(LLVMOrcLLJITGetTripleString(dj->jit), es,
                                                               (LLVMOrcJITTargetAddress)(uintptr_t)lazy_compile_failed,
                                                               &dj->lctm),
                      "cannot create the JIT's lazy call-through manager", err);
        }
    }
    good = good && define_runtime_symbols(dj->jit, err);
    int added = 0;
    for (; good && added < nmods; added++) good = add_module(dj, mods[added], tsc, err);
    for (int i = added; i < nmods; i++) LLVMDisposeModule(mods[i]);   /* not handed over */
    LLVMOrcDisposeThreadSafeContext(tsc);   /* the TSMs keep the context alive */
    if (good && lazy) good = define_lazy_kernels(dj, &split, err);

    /* machine code is generated here, at the first lookup (pitfall 12); lazily
     * compiled kernels at their first call */
    LLVMOrcExecutorAddress addr = 0;
    if (lazy) progress_end();
    else progress_phase("generating machine code");
    t0 = cg_now();
    if (good) good = ok(LLVMOrcLLJITLookup(dj->jit, &addr, "dg_model"), "JIT lookup of 'dg_model' failed", err) && addr;
    if (!lazy) {
        dj->times.machine_code = cg_now() - t0;
        dj->times.modules = 1;
        progress_end();
    }
    if (!good) {
        jit_dispose(dj);
        return CG_LLVM_ERROR;
    }
    if (times) *times = dj->times;
    *out_jit = dj;
    *out_model = (const DgModel *)(uintptr_t)addr;
    return CG_OK;
}

void jit_times(const DgJit *dj, CgTimes *times) { *times = dj->times; }

void jit_dispose(DgJit *dj) {
    if (!dj) return;
    /* stubs and call-through manager first, as LLVM's lazy C example does */
    if (dj->ism) LLVMOrcDisposeIndirectStubsManager(dj->ism);
    if (dj->lctm) LLVMOrcDisposeLazyCallThroughManager(dj->lctm);
    if (dj->jit) ok(LLVMOrcDisposeLLJIT(dj->jit), "disposing the JIT", stderr);
    if (dj->opt_tm) LLVMDisposeTargetMachine(dj->opt_tm);
    for (int i = 0; i < dj->nspent; i++) LLVMOrcDisposeThreadSafeModule(dj->spent[i]);   /* empty wrappers */
    free(dj->spent);
    free(dj);
}
