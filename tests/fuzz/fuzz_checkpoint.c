/* fuzz_checkpoint.c — libFuzzer harness of the checkpoint reader
 * (dgrt_checkpoint_read on arbitrary bytes): each input is read as it is
 * and, since random bytes almost never carry a valid CRC-32, once more with
 * the envelope made valid: an input that starts with the magic gets its
 * payload length and CRC fixed; any other input becomes the payload of a
 * valid envelope. A checkpoint that reads is then taken as `eval` takes it:
 * its configuration parsed, its signature compared with a model.
 * Seeds: tests/fuzz/corpus_checkpoint/ (small checkpoints written by train). */
#include "checkpoint.h"
#include "fuzz_runtime.h"
#include "train.h"

static void read_one(const char *path) {
    static DgTrainConfig c;
    DgCheckpoint ck;
    DgrtErr err = {0};
    if (fuzz_outcome("checkpoint", dgrt_checkpoint_read(&ck, path, &err), &err) != 0) return;
    dgrt_train_config_defaults(&c);
    fuzz_outcome("its config", dgrt_train_config_text(&c, ck.config, "checkpoint 'fuzz', config", &err), &err);
    DgModel m = fuzz_model();
    fuzz_outcome("its model", dgrt_checkpoint_check_model(&ck, path, &m, 2, &err), &err);
    dgrt_checkpoint_free(&ck);
}

static void put_le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[1024];
    read_one(fuzz_write(path, sizeof path, "raw.bin", data, size));
    int framed = size >= 28 && !memcmp(data, DGRT_CKPT_MAGIC, 8);
    size_t plen = framed ? size - 28 : size;
    const uint8_t *payload = framed ? data + 24 : data;
    uint8_t *file = malloc(plen + 28);
    if (!file) abort();
    memcpy(file, DGRT_CKPT_MAGIC, 8);
    put_le(file + 8, DGRT_CKPT_VERSION, 4);
    put_le(file + 12, 0, 4);
    put_le(file + 16, plen, 8);
    memcpy(file + 24, payload, plen);
    put_le(file + 24 + plen, dgrt_crc32(payload, plen), 4);
    read_one(fuzz_write(path, sizeof path, "framed.bin", file, plen + 28));
    free(file);
    return 0;
}
