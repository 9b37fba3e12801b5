/* SGD (Nesterov), Adam and AdamW as torch.optim's single-tensor CPU path
 * computes them, element by element in float32 (see optim.h). */
#include "optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const YcParamGroup yc_optim_pg_order[3] = {YC_PG_BIAS, YC_PG_WEIGHT, YC_PG_NORM};

const char *yc_optim_name(YcOptimKind kind) {
    switch (kind) {
    case YC_OPTIM_SGD: return "SGD";
    case YC_OPTIM_ADAM: return "Adam";
    case YC_OPTIM_ADAMW: return "AdamW";
    }
    return "?";
}

static bool trainable(const YcParam *p) { return !p->is_buffer && !p->frozen && p->grad && p->value; }

int yc_optim_init(YcOptim *o, YcOptimKind kind, double lr, double momentum, double weight_decay, YcParam *params,
                  int count, YcErr *err) {
    memset(o, 0, sizeof *o);
    if (kind == YC_OPTIM_SGD && !(momentum > 0))
        return yc_err(err, "optimizer SGD: Nesterov momentum needs momentum > 0 (got %g)", momentum);
    if (kind != YC_OPTIM_SGD && !(momentum >= 0 && momentum < 1))
        return yc_err(err, "optimizer %s: beta1 = momentum must be in [0, 1) (got %g)", yc_optim_name(kind), momentum);
    if (!(lr >= 0) || !(weight_decay >= 0))
        return yc_err(err, "optimizer %s: lr %g and weight_decay %g must be >= 0", yc_optim_name(kind), lr,
                      weight_decay);
    o->kind = kind;
    o->beta2 = 0.999;
    o->eps = 1e-8;
    for (int g = 0; g < 3; g++) {
        o->group[g].lr = o->group[g].initial_lr = lr;
        o->group[g].momentum = momentum;
        o->group[g].weight_decay = g == YC_PG_WEIGHT ? weight_decay : 0.0;
    }
    o->params = params;
    o->count = count;
    o->buf1 = calloc((size_t)(count > 0 ? count : 1), sizeof *o->buf1);
    o->buf2 = calloc((size_t)(count > 0 ? count : 1), sizeof *o->buf2);
    o->step = calloc((size_t)(count > 0 ? count : 1), sizeof *o->step);
    if (!o->buf1 || !o->buf2 || !o->step) goto oom;
    for (int i = 0; i < count; i++) {
        if (!trainable(&params[i])) continue;
        if ((int)params[i].group < 0 || (int)params[i].group > 2) {
            yc_optim_free(o);
            return yc_err(err, "optimizer: parameter %s has no group", params[i].name);
        }
        size_t n = params[i].count ? params[i].count : 1;
        o->buf1[i] = calloc(n, sizeof(float));
        if (!o->buf1[i]) goto oom;
        if (kind != YC_OPTIM_SGD && !(o->buf2[i] = calloc(n, sizeof(float)))) goto oom;
    }
    return 0;
oom:
    yc_optim_free(o);
    return yc_err(err, "optimizer: out of memory");
}

void yc_optim_free(YcOptim *o) {
    for (int i = 0; i < o->count; i++) {
        if (o->buf1) free(o->buf1[i]);
        if (o->buf2) free(o->buf2[i]);
    }
    free(o->buf1);
    free(o->buf2);
    free(o->step);
    memset(o, 0, sizeof *o);
}

void yc_params_zero_grad(YcParam *params, int count) {
    for (int i = 0; i < count; i++)
        if (params[i].grad) memset(params[i].grad, 0, params[i].count * sizeof(float));
}

void yc_optim_set_lr_factor(YcOptim *o, double lf) {
    for (int g = 0; g < 3; g++) o->group[g].lr = o->group[g].initial_lr * lf;
}

/* torch.lerp(self, end, w) on the CPU: the formula switches at |w| < 0.5. */
static inline float lerp(float self, float end, float w) {
    return fabsf(w) < 0.5f ? self + w * (end - self) : end - (end - self) * (1.0f - w);
}

static void sgd_param(YcOptim *o, int i) {
    YcParam *p = &o->params[i];
    const YcOptimGroup *g = &o->group[p->group];
    float wd = (float)g->weight_decay, mom = (float)g->momentum, neg_lr = (float)(-g->lr);
    float *v = p->value, *gr = p->grad, *buf = o->buf1[i];
    bool first = o->step[i] == 0;
    for (size_t k = 0; k < p->count; k++) {
        float d = gr[k];
        if (wd != 0.0f) d = d + wd * v[k];
        buf[k] = first ? d : buf[k] * mom + d;
        d = d + mom * buf[k]; /* nesterov */
        v[k] = v[k] + neg_lr * d;
    }
    o->step[i]++;
}

static void adam_param(YcOptim *o, int i) {
    YcParam *p = &o->params[i];
    const YcOptimGroup *g = &o->group[p->group];
    double lr = g->lr, beta1 = g->momentum, beta2 = o->beta2;
    int64_t step = ++o->step[i];
    double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
    float neg_step_size = (float)(-(lr / bc1));
    float bc2_sqrt = (float)sqrt(bc2);
    float w1 = (float)(1.0 - beta1), b2 = (float)beta2, w2 = (float)(1.0 - beta2), eps = (float)o->eps;
    bool decoupled = o->kind == YC_OPTIM_ADAMW;
    float wd = (float)g->weight_decay, decay = (float)(1.0 - lr * g->weight_decay);
    float *v = p->value, *gr = p->grad, *m = o->buf1[i], *s = o->buf2[i];
    for (size_t k = 0; k < p->count; k++) {
        float d = gr[k];
        if (g->weight_decay != 0.0) {
            if (decoupled) v[k] = v[k] * decay;
            else d = d + wd * v[k];
        }
        m[k] = lerp(m[k], d, w1);
        s[k] = s[k] * b2 + w2 * d * d;
        float denom = sqrtf(s[k]) / bc2_sqrt + eps;
        v[k] = v[k] + neg_step_size * m[k] / denom;
    }
}

void yc_optim_step(YcOptim *o) {
    for (int i = 0; i < o->count; i++) {
        if (!trainable(&o->params[i]) || !o->buf1[i]) continue;
        if (o->kind == YC_OPTIM_SGD) sgd_param(o, i);
        else adam_param(o, i);
    }
}

/* ---- checkpoints ---- */

static int state_name(char *buf, size_t cap, const char *prefix, const char *param, const char *what) {
    return snprintf(buf, cap, "%s%s.%s", prefix, param, what) < (int)cap ? 0 : -1;
}

int yc_optim_save(YcOptim *o, YcStWriter *w, const char *prefix, YcErr *err) {
    char name[256];
    for (int i = 0; i < o->count; i++) {
        if (!o->buf1[i] || o->step[i] == 0) continue;
        const YcParam *p = &o->params[i];
        int64_t shape[1] = {(int64_t)p->count};
        const char *n1 = o->kind == YC_OPTIM_SGD ? "momentum_buffer" : "exp_avg";
        if (state_name(name, sizeof name, prefix, p->name, n1) ||
            yc_stw_add(w, name, YC_ST_F32, 1, shape, o->buf1[i], err))
            return yc_err_prefix(err, "optimizer state of %s", p->name);
        if (o->kind != YC_OPTIM_SGD &&
            (state_name(name, sizeof name, prefix, p->name, "exp_avg_sq") ||
             yc_stw_add(w, name, YC_ST_F32, 1, shape, o->buf2[i], err)))
            return yc_err_prefix(err, "optimizer state of %s", p->name);
    }
    int64_t n[1] = {o->count}, g[2] = {3, 4};
    for (int k = 0; k < 3; k++) {
        o->groups_table[k][0] = o->group[k].lr;
        o->groups_table[k][1] = o->group[k].initial_lr;
        o->groups_table[k][2] = o->group[k].momentum;
        o->groups_table[k][3] = o->group[k].weight_decay;
    }
    snprintf(name, sizeof name, "%sstep", prefix);
    if (yc_stw_add(w, name, YC_ST_I64, 1, n, o->step, err)) return -1;
    snprintf(name, sizeof name, "%sgroups", prefix);
    if (yc_stw_add(w, name, YC_ST_F64, 2, g, o->groups_table, err)) return -1;
    snprintf(name, sizeof name, "%skind", prefix);
    return yc_stw_meta(w, name, yc_optim_name(o->kind), err);
}

int yc_optim_load(YcOptim *o, const YcSafetensors *st, const char *prefix, YcErr *err) {
    char name[256];
    snprintf(name, sizeof name, "%skind", prefix);
    const char *kind = yc_st_meta(st, name);
    if (!kind || strcmp(kind, yc_optim_name(o->kind)) != 0)
        return yc_err(err, "%s: optimizer state is for %s, this run uses %s", st->path, kind ? kind : "(none)",
                      yc_optim_name(o->kind));
    snprintf(name, sizeof name, "%sstep", prefix);
    const YcStTensor *t = yc_st_find(st, name);
    if (!t || t->dtype != YC_ST_I64 || yc_st_numel(t) != o->count)
        return yc_err(err, "%s: tensor %s missing or not %d int64 values (different model?)", st->path, name,
                      o->count);
    memcpy(o->step, yc_st_data(st, t), (size_t)o->count * sizeof(int64_t));
    snprintf(name, sizeof name, "%sgroups", prefix);
    t = yc_st_find(st, name);
    if (!t || t->dtype != YC_ST_F64 || yc_st_numel(t) != 12)
        return yc_err(err, "%s: tensor %s missing or not 3x4 float64", st->path, name);
    memcpy(o->groups_table, yc_st_data(st, t), sizeof o->groups_table);
    for (int k = 0; k < 3; k++) {
        o->group[k].lr = o->groups_table[k][0];
        o->group[k].initial_lr = o->groups_table[k][1];
        o->group[k].momentum = o->groups_table[k][2];
        o->group[k].weight_decay = o->groups_table[k][3];
    }
    for (int i = 0; i < o->count; i++) {
        if (o->step[i] == 0) continue;
        const YcParam *p = &o->params[i];
        if (!o->buf1[i]) return yc_err(err, "%s: optimizer state for %s, which is not trained here", st->path, p->name);
        const char *n1 = o->kind == YC_OPTIM_SGD ? "momentum_buffer" : "exp_avg";
        if (state_name(name, sizeof name, prefix, p->name, n1) || yc_st_read_f32(st, name, o->buf1[i], p->count, err))
            return yc_err_prefix(err, "optimizer state of %s", p->name);
        if (o->kind != YC_OPTIM_SGD &&
            (state_name(name, sizeof name, prefix, p->name, "exp_avg_sq") ||
             yc_st_read_f32(st, name, o->buf2[i], p->count, err)))
            return yc_err_prefix(err, "optimizer state of %s", p->name);
    }
    return 0;
}

/* ---- optimizer=auto ---- */

int yc_optim_choose(const char *name, double lr0, double momentum, double warmup_bias_lr, long train_images,
                    int batch, int nbs, int epochs, int nc, YcOptimChoice *out, YcErr *err) {
    out->lr0 = lr0;
    out->momentum = momentum;
    out->warmup_bias_lr = warmup_bias_lr;
    /* the reference matches names without regard to case */
    if (strcasecmp(name, "SGD") == 0) out->kind = YC_OPTIM_SGD;
    else if (strcasecmp(name, "Adam") == 0) out->kind = YC_OPTIM_ADAM;
    else if (strcasecmp(name, "AdamW") == 0) out->kind = YC_OPTIM_ADAMW;
    else if (strcasecmp(name, "auto") == 0) {
        if (batch < 1 || nbs < 1 || epochs < 0 || train_images < 0 || nc < 1)
            return yc_err(err, "optimizer=auto: bad run size (images %ld, batch %d, nbs %d, epochs %d, nc %d)",
                          train_images, batch, nbs, epochs, nc);
        long per = batch > nbs ? batch : nbs;
        long iterations = (train_images + per - 1) / per * (long)epochs;
        if (iterations > 10000) {
            out->kind = YC_OPTIM_SGD;
            out->lr0 = 0.01;
        } else {
            /* round(0.002 * 5 / (4 + nc), 6): printf rounds the exact binary value to 6 decimals as Python does */
            char text[64];
            snprintf(text, sizeof text, "%.6f", 0.002 * 5 / (4 + nc));
            out->kind = YC_OPTIM_ADAMW;
            out->lr0 = strtod(text, NULL);
        }
        out->momentum = 0.9;
        out->warmup_bias_lr = 0.0;
    } else {
        return yc_err(err, "optimizer: '%s' is not one of SGD, Adam, AdamW, auto", name);
    }
    return 0;
}
