/* resume=true | resume=path/to/last.safetensors: which checkpoint, which run
 * directory, and the arguments to continue with (the checkpoint's train_args,
 * with the few the reference lets a resume change taken from the command
 * line: imgsz, batch, device, close_mosaic, save_period, workers, cache,
 * patience, time, freeze, val, plots). */
#ifndef YC_TRAIN_RESUME_H
#define YC_TRAIN_RESUME_H

#include <stddef.h>

#include "args.h"
#include "error.h"

/* The newest weights/last.safetensors under dir (searched a few levels
 * deep). -1 with an error naming dir when there is none. */
int yc_train_latest_last(const char *dir, char *out, size_t cap, YcErr *err);

/* For args->resume on: finds the checkpoint (the latest under args->project,
 * default runs/detect, when no path is given), checks it can be resumed, and
 * replaces *args by the run's arguments (resume then holds the checkpoint's
 * path). ckpt and run_dir receive the checkpoint and its run directory. */
int yc_train_resume_args(YcArgs *args, char *ckpt, size_t ckpt_cap, char *run_dir, size_t dir_cap, YcErr *err);

#endif
