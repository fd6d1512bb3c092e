/* csv.h — a small, strict table reader for user data (forcing, parameters):
 * comma-separated CSV (quoted fields, CRLF, BOM) or whitespace-separated
 * tables (CAMELS), optional preamble lines before the header, `#` comment
 * lines and blank lines skipped. Every error names file:line:col (col is the
 * 1-based character column where the cell starts) and the column name.
 * A table may also come from a NetCDF file (netcdf_read.c: one column per
 * variable along the time axis, kept as numbers; errors name the file, the
 * variable and the date instead of line and column).
 * Also: calendar dates as day numbers (days since 1970-01-01). */
#ifndef DGRT_CSV_H
#define DGRT_CSV_H

#include <stdint.h>
#include <stdio.h>
#include "check.h"

typedef struct {
    char    *path;       /* as given, for messages (owned copy) */
    char    *text;       /* the file, split in place: cells point into it */
    int      npre;       /* preamble lines before the header */
    char   **pre;        /* [npre] their text, trimmed */
    int     *pre_line;   /* [npre] line numbers */
    int      header_line;
    int      ncols;
    char   **names;      /* [ncols] header fields */
    int     *name_col;   /* [ncols] their character columns */
    int64_t  nrows;      /* data rows */
    char   **cells;      /* [nrows][ncols] */
    int     *cols;       /* [nrows][ncols] character column of each cell */
    int     *lines;      /* [nrows] line number of each row */
    /* A table of numbers (a NetCDF file) has, instead of text, the numbers of
     * each column (values[col][row], NaN = missing; NULL for a text column
     * such as its dates) and no lines or cols. A column's cells are written
     * as text only when first asked for (dgrt_csv_cell: messages, missing
     * checks), into coltext[col]: the table is filled then, though const. */
    double **values;     /* [ncols] or NULL (a text table) */
    char   **coltext;    /* [ncols] text of the cells made so far */
} DgCsv;

typedef struct {
    char delim;          /* ',' (CSV) or ' ' (runs of blanks and tabs) */
    int  npre;           /* lines to keep as preamble before the header */
} DgCsvOptions;

/* A table from FILE.nc (netcdf_read.c) or else from CSV text (opt NULL). */
int  dgrt_table_read(DgCsv *csv, const char *path, DgrtErr *err);

/* Read a whole table. Returns 0, or an error code with `err` filled
 * (missing file, wrong field count, unterminated quote, duplicate column).
 * On error the table is empty and needs no free. opt NULL = CSV, no preamble. */
int  dgrt_csv_read(DgCsv *csv, const char *path, const DgCsvOptions *opt, DgrtErr *err);
void dgrt_csv_free(DgCsv *csv);

/* A whole file as a NUL-terminated string (*len bytes before the NUL; the
 * text may contain other NULs). 0, or DGRT_EXIT_DATA with err filled.
 * A directory is refused; a FIFO is read without blocking at open. */
int  dgrt_read_file(const char *path, char **text, size_t *len, DgrtErr *err);

/* Limits of dgrt_read_file_checked (a zero field = no limit). */
typedef struct {
    size_t      max_bytes;     /* larger files (or streams) are refused */
    int         regular_only;  /* refuse FIFOs, devices, sockets (e.g. /dev/zero) */
    int         text;          /* refuse NUL bytes: "path:line:col: NUL byte in the file" */
    const char *what;          /* "a config file", for the size message */
    const char *hint;          /* hint of the size message */
} DgReadLimits;
int  dgrt_read_file_checked(const char *path, const DgReadLimits *lim, char **text, size_t *len, DgrtErr *err);

/* Finishes a file written as `tmp` next to `path`: closes it and renames it
 * over `path`, so readers never see half a file. `failed` reports an earlier
 * write error. 0, or DGRT_EXIT_DATA with err filled (the temporary removed). */
int  dgrt_commit_file(FILE *f, int failed, const char *tmp, const char *path, DgrtErr *err);
/* Opens the temporary of an output `path` (a unique name next to it, in
 * tmp[tmpsize]) for dgrt_commit_file. Refuses a path that exists and is not
 * a regular file (a device, FIFO, directory): NULL with err filled. */
FILE *dgrt_open_output(const char *path, char *tmp, size_t tmpsize, DgrtErr *err);
/* The mkstemp template of a temporary next to `path`: path + ".tmp" and
 * DGRT_TEMP_RANDOM characters mkstemp fills in; -1 when size is too small. */
#define DGRT_TEMP_RANDOM 6
int dgrt_temp_template(char *out, size_t size, const char *path);

/* The first of n keys (in their order) that an earlier key equals, and in
 * *earlier the first such earlier one; -1 when all differ. O(n log n). */
int64_t dgrt_first_duplicate(const char *const *keys, int64_t n, int64_t *earlier);

/* Column index by exact name, or -1. */
int  dgrt_csv_find(const DgCsv *csv, const char *name);
/* Column index, or -1 with "no column 'X' (the header has: ...)". */
int  dgrt_csv_column(const DgCsv *csv, const char *name, DgrtErr *err);

/* The text of a column of numbers (values), made on first use. */
const char *dgrt_csv_number_text(const DgCsv *csv, int64_t row, int col);
static inline const char *dgrt_csv_cell(const DgCsv *csv, int64_t row, int col) {
    const char *c = csv->cells[row * csv->ncols + col];
    return c ? c : dgrt_csv_number_text(csv, row, col);
}
/* Parse a cell: 0 or an error naming file:line:col and the column. */
int dgrt_csv_number(const DgCsv *csv, int64_t row, int col, double *out, DgrtErr *err);
int dgrt_csv_int(const DgCsv *csv, int64_t row, int col, long *out, DgrtErr *err);
int dgrt_csv_date(const DgCsv *csv, int64_t row, int col, int32_t *day, DgrtErr *err);
/* A date from three integer columns (year, month, day; CAMELS's Year Mnth
 * Day): each an integer (no overflow), together a date of years 1..9999. */
int dgrt_csv_ymd(const DgCsv *csv, int64_t row, const int ymd_cols[3], int32_t *day, DgrtErr *err);
/* "path:line:col" of a cell (row -1 = the header), for callers' own messages. */
const char *dgrt_csv_where(const DgCsv *csv, int64_t row, int col, char *buf, size_t size);

/* ---- Dates: day numbers, 0 = 1970-01-01 (proleptic Gregorian) ---- */
int32_t dgrt_days_from_ymd(int y, int m, int d);
void    dgrt_ymd_from_days(int32_t day, int *y, int *m, int *d);
int     dgrt_day_of_year(int32_t day);          /* 1..366 */
/* A calendar date of years 1..9999 (the only years dates are converted for:
 * check before calling dgrt_days_from_ymd). */
int     dgrt_valid_ymd(long y, long m, long d);
/* "YYYY-MM-DD" exactly; returns 0 on success. */
int     dgrt_parse_date(const char *s, int32_t *day);
/* buf of at least 11 chars */
char   *dgrt_format_date(int32_t day, char *buf);

#endif
