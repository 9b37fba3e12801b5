/* The training loop: Ultralytics 8.3.253's BaseTrainer recipe for detection,
 * as a library call that reports through events (events.h).
 *
 * Per iteration ni = i + nb * epoch: warm-up of the learning rates, momentum
 * and accumulation while ni <= nw; forward; loss (items summed, times the
 * batch); backward; an optimiser step (gradient-norm clipping at 10, step,
 * zeroed gradients, EMA update) when ni - last_step >= accumulate. Per epoch:
 * lr = initial_lr * lf(epoch), close_mosaic, validation of the EMA model
 * (val=true, the final epoch, a possible early stop, a time stop), fitness,
 * best selection, EarlyStopping (patience), checkpoints (last, best,
 * save_period), time= re-planning of the epochs. Then the final validation of
 * best.safetensors with per-class rows and plots.
 *
 * Stops: *stop set (SIGINT/SIGTERM): the batch ends, a resumable checkpoint
 * holding the batch position and any accumulated gradients is written, and
 * the run ends interrupted; resuming it continues bit for bit as if nothing
 * had happened. A non-finite loss or gradient ends the run failed, naming the
 * epoch and batch, with the last checkpoint left as it was.
 *
 *   YcTrainSetup s = {.args = &args, .batch = 16, .imgsz = 640, .model = m, .train = tsrc,
 *                     .val = vsrc, .names = names, .run_dir = dir, .bus = &bus, .stop = &flag};
 *   YcTrainResult r;
 *   int rc = yc_train_run(&s, &r);   // 0 finished, 1 interrupted, -1 failed (r.message says why)
 */
#ifndef YC_TRAIN_LOOP_H
#define YC_TRAIN_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "ema.h"
#include "error.h"
#include "events.h"
#include "model.h"
#include "train_source.h"
#include "val_loop.h"

typedef enum YcTrainStatus { YC_TRAIN_FINISHED = 0, YC_TRAIN_INTERRUPTED, YC_TRAIN_FAILED } YcTrainStatus;

/* Optional calls into whoever runs the loop (tracking plots, tests). */
typedef struct YcTrainHooks {
    void *user;
    /* train_batch<ni> images: iterations 0, 1, 2 and the first three after close_mosaic (plots=true). */
    void (*train_batch)(void *user, long ni, const YcSourceBatch *batch);
    /* val_batch<i> labels and predictions (the last epoch's and the final validation's first 3 batches). */
    YcValPlotFn val_batch;
    /* Weight histograms at each epoch end, when histograms_wanted returns true. */
    bool (*histograms_wanted)(void *user);
    void (*histogram)(void *user, const char *tag, const float *values, size_t n);
    /* At the end of the run (any outcome), with the raw model and the EMA. */
    void (*finished)(void *user, YcModel *model, const YcEma *ema);
} YcTrainHooks;

typedef struct YcTrainSetup {
    const YcArgs *args;            /* the run's arguments */
    int batch;                     /* images per batch (args->batch resolved) */
    int imgsz;                     /* training image size (a multiple of the model's stride) */
    YcModel *model;                /* built with the data set's nc and its starting weights; the caller owns it */
    YcBatchSource *train;
    YcBatchSource *val;            /* NULL: no validation at all */
    const char *const *names;      /* the data set's class names (nc of them) */
    const char *run_dir;           /* checkpoints go to run_dir/weights, validation.json to run_dir; NULL: no files */
    const char *resume_path;       /* a resumable last.safetensors to continue from, or NULL */
    bool val_is_coco;              /* the final validation writes predictions.json with COCO ids */
    const YcEventBus *bus;         /* may be NULL */
    YcTrainHooks hooks;
    const volatile sig_atomic_t *stop;  /* non-zero: interrupt at the end of the current batch */
} YcTrainSetup;

typedef struct YcTrainResult {
    YcTrainStatus status;
    int epochs_done;               /* epochs completed (1-based number of the last one) */
    int best_epoch;                /* 0 = none */
    double best_fitness;
    double final[4];               /* the final validation: precision, recall, mAP50, mAP50-95 */
    char last_path[4096];          /* weights/last.safetensors ("" without a run directory) */
    char message[2048];            /* why it failed, or how to resume */
} YcTrainResult;

/* Runs the training to its end. Returns 0 (finished), 1 (interrupted) or -1
 * (failed); the matching event (finished, interrupted, failed) is the last
 * one emitted. */
int yc_train_run(const YcTrainSetup *setup, YcTrainResult *result);

#endif
