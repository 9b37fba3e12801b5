/* CPU max pooling (stride 1, "same" padding, as SPPF uses it) and nearest x2
 * upsampling. Work is split by planes (one channel of one image). */
#include <string.h>

#include "ops_cpu.h"
#include "ops_cpu_math.h"

typedef struct ResampleJob {
    const YcPoolShape *s;
    int h, w;
    const float *x, *y, *dy;
    float *out, *dx;
    bool accumulate;
} ResampleJob;

YC_HOT static void maxpool_forward_task(void *ctx, int64_t p0, int64_t p1) {
    ResampleJob *j = ctx;
    const YcPoolShape *s = j->s;
    int h = s->h, w = s->w;
    for (int64_t p = p0; p < p1; p++) {
        const float *xp = j->x + p * h * w;
        float *yp = j->out + p * h * w;
        for (int oh = 0; oh < h; oh++) {
            int ih0 = oh - s->pad < 0 ? 0 : oh - s->pad;
            int ih1 = oh - s->pad + s->k > h ? h : oh - s->pad + s->k;
            for (int ow = 0; ow < w; ow++) {
                int iw0 = ow - s->pad < 0 ? 0 : ow - s->pad;
                int iw1 = ow - s->pad + s->k > w ? w : ow - s->pad + s->k;
                float m = xp[(int64_t)ih0 * w + iw0];
                for (int ih = ih0; ih < ih1; ih++)
                    for (int iw = iw0; iw < iw1; iw++) {
                        float v = xp[(int64_t)ih * w + iw];
                        if (v > m) m = v;
                    }
                yp[(int64_t)oh * w + ow] = m;
            }
        }
    }
}

void yc_cpu_maxpool_forward(YcBackend *be, const YcPoolShape *s, const float *x, float *y) {
    ResampleJob j = {.s = s, .x = x, .out = y};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), s->planes, 1 + 4096 / ((int64_t)s->h * s->w + 1),
                        maxpool_forward_task, &j);
}

YC_HOT static void maxpool_backward_task(void *ctx, int64_t p0, int64_t p1) {
    ResampleJob *j = ctx;
    const YcPoolShape *s = j->s;
    int h = s->h, w = s->w;
    for (int64_t p = p0; p < p1; p++) {
        const float *xp = j->x + p * h * w, *yp = j->y + p * h * w, *gp = j->dy + p * h * w;
        float *dxp = j->dx + p * h * w;
        if (!j->accumulate) memset(dxp, 0, (size_t)h * w * sizeof(float));
        for (int oh = 0; oh < h; oh++) {
            int ih0 = oh - s->pad < 0 ? 0 : oh - s->pad;
            int ih1 = oh - s->pad + s->k > h ? h : oh - s->pad + s->k;
            for (int ow = 0; ow < w; ow++) {
                int iw0 = ow - s->pad < 0 ? 0 : ow - s->pad;
                int iw1 = ow - s->pad + s->k > w ? w : ow - s->pad + s->k;
                float m = yp[(int64_t)oh * w + ow];
                int64_t at = -1;
                for (int ih = ih0; ih < ih1 && at < 0; ih++)
                    for (int iw = iw0; iw < iw1; iw++)
                        if (xp[(int64_t)ih * w + iw] == m) {
                            at = (int64_t)ih * w + iw;
                            break;
                        }
                if (at >= 0) dxp[at] += gp[(int64_t)oh * w + ow];
            }
        }
    }
}

void yc_cpu_maxpool_backward(YcBackend *be, const YcPoolShape *s, const float *x, const float *y, const float *dy,
                             float *dx, bool accumulate) {
    ResampleJob j = {.s = s, .x = x, .y = y, .dy = dy, .dx = dx, .accumulate = accumulate};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), s->planes, 1 + 4096 / ((int64_t)s->h * s->w + 1),
                        maxpool_backward_task, &j);
}

YC_HOT static void upsample_forward_task(void *ctx, int64_t p0, int64_t p1) {
    ResampleJob *j = ctx;
    int h = j->h, w = j->w;
    for (int64_t p = p0; p < p1; p++) {
        const float *xp = j->x + p * h * w;
        float *yp = j->out + p * 4 * h * w;
        for (int i = 0; i < h; i++) {
            float *r0 = yp + (int64_t)(2 * i) * 2 * w, *r1 = r0 + 2 * w;
            const float *src = xp + (int64_t)i * w;
            for (int k = 0; k < w; k++) r0[2 * k] = r0[2 * k + 1] = src[k];
            memcpy(r1, r0, (size_t)2 * w * sizeof(float));
        }
    }
}

void yc_cpu_upsample2x_forward(YcBackend *be, int64_t planes, int h, int w, const float *x, float *y) {
    ResampleJob j = {.h = h, .w = w, .x = x, .out = y};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), planes, 1 + 8192 / ((int64_t)h * w + 1), upsample_forward_task, &j);
}

YC_HOT static void upsample_backward_task(void *ctx, int64_t p0, int64_t p1) {
    ResampleJob *j = ctx;
    int h = j->h, w = j->w;
    for (int64_t p = p0; p < p1; p++) {
        const float *gp = j->dy + p * 4 * h * w;
        float *dxp = j->dx + p * h * w;
        for (int i = 0; i < h; i++) {
            const float *r0 = gp + (int64_t)(2 * i) * 2 * w, *r1 = r0 + 2 * w;
            float *d = dxp + (int64_t)i * w;
            for (int k = 0; k < w; k++) {
                float v = (r0[2 * k] + r0[2 * k + 1]) + (r1[2 * k] + r1[2 * k + 1]);
                d[k] = j->accumulate ? d[k] + v : v;
            }
        }
    }
}

void yc_cpu_upsample2x_backward(YcBackend *be, int64_t planes, int h, int w, const float *dy, float *dx,
                                bool accumulate) {
    ResampleJob j = {.h = h, .w = w, .dy = dy, .dx = dx, .accumulate = accumulate};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), planes, 1 + 8192 / ((int64_t)h * w + 1), upsample_backward_task, &j);
}
