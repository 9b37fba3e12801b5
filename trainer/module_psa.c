/* C2PSA: a split, position-sensitive attention blocks on one half, concat.
 * PSABlock: x + Attention(x), then x + FFN(x) (1x1 Conv to 2c with SiLU, 1x1
 * Conv back without activation). Attention: qkv as one 1x1 Conv (no
 * activation) whose channels are, per head, key_dim query, key_dim key and
 * head_dim value rows; o = v softmax(scale q^T k)^T; plus a 3x3 depthwise
 * Conv of v (the positional term); then a 1x1 projection. */
#include <math.h>
#include <stdio.h>

#include "model_internal.h"

static int attention(YcBuild *b, const char *prefix, int x, int heads, double attn_ratio) {
    YcModel *m = b->m;
    int dim = m->acts[x].c;
    int head_dim = dim / heads, key_dim = (int)(head_dim * attn_ratio);
    if (head_dim * heads != dim || key_dim < 1)
        return yc_err(b->err, "%s: %d channels do not split into %d attention heads", prefix, dim, heads);
    int qkv_channels = dim + 2 * key_dim * heads;
    char name[160];
    snprintf(name, sizeof name, "%s.qkv", prefix);
    int qkv = yc_mod_conv(b, name, x, qkv_channels, 1, 1, 1, -1, 1, false);
    if (qkv < 0) return -1;
    /* proj is defined before pe, but runs last: its input is made now and filled by the add below */
    int sum = yc_graph_act(m, dim, m->acts[qkv].stride, b->err);
    if (sum < 0) return -1;
    snprintf(name, sizeof name, "%s.proj", prefix);
    int out = yc_mod_conv(b, name, sum, dim, 1, 1, 1, -1, 1, false);
    if (out < 0) return -1;
    int o = yc_graph_act(m, dim, m->acts[qkv].stride, b->err);
    int v = o < 0 ? -1 : yc_graph_act(m, dim, m->acts[qkv].stride, b->err);
    YcOp *op = v < 0 ? NULL : yc_graph_op(m, YC_OP_ATTENTION, b->layer, b->err);
    if (!op) return -1;
    op->n_in = 1;
    op->in[0] = qkv;
    op->n_out = 2;
    op->out[0] = o;
    op->out[1] = v;
    op->heads = heads;
    op->key_dim = key_dim;
    op->head_dim = head_dim;
    op->attn_scale = (float)pow((double)key_dim, -0.5);
    snprintf(name, sizeof name, "%s.pe", prefix);
    int pe = yc_mod_conv(b, name, v, dim, 3, 3, 1, -1, dim, false);
    if (pe < 0) return -1;
    if (yc_graph_add(b, o, pe, sum) < 0) return -1;
    return out;
}

static int psa_block(YcBuild *b, const char *prefix, int x, double attn_ratio, int heads) {
    YcModel *m = b->m;
    int c = m->acts[x].c;
    char name[160];
    snprintf(name, sizeof name, "%s.attn", prefix);
    int a = attention(b, name, x, heads, attn_ratio);
    if (a < 0) return -1;
    int x1 = yc_graph_add(b, x, a, -1);
    if (x1 < 0) return -1;
    snprintf(name, sizeof name, "%s.ffn.0", prefix);
    int f = yc_mod_conv(b, name, x1, 2 * c, 1, 1, 1, -1, 1, true);
    if (f < 0) return -1;
    snprintf(name, sizeof name, "%s.ffn.1", prefix);
    f = yc_mod_conv(b, name, f, c, 1, 1, 1, -1, 1, false);
    if (f < 0) return -1;
    return yc_graph_add(b, x1, f, -1);
}

int yc_mod_c2psa(YcBuild *b, const char *prefix, int x, int c2, int n, double e) {
    YcModel *m = b->m;
    int c1 = m->acts[x].c;
    if (c1 != c2)
        return yc_err(b->err, "%s: C2PSA keeps its channel count, but gets %d and is asked for %d", prefix, c1, c2);
    int c = (int)(c1 * e);
    int heads = c / 64;
    if (heads < 1)
        return yc_err(b->err, "%s: C2PSA needs at least 64 hidden channels for one attention head, has %d", prefix,
                      c);
    char name[160];
    snprintf(name, sizeof name, "%s.cv1", prefix);
    int y = yc_mod_conv(b, name, x, 2 * c, 1, 1, 1, -1, 1, true);
    if (y < 0) return -1;
    int parts[2], sizes[2] = {c, c};
    if (yc_graph_split(b, y, sizes, 2, parts)) return -1;
    int cat = yc_graph_act(m, 2 * c, m->acts[y].stride, b->err);
    if (cat < 0) return -1;
    snprintf(name, sizeof name, "%s.cv2", prefix);
    int out = yc_mod_conv(b, name, cat, c1, 1, 1, 1, -1, 1, true);
    if (out < 0) return -1;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s.m.%d", prefix, i);
        if ((parts[1] = psa_block(b, name, parts[1], 0.5, heads)) < 0) return -1;
    }
    if (yc_graph_concat_into(b, parts, 2, cat) < 0) return -1;
    return out;
}
