/* Checker for the fixture of kind `val` (tests/parity/make_val_fixtures.py):
 * the fixture is a weights file; the expected results are in the JSON next
 * to it. The validation loop (yc_val_run, as the trainer calls it: rect
 * batches of the fixture's batch size, losses on) runs on the bundled coco8
 * split through the data loader; its metrics and validation losses must
 * match the reference's DetectionValidator. The reference fuses conv and
 * batch norm for validation and yoloc does not, so the outputs differ by
 * rounding: the tolerances allow for that, not more. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "backend.h"
#include "data_config.h"
#include "data_dataset.h"
#include "fileio.h"
#include "loader.h"
#include "model.h"
#include "parity.h"
#include "train_checkpoint.h"
#include "val_loop.h"

#define METRIC_TOL 2e-3 /* P, R, AP: rounding in the outputs can move a prediction across a threshold */
#define LOSS_TOL 1e-4   /* validation losses, relative */

static double num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void compare(ParityReport *r, const char *group, const char *name, double got, double want, double tol,
                    ParityTolMode mode) {
    parity_compare_f64(r, group, name, &got, &want, 1, tol, mode);
}

int parity_check_val(const YcSafetensors *fx, ParityReport *r) {
    const char *expected_name = yc_st_meta(fx, "expected");
    char dir[1024], path[2048];
    snprintf(dir, sizeof dir, "%s", fx->path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    snprintf(path, sizeof path, "%s/%s", dir, expected_name ? expected_name : "");
    char *text = NULL;
    size_t size;
    YcErr err;
    if (!expected_name || yc_read_file(path, &text, &size, &err)) {
        parity_fail(r, "no expected results (metadata 'expected'): %s", expected_name ? err.msg : "");
        return -1;
    }
    cJSON *want = cJSON_Parse(text);
    free(text);
    int imgsz = (int)num(want, "imgsz"), batch = (int)num(want, "batch");
    const cJSON *split = cJSON_GetObjectItemCaseSensitive(want, "split");
    YcBackend *be = parity_backend(r); /* the CPU, or --device cuda:N */
    YcModel *m = be ? yc_model_from_weights(fx->path, be, &err) : NULL;
    YcDataConfig cfg;
    YcDataset ds;
    bool have_cfg = false, have_ds = false;
    YcLoader *loader = NULL;
    YcBatchSource *src = NULL;
    int names_count = 0;
    char **names = yc_checkpoint_names(fx, &names_count);
    if (!want || imgsz < 32 || batch < 1 || !cJSON_IsString(split)) {
        parity_fail(r, "%s: imgsz, batch and split expected", path);
        goto done;
    }
    if (!m || yc_data_config_load("coco8.yaml", &cfg, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    have_cfg = true;
    YcDatasetOptions dopt;
    yc_dataset_options_default(&dopt, split->valuestring);
    if (yc_dataset_open(&ds, &cfg, &dopt, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    have_ds = true;
    YcArgs args;
    yc_args_defaults(&args);
    YcLoaderOptions lo;
    yc_loader_options_from_args(&args, false, &lo);
    lo.batch = batch;
    lo.imgsz = lo.aug.imgsz = imgsz;
    lo.workers = 0;
    if (yc_loader_create(&loader, &ds, &lo, &err) || !(src = yc_source_loader_create(loader, ds.count, &err))) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    loader = NULL; /* the source owns it */
    YcValOptions o;
    yc_val_options_defaults(&o);
    o.compute_loss = true;
    o.names = (const char *const *)names;
    YcValResult res;
    if (yc_val_run(m, src, &o, NULL, &res, &err)) {
        parity_fail(r, "validation: %s", err.msg);
        goto done;
    }
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(want, "all");
    compare(r, "metrics", "precision", res.metrics.precision, num(all, "precision"), METRIC_TOL, PARITY_ABS);
    compare(r, "metrics", "recall", res.metrics.recall, num(all, "recall"), METRIC_TOL, PARITY_ABS);
    compare(r, "metrics", "mAP50", res.metrics.map50, num(all, "map50"), METRIC_TOL, PARITY_ABS);
    compare(r, "metrics", "mAP50-95", res.metrics.map50_95, num(all, "map50_95"), METRIC_TOL, PARITY_ABS);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(want, "per_class"), *row;
    if (cJSON_GetArraySize(rows) != res.metrics.k)
        parity_fail(r, "%d classes with labels, want %d", res.metrics.k, cJSON_GetArraySize(rows));
    int i = 0;
    cJSON_ArrayForEach(row, rows) {
        if (i >= res.metrics.k) break;
        char name[64];
        snprintf(name, sizeof name, "class %d", res.metrics.class_index[i]);
        if (res.metrics.class_index[i] != (int)num(row, "class") ||
            res.metrics.class_instances[i] != (long)num(row, "instances") ||
            res.metrics.class_images[i] != (long)num(row, "images"))
            parity_fail(r, "%s: class, images or instances differ from the reference's row", name);
        compare(r, "per-class AP", name, res.metrics.ap50[i], num(row, "ap50"), METRIC_TOL, PARITY_ABS);
        compare(r, "per-class AP", name, res.metrics.ap50_95[i], num(row, "ap50_95"), METRIC_TOL, PARITY_ABS);
        i++;
    }
    const cJSON *losses = cJSON_GetObjectItemCaseSensitive(want, "val_losses");
    for (int k = 0; k < 3 && cJSON_GetArraySize(losses) == 3; k++) {
        static const char *names3[3] = {"val/box_loss", "val/cls_loss", "val/dfl_loss"};
        /* the reference reports them rounded to 5 decimals */
        double got = round(res.loss[k] * 1e5) / 1e5, w = cJSON_GetArrayItem(losses, k)->valuedouble;
        compare(r, "val losses", names3[k], got, w, LOSS_TOL + 1e-5 / fabs(w), PARITY_SCALED);
    }
    yc_val_result_free(&res);
done:
    cJSON_Delete(want);
    yc_names_free(names, names_count);
    yc_source_destroy(src);
    yc_loader_free(loader);
    if (have_ds) yc_dataset_free(&ds);
    if (have_cfg) yc_data_config_free(&cfg);
    yc_model_free(m);
    yc_backend_destroy(be);
    return r->failures ? -1 : 0;
}
