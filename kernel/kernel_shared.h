/* What the kernel's threads share: the session, the key, the replay set and
 * the registry of worker process groups (so that the control thread can stop
 * workers even if the shell thread does not answer). Everything else belongs
 * to one thread. */
#ifndef YC_KERNEL_SHARED_H
#define YC_KERNEL_SHARED_H

#include <pthread.h>
#include <sys/types.h>

#include "kernel_conn.h"
#include "kernel_msg.h"
#include "kernel_output.h"
#include "kernel_replay.h"

#define YC_MAX_WORKERS 64

typedef struct YcWorkerRegistry {
    pthread_mutex_t lock;
    int count;
    pid_t pgids[YC_MAX_WORKERS];
} YcWorkerRegistry;

void yc_workers_init(YcWorkerRegistry *w);
void yc_workers_destroy(YcWorkerRegistry *w);
/* Returns -1 when full. */
int yc_workers_add(YcWorkerRegistry *w, pid_t pgid);
void yc_workers_remove(YcWorkerRegistry *w, pid_t pgid);
/* Sends sig to every registered process group; returns how many. */
int yc_workers_signal_all(YcWorkerRegistry *w, int sig);

typedef struct YcKernelShared {
    YcSession session;
    const YcConn *conn;        /* key and addresses */
    YcReplaySet replay;
    YcWorkerRegistry workers;
} YcKernelShared;

/* An iopub feeder: one per thread that publishes (a PUSH socket into the
 * iopub thread, and that thread's own HMAC context). */
typedef struct YcIopubSender {
    void *push;
    YcHmac hmac;
    YcSession *session;
} YcIopubSender;

/* The YcPublishFn of a sender (ctx = YcIopubSender *). */
void yc_iopub_sender_publish(void *ctx, const char *msg_type, const char *parent, cJSON *content);

/* Signal handling shared by the process: SIGINT (interrupt), SIGTERM
 * (shutdown) and SIGCHLD (a worker ended) are written, one byte each, to a
 * pipe that the shell loop polls; SIGPIPE is ignored. Returns the read end. */
int yc_signals_install(void);

#endif
