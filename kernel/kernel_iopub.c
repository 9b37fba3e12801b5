#include "kernel_iopub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define STOP_WORD "STOP"

/* Forwards one multipart message from the feeder pipe to XPUB; returns 1 for
 * the stop word, 0 otherwise, -1 when nothing was there. */
static int forward_one(YcIopubThread *t, int flags) {
    int first = 1, more = 1, is_stop = 0;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, t->pull, first ? flags : 0) < 0) {
            zmq_msg_close(&m);
            if (errno == EINTR && first) continue;
            return first ? -1 : 0;
        }
        more = zmq_msg_more(&m);
        if (first && !more && zmq_msg_size(&m) == sizeof STOP_WORD - 1 &&
            memcmp(zmq_msg_data(&m), STOP_WORD, sizeof STOP_WORD - 1) == 0) {
            is_stop = 1;
            zmq_msg_close(&m);
            break;
        }
        first = 0;
        /* XPUB drops when a subscriber's queue is full: never blocks */
        if (zmq_msg_send(&m, t->xpub, more ? ZMQ_SNDMORE : 0) < 0) zmq_msg_close(&m);
    }
    return is_stop;
}

static void send_welcome(YcIopubThread *t, YcHmac *hmac, const unsigned char *topic, size_t len) {
    cJSON *content = cJSON_CreateObject();
    char *sub = strndup((const char *)topic, len);
    cJSON_AddStringToObject(content, "subscription", sub ? sub : "");
    free(sub);
    char fallback[128];
    YcBlob id;
    if (len) {
        id = (YcBlob){(unsigned char *)topic, len};
    } else {
        yc_iopub_topic(&t->shared->session, "iopub_welcome", fallback, sizeof fallback);
        id = (YcBlob){(unsigned char *)fallback, strlen(fallback)};
    }
    yc_msg_send(t->xpub, hmac, &t->shared->session, &id, 1, "iopub_welcome", NULL, NULL, content);
    cJSON_Delete(content);
}

static void handle_subscription(YcIopubThread *t, YcHmac *hmac) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, t->xpub, ZMQ_DONTWAIT) >= 0) {
        const unsigned char *d = zmq_msg_data(&m);
        size_t n = zmq_msg_size(&m);
        if (n >= 1 && d[0] == 1) send_welcome(t, hmac, d + 1, n - 1);
    }
    zmq_msg_close(&m);
}

static void *iopub_main(void *arg) {
    YcIopubThread *t = arg;
    YcHmac hmac;
    YcErr err;
    if (yc_hmac_init(&hmac, t->shared->conn->key, t->shared->conn->key_len, &err)) {
        fprintf(stderr, "yoloc-kernel: iopub: %s\n", err.msg);
        hmac.mac_ctx = NULL;
    }
    for (;;) {
        zmq_pollitem_t items[2] = {{t->pull, 0, ZMQ_POLLIN, 0}, {t->xpub, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (items[1].revents & ZMQ_POLLIN) handle_subscription(t, &hmac);
        if (items[0].revents & ZMQ_POLLIN) {
            if (forward_one(t, ZMQ_DONTWAIT) == 1) {
                /* feeders are closed: forward whatever other pipes still hold */
                while (forward_one(t, ZMQ_DONTWAIT) >= 0) {
                }
                break;
            }
        }
    }
    yc_hmac_free(&hmac);
    int linger = 1000; /* let the last messages (idle, shutdown_reply) reach the clients */
    zmq_setsockopt(t->xpub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(t->xpub);
    zmq_close(t->pull);
    return NULL;
}

int yc_iopub_start(YcIopubThread *t, void *zctx, void *xpub, void *pull, YcKernelShared *shared, YcErr *err) {
    t->xpub = xpub;
    t->pull = pull;
    t->shared = shared;
    t->stopper = zmq_socket(zctx, ZMQ_PUSH);
    if (!t->stopper || zmq_connect(t->stopper, YC_IOPUB_INPROC))
        return yc_err(err, "iopub: cannot connect the stop socket: %s", zmq_strerror(errno));
    if (pthread_create(&t->thread, NULL, iopub_main, t)) return yc_err(err, "iopub: cannot start the thread");
    t->started = 1;
    return 0;
}

void yc_iopub_stop(YcIopubThread *t) {
    if (!t->started) return;
    zmq_send(t->stopper, STOP_WORD, sizeof STOP_WORD - 1, 0);
    pthread_join(t->thread, NULL);
    int linger = 0;
    zmq_setsockopt(t->stopper, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(t->stopper);
    t->started = 0;
}

int yc_iopub_sender_open(YcIopubSender *s, void *zctx, YcKernelShared *shared, YcErr *err) {
    memset(s, 0, sizeof *s);
    s->session = &shared->session;
    if (yc_hmac_init(&s->hmac, shared->conn->key, shared->conn->key_len, err)) return -1;
    s->push = zmq_socket(zctx, ZMQ_PUSH);
    int hwm = 0; /* never drop between threads: the XPUB side drops for slow clients */
    if (!s->push || zmq_setsockopt(s->push, ZMQ_SNDHWM, &hwm, sizeof hwm) || zmq_connect(s->push, YC_IOPUB_INPROC)) {
        yc_hmac_free(&s->hmac);
        return yc_err(err, "iopub: cannot connect a feeder: %s", zmq_strerror(errno));
    }
    return 0;
}

void yc_iopub_sender_close(YcIopubSender *s) {
    if (s->push) {
        int linger = -1; /* inproc: everything sent reaches the iopub thread */
        zmq_setsockopt(s->push, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(s->push);
    }
    s->push = NULL;
    yc_hmac_free(&s->hmac);
}
