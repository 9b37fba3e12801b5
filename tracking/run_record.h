/* run.json: the run record (docs/ARCHITECTURE.md, "run.json (version 1)").
 * Written atomically whenever something changes (start, each epoch, end), so
 * `yoloc runs` and the kernel can read a consistent record at any moment. */
#ifndef YC_RUN_RECORD_H
#define YC_RUN_RECORD_H

#include <stdbool.h>

#include "error.h"

typedef enum YcRunStatus {
    YC_RUN_UNSET = 0,      /* for yc_tracker_close: use what the events said */
    YC_RUN_RUNNING,
    YC_RUN_FINISHED,
    YC_RUN_INTERRUPTED,
    YC_RUN_FAILED,
} YcRunStatus;

typedef struct YcRunMetrics {
    double precision, recall, map50, map50_95, fitness;
} YcRunMetrics;

typedef struct YcRunRecord {
    int version;               /* 1 */
    char name[256];
    char run_dir[4096];
    YcRunStatus status;
    double start_time;         /* unix seconds */
    double end_time;           /* NAN while running (null in the file) */
    char host[256];
    long pid;
    char command[8192];
    char model[1024];
    char data[1024];
    int epochs;
    int epochs_done;
    int best_epoch;            /* 0 = none yet (best is then null) */
    YcRunMetrics best;
    char message[4096];
} YcRunRecord;

/* "running", "finished", "interrupted", "failed" ("unset" for YC_RUN_UNSET). */
const char *yc_run_status_name(YcRunStatus status);
/* -1 when the text is none of the four. */
int yc_run_status_parse(const char *text, YcRunStatus *out);

/* A fresh record: version 1, status running, end_time NAN, this host and pid. */
void yc_run_record_init(YcRunRecord *rec);

int yc_run_record_write(const char *path, const YcRunRecord *rec, YcErr *err);
/* Errors name the file and the key that is missing or of the wrong type. */
int yc_run_record_read(const char *path, YcRunRecord *rec, YcErr *err);

#endif
