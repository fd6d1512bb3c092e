/* test_units.c — unit algebra and spelling (units.c) and "did you mean"
 * ranking (suggest.c). */
#include <stdlib.h>
#include "check.h"
#include "suggest.h"
#include "units.h"

static Unit parse(Arena *a, const char *spec[][2], int n) {
    /* spec: {"mm", "1"}, {"d", "-1"} */
    AstUnit u = {0};
    UnitFactor f[8];
    for (int i = 0; i < n; i++) {
        f[i].name.name = spec[i][0];
        f[i].power = atoi(spec[i][1]);
    }
    u.factors = f;
    u.nfactors = n;
    SourceMap sm;
    src_init(&sm, a);
    Diag d;
    diag_init(&d, &sm, stderr, false);
    return unit_from_ast(&u, &d, a);
}

int main(void) {
    Arena a;
    arena_init(&a);
    const char *mm_d[][2] = {{"mm", "1"}, {"d", "-1"}};
    const char *m_s[][2] = {{"m", "1"}, {"s", "-1"}};
    const char *mm[][2] = {{"mm", "1"}};
    const char *per_day[][2] = {{"d", "-1"}};
    const char *ddf[][2] = {{"mm", "1"}, {"degC", "-1"}, {"d", "-1"}};
    Unit rate = parse(&a, mm_d, 2), ms = parse(&a, m_s, 2), amount = parse(&a, mm, 1);
    Unit k = parse(&a, per_day, 1), cf = parse(&a, ddf, 3);

    CHECK_STR(unit_text(rate, &a), "mm/d");
    CHECK_STR(unit_text(cf, &a), "mm/degC/d");
    CHECK(!unit_same(rate, ms));                       /* same dimension, other scale */
    CHECK(unit_same(unit_mul(k, amount), rate));       /* K * S is a rate */
    CHECK_STR(unit_text(unit_mul(k, amount), &a), "mm/d");
    CHECK(unit_same(unit_per_step(rate), amount));     /* a rate read in a step block */
    CHECK(unit_is_dimensionless(unit_per_step(k)));
    CHECK(unit_same(unit_per_day(amount), rate));
    CHECK_STR(unit_text(unit_pow(unit_mul(amount, amount), 0.5), &a), "mm");
    CHECK_STR(unit_text(unit_div(unit_dimensionless(), rate), &a), "d/mm");
    CHECK(unit_compatible(unit_any(), rate));
    CHECK(unit_compatible(unit_unknown(), rate));
    CHECK(unit_same(unit_pick(unit_any(), rate), rate));
    CHECK(unit_mul(unit_unknown(), rate).kind == UNIT_UNKNOWN);
    CHECK_STR(unit_text(unit_mul(ms, unit_dimensionless()), &a), "8.64e+07 mm/d");

    Suggest s;
    suggest_init(&s, "sooil");
    suggest_offer(&s, "SNOW");
    suggest_offer(&s, "SOIL");
    suggest_offer(&s, "soil_depth");
    CHECK_STR(suggest_best(&s), "SOIL");
    suggest_init(&s, "sm");
    suggest_offer(&s, "SM");
    suggest_offer(&s, "S");
    CHECK_STR(suggest_best(&s), "SM");
    suggest_init(&s, "xyz");
    suggest_offer(&s, "FC");
    CHECK(suggest_best(&s) == NULL);
    arena_free(&a);
    return check_report("test_units");
}
