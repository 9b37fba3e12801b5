/* PNG decoding through libpng's progressive-free read API with transforms
 * matching OpenCV's IMREAD_COLOR behaviour. */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_png.h"

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int yc_png_probe(const uint8_t *data, size_t size, int *w, int *h, int *channels, YcErr *err) {
    if (size < 33 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0) return yc_err(err, "truncated PNG header");
    if (be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0) return yc_err(err, "corrupt PNG header (no IHDR)");
    uint32_t width = be32(data + 16), height = be32(data + 20);
    int color_type = data[25];
    if (width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff)
        return yc_err(err, "invalid PNG size %ux%u", width, height);
    *w = (int)width;
    *h = (int)height;
    switch (color_type) {
    case 0: *channels = 1; break;
    case 2: *channels = 3; break;
    case 3: *channels = 3; break;
    case 4: *channels = 2; break;
    case 6: *channels = 4; break;
    default: return yc_err(err, "invalid PNG colour type %d", color_type);
    }
    return 0;
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n) {
    static const uint32_t poly = 0xEDB88320u;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (poly & (0u - (crc & 1u)));
    }
    return crc;
}

int yc_png_verify(const uint8_t *data, size_t size, YcErr *err) {
    if (size < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0) return yc_err(err, "not a PNG file");
    size_t pos = 8;
    while (pos + 12 <= size) {
        uint32_t len = be32(data + pos);
        if (len > 0x7fffffffu || len > size - pos - 12) return yc_err(err, "truncated PNG (chunk at byte %zu)", pos);
        const uint8_t *type = data + pos + 4;
        uint32_t want = be32(data + pos + 8 + len);
        uint32_t got = crc_update(0xFFFFFFFFu, type, 4 + (size_t)len) ^ 0xFFFFFFFFu;
        if (got != want) return yc_err(err, "broken PNG file (CRC error in chunk %.4s)", (const char *)type);
        if (memcmp(type, "IEND", 4) == 0) return 0;
        pos += 12 + len;
    }
    return yc_err(err, "truncated PNG (no IEND chunk)");
}

typedef struct PngSource {
    const uint8_t *data;
    size_t size, pos;
} PngSource;

typedef struct PngFail {
    jmp_buf jump;
    char msg[256];
} PngFail;

static void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
    PngSource *src = png_get_io_ptr(png);
    if (n > src->size - src->pos) png_error(png, "truncated PNG data");
    memcpy(out, src->data + src->pos, n);
    src->pos += n;
}

static void png_on_error(png_structp png, png_const_charp msg) {
    PngFail *fail = png_get_error_ptr(png);
    snprintf(fail->msg, sizeof fail->msg, "%s", msg);
    longjmp(fail->jump, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg; /* benign: ancillary-chunk problems, as OpenCV ignores them */
}

/* Everything that must survive a longjmp lives in this struct (not in locals). */
typedef struct PngJob {
    png_structp png;
    png_infop info;
    png_bytep *rows;
    YcImage image;
} PngJob;

int yc_png_decode(const uint8_t *data, size_t size, YcImage *out, YcErr *err) {
    int w, h, channels;
    if (yc_png_probe(data, size, &w, &h, &channels, err)) return -1;
    if ((long long)w * h > YC_IMAGE_MAX_PIXELS)
        return yc_err(err, "image too large (%dx%d pixels, limit %lld)", w, h, YC_IMAGE_MAX_PIXELS);
    PngFail fail = {0};
    PngSource src = {data, size, 0};
    PngJob *job = calloc(1, sizeof *job);
    if (!job) return yc_err(err, "out of memory");
    job->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &fail, png_on_error, png_on_warning);
    if (!job->png) {
        free(job);
        return yc_err(err, "cannot start the PNG decoder");
    }
    job->info = png_create_info_struct(job->png);
    if (!job->info) {
        png_destroy_read_struct(&job->png, NULL, NULL);
        free(job);
        return yc_err(err, "cannot start the PNG decoder");
    }
    if (setjmp(fail.jump)) {
        yc_err(err, "corrupt PNG: %s", fail.msg);
        png_destroy_read_struct(&job->png, &job->info, NULL);
        free(job->rows);
        yc_image_free(&job->image);
        free(job);
        return -1;
    }
    png_set_read_fn(job->png, &src, png_read_mem);
    png_set_user_limits(job->png, 0x7fffffff, 0x7fffffff);
    png_read_info(job->png, job->info);
    int color_type = png_get_color_type(job->png, job->info);
    int depth = png_get_bit_depth(job->png, job->info);
    png_set_expand(job->png); /* palette -> RGB, low-bit gray -> 8 bits, tRNS -> alpha */
    if (depth == 16) png_set_strip_16(job->png);
    png_set_strip_alpha(job->png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(job->png);
    png_set_interlace_handling(job->png);
    png_read_update_info(job->png, job->info);
    if (png_get_rowbytes(job->png, job->info) != (size_t)w * 3) png_error(job->png, "unexpected row layout");
    YcErr alloc_err;
    if (yc_image_alloc(&job->image, h, w, 3, &alloc_err)) png_error(job->png, "out of memory for the pixels");
    job->rows = malloc(sizeof(png_bytep) * (size_t)h);
    if (!job->rows) png_error(job->png, "out of memory");
    for (int y = 0; y < h; y++) job->rows[y] = job->image.data + (size_t)y * w * 3;
    png_read_image(job->png, job->rows);
    png_read_end(job->png, NULL);
    png_destroy_read_struct(&job->png, &job->info, NULL);
    free(job->rows);
    *out = job->image;
    free(job);
    return 0;
}
