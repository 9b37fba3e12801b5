/* Listing a split's images and mapping them to label files. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data_files.h"
#include "strlist.h"
#include "fileio.h"

static const char *const image_exts[] = {"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"};

bool yc_is_image_name(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return false;
    for (size_t i = 0; i < sizeof image_exts / sizeof image_exts[0]; i++)
        if (strcasecmp(dot + 1, image_exts[i]) == 0) return true;
    return false;
}

void yc_path_normalize(const char *path, char *out, size_t cap) {
    char buf[8192];
    if (path[0] == '/') {
        snprintf(buf, sizeof buf, "%s", path);
    } else {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, ".");
        snprintf(buf, sizeof buf, "%s/%s", cwd, path);
    }
    /* split on '/', drop "." and empty parts, pop on ".." */
    const char *parts[1024];
    size_t lens[1024];
    int n = 0;
    const char *p = buf;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        const char *start = p;
        while (*p && *p != '/') p++;
        size_t len = (size_t)(p - start);
        if (len == 1 && start[0] == '.') continue;
        if (len == 2 && start[0] == '.' && start[1] == '.') {
            if (n > 0) n--;
            continue;
        }
        if (n < 1024) {
            parts[n] = start;
            lens[n] = len;
            n++;
        }
    }
    size_t o = 0;
    if (cap == 0) return;
    if (n == 0) {
        snprintf(out, cap, "/");
        return;
    }
    for (int i = 0; i < n && o + 1 < cap; i++) {
        out[o++] = '/';
        size_t take = lens[i] < cap - 1 - o ? lens[i] : cap - 1 - o;
        memcpy(out + o, parts[i], take);
        o += take;
    }
    out[o] = '\0';
}

static int list_push(YcStrList *l, const char *path, YcErr *err) {
    return yc_strlist_push(l, path) ? yc_err(err, "out of memory listing images") : 0;
}

static int walk_dir(const char *dir, int depth, YcStrList *out, YcErr *err) {
    if (depth > 64) return 0; /* a symlink loop: stop descending */
    DIR *d = opendir(dir);
    if (!d) return yc_err_errno(err, "cannot read directory %s", dir);
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            if ((rc = walk_dir(path, depth + 1, out, err)) != 0) break;
        } else if (S_ISREG(st.st_mode) && yc_is_image_name(e->d_name)) {
            if ((rc = list_push(out, path, err)) != 0) break;
        }
    }
    closedir(d);
    return rc;
}

static int read_list_file(const char *file, YcStrList *out, YcErr *err) {
    char *text = NULL;
    size_t size = 0;
    if (yc_read_file(file, &text, &size, err)) return -1;
    char dir[4096];
    yc_path_dirname(dir, sizeof dir, file);
    int rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        while (isspace((unsigned char)*line)) line++;
        size_t len = strlen(line);
        while (len > 0 && isspace((unsigned char)line[len - 1])) line[--len] = '\0';
        if (len == 0 || !yc_is_image_name(line)) continue;
        const char *rel = strncmp(line, "./", 2) == 0 ? line + 2 : line;
        char joined[8192], clean[4096];
        if (yc_path_join(joined, sizeof joined, dir, rel)) continue;
        yc_path_normalize(joined, clean, sizeof clean);
        if ((rc = list_push(out, clean, err)) != 0) break;
    }
    free(text);
    return rc;
}

void yc_free_list(char **files, int count) {
    for (int i = 0; i < count; i++) free(files[i]);
    free(files);
}

int yc_list_images(const YcDataSources *sources, char ***files, int *count, YcErr *err) {
    YcStrList l = {0};
    *files = NULL;
    *count = 0;
    for (int i = 0; i < sources->count; i++) {
        const char *p = sources->paths[i];
        int rc;
        if (yc_dir_exists(p)) rc = walk_dir(p, 0, &l, err);
        else if (yc_file_exists(p)) rc = yc_is_image_name(p) ? list_push(&l, p, err) : read_list_file(p, &l, err);
        else rc = yc_err(err, "%s does not exist", p);
        if (rc) {
            yc_strlist_free(&l);
            return -1;
        }
    }
    if (l.count == 0) {
        yc_strlist_free(&l);
        return yc_err(err, "no images found in %s%s",
                      sources->count ? sources->paths[0] : "(nothing)", sources->count > 1 ? " and the other sources" : "");
    }
    yc_strlist_sort(&l);
    *files = l.items;
    *count = l.count;
    return 0;
}

void yc_label_path(const char *image, char *out, size_t cap) {
    char buf[8192];
    const char *hit = NULL;
    for (const char *p = strstr(image, "/images/"); p; p = strstr(p + 1, "/images/")) hit = p;
    if (hit) snprintf(buf, sizeof buf, "%.*s/labels/%s", (int)(hit - image), image, hit + 8);
    else snprintf(buf, sizeof buf, "%s", image);
    char *dot = strrchr(buf, '.');
    if (dot) *dot = '\0';
    snprintf(out, cap, "%s.txt", buf);
}
