/* Dynamic loss scaling for amp=fp16, as torch.amp.GradScaler does it with its
 * defaults: the loss gradient is multiplied by `scale` before backward; after
 * backward the gradients are unscaled (backend fused_unscale) and checked.
 * A step whose gradients hold an inf or NaN is skipped and the scale halves;
 * after `growth_interval` consecutive good steps the scale doubles. bfloat16
 * and float32 need no scaling (the scaler is then disabled: scale 1, every
 * step taken). */
#ifndef YC_GPU_LOSS_SCALE_H
#define YC_GPU_LOSS_SCALE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct YcLossScaler {
    bool enabled;
    double scale;           /* 65536 at start */
    double growth_factor;   /* 2 */
    double backoff_factor;  /* 0.5 */
    int growth_interval;    /* 2000 */
    int good_steps;         /* consecutive finite steps since the last change */
    int64_t skipped;        /* steps skipped for non-finite gradients */
} YcLossScaler;

void yc_loss_scaler_init(YcLossScaler *s, bool enabled);
/* The factor to multiply the loss gradient by (1 when disabled). */
float yc_loss_scaler_scale(const YcLossScaler *s);
/* After unscaling with 1 / scale: records whether every gradient was finite
 * and returns whether the optimiser should step (always true when disabled). */
bool yc_loss_scaler_update(YcLossScaler *s, bool grads_finite);

#endif
