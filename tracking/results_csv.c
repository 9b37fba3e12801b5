/* results.csv writing and reading (see results_csv.h). */
#include "results_csv.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

const char *const yc_results_columns[YC_RESULTS_COLUMNS] = {
    "epoch", "time", "train/box_loss", "train/cls_loss", "train/dfl_loss",
    "metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)",
    "val/box_loss", "val/cls_loss", "val/dfl_loss", "lr/pg0", "lr/pg1", "lr/pg2",
};

void yc_results_init(YcResults *r) { memset(r, 0, sizeof *r); }

void yc_results_free(YcResults *r) {
    free(r->v);
    memset(r, 0, sizeof *r);
}

static int grow(YcResults *r, YcErr *err) {
    if (r->rows < r->cap) return 0;
    int cap = r->cap ? r->cap * 2 : 64;
    void *bigger = realloc(r->v, (size_t)cap * sizeof *r->v);
    if (!bigger) return yc_err(err, "results: out of memory");
    r->v = bigger;
    r->cap = cap;
    return 0;
}

int yc_results_put(YcResults *r, const double row[YC_RESULTS_COLUMNS], YcErr *err) {
    while (r->rows > 0 && r->v[r->rows - 1][YC_COL_EPOCH] >= row[YC_COL_EPOCH]) r->rows--;
    if (grow(r, err)) return -1;
    memcpy(r->v[r->rows++], row, sizeof r->v[0]);
    return 0;
}

void yc_results_format_number(double v, char *buf, size_t cap) {
    if (isnan(v)) snprintf(buf, cap, "nan");
    else if (isinf(v)) snprintf(buf, cap, v > 0 ? "inf" : "-inf");
    else snprintf(buf, cap, "%.6g", v);
}

void yc_results_to_csv(const YcResults *r, YcStr *out) {
    for (int c = 0; c < YC_RESULTS_COLUMNS; c++) {
        if (c) yc_str_append(out, ",");
        yc_str_append(out, yc_results_columns[c]);
    }
    yc_str_append(out, "\n");
    char num[64];
    for (int i = 0; i < r->rows; i++) {
        for (int c = 0; c < YC_RESULTS_COLUMNS; c++) {
            if (c) yc_str_append(out, ",");
            yc_results_format_number(r->v[i][c], num, sizeof num);
            yc_str_append(out, num);
        }
        yc_str_append(out, "\n");
    }
}

int yc_results_write(const char *path, const YcResults *r, YcErr *err) {
    YcStr text;
    yc_str_init(&text);
    yc_results_to_csv(r, &text);
    int rc = text.failed ? yc_err(err, "%s: out of memory", path)
                         : yc_write_file_atomic(path, yc_str_cstr(&text), text.len, err);
    yc_str_free(&text);
    return rc;
}

/* Trims spaces in place; returns the start. */
static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

int yc_results_read(const char *path, YcResults *r, YcErr *err) {
    yc_results_init(r);
    char *text;
    size_t size;
    if (yc_read_file(path, &text, &size, err)) return -1;
    int map[256];
    int ncols = 0, line_no = 0, rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        char *l = trim(line);
        if (!*l) continue;
        if (ncols == 0) { /* the header */
            char *cs = NULL;
            for (char *name = strtok_r(l, ",", &cs); name && ncols < 256; name = strtok_r(NULL, ",", &cs)) {
                name = trim(name);
                map[ncols] = -1;
                for (int c = 0; c < YC_RESULTS_COLUMNS; c++)
                    if (strcmp(name, yc_results_columns[c]) == 0) map[ncols] = c;
                ncols++;
            }
            int has_epoch = 0;
            for (int i = 0; i < ncols; i++) has_epoch |= map[i] == YC_COL_EPOCH;
            if (!has_epoch) {
                rc = yc_err(err, "%s:1: not a results.csv (no 'epoch' column)", path);
                break;
            }
            continue;
        }
        double row[YC_RESULTS_COLUMNS];
        for (int c = 0; c < YC_RESULTS_COLUMNS; c++) row[c] = NAN;
        int col = 0;
        char *p = l;
        for (;;) {
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            char *field = trim(p), *end;
            if (col >= ncols) {
                rc = yc_err(err, "%s:%d: more fields than the header's %d", path, line_no, ncols);
                break;
            }
            double v = strtod(field, &end);
            if (end == field || *trim(end)) {
                rc = yc_err(err, "%s:%d: '%s' is not a number (column %d)", path, line_no, field, col + 1);
                break;
            }
            if (map[col] >= 0) row[map[col]] = v;
            col++;
            if (!comma) break;
            p = comma + 1;
        }
        if (rc) break;
        if (grow(r, err)) {
            rc = -1;
            break;
        }
        memcpy(r->v[r->rows++], row, sizeof row);
    }
    if (rc == 0 && ncols == 0) rc = yc_err(err, "%s: empty file (no header)", path);
    free(text);
    if (rc) yc_results_free(r);
    return rc;
}
