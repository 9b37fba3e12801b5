/* The v8 detection loss and its gradient (see loss_v8.h). */
#include "loss_v8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loss_ciou.h"

/* 14.99: the reference clamps target distances to reg_max - 1 - 0.01. */
#define DFL_CLAMP ((float)(YC_REG_MAX - 1 - 0.01))

struct YcDetLoss {
    int batch_cap, na_cap, nc, max_targets;
    YcAnchors anc;          /* geometry of the last computation */
    int batch;              /* batch of the last computation */
    YcTal tal;
    YcTalGt *gts;           /* [max_targets] grouped by image, in target order */
    int *gt_start;          /* [batch_cap + 1] */
    int *fill;              /* [batch_cap] */
    YcTalFg *fg_img;        /* [na_cap] one image's foreground */
    YcDetFg *fg;            /* [fg_cap] */
    int fg_cap, nfg;
    double score_sum;       /* sum of all target scores */
    /* predicted boxes of the image being assigned, decoded on demand */
    float *box_px;          /* [na_cap][4] */
    unsigned *stamp;        /* [na_cap] == gen when box_px is current */
    unsigned gen;
    const YcDetLossInput *in;
    int image;
};

YcDetLoss *yc_det_loss_create(int batch, int imgh, int imgw, int nc, int max_targets, YcErr *err) {
    YcAnchors anc;
    if (yc_anchors_init(&anc, imgh, imgw, err)) return NULL;
    if (batch < 1 || nc < 1 || max_targets < 0) {
        yc_err(err, "detection loss: bad workspace size (batch %d, nc %d, max targets %d)", batch, nc, max_targets);
        return NULL;
    }
    YcDetLoss *ws = calloc(1, sizeof *ws);
    if (!ws) {
        yc_err(err, "detection loss: out of memory");
        return NULL;
    }
    ws->batch_cap = batch;
    ws->na_cap = anc.na;
    ws->nc = nc;
    ws->max_targets = max_targets;
    ws->anc = anc;
    long fg_cap = (long)max_targets * YC_TAL_TOPK;
    if (fg_cap > (long)batch * anc.na) fg_cap = (long)batch * anc.na;
    ws->fg_cap = (int)(fg_cap > 0 ? fg_cap : 1);
    int mt = max_targets > 0 ? max_targets : 1;
    ws->gts = calloc((size_t)mt, sizeof *ws->gts);
    ws->gt_start = calloc((size_t)batch + 1, sizeof *ws->gt_start);
    ws->fill = calloc((size_t)batch, sizeof *ws->fill);
    ws->fg_img = calloc((size_t)anc.na, sizeof *ws->fg_img);
    ws->fg = calloc((size_t)ws->fg_cap, sizeof *ws->fg);
    ws->box_px = calloc((size_t)anc.na * 4, sizeof *ws->box_px);
    ws->stamp = calloc((size_t)anc.na, sizeof *ws->stamp);
    if (!ws->gts || !ws->gt_start || !ws->fill || !ws->fg_img || !ws->fg || !ws->box_px || !ws->stamp) {
        yc_det_loss_free(ws);
        yc_err(err, "detection loss: out of memory (batch %d, %d anchors, %d targets)", batch, anc.na, max_targets);
        return NULL;
    }
    if (yc_tal_init(&ws->tal, anc.na, mt, err)) {
        yc_det_loss_free(ws);
        return NULL;
    }
    return ws;
}

void yc_det_loss_free(YcDetLoss *ws) {
    if (!ws) return;
    yc_tal_free(&ws->tal);
    free(ws->gts);
    free(ws->gt_start);
    free(ws->fill);
    free(ws->fg_img);
    free(ws->fg);
    free(ws->box_px);
    free(ws->stamp);
    free(ws);
}

int yc_det_loss_reserve(YcDetLoss *ws, int max_targets, YcErr *err) {
    if (max_targets <= ws->max_targets) return 0;
    if (max_targets > (1 << 24)) return yc_err(err, "detection loss: %d targets is too many", max_targets);
    long fg_cap = (long)max_targets * YC_TAL_TOPK;
    if (fg_cap > (long)ws->batch_cap * ws->na_cap) fg_cap = (long)ws->batch_cap * ws->na_cap;
    YcTal tal;
    if (yc_tal_init(&tal, ws->na_cap, max_targets, err)) return -1;
    YcTalGt *gts = calloc((size_t)max_targets, sizeof *gts);
    YcDetFg *fg = calloc((size_t)fg_cap, sizeof *fg);
    if (!gts || !fg) {
        free(gts);
        free(fg);
        yc_tal_free(&tal);
        return yc_err(err, "detection loss: out of memory for %d targets", max_targets);
    }
    yc_tal_free(&ws->tal);
    free(ws->gts);
    free(ws->fg);
    ws->tal = tal;
    ws->gts = gts;
    ws->fg = fg;
    ws->fg_cap = (int)fg_cap;
    ws->max_targets = max_targets;
    ws->batch = 0; /* the previous assignment is gone */
    ws->nfg = 0;
    return 0;
}

int yc_det_loss_assignment(const YcDetLoss *ws, const YcDetFg **fg) {
    *fg = ws->fg;
    return ws->nfg;
}

/* ---- reading the head outputs ---- */

/* Pointer to channel 0 of anchor `a` of image b; channel c is at [c * plane]. */
static const float *anchor_ptr(const YcAnchors *anc, const float *const pred[3], int channels, int b, int a,
                               size_t *plane, int *level) {
    int l, x, y;
    yc_anchor_cell(anc, a, &l, &x, &y);
    size_t hw = (size_t)anc->h[l] * anc->w[l];
    *plane = hw;
    *level = l;
    return pred[l] + (size_t)b * channels * hw + (size_t)y * anc->w[l] + x;
}

/* Softmax over each side's 16 bins and the expected distances, in float32 as
 * the reference does (exp(z - max), times 1 / sum, dot with 0..15). */
static void decode_sides(const float *p0, size_t plane, float prob[4][YC_REG_MAX], float dist[4]) {
    for (int s = 0; s < 4; s++) {
        float z[YC_REG_MAX], m = -INFINITY;
        for (int k = 0; k < YC_REG_MAX; k++) {
            z[k] = p0[(size_t)(s * YC_REG_MAX + k) * plane];
            if (z[k] > m || isnan(z[k])) m = z[k];
        }
        float sum = 0.0f;
        for (int k = 0; k < YC_REG_MAX; k++) {
            prob[s][k] = expf(z[k] - m);
            sum += prob[s][k];
        }
        float inv = 1.0f / sum, e = 0.0f;
        for (int k = 0; k < YC_REG_MAX; k++) {
            prob[s][k] *= inv;
            e += prob[s][k] * (float)k;
        }
        dist[s] = e;
    }
}

/* Predicted box in grid units: anchor point -/+ (left, top, right, bottom). */
static void dist_to_box(float ax, float ay, const float dist[4], float box[4]) {
    box[0] = ax - dist[0];
    box[1] = ay - dist[1];
    box[2] = ax + dist[2];
    box[3] = ay + dist[3];
}

static float tal_score(void *ctx, int a, int cls) {
    YcDetLoss *ws = ctx;
    size_t plane;
    int l;
    const float *p = anchor_ptr(&ws->anc, ws->in->pred, YC_BOX_CHANNELS + ws->nc, ws->image, a, &plane, &l);
    float x = p[(size_t)(YC_BOX_CHANNELS + cls) * plane];
    return 1.0f / (1.0f + expf(-x));
}

static const float *tal_box(void *ctx, int a) {
    YcDetLoss *ws = ctx;
    float *bx = ws->box_px + (size_t)a * 4;
    if (ws->stamp[a] == ws->gen) return bx;
    size_t plane;
    int l, x, y;
    const float *p = anchor_ptr(&ws->anc, ws->in->pred, YC_BOX_CHANNELS + ws->nc, ws->image, a, &plane, &l);
    yc_anchor_cell(&ws->anc, a, &l, &x, &y);
    float prob[4][YC_REG_MAX], dist[4], box[4];
    decode_sides(p, plane, prob, dist);
    dist_to_box((float)x + 0.5f, (float)y + 0.5f, dist, box);
    float s = (float)ws->anc.stride[l];
    for (int i = 0; i < 4; i++) bx[i] = box[i] * s;
    ws->stamp[a] = ws->gen;
    return bx;
}

static void next_generation(YcDetLoss *ws) {
    if (++ws->gen == 0) {
        memset(ws->stamp, 0, (size_t)ws->na_cap * sizeof *ws->stamp);
        ws->gen = 1;
    }
}

/* ---- targets and assignment ---- */

static int prepare_targets(YcDetLoss *ws, const YcDetLossInput *in, YcErr *err) {
    int B = in->batch;
    memset(ws->gt_start, 0, (size_t)(B + 1) * sizeof *ws->gt_start);
    for (int r = 0; r < in->ntargets; r++) {
        const float *t = in->targets + (size_t)r * 6;
        for (int j = 0; j < 6; j++)
            if (!isfinite(t[j])) return yc_err(err, "targets row %d: value %d is not finite", r, j);
        if (t[0] < 0 || t[0] >= B || t[0] != floorf(t[0]))
            return yc_err(err, "targets row %d: image index %g is not an image of the batch (0..%d)", r, t[0], B - 1);
        if (t[1] < 0 || t[1] >= ws->nc || t[1] != floorf(t[1]))
            return yc_err(err, "targets row %d: class %g is not a class index (0..%d)", r, t[1], ws->nc - 1);
        ws->gt_start[(int)t[0] + 1]++;
    }
    for (int b = 0; b < B; b++) {
        ws->gt_start[b + 1] += ws->gt_start[b];
        ws->fill[b] = ws->gt_start[b];
    }
    /* The reference scales by (w, h, w, h) = head map size * 8, then xywh -> xyxy. */
    float W = (float)in->imgw, H = (float)in->imgh;
    for (int r = 0; r < in->ntargets; r++) {
        const float *t = in->targets + (size_t)r * 6;
        YcTalGt *g = &ws->gts[ws->fill[(int)t[0]]++];
        float x = t[2] * W, y = t[3] * H, hw = (t[4] * W) / 2.0f, hh = (t[5] * H) / 2.0f;
        g->box[0] = x - hw;
        g->box[1] = y - hh;
        g->box[2] = x + hw;
        g->box[3] = y + hh;
        g->cls = (int)t[1];
        g->valid = ((g->box[0] + g->box[1]) + g->box[2]) + g->box[3] > 0.0f;
    }
    return 0;
}

static int assign_all(YcDetLoss *ws, const YcDetLossInput *in, YcErr *err) {
    YcTalPred pred = {ws, tal_score, tal_box};
    ws->nfg = 0;
    ws->score_sum = 0.0;
    for (int b = 0; b < in->batch; b++) {
        int first = ws->gt_start[b], ngt = ws->gt_start[b + 1] - first;
        if (ngt == 0) continue;
        ws->image = b;
        next_generation(ws);
        int n = yc_tal_assign(&ws->tal, &ws->anc, &pred, ws->gts + first, ngt, ws->fg_img);
        if (n < 0 || ws->nfg + n > ws->fg_cap) return yc_err(err, "detection loss: assignment exceeds the workspace");
        for (int i = 0; i < n; i++) {
            const YcTalFg *f = &ws->fg_img[i];
            ws->fg[ws->nfg++] = (YcDetFg){b, f->anchor, f->gt, ws->gts[first + f->gt].cls, f->score};
            ws->score_sum += f->score;
        }
    }
    return 0;
}

/* ---- the three losses ---- */

/* BCE-with-logits against target 0 over every class logit, and its gradient
 * sigmoid(x) * gscale; returns the sum. The foreground targets are applied
 * afterwards (loss -= t * x, gradient -= t * gscale). Each term is what torch
 * computes in float32, x - log_sigmoid(x) with log_sigmoid(x) = min(x, 0) -
 * log1p(exp(-|x|)): for very negative x the correction is below x's rounding
 * and the term is exactly 0 (on a trained model about half of all terms), so
 * the reported cls loss matches the reference's rather than the exact sum
 * (which is up to ~5e-4 larger). The gradient is the exact one either way. */
static double class_bce_zero(const YcDetLossInput *in, const YcAnchors *anc, int channels, int nc, float gscale) {
    double total = 0.0;
    for (int l = 0; l < YC_DET_LEVELS; l++) {
        size_t hw = (size_t)anc->h[l] * anc->w[l];
        for (int b = 0; b < in->batch; b++) {
            const float *x = in->pred[l] + ((size_t)b * channels + YC_BOX_CHANNELS) * hw;
            float *g = in->grad[l] ? in->grad[l] + ((size_t)b * channels + YC_BOX_CHANNELS) * hw : NULL;
            size_t n = hw * (size_t)nc;
            float part = 0.0f; /* 32-term float partial sums, added in double */
            for (size_t i = 0; i < n; i++) {
                float v = x[i];
                float e = expf(-fabsf(v));
                /* log1p(e) rounds to e itself below 2^-24 (saves the call on most terms of a trained model) */
                float log_sigmoid = fminf(v, 0.0f) - (e < 0x1p-24f ? e : log1pf(e));
                part += v - log_sigmoid;
                if ((i & 31) == 31) {
                    total += part;
                    part = 0.0f;
                }
                if (g) {
                    float sig = v >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
                    g[i] = sig * gscale;
                }
            }
            total += part;
        }
    }
    return total;
}

typedef struct BoxDflSums {
    double box, dfl;
} BoxDflSums;

/* CIoU and DFL terms of one foreground anchor, and their gradients (added
 * into the 64 box channels of the anchor when g_box/g_dfl are given). */
static void box_dfl_anchor(YcDetLoss *ws, const YcDetLossInput *in, const YcDetFg *f, double gbox, double gdfl,
                           BoxDflSums *sums) {
    const YcAnchors *anc = &ws->anc;
    int channels = YC_BOX_CHANNELS + ws->nc;
    size_t plane;
    int l, x, y;
    const float *p = anchor_ptr(anc, in->pred, channels, f->image, f->anchor, &plane, &l);
    yc_anchor_cell(anc, f->anchor, &l, &x, &y);
    float ax = (float)x + 0.5f, ay = (float)y + 0.5f;
    float prob[4][YC_REG_MAX], dist[4], pbox[4], tbox[4];
    decode_sides(p, plane, prob, dist);
    dist_to_box(ax, ay, dist, pbox);
    const YcTalGt *gt = &ws->gts[ws->gt_start[f->image] + f->gt];
    float s = (float)anc->stride[l];
    for (int i = 0; i < 4; i++) tbox[i] = gt->box[i] / s;
    double w = f->score;

    YcCiou st;
    float ciou = yc_ciou(pbox, tbox, &st);
    sums->box += (1.0 - (double)ciou) * w;

    /* Target distances (left, top, right, bottom) clamped to [0, 14.99]. */
    float target[4] = {ax - tbox[0], ay - tbox[1], tbox[2] - ax, tbox[3] - ay};
    double dfl = 0.0;
    int tl[4];
    float wl[4], wr[4];
    for (int sd = 0; sd < 4; sd++) {
        float t = target[sd] < 0.0f ? 0.0f : target[sd] > DFL_CLAMP ? DFL_CLAMP : target[sd];
        tl[sd] = (int)t;
        wl[sd] = (float)(tl[sd] + 1) - t;
        wr[sd] = 1.0f - wl[sd];
        /* cross-entropy = logsumexp(z) - z_k */
        double m = -INFINITY, se = 0.0;
        for (int k = 0; k < YC_REG_MAX; k++) {
            double z = p[(size_t)(sd * YC_REG_MAX + k) * plane];
            if (z > m) m = z;
        }
        for (int k = 0; k < YC_REG_MAX; k++) se += exp((double)p[(size_t)(sd * YC_REG_MAX + k) * plane] - m);
        double lse = m + log(se);
        double zl = p[(size_t)(sd * YC_REG_MAX + tl[sd]) * plane], zr = p[(size_t)(sd * YC_REG_MAX + tl[sd] + 1) * plane];
        dfl += (lse - zl) * wl[sd] + (lse - zr) * wr[sd];
    }
    sums->dfl += dfl / 4.0 * w;

    if (!in->grad[0] || w == 0.0) return;
    float *g0 = in->grad[l] + (size_t)f->image * channels * plane + (size_t)y * anc->w[l] + x;
    double gp[4];
    yc_ciou_grad_a(pbox, tbox, &st, gp);
    /* d box-loss / d distances: box = (ax - l, ay - t, ax + r, ay + b), loss = (1 - ciou) w */
    double gdist[4] = {gp[0] * w * gbox, gp[1] * w * gbox, -gp[2] * w * gbox, -gp[3] * w * gbox};
    double gd = gdfl * w / 4.0;
    for (int sd = 0; sd < 4; sd++) {
        for (int k = 0; k < YC_REG_MAX; k++) {
            double pk = prob[sd][k];
            double v = gdist[sd] * pk * ((double)k - dist[sd]);
            v += gd * (pk * ((double)wl[sd] + wr[sd]) - (k == tl[sd] ? wl[sd] : 0.0) - (k == tl[sd] + 1 ? wr[sd] : 0.0));
            g0[(size_t)(sd * YC_REG_MAX + k) * plane] += (float)v;
        }
    }
}

int yc_det_loss_compute(YcDetLoss *ws, const YcDetLossInput *in, YcDetLossOutput *out, YcErr *err) {
    memset(out, 0, sizeof *out);
    if (in->batch < 1 || in->batch > ws->batch_cap)
        return yc_err(err, "detection loss: batch %d outside 1..%d", in->batch, ws->batch_cap);
    YcAnchors anc;
    if (yc_anchors_init(&anc, in->imgh, in->imgw, err)) return yc_err_prefix(err, "detection loss");
    if (anc.na > ws->na_cap)
        return yc_err(err, "detection loss: image %dx%d has %d anchors, the workspace %d", in->imgh, in->imgw, anc.na,
                      ws->na_cap);
    if (in->ntargets < 0 || in->ntargets > ws->max_targets)
        return yc_err(err, "detection loss: %d targets, the workspace holds %d", in->ntargets, ws->max_targets);
    if (in->ntargets > 0 && !in->targets) return yc_err(err, "detection loss: %d targets but no array", in->ntargets);
    for (int l = 0; l < YC_DET_LEVELS; l++)
        if (!in->pred[l] || (in->grad[0] && !in->grad[l]))
            return yc_err(err, "detection loss: level %d prediction or gradient missing", l);
    ws->in = in;
    if (in->keep_assignment) {
        if (ws->batch == 0) return yc_err(err, "detection loss: keep_assignment without a previous assignment");
        if (in->batch != ws->batch || anc.imgh != ws->anc.imgh || anc.imgw != ws->anc.imgw)
            return yc_err(err, "detection loss: keep_assignment with a different batch or image size");
    } else {
        ws->batch = 0; /* no valid assignment until this one is complete */
        ws->nfg = 0;
        ws->anc = anc;
        if (prepare_targets(ws, in, err)) return -1;
        if (assign_all(ws, in, err)) return -1;
        ws->batch = in->batch;
    }
    int channels = YC_BOX_CHANNELS + ws->nc;
    double S = ws->score_sum > 1.0 ? ws->score_sum : 1.0;
    double B = in->batch;
    double gcls = in->cls_gain * B / S, gbox = in->box_gain * B / S, gdfl = in->dfl_gain * B / S;

    if (in->grad[0])
        for (int l = 0; l < YC_DET_LEVELS; l++) {
            size_t hw = (size_t)anc.h[l] * anc.w[l];
            for (int b = 0; b < in->batch; b++)
                memset(in->grad[l] + (size_t)b * channels * hw, 0, (size_t)YC_BOX_CHANNELS * hw * sizeof(float));
        }
    double cls = class_bce_zero(in, &anc, channels, ws->nc, (float)gcls);
    BoxDflSums sums = {0, 0};
    for (int i = 0; i < ws->nfg; i++) {
        const YcDetFg *f = &ws->fg[i];
        size_t plane;
        int l;
        const float *p = anchor_ptr(&anc, in->pred, channels, f->image, f->anchor, &plane, &l);
        size_t off = (size_t)(YC_BOX_CHANNELS + f->cls) * plane;
        cls -= (double)f->score * p[off];
        if (in->grad[0]) {
            float *g = in->grad[l] + (p - in->pred[l]);
            g[off] -= (float)((double)f->score * gcls);
        }
        box_dfl_anchor(ws, in, f, gbox, gdfl, &sums);
    }
    double box = sums.box / S * in->box_gain, dfl = sums.dfl / S * in->dfl_gain;
    cls = cls / S * in->cls_gain;
    out->items[0] = (float)box;
    out->items[1] = (float)cls;
    out->items[2] = (float)dfl;
    out->total = (box + cls + dfl) * B;
    out->target_score_sum = S;
    out->foreground = ws->nfg;
    return 0;
}
