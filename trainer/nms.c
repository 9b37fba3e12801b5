#include "nms.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct YcNms {
    size_t cap_anchors, cap_cand, cap_kept;
    float *best;        /* [anchors] best class score */
    uint64_t *keys;     /* [cand] score descending, then candidate order */
    uint64_t *keys_tmp; /* [cand] */
    /* kept boxes (class-offset coordinates, as the reference's IoU sees them) */
    float *kx1, *ky1, *kx2, *ky2, *karea;
    int *knext;         /* next kept of the same group, -1 at the end */
    int *group_head, *group_tail;
    size_t cap_groups;
};

void yc_nms_opts_val(YcNmsOpts *o) {
    memset(o, 0, sizeof *o);
    o->conf = 0.001;
    o->iou = 0.7;
    o->max_det = 300;
    o->max_nms = 30000;
    o->max_wh = 7680.0f;
    o->multi_label = true;
}

YcNms *yc_nms_new(void) { return calloc(1, sizeof(YcNms)); }

void yc_nms_free(YcNms *w) {
    if (!w) return;
    free(w->best);
    free(w->keys);
    free(w->keys_tmp);
    free(w->kx1);
    free(w->ky1);
    free(w->kx2);
    free(w->ky2);
    free(w->karea);
    free(w->knext);
    free(w->group_head);
    free(w->group_tail);
    free(w);
}

static int grow(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    void *q = realloc(*p, need * size);
    if (!q) return -1;
    *p = q;
    *cap = need;
    return 0;
}

static int reserve(YcNms *w, size_t anchors, size_t cand, size_t kept, size_t groups) {
    size_t c;
    c = w->cap_anchors;
    if (grow((void **)&w->best, &c, anchors, sizeof(float))) return -1;
    w->cap_anchors = c;
    if (cand > w->cap_cand) {
        c = w->cap_cand;
        if (grow((void **)&w->keys, &c, cand, sizeof(uint64_t))) return -1;
        c = w->cap_cand;
        if (grow((void **)&w->keys_tmp, &c, cand, sizeof(uint64_t))) return -1;
        w->cap_cand = cand;
    }
    if (kept > w->cap_kept) {
        float **f[] = {&w->kx1, &w->ky1, &w->kx2, &w->ky2, &w->karea};
        for (int i = 0; i < 5; i++) {
            c = w->cap_kept;
            if (grow((void **)f[i], &c, kept, sizeof(float))) return -1;
        }
        c = w->cap_kept;
        if (grow((void **)&w->knext, &c, kept, sizeof(int))) return -1;
        w->cap_kept = kept;
    }
    if (groups > w->cap_groups) {
        c = w->cap_groups;
        if (grow((void **)&w->group_head, &c, groups, sizeof(int))) return -1;
        c = w->cap_groups;
        if (grow((void **)&w->group_tail, &c, groups, sizeof(int))) return -1;
        w->cap_groups = groups;
    }
    return 0;
}

/* Positive float scores order like their bit patterns; the key sorts ascending
 * as (score descending, candidate index ascending). */
static uint64_t make_key(float score, uint32_t index) {
    uint32_t bits;
    memcpy(&bits, &score, sizeof bits);
    return ((uint64_t)(0xFFFFFFFFu - bits) << 32) | index;
}

static float key_score(uint64_t key) {
    uint32_t bits = 0xFFFFFFFFu - (uint32_t)(key >> 32);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* LSD radix sort by bytes, skipping bytes that all keys share. */
static void radix_sort(uint64_t *keys, uint64_t *tmp, size_t n) {
    if (n < 2) return;
    uint64_t all_and = ~(uint64_t)0, all_or = 0;
    for (size_t i = 0; i < n; i++) {
        all_and &= keys[i];
        all_or |= keys[i];
    }
    uint64_t varying = all_and ^ all_or;
    uint64_t *src = keys, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        if (!((varying >> shift) & 0xFF)) continue;
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++) count[((src[i] >> shift) & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++) dst[count[(src[i] >> shift) & 0xFF]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != keys) memcpy(keys, src, n * sizeof *keys);
}

static bool class_wanted(const YcNmsOpts *o, int c) {
    if (!o->classes) return true;
    for (int i = 0; i < o->n_classes; i++)
        if (o->classes[i] == c) return true;
    return false;
}

static int push_key(YcNms *w, size_t *n, uint64_t key) {
    if (*n == w->cap_cand) {
        size_t cap = w->cap_cand ? 2 * w->cap_cand : 4096;
        if (reserve(w, 1, cap, 1, 1)) return -1;
    }
    w->keys[(*n)++] = key;
    return 0;
}

/* The best class score of each anchor, NaN when any of its scores is NaN (torch.amax). */
static int best_scores(YcNms *w, const float *score, int nc, size_t A) {
    if (reserve(w, A + 1, 1, 1, 1)) return -1;
    float *best = w->best;
    for (size_t a = 0; a < A; a++) best[a] = score[a];
    for (int c = 1; c < nc; c++) {
        const float *row = score + (size_t)c * A;
        for (size_t a = 0; a < A; a++)
            if (row[a] > best[a] || row[a] != row[a]) best[a] = row[a] != row[a] || best[a] != best[a] ? NAN : row[a];
    }
    return 0;
}

/* Every (anchor, class) scoring above conf, scanning each class row in blocks
 * of 16 that are skipped when none of their scores exceeds conf. Returns 1 when
 * a NaN score turns up (the caller then takes the exact path), -1 without memory. */
static int collect_multi_label(YcNms *w, const float *score, int nc, size_t A, float conf, const YcNmsOpts *o,
                               size_t *n) {
    for (int c = 0; c < nc; c++) {
        if (!class_wanted(o, c)) continue;
        const float *row = score + (size_t)c * A;
        for (size_t a0 = 0; a0 < A; a0 += 16) {
            int any = 0;
            if (a0 + 16 <= A) {
                for (int k = 0; k < 16; k++) any |= !(row[a0 + (size_t)k] <= conf); /* above conf, or NaN */
            } else {
                for (size_t a = a0; a < A; a++) any |= !(row[a] <= conf);
            }
            if (!any) continue;
            size_t a1 = a0 + 16 < A ? a0 + 16 : A;
            for (size_t a = a0; a < a1; a++) {
                if (row[a] > conf) {
                    if (push_key(w, n, make_key(row[a], (uint32_t)(a * (size_t)nc + (size_t)c)))) return -1;
                } else if (row[a] != row[a]) {
                    return 1;
                }
            }
        }
    }
    return 0;
}

int yc_nms_image(YcNms *w, const float *pred, int nc, int anchors, const YcNmsOpts *o, float *out,
                 int *anchor_index, YcErr *err) {
    if (nc < 1 || anchors < 0 || o->max_det < 1 || o->max_nms < 1)
        return yc_err(err, "nms: bad arguments (nc %d, anchors %d, max_det %d, max_nms %d)", nc, anchors, o->max_det,
                      o->max_nms);
    if (!(o->conf >= 0 && o->conf <= 1) || !(o->iou >= 0 && o->iou <= 1))
        return yc_err(err, "nms: conf %g and iou %g must lie in [0, 1]", o->conf, o->iou);
    if ((uint64_t)anchors * (uint64_t)nc > 0xFFFFFFFFull)
        return yc_err(err, "nms: %d anchors x %d classes is too many", anchors, nc);
    const bool multi = o->multi_label && nc > 1;
    const float conf = (float)o->conf;
    const size_t A = (size_t)anchors;
    const float *score = pred + 4 * A; /* score[c * A + a] */

    size_t n = 0;
    if (multi) {
        int rc = collect_multi_label(w, score, nc, A, conf, o, &n);
        if (rc == -1) return yc_err(err, "nms: out of memory");
        if (rc == 1) { /* a NaN score: the reference drops that anchor (its best score is NaN) */
            if (best_scores(w, score, nc, A)) return yc_err(err, "nms: out of memory");
            n = 0;
            for (int c = 0; c < nc; c++) {
                if (!class_wanted(o, c)) continue;
                const float *row = score + (size_t)c * A;
                for (size_t a = 0; a < A; a++)
                    if (w->best[a] > conf && row[a] > conf &&
                        push_key(w, &n, make_key(row[a], (uint32_t)(a * (size_t)nc + (size_t)c))))
                        return yc_err(err, "nms: out of memory");
            }
        }
    } else {
        /* each anchor's first best class */
        if (best_scores(w, score, nc, A)) return yc_err(err, "nms: out of memory");
        for (size_t a = 0; a < A; a++) {
            if (!(w->best[a] > conf)) continue;
            int bc = 0;
            for (int c = 0; c < nc; c++)
                if (score[(size_t)c * A + a] == w->best[a]) {
                    bc = c;
                    break;
                }
            if (!class_wanted(o, bc)) continue;
            if (push_key(w, &n, make_key(w->best[a], (uint32_t)(a * (size_t)nc + (size_t)bc))))
                return yc_err(err, "nms: out of memory");
        }
    }
    if (reserve(w, 1, n, (size_t)o->max_det, (size_t)nc)) return yc_err(err, "nms: out of memory");
    if (n == 0) return 0;
    radix_sort(w->keys, w->keys_tmp, n);
    if (n > (size_t)o->max_nms) n = (size_t)o->max_nms;

    /* Class-aware suppression compares only boxes of one class when the class
     * offset keeps other classes apart (the coordinates span less than max_wh);
     * otherwise every box is compared, exactly as the offset boxes would be. */
    bool by_class = !o->agnostic;
    if (by_class) {
        float lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            size_t a = (size_t)(uint32_t)w->keys[i] / (size_t)nc;
            float x = pred[a], y = pred[A + a], hw = pred[2 * A + a] / 2, hh = pred[3 * A + a] / 2;
            float v[4] = {x - hw, y - hh, x + hw, y + hh};
            for (int k = 0; k < 4; k++) {
                if (v[k] < lo) lo = v[k];
                if (v[k] > hi) hi = v[k];
            }
        }
        if (!(hi - lo < o->max_wh - 1)) by_class = false;
    }
    int groups = by_class ? nc : 1;
    for (int g = 0; g < groups; g++) w->group_head[g] = w->group_tail[g] = -1;

    const double thr = o->iou;
    int kept = 0;
    for (size_t i = 0; i < n && kept < o->max_det; i++) {
        uint32_t idx = (uint32_t)w->keys[i];
        size_t a = idx / (size_t)nc;
        int c = (int)(idx % (size_t)nc);
        float x = pred[a], y = pred[A + a], hw = pred[2 * A + a] / 2, hh = pred[3 * A + a] / 2;
        float x1 = x - hw, y1 = y - hh, x2 = x + hw, y2 = y + hh;
        float off = o->agnostic ? 0.0f : (float)c * o->max_wh;
        float ox1 = x1 + off, oy1 = y1 + off, ox2 = x2 + off, oy2 = y2 + off;
        float area = (ox2 - ox1) * (oy2 - oy1);
        int g = by_class ? c : 0;
        bool suppressed = false;
        for (int k = w->group_head[g]; k >= 0; k = w->knext[k]) {
            /* torchvision: kept box k against candidate, float32, then a double compare */
            float xx1 = w->kx1[k] < ox1 ? ox1 : w->kx1[k];
            float yy1 = w->ky1[k] < oy1 ? oy1 : w->ky1[k];
            float xx2 = ox2 < w->kx2[k] ? ox2 : w->kx2[k];
            float yy2 = oy2 < w->ky2[k] ? oy2 : w->ky2[k];
            float iw = xx2 - xx1, ih = yy2 - yy1;
            iw = 0.0f < iw ? iw : 0.0f;
            ih = 0.0f < ih ? ih : 0.0f;
            float inter = iw * ih;
            float ovr = inter / (w->karea[k] + area - inter);
            if ((double)ovr > thr) {
                suppressed = true;
                break;
            }
        }
        if (suppressed) continue;
        w->kx1[kept] = ox1;
        w->ky1[kept] = oy1;
        w->kx2[kept] = ox2;
        w->ky2[kept] = oy2;
        w->karea[kept] = area;
        w->knext[kept] = -1;
        if (w->group_tail[g] >= 0) w->knext[w->group_tail[g]] = kept;
        else w->group_head[g] = kept;
        w->group_tail[g] = kept;
        float *row = out + (size_t)kept * 6;
        row[0] = x1;
        row[1] = y1;
        row[2] = x2;
        row[3] = y2;
        row[4] = key_score(w->keys[i]);
        row[5] = (float)c;
        if (anchor_index) anchor_index[kept] = (int)a;
        kept++;
    }
    return kept;
}
