/* CPU vector primitives: fill, scale, axpy, sum of squares, block copies, add. */
#include <string.h>

#include "ops_cpu.h"
#include "ops_cpu_math.h"

#define ELEMENTWISE_CHUNK 32768

typedef struct VecJob {
    float *y;
    const float *x, *x2;
    float alpha;
} VecJob;

static void fill_task(void *ctx, int64_t b, int64_t e) {
    VecJob *j = ctx;
    float v = j->alpha;
    if (v == 0.0f) {
        memset(j->y + b, 0, (size_t)(e - b) * sizeof(float));
        return;
    }
    for (int64_t i = b; i < e; i++) j->y[i] = v;
}

void yc_cpu_fill(YcBackend *be, float *x, size_t n, float value) {
    VecJob j = {.y = x, .alpha = value};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, ELEMENTWISE_CHUNK, fill_task, &j);
}

YC_HOT static void scale_task(void *ctx, int64_t b, int64_t e) {
    VecJob *j = ctx;
    float a = j->alpha;
    float *y = j->y;
    for (int64_t i = b; i < e; i++) y[i] *= a;
}

void yc_cpu_scale(YcBackend *be, float *x, size_t n, float alpha) {
    VecJob j = {.y = x, .alpha = alpha};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, ELEMENTWISE_CHUNK, scale_task, &j);
}

YC_HOT static void axpy_task(void *ctx, int64_t b, int64_t e) {
    VecJob *j = ctx;
    float a = j->alpha;
    float *y = j->y;
    const float *x = j->x;
    for (int64_t i = b; i < e; i++) y[i] += a * x[i];
}

void yc_cpu_axpy(YcBackend *be, size_t n, float alpha, const float *x, float *y) {
    VecJob j = {.y = y, .x = x, .alpha = alpha};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, ELEMENTWISE_CHUNK, axpy_task, &j);
}

/* Each range writes its own partial sum; ranges are fixed by (n, threads), so
 * the result does not depend on timing. */
typedef struct SumsqJob {
    const float *x;
    int64_t n;
    int parts;
    double partial[256];
} SumsqJob;

static void sumsq_task(void *ctx, int64_t b, int64_t e) {
    SumsqJob *j = ctx;
    for (int64_t p = b; p < e; p++) {
        int64_t lo = j->n * p / j->parts, hi = j->n * (p + 1) / j->parts;
        double s = 0;
        for (int64_t i = lo; i < hi; i++) s += (double)j->x[i] * j->x[i];
        j->partial[p] = s;
    }
}

double yc_cpu_sumsq(YcBackend *be, const float *x, size_t n) {
    SumsqJob j = {.x = x, .n = (int64_t)n, .parts = yc_cpu_threads_count(yc_cpu_threads_of(be))};
    if (j.parts > 256) j.parts = 256;
    yc_cpu_parallel_for(yc_cpu_threads_of(be), j.parts, 1, sumsq_task, &j);
    double s = 0;
    for (int p = 0; p < j.parts; p++) s += j.partial[p];
    return s;
}

typedef struct BlockJob {
    float *dst;
    const float *src;
    int64_t dst_stride, src_stride, len;
    bool accumulate;
} BlockJob;

YC_HOT static void blocks_task(void *ctx, int64_t b, int64_t e) {
    BlockJob *j = ctx;
    for (int64_t i = b; i < e; i++) {
        float *d = j->dst + i * j->dst_stride;
        const float *s = j->src + i * j->src_stride;
        if (j->accumulate)
            for (int64_t k = 0; k < j->len; k++) d[k] += s[k];
        else
            memcpy(d, s, (size_t)j->len * sizeof(float));
    }
}

/* Long single blocks are split across threads by elements instead. */
YC_HOT static void one_block_task(void *ctx, int64_t b, int64_t e) {
    BlockJob *j = ctx;
    if (j->accumulate)
        for (int64_t k = b; k < e; k++) j->dst[k] += j->src[k];
    else
        memcpy(j->dst + b, j->src + b, (size_t)(e - b) * sizeof(float));
}

void yc_cpu_copy_blocks(YcBackend *be, float *dst, int64_t dst_stride, const float *src, int64_t src_stride,
                        int64_t len, int64_t count, bool accumulate) {
    if (len <= 0 || count <= 0) return;
    BlockJob j = {dst, src, dst_stride, src_stride, len, accumulate};
    YcCpuThreads *t = yc_cpu_threads_of(be);
    if (count == 1) {
        yc_cpu_parallel_for(t, len, ELEMENTWISE_CHUNK, one_block_task, &j);
        return;
    }
    int64_t per_block = len < ELEMENTWISE_CHUNK ? (ELEMENTWISE_CHUNK + len - 1) / len : 1;
    yc_cpu_parallel_for(t, count, per_block, blocks_task, &j);
}

YC_HOT static void add_task(void *ctx, int64_t b, int64_t e) {
    VecJob *j = ctx;
    float *y = j->y;
    const float *a = j->x, *c = j->x2;
    for (int64_t i = b; i < e; i++) y[i] = a[i] + c[i];
}

void yc_cpu_add(YcBackend *be, size_t n, const float *a, const float *b, float *y) {
    VecJob j = {.y = y, .x = a, .x2 = b};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, ELEMENTWISE_CHUNK, add_task, &j);
}
