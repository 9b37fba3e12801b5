/* The detection loss on a model's head outputs, wherever the backend keeps
 * them: sizes the loss workspace for the batches met (growing it when a batch
 * has more images, anchors or targets), stages outputs and gradients through
 * host memory for non-host backends, and writes d total / d output into the
 * model's output-gradient buffers (yc_model_output_grad) when asked. */
#ifndef YC_TRAIN_LOSS_H
#define YC_TRAIN_LOSS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "loss_v8.h"
#include "model.h"
#include "train_source.h"

typedef struct YcLossRunner {
    YcDetLoss *ws;
    int batch_cap, targets_cap, nc;
    long anchors_cap;
    float *host;              /* staging for non-host backends: outputs then gradients */
    size_t host_cap;
    double gain[3];           /* box, cls, dfl */
} YcLossRunner;

void yc_loss_runner_init(YcLossRunner *r, int nc, double box, double cls, double dfl);
void yc_loss_runner_free(YcLossRunner *r);

/* The loss of the batch's targets against the outputs of the last forward;
 * with `grad` (after a training forward) the gradients go into the model. */
int yc_loss_runner_run(YcLossRunner *r, YcModel *m, const YcModelOutputs *out, const YcSourceBatch *b, bool grad,
                       YcDetLossOutput *res, YcErr *err);

#endif
