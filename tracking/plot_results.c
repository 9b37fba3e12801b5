/* results.png (see plot.h). Panel order follows the reference: the top row
 * holds the train losses, precision and recall; the bottom row the val
 * losses, mAP50 and mAP50-95, so each train loss sits above its val loss. */
#include <math.h>
#include <stdlib.h>

#include "plot.h"
#include "plot_canvas.h"

#define WIDTH 1600
#define HEIGHT 780

static const int panel_columns[10] = {
    YC_COL_TRAIN_BOX, YC_COL_TRAIN_CLS, YC_COL_TRAIN_DFL, YC_COL_PRECISION, YC_COL_RECALL,
    YC_COL_VAL_BOX,   YC_COL_VAL_CLS,   YC_COL_VAL_DFL,   YC_COL_MAP50,     YC_COL_MAP50_95,
};

int yc_plot_results(const YcResults *r, YcPng *out, YcErr *err) {
    int n = r->rows;
    double *x = malloc(sizeof(double) * (size_t)(n ? n : 1) * 3);
    if (!x) return yc_err(err, "results.png: out of memory");
    double *y = x + (n ? n : 1), *smooth = y + (n ? n : 1);
    YcCanvas c;
    if (yc_canvas_init(&c, WIDTH, HEIGHT, err)) {
        free(x);
        return -1;
    }
    double xmin = INFINITY, xmax = -INFINITY;
    for (int i = 0; i < n; i++) {
        x[i] = r->v[i][YC_COL_EPOCH];
        if (x[i] < xmin) xmin = x[i];
        if (x[i] > xmax) xmax = x[i];
    }
    if (n == 0) xmin = 0, xmax = 1;
    else if (xmax - xmin < 1) xmin -= 0.5, xmax += 0.5;
    double pad = (xmax - xmin) * 0.04;
    const double margin_left = 62, margin_top = 42, gap_x = 62, gap_y = 84, margin_bottom = 52, margin_right = 18;
    double pw = (WIDTH - margin_left - margin_right - 4 * gap_x) / 5;
    double ph = (HEIGHT - margin_top - margin_bottom - gap_y) / 2;
    YcAxesStyle style = {.font = 12, .xticks = 5, .yticks = 5, .grid = true, .integer_x = true};
    for (int p = 0; p < 10; p++) {
        int col = panel_columns[p];
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < n; i++) {
            y[i] = r->v[i][col];
            if (isfinite(y[i])) {
                if (y[i] < lo) lo = y[i];
                if (y[i] > hi) hi = y[i];
            }
        }
        bool empty = lo > hi;
        if (empty) lo = 0, hi = 1; /* nothing finite */
        bool nonnegative = lo >= 0;
        yc_nice_range(&lo, &hi);
        if (nonnegative && lo < 0) lo = 0; /* metrics and losses are never negative */
        YcAxes a = {.left = margin_left + (p % 5) * (pw + gap_x), .top = margin_top + (p / 5) * (ph + gap_y),
                    .width = pw, .height = ph, .xmin = xmin - pad, .xmax = xmax + pad, .ymin = lo, .ymax = hi};
        yc_axes_draw(&c, &a, &style, yc_results_columns[col], "epoch", NULL);
        if (empty && n > 0)
            yc_text(&c, a.left + a.width / 2, a.top + a.height / 2, "no values", 13, false, yc_text_grey, 0.5, 0.5, 0);
        if (n > 0) {
            yc_smooth_gaussian(y, n, 3.0, smooth);
            yc_axes_line(&c, &a, x, y, n, yc_raw_color, 2, 0);
            yc_axes_markers(&c, &a, x, y, n, yc_raw_color, n > 60 ? 2.0 : 3.5);
            if (n > 1) yc_axes_line(&c, &a, x, smooth, n, yc_smooth_color, 2.5, 1);
        }
        if (p == 1) {
            YcLegendEntry legend[2] = {{"results", yc_raw_color, 2, 0, true}, {"smooth", yc_smooth_color, 2.5, 1, false}};
            double w = yc_legend(&c, 0, 0, legend, 2, 12, false);
            yc_legend(&c, a.left + a.width - w - 6, a.top + 6, legend, 2, 12, true);
        }
    }
    int rc = yc_canvas_to_png(&c, out, err);
    yc_canvas_free(&c);
    free(x);
    return rc;
}
