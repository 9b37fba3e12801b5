// The boundary of the mixed-precision convolutions: float32 NCHW (the
// table's layout) to bfloat16/float16 NHWC (the layout cuDNN's tensor-core
// kernels prefer) and back. Each image is a [C, HW] matrix transposed in
// 32 x 32 tiles through shared memory, so that both the reads and the writes
// are coalesced; index maths in trainer/gpu_layout.h.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda_internal.h"

#include "gpu_layout.h"

#define TILE YC_LAYOUT_TILE
#define ROWS 8

static __device__ __forceinline__ void store(__nv_bfloat16 *p, float v) { *p = __float2bfloat16_rn(v); }
static __device__ __forceinline__ void store(__half *p, float v) { *p = __float2half_rn(v); }
static __device__ __forceinline__ float load(const __nv_bfloat16 *p) { return __bfloat162float(*p); }
static __device__ __forceinline__ float load(const __half *p) { return __half2float(*p); }

// grid (tiles over plane, tiles over channels, images); block (TILE, ROWS)
template <typename T>
__global__ void k_to_nhwc(const float *src, T *dst, int64_t channels, int64_t plane) {
    __shared__ float tile[TILE][TILE + 1];
    int64_t n = blockIdx.z, c0 = (int64_t)blockIdx.y * TILE, p0 = (int64_t)blockIdx.x * TILE;
    const float *s = src + n * channels * plane;
    T *d = dst + n * channels * plane;
    for (int r = threadIdx.y; r < TILE; r += ROWS) {
        int64_t c = c0 + r, p = p0 + threadIdx.x;
        if (c < channels && p < plane) tile[r][threadIdx.x] = s[c * plane + p];
    }
    __syncthreads();
    for (int r = threadIdx.y; r < TILE; r += ROWS) {
        int64_t p = p0 + r, c = c0 + threadIdx.x;
        if (c < channels && p < plane) store(&d[p * channels + c], tile[threadIdx.x][r]);
    }
}

template <typename T>
__global__ void k_from_nhwc(const T *src, float *dst, int64_t channels, int64_t plane, const float *bias, bool accumulate) {
    __shared__ float tile[TILE][TILE + 1];
    int64_t n = blockIdx.z, c0 = (int64_t)blockIdx.y * TILE, p0 = (int64_t)blockIdx.x * TILE;
    const T *s = src + n * channels * plane;
    float *d = dst + n * channels * plane;
    for (int r = threadIdx.y; r < TILE; r += ROWS) {
        int64_t p = p0 + r, c = c0 + threadIdx.x;
        if (c < channels && p < plane) tile[r][threadIdx.x] = load(&s[p * channels + c]);
    }
    __syncthreads();
    for (int r = threadIdx.y; r < TILE; r += ROWS) {
        int64_t c = c0 + r, p = p0 + threadIdx.x;
        if (c < channels && p < plane) {
            float v = tile[threadIdx.x][r] + (bias ? bias[c] : 0.0f);
            float *o = &d[c * plane + p];
            *o = accumulate ? *o + v : v;
        }
    }
}

static bool grid_fits(CudaImpl *c, int64_t images, int64_t channels, const char *op) {
    if (yc_layout_tiles(channels) <= 65535 && images <= 65535) return true;
    cuda_fail(c, op, "layout conversion beyond the grid's limits (more than 65535 images or 2 million channels)");
    return false;
}

void cuda_to_nhwc(CudaImpl *c, YcPrecision p, const float *src, void *dst, int64_t images, int64_t channels,
                  int64_t plane, const char *op) {
    if (images <= 0 || channels <= 0 || plane <= 0 || !grid_fits(c, images, channels, op)) return;
    dim3 grid((unsigned)yc_layout_tiles(plane), (unsigned)yc_layout_tiles(channels), (unsigned)images), block(TILE, ROWS);
    if (p == YC_PREC_F16) k_to_nhwc<__half><<<grid, block, 0, c->stream>>>(src, (__half *)dst, channels, plane);
    else k_to_nhwc<__nv_bfloat16><<<grid, block, 0, c->stream>>>(src, (__nv_bfloat16 *)dst, channels, plane);
    launch_ok(c, "k_to_nhwc", op);
}

void cuda_from_nhwc(CudaImpl *c, YcPrecision p, const void *src, float *dst, int64_t images, int64_t channels,
                    int64_t plane, const float *bias, bool accumulate, const char *op) {
    if (images <= 0 || channels <= 0 || plane <= 0 || !grid_fits(c, images, channels, op)) return;
    dim3 grid((unsigned)yc_layout_tiles(plane), (unsigned)yc_layout_tiles(channels), (unsigned)images), block(TILE, ROWS);
    if (p == YC_PREC_F16)
        k_from_nhwc<__half><<<grid, block, 0, c->stream>>>((const __half *)src, dst, channels, plane, bias, accumulate);
    else
        k_from_nhwc<__nv_bfloat16><<<grid, block, 0, c->stream>>>((const __nv_bfloat16 *)src, dst, channels, plane, bias,
                                                                  accumulate);
    launch_ok(c, "k_from_nhwc", op);
}
