/* Deterministic transform steps (see augment.h). Arithmetic on boxes is done
 * in single precision in the reference's order, so that boxes agree with the
 * reference's float32 numpy to well under a pixel. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "image_simd.h"

void yc_augment_params_default(YcAugmentParams *p) {
    memset(p, 0, sizeof *p);
    p->imgsz = 640;
    p->mosaic = 1.0;
    p->translate = 0.1;
    p->scale = 0.5;
    p->hsv_h = 0.015;
    p->hsv_s = 0.7;
    p->hsv_v = 0.4;
    p->fliplr = 0.5;
}

/* Replaces the sample's image, freeing the old one unless it was borrowed. */
static void set_image(YcSample *s, YcImage im) {
    if (!s->borrowed) yc_image_free(&s->img);
    s->img = im;
    s->borrowed = false;
}

void yc_sample_free(YcSample *s) {
    if (!s) return;
    if (!s->borrowed) yc_image_free(&s->img);
    free(s->cls);
    free(s->xyxy);
    memset(s, 0, sizeof *s);
}

static int reserve(YcSample *s, int n) {
    if (n <= s->cap) return 0;
    int cap = s->cap ? s->cap : 16;
    while (cap < n) cap *= 2;
    float *cls = realloc(s->cls, sizeof(float) * (size_t)cap);
    if (!cls) return -1;
    s->cls = cls;
    float *xyxy = realloc(s->xyxy, sizeof(float) * 4 * (size_t)cap);
    if (!xyxy) return -1;
    s->xyxy = xyxy;
    s->cap = cap;
    return 0;
}

int yc_sample_add_box(YcSample *s, float cls, float x1, float y1, float x2, float y2) {
    if (reserve(s, s->n + 1)) return -1;
    s->cls[s->n] = cls;
    float *b = s->xyxy + 4 * s->n;
    b[0] = x1, b[1] = y1, b[2] = x2, b[3] = y2;
    s->n++;
    return 0;
}

void yc_sample_keep(YcSample *s, const bool *keep) {
    int o = 0;
    for (int i = 0; i < s->n; i++) {
        if (!keep[i]) continue;
        s->cls[o] = s->cls[i];
        memmove(s->xyxy + 4 * o, s->xyxy + 4 * i, sizeof(float) * 4);
        o++;
    }
    s->n = o;
}

int yc_load_resized(const char *path, int imgsz, YcImage *out, int *h0, int *w0, YcErr *err) {
    return yc_load_resized_into(path, imgsz, NULL, 0, out, h0, w0, err);
}

int yc_load_resized_into(const char *path, int imgsz, uint8_t *buf, size_t cap, YcImage *out, int *h0, int *w0,
                         YcErr *err) {
    YcImage im;
    if (yc_image_read_into(path, buf, cap, &im, err)) return -1;
    bool in_buf = buf && im.data == buf;
    *h0 = im.h;
    *w0 = im.w;
    double r = (double)imgsz / (im.h > im.w ? im.h : im.w);
    if (r != 1) {
        int w = (int)ceil(im.w * r), h = (int)ceil(im.h * r);
        if (w > imgsz) w = imgsz;
        if (h > imgsz) h = imgsz;
        if (w < 1) w = 1;
        if (h < 1) h = 1;
        YcImage resized;
        if (yc_image_alloc(&resized, h, w, im.c, err)) {
            if (!in_buf) yc_image_free(&im);
            return yc_err_prefix(err, "%s", path);
        }
        yc_resize_linear(&im, &resized);
        if (!in_buf) yc_image_free(&im);
        im = resized;
    }
    *out = im;
    return 0;
}

int yc_sample_set_boxes(YcSample *s, const float *rows, int count, int w, int h) {
    s->n = 0;
    if (reserve(s, count)) return -1;
    for (int i = 0; i < count; i++) {
        const float *r = rows + 5 * i;
        float dw = r[3] / 2, dh = r[4] / 2;
        float *b = s->xyxy + 4 * i;
        b[0] = (r[1] - dw) * (float)w;
        b[1] = (r[2] - dh) * (float)h;
        b[2] = (r[1] + dw) * (float)w;
        b[3] = (r[2] + dh) * (float)h;
        s->cls[i] = r[0];
    }
    s->n = count;
    return 0;
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static float clampf(float v, float lo, float hi) {
    return v < lo ? lo : v > hi ? hi : v; /* NaN passes through, as numpy's clip */
}

int yc_mosaic4_canvas(const YcSample parts[4], int s, int xc, int yc, YcCanvas *canvas, YcSample *out, YcErr *err) {
    memset(out, 0, sizeof *out);
    memset(canvas, 0, sizeof *canvas);
    int S2 = 2 * s;
    canvas->w = canvas->h = S2;
    canvas->fill = 114;
    for (int i = 0; i < 4; i++) {
        const YcImage *im = &parts[i].img;
        if (im->c != 3) return yc_err(err, "mosaic: expected 3-channel images, got %d", im->c);
        int h = im->h, w = im->w;
        int x1a, y1a, x2a, y2a, x1b, y1b, x2b, y2b;
        if (i == 0) {
            x1a = imax(xc - w, 0), y1a = imax(yc - h, 0), x2a = xc, y2a = yc;
            x1b = w - (x2a - x1a), y1b = h - (y2a - y1a), x2b = w, y2b = h;
        } else if (i == 1) {
            x1a = xc, y1a = imax(yc - h, 0), x2a = imin(xc + w, S2), y2a = yc;
            x1b = 0, y1b = h - (y2a - y1a), x2b = imin(w, x2a - x1a), y2b = h;
        } else if (i == 2) {
            x1a = imax(xc - w, 0), y1a = yc, x2a = xc, y2a = imin(S2, yc + h);
            x1b = w - (x2a - x1a), y1b = 0, x2b = w, y2b = imin(y2a - y1a, h);
        } else {
            x1a = xc, y1a = yc, x2a = imin(xc + w, S2), y2a = imin(S2, yc + h);
            x1b = 0, y1b = 0, x2b = imin(w, x2a - x1a), y2b = imin(y2a - y1a, h);
        }
        int rows = imin(y2a - y1a, y2b - y1b), cols = imin(x2a - x1a, x2b - x1b);
        if (rows > 0 && cols > 0 && x1a >= 0 && y1a >= 0 && x1b >= 0 && y1b >= 0) {
            YcCanvasPart *p = &canvas->part[canvas->nparts++];
            p->x0 = x1a, p->y0 = y1a, p->x1 = x1a + cols, p->y1 = y1a + rows;
            p->data = im->data + ((size_t)y1b * w + x1b) * 3;
            p->stride = w * 3;
        }
        float padw = (float)(x1a - x1b), padh = (float)(y1a - y1b);
        for (int b = 0; b < parts[i].n; b++) {
            const float *p = parts[i].xyxy + 4 * b;
            if (yc_sample_add_box(out, parts[i].cls[b], p[0] + padw, p[1] + padh, p[2] + padw, p[3] + padh)) {
                yc_sample_free(out);
                return yc_err(err, "out of memory");
            }
        }
    }
    /* clip to the canvas, drop boxes left without area */
    bool *keep = malloc(sizeof(bool) * (size_t)(out->n > 0 ? out->n : 1));
    if (!keep) {
        yc_sample_free(out);
        return yc_err(err, "out of memory");
    }
    for (int b = 0; b < out->n; b++) {
        float *p = out->xyxy + 4 * b;
        p[0] = clampf(p[0], 0, (float)S2);
        p[2] = clampf(p[2], 0, (float)S2);
        p[1] = clampf(p[1], 0, (float)S2);
        p[3] = clampf(p[3], 0, (float)S2);
        keep[b] = (p[2] - p[0]) * (p[3] - p[1]) > 0;
    }
    yc_sample_keep(out, keep);
    free(keep);
    return 0;
}

int yc_mosaic4(const YcSample parts[4], int s, int xc, int yc, YcSample *out, YcErr *err) {
    YcCanvas canvas;
    if (yc_mosaic4_canvas(parts, s, xc, yc, &canvas, out, err)) return -1;
    if (yc_canvas_render(&canvas, &out->img, err)) {
        yc_sample_free(out);
        return -1;
    }
    return 0;
}

void yc_affine_draw(YcRng *rng, const YcAugmentParams *p, YcAffineDraw *d) {
    d->perspective_x = yc_rng_uniform(rng, -p->perspective, p->perspective);
    d->perspective_y = yc_rng_uniform(rng, -p->perspective, p->perspective);
    d->angle = yc_rng_uniform(rng, -p->degrees, p->degrees);
    d->scale = yc_rng_uniform(rng, 1 - p->scale, 1 + p->scale);
    d->shear_x = yc_rng_uniform(rng, -p->shear, p->shear);
    d->shear_y = yc_rng_uniform(rng, -p->shear, p->shear);
    d->translate_x = yc_rng_uniform(rng, 0.5 - p->translate, 0.5 + p->translate);
    d->translate_y = yc_rng_uniform(rng, 0.5 - p->translate, 0.5 + p->translate);
}

static void matmul3(const float a[9], const float b[9], float out[9]) {
    float t[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) t[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    memcpy(out, t, sizeof t);
}

static void eye3(float m[9]) {
    memset(m, 0, sizeof(float) * 9);
    m[0] = m[4] = m[8] = 1;
}

void yc_affine_matrix(const YcAffineDraw *d, int in_w, int in_h, int out_w, int out_h, float M[9]) {
    float C[9], P[9], R[9], S[9], T[9];
    eye3(C), eye3(P), eye3(R), eye3(S), eye3(T);
    C[2] = (float)(-in_w / 2.0);
    C[5] = (float)(-in_h / 2.0);
    P[6] = (float)d->perspective_x;
    P[7] = (float)d->perspective_y;
    double a = d->angle * (M_PI / 180), alpha = cos(a) * d->scale, beta = sin(a) * d->scale;
    R[0] = (float)alpha, R[1] = (float)beta, R[2] = 0;
    R[3] = (float)-beta, R[4] = (float)alpha, R[5] = 0;
    S[1] = (float)tan(d->shear_x * M_PI / 180);
    S[3] = (float)tan(d->shear_y * M_PI / 180);
    T[2] = (float)(d->translate_x * out_w);
    T[5] = (float)(d->translate_y * out_h);
    /* ((((T S) R) P) C), as numpy evaluates T @ S @ R @ P @ C */
    matmul3(T, S, M);
    matmul3(M, R, M);
    matmul3(M, P, M);
    matmul3(M, C, M);
}

bool yc_box_candidate(const float b1[4], const float b2[4], float area_thr) {
    const float eps = 1e-16f;
    float w1 = b1[2] - b1[0], h1 = b1[3] - b1[1];
    float w2 = b2[2] - b2[0], h2 = b2[3] - b2[1];
    float ar = fmaxf(w2 / (h2 + eps), h2 / (w2 + eps));
    return w2 > 2 && h2 > 2 && w2 * h2 / (w1 * h1 + eps) > area_thr && ar < 100;
}

int yc_sample_deinterleave(YcSample *s, YcErr *err) {
    if (s->planar) return 0;
    YcImage p;
    if (yc_image_alloc(&p, s->img.h, s->img.w, s->img.c, err)) return -1;
    size_t n = (size_t)s->img.h * s->img.w;
    int c = s->img.c;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < c; k++) p.data[k * n + i] = s->img.data[i * c + k];
    set_image(s, p);
    s->planar = true;
    return 0;
}

int yc_sample_interleave(YcSample *s, YcErr *err) {
    if (!s->planar) return 0;
    YcImage p;
    if (yc_image_alloc(&p, s->img.h, s->img.w, s->img.c, err)) return -1;
    size_t n = (size_t)s->img.h * s->img.w;
    int c = s->img.c;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < c; k++) p.data[i * c + k] = s->img.data[k * n + i];
    set_image(s, p);
    s->planar = false;
    return 0;
}

int yc_random_perspective(YcSample *s, const float M[9], bool perspective, double scale, int out_w, int out_h,
                          YcErr *err) {
    if (s->planar) return yc_err(err, "random perspective: expected an interleaved image");
    if (s->img.c != 3) return yc_err(err, "random perspective: expected 3 channels, got %d", s->img.c);
    YcCanvas c;
    yc_canvas_of_image(&s->img, &c);
    return yc_random_perspective_canvas(s, &c, M, perspective, scale, out_w, out_h, NULL, err);
}

int yc_random_perspective_canvas(YcSample *s, const YcCanvas *c, const float M[9], bool perspective, double scale,
                                 int out_w, int out_h, const double *hsv_gains, YcErr *err) {
    return yc_random_perspective_into(s, c, M, perspective, scale, out_w, out_h, hsv_gains, NULL, err);
}

int yc_random_perspective_into(YcSample *s, const YcCanvas *c, const float M[9], bool perspective, double scale,
                               int out_w, int out_h, const double *hsv_gains, uint8_t *dst, YcErr *err) {
    bool identity = M[0] == 1 && M[1] == 0 && M[2] == 0 && M[3] == 0 && M[4] == 1 && M[5] == 0 && M[6] == 0 &&
                    M[7] == 0 && M[8] == 1;
    YcImage warped;
    if (dst) {
        warped = (YcImage){.h = out_h, .w = out_w, .c = 3, .data = dst};
    } else if (yc_image_alloc(&warped, out_h, out_w, 3, err)) {
        return -1;
    }
    double Md[9];
    for (int i = 0; i < 9; i++) Md[i] = M[i];
    if (!identity || out_w != c->w || out_h != c->h) {
        if (perspective) {
            YcImage flat;
            if (yc_canvas_render(c, &flat, err)) {
                if (!dst) yc_image_free(&warped);
                return -1;
            }
            yc_warp_perspective_planar(&flat, warped.data, out_w, out_h, Md, 114);
            yc_image_free(&flat);
            if (hsv_gains) yc_hsv_apply_planar(warped.data, out_h, out_w, hsv_gains);
        } else {
            yc_warp_canvas_planar_hsv(c, warped.data, out_w, out_h, Md, 114, hsv_gains);
        }
    } else {
        /* no change: the canvas itself, as planes */
        size_t n = (size_t)out_w * out_h;
        for (int y = 0; y < out_h; y++)
            for (int x = 0; x < out_w; x++)
                for (int k = 0; k < 3; k++) warped.data[k * n + (size_t)y * out_w + x] = yc_canvas_at(c, x, y, k);
        if (hsv_gains) yc_hsv_apply_planar(warped.data, out_h, out_w, hsv_gains);
    }
    set_image(s, warped);
    s->borrowed = dst != NULL;
    s->planar = true;
    if (s->n == 0) return 0;
    bool *keep = malloc(sizeof(bool) * (size_t)s->n);
    if (!keep) return yc_err(err, "out of memory");
    float fs = (float)scale;
    for (int b = 0; b < s->n; b++) {
        float *p = s->xyxy + 4 * b;
        float cx[4] = {p[0], p[2], p[0], p[2]}, cy[4] = {p[1], p[3], p[3], p[1]};
        float x1 = INFINITY, y1 = INFINITY, x2 = -INFINITY, y2 = -INFINITY;
        for (int k = 0; k < 4; k++) {
            float X = cx[k] * M[0] + cy[k] * M[1] + M[2];
            float Y = cx[k] * M[3] + cy[k] * M[4] + M[5];
            if (perspective) {
                float W = cx[k] * M[6] + cy[k] * M[7] + M[8];
                X /= W;
                Y /= W;
            }
            x1 = fminf(x1, X), x2 = fmaxf(x2, X), y1 = fminf(y1, Y), y2 = fmaxf(y2, Y);
        }
        float nb[4] = {clampf(x1, 0, (float)out_w), clampf(y1, 0, (float)out_h), clampf(x2, 0, (float)out_w),
                       clampf(y2, 0, (float)out_h)};
        float ob[4] = {p[0] * fs, p[1] * fs, p[2] * fs, p[3] * fs};
        keep[b] = yc_box_candidate(ob, nb, 0.10f);
        memcpy(p, nb, sizeof nb);
    }
    yc_sample_keep(s, keep);
    free(keep);
    return 0;
}

int yc_mixup(YcSample *a, const YcSample *b, double r, YcErr *err) {
    if (a->img.h != b->img.h || a->img.w != b->img.w || a->img.c != b->img.c || a->planar != b->planar)
        return yc_err(err, "mixup: images differ in size (%dx%d and %dx%d)", a->img.w, a->img.h, b->img.w, b->img.h);
    size_t n = yc_image_bytes(&a->img);
    double q = 1 - r;
    for (size_t i = 0; i < n; i++) {
        double v = a->img.data[i] * r + b->img.data[i] * q;
        a->img.data[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    for (int i = 0; i < b->n; i++) {
        const float *p = b->xyxy + 4 * i;
        if (yc_sample_add_box(a, b->cls[i], p[0], p[1], p[2], p[3])) return yc_err(err, "out of memory");
    }
    return 0;
}

void yc_sample_hsv(YcSample *s, const double r[3]) {
    if (s->planar) {
        if (s->img.c == 3) yc_hsv_apply_planar(s->img.data, s->img.h, s->img.w, r);
    } else {
        yc_hsv_apply(&s->img, r);
    }
}

void yc_sample_flip_lr(YcSample *s) {
    if (s->planar) yc_flip_lr_planar(s->img.data, s->img.h, s->img.w, s->img.c);
    else yc_flip_lr(&s->img);
    float w = (float)s->img.w;
    for (int b = 0; b < s->n; b++) {
        float *p = s->xyxy + 4 * b;
        float x1 = p[0];
        p[0] = w - p[2];
        p[2] = w - x1;
    }
}

void yc_sample_flip_ud(YcSample *s) {
    if (s->planar) yc_flip_ud_planar(s->img.data, s->img.h, s->img.w, s->img.c);
    else yc_flip_ud(&s->img);
    float h = (float)s->img.h;
    for (int b = 0; b < s->n; b++) {
        float *p = s->xyxy + 4 * b;
        float y1 = p[1];
        p[1] = h - p[3];
        p[3] = h - y1;
    }
}

int yc_sample_letterbox_canvas(YcSample *s, int new_h, int new_w, bool scaleup, YcLetterbox *lb, YcCanvas *c,
                               YcErr *err) {
    if (s->planar || s->img.c != 3) return yc_err(err, "letterbox: expected an interleaved 3-channel image");
    yc_letterbox_plan(s->img.h, s->img.w, new_h, new_w, scaleup, true, lb);
    if (lb->unpad_h <= 0 || lb->unpad_w <= 0)
        return yc_err(err, "letterbox: image shrinks to nothing (%dx%d)", lb->unpad_w, lb->unpad_h);
    if (lb->unpad_h != s->img.h || lb->unpad_w != s->img.w) {
        YcImage resized;
        if (yc_image_alloc(&resized, lb->unpad_h, lb->unpad_w, 3, err)) return -1;
        yc_resize_linear(&s->img, &resized);
        set_image(s, resized);
    }
    memset(c, 0, sizeof *c);
    c->w = lb->left + lb->unpad_w + lb->right;
    c->h = lb->top + lb->unpad_h + lb->bottom;
    c->fill = 114;
    c->nparts = 1;
    c->part[0] = (YcCanvasPart){lb->left, lb->top, lb->left + lb->unpad_w, lb->top + lb->unpad_h, s->img.data, s->img.w * 3};
    float r = (float)lb->ratio, left = (float)lb->left, top = (float)lb->top;
    for (int b = 0; b < s->n; b++) {
        float *p = s->xyxy + 4 * b;
        p[0] = p[0] * r + left;
        p[1] = p[1] * r + top;
        p[2] = p[2] * r + left;
        p[3] = p[3] * r + top;
    }
    return 0;
}

int yc_sample_letterbox(YcSample *s, int new_h, int new_w, bool scaleup, YcLetterbox *lb, YcErr *err) {
    if (s->planar) return yc_err(err, "letterbox: expected an interleaved image");
    yc_letterbox_plan(s->img.h, s->img.w, new_h, new_w, scaleup, true, lb);
    YcImage out;
    if (yc_letterbox_apply(&s->img, lb, 114, &out, err)) return -1;
    set_image(s, out);
    float r = (float)lb->ratio, left = (float)lb->left, top = (float)lb->top;
    for (int b = 0; b < s->n; b++) {
        float *p = s->xyxy + 4 * b;
        p[0] = p[0] * r + left;
        p[1] = p[1] * r + top;
        p[2] = p[2] * r + left;
        p[3] = p[3] * r + top;
    }
    return 0;
}
