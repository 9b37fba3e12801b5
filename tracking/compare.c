/* Comparing runs (see compare.h). */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "run_find.h"

const char *const yc_compare_headers[YC_COMPARE_COLUMNS] = {
    "run", "status", "epochs", "best", "P", "R", "mAP50", "mAP50-95", "val/box", "val/cls", "val/dfl", "duration",
};

int yc_compare_best_row(const YcResults *r, int best_epoch) {
    if (best_epoch > 0)
        for (int i = r->rows - 1; i >= 0; i--)
            if (r->v[i][YC_COL_EPOCH] == best_epoch) return i;
    int best = -1;
    for (int i = 0; i < r->rows; i++) {
        double m = r->v[i][YC_COL_MAP50_95];
        if (isfinite(m) && (best < 0 || m > r->v[best][YC_COL_MAP50_95])) best = i;
    }
    return best;
}

static const char *base_name(const char *path) {
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--;
    const char *p = path + len;
    while (p > path && p[-1] != '/') p--;
    return p;
}

static int load_one(YcCompareRun *run, const char *name, const char *project, YcErr *err) {
    if (yc_run_resolve(name, project, run->dir, sizeof run->dir, err)) return -1;
    size_t len = strlen(run->dir);
    while (len > 1 && run->dir[len - 1] == '/') run->dir[--len] = '\0';
    snprintf(run->label, sizeof run->label, "%s", base_name(run->dir));
    yc_results_init(&run->results);
    run->best_row = -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/run.json", run->dir);
    if (yc_file_exists(path)) {
        if (yc_run_info_read(run->dir, &run->info, err)) return -1;
        run->has_record = true;
    }
    snprintf(path, sizeof path, "%s/results.csv", run->dir);
    if (yc_file_exists(path)) {
        if (yc_results_read(path, &run->results, err)) return -1;
        run->has_results = true;
    }
    if (!run->has_record && !run->has_results)
        return yc_err(err, "%s: neither results.csv nor run.json (not a training run?)", run->dir);
    run->best_row = yc_compare_best_row(&run->results, run->has_record ? run->info.rec.best_epoch : 0);
    return 0;
}

int yc_compare_load(const char *const *names, int n, const char *project, YcCompareRun **out, YcErr *err) {
    *out = NULL;
    if (n < 1) return yc_err(err, "compare: no runs given");
    if (n > YC_COMPARE_MAX_RUNS) return yc_err(err, "compare: at most %d runs (got %d)", YC_COMPARE_MAX_RUNS, n);
    YcCompareRun *runs = calloc((size_t)n, sizeof *runs);
    if (!runs) return yc_err(err, "compare: out of memory");
    for (int i = 0; i < n; i++) {
        if (load_one(&runs[i], names[i], project, err)) {
            yc_compare_free(runs, i + 1);
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        bool clash = false;
        for (int j = 0; j < n && !clash; j++) clash = j != i && strcmp(runs[i].label, runs[j].label) == 0;
        if (clash) snprintf(runs[i].label, sizeof runs[i].label, "%s", names[i] && names[i][0] ? names[i] : runs[i].dir);
    }
    *out = runs;
    return 0;
}

void yc_compare_free(YcCompareRun *runs, int n) {
    if (!runs) return;
    for (int i = 0; i < n; i++) yc_results_free(&runs[i].results);
    free(runs);
}

int yc_compare_plot(const YcCompareRun *runs, int n, YcPng *out, YcErr *err) {
    if (n > YC_COMPARE_MAX_RUNS) return yc_err(err, "compare: at most %d runs (got %d)", YC_COMPARE_MAX_RUNS, n);
    YcResultsSeries series[YC_COMPARE_MAX_RUNS];
    for (int i = 0; i < n; i++) series[i] = (YcResultsSeries){runs[i].label, &runs[i].results};
    return yc_plot_compare(series, n, out, err);
}

static void number(char *out, double v, const char *fmt) {
    if (isfinite(v)) snprintf(out, 64, fmt, v);
    else snprintf(out, 64, "-");
}

void yc_compare_cells(const YcCompareRun *run, char cells[YC_COMPARE_COLUMNS][64]) {
    const YcRunRecord *rec = run->has_record ? &run->info.rec : NULL;
    snprintf(cells[0], 64, "%.63s", run->label);
    snprintf(cells[1], 64, "%s", rec ? yc_run_display_status(&run->info) : "-");
    int done = rec ? rec->epochs_done : run->results.rows;
    if (rec && rec->epochs > 0) snprintf(cells[2], 64, "%d/%d", done, rec->epochs);
    else snprintf(cells[2], 64, "%d", done);
    double m[7] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    int best_epoch = 0;
    if (run->best_row >= 0) {
        const double *row = run->results.v[run->best_row];
        static const int cols[7] = {YC_COL_PRECISION, YC_COL_RECALL, YC_COL_MAP50, YC_COL_MAP50_95,
                                    YC_COL_VAL_BOX, YC_COL_VAL_CLS, YC_COL_VAL_DFL};
        for (int k = 0; k < 7; k++) m[k] = row[cols[k]];
        best_epoch = (int)row[YC_COL_EPOCH];
    } else if (rec && rec->best_epoch > 0) { /* run.json only: its best metrics, no losses */
        m[0] = rec->best.precision, m[1] = rec->best.recall, m[2] = rec->best.map50, m[3] = rec->best.map50_95;
        best_epoch = rec->best_epoch;
    }
    if (best_epoch > 0) snprintf(cells[3], 64, "%d", best_epoch);
    else snprintf(cells[3], 64, "-");
    for (int k = 0; k < 7; k++) number(cells[4 + k], m[k], "%.4f");
    if (rec) yc_format_duration(run->info.duration_s, cells[11], 64);
    else snprintf(cells[11], 64, "-");
}

void yc_compare_table(const YcCompareRun *runs, int n, YcStr *out) {
    char (*cells)[YC_COMPARE_COLUMNS][64] = calloc((size_t)(n > 0 ? n : 1), sizeof *cells);
    if (!cells) return;
    int width[YC_COMPARE_COLUMNS];
    for (int c = 0; c < YC_COMPARE_COLUMNS; c++) width[c] = (int)strlen(yc_compare_headers[c]);
    for (int i = 0; i < n; i++) {
        yc_compare_cells(&runs[i], cells[i]);
        for (int c = 0; c < YC_COMPARE_COLUMNS; c++)
            if ((int)strlen(cells[i][c]) > width[c]) width[c] = (int)strlen(cells[i][c]);
    }
    for (int c = 0; c < YC_COMPARE_COLUMNS; c++)
        yc_str_printf(out, c == 0 ? "%-*s" : c == 1 ? "  %-*s" : "  %*s", width[c], yc_compare_headers[c]);
    yc_str_append(out, "\n");
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < YC_COMPARE_COLUMNS; c++)
            yc_str_printf(out, c == 0 ? "%-*s" : c == 1 ? "  %-*s" : "  %*s", width[c], cells[i][c]);
        yc_str_append(out, "\n");
    }
    free(cells);
}

int yc_compare_winner(const YcCompareRun *runs, int n) {
    int best = -1;
    double best_m = -INFINITY;
    for (int i = 0; i < n; i++) {
        double m = NAN;
        if (runs[i].best_row >= 0) m = runs[i].results.v[runs[i].best_row][YC_COL_MAP50_95];
        else if (runs[i].has_record && runs[i].info.rec.best_epoch > 0) m = runs[i].info.rec.best.map50_95;
        if (isfinite(m) && m > best_m) best_m = m, best = i;
    }
    return best;
}
