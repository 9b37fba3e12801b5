/* Training checkpoints (see train_checkpoint.h). */
#include "train_checkpoint.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "version.h"

void yc_train_state_init(YcTrainState *s, int epochs) {
    memset(s, 0, sizeof *s);
    s->epoch = -1;
    s->epochs = epochs;
    s->last_opt_step = -1;
    s->accumulate = 1;
}

/* ---- metadata helpers ---- */

static int meta_hex(YcStWriter *w, const char *key, double v, YcErr *err) {
    char text[64];
    snprintf(text, sizeof text, "%a", v);
    return yc_stw_meta(w, key, text, err);
}

static int meta_long(YcStWriter *w, const char *key, long v, YcErr *err) {
    char text[32];
    snprintf(text, sizeof text, "%ld", v);
    return yc_stw_meta(w, key, text, err);
}

static int meta_opt(YcStWriter *w, const char *key, bool has, double v, YcErr *err) {
    return has ? meta_hex(w, key, v, err) : yc_stw_meta(w, key, "none", err);
}

static int read_double(const YcSafetensors *st, const char *key, double *out, YcErr *err) {
    const char *v = yc_st_meta(st, key);
    char *end = NULL;
    if (v) *out = strtod(v, &end);
    if (!v || end == v || *end) return yc_err(err, "%s: metadata '%s' missing or not a number", st->path, key);
    return 0;
}

static int read_long(const YcSafetensors *st, const char *key, long *out, YcErr *err) {
    const char *v = yc_st_meta(st, key);
    char *end = NULL;
    if (v) *out = strtol(v, &end, 10);
    if (!v || end == v || *end) return yc_err(err, "%s: metadata '%s' missing or not an integer", st->path, key);
    return 0;
}

static int read_int(const YcSafetensors *st, const char *key, int *out, YcErr *err) {
    long v;
    if (read_long(st, key, &v, err)) return -1;
    *out = (int)v;
    return 0;
}

static int read_opt(const YcSafetensors *st, const char *key, bool *has, double *out, YcErr *err) {
    const char *v = yc_st_meta(st, key);
    if (v && strcmp(v, "none") == 0) {
        *has = false;
        *out = 0;
        return 0;
    }
    *has = true;
    return read_double(st, key, out, err);
}

/* "a b c" of hexadecimal doubles. */
static int meta_hex_list(YcStWriter *w, const char *key, const double *v, int n, YcErr *err) {
    char text[512] = "";
    for (int i = 0; i < n; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%a", i ? " " : "", v[i]);
    return yc_stw_meta(w, key, text, err);
}

static int read_hex_list(const YcSafetensors *st, const char *key, double *v, int n, YcErr *err) {
    const char *p = yc_st_meta(st, key);
    for (int i = 0; p && i < n; i++) {
        char *end = NULL;
        v[i] = strtod(p, &end);
        if (end == p) p = NULL;
        else p = end;
    }
    if (!p || *p) return yc_err(err, "%s: metadata '%s' missing or not %d numbers", st->path, key, n);
    return 0;
}

static char *names_json(const char *const *names, int nc) {
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < nc; i++) {
        char fallback[16];
        snprintf(fallback, sizeof fallback, "%d", i);
        cJSON_AddItemToArray(arr, cJSON_CreateString(names && names[i] ? names[i] : fallback));
    }
    char *text = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return text;
}

static char *metrics_json(const YcTrainState *s) {
    static const char *keys[7] = {"metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)",
                                  "metrics/mAP50-95(B)", "val/box_loss", "val/cls_loss", "val/dfl_loss"};
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && i < 7; i++) cJSON_AddNumberToObject(o, keys[i], isfinite(s->metrics[i]) ? s->metrics[i] : 0);
    if (o && s->has_fitness) cJSON_AddNumberToObject(o, "fitness", s->fitness);
    else if (o) cJSON_AddNullToObject(o, "fitness");
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

static int add_state(YcStWriter *w, const YcTrainState *s, YcErr *err) {
    double tloss[3] = {s->tloss[0], s->tloss[1], s->tloss[2]};
    if (yc_stw_meta(w, "resume", "1", err) || meta_long(w, "resume.next_epoch", s->next_epoch, err) ||
        meta_long(w, "resume.next_batch", s->next_batch, err) || meta_long(w, "resume.epochs", s->epochs, err) ||
        meta_long(w, "resume.last_opt_step", s->last_opt_step, err) ||
        meta_long(w, "resume.accumulate", s->accumulate, err) || meta_hex_list(w, "resume.tloss", tloss, 3, err) ||
        meta_long(w, "resume.pending_grads", s->pending_grads, err) ||
        meta_opt(w, "resume.best_fitness", s->has_best, s->best_fitness, err) ||
        meta_opt(w, "resume.fitness", s->has_fitness, s->fitness, err) ||
        meta_hex(w, "resume.stop_best_fitness", s->stop_best_fitness, err) ||
        meta_long(w, "resume.stop_best_epoch", s->stop_best_epoch, err) ||
        meta_hex(w, "resume.train_seconds", s->train_seconds, err) ||
        meta_hex_list(w, "resume.metrics", s->metrics, 7, err) || meta_long(w, "resume.best_epoch", s->best_epoch, err) ||
        meta_hex(w, "resume.loss_scale", s->loss_scale, err) ||
        meta_long(w, "resume.scale_good_steps", s->scale_good_steps, err))
        return -1;
    return 0;
}

int yc_checkpoint_read_state(const YcSafetensors *st, YcTrainState *s, YcErr *err) {
    yc_train_state_init(s, 0);
    if (!yc_checkpoint_resumable(st))
        return yc_err(err, "%s: holds weights only, no training state to resume from", st->path);
    long pending = 0, epoch = -1;
    double tloss[3];
    if (read_long(st, "epoch", &epoch, err) || read_int(st, "resume.next_epoch", &s->next_epoch, err) ||
        read_int(st, "resume.next_batch", &s->next_batch, err) || read_int(st, "resume.epochs", &s->epochs, err) ||
        read_long(st, "resume.last_opt_step", &s->last_opt_step, err) ||
        read_int(st, "resume.accumulate", &s->accumulate, err) || read_hex_list(st, "resume.tloss", tloss, 3, err) ||
        read_long(st, "resume.pending_grads", &pending, err) ||
        read_opt(st, "resume.best_fitness", &s->has_best, &s->best_fitness, err) ||
        read_opt(st, "resume.fitness", &s->has_fitness, &s->fitness, err) ||
        read_double(st, "resume.stop_best_fitness", &s->stop_best_fitness, err) ||
        read_int(st, "resume.stop_best_epoch", &s->stop_best_epoch, err) ||
        read_double(st, "resume.train_seconds", &s->train_seconds, err) ||
        read_hex_list(st, "resume.metrics", s->metrics, 7, err) || read_int(st, "resume.best_epoch", &s->best_epoch, err) ||
        read_double(st, "resume.loss_scale", &s->loss_scale, err) ||
        read_int(st, "resume.scale_good_steps", &s->scale_good_steps, err))
        return -1;
    s->epoch = (int)epoch;
    for (int k = 0; k < 3; k++) s->tloss[k] = (float)tloss[k];
    s->pending_grads = pending != 0;
    if (s->next_epoch < 0 || s->next_batch < 0 || s->epochs < 1 || s->accumulate < 1)
        return yc_err(err, "%s: inconsistent resume state (epoch %d, batch %d of %d epochs)", st->path, s->next_epoch,
                      s->next_batch, s->epochs);
    return 0;
}

bool yc_checkpoint_resumable(const YcSafetensors *st) {
    const char *v = yc_st_meta(st, "resume");
    return v && strcmp(v, "1") == 0;
}

/* Host copies of backend memory (the CPU backend's pointers are host memory already). */
static const float *host_view(YcBackend *be, const float *p, size_t n, float **owned) {
    *owned = NULL;
    if (be->mem == YC_MEM_HOST) return p;
    *owned = malloc((n ? n : 1) * sizeof(float));
    if (*owned) be->download(be, *owned, p, n * sizeof(float));
    return *owned;
}

int yc_checkpoint_save(const YcCheckpoint *c, YcErr *err) {
    YcModel *m = c->model;
    YcBackend *be = yc_model_backend(m);
    int n;
    YcParam *params = yc_model_params(m, &n);
    const YcTrainState *s = c->state;
    YcStWriter w;
    yc_stw_init(&w);
    char nc_text[16], date[64], *args_text = malloc(64 * 1024);
    char *names = names_json(c->names, yc_model_nc(m)), *metrics = metrics_json(s);
    float **owned = calloc((size_t)n + 1, sizeof *owned);
    int rc = -1;
    if (!args_text || !names || !metrics || !owned) {
        yc_err(err, "%s: out of memory", c->path);
        goto done;
    }
    snprintf(nc_text, sizeof nc_text, "%d", yc_model_nc(m));
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    if (yc_args_to_yaml(c->args, args_text, 64 * 1024) < 0) {
        yc_err(err, "%s: the arguments do not fit the metadata buffer", c->path);
        goto done;
    }
    char best[64] = "none";
    if (s->has_best) snprintf(best, sizeof best, "%.17g", s->best_fitness);
    if (yc_stw_meta(&w, "best_fitness", best, err) || yc_stw_meta(&w, "format", "yoloc", err) || yc_stw_meta(&w, "yaml", yc_model_yaml(m), err) ||
        yc_stw_meta(&w, "nc", nc_text, err) || yc_stw_meta(&w, "names", names, err) ||
        meta_long(&w, "epoch", s->epoch, err) || yc_stw_meta(&w, "train_args", args_text, err) ||
        yc_stw_meta(&w, "train_metrics", metrics, err) || yc_stw_meta(&w, "date", date, err) ||
        yc_stw_meta(&w, "version", YC_VERSION, err) || yc_ema_save(c->ema, params, &w, "", err))
        goto done;
    if (c->optim) {
        char name[256];
        for (int i = 0; i < n; i++) {
            snprintf(name, sizeof name, "resume.model.%s", params[i].name);
            const float *v = host_view(be, params[i].value, params[i].count, &owned[i]);
            int64_t shape[4];
            int nd = params[i].ndim > 0 ? params[i].ndim : 1;
            for (int d = 0; d < 4; d++) shape[d] = params[i].ndim > 0 ? params[i].shape[d] : (int64_t)params[i].count;
            if (!v) {
                yc_err(err, "%s: out of memory", c->path);
                goto done;
            }
            if (yc_stw_add(&w, name, YC_ST_F32, nd, shape, v, err)) goto done;
        }
        if (yc_optim_save(c->optim, &w, "optim.", err) || add_state(&w, s, err)) goto done;
        if (s->pending_grads) {
            size_t count;
            float *g = yc_model_grad_block(m, &count);
            const float *hg = host_view(be, g, count, &owned[n]);
            int64_t shape[1] = {(int64_t)count};
            if (!hg) {
                yc_err(err, "%s: out of memory", c->path);
                goto done;
            }
            if (yc_stw_add(&w, "resume.grad", YC_ST_F32, 1, shape, hg, err)) goto done;
        }
    }
    rc = yc_stw_save(&w, c->path, err);
done:
    yc_stw_free(&w);
    for (int i = 0; owned && i <= n; i++) free(owned[i]);
    free(owned);
    free(args_text);
    free(names);
    free(metrics);
    return rc;
}

int yc_checkpoint_optim_kind(const YcSafetensors *st, YcOptimKind *kind, YcErr *err) {
    const char *v = yc_st_meta(st, "optim.kind");
    for (int k = YC_OPTIM_SGD; v && k <= YC_OPTIM_ADAMW; k++)
        if (strcmp(v, yc_optim_name((YcOptimKind)k)) == 0) {
            *kind = (YcOptimKind)k;
            return 0;
        }
    return yc_err(err, "%s: no optimizer state (metadata optim.kind)", st->path);
}

int yc_checkpoint_restore(const YcSafetensors *st, YcModel *model, YcEma *ema, YcOptim *optim, YcErr *err) {
    int n;
    YcParam *params = yc_model_params(model, &n);
    if (yc_model_load_st(model, st, "resume.model.", true, NULL, err) || yc_ema_load(ema, params, st, "", err) ||
        yc_optim_load(optim, st, "optim.", err))
        return -1;
    size_t count;
    float *g = yc_model_grad_block(model, &count);
    YcBackend *be = yc_model_backend(model);
    const YcStTensor *t = yc_st_find(st, "resume.grad");
    if (!t) {
        yc_model_zero_grad(model);
        return 0;
    }
    float *host = malloc((count ? count : 1) * sizeof *host);
    if (!host) return yc_err(err, "%s: out of memory", st->path);
    int rc = yc_st_read_f32(st, "resume.grad", host, count, err);
    if (rc == 0) be->upload(be, g, host, count * sizeof *host);
    free(host);
    return rc ? rc : be->sync(be, err);
}

char **yc_checkpoint_names(const YcSafetensors *st, int *count) {
    *count = 0;
    const char *text = yc_st_meta(st, "names");
    cJSON *arr = text ? cJSON_Parse(text) : NULL;
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        return NULL;
    }
    int n = cJSON_GetArraySize(arr);
    char **names = calloc((size_t)(n > 0 ? n : 1), sizeof *names);
    for (int i = 0; names && i < n; i++) {
        cJSON *item = cJSON_GetArrayItem(arr, i);
        names[i] = strdup(cJSON_IsString(item) ? item->valuestring : "");
        if (!names[i]) {
            yc_names_free(names, i);
            names = NULL;
        }
    }
    cJSON_Delete(arr);
    if (names) *count = n;
    return names;
}

void yc_names_free(char **names, int count) {
    for (int i = 0; names && i < count; i++) free(names[i]);
    free(names);
}
