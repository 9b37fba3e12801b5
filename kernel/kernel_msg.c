#include "kernel_msg.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <zmq.h>

void yc_session_init(YcSession *s) {
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, s->id);
    const char *user = getenv("USER");
    if (!user || !*user) {
        struct passwd *pw = getpwuid(getuid());
        user = pw ? pw->pw_name : "kernel";
    }
    snprintf(s->username, sizeof s->username, "%s", user);
    atomic_init(&s->counter, 0);
}

void yc_iso_now(char out[40]) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%06ldZ", base, (long)tv.tv_usec);
}

char *yc_session_header(YcSession *s, const char *msg_type) {
    char msg_id[64], date[40];
    unsigned long n = atomic_fetch_add(&s->counter, 1) + 1;
    snprintf(msg_id, sizeof msg_id, "%s_%lu", s->id, n);
    yc_iso_now(date);
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "msg_id", msg_id);
    cJSON_AddStringToObject(h, "session", s->id);
    cJSON_AddStringToObject(h, "username", s->username);
    cJSON_AddStringToObject(h, "date", date);
    cJSON_AddStringToObject(h, "msg_type", msg_type);
    cJSON_AddStringToObject(h, "version", YC_PROTOCOL_VERSION);
    char *text = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    return text;
}

void yc_iopub_topic(const YcSession *s, const char *msg_type, char *out, size_t cap) {
    snprintf(out, cap, "kernel.%s.%s", s->id, msg_type);
}

int yc_msg_send(void *socket, YcHmac *hmac, YcSession *s, const YcBlob *ids, int n_ids, const char *msg_type,
                const char *parent, const char *metadata, const cJSON *content) {
    char *header = yc_session_header(s, msg_type);
    char *body = content ? cJSON_PrintUnformatted(content) : NULL;
    if (!header || (content && !body)) {
        free(header);
        cJSON_free(body);
        errno = ENOMEM;
        return -1;
    }
    const char *json[4] = {header, parent ? parent : "{}", metadata ? metadata : "{}", body ? body : "{}"};
    size_t sizes[4];
    for (int i = 0; i < 4; i++) sizes[i] = strlen(json[i]);
    char sig[YC_HMAC_HEX_LEN + 1] = "";
    int rc = 0;
    if (hmac && yc_hmac_sign(hmac, (const void *const *)json, sizes, 4, sig)) {
        errno = EINVAL;
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < n_ids; i++)
        if (zmq_send(socket, ids[i].data, ids[i].size, ZMQ_SNDMORE) < 0) rc = -1;
    if (rc == 0 && zmq_send(socket, YC_WIRE_DELIMITER, sizeof YC_WIRE_DELIMITER - 1, ZMQ_SNDMORE) < 0) rc = -1;
    if (rc == 0 && zmq_send(socket, sig, strlen(sig), ZMQ_SNDMORE) < 0) rc = -1;
    for (int i = 0; rc == 0 && i < 4; i++)
        if (zmq_send(socket, json[i], sizes[i], i < 3 ? ZMQ_SNDMORE : 0) < 0) rc = -1;
    free(header);
    cJSON_free(body);
    return rc;
}

#define RECV_MAX_FRAMES 64

int yc_msg_recv(void *socket, int flags, YcHmac *hmac, YcReplaySet *replay, YcWireMsg *out, YcErr *err) {
    zmq_msg_t parts[RECV_MAX_FRAMES];
    int n = 0, more = 1, dropped = 0;
    zmq_msg_t scratch;
    while (more) {
        zmq_msg_t *m = n < RECV_MAX_FRAMES ? &parts[n] : &scratch;
        zmq_msg_init(m);
        /* Only the first frame may be non-blocking: the rest of a multipart
         * message is already here once its first frame is. */
        if (zmq_msg_recv(m, socket, n == 0 && !dropped ? flags : 0) < 0) {
            int e = errno;
            zmq_msg_close(m);
            for (int i = 0; i < n; i++) zmq_msg_close(&parts[i]);
            errno = e;
            if (n == 0 && !dropped) return -1;
            yc_err(err, "message cut short");
            memset(out, 0, sizeof *out);
            return YC_WIRE_MALFORMED;
        }
        more = zmq_msg_more(m);
        if (m == &scratch) {
            zmq_msg_close(m);
            dropped = 1;
        } else {
            n++;
        }
    }
    int rc;
    if (dropped) {
        rc = YC_WIRE_MALFORMED;
        yc_err(err, "more than %d frames", RECV_MAX_FRAMES);
        memset(out, 0, sizeof *out);
    } else {
        YcFrame frames[RECV_MAX_FRAMES];
        for (int i = 0; i < n; i++) {
            frames[i].data = zmq_msg_data(&parts[i]);
            frames[i].size = zmq_msg_size(&parts[i]);
        }
        rc = (int)yc_wire_parse(frames, n, hmac, replay, out, err);
    }
    for (int i = 0; i < n; i++) zmq_msg_close(&parts[i]);
    return rc;
}
