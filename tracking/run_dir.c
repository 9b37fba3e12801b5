/* Run-directory naming and creation (see run_dir.h). */
#include "run_dir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

static int make_weights_dir(const char *run_dir, YcErr *err) {
    char weights[4096];
    if (yc_path_join(weights, sizeof weights, run_dir, "weights")) return yc_err(err, "%s: path too long", run_dir);
    return yc_mkdirs(weights, err);
}

int yc_run_dir_create_at(const char *project, const char *name, bool exist_ok, char *out, size_t cap, YcErr *err) {
    if (!project || !project[0]) project = "runs/detect";
    if (!name || !name[0]) name = "train";
    if (yc_mkdirs(project, err)) return yc_err_prefix(err, "project");
    char base[4096];
    if (yc_path_join(base, sizeof base, project, name)) return yc_err(err, "%s/%s: path too long", project, name);
    if (exist_ok) {
        if (yc_mkdirs(base, err)) return -1;
        if (snprintf(out, cap, "%s", base) >= (int)cap) return yc_err(err, "%s: path too long", base);
        return make_weights_dir(out, err);
    }
    /* base, then base2, base3, ...: the first name that does not exist yet
     * (file or directory), claimed by mkdir so that a concurrent run cannot take it too. */
    for (int n = 1; n < 10000; n++) {
        char candidate[4200];
        if (n == 1) snprintf(candidate, sizeof candidate, "%s", base);
        else snprintf(candidate, sizeof candidate, "%s%d", base, n);
        struct stat st;
        if (lstat(candidate, &st) == 0) continue;
        char parent[4200];
        yc_path_dirname(parent, sizeof parent, candidate);
        if (yc_mkdirs(parent, err)) return -1;
        if (mkdir(candidate, 0755) != 0) {
            if (errno == EEXIST) continue;
            return yc_err_errno(err, "cannot create run directory %s", candidate);
        }
        if (snprintf(out, cap, "%s", candidate) >= (int)cap) return yc_err(err, "%s: path too long", candidate);
        return make_weights_dir(out, err);
    }
    return yc_err(err, "%s: no free run name (tried %s2 ... %s9999)", base, name, name);
}

int yc_run_dir_create(const YcArgs *args, char *out, size_t cap, YcErr *err) {
    char project[YC_PATH_MAX + 32];
    if (args->project[0]) snprintf(project, sizeof project, "%s", args->project);
    else snprintf(project, sizeof project, "runs/%s", args->task[0] ? args->task : "detect");
    return yc_run_dir_create_at(project, args->name[0] ? args->name : args->mode, args->exist_ok, out, cap, err);
}
