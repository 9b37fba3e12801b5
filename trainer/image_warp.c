/* Affine and perspective warps with bilinear sampling as the reference's
 * OpenCV (5.x) computes them for 8-bit images: the forward matrix inverted in
 * double precision, source coordinates and the 2x2 weights in single
 * precision, the result rounded half to even; neighbours outside the source
 * take the border value, so edge pixels blend into it. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "image_ops.h"

static inline uint8_t round_u8(float v) {
    int q = (int)lrintf(v);
    return (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
}

/* One destination pixel from source position (sx, sy). */
static inline void sample(const YcImage *src, float sx, float sy, uint8_t border, uint8_t *out) {
    int cn = src->c, w = src->w, h = src->h;
    if (!(sx > -1.f && sy > -1.f && sx < (float)w && sy < (float)h)) { /* also catches NaN */
        memset(out, border, (size_t)cn);
        return;
    }
    int x0 = (int)floorf(sx), y0 = (int)floorf(sy);
    float ax = sx - (float)x0, ay = sy - (float)y0;
    float w00 = (1.f - ax) * (1.f - ay), w01 = ax * (1.f - ay), w10 = (1.f - ax) * ay, w11 = ax * ay;
    size_t stride = (size_t)w * cn;
    if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const uint8_t *p = src->data + (size_t)y0 * stride + (size_t)x0 * cn, *q = p + stride;
        for (int k = 0; k < cn; k++)
            out[k] = round_u8((float)p[k] * w00 + (float)p[k + cn] * w01 + (float)q[k] * w10 + (float)q[k + cn] * w11);
        return;
    }
    bool x0in = x0 >= 0 && x0 < w, x1in = x0 + 1 >= 0 && x0 + 1 < w;
    bool y0in = y0 >= 0 && y0 < h, y1in = y0 + 1 >= 0 && y0 + 1 < h;
    for (int k = 0; k < cn; k++) {
        float v00 = x0in && y0in ? src->data[(size_t)y0 * stride + (size_t)x0 * cn + k] : border;
        float v01 = x1in && y0in ? src->data[(size_t)y0 * stride + (size_t)(x0 + 1) * cn + k] : border;
        float v10 = x0in && y1in ? src->data[(size_t)(y0 + 1) * stride + (size_t)x0 * cn + k] : border;
        float v11 = x1in && y1in ? src->data[(size_t)(y0 + 1) * stride + (size_t)(x0 + 1) * cn + k] : border;
        out[k] = round_u8(v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11);
    }
}

/* The bulk case: 3 channels, all four neighbours inside. */
static inline void sample3_inside(const uint8_t *p, size_t stride, float ax, float ay, uint8_t *out) {
    float w00 = (1.f - ax) * (1.f - ay), w01 = ax * (1.f - ay), w10 = (1.f - ax) * ay, w11 = ax * ay;
    const uint8_t *q = p + stride;
    out[0] = round_u8((float)p[0] * w00 + (float)p[3] * w01 + (float)q[0] * w10 + (float)q[3] * w11);
    out[1] = round_u8((float)p[1] * w00 + (float)p[4] * w01 + (float)q[1] * w10 + (float)q[4] * w11);
    out[2] = round_u8((float)p[2] * w00 + (float)p[5] * w01 + (float)q[2] * w10 + (float)q[5] * w11);
}

void yc_warp_affine(const YcImage *src, YcImage *dst, const double Mf[6], uint8_t border) {
    /* the inverse, as OpenCV computes it (double precision) */
    double M[6];
    memcpy(M, Mf, sizeof M);
    double D = M[0] * M[4] - M[1] * M[3];
    D = D != 0 ? 1. / D : 0;
    double A11 = M[4] * D, A22 = M[0] * D;
    M[0] = A11;
    M[1] *= -D;
    M[3] *= -D;
    M[4] = A22;
    double b1 = -M[0] * M[2] - M[1] * M[5];
    double b2 = -M[3] * M[2] - M[4] * M[5];
    M[2] = b1;
    M[5] = b2;
    float m0 = (float)M[0], m1 = (float)M[1], m2 = (float)M[2], m3 = (float)M[3], m4 = (float)M[4], m5 = (float)M[5];

    int dw = dst->w, dh = dst->h, cn = dst->c, sw = src->w, sh = src->h;
    size_t sstride = (size_t)sw * cn;
    for (int y = 0; y < dh; y++) {
        uint8_t *out = dst->data + (size_t)y * dw * cn;
        float fy = (float)y;
        for (int x = 0; x < dw; x++, out += cn) {
            float fx = (float)x;
            float sx = m0 * fx + m1 * fy + m2;
            float sy = m3 * fx + m4 * fy + m5;
            if (cn == 3 && sx >= 0.f && sy >= 0.f && sx < (float)(sw - 1) && sy < (float)(sh - 1)) {
                int x0 = (int)sx, y0 = (int)sy; /* non-negative: truncation is floor */
                sample3_inside(src->data + (size_t)y0 * sstride + (size_t)x0 * 3, sstride, sx - (float)x0,
                               sy - (float)y0, out);
            } else {
                sample(src, sx, sy, border, out);
            }
        }
    }
}

/* Inverse of a 3x3 matrix (adjugate / determinant); the zero matrix if singular. */
static void invert3(const double m[9], double inv[9]) {
    double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8];
    double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
    double det = a * A + b * B + c * C;
    if (det == 0) {
        memset(inv, 0, 9 * sizeof(double));
        return;
    }
    double s = 1.0 / det;
    inv[0] = A * s;
    inv[1] = -(b * i - c * h) * s;
    inv[2] = (b * f - c * e) * s;
    inv[3] = B * s;
    inv[4] = (a * i - c * g) * s;
    inv[5] = -(a * f - c * d) * s;
    inv[6] = C * s;
    inv[7] = -(a * h - b * g) * s;
    inv[8] = (a * e - b * d) * s;
}

void yc_warp_perspective(const YcImage *src, YcImage *dst, const double Mf[9], uint8_t border) {
    double M[9];
    invert3(Mf, M);
    float m[9];
    for (int i = 0; i < 9; i++) m[i] = (float)M[i];
    int dw = dst->w, dh = dst->h, cn = dst->c;
    for (int y = 0; y < dh; y++) {
        uint8_t *out = dst->data + (size_t)y * dw * cn;
        float fy = (float)y;
        for (int x = 0; x < dw; x++, out += cn) {
            float fx = (float)x;
            float W = m[6] * fx + m[7] * fy + m[8];
            float iw = W != 0.f ? 1.f / W : 0.f;
            float sx = (m[0] * fx + m[1] * fy + m[2]) * iw;
            float sy = (m[3] * fx + m[4] * fy + m[5]) * iw;
            sample(src, sx, sy, border, out);
        }
    }
}
