/* labels.png (see plot.h): four panels over the training labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plot_canvas.h"

#define WIDTH 1100
#define HEIGHT 1100
#define BINS 50
#define MAX_OVERLAY 500

/* A 2-D histogram of (x, y) over [0, 1]^2 as white-to-blue cells (the square
 * root of the count, so that sparse cells stay visible). */
static void hist2d(YcCanvas *c, const YcAxes *a, const float *rows, int count, int xcol, int ycol) {
    double grid[BINS][BINS];
    memset(grid, 0, sizeof grid);
    double peak = 0;
    for (int i = 0; i < count; i++) {
        double x = rows[i * 5 + xcol], y = rows[i * 5 + ycol];
        if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) continue;
        int bx = x >= 1 ? BINS - 1 : (int)(x * BINS), by = y >= 1 ? BINS - 1 : (int)(y * BINS);
        grid[bx][by] += 1;
        if (grid[bx][by] > peak) peak = grid[bx][by];
    }
    double cw = a->width / BINS, ch = a->height / BINS;
    for (int bx = 0; bx < BINS; bx++)
        for (int by = 0; by < BINS; by++) {
            if (grid[bx][by] == 0) continue;
            double t = sqrt(grid[bx][by] / peak); /* square root: sparse cells stay visible */
            /* white to pure blue, like the reference's white_blue map */
            cairo_set_source_rgb(c->cr, 1 - t, 1 - t, 1);
            cairo_rectangle(c->cr, a->left + bx * cw, a->top + a->height - (by + 1) * ch, cw + 0.5, ch + 0.5);
            cairo_fill(c->cr);
        }
}

int yc_plot_labels(const YcLabelSet *labels, YcPng *out, YcErr *err) {
    int count = labels->count;
    int nc = labels->nc;
    for (int i = 0; i < count; i++) {
        int cls = (int)labels->rows[i * 5];
        if (cls + 1 > nc) nc = cls + 1;
    }
    if (nc <= 0) nc = 1;
    double *hist = calloc((size_t)nc, sizeof(double));
    if (!hist) return yc_err(err, "labels.png: out of memory");
    double peak = 0;
    for (int i = 0; i < count; i++) {
        int cls = (int)labels->rows[i * 5];
        if (cls >= 0 && cls < nc && ++hist[cls] > peak) peak = hist[cls];
    }
    YcCanvas c;
    if (yc_canvas_init(&c, WIDTH, HEIGHT, err)) {
        free(hist);
        return -1;
    }
    cairo_t *cr = c.cr;
    /* The bars: every class when there are at most 30, else only the classes
     * that have labels when those are at most 30 (named), else every class unnamed. */
    int *shown = malloc(sizeof(int) * (size_t)nc);
    if (!shown) {
        free(hist);
        yc_canvas_free(&c);
        return yc_err(err, "labels.png: out of memory");
    }
    int nbars = 0, present = 0;
    for (int k = 0; k < nc; k++) present += hist[k] > 0;
    bool only_present = nc > 30 && present <= 30 && present > 0;
    for (int k = 0; k < nc; k++)
        if (!only_present || hist[k] > 0) shown[nbars++] = k;
    bool named = labels->names && labels->nc > 0 && nbars <= 30;
    double longest = 0;
    for (int b = 0; named && b < nbars; b++) {
        char name[40];
        snprintf(name, sizeof name, "%.24s", shown[b] < labels->nc ? labels->names[shown[b]] : "?");
        double w = yc_text_width(&c, name, 12, false);
        if (w > longest) longest = w;
    }
    YcAxesStyle style = {.font = 12, .xticks = 5, .yticks = 5, .grid = false};
    double half = WIDTH / 2.0;
    /* 1. instances per class */
    double hist_bottom = named ? longest + 30 : 60;
    YcAxes a0 = {.left = 80, .top = 40, .width = half - 110, .height = HEIGHT / 2.0 - 40 - hist_bottom,
                 .xmin = -0.5, .xmax = nbars - 0.5, .ymin = 0, .ymax = peak > 0 ? peak * 1.12 : 1};
    {
        double ticks[32];
        int dec;
        int nt = yc_nice_ticks(0, a0.ymax, 5, ticks, 32, &dec);
        for (int t = 0; t < nt; t++) {
            if (dec > 0 && ticks[t] != floor(ticks[t])) continue;
            char label[32];
            snprintf(label, sizeof label, "%.0f", ticks[t]);
            double py = yc_axes_py(&a0, ticks[t]);
            cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
            cairo_set_line_width(cr, 1);
            cairo_move_to(cr, a0.left, round(py) + 0.5);
            cairo_line_to(cr, a0.left + a0.width, round(py) + 0.5);
            cairo_stroke(cr);
            yc_text(&c, a0.left - 8, py, label, 12, false, yc_text_grey, 1, 0.5, 0);
        }
        yc_text(&c, 24, a0.top + a0.height / 2, "instances", 13, false, yc_text_grey, 0.5, 1, M_PI / 2);
        double bar = a0.width / nbars;
        for (int b = 0; b < nbars; b++) {
            int k = shown[b];
            double x0 = yc_axes_px(&a0, b - 0.4), x1 = yc_axes_px(&a0, b + 0.4);
            double y1 = yc_axes_py(&a0, hist[k]), y0 = yc_axes_py(&a0, 0);
            yc_set_color(&c, yc_class_color(k));
            cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
            cairo_fill(cr);
            if (named) {
                char text[32];
                snprintf(text, sizeof text, "%.0f", hist[k]);
                if (bar > 18) yc_text(&c, (x0 + x1) / 2, y1 - 3, text, fmin(11, bar * 0.45), false, yc_text_grey, 0.5, 1, 0);
                char name[40];
                snprintf(name, sizeof name, "%.24s", k < labels->nc ? labels->names[k] : "?");
                yc_text(&c, (x0 + x1) / 2, y0 + 6, name, 12, false, yc_text_grey, 1, 0.5, M_PI / 2);
            }
        }
        cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
        cairo_move_to(cr, a0.left, round(yc_axes_py(&a0, 0)) + 0.5);
        cairo_line_to(cr, a0.left + a0.width, round(yc_axes_py(&a0, 0)) + 0.5);
        cairo_stroke(cr);
        if (!named) yc_text(&c, a0.left + a0.width / 2, a0.top + a0.height + 30, "classes", 13, false, yc_text_grey, 0.5, 0, 0);
        char title[96];
        if (only_present) snprintf(title, sizeof title, "Instances per class (%d of %d classes have labels)", present, nc);
        else snprintf(title, sizeof title, "Instances per class");
        yc_text(&c, a0.left + a0.width / 2, 22, title, 14, true, yc_text_grey, 0.5, 0.5, 0);
    }
    free(shown);
    /* 2. box sizes around a common centre (the first 500 boxes) */
    {
        double side = fmin(half - 90, HEIGHT / 2.0 - 80);
        double x0 = half + (half - side) / 2, y0 = 50;
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, x0 + 0.5, y0 + 0.5, side, side);
        cairo_stroke(cr);
        cairo_set_line_width(cr, 1.2);
        int shown = count < MAX_OVERLAY ? count : MAX_OVERLAY;
        for (int i = 0; i < shown; i++) {
            double w = labels->rows[i * 5 + 3], h = labels->rows[i * 5 + 4];
            if (!(w > 0 && h > 0)) continue;
            YcRgb col = yc_class_color((int)labels->rows[i * 5]);
            cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.8);
            cairo_rectangle(cr, x0 + (0.5 - w / 2) * side, y0 + (0.5 - h / 2) * side, w * side, h * side);
            cairo_stroke(cr);
        }
        yc_text(&c, x0 + side / 2, 22, "Box shapes (centred)", 14, true, yc_text_grey, 0.5, 0.5, 0);
    }
    /* 3, 4. centres and sizes */
    YcAxes a2 = {.left = 80, .top = HEIGHT / 2.0 + 40, .width = half - 110, .height = HEIGHT / 2.0 - 110,
                 .xmin = 0, .xmax = 1, .ymin = 0, .ymax = 1};
    YcAxes a3 = a2;
    a3.left = half + 80;
    hist2d(&c, &a2, labels->rows, count, 1, 2);
    hist2d(&c, &a3, labels->rows, count, 3, 4);
    yc_axes_draw(&c, &a2, &style, "Box centres", "x", "y");
    yc_axes_draw(&c, &a3, &style, "Box sizes", "width", "height");
    if (count == 0)
        yc_text(&c, WIDTH / 2.0, HEIGHT / 2.0, "no labels", 16, false, yc_text_grey, 0.5, 0.5, 0);
    int rc = yc_canvas_to_png(&c, out, err);
    yc_canvas_free(&c);
    free(hist);
    return rc;
}
