/* check.c — the one piece of state of check.h's error reporting: a note for
 * out-of-memory errors that the current job sets (the trainer names the
 * settings that size its arrays), so that running out of memory points at
 * what to change rather than at a byte count alone. */
#include "check.h"

char dgrt_oom_note[256];
