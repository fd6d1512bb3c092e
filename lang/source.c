/* source.c — loading source text and mapping byte offsets to line:col. */
#include "source.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SRC_MAX_BYTES = 16 << 20 };

struct SrcColCache { uint32_t line, offset, col; };

void src_init(SourceMap *sm, Arena *arena) {
    sm->arena = arena;
    sm->files = NULL;
    sm->nfiles = sm->cap = 0;
}

uint32_t src_add(SourceMap *sm, const char *name, const char *path, const char *text, size_t len) {
    if (sm->nfiles == sm->cap) {
        uint32_t ncap = sm->cap ? sm->cap * 2 : 8;
        SourceFile **nf = ARENA_ARRAY(sm->arena, SourceFile *, ncap);
        if (sm->nfiles) memcpy(nf, sm->files, sizeof(SourceFile *) * sm->nfiles);
        sm->files = nf;
        sm->cap = ncap;
    }
    SourceFile *f = ARENA_NEW(sm->arena, SourceFile);
    f->name = arena_strndup(sm->arena, name, strlen(name));
    f->path = arena_strndup(sm->arena, path ? path : name, strlen(path ? path : name));
    f->text = arena_strndup(sm->arena, text, len);
    f->len = (uint32_t)len;

    uint32_t n = 1;
    for (size_t i = 0; i < len; i++) n += text[i] == '\n';
    f->line_starts = ARENA_ARRAY(sm->arena, uint32_t, n);
    f->line_starts[0] = 0;
    uint32_t k = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') f->line_starts[k++] = (uint32_t)i + 1;
    f->nlines = n;
    f->col_cache = ARENA_NEW(sm->arena, struct SrcColCache);

    sm->files[sm->nfiles] = f;
    return sm->nfiles++;
}

/* What a file that is not regular is, for the note under the error. */
static const char *kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "it is a directory";
    if (S_ISFIFO(mode)) return "it is a named pipe (FIFO)";
    if (S_ISSOCK(mode)) return "it is a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "it is a device";
    return "it is not a plain file";
}

/* Opened non-blocking, then checked with fstat before any read: a plain open
 * of a FIFO waits for a writer that may never come. Only regular files are
 * read, so a source path can never make dgc hang. */
int src_load(SourceMap *sm, const char *name, uint32_t *out_index, const char **err) {
    int fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { *err = strerror(errno); return SRC_UNREADABLE; }
    struct stat st;
    if (fstat(fd, &st) != 0) { *err = strerror(errno); close(fd); return SRC_UNREADABLE; }
    if (!S_ISREG(st.st_mode)) { *err = kind_of(st.st_mode); close(fd); return SRC_NOT_REGULAR; }
    if (st.st_size > SRC_MAX_BYTES) { close(fd); *err = "file too large (over 16 MiB)"; return SRC_UNREADABLE; }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 65536;
            if (cap > (size_t)SRC_MAX_BYTES * 2) { free(buf); close(fd); *err = "file too large"; return SRC_UNREADABLE; }
            char *nb = realloc(buf, cap);
            if (!nb) { free(buf); close(fd); *err = "out of memory"; return SRC_UNREADABLE; }
            buf = nb;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { *err = strerror(errno); free(buf); close(fd); return SRC_UNREADABLE; }
        if (got == 0) break;
        len += (size_t)got;
    }
    close(fd);
    char resolved[PATH_MAX];
    const char *path = realpath(name, resolved) ? resolved : name;
    *out_index = src_add(sm, name, path, buf ? buf : "", len);
    free(buf);
    return SRC_OK;
}

SourceFile *src_file(const SourceMap *sm, uint32_t index) {
    return index < sm->nfiles ? sm->files[index] : NULL;
}

void src_line_col(const SourceFile *f, uint32_t offset, uint32_t *line, uint32_t *col) {
    if (offset > f->len) offset = f->len;
    uint32_t lo = 0, hi = f->nlines;          /* find last line start <= offset */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= offset) lo = mid; else hi = mid;
    }
    *line = lo + 1;
    uint32_t c = 1, from = f->line_starts[lo];
    struct SrcColCache *cache = f->col_cache;
    if (cache && cache->line == lo + 1 && cache->offset <= offset) {   /* continue from the last answer */
        from = cache->offset;
        c = cache->col;
    }
    for (uint32_t i = from; i < offset; i++)
        if (((unsigned char)f->text[i] & 0xC0) != 0x80) c++;
    if (cache) *cache = (struct SrcColCache){lo + 1, offset, c};
    *col = c;
}

const char *src_line_text(const SourceFile *f, uint32_t line, uint32_t *len) {
    if (line == 0 || line > f->nlines) { *len = 0; return ""; }
    uint32_t s = f->line_starts[line - 1];
    uint32_t e = line < f->nlines ? f->line_starts[line] - 1 : f->len;   /* at its '\n' */
    if (e > s && f->text[e - 1] == '\r') e--;
    *len = e - s;
    return f->text + s;
}

Span span_merge(Span a, Span b) {
    Span r = a;
    if (b.file != a.file) return a;
    if (b.start < r.start) r.start = b.start;
    if (b.end > r.end) r.end = b.end;
    return r;
}
