/* Prediction, as the reference's DetectionPredictor does it (Ultralytics
 * 8.3.253, engine/predictor.py and models/yolo/detect/predict.py): each image
 * letterboxed to imgsz as a minimum rectangle (scaled to fit, padded only up
 * to a stride multiple, border 114), the model in evaluation mode, NMS
 * (conf 0.25 unless given, iou 0.7, max_det 300, one label per box,
 * optional class filter and class-agnostic suppression), and the boxes
 * scaled back to the original image and clipped to it.
 *
 *   YcPredictOptions o;  yc_predict_options_defaults(&o);  o.conf = ...;
 *   YcPredictor *p = yc_predictor_new(model, &o, &err);
 *   YcPrediction r = {0};
 *   yc_predictor_run(p, &image, &r, &err);    // r.rows: n x 6 (x1 y1 x2 y2 conf cls)
 *   yc_prediction_free(&r);  yc_predictor_free(p);
 *
 * The sources (files, directories, lists) and the text outputs (the
 * console's per-image summary, YOLO .txt labels) are in predict_source.c and
 * predict_text.c. */
#ifndef YC_PREDICT_H
#define YC_PREDICT_H

#include <stdbool.h>

#include "error.h"
#include "image.h"
#include "image_ops.h"
#include "model.h"
#include "strbuf.h"

typedef struct YcPredictOptions {
    int imgsz_h, imgsz_w;      /* the letterbox target (multiples of the model's stride) */
    double conf;               /* 0.25 */
    double iou;                /* 0.7 */
    int max_det;               /* 300 */
    bool agnostic;
    const int *classes;        /* keep only these classes; NULL = all */
    int n_classes;
} YcPredictOptions;

void yc_predict_options_defaults(YcPredictOptions *o);

typedef struct YcPrediction {
    int n;                     /* detections */
    float *rows;               /* n x 6: x1 y1 x2 y2 conf cls in the original image's pixels, best first */
    int cap;
    int input_h, input_w;      /* the letterboxed size the model saw */
    double ms[3];              /* preprocess, inference, postprocess, milliseconds */
} YcPrediction;

void yc_prediction_free(YcPrediction *p);

typedef struct YcPredictor YcPredictor;

/* The model is switched to evaluation mode. Errors: sizes that are not
 * stride multiples, bad thresholds. */
YcPredictor *yc_predictor_new(YcModel *model, const YcPredictOptions *o, YcErr *err);
void yc_predictor_free(YcPredictor *p);

/* One RGB image (3 channels). */
int yc_predictor_run(YcPredictor *p, const YcImage *image, YcPrediction *out, YcErr *err);

/* The letterbox of an h x w image into the minimum rectangle of stride
 * multiples that fits new_h x new_w (the reference's LetterBox(auto=True)). */
void yc_predict_letterbox_plan(int h, int w, int new_h, int new_w, int stride, YcLetterbox *lb);

/* imgsz rounded up to a stride multiple (at least min_size), as the
 * reference's check_imgsz; returns true when it changed. */
bool yc_predict_check_imgsz(int imgsz, int stride, int *out);

/* --- predict_source.c --- */

/* The images a source names, as the reference's image loader lists them:
 * a .txt (one path a line) or .csv (comma-separated) list, a glob pattern
 * with '*', a directory (its files named *.*, not recursive, sorted), or a
 * file. Paths are made absolute (not resolved) as the reference prints
 * them. Files that are not images by their extension are left out; videos
 * are counted (not supported). Errors: a name that does not exist, nothing
 * found. */
typedef struct YcPredictSources {
    int count;
    char **paths;
    int videos;                /* video files found and left out */
} YcPredictSources;

int yc_predict_sources(const char *source, YcPredictSources *out, YcErr *err);
void yc_predict_sources_free(YcPredictSources *s);

/* --- predict_text.c --- */

/* The reference's per-image summary of detections: "2 persons, 1 bus, "
 * (counts by class, in class order, an "s" for more than one), or
 * "(no detections), ". */
void yc_predict_summary(const float *rows, int n, const char *const *names, int nc, YcStr *out);

/* Appends the detections to a YOLO label file as the reference's
 * Results.save_txt does: "cls cx cy w h[ conf]" normalised to the image,
 * each number as %g (nothing is written for no detections). */
int yc_predict_append_txt(const char *path, const float *rows, int n, int img_w, int img_h, bool save_conf,
                          YcErr *err);

#endif
