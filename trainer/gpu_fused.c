/* Optimiser and EMA state in backend memory for the fused updates (see gpu_fused.h). */
#include "gpu_fused.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN_FLOATS 64

static size_t round_up(size_t n) { return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS; }

size_t yc_fused_layout(const YcParam *params, int count, bool with_state1, bool adam, bool with_ema,
                       const bool *optimised, int64_t *off1, int64_t *off2, int64_t *offe) {
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        bool opt = with_state1 && optimised[i];
        off1[i] = opt ? (int64_t)at : -1;
        if (opt) at += round_up(params[i].count);
        off2[i] = opt && adam ? (int64_t)at : -1;
        if (opt && adam) at += round_up(params[i].count);
        offe[i] = with_ema ? (int64_t)at : -1;
        if (with_ema) at += round_up(params[i].count);
    }
    return at;
}

int yc_fused_chunks(const YcParam *params, int count, int chunk, YcFusedChunk *out) {
    int n = 0;
    for (int i = 0; i < count; i++)
        for (int64_t at = 0; at < (int64_t)params[i].count; at += chunk, n++) {
            if (!out) continue;
            int64_t left = (int64_t)params[i].count - at;
            out[n].tensor = i;
            out[n].begin = at;
            out[n].len = (int)(left < chunk ? left : chunk);
        }
    return n;
}

static void free_tables(YcFused *f) {
    free(f->set.state1);
    free(f->set.state2);
    free(f->set.ema);
    free(f->off1);
    free(f->off2);
    free(f->offe);
}

void yc_fused_free(YcFused *f) {
    if (!f) return;
    if (f->set.device) f->be->fused_release(f->be, &f->set);
    if (f->block) f->be->free(f->be, f->block);
    free_tables(f);
    free(f);
}

YcFused *yc_fused_create(YcBackend *be, YcParam *params, int count, const YcOptim *o, const YcEma *e, YcErr *err) {
    if (o && (o->params != params || o->count != count)) {
        yc_err(err, "fused updates: the optimiser was made for another parameter table");
        return NULL;
    }
    if (e && e->count != count) {
        yc_err(err, "fused updates: the EMA holds %d tensors, the model %d", e->count, count);
        return NULL;
    }
    YcFused *f = calloc(1, sizeof *f);
    size_t n = (size_t)(count > 0 ? count : 1);
    bool *optimised = calloc(n, sizeof *optimised);
    if (!f || !optimised) goto oom;
    f->be = be;
    f->set.params = params;
    f->set.count = count;
    f->mirrored = be->mem != YC_MEM_HOST;
    bool adam = o && o->kind != YC_OPTIM_SGD;
    if (o && !(f->set.state1 = calloc(n, sizeof(float *)))) goto oom;
    if (adam && !(f->set.state2 = calloc(n, sizeof(float *)))) goto oom;
    if (e && !(f->set.ema = calloc(n, sizeof(float *)))) goto oom;
    if (!(f->off1 = calloc(n, sizeof(int64_t))) || !(f->off2 = calloc(n, sizeof(int64_t))) ||
        !(f->offe = calloc(n, sizeof(int64_t))))
        goto oom;
    for (int i = 0; i < count; i++) optimised[i] = o && o->buf1[i];
    f->block_floats = yc_fused_layout(params, count, o != NULL, adam, e != NULL, optimised, f->off1, f->off2, f->offe);
    if (f->mirrored && f->block_floats) {
        f->block = be->alloc(be, f->block_floats * sizeof(float));
        if (!f->block) {
            yc_err(err, "fused updates: cannot allocate %.1f MB of optimiser/EMA state on %s",
                   (double)f->block_floats * 4 / 1e6, be->name);
            goto fail;
        }
    }
    for (int i = 0; i < count; i++) {
        if (f->mirrored) {
            if (f->set.state1) f->set.state1[i] = f->off1[i] >= 0 ? f->block + f->off1[i] : NULL;
            if (f->set.state2) f->set.state2[i] = f->off2[i] >= 0 ? f->block + f->off2[i] : NULL;
            if (f->set.ema) f->set.ema[i] = f->block + f->offe[i];
        } else {
            if (f->set.state1) f->set.state1[i] = o->buf1[i];
            if (f->set.state2) f->set.state2[i] = o->buf2[i];
            if (f->set.ema) f->set.ema[i] = e->value[i];
        }
    }
    free(optimised);
    optimised = NULL;
    if (yc_fused_upload(f, o, e, err) || be->fused_prepare(be, &f->set, err)) goto fail;
    return f;
oom:
    yc_err(err, "fused updates: out of memory");
fail:
    free(optimised);
    yc_fused_free(f);
    return NULL;
}

int yc_fused_upload(YcFused *f, const YcOptim *o, const YcEma *e, YcErr *err) {
    if (!f->mirrored) return 0;
    YcBackend *be = f->be;
    for (int i = 0; i < f->set.count; i++) {
        size_t bytes = f->set.params[i].count * sizeof(float);
        if (o && f->set.state1 && f->set.state1[i]) be->upload(be, f->set.state1[i], o->buf1[i], bytes);
        if (o && f->set.state2 && f->set.state2[i]) be->upload(be, f->set.state2[i], o->buf2[i], bytes);
        if (e && f->set.ema) be->upload(be, f->set.ema[i], e->value[i], bytes);
    }
    return be->sync(be, err);
}

int yc_fused_download(YcFused *f, YcOptim *o, YcEma *e, YcErr *err) {
    if (!f->mirrored) return 0;
    YcBackend *be = f->be;
    for (int i = 0; i < f->set.count; i++) {
        size_t bytes = f->set.params[i].count * sizeof(float);
        if (o && f->set.state1 && f->set.state1[i]) be->download(be, o->buf1[i], f->set.state1[i], bytes);
        if (o && f->set.state2 && f->set.state2[i]) be->download(be, o->buf2[i], f->set.state2[i], bytes);
        if (e && f->set.ema) be->download(be, e->value[i], f->set.ema[i], bytes);
    }
    return be->sync(be, err);
}

double yc_fused_clip(YcFused *f, double max_norm) { return f->be->fused_clip_grad_norm(f->be, &f->set, max_norm); }

void yc_fused_optim_step(YcFused *f, YcOptim *o) { f->be->fused_optim_step(f->be, &f->set, o); }

void yc_fused_ema_update(YcFused *f, YcEma *e) { f->be->fused_ema_update(f->be, &f->set, e); }

bool yc_fused_unscale(YcFused *f, float inv_scale) { return f->be->fused_unscale(f->be, &f->set, inv_scale); }
