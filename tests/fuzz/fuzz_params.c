/* fuzz_params.c — libFuzzer harness of the parameter readers (params.c):
 * each input is read as a --params CSV (name, value, optional component;
 * two components), as a --netw weights file (one number per line) and, as a
 * C string, as an --init NAME[k]=VALUE argument.
 * Seeds: tests/fuzz/corpus_params/. */
#include "dgrt_internal.h"
#include "fuzz_runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[1024];
    DgrtErr err = {0};
    DgModel m = fuzz_model();
    double vals[4 * 2], w[3];
    fuzz_write(path, sizeof path, "params.csv", data, size);
    fuzz_outcome("params", dgrt_params_load(&m, path, 2, vals, &err), &err);
    fuzz_outcome("netw", dgrt_netw_load(&m, path, w, &err), &err);
    char *arg = fuzz_cstring(data, size);
    DgInitOverride o;
    fuzz_outcome("init", dgrt_init_parse(&m, arg, 2, &o, &err), &err);
    free(arg);
    return 0;
}
