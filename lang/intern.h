/* intern.h — string interning: identifiers and unit names are compared by
 * pointer after interning. The table and its strings live in one arena. */
#ifndef DG_INTERN_H
#define DG_INTERN_H

#include <stddef.h>
#include "arena.h"

typedef struct {
    Arena        *arena;      /* owner of the strings and the slot array */
    const char  **slots;      /* open addressing, NULL = empty */
    size_t        cap, count;
} Interner;

void        intern_init(Interner *in, Arena *arena);
const char *intern_n(Interner *in, const char *s, size_t n);
const char *intern(Interner *in, const char *s);

#endif
