/* params.c — parameter values for a run (`--params FILE`: CSV with columns
 * name, value and optionally component), initial-state overrides
 * (`--init NAME=VALUE`, `--init NAME[k]=VALUE`) and network weights
 * (`--netw FILE` or a deterministic default). Every error in a file names
 * file:line:col. */
#include "dgrt_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

// ---- Suggestions ------------------------------------------------------------------------

static int edit_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64) return 1000;
    int d[65][65];
    for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : (a[i - 1] ^ b[j - 1]) == 32 ? 0 : 1;   /* case-insensitive letters */
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            d[i][j] = v;
        }
    return d[n][m];
}

const char *dgrt_closest(const char *name, const char *const *cands, int n) {
    const char *best = NULL;
    int bestd = 1000;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(name, cands[i]);
        if (d < bestd) bestd = d, best = cands[i];
    }
    size_t len = strlen(name);
    int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    return bestd <= limit ? best : NULL;
}

/* "a, b, c" */
static void name_list(const char *const *names, int n, char *buf, size_t size) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n && k + 1 < size; i++) k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? ", " : "", names[i]);
}

static const char **param_names(const DgModel *m) {
    const char **v = mallocCheck(sizeof(char *) * (size_t)(m->nparams + 1));
    for (int i = 0; i < m->nparams; i++) v[i] = m->params[i].name;
    return v;
}

// ---- Parameter values ---------------------------------------------------------------------

/* One parameter row's target; `comp` -1 = all components. */
static int apply_row(const DgModel *m, const DgCsv *csv, int64_t r, int pcol, int vcol, int ccol, int64_t ncomp,
                     int pass, double *vals, int *line_of, int offer, FILE *outside, DgrtErr *err) {
    char where[600];
    const char *name = dgrt_csv_cell(csv, r, pcol);
    int p = -1;
    for (int i = 0; i < m->nparams; i++)
        if (!strcmp(m->params[i].name, name)) p = i;
    if (p < 0) {
        const char **names = param_names(m);
        char list[512];
        name_list(names, m->nparams, list, sizeof list);
        const char *near = dgrt_closest(name, names, m->nparams);
        dgrt_fail(err, DGRT_EXIT_DATA, NULL, "%s: unknown parameter '%s' (parameters: %s)",
                  dgrt_csv_where(csv, r, pcol, where, sizeof where), name, list);
        if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
        else dgrt_err_hint(err, "the 'info' command lists the parameters of the model");
        free(names);
        return err->code;
    }
    const DgParamInfo *pi = &m->params[p];
    long comp = -1;
    if (ccol >= 0 && dgrt_csv_cell(csv, r, ccol)[0]) {
        if (dgrt_csv_int(csv, r, ccol, &comp, err)) return err->code;
        if (comp < 0 || comp >= ncomp)
            return dgrt_fail(err, DGRT_EXIT_DATA, "components are numbered from 0; --components sets how many there are",
                             "%s: component %ld is out of range: the run has %lld component%s (0..%lld)",
                             dgrt_csv_where(csv, r, ccol, where, sizeof where), comp, (long long)ncomp,
                             ncomp == 1 ? "" : "s", (long long)(ncomp - 1));
        if (pi->basin_level && comp != 0)
            return dgrt_fail(err, DGRT_EXIT_DATA, "give it one value, without a component (or component 0)",
                             "%s: parameter '%s' is basin-level (used only by output routing, shared by all components)",
                             dgrt_csv_where(csv, r, ccol, where, sizeof where), name);
    }
    if ((pass == 0) != (comp < 0)) return 0;   /* pass 0: all-component rows; pass 1: per component */
    double v;
    if (dgrt_csv_number(csv, r, vcol, &v, err)) return err->code;
    if (!isfinite(v))
        return dgrt_fail(err, DGRT_EXIT_DATA, "parameter values are finite numbers", "%s: value '%s' of '%s' is not finite",
                         dgrt_csv_where(csv, r, vcol, where, sizeof where), dgrt_csv_cell(csv, r, vcol), name);
    if (!isnan(pi->lo) && !isnan(pi->hi) && (v < pi->lo || v > pi->hi)) {
        if (!outside)
            return dgrt_fail(err, DGRT_EXIT_DATA,
                             offer ? "the bounds are declared in the model (`param NAME in [lo, hi]`); to simulate "
                                     "outside them anyway (a sensitivity study), add --allow-outside-bounds"
                                   : "the bounds are declared in the model (`param NAME in [lo, hi]`)",
                             "%s: value %s of '%s' is outside its bounds [%.10g, %.10g]",
                             dgrt_csv_where(csv, r, vcol, where, sizeof where), dgrt_csv_cell(csv, r, vcol), name,
                             pi->lo, pi->hi);
        /* asked for: run with it, and say so (no trained model ever saw such a value) */
        fprintf(outside, "warning: %s: value %s of '%s' is outside its bounds [%.10g, %.10g]; used as given "
                         "(--allow-outside-bounds)\n",
                dgrt_csv_where(csv, r, vcol, where, sizeof where), dgrt_csv_cell(csv, r, vcol), name, pi->lo, pi->hi);
    }
    int64_t k0 = comp < 0 ? 0 : comp, k1 = comp < 0 ? ncomp : comp + 1;
    for (int64_t k = k0; k < k1; k++) {
        int *seen = &line_of[(size_t)(p * ncomp + k) * 2 + (size_t)pass];
        if (*seen) {
            char what[64] = "";
            if (comp >= 0) snprintf(what, sizeof what, " (component %lld)", (long long)k);
            return dgrt_fail(err, DGRT_EXIT_DATA, "keep one row per parameter and component",
                             "%s: parameter '%s'%s is given twice (first at line %d)",
                             dgrt_csv_where(csv, r, pcol, where, sizeof where), name, what, *seen);
        }
        *seen = csv->lines[r];
        vals[p * ncomp + k] = v;
    }
    return 0;
}

static int load_params(const DgModel *m, const char *path, int64_t ncomp, double *vals, int offer, FILE *outside,
                       DgrtErr *err);

int dgrt_params_load(const DgModel *m, const char *path, int64_t ncomp, double *vals, DgrtErr *err) {
    return load_params(m, path, ncomp, vals, 0, NULL, err);
}

int dgrt_params_load_outside(const DgModel *m, const char *path, int64_t ncomp, double *vals, FILE *outside,
                             DgrtErr *err) {
    return load_params(m, path, ncomp, vals, 1, outside, err);
}

/* offer: the error for a value outside its bounds names --allow-outside-bounds */
static int load_params(const DgModel *m, const char *path, int64_t ncomp, double *vals, int offer, FILE *outside,
                       DgrtErr *err) {
    for (int p = 0; p < m->nparams; p++)
        for (int64_t k = 0; k < ncomp; k++) vals[p * ncomp + k] = m->params[p].value;
    if (path) {
        DgCsv csv;
        if (dgrt_csv_read(&csv, path, NULL, err)) return err->code;
        const char *hint = "a parameter file has the columns name,value and optionally component (0-based)";
        int pcol = dgrt_csv_column(&csv, "name", err), vcol = -1, rc = 0;
        if (pcol >= 0) vcol = dgrt_csv_column(&csv, "value", err);
        if (pcol < 0 || vcol < 0) {
            dgrt_err_hint(err, "%s", hint);
            dgrt_csv_free(&csv);
            return err->code;
        }
        int ccol = dgrt_csv_find(&csv, "component");
        int *line_of = callocCheck((size_t)(m->nparams * ncomp * 2 + 1), sizeof(int));
        /* rows for every component first, then per-component rows override them */
        for (int pass = 0; pass < 2 && !rc; pass++)
            for (int64_t r = 0; r < csv.nrows && !rc; r++)
                rc = apply_row(m, &csv, r, pcol, vcol, ccol, ncomp, pass, vals, line_of, offer, outside, err);
        free(line_of);
        dgrt_csv_free(&csv);
        if (rc) return rc;
    }
    /* every value missing, named in one message */
    char list[768] = "", first[128] = "";
    int nmissing = 0;
    size_t len = 0;
    for (int p = 0; p < m->nparams; p++) {
        if (m->params[p].basin_level)   /* components share component 0's value */
            for (int64_t k = 1; k < ncomp; k++) vals[p * ncomp + k] = vals[p * ncomp];
        for (int64_t k = 0; k < ncomp; k++) {
            if (!isnan(vals[p * ncomp + k])) continue;
            char one[128];
            if (ncomp > 1 && path) snprintf(one, sizeof one, "'%s' (component %lld)", m->params[p].name, (long long)k);
            else snprintf(one, sizeof one, "'%s'", m->params[p].name);
            if (!nmissing) snprintf(first, sizeof first, "%s", m->params[p].name);
            if (len + strlen(one) + 8 < sizeof list) len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", nmissing ? ", " : "", one);
            else if (len + 5 < sizeof list && !strstr(list, "...")) len += (size_t)snprintf(list + len, sizeof list - len, ", ...");
            nmissing++;
            if (!path) break;   /* without a file, one mention per parameter */
        }
    }
    if (!nmissing) return 0;
    const char *s = nmissing > 1 ? "s" : "";
    if (path)
        return dgrt_fail(err, DGRT_EXIT_DATA, "add a line 'name,value' (or 'name,value,component') for each",
                         "parameter%s %s ha%s no value in '%s' and no default in the model", s, list,
                         nmissing > 1 ? "ve" : "s", path);
    dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "parameter%s %s ha%s no default in the model", s, list, nmissing > 1 ? "ve" : "s");
    dgrt_err_hint(err, "give %s in a file: --params FILE with the header 'name,value' and lines like '%s,VALUE'",
                  nmissing > 1 ? "their values" : "its value", first);
    return err->code;
}

void dgrt_params_spread(const DgModel *m, const double *vals, int64_t ncomp, int64_t nbasins, double *params) {
    int64_t ncells = nbasins * ncomp;
    for (int p = 0; p < m->nparams; p++)
        for (int64_t b = 0; b < nbasins; b++)
            for (int64_t k = 0; k < ncomp; k++) params[p * ncells + b * ncomp + k] = vals[p * ncomp + k];
}

// ---- Initial-state overrides -----------------------------------------------------------------

int dgrt_init_parse(const DgModel *m, const char *arg, int64_t ncomp, DgInitOverride *o, DgrtErr *err) {
    const char *hint = "write --init NAME=VALUE (every component) or --init NAME[k]=VALUE (component k, from 0)";
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--init '%s' is not NAME=VALUE", arg);
    char name[256];
    size_t n = (size_t)(eq - arg);
    if (n >= sizeof name) n = sizeof name - 1;
    memcpy(name, arg, n);
    name[n] = 0;
    o->comp = -1;
    char *br = strchr(name, '[');
    if (br) {
        char *endp;
        long k = strtol(br + 1, &endp, 10);
        if (endp == br + 1 || *endp != ']' || endp[1])
            return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--init '%s': bad component index", arg);
        if (k < 0 || k >= ncomp)
            return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--init '%s': component %ld is out of range (0..%lld)", arg, k,
                             (long long)(ncomp - 1));
        o->comp = (int)k;
        *br = 0;
    }
    o->state = -1;
    for (int i = 0; i < m->nuser_states; i++)
        if (!strcmp(m->states[i].name, name)) o->state = i;
    if (o->state < 0) {
        const char **names = mallocCheck(sizeof(char *) * (size_t)(m->nuser_states + 1));
        for (int i = 0; i < m->nuser_states; i++) names[i] = m->states[i].name;
        char list[512];
        name_list(names, m->nuser_states, list, sizeof list);
        const char *near = dgrt_closest(name, names, m->nuser_states);
        dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--init '%s': the model has no state '%s' (states: %s)", arg, name, list);
        if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
        free(names);
        return err->code;
    }
    char *endp;
    o->value = strtod(eq + 1, &endp);
    if (!eq[1] || *endp || !isfinite(o->value))
        return dgrt_fail(err, DGRT_EXIT_USAGE, hint, "--init '%s': '%s' is not a number", arg, eq + 1);
    return 0;
}

void dgrt_init_apply(const DgInitOverride *o, int n, double *states, int64_t ncells, int64_t ncomp) {
    for (int i = 0; i < n; i++)
        for (int64_t c = 0; c < ncells; c++)
            if (o[i].comp < 0 || c % ncomp == o[i].comp) states[o[i].state * ncells + c] = o[i].value;
}

// ---- Network weights -------------------------------------------------------------------------

/* One number per line; lines of any length (the text is read whole, so an
 * error is reported on its own line), '#' comments, blank lines. */
int dgrt_netw_load(const DgModel *m, const char *path, double *w, DgrtErr *err) {
    char *text;
    size_t len;
    const DgReadLimits lim = {.text = 1};
    if (dgrt_read_file_checked(path, &lim, &text, &len, err)) return err->code;
    int line_no = 0, rc = 0;
    int64_t n = 0;
    for (char *line = text, *next; line && !rc; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) *nl = 0;
        if (!nl && !*line) break;   /* after the last newline */
        line_no++;
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
        if (!*s || *s == '#') continue;
        char *endp;
        double v = strtod(s, &endp);
        if (*endp || !isfinite(v)) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "a weights file holds one number per line",
                           "%s:%d:%d: '%.40s' is not a number", path, line_no, (int)(s - line) + 1, s);
            break;
        }
        if (n < m->nnetw) w[n] = v;
        n++;
    }
    free(text);
    if (!rc && n != m->nnetw)
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "one number per weight, in the order of the model's nets (see `info`)",
                       "'%s' holds %lld number%s, the model has %d network weight%s", path, (long long)n,
                       n == 1 ? "" : "s", m->nnetw, m->nnetw == 1 ? "" : "s");
    return rc;
}

void dgrt_netw_default(const DgModel *m, double *w) {
    DgRng rng = {DGRT_NETW_SEED};
    for (int i = 0; i < m->nnetw; i++) w[i] = 0;
    for (int k = 0; k < m->nnets; k++) {
        const DgNetInfo *net = &m->nets[k];
        int64_t off = net->offset;
        for (int l = 1; l < net->nsizes; l++) {
            int fan_in = net->sizes[l - 1], n_out = net->sizes[l];
            double a = 1.0 / sqrt(fan_in > 0 ? fan_in : 1);
            for (int64_t i = 0; i < (int64_t)fan_in * n_out + n_out; i++, off++) {
                double v = a * (2 * dgrt_rng_uniform(&rng) - 1);
                if (off < m->nnetw) w[off] = v;
            }
        }
    }
}
