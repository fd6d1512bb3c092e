/* units.h — physical units as exponents over a basis (mm, d, degC, kg) and
 * a scale factor. Declared units are checked wherever they are given;
 * quantities without a declared unit are unchecked (UNIT_UNKNOWN), and
 * number literals adopt the unit their context requires (UNIT_ANY). */
#ifndef DG_UNITS_H
#define DG_UNITS_H

#include <stdbool.h>
#include "ast.h"
#include "diag.h"

enum { DIM_LENGTH, DIM_TIME, DIM_TEMP, DIM_MASS, DIM_COUNT };   /* grep ORDER Dim */

typedef enum {
    UNIT_UNKNOWN,   /* not declared: never checked */
    UNIT_ANY,       /* a number literal: dimensionless, but adopts the other side in + - min max */
    UNIT_KNOWN,     /* dims + scale are meaningful */
} UnitKind;

typedef struct {
    UnitKind kind;
    signed char dim[DIM_COUNT];   /* exponents, in halves (sqrt(mm) has length 1) */
    double scale;                 /* value in basis units per value in this unit */
    const char *text;             /* as declared (e.g. "mm/d"); NULL when derived */
} Unit;

Unit unit_unknown(void);
Unit unit_any(void);
Unit unit_dimensionless(void);
bool unit_is_dimensionless(Unit u);          /* KNOWN and all exponents 0 */
bool unit_same(Unit a, Unit b);              /* KNOWN, same dims and scale */
bool unit_compatible(Unit a, Unit b);        /* false only when both KNOWN and differ */
Unit unit_pick(Unit a, Unit b);              /* result of a + b when compatible */
Unit unit_mul(Unit a, Unit b);
Unit unit_div(Unit a, Unit b);
Unit unit_pow(Unit a, double exponent);      /* exponent must be a multiple of 1/2 */
Unit unit_per_step(Unit u);                  /* rate X/d read in a step block: amount X */
Unit unit_per_day(Unit u);                   /* storage X: its rate X/d */

/* Resolves a declared unit; reports unknown unit names. */
Unit unit_from_ast(const AstUnit *u, Diag *d, Arena *arena);

/* Human-readable unit text for messages and dumps (static or arena memory). */
const char *unit_text(Unit u, Arena *arena);

#endif
