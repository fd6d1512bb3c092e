/* intern.c — open-addressing hash set of strings (FNV-1a). Grows at 50 %
 * load; old slot arrays stay in the arena (small, and freed with it). */
#include "intern.h"

#include <string.h>

static size_t hash(const char *s, size_t n) {
    size_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

void intern_init(Interner *in, Arena *arena) {
    in->arena = arena;
    in->cap = 256;
    in->count = 0;
    in->slots = ARENA_ARRAY(arena, const char *, in->cap);
}

static void grow(Interner *in) {
    size_t ncap = in->cap * 2;
    const char **ns = ARENA_ARRAY(in->arena, const char *, ncap);
    for (size_t i = 0; i < in->cap; i++) {
        const char *s = in->slots[i];
        if (!s) continue;
        size_t j = hash(s, strlen(s)) & (ncap - 1);
        while (ns[j]) j = (j + 1) & (ncap - 1);
        ns[j] = s;
    }
    in->slots = ns;
    in->cap = ncap;
}

const char *intern_n(Interner *in, const char *s, size_t n) {
    if (2 * (in->count + 1) > in->cap) grow(in);
    size_t j = hash(s, n) & (in->cap - 1);
    while (in->slots[j]) {
        const char *t = in->slots[j];
        if (strncmp(t, s, n) == 0 && t[n] == '\0') return t;
        j = (j + 1) & (in->cap - 1);
    }
    const char *copy = arena_strndup(in->arena, s, n);
    in->slots[j] = copy;
    in->count++;
    return copy;
}

const char *intern(Interner *in, const char *s) { return intern_n(in, s, strlen(s)); }
