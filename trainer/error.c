#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int yc_err(YcErr *err, const char *fmt, ...) {
    if (!err) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int yc_err_errno(YcErr *err, const char *fmt, ...) {
    int saved = errno;
    if (!err) return -1;
    char context[YC_ERR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    snprintf(err->msg, sizeof err->msg, "%s: %s", context, strerror(saved));
    return -1;
}

int yc_err_prefix(YcErr *err, const char *fmt, ...) {
    if (!err) return -1;
    char context[YC_ERR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    char old[YC_ERR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", context, old);
    return -1;
}

void yc_err_clear(YcErr *err) {
    if (err) err->msg[0] = '\0';
}
