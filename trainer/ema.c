/* Model EMA (see ema.h). */
#include "ema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int yc_ema_init(YcEma *e, const YcParam *params, int count, int64_t updates, YcErr *err) {
    memset(e, 0, sizeof *e);
    e->decay = 0.9999;
    e->tau = 2000.0;
    e->updates = updates;
    e->count = count;
    e->value = calloc((size_t)(count > 0 ? count : 1), sizeof *e->value);
    e->size = calloc((size_t)(count > 0 ? count : 1), sizeof *e->size);
    if (!e->value || !e->size) goto oom;
    for (int i = 0; i < count; i++) {
        e->size[i] = params[i].count;
        e->value[i] = malloc((params[i].count ? params[i].count : 1) * sizeof(float));
        if (!e->value[i]) goto oom;
        if (params[i].count) memcpy(e->value[i], params[i].value, params[i].count * sizeof(float));
    }
    return 0;
oom:
    yc_ema_free(e);
    return yc_err(err, "EMA: out of memory");
}

void yc_ema_free(YcEma *e) {
    for (int i = 0; e->value && i < e->count; i++) free(e->value[i]);
    free(e->value);
    free(e->size);
    memset(e, 0, sizeof *e);
}

double yc_ema_decay(const YcEma *e, int64_t updates) { return e->decay * (1.0 - exp(-(double)updates / e->tau)); }

void yc_ema_update(YcEma *e, const YcParam *params, int count) {
    e->updates++;
    double d = yc_ema_decay(e, e->updates);
    float df = (float)d, rest = (float)(1.0 - d);
    for (int i = 0; i < count && i < e->count; i++) {
        float *v = e->value[i];
        const float *m = params[i].value;
        for (size_t k = 0; k < e->size[i]; k++) v[k] = v[k] * df + rest * m[k];
    }
}

int yc_ema_save(const YcEma *e, const YcParam *params, YcStWriter *w, const char *prefix, YcErr *err) {
    char name[256];
    for (int i = 0; i < e->count; i++) {
        snprintf(name, sizeof name, "%s%s", prefix, params[i].name);
        int64_t shape[4];
        int nd = params[i].ndim > 0 ? params[i].ndim : 1;
        for (int d = 0; d < 4; d++) shape[d] = params[i].ndim > 0 ? params[i].shape[d] : (int64_t)params[i].count;
        if (yc_stw_add(w, name, YC_ST_F32, nd, shape, e->value[i], err)) return yc_err_prefix(err, "EMA");
    }
    snprintf(name, sizeof name, "%supdates", prefix);
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)e->updates);
    return yc_stw_meta(w, name, text, err);
}

int yc_ema_load(YcEma *e, const YcParam *params, const YcSafetensors *st, const char *prefix, YcErr *err) {
    char name[256];
    snprintf(name, sizeof name, "%supdates", prefix);
    const char *u = yc_st_meta(st, name);
    char *end = NULL;
    long long updates = u ? strtoll(u, &end, 10) : -1;
    if (!u || *end || updates < 0) return yc_err(err, "%s: metadata %s missing or not a count", st->path, name);
    for (int i = 0; i < e->count; i++) {
        snprintf(name, sizeof name, "%s%s", prefix, params[i].name);
        if (yc_st_read_f32(st, name, e->value[i], e->size[i], err)) return yc_err_prefix(err, "EMA");
    }
    e->updates = updates;
    return 0;
}
