/* balance_poly.h — polynomials with real coefficients over numbered atoms,
 * the algebra of the step-form mass balance (step_symbolic.c writes every
 * value of a time step as one). A term is coef * a1^p1 * a2^p2 * ..., its
 * atoms sorted by number; a power may be negative (division by a single
 * term). Atoms marked idempotent (0/1 indicators of conditions) keep power 1.
 * Terms stay sorted with equal monomials merged and zero terms dropped, so
 * two polynomials are equal exactly when they are equal term by term. */
#ifndef DG_BALANCE_POLY_H
#define DG_BALANCE_POLY_H

#include <stdbool.h>
#include "arena.h"
#include "source.h"

typedef struct {
    int atom;
    int power;                  /* never 0 */
} PolyFactor;

typedef struct {
    double      coef;           /* never 0 */
    PolyFactor *f;
    int         nf;
    Span        span;           /* where the amount was written: diagnostics only, not part of the value */
} PolyTerm;

typedef struct {
    PolyTerm *t;
    int       n;
} Poly;

typedef struct {
    Arena         *a;           /* owns every polynomial made with this context */
    unsigned char *idempotent;  /* per atom: x * x = x */
    int            natoms, cap;
    int            max_terms;   /* a product or sum larger than this sets overflow */
    long           work;        /* terms built so far: the caller's measure of effort */
    bool           overflow;    /* the caller replaces the oversized result by an atom */
} PolyCtx;

void poly_ctx_init(PolyCtx *c, Arena *a, int max_terms);
/* Registers atom number `atom` (numbers are handed out in order from 0). */
void poly_ctx_add_atom(PolyCtx *c, int atom, bool idempotent);

Poly poly_zero(void);
Poly poly_num(PolyCtx *c, double v);
Poly poly_atom(PolyCtx *c, int atom, Span span);

Poly poly_add(PolyCtx *c, Poly a, Poly b, double b_scale);   /* a + b_scale * b */
Poly poly_scale(PolyCtx *c, Poly a, double k);
Poly poly_mul(PolyCtx *c, Poly a, Poly b);

bool poly_is_zero(Poly a);
bool poly_is_const(Poly a, double *v);
bool poly_equal(Poly a, Poly b);
/* Same monomial (atoms and powers), coefficients aside. */
bool poly_same_monomial(const PolyTerm *x, const PolyTerm *y);
int  poly_cmp_monomial(const PolyTerm *x, const PolyTerm *y);

/* 1 / a for a single term without idempotent atoms; false otherwise. */
bool poly_inverse(PolyCtx *c, Poly a, Poly *out);
/* num / den when den divides num exactly (den a single term, or num a
 * multiple of den by one term); false otherwise. */
bool poly_div_exact(PolyCtx *c, Poly num, Poly den, Poly *out);

/* Canonical text of the value (atoms by number): equal values, equal keys. */
const char *poly_key(PolyCtx *c, Poly a);

#endif
