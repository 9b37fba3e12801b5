/* Optimisers as torch.optim computes them on the CPU (single-tensor path),
 * over a model's YcParam array with the reference's three parameter groups
 * (trainer/params.h): SGD with Nesterov momentum (dampening 0), Adam and AdamW
 * with betas (momentum, 0.999), eps 1e-8 and bias correction. Weight decay is
 * given to the YC_PG_WEIGHT group only (the reference's g0); YC_PG_NORM and
 * YC_PG_BIAS have none.
 *
 * Parameters that are buffers, frozen, or have no gradient array are never
 * touched (torch skips parameters whose grad is None). State is created on a
 * parameter's first step, as torch does.
 *
 * The reference's torch param_groups are ordered [biases, decayed weights,
 * norm weights], so its lr/pg0 is our YC_PG_BIAS group: see yc_optim_pg_order. */
#ifndef YC_OPTIM_H
#define YC_OPTIM_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "params.h"
#include "safetensors.h"

typedef enum YcOptimKind { YC_OPTIM_SGD = 0, YC_OPTIM_ADAM, YC_OPTIM_ADAMW } YcOptimKind;

/* Per-group hyperparameters (torch's param_group entries). */
typedef struct YcOptimGroup {
    double lr;
    double initial_lr;   /* the scheduler's base lr (lr at creation) */
    double momentum;     /* SGD momentum (warmed up); Adam/AdamW beta1 (fixed) */
    double weight_decay;
} YcOptimGroup;

typedef struct YcOptim {
    YcOptimKind kind;
    double beta2, eps;             /* Adam/AdamW: 0.999, 1e-8 */
    YcOptimGroup group[3];         /* indexed by YcParamGroup */
    YcParam *params;               /* borrowed: the model's parameters */
    int count;
    float **buf1;                  /* [count] SGD momentum_buffer / Adam exp_avg; NULL if never optimised */
    float **buf2;                  /* [count] Adam exp_avg_sq */
    int64_t *step;                 /* [count] steps taken by each parameter (0: no state yet) */
    double groups_table[3][4];     /* scratch for checkpoints: lr, initial_lr, momentum, weight_decay */
} YcOptim;

/* torch's param_group index i (lr/pg{i} in results.csv) -> our group. */
extern const YcParamGroup yc_optim_pg_order[3];

const char *yc_optim_name(YcOptimKind kind);   /* "SGD", "Adam", "AdamW" */

/* Creates the optimiser: every group gets lr and momentum; weight_decay
 * (already scaled, see yc_schedule_weight_decay) goes to YC_PG_WEIGHT. */
int yc_optim_init(YcOptim *o, YcOptimKind kind, double lr, double momentum, double weight_decay, YcParam *params,
                  int count, YcErr *err);
void yc_optim_free(YcOptim *o);

/* One optimiser step with the current group hyperparameters. */
void yc_optim_step(YcOptim *o);

/* Zeroes the gradients of every parameter that has a gradient array. */
void yc_params_zero_grad(YcParam *params, int count);

/* Sets every group's lr to initial_lr * lf (the scheduler's step at an epoch start). */
void yc_optim_set_lr_factor(YcOptim *o, double lf);

/* Checkpoint state as safetensors entries (borrowed until the writer saves):
 * "<prefix><param>.momentum_buffer" (SGD) or ".exp_avg"/".exp_avg_sq" (Adam),
 * "<prefix>step" (I64 [count], model order) and "<prefix>groups" (F64 [3][4]:
 * lr, initial_lr, momentum, weight_decay by YcParamGroup), and metadata
 * "<prefix>kind". Load checks the kind and the shapes and names what differs. */
int yc_optim_save(YcOptim *o, YcStWriter *w, const char *prefix, YcErr *err);
int yc_optim_load(YcOptim *o, const YcSafetensors *st, const char *prefix, YcErr *err);

/* optimizer=auto and the explicit choices, as the reference's build_optimizer
 * decides them: "auto" gives SGD (lr 0.01, momentum 0.9) when
 * ceil(train_images / max(batch, nbs)) * epochs > 10000, else AdamW with
 * lr round(0.002 * 5 / (4 + nc), 6) and momentum 0.9, and sets
 * warmup_bias_lr to 0. Other names keep lr0, momentum and warmup_bias_lr. */
typedef struct YcOptimChoice {
    YcOptimKind kind;
    double lr0, momentum, warmup_bias_lr;
} YcOptimChoice;

int yc_optim_choose(const char *name, double lr0, double momentum, double warmup_bias_lr, long train_images,
                    int batch, int nbs, int epochs, int nc, YcOptimChoice *out, YcErr *err);

#endif
