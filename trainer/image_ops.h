/* Pixel operations of the training and validation transforms, written to
 * reproduce the reference's OpenCV calls on 8-bit images:
 *   resize       cv2.resize(..., INTER_LINEAR) (fixed-point bilinear, half-pixel centres)
 *   warp_affine  cv2.warpAffine(..., INTER_LINEAR, BORDER_CONSTANT, 114)
 *   warp_persp.  cv2.warpPerspective(..., INTER_LINEAR, BORDER_CONSTANT, 114)
 *   hsv          the reference's RandomHSV: RGB->HSV (OpenCV's 8-bit formulas),
 *                per-channel lookup tables, HSV->RGB
 * All take interleaved 8-bit images (any channel count for the geometric
 * operations; 3 channels for HSV). */
#ifndef YC_IMAGE_OPS_H
#define YC_IMAGE_OPS_H

#include <stdbool.h>

#include "error.h"
#include "image.h"

/* Resizes src into dst (dst already allocated with the target h and w and the same c). */
void yc_resize_linear(const YcImage *src, YcImage *dst);

/* dst(x, y) = src(M^-1 (x, y)) for the forward 2x3 matrix M (as given to
 * cv2.warpAffine); pixels mapped from outside src get `border`. */
void yc_warp_affine(const YcImage *src, YcImage *dst, const double M[6], uint8_t border);

/* The same for a 3x3 perspective matrix (cv2.warpPerspective). */
void yc_warp_perspective(const YcImage *src, YcImage *dst, const double M[9], uint8_t border);

/* Planar variants used by the training pipeline: src is 3-channel
 * interleaved and allocated by yc_image_alloc; dst receives 3 planes of
 * dw x dh (R, G, B). Identical values to the interleaved versions. */
void yc_warp_affine_planar(const YcImage *src, uint8_t *dst, int dw, int dh, const double M[6], uint8_t border);
/* The affine warp reading a canvas (a mosaic that was never copied together). */
void yc_warp_canvas_planar(const YcCanvas *c, uint8_t *dst, int dw, int dh, const double M[6], uint8_t border);
/* ... followed by the HSV augmentation with these gains (NULL: none), in one pass. */
void yc_warp_canvas_planar_hsv(const YcCanvas *c, uint8_t *dst, int dw, int dh, const double M[6], uint8_t border,
                               const double *hsv_gains);
void yc_warp_perspective_planar(const YcImage *src, uint8_t *dst, int dw, int dh, const double M[9], uint8_t border);

/* The reference's HSV augmentation with the gains already drawn:
 * gains = (uniform(-1,1) * hsv_h, uniform(-1,1) * hsv_s, uniform(-1,1) * hsv_v).
 * RGB images (c == 3) only; others are left unchanged. */
void yc_hsv_apply(YcImage *im, const double gains[3]);

/* The same on three planes of h x w (R, G, B). */
void yc_hsv_apply_planar(uint8_t *planes, int h, int w, const double gains[3]);

/* In-place mirror (left-right) and flip (up-down), interleaved and planar (c planes). */
void yc_flip_lr(YcImage *im);
void yc_flip_ud(YcImage *im);
void yc_flip_lr_planar(uint8_t *planes, int h, int w, int c);
void yc_flip_ud_planar(uint8_t *planes, int h, int w, int c);

/* Letterbox geometry: how an image of h x w goes into new_h x new_w.
 * scaleup=false only shrinks (validation); center=true splits the padding.
 * Rounding follows the reference (Python round-half-even). */
typedef struct YcLetterbox {
    double ratio;            /* scale applied to the image */
    int unpad_w, unpad_h;    /* resized size before padding */
    int top, bottom, left, right;
} YcLetterbox;

void yc_letterbox_plan(int h, int w, int new_h, int new_w, bool scaleup, bool center, YcLetterbox *lb);

/* Applies the plan: resize (if the size changes) and pad with `border`
 * into dst (allocated here, new_h x new_w; top+unpad_h+bottom may differ from
 * new_h by the reference's rounding, dst takes the padded size). */
int yc_letterbox_apply(const YcImage *src, const YcLetterbox *lb, uint8_t border, YcImage *dst, YcErr *err);

/* Python's round() for doubles: half to even. */
double yc_round_half_even(double x);

#endif
