/* run.json reading and writing (see run_record.h). */
#include "run_record.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

static const char *status_names[] = {"unset", "running", "finished", "interrupted", "failed"};

const char *yc_run_status_name(YcRunStatus status) {
    return (status >= YC_RUN_UNSET && status <= YC_RUN_FAILED) ? status_names[status] : "unset";
}

int yc_run_status_parse(const char *text, YcRunStatus *out) {
    for (int s = YC_RUN_RUNNING; s <= YC_RUN_FAILED; s++)
        if (strcmp(text, status_names[s]) == 0) {
            *out = (YcRunStatus)s;
            return 0;
        }
    return -1;
}

void yc_run_record_init(YcRunRecord *rec) {
    memset(rec, 0, sizeof *rec);
    rec->version = 1;
    rec->status = YC_RUN_RUNNING;
    rec->end_time = NAN;
    if (gethostname(rec->host, sizeof rec->host) != 0) snprintf(rec->host, sizeof rec->host, "localhost");
    rec->host[sizeof rec->host - 1] = '\0';
    rec->pid = (long)getpid();
}

static void add_number_or_null(cJSON *o, const char *key, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);
}

int yc_run_record_write(const char *path, const YcRunRecord *rec, YcErr *err) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "version", rec->version ? rec->version : 1);
    cJSON_AddStringToObject(o, "name", rec->name);
    cJSON_AddStringToObject(o, "run_dir", rec->run_dir);
    cJSON_AddStringToObject(o, "status", yc_run_status_name(rec->status));
    add_number_or_null(o, "start_time", rec->start_time);
    add_number_or_null(o, "end_time", rec->end_time);
    cJSON_AddStringToObject(o, "host", rec->host);
    cJSON_AddNumberToObject(o, "pid", (double)rec->pid);
    cJSON_AddStringToObject(o, "command", rec->command);
    cJSON_AddStringToObject(o, "model", rec->model);
    cJSON_AddStringToObject(o, "data", rec->data);
    cJSON_AddNumberToObject(o, "epochs", rec->epochs);
    cJSON_AddNumberToObject(o, "epochs_done", rec->epochs_done);
    if (rec->best_epoch > 0) {
        cJSON_AddNumberToObject(o, "best_epoch", rec->best_epoch);
        cJSON *best = cJSON_AddObjectToObject(o, "best");
        add_number_or_null(best, "precision", rec->best.precision);
        add_number_or_null(best, "recall", rec->best.recall);
        add_number_or_null(best, "map50", rec->best.map50);
        add_number_or_null(best, "map50_95", rec->best.map50_95);
        add_number_or_null(best, "fitness", rec->best.fitness);
    } else {
        cJSON_AddNullToObject(o, "best_epoch");
        cJSON_AddNullToObject(o, "best");
    }
    cJSON_AddStringToObject(o, "message", rec->message);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) return yc_err(err, "%s: out of memory", path);
    size_t n = strlen(text);
    text[n] = '\n'; /* replace the NUL: the file ends with a newline */
    int rc = yc_write_file_atomic(path, text, n + 1, err);
    cJSON_free(text);
    return rc;
}

static int get_string(const cJSON *o, const char *key, char *out, size_t cap, const char *path, YcErr *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNull(v) || !v) {
        out[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(v)) return yc_err(err, "%s: '%s' must be a string", path, key);
    snprintf(out, cap, "%s", v->valuestring);
    return 0;
}

static int get_number(const cJSON *o, const char *key, double *out, const char *path, YcErr *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(v)) return yc_err(err, "%s: '%s' must be a number or null", path, key);
    *out = v->valuedouble;
    return 0;
}

int yc_run_record_read(const char *path, YcRunRecord *rec, YcErr *err) {
    memset(rec, 0, sizeof *rec);
    char *text;
    size_t size;
    if (yc_read_file(path, &text, &size, err)) return -1;
    cJSON *o = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return yc_err(err, "%s: not a JSON object", path);
    }
    int rc = -1;
    double version, pid, epochs, epochs_done, best_epoch;
    char status[64];
    if (get_number(o, "version", &version, path, err)) goto done;
    if (version != 1) {
        yc_err(err, "%s: version %g is not supported (expected 1)", path, version);
        goto done;
    }
    rec->version = 1;
    if (get_string(o, "name", rec->name, sizeof rec->name, path, err) ||
        get_string(o, "run_dir", rec->run_dir, sizeof rec->run_dir, path, err) ||
        get_string(o, "status", status, sizeof status, path, err) ||
        get_number(o, "start_time", &rec->start_time, path, err) ||
        get_number(o, "end_time", &rec->end_time, path, err) ||
        get_string(o, "host", rec->host, sizeof rec->host, path, err) || get_number(o, "pid", &pid, path, err) ||
        get_string(o, "command", rec->command, sizeof rec->command, path, err) ||
        get_string(o, "model", rec->model, sizeof rec->model, path, err) ||
        get_string(o, "data", rec->data, sizeof rec->data, path, err) ||
        get_number(o, "epochs", &epochs, path, err) || get_number(o, "epochs_done", &epochs_done, path, err) ||
        get_number(o, "best_epoch", &best_epoch, path, err) ||
        get_string(o, "message", rec->message, sizeof rec->message, path, err))
        goto done;
    if (yc_run_status_parse(status, &rec->status)) {
        yc_err(err, "%s: status '%s' is not one of running, finished, interrupted, failed", path, status);
        goto done;
    }
    rec->pid = isfinite(pid) ? (long)pid : 0;
    rec->epochs = isfinite(epochs) ? (int)epochs : 0;
    rec->epochs_done = isfinite(epochs_done) ? (int)epochs_done : 0;
    rec->best_epoch = isfinite(best_epoch) ? (int)best_epoch : 0;
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(o, "best");
    rec->best = (YcRunMetrics){NAN, NAN, NAN, NAN, NAN};
    if (cJSON_IsObject(best)) {
        if (get_number(best, "precision", &rec->best.precision, path, err) ||
            get_number(best, "recall", &rec->best.recall, path, err) ||
            get_number(best, "map50", &rec->best.map50, path, err) ||
            get_number(best, "map50_95", &rec->best.map50_95, path, err) ||
            get_number(best, "fitness", &rec->best.fitness, path, err))
            goto done;
    } else if (best && !cJSON_IsNull(best)) {
        yc_err(err, "%s: 'best' must be an object or null", path);
        goto done;
    }
    rc = 0;
done:
    cJSON_Delete(o);
    return rc;
}
