/* Bottleneck, C2f, C3k2, C3, C3k and SPPF. Sub-modules are built in the order
 * the reference defines them (so parameters come in its state-dict order);
 * where a module's output layer comes before the layers that feed it, its
 * input activation is made first and the feeding operation fills it later
 * (the graph is put into execution order when the model is finished). */
#include <stdio.h>

#include "model_internal.h"

int yc_mod_bottleneck(YcBuild *b, const char *prefix, int x, int c2, bool shortcut, int groups, int k1, int k2,
                      double e) {
    int c1 = b->m->acts[x].c, hidden = (int)(c2 * e);
    char name[160];
    snprintf(name, sizeof name, "%s.cv1", prefix);
    int y = yc_mod_conv(b, name, x, hidden, k1, k1, 1, -1, 1, true);
    if (y < 0) return -1;
    snprintf(name, sizeof name, "%s.cv2", prefix);
    y = yc_mod_conv(b, name, y, c2, k2, k2, 1, -1, groups, true);
    if (y < 0) return -1;
    return shortcut && c1 == c2 ? yc_graph_add(b, x, y, -1) : y;
}

int yc_mod_c2f(YcBuild *b, const char *prefix, int x, int c2, int n, bool shortcut, int groups, double e,
               bool is_c3k2, bool c3k) {
    YcModel *m = b->m;
    int c = (int)(c2 * e);
    if (2 + n > YC_OP_MAX_IO) return yc_err(b->err, "%s: too many repeats (%d)", prefix, n);
    char name[160];
    snprintf(name, sizeof name, "%s.cv1", prefix);
    int y = yc_mod_conv(b, name, x, 2 * c, 1, 1, 1, -1, 1, true);
    if (y < 0) return -1;
    int parts[YC_OP_MAX_IO], sizes[2] = {c, c};
    if (yc_graph_split(b, y, sizes, 2, parts)) return -1;
    int cat = yc_graph_act(m, (2 + n) * c, m->acts[y].stride, b->err);
    if (cat < 0) return -1;
    snprintf(name, sizeof name, "%s.cv2", prefix);
    int out = yc_mod_conv(b, name, cat, c2, 1, 1, 1, -1, 1, true);
    if (out < 0) return -1;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s.m.%d", prefix, i);
        int prev = parts[1 + i];
        if (is_c3k2 && c3k)
            parts[2 + i] = yc_mod_c3(b, name, prev, c, 2, shortcut, groups, 0.5, 3);
        else if (is_c3k2)
            parts[2 + i] = yc_mod_bottleneck(b, name, prev, c, shortcut, groups, 3, 3, 0.5);
        else
            parts[2 + i] = yc_mod_bottleneck(b, name, prev, c, shortcut, groups, 3, 3, 1.0);
        if (parts[2 + i] < 0) return -1;
    }
    /* torch.cat inside C2f is not a module: no leaf to count */
    if (yc_graph_concat_into(b, parts, 2 + n, cat) < 0) return -1;
    return out;
}

int yc_mod_c3(YcBuild *b, const char *prefix, int x, int c2, int n, bool shortcut, int groups, double e, int k) {
    YcModel *m = b->m;
    int hidden = (int)(c2 * e);
    char name[160];
    snprintf(name, sizeof name, "%s.cv1", prefix);
    int a = yc_mod_conv(b, name, x, hidden, 1, 1, 1, -1, 1, true);
    if (a < 0) return -1;
    snprintf(name, sizeof name, "%s.cv2", prefix);
    int side = yc_mod_conv(b, name, x, hidden, 1, 1, 1, -1, 1, true);
    if (side < 0) return -1;
    int cat = yc_graph_act(m, 2 * hidden, m->acts[a].stride, b->err);
    if (cat < 0) return -1;
    snprintf(name, sizeof name, "%s.cv3", prefix);
    int out = yc_mod_conv(b, name, cat, c2, 1, 1, 1, -1, 1, true);
    if (out < 0) return -1;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s.m.%d", prefix, i);
        /* C3: 1x1 then 3x3; C3k: k x k twice */
        a = yc_mod_bottleneck(b, name, a, hidden, shortcut, groups, k ? k : 1, k ? k : 3, 1.0);
        if (a < 0) return -1;
    }
    int parts[2] = {a, side};
    if (yc_graph_concat_into(b, parts, 2, cat) < 0) return -1;
    return out;
}

int yc_mod_sppf(YcBuild *b, const char *prefix, int x, int c2, int k) {
    YcModel *m = b->m;
    int hidden = m->acts[x].c / 2;
    if (k < 1 || k % 2 == 0) return yc_err(b->err, "%s: SPPF needs an odd pooling size, got %d", prefix, k);
    char name[160];
    snprintf(name, sizeof name, "%s.cv1", prefix);
    int y[4];
    y[0] = yc_mod_conv(b, name, x, hidden, 1, 1, 1, -1, 1, true);
    if (y[0] < 0) return -1;
    int cat = yc_graph_act(m, 4 * hidden, m->acts[y[0]].stride, b->err);
    if (cat < 0) return -1;
    snprintf(name, sizeof name, "%s.cv2", prefix);
    int out = yc_mod_conv(b, name, cat, c2, 1, 1, 1, -1, 1, true);
    if (out < 0) return -1;
    for (int i = 1; i < 4; i++)
        if ((y[i] = yc_graph_maxpool(b, y[i - 1], k)) < 0) return -1;
    m->leaf_modules++; /* the one MaxPool2d, applied three times */
    if (yc_graph_concat_into(b, y, 4, cat) < 0) return -1;
    return out;
}
