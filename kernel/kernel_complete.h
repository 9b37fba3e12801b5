/* complete_request: command names, argument names (from the argument table,
 * with "="), values of enums and booleans, file paths for file arguments,
 * plot kinds, job ids and run names. Cursor positions are Unicode code points. */
#ifndef YC_KERNEL_COMPLETE_H
#define YC_KERNEL_COMPLETE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "kernel_jobs.h"

/* The content of a complete_reply; jobs may be NULL. */
cJSON *yc_complete_reply(const cJSON *request, const YcJobs *jobs);

/* Byte offset of a code-point position in UTF-8 text (clamped to the text). */
size_t yc_utf8_offset(const char *text, size_t len, long code_points);
/* Code points in the first bytes of text. */
long yc_utf8_count(const char *text, size_t bytes);

#endif
