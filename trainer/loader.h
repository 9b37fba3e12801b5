/* The data loader: worker threads decode and transform samples into a
 * bounded ring of batches that the training or validation loop takes in
 * order. Every random draw of a sample comes from a counter-based generator
 * keyed by (seed, epoch, dataset index), so batches are identical whatever
 * the number of workers and however the threads are scheduled.
 *
 * Typical use (training):
 *     YcLoaderOptions o;  yc_loader_options_from_args(&args, true, &o);
 *     YcLoader *tl;       yc_loader_create(&tl, &train_set, &o, &err);
 *     for (epoch...) {
 *         if (epoch == epochs - close_mosaic) yc_loader_close_mosaic(tl);
 *         yc_loader_start_epoch(tl, epoch, &err);
 *         const YcBatch *b;
 *         while ((rc = yc_loader_next(tl, &b, &err)) == 1) { ...b->images, b->target... }
 *     }
 *     yc_loader_free(tl);
 * See docs/DATA.md. */
#ifndef YC_LOADER_H
#define YC_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "augment.h"
#include "data_dataset.h"
#include "error.h"
#include "loader_store.h"

typedef struct YcLoaderOptions {
    bool train;            /* training transforms; false: validation letterbox */
    int imgsz;             /* square size (training) / long side (validation) */
    int batch;             /* images per batch */
    int workers;           /* threads; 0 = in the caller's thread */
    bool shuffle;          /* a new order each epoch (from the seed); ignored with rect */
    bool rect;             /* rectangular batches: images sorted by aspect ratio, one shape per batch */
    int stride;            /* rect shapes are multiples of it (the model's largest stride, 32) */
    double pad;            /* rect padding in strides (the reference: 0.5 validation, 0 training) */
    bool drop_last;        /* drop a last incomplete batch */
    uint64_t seed;
    YcAugmentParams aug;   /* training only; mosaic and mixup are off with rect */
    YcCacheMode cache;
    int rank, world_size;  /* data parallel: this rank's share of every epoch (1 rank: 0, 1) */
    YcImageStore *store;   /* optional: a store shared with other loaders (one cache=ram copy per process) */
    int queue;             /* batches prepared ahead; 0 = 2 per worker, at least 2 */
    /* Optional allocator for the batch image buffers (e.g. pinned host memory). */
    void *(*alloc)(size_t bytes, void *ctx);
    void (*release)(void *ptr, void *ctx);
    void *alloc_ctx;
} YcLoaderOptions;

/* The reference's choices from the arguments: train -> augment, shuffle,
 * rect=args.rect, pad 0; val -> letterbox, rect=true (the reference's
 * validation during training), pad 0.5. batch = args.batch (the caller sets
 * o->batch itself for batch < 1 or the reference's 2x validation batch). */
void yc_loader_options_from_args(const YcArgs *args, bool train, YcLoaderOptions *o);

/* Where a batch image came from, to map predictions back to the file. */
typedef struct YcBatchInfo {
    int index;             /* dataset index (the mosaic's first image for training samples) */
    const char *path;      /* that image's file (owned by the dataset) */
    int h0, w0;            /* original size (after EXIF orientation) */
    int rh, rw;            /* after the long side was resized to imgsz */
    double ratio_h, ratio_w; /* rh / h0, rw / w0 (the reference's ratio_pad[0]) */
    double scale;          /* the letterbox's own scale of the resized image (validation; 1 if none) */
    int pad_left, pad_top; /* letterbox padding in batch pixels (the reference's ratio_pad[1]) */
} YcBatchInfo;

/* One batch, valid until the next yc_loader_next / yc_loader_start_epoch /
 * yc_loader_free on its loader. A box maps back to the original image as
 *   x0 = (x * w - pad_left) / (ratio_w * scale),  y0 = (y * h - pad_top) / (ratio_h * scale)
 * (the reference's validator uses ratio_h for both axes, which differs only by rounding). */
typedef struct YcBatch {
    int epoch, index;      /* batch number within the epoch */
    int n;                 /* images */
    int h, w;              /* every image's size */
    uint8_t *images;       /* n x 3 x h x w, RGB (BGR where the bgr augmentation chose it), uint8 */
    int targets;           /* boxes in the batch */
    float *target;         /* targets x 6: image in batch, class, cx, cy, w, h (normalised to w, h) */
    YcBatchInfo *info;     /* n */
} YcBatch;

typedef struct YcLoader YcLoader;

/* The dataset (and the store, if given) must outlive the loader. */
int yc_loader_create(YcLoader **out, const YcDataset *ds, const YcLoaderOptions *opt, YcErr *err);
void yc_loader_free(YcLoader *l);

/* Batches and samples per epoch for this rank. */
int yc_loader_batches(const YcLoader *l);
int yc_loader_samples(const YcLoader *l);

/* Starts producing the epoch's batches (any epoch number, in any order;
 * abandons what is left of the current one). */
int yc_loader_start_epoch(YcLoader *l, int epoch, YcErr *err);

/* The next batch of the epoch: 1 and *batch set; 0 when the epoch is done;
 * -1 on a fatal error (out of memory). Images that cannot be read are not
 * fatal: they become blank (114) images without boxes, and a warning. */
int yc_loader_next(YcLoader *l, const YcBatch **batch, YcErr *err);

/* Mosaic and mixup off from the next yc_loader_start_epoch on (the
 * reference's close_mosaic). */
void yc_loader_close_mosaic(YcLoader *l);
bool yc_loader_mosaic_closed(const YcLoader *l);

/* Problems met so far (unreadable images), oldest first; at most the first
 * 100 are kept, count is all of them. */
int yc_loader_warning_count(YcLoader *l);
int yc_loader_warning(YcLoader *l, int i, char *buf, size_t cap);

/* The store the loader reads from (to share it with another loader). */
YcImageStore *yc_loader_store(YcLoader *l);

/* Fills out (n x 3 x h x w floats) with images / 255 (for the CPU backend). */
void yc_batch_to_float(const YcBatch *b, float *out);

/* Builds one sample the way the loader does, for tests and tools: the
 * transformed image (HWC) and its boxes (pixel xyxy) for position `pos` of
 * the epoch (which picks the mosaic partners) and dataset index `index`. */
int yc_loader_sample(YcLoader *l, int epoch, int pos, int index, YcSample *out, YcBatchInfo *info, YcErr *err);

#endif
