/* parse.c — runs the scanner and parser over one source file. */
#include "parse.h"

#define YYSTYPE DG_YYSTYPE
#define YYLTYPE DG_YYLTYPE
#include "parser.h"
#include "lexer.h"

AstFile *parse_file(Arena *arena, Interner *names, Diag *diag, const SourceMap *sm, uint32_t file) {
    ParseCtx ctx = {0};
    ctx.arena = arena;
    ctx.names = names;
    ctx.diag = diag;
    ctx.file = file;
    ctx.src = src_file(sm, file);

    yyscan_t scanner;
    if (dg_yylex_init_extra(&ctx, &scanner) != 0) DG_ICE("cannot create the scanner");
    /* the scanner copies the bytes; the source keeps its own text */
    YY_BUFFER_STATE buf = dg_yy_scan_bytes(ctx.src->text, (int)ctx.src->len, scanner);
    dg_yyparse(scanner, &ctx);
    dg_yy_delete_buffer(buf, scanner);
    dg_yylex_destroy(scanner);

    AstFile *f = ARENA_NEW(arena, AstFile);
    f->file = file;
    f->ndecls = ctx.decls.n;
    f->decls = ARENA_ARRAY(arena, TopDecl, ctx.decls.n ? ctx.decls.n : 1);
    for (int i = 0; i < ctx.decls.n; i++) f->decls[i] = *(TopDecl *)ctx.decls.items[i];
    return f;
}
