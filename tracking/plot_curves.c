/* PR_curve.png and the F1/P/R-confidence curves (see plot.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plot_canvas.h"

#define WIDTH 1300
#define HEIGHT 820
#define LEGEND_MAX_CLASSES 20

int yc_plot_curve(const YcValidation *v, YcCurveKind kind, YcPng *out, YcErr *err) {
    static const char *titles[] = {"Precision-Recall Curve", "F1-Confidence Curve", "Precision-Confidence Curve",
                                   "Recall-Confidence Curve"};
    static const char *ylabels[] = {"Precision", "F1", "Precision", "Recall"};
    const double *data = kind == YC_CURVE_PR ? v->pr : kind == YC_CURVE_F1 ? v->f1 : kind == YC_CURVE_P ? v->p : v->r;
    int n = v->npoints, rows = v->nrows;
    if (n <= 0 || !data) return yc_err(err, "%s: validation.json has no curves", titles[kind]);
    double *mean = calloc((size_t)n * 2, sizeof(double));
    if (!mean) return yc_err(err, "%s: out of memory", titles[kind]);
    double *smooth = mean + n;
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < n; i++) mean[i] += data[(size_t)r * n + i] / rows;

    bool per_class_legend = rows > 0 && rows <= LEGEND_MAX_CLASSES;
    int nentries = (per_class_legend ? rows : 0) + 1;
    YcLegendEntry *legend = calloc((size_t)nentries, sizeof *legend);
    char (*labels)[192] = calloc((size_t)nentries, sizeof *labels);
    if (!legend || !labels) {
        free(mean);
        free(legend);
        free(labels);
        return yc_err(err, "%s: out of memory", titles[kind]);
    }
    int e = 0;
    if (per_class_legend)
        for (int r = 0; r < rows; r++, e++) {
            const YcValClass *c = &v->per_class[r];
            if (kind == YC_CURVE_PR) snprintf(labels[e], sizeof labels[e], "%.40s %.3f", c->name, c->ap50);
            else snprintf(labels[e], sizeof labels[e], "%.40s", c->name);
            legend[e] = (YcLegendEntry){labels[e], yc_line_color(c->cls), 1.5, 0, false};
        }
    const double *mean_line = mean;
    if (kind == YC_CURVE_PR) {
        double map50 = 0;
        for (int r = 0; r < rows; r++) map50 += v->per_class[r].ap50 / rows;
        snprintf(labels[e], sizeof labels[e], "all classes %.3f mAP@0.5", rows ? map50 : 0.0);
    } else {
        yc_smooth_box(mean, n, 0.1, smooth);
        mean_line = smooth;
        int best = 0;
        for (int i = 1; i < n; i++)
            if (smooth[i] > smooth[best]) best = i;
        snprintf(labels[e], sizeof labels[e], "all classes %.2f at %.3f", smooth[best], v->x[best]);
    }
    legend[e] = (YcLegendEntry){labels[e], yc_mean_color, 3.5, 0, false};

    YcCanvas c;
    if (yc_canvas_init(&c, WIDTH, HEIGHT, err)) {
        free(mean);
        free(legend);
        free(labels);
        return -1;
    }
    const double font = 14;
    double legend_w = yc_legend(&c, 0, 0, legend, nentries, font, false);
    YcAxes a = {.left = 90, .top = 50, .height = HEIGHT - 50 - 80, .xmin = 0, .xmax = 1, .ymin = 0, .ymax = 1};
    a.width = WIDTH - a.left - legend_w - 50;
    if (a.width > a.height * 1.6) a.width = a.height * 1.6;
    YcAxesStyle style = {.font = font, .xticks = 5, .yticks = 5, .grid = true};
    yc_axes_draw(&c, &a, &style, titles[kind], kind == YC_CURVE_PR ? "Recall" : "Confidence", ylabels[kind]);
    for (int r = 0; r < rows; r++) {
        YcRgb color = per_class_legend ? yc_line_color(v->per_class[r].cls) : (YcRgb){0.6, 0.6, 0.6};
        yc_axes_line(&c, &a, v->x, data + (size_t)r * n, n, color, per_class_legend ? 1.5 : 1.0, 0);
    }
    if (rows > 0) yc_axes_line(&c, &a, v->x, mean_line, n, yc_mean_color, 3.5, 0);
    else yc_text(&c, a.left + a.width / 2, a.top + a.height / 2, "no classes with labels", font + 2, false,
                 yc_text_grey, 0.5, 0.5, 0);
    yc_legend(&c, a.left + a.width + 20, a.top, legend, nentries, font, true);
    int rc = yc_canvas_to_png(&c, out, err);
    yc_canvas_free(&c);
    free(mean);
    free(legend);
    free(labels);
    return rc;
}
