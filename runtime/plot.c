/* plot.c — hydrographs as plain SVG written by hand (no library): observed,
 * simulated and benchmark series over a date axis, with axes, ticks, dates,
 * a title and a legend. Missing values (NaN) break the lines. */
#include "train.h"

#include <math.h>
#include <string.h>

enum { WIDTH = 1200, HEIGHT = 480, ML = 70, MR = 20, MT = 40, MB = 50 };

static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '&') fputs("&amp;", f);
        else if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else fputc(*s, f);
    }
}

/* A 1, 2, 5 x 10^k step giving about `want` intervals over [0, hi]. */
static double nice_step(double hi, int want) {
    double raw = hi / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void polyline(FILE *f, const double *y, int64_t n, double ymax, const char *style) {
    double pw = WIDTH - ML - MR, ph = HEIGHT - MT - MB;
    int open = 0;
    for (int64_t t = 0; t < n; t++) {
        if (isnan(y[t])) {
            if (open) fputs("\"/>\n", f);
            open = 0;
            continue;
        }
        double px = ML + (n > 1 ? pw * (double)t / (double)(n - 1) : pw / 2);
        double v = y[t] < 0 ? 0 : y[t] > ymax ? ymax : y[t];
        double py = MT + ph * (1 - v / ymax);
        if (!open) fprintf(f, "<polyline fill=\"none\" %s points=\"", style);
        fprintf(f, "%.1f,%.1f ", px, py);
        open = 1;
    }
    if (open) fputs("\"/>\n", f);
}

int dgrt_plot_hydrograph(const char *path, const char *title, int32_t day0, int64_t n, const double *obs,
                         const double *sim, const double *bench, const char *unit, DgrtErr *err) {
    char tmp[2100];
    FILE *f = dgrt_open_output(path, tmp, sizeof tmp, err);
    if (!f) return err->code;
    double ymax = 0;
    const double *series[3] = {obs, sim, bench};
    for (int s = 0; s < 3; s++)
        for (int64_t t = 0; series[s] && t < n; t++)
            if (series[s][t] > ymax && isfinite(series[s][t])) ymax = series[s][t];
    if (!(ymax > 0)) ymax = 1;
    double step = nice_step(ymax * 1.05, 5);
    ymax = ceil(ymax * 1.05 / step) * step;
    double pw = WIDTH - ML - MR, ph = HEIGHT - MT - MB;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n",
            WIDTH, HEIGHT, WIDTH, HEIGHT);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"15\">", ML);
    xml_text(f, title);
    fputs("</text>\n", f);
    // y axis: grid lines and labels
    for (double v = 0; v <= ymax + step / 2; v += step) {
        double py = MT + ph * (1 - v / ymax);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", ML, py,
                WIDTH - MR, py);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", ML - 6, py + 4, v);
    }
    fprintf(f, "<text transform=\"translate(18,%.1f) rotate(-90)\" text-anchor=\"middle\">streamflow (",
            MT + ph / 2);
    xml_text(f, unit && unit[0] ? unit : "mm/d");
    fputs(")</text>\n", f);
    // x axis: ticks on the first day of years (long series) or months (short ones)
    int years = (int)(n / 365) + 1, every = years > 40 ? 10 : years > 16 ? 5 : years > 8 ? 2 : 1;
    int monthly = n < 3 * 365;
    for (int64_t t = 0; t < n; t++) {
        int y, mo, d;
        dgrt_ymd_from_days(day0 + (int32_t)t, &y, &mo, &d);
        if (d != 1 || (!monthly && (mo != 1 || y % every != 0)) || (monthly && n > 400 && (mo - 1) % 3 != 0))
            continue;
        double px = ML + (n > 1 ? pw * (double)t / (double)(n - 1) : 0);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>\n", px, MT, px,
                HEIGHT - MB);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n", px, HEIGHT - MB,
                px, HEIGHT - MB + 5);
        if (monthly)
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%04d-%02d</text>\n", px,
                    HEIGHT - MB + 18, y, mo);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%04d</text>\n", px, HEIGHT - MB + 18,
                    y);
    }
    char a[16], b[16];
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s to %s</text>\n",
            ML + pw / 2, HEIGHT - 12, dgrt_format_date(day0, a),
            dgrt_format_date(day0 + (int32_t)(n > 0 ? n - 1 : 0), b));
    // the series: benchmark under the simulation under the observations
    if (bench) polyline(f, bench, n, ymax, "stroke=\"#9e9e9e\" stroke-width=\"1\" stroke-dasharray=\"4,2\"");
    polyline(f, sim, n, ymax, "stroke=\"#d62728\" stroke-width=\"1.2\"");
    polyline(f, obs, n, ymax, "stroke=\"black\" stroke-width=\"1\"");
    // axes frame
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"black\"/>\n",
            ML, MT, pw, ph);
    // legend
    struct {
        const char *name, *style;
    } items[3] = {
        {"observed", "stroke=\"black\" stroke-width=\"1.5\""},
        {"simulated", "stroke=\"#d62728\" stroke-width=\"2\""},
        {"benchmark (SAC-SMA)", "stroke=\"#9e9e9e\" stroke-width=\"1.5\" stroke-dasharray=\"4,2\""},
    };
    int nitems = bench ? 3 : 2, lx = WIDTH - MR - 190, ly = MT + 10;
    fprintf(f,
            "<rect x=\"%d\" y=\"%d\" width=\"180\" height=\"%d\" fill=\"white\" fill-opacity=\"0.85\" "
            "stroke=\"#999\"/>\n",
            lx, ly, 18 * nitems + 8);
    for (int i = 0; i < nitems; i++) {
        int yy = ly + 16 + 18 * i;
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" %s/>\n", lx + 8, yy - 4, lx + 36, yy - 4,
                items[i].style);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", lx + 44, yy, items[i].name);
    }
    fputs("</svg>\n", f);
    return dgrt_commit_file(f, 0, tmp, path, err);
    return 0;
}
