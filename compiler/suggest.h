/* suggest.h — "did you mean 'SM'?" for misspelled names and options. */
#ifndef DG_SUGGEST_H
#define DG_SUGGEST_H

typedef struct {
    const char *target;   /* the misspelled name */
    const char *best;     /* closest candidate so far, or NULL */
    int         score;    /* its distance */
} Suggest;

void        suggest_init(Suggest *s, const char *target);
void        suggest_offer(Suggest *s, const char *candidate);
const char *suggest_best(const Suggest *s);   /* NULL when nothing is close */

#endif
