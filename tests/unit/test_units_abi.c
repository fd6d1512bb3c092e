/* test_units_abi.c — the runtime reads every unit the compiler can write into
 * the model ABI (DgNameInfo.unit, DgOutputInfo.unit): for each unit name of
 * lang/REFERENCE.md §19 and the reference's compound examples, the text
 * compiler/units.c makes of the declaration parses with runtime/data_units.c
 * into the same dimension and scale. (The runtime never includes compiler
 * headers; this test links both.) */
#include <math.h>
#include <stdlib.h>
#include "check.h"
#include "data_units.h"
#include "units.h"

/* "mm 1 d -1" style: name power pairs */
static void same(Arena *a, const char *names[], const int powers[], int n) {
    UnitFactor f[8];
    for (int i = 0; i < n; i++) {
        f[i].name.name = names[i];
        f[i].power = powers[i];
    }
    AstUnit au = {0};
    au.factors = f;
    au.nfactors = n;
    SourceMap sm;
    src_init(&sm, a);
    Diag d;
    diag_init(&d, &sm, stderr, false);
    Unit cu = unit_from_ast(&au, &d, a);
    CHECK(cu.kind == UNIT_KNOWN);
    const char *text = unit_text(cu, a);
    DgUnit ru;
    char msg[128] = "";
    int parsed = dgrt_unit_parse(text, &ru, msg, sizeof msg) == 0;
    if (!parsed) fprintf(stderr, "runtime cannot read '%s': %s\n", text, msg);
    CHECK(parsed);
    if (!parsed) return;
    int dims = 1;
    for (int k = 0; k < DIM_COUNT; k++) dims &= cu.dim[k] == 2 * ru.dim[k];   /* compiler: halves; ORDER Dim */
    if (!dims || fabs(cu.scale - ru.scale) > 1e-12 * cu.scale)
        fprintf(stderr, "'%s': compiler scale %g, runtime %g\n", text, cu.scale, ru.scale);
    CHECK(dims);
    CHECK(fabs(cu.scale - ru.scale) <= 1e-12 * cu.scale);
}

int main(void) {
    Arena a;
    arena_init(&a);
    CHECK((int)DIM_LENGTH == (int)DGRT_DIM_LENGTH && (int)DIM_TIME == (int)DGRT_DIM_TIME &&
          (int)DIM_TEMP == (int)DGRT_DIM_TEMP && (int)DIM_MASS == (int)DGRT_DIM_MASS && (int)DIM_COUNT == (int)DGRT_NDIMS);
    static const char *const names[] = {"mm", "cm", "m",  "km", "s",  "min", "h",  "hr", "d",   "day",    "yr",
                                        "degC", "K",  "kg", "g",  "J",  "kJ",  "MJ", "W",  "Pa", "kPa", "percent"};
    const int one[1] = {1};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) same(&a, (const char *[]){names[i]}, one, 1);
    same(&a, (const char *[]){"mm", "d"}, (const int[]){1, -1}, 2);                 /* mm/d */
    same(&a, (const char *[]){"d"}, (const int[]){-1}, 1);                          /* 1/d */
    same(&a, (const char *[]){"mm", "degC", "d"}, (const int[]){1, -1, -1}, 3);     /* mm/degC/d */
    same(&a, (const char *[]){"kg", "m"}, (const int[]){1, -3}, 2);                 /* kg/m^3 */
    same(&a, (const char *[]){"m"}, (const int[]){-2}, 1);                          /* m^-2 */
    same(&a, (const char *[]){"MJ", "m", "d"}, (const int[]){1, -2, -1}, 3);        /* MJ/m^2/d */
    same(&a, (const char *[]){"m", "s"}, (const int[]){1, -2}, 2);                  /* m/s^2 */
    same(&a, (const char *[]){"mm", "h"}, (const int[]){1, -1}, 2);                 /* mm/h */
    same(&a, (const char *[]){"mm", "d", "degC"}, (const int[]){1, -1, -1}, 3);     /* mm/(d*degC) */
    same(&a, (const char *[]){NULL}, one, 0);                                        /* - */
    arena_free(&a);
    return check_report("test_units_abi");
}
