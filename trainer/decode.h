/* Decoding the detection head (the reference's Detect._inference): per anchor,
 * a softmax over the reg_max bins of each side and its expectation (the DFL,
 * distances in grid cells), anchor points at cell centres, boxes = anchor -/+
 * (left, top / right, bottom) times the level's stride, and sigmoid class
 * scores. Output [batch][4 + nc][anchors], anchors level after level, row-major
 * within a level: what yc_nms_image reads. */
#ifndef YC_DECODE_H
#define YC_DECODE_H

#include <stdbool.h>

#include "error.h"

/* One level's raw head output: [batch][4 * reg_max + nc][h][w], contiguous. */
typedef struct YcHeadLevel {
    const float *data;
    int h, w;
    float stride;
} YcHeadLevel;

/* Sum of h * w over the levels. */
int yc_decode_anchor_count(const YcHeadLevel *levels, int nl);

/* xyxy false: boxes as centre x, centre y, width, height (the reference's
 * default); true: x1 y1 x2 y2. out holds batch * (4 + nc) * anchors floats. */
int yc_decode_head(const YcHeadLevel *levels, int nl, int batch, int nc, int reg_max, bool xyxy, float *out,
                   YcErr *err);

#endif
