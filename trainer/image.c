/* YcImage storage and format sniffing. */
#include <stdlib.h>
#include <string.h>

#include "image.h"

int yc_image_alloc(YcImage *im, int h, int w, int c, YcErr *err) {
    im->data = NULL;
    im->h = im->w = im->c = 0;
    if (h <= 0 || w <= 0 || c <= 0 || c > 4) return yc_err(err, "invalid image size %dx%dx%d", w, h, c);
    if ((long long)h * w > YC_IMAGE_MAX_PIXELS)
        return yc_err(err, "image too large (%dx%d pixels, limit %lld)", w, h, YC_IMAGE_MAX_PIXELS);
    /* spare bytes: the vector kernels read whole words at the last pixel */
    im->data = malloc(yc_image_alloc_bytes(h, w, c));
    if (!im->data) return yc_err(err, "out of memory for a %dx%d image", w, h);
    im->h = h;
    im->w = w;
    im->c = c;
    return 0;
}

size_t yc_image_alloc_bytes(int h, int w, int c) {
    return (size_t)h * (size_t)w * (size_t)c + 32;
}

void yc_image_free(YcImage *im) {
    if (!im) return;
    free(im->data);
    im->data = NULL;
    im->h = im->w = im->c = 0;
}

void yc_image_fill(YcImage *im, uint8_t value) {
    memset(im->data, value, yc_image_bytes(im));
}

size_t yc_image_bytes(const YcImage *im) {
    return (size_t)im->h * (size_t)im->w * (size_t)im->c;
}

const char *yc_image_format_name(YcImageFormat format) {
    switch (format) {
    case YC_FMT_JPEG: return "JPEG";
    case YC_FMT_PNG: return "PNG";
    case YC_FMT_BMP: return "BMP";
    case YC_FMT_TIFF: return "TIFF";
    case YC_FMT_WEBP: return "WebP";
    case YC_FMT_GIF: return "GIF";
    default: return "unknown";
    }
}

YcImageFormat yc_image_sniff(const uint8_t *d, size_t n) {
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return YC_FMT_JPEG;
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return YC_FMT_PNG;
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') return YC_FMT_BMP;
    if (n >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0)) return YC_FMT_TIFF;
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) return YC_FMT_WEBP;
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) return YC_FMT_GIF;
    return YC_FMT_UNKNOWN;
}

void yc_canvas_of_image(const YcImage *im, YcCanvas *c) {
    memset(c, 0, sizeof *c);
    c->w = im->w;
    c->h = im->h;
    c->nparts = 1;
    c->part[0] = (YcCanvasPart){0, 0, im->w, im->h, im->data, im->w * 3};
    c->fill = 114;
}

int yc_canvas_render(const YcCanvas *c, YcImage *out, YcErr *err) {
    if (yc_image_alloc(out, c->h, c->w, 3, err)) return -1;
    yc_image_fill(out, c->fill);
    for (int i = 0; i < c->nparts; i++) {
        const YcCanvasPart *p = &c->part[i];
        size_t row = (size_t)(p->x1 - p->x0) * 3;
        for (int y = p->y0; y < p->y1; y++)
            memcpy(out->data + ((size_t)y * c->w + p->x0) * 3, p->data + (size_t)(y - p->y0) * p->stride, row);
    }
    return 0;
}
