#include "share.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

int yc_share_dir(char *out, size_t cap, YcErr *err) {
    const char *home = getenv("YOLOC_HOME");
    char candidate[PATH_MAX];
    if (home && *home) {
        snprintf(candidate, sizeof candidate, "%s/share", home);
        if (yc_dir_exists(candidate)) {
            snprintf(out, cap, "%s", candidate);
            return 0;
        }
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char dir[PATH_MAX];
        yc_path_dirname(dir, sizeof dir, exe);
        /* bin/yoloc -> share/, and build/<flavor>/tests/x -> share/ for the test programs */
        const char *ups[] = {"/../share", "/../../../share", "/../../share"};
        for (size_t i = 0; i < sizeof ups / sizeof ups[0]; i++) {
            snprintf(candidate, sizeof candidate, "%s%s", dir, ups[i]);
            if (yc_dir_exists(candidate)) {
                char *real = realpath(candidate, NULL);
                snprintf(out, cap, "%s", real ? real : candidate);
                free(real);
                return 0;
            }
        }
    }
    return yc_err(err, "cannot find yoloc's share directory (set YOLOC_HOME to the yoloc checkout)");
}

int yc_resolve_share_file(const char *name, const char *subdir, char *out, size_t cap, YcErr *err) {
    if (yc_file_exists(name)) {
        snprintf(out, cap, "%s", name);
        return 0;
    }
    char share[PATH_MAX];
    YcErr share_err;
    if (strchr(name, '/') == NULL && yc_share_dir(share, sizeof share, &share_err) == 0) {
        char candidate[PATH_MAX];
        snprintf(candidate, sizeof candidate, "%s/%s/%s", share, subdir, name);
        if (yc_file_exists(candidate)) {
            snprintf(out, cap, "%s", candidate);
            return 0;
        }
        return yc_err(err, "%s: no such file here or in %s/%s", name, share, subdir);
    }
    return yc_err(err, "%s: no such file", name);
}
