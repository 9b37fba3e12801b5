/* The model summary the reference prints: leaf-module count, parameters,
 * gradients, and GFLOPs counted as thop counts them (the reference's
 * get_flops): the model in evaluation mode on one image of stride x stride
 * (the largest stride, at least 32), multiply-accumulates of convolutions
 * (no bias), 4 per element of each batch norm's input, the attention
 * matrix products, and Detect's DFL conv; times 2, scaled to the image size. */
#include <stdio.h>

#include "model_internal.h"

static double forward_macs(YcModel *m) {
    double macs = 0;
    for (int i = 0; i < m->n_ops; i++) {
        const YcOp *op = &m->ops[i];
        const YcAct *x = &m->acts[op->in[0]], *y = &m->acts[op->out[0]];
        double out = (double)y->c * y->h * y->w;
        if (op->kind == YC_OP_CONV) {
            macs += out * (x->c / op->groups) * op->kh * op->kw;
        } else if (op->kind == YC_OP_BN) {
            macs += 4.0 * x->c * x->h * x->w;
        } else if (op->kind == YC_OP_ATTENTION) {
            double n = (double)x->h * x->w;
            macs += op->heads * n * n * op->key_dim;  /* q^T k */
            macs += op->heads * op->head_dim * n * n; /* v attn^T */
        }
    }
    /* the DFL conv: reg_max inputs for each of 4 outputs per anchor */
    for (int l = 0; l < m->levels; l++) {
        const YcAct *y = &m->acts[m->level_act[l]];
        macs += 4.0 * y->h * y->w * m->reg_max;
    }
    return macs;
}

void yc_model_summary(const YcModel *cm, int imgsz_h, int imgsz_w, YcModelSummary *s) {
    YcModel *m = (YcModel *)cm; /* shapes are scratch: the plan is marked stale below */
    s->layers = m->leaf_modules + (m->uses_silu ? 1 : 0);
    s->parameters = s->gradients = 0;
    for (int i = 0; i < m->n_params; i++) {
        const YcParam *p = &m->params[i];
        if (p->is_buffer) continue;
        s->parameters += (int64_t)p->count;
        if (!p->frozen) s->gradients += (int64_t)p->count;
    }
    int stride = yc_model_max_stride(m);
    if (stride < 32) stride = 32;
    YcErr err;
    s->gflops = 0;
    if (yc_model_shapes(m, stride, stride, &err) == 0) {
        double per = forward_macs(m) * 2 / 1e9;
        s->gflops = per * imgsz_h / stride * imgsz_w / stride;
    }
    m->plan.valid = false;
}

static void with_commas(int64_t v, char *buf, size_t cap) {
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

void yc_model_summary_line(const YcModel *m, int imgsz_h, int imgsz_w, char *buf, size_t cap) {
    YcModelSummary s;
    yc_model_summary(m, imgsz_h, imgsz_w, &s);
    char layers[32], params[32], grads[32];
    with_commas(s.layers, layers, sizeof layers);
    with_commas(s.parameters, params, sizeof params);
    with_commas(s.gradients, grads, sizeof grads);
    snprintf(buf, cap, "%s summary: %s layers, %s parameters, %s gradients, %.1f GFLOPs", m->name, layers, params,
             grads, s.gflops);
}
