/* The images a predict source names (see predict.h). Differences from the
 * reference: blank lines of a list are skipped (the reference would read
 * the current directory for them), and glob patterns are POSIX glob(3)
 * (no recursive "**"). */
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data_files.h"
#include "fileio.h"
#include "predict.h"
#include "strlist.h"

static const char *const video_exts[] = {"asf", "avi", "gif", "m4v", "mkv", "mov", "mp4",
                                         "mpeg", "mpg", "ts", "wmv", "webm"};

static bool is_video_name(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return false;
    for (size_t i = 0; i < sizeof video_exts / sizeof video_exts[0]; i++)
        if (strcasecmp(dot + 1, video_exts[i]) == 0) return true;
    return false;
}

static int push(YcStrList *l, const char *text, YcErr *err) {
    return yc_strlist_push(l, text) ? yc_err(err, "predict: out of memory") : 0;
}

/* pathlib's absolute(): the current directory in front of a relative path,
 * "." parts and repeated slashes dropped, ".." kept. */
static void absolute(const char *path, char *out, size_t cap) {
    char buf[8192];
    if (path[0] == '/') {
        snprintf(buf, sizeof buf, "%s", path);
    } else {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, ".");
        snprintf(buf, sizeof buf, "%s/%s", cwd, path);
    }
    size_t o = 0;
    const char *p = buf;
    while (*p && o + 1 < cap) {
        while (*p == '/') p++;
        const char *start = p;
        while (*p && *p != '/') p++;
        size_t len = (size_t)(p - start);
        if (len == 0 || (len == 1 && start[0] == '.')) continue;
        if (o + len + 2 > cap) break;
        out[o++] = '/';
        memcpy(out + o, start, len);
        o += len;
    }
    if (o == 0) out[o++] = '/';
    out[o] = '\0';
}

static int add_dir(YcStrList *files, const char *dir, YcErr *err) {
    DIR *d = opendir(dir);
    if (!d) return yc_err_errno(err, "%s", dir);
    YcStrList names = {0};
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        /* the reference's glob "*.*": a dot after the first character, no hidden names */
        if (e->d_name[0] == '.' || !strchr(e->d_name + 1, '.')) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rc = push(&names, path, err);
    }
    closedir(d);
    yc_strlist_sort(&names);
    for (int i = 0; rc == 0 && i < names.count; i++) rc = push(files, names.items[i], err);
    yc_strlist_free(&names);
    return rc;
}

static int add_glob(YcStrList *files, const char *pattern, YcErr *err) {
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g); /* glob(3) sorts */
    if (rc == GLOB_NOMATCH) return 0;
    if (rc != 0) return yc_err(err, "%s: cannot expand the pattern", pattern);
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) rc = push(files, g.gl_pathv[i], err);
    globfree(&g);
    return rc;
}

/* One source entry; parent: the list file's directory, or NULL. */
static int add_entry(YcStrList *files, const char *entry, const char *parent, YcErr *err) {
    char a[8192];
    absolute(entry, a, sizeof a);
    if (strchr(a, '*')) return add_glob(files, a, err);
    if (yc_dir_exists(a)) return add_dir(files, a, err);
    if (yc_file_exists(a)) return push(files, a, err);
    if (parent) {
        char rel[8192], b[8192];
        snprintf(rel, sizeof rel, "%s/%s", parent, entry);
        absolute(rel, b, sizeof b);
        if (yc_file_exists(b)) return push(files, b, err);
    }
    return yc_err(err, "source=%s does not exist", entry);
}

static int add_list(YcStrList *files, const char *path, bool csv, YcErr *err) {
    char *text = NULL;
    size_t size = 0;
    if (yc_read_file(path, &text, &size, err)) return yc_err_prefix(err, "source");
    char parent[4096];
    yc_path_dirname(parent, sizeof parent, path);
    YcStrList entries = {0};
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(text, csv ? "," : "\n", &save); rc == 0 && tok; tok = strtok_r(NULL, csv ? "," : "\n", &save)) {
        while (*tok == ' ' || *tok == '\t' || *tok == '\r' || *tok == '\n') tok++;
        size_t len = strlen(tok);
        while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t' || tok[len - 1] == '\r' || tok[len - 1] == '\n'))
            tok[--len] = '\0';
        if (len) rc = push(&entries, tok, err);
    }
    free(text);
    yc_strlist_sort(&entries);
    for (int i = 0; rc == 0 && i < entries.count; i++) rc = add_entry(files, entries.items[i], parent, err);
    yc_strlist_free(&entries);
    return rc;
}

int yc_predict_sources(const char *source, YcPredictSources *out, YcErr *err) {
    memset(out, 0, sizeof *out);
    if (!source || !source[0]) return yc_err(err, "source= is required (an image, a directory, a list or a pattern)");
    YcStrList files = {0};
    size_t len = strlen(source);
    int rc;
    if (len > 4 && (strcmp(source + len - 4, ".txt") == 0 || strcmp(source + len - 4, ".csv") == 0))
        rc = add_list(&files, source, strcmp(source + len - 4, ".csv") == 0, err);
    else
        rc = add_entry(&files, source, NULL, err);
    YcStrList images = {0};
    for (int i = 0; rc == 0 && i < files.count; i++) {
        if (yc_is_image_name(files.items[i])) rc = push(&images, files.items[i], err);
        else if (is_video_name(files.items[i])) out->videos++;
    }
    yc_strlist_free(&files);
    if (rc == 0 && images.count == 0)
        rc = yc_err(err, "source=%s: no images found%s (images: bmp, dng, jpeg, jpg, mpo, png, tif, tiff, webp, pfm, "
                         "heic)", source, out->videos ? " (videos are not supported)" : "");
    if (rc) {
        yc_strlist_free(&images);
        return -1;
    }
    out->count = images.count;
    out->paths = images.items;
    return 0;
}

void yc_predict_sources_free(YcPredictSources *s) {
    for (int i = 0; i < s->count; i++) free(s->paths[i]);
    free(s->paths);
    memset(s, 0, sizeof *s);
}
