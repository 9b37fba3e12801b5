/* Detect: per level a box branch cv2 (Conv 3x3 -> Conv 3x3 -> conv 1x1 to
 * 4 * reg_max, with bias) and a class branch cv3 (legacy/YOLOv8: Conv 3x3 ->
 * Conv 3x3 -> conv 1x1 to nc; YOLO11: [DWConv 3x3, Conv 1x1] twice -> conv
 * 1x1 to nc); the level's output is both concatenated along channels. The
 * DFL conv (weights 0..reg_max-1, never trained) is a frozen parameter: the
 * decode itself is a backend operation. */
#include <stdio.h>

#include "model_internal.h"

static int gcd(int a, int b) {
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int max3(int a, int b, int c) {
    int m = a > b ? a : b;
    return m > c ? m : c;
}

int yc_mod_detect(YcBuild *b, const char *prefix, const int *xs, int n, int nc, bool legacy) {
    YcModel *m = b->m;
    if (n < 1 || n > YC_MODEL_MAX_LEVELS)
        return yc_err(b->err, "%s: Detect takes 1 to %d input layers, got %d", prefix, YC_MODEL_MAX_LEVELS, n);
    if (nc < 1) return yc_err(b->err, "%s: Detect needs nc >= 1, got %d", prefix, nc);
    int reg_max = m->reg_max;
    int ch0 = m->acts[xs[0]].c;
    int c2 = max3(16, ch0 / 4, reg_max * 4), c3 = ch0 > (nc < 100 ? nc : 100) ? ch0 : (nc < 100 ? nc : 100);
    int box[YC_MODEL_MAX_LEVELS], cls[YC_MODEL_MAX_LEVELS];
    char name[160];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s.cv2.%d.0", prefix, i);
        int y = yc_mod_conv(b, name, xs[i], c2, 3, 3, 1, -1, 1, true);
        snprintf(name, sizeof name, "%s.cv2.%d.1", prefix, i);
        if (y >= 0) y = yc_mod_conv(b, name, y, c2, 3, 3, 1, -1, 1, true);
        snprintf(name, sizeof name, "%s.cv2.%d.2", prefix, i);
        if (y >= 0) y = yc_mod_conv2d_bias(b, name, y, 4 * reg_max, 1);
        if ((box[i] = y) < 0) return -1;
        m->box_bias[i] = m->n_params - 1;
    }
    for (int i = 0; i < n; i++) {
        int y = xs[i], cx = m->acts[xs[i]].c;
        if (legacy) {
            snprintf(name, sizeof name, "%s.cv3.%d.0", prefix, i);
            y = yc_mod_conv(b, name, y, c3, 3, 3, 1, -1, 1, true);
            snprintf(name, sizeof name, "%s.cv3.%d.1", prefix, i);
            if (y >= 0) y = yc_mod_conv(b, name, y, c3, 3, 3, 1, -1, 1, true);
        } else {
            snprintf(name, sizeof name, "%s.cv3.%d.0.0", prefix, i);
            y = yc_mod_conv(b, name, y, cx, 3, 3, 1, -1, gcd(cx, cx), true);
            snprintf(name, sizeof name, "%s.cv3.%d.0.1", prefix, i);
            if (y >= 0) y = yc_mod_conv(b, name, y, c3, 1, 1, 1, -1, 1, true);
            snprintf(name, sizeof name, "%s.cv3.%d.1.0", prefix, i);
            if (y >= 0) y = yc_mod_conv(b, name, y, c3, 3, 3, 1, -1, c3, true);
            snprintf(name, sizeof name, "%s.cv3.%d.1.1", prefix, i);
            if (y >= 0) y = yc_mod_conv(b, name, y, c3, 1, 1, 1, -1, 1, true);
        }
        snprintf(name, sizeof name, "%s.cv3.%d.2", prefix, i);
        if (y >= 0) y = yc_mod_conv2d_bias(b, name, y, nc, 1);
        if ((cls[i] = y) < 0) return -1;
        m->cls_bias[i] = m->n_params - 1;
    }
    snprintf(name, sizeof name, "%s.dfl.conv.weight", prefix);
    int64_t dshape[4] = {1, reg_max, 1, 1};
    int dfl = yc_graph_param(m, name, YC_PG_WEIGHT, false, 4, dshape, b->err);
    if (dfl < 0) return -1;
    m->params[dfl].frozen = true;
    m->dfl_weight = dfl;
    m->leaf_modules++;
    for (int i = 0; i < n; i++) {
        int parts[2] = {box[i], cls[i]};
        int y = yc_graph_concat_into(b, parts, 2, -1);
        if (y < 0) return -1;
        m->level_act[i] = y;
        m->level_stride[i] = m->acts[y].stride;
    }
    m->levels = n;
    m->nc = nc;
    return m->level_act[n - 1];
}
