/* ir_verify.c — invariants every IR function keeps, checked after lowering
 * and after AD: operands are defined before use, arity matches the op,
 * booleans feed only logic ops and select conditions, numbers never do, and
 * leaf indices are in range. */
#include "ir.h"

static bool fail(FILE *err, const IrFunc *f, int i, const char *what) {
    fprintf(err, "dgc: IR verification failed in '%s' at %%%d (%s): %s\n", f->name, i,
            i >= 0 && i < f->n ? ir_op_name(f->insts[i].op) : "-", what);
    return false;
}

static bool wants_bool(IrOp op, int k) {
    if (op == IR_SELECT) return k == 0;
    return op == IR_AND || op == IR_OR || op == IR_NOT;
}

bool ir_verify_func(const IrFunc *f, int nparams, int ninputs, int nstates, int nseeds, int nnetw, FILE *err) {
    for (int i = 0; i < f->n; i++) {
        const IrInst *in = &f->insts[i];
        if ((int)in->op < 0 || in->op >= IR_OP_COUNT) return fail(err, f, i, "unknown op");
        int limit = -1;
        switch (in->op) {
        case IR_PARAM: limit = nparams; break;
        case IR_INPUT: case IR_INMEAN: case IR_INSTD: limit = ninputs; break;
        case IR_STATE: limit = nstates; break;
        case IR_SEED: limit = nseeds; break;
        case IR_NETW: limit = nnetw; break;
        default: break;
        }
        if (limit >= 0 && (in->index < 0 || in->index >= limit)) return fail(err, f, i, "leaf index out of range");
        int ops[3] = {in->a, in->b, in->c};
        int arity = ir_op_arity(in->op);
        for (int k = 0; k < 3; k++) {
            if (k >= arity) {
                if (ops[k] != -1 && in->op != IR_CONST && limit < 0) return fail(err, f, i, "extra operand");
                continue;
            }
            if (ops[k] < 0 || ops[k] >= i) return fail(err, f, i, "operand not defined before use");
            bool is_bool = ir_op_is_bool(f->insts[ops[k]].op);
            if (is_bool != wants_bool(in->op, k))
                return fail(err, f, i, is_bool ? "boolean used as a number" : "number used as a boolean");
        }
    }
    for (int r = 0; r < f->nresults; r++) {
        int v = f->results[r];
        if (v < 0 || v >= f->n) return fail(err, f, -1, "result not defined");
        if (ir_op_is_bool(f->insts[v].op)) return fail(err, f, v, "boolean result");
    }
    return true;
}
