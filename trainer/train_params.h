/* The parameters the optimiser, the EMA and gradient clipping work on. They
 * work on host memory: with the CPU backend that is the model's own
 * parameters; with a device backend (CUDA) they work on host copies,
 * mirrored around each optimiser step: gradients and values down before it,
 * values up after it (for YOLOv8n about 25 MB each way per step). */
#ifndef YC_TRAIN_PARAMS_H
#define YC_TRAIN_PARAMS_H

#include <stdbool.h>

#include "error.h"
#include "model.h"

typedef struct YcParamMirror {
    bool on;               /* host copies in use */
    YcParam *params;       /* what to give the optimiser, EMA and clipping */
    int count;
    float *values, *grads; /* host blocks (mirror only) */
} YcParamMirror;

/* After freezing. force: mirror even for a host backend (tests). */
int yc_param_mirror_init(YcParamMirror *pm, YcModel *m, bool force, YcErr *err);
void yc_param_mirror_free(YcParamMirror *pm);
/* Model -> host copies (values and gradients); a no-op without a mirror. */
void yc_param_mirror_pull(YcParamMirror *pm, YcModel *m);
/* Host copies -> model (values); a no-op without a mirror. */
void yc_param_mirror_push(YcParamMirror *pm, YcModel *m);

#endif
