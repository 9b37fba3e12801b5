/* Internal to the CPU backend: its worker threads and the entry points that
 * backend_cpu.c puts in the table (one ops_cpu_*.c file per family). */
#ifndef YC_OPS_CPU_H
#define YC_OPS_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* A fixed set of worker threads that split loops with the calling thread.
 * Workers sleep on a condition variable between jobs (no spinning: the
 * machines we run on are shared). */
typedef struct YcCpuThreads YcCpuThreads;
typedef void (*YcCpuTask)(void *ctx, int64_t begin, int64_t end);

YcCpuThreads *yc_cpu_threads_create(int count);
void yc_cpu_threads_destroy(YcCpuThreads *t);
int yc_cpu_threads_count(const YcCpuThreads *t);
/* Runs fn over [0, n) split into at most `count` contiguous ranges of at least
 * min_chunk items; returns when all ranges are done. Not reentrant. */
void yc_cpu_parallel_for(YcCpuThreads *t, int64_t n, int64_t min_chunk, YcCpuTask fn, void *ctx);
/* Runs fn(ctx, part, part + 1) for part = 0 .. parts - 1 (parts <= the thread
 * count), each on its own thread, so that a part can own a slice of workspace. */
void yc_cpu_parallel_parts(YcCpuThreads *t, int parts, YcCpuTask fn, void *ctx);

/* OpenBLAS runs single-threaded inside our workers; a caller that needs one
 * large product may lend it all threads for the duration of a call. */
void yc_cpu_blas_threads(int count);

typedef struct YcCpuImpl {
    YcCpuThreads *threads;
} YcCpuImpl;

static inline YcCpuThreads *yc_cpu_threads_of(YcBackend *be) { return ((YcCpuImpl *)be->impl)->threads; }

/* ops_cpu_vector.c */
void yc_cpu_fill(YcBackend *be, float *x, size_t n, float value);
void yc_cpu_scale(YcBackend *be, float *x, size_t n, float alpha);
void yc_cpu_axpy(YcBackend *be, size_t n, float alpha, const float *x, float *y);
double yc_cpu_sumsq(YcBackend *be, const float *x, size_t n);
void yc_cpu_copy_blocks(YcBackend *be, float *dst, int64_t dst_stride, const float *src, int64_t src_stride,
                        int64_t len, int64_t count, bool accumulate);
void yc_cpu_add(YcBackend *be, size_t n, const float *a, const float *b, float *y);

/* ops_cpu_act.c */
void yc_cpu_silu_forward(YcBackend *be, size_t n, const float *x, float *y);
void yc_cpu_silu_backward(YcBackend *be, size_t n, const float *x, const float *dy, float *dx, bool accumulate);
void yc_cpu_sigmoid_forward(YcBackend *be, size_t n, const float *x, float *y);
void yc_cpu_softmax_forward(YcBackend *be, int64_t rows, int cols, const float *x, float *y);
void yc_cpu_softmax_backward(YcBackend *be, int64_t rows, int cols, const float *y, const float *dy, float *dx,
                             bool accumulate);

/* ops_cpu_conv.c */
void yc_cpu_gemm(YcBackend *be, bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
                 int64_t stride_c, int batch);
size_t yc_cpu_conv2d_workspace(YcBackend *be, const YcConvShape *s);
void yc_cpu_conv2d_forward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *bias,
                           float *y, void *ws);
void yc_cpu_conv2d_backward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *dy,
                            float *dx, bool accumulate, float *dw, float *dbias, void *ws);

/* ops_cpu_norm.c */
void yc_cpu_bn_forward_train(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                             float *y, float *save_mean, float *save_invstd, float *running_mean, float *running_var);
void yc_cpu_bn_forward_eval(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, float *y);
void yc_cpu_bn_backward(YcBackend *be, const YcBnShape *s, const float *x, const float *dy, const float *gamma,
                        const float *save_mean, const float *save_invstd, float *dx, bool accumulate, float *dgamma,
                        float *dbeta);

/* ops_cpu_resample.c */
void yc_cpu_maxpool_forward(YcBackend *be, const YcPoolShape *s, const float *x, float *y);
void yc_cpu_maxpool_backward(YcBackend *be, const YcPoolShape *s, const float *x, const float *y, const float *dy,
                             float *dx, bool accumulate);
void yc_cpu_upsample2x_forward(YcBackend *be, int64_t planes, int h, int w, const float *x, float *y);
void yc_cpu_upsample2x_backward(YcBackend *be, int64_t planes, int h, int w, const float *dy, float *dx,
                                bool accumulate);

/* ops_cpu_detect.c */
void yc_cpu_dfl_forward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                        float *out);
void yc_cpu_dfl_backward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                         const float *dout, float *dx, bool accumulate);
void yc_cpu_detect_decode(YcBackend *be, int batch, int nc, int reg_max, int64_t anchors, const float *x,
                          const float *anchor_xy, const float *stride, float *out);

/* ops_cpu_fused.c: staging memory, uint8 input, precision, fused training updates */
void *yc_cpu_host_alloc(YcBackend *be, size_t bytes);
void yc_cpu_host_free(YcBackend *be, void *ptr);
void yc_cpu_upload_u8(YcBackend *be, float *dst, const uint8_t *host_src, size_t n, float divisor);
int yc_cpu_set_precision(YcBackend *be, YcPrecision precision, YcErr *err);
YcPrecision yc_cpu_get_precision(YcBackend *be);
int yc_cpu_fused_prepare(YcBackend *be, YcFusedSet *set, YcErr *err);
void yc_cpu_fused_release(YcBackend *be, YcFusedSet *set);
double yc_cpu_fused_clip_grad_norm(YcBackend *be, const YcFusedSet *set, double max_norm);
void yc_cpu_fused_optim_step(YcBackend *be, const YcFusedSet *set, struct YcOptim *o);
void yc_cpu_fused_ema_update(YcBackend *be, const YcFusedSet *set, struct YcEma *e);
bool yc_cpu_fused_unscale(YcBackend *be, const YcFusedSet *set, float inv_scale);

#endif
