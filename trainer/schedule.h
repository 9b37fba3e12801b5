/* Learning-rate, momentum and accumulation schedules as the reference's
 * trainer computes them (ultralytics/engine/trainer.py), as pure functions:
 *
 *   accumulate = max(round(nbs / batch), 1); weight decay *= batch * accumulate / nbs
 *   lf(epoch)  = max(1 - epoch / epochs, 0) * (1 - lrf) + lrf           (linear)
 *              = max((1 - cos(epoch * pi / epochs)) / 2, 0) * (lrf - 1) + 1   (cos_lr)
 *   at each epoch start every group's lr = initial_lr * lf(epoch);
 *   warm-up over nw = max(round(warmup_epochs * nb), 100) iterations (none
 *   when warmup_epochs <= 0), for iteration ni = i + nb * epoch <= nw, by
 *   numpy.interp between (0, start) and (nw, end):
 *     accumulate: 1 -> nbs / batch (rounded half to even, at least 1)
 *     bias lr (YC_PG_BIAS): warmup_bias_lr -> initial_lr * lf(epoch); others 0 -> the same
 *     momentum (SGD only; Adam's beta1 has no warm-up): warmup_momentum -> args momentum
 * Rounding is Python's and numpy's: half to even. */
#ifndef YC_SCHEDULE_H
#define YC_SCHEDULE_H

#include <stdbool.h>

#include "optim.h"

typedef struct YcSchedule {
    int epochs;
    double lrf;
    bool cos_lr;
    double warmup_epochs, warmup_momentum;
    double warmup_bias_lr;   /* after optimizer=auto (which sets it to 0) */
    double momentum;         /* the momentum argument: end of the momentum warm-up (even under auto) */
    int nbs, batch;
} YcSchedule;

double yc_schedule_lf(const YcSchedule *s, int epoch);

/* nw for nb batches per epoch, or -1 without warm-up. */
long yc_schedule_warmup_iters(const YcSchedule *s, long nb);

int yc_schedule_accumulate(const YcSchedule *s);

/* weight_decay * batch * accumulate / nbs. */
double yc_schedule_weight_decay(const YcSchedule *s, double weight_decay);

/* numpy.interp(x, [x0, x1], [y0, y1]) for x0 < x1. */
double yc_interp(double x, double x0, double x1, double y0, double y1);

typedef struct YcWarmup {
    double lr[3];        /* by YcParamGroup */
    double momentum;
    int accumulate;
} YcWarmup;

/* The warm-up values at iteration ni of `epoch`, with the groups' initial lr;
 * false (and w untouched) when ni > nw (no warm-up at this iteration). */
bool yc_schedule_warmup(const YcSchedule *s, long ni, long nw, int epoch, double initial_lr, YcWarmup *w);

/* Applies warm-up values to an optimiser: each group's lr, and the momentum
 * for SGD only (torch's Adam groups have no "momentum" entry). */
void yc_optim_apply_warmup(YcOptim *o, const YcWarmup *w);

#endif
