/* Checker for fixtures of kind `optim`: K iterations of the reference
 * trainer's optimisation recipe (optimizer=auto choice, weight-decay scaling,
 * warm-up of lr/momentum/accumulate, lf schedule, clip at 10, SGD/Adam/AdamW
 * step, EMA) on a tiny model whose gradient is (p - target) * coef
 * (tests/parity/make_optim_fixtures.py). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clip.h"
#include "ema.h"
#include "gpu_fused.h"
#include "optim.h"
#include "parity.h"
#include "schedule.h"

#define STATE_TOL 1e-5  /* parameters, EMA and optimiser state after K iterations */
#define TRAJ_TOL 1e-6   /* learning rates, momentum, norms */

typedef struct OptimCase {
    int count;
    YcParam *params;
    float **coef, **target;
    double *buf_base;
    int *buf_salt;
} OptimCase;

static const char *meta_or_fail(ParityReport *r, const YcSafetensors *fx, const char *key) {
    const char *v = yc_st_meta(fx, key);
    if (!v) parity_fail(r, "fixture metadata has no '%s'", key);
    return v ? v : "0";
}

static void free_case(OptimCase *c) {
    for (int i = 0; i < c->count; i++) {
        free(c->params[i].value);
        free(c->params[i].grad);
        free(c->coef[i]);
        free(c->target[i]);
    }
    free(c->params);
    free(c->coef);
    free(c->target);
    free(c->buf_base);
    free(c->buf_salt);
}

/* Builds the parameters from init/<name> and param.<name> metadata. */
static int load_case(ParityReport *r, const YcSafetensors *fx, OptimCase *c) {
    int n = 0;
    for (int i = 0; i < fx->count; i++)
        if (strncmp(fx->tensors[i].name, "init/", 5) == 0) n++;
    c->count = n;
    c->params = calloc((size_t)n, sizeof *c->params);
    c->coef = calloc((size_t)n, sizeof *c->coef);
    c->target = calloc((size_t)n, sizeof *c->target);
    c->buf_base = calloc((size_t)n, sizeof *c->buf_base);
    c->buf_salt = calloc((size_t)n, sizeof *c->buf_salt);
    if (!c->params || !c->coef || !c->target || !c->buf_base || !c->buf_salt) return -1;
    int k = 0;
    for (int i = 0; i < fx->count; i++) {
        const YcStTensor *t = &fx->tensors[i];
        if (strncmp(t->name, "init/", 5) != 0) continue;
        YcParam *p = &c->params[k];
        snprintf(p->name, sizeof p->name, "%s", t->name + 5);
        p->ndim = t->ndim < 4 ? t->ndim : 4;
        for (int d = 0; d < p->ndim; d++) p->shape[d] = t->shape[d];
        p->value = parity_load(r, fx, t->name, &p->count);
        if (!p->value) return -1;
        char key[200];
        snprintf(key, sizeof key, "param.%s", p->name);
        const char *kind = meta_or_fail(r, fx, key);
        if (strncmp(kind, "buffer:", 7) == 0) {
            p->is_buffer = true;
            if (sscanf(kind + 7, "%lf:%d", &c->buf_base[k], &c->buf_salt[k]) != 2) {
                parity_fail(r, "%s: bad buffer description '%s'", key, kind);
                return -1;
            }
        } else if (strcmp(kind, "frozen") == 0) {
            p->frozen = true;
            p->group = YC_PG_WEIGHT;
        } else {
            p->group = strcmp(kind, "g0") == 0 ? YC_PG_WEIGHT : strcmp(kind, "g1") == 0 ? YC_PG_NORM : YC_PG_BIAS;
            p->grad = calloc(p->count, sizeof(float));
            snprintf(key, sizeof key, "coef/%s", p->name);
            c->coef[k] = parity_load(r, fx, key, NULL);
            snprintf(key, sizeof key, "target/%s", p->name);
            c->target[k] = parity_load(r, fx, key, NULL);
            if (!p->grad || !c->coef[k] || !c->target[k]) return -1;
        }
        k++;
    }
    return 0;
}

static void compare_named(ParityReport *r, const YcSafetensors *fx, const char *group, const char *name,
                          const float *got, size_t count) {
    size_t n = 0;
    float *want = parity_load(r, fx, name, &n);
    if (!want) return;
    if (n != count) parity_fail(r, "%s: %zu values, want %zu", name, count, n);
    else parity_compare(r, group, name, got, want, n, STATE_TOL, PARITY_SCALED);
    free(want);
}

/* Device copies of the case's parameters for the fused path: value and grad
 * in backend memory, everything else as the host's. */
static YcParam *backend_params(ParityReport *r, YcBackend *be, const OptimCase *c) {
    YcParam *dp = calloc((size_t)c->count, sizeof *dp);
    if (!dp) return NULL;
    for (int i = 0; i < c->count; i++) {
        dp[i] = c->params[i];
        dp[i].value = be->alloc(be, c->params[i].count * sizeof(float));
        dp[i].grad = c->params[i].grad ? be->alloc(be, c->params[i].count * sizeof(float)) : NULL;
        if (!dp[i].value || (c->params[i].grad && !dp[i].grad)) {
            parity_fail(r, "out of %s memory", be->name);
            return dp;
        }
        be->upload(be, dp[i].value, c->params[i].value, c->params[i].count * sizeof(float));
        if (dp[i].grad) be->fill(be, dp[i].grad, c->params[i].count, 0.0f);
    }
    return dp;
}

static void free_backend_params(YcBackend *be, YcParam *dp, int count) {
    for (int i = 0; dp && i < count; i++) {
        if (dp[i].value) be->free(be, dp[i].value);
        if (dp[i].grad) be->free(be, dp[i].grad);
    }
    free(dp);
}

/* The reference's recipe for K iterations. be == NULL: the trainer's host
 * functions on the case's parameters (the CPU reference); otherwise the
 * parameters live in `be`'s memory and the step is the backend's fused
 * updates (trainer/gpu_fused.h), with the gradients still made on the host. */
static void run_recipe(const YcSafetensors *fx, ParityReport *r, YcBackend *be) {
    OptimCase c = {0};
    YcOptim opt = {0};
    YcEma ema = {0};
    YcParam *dp = NULL;
    YcFused *fused = NULL;
    bool have_opt = false, have_ema = false;
    float *traj = NULL;
    char suffix[48] = "";
    if (be) snprintf(suffix, sizeof suffix, "@%s", be->name);
    int iters = atoi(meta_or_fail(r, fx, "iterations"));
    long nb = atol(meta_or_fail(r, fx, "nb"));
    YcSchedule s = {
        .epochs = atoi(meta_or_fail(r, fx, "epochs")),
        .lrf = atof(meta_or_fail(r, fx, "lrf")),
        .cos_lr = strcmp(meta_or_fail(r, fx, "cos_lr"), "True") == 0,
        .warmup_epochs = atof(meta_or_fail(r, fx, "warmup_epochs")),
        .warmup_momentum = atof(meta_or_fail(r, fx, "warmup_momentum")),
        .momentum = atof(meta_or_fail(r, fx, "momentum")),
        .nbs = atoi(meta_or_fail(r, fx, "nbs")),
        .batch = atoi(meta_or_fail(r, fx, "batch")),
    };
    if (r->failures || iters < 1 || nb < 1 || load_case(r, fx, &c)) goto done;
    YcErr err;
    YcOptimChoice choice;
    if (yc_optim_choose(meta_or_fail(r, fx, "optimizer"), atof(meta_or_fail(r, fx, "lr0")), s.momentum,
                        atof(meta_or_fail(r, fx, "warmup_bias_lr")), atol(meta_or_fail(r, fx, "train_images")),
                        s.batch, s.nbs, s.epochs, atoi(meta_or_fail(r, fx, "nc")), &choice, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    s.warmup_bias_lr = choice.warmup_bias_lr;
    int accumulate = yc_schedule_accumulate(&s);
    double decay = yc_schedule_weight_decay(&s, atof(meta_or_fail(r, fx, "weight_decay")));
    if (be && (!(dp = backend_params(r, be, &c)) || r->failures)) goto done;
    YcParam *params = be ? dp : c.params; /* what the optimiser steps */
    /* the EMA starts from the host values (identical to the device copies) */
    if (yc_optim_init(&opt, choice.kind, choice.lr0, choice.momentum, decay, params, c.count, &err) ||
        (have_opt = true, yc_ema_init(&ema, c.params, c.count, 0, &err))) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    have_ema = true;
    if (be && !(fused = yc_fused_create(be, dp, c.count, &opt, &ema, &err))) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    long nw = yc_schedule_warmup_iters(&s, nb);
    /* trajectories: lr x3, momentum, accumulate, stepped, norm */
    traj = calloc((size_t)iters * 7, sizeof(float));
    if (!traj) goto done;
    float *lr = traj, *mom = traj + 3 * iters, *acc = mom + iters, *stepped = acc + iters, *norm = stepped + iters;
    long last_step = -1;
    for (long ni = 0; ni < iters; ni++) {
        int epoch = (int)(ni / nb);
        if (ni % nb == 0) yc_optim_set_lr_factor(&opt, yc_schedule_lf(&s, epoch));
        YcWarmup w;
        if (yc_schedule_warmup(&s, ni, nw, epoch, opt.group[YC_PG_BIAS].initial_lr, &w)) {
            yc_optim_apply_warmup(&opt, &w);
            accumulate = w.accumulate;
        }
        for (int j = 0; j < 3; j++) lr[ni * 3 + j] = (float)opt.group[yc_optim_pg_order[j]].lr;
        mom[ni] = opt.kind == YC_OPTIM_SGD ? (float)opt.group[YC_PG_BIAS].momentum : 0.0f;
        acc[ni] = (float)accumulate;
        /* the "forward and backward pass" (on the host; the backend's values are read back first) */
        for (int i = 0; be && i < c.count; i++)
            be->download(be, c.params[i].value, dp[i].value, c.params[i].count * sizeof(float));
        for (int i = 0; i < c.count; i++) {
            YcParam *p = &c.params[i];
            if (p->is_buffer)
                for (size_t j = 0; j < p->count; j++)
                    p->value[j] = (float)(c.buf_base[i] + 0.5 * sin(0.37 * ni + 1.3 * j + c.buf_salt[i]));
            else if (p->grad)
                for (size_t j = 0; j < p->count; j++) p->grad[j] += (p->value[j] - c.target[i][j]) * c.coef[i][j];
            if (be && p->is_buffer) be->upload(be, dp[i].value, p->value, p->count * sizeof(float));
            if (be && p->grad) be->upload(be, dp[i].grad, p->grad, p->count * sizeof(float));
        }
        if (ni - last_step >= accumulate) {
            if (be) {
                norm[ni] = (float)yc_fused_clip(fused, 10.0);
                yc_fused_optim_step(fused, &opt);
                yc_params_zero_grad(c.params, c.count); /* the host's accumulation copy */
                for (int i = 0; i < c.count; i++)
                    if (dp[i].grad) be->fill(be, dp[i].grad, dp[i].count, 0.0f);
                yc_fused_ema_update(fused, &ema);
            } else {
                norm[ni] = (float)yc_clip_grad_norm(c.params, c.count, 10.0);
                yc_optim_step(&opt);
                yc_params_zero_grad(c.params, c.count);
                yc_ema_update(&ema, c.params, c.count);
            }
            last_step = ni;
            stepped[ni] = 1.0f;
        }
    }
    if (be) {
        for (int i = 0; i < c.count; i++) be->download(be, c.params[i].value, dp[i].value, c.params[i].count * sizeof(float));
        if (yc_fused_download(fused, &opt, &ema, &err)) {
            parity_fail(r, "%s", err.msg);
            goto done;
        }
    }
    struct {
        const char *name;
        float *got;
        size_t n;
        double tol;
        ParityTolMode mode;
    } series[] = {
        {"lr", lr, (size_t)iters * 3, TRAJ_TOL, PARITY_SCALED},
        {"momentum", mom, (size_t)iters, TRAJ_TOL, PARITY_SCALED},
        {"accumulate", acc, (size_t)iters, 0.0, PARITY_ABS},
        {"stepped", stepped, (size_t)iters, 0.0, PARITY_ABS},
        {"norm", norm, (size_t)iters, TRAJ_TOL, PARITY_SCALED},
    };
    char group[64];
    snprintf(group, sizeof group, "schedule%s", suffix);
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++) {
        size_t n = 0;
        float *want = parity_load(r, fx, series[i].name, &n);
        if (want && n == series[i].n)
            parity_compare(r, group, series[i].name, series[i].got, want, n, series[i].tol, series[i].mode);
        else if (want) parity_fail(r, "%s: %zu values, want %zu", series[i].name, series[i].n, n);
        free(want);
    }
    char name[300], g_final[64], g_ema[64], g_state[64];
    snprintf(g_final, sizeof g_final, "final%s", suffix);
    snprintf(g_ema, sizeof g_ema, "ema%s", suffix);
    snprintf(g_state, sizeof g_state, "state%s", suffix);
    for (int i = 0; i < c.count; i++) {
        YcParam *p = &c.params[i];
        snprintf(name, sizeof name, "final/%s", p->name);
        compare_named(r, fx, g_final, name, p->value, p->count);
        snprintf(name, sizeof name, "ema/%s", p->name);
        compare_named(r, fx, g_ema, name, ema.value[i], p->count);
        if (!opt.buf1[i]) continue;
        snprintf(name, sizeof name, "state/%s.%s", p->name, opt.kind == YC_OPTIM_SGD ? "momentum_buffer" : "exp_avg");
        compare_named(r, fx, g_state, name, opt.buf1[i], p->count);
        if (opt.kind == YC_OPTIM_SGD) continue;
        snprintf(name, sizeof name, "state/%s.exp_avg_sq", p->name);
        compare_named(r, fx, g_state, name, opt.buf2[i], p->count);
    }
done:
    yc_fused_free(fused);
    if (have_opt) yc_optim_free(&opt);
    if (have_ema) yc_ema_free(&ema);
    if (be) free_backend_params(be, dp, c.count);
    free(traj);
    free_case(&c);
}

int parity_check_optim(const YcSafetensors *fx, ParityReport *r) {
    run_recipe(fx, r, NULL);
    if (r->device) { /* and through the backend's fused updates */
        YcBackend *be = parity_backend(r);
        if (be) {
            run_recipe(fx, r, be);
            yc_backend_destroy(be);
        }
    }
    return r->failures ? -1 : 0;
}
