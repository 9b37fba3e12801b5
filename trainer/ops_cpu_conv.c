/* CPU matrix products and convolutions. A convolution is im2col + OpenBLAS
 * sgemm per image (1x1 stride-1 convolutions skip im2col: the input already is
 * the column matrix); depthwise convolutions (one input and one output
 * channel per group) use direct loops, where a GEMM would be 1 x k^2. */
#include <cblas.h>
#include <string.h>

#include "ops_cpu.h"

void yc_cpu_gemm(YcBackend *be, bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
                 int64_t stride_c, int batch) {
    (void)be;
    for (int i = 0; i < batch; i++)
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                    alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc);
}

static bool is_pointwise(const YcConvShape *s) {
    return s->kh == 1 && s->kw == 1 && s->stride_h == 1 && s->stride_w == 1 && s->pad_h == 0 && s->pad_w == 0;
}

static bool is_depthwise(const YcConvShape *s) { return s->groups == s->c_in && s->c_out == s->c_in && s->groups > 1; }

size_t yc_cpu_conv2d_workspace(YcBackend *be, const YcConvShape *s) {
    (void)be;
    if (is_pointwise(s) || is_depthwise(s)) return 0;
    return (size_t)s->c_in * s->kh * s->kw * s->h_out * s->w_out * sizeof(float);
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

static void im2col_task(void *ctx, int64_t c0, int64_t c1) {
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

static void col2im_task(void *ctx, int64_t c0, int64_t c1) {
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

static void dw_forward_task(void *ctx, int64_t p0, int64_t p1) {
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
static void dw_backward_task(void *ctx, int64_t c0, int64_t c1) {
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

static void bias_add_task(void *ctx, int64_t p0, int64_t p1) {
    BiasJob *j = ctx;
    int64_t hw = (int64_t)j->s->h_out * j->s->w_out;
    for (int64_t p = p0; p < p1; p++) {
        float b = j->bias[p % j->s->c_out];
        float *yp = j->y + p * hw;
        for (int64_t i = 0; i < hw; i++) yp[i] += b;
    }
}

static void bias_grad_task(void *ctx, int64_t c0, int64_t c1) {
    BiasJob *j = ctx;
    int64_t hw = (int64_t)j->s->h_out * j->s->w_out;
    for (int64_t c = c0; c < c1; c++) {
        double sum = 0;
        for (int b = 0; b < j->s->batch; b++) {
            const float *g = j->dy + ((int64_t)b * j->s->c_out + c) * hw;
            float acc = 0;
            for (int64_t i = 0; i < hw; i++) acc += g[i];
            sum += acc;
        }
        j->dbias[c] += (float)sum;
    }
}

/* ---- forward / backward ---- */

void yc_cpu_conv2d_forward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *bias,
                           float *y, void *ws) {
    YcCpuThreads *t = yc_cpu_threads_of(be);
    int64_t hw_in = (int64_t)s->h_in * s->w_in, hw_out = (int64_t)s->h_out * s->w_out;
    if (is_depthwise(s)) {
        DwJob j = {.s = s, .x = x, .w = w, .bias = bias, .y = y};
        yc_cpu_parallel_for(t, (int64_t)s->batch * s->c_in, 1, dw_forward_task, &j);
        return;
    }
    int g = s->groups, cin_g = s->c_in / g, cout_g = s->c_out / g;
    int k = cin_g * s->kh * s->kw;
    for (int b = 0; b < s->batch; b++) {
        const float *xb = x + (int64_t)b * s->c_in * hw_in;
        float *yb = y + (int64_t)b * s->c_out * hw_out;
        const float *col = xb;
        if (!is_pointwise(s)) {
            im2col(be, s, xb, ws);
            col = ws;
        }
        yc_cpu_gemm(be, false, false, cout_g, (int)hw_out, k, 1.0f, w, k, (int64_t)cout_g * k, col, (int)hw_out,
                    (int64_t)k * hw_out, 0.0f, yb, (int)hw_out, (int64_t)cout_g * hw_out, g);
    }
    if (bias) {
        BiasJob j = {.s = s, .bias = bias, .y = y};
        yc_cpu_parallel_for(t, (int64_t)s->batch * s->c_out, 1 + 16384 / (hw_out + 1), bias_add_task, &j);
    }
}

void yc_cpu_conv2d_backward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *dy,
                            float *dx, bool accumulate, float *dw, float *dbias, void *ws) {
    YcCpuThreads *t = yc_cpu_threads_of(be);
    int64_t hw_in = (int64_t)s->h_in * s->w_in, hw_out = (int64_t)s->h_out * s->w_out;
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
    int g = s->groups, cin_g = s->c_in / g, cout_g = s->c_out / g;
    int k = cin_g * s->kh * s->kw;
    bool pointwise = is_pointwise(s);
    for (int b = 0; b < s->batch; b++) {
        const float *xb = x + (int64_t)b * s->c_in * hw_in;
        const float *dyb = dy + (int64_t)b * s->c_out * hw_out;
        if (dw) {
            const float *col = xb;
            if (!pointwise) {
                im2col(be, s, xb, ws);
                col = ws;
            }
            /* dW_g += dY_g [cout_g, hw] . col_g^T [hw, k] */
            yc_cpu_gemm(be, false, true, cout_g, k, (int)hw_out, 1.0f, dyb, (int)hw_out, (int64_t)cout_g * hw_out, col,
                        (int)hw_out, (int64_t)k * hw_out, 1.0f, dw, k, (int64_t)cout_g * k, g);
        }
        if (dx) {
            float *dxb = dx + (int64_t)b * s->c_in * hw_in;
            /* dcol_g [k, hw] = W_g^T [k, cout_g] . dY_g [cout_g, hw] */
            if (pointwise) {
                yc_cpu_gemm(be, true, false, k, (int)hw_out, cout_g, 1.0f, w, k, (int64_t)cout_g * k, dyb, (int)hw_out,
                            (int64_t)cout_g * hw_out, accumulate ? 1.0f : 0.0f, dxb, (int)hw_out, (int64_t)k * hw_out,
                            g);
            } else {
                yc_cpu_gemm(be, true, false, k, (int)hw_out, cout_g, 1.0f, w, k, (int64_t)cout_g * k, dyb, (int)hw_out,
                            (int64_t)cout_g * hw_out, 0.0f, ws, (int)hw_out, (int64_t)k * hw_out, g);
                if (!accumulate) yc_cpu_fill(be, dxb, (size_t)(s->c_in * hw_in), 0.0f);
                col2im(be, s, ws, dxb);
            }
        }
    }
}
