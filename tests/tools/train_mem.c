/* tests/bin/train_mem: `yoloc train` exactly (cli_train: resume, device,
 * model, run directory, tracker, console, relay, signals, the loop) on a
 * small synthetic data set held in memory, so that the loop's end-to-end
 * behaviour (determinism, kill and resume, interrupts) is testable without a
 * data set on disk. A test harness, not product code.
 *
 *   tests/bin/train_mem model=tests/fixtures/train/tiny-train.yaml data=synthetic epochs=2 imgsz=64 batch=4 ...
 *
 * The data set: TRAIN_MEM_IMAGES (default 16) training and 8 validation
 * images with 1-3 painted boxes each, 3 classes, generated from a fixed seed;
 * every epoch yields the same batches. TRAIN_MEM_SLOW_MS sleeps that long
 * after each batch is handed out (so that tests can signal mid-epoch). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "train_flow.h"

typedef struct Synth {
    char *names[3];
    float labels[64 * 3 * 5];
    int label_count;
    int images;
} Synth;

static uint64_t next(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static double unit(uint64_t *s) { return (double)next(s) / 2147483648.0; }

/* count images of size x size in batches of `batch`, boxes painted in. */
static YcBatchSource *make_source(int count, int batch, int size, uint64_t seed, Synth *labels_out, YcErr *err) {
    int nb = (count + batch - 1) / batch;
    YcSourceBatch *b = calloc((size_t)nb, sizeof *b);
    uint8_t **imgs = calloc((size_t)nb, sizeof *imgs);
    float **tg = calloc((size_t)nb, sizeof *tg);
    YcBatchSource *src = NULL;
    uint64_t s = seed;
    if (!b || !imgs || !tg) goto done;
    for (int k = 0; k < nb; k++) {
        int n = count - k * batch < batch ? count - k * batch : batch;
        imgs[k] = malloc((size_t)n * 3 * size * size);
        tg[k] = malloc((size_t)n * 3 * 6 * sizeof(float));
        if (!imgs[k] || !tg[k]) goto done;
        for (size_t p = 0; p < (size_t)n * 3 * size * size; p++) imgs[k][p] = (uint8_t)(next(&s) & 0x3f);
        int t = 0;
        for (int i = 0; i < n; i++) {
            int boxes = 1 + (int)(next(&s) % 3);
            for (int j = 0; j < boxes; j++) {
                float w = (float)(0.15 + 0.4 * unit(&s)), h = (float)(0.15 + 0.4 * unit(&s));
                float x = (float)(w / 2 + (1 - w) * unit(&s)), y = (float)(h / 2 + (1 - h) * unit(&s));
                int cls = (int)(next(&s) % 3);
                float *row = tg[k] + (size_t)t++ * 6;
                row[0] = (float)i;
                row[1] = (float)cls;
                row[2] = x;
                row[3] = y;
                row[4] = w;
                row[5] = h;
                if (labels_out && labels_out->label_count < 64 * 3) {
                    memcpy(labels_out->labels + (size_t)labels_out->label_count * 5, row + 1, 5 * sizeof(float));
                    labels_out->label_count++;
                }
                int x0 = (int)((x - w / 2) * size), x1 = (int)((x + w / 2) * size);
                int y0 = (int)((y - h / 2) * size), y1 = (int)((y + h / 2) * size);
                for (int c = 0; c < 3; c++)
                    for (int yy = y0; yy < y1; yy++)
                        for (int xx = x0; xx < x1; xx++)
                            imgs[k][(((size_t)i * 3 + c) * size + yy) * size + xx] = (uint8_t)(80 + 60 * c + 50 * cls);
            }
        }
        b[k] = (YcSourceBatch){.n = n, .h = size, .w = size, .images = imgs[k], .targets = t, .target = tg[k]};
    }
    src = yc_source_mem_create(b, nb, count, err);
done:
    for (int k = 0; imgs && tg && k < nb; k++) {
        free(imgs[k]);
        free(tg[k]);
    }
    free(imgs);
    free(tg);
    free(b);
    if (!src && err && !err->msg[0]) yc_err(err, "synthetic data: out of memory");
    return src;
}

/* A source that sleeps after each batch (TRAIN_MEM_SLOW_MS), around the in-memory one. */
typedef struct Slow {
    YcBatchSource *inner;
    int ms;
} Slow;

static int slow_batches(YcBatchSource *s) { Slow *w = s->impl; return w->inner->batches(w->inner); }
static long slow_images(YcBatchSource *s) { Slow *w = s->impl; return w->inner->images(w->inner); }
static int slow_start(YcBatchSource *s, int epoch, int first, YcErr *err) {
    Slow *w = s->impl;
    return w->inner->start_epoch(w->inner, epoch, first, err);
}
static int slow_next(YcBatchSource *s, YcSourceBatch *out, YcErr *err) {
    Slow *w = s->impl;
    int rc = w->inner->next(w->inner, out, err);
    struct timespec ts = {w->ms / 1000, (long)(w->ms % 1000) * 1000000L};
    if (rc == 1 && w->ms > 0) nanosleep(&ts, NULL);
    return rc;
}
static void slow_destroy(YcBatchSource *s) {
    Slow *w = s->impl;
    yc_source_destroy(w->inner);
    free(w);
    free(s);
}

static YcBatchSource *slowed(YcBatchSource *inner, int ms) {
    YcBatchSource *s = calloc(1, sizeof *s);
    Slow *w = calloc(1, sizeof *w);
    if (!s || !w) {
        free(s);
        free(w);
        return inner;
    }
    w->inner = inner;
    w->ms = ms;
    *s = (YcBatchSource){.impl = w, .batches = slow_batches, .images = slow_images, .start_epoch = slow_start,
                         .next = slow_next, .destroy = slow_destroy};
    return s;
}

static int synth_open(CliTrainData *d, const YcArgs *args, YcErr *err) {
    (void)args;
    Synth *s = calloc(1, sizeof *s);
    if (!s) return yc_err(err, "out of memory");
    s->names[0] = "red";
    s->names[1] = "green";
    s->names[2] = "blue";
    const char *n = getenv("TRAIN_MEM_IMAGES");
    s->images = n && atoi(n) > 0 ? atoi(n) : 16;
    d->impl = s;
    d->nc = 3;
    d->names = s->names;
    d->log = "synthetic data: 3 classes held in memory";
    return 0;
}

static int synth_sources(CliTrainData *d, const YcArgs *args, int batch, int imgsz, int stride, YcBackend *be,
                         YcErr *err) {
    (void)args;
    (void)be;
    (void)stride;
    Synth *s = d->impl;
    d->train = make_source(s->images, batch, imgsz, 12345, s, err);
    d->val = d->train ? make_source(8, batch * 2, imgsz, 777, NULL, err) : NULL;
    d->labels = s->labels;
    d->label_count = s->label_count;
    const char *slow = getenv("TRAIN_MEM_SLOW_MS");
    if (d->train && slow && atoi(slow) > 0) d->train = slowed(d->train, atoi(slow));
    return d->train && d->val ? 0 : -1;
}

static void synth_close(CliTrainData *d) {
    yc_source_destroy(d->train);
    yc_source_destroy(d->val);
    free(d->impl);
}

int main(int argc, char **argv) {
    static const CliTrainDataOps ops = {synth_open, synth_sources, synth_close};
    return cli_train(argc - 1, argv + 1, &ops);
}
