/* Finding a run directory from what a user types: a directory, a name in a
 * project, or nothing (the latest run). Shared by `yoloc compare` and the
 * notebook kernel's plot and compare commands. */
#ifndef YC_RUN_FIND_H
#define YC_RUN_FIND_H

#include <stddef.h>

#include "error.h"

/* A run directory holds run.json, results.csv or args.yaml. */
int yc_is_run_dir(const char *dir);

/* The most recently modified run directory of a project (its own mtime or
 * its results.csv's, whichever is later); -1 when there is none. */
int yc_run_latest(const char *project, char *out, size_t cap);

/* NAME as a directory if it is one, else PROJECT/NAME (project default
 * runs/detect); NULL or "" = the latest run of the project. Errors say
 * where it looked. */
int yc_run_resolve(const char *name, const char *project, char *out, size_t cap, YcErr *err);

/* Modification time in nanoseconds; 0 when the file is missing. */
long long yc_file_mtime_ns(const char *path);

#endif
