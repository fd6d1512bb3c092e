/* builtins.h — functions every .dg file can call without importing them.
 * The unit rule says how the result's unit follows from the arguments. */
#ifndef DG_BUILTINS_H
#define DG_BUILTINS_H

typedef enum {
    BU_SAME,        /* arguments share one unit, result has it (min, max, clamp, abs, relu) */
    BU_DIMLESS,     /* argument dimensionless, result dimensionless (exp, log, tanh, ...) */
    BU_SQRT,        /* result has half the exponents */
    BU_INDICATOR,   /* any argument, dimensionless 0/1 result (step) */
    BU_ROUTE,       /* route(x, kernel(...), n): unit of x */
    BU_NORM,        /* norm(X): X a model input, standardised by its statistics; dimensionless */
} BuiltinRule;

typedef enum {                /* grep ORDER Builtin */
    BI_MIN, BI_MAX, BI_CLAMP, BI_ABS, BI_RELU,
    BI_EXP, BI_LOG, BI_LOG10, BI_TANH, BI_SIGMOID, BI_SOFTPLUS,
    BI_SIN, BI_COS, BI_TAN, BI_ASIN, BI_ACOS, BI_ATAN, BI_LGAMMA,
    BI_SQRT, BI_STEP, BI_FLOOR, BI_ROUTE, BI_NORM,
    BI_COUNT
} BuiltinId;

typedef struct {
    const char *name;
    int         min_args, max_args;   /* max -1 = any number */
    BuiltinRule rule;
} Builtin;

extern const Builtin builtins[BI_COUNT];

/* Index into builtins[] or -1. */
int builtin_find(const char *name);

#endif
