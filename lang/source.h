/* source.h — source files and spans. A Span is a byte range in one file;
 * line and column are computed only when a diagnostic is printed. */
#ifndef DG_SOURCE_H
#define DG_SOURCE_H

#include <stdint.h>
#include <stddef.h>
#include "arena.h"

typedef struct {
    uint32_t file;        /* index into SourceMap.files */
    uint32_t start, end;  /* byte offsets, end exclusive */
} Span;

typedef struct {
    const char *name;         /* path as the user wrote it (used in messages) */
    const char *path;         /* canonical path, for import de-duplication */
    const char *text;         /* NUL-terminated; may contain other NUL bytes */
    uint32_t    len;
    uint32_t   *line_starts;  /* byte offset of every line start */
    uint32_t    nlines;
    struct SrcColCache *col_cache;   /* last src_line_col answer: ascending queries on one long line stay linear */
} SourceFile;

typedef struct {
    Arena       *arena;       /* owns file names, texts and line tables */
    SourceFile **files;
    uint32_t     nfiles, cap;
} SourceMap;

void        src_init(SourceMap *sm, Arena *arena);
/* Adds a file from memory; returns its index. */
uint32_t    src_add(SourceMap *sm, const char *name, const char *path, const char *text, size_t len);
/* Reads a regular file from disk: SRC_OK, or an error with *err set (a
 * static string). Anything else (FIFO, device, directory) is refused unread. */
enum { SRC_OK = 0, SRC_UNREADABLE = -1, SRC_NOT_REGULAR = -2 };
int         src_load(SourceMap *sm, const char *name, uint32_t *out_index, const char **err);
SourceFile *src_file(const SourceMap *sm, uint32_t index);

/* 1-based line; 1-based column counting characters (UTF-8 continuation bytes skipped). */
void        src_line_col(const SourceFile *f, uint32_t offset, uint32_t *line, uint32_t *col);
/* Text of a 1-based line without the newline. */
const char *src_line_text(const SourceFile *f, uint32_t line, uint32_t *len);

Span        span_merge(Span a, Span b);

#endif
