#include "kernel_progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel_output.h"
#include "runs_list.h"

/* Fraction of the whole run done, from epochs and batches. */
static double fraction_done(const YcJob *job) {
    if (job->state == YC_JOB_DONE && job->end == YC_END_FINISHED) return 1.0;
    if (job->epochs <= 0) {
        if (job->images_total > 0) return (double)job->images_done / job->images_total;
        if (job->in_val && job->val_batches > 0) return (double)job->val_batch / job->val_batches;
        return 0;
    }
    double per_epoch = job->batches > 0 ? (double)job->batch / job->batches : 0;
    double f = ((job->epoch > 0 ? job->epoch - 1 : 0) + per_epoch) / job->epochs;
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

static void num(char *out, size_t cap, double v, const char *fmt) {
    if (isfinite(v)) snprintf(out, cap, fmt, v);
    else snprintf(out, cap, "-");
}

static void status_line(const YcJob *job, YcStr *s) {
    char a[32], b[32], c[32], eta[32], ips[32];
    if (job->state == YC_JOB_DONE) {
        char end[256];
        yc_job_describe_end(job, end, sizeof end);
        yc_str_printf(s, "%s", end);
    } else if (job->images_total > 0) {
        yc_str_printf(s, "image %d/%d", job->images_done, job->images_total);
    } else if (job->in_val) {
        yc_str_printf(s, "validating %d/%d", job->val_batch, job->val_batches);
    } else if (job->events_seen == 0) {
        yc_str_printf(s, "starting");
    } else {
        yc_str_printf(s, "epoch %d/%d  batch %d/%d", job->epoch, job->epochs, job->batch, job->batches);
        if (job->batch > 0) {
            num(a, sizeof a, job->losses[0], "%.4g");
            num(b, sizeof b, job->losses[1], "%.4g");
            num(c, sizeof c, job->losses[2], "%.4g");
            num(ips, sizeof ips, job->images_per_sec, "%.1f");
            yc_format_duration(job->eta_s, eta, sizeof eta);
            yc_str_printf(s, "  box %s cls %s dfl %s  %s img/s  %s left", a, b, c, ips, eta);
        }
    }
    if (job->state != YC_JOB_DONE && job->stop_signals) yc_str_printf(s, "  (stopping)");
}

static void epoch_table_text(const YcJob *job, YcStr *s) {
    if (job->n_rows == 0) return;
    yc_str_printf(s, "\n%6s %9s %9s %9s %7s %7s %7s %9s\n", "epoch", "box_loss", "cls_loss", "dfl_loss", "P", "R",
                  "mAP50", "mAP50-95");
    int first = job->n_rows > 20 ? job->n_rows - 20 : 0; /* the last 20 epochs */
    for (int i = first; i < job->n_rows; i++) {
        const YcEpochRow *r = &job->rows[i];
        char v[8][32];
        num(v[0], 32, r->losses[0], "%.4f");
        num(v[1], 32, r->losses[1], "%.4f");
        num(v[2], 32, r->losses[2], "%.4f");
        num(v[3], 32, r->precision, "%.3f");
        num(v[4], 32, r->recall, "%.3f");
        num(v[5], 32, r->map50, "%.3f");
        num(v[6], 32, r->map50_95, "%.3f");
        yc_str_printf(s, "%5d%s %9s %9s %9s %7s %7s %7s %9s\n", r->epoch, r->epoch == job->best_epoch ? "*" : " ",
                      v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }
}

static void epoch_table_html(const YcJob *job, YcStr *s) {
    if (job->n_rows == 0) return;
    yc_str_append(s, "<table style=\"font-family:monospace;font-size:90%;margin-top:4px\"><tr><th>epoch</th>"
                     "<th>box_loss</th><th>cls_loss</th><th>dfl_loss</th><th>P</th><th>R</th><th>mAP50</th>"
                     "<th>mAP50-95</th></tr>");
    int first = job->n_rows > 20 ? job->n_rows - 20 : 0;
    for (int i = first; i < job->n_rows; i++) {
        const YcEpochRow *r = &job->rows[i];
        char v[7][32];
        num(v[0], 32, r->losses[0], "%.4f");
        num(v[1], 32, r->losses[1], "%.4f");
        num(v[2], 32, r->losses[2], "%.4f");
        num(v[3], 32, r->precision, "%.3f");
        num(v[4], 32, r->recall, "%.3f");
        num(v[5], 32, r->map50, "%.3f");
        num(v[6], 32, r->map50_95, "%.3f");
        yc_str_printf(s, "<tr%s><td>%d</td>", r->epoch == job->best_epoch ? " style=\"font-weight:bold\"" : "",
                      r->epoch);
        for (int k = 0; k < 7; k++) yc_str_printf(s, "<td>%s</td>", v[k]);
        yc_str_append(s, "</tr>");
    }
    yc_str_append(s, "</table>");
}

cJSON *yc_progress_bundle(const YcJob *job) {
    double f = fraction_done(job);
    int width = 30, filled = (int)(f * width + 0.5);
    YcStr status, plain, html;
    yc_str_init(&status);
    yc_str_init(&plain);
    yc_str_init(&html);
    status_line(job, &status);

    yc_str_printf(&plain, "%s job %d  [", job->mode, job->id);
    for (int i = 0; i < width; i++) yc_str_append(&plain, i < filled ? "#" : "-");
    yc_str_printf(&plain, "] %3d%%  %s", (int)(f * 100 + 0.5), yc_str_cstr(&status));
    if (job->run_dir[0]) yc_str_printf(&plain, "\n%s", job->run_dir);
    epoch_table_text(job, &plain);

    const char *colour = job->state != YC_JOB_DONE        ? "#2a7ae2"
                         : job->end == YC_END_FINISHED     ? "#2e9d4b"
                         : job->end == YC_END_INTERRUPTED  ? "#d08a00"
                                                           : "#c83232";
    yc_str_printf(&html,
                  "<div style=\"font-family:monospace\"><b>%s</b> job %d "
                  "<span style=\"display:inline-block;width:240px;height:10px;border:1px solid #999;"
                  "vertical-align:middle;background:#eee\"><span style=\"display:block;height:100%%;width:%.1f%%;"
                  "background:%s\"></span></span> %d%% ",
                  job->mode, job->id, f * 100, colour, (int)(f * 100 + 0.5));
    yc_html_escape(&html, yc_str_cstr(&status));
    if (job->run_dir[0]) {
        yc_str_append(&html, "<br><span style=\"color:#666\">");
        yc_html_escape(&html, job->run_dir);
        yc_str_append(&html, "</span>");
    }
    epoch_table_html(job, &html);
    yc_str_append(&html, "</div>");

    cJSON *bundle = yc_mime_text_html(yc_str_cstr(&plain), yc_str_cstr(&html));
    yc_str_free(&status);
    yc_str_free(&plain);
    yc_str_free(&html);
    return bundle;
}
