/* The task-aligned assigner (TOOD) as the reference's TaskAlignedAssigner
 * computes it (topk 10, alpha 0.5, beta 6.0, eps 1e-9), for one image at a time:
 *
 * - candidates of a ground truth: anchor centres strictly inside its box;
 * - overlap = CIoU(gt, predicted box) clamped at 0 (pixels);
 *   alignment = score(gt class)^0.5 * overlap^6 (0 outside the box);
 * - each ground truth keeps the anchors that torch.topk(alignment over all
 *   anchors, 10) returns on the CPU, ties included (assign_topk.h), that are
 *   also candidates;
 * - an anchor kept by several ground truths goes to the ground truth with the
 *   highest overlap over all ground truths of the image (first on ties);
 * - target score of a foreground anchor = alignment * (its ground truth's
 *   largest overlap) / (its ground truth's largest alignment + 1e-9), both
 *   maxima over the anchors finally assigned to that ground truth.
 *
 * Only the candidates of each ground truth are visited, so the cost is
 * proportional to the anchors inside boxes, not anchors x ground truths. */
#ifndef YC_ASSIGN_TAL_H
#define YC_ASSIGN_TAL_H

#include <stdbool.h>

#include "assign_topk.h"
#include "error.h"
#include "loss_anchors.h"

#define YC_TAL_TOPK 10

/* One ground-truth box of the image, in pixels. `valid` is the reference's
 * mask_gt (x1 + y1 + x2 + y2 > 0); invalid boxes are never assigned but keep
 * their place in the tie order. */
typedef struct YcTalGt {
    float box[4];
    int cls;
    bool valid;
} YcTalGt;

/* Where the assigner reads the (detached) predictions of the image. */
typedef struct YcTalPred {
    void *ctx;
    float (*score)(void *ctx, int anchor, int cls);   /* sigmoid of the class logit */
    const float *(*box)(void *ctx, int anchor);       /* predicted x1 y1 x2 y2 in pixels */
} YcTalPred;

/* A foreground anchor: its ground truth and target score (the value of the
 * one-hot class target at the ground truth's class). */
typedef struct YcTalFg {
    int anchor;
    int gt;
    float score;
} YcTalFg;

typedef struct YcTal {
    int na_cap, gt_cap;
    int *count;            /* [na_cap] ground truths that kept the anchor (0 between calls) */
    int *gt_of;            /* [na_cap] */
    float *metric, *overlap; /* [na_cap] alignment and overlap with gt_of */
    int *touched;          /* [gt_cap * topk] anchors kept by someone */
    YcTopkItem *items;     /* [max(na_cap, topk)] scratch for the selection */
    float *pos_align, *pos_overlap; /* [gt_cap] */
} YcTal;

int yc_tal_init(YcTal *t, int na_cap, int gt_cap, YcErr *err);
void yc_tal_free(YcTal *t);

/* Assigns one image: `ngt` ground truths (<= gt_cap) in their order. Writes
 * the foreground anchors to fg (capacity min(na, topk * ngt)) in ascending
 * anchor order and returns their number. */
int yc_tal_assign(YcTal *t, const YcAnchors *anc, const YcTalPred *pred, const YcTalGt *gts, int ngt,
                  YcTalFg *fg);

/* Overlap (CIoU clamped at 0, NaN kept) and alignment of ground truth `gt`
 * with the prediction at `anchor`; both 0 when the anchor centre is not
 * strictly inside the box or the box is not valid. */
void yc_tal_metric(const YcAnchors *anc, const YcTalPred *pred, const YcTalGt *gt, int anchor, float *overlap,
                   float *metric);

#endif
