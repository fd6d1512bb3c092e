/* balance_poly.c — the polynomial algebra of the step-form mass balance:
 * sums, products, exact division by a term, canonical keys. Everything is
 * allocated in the context's arena; nothing is freed before the analysis
 * ends. Coefficients are doubles: a sum is zero when it cancels to within
 * 1e-12 of its parts, so 0.9 * x + 0.1 * x - x is zero as it is on paper. */
#include "balance_poly.h"
#include "diag.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void poly_ctx_init(PolyCtx *c, Arena *a, int max_terms) {
    memset(c, 0, sizeof *c);
    c->a = a;
    c->max_terms = max_terms;
}

void poly_ctx_add_atom(PolyCtx *c, int atom, bool idempotent) {
    if (atom >= c->cap) {
        int ncap = c->cap ? 2 * c->cap : 64;
        while (ncap <= atom) ncap *= 2;
        unsigned char *n = ARENA_ARRAY(c->a, unsigned char, ncap);
        if (c->natoms) memcpy(n, c->idempotent, (size_t)c->natoms);
        c->idempotent = n;
        c->cap = ncap;
    }
    c->idempotent[atom] = idempotent;
    if (atom >= c->natoms) c->natoms = atom + 1;
}

static bool idem(const PolyCtx *c, int atom) { return atom < c->natoms && c->idempotent[atom]; }

/* x + y, or exactly 0 when the two cancel up to rounding */
static double combine(double x, double y) {
    double s = x + y;
    return fabs(s) <= 1e-12 * fmax(fabs(x), fabs(y)) ? 0 : s;
}

Poly poly_zero(void) { return (Poly){NULL, 0}; }

Poly poly_num(PolyCtx *c, double v) {
    if (v == 0) return poly_zero();
    Poly p = {ARENA_NEW(c->a, PolyTerm), 1};
    p.t[0].coef = v;
    return p;
}

Poly poly_atom(PolyCtx *c, int atom, Span span) {
    Poly p = {ARENA_NEW(c->a, PolyTerm), 1};
    p.t[0].coef = 1;
    p.t[0].f = ARENA_NEW(c->a, PolyFactor);
    p.t[0].f[0] = (PolyFactor){atom, 1};
    p.t[0].nf = 1;
    p.t[0].span = span;
    return p;
}

/* ---- Monomials --------------------------------------------------------------- */

/* Order: fewer factors first, then by (atom, power) pairs. */
int poly_cmp_monomial(const PolyTerm *x, const PolyTerm *y) {
    if (x->nf != y->nf) return x->nf < y->nf ? -1 : 1;
    for (int i = 0; i < x->nf; i++) {
        if (x->f[i].atom != y->f[i].atom) return x->f[i].atom < y->f[i].atom ? -1 : 1;
        if (x->f[i].power != y->f[i].power) return x->f[i].power < y->f[i].power ? -1 : 1;
    }
    return 0;
}

bool poly_same_monomial(const PolyTerm *x, const PolyTerm *y) { return poly_cmp_monomial(x, y) == 0; }

static int cmp_terms(const void *a, const void *b) { return poly_cmp_monomial(a, b); }

/* x * y of two monomials (coefficients multiplied, powers added). */
static PolyTerm mono_mul(PolyCtx *c, const PolyTerm *x, const PolyTerm *y) {
    PolyTerm r = {.coef = x->coef * y->coef, .span = x->span.end ? x->span : y->span};
    r.f = ARENA_ARRAY(c->a, PolyFactor, x->nf + y->nf ? x->nf + y->nf : 1);
    int i = 0, k = 0;
    while (i < x->nf || k < y->nf) {
        PolyFactor f;
        if (k >= y->nf || (i < x->nf && x->f[i].atom < y->f[k].atom)) f = x->f[i++];
        else if (i >= x->nf || y->f[k].atom < x->f[i].atom) f = y->f[k++];
        else {
            f = x->f[i];
            f.power = idem(c, f.atom) && f.power > 0 && y->f[k].power > 0 ? 1 : f.power + y->f[k].power;
            i++, k++;
        }
        if (f.power) r.f[r.nf++] = f;
    }
    return r;
}

/* Sorted terms in place: merge equal monomials, drop zeros. */
static Poly normalize(Poly p) {
    if (p.n > 1) qsort(p.t, (size_t)p.n, sizeof *p.t, cmp_terms);
    int out = 0;
    for (int i = 0; i < p.n; i++) {
        if (out > 0 && poly_same_monomial(&p.t[out - 1], &p.t[i])) {
            p.t[out - 1].coef = combine(p.t[out - 1].coef, p.t[i].coef);
            if (p.t[out - 1].coef == 0) out--;
            continue;
        }
        if (p.t[i].coef != 0) p.t[out++] = p.t[i];
    }
    p.n = out;
    return p;
}

/* ---- Arithmetic ----------------------------------------------------------------- */

Poly poly_add(PolyCtx *c, Poly a, Poly b, double k) {
    if (k == 0 || b.n == 0) return a;
    Poly r = {ARENA_ARRAY(c->a, PolyTerm, a.n + b.n), 0};
    int i = 0, j = 0;
    while (i < a.n || j < b.n) {
        int cmp = i >= a.n ? 1 : j >= b.n ? -1 : poly_cmp_monomial(&a.t[i], &b.t[j]);
        if (cmp < 0) r.t[r.n++] = a.t[i++];
        else if (cmp > 0) {
            r.t[r.n] = b.t[j++];
            r.t[r.n].coef *= k;
            r.n++;
        } else {
            PolyTerm t = a.t[i];
            t.coef = combine(a.t[i].coef, k * b.t[j].coef);
            if (!t.span.end) t.span = b.t[j].span;
            i++, j++;
            if (t.coef != 0) r.t[r.n++] = t;
        }
    }
    if (r.n > c->max_terms) c->overflow = true;
    c->work += a.n + b.n;
    return r;
}

Poly poly_scale(PolyCtx *c, Poly a, double k) {
    if (k == 0) return poly_zero();
    Poly r = {ARENA_ARRAY(c->a, PolyTerm, a.n ? a.n : 1), a.n};
    for (int i = 0; i < a.n; i++) {
        r.t[i] = a.t[i];
        r.t[i].coef *= k;
    }
    return r;
}

Poly poly_mul(PolyCtx *c, Poly a, Poly b) {
    if (a.n == 0 || b.n == 0) return poly_zero();
    if ((long)a.n * b.n > c->max_terms) {
        c->overflow = true;
        return poly_zero();
    }
    Poly r = {ARENA_ARRAY(c->a, PolyTerm, a.n * b.n), 0};
    c->work += (long)a.n * b.n;
    for (int i = 0; i < a.n; i++)
        for (int j = 0; j < b.n; j++) r.t[r.n++] = mono_mul(c, &a.t[i], &b.t[j]);
    return normalize(r);
}

/* ---- Tests ------------------------------------------------------------------------ */

bool poly_is_zero(Poly a) { return a.n == 0; }

bool poly_is_const(Poly a, double *v) {
    if (a.n == 0) { *v = 0; return true; }
    if (a.n == 1 && a.t[0].nf == 0) { *v = a.t[0].coef; return true; }
    return false;
}

bool poly_equal(Poly a, Poly b) {
    if (a.n != b.n) return false;
    for (int i = 0; i < a.n; i++)
        if (!poly_same_monomial(&a.t[i], &b.t[i]) || combine(a.t[i].coef, -b.t[i].coef) != 0) return false;
    return true;
}

/* ---- Division ----------------------------------------------------------------------- */

bool poly_inverse(PolyCtx *c, Poly a, Poly *out) {
    if (a.n != 1) return false;
    const PolyTerm *t = &a.t[0];
    for (int i = 0; i < t->nf; i++)
        if (idem(c, t->f[i].atom)) return false;   /* 1 / [cond] has no value where cond is false */
    Poly r = {ARENA_NEW(c->a, PolyTerm), 1};
    r.t[0].coef = 1 / t->coef;
    r.t[0].span = t->span;
    r.t[0].nf = t->nf;
    r.t[0].f = ARENA_ARRAY(c->a, PolyFactor, t->nf ? t->nf : 1);
    for (int i = 0; i < t->nf; i++) r.t[0].f[i] = (PolyFactor){t->f[i].atom, -t->f[i].power};
    *out = r;
    return true;
}

bool poly_div_exact(PolyCtx *c, Poly num, Poly den, Poly *out) {
    if (den.n == 0) return false;
    Poly inv;
    if (poly_inverse(c, den, &inv)) {
        *out = poly_mul(c, num, inv);
        return true;
    }
    if (num.n == 0) { *out = poly_zero(); return true; }
    /* num = q * den for a single term q: the first terms fix q, the rest must agree */
    Poly lead = {den.t, 1};
    if (!poly_inverse(c, lead, &inv)) return false;
    Poly q = poly_mul(c, (Poly){num.t, 1}, inv);
    if (q.n != 1) return false;
    if (!poly_equal(poly_mul(c, q, den), num)) {
        /* the product may order its terms differently: try each term of num as the partner of den's first */
        for (int i = 1; i < num.n; i++) {
            q = poly_mul(c, (Poly){num.t + i, 1}, inv);
            if (q.n == 1 && poly_equal(poly_mul(c, q, den), num)) { *out = q; return true; }
        }
        return false;
    }
    *out = q;
    return true;
}

/* ---- Keys --------------------------------------------------------------------------- */

typedef struct { char *buf; size_t len, cap; } KeyBuf;

static void key_add(KeyBuf *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void key_add(KeyBuf *k, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = k->cap - k->len;
        int n = vsnprintf(k->buf ? k->buf + k->len : NULL, k->buf ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (k->buf && (size_t)n < room) { k->len += (size_t)n; return; }
        size_t ncap = k->cap ? 2 * k->cap : 256;
        while (ncap < k->len + (size_t)n + 1) ncap *= 2;
        char *nb = realloc(k->buf, ncap);
        if (!nb) DG_ICE("out of memory");
        k->buf = nb;
        k->cap = ncap;
    }
}

const char *poly_key(PolyCtx *c, Poly a) {
    KeyBuf k = {0};
    key_add(&k, "{");
    for (int i = 0; i < a.n; i++) {
        key_add(&k, "%s%.17g", i ? "+" : "", a.t[i].coef);
        for (int j = 0; j < a.t[i].nf; j++) key_add(&k, "*a%d^%d", a.t[i].f[j].atom, a.t[i].f[j].power);
    }
    key_add(&k, "}");
    char *s = arena_strndup(c->a, k.buf, k.len);
    free(k.buf);
    return s;
}
