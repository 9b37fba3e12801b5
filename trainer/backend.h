/* The backend: a table of function pointers through which the model (and
 * later the loss, optimiser and EMA) reaches memory and arithmetic. The CPU
 * backend (backend_cpu.c, ops_cpu_*.c) is the reference implementation; the
 * CUDA backend fills the same table. Model code never looks behind it.
 *
 * Conventions for every entry:
 * - Pointers are backend memory (from `alloc`), float32, dense row-major;
 *   images are NCHW. Counts are elements, not bytes, unless named `bytes`.
 * - Entries may run asynchronously (CUDA: in the backend's stream, in call
 *   order). `sync` waits for everything queued and reports the first failure;
 *   host code reads results only through `download` (which syncs) or after `sync`.
 * - "overwritten" outputs are fully written; "accumulated" outputs get += and
 *   must be initialised by the caller. Backward entries take `accumulate` for
 *   the input gradient: false = overwrite dx, true = dx += (the model passes
 *   true when another consumer of the same tensor already wrote its share).
 *   Parameter gradients (dw, dbias, dgamma, dbeta) are always accumulated, so
 *   that gradient accumulation over several batches needs nothing special.
 * - A NULL gradient output means "not needed": skip that work.
 * - Workspace: entries that take `ws` need the bytes their `*_workspace`
 *   entry returns for the same shape (the model plans one buffer for the
 *   largest need). The workspace holds nothing between calls.
 * - Entries do not fail for valid shapes (the model validates shapes when it
 *   plans); device errors surface at the next `sync`.
 * To add an operation: see docs/MODEL.md. */
#ifndef YC_BACKEND_H
#define YC_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tensor.h"

/* A 2-D convolution: x [batch, c_in, h_in, w_in] -> y [batch, c_out, h_out, w_out],
 * weights [c_out, c_in / groups, kh, kw], optional bias [c_out].
 * h_out = (h_in + 2 pad_h - kh) / stride_h + 1 (floor), likewise w_out.
 * Zero padding, no dilation. c_in and c_out are multiples of groups. */
typedef struct YcConvShape {
    int batch, c_in, h_in, w_in;
    int c_out, h_out, w_out;
    int kh, kw, stride_h, stride_w, pad_h, pad_w, groups;
} YcConvShape;

/* Batch normalisation over x [batch, channels, spatial] (spatial = H*W),
 * per channel. Training uses the batch's mean and biased variance and updates
 * running_mean/var with momentum (unbiased variance, as torch does):
 *   running = (1 - momentum) * running + momentum * batch_statistic. */
typedef struct YcBnShape {
    int batch, channels;
    int64_t spatial;
    float eps, momentum;
} YcBnShape;

/* Max pooling with a k x k window, stride 1, padding pad (padding never wins):
 * x and y are both [planes, h, w] with planes = batch * channels, and
 * h_out = h + 2 pad - k + 1 must equal h (the model only uses "same" pools). */
typedef struct YcPoolShape {
    int64_t planes;
    int h, w, k, pad;
} YcPoolShape;

/* Arithmetic precision of the convolutions and matrix products (amp=): float32
 * everywhere, or bfloat16 / float16 inputs with float32 accumulation. Tensors
 * in the table stay float32 either way (master weights, BN statistics,
 * optimiser state); a backend converts at the operation's boundary. */
typedef enum YcPrecision { YC_PREC_F32 = 0, YC_PREC_BF16, YC_PREC_F16 } YcPrecision;

struct YcOptim;
struct YcEma;
struct YcParam;

/* The arguments of the fused training updates (fused_* entries): a model's
 * parameter table plus, per parameter, where the optimiser state and the EMA
 * copy live in backend memory. trainer/gpu_fused.h builds and owns these; a
 * backend whose memory is the host's simply points at the YcOptim / YcEma
 * buffers. `device` is the backend's own copy of the tables (fused_prepare). */
typedef struct YcFusedSet {
    struct YcParam *params; /* the model's parameters: value and grad in backend memory */
    int count;
    float **state1;         /* [count] SGD momentum_buffer / Adam exp_avg, NULL = not optimised (or no optimiser) */
    float **state2;         /* [count] Adam exp_avg_sq, NULL for SGD (or no optimiser) */
    float **ema;            /* [count] the EMA copy of each parameter and buffer; NULL = no EMA */
    void *device;           /* backend-made, freed by fused_release */
} YcFusedSet;

typedef struct YcBackend YcBackend;

struct YcBackend {
    const char *name;       /* "cpu", "cuda:0", ... */
    YcMemKind mem;          /* where this backend's pointers live */
    int device;             /* CUDA ordinal, 0 for the CPU */
    int threads;            /* CPU worker threads (informational elsewhere) */
    void *impl;             /* the backend's own state */

    /* ---- lifetime, memory, transfers ---- */
    /* Frees the backend (after every allocation it made has been freed). */
    void (*destroy)(YcBackend *be);
    /* `bytes` of uninitialised memory aligned to 256 bytes; NULL when out of memory. */
    void *(*alloc)(YcBackend *be, size_t bytes);
    void (*free)(YcBackend *be, void *ptr);
    /* Host -> backend and backend -> host copies (download waits for queued work). */
    void (*upload)(YcBackend *be, void *dst, const void *host_src, size_t bytes);
    void (*download)(YcBackend *be, void *host_dst, const void *src, size_t bytes);
    /* Waits for queued work; 0, or -1 with the first device error in err. */
    int (*sync)(YcBackend *be, YcErr *err);

    /* ---- vector primitives (arena bookkeeping, optimiser, EMA) ---- */
    /* x[i] = value for i < n. */
    void (*fill)(YcBackend *be, float *x, size_t n, float value);
    /* x[i] *= alpha. */
    void (*scale)(YcBackend *be, float *x, size_t n, float alpha);
    /* y[i] += alpha * x[i]. */
    void (*axpy)(YcBackend *be, size_t n, float alpha, const float *x, float *y);
    /* Sum of x[i]^2, accumulated in double, returned to the host (syncs). */
    double (*sumsq)(YcBackend *be, const float *x, size_t n);
    /* For i < count: dst[i*dst_stride + j] (= or +=) src[i*src_stride + j], j < len.
     * Concatenation, splitting and reshaping copies are all this one entry. */
    void (*copy_blocks)(YcBackend *be, float *dst, int64_t dst_stride, const float *src, int64_t src_stride,
                        int64_t len, int64_t count, bool accumulate);
    /* y = a + b over n elements (y may alias a or b). */
    void (*add)(YcBackend *be, size_t n, const float *a, const float *b, float *y);

    /* ---- matrix products ---- */
    /* Strided batched GEMM, row-major: for b < batch,
     *   C_b = alpha * op(A_b) * op(B_b) + beta * C_b,
     * op(A_b) is m x k (A_b = a + b*stride_a, m x k, or k x m when trans_a, leading dimension lda),
     * op(B_b) is k x n, C_b is m x n (ldc). beta = 0 overwrites C (NaNs in C do not propagate). */
    void (*gemm)(YcBackend *be, bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
                 int lda, int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
                 int64_t stride_c, int batch);

    /* ---- convolution ---- */
    /* Bytes of workspace conv2d_forward / conv2d_backward need for this shape. */
    size_t (*conv2d_workspace)(YcBackend *be, const YcConvShape *s);
    /* y = conv(x, w) (+ bias when not NULL); y overwritten. */
    void (*conv2d_forward)(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *bias,
                           float *y, void *ws);
    /* Given dy: dx (= or += per accumulate; NULL = skip), dw += (NULL = skip),
     * dbias += (NULL = skip). x and w are the forward's inputs. */
    void (*conv2d_backward)(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *dy,
                            float *dx, bool accumulate, float *dw, float *dbias, void *ws);

    /* ---- batch normalisation ---- */
    /* Training: y overwritten; save_mean and save_invstd [channels] overwritten with
     * the batch mean and 1/sqrt(biased var + eps); running_mean/var updated in place. */
    void (*bn_forward_train)(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma,
                             const float *beta, float *y, float *save_mean, float *save_invstd, float *running_mean,
                             float *running_var);
    /* Evaluation: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta. */
    void (*bn_forward_eval)(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma,
                            const float *beta, const float *running_mean, const float *running_var, float *y);
    /* Backward of the training forward: dx (= or +=), dgamma += and dbeta += (NULL = skip). */
    void (*bn_backward)(YcBackend *be, const YcBnShape *s, const float *x, const float *dy, const float *gamma,
                        const float *save_mean, const float *save_invstd, float *dx, bool accumulate, float *dgamma,
                        float *dbeta);

    /* ---- elementwise activations ---- */
    /* y = x * sigmoid(x) over n elements (y may alias x). */
    void (*silu_forward)(YcBackend *be, size_t n, const float *x, float *y);
    /* dx (= or +=) dy * d silu(x) / dx. */
    void (*silu_backward)(YcBackend *be, size_t n, const float *x, const float *dy, float *dx, bool accumulate);
    /* y = sigmoid(x) (y may alias x). */
    void (*sigmoid_forward)(YcBackend *be, size_t n, const float *x, float *y);

    /* ---- pooling, resampling ---- */
    void (*maxpool_forward)(YcBackend *be, const YcPoolShape *s, const float *x, float *y);
    /* Each dy goes to the first position (row-major within the window) whose x
     * equals the window's maximum y, as torch does. */
    void (*maxpool_backward)(YcBackend *be, const YcPoolShape *s, const float *x, const float *y, const float *dy,
                             float *dx, bool accumulate);
    /* Nearest-neighbour x2: x [planes, h, w] -> y [planes, 2h, 2w]. */
    void (*upsample2x_forward)(YcBackend *be, int64_t planes, int h, int w, const float *x, float *y);
    /* dx [planes, h, w] (= or +=) the sum of the 2x2 block of dy. */
    void (*upsample2x_backward)(YcBackend *be, int64_t planes, int h, int w, const float *dy, float *dx,
                                bool accumulate);

    /* ---- softmax (attention) ---- */
    /* Row-wise softmax over the last dimension: x, y [rows, cols] (y may alias x). */
    void (*softmax_forward)(YcBackend *be, int64_t rows, int cols, const float *x, float *y);
    /* dx (= or +=) y * (dy - sum_j dy_j y_j), row-wise; y is the forward output. */
    void (*softmax_backward)(YcBackend *be, int64_t rows, int cols, const float *y, const float *dy, float *dx,
                             bool accumulate);

    /* ---- detection head ---- */
    /* DFL: x is [batch, x_channels, anchors]; channels side*reg_max + bin (side 0..3 =
     * left, top, right, bottom) for the first 4*reg_max channels. out [batch, 4, anchors]
     * = sum over bins of softmax(bins) * bin (a distance in grid cells); overwritten. */
    void (*dfl_forward)(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                        float *out);
    /* dx over the first 4*reg_max channels of x's layout (= or +=) given dout [batch, 4, anchors];
     * the other channels of dx are not touched. */
    void (*dfl_backward)(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                         const float *dout, float *dx, bool accumulate);
    /* The evaluation decode of Detect: x [batch, 4*reg_max + nc, anchors] (levels
     * concatenated), anchor_xy [2, anchors] (cell centres, grid units), stride [anchors] ->
     * out [batch, 4 + nc, anchors]: boxes (cx, cy, w, h) in pixels from the DFL distances,
     * then sigmoid class scores. Overwritten. */
    void (*detect_decode)(YcBackend *be, int batch, int nc, int reg_max, int64_t anchors, const float *x,
                          const float *anchor_xy, const float *stride, float *out);

    /* ---- entries added for the CUDA backend (the CPU backend implements each one too) ---- */

    /* Host memory for staging batches: page-locked on CUDA, so that uploads from it are
     * asynchronous (keep such a buffer unchanged until the next `sync` or `download`
     * after uploading from it). An `upload` from any other host memory has read its
     * source when it returns. NULL when out of memory. */
    void *(*host_alloc)(YcBackend *be, size_t bytes);
    void (*host_free)(YcBackend *be, void *ptr);
    /* Input images: dst[i] = (float)src[i] / divisor for i < n (the reference's
     * img.float() / 255, a true division), src uint8 in host memory (host_alloc memory
     * for an asynchronous copy that overlaps queued work), dst in backend memory. */
    void (*upload_u8)(YcBackend *be, float *dst, const uint8_t *host_src, size_t n, float divisor);

    /* The precision of conv2d_* and gemm from now on (amp=). The CPU backend computes
     * in float32 whatever is asked (as the reference does on the CPU) and reports it:
     * returns the precision in effect, or -1 with err when the backend cannot start it.
     * conv2d_workspace depends on the precision: ask it again after a change (the
     * model re-plans when get_precision differs from its plan's). */
    int (*set_precision)(YcBackend *be, YcPrecision precision, YcErr *err);
    YcPrecision (*get_precision)(YcBackend *be);

    /* Fused training updates over a whole YcFusedSet (trainer/gpu_fused.h), each the
     * exact float32 arithmetic of the trainer/ function it names:
     * fused_prepare makes set->device once the set is filled (0, or -1 with err);
     * fused_release frees it. */
    int (*fused_prepare)(YcBackend *be, YcFusedSet *set, YcErr *err);
    void (*fused_release)(YcBackend *be, YcFusedSet *set);
    /* yc_clip_grad_norm over set->params; returns the total norm (syncs). */
    double (*fused_clip_grad_norm)(YcBackend *be, const YcFusedSet *set, double max_norm);
    /* yc_optim_step with o's kind, groups and step counts (o->step[] advances) on the
     * state in set->state1/state2; o->buf1/buf2 are not touched. o->params must be set->params. */
    void (*fused_optim_step)(YcBackend *be, const YcFusedSet *set, struct YcOptim *o);
    /* yc_ema_update of the copies in set->ema with e's decay (e->updates advances). */
    void (*fused_ema_update)(YcBackend *be, const YcFusedSet *set, struct YcEma *e);
    /* Loss scaling (amp=fp16): every gradient *= inv_scale (float32); returns true when
     * all of them are finite afterwards (syncs). */
    bool (*fused_unscale)(YcBackend *be, const YcFusedSet *set, float inv_scale);
};

/* The CPU backend with `threads` worker threads (<= 0: the number of online CPUs,
 * or $YOLOC_THREADS when set). Also sets OpenBLAS's thread count. NULL + err on failure. */
YcBackend *yc_backend_cpu_create(int threads, YcErr *err);

/* Frees a backend made by any *_create (NULL is fine). */
void yc_backend_destroy(YcBackend *be);

#endif
