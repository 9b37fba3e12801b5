/* A growable text buffer for building output (tables, YAML, JSON, help). */
#ifndef YC_STRBUF_H
#define YC_STRBUF_H

#include <stddef.h>

typedef struct YcStr {
    char *data;   /* always NUL-terminated once anything is appended */
    size_t len;
    size_t cap;
    int failed;   /* set when an allocation failed; further appends are ignored */
} YcStr;

void yc_str_init(YcStr *s);
void yc_str_free(YcStr *s);
void yc_str_clear(YcStr *s);
void yc_str_append(YcStr *s, const char *text);
void yc_str_append_n(YcStr *s, const char *text, size_t n);
void yc_str_printf(YcStr *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text ("" when empty). */
const char *yc_str_cstr(const YcStr *s);

#endif
