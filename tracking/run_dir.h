/* Run directories: <project>/<name>, numbered like the reference's
 * increment_path (train, train2, train3, ...) unless exist_ok. project
 * defaults to runs/<task> (runs/detect) and name to the mode (train, val,
 * predict). Creation is race-free: a numbered name is claimed with mkdir, so
 * two runs started at once never share a directory. */
#ifndef YC_RUN_DIR_H
#define YC_RUN_DIR_H

#include <stddef.h>

#include "args.h"
#include "error.h"

/* Creates the run directory (and its weights/ subdirectory) for these
 * arguments and puts its path in out. */
int yc_run_dir_create(const YcArgs *args, char *out, size_t cap, YcErr *err);

/* The same with explicit parts: project "" = runs/detect, name "" = "train". */
int yc_run_dir_create_at(const char *project, const char *name, bool exist_ok, char *out, size_t cap, YcErr *err);

#endif
