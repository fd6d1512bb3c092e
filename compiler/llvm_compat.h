/* llvm_compat.h — the LLVM C API as dgc uses it, across LLVM 14 .. 19+.
 * Every instruction builder call of codegen.c goes through an l_* wrapper
 * here (after PostgreSQL's llvmjit_emit.h), and only the opaque-pointer-safe
 * `*2` builders are used: the caller always passes its own LLVMTypeRef of
 * the loaded/indexed/called thing, never one derived from a pointer
 * (typed pointers are gone from LLVM 17 on; STYLE pitfall 7).
 * Version differences are guarded with LLVM_VERSION_MAJOR here and in
 * jit.c (ORC API churn), nowhere else. */
#ifndef DG_LLVM_COMPAT_H
#define DG_LLVM_COMPAT_H

#include <string.h>
#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm/Config/llvm-config.h>   /* LLVM_VERSION_MAJOR (plain #defines, C-safe) */

/* ---- Types ---------------------------------------------------------------------- */

/* Pointer to `pointee`: a typed pointer on LLVM 14-16 (where it matters for
 * type checking), the opaque `ptr` from 17 on (pointee ignored). */
static inline LLVMTypeRef l_ptr_type(LLVMTypeRef pointee) { return LLVMPointerType(pointee, 0); }

/* ---- Memory --------------------------------------------------------------------- */

static inline LLVMValueRef l_load(LLVMBuilderRef b, LLVMTypeRef ty, LLVMValueRef ptr, const char *name) {
    return LLVMBuildLoad2(b, ty, ptr, name);
}

static inline LLVMValueRef l_store(LLVMBuilderRef b, LLVMValueRef val, LLVMValueRef ptr) {
    return LLVMBuildStore(b, val, ptr);
}

/* &((elem *)ptr)[idx], inbounds (the index stays inside the array) */
static inline LLVMValueRef l_gep1(LLVMBuilderRef b, LLVMTypeRef elem, LLVMValueRef ptr, LLVMValueRef idx,
                                  const char *name) {
    return LLVMBuildInBoundsGEP2(b, elem, ptr, &idx, 1, name);
}

/* Same without inbounds: for addresses that may be formed from a NULL base
 * and then discarded by a select (an inbounds GEP of NULL would be poison). */
static inline LLVMValueRef l_gep1_any(LLVMBuilderRef b, LLVMTypeRef elem, LLVMValueRef ptr, LLVMValueRef idx,
                                      const char *name) {
    return LLVMBuildGEP2(b, elem, ptr, &idx, 1, name);
}

/* &s->field_index for a struct type `sty` */
static inline LLVMValueRef l_struct_gep(LLVMBuilderRef b, LLVMTypeRef sty, LLVMValueRef ptr, unsigned field,
                                        const char *name) {
    return LLVMBuildStructGEP2(b, sty, ptr, field, name);
}

static inline LLVMValueRef l_alloca(LLVMBuilderRef b, LLVMTypeRef ty, const char *name) {
    return LLVMBuildAlloca(b, ty, name);
}

/* A pointer reinterpreted as pointing to `to` (a no-op with opaque pointers;
 * the builder folds same-type casts). */
static inline LLVMValueRef l_ptr_cast(LLVMBuilderRef b, LLVMValueRef ptr, LLVMTypeRef to, const char *name) {
    return LLVMBuildBitCast(b, ptr, to, name);
}

/* Constant pointer cast, for global initialisers (arrays/strings to element pointers). */
static inline LLVMValueRef l_const_ptr_cast(LLVMValueRef c, LLVMTypeRef to) {
#if LLVM_VERSION_MAJOR >= 17
    (void)to;                 /* every pointer is `ptr` */
    return c;
#else
    return LLVMConstBitCast(c, to);
#endif
}

/* ---- Calls ---------------------------------------------------------------------- */

static inline LLVMValueRef l_call(LLVMBuilderRef b, LLVMTypeRef fnty, LLVMValueRef fn, LLVMValueRef *args,
                                  unsigned nargs, const char *name) {
    return LLVMBuildCall2(b, fnty, fn, args, nargs, name);
}

/* ---- Arithmetic (no fast-math flags anywhere: no reassociation, no FMA
 * contraction, so results match the reference executor op for op) ---------- */

static inline LLVMValueRef l_fadd(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFAdd(b, x, y, ""); }
static inline LLVMValueRef l_fsub(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFSub(b, x, y, ""); }
static inline LLVMValueRef l_fmul(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFMul(b, x, y, ""); }
static inline LLVMValueRef l_fdiv(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFDiv(b, x, y, ""); }
static inline LLVMValueRef l_fneg(LLVMBuilderRef b, LLVMValueRef x) { return LLVMBuildFNeg(b, x, ""); }
static inline LLVMValueRef l_fcmp(LLVMBuilderRef b, LLVMRealPredicate p, LLVMValueRef x, LLVMValueRef y) {
    return LLVMBuildFCmp(b, p, x, y, "");
}
static inline LLVMValueRef l_select(LLVMBuilderRef b, LLVMValueRef c, LLVMValueRef x, LLVMValueRef y) {
    return LLVMBuildSelect(b, c, x, y, "");
}
static inline LLVMValueRef l_and(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildAnd(b, x, y, ""); }
static inline LLVMValueRef l_or(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildOr(b, x, y, ""); }
static inline LLVMValueRef l_not(LLVMBuilderRef b, LLVMValueRef x) { return LLVMBuildNot(b, x, ""); }

/* integer index arithmetic (i64; values are non-negative and small, so nsw holds) */
static inline LLVMValueRef l_iadd(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildNSWAdd(b, x, y, ""); }
static inline LLVMValueRef l_isub(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildNSWSub(b, x, y, ""); }
static inline LLVMValueRef l_imul(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildNSWMul(b, x, y, ""); }
static inline LLVMValueRef l_udiv(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildUDiv(b, x, y, ""); }
static inline LLVMValueRef l_icmp(LLVMBuilderRef b, LLVMIntPredicate p, LLVMValueRef x, LLVMValueRef y) {
    return LLVMBuildICmp(b, p, x, y, "");
}

static inline LLVMValueRef l_not_null(LLVMBuilderRef b, LLVMValueRef ptr) { return LLVMBuildIsNotNull(b, ptr, ""); }

/* ---- Control flow --------------------------------------------------------------- */

static inline LLVMValueRef l_br(LLVMBuilderRef b, LLVMBasicBlockRef to) { return LLVMBuildBr(b, to); }
static inline LLVMValueRef l_condbr(LLVMBuilderRef b, LLVMValueRef c, LLVMBasicBlockRef t, LLVMBasicBlockRef f) {
    return LLVMBuildCondBr(b, c, t, f);
}
static inline LLVMValueRef l_phi(LLVMBuilderRef b, LLVMTypeRef ty, const char *name) { return LLVMBuildPhi(b, ty, name); }
static inline LLVMValueRef l_ret_void(LLVMBuilderRef b) { return LLVMBuildRetVoid(b); }

/* ---- Attributes ----------------------------------------------------------------- */

static inline void l_add_fn_attr(LLVMContextRef ctx, LLVMValueRef fn, const char *name) {
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    if (kind) LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, kind, 0));
}

/* The function neither reads nor writes memory we can see (math functions:
 * errno is never read by generated code). `readnone` up to LLVM 15,
 * `memory(none)` (an integer attribute; 0 = no effects) from 16 on. */
static inline void l_add_fn_attr_pure(LLVMContextRef ctx, LLVMValueRef fn) {
#if LLVM_VERSION_MAJOR >= 16
    unsigned kind = LLVMGetEnumAttributeKindForName("memory", 6);
    if (kind) LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, kind, 0));
#else
    l_add_fn_attr(ctx, fn, "readnone");
#endif
}

/* parameter attribute (param index from 0) */
static inline void l_add_param_attr(LLVMContextRef ctx, LLVMValueRef fn, unsigned param, const char *name) {
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    if (kind) LLVMAddAttributeAtIndex(fn, param + 1, LLVMCreateEnumAttribute(ctx, kind, 0));
}

/* ---- Loop metadata ---------------------------------------------------------------- */

/* Marks the back edge `br` of a loop with a fresh loop ID carrying
 * llvm.loop.vectorize.enable = true. A loop ID is a node whose first operand
 * is itself: built around a temporary node, which is then replaced (the
 * self-reference makes the node distinct). */
static inline void l_mark_loop_vectorize(LLVMContextRef ctx, LLVMValueRef br) {
    LLVMMetadataRef tmp = LLVMTemporaryMDNode(ctx, NULL, 0);
    LLVMMetadataRef hint_ops[2] = {
        LLVMMDStringInContext2(ctx, "llvm.loop.vectorize.enable", 26),
        LLVMValueAsMetadata(LLVMConstInt(LLVMInt1TypeInContext(ctx), 1, 0)),
    };
    LLVMMetadataRef hint = LLVMMDNodeInContext2(ctx, hint_ops, 2);
    LLVMMetadataRef ops[2] = {tmp, hint};
    LLVMMetadataRef id = LLVMMDNodeInContext2(ctx, ops, 2);
    LLVMMetadataReplaceAllUsesWith(tmp, id);   /* also disposes tmp */
    LLVMSetMetadata(br, LLVMGetMDKindIDInContext(ctx, "llvm.loop", 9), LLVMMetadataAsValue(ctx, id));
}

#endif
