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
    YcStr buf;
};

/* Decodes one UTF-8 code point at s (n bytes left); returns its length, or 0 if invalid. */
static int utf8_decode(const unsigned char *s, size_t n, unsigned *cp) {
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int len = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!len || (size_t)len > n) return 0;
    unsigned v = s[0] & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const unsigned min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_for_len[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* A JSON string as Python's json.dumps writes it (ensure_ascii): non-ASCII as
 * \uXXXX (surrogate pairs above U+FFFF), bytes that are not UTF-8 as \udcXX
 * (Python's surrogateescape file names). */
static void json_string(YcStr *out, const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    yc_str_append(out, "\"");
    for (size_t i = 0; i < n;) {
        unsigned cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (!len) {
            yc_str_printf(out, "\\udc%02x", s[i]);
            i++;
            continue;
        }
        i += (size_t)len;
        switch (cp) {
        case '"': yc_str_append(out, "\\\""); break;
        case '\\': yc_str_append(out, "\\\\"); break;
        case '\n': yc_str_append(out, "\\n"); break;
        case '\r': yc_str_append(out, "\\r"); break;
        case '\t': yc_str_append(out, "\\t"); break;
        case '\b': yc_str_append(out, "\\b"); break;
        case '\f': yc_str_append(out, "\\f"); break;
        default:
            if (cp >= 0x20 && cp <= 0x7E) {
                char c = (char)cp;
                yc_str_append_n(out, &c, 1);
            } else if (cp < 0x10000) {
                yc_str_printf(out, "\\u%04x", cp);
            } else {
                unsigned v = cp - 0x10000;
                yc_str_printf(out, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
            }
        }
    }
    yc_str_append(out, "\"");
}

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
    json_string(out, stem);
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
        json_string(out, name);
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
    return yc_atomic_write(&w->file, w->buf.data ? w->buf.data : "", w->buf.len, err);
}

int yc_predjson_close(YcPredJson *w, YcErr *err) {
    int rc = yc_atomic_write(&w->file, "]", 1, err);
    if (rc == 0) rc = yc_atomic_commit(&w->file, err);
    else yc_atomic_abort(&w->file);
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
