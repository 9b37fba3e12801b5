/* Gradient-norm clipping as torch.nn.utils.clip_grad_norm_ computes it, and
 * the finiteness checks the training loop runs before stepping. */
#ifndef YC_CLIP_H
#define YC_CLIP_H

#include <stdbool.h>

#include "error.h"
#include "params.h"

/* Total 2-norm over every gradient (parameters with a gradient array that are
 * not buffers or frozen: torch's grads that are not None), each parameter's
 * norm rounded to float32 and combined as torch does; then every gradient is
 * multiplied by min(max_norm / (total + 1e-6), 1) in float32. Returns the
 * total norm (before clipping). */
double yc_clip_grad_norm(YcParam *params, int count, double max_norm);

/* -1 with "non-finite gradient in <name> (<k> of <n> values, first at <i>)"
 * (or "value" when check_grads is false) for the first parameter that holds
 * a NaN or infinity; 0 if all are finite. */
int yc_params_check_finite(const YcParam *params, int count, bool check_grads, YcErr *err);

#endif
