/* The CPU backend: host memory, worker threads for the elementwise and
 * reshaping operations, OpenBLAS (with its own threads) for the matrix
 * products. It fills the YcBackend table with the ops_cpu_*.c entries. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "ops_cpu.h"

void yc_cpu_blas_threads(int count) { openblas_set_num_threads(count); }

static void cpu_destroy(YcBackend *be) {
    YcCpuImpl *impl = be->impl;
    if (impl) yc_cpu_threads_destroy(impl->threads);
    free(impl);
    free(be);
}

static void *cpu_alloc(YcBackend *be, size_t bytes) {
    (void)be;
    void *p = NULL;
    size_t rounded = (bytes + 255) / 256 * 256;
    if (posix_memalign(&p, 256, rounded ? rounded : 256) != 0) return NULL;
    return p;
}

static void cpu_free(YcBackend *be, void *ptr) {
    (void)be;
    free(ptr);
}

static void cpu_copy(YcBackend *be, void *dst, const void *src, size_t bytes) {
    (void)be;
    if (bytes && dst != src) memmove(dst, src, bytes);
}

static int cpu_sync(YcBackend *be, YcErr *err) {
    (void)be;
    (void)err;
    return 0;
}

static int default_threads(void) {
    const char *env = getenv("YOLOC_THREADS");
    if (env && atoi(env) > 0) return atoi(env);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

YcBackend *yc_backend_cpu_create(int threads, YcErr *err) {
    if (threads <= 0) threads = default_threads();
    if (threads > 256) threads = 256;
    YcBackend *be = calloc(1, sizeof *be);
    YcCpuImpl *impl = calloc(1, sizeof *impl);
    if (!be || !impl) {
        free(be);
        free(impl);
        yc_err(err, "cpu backend: out of memory");
        return NULL;
    }
    impl->threads = yc_cpu_threads_create(threads);
    if (!impl->threads) {
        free(be);
        free(impl);
        yc_err(err, "cpu backend: cannot start %d worker threads", threads);
        return NULL;
    }
    yc_cpu_blas_threads(1);
    be->name = "cpu";
    be->mem = YC_MEM_HOST;
    be->device = 0;
    be->threads = threads;
    be->impl = impl;
    be->destroy = cpu_destroy;
    be->alloc = cpu_alloc;
    be->free = cpu_free;
    be->upload = cpu_copy;
    be->download = cpu_copy;
    be->sync = cpu_sync;
    be->fill = yc_cpu_fill;
    be->scale = yc_cpu_scale;
    be->axpy = yc_cpu_axpy;
    be->sumsq = yc_cpu_sumsq;
    be->copy_blocks = yc_cpu_copy_blocks;
    be->add = yc_cpu_add;
    be->gemm = yc_cpu_gemm;
    be->conv2d_workspace = yc_cpu_conv2d_workspace;
    be->conv2d_forward = yc_cpu_conv2d_forward;
    be->conv2d_backward = yc_cpu_conv2d_backward;
    be->bn_forward_train = yc_cpu_bn_forward_train;
    be->bn_forward_eval = yc_cpu_bn_forward_eval;
    be->bn_backward = yc_cpu_bn_backward;
    be->silu_forward = yc_cpu_silu_forward;
    be->silu_backward = yc_cpu_silu_backward;
    be->sigmoid_forward = yc_cpu_sigmoid_forward;
    be->maxpool_forward = yc_cpu_maxpool_forward;
    be->maxpool_backward = yc_cpu_maxpool_backward;
    be->upsample2x_forward = yc_cpu_upsample2x_forward;
    be->upsample2x_backward = yc_cpu_upsample2x_backward;
    be->softmax_forward = yc_cpu_softmax_forward;
    be->softmax_backward = yc_cpu_softmax_backward;
    be->dfl_forward = yc_cpu_dfl_forward;
    be->dfl_backward = yc_cpu_dfl_backward;
    be->detect_decode = yc_cpu_detect_decode;
    be->host_alloc = yc_cpu_host_alloc;
    be->host_free = yc_cpu_host_free;
    be->upload_u8 = yc_cpu_upload_u8;
    be->set_precision = yc_cpu_set_precision;
    be->get_precision = yc_cpu_get_precision;
    be->fused_prepare = yc_cpu_fused_prepare;
    be->fused_release = yc_cpu_fused_release;
    be->fused_clip_grad_norm = yc_cpu_fused_clip_grad_norm;
    be->fused_optim_step = yc_cpu_fused_optim_step;
    be->fused_ema_update = yc_cpu_fused_ema_update;
    be->fused_unscale = yc_cpu_fused_unscale;
    return be;
}

void yc_backend_destroy(YcBackend *be) {
    if (be) be->destroy(be);
}
