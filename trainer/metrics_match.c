/* Per-image matching: predictions against ground truth at the ten IoU
 * thresholds, and the confusion matrix update, with the reference's rules. */
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

/* torch.linspace(0.5, 0.95, 10) in float32 (each equals the float nearest the decimal). */
const float yc_metrics_iou_thresholds[YC_METRICS_IOUS] = {0.5f,  0.55f, 0.6f,  0.65f, 0.7f,
                                                          0.75f, 0.8f,  0.85f, 0.9f,  0.95f};

float yc_box_iou_f32(const float *a, const float *b) {
    float lo_x = a[0] > b[0] ? a[0] : b[0], hi_x = a[2] < b[2] ? a[2] : b[2];
    float lo_y = a[1] > b[1] ? a[1] : b[1], hi_y = a[3] < b[3] ? a[3] : b[3];
    float w = hi_x - lo_x, h = hi_y - lo_y;
    if (!(w > 0)) w = 0;
    if (!(h > 0)) h = 0;
    float inter = w * h;
    float area_a = (a[2] - a[0]) * (a[3] - a[1]);
    float area_b = (b[2] - b[0]) * (b[3] - b[1]);
    float denom = area_a + area_b;
    denom = denom - inter;
    denom = denom + 1e-7f;
    return inter / denom;
}

/* gt rows are (cls x1 y1 x2 y2), pred rows (x1 y1 x2 y2 conf cls). */
size_t yc_metrics_match_scratch_bytes(int n_pred, int n_gt) {
    return (size_t)n_pred * (sizeof(float) + sizeof(int)) + (size_t)n_gt * sizeof(uint16_t) + 64;
}

void yc_metrics_match(const float *pred, int n_pred, const float *gt, int n_gt, void *scratch, uint16_t *correct) {
    for (int j = 0; j < n_pred; j++) correct[j] = 0;
    if (n_pred == 0 || n_gt == 0) return;
    /* Each prediction's best ground truth of its class: the reference sorts the
     * candidate pairs by IoU and keeps one per prediction; on equal IoU the
     * later pair (larger gt index) comes first in its reversed ascending sort. */
    float *best_iou = scratch;
    int *best_gt = (int *)(best_iou + n_pred);
    for (int j = 0; j < n_pred; j++) {
        const float *p = pred + (size_t)j * 6;
        best_iou[j] = -1.0f;
        best_gt[j] = -1;
        for (int i = 0; i < n_gt; i++) {
            const float *g = gt + (size_t)i * 5;
            if (g[0] != p[5]) continue;
            float v = yc_box_iou_f32(g + 1, p);
            if (v >= best_iou[j]) {
                best_iou[j] = v;
                best_gt[j] = i;
            }
        }
    }
    /* Then one prediction per ground truth: the first in prediction order. */
    uint16_t *taken = (uint16_t *)(best_gt + n_pred);
    for (int i = 0; i < n_gt; i++) taken[i] = 0;
    for (int j = 0; j < n_pred; j++) {
        if (best_gt[j] < 0) continue;
        for (int t = 0; t < YC_METRICS_IOUS; t++) {
            uint16_t bit = (uint16_t)(1u << t);
            if (best_iou[j] >= yc_metrics_iou_thresholds[t] && !(taken[best_gt[j]] & bit)) {
                taken[best_gt[j]] |= bit;
                correct[j] |= bit;
            }
        }
    }
}

size_t yc_metrics_confusion_scratch_bytes(int n_pred, int n_gt) {
    return (size_t)(n_pred + n_gt) * (sizeof(float) + 2 * sizeof(int)) + 64;
}

void yc_metrics_confusion_add(double *matrix, int nc, const float *pred, int n_pred, const float *gt, int n_gt,
                              float conf, float iou, void *scratch) {
    size_t stride = (size_t)nc + 1;
    if (n_gt == 0) {
        for (int j = 0; j < n_pred; j++) {
            const float *p = pred + (size_t)j * 6;
            if (p[4] > conf) matrix[(size_t)(int)p[5] * stride + (size_t)nc] += 1;
        }
        return;
    }
    if (n_pred == 0) {
        for (int i = 0; i < n_gt; i++) matrix[(size_t)nc * stride + (size_t)(int)gt[(size_t)i * 5]] += 1;
        return;
    }
    /* Per prediction above conf: its best ground truth with IoU > iou (any class;
     * on equal IoU the larger gt index), then per ground truth the best of the
     * predictions that chose it (on equal IoU the larger prediction index). */
    float *det_iou = scratch;                 /* [n_pred] */
    float *gt_iou = det_iou + n_pred;         /* [n_gt] */
    int *det_gt = (int *)(gt_iou + n_gt);     /* [n_pred] */
    int *gt_det = det_gt + n_pred;            /* [n_gt] */
    int *det_matched = gt_det + n_gt;         /* [n_pred] */
    for (int i = 0; i < n_gt; i++) {
        gt_det[i] = -1;
        gt_iou[i] = 0;
    }
    for (int j = 0; j < n_pred; j++) {
        const float *p = pred + (size_t)j * 6;
        det_gt[j] = -1;
        det_matched[j] = 0;
        if (!(p[4] > conf)) continue;
        for (int i = 0; i < n_gt; i++) {
            float v = yc_box_iou_f32(gt + (size_t)i * 5 + 1, p);
            if (v > iou && (det_gt[j] < 0 || v >= det_iou[j])) {
                det_iou[j] = v;
                det_gt[j] = i;
            }
        }
    }
    for (int j = 0; j < n_pred; j++) {
        int i = det_gt[j];
        if (i < 0) continue;
        if (gt_det[i] < 0 || det_iou[j] >= gt_iou[i]) {
            gt_det[i] = j;
            gt_iou[i] = det_iou[j];
        }
    }
    for (int i = 0; i < n_gt; i++) {
        int gc = (int)gt[(size_t)i * 5];
        int j = gt_det[i];
        if (j >= 0) {
            matrix[(size_t)(int)pred[(size_t)j * 6 + 5] * stride + (size_t)gc] += 1; /* TP, or FP + FN of a wrong class */
            det_matched[j] = 1;
        } else {
            matrix[(size_t)nc * stride + (size_t)gc] += 1; /* FN */
        }
    }
    for (int j = 0; j < n_pred; j++) {
        const float *p = pred + (size_t)j * 6;
        if (p[4] > conf && !det_matched[j]) matrix[(size_t)(int)p[5] * stride + (size_t)nc] += 1; /* FP */
    }
}
