/* execute_request: the cell is parsed into commands that run one after
 * another; a command that starts a foreground job (or `wait`) suspends the
 * cell until the job ends, while the shell loop keeps serving other requests.
 * Order on iopub: busy, execute_input, outputs, then (after the reply) idle. */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "kernel_msg.h"

static void exec_free(YcExec *x) {
    yc_wire_free(&x->req);
    free(x->code);
    yc_cell_free(&x->cell);
    yc_str_free(&x->evalue);
    yc_str_free(&x->result_plain);
    cJSON_Delete(x->traceback);
    cJSON_Delete(x->payload);
    free(x);
}

YcCmdStatus yc_exec_error(YcExec *x, const char *ename, const char *evalue, const char *const *traceback, int count) {
    x->failed = true;
    snprintf(x->ename, sizeof x->ename, "%s", ename);
    yc_str_clear(&x->evalue);
    yc_str_append(&x->evalue, evalue);
    cJSON_Delete(x->traceback);
    x->traceback = cJSON_CreateArray();
    if (count > 0) {
        for (int i = 0; i < count; i++) cJSON_AddItemToArray(x->traceback, cJSON_CreateString(traceback[i]));
    } else {
        YcStr line;
        yc_str_init(&line);
        yc_str_printf(&line, "\x1b[0;31m%s\x1b[0m: %s", ename, evalue);
        cJSON_AddItemToArray(x->traceback, cJSON_CreateString(yc_str_cstr(&line)));
        yc_str_free(&line);
    }
    int n = cJSON_GetArraySize(x->traceback);
    const char **lines = calloc((size_t)n + 1, sizeof *lines);
    for (int i = 0; lines && i < n; i++) lines[i] = cJSON_GetArrayItem(x->traceback, i)->valuestring;
    yc_out_error(&x->out, ename, evalue, lines, lines ? n : 0);
    free(lines);
    return YC_CMD_ERROR;
}

YcCmdStatus yc_exec_errorf(YcExec *x, const char *ename, const char *fmt, ...) {
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return yc_exec_error(x, ename, msg, NULL, 0);
}

void yc_exec_result(YcExec *x, cJSON *data) {
    const cJSON *plain = cJSON_GetObjectItemCaseSensitive(data, "text/plain");
    yc_str_clear(&x->result_plain);
    if (cJSON_IsString(plain)) yc_str_append(&x->result_plain, plain->valuestring);
    yc_out_result(&x->out, data, NULL);
}

void yc_exec_page(YcExec *x, cJSON *data) {
    if (x->silent) { /* a silent request shows nothing */
        cJSON_Delete(data);
        return;
    }
    if (!x->payload) x->payload = cJSON_CreateArray();
    cJSON *page = cJSON_CreateObject();
    cJSON_AddStringToObject(page, "source", "page");
    cJSON_AddItemToObject(page, "data", data);
    cJSON_AddNumberToObject(page, "start", 0);
    cJSON_AddItemToArray(x->payload, page);
}

static void reply(YcKernel *k, const YcWireMsg *req, const char *type, cJSON *content) {
    yc_msg_send(k->shell, &k->sender.hmac, &k->shared->session, req->ids, req->n_ids, type, req->header_text, NULL,
                content);
    cJSON_Delete(content);
}

static void user_expressions_reply(const YcWireMsg *req, cJSON *content) {
    /* The cell language has no expressions to evaluate: say so for each. */
    cJSON *out = cJSON_AddObjectToObject(content, "user_expressions");
    const cJSON *ue = cJSON_GetObjectItemCaseSensitive(req->content, "user_expressions");
    const cJSON *item;
    cJSON_ArrayForEach(item, ue) {
        if (!item->string) continue;
        cJSON *r = cJSON_AddObjectToObject(out, item->string);
        cJSON_AddStringToObject(r, "status", "error");
        cJSON_AddStringToObject(r, "ename", "NotSupported");
        cJSON_AddStringToObject(r, "evalue", "yoloc cells have no expressions to evaluate");
        cJSON_AddArrayToObject(r, "traceback");
    }
}

static void finish(YcKernel *k) {
    YcExec *x = k->exec;
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "status", x->failed ? "error" : "ok");
    cJSON_AddNumberToObject(content, "execution_count", x->count);
    if (x->failed) {
        cJSON_AddStringToObject(content, "ename", x->ename);
        cJSON_AddStringToObject(content, "evalue", yc_str_cstr(&x->evalue));
        cJSON_AddItemToObject(content, "traceback", x->traceback ? x->traceback : cJSON_CreateArray());
        x->traceback = NULL;
    }
    cJSON_AddItemToObject(content, "payload", x->payload ? x->payload : cJSON_CreateArray());
    x->payload = NULL;
    user_expressions_reply(&x->req, content);
    reply(k, &x->req, "execute_reply", content);
    yc_publish_status(&k->pub, x->req.header_text, "idle");
    if (x->store_history && !x->silent)
        yc_history_add(&k->history, x->count, x->code, x->result_plain.len ? yc_str_cstr(&x->result_plain) : NULL);
    bool abort = x->failed && x->stop_on_error && !x->silent;
    exec_free(x);
    k->exec = NULL;
    if (abort) {
        k->abort_until = yc_monotonic_s() + YC_ABORT_WINDOW_S;
        if (k->shell) yc_shell_take_pending(k);
        yc_exec_abort_queue(k);
    }
}

/* Replies "error" (aborted) to one execute request without running it. */
static void abort_one(YcKernel *k, YcWireMsg *req) {
    yc_publish_status(&k->pub, req->header_text, "busy");
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "status", "error");
    cJSON_AddNumberToObject(content, "execution_count", k->execution_count);
    cJSON_AddStringToObject(content, "ename", "Aborted");
    cJSON_AddStringToObject(content, "evalue", "not run: an earlier cell failed (stop_on_error)");
    cJSON *tb = cJSON_AddArrayToObject(content, "traceback");
    cJSON_AddItemToArray(tb, cJSON_CreateString("Aborted: not run: an earlier cell failed (stop_on_error)"));
    cJSON_AddArrayToObject(content, "payload");
    cJSON_AddObjectToObject(content, "user_expressions");
    reply(k, req, "execute_reply", content);
    yc_publish_status(&k->pub, req->header_text, "idle");
}

bool yc_exec_should_abort(const YcKernel *k, const YcWireMsg *req) {
    (void)req;
    return yc_monotonic_s() < k->abort_until;
}

void yc_exec_abort_queue(YcKernel *k) {
    for (int i = 0; i < k->queue_len; i++) {
        abort_one(k, &k->queue[i]);
        yc_wire_free(&k->queue[i]);
    }
    k->queue_len = 0;
}

/* Runs commands until the cell ends or waits on a job. */
static void run_commands(YcKernel *k) {
    YcExec *x = k->exec;
    while (x->next < x->cell.count && !x->failed) {
        YcCellCommand *c = &x->cell.commands[x->next++];
        const YcCommand *cmd = yc_command_find(c->argv[0]);
        YcCmdStatus st = cmd->run(k, x, c->argc, c->argv);
        if (st == YC_CMD_WAIT) return;
    }
    finish(k);
}

void yc_exec_start(YcKernel *k, YcWireMsg *req) {
    YcExec *x = calloc(1, sizeof *x);
    if (!x) {
        yc_wire_free(req);
        return;
    }
    x->req = *req;
    memset(req, 0, sizeof *req);
    yc_str_init(&x->evalue);
    yc_str_init(&x->result_plain);
    const cJSON *c = x->req.content;
    x->code = strdup(yc_msg_str(c, "code", ""));
    x->silent = yc_msg_bool(c, "silent", 0);
    x->store_history = x->silent ? false : yc_msg_bool(c, "store_history", 1);
    x->stop_on_error = yc_msg_bool(c, "stop_on_error", 1);
    k->exec = x;
    yc_publish_status(&k->pub, x->req.header_text, "busy");
    if (x->store_history) k->execution_count++;
    x->count = k->execution_count;
    yc_out_init(&x->out, &k->pub, x->req.header_text, x->silent, x->count);
    if (!x->silent) {
        cJSON *input = cJSON_CreateObject();
        cJSON_AddStringToObject(input, "code", x->code ? x->code : "");
        cJSON_AddNumberToObject(input, "execution_count", x->count);
        k->pub.fn(k->pub.ctx, "execute_input", x->req.header_text, input);
    }
    YcErr err;
    const char *names[YC_MAX_COMMANDS];
    int count = yc_command_names(names, YC_MAX_COMMANDS);
    int rc = x->code ? yc_cell_parse(x->code, strlen(x->code), &x->cell, &err) : -1;
    if (rc < 0) {
        yc_exec_error(x, "OutOfMemory", "out of memory", NULL, 0);
    } else if (rc == YC_CELL_INCOMPLETE) {
        yc_exec_error(x, "SyntaxError", err.msg, NULL, 0);
    } else if (yc_cell_check(&x->cell, names, count, &err) != YC_CELL_COMPLETE) {
        yc_exec_error(x, "UnknownCommand", err.msg, NULL, 0);
    }
    run_commands(k);
}

YcCmdStatus yc_exec_wait_for(YcKernel *k, YcExec *x, const int *ids, int count, bool stops_job_on_interrupt) {
    (void)k;
    x->n_wait = count < 64 ? count : 64;
    memcpy(x->wait_ids, ids, (size_t)x->n_wait * sizeof *ids);
    x->wait_pos = 0;
    x->stops_job_on_interrupt = stops_job_on_interrupt;
    x->display_shown = false;
    x->plot_shown = false;
    x->plot_mtime_ns = 0;
    x->plot_rendered_at = 0;
    x->images_shown = 0;
    x->last_update = 0;
    return YC_CMD_WAIT;
}

static YcJob *waited_job(YcKernel *k) {
    YcExec *x = k->exec;
    if (!x || x->wait_pos >= x->n_wait) return NULL;
    return yc_jobs_find(&k->jobs, x->wait_ids[x->wait_pos]);
}

void yc_exec_on_jobs(YcKernel *k, double now) {
    for (;;) {
        YcExec *x = k->exec;
        YcJob *job = waited_job(k);
        if (!x || !job) return;
        if (job->state != YC_JOB_DONE) {
            if (!x->display_shown || (job->changed && now - x->last_update >= YC_DISPLAY_INTERVAL_S))
                yc_job_show_progress(k, x, job, now);
            return;
        }
        YcCmdStatus st = yc_job_show_end(k, x, job);
        x->wait_pos++;
        if (st == YC_CMD_ERROR || x->interrupted) {
            x->n_wait = 0;
            if (!x->failed) yc_exec_errorf(x, "Interrupted", "interrupted");
            finish(k);
            return;
        }
        if (x->wait_pos < x->n_wait) {
            x->display_shown = false; /* the next job gets its own display */
            x->plot_shown = false;
            x->plot_mtime_ns = 0;
            continue;
        }
        x->n_wait = 0;
        run_commands(k);
        return;
    }
}

int yc_exec_timeout_ms(const YcKernel *k, double now) {
    const YcExec *x = k->exec;
    if (!x || x->wait_pos >= x->n_wait) return -1;
    double due = x->last_update + YC_DISPLAY_INTERVAL_S - now;
    int ms = (int)(due * 1000) + 1;
    return ms < 10 ? 10 : ms;
}

void yc_exec_interrupt(YcKernel *k) {
    YcExec *x = k->exec;
    YcJob *job = waited_job(k);
    if (!x || !job) return;
    if (x->stops_job_on_interrupt) {
        /* the worker ends its batch, saves last weights and flushes; a
         * second interrupt kills it */
        int sig = yc_job_stop(job, false);
        x->interrupted = true;
        if (sig == SIGKILL) yc_out_stream(&x->out, "stderr", "interrupted again: killing the worker\n");
        return;
    }
    /* `wait`: stop waiting; the jobs go on */
    x->interrupted = true;
    char msg[256];
    snprintf(msg, sizeof msg, "stopped waiting; job %d is still %s ('stop %d' stops it)", job->id,
             yc_job_state_word(job), job->id);
    x->n_wait = 0;
    yc_exec_error(x, "Interrupted", msg, NULL, 0);
    finish(k);
}
