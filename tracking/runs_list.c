/* Run listing (see runs_list.h). */
#define _DEFAULT_SOURCE
#include "runs_list.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

static double now(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static bool process_gone(const YcRunRecord *rec) {
    if (rec->status != YC_RUN_RUNNING || rec->pid <= 0) return false;
    char host[256];
    if (gethostname(host, sizeof host) != 0) return false;
    host[sizeof host - 1] = '\0';
    if (strcmp(host, rec->host) != 0) return false; /* another machine: cannot tell */
    return kill((pid_t)rec->pid, 0) != 0 && errno == ESRCH;
}

int yc_run_info_read(const char *dir, YcRunInfo *info, YcErr *err) {
    char path[4096 + 16];
    snprintf(path, sizeof path, "%s/run.json", dir);
    memset(info, 0, sizeof *info);
    snprintf(info->dir, sizeof info->dir, "%s", dir);
    info->duration_s = NAN;
    if (yc_run_record_read(path, &info->rec, err)) return -1;
    const YcRunRecord *rec = &info->rec;
    info->process_gone = process_gone(rec);
    double end = isfinite(rec->end_time) ? rec->end_time : (rec->status == YC_RUN_RUNNING && !info->process_gone ? now() : NAN);
    info->duration_s = isfinite(rec->start_time) && isfinite(end) ? end - rec->start_time : NAN;
    return 0;
}

static int add_run(const char *dir, YcRunInfo **runs, int *count, int *cap, int *skipped, YcErr *err) {
    char path[4096 + 16];
    snprintf(path, sizeof path, "%s/run.json", dir);
    if (!yc_file_exists(path)) return 0;
    if (*count == *cap) {
        int bigger = *cap ? *cap * 2 : 16;
        YcRunInfo *r = realloc(*runs, sizeof **runs * (size_t)bigger);
        if (!r) return yc_err(err, "runs: out of memory");
        *runs = r;
        *cap = bigger;
    }
    YcErr ignored;
    if (yc_run_info_read(dir, &(*runs)[*count], &ignored)) {
        if (skipped) (*skipped)++;
        return 0;
    }
    (*count)++;
    return 0;
}

static int by_start(const void *a, const void *b) {
    const YcRunInfo *x = a, *y = b;
    double sx = isfinite(x->rec.start_time) ? x->rec.start_time : 0, sy = isfinite(y->rec.start_time) ? y->rec.start_time : 0;
    if (sx != sy) return sx < sy ? -1 : 1;
    return strcmp(x->dir, y->dir);
}

/* Runs in dir's subdirectories; a subdirectory without run.json is searched
 * once more (so project=runs finds runs/detect/train). */
static int scan(const char *dir, int depth, YcRunInfo **runs, int *count, int *cap, int *skipped, YcErr *err) {
    DIR *d = opendir(dir);
    if (!d) return yc_err_errno(err, "cannot list %s", dir);
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char sub[4096], record[4096 + 16];
        if (yc_path_join(sub, sizeof sub, dir, de->d_name) || !yc_dir_exists(sub)) continue;
        snprintf(record, sizeof record, "%s/run.json", sub);
        if (yc_file_exists(record)) rc = add_run(sub, runs, count, cap, skipped, err);
        else if (depth > 0) rc = scan(sub, depth - 1, runs, count, cap, skipped, err);
    }
    closedir(d);
    return rc;
}

int yc_runs_list(const char *project, YcRunInfo **runs, int *count, int *skipped, YcErr *err) {
    *runs = NULL;
    *count = 0;
    if (skipped) *skipped = 0;
    if (!project || !project[0]) project = "runs/detect";
    if (!yc_dir_exists(project)) return yc_err(err, "project=%s: no such directory", project);
    int cap = 0;
    int rc = add_run(project, runs, count, &cap, skipped, err);
    if (rc == 0) rc = scan(project, 1, runs, count, &cap, skipped, err);
    if (rc) {
        free(*runs);
        *runs = NULL;
        *count = 0;
        return -1;
    }
    if (*count > 1) qsort(*runs, (size_t)*count, sizeof **runs, by_start); /* qsort(NULL, 0) is undefined */
    return 0;
}

const char *yc_run_display_status(const YcRunInfo *run) {
    if (run->process_gone) return "killed";
    return yc_run_status_name(run->rec.status);
}

void yc_format_duration(double s, char *buf, size_t cap) {
    if (!isfinite(s) || s < 0) snprintf(buf, cap, "-");
    else if (s < 60) snprintf(buf, cap, "%.0fs", s);
    else if (s < 3600) snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

/* The run's name as listed: its path below the project, or its base name. */
static const char *display_name(const YcRunInfo *r, const char *project) {
    size_t n = project ? strlen(project) : 0;
    if (n && strncmp(r->dir, project, n) == 0 && r->dir[n] == '/' && r->dir[n + 1]) return r->dir + n + 1;
    const char *base = strrchr(r->dir, '/');
    return base && base[1] ? base + 1 : r->dir;
}

const char *const yc_runs_headers[YC_RUNS_COLUMNS] = {"name", "status", "epochs", "best", "mAP50-95", "duration", "started"};

void yc_runs_cells(const YcRunInfo *r, const char *project, char cells[YC_RUNS_COLUMNS][256]) {
    snprintf(cells[0], 256, "%.255s", display_name(r, project));
    snprintf(cells[1], 256, "%s", yc_run_display_status(r));
    snprintf(cells[2], 256, "%d/%d", r->rec.epochs_done, r->rec.epochs);
    if (r->rec.best_epoch > 0) snprintf(cells[3], 256, "%d", r->rec.best_epoch);
    else snprintf(cells[3], 256, "-");
    if (r->rec.best_epoch > 0 && isfinite(r->rec.best.map50_95)) snprintf(cells[4], 256, "%.4f", r->rec.best.map50_95);
    else snprintf(cells[4], 256, "-");
    yc_format_duration(r->duration_s, cells[5], 256);
    snprintf(cells[6], 256, "-");
    if (isfinite(r->rec.start_time)) {
        time_t t = (time_t)r->rec.start_time;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(cells[6], 256, "%Y-%m-%d %H:%M", &tm);
    }
}

void yc_runs_table(const YcRunInfo *runs, int count, const char *project, YcStr *out) {
    int wname = 4;
    for (int i = 0; i < count; i++) {
        int len = (int)strlen(display_name(&runs[i], project));
        if (len > wname) wname = len;
    }
    if (wname > 255) wname = 255;
    const char *const *h = yc_runs_headers;
    yc_str_printf(out, "%-*s  %-11s  %7s  %4s  %11s  %8s  %s\n", wname, h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
    char c[YC_RUNS_COLUMNS][256];
    for (int i = 0; i < count; i++) {
        yc_runs_cells(&runs[i], project, c);
        yc_str_printf(out, "%-*s  %-11s  %7s  %4s  %11s  %8s  %s\n", wname, c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
    }
}
