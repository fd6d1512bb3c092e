/* arena.h — bump allocator used by every phase (AST, checked models, IR).
 * Nodes never own memory: a phase result lives in one Arena and dies with
 * arena_free(). Allocation failure is fatal (there is nothing to recover). */
#ifndef DG_ARENA_H
#define DG_ARENA_H

#include <stddef.h>

typedef struct ArenaChunk ArenaChunk;

typedef struct {
    ArenaChunk *head;     /* most recent chunk; older chunks are linked behind it */
    size_t      total;    /* bytes handed out, for statistics and tests */
} Arena;

void  arena_init(Arena *a);
void  arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t size);            /* zeroed, 16-byte aligned */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Typed helpers: ARENA_NEW(a, Expr) and ARENA_ARRAY(a, Expr *, n). */
#define ARENA_NEW(a, T)        ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n)   ((T *)arena_alloc((a), sizeof(T) * (size_t)(n)))

#endif
