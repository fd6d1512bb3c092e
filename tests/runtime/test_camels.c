/* test_camels.c — CAMELS-US attributes and observed streamflow (camels.c)
 * on the real files in shared/data: values, the cfs -> mm/day conversion,
 * missing values, and the exact error messages. Skips (77) without data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "camels.h"

#ifndef DG_SHARED_DIR
#define DG_SHARED_DIR "../shared"
#endif
#define CAMELS DG_SHARED_DIR "/data/camels_us"

static int failures;
#define EXPECT(c) do { if (!(c)) { failures++; fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); } } while (0)

int main(void) {
    FILE *probe = fopen(CAMELS "/camels_attributes_v2.0/camels_topo.txt", "r");
    if (!probe) { printf("test_camels: no data at %s, skipped\n", CAMELS); return 77; }
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
