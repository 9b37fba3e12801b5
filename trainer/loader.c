/* The loader: a ring of batch slots filled sample by sample by worker
 * threads, handed to the caller in order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

void yc_loader_options_from_args(const YcArgs *args, bool train, YcLoaderOptions *o) {
    memset(o, 0, sizeof *o);
    o->train = train;
    o->imgsz = args->imgsz.h > args->imgsz.w ? args->imgsz.h : args->imgsz.w;
    o->batch = args->batch >= 1 ? (int)args->batch : 16;
    o->workers = args->workers;
    o->rect = train ? args->rect : true;
    o->shuffle = train && !o->rect;
    o->stride = 32;
    o->pad = train ? 0.0 : 0.5;
    o->seed = (uint64_t)(int64_t)args->seed;
    o->rank = 0;
    o->world_size = 1;
    if (yc_cache_mode_parse(args->cache, &o->cache)) o->cache = YC_CACHE_NONE;
    YcAugmentParams *a = &o->aug;
    yc_augment_params_default(a);
    a->imgsz = o->imgsz;
    a->mosaic = args->mosaic;
    a->mixup = args->mixup;
    a->degrees = args->degrees;
    a->translate = args->translate;
    a->scale = args->scale;
    a->shear = args->shear;
    a->perspective = args->perspective;
    a->hsv_h = args->hsv_h;
    a->hsv_s = args->hsv_s;
    a->hsv_v = args->hsv_v;
    a->flipud = args->flipud;
    a->fliplr = args->fliplr;
    a->bgr = args->bgr;
}

static void warn(YcLoader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(YcLoader *l, const char *fmt, ...) {
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&l->warn_mu);
    if (l->warn_count < YC_LOADER_MAX_WARNINGS) l->warnings[l->warn_count] = strdup(buf);
    l->warn_count++;
    pthread_mutex_unlock(&l->warn_mu);
}

int yc_loader_warning_count(YcLoader *l) {
    pthread_mutex_lock(&l->warn_mu);
    int n = l->warn_count;
    pthread_mutex_unlock(&l->warn_mu);
    return n;
}

int yc_loader_warning(YcLoader *l, int i, char *buf, size_t cap) {
    pthread_mutex_lock(&l->warn_mu);
    int rc = -1;
    if (i >= 0 && i < l->warn_count && i < YC_LOADER_MAX_WARNINGS && l->warnings[i]) {
        snprintf(buf, cap, "%s", l->warnings[i]);
        rc = 0;
    }
    pthread_mutex_unlock(&l->warn_mu);
    return rc;
}

YcImageStore *yc_loader_store(YcLoader *l) { return l->store; }
int yc_loader_batches(const YcLoader *l) { return l->plan.nbatches; }
int yc_loader_samples(const YcLoader *l) { return l->plan.n; }
bool yc_loader_mosaic_closed(const YcLoader *l) { return l->mosaic_closed; }

void yc_loader_close_mosaic(YcLoader *l) {
    pthread_mutex_lock(&l->mu);
    l->mosaic_closed = true;
    pthread_mutex_unlock(&l->mu);
}

static int sample_rows_reserve(YcSampleOut *o, int n) {
    if (n <= o->cap) return 0;
    int cap = o->cap ? o->cap : 32;
    while (cap < n) cap *= 2;
    float *g = realloc(o->rows, sizeof(float) * 5 * (size_t)cap);
    if (!g) return -1;
    o->rows = g;
    o->cap = cap;
    return 0;
}

/* Writes a finished sample into its place in the slot: CHW pixels, boxes as
 * normalised class cx cy w h. */
static void emit_sample(YcLoader *l, YcSlot *slot, int j, const YcSample *s, bool bgr, const YcBatchInfo *info) {
    int h = slot->view.h, w = slot->view.w;
    size_t plane = (size_t)h * w;
    uint8_t *dst = slot->view.images + (size_t)j * 3 * plane;
    const YcImage *im = &s->img;
    int c0 = bgr ? 2 : 0, c2 = bgr ? 0 : 2;
    bool fits = im->data && im->h == h && im->w == w && im->c == 3;
    if (fits && s->planar && im->data == dst) {
        /* warped in place: only the channel order may need changing */
        if (bgr) {
            for (size_t i = 0; i < plane; i++) {
                uint8_t t = dst[i];
                dst[i] = dst[2 * plane + i];
                dst[2 * plane + i] = t;
            }
        }
    } else if (fits && s->planar) {
        memcpy(dst + c0 * plane, im->data, plane);
        memcpy(dst + plane, im->data + plane, plane);
        memcpy(dst + c2 * plane, im->data + 2 * plane, plane);
    } else if (fits) {
        uint8_t *d0 = dst + c0 * plane, *d1 = dst + plane, *d2 = dst + c2 * plane;
        const uint8_t *p = im->data;
        for (size_t i = 0; i < plane; i++, p += 3) {
            d0[i] = p[0];
            d1[i] = p[1];
            d2[i] = p[2];
        }
    } else {
        /* a size we did not expect (never in practice): blank, then what overlaps */
        memset(dst, 114, 3 * plane);
        size_t src_plane = (size_t)im->h * im->w;
        if (im->data && im->c == 3)
            for (int y = 0; y < h && y < im->h; y++)
                for (int x = 0; x < w && x < im->w; x++)
                    for (int k = 0; k < 3; k++) {
                        size_t at = (size_t)y * im->w + x;
                        uint8_t v = s->planar ? im->data[k * src_plane + at] : im->data[at * 3 + k];
                        int ch = k == 1 ? 1 : k == 0 ? c0 : c2;
                        dst[ch * plane + (size_t)y * w + x] = v;
                    }
    }
    YcSampleOut *o = &slot->samples[j];
    o->n = 0;
    if (sample_rows_reserve(o, s->n)) {
        warn(l, "%s: out of memory for its boxes (sample left without boxes)", info->path);
    } else {
        for (int b = 0; b < s->n; b++) {
            const float *p = s->xyxy + 4 * b;
            float *r = o->rows + 5 * b;
            r[0] = s->cls[b];
            r[1] = (p[0] + p[2]) / 2 / (float)w;
            r[2] = (p[1] + p[3]) / 2 / (float)h;
            r[3] = (p[2] - p[0]) / (float)w;
            r[4] = (p[3] - p[1]) / (float)h;
        }
        o->n = s->n;
    }
    slot->view.info[j] = *info;
}

/* Computes sample j of the slot's batch at plan position pos. */
static void produce(YcLoader *l, const YcEpochPlan *p, YcSlot *slot, int pos, int j) {
    int index = p->order[pos];
    YcSample s;
    YcBatchInfo info;
    bool bgr = false;
    YcErr err;
    uint8_t *dst = slot->view.images + (size_t)j * 3 * slot->view.h * slot->view.w;
    if (yc_build_sample(l, p, pos, index, slot->view.h, slot->view.w, dst, &s, &info, &bgr, &err)) {
        warn(l, "%s: %s (a blank image without boxes was used)", l->ds->items[index].image, err.msg);
        memset(&s, 0, sizeof s);
        memset(&info, 0, sizeof info);
        info.index = index;
        info.path = l->ds->items[index].image;
        bgr = false;
    }
    emit_sample(l, slot, j, &s, bgr, &info);
    yc_sample_free(&s);
}

/* Prepares a slot for batch b (under the lock or single-threaded). */
static void slot_reset(YcLoader *l, YcSlot *slot, int b) {
    slot->batch = b;
    slot->size = l->plan.bsize[b];
    slot->done = 0;
    slot->view.epoch = l->plan.epoch;
    slot->view.index = b;
    slot->view.n = slot->size;
    slot->view.h = l->plan.bh[b];
    slot->view.w = l->plan.bw[b];
    slot->view.targets = 0;
}

static int batch_of(const YcLoader *l, int pos) {
    return pos / l->opt.batch;
}

static void *worker_main(void *arg) {
    YcLoader *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->stop) {
            int released = l->returned - (l->holding ? 1 : 0);
            if (l->epoch_active && l->next_pos < l->plan.n && batch_of(l, l->next_pos) < released + l->nslots) break;
            pthread_cond_wait(&l->work_cv, &l->mu);
        }
        if (l->stop) break;
        int pos = l->next_pos++;
        int b = batch_of(l, pos);
        YcSlot *slot = &l->slots[b % l->nslots];
        if (slot->batch != b) slot_reset(l, slot, b);
        int j = pos - b * l->opt.batch;
        int gen = l->generation;
        l->in_flight++;
        pthread_mutex_unlock(&l->mu);

        produce(l, &l->plan, slot, pos, j);

        pthread_mutex_lock(&l->mu);
        l->in_flight--;
        if (gen == l->generation && ++slot->done == slot->size) pthread_cond_broadcast(&l->done_cv);
        if (l->in_flight == 0) pthread_cond_broadcast(&l->done_cv);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static void free_slots(YcLoader *l) {
    if (!l->slots) return;
    for (int i = 0; i < l->nslots; i++) {
        YcSlot *s = &l->slots[i];
        if (s->view.images) {
            if (l->opt.release) l->opt.release(s->view.images, l->opt.alloc_ctx);
            else free(s->view.images);
        }
        free(s->view.target);
        free(s->view.info);
        if (s->samples)
            for (int j = 0; j < l->opt.batch; j++) free(s->samples[j].rows);
        free(s->samples);
    }
    free(l->slots);
    l->slots = NULL;
}

void yc_loader_free(YcLoader *l) {
    if (!l) return;
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->work_cv);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < l->nthreads; i++) pthread_join(l->threads[i], NULL);
    free(l->threads);
    free_slots(l);
    yc_epoch_plan_free(&l->plan);
    free(l->rect_order);
    free(l->rect_bh);
    free(l->rect_bw);
    if (l->store) yc_image_store_release(l->store);
    for (int i = 0; i < l->warn_count && i < YC_LOADER_MAX_WARNINGS; i++) free(l->warnings[i]);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->work_cv);
    pthread_cond_destroy(&l->done_cv);
    pthread_mutex_destroy(&l->warn_mu);
    free(l);
}

int yc_loader_create(YcLoader **out, const YcDataset *ds, const YcLoaderOptions *opt, YcErr *err) {
    *out = NULL;
    if (opt->imgsz < 32 || opt->imgsz > 16384) return yc_err(err, "imgsz: expected 32..16384, got %d", opt->imgsz);
    if (opt->batch < 1) return yc_err(err, "batch: expected an integer >= 1, got %d", opt->batch);
    if (opt->workers < 0 || opt->workers > 256) return yc_err(err, "workers: expected 0..256, got %d", opt->workers);
    if (ds->count < 1) return yc_err(err, "the dataset has no images");
    int world = opt->world_size > 0 ? opt->world_size : 1;
    if (opt->rank < 0 || opt->rank >= world) return yc_err(err, "rank %d is outside world size %d", opt->rank, world);
    if (opt->stride < 1 && opt->rect) return yc_err(err, "stride must be >= 1 for rect batches");
    YcLoader *l = calloc(1, sizeof *l);
    if (!l) return yc_err(err, "out of memory");
    l->ds = ds;
    l->opt = *opt;
    l->opt.world_size = world;
    if (!l->opt.stride) l->opt.stride = 32;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->work_cv, NULL);
    pthread_cond_init(&l->done_cv, NULL);
    pthread_mutex_init(&l->warn_mu, NULL);

    /* the reference's mosaic buffer: min(n, 8 batches, 1000) images */
    int N = ds->count, B = opt->batch;
    l->window = N < 8 * B ? N : 8 * B;
    if (l->window > 1000) l->window = 1000;
    if (l->window < 1) l->window = 1;

    if (opt->rect && yc_rect_plan(ds, B, opt->imgsz, l->opt.stride, opt->pad, &l->rect_order, &l->rect_nbatches,
                                  &l->rect_bh, &l->rect_bw, err)) {
        yc_loader_free(l);
        return -1;
    }
    /* size the slots for the largest batch shape */
    l->max_h = l->max_w = opt->imgsz;
    for (int b = 0; opt->rect && b < l->rect_nbatches; b++) {
        if (l->rect_bh[b] > l->max_h) l->max_h = l->rect_bh[b];
        if (l->rect_bw[b] > l->max_w) l->max_w = l->rect_bw[b];
    }

    if (opt->store) {
        if (yc_image_store_imgsz(opt->store) != opt->imgsz) {
            yc_loader_free(l);
            return yc_err(err, "the shared image store holds imgsz %d, not %d", yc_image_store_imgsz(opt->store), opt->imgsz);
        }
        yc_image_store_retain(opt->store);
        l->store = opt->store;
    } else {
        l->store = yc_image_store_create(ds, opt->imgsz, opt->cache, 1, err);
        if (!l->store) {
            yc_loader_free(l);
            return -1;
        }
    }
    /* keep the mosaic window in memory, plus what the workers hold */
    int workers = opt->workers;
    yc_image_store_reserve(l->store, l->window + 2 * B + 4 * (workers > 0 ? workers : 1));

    int q = opt->queue > 0 ? opt->queue : 2 + (2 * (workers > 0 ? workers : 1) + B - 1) / B;
    if (q < 2) q = 2;
    l->nslots = q;
    l->slots = calloc((size_t)q, sizeof *l->slots);
    if (!l->slots) {
        yc_loader_free(l);
        return yc_err(err, "out of memory");
    }
    size_t img_bytes = (size_t)B * 3 * l->max_h * l->max_w;
    for (int i = 0; i < q; i++) {
        YcSlot *s = &l->slots[i];
        s->batch = -1;
        s->image_bytes = img_bytes;
        s->view.images = opt->alloc ? opt->alloc(img_bytes, opt->alloc_ctx) : malloc(img_bytes);
        s->view.info = calloc((size_t)B, sizeof *s->view.info);
        s->samples = calloc((size_t)B, sizeof *s->samples);
        if (!s->view.images || !s->view.info || !s->samples) {
            yc_loader_free(l);
            return yc_err(err, "out of memory for %d batches of %d x 3 x %d x %d", q, B, l->max_h, l->max_w);
        }
    }
    l->nthreads = 0;
    if (workers > 0) {
        l->threads = calloc((size_t)workers, sizeof *l->threads);
        if (!l->threads) {
            yc_loader_free(l);
            return yc_err(err, "out of memory");
        }
        for (int i = 0; i < workers; i++) {
            if (pthread_create(&l->threads[i], NULL, worker_main, l) != 0) {
                yc_loader_free(l);
                return yc_err(err, "cannot start data loader thread %d of %d", i + 1, workers);
            }
            l->nthreads++;
        }
    }
    /* a plan for epoch 0 so that the batch counts are known before the first epoch starts */
    if (yc_epoch_plan(ds, &l->opt, l->rect_order, l->rect_bh, l->rect_bw, l->rect_nbatches, false, 0, &l->plan, err)) {
        yc_loader_free(l);
        return -1;
    }
    l->have_plan = true;
    *out = l;
    return 0;
}

int yc_loader_start_epoch(YcLoader *l, int epoch, YcErr *err) {
    if (epoch < 0) return yc_err(err, "epoch must be >= 0, got %d", epoch);
    pthread_mutex_lock(&l->mu);
    l->epoch_active = false;
    l->generation++;
    while (l->in_flight > 0) pthread_cond_wait(&l->done_cv, &l->mu);
    YcEpochPlan plan;
    if (yc_epoch_plan(l->ds, &l->opt, l->rect_order, l->rect_bh, l->rect_bw, l->rect_nbatches, l->mosaic_closed, epoch,
                      &plan, err)) {
        pthread_mutex_unlock(&l->mu);
        return -1;
    }
    yc_epoch_plan_free(&l->plan);
    l->plan = plan;
    l->next_pos = 0;
    l->returned = 0;
    l->holding = false;
    for (int i = 0; i < l->nslots; i++) l->slots[i].batch = -1;
    l->epoch_active = true;
    pthread_cond_broadcast(&l->work_cv);
    pthread_mutex_unlock(&l->mu);
    return 0;
}

/* Concatenates the samples' boxes into the batch's [M, 6] targets. */
static int assemble(YcSlot *slot, YcErr *err) {
    int total = 0;
    for (int j = 0; j < slot->size; j++) total += slot->samples[j].n;
    if (total > slot->target_cap) {
        int cap = slot->target_cap ? slot->target_cap : 256;
        while (cap < total) cap *= 2;
        float *g = realloc(slot->view.target, sizeof(float) * 6 * (size_t)cap);
        if (!g) return yc_err(err, "out of memory for %d targets", total);
        slot->view.target = g;
        slot->target_cap = cap;
    }
    float *t = slot->view.target;
    for (int j = 0; j < slot->size; j++) {
        const YcSampleOut *o = &slot->samples[j];
        for (int b = 0; b < o->n; b++, t += 6) {
            t[0] = (float)j;
            memcpy(t + 1, o->rows + 5 * b, sizeof(float) * 5);
        }
    }
    slot->view.targets = total;
    return 0;
}

int yc_loader_next(YcLoader *l, const YcBatch **batch, YcErr *err) {
    *batch = NULL;
    pthread_mutex_lock(&l->mu);
    if (l->holding) {
        l->holding = false;
        pthread_cond_broadcast(&l->work_cv);
    }
    if (!l->epoch_active) {
        pthread_mutex_unlock(&l->mu);
        return yc_err(err, "no epoch started (call yc_loader_start_epoch first)");
    }
    int b = l->returned;
    if (b >= l->plan.nbatches) {
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    YcSlot *slot = &l->slots[b % l->nslots];
    if (l->nthreads == 0) {
        /* no workers: compute the batch here */
        slot_reset(l, slot, b);
        l->next_pos = b * l->opt.batch + slot->size;
        pthread_mutex_unlock(&l->mu);
        for (int j = 0; j < slot->size; j++) produce(l, &l->plan, slot, b * l->opt.batch + j, j);
        pthread_mutex_lock(&l->mu);
        slot->done = slot->size;
    } else {
        while (slot->batch != b || slot->done < slot->size) pthread_cond_wait(&l->done_cv, &l->mu);
    }
    l->returned++;
    l->holding = true;
    pthread_mutex_unlock(&l->mu);
    if (assemble(slot, err)) return -1;
    *batch = &slot->view;
    return 1;
}

void yc_batch_to_float(const YcBatch *b, float *out) {
    size_t n = (size_t)b->n * 3 * b->h * b->w;
    /* a division, as the reference's img.float() / 255 (a multiply by 1/255 can differ in the last bit) */
    for (size_t i = 0; i < n; i++) out[i] = (float)b->images[i] / 255.0f;
}

int yc_loader_sample(YcLoader *l, int epoch, int pos, int index, YcSample *out, YcBatchInfo *info, YcErr *err) {
    YcEpochPlan plan;
    pthread_mutex_lock(&l->mu);
    bool closed = l->mosaic_closed;
    pthread_mutex_unlock(&l->mu);
    if (yc_epoch_plan(l->ds, &l->opt, l->rect_order, l->rect_bh, l->rect_bw, l->rect_nbatches, closed, epoch, &plan,
                      err))
        return -1;
    if (pos < 0 || pos >= plan.n) {
        yc_epoch_plan_free(&plan);
        return yc_err(err, "position %d outside the epoch (0..%d)", pos, plan.n - 1);
    }
    if (index < 0) index = plan.order[pos];
    int b = pos / l->opt.batch;
    bool bgr;
    int rc = yc_build_sample(l, &plan, pos, index, plan.bh[b], plan.bw[b], NULL, out, info, &bgr, err);
    if (rc == 0 && yc_sample_interleave(out, err)) {
        yc_sample_free(out);
        rc = -1;
    }
    if (rc == 0 && bgr) {
        uint8_t *p = out->img.data;
        for (size_t i = 0; i < (size_t)out->img.h * out->img.w; i++, p += 3) {
            uint8_t t = p[0];
            p[0] = p[2];
            p[2] = t;
        }
    }
    yc_epoch_plan_free(&plan);
    return rc;
}
