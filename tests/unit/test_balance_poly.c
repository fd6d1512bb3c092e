/* test_balance_poly.c — the polynomial algebra of the step-form mass balance
 * (balance_poly.c): cancellation to within rounding, products, 0/1 atoms,
 * exact division, canonical keys. */
#include "balance_poly.h"
#include "check.h"

enum { P, S, K, C, NATOMS };   /* atoms: an input, a state, a parameter, a condition [c] */

int main(void) {
    Arena a;
    arena_init(&a);
    PolyCtx c;
    poly_ctx_init(&c, &a, 1000);
    for (int i = 0; i < NATOMS; i++) poly_ctx_add_atom(&c, i, i == C);
    Span none = {0, 0, 0};
    Poly p = poly_atom(&c, P, none), s = poly_atom(&c, S, none), k = poly_atom(&c, K, none);
    Poly cond = poly_atom(&c, C, none), one = poly_num(&c, 1);
    double v;

    /* 0.9 x + 0.1 x - x is zero, as on paper (binary fractions do not add up exactly) */
    Poly x = poly_mul(&c, k, s);
    Poly sum = poly_add(&c, poly_add(&c, poly_scale(&c, x, 0.9), poly_scale(&c, x, 0.1), 1), x, -1);
    CHECK(poly_is_zero(sum));

    /* rain = [c] P and snow = (1 - [c]) P add up to P */
    Poly rain = poly_mul(&c, cond, p), snow = poly_mul(&c, poly_add(&c, one, cond, -1), p);
    CHECK(poly_equal(poly_add(&c, rain, snow, 1), p));

    /* a condition is 0 or 1: [c] [c] = [c]; an ordinary atom squares */
    CHECK(poly_equal(poly_mul(&c, cond, cond), cond));
    CHECK(poly_mul(&c, s, s).t[0].f[0].power == 2);

    /* (S + P)(S - P) = S^2 - P^2: the cross terms cancel */
    Poly prod = poly_mul(&c, poly_add(&c, s, p, 1), poly_add(&c, s, p, -1));
    CHECK(prod.n == 2);

    /* division by one term is exact; by a sum only when it divides */
    Poly q;
    CHECK(poly_div_exact(&c, poly_mul(&c, k, poly_add(&c, s, p, 1)), k, &q));
    CHECK(poly_equal(q, poly_add(&c, s, p, 1)));
    Poly one_minus_k = poly_add(&c, one, k, -1);
    CHECK(poly_div_exact(&c, poly_mul(&c, s, one_minus_k), one_minus_k, &q) && poly_equal(q, s));
    CHECK(!poly_div_exact(&c, s, one_minus_k, &q));
    CHECK(!poly_inverse(&c, cond, &q));   /* 1 / [c] has no value where c is false */

    /* K / K is 1 */
    Poly inv;
    CHECK(poly_inverse(&c, k, &inv));
    CHECK(poly_is_const(poly_mul(&c, k, inv), &v) && v == 1);

    /* equal values, equal keys, whatever order they were built in */
    CHECK_STR(poly_key(&c, poly_add(&c, s, p, 1)), poly_key(&c, poly_add(&c, p, s, 1)));
    CHECK(strcmp(poly_key(&c, poly_add(&c, s, p, 1)), poly_key(&c, poly_add(&c, s, p, -1))) != 0);

    /* a product larger than the limit is refused, and says so */
    PolyCtx small;
    poly_ctx_init(&small, &a, 3);
    for (int i = 0; i < NATOMS; i++) poly_ctx_add_atom(&small, i, i == C);
    Poly two = poly_add(&small, s, p, 1);
    poly_mul(&small, two, two);
    CHECK(small.overflow);

    arena_free(&a);
    return check_report("test_balance_poly");
}
