/* The training loop: set-up, the epochs, the final validation (see train_loop.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "clip.h"
#include "fileio.h"
#include "metrics_np.h"
#include "gpu_amp.h"
#include "train_internal.h"

double yc_train_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double yc_train_wall(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec * 1e-6;
}

void yc_train_emit(YcTrainer *t, YcEvent *e) {
    if (t->s->bus) yc_events_emit(t->s->bus, e);
}

void yc_train_log(YcTrainer *t, const char *fmt, ...) {
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    YcEvent e = {.type = YC_EVENT_LOG, .message = text};
    yc_train_emit(t, &e);
}

double yc_train_elapsed(const YcTrainer *t) { return t->st.train_seconds + (yc_train_now() - t->session_start); }

/* freeze=N freezes layers 0..N-1, freeze=[a, b] those layers; the DFL conv always. */
static int freeze_layers(YcTrainer *t, YcErr *err) {
    const YcIntList *f = &t->a->freeze;
    int layers[YC_MAX_INT_LIST > 1000 ? YC_MAX_INT_LIST : 1000], n = 0;
    if (f->count == 1 && !f->is_list) {
        /* range(N): like the reference's name prefixes, indices past the last layer match nothing */
        int last = -1;
        for (int i = 0; i < t->np; i++) {
            int layer = atoi(t->params[i].name + strlen("model."));
            if (layer > last) last = layer;
        }
        for (int i = 0; i < f->values[0] && i <= last && i < 1000; i++) layers[n++] = i;
    } else {
        for (int i = 0; i < f->count; i++) layers[n++] = f->values[i];
    }
    if (yc_model_freeze(t->m, layers, n, err)) return -1;
    for (int i = 0; i < t->np; i++)
        if (!t->params[i].is_buffer && t->params[i].frozen) yc_train_log(t, "Freezing layer '%s'", t->params[i].name);
    return 0;
}

static int choose_optimizer(YcTrainer *t, const YcSafetensors *resume, YcErr *err) {
    const YcArgs *a = t->a;
    YcOptimChoice ch;
    long images = t->s->train->images(t->s->train);
    if (yc_optim_choose(a->optimizer, a->lr0, a->momentum, a->warmup_bias_lr, images, t->B, a->nbs, a->epochs, t->nc,
                        &ch, err))
        return -1;
    char lr[32], mom[32], lr0[32], mom0[32];
    if (strcasecmp(a->optimizer, "auto") == 0) {
        yc_repr_double(a->lr0, lr0, sizeof lr0);
        yc_repr_double(a->momentum, mom0, sizeof mom0);
        yc_train_log(t,
                     "optimizer: 'optimizer=auto' found, ignoring 'lr0=%s' and 'momentum=%s' and determining best "
                     "'optimizer', 'lr0' and 'momentum' automatically... ",
                     lr0, mom0);
    }
    if (resume && yc_checkpoint_optim_kind(resume, &ch.kind, err)) return -1;
    t->sched = (YcSchedule){.epochs = a->epochs, .lrf = a->lrf, .cos_lr = a->cos_lr,
                            .warmup_epochs = a->warmup_epochs, .warmup_momentum = a->warmup_momentum,
                            .warmup_bias_lr = ch.warmup_bias_lr, .momentum = a->momentum, .nbs = a->nbs,
                            .batch = t->B};
    double decay = yc_schedule_weight_decay(&t->sched, a->weight_decay);
    if (yc_optim_init(&t->opt, ch.kind, ch.lr0, ch.momentum, decay, t->params, t->np, err)) return -1;
    t->have_opt = true;
    int g[3] = {0, 0, 0};
    for (int i = 0; i < t->np; i++)
        if (!t->params[i].is_buffer) g[t->params[i].group]++;
    char dec[32];
    yc_repr_double(ch.lr0, lr, sizeof lr);
    yc_repr_double(ch.momentum, mom, sizeof mom);
    yc_repr_double(decay, dec, sizeof dec);
    yc_train_log(t, "optimizer: %s(lr=%s, momentum=%s) with parameter groups %d weight(decay=0.0), %d weight(decay=%s), "
                    "%d bias(decay=0.0)",
                 yc_optim_name(ch.kind), lr, mom, g[YC_PG_NORM], g[YC_PG_WEIGHT], dec, g[YC_PG_BIAS]);
    return 0;
}

/* The EMA starts at the model's values, read into host memory (where YcEma keeps them). */
static int ema_init(YcTrainer *t, YcErr *err) {
    if (t->be->mem == YC_MEM_HOST) return yc_ema_init(&t->ema, t->params, t->np, 0, err);
    YcParam *host = malloc((size_t)(t->np > 0 ? t->np : 1) * sizeof *host);
    int rc = host ? 0 : yc_err(err, "EMA: out of memory");
    for (int i = 0; rc == 0 && i < t->np; i++) {
        host[i] = t->params[i];
        host[i].value = malloc((t->params[i].count ? t->params[i].count : 1) * sizeof(float));
        if (!host[i].value) {
            for (int k = 0; k < i; k++) free(host[k].value);
            rc = yc_err(err, "EMA: out of memory");
            break;
        }
        t->be->download(t->be, host[i].value, t->params[i].value, t->params[i].count * sizeof(float));
    }
    if (rc == 0) {
        rc = yc_ema_init(&t->ema, host, t->np, 0, err);
        for (int i = 0; i < t->np; i++) free(host[i].value);
    }
    free(host);
    return rc;
}

/* amp on a device backend: the reference's start-up check (float32 when it fails), and loss
 * scaling for fp16. The CPU computes in float32 whatever amp says, as the reference. */
static int amp_setup(YcTrainer *t, YcErr *err) {
    yc_loss_scaler_init(&t->scaler, false);
    if (t->be->mem == YC_MEM_HOST) return 0;
    YcPrecision want;
    char msg[512] = "";
    if (yc_precision_parse(t->a->amp, &want, err) || yc_amp_check(t->m, want, t->imgsz, msg, sizeof msg, err))
        return -1;
    if (msg[0]) yc_train_log(t, "%s", msg);
    yc_loss_scaler_init(&t->scaler, t->be->get_precision(t->be) == YC_PREC_F16);
    if (t->scaler.enabled) {
        t->scaler.scale = t->st.loss_scale > 0 ? t->st.loss_scale : t->scaler.scale;
        t->scaler.good_steps = t->st.scale_good_steps;
    }
    return 0;
}

static int restore(YcTrainer *t, const YcSafetensors *st, YcErr *err) {
    if (yc_checkpoint_read_state(st, &t->st, err) || yc_checkpoint_restore(st, t->m, &t->ema, &t->opt, err)) return -1;
    if (t->st.next_epoch >= t->st.epochs)
        return yc_err(err, "%s: training to %d epochs is finished, nothing to resume", st->path, t->st.epochs);
    t->sched.epochs = t->st.epochs;
    if (t->st.next_batch > t->nb) {
        yc_train_log(t, "WARNING: %s stopped at batch %d of epoch %d, but an epoch now has %d batches (different batch "
                        "or data?); the epoch restarts",
                     st->path, t->st.next_batch, t->st.next_epoch + 1, t->nb);
        t->st.next_batch = 0;
        t->st.pending_grads = false;
        yc_model_zero_grad(t->m);
    }
    int e = t->st.epoch + 1; /* 1-based last completed epoch */
    double patience = t->a->patience > 0 ? t->a->patience : INFINITY;
    t->possible_stop = t->st.epoch >= 0 && t->st.stop_best_epoch >= 0 && (e - t->st.stop_best_epoch) >= patience - 1;
    yc_train_log(t, "Resuming training %s from epoch %d%s to %d total epochs", st->path, t->st.next_epoch + 1,
                 t->st.next_batch ? " (inside the epoch)" : "", t->st.epochs);
    return 0;
}

static int setup(YcTrainer *t, YcErr *err) {
    const YcTrainSetup *s = t->s;
    t->m = s->model;
    t->be = yc_model_backend(t->m);
    t->params = yc_model_params(t->m, &t->np);
    t->nc = yc_model_nc(t->m);
    t->B = s->batch;
    t->imgsz = s->imgsz;
    t->stride = yc_model_max_stride(t->m);
    t->nb = s->train->batches(s->train);
    if (t->B < 1 || t->nb < 1) return yc_err(err, "training needs at least one batch (batch %d, %d batches)", t->B, t->nb);
    yc_train_state_init(&t->st, t->a->epochs);
    yc_input_init(&t->input, t->be);
    yc_loss_runner_init(&t->loss, t->nc, t->a->box, t->a->cls, t->a->dfl);
    if (s->run_dir) {
        if (yc_path_join(t->wdir, sizeof t->wdir, s->run_dir, "weights") || yc_mkdirs(t->wdir, err) ||
            yc_path_join(t->last, sizeof t->last, t->wdir, "last.safetensors") ||
            yc_path_join(t->best, sizeof t->best, t->wdir, "best.safetensors"))
            return err->msg[0] ? -1 : yc_err(err, "%s: path too long", s->run_dir);
        snprintf(t->r->last_path, sizeof t->r->last_path, "%s", t->last);
    }
    if (freeze_layers(t, err)) return -1;
    YcSafetensors st;
    bool have_st = false;
    if (s->resume_path) {
        if (yc_st_load(s->resume_path, &st, err)) return -1;
        have_st = true;
        if (!yc_checkpoint_resumable(&st)) {
            yc_err(err, "%s: holds weights only (the run finished), nothing to resume", s->resume_path);
            yc_st_free(&st);
            return -1;
        }
    }
    int rc = choose_optimizer(t, have_st ? &st : NULL, err);
    if (rc == 0) {
        rc = ema_init(t, err);
        t->have_ema = rc == 0;
    }
    if (rc == 0 && have_st) rc = restore(t, &st, err);
    if (have_st) yc_st_free(&st);
    if (rc) return -1;
    bool have_resume = have_st;
    if (!have_st) t->st.accumulate = yc_schedule_accumulate(&t->sched);
    if (!(t->fused = yc_fused_create(t->be, t->params, t->np, &t->opt, &t->ema, err)) || amp_setup(t, err)) return -1;
    if (s->val) {
        t->ema_model = yc_model_build(yc_model_yaml(t->m), t->nc, t->be, err);
        if (!t->ema_model) return yc_err_prefix(err, "the EMA model");
    }
    t->nw = yc_schedule_warmup_iters(&t->sched, t->nb);
    t->n_plot = 0;
    for (int k = 0; k < 3; k++) t->plot_idx[t->n_plot++] = k;
    if (t->a->close_mosaic) {
        long base = (long)(t->st.epochs - t->a->close_mosaic) * t->nb;
        for (int k = 0; k < 3; k++) t->plot_idx[t->n_plot++] = base + k;
    }
    /* a resumed run past the close_mosaic epoch (the loop closes it at exactly that epoch) */
    if (have_resume && t->st.next_epoch > t->st.epochs - t->a->close_mosaic && s->train->close_mosaic) {
        yc_train_log(t, "Closing dataloader mosaic");
        s->train->close_mosaic(s->train);
    }
    return 0;
}

static void fail(YcTrainer *t, const char *msg) {
    t->r->status = YC_TRAIN_FAILED;
    snprintf(t->r->message, sizeof t->r->message, "%s", msg);
    YcEvent e = {.type = YC_EVENT_FAILED, .epoch = t->st.next_epoch + 1, .epochs = t->st.epochs,
                 .run_dir = t->s->run_dir, .message = t->r->message};
    yc_train_emit(t, &e);
}

/* The reference's final_eval: best.safetensors validated with per-class rows and plots. */
static int final_eval(YcTrainer *t, YcErr *err) {
    if (!t->s->val || !t->s->run_dir || !yc_file_exists(t->best)) return 0;
    yc_train_log(t, "\nValidating %s...", t->best);
    YcValResult res;
    if (yc_train_validate(t, t->st.epoch + 1, true, &res, err)) return -1;
    t->r->final[0] = res.metrics.precision;
    t->r->final[1] = res.metrics.recall;
    t->r->final[2] = res.metrics.map50;
    t->r->final[3] = res.metrics.map50_95;
    YcStr speed;
    yc_str_init(&speed);
    yc_metrics_speed_line(&res.speed, &speed);
    if (speed.len && speed.data[speed.len - 1] == '\n') speed.data[--speed.len] = '\0';
    yc_train_log(t, "%s", yc_str_cstr(&speed));
    yc_str_free(&speed);
    yc_val_result_free(&res);
    return 0;
}

static void cleanup(YcTrainer *t) {
    YcErr err;
    if (t->fused && t->have_ema) yc_fused_download(t->fused, NULL, &t->ema, &err);
    if (t->s->hooks.finished) t->s->hooks.finished(t->s->hooks.user, t->m, t->have_ema ? &t->ema : NULL);
    if (t->have_opt) yc_optim_free(&t->opt);
    if (t->have_ema) yc_ema_free(&t->ema);
    yc_model_free(t->ema_model);
    yc_fused_free(t->fused);
    yc_input_free(&t->input);
    yc_loss_runner_free(&t->loss);
}

int yc_train_run(const YcTrainSetup *s, YcTrainResult *r) {
    memset(r, 0, sizeof *r);
    YcTrainer tr, *t = &tr;
    memset(t, 0, sizeof *t);
    t->s = s;
    t->a = s->args;
    t->r = r;
    t->session_start = yc_train_now();
    double started = t->session_start; /* this session's start: the closing line reports its duration */
    YcErr err;
    yc_err_clear(&err);
    if (setup(t, &err)) {
        fail(t, err.msg);
        cleanup(t);
        return -1;
    }
    const YcArgs *a = t->a;
    char sizes[64];
    snprintf(sizes, sizeof sizes, "%d train, %d val", t->imgsz, t->imgsz);
    char plan[64];
    if (a->time > 0) snprintf(plan, sizeof plan, "%g hours...", a->time);
    else snprintf(plan, sizeof plan, "%d epochs...", t->st.epochs);
    yc_train_log(t, "Image sizes %s\nUsing %d dataloader workers\nLogging results to %s\nStarting training for %s",
                 sizes, a->workers, s->run_dir ? s->run_dir : "(nowhere)", plan);
    YcEvent start = {.type = YC_EVENT_RUN_START, .epochs = t->st.epochs, .batches = t->nb, .run_dir = s->run_dir};
    yc_train_emit(t, &start);
    int rc = 0;
    int first_epoch = t->st.next_epoch;
    for (int epoch = t->st.next_epoch;; epoch++) {
        rc = yc_train_epoch(t, epoch);
        if (rc == 1 || rc < 0) break;
        rc = yc_train_epoch_end(t, epoch);
        if (rc) break;
        r->epochs_done = epoch + 1;
        if (s->stop && *s->stop && !t->stop) { /* interrupted during validation or saving: the epoch is complete */
            rc = 1;
            snprintf(t->msg, sizeof t->msg, "interrupted after epoch %d; resume with: yoloc train resume=%s",
                     epoch + 1, t->last);
            break;
        }
        if (t->stop) break;
    }
    if (rc < 0) {
        fail(t, t->msg);
        cleanup(t);
        return -1;
    }
    if (rc == 1) {
        r->status = YC_TRAIN_INTERRUPTED;
        snprintf(r->message, sizeof r->message, "%s", t->msg);
        YcEvent e = {.type = YC_EVENT_INTERRUPTED, .epoch = t->st.next_epoch + 1, .epochs = t->st.epochs,
                     .run_dir = s->run_dir, .path = t->last, .message = r->message};
        yc_train_emit(t, &e);
        cleanup(t);
        return 1;
    }
    double hours = (yc_train_now() - started) / 3600;
    yc_train_log(t, "\n%d epochs completed in %.3f hours.", t->st.epoch - first_epoch + 1, hours);
    /* the reference strips the optimiser from last at the end: nothing is left to resume */
    if (s->run_dir && yc_train_save(t, t->last, false, &err)) {
        fail(t, err.msg);
        cleanup(t);
        return -1;
    }
    if (final_eval(t, &err)) {
        fail(t, err.msg);
        cleanup(t);
        return -1;
    }
    r->status = YC_TRAIN_FINISHED;
    r->best_epoch = t->st.best_epoch;
    r->best_fitness = t->st.best_fitness;
    snprintf(r->message, sizeof r->message, "Results saved to %s", s->run_dir ? s->run_dir : "(nowhere)");
    YcEvent e = {.type = YC_EVENT_FINISHED, .epoch = t->st.epoch + 1, .epochs = t->st.epochs,
                 .best_epoch = t->st.best_epoch, .fitness = t->st.best_fitness, .precision = r->final[0],
                 .recall = r->final[1], .map50 = r->final[2], .map50_95 = r->final[3], .run_dir = s->run_dir,
                 .message = r->message};
    yc_train_emit(t, &e);
    cleanup(t);
    return 0;
}
