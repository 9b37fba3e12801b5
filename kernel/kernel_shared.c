#include "kernel_shared.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

void yc_workers_init(YcWorkerRegistry *w) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
}

void yc_workers_destroy(YcWorkerRegistry *w) { pthread_mutex_destroy(&w->lock); }

int yc_workers_add(YcWorkerRegistry *w, pid_t pgid) {
    pthread_mutex_lock(&w->lock);
    int rc = -1;
    if (w->count < YC_MAX_WORKERS) {
        w->pgids[w->count++] = pgid;
        rc = 0;
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

void yc_workers_remove(YcWorkerRegistry *w, pid_t pgid) {
    pthread_mutex_lock(&w->lock);
    for (int i = 0; i < w->count; i++)
        if (w->pgids[i] == pgid) {
            w->pgids[i] = w->pgids[--w->count];
            break;
        }
    pthread_mutex_unlock(&w->lock);
}

int yc_workers_signal_all(YcWorkerRegistry *w, int sig) {
    pthread_mutex_lock(&w->lock);
    int n = 0;
    for (int i = 0; i < w->count; i++)
        if (kill(-w->pgids[i], sig) == 0) n++;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void yc_iopub_sender_publish(void *ctx, const char *msg_type, const char *parent, cJSON *content) {
    YcIopubSender *s = ctx;
    char topic[128];
    yc_iopub_topic(s->session, msg_type, topic, sizeof topic);
    YcBlob id = {(unsigned char *)topic, strlen(topic)};
    yc_msg_send(s->push, &s->hmac, s->session, &id, 1, msg_type, parent, NULL, content);
    cJSON_Delete(content);
}

/* The write end of the signal pipe: the one piece of process-wide state a
 * signal handler can reach. */
static int yc_signal_pipe_w = -1;

static void on_signal(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(yc_signal_pipe_w, &b, 1) < 0) { /* full pipe: the loop wakes anyway */
    }
    errno = saved;
}

int yc_signals_install(void) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK)) return -1;
    yc_signal_pipe_w = fds[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return fds[0];
}
