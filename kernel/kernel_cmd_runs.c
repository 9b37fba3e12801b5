/* Commands about finished and running runs: runs, plot, compare. Runs are
 * found, read, listed and plotted by tracking/ (run_find.h, runs_list.h,
 * plot.h, compare.h); the kernel turns the results into cell outputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "fileio.h"
#include "kernel.h"
#include "kernel_runs.h"
#include "plot.h"
#include "run_find.h"
#include "runs_list.h"
#include "textutil.h"

/* An HTML table from headers and rows of cells; bold_row (or -1) in bold. */
static void html_table(YcStr *html, const char *const *headers, int ncols, const char *cells, size_t cell_cap,
                       int nrows, int bold_row) {
    yc_str_append(html, "<table><tr>");
    for (int c = 0; c < ncols; c++) {
        yc_str_append(html, "<th>");
        yc_html_escape(html, headers[c]);
        yc_str_append(html, "</th>");
    }
    yc_str_append(html, "</tr>");
    for (int r = 0; r < nrows; r++) {
        yc_str_append(html, r == bold_row ? "<tr style=\"font-weight:bold\">" : "<tr>");
        for (int c = 0; c < ncols; c++) {
            yc_str_append(html, "<td>");
            yc_html_escape(html, cells + ((size_t)r * ncols + c) * cell_cap);
            yc_str_append(html, "</td>");
        }
        yc_str_append(html, "</tr>");
    }
    yc_str_append(html, "</table>");
}

YcCmdStatus yc_cmd_runs(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    char project[4096];
    if (yc_project_dir(x, argc, argv, project, sizeof project)) return YC_CMD_ERROR;
    if (!yc_dir_exists(project)) {
        yc_out_printf(&x->out, "stdout", "no runs in %s yet\n", project);
        return YC_CMD_OK;
    }
    YcRunInfo *runs = NULL;
    int n = 0, skipped = 0;
    YcErr err;
    if (yc_runs_list(project, &runs, &n, &skipped, &err)) return yc_exec_error(x, "RunError", err.msg, NULL, 0);
    if (n == 0) {
        yc_out_printf(&x->out, "stdout", "no runs in %s yet (a run is a directory holding run.json)\n", project);
    } else {
        char (*cells)[YC_RUNS_COLUMNS][256] = calloc((size_t)n, sizeof *cells);
        if (!cells) {
            free(runs);
            return yc_exec_errorf(x, "OutOfMemory", "out of memory");
        }
        for (int i = 0; i < n; i++) yc_runs_cells(&runs[i], project, cells[i]);
        YcStr plain, html;
        yc_str_init(&plain);
        yc_str_init(&html);
        yc_runs_table(runs, n, project, &plain);
        html_table(&html, yc_runs_headers, YC_RUNS_COLUMNS, &cells[0][0][0], 256, n, -1);
        yc_exec_result(x, yc_mime_text_html(yc_str_cstr(&plain), yc_str_cstr(&html)));
        yc_str_free(&plain);
        yc_str_free(&html);
        free(cells);
    }
    if (skipped) yc_out_printf(&x->out, "stderr", "%d run.json file(s) in %s could not be read\n", skipped, project);
    free(runs);
    return YC_CMD_OK;
}

/* `plot val` shows the validation batches training saved (the predictions
 * behind them are not kept, so they cannot be re-rendered); every other
 * kind is tracking's. */
static const char *const val_kind = "val";
static const char *const val_files[] = {"val_batch0_labels.png", "val_batch0_pred.png"};

int yc_kernel_plot_kinds(const char **out, int cap) {
    int n = 0;
    for (int i = 0; i < YC_PLOT_KIND_COUNT && n < cap; i++) out[n++] = yc_plot_kind_name((YcPlotKind)i);
    if (n < cap) out[n++] = val_kind;
    return n;
}

static YcCmdStatus kind_error(YcExec *x, const char *kind) {
    const char *names[YC_PLOT_KIND_COUNT + 1];
    int nk = yc_kernel_plot_kinds(names, YC_PLOT_KIND_COUNT + 1);
    YcStr list;
    yc_str_init(&list);
    for (int i = 0; i < nk; i++) yc_str_printf(&list, "%s%s", i ? ", " : "", names[i]);
    const char *near = kind ? yc_closest(kind, names, nk) : NULL;
    YcCmdStatus st;
    if (!kind) st = yc_exec_errorf(x, "UsageError", "plot: which plot? (%s)", yc_str_cstr(&list));
    else if (near) st = yc_exec_errorf(x, "UsageError", "plot: unknown plot '%s' (did you mean '%s'?)", kind, near);
    else st = yc_exec_errorf(x, "UsageError", "plot: unknown plot '%s' (%s)", kind, yc_str_cstr(&list));
    yc_str_free(&list);
    return st;
}

YcCmdStatus yc_cmd_plot(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    const char *kind = NULL, *run = "", *project = "";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "run=", 4) == 0) run = argv[i] + 4;
        else if (strncmp(argv[i], "project=", 8) == 0) project = argv[i] + 8;
        else if (!kind && !strchr(argv[i], '=')) kind = argv[i];
        else return yc_exec_errorf(x, "UsageError", "plot: unexpected '%s' (plot KIND [run=NAME|DIR])", argv[i]);
    }
    YcPlotKind pk = YC_PLOT_KIND_COUNT;
    bool is_val = kind && strcmp(kind, val_kind) == 0;
    if (!kind || (!is_val && yc_plot_kind_parse(kind, &pk))) return kind_error(x, kind);
    char dir[4096];
    YcErr err;
    if (yc_run_resolve(run, project, dir, sizeof dir, &err)) return yc_exec_error(x, "RunError", err.msg, NULL, 0);
    if (is_val) {
        int shown = 0;
        for (int i = 0; i < 2; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, val_files[i]);
            if (!yc_file_exists(path)) continue;
            if (yc_show_image_file(&x->out, path, &err)) return yc_exec_error(x, "PlotError", err.msg, NULL, 0);
            shown++;
        }
        if (!shown)
            return yc_exec_errorf(x, "PlotError", "plot: %s has no %s (validation during training writes it)", dir,
                                  val_files[0]);
        return YC_CMD_OK;
    }
    /* Rendered from the run's files now, so a live run shows its latest
     * epoch; a copied run that only has the PNG (e.g. from Ultralytics,
     * without validation.json) shows that. */
    YcPng png;
    if (yc_plot_render(dir, pk, &png, &err) == 0) {
        int rc = yc_show_png(&x->out, &png, yc_plot_file_name(pk), NULL, false, &err);
        yc_png_free(&png);
        if (rc) return yc_exec_error(x, "PlotError", err.msg, NULL, 0);
        return YC_CMD_OK;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, yc_plot_file_name(pk));
    YcErr ignored;
    if (yc_file_exists(path) && yc_show_image_file(&x->out, path, &ignored) == 0) return YC_CMD_OK;
    return yc_exec_errorf(x, "PlotError", "plot %s: %s", kind, err.msg);
}

/* Run names from the words: RUN RUN ... and run=A,B (the command line's
 * form; split in copies kept in *lists, freed by the caller). */
static int compare_names(YcExec *x, int argc, char **argv, const char **names, char **lists, const char **project) {
    int n = 0, nlists = 0;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (strncmp(w, "project=", 8) == 0) {
            *project = w + 8;
            continue;
        }
        if (strchr(w, '=') && strncmp(w, "run=", 4) != 0) {
            yc_exec_errorf(x, "UsageError", "compare: unexpected '%s' (compare RUN RUN ... [project=DIR])", w);
            return -1;
        }
        char *list = NULL;
        if (strncmp(w, "run=", 4) == 0) {
            if (nlists == 8 || !(list = strdup(w + 4))) {
                yc_exec_errorf(x, "UsageError", "compare: too many run= lists");
                return -1;
            }
            lists[nlists++] = list;
        }
        char *save = NULL;
        for (const char *p = list ? strtok_r(list, ",", &save) : w; p; p = list ? strtok_r(NULL, ",", &save) : NULL) {
            if (n == YC_COMPARE_MAX_RUNS) {
                yc_exec_errorf(x, "UsageError", "compare: at most %d runs", YC_COMPARE_MAX_RUNS);
                return -1;
            }
            names[n++] = p;
        }
    }
    if (n < 2) {
        yc_exec_errorf(x, "UsageError", "compare: give at least two runs (compare RUN RUN ...)");
        return -1;
    }
    return n;
}

static YcCmdStatus show_comparison(YcExec *x, const YcCompareRun *runs, int n) {
    YcPng png = {0};
    YcErr err;
    if (yc_compare_plot(runs, n, &png, &err) || yc_show_png(&x->out, &png, "compare.png", NULL, false, &err)) {
        yc_png_free(&png);
        return yc_exec_error(x, "PlotError", err.msg, NULL, 0);
    }
    yc_png_free(&png);
    char (*cells)[YC_COMPARE_COLUMNS][64] = calloc((size_t)n, sizeof *cells);
    if (!cells) return yc_exec_errorf(x, "OutOfMemory", "out of memory");
    for (int i = 0; i < n; i++) yc_compare_cells(&runs[i], cells[i]);
    YcStr plain, html;
    yc_str_init(&plain);
    yc_str_init(&html);
    yc_compare_table(runs, n, &plain);
    html_table(&html, yc_compare_headers, YC_COMPARE_COLUMNS, &cells[0][0][0], 64, n, yc_compare_winner(runs, n));
    yc_exec_result(x, yc_mime_text_html(yc_str_cstr(&plain), yc_str_cstr(&html)));
    yc_str_free(&plain);
    yc_str_free(&html);
    free(cells);
    return YC_CMD_OK;
}

YcCmdStatus yc_cmd_compare(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    const char *project = "";
    const char *names[YC_COMPARE_MAX_RUNS];
    char *lists[8] = {0};
    int n = compare_names(x, argc, argv, names, lists, &project);
    YcCmdStatus st = YC_CMD_ERROR;
    if (n > 0) {
        YcCompareRun *runs;
        YcErr err;
        if (yc_compare_load(names, n, project, &runs, &err)) {
            st = yc_exec_error(x, "RunError", err.msg, NULL, 0);
        } else {
            st = show_comparison(x, runs, n);
            yc_compare_free(runs, n);
        }
    }
    for (int i = 0; i < 8; i++) free(lists[i]);
    return st;
}
