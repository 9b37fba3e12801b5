/* The validation loop, as the reference's DetectionValidator runs it: the
 * model in evaluation mode over the validation batches -> decode (in the
 * model) -> NMS -> matching in the letterboxed input space -> metrics,
 * optionally the reference's validation losses, predictions.json and the
 * first batches' images for plots. Reports through events (val_start,
 * val_batch, val_end) and returns the metrics.
 *
 *   YcValOptions o;  yc_val_options_defaults(&o);  o.names = names; ...
 *   YcValResult r;
 *   if (yc_val_run(model, source, &o, &bus, &r, &err)) ...;
 *   ... r.metrics.map50_95, r.loss[0..2] ...
 *   yc_val_result_free(&r);
 *
 * The model is switched to evaluation mode (and left there). */
#ifndef YC_VAL_LOOP_H
#define YC_VAL_LOOP_H

#include <signal.h>
#include <stdbool.h>

#include "args.h"
#include "error.h"
#include "events.h"
#include "metrics.h"
#include "model.h"
#include "train_source.h"

/* Called for the first `plot_batches` batches: the batch and its
 * predictions as rows of 7 floats (image, class, cx, cy, w, h normalised to
 * the batch image, confidence), as the tracker's val-batch plot takes them. */
typedef void (*YcValPlotFn)(void *user, int index, const YcSourceBatch *batch, const float *preds, int npreds);

typedef struct YcValOptions {
    double conf;               /* NAN = 0.001 */
    double iou;                /* 0.7 */
    int max_det;               /* 300 */
    bool single_cls;           /* predictions become class 0; NMS across classes */
    bool agnostic_nms;
    bool compute_loss;         /* the validation losses (training) */
    double box_gain, cls_gain, dfl_gain;
    bool per_class;            /* the table's per-class rows (the reference: verbose, not during training) */
    const char *const *names;  /* the model's nc names (NULL: numbers) */
    int epoch;                 /* for the events; 0 outside training */
    const char *json_path;     /* validation.json to write, or NULL */
    const char *predictions_path; /* predictions.json (save_json), or NULL */
    bool coco91;               /* predictions.json with COCO's 91 category ids */
    int plot_batches;          /* 0, or 3 when plotting */
    YcValPlotFn plot;
    void *plot_user;
    const volatile sig_atomic_t *stop; /* when it becomes non-zero the loop ends early (returns 1) */
} YcValOptions;

void yc_val_options_defaults(YcValOptions *o);
/* Defaults, then what the arguments set: conf, iou, max_det, single_cls,
 * agnostic_nms and the loss gains (used when compute_loss is on). */
void yc_val_options_from_args(YcValOptions *o, const YcArgs *args);

typedef struct YcValResult {
    YcMetricsResult metrics;
    double loss[3];            /* box, cls, dfl: summed loss items / batches (0 without compute_loss) */
    YcValSpeed speed;          /* ms per image */
    int batches;
    long predictions_written;  /* detections in predictions.json */
    char *table;               /* the printed rows (malloc'd; the header is the progress line) */
} YcValResult;

/* 0 when done; 1 when stopped through o->stop (no result then); -1 on error.
 * Errors name the batch. */
int yc_val_run(YcModel *model, YcBatchSource *source, const YcValOptions *o, const YcEventBus *bus,
               YcValResult *result, YcErr *err);
void yc_val_result_free(YcValResult *r);

#endif
