/* Where the training and validation loops get their batches: one small
 * interface, so that the loops run the same on the data loader (loader.h,
 * through train_source_loader.c) and on batches held in memory (the parity
 * fixtures, the determinism tests; train_source_mem.c).
 *
 * A batch is what the reference's collate gives the trainer: n images of
 * h x w as uint8 RGB NCHW, the targets as rows (image in batch, class, cx, cy,
 * w, h normalised to the batch image) and per image where it came from. */
#ifndef YC_TRAIN_SOURCE_H
#define YC_TRAIN_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Where a batch image came from: its file, the original size and the
 * letterbox that maps batch pixels back to it:
 *   x0 = (x - pad_left) / gain,  y0 = (y - pad_top) / gain
 * (gain = the reference's ratio_pad[0][0], which it uses for both axes). */
typedef struct YcSourceImage {
    const char *path;     /* NULL when unknown (in-memory batches) */
    int h0, w0;           /* original size; 0 = the batch size (no letterbox) */
    double gain;          /* batch pixels per original pixel (1 when unknown) */
    double pad_left, pad_top;
} YcSourceImage;

typedef struct YcSourceBatch {
    int n, h, w;
    const uint8_t *images;    /* n x 3 x h x w, RGB */
    int targets;
    const float *target;      /* targets x 6: image, class, cx, cy, w, h (0..1) */
    const YcSourceImage *info;  /* n entries, or NULL */
} YcSourceBatch;

typedef struct YcBatchSource YcBatchSource;
struct YcBatchSource {
    void *impl;
    /* Batches per epoch, and images in the data set (the reference's len(dataset)). */
    int (*batches)(YcBatchSource *s);
    long (*images)(YcBatchSource *s);
    /* Starts an epoch at batch `first` (> 0 when resuming inside an epoch: the
     * batches before it are skipped, and the ones after are those an
     * uninterrupted epoch would give). */
    int (*start_epoch)(YcBatchSource *s, int epoch, int first, YcErr *err);
    /* 1 and *out filled (valid until the next call); 0 at the epoch's end; -1 on error. */
    int (*next)(YcBatchSource *s, YcSourceBatch *out, YcErr *err);
    /* Mosaic (and mixup) off from the next epoch on; NULL when it does not apply. */
    void (*close_mosaic)(YcBatchSource *s);
    /* Problems met since the last call (unreadable images ...), one line each,
     * or NULL; the text stays valid until the next call. May be NULL. */
    const char *(*warnings)(YcBatchSource *s);
    void (*destroy)(YcBatchSource *s);
};

/* ---- batches held in memory (train_source_mem.c) ---- */

/* A source over copies of the given batches: every epoch yields them in
 * order (ignoring the epoch number), `images` is the data set size reported
 * (<= 0: the sum of the batches' images). */
YcBatchSource *yc_source_mem_create(const YcSourceBatch *batches, int count, long images, YcErr *err);

/* Number of mosaic closings seen (tests). */
int yc_source_mem_closed_mosaic(const YcBatchSource *s);

void yc_source_destroy(YcBatchSource *s);

/* ---- the data loader (train_source_loader.c) ---- */

struct YcLoader;
/* A source over a loader (loader.h), which it owns from then on (freed with
 * the source); images = the data set's size (the reference's len(dataset)). */
YcBatchSource *yc_source_loader_create(struct YcLoader *loader, long images, YcErr *err);

#endif
