/* rt_files.h — scratch data files for the runtime tests, written into the
 * test's own temporary directory (DG_RT_TMP_DIR, set by tests/CMakeLists.txt). */
#ifndef DG_RT_FILES_H
#define DG_RT_FILES_H

#include <stdio.h>
#include <stdlib.h>

static char path_buf[1024];

/* Writes `text` to DG_RT_TMP_DIR/name; returns the path (valid until the next call). */
static const char *write_file(const char *name, const char *text) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", DG_RT_TMP_DIR, name);
    FILE *f = fopen(path_buf, "wb");
    if (!f) {
        perror(path_buf);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    return path_buf;
}

#endif
