/* The validation loop (see val_loop.h). */
#include "val_loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nms.h"
#include "train_input.h"
#include "train_loss.h"
#include "val_boxes.h"
#include "val_predjson.h"

void yc_val_options_defaults(YcValOptions *o) {
    memset(o, 0, sizeof *o);
    o->conf = NAN;
    o->iou = 0.7;
    o->max_det = 300;
    o->box_gain = 7.5;
    o->cls_gain = 0.5;
    o->dfl_gain = 1.5;
}

void yc_val_options_from_args(YcValOptions *o, const YcArgs *a) {
    yc_val_options_defaults(o);
    o->conf = a->conf;
    o->iou = a->iou;
    o->max_det = a->max_det;
    o->single_cls = a->single_cls;
    o->agnostic_nms = a->agnostic_nms;
    o->box_gain = a->box;
    o->cls_gain = a->cls;
    o->dfl_gain = a->dfl;
}

void yc_val_result_free(YcValResult *r) {
    yc_metrics_result_free(&r->metrics);
    free(r->table);
    r->table = NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Scratch that grows with the batches. */
typedef struct ValScratch {
    float *gt_cls, *gt_xywh, *gt_rows;
    int gt_cap;
    float *rows;              /* max_det x 6 */
    float *plot;              /* predictions for plots: n * max_det x 7 */
    int plot_cap;
    float *decoded;           /* host copy of the decoded output (non-host backends) */
    size_t decoded_cap;
} ValScratch;

static int grow_f(float **p, size_t n, YcErr *err) {
    float *q = realloc(*p, (n ? n : 1) * sizeof(float));
    if (!q) return yc_err(err, "validation: out of memory");
    *p = q;
    return 0;
}

static int ensure_gt(ValScratch *s, int n, YcErr *err) {
    if (n <= s->gt_cap) return 0;
    if (grow_f(&s->gt_cls, (size_t)n, err) || grow_f(&s->gt_xywh, (size_t)n * 4, err) ||
        grow_f(&s->gt_rows, (size_t)n * 5, err))
        return -1;
    s->gt_cap = n;
    return 0;
}

static void scratch_free(ValScratch *s) {
    free(s->gt_cls);
    free(s->gt_xywh);
    free(s->gt_rows);
    free(s->rows);
    free(s->plot);
    free(s->decoded);
}

/* The ground truth of image `si` as rows (cls x1 y1 x2 y2) in batch pixels. */
static int image_gt(ValScratch *s, const YcSourceBatch *b, int si, YcErr *err) {
    if (ensure_gt(s, b->targets, err)) return -1;
    int g = 0;
    for (int k = 0; k < b->targets; k++) {
        const float *t = b->target + (size_t)k * 6;
        if ((int)t[0] != si) continue;
        s->gt_cls[g] = t[1];
        memcpy(s->gt_xywh + (size_t)g * 4, t + 2, 4 * sizeof(float));
        g++;
    }
    yc_val_gt_rows(s->gt_cls, s->gt_xywh, g, b->w, b->h, s->gt_rows);
    return g;
}

static void emit(const YcEventBus *bus, YcEvent *e) {
    if (bus) yc_events_emit(bus, e);
}

typedef struct ValRun {
    YcModel *model;
    YcBatchSource *src;
    const YcValOptions *o;
    const YcEventBus *bus;
    int nc, nb;
    YcNmsOpts nms_opts;
    YcNms *nms;
    YcMetrics *metrics;
    YcPredJson *pj;
    YcInput input;
    YcLossRunner loss;
    ValScratch s;
    float loss_sum[3];
    double t[4];              /* preprocess, inference, loss, postprocess seconds */
    long images;
} ValRun;

/* NMS, metrics, predictions.json and plot rows for one batch. */
static int process_batch(ValRun *v, const YcSourceBatch *b, const float *decoded, long anchors, int bi, YcErr *err) {
    const YcValOptions *o = v->o;
    bool plotting = o->plot && bi < o->plot_batches;
    int nplot = 0;
    if (plotting && b->n * o->max_det > v->s.plot_cap) {
        if (grow_f(&v->s.plot, (size_t)b->n * o->max_det * 7, err)) return -1;
        v->s.plot_cap = b->n * o->max_det;
    }
    for (int si = 0; si < b->n; si++) {
        double t0 = now_s();
        const float *pred = decoded + (size_t)si * (4 + v->nc) * anchors;
        int n = yc_nms_image(v->nms, pred, v->nc, (int)anchors, &v->nms_opts, v->s.rows, NULL, err);
        if (n < 0) return -1;
        if (o->single_cls)
            for (int k = 0; k < n; k++) v->s.rows[k * 6 + 5] = 0;
        v->t[3] += now_s() - t0;
        int g = image_gt(&v->s, b, si, err);
        if (g < 0) return -1;
        if (yc_metrics_add_image(v->metrics, v->s.rows, n, v->s.gt_rows, g, err)) return -1;
        if (plotting)
            for (int k = 0; k < n; k++) {
                const float *r = v->s.rows + k * 6;
                float *p = v->s.plot + (size_t)nplot++ * 7;
                p[0] = (float)si;
                p[1] = r[5];
                p[2] = (r[0] + r[2]) / 2 / b->w;
                p[3] = (r[1] + r[3]) / 2 / b->h;
                p[4] = (r[2] - r[0]) / b->w;
                p[5] = (r[3] - r[1]) / b->h;
                p[6] = r[4];
            }
        if (v->pj && n > 0) {
            const YcSourceImage *info = b->info ? &b->info[si] : NULL;
            if (!info || !info->path)
                return yc_err(err, "save_json: batch %d image %d has no file name", bi + 1, si);
            int w0 = info->w0 > 0 ? info->w0 : b->w, h0 = info->h0 > 0 ? info->h0 : b->h;
            yc_val_scale_boxes(v->s.rows, n, 6, info->gain > 0 ? info->gain : 1.0, info->pad_left, info->pad_top, w0,
                               h0);
            if (yc_predjson_add(v->pj, info->path, v->s.rows, n, err)) return -1;
        }
    }
    if (plotting) o->plot(o->plot_user, bi, b, v->s.plot, nplot);
    return 0;
}

static int run_batches(ValRun *v, YcErr *err) {
    YcBackend *be = yc_model_backend(v->model);
    const YcValOptions *o = v->o;
    YcSourceBatch b;
    int rc, bi = 0;
    while ((rc = v->src->next(v->src, &b, err)) == 1) {
        if (o->stop && *o->stop) return 1;
        double t0 = now_s();
        YcTensor x;
        if (yc_input_prepare(&v->input, &b, b.h, b.w, &x, err)) return -1;
        double t1 = now_s();
        YcModelOutputs out;
        if (yc_model_forward(v->model, &x, &out, err) || be->sync(be, err))
            return yc_err_prefix(err, "validation batch %d", bi + 1);
        double t2 = now_s();
        if (o->compute_loss) {
            YcDetLossOutput lo;
            if (yc_loss_runner_run(&v->loss, v->model, &out, &b, false, &lo, err))
                return yc_err_prefix(err, "validation batch %d", bi + 1);
            for (int k = 0; k < 3; k++) v->loss_sum[k] += lo.items[k];
        }
        double t3 = now_s();
        long anchors = (long)out.decoded.shape[2];
        const float *decoded = out.decoded.data;
        if (be->mem != YC_MEM_HOST) {
            size_t n = (size_t)yc_tensor_numel(&out.decoded);
            if (n > v->s.decoded_cap) {
                if (grow_f(&v->s.decoded, n, err)) return -1;
                v->s.decoded_cap = n;
            }
            be->download(be, v->s.decoded, out.decoded.data, n * sizeof(float));
            decoded = v->s.decoded;
        }
        v->t[0] += t1 - t0;
        v->t[1] += t2 - t1;
        v->t[2] += t3 - t2;
        v->t[3] += now_s() - t3;
        if (process_batch(v, &b, decoded, anchors, bi, err)) return yc_err_prefix(err, "validation batch %d", bi + 1);
        v->images += b.n;
        bi++;
        YcEvent e = {.type = YC_EVENT_VAL_BATCH, .epoch = o->epoch, .batch = bi, .batches = v->nb};
        emit(v->bus, &e);
    }
    return rc < 0 ? -1 : 0;
}

static int finish(ValRun *v, YcValResult *r, YcErr *err) {
    const YcValOptions *o = v->o;
    if (yc_metrics_finish(v->metrics, &r->metrics, err)) return -1;
    long images = v->images > 0 ? v->images : 1;
    r->speed.preprocess = v->t[0] / images * 1e3;
    r->speed.inference = v->t[1] / images * 1e3;
    r->speed.loss = v->t[2] / images * 1e3;
    r->speed.postprocess = v->t[3] / images * 1e3;
    r->batches = v->nb;
    for (int k = 0; k < 3; k++) r->loss[k] = o->compute_loss && v->nb > 0 ? v->loss_sum[k] / (float)v->nb : 0.0;
    YcStr table;
    yc_str_init(&table);
    yc_metrics_table_rows(&r->metrics, o->per_class, &table);
    r->table = table.data ? table.data : calloc(1, 1);
    if (!r->table) return yc_err(err, "validation: out of memory");
    if (o->json_path && yc_metrics_write_json(&r->metrics, &r->speed, o->json_path, err)) return -1;
    if (v->pj) {
        r->predictions_written = yc_predjson_count(v->pj);
        YcPredJson *pj = v->pj;
        v->pj = NULL;
        if (yc_predjson_close(pj, err)) return -1;
    }
    return 0;
}

int yc_val_run(YcModel *model, YcBatchSource *src, const YcValOptions *o, const YcEventBus *bus, YcValResult *result,
               YcErr *err) {
    memset(result, 0, sizeof *result);
    ValRun v = {.model = model, .src = src, .o = o, .bus = bus, .nc = yc_model_nc(model)};
    yc_input_init(&v.input, yc_model_backend(model));
    yc_loss_runner_init(&v.loss, v.nc, o->box_gain, o->cls_gain, o->dfl_gain);
    yc_nms_opts_val(&v.nms_opts);
    v.nms_opts.conf = isnan(o->conf) ? 0.001 : o->conf;
    v.nms_opts.iou = o->iou;
    v.nms_opts.max_det = o->max_det;
    v.nms_opts.agnostic = o->single_cls || o->agnostic_nms;
    int rc = -1;
    v.nb = src->batches(src);
    v.nms = yc_nms_new();
    v.s.rows = malloc((size_t)(o->max_det > 0 ? o->max_det : 1) * 6 * sizeof(float));
    if (!v.nms || !v.s.rows) {
        yc_err(err, "validation: out of memory");
        goto done;
    }
    if (o->max_det < 1) {
        yc_err(err, "validation: max_det must be at least 1, got %d", o->max_det);
        goto done;
    }
    v.metrics = yc_metrics_begin(v.nc, o->names, o->conf, err);
    if (!v.metrics) goto done;
    if (o->predictions_path && !(v.pj = yc_predjson_open(o->predictions_path, o->coco91, err))) goto done;
    yc_model_set_train(model, false);
    YcEvent start = {.type = YC_EVENT_VAL_START, .epoch = o->epoch, .batches = v.nb};
    emit(bus, &start);
    if (src->start_epoch(src, 0, 0, err)) goto done;
    rc = run_batches(&v, err);
    if (rc == 0) rc = finish(&v, result, err);
    if (rc == 0) {
        YcEvent e = {.type = YC_EVENT_VAL_END, .epoch = o->epoch, .batches = v.nb,
                     .precision = result->metrics.precision, .recall = result->metrics.recall,
                     .map50 = result->metrics.map50, .map50_95 = result->metrics.map50_95,
                     .fitness = result->metrics.fitness, .message = result->table, .path = o->json_path};
        for (int k = 0; k < 3; k++) e.val_losses[k] = result->loss[k];
        emit(bus, &e);
    }
done:
    if (rc != 0) yc_val_result_free(result);
    if (v.pj) yc_predjson_abort(v.pj);
    yc_metrics_free(v.metrics);
    yc_nms_free(v.nms);
    yc_input_free(&v.input);
    yc_loss_runner_free(&v.loss);
    scratch_free(&v.s);
    return rc;
}
