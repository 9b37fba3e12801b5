/* Dynamic loss scaling (see gpu_loss_scale.h). */
#include "gpu_loss_scale.h"

#include <string.h>

void yc_loss_scaler_init(YcLossScaler *s, bool enabled) {
    memset(s, 0, sizeof *s);
    s->enabled = enabled;
    s->scale = enabled ? 65536.0 : 1.0;
    s->growth_factor = 2.0;
    s->backoff_factor = 0.5;
    s->growth_interval = 2000;
}

float yc_loss_scaler_scale(const YcLossScaler *s) { return s->enabled ? (float)s->scale : 1.0f; }

bool yc_loss_scaler_update(YcLossScaler *s, bool grads_finite) {
    if (!s->enabled) return true;
    if (!grads_finite) {
        s->scale *= s->backoff_factor;
        s->good_steps = 0;
        s->skipped++;
        return false;
    }
    if (++s->good_steps == s->growth_interval) {
        s->scale *= s->growth_factor;
        s->good_steps = 0;
    }
    return true;
}
