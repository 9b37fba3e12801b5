/* Bilinear resize with OpenCV's 8-bit fixed-point arithmetic: 11-bit
 * horizontal and vertical weights (rounded half to even from float), the
 * horizontal pass into integer rows, the vertical pass with OpenCV's SIMD
 * rounding; an exact 2x reduction averages 2x2 blocks as OpenCV does. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image_ops.h"
#include "ops_cpu_math.h"

#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)

double yc_round_half_even(double x) {
    return nearbyint(x);
}

static short coef(float v) {
    return (short)lrintf(v * COEF_ONE);
}

static void resize_half(const YcImage *src, YcImage *dst) {
    int cn = src->c, dw = dst->w;
    size_t sstride = (size_t)src->w * cn;
    for (int y = 0; y < dst->h; y++) {
        const uint8_t *s0 = src->data + (size_t)(2 * y) * sstride, *s1 = s0 + sstride;
        uint8_t *d = dst->data + (size_t)y * dw * cn;
        for (int x = 0; x < dw; x++)
            for (int k = 0; k < cn; k++) {
                int a = 2 * x * cn + k;
                d[x * cn + k] = (uint8_t)((s0[a] + s0[a + cn] + s1[a] + s1[a + cn] + 2) >> 2);
            }
    }
}

/* One source row resized horizontally into out (dw * cn ints, weights summing to 2048). */
static void hresize_row(const uint8_t *s, int *out, int dw, int cn, const int *xofs, const short *alpha) {
    if (cn == 3) { /* the common case, unrolled */
        for (int dx = 0; dx < dw; dx++) {
            const uint8_t *p = s + xofs[dx];
            int a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
            int *o = out + dx * 3;
            if (a1 == 0) {
                o[0] = p[0] * a0, o[1] = p[1] * a0, o[2] = p[2] * a0;
            } else {
                o[0] = p[0] * a0 + p[3] * a1, o[1] = p[1] * a0 + p[4] * a1, o[2] = p[2] * a0 + p[5] * a1;
            }
        }
        return;
    }
    for (int dx = 0; dx < dw; dx++) {
        int sx = xofs[dx];
        int a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
        const uint8_t *p = s + sx;
        int *o = out + dx * cn;
        if (a1 == 0) {
            for (int k = 0; k < cn; k++) o[k] = p[k] * a0;
        } else {
            for (int k = 0; k < cn; k++) o[k] = p[k] * a0 + p[k + cn] * a1;
        }
    }
}

/* The vertical pass of one output row, in OpenCV's rounding. */
YC_HOT static void vresize_row(const int *restrict r0, const int *restrict r1, int b0, int b1, uint8_t *restrict d,
                               int n) {
    for (int i = 0; i < n; i++) {
        int v = (((b0 * (r0[i] >> 4)) >> 16) + ((b1 * (r1[i] >> 4)) >> 16) + 2) >> 2;
        d[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

void yc_resize_linear(const YcImage *src, YcImage *dst) {
    int sw = src->w, sh = src->h, dw = dst->w, dh = dst->h, cn = src->c;
    if (sw == dw && sh == dh) {
        memcpy(dst->data, src->data, yc_image_bytes(src));
        return;
    }
    double scale_x = 1.0 / ((double)dw / sw), scale_y = 1.0 / ((double)dh / sh);
    int iscale_x = (int)lrint(scale_x), iscale_y = (int)lrint(scale_y);
    bool area_fast = fabs(scale_x - iscale_x) < DBL_EPSILON && fabs(scale_y - iscale_y) < DBL_EPSILON;
    if (area_fast && iscale_x == 2 && iscale_y == 2) {
        resize_half(src, dst);
        return;
    }
    int *xofs = malloc(sizeof(int) * (size_t)dw);
    short *alpha = malloc(sizeof(short) * 2 * (size_t)dw);
    int *rowbuf = malloc(sizeof(int) * 2 * (size_t)dw * cn);
    if (!xofs || !alpha || !rowbuf) {
        /* out of memory: leave a neutral image rather than garbage */
        memset(dst->data, 114, yc_image_bytes(dst));
        free(xofs), free(alpha), free(rowbuf);
        return;
    }
    for (int dx = 0; dx < dw; dx++) {
        float fx = (float)((dx + 0.5) * scale_x - 0.5);
        int sx = (int)floorf(fx);
        fx -= (float)sx;
        if (sx < 0) fx = 0.f, sx = 0;
        if (sx >= sw - 1) fx = 0.f, sx = sw - 1;
        xofs[dx] = sx * cn;
        alpha[2 * dx] = coef(1.f - fx);
        alpha[2 * dx + 1] = coef(fx);
    }
    int cached_row[2] = {-1, -1};
    int *rows[2] = {rowbuf, rowbuf + (size_t)dw * cn};
    size_t sstride = (size_t)sw * cn;
    for (int dy = 0; dy < dh; dy++) {
        float fy = (float)((dy + 0.5) * scale_y - 0.5);
        int sy = (int)floorf(fy);
        fy -= (float)sy;
        int b0 = coef(1.f - fy), b1 = coef(fy);
        int want[2] = {sy < 0 ? 0 : sy >= sh ? sh - 1 : sy, sy + 1 < 0 ? 0 : sy + 1 >= sh ? sh - 1 : sy + 1};
        int s0 = cached_row[0] == want[0] ? 0 : cached_row[1] == want[0] ? 1 : -1;
        if (s0 < 0) {
            s0 = cached_row[0] == want[1] ? 1 : 0; /* keep the other row if we have it */
            hresize_row(src->data + (size_t)want[0] * sstride, rows[s0], dw, cn, xofs, alpha);
            cached_row[s0] = want[0];
        }
        int s1 = cached_row[0] == want[1] ? 0 : cached_row[1] == want[1] ? 1 : -1;
        if (s1 < 0) {
            s1 = 1 - s0;
            hresize_row(src->data + (size_t)want[1] * sstride, rows[s1], dw, cn, xofs, alpha);
            cached_row[s1] = want[1];
        }
        const int *r[2] = {rows[s0], rows[s1]};
        vresize_row(r[0], r[1], b0, b1, dst->data + (size_t)dy * dw * cn, dw * cn);
    }
    free(xofs);
    free(alpha);
    free(rowbuf);
}
