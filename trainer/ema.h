/* Exponential moving average of a model's weights as the reference's
 * ModelEMA keeps it: a copy of every float parameter and buffer (batch-norm
 * running statistics and frozen weights too), updated after each optimiser
 * step with d = 0.9999 * (1 - exp(-updates / 2000)):
 *   ema = ema * d + (1 - d) * model      (float32, in that order)
 * Validation and saved weights use the EMA copy. */
#ifndef YC_EMA_H
#define YC_EMA_H

#include <stdint.h>

#include "error.h"
#include "params.h"
#include "safetensors.h"

typedef struct YcEma {
    int count;
    float **value;         /* [count] copies, in the model's parameter order */
    size_t *size;          /* [count] values per copy */
    int64_t updates;       /* optimiser steps averaged so far */
    double decay, tau;     /* 0.9999, 2000 */
} YcEma;

/* Starts the average at the model's current values, with `updates` done. */
int yc_ema_init(YcEma *e, const YcParam *params, int count, int64_t updates, YcErr *err);
void yc_ema_free(YcEma *e);

/* The decay for the given update count. */
double yc_ema_decay(const YcEma *e, int64_t updates);

/* One update (updates += 1) from the model's current values. */
void yc_ema_update(YcEma *e, const YcParam *params, int count);

/* Checkpoints: "<prefix><param name>" per copy (F32, the parameter's shape)
 * and metadata "<prefix>updates". Data is borrowed until the writer saves. */
int yc_ema_save(const YcEma *e, const YcParam *params, YcStWriter *w, const char *prefix, YcErr *err);
int yc_ema_load(YcEma *e, const YcParam *params, const YcSafetensors *st, const char *prefix, YcErr *err);

#endif
