/* The reference's colour-space augmentation (kernels in image_simd.c: RGB ->
 * HSV with OpenCV's 8-bit fixed-point formulas, tables built from the gains
 * as the reference builds them, float HSV -> RGB), and the flips, on
 * interleaved images and on planar ones (what the pipeline holds after the warp). */
#include <stdint.h>
#include <string.h>

#include "image_ops.h"
#include "image_simd.h"

void yc_hsv_apply(YcImage *im, const double r[3]) {
    if (im->c != 3) return;
    YcHsvTables t;
    yc_hsv_tables(r, &t);
    yc_hsv_interleaved_scalar(&t, im->data, im->w, im->h);
}

void yc_hsv_apply_planar(uint8_t *planes, int h, int w, const double r[3]) {
    YcHsvTables t;
    yc_hsv_tables(r, &t);
    size_t n = (size_t)h * w;
    if (yc_simd_avx2()) yc_hsv_planes_avx2(&t, planes, planes + n, planes + 2 * n, w, h);
    else yc_hsv_planes_scalar(&t, planes, planes + n, planes + 2 * n, w, h);
}

void yc_flip_lr_planar(uint8_t *planes, int h, int w, int c) {
    for (int k = 0; k < c; k++) {
        uint8_t *p = planes + (size_t)k * h * w;
        if (yc_simd_avx2()) yc_reverse_rows_avx2(p, w, h);
        else yc_reverse_rows_scalar(p, w, h);
    }
}

void yc_flip_ud_planar(uint8_t *planes, int h, int w, int c) {
    YcImage plane = {.h = h, .w = w, .c = 1};
    for (int k = 0; k < c; k++) {
        plane.data = planes + (size_t)k * h * w;
        yc_flip_ud(&plane);
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
