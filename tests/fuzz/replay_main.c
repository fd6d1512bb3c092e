/* replay_main.c — main() for replaying fuzz inputs without libFuzzer:
 *   fuzz_replay FILE_OR_DIR...
 * Each file (and each file directly inside a given directory, except
 * dot-files such as .gitkeep) is read whole and passed once to
 * LLVMFuzzerTestOneInput. A crash or sanitizer report fails the run; a
 * file that cannot be read exits 3. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        perror(path);
        if (f) fclose(f);
        return 0;
    }
    /* exactly size bytes, so that ASan sees any read past the end of the input */
    size_t len = (size_t)st.st_size;
    uint8_t *data = malloc(len ? len : 1);
    int ok = data && fread(data, 1, len, f) == len;
    fclose(f);
    if (ok) LLVMFuzzerTestOneInput(data, len);
    else fprintf(stderr, "%s: cannot read\n", path);
    free(data);
    return ok;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays the files directly inside dir, in name order. */
static int replay_dir(const char *dir, int *count) {
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) abort();
            names = grown;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n]) abort();
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(names[i])) (*count)++;
            else ok = 0;
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    int ok = 1, count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            ok = 0;
        } else if (S_ISDIR(st.st_mode)) {
            ok &= replay_dir(argv[i], &count);
        } else if (replay_file(argv[i])) {
            count++;
        } else {
            ok = 0;
        }
    }
    printf("fuzz_replay: %d input(s) replayed\n", count);
    return ok ? 0 : 3;
}
