/* plot_skill.c — how good a model is over many basins, as plain SVG written
 * by hand (as plot.c): the empirical CDF of a per-basin score (NSE) and a
 * map of the gauges (longitude, latitude) coloured by that score. Basins
 * with a NaN score, or (map) without coordinates, are left out and counted
 * in the caption. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { W = 720, H = 480, ML = 70, MR = 30, MT = 44, MB = 56 };

static void svg_open(FILE *f, int w, int h, const char *title) {
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            w, h, w, h);
    fprintf(f, "<text x=\"%d\" y=\"26\" font-size=\"15\">", ML);
    for (const char *s = title; *s; s++) {
        if (*s == '&') fputs("&amp;", f);
        else if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else fputc(*s, f);
    }
    fputs("</text>\n", f);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Score -> colour: red at <= 0, through yellow at 0.5, to blue at 1 (a diverging scale). */
static void score_colour(double v, char out[8]) {
    double t = v < 0 ? 0 : v > 1 ? 1 : v;
    double r, g, b;
    if (t < 0.5) {
        double u = t / 0.5;
        r = 215 + (254 - 215) * u, g = 48 + (224 - 48) * u, b = 39 + (144 - 39) * u;
    } else {
        double u = (t - 0.5) / 0.5;
        r = 254 + (49 - 254) * u, g = 224 + (54 - 224) * u, b = 144 + (149 - 144) * u;
    }
    snprintf(out, 8, "#%02x%02x%02x", (int)lround(r), (int)lround(g), (int)lround(b));
}

int dgrt_plot_cdf(const char *path, const char *title, const char *score, const double *v, int n, DgrtErr *err) {
    char tmp[2100];
    FILE *f = dgrt_open_output(path, tmp, sizeof tmp, err);
    if (!f) return err->code;
    double *s = mallocCheck(sizeof(double) * (size_t)(n + 1));
    int k = 0, below = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i])) s[k++] = v[i];
    qsort(s, (size_t)k, sizeof(double), cmp_double);
    for (int i = 0; i < k; i++) below += s[i] < 0;
    double pw = W - ML - MR, ph = H - MT - MB;
    svg_open(f, W, H, title);
    // axes: score 0..1 (lower scores drawn at 0), fraction of basins 0..1
    for (int i = 0; i <= 10; i++) {
        double x = ML + pw * i / 10.0, y = MT + ph * (1 - i / 10.0);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>\n", x, MT, x, H - MB);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", ML, y, W - MR, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>\n", x, H - MB + 18, i / 10.0);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", ML - 6, y + 4, i / 10.0);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", ML + pw / 2, H - 18, score);
    fprintf(f, "<text transform=\"translate(20,%.1f) rotate(-90)\" text-anchor=\"middle\">fraction of basins</text>\n",
            MT + ph / 2);
    // the step curve: F(x) = share of basins with a score <= x
    if (k > 0) {
        fputs("<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"", f);
        double prev = 0;
        for (int i = 0; i < k; i++) {
            double x = s[i] < 0 ? 0 : s[i] > 1 ? 1 : s[i];
            double px = ML + pw * x;
            fprintf(f, "%.1f,%.1f %.1f,%.1f ", px, MT + ph * (1 - prev), px, MT + ph * (1 - (i + 1.0) / k));
            prev = (i + 1.0) / k;
        }
        fprintf(f, "%.1f,%.1f\"/>\n", (double)(W - MR), (double)MT);
        double med = k % 2 ? s[k / 2] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
        double mx = ML + pw * (med < 0 ? 0 : med > 1 ? 1 : med);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"4,3\"/>\n",
                mx, MT, mx, H - MB);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">median %.3f</text>\n", mx + 4, MT + 14, med);
    }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"black\"/>\n", ML, MT,
            pw, ph);
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%d basins (%d below 0, drawn at 0; %d without a score)</text>\n",
            ML, H - 4, k, below, n - k);
    fputs("</svg>\n", f);
    free(s);
    return dgrt_commit_file(f, 0, tmp, path, err);
}

int dgrt_plot_map(const char *path, const char *title, const char *score, const double *lon, const double *lat,
                  const double *v, int n, DgrtErr *err) {
    char tmp[2100];
    FILE *f = dgrt_open_output(path, tmp, sizeof tmp, err);
    if (!f) return err->code;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(lon[i]) && isfinite(lat[i]) && !isnan(v[i])) {
            x0 = fmin(x0, lon[i]), x1 = fmax(x1, lon[i]), y0 = fmin(y0, lat[i]), y1 = fmax(y1, lat[i]);
            k++;
        }
    if (k == 0) x0 = -125, x1 = -66, y0 = 24, y1 = 50;   /* the contiguous US, for an empty map */
    double pad = 1.0;
    x0 -= pad, x1 += pad, y0 -= pad, y1 += pad;
    // equirectangular, x scaled by cos(mean latitude) so shapes keep their proportions
    int w = 960, h = 600, legend = 90;
    double pw = w - ML - MR - legend, ph = h - MT - MB;
    double kx = cos((y0 + y1) / 2 * M_PI / 180), sx = pw / ((x1 - x0) * kx), sy = ph / (y1 - y0);
    double sc = sx < sy ? sx : sy;
    svg_open(f, w, h, title);
    for (double g = ceil(x0 / 5) * 5; g <= x1; g += 5) {
        double px = ML + (g - x0) * kx * sc;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>\n", px, MT, px,
                MT + (y1 - y0) * sc);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g°</text>\n", px, MT + (y1 - y0) * sc + 16, g);
    }
    for (double g = ceil(y0 / 5) * 5; g <= y1; g += 5) {
        double py = MT + (y1 - g) * sc;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>\n", ML, py,
                ML + (x1 - x0) * kx * sc, py);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g°</text>\n", ML - 6, py + 4, g);
    }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"black\"/>\n", ML, MT,
            (x1 - x0) * kx * sc, (y1 - y0) * sc);
    // the gauges, worst drawn last so that poor basins are not hidden under good ones
    int *order = mallocCheck(sizeof(int) * (size_t)(n + 1));
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(lon[i]) && isfinite(lat[i]) && !isnan(v[i])) order[m++] = i;
    for (int i = 1; i < m; i++)   /* insertion sort by score, descending */
        for (int j = i; j > 0 && v[order[j]] > v[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1], order[j - 1] = t;
        }
    for (int j = 0; j < m; j++) {
        int i = order[j];
        char c[8];
        score_colour(v[i], c);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\"/>\n",
                ML + (lon[i] - x0) * kx * sc, MT + (y1 - lat[i]) * sc, c);
    }
    free(order);
    // colour bar
    int bx = w - MR - legend + 30, by = MT + 20, bh = 200;
    for (int i = 0; i < 20; i++) {
        char c[8];
        score_colour(1 - (i + 0.5) / 20, c);
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"%s\"/>\n", bx, by + bh * i / 20.0,
                bh / 20.0 + 0.5, c);
    }
    for (int i = 0; i <= 4; i++)
        fprintf(f, "<text x=\"%d\" y=\"%.1f\">%s%.2f</text>\n", bx + 24, by + bh * i / 4.0 + 4, i == 4 ? "≤ " : "",
                1 - i / 4.0);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", bx, by - 8, score);
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%d basins (%d without coordinates or score)</text>\n", ML,
            h - 8, k, n - k);
    fputs("</svg>\n", f);
    return dgrt_commit_file(f, 0, tmp, path, err);
}
