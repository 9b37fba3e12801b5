/* Letterboxing: resize keeping the aspect ratio, then pad to the target size,
 * with the reference's rounding of the resized size and of the padding. */
#include <string.h>

#include "image_ops.h"

void yc_letterbox_plan(int h, int w, int new_h, int new_w, bool scaleup, bool center, YcLetterbox *lb) {
    double r = (double)new_h / h < (double)new_w / w ? (double)new_h / h : (double)new_w / w;
    if (!scaleup && r > 1.0) r = 1.0;
    lb->ratio = r;
    lb->unpad_w = (int)yc_round_half_even(w * r);
    lb->unpad_h = (int)yc_round_half_even(h * r);
    double dw = new_w - lb->unpad_w, dh = new_h - lb->unpad_h;
    if (center) {
        dw /= 2;
        dh /= 2;
    }
    lb->top = center ? (int)yc_round_half_even(dh - 0.1) : 0;
    lb->bottom = (int)yc_round_half_even(dh + 0.1);
    lb->left = center ? (int)yc_round_half_even(dw - 0.1) : 0;
    lb->right = (int)yc_round_half_even(dw + 0.1);
}

int yc_letterbox_apply(const YcImage *src, const YcLetterbox *lb, uint8_t border, YcImage *dst, YcErr *err) {
    int uh = lb->unpad_h, uw = lb->unpad_w, c = src->c;
    int oh = lb->top + uh + lb->bottom, ow = lb->left + uw + lb->right;
    if (uh <= 0 || uw <= 0) return yc_err(err, "letterbox: image shrinks to nothing (%dx%d)", uw, uh);
    if (yc_image_alloc(dst, oh, ow, c, err)) return -1;
    YcImage resized = *src;
    YcImage owned = {0};
    if (src->w != uw || src->h != uh) {
        if (yc_image_alloc(&owned, uh, uw, c, err)) {
            yc_image_free(dst);
            return -1;
        }
        yc_resize_linear(src, &owned);
        resized = owned;
    }
    size_t out_stride = (size_t)ow * c, row = (size_t)uw * c;
    for (int y = 0; y < oh; y++) {
        uint8_t *d = dst->data + (size_t)y * out_stride;
        int sy = y - lb->top;
        if (sy < 0 || sy >= uh) {
            memset(d, border, out_stride);
            continue;
        }
        memset(d, border, (size_t)lb->left * c);
        memcpy(d + (size_t)lb->left * c, resized.data + (size_t)sy * row, row);
        memset(d + (size_t)(lb->left + uw) * c, border, (size_t)lb->right * c);
    }
    yc_image_free(&owned);
    return 0;
}
