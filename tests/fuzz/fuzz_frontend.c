/* fuzz_frontend.c — libFuzzer entry point for the front end: each input is
 * one in-memory .dg file, parsed and checked by frontend_check_buffer().
 * Diagnostics go to /dev/null; only crashes, sanitizer reports and timeouts
 * count. Linked with libFuzzer (fuzz_frontend, DG_FUZZ=ON) or with
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
    /* data is not NUL-terminated: the front end must respect size */
    frontend_check_buffer("fuzz.dg", (const char *)data, size, devnull);
    return 0;
}
