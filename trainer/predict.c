/* The predictor (see predict.h). */
#include "predict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nms.h"
#include "train_input.h"
#include "val_boxes.h"

struct YcPredictor {
    YcModel *model;
    YcBackend *be;
    YcPredictOptions o;
    int nc, stride;
    YcNmsOpts nms_opts;
    YcNms *nms;
    YcInput input;
    uint8_t *planes;           /* the letterboxed image, 3 planes */
    size_t planes_cap;
    uint8_t *resized;          /* the resized image, interleaved (when the size changes) */
    size_t resized_cap;
    float *decoded;            /* host copy of the decoded output (non-host backends) */
    size_t decoded_cap;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void yc_predict_options_defaults(YcPredictOptions *o) {
    memset(o, 0, sizeof *o);
    o->imgsz_h = o->imgsz_w = 640;
    o->conf = 0.25;
    o->iou = 0.7;
    o->max_det = 300;
}

void yc_prediction_free(YcPrediction *p) {
    free(p->rows);
    memset(p, 0, sizeof *p);
}

bool yc_predict_check_imgsz(int imgsz, int stride, int *out) {
    int fixed = (imgsz + stride - 1) / stride * stride;
    if (fixed < stride) fixed = stride;
    *out = fixed;
    return fixed != imgsz;
}

void yc_predict_letterbox_plan(int h, int w, int new_h, int new_w, int stride, YcLetterbox *lb) {
    double r = (double)new_h / h < (double)new_w / w ? (double)new_h / h : (double)new_w / w;
    lb->ratio = r;
    lb->unpad_w = (int)yc_round_half_even(w * r);
    lb->unpad_h = (int)yc_round_half_even(h * r);
    /* minimum rectangle: only what the stride needs, split over both sides */
    double dw = ((new_w - lb->unpad_w) % stride + stride) % stride / 2.0;
    double dh = ((new_h - lb->unpad_h) % stride + stride) % stride / 2.0;
    lb->top = (int)yc_round_half_even(dh - 0.1);
    lb->bottom = (int)yc_round_half_even(dh + 0.1);
    lb->left = (int)yc_round_half_even(dw - 0.1);
    lb->right = (int)yc_round_half_even(dw + 0.1);
}

YcPredictor *yc_predictor_new(YcModel *model, const YcPredictOptions *o, YcErr *err) {
    int stride = yc_model_max_stride(model);
    if (o->imgsz_h <= 0 || o->imgsz_w <= 0 || o->imgsz_h % stride || o->imgsz_w % stride) {
        yc_err(err, "predict: imgsz %dx%d must be positive multiples of the model's stride %d", o->imgsz_h,
               o->imgsz_w, stride);
        return NULL;
    }
    if (!(o->conf >= 0 && o->conf <= 1) || !(o->iou >= 0 && o->iou <= 1) || o->max_det < 1) {
        yc_err(err, "predict: conf and iou must be in 0..1 and max_det at least 1 (got %g, %g, %d)", o->conf, o->iou,
               o->max_det);
        return NULL;
    }
    YcPredictor *p = calloc(1, sizeof *p);
    if (!p || !(p->nms = yc_nms_new())) {
        free(p);
        yc_err(err, "predict: out of memory");
        return NULL;
    }
    p->model = model;
    p->be = yc_model_backend(model);
    p->o = *o;
    p->nc = yc_model_nc(model);
    p->stride = stride;
    yc_nms_opts_val(&p->nms_opts);
    p->nms_opts.conf = o->conf;
    p->nms_opts.iou = o->iou;
    p->nms_opts.max_det = o->max_det;
    p->nms_opts.multi_label = false; /* the predictor's NMS keeps one class per box */
    p->nms_opts.agnostic = o->agnostic;
    p->nms_opts.classes = o->classes;
    p->nms_opts.n_classes = o->n_classes;
    yc_input_init(&p->input, p->be);
    yc_model_set_train(model, false);
    return p;
}

void yc_predictor_free(YcPredictor *p) {
    if (!p) return;
    yc_nms_free(p->nms);
    yc_input_free(&p->input);
    free(p->planes);
    free(p->resized);
    free(p->decoded);
    free(p);
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem, YcErr *err) {
    if (need <= *cap) return 0;
    void *b = realloc(*buf, need * elem);
    if (!b) return yc_err(err, "predict: out of memory (%zu bytes)", need * elem);
    *buf = b;
    *cap = need;
    return 0;
}

/* Letterbox the image straight into the three input planes, padding with the
 * reference's grey; buffers are kept between images, so a stream of pictures
 * of one size allocates nothing. */
static int letterbox_planes(YcPredictor *p, const YcImage *image, const YcLetterbox *lb, YcErr *err) {
    int uh = lb->unpad_h, uw = lb->unpad_w;
    if (uh <= 0 || uw <= 0) return yc_err(err, "predict: image shrinks to nothing (%dx%d)", uw, uh);
    const uint8_t *src = image->data;
    if (image->w != uw || image->h != uh) {
        if (grow((void **)&p->resized, &p->resized_cap, (size_t)uh * uw * 3, 1, err)) return -1;
        YcImage resized = {.h = uh, .w = uw, .c = 3, .data = p->resized};
        yc_resize_linear(image, &resized);
        src = p->resized;
    }
    int h = lb->top + uh + lb->bottom, w = lb->left + uw + lb->right;
    size_t plane = (size_t)h * w;
    if (grow((void **)&p->planes, &p->planes_cap, plane * 3, 1, err)) return -1;
    uint8_t *r = p->planes, *g = r + plane, *b = g + plane;
    memset(r, 114, plane * 3);
    for (int y = 0; y < uh; y++) {
        size_t at = (size_t)(y + lb->top) * w + lb->left;
        const uint8_t *s = src + (size_t)y * uw * 3;
        uint8_t *dr = r + at, *dg = g + at, *db = b + at;
        for (int x = 0; x < uw; x++) {
            dr[x] = s[3 * x];
            dg[x] = s[3 * x + 1];
            db[x] = s[3 * x + 2];
        }
    }
    return 0;
}

int yc_predictor_run(YcPredictor *p, const YcImage *image, YcPrediction *out, YcErr *err) {
    if (!image->data || image->c != 3 || image->h <= 0 || image->w <= 0)
        return yc_err(err, "predict: expected an RGB image (got %dx%dx%d)", image->w, image->h, image->c);
    double t0 = now_s();
    YcLetterbox lb;
    yc_predict_letterbox_plan(image->h, image->w, p->o.imgsz_h, p->o.imgsz_w, p->stride, &lb);
    if (letterbox_planes(p, image, &lb, err)) return -1;
    int h = lb.top + lb.unpad_h + lb.bottom, w = lb.left + lb.unpad_w + lb.right;
    YcSourceBatch batch = {.n = 1, .h = h, .w = w, .images = p->planes};
    YcTensor x;
    if (yc_input_prepare(&p->input, &batch, h, w, &x, err)) return -1;
    double t1 = now_s();
    YcModelOutputs mo;
    if (yc_model_forward(p->model, &x, &mo, err) || p->be->sync(p->be, err)) return yc_err_prefix(err, "predict");
    double t2 = now_s();
    long anchors = (long)mo.decoded.shape[2];
    const float *decoded = mo.decoded.data;
    if (p->be->mem != YC_MEM_HOST) {
        size_t n = (size_t)yc_tensor_numel(&mo.decoded);
        if (grow((void **)&p->decoded, &p->decoded_cap, n, sizeof(float), err)) return -1;
        p->be->download(p->be, p->decoded, mo.decoded.data, n * sizeof(float));
        decoded = p->decoded;
    }
    size_t need = (size_t)p->o.max_det * 6;
    size_t cap = (size_t)out->cap;
    if (grow((void **)&out->rows, &cap, need, sizeof(float), err)) return -1;
    out->cap = (int)cap;
    int n = yc_nms_image(p->nms, decoded, p->nc, (int)anchors, &p->nms_opts, out->rows, NULL, err);
    if (n < 0) return yc_err_prefix(err, "predict");
    double gain, pad_x, pad_y;
    yc_val_letterbox_params(w, h, image->w, image->h, &gain, &pad_x, &pad_y);
    yc_val_scale_boxes(out->rows, n, 6, gain, pad_x, pad_y, image->w, image->h);
    double t3 = now_s();
    out->n = n;
    out->input_h = h;
    out->input_w = w;
    out->ms[0] = (t1 - t0) * 1e3;
    out->ms[1] = (t2 - t1) * 1e3;
    out->ms[2] = (t3 - t2) * 1e3;
    return 0;
}
