#include "kernel_heartbeat.h"

#include <errno.h>
#include <stdio.h>
#include <zmq.h>

#define HB_INPROC "inproc://yoloc-heartbeat-control"

static void *hb_main(void *arg) {
    YcHeartbeat *hb = arg;
    /* Returns when told TERMINATE (or when the context ends). */
    while (zmq_proxy_steerable(hb->rep, hb->rep, NULL, hb->control) < 0 && errno == EINTR) {
    }
    int linger = 0;
    zmq_setsockopt(hb->rep, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(hb->rep);
    zmq_close(hb->control);
    return NULL;
}

int yc_heartbeat_start(YcHeartbeat *hb, void *zctx, void *rep, YcErr *err) {
    hb->rep = rep;
    hb->control = zmq_socket(zctx, ZMQ_PAIR);
    hb->stopper = zmq_socket(zctx, ZMQ_PAIR);
    if (!hb->control || !hb->stopper || zmq_bind(hb->control, HB_INPROC) || zmq_connect(hb->stopper, HB_INPROC))
        return yc_err(err, "heartbeat: cannot create the control pair: %s", zmq_strerror(errno));
    if (pthread_create(&hb->thread, NULL, hb_main, hb)) return yc_err(err, "heartbeat: cannot start the thread");
    hb->started = 1;
    return 0;
}

void yc_heartbeat_stop(YcHeartbeat *hb) {
    if (!hb->started) return;
    zmq_send(hb->stopper, "TERMINATE", 9, 0);
    pthread_join(hb->thread, NULL);
    int linger = 0;
    zmq_setsockopt(hb->stopper, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(hb->stopper);
    hb->started = 0;
}
