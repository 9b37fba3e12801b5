#include "kernel_runs.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

#define MAX_IMAGE_BYTES (32u << 20)

long long yc_file_mtime_ns(const char *path) {
    struct stat st;
    if (stat(path, &st)) return 0;
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

static bool is_run_dir(const char *dir) {
    char p[4200];
    snprintf(p, sizeof p, "%s/run.json", dir);
    if (yc_file_exists(p)) return true;
    snprintf(p, sizeof p, "%s/results.csv", dir);
    if (yc_file_exists(p)) return true;
    snprintf(p, sizeof p, "%s/args.yaml", dir);
    return yc_file_exists(p);
}

int yc_run_latest(const char *project, char *out, size_t cap) {
    DIR *d = opendir(project);
    if (!d) return -1;
    long long best = -1;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", project, e->d_name);
        if (!yc_dir_exists(path) || !is_run_dir(path)) continue;
        long long t = yc_file_mtime_ns(path);
        char inner[4300];
        snprintf(inner, sizeof inner, "%s/results.csv", path);
        long long t2 = yc_file_mtime_ns(inner);
        if (t2 > t) t = t2;
        if (t > best) {
            best = t;
            snprintf(out, cap, "%s", path);
        }
    }
    closedir(d);
    return best >= 0 ? 0 : -1;
}

int yc_run_resolve(const char *name, const char *project, char *out, size_t cap, YcErr *err) {
    const char *proj = project && *project ? project : "runs/detect";
    if (!name || !*name) {
        if (yc_run_latest(proj, out, cap) == 0) return 0;
        return yc_err(err, "no runs in %s yet (give run=NAME or run=DIR)", proj);
    }
    if (yc_dir_exists(name)) {
        snprintf(out, cap, "%s", name);
        return 0;
    }
    char candidate[4200];
    snprintf(candidate, sizeof candidate, "%s/%s", proj, name);
    if (yc_dir_exists(candidate)) {
        snprintf(out, cap, "%s", candidate);
        return 0;
    }
    return yc_err(err, "no run '%s' (looked for the directory %s and %s)", name, name, candidate);
}

static double num_or_nan(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int int_or(const cJSON *o, const char *key, int def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valueint : def;
}

static void str_into(const cJSON *o, const char *key, char *out, size_t cap) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v)) snprintf(out, cap, "%s", v->valuestring);
}

int yc_kernel_run_read(const char *dir, YcKernelRun *info, YcErr *err) {
    memset(info, 0, sizeof *info);
    snprintf(info->dir, sizeof info->dir, "%s", dir);
    const char *slash = strrchr(dir, '/');
    snprintf(info->name, sizeof info->name, "%s", slash && slash[1] ? slash + 1 : dir);
    info->precision = info->recall = info->map50 = info->map50_95 = info->fitness = NAN;
    char path[4200];
    snprintf(path, sizeof path, "%s/run.json", dir);
    if (!yc_file_exists(path)) return 0;
    char *text = NULL;
    size_t size = 0;
    if (yc_read_file(path, &text, &size, err)) return -1;
    cJSON *o = cJSON_ParseWithLength(text, size);
    free(text);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return yc_err(err, "%s: not a JSON object", path);
    }
    info->has_record = true;
    str_into(o, "name", info->name, sizeof info->name);
    str_into(o, "status", info->status, sizeof info->status);
    str_into(o, "model", info->model, sizeof info->model);
    str_into(o, "data", info->data, sizeof info->data);
    info->epochs = int_or(o, "epochs", 0);
    info->epochs_done = int_or(o, "epochs_done", 0);
    info->best_epoch = int_or(o, "best_epoch", 0);
    double st = num_or_nan(o, "start_time"), et = num_or_nan(o, "end_time");
    info->start_time = isfinite(st) ? st : 0;
    info->end_time = isfinite(et) ? et : 0;
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(o, "best");
    if (cJSON_IsObject(best)) {
        info->precision = num_or_nan(best, "precision");
        info->recall = num_or_nan(best, "recall");
        info->map50 = num_or_nan(best, "map50");
        info->map50_95 = num_or_nan(best, "map50_95");
        info->fitness = num_or_nan(best, "fitness");
    }
    cJSON_Delete(o);
    return 0;
}

static int by_start(const void *a, const void *b) {
    const YcKernelRun *x = a, *y = b;
    if (x->start_time != y->start_time) return x->start_time < y->start_time ? -1 : 1;
    return strcmp(x->name, y->name);
}

int yc_kernel_runs_list(const char *project, YcKernelRun **runs, YcErr *err) {
    *runs = NULL;
    DIR *d = opendir(project);
    if (!d) return 0;
    int n = 0, cap = 0;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", project, e->d_name);
        if (!yc_dir_exists(path) || !is_run_dir(path)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            YcKernelRun *r = realloc(*runs, (size_t)cap * sizeof *r);
            if (!r) {
                closedir(d);
                return yc_err(err, "out of memory");
            }
            *runs = r;
        }
        YcErr one;
        if (yc_kernel_run_read(path, &(*runs)[n], &one)) snprintf((*runs)[n].status, sizeof (*runs)[n].status, "unreadable");
        if (!(*runs)[n].start_time) (*runs)[n].start_time = (double)(yc_file_mtime_ns(path) / 1000000000LL);
        n++;
    }
    closedir(d);
    if (n > 1) qsort(*runs, (size_t)n, sizeof **runs, by_start);
    return n;
}

int yc_show_image_file(YcOut *out, const char *path, YcErr *err) {
    struct stat st;
    if (stat(path, &st)) return yc_err_errno(err, "%s", path);
    if ((size_t)st.st_size > MAX_IMAGE_BYTES) return yc_err(err, "%s: too large to show inline (%lld bytes)", path, (long long)st.st_size);
    char *bytes = NULL;
    size_t size = 0;
    if (yc_read_file(path, &bytes, &size, err)) return -1;
    cJSON *data, *meta;
    const char *slash = strrchr(path, '/');
    int rc = yc_mime_image(bytes, size, slash ? slash + 1 : path, &data, &meta);
    free(bytes);
    if (rc) return yc_err(err, "%s: not a PNG or JPEG image", path);
    yc_out_display(out, data, meta, NULL, false);
    return 0;
}
