/* The metrics accumulator: per-image matching on add, the reference's
 * ap_per_class on finish. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_np.h"

struct YcMetrics {
    int nc;
    char **names;
    float cm_conf, cm_iou;       /* compared in float32, as the reference */
    double cm_conf_value;        /* as given, for the report */
    int images;
    size_t n_pred, cap_pred;
    float *conf;          /* [n_pred] */
    int *cls;             /* [n_pred] */
    uint16_t *tp;         /* [n_pred] bit t: true positive at IoU threshold t */
    long *nt_per_class;   /* [nc] instances */
    long *nt_per_image;   /* [nc] images holding the class */
    double *confusion;    /* [(nc + 1)^2] */
    int *image_has_class; /* [nc] scratch */
    void *scratch;
    size_t scratch_cap;
};

static char *dup_text(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void free_names(char **names, int nc) {
    if (!names) return;
    for (int i = 0; i < nc; i++) free(names[i]);
    free(names);
}

static char **copy_names(const char *const *names, int nc) {
    char **out = calloc((size_t)(nc ? nc : 1), sizeof *out);
    if (!out) return NULL;
    for (int i = 0; i < nc; i++) {
        char num[32];
        snprintf(num, sizeof num, "%d", i);
        out[i] = dup_text(names && names[i] ? names[i] : num);
        if (!out[i]) {
            free_names(out, nc);
            return NULL;
        }
    }
    return out;
}

void yc_metrics_free(YcMetrics *m) {
    if (!m) return;
    free_names(m->names, m->nc);
    free(m->conf);
    free(m->cls);
    free(m->tp);
    free(m->nt_per_class);
    free(m->nt_per_image);
    free(m->confusion);
    free(m->image_has_class);
    free(m->scratch);
    free(m);
}

YcMetrics *yc_metrics_begin(int nc, const char *const *names, double conf, YcErr *err) {
    if (nc < 1 || nc > 100000) {
        yc_err(err, "metrics: the number of classes must be in 1..100000, got %d", nc);
        return NULL;
    }
    if (!isnan(conf) && !(conf >= 0 && conf <= 1)) {
        yc_err(err, "metrics: conf must be in [0, 1], got %g", conf);
        return NULL;
    }
    YcMetrics *m = calloc(1, sizeof *m);
    if (!m) {
        yc_err(err, "metrics: out of memory");
        return NULL;
    }
    m->nc = nc;
    /* The reference: 0.25 when the validation conf is its default 0.001 (or unset). */
    m->cm_conf_value = (isnan(conf) || conf == 0.001) ? 0.25 : conf;
    m->cm_conf = (float)m->cm_conf_value;
    m->cm_iou = 0.45f;
    m->names = copy_names(names, nc);
    m->nt_per_class = calloc((size_t)nc, sizeof(long));
    m->nt_per_image = calloc((size_t)nc, sizeof(long));
    m->image_has_class = calloc((size_t)nc, sizeof(int));
    m->confusion = calloc((size_t)(nc + 1) * (size_t)(nc + 1), sizeof(double));
    if (!m->names || !m->nt_per_class || !m->nt_per_image || !m->image_has_class || !m->confusion) {
        yc_metrics_free(m);
        yc_err(err, "metrics: out of memory for %d classes", nc);
        return NULL;
    }
    return m;
}

static int reserve_preds(YcMetrics *m, size_t extra, YcErr *err) {
    if (m->n_pred + extra <= m->cap_pred) return 0;
    size_t cap = m->cap_pred ? m->cap_pred : 4096;
    while (cap < m->n_pred + extra) cap *= 2;
    float *conf = realloc(m->conf, cap * sizeof *conf);
    if (conf) m->conf = conf;
    int *cls = realloc(m->cls, cap * sizeof *cls);
    if (cls) m->cls = cls;
    uint16_t *tp = realloc(m->tp, cap * sizeof *tp);
    if (tp) m->tp = tp;
    if (!conf || !cls || !tp) return yc_err(err, "metrics: out of memory for %zu predictions", cap);
    m->cap_pred = cap;
    return 0;
}

static int reserve_scratch(YcMetrics *m, size_t bytes, YcErr *err) {
    if (bytes <= m->scratch_cap) return 0;
    void *s = realloc(m->scratch, bytes);
    if (!s) return yc_err(err, "metrics: out of memory (%zu bytes of scratch)", bytes);
    m->scratch = s;
    m->scratch_cap = bytes;
    return 0;
}

static int class_of(float v, int nc) {
    if (!(v >= 0) || v >= (float)nc || v != floorf(v)) return -1;
    return (int)v;
}

int yc_metrics_add_image(YcMetrics *m, const float *pred, int n_pred, const float *gt, int n_gt, YcErr *err) {
    if (n_pred < 0 || n_gt < 0 || (n_pred && !pred) || (n_gt && !gt))
        return yc_err(err, "metrics: image %d: bad prediction or ground-truth arrays", m->images + 1);
    for (int j = 0; j < n_pred; j++) {
        const float *p = pred + (size_t)j * 6;
        if (class_of(p[5], m->nc) < 0)
            return yc_err(err, "metrics: image %d: prediction %d has class %g, outside 0..%d", m->images + 1, j,
                          (double)p[5], m->nc - 1);
        if (!isfinite(p[4]))
            return yc_err(err, "metrics: image %d: prediction %d has confidence %g", m->images + 1, j, (double)p[4]);
    }
    for (int i = 0; i < n_gt; i++)
        if (class_of(gt[(size_t)i * 5], m->nc) < 0)
            return yc_err(err, "metrics: image %d: ground truth %d has class %g, outside 0..%d", m->images + 1, i,
                          (double)gt[(size_t)i * 5], m->nc - 1);
    size_t need = yc_metrics_match_scratch_bytes(n_pred, n_gt);
    size_t need_cm = yc_metrics_confusion_scratch_bytes(n_pred, n_gt);
    if (need_cm > need) need = need_cm;
    if (reserve_preds(m, (size_t)n_pred, err) || reserve_scratch(m, need, err)) return -1;

    yc_metrics_match(pred, n_pred, gt, n_gt, m->scratch, m->tp + m->n_pred);
    for (int j = 0; j < n_pred; j++) {
        m->conf[m->n_pred + (size_t)j] = pred[(size_t)j * 6 + 4];
        m->cls[m->n_pred + (size_t)j] = (int)pred[(size_t)j * 6 + 5];
    }
    m->n_pred += (size_t)n_pred;
    for (int i = 0; i < n_gt; i++) {
        int c = (int)gt[(size_t)i * 5];
        m->nt_per_class[c]++;
        if (!m->image_has_class[c]) {
            m->image_has_class[c] = 1;
            m->nt_per_image[c]++;
        }
    }
    for (int i = 0; i < n_gt; i++) m->image_has_class[(int)gt[(size_t)i * 5]] = 0;
    yc_metrics_confusion_add(m->confusion, m->nc, pred, n_pred, gt, n_gt, m->cm_conf, m->cm_iou, m->scratch);
    m->images++;
    return 0;
}

int yc_metrics_merge(YcMetrics *dst, const YcMetrics *src, YcErr *err) {
    if (dst->nc != src->nc) return yc_err(err, "metrics: cannot merge %d classes into %d", src->nc, dst->nc);
    if (dst->cm_conf != src->cm_conf)
        return yc_err(err, "metrics: cannot merge accumulators with different confusion-matrix conf");
    if (reserve_preds(dst, src->n_pred, err)) return -1;
    if (src->n_pred) {
        memcpy(dst->conf + dst->n_pred, src->conf, src->n_pred * sizeof(float));
        memcpy(dst->cls + dst->n_pred, src->cls, src->n_pred * sizeof(int));
        memcpy(dst->tp + dst->n_pred, src->tp, src->n_pred * sizeof(uint16_t));
    }
    dst->n_pred += src->n_pred;
    for (int c = 0; c < dst->nc; c++) {
        dst->nt_per_class[c] += src->nt_per_class[c];
        dst->nt_per_image[c] += src->nt_per_image[c];
    }
    size_t cells = (size_t)(dst->nc + 1) * (size_t)(dst->nc + 1);
    for (size_t i = 0; i < cells; i++) dst->confusion[i] += src->confusion[i];
    dst->images += src->images;
    return 0;
}

void yc_metrics_result_free(YcMetricsResult *r) {
    if (!r) return;
    free_names(r->names, r->nc);
    free(r->class_index);
    free(r->class_images);
    free(r->class_instances);
    free(r->class_predictions);
    free(r->p);
    free(r->r);
    free(r->f1);
    free(r->ap);
    free(r->ap50);
    free(r->ap50_95);
    free(r->maps);
    free(r->p_curve);
    free(r->r_curve);
    free(r->f1_curve);
    free(r->pr_curve);
    free(r->pr_tp);
    free(r->pr_fp);
    free(r->confusion);
    memset(r, 0, sizeof *r);
}

/* Stable bottom-up merge sort of idx by conf descending (equal confidences keep
 * the order of accumulation). tmp holds n entries. */
static void sort_by_conf_desc(size_t *idx, size_t n, const float *conf, size_t *tmp) {
    size_t *src = idx, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi) dst[o++] = conf[src[b]] > conf[src[a]] ? src[b++] : src[a++];
            while (a < mid) dst[o++] = src[a++];
            while (b < hi) dst[o++] = src[b++];
        }
        size_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != idx) memcpy(idx, src, n * sizeof *idx);
}

/* The reference's compute_ap: sentinel points, the precision envelope (running
 * maximum from the right), then the trapezoid over 101 recall points. mrec and
 * mpre hold n + 2 values; they are left holding the curve. */
static double compute_ap(const double *recall, const double *precision, int n, double *mrec, double *mpre,
                         const double *x101) {
    mrec[0] = 0.0;
    mpre[0] = 1.0;
    for (int i = 0; i < n; i++) {
        mrec[i + 1] = recall[i];
        mpre[i + 1] = precision[i];
    }
    mrec[n + 1] = 1.0;
    mpre[n + 1] = 0.0;
    for (int i = n; i >= 0; i--)
        if (!(mpre[i] >= mpre[i + 1])) mpre[i] = mpre[i + 1]; /* np.maximum: NaN propagates */
    double y[101];
    for (int i = 0; i < 101; i++) y[i] = yc_np_interp(x101[i], mrec, mpre, n + 2, mpre[0], mpre[n + 1]);
    return yc_np_trapezoid(y, x101, 101);
}

static void *alloc_zero(size_t count, size_t size, int *failed) {
    void *p = calloc(count ? count : 1, size);
    if (!p) *failed = 1;
    return p;
}

int yc_metrics_finish(const YcMetrics *m, YcMetricsResult *res, YcErr *err) {
    memset(res, 0, sizeof *res);
    const int nc = m->nc, P = YC_METRICS_CURVE_POINTS, T = YC_METRICS_IOUS, NT = YC_METRICS_PR_THRESHOLDS;
    int failed = 0, k = 0;
    for (int c = 0; c < nc; c++) k += m->nt_per_class[c] > 0;
    res->nc = nc;
    res->k = k;
    res->images = m->images;
    res->predictions = (long)m->n_pred;
    res->names = copy_names((const char *const *)m->names, nc);
    if (!res->names) failed = 1;
    res->class_index = alloc_zero((size_t)k, sizeof(int), &failed);
    res->class_images = alloc_zero((size_t)k, sizeof(long), &failed);
    res->class_instances = alloc_zero((size_t)k, sizeof(long), &failed);
    res->class_predictions = alloc_zero((size_t)k, sizeof(long), &failed);
    res->p = alloc_zero((size_t)k, sizeof(double), &failed);
    res->r = alloc_zero((size_t)k, sizeof(double), &failed);
    res->f1 = alloc_zero((size_t)k, sizeof(double), &failed);
    res->ap = alloc_zero((size_t)k * T, sizeof(double), &failed);
    res->ap50 = alloc_zero((size_t)k, sizeof(double), &failed);
    res->ap50_95 = alloc_zero((size_t)k, sizeof(double), &failed);
    res->maps = alloc_zero((size_t)nc, sizeof(double), &failed);
    res->p_curve = alloc_zero((size_t)k * P, sizeof(double), &failed);
    res->r_curve = alloc_zero((size_t)k * P, sizeof(double), &failed);
    res->f1_curve = alloc_zero((size_t)k * P, sizeof(double), &failed);
    res->pr_curve = alloc_zero((size_t)k * P, sizeof(double), &failed);
    res->pr_tp = alloc_zero((size_t)k * NT, sizeof(long), &failed);
    res->pr_fp = alloc_zero((size_t)k * NT, sizeof(long), &failed);
    res->confusion = alloc_zero((size_t)(nc + 1) * (size_t)(nc + 1), sizeof(double), &failed);
    size_t n = m->n_pred;
    size_t *order = alloc_zero(n, sizeof(size_t), &failed);
    size_t *by_class = alloc_zero(n, sizeof(size_t), &failed);
    size_t *class_start = alloc_zero((size_t)nc + 1, sizeof(size_t), &failed);
    double *work = alloc_zero(5 * (n + 2), sizeof(double), &failed);
    if (failed) {
        free(order);
        free(by_class);
        free(class_start);
        free(work);
        yc_metrics_result_free(res);
        return yc_err(err, "metrics: out of memory computing metrics for %zu predictions", n);
    }
    memcpy(res->confusion, m->confusion, (size_t)(nc + 1) * (size_t)(nc + 1) * sizeof(double));
    res->confusion_conf = m->cm_conf_value;
    res->confusion_iou = 0.45;
    for (int c = 0; c < nc; c++) res->instances += m->nt_per_class[c];

    /* Predictions by confidence, then grouped by class keeping that order. */
    for (size_t i = 0; i < n; i++) order[i] = i;
    sort_by_conf_desc(order, n, m->conf, by_class);
    for (size_t i = 0; i < n; i++) class_start[m->cls[i] + 1]++;
    for (int c = 0; c < nc; c++) class_start[c + 1] += class_start[c];
    {
        size_t *fill = calloc((size_t)nc, sizeof(size_t));
        if (!fill) {
            free(order);
            free(by_class);
            free(class_start);
            free(work);
            yc_metrics_result_free(res);
            return yc_err(err, "metrics: out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            int c = m->cls[order[i]];
            by_class[class_start[c] + fill[c]++] = order[i];
        }
        free(fill);
    }

    yc_np_linspace(0.0, 1.0, P, res->curve_x);
    double x101[101];
    yc_np_linspace(0.0, 1.0, 101, x101);
    double *xp = work, *recall = work + (n + 2), *precision = work + 2 * (n + 2);
    double *mrec = work + 3 * (n + 2), *mpre = work + 4 * (n + 2);

    int ci = 0;
    for (int c = 0; c < nc; c++) {
        if (m->nt_per_class[c] == 0) continue;
        res->class_index[ci] = c;
        res->class_images[ci] = m->nt_per_image[c];
        res->class_instances[ci] = m->nt_per_class[c];
        const size_t *idx = by_class + class_start[c];
        int np_ = (int)(class_start[c + 1] - class_start[c]);
        res->class_predictions[ci] = np_;
        double n_l = (double)m->nt_per_class[c] + 1e-16;
        long *tp_counts = res->pr_tp + (size_t)ci * NT, *fp_counts = res->pr_fp + (size_t)ci * NT;
        for (int i = 0; i < np_; i++) {
            float scaled = m->conf[idx[i]] * (float)(NT - 1);
            int bucket = (int)floorf(scaled);
            if (bucket < 0) bucket = 0;
            if (bucket > NT - 1) bucket = NT - 1;
            if (m->tp[idx[i]] & 1u) tp_counts[bucket]++;
            else fp_counts[bucket]++;
        }
        for (int b = NT - 2; b >= 0; b--) { /* counts at conf bucket >= b */
            tp_counts[b] += tp_counts[b + 1];
            fp_counts[b] += fp_counts[b + 1];
        }
        if (np_ > 0) {
            for (int i = 0; i < np_; i++) xp[i] = -(double)m->conf[idx[i]];
            for (int t = 0; t < T; t++) {
                long tpc = 0, fpc = 0;
                for (int i = 0; i < np_; i++) {
                    if (m->tp[idx[i]] & (1u << t)) tpc++;
                    else fpc++;
                    recall[i] = (double)tpc / n_l;
                    precision[i] = (double)tpc / (double)(tpc + fpc);
                }
                if (t == 0) {
                    double *pc = res->p_curve + (size_t)ci * P, *rc = res->r_curve + (size_t)ci * P;
                    for (int xi = 0; xi < P; xi++) {
                        rc[xi] = yc_np_interp(-res->curve_x[xi], xp, recall, np_, 0.0, recall[np_ - 1]);
                        pc[xi] = yc_np_interp(-res->curve_x[xi], xp, precision, np_, 1.0, precision[np_ - 1]);
                    }
                }
                res->ap[(size_t)ci * T + t] = compute_ap(recall, precision, np_, mrec, mpre, x101);
                if (t == 0) {
                    double *pr = res->pr_curve + (size_t)ci * P;
                    for (int xi = 0; xi < P; xi++)
                        pr[xi] = yc_np_interp(res->curve_x[xi], mrec, mpre, np_ + 2, mpre[0], mpre[np_ + 1]);
                }
            }
        }
        ci++;
    }

    /* F1 over confidence, the best index of its smoothed class mean. */
    double mean_f1[YC_METRICS_CURVE_POINTS], smooth_f1[YC_METRICS_CURVE_POINTS];
    for (int xi = 0; xi < P; xi++) mean_f1[xi] = 0;
    for (int i = 0; i < k; i++) {
        const double *pc = res->p_curve + (size_t)i * P, *rc = res->r_curve + (size_t)i * P;
        double *fc = res->f1_curve + (size_t)i * P;
        for (int xi = 0; xi < P; xi++) {
            fc[xi] = 2 * pc[xi] * rc[xi] / (pc[xi] + rc[xi] + 1e-16);
            mean_f1[xi] += fc[xi];
        }
    }
    for (int xi = 0; xi < P; xi++) mean_f1[xi] = k ? mean_f1[xi] / k : NAN;
    yc_np_smooth(mean_f1, P, 0.1, smooth_f1);
    int best = yc_np_argmax(smooth_f1, P);
    res->best_index = best;
    for (int i = 0; i < k; i++) {
        res->p[i] = res->p_curve[(size_t)i * P + best];
        res->r[i] = res->r_curve[(size_t)i * P + best];
        res->f1[i] = res->f1_curve[(size_t)i * P + best];
        res->ap50[i] = res->ap[(size_t)i * T];
        res->ap50_95[i] = yc_np_sum(res->ap + (size_t)i * T, (size_t)T, 1) / T;
    }
    if (k > 0) {
        res->precision = yc_np_sum(res->p, (size_t)k, 1) / k;
        res->recall = yc_np_sum(res->r, (size_t)k, 1) / k;
        res->map50 = yc_np_sum(res->ap, (size_t)k, (size_t)T) / k;
        res->map75 = yc_np_sum(res->ap + 5, (size_t)k, (size_t)T) / k;
        res->map50_95 = yc_np_sum(res->ap, (size_t)k * T, 1) / ((double)k * T);
    }
    res->fitness = isfinite(res->map50_95) ? res->map50_95 : 0.0;
    for (int c = 0; c < nc; c++) res->maps[c] = res->map50_95;
    for (int i = 0; i < k; i++) res->maps[res->class_index[i]] = res->ap50_95[i];

    free(order);
    free(by_class);
    free(class_start);
    free(work);
    return 0;
}
