/* Plots from a run directory's files (see plot.h). */
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "plot.h"
#include "plot_dataset.h"

static const char *kind_names[YC_PLOT_KIND_COUNT] = {
    "results", "pr", "f1", "p", "r", "confusion", "confusion_normalized", "labels", "batch",
};
static const char *file_names[YC_PLOT_KIND_COUNT] = {
    "results.png", "PR_curve.png", "F1_curve.png", "P_curve.png", "R_curve.png",
    "confusion_matrix.png", "confusion_matrix_normalized.png", "labels.png", "train_batch0.png",
};

const char *yc_plot_kind_name(YcPlotKind kind) {
    return (kind >= 0 && kind < YC_PLOT_KIND_COUNT) ? kind_names[kind] : "unknown";
}

int yc_plot_kind_parse(const char *name, YcPlotKind *out) {
    for (int k = 0; k < YC_PLOT_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            *out = (YcPlotKind)k;
            return 0;
        }
    return -1;
}

const char *yc_plot_file_name(YcPlotKind kind) {
    return (kind >= 0 && kind < YC_PLOT_KIND_COUNT) ? file_names[kind] : "plot.png";
}

static int run_file(char *out, size_t cap, const char *run_dir, const char *name, YcErr *err) {
    if (yc_path_join(out, cap, run_dir, name)) return yc_err(err, "%s: path too long", run_dir);
    return 0;
}

int yc_plot_render(const char *run_dir, YcPlotKind kind, YcPng *out, YcErr *err) {
    char path[4096];
    memset(out, 0, sizeof *out);
    if (!yc_dir_exists(run_dir)) return yc_err(err, "run=%s: no such directory", run_dir);
    switch (kind) {
    case YC_PLOT_RESULTS: {
        YcResults r;
        if (run_file(path, sizeof path, run_dir, "results.csv", err) || yc_results_read(path, &r, err)) return -1;
        int rc = yc_plot_results(&r, out, err);
        yc_results_free(&r);
        return rc;
    }
    case YC_PLOT_PR:
    case YC_PLOT_F1:
    case YC_PLOT_P:
    case YC_PLOT_R:
    case YC_PLOT_CONFUSION:
    case YC_PLOT_CONFUSION_NORMALIZED: {
        static const unsigned parts[] = {YC_VAL_PR, YC_VAL_F1, YC_VAL_P, YC_VAL_R, YC_VAL_CONFUSION, YC_VAL_CONFUSION};
        YcValidation v;
        if (run_file(path, sizeof path, run_dir, "validation.json", err) ||
            yc_validation_read_parts(path, parts[kind - YC_PLOT_PR], &v, err))
            return -1;
        int rc;
        if (kind == YC_PLOT_CONFUSION || kind == YC_PLOT_CONFUSION_NORMALIZED)
            rc = yc_plot_confusion(&v, kind == YC_PLOT_CONFUSION_NORMALIZED, out, err);
        else rc = yc_plot_curve(&v, (YcCurveKind)(kind - YC_PLOT_PR), out, err);
        yc_validation_free(&v);
        return rc;
    }
    case YC_PLOT_LABELS: return yc_plot_dataset_labels(run_dir, out, err);
    case YC_PLOT_BATCH: return yc_plot_dataset_batch(run_dir, out, err);
    default: return yc_err(err, "plot: unknown plot kind %d", (int)kind);
    }
}

int yc_plot_render_file(const char *run_dir, YcPlotKind kind, const char *out_path, YcErr *err) {
    char path[4096];
    if (!out_path) {
        if (run_file(path, sizeof path, run_dir, yc_plot_file_name(kind), err)) return -1;
        out_path = path;
    }
    YcPng png;
    if (yc_plot_render(run_dir, kind, &png, err)) return -1;
    int rc = yc_png_save(&png, out_path, err);
    yc_png_free(&png);
    return rc;
}

int yc_plot_validation_files(const char *run_dir, YcErr *err) {
    char path[4096];
    YcValidation v;
    if (run_file(path, sizeof path, run_dir, "validation.json", err) || yc_validation_read(path, &v, err)) return -1;
    int rc = 0;
    for (int k = YC_PLOT_PR; k <= YC_PLOT_CONFUSION_NORMALIZED && rc == 0; k++) {
        YcPng png;
        if (k >= YC_PLOT_CONFUSION) {
            if (!v.matrix) continue;
            rc = yc_plot_confusion(&v, k == YC_PLOT_CONFUSION_NORMALIZED, &png, err);
        } else {
            if (!v.x) continue;
            rc = yc_plot_curve(&v, (YcCurveKind)(k - YC_PLOT_PR), &png, err);
        }
        if (rc == 0) {
            if (run_file(path, sizeof path, run_dir, file_names[k], err)) rc = -1;
            else rc = yc_png_save(&png, path, err);
            yc_png_free(&png);
        }
    }
    yc_validation_free(&v);
    return rc;
}
