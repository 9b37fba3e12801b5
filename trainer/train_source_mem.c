/* A batch source over batches held in memory (train_source.h). */
#include <stdlib.h>
#include <string.h>

#include "train_source.h"

typedef struct MemSource {
    int count;
    long images;
    YcSourceBatch *batch;   /* owned copies */
    int pos;
    int closed_mosaic;
} MemSource;

static int mem_batches(YcBatchSource *s) { return ((MemSource *)s->impl)->count; }
static long mem_images(YcBatchSource *s) { return ((MemSource *)s->impl)->images; }

static int mem_start(YcBatchSource *s, int epoch, int first, YcErr *err) {
    MemSource *m = s->impl;
    (void)epoch;
    if (first < 0 || first > m->count)
        return yc_err(err, "in-memory batches: cannot start at batch %d of %d", first, m->count);
    m->pos = first;
    return 0;
}

static int mem_next(YcBatchSource *s, YcSourceBatch *out, YcErr *err) {
    MemSource *m = s->impl;
    (void)err;
    if (m->pos >= m->count) return 0;
    *out = m->batch[m->pos++];
    return 1;
}

static void mem_close_mosaic(YcBatchSource *s) { ((MemSource *)s->impl)->closed_mosaic++; }

static void mem_destroy(YcBatchSource *s) {
    MemSource *m = s->impl;
    for (int i = 0; m && i < m->count; i++) {
        free((void *)m->batch[i].images);
        free((void *)m->batch[i].target);
        free((void *)m->batch[i].info);
    }
    if (m) free(m->batch);
    free(m);
    free(s);
}

YcBatchSource *yc_source_mem_create(const YcSourceBatch *batches, int count, long images, YcErr *err) {
    YcBatchSource *s = calloc(1, sizeof *s);
    MemSource *m = calloc(1, sizeof *m);
    if (!s || !m) goto oom;
    s->impl = m;
    s->batches = mem_batches;
    s->images = mem_images;
    s->start_epoch = mem_start;
    s->next = mem_next;
    s->close_mosaic = mem_close_mosaic;
    s->destroy = mem_destroy;
    m->batch = calloc((size_t)(count > 0 ? count : 1), sizeof *m->batch);
    if (!m->batch) goto oom;
    long total = 0;
    for (int i = 0; i < count; i++) {
        const YcSourceBatch *b = &batches[i];
        if (b->n < 1 || b->h < 1 || b->w < 1 || b->targets < 0) {
            yc_err(err, "in-memory batch %d: bad shape %d x 3 x %d x %d with %d targets", i, b->n, b->h, b->w,
                   b->targets);
            mem_destroy(s);
            return NULL;
        }
        YcSourceBatch *c = &m->batch[i];
        *c = *b;
        m->count = i + 1;
        size_t px = (size_t)b->n * 3 * b->h * b->w;
        uint8_t *img = malloc(px);
        float *tg = malloc((size_t)(b->targets ? b->targets : 1) * 6 * sizeof(float));
        YcSourceImage *info = b->info ? malloc((size_t)b->n * sizeof *info) : NULL;
        c->images = img;
        c->target = tg;
        c->info = info;
        if (!img || !tg || (b->info && !info)) goto oom;
        memcpy(img, b->images, px);
        if (b->targets) memcpy(tg, b->target, (size_t)b->targets * 6 * sizeof(float));
        if (info) memcpy(info, b->info, (size_t)b->n * sizeof *info);
        total += b->n;
    }
    m->images = images > 0 ? images : total;
    return s;
oom:
    yc_err(err, "in-memory batches: out of memory");
    if (s && m) mem_destroy(s);
    else {
        free(m);
        free(s);
    }
    return NULL;
}

int yc_source_mem_closed_mosaic(const YcBatchSource *s) { return ((const MemSource *)s->impl)->closed_mosaic; }

void yc_source_destroy(YcBatchSource *s) {
    if (s && s->destroy) s->destroy(s);
}
