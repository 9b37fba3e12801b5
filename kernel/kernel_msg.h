/* Building, signing and sending Jupyter messages over ZeroMQ, and receiving
 * them (frames -> yc_wire_parse). */
#ifndef YC_KERNEL_MSG_H
#define YC_KERNEL_MSG_H

#include <cjson/cJSON.h>
#include <stdatomic.h>

#include "kernel_hmac.h"
#include "kernel_wire.h"

#define YC_PROTOCOL_VERSION "5.5"

/* The kernel's session: one per process. Shared by every thread (the message
 * counter is atomic). */
typedef struct YcSession {
    char id[40];               /* a random UUID */
    char username[64];
    atomic_ulong counter;
} YcSession;

void yc_session_init(YcSession *s);

/* Now as ISO 8601 with microseconds and a time zone: 2024-05-01T12:00:00.123456Z. */
void yc_iso_now(char out[40]);

/* A header for a new message (malloc'd JSON text). */
char *yc_session_header(YcSession *s, const char *msg_type);

/* Signs and sends one message: ids (binary routing ids, or the iopub topic),
 * delimiter, signature, header, parent (JSON text; NULL = {}), metadata (NULL
 * = {}), content. Returns -1 when ZeroMQ refused it (errno set). */
int yc_msg_send(void *socket, YcHmac *hmac, YcSession *s, const YcBlob *ids, int n_ids, const char *msg_type,
                const char *parent, const char *metadata, const cJSON *content);

/* Receives every frame of one multipart message and parses it (see
 * yc_wire_parse). Returns YC_WIRE_OK, another YcWireResult, or -1 when
 * nothing could be received (errno set: EAGAIN with ZMQ_DONTWAIT, ETERM...). */
int yc_msg_recv(void *socket, int flags, YcHmac *hmac, YcReplaySet *replay, YcWireMsg *out, YcErr *err);

/* The iopub topic of a message type: "kernel.<session>.<msg_type>". */
void yc_iopub_topic(const YcSession *s, const char *msg_type, char *out, size_t cap);

#endif
