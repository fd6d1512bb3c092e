/* test_diag.c — exact rendering of diagnostics: location, caret and
 * underline (tabs copied, UTF-8 counted as one column), notes, error cap. */
#include <stdlib.h>
#include "check.h"
#include "diag.h"

static char *render(const char *text, void (*emit)(Diag *, uint32_t)) {
    Arena a;
    arena_init(&a);
    SourceMap sm;
    src_init(&sm, &a);
    uint32_t f = src_add(&sm, "m.dg", NULL, text, strlen(text));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    Diag d;
    diag_init(&d, &sm, out, false);
    emit(&d, f);
    fclose(out);
    arena_free(&a);
    return buf;
}

static void emit_basic(Diag *d, uint32_t f) {
    Span s = {f, 17, 19};   /* "sm" */
    diag_error(d, s, "unknown name '%s'", "sm");
    Span decl = {f, 6, 8};
    diag_note(d, decl, "did you mean '%s'?", "SM");
}

static void emit_tab(Diag *d, uint32_t f) {
    Span s = {f, 6, 9};     /* after "\t\xc3\xa9 = " : "abc" */
    diag_warning(d, s, "w");
}

static void emit_many(Diag *d, uint32_t f) {
    Span s = {f, 0, 1};
    for (int i = 0; i < 25; i++) diag_error(d, s, "e%d", i);
    diag_note(d, s, "dropped");
}

int main(void) {
    char *got = render("state SM\n q = 1 * sm / fc\n", emit_basic);
    CHECK_STR(got,
              "m.dg:2:9: error: unknown name 'sm'\n"
              "    2 |  q = 1 * sm / fc\n"
              "      |         ^~\n"
              "m.dg:1:7: note: did you mean 'SM'?\n"
              "    1 | state SM\n"
              "      |       ^~\n");
    free(got);

    got = render("\t\xc3\xa9 = abc\n", emit_tab);
    CHECK_STR(got,
              "m.dg:1:6: warning: w\n"
              "    1 | \t\xc3\xa9 = abc\n"
              "      | \t    ^~~\n");
    free(got);

    got = render("x\n", emit_many);
    /* 20 errors, then the fatal line; later errors and notes are dropped */
    int errors = 0;
    for (char *p = got; (p = strstr(p, ": error: ")); p++) errors++;
    CHECK(errors == 20);
    CHECK(strstr(got, "fatal: too many errors (20), stopping\n") != NULL);
    CHECK(strstr(got, "dropped") == NULL);
    free(got);
    return check_report("test_diag");
}
