/* Gradient clipping and finiteness checks (see clip.h). */
#include "clip.h"

#include <math.h>

static bool has_grad(const YcParam *p) { return p->grad && !p->is_buffer && !p->frozen; }

double yc_clip_grad_norm(YcParam *params, int count, double max_norm) {
    /* torch: per-tensor float32 norms, then the norm of those norms. */
    double sum = 0.0;
    for (int i = 0; i < count; i++) {
        if (!has_grad(&params[i])) continue;
        double s = 0.0;
        const float *g = params[i].grad;
        for (size_t k = 0; k < params[i].count; k++) s += (double)g[k] * g[k];
        float norm = (float)sqrt(s);
        sum += (double)norm * norm;
    }
    float total = (float)sqrt(sum);
    float coef = (float)max_norm / (total + 1e-6f);
    if (coef < 1.0f || isnan(coef))
        for (int i = 0; i < count; i++) {
            if (!has_grad(&params[i])) continue;
            float *g = params[i].grad;
            for (size_t k = 0; k < params[i].count; k++) g[k] *= coef;
        }
    return total;
}

int yc_params_check_finite(const YcParam *params, int count, bool check_grads, YcErr *err) {
    for (int i = 0; i < count; i++) {
        const float *v = check_grads ? params[i].grad : params[i].value;
        if (!v || (check_grads && !has_grad(&params[i]))) continue;
        size_t bad = 0, first = 0;
        for (size_t k = 0; k < params[i].count; k++)
            if (!isfinite(v[k]) && bad++ == 0) first = k;
        if (bad)
            return yc_err(err, "non-finite %s in %s (%zu of %zu values, first at %zu)",
                          check_grads ? "gradient" : "value", params[i].name, bad, params[i].count, first);
    }
    return 0;
}
