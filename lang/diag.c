/* diag.c — rendering of diagnostics (clang style):
 *   model.dg:12:17: error: unknown name 'sm'
 *      12 |     q = beta * sm / fc
 *         |                ^~
 * Tabs are copied into the caret line so the caret stays aligned. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(Diag *d, const SourceMap *sources, FILE *out, bool color) {
    memset(d, 0, sizeof *d);
    d->sources = sources;
    d->out = out;
    d->color = color;
}

static const char *color_of(const char *sev) {
    if (!strcmp(sev, "error")) return "\033[1;31m";
    if (!strcmp(sev, "warning")) return "\033[1;35m";
    return "\033[1;36m";
}

/* Prints the source line and the caret line for span (first line only). */
static void print_excerpt(Diag *d, const SourceFile *f, Span span, uint32_t line, uint32_t col) {
    uint32_t len;
    const char *text = src_line_text(f, line, &len);
    fprintf(d->out, "%5u | ", line);
    for (uint32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        fputc((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c, d->out);
    }
    fputc('\n', d->out);

    /* caret: copy tabs of the prefix, spaces otherwise; one mark per character */
    fprintf(d->out, "      | ");
    uint32_t line_start = f->line_starts[line - 1];
    uint32_t seen = 1;
    for (uint32_t i = 0; i < len && seen < col; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c & 0xC0) == 0x80) continue;
        fputc(c == '\t' ? '\t' : ' ', d->out);
        seen++;
    }
    if (d->color) fputs("\033[1;32m", d->out);
    fputc('^', d->out);
    uint32_t end = span.end;
    uint32_t line_end = line_start + len;
    if (end > line_end) end = line_end;
    uint32_t start = span.start;
    if (start < line_start) start = line_start;
    bool first = true;
    for (uint32_t i = start; i < end; i++) {
        if (((unsigned char)f->text[i] & 0xC0) == 0x80) continue;
        if (first) { first = false; continue; }  /* the caret covers the first char */
        fputc('~', d->out);
    }
    if (d->color) fputs("\033[0m", d->out);
    fputc('\n', d->out);
}

static void emit(Diag *d, const char *sev, const Span *span, const char *fmt, va_list ap) {
    fflush(stdout);  /* show normal output before the diagnostic */
    const SourceFile *f = span ? src_file(d->sources, span->file) : NULL;
    uint32_t line = 0, col = 0;
    if (f) {
        src_line_col(f, span->start, &line, &col);
        if (d->color) fputs("\033[1m", d->out);
        fprintf(d->out, "%s:%u:%u: ", f->name, line, col);
    }
    if (d->color) fprintf(d->out, "%s%s:\033[0m", color_of(sev), sev);
    else fprintf(d->out, "%s:", sev);
    fputc(' ', d->out);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    if (f) print_excerpt(d, f, *span, line, col);
}

static bool admit(Diag *d) {
    if (d->fatal) return false;
    if (d->errors >= DIAG_MAX_ERRORS) {
        d->fatal = true;
        fflush(stdout);
        fprintf(d->out, "fatal: too many errors (%d), stopping\n", DIAG_MAX_ERRORS);
        return false;
    }
    return true;
}

void diag_error(Diag *d, Span span, const char *fmt, ...) {
    d->last_shown = admit(d);
    if (!d->last_shown) { d->errors++; return; }
    d->errors++;
    va_list ap;
    va_start(ap, fmt);
    emit(d, "error", &span, fmt, ap);
    va_end(ap);
}

void diag_error_file(Diag *d, const char *file, const char *fmt, ...) {
    d->last_shown = admit(d);
    d->errors++;
    if (!d->last_shown) return;
    fflush(stdout);
    fprintf(d->out, "%s: error: ", file);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
}

void diag_warning(Diag *d, Span span, const char *fmt, ...) {
    d->last_shown = !d->fatal;
    d->warnings++;
    if (!d->last_shown) return;
    va_list ap;
    va_start(ap, fmt);
    emit(d, "warning", &span, fmt, ap);
    va_end(ap);
}

void diag_note(Diag *d, Span span, const char *fmt, ...) {
    if (!d->last_shown) return;
    va_list ap;
    va_start(ap, fmt);
    emit(d, "note", &span, fmt, ap);
    va_end(ap);
}

void diag_note_plain(Diag *d, const char *fmt, ...) {
    if (!d->last_shown) return;
    va_list ap;
    va_start(ap, fmt);
    emit(d, "note", NULL, fmt, ap);
    va_end(ap);
}

_Noreturn void diag_ice(const char *file, int line, const char *fmt, ...) {
    fflush(stdout);
    fprintf(stderr, "dgc: internal compiler error at %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nplease report this, with the input that caused it\n");
    abort();
}
