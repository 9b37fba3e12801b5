/* Worker jobs: `train`, `val`, `predict` and `info` run as `yoloc MODE ...`
 * processes, each in its own process group, reporting training events over a
 * ZeroMQ PUSH socket to a PULL socket the kernel binds on loopback (the
 * YOLOC_EVENTS contract, docs/ARCHITECTURE.md). Their stdout and stderr go to
 * a pipe whose tail the kernel keeps (shown when a job fails).
 *
 * Owned by the shell thread: it polls the jobs' sockets and pipes in its loop
 * (yc_jobs_poll_items / yc_jobs_service) and never waits on a worker. */
#ifndef YC_KERNEL_JOBS_H
#define YC_KERNEL_JOBS_H

#include <stdbool.h>
#include <sys/types.h>
#include <zmq.h>

#include "error.h"
#include "events.h"
#include "kernel_shared.h"
#include "strbuf.h"

#define YC_JOB_OUTPUT_KEEP (64 * 1024)  /* bytes of worker output kept (the tail) */
#define YC_JOB_LOG_KEEP 200              /* log lines kept */

typedef enum YcJobState {
    YC_JOB_RUNNING = 0,
    YC_JOB_EXITED,      /* the process ended; its last events and output are being read */
    YC_JOB_DONE,
} YcJobState;

typedef enum YcJobEnd {
    YC_END_NONE = 0,
    YC_END_FINISHED,
    YC_END_FAILED,       /* a failed event, or a non-zero exit */
    YC_END_USAGE,        /* exit status 2: bad arguments (the message is on stderr) */
    YC_END_INTERRUPTED,  /* an interrupted event: last weights saved */
    YC_END_KILLED,       /* ended by a signal without a final event */
} YcJobEnd;

typedef struct YcEpochRow {
    int epoch;
    double losses[3];
    double precision, recall, map50, map50_95;
    double val_losses[3];
    double fitness;
    double seconds;
} YcEpochRow;

typedef struct YcJob {
    int id;
    pid_t pid;                 /* also the process group */
    char mode[16];             /* train, val, predict, info */
    char *command;             /* the cell line, for `jobs` */
    bool background;
    void *events;              /* PULL socket; NULL once closed */
    char endpoint[96];
    int out_fd;                /* -1 at end of file */
    YcStr output;              /* the tail of stdout + stderr */
    double started, exited_at, ended;
    YcJobState state;
    YcJobEnd end;
    int exit_status;           /* when exited normally */
    int term_signal;           /* when killed by a signal */
    int stop_signals;          /* SIGINTs sent by stop/interrupt; the next escalates */
    bool terminal_event;       /* finished / failed / interrupted seen */
    /* progress from events */
    int events_seen;
    int epoch, epochs, batch, batches;
    double losses[3];
    double images_per_sec, elapsed_s, eta_s, device_mem_gb;
    int instances, imgsz;
    bool in_val;
    int val_batch, val_batches;
    int best_epoch;
    double best_fitness;
    char run_dir[1024];
    char checkpoint[1024];     /* last checkpoint path */
    YcStr val_table;           /* the last val_end message (the printed table) */
    YcStr end_message;         /* of the failed / interrupted event */
    YcEpochRow *rows;
    int n_rows, cap_rows;
    YcStr pending_log;         /* log lines not yet shown by the attached cell */
    /* predict: progress and the annotated images of predict_image events */
    int images_done, images_total;
    int images_saved;          /* events that named an annotated image */
    YcStr pending_images;      /* their paths not yet shown, one per line */
    bool changed;              /* progress changed since the last display update */
} YcJob;

typedef struct YcJobs {
    YcJob **list;
    int count, cap;
    int next_id;
    void *zctx;
    YcWorkerRegistry *registry;
    char worker[4096];         /* the program run for jobs */
} YcJobs;

/* worker: the program to run (YOLOC_WORKER, else bin/yoloc next to the kernel). */
void yc_jobs_init(YcJobs *jobs, void *zctx, YcWorkerRegistry *registry);
void yc_jobs_free(YcJobs *jobs);

/* The worker program: $YOLOC_WORKER (a test and development knob), else
 * `yoloc` in the directory of the running program. */
void yc_jobs_default_worker(char *out, size_t cap);

/* Starts `WORKER mode words...`. command is the text shown by `jobs`. */
YcJob *yc_jobs_spawn(YcJobs *jobs, const char *mode, int argc, char *const argv[], const char *command, bool background,
                     YcErr *err);

YcJob *yc_jobs_find(YcJobs *jobs, int id);
/* The most recently started job, or NULL. */
YcJob *yc_jobs_last(YcJobs *jobs);
int yc_jobs_running(const YcJobs *jobs);

/* Poll items for the jobs' event sockets and pipes: fills at most cap items
 * and returns how many. */
int yc_jobs_poll_items(YcJobs *jobs, zmq_pollitem_t *items, int cap);

/* Reads what is ready (events, output) and reaps exited workers. Returns the
 * number of jobs that became DONE (their end is known). now: monotonic seconds. */
int yc_jobs_service(YcJobs *jobs, double now);

/* Milliseconds until yc_jobs_service must run again (a job draining after its
 * exit), or -1. */
int yc_jobs_timeout_ms(const YcJobs *jobs, double now);

/* Stops a job gracefully: SIGINT to its process group (the worker ends its
 * batch, saves last weights and flushes); a job already sent SIGINT, or force,
 * gets SIGKILL. Returns the signal sent, or 0 when the job is not running. */
int yc_job_stop(YcJob *job, bool force);

/* Stops every worker: SIGINT, up to grace_ms for them to end, then SIGKILL to
 * the whole groups; reaps them. Bounded by grace_ms + 300 ms. */
void yc_jobs_stop_all(YcJobs *jobs, int grace_ms);

/* One line about how a job ended, e.g. "finished", "killed by signal 9 (SIGKILL)". */
void yc_job_describe_end(const YcJob *job, char *out, size_t cap);
const char *yc_job_state_word(const YcJob *job);

/* Feeds one event to a job (exposed for tests). */
void yc_job_apply_event(YcJob *job, const YcEvent *e);

double yc_monotonic_s(void);

#endif
