/* compare.png (see plot.h): the panels of results.png with one line per run.
 * No smoothing: with several runs on one panel, the raw values with markers
 * are what a reader compares. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot.h"
#include "plot_canvas.h"

#define WIDTH 1800
#define HEIGHT 780
#define LABEL_CHARS 40

static const int panel_columns[10] = {
    YC_COL_TRAIN_BOX, YC_COL_TRAIN_CLS, YC_COL_TRAIN_DFL, YC_COL_PRECISION, YC_COL_RECALL,
    YC_COL_VAL_BOX,   YC_COL_VAL_CLS,   YC_COL_VAL_DFL,   YC_COL_MAP50,     YC_COL_MAP50_95,
};

int yc_plot_compare(const YcResultsSeries *runs, int n, YcPng *out, YcErr *err) {
    if (n < 1) return yc_err(err, "compare.png: no runs to compare");
    if (n > YC_COMPARE_MAX_RUNS) return yc_err(err, "compare.png: at most %d runs (got %d)", YC_COMPARE_MAX_RUNS, n);
    int most = 1;
    for (int r = 0; r < n; r++)
        if (runs[r].results && runs[r].results->rows > most) most = runs[r].results->rows;
    double *x = malloc(sizeof(double) * (size_t)most * 2);
    YcLegendEntry *legend = calloc((size_t)n, sizeof *legend);
    char (*labels)[LABEL_CHARS + 32] = calloc((size_t)n, sizeof *labels);
    YcCanvas c = {0};
    int rc = -1;
    if (!x || !legend || !labels) {
        yc_err(err, "compare.png: out of memory");
        goto done;
    }
    double *y = x + most;
    double xmin = INFINITY, xmax = -INFINITY;
    for (int r = 0; r < n; r++) {
        const YcResults *res = runs[r].results;
        int rows = res ? res->rows : 0;
        for (int i = 0; i < rows; i++) {
            double e = res->v[i][YC_COL_EPOCH];
            if (!isfinite(e)) continue;
            if (e < xmin) xmin = e;
            if (e > xmax) xmax = e;
        }
        const char *label = runs[r].label ? runs[r].label : "run";
        snprintf(labels[r], sizeof labels[r], "%.*s%s", LABEL_CHARS, label, rows ? "" : " (no epochs yet)");
        legend[r] = (YcLegendEntry){labels[r], yc_line_color(r), 2, 0, true};
    }
    if (xmin > xmax) xmin = 0, xmax = 1;
    else if (xmax - xmin < 1) xmin -= 0.5, xmax += 0.5;
    double pad = (xmax - xmin) * 0.04;
    if (yc_canvas_init(&c, WIDTH, HEIGHT, err)) goto done;
    const double font = 12, margin_left = 62, margin_top = 42, gap_x = 58, gap_y = 84, margin_bottom = 52;
    double legend_w = yc_legend(&c, 0, 0, legend, n, font + 1, false);
    double right = legend_w + 36;
    double pw = (WIDTH - margin_left - right - 4 * gap_x) / 5;
    double ph = (HEIGHT - margin_top - margin_bottom - gap_y) / 2;
    YcAxesStyle style = {.font = font, .xticks = 5, .yticks = 5, .grid = true, .integer_x = true};
    for (int p = 0; p < 10; p++) {
        int col = panel_columns[p];
        double lo = INFINITY, hi = -INFINITY;
        for (int r = 0; r < n; r++) {
            const YcResults *res = runs[r].results;
            for (int i = 0; res && i < res->rows; i++) {
                double v = res->v[i][col];
                if (!isfinite(v)) continue;
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
        }
        bool empty = lo > hi;
        if (empty) lo = 0, hi = 1;
        bool nonnegative = lo >= 0;
        yc_nice_range(&lo, &hi);
        if (nonnegative && lo < 0) lo = 0; /* metrics and losses are never negative */
        YcAxes a = {.left = margin_left + (p % 5) * (pw + gap_x), .top = margin_top + (p / 5) * (ph + gap_y),
                    .width = pw, .height = ph, .xmin = xmin - pad, .xmax = xmax + pad, .ymin = lo, .ymax = hi};
        yc_axes_draw(&c, &a, &style, yc_results_columns[col], "epoch", NULL);
        if (empty)
            yc_text(&c, a.left + a.width / 2, a.top + a.height / 2, "no values", 13, false, yc_text_grey, 0.5, 0.5, 0);
        for (int r = 0; r < n; r++) {
            const YcResults *res = runs[r].results;
            int rows = res ? res->rows : 0;
            for (int i = 0; i < rows; i++) {
                x[i] = res->v[i][YC_COL_EPOCH];
                y[i] = res->v[i][col];
            }
            YcRgb color = yc_line_color(r);
            yc_axes_line(&c, &a, x, y, rows, color, 2, 0);
            yc_axes_markers(&c, &a, x, y, rows, color, rows > 60 ? 1.8 : 3.0);
        }
    }
    yc_legend(&c, WIDTH - right + 18, margin_top, legend, n, font + 1, true);
    rc = yc_canvas_to_png(&c, out, err);
done:
    yc_canvas_free(&c);
    free(x);
    free(legend);
    free(labels);
    return rc;
}
