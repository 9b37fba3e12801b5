// Activations on the GPU: SiLU, sigmoid, and the row softmax of attention
// (one warp per row), in the CPU backend's formulas.
#include "cuda_internal.h"

__global__ void k_silu(int64_t n, const float *x, float *y) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        y[i] = x[i] / (1.0f + expf(-x[i]));
}

__global__ void k_silu_backward(int64_t n, const float *x, const float *dy, float *dx, bool accumulate) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        float s = 1.0f / (1.0f + expf(-x[i]));
        float g = dy[i] * s * (1.0f + x[i] * (1.0f - s));
        dx[i] = accumulate ? dx[i] + g : g;
    }
}

__global__ void k_sigmoid(int64_t n, const float *x, float *y) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        y[i] = 1.0f / (1.0f + expf(-x[i]));
}

void cuda_silu_forward(YcBackend *be, size_t n, const float *x, float *y) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    k_silu<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>((int64_t)n, x, y);
    launch_ok(c, "k_silu", "silu_forward");
}

void cuda_silu_backward(YcBackend *be, size_t n, const float *x, const float *dy, float *dx, bool accumulate) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    k_silu_backward<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>((int64_t)n, x, dy, dx, accumulate);
    launch_ok(c, "k_silu_backward", "silu_backward");
}

void cuda_sigmoid_forward(YcBackend *be, size_t n, const float *x, float *y) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    k_sigmoid<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>((int64_t)n, x, y);
    launch_ok(c, "k_sigmoid", "sigmoid_forward");
}

static __device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

static __device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

#define ROWS_PER_BLOCK 8

// One warp per row; each lane only ever touches its own columns, so y may alias x.
__global__ void k_softmax(int64_t rows, int cols, const float *x, float *y) {
    int64_t r = blockIdx.x * (int64_t)ROWS_PER_BLOCK + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    float m = -INFINITY;
    for (int i = lane; i < cols; i += 32) m = fmaxf(m, xr[i]);
    m = warp_max(m);
    float sum = 0;
    for (int i = lane; i < cols; i += 32) {
        float e = expf(xr[i] - m);
        yr[i] = e;
        sum += e;
    }
    float inv = 1.0f / warp_sum(sum);
    for (int i = lane; i < cols; i += 32) yr[i] *= inv;
}

__global__ void k_softmax_backward(int64_t rows, int cols, const float *y, const float *dy, float *dx, bool accumulate) {
    int64_t r = blockIdx.x * (int64_t)ROWS_PER_BLOCK + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float *yr = y + r * cols, *gr = dy + r * cols;
    float *d = dx + r * cols;
    float dot = 0;
    for (int i = lane; i < cols; i += 32) dot += gr[i] * yr[i];
    dot = warp_sum(dot);
    for (int i = lane; i < cols; i += 32) {
        float g = yr[i] * (gr[i] - dot);
        d[i] = accumulate ? d[i] + g : g;
    }
}

void cuda_softmax_forward(YcBackend *be, int64_t rows, int cols, const float *x, float *y) {
    CudaImpl *c = cuda_impl(be);
    if (rows <= 0 || cols <= 0) return;
    unsigned blocks = (unsigned)((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
    k_softmax<<<blocks, 32 * ROWS_PER_BLOCK, 0, c->stream>>>(rows, cols, x, y);
    launch_ok(c, "k_softmax", "softmax_forward");
}

void cuda_softmax_backward(YcBackend *be, int64_t rows, int cols, const float *y, const float *dy, float *dx,
                           bool accumulate) {
    CudaImpl *c = cuda_impl(be);
    if (rows <= 0 || cols <= 0) return;
    unsigned blocks = (unsigned)((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
    k_softmax_backward<<<blocks, 32 * ROWS_PER_BLOCK, 0, c->stream>>>(rows, cols, y, dy, dx, accumulate);
    launch_ok(c, "k_softmax_backward", "softmax_backward");
}
