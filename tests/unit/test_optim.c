/* Optimisers, schedules, EMA and clipping against values worked out by hand
 * (the parity fixtures in tests/fixtures/optim compare with torch). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clip.h"
#include "ema.h"
#include "optim.h"
#include "schedule.h"

static YcSchedule default_schedule(void) {
    return (YcSchedule){.epochs = 100, .lrf = 0.01, .cos_lr = false, .warmup_epochs = 3.0,
                        .warmup_momentum = 0.8, .warmup_bias_lr = 0.1, .momentum = 0.937, .nbs = 64, .batch = 16};
}

static void test_lf(void) {
    YcSchedule s = default_schedule();
    CHECK_NEAR(yc_schedule_lf(&s, 0), 1.0, 1e-15);
    CHECK_NEAR(yc_schedule_lf(&s, 50), 0.5 * 0.99 + 0.01, 1e-15);
    CHECK_NEAR(yc_schedule_lf(&s, 100), 0.01, 1e-15);
    CHECK_NEAR(yc_schedule_lf(&s, 150), 0.01, 1e-15); /* max(1 - x/epochs, 0) */
    s.cos_lr = true;
    CHECK_NEAR(yc_schedule_lf(&s, 0), 1.0, 1e-15);
    CHECK_NEAR(yc_schedule_lf(&s, 50), 0.5 * (0.01 - 1) + 1, 1e-12);
    CHECK_NEAR(yc_schedule_lf(&s, 100), 0.01, 1e-12);
}

static void test_warmup_iters_and_accumulate(void) {
    YcSchedule s = default_schedule();
    CHECK(yc_schedule_warmup_iters(&s, 2) == 100);   /* at least 100 */
    CHECK(yc_schedule_warmup_iters(&s, 500) == 1500);
    s.warmup_epochs = 2.5;
    CHECK(yc_schedule_warmup_iters(&s, 41) == 102);  /* round(102.5) = 102: half to even */
    CHECK(yc_schedule_warmup_iters(&s, 43) == 108);  /* round(107.5) = 108 */
    s.warmup_epochs = 0;
    CHECK(yc_schedule_warmup_iters(&s, 500) == -1);
    CHECK(yc_schedule_accumulate(&s) == 4);
    s.batch = 24; /* 2.67 -> 3 */
    CHECK(yc_schedule_accumulate(&s) == 3);
    CHECK_NEAR(yc_schedule_weight_decay(&s, 0.0005), 0.0005 * 24 * 3 / 64, 1e-18);
    s.batch = 128; /* 0.5 -> 0 -> at least 1 */
    CHECK(yc_schedule_accumulate(&s) == 1);
    s.nbs = 10;
    s.batch = 4; /* 2.5 -> 2 */
    CHECK(yc_schedule_accumulate(&s) == 2);
    s.nbs = 6; /* 1.5 -> 2 */
    CHECK(yc_schedule_accumulate(&s) == 2);
}

static void test_warmup_values(void) {
    YcSchedule s = default_schedule();
    YcWarmup w;
    long nw = 100;
    CHECK(yc_schedule_warmup(&s, 0, nw, 0, 0.01, &w));
    CHECK(w.accumulate == 1);
    CHECK(w.lr[YC_PG_BIAS] == 0.1 && w.lr[YC_PG_WEIGHT] == 0.0 && w.lr[YC_PG_NORM] == 0.0);
    CHECK(w.momentum == 0.8);
    CHECK(yc_schedule_warmup(&s, 50, nw, 1, 0.01, &w));
    double end = 0.01 * yc_schedule_lf(&s, 1);
    CHECK_NEAR(w.lr[YC_PG_BIAS], 0.1 + (end - 0.1) * 0.5, 1e-15);
    CHECK_NEAR(w.lr[YC_PG_WEIGHT], end * 0.5, 1e-15);
    CHECK_NEAR(w.momentum, 0.8 + 0.137 * 0.5, 1e-15);
    CHECK(w.accumulate == 2); /* interp(50) = 2.5 -> 2 (half to even) */
    CHECK(yc_schedule_warmup(&s, 100, nw, 3, 0.01, &w));
    CHECK(w.lr[YC_PG_NORM] == 0.01 * yc_schedule_lf(&s, 3));
    CHECK(w.momentum == 0.937 && w.accumulate == 4);
    CHECK(!yc_schedule_warmup(&s, 101, nw, 3, 0.01, &w));
    CHECK(!yc_schedule_warmup(&s, 0, -1, 0, 0.01, &w));
    CHECK(yc_interp(2, 0, 4, 1, 3) == 2.0);
    CHECK(yc_interp(-1, 0, 4, 1, 3) == 1.0 && yc_interp(5, 0, 4, 1, 3) == 3.0);
}

static void test_choose(void) {
    YcOptimChoice c;
    YcErr err;
    CHECK(yc_optim_choose("auto", 0.01, 0.937, 0.1, 128, 16, 64, 100, 80, &c, &err) == 0);
    CHECK(c.kind == YC_OPTIM_ADAMW && c.lr0 == 0.000119 && c.momentum == 0.9 && c.warmup_bias_lr == 0.0);
    CHECK(yc_optim_choose("auto", 0.01, 0.937, 0.1, 128, 16, 64, 100, 3, &c, &err) == 0);
    CHECK(c.lr0 == 0.001429);
    /* ceil(118287 / 64) * 10 = 18490 iterations > 10000: SGD */
    CHECK(yc_optim_choose("auto", 0.02, 0.937, 0.1, 118287, 16, 64, 10, 80, &c, &err) == 0);
    CHECK(c.kind == YC_OPTIM_SGD && c.lr0 == 0.01 && c.momentum == 0.9 && c.warmup_bias_lr == 0.0);
    /* exactly 10000 is not more than 10000 */
    CHECK(yc_optim_choose("auto", 0.02, 0.937, 0.1, 6400, 16, 64, 100, 80, &c, &err) == 0);
    CHECK(c.kind == YC_OPTIM_ADAMW);
    CHECK(yc_optim_choose("SGD", 0.02, 0.95, 0.1, 10, 16, 64, 10, 80, &c, &err) == 0);
    CHECK(c.kind == YC_OPTIM_SGD && c.lr0 == 0.02 && c.momentum == 0.95 && c.warmup_bias_lr == 0.1);
    CHECK(yc_optim_choose("adamw", 0.02, 0.95, 0.1, 10, 16, 64, 10, 80, &c, &err) == 0);
    CHECK(c.kind == YC_OPTIM_ADAMW);
    CHECK(yc_optim_choose("RMSProp", 0.02, 0.95, 0.1, 10, 16, 64, 10, 80, &c, &err) == -1);
    CHECK(strstr(err.msg, "RMSProp") != NULL);
}

/* Three parameters: a decayed weight, a bias, a frozen weight; plus a buffer. */
typedef struct Model {
    YcParam p[4];
    float w[2], b[2], f[2], buf[2];
    float gw[2], gb[2];
} Model;

static void make_model(Model *m) {
    memset(m, 0, sizeof *m);
    const char *names[4] = {"model.0.conv.weight", "model.0.bn.bias", "model.22.dfl.conv.weight",
                            "model.0.bn.running_mean"};
    float *vals[4] = {m->w, m->b, m->f, m->buf};
    for (int i = 0; i < 4; i++) {
        snprintf(m->p[i].name, sizeof m->p[i].name, "%s", names[i]);
        m->p[i].ndim = 1;
        m->p[i].shape[0] = 2;
        m->p[i].count = 2;
        m->p[i].value = vals[i];
        vals[i][0] = 1.0f;
        vals[i][1] = -2.0f;
    }
    m->p[0].group = YC_PG_WEIGHT;
    m->p[0].grad = m->gw;
    m->p[1].group = YC_PG_BIAS;
    m->p[1].grad = m->gb;
    m->p[2].group = YC_PG_WEIGHT;
    m->p[2].frozen = true;
    m->p[3].is_buffer = true;
}

static void test_sgd(void) {
    Model m;
    make_model(&m);
    YcOptim o;
    YcErr err;
    CHECK(yc_optim_init(&o, YC_OPTIM_SGD, 0.1, 0.9, 0.01, m.p, 4, &err) == 0);
    CHECK(o.group[YC_PG_WEIGHT].weight_decay == 0.01 && o.group[YC_PG_BIAS].weight_decay == 0.0);
    m.gw[0] = m.gb[0] = 0.5f;
    m.gw[1] = m.gb[1] = 0.0f;
    yc_optim_step(&o);
    /* d = 0.5 + 0.01 * 1 = 0.51; buf = d; nesterov d + 0.9 buf = 0.969; p = 1 - 0.0969 */
    CHECK_NEAR(m.w[0], 0.9031, 1e-6);
    CHECK_NEAR(m.b[0], 1.0 - 0.1 * 0.95, 1e-6);
    CHECK_NEAR(m.w[1], -2.0 - 0.1 * (-0.02 * 1.9), 1e-6); /* decay only */
    CHECK(m.f[0] == 1.0f && m.buf[0] == 1.0f);          /* frozen and buffer untouched */
    yc_optim_step(&o);
    /* d = 0.5 + 0.009031; buf = 0.9 * 0.51 + d; p -= 0.1 * (d + 0.9 buf) */
    double d = 0.5 + 0.01 * 0.9031, buf = 0.9 * 0.51 + d;
    CHECK_NEAR(m.w[0], 0.9031 - 0.1 * (d + 0.9 * buf), 1e-6);
    CHECK(o.step[0] == 2 && o.step[2] == 0 && o.step[3] == 0);
    yc_params_zero_grad(m.p, 4);
    CHECK(m.gw[0] == 0.0f && m.gb[0] == 0.0f);
    yc_optim_free(&o);
    CHECK(yc_optim_init(&o, YC_OPTIM_SGD, 0.1, 0.0, 0.01, m.p, 4, &err) == -1); /* nesterov needs momentum */
}

static void test_adam_first_step(void) {
    for (int kind = YC_OPTIM_ADAM; kind <= YC_OPTIM_ADAMW; kind++) {
        Model m;
        make_model(&m);
        YcOptim o;
        YcErr err;
        CHECK(yc_optim_init(&o, (YcOptimKind)kind, 0.01, 0.9, 0.1, m.p, 4, &err) == 0);
        m.gw[0] = 0.3f;
        m.gw[1] = -4.0f;
        m.gb[0] = 2.0f;
        yc_optim_step(&o);
        /* bias corrected first step moves by lr * g / (|g| + eps) */
        if (kind == YC_OPTIM_ADAM) { /* L2: g += 0.1 p */
            CHECK_NEAR(m.w[0], 1.0 - 0.01, 1e-6);
            CHECK_NEAR(m.w[1], -2.0 + 0.01, 1e-6);
        } else { /* decoupled: p *= 1 - lr wd first */
            CHECK_NEAR(m.w[0], 1.0 * (1 - 0.001) - 0.01, 1e-6);
            CHECK_NEAR(m.w[1], -2.0 * (1 - 0.001) + 0.01, 1e-6);
        }
        CHECK_NEAR(m.b[0], 1.0 - 0.01, 1e-6);
        CHECK_NEAR(m.b[1], -2.0, 1e-6); /* zero gradient, no decay: stays */
        CHECK_NEAR(o.buf1[0][0], 0.1 * 0.3 + (kind == YC_OPTIM_ADAM ? 0.1 * 0.1 : 0.0), 1e-7);
        yc_optim_free(&o);
    }
}

static void test_optim_checkpoint(void) {
    char dir[] = "/tmp/yc_optim_XXXXXX";
    if (!CHECK(mkdtemp(dir))) return;
    char path[128];
    snprintf(path, sizeof path, "%s/o.safetensors", dir);
    Model a, b;
    make_model(&a);
    make_model(&b);
    YcOptim oa, ob;
    YcErr err;
    yc_optim_init(&oa, YC_OPTIM_ADAMW, 0.01, 0.9, 0.1, a.p, 4, &err);
    yc_optim_init(&ob, YC_OPTIM_ADAMW, 0.5, 0.9, 0.1, b.p, 4, &err);
    a.gw[0] = 0.3f;
    a.gb[1] = -1.0f;
    yc_optim_step(&oa);
    oa.group[YC_PG_BIAS].lr = 0.004;
    YcStWriter w;
    yc_stw_init(&w);
    CHECK(yc_optim_save(&oa, &w, "optimizer.", &err) == 0);
    CHECK(yc_stw_save(&w, path, &err) == 0);
    yc_stw_free(&w);
    YcSafetensors st;
    CHECK(yc_st_load(path, &st, &err) == 0);
    CHECK(yc_st_find(&st, "optimizer.model.0.conv.weight.exp_avg_sq") != NULL);
    CHECK(yc_st_find(&st, "optimizer.model.22.dfl.conv.weight.exp_avg") == NULL);
    if (!CHECK(yc_optim_load(&ob, &st, "optimizer.", &err) == 0)) fprintf(stderr, "    %s\n", err.msg);
    memcpy(b.w, a.w, sizeof a.w);
    memcpy(b.b, a.b, sizeof a.b);
    CHECK(ob.group[YC_PG_BIAS].lr == 0.004 && ob.group[YC_PG_WEIGHT].lr == 0.01 && ob.step[0] == 1);
    a.gw[0] = b.gw[0] = -0.7f;
    a.gb[1] = b.gb[1] = 0.25f;
    yc_optim_step(&oa);
    yc_optim_step(&ob);
    CHECK(memcmp(a.w, b.w, sizeof a.w) == 0 && memcmp(a.b, b.b, sizeof a.b) == 0);
    /* A different optimiser refuses the state. */
    YcOptim oc;
    yc_optim_init(&oc, YC_OPTIM_SGD, 0.01, 0.9, 0.1, b.p, 4, &err);
    CHECK(yc_optim_load(&oc, &st, "optimizer.", &err) == -1);
    CHECK(strstr(err.msg, "AdamW") != NULL);
    yc_optim_free(&oc);
    yc_st_free(&st);
    yc_optim_free(&oa);
    yc_optim_free(&ob);
    unlink(path);
    rmdir(dir);
}

static void test_ema(void) {
    Model m;
    make_model(&m);
    YcEma e;
    YcErr err;
    CHECK(yc_ema_init(&e, m.p, 4, 0, &err) == 0);
    double d1 = 0.9999 * (1 - exp(-1.0 / 2000));
    CHECK_NEAR(yc_ema_decay(&e, 1), d1, 1e-15);
    CHECK_NEAR(yc_ema_decay(&e, 100000), 0.9999, 1e-12);
    m.w[0] = 3.0f;
    m.buf[1] = 5.0f; /* buffers are averaged too */
    yc_ema_update(&e, m.p, 4);
    CHECK(e.updates == 1);
    CHECK_NEAR(e.value[0][0], 1.0 * d1 + (1 - d1) * 3.0, 1e-6);
    CHECK_NEAR(e.value[3][1], -2.0 * d1 + (1 - d1) * 5.0, 1e-6);
    CHECK(e.value[2][0] == 1.0f); /* frozen, unchanged: ema stays (1 * d + (1 - d) * 1 rounds to 1) */
    char dir[] = "/tmp/yc_ema_XXXXXX";
    if (CHECK(mkdtemp(dir))) {
        char path[128];
        snprintf(path, sizeof path, "%s/e.safetensors", dir);
        YcStWriter w;
        yc_stw_init(&w);
        CHECK(yc_ema_save(&e, m.p, &w, "ema.", &err) == 0);
        CHECK(yc_stw_save(&w, path, &err) == 0);
        yc_stw_free(&w);
        YcEma e2;
        yc_ema_init(&e2, m.p, 4, 0, &err);
        YcSafetensors st;
        CHECK(yc_st_load(path, &st, &err) == 0);
        CHECK(yc_ema_load(&e2, m.p, &st, "ema.", &err) == 0);
        CHECK(e2.updates == 1 && e2.value[0][0] == e.value[0][0] && e2.value[3][1] == e.value[3][1]);
        CHECK(yc_ema_load(&e2, m.p, &st, "other.", &err) == -1);
        yc_st_free(&st);
        yc_ema_free(&e2);
        unlink(path);
        rmdir(dir);
    }
    yc_ema_free(&e);
}

static void test_clip_and_finite(void) {
    Model m;
    make_model(&m);
    float frozen_grad[2] = {100, 100};
    m.p[2].grad = frozen_grad; /* frozen: not counted, not scaled */
    m.gw[0] = 3;
    m.gw[1] = 4;
    m.gb[0] = 12;
    m.gb[1] = 0;
    double total = yc_clip_grad_norm(m.p, 4, 10.0);
    CHECK_NEAR(total, 13.0, 1e-6);
    float coef = 10.0f / (13.0f + 1e-6f);
    CHECK(m.gw[0] == 3 * coef && m.gb[0] == 12 * coef);
    CHECK(frozen_grad[0] == 100);
    total = yc_clip_grad_norm(m.p, 4, 10.0); /* now just below 10: unchanged */
    CHECK(total < 10.0 && m.gw[0] == 3 * coef);
    YcErr err;
    CHECK(yc_params_check_finite(m.p, 4, true, &err) == 0);
    m.gb[1] = NAN;
    CHECK(yc_params_check_finite(m.p, 4, true, &err) == -1);
    CHECK(strstr(err.msg, "non-finite gradient in model.0.bn.bias (1 of 2 values, first at 1)") != NULL);
    CHECK(yc_params_check_finite(m.p, 4, false, &err) == 0);
    m.buf[0] = INFINITY;
    CHECK(yc_params_check_finite(m.p, 4, false, &err) == -1);
    CHECK(strstr(err.msg, "model.0.bn.running_mean") != NULL);
}

int main(void) {
    const CheckCase cases[] = {
        {"schedule_lf", test_lf},
        {"schedule_warmup_iters_and_accumulate", test_warmup_iters_and_accumulate},
        {"schedule_warmup_values", test_warmup_values},
        {"optim_choose_auto", test_choose},
        {"optim_sgd_nesterov", test_sgd},
        {"optim_adam_first_step", test_adam_first_step},
        {"optim_checkpoint_round_trip", test_optim_checkpoint},
        {"ema_update_and_checkpoint", test_ema},
        {"clip_and_finite", test_clip_and_finite},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
