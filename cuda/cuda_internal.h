// Inside the CUDA backend: its state, error recording and launch helpers.
// Every CUDA, cuDNN and cuBLAS call goes through cu_ok / dnn_ok / blas_ok,
// which record the first failure as one line naming the backend, the table
// entry and the call; `sync` reports it (backend.h: entries do not fail,
// device errors surface at the next sync).
#ifndef YC_CUDA_INTERNAL_H
#define YC_CUDA_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <stdint.h>
#include <stdio.h>

extern "C" {
#include "backend.h"
#include "gpu_algo_cache.h"
#include "gpu_alloc.h"
}

struct CudaImpl {
    int device;
    char name[16];               // "cuda:0"
    int cc_major, cc_minor, sm_count;
    cudaStream_t stream;         // every operation, in call order
    cudaStream_t copy_stream;    // uint8 batch uploads, overlapping the compute stream
    cudaEvent_t stage_ready[2];  // copy of staging buffer k done (copy stream)
    cudaEvent_t stage_free[2];   // staging buffer k consumed (compute stream)
    uint8_t *stage[2];
    size_t stage_bytes[2];
    int next_stage;
    cudnnHandle_t cudnn;
    cublasHandle_t cublas;
    cudnnTensorDescriptor_t xd, yd, bd, y32d; // x, y in the conv's precision; bias; y as float32 NCHW
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    YcGpuCache *cache;           // device memory (cudaMalloc only on a miss)
    YcConvAlgoCache *algos;
    YcPrecision precision;
    bool deterministic;          // only deterministic cuDNN algorithms (the reference's deterministic=True)
    bool benchmark;              // choose algorithms by timing them (else cuDNN's heuristics)
    size_t workspace_limit;      // most cuDNN workspace an algorithm may take
    void *scratch;               // per-call scratch of the reductions (grown, never shrunk)
    size_t scratch_bytes;
    double *host_scalars;        // page-locked: results read back by sumsq / clip
    int *host_flags;
    bool failed;
    char error[512];
};

static inline CudaImpl *cuda_impl(YcBackend *be) { return (CudaImpl *)be->impl; }

// Record the first failure; return whether the call succeeded.
bool cu_ok(CudaImpl *c, cudaError_t e, const char *call, const char *op);
bool dnn_ok(CudaImpl *c, cudnnStatus_t s, const char *call, const char *op);
bool blas_ok(CudaImpl *c, cublasStatus_t s, const char *call, const char *op);
void cuda_fail(CudaImpl *c, const char *op, const char *what);
// After a kernel launch: records a launch error naming the kernel.
static inline void launch_ok(CudaImpl *c, const char *kernel, const char *op) {
    cu_ok(c, cudaGetLastError(), kernel, op);
}

// At least `bytes` of device scratch (contents undefined); NULL (and an error recorded) when out of memory.
void *cuda_scratch(CudaImpl *c, size_t bytes, const char *op);

// Blocks for a grid-stride loop over n items.
static inline unsigned grid_for(CudaImpl *c, int64_t n, int threads) {
    int64_t blocks = (n + threads - 1) / threads;
    int64_t cap = (int64_t)c->sm_count * 32;
    if (blocks > cap) blocks = cap;
    return (unsigned)(blocks > 0 ? blocks : 1);
}

#define YC_THREADS 256

// Block sum of a double (blockDim.x a multiple of 32, at most 1024), valid in
// thread 0. Every thread of the block must call it.
static __device__ __forceinline__ double block_sum_double(double v) {
    __shared__ double warp_sums[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    v = 0;
    if (warp == 0) {
        int warps = (int)((blockDim.x + 31) >> 5);
        v = lane < warps ? warp_sums[lane] : 0.0;
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    }
    __syncthreads();
    return v;
}

// ---- entries, one file per family ----
// cuda_vector.cu
void cuda_fill(YcBackend *be, float *x, size_t n, float value);
void cuda_scale(YcBackend *be, float *x, size_t n, float alpha);
void cuda_axpy(YcBackend *be, size_t n, float alpha, const float *x, float *y);
double cuda_sumsq(YcBackend *be, const float *x, size_t n);
void cuda_copy_blocks(YcBackend *be, float *dst, int64_t dst_stride, const float *src, int64_t src_stride,
                      int64_t len, int64_t count, bool accumulate);
void cuda_add(YcBackend *be, size_t n, const float *a, const float *b, float *y);
void cuda_upload_u8(YcBackend *be, float *dst, const uint8_t *host_src, size_t n, float divisor);
// cuda_act.cu
void cuda_silu_forward(YcBackend *be, size_t n, const float *x, float *y);
void cuda_silu_backward(YcBackend *be, size_t n, const float *x, const float *dy, float *dx, bool accumulate);
void cuda_sigmoid_forward(YcBackend *be, size_t n, const float *x, float *y);
void cuda_softmax_forward(YcBackend *be, int64_t rows, int cols, const float *x, float *y);
void cuda_softmax_backward(YcBackend *be, int64_t rows, int cols, const float *y, const float *dy, float *dx,
                           bool accumulate);
// cuda_norm.cu
void cuda_bn_forward_train(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                           float *y, float *save_mean, float *save_invstd, float *running_mean, float *running_var);
void cuda_bn_forward_eval(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                          const float *running_mean, const float *running_var, float *y);
void cuda_bn_backward(YcBackend *be, const YcBnShape *s, const float *x, const float *dy, const float *gamma,
                      const float *save_mean, const float *save_invstd, float *dx, bool accumulate, float *dgamma,
                      float *dbeta);
// cuda_resample.cu
void cuda_maxpool_forward(YcBackend *be, const YcPoolShape *s, const float *x, float *y);
void cuda_maxpool_backward(YcBackend *be, const YcPoolShape *s, const float *x, const float *y, const float *dy,
                           float *dx, bool accumulate);
void cuda_upsample2x_forward(YcBackend *be, int64_t planes, int h, int w, const float *x, float *y);
void cuda_upsample2x_backward(YcBackend *be, int64_t planes, int h, int w, const float *dy, float *dx,
                              bool accumulate);
// cuda_detect.cu
void cuda_dfl_forward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                      float *out);
void cuda_dfl_backward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                       const float *dout, float *dx, bool accumulate);
void cuda_detect_decode(YcBackend *be, int batch, int nc, int reg_max, int64_t anchors, const float *x,
                        const float *anchor_xy, const float *stride, float *out);
// cuda_conv.cu
void cuda_gemm(YcBackend *be, bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
               int64_t stride_c, int batch);
size_t cuda_conv2d_workspace(YcBackend *be, const YcConvShape *s);
void cuda_conv2d_forward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *bias,
                         float *y, void *ws);
void cuda_conv2d_backward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *dy,
                          float *dx, bool accumulate, float *dw, float *dbias, void *ws);
// cuda_convert.cu: float32 NCHW <-> bfloat16/float16 NHWC (the mixed-precision convolutions' boundary)
// dst[n][p][c] = src[n][c][p] rounded to the precision's type.
void cuda_to_nhwc(CudaImpl *c, YcPrecision p, const float *src, void *dst, int64_t images, int64_t channels,
                  int64_t plane, const char *op);
// dst[n][c][p] (=, or += when accumulate) src[n][p][c] (+ bias[c] when bias is not NULL).
void cuda_from_nhwc(CudaImpl *c, YcPrecision p, const void *src, float *dst, int64_t images, int64_t channels,
                    int64_t plane, const float *bias, bool accumulate, const char *op);
// cuda_fused.cu
int cuda_fused_prepare(YcBackend *be, YcFusedSet *set, YcErr *err);
void cuda_fused_release(YcBackend *be, YcFusedSet *set);
double cuda_fused_clip_grad_norm(YcBackend *be, const YcFusedSet *set, double max_norm);
void cuda_fused_optim_step(YcBackend *be, const YcFusedSet *set, struct YcOptim *o);
void cuda_fused_ema_update(YcBackend *be, const YcFusedSet *set, struct YcEma *e);
bool cuda_fused_unscale(YcBackend *be, const YcFusedSet *set, float inv_scale);

#endif
