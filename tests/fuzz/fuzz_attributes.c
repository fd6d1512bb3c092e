/* fuzz_attributes.c — libFuzzer harness of the attribute readers: each input
 * is read as
 *   - the CAMELS table camels_topo.txt (';'-separated, key gauge_id) beside
 *     six fixed tables, by dgrt_attributes_load (two basins, three names);
 *   - an attributes_csv table (',' or ';', key basin or gauge_id) by
 *     dgrt_dataset_load_source, which also takes the gauge latitude from it
 *     (a model input needs it: Oudin PET) and reads the model's attributes.
 * Seeds: tests/fuzz/corpus_attributes/ (excerpts of the CAMELS tables). */
#include "camels.h"
#include "csv.h"
#include "dataset.h"
#include "fuzz_runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[1024], dir[1024], attr[1024], forcing[1024];
    static const char *const tables[6] = {"clim", "geol", "hydro", "name", "soil", "vege"};
    DgrtErr err = {0};
    for (int k = 0; k < 6; k++) {
        char rel[64];
        snprintf(rel, sizeof rel, "camels/camels_%s.txt", tables[k]);
        fuzz_write_text(path, sizeof path, rel,
                        k == 0 ? "gauge_id;p_mean;aridity\n" FUZZ_BASIN ";3.608;0.602\n01031500;3.522;0.597\n"
                               : "gauge_id\n" FUZZ_BASIN "\n01031500\n");
    }
    fuzz_write(path, sizeof path, "camels/camels_topo.txt", data, size);
    const char *basins[2] = {FUZZ_BASIN, "01031500"};
    const char *names[3] = {"area_gages2", "gauge_lat", "p_mean"};
    DgAttributes a;
    if (fuzz_outcome("camels table", dgrt_attributes_load(&a, fuzz_path(dir, sizeof dir, "camels"), basins, 2, names, 3, &err), &err) == 0)
        dgrt_attributes_free(&a);

    /* attributes_csv: latitude and the model's attributes */
    fuzz_write(attr, sizeof attr, "attrs.csv", data, size);
    fuzz_write_text(forcing, sizeof forcing, "forcing/" FUZZ_BASIN ".csv",
                    "date,P,T,q_obs\n2000-01-01,1.5,-3.2,0.8\n2000-01-02,0,-5.1,\n");
    DgModel m = fuzz_model();
    static const char *const attrs[2] = {"area_gages2", "gauge_lat"};   /* in camels_topo.txt as in a CSV */
    m.learn.attributes = attrs;
    static const DgMap oudin[1] = {{"PET", "pet_oudin"}};
    DgDataSource src = {0};
    src.forcing_csv = forcing;
    src.attributes_csv = attr;
    src.maps = oudin;
    src.nmaps = 1;
    char *ids[1] = {FUZZ_BASIN};
    int32_t first, last;
    dgrt_parse_date("2000-01-01", &first);
    dgrt_parse_date("2000-01-02", &last);
    DgDataset d;
    if (fuzz_outcome("attributes csv", dgrt_dataset_load_source(&d, &m, &src, ids, 1, first, last, &err), &err) == 0) dgrt_dataset_free(&d);
    return 0;
}
