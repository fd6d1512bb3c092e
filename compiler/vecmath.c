/* vecmath.c — vector math across cells beyond what LLVM maps by itself.
 * LLVM's -vector-library=LIBMVEC-X86 (target.c) gives the loop vectoriser
 * glibc's vector exp, log, pow, sin and cos. The other functions kernels call
 * (tanh: smooth steps, GR4J, network activations; log1p: softplus; lgamma:
 * the gamma unit hydrograph; tan, asin, acos, atan) have no variant there,
 * and a cell loop that calls one of them stays scalar. SLEEF (Debian
 * libsleef-dev) has them all: each such call carries LLVM's
 * "vector-function-abi-variant" attribute naming SLEEF's functions for the
 * vector widths this target's loop vectoriser uses (CgTarget.vector_bits;
 * a wider variant would take its argument in registers the target lacks),
 * and the vectoriser calls them for 2..16 cells at once.
 * Accuracy: SLEEF's u10 variants (within 1.0 ulp, SLEEF's bound, as glibc's
 * scalar functions), except tanh: u35 (3.5 ulp). Its u10 variant computes in
 * double-double and costs 5.4 ns per double on this Xeon (4 lanes) where
 * glibc's scalar tanh needs 1.1 ns for the saturated arguments of smooth
 * steps (tanh(5 x) with |x| large), u35 2.1 ns (9.2, 4.3 and 2.0 ns on
 * [-3, 3], network activations). 3.5 ulp is 8e-16 relative: vector lanes and
 * scalar cells still agree to 1e-12 (tests/unit/test_opt_equiv.c,
 * tests/e2e/vector_math.sh; the bound of test_codegen_equiv.c).
 * Executables link libsleef through the runtime (runtime/CMakeLists.txt);
 * the JIT resolves the names through vecmath_jit_symbols. */
#include "codegen.h"
#include "llvm_compat.h"

#include <stdio.h>
#include <string.h>

/* The scalar functions with SLEEF variants: F(SLEEF's name, f64 name, f32
 * name, accuracy). dgrt_lgamma is glibc's lgamma (runtime/dgrt_math.c); its
 * SLEEF variant is slower per value (20 ns vs 8), but it lets the routing
 * prologue loop vectorise with the exp and pow calls around it. */
#define VEC_FNS(F)                                                                                           \
    F(tanh, tanh, tanhf, u35) F(log1p, log1p, log1pf, u10) F(lgamma, dgrt_lgamma, dgrt_lgammaf, u10)        \
    F(tan, tan, tanf, u10) F(asin, asin, asinf, u10) F(acos, acos, acosf, u10) F(atan, atan, atanf, u10)

typedef struct {
    const char *sleef, *f64, *f32, *accuracy;
} VecFn;

#define ENTRY(sleef, f64, f32, acc) {#sleef, #f64, #f32, #acc},
static const VecFn vec_fns[] = {VEC_FNS(ENTRY)};
#undef ENTRY
enum { NVEC_FNS = sizeof vec_fns / sizeof vec_fns[0] };

/* SLEEF's x86 names: Sleef_<fn><d|f><lanes>_<accuracy> with 128-, 256- and 512-bit
 * vectors (d2 d4 d8, f4 f8 f16). Other architectures name theirs apart
 * (advsimd, sve), so none are offered there. */
#if defined(__x86_64__)
#define VECMATH_LANES 3
static const int lanes_f64[VECMATH_LANES] = {2, 4, 8}, lanes_f32[VECMATH_LANES] = {4, 8, 16};
#else
#define VECMATH_LANES 0
static const int lanes_f64[1] = {0}, lanes_f32[1] = {0};
#endif

static const VecFn *find(const char *scalar, bool f32) {
    for (int i = 0; i < NVEC_FNS; i++)
        if (!strcmp(scalar, f32 ? vec_fns[i].f32 : vec_fns[i].f64)) return &vec_fns[i];
    return NULL;
}

/* ---- Annotating calls ---------------------------------------------------------------- */

/* <lanes x elem> name(<lanes x elem>), declared once in mod, pure like its
 * scalar twin. */
static void declare_variant(LLVMModuleRef mod, const char *name, LLVMTypeRef elem, int lanes) {
    if (LLVMGetNamedFunction(mod, name)) return;
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef vty = LLVMVectorType(elem, (unsigned)lanes);
    LLVMValueRef fn = LLVMAddFunction(mod, name, LLVMFunctionType(vty, &vty, 1, 0));
    l_add_fn_attr(ctx, fn, "nounwind");
    l_add_fn_attr(ctx, fn, "willreturn");
    l_add_fn_attr_pure(ctx, fn);
}

void vecmath_offer_variants(LLVMModuleRef mod, LLVMValueRef call, const char *scalar, bool f32, int vector_bits) {
    const VecFn *v = find(scalar, f32);
    if (!v) return;
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef elem = f32 ? LLVMFloatTypeInContext(ctx) : LLVMDoubleTypeInContext(ctx);
    int elem_bits = f32 ? 32 : 64;
    /* "_ZGV_LLVM_N4v_tanh(Sleef_tanhd4_u35),...": LLVM's vector function ABI
     * mangling: not masked (N), 4 lanes, one vector argument (v) */
    char mappings[512] = "";
    size_t len = 0;
    for (int i = 0; i < VECMATH_LANES; i++) {
        int lanes = f32 ? lanes_f32[i] : lanes_f64[i];
        if (lanes * elem_bits > vector_bits) break;
        char name[64];
        snprintf(name, sizeof name, "Sleef_%s%c%d_%s", v->sleef, f32 ? 'f' : 'd', lanes, v->accuracy);
        declare_variant(mod, name, elem, lanes);
        len += (size_t)snprintf(mappings + len, sizeof mappings - len, "%s_ZGV_LLVM_N%dv_%s(%s)", len ? "," : "",
                                lanes, scalar, name);
    }
    if (!len) return;
    static const char key[] = "vector-function-abi-variant";
    LLVMAttributeRef a = LLVMCreateStringAttribute(ctx, key, sizeof key - 1, mappings, (unsigned)len);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, a);
}

/* The variants are called only once the vectoriser has run; until then the
 * optimiser would delete their unused declarations (and with them the
 * mappings). @llvm.compiler.used keeps them, as LLVM's own InjectTLIMappings
 * does for the libraries it knows. */
static bool is_variant(LLVMValueRef f) {
    size_t len;
    const char *name = LLVMGetValueName2(f, &len);
    return len > 6 && !strncmp(name, "Sleef_", 6);
}

void vecmath_keep_declarations(LLVMModuleRef mod) {
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef i8p = l_ptr_type(LLVMInt8TypeInContext(ctx));
    LLVMValueRef used[NVEC_FNS * 2 * (VECMATH_LANES + 1)];   /* each function, precision and width at most once */
    unsigned k = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f))
        if (is_variant(f) && k < sizeof used / sizeof used[0]) used[k++] = l_const_ptr_cast(f, i8p);
    if (!k) return;
    LLVMValueRef gv = LLVMAddGlobal(mod, LLVMArrayType(i8p, k), "llvm.compiler.used");
    LLVMSetInitializer(gv, LLVMConstArray(i8p, used, k));
    LLVMSetLinkage(gv, LLVMAppendingLinkage);
    LLVMSetSection(gv, "llvm.metadata");
}

/* ---- Symbols for the JIT --------------------------------------------------------------- */

/* SLEEF's functions take and return SIMD vectors, which no C code here
 * handles (and sleef.h declares them only when compiled for those
 * instruction sets): they are declared as plain functions for their
 * addresses alone, and never called from C. */
#if defined(__x86_64__)
#define VARIANTS(fn, f64, f32, u) X(fn, d2, u) X(fn, d4, u) X(fn, d8, u) X(fn, f4, u) X(fn, f8, u) X(fn, f16, u)
#define X(fn, v, u) void Sleef_##fn##v##_##u(void);
VEC_FNS(VARIANTS)
#undef X
#define X(fn, v, u) {"Sleef_" #fn #v "_" #u, Sleef_##fn##v##_##u},
static const VecmathSymbol symbols[] = {VEC_FNS(VARIANTS)};
#undef X
#else
static const VecmathSymbol symbols[1];
#endif

const VecmathSymbol *vecmath_jit_symbols(int *n) {
    *n = VECMATH_LANES ? (int)(sizeof symbols / sizeof symbols[0]) : 0;
    return symbols;
}
