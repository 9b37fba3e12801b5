/* yoloc predict model=WEIGHTS source=IMAGE|DIR|LIST|PATTERN [...]: detects
 * objects in images as the reference's `yolo predict` does (trainer/predict.h)
 * and saves annotated copies (tracking's yc_plot_detections, JPEG) and, with
 * save_txt, YOLO labels into runs/detect/predict (predict2, ...). Prints the
 * reference's lines ("image 1/2 PATH: 480x640 2 persons, 1 bus, 12.3ms", the
 * Speed line, "Results saved to ..."), through events that also reach the
 * notebook kernel (predict_image: the annotated image's path). */
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
#include "predict.h"
#include "run_dir.h"
#include "safetensors.h"
#include "train_checkpoint.h"
#include "train_flow.h"
#include "version.h"

typedef struct PredictRun {
    YcArgs args;
    YcBackend *be;
    YcModel *model;
    char **names;
    int nnames;
    YcPredictSources sources;
    YcPredictor *predictor;
    YcPrediction pred;
    char run_dir[4096];
    YcEventBus bus;
    CliSubscribers subs;
    bool subscribed;
    int seen, saved_labels;
    double ms[3];
    int last_h, last_w;
} PredictRun;

static void log_line(PredictRun *r, const char *text) {
    YcEvent e = {.type = YC_EVENT_LOG, .message = text};
    yc_events_emit(&r->bus, &e);
}

static int build_model(PredictRun *r, YcErr *err) {
    const char *m = r->args.model;
    if (yc_model_is_weights_path(m)) {
        if (!(r->model = yc_model_from_weights(m, r->be, err))) return -1;
        YcSafetensors st;
        if (yc_st_load(m, &st, err)) return -1;
        r->names = yc_checkpoint_names(&st, &r->nnames);
        yc_st_free(&st);
    } else {
        if (!(r->model = yc_model_build(m, 0, r->be, err))) return -1;
        yc_model_init_weights(r->model, (uint64_t)r->args.seed);
        log_line(r, "WARNING: predicting with an untrained model YAML (random weights) finds nothing useful.");
    }
    int nc = yc_model_nc(r->model);
    if (r->nnames != nc && r->args.data[0]) { /* no names in the weights: the dataset's, when they fit */
        YcDataConfig cfg;
        YcErr ignored;
        if (yc_data_config_load(r->args.data, &cfg, &ignored) == 0) {
            if (cfg.nc == nc) {
                yc_names_free(r->names, r->nnames);
                r->names = calloc((size_t)nc, sizeof *r->names);
                r->nnames = r->names ? nc : 0;
                for (int i = 0; r->names && i < nc; i++) r->names[i] = strdup(cfg.names[i]);
            }
            yc_data_config_free(&cfg);
        }
    }
    if (r->nnames != nc) { /* the reference's default names */
        yc_names_free(r->names, r->nnames);
        r->names = calloc((size_t)nc, sizeof *r->names);
        r->nnames = r->names ? nc : 0;
        for (int i = 0; r->names && i < nc; i++) {
            char name[32];
            snprintf(name, sizeof name, "class%d", i);
            r->names[i] = strdup(name);
        }
    }
    return r->names || nc == 0 ? 0 : yc_err(err, "out of memory");
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* DIR/NAME with NAME's extension replaced by ext (".jpg", ".txt"). */
static void output_path(char *out, size_t cap, const char *dir, const char *source, const char *ext) {
    const char *name = base_name(source);
    const char *dot = strrchr(name, '.');
    int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
    snprintf(out, cap, "%s/%.*s%s", dir, stem, name, ext);
}

/* Annotates and saves one image; returns the path written in saved (or ""). */
static int save_outputs(PredictRun *r, const char *src, const YcImage *im, char *saved, size_t cap, YcErr *err) {
    const YcArgs *a = &r->args;
    saved[0] = '\0';
    if (a->save) {
        YcImage copy = {0};
        if (yc_image_alloc(&copy, im->h, im->w, 3, err)) return -1;
        memcpy(copy.data, im->data, (size_t)im->h * im->w * 3);
        YcDetectionsImage d = {.rgb = copy.data, .h = im->h, .w = im->w, .dets = r->pred.rows, .n = r->pred.n,
                               .names = (const char *const *)r->names, .nc = r->nnames, .line_width = a->line_width,
                               .boxes = a->show_boxes, .labels = a->show_labels, .conf = a->show_conf};
        char path[4200];
        output_path(path, sizeof path, r->run_dir, src, ".jpg");
        int rc = yc_plot_detections(&d, err) || yc_jpeg_save_rgb(copy.data, im->h, im->w, 95, path, err);
        yc_image_free(&copy);
        if (rc) return -1;
        snprintf(saved, cap, "%s", path);
    }
    if (a->save_txt && r->pred.n > 0) {
        char path[4200];
        output_path(path, sizeof path, r->run_dir, src, ".txt");
        char labels[4300];
        snprintf(labels, sizeof labels, "%s/labels/%s", r->run_dir, base_name(path));
        if (yc_predict_append_txt(labels, r->pred.rows, r->pred.n, im->w, im->h, a->save_conf, err)) return -1;
        r->saved_labels++;
    }
    return 0;
}

static int predict_one(PredictRun *r, int i, YcErr *err) {
    const char *path = r->sources.paths[i];
    int total = r->sources.count;
    YcImage im = {0};
    YcErr why;
    char line[8192];
    if (yc_image_read(path, &im, &why)) { /* named and skipped, as the reference skips unreadable images */
        const char *reason = why.msg; /* the reader's errors name the file: once is enough */
        size_t plen = strlen(path);
        if (strncmp(reason, path, plen) == 0 && reason[plen] == ':') reason += plen + (reason[plen + 1] == ' ' ? 2 : 1);
        snprintf(line, sizeof line, "WARNING: image %d/%d %s: %s; skipped", i + 1, total, path, reason);
        log_line(r, line);
        return 0;
    }
    int rc = yc_predictor_run(r->predictor, &im, &r->pred, err);
    if (rc == 0) {
        r->seen++;
        for (int k = 0; k < 3; k++) r->ms[k] += r->pred.ms[k];
        r->last_h = r->pred.input_h;
        r->last_w = r->pred.input_w;
        char saved[4200];
        rc = save_outputs(r, path, &im, saved, sizeof saved, err);
        if (rc == 0) {
            YcStr s;
            yc_str_init(&s);
            yc_predict_summary(r->pred.rows, r->pred.n, (const char *const *)r->names, r->nnames, &s);
            snprintf(line, sizeof line, "image %d/%d %s: %dx%d %s%.1fms", i + 1, total, path, r->pred.input_h,
                     r->pred.input_w, yc_str_cstr(&s), r->pred.ms[1]);
            yc_str_free(&s);
            YcEvent e = {.type = YC_EVENT_PREDICT_IMAGE, .batch = i + 1, .batches = total, .run_dir = r->run_dir,
                         .path = saved[0] ? saved : NULL, .message = r->args.verbose ? line : NULL};
            yc_events_emit(&r->bus, &e);
        }
    }
    yc_image_free(&im);
    return rc ? yc_err_prefix(err, "%s", path) : 0;
}

/* 0: done; -1: failed with err set; 1: failed and already reported (the arguments). */
static int run(PredictRun *r, int argc, char **argv, YcErr *err, int *status) {
    YcArgs *a = &r->args;
    *status = CLI_USAGE;
    if (cli_parse_args(a, "predict", argc, argv) != CLI_OK) return 1; /* it printed the error */
    *status = CLI_FAILED; /* an unreadable weights file is a failure, not a usage error */
    if (cli_args_from_weights(a, err)) return -1; /* imgsz of the training run, as the reference's predict */
    *status = CLI_USAGE;
    if (!a->model[0] || !a->source[0])
        return yc_err(err, "predict: model= and source= are required (e.g. yoloc predict model=runs/detect/train/"
                           "weights/best.safetensors source=images/)");
    *status = CLI_FAILED;
    if (yc_predict_sources(a->source, &r->sources, err)) return -1;
    char device[512];
    if (!(r->be = yc_device_open(&a->device, a->amp, device, sizeof device, err))) return -1;
    yc_events_init(&r->bus);
    if (cli_subscribe(&r->bus, &r->subs, NULL, err)) return -1;
    r->subscribed = true;
    char line[1024];
    snprintf(line, sizeof line, "yoloc %s %s", YC_VERSION, device);
    log_line(r, line);
    if (build_model(r, err)) return -1;
    yc_model_summary_line(r->model, 640, 640, line, sizeof line);
    log_line(r, line);
    if (r->sources.videos) {
        snprintf(line, sizeof line, "WARNING: %d video file(s) in source=%s left out (videos are not supported)",
                 r->sources.videos, a->source);
        log_line(r, line);
    }
    int stride = yc_model_max_stride(r->model);
    YcPredictOptions o;
    yc_predict_options_defaults(&o);
    int sizes[2] = {a->imgsz.h, a->imgsz.w}, fixed[2];
    bool changed = false;
    for (int k = 0; k < 2; k++) changed |= yc_predict_check_imgsz(sizes[k], stride, &fixed[k]);
    if (changed) {
        if (a->imgsz.is_pair)
            snprintf(line, sizeof line, "WARNING: imgsz=[%d, %d] must be multiple of max stride %d, updating to [%d, %d]",
                     sizes[0], sizes[1], stride, fixed[0], fixed[1]);
        else
            snprintf(line, sizeof line, "WARNING: imgsz=[%d] must be multiple of max stride %d, updating to [%d]",
                     sizes[0], stride, fixed[0]);
        log_line(r, line);
    }
    o.imgsz_h = fixed[0];
    o.imgsz_w = fixed[1];
    if (isfinite(a->conf)) o.conf = a->conf;
    o.iou = a->iou;
    o.max_det = a->max_det;
    o.agnostic = a->agnostic_nms;
    o.classes = a->classes.count ? a->classes.values : NULL;
    o.n_classes = a->classes.count;
    if (!(r->predictor = yc_predictor_new(r->model, &o, err))) return -1;
    if (a->save || a->save_txt) {
        if (yc_run_dir_create_at(a->project[0] ? a->project : "runs/detect", a->name[0] ? a->name : "predict",
                                 a->exist_ok, r->run_dir, sizeof r->run_dir, err))
            return -1;
        char sub[4200]; /* run directories come with weights/, which prediction has no use for */
        snprintf(sub, sizeof sub, "%s/weights", r->run_dir);
        rmdir(sub);
        snprintf(sub, sizeof sub, "%s/labels", r->run_dir);
        if (a->save_txt && yc_mkdirs(sub, err)) return -1;
    }
    YcEvent start = {.type = YC_EVENT_RUN_START, .run_dir = r->run_dir[0] ? r->run_dir : NULL,
                     .batches = r->sources.count};
    yc_events_emit(&r->bus, &start);
    for (int i = 0; i < r->sources.count; i++) {
        if (cli_stop_requested) {
            *status = 130;
            snprintf(line, sizeof line, "predict interrupted after %d of %d images", i, r->sources.count);
            YcEvent e = {.type = YC_EVENT_INTERRUPTED, .run_dir = r->run_dir[0] ? r->run_dir : NULL, .message = line};
            yc_events_emit(&r->bus, &e);
            return 0;
        }
        if (predict_one(r, i, err)) return -1;
    }
    if (r->seen == 0) return yc_err(err, "predict: none of the %d image(s) of source=%s could be read", r->sources.count, a->source);
    snprintf(line, sizeof line, "Speed: %.1fms preprocess, %.1fms inference, %.1fms postprocess per image at shape "
             "(1, 3, %d, %d)", r->ms[0] / r->seen, r->ms[1] / r->seen, r->ms[2] / r->seen, r->last_h, r->last_w);
    log_line(r, line);
    char done[8800] = "";
    if (r->run_dir[0]) {
        int n = snprintf(done, sizeof done, "Results saved to %s", r->run_dir);
        if (a->save_txt)
            snprintf(done + n, sizeof done - (size_t)n, "\n%d label%s saved to %s/labels", r->saved_labels,
                     r->saved_labels > 1 ? "s" : "", r->run_dir);
    }
    YcEvent fin = {.type = YC_EVENT_FINISHED, .run_dir = r->run_dir[0] ? r->run_dir : NULL,
                   .message = done[0] ? done : NULL};
    yc_events_emit(&r->bus, &fin);
    *status = CLI_OK;
    return 0;
}

int cli_mode_predict(int argc, char **argv) {
    PredictRun *r = calloc(1, sizeof *r);
    if (!r) return cli_failf(CLI_FAILED, "out of memory");
    cli_install_stop_signals();
    YcErr err;
    yc_err_clear(&err);
    int status = CLI_FAILED;
    if (run(r, argc, argv, &err, &status) < 0) cli_report_failure(r->subscribed ? &r->bus : NULL, status, &err, r->run_dir);
    if (r->subscribed) cli_unsubscribe(&r->subs);
    yc_prediction_free(&r->pred);
    yc_predictor_free(r->predictor);
    yc_predict_sources_free(&r->sources);
    yc_names_free(r->names, r->nnames);
    yc_model_free(r->model);
    yc_backend_destroy(r->be);
    free(r);
    return status;
}
