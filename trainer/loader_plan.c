/* Epoch plans: shuffling, data-parallel shares, rect batch shapes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data_rng.h"
#include "loader_plan.h"

typedef struct ArKey {
    double ar;
    int index;
} ArKey;

static int cmp_ar(const void *a, const void *b) {
    const ArKey *x = a, *y = b;
    if (x->ar < y->ar) return -1;
    if (x->ar > y->ar) return 1;
    return x->index - y->index; /* stable */
}

int yc_rect_plan(const YcDataset *ds, int batch, int imgsz, int stride, double pad, int **order_out, int *nb_out,
                 int **bh_out, int **bw_out, YcErr *err) {
    int n = ds->count;
    int nb = (n + batch - 1) / batch;
    ArKey *keys = malloc(sizeof *keys * (size_t)n);
    int *order = malloc(sizeof(int) * (size_t)n);
    int *bh = malloc(sizeof(int) * (size_t)nb), *bw = malloc(sizeof(int) * (size_t)nb);
    if (!keys || !order || !bh || !bw) {
        free(keys), free(order), free(bh), free(bw);
        return yc_err(err, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        keys[i].ar = (double)ds->items[i].h / ds->items[i].w;
        keys[i].index = i;
    }
    qsort(keys, (size_t)n, sizeof *keys, cmp_ar);
    for (int i = 0; i < n; i++) order[i] = keys[i].index;
    for (int b = 0; b < nb; b++) {
        double mini = INFINITY, maxi = -INFINITY;
        for (int i = b * batch; i < n && i < (b + 1) * batch; i++) {
            mini = fmin(mini, keys[i].ar);
            maxi = fmax(maxi, keys[i].ar);
        }
        double sh = 1, sw = 1;
        if (maxi < 1) sh = maxi;
        else if (mini > 1) sw = 1 / mini;
        bh[b] = (int)ceil(sh * imgsz / stride + pad) * stride;
        bw[b] = (int)ceil(sw * imgsz / stride + pad) * stride;
    }
    free(keys);
    *order_out = order;
    *nb_out = nb;
    *bh_out = bh;
    *bw_out = bw;
    return 0;
}

/* This rank's contiguous, batch-aligned chunk of the rect order (the
 * reference's ContiguousDistributedSampler): [*start, *end) samples. */
static void rect_chunk(int total, int batch, int rank, int world, int *start, int *end) {
    int bs = batch >= total ? 1 : batch;
    int nb = (total + bs - 1) / bs;
    int base = nb / world, rem = nb % world;
    int mine = base + (rank < rem ? 1 : 0);
    int first = rank * base + (rank < rem ? rank : rem);
    *start = first * bs;
    *end = (first + mine) * bs < total ? (first + mine) * bs : total;
    if (*start > total) *start = total;
}

int yc_epoch_order(const YcDataset *ds, const YcLoaderOptions *o, const int *rect_order, int epoch, int **order_out,
                   int *n_out, YcErr *err) {
    int N = ds->count;
    int world = o->world_size > 0 ? o->world_size : 1, rank = o->rank;
    if (o->rect) {
        int start, end;
        rect_chunk(N, o->batch, rank, world, &start, &end);
        int n = end - start;
        int *order = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
        if (!order) return yc_err(err, "out of memory");
        memcpy(order, rect_order + start, sizeof(int) * (size_t)n);
        *order_out = order;
        *n_out = n;
        return 0;
    }
    int *all = malloc(sizeof(int) * (size_t)N);
    if (!all) return yc_err(err, "out of memory");
    for (int i = 0; i < N; i++) all[i] = i;
    if (o->shuffle) {
        YcRng rng;
        yc_rng_init(&rng, o->seed, YC_RNG_SHUFFLE, (uint32_t)epoch, 0);
        for (int i = N - 1; i > 0; i--) {
            int j = yc_rng_int(&rng, 0, i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
    }
    /* data parallel: pad by wrapping to a multiple of the world, take every world-th */
    int per_rank = (N + world - 1) / world;
    int *order = malloc(sizeof(int) * (size_t)per_rank);
    if (!order) {
        free(all);
        return yc_err(err, "out of memory");
    }
    for (int k = 0; k < per_rank; k++) order[k] = all[(rank + k * world) % N];
    free(all);
    *order_out = order;
    *n_out = per_rank;
    return 0;
}

void yc_epoch_plan_free(YcEpochPlan *p) {
    if (!p) return;
    free(p->order);
    free(p->prev);
    free(p->bsize);
    free(p->bh);
    free(p->bw);
    memset(p, 0, sizeof *p);
}

int yc_epoch_plan(const YcDataset *ds, const YcLoaderOptions *o, const int *rect_order, const int *rect_bh,
                  const int *rect_bw, int rect_nbatches, bool mosaic_closed, int epoch, YcEpochPlan *p, YcErr *err) {
    memset(p, 0, sizeof *p);
    p->epoch = epoch;
    if (yc_epoch_order(ds, o, rect_order, epoch, &p->order, &p->n, err)) return -1;
    if (epoch > 0 && yc_epoch_order(ds, o, rect_order, epoch - 1, &p->prev, &p->nprev, err)) {
        yc_epoch_plan_free(p);
        return -1;
    }
    int B = o->batch;
    int nb = o->drop_last ? p->n / B : (p->n + B - 1) / B;
    if (o->drop_last) p->n = nb * B;
    p->nbatches = nb;
    p->bsize = malloc(sizeof(int) * (size_t)(nb > 0 ? nb : 1));
    p->bh = malloc(sizeof(int) * (size_t)(nb > 0 ? nb : 1));
    p->bw = malloc(sizeof(int) * (size_t)(nb > 0 ? nb : 1));
    if (!p->bsize || !p->bh || !p->bw) {
        yc_epoch_plan_free(p);
        return yc_err(err, "out of memory");
    }
    int world = o->world_size > 0 ? o->world_size : 1, first_batch = 0;
    if (o->rect) {
        int start, end;
        rect_chunk(ds->count, B, o->rank, world, &start, &end);
        first_batch = start / (B >= ds->count ? 1 : B);
    }
    for (int b = 0; b < nb; b++) {
        p->bsize[b] = p->n - b * B < B ? p->n - b * B : B;
        if (o->rect) {
            /* the shape of the global batch holding this batch's first image */
            int global = B >= ds->count ? (first_batch + b * B) / B : first_batch + b;
            if (global >= rect_nbatches) global = rect_nbatches - 1;
            p->bh[b] = rect_bh[global];
            p->bw[b] = rect_bw[global];
        } else {
            p->bh[b] = p->bw[b] = o->imgsz;
        }
    }
    p->aug = o->aug;
    p->aug.imgsz = o->imgsz;
    if (mosaic_closed || o->rect) {
        p->aug.mosaic = 0;
        p->aug.mixup = 0;
    }
    return 0;
}
