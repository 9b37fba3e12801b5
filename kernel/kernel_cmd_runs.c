/* Commands about finished and running runs: runs, plot, compare. They read
 * a run's files (run.json, the PNGs training and validation write). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "kernel.h"
#include "kernel_progress.h"
#include "kernel_runs.h"
#include "textutil.h"

static void metric(char *out, size_t cap, double v) {
    if (isfinite(v)) snprintf(out, cap, "%.4f", v);
    else snprintf(out, cap, "-");
}

static void duration_of(const YcKernelRun *r, char *out, size_t cap) {
    if (r->start_time > 0 && r->end_time > r->start_time) yc_kernel_format_duration(r->end_time - r->start_time, out, cap);
    else snprintf(out, cap, "-");
}

/* A table of runs as execute_result (text/plain and text/html). */
static void runs_table(YcExec *x, const YcKernelRun *runs, int n) {
    YcStr plain, html;
    yc_str_init(&plain);
    yc_str_init(&html);
    yc_str_printf(&plain, "%-20s %-12s %-9s %-8s %-8s %-8s %-8s %-9s %s\n", "run", "status", "epochs", "best",
                  "P", "R", "mAP50", "mAP50-95", "time");
    yc_str_append(&html, "<table><tr><th>run</th><th>status</th><th>epochs</th><th>best epoch</th><th>P</th>"
                         "<th>R</th><th>mAP50</th><th>mAP50-95</th><th>time</th></tr>");
    for (int i = 0; i < n; i++) {
        const YcKernelRun *r = &runs[i];
        char ep[32], best[16], p[16], rc[16], m50[16], m[16], dur[32];
        if (r->epochs) snprintf(ep, sizeof ep, "%d/%d", r->epochs_done, r->epochs);
        else snprintf(ep, sizeof ep, "-");
        if (r->best_epoch) snprintf(best, sizeof best, "%d", r->best_epoch);
        else snprintf(best, sizeof best, "-");
        metric(p, sizeof p, r->precision);
        metric(rc, sizeof rc, r->recall);
        metric(m50, sizeof m50, r->map50);
        metric(m, sizeof m, r->map50_95);
        duration_of(r, dur, sizeof dur);
        const char *status = r->status[0] ? r->status : (r->has_record ? "?" : "no run.json");
        yc_str_printf(&plain, "%-20s %-12s %-9s %-8s %-8s %-8s %-8s %-9s %s\n", r->name, status, ep, best, p, rc, m50,
                      m, dur);
        yc_str_append(&html, "<tr><td>");
        yc_html_escape(&html, r->name);
        yc_str_append(&html, "</td><td>");
        yc_html_escape(&html, status);
        yc_str_printf(&html, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                      ep, best, p, rc, m50, m, dur);
    }
    yc_str_append(&html, "</table>");
    yc_exec_result(x, yc_mime_text_html(yc_str_cstr(&plain), yc_str_cstr(&html)));
    yc_str_free(&plain);
    yc_str_free(&html);
}

YcCmdStatus yc_cmd_runs(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    char project[4096];
    if (yc_project_dir(x, argc, argv, project, sizeof project)) return YC_CMD_ERROR;
    YcKernelRun *runs = NULL;
    YcErr err;
    int n = yc_kernel_runs_list(project, &runs, &err);
    if (n < 0) return yc_exec_error(x, "RunError", err.msg, NULL, 0);
    if (n == 0) yc_out_printf(&x->out, "stdout", "no runs in %s yet\n", project);
    else runs_table(x, runs, n);
    free(runs);
    return YC_CMD_OK;
}

typedef struct PlotKind {
    const char *name;
    const char *files[3];
} PlotKind;

static const PlotKind plot_kinds[] = {
    {"results", {"results.png"}},
    {"pr", {"PR_curve.png"}},
    {"f1", {"F1_curve.png"}},
    {"p", {"P_curve.png"}},
    {"r", {"R_curve.png"}},
    {"confusion", {"confusion_matrix.png"}},
    {"confusion_normalized", {"confusion_matrix_normalized.png"}},
    {"labels", {"labels.png"}},
    {"batch", {"train_batch0.png", "train_batch1.png", "train_batch2.png"}},
    {"val", {"val_batch0_labels.png", "val_batch0_pred.png"}},
};

int yc_kernel_plot_kind_count(void) { return (int)(sizeof plot_kinds / sizeof plot_kinds[0]); }
const char *yc_kernel_plot_kind_name(int i) { return plot_kinds[i].name; }

YcCmdStatus yc_cmd_plot(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    const char *kind = NULL, *run = "", *project = "";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "run=", 4) == 0) run = argv[i] + 4;
        else if (strncmp(argv[i], "project=", 8) == 0) project = argv[i] + 8;
        else if (!kind && !strchr(argv[i], '=')) kind = argv[i];
        else return yc_exec_errorf(x, "UsageError", "plot: unexpected '%s' (plot KIND [run=NAME|DIR])", argv[i]);
    }
    const char *names[16];
    int nk = yc_kernel_plot_kind_count();
    for (int i = 0; i < nk; i++) names[i] = plot_kinds[i].name;
    if (!kind) return yc_exec_errorf(x, "UsageError", "plot: which plot? (results, pr, f1, p, r, confusion, confusion_normalized, labels, batch, val)");
    const PlotKind *pk = NULL;
    for (int i = 0; i < nk; i++)
        if (strcmp(plot_kinds[i].name, kind) == 0) pk = &plot_kinds[i];
    if (!pk) {
        const char *near = yc_closest(kind, names, nk);
        if (near) return yc_exec_errorf(x, "UsageError", "plot: unknown plot '%s' (did you mean '%s'?)", kind, near);
        return yc_exec_errorf(x, "UsageError", "plot: unknown plot '%s' (results, pr, f1, p, r, confusion, "
                                               "confusion_normalized, labels, batch, val)", kind);
    }
    char dir[4096];
    YcErr err;
    if (yc_run_resolve(run, project, dir, sizeof dir, &err)) return yc_exec_error(x, "RunError", err.msg, NULL, 0);
    int shown = 0;
    for (int i = 0; i < 3 && pk->files[i]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, pk->files[i]);
        if (!yc_file_exists(path)) continue;
        if (yc_show_image_file(&x->out, path, &err)) return yc_exec_error(x, "PlotError", err.msg, NULL, 0);
        shown++;
    }
    if (!shown)
        return yc_exec_errorf(x, "PlotError", "plot: %s has no %s (training and validation write it)", dir,
                              pk->files[0]);
    return YC_CMD_OK;
}

YcCmdStatus yc_cmd_compare(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    const char *project = "";
    const char *names[64];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "project=", 8) == 0) project = argv[i] + 8;
        else if (n < 64) names[n++] = argv[i];
    }
    if (n < 2) return yc_exec_errorf(x, "UsageError", "compare: give at least two runs (compare RUN RUN ...)");
    YcKernelRun *runs = calloc((size_t)n, sizeof *runs);
    if (!runs) return yc_exec_errorf(x, "OutOfMemory", "out of memory");
    for (int i = 0; i < n; i++) {
        char dir[4096];
        YcErr err;
        if (yc_run_resolve(names[i], project, dir, sizeof dir, &err) || yc_kernel_run_read(dir, &runs[i], &err)) {
            free(runs);
            return yc_exec_error(x, "RunError", err.msg, NULL, 0);
        }
    }
    runs_table(x, runs, n);
    free(runs);
    return YC_CMD_OK;
}
