/* Running the graph: forward (training or evaluation) and backward, each op
 * mapped onto backend entries. Everything here is backend-agnostic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_internal.h"

#define BN_EPS 1e-3f
#define BN_MOMENTUM 0.03f

static float *val(YcModel *m, int a) { return a == m->input_act ? (float *)m->input : yc_slot_f32(m->arena_mem, m->acts[a].value); }
static float *pval(YcModel *m, int p) { return p == YC_NONE ? NULL : m->params[p].value; }

/* The reference puts the batch norms of frozen layers in evaluation mode
 * during training (BaseTrainer._model_train): running statistics, no update. */
static bool bn_frozen(const YcModel *m, const YcOp *op) { return op->gamma != YC_NONE && m->params[op->gamma].frozen; }

static YcConvShape conv_shape(const YcModel *m, const YcOp *op) {
    const YcAct *x = &m->acts[op->in[0]], *y = &m->acts[op->out[0]];
    YcConvShape s = {m->plan.batch, x->c, x->h, x->w, y->c, y->h, y->w,
                     op->kh, op->kw, op->stride, op->stride, op->pad_h, op->pad_w, op->groups};
    return s;
}

static int64_t plane(const YcModel *m, int a) { return (int64_t)m->acts[a].h * m->acts[a].w; }
static size_t numel(const YcModel *m, int a) { return (size_t)m->plan.batch * m->acts[a].c * plane(m, a); }

/* qkv's layout per image: heads blocks of [key_dim q rows, key_dim k rows, head_dim v rows] x tokens. */
static void attention_forward(YcModel *m, const YcOp *op) {
    YcBackend *be = m->be;
    int64_t n = plane(m, op->in[0]);
    int kd = op->key_dim, hd = op->head_dim, bh = m->plan.batch * op->heads;
    int64_t head_stride = (int64_t)(2 * kd + hd) * n;
    const float *qkv = val(m, op->in[0]);
    float *p = yc_slot_f32(m->arena_mem, op->saved), *o = val(m, op->out[0]), *v = val(m, op->out[1]);
    /* scores [n, n] = scale * q^T k, softmax over keys */
    be->gemm(be, true, false, (int)n, (int)n, kd, op->attn_scale, qkv, (int)n, head_stride, qkv + kd * n, (int)n,
             head_stride, 0.0f, p, (int)n, n * n, bh);
    be->softmax_forward(be, (int64_t)bh * n, (int)n, p, p);
    /* o [hd, n] = v p^T */
    be->gemm(be, false, true, hd, (int)n, (int)n, 1.0f, qkv + 2 * kd * n, (int)n, head_stride, p, (int)n, n * n, 0.0f,
             o, (int)n, (int64_t)hd * n, bh);
    /* v gathered as [B, C, H, W] for the positional conv */
    be->copy_blocks(be, v, (int64_t)hd * n, qkv + 2 * kd * n, head_stride, (int64_t)hd * n, bh, false);
}

static void run_forward_op(YcModel *m, const YcOp *op, bool train) {
    YcBackend *be = m->be;
    int B = m->plan.batch;
    switch (op->kind) {
    case YC_OP_CONV: {
        YcConvShape s = conv_shape(m, op);
        be->conv2d_forward(be, &s, val(m, op->in[0]), pval(m, op->weight), pval(m, op->bias), val(m, op->out[0]),
                           m->ws_mem);
        break;
    }
    case YC_OP_BN: {
        int c = m->acts[op->in[0]].c;
        YcBnShape s = {B, c, plane(m, op->in[0]), BN_EPS, BN_MOMENTUM};
        if (train && !bn_frozen(m, op)) {
            float *saved = yc_slot_f32(m->arena_mem, op->saved);
            be->bn_forward_train(be, &s, val(m, op->in[0]), pval(m, op->gamma), pval(m, op->beta), val(m, op->out[0]),
                                 saved, saved + c, pval(m, op->mean), pval(m, op->var));
        } else {
            be->bn_forward_eval(be, &s, val(m, op->in[0]), pval(m, op->gamma), pval(m, op->beta), pval(m, op->mean),
                                pval(m, op->var), val(m, op->out[0]));
        }
        break;
    }
    case YC_OP_SILU:
        be->silu_forward(be, numel(m, op->in[0]), val(m, op->in[0]), val(m, op->out[0]));
        break;
    case YC_OP_ADD:
        be->add(be, numel(m, op->in[0]), val(m, op->in[0]), val(m, op->in[1]), val(m, op->out[0]));
        break;
    case YC_OP_CONCAT: {
        int64_t hw = plane(m, op->out[0]), total = (int64_t)m->acts[op->out[0]].c * hw, off = 0;
        for (int j = 0; j < op->n_in; j++) {
            int64_t len = (int64_t)m->acts[op->in[j]].c * hw;
            be->copy_blocks(be, val(m, op->out[0]) + off, total, val(m, op->in[j]), len, len, B, false);
            off += len;
        }
        break;
    }
    case YC_OP_SPLIT: {
        int64_t hw = plane(m, op->in[0]), total = (int64_t)m->acts[op->in[0]].c * hw, off = 0;
        for (int j = 0; j < op->n_out; j++) {
            int64_t len = (int64_t)m->acts[op->out[j]].c * hw;
            be->copy_blocks(be, val(m, op->out[j]), len, val(m, op->in[0]) + off, total, len, B, false);
            off += len;
        }
        break;
    }
    case YC_OP_MAXPOOL: {
        const YcAct *x = &m->acts[op->in[0]];
        YcPoolShape s = {(int64_t)B * x->c, x->h, x->w, op->pool_k, op->pool_pad};
        be->maxpool_forward(be, &s, val(m, op->in[0]), val(m, op->out[0]));
        break;
    }
    case YC_OP_UPSAMPLE: {
        const YcAct *x = &m->acts[op->in[0]];
        be->upsample2x_forward(be, (int64_t)B * x->c, x->h, x->w, val(m, op->in[0]), val(m, op->out[0]));
        break;
    }
    case YC_OP_ATTENTION:
        attention_forward(m, op);
        break;
    }
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Multiply-adds of a convolution or the attention products (for GFLOP/s). */
static double op_macs(const YcModel *m, const YcOp *op) {
    const YcAct *x = &m->acts[op->in[0]], *y = &m->acts[op->out[0]];
    if (op->kind == YC_OP_CONV)
        return (double)m->plan.batch * y->c * y->h * y->w * (x->c / op->groups) * op->kh * op->kw;
    if (op->kind == YC_OP_ATTENTION) {
        double n = (double)x->h * x->w;
        return (double)m->plan.batch * op->heads * n * n * (op->key_dim + op->head_dim);
    }
    return 0;
}

/* Profile rows: the op kinds, with convolutions split by shape. */
static int profile_row(const YcModel *m, const YcOp *op) {
    if (op->kind != YC_OP_CONV) return op->kind;
    if (op->groups > 1 && op->groups == m->acts[op->in[0]].c) return 12; /* depthwise */
    if (op->kh == 1 && op->kw == 1) return 9;                            /* pointwise */
    return op->stride == 1 ? 10 : 11;                                    /* k x k, strided k x k */
}

static void profile_add(YcModel *m, int pass, const YcOp *op, double t0) {
    YcErr err;
    m->be->sync(m->be, &err);
    int row = profile_row(m, op);
    m->prof_seconds[pass][row] += now_seconds() - t0;
    m->prof_flops[pass][row] += 2 * op_macs(m, op) * (pass ? 2 : 1);
}

void yc_model_set_profiling(YcModel *m, bool on) {
    m->profiling = on;
    memset(m->prof_seconds, 0, sizeof m->prof_seconds);
    memset(m->prof_flops, 0, sizeof m->prof_flops);
}

void yc_model_profile_report(const YcModel *m, char *buf, size_t cap) {
    static const char *names[] = {"conv", "batchnorm", "silu", "add", "concat", "split", "maxpool", "upsample",
                                  "attention", "conv 1x1", "conv kxk", "conv kxk/s", "conv dw"};
    size_t o = 0;
    o += (size_t)snprintf(buf + o, cap - o, "%-10s %10s %10s %10s %10s\n", "op", "fwd s", "bwd s", "fwd GF/s",
                          "bwd GF/s");
    for (int k = 0; k < (int)(sizeof names / sizeof names[0]) && o < cap; k++) {
        const double *s0 = m->prof_seconds[0], *s1 = m->prof_seconds[1];
        if (s0[k] == 0 && s1[k] == 0) continue;
        o += (size_t)snprintf(buf + o, cap - o, "%-10s %10.3f %10.3f %10.1f %10.1f\n", names[k], s0[k], s1[k],
                              s0[k] > 0 ? m->prof_flops[0][k] / s0[k] / 1e9 : 0,
                              s1[k] > 0 ? m->prof_flops[1][k] / s1[k] / 1e9 : 0);
    }
}

static YcTensor act_tensor(YcModel *m, int a, float *data) {
    int64_t shape[4] = {m->plan.batch, m->acts[a].c, m->acts[a].h, m->acts[a].w};
    YcTensor t = yc_tensor_f32(data, 4, shape);
    t.mem = m->be->mem;
    t.device = m->be->device;
    return t;
}

int yc_model_forward(YcModel *m, const YcTensor *x, YcModelOutputs *out, YcErr *err) {
    int stride = yc_model_max_stride(m);
    char buf[64];
    if (x->ndim != 4 || x->dtype != YC_DTYPE_F32 || x->shape[1] != m->in_channels || x->shape[0] < 1)
        return yc_err(err, "model input must be float32 [batch, %d, height, width], got %s", m->in_channels,
                      yc_tensor_shape_str(x, buf, sizeof buf));
    if (x->shape[2] % stride || x->shape[3] % stride || x->shape[2] < stride || x->shape[3] < stride)
        return yc_err(err, "model input %lldx%lld: height and width must be multiples of the model's stride %d",
                      (long long)x->shape[2], (long long)x->shape[3], stride);
    if (x->mem != m->be->mem) return yc_err(err, "model input is not in %s memory", m->be->name);
    if (yc_model_plan(m, (int)x->shape[0], (int)x->shape[2], (int)x->shape[3], m->train, err)) return -1;
    m->input = x->data;
    for (int i = 0; i < m->n_ops; i++) {
        double t0 = m->profiling ? now_seconds() : 0;
        run_forward_op(m, &m->ops[i], m->train);
        if (m->profiling) profile_add(m, 0, &m->ops[i], t0);
    }
    memset(out, 0, sizeof *out);
    out->levels = m->levels;
    for (int l = 0; l < m->levels; l++) {
        out->level[l] = act_tensor(m, m->level_act[l], val(m, m->level_act[l]));
        out->stride[l] = m->level_stride[l];
    }
    m->forward_done = m->train;
    if (!m->train) {
        YcPlan *p = &m->plan;
        int no = 4 * m->reg_max + m->nc, B = p->batch;
        float *xcat = yc_slot_f32(m->arena_mem, p->xcat), *dec = yc_slot_f32(m->arena_mem, p->decoded);
        int64_t off = 0;
        for (int l = 0; l < m->levels; l++) {
            int64_t hw = plane(m, m->level_act[l]);
            m->be->copy_blocks(m->be, xcat + off, p->anchors, val(m, m->level_act[l]), hw, hw, (int64_t)B * no, false);
            off += hw;
        }
        m->be->detect_decode(m->be, B, m->nc, m->reg_max, p->anchors, xcat, yc_slot_f32(m->arena_mem, p->anchor_xy),
                             yc_slot_f32(m->arena_mem, p->anchor_stride), dec);
        int64_t shape[3] = {B, 4 + m->nc, p->anchors};
        out->decoded = yc_tensor_f32(dec, 3, shape);
        out->decoded.mem = m->be->mem;
        out->decoded.device = m->be->device;
    }
    return m->be->sync(m->be, err);
}

YcTensor yc_model_output_grad(YcModel *m, int level) {
    YcTensor none = {0};
    if (level < 0 || level >= m->levels || !m->plan.valid || !m->plan.train) return none;
    int a = m->level_act[level];
    return act_tensor(m, a, yc_slot_f32(m->arena_mem, m->acts[a].grad));
}

/* ---- backward ---- */

static bool op_trains(const YcModel *m, const YcOp *op) {
    int ps[4] = {op->weight, op->bias, op->gamma, op->beta};
    for (int k = 0; k < 4; k++)
        if (ps[k] != YC_NONE && m->params[ps[k]].grad) return true;
    return false;
}

/* Which activations need gradients, which ops run, and who writes each gradient first. */
static void prepare_backward(YcModel *m, bool input_grad) {
    int n = m->n_ops;
    for (int a = 0; a < m->n_acts; a++) m->act_needs[a] = false;
    m->act_needs[m->input_act] = input_grad;
    for (int i = 0; i < n; i++) {
        const YcOp *op = &m->ops[i];
        bool needs = op_trains(m, op);
        for (int j = 0; j < op->n_in; j++) needs = needs || m->act_needs[op->in[j]];
        for (int j = 0; j < op->n_out; j++) m->act_needs[op->out[j]] = needs;
    }
    for (int a = 0; a < m->n_acts; a++) {
        m->first_writer_op[a] = -1;
        m->first_writer_slot[a] = -1;
    }
    for (int i = n - 1; i >= 0; i--) {
        const YcOp *op = &m->ops[i];
        bool out_live = false;
        for (int j = 0; j < op->n_out; j++)
            out_live = out_live || (m->act_reached[op->out[j]] && m->act_needs[op->out[j]]);
        m->op_runs[i] = out_live;
        if (!out_live) continue;
        for (int j = 0; j < op->n_in; j++) {
            int a = op->in[j];
            if (m->act_needs[a] && m->first_writer_op[a] < 0) {
                m->first_writer_op[a] = i;
                m->first_writer_slot[a] = j;
            }
        }
    }
}

/* The gradient buffer of input j of op i (NULL when not needed), and whether to accumulate into it. */
static float *in_grad(YcModel *m, int i, int j, const float *input_grad, bool *acc) {
    int a = m->ops[i].in[j];
    *acc = !(m->first_writer_op[a] == i && m->first_writer_slot[a] == j);
    if (!m->act_needs[a]) return NULL;
    if (a == m->input_act) return (float *)input_grad;
    return yc_slot_f32(m->arena_mem, m->acts[a].grad);
}

static float *out_grad(YcModel *m, int a) {
    return m->act_reached[a] && m->act_needs[a] ? yc_slot_f32(m->arena_mem, m->acts[a].grad) : NULL;
}

static float *pgrad(YcModel *m, int p) { return p == YC_NONE ? NULL : m->params[p].grad; }

static void attention_backward(YcModel *m, int i, const float *input_grad) {
    YcBackend *be = m->be;
    const YcOp *op = &m->ops[i];
    int64_t n = plane(m, op->in[0]);
    int kd = op->key_dim, hd = op->head_dim, bh = m->plan.batch * op->heads;
    int64_t head_stride = (int64_t)(2 * kd + hd) * n;
    const float *qkv = val(m, op->in[0]), *p = yc_slot_f32(m->arena_mem, op->saved);
    const float *d_o = out_grad(m, op->out[0]), *d_vout = out_grad(m, op->out[1]);
    float *dp = yc_slot_f32(m->arena_mem, op->scratch);
    bool acc;
    float *dqkv = in_grad(m, i, 0, input_grad, &acc);
    if (!dqkv) return;
    float beta = acc ? 1.0f : 0.0f;
    if (d_o) {
        /* dv [hd, n] = dO p */
        be->gemm(be, false, false, hd, (int)n, (int)n, 1.0f, d_o, (int)n, (int64_t)hd * n, p, (int)n, n * n, beta,
                 dqkv + 2 * kd * n, (int)n, head_stride, bh);
        /* dp [n, n] = dO^T v, then through the softmax */
        be->gemm(be, true, false, (int)n, (int)n, hd, 1.0f, d_o, (int)n, (int64_t)hd * n, qkv + 2 * kd * n, (int)n,
                 head_stride, 0.0f, dp, (int)n, n * n, bh);
        be->softmax_backward(be, (int64_t)bh * n, (int)n, p, dp, dp, false);
        /* dq [kd, n] = scale k ds^T;  dk [kd, n] = scale q ds */
        be->gemm(be, false, true, kd, (int)n, (int)n, op->attn_scale, qkv + kd * n, (int)n, head_stride, dp, (int)n,
                 n * n, beta, dqkv, (int)n, head_stride, bh);
        be->gemm(be, false, false, kd, (int)n, (int)n, op->attn_scale, qkv, (int)n, head_stride, dp, (int)n, n * n,
                 beta, dqkv + kd * n, (int)n, head_stride, bh);
    } else if (!acc) {
        be->fill(be, dqkv, numel(m, op->in[0]), 0.0f);
    }
    if (d_vout)
        be->copy_blocks(be, dqkv + 2 * kd * n, head_stride, d_vout, (int64_t)hd * n, (int64_t)hd * n, bh, true);
}

/* Backward of an evaluation-mode batch norm (a frozen layer in training):
 * dx = dy * gamma / sqrt(running_var + eps), per channel. */
static void bn_frozen_backward(YcModel *m, const YcOp *op, const float *dy, float *dx, bool acc) {
    YcBackend *be = m->be;
    int c = m->acts[op->in[0]].c, B = m->plan.batch;
    int64_t hw = plane(m, op->in[0]);
    float *host = malloc((size_t)c * 2 * sizeof *host);
    if (!host) return;
    be->download(be, host, pval(m, op->gamma), (size_t)c * sizeof *host);
    be->download(be, host + c, pval(m, op->var), (size_t)c * sizeof *host);
    for (int b = 0; b < B; b++)
        for (int k = 0; k < c; k++) {
            float w = host[k] * (1.0f / sqrtf(host[c + k] + BN_EPS));
            size_t off = ((size_t)b * c + k) * (size_t)hw;
            if (acc) {
                be->axpy(be, (size_t)hw, w, dy + off, dx + off);
            } else {
                be->copy_blocks(be, dx + off, 0, dy + off, 0, hw, 1, false);
                be->scale(be, dx + off, (size_t)hw, w);
            }
        }
    free(host);
}

static void run_backward_op(YcModel *m, int i, const float *input_grad) {
    YcBackend *be = m->be;
    const YcOp *op = &m->ops[i];
    int B = m->plan.batch;
    bool acc;
    switch (op->kind) {
    case YC_OP_CONV: {
        YcConvShape s = conv_shape(m, op);
        float *dx = in_grad(m, i, 0, input_grad, &acc);
        be->conv2d_backward(be, &s, val(m, op->in[0]), pval(m, op->weight), out_grad(m, op->out[0]), dx, acc,
                            pgrad(m, op->weight), pgrad(m, op->bias), m->ws_mem);
        break;
    }
    case YC_OP_BN: {
        int c = m->acts[op->in[0]].c;
        YcBnShape s = {B, c, plane(m, op->in[0]), BN_EPS, BN_MOMENTUM};
        const float *saved = yc_slot_f32(m->arena_mem, op->saved);
        float *dx = in_grad(m, i, 0, input_grad, &acc);
        if (bn_frozen(m, op)) {
            if (dx) bn_frozen_backward(m, op, out_grad(m, op->out[0]), dx, acc);
            break;
        }
        be->bn_backward(be, &s, val(m, op->in[0]), out_grad(m, op->out[0]), pval(m, op->gamma), saved, saved + c, dx,
                        acc, pgrad(m, op->gamma), pgrad(m, op->beta));
        break;
    }
    case YC_OP_SILU: {
        float *dx = in_grad(m, i, 0, input_grad, &acc);
        if (dx) be->silu_backward(be, numel(m, op->in[0]), val(m, op->in[0]), out_grad(m, op->out[0]), dx, acc);
        break;
    }
    case YC_OP_ADD:
        for (int j = 0; j < 2; j++) {
            float *dx = in_grad(m, i, j, input_grad, &acc);
            if (dx) be->copy_blocks(be, dx, 0, out_grad(m, op->out[0]), 0, (int64_t)numel(m, op->in[j]), 1, acc);
        }
        break;
    case YC_OP_CONCAT: {
        int64_t hw = plane(m, op->out[0]), total = (int64_t)m->acts[op->out[0]].c * hw, off = 0;
        const float *dy = out_grad(m, op->out[0]);
        for (int j = 0; j < op->n_in; j++) {
            int64_t len = (int64_t)m->acts[op->in[j]].c * hw;
            float *dx = in_grad(m, i, j, input_grad, &acc);
            if (dx) be->copy_blocks(be, dx, len, dy + off, total, len, B, acc);
            off += len;
        }
        break;
    }
    case YC_OP_SPLIT: {
        int64_t hw = plane(m, op->in[0]), total = (int64_t)m->acts[op->in[0]].c * hw, off = 0;
        float *dx = in_grad(m, i, 0, input_grad, &acc);
        if (!dx) break;
        for (int j = 0; j < op->n_out; j++) {
            int64_t len = (int64_t)m->acts[op->out[j]].c * hw;
            const float *dy = out_grad(m, op->out[j]);
            if (dy)
                be->copy_blocks(be, dx + off, total, dy, len, len, B, acc);
            else if (!acc)
                for (int b = 0; b < B; b++) be->fill(be, dx + off + b * total, (size_t)len, 0.0f);
            off += len;
        }
        break;
    }
    case YC_OP_MAXPOOL: {
        const YcAct *x = &m->acts[op->in[0]];
        YcPoolShape s = {(int64_t)B * x->c, x->h, x->w, op->pool_k, op->pool_pad};
        float *dx = in_grad(m, i, 0, input_grad, &acc);
        if (dx)
            be->maxpool_backward(be, &s, val(m, op->in[0]), val(m, op->out[0]), out_grad(m, op->out[0]), dx, acc);
        break;
    }
    case YC_OP_UPSAMPLE: {
        const YcAct *x = &m->acts[op->in[0]];
        float *dx = in_grad(m, i, 0, input_grad, &acc);
        if (dx) be->upsample2x_backward(be, (int64_t)B * x->c, x->h, x->w, out_grad(m, op->out[0]), dx, acc);
        break;
    }
    case YC_OP_ATTENTION:
        attention_backward(m, i, input_grad);
        break;
    }
}

int yc_model_backward(YcModel *m, const YcTensor *upstream, YcTensor *grad_input, YcErr *err) {
    if (!m->plan.valid || !m->plan.train || !m->forward_done)
        return yc_err(err, "model backward: run a training-mode forward first");
    char buf[64];
    for (int l = 0; upstream && l < m->levels; l++) {
        const YcTensor *u = &upstream[l];
        int a = m->level_act[l];
        YcTensor want = act_tensor(m, a, NULL);
        bool same = u->ndim == 4 && u->dtype == YC_DTYPE_F32 && u->mem == m->be->mem;
        for (int k = 0; k < 4 && same; k++) same = u->shape[k] == want.shape[k];
        if (!same)
            return yc_err(err, "model backward: upstream gradient %d must be float32 %s, got %s", l,
                          yc_tensor_shape_str(&want, buf, sizeof buf), yc_tensor_shape_str(u, buf + 32, 32));
        float *dst = yc_slot_f32(m->arena_mem, m->acts[a].grad);
        if (u->data != dst) m->be->copy_blocks(m->be, dst, 0, u->data, 0, (int64_t)numel(m, a), 1, false);
    }
    float *gin = NULL;
    if (grad_input) {
        const YcAct *x = &m->acts[m->input_act];
        bool ok = grad_input->ndim == 4 && grad_input->dtype == YC_DTYPE_F32 && grad_input->mem == m->be->mem &&
                  grad_input->shape[0] == m->plan.batch && grad_input->shape[1] == x->c &&
                  grad_input->shape[2] == x->h && grad_input->shape[3] == x->w;
        if (!ok) return yc_err(err, "model backward: grad_input must have the input's shape");
        gin = grad_input->data;
    }
    prepare_backward(m, gin != NULL);
    for (int i = m->n_ops - 1; i >= 0; i--) {
        if (!m->op_runs[i]) continue;
        double t0 = m->profiling ? now_seconds() : 0;
        run_backward_op(m, i, gin);
        if (m->profiling) profile_add(m, 1, &m->ops[i], t0);
    }
    if (gin && m->first_writer_op[m->input_act] < 0)
        m->be->fill(m->be, gin, (size_t)m->plan.batch * m->in_channels * m->plan.h * m->plan.w, 0.0f);
    return m->be->sync(m->be, err);
}
