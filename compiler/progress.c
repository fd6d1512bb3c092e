/* progress.c — a watcher thread for long compiles (progress.h). It sleeps on
 * a condition variable (monotonic clock) until the next report is due or
 * the compile ends, so a short compile costs one thread start and join and
 * prints nothing; a long one prints the phase and elapsed time after
 * PROGRESS_FIRST_S seconds, then every PROGRESS_EVERY_S. */
#include "progress.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static struct {
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    pthread_t       thread;
    bool            running, stop;
    char            what[160];
    const char     *phase;
    struct timespec t0;
    int             printed;     /* lines printed for this compile */
} W = {.mu = PTHREAD_MUTEX_INITIALIZER};

static double since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void *watch(void *arg) {
    (void)arg;
    pthread_mutex_lock(&W.mu);
    long due = PROGRESS_FIRST_S;   /* seconds after t0 */
    while (!W.stop) {
        struct timespec at = W.t0;
        at.tv_sec += due;
        if (pthread_cond_timedwait(&W.cv, &W.mu, &at) == 0 || W.stop) continue;   /* woken, or done */
        if (since(&W.t0) < (double)due) continue;                                  /* early wake-up */
        fprintf(stderr, "dgc: compiling %s: %s, %ld s so far\n", W.what, W.phase ? W.phase : "working", due);
        W.printed++;
        due += PROGRESS_EVERY_S;
    }
    pthread_mutex_unlock(&W.mu);
    return NULL;
}

void progress_begin(const char *what) {
    progress_end();
    pthread_mutex_lock(&W.mu);
    snprintf(W.what, sizeof W.what, "%s", what);
    W.phase = NULL;
    W.stop = false;
    W.printed = 0;
    clock_gettime(CLOCK_MONOTONIC, &W.t0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&W.cv, &ca);
    pthread_condattr_destroy(&ca);
    W.running = pthread_create(&W.thread, NULL, watch, NULL) == 0;   /* no thread: no progress, same compile */
    if (!W.running) pthread_cond_destroy(&W.cv);
    pthread_mutex_unlock(&W.mu);
}

void progress_phase(const char *phase) {
    pthread_mutex_lock(&W.mu);
    W.phase = phase;
    pthread_mutex_unlock(&W.mu);
}

void progress_end(void) {
    pthread_mutex_lock(&W.mu);
    if (!W.running) { pthread_mutex_unlock(&W.mu); return; }
    W.stop = true;
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
    pthread_join(W.thread, NULL);
    pthread_mutex_lock(&W.mu);
    W.running = false;
    pthread_cond_destroy(&W.cv);
    if (W.printed) fprintf(stderr, "dgc: compiled %s in %.1f s\n", W.what, since(&W.t0));
    pthread_mutex_unlock(&W.mu);
}
