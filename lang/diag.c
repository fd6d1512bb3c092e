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

/* Prints the source line and the caret line for span (first line only).
 * Each line is built in a buffer and written at once (stderr is unbuffered);
 * a line longer than EXCERPT_MAX bytes (minified or generated input) is
 * shown as a window of EXCERPT_WIDTH bytes around the caret. */
enum { EXCERPT_MAX = 200, EXCERPT_BEFORE = 60, EXCERPT_WIDTH = 160, EXCERPT_BUF = 1024 };

typedef struct { char b[EXCERPT_BUF]; size_t n; } LineBuf;

static void put(LineBuf *lb, const char *s, size_t n) {
    if (n > sizeof lb->b - lb->n) n = sizeof lb->b - lb->n;
    memcpy(lb->b + lb->n, s, n);
    lb->n += n;
}

static void putc_lb(LineBuf *lb, char c) { put(lb, &c, 1); }

static bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

static void print_excerpt(Diag *d, const SourceFile *f, Span span, uint32_t line, uint32_t col) {
    (void)col;   /* the caret is placed from the byte offset (col counts the same characters) */
    uint32_t len;
    const char *text = src_line_text(f, line, &len);
    uint32_t line_start = f->line_starts[line - 1];
    uint32_t at = span.start > line_start ? span.start - line_start : 0;
    if (at > len) at = len;
    uint32_t ws = 0, we = len;   /* shown part of the line: [ws, we) */
    if (len > EXCERPT_MAX) {
        ws = at > EXCERPT_BEFORE ? at - EXCERPT_BEFORE : 0;
        while (ws > 0 && is_cont((unsigned char)text[ws])) ws--;
        we = len - ws > EXCERPT_WIDTH ? ws + EXCERPT_WIDTH : len;
        while (we < len && is_cont((unsigned char)text[we])) we++;
    }

    LineBuf lb = {.n = 0};
    char num[32];
    put(&lb, num, (size_t)snprintf(num, sizeof num, "%5u | ", line));
    if (ws > 0) put(&lb, "...", 3);
    for (uint32_t i = ws; i < we; i++) {
        unsigned char c = (unsigned char)text[i];
        putc_lb(&lb, (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c);
    }
    if (we < len) put(&lb, "...", 3);
    putc_lb(&lb, '\n');
    fwrite(lb.b, 1, lb.n, d->out);

    /* caret: copy tabs of the prefix, spaces otherwise; one mark per character */
    lb.n = 0;
    put(&lb, "      | ", 8);
    if (ws > 0) put(&lb, "   ", 3);
    for (uint32_t i = ws; i < at; i++) {
        unsigned char c = (unsigned char)text[i];
        if (is_cont(c)) continue;
        putc_lb(&lb, c == '\t' ? '\t' : ' ');
    }
    if (d->color) put(&lb, "\033[1;32m", 7);
    putc_lb(&lb, '^');
    uint32_t end = span.end;
    uint32_t line_end = line_start + we;
    if (end > line_end) end = line_end;
    uint32_t start = span.start;
    if (start < line_start) start = line_start;
    bool first = true;
    for (uint32_t i = start; i < end; i++) {
        if (is_cont((unsigned char)f->text[i])) continue;
        if (first) { first = false; continue; }  /* the caret covers the first char */
        putc_lb(&lb, '~');
    }
    if (d->color) put(&lb, "\033[0m", 4);
    putc_lb(&lb, '\n');
    fwrite(lb.b, 1, lb.n, d->out);
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
    if (d->errors - d->repeats >= DIAG_MAX_ERRORS) {
        d->fatal = true;
        fflush(stdout);
        fprintf(d->out, "fatal: too many errors (%d), stopping\n", DIAG_MAX_ERRORS);
        return false;
    }
    return true;
}

/* Was this very diagnostic (severity, span, text) printed before? Records it
 * if not. Exact repeats only: the same place with another text is shown. */
static bool repeated(Diag *d, char sev, Span span, const char *fmt, va_list ap) {
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    unsigned long long h = 1469598103934665603ULL;   /* FNV-1a */
    unsigned char key[13];
    key[0] = (unsigned char)sev;
    memcpy(key + 1, &span.file, 4);
    memcpy(key + 5, &span.start, 4);
    memcpy(key + 9, &span.end, 4);
    for (size_t i = 0; i < sizeof key; i++) h = (h ^ key[i]) * 1099511628211ULL;
    for (const char *c = text; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    for (int i = 0; i < d->nseen; i++)
        if (d->seen[i] == h) return true;
    if (d->nseen < DIAG_MAX_SEEN) d->seen[d->nseen++] = h;
    return false;
}

void diag_error(Diag *d, Span span, const char *fmt, ...) {
    if (d->fatal) {   /* nothing more is shown: skip formatting and the repeat check */
        d->errors++;
        d->last_shown = false;
        return;
    }
    va_list ap0;
    va_start(ap0, fmt);
    bool dup = repeated(d, 'e', span, fmt, ap0);
    va_end(ap0);
    if (dup) {   /* counted, not shown; its notes go with it */
        d->errors++;
        d->repeats++;
        d->last_shown = false;
        return;
    }
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
    if (d->fatal) {
        d->warnings++;
        d->last_shown = false;
        return;
    }
    va_list ap0;
    va_start(ap0, fmt);
    bool dup = repeated(d, 'w', span, fmt, ap0);
    va_end(ap0);
    if (dup) { d->last_shown = false; return; }
    d->last_shown = !d->fatal && d->warnings < DIAG_MAX_WARNINGS;
    if (!d->fatal && d->warnings == DIAG_MAX_WARNINGS) {
        fflush(stdout);
        fprintf(d->out, "note: too many warnings (%d); the rest are not shown\n", DIAG_MAX_WARNINGS);
    }
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
