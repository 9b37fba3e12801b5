/* The tracker (see tracker.h): event handling, run.json, results.csv, event
 * files and the plots a run writes. */
#include "tracker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "plot.h"
#include "results_csv.h"
#include "tb_writer.h"
#include "tracker_args.h"
#include "validation_json.h"

/* Event files are written to disk at least this often during an epoch. */
#define WRITE_EVERY_SECONDS 10.0

struct YcTracker {
    char run_dir[4096];
    bool tensorboard, histograms, plots;
    YcArgs args;
    YcTbWriter *tb;
    YcRunRecord rec;
    YcResults results;
    double start_wall;       /* RUN_START of this session (time column origin) */
    double time_offset;      /* the time column's value when a resumed run restarted */
    int epoch;               /* current epoch (1-based; 0 before the first) */
    int batches;             /* batches per epoch */
    int val_epoch;           /* epoch of the validation in progress */
    char pending_validation[4096]; /* validation.json written since the last epoch end */
    int pending_epoch;
    YcRunStatus event_status; /* from finished/failed/interrupted events */
    char event_message[4096];
    int nc;
    char (*names)[128];
    char error[YC_ERR_MSG_MAX];
};

static void keep_error(YcTracker *t, const YcErr *err) {
    if (!t->error[0]) snprintf(t->error, sizeof t->error, "%s", err->msg);
}

const char *yc_tracker_error(const YcTracker *t) { return t->error; }
const char *yc_tracker_run_dir(const YcTracker *t) { return t->run_dir; }
const char *yc_tracker_event_file(const YcTracker *t) { return t->tb ? yc_tb_writer_path(t->tb) : ""; }
bool yc_tracker_histograms_enabled(const YcTracker *t) { return t->tb && t->histograms; }

void yc_tracker_config_defaults(YcTrackerConfig *cfg, const char *run_dir, const YcArgs *args) {
    memset(cfg, 0, sizeof *cfg);
    cfg->run_dir = run_dir;
    cfg->args = args;
    cfg->tensorboard = true;
    cfg->histograms = true;
    cfg->plots = args ? args->plots : true;
}

static int run_path(const YcTracker *t, const char *name, char *out, size_t cap, YcErr *err) {
    if (yc_path_join(out, cap, t->run_dir, name)) return yc_err(err, "%s: path too long", t->run_dir);
    return 0;
}

static int write_record(YcTracker *t, YcErr *err) {
    char path[4096];
    if (run_path(t, "run.json", path, sizeof path, err)) return -1;
    return yc_run_record_write(path, &t->rec, err);
}

int yc_tracker_set_names(YcTracker *t, const char *const *names, int nc, YcErr *err) {
    if (nc < 0) return yc_err(err, "tracker: %d class names", nc);
    char (*copy)[128] = calloc((size_t)(nc ? nc : 1), sizeof *copy);
    if (!copy) return yc_err(err, "tracker: out of memory");
    for (int i = 0; i < nc; i++) snprintf(copy[i], sizeof copy[i], "%s", names && names[i] ? names[i] : "");
    free(t->names);
    t->names = copy;
    t->nc = nc;
    return 0;
}

/* Experiment, session start and the argument table, at step 0. */
static int write_run_header(YcTracker *t, YcErr *err) {
    YcTbHParam *hp = calloc(YC_ARGS_HPARAM_MAX, sizeof *hp);
    char (*texts)[256] = calloc(YC_ARGS_HPARAM_MAX, sizeof *texts);
    if (!hp || !texts) {
        free(hp);
        free(texts);
        return yc_err(err, "tracker: out of memory");
    }
    int n = yc_args_hparams(&t->args, hp, texts);
    YcPb content;
    yc_pb_init(&content);
    yc_tb_hparams_experiment(&content, hp, n, yc_hparam_metric_tags, yc_hparam_metric_count);
    int rc = yc_tb_add_hparams(t->tb, YC_TB_HPARAMS_EXPERIMENT_TAG, &content, 0, err);
    yc_pb_clear(&content);
    if (rc == 0) {
        yc_tb_hparams_session_start(&content, hp, n, "", t->rec.start_time);
        rc = yc_tb_add_hparams(t->tb, YC_TB_HPARAMS_SESSION_START_TAG, &content, 0, err);
    }
    yc_pb_free(&content);
    free(hp);
    free(texts);
    if (rc == 0) {
        YcStr md;
        yc_str_init(&md);
        yc_args_markdown(&t->args, &md);
        rc = yc_tb_add_text(t->tb, "args", 0, yc_str_cstr(&md), 0, err) < 0 ? -1 : 0;
        yc_str_free(&md);
    }
    return rc == 0 ? yc_tb_writer_flush(t->tb, true, err) : -1;
}

int yc_tracker_open(YcTracker **out, const YcTrackerConfig *cfg, YcErr *err) {
    *out = NULL;
    if (!cfg->run_dir || !cfg->run_dir[0] || !cfg->args) return yc_err(err, "tracker: no run directory or arguments");
    YcTracker *t = calloc(1, sizeof *t);
    if (!t) return yc_err(err, "tracker: out of memory");
    snprintf(t->run_dir, sizeof t->run_dir, "%s", cfg->run_dir);
    t->args = *cfg->args;
    t->tensorboard = cfg->tensorboard;
    t->histograms = cfg->histograms;
    t->plots = cfg->plots;
    yc_results_init(&t->results);
    char path[4096], weights[4096];
    int rc = 0;
    if (run_path(t, "weights", weights, sizeof weights, err) || yc_mkdirs(weights, err)) rc = -1;
    if (rc == 0 && cfg->names) rc = yc_tracker_set_names(t, cfg->names, cfg->nc, err);
    /* run.json */
    YcRunRecord previous;
    bool had_record = false;
    if (rc == 0 && cfg->resume && run_path(t, "run.json", path, sizeof path, err) == 0 && yc_file_exists(path)) {
        if (yc_run_record_read(path, &previous, err)) rc = -1;
        else had_record = true;
    }
    yc_run_record_init(&t->rec);
    t->rec.start_time = yc_tb_now();
    if (had_record) {
        t->rec.start_time = isfinite(previous.start_time) ? previous.start_time : t->rec.start_time;
        t->rec.epochs_done = previous.epochs_done;
        t->rec.best_epoch = previous.best_epoch;
        t->rec.best = previous.best;
    }
    const char *base = strrchr(t->run_dir, '/');
    snprintf(t->rec.name, sizeof t->rec.name, "%s", base && base[1] ? base + 1 : t->run_dir);
    snprintf(t->rec.run_dir, sizeof t->rec.run_dir, "%s", t->run_dir);
    snprintf(t->rec.command, sizeof t->rec.command, "%s", cfg->command ? cfg->command : "");
    snprintf(t->rec.model, sizeof t->rec.model, "%s", t->args.model);
    snprintf(t->rec.data, sizeof t->rec.data, "%s", t->args.data);
    t->rec.epochs = t->args.epochs;
    /* results.csv of a resumed run */
    if (rc == 0 && cfg->resume && run_path(t, "results.csv", path, sizeof path, err) == 0 && yc_file_exists(path)) {
        if (yc_results_read(path, &t->results, err)) rc = -1;
        else if (t->results.rows > 0) {
            double last = t->results.v[t->results.rows - 1][YC_COL_TIME];
            t->time_offset = isfinite(last) ? last : 0;
            t->epoch = (int)t->results.v[t->results.rows - 1][YC_COL_EPOCH];
        }
    }
    if (rc == 0 && (run_path(t, "args.yaml", path, sizeof path, err) || yc_args_save_yaml(&t->args, path, err))) rc = -1;
    if (rc == 0 && write_record(t, err)) rc = -1;
    if (rc == 0 && t->tensorboard && (yc_tb_writer_open(&t->tb, t->run_dir, err) || write_run_header(t, err))) rc = -1;
    t->start_wall = yc_tb_now();
    if (rc) {
        YcErr ignored;
        yc_tb_writer_close(t->tb, &ignored);
        yc_results_free(&t->results);
        free(t->names);
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

static void add_scalar(YcTracker *t, const char *tag, int64_t step, double value, double wall) {
    if (!t->tb || !isfinite(value)) return;
    YcErr err;
    if (yc_tb_add_scalar(t->tb, tag, step, value, wall, &err) < 0) keep_error(t, &err);
}

static void on_batch_end(YcTracker *t, const YcEvent *e) {
    if (!t->tb) return;
    int batches = e->batches > 0 ? e->batches : t->batches;
    int epoch = e->epoch > 0 ? e->epoch : t->epoch;
    if (batches <= 0 || epoch <= 0) return;
    int64_t step = (int64_t)(epoch - 1) * batches + e->batch;
    static const char *tags[3] = {"train_batch/box_loss", "train_batch/cls_loss", "train_batch/dfl_loss"};
    for (int i = 0; i < 3; i++) add_scalar(t, tags[i], step, e->losses[i], e->wall_time);
    if (e->images_per_sec > 0) add_scalar(t, "train_batch/images_per_sec", step, e->images_per_sec, e->wall_time);
    if (yc_tb_writer_seconds_since_write(t->tb) > WRITE_EVERY_SECONDS) {
        YcErr err;
        if (yc_tb_writer_flush(t->tb, false, &err)) keep_error(t, &err);
    }
}

/* PR curves of one validation.json as pr_curves summaries. */
static void log_pr_curves(YcTracker *t, const char *path, const char *prefix, int step) {
    YcValidation v;
    YcErr err;
    if (yc_validation_read_parts(path, YC_VAL_COUNTS, &v, &err)) {
        keep_error(t, &err);
        return;
    }
    float *rows = v.thresholds > 0 ? malloc(sizeof(float) * 6 * (size_t)v.thresholds) : NULL;
    for (int r = 0; rows && r < v.nrows; r++) {
        yc_tb_pr_curve_rows(v.tp + (size_t)r * v.thresholds, v.fp + (size_t)r * v.thresholds, v.thresholds,
                            v.per_class[r].instances, rows);
        char tag[256];
        snprintf(tag, sizeof tag, "%s/%s", prefix, v.per_class[r].name);
        if (yc_tb_add_pr_curve(t->tb, tag, step, rows, v.thresholds, 0, &err) < 0) keep_error(t, &err);
    }
    free(rows);
    yc_validation_free(&v);
}

static void update_best(YcTracker *t, const YcEvent *e) {
    int best = e->best_epoch;
    if (best <= 0) { /* not given: the epoch with the highest fitness so far */
        double fitness = isfinite(e->fitness) ? e->fitness : 0.1 * e->map50 + 0.9 * e->map50_95;
        if (t->rec.best_epoch <= 0 || !(fitness <= t->rec.best.fitness)) best = e->epoch;
    }
    if (best == e->epoch) {
        t->rec.best_epoch = e->epoch;
        t->rec.best = (YcRunMetrics){e->precision, e->recall, e->map50, e->map50_95,
                                     isfinite(e->fitness) ? e->fitness : 0.1 * e->map50 + 0.9 * e->map50_95};
    } else if (best > 0 && best != t->rec.best_epoch) {
        /* an earlier epoch: take its metrics from results.csv */
        for (int i = 0; i < t->results.rows; i++)
            if ((int)t->results.v[i][YC_COL_EPOCH] == best) {
                const double *row = t->results.v[i];
                t->rec.best_epoch = best;
                t->rec.best = (YcRunMetrics){row[YC_COL_PRECISION], row[YC_COL_RECALL], row[YC_COL_MAP50],
                                             row[YC_COL_MAP50_95],
                                             0.1 * row[YC_COL_MAP50] + 0.9 * row[YC_COL_MAP50_95]};
            }
    }
}

static void render_results(YcTracker *t) {
    YcErr err;
    YcPng png;
    char path[4096];
    if (yc_plot_results(&t->results, &png, &err) || run_path(t, "results.png", path, sizeof path, &err) ||
        yc_png_save(&png, path, &err))
        keep_error(t, &err);
    yc_png_free(&png);
}

static void on_epoch_end(YcTracker *t, const YcEvent *e) {
    YcErr err;
    int epoch = e->epoch > 0 ? e->epoch : t->epoch;
    if (epoch <= 0) return;
    t->epoch = epoch;
    double row[YC_RESULTS_COLUMNS] = {
        epoch, t->time_offset + (e->wall_time - t->start_wall),
        e->losses[0], e->losses[1], e->losses[2],
        e->precision, e->recall, e->map50, e->map50_95,
        e->val_losses[0], e->val_losses[1], e->val_losses[2],
        e->lr[0], e->lr[1], e->lr[2],
    };
    char path[4096];
    if (yc_results_put(&t->results, row, &err) || run_path(t, "results.csv", path, sizeof path, &err) ||
        yc_results_write(path, &t->results, &err))
        keep_error(t, &err);
    /* the reference's scalars, step = epoch (its epoch index + 1) */
    for (int c = YC_COL_TRAIN_BOX; c < YC_RESULTS_COLUMNS; c++) add_scalar(t, yc_results_columns[c], epoch, row[c], e->wall_time);
    update_best(t, e);
    t->rec.epochs_done = epoch;
    if (e->epochs > 0) t->rec.epochs = e->epochs;
    if (write_record(t, &err)) keep_error(t, &err);
    if (t->tb && t->pending_validation[0]) {
        log_pr_curves(t, t->pending_validation, "pr_curve", epoch);
        t->pending_validation[0] = '\0';
    }
    if (t->plots) render_results(t);
    if (t->tb && yc_tb_writer_flush(t->tb, true, &err)) keep_error(t, &err);
}

static void on_end_event(YcTracker *t, const YcEvent *e, YcRunStatus status) {
    t->event_status = status;
    snprintf(t->event_message, sizeof t->event_message, "%s", e->message ? e->message : "");
    if (status == YC_RUN_FINISHED && e->best_epoch > 0) {
        t->rec.best_epoch = e->best_epoch;
        if (isfinite(e->map50_95))
            t->rec.best = (YcRunMetrics){e->precision, e->recall, e->map50, e->map50_95,
                                         isfinite(e->fitness) ? e->fitness : 0.1 * e->map50 + 0.9 * e->map50_95};
    }
    t->rec.status = status;
    snprintf(t->rec.message, sizeof t->rec.message, "%s", t->event_message);
    YcErr err;
    if (write_record(t, &err)) keep_error(t, &err);
    if (t->tb && yc_tb_writer_flush(t->tb, true, &err)) keep_error(t, &err);
}

void yc_tracker_on_event(const YcEvent *e, void *user) {
    YcTracker *t = user;
    if (!t || !e) return;
    switch (e->type) {
    case YC_EVENT_RUN_START:
        t->start_wall = e->wall_time > 0 ? e->wall_time : yc_tb_now();
        if (e->epochs > 0) t->rec.epochs = e->epochs;
        if (e->batches > 0) t->batches = e->batches;
        if (e->message && e->message[0] && !t->rec.command[0])
            snprintf(t->rec.command, sizeof t->rec.command, "%s", e->message);
        {
            YcErr err;
            if (write_record(t, &err)) keep_error(t, &err);
        }
        break;
    case YC_EVENT_EPOCH_START:
        if (e->epoch > 0) t->epoch = e->epoch;
        if (e->batches > 0) t->batches = e->batches;
        break;
    case YC_EVENT_BATCH_END: on_batch_end(t, e); break;
    case YC_EVENT_VAL_START: t->val_epoch = e->epoch; break;
    case YC_EVENT_VAL_END:
        if (e->path && e->path[0]) {
            snprintf(t->pending_validation, sizeof t->pending_validation, "%s", e->path);
            t->pending_epoch = t->val_epoch;
        }
        break;
    case YC_EVENT_EPOCH_END: on_epoch_end(t, e); break;
    case YC_EVENT_FINISHED: on_end_event(t, e, YC_RUN_FINISHED); break;
    case YC_EVENT_FAILED: on_end_event(t, e, YC_RUN_FAILED); break;
    case YC_EVENT_INTERRUPTED: on_end_event(t, e, YC_RUN_INTERRUPTED); break;
    default: break;
    }
}

/* Saves a PNG into the run directory and, with tensorboard, logs it as an image. */
static int save_and_log(YcTracker *t, const YcPng *png, const char *file, const char *tag, int step, YcErr *err) {
    char path[4096];
    if (run_path(t, file, path, sizeof path, err) || yc_png_save(png, path, err)) return -1;
    if (t->tb && yc_tb_add_image_png(t->tb, tag, step, png->data, png->size, png->width, png->height, 3, 0, err) < 0)
        return -1;
    return 0;
}

static const char *const *names_list(const YcTracker *t, const char **buf) {
    if (!t->names) return NULL;
    for (int i = 0; i < t->nc; i++) buf[i] = t->names[i];
    return buf;
}

int yc_tracker_log_labels(YcTracker *t, const float *rows, int count, YcErr *err) {
    if (!t->plots) return 0;
    const char **names = calloc((size_t)(t->nc > 0 ? t->nc : 1), sizeof(char *));
    if (!names) return yc_err(err, "labels: out of memory");
    YcLabelSet set = {rows, count, names_list(t, names), t->nc};
    YcPng png;
    int rc = yc_plot_labels(&set, &png, err);
    if (rc == 0) rc = save_and_log(t, &png, "labels.png", "plots/labels", t->epoch > 0 ? t->epoch : 1, err);
    yc_png_free(&png);
    free(names);
    return rc;
}

static int log_grid(YcTracker *t, const YcImageBatch *batch, const char *name, YcErr *err) {
    YcPng png;
    if (yc_plot_image_grid(batch, &png, err)) return -1;
    char file[256], tag[256];
    snprintf(file, sizeof file, "%s.png", name);
    snprintf(tag, sizeof tag, "images/%s", name);
    int rc = save_and_log(t, &png, file, tag, t->epoch > 0 ? t->epoch : 1, err);
    yc_png_free(&png);
    return rc;
}

int yc_tracker_log_train_batch(YcTracker *t, int index, const uint8_t *images, int n, int h, int w,
                               const float *targets, int count, const char *const *paths, YcErr *err) {
    if (!t->plots) return 0;
    const char **names = calloc((size_t)(t->nc > 0 ? t->nc : 1), sizeof(char *));
    if (!names) return yc_err(err, "train batch: out of memory");
    YcImageBatch batch = {.images = images, .n = n, .h = h, .w = w, .boxes = targets, .count = count,
                          .names = names_list(t, names), .nc = t->nc, .paths = paths};
    char name[64];
    snprintf(name, sizeof name, "train_batch%d", index);
    int rc = log_grid(t, &batch, name, err);
    free(names);
    return rc;
}

int yc_tracker_log_val_batch(YcTracker *t, int index, const uint8_t *images, int n, int h, int w,
                             const float *labels, int nlabels, const float *preds, int npreds,
                             const char *const *paths, YcErr *err) {
    if (!t->plots) return 0;
    const char **names = calloc((size_t)(t->nc > 0 ? t->nc : 1), sizeof(char *));
    float *boxes = malloc(sizeof(float) * 6 * (size_t)(npreds > 0 ? npreds : 1));
    float *conf = malloc(sizeof(float) * (size_t)(npreds > 0 ? npreds : 1));
    int rc = 0;
    if (!names || !boxes || !conf) rc = yc_err(err, "val batch: out of memory");
    for (int i = 0; rc == 0 && i < npreds; i++) {
        memcpy(boxes + (size_t)i * 6, preds + (size_t)i * 7, sizeof(float) * 6);
        conf[i] = preds[(size_t)i * 7 + 6];
    }
    char name[64];
    if (rc == 0) {
        YcImageBatch batch = {.images = images, .n = n, .h = h, .w = w, .boxes = labels, .count = nlabels,
                              .names = names_list(t, names), .nc = t->nc, .paths = paths};
        snprintf(name, sizeof name, "val_batch%d_labels", index);
        rc = log_grid(t, &batch, name, err);
    }
    if (rc == 0) {
        YcImageBatch batch = {.images = images, .n = n, .h = h, .w = w, .boxes = boxes, .count = npreds,
                              .conf = conf, .conf_threshold = 0.25, .names = names_list(t, names), .nc = t->nc,
                              .paths = paths};
        snprintf(name, sizeof name, "val_batch%d_pred", index);
        rc = log_grid(t, &batch, name, err);
    }
    free(names);
    free(boxes);
    free(conf);
    return rc;
}

int yc_tracker_log_histogram(YcTracker *t, const char *tag, const float *values, size_t n, YcErr *err) {
    if (!yc_tracker_histograms_enabled(t)) return 0;
    int step = t->epoch > 0 ? t->epoch : 1;
    return yc_tb_add_histogram(t->tb, tag, step, values, n, 0, err) < 0 ? -1 : 0;
}

/* The final plots: results.png and the validation plots, from the run's
 * files (validation.json read once); each also goes to TensorBoard as an
 * image at the last epoch. */
static void final_plot(YcTracker *t, YcPlotKind kind, int rc, YcPng *png, YcErr *err, int step) {
    if (rc == 0) {
        const char *file = yc_plot_file_name(kind);
        char tag[128];
        snprintf(tag, sizeof tag, "plots/%.*s", (int)(strlen(file) - 4), file);
        rc = save_and_log(t, png, file, tag, step, err);
    }
    if (rc) keep_error(t, err);
    yc_png_free(png);
}

static void final_plots(YcTracker *t) {
    YcErr err;
    YcPng png = {0};
    char path[4096];
    int step = t->rec.epochs_done > 0 ? t->rec.epochs_done : 1;
    if (t->results.rows > 0) final_plot(t, YC_PLOT_RESULTS, yc_plot_results(&t->results, &png, &err), &png, &err, step);
    if (run_path(t, "validation.json", path, sizeof path, &err) || !yc_file_exists(path)) return;
    YcValidation v;
    if (yc_validation_read(path, &v, &err)) {
        keep_error(t, &err);
        return;
    }
    if (v.x)
        for (int k = YC_PLOT_PR; k <= YC_PLOT_R; k++)
            final_plot(t, (YcPlotKind)k, yc_plot_curve(&v, (YcCurveKind)(k - YC_PLOT_PR), &png, &err), &png, &err, step);
    if (v.matrix) {
        final_plot(t, YC_PLOT_CONFUSION, yc_plot_confusion(&v, false, &png, &err), &png, &err, step);
        final_plot(t, YC_PLOT_CONFUSION_NORMALIZED, yc_plot_confusion(&v, true, &png, &err), &png, &err, step);
    }
    yc_validation_free(&v);
}

int yc_tracker_close(YcTracker *t, YcRunStatus status, const char *message, YcErr *err) {
    if (!t) return 0;
    YcErr local;
    if (status == YC_RUN_UNSET) {
        status = t->event_status;
        if (!message || !message[0]) message = t->event_message;
    }
    if (status == YC_RUN_UNSET || status == YC_RUN_RUNNING) {
        status = YC_RUN_FAILED;
        if (!message || !message[0]) message = "the run ended without a finished, failed or interrupted event";
    }
    /* a validation after the last epoch (the final one, of the best weights) */
    if (t->tb && t->pending_validation[0]) {
        log_pr_curves(t, t->pending_validation, "pr_curve_best",
                      t->rec.best_epoch > 0 ? t->rec.best_epoch : (t->rec.epochs_done > 0 ? t->rec.epochs_done : 1));
        t->pending_validation[0] = '\0';
    }
    if (t->plots) final_plots(t);
    if (t->tb) {
        YcPb content;
        yc_pb_init(&content);
        YcTbSessionStatus s = status == YC_RUN_FINISHED ? YC_TB_STATUS_SUCCESS
                              : status == YC_RUN_FAILED ? YC_TB_STATUS_FAILURE : YC_TB_STATUS_UNKNOWN;
        yc_tb_hparams_session_end(&content, s, yc_tb_now());
        if (yc_tb_add_hparams(t->tb, YC_TB_HPARAMS_SESSION_END_TAG, &content, 0, &local)) keep_error(t, &local);
        yc_pb_free(&content);
    }
    t->rec.status = status;
    t->rec.end_time = yc_tb_now();
    snprintf(t->rec.message, sizeof t->rec.message, "%s", message ? message : "");
    int rc = 0;
    if (write_record(t, &local)) {
        keep_error(t, &local);
    }
    if (yc_tb_writer_close(t->tb, &local)) keep_error(t, &local);
    if (t->error[0]) rc = yc_err(err, "%s", t->error);
    yc_results_free(&t->results);
    free(t->names);
    free(t);
    return rc;
}
