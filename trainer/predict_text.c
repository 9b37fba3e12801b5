/* The predictor's text outputs (see predict.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

void yc_predict_summary(const float *rows, int n, const char *const *names, int nc, YcStr *out) {
    if (n <= 0) {
        yc_str_append(out, "(no detections), ");
        return;
    }
    int top = 0;
    for (int i = 0; i < n; i++)
        if ((int)rows[i * 6 + 5] > top) top = (int)rows[i * 6 + 5];
    int *counts = calloc((size_t)top + 1, sizeof *counts);
    if (!counts) return;
    for (int i = 0; i < n; i++) {
        int c = (int)rows[i * 6 + 5];
        if (c >= 0) counts[c]++;
    }
    for (int c = 0; c <= top; c++) {
        if (!counts[c]) continue;
        if (names && c < nc && names[c]) yc_str_printf(out, "%d %s%s, ", counts[c], names[c], counts[c] > 1 ? "s" : "");
        else yc_str_printf(out, "%d class%d%s, ", counts[c], c, counts[c] > 1 ? "s" : "");
    }
    free(counts);
}

int yc_predict_append_txt(const char *path, const float *rows, int n, int img_w, int img_h, bool save_conf,
                          YcErr *err) {
    if (n <= 0) return 0;
    YcStr text;
    yc_str_init(&text);
    const float w = (float)img_w, h = (float)img_h;
    for (int i = 0; i < n; i++) {
        const float *r = rows + (size_t)i * 6;
        /* xyxy -> xywh -> normalised, in float32 like the reference's tensors */
        float cx = (r[0] + r[2]) / 2, cy = (r[1] + r[3]) / 2, bw = r[2] - r[0], bh = r[3] - r[1];
        yc_str_printf(&text, "%g %g %g %g %g", (double)(int)r[5], (double)(cx / w), (double)(cy / h), (double)(bw / w),
                      (double)(bh / h));
        if (save_conf) yc_str_printf(&text, " %g", (double)r[4]);
        yc_str_append(&text, "\n");
    }
    FILE *f = fopen(path, "a");
    int rc = 0;
    if (!f) rc = yc_err_errno(err, "%s", path);
    else {
        if (fwrite(text.data, 1, text.len, f) != text.len) rc = yc_err_errno(err, "%s", path);
        if (fclose(f) != 0 && rc == 0) rc = yc_err_errno(err, "%s", path);
    }
    yc_str_free(&text);
    return rc;
}
