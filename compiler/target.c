/* target.c — the machine code is for: the host triple, with either this
 * machine's CPU and features (the JIT; AOT with --cpu=native) or a generic
 * CPU (portable executables; pitfall 15: never a hardcoded CPU name), and
 * the triple + data layout of that TargetMachine set on every module
 * (pitfall 14), so generated code and the C runtime agree on the ABI. */
#include "codegen.h"

#include <stdlib.h>
#include <string.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

static bool initialized;

bool target_init(FILE *err) { return target_init_for(2, err); }

/* opt_level: of the first compilation of this process. Below -O3 the SLP
 * vectoriser is switched off: the loop vectoriser works across cells, and
 * SLP on the long straight-line cell bodies dominated compile time (43% on
 * a model with in-equation networks). LLVM 14 gates that pass only by its
 * command-line option, not by LLVMPassBuilderOptionsSetSLPVectorization. */
bool target_init_for(int opt_level, FILE *err) {
    if (initialized) return true;
    if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter() || LLVMInitializeNativeAsmParser()) {
        fprintf(err, "dgc: LLVM has no native target for this machine\n");
        return false;
    }
    initialized = true;
    /* plus, for debugging, LLVM's own options from DGC_LLVM_ARGS (e.g. "-time-passes") */
    const char *args = getenv("DGC_LLVM_ARGS");
    static char *copy;   /* stays alive: LLVM may keep pointers into argv */
    copy = strdup(args ? args : "");
    const char *argv[64] = {"dgc"};
    int argc = 1;
    if (opt_level < 3) argv[argc++] = "-vectorize-slp=false";
    /* vectorised exp/log/pow/sin/cos across cells: glibc's libmvec (linked
     * into executables with -lmvec, registered with the JIT in jit.c) */
    if (opt_level > 0) argv[argc++] = "-vector-library=LIBMVEC-X86";
    for (char *save = NULL, *a = strtok_r(copy, " ", &save); a && argc < 63; a = strtok_r(NULL, " ", &save))
        argv[argc++] = a;
    LLVMParseCommandLineOptions(argc, argv, "dgc");
    return true;
}

static LLVMCodeGenOptLevel codegen_level(int opt_level) {
    switch (opt_level) {
    case 0: return LLVMCodeGenLevelNone;
    case 1: return LLVMCodeGenLevelLess;
    case 2: return LLVMCodeGenLevelDefault;
    default: return LLVMCodeGenLevelAggressive;
    }
}

LLVMTargetMachineRef target_create_machine(bool host_cpu, int opt_level, bool jit, FILE *err) {
    if (!target_init_for(opt_level, err)) return NULL;
    char *triple = LLVMGetDefaultTargetTriple();   /* disposed below */
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
        fprintf(err, "dgc: no LLVM target for '%s': %s\n", triple, msg ? msg : "?");
        LLVMDisposeMessage(msg);
        LLVMDisposeMessage(triple);
        return NULL;
    }
    char *cpu = host_cpu ? LLVMGetHostCPUName() : NULL;
    char *features = host_cpu ? LLVMGetHostCPUFeatures() : NULL;
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, cpu ? cpu : "generic", features ? features : "",
                                                      codegen_level(opt_level), LLVMRelocPIC,
                                                      jit ? LLVMCodeModelJITDefault : LLVMCodeModelDefault);
    if (!tm) fprintf(err, "dgc: cannot create an LLVM target machine for '%s'\n", triple);
    if (cpu) LLVMDisposeMessage(cpu);
    if (features) LLVMDisposeMessage(features);
    LLVMDisposeMessage(triple);
    return tm;
}

void target_configure_module(LLVMModuleRef m, LLVMTargetMachineRef tm) {
    char *triple = LLVMGetTargetMachineTriple(tm);
    LLVMSetTarget(m, triple);
    LLVMDisposeMessage(triple);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    char *layout = LLVMCopyStringRepOfTargetData(td);
    LLVMSetDataLayout(m, layout);
    LLVMDisposeMessage(layout);
    LLVMDisposeTargetData(td);
}
