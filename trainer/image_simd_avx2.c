/* AVX2 versions of the kernels in image_simd.c: eight pixels at a time, the
 * same single-precision operations in the same order (no FMA: contraction
 * is off in C11 mode), so the output is identical to the scalar kernels.
 * Compiled for every target; only called when yc_simd_avx2() is true. */
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image_simd.h"

#define AVX2 __attribute__((target("avx2")))

void yc_warp3_pixel_scalar(const YcCanvas *src, float sx, float sy, uint8_t border, uint8_t *o, size_t plane);

/* floor(v) for finite v, clamped to +-2^24 (far outside any canvas). */
static inline int floor_clamped(float v) {
    const float lim = 16777216.f;
    v = v < -lim ? -lim : v > lim ? lim : v;
    int t = (int)v;
    return (float)t > v ? t - 1 : t;
}

/* A table lookup for eight lanes with scalar loads: they beat the gather
 * instruction on the AMD cores we measured. */
AVX2 static inline __m256 lookup_f(const float *table, __m256i index) {
    int idx[8];
    _mm256_storeu_si256((__m256i *)idx, index);
    return _mm256_setr_ps(table[idx[0]], table[idx[1]], table[idx[2]], table[idx[3]], table[idx[4]], table[idx[5]],
                          table[idx[6]], table[idx[7]]);
}

/* lut[x] / 255 for the reference's table lut[x] = trunc(clip(x * gain, 0, 255))
 * computed in double precision as the table is. */
AVX2 static inline __m256 scaled_lut(__m256i x, __m256d gain) {
    const __m256d lo = _mm256_setzero_pd(), hi = _mm256_set1_pd(255.0);
    __m256d a = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(x)), gain);
    __m256d b = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(x, 1)), gain);
    a = _mm256_min_pd(_mm256_max_pd(a, lo), hi);
    b = _mm256_min_pd(_mm256_max_pd(b, lo), hi);
    __m256i q = _mm256_set_m128i(_mm256_cvttpd_epi32(b), _mm256_cvttpd_epi32(a));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(q), _mm256_set1_ps(1.0f / 255.0f));
}

/* The same in single precision, used when the tables were checked to agree. */
AVX2 static inline __m256 scaled_lut_f(__m256i x, float gain) {
    __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(x), _mm256_set1_ps(gain));
    p = _mm256_min_ps(_mm256_max_ps(p, _mm256_setzero_ps()), _mm256_set1_ps(255.0f));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvttps_epi32(p)), _mm256_set1_ps(1.0f / 255.0f));
}

/* Stores the low bytes of three vectors of eight int32 lanes (values 0..255,
 * saturated) to a, b and c. */
AVX2 static inline void store3x8(uint8_t *a, uint8_t *b, uint8_t *c, __m256i qa, __m256i qb, __m256i qc) {
    __m256i ab = _mm256_packus_epi32(qa, qb), cc = _mm256_packus_epi32(qc, qc);
    __m256i bytes = _mm256_packus_epi16(ab, cc); /* per lane: a0-3 b0-3 c0-3 c0-3 | a4-7 b4-7 c4-7 c4-7 */
    __m256i order = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    __m128i lo = _mm256_castsi256_si128(order), hi = _mm256_extracti128_si256(order, 1);
    _mm_storel_epi64((__m128i *)a, lo);
    _mm_storel_epi64((__m128i *)b, _mm_unpackhi_epi64(lo, lo));
    _mm_storel_epi64((__m128i *)c, hi);
}

/* round(num / x) for 1 <= x <= 255: single-precision division rounds to the
 * same integers as the double-precision tables (checked for every x); 0 for x = 0. */
AVX2 static inline __m256i recip_round(float num, __m256i x) {
    __m256 q = _mm256_div_ps(_mm256_set1_ps(num), _mm256_cvtepi32_ps(x));
    __m256i r = _mm256_cvtps_epi32(q);
    return _mm256_andnot_si256(_mm256_cmpeq_epi32(x, _mm256_setzero_si256()), r);
}

/* The HSV augmentation of eight pixels given as int32 lanes, stored to r, g, b. */
AVX2 __attribute__((always_inline)) static inline void hsv8(const YcHsvTables *t, const __m256i pick[3], __m256i R, __m256i G, __m256i B, uint8_t *r,
                             uint8_t *g, uint8_t *b, bool round) {
    const __m256i half = _mm256_set1_epi32(1 << 11), i180 = _mm256_set1_epi32(180), izero = _mm256_setzero_si256();
    const __m256i i1 = _mm256_set1_epi32(1);
    const __m256 one = _mm256_set1_ps(1.f), f255 = _mm256_set1_ps(255.0f);
    __m256i same = _mm256_and_si256(_mm256_cmpeq_epi32(R, G), _mm256_cmpeq_epi32(G, B));
    if (_mm256_movemask_epi8(same) == -1) {
        /* gray pixels (the mosaic's fill, for one): saturation 0, every channel V */
        int rv[8];
        _mm256_storeu_si256((__m256i *)rv, R);
        const uint8_t *gt = t->gray[round];
        __m256i gv = _mm256_setr_epi32(gt[rv[0]], gt[rv[1]], gt[rv[2]], gt[rv[3]], gt[rv[4]], gt[rv[5]], gt[rv[6]], gt[rv[7]]);
        store3x8(r, g, b, gv, gv, gv);
        return;
    }
    __m256i v = _mm256_max_epi32(_mm256_max_epi32(R, G), B);
    __m256i vmin = _mm256_min_epi32(_mm256_min_epi32(R, G), B);
    __m256i diff = _mm256_sub_epi32(v, vmin);
    __m256i vr = _mm256_cmpeq_epi32(v, R), vg = _mm256_cmpeq_epi32(v, G);
    __m256i s = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(diff, recip_round(1044480.0f, v)), half), 12);
    __m256i d2 = _mm256_add_epi32(diff, diff), d4 = _mm256_add_epi32(d2, d2);
    __m256i hg = _mm256_add_epi32(_mm256_sub_epi32(B, R), d2); /* b - r + 2 diff */
    __m256i hb = _mm256_add_epi32(_mm256_sub_epi32(R, G), d4); /* r - g + 4 diff */
    __m256i inner = _mm256_add_epi32(_mm256_and_si256(vg, hg), _mm256_andnot_si256(vg, hb));
    __m256i h = _mm256_add_epi32(_mm256_and_si256(vr, _mm256_sub_epi32(G, B)), _mm256_andnot_si256(vr, inner));
    h = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(h, recip_round(122880.0f, diff)), half), 12);
    h = _mm256_add_epi32(h, _mm256_and_si256(_mm256_cmpgt_epi32(izero, h), i180));
    __m256 hue = lookup_f(t->hue, h); /* sector + fraction in one load */
    __m256i sector = _mm256_cvttps_epi32(hue);
    __m256 f = _mm256_sub_ps(hue, _mm256_cvtepi32_ps(sector));
    __m256 S = t->sat_float ? scaled_lut_f(s, t->gain_s_f) : scaled_lut(s, _mm256_set1_pd(t->gain_s));
    __m256 V = t->val_float ? scaled_lut_f(v, t->gain_v_f) : scaled_lut(v, _mm256_set1_pd(t->gain_v));
    __m256 t1 = _mm256_mul_ps(V, _mm256_sub_ps(one, S));
    __m256 t2 = _mm256_mul_ps(V, _mm256_sub_ps(one, _mm256_mul_ps(S, f)));
    __m256 t3 = _mm256_mul_ps(V, _mm256_sub_ps(one, _mm256_mul_ps(S, _mm256_sub_ps(one, f))));
    /* V and t1 are always among the outputs, with t2 (odd sectors) or t3 (even);
     * with S = 0 all four equal V, so no special case is needed */
    __m256 mid = _mm256_blendv_ps(t3, t2, _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(sector, i1), i1)));
    __m256i q[3];
    for (int c = 0; c < 3; c++) {
        __m256i idx = _mm256_permutevar8x32_epi32(pick[c], sector);
        __m256 x = _mm256_blendv_ps(mid, V, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, izero)));
        x = _mm256_blendv_ps(x, t1, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, i1)));
        __m256 scaled = _mm256_mul_ps(x, f255); /* 0..255: every value is a fraction of V <= 1 */
        q[c] = round ? _mm256_cvtps_epi32(scaled) : _mm256_cvttps_epi32(scaled);
    }
    store3x8(r, g, b, q[0], q[1], q[2]);
}

AVX2 static inline void load_pick(const YcHsvTables *t, __m256i pick[3]) {
    for (int c = 0; c < 3; c++) pick[c] = _mm256_loadu_si256((const __m256i *)t->pick[c]);
}

AVX2 void yc_hsv_planes_avx2(const YcHsvTables *t, uint8_t *r, uint8_t *g, uint8_t *b, int w, int h) {
    __m256i pick[3];
    load_pick(t, pick);
    int tw = yc_hsv_trunc_width(w); /* a multiple of 8: no group straddles it */
    for (int y = 0; y < h; y++) {
        size_t o = (size_t)y * w;
        int x = 0;
        for (; x + 8 <= w; x += 8) {
            size_t i = o + (size_t)x;
            __m256i R = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(r + i)));
            __m256i G = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(g + i)));
            __m256i B = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(b + i)));
            hsv8(t, pick, R, G, B, r + i, g + i, b + i, x >= tw);
        }
        if (x < w) yc_hsv_span_scalar(t, r + o + x, g + o + x, b + o + x, (size_t)(w - x), x >= tw);
    }
}

AVX2 static inline __m256i reverse32(__m256i v) {
    const __m256i rev = _mm256_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9,
                                         8, 7, 6, 5, 4, 3, 2, 1, 0);
    v = _mm256_shuffle_epi8(v, rev);
    return _mm256_permute2x128_si256(v, v, 1);
}

AVX2 void yc_reverse_rows_avx2(uint8_t *plane, int w, int h) {
    for (int y = 0; y < h; y++) {
        uint8_t *row = plane + (size_t)y * w;
        int a = 0, b = w; /* [a, b) still to reverse */
        while (b - a >= 64) {
            __m256i left = _mm256_loadu_si256((const __m256i *)(row + a));
            __m256i right = _mm256_loadu_si256((const __m256i *)(row + b - 32));
            _mm256_storeu_si256((__m256i *)(row + a), reverse32(right));
            _mm256_storeu_si256((__m256i *)(row + b - 32), reverse32(left));
            a += 32;
            b -= 32;
        }
        for (b--; a < b; a++, b--) {
            uint8_t t = row[a];
            row[a] = row[b];
            row[b] = t;
        }
    }
}

/* pshufb masks: per 128-bit lane, dwords [pixel0 byte c, pixel1 byte c,
 * pixel0 byte c+3, pixel1 byte c+3] of two 8-byte words (RGB RGB ..). */
#define SEL(c)                                                                                                      \
    _mm256_setr_epi8(c, -1, -1, -1, 8 + c, -1, -1, -1, 3 + c, -1, -1, -1, 11 + c, -1, -1, -1, c, -1, -1, -1, 8 + c, \
                     -1, -1, -1, 3 + c, -1, -1, -1, 11 + c, -1, -1, -1)

/* The 2 horizontally adjacent canvas pixels at (x, y), (x + 1, y) as the low 6
 * bytes of *out (RGB RGB); pixels outside the canvas or every part are the fill. */
static inline void canvas_pair(const YcCanvas *c, int x, int y, uint64_t *out) {
    uint8_t b[8] = {0};
    for (int k = 0; k < 2; k++) {
        int px = x + k;
        bool in = px >= 0 && px < c->w && y >= 0 && y < c->h;
        for (int ch = 0; ch < 3; ch++) b[3 * k + ch] = in ? yc_canvas_at(c, px, y, ch) : c->fill;
    }
    memcpy(out, b, 8);
}

/* The axis-aligned case (no rotation or shear: the default augmentation):
 * the source column of an output column and the source row of an output row
 * do not depend on the other coordinate, so they are computed once. Same
 * arithmetic as the general kernel (the zero terms keep their sign), so the
 * same output bit for bit. Returns false when it cannot allocate. */
AVX2 static bool warp3_avx2_axis(const YcCanvas *src, const float m[6], uint8_t border, int dw, int dh,
                                 const YcHsvTables *hsv, uint8_t *dst) {
    float *sxc = malloc(sizeof(float) * 3 * (size_t)dw);
    int *offc = malloc(sizeof(int) * (size_t)dw);
    if (!sxc || !offc) {
        free(sxc);
        free(offc);
        return false;
    }
    float *axc = sxc + dw, *omxc = axc + dw;
    const float m1fy = m[1] * 0.0f; /* m[1] is a signed zero: m[1] * fy is that same zero for every row */
    for (int x = 0; x < dw; x++) {
        float sx = m[0] * (float)x + m1fy + m[2];
        int x0 = sx >= 0.f && sx < 2147483520.f ? (int)sx : 0;
        sxc[x] = sx;
        axc[x] = sx - (float)x0;
        omxc[x] = 1.f - axc[x];
        offc[x] = x0 * 3;
    }
    size_t plane = (size_t)dw * dh;
    __m256i pick[3] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    if (hsv) load_pick(hsv, pick);
    int tw = yc_hsv_trunc_width(dw);
    static const int order[8] = {0, 1, 4, 5, 2, 3, 6, 7};
    const __m256i sels[3] = {SEL(0), SEL(1), SEL(2)};
    for (int y = 0; y < dh; y++) {
        float fy = (float)y, m4fy = m[4] * fy;
        float sy = m[3] * 0.0f + m4fy + m[5]; /* as the general kernel's m[3] * fx + m4fy + m[5] */
        bool row_in = sy >= 0.f && sy < (float)(src->h - 1);
        int y0 = row_in ? (int)sy : 0;
        float ay = sy - (float)y0, omy = 1.f - ay;
        const __m256 vay = _mm256_set1_ps(ay), vomy = _mm256_set1_ps(omy);
        int fya = sy == sy ? floor_clamped(sy) : 0;
        uint8_t *row = dst + (size_t)y * dw;
        int x = 0;
        for (; x + 8 <= dw; x += 8) {
            float s0 = sxc[x], s7 = sxc[x + 7];
            float sxa = s0 < s7 ? s0 : s7, sxb = s0 < s7 ? s7 : s0;
            bool finite = s0 == s0 && s7 == s7 && sy == sy;
            const YcCanvasPart *part = NULL;
            if (finite && row_in && sxa >= 0.f && sxb < (float)(src->w - 1)) {
                int xa = (int)sxa, xb = (int)sxb;
                for (int i = 0; i < src->nparts && !part; i++) {
                    const YcCanvasPart *p = &src->part[i];
                    if (xa >= p->x0 && xb + 1 < p->x1 && y0 >= p->y0 && y0 + 1 < p->y1) part = p;
                }
            }
            if (!part && finite && src->fill == border) {
                int xa = floor_clamped(sxa), xb = floor_clamped(sxb) + 1;
                bool touch = false;
                for (int i = 0; i < src->nparts && !touch; i++) {
                    const YcCanvasPart *p = &src->part[i];
                    touch = xb >= p->x0 && xa < p->x1 && fya + 1 >= p->y0 && fya < p->y1;
                }
                if (!touch) {
                    uint8_t v = hsv ? hsv->gray[x >= tw][border] : border;
                    for (int c = 0; c < 3; c++) memset(row + c * plane + x, v, 8);
                    continue;
                }
            }
            uint64_t top[8], bot[8];
            __m256 ax, omx;
            int outside = 0; /* lanes entirely outside the canvas: the border value, not a blend */
            if (part) {
                ax = _mm256_loadu_ps(axc + x);
                omx = _mm256_loadu_ps(omxc + x);
                const uint8_t *row0 = part->data + (size_t)(y0 - part->y0) * part->stride - (size_t)part->x0 * 3;
                const uint8_t *row1 = row0 + part->stride;
                for (int k = 0; k < 8; k++) {
                    memcpy(&top[k], row0 + offc[x + order[k]], 8);
                    memcpy(&bot[k], row1 + offc[x + order[k]], 8);
                }
            } else if (finite && src->fill == border) {
                /* blocks across part edges: gather each lane's neighbours from the canvas
                 * (the fill and the border are the same value, so the blend is the scalar one) */
                float axs[8], omxs[8];
                for (int k = 0; k < 8; k++) {
                    int lane = order[k];
                    float sx = sxc[x + lane];
                    if (!(sx > -1.f && sy > -1.f && sx < (float)src->w && sy < (float)src->h)) outside |= 1 << lane;
                    int fx0 = floor_clamped(sx);
                    axs[lane] = sx - (float)fx0;
                    omxs[lane] = 1.f - axs[lane];
                    canvas_pair(src, fx0, fya, &top[k]);
                    canvas_pair(src, fx0, fya + 1, &bot[k]);
                }
                ax = _mm256_loadu_ps(axs);
                omx = _mm256_loadu_ps(omxs);
            } else {
                for (int k = 0; k < 8; k++) yc_warp3_pixel_scalar(src, sxc[x + k], sy, border, row + x + k, plane);
                if (hsv) yc_hsv_span_scalar(hsv, row + x, row + plane + x, row + 2 * plane + x, 8, x >= tw);
                continue;
            }
            __m256 gay = part ? vay : _mm256_set1_ps(sy - (float)fya), gomy = part ? vomy : _mm256_set1_ps(1.f - (sy - (float)fya));
            __m256 w00 = _mm256_mul_ps(omx, gomy), w01 = _mm256_mul_ps(ax, gomy);
            __m256 w10 = _mm256_mul_ps(omx, gay), w11 = _mm256_mul_ps(ax, gay);
            __m256i t_lo = _mm256_loadu_si256((const __m256i *)top), t_hi = _mm256_loadu_si256((const __m256i *)(top + 4));
            __m256i b_lo = _mm256_loadu_si256((const __m256i *)bot), b_hi = _mm256_loadu_si256((const __m256i *)(bot + 4));
            __m256i rgb[3];
            for (int c = 0; c < 3; c++) {
                const __m256i sel = sels[c];
                __m256i st_lo = _mm256_shuffle_epi8(t_lo, sel), st_hi = _mm256_shuffle_epi8(t_hi, sel);
                __m256i sb_lo = _mm256_shuffle_epi8(b_lo, sel), sb_hi = _mm256_shuffle_epi8(b_hi, sel);
                __m256 a = _mm256_cvtepi32_ps(_mm256_unpacklo_epi64(st_lo, st_hi));
                __m256 b = _mm256_cvtepi32_ps(_mm256_unpackhi_epi64(st_lo, st_hi));
                __m256 cc = _mm256_cvtepi32_ps(_mm256_unpacklo_epi64(sb_lo, sb_hi));
                __m256 d = _mm256_cvtepi32_ps(_mm256_unpackhi_epi64(sb_lo, sb_hi));
                __m256 v = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(a, w00), _mm256_mul_ps(b, w01)),
                                                       _mm256_mul_ps(cc, w10)),
                                         _mm256_mul_ps(d, w11));
                rgb[c] = _mm256_cvtps_epi32(v);
                if (outside) {
                    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
                    __m256i m = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(outside), bit), bit);
                    rgb[c] = _mm256_blendv_epi8(rgb[c], _mm256_set1_epi32(border), m);
                }
            }
            if (hsv) hsv8(hsv, pick, rgb[0], rgb[1], rgb[2], row + x, row + plane + x, row + 2 * plane + x, x >= tw);
            else store3x8(row + x, row + plane + x, row + 2 * plane + x, rgb[0], rgb[1], rgb[2]);
        }
        for (; x < dw; x++) {
            yc_warp3_pixel_scalar(src, sxc[x], sy, border, row + x, plane);
            if (hsv) yc_hsv_span_scalar(hsv, row + x, row + plane + x, row + 2 * plane + x, 1, x >= tw);
        }
    }
    free(sxc);
    free(offc);
    return true;
}

AVX2 void yc_warp3_avx2(const YcCanvas *src, const float m[6], uint8_t border, int dw, int dh, const YcHsvTables *hsv,
                        uint8_t *dst) {
    if (m[1] == 0.f && m[3] == 0.f && warp3_avx2_axis(src, m, border, dw, dh, hsv, dst)) return;
    size_t plane = (size_t)dw * dh;
    const __m256 iota = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 m0 = _mm256_set1_ps(m[0]), m2 = _mm256_set1_ps(m[2]), m3 = _mm256_set1_ps(m[3]),
                 m5 = _mm256_set1_ps(m[5]);
    const __m256 one = _mm256_set1_ps(1.f);
    const __m256i seven = _mm256_set1_epi32(7);
    __m256i pick[3] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    if (hsv) load_pick(hsv, pick);
    int tw = yc_hsv_trunc_width(dw);
    const __m256i three = _mm256_set1_epi32(3);
    const __m256i sels[3] = {SEL(0), SEL(1), SEL(2)};
    for (int y = 0; y < dh; y++) {
        float fy = (float)y, m1fy = m[1] * fy, m4fy = m[4] * fy;
        const __m256 vm1fy = _mm256_set1_ps(m1fy), vm4fy = _mm256_set1_ps(m4fy);
        uint8_t *row = dst + (size_t)y * dw;
        int x = 0;
        for (; x + 8 <= dw; x += 8) {
            __m256 fx = _mm256_add_ps(_mm256_set1_ps((float)x), iota);
            __m256 sx = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(m0, fx), vm1fy), m2);
            __m256 sy = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(m3, fx), vm4fy), m5);
            /* sx and sy are monotonic along the row (each rounding step is), so
             * the group's extent is given by its first and last lanes */
            float sx_first = _mm256_cvtss_f32(sx), sx_last = _mm256_cvtss_f32(_mm256_permutevar8x32_ps(sx, seven));
            float sy_first = _mm256_cvtss_f32(sy), sy_last = _mm256_cvtss_f32(_mm256_permutevar8x32_ps(sy, seven));
            float sxa = sx_first < sx_last ? sx_first : sx_last, sxb = sx_first < sx_last ? sx_last : sx_first;
            float sya = sy_first < sy_last ? sy_first : sy_last, syb = sy_first < sy_last ? sy_last : sy_first;
            const YcCanvasPart *part = NULL;
            bool finite = sx_first == sx_first && sx_last == sx_last && sy_first == sy_first && sy_last == sy_last;
            if (finite && sxa >= 0.f && sya >= 0.f && sxb < (float)(src->w - 1) && syb < (float)(src->h - 1)) {
                /* one part must hold every lane's 2x2 block */
                int xa = (int)sxa, xb = (int)sxb, ya = (int)sya, yb = (int)syb;
                for (int i = 0; i < src->nparts && !part; i++) {
                    const YcCanvasPart *p = &src->part[i];
                    if (xa >= p->x0 && xb + 1 < p->x1 && ya >= p->y0 && yb + 1 < p->y1) part = p;
                }
            }
            if (!part && finite && src->fill == border) {
                /* blocks touching no part read only fill and border: the pixel is that value */
                int xa = floor_clamped(sxa), xb = floor_clamped(sxb) + 1;
                int ya = floor_clamped(sya), yb = floor_clamped(syb) + 1;
                bool touch = false;
                for (int i = 0; i < src->nparts && !touch; i++) {
                    const YcCanvasPart *p = &src->part[i];
                    touch = xb >= p->x0 && xa < p->x1 && yb >= p->y0 && ya < p->y1;
                }
                if (!touch) {
                    uint8_t v = hsv ? hsv->gray[x >= tw][border] : border;
                    for (int c = 0; c < 3; c++) memset(row + c * plane + x, v, 8);
                    continue;
                }
            }
            if (!part) {
                float sxs[8], sys[8];
                _mm256_storeu_ps(sxs, sx);
                _mm256_storeu_ps(sys, sy);
                for (int k = 0; k < 8; k++) yc_warp3_pixel_scalar(src, sxs[k], sys[k], border, row + x + k, plane);
                if (hsv) yc_hsv_span_scalar(hsv, row + x, row + plane + x, row + 2 * plane + x, 8, x >= tw);
                continue;
            }
            __m256i x0 = _mm256_cvttps_epi32(sx), y0 = _mm256_cvttps_epi32(sy);
            __m256 ax = _mm256_sub_ps(sx, _mm256_cvtepi32_ps(x0)), ay = _mm256_sub_ps(sy, _mm256_cvtepi32_ps(y0));
            __m256 omx = _mm256_sub_ps(one, ax), omy = _mm256_sub_ps(one, ay);
            __m256 w00 = _mm256_mul_ps(omx, omy), w01 = _mm256_mul_ps(ax, omy);
            __m256 w10 = _mm256_mul_ps(omx, ay), w11 = _mm256_mul_ps(ax, ay);
            __m256i rx = _mm256_sub_epi32(x0, _mm256_set1_epi32(part->x0));
            __m256i ry = _mm256_sub_epi32(y0, _mm256_set1_epi32(part->y0));
            __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(ry, _mm256_set1_epi32(part->stride)), _mm256_mullo_epi32(rx, three));
            int offs[8];
            _mm256_storeu_si256((__m256i *)offs, off);
            /* 8 bytes per pixel and row hold both horizontal neighbours (RGB RGB);
             * pixels are placed (0 1 | 4 5) and (2 3 | 6 7) so that unpacking the
             * 64-bit halves gives them back in order */
            const uint8_t *row0 = part->data, *row1 = part->data + part->stride;
            uint64_t top[8], bot[8];
            static const int order[8] = {0, 1, 4, 5, 2, 3, 6, 7};
            for (int k = 0; k < 8; k++) {
                memcpy(&top[k], row0 + offs[order[k]], 8);
                memcpy(&bot[k], row1 + offs[order[k]], 8);
            }
            __m256i t_lo = _mm256_loadu_si256((const __m256i *)top), t_hi = _mm256_loadu_si256((const __m256i *)(top + 4));
            __m256i b_lo = _mm256_loadu_si256((const __m256i *)bot), b_hi = _mm256_loadu_si256((const __m256i *)(bot + 4));
            __m256i rgb[3];
            for (int c = 0; c < 3; c++) {
                const __m256i sel = sels[c];
                __m256i st_lo = _mm256_shuffle_epi8(t_lo, sel), st_hi = _mm256_shuffle_epi8(t_hi, sel);
                __m256i sb_lo = _mm256_shuffle_epi8(b_lo, sel), sb_hi = _mm256_shuffle_epi8(b_hi, sel);
                __m256 a = _mm256_cvtepi32_ps(_mm256_unpacklo_epi64(st_lo, st_hi));
                __m256 b = _mm256_cvtepi32_ps(_mm256_unpackhi_epi64(st_lo, st_hi));
                __m256 cc = _mm256_cvtepi32_ps(_mm256_unpacklo_epi64(sb_lo, sb_hi));
                __m256 d = _mm256_cvtepi32_ps(_mm256_unpackhi_epi64(sb_lo, sb_hi));
                __m256 v = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(a, w00), _mm256_mul_ps(b, w01)),
                                                       _mm256_mul_ps(cc, w10)),
                                         _mm256_mul_ps(d, w11));
                /* round half to even (default MXCSR); a blend of 0..255 stays in 0..255 */
                rgb[c] = _mm256_cvtps_epi32(v);
            }
            if (hsv) hsv8(hsv, pick, rgb[0], rgb[1], rgb[2], row + x, row + plane + x, row + 2 * plane + x, x >= tw);
            else store3x8(row + x, row + plane + x, row + 2 * plane + x, rgb[0], rgb[1], rgb[2]);
        }
        for (; x < dw; x++) {
            float fx = (float)x;
            float sx = m[0] * fx + m1fy + m[2];
            float sy = m[3] * fx + m4fy + m[5];
            yc_warp3_pixel_scalar(src, sx, sy, border, row + x, plane);
            if (hsv) yc_hsv_span_scalar(hsv, row + x, row + plane + x, row + 2 * plane + x, 1, x >= tw);
        }
    }
}
