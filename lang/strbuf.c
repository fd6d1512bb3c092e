/* strbuf.c — bounded appender (strbuf.h). The cut backs up to a UTF-8
 * character boundary, so a shortened path never ends in half a character. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void strbuf_init(StrBuf *sb, char *buf, size_t cap) {
    sb->buf = buf;
    sb->cap = cap;
    sb->len = 0;
    sb->cut = cap < 4;
    if (cap) buf[0] = '\0';
}

void strbuf_add(StrBuf *sb, const char *fmt, ...) {
    if (sb->cut) return;
    size_t room = sb->cap - sb->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;   /* encoding error: keep what is there */
    if ((size_t)n < room) { sb->len += (size_t)n; sb->buf[sb->len] = '\0'; return; }
    /* did not fit: "..." in the last three places before the NUL */
    size_t at = sb->cap - 4;
    while (at > 0 && ((unsigned char)sb->buf[at] & 0xC0) == 0x80) at--;
    memcpy(sb->buf + at, "...", 4);
    sb->len = at + 3;
    sb->cut = true;
}
