/* parse.h — entry point of the front end: source text → AstFile.
 * Scanner (lexer.l) and parser (parser.y) are reentrant; all their state
 * lives in ParseCtx, reached from the scanner through yyextra. */
#ifndef DG_PARSE_H
#define DG_PARSE_H

#include "ast.h"
#include "diag.h"
#include "intern.h"

enum { PARSE_MAX_BRACES = 256 };

typedef struct ParseCtx {
    Arena      *arena;        /* AST arena (owner of every node) */
    Interner   *names;        /* identifiers are interned */
    Diag       *diag;
    const SourceFile *src;
    uint32_t    file;
    uint32_t    offset;       /* scanner position: byte offset of the next token */
    Span        braces[PARSE_MAX_BRACES];   /* open '{' for "to match this '{'" notes */
    int         nbraces;
    PtrVec      decls;        /* TopDecl* collected by the grammar */
    Span        too_deep;     /* last expression reported as nested too deeply (end 0: none) */
    bool        learn_attrs;  /* the learn sources being parsed have 'attributes(...)' */
} ParseCtx;

/* Parses one file of the source map. Returns the tree even after syntax
 * errors (with what could be recovered); check diag_error_count(). */
AstFile *parse_file(Arena *arena, Interner *names, Diag *diag, const SourceMap *sm, uint32_t file);

#endif
