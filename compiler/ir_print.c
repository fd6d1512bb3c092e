/* ir_print.c — --dump-ir: one line per instruction, `%id = op operands`. */
#include "ir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void print_num(FILE *out, double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, out);
}

void ir_print_func(FILE *out, const IrFunc *f) {
    fprintf(out, "func %s (%d instructions)\n", f->name, f->n);
    for (int i = 0; i < f->n; i++) {
        const IrInst *in = &f->insts[i];
        fprintf(out, "  %%%d = %s", i, ir_op_name(in->op));
        switch (in->op) {
        case IR_CONST: fputc(' ', out); print_num(out, in->imm); break;
        case IR_PARAM: case IR_INPUT: case IR_STATE: case IR_SEED: case IR_NETW: case IR_INMEAN: case IR_INSTD:
            fprintf(out, " %d", in->index);
            break;
        default: {
            int ops[3] = {in->a, in->b, in->c};
            for (int k = 0; k < ir_op_arity(in->op); k++) fprintf(out, "%s%%%d", k ? ", " : " ", ops[k]);
        }
        }
        fputc('\n', out);
    }
    fputs("  results", out);
    for (int i = 0; i < f->nresults; i++) fprintf(out, " %%%d", f->results[i]);
    fputc('\n', out);
}

void ir_print_model(FILE *out, const IrModel *m) {
    fprintf(out, "model %s: %d params, %d inputs, %d states (%d user), %d outputs, %d weights, %d components\n",
            m->name, m->nparams, m->ninputs, m->nstates, m->nuser_states, m->noutputs, m->nweights, m->components);
    for (int i = 0; i < m->nparams; i++) {
        const IrParam *p = &m->params[i];
        fprintf(out, "  param %d %s", i, p->name);
        if (p->has_bounds) {
            fputs(" [", out);
            print_num(out, p->lo);
            fputs(", ", out);
            print_num(out, p->hi);
            fputc(']', out);
        }
        fputs(p->mark == 1 ? " fixed" : p->mark == 2 ? " dynamic" : "", out);
        if (p->basin_level) fputs(" basin", out);
        fputc('\n', out);
    }
    for (int i = 0; i < m->ninputs; i++)
        fprintf(out, "  input %d %s%s\n", i, m->inputs[i].name,
                m->input_normed && m->input_normed[i] ? " (norm: training statistics)" : "");
    for (int i = 0; i < m->nstates; i++) fprintf(out, "  state %d %s\n", i, m->states[i].name);
    for (int i = 0; i < m->noutputs; i++) {
        const IrOutput *o = &m->outputs[i];
        fprintf(out, "  output %d %s", i, o->name);
        if (o->route_weights >= 0) fprintf(out, " routed by weights %d..%d", o->route_weights, o->route_weights + o->route_len - 1);
        fputc('\n', out);
    }
    ir_print_func(out, &m->init);
    ir_print_func(out, &m->step);
    ir_print_func(out, &m->prologue);
}
