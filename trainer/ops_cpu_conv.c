/* CPU matrix products and convolutions. A convolution is im2col + OpenBLAS
 * sgemm per image (1x1 stride-1 convolutions skip im2col: the input already is
 * the column matrix); depthwise convolutions (one input and one output
 * channel per group) use direct loops, where a GEMM would be 1 x k^2.
 *
 * Threads: with two or more images, the images are split among the workers,
 * each running single-threaded OpenBLAS on its own workspace slice (and, in
 * backward, its own weight-gradient partial sum, added up at the end). One
 * synchronisation per convolution instead of one per GEMM: OpenBLAS's own
 * threads spin between calls, which costs dearly on a shared machine. A
 * single image lends OpenBLAS all threads instead. */
#include <cblas.h>
#include <string.h>

#include "ops_cpu.h"
#include "ops_cpu_math.h"

static void sgemm1(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                alpha, a, lda, b, ldb, beta, c, ldc);
}

typedef struct GemmJob {
    bool ta, tb;
    int m, n, k, lda, ldb, ldc, batch, parts;
    float alpha, beta;
    const float *a, *b;
    float *c;
    int64_t sa, sb, sc;
} GemmJob;

static void gemm_task(void *ctx, int64_t p, int64_t p_end) {
    (void)p_end;
    GemmJob *j = ctx;
    int lo = (int)(j->batch * p / j->parts), hi = (int)(j->batch * (p + 1) / j->parts);
    for (int i = lo; i < hi; i++)
        sgemm1(j->ta, j->tb, j->m, j->n, j->k, j->alpha, j->a + i * j->sa, j->lda, j->b + i * j->sb, j->ldb, j->beta,
               j->c + i * j->sc, j->ldc);
}

void yc_cpu_gemm(YcBackend *be, bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
                 int64_t stride_c, int batch) {
    YcCpuThreads *t = yc_cpu_threads_of(be);
    int threads = yc_cpu_threads_count(t);
    if (batch <= 0) return;
    if (batch == 1 || threads == 1) {
        if (threads > 1) yc_cpu_blas_threads(threads);
        for (int i = 0; i < batch; i++)
            sgemm1(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
                   c + i * stride_c, ldc);
        if (threads > 1) yc_cpu_blas_threads(1);
        return;
    }
    GemmJob j = {trans_a, trans_b, m, n, k, lda, ldb, ldc, batch, batch < threads ? batch : threads,
                 alpha, beta, a, b, c, stride_a, stride_b, stride_c};
    yc_cpu_parallel_parts(t, j.parts, gemm_task, &j);
}

static bool is_pointwise(const YcConvShape *s) {
    return s->kh == 1 && s->kw == 1 && s->stride_h == 1 && s->stride_w == 1 && s->pad_h == 0 && s->pad_w == 0;
}

static bool is_depthwise(const YcConvShape *s) { return s->groups == s->c_in && s->c_out == s->c_in && s->groups > 1; }

/* Workers that split a convolution's images: at most one per image. */
static int image_parts(YcBackend *be, const YcConvShape *s) {
    int threads = yc_cpu_threads_count(yc_cpu_threads_of(be));
    return s->batch < threads ? s->batch : threads;
}

static size_t col_floats(const YcConvShape *s) {
    return (size_t)s->c_in * s->kh * s->kw * s->h_out * s->w_out;
}

static size_t weight_floats(const YcConvShape *s) {
    return (size_t)s->c_out * (s->c_in / s->groups) * s->kh * s->kw;
}

/* Per worker: an im2col buffer (unless pointwise); workers after the first
 * also keep a weight-gradient partial sum. */
size_t yc_cpu_conv2d_workspace(YcBackend *be, const YcConvShape *s) {
    if (is_depthwise(s)) return 0;
    size_t parts = (size_t)image_parts(be, s);
    size_t col = is_pointwise(s) ? 0 : col_floats(s);
    return (parts * col + (parts - 1) * weight_floats(s)) * sizeof(float);
}

/* The valid output range [lo, hi) along one axis for kernel offset `off`:
 * the outputs o whose input o*stride - pad + off lies in [0, size). */
static void valid_range(int out, int size, int stride, int pad, int off, int *lo, int *hi) {
    int l = pad - off > 0 ? (pad - off + stride - 1) / stride : 0;
    int h = (size - 1 + pad - off) >= 0 ? (size - 1 + pad - off) / stride + 1 : 0;
    if (h > out) h = out;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

typedef struct ColJob {
    const YcConvShape *s;
    const float *x; /* one image [c_in, h, w] */
    float *col;     /* [c_in * kh * kw, h_out * w_out] */
    float *dx;      /* col2im target, one image */
} ColJob;

YC_HOT static void im2col_task(void *ctx, int64_t c0, int64_t c1) {
    ColJob *j = ctx;
    const YcConvShape *s = j->s;
    int ho = s->h_out, wo = s->w_out, h = s->h_in, w = s->w_in;
    for (int64_t c = c0; c < c1; c++) {
        const float *xc = j->x + c * h * w;
        for (int ki = 0; ki < s->kh; ki++)
            for (int kj = 0; kj < s->kw; kj++) {
                float *row = j->col + ((c * s->kh + ki) * s->kw + kj) * (int64_t)ho * wo;
                int lo, hi;
                valid_range(wo, w, s->stride_w, s->pad_w, kj, &lo, &hi);
                for (int oh = 0; oh < ho; oh++) {
                    float *dst = row + (int64_t)oh * wo;
                    int ih = oh * s->stride_h - s->pad_h + ki;
                    if (ih < 0 || ih >= h) {
                        memset(dst, 0, (size_t)wo * sizeof(float));
                        continue;
                    }
                    const float *src = xc + (int64_t)ih * w - s->pad_w + kj;
                    for (int ow = 0; ow < lo; ow++) dst[ow] = 0;
                    if (s->stride_w == 1)
                        memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(float));
                    else
                        for (int ow = lo; ow < hi; ow++) dst[ow] = src[ow * s->stride_w];
                    for (int ow = hi; ow < wo; ow++) dst[ow] = 0;
                }
            }
    }
}

YC_HOT static void col2im_task(void *ctx, int64_t c0, int64_t c1) {
    ColJob *j = ctx;
    const YcConvShape *s = j->s;
    int ho = s->h_out, wo = s->w_out, h = s->h_in, w = s->w_in;
    for (int64_t c = c0; c < c1; c++) {
        float *dxc = j->dx + c * h * w;
        for (int ki = 0; ki < s->kh; ki++)
            for (int kj = 0; kj < s->kw; kj++) {
                const float *row = j->col + ((c * s->kh + ki) * s->kw + kj) * (int64_t)ho * wo;
                int lo, hi;
                valid_range(wo, w, s->stride_w, s->pad_w, kj, &lo, &hi);
                for (int oh = 0; oh < ho; oh++) {
                    int ih = oh * s->stride_h - s->pad_h + ki;
                    if (ih < 0 || ih >= h) continue;
                    const float *src = row + (int64_t)oh * wo;
                    float *dst = dxc + (int64_t)ih * w - s->pad_w + kj;
                    if (s->stride_w == 1)
                        for (int ow = lo; ow < hi; ow++) dst[ow] += src[ow];
                    else
                        for (int ow = lo; ow < hi; ow++) dst[ow * s->stride_w] += src[ow];
                }
            }
    }
}

static void im2col(YcBackend *be, const YcConvShape *s, const float *x, float *col) {
    ColJob j = {.s = s, .x = x, .col = col};
    int64_t per_channel = (int64_t)s->kh * s->kw * s->h_out * s->w_out;
    yc_cpu_parallel_for(yc_cpu_threads_of(be), s->c_in, per_channel >= 16384 ? 1 : 16384 / (per_channel + 1) + 1,
                        im2col_task, &j);
}

static void col2im(YcBackend *be, const YcConvShape *s, const float *col, float *dx) {
    ColJob j = {.s = s, .col = (float *)col, .dx = dx};
    int64_t per_channel = (int64_t)s->kh * s->kw * s->h_out * s->w_out;
    yc_cpu_parallel_for(yc_cpu_threads_of(be), s->c_in, per_channel >= 16384 ? 1 : 16384 / (per_channel + 1) + 1,
                        col2im_task, &j);
}

/* ---- depthwise: one channel in, one out per group ---- */

typedef struct DwJob {
    const YcConvShape *s;
    const float *x, *w, *bias, *dy;
    float *y, *dx, *dw;
    bool accumulate;
} DwJob;

YC_HOT static void dw_forward_task(void *ctx, int64_t p0, int64_t p1) {
    DwJob *j = ctx;
    const YcConvShape *s = j->s;
    int h = s->h_in, w = s->w_in, ho = s->h_out, wo = s->w_out;
    for (int64_t p = p0; p < p1; p++) {
        int c = (int)(p % s->c_in);
        const float *xp = j->x + p * h * w;
        const float *wc = j->w + (int64_t)c * s->kh * s->kw;
        float *yp = j->y + p * ho * wo;
        float b = j->bias ? j->bias[c] : 0.0f;
        for (int64_t i = 0; i < (int64_t)ho * wo; i++) yp[i] = b;
        for (int ki = 0; ki < s->kh; ki++)
            for (int kj = 0; kj < s->kw; kj++) {
                float wv = wc[ki * s->kw + kj];
                int lo, hi;
                valid_range(wo, w, s->stride_w, s->pad_w, kj, &lo, &hi);
                for (int oh = 0; oh < ho; oh++) {
                    int ih = oh * s->stride_h - s->pad_h + ki;
                    if (ih < 0 || ih >= h) continue;
                    const float *src = xp + (int64_t)ih * w - s->pad_w + kj;
                    float *dst = yp + (int64_t)oh * wo;
                    if (s->stride_w == 1)
                        for (int ow = lo; ow < hi; ow++) dst[ow] += wv * src[ow];
                    else
                        for (int ow = lo; ow < hi; ow++) dst[ow] += wv * src[ow * s->stride_w];
                }
            }
    }
}

/* Per channel (so that dw needs no reduction across threads): over the batch. */
YC_HOT static void dw_backward_task(void *ctx, int64_t c0, int64_t c1) {
    DwJob *j = ctx;
    const YcConvShape *s = j->s;
    int h = s->h_in, w = s->w_in, ho = s->h_out, wo = s->w_out;
    for (int64_t c = c0; c < c1; c++) {
        const float *wc = j->w + c * s->kh * s->kw;
        for (int b = 0; b < s->batch; b++) {
            int64_t p = (int64_t)b * s->c_in + c;
            const float *xp = j->x + p * h * w, *dyp = j->dy + p * ho * wo;
            float *dxp = j->dx ? j->dx + p * h * w : NULL;
            if (dxp && !j->accumulate) memset(dxp, 0, (size_t)h * w * sizeof(float));
            for (int ki = 0; ki < s->kh; ki++)
                for (int kj = 0; kj < s->kw; kj++) {
                    float wv = wc[ki * s->kw + kj];
                    double gsum = 0;
                    int lo, hi;
                    valid_range(wo, w, s->stride_w, s->pad_w, kj, &lo, &hi);
                    for (int oh = 0; oh < ho; oh++) {
                        int ih = oh * s->stride_h - s->pad_h + ki;
                        if (ih < 0 || ih >= h) continue;
                        int64_t off = (int64_t)ih * w - s->pad_w + kj;
                        const float *src = xp + off, *g = dyp + (int64_t)oh * wo;
                        if (j->dw) {
                            float acc = 0;
                            for (int ow = lo; ow < hi; ow++) acc += g[ow] * src[ow * s->stride_w];
                            gsum += acc;
                        }
                        if (dxp) {
                            float *dst = dxp + off;
                            for (int ow = lo; ow < hi; ow++) dst[ow * s->stride_w] += wv * g[ow];
                        }
                    }
                    if (j->dw) j->dw[c * s->kh * s->kw + ki * s->kw + kj] += (float)gsum;
                }
        }
    }
}

/* ---- bias ---- */

typedef struct BiasJob {
    const YcConvShape *s;
    const float *bias, *dy;
    float *y, *dbias;
} BiasJob;

YC_HOT static void bias_add_task(void *ctx, int64_t p0, int64_t p1) {
    BiasJob *j = ctx;
    int64_t hw = (int64_t)j->s->h_out * j->s->w_out;
    for (int64_t p = p0; p < p1; p++) {
        float b = j->bias[p % j->s->c_out];
        float *yp = j->y + p * hw;
        for (int64_t i = 0; i < hw; i++) yp[i] += b;
    }
}

YC_HOT static void bias_grad_task(void *ctx, int64_t c0, int64_t c1) {
    BiasJob *j = ctx;
    int64_t hw = (int64_t)j->s->h_out * j->s->w_out;
    for (int64_t c = c0; c < c1; c++) {
        double sum = 0;
        for (int b = 0; b < j->s->batch; b++) {
            const float *g = j->dy + ((int64_t)b * j->s->c_out + c) * hw;
            for (int64_t i0 = 0; i0 < hw; i0 += 256) sum += yc_sum8(g + i0, hw - i0 < 256 ? hw - i0 : 256);
        }
        j->dbias[c] += (float)sum;
    }
}

/* ---- forward / backward ---- */

/* One image: y_b = W col(x_b) (+ bias), on the calling thread. */
static void conv_forward_image(const YcConvShape *s, const float *xb, const float *w, const float *bias, float *yb,
                               float *col_ws) {
    int g = s->groups, cin_g = s->c_in / g, cout_g = s->c_out / g, k = cin_g * s->kh * s->kw;
    int64_t hw_out = (int64_t)s->h_out * s->w_out;
    const float *col = xb;
    if (!is_pointwise(s)) {
        ColJob cj = {.s = s, .x = xb, .col = col_ws};
        im2col_task(&cj, 0, s->c_in);
        col = col_ws;
    }
    for (int q = 0; q < g; q++)
        sgemm1(false, false, cout_g, (int)hw_out, k, 1.0f, w + (int64_t)q * cout_g * k, k, col + (int64_t)q * k * hw_out,
               (int)hw_out, 0.0f, yb + (int64_t)q * cout_g * hw_out, (int)hw_out);
    if (bias)
        for (int c = 0; c < s->c_out; c++) {
            float *yp = yb + c * hw_out;
            for (int64_t i = 0; i < hw_out; i++) yp[i] += bias[c];
        }
}

/* One image's backward on the calling thread: dw_acc += dY col^T; dx_b (= or +=) col2im(W^T dY). */
static void conv_backward_image(const YcConvShape *s, const float *xb, const float *w, const float *dyb, float *dxb,
                                bool accumulate, float *dw_acc, float *col_ws) {
    int g = s->groups, cin_g = s->c_in / g, cout_g = s->c_out / g, k = cin_g * s->kh * s->kw;
    int64_t hw_in = (int64_t)s->h_in * s->w_in, hw_out = (int64_t)s->h_out * s->w_out;
    bool pointwise = is_pointwise(s);
    if (dw_acc) {
        const float *col = xb;
        if (!pointwise) {
            ColJob cj = {.s = s, .x = xb, .col = col_ws};
            im2col_task(&cj, 0, s->c_in);
            col = col_ws;
        }
        for (int q = 0; q < g; q++)
            sgemm1(false, true, cout_g, k, (int)hw_out, 1.0f, dyb + (int64_t)q * cout_g * hw_out, (int)hw_out,
                   col + (int64_t)q * k * hw_out, (int)hw_out, 1.0f, dw_acc + (int64_t)q * cout_g * k, k);
    }
    if (!dxb) return;
    if (pointwise) {
        for (int q = 0; q < g; q++)
            sgemm1(true, false, k, (int)hw_out, cout_g, 1.0f, w + (int64_t)q * cout_g * k, k,
                   dyb + (int64_t)q * cout_g * hw_out, (int)hw_out, accumulate ? 1.0f : 0.0f,
                   dxb + (int64_t)q * k * hw_out, (int)hw_out);
        return;
    }
    for (int q = 0; q < g; q++)
        sgemm1(true, false, k, (int)hw_out, cout_g, 1.0f, w + (int64_t)q * cout_g * k, k,
               dyb + (int64_t)q * cout_g * hw_out, (int)hw_out, 0.0f, col_ws + (int64_t)q * k * hw_out, (int)hw_out);
    if (!accumulate) memset(dxb, 0, (size_t)(s->c_in * hw_in) * sizeof(float));
    ColJob cj = {.s = s, .col = col_ws, .dx = dxb};
    col2im_task(&cj, 0, s->c_in);
}

typedef struct ConvJob {
    const YcConvShape *s;
    const float *x, *w, *bias, *dy;
    float *y, *dx, *dw;
    bool accumulate;
    float *ws;
    int parts;
} ConvJob;

static float *part_col(const ConvJob *j, int64_t p) {
    return is_pointwise(j->s) ? NULL : j->ws + p * col_floats(j->s);
}

static float *part_dw(const ConvJob *j, int64_t p) {
    if (!j->dw) return NULL;
    if (p == 0) return j->dw;
    size_t cols = is_pointwise(j->s) ? 0 : (size_t)j->parts * col_floats(j->s);
    return j->ws + cols + (size_t)(p - 1) * weight_floats(j->s);
}

static void conv_forward_part(void *ctx, int64_t p, int64_t p_end) {
    (void)p_end;
    ConvJob *j = ctx;
    const YcConvShape *s = j->s;
    int64_t in = (int64_t)s->c_in * s->h_in * s->w_in, out = (int64_t)s->c_out * s->h_out * s->w_out;
    for (int64_t b = s->batch * p / j->parts; b < s->batch * (p + 1) / j->parts; b++)
        conv_forward_image(s, j->x + b * in, j->w, j->bias, j->y + b * out, part_col(j, p));
}

static void conv_backward_part(void *ctx, int64_t p, int64_t p_end) {
    (void)p_end;
    ConvJob *j = ctx;
    const YcConvShape *s = j->s;
    int64_t in = (int64_t)s->c_in * s->h_in * s->w_in, out = (int64_t)s->c_out * s->h_out * s->w_out;
    float *dw = part_dw(j, p);
    if (dw && p > 0) memset(dw, 0, weight_floats(s) * sizeof(float));
    for (int64_t b = s->batch * p / j->parts; b < s->batch * (p + 1) / j->parts; b++)
        conv_backward_image(s, j->x + b * in, j->w, j->dy + b * out, j->dx ? j->dx + b * in : NULL, j->accumulate, dw,
                            part_col(j, p));
}

void yc_cpu_conv2d_forward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *bias,
                           float *y, void *ws) {
    YcCpuThreads *t = yc_cpu_threads_of(be);
    if (is_depthwise(s)) {
        DwJob j = {.s = s, .x = x, .w = w, .bias = bias, .y = y};
        yc_cpu_parallel_for(t, (int64_t)s->batch * s->c_in, 1, dw_forward_task, &j);
        return;
    }
    ConvJob j = {.s = s, .x = x, .w = w, .bias = bias, .y = y, .ws = ws, .parts = image_parts(be, s)};
    if (j.parts > 1) {
        yc_cpu_parallel_parts(t, j.parts, conv_forward_part, &j);
        return;
    }
    /* one image: im2col split by channels, OpenBLAS with every thread */
    int threads = yc_cpu_threads_count(t);
    int g = s->groups, cin_g = s->c_in / g, cout_g = s->c_out / g, k = cin_g * s->kh * s->kw;
    int64_t in = (int64_t)s->c_in * s->h_in * s->w_in, out = (int64_t)s->c_out * s->h_out * s->w_out;
    int64_t hw_out = (int64_t)s->h_out * s->w_out;
    yc_cpu_blas_threads(threads);
    for (int b = 0; b < s->batch; b++) {
        const float *col = x + b * in;
        if (!is_pointwise(s)) {
            im2col(be, s, col, ws);
            col = ws;
        }
        for (int q = 0; q < g; q++)
            sgemm1(false, false, cout_g, (int)hw_out, k, 1.0f, w + (int64_t)q * cout_g * k, k,
                   col + (int64_t)q * k * hw_out, (int)hw_out, 0.0f, y + b * out + (int64_t)q * cout_g * hw_out,
                   (int)hw_out);
    }
    yc_cpu_blas_threads(1);
    if (bias) {
        BiasJob bj = {.s = s, .bias = bias, .y = y};
        yc_cpu_parallel_for(t, (int64_t)s->batch * s->c_out, 1 + 16384 / (hw_out + 1), bias_add_task, &bj);
    }
}

void yc_cpu_conv2d_backward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *dy,
                            float *dx, bool accumulate, float *dw, float *dbias, void *ws) {
    YcCpuThreads *t = yc_cpu_threads_of(be);
    if (dbias) {
        BiasJob j = {.s = s, .dy = dy, .dbias = dbias};
        yc_cpu_parallel_for(t, s->c_out, 1, bias_grad_task, &j);
    }
    if (is_depthwise(s)) {
        if (!dx && !dw) return;
        DwJob j = {.s = s, .x = x, .w = w, .dy = dy, .dx = dx, .dw = dw, .accumulate = accumulate};
        yc_cpu_parallel_for(t, s->c_in, 1, dw_backward_task, &j);
        return;
    }
    if (!dx && !dw) return;
    ConvJob j = {.s = s, .x = x, .w = w, .dy = dy, .dx = dx, .dw = dw, .accumulate = accumulate, .ws = ws,
                 .parts = image_parts(be, s)};
    if (j.parts > 1) {
        yc_cpu_parallel_parts(t, j.parts, conv_backward_part, &j);
        for (int p = 1; p < j.parts && dw; p++) yc_cpu_axpy(be, weight_floats(s), 1.0f, part_dw(&j, p), dw);
        return;
    }
    /* one image at a time: im2col/col2im split by channels, OpenBLAS with every thread */
    int g = s->groups, cin_g = s->c_in / g, cout_g = s->c_out / g, k = cin_g * s->kh * s->kw;
    int64_t in = (int64_t)s->c_in * s->h_in * s->w_in, out = (int64_t)s->c_out * s->h_out * s->w_out;
    int64_t hw_out = (int64_t)s->h_out * s->w_out;
    bool pointwise = is_pointwise(s);
    yc_cpu_blas_threads(yc_cpu_threads_count(t));
    for (int b = 0; b < s->batch; b++) {
        const float *xb = x + b * in, *dyb = dy + b * out;
        if (dw) {
            const float *col = xb;
            if (!pointwise) {
                im2col(be, s, xb, ws);
                col = ws;
            }
            for (int q = 0; q < g; q++)
                sgemm1(false, true, cout_g, k, (int)hw_out, 1.0f, dyb + (int64_t)q * cout_g * hw_out, (int)hw_out,
                       col + (int64_t)q * k * hw_out, (int)hw_out, 1.0f, dw + (int64_t)q * cout_g * k, k);
        }
        if (!dx) continue;
        float *dxb = dx + b * in, *dst = pointwise ? dxb : ws;
        for (int q = 0; q < g; q++)
            sgemm1(true, false, k, (int)hw_out, cout_g, 1.0f, w + (int64_t)q * cout_g * k, k,
                   dyb + (int64_t)q * cout_g * hw_out, (int)hw_out, pointwise && accumulate ? 1.0f : 0.0f,
                   dst + (int64_t)q * k * hw_out, (int)hw_out);
        if (pointwise) continue;
        if (!accumulate) yc_cpu_fill(be, dxb, (size_t)in, 0.0f);
        col2im(be, s, ws, dxb);
    }
    yc_cpu_blas_threads(1);
}
