/* Conv (conv + BatchNorm + SiLU), the plain biased conv of Detect's last
 * layers, Concat and Upsample. Names follow the reference's module tree:
 * <prefix>.conv.weight, <prefix>.bn.{weight,bias,running_mean,running_var}. */
#include <stdio.h>

#include "model_internal.h"

static int conv_params_ok(YcBuild *b, const char *prefix, int c1, int c2, int kh, int kw, int stride, int groups) {
    if (c2 < 1 || kh < 1 || kw < 1 || stride < 1)
        return yc_err(b->err, "%s: invalid convolution (%d channels, kernel %dx%d, stride %d)", prefix, c2, kh, kw,
                      stride);
    if (groups < 1 || c1 % groups || c2 % groups)
        return yc_err(b->err, "%s: channels %d -> %d are not divisible by groups %d", prefix, c1, c2, groups);
    return 0;
}

/* One CONV op from x into a new activation with c2 channels; weight (and bias) given. */
static int conv_op(YcBuild *b, int x, int c2, int weight, int bias, int kh, int kw, int stride, int pad_h, int pad_w,
                   int groups) {
    YcModel *m = b->m;
    int y = yc_graph_act(m, c2, m->acts[x].stride * stride, b->err);
    YcOp *op = y < 0 ? NULL : yc_graph_op(m, YC_OP_CONV, b->layer, b->err);
    if (!op) return -1;
    op->n_in = op->n_out = 1;
    op->in[0] = x;
    op->out[0] = y;
    op->weight = weight;
    op->bias = bias;
    op->kh = kh;
    op->kw = kw;
    op->stride = stride;
    op->pad_h = pad_h;
    op->pad_w = pad_w;
    op->groups = groups;
    return y;
}

static int unary_op(YcBuild *b, YcOpKind kind, int x, int c, int stride) {
    int y = yc_graph_act(b->m, c, stride, b->err);
    YcOp *op = y < 0 ? NULL : yc_graph_op(b->m, kind, b->layer, b->err);
    if (!op) return -1;
    op->n_in = op->n_out = 1;
    op->in[0] = x;
    op->out[0] = y;
    return y;
}

int yc_mod_conv(YcBuild *b, const char *prefix, int x, int c2, int kh, int kw, int stride, int pad, int groups,
                bool act) {
    YcModel *m = b->m;
    int c1 = m->acts[x].c;
    if (conv_params_ok(b, prefix, c1, c2, kh, kw, stride, groups)) return -1;
    char name[160];
    int64_t wshape[4] = {c2, c1 / groups, kh, kw}, cshape[1] = {c2};
    snprintf(name, sizeof name, "%s.conv.weight", prefix);
    int w = yc_graph_param(m, name, YC_PG_WEIGHT, false, 4, wshape, b->err);
    snprintf(name, sizeof name, "%s.bn.weight", prefix);
    int gamma = w < 0 ? -1 : yc_graph_param(m, name, YC_PG_NORM, false, 1, cshape, b->err);
    snprintf(name, sizeof name, "%s.bn.bias", prefix);
    int beta = gamma < 0 ? -1 : yc_graph_param(m, name, YC_PG_BIAS, false, 1, cshape, b->err);
    snprintf(name, sizeof name, "%s.bn.running_mean", prefix);
    int mean = beta < 0 ? -1 : yc_graph_param(m, name, YC_PG_NORM, true, 1, cshape, b->err);
    snprintf(name, sizeof name, "%s.bn.running_var", prefix);
    int var = mean < 0 ? -1 : yc_graph_param(m, name, YC_PG_NORM, true, 1, cshape, b->err);
    if (var < 0) return -1;
    int ph = pad < 0 ? kh / 2 : pad, pw = pad < 0 ? kw / 2 : pad;
    int y = conv_op(b, x, c2, w, YC_NONE, kh, kw, stride, ph, pw, groups);
    if (y < 0) return -1;
    int z = unary_op(b, YC_OP_BN, y, c2, m->acts[y].stride);
    if (z < 0) return -1;
    YcOp *bn = &m->ops[m->n_ops - 1];
    bn->gamma = gamma;
    bn->beta = beta;
    bn->mean = mean;
    bn->var = var;
    m->leaf_modules += 2; /* Conv2d, BatchNorm2d */
    if (!act) {
        m->leaf_modules++; /* its own nn.Identity */
        return z;
    }
    m->uses_silu = true; /* one SiLU module shared by every Conv, as in the reference */
    return unary_op(b, YC_OP_SILU, z, c2, m->acts[z].stride);
}

int yc_mod_conv2d_bias(YcBuild *b, const char *prefix, int x, int c2, int k) {
    YcModel *m = b->m;
    int c1 = m->acts[x].c;
    if (conv_params_ok(b, prefix, c1, c2, k, k, 1, 1)) return -1;
    char name[160];
    int64_t wshape[4] = {c2, c1, k, k}, cshape[1] = {c2};
    snprintf(name, sizeof name, "%s.weight", prefix);
    int w = yc_graph_param(m, name, YC_PG_WEIGHT, false, 4, wshape, b->err);
    snprintf(name, sizeof name, "%s.bias", prefix);
    int bias = w < 0 ? -1 : yc_graph_param(m, name, YC_PG_BIAS, false, 1, cshape, b->err);
    if (bias < 0) return -1;
    m->leaf_modules++;
    return conv_op(b, x, c2, w, bias, k, k, 1, k / 2, k / 2, 1);
}

/* Concatenation along channels; the output is `into` when >= 0 (an activation
 * made earlier, so that consumers could be built first), else a new one. */
int yc_graph_concat_into(YcBuild *b, const int *xs, int n, int into) {
    YcModel *m = b->m;
    if (n > YC_OP_MAX_IO) return yc_err(b->err, "layer %d: concatenates more than %d tensors", b->layer, YC_OP_MAX_IO);
    int c = 0;
    for (int i = 0; i < n; i++) {
        if (m->acts[xs[i]].stride != m->acts[xs[0]].stride)
            return yc_err(b->err, "layer %d: Concat of tensors at strides %d and %d (sizes would differ)", b->layer,
                          m->acts[xs[0]].stride, m->acts[xs[i]].stride);
        c += m->acts[xs[i]].c;
    }
    int y = into >= 0 ? into : yc_graph_act(m, c, m->acts[xs[0]].stride, b->err);
    if (y < 0) return -1;
    if (m->acts[y].c != c) return yc_err(b->err, "layer %d: Concat channel count mismatch", b->layer);
    YcOp *op = yc_graph_op(m, YC_OP_CONCAT, b->layer, b->err);
    if (!op) return -1;
    op->n_in = n;
    for (int i = 0; i < n; i++) op->in[i] = xs[i];
    op->n_out = 1;
    op->out[0] = y;
    return y;
}

int yc_mod_concat(YcBuild *b, const int *xs, int n) {
    b->m->leaf_modules++;
    return yc_graph_concat_into(b, xs, n, -1);
}

int yc_mod_upsample(YcBuild *b, int x) {
    YcModel *m = b->m;
    if (m->acts[x].stride % 2)
        return yc_err(b->err, "layer %d: Upsample of a tensor at stride %d (the input would have to be split)",
                      b->layer, m->acts[x].stride);
    m->leaf_modules++;
    return unary_op(b, YC_OP_UPSAMPLE, x, m->acts[x].c, m->acts[x].stride / 2);
}

/* Channel split of x into parts of the given sizes; outputs into ys. */
int yc_graph_split(YcBuild *b, int x, const int *sizes, int n, int *ys) {
    YcModel *m = b->m;
    int total = 0;
    for (int i = 0; i < n; i++) total += sizes[i];
    if (total != m->acts[x].c) return yc_err(b->err, "layer %d: split sizes do not add up", b->layer);
    for (int i = 0; i < n; i++)
        if ((ys[i] = yc_graph_act(m, sizes[i], m->acts[x].stride, b->err)) < 0) return -1;
    YcOp *op = yc_graph_op(m, YC_OP_SPLIT, b->layer, b->err);
    if (!op) return -1;
    op->n_in = 1;
    op->in[0] = x;
    op->n_out = n;
    for (int i = 0; i < n; i++) op->out[i] = ys[i];
    return 0;
}

int yc_graph_add(YcBuild *b, int x, int y, int into) {
    YcModel *m = b->m;
    int z = into >= 0 ? into : yc_graph_act(m, m->acts[x].c, m->acts[x].stride, b->err);
    YcOp *op = z < 0 ? NULL : yc_graph_op(m, YC_OP_ADD, b->layer, b->err);
    if (!op) return -1;
    op->n_in = 2;
    op->in[0] = x;
    op->in[1] = y;
    op->n_out = 1;
    op->out[0] = z;
    return z;
}

int yc_graph_maxpool(YcBuild *b, int x, int k) {
    int y = unary_op(b, YC_OP_MAXPOOL, x, b->m->acts[x].c, b->m->acts[x].stride);
    if (y < 0) return -1;
    YcOp *op = &b->m->ops[b->m->n_ops - 1];
    op->pool_k = k;
    op->pool_pad = k / 2;
    return y;
}
