/* confusion_matrix.png / confusion_matrix_normalized.png (see plot.h):
 * rows are predictions, columns the truth, the last of each is background.
 * Cells below 0.005 (normalised) or zero (counts) stay white and unlabelled. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plot_canvas.h"

#define WIDTH 1200
#define HEIGHT 1000

int yc_plot_confusion(const YcValidation *v, bool normalized, YcPng *out, YcErr *err) {
    int n = v->matrix_n;
    const char *title = normalized ? "Confusion Matrix Normalized" : "Confusion Matrix";
    if (n <= 0 || !v->matrix) return yc_err(err, "%s: validation.json has no confusion matrix", title);
    double *cells = malloc(sizeof(double) * (size_t)n * (size_t)n);
    if (!cells) return yc_err(err, "%s: out of memory", title);
    double vmax = 0;
    for (int j = 0; j < n; j++) {
        double column = 0;
        for (int i = 0; i < n; i++) column += v->matrix[i * n + j];
        for (int i = 0; i < n; i++) {
            double x = v->matrix[i * n + j];
            if (normalized) x /= column + 1e-9;
            if (normalized ? x < 0.005 : !(x > 0)) x = NAN; /* blank */
            cells[i * n + j] = x;
            if (x > vmax) vmax = x;
        }
    }
    double scale = normalized ? 1.0 : (vmax > 0 ? vmax : 1.0);

    YcCanvas c;
    if (yc_canvas_init(&c, WIDTH, HEIGHT, err)) {
        free(cells);
        return -1;
    }
    /* With many classes, label every k-th row and column (the cells all stay). */
    int step = n > 60 ? (n + 59) / 60 : 1;
    bool annotate = n < 30;
    double tick_font = n < 10 ? 15 : n < 30 ? 13 : n < 60 ? 10 : 9;
    double longest = 0;
    char name[48];
    for (int k = 0; k < n; k += step) {
        snprintf(name, sizeof name, "%.24s", k < v->nc ? v->names[k] : "background");
        double w = yc_text_width(&c, name, tick_font, false);
        if (w > longest) longest = w;
    }
    double label_w = longest + 44, bottom = longest + 70, top = 70, colorbar_w = 110;
    double side = fmin(WIDTH - 40 - label_w - colorbar_w, HEIGHT - top - bottom);
    double cell = side / n;
    double x0 = (WIDTH - (label_w + side + colorbar_w)) / 2 + label_w, y0 = top;
    yc_text(&c, x0 + side / 2, 40, title, 18, true, yc_text_grey, 0.5, 0.5, 0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double x = cells[i * n + j];
            YcRgb bg = isnan(x) ? yc_white : yc_blues(x / scale);
            yc_set_color(&c, bg);
            cairo_rectangle(c.cr, x0 + j * cell, y0 + i * cell, cell + 0.5, cell + 0.5);
            cairo_fill(c.cr);
            if (annotate && !isnan(x)) {
                char text[32];
                if (normalized) snprintf(text, sizeof text, "%.2f", x);
                else snprintf(text, sizeof text, "%.0f", x);
                double font = fmin(14, cell * 0.28);
                yc_text(&c, x0 + (j + 0.5) * cell, y0 + (i + 0.5) * cell, text, font, false, yc_contrast_text(bg), 0.5,
                        0.5, 0);
            }
        }
    /* cell separators and frame */
    cairo_set_line_width(c.cr, 1);
    cairo_set_source_rgb(c.cr, 0.9, 0.9, 0.9);
    for (int k = 1; k < n && n <= 60; k++) {
        cairo_move_to(c.cr, x0 + k * cell, y0);
        cairo_line_to(c.cr, x0 + k * cell, y0 + side);
        cairo_move_to(c.cr, x0, y0 + k * cell);
        cairo_line_to(c.cr, x0 + side, y0 + k * cell);
    }
    cairo_stroke(c.cr);
    cairo_set_source_rgb(c.cr, 0.6, 0.6, 0.6);
    cairo_rectangle(c.cr, x0, y0, side, side);
    cairo_stroke(c.cr);
    /* class names: rows on the left, columns below (turned 90 degrees) */
    for (int k = 0; k < n; k += step) {
        snprintf(name, sizeof name, "%.24s", k < v->nc ? v->names[k] : "background");
        yc_text(&c, x0 - 8, y0 + (k + 0.5) * cell, name, tick_font, false, yc_text_grey, 1, 0.5, 0);
        yc_text(&c, x0 + (k + 0.5) * cell, y0 + side + 8, name, tick_font, false, yc_text_grey, 1, 0.5, M_PI / 2);
    }
    yc_text(&c, x0 + side / 2, y0 + side + longest + 22, "True", 16, false, yc_text_grey, 0.5, 0, 0);
    yc_text(&c, x0 - longest - 22, y0 + side / 2, "Predicted", 16, false, yc_text_grey, 0.5, 1, M_PI / 2);
    /* colour bar */
    double bx = x0 + side + 30, bw = 24;
    for (int p = 0; p < (int)side; p++) {
        yc_set_color(&c, yc_blues(1.0 - p / side));
        cairo_rectangle(c.cr, bx, y0 + p, bw, 1.5);
        cairo_fill(c.cr);
    }
    double ticks[32];
    int dec;
    int nt = yc_nice_ticks(0, scale, 5, ticks, 32, &dec);
    cairo_set_source_rgb(c.cr, 0.6, 0.6, 0.6);
    cairo_rectangle(c.cr, bx, y0, bw, side);
    cairo_stroke(c.cr);
    yc_set_color(&c, yc_text_grey);
    for (int t = 0; t < nt; t++) {
        if (!normalized && dec > 0 && ticks[t] != floor(ticks[t])) continue; /* counts: whole numbers only */
        double py = y0 + side - ticks[t] / scale * side;
        cairo_move_to(c.cr, bx + bw, py);
        cairo_line_to(c.cr, bx + bw + 5, py);
        cairo_stroke(c.cr);
        char label[32];
        snprintf(label, sizeof label, "%.*f", normalized ? 1 : 0, ticks[t]);
        yc_text(&c, bx + bw + 8, py, label, 13, false, yc_text_grey, 0, 0.5, 0);
    }
    int rc = yc_canvas_to_png(&c, out, err);
    yc_canvas_free(&c);
    free(cells);
    return rc;
}
