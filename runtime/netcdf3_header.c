/* netcdf3_header.c — a walk through the header of a netCDF-3 file (classic,
 * 64-bit offset, 64-bit data: magic "CDF" and version 1, 2 or 5) before
 * libnetcdf opens it. libnetcdf allocates every count and length the header
 * declares before it compares them with the file, so a few damaged bytes
 * can make it take gigabytes and seconds (found by tests/fuzz/fuzz_netcdf.c:
 * 3.6 GB touched for a 576-byte file). Each count here must fit in the bytes
 * the file has left, each type must be one of the format's (libnetcdf
 * 4.9 divides by the size of a variable's type: an unknown one stopped the
 * process with SIGFPE), and each name must fit netCDF's limit; the rest
 * (offsets, sizes of the data) is libnetcdf's to check.
 *
 * The layout (the netCDF classic format specification; NON_NEG counts are 4
 * bytes, 8 in version 5; all big-endian):
 *   header   = magic numrecs dim_list gatt_list var_list
 *   list     = ABSENT (two zeros) | tag nelems [element ...]
 *   dim      = name dim_length
 *   attr     = name nc_type nelems [values, padded to 4 bytes]
 *   var      = name nelems [dimid ...] vatt_list nc_type vsize begin
 *   name     = nelems [characters, padded to 4 bytes]
 * (begin is 4 bytes in version 1, 8 in 2 and 5.) Files of other formats
 * (netCDF-4 is HDF5) pass unchecked. */
#include "netcdf_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    FILE *f;
    const char *path;
    long long left;   /* bytes of the file after the read position */
    int wide;         /* version 5: 8-byte counts */
    int long_offsets; /* versions 2 and 5: 8-byte begin */
    DgrtErr *err;
    int failed;
} Header;

/* Records the first damage found (a walk stops at it) and returns -1. */
#define DAMAGED(h, fmt, ...)                                                                             \
    ((h)->failed ? -1                                                                                    \
                 : (dgrt_fail((h)->err, DGRT_EXIT_DATA, "the file is damaged or not a NetCDF file",      \
                              "%s: damaged netCDF-3 header: " fmt, (h)->path, __VA_ARGS__),              \
                    (h)->failed = 1, -1))

/* A count that the rest of the file cannot hold. */
static int damaged(Header *h, const char *what, unsigned long long declared) {
    return DAMAGED(h, "%llu %s, more than the %lld bytes left in the file can hold", declared, what, h->left);
}

static int ends_early(Header *h) { return DAMAGED(h, "%s", "the file ends inside it"); }

static int read_be(Header *h, int bytes, unsigned long long *v) {
    unsigned char b[8];
    if (h->failed) return -1;
    if (h->left < bytes || fread(b, 1, (size_t)bytes, h->f) != (size_t)bytes)
        return ends_early(h);
    h->left -= bytes;
    *v = 0;
    for (int i = 0; i < bytes; i++) *v = *v << 8 | b[i];
    return 0;
}

static int read_count(Header *h, unsigned long long *v) { return read_be(h, h->wide ? 8 : 4, v); }

/* Skips n units of `size` bytes padded to 4, after checking they are there. */
static int skip(Header *h, const char *what, unsigned long long n, unsigned long long size) {
    if (h->failed) return -1;
    if (size && n > (unsigned long long)h->left / size) return damaged(h, what, n);
    long long bytes = (long long)(n * size + 3) / 4 * 4;
    if (bytes > h->left) bytes = h->left;   /* the padding of the last value */
    if (fseek(h->f, bytes, SEEK_CUR) != 0) return ends_early(h);
    h->left -= bytes;
    return 0;
}

/* Names are at most NC_MAX_NAME (256) characters: libnetcdf copies a
 * longer one whole into its callers' buffers of that size. */
enum { MAX_NAME = 256 };

static int skip_name(Header *h) {
    unsigned long long n;
    if (read_count(h, &n)) return -1;
    if (n > MAX_NAME) return DAMAGED(h, "a name of %llu characters (netCDF names have at most %d)", n, MAX_NAME);
    return skip(h, "characters of a name", n, 1);
}

/* A list's tag and length; its elements take at least `smallest` bytes each. */
static int list(Header *h, const char *what, unsigned long long *n, unsigned long long smallest) {
    unsigned long long tag;
    if (read_be(h, 4, &tag) || read_count(h, n)) return -1;
    if (*n > (unsigned long long)h->left / smallest) return damaged(h, what, *n);
    return 0;
}

static const int type_bytes[12] = {0, 1, 1, 2, 4, 4, 8, 1, 2, 4, 8, 8}; /* by nc_type 1..11 */

/* An nc_type of the format: 1..6 (byte to double), 7..11 (unsigned and
 * 64-bit integers) in version 5 only. */
static int read_type(Header *h, const char *of, unsigned long long *type) {
    if (read_be(h, 4, type)) return -1;
    if (*type >= 1 && *type <= (h->wide ? 11u : 6u)) return 0;
    return DAMAGED(h, "%s has type %llu, which the format does not have", of, *type);
}

static int attributes(Header *h) {
    unsigned long long n, type, len;
    int count = h->wide ? 8 : 4;
    if (list(h, "entries of an attribute list", &n, (unsigned long long)(2 * count + 4))) return -1;
    for (unsigned long long i = 0; i < n && !h->failed; i++) {
        if (skip_name(h) || read_type(h, "an attribute", &type) || read_count(h, &len)) return -1;
        skip(h, "values of an attribute", len, (unsigned long long)type_bytes[type]);
    }
    return h->failed ? -1 : 0;
}

int dgrt_netcdf3_header_check(const char *path, DgrtErr *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return dgrt_fail(err, DGRT_EXIT_DATA, NULL, "cannot open '%s': %s", path, strerror(errno));
    unsigned char magic[4];
    long long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    int classic = size >= 4 && fseek(f, 0, SEEK_SET) == 0 && fread(magic, 1, 4, f) == 4 &&
                  !memcmp(magic, "CDF", 3) && (magic[3] == 1 || magic[3] == 2 || magic[3] == 5);
    if (!classic) {
        fclose(f);
        return 0;   /* libnetcdf says what it is not */
    }
    Header h = {f, path, size - 4, magic[3] == 5, magic[3] != 1, err, 0};
    int count = h.wide ? 8 : 4;
    unsigned long long numrecs, n, len, ndims;
    read_count(&h, &numrecs);
    if (!list(&h, "entries of a dimension list", &n, (unsigned long long)(2 * count)))
        for (unsigned long long i = 0; i < n && !h.failed; i++)
            if (!skip_name(&h)) read_count(&h, &len);
    attributes(&h);
    if (!list(&h, "entries of a variable list", &n, (unsigned long long)(4 * count + 8)))
        for (unsigned long long i = 0; i < n && !h.failed; i++) {
            if (skip_name(&h) || read_count(&h, &ndims) || skip(&h, "dimensions of a variable", ndims, (unsigned)count) ||
                attributes(&h) || read_type(&h, "a variable", &len) || read_count(&h, &len))
                break;
            read_be(&h, h.long_offsets ? 8 : 4, &len);
        }
    fclose(f);
    return h.failed ? err->code : 0;
}
