/* validation.json (docs/ARCHITECTURE.md, version 1): scalars as the shortest
 * text that reads back exactly, curves with 6 significant digits, counts as
 * integers; NaN as null. */
#include <math.h>
#include <stdio.h>

#include "fileio.h"
#include "metrics.h"
#include "metrics_np.h"

static void scalar(YcStr *out, double v) {
    if (!isfinite(v)) {
        yc_str_append(out, "null");
        return;
    }
    char text[40];
    yc_repr_double(v, text, sizeof text);
    yc_str_append(out, text);
}

static void curve(YcStr *out, const double *v, int n) {
    yc_str_append(out, "[");
    for (int i = 0; i < n; i++) {
        if (i) yc_str_append(out, ",");
        if (isfinite(v[i])) yc_str_printf(out, "%.6g", v[i]);
        else yc_str_append(out, "null");
    }
    yc_str_append(out, "]");
}

static void curves(YcStr *out, const char *key, const double *rows, int k, int n) {
    yc_str_printf(out, ",\n    \"%s\": [", key);
    for (int i = 0; i < k; i++) {
        if (i) yc_str_append(out, ",\n      ");
        curve(out, rows + (size_t)i * (size_t)n, n);
    }
    yc_str_append(out, "]");
}

static void counts(YcStr *out, const char *key, const long *rows, int k, int n) {
    yc_str_printf(out, ", \"%s\": [", key);
    for (int i = 0; i < k; i++) {
        yc_str_append(out, i ? ",\n      [" : "[");
        for (int j = 0; j < n; j++) yc_str_printf(out, j ? ",%ld" : "%ld", rows[(size_t)i * (size_t)n + (size_t)j]);
        yc_str_append(out, "]");
    }
    yc_str_append(out, "]");
}

void yc_metrics_to_json(const YcMetricsResult *r, const YcValSpeed *speed, YcStr *out) {
    const YcValSpeed zero = {0};
    if (!speed) speed = &zero;
    yc_str_append(out, "{\n  \"version\": 1,\n  \"names\": [");
    for (int c = 0; c < r->nc; c++) {
        if (c) yc_str_append(out, ", ");
        yc_json_string(out, r->names[c]);
    }
    yc_str_printf(out, "],\n  \"images\": %d,\n  \"instances\": %ld,\n  \"speed_ms\": {\"preprocess\": ", r->images,
                  r->instances);
    scalar(out, speed->preprocess);
    yc_str_append(out, ", \"inference\": ");
    scalar(out, speed->inference);
    yc_str_append(out, ", \"loss\": ");
    scalar(out, speed->loss);
    yc_str_append(out, ", \"postprocess\": ");
    scalar(out, speed->postprocess);
    yc_str_append(out, "},\n  \"all\": {\"precision\": ");
    scalar(out, r->precision);
    yc_str_append(out, ", \"recall\": ");
    scalar(out, r->recall);
    yc_str_append(out, ", \"map50\": ");
    scalar(out, r->map50);
    yc_str_append(out, ", \"map50_95\": ");
    scalar(out, r->map50_95);
    yc_str_append(out, ", \"fitness\": ");
    scalar(out, r->fitness);
    yc_str_append(out, "},\n  \"per_class\": [");
    for (int i = 0; i < r->k; i++) {
        yc_str_printf(out, "%s\n    {\"class\": %d, \"name\": ", i ? "," : "", r->class_index[i]);
        yc_json_string(out, r->names[r->class_index[i]]);
        yc_str_printf(out, ", \"images\": %ld, \"instances\": %ld, \"predictions\": %ld, \"precision\": ",
                      r->class_images[i], r->class_instances[i], r->class_predictions[i]);
        scalar(out, r->p[i]);
        yc_str_append(out, ", \"recall\": ");
        scalar(out, r->r[i]);
        yc_str_append(out, ", \"ap50\": ");
        scalar(out, r->ap50[i]);
        yc_str_append(out, ", \"ap50_95\": ");
        scalar(out, r->ap50_95[i]);
        yc_str_append(out, ", \"ap\": [");
        for (int t = 0; t < YC_METRICS_IOUS; t++) {
            if (t) yc_str_append(out, ", ");
            scalar(out, r->ap[(size_t)i * YC_METRICS_IOUS + (size_t)t]);
        }
        yc_str_append(out, "]}");
    }
    yc_str_append(out, "],\n  \"curves\": {\n    \"x\": ");
    curve(out, r->curve_x, YC_METRICS_CURVE_POINTS);
    curves(out, "pr", r->pr_curve, r->k, YC_METRICS_CURVE_POINTS);
    curves(out, "f1", r->f1_curve, r->k, YC_METRICS_CURVE_POINTS);
    curves(out, "p", r->p_curve, r->k, YC_METRICS_CURVE_POINTS);
    curves(out, "r", r->r_curve, r->k, YC_METRICS_CURVE_POINTS);
    yc_str_printf(out, "},\n  \"pr_counts\": {\"thresholds\": %d", YC_METRICS_PR_THRESHOLDS);
    counts(out, "tp", r->pr_tp, r->k, YC_METRICS_PR_THRESHOLDS);
    counts(out, "fp", r->pr_fp, r->k, YC_METRICS_PR_THRESHOLDS);
    yc_str_append(out, "},\n  \"confusion\": {\"conf\": ");
    scalar(out, r->confusion_conf);
    yc_str_append(out, ", \"iou\": ");
    scalar(out, r->confusion_iou);
    yc_str_append(out, ", \"matrix\": [");
    size_t n = (size_t)r->nc + 1;
    for (size_t i = 0; i < n; i++) {
        yc_str_append(out, i ? ",\n      [" : "[");
        for (size_t j = 0; j < n; j++) yc_str_printf(out, j ? ",%.0f" : "%.0f", r->confusion[i * n + j]);
        yc_str_append(out, "]");
    }
    yc_str_append(out, "]}\n}\n");
}

int yc_metrics_write_json(const YcMetricsResult *r, const YcValSpeed *speed, const char *path, YcErr *err) {
    YcStr s;
    yc_str_init(&s);
    yc_metrics_to_json(r, speed, &s);
    int rc = s.failed ? yc_err(err, "%s: out of memory", path) : yc_write_file_atomic(path, s.data, s.len, err);
    yc_str_free(&s);
    return rc;
}
