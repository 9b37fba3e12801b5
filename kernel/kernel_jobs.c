#include "kernel_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

extern char **environ;

double yc_monotonic_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void yc_jobs_default_worker(char *out, size_t cap) {
    const char *env = getenv("YOLOC_WORKER");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(out, cap, "yoloc");
        return;
    }
    exe[n] = '\0';
    char dir[PATH_MAX];
    yc_path_dirname(dir, sizeof dir, exe);
    snprintf(out, cap, "%s/yoloc", dir);
}

void yc_jobs_init(YcJobs *jobs, void *zctx, YcWorkerRegistry *registry) {
    memset(jobs, 0, sizeof *jobs);
    jobs->zctx = zctx;
    jobs->registry = registry;
    yc_jobs_default_worker(jobs->worker, sizeof jobs->worker);
}

static void close_events(YcJob *job) {
    if (!job->events) return;
    int linger = 0;
    zmq_setsockopt(job->events, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(job->events);
    job->events = NULL;
}

static void job_free(YcJob *job) {
    close_events(job);
    if (job->out_fd >= 0) close(job->out_fd);
    free(job->command);
    free(job->rows);
    yc_str_free(&job->output);
    yc_str_free(&job->val_table);
    yc_str_free(&job->end_message);
    yc_str_free(&job->pending_log);
    yc_str_free(&job->pending_images);
    free(job);
}

void yc_jobs_free(YcJobs *jobs) {
    for (int i = 0; i < jobs->count; i++) {
        if (jobs->list[i]->state != YC_JOB_DONE) yc_workers_remove(jobs->registry, jobs->list[i]->pid);
        job_free(jobs->list[i]);
    }
    free(jobs->list);
    memset(jobs, 0, sizeof *jobs);
}

YcJob *yc_jobs_find(YcJobs *jobs, int id) {
    for (int i = 0; i < jobs->count; i++)
        if (jobs->list[i]->id == id) return jobs->list[i];
    return NULL;
}

YcJob *yc_jobs_last(YcJobs *jobs) { return jobs->count ? jobs->list[jobs->count - 1] : NULL; }

int yc_jobs_running(const YcJobs *jobs) {
    int n = 0;
    for (int i = 0; i < jobs->count; i++) n += jobs->list[i]->state != YC_JOB_DONE;
    return n;
}

/* The environment of the worker: ours, with YOLOC_EVENTS set to the job's endpoint. */
static char **worker_env(const char *endpoint) {
    int n = 0;
    while (environ[n]) n++;
    char **env = calloc((size_t)n + 2, sizeof *env);
    if (!env) return NULL;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (strncmp(environ[i], "YOLOC_EVENTS=", 13) != 0) env[k++] = environ[i];
    size_t len = strlen(endpoint) + 14;
    env[k] = malloc(len);
    if (!env[k]) {
        free(env);
        return NULL;
    }
    snprintf(env[k], len, "YOLOC_EVENTS=%s", endpoint);
    env[k + 1] = NULL;
    return env;
}

YcJob *yc_jobs_spawn(YcJobs *jobs, const char *mode, int argc, char *const argv[], const char *command, bool background,
                     YcErr *err) {
    if (access(jobs->worker, X_OK) != 0) {
        yc_err_errno(err, "cannot run the worker program %s", jobs->worker);
        return NULL;
    }
    if (jobs->count == jobs->cap) {
        int cap = jobs->cap ? jobs->cap * 2 : 8;
        YcJob **list = realloc(jobs->list, (size_t)cap * sizeof *list);
        if (!list) {
            yc_err(err, "out of memory");
            return NULL;
        }
        jobs->list = list;
        jobs->cap = cap;
    }
    YcJob *job = calloc(1, sizeof *job);
    if (!job) {
        yc_err(err, "out of memory");
        return NULL;
    }
    job->out_fd = -1;
    yc_str_init(&job->output);
    yc_str_init(&job->val_table);
    yc_str_init(&job->end_message);
    yc_str_init(&job->pending_log);
    yc_str_init(&job->pending_images);
    snprintf(job->mode, sizeof job->mode, "%s", mode);
    job->command = strdup(command);
    job->background = background;
    job->best_epoch = 0;

    job->events = zmq_socket(jobs->zctx, ZMQ_PULL);
    int64_t max_size = 1 << 20; /* an event is a few hundred bytes; refuse anything huge */
    size_t ep_len = sizeof job->endpoint;
    if (!job->events || zmq_setsockopt(job->events, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) ||
        zmq_bind(job->events, "tcp://127.0.0.1:*") ||
        zmq_getsockopt(job->events, ZMQ_LAST_ENDPOINT, job->endpoint, &ep_len)) {
        yc_err(err, "cannot open the event socket for the worker: %s", zmq_strerror(errno));
        job_free(job);
        return NULL;
    }

    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
        yc_err_errno(err, "cannot create the worker's output pipe");
        job_free(job);
        return NULL;
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char **args = calloc((size_t)argc + 3, sizeof *args);
    char **env = worker_env(job->endpoint);
    if (devnull < 0 || !args || !env) {
        yc_err(err, "cannot prepare the worker's arguments");
        goto fail;
    }
    args[0] = jobs->worker;
    args[1] = (char *)mode;
    for (int i = 0; i < argc; i++) args[2 + i] = argv[i];
    args[argc + 2] = NULL;

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        yc_err_errno(err, "cannot start the worker");
        goto fail;
    }
    if (pid == 0) {
        /* the child: only async-signal-safe calls until exec */
        setpgid(0, 0);
        /* If the kernel dies, the worker stops as if interrupted (saves last weights). */
        prctl(PR_SET_PDEATHSIG, SIGINT);
        if (getppid() != parent) _exit(1);
        dup2(devnull, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGPIPE, SIG_IGN); /* if the kernel goes, writes fail instead of killing training */
        execve(args[0], args, env);
        static const char msg[] = "yoloc-kernel: cannot exec the worker program\n";
        if (write(2, msg, sizeof msg - 1) < 0) {
        }
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with the first kill */
    close(fds[1]);
    close(devnull);
    free(args);
    for (int i = 0; env[i]; i++)
        if (strncmp(env[i], "YOLOC_EVENTS=", 13) == 0) free(env[i]);
    free(env);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    job->out_fd = fds[0];
    job->pid = pid;
    job->started = yc_monotonic_s();
    job->id = ++jobs->next_id;
    yc_workers_add(jobs->registry, pid);
    jobs->list[jobs->count++] = job;
    return job;
fail:
    close(fds[0]);
    close(fds[1]);
    if (devnull >= 0) close(devnull);
    free(args);
    if (env) {
        for (int i = 0; env[i]; i++)
            if (strncmp(env[i], "YOLOC_EVENTS=", 13) == 0) free(env[i]);
        free(env);
    }
    job_free(job);
    return NULL;
}

int yc_jobs_poll_items(YcJobs *jobs, zmq_pollitem_t *items, int cap) {
    int n = 0;
    for (int i = 0; i < jobs->count; i++) {
        YcJob *job = jobs->list[i];
        if (job->events && n < cap) items[n++] = (zmq_pollitem_t){job->events, 0, ZMQ_POLLIN, 0};
        if (job->out_fd >= 0 && n < cap) items[n++] = (zmq_pollitem_t){NULL, job->out_fd, ZMQ_POLLIN, 0};
    }
    return n;
}

static void keep_tail(YcStr *s, size_t keep) {
    if (s->len <= 2 * keep) return;
    size_t cut = s->len - keep;
    memmove(s->data, s->data + cut, keep + 1);
    s->len = keep;
}

static void append_log(YcJob *job, const char *line) {
    yc_str_append(&job->pending_log, line);
    yc_str_append(&job->pending_log, "\n");
    keep_tail(&job->pending_log, YC_JOB_OUTPUT_KEEP);
}

static void add_row(YcJob *job, const YcEvent *e) {
    if (job->n_rows > 0 && job->rows[job->n_rows - 1].epoch == e->epoch) job->n_rows--; /* a repeated epoch */
    if (job->n_rows == job->cap_rows) {
        int cap = job->cap_rows ? job->cap_rows * 2 : 16;
        YcEpochRow *rows = realloc(job->rows, (size_t)cap * sizeof *rows);
        if (!rows) return;
        job->rows = rows;
        job->cap_rows = cap;
    }
    YcEpochRow *r = &job->rows[job->n_rows++];
    r->epoch = e->epoch;
    memcpy(r->losses, e->losses, sizeof r->losses);
    r->precision = e->precision;
    r->recall = e->recall;
    r->map50 = e->map50;
    r->map50_95 = e->map50_95;
    memcpy(r->val_losses, e->val_losses, sizeof r->val_losses);
    r->fitness = e->fitness;
    r->seconds = e->elapsed_s;
}

static void copy_text(char *dst, size_t cap, const char *src) {
    if (src) snprintf(dst, cap, "%s", src);
}

void yc_job_apply_event(YcJob *job, const YcEvent *e) {
    job->events_seen++;
    job->changed = true;
    switch (e->type) {
    case YC_EVENT_RUN_START:
        copy_text(job->run_dir, sizeof job->run_dir, e->run_dir);
        if (e->epochs > 0) job->epochs = e->epochs;
        if (e->batches > 0) job->batches = e->batches;
        break;
    case YC_EVENT_EPOCH_START:
        job->epoch = e->epoch;
        if (e->epochs > 0) job->epochs = e->epochs;
        if (e->batches > 0) job->batches = e->batches;
        job->batch = 0;
        job->in_val = false;
        break;
    case YC_EVENT_BATCH_END:
        job->epoch = e->epoch;
        if (e->epochs > 0) job->epochs = e->epochs;
        job->batch = e->batch;
        if (e->batches > 0) job->batches = e->batches;
        memcpy(job->losses, e->losses, sizeof job->losses);
        job->images_per_sec = e->images_per_sec;
        job->elapsed_s = e->elapsed_s;
        job->eta_s = e->eta_s;
        job->device_mem_gb = e->device_mem_gb;
        job->instances = e->instances;
        job->imgsz = e->imgsz;
        break;
    case YC_EVENT_VAL_START:
        job->in_val = true;
        job->val_batch = 0;
        job->val_batches = e->batches;
        break;
    case YC_EVENT_VAL_BATCH:
        job->in_val = true;
        job->val_batch = e->batch;
        if (e->batches > 0) job->val_batches = e->batches;
        break;
    case YC_EVENT_VAL_END:
        job->in_val = false;
        if (e->message) {
            yc_str_clear(&job->val_table);
            yc_str_append(&job->val_table, e->message);
        }
        break;
    case YC_EVENT_EPOCH_END:
        add_row(job, e);
        if (e->best_epoch > 0) job->best_epoch = e->best_epoch;
        break;
    case YC_EVENT_CHECKPOINT:
        copy_text(job->checkpoint, sizeof job->checkpoint, e->path);
        break;
    case YC_EVENT_LOG:
        if (e->message) append_log(job, e->message);
        break;
    case YC_EVENT_PREDICT_IMAGE:
        job->images_done = e->batch;
        job->images_total = e->batches;
        copy_text(job->run_dir, sizeof job->run_dir, e->run_dir);
        if (e->message) append_log(job, e->message);
        if (e->path && e->path[0] && job->pending_images.len < YC_JOB_OUTPUT_KEEP) {
            yc_str_append(&job->pending_images, e->path);
            yc_str_append(&job->pending_images, "\n");
            job->images_saved++;
        }
        break;
    case YC_EVENT_FINISHED:
    case YC_EVENT_FAILED:
    case YC_EVENT_INTERRUPTED:
        job->terminal_event = true;
        job->end = e->type == YC_EVENT_FINISHED ? YC_END_FINISHED
                   : e->type == YC_EVENT_FAILED ? YC_END_FAILED
                                                : YC_END_INTERRUPTED;
        copy_text(job->run_dir, sizeof job->run_dir, e->run_dir);
        if (e->type == YC_EVENT_INTERRUPTED) copy_text(job->checkpoint, sizeof job->checkpoint, e->path);
        if (e->best_epoch > 0) job->best_epoch = e->best_epoch;
        if (e->message) {
            yc_str_clear(&job->end_message);
            yc_str_append(&job->end_message, e->message);
        }
        break;
    default:
        break;
    }
}

static void read_events(YcJob *job) {
    while (job->events) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, job->events, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (errno == EINTR) continue;
            return;
        }
        size_t n = zmq_msg_size(&m);
        char *text = malloc(n + 1);
        if (text) {
            memcpy(text, zmq_msg_data(&m), n);
            text[n] = '\0';
            YcEventOwned *ev = malloc(sizeof *ev);
            if (ev && yc_event_from_json(text, ev) == 0) yc_job_apply_event(job, &ev->event);
            free(ev);
            free(text);
        }
        zmq_msg_close(&m);
    }
}

static void read_output(YcJob *job) {
    char buf[16384];
    while (job->out_fd >= 0) {
        ssize_t n = read(job->out_fd, buf, sizeof buf);
        if (n > 0) {
            yc_str_append_n(&job->output, buf, (size_t)n);
            keep_tail(&job->output, YC_JOB_OUTPUT_KEEP);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        close(job->out_fd); /* end of file (every writer has exited) or an error */
        job->out_fd = -1;
    }
}

static void record_exit(YcJob *job, int status, double now) {
    job->state = YC_JOB_EXITED;
    job->exited_at = now;
    if (WIFSIGNALED(status)) job->term_signal = WTERMSIG(status);
    else if (WIFEXITED(status)) job->exit_status = WEXITSTATUS(status);
}

static void finish(YcJobs *jobs, YcJob *job, double now) {
    read_events(job);
    read_output(job);
    close_events(job);
    if (job->out_fd >= 0) {
        close(job->out_fd);
        job->out_fd = -1;
    }
    if (!job->terminal_event) {
        if (job->term_signal) job->end = YC_END_KILLED;
        else if (job->exit_status == 0) job->end = YC_END_FINISHED;
        else if (job->exit_status == 2) job->end = YC_END_USAGE;
        else job->end = YC_END_FAILED;
    }
    /* A worker that ended abnormally may leave helpers (data-parallel ranks)
     * in its group: end them. The group still exists while they do, so its
     * id cannot have been reused. */
    if (job->end == YC_END_KILLED || job->end == YC_END_FAILED) kill(-job->pid, SIGKILL);
    yc_workers_remove(jobs->registry, job->pid);
    job->state = YC_JOB_DONE;
    job->ended = now;
    job->changed = true;
}

/* How long an exited worker's last events and output may take to arrive. */
#define DRAIN_EVENTS_S 0.3
#define DRAIN_OUTPUT_S 0.5

int yc_jobs_service(YcJobs *jobs, double now) {
    int done = 0;
    for (int i = 0; i < jobs->count; i++) {
        YcJob *job = jobs->list[i];
        if (job->state == YC_JOB_DONE) continue;
        read_events(job);
        read_output(job);
        if (job->state == YC_JOB_RUNNING) {
            int status;
            pid_t r = waitpid(job->pid, &status, WNOHANG);
            if (r == job->pid) record_exit(job, status, now);
            else if (r < 0 && errno == ECHILD) record_exit(job, 0, now);
        }
        if (job->state == YC_JOB_EXITED) {
            double waited = now - job->exited_at;
            bool events_in = job->terminal_event || waited >= DRAIN_EVENTS_S;
            bool output_in = job->out_fd < 0 || waited >= DRAIN_OUTPUT_S;
            if (events_in && output_in) {
                finish(jobs, job, now);
                done++;
            }
        }
    }
    return done;
}

int yc_jobs_timeout_ms(const YcJobs *jobs, double now) {
    int best = -1;
    for (int i = 0; i < jobs->count; i++) {
        const YcJob *job = jobs->list[i];
        int t = -1;
        if (job->state == YC_JOB_EXITED) {
            t = (int)((job->exited_at + DRAIN_OUTPUT_S - now) * 1000) + 1;
            if (t < 10) t = 10;
        } else if (job->state == YC_JOB_RUNNING) {
            t = 500; /* SIGCHLD wakes the loop; this is the safety net */
        }
        if (t >= 0 && (best < 0 || t < best)) best = t;
    }
    return best;
}

int yc_job_stop(YcJob *job, bool force) {
    if (job->state != YC_JOB_RUNNING) return 0;
    int sig = (force || job->stop_signals > 0) ? SIGKILL : SIGINT;
    kill(-job->pid, sig);
    job->stop_signals++;
    job->changed = true;
    return sig;
}

void yc_jobs_stop_all(YcJobs *jobs, int grace_ms) {
    int live = 0;
    for (int i = 0; i < jobs->count; i++)
        if (jobs->list[i]->state == YC_JOB_RUNNING) {
            kill(-jobs->list[i]->pid, SIGINT);
            jobs->list[i]->stop_signals++;
            live++;
        }
    double start = yc_monotonic_s();
    for (int phase = 0; phase < 2 && live > 0; phase++) {
        double limit = phase == 0 ? grace_ms / 1000.0 : 0.3;
        if (phase == 1)
            for (int i = 0; i < jobs->count; i++)
                if (jobs->list[i]->state == YC_JOB_RUNNING) kill(-jobs->list[i]->pid, SIGKILL);
        start = yc_monotonic_s();
        while (live > 0 && yc_monotonic_s() - start < limit) {
            live = 0;
            for (int i = 0; i < jobs->count; i++) {
                YcJob *job = jobs->list[i];
                if (job->state != YC_JOB_RUNNING) continue;
                int status;
                pid_t r = waitpid(job->pid, &status, WNOHANG);
                if (r == job->pid || (r < 0 && errno == ECHILD)) record_exit(job, r == job->pid ? status : 0, yc_monotonic_s());
                else live++;
            }
            if (live) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
        }
    }
    for (int i = 0; i < jobs->count; i++) {
        YcJob *job = jobs->list[i];
        if (job->state == YC_JOB_DONE) continue;
        /* the group may hold helpers of a leader that has exited */
        kill(-job->pid, SIGKILL);
        finish(jobs, job, yc_monotonic_s());
    }
}

const char *yc_job_state_word(const YcJob *job) {
    if (job->state != YC_JOB_DONE) return job->stop_signals ? "stopping" : "running";
    switch (job->end) {
    case YC_END_FINISHED: return "finished";
    case YC_END_FAILED: return "failed";
    case YC_END_USAGE: return "bad arguments";
    case YC_END_INTERRUPTED: return "interrupted";
    case YC_END_KILLED: return "killed";
    default: return "ended";
    }
}

void yc_job_describe_end(const YcJob *job, char *out, size_t cap) {
    switch (job->end) {
    case YC_END_KILLED: {
        const char *name = sigabbrev_np(job->term_signal);
        snprintf(out, cap, "killed by signal %d (SIG%s)%s", job->term_signal, name ? name : "?",
                 job->term_signal == SIGKILL && job->stop_signals > 1 ? " after it did not stop on SIGINT" : "");
        break;
    }
    case YC_END_FAILED:
        if (job->terminal_event) snprintf(out, cap, "failed");
        else snprintf(out, cap, "exited with status %d", job->exit_status);
        break;
    default: snprintf(out, cap, "%s", yc_job_state_word(job)); break;
    }
}
