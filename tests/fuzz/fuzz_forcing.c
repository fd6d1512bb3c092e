/* fuzz_forcing.c — libFuzzer harness of the forcing readers: each input is
 * written as
 *   - a CAMELS-US Daymet file (DIR/basin_mean_forcing/daymet/ID_lump_cida_forcing_leap.txt),
 *     read by dgrt_forcing_load for inputs from the file's columns, derived
 *     ones (tmean, lday, Hargreaves, Hamon, day of year) and a --period;
 *   - a Caravan time series (DIR/timeseries/csv/camels/camels_ID.csv) and a
 *     per-basin CSV (forcing_csv), each read by dgrt_dataset_load_source:
 *     forcing by Caravan's or the inputs' column names, Oudin PET from T and
 *     the latitude, and the observation column, in the units of the
 *     headers converted into the model's (data_units.c);
 *   - the CSV of `simulate --forcing-csv` (dgrt_forcing_load, --map).
 * Seeds: tests/fuzz/corpus_forcing/ (excerpts of the real files). */
#include "csv.h"
#include "dataset.h"
#include "forcing.h"
#include "fuzz_runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[1024], dir[1024];
    static const DgNameInfo daymet_in[8] = {{"P", "mm/d"},     {"T", "degC"}, {"PET", "mm/d"}, {"Lday", "d"},
                                            {"DOY", "-"},      {"srad", ""},  {"vp", ""},      {"H", "mm/d"}};
    static const DgMap hamon[1] = {{"H", "pet_hamon"}};
    DgrtErr err = {0};
    DgForcing f;

    /* CAMELS Daymet, the whole file and a period inside it */
    fuzz_write(path, sizeof path, "camels/basin_mean_forcing/daymet/" FUZZ_BASIN "_lump_cida_forcing_leap.txt", data,
               size);
    DgForcingSpec spec = {0};
    spec.data_dir = fuzz_path(dir, sizeof dir, "camels");
    spec.basin = FUZZ_BASIN;
    spec.maps = hamon;
    spec.nmaps = 1;
    if (fuzz_outcome("daymet", dgrt_forcing_load(&f, daymet_in, 8, &spec, &err), &err) == 0) dgrt_forcing_free(&f);
    spec.nmaps = 0;
    spec.has_period = 1;
    dgrt_parse_period("2000-01-02:2000-01-03", &spec.start, &spec.end, &err);
    if (fuzz_outcome("daymet period", dgrt_forcing_load(&f, daymet_in, 5, &spec, &err), &err) == 0) dgrt_forcing_free(&f);

    /* Caravan and per-basin CSV through the dataset loader (forcing, then observations) */
    DgModel m = fuzz_model();
    m.learn.nattributes = 0;   /* attributes: fuzz_attributes.c */
    char *ids[1] = {FUZZ_BASIN};
    int32_t first, last;
    dgrt_parse_date("1981-01-01", &first);
    dgrt_parse_date("2014-12-31", &last);
    static const DgMap oudin[1] = {{"PET", "pet_oudin"}};
    fuzz_write(path, sizeof path, "caravan/timeseries/csv/camels/camels_" FUZZ_BASIN ".csv", data, size);
    DgDataSource src = {0};
    src.camels_dir = fuzz_path(dir, sizeof dir, "caravan");
    DgDataset d;
    if (fuzz_outcome("caravan", dgrt_dataset_load_source(&d, &m, &src, ids, 1, first, last, &err), &err) == 0) dgrt_dataset_free(&d);
    const char *csv = fuzz_write(path, sizeof path, "csv/" FUZZ_BASIN ".csv", data, size);
    DgDataSource cs = {0};
    char pattern[1024];
    snprintf(pattern, sizeof pattern, "%.1000s", csv);
    cs.forcing_csv = pattern;
    cs.target = &m.outputs[0];   /* observations in the output's unit (data_units.c) */
    if (fuzz_outcome("basin csv", dgrt_dataset_load_source(&d, &m, &cs, ids, 1, first, last, &err), &err) == 0) dgrt_dataset_free(&d);

    /* simulate --forcing-csv with maps and the latitude of --lat */
    DgForcingSpec sim = {0};
    sim.csv_path = csv;
    sim.maps = oudin;
    sim.nmaps = 1;
    sim.latitude = 44.82;
    sim.has_latitude = 1;
    if (fuzz_outcome("forcing csv", dgrt_forcing_load(&f, fuzz_inputs_, 4, &sim, &err), &err) == 0) dgrt_forcing_free(&f);
    return 0;
}
