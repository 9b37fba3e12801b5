/* Run directories as the kernel sees them: resolving a name to a directory,
 * the latest run, reading run.json (docs/ARCHITECTURE.md, version 1) and
 * showing a run's PNGs inline. */
#ifndef YC_KERNEL_RUNS_H
#define YC_KERNEL_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "kernel_output.h"

typedef struct YcKernelRun {
    char dir[4096];
    char name[256];
    char status[32];           /* running, finished, interrupted, failed; "" when unknown */
    int epochs, epochs_done, best_epoch;
    double start_time, end_time; /* unix seconds; 0 when unknown */
    double precision, recall, map50, map50_95, fitness; /* of the best epoch; NAN when unknown */
    char model[256], data[256];
    bool has_record;           /* a run.json was read */
} YcKernelRun;

/* NAME as a directory if it is one, else PROJECT/NAME (project default
 * runs/detect); "" = the latest run. Errors say where it looked. */
int yc_run_resolve(const char *name, const char *project, char *out, size_t cap, YcErr *err);

/* The most recently modified run directory of a project; -1 if none. */
int yc_run_latest(const char *project, char *out, size_t cap);

/* Reads DIR/run.json (missing file: has_record false, not an error; a
 * broken one is an error naming it). */
int yc_kernel_run_read(const char *dir, YcKernelRun *info, YcErr *err);

/* Every run directory of a project (those with run.json or results.csv),
 * sorted by start time; returns the count (caller frees *runs). */
int yc_kernel_runs_list(const char *project, YcKernelRun **runs, YcErr *err);

/* Shows DIR/FILE (a PNG or JPEG) as display_data; -1 with err if missing or
 * not an image. */
int yc_show_image_file(YcOut *out, const char *path, YcErr *err);

/* Modification time of a file in nanoseconds, 0 if missing. */
long long yc_file_mtime_ns(const char *path);

#endif
