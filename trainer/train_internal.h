/* Inside the training loop: the state shared by train_loop.c (set-up, the
 * epoch loop, the end), train_epoch.c (the batches of one epoch) and
 * train_epoch_end.c (validation, fitness, checkpoints). */
#ifndef YC_TRAIN_INTERNAL_H
#define YC_TRAIN_INTERNAL_H

#include "optim.h"
#include "schedule.h"
#include "train_checkpoint.h"
#include "train_input.h"
#include "train_loop.h"
#include "gpu_fused.h"
#include "gpu_loss_scale.h"
#include "train_loss.h"

typedef struct YcTrainer {
    const YcTrainSetup *s;
    const YcArgs *a;
    YcTrainResult *r;
    YcModel *m;
    YcBackend *be;
    YcParam *params;              /* the model's parameters (backend memory) */
    int np, nc;
    YcFused *fused;               /* optimiser and EMA updates through the backend (gpu_fused.h) */
    YcLossScaler scaler;          /* amp=fp16 on a device backend; disabled otherwise */
    YcModel *ema_model;           /* evaluation copy holding the EMA weights */
    YcOptim opt;
    bool have_opt;
    YcEma ema;
    bool have_ema;
    YcSchedule sched;
    YcLossRunner loss;
    YcInput input;
    YcTrainState st;
    int nb, B, imgsz, stride;
    long nw;
    long plot_idx[6];
    int n_plot;
    bool stop;                    /* end training after this epoch */
    bool possible_stop;           /* EarlyStopping: a stop may come next epoch */
    double session_start;         /* monotonic seconds at the start of this session (or the last save) */
    double epoch_start;           /* monotonic seconds at the start of the current epoch */
    char wdir[4096], last[4096], best[4096];
    char msg[2048];               /* failure or interrupt message */
} YcTrainer;

double yc_train_now(void);
double yc_train_wall(void);
void yc_train_emit(YcTrainer *t, YcEvent *e);
void yc_train_log(YcTrainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Seconds trained in this run, over every session. */
double yc_train_elapsed(const YcTrainer *t);

/* One epoch's batches from st.next_batch: 0 done, 1 interrupted (checkpoint
 * written), 2 time limit reached, -1 failed (t->msg). */
int yc_train_epoch(YcTrainer *t, int epoch);

/* "training stopped; the last good checkpoint is ..." for failure messages. */
void yc_train_kept_checkpoint(const YcTrainer *t, char *out, size_t cap);

/* Writes a resumable checkpoint positioned at batch next_batch of epoch
 * (ni: the iteration of the last batch done) and sets the message; 1, or -1
 * (t->msg) when the checkpoint cannot be written. */
int yc_train_interrupt(YcTrainer *t, int epoch, int next_batch, long ni);

/* The end of an epoch: validation, metrics event, stopper, checkpoints, time
 * re-planning. 0, 1 (interrupted during validation; checkpoint written), or
 * -1 (t->msg). */
int yc_train_epoch_end(YcTrainer *t, int epoch);

/* Validation of the EMA weights (or best.safetensors' weights when final):
 * 0, 1 (stopped by the stop flag; not when final), -1. */
int yc_train_validate(YcTrainer *t, int epoch, bool final, YcValResult *res, YcErr *err);

/* last.safetensors with the state (resumable) or weights only; best. */
int yc_train_save(YcTrainer *t, const char *path, bool resumable, YcErr *err);

#endif
