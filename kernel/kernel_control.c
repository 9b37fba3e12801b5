#include "kernel_control.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "kernel_info.h"
#include "kernel_iopub.h"

cJSON *yc_shutdown_reply_content(const YcWireMsg *req) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "status", "ok");
    cJSON_AddBoolToObject(c, "restart", yc_msg_bool(req->content, "restart", 0));
    return c;
}

static void reply(YcControl *c, const YcWireMsg *req, const char *type, cJSON *content) {
    yc_msg_send(c->router, &c->sender.hmac, &c->shared->session, req->ids, req->n_ids, type, req->header_text, NULL,
                content);
    cJSON_Delete(content);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits for the shell thread's "done" or "quit"; returns 0, or -1 on timeout. */
static int wait_for_shell(YcControl *c, int timeout_ms) {
    double deadline = now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0) return -1;
        zmq_pollitem_t item = {c->pair, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, left);
        if (n < 0 && errno != EINTR) return -1;
        if (n > 0) {
            char word[16] = "";
            int len = zmq_recv(c->pair, word, sizeof word - 1, ZMQ_DONTWAIT);
            if (len > 0) {
                word[len < (int)sizeof word ? len : (int)sizeof word - 1] = '\0';
                if (strcmp(word, "done") == 0 || strcmp(word, "quit") == 0) return 0;
            }
        }
    }
}

/* Returns 1 when the kernel is shutting down. */
static int handle(YcControl *c, YcWireMsg *req) {
    const YcPublisher pub = {yc_iopub_sender_publish, &c->sender};
    const char *type = req->msg_type;
    yc_publish_status(&pub, req->header_text, "busy");
    int quit = 0;
    if (strcmp(type, "kernel_info_request") == 0) {
        reply(c, req, "kernel_info_reply", yc_kernel_info_content());
    } else if (strcmp(type, "interrupt_request") == 0) {
        zmq_send(c->pair, "interrupt", 9, 0);
        cJSON *content = cJSON_CreateObject();
        cJSON_AddStringToObject(content, "status", "ok");
        reply(c, req, "interrupt_reply", content);
    } else if (strcmp(type, "shutdown_request") == 0) {
        reply(c, req, "shutdown_reply", yc_shutdown_reply_content(req));
        /* also on iopub, so that every client learns of it */
        pub.fn(pub.ctx, "shutdown_reply", req->header_text, yc_shutdown_reply_content(req));
        zmq_send(c->pair, "shutdown", 8, 0);
        if (wait_for_shell(c, YC_SHUTDOWN_WAIT_MS)) {
            int n = yc_workers_signal_all(&c->shared->workers, SIGKILL);
            fprintf(stderr, "yoloc-kernel: the shell thread did not stop in time; killed %d worker group(s)\n", n);
            yc_publish_status(&pub, req->header_text, "idle");
            yc_iopub_sender_close(&c->sender);
            _exit(1);
        }
        quit = 1;
    } else {
        fprintf(stderr, "yoloc-kernel: control: ignored a message of unknown type '%s'\n", type);
    }
    yc_publish_status(&pub, req->header_text, "idle");
    return quit;
}

static void *control_main(void *arg) {
    YcControl *c = arg;
    for (;;) {
        zmq_pollitem_t items[2] = {{c->router, 0, ZMQ_POLLIN, 0}, {c->pair, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            char word[16] = "";
            int len = zmq_recv(c->pair, word, sizeof word - 1, ZMQ_DONTWAIT);
            if (len > 0 && len < (int)sizeof word && strncmp(word, "quit", 4) == 0) break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            YcWireMsg req;
            YcErr err;
            int rc = yc_msg_recv(c->router, ZMQ_DONTWAIT, &c->sender.hmac, &c->shared->replay, &req, &err);
            if (rc < 0) continue;
            if (rc != YC_WIRE_OK) {
                fprintf(stderr, "yoloc-kernel: control: dropped a message: %s\n", err.msg);
                continue;
            }
            int quit = handle(c, &req);
            yc_wire_free(&req);
            if (quit) break;
        }
    }
    yc_iopub_sender_close(&c->sender);
    int linger = 1000; /* the shutdown reply must reach the client */
    zmq_setsockopt(c->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(c->router);
    linger = 0;
    zmq_setsockopt(c->pair, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(c->pair);
    return NULL;
}

int yc_control_start(YcControl *c, void *zctx, void *router, void *pair, YcKernelShared *shared, YcErr *err) {
    c->router = router;
    c->pair = pair;
    c->shared = shared;
    if (yc_iopub_sender_open(&c->sender, zctx, shared, err)) return -1;
    if (pthread_create(&c->thread, NULL, control_main, c)) {
        yc_iopub_sender_close(&c->sender);
        return yc_err(err, "control: cannot start the thread");
    }
    c->started = 1;
    return 0;
}

void yc_control_join(YcControl *c) {
    if (!c->started) return;
    pthread_join(c->thread, NULL);
    c->started = 0;
}
