/* The plots a run leaves behind, rendered with cairo and encoded as PNG in
 * memory (YcPng) or to a file. Each has a render-from-data function; the
 * file-based entry point (yc_plot_render) reads a run directory's
 * results.csv / validation.json, so plots work for live, finished and copied
 * runs alike. */
#ifndef YC_PLOT_H
#define YC_PLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "plot_png.h"
#include "results_csv.h"
#include "validation_json.h"

/* results.png: the 10 loss and metric columns over epochs, 2 x 5 panels,
 * raw values with markers and a Gaussian-smoothed (sigma 3) dotted line. */
int yc_plot_results(const YcResults *results, YcPng *out, YcErr *err);

typedef enum YcCurveKind { YC_CURVE_PR, YC_CURVE_F1, YC_CURVE_P, YC_CURVE_R } YcCurveKind;

/* PR_curve.png (per class with its AP50, and the mean with mAP50) or
 * F1/P/R_curve.png (per class, and the smoothed mean with its best value and
 * confidence). Classes are named in the legend when there are fewer than 21. */
int yc_plot_curve(const YcValidation *v, YcCurveKind kind, YcPng *out, YcErr *err);

/* confusion_matrix.png (counts) or confusion_matrix_normalized.png (columns
 * divided by their sums), [predicted][true] with a background row and column. */
int yc_plot_confusion(const YcValidation *v, bool normalized, YcPng *out, YcErr *err);

/* labels.png from the training labels: class histogram, the boxes' sizes
 * drawn around a common centre, box centres (x, y) and sizes (w, h) as 2-D
 * histograms. rows: count x 5 floats (class, cx, cy, w, h), normalised 0..1. */
typedef struct YcLabelSet {
    const float *rows;
    int count;
    const char *const *names;
    int nc;
} YcLabelSet;

int yc_plot_labels(const YcLabelSet *labels, YcPng *out, YcErr *err);

/* Image grids (train_batchN.png, val_batchN_labels.png, val_batchN_pred.png):
 * up to 16 images in a square grid (column by column, like the reference),
 * scaled to at most 1600 px, with class-coloured boxes and names. */
typedef struct YcImageBatch {
    const uint8_t *images;     /* n x 3 x h x w, RGB, 0..255 (NCHW) */
    int n, h, w;
    const float *boxes;        /* count x 6: image index, class, cx, cy, w, h (normalised to the image) */
    int count;
    const float *conf;         /* NULL for labels; for predictions, count confidences */
    double conf_threshold;     /* predictions at or below it are not drawn (the reference uses 0.25) */
    const char *const *names;  /* class names (NULL: numbers) */
    int nc;
    const char *const *paths;  /* file names shown on each image, or NULL */
} YcImageBatch;

int yc_plot_image_grid(const YcImageBatch *batch, YcPng *out, YcErr *err);

/* compare.png: several runs' results.csv overlaid, one colour per run, in
 * the 2 x 5 panels of results.png (train losses, P, R / val losses, mAP50,
 * mAP50-95) with a legend naming the runs; 1800 x 780. A run without rows
 * is named in the legend as "(no epochs yet)". */
typedef struct YcResultsSeries {
    const char *label;
    const YcResults *results;
} YcResultsSeries;

#define YC_COMPARE_MAX_RUNS 64
int yc_plot_compare(const YcResultsSeries *runs, int n, YcPng *out, YcErr *err);

/* Detections drawn on an image (prediction's annotated copies), as the
 * reference's annotator draws them: a box per detection in its class colour
 * (the palette of the other plots), the highest confidence drawn last, and a
 * label "name 0.87" on a filled box in that colour above the box's corner
 * (inside it when there is no room above, moved left at the right edge).
 * Line width: line_width > 0, else max(round((h + w + 3) / 2 * 0.003), 2)
 * (the reference's rule, which also counts the 3 channels); the label's
 * text grows with it. */
typedef struct YcDetectionsImage {
    uint8_t *rgb;              /* h x w x 3 interleaved RGB, drawn on in place */
    int h, w;
    const float *dets;         /* n x 6: x1 y1 x2 y2 conf cls, in the image's pixels */
    int n;
    const char *const *names;  /* class names (NULL or out of range: the number) */
    int nc;
    int line_width;            /* <= 0: scaled with the image */
    bool boxes, labels, conf;  /* show_boxes, show_labels, show_conf */
} YcDetectionsImage;

int yc_detections_line_width(int h, int w);
int yc_plot_detections(const YcDetectionsImage *d, YcErr *err);

/* Writes RGB pixels (h x w x 3) as a JPEG file (libjpeg-turbo, 4:2:0,
 * `quality` 1..100; the reference saves at OpenCV's default 95), atomically. */
int yc_jpeg_save_rgb(const uint8_t *rgb, int h, int w, int quality, const char *path, YcErr *err);

/* --- from a run directory's files --- */

typedef enum YcPlotKind {
    YC_PLOT_RESULTS,
    YC_PLOT_PR,
    YC_PLOT_F1,
    YC_PLOT_P,
    YC_PLOT_R,
    YC_PLOT_CONFUSION,
    YC_PLOT_CONFUSION_NORMALIZED,
    YC_PLOT_LABELS,
    YC_PLOT_BATCH,
    YC_PLOT_KIND_COUNT
} YcPlotKind;

/* "results", "pr", "f1", "p", "r", "confusion", "confusion_normalized", "labels", "batch". */
const char *yc_plot_kind_name(YcPlotKind kind);
/* -1 if unknown. */
int yc_plot_kind_parse(const char *name, YcPlotKind *out);
/* The file a run keeps it in: results.png, PR_curve.png, ..., labels.png, train_batch0.png. */
const char *yc_plot_file_name(YcPlotKind kind);

/* Renders one plot from the run's files: results.csv (results),
 * validation.json (pr, f1, p, r, confusion*), the dataset named in args.yaml
 * (labels, batch: its training labels and first images). */
int yc_plot_render(const char *run_dir, YcPlotKind kind, YcPng *out, YcErr *err);

/* Renders and writes the plot into the run directory under its file name
 * (or to out_path when that is not NULL). */
int yc_plot_render_file(const char *run_dir, YcPlotKind kind, const char *out_path, YcErr *err);

/* Writes every curve plot validation.json supports (PR, F1, P, R, both
 * confusion matrices) into the run directory. */
int yc_plot_validation_files(const char *run_dir, YcErr *err);

#endif
