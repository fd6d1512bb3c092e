/* arena.c — chunked bump allocator. Large requests get a chunk of their own. */
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ArenaChunk {
    ArenaChunk *prev;
    size_t      used, cap;
    _Alignas(16) unsigned char data[];
};

enum { CHUNK_DEFAULT = 64 * 1024 };

void arena_init(Arena *a) { a->head = NULL; a->total = 0; }

void arena_free(Arena *a) {
    ArenaChunk *c = a->head;
    while (c) {
        ArenaChunk *prev = c->prev;
        free(c);
        c = prev;
    }
    a->head = NULL;
    a->total = 0;
}

static ArenaChunk *new_chunk(size_t cap, ArenaChunk *prev) {
    ArenaChunk *c = malloc(sizeof(ArenaChunk) + cap);
    if (!c) {
        fprintf(stderr, "dgc: out of memory (arena chunk of %zu bytes)\n", cap);
        abort();
    }
    c->prev = prev;
    c->used = 0;
    c->cap = cap;
    return c;
}

void *arena_alloc(Arena *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    ArenaChunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        if (size > CHUNK_DEFAULT / 4) {
            /* big block: own chunk, linked behind the head so the head keeps its free space */
            ArenaChunk *big = new_chunk(size, c ? c->prev : NULL);
            if (c) c->prev = big; else a->head = big;
            big->used = size;
            a->total += size;
            memset(big->data, 0, size);
            return big->data;
        }
        c = a->head = new_chunk(CHUNK_DEFAULT, c);
    }
    void *p = c->data + c->used;
    c->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_printf(Arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
