#include "kernel_image.h"

#include <string.h>

static unsigned be32(const unsigned char *p) { return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3]; }
static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

int yc_image_sniff(const void *bytes, size_t size, YcImageInfo *info) {
    const unsigned char *p = bytes;
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (size >= 24 && memcmp(p, png_sig, 8) == 0 && memcmp(p + 12, "IHDR", 4) == 0) {
        unsigned w = be32(p + 16), h = be32(p + 20);
        if (w == 0 || h == 0 || w > 1000000 || h > 1000000) return -1;
        *info = (YcImageInfo){"image/png", (int)w, (int)h};
        return 0;
    }
    if (size >= 4 && p[0] == 0xFF && p[1] == 0xD8) {
        /* walk the segments to a start-of-frame marker */
        size_t i = 2;
        while (i + 4 <= size) {
            if (p[i] != 0xFF) return -1;
            unsigned char marker = p[i + 1];
            if (marker == 0xFF) { /* fill byte */
                i++;
                continue;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                i += 2;
                continue;
            }
            unsigned len = be16(p + i + 2);
            if (len < 2) return -1;
            int sof = (marker >= 0xC0 && marker <= 0xCF) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (i + 9 > size) return -1;
                unsigned h = be16(p + i + 5), w = be16(p + i + 7);
                if (w == 0 || h == 0) return -1;
                *info = (YcImageInfo){"image/jpeg", (int)w, (int)h};
                return 0;
            }
            if (marker == 0xD9 || marker == 0xDA) return -1; /* end or scan data before a frame header */
            i += 2 + len;
        }
    }
    return -1;
}
