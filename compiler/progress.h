/* progress.h — "still compiling" lines on stderr while a long compile runs
 * (LLVM's optimiser and code generator are single calls that can take
 * minutes on a model with hundreds of states). Nothing is printed for a
 * compile that ends within PROGRESS_FIRST_S seconds. One compile at a time. */
#ifndef DG_PROGRESS_H
#define DG_PROGRESS_H

enum { PROGRESS_FIRST_S = 2, PROGRESS_EVERY_S = 10 };

/* Starts the clock for `what` ("model 'hbv'"); the text is copied. */
void progress_begin(const char *what);
/* What is being done now ("optimising"); a string that outlives the compile. */
void progress_phase(const char *phase);
/* Stops; if anything was printed, a last line gives the total time. */
void progress_end(void);

#endif
