/* The outputs of one request: stream, display_data, update_display_data,
 * execute_result, error, clear_output and status, sent through a publisher
 * (the iopub thread in the kernel; a collector in tests). A silent request
 * publishes no outputs. */
#ifndef YC_KERNEL_OUTPUT_H
#define YC_KERNEL_OUTPUT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Publishes one iopub message; takes ownership of content. parent is the
 * request's header as JSON text (NULL = {}). */
typedef void (*YcPublishFn)(void *ctx, const char *msg_type, const char *parent, cJSON *content);

typedef struct YcPublisher {
    YcPublishFn fn;
    void *ctx;
} YcPublisher;

typedef struct YcOut {
    const YcPublisher *pub;
    const char *parent;        /* borrowed: the request's header */
    bool silent;
    int execution_count;
    int published;             /* outputs sent so far */
} YcOut;

void yc_out_init(YcOut *o, const YcPublisher *pub, const char *parent, bool silent, int execution_count);

/* name: stdout or stderr. */
void yc_out_stream(YcOut *o, const char *name, const char *text);
void yc_out_printf(YcOut *o, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A MIME bundle (data, consumed) with optional metadata (consumed) and
 * display_id; update = update_display_data for that display_id. */
void yc_out_display(YcOut *o, cJSON *data, cJSON *metadata, const char *display_id, bool update);
/* execute_result: data (consumed) must hold text/plain. */
void yc_out_result(YcOut *o, cJSON *data, cJSON *metadata);
/* error: traceback lines (may be NULL/0: then the one line "ename: evalue"). */
void yc_out_error(YcOut *o, const char *ename, const char *evalue, const char *const *traceback, int count);
void yc_out_clear(YcOut *o, bool wait);

/* status busy/idle/starting: published even for silent requests. */
void yc_publish_status(const YcPublisher *pub, const char *parent, const char *state);

/* MIME helpers. */
cJSON *yc_mime_text(const char *plain);
/* text/plain + text/html. */
cJSON *yc_mime_text_html(const char *plain, const char *html);
/* A PNG or JPEG image: data {image/png|image/jpeg: base64, text/plain: alt},
 * metadata {mime: {width, height}} when the size can be read. Returns -1 if
 * the bytes are neither. */
int yc_mime_image(const void *bytes, size_t size, const char *alt, cJSON **data, cJSON **metadata);

/* Appends text with &, <, >, " escaped. */
struct YcStr;
void yc_html_escape(struct YcStr *out, const char *text);

#endif
