/* emit.c — from a generated module to files: LLVMVerifyModule, the new
 * pass manager's default<On> pipeline (LLVMRunPasses, llvm-c/Transforms/
 * PassBuilder.h, LLVM 13+; the legacy PassManagerBuilder is gone in 17),
 * object files and textual IR; and the ahead-of-time pipeline that strings
 * codegen, target, optimisation and emission together. */
#include "codegen.h"
#include "progress.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/Transforms/PassBuilder.h>

bool emit_verify(LLVMModuleRef m, FILE *err) {
    char *msg = NULL;
    bool bad = LLVMVerifyModule(m, LLVMReturnStatusAction, &msg);
    if (bad) fprintf(err, "dgc: internal error: generated LLVM IR does not verify:\n%s\n", msg ? msg : "");
    LLVMDisposeMessage(msg);
    return !bad;
}

bool emit_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, int opt_level, FILE *err) {
    if (opt_level <= 0) return true;
    if (opt_level > 3) opt_level = 3;
    char pipeline[32];
    snprintf(pipeline, sizeof pipeline, "default<O%d>", opt_level);
    /* The kernels are loops over cells around one long basic block: the
     * loop vectoriser (across cells, -O2 and up) is what pays. Interleaving
     * vectorised loops, SLP inside the block and runtime unrolling roughly
     * double compile time and code size for little gain; only -O3 has them. */
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(opts, opt_level >= 2);
    LLVMPassBuilderOptionsSetSLPVectorization(opts, opt_level >= 3);
    LLVMPassBuilderOptionsSetLoopInterleaving(opts, opt_level >= 3);
    LLVMPassBuilderOptionsSetLoopUnrolling(opts, opt_level >= 3);
    LLVMErrorRef e = LLVMRunPasses(m, pipeline, tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);   /* consumes e */
        fprintf(err, "dgc: LLVM optimisation failed: %s\n", msg);
        LLVMDisposeErrorMessage(msg);
        return false;
    }
    return true;
}

bool emit_llvm_ir(LLVMModuleRef m, const char *path, FILE *err) {
    char *msg = NULL;
    if (LLVMPrintModuleToFile(m, path, &msg)) {
        fprintf(err, "dgc: cannot write '%s': %s\n", path, msg ? msg : "?");
        LLVMDisposeMessage(msg);
        return false;
    }
    return true;
}

bool emit_object(LLVMModuleRef m, LLVMTargetMachineRef tm, const char *path, FILE *err) {
    char *msg = NULL;
    /* the C API takes a non-const file name; it is not modified */
    if (LLVMTargetMachineEmitToFile(tm, m, (char *)path, LLVMObjectFile, &msg)) {
        fprintf(err, "dgc: cannot write object file '%s': %s\n", path, msg ? msg : "?");
        LLVMDisposeMessage(msg);
        return false;
    }
    return true;
}

CgStatus cg_compile_aot(const IrModel *ir, Arena *a, Diag *d, const CgOptions *o, CgTimes *times, FILE *err) {
    CgTimes tt = {0};
    LLVMTargetMachineRef tm = target_create_machine(o->target_cpu, o->opt_level, false, err);
    if (!tm) return CG_LLVM_ERROR;
    LLVMContextRef ctx = LLVMContextCreate();
    CgStatus rc = CG_OK;
    char what[96];
    snprintf(what, sizeof what, "model '%.64s'", ir->name);
    progress_begin(what);
    progress_phase("generating LLVM IR");
    double t0 = cg_now();
    CgTarget target;
    target_describe(tm, &target);
    LLVMModuleRef mod = cg_model(ctx, a, ir, &target, d);   /* owned here; disposed below */
    tt.codegen = cg_now() - t0;
    if (!mod) {
        rc = CG_PROGRAM_ERROR;
        goto done;
    }
    target_configure_module(mod, tm);
    if (!emit_verify(mod, err)) DG_ICE("generated module of '%s' does not verify", ir->name);
    progress_phase("optimising");
    t0 = cg_now();
    if (!emit_optimize(mod, tm, o->opt_level, err)) rc = CG_LLVM_ERROR;
    tt.optimize = cg_now() - t0;
    if (rc == CG_OK && o->emit_llvm && !emit_llvm_ir(mod, o->emit_llvm, err)) rc = CG_LLVM_ERROR;
    progress_phase("generating machine code");
    t0 = cg_now();
    if (rc == CG_OK && o->emit_obj && !emit_object(mod, tm, o->emit_obj, err)) rc = CG_LLVM_ERROR;
    tt.machine_code = cg_now() - t0;
    tt.modules = o->emit_obj ? 1 : 0;
    LLVMDisposeModule(mod);
done:
    progress_end();
    LLVMContextDispose(ctx);
    LLVMDisposeTargetMachine(tm);
    if (times) *times = tt;
    return rc;
}
