/* The reference's colour-space augmentation: RGB -> HSV with OpenCV's 8-bit
 * fixed-point formulas (hue in 0..179), a lookup table per channel built
 * from the gains exactly as the reference builds it (float64, numpy's
 * remainder and truncating casts), then HSV -> RGB with OpenCV's float
 * formulas. Flips live here too (the other per-pixel in-place operations). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "image_ops.h"

#define HSV_SHIFT 12

typedef struct HsvTables {
    int sdiv[256];
    int hdiv[256];
} HsvTables;

/* OpenCV's division tables for saturation and hue (rounded reciprocals). */
static void hsv_tables(HsvTables *t) {
    t->sdiv[0] = t->hdiv[0] = 0;
    for (int i = 1; i < 256; i++) {
        t->sdiv[i] = (int)lrint((255 << HSV_SHIFT) / (1. * i));
        t->hdiv[i] = (int)lrint((180 << HSV_SHIFT) / (6. * i));
    }
}

/* numpy's float remainder: the result takes the divisor's sign. */
static double py_mod(double a, double b) {
    double mod = fmod(a, b);
    if (mod != 0) {
        if ((b < 0) != (mod < 0)) mod += b;
    } else {
        mod = copysign(0.0, b);
    }
    return mod;
}

static uint8_t clip_trunc(double v) {
    if (v < 0) v = 0;
    if (v > 255) v = 255;
    return (uint8_t)v;
}

void yc_hsv_apply(YcImage *im, const double r[3]) {
    if (im->c != 3) return;
    uint8_t lut_h[256], lut_s[256], lut_v[256];
    for (int i = 0; i < 256; i++) {
        double x = i;
        lut_h[i] = (uint8_t)py_mod(x + r[0] * 180, 180);
        lut_s[i] = clip_trunc(x * (r[1] + 1));
        lut_v[i] = clip_trunc(x * (r[2] + 1));
    }
    lut_s[0] = 0;
    HsvTables t;
    hsv_tables(&t);

    /* Per hue value (0..255 after the table): the sector and the fraction
     * within it, computed as OpenCV computes them in float. */
    int sector_of[256];
    float frac_of[256];
    const float hscale = 6.0f / 180;
    for (int h = 0; h < 256; h++) {
        float hh = (float)h * hscale;
        hh = fmodf(hh, 6.f);
        int sector = (int)floorf(hh);
        hh -= (float)sector;
        if ((unsigned)sector >= 6u) sector = 0, hh = 0.f;
        sector_of[h] = sector;
        frac_of[h] = hh;
    }
    float unit[256];
    for (int i = 0; i < 256; i++) unit[i] = (float)i * (1.0f / 255.0f);
    /* which of tab[0..3] feeds r, g, b in each sector (OpenCV's table, RGB order) */
    static const int pick[6][3] = {{0, 3, 1}, {2, 0, 1}, {1, 0, 3}, {1, 2, 0}, {3, 1, 0}, {0, 1, 2}};

    uint8_t *p = im->data;
    size_t n = (size_t)im->h * im->w;
    for (size_t i = 0; i < n; i++, p += 3) {
        int r8 = p[0], g8 = p[1], b8 = p[2];
        int v = r8 > g8 ? r8 : g8;
        v = v > b8 ? v : b8;
        int vmin = r8 < g8 ? r8 : g8;
        vmin = vmin < b8 ? vmin : b8;
        int diff = v - vmin;
        int vr = v == r8 ? -1 : 0, vg = v == g8 ? -1 : 0;
        int s = (diff * t.sdiv[v] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
        int h = (vr & (g8 - b8)) + (~vr & ((vg & (b8 - r8 + 2 * diff)) + (~vg & (r8 - g8 + 4 * diff))));
        h = (h * t.hdiv[diff] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
        h += h < 0 ? 180 : 0;

        int H = lut_h[h];
        float S = unit[lut_s[s]], V = unit[lut_v[v]];
        float out[3];
        if (S == 0) {
            out[0] = out[1] = out[2] = V;
        } else {
            float f = frac_of[H];
            float tab[4] = {V, V * (1.f - S), V * (1.f - S * f), V * (1.f - S * (1.f - f))};
            const int *k = pick[sector_of[H]];
            out[0] = tab[k[0]];
            out[1] = tab[k[1]];
            out[2] = tab[k[2]];
        }
        for (int c = 0; c < 3; c++) {
            int q = (int)(out[c] * 255.0f); /* truncated, as the reference's OpenCV build (IPP) does */
            p[c] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
        }
    }
}

void yc_flip_lr(YcImage *im) {
    int w = im->w, c = im->c;
    for (int y = 0; y < im->h; y++) {
        uint8_t *row = im->data + (size_t)y * w * c;
        for (int a = 0, b = w - 1; a < b; a++, b--) {
            uint8_t *pa = row + (size_t)a * c, *pb = row + (size_t)b * c;
            for (int k = 0; k < c; k++) {
                uint8_t t = pa[k];
                pa[k] = pb[k];
                pb[k] = t;
            }
        }
    }
}

void yc_flip_ud(YcImage *im) {
    size_t stride = (size_t)im->w * im->c;
    uint8_t tmp[4096];
    for (int a = 0, b = im->h - 1; a < b; a++, b--) {
        uint8_t *ra = im->data + (size_t)a * stride, *rb = im->data + (size_t)b * stride;
        for (size_t o = 0; o < stride; o += sizeof tmp) {
            size_t n = stride - o < sizeof tmp ? stride - o : sizeof tmp;
            memcpy(tmp, ra + o, n);
            memcpy(ra + o, rb + o, n);
            memcpy(rb + o, tmp, n);
        }
    }
}
