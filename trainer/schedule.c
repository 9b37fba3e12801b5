/* The reference trainer's schedules (see schedule.h). */
#include "schedule.h"

#include <math.h>

double yc_schedule_lf(const YcSchedule *s, int epoch) {
    double x = epoch, n = s->epochs;
    if (s->cos_lr) {
        double c = (1.0 - cos(x * M_PI / n)) / 2.0;
        return (c > 0 ? c : 0) * (s->lrf - 1.0) + 1.0;
    }
    double r = 1.0 - x / n;
    return (r > 0 ? r : 0) * (1.0 - s->lrf) + s->lrf;
}

long yc_schedule_warmup_iters(const YcSchedule *s, long nb) {
    if (!(s->warmup_epochs > 0)) return -1;
    double r = nearbyint(s->warmup_epochs * (double)nb); /* Python round: half to even */
    return r > 100 ? (long)r : 100;
}

int yc_schedule_accumulate(const YcSchedule *s) {
    double r = nearbyint((double)s->nbs / s->batch);
    return r > 1 ? (int)r : 1;
}

double yc_schedule_weight_decay(const YcSchedule *s, double weight_decay) {
    return weight_decay * s->batch * yc_schedule_accumulate(s) / s->nbs;
}

double yc_interp(double x, double x0, double x1, double y0, double y1) {
    if (x <= x0) return y0; /* numpy returns the end values at and beyond the ends */
    if (x >= x1) return y1;
    double slope = (y1 - y0) / (x1 - x0);
    return slope * (x - x0) + y0;
}

bool yc_schedule_warmup(const YcSchedule *s, long ni, long nw, int epoch, double initial_lr, YcWarmup *w) {
    if (ni > nw) return false;
    double acc = nearbyint(yc_interp((double)ni, 0.0, (double)nw, 1.0, (double)s->nbs / s->batch));
    w->accumulate = acc > 1 ? (int)acc : 1;
    double end = initial_lr * yc_schedule_lf(s, epoch);
    for (int g = 0; g < 3; g++)
        w->lr[g] = yc_interp((double)ni, 0.0, (double)nw, g == YC_PG_BIAS ? s->warmup_bias_lr : 0.0, end);
    w->momentum = yc_interp((double)ni, 0.0, (double)nw, s->warmup_momentum, s->momentum);
    return true;
}

void yc_optim_apply_warmup(YcOptim *o, const YcWarmup *w) {
    for (int g = 0; g < 3; g++) {
        o->group[g].lr = w->lr[g];
        if (o->kind == YC_OPTIM_SGD) o->group[g].momentum = w->momentum;
    }
}
