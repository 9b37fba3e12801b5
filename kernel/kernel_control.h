/* The control thread: answers kernel_info, interrupt and shutdown on the
 * control channel while the shell thread may be busy. Interrupt and shutdown
 * reach the shell thread through an inproc PAIR ("interrupt", "shutdown");
 * the shell thread answers "done" when its workers are stopped, or "quit" when
 * it shuts down by itself (shutdown on shell, SIGTERM). */
#ifndef YC_KERNEL_CONTROL_H
#define YC_KERNEL_CONTROL_H

#include <pthread.h>

#include "kernel_shared.h"

#define YC_WAKE_INPROC "inproc://yoloc-wake"
/* How long the control thread waits for the shell thread to stop the workers
 * before it kills their process groups itself. */
#define YC_SHUTDOWN_WAIT_MS 1800

typedef struct YcControl {
    pthread_t thread;
    void *router;      /* bound to control_port; the thread owns it */
    void *pair;        /* connected to the shell thread's end */
    YcIopubSender sender;
    YcKernelShared *shared;
    int started;
} YcControl;

int yc_control_start(YcControl *c, void *zctx, void *router, void *pair, YcKernelShared *shared, YcErr *err);
void yc_control_join(YcControl *c);

/* Shared with the shell thread: the reply to a shutdown_request. */
cJSON *yc_shutdown_reply_content(const YcWireMsg *req);

#endif
