/* PNG through libpng (used by image_decode.c). */
#ifndef YC_IMAGE_PNG_H
#define YC_IMAGE_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "image.h"

/* Size and channel count from the IHDR chunk. */
int yc_png_probe(const uint8_t *data, size_t size, int *w, int *h, int *channels, YcErr *err);

/* Walks every chunk checking lengths and CRCs up to IEND, without inflating
 * the pixels (what the reference's verify step checks). */
int yc_png_verify(const uint8_t *data, size_t size, YcErr *err);

/* Decodes to 8-bit RGB: palette expanded, gray replicated, 16-bit samples
 * reduced to their high byte, alpha dropped. */
int yc_png_decode(const uint8_t *data, size_t size, YcImage *out, YcErr *err);

#endif
