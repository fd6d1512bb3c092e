/* diag.h — diagnostics: error/warning/note with file:line:col, the source
 * line and a caret/underline under the span. Output goes to stderr only. */
#ifndef DG_DIAG_H
#define DG_DIAG_H

#include <stdbool.h>
#include <stdio.h>
#include "source.h"

enum { DIAG_MAX_ERRORS = 20, DIAG_MAX_WARNINGS = 100, DIAG_MAX_SEEN = 256 };

typedef struct {
    const SourceMap *sources;
    FILE *out;            /* stderr, or a memory stream in tests */
    bool  color;
    int   errors, warnings;
    bool  fatal;          /* error cap reached: everything after is suppressed */
    bool  last_shown;     /* whether the previous error/warning was printed (notes follow it) */
    /* errors and warnings printed so far (hash of span + text): a base model's
     * items are checked again in every variant, and would repeat theirs */
    unsigned long long seen[DIAG_MAX_SEEN];
    int   nseen;
    int   repeats;        /* errors not printed as repeats (still counted in errors,
                             so "did this produce errors" checks see them) */
} Diag;

void diag_init(Diag *d, const SourceMap *sources, FILE *out, bool color);

void diag_error(Diag *d, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(Diag *d, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A note attaches to the previous error or warning and is dropped with it. */
void diag_note(Diag *d, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A note without a source location. */
void diag_note_plain(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error that is about a file as a whole (cannot open, ...). */
void diag_error_file(Diag *d, const char *file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline int diag_error_count(const Diag *d) { return d->errors; }

/* Internal compiler errors are not user errors: report and abort (exit 134). */
_Noreturn void diag_ice(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define DG_ICE(...) diag_ice(__FILE__, __LINE__, __VA_ARGS__)

#endif
