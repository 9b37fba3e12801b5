/* CPU batch normalisation. Statistics are accumulated in double per channel
 * (two passes: mean, then squared deviations) so that they do not depend on
 * the batch size's rounding. */
#include <math.h>
#include <string.h>

#include "ops_cpu.h"
#include "ops_cpu_math.h"

/* Sums in float over short chunks (8 lanes, see yc_sum8) and in double across
 * chunks, so that rounding does not grow with the number of elements. */
#define CHUNK 256

YC_HOT static double sum_chunked(const float *x, int64_t n) {
    double total = 0;
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) total += yc_sum8(x + i0, n - i0 < CHUNK ? n - i0 : CHUNK);
    return total;
}

/* Sum of (x - mean)^2, with mean a float close to the data's mean. */
YC_HOT static double sumsq_dev_chunked(const float *x, int64_t n, float mean) {
    double total = 0;
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
        int64_t len = n - i0 < CHUNK ? n - i0 : CHUNK;
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 8 <= len; i += 8)
            for (int k = 0; k < 8; k++) {
                float d = x[i0 + i + k] - mean;
                acc[k] += d * d;
            }
        for (; i < len; i++) {
            float d = x[i0 + i] - mean;
            acc[i & 7] += d * d;
        }
        total += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
    return total;
}

/* Over one chunk: sum of g, and of g * (x - mean). */
YC_HOT static void dy_sums(const float *g, const float *x, float mean, int64_t len, double *sum_g, double *sum_gx) {
    float a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, ax[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= len; i += 8)
        for (int k = 0; k < 8; k++) {
            a[k] += g[i + k];
            ax[k] += g[i + k] * (x[i + k] - mean);
        }
    for (; i < len; i++) {
        a[i & 7] += g[i];
        ax[i & 7] += g[i] * (x[i] - mean);
    }
    *sum_g += ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    *sum_gx += ((ax[0] + ax[1]) + (ax[2] + ax[3])) + ((ax[4] + ax[5]) + (ax[6] + ax[7]));
}

typedef struct BnJob {
    const YcBnShape *s;
    const float *x, *dy, *gamma, *beta, *mean, *invstd, *rmean, *rvar;
    float *y, *dx, *save_mean, *save_invstd, *run_mean, *run_var, *dgamma, *dbeta;
    bool accumulate;
} BnJob;

YC_HOT static void bn_train_task(void *ctx, int64_t c0, int64_t c1) {
    BnJob *j = ctx;
    const YcBnShape *s = j->s;
    int64_t hw = s->spatial, n = (int64_t)s->batch * hw;
    for (int64_t c = c0; c < c1; c++) {
        double sum = 0;
        for (int b = 0; b < s->batch; b++) sum += sum_chunked(j->x + ((int64_t)b * s->channels + c) * hw, hw);
        double mean = sum / (double)n;
        double sq = 0;
        for (int b = 0; b < s->batch; b++)
            sq += sumsq_dev_chunked(j->x + ((int64_t)b * s->channels + c) * hw, hw, (float)mean);
        double var = sq / (double)n;
        double invstd = 1.0 / sqrt(var + s->eps);
        float scale = (float)(invstd * j->gamma[c]);
        float shift = (float)(j->beta[c] - mean * invstd * j->gamma[c]);
        for (int b = 0; b < s->batch; b++) {
            const float *xp = j->x + ((int64_t)b * s->channels + c) * hw;
            float *yp = j->y + ((int64_t)b * s->channels + c) * hw;
            for (int64_t i = 0; i < hw; i++) yp[i] = xp[i] * scale + shift;
        }
        j->save_mean[c] = (float)mean;
        j->save_invstd[c] = (float)invstd;
        double unbiased = n > 1 ? sq / (double)(n - 1) : var;
        j->run_mean[c] = (1.0f - s->momentum) * j->run_mean[c] + s->momentum * (float)mean;
        j->run_var[c] = (1.0f - s->momentum) * j->run_var[c] + s->momentum * (float)unbiased;
    }
}

void yc_cpu_bn_forward_train(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                             float *y, float *save_mean, float *save_invstd, float *running_mean, float *running_var) {
    BnJob j = {.s = s, .x = x, .gamma = gamma, .beta = beta, .y = y, .save_mean = save_mean,
               .save_invstd = save_invstd, .run_mean = running_mean, .run_var = running_var};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), s->channels, 1, bn_train_task, &j);
}

YC_HOT static void bn_eval_task(void *ctx, int64_t p0, int64_t p1) {
    BnJob *j = ctx;
    const YcBnShape *s = j->s;
    for (int64_t p = p0; p < p1; p++) {
        int64_t c = p % s->channels;
        float invstd = 1.0f / sqrtf(j->rvar[c] + s->eps);
        float scale = invstd * j->gamma[c];
        float mean = j->rmean[c], beta = j->beta[c];
        const float *xp = j->x + p * s->spatial;
        float *yp = j->y + p * s->spatial;
        for (int64_t i = 0; i < s->spatial; i++) yp[i] = (xp[i] - mean) * scale + beta;
    }
}

void yc_cpu_bn_forward_eval(YcBackend *be, const YcBnShape *s, const float *x, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, float *y) {
    BnJob j = {.s = s, .x = x, .gamma = gamma, .beta = beta, .rmean = running_mean, .rvar = running_var, .y = y};
    int64_t planes = (int64_t)s->batch * s->channels;
    yc_cpu_parallel_for(yc_cpu_threads_of(be), planes, 1 + 16384 / (s->spatial + 1), bn_eval_task, &j);
}

/* dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)). */
YC_HOT static void bn_backward_task(void *ctx, int64_t c0, int64_t c1) {
    BnJob *j = ctx;
    const YcBnShape *s = j->s;
    int64_t hw = s->spatial, n = (int64_t)s->batch * hw;
    for (int64_t c = c0; c < c1; c++) {
        float mean = j->mean[c], invstd = j->invstd[c];
        double sum_dy = 0, sum_dy_xhat = 0;
        for (int b = 0; b < s->batch; b++) {
            int64_t off = ((int64_t)b * s->channels + c) * hw;
            const float *xp = j->x + off, *g = j->dy + off;
            for (int64_t i0 = 0; i0 < hw; i0 += CHUNK)
                dy_sums(g + i0, xp + i0, mean, hw - i0 < CHUNK ? hw - i0 : CHUNK, &sum_dy, &sum_dy_xhat);
        }
        sum_dy_xhat *= invstd;
        if (j->dgamma) j->dgamma[c] += (float)sum_dy_xhat;
        if (j->dbeta) j->dbeta[c] += (float)sum_dy;
        if (!j->dx) continue;
        float k = j->gamma[c] * invstd;
        float mdy = (float)(sum_dy / (double)n), mdyx = (float)(sum_dy_xhat / (double)n);
        for (int b = 0; b < s->batch; b++) {
            int64_t off = ((int64_t)b * s->channels + c) * hw;
            const float *xp = j->x + off, *g = j->dy + off;
            float *d = j->dx + off;
            if (j->accumulate)
                for (int64_t i = 0; i < hw; i++) d[i] += k * (g[i] - mdy - (xp[i] - mean) * invstd * mdyx);
            else
                for (int64_t i = 0; i < hw; i++) d[i] = k * (g[i] - mdy - (xp[i] - mean) * invstd * mdyx);
        }
    }
}

void yc_cpu_bn_backward(YcBackend *be, const YcBnShape *s, const float *x, const float *dy, const float *gamma,
                        const float *save_mean, const float *save_invstd, float *dx, bool accumulate, float *dgamma,
                        float *dbeta) {
    BnJob j = {.s = s, .x = x, .dy = dy, .gamma = gamma, .mean = save_mean, .invstd = save_invstd, .dx = dx,
               .accumulate = accumulate, .dgamma = dgamma, .dbeta = dbeta};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), s->channels, 1, bn_backward_task, &j);
}
