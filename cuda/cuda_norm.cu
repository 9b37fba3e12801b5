// Batch normalisation on the GPU, with the CPU backend's statistics: the mean
// and the biased variance (two passes: sum, then squared deviations from the
// float mean) summed in double, running statistics with the unbiased
// variance. One block per (image, channel) plane writes partial sums; the
// blocks of the next pass add a channel's partials in a fixed order, so every
// block sees the same statistics and results do not depend on timing.
#include "cuda_internal.h"

// grid (batch, channels): partial[c * batch + b] = sum over plane (b, c) of x, or of (x - mean_c)^2.
__global__ void k_bn_sum(const float *x, int channels, int64_t hw, double *partial) {
    int b = blockIdx.x, c = blockIdx.y;
    const float *xp = x + ((int64_t)b * channels + c) * hw;
    double s = 0;
    for (int64_t i = threadIdx.x; i < hw; i += blockDim.x) s += (double)xp[i];
    s = block_sum_double(s);
    if (threadIdx.x == 0) partial[(int64_t)c * gridDim.x + b] = s;
}

static __device__ __forceinline__ double channel_total(const double *partial, int c, int batch) {
    double s = 0;
    for (int b = 0; b < batch; b++) s += partial[(int64_t)c * batch + b];
    return s;
}

__global__ void k_bn_dev(const float *x, int channels, int64_t hw, const double *sums, double *partial) {
    int b = blockIdx.x, c = blockIdx.y, batch = gridDim.x;
    float mean = (float)(channel_total(sums, c, batch) / ((double)batch * hw));
    const float *xp = x + ((int64_t)b * channels + c) * hw;
    double s = 0;
    for (int64_t i = threadIdx.x; i < hw; i += blockDim.x) {
        float d = xp[i] - mean;
        s += (double)(d * d);
    }
    s = block_sum_double(s);
    if (threadIdx.x == 0) partial[(int64_t)c * batch + b] = s;
}

__global__ void k_bn_apply_train(const float *x, int channels, int64_t hw, const double *sums, const double *devs,
                                 const float *gamma, const float *beta, float eps, float momentum, float *y,
                                 float *save_mean, float *save_invstd, float *run_mean, float *run_var) {
    int b = blockIdx.x, c = blockIdx.y, batch = gridDim.x;
    __shared__ float scale_shift[2];
    if (threadIdx.x == 0) {
        double n = (double)batch * hw;
        double mean = channel_total(sums, c, batch) / n, sq = channel_total(devs, c, batch);
        double var = sq / n, invstd = 1.0 / sqrt(var + eps);
        scale_shift[0] = (float)(invstd * gamma[c]);
        scale_shift[1] = (float)(beta[c] - mean * invstd * gamma[c]);
        if (b == 0) {
            save_mean[c] = (float)mean;
            save_invstd[c] = (float)invstd;
            double unbiased = n > 1 ? sq / (n - 1) : var;
            run_mean[c] = (1.0f - momentum) * run_mean[c] + momentum * (float)mean;
            run_var[c] = (1.0f - momentum) * run_var[c] + momentum * (float)unbiased;
        }
    }
    __syncthreads();
    float scale = scale_shift[0], shift = scale_shift[1];
    int64_t off = ((int64_t)b * channels + c) * hw;
    for (int64_t i = threadIdx.x; i < hw; i += blockDim.x) y[off + i] = x[off + i] * scale + shift;
}

static bool bn_grid_ok(CudaImpl *c, const YcBnShape *s, const char *op) {
    if (s->channels > 65535) {
        cuda_fail(c, op, "more than 65535 channels");
        return false;
    }
    return s->batch > 0 && s->channels > 0 && s->spatial > 0;
}

static int bn_threads(int64_t hw) { return hw >= 1024 ? 256 : hw >= 256 ? 128 : 64; }

void cuda_bn_forward_train(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                           float *y, float *save_mean, float *save_invstd, float *running_mean, float *running_var) {
    CudaImpl *c = cuda_impl(be);
    if (!bn_grid_ok(c, s, "bn_forward_train")) return;
    size_t parts = (size_t)s->batch * s->channels;
    double *sums = (double *)cuda_scratch(c, 2 * parts * sizeof(double), "bn_forward_train");
    if (!sums) return;
    double *devs = sums + parts;
    dim3 grid((unsigned)s->batch, (unsigned)s->channels);
    int t = bn_threads(s->spatial);
    k_bn_sum<<<grid, t, 0, c->stream>>>(x, s->channels, s->spatial, sums);
    launch_ok(c, "k_bn_sum", "bn_forward_train");
    k_bn_dev<<<grid, t, 0, c->stream>>>(x, s->channels, s->spatial, sums, devs);
    launch_ok(c, "k_bn_dev", "bn_forward_train");
    k_bn_apply_train<<<grid, t, 0, c->stream>>>(x, s->channels, s->spatial, sums, devs, gamma, beta, s->eps,
                                                s->momentum, y, save_mean, save_invstd, running_mean, running_var);
    launch_ok(c, "k_bn_apply_train", "bn_forward_train");
}

__global__ void k_bn_eval(const float *x, int channels, int64_t hw, const float *gamma, const float *beta,
                          const float *rmean, const float *rvar, float eps, float *y) {
    int b = blockIdx.x, c = blockIdx.y;
    float invstd = 1.0f / sqrtf(rvar[c] + eps);
    float scale = invstd * gamma[c], mean = rmean[c], shift = beta[c];
    int64_t off = ((int64_t)b * channels + c) * hw;
    for (int64_t i = threadIdx.x; i < hw; i += blockDim.x) y[off + i] = (x[off + i] - mean) * scale + shift;
}

void cuda_bn_forward_eval(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                          const float *running_mean, const float *running_var, float *y) {
    CudaImpl *c = cuda_impl(be);
    if (!bn_grid_ok(c, s, "bn_forward_eval")) return;
    dim3 grid((unsigned)s->batch, (unsigned)s->channels);
    k_bn_eval<<<grid, bn_threads(s->spatial), 0, c->stream>>>(x, s->channels, s->spatial, gamma, beta, running_mean,
                                                               running_var, s->eps, y);
    launch_ok(c, "k_bn_eval", "bn_forward_eval");
}

// partial sums of dy and dy * (x - mean) per plane
__global__ void k_bn_grad_sums(const float *x, const float *dy, int channels, int64_t hw, const float *save_mean,
                               double *sum_dy, double *sum_dyx) {
    int b = blockIdx.x, c = blockIdx.y;
    int64_t off = ((int64_t)b * channels + c) * hw;
    float mean = save_mean[c];
    double a = 0, ax = 0;
    for (int64_t i = threadIdx.x; i < hw; i += blockDim.x) {
        float g = dy[off + i];
        a += (double)g;
        ax += (double)(g * (x[off + i] - mean));
    }
    a = block_sum_double(a);
    ax = block_sum_double(ax);
    if (threadIdx.x == 0) {
        sum_dy[(int64_t)c * gridDim.x + b] = a;
        sum_dyx[(int64_t)c * gridDim.x + b] = ax;
    }
}

// dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)); grid (batch, channels), or
// (1, channels) with dx NULL for the parameter gradients only. Block b == 0 adds dgamma, dbeta.
__global__ void k_bn_backward_apply(const float *x, const float *dy, int channels, int batch, int64_t hw,
                                    const float *gamma, const float *save_mean, const float *save_invstd,
                                    const double *sum_dy, const double *sum_dyx, float *dx, bool accumulate,
                                    float *dgamma, float *dbeta) {
    int b = blockIdx.x, c = blockIdx.y;
    float mean = save_mean[c], invstd = save_invstd[c];
    double n = (double)batch * hw;
    double a = channel_total(sum_dy, c, batch), ax = channel_total(sum_dyx, c, batch) * invstd;
    if (b == 0 && threadIdx.x == 0) {
        if (dgamma) dgamma[c] += (float)ax;
        if (dbeta) dbeta[c] += (float)a;
    }
    if (!dx) return;
    float k = gamma[c] * invstd, mdy = (float)(a / n), mdyx = (float)(ax / n);
    int64_t off = ((int64_t)b * channels + c) * hw;
    for (int64_t i = threadIdx.x; i < hw; i += blockDim.x) {
        float g = k * (dy[off + i] - mdy - (x[off + i] - mean) * invstd * mdyx);
        dx[off + i] = accumulate ? dx[off + i] + g : g;
    }
}

void cuda_bn_backward(YcBackend *be, const YcBnShape *s, const float *x, const float *dy, const float *gamma,
                      const float *save_mean, const float *save_invstd, float *dx, bool accumulate, float *dgamma,
                      float *dbeta) {
    CudaImpl *c = cuda_impl(be);
    if (!bn_grid_ok(c, s, "bn_backward") || (!dx && !dgamma && !dbeta)) return;
    size_t parts = (size_t)s->batch * s->channels;
    double *sum_dy = (double *)cuda_scratch(c, 2 * parts * sizeof(double), "bn_backward");
    if (!sum_dy) return;
    double *sum_dyx = sum_dy + parts;
    dim3 grid((unsigned)s->batch, (unsigned)s->channels);
    int t = bn_threads(s->spatial);
    k_bn_grad_sums<<<grid, t, 0, c->stream>>>(x, dy, s->channels, s->spatial, save_mean, sum_dy, sum_dyx);
    launch_ok(c, "k_bn_grad_sums", "bn_backward");
    dim3 apply_grid(dx ? (unsigned)s->batch : 1u, (unsigned)s->channels);
    k_bn_backward_apply<<<apply_grid, t, 0, c->stream>>>(x, dy, s->channels, s->batch, s->spatial, gamma, save_mean,
                                                         save_invstd, sum_dy, sum_dyx, dx, accumulate, dgamma, dbeta);
    launch_ok(c, "k_bn_backward_apply", "bn_backward");
}
