/* ir_eval.h — reference executor of the IR (double precision). */
#ifndef DG_IR_EVAL_H
#define DG_IR_EVAL_H

#include "dgrt.h"
#include "ir.h"

typedef struct {
    const double *params, *inputs, *states, *seeds, *netw;
    const double *input_norm;   /* [2][ninputs]: means, then standard deviations (norm()); NULL when unused */
    int           ninputs;
} IrLeaves;

double ir_eval_op(IrOp op, double a, double b, double c);
/* vals: scratch of f->n doubles; results: f->nresults doubles */
void ir_eval(const IrFunc *f, const IrLeaves *in, double *vals, double *results);

/* One cell over nsteps: states_tape gets (nsteps+1) x nstates (start of each
 * step, then the final states); out gets nsteps x noutputs (per cell,
 * before averaging and routing). forcing: nsteps x ninputs. */
void ir_run_cell(const IrModel *m, const double *params, const double *forcing, int nsteps, const double *netw,
                 double *states_tape, double *out);
/* Its adjoint: dout (nsteps x noutputs) -> += dparams (nparams), += dnetw (nnetw). */
void ir_run_cell_rev(const IrModel *m, const IrFunc *init_rev, const IrFunc *step_rev, const double *params,
                     const double *forcing, int nsteps, const double *netw, const double *states_tape,
                     const double *dout, double *dparams, double *dnetw);

#endif
