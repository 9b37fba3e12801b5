/* Shared importer helpers: notes, file copies, label rows, the dataset YAML. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert_internal.h"
#include "data_files.h"
#include "fileio.h"

void yc_convert_report_free(YcConvertReport *r) {
    if (!r) return;
    for (int i = 0; i < r->message_count; i++) free(r->messages[i]);
    free(r->messages);
    memset(r, 0, sizeof *r);
}

void yc_convert_note(YcConvertReport *r, const char *fmt, ...) {
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **g = realloc(r->messages, sizeof(char *) * (size_t)(r->message_count + 1));
    if (!g) return;
    r->messages = g;
    r->messages[r->message_count] = strdup(buf);
    if (r->messages[r->message_count]) r->message_count++;
}

void yc_convert_record_split(YcConvertReport *r, const char *split, int images) {
    if (r->splits >= 8) return;
    snprintf(r->split_names[r->splits], sizeof r->split_names[0], "%s", split);
    r->split_images[r->splits] = images;
    r->splits++;
}

int yc_convert_copy(const char *src, const char *dst, YcErr *err) {
    FILE *in = fopen(src, "rb");
    if (!in) return yc_err_errno(err, "cannot open %s", src);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dst, (long)getpid());
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        fclose(in);
        return yc_err_errno(err, "cannot create %s", tmp);
    }
    char buf[1 << 16];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            rc = yc_err_errno(err, "cannot write %s", tmp);
            break;
        }
    if (rc == 0 && ferror(in)) rc = yc_err_errno(err, "cannot read %s", src);
    fclose(in);
    if (fclose(out) != 0 && rc == 0) rc = yc_err_errno(err, "cannot write %s", tmp);
    if (rc == 0 && rename(tmp, dst) != 0) rc = yc_err_errno(err, "cannot rename %s to %s", tmp, dst);
    if (rc) unlink(tmp);
    return rc;
}

void yc_convert_row(YcStr *s, int cls, double cx, double cy, double w, double h) {
    yc_str_printf(s, "%d %.8g %.8g %.8g %.8g\n", cls, cx, cy, w, h);
}

void yc_convert_default_yaml(const char *dst, char *out, size_t cap) {
    char clean[4096];
    yc_path_normalize(dst, clean, sizeof clean);
    snprintf(out, cap, "%s.yaml", clean);
}

/* A YAML single-quoted scalar. */
static void quoted(YcStr *s, const char *text) {
    yc_str_append(s, "'");
    for (const char *p = text; *p; p++) {
        if (*p == '\'') yc_str_append(s, "''");
        else if (*p == '\n' || *p == '\r') yc_str_append(s, " ");
        else yc_str_append_n(s, p, 1);
    }
    yc_str_append(s, "'");
}

int yc_convert_write_yaml(const char *yaml, const char *dst, char *const *names, int nc, const char *source,
                          YcConvertReport *r, YcErr *err) {
    char yaml_abs[4096], yaml_dir[4096], dst_abs[4096];
    yc_path_normalize(yaml, yaml_abs, sizeof yaml_abs);
    yc_path_dirname(yaml_dir, sizeof yaml_dir, yaml_abs);
    yc_path_normalize(dst, dst_abs, sizeof dst_abs);
    const char *rel = dst_abs;
    size_t dl = strlen(yaml_dir);
    if (strcmp(dst_abs, yaml_dir) == 0) rel = ".";
    else if (strncmp(dst_abs, yaml_dir, dl) == 0 && dst_abs[dl] == '/') rel = dst_abs + dl + 1;
    else if (strcmp(yaml_dir, "/") == 0) rel = dst_abs + 1;

    const char *splits[] = {"train", "val", "test"};
    bool present[3];
    for (int i = 0; i < 3; i++) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/images/%s", dst_abs, splits[i]);
        present[i] = yc_dir_exists(dir);
    }
    YcStr s;
    yc_str_init(&s);
    yc_str_printf(&s, "# Written by yoloc convert from %s.\n# Relative paths resolve against this file's directory.\n", source);
    yc_str_append(&s, "path: ");
    quoted(&s, rel);
    yc_str_append(&s, "\n");
    const char *train = present[0] ? "images/train" : present[1] ? "images/val" : "images/test";
    const char *val = present[1] ? "images/val" : train;
    yc_str_printf(&s, "train: %s\nval: %s\n", train, val);
    if (present[2]) yc_str_append(&s, "test: images/test\n");
    else yc_str_append(&s, "test:\n");
    if (!present[1]) {
        yc_str_append(&s, "# no val split was converted: val uses the training images\n");
        yc_convert_note(r, "%s: no val split: val uses the training images", yaml_abs);
    }
    yc_str_printf(&s, "\nnc: %d\nnames:\n", nc);
    for (int i = 0; i < nc; i++) {
        yc_str_printf(&s, "  %d: ", i);
        quoted(&s, names[i]);
        yc_str_append(&s, "\n");
    }
    int rc = s.failed ? yc_err(err, "out of memory") : yc_write_file_atomic(yaml_abs, s.data, s.len, err);
    yc_str_free(&s);
    if (rc == 0) snprintf(r->yaml, sizeof r->yaml, "%s", yaml_abs);
    return rc;
}

int yc_convert_split_list(const char *text, char ***items, int *count, YcErr *err) {
    *items = NULL;
    *count = 0;
    if (!text) return 0;
    const char *p = text;
    while (*p) {
        const char *start = p;
        while (*p && *p != ',') p++;
        const char *a = start, *b = p;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if (b > a) {
            char **g = realloc(*items, sizeof(char *) * (size_t)(*count + 1));
            if (!g) return yc_err(err, "out of memory");
            *items = g;
            (*items)[*count] = strndup(a, (size_t)(b - a));
            if (!(*items)[*count]) return yc_err(err, "out of memory");
            (*count)++;
        }
        if (*p == ',') p++;
    }
    return 0;
}

void yc_convert_stem(const char *path, char *out, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, cap, "%s", base);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = '\0';
}
