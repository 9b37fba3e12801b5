/* One image + label file check (see label_check.h for the rules). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fileio.h"
#include "image.h"
#include "image_png.h"
#include "label_check.h"

/* Python's whitespace for str.split() and str.strip() (ASCII part). */
static bool py_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1f);
}

/* Python's line boundaries for str.splitlines() (ASCII part); \r\n counts once. */
static size_t line_break(const char *p, const char *end) {
    unsigned char c = (unsigned char)*p;
    if (c == '\r') return p + 1 < end && p[1] == '\n' ? 2 : 1;
    if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) return 1;
    return 0;
}

/* Python's float() grammar: decimal numbers (underscores between digits),
 * exponents, inf/infinity/nan with a sign; no hexadecimal. */
static int py_float(const char *tok, size_t len, double *out) {
    char buf[128];
    if (len == 0 || len >= sizeof buf) return -1;
    size_t i = 0, o = 0;
    if (tok[i] == '+' || tok[i] == '-') buf[o++] = tok[i++];
    const char *rest = tok + i;
    size_t rest_len = len - i;
    const char *words[] = {"inf", "infinity", "nan"};
    for (int w = 0; w < 3; w++)
        if (rest_len == strlen(words[w]) && strncasecmp(rest, words[w], rest_len) == 0) {
            memcpy(buf + o, rest, rest_len);
            buf[o + rest_len] = '\0';
            *out = strtod(buf, NULL);
            return 0;
        }
    int digits = 0, state = 0; /* 0 integer part, 1 fraction, 2 exponent */
    bool prev_digit = false, exp_digits = false;
    for (; i < len; i++) {
        char c = tok[i];
        if (c >= '0' && c <= '9') {
            buf[o++] = c;
            prev_digit = true;
            if (state == 2) exp_digits = true;
            else digits++;
        } else if (c == '_') {
            if (!prev_digit || i + 1 >= len || tok[i + 1] < '0' || tok[i + 1] > '9') return -1;
            prev_digit = false;
        } else if (c == '.' && state == 0) {
            buf[o++] = c;
            state = 1;
            prev_digit = false;
        } else if ((c == 'e' || c == 'E') && state < 2 && digits > 0) {
            buf[o++] = c;
            state = 2;
            prev_digit = false;
            if (i + 1 < len && (tok[i + 1] == '+' || tok[i + 1] == '-')) buf[o++] = tok[++i];
        } else {
            return -1;
        }
    }
    if (digits == 0 || (state == 2 && !exp_digits)) return -1;
    buf[o] = '\0';
    errno = 0;
    *out = strtod(buf, NULL);
    return 0;
}

typedef struct Token {
    const char *p;
    size_t len;
} Token;

static int cmp_rows(const float *a, const float *b) {
    for (int k = 0; k < 5; k++) {
        if (a[k] < b[k]) return -1;
        if (a[k] > b[k]) return 1;
    }
    return 0;
}

/* Stable merge sort of row indices by row value (for the duplicate check). */
static void sort_rows(const float *rows, int *idx, int *tmp, int n) {
    if (n < 2) return;
    int h = n / 2;
    sort_rows(rows, idx, tmp, h);
    sort_rows(rows, idx + h, tmp, n - h);
    int a = 0, b = h, o = 0;
    while (a < h && b < n) tmp[o++] = cmp_rows(rows + 5 * idx[b], rows + 5 * idx[a]) < 0 ? idx[b++] : idx[a++];
    while (a < h) tmp[o++] = idx[a++];
    while (b < n) tmp[o++] = idx[b++];
    memcpy(idx, tmp, sizeof(int) * (size_t)n);
}

static void list_values(char *out, size_t cap, const float *v, int n, bool (*pick)(float)) {
    size_t o = 0;
    o += (size_t)snprintf(out + o, cap - o, "[");
    int shown = 0;
    for (int i = 0; i < n && o + 24 < cap; i++) {
        if (!pick(v[i])) continue;
        if (shown == 8) {
            o += (size_t)snprintf(out + o, cap - o, " ...");
            break;
        }
        o += (size_t)snprintf(out + o, cap - o, "%s%g", shown ? " " : "", v[i]);
        shown++;
    }
    snprintf(out + o, cap - o, "]");
}

static bool too_big(float v) { return !(v <= 1.01f); }
static bool too_small(float v) { return !(v >= -0.01f); }

int yc_parse_label_text(const char *text, size_t size, int nc, bool single_cls, float **rows_out, int *count_out,
                        int *duplicates_out, char *reason, size_t reason_cap) {
    *rows_out = NULL;
    *count_out = 0;
    *duplicates_out = 0;
    const char *start = text, *end = text + size;
    while (start < end && py_space((unsigned char)*start)) start++;
    while (end > start && py_space((unsigned char)end[-1])) end--;
    if (start == end) return 0; /* empty: a background image */

    /* tokenise: rows of tokens, lines of zero length skipped */
    int nrows = 0, cap_rows = 64, ntok = 0, cap_tok = 512;
    int *row_start = malloc(sizeof(int) * (size_t)(cap_rows + 1));
    Token *toks = malloc(sizeof(Token) * (size_t)cap_tok);
    float *rows = NULL;
    int rc = -1;
    if (!row_start || !toks) {
        snprintf(reason, reason_cap, "out of memory");
        goto done;
    }
    for (const char *p = start; p < end;) {
        const char *q = p;
        while (q < end && !line_break(q, end)) q++;
        if (q > p) { /* a line with characters (maybe only spaces: an empty row, as Python splits it) */
            if (nrows == cap_rows) {
                cap_rows *= 2;
                int *g = realloc(row_start, sizeof(int) * (size_t)(cap_rows + 1));
                if (!g) {
                    snprintf(reason, reason_cap, "out of memory");
                    goto done;
                }
                row_start = g;
            }
            row_start[nrows++] = ntok;
            for (const char *t = p; t < q;) {
                while (t < q && py_space((unsigned char)*t)) t++;
                if (t >= q) break;
                const char *s = t;
                while (t < q && !py_space((unsigned char)*t)) t++;
                if (ntok == cap_tok) {
                    cap_tok *= 2;
                    Token *g = realloc(toks, sizeof(Token) * (size_t)cap_tok);
                    if (!g) {
                        snprintf(reason, reason_cap, "out of memory");
                        goto done;
                    }
                    toks = g;
                }
                toks[ntok].p = s;
                toks[ntok].len = (size_t)(t - s);
                ntok++;
            }
        }
        p = q < end ? q + line_break(q, end) : q;
    }
    row_start[nrows] = ntok;

    bool polygons = false;
    for (int r = 0; r < nrows; r++)
        if (row_start[r + 1] - row_start[r] > 6) polygons = true;
    rows = malloc(sizeof(float) * 5 * (size_t)(nrows > 0 ? nrows : 1));
    if (!rows) {
        snprintf(reason, reason_cap, "out of memory");
        goto done;
    }
    for (int r = 0; r < nrows; r++) {
        int n = row_start[r + 1] - row_start[r];
        Token *t = toks + row_start[r];
        if (!polygons && n != row_start[1] - row_start[0]) {
            snprintf(reason, reason_cap, "label rows have different lengths (%d and %d numbers)",
                     row_start[1] - row_start[0], n);
            goto done;
        }
        double v[5];
        if (polygons) {
            if (n < 1) {
                snprintf(reason, reason_cap, "polygon row %d is empty", r + 1);
                goto done;
            }
            double cls;
            if (py_float(t[0].p, t[0].len, &cls)) {
                snprintf(reason, reason_cap, "could not convert string to float: '%.*s'", (int)(t[0].len > 40 ? 40 : t[0].len), t[0].p);
                goto done;
            }
            if ((n - 1) % 2 != 0 || n - 1 == 0) {
                snprintf(reason, reason_cap, "polygon row %d has %s coordinates", r + 1, n - 1 ? "an odd number of" : "no");
                goto done;
            }
            float x1 = INFINITY, y1 = INFINITY, x2 = -INFINITY, y2 = -INFINITY;
            bool has_nan = false;
            for (int k = 1; k < n; k++) {
                double d;
                if (py_float(t[k].p, t[k].len, &d)) {
                    snprintf(reason, reason_cap, "could not convert string to float: '%.*s'", (int)(t[k].len > 40 ? 40 : t[k].len), t[k].p);
                    goto done;
                }
                float f = (float)d;
                if (isnan(f)) has_nan = true;
                if (k % 2 == 1) x1 = fminf(x1, f), x2 = fmaxf(x2, f);
                else y1 = fminf(y1, f), y2 = fmaxf(y2, f);
            }
            if (has_nan) x1 = NAN; /* numpy's min/max propagate NaN: the range check below rejects it */
            rows[5 * r] = (float)cls;
            rows[5 * r + 1] = (x1 + x2) / 2;
            rows[5 * r + 2] = (y1 + y2) / 2;
            rows[5 * r + 3] = x2 - x1;
            rows[5 * r + 4] = y2 - y1;
            continue;
        }
        if (n != 5) {
            /* numbers are converted before the column count is checked */
            for (int k = 0; k < n; k++) {
                double d;
                if (py_float(t[k].p, t[k].len, &d)) {
                    snprintf(reason, reason_cap, "could not convert string to float: '%.*s'", (int)(t[k].len > 40 ? 40 : t[k].len), t[k].p);
                    goto done;
                }
            }
            continue; /* reported after all rows parse */
        }
        for (int k = 0; k < 5; k++) {
            if (py_float(t[k].p, t[k].len, &v[k])) {
                snprintf(reason, reason_cap, "could not convert string to float: '%.*s'", (int)(t[k].len > 40 ? 40 : t[k].len), t[k].p);
                goto done;
            }
            rows[5 * r + k] = (float)v[k];
        }
    }
    if (!polygons && row_start[1] - row_start[0] != 5) {
        snprintf(reason, reason_cap, "labels require 5 columns, %d columns detected", row_start[1] - row_start[0]);
        goto done;
    }

    /* range checks over all rows (NaN fails them, as numpy's max/min propagate it) */
    float max_pt = -INFINITY, min_all = INFINITY, max_cls = -INFINITY;
    bool nan_pt = false, nan_all = false;
    for (int r = 0; r < nrows; r++) {
        for (int k = 0; k < 5; k++) {
            float f = rows[5 * r + k];
            if (isnan(f)) nan_all = true, nan_pt = nan_pt || k > 0;
            if (k > 0 && f > max_pt) max_pt = f;
            if (f < min_all) min_all = f;
        }
        if (rows[5 * r] > max_cls || isnan(rows[5 * r])) max_cls = rows[5 * r];
    }
    if (nan_pt || !(max_pt <= 1.01f)) {
        float pts[4 * 64];
        int np_ = 0;
        for (int r = 0; r < nrows && np_ < 4 * 64 - 4; r++)
            for (int k = 1; k < 5; k++) pts[np_++] = rows[5 * r + k];
        char vals[200];
        list_values(vals, sizeof vals, pts, np_, too_big);
        snprintf(reason, reason_cap, "non-normalized or out of bounds coordinates %s", vals);
        goto done;
    }
    if (nan_all || !(min_all >= -0.01f)) {
        char vals[200];
        list_values(vals, sizeof vals, rows, nrows * 5 < 320 ? nrows * 5 : 320, too_small);
        snprintf(reason, reason_cap, "negative class labels or coordinate %s", vals);
        goto done;
    }
    if (!single_cls && !(max_cls < (float)nc)) {
        snprintf(reason, reason_cap, "Label class %d exceeds dataset class count %d. Possible class labels are 0-%d",
                 (int)max_cls, nc, nc - 1);
        goto done;
    }

    /* duplicates: keep the first of each, in sorted order (numpy's unique) */
    int *idx = malloc(sizeof(int) * 2 * (size_t)nrows);
    if (!idx) {
        snprintf(reason, reason_cap, "out of memory");
        goto done;
    }
    for (int r = 0; r < nrows; r++) idx[r] = r;
    sort_rows(rows, idx, idx + nrows, nrows);
    int unique = 0;
    for (int r = 0; r < nrows; r++)
        if (r == 0 || cmp_rows(rows + 5 * idx[r], rows + 5 * idx[unique - 1]) != 0) idx[unique++] = idx[r];
    if (unique < nrows) {
        float *kept = malloc(sizeof(float) * 5 * (size_t)unique);
        if (!kept) {
            free(idx);
            snprintf(reason, reason_cap, "out of memory");
            goto done;
        }
        for (int r = 0; r < unique; r++) memcpy(kept + 5 * r, rows + 5 * idx[r], sizeof(float) * 5);
        free(rows);
        rows = kept;
        *duplicates_out = nrows - unique;
    }
    free(idx);
    *rows_out = rows;
    *count_out = unique;
    rows = NULL;
    rc = 0;
done:
    free(rows);
    free(row_start);
    free(toks);
    return rc;
}

void yc_label_check_free(YcLabelCheck *c) {
    if (!c) return;
    free(c->rows);
    c->rows = NULL;
    c->count = 0;
}

/* The image half: readable, supported, big enough; JPEGs end properly. */
static int check_image(const char *path, YcLabelCheck *out, char *reason, size_t cap) {
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(reason, cap, "%s", strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(reason, cap, "not a regular file");
        return -1;
    }
    if (st.st_size > YC_IMAGE_MAX_FILE_BYTES) {
        snprintf(reason, cap, "image file too large (%lld bytes)", (long long)st.st_size);
        return -1;
    }
    char *data = NULL;
    size_t size = 0;
    YcErr err;
    if (yc_read_file(path, &data, &size, &err)) {
        snprintf(reason, cap, "%s", err.msg);
        return -1;
    }
    const uint8_t *bytes = (const uint8_t *)data;
    YcImageInfo info;
    int rc = -1;
    if (yc_image_probe(bytes, size, &info, &err)) {
        snprintf(reason, cap, "%s", err.msg);
        goto done;
    }
    out->h = info.oriented_h;
    out->w = info.oriented_w;
    if (info.oriented_h <= 9 || info.oriented_w <= 9) {
        snprintf(reason, cap, "image size (%d, %d) <10 pixels", info.oriented_h, info.oriented_w);
        goto done;
    }
    if ((long long)info.w * info.h > YC_IMAGE_MAX_PIXELS) {
        snprintf(reason, cap, "image too large (%dx%d pixels, limit %lld)", info.w, info.h, YC_IMAGE_MAX_PIXELS);
        goto done;
    }
    if (info.format == YC_FMT_PNG && yc_png_verify(bytes, size, &err)) {
        snprintf(reason, cap, "%s", err.msg);
        goto done;
    }
    if (info.format == YC_FMT_JPEG && !info.jpeg_complete) {
        /* no end marker: usable only if the whole image decodes without a warning */
        YcImage im;
        if (yc_image_decode(bytes, size, true, &im, &err)) {
            snprintf(reason, cap, "%s", err.msg);
            goto done;
        }
        yc_image_free(&im);
        snprintf(out->message, sizeof out->message, "%s: JPEG has data after its end marker (decodes fully; file left as it is)", path);
    }
    rc = 0;
done:
    free(data);
    return rc;
}

void yc_label_check(const char *image_path, const char *label_path, int nc, bool single_cls, YcLabelCheck *out) {
    memset(out, 0, sizeof *out);
    char reason[400];
    if (check_image(image_path, out, reason, sizeof reason)) {
        out->corrupt = true;
        snprintf(out->message, sizeof out->message, "%s: ignoring corrupt image/label: %s", image_path, reason);
        return;
    }
    struct stat st;
    if (stat(label_path, &st) != 0 || !S_ISREG(st.st_mode)) {
        out->missing = true;
        return;
    }
    out->found = true;
    if (st.st_size > YC_LABEL_MAX_BYTES) {
        out->corrupt = true;
        snprintf(out->message, sizeof out->message, "%s: ignoring corrupt image/label: label file too large (%lld bytes)",
                 image_path, (long long)st.st_size);
        return;
    }
    char *text = NULL;
    size_t size = 0;
    YcErr err;
    if (yc_read_file(label_path, &text, &size, &err)) {
        out->corrupt = true;
        snprintf(out->message, sizeof out->message, "%s: ignoring corrupt image/label: %s", image_path, err.msg);
        return;
    }
    int dups = 0;
    if (yc_parse_label_text(text, size, nc, single_cls, &out->rows, &out->count, &dups, reason, sizeof reason)) {
        out->corrupt = true;
        snprintf(out->message, sizeof out->message, "%s: ignoring corrupt image/label: %s", image_path, reason);
        free(text);
        return;
    }
    free(text);
    out->duplicates = dups;
    if (out->count == 0) out->empty = true;
    if (dups) snprintf(out->message, sizeof out->message, "%s: %d duplicate labels removed", image_path, dups);
}
