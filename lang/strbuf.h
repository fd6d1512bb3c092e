/* strbuf.h — a message built piece by piece in a fixed buffer. Appends
 * never write past the buffer: what does not fit is cut, and the text then
 * ends in "..." so the reader sees it was shortened (a cycle through long
 * names must not overrun a stack buffer, as `o += snprintf` did). */
#ifndef DG_STRBUF_H
#define DG_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char  *buf;     /* caller's storage; always NUL-terminated */
    size_t cap;     /* bytes of buf (at least 4, for "..." and the NUL) */
    size_t len;     /* characters in buf */
    bool   cut;     /* an append did not fit: buf ends in "..." */
} StrBuf;

void strbuf_init(StrBuf *sb, char *buf, size_t cap);
/* Appends printf-style; after a cut, further appends are ignored. */
void strbuf_add(StrBuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
