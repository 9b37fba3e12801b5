/* The YOLOv8 detection loss (the reference's v8DetectionLoss) with analytic
 * gradients into the three head outputs.
 *
 * Inputs: the raw head outputs pred[l] [B, 64 + nc, H_l, W_l] (NCHW; 4 sides x
 * 16 distribution bins, then the class logits; strides 8, 16, 32), targets
 * [M][6] = image index, class, x, y, w, h (normalised to the image), gains.
 * The task-aligned assigner (assign_tal.h) runs on the detached predictions;
 * then, with S = max(sum of target scores, 1):
 *   box = sum over foreground of (1 - CIoU(pred, target)) * w / S   (grid units)
 *   dfl = sum over foreground of mean over sides of the two-bin cross-entropy
 *         around the target distance (clamped to 14.99) * w / S
 *   cls = sum over all anchors and classes of BCE-with-logits / S
 * with w the anchor's target score. The reference reports
 * items = (box * box_gain, cls * cls_gain, dfl * dfl_gain) and back-propagates
 * total = (sum of items) * B; the gradients returned here are d total / d pred.
 *
 * A workspace is created once for the largest batch, image size, class count
 * and number of targets; computing allocates nothing. */
#ifndef YC_LOSS_V8_H
#define YC_LOSS_V8_H

#include <stdbool.h>

#include "assign_tal.h"
#include "error.h"
#include "loss_anchors.h"

typedef struct YcDetLoss YcDetLoss;

typedef struct YcDetLossInput {
    int batch;                        /* images (<= the workspace's batch) */
    int imgh, imgw;                   /* input size; anchors must fit the workspace's */
    const float *pred[YC_DET_LEVELS]; /* [batch, 64 + nc, imgh / s, imgw / s] for s = 8, 16, 32 */
    const float *targets;             /* [ntargets][6]: image, class, x, y, w, h (0..1); may be NULL if none */
    int ntargets;
    double box_gain, cls_gain, dfl_gain; /* the box, cls and dfl arguments (7.5, 0.5, 1.5) */
    float *grad[YC_DET_LEVELS];       /* out: d total / d pred[l], same layout (overwritten); NULL: loss only */
    bool keep_assignment;             /* reuse the previous call's targets and assignment (gradient checks) */
} YcDetLossInput;

typedef struct YcDetLossOutput {
    float items[3];          /* box, cls, dfl as the reference reports them (loss.detach()) */
    double total;            /* (box + cls + dfl) * batch: the differentiated loss */
    double target_score_sum; /* S = max(sum of target scores, 1) */
    int foreground;          /* foreground anchors in the batch */
} YcDetLossOutput;

/* One foreground anchor of the last computation. */
typedef struct YcDetFg {
    int image, anchor, gt, cls; /* gt: index among the image's targets, in target order */
    float score;                /* target score */
} YcDetFg;

/* Workspace for up to `batch` images of up to imgh x imgw pixels (anchor
 * count), `nc` classes and `max_targets` target rows per call. */
YcDetLoss *yc_det_loss_create(int batch, int imgh, int imgw, int nc, int max_targets, YcErr *err);
void yc_det_loss_free(YcDetLoss *ws);

/* Grows the workspace to hold `max_targets` target rows (no-op when it
 * already does); for the rare batch with more boxes than planned. On failure
 * the workspace keeps its old capacity. */
int yc_det_loss_reserve(YcDetLoss *ws, int max_targets, YcErr *err);

/* Computes the loss (and the gradients if in->grad[0] is set). Errors: sizes
 * beyond the workspace, non-finite targets, an image index outside the batch
 * or a class outside 0..nc-1 (naming the target row). Non-finite predictions
 * give non-finite results, not errors: check out->total. */
int yc_det_loss_compute(YcDetLoss *ws, const YcDetLossInput *in, YcDetLossOutput *out, YcErr *err);

/* The foreground anchors of the last computation, by image then anchor. */
int yc_det_loss_assignment(const YcDetLoss *ws, const YcDetFg **fg);

#endif
