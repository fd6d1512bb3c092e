/* fuzz_streamflow.c — libFuzzer harness of the observed-streamflow readers
 * (camels.c): each input is read by dgrt_obs_load as
 *   - a USGS file (usgs_streamflow/ID_streamflow_qc.txt: gauge_id Year Mnth
 *     Day Q(cfs) flag, no header), converted with a fixed area_gages2;
 *   - a CAMELS model output file (ID_05_model_output.txt: OBS_RUN, MOD_RUN);
 *   - the camels_topo.txt whose area_gages2 converts a fixed USGS file.
 * Seeds: tests/fuzz/corpus_streamflow/ (excerpts of the real files). */
#include "camels.h"
#include "fuzz_runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[1024], dir[1024];
    DgrtErr err = {0};
    DgObs o;
    static const char topo[] = "gauge_id;gauge_lat;gauge_lon;elev_mean;slope_mean;area_gages2;area_geospa_fabric\n"
                               FUZZ_BASIN ";44.60744;-67.93524;92.68;17.79072;620.38;573.6\n";
    /* USGS */
    fuzz_write_text(path, sizeof path, "usgs/camels_topo.txt", topo);
    fuzz_write(path, sizeof path, "usgs/usgs_streamflow/" FUZZ_BASIN "_streamflow_qc.txt", data, size);
    if (fuzz_outcome("usgs", dgrt_obs_load(&o, fuzz_path(dir, sizeof dir, "usgs"), FUZZ_BASIN, &err), &err) == 0) dgrt_obs_free(&o);
    /* model output */
    fuzz_write(path, sizeof path, "model/" FUZZ_BASIN "_05_model_output.txt", data, size);
    if (fuzz_outcome("model output", dgrt_obs_load(&o, fuzz_path(dir, sizeof dir, "model"), FUZZ_BASIN, &err), &err) == 0) dgrt_obs_free(&o);
    /* the area table */
    fuzz_write(path, sizeof path, "area/camels_topo.txt", data, size);
    fuzz_write_text(path, sizeof path, "area/usgs_streamflow/" FUZZ_BASIN "_streamflow_qc.txt",
                    FUZZ_BASIN " 2000 01 01   255.00 A:e\n" FUZZ_BASIN " 2000 01 02  -999.00 M\n");
    if (fuzz_outcome("area", dgrt_obs_load(&o, fuzz_path(dir, sizeof dir, "area"), FUZZ_BASIN, &err), &err) == 0) dgrt_obs_free(&o);
    return 0;
}
