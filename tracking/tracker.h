/* The tracker: everything a training run leaves behind in its run directory.
 *
 *   char dir[4096];
 *   yc_run_dir_create(&args, dir, sizeof dir, &err);          // runs/detect/train, train2, ...
 *   YcTrackerConfig cfg;
 *   yc_tracker_config_defaults(&cfg, dir, &args);              // cfg.command, cfg.names, cfg.resume ...
 *   YcTracker *t;
 *   yc_tracker_open(&t, &cfg, &err);                           // args.yaml, run.json, event file, hparams
 *   yc_events_subscribe(&bus, yc_tracker_on_event, t);         // results.csv, scalars, run.json, flushes
 *   yc_tracker_log_labels(t, rows, count, &err);               // labels.png (once, before training)
 *   yc_tracker_log_train_batch(t, 0, images, ...);             // train_batch0..2.png (first epoch)
 *   if (yc_tracker_histograms_enabled(t)) yc_tracker_log_histogram(t, "weights/model.0.conv.weight", w, n, &err);
 *   yc_tracker_log_val_batch(t, 0, images, ...);               // val_batch0_labels.png / _pred.png
 *   yc_tracker_close(t, YC_RUN_UNSET, NULL, &err);             // final plots, run.json end, session end
 *
 * One thread: the loop's. Failures while handling an event do not stop
 * training: the first is kept (yc_tracker_error) and the tracker carries on;
 * the direct calls return -1 with the error. Layout and tags: docs/TRACKING.md. */
#ifndef YC_TRACKER_H
#define YC_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "error.h"
#include "events.h"
#include "run_record.h"

typedef struct YcTracker YcTracker;

typedef struct YcTrackerConfig {
    const char *run_dir;         /* exists (yc_run_dir_create, or the run being resumed) */
    const YcArgs *args;          /* args.yaml, the arguments' text table and the hparams */
    const char *command;         /* run.json "command" (the command line); NULL = "" */
    bool resume;                 /* continue this run: keep results.csv rows and run.json's start */
    bool tensorboard;            /* write event files (default true) */
    bool histograms;             /* log weight/gradient histograms (default true) */
    bool plots;                  /* write PNG plots (default: args->plots) */
    const char *const *names;    /* class names, if known now (else yc_tracker_set_names) */
    int nc;
} YcTrackerConfig;

/* Defaults: tensorboard and histograms on, plots = args->plots, not resuming. */
void yc_tracker_config_defaults(YcTrackerConfig *cfg, const char *run_dir, const YcArgs *args);

/* Opens a run's tracking: writes args.yaml and run.json (status running),
 * creates weights/, opens a new event file and writes the hparams experiment
 * and session start and the arguments as a text table. */
int yc_tracker_open(YcTracker **out, const YcTrackerConfig *cfg, YcErr *err);

/* The event subscriber (trainer/events.h); `tracker` is the YcTracker *. */
void yc_tracker_on_event(const YcEvent *event, void *tracker);

/* The first error met while handling events ("" when none). */
const char *yc_tracker_error(const YcTracker *t);

/* The run directory and the event file's path. */
const char *yc_tracker_run_dir(const YcTracker *t);
const char *yc_tracker_event_file(const YcTracker *t);   /* "" when tensorboard is off */

/* Class names for plots, PR-curve tags and image labels (copied). */
int yc_tracker_set_names(YcTracker *t, const char *const *names, int nc, YcErr *err);

/* labels.png and the image "plots/labels" from the training labels:
 * rows is count x 5 floats (class, cx, cy, w, h), normalised 0..1. */
int yc_tracker_log_labels(YcTracker *t, const float *rows, int count, YcErr *err);

/* train_batch<index>.png and the image "images/train_batch<index>" at the
 * current epoch. images: n x 3 x h x w RGB uint8 (NCHW); targets: count x 6
 * (image index in the batch, class, cx, cy, w, h normalised 0..1, the
 * reference's batch_idx/cls/bboxes layout); paths: n file names or NULL. */
int yc_tracker_log_train_batch(YcTracker *t, int index, const uint8_t *images, int n, int h, int w,
                               const float *targets, int count, const char *const *paths, YcErr *err);

/* val_batch<index>_labels.png and val_batch<index>_pred.png (and images
 * "images/val_batch<index>_labels" / "_pred"): labels as count x 6 above,
 * predictions as npreds x 7 (image index, class, cx, cy, w, h, confidence),
 * drawn when the confidence is above 0.25 as the reference does. */
int yc_tracker_log_val_batch(YcTracker *t, int index, const uint8_t *images, int n, int h, int w,
                             const float *labels, int nlabels, const float *preds, int npreds,
                             const char *const *paths, YcErr *err);

/* Whether histograms are wanted (so the loop can skip gathering gradients). */
bool yc_tracker_histograms_enabled(const YcTracker *t);

/* A histogram of n values under `tag` (e.g. "weights/model.0.conv.weight",
 * "grads/model.0.conv.weight") at the current epoch; a no-op when histograms
 * are off or the tag was already logged this epoch. */
int yc_tracker_log_histogram(YcTracker *t, const char *tag, const float *values, size_t n, YcErr *err);

/* Ends the run: status YC_RUN_UNSET takes what the events said (finished,
 * failed, interrupted; failed when none came). Renders the final plots from
 * the run's files, logs them as images, writes the hparams session end and
 * run.json (status, end time, message), fsyncs and closes the event file,
 * frees the tracker. NULL is a no-op. */
int yc_tracker_close(YcTracker *t, YcRunStatus status, const char *message, YcErr *err);

#endif
