/* Draws the kernelspec logos share/kernelspec/yoloc/logo-{32x32,64x64}.png
 * with cairo: a detection box with its label tab around a "C", on a dark
 * rounded square. Run by tools/kernel-logo.sh; the PNGs are committed. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>

static void rounded(cairo_t *cr, double x, double y, double w, double h, double r) {
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

static int draw(int size, const char *path) {
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cairo_t *cr = cairo_create(s);
    double u = size / 64.0; /* drawn on a 64-unit grid */
    cairo_scale(cr, u, u);
    /* background */
    rounded(cr, 1, 1, 62, 62, 12);
    cairo_set_source_rgb(cr, 0.09, 0.16, 0.33);
    cairo_fill(cr);
    /* the detection box */
    cairo_set_line_width(cr, 4);
    cairo_set_source_rgb(cr, 1.0, 0.62, 0.10);
    cairo_rectangle(cr, 12, 17, 40, 36);
    cairo_stroke(cr);
    /* its label tab */
    cairo_rectangle(cr, 10, 7, 26, 12);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.09, 0.16, 0.33);
    cairo_rectangle(cr, 14, 11, 14, 4);
    cairo_fill(cr);
    /* the C */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 6);
    cairo_arc(cr, 32, 35, 10, M_PI / 4, 2 * M_PI - M_PI / 4);
    cairo_stroke(cr);
    cairo_destroy(cr);
    cairo_status_t st = cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "kernel-logo: %s: %s\n", path, cairo_status_to_string(st));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "share/kernelspec/yoloc";
    char p32[4096], p64[4096];
    snprintf(p32, sizeof p32, "%s/logo-32x32.png", dir);
    snprintf(p64, sizeof p64, "%s/logo-64x64.png", dir);
    return draw(32, p32) || draw(64, p64);
}
