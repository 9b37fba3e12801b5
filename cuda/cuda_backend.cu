// The CUDA backend: creation, memory (the caching allocator over cudaMalloc),
// transfers, errors, precision, and the table (backend.h). Operations are
// queued on one compute stream in call order; uint8 batch uploads use a second
// stream so that the copy of the next batch overlaps the current step.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_internal.h"

extern "C" {
#include "backend_cuda.h"
#include "cuda_device.h"
#include "gpu_amp.h"
}

// ---- errors ----

static void record(CudaImpl *c, const char *op, const char *call, const char *what) {
    if (c->failed) return;
    c->failed = true;
    snprintf(c->error, sizeof c->error, "%s %s: %s: %s", c->name, op, call, what);
}

void cuda_fail(CudaImpl *c, const char *op, const char *what) {
    if (c->failed) return;
    c->failed = true;
    snprintf(c->error, sizeof c->error, "%s %s: %s", c->name, op, what);
}

bool cu_ok(CudaImpl *c, cudaError_t e, const char *call, const char *op) {
    if (e == cudaSuccess) return true;
    record(c, op, call, cudaGetErrorString(e));
    return false;
}

bool dnn_ok(CudaImpl *c, cudnnStatus_t s, const char *call, const char *op) {
    if (s == CUDNN_STATUS_SUCCESS) return true;
    record(c, op, call, cudnnGetErrorString(s));
    return false;
}

static const char *blas_text(cublasStatus_t s) {
    switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "cuBLAS error";
    }
}

bool blas_ok(CudaImpl *c, cublasStatus_t s, const char *call, const char *op) {
    if (s == CUBLAS_STATUS_SUCCESS) return true;
    char what[64];
    snprintf(what, sizeof what, "%s (%d)", blas_text(s), (int)s);
    record(c, op, call, what);
    return false;
}

// ---- device memory ----

static void *raw_alloc(void *ctx, size_t bytes) {
    (void)ctx;
    void *p = NULL;
    if (cudaMalloc(&p, bytes) != cudaSuccess) {
        cudaGetLastError(); // out of memory is not sticky: clear it, the cache retries
        return NULL;
    }
    return p;
}

static void raw_free(void *ctx, void *p) {
    CudaImpl *c = (CudaImpl *)ctx;
    cu_ok(c, cudaFree(p), "cudaFree", "free");
}

static void *cuda_alloc(YcBackend *be, size_t bytes) {
    CudaImpl *c = cuda_impl(be);
    cudaSetDevice(c->device);
    return yc_gpu_cache_alloc(c->cache, bytes);
}

static void cuda_free(YcBackend *be, void *ptr) {
    CudaImpl *c = cuda_impl(be);
    if (ptr && yc_gpu_cache_free(c->cache, ptr) != 0) cuda_fail(c, "free", "pointer not allocated by this backend");
}

void *cuda_scratch(CudaImpl *c, size_t bytes, const char *op) {
    if (bytes <= c->scratch_bytes) return c->scratch;
    // the old scratch may still be read by queued work: the cache hands it out only to later work on this stream
    if (c->scratch) yc_gpu_cache_free(c->cache, c->scratch);
    c->scratch_bytes = 0;
    c->scratch = yc_gpu_cache_alloc(c->cache, bytes);
    if (!c->scratch) {
        char what[96];
        snprintf(what, sizeof what, "out of device memory for %zu bytes of scratch", bytes);
        cuda_fail(c, op, what);
        return NULL;
    }
    c->scratch_bytes = yc_gpu_cache_block_size(c->cache, c->scratch);
    return c->scratch;
}

// ---- transfers ----

static void cuda_upload(YcBackend *be, void *dst, const void *host_src, size_t bytes) {
    CudaImpl *c = cuda_impl(be);
    if (bytes) cu_ok(c, cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, c->stream), "cudaMemcpyAsync", "upload");
}

static void cuda_download(YcBackend *be, void *host_dst, const void *src, size_t bytes) {
    CudaImpl *c = cuda_impl(be);
    if (bytes) cu_ok(c, cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, c->stream), "cudaMemcpyAsync", "download");
    cu_ok(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize", "download");
}

static int cuda_sync(YcBackend *be, YcErr *err) {
    CudaImpl *c = cuda_impl(be);
    cu_ok(c, cudaStreamSynchronize(c->copy_stream), "cudaStreamSynchronize", "sync");
    cu_ok(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize", "sync");
    if (c->failed) return yc_err(err, "%s", c->error);
    return 0;
}

static void *cuda_host_alloc(YcBackend *be, size_t bytes) {
    (void)be;
    void *p = NULL;
    if (cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocPortable) != cudaSuccess) {
        cudaGetLastError(); // out of page-locked memory: NULL, as the table says
        return NULL;
    }
    return p;
}

static void cuda_host_free(YcBackend *be, void *ptr) {
    if (ptr) cu_ok(cuda_impl(be), cudaFreeHost(ptr), "cudaFreeHost", "host_free");
}

// ---- precision ----

static int cuda_set_precision(YcBackend *be, YcPrecision p, YcErr *err) {
    CudaImpl *c = cuda_impl(be);
    if (p == YC_PREC_BF16 && c->cc_major < 8)
        return yc_err(err, "%s: bfloat16 needs compute capability 8.0 or newer (this GPU has %d.%d); use amp=fp16 or amp=false",
                      c->name, c->cc_major, c->cc_minor);
    c->precision = p;
    // cuBLAS products follow the precision (cuda_gemm picks the compute type); cuDNN per call
    return p;
}

static YcPrecision cuda_get_precision(YcBackend *be) { return cuda_impl(be)->precision; }

// ---- lifetime ----

static void release(CudaImpl *c) {
    if (!c) return;
    cudaSetDevice(c->device);
    if (c->stream) cudaStreamSynchronize(c->stream);
    if (c->copy_stream) cudaStreamSynchronize(c->copy_stream);
    if (c->cache) {
        for (int k = 0; k < 2; k++)
            if (c->stage[k]) yc_gpu_cache_free(c->cache, c->stage[k]);
        if (c->scratch) yc_gpu_cache_free(c->cache, c->scratch);
        yc_gpu_cache_destroy(c->cache);
    }
    yc_conv_algo_cache_free(c->algos);
    if (c->xd) cudnnDestroyTensorDescriptor(c->xd);
    if (c->yd) cudnnDestroyTensorDescriptor(c->yd);
    if (c->bd) cudnnDestroyTensorDescriptor(c->bd);
    if (c->y32d) cudnnDestroyTensorDescriptor(c->y32d);
    if (c->wd) cudnnDestroyFilterDescriptor(c->wd);
    if (c->cd) cudnnDestroyConvolutionDescriptor(c->cd);
    if (c->cudnn) cudnnDestroy(c->cudnn);
    if (c->cublas) cublasDestroy(c->cublas);
    for (int k = 0; k < 2; k++) {
        if (c->stage_ready[k]) cudaEventDestroy(c->stage_ready[k]);
        if (c->stage_free[k]) cudaEventDestroy(c->stage_free[k]);
    }
    if (c->host_scalars) cudaFreeHost(c->host_scalars);
    if (c->host_flags) cudaFreeHost(c->host_flags);
    if (c->stream) cudaStreamDestroy(c->stream);
    if (c->copy_stream) cudaStreamDestroy(c->copy_stream);
    free(c);
}

static void cuda_destroy(YcBackend *be) {
    release(cuda_impl(be));
    free(be);
}

static bool env_flag(const char *name, bool fallback) {
    const char *v = getenv(name);
    if (!v || !*v) return fallback;
    return strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
}

static void fill_table(YcBackend *be) {
    be->destroy = cuda_destroy;
    be->alloc = cuda_alloc;
    be->free = cuda_free;
    be->upload = cuda_upload;
    be->download = cuda_download;
    be->sync = cuda_sync;
    be->fill = cuda_fill;
    be->scale = cuda_scale;
    be->axpy = cuda_axpy;
    be->sumsq = cuda_sumsq;
    be->copy_blocks = cuda_copy_blocks;
    be->add = cuda_add;
    be->gemm = cuda_gemm;
    be->conv2d_workspace = cuda_conv2d_workspace;
    be->conv2d_forward = cuda_conv2d_forward;
    be->conv2d_backward = cuda_conv2d_backward;
    be->bn_forward_train = cuda_bn_forward_train;
    be->bn_forward_eval = cuda_bn_forward_eval;
    be->bn_backward = cuda_bn_backward;
    be->silu_forward = cuda_silu_forward;
    be->silu_backward = cuda_silu_backward;
    be->sigmoid_forward = cuda_sigmoid_forward;
    be->maxpool_forward = cuda_maxpool_forward;
    be->maxpool_backward = cuda_maxpool_backward;
    be->upsample2x_forward = cuda_upsample2x_forward;
    be->upsample2x_backward = cuda_upsample2x_backward;
    be->softmax_forward = cuda_softmax_forward;
    be->softmax_backward = cuda_softmax_backward;
    be->dfl_forward = cuda_dfl_forward;
    be->dfl_backward = cuda_dfl_backward;
    be->detect_decode = cuda_detect_decode;
    be->host_alloc = cuda_host_alloc;
    be->host_free = cuda_host_free;
    be->upload_u8 = cuda_upload_u8;
    be->set_precision = cuda_set_precision;
    be->get_precision = cuda_get_precision;
    be->fused_prepare = cuda_fused_prepare;
    be->fused_release = cuda_fused_release;
    be->fused_clip_grad_norm = cuda_fused_clip_grad_norm;
    be->fused_optim_step = cuda_fused_optim_step;
    be->fused_ema_update = cuda_fused_ema_update;
    be->fused_unscale = cuda_fused_unscale;
}

// Start-up failures: one line naming the device and the call.
static YcBackend *fail_create(CudaImpl *c, YcBackend *be, YcErr *err, const char *fmt, const char *detail) {
    yc_err(err, fmt, c ? c->name : "cuda", detail);
    release(c);
    free(be);
    return NULL;
}

extern "C" YcBackend *yc_backend_cuda_create(int device_index, const char *precision, YcErr *err) {
    YcPrecision prec;
    if (yc_precision_parse(precision, &prec, err)) return NULL;
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        const char *why = e != cudaSuccess ? cudaGetErrorString(e) : "no device";
        cudaGetLastError();
        yc_err(err, "cuda:%d: no CUDA device found (%s)", device_index, why);
        return NULL;
    }
    if (device_index < 0 || device_index >= count) {
        yc_err(err, "cuda:%d: no such CUDA device (%d found: 0..%d)", device_index, count, count - 1);
        return NULL;
    }
    YcBackend *be = (YcBackend *)calloc(1, sizeof *be);
    CudaImpl *c = (CudaImpl *)calloc(1, sizeof *c);
    if (!be || !c) {
        free(be);
        free(c);
        yc_err(err, "cuda:%d: out of host memory", device_index);
        return NULL;
    }
    c->device = device_index;
    snprintf(c->name, sizeof c->name, "cuda:%d", device_index);
    c->deterministic = env_flag("YOLOC_CUDNN_DETERMINISTIC", true);
    c->benchmark = env_flag("YOLOC_CUDNN_BENCHMARK", true);
    c->workspace_limit = (size_t)1 << 30;
    if ((e = cudaSetDevice(device_index)) != cudaSuccess) return fail_create(c, be, err, "%s: cudaSetDevice: %s", cudaGetErrorString(e));
    cudaDeviceProp prop;
    if ((e = cudaGetDeviceProperties(&prop, device_index)) != cudaSuccess)
        return fail_create(c, be, err, "%s: cudaGetDeviceProperties: %s", cudaGetErrorString(e));
    c->cc_major = prop.major;
    c->cc_minor = prop.minor;
    c->sm_count = prop.multiProcessorCount;
    if ((e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking)) != cudaSuccess ||
        (e = cudaStreamCreateWithFlags(&c->copy_stream, cudaStreamNonBlocking)) != cudaSuccess)
        return fail_create(c, be, err, "%s: cudaStreamCreateWithFlags: %s", cudaGetErrorString(e));
    for (int k = 0; k < 2; k++)
        if ((e = cudaEventCreateWithFlags(&c->stage_ready[k], cudaEventDisableTiming)) != cudaSuccess ||
            (e = cudaEventCreateWithFlags(&c->stage_free[k], cudaEventDisableTiming)) != cudaSuccess)
            return fail_create(c, be, err, "%s: cudaEventCreateWithFlags: %s", cudaGetErrorString(e));
    if ((e = cudaHostAlloc((void **)&c->host_scalars, 8 * sizeof(double), cudaHostAllocPortable)) != cudaSuccess ||
        (e = cudaHostAlloc((void **)&c->host_flags, 8 * sizeof(int), cudaHostAllocPortable)) != cudaSuccess)
        return fail_create(c, be, err, "%s: cudaHostAlloc: %s", cudaGetErrorString(e));
    cudnnStatus_t ds;
    if ((ds = cudnnCreate(&c->cudnn)) != CUDNN_STATUS_SUCCESS)
        return fail_create(c, be, err, "%s: cuDNN cannot start (cudnnCreate: %s)", cudnnGetErrorString(ds));
    if ((ds = cudnnSetStream(c->cudnn, c->stream)) != CUDNN_STATUS_SUCCESS ||
        (ds = cudnnCreateTensorDescriptor(&c->xd)) != CUDNN_STATUS_SUCCESS ||
        (ds = cudnnCreateTensorDescriptor(&c->yd)) != CUDNN_STATUS_SUCCESS ||
        (ds = cudnnCreateTensorDescriptor(&c->bd)) != CUDNN_STATUS_SUCCESS ||
        (ds = cudnnCreateTensorDescriptor(&c->y32d)) != CUDNN_STATUS_SUCCESS ||
        (ds = cudnnCreateFilterDescriptor(&c->wd)) != CUDNN_STATUS_SUCCESS ||
        (ds = cudnnCreateConvolutionDescriptor(&c->cd)) != CUDNN_STATUS_SUCCESS)
        return fail_create(c, be, err, "%s: cuDNN descriptors: %s", cudnnGetErrorString(ds));
    cublasStatus_t bs;
    if ((bs = cublasCreate(&c->cublas)) != CUBLAS_STATUS_SUCCESS)
        return fail_create(c, be, err, "%s: cuBLAS cannot start (cublasCreate: %s)", blas_text(bs));
    if ((bs = cublasSetStream(c->cublas, c->stream)) != CUBLAS_STATUS_SUCCESS)
        return fail_create(c, be, err, "%s: cublasSetStream: %s", blas_text(bs));
    c->cache = yc_gpu_cache_create(raw_alloc, raw_free, c);
    c->algos = yc_conv_algo_cache_new();
    if (!c->cache || !c->algos) return fail_create(c, be, err, "%s: %s", "out of host memory");
    be->name = c->name;
    be->mem = YC_MEM_CUDA;
    be->device = device_index;
    be->threads = 1;
    be->impl = c;
    fill_table(be);
    if (cuda_set_precision(be, prec, err) < 0) {
        release(c);
        free(be);
        return NULL;
    }
    return be;
}

extern "C" int yc_backend_cuda_options(YcBackend *be, bool deterministic, bool benchmark) {
    if (!be || be->mem != YC_MEM_CUDA) return -1;
    CudaImpl *c = cuda_impl(be);
    c->deterministic = deterministic;
    c->benchmark = benchmark;
    return 0;
}

extern "C" void yc_backend_cuda_memory(YcBackend *be, YcGpuCacheStats *stats) {
    yc_gpu_cache_stats(cuda_impl(be)->cache, stats);
}
