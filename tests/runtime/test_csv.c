/* test_csv.c — the table reader on damaged files: the exact error text
 * (file:line:col, column name) and hint for each kind of damage, the
 * runtime error format, and what a robust reader must accept (BOM, CRLF,
 * quotes, comments, blank lines, whitespace tables with a preamble). Dates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "csv.h"
#include "rt_files.h"

/* Read `text` as CSV and expect the error "<path>:<rest>" (and the hint if given). */
static void expect_read_error(const char *name, const char *text, const DgCsvOptions *opt, const char *rest,
                              const char *hint) {
    const char *p = write_file(name, text);
    DgCsv csv;
    DgrtErr err = {0};
    int rc = dgrt_csv_read(&csv, p, opt, &err);
    CHECK(rc == DGRT_EXIT_DATA);
    char want[2048];
    snprintf(want, sizeof want, "%s%s", p, rest);
    CHECK_STR(err.msg, want);
    if (hint) CHECK_STR(err.hint, hint);
}

/* Read a good file, then parse cell (row, col) as kind 'n'umber or 'd'ate and expect the error. */
static void expect_cell_error(const char *name, const char *text, int64_t row, const char *colname, char kind,
                              const char *rest) {
    const char *p = write_file(name, text);
    DgCsv csv;
    DgrtErr err = {0};
    CHECK(dgrt_csv_read(&csv, p, NULL, &err) == 0);
    int col = dgrt_csv_column(&csv, colname, &err);
    CHECK(col >= 0);
    if (col < 0) return;
    double v;
    int32_t d;
    int rc = kind == 'n' ? dgrt_csv_number(&csv, row, col, &v, &err) : dgrt_csv_date(&csv, row, col, &d, &err);
    CHECK(rc == DGRT_EXIT_DATA);
    char want[2048];
    snprintf(want, sizeof want, "%s%s", p, rest);
    CHECK_STR(err.msg, want);
    dgrt_csv_free(&csv);
}

static void test_errors(void) {
    /* missing file */
    DgCsv csv;
    DgrtErr err = {0};
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/no_such_file.csv", DG_RT_TMP_DIR);
    CHECK(dgrt_csv_read(&csv, missing, NULL, &err) == DGRT_EXIT_DATA);
    char want[2048];
    snprintf(want, sizeof want, "cannot open '%s' for reading: No such file or directory", missing);
    CHECK_STR(err.msg, want);
    CHECK_STR(err.hint, "check the path (relative paths start at the current directory)");

    expect_read_error("empty.csv", "", NULL, ":1:1: empty file: expected a header line", "the first line names the columns");
    expect_read_error("only_comments.csv", "# nothing here\n\n", NULL, ":2:1: empty file: expected a header line", NULL);
    expect_read_error("too_many.csv", "date,P,T\n2000-01-01,1,2\n2000-01-02,1,2,3\n", NULL,
                      ":3:16: row has 4 fields, the header has 3", "every row needs one value per header column");
    expect_read_error("too_few.csv", "date,P,T\n2000-01-01,1,2\n2000-01-02,1\n", NULL,
                      ":3:13: row has 2 fields, the header has 3", NULL);
    expect_read_error("one_field.csv", "date,P\r\n2000-01-01\r\n", NULL, ":2:11: row has 1 field, the header has 2", NULL);
    expect_read_error("quote.csv", "date,\"P\n2000-01-01,1\n", NULL, ":1:6: unterminated quoted field", NULL);
    expect_read_error("after_quote.csv", "date,\"P\"x,T\n", NULL, ":1:9: text after a closing quote", NULL);
    expect_read_error("dup.csv", "date,P,P\n", NULL, ":1:8: duplicate column 'P' (also at 1:6)",
                      "rename or remove one of the two columns");
    expect_read_error("dup3.csv", "x,a,b,a,b,a\n", NULL, ":1:7: duplicate column 'a' (also at 1:3)", NULL);
    expect_read_error("dup4.csv", "x,b,a,c,a,b\n", NULL, ":1:9: duplicate column 'a' (also at 1:5)", NULL);
    expect_read_error("empty_name.csv", "date,,P\n", NULL, ":1:6: empty column name in the header", NULL);
    DgCsvOptions ws = {' ', 3};
    expect_read_error("short_pre.txt", "  44.82\n 133.00\n", &ws,
                      ":2:1: file ends after 2 lines, expected 3 preamble lines and a header", "is this the right file?");

    expect_cell_error("nan_cell.csv", "date,P,T\n2000-01-01,1,2\n2000-01-02,abc,2\n", 1, "P", 'n',
                      ":3:12: column 'P': 'abc' is not a number");
    expect_cell_error("empty_cell.csv", "date,P,T\n2000-01-01,,2\n", 0, "P", 'n', ":2:12: column 'P': empty cell");
    expect_cell_error("trailing.csv", "date,P,T\n2000-01-01, 1.5x ,2\n", 0, "P", 'n',
                      ":2:13: column 'P': '1.5x' is not a number");
    expect_cell_error("bad_date.csv", "date,P\n2000-01-01,1\n2000-02-30,1\n", 1, "date", 'd',
                      ":3:1: column 'date': '2000-02-30' is not a date (expected YYYY-MM-DD)");
    expect_cell_error("bad_date2.csv", "date,P\n2000/01/01,1\n", 0, "date", 'd',
                      ":2:1: column 'date': '2000/01/01' is not a date (expected YYYY-MM-DD)");
    /* columns count characters, not bytes (UTF-8) */
    expect_cell_error("utf8.csv", "name,value\n\xc2\xb5m\xc3\xa9,x\n", 0, "value", 'n',
                      ":2:5: column 'value': 'x' is not a number");

    /* missing column */
    const char *p = write_file("cols.csv", "date,P,T\n2000-01-01,1,2\n");
    CHECK(dgrt_csv_read(&csv, p, NULL, &err) == 0);
    CHECK(dgrt_csv_column(&csv, "PET", &err) == -1);
    snprintf(want, sizeof want, "%s:1:1: no column 'PET' (the header has: date, P, T)", p);
    CHECK_STR(err.msg, want);
    CHECK(err.code == DGRT_EXIT_DATA);
    dgrt_csv_free(&csv);

    /* the printed form: error: <what>, then the hint as a note, no C source location */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dgrt_err_print(&err, f);
    fclose(f);
    snprintf(want, sizeof want, "error: %s\n", err.msg);
    CHECK(!strncmp(buf, want, strlen(want)));
    CHECK(strstr(buf, "\nnote: the header line names the columns\n") != NULL);
    CHECK(strstr(buf, "csv.c") == NULL);
    free(buf);
}

static void test_good(void) {
    /* BOM, CRLF, comments, blank lines, quotes with "" and commas, blanks around cells */
    const char *p = write_file("good.csv",
                               "\xEF\xBB\xBF# a comment\r\n"
                               "date , \"P, mm\" ,note\r\n"
                               "\r\n"
                               "2000-01-01, 1.5 ,\"say \"\"hi\"\"\"\r\n"
                               "   # another comment\r\n"
                               "2000-01-02,-2e-3,\r\n");
    DgCsv csv;
    DgrtErr err = {0};
    CHECK(dgrt_csv_read(&csv, p, NULL, &err) == 0);
    CHECK(csv.ncols == 3 && csv.nrows == 2 && csv.header_line == 2);
    CHECK_STR(csv.names[0], "date");
    CHECK_STR(csv.names[1], "P, mm");
    CHECK_STR(dgrt_csv_cell(&csv, 0, 2), "say \"hi\"");
    CHECK_STR(dgrt_csv_cell(&csv, 1, 2), "");
    CHECK(csv.lines[0] == 4 && csv.lines[1] == 6);
    double v;
    CHECK(dgrt_csv_number(&csv, 0, 1, &v, &err) == 0 && v == 1.5);
    CHECK(dgrt_csv_number(&csv, 1, 1, &v, &err) == 0 && v == -2e-3);
    int32_t d;
    CHECK(dgrt_csv_date(&csv, 1, 0, &d, &err) == 0 && d == dgrt_days_from_ymd(2000, 1, 2));
    dgrt_csv_free(&csv);

    /* whitespace table with a 3-line preamble (the CAMELS layout) */
    p = write_file("ws.txt", "  44.82\n 133.00\n 587675987\nYear Mnth Day Hr\tdayl(s)\n2000 01 01 12\t31185.97\n");
    DgCsvOptions ws = {' ', 3};
    CHECK(dgrt_csv_read(&csv, p, &ws, &err) == 0);
    CHECK(csv.npre == 3 && !strcmp(csv.pre[0], "44.82") && !strcmp(csv.pre[2], "587675987"));
    CHECK(csv.ncols == 5 && csv.nrows == 1 && csv.header_line == 4);
    CHECK_STR(csv.names[4], "dayl(s)");
    CHECK_STR(dgrt_csv_cell(&csv, 0, 4), "31185.97");
    CHECK(csv.cols[4] == 15);
    dgrt_csv_free(&csv);
}

static void test_dates(void) {
    CHECK(dgrt_days_from_ymd(1970, 1, 1) == 0);
    CHECK(dgrt_days_from_ymd(2000, 3, 1) - dgrt_days_from_ymd(2000, 2, 28) == 2);   /* 2000 is leap */
    CHECK(dgrt_days_from_ymd(1900, 3, 1) - dgrt_days_from_ymd(1900, 2, 28) == 1);   /* 1900 is not */
    CHECK(dgrt_day_of_year(dgrt_days_from_ymd(2000, 12, 31)) == 366);
    CHECK(dgrt_day_of_year(dgrt_days_from_ymd(2001, 3, 1)) == 60);
    CHECK(dgrt_day_of_year(dgrt_days_from_ymd(1980, 10, 1)) == 275);
    int32_t d;
    CHECK(dgrt_parse_date("2000-1-01", &d) != 0);
    CHECK(dgrt_parse_date("2000-01-011", &d) != 0);
    CHECK(dgrt_parse_date("1999-02-29", &d) != 0);
    CHECK(dgrt_parse_date("2000-02-29", &d) == 0);
    int ok = 1;
    char buf[16];
    for (int32_t day = dgrt_days_from_ymd(1, 1, 1); day <= dgrt_days_from_ymd(9999, 12, 31); day += 97) {
        int32_t back;
        ok &= dgrt_parse_date(dgrt_format_date(day, buf), &back) == 0 && back == day;
    }
    CHECK(ok);
    CHECK_STR(dgrt_format_date(dgrt_days_from_ymd(1980, 10, 1), buf), "1980-10-01");
}

/* Years 1..9999 only, checked before any conversion (dgrt_days_from_ymd
 * overflowed on year 2147483647), and integer cells read without wrapping
 * (4294969296 was read as 2000 by %d). */
static void test_date_ranges(void) {
    int32_t d;
    CHECK(dgrt_parse_date("0000-01-01", &d) != 0);
    CHECK(dgrt_parse_date("0001-01-01", &d) == 0 && d == dgrt_days_from_ymd(1, 1, 1));
    CHECK(dgrt_parse_date("9999-12-31", &d) == 0);
    CHECK(!dgrt_valid_ymd(0, 1, 1) && !dgrt_valid_ymd(10000, 1, 1) && !dgrt_valid_ymd(2147483647L, 1, 1));
    CHECK(!dgrt_valid_ymd(4294969296L, 1, 1) && !dgrt_valid_ymd(2000, 4294967297L, 1) && dgrt_valid_ymd(9999, 12, 31));
    const char *p = write_file("ymd.txt", "Year Mnth Day\n2000 01 01\n2147483647 01 01\n2000 4294967297 01\n"
                                          "2000 02 30\n99999999999999999999 1 1\n");
    DgCsvOptions ws = {' ', 0};
    DgCsv csv;
    DgrtErr err = {0};
    CHECK(dgrt_csv_read(&csv, p, &ws, &err) == 0);
    const int cols[3] = {0, 1, 2};
    CHECK(dgrt_csv_ymd(&csv, 0, cols, &d, &err) == 0 && d == dgrt_days_from_ymd(2000, 1, 1));
    char want[2048];
    CHECK(dgrt_csv_ymd(&csv, 1, cols, &d, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "%s:3:1: 2147483647-01-01 is not a date (the year is not in 1..9999)", p);
    CHECK_STR(err.msg, want);
    CHECK(dgrt_csv_ymd(&csv, 2, cols, &d, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "%s:4:6: 2000-4294967297-01 is not a date (no such month)", p);
    CHECK_STR(err.msg, want);
    CHECK(dgrt_csv_ymd(&csv, 3, cols, &d, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "%s:5:9: 2000-02-30 is not a date (no such day in the month)", p);
    CHECK_STR(err.msg, want);
    CHECK(dgrt_csv_ymd(&csv, 4, cols, &d, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "%s:6:1: column 'Year': '99999999999999999999' is not an integer", p);
    CHECK_STR(err.msg, want);
    dgrt_csv_free(&csv);
}

/* Whole-file reads with limits: no directories, no devices when regular files
 * are asked for (reading /dev/zero never ended), no NUL in text, a size cap. */
static void test_read_limits(void) {
    char *text = NULL;
    size_t len = 0;
    DgrtErr err = {0};
    char want[2048];
    CHECK(dgrt_read_file(DG_RT_TMP_DIR, &text, &len, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "'%s' is a directory, not a regular file", DG_RT_TMP_DIR);
    CHECK_STR(err.msg, want);
    DgReadLimits lim = {.max_bytes = 16, .regular_only = 1, .text = 1, .what = "a test file", .hint = "smaller"};
    struct stat st;
    if (stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode)) {   /* some sandboxes replace devices by files */
        CHECK(dgrt_read_file_checked("/dev/zero", &lim, &text, &len, &err) == DGRT_EXIT_DATA);
        CHECK_STR(err.msg, "'/dev/zero' is a character device, not a regular file");
        DgReadLimits text_only = {.text = 1};
        CHECK(dgrt_read_file_checked("/dev/zero", &text_only, &text, &len, &err) == DGRT_EXIT_DATA);
        CHECK_STR(err.msg, "/dev/zero:1:1: NUL byte in the file");
    }
    const char *p = write_file("nul.txt", "ab\ncd");
    FILE *f = fopen(p, "ab");
    fputc(0, f);
    fputs("ef\n", f);
    fclose(f);
    CHECK(dgrt_read_file_checked(p, &lim, &text, &len, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "%s:2:3: NUL byte in the file", p);
    CHECK_STR(err.msg, want);
    p = write_file("big.txt", "0123456789abcdefg\n");
    CHECK(dgrt_read_file_checked(p, &lim, &text, &len, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "'%s' is too large for a test file: 18 bytes (at most 16)", p);
    CHECK_STR(err.msg, want);
    CHECK_STR(err.hint, "smaller");
    p = write_file("ok.txt", "0123456789abcde\n");
    CHECK(dgrt_read_file_checked(p, &lim, &text, &len, &err) == 0 && len == 16 && text[15] == '\n');
    free(text);
}

/* A file of a very wide header and two rows needs memory for two rows: the
 * row buffer started at 256 rows (300k columns x 256 x 12 bytes = 0.9 GB).
 * Checked in a child with 512 MB of address space (not under ASan). */
static void test_wide_rows(void) {
#if defined(__SANITIZE_ADDRESS__)
    return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return;
#endif
#endif
    enum { NCOLS = 300000 };
    size_t cap = (size_t)NCOLS * 16 + 64, n = 0;
    char *text = malloc(cap);
    for (int row = 0; row < 3; row++)
        for (int c = 0; c < NCOLS; c++)
            n += (size_t)snprintf(text + n, cap - n, row == 0 ? "c%d%s" : "%d%s", row == 0 ? c : row,
                                  c + 1 < NCOLS ? "," : "\n");
    const char *p = write_file("wide.csv", text);
    free(text);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit lim = {512ul << 20, 512ul << 20};
        if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(91);
        DgCsv csv;
        DgrtErr err = {0};
        int rc = dgrt_csv_read(&csv, p, NULL, &err);
        _exit(rc == 0 && csv.ncols == NCOLS && csv.nrows == 2 ? 0 : 92);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void) {
    test_errors();
    test_good();
    test_dates();
    test_date_ranges();
    test_read_limits();
    test_wide_rows();
    return check_report("test_csv");
}
