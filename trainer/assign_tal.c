/* Task-aligned assignment of one image (see assign_tal.h). */
#include "assign_tal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loss_ciou.h"

int yc_tal_init(YcTal *t, int na_cap, int gt_cap, YcErr *err) {
    memset(t, 0, sizeof *t);
    if (na_cap <= 0 || gt_cap < 0) return yc_err(err, "assigner: bad capacity (%d anchors, %d boxes)", na_cap, gt_cap);
    int gts = gt_cap > 0 ? gt_cap : 1;
    int items = na_cap > YC_TAL_TOPK ? na_cap : YC_TAL_TOPK;
    t->na_cap = na_cap;
    t->gt_cap = gt_cap;
    t->count = calloc((size_t)na_cap, sizeof *t->count);
    t->gt_of = calloc((size_t)na_cap, sizeof *t->gt_of);
    t->metric = calloc((size_t)na_cap, sizeof *t->metric);
    t->overlap = calloc((size_t)na_cap, sizeof *t->overlap);
    t->touched = calloc((size_t)gts * YC_TAL_TOPK, sizeof *t->touched);
    t->items = calloc((size_t)items, sizeof *t->items);
    t->pos_align = calloc((size_t)gts, sizeof *t->pos_align);
    t->pos_overlap = calloc((size_t)gts, sizeof *t->pos_overlap);
    if (!t->count || !t->gt_of || !t->metric || !t->overlap || !t->touched || !t->items || !t->pos_align ||
        !t->pos_overlap) {
        yc_tal_free(t);
        return yc_err(err, "assigner: out of memory (%d anchors, %d boxes)", na_cap, gt_cap);
    }
    return 0;
}

void yc_tal_free(YcTal *t) {
    free(t->count);
    free(t->gt_of);
    free(t->metric);
    free(t->overlap);
    free(t->touched);
    free(t->items);
    free(t->pos_align);
    free(t->pos_overlap);
    memset(t, 0, sizeof *t);
}

static bool inside(const YcAnchors *anc, const YcTalGt *gt, int anchor) {
    if (!gt->valid) return false;
    int l, x, y;
    yc_anchor_cell(anc, anchor, &l, &x, &y);
    return yc_anchor_inside(yc_anchor_centre_px(x, anc->stride[l]), yc_anchor_centre_px(y, anc->stride[l]), gt->box);
}

/* Overlap and alignment for an anchor known to be a candidate of gt. */
static void candidate_metric(const YcTalPred *pred, const YcTalGt *gt, int anchor, float *overlap, float *metric) {
    float c = yc_ciou(gt->box, pred->box(pred->ctx, anchor), NULL);
    float ov = c < 0.0f ? 0.0f : c; /* clamp at 0; NaN stays NaN */
    float s = pred->score(pred->ctx, anchor, gt->cls);
    *overlap = ov;
    *metric = sqrtf(s) * powf(ov, 6.0f);
}

void yc_tal_metric(const YcAnchors *anc, const YcTalPred *pred, const YcTalGt *gt, int anchor, float *overlap,
                   float *metric) {
    if (!inside(anc, gt, anchor)) {
        *overlap = *metric = 0.0f;
        return;
    }
    candidate_metric(pred, gt, anchor, overlap, metric);
}

/* Selects the anchors ground truth `g` keeps; returns how many (<= topk), indices in sel. */
static int select_topk(YcTal *t, const YcAnchors *anc, const YcTalPred *pred, const YcTalGt *gt, int *sel) {
    const int k = YC_TAL_TOPK;
    const int na = anc->na;
    YcTopkItem *items = t->items;
    bool heap = yc_topk_uses_heap(na, k);
    if (heap) {
        for (int a = 0; a < k; a++) {
            float ov, m;
            yc_tal_metric(anc, pred, gt, a, &ov, &m);
            items[a] = (YcTopkItem){m, a};
        }
        yc_topk_heap_make(items, k);
    } else {
        for (int a = 0; a < na; a++) items[a] = (YcTopkItem){0.0f, a};
    }
    /* Candidates in ascending anchor order: level, row, column. */
    for (int l = 0; l < YC_DET_LEVELS; l++) {
        int x0, x1, y0, y1, s = anc->stride[l];
        if (!yc_anchor_span(anc->w[l], s, gt->box[0], gt->box[2], &x0, &x1)) continue;
        if (!yc_anchor_span(anc->h[l], s, gt->box[1], gt->box[3], &y0, &y1)) continue;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                int a = anc->offset[l] + y * anc->w[l] + x;
                if (heap && a < k) continue; /* already in the initial heap */
                float ov, m;
                candidate_metric(pred, gt, a, &ov, &m);
                if (heap) yc_topk_heap_offer(items, k, (YcTopkItem){m, a});
                else items[a].value = m;
            }
    }
    if (!heap) yc_topk_nth(items, na, k);
    int n = 0;
    for (int i = 0; i < k; i++)
        if (inside(anc, gt, items[i].index)) sel[n++] = items[i].index;
    return n;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int yc_tal_assign(YcTal *t, const YcAnchors *anc, const YcTalPred *pred, const YcTalGt *gts, int ngt, YcTalFg *fg) {
    if (ngt <= 0) return 0;
    if (ngt > t->gt_cap || anc->na > t->na_cap || anc->na < YC_TAL_TOPK) return -1;
    int nt = 0;
    for (int g = 0; g < ngt; g++) {
        if (!gts[g].valid) continue; /* the reference masks its top-k out entirely */
        int sel[YC_TAL_TOPK];
        int n = select_topk(t, anc, pred, &gts[g], sel);
        for (int i = 0; i < n; i++) {
            int a = sel[i];
            if (t->count[a]++ == 0) {
                t->touched[nt++] = a;
                t->gt_of[a] = g;
                candidate_metric(pred, &gts[g], a, &t->overlap[a], &t->metric[a]);
            }
        }
    }
    /* Anchors kept by several ground truths: the highest overlap over all of them wins. */
    for (int i = 0; i < nt; i++) {
        int a = t->touched[i];
        if (t->count[a] < 2) continue;
        int best_g = 0;
        float best_ov, best_m;
        yc_tal_metric(anc, pred, &gts[0], a, &best_ov, &best_m);
        for (int g = 1; g < ngt; g++) {
            float ov, m;
            yc_tal_metric(anc, pred, &gts[g], a, &ov, &m);
            if ((isnan(ov) && !isnan(best_ov)) || ov > best_ov) {
                best_g = g;
                best_ov = ov;
                best_m = m;
            }
        }
        t->gt_of[a] = best_g;
        t->overlap[a] = best_ov;
        t->metric[a] = best_m;
    }
    /* Per ground truth: largest alignment and overlap over its final anchors. */
    for (int g = 0; g < ngt; g++) t->pos_align[g] = t->pos_overlap[g] = 0.0f;
    for (int i = 0; i < nt; i++) {
        int a = t->touched[i], g = t->gt_of[a];
        if (isnan(t->metric[a]) || t->metric[a] > t->pos_align[g]) t->pos_align[g] = t->metric[a];
        if (isnan(t->overlap[a]) || t->overlap[a] > t->pos_overlap[g]) t->pos_overlap[g] = t->overlap[a];
    }
    qsort(t->touched, (size_t)nt, sizeof *t->touched, cmp_int);
    for (int i = 0; i < nt; i++) {
        int a = t->touched[i], g = t->gt_of[a];
        fg[i].anchor = a;
        fg[i].gt = g;
        fg[i].score = (t->metric[a] * t->pos_overlap[g]) / (t->pos_align[g] + 1e-9f);
        t->count[a] = 0;
    }
    return nt;
}
