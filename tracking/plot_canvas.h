/* Drawing primitives shared by every plot: a cairo canvas (white, RGB,
 * anti-aliased), text in DejaVu Sans, axes with "nice" ticks, grid, labels,
 * titles and legends, polylines clipped to the axes, the class palette and
 * the Blues colour map. Sizes are pixels. */
#ifndef YC_PLOT_CANVAS_H
#define YC_PLOT_CANVAS_H

#include <cairo.h>
#include <stdbool.h>

#include "error.h"
#include "plot_png.h"

typedef struct YcRgb {
    double r, g, b;
} YcRgb;

typedef struct YcCanvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    int width, height;
} YcCanvas;

/* A white canvas. */
int yc_canvas_init(YcCanvas *c, int width, int height, YcErr *err);
void yc_canvas_free(YcCanvas *c);
int yc_canvas_to_png(YcCanvas *c, YcPng *out, YcErr *err);

/* The class palette: 20 distinct colours, repeating; the same class has the
 * same colour in every plot and image grid. */
YcRgb yc_class_color(int cls);
/* The class colour darkened where it is too light for a thin line on white. */
YcRgb yc_line_color(int cls);
/* Neutral colours. */
extern const YcRgb yc_black, yc_white, yc_text_grey, yc_grid_grey, yc_mean_color, yc_raw_color, yc_smooth_color;
/* The Blues colour map at t in [0, 1] (white to dark blue). */
YcRgb yc_blues(double t);
/* Black or white, whichever reads better on this background. */
YcRgb yc_contrast_text(YcRgb background);

void yc_set_color(YcCanvas *c, YcRgb color);

/* Text. align_x: 0 left, 0.5 centre, 1 right edge at x; align_y: 0 top,
 * 0.5 middle, 1 baseline-ish bottom at y. angle in radians (counter-clockwise). */
void yc_text(YcCanvas *c, double x, double y, const char *text, double size, bool bold, YcRgb color,
             double align_x, double align_y, double angle);
double yc_text_width(YcCanvas *c, const char *text, double size, bool bold);

/* Axes: a pixel rectangle and the data range it shows. */
typedef struct YcAxes {
    double left, top, width, height;   /* pixels */
    double xmin, xmax, ymin, ymax;     /* data */
} YcAxes;

double yc_axes_px(const YcAxes *a, double x);
double yc_axes_py(const YcAxes *a, double y);

/* Tick positions for [lo, hi]: about `target` ticks at 1, 2, 2.5 or 5 x 10^k;
 * returns the count (at most max) and the decimals their labels need. */
int yc_nice_ticks(double lo, double hi, int target, double *ticks, int max, int *decimals);

/* Rounds [lo, hi] out to nice limits (for data-driven ranges); pads a zero span. */
void yc_nice_range(double *lo, double *hi);

/* Grid, frame, tick labels, axis labels and title. Any label may be NULL. */
typedef struct YcAxesStyle {
    double font;           /* tick labels; labels are font + 1, title font + 2 */
    int xticks, yticks;    /* target tick counts */
    bool grid;
    bool integer_x;        /* x ticks only at whole numbers (epochs) */
} YcAxesStyle;

void yc_axes_draw(YcCanvas *c, const YcAxes *a, const YcAxesStyle *style, const char *title, const char *xlabel,
                  const char *ylabel);

/* A polyline through (x[i], y[i]), clipped to the axes; NaN points break it.
 * dash: 0 solid, 1 dotted, 2 dashed. */
void yc_axes_line(YcCanvas *c, const YcAxes *a, const double *x, const double *y, int n, YcRgb color,
                  double width, int dash);
/* Filled circles of the given radius at the points. */
void yc_axes_markers(YcCanvas *c, const YcAxes *a, const double *x, const double *y, int n, YcRgb color,
                     double radius);

/* A legend box with the top-left corner at (x, y). */
typedef struct YcLegendEntry {
    const char *label;
    YcRgb color;
    double width;
    int dash;
    bool marker;
} YcLegendEntry;

/* Draws it and returns its width; with draw false only measures. */
double yc_legend(YcCanvas *c, double x, double y, const YcLegendEntry *entries, int n, double font, bool draw);

/* Smoothing as the reference plots do it. Gaussian: kernel cut at 4 sigma,
 * mirror-reflected edges (scipy's gaussian_filter1d defaults). Box: an odd
 * window of about a fraction f of the points, edges padded with the end
 * values (Ultralytics' smooth(); its first n outputs when the window is
 * even). NaN spreads to the points it touches. */
void yc_smooth_gaussian(const double *y, int n, double sigma, double *out);
void yc_smooth_box(const double *y, int n, double f, double *out);

#endif
