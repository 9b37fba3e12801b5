/* Image grids with boxes (see plot.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plot_canvas.h"

#define MAX_IMAGES 16
#define MAX_SIDE 1600.0

/* One image (3 x h x w planes) as a cairo RGB24 surface. */
static cairo_surface_t *image_surface(const uint8_t *chw, int h, int w) {
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) return s;
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    size_t plane = (size_t)h * (size_t)w;
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
        const uint8_t *r = chw + (size_t)y * w, *g = r + plane, *b = g + plane;
        for (int x = 0; x < w; x++) row[x] = (uint32_t)r[x] << 16 | (uint32_t)g[x] << 8 | b[x];
    }
    cairo_surface_mark_dirty(s);
    return s;
}

/* A filled label at the box's top-left corner, kept inside the image cell. */
static void box_label(YcCanvas *c, double x, double y, double cell_left, double cell_top, double cell_right,
                      const char *text, double font, YcRgb color) {
    double tw = yc_text_width(c, text, font, false);
    double th = font * 1.25, pad = font * 0.25;
    double ty = y - th;
    if (ty < cell_top) ty = y; /* no room above the box: put it inside */
    if (x + tw + 2 * pad > cell_right) x = cell_right - tw - 2 * pad;
    if (x < cell_left) x = cell_left;
    yc_set_color(c, color);
    cairo_rectangle(c->cr, x, ty, tw + 2 * pad, th);
    cairo_fill(c->cr);
    yc_text(c, x + pad, ty + th / 2, text, font, false, yc_contrast_text(color), 0, 0.5, 0);
}

int yc_plot_image_grid(const YcImageBatch *b, YcPng *out, YcErr *err) {
    if (b->n <= 0 || b->h <= 0 || b->w <= 0 || !b->images)
        return yc_err(err, "image grid: no images (n=%d, %dx%d)", b->n, b->h, b->w);
    int bs = b->n < MAX_IMAGES ? b->n : MAX_IMAGES;
    int ns = (int)ceil(sqrt((double)bs));
    double scale = MAX_SIDE / (ns * (double)(b->h > b->w ? b->h : b->w));
    if (scale > 1) scale = 1;
    int cw = (int)ceil(b->w * scale), ch = (int)ceil(b->h * scale);
    YcCanvas c;
    if (yc_canvas_init(&c, cw * ns, ch * ns, err)) return -1;
    cairo_t *cr = c.cr;
    double font = fmin(20, fmax(11, (cw + ch) * 0.5 * 0.03 * (ns > 2 ? 1.3 : 1)));
    double line = fmax(1.5, font / 8);
    size_t image_size = (size_t)3 * b->h * b->w;
    for (int i = 0; i < bs; i++) {
        double ox = (double)cw * (i / ns), oy = (double)ch * (i % ns);
        cairo_surface_t *img = image_surface(b->images + image_size * i, b->h, b->w);
        if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(img);
            yc_canvas_free(&c);
            return yc_err(err, "image grid: cannot make a %dx%d image", b->w, b->h);
        }
        cairo_save(cr);
        cairo_rectangle(cr, ox, oy, cw, ch);
        cairo_clip(cr);
        cairo_save(cr);
        cairo_translate(cr, ox, oy);
        cairo_scale(cr, (double)cw / b->w, (double)ch / b->h);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_surface_destroy(img);
        /* boxes, then their labels on top */
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < b->count; j++) {
                const float *r = b->boxes + (size_t)j * 6;
                if ((int)r[0] != i) continue;
                if (b->conf && !(b->conf[j] > b->conf_threshold)) continue;
                int cls = (int)r[1];
                double x0 = ox + (r[2] - r[4] / 2) * cw, y0 = oy + (r[3] - r[5] / 2) * ch;
                double bw = r[4] * cw, bh = r[5] * ch;
                if (!isfinite(x0) || !isfinite(y0) || !isfinite(bw) || !isfinite(bh)) continue;
                YcRgb color = yc_class_color(cls);
                if (pass == 0) {
                    yc_set_color(&c, color);
                    cairo_set_line_width(cr, line);
                    cairo_rectangle(cr, x0, y0, bw, bh);
                    cairo_stroke(cr);
                    continue;
                }
                char text[160];
                const char *name = (b->names && cls >= 0 && cls < b->nc) ? b->names[cls] : NULL;
                char number[16];
                snprintf(number, sizeof number, "%d", cls);
                if (b->conf) snprintf(text, sizeof text, "%.60s %.2f", name ? name : number, b->conf[j]);
                else snprintf(text, sizeof text, "%.60s", name ? name : number);
                box_label(&c, x0 - line / 2, y0 - line / 2, ox, oy, ox + cw, text, font * 0.8, color);
            }
        if (b->paths && b->paths[i]) {
            const char *base = strrchr(b->paths[i], '/');
            char name[48];
            snprintf(name, sizeof name, "%.40s", base ? base + 1 : b->paths[i]);
            yc_text(&c, ox + 6, oy + 6 + 1, name, font * 0.75, false, yc_black, 0, 0, 0);
            yc_text(&c, ox + 5, oy + 6, name, font * 0.75, false, (YcRgb){0.86, 0.86, 0.86}, 0, 0, 0);
        }
        cairo_restore(cr);
        /* white border */
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 2);
        cairo_rectangle(cr, ox + 1, oy + 1, cw - 2, ch - 2);
        cairo_stroke(cr);
    }
    int rc = yc_canvas_to_png(&c, out, err);
    yc_canvas_free(&c);
    return rc;
}
