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

/* A 3-channel image assembled from rectangles of other images without
 * copying them (the mosaic): canvas pixel (x, y) comes from the part whose
 * rectangle [x0, x1) x [y0, y1) holds it, else it is `fill`. Parts must not
 * overlap; their images must come from yc_image_alloc (the warps read a few
 * bytes past a rectangle's last pixel). */
typedef struct YcCanvasPart {
    int x0, y0, x1, y1;
    const uint8_t *data;   /* the pixel at canvas (x0, y0) */
    int stride;            /* bytes per row of the part's image */
} YcCanvasPart;

typedef struct YcCanvas {
    int w, h;
    int nparts;
    YcCanvasPart part[4];
    uint8_t fill;
} YcCanvas;

/* A canvas that is just the image (3 channels). */
void yc_canvas_of_image(const YcImage *im, YcCanvas *c);
/* Materialises a canvas into an image (allocated here). */
int yc_canvas_render(const YcCanvas *c, YcImage *out, YcErr *err);

/* Allocates h*w*c bytes (uninitialised, plus a few spare bytes the vector
 * kernels may read past the last pixel). Errors on non-positive or huge sizes. */
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

/* The same, decoding into buf (cap bytes, malloc'd) when the pixels fit
 * (with the spare bytes); out->data == buf tells that it was used, else the
 * caller still owns buf. Saves the allocator's page faults on big images. */
int yc_image_read_into(const char *path, uint8_t *buf, size_t cap, YcImage *out, YcErr *err);
/* Bytes yc_image_alloc reserves for an image (pixels plus the spare bytes). */
size_t yc_image_alloc_bytes(int h, int w, int c);

/* EXIF orientation (1..8) from a JPEG's APP1 segment; 1 when absent or unreadable. */
int yc_jpeg_exif_orientation(const uint8_t *data, size_t size);

/* Applies an EXIF orientation to src, writing a new image (dst is allocated). */
int yc_image_orient(const YcImage *src, int orientation, YcImage *dst, YcErr *err);

#endif
