/* AVX2 versions of the kernels in image_simd.c: eight pixels at a time, the
 * same single-precision operations in the same order (no FMA: contraction
 * is off in C11 mode), so the output is identical to the scalar kernels.
 * Compiled for every target; only called when yc_simd_avx2() is true. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "image_simd.h"

#define AVX2 __attribute__((target("avx2")))

void yc_warp3_pixel_scalar(const YcCanvas *src, float sx, float sy, uint8_t border, uint8_t *o, size_t plane);

/* Stores the low byte of each of eight int32 lanes (0..255) to dst[0..7]. */
AVX2 static inline void store8(uint8_t *dst, __m256i q) {
    __m256i w = _mm256_packus_epi32(q, q);   /* per 128-bit lane: q0..3 q0..3 | q4..7 q4..7 */
    __m256i b = _mm256_packus_epi16(w, w);   /* bytes: q0..3 repeated | q4..7 repeated */
    __m128i lo = _mm256_castsi256_si128(b), hi = _mm256_extracti128_si256(b, 1);
    _mm_storel_epi64((__m128i *)dst, _mm_unpacklo_epi32(lo, hi));
}

/* Eight 32-bit loads at byte offsets: scalar loads beat the gather
 * instruction on the AMD cores we measured. */
/* Eight unaligned 32-bit loads at byte offsets: scalar loads beat the
 * gather instruction on the AMD cores we measured. */
AVX2 static inline __m256i load8(const uint8_t *base, const int *off) {
    uint32_t v[8];
    for (int k = 0; k < 8; k++) memcpy(&v[k], base + off[k], 4);
    return _mm256_loadu_si256((const __m256i *)v);
}

/* floor(v) for finite v, clamped to +-2^24 (far outside any canvas). */
static inline int floor_clamped(float v) {
    const float lim = 16777216.f;
    v = v < -lim ? -lim : v > lim ? lim : v;
    int t = (int)v;
    return (float)t > v ? t - 1 : t;
}

/* A table lookup for eight lanes with scalar loads (see load8). */
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

/* round(num / x) for 1 <= x <= 255: single-precision division rounds to the
 * same integers as the double-precision tables (checked for every x); 0 for x = 0. */
AVX2 static inline __m256i recip_round(float num, __m256i x) {
    __m256 q = _mm256_div_ps(_mm256_set1_ps(num), _mm256_cvtepi32_ps(x));
    __m256i r = _mm256_cvtps_epi32(q);
    return _mm256_andnot_si256(_mm256_cmpeq_epi32(x, _mm256_setzero_si256()), r);
}

/* The HSV augmentation of eight pixels given as int32 lanes, stored to r, g, b. */
AVX2 static inline void hsv8(const YcHsvTables *t, const __m256i pick[3], __m256i R, __m256i G, __m256i B, uint8_t *r,
                             uint8_t *g, uint8_t *b, bool round) {
    const __m256i half = _mm256_set1_epi32(1 << 11), i180 = _mm256_set1_epi32(180), izero = _mm256_setzero_si256();
    const __m256i i1 = _mm256_set1_epi32(1), i255 = _mm256_set1_epi32(255);
    const __m256 one = _mm256_set1_ps(1.f), f255 = _mm256_set1_ps(255.0f);
    __m256i same = _mm256_and_si256(_mm256_cmpeq_epi32(R, G), _mm256_cmpeq_epi32(G, B));
    if (_mm256_movemask_epi8(same) == -1) {
        /* gray pixels (the mosaic's fill, for one): saturation 0, every channel V */
        int rv[8];
        _mm256_storeu_si256((__m256i *)rv, R);
        for (int k = 0; k < 8; k++) r[k] = g[k] = b[k] = t->gray[round][rv[k]];
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
    __m256 S = scaled_lut(s, _mm256_set1_pd(t->gain_s));
    __m256 V = scaled_lut(v, _mm256_set1_pd(t->gain_v));
    __m256 t1 = _mm256_mul_ps(V, _mm256_sub_ps(one, S));
    __m256 t2 = _mm256_mul_ps(V, _mm256_sub_ps(one, _mm256_mul_ps(S, f)));
    __m256 t3 = _mm256_mul_ps(V, _mm256_sub_ps(one, _mm256_mul_ps(S, _mm256_sub_ps(one, f))));
    /* V and t1 are always among the outputs, with t2 (odd sectors) or t3 (even);
     * with S = 0 all four equal V, so no special case is needed */
    __m256 mid = _mm256_blendv_ps(t3, t2, _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(sector, i1), i1)));
    uint8_t *out[3] = {r, g, b};
    for (int c = 0; c < 3; c++) {
        __m256i idx = _mm256_permutevar8x32_epi32(pick[c], sector);
        __m256 x = _mm256_blendv_ps(mid, V, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, izero)));
        x = _mm256_blendv_ps(x, t1, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, i1)));
        __m256 scaled = _mm256_mul_ps(x, f255);
        __m256i q = round ? _mm256_cvtps_epi32(scaled) : _mm256_cvttps_epi32(scaled);
        q = _mm256_min_epi32(_mm256_max_epi32(q, izero), i255);
        store8(out[c], q);
    }
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

AVX2 void yc_warp3_avx2(const YcCanvas *src, const float m[6], uint8_t border, int dw, int dh, const YcHsvTables *hsv,
                        uint8_t *dst) {
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
    const __m256i izero = _mm256_setzero_si256(), i255 = _mm256_set1_epi32(255);
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
            const uint8_t *row0 = part->data, *row1 = part->data + part->stride;
            __m256i g00 = load8(row0, offs), g01 = load8(row0 + 3, offs);
            __m256i g10 = load8(row1, offs), g11 = load8(row1 + 3, offs);
            __m256i rgb[3];
            for (int c = 0; c < 3; c++) {
                /* byte c of each 32-bit word, zero-extended (pshufb; -1 selects zero) */
                const __m256i sel = _mm256_setr_epi8(c, -1, -1, -1, 4 + c, -1, -1, -1, 8 + c, -1, -1, -1, 12 + c, -1, -1, -1,
                                                     c, -1, -1, -1, 4 + c, -1, -1, -1, 8 + c, -1, -1, -1, 12 + c, -1, -1, -1);
                __m256 a = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(g00, sel));
                __m256 b = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(g01, sel));
                __m256 cc = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(g10, sel));
                __m256 d = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(g11, sel));
                __m256 v = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(a, w00), _mm256_mul_ps(b, w01)),
                                                       _mm256_mul_ps(cc, w10)),
                                         _mm256_mul_ps(d, w11));
                __m256i q = _mm256_cvtps_epi32(v); /* round half to even (default MXCSR) */
                q = _mm256_min_epi32(_mm256_max_epi32(q, izero), i255);
                if (hsv) rgb[c] = q;
                else store8(row + c * plane + x, q);
            }
            if (hsv) hsv8(hsv, pick, rgb[0], rgb[1], rgb[2], row + x, row + plane + x, row + 2 * plane + x, x >= tw);
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
