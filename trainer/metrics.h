/* Detection metrics as the reference validator computes them (Ultralytics
 * 8.3.253 DetectionValidator + DetMetrics + ConfusionMatrix): per-image
 * matching at ten IoU thresholds, per-class AP (101-point interpolation of the
 * precision envelope), P/R/F1 curves over confidence, P and R at the best
 * smoothed mean F1, mAP50, mAP50-95, fitness, and the confusion matrix.
 *
 *   YcMetrics *m = yc_metrics_begin(nc, names, conf, &err);
 *   for each image: yc_metrics_add_image(m, pred, n, gt, g, &err);
 *   yc_metrics_finish(m, &result, &err);  ... yc_metrics_result_free(&result); yc_metrics_free(m);
 *
 * Predictions are rows of 6 floats (x1 y1 x2 y2 conf cls), in NMS output order
 * (confidence descending); ground truths rows of 5 floats (cls x1 y1 x2 y2) in
 * the same pixel space. The reference matches in the letterboxed input space
 * (it scales boxes to the original image only for predictions.json).
 *
 * Exact ties (equal confidences, equal IoUs) are broken deterministically
 * (stable order); the reference's NumPy/torch sorts leave their order
 * unspecified, so on exact ties the two may differ. See docs/METRICS.md. */
#ifndef YC_METRICS_H
#define YC_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strbuf.h"

#define YC_METRICS_IOUS 10           /* IoU thresholds 0.50:0.05:0.95 */
#define YC_METRICS_CURVE_POINTS 1000 /* P/R/F1 and PR curves, x = linspace(0, 1, 1000) */
#define YC_METRICS_PR_THRESHOLDS 201 /* pr_counts for TensorBoard's pr_curves */

/* The IoU thresholds exactly as the reference holds them (torch.linspace in float32). */
extern const float yc_metrics_iou_thresholds[YC_METRICS_IOUS];

typedef struct YcMetrics YcMetrics;

typedef struct YcMetricsResult {
    int nc;                  /* classes of the model */
    char **names;            /* [nc] */
    int images;              /* images added */
    long instances;          /* ground-truth boxes */
    long predictions;        /* predictions added */
    /* The `all` row: mean over classes with ground truth. fitness as the
     * reference's Metric.fitness (weights 0, 0, 0, 1: it equals map50_95). */
    double precision, recall, map50, map50_95, map75, fitness;
    int k;                   /* classes with ground truth: the rows below, ascending class */
    int *class_index;        /* [k] */
    long *class_images;      /* [k] images holding the class */
    long *class_instances;   /* [k] */
    long *class_predictions; /* [k] */
    double *p, *r, *f1;      /* [k] at the best smoothed mean F1 */
    double *ap;              /* [k * 10] AP per IoU threshold */
    double *ap50, *ap50_95;  /* [k] */
    double *maps;            /* [nc] ap50_95 of the class, map50_95 where the class has no ground truth */
    int best_index;          /* curve index of the best smoothed mean F1 */
    double curve_x[YC_METRICS_CURVE_POINTS];
    double *p_curve, *r_curve, *f1_curve; /* [k * 1000] over confidence x */
    double *pr_curve;        /* [k * 1000] precision at recall x, IoU 0.5; zeros without predictions */
    long *pr_tp, *pr_fp;     /* [k * 201] TP / FP at IoU 0.5 with conf bucket >= i (TensorBoard's rule) */
    double confusion_conf, confusion_iou;
    double *confusion;       /* [(nc + 1) * (nc + 1)], [predicted][true]; index nc = background */
} YcMetricsResult;

/* conf: the validation confidence threshold (NAN = the default 0.001). As the
 * reference, the confusion matrix uses 0.25 when conf is the default 0.001,
 * else conf. names may be NULL (then "0", "1", ...). NULL + err on failure. */
YcMetrics *yc_metrics_begin(int nc, const char *const *names, double conf, YcErr *err);

/* One image. Class values must be integers in [0, nc). Returns -1 on bad input
 * (nothing of the image is kept then). */
int yc_metrics_add_image(YcMetrics *m, const float *pred, int n_pred, const float *gt, int n_gt, YcErr *err);

/* Appends the images of src (another rank's or thread's accumulator, same nc) to dst. */
int yc_metrics_merge(YcMetrics *dst, const YcMetrics *src, YcErr *err);

/* Computes the metrics; the accumulator stays usable (more images may follow). */
int yc_metrics_finish(const YcMetrics *m, YcMetricsResult *result, YcErr *err);

void yc_metrics_free(YcMetrics *m);
void yc_metrics_result_free(YcMetricsResult *result);

/* The validation table as the reference prints it: the header line, the `all`
 * row, then one row per class with ground truth when per_class (the reference:
 * verbose, not during training epochs, nc > 1), each line ending in '\n'. When
 * there are no labels the reference's warning line follows the `all` row. */
void yc_metrics_table_header(YcStr *out);
void yc_metrics_table_rows(const YcMetricsResult *r, bool per_class, YcStr *out);

/* validation.json (docs/ARCHITECTURE.md, version 1). speed_ms: preprocess,
 * inference, loss, postprocess per image (NULL = zeros). */
typedef struct YcValSpeed {
    double preprocess, inference, loss, postprocess;
} YcValSpeed;
void yc_metrics_to_json(const YcMetricsResult *r, const YcValSpeed *speed, YcStr *out);

/* The reference's line after a standalone validation:
 * "Speed: 0.1ms preprocess, 10.0ms inference, 0.0ms loss, 1.0ms postprocess per image\n"
 * (each: total time of the stage / images, in ms). */
void yc_metrics_speed_line(const YcValSpeed *speed, YcStr *out);
int yc_metrics_write_json(const YcMetricsResult *r, const YcValSpeed *speed, const char *path, YcErr *err);

/* Lower-level pieces, exposed for tests and for other loops. */

/* IoU of two xyxy boxes as the reference's box_iou (float32, eps 1e-7). */
float yc_box_iou_f32(const float *a, const float *b);

/* correct[i] bit t = prediction i is a true positive at IoU threshold t (the
 * reference's match_predictions): each prediction takes its best ground truth
 * of its class, each ground truth goes to the first prediction that took it. */
void yc_metrics_match(const float *pred, int n_pred, const float *gt, int n_gt, void *scratch, uint16_t *correct);
size_t yc_metrics_match_scratch_bytes(int n_pred, int n_gt);

/* Adds one image to a confusion matrix [(nc + 1)^2] as the reference's
 * ConfusionMatrix.process_batch (conf strictly above conf, IoU strictly above
 * iou; class values already checked to lie in [0, nc)). */
void yc_metrics_confusion_add(double *matrix, int nc, const float *pred, int n_pred, const float *gt, int n_gt,
                              float conf, float iou, void *scratch);
size_t yc_metrics_confusion_scratch_bytes(int n_pred, int n_gt);

#endif
