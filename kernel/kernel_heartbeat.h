/* The heartbeat: a REP socket that echoes every message, on its own thread
 * (zmq_proxy_steerable from the socket to itself) so that a busy kernel never
 * looks dead. */
#ifndef YC_KERNEL_HEARTBEAT_H
#define YC_KERNEL_HEARTBEAT_H

#include <pthread.h>

#include "error.h"

typedef struct YcHeartbeat {
    pthread_t thread;
    void *rep;       /* bound to hb_port; the thread owns it */
    void *control;   /* the proxy's control socket (PAIR), thread side */
    void *stopper;   /* the other end, used by yc_heartbeat_stop */
    int started;
} YcHeartbeat;

int yc_heartbeat_start(YcHeartbeat *hb, void *zctx, void *rep, YcErr *err);
void yc_heartbeat_stop(YcHeartbeat *hb);

#endif
