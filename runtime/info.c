/* info.c — the `info` subcommand: what a compiled model expects and reports
 * (inputs, parameters with bounds/units/defaults/marks, states, outputs and
 * their routing, components, network weights), read from its DgModel. */
#include "dgrt_internal.h"
#include "comm.h"
#include "netcdf_io.h"

#include <math.h>
#include <string.h>

static const char *unit_or_dash(const char *u) { return u && u[0] ? u : "-"; }

static const char *mark_name(int mark) {
    switch (mark) {
    case DG_PARAM_LEARNED: return "learned";
    case DG_PARAM_FIXED: return "fixed";
    case DG_PARAM_DYNAMIC: return "dynamic";
    }
    return "?";
}

/* %g, or "-" for NaN (absent) */
static const char *num(double v, char *buf, size_t size) {
    if (isnan(v)) snprintf(buf, size, "-");
    else snprintf(buf, size, "%.10g", v);
    return buf;
}

static int max_width(int w, const char *s) {
    int n = (int)strlen(s);
    return n > w ? n : w;
}

int dgrt_cmd_info(const DgModel *m, const DgOptions *o, FILE *out, FILE *errf) {
    (void)o;
    (void)errf;
    char b1[32], b2[32], b3[32];
    int nc = m->components > 0 ? m->components : 1;
    fprintf(out, "model %s%s%s\n", m->name, m->doc && m->doc[0] ? ": " : "", m->doc ? m->doc : "");
    fprintf(out, "  ABI version %u; %d component%s per basin%s\n", m->abi_version, nc, nc == 1 ? "" : "s",
            nc > 1 ? " (outputs are averaged over them)" : "");
    if (m->built_for && m->built_for[0]) fprintf(out, "  built for: %s\n", m->built_for);

    int w = 4, wu = 4;
    for (int i = 0; i < m->ninputs; i++) w = max_width(w, m->inputs[i].name);
    fprintf(out, "\ninputs (%d)\n", m->ninputs);
    for (int i = 0; i < m->ninputs; i++) {
        int normed = 0;
        for (int k = 0; k < m->nnorm_inputs; k++) normed |= m->norm_inputs[k] == i;
        fprintf(out, "  %-*s  %s%s\n", w, m->inputs[i].name, unit_or_dash(m->inputs[i].unit),
                normed ? "  (read through norm(): statistics of the training data)" : "");
    }

    w = 4;
    for (int i = 0; i < m->nparams; i++) {
        w = max_width(w, m->params[i].name);
        wu = max_width(wu, unit_or_dash(m->params[i].unit));
    }
    fprintf(out, "\nparameters (%d)\n", m->nparams);
    if (m->nparams)
        fprintf(out, "  %-*s  %-*s  %-12s  %-12s  %-12s  %s\n", w, "name", wu, "unit", "lower", "upper", "default", "mark");
    for (int i = 0; i < m->nparams; i++) {
        const DgParamInfo *p = &m->params[i];
        fprintf(out, "  %-*s  %-*s  %-12s  %-12s  %-12s  %s%s\n", w, p->name, wu, unit_or_dash(p->unit),
                num(p->lo, b1, sizeof b1), num(p->hi, b2, sizeof b2), num(p->value, b3, sizeof b3), mark_name(p->mark),
                p->basin_level ? ", basin-level (routing only; components share component 0's value)" : "");
    }

    int ngen = m->nstates - m->nuser_states;
    w = 4;
    for (int i = 0; i < m->nuser_states; i++) w = max_width(w, m->states[i].name);
    fprintf(out, "\nstates (%d user, %d generated%s)\n", m->nuser_states, ngen,
            ngen > 0 ? ": delay lines and kernel weights of routes in steps" : "");
    for (int i = 0; i < m->nuser_states; i++)
        fprintf(out, "  %-*s  %s\n", w, m->states[i].name, unit_or_dash(m->states[i].unit));

    w = 4;
    wu = 4;
    for (int i = 0; i < m->noutputs; i++) {
        w = max_width(w, m->outputs[i].name);
        wu = max_width(wu, unit_or_dash(m->outputs[i].unit));
    }
    fprintf(out, "\noutputs (%d)\n", m->noutputs);
    for (int i = 0; i < m->noutputs; i++) {
        const DgOutputInfo *oi = &m->outputs[i];
        fprintf(out, "  %-*s  %-*s", w, oi->name, wu, unit_or_dash(oi->unit));
        if (oi->route_weights >= 0)
            fprintf(out, "  routed: %d-ordinate unit hydrograph (prologue weights %d..%d)", oi->route_len,
                    oi->route_weights, oi->route_weights + oi->route_len - 1);
        fputc('\n', out);
    }

    fprintf(out, "\nnetwork weights: %d", m->nnetw);
    if (m->nnets == 0) fputc('\n', out);
    else fprintf(out, " in %d net%s\n", m->nnets, m->nnets == 1 ? "" : "s");
    for (int k = 0; k < m->nnets; k++) {
        const DgNetInfo *n = &m->nets[k];
        fprintf(out, "  %s: ", n->name);
        for (int l = 0; l < n->nsizes; l++) fprintf(out, "%s%d", l ? " -> " : "", n->sizes[l]);
        fprintf(out, ", %s, output %s, weights %d..", n->activation, n->output_activation, n->offset);
        int64_t cnt = 0;
        for (int l = 1; l < n->nsizes; l++) cnt += (int64_t)n->sizes[l - 1] * n->sizes[l] + n->sizes[l];
        fprintf(out, "%lld\n", (long long)(n->offset + cnt - 1));
    }
    fprintf(out, "\nmpi: %s\n", dgrt_comm_available() ? "yes (train, eval, simulate under mpirun split their basins)"
                                                      : "no (built without MPI)");
    fprintf(out, "netcdf: %s\n", dgrt_netcdf_available()
                                     ? "yes (Caravan's NetCDF files as --data, simulate --checkpoint --out FILE.nc)"
                                     : "no (built without libnetcdf)");
    return 0;
}
