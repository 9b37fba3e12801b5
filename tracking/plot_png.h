/* PNG encoding in memory with libpng, and saving a PNG atomically. Plots
 * render to a YcPng (the kernel sends the bytes to the notebook) or to a file. */
#ifndef YC_PLOT_PNG_H
#define YC_PLOT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct YcPng {
    unsigned char *data;   /* the encoded file, malloc'd */
    size_t size;
    int width, height;
} YcPng;

void yc_png_free(YcPng *png);

/* Encodes 8-bit RGB pixels (rows of width * 3 bytes, `stride` bytes apart). */
int yc_png_encode_rgb(const uint8_t *rgb, int width, int height, size_t stride, YcPng *out, YcErr *err);

/* Encodes 32-bit pixels 0x00RRGGBB in native byte order (cairo's RGB24 format). */
int yc_png_encode_xrgb32(const uint8_t *pixels, int width, int height, size_t stride, YcPng *out, YcErr *err);

/* Writes the bytes to path atomically (temp file, fsync, rename). */
int yc_png_save(const YcPng *png, const char *path, YcErr *err);

/* Decodes a PNG's header: width and height, or -1 if it is not a PNG. */
int yc_png_size(const unsigned char *data, size_t size, int *width, int *height);

#endif
