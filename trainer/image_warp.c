/* Affine and perspective warps with bilinear sampling as the reference's
 * OpenCV (5.x) computes them for 8-bit images: the forward matrix inverted in
 * double precision, source coordinates and the 2x2 weights in single
 * precision, the result rounded half to even; neighbours outside the source
 * take the border value, so edge pixels blend into it. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "image_ops.h"
#include "image_simd.h"

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
            out[k] = yc_round_u8((float)p[k] * w00 + (float)p[k + cn] * w01 + (float)q[k] * w10 + (float)q[k + cn] * w11);
        return;
    }
    bool x0in = x0 >= 0 && x0 < w, x1in = x0 + 1 >= 0 && x0 + 1 < w;
    bool y0in = y0 >= 0 && y0 < h, y1in = y0 + 1 >= 0 && y0 + 1 < h;
    for (int k = 0; k < cn; k++) {
        float v00 = x0in && y0in ? src->data[(size_t)y0 * stride + (size_t)x0 * cn + k] : border;
        float v01 = x1in && y0in ? src->data[(size_t)y0 * stride + (size_t)(x0 + 1) * cn + k] : border;
        float v10 = x0in && y1in ? src->data[(size_t)(y0 + 1) * stride + (size_t)x0 * cn + k] : border;
        float v11 = x1in && y1in ? src->data[(size_t)(y0 + 1) * stride + (size_t)(x0 + 1) * cn + k] : border;
        out[k] = yc_round_u8(v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11);
    }
}

void yc_warp_affine(const YcImage *src, YcImage *dst, const double M[6], uint8_t border) {
    if (src->c == 3 && dst->c == 3) {
        float m[6];
        yc_affine_inverse_f(M, m);
        YcCanvas c;
        yc_canvas_of_image(src, &c);
        yc_warp3_scalar(&c, m, border, dst->w, 0, dst->h, dst->data, 1, 3);
        return;
    }
    float m[6];
    yc_affine_inverse_f(M, m);
    int dw = dst->w, dh = dst->h, cn = dst->c;
    for (int y = 0; y < dh; y++) {
        uint8_t *out = dst->data + (size_t)y * dw * cn;
        float fy = (float)y, m1fy = m[1] * fy, m4fy = m[4] * fy;
        for (int x = 0; x < dw; x++, out += cn) {
            float fx = (float)x;
            sample(src, m[0] * fx + m1fy + m[2], m[3] * fx + m4fy + m[5], border, out);
        }
    }
}

void yc_warp_affine_planar(const YcImage *src, uint8_t *dst, int dw, int dh, const double M[6], uint8_t border) {
    YcCanvas c;
    yc_canvas_of_image(src, &c);
    yc_warp_canvas_planar(&c, dst, dw, dh, M, border);
}

void yc_warp_canvas_planar(const YcCanvas *c, uint8_t *dst, int dw, int dh, const double M[6], uint8_t border) {
    yc_warp_canvas_planar_hsv(c, dst, dw, dh, M, border, NULL);
}

void yc_warp_canvas_planar_hsv(const YcCanvas *c, uint8_t *dst, int dw, int dh, const double M[6], uint8_t border,
                               const double *hsv_gains) {
    float m[6];
    yc_affine_inverse_f(M, m);
    YcHsvTables t;
    if (hsv_gains) yc_hsv_tables(hsv_gains, &t);
    if (yc_simd_avx2()) {
        yc_warp3_avx2(c, m, border, dw, dh, hsv_gains ? &t : NULL, dst);
    } else {
        size_t n = (size_t)dw * dh;
        yc_warp3_scalar(c, m, border, dw, 0, dh, dst, n, 1);
        if (hsv_gains) yc_hsv_planes_scalar(&t, dst, dst + n, dst + 2 * n, dw, dh);
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

static void warp_perspective(const YcImage *src, const double Mf[9], uint8_t border, int dw, int dh, uint8_t *dst,
                             size_t plane, size_t step) {
    double M[9];
    invert3(Mf, M);
    float m[9];
    for (int i = 0; i < 9; i++) m[i] = (float)M[i];
    int cn = src->c;
    for (int y = 0; y < dh; y++) {
        float fy = (float)y;
        for (int x = 0; x < dw; x++) {
            float fx = (float)x;
            float W = m[6] * fx + m[7] * fy + m[8];
            float iw = W != 0.f ? 1.f / W : 0.f;
            float sx = (m[0] * fx + m[1] * fy + m[2]) * iw;
            float sy = (m[3] * fx + m[4] * fy + m[5]) * iw;
            uint8_t px[4];
            sample(src, sx, sy, border, px);
            uint8_t *o = dst + ((size_t)y * dw + x) * step;
            for (int k = 0; k < cn; k++) o[k * plane] = px[k];
        }
    }
}

void yc_warp_perspective(const YcImage *src, YcImage *dst, const double M[9], uint8_t border) {
    warp_perspective(src, M, border, dst->w, dst->h, dst->data, 1, (size_t)dst->c);
}

void yc_warp_perspective_planar(const YcImage *src, uint8_t *dst, int dw, int dh, const double M[9], uint8_t border) {
    warp_perspective(src, M, border, dw, dh, dst, (size_t)dw * dh, 1);
}
