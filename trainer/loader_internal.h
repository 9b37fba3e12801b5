/* The loader's insides, shared by loader.c (threads, ring of batches) and
 * loader_sample.c (one sample's transforms). */
#ifndef YC_LOADER_INTERNAL_H
#define YC_LOADER_INTERNAL_H

#include <pthread.h>

#include "loader.h"
#include "loader_plan.h"

#define YC_LOADER_MAX_WARNINGS 100

typedef struct YcSampleOut {
    int n, cap;
    float *rows;           /* n x 5: class, cx, cy, w, h (normalised) */
} YcSampleOut;

typedef struct YcSlot {
    int batch;             /* batch number held, -1 none */
    int size, done;
    YcBatch view;
    size_t image_bytes;    /* capacity of view.images */
    YcSampleOut *samples;  /* per image */
    int target_cap;
} YcSlot;

struct YcLoader {
    const YcDataset *ds;
    YcLoaderOptions opt;
    YcImageStore *store;
    int window;            /* mosaic partners come from this many recent positions */
    int *rect_order, *rect_bh, *rect_bw, rect_nbatches;
    bool mosaic_closed;
    YcEpochPlan plan;
    bool have_plan;

    int nslots;
    YcSlot *slots;
    int max_h, max_w;

    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    int next_pos;          /* next sample position to hand to a worker */
    int returned;          /* batches given to the caller this epoch */
    bool holding;          /* the caller holds the last one returned */
    int in_flight;         /* samples being computed */
    int generation;        /* bumps at every epoch start; stale results are dropped */
    bool epoch_active, stop;
    int nthreads;
    pthread_t *threads;

    pthread_mutex_t warn_mu;
    int warn_count;
    char *warnings[YC_LOADER_MAX_WARNINGS];
};

/* Builds the sample at position pos (dataset index `index`) of the plan's
 * epoch at out_h x out_w; *bgr says whether to emit BGR. dst (optional, 3
 * planes of out_h x out_w) is where the training warp may write directly:
 * the sample's image then borrows it. */
int yc_build_sample(YcLoader *l, const YcEpochPlan *p, int pos, int index, int out_h, int out_w, uint8_t *dst,
                    YcSample *out, YcBatchInfo *info, bool *bgr, YcErr *err);

#endif
