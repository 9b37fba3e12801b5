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
    size_t bytes = (size_t)h * (size_t)w * (size_t)c;
    im->data = malloc(bytes);
    if (!im->data) return yc_err(err, "out of memory for a %dx%d image", w, h);
    im->h = h;
    im->w = w;
    im->c = c;
    return 0;
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
