/* Commands that run workers (train, val, predict, info) and manage them
 * (jobs, wait, stop), and what a cell shows while it waits on a job and when
 * the job ends. */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "fileio.h"
#include "kernel.h"
#include "kernel_progress.h"
#include "kernel_runs.h"
#include "metrics.h"
#include "plot.h"
#include "run_find.h"
#include "runs_list.h"

#define MAX_PREDICT_IMAGES 16
#define TAIL_LINES 15

/* The cell line as `jobs` shows it (words with spaces quoted). */
static char *command_text(int argc, char *const argv[]) {
    YcStr s;
    yc_str_init(&s);
    for (int i = 0; i < argc; i++) {
        if (i) yc_str_append(&s, " ");
        if (strpbrk(argv[i], " \t'\"") || !argv[i][0]) yc_str_printf(&s, "\"%s\"", argv[i]);
        else yc_str_append(&s, argv[i]);
    }
    char *text = strdup(yc_str_cstr(&s));
    yc_str_free(&s);
    return text;
}

static int parse_bool_word(const char *v, bool *out) {
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1")) *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "0")) *out = false;
    else return -1;
    return 0;
}

/* train/val/predict/info: checks the arguments with the shared argument
 * code (validate), strips the kernel-only background=, starts the worker. */
static YcCmdStatus spawn_worker(YcKernel *k, YcExec *x, const char *mode, int argc, char **argv, bool validate) {
    bool background = false;
    char **words = calloc((size_t)argc + 1, sizeof *words);
    if (!words) return yc_exec_errorf(x, "OutOfMemory", "out of memory");
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "background=", 11) == 0) {
            if (parse_bool_word(argv[i] + 11, &background)) {
                free(words);
                return yc_exec_errorf(x, "ArgumentError", "background: expected true or false, got '%s'", argv[i] + 11);
            }
            continue;
        }
        if (strcmp(argv[i], "background") == 0) {
            background = true;
            continue;
        }
        words[n++] = argv[i];
    }
    if (validate) {
        YcArgs *args = malloc(sizeof *args);
        YcErr err;
        int bad = !args;
        if (args) {
            yc_args_defaults(args);
            bad = yc_args_set(args, "mode", mode, YC_SRC_CLI, &err) || yc_args_parse_words(args, n, words, &err);
        } else {
            snprintf(err.msg, sizeof err.msg, "out of memory");
        }
        free(args);
        if (bad) {
            free(words);
            return yc_exec_error(x, "ArgumentError", err.msg, NULL, 0);
        }
    }
    /* the command as typed, without background= */
    char **shown = calloc((size_t)n + 2, sizeof *shown);
    if (!shown) {
        free(words);
        return yc_exec_errorf(x, "OutOfMemory", "out of memory");
    }
    shown[0] = (char *)mode;
    for (int i = 0; i < n; i++) shown[i + 1] = words[i];
    char *text = command_text(n + 1, shown);
    free(shown);
    YcErr err;
    YcJob *job = yc_jobs_spawn(&k->jobs, mode, n, words, text ? text : mode, background, &err);
    free(words);
    free(text);
    if (!job) return yc_exec_error(x, "WorkerError", err.msg, NULL, 0);
    if (background) {
        yc_out_printf(&x->out, "stdout",
                      "job %d started in the background: %s (pid %d)\n"
                      "'wait %d' shows its progress, 'stop %d' stops it, 'jobs' lists the jobs.\n",
                      job->id, job->command, (int)job->pid, job->id, job->id);
        return YC_CMD_OK;
    }
    return yc_exec_wait_for(k, x, &job->id, 1, true);
}

YcCmdStatus yc_cmd_train(YcKernel *k, YcExec *x, int argc, char **argv) { return spawn_worker(k, x, "train", argc, argv, true); }
YcCmdStatus yc_cmd_val(YcKernel *k, YcExec *x, int argc, char **argv) { return spawn_worker(k, x, "val", argc, argv, true); }
YcCmdStatus yc_cmd_predict(YcKernel *k, YcExec *x, int argc, char **argv) { return spawn_worker(k, x, "predict", argc, argv, true); }
/* info's own keys (nc=) and devices' are the worker's to check. */
YcCmdStatus yc_cmd_info(YcKernel *k, YcExec *x, int argc, char **argv) { return spawn_worker(k, x, "info", argc, argv, false); }
YcCmdStatus yc_cmd_devices(YcKernel *k, YcExec *x, int argc, char **argv) {
    return spawn_worker(k, x, "devices", argc, argv, false);
}

/* ---- jobs, wait, stop ---- */

static void progress_word(const YcJob *job, char *out, size_t cap) {
    if (job->epochs > 0 && job->epoch > 0) snprintf(out, cap, "epoch %d/%d", job->epoch, job->epochs);
    else if (job->images_total > 0) snprintf(out, cap, "image %d/%d", job->images_done, job->images_total);
    else if (job->in_val) snprintf(out, cap, "val %d/%d", job->val_batch, job->val_batches);
    else snprintf(out, cap, "-");
}

YcCmdStatus yc_cmd_jobs(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)argv;
    if (argc > 1) return yc_exec_errorf(x, "UsageError", "jobs: takes no arguments");
    if (k->jobs.count == 0) {
        yc_out_stream(&x->out, "stdout", "no jobs yet (train ... background=true starts one)\n");
        return YC_CMD_OK;
    }
    YcStr plain, html;
    yc_str_init(&plain);
    yc_str_init(&html);
    double now = yc_monotonic_s();
    yc_str_printf(&plain, "%-4s %-8s %-12s %-14s %-9s %-28s %s\n", "job", "pid", "state", "progress", "time", "run",
                  "command");
    yc_str_append(&html, "<table><tr><th>job</th><th>pid</th><th>state</th><th>progress</th><th>time</th>"
                         "<th>run</th><th>command</th></tr>");
    for (int i = 0; i < k->jobs.count; i++) {
        const YcJob *job = k->jobs.list[i];
        char prog[64], dur[32];
        progress_word(job, prog, sizeof prog);
        yc_format_duration((job->state == YC_JOB_DONE ? job->ended : now) - job->started, dur, sizeof dur);
        const char *state = yc_job_state_word(job);
        const char *run = job->run_dir[0] ? job->run_dir : "-";
        yc_str_printf(&plain, "%-4d %-8d %-12s %-14s %-9s %-28s %s\n", job->id, (int)job->pid, state, prog, dur, run,
                      job->command);
        yc_str_printf(&html, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>", job->id,
                      (int)job->pid, state, prog, dur);
        yc_html_escape(&html, run);
        yc_str_append(&html, "</td><td><code>");
        yc_html_escape(&html, job->command);
        yc_str_append(&html, "</code></td></tr>");
    }
    yc_str_append(&html, "</table>");
    yc_exec_result(x, yc_mime_text_html(yc_str_cstr(&plain), yc_str_cstr(&html)));
    yc_str_free(&plain);
    yc_str_free(&html);
    return YC_CMD_OK;
}

/* Job ids from words; 0 and a published error for a bad one. */
static int parse_job_ids(YcKernel *k, YcExec *x, int argc, char **argv, int *ids, int cap, bool *force) {
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (force && strncmp(argv[i], "force=", 6) == 0) {
            if (parse_bool_word(argv[i] + 6, force)) {
                yc_exec_errorf(x, "ArgumentError", "force: expected true or false, got '%s'", argv[i] + 6);
                return -1;
            }
            continue;
        }
        char *end;
        long id = strtol(argv[i], &end, 10);
        if (*end || end == argv[i] || !yc_jobs_find(&k->jobs, (int)id)) {
            yc_exec_errorf(x, "UsageError", "%s: no job '%s' (%s)", argv[0], argv[i],
                           k->jobs.count ? "'jobs' lists them" : "no jobs yet");
            return -1;
        }
        if (n < cap) ids[n++] = (int)id;
    }
    return n;
}

YcCmdStatus yc_cmd_wait(YcKernel *k, YcExec *x, int argc, char **argv) {
    int ids[64];
    int n = parse_job_ids(k, x, argc, argv, ids, 64, NULL);
    if (n < 0) return YC_CMD_ERROR;
    if (n == 0) {
        for (int i = 0; i < k->jobs.count && n < 64; i++)
            if (k->jobs.list[i]->state != YC_JOB_DONE) ids[n++] = k->jobs.list[i]->id;
        if (n == 0) {
            /* not a problem (the jobs may simply have ended already): say how they ended */
            YcStr s;
            yc_str_init(&s);
            yc_str_append(&s, "wait: no job is running");
            for (int i = 0; i < k->jobs.count; i++) {
                char end[256];
                yc_job_describe_end(k->jobs.list[i], end, sizeof end);
                yc_str_printf(&s, "%s job %d %s", i ? ";" : " (", k->jobs.list[i]->id, end);
            }
            yc_str_append(&s, k->jobs.count ? ")\n" : "\n");
            yc_out_stream(&x->out, "stdout", yc_str_cstr(&s));
            yc_str_free(&s);
            return YC_CMD_OK;
        }
    }
    return yc_exec_wait_for(k, x, ids, n, false);
}

YcCmdStatus yc_cmd_stop(YcKernel *k, YcExec *x, int argc, char **argv) {
    int ids[64];
    bool force = false;
    int n = parse_job_ids(k, x, argc, argv, ids, 64, &force);
    if (n < 0) return YC_CMD_ERROR;
    if (n == 0) {
        for (int i = 0; i < k->jobs.count && n < 64; i++)
            if (k->jobs.list[i]->state == YC_JOB_RUNNING) ids[n++] = k->jobs.list[i]->id;
        if (n == 0) {
            yc_out_stream(&x->out, "stderr", "stop: no job is running\n");
            return YC_CMD_OK;
        }
    }
    for (int i = 0; i < n; i++) {
        YcJob *job = yc_jobs_find(&k->jobs, ids[i]);
        int sig = yc_job_stop(job, force);
        if (sig == SIGINT)
            yc_out_printf(&x->out, "stdout",
                          "job %d: SIGINT sent; it ends its current batch, saves last weights and stops "
                          "('stop %d' again kills it)\n", job->id, job->id);
        else if (sig == SIGKILL)
            yc_out_printf(&x->out, "stdout", "job %d: SIGKILL sent to its process group\n", job->id);
        else
            yc_out_printf(&x->out, "stderr", "job %d is not running (%s)\n", job->id, yc_job_state_word(job));
    }
    return YC_CMD_OK;
}

/* ---- the live display and the end of a job ---- */

static void show_pending_log(YcExec *x, YcJob *job) {
    if (job->pending_log.len == 0) return;
    yc_out_stream(&x->out, "stdout", yc_str_cstr(&job->pending_log));
    yc_str_clear(&job->pending_log);
}

static void show_display(YcExec *x, YcJob *job) {
    cJSON *bundle = yc_progress_bundle(job);
    if (!x->display_shown) {
        snprintf(x->display_id, sizeof x->display_id, "%.60s-job%d", x->req.msg_id ? x->req.msg_id : "cell", job->id);
        yc_out_display(&x->out, bundle, NULL, x->display_id, false);
        x->display_shown = true;
    } else {
        yc_out_display(&x->out, bundle, NULL, x->display_id, true);
    }
    job->changed = false;
}

/* After an epoch: the run's results plot, rendered from its results.csv
 * (tracking's yc_plot_render) and updated in place when the file changes,
 * at most once every YC_PLOT_INTERVAL_S unless forced (the job's end). */
static void show_results_plot(YcExec *x, YcJob *job, double now, bool force) {
    if (!job->run_dir[0] || strcmp(job->mode, "train") != 0) return;
    char path[4200];
    snprintf(path, sizeof path, "%s/results.csv", job->run_dir);
    long long mtime = yc_file_mtime_ns(path);
    if (!mtime || mtime == x->plot_mtime_ns) return;
    if (!force && x->plot_shown && now - x->plot_rendered_at < YC_PLOT_INTERVAL_S) return;
    YcPng png;
    YcErr err;
    x->plot_mtime_ns = mtime;
    x->plot_rendered_at = now;
    if (yc_plot_render(job->run_dir, YC_PLOT_RESULTS, &png, &err)) return; /* e.g. no rows yet: the next change retries */
    if (!x->plot_shown) snprintf(x->plot_display_id, sizeof x->plot_display_id, "%s-results", x->display_id);
    if (yc_show_png(&x->out, &png, "results.png", x->plot_display_id, x->plot_shown, &err) == 0) x->plot_shown = true;
    yc_png_free(&png);
}

/* predict: the annotated images reported so far, as they arrive (at most
 * MAX_PREDICT_IMAGES a cell). */
static void show_pending_images(YcExec *x, YcJob *job) {
    if (job->pending_images.len == 0) return;
    char *list = strdup(yc_str_cstr(&job->pending_images));
    yc_str_clear(&job->pending_images);
    if (!list) return;
    char *save = NULL;
    for (char *path = strtok_r(list, "\n", &save); path; path = strtok_r(NULL, "\n", &save)) {
        if (x->images_shown >= MAX_PREDICT_IMAGES) break;
        YcErr err;
        if (yc_show_image_file(&x->out, path, &err) == 0) x->images_shown++;
        else yc_out_printf(&x->out, "stderr", "%s\n", err.msg);
    }
    free(list);
}

void yc_job_show_progress(YcKernel *k, YcExec *x, YcJob *job, double now) {
    (void)k;
    show_pending_log(x, job);
    show_pending_images(x, job);
    show_display(x, job);
    show_results_plot(x, job, now, false);
    x->last_update = now;
}

/* The last lines of the worker's output, for error tracebacks. */
static int tail_lines(const YcJob *job, const char **lines, char **storage, int cap) {
    *storage = strdup(yc_str_cstr(&job->output));
    if (!*storage) return 0;
    char *all[1024];
    int n = 0;
    for (char *p = strtok(*storage, "\n"); p && n < 1024; p = strtok(NULL, "\n")) all[n++] = p;
    int first = n > cap ? n - cap : 0;
    for (int i = first; i < n; i++) lines[i - first] = all[i];
    return n - first;
}

/* The worker's last "yoloc: ..." error line, without the prefix; false if none. */
static bool last_error_line(const YcJob *job, char *out, size_t cap) {
    const char *text = yc_str_cstr(&job->output);
    const char *found = NULL;
    for (const char *p = strstr(text, "yoloc: "); p; p = strstr(p + 1, "yoloc: "))
        if (p == text || p[-1] == '\n') found = p;
    if (!found) return false;
    found += 7;
    size_t len = strcspn(found, "\n");
    snprintf(out, cap, "%.*s", (int)len, found);
    return true;
}

/* The worker's usage error (exit status 2), as the command line prints it. */
static void usage_message(const YcJob *job, char *out, size_t cap) {
    if (!last_error_line(job, out, cap)) snprintf(out, cap, "%s: bad arguments (exit status 2)", job->mode);
}

static void show_run_images(YcExec *x, const YcJob *job, const char *const *files, int n) {
    for (int i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", job->run_dir, files[i]);
        YcErr err;
        if (yc_file_exists(path)) yc_show_image_file(&x->out, path, &err);
    }
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void show_predictions(YcExec *x, const YcJob *job) {
    DIR *d = opendir(job->run_dir);
    if (!d) return;
    char *names[4096];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096) {
        const char *dot = strrchr(e->d_name, '.');
        if (e->d_name[0] == '.' || !dot) continue;
        if (strcasecmp(dot, ".jpg") && strcasecmp(dot, ".jpeg") && strcasecmp(dot, ".png")) continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n && i < MAX_PREDICT_IMAGES; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", job->run_dir, names[i]);
        YcErr err;
        yc_show_image_file(&x->out, path, &err);
    }
    if (n > MAX_PREDICT_IMAGES)
        yc_out_printf(&x->out, "stdout", "(%d more images in %s)\n", n - MAX_PREDICT_IMAGES, job->run_dir);
    for (int i = 0; i < n; i++) free(names[i]);
}

/* "Results saved to DIR" in the worker's output, when no event said where. */
static void run_dir_from_output(YcJob *job) {
    if (job->run_dir[0]) return;
    const char *text = yc_str_cstr(&job->output);
    const char *p = strstr(text, "Results saved to ");
    if (!p) return;
    p += strlen("Results saved to ");
    size_t len = strcspn(p, "\n");
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\r')) len--;
    snprintf(job->run_dir, sizeof job->run_dir, "%.*s", (int)len, p);
}

static YcCmdStatus show_finished(YcExec *x, YcJob *job) {
    run_dir_from_output(job);
    bool is_train = strcmp(job->mode, "train") == 0, is_val = strcmp(job->mode, "val") == 0;
    if (job->val_table.len) {
        if (!strstr(yc_str_cstr(&job->val_table), "Instances")) { /* the rows only: the header was the progress line */
            YcStr header;
            yc_str_init(&header);
            yc_metrics_table_header(&header);
            if (header.len && header.data[header.len - 1] != '\n') yc_str_append(&header, "\n");
            yc_out_stream(&x->out, "stdout", yc_str_cstr(&header));
            yc_str_free(&header);
        }
        yc_out_stream(&x->out, "stdout", yc_str_cstr(&job->val_table));
        if (job->val_table.data[job->val_table.len - 1] != '\n') yc_out_stream(&x->out, "stdout", "\n");
    } else if (!is_train && job->output.len) {
        yc_out_stream(&x->out, "stdout", yc_str_cstr(&job->output)); /* info, or a val without events */
    }
    if (is_train) {
        /* results.png is the live plot above, in its final state, when there was one */
        const char *files[] = {"results.png", "PR_curve.png"};
        if (job->run_dir[0]) show_run_images(x, job, files + (x->plot_shown ? 1 : 0), x->plot_shown ? 1 : 2);
    } else if (is_val) {
        const char *files[] = {"PR_curve.png", "confusion_matrix.png"};
        if (job->run_dir[0]) show_run_images(x, job, files, 2);
    } else if (strcmp(job->mode, "predict") == 0 && job->run_dir[0]) {
        if (job->images_saved == 0) show_predictions(x, job); /* a worker without predict_image events */
        else if (job->images_saved > x->images_shown)
            yc_out_printf(&x->out, "stdout", "(%d more annotated images in %s)\n", job->images_saved - x->images_shown,
                          job->run_dir);
    }
    if (job->run_dir[0] && strcmp(job->mode, "info") != 0)
        yc_out_printf(&x->out, "stdout", "Results saved to %s\n", job->run_dir);
    return YC_CMD_OK;
}

YcCmdStatus yc_job_show_end(YcKernel *k, YcExec *x, YcJob *job) {
    (void)k;
    show_pending_log(x, job);
    show_pending_images(x, job);
    show_display(x, job);
    show_results_plot(x, job, yc_monotonic_s(), true);
    char what[512], msg[4096];
    const char *lines[TAIL_LINES + 2];
    char *storage = NULL;
    YcCmdStatus st;
    switch (job->end) {
    case YC_END_FINISHED:
        return show_finished(x, job);
    case YC_END_INTERRUPTED: {
        int n = 0;
        if (job->checkpoint[0])
            snprintf(msg, sizeof msg, "%s job %d stopped%s; last weights: %s; resume with: train resume=%s",
                     job->mode, job->id, job->epoch ? "" : " before its first epoch", job->checkpoint, job->checkpoint);
        else
            snprintf(msg, sizeof msg, "%s job %d stopped", job->mode, job->id);
        char first[4200];
        snprintf(first, sizeof first, "\x1b[0;31mInterrupted\x1b[0m: %s", msg);
        lines[n++] = first;
        if (job->end_message.len) lines[n++] = yc_str_cstr(&job->end_message);
        return yc_exec_error(x, "Interrupted", msg, lines, n);
    }
    case YC_END_USAGE:
        usage_message(job, msg, sizeof msg);
        return yc_exec_error(x, "ArgumentError", msg, NULL, 0);
    case YC_END_KILLED:
        if (job->term_signal == SIGINT && job->stop_signals > 0) { /* asked for, before it could save */
            snprintf(msg, sizeof msg, "%s job %d stopped on SIGINT before it saved a checkpoint", job->mode, job->id);
            return yc_exec_error(x, "Interrupted", msg, NULL, 0);
        }
        /* fall through */
    case YC_END_FAILED:
    default: {
        yc_job_describe_end(job, what, sizeof what);
        char said[1024] = "";
        if (job->end == YC_END_FAILED && !job->terminal_event && last_error_line(job, said + 2, sizeof said - 2))
            memcpy(said, ": ", 2); /* what the program said last, e.g. "yoloc: data: no such file" */
        if (job->end == YC_END_FAILED && job->end_message.len)
            snprintf(msg, sizeof msg, "%s job %d failed: %s", job->mode, job->id, yc_str_cstr(&job->end_message));
        else
            snprintf(msg, sizeof msg, "%s worker (job %d, pid %d) %s%s%s%s", job->mode, job->id, (int)job->pid, what,
                     said, job->checkpoint[0] ? "; last checkpoint: " : "", job->checkpoint);
        char first[4200];
        snprintf(first, sizeof first, "\x1b[0;31m%s\x1b[0m: %s", job->end == YC_END_KILLED ? "WorkerKilled" : "WorkerFailed", msg);
        lines[0] = first;
        int n = 1 + tail_lines(job, lines + 1, &storage, TAIL_LINES);
        st = yc_exec_error(x, job->end == YC_END_KILLED ? "WorkerKilled" : "WorkerFailed", msg, lines, n);
        free(storage);
        return st;
    }
    }
}
