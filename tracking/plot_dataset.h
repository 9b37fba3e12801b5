/* The dataset-based plots of `yoloc plot labels|batch run=DIR`: the run's
 * args.yaml names the dataset YAML (data=) and the image size; its training
 * labels give labels.png, and its first 16 training images, letterboxed to
 * imgsz as the loader feeds them before augmentation, give the batch grid.
 *
 * This is a small read-only view of the Ultralytics dataset layout (path,
 * train as a directory, a list of directories or a .txt list of images,
 * names as a list or a mapping, labels/ beside images/); training itself
 * reads datasets through trainer/. */
#ifndef YC_PLOT_DATASET_H
#define YC_PLOT_DATASET_H

#include "error.h"
#include "plot_png.h"

int yc_plot_dataset_labels(const char *run_dir, YcPng *out, YcErr *err);
int yc_plot_dataset_batch(const char *run_dir, YcPng *out, YcErr *err);

/* The parts other code may reuse (tests, tools). */
typedef struct YcDatasetView {
    char yaml[4096];
    char root[4096];
    int nc;
    char (*names)[128];
    int nimages;
    char **images;       /* training image paths, sorted */
} YcDatasetView;

/* Opens the dataset YAML (resolved like data=: the path, else share/datasets/). */
int yc_dataset_view_open(const char *data, YcDatasetView *view, YcErr *err);
void yc_dataset_view_free(YcDatasetView *view);

/* The labels of one image (count x 5: class, cx, cy, w, h), appended to a
 * growing array; a missing label file means no objects. */
int yc_dataset_read_labels(const char *image_path, float **rows, int *count, int *cap, YcErr *err);

#endif
