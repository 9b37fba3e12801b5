/* The detection loss on a model's outputs (see train_loss.h). */
#include "train_loss.h"

#include <stdlib.h>
#include <string.h>

void yc_loss_runner_init(YcLossRunner *r, int nc, double box, double cls, double dfl) {
    memset(r, 0, sizeof *r);
    r->nc = nc;
    r->gain[0] = box;
    r->gain[1] = cls;
    r->gain[2] = dfl;
}

void yc_loss_runner_free(YcLossRunner *r) {
    yc_det_loss_free(r->ws);
    free(r->host);
    memset(r, 0, sizeof *r);
}

static int ensure(YcLossRunner *r, int batch, int h, int w, long anchors, int targets, YcErr *err) {
    if (r->ws && batch <= r->batch_cap && anchors <= r->anchors_cap) {
        if (targets > r->targets_cap) {
            int want = targets > 2 * r->targets_cap ? targets : 2 * r->targets_cap;
            if (yc_det_loss_reserve(r->ws, want, err)) return -1;
            r->targets_cap = want;
        }
        return 0;
    }
    int b = batch > r->batch_cap ? batch : r->batch_cap;
    int t = targets > r->targets_cap ? targets : r->targets_cap;
    if (t < 64) t = 64;
    yc_det_loss_free(r->ws);
    r->ws = yc_det_loss_create(b, h, w, r->nc, t, err);
    if (!r->ws) {
        r->batch_cap = 0;
        r->anchors_cap = 0;
        return -1;
    }
    r->batch_cap = b;
    r->anchors_cap = anchors;
    r->targets_cap = t;
    return 0;
}

int yc_loss_runner_run(YcLossRunner *r, YcModel *m, const YcModelOutputs *out, const YcSourceBatch *b, bool grad,
                       YcDetLossOutput *res, YcErr *err) {
    if (out->levels != YC_DET_LEVELS)
        return yc_err(err, "loss: the model has %d output levels; the detection loss needs %d", out->levels,
                      YC_DET_LEVELS);
    int batch = (int)out->level[0].shape[0];
    int h = (int)out->level[0].shape[2] * out->stride[0], w = (int)out->level[0].shape[3] * out->stride[0];
    long anchors = 0;
    size_t total = 0;
    for (int l = 0; l < out->levels; l++) {
        anchors += (long)out->level[l].shape[2] * out->level[l].shape[3];
        total += (size_t)yc_tensor_numel(&out->level[l]);
    }
    if (ensure(r, batch, h, w, anchors, b->targets, err)) return -1;
    YcBackend *be = yc_model_backend(m);
    bool host = be->mem == YC_MEM_HOST;
    if (!host && total * 2 > r->host_cap) {
        free(r->host);
        r->host = malloc(total * 2 * sizeof(float));
        r->host_cap = r->host ? total * 2 : 0;
        if (!r->host) return yc_err(err, "loss: out of memory staging %zu outputs", total);
    }
    YcDetLossInput in = {
        .batch = batch, .imgh = h, .imgw = w, .targets = b->targets ? b->target : NULL, .ntargets = b->targets,
        .box_gain = r->gain[0], .cls_gain = r->gain[1], .dfl_gain = r->gain[2],
    };
    size_t off = 0;
    for (int l = 0; l < out->levels; l++) {
        size_t n = (size_t)yc_tensor_numel(&out->level[l]);
        if (host) {
            in.pred[l] = out->level[l].data;
            if (grad) in.grad[l] = yc_model_output_grad(m, l).data;
        } else {
            be->download(be, r->host + off, out->level[l].data, n * sizeof(float));
            in.pred[l] = r->host + off;
            if (grad) in.grad[l] = r->host + total + off;
        }
        off += n;
    }
    if (yc_det_loss_compute(r->ws, &in, res, err)) return -1;
    if (grad && !host) {
        off = 0;
        for (int l = 0; l < out->levels; l++) {
            size_t n = (size_t)yc_tensor_numel(&out->level[l]);
            be->upload(be, yc_model_output_grad(m, l).data, r->host + total + off, n * sizeof(float));
            off += n;
        }
    }
    return 0;
}
