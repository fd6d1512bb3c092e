/* ir.c — the IR op table and the instruction builder. */
#include "ir.h"

#include <string.h>

typedef struct {
    const char *name;
    int         arity;
    bool        is_bool;
} OpInfo;

/* grep ORDER IrOp */
static const OpInfo op_table[IR_OP_COUNT] = {
    [IR_CONST] = {"const", 0, false},   [IR_PARAM] = {"param", 0, false},
    [IR_INPUT] = {"input", 0, false},   [IR_STATE] = {"state", 0, false},
    [IR_SEED] = {"seed", 0, false},     [IR_NETW] = {"netw", 0, false},
    [IR_INMEAN] = {"inmean", 0, false}, [IR_INSTD] = {"instd", 0, false},
    [IR_ADD] = {"add", 2, false},       [IR_SUB] = {"sub", 2, false},
    [IR_MUL] = {"mul", 2, false},       [IR_DIV] = {"div", 2, false},
    [IR_NEG] = {"neg", 1, false},       [IR_POW] = {"pow", 2, false},
    [IR_EXP] = {"exp", 1, false},       [IR_LOG] = {"log", 1, false},
    [IR_LOG10] = {"log10", 1, false},   [IR_SQRT] = {"sqrt", 1, false},
    [IR_TANH] = {"tanh", 1, false},     [IR_SIGMOID] = {"sigmoid", 1, false},
    [IR_SOFTPLUS] = {"softplus", 1, false},
    [IR_SIN] = {"sin", 1, false},       [IR_COS] = {"cos", 1, false},
    [IR_TAN] = {"tan", 1, false},       [IR_ASIN] = {"asin", 1, false},
    [IR_ACOS] = {"acos", 1, false},     [IR_ATAN] = {"atan", 1, false},
    [IR_LGAMMA] = {"lgamma", 1, false}, [IR_DIGAMMA] = {"digamma", 1, false},
    [IR_ABS] = {"abs", 1, false},
    [IR_MIN] = {"min", 2, false},       [IR_MAX] = {"max", 2, false},
    [IR_CLAMP] = {"clamp", 3, false},   [IR_RELU] = {"relu", 1, false},
    [IR_STEP] = {"step", 1, false},     [IR_FLOOR] = {"floor", 1, false},
    [IR_LT] = {"lt", 2, true},          [IR_LE] = {"le", 2, true},
    [IR_GT] = {"gt", 2, true},          [IR_GE] = {"ge", 2, true},
    [IR_EQ] = {"eq", 2, true},          [IR_NE] = {"ne", 2, true},
    [IR_AND] = {"and", 2, true},        [IR_OR] = {"or", 2, true},
    [IR_NOT] = {"not", 1, true},
    [IR_SELECT] = {"select", 3, false},
    [IR_NOGRAD] = {"nograd", 1, false},
};

const char *ir_op_name(IrOp op) { return op_table[op].name; }
int ir_op_arity(IrOp op) { return op_table[op].arity; }
bool ir_op_is_bool(IrOp op) { return op_table[op].is_bool; }

static int append(Arena *a, IrFunc *f, IrInst inst) {
    if (f->n == f->cap) {
        int ncap = f->cap ? f->cap * 2 : 64;
        IrInst *ni = ARENA_ARRAY(a, IrInst, ncap);
        if (f->n) memcpy(ni, f->insts, sizeof(IrInst) * (size_t)f->n);
        f->insts = ni;
        f->cap = ncap;
    }
    f->insts[f->n] = inst;
    return f->n++;
}

int ir_emit(Arena *a, IrFunc *f, IrOp op, int x, int y, int z, Span span) {
    IrInst inst = {.op = op, .a = x, .b = y, .c = z, .index = -1, .span = span};
    return append(a, f, inst);
}

int ir_emit_leaf(Arena *a, IrFunc *f, IrOp op, int index, double imm, Span span) {
    IrInst inst = {.op = op, .a = -1, .b = -1, .c = -1, .index = index, .imm = imm, .span = span};
    return append(a, f, inst);
}
