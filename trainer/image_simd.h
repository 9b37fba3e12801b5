/* Hot per-pixel kernels with an AVX2 version picked at run time. Each AVX2
 * kernel performs the same single-precision operations in the same order as
 * its scalar twin (no fused multiply-add, round half to even), so results
 * are identical bit for bit whichever runs; tests check that. */
#ifndef YC_IMAGE_SIMD_H
#define YC_IMAGE_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* True when the CPU has AVX2 and YOLOC_NO_SIMD is not set in the environment. */
bool yc_simd_avx2(void);

/* Round half to even for 0 <= v < 2^22 (values above 255 saturate, below 0 give 0). */
static inline uint8_t yc_round_u8(float v) {
    if (!(v > 0.f)) return 0;
    if (v >= 255.f) return 255;
    float t = v + 12582912.0f; /* 1.5 * 2^23: the sum's last bit is the rounded value */
    return (uint8_t)(int)(t - 12582912.0f);
}

/* The inverse affine matrix in single precision, as the warps use it. */
void yc_affine_inverse_f(const double M[6], float m[6]);

/* Affine warp of a 3-channel canvas into dw x dh pixels; channel k of
 * pixel (x, y) goes to dst[k * plane + (y * dw + x) * step] (planar: plane =
 * dw*dh, step 1; interleaved: plane 1, step 3). m is the inverse matrix.
 * The AVX2 kernel writes planar output. */
void yc_warp3_scalar(const YcCanvas *src, const float m[6], uint8_t border, int dw, int y0, int y1, uint8_t *dst,
                     size_t plane, size_t step);
/* hsv: the HSV augmentation applied on the way out (NULL: none). */
typedef struct YcHsvTables YcHsvTables;
void yc_warp3_avx2(const YcCanvas *src, const float m[6], uint8_t border, int dw, int dh, const YcHsvTables *hsv,
                   uint8_t *dst);

/* One canvas pixel's channel k: the part holding it, else the fill. */
static inline uint8_t yc_canvas_at(const YcCanvas *c, int x, int y, int k) {
    for (int i = 0; i < c->nparts; i++) {
        const YcCanvasPart *p = &c->part[i];
        if (x >= p->x0 && x < p->x1 && y >= p->y0 && y < p->y1)
            return p->data[(size_t)(y - p->y0) * p->stride + (size_t)(x - p->x0) * 3 + k];
    }
    return c->fill;
}

/* Per-sample tables of the HSV augmentation (built from the gains). */
struct YcHsvTables {
    int32_t sdiv[256], hdiv[256];
    float hue[256];        /* by hue before the table: 6 * lut_h[h] / 180 reduced mod 6 (sector + fraction) */
    int32_t sector[256];   /* its integer part */
    float frac[256];       /* and the fraction */
    float sat[256], val[256]; /* lut_s / lut_v as fractions of 255 */
    double gain_s, gain_v; /* the tables' factors (r + 1) */
    float gain_s_f, gain_v_f; /* the same in single precision ... */
    bool sat_float, val_float; /* ... when they give every table entry exactly (checked for all 256) */
    uint8_t gray[2][256];  /* output of a gray pixel (r = g = b = v), truncated [0] / rounded [1] */
    int32_t pick[3][8];    /* per output channel (R, G, B): which tab value each sector uses */
};

void yc_hsv_tables(const double gains[3], YcHsvTables *t);
/* OpenCV converts HSV back to 8 bits in runs of 32 pixels per row that
 * truncate, and rounds (half to even) the rest of the row: pixels at x >=
 * yc_hsv_trunc_width(w) round. */
static inline int yc_hsv_trunc_width(int w) {
    return w - w % 32;
}

/* The HSV augmentation on a w x h interleaved RGB image (scalar only). */
void yc_hsv_interleaved_scalar(const YcHsvTables *t, uint8_t *rgb, int w, int h);
/* ... on n pixels of one row held as planes r, g, b, all truncating or all rounding. */
void yc_hsv_span_scalar(const YcHsvTables *t, uint8_t *r, uint8_t *g, uint8_t *b, size_t n, bool round);
/* ... on three planes of w x h (R, G, B). */
void yc_hsv_planes_scalar(const YcHsvTables *t, uint8_t *r, uint8_t *g, uint8_t *b, int w, int h);
void yc_hsv_planes_avx2(const YcHsvTables *t, uint8_t *r, uint8_t *g, uint8_t *b, int w, int h);

/* Reverses each row of a w-wide plane of h rows in place. */
void yc_reverse_rows_scalar(uint8_t *plane, int w, int h);
void yc_reverse_rows_avx2(uint8_t *plane, int w, int h);

#endif
