/* Detections drawn on an image (see plot.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plot_canvas.h"

int yc_detections_line_width(int h, int w) {
    int lw = (int)lround((h + w + 3) / 2.0 * 0.003);
    return lw > 2 ? lw : 2;
}

static void copy_in(const uint8_t *rgb, int h, int w, unsigned char *data, int stride) {
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
        const uint8_t *p = rgb + (size_t)y * w * 3;
        for (int x = 0; x < w; x++, p += 3) row[x] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    }
}

static void copy_out(const unsigned char *data, int stride, int h, int w, uint8_t *rgb) {
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        uint8_t *p = rgb + (size_t)y * w * 3;
        for (int x = 0; x < w; x++, p += 3) {
            p[0] = (uint8_t)(row[x] >> 16);
            p[1] = (uint8_t)(row[x] >> 8);
            p[2] = (uint8_t)row[x];
        }
    }
}

/* The label box: above the box's top-left corner when it fits, else just
 * inside; moved left so it stays in the image. */
static void draw_label(YcCanvas *c, double x, double y, const char *text, double font, YcRgb color) {
    double pad = font * 0.2;
    double tw = yc_text_width(c, text, font, false) + 2 * pad, th = font * 1.1 + pad;
    bool outside = y >= th;
    if (x > c->width - tw) x = c->width - tw;
    if (x < 0) x = 0;
    double top = outside ? y - th : y;
    yc_set_color(c, color);
    cairo_rectangle(c->cr, x, top, tw, th);
    cairo_fill(c->cr);
    yc_text(c, x + pad, top + th / 2, text, font, false, yc_contrast_text(color), 0, 0.5, 0);
}

int yc_plot_detections(const YcDetectionsImage *d, YcErr *err) {
    if (!d->rgb || d->h <= 0 || d->w <= 0) return yc_err(err, "annotate: no image (%dx%d)", d->w, d->h);
    if (d->n < 0 || (d->n > 0 && !d->dets)) return yc_err(err, "annotate: bad detections (%d)", d->n);
    if (!d->boxes || d->n == 0) return 0; /* nothing to draw */
    YcCanvas c = {0};
    c.surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, d->w, d->h);
    if (cairo_surface_status(c.surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(c.surface);
        return yc_err(err, "annotate: cannot make a %dx%d image", d->w, d->h);
    }
    c.width = d->w;
    c.height = d->h;
    cairo_surface_flush(c.surface);
    unsigned char *data = cairo_image_surface_get_data(c.surface);
    int stride = cairo_image_surface_get_stride(c.surface);
    copy_in(d->rgb, d->h, d->w, data, stride);
    cairo_surface_mark_dirty(c.surface);
    c.cr = cairo_create(c.surface);
    double lw = d->line_width > 0 ? d->line_width : yc_detections_line_width(d->h, d->w);
    /* the reference's OpenCV text: scale lw / 3 of a ~22 px font */
    double font = fmax(9.0, lw * 7.0);
    /* rows come sorted by confidence (highest first): draw the lowest first */
    for (int i = d->n - 1; i >= 0; i--) {
        const float *r = d->dets + (size_t)i * 6;
        if (!isfinite(r[0]) || !isfinite(r[1]) || !isfinite(r[2]) || !isfinite(r[3])) continue;
        int cls = (int)r[5];
        YcRgb color = yc_class_color(cls);
        double x1 = (int)r[0], y1 = (int)r[1], x2 = (int)r[2], y2 = (int)r[3]; /* integer corners, as drawn by the reference */
        yc_set_color(&c, color);
        cairo_set_line_width(c.cr, lw);
        cairo_rectangle(c.cr, x1, y1, x2 - x1, y2 - y1);
        cairo_stroke(c.cr);
        if (!d->labels) continue;
        char number[16], text[192];
        snprintf(number, sizeof number, "%d", cls);
        const char *name = d->names && cls >= 0 && cls < d->nc && d->names[cls] ? d->names[cls] : number;
        if (d->conf) snprintf(text, sizeof text, "%.150s %.2f", name, r[4]);
        else snprintf(text, sizeof text, "%.150s", name);
        draw_label(&c, x1 - lw / 2, y1 - lw / 2, text, font, color);
    }
    int rc = 0;
    if (cairo_status(c.cr) != CAIRO_STATUS_SUCCESS)
        rc = yc_err(err, "annotate: drawing failed: %s", cairo_status_to_string(cairo_status(c.cr)));
    cairo_surface_flush(c.surface);
    if (rc == 0) copy_out(data, stride, d->h, d->w, d->rgb);
    yc_canvas_free(&c);
    return rc;
}
