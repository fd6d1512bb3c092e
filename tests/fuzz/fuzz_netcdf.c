/* fuzz_netcdf.c — libFuzzer harness of the NetCDF reader (netcdf_read.c):
 * each input is written as Caravan's timeseries/netcdf/camels/camels_ID.nc
 * and read
 *   - as a table (dgrt_table_read: time axis, variables, fill values,
 *     packing), whose cells are then read as dates and numbers;
 *   - by dgrt_dataset_load_source from the Caravan folder that holds only
 *     that file: forcing by Caravan's column names, then the streamflow
 *     observations.
 * libnetcdf parses the header and the data; the harness finds what our
 * reader does with what it returns. In a build without NetCDF every input
 * is refused with the same error. Seeds: tests/fuzz/corpus_netcdf/
 * (netCDF-3 classic, 64-bit data and netCDF-4 files made with ncgen; see
 * README.md). */
#include "csv.h"
#include "dataset.h"
#include "fuzz_runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[1024], dir[1024];
    DgrtErr err = {0};

    /* the table, every cell read back */
    const char *nc = fuzz_write(path, sizeof path, "caravan/timeseries/netcdf/camels/camels_" FUZZ_BASIN ".nc",
                                data, size);
    DgCsv t;
    if (fuzz_outcome("table", dgrt_table_read(&t, nc, &err), &err) == 0) {
        for (int64_t r = 0; r < t.nrows; r++) {
            int32_t day;
            double v;
            dgrt_csv_date(&t, r, 0, &day, &err);
            for (int c = 1; c < t.ncols; c++) dgrt_csv_number(&t, r, c, &v, &err);
        }
        dgrt_csv_free(&t);
    }

    /* forcing and observations through the dataset loader */
    DgModel m = fuzz_model();
    m.learn.nattributes = 0;
    char *ids[1] = {FUZZ_BASIN};
    int32_t first, last;
    dgrt_parse_date("1981-01-01", &first);
    dgrt_parse_date("2014-12-31", &last);
    DgDataSource src = {0};
    src.camels_dir = fuzz_path(dir, sizeof dir, "caravan");
    DgDataset d;
    if (fuzz_outcome("caravan", dgrt_dataset_load_source(&d, &m, &src, ids, 1, first, last, &err), &err) == 0)
        dgrt_dataset_free(&d);
    return 0;
}
