/* CPU activations: SiLU, sigmoid, and the row softmax of attention. */
#include <math.h>

#include "ops_cpu.h"
#include "ops_cpu_math.h"

#define ELEMENTWISE_CHUNK 32768

typedef struct ActJob {
    const float *x, *dy;
    float *y, *dx;
    bool accumulate;
    int64_t rows;
    int cols;
} ActJob;

YC_HOT static void silu_task(void *ctx, int64_t b, int64_t e) {
    ActJob *j = ctx;
    const float *x = j->x;
    float *y = j->y;
    for (int64_t i = b; i < e; i++) y[i] = x[i] / (1.0f + yc_expf(-x[i]));
}

void yc_cpu_silu_forward(YcBackend *be, size_t n, const float *x, float *y) {
    ActJob j = {.x = x, .y = y};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, ELEMENTWISE_CHUNK, silu_task, &j);
}

/* d/dx x*s(x) = s(x) * (1 + x * (1 - s(x))). */
YC_HOT static void silu_backward_task(void *ctx, int64_t b, int64_t e) {
    ActJob *j = ctx;
    const float *x = j->x, *dy = j->dy;
    float *dx = j->dx;
    if (j->accumulate) {
        for (int64_t i = b; i < e; i++) {
            float s = 1.0f / (1.0f + yc_expf(-x[i]));
            dx[i] += dy[i] * s * (1.0f + x[i] * (1.0f - s));
        }
    } else {
        for (int64_t i = b; i < e; i++) {
            float s = 1.0f / (1.0f + yc_expf(-x[i]));
            dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
        }
    }
}

void yc_cpu_silu_backward(YcBackend *be, size_t n, const float *x, const float *dy, float *dx, bool accumulate) {
    ActJob j = {.x = x, .dy = dy, .dx = dx, .accumulate = accumulate};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, ELEMENTWISE_CHUNK, silu_backward_task, &j);
}

YC_HOT static void sigmoid_task(void *ctx, int64_t b, int64_t e) {
    ActJob *j = ctx;
    for (int64_t i = b; i < e; i++) j->y[i] = 1.0f / (1.0f + yc_expf(-j->x[i]));
}

void yc_cpu_sigmoid_forward(YcBackend *be, size_t n, const float *x, float *y) {
    ActJob j = {.x = x, .y = y};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, ELEMENTWISE_CHUNK, sigmoid_task, &j);
}

YC_HOT static void softmax_task(void *ctx, int64_t b, int64_t e) {
    ActJob *j = ctx;
    int n = j->cols;
    for (int64_t r = b; r < e; r++) {
        const float *x = j->x + r * n;
        float *y = j->y + r * n;
        float m = x[0];
        for (int i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
        float sum = 0;
        for (int i = 0; i < n; i++) {
            y[i] = yc_expf(x[i] - m);
            sum += y[i];
        }
        float inv = 1.0f / sum;
        for (int i = 0; i < n; i++) y[i] *= inv;
    }
}

void yc_cpu_softmax_forward(YcBackend *be, int64_t rows, int cols, const float *x, float *y) {
    ActJob j = {.x = x, .y = y, .rows = rows, .cols = cols};
    int64_t per = cols >= 4096 ? 1 : 4096 / (cols > 0 ? cols : 1);
    yc_cpu_parallel_for(yc_cpu_threads_of(be), rows, per, softmax_task, &j);
}

YC_HOT static void softmax_backward_task(void *ctx, int64_t b, int64_t e) {
    ActJob *j = ctx;
    int n = j->cols;
    for (int64_t r = b; r < e; r++) {
        const float *y = j->x + r * n, *dy = j->dy + r * n;
        float *dx = j->dx + r * n;
        float dot = 0;
        for (int i = 0; i < n; i++) dot += dy[i] * y[i];
        if (j->accumulate)
            for (int i = 0; i < n; i++) dx[i] += y[i] * (dy[i] - dot);
        else
            for (int i = 0; i < n; i++) dx[i] = y[i] * (dy[i] - dot);
    }
}

void yc_cpu_softmax_backward(YcBackend *be, int64_t rows, int cols, const float *y, const float *dy, float *dx,
                             bool accumulate) {
    ActJob j = {.x = y, .dy = dy, .dx = dx, .accumulate = accumulate, .rows = rows, .cols = cols};
    int64_t per = cols >= 4096 ? 1 : 4096 / (cols > 0 ? cols : 1);
    yc_cpu_parallel_for(yc_cpu_threads_of(be), rows, per, softmax_backward_task, &j);
}
