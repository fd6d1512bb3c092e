/* check.h — minimal assertions for the unit tests: CHECK(cond) records a
 * failure with file:line and keeps going; main returns check_report(). */
#ifndef DG_TEST_CHECK_H
#define DG_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                              \
    do {                                                                         \
        check_count++;                                                           \
        if (!(cond)) {                                                           \
            check_failures++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_STR(got, want)                                                     \
    do {                                                                         \
        check_count++;                                                           \
        const char *g_ = (got), *w_ = (want);                                    \
        if (!g_ || strcmp(g_, w_)) {                                             \
            check_failures++;                                                    \
            fprintf(stderr, "%s:%d: got\n---\n%s\n---\nwant\n---\n%s\n---\n", __FILE__, __LINE__, \
                    g_ ? g_ : "(null)", w_);                                     \
        }                                                                        \
    } while (0)

static int check_report(const char *name) {
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
