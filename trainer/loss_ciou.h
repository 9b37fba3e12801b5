/* Complete IoU (CIoU) of two xyxy boxes, computed in float32 with the same
 * operation order as the reference (Ultralytics bbox_iou(..., CIoU=True),
 * eps 1e-7 added to the heights, the union and the enclosing diagonal), and
 * its gradient with respect to the first box. As in the reference, the
 * aspect-ratio weight alpha = v / (v - iou + 1 + eps) is treated as a
 * constant in the gradient. */
#ifndef YC_LOSS_CIOU_H
#define YC_LOSS_CIOU_H

/* The intermediate values of one CIoU evaluation, kept for the gradient. */
typedef struct YcCiou {
    float ciou;               /* iou - (rho2 / c2 + v * alpha) */
    float iou, inter, uni;    /* intersection over union; uni includes eps */
    float iw_raw, ih_raw;     /* intersection extents before clamping at 0 */
    float w1, h1, w2, h2;     /* widths; heights include eps */
    float cw, ch, c2, rho2;   /* enclosing box, its squared diagonal (+ eps), squared centre distance */
    float v, alpha;           /* aspect-ratio term and its constant weight */
} YcCiou;

/* CIoU of box a against box b (both x1, y1, x2, y2). Returns the CIoU; fills
 * `st` (may be NULL) with the intermediates. The order matters for rounding:
 * the reference's assigner calls it with (gt, pred), the box loss with (pred, target). */
float yc_ciou(const float a[4], const float b[4], YcCiou *st);

/* d CIoU / d a[0..3] (box a's x1, y1, x2, y2) from the intermediates of
 * yc_ciou(a, b, st). Ties in the min/max of the intersection and enclosing box
 * split the gradient in halves, as torch.minimum/maximum do. */
void yc_ciou_grad_a(const float a[4], const float b[4], const YcCiou *st, double grad_a[4]);

#endif
