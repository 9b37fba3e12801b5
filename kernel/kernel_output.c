#include "kernel_output.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "strbuf.h"

void yc_out_init(YcOut *o, const YcPublisher *pub, const char *parent, bool silent, int execution_count) {
    o->pub = pub;
    o->parent = parent;
    o->silent = silent;
    o->execution_count = execution_count;
    o->published = 0;
}

static void publish(YcOut *o, const char *type, cJSON *content) {
    if (o->silent || !o->pub) {
        cJSON_Delete(content);
        return;
    }
    o->published++;
    o->pub->fn(o->pub->ctx, type, o->parent, content);
}

void yc_out_stream(YcOut *o, const char *name, const char *text) {
    if (!text || !*text) return;
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "text", text);
    publish(o, "stream", c);
}

void yc_out_printf(YcOut *o, const char *name, const char *fmt, ...) {
    YcStr s;
    yc_str_init(&s);
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= 0 && (size_t)n < sizeof small) {
        yc_str_append(&s, small);
    } else if (n >= 0) {
        char *big = malloc((size_t)n + 1);
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            yc_str_append(&s, big);
            free(big);
        }
    }
    va_end(ap2);
    va_end(ap);
    yc_out_stream(o, name, yc_str_cstr(&s));
    yc_str_free(&s);
}

void yc_out_display(YcOut *o, cJSON *data, cJSON *metadata, const char *display_id, bool update) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToObject(c, "data", data ? data : cJSON_CreateObject());
    cJSON_AddItemToObject(c, "metadata", metadata ? metadata : cJSON_CreateObject());
    cJSON *transient = cJSON_AddObjectToObject(c, "transient");
    if (display_id) cJSON_AddStringToObject(transient, "display_id", display_id);
    publish(o, update ? "update_display_data" : "display_data", c);
}

void yc_out_result(YcOut *o, cJSON *data, cJSON *metadata) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "execution_count", o->execution_count);
    cJSON_AddItemToObject(c, "data", data ? data : yc_mime_text(""));
    cJSON_AddItemToObject(c, "metadata", metadata ? metadata : cJSON_CreateObject());
    publish(o, "execute_result", c);
}

void yc_out_error(YcOut *o, const char *ename, const char *evalue, const char *const *traceback, int count) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "ename", ename);
    cJSON_AddStringToObject(c, "evalue", evalue);
    cJSON *tb = cJSON_AddArrayToObject(c, "traceback");
    if (count > 0) {
        for (int i = 0; i < count; i++) cJSON_AddItemToArray(tb, cJSON_CreateString(traceback[i]));
    } else {
        YcStr line;
        yc_str_init(&line);
        /* red name, as Jupyter front ends colour tracebacks */
        yc_str_printf(&line, "\x1b[0;31m%s\x1b[0m: %s", ename, evalue);
        cJSON_AddItemToArray(tb, cJSON_CreateString(yc_str_cstr(&line)));
        yc_str_free(&line);
    }
    publish(o, "error", c);
}

void yc_out_clear(YcOut *o, bool wait) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddBoolToObject(c, "wait", wait);
    publish(o, "clear_output", c);
}

void yc_publish_status(const YcPublisher *pub, const char *parent, const char *state) {
    if (!pub) return;
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "execution_state", state);
    pub->fn(pub->ctx, "status", parent, c);
}

cJSON *yc_mime_text(const char *plain) {
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "text/plain", plain ? plain : "");
    return d;
}

cJSON *yc_mime_text_html(const char *plain, const char *html) {
    cJSON *d = yc_mime_text(plain);
    cJSON_AddStringToObject(d, "text/html", html ? html : "");
    return d;
}

int yc_mime_image(const void *bytes, size_t size, const char *alt, cJSON **data, cJSON **metadata) {
    *data = *metadata = NULL;
    YcImageInfo info; /* the data pipeline's header reader: size as stored */
    YcErr err;
    if (yc_image_probe(bytes, size, &info, &err)) return -1;
    const char *mime = info.format == YC_FMT_PNG ? "image/png" : info.format == YC_FMT_JPEG ? "image/jpeg" : NULL;
    if (!mime) return -1; /* what notebooks show inline */
    size_t b64_cap = 4 * ((size + 2) / 3) + 1;
    char *b64 = malloc(b64_cap);
    if (!b64) return -1;
    EVP_EncodeBlock((unsigned char *)b64, bytes, (int)size);
    *data = cJSON_CreateObject();
    cJSON_AddStringToObject(*data, mime, b64);
    free(b64);
    char plain[256];
    snprintf(plain, sizeof plain, "<%s, %dx%d>", alt ? alt : "image", info.w, info.h);
    cJSON_AddStringToObject(*data, "text/plain", plain);
    *metadata = cJSON_CreateObject();
    cJSON *m = cJSON_AddObjectToObject(*metadata, mime);
    cJSON_AddNumberToObject(m, "width", info.w);
    cJSON_AddNumberToObject(m, "height", info.h);
    return 0;
}

void yc_html_escape(YcStr *out, const char *text) {
    for (const char *p = text; p && *p; p++) {
        switch (*p) {
        case '&': yc_str_append(out, "&amp;"); break;
        case '<': yc_str_append(out, "&lt;"); break;
        case '>': yc_str_append(out, "&gt;"); break;
        case '"': yc_str_append(out, "&quot;"); break;
        default: yc_str_append_n(out, p, 1);
        }
    }
}
