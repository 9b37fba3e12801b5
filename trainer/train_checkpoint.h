/* Training checkpoints: weights/last.safetensors and best.safetensors.
 *
 * Every checkpoint is a weights file first: the EMA weights under the
 * reference's state-dict names with the metadata yc_model_save writes
 * (format=yoloc, yaml, nc, names), so `yoloc val`, `yoloc predict` and
 * yc_model_from_weights load it as they load any weights. Metadata also holds
 * what the reference's checkpoint dictionary holds: epoch (0-based, the last
 * completed; -1 after the final strip), best_fitness, train_args (args.yaml
 * text), train_metrics (JSON), updates (EMA), date, version.
 *
 * A resumable checkpoint (last.safetensors during training) adds, under
 * "resume.*": the raw (non-EMA) model weights (resume.model.<name>), the
 * optimiser state (optim.*: momentum buffers or Adam moments, per-parameter
 * steps, the groups' lr/initial_lr/momentum/weight_decay), the gradients
 * accumulated since the last optimiser step when there are any
 * (resume.grad), and the loop state (YcTrainState) as metadata with doubles
 * in exact hexadecimal form. Random draws are all functions of (seed, epoch,
 * index), so no generator state needs saving. Writes are atomic. */
#ifndef YC_TRAIN_CHECKPOINT_H
#define YC_TRAIN_CHECKPOINT_H

#include <stdbool.h>

#include "args.h"
#include "ema.h"
#include "error.h"
#include "model.h"
#include "optim.h"
#include "safetensors.h"

/* Where training stands, beyond the tensors. */
typedef struct YcTrainState {
    int epoch;                 /* 0-based index of the last completed epoch, -1 before the first */
    int next_epoch;            /* where training continues: epoch ... */
    int next_batch;            /* ... and batch within it (> 0 after an interrupt inside an epoch) */
    int epochs;                /* the planned epochs (time= re-plans them) */
    long last_opt_step;        /* the iteration of the last optimiser step */
    int accumulate;
    float tloss[3];            /* running mean of the epoch's loss items over next_batch batches */
    bool pending_grads;        /* gradients accumulated since the last step (saved with them) */
    bool has_best;             /* the trainer's best_fitness is set (the reference: not None) */
    double best_fitness;
    bool has_fitness;          /* the last validation's fitness is set */
    double fitness;
    double stop_best_fitness;  /* EarlyStopping's best fitness and epoch (1-based) */
    int stop_best_epoch;
    double train_seconds;      /* training time spent before this session (for time=) */
    double metrics[7];         /* last validation: precision, recall, mAP50, mAP50-95, val box/cls/dfl */
    int best_epoch;            /* 1-based epoch of the best fitness, 0 = none */
    double loss_scale;         /* amp=fp16 loss scaling: the scale (0: not scaling) and good steps since it changed */
    int scale_good_steps;
} YcTrainState;

void yc_train_state_init(YcTrainState *s, int epochs);

typedef struct YcCheckpoint {
    const char *path;
    YcModel *model;            /* its weights (raw) go under resume.model.* */
    const YcEma *ema;          /* the weights under the plain names */
    YcOptim *optim;            /* NULL: a weights-only checkpoint (best, stripped last) */
    const YcTrainState *state;
    const YcArgs *args;        /* train_args */
    const char *const *names;  /* the model's nc class names, or NULL */
} YcCheckpoint;

int yc_checkpoint_save(const YcCheckpoint *c, YcErr *err);

/* Whether a file holds resume state, and its loop state. */
bool yc_checkpoint_resumable(const YcSafetensors *st);
int yc_checkpoint_read_state(const YcSafetensors *st, YcTrainState *state, YcErr *err);

/* Restores the raw weights, the EMA (values and updates), the optimiser and
 * the pending gradients (zeroed when there are none). The optimiser must be
 * of the checkpoint's kind (yc_checkpoint_optim_kind). */
int yc_checkpoint_restore(const YcSafetensors *st, YcModel *model, YcEma *ema, YcOptim *optim, YcErr *err);
/* The optimiser the checkpoint was written with ("SGD", "Adam", "AdamW"); -1 if none. */
int yc_checkpoint_optim_kind(const YcSafetensors *st, YcOptimKind *kind, YcErr *err);

/* The class names of a weights file's metadata (JSON list); NULL when absent.
 * Free with yc_names_free. */
char **yc_checkpoint_names(const YcSafetensors *st, int *count);
void yc_names_free(char **names, int count);

#endif
