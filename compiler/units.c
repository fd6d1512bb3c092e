/* units.c — unit table and algebra. The basis is chosen for hydrology so
 * that derived units print the way hydrologists write them (mm/d, 1/d). */
#include "units.h"
#include "strbuf.h"
#include "suggest.h"

#include <math.h>
#include <string.h>

typedef struct {
    const char *name;
    signed char dim[DIM_COUNT];   /* whole exponents (not halves) */
    double scale;                 /* in basis units */
} UnitDef;

/* basis: mm, d, degC, kg.  ORDER Dim: length, time, temperature, mass */
static const UnitDef unit_table[] = {
    {"mm", {1, 0, 0, 0}, 1.0},          {"cm", {1, 0, 0, 0}, 10.0},
    {"m", {1, 0, 0, 0}, 1000.0},        {"km", {1, 0, 0, 0}, 1e6},
    {"s", {0, 1, 0, 0}, 1.0 / 86400.0}, {"min", {0, 1, 0, 0}, 1.0 / 1440.0},
    {"h", {0, 1, 0, 0}, 1.0 / 24.0},    {"hr", {0, 1, 0, 0}, 1.0 / 24.0},
    {"d", {0, 1, 0, 0}, 1.0},           {"day", {0, 1, 0, 0}, 1.0},
    {"yr", {0, 1, 0, 0}, 365.25},       {"degC", {0, 0, 1, 0}, 1.0},
    {"K", {0, 0, 1, 0}, 1.0},           {"kg", {0, 0, 0, 1}, 1.0},
    {"g", {0, 0, 0, 1}, 1e-3},
    /* J = kg m^2 s^-2, in basis units: kg * (1000 mm)^2 * (86400 d^-1)^2 */
    {"J", {2, -2, 0, 1}, 1e6 * 86400.0 * 86400.0},
    {"kJ", {2, -2, 0, 1}, 1e9 * 86400.0 * 86400.0},
    {"MJ", {2, -2, 0, 1}, 1e12 * 86400.0 * 86400.0},
    {"W", {2, -3, 0, 1}, 1e6 * 86400.0 * 86400.0 * 86400.0},
    {"Pa", {-1, -2, 0, 1}, 1e-3 * 86400.0 * 86400.0},
    {"kPa", {-1, -2, 0, 1}, 86400.0 * 86400.0},
    {"percent", {0, 0, 0, 0}, 0.01},
};

Unit unit_unknown(void) { Unit u = {UNIT_UNKNOWN, {0}, 1.0, NULL}; return u; }
Unit unit_any(void) { Unit u = {UNIT_ANY, {0}, 1.0, NULL}; return u; }
Unit unit_dimensionless(void) { Unit u = {UNIT_KNOWN, {0}, 1.0, NULL}; return u; }

bool unit_is_dimensionless(Unit u) {
    if (u.kind != UNIT_KNOWN) return false;
    for (int i = 0; i < DIM_COUNT; i++) if (u.dim[i]) return false;
    return true;
}

static bool same_scale(double a, double b) { return fabs(a - b) <= 1e-12 * fmax(fabs(a), fabs(b)); }

bool unit_same(Unit a, Unit b) {
    if (a.kind != UNIT_KNOWN || b.kind != UNIT_KNOWN) return false;
    return memcmp(a.dim, b.dim, sizeof a.dim) == 0 && same_scale(a.scale, b.scale);
}

bool unit_compatible(Unit a, Unit b) {
    if (a.kind != UNIT_KNOWN || b.kind != UNIT_KNOWN) return true;
    return unit_same(a, b);
}

Unit unit_pick(Unit a, Unit b) {
    if (a.kind == UNIT_UNKNOWN || b.kind == UNIT_UNKNOWN) return unit_unknown();
    if (a.kind == UNIT_KNOWN) return a;
    return b;
}

static Unit derived(Unit u) { u.text = NULL; return u; }

Unit unit_mul(Unit a, Unit b) {
    if (a.kind == UNIT_UNKNOWN || b.kind == UNIT_UNKNOWN) return unit_unknown();
    if (a.kind == UNIT_ANY) return b.kind == UNIT_ANY ? unit_any() : b;
    if (b.kind == UNIT_ANY) return a;
    Unit r = derived(a);
    for (int i = 0; i < DIM_COUNT; i++) r.dim[i] = (signed char)(a.dim[i] + b.dim[i]);
    r.scale = a.scale * b.scale;
    return r;
}

Unit unit_div(Unit a, Unit b) {
    if (a.kind == UNIT_UNKNOWN || b.kind == UNIT_UNKNOWN) return unit_unknown();
    if (b.kind == UNIT_ANY) return a;
    Unit r = a.kind == UNIT_ANY ? unit_dimensionless() : derived(a);
    for (int i = 0; i < DIM_COUNT; i++) r.dim[i] = (signed char)(r.dim[i] - b.dim[i]);
    r.scale = r.scale / b.scale;
    return r;
}

Unit unit_pow(Unit a, double e) {
    if (a.kind != UNIT_KNOWN) return a;
    Unit r = derived(a);
    for (int i = 0; i < DIM_COUNT; i++) r.dim[i] = (signed char)lround(a.dim[i] * e);
    r.scale = pow(a.scale, e);
    return r;
}

Unit unit_per_step(Unit u) {
    if (u.kind != UNIT_KNOWN || u.dim[DIM_TIME] != -2) return u;
    Unit r = derived(u);
    r.dim[DIM_TIME] = 0;   /* times one step of 1 d (scale unchanged: basis time is d) */
    return r;
}

Unit unit_per_day(Unit u) {
    if (u.kind != UNIT_KNOWN) return u;
    Unit r = derived(u);
    r.dim[DIM_TIME] = (signed char)(r.dim[DIM_TIME] - 2);
    return r;
}

enum { UNIT_MAX_POWER = 60 };   /* per dimension; exponents are stored in halves in a signed char */

Unit unit_from_ast(const AstUnit *au, Diag *d, Arena *arena) {
    if (!au) return unit_unknown();
    Unit r = unit_dimensionless();
    bool ok = true;
    for (int i = 0; i < au->nfactors; i++) {
        const UnitFactor *f = &au->factors[i];
        const UnitDef *def = NULL;
        for (size_t k = 0; k < sizeof unit_table / sizeof unit_table[0]; k++)
            if (!strcmp(unit_table[k].name, f->name.name)) def = &unit_table[k];
        if (!def) {
            diag_error(d, f->name.span, "unknown unit '%s'", f->name.name);
            Suggest sg;
            suggest_init(&sg, f->name.name);
            for (size_t k = 0; k < sizeof unit_table / sizeof unit_table[0]; k++) suggest_offer(&sg, unit_table[k].name);
            /* one-letter names are too close to everything to guess from */
            if (strlen(f->name.name) > 1 && suggest_best(&sg)) diag_note_plain(d, "did you mean '%s'?", suggest_best(&sg));
            else diag_note_plain(d, "known units: mm cm m km, s min h d day yr, degC K, kg g, J kJ MJ W Pa kPa, "
                               "percent, and '-' for dimensionless");
            ok = false;
            continue;
        }
        for (int k = 0; k < DIM_COUNT; k++) {
            int v = r.dim[k] + 2 * def->dim[k] * f->power;   /* in halves: must fit a signed char */
            if (v < -2 * UNIT_MAX_POWER || v > 2 * UNIT_MAX_POWER) {
                if (ok) diag_error(d, au->span, "unit powers above %d are not supported", UNIT_MAX_POWER);
                ok = false;
                v = 0;
            }
            r.dim[k] = (signed char)v;
        }
        r.scale *= pow(def->scale, f->power);
    }
    if (!ok) return unit_unknown();

    /* keep the declared spelling for messages: "mm/d", "mm/degC/d" */
    char buf[256];
    StrBuf sb;
    strbuf_init(&sb, buf, sizeof buf);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < au->nfactors; i++) {
            const UnitFactor *f = &au->factors[i];
            if ((pass == 0) != (f->power > 0)) continue;
            int p = f->power < 0 ? -f->power : f->power;
            if (pass == 0) strbuf_add(&sb, "%s%s", sb.len ? "*" : "", f->name.name);
            else strbuf_add(&sb, "%s/%s", sb.len ? "" : "1", f->name.name);
            if (p != 1) strbuf_add(&sb, "^%d", p);
        }
    }
    r.text = au->nfactors ? arena_strndup(arena, buf, sb.len) : "-";
    return r;
}

const char *unit_text(Unit u, Arena *arena) {
    if (u.kind == UNIT_UNKNOWN) return "(no unit)";
    if (u.kind == UNIT_ANY) return "-";
    if (u.text) return u.text;
    static const char *const basis[DIM_COUNT] = {"mm", "d", "degC", "kg"};
    char buf[160];
    StrBuf sb;
    strbuf_init(&sb, buf, sizeof buf);
    if (!same_scale(u.scale, 1.0)) strbuf_add(&sb, "%g ", u.scale);
    size_t start = sb.len;
    for (int i = 0; i < DIM_COUNT; i++) {
        if (u.dim[i] <= 0) continue;
        strbuf_add(&sb, "%s%s", sb.len > start ? "*" : "", basis[i]);
        if (u.dim[i] != 2) {
            if (u.dim[i] % 2) strbuf_add(&sb, "^%g", u.dim[i] / 2.0);
            else strbuf_add(&sb, "^%d", u.dim[i] / 2);
        }
    }
    bool any_num = sb.len > start;
    for (int i = 0; i < DIM_COUNT; i++) {
        if (u.dim[i] >= 0) continue;
        if (!any_num) { strbuf_add(&sb, "1"); any_num = true; }
        strbuf_add(&sb, "/%s", basis[i]);
        if (u.dim[i] != -2) {
            if (u.dim[i] % 2) strbuf_add(&sb, "^%g", -u.dim[i] / 2.0);
            else strbuf_add(&sb, "^%d", -u.dim[i] / 2);
        }
    }
    if (sb.len == start) strbuf_add(&sb, "-");
    return arena_strndup(arena, buf, sb.len);
}
