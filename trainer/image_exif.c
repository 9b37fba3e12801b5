/* EXIF orientation: reading tag 0x0112 from a JPEG's APP1 "Exif" segment
 * (TIFF layout, either byte order) and applying it to decoded pixels the way
 * OpenCV's reader does. */
#include <stdlib.h>
#include <string.h>

#include "image.h"

static unsigned read16(const uint8_t *p, bool little) {
    return little ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t read32(const uint8_t *p, bool little) {
    return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                  : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Orientation from a TIFF block (the Exif payload after "Exif\0\0"); 1 if absent. */
static int tiff_orientation(const uint8_t *tiff, size_t size) {
    if (size < 8) return 1;
    bool little;
    if (tiff[0] == 'I' && tiff[1] == 'I') little = true;
    else if (tiff[0] == 'M' && tiff[1] == 'M') little = false;
    else return 1;
    if (read16(tiff + 2, little) != 42) return 1;
    uint32_t ifd = read32(tiff + 4, little);
    if (ifd > size || size - ifd < 2) return 1;
    unsigned count = read16(tiff + ifd, little);
    const uint8_t *entry = tiff + ifd + 2;
    for (unsigned i = 0; i < count; i++, entry += 12) {
        if ((size_t)(entry - tiff) + 12 > size) return 1;
        unsigned tag = read16(entry, little);
        if (tag != 0x0112) continue;
        unsigned type = read16(entry + 2, little);
        unsigned value;
        if (type == 3) value = read16(entry + 8, little);       /* SHORT, stored in place */
        else if (type == 4) value = read32(entry + 8, little);  /* LONG: tolerated */
        else return 1;
        return value >= 1 && value <= 8 ? (int)value : 1;
    }
    return 1;
}

int yc_jpeg_exif_orientation(const uint8_t *data, size_t size) {
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return 1;
    size_t pos = 2;
    while (pos + 4 <= size) {
        if (data[pos] != 0xFF) return 1;          /* lost sync: no usable EXIF */
        uint8_t marker = data[pos + 1];
        if (marker == 0xFF) { pos++; continue; }  /* fill byte */
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { pos += 2; continue; }
        if (marker == 0xDA || marker == 0xD9) return 1; /* scan data or end: EXIF comes before */
        size_t len = (size_t)data[pos + 2] << 8 | data[pos + 3];
        if (len < 2 || pos + 2 + len > size) return 1;
        const uint8_t *seg = data + pos + 4;
        size_t seg_len = len - 2;
        if (marker == 0xE1 && seg_len >= 6 && memcmp(seg, "Exif\0\0", 6) == 0)
            return tiff_orientation(seg + 6, seg_len - 6);
        pos += 2 + len;
    }
    return 1;
}

/* Source pixel of destination (y, x) for each orientation; W, H are the source's size.
 * 2 mirror, 3 rotate 180, 4 flip vertical, 5 transpose, 6 rotate 90 clockwise,
 * 7 transverse, 8 rotate 90 counter-clockwise. */
static void source_of(int orientation, int y, int x, int W, int H, int *sy, int *sx) {
    switch (orientation) {
    case 2: *sy = y; *sx = W - 1 - x; break;
    case 3: *sy = H - 1 - y; *sx = W - 1 - x; break;
    case 4: *sy = H - 1 - y; *sx = x; break;
    case 5: *sy = x; *sx = y; break;
    case 6: *sy = H - 1 - x; *sx = y; break;
    case 7: *sy = H - 1 - x; *sx = W - 1 - y; break;
    case 8: *sy = x; *sx = W - 1 - y; break;
    default: *sy = y; *sx = x; break;
    }
}

int yc_image_orient(const YcImage *src, int orientation, YcImage *dst, YcErr *err) {
    bool swap = orientation >= 5 && orientation <= 8;
    int dh = swap ? src->w : src->h, dw = swap ? src->h : src->w, c = src->c;
    if (yc_image_alloc(dst, dh, dw, c, err)) return -1;
    for (int y = 0; y < dh; y++) {
        uint8_t *out = dst->data + (size_t)y * dw * c;
        for (int x = 0; x < dw; x++) {
            int sy, sx;
            source_of(orientation, y, x, src->w, src->h, &sy, &sx);
            memcpy(out + (size_t)x * c, src->data + ((size_t)sy * src->w + sx) * c, (size_t)c);
        }
    }
    return 0;
}
