#include "relay.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "strbuf.h"

struct CliRelay {
    void *ctx;
    void *push;
    pthread_mutex_t lock;
    long dropped;
};

CliRelay *cli_relay_open(const char *endpoint, YcErr *err) {
    CliRelay *r = calloc(1, sizeof *r);
    if (!r) {
        yc_err(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->ctx = zmq_ctx_new();
    r->push = r->ctx ? zmq_socket(r->ctx, ZMQ_PUSH) : NULL;
    int hwm = CLI_RELAY_QUEUE, linger = CLI_RELAY_LINGER_MS;
    if (!r->push || zmq_setsockopt(r->push, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(r->push, ZMQ_LINGER, &linger, sizeof linger) || zmq_connect(r->push, endpoint)) {
        yc_err(err, "YOLOC_EVENTS=%s: cannot connect: %s", endpoint, zmq_strerror(errno));
        if (r->push) {
            linger = 0;
            zmq_setsockopt(r->push, ZMQ_LINGER, &linger, sizeof linger);
            zmq_close(r->push);
        }
        if (r->ctx) zmq_ctx_term(r->ctx);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

int cli_relay_open_env(CliRelay **out, YcErr *err) {
    *out = NULL;
    const char *endpoint = getenv("YOLOC_EVENTS");
    if (!endpoint || !*endpoint) return 0;
    *out = cli_relay_open(endpoint, err);
    return *out ? 0 : -1;
}

static int is_last_event(YcEventType t) {
    return t == YC_EVENT_FINISHED || t == YC_EVENT_FAILED || t == YC_EVENT_INTERRUPTED;
}

void cli_relay_event(const YcEvent *event, void *user) {
    CliRelay *r = user;
    if (!r) return;
    YcStr json;
    yc_str_init(&json);
    yc_event_to_json(event, &json);
    if (json.failed || json.len == 0) {
        yc_str_free(&json);
        return;
    }
    pthread_mutex_lock(&r->lock);
    /* The last event of a run matters most and training is over by then:
     * give a full queue a second to drain. Any other event is dropped at once. */
    int tries = is_last_event(event->type) ? 100 : 1;
    int sent = 0;
    for (int i = 0; i < tries && !sent; i++) {
        if (zmq_send(r->push, json.data, json.len, ZMQ_DONTWAIT) >= 0) {
            sent = 1;
        } else if (errno == EAGAIN && i + 1 < tries) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        } else if (errno == EINTR) {
            i--; /* a signal (SIGINT asking to stop) is no reason to lose the event */
        }
    }
    if (!sent) r->dropped++;
    pthread_mutex_unlock(&r->lock);
    yc_str_free(&json);
}

long cli_relay_dropped(const CliRelay *r) { return r ? r->dropped : 0; }

void cli_relay_close(CliRelay *r) {
    if (!r) return;
    zmq_close(r->push);     /* keeps the queue for up to the linger time */
    /* returns when the queue is sent or the linger time is over */
    while (zmq_ctx_term(r->ctx) < 0 && errno == EINTR) {
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}
