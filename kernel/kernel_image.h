/* The type and pixel size of a PNG or JPEG from its first bytes (for the
 * width/height metadata of inline images). */
#ifndef YC_KERNEL_IMAGE_H
#define YC_KERNEL_IMAGE_H

#include <stddef.h>

typedef struct YcImageInfo {
    const char *mime;  /* image/png or image/jpeg */
    int width, height;
} YcImageInfo;

/* Returns -1 when the bytes are neither a PNG nor a JPEG with a readable size. */
int yc_image_sniff(const void *bytes, size_t size, YcImageInfo *info);

#endif
