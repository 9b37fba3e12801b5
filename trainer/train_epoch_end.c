/* The end of an epoch: validation, fitness, EarlyStopping, metrics event,
 * checkpoints, time= re-planning; and the checkpoint writer (see
 * train_internal.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "train_internal.h"

/* The reference rounds the reported losses and metrics to 5 decimals. */
static double round5(double v) {
    char text[64];
    snprintf(text, sizeof text, "%.5f", v);
    return strtod(text, NULL);
}

int yc_train_save(YcTrainer *t, const char *path, bool resumable, YcErr *err) {
    /* the optimiser and EMA state into the host structures (a no-op when they are host memory) */
    if (yc_fused_download(t->fused, resumable ? &t->opt : NULL, &t->ema, err)) return -1;
    t->st.loss_scale = t->scaler.enabled ? t->scaler.scale : 0;
    t->st.scale_good_steps = t->scaler.good_steps;
    YcCheckpoint c = {.path = path, .model = t->m, .ema = &t->ema, .optim = resumable ? &t->opt : NULL,
                      .state = &t->st, .args = t->a, .names = t->s->names};
    YcTrainState stripped;
    if (!resumable && path == t->last) { /* the final strip: weights only, epoch -1 as the reference */
        stripped = t->st;
        stripped.epoch = -1;
        c.state = &stripped;
    }
    return yc_checkpoint_save(&c, err);
}

/* The EMA weights (or a weights file's) into the evaluation model. */
static int load_eval_weights(YcTrainer *t, bool final, YcErr *err) {
    if (final) return yc_model_load(t->ema_model, t->best, true, NULL, err);
    int n;
    YcParam *p = yc_model_params(t->ema_model, &n);
    if (n != t->ema.count) return yc_err(err, "the EMA model has %d tensors, the EMA %d", n, t->ema.count);
    if (yc_fused_download(t->fused, NULL, &t->ema, err)) return -1;
    for (int i = 0; i < n; i++) t->be->upload(t->be, p[i].value, t->ema.value[i], p[i].count * sizeof(float));
    return t->be->sync(t->be, err);
}

int yc_train_validate(YcTrainer *t, int epoch, bool final, YcValResult *res, YcErr *err) {
    const YcArgs *a = t->a;
    const YcTrainSetup *s = t->s;
    if (load_eval_weights(t, final, err)) return -1;
    char json[4096], preds[4096];
    YcValOptions o;
    yc_val_options_from_args(&o, a);
    o.compute_loss = !final;
    o.per_class = final && a->verbose && t->nc > 1;
    o.names = s->names;
    o.epoch = epoch;
    if (s->run_dir) {
        yc_path_join(json, sizeof json, s->run_dir, "validation.json");
        o.json_path = json;
        if (final && (a->save_json || s->val_is_coco)) {
            yc_path_join(preds, sizeof preds, s->run_dir, "predictions.json");
            o.predictions_path = preds;
            o.coco91 = s->val_is_coco;
        }
    }
    /* the reference plots validation batches in the last epoch (or before a possible early stop) and at the end */
    bool plots = a->plots && (final || t->possible_stop || epoch == t->st.epochs);
    if (plots && s->hooks.val_batch) {
        o.plot_batches = 3;
        o.plot = s->hooks.val_batch;
        o.plot_user = s->hooks.user;
    }
    if (!final) o.stop = s->stop;
    return yc_val_run(t->ema_model, s->val, &o, s->bus, res, err);
}

static void histograms(YcTrainer *t) {
    const YcTrainHooks *h = &t->s->hooks;
    if (!h->histogram || !h->histograms_wanted || !h->histograms_wanted(h->user)) return;
    float *tmp = NULL;
    for (int i = 0; i < t->np; i++) {
        const YcParam *p = &t->params[i];
        if (p->is_buffer) continue;
        const float *v = p->value;
        if (t->be->mem != YC_MEM_HOST) {
            float *q = realloc(tmp, (p->count ? p->count : 1) * sizeof *q);
            if (!q) break;
            tmp = q;
            t->be->download(t->be, tmp, p->value, p->count * sizeof *tmp);
            v = tmp;
        }
        char tag[160];
        snprintf(tag, sizeof tag, "weights/%s", p->name);
        h->histogram(h->user, tag, v, p->count);
    }
    free(tmp);
}

int yc_train_epoch_end(YcTrainer *t, int epoch) {
    const YcArgs *a = t->a;
    const YcTrainSetup *s = t->s;
    YcTrainState *st = &t->st;
    YcErr err;
    yc_err_clear(&err);
    double lr[3];
    for (int k = 0; k < 3; k++) lr[k] = t->opt.group[yc_optim_pg_order[k]].lr;
    bool final_epoch = epoch + 1 >= st->epochs;
    if (s->val && (a->val || final_epoch || t->possible_stop || t->stop)) {
        YcValResult res;
        int rc = yc_train_validate(t, epoch + 1, false, &res, &err);
        if (rc == 1) return yc_train_interrupt(t, epoch, t->nb, (long)t->nb * (epoch + 1) - 1);
        if (rc) {
            snprintf(t->msg, sizeof t->msg, "validation after epoch %d: %s", epoch + 1, err.msg);
            return -1;
        }
        double m[7] = {res.metrics.precision, res.metrics.recall, res.metrics.map50, res.metrics.map50_95,
                       res.loss[0], res.loss[1], res.loss[2]};
        for (int k = 0; k < 7; k++) st->metrics[k] = round5(m[k]);
        st->fitness = res.metrics.fitness;
        st->has_fitness = true;
        yc_val_result_free(&res);
        /* BaseTrainer.validate: a falsy best (None or 0) is always replaced */
        if (!st->has_best || st->best_fitness == 0 || st->best_fitness < st->fitness) {
            st->best_fitness = st->fitness;
            st->has_best = true;
        }
    }
    /* EarlyStopping(epoch + 1, fitness) */
    bool stopper_stop = false;
    if (st->has_fitness) {
        if (st->fitness > st->stop_best_fitness || st->stop_best_fitness == 0) {
            st->stop_best_epoch = epoch + 1;
            st->stop_best_fitness = st->fitness;
        }
        double patience = a->patience > 0 ? a->patience : INFINITY;
        int delta = epoch + 1 - st->stop_best_epoch;
        t->possible_stop = delta >= patience - 1;
        stopper_stop = delta >= patience;
        if (stopper_stop)
            yc_train_log(t,
                         "EarlyStopping: Training stopped early as no improvement observed in last %d epochs. Best "
                         "results observed at epoch %d, best model saved as best.safetensors.\nTo update "
                         "EarlyStopping(patience=%d) pass a new patience value, i.e. `patience=300` or use "
                         "`patience=0` to disable EarlyStopping.",
                         a->patience, st->stop_best_epoch, a->patience);
    }
    t->stop = t->stop || stopper_stop || final_epoch;
    if (a->time > 0) t->stop = t->stop || yc_train_elapsed(t) > a->time * 3600;
    bool is_best = st->has_best == st->has_fitness && (!st->has_fitness || st->best_fitness == st->fitness);
    if (is_best) st->best_epoch = epoch + 1;
    st->epoch = epoch;
    st->next_epoch = epoch + 1;
    st->next_batch = 0;
    st->pending_grads = false;
    st->train_seconds = yc_train_elapsed(t);
    t->session_start = yc_train_now();
    /* the metrics row first: a kill before the checkpoint redoes the epoch and replaces the row */
    YcEvent e = {.type = YC_EVENT_EPOCH_END, .epoch = epoch + 1, .epochs = st->epochs, .precision = st->metrics[0],
                 .recall = st->metrics[1], .map50 = st->metrics[2], .map50_95 = st->metrics[3],
                 .fitness = st->has_fitness ? st->fitness : NAN, .best_epoch = st->best_epoch,
                 .elapsed_s = yc_train_now() - t->epoch_start, .run_dir = s->run_dir};
    for (int k = 0; k < 3; k++) {
        e.losses[k] = round5(st->tloss[k]);
        e.val_losses[k] = st->metrics[4 + k];
        e.lr[k] = lr[k];
    }
    yc_train_emit(t, &e);
    histograms(t);
    bool interrupted = s->stop && *s->stop;
    if (s->run_dir && (a->save || final_epoch || interrupted)) {
        if (yc_train_save(t, t->last, true, &err)) {
            snprintf(t->msg, sizeof t->msg, "saving %s: %s", t->last, err.msg);
            return -1;
        }
        YcEvent c = {.type = YC_EVENT_CHECKPOINT, .epoch = epoch + 1, .epochs = st->epochs, .path = t->last};
        yc_train_emit(t, &c);
        if (is_best) {
            if (yc_train_save(t, t->best, false, &err)) {
                snprintf(t->msg, sizeof t->msg, "saving %s: %s", t->best, err.msg);
                return -1;
            }
            c.path = t->best;
            yc_train_emit(t, &c);
        }
        if (a->save_period > 0 && epoch % a->save_period == 0) {
            char name[64], path[4096];
            snprintf(name, sizeof name, "epoch%d.safetensors", epoch);
            if (yc_path_join(path, sizeof path, t->wdir, name) || yc_train_save(t, path, false, &err)) {
                snprintf(t->msg, sizeof t->msg, "saving %s: %s", name, err.msg[0] ? err.msg : "path too long");
                return -1;
            }
        }
    }
    if (a->time > 0) {
        /* re-plan the epochs from the mean epoch time so far, as the reference */
        double mean = st->train_seconds / (epoch + 1);
        int epochs = (int)ceil(a->time * 3600 / (mean > 0 ? mean : 1e-9));
        st->epochs = epochs > 0 ? epochs : 1;
        t->sched.epochs = st->epochs;
        t->stop = t->stop || epoch >= st->epochs;
    }
    return 0;
}
