/* Images in memory and their decoding: JPEG (libjpeg-turbo) and PNG (libpng)
 * to 8-bit RGB, EXIF orientation applied, the way the reference reads them
 * (OpenCV's imread with IMREAD_COLOR, then BGR->RGB): 1, 3 or 4 channels in,
 * always 3 channels out; 16-bit PNG samples keep their high byte; alpha is
 * dropped, not composited. */
#ifndef YC_IMAGE_H
#define YC_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Interleaved 8-bit pixels, row-major: data[(y * w + x) * c + k]. */
typedef struct YcImage {
    int h, w, c;
    uint8_t *data;
} YcImage;

/* Largest image we decode (pixels): the reference's decoder (PIL) refuses more. */
#define YC_IMAGE_MAX_PIXELS 178956970LL

typedef enum YcImageFormat {
    YC_FMT_UNKNOWN = 0,
    YC_FMT_JPEG,
    YC_FMT_PNG,
    YC_FMT_BMP,
    YC_FMT_TIFF,
    YC_FMT_WEBP,
    YC_FMT_GIF,
} YcImageFormat;

/* What the header says, without decoding the pixels. */
typedef struct YcImageInfo {
    YcImageFormat format;
    int w, h;             /* as stored */
    int channels;         /* components in the file (1, 2, 3, 4) */
    int orientation;      /* EXIF orientation 1..8 (1 = as stored; JPEG only) */
    int oriented_w, oriented_h; /* after the orientation is applied */
    bool jpeg_complete;   /* JPEG: the file ends with the end-of-image marker */
} YcImageInfo;

/* Allocates h*w*c bytes (uninitialised). Errors on non-positive or huge sizes. */
int yc_image_alloc(YcImage *im, int h, int w, int c, YcErr *err);
void yc_image_free(YcImage *im);
/* Sets every byte to value. */
void yc_image_fill(YcImage *im, uint8_t value);
size_t yc_image_bytes(const YcImage *im);

const char *yc_image_format_name(YcImageFormat format);
/* The format from the first bytes (magic numbers), not from the file name. */
YcImageFormat yc_image_sniff(const uint8_t *data, size_t size);

/* Reads the header (size, channels, EXIF orientation). Fails with a reason
 * for unsupported formats and broken headers. */
int yc_image_probe(const uint8_t *data, size_t size, YcImageInfo *info, YcErr *err);

/* Decodes to RGB with the EXIF orientation applied. strict: a decoder
 * warning (truncated data, corrupt entropy segment) is an error; otherwise the
 * decoder's best effort is returned, as the reference's reader does. */
int yc_image_decode(const uint8_t *data, size_t size, bool strict, YcImage *out, YcErr *err);

/* yc_image_decode on a whole file; errors name the file. */
int yc_image_read(const char *path, YcImage *out, YcErr *err);

/* EXIF orientation (1..8) from a JPEG's APP1 segment; 1 when absent or unreadable. */
int yc_jpeg_exif_orientation(const uint8_t *data, size_t size);

/* Applies an EXIF orientation to src, writing a new image (dst is allocated). */
int yc_image_orient(const YcImage *src, int orientation, YcImage *dst, YcErr *err);

#endif
