/* compile_scale.c — compile time and memory of dgc against model size (make bench).
 *
 * Generates equation-form models of N = 5, 50, 150 and 500 storages with
 * bench/gen_network_model.sh (about 10 fluxes per storage), compiles each with
 * `dgc -O2 MODEL -o EXE` as a process of its own and reports
 *
 *   compile_N<n>_s           wall seconds of the whole `dgc -o` process
 *   compile_N<n>_cpu_s       its CPU seconds (user + system): the figure to compare on a busy machine
 *   compile_N<n>_peak_bytes  that process's peak resident memory (wait4 ru_maxrss)
 *
 * and, on stdout, seconds per storage of the largest model against N = 50:
 * 1 means compile time grows linearly with the model. The rows are appended
 * to the CSV of bench_hbv (name,value,unit,threads,cpu_share,cpu), so run this
 * after it. Usage: bench_compile --out results.csv [--work DIR] [--sizes 5,50,150,500]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* wait4 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { MAX_SIZES = 8, FLUXES_PER_STORAGE = 10 };

/* A share of one CPU below this marks a measurement taken on a busy machine. */
static const double CPU_SHARE_MIN = 0.9;

typedef struct {
    double wall_s;       /* whole process */
    double cpu_s;        /* user + system */
    double cpu_share;    /* cpu_s / wall: dgc compiles on one thread */
    double peak_bytes;   /* ru_maxrss of the child */
} ProcessCost;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs argv with stdout to `out_path` (or the log) and stderr to `log`; 0 on a clean exit. */
static int run(char *const argv[], const char *out_path, const char *log, ProcessCost *cost) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_path) posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    else posix_spawn_file_actions_adddup2(&fa, 2, 1);
    pid_t pid;
    double t0 = now();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        fprintf(stderr, "bench_compile: cannot run %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) return -1;
    double wall = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench_compile: %s failed (see %s)\n", argv[0], log);
        return -1;
    }
    if (cost) {
        double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                     (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
        cost->wall_s = wall;
        cost->cpu_s = cpu;
        cost->cpu_share = wall > 0 ? cpu / wall : 0;
        cost->peak_bytes = (double)ru.ru_maxrss * 1024.0;
    }
    return 0;
}

/* "model name" of /proc/cpuinfo, quoted for CSV: every row names its CPU. */
static void cpu_model_csv(char *out, size_t n) {
    char model[128] = "unknown", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) || !colon) continue;
        snprintf(model, sizeof model, "%s", colon + 1 + (colon[1] == ' '));
        model[strcspn(model, "\n")] = 0;
        break;
    }
    if (f) fclose(f);
    size_t k = 0;
    out[k++] = '"';
    for (const char *c = model; *c && k + 3 < n; c++) {
        if (*c == '"') out[k++] = '"';
        out[k++] = *c;
    }
    out[k++] = '"';
    out[k] = 0;
}

static int parse_sizes(const char *s, int *sizes) {
    int n = 0;
    while (*s && n < MAX_SIZES) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 2 || v > 5000) return -1;
        sizes[n++] = (int)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return -1;
    }
    return *s ? -1 : n;
}

int main(int argc, char **argv) {
    const char *out_path = NULL, *work = "build/bench/compile_scale";
    int sizes[MAX_SIZES] = {5, 50, 150, 500}, nsizes = 4;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
        else if (!strcmp(argv[i], "--work") && i + 1 < argc) work = argv[++i];
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            if ((nsizes = parse_sizes(argv[++i], sizes)) <= 0) {
                fprintf(stderr, "bench_compile: --sizes wants storage counts from 2 to 5000, e.g. 5,50,150,500\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_compile [--out results.csv] [--work DIR] [--sizes 5,50,150,500]\n");
            return 2;
        }
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", work);
    if (system(cmd)) {
        fprintf(stderr, "bench_compile: cannot create %s\n", work);
        return 1;
    }
    char cpu[300];
    cpu_model_csv(cpu, sizeof cpu);
    FILE *csv = NULL;
    if (out_path && !(csv = fopen(out_path, "a"))) {
        fprintf(stderr, "bench_compile: cannot append to %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    printf("\nCPU: %s\n%-28s %14s %-6s %-11s %s\n", cpu, "benchmark", "value", "unit", "cpu share", "model");
    double per_storage[MAX_SIZES];
    int contended = 0;
    for (int i = 0; i < nsizes; i++) {
        int n = sizes[i];
        char model[4300], exe[4300], log[4300], nstr[16], kstr[16];
        snprintf(model, sizeof model, "%s/net%d.dg", work, n);
        snprintf(exe, sizeof exe, "%s/net%d", work, n);
        snprintf(log, sizeof log, "%s/net%d.log", work, n);
        snprintf(nstr, sizeof nstr, "%d", n);
        snprintf(kstr, sizeof kstr, "%d", FLUXES_PER_STORAGE);
        char *gen_argv[] = {"/bin/sh", DG_SOURCE_DIR "/bench/gen_network_model.sh", nstr, kstr, NULL};
        if (run(gen_argv, model, log, NULL)) return 1;
        char *dgc_argv[] = {DGC_EXE, "-O2", model, "-o", exe, NULL};
        ProcessCost c;
        if (run(dgc_argv, NULL, log, &c) || access(exe, X_OK)) {
            fprintf(stderr, "bench_compile: dgc did not build %s (see %s)\n", exe, log);
            return 1;
        }
        per_storage[i] = c.cpu_s / n;
        if (c.cpu_share < CPU_SHARE_MIN) contended++;
        char name_s[64], name_c[64], name_m[64];
        snprintf(name_s, sizeof name_s, "compile_N%d_s", n);
        snprintf(name_c, sizeof name_c, "compile_N%d_cpu_s", n);
        snprintf(name_m, sizeof name_m, "compile_N%d_peak_bytes", n);
        printf("%-28s %14.3f %-6s %3.0f%%%-7s %d storages, %d fluxes each\n", name_s, c.wall_s, "s",
               100 * c.cpu_share, c.cpu_share < CPU_SHARE_MIN ? " BUSY" : "", n, FLUXES_PER_STORAGE);
        printf("%-28s %14.3f %-6s %-11s\n", name_c, c.cpu_s, "s", "-");
        printf("%-28s %14.0f %-6s %-11s\n", name_m, c.peak_bytes, "bytes", "-");
        if (csv) {
            fprintf(csv, "%s,%.12g,s,1,%.3f,%s\n", name_s, c.wall_s, c.cpu_share, cpu);
            fprintf(csv, "%s,%.12g,s,1,,%s\n", name_c, c.cpu_s, cpu);
            fprintf(csv, "%s,%.12g,bytes,1,,%s\n", name_m, c.peak_bytes, cpu);
        }
        fflush(stdout);
    }
    /* linearity against the second size (the first is dominated by fixed costs: LLVM start-up, linking) */
    if (nsizes >= 3)
        printf("check: CPU seconds per storage, N=%d vs N=%d: %.3g (1 = linear in the model's size)\n",
               sizes[nsizes - 1], sizes[1], per_storage[nsizes - 1] / per_storage[1]);
    if (contended)
        printf("note: %d compile(s) ran below %.0f%% of a CPU: the machine was busy, times are inflated\n",
               contended, 100 * CPU_SHARE_MIN);
    if (csv && fclose(csv)) {
        fprintf(stderr, "bench_compile: cannot write %s\n", out_path);
        return 1;
    }
    return 0;
}
