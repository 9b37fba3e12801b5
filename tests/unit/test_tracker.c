/* The tracker end to end in-process (so that `make asan` covers the tracker,
 * the event writer and every plot): a small scripted run, then every plot
 * rendered from the run's files. The TensorBoard-side checks are in
 * tests/py/test_tracking.py. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fileio.h"
#include "plot.h"
#include "results_csv.h"
#include "run_dir.h"
#include "run_record.h"
#include "tracker.h"

static const char *validation_json =
    "{\"version\": 1, \"names\": [\"cat\", \"dog\", \"bird\"], \"images\": 2, \"instances\": 5,"
    " \"all\": {\"precision\": 0.5, \"recall\": 0.4, \"map50\": 0.45, \"map50_95\": 0.3, \"fitness\": 0.315},"
    " \"per_class\": [{\"class\": 0, \"name\": \"cat\", \"images\": 2, \"instances\": 3, \"precision\": 0.6,"
    " \"recall\": 0.5, \"ap50\": 0.55, \"ap50_95\": 0.35}, {\"class\": 2, \"name\": \"bird\", \"images\": 1,"
    " \"instances\": 2, \"precision\": 0.4, \"recall\": 0.3, \"ap50\": 0.35, \"ap50_95\": 0.25}],"
    " \"curves\": {\"x\": [0, 0.25, 0.5, 0.75, 1], \"pr\": [[1, 0.9, 0.7, 0.4, 0], [1, 0.8, 0.5, 0.2, 0]],"
    " \"f1\": [[0.2, 0.5, 0.6, 0.4, 0], [0.1, 0.4, 0.5, 0.3, 0]], \"p\": [[0.2, 0.5, 0.7, 0.9, 1], [0.1, 0.4, 0.6, 0.8, 1]],"
    " \"r\": [[0.9, 0.8, 0.6, 0.3, 0], [0.8, 0.7, 0.5, 0.2, 0]]},"
    " \"pr_counts\": {\"thresholds\": 3, \"tp\": [[3, 2, 0], [2, 1, 0]], \"fp\": [[5, 1, 0], [4, 0, 0]]},"
    " \"confusion\": {\"conf\": 0.25, \"iou\": 0.45, \"matrix\": [[2, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0], [1, 0, 1, 0]]}}";

static void test_scripted_run(void) {
    char tmp[] = "/tmp/yc_tracker_unit_XXXXXX";
    if (!CHECK(mkdtemp(tmp) != NULL)) return;
    YcErr err;
    YcArgs args;
    yc_args_defaults(&args);
    char project[128], run_dir[4096], path[4200];
    snprintf(project, sizeof project, "%s/runs", tmp);
    CHECK(yc_args_set(&args, "project", project, YC_SRC_CLI, &err) == 0);
    CHECK(yc_args_set(&args, "epochs", "3", YC_SRC_CLI, &err) == 0);
    CHECK(yc_args_set(&args, "data", "share/datasets/coco8.yaml", YC_SRC_CLI, &err) == 0);
    CHECK(yc_args_set(&args, "imgsz", "64", YC_SRC_CLI, &err) == 0);
    if (!CHECK(yc_run_dir_create(&args, run_dir, sizeof run_dir, &err) == 0)) return;
    YcTrackerConfig cfg;
    yc_tracker_config_defaults(&cfg, run_dir, &args);
    const char *names[] = {"cat", "dog", "bird"};
    cfg.names = names;
    cfg.nc = 3;
    cfg.command = "yoloc train epochs=3";
    YcTracker *t;
    if (!CHECK(yc_tracker_open(&t, &cfg, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    float labels[] = {0, 0.5f, 0.5f, 0.2f, 0.3f, 2, 0.3f, 0.6f, 0.1f, 0.1f};
    CHECK(yc_tracker_log_labels(t, labels, 2, &err) == 0);
    static uint8_t images[2 * 3 * 48 * 64];
    for (size_t i = 0; i < sizeof images; i++) images[i] = (uint8_t)(i * 31);
    float targets[] = {0, 0, 0.5f, 0.5f, 0.4f, 0.4f, 1, 2, 0.3f, 0.3f, 0.2f, 0.2f};
    float preds[] = {0, 0, 0.52f, 0.5f, 0.4f, 0.4f, 0.9f, 1, 1, 0.3f, 0.3f, 0.2f, 0.2f, 0.1f};
    double wall = 1700000000;
    for (int epoch = 1; epoch <= 3; epoch++) {
        YcEvent e = {.type = YC_EVENT_EPOCH_START, .epoch = epoch, .epochs = 3, .batches = 2, .wall_time = wall};
        yc_tracker_on_event(&e, t);
        for (int b = 1; b <= 2; b++) {
            e = (YcEvent){.type = YC_EVENT_BATCH_END, .epoch = epoch, .batch = b, .batches = 2,
                          .losses = {1.0 / epoch, 2.0 / epoch, 3.0 / epoch}, .wall_time = wall += 1};
            yc_tracker_on_event(&e, t);
        }
        if (epoch == 1) CHECK(yc_tracker_log_train_batch(t, 0, images, 2, 48, 64, targets, 2, NULL, &err) == 0);
        float w[5] = {0.1f, -0.2f, 0.3f, NAN, 0.05f};
        CHECK(yc_tracker_log_histogram(t, "weights/x", w, 5, &err) == 0);
        snprintf(path, sizeof path, "%s/validation.json", run_dir);
        CHECK(yc_write_file_atomic(path, validation_json, strlen(validation_json), &err) == 0);
        e = (YcEvent){.type = YC_EVENT_VAL_START, .epoch = epoch};
        yc_tracker_on_event(&e, t);
        e = (YcEvent){.type = YC_EVENT_VAL_END, .path = path};
        yc_tracker_on_event(&e, t);
        e = (YcEvent){.type = YC_EVENT_EPOCH_END, .epoch = epoch, .epochs = 3, .losses = {1, 2, 3},
                      .precision = 0.1 * epoch, .recall = 0.1, .map50 = 0.2, .map50_95 = 0.1 * epoch,
                      .val_losses = {1, 1, NAN}, .lr = {0.01, 0.01, 0.02}, .fitness = 0.1 * epoch,
                      .wall_time = wall += 1};
        yc_tracker_on_event(&e, t);
    }
    CHECK(yc_tracker_log_val_batch(t, 0, images, 2, 48, 64, targets, 2, preds, 2, NULL, &err) == 0);
    YcEvent fin = {.type = YC_EVENT_FINISHED, .epoch = 3, .best_epoch = 3};
    yc_tracker_on_event(&fin, t);
    CHECK_STR(yc_tracker_error(t), "");
    CHECK(yc_tracker_close(t, YC_RUN_UNSET, NULL, &err) == 0);

    YcRunRecord rec;
    snprintf(path, sizeof path, "%s/run.json", run_dir);
    CHECK(yc_run_record_read(path, &rec, &err) == 0);
    CHECK(rec.status == YC_RUN_FINISHED && rec.epochs_done == 3 && rec.best_epoch == 3);
    YcResults r;
    snprintf(path, sizeof path, "%s/results.csv", run_dir);
    CHECK(yc_results_read(path, &r, &err) == 0);
    CHECK(r.rows == 3 && isnan(r.v[0][YC_COL_VAL_DFL]) && r.v[2][YC_COL_PRECISION] > 0.29);
    yc_results_free(&r);
    const char *files[] = {"results.png", "PR_curve.png", "F1_curve.png", "P_curve.png", "R_curve.png",
                           "confusion_matrix.png", "confusion_matrix_normalized.png", "labels.png",
                           "train_batch0.png", "val_batch0_labels.png", "val_batch0_pred.png", "args.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", run_dir, files[i]);
        if (!CHECK(yc_file_exists(path))) fprintf(stderr, "    missing %s\n", files[i]);
    }
    /* every plot from the files, into memory */
    for (int k = 0; k < YC_PLOT_KIND_COUNT; k++) {
        YcPng png;
        if (!CHECK(yc_plot_render(run_dir, (YcPlotKind)k, &png, &err) == 0)) {
            fprintf(stderr, "    %s: %s\n", yc_plot_kind_name((YcPlotKind)k), err.msg);
            continue;
        }
        int w, h;
        CHECK(yc_png_size(png.data, png.size, &w, &h) == 0 && w >= 128 && h >= 128);
        yc_png_free(&png);
    }
    /* a resumed run continues after the last row */
    YcTracker *again;
    cfg.resume = true;
    CHECK(yc_tracker_open(&again, &cfg, &err) == 0);
    YcEvent e = {.type = YC_EVENT_EPOCH_END, .epoch = 4, .epochs = 4, .wall_time = wall += 1};
    yc_tracker_on_event(&e, again);
    CHECK(yc_tracker_close(again, YC_RUN_INTERRUPTED, "stopped", &err) == 0);
    snprintf(path, sizeof path, "%s/results.csv", run_dir);
    CHECK(yc_results_read(path, &r, &err) == 0);
    CHECK(r.rows == 4 && r.v[3][0] == 4);
    yc_results_free(&r);
    snprintf(path, sizeof path, "%s/run.json", run_dir);
    CHECK(yc_run_record_read(path, &rec, &err) == 0);
    CHECK(rec.status == YC_RUN_INTERRUPTED && strcmp(rec.message, "stopped") == 0 && rec.best_epoch == 3);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);
}

static void test_bad_inputs(void) {
    YcErr err;
    YcPng png;
    YcImageBatch none = {0};
    CHECK(yc_plot_image_grid(&none, &png, &err) == -1 && strstr(err.msg, "no images"));
    YcValidation v = {0};
    CHECK(yc_plot_curve(&v, YC_CURVE_PR, &png, &err) == -1 && strstr(err.msg, "no curves"));
    CHECK(yc_plot_confusion(&v, true, &png, &err) == -1 && strstr(err.msg, "no confusion matrix"));
    CHECK(yc_plot_render("/nonexistent/run", YC_PLOT_RESULTS, &png, &err) == -1 && strstr(err.msg, "no such directory"));
    YcLabelSet empty = {0};
    CHECK(yc_plot_labels(&empty, &png, &err) == 0);
    yc_png_free(&png);
    YcResults r = {0};
    CHECK(yc_plot_results(&r, &png, &err) == 0);
    yc_png_free(&png);
}

int main(void) {
    static const CheckCase cases[] = {
        {"scripted_run", test_scripted_run},
        {"bad_inputs", test_bad_inputs},
    };
    int rc = check_run(cases, (int)(sizeof cases / sizeof cases[0]));
    cairo_debug_reset_static_data(); /* so leak checkers see only our own allocations */
    return rc;
}
