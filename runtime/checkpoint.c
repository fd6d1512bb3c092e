/* checkpoint.c — versioned, checksummed, atomically written checkpoints
 * (format in checkpoint.h). Serialisation goes through a growable byte
 * buffer with explicit little-endian writers, so files move between machines. */
#include "checkpoint.h"
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <dirent.h>
#include <unistd.h>

// ---- CRC-32 ------------------------------------------------------------------------------------

uint32_t dgrt_crc32(const void *data, size_t n) {
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

// ---- Writer ------------------------------------------------------------------------------------

typedef struct {
    uint8_t *data;
    size_t len, cap;
} Buf;

static void put(Buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap) b->cap = b->cap ? b->cap * 2 : 4096;
        b->data = reallocCheck(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
static void put_u32(Buf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}
static void put_u64(Buf *b, uint64_t v) {
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}
static void put_i64(Buf *b, int64_t v) { put_u64(b, (uint64_t)v); }
static void put_f64(Buf *b, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(b, u);
}
static void put_f32s(Buf *b, const float *v, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_u32(b, u);
    }
}
static void put_str(Buf *b, const char *s) {
    size_t n = s ? strlen(s) : 0;
    put_u64(b, n);
    put(b, s ? s : "", n);
}
/* section: tag, then a length patched by end_section */
static size_t begin_section(Buf *b, const char tag[4]) {
    put(b, tag, 4);
    size_t at = b->len;
    put_u64(b, 0);
    return at;
}
static void end_section(Buf *b, size_t at) {
    uint64_t n = b->len - at - 8;
    for (int i = 0; i < 8; i++) b->data[at + i] = (uint8_t)(n >> (8 * i));
}

static void serialise(Buf *b, const DgCheckpoint *ck) {
    size_t s = begin_section(b, "MODL");
    put_str(b, ck->model);
    put_str(b, ck->signature);
    end_section(b, s);

    s = begin_section(b, "CONF");
    put_str(b, ck->config);
    end_section(b, s);

    s = begin_section(b, "NORM");
    const DgNorm *n = &ck->norm;
    put_u32(b, (uint32_t)n->nf);
    put_u32(b, (uint32_t)n->na);
    for (int i = 0; i < n->nf; i++) put_u32(b, (uint32_t)n->ftransform[i]);
    for (int i = 0; i < n->nf; i++) put_f64(b, n->fmean[i]);
    for (int i = 0; i < n->nf; i++) put_f64(b, n->fstd[i]);
    for (int i = 0; i < n->na; i++) put_f64(b, n->amean[i]);
    for (int i = 0; i < n->na; i++) put_f64(b, n->astd[i]);
    end_section(b, s);

    s = begin_section(b, "NETW");
    put_u64(b, ck->nweights);
    put_f32s(b, ck->weights, ck->nweights);
    end_section(b, s);

    s = begin_section(b, "OPTM");
    put_u32(b, (uint32_t)ck->opt_kind);
    put_i64(b, ck->opt_t);
    put_u32(b, (uint32_t)ck->opt_nbuf);
    put_u64(b, ck->opt_n);
    put_f32s(b, ck->opt_memory, (uint64_t)ck->opt_nbuf * ck->opt_n);
    end_section(b, s);

    if (ck->nets) {
        s = begin_section(b, "NETS");
        put_str(b, ck->nets);
        end_section(b, s);
    }

    if (ck->ninputs > 0) {
        s = begin_section(b, "INST");
        put_u32(b, (uint32_t)ck->ninputs);
        for (int i = 0; i < ck->ninputs; i++) put_f64(b, ck->input_mean[i]);
        for (int i = 0; i < ck->ninputs; i++) put_f64(b, ck->input_std[i]);
        end_section(b, s);
    }

    s = begin_section(b, "PROG");
    put_i64(b, ck->epoch);
    put_i64(b, ck->iter);
    put_i64(b, ck->best_epoch);
    put_i64(b, ck->bad_epochs);
    put_f64(b, ck->best_metric);
    put_u32(b, (uint32_t)ck->nrng);
    for (int i = 0; i < ck->nrng; i++) put_u64(b, ck->rng[i]);
    end_section(b, s);
}

/* The directory part of path ("." when none), for the temporary file and the fsync. */
static void dir_of(const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, size, ".");
    else if (slash == path) snprintf(dir, size, "/");
    else snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int dgrt_checkpoint_write(const DgCheckpoint *ck, const char *path, DgrtErr *err) {
    Buf payload = {0}, file = {0};
    serialise(&payload, ck);
    put(&file, DGRT_CKPT_MAGIC, 8);
    put_u32(&file, DGRT_CKPT_VERSION);
    put_u32(&file, 0);
    put_u64(&file, payload.len);
    put(&file, payload.data, payload.len);
    put_u32(&file, dgrt_crc32(payload.data, payload.len));
    free(payload.data);

    char dir[1024];
    dir_of(path, dir, sizeof dir);
    size_t n = strlen(path) + 16;
    char *tmp = mallocCheck(n);
    dgrt_temp_template(tmp, n, path); /* same directory: rename stays atomic */
    int rc = 0, fd = mkstemp(tmp);
    if (fd < 0) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "check that the directory exists and is writable",
                       "cannot create a temporary file next to checkpoint '%s': %s", path, strerror(errno));
        goto done;
    }
    if (write_all(fd, file.data, file.len) != 0 || fsync(fd) != 0) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "check the free space of the disk",
                       "cannot write checkpoint '%s': %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "check the permissions of the directory",
                       "cannot move the new checkpoint into place as '%s': %s", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    /* the rename itself is durable once the directory is synced */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
done:
    free(tmp);
    free(file.data);
    return rc;
}

// ---- Reader ------------------------------------------------------------------------------------

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int bad; /* read past the end of the section */
} Rd;

static int need(Rd *r, size_t n) {
    if (r->bad || r->len - r->pos < n) {
        r->bad = 1;
        return 0;
    }
    return 1;
}
static uint32_t get_u32(Rd *r) {
    if (!need(r, 4)) return 0;
    const uint8_t *x = r->p + r->pos;
    r->pos += 4;
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}
static uint64_t get_u64(Rd *r) {
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}
static double get_f64(Rd *r) {
    uint64_t u = get_u64(r);
    double v;
    memcpy(&v, &u, 8);
    return v;
}
static float *get_f32s(Rd *r, uint64_t n) {
    if (n > (r->len - r->pos) / 4) {
        r->bad = 1;
        return NULL;
    }
    float *v = mallocCheck(sizeof(float) * (size_t)(n + 1));
    for (uint64_t i = 0; i < n; i++) {
        uint32_t u = get_u32(r);
        memcpy(&v[i], &u, 4);
    }
    return v;
}
/* A string of the file: no NUL inside (the text would end early there). */
static char *get_str(Rd *r) {
    uint64_t n = get_u64(r);
    if (r->bad || n > r->len - r->pos || memchr(r->p + r->pos, 0, (size_t)n)) {
        r->bad = 1;
        return NULL;
    }
    char *s = mallocCheck((size_t)n + 1);
    memcpy(s, r->p + r->pos, (size_t)n);
    s[n] = 0;
    r->pos += (size_t)n;
    return s;
}

/* One section into ck. A section may repeat (the last one counts): what an
 * earlier one allocated is freed first. Values a resumed run would use as
 * counts, indices or divisors are checked here, so that a damaged (or
 * hand-made) file with a valid checksum is an error, not a crash. */
static int read_section(DgCheckpoint *ck, const char tag[4], Rd *r) {
    if (!memcmp(tag, "MODL", 4)) {
        free(ck->model);
        free(ck->signature);
        ck->model = get_str(r);
        ck->signature = get_str(r);
    } else if (!memcmp(tag, "CONF", 4)) {
        free(ck->config);
        ck->config = get_str(r);
    } else if (!memcmp(tag, "NORM", 4)) {
        uint32_t nf = get_u32(r), na = get_u32(r);
        if (r->bad || nf > 1u << 20 || na > 1u << 20) return -1;
        dgrt_norm_free(&ck->norm);
        dgrt_norm_alloc(&ck->norm, (int)nf, (int)na);
        for (uint32_t i = 0; i < nf; i++) ck->norm.ftransform[i] = (int32_t)get_u32(r);
        for (uint32_t i = 0; i < nf; i++) ck->norm.fmean[i] = get_f64(r);
        for (uint32_t i = 0; i < nf; i++) ck->norm.fstd[i] = get_f64(r);
        for (uint32_t i = 0; i < na; i++) ck->norm.amean[i] = get_f64(r);
        for (uint32_t i = 0; i < na; i++) ck->norm.astd[i] = get_f64(r);
        for (uint32_t i = 0; i < nf; i++)   /* the writer stores std 0 as 1 (dataset.c) */
            if ((ck->norm.ftransform[i] != 0 && ck->norm.ftransform[i] != 1) || !isfinite(ck->norm.fmean[i]) ||
                !(isfinite(ck->norm.fstd[i]) && ck->norm.fstd[i] > 0))
                return -1;
        for (uint32_t i = 0; i < na; i++)
            if (!isfinite(ck->norm.amean[i]) || !(isfinite(ck->norm.astd[i]) && ck->norm.astd[i] > 0)) return -1;
    } else if (!memcmp(tag, "NETW", 4)) {
        ck->nweights = get_u64(r);
        free(ck->weights);
        ck->weights = get_f32s(r, ck->nweights);
    } else if (!memcmp(tag, "OPTM", 4)) {
        ck->opt_kind = (int32_t)get_u32(r);
        ck->opt_t = (int64_t)get_u64(r);
        ck->opt_nbuf = (int32_t)get_u32(r);
        ck->opt_n = get_u64(r);
        if (r->bad || ck->opt_nbuf < 0 || ck->opt_nbuf > 4 || ck->opt_t < 0) return -1;
        /* opt_nbuf * opt_n floats must fit what is left (the product could wrap around) */
        if (ck->opt_nbuf > 0 && ck->opt_n > (r->len - r->pos) / 4 / (uint64_t)ck->opt_nbuf) return -1;
        free(ck->opt_memory);
        ck->opt_memory = get_f32s(r, (uint64_t)ck->opt_nbuf * ck->opt_n);
    } else if (!memcmp(tag, "NETS", 4)) {
        free(ck->nets);
        ck->nets = get_str(r);
    } else if (!memcmp(tag, "INST", 4)) {
        uint32_t n = get_u32(r);
        if (r->bad || n > 1u << 20) return -1;
        free(ck->input_mean);
        free(ck->input_std);
        ck->ninputs = (int32_t)n;
        ck->input_mean = mallocCheck(sizeof(double) * (n + 1));
        ck->input_std = mallocCheck(sizeof(double) * (n + 1));
        for (uint32_t i = 0; i < n; i++) ck->input_mean[i] = get_f64(r);
        for (uint32_t i = 0; i < n; i++) ck->input_std[i] = get_f64(r);
        for (uint32_t i = 0; i < n; i++)   /* the writer stores std 0 as 1 (dataset.c) */
            if (!isfinite(ck->input_mean[i]) || !(isfinite(ck->input_std[i]) && ck->input_std[i] > 0)) return -1;
    } else if (!memcmp(tag, "PROG", 4)) {
        ck->epoch = (int64_t)get_u64(r);
        ck->iter = (int64_t)get_u64(r);
        ck->best_epoch = (int64_t)get_u64(r);
        ck->bad_epochs = (int64_t)get_u64(r);
        ck->best_metric = get_f64(r);
        ck->nrng = (int32_t)get_u32(r);
        if (ck->nrng < 0 || ck->nrng > DGRT_CKPT_MAX_RNG) return -1;
        for (int i = 0; i < ck->nrng; i++) ck->rng[i] = get_u64(r);
        if (ck->epoch < 0 || ck->iter < 0 || ck->best_epoch < -1 || ck->bad_epochs < 0) return -1;
    }
    return r->bad ? -1 : 0;
}

int dgrt_checkpoint_read(DgCheckpoint *ck, const char *path, DgrtErr *err) {
    memset(ck, 0, sizeof *ck);
    ck->best_metric = NAN;
    ck->best_epoch = -1;
    char *text;
    size_t len;
    /* a regular file (not a FIFO or /dev/zero, which would be read forever), of a sane size */
    const DgReadLimits lim = {.max_bytes = (size_t)1 << 30,
                              .regular_only = 1,
                              .what = "a checkpoint",
                              .hint = "give the file written by `train --checkpoint FILE`"};
    if (dgrt_read_file_checked(path, &lim, &text, &len, err)) return err->code;
    uint8_t *data = (uint8_t *)text;
    const char *hint = "the file is damaged; use an older checkpoint or train again";
    int rc = 0;
    if (len < 24 || memcmp(data, DGRT_CKPT_MAGIC, 8) != 0) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "give the file written by `train --checkpoint FILE`",
                       "'%s' is not a dgc checkpoint (%s)", path, len < 8 ? "too short" : "bad magic");
        goto done;
    }
    Rd h = {data, len, 8, 0};
    uint32_t version = get_u32(&h);
    (void)get_u32(&h);
    uint64_t plen = get_u64(&h);
    if (version != DGRT_CKPT_VERSION) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, "use the runtime that wrote it, or train again",
                       "checkpoint '%s' has format version %u; this runtime reads version %u", path, version,
                       DGRT_CKPT_VERSION);
        goto done;
    }
    if (plen > len - 24 || len - 24 - plen < 4) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, hint,
                       "checkpoint '%s' is truncated: %zu bytes, the header announces %llu", path, len,
                       (unsigned long long)(plen + 28));
        goto done;
    }
    Rd tail = {data, len, 24 + (size_t)plen, 0};
    uint32_t crc = get_u32(&tail), have = dgrt_crc32(data + 24, (size_t)plen);
    if (crc != have || len != 28 + plen) {
        rc = dgrt_fail(err, DGRT_EXIT_DATA, hint, "checkpoint '%s' is corrupt: %s", path,
                       crc != have ? "the checksum does not match its contents"
                                   : "extra bytes after the checksum");
        goto done;
    }
    Rd r = {data + 24, (size_t)plen, 0, 0};
    int seen_net = 0;
    while (r.pos < r.len) {
        if (!need(&r, 12)) break;
        char tag[4];
        memcpy(tag, r.p + r.pos, 4);
        r.pos += 4;
        uint64_t slen = get_u64(&r);
        if (!need(&r, (size_t)slen)) break;
        Rd s = {r.p + r.pos, (size_t)slen, 0, 0};
        if (read_section(ck, tag, &s)) {
            rc = dgrt_fail(err, DGRT_EXIT_DATA, hint, "checkpoint '%s' is corrupt: section %.4s is malformed",
                           path, tag);
            goto done;
        }
        seen_net |= !memcmp(tag, "NETW", 4);
        r.pos += (size_t)slen;
    }
    if (r.bad || !ck->model || !ck->signature || !ck->config || !seen_net)
        rc = dgrt_fail(err, DGRT_EXIT_DATA, hint, "checkpoint '%s' is corrupt: %s", path,
                       r.bad ? "a section runs past the end" : "a section is missing");
done:
    free(data);
    if (rc) dgrt_checkpoint_free(ck);
    return rc;
}

void dgrt_checkpoint_free(DgCheckpoint *ck) {
    free(ck->model);
    free(ck->signature);
    free(ck->config);
    dgrt_norm_free(&ck->norm);
    free(ck->weights);
    free(ck->opt_memory);
    free(ck->nets);
    free(ck->input_mean);
    free(ck->input_std);
    memset(ck, 0, sizeof *ck);
}

// ---- Model signature ----------------------------------------------------------------------------

static void append(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(Buf *b, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    put(b, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
}

char *dgrt_model_signature(const DgModel *m, int64_t ncomp) {
    static const char *const marks[] = {"learned", "fixed", "dynamic"};
    static const char *const kinds[] = {"none", "lstm", "mlp"};
    Buf b = {0};
    append(&b, "model %s\n", m->name);
    append(&b, "components %lld\n", (long long)ncomp);
    for (int i = 0; i < m->ninputs; i++) append(&b, "input %s\n", m->inputs[i].name);
    for (int i = 0; i < m->nparams; i++) {
        const DgParamInfo *p = &m->params[i];
        append(&b, "param %s %s [%.17g, %.17g]%s%s\n", p->name,
               p->mark >= 0 && p->mark <= 2 ? marks[p->mark] : "?", p->lo, p->hi,
               p->basin_level ? " basin" : "", p->mark == DG_PARAM_FIXED ? "" : "");
        if (p->mark == DG_PARAM_FIXED) append(&b, "param %s value %.17g\n", p->name, p->value);
    }
    for (int i = 0; i < m->noutputs; i++) append(&b, "output %s\n", m->outputs[i].name);
    const DgLearnInfo *l = &m->learn;
    append(&b, "learn %s hidden %d layers %d dropout %.17g\n",
           l->kind >= 0 && l->kind <= 2 ? kinds[l->kind] : "?", l->hidden, l->layers, l->dropout);
    for (int i = 0; i < l->nforcings; i++) append(&b, "learn forcing %s\n", m->inputs[l->forcings[i]].name);
    for (int i = 0; i < l->nattributes; i++) append(&b, "learn attribute %s\n", l->attributes[i]);
    put(&b, "", 1);
    return (char *)b.data;
}

char *dgrt_model_nets_text(const DgModel *m) {
    Buf b = {0};
    for (int k = 0; k < m->nnets; k++) {
        const DgNetInfo *n = &m->nets[k];
        append(&b, "%s %d %s %s", n->name, n->offset, n->activation ? n->activation : "tanh",
               n->output_activation ? n->output_activation : "linear");
        for (int l = 0; l < n->nsizes; l++) append(&b, " %d", n->sizes[l]);
        append(&b, "\n");
    }
    put(&b, "", 1);
    return (char *)b.data;
}

int dgrt_checkpoint_check_model(const DgCheckpoint *ck, const char *path, const DgModel *m, int64_t ncomp,
                                DgrtErr *err) {
    char *sig = dgrt_model_signature(m, ncomp);
    int rc = 0;
    if (strcmp(sig, ck->signature) != 0) {
        /* the first line that differs */
        const char *a = ck->signature, *b = sig;
        int line = 1;
        while (*a && *a == *b) {
            if (*a == '\n') line++;
            a++, b++;
        }
        while (a > ck->signature && a[-1] != '\n') a--;
        while (b > sig && b[-1] != '\n') b--;
        int la = (int)strcspn(a, "\n"), lb = (int)strcspn(b, "\n");
        rc = dgrt_fail(
            err, DGRT_EXIT_DATA, "use the checkpoint with the model (and --components) that wrote it",
            "checkpoint '%s' was written for another model: line %d of its signature is '%.*s', this model "
            "has '%.*s'",
            path, line, la ? la : 5, la ? a : "(end)", lb ? lb : 5, lb ? b : "(end)");
    }
    free(sig);
    return rc;
}

// ---- One writer per checkpoint ----------------------------------------------------------------------

/* The lock is an advisory flock on PATH.lock (the checkpoint itself is
 * replaced by every write, so a lock on it would not last): a second `train`
 * on the same path is refused while the first lives, and the kernel drops
 * the lock when the first dies, even by kill -9. Holding it, no other writer
 * exists, so temporaries PATH.tmp* (dgrt_temp_template) left by a killed run are stale. */
int dgrt_checkpoint_lock(const char *path, int *fd, DgrtErr *err) {
    size_t n = strlen(path) + 8;
    char *lock = mallocCheck(n);
    snprintf(lock, n, "%s.lock", path);
    *fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0) {
        int rc = dgrt_fail(err, DGRT_EXIT_DATA, "check that the checkpoint's directory exists and is writable",
                           "cannot create the lock file '%s': %s", lock, strerror(errno));
        free(lock);
        return rc;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        int rc = dgrt_fail(err, DGRT_EXIT_DATA,
                           "wait for the other run, stop it, or give this one another --checkpoint",
                           "another `train` is writing checkpoint '%s' (it holds '%s')", path, lock);
        close(*fd);
        *fd = -1;
        free(lock);
        return rc;
    }
    free(lock);
    dgrt_remove_stale_temps(path);
    return 0;
}

void dgrt_remove_stale_temps(const char *path) {
    // "<name>.tmp" and the characters of mkstemp (dgrt_temp_template)
    const char *slash = strrchr(path, '/');
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path) strcpy(dir, "/");
    const char *base = slash ? slash + 1 : path;
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, base, bl) && !strncmp(e->d_name + bl, ".tmp", 4) &&
            strlen(e->d_name) == bl + 4 + DGRT_TEMP_RANDOM) {
            char stale[2100];
            snprintf(stale, sizeof stale, "%s/%s", dir, e->d_name);
            unlink(stale);
        }
    if (d) closedir(d);
}

void dgrt_checkpoint_unlock(int fd) {
    if (fd >= 0) close(fd);   /* the lock file stays: removing it could let two runs lock two files */
}
