/* fuzz_config.c — libFuzzer harness of the training configuration
 * (train_config.c): each input is read as a --config file and, as a C
 * string, as the configuration text of a checkpoint. An accepted
 * configuration must survive format -> parse -> format unchanged (the
 * checkpoint stores it as text), and its basin list is parsed as `train`
 * does. Seeds: tests/fuzz/corpus_config/ (the examples' train.cfg files). */
#include "dataset.h"
#include "fuzz_runtime.h"
#include "train.h"

/* The round trip of an accepted configuration; abort() makes a mismatch a finding. */
static void round_trip(const DgTrainConfig *c) {
    static DgTrainConfig c2;
    DgrtErr err = {0};
    char *t1 = dgrt_train_config_format(c);
    dgrt_train_config_defaults(&c2);
    if (dgrt_train_config_text(&c2, t1, "formatted", &err) != 0) {
        fprintf(stderr, "formatted configuration refused: %s\n---\n%s---\n", err.msg, t1);
        abort();
    }
    char *t2 = dgrt_train_config_format(&c2);
    if (strcmp(t1, t2) != 0) {
        fprintf(stderr, "format -> parse -> format differs:\n---\n%s---\n%s---\n", t1, t2);
        abort();
    }
    free(t1);
    free(t2);
    if (c->basins[0] && !strchr(c->basins, '/')) {   /* a list, not a file of the machine */
        char **ids;
        int n;
        if (dgrt_basins_parse(c->basins, &ids, &n, &err) == 0) {
            for (int i = 0; i < n; i++) free(ids[i]);
            free(ids);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static DgTrainConfig c;   /* 90 kB: not on the stack */
    char path[1024];
    DgrtErr err = {0};
    fuzz_write(path, sizeof path, "run.conf", data, size);
    dgrt_train_config_defaults(&c);
    if (fuzz_outcome("config file", dgrt_train_config_file(&c, path, &err), &err) == 0) round_trip(&c);
    char *text = fuzz_cstring(data, size);
    dgrt_train_config_defaults(&c);
    if (fuzz_outcome("config text", dgrt_train_config_text(&c, text, "checkpoint 'fuzz', config", &err), &err) == 0) round_trip(&c);
    free(text);
    return 0;
}
