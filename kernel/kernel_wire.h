/* The Jupyter wire format: [routing ids..., "<IDS|MSG>", signature, header,
 * parent_header, metadata, content, buffers...]. Parsing checks the framing
 * and the signature BEFORE any JSON is parsed, then rejects replays, then
 * parses the four JSON frames. Independent of ZeroMQ, so that it can be
 * fuzzed (tests/fuzz/). Routing ids and buffers are binary. */
#ifndef YC_KERNEL_WIRE_H
#define YC_KERNEL_WIRE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "error.h"
#include "kernel_hmac.h"
#include "kernel_replay.h"

#define YC_WIRE_DELIMITER "<IDS|MSG>"
#define YC_WIRE_MAX_IDS 16

typedef struct YcFrame {
    const void *data;
    size_t size;
} YcFrame;

typedef struct YcBlob {
    unsigned char *data;
    size_t size;
} YcBlob;

typedef struct YcWireMsg {
    int n_ids;
    YcBlob ids[YC_WIRE_MAX_IDS];   /* copies */
    char *header_text;             /* the header frame as received (NUL-terminated copy) */
    cJSON *header, *parent, *metadata, *content;
    const char *msg_type;          /* point into header */
    const char *msg_id;
    int n_buffers;
    YcBlob *buffers;
} YcWireMsg;

typedef enum YcWireResult {
    YC_WIRE_OK = 0,
    YC_WIRE_MALFORMED,      /* framing: no delimiter, too few frames, too many ids */
    YC_WIRE_BAD_SIGNATURE,
    YC_WIRE_REPLAYED,
    YC_WIRE_BAD_JSON,       /* signed correctly but not the JSON a message needs */
    YC_WIRE_NO_MEMORY,
} YcWireResult;

/* Parses one message. hmac NULL or without a key: signatures are not checked;
 * replay NULL: no replay check. On success out owns its data (yc_wire_free);
 * on failure out is empty and err says why (never containing the key). */
YcWireResult yc_wire_parse(const YcFrame *frames, int count, YcHmac *hmac, YcReplaySet *replay, YcWireMsg *out,
                           YcErr *err);
void yc_wire_free(YcWireMsg *m);

/* A string field of the content, or def when absent or not a string. */
const char *yc_msg_str(const cJSON *obj, const char *key, const char *def);
/* A boolean field (true/false, also 0/1 numbers), or def. */
int yc_msg_bool(const cJSON *obj, const char *key, int def);
/* A number field, or def. */
double yc_msg_num(const cJSON *obj, const char *key, double def);
/* An integer field clamped to [min, max] (NaN and non-numbers: def). */
long yc_msg_long(const cJSON *obj, const char *key, long def, long min, long max);

#endif
