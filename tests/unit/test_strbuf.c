/* test_strbuf.c — the bounded appender: text that fits is kept exactly;
 * text that does not is cut to fit and ends in "...", never past the buffer
 * (the guard bytes after it stay untouched), and never in half a UTF-8
 * character. */
#include <string.h>
#include "check.h"
#include "strbuf.h"

enum { GUARD = 16 };

/* a 32-byte buffer followed by guard bytes */
typedef struct { char buf[32]; char guard[GUARD]; } Boxed;

static int guard_intact(const Boxed *b) {
    for (int i = 0; i < GUARD; i++)
        if (b->guard[i] != '#') return 0;
    return 1;
}

int main(void) {
    Boxed b;
    StrBuf sb;

    /* fits: exact text, no cut */
    memset(&b, '#', sizeof b);
    strbuf_init(&sb, b.buf, sizeof b.buf);
    strbuf_add(&sb, "'%s' -> ", "a");
    strbuf_add(&sb, "'%s'", "b");
    CHECK_STR(b.buf, "'a' -> 'b'");
    CHECK(sb.len == strlen(b.buf) && !sb.cut);

    /* exactly full (31 characters + NUL) is not a cut */
    strbuf_init(&sb, b.buf, sizeof b.buf);
    strbuf_add(&sb, "%s", "0123456789012345678901234567890");
    CHECK(!sb.cut && sb.len == 31);

    /* one long piece after a short one: cut, "..." at the end, guard intact */
    char name[300];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    memset(&b, '#', sizeof b);
    strbuf_init(&sb, b.buf, sizeof b.buf);
    strbuf_add(&sb, "'%s' -> ", "a");
    strbuf_add(&sb, "'%s' -> ", name);
    CHECK(sb.cut);
    CHECK(sb.len == strlen(b.buf) && sb.len < sizeof b.buf);
    CHECK_STR(b.buf + sb.len - 3, "...");
    CHECK(!strncmp(b.buf, "'a' -> 'xxx", 11));
    CHECK(guard_intact(&b));
    /* appends after a cut change nothing */
    size_t len = sb.len;
    strbuf_add(&sb, "%s", name);
    CHECK(sb.len == len && guard_intact(&b));

    /* a cut inside a two-byte character drops the whole character */
    memset(&b, '#', sizeof b);
    strbuf_init(&sb, b.buf, sizeof b.buf);
    strbuf_add(&sb, "%s", "0123456789012345678901234567");   /* 28: the cut is at 28 */
    strbuf_add(&sb, "%s", "\xc3\xa9\xc3\xa9\xc3\xa9");        /* é at 28..29 */
    CHECK_STR(b.buf, "0123456789012345678901234567...");
    memset(&b, '#', sizeof b);
    strbuf_init(&sb, b.buf, sizeof b.buf);
    strbuf_add(&sb, "%s", "012345678901234567890123456");    /* 27: é at 27..28 */
    strbuf_add(&sb, "%s", "\xc3\xa9\xc3\xa9\xc3\xa9");
    CHECK_STR(b.buf, "012345678901234567890123456...");
    CHECK(guard_intact(&b));

    /* a tiny buffer holds nothing but stays terminated */
    char tiny[3] = "zz";
    strbuf_init(&sb, tiny, sizeof tiny);
    strbuf_add(&sb, "%s", "abc");
    CHECK(tiny[0] == '\0' && sb.len == 0);

    return check_report("test_strbuf");
}
