/* fuzz_frontend.c — libFuzzer entry point for the front end: each input is
 * one in-memory .dg file, run through what `dgc --dump-ast --dump-checked
 * --summary` does (parse, dump the tree even after syntax errors, check,
 * dump and summarise every checked model), with imports disabled.
 * Diagnostics and dumps go to /dev/null; only crashes, sanitizer reports and
 * timeouts count. Linked with libFuzzer (fuzz_frontend, DG_FUZZ=ON) or with
 * replay_main.c (fuzz_replay, every build). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "frontend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        if (!devnull) {
            perror("fuzz_frontend: /dev/null");
            abort();
        }
    }
    /* as frontend_check_buffer(), plus the dumps of the driver */
    Program p;
    program_init(&p);
    Diag d;
    /* colour on for odd sizes: the excerpt code has a path per setting */
    diag_init(&d, &p.sources, devnull, size & 1);
    program_set_diag(&p, &d);
    p.imports_disabled = true;
    /* data is not NUL-terminated: the front end must respect size */
    LoadedFile *root = program_load_buffer(&p, "fuzz.dg", (const char *)data, size);
    ast_dump_file(devnull, root->ast, &p.sources);
    if (diag_error_count(&d) == 0 && sema_check_program(&p)) {
        for (int i = 0; i < p.nmodels; i++) {
            checked_dump_model(devnull, p.models[i], &p);
            checked_print_summary(devnull, p.models[i], &p);
        }
    }
    program_free(&p);
    return 0;
}
