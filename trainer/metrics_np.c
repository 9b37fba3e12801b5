#include "metrics_np.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yc_np_linspace(double start, double stop, int n, double *x) {
    if (n <= 0) return;
    if (n == 1) {
        x[0] = start;
        return;
    }
    double step = (stop - start) / (double)(n - 1);
    for (int i = 0; i < n; i++) x[i] = (double)i * step + start;
    x[n - 1] = stop;
}

/* The last j with xp[j] <= x, -1 when x < xp[0], n when x > xp[n-1]. */
static int last_not_above(double x, const double *xp, int n) {
    if (x > xp[n - 1]) return n;
    if (x < xp[0]) return -1;
    int lo = 0, hi = n; /* first index with xp > x lies in [lo, hi] */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (x >= xp[mid]) lo = mid + 1;
        else hi = mid;
    }
    return lo - 1;
}

double yc_np_interp(double x, const double *xp, const double *fp, int n, double left, double right) {
    if (isnan(x)) return x;
    int j = last_not_above(x, xp, n);
    if (j == -1) return left;
    if (j == n) return right;
    if (j == n - 1) return fp[j];
    if (xp[j] == x) return fp[j];
    double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    double y = slope * (x - xp[j]) + fp[j];
    if (isnan(y)) {
        y = slope * (x - xp[j + 1]) + fp[j + 1];
        if (isnan(y) && fp[j] == fp[j + 1]) y = fp[j];
    }
    return y;
}

/* Blocks of 8 partial sums up to 128 elements, halves above (numpy's pairwise_sum). */
static double pairwise(const double *a, size_t n, size_t stride) {
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++) res += a[i * stride];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[(size_t)j * stride];
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[(i + (size_t)j) * stride];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i * stride];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise(a, n2, stride) + pairwise(a + n2 * stride, n - n2, stride);
}

double yc_np_sum(const double *a, size_t n, size_t stride) { return 0. + pairwise(a, n, stride); }

double yc_np_trapezoid(const double *y, const double *x, int n) {
    if (n < 2) return 0.;
    double stack[1024];
    double *terms = n - 1 <= 1024 ? NULL : malloc((size_t)(n - 1) * sizeof(double));
    double *t = n - 1 <= 1024 ? stack : terms;
    if (!t) return NAN;
    for (int i = 0; i < n - 1; i++) t[i] = (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
    double s = yc_np_sum(t, (size_t)(n - 1), 1);
    free(terms);
    return s;
}

void yc_np_smooth(const double *y, int n, double f, double *out) {
    /* round() in Python is half-to-even: nearbyint in the default rounding mode */
    int nf = (int)((long)nearbyint((double)n * f * 2) / 2) + 1; /* odd number of filter taps */
    int half = nf / 2;
    double w = 1.0 / (double)nf;
    for (int k = 0; k < n; k++) {
        double s = 0.;
        for (int i = 0; i < nf; i++) {
            int src = k + i - half;
            double v = src < 0 ? y[0] : src >= n ? y[n - 1] : y[src];
            s += v * w;
        }
        out[k] = s;
    }
}

int yc_np_argmax(const double *y, int n) {
    int best = 0;
    for (int i = 0; i < n; i++) {
        if (isnan(y[i])) return i;
        if (y[i] > y[best]) best = i;
    }
    return best;
}

void yc_repr_double(double v, char *buf, size_t cap) {
    if (isnan(v)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, v < 0 ? "-inf" : "inf");
        return;
    }
    char e[40];
    int p = 0;
    for (p = 0; p < 17; p++) { /* p digits after the first */
        snprintf(e, sizeof e, "%.*e", p, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e = [-]d[.ddd]e[+-]XX: collect the digits and the decimal exponent */
    const char *s = e;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    char digits[24];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') digits[nd++] = *s;
    int exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = '\0';
    int decpt = exp10 + 1;
    char out[48];
    size_t o = 0;
    if (neg) out[o++] = '-';
    if (v == 0) { /* 0.0 or -0.0 */
        snprintf(out + o, sizeof out - o, "0.0");
    } else if (decpt <= -4 || decpt > 16) {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int i = 1; i < nd; i++) out[o++] = digits[i];
        }
        snprintf(out + o, sizeof out - o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (decpt <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -decpt; i++) out[o++] = '0';
        for (int i = 0; i < nd; i++) out[o++] = digits[i];
        out[o] = '\0';
    } else if (decpt >= nd) {
        for (int i = 0; i < nd; i++) out[o++] = digits[i];
        for (int i = nd; i < decpt; i++) out[o++] = '0';
        out[o++] = '.';
        out[o++] = '0';
        out[o] = '\0';
    } else {
        for (int i = 0; i < decpt; i++) out[o++] = digits[i];
        out[o++] = '.';
        for (int i = decpt; i < nd; i++) out[o++] = digits[i];
        out[o] = '\0';
    }
    snprintf(buf, cap, "%s", out);
}

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
void yc_json_string(YcStr *out, const char *text) {
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

