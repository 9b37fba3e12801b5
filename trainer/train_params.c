/* Host copies of a model's parameters for the optimiser (see train_params.h). */
#include "train_params.h"

#include <stdlib.h>
#include <string.h>

int yc_param_mirror_init(YcParamMirror *pm, YcModel *m, bool force, YcErr *err) {
    memset(pm, 0, sizeof *pm);
    YcParam *p = yc_model_params(m, &pm->count);
    YcBackend *be = yc_model_backend(m);
    pm->params = p;
    if (be->mem == YC_MEM_HOST && !force) return 0;
    size_t values = 0, grads = 0;
    for (int i = 0; i < pm->count; i++) {
        values += p[i].count;
        if (p[i].grad) grads += p[i].count;
    }
    size_t slots = pm->count > 0 ? (size_t)pm->count : 1;
    pm->params = malloc(slots * sizeof *pm->params);
    pm->values = malloc((values ? values : 1) * sizeof(float));
    pm->grads = calloc(grads ? grads : 1, sizeof(float));
    if (!pm->params || !pm->values || !pm->grads) {
        yc_param_mirror_free(pm);
        return yc_err(err, "optimiser: out of memory for host copies of %zu parameters", values);
    }
    pm->on = true;
    size_t v = 0, g = 0;
    for (int i = 0; i < pm->count; i++) {
        pm->params[i] = p[i];
        pm->params[i].value = pm->values + v;
        v += p[i].count;
        if (p[i].grad) {
            pm->params[i].grad = pm->grads + g;
            g += p[i].count;
        }
    }
    yc_param_mirror_pull(pm, m);
    return 0;
}

void yc_param_mirror_free(YcParamMirror *pm) {
    if (pm->on) free(pm->params);
    free(pm->values);
    free(pm->grads);
    memset(pm, 0, sizeof *pm);
}

void yc_param_mirror_pull(YcParamMirror *pm, YcModel *m) {
    if (!pm->on) return;
    int n;
    YcParam *p = yc_model_params(m, &n);
    YcBackend *be = yc_model_backend(m);
    for (int i = 0; i < n && i < pm->count; i++) {
        be->download(be, pm->params[i].value, p[i].value, p[i].count * sizeof(float));
        if (p[i].grad && pm->params[i].grad)
            be->download(be, pm->params[i].grad, p[i].grad, p[i].count * sizeof(float));
    }
}

void yc_param_mirror_push(YcParamMirror *pm, YcModel *m) {
    if (!pm->on) return;
    int n;
    YcParam *p = yc_model_params(m, &n);
    YcBackend *be = yc_model_backend(m);
    for (int i = 0; i < n && i < pm->count; i++)
        if (p[i].grad) be->upload(be, p[i].value, pm->params[i].value, p[i].count * sizeof(float));
}
