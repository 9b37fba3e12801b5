/* Errors returned with context: every fallible call takes a YcErr* and, on
 * failure, fills it with one human-readable line and returns -1. Callers add
 * context by prefixing (yc_err_prefix) and the outermost caller prints it. */
#ifndef YC_ERROR_H
#define YC_ERROR_H

#include <stddef.h>

#define YC_ERR_MSG_MAX 1024

typedef struct YcErr {
    char msg[YC_ERR_MSG_MAX];
} YcErr;

/* Sets the message (printf-style) and returns -1, so `return yc_err(...)`. */
int yc_err(YcErr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the message from errno: "<context>: <strerror(errno)>". Returns -1. */
int yc_err_errno(YcErr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "<context>: " to an existing message. Returns -1. */
int yc_err_prefix(YcErr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void yc_err_clear(YcErr *err);

#endif
