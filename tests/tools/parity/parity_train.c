/* Checker for fixtures of kind `train` (tests/parity/make_train_fixtures.py):
 * the training loop itself (yc_train_run, on the fixture's batches held in
 * memory, without validation or files) runs the reference trainer's K
 * iterations from the same weights; the trained weights, the EMA, the
 * running loss means and the learning rates at each epoch end must agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "backend.h"
#include "model.h"
#include "parity.h"
#include "train_loop.h"
#include "train_source.h"

#define WEIGHT_TOL 1e-4 /* trained weights and EMA, relative to each tensor's scale */
#define LOSS_TOL 1e-4   /* running loss means, relative */
#define LR_TOL 1e-9
/* The change of each trained tensor (final - initial) against the reference's
 * change, relative to that change's scale (but at least 1e-5 of the tensor's,
 * below which float32 cannot resolve a change): early warm-up steps move
 * weights by less than WEIGHT_TOL of their size, so this shows a wrong step. */
#define UPDATE_TOL 2e-3

typedef struct TrainRecord {
    int iterations, epochs;
    float *tloss;        /* [iterations * 3] */
    double *lr;          /* [epochs * 3] */
    int n_tloss, n_lr;
    float **ema;         /* copies of the EMA at the end */
    int ema_count;
} TrainRecord;

static void on_event(const YcEvent *e, void *user) {
    TrainRecord *r = user;
    if (e->type == YC_EVENT_BATCH_END && r->n_tloss < r->iterations) {
        for (int k = 0; k < 3; k++) r->tloss[r->n_tloss * 3 + k] = (float)e->losses[k];
        r->n_tloss++;
    } else if (e->type == YC_EVENT_EPOCH_END && r->n_lr < r->epochs) {
        for (int k = 0; k < 3; k++) r->lr[r->n_lr * 3 + k] = e->lr[k];
        r->n_lr++;
    }
}

static void on_finished(void *user, YcModel *model, const YcEma *ema) {
    TrainRecord *r = user;
    (void)model;
    if (!ema) return;
    r->ema = calloc((size_t)ema->count, sizeof *r->ema);
    if (!r->ema) return;
    r->ema_count = ema->count;
    for (int i = 0; i < ema->count; i++) {
        r->ema[i] = malloc(ema->size[i] * sizeof(float));
        if (r->ema[i]) memcpy(r->ema[i], ema->value[i], ema->size[i] * sizeof(float));
    }
}

/* The batches of the fixture as in-memory batches. */
static YcBatchSource *load_batches(ParityReport *r, const YcSafetensors *fx, int nb, long images) {
    YcSourceBatch *b = calloc((size_t)nb, sizeof *b);
    float **free_list = calloc((size_t)nb, sizeof *free_list);
    YcBatchSource *src = NULL;
    if (!b || !free_list) goto done;
    for (int k = 0; k < nb; k++) {
        char name[64];
        snprintf(name, sizeof name, "batch/%d/images", k);
        const YcStTensor *t = yc_st_find(fx, name);
        if (!t || t->dtype != YC_ST_U8 || t->ndim != 4 || t->shape[1] != 3) {
            parity_fail(r, "fixture has no uint8 [B, 3, H, W] tensor '%s'", name);
            goto done;
        }
        b[k].n = (int)t->shape[0];
        b[k].h = (int)t->shape[2];
        b[k].w = (int)t->shape[3];
        b[k].images = yc_st_data(fx, t);
        snprintf(name, sizeof name, "batch/%d/targets", k);
        size_t count = 0;
        free_list[k] = parity_load(r, fx, name, &count);
        if (!free_list[k]) goto done;
        b[k].targets = (int)(count / 6);
        b[k].target = free_list[k];
    }
    YcErr err;
    src = yc_source_mem_create(b, nb, images, &err);
    if (!src) parity_fail(r, "%s", err.msg);
done:
    for (int k = 0; free_list && k < nb; k++) free(free_list[k]);
    free(free_list);
    free(b);
    return src;
}

static int set_args(ParityReport *r, const YcSafetensors *fx, YcArgs *args) {
    yc_args_defaults(args);
    YcErr err;
    /* what the fixture generator gives the reference trainer besides the case's arguments */
    static const char *fixed[][2] = {{"workers", "0"}, {"plots", "false"}, {"val", "false"}, {"amp", "false"},
                                     {"close_mosaic", "0"}, {"seed", "0"}, {"deterministic", "true"},
                                     {"verbose", "false"}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (yc_args_set(args, fixed[i][0], fixed[i][1], YC_SRC_CLI, &err)) {
            parity_fail(r, "%s", err.msg);
            return -1;
        }
    for (int i = 0; i < fx->meta_count; i++) {
        if (strncmp(fx->meta_keys[i], "arg.", 4) != 0) continue;
        if (yc_args_set(args, fx->meta_keys[i] + 4, fx->meta_values[i], YC_SRC_CLI, &err)) {
            parity_fail(r, "%s", err.msg);
            return -1;
        }
    }
    return 0;
}

int parity_check_train(const YcSafetensors *fx, ParityReport *r) {
    const char *model_name = yc_st_meta(fx, "model"), *nc_text = yc_st_meta(fx, "nc"), *nb_text = yc_st_meta(fx, "nb"),
               *images_text = yc_st_meta(fx, "images");
    if (!model_name || !nc_text || !nb_text || !images_text) {
        parity_fail(r, "fixture metadata needs model, nc, nb and images");
        return -1;
    }
    YcArgs args;
    if (set_args(r, fx, &args)) return -1;
    char dir[1024], yaml[2048];
    snprintf(dir, sizeof dir, "%s", fx->path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    snprintf(yaml, sizeof yaml, "%s/%s", dir, model_name);
    int nb = atoi(nb_text);
    TrainRecord rec = {.iterations = nb * args.epochs, .epochs = args.epochs};
    rec.tloss = calloc((size_t)rec.iterations * 3 + 3, sizeof *rec.tloss);
    rec.lr = calloc((size_t)rec.epochs * 3 + 3, sizeof *rec.lr);
    YcErr err;
    YcBackend *be = parity_backend(r); /* the CPU, or --device cuda:N */
    YcModel *m = be ? yc_model_build(yaml, atoi(nc_text), be, &err) : NULL;
    YcBatchSource *src = NULL;
    float *host = NULL;
    if (!be) goto done;
    if (!m || yc_model_load_st(m, fx, "weights/", true, NULL, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    src = load_batches(r, fx, nb, atol(images_text));
    if (!src || !rec.tloss || !rec.lr) goto done;
    YcEventBus bus;
    yc_events_init(&bus);
    yc_events_subscribe(&bus, on_event, &rec);
    YcTrainSetup s = {.args = &args, .batch = (int)args.batch, .imgsz = args.imgsz.h, .model = m, .train = src,
                      .bus = &bus, .hooks = {.user = &rec, .finished = on_finished}};
    YcTrainResult res;
    if (yc_train_run(&s, &res) != 0) {
        parity_fail(r, "training failed: %s", res.message);
        goto done;
    }
    int n;
    YcParam *p = yc_model_params(m, &n);
    char name[256];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "final/%s", p[i].name);
        size_t count = 0;
        float *want = parity_load(r, fx, name, &count);
        float *got_value = NULL;
        if (want && count == p[i].count) {
            /* the trained values in host memory (a device backend's are downloaded) */
            float *q = realloc(host, (count ? count : 1) * sizeof *q);
            if (!q) break;
            host = q;
            be->download(be, host, p[i].value, count * sizeof *host);
            got_value = host;
        }
        if (want && count == p[i].count) {
            /* tensors that stay (next to) zero, e.g. biases only weight decay touched: absolute */
            double scale = 0;
            for (size_t k = 0; k < count; k++) scale = fmax(scale, fabs(want[k]));
            if (scale < 1e-6) parity_compare(r, "weights", name, got_value, want, count, 1e-9, PARITY_ABS);
            else parity_compare(r, "weights", name, got_value, want, count, WEIGHT_TOL, PARITY_SCALED);
            snprintf(name, sizeof name, "weights/%s", p[i].name);
            float *init = p[i].is_buffer ? NULL : parity_load(r, fx, name, NULL);
            float *got = init ? malloc(count * sizeof *got) : NULL;
            if (got) {
                double wscale = 0, dscale = 0;
                for (size_t k = 0; k < count; k++) {
                    got[k] = got_value[k] - init[k];
                    if (fabs(want[k]) > wscale) wscale = fabs(want[k]);
                    want[k] -= init[k];
                    if (fabs(want[k]) > dscale) dscale = fabs(want[k]);
                }
                double denom = dscale > 1e-5 * wscale ? dscale : 1e-5 * wscale;
                for (size_t k = 0; denom > 0 && k < count; k++) {
                    got[k] = (float)(got[k] / denom);
                    want[k] = (float)(want[k] / denom);
                }
                snprintf(name, sizeof name, "final/%s - weights/%s", p[i].name, p[i].name);
                parity_compare(r, "update", name, got, want, count, UPDATE_TOL, PARITY_ABS);
            }
            free(init);
            free(got);
        } else if (want) {
            parity_fail(r, "%s: %zu values, the model has %zu", name, count, p[i].count);
        }
        free(want);
        snprintf(name, sizeof name, "ema/%s", p[i].name);
        if (!yc_st_find(fx, name)) continue;
        want = parity_load(r, fx, name, &count);
        if (want && i < rec.ema_count && count == p[i].count)
            parity_compare(r, "ema", name, rec.ema[i], want, count, WEIGHT_TOL, PARITY_SCALED);
        else parity_fail(r, "%s: no EMA to compare", name);
        free(want);
    }
    size_t count = 0;
    float *want = parity_load(r, fx, "tloss", &count);
    if (want && count == (size_t)rec.iterations * 3 && rec.n_tloss == rec.iterations) {
        for (int i = 0; i < rec.iterations; i++) {
            snprintf(name, sizeof name, "tloss[%d]", i);
            parity_compare(r, "tloss", name, rec.tloss + 3 * i, want + 3 * i, 3, LOSS_TOL, PARITY_SCALED);
        }
    } else if (want) {
        parity_fail(r, "tloss: %zu values, %d iterations ran", count / 3, rec.n_tloss);
    }
    free(want);
    double *lr = parity_load_f64(r, fx, "lr", &count);
    if (lr && count == (size_t)rec.epochs * 3 && rec.n_lr == rec.epochs)
        parity_compare_f64(r, "lr", "lr", rec.lr, lr, count, LR_TOL, PARITY_SCALED);
    else if (lr) parity_fail(r, "lr: %zu values, %d epochs ended", count / 3, rec.n_lr);
    free(lr);
done:
    free(host);
    for (int i = 0; i < rec.ema_count; i++) free(rec.ema[i]);
    free(rec.ema);
    free(rec.tloss);
    free(rec.lr);
    yc_source_destroy(src);
    yc_model_free(m);
    yc_backend_destroy(be);
    return r->failures ? -1 : 0;
}
