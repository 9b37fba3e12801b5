/* Anchor grid geometry for the detection loss. */
#include "loss_anchors.h"

#include <math.h>

int yc_anchors_init(YcAnchors *a, int imgh, int imgw, YcErr *err) {
    if (imgh <= 0 || imgw <= 0 || imgh % 32 || imgw % 32)
        return yc_err(err, "image size %dx%d: both sides must be positive multiples of 32", imgh, imgw);
    if (imgh > 32768 || imgw > 32768) return yc_err(err, "image size %dx%d: too large", imgh, imgw);
    a->imgh = imgh;
    a->imgw = imgw;
    a->offset[0] = 0;
    for (int l = 0; l < YC_DET_LEVELS; l++) {
        a->stride[l] = 8 << l;
        a->h[l] = imgh / a->stride[l];
        a->w[l] = imgw / a->stride[l];
        a->offset[l + 1] = a->offset[l] + a->h[l] * a->w[l];
    }
    a->na = a->offset[YC_DET_LEVELS];
    return 0;
}

void yc_anchor_cell(const YcAnchors *a, int index, int *level, int *x, int *y) {
    int l = 0;
    while (l < YC_DET_LEVELS - 1 && index >= a->offset[l + 1]) l++;
    int i = index - a->offset[l];
    *level = l;
    *y = i / a->w[l];
    *x = i % a->w[l];
}

bool yc_anchor_span(int n, int stride, float lo, float hi, int *first, int *last) {
    if (isnan(lo) || isnan(hi) || n <= 0) return false;
    /* Start one cell before the estimate and walk: the float test decides. */
    double est = floor((double)lo / stride - 0.5) - 1.0;
    int i = est < 0 ? 0 : est > n ? n : (int)est;
    while (i < n && !(yc_anchor_centre_px(i, stride) - lo > 1e-9f)) i++;
    if (i >= n) return false;
    double est_hi = ceil((double)hi / stride - 0.5) + 1.0;
    int j = est_hi < 0 ? -1 : est_hi > n - 1 ? n - 1 : (int)est_hi;
    while (j >= i && !(hi - yc_anchor_centre_px(j, stride) > 1e-9f)) j--;
    if (j < i) return false;
    *first = i;
    *last = j;
    return true;
}
