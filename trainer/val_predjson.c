#include "val_predjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "metrics_np.h"
#include "val_boxes.h"

struct YcPredJson {
    YcAtomicFile file;
    bool coco91;
    bool first;
    long count; /* detections written */
    YcStr buf;
};

/* Python's round(v, digits) then repr. */
static void append_rounded(YcStr *out, double v, int digits) {
    char text[64], repr[40];
    snprintf(text, sizeof text, "%.*f", digits, v);
    yc_repr_double(strtod(text, NULL), repr, sizeof repr);
    yc_str_append(out, repr);
}

/* image_id: int(stem) when the stem is all ASCII digits (written without leading zeros), else the stem. */
static void append_image_id(YcStr *out, const char *im_file) {
    const char *name = strrchr(im_file, '/');
    name = name ? name + 1 : im_file;
    size_t len = strlen(name);
    const char *dot = strrchr(name, '.');
    size_t stem_len = dot && dot > name && dot < name + len - 1 ? (size_t)(dot - name) : len;
    bool digits = stem_len > 0;
    for (size_t i = 0; i < stem_len; i++)
        if (name[i] < '0' || name[i] > '9') digits = false;
    if (digits) {
        size_t i = 0;
        while (i + 1 < stem_len && name[i] == '0') i++;
        yc_str_append_n(out, name + i, stem_len - i);
        return;
    }
    char *stem = malloc(stem_len + 1);
    if (!stem) {
        out->failed = 1;
        return;
    }
    memcpy(stem, name, stem_len);
    stem[stem_len] = '\0';
    yc_json_string(out, stem);
    free(stem);
}

int yc_predjson_format(YcStr *out, bool *first, const char *im_file, const float *rows, int n, bool coco91,
                       YcErr *err) {
    const char *name = strrchr(im_file, '/');
    name = name ? name + 1 : im_file;
    for (int i = 0; i < n; i++) {
        const float *r = rows + (size_t)i * 6;
        int cls = (int)r[5];
        int category = coco91 ? yc_coco80_to_91(cls) : cls + 1;
        if (category < 0 || cls < 0)
            return yc_err(err, "predictions.json: %s: class %d has no COCO category (COCO has 80 classes)", im_file,
                          cls);
        /* xyxy -> center xywh -> top-left xywh, in float32 as the reference */
        float cx = (r[0] + r[2]) / 2, cy = (r[1] + r[3]) / 2, w = r[2] - r[0], h = r[3] - r[1];
        float x = cx - w / 2, y = cy - h / 2;
        if (!*first) yc_str_append(out, ", ");
        *first = false;
        yc_str_append(out, "{\"image_id\": ");
        append_image_id(out, im_file);
        yc_str_append(out, ", \"file_name\": ");
        yc_json_string(out, name);
        yc_str_printf(out, ", \"category_id\": %d, \"bbox\": [", category);
        append_rounded(out, x, 3);
        yc_str_append(out, ", ");
        append_rounded(out, y, 3);
        yc_str_append(out, ", ");
        append_rounded(out, w, 3);
        yc_str_append(out, ", ");
        append_rounded(out, h, 3);
        yc_str_append(out, "], \"score\": ");
        append_rounded(out, r[4], 5);
        yc_str_append(out, "}");
    }
    if (out->failed) return yc_err(err, "predictions.json: out of memory");
    return 0;
}

YcPredJson *yc_predjson_open(const char *path, bool coco91, YcErr *err) {
    YcPredJson *w = calloc(1, sizeof *w);
    if (!w) {
        yc_err(err, "%s: out of memory", path);
        return NULL;
    }
    w->coco91 = coco91;
    w->first = true;
    yc_str_init(&w->buf);
    if (yc_atomic_open(&w->file, path, err)) {
        free(w);
        return NULL;
    }
    if (yc_atomic_write(&w->file, "[", 1, err)) {
        yc_atomic_abort(&w->file);
        free(w);
        return NULL;
    }
    return w;
}

int yc_predjson_add(YcPredJson *w, const char *im_file, const float *rows, int n, YcErr *err) {
    yc_str_clear(&w->buf);
    if (yc_predjson_format(&w->buf, &w->first, im_file, rows, n, w->coco91, err)) return -1;
    if (yc_atomic_write(&w->file, w->buf.data ? w->buf.data : "", w->buf.len, err)) return -1;
    w->count += n;
    return 0;
}

long yc_predjson_count(const YcPredJson *w) { return w->count; }

int yc_predjson_close(YcPredJson *w, YcErr *err) {
    int rc = 0;
    if (w->count == 0) { /* as the reference: no detections, no file */
        yc_atomic_abort(&w->file);
    } else {
        rc = yc_atomic_write(&w->file, "]", 1, err);
        if (rc == 0) rc = yc_atomic_commit(&w->file, err);
        else yc_atomic_abort(&w->file);
    }
    yc_str_free(&w->buf);
    free(w);
    return rc;
}

void yc_predjson_abort(YcPredJson *w) {
    if (!w) return;
    yc_atomic_abort(&w->file);
    yc_str_free(&w->buf);
    free(w);
}
