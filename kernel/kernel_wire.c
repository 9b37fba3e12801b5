#include "kernel_wire.h"

#include <stdlib.h>
#include <string.h>

static int blob_copy(YcBlob *dst, const YcFrame *src) {
    dst->size = src->size;
    dst->data = malloc(src->size ? src->size : 1);
    if (!dst->data) return -1;
    if (src->size) memcpy(dst->data, src->data, src->size);
    return 0;
}

static int is_delimiter(const YcFrame *f) {
    size_t n = sizeof YC_WIRE_DELIMITER - 1;
    return f->size == n && memcmp(f->data, YC_WIRE_DELIMITER, n) == 0;
}

static cJSON *parse_object(const YcFrame *f) {
    cJSON *o = cJSON_ParseWithLength(f->data, f->size);
    if (o && !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

void yc_wire_free(YcWireMsg *m) {
    for (int i = 0; i < m->n_ids; i++) free(m->ids[i].data);
    for (int i = 0; i < m->n_buffers; i++) free(m->buffers[i].data);
    free(m->buffers);
    free(m->header_text);
    cJSON_Delete(m->header);
    cJSON_Delete(m->parent);
    cJSON_Delete(m->metadata);
    cJSON_Delete(m->content);
    memset(m, 0, sizeof *m);
}

YcWireResult yc_wire_parse(const YcFrame *frames, int count, YcHmac *hmac, YcReplaySet *replay, YcWireMsg *out,
                           YcErr *err) {
    memset(out, 0, sizeof *out);
    int delim = -1;
    for (int i = 0; i < count; i++)
        if (is_delimiter(&frames[i])) {
            delim = i;
            break;
        }
    if (delim < 0) {
        yc_err(err, "no <IDS|MSG> delimiter in %d frames", count);
        return YC_WIRE_MALFORMED;
    }
    if (delim > YC_WIRE_MAX_IDS) {
        yc_err(err, "%d routing ids (at most %d)", delim, YC_WIRE_MAX_IDS);
        return YC_WIRE_MALFORMED;
    }
    if (count - delim - 1 < 5) {
        yc_err(err, "%d frames after the delimiter (need signature and four JSON frames)", count - delim - 1);
        return YC_WIRE_MALFORMED;
    }
    const YcFrame *sig = &frames[delim + 1];
    const YcFrame *json = &frames[delim + 2];
    const bool keyed = hmac && yc_hmac_enabled(hmac);
    if (keyed) {
        const void *parts[4] = {json[0].data, json[1].data, json[2].data, json[3].data};
        size_t sizes[4] = {json[0].size, json[1].size, json[2].size, json[3].size};
        if (!yc_hmac_verify(hmac, parts, sizes, 4, sig->data, sig->size)) {
            yc_err(err, "bad signature (%zu bytes)", sig->size);
            return YC_WIRE_BAD_SIGNATURE;
        }
        if (replay && !yc_replay_add(replay, sig->data, sig->size)) {
            yc_err(err, "replayed signature");
            return YC_WIRE_REPLAYED;
        }
    }
    out->header = parse_object(&json[0]);
    out->parent = parse_object(&json[1]);
    out->metadata = parse_object(&json[2]);
    out->content = parse_object(&json[3]);
    if (!out->header || !out->parent || !out->metadata || !out->content) {
        yc_wire_free(out);
        yc_err(err, "a JSON frame is not an object");
        return YC_WIRE_BAD_JSON;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(out->header, "msg_type");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(out->header, "msg_id");
    if (!cJSON_IsString(type) || !cJSON_IsString(id)) {
        yc_wire_free(out);
        yc_err(err, "the header has no msg_type or msg_id string");
        return YC_WIRE_BAD_JSON;
    }
    out->msg_type = type->valuestring;
    out->msg_id = id->valuestring;
    out->header_text = malloc(json[0].size + 1);
    if (!out->header_text) goto no_memory;
    memcpy(out->header_text, json[0].data, json[0].size);
    out->header_text[json[0].size] = '\0';
    for (int i = 0; i < delim; i++) {
        if (blob_copy(&out->ids[i], &frames[i])) goto no_memory;
        out->n_ids++;
    }
    int nbuf = count - delim - 6;
    if (nbuf > 0) {
        out->buffers = calloc((size_t)nbuf, sizeof *out->buffers);
        if (!out->buffers) goto no_memory;
        for (int i = 0; i < nbuf; i++) {
            if (blob_copy(&out->buffers[i], &frames[delim + 6 + i])) goto no_memory;
            out->n_buffers++;
        }
    }
    return YC_WIRE_OK;
no_memory:
    yc_wire_free(out);
    yc_err(err, "out of memory");
    return YC_WIRE_NO_MEMORY;
}

const char *yc_msg_str(const cJSON *obj, const char *key, const char *def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : def;
}

int yc_msg_bool(const cJSON *obj, const char *key, int def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
    if (cJSON_IsNumber(v)) return v->valuedouble != 0;
    return def;
}

double yc_msg_num(const cJSON *obj, const char *key, double def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

long yc_msg_long(const cJSON *obj, const char *key, long def, long min, long max) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble) return def;
    double d = v->valuedouble;
    if (d <= (double)min) return min;
    if (d >= (double)max) return max;
    return (long)d;
}
