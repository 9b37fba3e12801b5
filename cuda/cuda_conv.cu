// Convolutions through cuDNN and matrix products through cuBLAS.
//
// float32: NCHW float tensors straight from the table, FMA math only (no
// TF32), so that results match the CPU backend within the parity tolerances.
// bfloat16 / float16 (amp=): the inputs are converted to NHWC in the
// workspace (cuda_convert.cu), cuDNN runs its tensor-core kernels with float
// accumulation, and the result is converted back (adding the bias, or
// accumulating the weight gradient into the float32 master gradient), as
// autocast does with float32 master weights.
//
// Algorithms are chosen once per (direction, shape, precision, layout,
// determinism) when the model plans its workspace (conv2d_workspace), by
// timing the candidates (cudnnFind*) or by cuDNN's heuristics, and cached
// (trainer/gpu_algo_cache.h). The workspace holds cuDNN's scratch (the largest
// of the three directions) followed, in mixed precision, by the converted
// input, weights and output.
#include "cuda_internal.h"

static const float kOne = 1.0f, kZero = 0.0f;

static size_t align256(size_t n) { return (n + 255) / 256 * 256; }

static cudnnDataType_t data_type(YcPrecision p) {
    return p == YC_PREC_BF16 ? CUDNN_DATA_BFLOAT16 : p == YC_PREC_F16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
}

static YcConvLayout layout_of(YcPrecision p) { return p == YC_PREC_F32 ? YC_LAYOUT_NCHW : YC_LAYOUT_NHWC; }

// Describes the shape to cuDNN in precision p. cuDNN statuses are returned, not
// recorded: a precision cuDNN cannot do for this shape falls back to float32.
static cudnnStatus_t set_descs(CudaImpl *c, const YcConvShape *s, YcPrecision p) {
    cudnnDataType_t t = data_type(p);
    cudnnTensorFormat_t fmt = p == YC_PREC_F32 ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC;
    cudnnStatus_t st;
    if ((st = cudnnSetTensor4dDescriptor(c->xd, fmt, t, s->batch, s->c_in, s->h_in, s->w_in)) ||
        (st = cudnnSetTensor4dDescriptor(c->yd, fmt, t, s->batch, s->c_out, s->h_out, s->w_out)) ||
        (st = cudnnSetTensor4dDescriptor(c->y32d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s->batch, s->c_out, s->h_out, s->w_out)) ||
        (st = cudnnSetTensor4dDescriptor(c->bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, s->c_out, 1, 1)) ||
        (st = cudnnSetFilter4dDescriptor(c->wd, t, fmt, s->c_out, s->c_in / s->groups, s->kh, s->kw)) ||
        (st = cudnnSetConvolution2dDescriptor(c->cd, s->pad_h, s->pad_w, s->stride_h, s->stride_w, 1, 1,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT)) ||
        (st = cudnnSetConvolutionGroupCount(c->cd, s->groups)) ||
        (st = cudnnSetConvolutionMathType(c->cd, p == YC_PREC_F32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH)))
        return st;
    int n, k, h, w;
    if ((st = cudnnGetConvolution2dForwardOutputDim(c->cd, c->xd, c->wd, &n, &k, &h, &w))) return st;
    if (n != s->batch || k != s->c_out || h != s->h_out || w != s->w_out) return CUDNN_STATUS_BAD_PARAM;
    return CUDNN_STATUS_SUCCESS;
}

// The first acceptable candidate of cuDNN's ranking (fastest first).
template <typename Perf>
static int pick(CudaImpl *c, const Perf *perf, int count, YcPrecision p, bool need_deterministic) {
    for (int i = 0; i < count; i++) {
        if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > c->workspace_limit) continue;
        if (need_deterministic && perf[i].determinism != CUDNN_DETERMINISTIC) continue;
        // float32: no tensor-core (TF32) candidates; the descriptor asks for FMA math, so cuDNN
        // reports FMA or default math for the others
        if (p == YC_PREC_F32 && (perf[i].mathType == CUDNN_TENSOR_OP_MATH ||
                                 perf[i].mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION))
            continue;
        return i;
    }
    return -1;
}

template <typename Perf>
static bool take(CudaImpl *c, const Perf *perf, int count, YcPrecision p, YcConvAlgo *out) {
    int i = pick(c, perf, count, p, c->deterministic);
    if (i < 0 && c->deterministic) i = pick(c, perf, count, p, false); // a shape with no deterministic algorithm
    if (i < 0) return false;
    out->algo = (int)perf[i].algo;
    out->math = p == YC_PREC_F32 ? (int)CUDNN_FMA_MATH : (int)perf[i].mathType; // float32 runs with FMA math only
    out->workspace = perf[i].memory;
    out->ms = perf[i].time;
    return true;
}

// The algorithm of one direction in precision p (descriptors set for it): cached, or
// chosen now and cached. An entry with algo < 0 records that cuDNN has none.
static const YcConvAlgo *choose(CudaImpl *c, YcConvDir dir, const YcConvShape *s, YcPrecision p, const char *op) {
    YcConvKey key;
    yc_conv_key(&key, dir, s, p, layout_of(p), c->deterministic);
    const YcConvAlgo *known = yc_conv_algo_get(c->algos, &key);
    if (known) return known;
    YcConvAlgo a = {-1, 0, 0, 0};
    int got = 0;
    cudnnStatus_t st;
    if (dir == YC_CONV_FWD) {
        cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        st = c->benchmark
            ? cudnnFindConvolutionForwardAlgorithm(c->cudnn, c->xd, c->wd, c->cd, c->yd, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, perf)
            : cudnnGetConvolutionForwardAlgorithm_v7(c->cudnn, c->xd, c->wd, c->cd, c->yd, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, perf);
        if (st == CUDNN_STATUS_SUCCESS && !take(c, perf, got, p, &a)) a.algo = -1;
    } else if (dir == YC_CONV_BWD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        st = c->benchmark
            ? cudnnFindConvolutionBackwardDataAlgorithm(c->cudnn, c->wd, c->yd, c->cd, c->xd, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, perf)
            : cudnnGetConvolutionBackwardDataAlgorithm_v7(c->cudnn, c->wd, c->yd, c->cd, c->xd, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, perf);
        if (st == CUDNN_STATUS_SUCCESS && !take(c, perf, got, p, &a)) a.algo = -1;
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        st = c->benchmark
            ? cudnnFindConvolutionBackwardFilterAlgorithm(c->cudnn, c->xd, c->yd, c->cd, c->wd, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, perf)
            : cudnnGetConvolutionBackwardFilterAlgorithm_v7(c->cudnn, c->xd, c->yd, c->cd, c->wd, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, perf);
        if (st == CUDNN_STATUS_SUCCESS && !take(c, perf, got, p, &a)) a.algo = -1;
    }
    if (st != CUDNN_STATUS_SUCCESS) {
        a.algo = -1;
        // a failed search leaves no sticky CUDA error behind, but clear any it did leave
        cudaGetLastError();
    }
    if (yc_conv_algo_put(c->algos, &key, &a)) {
        cuda_fail(c, op, "out of host memory for the algorithm cache");
        return NULL;
    }
    return yc_conv_algo_get(c->algos, &key);
}

// Where things go in the workspace for a shape, with its three algorithms.
typedef struct ConvPlan {
    YcPrecision prec;            // the backend's precision, or float32 where cuDNN has no algorithm in it
    const YcConvAlgo *fwd, *bwd_data, *bwd_filter;
    size_t cudnn_bytes;          // cuDNN scratch at offset 0
    size_t x_off, w_off, y_off;  // mixed precision: converted input / weights / output (or their gradients)
    size_t total;
} ConvPlan;

static bool plan_at(CudaImpl *c, const YcConvShape *s, YcPrecision prec, ConvPlan *p, const char *op) {
    if (set_descs(c, s, prec) != CUDNN_STATUS_SUCCESS) return false;
    p->prec = prec;
    p->fwd = choose(c, YC_CONV_FWD, s, prec, op);
    p->bwd_data = p->fwd && p->fwd->algo >= 0 ? choose(c, YC_CONV_BWD_DATA, s, prec, op) : NULL;
    p->bwd_filter = p->bwd_data && p->bwd_data->algo >= 0 ? choose(c, YC_CONV_BWD_FILTER, s, prec, op) : NULL;
    if (!p->bwd_filter || p->bwd_filter->algo < 0) return false;
    size_t ws = p->fwd->workspace;
    if (p->bwd_data->workspace > ws) ws = p->bwd_data->workspace;
    if (p->bwd_filter->workspace > ws) ws = p->bwd_filter->workspace;
    p->cudnn_bytes = align256(ws);
    p->total = p->cudnn_bytes;
    p->x_off = p->w_off = p->y_off = 0;
    if (prec != YC_PREC_F32) {
        size_t half = 2;
        p->x_off = p->total;
        p->total += align256((size_t)s->batch * s->c_in * s->h_in * s->w_in * half);
        p->w_off = p->total;
        p->total += align256((size_t)s->c_out * (s->c_in / s->groups) * s->kh * s->kw * half);
        p->y_off = p->total;
        p->total += align256((size_t)s->batch * s->c_out * s->h_out * s->w_out * half);
    }
    return true;
}

// The plan in the backend's precision, else (a shape cuDNN cannot do in it, such as
// some 3-channel or grouped layouts) in float32; descriptors are left set for it.
static bool plan(CudaImpl *c, const YcConvShape *s, ConvPlan *p, const char *op) {
    if (plan_at(c, s, c->precision, p, op)) return true;
    if (c->precision != YC_PREC_F32 && plan_at(c, s, YC_PREC_F32, p, op)) return true;
    if (c->failed) return false;
    char what[256];
    cudnnStatus_t st = set_descs(c, s, c->precision);
    snprintf(what, sizeof what,
             "no usable cuDNN algorithm for %dx%dx%dx%d -> %dx%dx%dx%d, %dx%d kernel, stride %d, pad %d, groups %d (%s%s)",
             s->batch, s->c_in, s->h_in, s->w_in, s->batch, s->c_out, s->h_out, s->w_out, s->kh, s->kw, s->stride_h,
             s->pad_h, s->groups, c->precision == YC_PREC_F32 ? "float32" : "mixed precision or float32",
             st == CUDNN_STATUS_SUCCESS ? "" : ": the shape is refused by cuDNN");
    cuda_fail(c, op, what);
    return false;
}

size_t cuda_conv2d_workspace(YcBackend *be, const YcConvShape *s) {
    CudaImpl *c = cuda_impl(be);
    ConvPlan p;
    return plan(c, s, &p, "conv2d_workspace") ? p.total : 0;
}

// The workspace must hold the plan: when `ws` is a block of our allocator its size is
// known, and a smaller one (sized before a precision switch, say) is an error, not an overrun.
static bool workspace_ok(CudaImpl *c, const ConvPlan *p, const void *ws, const char *op) {
    size_t have = ws ? yc_gpu_cache_block_size(c->cache, ws) : 0;
    if ((ws && !have) || have >= p->total || (!ws && p->total == 0)) return true;
    char what[200];
    snprintf(what, sizeof what, "workspace of %zu bytes, the convolution needs %zu (ask conv2d_workspace again after "
             "set_precision)", have, p->total);
    cuda_fail(c, op, what);
    return false;
}

static bool set_math(CudaImpl *c, const YcConvAlgo *a, const char *op) {
    return dnn_ok(c, cudnnSetConvolutionMathType(c->cd, (cudnnMathType_t)a->math), "cudnnSetConvolutionMathType", op);
}

void cuda_conv2d_forward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *bias, float *y,
                         void *ws) {
    CudaImpl *c = cuda_impl(be);
    const char *op = "conv2d_forward";
    ConvPlan p;
    if (!plan(c, s, &p, op) || !workspace_ok(c, &p, ws, op) || !set_math(c, p.fwd, op)) return;
    cudnnConvolutionFwdAlgo_t algo = (cudnnConvolutionFwdAlgo_t)p.fwd->algo;
    if (p.prec == YC_PREC_F32) {
        dnn_ok(c, cudnnConvolutionForward(c->cudnn, &kOne, c->xd, x, c->wd, w, c->cd, algo, ws, p.fwd->workspace, &kZero, c->yd, y),
               "cudnnConvolutionForward", op);
        if (bias) dnn_ok(c, cudnnAddTensor(c->cudnn, &kOne, c->bd, bias, &kOne, c->yd, y), "cudnnAddTensor", op);
        return;
    }
    char *base = (char *)ws;
    void *xb = base + p.x_off, *wb = base + p.w_off, *yb = base + p.y_off;
    cuda_to_nhwc(c, p.prec, x, xb, s->batch, s->c_in, (int64_t)s->h_in * s->w_in, op);
    cuda_to_nhwc(c, p.prec, w, wb, s->c_out, s->c_in / s->groups, (int64_t)s->kh * s->kw, op);
    dnn_ok(c, cudnnConvolutionForward(c->cudnn, &kOne, c->xd, xb, c->wd, wb, c->cd, algo, ws, p.fwd->workspace, &kZero, c->yd, yb),
           "cudnnConvolutionForward", op);
    cuda_from_nhwc(c, p.prec, yb, y, s->batch, s->c_out, (int64_t)s->h_out * s->w_out, bias, false, op);
}

void cuda_conv2d_backward(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *dy, float *dx,
                          bool accumulate, float *dw, float *dbias, void *ws) {
    CudaImpl *c = cuda_impl(be);
    const char *op = "conv2d_backward";
    ConvPlan p;
    if (!plan(c, s, &p, op) || !workspace_ok(c, &p, ws, op)) return;
    if (dbias) dnn_ok(c, cudnnConvolutionBackwardBias(c->cudnn, &kOne, c->y32d, dy, &kOne, c->bd, dbias), "cudnnConvolutionBackwardBias", op);
    if (!dx && !dw) return;
    cudnnConvolutionBwdFilterAlgo_t falgo = (cudnnConvolutionBwdFilterAlgo_t)p.bwd_filter->algo;
    cudnnConvolutionBwdDataAlgo_t dalgo = (cudnnConvolutionBwdDataAlgo_t)p.bwd_data->algo;
    if (p.prec == YC_PREC_F32) {
        if (dw && set_math(c, p.bwd_filter, op))
            dnn_ok(c, cudnnConvolutionBackwardFilter(c->cudnn, &kOne, c->xd, x, c->yd, dy, c->cd, falgo, ws, p.bwd_filter->workspace,
                                                     &kOne, c->wd, dw), "cudnnConvolutionBackwardFilter", op);
        if (dx && set_math(c, p.bwd_data, op))
            dnn_ok(c, cudnnConvolutionBackwardData(c->cudnn, &kOne, c->wd, w, c->yd, dy, c->cd, dalgo, ws, p.bwd_data->workspace,
                                                   accumulate ? &kOne : &kZero, c->xd, dx), "cudnnConvolutionBackwardData", op);
        return;
    }
    char *base = (char *)ws;
    void *xb = base + p.x_off, *wb = base + p.w_off, *yb = base + p.y_off;
    cuda_to_nhwc(c, p.prec, dy, yb, s->batch, s->c_out, (int64_t)s->h_out * s->w_out, op);
    if (dw && set_math(c, p.bwd_filter, op)) {
        cuda_to_nhwc(c, p.prec, x, xb, s->batch, s->c_in, (int64_t)s->h_in * s->w_in, op);
        dnn_ok(c, cudnnConvolutionBackwardFilter(c->cudnn, &kOne, c->xd, xb, c->yd, yb, c->cd, falgo, ws, p.bwd_filter->workspace,
                                                 &kZero, c->wd, wb), "cudnnConvolutionBackwardFilter", op);
        cuda_from_nhwc(c, p.prec, wb, dw, s->c_out, s->c_in / s->groups, (int64_t)s->kh * s->kw, NULL, true, op);
    }
    if (dx && set_math(c, p.bwd_data, op)) {
        cuda_to_nhwc(c, p.prec, w, wb, s->c_out, s->c_in / s->groups, (int64_t)s->kh * s->kw, op);
        dnn_ok(c, cudnnConvolutionBackwardData(c->cudnn, &kOne, c->wd, wb, c->yd, yb, c->cd, dalgo, ws, p.bwd_data->workspace,
                                               &kZero, c->xd, xb), "cudnnConvolutionBackwardData", op);
        cuda_from_nhwc(c, p.prec, xb, dx, s->batch, s->c_in, (int64_t)s->h_in * s->w_in, NULL, accumulate, op);
    }
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first.
void cuda_gemm(YcBackend *be, bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *cm, int ldc,
               int64_t stride_c, int batch) {
    CudaImpl *c = cuda_impl(be);
    if (batch <= 0 || m <= 0 || n <= 0) return;
    cublasComputeType_t compute = c->precision == YC_PREC_BF16 ? CUBLAS_COMPUTE_32F_FAST_16BF
                                  : c->precision == YC_PREC_F16 ? CUBLAS_COMPUTE_32F_FAST_16F
                                                                : CUBLAS_COMPUTE_32F;
    blas_ok(c, cublasGemmStridedBatchedEx(c->cublas, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                                          n, m, k, &alpha, b, CUDA_R_32F, ldb, stride_b, a, CUDA_R_32F, lda, stride_a, &beta,
                                          cm, CUDA_R_32F, ldc, stride_c, batch, compute, CUBLAS_GEMM_DEFAULT),
            "cublasGemmStridedBatchedEx", "gemm");
}
