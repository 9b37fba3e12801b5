/* The shell thread's loop: shell requests, the control thread's wake-ups,
 * signals, and the jobs' events and output, in one zmq_poll. Execute requests
 * run one at a time (queued behind a cell that waits on a job); every other
 * request is answered at once, even while a cell waits. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "kernel.h"
#include "kernel_complete.h"
#include "kernel_control.h"
#include "kernel_info.h"
#include "kernel_inspect.h"
#include "kernel_msg.h"

#define SHUTDOWN_GRACE_MS 1200

static void reply(YcKernel *k, const YcWireMsg *req, const char *type, cJSON *content) {
    yc_msg_send(k->shell, &k->sender.hmac, &k->shared->session, req->ids, req->n_ids, type, req->header_text, NULL,
                content);
    cJSON_Delete(content);
}

static cJSON *ok_content(void) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "status", "ok");
    return c;
}

static void enqueue(YcKernel *k, YcWireMsg *req) {
    if (k->queue_len == k->queue_cap) {
        int cap = k->queue_cap ? k->queue_cap * 2 : 16;
        YcWireMsg *q = realloc(k->queue, (size_t)cap * sizeof *q);
        if (!q) {
            yc_wire_free(req);
            return;
        }
        k->queue = q;
        k->queue_cap = cap;
    }
    k->queue[k->queue_len++] = *req;
    memset(req, 0, sizeof *req);
}

/* Starts queued execute requests while nothing runs. */
static void pump_queue(YcKernel *k) {
    while (!k->exec && k->queue_len > 0 && !k->quit) {
        YcWireMsg req = k->queue[0];
        memmove(k->queue, k->queue + 1, (size_t)(k->queue_len - 1) * sizeof *k->queue);
        k->queue_len--;
        yc_exec_start(k, &req);
    }
}

/* Ends everything: workers, the cell waiting on them, the queue. */
static void shut_down(YcKernel *k) {
    k->quit = true; /* first: nothing below reads more requests */
    yc_jobs_stop_all(&k->jobs, SHUTDOWN_GRACE_MS);
    if (k->exec) {
        double now = yc_monotonic_s();
        yc_exec_on_jobs(k, now); /* the cell reports its job's end and finishes */
    }
    yc_exec_abort_queue(k);
}

static void handle_comm_open(YcKernel *k, const YcWireMsg *req) {
    /* No comm targets: close it, as the protocol asks for unknown targets. */
    const char *id = yc_msg_str(req->content, "comm_id", "");
    fprintf(stderr, "yoloc-kernel: closing comm %s: no target '%s'\n", id,
            yc_msg_str(req->content, "target_name", ""));
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "comm_id", id);
    cJSON_AddObjectToObject(c, "data");
    k->pub.fn(k->pub.ctx, "comm_close", req->header_text, c);
}

static void handle_connect(YcKernel *k, const YcWireMsg *req) {
    const YcConn *conn = k->shared->conn;
    cJSON *c = ok_content();
    cJSON_AddNumberToObject(c, "shell_port", conn->shell_port);
    cJSON_AddNumberToObject(c, "iopub_port", conn->iopub_port);
    cJSON_AddNumberToObject(c, "stdin_port", conn->stdin_port);
    cJSON_AddNumberToObject(c, "hb_port", conn->hb_port);
    cJSON_AddNumberToObject(c, "control_port", conn->control_port);
    reply(k, req, "connect_reply", c);
}

/* Every request but execute: busy, the reply (or nothing), idle. */
static void handle_other(YcKernel *k, YcWireMsg *req) {
    const char *type = req->msg_type;
    yc_publish_status(&k->pub, req->header_text, "busy");
    if (strcmp(type, "kernel_info_request") == 0) {
        reply(k, req, "kernel_info_reply", yc_kernel_info_content());
    } else if (strcmp(type, "is_complete_request") == 0) {
        const char *names[YC_MAX_COMMANDS];
        int count = yc_command_names(names, YC_MAX_COMMANDS);
        YcCellStatus st = yc_cell_is_complete(yc_msg_str(req->content, "code", ""), names, count);
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "status", st == YC_CELL_COMPLETE     ? "complete"
                                             : st == YC_CELL_INCOMPLETE ? "incomplete"
                                                                        : "invalid");
        if (st == YC_CELL_INCOMPLETE) cJSON_AddStringToObject(c, "indent", "");
        reply(k, req, "is_complete_reply", c);
    } else if (strcmp(type, "complete_request") == 0) {
        reply(k, req, "complete_reply", yc_complete_reply(req->content, &k->jobs));
    } else if (strcmp(type, "inspect_request") == 0) {
        reply(k, req, "inspect_reply", yc_inspect_reply(req->content));
    } else if (strcmp(type, "history_request") == 0) {
        reply(k, req, "history_reply", yc_history_reply(&k->history, req->content));
    } else if (strcmp(type, "comm_info_request") == 0) {
        cJSON *c = ok_content();
        cJSON_AddObjectToObject(c, "comms");
        reply(k, req, "comm_info_reply", c);
    } else if (strcmp(type, "comm_open") == 0) {
        handle_comm_open(k, req);
    } else if (strcmp(type, "comm_msg") == 0 || strcmp(type, "comm_close") == 0) {
        fprintf(stderr, "yoloc-kernel: ignored %s for comm %s (no comms are open)\n", type,
                yc_msg_str(req->content, "comm_id", "?"));
    } else if (strcmp(type, "connect_request") == 0) {
        handle_connect(k, req);
    } else if (strcmp(type, "shutdown_request") == 0) {
        reply(k, req, "shutdown_reply", yc_shutdown_reply_content(req));
        k->pub.fn(k->pub.ctx, "shutdown_reply", req->header_text, yc_shutdown_reply_content(req));
        shut_down(k);
        zmq_send(k->wake, "quit", 4, 0);
    } else if (strcmp(type, "interrupt_request") == 0) {
        yc_exec_interrupt(k);
        reply(k, req, "interrupt_reply", ok_content());
    } else {
        fprintf(stderr, "yoloc-kernel: shell: ignored a message of unknown type '%s'\n", type);
    }
    yc_publish_status(&k->pub, req->header_text, "idle");
}

static void dispatch(YcKernel *k, YcWireMsg *req) {
    if (strcmp(req->msg_type, "execute_request") != 0) {
        handle_other(k, req);
        yc_wire_free(req);
        return;
    }
    if (yc_exec_should_abort(k, req)) { /* sent before an error with stop_on_error */
        enqueue(k, req);
        yc_exec_abort_queue(k);
        return;
    }
    enqueue(k, req); /* the loop starts it when nothing runs */
}

/* Reads up to max requests (bounded, so that the loop looks at the jobs too). */
static void read_shell(YcKernel *k, int max) {
    for (int i = 0; i < max && !k->quit; i++) {
        YcWireMsg req;
        YcErr err;
        int rc = yc_msg_recv(k->shell, ZMQ_DONTWAIT, &k->sender.hmac, &k->shared->replay, &req, &err);
        if (rc < 0) return;
        if (rc != YC_WIRE_OK) {
            fprintf(stderr, "yoloc-kernel: shell: dropped a message: %s\n", err.msg);
            continue;
        }
        dispatch(k, &req);
    }
}

void yc_shell_take_pending(YcKernel *k) { read_shell(k, 1 << 20); }

static void read_wake(YcKernel *k) {
    for (;;) {
        char word[16];
        int n = zmq_recv(k->wake, word, sizeof word - 1, ZMQ_DONTWAIT);
        if (n < 0) return;
        word[n < (int)sizeof word ? n : (int)sizeof word - 1] = '\0';
        if (strcmp(word, "interrupt") == 0) {
            yc_exec_interrupt(k);
        } else if (strcmp(word, "shutdown") == 0) {
            shut_down(k);
            k->answer_control = true;
        }
    }
}

static void read_signals(YcKernel *k) {
    unsigned char sigs[64];
    ssize_t n = read(k->signal_fd, sigs, sizeof sigs);
    for (ssize_t i = 0; i < n; i++) {
        if (sigs[i] == SIGINT) {
            yc_exec_interrupt(k);
        } else if (sigs[i] == SIGTERM) {
            fprintf(stderr, "yoloc-kernel: SIGTERM: stopping the workers and exiting\n");
            shut_down(k);
            zmq_send(k->wake, "quit", 4, 0);
        }
        /* SIGCHLD: the job service below reaps */
    }
}

void yc_shell_run(YcKernel *k) {
    enum { FIXED = 3, MAX_ITEMS = 3 + 2 * 256 };
    zmq_pollitem_t items[MAX_ITEMS];
    while (!k->quit) {
        items[0] = (zmq_pollitem_t){k->shell, 0, ZMQ_POLLIN, 0};
        items[1] = (zmq_pollitem_t){k->wake, 0, ZMQ_POLLIN, 0};
        items[2] = (zmq_pollitem_t){NULL, k->signal_fd, ZMQ_POLLIN, 0};
        int n = FIXED + yc_jobs_poll_items(&k->jobs, items + FIXED, MAX_ITEMS - FIXED);
        double now = yc_monotonic_s();
        int timeout = yc_jobs_timeout_ms(&k->jobs, now);
        int t2 = yc_exec_timeout_ms(k, now);
        if (t2 >= 0 && (timeout < 0 || t2 < timeout)) timeout = t2;
        int rc = zmq_poll(items, n, timeout);
        if (rc < 0 && errno != EINTR) {
            fprintf(stderr, "yoloc-kernel: poll failed: %s\n", zmq_strerror(errno));
            shut_down(k);
            break;
        }
        if (items[2].revents & ZMQ_POLLIN) read_signals(k);
        if (!k->quit && (items[1].revents & ZMQ_POLLIN)) read_wake(k);
        now = yc_monotonic_s();
        if (!k->quit) {
            yc_jobs_service(&k->jobs, now);
            yc_exec_on_jobs(k, now);
        }
        if (!k->quit && (items[0].revents & ZMQ_POLLIN)) read_shell(k, 64);
        if (!k->quit) pump_queue(k);
    }
    if (k->answer_control) zmq_send(k->wake, "done", 4, 0);
}
