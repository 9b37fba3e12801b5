/* The iopub thread: the one owner of the iopub XPUB socket. Other threads
 * feed it signed messages through inproc PUSH sockets (YcIopubSender); it
 * forwards them in the order each feeder sent them, and greets every new
 * subscriber with iopub_welcome (protocol 5.5). */
#ifndef YC_KERNEL_IOPUB_H
#define YC_KERNEL_IOPUB_H

#include <pthread.h>

#include "kernel_shared.h"

#define YC_IOPUB_INPROC "inproc://yoloc-iopub"

typedef struct YcIopubThread {
    pthread_t thread;
    void *xpub;        /* bound to the iopub port; the thread owns it once started */
    void *pull;        /* bound to YC_IOPUB_INPROC */
    void *stopper;     /* PUSH used once, by yc_iopub_stop */
    YcKernelShared *shared;
    int started;
} YcIopubThread;

/* Takes the bound sockets; creates the stopper. */
int yc_iopub_start(YcIopubThread *t, void *zctx, void *xpub, void *pull, YcKernelShared *shared, YcErr *err);
/* Call after every feeder is closed: forwards what is queued, closes, joins. */
void yc_iopub_stop(YcIopubThread *t);

/* A new feeder connected to the iopub thread (its own socket and HMAC). */
int yc_iopub_sender_open(YcIopubSender *s, void *zctx, YcKernelShared *shared, YcErr *err);
void yc_iopub_sender_close(YcIopubSender *s);

#endif
