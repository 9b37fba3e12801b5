/* yoloc val: validates weights on a dataset split (the reference's
 * DetectionValidator run on its own): the metrics table with per-class rows,
 * validation.json, the Speed line, predictions.json (save_json, or COCO's
 * val2017), val_batchN_labels/_pred.png and the PR/F1/P/R/confusion plots
 * into runs/detect/val (val2, ...). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "data_config.h"
#include "device.h"
#include "fileio.h"
#include "model.h"
#include "plot.h"
#include "run_dir.h"
#include "safetensors.h"
#include "train_checkpoint.h"
#include "train_data.h"
#include "val_boxes.h"
#include "val_loop.h"
#include "version.h"

typedef struct ValRun {
    YcArgs args;
    YcBackend *be;
    YcModel *model;
    char **model_names;
    int model_names_count;
    YcDataConfig cfg;
    bool have_cfg;
    YcDataset ds;
    bool have_ds;
    YcBatchSource *src;
    char run_dir[4096];
    YcEventBus bus;
    CliSubscribers subs;
    bool subscribed;
    const char *const *names;
} ValRun;

static void log_line(ValRun *r, const char *text) {
    YcEvent e = {.type = YC_EVENT_LOG, .message = text};
    yc_events_emit(&r->bus, &e);
}

/* val_batch<i>_labels.png and _pred.png in the run directory. */
static void plot_batch(void *user, int index, const YcSourceBatch *b, const float *preds, int npreds) {
    ValRun *r = user;
    const char *paths[256] = {0};
    for (int i = 0; i < b->n && i < 256; i++) paths[i] = b->info ? b->info[i].path : NULL;
    float *boxes = malloc((size_t)(npreds ? npreds : 1) * 6 * sizeof *boxes);
    float *conf = malloc((size_t)(npreds ? npreds : 1) * sizeof *conf);
    if (!boxes || !conf) goto done;
    for (int k = 0; k < npreds; k++) {
        memcpy(boxes + (size_t)k * 6, preds + (size_t)k * 7, 6 * sizeof(float));
        conf[k] = preds[(size_t)k * 7 + 6];
    }
    YcImageBatch ib = {.images = b->images, .n = b->n, .h = b->h, .w = b->w, .boxes = b->target, .count = b->targets,
                       .conf_threshold = 0.25, .names = r->names, .nc = yc_model_nc(r->model),
                       .paths = b->info && b->n <= 256 ? paths : NULL};
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            ib.boxes = boxes;
            ib.count = npreds;
            ib.conf = conf;
        }
        char name[64], path[4200];
        snprintf(name, sizeof name, "val_batch%d_%s.png", index, pass ? "pred" : "labels");
        YcPng png;
        YcErr err;
        if (yc_path_join(path, sizeof path, r->run_dir, name) == 0 && yc_plot_image_grid(&ib, &png, &err) == 0) {
            if (yc_png_save(&png, path, &err)) log_line(r, err.msg);
            yc_png_free(&png);
        }
    }
done:
    free(boxes);
    free(conf);
}

static int build_model(ValRun *r, YcErr *err) {
    const char *m = r->args.model;
    if (yc_model_is_weights_path(m)) {
        if (!(r->model = yc_model_from_weights(m, r->be, err))) return -1;
        YcSafetensors st;
        if (yc_st_load(m, &st, err)) return -1;
        r->model_names = yc_checkpoint_names(&st, &r->model_names_count);
        yc_st_free(&st);
        return 0;
    }
    log_line(r, "WARNING: validating an untrained model YAML will result in 0 mAP.");
    if (!(r->model = yc_model_build(m, r->args.single_cls ? 1 : r->cfg.nc, r->be, err))) return -1;
    yc_model_init_weights(r->model, (uint64_t)r->args.seed);
    return 0;
}

static int open_data(ValRun *r, int imgsz, int batch, YcErr *err) {
    YcArgs *a = &r->args;
    const YcDataSources *src = yc_data_config_split(&r->cfg, a->split);
    if (!src || src->count == 0) return yc_err(err, "%s: the dataset has no '%s' split", r->cfg.file, a->split);
    YcDatasetOptions o;
    yc_dataset_options_default(&o, a->split);
    o.single_cls = a->single_cls;
    if (yc_dataset_open(&r->ds, &r->cfg, &o, err)) return -1;
    r->have_ds = true;
    log_line(r, r->ds.summary);
    YcLoaderOptions lo;
    yc_loader_options_from_args(a, false, &lo);
    lo.batch = batch;
    lo.imgsz = lo.aug.imgsz = imgsz;
    lo.stride = yc_model_max_stride(r->model);
    /* the reference's model.val() validates rect batches unless rect= is given */
    const YcArgSpec *spec = yc_arg_find("rect");
    lo.rect = a->source_of[yc_arg_index(spec)] == YC_SRC_CLI ? a->rect : true;
    r->src = yc_cli_loader_source(&r->ds, &lo, err);
    return r->src ? 0 : -1;
}

/* 0: done; -1: failed with err set; 1: failed and already reported (the arguments). */
static int run(ValRun *r, int argc, char **argv, YcErr *err, int *status) {
    YcArgs *a = &r->args;
    *status = CLI_USAGE;
    if (cli_parse_args(a, "val", argc, argv) != CLI_OK) return 1; /* it printed the error */
    *status = CLI_FAILED; /* an unreadable weights file is a failure, not a usage error */
    if (cli_args_from_weights(a, err)) return -1;
    *status = CLI_USAGE;
    if (!a->model[0] || !a->data[0])
        return yc_err(err, "val: model= and data= are required (e.g. yoloc val model=runs/detect/train/weights/"
                           "best.safetensors data=coco8.yaml)");
    char device[512];
    if (!(r->be = yc_device_open(&a->device, a->amp, device, sizeof device, err))) return -1;
    *status = CLI_FAILED;
    if (yc_data_config_load(a->data, &r->cfg, err)) return yc_err_prefix(err, "data=%s", a->data);
    r->have_cfg = true;
    yc_events_init(&r->bus);
    if (cli_subscribe(&r->bus, &r->subs, NULL, err)) return -1;
    r->subscribed = true;
    char line[1024];
    snprintf(line, sizeof line, "yoloc %s %s", YC_VERSION, device);
    log_line(r, line);
    if (build_model(r, err)) return -1;
    int nc = yc_model_nc(r->model), data_nc = a->single_cls ? 1 : r->cfg.nc;
    if (data_nc > nc)
        return yc_err(err, "%s has %d classes but the model %s has %d", a->data, data_nc, a->model, nc);
    r->names = r->model_names && r->model_names_count == nc ? (const char *const *)r->model_names
               : data_nc == nc && !a->single_cls            ? (const char *const *)r->cfg.names
                                                            : NULL;
    yc_model_summary_line(r->model, 640, 640, line, sizeof line);
    log_line(r, line);
    int stride = yc_model_max_stride(r->model), imgsz = a->imgsz.h > a->imgsz.w ? a->imgsz.h : a->imgsz.w;
    int fixed = (imgsz + stride - 1) / stride * stride;
    if (fixed != imgsz) {
        snprintf(line, sizeof line, "WARNING: imgsz=[%d] must be multiple of max stride %d, updating to [%d]", imgsz,
                 stride, fixed);
        log_line(r, line);
    }
    int batch = a->batch >= 1 ? (int)a->batch : 16;
    if (open_data(r, fixed, batch, err)) return -1;
    if (yc_run_dir_create_at(a->project[0] ? a->project : "runs/detect", a->name[0] ? a->name : "val", a->exist_ok,
                             r->run_dir, sizeof r->run_dir, err))
        return -1;
    char weights[4200]; /* run directories come with weights/, which a validation has no use for */
    if (yc_path_join(weights, sizeof weights, r->run_dir, "weights") == 0) rmdir(weights);
    YcEvent start = {.type = YC_EVENT_RUN_START, .run_dir = r->run_dir, .batches = r->src->batches(r->src)};
    yc_events_emit(&r->bus, &start);
    const YcDataSources *split = yc_data_config_split(&r->cfg, a->split);
    bool coco = split && split->count == 1 && yc_val_is_coco(split->paths[0]);
    char json[4200], preds[4200];
    yc_path_join(json, sizeof json, r->run_dir, "validation.json");
    yc_path_join(preds, sizeof preds, r->run_dir, "predictions.json");
    YcValOptions o;
    yc_val_options_from_args(&o, a);
    o.per_class = a->verbose && nc > 1;
    o.names = r->names;
    o.json_path = json;
    o.predictions_path = a->save_json || coco ? preds : NULL;
    o.coco91 = coco;
    o.stop = &cli_stop_requested;
    if (a->plots) {
        o.plot_batches = 3;
        o.plot = plot_batch;
        o.plot_user = r;
    }
    YcValResult res;
    int rc = yc_val_run(r->model, r->src, &o, &r->bus, &res, err);
    if (rc == 1) {
        *status = 130;
        YcEvent e = {.type = YC_EVENT_INTERRUPTED, .run_dir = r->run_dir, .message = "validation interrupted"};
        yc_events_emit(&r->bus, &e);
        return 0;
    }
    if (rc) return -1;
    YcStr text;
    yc_str_init(&text);
    yc_metrics_speed_line(&res.speed, &text);
    if (text.len && text.data[text.len - 1] == '\n') text.data[--text.len] = '\0';
    log_line(r, yc_str_cstr(&text));
    if (o.predictions_path && res.predictions_written > 0) {
        snprintf(line, sizeof line, "Saving %s...", preds);
        log_line(r, line);
    }
    yc_str_free(&text);
    if (a->plots && yc_plot_validation_files(r->run_dir, err)) log_line(r, err->msg);
    snprintf(line, sizeof line, "Results saved to %s", r->run_dir);
    YcEvent fin = {.type = YC_EVENT_FINISHED, .run_dir = r->run_dir, .precision = res.metrics.precision,
                   .recall = res.metrics.recall, .map50 = res.metrics.map50, .map50_95 = res.metrics.map50_95,
                   .fitness = res.metrics.fitness, .message = line};
    yc_events_emit(&r->bus, &fin);
    yc_val_result_free(&res);
    *status = CLI_OK;
    return 0;
}

int cli_mode_val(int argc, char **argv) {
    ValRun *r = calloc(1, sizeof *r);
    if (!r) return cli_failf(CLI_FAILED, "out of memory");
    cli_install_stop_signals();
    YcErr err;
    yc_err_clear(&err);
    int status = CLI_FAILED;
    if (run(r, argc, argv, &err, &status) < 0) cli_report_failure(r->subscribed ? &r->bus : NULL, status, &err, r->run_dir);
    if (r->subscribed) cli_unsubscribe(&r->subs);
    yc_source_destroy(r->src);
    if (r->have_ds) yc_dataset_free(&r->ds);
    if (r->have_cfg) yc_data_config_free(&r->cfg);
    yc_names_free(r->model_names, r->model_names_count);
    yc_model_free(r->model);
    yc_backend_destroy(r->be);
    free(r);
    return status;
}
