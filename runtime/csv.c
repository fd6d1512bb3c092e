/* csv.c — the table reader behind forcing and parameter files (see csv.h),
 * and calendar dates. The file is read whole and split in place; rows keep
 * their line numbers and cells their character columns, so every error can
 * point at the cell: `forcing.csv:5:12: column 'P': 'x' is not a number`. */
#include "csv.h"
#include "netcdf_io.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>

// ---- Small helpers -----------------------------------------------------------------

/* 1-based character column of byte `off` in a line (UTF-8 aware). */
static int char_col(const char *line, size_t off) {
    int col = 1;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)line[i] & 0xC0) != 0x80) col++;
    return col;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

const char *dgrt_csv_where(const DgCsv *csv, int64_t row, int col, char *buf, size_t size) {
    if (csv->values) { /* a NetCDF table: the date of the row (its first column) */
        if (row < 0) snprintf(buf, size, "%s", csv->path);
        else snprintf(buf, size, "%s (date %s)", csv->path, csv->cells[row * csv->ncols]);
        return buf;
    }
    if (row < 0)
        snprintf(buf, size, "%s:%d:%d", csv->path, csv->header_line, col >= 0 ? csv->name_col[col] : 1);
    else
        snprintf(buf, size, "%s:%d:%d", csv->path, csv->lines[row], csv->cols[row * csv->ncols + col]);
    return buf;
}

/* "date, P, T" (at most 12 names) */
static void header_list(const DgCsv *csv, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < csv->ncols && n + 1 < size; i++) {
        if (i == 12) {
            snprintf(buf + n, size - n, ", ... (%d columns)", csv->ncols);
            return;
        }
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", csv->names[i]);
    }
}

// ---- Splitting one line into fields ------------------------------------------------

typedef struct {
    char **f;      /* field text (NUL-terminated in place) */
    int   *col;    /* character column */
    int    n, cap;
    /* columns are counted on a copy of the line as it was (quoted fields are
     * unescaped in place), from the last column asked for: once per line,
     * where counting from the line start for every field took minutes on a
     * header of 300k columns */
    char  *orig;
    size_t orig_cap, at;
    int    at_col;
} Fields;

/* The character column of byte `off` of the line split last. */
static int col_at(Fields *fs, size_t off) {
    if (off < fs->at) fs->at = 0, fs->at_col = 1;
    for (; fs->at < off; fs->at++)
        if (((unsigned char)fs->orig[fs->at] & 0xC0) != 0x80) fs->at_col++;
    return fs->at_col;
}

static void fields_push(Fields *fs, char *text, int col) {
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 16;
        fs->f = reallocCheck(fs->f, sizeof(char *) * (size_t)fs->cap);
        fs->col = reallocCheck(fs->col, sizeof(int) * (size_t)fs->cap);
    }
    fs->f[fs->n] = text;
    fs->col[fs->n] = col;
    fs->n++;
}

/* Split `line` (NUL-terminated, no newline) in place. CSV: fields separated
 * by ',', blanks around a field trimmed, a field may be quoted ("a,b" with
 * "" for a quote). Whitespace mode: runs of blanks separate fields.
 * Returns 0, the 1-based column of an unterminated quote, or minus the
 * column of text after a closing quote. */
static int split_line(char *line, char delim, Fields *fs) {
    fs->n = 0;
    size_t len = strlen(line);
    if (len + 1 > fs->orig_cap) fs->orig = reallocCheck(fs->orig, fs->orig_cap = len + 1);
    memcpy(fs->orig, line, len + 1);
    fs->at = 0;
    fs->at_col = 1;
    if (delim == ' ') {
        size_t i = 0;
        while (i < len) {
            while (i < len && is_blank(line[i])) i++;
            if (i >= len) break;
            size_t start = i;
            while (i < len && !is_blank(line[i])) i++;
            int col = col_at(fs, start);
            if (i < len) line[i++] = 0;
            fields_push(fs, line + start, col);
        }
        return 0;
    }
    size_t i = 0;
    for (;;) {
        while (i < len && is_blank(line[i])) i++;
        size_t start = i;
        int col = col_at(fs, start);
        if (i < len && line[i] == '"') {
            /* quoted: unescape "" in place, the field ends at the closing quote */
            size_t w = i, r = i + 1;
            for (;;) {
                if (r >= len) return col;
                if (line[r] == '"') {
                    if (r + 1 < len && line[r + 1] == '"') {
                        line[w++] = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                line[w++] = line[r++];
            }
            /* after the closing quote: blanks, then a delimiter or the end */
            while (r < len && is_blank(line[r])) r++;
            int more = r < len && line[r] == delim;
            line[w] = 0;
            fields_push(fs, line + start, col);
            if (!more) {
                return r < len ? -col_at(fs, r) : 0;
            }
            i = r + 1;
            continue;
        }
        while (i < len && line[i] != delim) i++;
        size_t end = i;
        while (end > start && is_blank(line[end - 1])) end--;
        int more = i < len;
        line[end] = 0;
        fields_push(fs, line + start, col);
        if (!more) return 0;
        i++;
    }
}

// ---- Duplicates ----------------------------------------------------------------------

typedef struct {
    const char *key;
    int64_t index;
} KeyIndex;

static int cmp_key_index(const void *a, const void *b) {
    const KeyIndex *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* By sorting (n log n): comparing every pair made a header of 300k columns
 * take ten minutes. The answer is the pairwise loop's: the smallest i with an
 * earlier equal key, and the first such key. */
int64_t dgrt_first_duplicate(const char *const *keys, int64_t n, int64_t *earlier) {
    if (n < 2) return -1;
    KeyIndex *v = mallocCheck(sizeof(KeyIndex) * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = (KeyIndex){keys[i], i};
    qsort(v, (size_t)n, sizeof *v, cmp_key_index);
    int64_t best = -1, first = -1;
    for (int64_t i = 1; i < n; i++)   /* in a run of equal keys, the second is the one to report */
        if (!strcmp(v[i].key, v[i - 1].key) && (i < 2 || strcmp(v[i - 1].key, v[i - 2].key)) &&
            (best < 0 || v[i].index < best))
            best = v[i].index, first = v[i - 1].index;
    free(v);
    if (best >= 0) *earlier = first;
    return best;
}

// ---- Reading a table ----------------------------------------------------------------

int dgrt_read_file(const char *path, char **text, size_t *len, DgrtErr *err) {
    /* data files are regular files: a FIFO or device would block or never end */
    const DgReadLimits lim = {.regular_only = 1};
    return dgrt_read_file_checked(path, &lim, text, len, err);
}

/* "path:line:col" of byte `off` of text (1-based line, character column). */
static void text_where(const char *path, const char *text, size_t off, char *buf, size_t size) {
    int line = 1;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') line++, start = i + 1;
    snprintf(buf, size, "%s:%d:%d", path, line, char_col(text + start, off - start));
}

/* Opens a file for reading without blocking on a FIFO (open(2) of a FIFO
 * waits for a writer): O_NONBLOCK, then the descriptor's type is checked. */
static FILE *open_for_reading(const char *path, const DgReadLimits *lim, DgrtErr *err) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        dgrt_fail(err, DGRT_EXIT_DATA, "check the path (relative paths start at the current directory)",
                  "cannot open '%s' for reading: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        dgrt_fail(err, DGRT_EXIT_DATA, NULL, "cannot read '%s': %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode) || (lim && lim->regular_only && !S_ISREG(st.st_mode))) {
        dgrt_fail(err, DGRT_EXIT_DATA, "give the path of a regular file",
                  "'%s' is %s, not a regular file", path,
                  S_ISDIR(st.st_mode)    ? "a directory"
                  : S_ISFIFO(st.st_mode) ? "a FIFO"
                  : S_ISCHR(st.st_mode)  ? "a character device"
                  : S_ISBLK(st.st_mode)  ? "a block device"
                  : S_ISSOCK(st.st_mode) ? "a socket"
                                         : "a special file");
        close(fd);
        return NULL;
    }
    if (lim && lim->max_bytes && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > (uintmax_t)lim->max_bytes) {
        dgrt_fail(err, DGRT_EXIT_DATA, lim->hint, "'%s' is too large for %s: %jd bytes (at most %zu)", path,
                  lim->what ? lim->what : "this reader", (intmax_t)st.st_size, lim->max_bytes);
        close(fd);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);   /* blocking reads from here on (a FIFO with a writer, a pipe) */
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        dgrt_fail(err, DGRT_EXIT_DATA, NULL, "cannot read '%s': %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int dgrt_read_file_checked(const char *path, const DgReadLimits *lim, char **text, size_t *len, DgrtErr *err) {
    FILE *f = open_for_reading(path, lim, err);
    if (!f) return err->code;
    size_t max = lim && lim->max_bytes ? lim->max_bytes : SIZE_MAX - 1;
    size_t cap = 1 << 16, n = 0;
    char *buf = mallocCheck(cap);
    int rc = 0;
    for (;;) {
        if (n + 1 >= cap) buf = reallocCheck(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        /* a text file has no NUL byte: stop at the first (also ends reading /dev/zero at once) */
        const char *nul = lim && lim->text ? memchr(buf + n, 0, got) : NULL;
        n += got;
        if (nul) {
            char where[1100];
            text_where(path, buf, (size_t)(nul - buf), where, sizeof where);
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "is this a text file?", "%s: NUL byte in the file", where);
            break;
        }
        if (n > max) {   /* a file that grew, or a pipe or device without a size */
            rc = dgrt_fail(err, DGRT_EXIT_DATA, lim->hint, "'%s' is too large for %s: more than %zu bytes", path,
                           lim->what ? lim->what : "this reader", max);
            break;
        }
        if (got == 0) break;
    }
    if (!rc && ferror(f)) rc = dgrt_fail(err, DGRT_EXIT_DATA, NULL, "cannot read '%s': %s", path, strerror(errno));
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return 0;
}

int dgrt_temp_template(char *out, size_t size, const char *path) {
    int n = snprintf(out, size, "%s.tmp", path);
    if (n < 0 || (size_t)n + DGRT_TEMP_RANDOM + 1 > size) return -1;
    memset(out + n, 'X', DGRT_TEMP_RANDOM);   /* the characters mkstemp replaces */
    out[n + DGRT_TEMP_RANDOM] = 0;
    return 0;
}

FILE *dgrt_open_output(const char *path, char *tmp, size_t tmpsize, DgrtErr *err) {
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return dgrt_fail(err, DGRT_EXIT_DATA, "give the path of a regular file (or of one to create)",
                         "'%s' is not a regular file: outputs are written only over regular files", path),
               NULL;
    /* a name of our own next to the target: two writers never share a temporary */
    if (dgrt_temp_template(tmp, tmpsize, path))
        return dgrt_fail(err, DGRT_EXIT_DATA, "use a shorter path", "output path '%s' is too long", path), NULL;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return dgrt_fail(err, DGRT_EXIT_DATA, "check that the directory exists and is writable",
                         "cannot write '%s': %s", path, strerror(errno)),
               NULL;
    mode_t mask = umask(0);   /* mkstemp makes 0600; an output gets the usual 0666 & ~umask */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return dgrt_fail(err, DGRT_EXIT_DATA, NULL, "cannot write '%s': %s", path, strerror(errno)), NULL;
    }
    return f;
}

int dgrt_commit_file(FILE *f, int failed, const char *tmp, const char *path, DgrtErr *err) {
    int bad = failed || ferror(f) != 0;
    bad |= fflush(f) != 0;
    int saved = errno;
    bad |= fclose(f) != 0;
    if (!bad) saved = 0;
    struct stat st;   /* the target may have turned into a special file meanwhile: never rename over one */
    if (!bad && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) bad = 1, saved = EEXIST;
    if (bad || rename(tmp, path) != 0) {
        if (!saved) saved = errno;
        remove(tmp);
        return dgrt_fail(err, DGRT_EXIT_DATA, "check the free space and permissions; the previous file is intact",
                         "cannot write '%s'%s%s", path, saved ? ": " : "", saved ? strerror(saved) : "");
    }
    return 0;
}

void dgrt_csv_free(DgCsv *csv) {
    free(csv->path);
    free(csv->text);
    free(csv->pre);
    free(csv->pre_line);
    free(csv->names);
    free(csv->name_col);
    free(csv->cells);
    free(csv->cols);
    free(csv->lines);
    for (int i = 0; csv->values && i < csv->ncols; i++) {
        free(csv->values[i]);
        free(csv->coltext[i]);
    }
    free(csv->values);
    free(csv->coltext);
    memset(csv, 0, sizeof *csv);
}

int dgrt_table_read(DgCsv *csv, const char *path, DgrtErr *err) {
    if (dgrt_is_netcdf_path(path)) return dgrt_netcdf_table_read(csv, path, err);
    return dgrt_csv_read(csv, path, NULL, err);
}

int dgrt_csv_read(DgCsv *csv, const char *path, const DgCsvOptions *opt, DgrtErr *err) {
    DgCsvOptions def = {',', 0};
    if (!opt) opt = &def;
    memset(csv, 0, sizeof *csv);
    size_t len = 0;
    if (dgrt_read_file(path, &csv->text, &len, err)) return err->code;
    csv->path = mallocCheck(strlen(path) + 1);
    strcpy(csv->path, path);
    if (opt->npre > 0) {
        csv->pre = callocCheck((size_t)opt->npre, sizeof(char *));
        csv->pre_line = callocCheck((size_t)opt->npre, sizeof(int));
    }

    Fields fs = {0};
    int64_t cap_rows = 0;
    char *p = csv->text, *end = csv->text + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;   /* UTF-8 byte order mark */
    int line_no = 0, have_header = 0, rc = 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line = p;
        char *stop = nl ? nl : end;
        p = nl ? nl + 1 : end;
        *stop = 0;
        size_t linelen = (size_t)(stop - line);
        if (linelen && line[linelen - 1] == '\r') line[--linelen] = 0;
        line_no++;
        if (strlen(line) != linelen) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "is this a text file?", "%s:%d:%d: NUL byte in the file", path,
                           line_no, char_col(line, strlen(line)));
            goto fail;
        }
        int end_col = char_col(line, linelen);   /* just after the last character */
        if (csv->npre < opt->npre) {
            char *t = line;
            while (is_blank(*t)) t++;
            char *e = t + strlen(t);
            while (e > t && is_blank(e[-1])) *--e = 0;
            csv->pre[csv->npre] = t;
            csv->pre_line[csv->npre] = line_no;
            csv->npre++;
            continue;
        }
        const char *first = line;
        while (is_blank(*first)) first++;
        if (*first == 0 || *first == '#') continue;   /* blank or comment line */
        int bad_quote = split_line(line, opt->delim, &fs);
        if (bad_quote > 0) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "close the quote; write \"\" for a quote inside a quoted field",
                           "%s:%d:%d: unterminated quoted field", path, line_no, bad_quote);
            goto fail;
        }
        if (bad_quote < 0) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "a quoted field ends with \" just before the next ',' or the line end",
                           "%s:%d:%d: text after a closing quote", path, line_no, -bad_quote);
            goto fail;
        }
        if (!have_header) {
            have_header = 1;
            csv->header_line = line_no;
            csv->ncols = fs.n;
            csv->names = mallocCheck(sizeof(char *) * (size_t)fs.n);
            csv->name_col = mallocCheck(sizeof(int) * (size_t)fs.n);
            for (int i = 0; i < fs.n; i++) {
                csv->names[i] = fs.f[i];
                csv->name_col[i] = fs.col[i];
                if (!fs.f[i][0]) {
                    rc = dgrt_fail(err, DGRT_EXIT_DATA, "the first line names the columns",
                                   "%s:%d:%d: empty column name in the header", path, line_no, fs.col[i]);
                    goto fail;
                }
            }
            int64_t j, i = dgrt_first_duplicate((const char *const *)fs.f, fs.n, &j);
            if (i >= 0) {
                rc = dgrt_fail(err, DGRT_EXIT_DATA, "rename or remove one of the two columns",
                               "%s:%d:%d: duplicate column '%s' (also at %d:%d)", path, line_no, fs.col[i], fs.f[i],
                               line_no, fs.col[j]);
                goto fail;
            }
            continue;
        }
        if (fs.n != csv->ncols) {
            int col = fs.n > csv->ncols ? fs.col[csv->ncols] : end_col;
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "every row needs one value per header column",
                           "%s:%d:%d: row has %d field%s, the header has %d", path, line_no, col, fs.n,
                           fs.n == 1 ? "" : "s", csv->ncols);
            goto fail;
        }
        if (csv->nrows == cap_rows) {
            /* the first block holds about 64k cells: a wide header (one line of
             * 300k commas) must not reserve 256 rows of it before any row exists */
            int64_t first = 65536 / csv->ncols;
            cap_rows = cap_rows ? cap_rows * 2 : first < 1 ? 1 : first > 256 ? 256 : first;
            csv->cells = reallocCheck(csv->cells, sizeof(char *) * (size_t)(cap_rows * csv->ncols));
            csv->cols = reallocCheck(csv->cols, sizeof(int) * (size_t)(cap_rows * csv->ncols));
            csv->lines = reallocCheck(csv->lines, sizeof(int) * (size_t)cap_rows);
        }
        memcpy(csv->cells + csv->nrows * csv->ncols, fs.f, sizeof(char *) * (size_t)fs.n);
        memcpy(csv->cols + csv->nrows * csv->ncols, fs.col, sizeof(int) * (size_t)fs.n);
        csv->lines[csv->nrows++] = line_no;
    }
    if (!have_header) {
        if (opt->npre > 0 && csv->npre < opt->npre)
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "is this the right file?",
                           "%s:%d:1: file ends after %d line%s, expected %d preamble line%s and a header", path,
                           line_no ? line_no : 1, line_no, line_no == 1 ? "" : "s", opt->npre,
                           opt->npre == 1 ? "" : "s");
        else
            rc = dgrt_fail(err, DGRT_EXIT_DATA, "the first line names the columns",
                           "%s:%d:1: empty file: expected a header line", path, line_no ? line_no : 1);
        goto fail;
    }
    free(fs.f);
    free(fs.orig);
    free(fs.col);
    return 0;
fail:
    free(fs.f);
    free(fs.orig);
    free(fs.col);
    dgrt_csv_free(csv);
    return rc;
}

// ---- Looking up columns and parsing cells -------------------------------------------

int dgrt_csv_find(const DgCsv *csv, const char *name) {
    for (int i = 0; i < csv->ncols; i++)
        if (!strcmp(csv->names[i], name)) return i;
    return -1;
}

int dgrt_csv_column(const DgCsv *csv, const char *name, DgrtErr *err) {
    int i = dgrt_csv_find(csv, name);
    if (i >= 0) return i;
    char list[512];
    header_list(csv, list, sizeof list);
    if (csv->values)
        dgrt_fail(err, DGRT_EXIT_DATA, "the file has one variable per series along its time axis",
                  "%s: no variable '%s' (the file has: %s)", csv->path, name, list);
    else
        dgrt_fail(err, DGRT_EXIT_DATA, "the header line names the columns",
                  "%s:%d:1: no column '%s' (the header has: %s)", csv->path, csv->header_line, name, list);
    return -1;
}

/* Shortest of %.15g, %.16g, %.17g that reads back as v; NaN (missing) as "". */
static int number_text(char *buf, size_t size, double v) {
    if (isnan(v)) return snprintf(buf, size, "%s", "");
    int n = 0;
    for (int digits = 15; digits <= 17; digits++) {
        n = snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) break;
    }
    return n;
}

const char *dgrt_csv_number_text(const DgCsv *csv, int64_t row, int col) {
    const double *v = csv->values[col];
    size_t cap = (size_t)csv->nrows * 25 + 1, used = 0;   /* %.17g takes at most 24 characters */
    char *text = mallocCheck(cap);
    for (int64_t r = 0; r < csv->nrows; r++) {
        csv->cells[r * csv->ncols + col] = text + used;   /* text is never reallocated: the pointers stay */
        used += (size_t)number_text(text + used, cap - used, v[r]) + 1;
    }
    csv->coltext[col] = text;
    return csv->cells[row * csv->ncols + col];
}

static int cell_error(const DgCsv *csv, int64_t row, int col, DgrtErr *err, const char *hint, const char *what) {
    char where[600];
    dgrt_csv_where(csv, row, col, where, sizeof where);
    const char *cell = dgrt_csv_cell(csv, row, col);
    if (!cell[0] && csv->values)
        return dgrt_fail(err, DGRT_EXIT_DATA, hint, "%s: variable '%s': missing value (_FillValue or NaN)", where,
                         csv->names[col]);
    if (!cell[0])
        return dgrt_fail(err, DGRT_EXIT_DATA, hint, "%s: column '%s': empty cell", where, csv->names[col]);
    return dgrt_fail(err, DGRT_EXIT_DATA, hint, "%s: column '%s': '%.80s' is not %s", where, csv->names[col], cell, what);
}

int dgrt_csv_number(const DgCsv *csv, int64_t row, int col, double *out, DgrtErr *err) {
    if (csv->values && csv->values[col]) {
        double v = csv->values[col][row];
        if (isnan(v))
            return cell_error(csv, row, col, err, "fill the gap, or choose a period without it", "a number");
        *out = v;
        return 0;
    }
    const char *s = dgrt_csv_cell(csv, row, col);
    char *endp;
    errno = 0;
    double v = strtod(s, &endp);
    if (!s[0] || *endp || (errno == ERANGE && isinf(v)))
        return cell_error(csv, row, col, err, "write numbers like 1.5, -2 or 3e-4", "a number");
    *out = v;
    return 0;
}

int dgrt_csv_int(const DgCsv *csv, int64_t row, int col, long *out, DgrtErr *err) {
    const char *s = dgrt_csv_cell(csv, row, col);
    char *endp;
    errno = 0;
    long v = strtol(s, &endp, 10);
    if (!s[0] || *endp || errno)
        return cell_error(csv, row, col, err, "write whole numbers like 0, 1, 2", "an integer");
    *out = v;
    return 0;
}

int dgrt_csv_date(const DgCsv *csv, int64_t row, int col, int32_t *day, DgrtErr *err) {
    if (dgrt_parse_date(dgrt_csv_cell(csv, row, col), day))
        return cell_error(csv, row, col, err, "dates are written YYYY-MM-DD, e.g. 1980-10-01 (years 0001 to 9999)",
                          "a date (expected YYYY-MM-DD)");
    return 0;
}

int dgrt_csv_ymd(const DgCsv *csv, int64_t row, const int ymd_cols[3], int32_t *day, DgrtErr *err) {
    long v[3];
    for (int k = 0; k < 3; k++)
        if (dgrt_csv_int(csv, row, ymd_cols[k], &v[k], err)) return err->code;
    if (!dgrt_valid_ymd(v[0], v[1], v[2])) {
        char where[600];
        int bad = v[0] < 1 || v[0] > 9999 ? 0 : v[1] < 1 || v[1] > 12 ? 1 : 2;
        return dgrt_fail(err, DGRT_EXIT_DATA, "the year, month and day columns form a calendar date of years 1 to 9999",
                         "%s: %s-%s-%s is not a date (%s)", dgrt_csv_where(csv, row, ymd_cols[bad], where, sizeof where),
                         dgrt_csv_cell(csv, row, ymd_cols[0]), dgrt_csv_cell(csv, row, ymd_cols[1]),
                         dgrt_csv_cell(csv, row, ymd_cols[2]),
                         bad == 0 ? "the year is not in 1..9999" : bad == 1 ? "no such month" : "no such day in the month");
    }
    *day = dgrt_days_from_ymd((int)v[0], (int)v[1], (int)v[2]);
    return 0;
}

// ---- Dates ------------------------------------------------------------------------------
/* Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms). */

/* y, m, d as dgrt_valid_ymd accepts them (callers check first). */
int32_t dgrt_days_from_ymd(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void dgrt_ymd_from_days(int32_t z, int *y, int *m, int *d) {
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Years 1..9999: what YYYY-MM-DD can write, and far inside the int32 day
 * numbers (dgrt_days_from_ymd overflows int arithmetic beyond about 5.8
 * million years). Every reader checks a date here before converting it. */
int dgrt_valid_ymd(long y, long m, long d) {
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return 0;
    return d <= mdays[m - 1] + (m == 2 && is_leap((int)y));
}

int dgrt_day_of_year(int32_t day) {
    int y, m, d;
    dgrt_ymd_from_days(day, &y, &m, &d);
    return (int)(day - dgrt_days_from_ymd(y, 1, 1)) + 1;
}

int dgrt_parse_date(const char *s, int32_t *day) {
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-') return 1;
        } else if (!isdigit((unsigned char)s[i])) {
            return 1;
        }
    }
    if (s[10]) return 1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (!dgrt_valid_ymd(y, m, d)) return 1;
    *day = dgrt_days_from_ymd(y, m, d);
    return 0;
}

char *dgrt_format_date(int32_t day, char *buf) {
    int y, m, d;
    dgrt_ymd_from_days(day, &y, &m, &d);
    int v[3] = {y, m, d}, width[3] = {4, 2, 2}, k = 0;
    for (int i = 0; i < 3; i++) {
        if (i) buf[k++] = '-';
        for (int j = width[i] - 1, x = v[i] < 0 ? 0 : v[i]; j >= 0; j--, x /= 10) buf[k + j] = (char)('0' + x % 10);
        k += width[i];
    }
    buf[k] = 0;
    return buf;
}
