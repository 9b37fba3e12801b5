/* The detection head's anchor grid: three levels (strides 8, 16, 32), anchor
 * points at cell centres, numbered level by level, row by row, as the
 * reference's make_anchors concatenates them. */
#ifndef YC_LOSS_ANCHORS_H
#define YC_LOSS_ANCHORS_H

#include <stdbool.h>

#include "error.h"

#define YC_DET_LEVELS 3
#define YC_REG_MAX 16                   /* distribution bins per box side */
#define YC_BOX_CHANNELS (4 * YC_REG_MAX) /* head channels before the class logits */

typedef struct YcAnchors {
    int imgh, imgw;                  /* input size in pixels (multiples of 32) */
    int stride[YC_DET_LEVELS];       /* 8, 16, 32 */
    int h[YC_DET_LEVELS], w[YC_DET_LEVELS];
    int offset[YC_DET_LEVELS + 1];   /* first anchor of each level; offset[3] = na */
    int na;                          /* anchors in all levels */
} YcAnchors;

/* The grid for an input of imgh x imgw pixels (both positive multiples of 32). */
int yc_anchors_init(YcAnchors *a, int imgh, int imgw, YcErr *err);

/* Level and cell of anchor `index`. */
void yc_anchor_cell(const YcAnchors *a, int index, int *level, int *x, int *y);

/* Anchor centre in pixels, computed as the reference does in float32
 * ((cell + 0.5) * stride). */
static inline float yc_anchor_centre_px(int cell, int stride) { return ((float)cell + 0.5f) * (float)stride; }

/* Along one axis of a level with n cells: the cells whose centre c lies
 * strictly inside (lo, hi) by the reference's test (c - lo > 1e-9 and
 * hi - c > 1e-9 in float32). Returns false if none (also for NaN bounds). */
bool yc_anchor_span(int n, int stride, float lo, float hi, int *first, int *last);

/* True if the anchor centre (cx, cy) in pixels is strictly inside box (x1, y1, x2, y2)
 * by the same test. */
static inline bool yc_anchor_inside(float cx, float cy, const float box[4]) {
    return cx - box[0] > 1e-9f && cy - box[1] > 1e-9f && box[2] - cx > 1e-9f && box[3] - cy > 1e-9f;
}

#endif
