/* test_foundation.c — arena, interning and the source map (line/col with
 * UTF-8, CRLF and tabs). */
#include <stdint.h>
#include "arena.h"
#include "check.h"
#include "intern.h"
#include "source.h"

static void test_arena(void) {
    Arena a;
    arena_init(&a);
    unsigned char *p = arena_alloc(&a, 3);
    CHECK(((uintptr_t)p & 15) == 0);
    CHECK(p[0] == 0 && p[2] == 0);
    /* many small + some big allocations stay zeroed and aligned */
    for (int i = 0; i < 5000; i++) {
        size_t n = (size_t)(i % 7 == 0 ? 40000 : 24);
        unsigned char *q = arena_alloc(&a, n);
        CHECK(((uintptr_t)q & 15) == 0);
        CHECK(q[n - 1] == 0);
        q[0] = 0xAB;
    }
    CHECK_STR(arena_printf(&a, "%s-%d", "x", 42), "x-42");
    CHECK_STR(arena_strndup(&a, "hello world", 5), "hello");
    arena_free(&a);
    CHECK(a.head == NULL);
}

static void test_intern(void) {
    Arena a;
    arena_init(&a);
    Interner in;
    intern_init(&in, &a);
    const char *x = intern(&in, "SM");
    char buf[32];
    const char *first[2000];
    for (int i = 0; i < 2000; i++) {   /* forces several table growths */
        snprintf(buf, sizeof buf, "name%d", i);
        first[i] = intern(&in, buf);
    }
    CHECK(intern(&in, "SM") == x);
    CHECK(intern_n(&in, "SMX", 2) == x);
    int same = 1;
    for (int i = 0; i < 2000; i++) {
        snprintf(buf, sizeof buf, "name%d", i);
        same &= intern(&in, buf) == first[i];
    }
    CHECK(same);
    CHECK(intern(&in, "sm") != x);
    arena_free(&a);
}

static void test_source(void) {
    Arena a;
    arena_init(&a);
    SourceMap sm;
    src_init(&sm, &a);
    const char *text = "ab\r\n\tx\xc3\xa9y = 1\n\nlast";
    uint32_t f = src_add(&sm, "t.dg", NULL, text, strlen(text));
    SourceFile *sf = src_file(&sm, f);
    CHECK(sf->nlines == 4);
    uint32_t line, col, len;
    src_line_col(sf, 0, &line, &col);
    CHECK(line == 1 && col == 1);
    src_line_col(sf, 1, &line, &col);
    CHECK(line == 1 && col == 2);
    /* line 2: "\txéy = 1" — the tab counts as one column, é as one character */
    uint32_t y = (uint32_t)(strchr(text, 'y') - text);
    src_line_col(sf, y, &line, &col);
    CHECK(line == 2 && col == 4);
    const char *l1 = src_line_text(sf, 1, &len);
    CHECK(len == 2 && !strncmp(l1, "ab", 2));   /* CR is not part of the line */
    src_line_text(sf, 3, &len);
    CHECK(len == 0);
    const char *l4 = src_line_text(sf, 4, &len);
    CHECK(len == 4 && !strncmp(l4, "last", 4));
    src_line_col(sf, sf->len, &line, &col);    /* end of file */
    CHECK(line == 4 && col == 5);
    src_line_text(sf, 99, &len);
    CHECK(len == 0);

    Span s1 = {f, 4, 6}, s2 = {f, 2, 9};
    Span m = span_merge(s1, s2);
    CHECK(m.start == 2 && m.end == 9);

    uint32_t idx;
    const char *err = NULL;
    CHECK(src_load(&sm, "/nonexistent/file.dg", &idx, &err) == SRC_UNREADABLE && err);
    CHECK(src_load(&sm, "/", &idx, &err) == SRC_NOT_REGULAR && strstr(err, "directory"));
    arena_free(&a);
}

int main(void) {
    test_arena();
    test_intern();
    test_source();
    return check_report("test_foundation");
}
