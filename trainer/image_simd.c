/* Run-time choice of the AVX2 kernels, and the scalar kernels they must
 * match bit for bit. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "image_simd.h"

bool yc_simd_avx2(void) {
    /* 0 unknown, 1 scalar, 2 avx2: a constant of the machine, computed once */
    static atomic_int choice = 0;
    int c = atomic_load(&choice);
    if (c == 0) {
        const char *off = getenv("YOLOC_NO_SIMD");
        bool avx2 = __builtin_cpu_supports("avx2") != 0 && !(off && *off && strcmp(off, "0") != 0);
        c = avx2 ? 2 : 1;
        atomic_store(&choice, c);
    }
    return c == 2;
}

void yc_affine_inverse_f(const double Mf[6], float m[6]) {
    /* OpenCV's inversion in double precision, then single precision for sampling */
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
    for (int i = 0; i < 6; i++) m[i] = (float)M[i];
}

/* The part whose rectangle holds the 2x2 block at (x0, y0), or NULL. */
static inline const YcCanvasPart *block_part(const YcCanvas *c, int x0, int y0) {
    for (int i = 0; i < c->nparts; i++) {
        const YcCanvasPart *p = &c->part[i];
        if (x0 >= p->x0 && x0 + 1 < p->x1 && y0 >= p->y0 && y0 + 1 < p->y1) return p;
    }
    return NULL;
}

/* One output pixel of a 3-channel warp from canvas position (sx, sy). */
static inline void warp3_pixel(const YcCanvas *c, float sx, float sy, uint8_t border, uint8_t *o, size_t plane) {
    int w = c->w, h = c->h;
    if (sx >= 0.f && sy >= 0.f && sx < (float)(w - 1) && sy < (float)(h - 1)) {
        int x0 = (int)sx, y0 = (int)sy;
        float ax = sx - (float)x0, ay = sy - (float)y0;
        float w00 = (1.f - ax) * (1.f - ay), w01 = ax * (1.f - ay), w10 = (1.f - ax) * ay, w11 = ax * ay;
        const YcCanvasPart *part = block_part(c, x0, y0);
        if (part) {
            const uint8_t *p = part->data + (size_t)(y0 - part->y0) * part->stride + (size_t)(x0 - part->x0) * 3;
            const uint8_t *q = p + part->stride;
            for (int k = 0; k < 3; k++)
                o[k * plane] = yc_round_u8((float)p[k] * w00 + (float)p[k + 3] * w01 + (float)q[k] * w10 + (float)q[k + 3] * w11);
        } else {
            for (int k = 0; k < 3; k++) {
                float a = yc_canvas_at(c, x0, y0, k), b = yc_canvas_at(c, x0 + 1, y0, k);
                float d = yc_canvas_at(c, x0, y0 + 1, k), e = yc_canvas_at(c, x0 + 1, y0 + 1, k);
                o[k * plane] = yc_round_u8(a * w00 + b * w01 + d * w10 + e * w11);
            }
        }
        return;
    }
    if (!(sx > -1.f && sy > -1.f && sx < (float)w && sy < (float)h)) { /* NaN lands here too */
        for (int k = 0; k < 3; k++) o[k * plane] = border;
        return;
    }
    int x0 = (int)floorf(sx), y0 = (int)floorf(sy);
    float ax = sx - (float)x0, ay = sy - (float)y0;
    float w00 = (1.f - ax) * (1.f - ay), w01 = ax * (1.f - ay), w10 = (1.f - ax) * ay, w11 = ax * ay;
    bool x0in = x0 >= 0 && x0 < w, x1in = x0 + 1 >= 0 && x0 + 1 < w;
    bool y0in = y0 >= 0 && y0 < h, y1in = y0 + 1 >= 0 && y0 + 1 < h;
    for (int k = 0; k < 3; k++) {
        float v00 = x0in && y0in ? yc_canvas_at(c, x0, y0, k) : border;
        float v01 = x1in && y0in ? yc_canvas_at(c, x0 + 1, y0, k) : border;
        float v10 = x0in && y1in ? yc_canvas_at(c, x0, y0 + 1, k) : border;
        float v11 = x1in && y1in ? yc_canvas_at(c, x0 + 1, y0 + 1, k) : border;
        o[k * plane] = yc_round_u8(v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11);
    }
}

void yc_warp3_scalar(const YcCanvas *src, const float m[6], uint8_t border, int dw, int y0, int y1, uint8_t *dst,
                     size_t plane, size_t step) {
    for (int y = y0; y < y1; y++) {
        float fy = (float)y, m1fy = m[1] * fy, m4fy = m[4] * fy;
        uint8_t *o = dst + (size_t)y * dw * step;
        for (int x = 0; x < dw; x++, o += step) {
            float fx = (float)x;
            float sx = m[0] * fx + m1fy + m[2];
            float sy = m[3] * fx + m4fy + m[5];
            warp3_pixel(src, sx, sy, border, o, plane);
        }
    }
}

/* Exposed to the AVX2 file for the pixels it leaves to scalar code. */
void yc_warp3_pixel_scalar(const YcCanvas *src, float sx, float sy, uint8_t border, uint8_t *o, size_t plane);
void yc_warp3_pixel_scalar(const YcCanvas *src, float sx, float sy, uint8_t border, uint8_t *o, size_t plane) {
    warp3_pixel(src, sx, sy, border, o, plane);
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

void yc_hsv_tables(const double r[3], YcHsvTables *t) {
    uint8_t lut_h[256], lut_s[256], lut_v[256];
    for (int i = 0; i < 256; i++) {
        double x = i;
        lut_h[i] = (uint8_t)py_mod(x + r[0] * 180, 180);
        lut_s[i] = clip_trunc(x * (r[1] + 1));
        lut_v[i] = clip_trunc(x * (r[2] + 1));
    }
    lut_s[0] = 0;
    t->gain_s = r[1] + 1;
    t->gain_v = r[2] + 1;
    t->gain_s_f = (float)t->gain_s;
    t->gain_v_f = (float)t->gain_v;
    t->sat_float = t->val_float = true;
    for (int i = 0; i < 256; i++) {
        float fs = (float)i * t->gain_s_f, fv = (float)i * t->gain_v_f;
        fs = fs < 0 ? 0 : fs > 255 ? 255 : fs;
        fv = fv < 0 ? 0 : fv > 255 ? 255 : fv;
        if ((int)fs != lut_s[i]) t->sat_float = false;
        if ((int)fv != lut_v[i]) t->val_float = false;
    }
    t->sdiv[0] = t->hdiv[0] = 0;
    for (int i = 1; i < 256; i++) {
        t->sdiv[i] = (int32_t)lrint((255 << 12) / (1. * i));
        t->hdiv[i] = (int32_t)lrint((180 << 12) / (6. * i));
    }
    const float hscale = 6.0f / 180;
    for (int h = 0; h < 256; h++) {
        float hh = (float)lut_h[h] * hscale;
        hh = fmodf(hh, 6.f);
        int sector = (int)floorf(hh);
        hh -= (float)sector;
        if ((unsigned)sector >= 6u) sector = 0, hh = 0.f;
        t->hue[h] = (float)sector + hh; /* exact: the fraction was split off this sum */
        t->sector[h] = sector;
        t->frac[h] = hh;
        t->sat[h] = (float)lut_s[h] * (1.0f / 255.0f);
        t->val[h] = (float)lut_v[h] * (1.0f / 255.0f);
    }
    for (int v = 0; v < 256; v++) {
        int q = (int)(t->val[v] * 255.0f); /* saturation 0: every channel is V */
        t->gray[0][v] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
        q = (int)lrintf(t->val[v] * 255.0f);
        t->gray[1][v] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
    /* OpenCV's sector table, turned to R, G, B order */
    static const int pick[6][3] = {{0, 3, 1}, {2, 0, 1}, {1, 0, 3}, {1, 2, 0}, {3, 1, 0}, {0, 1, 2}};
    memset(t->pick, 0, sizeof t->pick);
    for (int c = 0; c < 3; c++)
        for (int s = 0; s < 6; s++) t->pick[c][s] = pick[s][c];
}

/* One pixel: OpenCV's 8-bit RGB->HSV, the tables, float HSV->RGB truncated. */
static inline void hsv_pixel(const YcHsvTables *t, uint8_t *pr, uint8_t *pg, uint8_t *pb, bool round) {
    int r8 = *pr, g8 = *pg, b8 = *pb;
    int v = r8 > g8 ? r8 : g8;
    v = v > b8 ? v : b8;
    int vmin = r8 < g8 ? r8 : g8;
    vmin = vmin < b8 ? vmin : b8;
    int diff = v - vmin;
    int vr = v == r8 ? -1 : 0, vg = v == g8 ? -1 : 0;
    int s = (diff * t->sdiv[v] + (1 << 11)) >> 12;
    int h = (vr & (g8 - b8)) + (~vr & ((vg & (b8 - r8 + 2 * diff)) + (~vg & (r8 - g8 + 4 * diff))));
    h = (h * t->hdiv[diff] + (1 << 11)) >> 12;
    h += h < 0 ? 180 : 0;
    float S = t->sat[s], V = t->val[v], f = t->frac[h];
    float tab[4] = {V, V * (1.f - S), V * (1.f - S * f), V * (1.f - S * (1.f - f))};
    int sector = t->sector[h];
    uint8_t *out[3] = {pr, pg, pb};
    for (int c = 0; c < 3; c++) {
        float x = S == 0.f ? V : tab[t->pick[c][sector]];
        int q = round ? (int)lrintf(x * 255.0f) : (int)(x * 255.0f);
        *out[c] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
}

void yc_hsv_interleaved_scalar(const YcHsvTables *t, uint8_t *rgb, int w, int h) {
    int tw = yc_hsv_trunc_width(w);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++, rgb += 3) hsv_pixel(t, rgb, rgb + 1, rgb + 2, x >= tw);
}

void yc_hsv_span_scalar(const YcHsvTables *t, uint8_t *r, uint8_t *g, uint8_t *b, size_t n, bool round) {
    for (size_t i = 0; i < n; i++) hsv_pixel(t, r + i, g + i, b + i, round);
}

void yc_hsv_planes_scalar(const YcHsvTables *t, uint8_t *r, uint8_t *g, uint8_t *b, int w, int h) {
    int tw = yc_hsv_trunc_width(w);
    for (int y = 0; y < h; y++) {
        size_t o = (size_t)y * w;
        yc_hsv_span_scalar(t, r + o, g + o, b + o, (size_t)tw, false);
        yc_hsv_span_scalar(t, r + o + tw, g + o + tw, b + o + tw, (size_t)(w - tw), true);
    }
}

void yc_reverse_rows_scalar(uint8_t *plane, int w, int h) {
    for (int y = 0; y < h; y++) {
        uint8_t *row = plane + (size_t)y * w;
        for (int a = 0, b = w - 1; a < b; a++, b--) {
            uint8_t t = row[a];
            row[a] = row[b];
            row[b] = t;
        }
    }
}
