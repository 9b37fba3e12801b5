// Max pooling (stride 1, "same" padding) and nearest x2 upsampling on the GPU.
// The pooling backward is a gather, not a scatter: a first pass finds each
// output's source (the first position in its window, row-major, holding the
// maximum, as torch and the CPU backend choose), a second pass lets every
// input add up the outputs that chose it, in output order. No atomics: the
// result is the CPU backend's, bit for bit, independent of timing.
#include "cuda_internal.h"

__global__ void k_maxpool(int64_t planes, int h, int w, int k, int pad, const float *x, float *y) {
    int64_t total = planes * h * w;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t p = i / ((int64_t)h * w);
        int rest = (int)(i % ((int64_t)h * w)), oh = rest / w, ow = rest % w;
        int ih0 = max(oh - pad, 0), ih1 = min(oh - pad + k, h), iw0 = max(ow - pad, 0), iw1 = min(ow - pad + k, w);
        const float *xp = x + p * h * w;
        float m = xp[ih0 * w + iw0];
        for (int ih = ih0; ih < ih1; ih++)
            for (int iw = iw0; iw < iw1; iw++) {
                float v = xp[ih * w + iw];
                if (v > m) m = v;
            }
        y[i] = m;
    }
}

void cuda_maxpool_forward(YcBackend *be, const YcPoolShape *s, const float *x, float *y) {
    CudaImpl *c = cuda_impl(be);
    int64_t total = s->planes * s->h * s->w;
    if (total <= 0) return;
    k_maxpool<<<grid_for(c, total, YC_THREADS), YC_THREADS, 0, c->stream>>>(s->planes, s->h, s->w, s->k, s->pad, x, y);
    launch_ok(c, "k_maxpool", "maxpool_forward");
}

// src[o] = position (within the plane) of the first element of o's window equal to y[o]; -1 if none (NaN).
__global__ void k_maxpool_source(int64_t planes, int h, int w, int k, int pad, const float *x, const float *y, int *src) {
    int64_t total = planes * h * w;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t p = i / ((int64_t)h * w);
        int rest = (int)(i % ((int64_t)h * w)), oh = rest / w, ow = rest % w;
        int ih0 = max(oh - pad, 0), ih1 = min(oh - pad + k, h), iw0 = max(ow - pad, 0), iw1 = min(ow - pad + k, w);
        const float *xp = x + p * h * w;
        float m = y[i];
        int at = -1;
        for (int ih = ih0; ih < ih1 && at < 0; ih++)
            for (int iw = iw0; iw < iw1; iw++)
                if (xp[ih * w + iw] == m) {
                    at = ih * w + iw;
                    break;
                }
        src[i] = at;
    }
}

// dx[i] (= or +=) the dy of the outputs whose source is i, taken in output (row-major) order.
__global__ void k_maxpool_gather(int64_t planes, int h, int w, int k, int pad, const int *src, const float *dy,
                                 float *dx, bool accumulate) {
    int64_t total = planes * h * w;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t p = i / ((int64_t)h * w);
        int at = (int)(i % ((int64_t)h * w)), ih = at / w, iw = at % w;
        // outputs whose window [o - pad, o - pad + k) holds this input
        int oh0 = max(ih + pad - k + 1, 0), oh1 = min(ih + pad + 1, h);
        int ow0 = max(iw + pad - k + 1, 0), ow1 = min(iw + pad + 1, w);
        const int *sp = src + p * h * w;
        const float *gp = dy + p * h * w;
        float v = accumulate ? dx[i] : 0.0f;
        for (int oh = oh0; oh < oh1; oh++)
            for (int ow = ow0; ow < ow1; ow++)
                if (sp[oh * w + ow] == at) v += gp[oh * w + ow];
        dx[i] = v;
    }
}

void cuda_maxpool_backward(YcBackend *be, const YcPoolShape *s, const float *x, const float *y, const float *dy,
                           float *dx, bool accumulate) {
    CudaImpl *c = cuda_impl(be);
    int64_t total = s->planes * s->h * s->w;
    if (total <= 0) return;
    int *src = (int *)cuda_scratch(c, (size_t)total * sizeof(int), "maxpool_backward");
    if (!src) return;
    unsigned blocks = grid_for(c, total, YC_THREADS);
    k_maxpool_source<<<blocks, YC_THREADS, 0, c->stream>>>(s->planes, s->h, s->w, s->k, s->pad, x, y, src);
    launch_ok(c, "k_maxpool_source", "maxpool_backward");
    k_maxpool_gather<<<blocks, YC_THREADS, 0, c->stream>>>(s->planes, s->h, s->w, s->k, s->pad, src, dy, dx, accumulate);
    launch_ok(c, "k_maxpool_gather", "maxpool_backward");
}

__global__ void k_upsample(int64_t planes, int h, int w, const float *x, float *y) {
    int64_t total = planes * 4 * h * w;
    int w2 = 2 * w;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t p = i / (4 * (int64_t)h * w);
        int rest = (int)(i % (4 * (int64_t)h * w)), oy = rest / w2, ox = rest % w2;
        y[i] = x[p * h * w + (oy >> 1) * w + (ox >> 1)];
    }
}

__global__ void k_upsample_backward(int64_t planes, int h, int w, const float *dy, float *dx, bool accumulate) {
    int64_t total = planes * h * w;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t p = i / ((int64_t)h * w);
        int rest = (int)(i % ((int64_t)h * w)), r = rest / w, k = rest % w;
        const float *r0 = dy + p * 4 * h * w + (int64_t)(2 * r) * 2 * w, *r1 = r0 + 2 * w;
        float v = (r0[2 * k] + r0[2 * k + 1]) + (r1[2 * k] + r1[2 * k + 1]);
        dx[i] = accumulate ? dx[i] + v : v;
    }
}

void cuda_upsample2x_forward(YcBackend *be, int64_t planes, int h, int w, const float *x, float *y) {
    CudaImpl *c = cuda_impl(be);
    int64_t total = planes * 4 * h * w;
    if (total <= 0) return;
    k_upsample<<<grid_for(c, total, YC_THREADS), YC_THREADS, 0, c->stream>>>(planes, h, w, x, y);
    launch_ok(c, "k_upsample", "upsample2x_forward");
}

void cuda_upsample2x_backward(YcBackend *be, int64_t planes, int h, int w, const float *dy, float *dx, bool accumulate) {
    CudaImpl *c = cuda_impl(be);
    int64_t total = planes * h * w;
    if (total <= 0) return;
    k_upsample_backward<<<grid_for(c, total, YC_THREADS), YC_THREADS, 0, c->stream>>>(planes, h, w, dy, dx, accumulate);
    launch_ok(c, "k_upsample_backward", "upsample2x_backward");
}
