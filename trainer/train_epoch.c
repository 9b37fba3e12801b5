/* The batches of one training epoch (see train_internal.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clip.h"
#include "fileio.h"
#include "train_internal.h"

static bool plotted(const YcTrainer *t, long ni) {
    for (int k = 0; k < t->n_plot; k++)
        if (t->plot_idx[k] == ni) return true;
    return false;
}

void yc_train_kept_checkpoint(const YcTrainer *t, char *out, size_t cap) {
    if (t->s->run_dir && yc_file_exists(t->last))
        snprintf(out, cap, "training stopped; the last good checkpoint is %s (epoch %d)", t->last, t->st.epoch + 1);
    else snprintf(out, cap, "training stopped before any checkpoint was written");
}

/* The optimiser step: clip, step, zero, EMA. -1 (t->msg) on a non-finite gradient. */
static int optimizer_step(YcTrainer *t, int epoch, int i) {
    bool step = true;
    if (t->scaler.enabled) /* amp=fp16: unscale; an overflowing step is skipped (the EMA still updates) */
        step = yc_loss_scaler_update(&t->scaler, yc_fused_unscale(t->fused, 1.0f / yc_loss_scaler_scale(&t->scaler)));
    double norm = step ? yc_fused_clip(t->fused, 10.0) : 0.0;
    if (!isfinite(norm)) {
        YcErr err;
        yc_err_clear(&err);
        if (t->be->mem == YC_MEM_HOST) yc_params_check_finite(t->params, t->np, true, &err);
        char kept[4200];
        yc_train_kept_checkpoint(t, kept, sizeof kept);
        snprintf(t->msg, sizeof t->msg, "non-finite gradients at epoch %d, batch %d (%s); %s", epoch + 1, i + 1,
                 err.msg[0] ? err.msg : "gradient norm is not finite", kept);
        return -1;
    }
    if (step) yc_fused_optim_step(t->fused, &t->opt);
    yc_model_zero_grad(t->m);
    yc_fused_ema_update(t->fused, &t->ema);
    return 0;
}

/* Saves the position inside the epoch so that a resume continues exactly here. */
int yc_train_interrupt(YcTrainer *t, int epoch, int next_batch, long ni) {
    YcTrainState *st = &t->st;
    st->next_epoch = epoch;
    st->next_batch = next_batch;
    st->pending_grads = st->last_opt_step != ni;
    st->train_seconds = yc_train_elapsed(t);
    t->session_start = yc_train_now();
    YcErr err;
    yc_err_clear(&err);
    if (t->s->run_dir) {
        if (yc_train_save(t, t->last, true, &err)) {
            snprintf(t->msg, sizeof t->msg, "interrupted at epoch %d, batch %d, but the checkpoint failed: %s",
                     epoch + 1, next_batch, err.msg);
            return -1;
        }
        YcEvent e = {.type = YC_EVENT_CHECKPOINT, .epoch = epoch + 1, .epochs = st->epochs, .path = t->last};
        yc_train_emit(t, &e);
    }
    snprintf(t->msg, sizeof t->msg, "interrupted at epoch %d, batch %d; resume with: yoloc train resume=%s", epoch + 1,
             next_batch, t->s->run_dir ? t->last : "(no run directory)");
    return 1;
}

int yc_train_epoch(YcTrainer *t, int epoch) {
    const YcTrainSetup *s = t->s;
    const YcArgs *a = t->a;
    YcTrainState *st = &t->st;
    YcErr err;
    yc_err_clear(&err);
    int first = st->next_batch;
    t->epoch_start = yc_train_now();
    YcEvent es = {.type = YC_EVENT_EPOCH_START, .epoch = epoch + 1, .epochs = st->epochs, .batches = t->nb};
    yc_train_emit(t, &es);
    /* The reference's scheduler step at the epoch start. Inside an epoch (a resume) the
     * restored optimiser groups already hold the exact values. */
    if (first == 0) yc_optim_set_lr_factor(&t->opt, yc_schedule_lf(&t->sched, epoch));
    if (epoch == st->epochs - a->close_mosaic && s->train->close_mosaic) {
        yc_train_log(t, "Closing dataloader mosaic");
        s->train->close_mosaic(s->train);
    }
    yc_model_set_train(t->m, true);
    if (s->train->start_epoch(s->train, epoch, first, &err)) {
        snprintf(t->msg, sizeof t->msg, "epoch %d: %s", epoch + 1, err.msg);
        return -1;
    }
    if (first == 0) memset(st->tloss, 0, sizeof st->tloss);
    double t0 = yc_train_now();
    long images = 0;
    for (int i = first; i < t->nb; i++) {
        YcSourceBatch b;
        int got = s->train->next(s->train, &b, &err);
        if (got <= 0) {
            snprintf(t->msg, sizeof t->msg, "epoch %d, batch %d: %s", epoch + 1, i + 1,
                     got < 0 ? err.msg : "the data ended early");
            return -1;
        }
        if (s->train->warnings) {
            const char *w = s->train->warnings(s->train);
            if (w && *w) yc_train_log(t, "%s", w);
        }
        long ni = i + (long)t->nb * epoch;
        YcWarmup w;
        if (yc_schedule_warmup(&t->sched, ni, t->nw, epoch, t->opt.group[YC_PG_BIAS].initial_lr, &w)) {
            yc_optim_apply_warmup(&t->opt, &w);
            st->accumulate = w.accumulate;
        }
        int oh = b.h, ow = b.w;
        if (a->multi_scale)
            yc_multiscale_size((uint64_t)a->seed, ni, t->imgsz, t->stride, b.h, b.w, &oh, &ow);
        YcTensor x;
        YcModelOutputs out;
        YcDetLossOutput lo;
        if (yc_input_prepare(&t->input, &b, oh, ow, &x, &err) || yc_model_forward(t->m, &x, &out, &err) ||
            yc_loss_runner_run(&t->loss, t->m, &out, &b, true, &lo, &err)) {
            snprintf(t->msg, sizeof t->msg, "epoch %d, batch %d: %s", epoch + 1, i + 1, err.msg);
            return -1;
        }
        if (!isfinite(lo.total)) {
            char kept[4200];
            yc_train_kept_checkpoint(t, kept, sizeof kept);
            snprintf(t->msg, sizeof t->msg, "non-finite loss at epoch %d, batch %d (box %g, cls %g, dfl %g); %s",
                     epoch + 1, i + 1, lo.items[0], lo.items[1], lo.items[2], kept);
            return -1;
        }
        /* the running mean in float32, as the reference's tensor arithmetic */
        for (int k = 0; k < 3; k++)
            st->tloss[k] = i == 0 ? lo.items[k] : (st->tloss[k] * (float)i + lo.items[k]) / (float)(i + 1);
        if (t->scaler.enabled) /* amp=fp16: the loss gradient times the scale */
            for (int l = 0; l < out.levels; l++) {
                YcTensor g = yc_model_output_grad(t->m, l);
                t->be->scale(t->be, g.data, (size_t)yc_tensor_numel(&g), yc_loss_scaler_scale(&t->scaler));
            }
        if (yc_model_backward(t->m, NULL, NULL, &err)) {
            snprintf(t->msg, sizeof t->msg, "epoch %d, batch %d: %s", epoch + 1, i + 1, err.msg);
            return -1;
        }
        bool time_up = false;
        if (ni - st->last_opt_step >= st->accumulate) {
            if (optimizer_step(t, epoch, i)) return -1;
            st->last_opt_step = ni;
            if (a->time > 0) time_up = yc_train_elapsed(t) > a->time * 3600;
        }
        double el = yc_train_now() - t0;
        int done = i + 1 - first;
        images += b.n;
        YcEvent e = {.type = YC_EVENT_BATCH_END, .epoch = epoch + 1, .epochs = st->epochs, .batch = i + 1,
                     .batches = t->nb, .instances = b.targets, .imgsz = ow,
                     .images_per_sec = el > 0 ? images / el : 0, .elapsed_s = el,
                     .eta_s = done > 0 ? el / done * (t->nb - i - 1) : 0, .device_mem_gb = 0};
        for (int k = 0; k < 3; k++) e.losses[k] = st->tloss[k];
        yc_train_emit(t, &e);
        if (a->plots && s->hooks.train_batch && plotted(t, ni)) s->hooks.train_batch(s->hooks.user, ni, &b);
        if (time_up) {
            t->stop = true;
            return 2;
        }
        if (s->stop && *s->stop) return yc_train_interrupt(t, epoch, i + 1, ni);
    }
    return 0;
}
