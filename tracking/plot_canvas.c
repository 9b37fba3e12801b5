/* Drawing primitives (see plot_canvas.h). */
#include "plot_canvas.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FONT_FACE "DejaVu Sans"

int yc_canvas_init(YcCanvas *c, int width, int height, YcErr *err) {
    memset(c, 0, sizeof *c);
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        return yc_err(err, "plot: bad canvas size %dx%d", width, height);
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    if (cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(c->surface);
        c->surface = NULL;
        return yc_err(err, "plot: cannot create a %dx%d canvas", width, height);
    }
    c->cr = cairo_create(c->surface);
    c->width = width;
    c->height = height;
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    cairo_set_antialias(c->cr, CAIRO_ANTIALIAS_DEFAULT);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
    cairo_set_font_options(c->cr, fo);
    cairo_font_options_destroy(fo);
    return 0;
}

void yc_canvas_free(YcCanvas *c) {
    if (c->cr) cairo_destroy(c->cr);
    if (c->surface) cairo_surface_destroy(c->surface);
    memset(c, 0, sizeof *c);
}

int yc_canvas_to_png(YcCanvas *c, YcPng *out, YcErr *err) {
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS)
        return yc_err(err, "plot: drawing failed: %s", cairo_status_to_string(cairo_status(c->cr)));
    cairo_surface_flush(c->surface);
    return yc_png_encode_xrgb32(cairo_image_surface_get_data(c->surface), c->width, c->height,
                                (size_t)cairo_image_surface_get_stride(c->surface), out, err);
}

static YcRgb hex(unsigned v) { return (YcRgb){((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0}; }

/* Twenty colours chosen to be told apart on white and on photographs. */
static const unsigned class_palette[20] = {
    0xE6194B, 0x3CB44B, 0x4363D8, 0xF58231, 0x911EB4, 0x42D4F4, 0xF032E6, 0xBFEF45, 0x469990, 0x9A6324,
    0xFFE119, 0x800000, 0x808000, 0x000075, 0xFABED4, 0xAAFFC3, 0xDCBEFF, 0xFFD8B1, 0xA9A9A9, 0x6A3D9A,
};

YcRgb yc_class_color(int cls) {
    if (cls < 0) cls = -cls;
    return hex(class_palette[cls % 20]);
}

YcRgb yc_line_color(int cls) {
    YcRgb c = yc_class_color(cls);
    double luminance = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
    if (luminance > 0.7) {
        double k = 0.7 / luminance;
        c.r *= k, c.g *= k, c.b *= k;
    }
    return c;
}

const YcRgb yc_black = {0, 0, 0};
const YcRgb yc_white = {1, 1, 1};
const YcRgb yc_text_grey = {0.15, 0.15, 0.15};
const YcRgb yc_grid_grey = {0.88, 0.88, 0.88};
const YcRgb yc_mean_color = {0.07, 0.07, 0.07};
const YcRgb yc_raw_color = {0.184, 0.427, 0.710};
const YcRgb yc_smooth_color = {0.941, 0.541, 0.141};

/* ColorBrewer "Blues", 9 classes, interpolated linearly. */
YcRgb yc_blues(double t) {
    static const unsigned stops[9] = {0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6,
                                      0x4292C6, 0x2171B5, 0x08519C, 0x08306B};
    if (!(t > 0)) t = 0;
    if (t > 1) t = 1;
    double f = t * 8;
    int i = (int)f;
    if (i >= 8) return hex(stops[8]);
    double u = f - i;
    YcRgb a = hex(stops[i]), b = hex(stops[i + 1]);
    return (YcRgb){a.r + (b.r - a.r) * u, a.g + (b.g - a.g) * u, a.b + (b.b - a.b) * u};
}

YcRgb yc_contrast_text(YcRgb bg) {
    double luminance = 0.2126 * bg.r + 0.7152 * bg.g + 0.0722 * bg.b;
    return luminance > 0.55 ? yc_black : yc_white;
}

void yc_set_color(YcCanvas *c, YcRgb color) { cairo_set_source_rgb(c->cr, color.r, color.g, color.b); }

static void select_font(YcCanvas *c, double size, bool bold) {
    cairo_select_font_face(c->cr, FONT_FACE, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(c->cr, size);
}

double yc_text_width(YcCanvas *c, const char *text, double size, bool bold) {
    select_font(c, size, bold);
    cairo_text_extents_t ext;
    cairo_text_extents(c->cr, text, &ext);
    return ext.x_advance;
}

void yc_text(YcCanvas *c, double x, double y, const char *text, double size, bool bold, YcRgb color, double align_x,
             double align_y, double angle) {
    if (!text || !*text) return;
    cairo_t *cr = c->cr;
    select_font(c, size, bold);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, text, &ext);
    cairo_font_extents_t fext;
    cairo_font_extents(cr, &fext);
    /* Vertical alignment on the font's ascent, so labels line up whatever their letters. */
    double cap = fext.ascent * 0.78;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (angle != 0) cairo_rotate(cr, -angle);
    cairo_move_to(cr, -ext.x_advance * align_x, cap - cap * align_y);
    yc_set_color(c, color);
    cairo_show_text(cr, text);
    cairo_restore(cr);
}

double yc_axes_px(const YcAxes *a, double x) {
    double span = a->xmax - a->xmin;
    return a->left + (span != 0 ? (x - a->xmin) / span : 0.5) * a->width;
}

double yc_axes_py(const YcAxes *a, double y) {
    double span = a->ymax - a->ymin;
    return a->top + a->height - (span != 0 ? (y - a->ymin) / span : 0.5) * a->height;
}

static double nice_step(double span, int target) {
    if (!(span > 0) || !isfinite(span)) return 1;
    double raw = span / (target > 1 ? target : 1);
    double mag = pow(10, floor(log10(raw)));
    double m = raw / mag;
    double step = m < 1.5 ? 1 : m < 2.25 ? 2 : m < 3.5 ? 2.5 : m < 7.5 ? 5 : 10;
    return step * mag;
}

int yc_nice_ticks(double lo, double hi, int target, double *ticks, int max, int *decimals) {
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    double step = nice_step(hi - lo, target);
    double first = ceil(lo / step - 1e-9) * step;
    int n = 0;
    for (double t = first; t <= hi + step * 1e-9 && n < max; t = first + step * n) ticks[n++] = fabs(t) < step * 1e-9 ? 0 : t;
    /* decimals: enough to tell ticks apart (2.5 x 10^k needs one more) */
    int d = (int)ceil(-log10(step) - 1e-9);
    double mant = step / pow(10, floor(log10(step) + 1e-9));
    if (fabs(mant - 2.5) < 1e-6) d++;
    *decimals = d > 0 ? d : 0;
    return n;
}

void yc_nice_range(double *lo, double *hi) {
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
        return;
    }
    if (*hi - *lo < 1e-12 * (fabs(*hi) + 1)) {
        double pad = fabs(*hi) > 0 ? fabs(*hi) * 0.05 : 0.5;
        *lo -= pad;
        *hi += pad;
    }
    double pad = (*hi - *lo) * 0.05;
    *lo -= pad;
    *hi += pad;
}

void yc_axes_draw(YcCanvas *c, const YcAxes *a, const YcAxesStyle *style, const char *title, const char *xlabel,
                  const char *ylabel) {
    cairo_t *cr = c->cr;
    double ticks[64];
    int dec;
    double font = style->font;
    char label[64];
    /* grid and tick labels */
    cairo_set_line_width(cr, 1);
    int nx = yc_nice_ticks(a->xmin, a->xmax, style->xticks, ticks, 64, &dec);
    if (style->integer_x) dec = 0;
    for (int i = 0; i < nx; i++) {
        if (style->integer_x && ticks[i] != floor(ticks[i])) continue;
        double px = round(yc_axes_px(a, ticks[i])) + 0.5;
        if (style->grid) {
            yc_set_color(c, yc_grid_grey);
            cairo_move_to(cr, px, a->top);
            cairo_line_to(cr, px, a->top + a->height);
            cairo_stroke(cr);
        }
        yc_set_color(c, yc_text_grey);
        cairo_move_to(cr, px, a->top + a->height);
        cairo_line_to(cr, px, a->top + a->height + 5);
        cairo_stroke(cr);
        snprintf(label, sizeof label, "%.*f", dec, ticks[i]);
        yc_text(c, px, a->top + a->height + 8, label, font, false, yc_text_grey, 0.5, 0, 0);
    }
    int ny = yc_nice_ticks(a->ymin, a->ymax, style->yticks, ticks, 64, &dec);
    double widest = 0;
    for (int i = 0; i < ny; i++) {
        double py = round(yc_axes_py(a, ticks[i])) + 0.5;
        if (style->grid) {
            yc_set_color(c, yc_grid_grey);
            cairo_move_to(cr, a->left, py);
            cairo_line_to(cr, a->left + a->width, py);
            cairo_stroke(cr);
        }
        yc_set_color(c, yc_text_grey);
        cairo_move_to(cr, a->left - 5, py);
        cairo_line_to(cr, a->left, py);
        cairo_stroke(cr);
        snprintf(label, sizeof label, "%.*f", dec, ticks[i]);
        double w = yc_text_width(c, label, font, false);
        if (w > widest) widest = w;
        yc_text(c, a->left - 8, py, label, font, false, yc_text_grey, 1, 0.5, 0);
    }
    /* frame */
    yc_set_color(c, (YcRgb){0.35, 0.35, 0.35});
    cairo_rectangle(cr, round(a->left) + 0.5, round(a->top) + 0.5, round(a->width), round(a->height));
    cairo_stroke(cr);
    if (title) yc_text(c, a->left + a->width / 2, a->top - 10, title, font + 2, true, yc_text_grey, 0.5, 1, 0);
    if (xlabel)
        yc_text(c, a->left + a->width / 2, a->top + a->height + 14 + font * 1.2, xlabel, font + 1, false, yc_text_grey,
                0.5, 0, 0);
    if (ylabel)
        yc_text(c, a->left - widest - 16, a->top + a->height / 2, ylabel, font + 1, false, yc_text_grey, 0.5, 1,
                M_PI / 2);
}

static void set_dash(cairo_t *cr, int dash, double width) {
    if (dash == 1) {
        double d[2] = {width * 0.1, width * 2.2};
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, d, 2, 0);
    } else if (dash == 2) {
        double d[2] = {width * 4, width * 2.5};
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_set_dash(cr, d, 2, 0);
    } else {
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

void yc_axes_line(YcCanvas *c, const YcAxes *a, const double *x, const double *y, int n, YcRgb color, double width,
                  int dash) {
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_rectangle(cr, a->left, a->top - width, a->width, a->height + 2 * width);
    cairo_clip(cr);
    /* Dense curves (1000-point PR curves): bevel joins and points closer than
     * half a pixel to the last one dropped draw the same picture much faster. */
    bool dense = n > 100;
    cairo_set_line_join(cr, dense ? CAIRO_LINE_JOIN_BEVEL : CAIRO_LINE_JOIN_ROUND);
    set_dash(cr, dash, width);
    cairo_set_line_width(cr, width);
    yc_set_color(c, color);
    bool pen = false;
    double last_x = 0, last_y = 0;
    int skipped = -1; /* index of the last point left out, if it still needs drawing */
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            if (skipped >= 0) cairo_line_to(cr, yc_axes_px(a, x[skipped]), yc_axes_py(a, y[skipped]));
            skipped = -1;
            pen = false;
            continue;
        }
        double px = yc_axes_px(a, x[i]), py = yc_axes_py(a, y[i]);
        if (pen && dense && fabs(px - last_x) < 0.5 && fabs(py - last_y) < 0.5) {
            skipped = i;
            continue;
        }
        if (pen) cairo_line_to(cr, px, py);
        else cairo_move_to(cr, px, py);
        if (n == 1) cairo_line_to(cr, px, py);
        pen = true;
        last_x = px, last_y = py;
        skipped = -1;
    }
    if (skipped >= 0) cairo_line_to(cr, yc_axes_px(a, x[skipped]), yc_axes_py(a, y[skipped]));
    cairo_stroke(cr);
    cairo_restore(cr);
}

void yc_axes_markers(YcCanvas *c, const YcAxes *a, const double *x, const double *y, int n, YcRgb color,
                     double radius) {
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_rectangle(cr, a->left - radius, a->top - radius, a->width + 2 * radius, a->height + 2 * radius);
    cairo_clip(cr);
    yc_set_color(c, color);
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, yc_axes_px(a, x[i]), yc_axes_py(a, y[i]), radius, 0, 2 * M_PI);
    }
    cairo_fill(cr);
    cairo_restore(cr);
}

double yc_legend(YcCanvas *c, double x, double y, const YcLegendEntry *entries, int n, double font, bool draw) {
    cairo_t *cr = c->cr;
    double sample = font * 2.2, pad = font * 0.6, row = font * 1.45;
    double text_w = 0;
    for (int i = 0; i < n; i++) {
        double w = yc_text_width(c, entries[i].label, font, false);
        if (w > text_w) text_w = w;
    }
    double box_w = pad * 3 + sample + text_w, box_h = pad * 2 + row * n - (row - font);
    if (!draw) return box_w;
    cairo_save(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_rectangle(cr, x, y, box_w, box_h);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    for (int i = 0; i < n; i++) {
        double cy = y + pad + row * i + font * 0.5;
        const YcLegendEntry *e = &entries[i];
        set_dash(cr, e->dash, e->width);
        cairo_set_line_width(cr, e->width);
        yc_set_color(c, e->color);
        cairo_move_to(cr, x + pad, cy);
        cairo_line_to(cr, x + pad + sample, cy);
        cairo_stroke(cr);
        if (e->marker) {
            cairo_arc(cr, x + pad + sample / 2, cy, e->width * 1.6, 0, 2 * M_PI);
            cairo_fill(cr);
        }
        yc_text(c, x + pad * 2 + sample, cy, e->label, font, false, yc_text_grey, 0, 0.5, 0);
    }
    set_dash(cr, 0, 1);
    cairo_restore(cr);
    return box_w;
}

void yc_smooth_gaussian(const double *y, int n, double sigma, double *out) {
    int radius = (int)(4.0 * sigma + 0.5);
    if (radius > 31) radius = 31;
    double kernel[63], total = 0;
    for (int k = -radius; k <= radius; k++) total += kernel[k + radius] = exp(-0.5 * k * k / (sigma * sigma));
    for (int k = 0; k <= 2 * radius; k++) kernel[k] /= total;
    long period = 2L * n;
    for (int i = 0; i < n; i++) {
        double acc = 0;
        for (int k = -radius; k <= radius; k++) {
            long j = (i + k) % period;
            if (j < 0) j += period;
            if (j >= n) j = period - 1 - j;
            acc += kernel[k + radius] * y[j];
        }
        out[i] = acc;
    }
}

void yc_smooth_box(const double *y, int n, double f, double *out) {
    /* the reference's window: round(2 n f) // 2 + 1 points (odd for 1000 points,
     * even for some n, then one more on the left); nearbyint rounds half to even as Python does */
    int nf = (int)nearbyint(n * f * 2) / 2 + 1;
    int half = nf / 2;
    for (int i = 0; i < n; i++) {
        double acc = 0;
        for (int k = -half; k < nf - half; k++) {
            int j = i + k;
            acc += y[j < 0 ? 0 : j >= n ? n - 1 : j];
        }
        out[i] = acc / nf;
    }
}
