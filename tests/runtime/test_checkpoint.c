/* test_checkpoint.c — checkpoint.c: a round trip keeps every field bit for
 * bit; corruption (a flipped byte, truncation, bad magic, newer version,
 * trailing bytes) is detected with a clear message; writing is atomic (no
 * temporary file left, an existing checkpoint replaced whole, a failed write
 * leaves the old file untouched); the model signature catches a checkpoint
 * of another model or component count. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"
#include "checkpoint.h"

extern const DgModel dg_model;

static char dir[1024];

static void path_in(char *buf, size_t size, const char *name) { snprintf(buf, size, "%s/%s", dir, name); }

static void fill(DgCheckpoint *ck, float *w, float *om) {
    memset(ck, 0, sizeof *ck);
    ck->model = "toy";
    ck->signature = dgrt_model_signature(&dg_model, 2);
    ck->config = "data = /x\nbasins = 01031500\nepochs = 3\n";
    dgrt_norm_alloc(&ck->norm, 2, 3);
    ck->norm.ftransform[0] = 1;
    for (int i = 0; i < 2; i++) ck->norm.fmean[i] = 0.1 * i + 1e-17, ck->norm.fstd[i] = 1.5 + i;
    for (int i = 0; i < 3; i++) ck->norm.amean[i] = -3.25 * i, ck->norm.astd[i] = 1.0 / 3.0 + i;
    for (int i = 0; i < 1000; i++) w[i] = (float)sin(i) * 1e-3f;
    w[7] = -0.0f;
    w[8] = 1e-40f; /* subnormal */
    ck->nweights = 1000;
    ck->weights = w;
    ck->opt_kind = 3;
    ck->opt_t = 12345678901LL;
    ck->opt_nbuf = 2;
    ck->opt_n = 1000;
    for (int i = 0; i < 2000; i++) om[i] = (float)cos(i);
    ck->opt_memory = om;
    ck->epoch = 7;
    ck->iter = 70;
    ck->best_epoch = 5;
    ck->bad_epochs = 2;
    ck->best_metric = 0.7123456789012345;
    ck->nrng = 1;
    ck->rng[0] = 0xFEDCBA9876543210ULL;
}

static long file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static unsigned char *slurp(const char *p, long *n) {
    *n = 0;
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    *n = file_size(p);
    unsigned char *b = malloc((size_t)*n + 1);
    if (fread(b, 1, (size_t)*n, f) != (size_t)*n) *n = -1;
    fclose(f);
    return b;
}

static void spit(const char *p, const unsigned char *b, long n) {
    FILE *f = fopen(p, "wb");
    fwrite(b, 1, (size_t)n, f);
    fclose(f);
}

static int tmp_files_left(void) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp")) n++;
    closedir(d);
    return n;
}

static void test_round_trip(void) {
    static float w[1000], om[2000];
    DgCheckpoint ck, rd;
    fill(&ck, w, om);
    char p[1100];
    path_in(p, sizeof p, "rt.bin");
    DgrtErr err = {0};
    CHECK(dgrt_checkpoint_write(&ck, p, &err) == 0);
    CHECK(tmp_files_left() == 0);
    CHECK(dgrt_checkpoint_read(&rd, p, &err) == 0);
    CHECK_STR(rd.model, "toy");
    CHECK_STR(rd.signature, ck.signature);
    CHECK_STR(rd.config, ck.config);
    CHECK(rd.norm.nf == 2 && rd.norm.na == 3 && rd.norm.ftransform[0] == 1 && rd.norm.ftransform[1] == 0);
    CHECK(!memcmp(rd.norm.fmean, ck.norm.fmean, 2 * sizeof(double)));
    CHECK(!memcmp(rd.norm.fstd, ck.norm.fstd, 2 * sizeof(double)));
    CHECK(!memcmp(rd.norm.amean, ck.norm.amean, 3 * sizeof(double)));
    CHECK(!memcmp(rd.norm.astd, ck.norm.astd, 3 * sizeof(double)));
    CHECK(rd.nweights == 1000 && !memcmp(rd.weights, w, sizeof w));
    CHECK(rd.opt_kind == 3 && rd.opt_t == 12345678901LL && rd.opt_nbuf == 2 && rd.opt_n == 1000);
    CHECK(!memcmp(rd.opt_memory, om, sizeof om));
    CHECK(rd.epoch == 7 && rd.iter == 70 && rd.best_epoch == 5 && rd.bad_epochs == 2);
    CHECK(rd.best_metric == ck.best_metric);
    CHECK(rd.nrng == 1 && rd.rng[0] == 0xFEDCBA9876543210ULL);
    CHECK(rd.nets == NULL && rd.ninputs == 0);   /* sections written only when given */
    CHECK(dgrt_checkpoint_check_model(&rd, p, &dg_model, 2, &err) == 0);
    /* another component count: the signature names the line */
    CHECK(dgrt_checkpoint_check_model(&rd, p, &dg_model, 3, &err) == DGRT_EXIT_DATA);
    CHECK(strstr(err.msg, "'components 2'") && strstr(err.msg, "'components 3'"));
    /* another model: a parameter with other bounds */
    DgModel other = dg_model;
    DgParamInfo ps[8];
    memcpy(ps, dg_model.params, sizeof(DgParamInfo) * (size_t)dg_model.nparams);
    ps[1].hi = 2.0;
    other.params = ps;
    CHECK(dgrt_checkpoint_check_model(&rd, p, &other, 2, &err) == DGRT_EXIT_DATA);
    CHECK(strstr(err.msg, "another model") && strstr(err.msg, "param f"));
    /* NaN best metric survives */
    ck.best_metric = NAN;
    CHECK(dgrt_checkpoint_write(&ck, p, &err) == 0);
    dgrt_checkpoint_free(&rd);
    CHECK(dgrt_checkpoint_read(&rd, p, &err) == 0 && isnan(rd.best_metric));
    dgrt_checkpoint_free(&rd);
    /* the networks (--init-from) and the input statistics (norm()) */
    double mean[3] = {2.75, -1e-300, 0.1}, std[3] = {4.5, 1.0 / 3.0, 1e-7};
    ck.nets = "et 0 tanh sigmoid 3 16 1\nq 81 relu linear 2 4 1\n";
    ck.ninputs = 3;
    ck.input_mean = mean;
    ck.input_std = std;
    CHECK(dgrt_checkpoint_write(&ck, p, &err) == 0);
    CHECK(dgrt_checkpoint_read(&rd, p, &err) == 0);
    CHECK_STR(rd.nets, ck.nets);
    CHECK(rd.ninputs == 3 && !memcmp(rd.input_mean, mean, sizeof mean) && !memcmp(rd.input_std, std, sizeof std));
    dgrt_checkpoint_free(&rd);
    free(ck.signature);
    dgrt_norm_free(&ck.norm);
}

static void expect_read_error(const char *p, const char *what) {
    DgCheckpoint rd;
    DgrtErr err = {0};
    int rc = dgrt_checkpoint_read(&rd, p, &err);
    CHECK(rc == DGRT_EXIT_DATA);
    if (!strstr(err.msg, what)) {
        fprintf(stderr, "expected '%s' in: %s\n", what, err.msg);
        CHECK(0);
    }
    CHECK(strstr(err.src_file, "checkpoint.c") != NULL);
}

static void test_corruption(void) {
    static float w[1000], om[2000];
    DgCheckpoint ck;
    fill(&ck, w, om);
    char p[1100], q[1100];
    path_in(p, sizeof p, "good.bin");
    path_in(q, sizeof q, "bad.bin");
    DgrtErr err = {0};
    CHECK(dgrt_checkpoint_write(&ck, p, &err) == 0);
    long n = 0;
    unsigned char *b = slurp(p, &n);
    CHECK(b && n > 100);
    /* one flipped bit anywhere in the payload */
    for (long at = 24; at < n - 4; at += n / 7) {
        b[at] ^= 0x10;
        spit(q, b, n);
        expect_read_error(q, "checksum");
        b[at] ^= 0x10;
    }
    /* truncated */
    spit(q, b, n - 10);
    expect_read_error(q, "truncated");
    spit(q, b, 12);
    expect_read_error(q, "not a dgc checkpoint");
    /* trailing garbage */
    unsigned char *c = malloc((size_t)n + 3);
    memcpy(c, b, (size_t)n);
    memcpy(c + n, "xyz", 3);
    spit(q, c, n + 3);
    expect_read_error(q, "extra bytes");
    free(c);
    /* magic and version */
    b[0] = 'X';
    spit(q, b, n);
    expect_read_error(q, "bad magic");
    b[0] = 'D';
    b[8] = 99;
    spit(q, b, n);
    expect_read_error(q, "format version 99");
    b[8] = 1;
    spit(q, b, n);
    DgCheckpoint rd;
    CHECK(dgrt_checkpoint_read(&rd, q, &err) == 0);
    dgrt_checkpoint_free(&rd);
    /* a missing file */
    path_in(q, sizeof q, "none.bin");
    CHECK(dgrt_checkpoint_read(&rd, q, &err) == DGRT_EXIT_DATA && strstr(err.msg, "cannot open"));
    free(b);
    free(ck.signature);
    dgrt_norm_free(&ck.norm);
}

static void test_atomic(void) {
    static float w[1000], om[2000];
    DgCheckpoint ck;
    fill(&ck, w, om);
    char p[1100];
    path_in(p, sizeof p, "atomic.bin");
    DgrtErr err = {0};
    CHECK(dgrt_checkpoint_write(&ck, p, &err) == 0);
    long n0 = file_size(p);
    /* replacing: the new file is whole, nothing left beside it */
    ck.epoch = 8;
    ck.config = "a much longer configuration text than before, so that the file grows\n";
    CHECK(dgrt_checkpoint_write(&ck, p, &err) == 0);
    CHECK(file_size(p) > n0);
    CHECK(tmp_files_left() == 0);
    DgCheckpoint rd;
    CHECK(dgrt_checkpoint_read(&rd, p, &err) == 0 && rd.epoch == 8);
    dgrt_checkpoint_free(&rd);
    /* a failed rename (the target is a directory): error, temporary file removed */
    char dpath[1100];
    path_in(dpath, sizeof dpath, "adir.bin");
    mkdir(dpath, 0777);
    CHECK(dgrt_checkpoint_write(&ck, dpath, &err) == DGRT_EXIT_DATA);
    CHECK(strstr(err.msg, "cannot move") != NULL);
    CHECK(tmp_files_left() == 0);
    /* a directory that does not exist: error, and the old checkpoint elsewhere is untouched */
    char bad[1200];
    snprintf(bad, sizeof bad, "%s/no/such/dir/ck.bin", dir);
    CHECK(dgrt_checkpoint_write(&ck, bad, &err) == DGRT_EXIT_DATA && strstr(err.msg, "temporary file"));
    CHECK(dgrt_checkpoint_read(&rd, p, &err) == 0 && rd.epoch == 8);
    dgrt_checkpoint_free(&rd);
    free(ck.signature);
    dgrt_norm_free(&ck.norm);
}

// ---- Files with a valid checksum but impossible contents ---------------------------------------------

typedef struct {
    unsigned char b[4096];
    size_t n;
} Bytes;

static void put_bytes(Bytes *x, const void *p, size_t n) {
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void put_le(Bytes *x, uint64_t v, int n) {
    for (int i = 0; i < n; i++) x->b[x->n++] = (unsigned char)(v >> (8 * i));
}
static void put_text(Bytes *x, const char *s, size_t n) {
    put_le(x, n, 8);
    put_bytes(x, s, n);
}
/* a section: tag, length, body */
static void put_section(Bytes *x, const char *tag, const Bytes *body) {
    put_bytes(x, tag, 4);
    put_le(x, body->n, 8);
    put_bytes(x, body->b, body->n);
}

/* Writes a checkpoint of MODL, CONF (conf, conf_len bytes), NETW (2 weights) and `extra` sections, with a
 * correct header and CRC, and expects `what` in the read error (NULL: success). */
static void expect_payload(const char *conf, size_t conf_len, const Bytes *extra, const char *what) {
    Bytes pay = {.n = 0}, s = {.n = 0};
    put_text(&s, "toy", 3);
    put_text(&s, "sig\n", 4);
    put_section(&pay, "MODL", &s);
    s.n = 0;
    put_text(&s, conf, conf_len);
    put_section(&pay, "CONF", &s);
    s.n = 0;
    put_le(&s, 2, 8);
    put_le(&s, 0, 8);
    put_section(&pay, "NETW", &s);
    if (extra) put_bytes(&pay, extra->b, extra->n);
    Bytes file = {.n = 0};
    put_bytes(&file, DGRT_CKPT_MAGIC, 8);
    put_le(&file, DGRT_CKPT_VERSION, 4);
    put_le(&file, 0, 4);
    put_le(&file, pay.n, 8);
    put_bytes(&file, pay.b, pay.n);
    put_le(&file, dgrt_crc32(pay.b, pay.n), 4);
    char p[1100];
    path_in(p, sizeof p, "crafted.bin");
    spit(p, file.b, (long)file.n);
    if (what) {
        expect_read_error(p, what);
        return;
    }
    DgCheckpoint rd;
    DgrtErr err = {0};
    CHECK(dgrt_checkpoint_read(&rd, p, &err) == 0);
    if (!err.code) dgrt_checkpoint_free(&rd);
}

static void test_crafted(void) {
    expect_payload("epochs = 1\n", 11, NULL, NULL);
    /* a NUL inside the configuration (it would end the text early) */
    expect_payload("epochs = 1\0batch = 3\n", 22, NULL, "section CONF is malformed");
    Bytes x = {.n = 0}, s = {.n = 0};
    /* optimiser buffers: 4 x 2^62 floats wrap around to 0 in 64 bits */
    put_le(&s, 1, 4);
    put_le(&s, 0, 8);
    put_le(&s, 4, 4);
    put_le(&s, (uint64_t)1 << 62, 8);
    put_section(&x, "OPTM", &s);
    expect_payload("epochs = 1\n", 11, &x, "section OPTM is malformed");
    /* progress counters below zero */
    x.n = s.n = 0;
    put_le(&s, (uint64_t)-5, 8);
    for (int i = 0; i < 3; i++) put_le(&s, 0, 8);
    put_le(&s, 0, 8);
    put_le(&s, 0, 4);
    put_section(&x, "PROG", &s);
    expect_payload("epochs = 1\n", 11, &x, "section PROG is malformed");
    /* normalisation: a transform that does not exist, a std of 0 (a division later) */
    double one = 1.0, zero = 0.0;
    for (int bad = 0; bad < 2; bad++) {
        x.n = s.n = 0;
        put_le(&s, 1, 4);
        put_le(&s, 0, 4);
        put_le(&s, bad == 0 ? 7 : 1, 4);
        put_bytes(&s, &one, 8);
        put_bytes(&s, bad == 1 ? &zero : &one, 8);
        put_section(&x, "NORM", &s);
        expect_payload("epochs = 1\n", 11, &x, "section NORM is malformed");
    }
    /* input statistics: a standard deviation of 0 (norm() divides by it), a count past the section */
    for (int bad = 0; bad < 2; bad++) {
        x.n = s.n = 0;
        put_le(&s, bad == 0 ? 1 : 1000, 4);
        put_bytes(&s, &one, 8);
        put_bytes(&s, &zero, 8);
        put_section(&x, "INST", &s);
        expect_payload("epochs = 1\n", 11, &x, "section INST is malformed");
    }
    /* not a regular file: a directory, a device (/dev/zero was read until memory ran out) */
    DgCheckpoint rd;
    DgrtErr err = {0};
    char want[1200];
    CHECK(dgrt_checkpoint_read(&rd, dir, &err) == DGRT_EXIT_DATA);
    snprintf(want, sizeof want, "'%s' is a directory, not a regular file", dir);
    CHECK_STR(err.msg, want);
    struct stat st;
    if (stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode)) {
        CHECK(dgrt_checkpoint_read(&rd, "/dev/zero", &err) == DGRT_EXIT_DATA);
        CHECK_STR(err.msg, "'/dev/zero' is a character device, not a regular file");
    }
}

static void test_crc(void) {
    /* the standard check value of CRC-32/IEEE */
    CHECK(dgrt_crc32("123456789", 9) == 0xCBF43926u);
    CHECK(dgrt_crc32("", 0) == 0);
}

int main(void) {
    snprintf(dir, sizeof dir, "%s", DG_RT_TMP_DIR);
    mkdir(dir, 0777);
    test_crc();
    test_round_trip();
    test_corruption();
    test_atomic();
    test_crafted();
    return check_report("test_checkpoint");
}
