/* builtins.c — the builtin function table (grep ORDER Builtin). */
#include "builtins.h"

#include <string.h>

const Builtin builtins[BI_COUNT] = {
    [BI_MIN] = {"min", 2, -1, BU_SAME},          [BI_MAX] = {"max", 2, -1, BU_SAME},
    [BI_CLAMP] = {"clamp", 3, 3, BU_SAME},       [BI_ABS] = {"abs", 1, 1, BU_SAME},
    [BI_RELU] = {"relu", 1, 1, BU_SAME},         [BI_EXP] = {"exp", 1, 1, BU_DIMLESS},
    [BI_LOG] = {"log", 1, 1, BU_DIMLESS},        [BI_LOG10] = {"log10", 1, 1, BU_DIMLESS},
    [BI_TANH] = {"tanh", 1, 1, BU_DIMLESS},      [BI_SIGMOID] = {"sigmoid", 1, 1, BU_DIMLESS},
    [BI_SOFTPLUS] = {"softplus", 1, 1, BU_DIMLESS}, [BI_SIN] = {"sin", 1, 1, BU_DIMLESS},
    [BI_COS] = {"cos", 1, 1, BU_DIMLESS},        [BI_TAN] = {"tan", 1, 1, BU_DIMLESS},
    [BI_ASIN] = {"asin", 1, 1, BU_DIMLESS},      [BI_ACOS] = {"acos", 1, 1, BU_DIMLESS},
    [BI_ATAN] = {"atan", 1, 1, BU_DIMLESS},      [BI_LGAMMA] = {"lgamma", 1, 1, BU_DIMLESS},
    [BI_SQRT] = {"sqrt", 1, 1, BU_SQRT},         [BI_STEP] = {"step", 1, 1, BU_INDICATOR},
    [BI_FLOOR] = {"floor", 1, 1, BU_DIMLESS},   [BI_ROUTE] = {"route", 3, 3, BU_ROUTE},
    [BI_NORM] = {"norm", 1, 1, BU_NORM},
};

int builtin_find(const char *name) {
    for (int i = 0; i < BI_COUNT; i++)
        if (!strcmp(builtins[i].name, name)) return i;
    return -1;
}
