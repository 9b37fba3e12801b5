/* PNG encoding through libpng into a growing memory buffer (see plot_png.h).
 * Plots are mostly flat colour: zlib's fastest level without row filters
 * compresses them about as well as the defaults (within ~20%), several
 * times faster; deflate is still half of a plot's time. */
#include "plot_png.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

typedef struct MemSink {
    unsigned char *data;
    size_t size, cap;
    int failed;
} MemSink;

static void sink_write(png_structp png, png_bytep bytes, png_size_t n) {
    MemSink *s = png_get_io_ptr(png);
    if (s->failed) return;
    if (s->size + n > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->size + n) cap *= 2;
        unsigned char *bigger = realloc(s->data, cap);
        if (!bigger) {
            s->failed = 1;
            return;
        }
        s->data = bigger;
        s->cap = cap;
    }
    memcpy(s->data + s->size, bytes, n);
    s->size += n;
}

static void sink_flush(png_structp png) { (void)png; }

void yc_png_free(YcPng *png) {
    free(png->data);
    memset(png, 0, sizeof *png);
}

/* Rows come from a callback so that both pixel layouts share one encoder. */
typedef void (*RowFn)(const uint8_t *src, int width, uint8_t *rgb);

static void row_rgb(const uint8_t *src, int width, uint8_t *rgb) { memcpy(rgb, src, (size_t)width * 3); }

static void row_xrgb32(const uint8_t *src, int width, uint8_t *rgb) {
    const uint32_t *px = (const uint32_t *)(const void *)src;
    for (int x = 0; x < width; x++) {
        uint32_t v = px[x];
        rgb[3 * x] = (uint8_t)(v >> 16);
        rgb[3 * x + 1] = (uint8_t)(v >> 8);
        rgb[3 * x + 2] = (uint8_t)v;
    }
}

static int encode(const uint8_t *pixels, int width, int height, size_t stride, RowFn row_fn, YcPng *out,
                  YcErr *err) {
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0) return yc_err(err, "png: empty image (%dx%d)", width, height);
    MemSink sink = {0};
    uint8_t *row = malloc((size_t)width * 3);
    if (!row) return yc_err(err, "png: out of memory");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return yc_err(err, "png: cannot start libpng");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(sink.data);
        return yc_err(err, "png: libpng failed encoding a %dx%d image", width, height);
    }
    png_set_write_fn(png, &sink, sink_write, sink_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 1);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) {
        row_fn(pixels + (size_t)y * stride, width, row);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (sink.failed) {
        free(sink.data);
        return yc_err(err, "png: out of memory");
    }
    out->data = sink.data;
    out->size = sink.size;
    out->width = width;
    out->height = height;
    return 0;
}

int yc_png_encode_rgb(const uint8_t *rgb, int width, int height, size_t stride, YcPng *out, YcErr *err) {
    return encode(rgb, width, height, stride, row_rgb, out, err);
}

int yc_png_encode_xrgb32(const uint8_t *pixels, int width, int height, size_t stride, YcPng *out, YcErr *err) {
    return encode(pixels, width, height, stride, row_xrgb32, out, err);
}

int yc_png_save(const YcPng *png, const char *path, YcErr *err) {
    return yc_write_file_atomic(path, png->data, png->size, err);
}

int yc_png_size(const unsigned char *d, size_t size, int *width, int *height) {
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (size < 24 || memcmp(d, sig, 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0) return -1;
    *width = (int)((uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19]);
    *height = (int)((uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23]);
    return 0;
}
