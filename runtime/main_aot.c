/* main_aot.c — main() of a model compiled ahead of time (dgc FILE.dg -o EXE):
 * the object dgc emits defines `dg_model`; the linker takes this file from
 * the runtime archive because nothing else defines main. */
#include "dgrt_cli.h"

int main(int argc, char **argv) { return dgrt_main(&dg_model, argc, argv); }
