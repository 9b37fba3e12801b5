/* One sample of the loader: the reference's transform pipeline with every
 * random draw taken from the sample's own counter-based stream. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

/* The reference keeps recently loaded images in a buffer and draws mosaic
 * partners from it; we draw them from the same window of recent positions
 * in this rank's sequence (deterministic, and mostly still in memory). */
static int window_partner(const YcLoader *l, const YcEpochPlan *p, int pos, YcRng *rng) {
    int W = l->window;
    int reach = pos + 1 + (p->prev ? p->nprev : 0);
    int len = W < reach ? W : reach;
    int q = pos - yc_rng_int(rng, 0, len - 1);
    if (q >= 0) return p->order[q];
    return p->prev[p->nprev + q];
}

/* The stored image of `index` (borrowed: release with put_part) with its
 * boxes in pixels of that image. */
static int load_part(YcLoader *l, int index, YcSample *part, int *h0, int *w0, YcErr *err) {
    YcStoredImage st;
    memset(part, 0, sizeof *part);
    if (yc_image_store_get(l->store, index, &st, err)) return -1;
    part->img = *st.img;
    part->borrowed = true;
    const YcDataItem *it = &l->ds->items[index];
    if (yc_sample_set_boxes(part, it->boxes, it->count, part->img.w, part->img.h)) {
        yc_image_store_put(l->store, index);
        yc_sample_free(part);
        return yc_err(err, "out of memory");
    }
    if (h0) *h0 = st.h0;
    if (w0) *w0 = st.w0;
    return 0;
}

/* Gives the stored image back once the sample holds its own pixels (or is freed). */
static void put_part(YcLoader *l, int index) {
    yc_image_store_put(l->store, index);
}

/* Python's floor division for the mosaic border (-imgsz // 2). */
static int floordiv(int a, int b) {
    int q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Mosaic (or letterbox) then the random perspective: the reference's
 * pre_transform. out_h x out_w is the sample's final size. */
static int pre_transform(YcLoader *l, const YcEpochPlan *p, YcRng *rng, int pos, int index, int out_h, int out_w,
                         const double *hsv, uint8_t *dst, YcSample *out, YcBatchInfo *info, YcErr *err) {
    const YcAugmentParams *a = &p->aug;
    int s = a->imgsz;
    memset(out, 0, sizeof *out);
    bool mosaic = a->mosaic > 0 && yc_rng_uniform(rng, 0, 1) <= a->mosaic;
    YcAffineDraw d;
    float M[9];
    YcCanvas canvas;
    if (mosaic) {
        int idx[4] = {index, 0, 0, 0};
        for (int k = 1; k < 4; k++)
            idx[k] = l->opt.cache == YC_CACHE_RAM ? yc_rng_int(rng, 0, l->ds->count - 1) : window_partner(l, p, pos, rng);
        int border = floordiv(-s, 2);
        int yc = (int)yc_rng_uniform(rng, -border, 2 * s + border);
        int xc = (int)yc_rng_uniform(rng, -border, 2 * s + border);
        YcSample parts[4];
        memset(parts, 0, sizeof parts);
        int h0 = 0, w0 = 0;
        for (int k = 0; k < 4; k++) {
            if (load_part(l, idx[k], &parts[k], k == 0 ? &h0 : NULL, k == 0 ? &w0 : NULL, err)) {
                for (int j = 0; j < k; j++) {
                    yc_sample_free(&parts[j]);
                    put_part(l, idx[j]);
                }
                return -1;
            }
        }
        if (info) {
            info->h0 = h0, info->w0 = w0, info->rh = parts[0].img.h, info->rw = parts[0].img.w;
        }
        int rc = yc_mosaic4_canvas(parts, s, xc, yc, &canvas, out, err);
        if (rc == 0) {
            int warp_w = canvas.w + 2 * border, warp_h = canvas.h + 2 * border;
            yc_affine_draw(rng, a, &d);
            yc_affine_matrix(&d, canvas.w, canvas.h, warp_w, warp_h, M);
            rc = yc_random_perspective_into(out, &canvas, M, a->perspective != 0, d.scale, warp_w, warp_h, hsv,
                                            warp_w == out_w && warp_h == out_h ? dst : NULL, err);
            if (rc) yc_sample_free(out);
        }
        for (int k = 0; k < 4; k++) {
            yc_sample_free(&parts[k]);
            put_part(l, idx[k]);
        }
        return rc;
    }
    int h0, w0;
    if (load_part(l, index, out, &h0, &w0, err)) return -1;
    if (info) info->h0 = h0, info->w0 = w0, info->rh = out->img.h, info->rw = out->img.w;
    YcLetterbox lb;
    int rc = yc_sample_letterbox_canvas(out, out_h, out_w, true, &lb, &canvas, err);
    if (rc == 0) {
        yc_affine_draw(rng, a, &d);
        yc_affine_matrix(&d, canvas.w, canvas.h, canvas.w, canvas.h, M);
        rc = yc_random_perspective_into(out, &canvas, M, a->perspective != 0, d.scale, canvas.w, canvas.h, hsv,
                                        canvas.w == out_w && canvas.h == out_h ? dst : NULL, err);
    }
    if (rc) yc_sample_free(out);
    put_part(l, index);
    return rc;
}

static int train_sample(YcLoader *l, const YcEpochPlan *p, int pos, int index, int out_h, int out_w, uint8_t *dst,
                        YcSample *out, YcBatchInfo *info, bool *bgr, YcErr *err) {
    YcRng rng;
    yc_rng_init(&rng, l->opt.seed, YC_RNG_SAMPLE, (uint32_t)p->epoch, (uint32_t)index);
    const YcAugmentParams *a = &p->aug;
    /* HSV is drawn up front so that it can run inside the warp when no mixup
     * comes between them (the draws are independent; the order is ours) */
    bool mix = a->mixup > 0 && yc_rng_uniform(&rng, 0, 1) <= a->mixup;
    bool hsv = a->hsv_h != 0 || a->hsv_s != 0 || a->hsv_v != 0;
    double gains[3] = {0, 0, 0};
    if (hsv) {
        double g[3] = {a->hsv_h, a->hsv_s, a->hsv_v};
        for (int k = 0; k < 3; k++) gains[k] = yc_rng_uniform(&rng, -1, 1) * g[k];
    }
    if (pre_transform(l, p, &rng, pos, index, out_h, out_w, hsv && !mix ? gains : NULL, dst, out, info, err)) return -1;
    if (mix) {
        int other = yc_rng_int(&rng, 0, l->ds->count - 1);
        YcRng rng2;
        yc_rng_init(&rng2, l->opt.seed, YC_RNG_MIXUP, (uint32_t)p->epoch, (uint32_t)index);
        YcSample partner;
        if (pre_transform(l, p, &rng2, pos, other, out_h, out_w, NULL, NULL, &partner, NULL, err)) {
            yc_sample_free(out);
            return -1;
        }
        double r = yc_rng_beta(&rng, 32.0, 32.0);
        int rc = yc_mixup(out, &partner, r, err);
        yc_sample_free(&partner);
        if (rc) {
            yc_sample_free(out);
            return -1;
        }
        if (hsv) yc_sample_hsv(out, gains);
    }
    if (yc_rng_uniform(&rng, 0, 1) < a->flipud) yc_sample_flip_ud(out);
    if (yc_rng_uniform(&rng, 0, 1) < a->fliplr) yc_sample_flip_lr(out);
    *bgr = a->bgr > 0 && yc_rng_uniform(&rng, 0, 1) <= a->bgr;
    if (info) {
        info->ratio_h = info->h0 ? (double)info->rh / info->h0 : 1;
        info->ratio_w = info->w0 ? (double)info->rw / info->w0 : 1;
        info->scale = 1;
        info->pad_left = info->pad_top = 0;
    }
    return 0;
}

static int val_sample(YcLoader *l, int index, int out_h, int out_w, YcSample *out, YcBatchInfo *info, YcErr *err) {
    int h0, w0;
    if (load_part(l, index, out, &h0, &w0, err)) return -1;
    int rh = out->img.h, rw = out->img.w;
    YcLetterbox lb;
    int rc = yc_sample_letterbox(out, out_h, out_w, false, &lb, err);
    if (rc) yc_sample_free(out);
    put_part(l, index);
    if (rc) return -1;
    if (info) {
        info->h0 = h0, info->w0 = w0, info->rh = rh, info->rw = rw;
        info->ratio_h = (double)rh / h0;
        info->ratio_w = (double)rw / w0;
        info->scale = lb.ratio;
        info->pad_left = lb.left;
        info->pad_top = lb.top;
    }
    return 0;
}

int yc_build_sample(YcLoader *l, const YcEpochPlan *p, int pos, int index, int out_h, int out_w, uint8_t *dst,
                    YcSample *out, YcBatchInfo *info, bool *bgr, YcErr *err) {
    *bgr = false;
    if (info) {
        memset(info, 0, sizeof *info);
        info->index = index;
        info->path = l->ds->items[index].image;
    }
    if (l->opt.train) return train_sample(l, p, pos, index, out_h, out_w, dst, out, info, bgr, err);
    return val_sample(l, index, out_h, out_w, out, info, err);
}
