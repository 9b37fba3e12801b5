/* COCOeval for boxes: evaluate (per image and category), accumulate (per
 * category, area range and maxDets) and summarize, step for step as
 * pycocotools does, with its numbers' exact arithmetic. */
#include "cocoeval.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cocoeval_data.h"
#include "metrics_np.h"

#define T_IOUS 10
#define R_RECALLS 101
#define A_AREAS 4
#define M_DETS 3
#define MAX_DETS 100

const char *const yc_coco_stat_names[YC_COCO_STATS] = {"AP",  "AP50", "AP75",  "APs", "APm", "APl",
                                                        "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};

static const double area_lo[A_AREAS] = {0.0, 0.0, 1024.0, 9216.0};
static const double area_hi[A_AREAS] = {1e10, 1024.0, 9216.0, 1e10};
static const int max_dets[M_DETS] = {1, 10, MAX_DETS};

/* Stable sort of idx[0..n) by score descending (np.argsort(-score, kind="mergesort")). */
static void sort_by_score(int *idx, int n, const double *score, int *tmp) {
    int *src = idx, *dst = tmp;
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int a = lo, b = mid, o = lo;
            while (a < mid && b < hi) dst[o++] = -score[src[b]] < -score[src[a]] ? src[b++] : src[a++];
            while (a < mid) dst[o++] = src[a++];
            while (b < hi) dst[o++] = src[b++];
        }
        int *t = src;
        src = dst;
        dst = t;
    }
    if (src != idx) memcpy(idx, src, (size_t)n * sizeof *idx);
}

/* Boxes grouped by (category, image), file order within a group. */
typedef struct Groups {
    int *order;  /* box indices */
    int n;
} Groups;

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int group_boxes(const YcCocoBox *boxes, int n, int n_images, Groups *g) {
    uint64_t *keys = malloc((size_t)(n ? n : 1) * sizeof *keys);
    g->order = malloc((size_t)(n ? n : 1) * sizeof *g->order);
    g->n = n;
    if (!keys || !g->order) {
        free(keys);
        return -1;
    }
    for (int i = 0; i < n; i++)
        keys[i] = (((uint64_t)boxes[i].cat * (uint64_t)n_images + (uint64_t)boxes[i].image) << 32) | (uint32_t)i;
    qsort(keys, (size_t)n, sizeof *keys, cmp_u64);
    for (int i = 0; i < n; i++) g->order[i] = (int)(uint32_t)keys[i];
    free(keys);
    return 0;
}

/* Per category: the evaluated images' detections (sorted, at most 100 each)
 * with their per-area match masks, and the count of non-ignored ground truths. */
typedef struct CatEval {
    int n_dets, cap;
    double *score;        /* [n_dets] */
    int *rank;            /* [n_dets] place within its image's sorted detections */
    uint16_t *tp[A_AREAS], *ig[A_AREAS]; /* bit t: matched (to a nonzero id) / ignored, at threshold t */
    long npig[A_AREAS];
    int n_entries;        /* images with ground truth or detections of the category */
} CatEval;

static int cat_reserve(CatEval *c, int need) {
    if (need <= c->cap) return 0;
    int cap = c->cap ? c->cap : 256;
    while (cap < need) cap *= 2;
    double *s = realloc(c->score, (size_t)cap * sizeof *s);
    if (!s) return -1;
    c->score = s;
    int *r = realloc(c->rank, (size_t)cap * sizeof *r);
    if (!r) return -1;
    c->rank = r;
    for (int a = 0; a < A_AREAS; a++) {
        uint16_t *t = realloc(c->tp[a], (size_t)cap * sizeof *t);
        if (!t) return -1;
        c->tp[a] = t;
        uint16_t *i = realloc(c->ig[a], (size_t)cap * sizeof *i);
        if (!i) return -1;
        c->ig[a] = i;
    }
    c->cap = cap;
    return 0;
}

static void cat_free(CatEval *c) {
    free(c->score);
    free(c->rank);
    for (int a = 0; a < A_AREAS; a++) {
        free(c->tp[a]);
        free(c->ig[a]);
    }
}

/* pycocotools' bbIou: detection d against ground truth g; a crowd g divides by the detection's area. */
static double box_iou(const double *d, const double *g, bool crowd) {
    double w = fmin(d[2] + d[0], g[2] + g[0]) - fmax(d[0], g[0]);
    if (w <= 0) return 0;
    double h = fmin(d[3] + d[1], g[3] + g[1]) - fmax(d[1], g[1]);
    if (h <= 0) return 0;
    double i = w * h, da = d[2] * d[3], ga = g[2] * g[3];
    double u = crowd ? da : da + ga - i;
    return i / u;
}

/* Scratch for one (image, category) evaluation. */
typedef struct ImgScratch {
    int cap_d, cap_g;
    int *dt, *tmp;        /* [cap_d] */
    double *dscore;       /* [cap_d] */
    double *ious;         /* [MAX_DETS * cap_g] */
    int *gt_sorted;       /* [cap_g] */
    unsigned char *gtm;   /* [T * cap_g] */
} ImgScratch;

static int scratch_reserve(ImgScratch *s, int nd, int ng) {
    if (nd > s->cap_d) {
        int *a = realloc(s->dt, (size_t)nd * sizeof *a), *b = a ? realloc(s->tmp, (size_t)nd * sizeof *b) : NULL;
        if (a) s->dt = a;
        if (b) s->tmp = b;
        double *c = b ? realloc(s->dscore, (size_t)nd * sizeof *c) : NULL;
        if (c) s->dscore = c;
        if (!a || !b || !c) return -1;
        s->cap_d = nd;
    }
    if (ng > s->cap_g) {
        double *a = realloc(s->ious, (size_t)MAX_DETS * (size_t)ng * sizeof *a);
        if (a) s->ious = a;
        int *b = a ? realloc(s->gt_sorted, (size_t)ng * sizeof *b) : NULL;
        if (b) s->gt_sorted = b;
        unsigned char *c = b ? realloc(s->gtm, (size_t)T_IOUS * (size_t)ng) : NULL;
        if (c) s->gtm = c;
        if (!a || !b || !c) return -1;
        s->cap_g = ng;
    }
    return 0;
}

/* evaluateImg for one image and category, all area ranges; appends to ce. */
static int evaluate_image(const YcCocoGt *gt, const YcCocoDets *dt, const int *gts, int ng, const int *dts, int nd,
                          const double *iou_thr, CatEval *ce, ImgScratch *s) {
    if (scratch_reserve(s, nd, ng)) return -1;
    /* detections by score (stable), at most MAX_DETS */
    for (int i = 0; i < nd; i++) {
        s->dscore[i] = dt->dets[dts[i]].score;
        s->dt[i] = i;
    }
    sort_by_score(s->dt, nd, s->dscore, s->tmp);
    for (int i = 0; i < nd; i++) s->dt[i] = dts[s->dt[i]];
    int D = nd < MAX_DETS ? nd : MAX_DETS;
    for (int d = 0; d < D; d++)
        for (int g = 0; g < ng; g++)
            s->ious[(size_t)d * (size_t)ng + (size_t)g] =
                box_iou(dt->dets[s->dt[d]].bbox, gt->anns[gts[g]].bbox, gt->anns[gts[g]].crowd);
    if (cat_reserve(ce, ce->n_dets + D)) return -1;
    int base = ce->n_dets;
    for (int d = 0; d < D; d++) {
        ce->score[base + d] = dt->dets[s->dt[d]].score;
        ce->rank[base + d] = d;
    }
    for (int a = 0; a < A_AREAS; a++) {
        /* ground truths with the ignored ones last (stable) */
        int n_sorted = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int g = 0; g < ng; g++) {
                const YcCocoBox *b = &gt->anns[gts[g]];
                bool ignore = b->crowd || b->area < area_lo[a] || b->area > area_hi[a];
                if (ignore == (pass == 1)) s->gt_sorted[n_sorted++] = g;
            }
        long npig = 0;
        for (int g = 0; g < ng; g++) {
            const YcCocoBox *b = &gt->anns[gts[g]];
            npig += !(b->crowd || b->area < area_lo[a] || b->area > area_hi[a]);
        }
        ce->npig[a] += npig;
        if (ng) memset(s->gtm, 0, (size_t)T_IOUS * (size_t)ng);
        for (int d = 0; d < D; d++) {
            uint16_t tp = 0, ig = 0;
            const YcCocoBox *db = &dt->dets[s->dt[d]];
            bool out_of_range = db->area < area_lo[a] || db->area > area_hi[a];
            for (int t = 0; t < T_IOUS; t++) {
                double best = fmin(iou_thr[t], 1 - 1e-10);
                int m = -1;
                bool m_ignored = false;
                for (int q = 0; q < ng; q++) {
                    int g = s->gt_sorted[q];
                    const YcCocoBox *gb = &gt->anns[gts[g]];
                    bool g_ignored = gb->crowd || gb->area < area_lo[a] || gb->area > area_hi[a];
                    if (s->gtm[(size_t)t * (size_t)ng + (size_t)g] && !gb->crowd) continue;
                    if (m > -1 && !m_ignored && g_ignored) break;
                    double v = s->ious[(size_t)d * (size_t)ng + (size_t)g];
                    if (v < best) continue;
                    best = v;
                    m = g;
                    m_ignored = g_ignored;
                }
                bool matched_id = false; /* dtm != 0: matched to an annotation whose id is not 0 */
                if (m >= 0) {
                    s->gtm[(size_t)t * (size_t)ng + (size_t)m] = 1;
                    matched_id = !gt->anns[gts[m]].id_is_zero;
                    if (m_ignored) ig |= (uint16_t)(1u << t);
                    if (matched_id) tp |= (uint16_t)(1u << t);
                }
                if (!matched_id && out_of_range) ig |= (uint16_t)(1u << t);
            }
            ce->tp[a][base + d] = tp;
            ce->ig[a][base + d] = ig;
        }
    }
    ce->n_dets += D;
    ce->n_entries++;
    return 0;
}

/* accumulate for one category: precision [T][R] and recall [T] per (a, m), -1 where undefined. */
static int accumulate_category(const CatEval *ce, const double *rec_thr, double *precision, double *recall, int k,
                               int K) {
    int n = ce->n_dets;
    int *order = malloc((size_t)(n ? n : 1) * sizeof *order), *tmp = malloc((size_t)(n ? n : 1) * sizeof *tmp);
    int *sel = malloc((size_t)(n ? n : 1) * sizeof *sel);
    double *rc = malloc((size_t)(n ? n : 1) * sizeof *rc), *pr = malloc((size_t)(n ? n : 1) * sizeof *pr);
    if (!order || !tmp || !sel || !rc || !pr) {
        free(order);
        free(tmp);
        free(sel);
        free(rc);
        free(pr);
        return -1;
    }
    for (int i = 0; i < n; i++) order[i] = i;
    sort_by_score(order, n, ce->score, tmp);
    for (int a = 0; a < A_AREAS; a++) {
        if (ce->n_entries == 0 || ce->npig[a] == 0) continue;
        for (int mi = 0; mi < M_DETS; mi++) {
            int nd = 0;
            for (int i = 0; i < n; i++)
                if (ce->rank[order[i]] < max_dets[mi]) sel[nd++] = order[i];
            for (int t = 0; t < T_IOUS; t++) {
                double tp = 0, fp = 0;
                for (int i = 0; i < nd; i++) {
                    uint16_t bit = (uint16_t)(1u << t);
                    bool ignored = ce->ig[a][sel[i]] & bit, hit = ce->tp[a][sel[i]] & bit;
                    if (!ignored) {
                        if (hit) tp += 1;
                        else fp += 1;
                    }
                    rc[i] = tp / (double)ce->npig[a];
                    pr[i] = tp / (fp + tp + 2.220446049250313e-16); /* np.spacing(1) */
                }
                /* recall[t, k, a, m] */
                recall[((size_t)t * (size_t)K + (size_t)k) * A_AREAS * M_DETS + (size_t)a * M_DETS + (size_t)mi] =
                    nd ? rc[nd - 1] : 0;
                for (int i = nd - 1; i > 0; i--)
                    if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                int pos = 0;
                for (int ri = 0; ri < R_RECALLS; ri++) {
                    while (pos < nd && rc[pos] < rec_thr[ri]) pos++; /* searchsorted, side left */
                    double q = pos < nd ? pr[pos] : 0;
                    if (pos >= nd) { /* pycocotools stops filling at the first index past the end */
                        for (int rj = ri; rj < R_RECALLS; rj++)
                            precision[(((size_t)t * R_RECALLS + (size_t)rj) * (size_t)K + (size_t)k) * A_AREAS *
                                          M_DETS + (size_t)a * M_DETS + (size_t)mi] = 0;
                        break;
                    }
                    precision[(((size_t)t * R_RECALLS + (size_t)ri) * (size_t)K + (size_t)k) * A_AREAS * M_DETS +
                              (size_t)a * M_DETS + (size_t)mi] = q;
                }
            }
        }
    }
    free(order);
    free(tmp);
    free(sel);
    free(rc);
    free(pr);
    return 0;
}

/* summarize's mean over the entries > -1 of the selection (NumPy's pairwise sum, C order). */
static double summarize(const double *precision, const double *recall, int K, bool ap, int t_only, int a, int mi) {
    size_t cap = (size_t)T_IOUS * R_RECALLS * (size_t)(K ? K : 1);
    double *vals = malloc(cap * sizeof *vals);
    if (!vals) return NAN;
    size_t n = 0;
    for (int t = 0; t < T_IOUS; t++) {
        if (t_only >= 0 && t != t_only) continue;
        if (ap) {
            for (int r = 0; r < R_RECALLS; r++)
                for (int k = 0; k < K; k++) {
                    double v = precision[(((size_t)t * R_RECALLS + (size_t)r) * (size_t)K + (size_t)k) * A_AREAS *
                                             M_DETS + (size_t)a * M_DETS + (size_t)mi];
                    if (v > -1) vals[n++] = v;
                }
        } else {
            for (int k = 0; k < K; k++) {
                double v = recall[((size_t)t * (size_t)K + (size_t)k) * A_AREAS * M_DETS + (size_t)a * M_DETS + (size_t)mi];
                if (v > -1) vals[n++] = v;
            }
        }
    }
    double mean = n ? yc_np_sum(vals, n, 1) / (double)n : -1;
    free(vals);
    return mean;
}

int yc_cocoeval(const YcCocoGt *gt, const YcCocoDets *dt, double stats[YC_COCO_STATS], YcErr *err) {
    const int K = gt->n_cats, I = gt->n_images;
    if ((uint64_t)K * (uint64_t)(I ? I : 1) >= ((uint64_t)1 << 31))
        return yc_err(err, "cocoeval: %d categories x %d images is more than this evaluator indexes", K, I);
    double iou_thr[T_IOUS], rec_thr[R_RECALLS];
    yc_np_linspace(0.5, 0.95, T_IOUS, iou_thr);
    yc_np_linspace(0.0, 1.0, R_RECALLS, rec_thr);
    size_t n_prec = (size_t)T_IOUS * R_RECALLS * (size_t)K * A_AREAS * M_DETS;
    size_t n_rec = (size_t)T_IOUS * (size_t)K * A_AREAS * M_DETS;
    double *precision = malloc((n_prec ? n_prec : 1) * sizeof *precision);
    double *recall = malloc((n_rec ? n_rec : 1) * sizeof *recall);
    Groups gg = {0}, dg = {0};
    ImgScratch s = {0};
    CatEval ce = {0};
    int rc = -1;
    if (!precision || !recall || group_boxes(gt->anns, gt->n_anns, I, &gg) ||
        group_boxes(dt->dets, dt->n, I, &dg)) {
        yc_err(err, "cocoeval: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_prec; i++) precision[i] = -1;
    for (size_t i = 0; i < n_rec; i++) recall[i] = -1;

    int gi = 0, di = 0;
    for (int k = 0; k < K; k++) {
        ce.n_dets = 0;
        ce.n_entries = 0;
        memset(ce.npig, 0, sizeof ce.npig);
        /* images holding ground truth or detections of category k, in image order */
        while (gi < gg.n || di < dg.n) {
            int gcat = gi < gg.n ? gt->anns[gg.order[gi]].cat : K, dcat = di < dg.n ? dt->dets[dg.order[di]].cat : K;
            if (gcat != k && dcat != k) break;
            int gimg = gcat == k ? gt->anns[gg.order[gi]].image : I;
            int dimg = dcat == k ? dt->dets[dg.order[di]].image : I;
            int img = gimg < dimg ? gimg : dimg;
            int g0 = gi, d0 = di;
            while (gi < gg.n && gt->anns[gg.order[gi]].cat == k && gt->anns[gg.order[gi]].image == img) gi++;
            while (di < dg.n && dt->dets[dg.order[di]].cat == k && dt->dets[dg.order[di]].image == img) di++;
            if (evaluate_image(gt, dt, gg.order + g0, gi - g0, dg.order + d0, di - d0, iou_thr, &ce, &s)) {
                yc_err(err, "cocoeval: out of memory");
                goto done;
            }
        }
        if (accumulate_category(&ce, rec_thr, precision, recall, k, K)) {
            yc_err(err, "cocoeval: out of memory");
            goto done;
        }
    }

    /* summarize: stats in pycocotools' order; AP50 / AP75 select the threshold equal to 0.5 / 0.75 */
    int t50 = -2, t75 = -2;
    for (int t = 0; t < T_IOUS; t++) {
        if (iou_thr[t] == 0.5) t50 = t;
        if (iou_thr[t] == 0.75) t75 = t;
    }
    stats[0] = summarize(precision, recall, K, true, -1, 0, 2);
    stats[1] = t50 >= 0 ? summarize(precision, recall, K, true, t50, 0, 2) : -1;
    stats[2] = t75 >= 0 ? summarize(precision, recall, K, true, t75, 0, 2) : -1;
    stats[3] = summarize(precision, recall, K, true, -1, 1, 2);
    stats[4] = summarize(precision, recall, K, true, -1, 2, 2);
    stats[5] = summarize(precision, recall, K, true, -1, 3, 2);
    stats[6] = summarize(precision, recall, K, false, -1, 0, 0);
    stats[7] = summarize(precision, recall, K, false, -1, 0, 1);
    stats[8] = summarize(precision, recall, K, false, -1, 0, 2);
    stats[9] = summarize(precision, recall, K, false, -1, 1, 2);
    stats[10] = summarize(precision, recall, K, false, -1, 2, 2);
    stats[11] = summarize(precision, recall, K, false, -1, 3, 2);
    rc = 0;
done:
    free(precision);
    free(recall);
    free(gg.order);
    free(dg.order);
    free(s.dt);
    free(s.tmp);
    free(s.dscore);
    free(s.ious);
    free(s.gt_sorted);
    free(s.gtm);
    cat_free(&ce);
    return rc;
}

void yc_cocoeval_summary(const double stats[YC_COCO_STATS], YcStr *out) {
    static const struct {
        int ap;
        const char *iou, *area;
        int max_det;
    } rows[YC_COCO_STATS] = {
        {1, "0.50:0.95", "all", 100}, {1, "0.50", "all", 100},   {1, "0.75", "all", 100},
        {1, "0.50:0.95", "small", 100}, {1, "0.50:0.95", "medium", 100}, {1, "0.50:0.95", "large", 100},
        {0, "0.50:0.95", "all", 1},   {0, "0.50:0.95", "all", 10}, {0, "0.50:0.95", "all", 100},
        {0, "0.50:0.95", "small", 100}, {0, "0.50:0.95", "medium", 100}, {0, "0.50:0.95", "large", 100},
    };
    for (int i = 0; i < YC_COCO_STATS; i++)
        yc_str_printf(out, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                      rows[i].ap ? "Average Precision" : "Average Recall", rows[i].ap ? "(AP)" : "(AR)", rows[i].iou,
                      rows[i].area, rows[i].max_det, stats[i]);
}
