/* Resuming a run (see train_resume.h). */
#include "train_resume.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "safetensors.h"
#include "train_checkpoint.h"

/* The keys the reference lets a resume change. */
static const char *const overridable[] = {"imgsz", "batch", "device", "close_mosaic", "save_period", "workers",
                                          "cache", "patience", "time", "freeze", "val", "plots"};

static void search(const char *dir, int depth, char *best, size_t cap, double *best_time) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        struct stat sb;
        if (stat(path, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth > 0) search(path, depth - 1, best, cap, best_time);
        } else if (strcmp(e->d_name, "last.safetensors") == 0) {
            double t = sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec * 1e-9;
            if (t > *best_time) {
                *best_time = t;
                snprintf(best, cap, "%s", path);
            }
        }
    }
    closedir(d);
}

int yc_train_latest_last(const char *dir, char *out, size_t cap, YcErr *err) {
    double t = -1;
    out[0] = '\0';
    search(dir, 4, out, cap, &t);
    if (!out[0]) return yc_err(err, "resume: no weights/last.safetensors under %s to resume from", dir);
    return 0;
}

int yc_train_resume_args(YcArgs *args, char *ckpt, size_t ckpt_cap, char *run_dir, size_t dir_cap, YcErr *err) {
    if (args->resume.path[0]) {
        snprintf(ckpt, ckpt_cap, "%s", args->resume.path);
        if (!yc_file_exists(ckpt)) return yc_err(err, "resume=%s: no such file", ckpt);
    } else if (yc_train_latest_last(args->project[0] ? args->project : "runs/detect", ckpt, ckpt_cap, err)) {
        return -1;
    }
    YcSafetensors st;
    if (yc_st_load(ckpt, &st, err)) return yc_err_prefix(err, "resume");
    int rc = 0;
    const char *text = yc_st_meta(&st, "train_args");
    if (!yc_checkpoint_resumable(&st)) {
        rc = yc_err(err, "resume=%s: the training of this run is finished (the file holds weights only), nothing to "
                         "resume; start a new training, e.g. yoloc train model=%s ...",
                    ckpt, ckpt);
    } else if (!text) {
        rc = yc_err(err, "resume=%s: the checkpoint has no train_args", ckpt);
    } else {
        YcArgs run;
        yc_args_defaults(&run);
        rc = yc_args_load_yaml_text(&run, text, ckpt, YC_SRC_CFG, err);
        for (size_t k = 0; rc == 0 && k < sizeof overridable / sizeof overridable[0]; k++) {
            const YcArgSpec *spec = yc_arg_find(overridable[k]);
            if (!spec || args->source_of[yc_arg_index(spec)] != YC_SRC_CLI) continue;
            char value[YC_PATH_MAX + 64];
            yc_arg_format(args, spec, value, sizeof value);
            rc = yc_args_set(&run, spec->name, value, YC_SRC_CLI, err);
        }
        /* a data YAML that has moved: the one given now (the reference does the same) */
        if (rc == 0 && !yc_file_exists(run.data) && args->data[0])
            snprintf(run.data, sizeof run.data, "%s", args->data);
        if (rc == 0) {
            run.resume.on = true;
            snprintf(run.resume.path, sizeof run.resume.path, "%s", ckpt);
            *args = run;
            /* the run directory: the parent of weights/ */
            char weights[4096];
            yc_path_dirname(weights, sizeof weights, ckpt);
            yc_path_dirname(run_dir, dir_cap, weights);
        }
    }
    yc_st_free(&st);
    return rc;
}
