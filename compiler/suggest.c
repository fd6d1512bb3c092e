/* suggest.c — edit distance (Levenshtein, case-insensitive first) to propose
 * the closest known name; the same words in another order count as one edit.
 * Names over 64 characters are not compared. */
#include "suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

enum { MAX_LEN = 64 };

/* Levenshtein distance, optionally ignoring case. */
static int distance(const char *a, const char *b, bool fold) {
    size_t n = strlen(a), m = strlen(b);
    if (n > MAX_LEN || m > MAX_LEN) return 1 << 20;
    int prev[MAX_LEN + 1], cur[MAX_LEN + 1];
    for (size_t j = 0; j <= m; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            char x = a[i - 1], y = b[j - 1];
            if (fold) { x = (char)tolower((unsigned char)x); y = (char)tolower((unsigned char)y); }
            int best = prev[j - 1] + (x != y);
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (m + 1));
    }
    return prev[m];
}

/* The same words in another order: "hamon_pet" and "pet_hamon". */
static bool same_words(const char *a, const char *b) {
    enum { MAX_WORDS = 8 };
    const char *wa[MAX_WORDS], *wb[MAX_WORDS];
    size_t la[MAX_WORDS], lb[MAX_WORDS];
    int na = 0, nb = 0;
    for (const char *s = a; *s && na < MAX_WORDS; na++) {
        wa[na] = s;
        la[na] = strcspn(s, "_");
        s += la[na] + (s[la[na]] == '_');
    }
    for (const char *s = b; *s && nb < MAX_WORDS; nb++) {
        wb[nb] = s;
        lb[nb] = strcspn(s, "_");
        s += lb[nb] + (s[lb[nb]] == '_');
    }
    if (na < 2 || na != nb || strlen(a) != strlen(b)) return false;
    bool used[MAX_WORDS] = {false};
    for (int i = 0; i < na; i++) {
        int k = 0;
        while (k < nb && (used[k] || lb[k] != la[i] || strncmp(wa[i], wb[k], la[i]))) k++;
        if (k == nb) return false;
        used[k] = true;
    }
    return true;
}

/* Score: edits ignoring case count most; exact-case edits break ties.
 * Reordered words count as one edit. */
static int score(const char *a, const char *b) {
    if (same_words(a, b)) return 100;
    return distance(a, b, true) * 100 + distance(a, b, false);
}

void suggest_init(Suggest *s, const char *target) {
    s->target = target;
    s->best = NULL;
    s->score = 1 << 20;
}

void suggest_offer(Suggest *s, const char *candidate) {
    if (!candidate || !strcmp(candidate, s->target)) return;
    int d = score(s->target, candidate);
    if (d < s->score) { s->score = d; s->best = candidate; }
}

const char *suggest_best(const Suggest *s) {
    size_t len = strlen(s->target);
    /* edits allowed (ignoring case): 1 for short names, up to 3 for long ones */
    int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    return s->best && s->score / 100 <= limit && s->score / 100 < (int)len ? s->best : NULL;
}
