/* The shell thread's state: the execute request being run (YcExec), the
 * queue of execute requests behind it, the jobs, the history and the
 * execution counter. Everything here belongs to the shell thread. */
#ifndef YC_KERNEL_H
#define YC_KERNEL_H

#include <stdbool.h>

#include "kernel_cell.h"
#include "kernel_history.h"
#include "kernel_jobs.h"
#include "kernel_output.h"
#include "kernel_shared.h"
#include "kernel_wire.h"
#include "strbuf.h"

#define YC_ABORT_WINDOW_S 0.05
/* Live displays are updated at most this often. */
#define YC_DISPLAY_INTERVAL_S 0.25
/* The live results plot is re-rendered at most this often. */
#define YC_PLOT_INTERVAL_S 1.0

typedef enum YcCmdStatus { YC_CMD_OK = 0, YC_CMD_ERROR, YC_CMD_WAIT } YcCmdStatus;

typedef struct YcExec {
    YcWireMsg req;
    YcOut out;
    char *code;
    YcCell cell;
    int next;                    /* the next command to run */
    bool silent, store_history, stop_on_error;
    int count;                   /* execution_count of this request */
    /* the error that ends the cell, for the reply */
    bool failed;
    char ename[64];
    YcStr evalue;
    cJSON *traceback;
    YcStr result_plain;          /* the last execute_result's text, for history */
    cJSON *payload;              /* the reply's payload list (a pager page), or NULL */
    /* waiting on jobs (a foreground job, or `wait`) */
    int wait_ids[64];
    int n_wait, wait_pos;
    bool stops_job_on_interrupt; /* foreground train/val/predict: interrupt stops the worker; wait: detaches */
    bool interrupted;
    char display_id[96];
    bool display_shown;
    double last_update;
    char plot_display_id[96];
    bool plot_shown;
    long long plot_mtime_ns;     /* results.csv when the plot was last rendered */
    double plot_rendered_at;
    int images_shown;            /* predict's annotated images shown in this cell */
} YcExec;

typedef struct YcKernel {
    YcKernelShared *shared;
    void *zctx;
    void *shell;                 /* ROUTER */
    void *wake;                  /* PAIR with the control thread */
    YcIopubSender sender;
    YcPublisher pub;
    int signal_fd;               /* -1 in tests */
    int execution_count;
    YcHistory history;
    YcJobs jobs;
    YcExec *exec;                /* the execute request running, or NULL */
    YcWireMsg *queue;            /* execute requests waiting for it */
    int queue_len, queue_cap;
    /* stop_on_error: execute requests that arrive within YC_ABORT_WINDOW_S of
     * an error are aborted too: "run all" sends every cell at once and this
     * kernel answers faster than the later ones arrive. */
    double abort_until;          /* monotonic seconds */
    bool quit;
    bool answer_control;         /* the shutdown came from the control thread */
} YcKernel;

/* The shell loop (kernel_shell.c): returns when the kernel shuts down. */
void yc_shell_run(YcKernel *k);
/* Takes every request already waiting on the shell socket: execute requests
 * join the queue, the others are answered. (Before aborting the queue after
 * an error: "run all" sends every cell at once.) */
void yc_shell_take_pending(YcKernel *k);

/* Execute requests (kernel_exec.c). */
void yc_exec_start(YcKernel *k, YcWireMsg *req);     /* takes the message */
void yc_exec_on_jobs(YcKernel *k, double now);       /* job progress and ends */
void yc_exec_interrupt(YcKernel *k);
void yc_exec_abort_queue(YcKernel *k);
/* True when an execute request arriving now must be aborted (see abort_until). */
bool yc_exec_should_abort(const YcKernel *k, const YcWireMsg *req);
int yc_exec_timeout_ms(const YcKernel *k, double now);
/* Records the cell's error and publishes it; returns YC_CMD_ERROR. traceback may be NULL. */
YcCmdStatus yc_exec_error(YcExec *x, const char *ename, const char *evalue, const char *const *traceback, int count);
YcCmdStatus yc_exec_errorf(YcExec *x, const char *ename, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A page for the client's pager (the reply's payload, source "page"):
 * data consumed, must hold text/plain. */
void yc_exec_page(YcExec *x, cJSON *data);
/* An execute_result (data consumed, must hold text/plain). */
void yc_exec_result(YcExec *x, cJSON *data);
/* Makes the cell wait for a job (foreground or `wait`). */
YcCmdStatus yc_exec_wait_for(YcKernel *k, YcExec *x, const int *ids, int count, bool stops_job_on_interrupt);

/* Commands (kernel_commands.c and kernel_cmd_*.c). */
typedef YcCmdStatus (*YcCmdFn)(YcKernel *k, YcExec *x, int argc, char **argv);

typedef enum YcCompleteKind {
    YC_COMPLETE_NOTHING = 0,
    YC_COMPLETE_ARGS,            /* key=value from the argument table */
    YC_COMPLETE_PLOT,            /* plot kinds, then run= */
    YC_COMPLETE_JOBS,            /* job ids */
    YC_COMPLETE_RUNS,            /* run directories */
    YC_COMPLETE_HELP,            /* commands and argument names */
    YC_COMPLETE_PROJECT,         /* project= */
} YcCompleteKind;

typedef struct YcCommand {
    const char *name;
    const char *usage;
    const char *summary;
    const char *details;         /* a paragraph for `help NAME` and inspection */
    YcCmdFn run;
    YcCompleteKind completes;
} YcCommand;

extern const YcCommand yc_commands[];
extern const int yc_command_count;
const YcCommand *yc_command_find(const char *name);
/* The names, for suggestions and checks: fills out, returns how many. */
#define YC_MAX_COMMANDS 32
int yc_command_names(const char **out, int cap);

YcCmdStatus yc_cmd_echo(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_clear(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_help(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_cfg(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_tensorboard(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_train(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_val(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_predict(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_info(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_devices(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_jobs(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_wait(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_stop(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_runs(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_plot(YcKernel *k, YcExec *x, int argc, char **argv);
YcCmdStatus yc_cmd_compare(YcKernel *k, YcExec *x, int argc, char **argv);

/* project=DIR from a command's words (default runs/detect) as an absolute
 * path; publishes a usage error and returns -1 on other words. */
int yc_project_dir(YcExec *x, int argc, char **argv, char *out, size_t cap);

/* The kinds `plot` knows (for completion): tracking's (yc_plot_kind_name)
 * and `val`. Fills out, returns how many. */
#define YC_KERNEL_PLOT_KINDS 16
int yc_kernel_plot_kinds(const char **out, int cap);

/* What a cell shows when a job it waits on ends (kernel_cmd_jobs.c): the
 * final display, the validation table, the plots or predicted images, or the
 * error. Returns YC_CMD_ERROR when the job did not finish. */
YcCmdStatus yc_job_show_end(YcKernel *k, YcExec *x, YcJob *job);
/* Updates the job's live display (and, after an epoch, the results plot). */
void yc_job_show_progress(YcKernel *k, YcExec *x, YcJob *job, double now);

#endif
