/* test_camels.c — CAMELS-US attributes and observed streamflow (camels.c)
 * on the real files in shared/data: values, the cfs -> mm/day conversion,
 * missing values, and the exact error messages. Skips (77) without data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "camels.h"
#include "csv.h"

#ifndef DG_SHARED_DIR
#define DG_SHARED_DIR "../shared"
#endif
#define CAMELS DG_SHARED_DIR "/data/camels_us"

static int failures;
#define EXPECT(c) do { if (!(c)) { failures++; fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); } } while (0)

// ---- Damaged streamflow files (no shared data needed) ----------------------------------------

static char dir[1024];

static const char *put(const char *name, const char *text) {
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
    return path;
}

/* dgrt_obs_load of basin `id` (its files written before): expect an error "<path><rest>" where path is the
 * file `file` (NULL: rest is the whole message), or success when rest is NULL. */
static void expect_obs(const char *id, const char *file, const char *rest, const char *hint) {
    DgObs o;
    DgrtErr err = {0};
    int rc = dgrt_obs_load(&o, dir, id, &err);
    if (!rest) {
        if (rc) fprintf(stderr, "unexpected error: %s\n", err.msg);
        EXPECT(rc == 0);
        if (!rc) dgrt_obs_free(&o);
        return;
    }
    EXPECT(rc == DGRT_EXIT_DATA);
    char want[2400];
    if (file) snprintf(want, sizeof want, "%s/%s%s", dir, file, rest);
    else snprintf(want, sizeof want, "%s", rest);
    if (strcmp(err.msg, want)) {
        failures++;
        fprintf(stderr, "%s:%d: got\n  %s\nwant\n  %s\n", __FILE__, __LINE__, err.msg, want);
    }
    if (hint && !strstr(err.hint, hint)) {
        failures++;
        fprintf(stderr, "hint: got '%s', want '%s'\n", err.hint, hint);
    }
}

static void usgs(const char *id, const char *text) {
    char name[200];
    snprintf(name, sizeof name, "usgs_streamflow/%s_streamflow_qc.txt", id);
    put(name, text);
}

static void test_damaged_streamflow(void) {
    snprintf(dir, sizeof dir, "%s/flow", DG_RT_TMP_DIR);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/usgs_streamflow'", dir);
    EXPECT(system(cmd) == 0);
    unlink(put("03000000_05_model_output.txt", ""));   /* left by an earlier run: it would be read first */
    put("camels_topo.txt", "gauge_id;gauge_lat;area_gages2\n03000000;44.8;100\n04000000;44.8;0\n"
                           "05000000;44.8;NaN\n06000000;44.8;-5\n07000000;44.8;1e-300\n");
    const char *good = "03000000 2000 01 01   255.00 A:e\n03000000 2000 01 02  -999.00 M\n";
    usgs("03000000", good);
    expect_obs("03000000", NULL, NULL, NULL);
    DgObs o;
    DgrtErr err = {0};
    EXPECT(dgrt_obs_load(&o, dir, "03000000", &err) == 0 && o.n == 2 && isnan(o.q[1]));
    EXPECT(fabs(o.q[0] - 255 * 0.0283168 * 86400 / 100e6 * 1000) < 1e-12);
    dgrt_obs_free(&o);

    /* the area: zero, missing, negative, or so small that every flow explodes */
    usgs("04000000", good);
    expect_obs("04000000", "camels_topo.txt", ":3:15: area_gages2 of basin '04000000' is 0 km^2, not in (0, 1e7]",
               "give the basin's area");
    usgs("05000000", good);
    expect_obs("05000000", "camels_topo.txt", ":4:15: area_gages2 of basin '05000000' is missing", NULL);
    usgs("06000000", good);
    expect_obs("06000000", "camels_topo.txt", ":5:15: area_gages2 of basin '06000000' is -5 km^2, not in (0, 1e7]",
               NULL);
    usgs("07000000", good);
    expect_obs("07000000", "usgs_streamflow/07000000_streamflow_qc.txt",
               ":1:23: Q (cfs) 255.00 is 6.23876e+302 mm/day, more than the plausible 2000", NULL);

    /* dates: years out of 1..9999 (2147483647 overflowed, 4294969296 was read as 2000) */
    const char *u = "usgs_streamflow/03000000_streamflow_qc.txt";
    usgs("03000000", "03000000 2147483647 01 01   255.00 A\n");
    expect_obs("03000000", u, ":1:10: year '2147483647' is not an integer in [1, 9999]", NULL);
    usgs("03000000", "03000000 2000 01 01 255 A\n03000000 4294969296 01 02 255 A\n");
    expect_obs("03000000", u, ":2:10: year '4294969296' is not an integer in [1, 9999]", NULL);
    usgs("03000000", "03000000 2000 4294967297 01 255 A\n");
    expect_obs("03000000", u, ":1:15: month '4294967297' is not an integer in [1, 12]", NULL);
    usgs("03000000", "03000000 2001 02 29 255 A\n");
    expect_obs("03000000", u, ":1:18: 2001-02-29 is not a date", NULL);
    /* Q: inf and 1e308 were accepted */
    usgs("03000000", "03000000 2000 01 01 inf A\n");
    expect_obs("03000000", u, ":1:21: Q (cfs) 'inf' is not finite", NULL);
    usgs("03000000", "03000000 2000 01 01 1e308 A\n");
    expect_obs("03000000", u, ":1:21: Q (cfs) 1e308 is inf mm/day, more than the plausible 2000", NULL);
    usgs("03000000", "03000000 2000 01 01 12x A\n");
    expect_obs("03000000", u, ":1:21: Q '12x' is not a number", NULL);
    /* lines longer than 511 bytes: read whole, errors on their own line */
    char longline[2000];
    snprintf(longline, sizeof longline, "03000000 2000 01 01 255 A\n03000000 2000 01 02 %600s A\n", "255");
    usgs("03000000", longline);
    expect_obs("03000000", NULL, NULL, NULL);
    snprintf(longline, sizeof longline, "03000000 2000 01 01 255 A\n03000000 2000 01 02 %600s A x\n", "255");
    usgs("03000000", longline);
    expect_obs("03000000", u, ":2:624: too many fields: expected 5 or 6 fields", NULL);
    usgs("03000000", "");
    expect_obs("03000000", u, ":1:1: no streamflow lines in the file", NULL);

    /* attributes: "inf" parses as a number but no statistic survives it */
    static const char *const tables[] = {"clim", "geol", "hydro", "name", "soil", "vege"};
    for (int k = 0; k < 6; k++) {
        char name[64];
        snprintf(name, sizeof name, "camels_%s.txt", tables[k]);
        put(name, k == 0 ? "gauge_id;p_mean;aridity\n03000000;inf;0.5\n" : "gauge_id\n03000000\n");
    }
    const char *b[1] = {"03000000"}, *an[2] = {"aridity", "p_mean"};
    DgAttributes a;
    EXPECT(dgrt_attributes_load(&a, dir, b, 1, an, 1, &err) == 0 && a.values[0] == 0.5);
    dgrt_attributes_free(&a);
    EXPECT(dgrt_attributes_load(&a, dir, b, 1, an, 2, &err) == DGRT_EXIT_DATA);
    char want[1400];
    snprintf(want, sizeof want, "%s/camels_clim.txt:2:10: column 'p_mean': 'inf' is not finite", dir);
    EXPECT(!strcmp(err.msg, want));

    /* the model output (OBS_RUN, MOD_RUN in mm/day) */
    const char *mo = "03000000_05_model_output.txt";
    const char *head = "YR MNTH DY HR SWE PRCP RAIM TAIR PET ET MOD_RUN OBS_RUN\n";
    char text[1000];
    snprintf(text, sizeof text, "%s1980 10 01 12 0 0 0 10.2 1.5 1.5 2.4 0.5\n1980 10 02 12 0 0 0 9.5 1.2 1.2 2.0 inf\n",
             head);
    put(mo, text);
    expect_obs("03000000", mo, ":3:37: OBS_RUN 'inf' is not finite", NULL);
    snprintf(text, sizeof text, "%s1980 10 01 12 0 0 0 10.2 1.5 1.5 1e308 0.5\n", head);
    put(mo, text);
    expect_obs("03000000", mo, ":2:34: MOD_RUN 1e308 is 1e+308 mm/day, more than the plausible 2000", NULL);
    snprintf(text, sizeof text, "%s2147483647 10 01 12 0 0 0 10.2 1.5 1.5 2.4 0.5\n", head);
    put(mo, text);
    expect_obs("03000000", mo, ":2:1: 2147483647-10-01 is not a date (the year is not in 1..9999)", NULL);
    snprintf(text, sizeof text, "%s1980 10 01 12 0 0 0 10.2 1.5 1.5 2.4 -999\n", head);
    put(mo, text);
    EXPECT(dgrt_obs_load(&o, dir, "03000000", &err) == 0 && o.n == 1 && isnan(o.q[0]) && o.bench[0] == 2.4);
    dgrt_obs_free(&o);
}

int main(void) {
    test_damaged_streamflow();
    FILE *probe = fopen(CAMELS "/camels_attributes_v2.0/camels_topo.txt", "r");
    if (!probe) {
        printf("test_camels: no data at %s, skipped (%s)\n", CAMELS, failures ? "FAILED" : "damaged files ok");
        return failures ? 1 : 77;
    }
    fclose(probe);

    const char *basins[] = {"01022500", "01031500", "01013500"};
    const char *names[] = {"p_mean", "area_gages2", "root_depth_50"};
    DgAttributes a;
    DgrtErr err = {0};
    EXPECT(dgrt_attributes_load(&a, CAMELS, basins, 3, names, 3, &err) == 0);
    EXPECT(fabs(a.values[0 * 3 + 0] - 3.60813) < 1e-5);     /* p_mean of 01022500 */
    EXPECT(fabs(a.values[1 * 3 + 1] - 769.05) < 1e-9);      /* area_gages2 of 01031500 */
    EXPECT(isnan(a.values[2 * 3 + 2]));                      /* 'NA' in camels_vege.txt */
    dgrt_attributes_free(&a);

    const char *typo[] = {"p_maen"};
    EXPECT(dgrt_attributes_load(&a, CAMELS, basins, 1, typo, 1, &err) == DGRT_EXIT_DATA);
    EXPECT(!strcmp(err.msg, "unknown CAMELS attribute 'p_maen'"));
    EXPECT(!strcmp(err.hint, "did you mean 'p_mean'?"));

    const char *text[] = {"dom_land_cover"};
    EXPECT(dgrt_attributes_load(&a, CAMELS, basins, 1, text, 1, &err) == DGRT_EXIT_DATA);
    EXPECT(strstr(err.msg, "camels_vege.txt:") && strstr(err.msg, "column 'dom_land_cover'") &&
           strstr(err.msg, "is not a number"));
    EXPECT(!strcmp(err.hint, "only numeric attributes can feed a network"));

    const char *nobasin[] = {"99999999"};
    EXPECT(dgrt_attributes_load(&a, CAMELS, nobasin, 1, names, 1, &err) == DGRT_EXIT_DATA);
    EXPECT(strstr(err.msg, "basin '99999999' is not in the table") != NULL);

    /* observations: the model-output file (OBS_RUN, MOD_RUN) */
    DgObs o;
    EXPECT(dgrt_obs_load(&o, CAMELS, "01031500", &err) == 0);
    EXPECT(o.n == 12510 && o.q[0] == 0.555 && o.bench && o.bench[0] == 2.4764);
    dgrt_obs_free(&o);
    /* the USGS file in cfs: 255 cfs on 2000-01-01 over area_gages2 = 573.6 km2 */
    EXPECT(dgrt_obs_load(&o, CAMELS, "01022500", &err) == 0);
    EXPECT(o.n == 1096 && !o.bench);
    EXPECT(fabs(o.q[0] - 255 * 0.0283168 * 86400 / 573.6e6 * 1000) < 1e-12);
    dgrt_obs_free(&o);
    EXPECT(dgrt_obs_load(&o, CAMELS, "01013500", &err) == DGRT_EXIT_DATA);   /* attributes only, no flow file */

    printf("test_camels: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
