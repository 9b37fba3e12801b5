/* Non-maximum suppression as the reference's non_max_suppression (Ultralytics
 * 8.3.253 with torchvision's NMS): candidates whose best class score is above
 * conf, one row per (box, class) above conf when multi-label, an optional
 * class filter, at most max_nms candidates by score, then greedy suppression by
 * score in which a box is dropped when its IoU with a kept box of the same
 * class (any class when agnostic) is strictly above iou, keeping at most
 * max_det. The IoU is computed in float32 on the class-offset boxes exactly as
 * the reference, so kept boxes and their order are the reference's. Equal
 * scores are taken in candidate order (anchor, then class); torch's sort leaves
 * that order unspecified. The reference's 2 s + 50 ms/image time limit is not
 * imitated: every image is processed fully. */
#ifndef YC_NMS_H
#define YC_NMS_H

#include <stdbool.h>

#include "error.h"

typedef struct YcNmsOpts {
    double conf;        /* keep scores > conf (compared in float32, as the reference) */
    double iou;         /* suppress IoU > iou */
    int max_det;        /* most rows kept per image */
    int max_nms;        /* most candidates entering suppression (the best by score) */
    float max_wh;       /* the reference's class offset (7680) */
    bool multi_label;   /* a box may be kept for several classes (only when nc > 1) */
    bool agnostic;      /* suppress across classes */
    const int *classes; /* keep only these classes; NULL = all */
    int n_classes;
} YcNmsOpts;

/* The validation defaults: conf 0.001, iou 0.7, max_det 300, max_nms 30000,
 * max_wh 7680, multi_label, class-aware, no class filter. */
void yc_nms_opts_val(YcNmsOpts *o);

/* Scratch memory reused across images (one per thread). */
typedef struct YcNms YcNms;
YcNms *yc_nms_new(void);
void yc_nms_free(YcNms *w);

/* One image. pred: the decoded head output of the image, channel-major
 * [4 + nc][anchors] (xywh in input pixels, then class scores; a [B, 4+nc, A]
 * batch holds image b at pred + b * (4 + nc) * A). out: rows of x1 y1 x2 y2
 * conf cls, room for max_det rows, in the reference's order (score descending).
 * anchor_index (NULL or max_det ints): each row's anchor. Returns the number of
 * rows, or -1 with err. */
int yc_nms_image(YcNms *w, const float *pred, int nc, int anchors, const YcNmsOpts *o, float *out,
                 int *anchor_index, YcErr *err);

#endif
