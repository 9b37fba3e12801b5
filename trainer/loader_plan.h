/* An epoch's plan for one rank (internal to the loader): the order of
 * dataset indices, the batches and their shapes, and the augmentation
 * parameters in force. Pure functions of (dataset, options, epoch). */
#ifndef YC_LOADER_PLAN_H
#define YC_LOADER_PLAN_H

#include "loader.h"

typedef struct YcEpochPlan {
    int epoch;
    int n;                 /* samples for this rank */
    int *order;            /* n dataset indices, in batch order */
    int nprev;
    int *prev;             /* the previous epoch's order (mosaic partners near the start of an epoch) */
    int nbatches;
    int *bsize;            /* per batch: images */
    int *bh, *bw;          /* per batch: image size */
    YcAugmentParams aug;   /* mosaic/mixup zeroed when closed or rect */
} YcEpochPlan;

/* The whole dataset's rect order (by aspect ratio h/w, stable) and the shape
 * of each global batch (the reference's set_rectangle). */
int yc_rect_plan(const YcDataset *ds, int batch, int imgsz, int stride, double pad, int **order, int *nbatches,
                 int **bh, int **bw, YcErr *err);

/* This rank's order for an epoch (no batches): n entries. */
int yc_epoch_order(const YcDataset *ds, const YcLoaderOptions *o, const int *rect_order, int epoch, int **order,
                   int *n, YcErr *err);

int yc_epoch_plan(const YcDataset *ds, const YcLoaderOptions *o, const int *rect_order, const int *rect_bh,
                  const int *rect_bw, int rect_nbatches, bool mosaic_closed, int epoch, YcEpochPlan *plan,
                  YcErr *err);
void yc_epoch_plan_free(YcEpochPlan *plan);

#endif
