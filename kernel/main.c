/* yoloc-kernel: the Jupyter kernel. `yoloc-kernel -f CONNECTION_FILE`.
 *
 * Threads: this one runs the shell loop (requests, jobs); the control thread
 * answers kernel_info, interrupt and shutdown; the heartbeat thread echoes;
 * the iopub thread owns the iopub socket that the others feed. See
 * docs/KERNEL.md. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "kernel.h"
#include "kernel_conn.h"
#include "kernel_control.h"
#include "kernel_heartbeat.h"
#include "kernel_iopub.h"
#include "version.h"

static void usage(FILE *to) {
    fprintf(to, "usage: yoloc-kernel -f CONNECTION_FILE\n"
                "  The Jupyter kernel of yoloc; Jupyter starts it through the kernelspec 'yoloc'\n"
                "  (make install-kernel). YOLOC_WORKER=PATH runs PATH instead of bin/yoloc for\n"
                "  training jobs (a test and development knob).\n");
}

/* Binds, retrying for a while when the port is still held (a restart). */
static int bind_retry(void *socket, const char *endpoint, YcErr *err) {
    for (int attempt = 0;; attempt++) {
        if (zmq_bind(socket, endpoint) == 0) return 0;
        if (errno != EADDRINUSE || attempt >= 40) return yc_err(err, "cannot listen on %s: %s", endpoint, zmq_strerror(errno));
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void *open_bound(void *zctx, int type, const YcConn *conn, int port, YcErr *err) {
    void *s = zmq_socket(zctx, type);
    if (!s) {
        yc_err(err, "cannot create a socket: %s", zmq_strerror(errno));
        return NULL;
    }
    if (strchr(conn->ip, ':')) {
        int on = 1;
        zmq_setsockopt(s, ZMQ_IPV6, &on, sizeof on);
    }
    if (type == ZMQ_XPUB) {
        int on = 1; /* every subscription reaches us, so every new client is welcomed */
        zmq_setsockopt(s, ZMQ_XPUB_VERBOSE, &on, sizeof on);
    }
    char endpoint[512];
    yc_conn_endpoint(conn, port, endpoint, sizeof endpoint);
    if (bind_retry(s, endpoint, err)) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

static void close_linger(void *s, int ms) {
    if (!s) return;
    zmq_setsockopt(s, ZMQ_LINGER, &ms, sizeof ms);
    zmq_close(s);
}

int main(int argc, char **argv) {
    const char *conn_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version")) {
            printf("yoloc-kernel %s (Jupyter protocol %s)\n", YC_VERSION, YC_PROTOCOL_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "-f") && i + 1 < argc) conn_path = argv[++i];
        else if (!strncmp(argv[i], "--f=", 4)) conn_path = argv[i] + 4;
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!conn_path) {
        usage(stderr);
        return 2;
    }

    YcErr err;
    YcConn conn;
    if (yc_conn_load(conn_path, &conn, &err)) {
        fprintf(stderr, "yoloc-kernel: %s\n", err.msg);
        return 2;
    }
    static YcKernelShared shared; /* lives until exit; large (the replay set) */
    yc_session_init(&shared.session);
    shared.conn = &conn;
    if (yc_replay_init(&shared.replay, YC_REPLAY_DEFAULT_CAPACITY)) {
        fprintf(stderr, "yoloc-kernel: out of memory\n");
        return 1;
    }
    yc_workers_init(&shared.workers);

    /* Signals go to this thread only: block them before any thread starts
     * (ZeroMQ's included), unblock them here once the threads run. */
    sigset_t handled, old;
    sigemptyset(&handled);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &handled, &old);
    int signal_fd = yc_signals_install();
    if (signal_fd < 0) {
        fprintf(stderr, "yoloc-kernel: cannot install signal handlers\n");
        return 1;
    }

    void *zctx = zmq_ctx_new();
    void *shell = open_bound(zctx, ZMQ_ROUTER, &conn, conn.shell_port, &err);
    void *control = shell ? open_bound(zctx, ZMQ_ROUTER, &conn, conn.control_port, &err) : NULL;
    void *stdin_sock = control ? open_bound(zctx, ZMQ_ROUTER, &conn, conn.stdin_port, &err) : NULL;
    void *iopub = stdin_sock ? open_bound(zctx, ZMQ_XPUB, &conn, conn.iopub_port, &err) : NULL;
    void *hb = iopub ? open_bound(zctx, ZMQ_REP, &conn, conn.hb_port, &err) : NULL;
    if (!hb) {
        fprintf(stderr, "yoloc-kernel: %s\n", err.msg);
        close_linger(shell, 0);
        close_linger(control, 0);
        close_linger(stdin_sock, 0);
        close_linger(iopub, 0);
        zmq_ctx_term(zctx);
        return 1;
    }
    void *iopub_pull = zmq_socket(zctx, ZMQ_PULL);
    int hwm = 0;
    zmq_setsockopt(iopub_pull, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_bind(iopub_pull, YC_IOPUB_INPROC);
    void *wake = zmq_socket(zctx, ZMQ_PAIR);
    void *control_wake = zmq_socket(zctx, ZMQ_PAIR);
    zmq_bind(wake, YC_WAKE_INPROC);
    zmq_connect(control_wake, YC_WAKE_INPROC);

    YcIopubThread iopub_thread = {0};
    YcHeartbeat heartbeat = {0};
    YcControl control_thread = {0};
    static YcKernel k;
    k.shared = &shared;
    k.zctx = zctx;
    k.shell = shell;
    k.wake = wake;
    k.signal_fd = signal_fd;
    if (yc_iopub_start(&iopub_thread, zctx, iopub, iopub_pull, &shared, &err) ||
        yc_heartbeat_start(&heartbeat, zctx, hb, &err) ||
        yc_control_start(&control_thread, zctx, control, control_wake, &shared, &err) ||
        yc_iopub_sender_open(&k.sender, zctx, &shared, &err)) {
        fprintf(stderr, "yoloc-kernel: %s\n", err.msg);
        _exit(1); /* threads may hold sockets: no orderly teardown of a kernel that never started */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    k.pub = (YcPublisher){yc_iopub_sender_publish, &k.sender};
    yc_history_init(&k.history);
    yc_jobs_init(&k.jobs, zctx, &shared.workers);
    fprintf(stderr, "yoloc-kernel %s: session %s, %s://%s (shell %d, iopub %d, control %d, hb %d), workers: %s\n",
            YC_VERSION, shared.session.id, conn.transport, conn.ip, conn.shell_port, conn.iopub_port,
            conn.control_port, conn.hb_port, k.jobs.worker);

    yc_publish_status(&k.pub, NULL, "starting");
    yc_shell_run(&k);

    yc_jobs_free(&k.jobs);
    yc_history_free(&k.history);
    free(k.queue);
    if (!k.answer_control) zmq_send(wake, "quit", 4, 0); /* the control thread may still be polling */
    yc_control_join(&control_thread);
    yc_iopub_sender_close(&k.sender);
    close_linger(shell, 1000); /* the last reply must reach the client */
    close_linger(stdin_sock, 0);
    close_linger(wake, 0);
    yc_heartbeat_stop(&heartbeat);
    yc_iopub_stop(&iopub_thread);
    zmq_ctx_term(zctx);
    yc_replay_free(&shared.replay);
    yc_workers_destroy(&shared.workers);
    yc_conn_free(&conn);
    return 0;
}
