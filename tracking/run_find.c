/* Finding run directories (see run_find.h). */
#include "run_find.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"

long long yc_file_mtime_ns(const char *path) {
    struct stat st;
    if (stat(path, &st)) return 0;
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

int yc_is_run_dir(const char *dir) {
    static const char *const marks[] = {"run.json", "results.csv", "args.yaml"};
    char path[4200];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, marks[i]);
        if (yc_file_exists(path)) return 1;
    }
    return 0;
}

int yc_run_latest(const char *project, char *out, size_t cap) {
    DIR *d = opendir(project);
    if (!d) return -1;
    long long best = -1;
    struct dirent *e;
    char path[4200], inner[4300];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", project, e->d_name);
        if (!yc_dir_exists(path) || !yc_is_run_dir(path)) continue;
        long long t = yc_file_mtime_ns(path);
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
