/* target.c — the machine code is for: the host triple, with the CPU that
 * --target-cpu names: this machine's CPU and features ("native": the JIT
 * always, and executables by default, so that `dgc -o` runs the kernels the
 * JIT runs — issue 12 reverses STYLE pitfall 15's generic default for AOT),
 * a generic CPU (portable executables), or an LLVM CPU name (x86-64-v3,
 * skylake-avx512, ...). The triple + data layout of that TargetMachine are
 * set on every module (pitfall 14), so generated code and the C runtime
 * agree on the ABI; and the target is described for `MODEL info` with the
 * vector width its loop vectoriser uses (which vector math variants fit). */
#include "codegen.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <llvm-c/Error.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

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

static bool is_native(const char *cpu) { return !cpu || !strcmp(cpu, TARGET_CPU_NATIVE); }

/* A machine for cpu with LLVM's diagnostics going wherever stderr goes. */
static LLVMTargetMachineRef create_machine(const char *cpu, int opt_level, bool jit, FILE *err) {
    char *triple = LLVMGetDefaultTargetTriple();   /* disposed below */
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
        fprintf(err, "dgc: no LLVM target for '%s': %s\n", triple, msg ? msg : "?");
        LLVMDisposeMessage(msg);
        LLVMDisposeMessage(triple);
        return NULL;
    }
    bool host = is_native(cpu);
    char *host_cpu = host ? LLVMGetHostCPUName() : NULL;
    char *features = host ? LLVMGetHostCPUFeatures() : NULL;
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, host ? host_cpu : cpu, features ? features : "",
                                                      codegen_level(opt_level), LLVMRelocPIC,
                                                      jit ? LLVMCodeModelJITDefault : LLVMCodeModelDefault);
    if (!tm) fprintf(err, "dgc: cannot create an LLVM target machine for '%s'\n", triple);
    if (host_cpu) LLVMDisposeMessage(host_cpu);
    if (features) LLVMDisposeMessage(features);
    LLVMDisposeMessage(triple);
    return tm;
}

LLVMTargetMachineRef target_create_machine(const char *cpu, int opt_level, bool jit, FILE *err) {
    if (!target_init_for(opt_level, err)) return NULL;
    return create_machine(cpu, opt_level, jit, err);
}

/* LLVM takes a CPU name it does not know with only a warning on stderr
 * ("'x' is not a recognized processor for this target (ignoring
 * processor)") and goes on with a generic CPU, and the C API has no list to
 * check a name against. So a machine is made once with stderr (file
 * descriptor 2, where LLVM writes) sent to a temporary file, and that
 * warning becomes the caller's usage error; anything else is passed on. */
bool target_cpu_known(const char *cpu, int opt_level, FILE *err) {
    if (is_native(cpu) || !strcmp(cpu, TARGET_CPU_GENERIC)) return true;
    if (!*cpu) return false;
    if (!target_init_for(opt_level, err)) return true;   /* reported; the caller fails on the machine */
    FILE *capture = tmpfile();
    int saved = capture ? dup(2) : -1;
    if (saved < 0) {   /* cannot capture: LLVM's own warning will have to do */
        if (capture) fclose(capture);
        return true;
    }
    fflush(stderr);
    dup2(fileno(capture), 2);
    LLVMTargetMachineRef tm = create_machine(cpu, 0, false, capture);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (tm) LLVMDisposeTargetMachine(tm);
    bool known = true;
    char line[512];
    rewind(capture);
    while (fgets(line, sizeof line, capture)) {
        if (strstr(line, "is not a recognized processor")) known = false;
        else fputs(line, err);
    }
    fclose(capture);
    return known;
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

/* ---- What the code is built for --------------------------------------------------------- */

/* The widest vectors (bits) the loop vectoriser makes for tm: it
 * vectorises a probe loop over floats (codegen.c) and the widest vector in
 * the result is the answer; 0 when it does not vectorise. The C API cannot
 * tell the vector registers of a named CPU, and this is the width that
 * matters: a vector math variant wider than it could be offered to a target
 * whose registers cannot pass it (vecmath.c). */
static int vector_bits(LLVMTargetMachineRef tm) {
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef m = cg_vector_probe(ctx);   /* disposed below */
    target_configure_module(m, tm);
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(opts, 1);
    LLVMPassBuilderOptionsSetLoopInterleaving(opts, 0);   /* one vector per iteration: its width is the answer */
    LLVMPassBuilderOptionsSetLoopUnrolling(opts, 0);
    LLVMErrorRef e = LLVMRunPasses(m, "default<O2>", tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    int bits = 0;
    if (e) LLVMConsumeError(e);
    for (LLVMValueRef f = e ? NULL : LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
                LLVMTypeRef ty = LLVMTypeOf(i);
                if (LLVMGetTypeKind(ty) != LLVMVectorTypeKind) continue;
                if (LLVMGetTypeKind(LLVMGetElementType(ty)) != LLVMFloatTypeKind) continue;
                int w = 32 * (int)LLVMGetVectorSize(ty);
                if (w > bits) bits = w;
            }
    LLVMDisposeModule(m);
    LLVMContextDispose(ctx);
    return bits;
}

/* Whether the comma-separated feature list has "+name". */
static bool has_feature(const char *features, const char *name) {
    size_t n = strlen(name);
    for (const char *p = features; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (p[0] == '+' && !strncmp(p + 1, name, n) && (p[n + 1] == ',' || !p[n + 1])) return true;
    return false;
}

/* "x86_64 cpu skylake-avx512, 256-bit vectors"; for the host (the only
 * machine made with explicit features) also its widest SIMD extensions:
 * "x86_64 cpu rocketlake (native: +avx512f,+avx2,+fma), 256-bit vectors". */
void target_describe(LLVMTargetMachineRef tm, CgTarget *out) {
    char *triple = LLVMGetTargetMachineTriple(tm);
    char *cpu = LLVMGetTargetMachineCPU(tm);
    char *features = LLVMGetTargetMachineFeatureString(tm);
    out->vector_bits = vector_bits(tm);
    char simd[64] = "";
    static const char *const widest_first[] = {"avx512f", "avx2", "fma", "avx", "sse4.2"};
    int shown = 0;
    for (size_t i = 0; i < sizeof widest_first / sizeof widest_first[0] && shown < 3; i++)
        if (has_feature(features, widest_first[i]))
            snprintf(simd + strlen(simd), sizeof simd - strlen(simd), "%s+%s", shown++ ? "," : "", widest_first[i]);
    char vectors[32];
    if (out->vector_bits) snprintf(vectors, sizeof vectors, "%d-bit vectors", out->vector_bits);
    else snprintf(vectors, sizeof vectors, "no vectors");
    int arch_len = (int)strcspn(triple, "-");
    if (features && *features)
        snprintf(out->built_for, sizeof out->built_for, "%.*s cpu %s (native%s%s), %s", arch_len, triple, cpu,
                 shown ? ": " : "", simd, vectors);
    else
        snprintf(out->built_for, sizeof out->built_for, "%.*s cpu %s, %s", arch_len, triple, cpu, vectors);
    LLVMDisposeMessage(features);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(triple);
}
