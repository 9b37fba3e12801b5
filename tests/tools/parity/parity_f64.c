/* Double-precision loading and comparison for the parity checker. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"

double *parity_load_f64(ParityReport *r, const YcSafetensors *fx, const char *name, size_t *count) {
    const YcStTensor *t = yc_st_find(fx, name);
    if (!t) {
        parity_fail(r, "fixture has no tensor '%s'", name);
        return NULL;
    }
    size_t n = (size_t)yc_st_numel(t);
    double *out = malloc((n ? n : 1) * sizeof(double));
    if (!out) {
        parity_fail(r, "out of memory reading '%s'", name);
        return NULL;
    }
    const unsigned char *p = yc_st_data(fx, t);
    for (size_t i = 0; i < n; i++) {
        switch (t->dtype) {
        case YC_ST_F64: { double v; memcpy(&v, p + i * 8, 8); out[i] = v; break; }
        case YC_ST_F32: { float v; memcpy(&v, p + i * 4, 4); out[i] = v; break; }
        case YC_ST_I64: { long long v; memcpy(&v, p + i * 8, 8); out[i] = (double)v; break; }
        case YC_ST_I32: { int v; memcpy(&v, p + i * 4, 4); out[i] = v; break; }
        case YC_ST_U8: out[i] = p[i]; break;
        default:
            parity_fail(r, "tensor '%s' has dtype %s, not a number type this checker reads", name,
                        yc_st_dtype_name(t->dtype));
            free(out);
            return NULL;
        }
    }
    if (count) *count = n;
    return out;
}

int parity_compare_f64(ParityReport *r, const char *group, const char *tensor, const double *got,
                       const double *want, size_t count, double tolerance, ParityTolMode mode) {
    double max_err = 0, scale = 0;
    int finite_mismatch = 0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(got[i]) || !isfinite(want[i])) {
            if (!(isnan(got[i]) && isnan(want[i])) && got[i] != want[i]) finite_mismatch = 1;
            continue;
        }
        double e = fabs(got[i] - want[i]);
        if (e > max_err) max_err = e;
        if (fabs(want[i]) > scale) scale = fabs(want[i]);
    }
    double err = mode == PARITY_SCALED ? (scale > 0 ? max_err / scale : max_err) : max_err;
    if (finite_mismatch) err = INFINITY;
    ParityGroup *g = parity_group(r, group, tolerance, mode);
    g->tensors++;
    if (g->tensors == 1 || err > g->worst) {
        g->worst = err;
        snprintf(g->worst_tensor, sizeof g->worst_tensor, "%s", tensor);
    }
    if (err <= tolerance) return 0;
    r->failures++;
    if (r->verbose || r->failures <= 20)
        printf("  FAIL %s %s: error %.3g > %.3g (max |diff| %.3g, scale %.3g)\n", group, tensor, err, tolerance,
               max_err, scale);
    return -1;
}
