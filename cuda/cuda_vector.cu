// Vector primitives on the GPU: fill, scale, axpy, add, sum of squares, block
// copies (concatenation/splitting), and the uint8 input upload.
#include "cuda_internal.h"

__global__ void k_fill(float *x, int64_t n, float v) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) x[i] = v;
}

__global__ void k_scale(float *x, int64_t n, float a) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        x[i] = __fmul_rn(x[i], a);
}

__global__ void k_axpy(int64_t n, float a, const float *x, float *y) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        y[i] = __fadd_rn(y[i], __fmul_rn(a, x[i])); // as the CPU: a*x rounded, then added
}

__global__ void k_add(int64_t n, const float *a, const float *b, float *y) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        y[i] = a[i] + b[i];
}

void cuda_fill(YcBackend *be, float *x, size_t n, float value) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    if (value == 0.0f) { /* as the CPU: memset, so -0 fills +0 */
        cu_ok(c, cudaMemsetAsync(x, 0, n * sizeof(float), c->stream), "cudaMemsetAsync", "fill");
        return;
    }
    k_fill<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>(x, (int64_t)n, value);
    launch_ok(c, "k_fill", "fill");
}

void cuda_scale(YcBackend *be, float *x, size_t n, float alpha) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    k_scale<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>(x, (int64_t)n, alpha);
    launch_ok(c, "k_scale", "scale");
}

void cuda_axpy(YcBackend *be, size_t n, float alpha, const float *x, float *y) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    k_axpy<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>((int64_t)n, alpha, x, y);
    launch_ok(c, "k_axpy", "axpy");
}

void cuda_add(YcBackend *be, size_t n, const float *a, const float *b, float *y) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    k_add<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>((int64_t)n, a, b, y);
    launch_ok(c, "k_add", "add");
}

__global__ void k_sumsq_partial(const float *x, int64_t n, double *partial) {
    double s = 0;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        s += (double)x[i] * (double)x[i];
    s = block_sum_double(s);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// One thread: the partial sums in a fixed order (the result does not depend on timing).
__global__ void k_sum_partials(const double *partial, int count, double *out) {
    double s = 0;
    for (int i = 0; i < count; i++) s += partial[i];
    *out = s;
}

double cuda_sumsq(YcBackend *be, const float *x, size_t n) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return 0.0;
    unsigned blocks = grid_for(c, (int64_t)n, YC_THREADS);
    double *partial = (double *)cuda_scratch(c, (blocks + 1) * sizeof(double), "sumsq");
    if (!partial) return NAN;
    k_sumsq_partial<<<blocks, YC_THREADS, 0, c->stream>>>(x, (int64_t)n, partial);
    launch_ok(c, "k_sumsq_partial", "sumsq");
    k_sum_partials<<<1, 1, 0, c->stream>>>(partial, (int)blocks, partial + blocks);
    launch_ok(c, "k_sum_partials", "sumsq");
    cu_ok(c, cudaMemcpyAsync(c->host_scalars, partial + blocks, sizeof(double), cudaMemcpyDeviceToHost, c->stream),
          "cudaMemcpyAsync", "sumsq");
    if (!cu_ok(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize", "sumsq")) return NAN;
    return c->host_scalars[0];
}

// dst[i*ds + j] (= or +=) src[i*ss + j]: blockIdx.y over blocks (strided when more than the grid holds).
__global__ void k_blocks(float *dst, int64_t ds, const float *src, int64_t ss, int64_t len, int64_t count, bool accumulate) {
    for (int64_t i = blockIdx.y; i < count; i += gridDim.y) {
        float *d = dst + i * ds;
        const float *s = src + i * ss;
        for (int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; j < len; j += (int64_t)gridDim.x * blockDim.x)
            d[j] = accumulate ? d[j] + s[j] : s[j];
    }
}

void cuda_copy_blocks(YcBackend *be, float *dst, int64_t dst_stride, const float *src, int64_t src_stride, int64_t len,
                      int64_t count, bool accumulate) {
    CudaImpl *c = cuda_impl(be);
    if (len <= 0 || count <= 0) return;
    // copies: one memcpy when contiguous, a 2-D memcpy when the strides are pitches
    if (!accumulate && (count == 1 || (dst_stride >= len && src_stride >= len))) {
        if (count == 1 || (dst_stride == len && src_stride == len)) {
            cu_ok(c, cudaMemcpyAsync(dst, src, (size_t)(len * count) * sizeof(float), cudaMemcpyDeviceToDevice, c->stream),
                  "cudaMemcpyAsync", "copy_blocks");
            return;
        }
        cu_ok(c, cudaMemcpy2DAsync(dst, (size_t)dst_stride * sizeof(float), src, (size_t)src_stride * sizeof(float),
                                   (size_t)len * sizeof(float), (size_t)count, cudaMemcpyDeviceToDevice, c->stream),
              "cudaMemcpy2DAsync", "copy_blocks");
        return;
    }
    int64_t xblocks = (len + YC_THREADS - 1) / YC_THREADS;
    if (xblocks > 1024) xblocks = 1024;
    int64_t yblocks = count < 65535 ? count : 65535;
    dim3 grid((unsigned)xblocks, (unsigned)yblocks);
    k_blocks<<<grid, YC_THREADS, 0, c->stream>>>(dst, dst_stride, src, src_stride, len, count, accumulate);
    launch_ok(c, "k_blocks", "copy_blocks");
}

__global__ void k_u8_to_float(const uint8_t *src, float *dst, int64_t n, float divisor) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        dst[i] = __fdiv_rn((float)src[i], divisor);
}

// The bytes go to a staging buffer on the copy stream (overlapping whatever the
// compute stream is doing), then the compute stream converts them. Two staging
// buffers alternate so that the next batch's copy need not wait for this one's
// conversion.
void cuda_upload_u8(YcBackend *be, float *dst, const uint8_t *host_src, size_t n, float divisor) {
    CudaImpl *c = cuda_impl(be);
    if (!n) return;
    int k = c->next_stage;
    c->next_stage ^= 1;
    if (c->stage_bytes[k] < n) {
        // the old buffer may still be read by a queued conversion
        cu_ok(c, cudaEventSynchronize(c->stage_free[k]), "cudaEventSynchronize", "upload_u8");
        if (c->stage[k]) yc_gpu_cache_free(c->cache, c->stage[k]);
        c->stage_bytes[k] = 0;
        c->stage[k] = (uint8_t *)yc_gpu_cache_alloc(c->cache, n);
        if (!c->stage[k]) {
            cuda_fail(c, "upload_u8", "out of device memory for the staging buffer");
            return;
        }
        c->stage_bytes[k] = yc_gpu_cache_block_size(c->cache, c->stage[k]);
    }
    cu_ok(c, cudaStreamWaitEvent(c->copy_stream, c->stage_free[k], 0), "cudaStreamWaitEvent", "upload_u8");
    cu_ok(c, cudaMemcpyAsync(c->stage[k], host_src, n, cudaMemcpyHostToDevice, c->copy_stream), "cudaMemcpyAsync",
          "upload_u8");
    cu_ok(c, cudaEventRecord(c->stage_ready[k], c->copy_stream), "cudaEventRecord", "upload_u8");
    cu_ok(c, cudaStreamWaitEvent(c->stream, c->stage_ready[k], 0), "cudaStreamWaitEvent", "upload_u8");
    k_u8_to_float<<<grid_for(c, (int64_t)n, YC_THREADS), YC_THREADS, 0, c->stream>>>(c->stage[k], dst, (int64_t)n, divisor);
    launch_ok(c, "k_u8_to_float", "upload_u8");
    cu_ok(c, cudaEventRecord(c->stage_free[k], c->stream), "cudaEventRecord", "upload_u8");
}
