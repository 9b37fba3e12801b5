/* CPU entries added with the CUDA backend: staging memory, the uint8 input
 * upload, the precision switch, and the fused training updates, which run the
 * trainer's own functions (clip.c, optim.c, ema.c) on views whose buffers are
 * the set's, so that the CPU backend computes exactly what they compute. */
#include <math.h>
#include <stdlib.h>

#include "clip.h"
#include "ema.h"
#include "ops_cpu.h"
#include "ops_cpu_math.h"
#include "optim.h"

void *yc_cpu_host_alloc(YcBackend *be, size_t bytes) {
    (void)be;
    void *p = NULL;
    size_t rounded = (bytes + 255) / 256 * 256;
    if (posix_memalign(&p, 256, rounded ? rounded : 256) != 0) return NULL;
    return p;
}

void yc_cpu_host_free(YcBackend *be, void *ptr) {
    (void)be;
    free(ptr);
}

typedef struct U8Job {
    float *dst;
    const uint8_t *src;
    float divisor;
} U8Job;

/* A true division, as the reference's x / 255 (a reciprocal product would
 * differ in the last bit for some values); vectorised all the same. */
YC_HOT static void u8_to_float(float *restrict dst, const uint8_t *restrict src, int64_t n, float divisor) {
    for (int64_t i = 0; i < n; i++) dst[i] = (float)src[i] / divisor;
}

static void u8_task(void *ctx, int64_t b, int64_t e) {
    U8Job *j = ctx;
    u8_to_float(j->dst + b, j->src + b, e - b, j->divisor);
}

void yc_cpu_upload_u8(YcBackend *be, float *dst, const uint8_t *host_src, size_t n, float divisor) {
    U8Job j = {dst, host_src, divisor};
    yc_cpu_parallel_for(yc_cpu_threads_of(be), (int64_t)n, 32768, u8_task, &j);
}

int yc_cpu_set_precision(YcBackend *be, YcPrecision precision, YcErr *err) {
    (void)be;
    (void)precision;
    (void)err;
    return YC_PREC_F32; /* as the reference: mixed precision is a CUDA feature */
}

YcPrecision yc_cpu_get_precision(YcBackend *be) {
    (void)be;
    return YC_PREC_F32;
}

int yc_cpu_fused_prepare(YcBackend *be, YcFusedSet *set, YcErr *err) {
    (void)be;
    (void)err;
    set->device = NULL;
    return 0;
}

void yc_cpu_fused_release(YcBackend *be, YcFusedSet *set) {
    (void)be;
    set->device = NULL;
}

double yc_cpu_fused_clip_grad_norm(YcBackend *be, const YcFusedSet *set, double max_norm) {
    (void)be;
    return yc_clip_grad_norm(set->params, set->count, max_norm);
}

void yc_cpu_fused_optim_step(YcBackend *be, const YcFusedSet *set, YcOptim *o) {
    (void)be;
    if (!set->state1) return;
    YcOptim view = *o; /* kind, groups, and o->step itself (so the steps advance) */
    view.params = set->params;
    view.count = set->count < o->count ? set->count : o->count;
    view.buf1 = set->state1;
    view.buf2 = set->state2; /* NULL for SGD, which never reads it */
    yc_optim_step(&view);
}

void yc_cpu_fused_ema_update(YcBackend *be, const YcFusedSet *set, YcEma *e) {
    (void)be;
    if (!set->ema) return;
    YcEma view = *e;
    view.value = set->ema;
    yc_ema_update(&view, set->params, set->count);
    e->updates = view.updates;
}

bool yc_cpu_fused_unscale(YcBackend *be, const YcFusedSet *set, float inv_scale) {
    (void)be;
    bool finite = true;
    for (int i = 0; i < set->count; i++) {
        YcParam *p = &set->params[i];
        if (!p->grad || p->is_buffer || p->frozen) continue;
        for (size_t k = 0; k < p->count; k++) {
            p->grad[k] *= inv_scale;
            if (!isfinite(p->grad[k])) finite = false;
        }
    }
    return finite;
}
