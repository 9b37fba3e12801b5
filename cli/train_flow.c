/* `yoloc train` around the training loop (see train_flow.h). */
#include "train_flow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "device.h"
#include "fileio.h"
#include "model.h"
#include "run_dir.h"
#include "safetensors.h"
#include "tracker.h"
#include "train_checkpoint.h"
#include "train_loop.h"
#include "train_resume.h"
#include "version.h"

typedef struct TrainRun {
    YcArgs args;
    char ckpt[4096], run_dir[4096], command[8192];
    YcBackend *be;
    YcModel *model;
    CliTrainData data;
    const CliTrainDataOps *ops;
    bool data_open;
    YcTracker *tracker;
    YcEventBus bus;
    CliSubscribers subs;
    bool subscribed;
    int batch, imgsz;
} TrainRun;

static void log_line(TrainRun *r, const char *text) {
    YcEvent e = {.type = YC_EVENT_LOG, .message = text};
    yc_events_emit(&r->bus, &e);
}

/* ---- tracker hooks ---- */

static void paths_of(const YcSourceBatch *b, const char **paths, int cap) {
    for (int i = 0; i < b->n && i < cap; i++) paths[i] = b->info ? b->info[i].path : NULL;
}

static void hook_train_batch(void *user, long ni, const YcSourceBatch *b) {
    const char *paths[256] = {0};
    paths_of(b, paths, 256);
    YcErr err;
    yc_tracker_log_train_batch(user, (int)ni, b->images, b->n, b->h, b->w, b->target, b->targets,
                               b->info && b->n <= 256 ? paths : NULL, &err);
}

static void hook_val_batch(void *user, int index, const YcSourceBatch *b, const float *preds, int npreds) {
    const char *paths[256] = {0};
    paths_of(b, paths, 256);
    YcErr err;
    yc_tracker_log_val_batch(user, index, b->images, b->n, b->h, b->w, b->target, b->targets, preds, npreds,
                             b->info && b->n <= 256 ? paths : NULL, &err);
}

static bool hook_histograms_wanted(void *user) { return yc_tracker_histograms_enabled(user); }

static void hook_histogram(void *user, const char *tag, const float *values, size_t n) {
    YcErr err;
    yc_tracker_log_histogram(user, tag, values, n, &err);
}

/* ---- set-up steps ---- */

/* batch=-1 or a fraction: the reference's AutoBatch falls back to 16 without CUDA. */
static int resolve_batch(TrainRun *r, char *note, size_t cap) {
    note[0] = '\0';
    if (r->args.batch >= 1) return (int)r->args.batch;
    snprintf(note, cap, "AutoBatch: %s, using default batch-size 16",
             r->be->mem == YC_MEM_HOST ? "intended for CUDA devices" : "not built yet for CUDA devices");
    return 16;
}

static int resolve_imgsz(TrainRun *r, int stride, char *note, size_t cap, YcErr *err) {
    note[0] = '\0';
    if (r->args.imgsz.is_pair && r->args.imgsz.h != r->args.imgsz.w)
        return yc_err(err, "imgsz=[%d,%d]: training and validation take one size (e.g. imgsz=640)", r->args.imgsz.h,
                      r->args.imgsz.w);
    int want = r->args.imgsz.h;
    int size = (want + stride - 1) / stride * stride;
    if (size < stride) size = stride;
    if (size != want)
        snprintf(note, cap, "WARNING: imgsz=[%d] must be multiple of max stride %d, updating to [%d]", want, stride,
                 size);
    r->imgsz = size;
    return 0;
}

/* The model: a resumed run's (from its checkpoint), weights to start from,
 * or a YAML built from scratch (seeded); pretrained=FILE transfers weights. */
static int build_model(TrainRun *r, char *note, size_t cap, YcErr *err) {
    note[0] = '\0';
    const YcArgs *a = &r->args;
    const char *weights = NULL, *yaml = a->model;
    YcSafetensors st;
    bool have_st = false;
    if (a->resume.on) weights = r->ckpt;
    else if (yc_model_is_weights_path(a->model)) weights = a->model;
    if (weights) {
        if (yc_st_load(weights, &st, err)) return -1;
        have_st = true;
        yaml = yc_st_meta(&st, "yaml");
        if (!yaml || !*yaml) {
            yc_st_free(&st);
            return yc_err(err, "%s: no model description (yaml) in the metadata", weights);
        }
    }
    r->model = yc_model_build(yaml, r->data.nc, r->be, err);
    int rc = r->model ? 0 : -1;
    if (rc == 0 && !a->resume.on) yc_model_init_weights(r->model, (uint64_t)a->seed);
    const char *transfer = weights && !a->resume.on ? weights : (a->pretrained.path[0] ? a->pretrained.path : NULL);
    if (rc == 0 && transfer) {
        int loaded = 0, n;
        yc_model_params(r->model, &n);
        rc = have_st && transfer == weights ? yc_model_load_st(r->model, &st, "", false, &loaded, err)
                                            : yc_model_load(r->model, transfer, false, &loaded, err);
        if (rc == 0) snprintf(note, cap, "Transferred %d/%d items from pretrained weights", loaded, n);
    }
    if (have_st) yc_st_free(&st);
    return rc;
}

static int open_tracker(TrainRun *r, YcErr *err) {
    YcTrackerConfig cfg;
    yc_tracker_config_defaults(&cfg, r->run_dir, &r->args);
    cfg.command = r->command;
    cfg.resume = r->args.resume.on;
    cfg.names = (const char *const *)r->data.names;
    cfg.nc = r->data.nc;
    return yc_tracker_open(&r->tracker, &cfg, err);
}

static int prepare(TrainRun *r, int argc, char **argv, YcErr *err, int *status) {
    *status = CLI_FAILED;
    if (cli_parse_args(&r->args, "train", argc, argv) != CLI_OK) {
        *status = CLI_USAGE;
        return -1;
    }
    cli_command_line("train", argc, argv, r->command, sizeof r->command);
    if (r->args.resume.on) {
        if (yc_train_resume_args(&r->args, r->ckpt, sizeof r->ckpt, r->run_dir, sizeof r->run_dir, err)) return -1;
    } else if (!r->args.model[0] || !r->args.data[0]) {
        *status = CLI_USAGE;
        return yc_err(err, "train: model= and data= are required (e.g. yoloc train model=yolov8n.yaml data=coco8.yaml)");
    }
    char device[512];
    r->be = yc_device_open(&r->args.device, r->args.amp, device, sizeof device, err);
    if (!r->be) {
        *status = CLI_USAGE;
        return -1;
    }
    if (r->ops->open(&r->data, &r->args, err)) return yc_err_prefix(err, "data=%s", r->args.data);
    r->data_open = true;
    char model_note[256], batch_note[256], imgsz_note[256];
    if (build_model(r, model_note, sizeof model_note, err)) return -1;
    int stride = yc_model_max_stride(r->model);
    if (resolve_imgsz(r, stride, imgsz_note, sizeof imgsz_note, err)) {
        *status = CLI_USAGE;
        return -1;
    }
    r->batch = resolve_batch(r, batch_note, sizeof batch_note);
    if (r->ops->sources(&r->data, &r->args, r->batch, r->imgsz, stride, r->be, err))
        return yc_err_prefix(err, "data=%s", r->args.data);
    if (!r->args.resume.on) {
        if (yc_run_dir_create(&r->args, r->run_dir, sizeof r->run_dir, err)) return -1;
        const char *base = strrchr(r->run_dir, '/');
        snprintf(r->args.name, sizeof r->args.name, "%s", base ? base + 1 : r->run_dir);
    }
    if (open_tracker(r, err)) return -1;
    if (cli_subscribe(&r->bus, &r->subs, r->tracker, err)) return -1;
    r->subscribed = true;
    char line[1024], summary[512];
    snprintf(line, sizeof line, "yoloc %s %s", YC_VERSION, device);
    log_line(r, line);
    if (imgsz_note[0]) log_line(r, imgsz_note);
    if (batch_note[0]) log_line(r, batch_note);
    yc_model_summary_line(r->model, 640, 640, summary, sizeof summary);
    log_line(r, summary);
    if (model_note[0]) log_line(r, model_note);
    if (r->data.log && *r->data.log) log_line(r, r->data.log);
    if (r->args.plots && r->data.labels) {
        YcErr perr;
        if (yc_tracker_log_labels(r->tracker, r->data.labels, r->data.label_count, &perr))
            log_line(r, perr.msg);
    }
    return 0;
}

int cli_train(int argc, char **argv, const CliTrainDataOps *ops) {
    TrainRun *r = calloc(1, sizeof *r);
    if (!r) return cli_failf(CLI_FAILED, "out of memory");
    r->ops = ops;
    yc_events_init(&r->bus);
    cli_install_stop_signals();
    YcErr err;
    yc_err_clear(&err);
    int status = CLI_FAILED;
    if (prepare(r, argc, argv, &err, &status) == 0) {
        YcTrainSetup s = {
            .args = &r->args, .batch = r->batch, .imgsz = r->imgsz, .model = r->model, .train = r->data.train,
            .val = r->data.val, .names = (const char *const *)r->data.names,
            .run_dir = r->run_dir, .resume_path = r->args.resume.on ? r->ckpt : NULL,
            .val_is_coco = r->data.val_is_coco, .bus = &r->bus, .stop = &cli_stop_requested,
            .hooks = {.user = r->tracker, .train_batch = hook_train_batch, .val_batch = hook_val_batch,
                      .histograms_wanted = hook_histograms_wanted, .histogram = hook_histogram},
        };
        YcTrainResult res;
        int rc = yc_train_run(&s, &res);
        status = rc == 0 ? CLI_OK : rc > 0 ? 130 : CLI_FAILED;
    } else if (r->subscribed) { /* console, tracker and relay all hear why it ended */
        YcEvent e = {.type = YC_EVENT_FAILED, .message = err.msg, .run_dir = r->run_dir};
        yc_events_emit(&r->bus, &e);
    } else if (err.msg[0]) {
        cli_fail(status, &err);
    }
    if (r->tracker) {
        YcErr terr;
        bool early = !r->subscribed;
        if (yc_tracker_close(r->tracker, early ? YC_RUN_FAILED : YC_RUN_UNSET, early ? err.msg : NULL, &terr))
            fprintf(stderr, "yoloc: tracking: %s\n", terr.msg);
    }
    if (r->subscribed) cli_unsubscribe(&r->subs);
    if (r->data_open) r->ops->close(&r->data);
    yc_model_free(r->model);
    yc_backend_destroy(r->be);
    free(r);
    return status;
}
