// Detection-head operations on the GPU: the DFL expectation and its
// backward, and the evaluation decode. One thread per (image, side, anchor)
// or (image, anchor); anchors are contiguous, so neighbouring threads read
// neighbouring values of each bin.
#include "cuda_internal.h"

#define MAX_BINS 64

// Softmax over the bins of one side (stride `anchors` between bins): p[k] and the expectation.
// BINS > 0: the bin count is known at compile time (16, the models' reg_max), so the loops
// unroll and p stays in registers; BINS == 0: reg_max bins, up to MAX_BINS.
template <int BINS>
static __device__ __forceinline__ float side_softmax(const float *xs, int64_t anchors, int reg_max, float *p) {
    const int r = BINS > 0 ? BINS : reg_max;
    float m = xs[0];
#pragma unroll
    for (int k = 1; k < r; k++) m = fmaxf(m, xs[k * anchors]);
    float sum = 0;
#pragma unroll
    for (int k = 0; k < r; k++) {
        p[k] = expf(xs[k * anchors] - m);
        sum += p[k];
    }
    float inv = 1.0f / sum, e = 0;
#pragma unroll
    for (int k = 0; k < r; k++) {
        p[k] *= inv;
        e += (float)k * p[k];
    }
    return e;
}

template <int BINS>
__global__ void k_dfl(int batch, int channels, int64_t anchors, int reg_max, const float *x, float *out) {
    int64_t total = (int64_t)batch * 4 * anchors;
    float p[BINS > 0 ? BINS : MAX_BINS];
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t a = i % anchors, bs = i / anchors;
        int side = (int)(bs % 4), b = (int)(bs / 4);
        const float *xs = x + ((int64_t)b * channels + (int64_t)side * reg_max) * anchors + a;
        out[i] = side_softmax<BINS>(xs, anchors, reg_max, p);
    }
}

template <int BINS>
__global__ void k_dfl_backward(int batch, int channels, int64_t anchors, int reg_max, const float *x, const float *dout,
                               float *dx, bool accumulate) {
    int64_t total = (int64_t)batch * 4 * anchors;
    float p[BINS > 0 ? BINS : MAX_BINS];
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t a = i % anchors, bs = i / anchors;
        int side = (int)(bs % 4), b = (int)(bs / 4);
        int64_t off = ((int64_t)b * channels + (int64_t)side * reg_max) * anchors + a;
        float e = side_softmax<BINS>(x + off, anchors, reg_max, p), g = dout[i];
        const int r = BINS > 0 ? BINS : reg_max;
#pragma unroll
        for (int k = 0; k < r; k++) {
            float v = g * p[k] * ((float)k - e);
            float *d = dx + off + k * anchors;
            *d = accumulate ? *d + v : v;
        }
    }
}

static bool bins_ok(CudaImpl *c, int reg_max, const char *op) {
    if (reg_max >= 1 && reg_max <= MAX_BINS) return true;
    cuda_fail(c, op, "reg_max outside 1..64");
    return false;
}

void cuda_dfl_forward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x, float *out) {
    CudaImpl *c = cuda_impl(be);
    int64_t total = (int64_t)batch * 4 * anchors;
    if (total <= 0 || !bins_ok(c, reg_max, "dfl_forward")) return;
    unsigned blocks = grid_for(c, total, YC_THREADS);
    if (reg_max == 16) k_dfl<16><<<blocks, YC_THREADS, 0, c->stream>>>(batch, x_channels, anchors, reg_max, x, out);
    else k_dfl<0><<<blocks, YC_THREADS, 0, c->stream>>>(batch, x_channels, anchors, reg_max, x, out);
    launch_ok(c, "k_dfl", "dfl_forward");
}

void cuda_dfl_backward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                       const float *dout, float *dx, bool accumulate) {
    CudaImpl *c = cuda_impl(be);
    int64_t total = (int64_t)batch * 4 * anchors;
    if (total <= 0 || !bins_ok(c, reg_max, "dfl_backward")) return;
    unsigned blocks = grid_for(c, total, YC_THREADS);
    if (reg_max == 16)
        k_dfl_backward<16><<<blocks, YC_THREADS, 0, c->stream>>>(batch, x_channels, anchors, reg_max, x, dout, dx, accumulate);
    else
        k_dfl_backward<0><<<blocks, YC_THREADS, 0, c->stream>>>(batch, x_channels, anchors, reg_max, x, dout, dx, accumulate);
    launch_ok(c, "k_dfl_backward", "dfl_backward");
}

template <int BINS>
__global__ void k_decode(int batch, int nc, int reg_max, int64_t anchors, const float *x, const float *anchor_xy,
                         const float *stride, float *out) {
    int channels = 4 * reg_max + nc;
    int64_t total = (int64_t)batch * anchors;
    float p[BINS > 0 ? BINS : MAX_BINS];
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t a = i % anchors;
        int b = (int)(i / anchors);
        const float *xb = x + (int64_t)b * channels * anchors + a;
        float dist[4];
#pragma unroll
        for (int side = 0; side < 4; side++) dist[side] = side_softmax<BINS>(xb + (int64_t)side * reg_max * anchors, anchors, reg_max, p);
        float ax = anchor_xy[a], ay = anchor_xy[anchors + a], st = stride[a];
        float x1 = ax - dist[0], y1 = ay - dist[1], x2 = ax + dist[2], y2 = ay + dist[3];
        float *o = out + (int64_t)b * (4 + nc) * anchors + a;
        o[0] = (x1 + x2) / 2 * st;
        o[anchors] = (y1 + y2) / 2 * st;
        o[2 * anchors] = (x2 - x1) * st;
        o[3 * anchors] = (y2 - y1) * st;
        for (int k = 0; k < nc; k++) {
            float v = xb[(int64_t)(4 * reg_max + k) * anchors];
            o[(int64_t)(4 + k) * anchors] = 1.0f / (1.0f + expf(-v));
        }
    }
}

void cuda_detect_decode(YcBackend *be, int batch, int nc, int reg_max, int64_t anchors, const float *x,
                        const float *anchor_xy, const float *stride, float *out) {
    CudaImpl *c = cuda_impl(be);
    int64_t total = (int64_t)batch * anchors;
    if (total <= 0 || !bins_ok(c, reg_max, "detect_decode")) return;
    unsigned blocks = grid_for(c, total, YC_THREADS);
    if (reg_max == 16)
        k_decode<16><<<blocks, YC_THREADS, 0, c->stream>>>(batch, nc, reg_max, anchors, x, anchor_xy, stride, out);
    else
        k_decode<0><<<blocks, YC_THREADS, 0, c->stream>>>(batch, nc, reg_max, anchors, x, anchor_xy, stride, out);
    launch_ok(c, "k_decode", "detect_decode");
}
