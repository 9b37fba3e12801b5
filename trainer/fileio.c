#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fsync_parent_dir(const char *path) {
    char dir[4096];
    yc_path_dirname(dir, sizeof dir, path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int yc_atomic_open(YcAtomicFile *f, const char *path, YcErr *err) {
    if (strlen(path) >= sizeof f->path) return yc_err(err, "%s: path too long", path);
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->tmp_path, sizeof f->tmp_path, "%s.tmp.%ld", path, (long)getpid());
    f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) return yc_err_errno(err, "cannot create %s", f->tmp_path);
    return 0;
}

int yc_atomic_write(YcAtomicFile *f, const void *data, size_t size, YcErr *err) {
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(f->fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return yc_err_errno(err, "cannot write %s", f->tmp_path);
        }
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

void yc_atomic_abort(YcAtomicFile *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    unlink(f->tmp_path);
}

int yc_atomic_commit(YcAtomicFile *f, YcErr *err) {
    if (fsync(f->fd) != 0) {
        yc_err_errno(err, "cannot sync %s", f->tmp_path);
        yc_atomic_abort(f);
        return -1;
    }
    if (close(f->fd) != 0) {
        f->fd = -1;
        yc_err_errno(err, "cannot close %s", f->tmp_path);
        unlink(f->tmp_path);
        return -1;
    }
    f->fd = -1;
    if (rename(f->tmp_path, f->path) != 0) {
        yc_err_errno(err, "cannot rename %s to %s", f->tmp_path, f->path);
        unlink(f->tmp_path);
        return -1;
    }
    fsync_parent_dir(f->path); /* best effort: the rename itself is atomic */
    return 0;
}

int yc_write_file_atomic(const char *path, const void *data, size_t size, YcErr *err) {
    YcAtomicFile f;
    if (yc_atomic_open(&f, path, err)) return -1;
    if (yc_atomic_write(&f, data, size, err)) {
        yc_atomic_abort(&f);
        return -1;
    }
    return yc_atomic_commit(&f, err);
}

int yc_read_file(const char *path, char **data, size_t *size, YcErr *err) {
    *data = NULL;
    *size = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return yc_err_errno(err, "cannot open %s", path);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(fp);
        return yc_err(err, "%s: out of memory", path);
    }
    for (;;) {
        if (len + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                fclose(fp);
                return yc_err(err, "%s: out of memory", path);
            }
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, fp);
        len += n;
        if (n == 0) break;
    }
    if (ferror(fp)) {
        free(buf);
        fclose(fp);
        return yc_err_errno(err, "cannot read %s", path);
    }
    fclose(fp);
    buf[len] = '\0';
    *data = buf;
    *size = len;
    return 0;
}

int yc_mkdirs(const char *path, YcErr *err) {
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0) return 0;
    if (len >= sizeof buf) return yc_err(err, "%s: path too long", path);
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return yc_err_errno(err, "cannot create directory %s", buf);
        buf[i] = saved;
    }
    if (!yc_dir_exists(path)) return yc_err(err, "%s exists and is not a directory", path);
    return 0;
}

bool yc_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool yc_dir_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int yc_path_join(char *dst, size_t cap, const char *a, const char *b) {
    int n;
    if (b[0] == '/' || a[0] == '\0') n = snprintf(dst, cap, "%s", b);
    else if (a[strlen(a) - 1] == '/') n = snprintf(dst, cap, "%s%s", a, b);
    else n = snprintf(dst, cap, "%s/%s", a, b);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

void yc_path_dirname(char *dst, size_t cap, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dst, cap, ".");
        return;
    }
    if (slash == path) {
        snprintf(dst, cap, "/");
        return;
    }
    snprintf(dst, cap, "%.*s", (int)(slash - path), path);
}
