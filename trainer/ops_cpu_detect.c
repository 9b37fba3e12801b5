/* CPU detection-head operations: the DFL expectation (softmax over the
 * reg_max bins of each box side, times the bin index) with its backward, and
 * the evaluation decode to pixel boxes and class probabilities. Work is split
 * into (image, block of anchors) units; anchors are contiguous in memory. */
#include <math.h>

#include "ops_cpu.h"
#include "ops_cpu_math.h"

#define BLOCK 256

typedef struct DflJob {
    int batch, channels, reg_max, nc;
    int64_t anchors, blocks;
    const float *x, *dout, *anchor_xy, *stride;
    float *out, *dx;
    bool accumulate;
} DflJob;

/* Softmax over the bins of one side for anchors [a0, a0 + n): p[k][i], and
 * the expectation e[i]. xs points at bin 0 of that side for anchor a0. */
static void side_softmax(const float *xs, int64_t anchors, int reg_max, int n, float p[][BLOCK], float *e) {
    float m[BLOCK], sum[BLOCK];
    for (int i = 0; i < n; i++) m[i] = xs[i];
    for (int k = 1; k < reg_max; k++)
        for (int i = 0; i < n; i++) m[i] = xs[k * anchors + i] > m[i] ? xs[k * anchors + i] : m[i];
    for (int i = 0; i < n; i++) sum[i] = 0;
    for (int k = 0; k < reg_max; k++)
        for (int i = 0; i < n; i++) {
            p[k][i] = yc_expf(xs[k * anchors + i] - m[i]);
            sum[i] += p[k][i];
        }
    for (int i = 0; i < n; i++) {
        sum[i] = 1.0f / sum[i];
        e[i] = 0;
    }
    for (int k = 0; k < reg_max; k++)
        for (int i = 0; i < n; i++) {
            p[k][i] *= sum[i];
            e[i] += (float)k * p[k][i];
        }
}

YC_HOT static void dfl_forward_task(void *ctx, int64_t u0, int64_t u1) {
    DflJob *j = ctx;
    float p[64][BLOCK], e[BLOCK];
    for (int64_t u = u0; u < u1; u++) {
        int64_t b = u / j->blocks, a0 = (u % j->blocks) * BLOCK;
        int n = (int)(j->anchors - a0 < BLOCK ? j->anchors - a0 : BLOCK);
        for (int side = 0; side < 4; side++) {
            const float *xs = j->x + (b * j->channels + (int64_t)side * j->reg_max) * j->anchors + a0;
            side_softmax(xs, j->anchors, j->reg_max, n, p, e);
            float *o = j->out + (b * 4 + side) * j->anchors + a0;
            for (int i = 0; i < n; i++) o[i] = e[i];
        }
    }
}

void yc_cpu_dfl_forward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                        float *out) {
    DflJob j = {.batch = batch, .channels = x_channels, .reg_max = reg_max, .anchors = anchors, .x = x, .out = out};
    j.blocks = (anchors + BLOCK - 1) / BLOCK;
    yc_cpu_parallel_for(yc_cpu_threads_of(be), batch * j.blocks, 4, dfl_forward_task, &j);
}

/* d x_k = dout * p_k * (k - E). */
YC_HOT static void dfl_backward_task(void *ctx, int64_t u0, int64_t u1) {
    DflJob *j = ctx;
    float p[64][BLOCK], e[BLOCK];
    for (int64_t u = u0; u < u1; u++) {
        int64_t b = u / j->blocks, a0 = (u % j->blocks) * BLOCK;
        int n = (int)(j->anchors - a0 < BLOCK ? j->anchors - a0 : BLOCK);
        for (int side = 0; side < 4; side++) {
            int64_t off = (b * j->channels + (int64_t)side * j->reg_max) * j->anchors + a0;
            side_softmax(j->x + off, j->anchors, j->reg_max, n, p, e);
            const float *g = j->dout + (b * 4 + side) * j->anchors + a0;
            for (int k = 0; k < j->reg_max; k++) {
                float *d = j->dx + off + k * j->anchors;
                for (int i = 0; i < n; i++) {
                    float v = g[i] * p[k][i] * ((float)k - e[i]);
                    d[i] = j->accumulate ? d[i] + v : v;
                }
            }
        }
    }
}

void yc_cpu_dfl_backward(YcBackend *be, int batch, int x_channels, int64_t anchors, int reg_max, const float *x,
                         const float *dout, float *dx, bool accumulate) {
    DflJob j = {.batch = batch, .channels = x_channels, .reg_max = reg_max, .anchors = anchors, .x = x,
                .dout = dout, .dx = dx, .accumulate = accumulate};
    j.blocks = (anchors + BLOCK - 1) / BLOCK;
    yc_cpu_parallel_for(yc_cpu_threads_of(be), batch * j.blocks, 4, dfl_backward_task, &j);
}

YC_HOT static void decode_task(void *ctx, int64_t u0, int64_t u1) {
    DflJob *j = ctx;
    float p[64][BLOCK], dist[4][BLOCK];
    int out_channels = 4 + j->nc;
    for (int64_t u = u0; u < u1; u++) {
        int64_t b = u / j->blocks, a0 = (u % j->blocks) * BLOCK;
        int n = (int)(j->anchors - a0 < BLOCK ? j->anchors - a0 : BLOCK);
        for (int side = 0; side < 4; side++) {
            const float *xs = j->x + (b * j->channels + (int64_t)side * j->reg_max) * j->anchors + a0;
            side_softmax(xs, j->anchors, j->reg_max, n, p, dist[side]);
        }
        const float *ax = j->anchor_xy + a0, *ay = j->anchor_xy + j->anchors + a0, *st = j->stride + a0;
        float *o = j->out + b * out_channels * j->anchors + a0;
        for (int i = 0; i < n; i++) {
            float x1 = ax[i] - dist[0][i], y1 = ay[i] - dist[1][i];
            float x2 = ax[i] + dist[2][i], y2 = ay[i] + dist[3][i];
            o[i] = (x1 + x2) / 2 * st[i];
            o[j->anchors + i] = (y1 + y2) / 2 * st[i];
            o[2 * j->anchors + i] = (x2 - x1) * st[i];
            o[3 * j->anchors + i] = (y2 - y1) * st[i];
        }
        for (int c = 0; c < j->nc; c++) {
            const float *xc = j->x + (b * j->channels + 4 * j->reg_max + c) * j->anchors + a0;
            float *oc = o + (int64_t)(4 + c) * j->anchors;
            for (int i = 0; i < n; i++) oc[i] = 1.0f / (1.0f + yc_expf(-xc[i]));
        }
    }
}

void yc_cpu_detect_decode(YcBackend *be, int batch, int nc, int reg_max, int64_t anchors, const float *x,
                          const float *anchor_xy, const float *stride, float *out) {
    DflJob j = {.batch = batch, .channels = 4 * reg_max + nc, .reg_max = reg_max, .nc = nc, .anchors = anchors,
                .x = x, .anchor_xy = anchor_xy, .stride = stride, .out = out};
    j.blocks = (anchors + BLOCK - 1) / BLOCK;
    yc_cpu_parallel_for(yc_cpu_threads_of(be), batch * j.blocks, 4, decode_task, &j);
}
