#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yc_str_init(YcStr *s) {
    s->data = NULL;
    s->len = 0;
    s->cap = 0;
    s->failed = 0;
}

void yc_str_free(YcStr *s) {
    free(s->data);
    yc_str_init(s);
}

void yc_str_clear(YcStr *s) {
    s->len = 0;
    if (s->data) s->data[0] = '\0';
}

static int reserve(YcStr *s, size_t extra) {
    if (s->failed) return -1;
    if (s->len + extra + 1 <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->len + extra + 1) cap *= 2;
    char *bigger = realloc(s->data, cap);
    if (!bigger) {
        s->failed = 1;
        return -1;
    }
    s->data = bigger;
    s->cap = cap;
    return 0;
}

void yc_str_append_n(YcStr *s, const char *text, size_t n) {
    if (reserve(s, n)) return;
    memcpy(s->data + s->len, text, n);
    s->len += n;
    s->data[s->len] = '\0';
}

void yc_str_append(YcStr *s, const char *text) { yc_str_append_n(s, text, strlen(text)); }

void yc_str_printf(YcStr *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || reserve(s, (size_t)need)) return;
    va_start(ap, fmt);
    vsnprintf(s->data + s->len, (size_t)need + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)need;
}

const char *yc_str_cstr(const YcStr *s) { return s->data ? s->data : ""; }
