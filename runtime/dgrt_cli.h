/* dgrt_cli.h — the command line of a compiled model. AOT executables
 * (runtime/main_aot.c) and `dgc run model.dg ARGS` (JIT) both call
 * dgrt_main with the model's DgModel; it returns the process exit code:
 * 0 ok, 1 failure (e.g. gradcheck NOT OK), 2 usage, 3 data or I/O error. */
#ifndef DGRT_CLI_H
#define DGRT_CLI_H

#include "dgrt.h"

int dgrt_main(const DgModel *model, int argc, char **argv);

#endif
