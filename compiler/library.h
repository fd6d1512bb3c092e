/* library.h — what the import search path offers, for notes on names and
 * imports that are not found: the .dg files in each search folder (-I,
 * DGC_PATH, the standard library) and one level of subfolders, and the
 * functions, constants and models each declares. The index is built on the
 * first question (only after an error) and lives as long as the Program. */
#ifndef DG_LIBRARY_H
#define DG_LIBRARY_H

#include <stdbool.h>
#include "frontend.h"

typedef enum { LIB_FN, LIB_CONST, LIB_MODEL } LibKind;

/* A declaration or file found on the search path. */
typedef struct {
    const char *name;     /* the declared name (a near match may differ from the one asked) */
    const char *import;   /* what to write in `import "..."`, e.g. "models/hbv.dg" */
    const char *dir;      /* the search folder it is in */
    bool        stdlib;   /* that folder is the standard library */
} LibHit;

/* The file that declares `name` as `kind`; with `near`, also the closest
 * such name when none is declared exactly (suggest.c's limits). */
bool library_find_decl(Program *p, const char *name, LibKind kind, bool near, LibHit *hit);

/* A library file for an import path that was not found: the same path with
 * ".dg" added, a file of that name in a subfolder ("hymod" ->
 * "models/hymod.dg"), or the closest file name. */
bool library_find_file(Program *p, const char *rel, LibHit *hit);

/* "stdlib \"fluxes.dg\"" or "\"lib.dg\" (in DIR)", for notes. */
const char *library_where(Program *p, const LibHit *hit);

#endif
