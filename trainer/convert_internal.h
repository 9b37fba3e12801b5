/* Helpers shared by the VOC and COCO importers (internal). */
#ifndef YC_CONVERT_INTERNAL_H
#define YC_CONVERT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "convert.h"
#include "strbuf.h"

/* Adds one problem line to the report (printf-style). */
void yc_convert_note(YcConvertReport *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies a file (temporary name, then rename). */
int yc_convert_copy(const char *src, const char *dst, YcErr *err);

/* Appends a label row "class cx cy w h" (normalised, %.8g). */
void yc_convert_row(YcStr *s, int cls, double cx, double cy, double w, double h);

/* Writes the dataset YAML for dst (path relative to the YAML when dst lies
 * under its directory), listing the splits present under dst/images. */
int yc_convert_write_yaml(const char *yaml, const char *dst, char *const *names, int nc, const char *source,
                          YcConvertReport *r, YcErr *err);

/* The default YAML path: <dst without trailing slashes>.yaml. */
void yc_convert_default_yaml(const char *dst, char *out, size_t cap);

/* Splits a comma-separated list (trimmed entries); caller frees. */
int yc_convert_split_list(const char *text, char ***items, int *count, YcErr *err);

/* The file name without directory and extension. */
void yc_convert_stem(const char *path, char *out, size_t cap);

void yc_convert_record_split(YcConvertReport *r, const char *split, int images);

#endif
